//! The app state a relay message carries, and the action history of a
//! lifted state (what STATE sends).

use serde_json::Value;

use crate::relay::{Kind, Message, action_type_of, unwrap_action};

/// What one state-carrying message tells about its instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The app state after this message (None: the message had none we could read).
    pub state: Option<Value>,
    /// Actions in a lifted state's history: (action id, decoded action), in order.
    pub history: Vec<(i64, Value)>,
    /// The type of the action that produced this state, if known.
    pub action_type: Option<String>,
}

/// Does this kind of message carry the app state?
pub fn carries_state(kind: &Kind) -> bool {
    matches!(kind, Kind::State | Kind::Action | Kind::Init | Kind::Lifted)
}

/// Decode the state of a STATE / LIFTED (lifted state), ACTION (the state
/// after the action) or INIT (the plain state) message. Parses the payload.
pub fn snapshot(msg: &Message) -> Option<Snapshot> {
    match msg.kind {
        Kind::Action => Some(Snapshot {
            state: msg.decoded_payload(),
            history: Vec::new(),
            action_type: msg.action_type(),
        }),
        Kind::Init => Some(Snapshot {
            state: msg.decoded_payload(),
            history: Vec::new(),
            action_type: None,
        }),
        Kind::State | Kind::Lifted => Some(from_lifted(msg.decoded_payload()?)),
        _ => None,
    }
}

/// `computedStates[currentStateIndex].state`, and the staged actions in order.
pub fn from_lifted(lifted: Value) -> Snapshot {
    let Value::Object(mut obj) = lifted else {
        return Snapshot {
            state: None,
            history: Vec::new(),
            action_type: None,
        };
    };
    let mut computed = match obj.remove("computedStates") {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    };
    let index = obj
        .get("currentStateIndex")
        .and_then(Value::as_u64)
        .map(|i| i as usize)
        .unwrap_or(computed.len().saturating_sub(1));
    let state = (index < computed.len())
        .then(|| computed.swap_remove(index))
        .and_then(|mut entry| entry.as_object_mut().and_then(|o| o.remove("state")));
    let mut by_id = match obj.remove("actionsById") {
        Some(Value::Object(m)) => m,
        _ => Default::default(),
    };
    let staged: Vec<i64> = match obj.get("stagedActionIds") {
        Some(Value::Array(ids)) => ids.iter().filter_map(Value::as_i64).collect(),
        _ => {
            let mut ids: Vec<i64> = by_id.keys().filter_map(|k| k.parse().ok()).collect();
            ids.sort_unstable();
            ids
        }
    };
    let history: Vec<(i64, Value)> = staged
        .into_iter()
        .filter_map(|id| {
            by_id
                .remove(&id.to_string())
                .map(|a| (id, unwrap_action(a)))
        })
        .collect();
    let action_type = history.last().and_then(|(_, a)| action_type_of(a));
    Snapshot {
        state,
        history,
        action_type,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lifted_state_current_index_and_history() {
        let lifted = json!({
            "actionsById": {
                "0": {"type":"PERFORM_ACTION","action":{"type":"@@INIT"},"timestamp":1},
                "1": {"type":"PERFORM_ACTION","action":{"type":"counter/incremented"},"timestamp":2},
                "2": {"type":"PERFORM_ACTION","action":{"type":"todos/todoAdded","payload":{"id":1}},"timestamp":3}
            },
            "nextActionId": 3, "stagedActionIds": [0,1,2], "currentStateIndex": 1,
            "computedStates": [{"state":{"v":0}},{"state":{"v":1}},{"state":{"v":1,"t":[1]}}]
        });
        let s = from_lifted(lifted);
        assert_eq!(s.state, Some(json!({"v":1})));
        let ids: Vec<i64> = s.history.iter().map(|(i, _)| *i).collect();
        assert_eq!(ids, [0, 1, 2]);
        assert_eq!(
            s.history[2].1,
            json!({"type":"todos/todoAdded","payload":{"id":1}})
        );
        assert_eq!(s.action_type.as_deref(), Some("todos/todoAdded"));
    }

    #[test]
    fn lenient_lifted_shapes() {
        let s = from_lifted(json!({"computedStates":[{"state":1},{"state":2}]}));
        assert_eq!(s.state, Some(json!(2)));
        let s = from_lifted(json!({"computedStates":[], "currentStateIndex": 9}));
        assert_eq!(s.state, None);
        assert_eq!(from_lifted(json!("nope")).state, None);
    }

    #[test]
    fn action_and_init_messages() {
        let m = Message::decode(
            json!({"type":"ACTION","instanceId":"i","payload":"{\"a\":1}",
            "action":"{\"type\":\"PERFORM_ACTION\",\"action\":{\"type\":\"x\"}}"}),
        )
        .unwrap();
        let s = snapshot(&m).unwrap();
        assert_eq!(s.state, Some(json!({"a":1})));
        assert_eq!(s.action_type.as_deref(), Some("x"));
        let m = Message::decode(json!({"type":"INIT","id":"s","payload":"{\"count\":0}"})).unwrap();
        assert_eq!(snapshot(&m).unwrap().state, Some(json!({"count":0})));
        let m = Message::decode(json!({"type":"START","id":"s"})).unwrap();
        assert!(snapshot(&m).is_none());
    }
}

/// The value at `path` in the state a message carries, found by walking the
/// raw JSON text: no tree is built for the rest of the state, so a 50 MB
/// STATE costs its text, not a `Value` tree several times its size. `None`
/// when this quick walk cannot answer (jsan markers, escaped keys, a missing
/// path): the caller then takes the full [`snapshot`], which also explains
/// what is missing.
pub fn value_at_path_raw(msg: &Message, path: &crate::paths::Path) -> Option<Value> {
    use crate::paths::Seg;
    use crate::rawjson;
    use serde_json::value::RawValue;

    let raw = msg.payload.as_ref()?;
    let owned: String;
    let inner: &str = if raw.get().starts_with('"') {
        owned = serde_json::from_str(raw.get()).ok()?;
        &owned
    } else {
        raw.get()
    };
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
    serde_json::from_str(cur.get()).ok()
}

#[cfg(test)]
mod raw_path_tests {
    use super::*;
    use crate::paths::parse;
    use serde_json::json;

    fn state_msg(lifted: Value) -> Message {
        Message::decode(json!({"type":"STATE","instanceId":"i","payload": lifted.to_string()}))
            .unwrap()
    }

    #[test]
    fn walks_the_raw_text_like_the_tree_lookup() {
        let lifted = json!({"computedStates":[{"state":{"a":0}},{"state":{"todos":[{"title":"x"},{"title":"y"}],"5":{"k":true}}}],"currentStateIndex":1});
        let m = state_msg(lifted);
        let full = snapshot(&m).unwrap().state.unwrap();
        for p in [".todos[1].title", ".todos", "/5/k", ".", ".5"] {
            let path = parse(p).unwrap();
            let fast = value_at_path_raw(&m, &path);
            let slow = crate::paths::lookup(&full, &path).ok().cloned();
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
