//! Lazy JSON: read an object's fields as raw JSON slices and parse only the
//! ones a caller needs. A relay frame carries ~1 KB of payload that `sessions`
//! never looks at; building a `Value` tree for it would be most of the work.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::Value;
use serde_json::value::RawValue;

/// Owned raw JSON text.
pub(crate) type Raw = Box<RawValue>;

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

#[cfg(test)]
mod tests {
    use super::*;

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
