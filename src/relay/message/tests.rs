//! Unit tests of `message`.
use super::*;
use serde_json::json;

#[test]
fn action_from_capture() {
    let m = Message::decode(json!({
        "type":"ACTION","id":"MfZWQuBNr5fyauEoAAA4","name":"alpha","instanceId":"65ioovqadda",
        "payload":"{\"counter\":{\"value\":1}}",
        "action":"{\"type\":\"PERFORM_ACTION\",\"action\":{\"type\":\"counter/incremented\"},\"timestamp\":1}",
        "nextActionId":4
    }))
    .unwrap();
    assert_eq!(m.kind, Kind::Action);
    assert_eq!(m.instance(), "65ioovqadda");
    assert_eq!(m.socket.as_deref(), Some("MfZWQuBNr5fyauEoAAA4"));
    assert_eq!(m.name.as_deref(), Some("alpha"));
    assert_eq!(m.next_action_id, Some(4));
    assert_eq!(m.action_type().as_deref(), Some("counter/incremented"));
    assert_eq!(m.decoded_payload().unwrap(), json!({"counter":{"value":1}}));
}

#[test]
fn disconnected_keys_by_socket() {
    let m = Message::decode(json!({"type":"DISCONNECTED","id":"ioYiBfeqXKHd4yBLAAA6"})).unwrap();
    assert_eq!(m.kind, Kind::Disconnected);
    assert_eq!(m.instance(), "ioYiBfeqXKHd4yBLAAA6");
    assert!(m.instance_id.is_none());
}

#[test]
fn log_noid_envelope_from_legacy_capture() {
    let m = Message::decode(json!({"id":"EXMuOgjfWPwbK-3nAAAN","data":{
        "payload":"{\"count\":0,\"todos\":[]}","action":{},"type":"INIT","id":null,
        "instanceId":"mfpn7txxrca","name":"rd-app"}}))
    .unwrap();
    assert_eq!(m.kind, Kind::Init);
    assert_eq!(m.socket.as_deref(), Some("EXMuOgjfWPwbK-3nAAAN"));
    assert_eq!(m.instance(), "mfpn7txxrca");
    assert_eq!(m.name.as_deref(), Some("rd-app"));
}

#[test]
fn legacy_unwrapped_actions() {
    let m = Message::decode(json!({"type":"ACTION","id":"s1",
        "action":"{\"timestamp\":1,\"action\":{\"type\":\"counter/increment\",\"by\":1}}"}))
    .unwrap();
    assert_eq!(m.instance(), "s1");
    assert_eq!(m.action_type().as_deref(), Some("counter/increment"));
    // a plain action object, a bare string, a batch
    let m = Message::decode(json!({"type":"ACTION","id":"s1","action":{"type":"plain"}})).unwrap();
    assert_eq!(m.action_type().as_deref(), Some("plain"));
    let m =
        Message::decode(json!({"type":"ACTION","id":"s1","action":"\"JUST_A_STRING\""})).unwrap();
    assert_eq!(m.action_type().as_deref(), Some("JUST_A_STRING"));
    let m =
        Message::decode(json!({"type":"ACTION","id":"s1","action":[{"type":"a"},{"type":"b"}]}))
            .unwrap();
    assert_eq!(m.action_type().as_deref(), Some("b"));
}

#[test]
fn lenient_fields() {
    let m = Message::decode(json!({"type":"STATE","instanceId":"i","nextActionId":"12",
        "payload":{"already":"json"},"libConfig":{"name":"shop","env":"staging"}}))
    .unwrap();
    assert_eq!(m.next_action_id, Some(12));
    assert_eq!(m.name.as_deref(), Some("shop"));
    assert_eq!(m.env.as_deref(), Some("staging"));
    assert_eq!(m.decoded_payload().unwrap(), json!({"already":"json"}));
    let m =
        Message::decode(json!({"type":"LIFTED","id":"s","meta":{"environment":"prod"}})).unwrap();
    assert_eq!(m.kind, Kind::Lifted);
    assert_eq!(m.env.as_deref(), Some("prod"));
    let m = Message::decode(json!({"type":"WHATEVER","id":"s"})).unwrap();
    assert_eq!(m.kind, Kind::Other("WHATEVER".into()));
}

#[test]
fn skips_what_cannot_be_keyed() {
    assert_eq!(Message::decode(json!([1])), Err(BadMessage::NotAnObject));
    assert_eq!(Message::decode(json!({"id":"x"})), Err(BadMessage::NoType));
    assert_eq!(
        Message::decode(json!({"type":5,"id":"x"})),
        Err(BadMessage::NoType)
    );
    assert_eq!(
        Message::decode(json!({"type":"START"})),
        Err(BadMessage::NoKey("START".into()))
    );
    assert_eq!(
        Message::decode(json!({"type":"START","id":{"x":1},"instanceId":[]})),
        Err(BadMessage::NoKey("START".into()))
    );
}

#[test]
fn fast_path_agrees_with_the_general_path_on_every_capture() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut checked = 0;
    for sub in [dir.clone(), dir.join("legacy")] {
        for entry in std::fs::read_dir(sub).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "jsonl") {
                continue;
            }
            for line in std::fs::read_to_string(&path).unwrap().lines() {
                let Ok(rec) = serde_json::from_str::<Value>(line) else {
                    continue;
                };
                let Some(data) = rec["data"].as_str() else {
                    continue;
                };
                let Ok(frame) = serde_json::from_str::<Value>(data) else {
                    continue;
                };
                let msg = &frame["data"]["data"];
                if frame["event"] != "#publish" || !msg.is_object() {
                    continue;
                }
                let raw = rawjson::to_raw(msg);
                assert_eq!(
                    Message::decode_raw(&raw, true),
                    Message::decode(msg.clone()),
                    "{}",
                    path.display()
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "{checked}");
}

#[test]
fn bad_payloads_decode_to_none() {
    let m =
        Message::decode(json!({"type":"ERROR","id":"s","payload":"Unexpected identifier 'is'"}))
            .unwrap();
    assert_eq!(m.decoded_payload(), None);
    assert_eq!(m.action_type(), None);
}

#[test]
fn a_plain_perform_action_read_from_its_text_is_the_tree_unwrapped() {
    for text in [
        r#"{"type":"PERFORM_ACTION","action":{"type":"cart/added","payload":{"id":1}},"timestamp":1795520108713}"#,
        r#"{"action":{"type":"legacy"},"timestamp":17.5}"#,
        r#"{"type":"PERFORM_ACTION","action":{"type":"a"},"action":{"type":"b"}}"#,
        r#"{"type":"PERFORM_ACTION","action":{}}"#,
    ] {
        let v: Value = serde_json::from_str(text).unwrap();
        let ts = match v.get("timestamp") {
            Some(t) => crate::time::ms_of(t),
            None => Ok(None),
        };
        assert_eq!(plain_action(text), Some((unwrap_action(v), ts)), "{text}");
    }
    // Other shapes are left to the whole parse.
    for text in [
        r#"[{"type":"PERFORM_ACTION","action":{"type":"a"}}]"#,
        r#"{"type":"INCREMENT"}"#,
        r#"{"type":"PERFORM_ACTION","action":"not an object"}"#,
        r#"{"type":7,"action":{"type":"a"}}"#,
        r#"{"type":"OTHER","action":{"type":"a"}}"#,
    ] {
        assert_eq!(plain_action(text), None, "{text}");
    }
}

/// Hostile jsan (tags nested in tags, references to big strings, long
/// paths: `jsan::hostile`) in an ACTION's action and payload: the message's
/// fast path, its general path and the resolver on its own read the same.
#[test]
fn hostile_jsan_reads_the_same_on_every_path() {
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for round in 0..24 {
        let choices = crate::relay::jsan::hostile::choices(&mut seed, 64);
        let doc = crate::relay::jsan::hostile::document(&choices);
        let want: Value = crate::relay::jsan::resolve(serde_json::from_str(&doc).unwrap());
        // the action's references are written from the document's root, so
        // the document is the whole (unwrapped) action
        let msg = json!({
            "type": "ACTION", "id": "s", "instanceId": "i",
            "action": doc, "payload": doc, "nextActionId": 2,
        });
        let raw = rawjson::to_raw(&msg);
        let fast = Message::decode_raw(&raw, true).unwrap();
        let general = Message::decode(msg).unwrap();
        assert_eq!(fast, general, "round {round}");
        assert_eq!(
            fast.decoded_payload().as_ref(),
            Some(&want),
            "round {round}"
        );
        assert_eq!(
            fast.action().map(|a| a.to_value().into_owned()),
            Some(want.clone()),
            "round {round}"
        );
    }
}

#[test]
fn next_action_ids_out_of_range_make_the_message_bad_in_every_decoder() {
    let top = crate::relay::ids::MAX_ACTION_ID;
    let good = [json!(2), json!(top + 1), json!("7"), json!(null)];
    let bad = [
        json!(i64::MIN),
        json!(i64::MAX),
        json!(u64::MAX),
        json!(-1),
        json!(0),
        json!(1e300),
        json!(top + 2),
        json!("-9223372036854775808"),
        json!("1e300"),
        json!(true),
    ];
    for (next, ok) in good
        .iter()
        .map(|n| (n, true))
        .chain(bad.iter().map(|n| (n, false)))
    {
        let msg =
            json!({"type":"ACTION","id":"s","instanceId":"i","action":"{}","nextActionId": next});
        let frame = json!({"event":"#publish","data":{"channel":"log","data": msg}}).to_string();
        let decoded = [
            Message::decode(msg.clone()),
            Message::decode_raw(&rawjson::to_raw(&msg), true),
            crate::relay::hot::log_publish(&frame, true).expect("a #publish on log"),
        ];
        for d in decoded {
            match (ok, d) {
                (true, Ok(m)) => {
                    assert!(m.next_action_id.is_none_or(|n| (1..=top + 1).contains(&n)))
                }
                (false, Err(BadMessage::OutOfRange(what))) => {
                    assert!(
                        what.contains("nextActionId") && what.contains("out of range"),
                        "{what}"
                    )
                }
                (_, other) => panic!("{next}: {other:?}"),
            }
        }
    }
}

#[test]
fn action_timestamps_out_of_range_are_no_time() {
    for (ts, want, bad) in [
        (json!(1_795_520_108_713u64), Some(1_795_520_108_713), false),
        (json!(u64::MAX), None, true),
        (json!(i64::MIN), None, true),
        (json!(-1), None, true),
        (json!(1e300), None, true),
        (json!(253_402_300_800_000u64), None, true),
        (json!("soon"), None, false),
    ] {
        let action =
            json!({"type":"PERFORM_ACTION","action":{"type":"x"},"timestamp": ts}).to_string();
        // the fast path (a jsan string) and the general one (an object)
        for action in [json!(action), serde_json::from_str(&action).unwrap()] {
            let m = Message::decode(
                json!({"type":"ACTION","id":"s","instanceId":"i","action": action}),
            )
            .unwrap();
            assert_eq!(m.action_type().as_deref(), Some("x"));
            assert_eq!(m.action_timestamp(), want, "{ts}");
            assert_eq!(m.bad_timestamp().is_some(), bad, "{ts}");
        }
    }
}
