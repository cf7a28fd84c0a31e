//! The app state a relay message carries, and the action history of a
//! lifted state (what STATE sends).

use serde_json::Value;

use crate::relay::message::{Kind, Message, action_type_of, unwrap_action};

/// What one state-carrying message tells about its instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The app state after this message (None: the message had none we could read).
    pub(crate) state: Option<Value>,
    /// Actions in a lifted state's history: (action id, decoded action), in order.
    pub(crate) history: Vec<(i64, Value)>,
    /// The type of the action that produced this state, if known.
    pub(crate) action_type: Option<String>,
}

/// Does this kind of message carry the app state?
pub(crate) fn carries_state(kind: &Kind) -> bool {
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

/// The state a STATE / LIFTED message's history starts from: the state
/// after `@@INIT` (`computedStates` at the place of id 0 in
/// `stagedActionIds`), else `committedState`. For INIT, its state.
pub(crate) fn initial_state(msg: &Message) -> Option<Value> {
    match msg.kind {
        Kind::Init => msg.decoded_payload(),
        Kind::State | Kind::Lifted => initial_of(msg.decoded_payload()?),
        _ => None,
    }
}

/// [`initial_state`] of a decoded lifted state.
pub(crate) fn initial_of(lifted: Value) -> Option<Value> {
    let Value::Object(mut obj) = lifted else {
        return None;
    };
    let pos = match obj.get("stagedActionIds") {
        Some(Value::Array(ids)) => ids.iter().position(|id| id.as_i64() == Some(0)),
        _ => None,
    };
    let from_computed = pos.and_then(|p| match obj.get_mut("computedStates") {
        Some(Value::Array(c)) => c
            .get_mut(p)
            .and_then(Value::as_object_mut)
            .and_then(|e| e.remove("state")),
        _ => None,
    });
    from_computed.or_else(|| obj.remove("committedState"))
}

/// `computedStates[currentStateIndex].state`, and the staged actions in order.
pub(crate) fn from_lifted(lifted: Value) -> Snapshot {
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
        .map(|i| usize::try_from(i).unwrap_or(usize::MAX))
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

/// One action of a lifted state's history.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HistoryEntry {
    pub(crate) id: i64,
    /// When the app dispatched it (epoch ms), if the history says.
    pub(crate) ts: Option<u64>,
    /// The action, unwrapped from `PERFORM_ACTION`.
    pub(crate) action: Value,
    /// The app state after it (only when asked for).
    pub(crate) state: Option<Value>,
}

/// What a STATE says about the app's actions.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct History {
    /// The newest action id (`nextActionId - 1`), if given.
    pub(crate) top: Option<i64>,
    /// The staged actions in order, without `@@INIT` (id 0).
    pub(crate) entries: Vec<HistoryEntry>,
    /// The current app state (only when asked for).
    pub(crate) current: Option<Value>,
    /// Numbers out of range, left out (an id past 2^53, a time past year
    /// 9999): how many, and what the first was.
    pub(crate) bad: usize,
    pub(crate) bad_first: Option<String>,
}

impl History {
    fn bad(&mut self, what: String) {
        self.bad += 1;
        self.bad_first.get_or_insert(what);
    }
}

/// The action history of a STATE / LIFTED message. With `states`, each
/// entry gets the state after it (from `computedStates`) and the current
/// state is read too; without, only the small fields are parsed from the
/// raw text (the computed states, most of a STATE's bytes, are skipped).
pub(crate) fn history(msg: &Message, states: bool) -> Option<History> {
    if !msg.kind.has_history() {
        return None;
    }
    let text = msg.payload_text()?;
    let inner: &str = &text;
    if states || inner.contains("\"$jsan\"") {
        let Value::Object(mut lifted) =
            crate::relay::message::decode_jsan_field(msg.payload.as_ref()?.get())?
        else {
            return None;
        };
        let computed = match lifted.remove("computedStates") {
            Some(Value::Array(a)) if states => Some(a),
            _ => None,
        };
        let current_index = lifted.get("currentStateIndex").and_then(Value::as_u64);
        let by_id = match lifted.remove("actionsById") {
            Some(Value::Object(m)) => m,
            _ => Default::default(),
        };
        return Some(build_history(
            by_id,
            lifted.get("stagedActionIds"),
            lifted.get("nextActionId"),
            computed,
            current_index,
        ));
    }
    let top = crate::rawjson::object(inner)?;
    let small = |k: &str| {
        top.get(k)
            .and_then(|r| serde_json::from_str::<Value>(r.get()).ok())
    };
    let by_id = match small("actionsById") {
        Some(Value::Object(m)) => m,
        _ => Default::default(),
    };
    Some(build_history(
        by_id,
        small("stagedActionIds").as_ref(),
        small("nextActionId").as_ref(),
        None,
        None,
    ))
}

fn build_history(
    mut by_id: serde_json::Map<String, Value>,
    staged: Option<&Value>,
    next: Option<&Value>,
    computed: Option<Vec<Value>>,
    current_index: Option<u64>,
) -> History {
    use crate::relay::ids;
    let mut h = History::default();
    // Ids out of range are left out (with their entries), said once here.
    let staged: Vec<Option<i64>> = match staged {
        Some(Value::Array(list)) => list
            .iter()
            .filter(|v| v.is_number())
            .map(|v| match ids::action_id(v) {
                Ok(id) => Some(id),
                Err(text) => {
                    h.bad(format!("stagedActionIds: {text} out of range (0..=2^53)"));
                    None
                }
            })
            .collect(),
        _ => {
            let mut list = Vec::new();
            for k in by_id.keys() {
                match k
                    .parse::<i64>()
                    .map(|_| ids::action_id(&Value::String(k.clone())))
                {
                    Ok(Ok(id)) => list.push(id),
                    Ok(Err(text)) => h.bad(format!("actionsById: {text} out of range (0..=2^53)")),
                    Err(_) => {}
                }
            }
            list.sort_unstable();
            list.into_iter().map(Some).collect()
        }
    };
    h.top = match ids::next_action_id(next) {
        Ok(n) => n.map(|n| n.saturating_sub(1)),
        Err(text) => {
            h.bad(ids::bad_next(&text));
            None
        }
    };
    let mut computed = computed.map(|c| {
        c.into_iter()
            .map(|mut e| e.as_object_mut().and_then(|o| o.remove("state")))
            .collect::<Vec<_>>()
    });
    h.current = computed.as_ref().and_then(|c| {
        let i = match current_index {
            Some(i) => usize::try_from(i).ok()?,
            None => c.len().checked_sub(1)?,
        };
        c.get(i).cloned().flatten()
    });
    for (pos, id) in staged.into_iter().enumerate() {
        let Some(id) = id else { continue };
        let Some(wrapped) = by_id.remove(&id.to_string()) else {
            continue;
        };
        let ts = match wrapped.get("timestamp").map(crate::time::ms_of) {
            Some(Ok(ts)) => ts,
            Some(Err(text)) => {
                h.bad(format!(
                    "timestamp {text} of action {id} out of range (a time in years 1970-9999)"
                ));
                None
            }
            None => None,
        };
        let action = unwrap_action(wrapped);
        if id <= 0 || action_type_of(&action).as_deref() == Some("@@INIT") {
            continue;
        }
        let state = computed
            .as_mut()
            .and_then(|c| c.get_mut(pos).and_then(Option::take));
        h.entries.push(HistoryEntry {
            id,
            ts,
            action,
            state,
        });
    }
    h
}

#[cfg(test)]
pub(crate) mod history_tests {
    use super::*;
    use serde_json::json;

    /// A STATE message carrying `lifted` as its jsan payload text.
    pub(crate) fn state_msg(lifted: Value) -> Message {
        Message::decode(json!({"type":"STATE","instanceId":"i","payload": lifted.to_string()}))
            .unwrap()
    }

    #[test]
    fn history_without_init_with_times_and_states() {
        let m = state_msg(json!({
            "actionsById": {
                "0": {"type":"PERFORM_ACTION","action":{"type":"@@INIT"},"timestamp":1},
                "4": {"type":"PERFORM_ACTION","action":{"type":"a"},"timestamp":2},
                "5": {"type":"PERFORM_ACTION","action":{"type":"b","payload":1},"timestamp":3.5}
            },
            "nextActionId": 6, "stagedActionIds": [0,4,5], "currentStateIndex": 2,
            "computedStates": [{"state":{"v":0}},{"state":{"v":1}},{"state":{"v":2}}]
        }));
        for states in [false, true] {
            let h = history(&m, states).unwrap();
            assert_eq!(h.top, Some(5));
            let ids: Vec<_> = h.entries.iter().map(|e| (e.id, e.ts)).collect();
            assert_eq!(ids, [(4, Some(2)), (5, Some(3))]);
            assert_eq!(h.entries[1].action, json!({"type":"b","payload":1}));
            if states {
                assert_eq!(h.entries[0].state, Some(json!({"v":1})));
                assert_eq!(h.current, Some(json!({"v":2})));
            } else {
                assert_eq!(h.entries[0].state, None);
            }
        }
        // jsan references inside the history are resolved
        let j = state_msg(json!({
            "actionsById": {"1": {"type":"PERFORM_ACTION","action":{"type":"x","p":{"$jsan":"$.stagedActionIds"}},"timestamp":1}},
            "nextActionId": 2, "stagedActionIds": [0,1]
        }));
        let h = history(&j, false).unwrap();
        assert_eq!(h.entries[0].action["p"], json!([0, 1]));
        // not a lifted state: nothing, never a panic
        assert!(history(&state_msg(json!("x")), false).is_none());
        assert!(
            history(&state_msg(json!({"actionsById": 5})), false)
                .unwrap()
                .entries
                .is_empty()
        );
    }

    #[test]
    fn numbers_out_of_range_in_a_history_are_left_out_and_counted() {
        let top = crate::relay::ids::MAX_ACTION_ID;
        let act =
            |ts: Value| json!({"type":"PERFORM_ACTION","action":{"type":"a"},"timestamp": ts});
        let m = state_msg(json!({
            "actionsById": {
                "1": act(json!(5)),
                "2": act(json!(u64::MAX)),
                "3": act(json!(-1)),
                "4": act(json!(1e300)),
                (top.to_string()): act(json!(6)),
            },
            "nextActionId": i64::MIN,
            "stagedActionIds": [0, 1, 2, 3, 4, top, top + 1, i64::MAX, -1, u64::MAX, 1e300, i64::MIN],
        }));
        for states in [false, true] {
            let h = history(&m, states).unwrap();
            let got: Vec<_> = h.entries.iter().map(|e| (e.id, e.ts)).collect();
            assert_eq!(
                got,
                [
                    (1, Some(5)),
                    (2, None),
                    (3, None),
                    (4, None),
                    (top, Some(6))
                ]
            );
            assert_eq!(h.top, None, "nextActionId i64::MIN is no top");
            // 6 ids, 3 times, 1 nextActionId
            assert_eq!(h.bad, 10, "{:?}", h.bad_first);
            assert!(h.bad_first.as_deref().unwrap().contains("out of range"));
        }
        // nextActionId at the edges; ids from actionsById's keys
        for (next, want) in [
            (json!(top + 1), Some(top)),
            (json!(top + 2), None),
            (json!(u64::MAX), None),
            (json!(-1), None),
            (json!("12"), Some(11)),
        ] {
            let h = history(
                &state_msg(json!({"actionsById": {}, "nextActionId": next})),
                false,
            )
            .unwrap();
            assert_eq!(h.top, want, "{next}");
        }
        let keys = state_msg(json!({"actionsById": {
            "1": act(json!(1)), "9007199254740993": act(json!(1)), "-4": act(json!(1)), "x": act(json!(1))
        }}));
        let h = history(&keys, false).unwrap();
        assert_eq!(h.entries.iter().map(|e| e.id).collect::<Vec<_>>(), [1]);
        assert_eq!(h.bad, 2);
        // currentStateIndex past anything
        let h = history(
            &state_msg(json!({"computedStates":[{"state":1}], "currentStateIndex": u64::MAX})),
            true,
        )
        .unwrap();
        assert_eq!(h.current, None);
    }

    #[test]
    fn the_initial_state_is_the_one_at_init_else_the_committed_one() {
        let m = state_msg(json!({
            "actionsById": {"0": {"action": {"type": "@@INIT"}}, "1": {"action": {"type": "a"}}},
            "stagedActionIds": [0, 1],
            "computedStates": [{"state": {"n": 0}}, {"state": {"n": 1}}],
            "committedState": {"n": -1},
        }));
        assert_eq!(initial_state(&m), Some(json!({"n": 0})));
        // committed away (maxAge): the committed state, when id 0 is not staged
        let m = state_msg(json!({
            "stagedActionIds": [5, 6],
            "computedStates": [{"state": {"n": 5}}, {"state": {"n": 6}}],
            "committedState": {"n": 4},
        }));
        assert_eq!(initial_state(&m), Some(json!({"n": 4})));
        assert_eq!(initial_of(json!({"stagedActionIds": [0]})), None);
        assert_eq!(initial_of(json!([1])), None);
        let init =
            Message::decode(json!({"type":"INIT","instanceId":"i","payload":"{\"n\":3}"})).unwrap();
        assert_eq!(initial_state(&init), Some(json!({"n": 3})));
    }
}
