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
