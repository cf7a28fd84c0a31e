//! Values cut to fit an agent's context: what was left out, and the deeper
//! paths worth asking for.

use super::*;

/// Put `value` into `out` as `value`, cut to about `max` bytes of JSON;
/// when cut, say how much was left out and which deeper paths hold most.
pub(super) fn cut_into(out: &mut Map<String, Value>, value: &Value, max: u64, prefix: &str) {
    let size = json_len(value);
    out.insert("bytes".into(), json!(size));
    if size <= max {
        out.insert("value".into(), value.clone());
        out.insert("truncated".into(), json!(false));
        return;
    }
    let mut shown = summarize(value, 0, usize::MAX);
    for cap in [usize::MAX, 200, 50, 20, 5] {
        let mut best = None;
        for depth in 1..=12 {
            let s = summarize(value, depth, cap);
            if json_len(&s) > max {
                break;
            }
            let whole = s == *value;
            best = Some(s);
            if whole {
                break;
            }
        }
        if let Some(b) = best {
            shown = b;
            break;
        }
    }
    let left_out = size.saturating_sub(json_len(&shown));
    let mut biggest: Vec<(String, u64)> = match value {
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| (format!("{prefix}{}", key_path(k)), json_len(v)))
            .collect(),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("{prefix}[{i}]"), json_len(v)))
            .collect(),
        _ => Vec::new(),
    };
    biggest.sort_by_key(|b| std::cmp::Reverse(b.1));
    biggest.truncate(5);
    out.insert("value".into(), shown);
    out.insert("truncated".into(), json!(true));
    out.insert("omitted_bytes".into(), json!(left_out));
    out.insert(
        "note".into(),
        json!(format!(
            "the value is {size} bytes of JSON, more than max_bytes ({max}): about {left_out} bytes were left out; \
             parts shown as \"{{…N keys, B bytes}}\", \"[…N items, B bytes]\" or \"…(N more)\" were cut. \
             Ask again with a deeper path (the largest parts are listed in largest_paths) or a larger max_bytes."
        )),
    );
    out.insert(
        "largest_paths".into(),
        Value::Array(
            biggest
                .into_iter()
                .map(|(p, b)| json!({"path": p, "bytes": b}))
                .collect(),
        ),
    );
}

/// `.key`, or `["odd key"]` when it is not a plain name.
pub(super) fn key_path(k: &str) -> String {
    let plain = !k.is_empty()
        && !k.starts_with(|c: char| c.is_ascii_digit())
        && k.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$');
    if plain {
        format!(".{k}")
    } else {
        format!("[{}]", serde_json::to_string(k).unwrap_or_default())
    }
}

pub(super) fn json_len(v: &Value) -> u64 {
    serde_json::to_vec(v).map_or(0, |b| b.len() as u64)
}

/// `v` with everything below `depth` replaced by a summary, at most `cap`
/// entries per object or array, strings cut to 1000 characters.
pub(super) fn summarize(v: &Value, depth: usize, cap: usize) -> Value {
    match v {
        Value::Object(o) if depth == 0 && !o.is_empty() => {
            json!(format!("{{…{} keys, {} bytes}}", o.len(), json_len(v)))
        }
        Value::Array(a) if depth == 0 && !a.is_empty() => {
            json!(format!("[…{} items, {} bytes]", a.len(), json_len(v)))
        }
        Value::Object(o) => {
            let mut m: Map<String, Value> = o
                .iter()
                .take(cap)
                .map(|(k, v)| (k.clone(), summarize(v, depth - 1, cap)))
                .collect();
            if o.len() > cap {
                m.insert("…".into(), json!(format!("…({} more keys)", o.len() - cap)));
            }
            Value::Object(m)
        }
        Value::Array(a) => {
            let mut items: Vec<Value> = a
                .iter()
                .take(cap)
                .map(|v| summarize(v, depth - 1, cap))
                .collect();
            if a.len() > cap {
                items.push(json!(format!("…({} more items)", a.len() - cap)));
            }
            Value::Array(items)
        }
        Value::String(s) if s.chars().count() > 1000 => {
            let head: String = s.chars().take(1000).collect();
            json!(format!("{head}…({} more chars)", s.chars().count() - 1000))
        }
        other => other.clone(),
    }
}
