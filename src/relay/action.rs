//! One app action, kept as the JSON text it came as until somebody needs a
//! tree. Nearly every action `@redux-devtools/remote` sends is a jsan string
//! of `{"type":"PERFORM_ACTION","action":{...},"timestamp":N}` with no
//! references; its inner action is read here by a byte scanner that also
//! checks the text is *canonical*: exactly what rdx's JSON writer prints for
//! the tree it parses to (no whitespace, no escape the writer would not
//! write, integers only, no repeated key, depth bounded). Such a text is
//! printed as it is (`tail --json`) and its type read from it; anything
//! else is parsed into a tree as before, so the output is the same either
//! way, byte for byte.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::relay::jsan::MAX_DEPTH;
use crate::relay::scan::{string_as, word};
use crate::time::Stamp;

/// An object with more keys than this is parsed, not scanned (the check
/// for a repeated key is quadratic, and the keys seen sit on the stack).
const MAX_KEYS: usize = 16;

/// An app's action (the inner one, unwrapped from `PERFORM_ACTION`).
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Canonical JSON text (see the module doc) and its `type`, read from it.
    Text {
        json: Box<str>,
        ty: Option<Box<str>>,
    },
    /// Parsed (jsan resolved, or a shape the scanner does not take).
    Tree(Value),
}

impl Default for Action {
    fn default() -> Action {
        Action::Tree(Value::Null)
    }
}

impl Action {
    /// The action's `type` as text: a string type as is, any other type as
    /// JSON (the same as [`action_type_of`] of its tree).
    pub fn type_name(&self) -> Option<Cow<'_, str>> {
        match self {
            Action::Text { ty, .. } => ty.as_deref().map(Cow::Borrowed),
            Action::Tree(v) => action_type_of(v).map(Cow::Owned),
        }
    }

    /// The action as a tree (parsed from its text when it is one).
    pub fn to_value(&self) -> Cow<'_, Value> {
        match self {
            Action::Text { json, .. } => {
                Cow::Owned(serde_json::from_str(json).unwrap_or(Value::Null))
            }
            Action::Tree(v) => Cow::Borrowed(v),
        }
    }

    /// The action as a tree, taken.
    pub fn into_value(self) -> Value {
        match self {
            Action::Text { json, .. } => serde_json::from_str(&json).unwrap_or(Value::Null),
            Action::Tree(v) => v,
        }
    }

    /// Its type and its JSON text, taken: a canonical text as it is (not
    /// read a second time), a tree serialized.
    pub fn into_type_and_json(self) -> (Option<String>, String) {
        match self {
            Action::Text { json, ty } => (ty.map(String::from), json.into_string()),
            Action::Tree(v) => (
                action_type_of(&v),
                serde_json::to_string(&v).unwrap_or_default(),
            ),
        }
    }

    /// Whether it is JSON null (no action).
    pub fn is_null(&self) -> bool {
        matches!(self, Action::Tree(Value::Null))
    }
}

/// Written as rdx writes JSON: a canonical text as it is, a tree serialized.
impl Serialize for Action {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Action::Text { json, .. } => match serde_json::from_str::<&RawValue>(json) {
                Ok(raw) => raw.serialize(s),
                Err(_) => Value::Null.serialize(s),
            },
            Action::Tree(v) => v.serialize(s),
        }
    }
}

/// An action's type as text: a string type as is, any other type as JSON.
pub(crate) fn action_type_of(action: &Value) -> Option<String> {
    match action {
        Value::Object(o) => match o.get("type")? {
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        },
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// A `PERFORM_ACTION` (or the legacy `{timestamp, action}`) read from its
/// text: the inner action as canonical text, and the timestamp. `None` for
/// anything else, or anything unusual (the caller then parses it as before).
/// The text must hold no jsan reference (the caller checks).
pub(crate) fn perform_action(text: &str) -> Option<(Action, Stamp)> {
    let b = text.as_bytes();
    if b.first() != Some(&b'{') {
        return None;
    }
    let mut i = 1;
    let (mut kind, mut action, mut stamp) = (None, None, None);
    let mut seen = [""; MAX_KEYS];
    let mut keys = 0;
    loop {
        let key_end = key(b, i)?;
        let name = &text[i + 1..key_end - 1];
        if keys == MAX_KEYS || seen[..keys].contains(&name) || b.get(key_end) != Some(&b':') {
            return None;
        }
        seen[keys] = name;
        keys += 1;
        let at = key_end + 1;
        let end = canonical(b, at, 1)?;
        match name {
            "type" => kind = Some(&text[at..end]),
            "action" if b[at] == b'{' => action = Some(at..end),
            "action" => return None,
            "timestamp" => stamp = Some(timestamp(&text[at..end])?),
            _ => {}
        }
        i = end;
        match b.get(i)? {
            b',' => i += 1,
            b'}' if i + 1 == b.len() => break,
            _ => return None,
        }
    }
    if kind.is_some_and(|k| k != "\"PERFORM_ACTION\"") {
        return None;
    }
    let inner = action?;
    let ty = type_of(text, inner.clone())?;
    let json = text[inner].into();
    Some((Action::Text { json, ty }, stamp.unwrap_or(Ok(None))))
}

/// A timestamp's value, as [`crate::time::ms_of`] reads it.
fn timestamp(text: &str) -> Option<Stamp> {
    let v = match text.parse::<u64>() {
        Ok(n) => Value::from(n),
        Err(_) => serde_json::from_str(text).ok()?,
    };
    Some(crate::time::ms_of(&v))
}

/// The `type` of the canonical object at `r`: `Some(None)` when it has none,
/// `None` (parse it instead) when it is not a string.
fn type_of(text: &str, r: std::ops::Range<usize>) -> Option<Option<Box<str>>> {
    let b = text.as_bytes();
    let mut i = r.start + 1;
    if b[i] == b'}' {
        return Some(None);
    }
    loop {
        let key_end = key(b, i)?;
        let at = key_end + 1;
        // Canonical already: each value's end is found again, without checks.
        let end = canonical(b, at, 1)?;
        if &text[i + 1..key_end - 1] == "type" {
            let raw = &text[at..end];
            let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
            return Some(Some(if inner.contains('\\') {
                serde_json::from_str::<String>(raw).ok()?.into()
            } else {
                inner.into()
            }));
        }
        i = end;
        if b[i] == b'}' {
            return Some(None);
        }
        i += 1;
    }
}

/// The end (one past the closing quote) of an object key at `i`: a string
/// without escapes (keys with escapes are parsed instead).
fn key(b: &[u8], i: usize) -> Option<usize> {
    let end = string(b, i)?;
    (!b[i + 1..end - 1].contains(&b'\\')).then_some(end)
}

/// The end (one past) of the canonical JSON value at `i`, at nesting
/// `depth`; `None` when it is not valid or not canonical.
fn canonical(b: &[u8], i: usize, depth: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => string(b, i),
        b'-' | b'0'..=b'9' => number(b, i),
        b't' => word(b, i, b"true"),
        b'f' => word(b, i, b"false"),
        b'n' => word(b, i, b"null"),
        b'{' if depth < MAX_DEPTH => object(b, i, depth + 1),
        b'[' if depth < MAX_DEPTH => array(b, i, depth + 1),
        _ => None,
    }
}

fn object(b: &[u8], i: usize, depth: usize) -> Option<usize> {
    let mut i = i + 1;
    if b.get(i) == Some(&b'}') {
        return Some(i + 1);
    }
    let mut seen: [&[u8]; MAX_KEYS] = [&[]; MAX_KEYS];
    let mut keys = 0;
    loop {
        let end = string(b, i)?;
        let k = &b[i..end];
        if keys == MAX_KEYS || seen[..keys].contains(&k) || b.get(end) != Some(&b':') {
            return None;
        }
        seen[keys] = k;
        keys += 1;
        i = canonical(b, end + 1, depth)?;
        match b.get(i)? {
            b',' => i += 1,
            b'}' => return Some(i + 1),
            _ => return None,
        }
    }
}

fn array(b: &[u8], i: usize, depth: usize) -> Option<usize> {
    let mut i = i + 1;
    if b.get(i) == Some(&b']') {
        return Some(i + 1);
    }
    loop {
        i = canonical(b, i, depth)?;
        match b.get(i)? {
            b',' => i += 1,
            b']' => return Some(i + 1),
            _ => return None,
        }
    }
}

/// A number serde_json reads as an integer and writes back the same: no
/// fraction or exponent, no leading zero, no `-0`, within i64/u64.
fn number(b: &[u8], i: usize) -> Option<usize> {
    let neg = b[i] == b'-';
    let start = i + usize::from(neg);
    let end = start + b[start..].iter().take_while(|c| c.is_ascii_digit()).count();
    let digits = &b[start..end];
    if digits.is_empty()
        || (digits[0] == b'0' && (digits.len() > 1 || neg))
        || matches!(b.get(end), Some(b'.' | b'e' | b'E'))
    {
        return None;
    }
    let text = std::str::from_utf8(&b[i..end]).ok()?;
    let fits = if neg {
        text.parse::<i64>().is_ok()
    } else {
        text.parse::<u64>().is_ok()
    };
    fits.then_some(end)
}

/// The end (one past the closing quote) of a canonical string at `i`
/// (see [`string_as`]).
fn string(b: &[u8], i: usize) -> Option<usize> {
    string_as(b, i, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text rdx's writer prints for what `text` parses to.
    fn written(text: &str) -> String {
        crate::output::json::to_string(&serde_json::from_str::<Value>(text).unwrap())
    }

    fn scanned(inner: &str) -> Option<Action> {
        let text = format!(r#"{{"type":"PERFORM_ACTION","action":{inner},"timestamp":5}}"#);
        perform_action(&text).map(|(a, _)| a)
    }

    #[test]
    fn a_canonical_action_is_kept_as_its_text_and_prints_the_same() {
        for inner in [
            r#"{"type":"todos/todoToggled","payload":3}"#,
            r#"{"type":"a","payload":{"nested":[1,-2,true,false,null,"x\"y\\z\n"]}}"#,
            r#"{"payload":"é€😀 and more than eight bytes","type":"late"}"#,
            r#"{}"#,
            r#"{"type":"t","big":18446744073709551615,"small":-9223372036854775808}"#,
        ] {
            let Some(a @ Action::Text { .. }) = scanned(inner) else {
                panic!("{inner}: not kept as text");
            };
            assert_eq!(
                crate::output::json::to_string(&a),
                written(inner),
                "{inner}"
            );
            let tree: Value = serde_json::from_str(inner).unwrap();
            assert_eq!(a.to_value().into_owned(), tree);
            assert_eq!(a.type_name().map(Cow::into_owned), action_type_of(&tree));
            // Taken whole, text and tree say the same.
            let as_tree = Action::Tree(tree.clone()).into_type_and_json();
            assert_eq!(a.clone().into_type_and_json().0, as_tree.0, "{inner}");
            assert_eq!(
                serde_json::from_str::<Value>(&a.into_type_and_json().1).unwrap(),
                serde_json::from_str::<Value>(&as_tree.1).unwrap(),
                "{inner}"
            );
        }
    }

    #[test]
    fn anything_the_writer_would_print_otherwise_is_parsed_instead() {
        for inner in [
            r#"{ "type":"spaced"}"#,
            r#"{"type":"a","n":1.5}"#,
            r#"{"type":"a","n":1e3}"#,
            r#"{"type":"a","n":-0}"#,
            r#"{"type":"a","n":18446744073709551616}"#,
            r#"{"type":"a","s":"\/"}"#,
            r#"{"type":"a","s":"\u0041"}"#,
            "{\"type\":\"a\",\"s\":\"del \u{7f}\"}",
            "{\"type\":\"a\",\"s\":\"csi \u{9b}\"}",
            "{\"type\":\"a\",\"s\":\"bidi \u{202e}\"}",
            r#"{"type":"a","type":"b"}"#,
            r#"{"type":5}"#,
        ] {
            assert!(
                !matches!(scanned(inner), Some(Action::Text { .. })),
                "{inner}: kept as text"
            );
        }
        let wide: Vec<String> = (0..MAX_KEYS + 1).map(|k| format!("\"k{k}\":{k}")).collect();
        let wide = format!("{{{}}}", wide.join(","));
        assert!(
            !matches!(scanned(&wide), Some(Action::Text { .. })),
            "more keys than the bound"
        );
        let fits: Vec<String> = (0..MAX_KEYS).map(|k| format!("\"k{k}\":{k}")).collect();
        assert!(matches!(
            scanned(&format!("{{{}}}", fits.join(","))),
            Some(Action::Text { .. })
        ));
        let deep = format!(
            r#"{{"type":"d","v":{}{}}}"#,
            "[".repeat(120),
            "]".repeat(120)
        );
        assert!(scanned(&deep).is_none(), "deeper than the bound");
    }

    #[test]
    fn only_a_perform_action_or_the_legacy_shape_is_taken() {
        let legacy = r#"{"timestamp":7,"action":{"type":"x"}}"#;
        let (a, ts) = perform_action(legacy).unwrap();
        assert_eq!(a.type_name().as_deref(), Some("x"));
        assert_eq!(ts, Ok(Some(7)));
        for other in [
            r#"{"type":"OTHER","action":{"type":"x"}}"#,
            r#"{"type":"PERFORM_ACTION","action":"x"}"#,
            r#"{"type":"PERFORM_ACTION"}"#,
            r#"{"type":"PERFORM_ACTION","action":{"type":"x"}} "#,
            r#"{"type":"PERFORM_ACTION","action":{"type":"x"},"action":{"type":"y"}}"#,
            r#"{"type":"PERFORM_ACTION","acti\u006fn":{"type":"x"}}"#,
        ] {
            assert!(perform_action(other).is_none(), "{other}");
        }
    }

    #[test]
    fn strings_with_escaped_types_are_unescaped() {
        let a = scanned(r#"{"type":"q\"uote\\d"}"#).unwrap();
        assert_eq!(a.type_name().as_deref(), Some("q\"uote\\d"));
    }
}
