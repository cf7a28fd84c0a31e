//! The hottest path: a `#publish` on `log` read by a byte scanner, exactly as
//! the server writes it (`JSON.stringify`: no spaces, `event` first), with
//! flat values (strings, numbers, `true`/`false`/`null`) in the message.
//! That is every ACTION and STATE `@redux-devtools/remote` sends. The ~1 KB
//! payload string is stepped over eight bytes at a time; serde_json stops at
//! each of its hundred escapes. The scan is strict: anything it does not
//! know, or anything malformed, gives `None` and [`crate::relay::hot`]'s
//! serde visitor (then the general path) reads the frame as before.

use std::ops::Range;

use serde_json::Value;
use serde_json::value::RawValue;

/// What precedes the message in every frame the server publishes on `log`.
const PREFIX: &[u8] = br##"{"event":"#publish","data":{"channel":"log","data":{"##;
/// What follows it.
const SUFFIX: &[u8] = b"}}";
/// What precedes the message in every `log` frame of the Expo Redux plugin
/// (`JSON.stringify` of `{messageKey, payload}`, EXPO.md §4), and what
/// follows it.
const EXPO_PREFIX: &[u8] =
    br#"{"messageKey":{"pluginName":"redux-devtools-expo-dev-plugin","method":"log"},"payload":{"#;
const EXPO_SUFFIX: &[u8] = b"}";

/// A message's members, as byte ranges of the frame (values whole: a
/// string's range includes its quotes). A later duplicate key wins, as in
/// the serde visitor.
#[derive(Default)]
pub(crate) struct Members {
    pub(crate) kind: Option<Range<usize>>,
    pub(crate) socket: Option<Range<usize>>,
    pub(crate) instance_id: Option<Range<usize>>,
    pub(crate) name: Option<Range<usize>>,
    pub(crate) payload: Option<Range<usize>>,
    pub(crate) action: Option<Range<usize>>,
    pub(crate) next: Option<Range<usize>>,
    pub(crate) lib_config: Option<Range<usize>>,
    pub(crate) meta: Option<Range<usize>>,
}

/// The members of a plain flat `#publish` on `log`; `None` for any other text.
pub(crate) fn publish(text: &str) -> Option<Members> {
    members_after(text, PREFIX, SUFFIX)
}

/// The members of a plain flat `log` frame of the Expo Redux plugin.
pub(crate) fn expo_log(text: &str) -> Option<Members> {
    members_after(text, EXPO_PREFIX, EXPO_SUFFIX)
}

/// The members of the message between `prefix` and `suffix`, the whole text.
fn members_after(text: &str, prefix: &[u8], suffix: &[u8]) -> Option<Members> {
    let b = text.as_bytes();
    if !b.starts_with(prefix) {
        return None;
    }
    let mut i = prefix.len();
    let mut m = Members::default();
    if b.get(i) == Some(&b'}') {
        i += 1;
    } else {
        loop {
            let key = i..string(b, i)?;
            if b[key.start + 1..key.end - 1].contains(&b'\\') {
                return None;
            }
            i = key.end;
            if b.get(i) != Some(&b':') {
                return None;
            }
            let value = i + 1..flat_value(b, i + 1)?;
            i = value.end;
            match &b[key.start + 1..key.end - 1] {
                b"type" => m.kind = Some(value),
                b"id" => m.socket = Some(value),
                b"instanceId" => m.instance_id = Some(value),
                b"name" => m.name = Some(value),
                b"payload" => m.payload = Some(value),
                b"action" => m.action = Some(value),
                b"nextActionId" => m.next = Some(value),
                b"libConfig" => m.lib_config = Some(value),
                b"meta" => m.meta = Some(value),
                // An envelope: the visitor sends it down the general path.
                b"data" => return None,
                _ => {}
            }
            match b.get(i)? {
                b',' => i += 1,
                b'}' => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    (&b[i..] == suffix).then_some(m)
}

/// A string member's text when it holds no escape (the scan checked it:
/// no control characters, and the text is UTF-8).
pub(crate) fn plain_str<'a>(text: &'a str, r: &Range<usize>) -> Option<&'a str> {
    let inner = text[r.clone()].strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('\\')).then_some(inner)
}

/// A small member's value, parsed.
pub(crate) fn value(text: &str, r: &Range<usize>) -> Option<Value> {
    if let Some(s) = plain_str(text, r) {
        return Some(Value::String(s.to_owned()));
    }
    serde_json::from_str(&text[r.clone()]).ok()
}

/// A member's value as raw JSON (checked by serde_json: the scan only
/// stepped over it).
pub(crate) fn raw<'a>(text: &'a str, r: &Range<usize>) -> Option<&'a RawValue> {
    serde_json::from_str(&text[r.clone()]).ok()
}

/// The end (one past) of the flat value starting at `i`.
fn flat_value(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => string(b, i),
        b'-' | b'0'..=b'9' => number(b, i),
        b't' => word(b, i, b"true"),
        b'f' => word(b, i, b"false"),
        b'n' => word(b, i, b"null"),
        // objects, arrays, whitespace: not the flat shape
        _ => None,
    }
}

/// The end of the literal `w` (`true`, `false`, `null`) at `i`.
pub(crate) fn word(b: &[u8], i: usize, w: &[u8]) -> Option<usize> {
    b[i..].starts_with(w).then_some(i + w.len())
}

/// A JSON number's end, by the grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
fn number(b: &[u8], mut i: usize) -> Option<usize> {
    let digits = |i: usize| i + b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i)? {
        b'0' => i += 1,
        b'1'..=b'9' => i = digits(i),
        _ => return None,
    }
    if b.get(i) == Some(&b'.') {
        let j = digits(i + 1);
        if j == i + 1 {
            return None;
        }
        i = j;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let j = digits(i);
        if j == i {
            return None;
        }
        i = j;
    }
    Some(i)
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Where the run of plain string bytes from `i` ends, eight bytes at a
/// time: at the first quote, backslash or control character, and with
/// `ascii` also at the first byte from DEL (0x7f) up. Near the end of `b`
/// (less than eight bytes left) it stops where it is, for the caller's
/// byte-by-byte step.
pub(crate) fn plain_run(b: &[u8], mut i: usize, ascii: bool) -> usize {
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let quote = w ^ (ONES * u64::from(b'"'));
        let slash = w ^ (ONES * u64::from(b'\\'));
        let mut hit = (quote.wrapping_sub(ONES) & !quote)
            | (slash.wrapping_sub(ONES) & !slash)
            | (w.wrapping_sub(ONES * 0x20) & !w);
        if ascii {
            let del = w ^ (ONES * 0x7f);
            hit |= (del.wrapping_sub(ONES) & !del) | w;
        }
        let hit = hit & HIGHS;
        if hit != 0 {
            // The lowest flagged byte is the first real one.
            return i + (hit.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i
}

/// The end (one past the closing quote) of the JSON string whose opening
/// quote is at `i`, checked as serde_json checks it: escapes valid, no raw
/// control characters (the text is UTF-8 already). Plain bytes go eight at
/// a time.
fn string(b: &[u8], i: usize) -> Option<usize> {
    string_as(b, i, false)
}

/// [`string`], and with `canonical` only a string rdx's JSON writer writes
/// as it is: only the escapes serde_json writes (`\"`, `\\`, `\b`, `\f`,
/// `\n`, `\r`, `\t`; no `\/`, a `\u` is left to the parser), and none of
/// the characters the writer escapes (DEL, C1, bidi overrides).
pub(crate) fn string_as(b: &[u8], i: usize, canonical: bool) -> Option<usize> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let mut i = i + 1;
    loop {
        i = plain_run(b, i, canonical);
        match *b.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => match *b.get(i + 1)? {
                b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                b'/' if !canonical => i += 2,
                b'u' if !canonical && b.get(i + 2..i + 6)?.iter().all(u8::is_ascii_hexdigit) => {
                    i += 6
                }
                _ => return None,
            },
            0..=0x1f => return None,
            0x7f if canonical => return None,
            0x80.. if canonical => {
                let len = utf8_len(b[i])?;
                let s = std::str::from_utf8(b.get(i..i + len)?).ok()?;
                if crate::output::is_unsafe(s.chars().next()?) {
                    return None;
                }
                i += len;
            }
            _ => i += 1,
        }
    }
}

/// The length of the UTF-8 character a lead byte starts.
fn utf8_len(lead: u8) -> Option<usize> {
    match lead {
        0xc2..=0xdf => Some(2),
        0xe0..=0xef => Some(3),
        0xf0..=0xf4 => Some(4),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_end_where_serde_json_says() {
        for s in [
            r#""""#,
            r#""a""#,
            r#""exactly8""#,
            r#""{\"counter\":{\"value\":1},\"todos\":[{\"id\":1}]}""#,
            r#""\u00e9\\\"/\b\f\n\r\t""#,
            "\"é€😀 and more than eight bytes\"",
        ] {
            let text = format!("{s},rest");
            assert_eq!(string(text.as_bytes(), 0), Some(s.len()), "{s}");
            assert!(serde_json::from_str::<String>(s).is_ok());
        }
        for bad in [
            "\"open",
            "\"bad \\x escape\"",
            "\"\\u12\"",
            "\"ctl \u{1} inside\"",
            "\"ends in a backslash\\",
        ] {
            assert_eq!(string(bad.as_bytes(), 0), None, "{bad}");
        }
    }

    #[test]
    fn numbers_by_the_grammar() {
        for (n, ok) in [
            ("0", true),
            ("-12", true),
            ("3.25", true),
            ("1e9", true),
            ("-0.5E-3", true),
            ("01", false),
            ("1.", false),
            ("-", false),
            ("1e", false),
        ] {
            let text = format!("{n}}}");
            let end = number(text.as_bytes(), 0);
            let whole = end == Some(n.len());
            assert_eq!(whole, ok, "{n}");
            assert_eq!(serde_json::from_str::<Value>(n).is_ok(), ok, "{n}");
        }
    }
}

#[cfg(test)]
mod expo_tests {
    #[test]
    fn the_expo_plugins_log_frame_is_scanned() {
        let f = r#"{"messageKey":{"pluginName":"redux-devtools-expo-dev-plugin","method":"log"},"payload":{"type":"ACTION","id":"s0","name":"store0","instanceId":"inst0","payload":"{\"counter\":{\"value\":0},\"todos\":[]}","action":"{\"type\":\"PERFORM_ACTION\",\"action\":{\"type\":\"todos/todoToggled\",\"payload\":1},\"timestamp\":1795520108714}","isExcess":false,"nextActionId":2}}"#;
        assert!(super::expo_log(f).is_some());
        assert!(crate::relay::hot::expo_log(f, true).is_some());
    }
}
