//! Paths walked on the raw JSON text of a message's state: a big STATE's
//! value at one path without building the state as a tree.

#[cfg(test)]
use serde_json::Value;
use serde_json::value::RawValue;

use crate::query::paths::{Path, Seg};
use crate::rawjson;
use crate::relay::message::{Kind, Message};

/// The value at `path` in the state a message carries, found by walking the
/// raw JSON text: no tree is built for the rest of the state, so a 50 MB
/// STATE costs its text, not a `Value` tree several times its size. `None`
/// when this quick walk cannot answer (jsan markers, escaped keys, a missing
/// path): the caller then takes the full snapshot (`relay::lifted::snapshot`),
/// which also explains what is missing.
#[cfg(test)]
pub(crate) fn value_at_path_raw(msg: &Message, path: &Path) -> Option<Value> {
    with_raw_value(msg, path, |raw| serde_json::from_str(raw).ok()).flatten()
}

/// Call `f` with the raw JSON text of the value at `path` in the state a
/// message carries (the whole state for the root path), without building a
/// tree. `None` when the walk cannot answer (see [`value_at_path_raw`]).
pub(crate) fn with_raw_value<R>(
    msg: &Message,
    path: &Path,
    f: impl FnOnce(&str) -> R,
) -> Option<R> {
    let text = msg.payload_text()?;
    let inner: &str = &text;
    if inner.contains("\"$jsan\"") {
        return None;
    }
    let state: &RawValue = match msg.kind {
        Kind::Action | Kind::Init => serde_json::from_str(inner).ok()?,
        Kind::State | Kind::Lifted => {
            let top = rawjson::object(inner)?;
            let states: Vec<&RawValue> =
                serde_json::from_str(top.get("computedStates")?.get()).ok()?;
            let index = match top.get("currentStateIndex") {
                Some(r) => serde_json::from_str::<usize>(r.get()).ok()?,
                None => states.len().checked_sub(1)?,
            };
            rawjson::object(states.get(index)?.get())?.get("state")?
        }
        _ => return None,
    };
    let mut cur = state;
    for seg in &path.segs {
        let text = cur.get().trim_start();
        cur = match seg {
            Seg::Index(i) if text.starts_with('[') => {
                *serde_json::from_str::<Vec<&RawValue>>(text).ok()?.get(*i)?
            }
            Seg::Index(i) => *rawjson::object(text)?.get(i.to_string().as_str())?,
            Seg::Key(k) => *rawjson::object(text)?.get(k.as_str())?,
        };
    }
    Some(f(cur.get()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::paths::parse;
    use crate::relay::lifted::history_tests::state_msg;
    use crate::relay::lifted::snapshot;
    use serde_json::json;

    #[test]
    fn walks_the_raw_text_like_the_tree_lookup() {
        let lifted = json!({"computedStates":[{"state":{"a":0}},{"state":{"todos":[{"title":"x"},{"title":"y"}],"5":{"k":true}}}],"currentStateIndex":1});
        let m = state_msg(lifted);
        let full = snapshot(&m).unwrap().state.unwrap();
        for p in [".todos[1].title", ".todos", "/5/k", ".", ".5"] {
            let path = parse(p).unwrap();
            let fast = value_at_path_raw(&m, &path);
            let slow = crate::query::paths::lookup(&full, &path).ok().cloned();
            assert_eq!(fast, slow, "{p}");
        }
        // missing paths and jsan markers fall back (None)
        assert_eq!(value_at_path_raw(&m, &parse(".nope").unwrap()), None);
        let j = state_msg(json!({"computedStates":[{"state":{"a":{"$jsan":"$.x"}}}]}));
        assert_eq!(value_at_path_raw(&j, &parse(".a").unwrap()), None);
        let a = Message::decode(
            json!({"type":"ACTION","instanceId":"i","payload":"{\"c\":{\"v\":3}}"}),
        )
        .unwrap();
        assert_eq!(
            value_at_path_raw(&a, &parse(".c.v").unwrap()),
            Some(json!(3))
        );
    }
}
