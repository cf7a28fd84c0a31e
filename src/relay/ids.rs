//! Action ids from the wire, checked where they come in. The DevTools count
//! actions with JS numbers, exact up to 2^53: an id outside `0..=2^53` (or a
//! `nextActionId` outside `1..=2^53 + 1`) is no id an app can send, so it is
//! bad input, said and left out, never wrapped in arithmetic later.

use serde_json::Value;

/// The highest action id rdx takes.
pub(crate) const MAX_ACTION_ID: i64 = 1 << 53;

/// An integer from a JSON number (or a string of one, as some clients send
/// `nextActionId`): `Err` with its text for anything else, or one out of
/// `lo..=hi`.
fn integer_in(v: &Value, lo: i64, hi: i64) -> Result<i64, String> {
    let n = match v {
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Some(i),
            // An integral float in range (2e3); never a fraction, never 1e300.
            (None, Some(f))
                if n.as_u64().is_none() && f.fract() == 0.0 && f.abs() <= 2f64.powi(60) =>
            {
                Some(f as i64)
            }
            _ => None,
        },
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    match n {
        Some(i) if (lo..=hi).contains(&i) => Ok(i),
        _ => Err(match v {
            Value::String(s) => format!("{s:?}"),
            other => other.to_string(),
        }),
    }
}

/// An action id: `0..=2^53`.
pub(crate) fn action_id(v: &Value) -> Result<i64, String> {
    integer_in(v, 0, MAX_ACTION_ID)
}

/// A `nextActionId` (`1..=2^53 + 1`, the id after the newest): `Ok(None)`
/// when there is none (absent or null: an app that sends no ids).
pub(crate) fn next_action_id(v: Option<&Value>) -> Result<Option<i64>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => integer_in(v, 1, MAX_ACTION_ID + 1).map(Some),
    }
}

/// What to say of a bad `nextActionId`.
pub(crate) fn bad_next(text: &str) -> String {
    format!("nextActionId {text} out of range (an integer 1..=2^53+1)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_in_the_range_of_js_numbers_only() {
        let top = 9_007_199_254_740_992i64; // 2^53
        assert_eq!(MAX_ACTION_ID, top);
        for (v, want) in [
            (json!(0), Some(0)),
            (json!(7), Some(7)),
            (json!(top), Some(top)),
            (json!("12"), Some(12)),
            (json!(" 3 "), Some(3)),
            (json!(2e3), Some(2000)),
            (json!(top + 1), None),
            (json!(-1), None),
            (json!(i64::MIN), None),
            (json!(i64::MAX), None),
            (json!(u64::MAX), None),
            (json!(1e300), None),
            (json!(-1e300), None),
            (json!(1.5), None),
            (json!("9223372036854775808"), None),
            (json!("-9223372036854775808"), None),
            (json!("x"), None),
            (json!(true), None),
            (json!([1]), None),
        ] {
            assert_eq!(action_id(&v).ok(), want, "{v}");
        }
    }

    #[test]
    fn next_action_ids_one_past() {
        let top = MAX_ACTION_ID;
        assert_eq!(next_action_id(None), Ok(None));
        assert_eq!(next_action_id(Some(&json!(null))), Ok(None));
        assert_eq!(next_action_id(Some(&json!(1))), Ok(Some(1)));
        assert_eq!(next_action_id(Some(&json!(top + 1))), Ok(Some(top + 1)));
        for bad in [
            json!(0),
            json!(-1),
            json!(top + 2),
            json!(i64::MIN),
            json!(i64::MAX),
            json!(u64::MAX),
            json!(1e300),
            json!("18446744073709551615"),
            json!("nope"),
            json!({"n": 1}),
        ] {
            let e = next_action_id(Some(&bad)).unwrap_err();
            assert!(!e.is_empty(), "{bad}");
        }
        assert_eq!(
            next_action_id(Some(&json!(i64::MIN))).unwrap_err(),
            "-9223372036854775808"
        );
    }
}
