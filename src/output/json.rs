//! JSON for people, jq's way (on a terminal with color on, object keys,
//! strings, numbers, booleans and null each in their own color; pretty or
//! compact), and the one writer of JSON for programs (`--json` lines, `rdx
//! mcp`'s messages, recordings): compact, with the controls and bidi
//! overrides JSON allows raw written as `\u` escapes. Strings from the wire
//! are terminal-safe either way.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::Value;
use serde_json::ser::{Formatter, Serializer};

use crate::output::{Palette, is_unsafe};

/// serde_json's compact JSON, except that inside strings what JSON leaves
/// raw but a terminal obeys (DEL, the C1 controls U+0080-U+009F such as the
/// CSI U+009B, the bidi overrides U+202A-U+202E and U+2066-U+2069) is written
/// as a `\uXXXX` escape; serde_json already escapes C0. The text parses to
/// the same value.
struct Safe;

impl Formatter for Safe {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        write_escaped(w, fragment)
    }
}

/// Write `s` (inside a JSON string, where `"`, `\` and C0 are already
/// escaped or absent) with its unsafe characters as `\u` escapes.
fn write_escaped<W: ?Sized + Write>(w: &mut W, s: &str) -> io::Result<()> {
    let b = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        // Plain ASCII (below DEL), the usual case, eight bytes at a time: a
        // byte is flagged when its high bit is set or its low seven bits
        // are all ones (DEL); no carry crosses bytes.
        if let Some(chunk) = b.get(i..i + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            let x = u64::from_le_bytes(word);
            const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
            const ONES: u64 = 0x0101_0101_0101_0101;
            if (((x & LOW7) + ONES) | x) & !LOW7 == 0 {
                i += 8;
                continue;
            }
        }
        // Only these bytes start an unsafe character: DEL, and the UTF-8
        // lead bytes of U+0080-U+00BF and U+2000-U+2FFF.
        if matches!(b[i], 0x7f | 0xc2 | 0xe2) {
            let c = s[i..].chars().next().unwrap_or_default();
            let len = c.len_utf8();
            if is_unsafe(c) {
                w.write_all(&b[start..i])?;
                write!(w, "\\u{:04x}", c as u32)?;
                start = i + len;
            }
            i += len;
        } else {
            i += 1;
        }
    }
    w.write_all(&b[start..])
}

/// Whether `s` is written inside a JSON string as it is: printable ASCII
/// without a quote or a backslash.
pub(crate) fn plain(s: &str) -> bool {
    s.bytes()
        .all(|c| (0x20..0x7f).contains(&c) && c != b'"' && c != b'\\')
}

/// Write `v` as one line of JSON for programs (no newline added): compact,
/// terminal-safe (see [`Safe`]).
pub(crate) fn to_writer<W: Write, T: Serialize + ?Sized>(w: W, v: &T) -> io::Result<()> {
    let mut ser = Serializer::with_formatter(w, Safe);
    v.serialize(&mut ser).map_err(io::Error::other)
}

/// [`to_writer`] into a string.
pub(crate) fn to_string<T: Serialize + ?Sized>(v: &T) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail, and serde_json writes valid UTF-8.
    let _ = to_writer(&mut out, v);
    String::from_utf8(out).unwrap_or_default()
}

/// How many bytes [`to_writer`] writes for `v`, without keeping them.
pub(crate) fn len<T: Serialize + ?Sized>(v: &T) -> u64 {
    struct Count(u64);
    impl Write for Count {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0 += b.len() as u64;
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut n = Count(0);
    let _ = to_writer(&mut n, v);
    n.0
}

/// Write the JSON text `raw` (valid JSON, as serde_json checked it) as
/// [`to_writer`] would write its value, without building a tree: the
/// whitespace between tokens dropped (so a pretty-printed document becomes
/// one line), strings made terminal-safe, everything else as it is.
pub(crate) fn write_compact_raw(raw: &str, w: &mut impl Write) -> io::Result<()> {
    let b = raw.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                // A string token, up to its closing quote.
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                let end = (j + 1).min(b.len());
                w.write_all(&b[start..i])?;
                write_escaped(w, &raw[i..end])?;
                i = end;
                start = i;
            }
            b' ' | b'\t' | b'\n' | b'\r' => {
                w.write_all(&b[start..i])?;
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    w.write_all(&b[start..])
}

const KEY: &str = "34;1";
const STRING: &str = "32";
const NUMBER: &str = "36";
const BOOL: &str = "33";
const NULL: &str = "1;30";
const PUNCT: &str = "1";

/// `v` as JSON text for a terminal: pretty (two-space indent) or compact,
/// colored by `pal`.
pub(crate) fn for_people(v: &Value, pretty: bool, pal: Palette) -> String {
    let mut out = String::new();
    write(v, pretty, 0, pal, &mut out);
    out
}

fn write(v: &Value, pretty: bool, depth: usize, pal: Palette, out: &mut String) {
    let nl = |out: &mut String, depth: usize| {
        if pretty {
            out.push('\n');
            out.push_str(&"  ".repeat(depth));
        }
    };
    match v {
        Value::Null => out.push_str(&pal.wrap(NULL, "null")),
        Value::Bool(b) => out.push_str(&pal.wrap(BOOL, if *b { "true" } else { "false" })),
        Value::Number(n) => out.push_str(&pal.wrap(NUMBER, &n.to_string())),
        Value::String(s) => out.push_str(&pal.wrap(STRING, &quoted(s))),
        Value::Array(items) if items.is_empty() => out.push_str(&pal.wrap(PUNCT, "[]")),
        Value::Object(map) if map.is_empty() => out.push_str(&pal.wrap(PUNCT, "{}")),
        Value::Array(items) => {
            out.push_str(&pal.wrap(PUNCT, "["));
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(&pal.wrap(PUNCT, ","));
                }
                nl(out, depth + 1);
                write(item, pretty, depth + 1, pal, out);
            }
            nl(out, depth);
            out.push_str(&pal.wrap(PUNCT, "]"));
        }
        Value::Object(map) => {
            out.push_str(&pal.wrap(PUNCT, "{"));
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(&pal.wrap(PUNCT, ","));
                }
                nl(out, depth + 1);
                out.push_str(&pal.wrap(KEY, &quoted(k)));
                out.push_str(&pal.wrap(PUNCT, ":"));
                if pretty {
                    out.push(' ');
                }
                write(item, pretty, depth + 1, pal, out);
            }
            nl(out, depth);
            out.push_str(&pal.wrap(PUNCT, "}"));
        }
    }
}

/// A JSON string literal, with what JSON leaves in (DEL, C1, bidi
/// overrides) escaped too: it is for a terminal.
fn quoted(s: &str) -> String {
    to_string(s)
}

/// Write the JSON text `raw` (valid JSON, as serde_json checked it) for
/// people, token by token, without building a tree: pretty or compact,
/// colored by `pal`, strings made terminal-safe. The same output as
/// [`for_people`] on the parsed value, at the cost of the text alone.
pub(crate) fn write_raw(
    raw: &str,
    pretty: bool,
    pal: Palette,
    w: &mut impl std::io::Write,
) -> std::io::Result<()> {
    // Per open container: is it an object, and has it had an entry yet.
    let mut stack: Vec<(bool, bool)> = Vec::new();
    let mut expect_key = false;
    let b = raw.as_bytes();
    let mut i = 0;
    let nl = |w: &mut dyn std::io::Write, depth: usize| -> std::io::Result<()> {
        if pretty {
            w.write_all(b"\n")?;
            for _ in 0..depth {
                w.write_all(b"  ")?;
            }
        }
        Ok(())
    };
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
            }
            b'{' | b'[' => {
                // An empty container prints as `{}` / `[]`.
                let mut j = i + 1;
                while j < b.len() && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                let close = if c == b'{' { b'}' } else { b']' };
                if j < b.len() && b[j] == close {
                    let text = if c == b'{' { "{}" } else { "[]" };
                    w.write_all(pal.wrap(PUNCT, text).as_bytes())?;
                    i = j + 1;
                    continue;
                }
                let text = if c == b'{' { "{" } else { "[" };
                w.write_all(pal.wrap(PUNCT, text).as_bytes())?;
                stack.push((c == b'{', false));
                expect_key = c == b'{';
                nl(w, stack.len())?;
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                nl(w, stack.len())?;
                let text = if c == b'}' { "}" } else { "]" };
                w.write_all(pal.wrap(PUNCT, text).as_bytes())?;
                i += 1;
            }
            b',' => {
                w.write_all(pal.wrap(PUNCT, ",").as_bytes())?;
                nl(w, stack.len())?;
                expect_key = stack.last().is_some_and(|(obj, _)| *obj);
                i += 1;
            }
            b':' => {
                w.write_all(pal.wrap(PUNCT, ":").as_bytes())?;
                if pretty {
                    w.write_all(b" ")?;
                }
                expect_key = false;
                i += 1;
            }
            b'"' => {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                let token = &raw[i..(j + 1).min(raw.len())];
                let code = if expect_key { KEY } else { STRING };
                let mut safe = Vec::with_capacity(token.len());
                write_escaped(&mut safe, token)?;
                let safe = String::from_utf8_lossy(&safe);
                w.write_all(pal.wrap(code, &safe).as_bytes())?;
                i = j + 1;
            }
            _ => {
                let mut j = i;
                while j < b.len()
                    && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\n' | b'\t' | b'\r')
                {
                    j += 1;
                }
                let token = &raw[i..j];
                let code = match token {
                    "null" => NULL,
                    "true" | "false" => BOOL,
                    _ => NUMBER,
                };
                w.write_all(pal.wrap(code, token).as_bytes())?;
                i = j;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plain_when_color_is_off_and_the_same_as_serde() {
        let v = json!({"a": [1, "x", null, true], "b": {}, "c": [], "d": {"e": -2.5}});
        let off = Palette { on: false };
        assert_eq!(
            for_people(&v, true, off),
            serde_json::to_string_pretty(&v).unwrap()
        );
        assert_eq!(
            for_people(&v, false, off),
            serde_json::to_string(&v).unwrap()
        );
    }

    #[test]
    fn keys_strings_numbers_booleans_and_null_each_their_color() {
        let on = Palette { on: true };
        let s = for_people(&json!({"k": "v", "n": 5, "b": false, "z": null}), false, on);
        assert!(s.contains("\x1b[34;1m\"k\"\x1b[0m"), "{s:?}");
        assert!(s.contains("\x1b[32m\"v\"\x1b[0m"), "{s:?}");
        assert!(s.contains("\x1b[36m5\x1b[0m"), "{s:?}");
        assert!(s.contains("\x1b[33mfalse\x1b[0m"), "{s:?}");
        assert!(s.contains("\x1b[1;30mnull\x1b[0m"), "{s:?}");
        // with the escapes removed, it is the JSON itself
        let plain = regex_lite::Regex::new("\x1b\\[[0-9;]*m")
            .unwrap()
            .replace_all(&s, "");
        assert_eq!(plain, r#"{"k":"v","n":5,"b":false,"z":null}"#);
    }

    #[test]
    fn the_raw_printer_prints_what_the_tree_printer_prints() {
        let docs = [
            json!({"a": [1, "x", null, true], "b": {}, "c": [], "d": {"e": -2.5e3, "f": "q\"uote\\"}}),
            json!([[], {}, [{"k": [1, [2, {"z": false}]]}]]),
            json!("just a string"),
            json!(12),
        ];
        for v in docs {
            for text in [
                serde_json::to_string(&v).unwrap(),
                serde_json::to_string_pretty(&v).unwrap(),
            ] {
                for pretty in [true, false] {
                    for on in [true, false] {
                        let pal = Palette { on };
                        let mut raw = Vec::new();
                        write_raw(&text, pretty, pal, &mut raw).unwrap();
                        assert_eq!(
                            String::from_utf8(raw).unwrap(),
                            for_people(&v, pretty, pal),
                            "{text}"
                        );
                    }
                }
            }
        }
    }

    /// What a terminal obeys, in keys and values, with an emoji and a
    /// harmless U+2000 block character beside them.
    fn hostile() -> Value {
        let h = "a\u{9b}31m\u{202e}b\u{2066}c\u{7}\u{7f}\n\u{1b}[2J\u{85}\u{2069}é😀\u{2010}";
        json!({h: [h, {"k\ney": h}], "n": 1.5, "t": true})
    }

    fn raw_unsafe(text: &str) -> Vec<char> {
        text.chars()
            .filter(|&c| crate::output::is_unsafe(c))
            .collect()
    }

    #[test]
    fn a_plain_string_is_what_the_writer_writes_between_quotes() {
        for c in (0u8..=0x7f)
            .map(char::from)
            .chain(['é', '\u{9b}', '\u{202e}'])
        {
            let s = format!("ab{c}d");
            let written = to_string(&s);
            if plain(&s) {
                assert_eq!(written, format!("\"{s}\""), "{c:?}");
            }
            let printable = (' '..='~').contains(&c) && c != '"' && c != '\\';
            assert_eq!(plain(&s), printable, "{c:?}");
        }
    }

    #[test]
    fn unsafe_characters_are_escaped_wherever_they_fall_in_a_word() {
        for c in [
            '\u{7f}', '\u{80}', '\u{9b}', '\u{9f}', '\u{202e}', '\u{2069}',
        ] {
            for at in 0..20 {
                let s = format!("{}{c}{}é", "a".repeat(at), "b".repeat(19 - at));
                let mut got = Vec::new();
                write_escaped(&mut got, &s).unwrap();
                let want: String = s
                    .chars()
                    .map(|ch| match is_unsafe(ch) {
                        true => format!("\\u{:04x}", ch as u32),
                        false => ch.to_string(),
                    })
                    .collect();
                assert_eq!(String::from_utf8(got).unwrap(), want, "{c:?} at {at}");
            }
        }
    }

    #[test]
    fn json_for_programs_escapes_what_a_terminal_obeys_and_parses_back_equal() {
        let v = hostile();
        let text = to_string(&v);
        assert!(raw_unsafe(&text).is_empty(), "{text:?}");
        assert!(text.contains("\\u009b") && text.contains("\\u202e") && text.contains("\\u007f"));
        assert!(text.contains("é😀\u{2010}"), "{text:?}");
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), v);
        // Plain JSON is what serde_json writes.
        let plain = json!({"a": [1, "x", null], "b": {"c": "d\"e\\"}});
        assert_eq!(to_string(&plain), serde_json::to_string(&plain).unwrap());
    }

    #[test]
    fn a_raw_document_is_made_one_safe_line_equal_to_its_value() {
        let v = hostile();
        for text in [
            serde_json::to_string(&v).unwrap(),
            serde_json::to_string_pretty(&v).unwrap(),
            format!("  \n{}\n\t", serde_json::to_string_pretty(&v).unwrap()),
        ] {
            let mut out = Vec::new();
            write_compact_raw(&text, &mut out).unwrap();
            let out = String::from_utf8(out).unwrap();
            assert_eq!(out, to_string(&v), "{text:?}");
        }
        let mut out = Vec::new();
        write_compact_raw("[ 1 , \"a b\\\" c\" ,{ } ]", &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "[1,\"a b\\\" c\",{}]");
    }

    #[test]
    fn wire_strings_cannot_reach_the_terminal_raw() {
        let s = for_people(
            &json!({"x": "a\u{1b}[31m\u{202e}b\u{9b}"}),
            true,
            Palette { on: false },
        );
        assert!(
            !s.contains('\u{1b}') && !s.contains('\u{202e}') && !s.contains('\u{9b}'),
            "{s:?}"
        );
    }
}
