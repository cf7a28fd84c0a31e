//! Lazy JSON: read an object's fields as raw JSON slices and parse only the
//! ones a caller needs. A relay frame carries ~1 KB of payload that `sessions`
//! never looks at; building a `Value` tree for it would be most of the work.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::Value;
use serde_json::value::RawValue;

/// Owned raw JSON text.
pub(crate) type Raw = Box<RawValue>;

/// What a value is, in words for a message ("an array").
pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Owned JSON text, checked where it came in: by serde_json, or, for a
/// string literal, by the relay's scanner, which checked its escapes and
/// found its end (the same check serde_json makes of a raw value). Readers
/// need only the text; not checking a flood's payloads twice is a third of
/// what keeping them costs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Json(Box<str>);

impl Json {
    pub(crate) fn get(&self) -> &str {
        &self.0
    }

    /// A value serde_json checked.
    pub(crate) fn checked(raw: Box<RawValue>) -> Json {
        Json(raw.into())
    }

    /// The text of a value already checked (a `&RawValue`'s, or a string
    /// literal the scanner read whole).
    pub(crate) fn of_checked(text: &str) -> Json {
        Json(text.into())
    }
}

/// An object's fields, borrowed from the text.
pub(crate) type Fields<'a> = BTreeMap<&'a str, &'a RawValue>;

/// The fields of a JSON object. `None` if `text` is not an object — or if a
/// key holds an escape, which borrowed keys cannot represent: callers then
/// take the general `Value` path.
pub(crate) fn object(text: &str) -> Option<Fields<'_>> {
    let t = text.trim_start();
    if !t.starts_with('{') {
        return None;
    }
    serde_json::from_str(text).ok()
}

/// A JSON string's text (borrowed when it has no escapes). `None` if not a string.
pub(crate) fn str_of(raw: &RawValue) -> Option<Cow<'_, str>> {
    let t = raw.get();
    if !t.starts_with('"') {
        return None;
    }
    match serde_json::from_str::<&str>(t) {
        Ok(s) => Some(Cow::Borrowed(s)),
        Err(_) => serde_json::from_str::<String>(t).ok().map(Cow::Owned),
    }
}

/// A non-empty string, or a number as text (ids are sometimes numeric).
pub(crate) fn id_of(raw: &RawValue) -> Option<String> {
    let t = raw.get();
    if t.starts_with('"') {
        return str_of(raw).filter(|s| !s.is_empty()).map(Cow::into_owned);
    }
    match serde_json::from_str::<Value>(t).ok()? {
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Owned raw JSON for a value.
pub(crate) fn to_raw(v: &Value) -> Raw {
    serde_json::value::to_raw_value(v).unwrap_or_else(|_| null())
}

pub(crate) fn null() -> Raw {
    RawValue::from_string("null".into()).expect("null is JSON")
}

pub(crate) fn is_null(raw: &RawValue) -> bool {
    raw.get() == "null"
}

/// Decode the escapes of a JSON string's content (what lies between its
/// quotes) in place, and return the decoded length. Decoding never grows
/// text, so a 64 MB string costs no second buffer. `None` where serde_json
/// would refuse the string: a bad escape, a raw control character or quote,
/// a lone surrogate.
pub(crate) fn unescape_in_place(b: &mut [u8]) -> Option<usize> {
    let n = b.len();
    let (mut r, mut w) = (0, 0);
    while r < n {
        // A run without escapes moves as one block.
        let run = b[r..]
            .iter()
            .position(|&c| c == b'\\' || c == b'"' || c < 0x20)
            .unwrap_or(n - r);
        if w != r {
            b.copy_within(r..r + run, w);
        }
        (r, w) = (r + run, w + run);
        if r == n {
            break;
        }
        if b[r] != b'\\' {
            return None;
        }
        let e = *b.get(r + 1)?;
        r += 2;
        let byte = match e {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let mut cp = hex4(b.get(r..r + 4)?)?;
                r += 4;
                if (0xD800..0xDC00).contains(&cp) {
                    if b.get(r..r + 2) != Some(b"\\u") {
                        return None;
                    }
                    let lo = hex4(b.get(r + 2..r + 6)?)?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return None;
                    }
                    r += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                let mut tmp = [0u8; 4];
                let s = char::from_u32(cp)?.encode_utf8(&mut tmp);
                b[w..w + s.len()].copy_from_slice(s.as_bytes());
                w += s.len();
                continue;
            }
            _ => return None,
        };
        b[w] = byte;
        w += 1;
    }
    Some(w)
}

/// The string a buffer holds escaped at `content` (between a literal's
/// quotes), decoded in place and moved to the front: the buffer becomes the
/// `String`, trimmed to size.
pub(crate) fn unescape_span(mut buf: Vec<u8>, content: std::ops::Range<usize>) -> Option<String> {
    let start = content.start;
    let n = unescape_in_place(&mut buf[content])?;
    buf.copy_within(start..start + n, 0);
    buf.truncate(n);
    buf.shrink_to_fit();
    String::from_utf8(buf).ok()
}

fn hex4(h: &[u8]) -> Option<u32> {
    h.iter()
        .try_fold(0u32, |acc, &c| Some(acc * 16 + (c as char).to_digit(16)?))
}

/// A JSON string literal (quotes included) decoded into a `String` no
/// bigger than it needs (one copy, no scratch buffer). `None` if it is not
/// a valid string literal.
pub(crate) fn unescape_literal(lit: &str) -> Option<String> {
    let inner = lit.strip_prefix('"')?.strip_suffix('"')?;
    let mut v = inner.as_bytes().to_vec();
    let n = unescape_in_place(&mut v)?;
    v.truncate(n);
    if v.capacity() - n > 1 << 20 {
        v.shrink_to_fit();
    }
    String::from_utf8(v).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The in-place decoder alone.
    fn in_place(lit: &str) -> Option<String> {
        let inner = lit.strip_prefix('"')?.strip_suffix('"')?;
        let mut v = inner.as_bytes().to_vec();
        let n = unescape_in_place(&mut v)?;
        v.truncate(n);
        String::from_utf8(v).ok()
    }

    #[test]
    fn unescaping_agrees_with_serde_json() {
        for lit in [
            r#""""#,
            r#""plain""#,
            r#""{\"a\":[1,\"x\\\"y\"]}""#,
            r#""tab\there\nnew \/ \b\f\r""#,
            r#""\u00e9\u20ac \ud83d\ude00 ok""#,
            r#""é€😀 raw""#,
            r#""end\\""#,
        ] {
            let want: String = serde_json::from_str(lit).unwrap();
            assert_eq!(unescape_literal(lit).as_deref(), Some(&*want), "{lit}");
            assert_eq!(in_place(lit).as_deref(), Some(&*want), "{lit}");
        }
        for bad in [
            r#""\x""#,
            r#""\u12""#,
            r#""\ud83d alone""#,
            r#""\ude00""#,
            "\"raw\u{1}ctl\"",
            r#""tail\""#,
            r#""in"side""#,
            "no quotes",
        ] {
            assert!(serde_json::from_str::<String>(bad).is_err(), "{bad}");
            assert_eq!(unescape_literal(bad), None, "{bad}");
            assert_eq!(in_place(bad), None, "{bad}");
        }
    }

    #[test]
    fn fields_and_strings() {
        let f = object(r#"{"a":"x\"y","b":{"c":[1,2]},"n":12}"#).unwrap();
        assert_eq!(str_of(f["a"]).unwrap(), "x\"y");
        assert_eq!(f["b"].get(), r#"{"c":[1,2]}"#);
        assert_eq!(id_of(f["n"]).unwrap(), "12");
        assert!(str_of(f["b"]).is_none());
        assert!(object("[1]").is_none());
        assert!(
            object(r#"{"k\u0041":1}"#).is_none(),
            "escaped keys take the general path"
        );
        assert!(object("{").is_none());
        assert!(is_null(&null()));
    }
}
