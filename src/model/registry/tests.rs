//! Unit tests of `registry`.
use super::*;
use serde_json::json;

fn msg(v: Value) -> Message {
    Message::decode(v).unwrap()
}

fn apply(r: &mut Registry, t: u64, v: Value) -> Vec<Change> {
    let m = msg(v);
    let ty = m.action_type();
    r.apply(t, &m, ty.as_deref())
}

#[test]
fn counts_and_times() {
    let mut r = Registry::new();
    let c = apply(
        &mut r,
        10,
        json!({"type":"START","id":"s1","instanceId":"i1","name":"shop@staging"}),
    );
    assert_eq!(c, vec![Change::Added("i1".into())]);
    apply(
        &mut r,
        20,
        json!({"type":"ACTION","id":"s1","instanceId":"i1",
        "action":"{\"type\":\"PERFORM_ACTION\",\"action\":{\"type\":\"add\"}}"}),
    );
    apply(
        &mut r,
        15,
        json!({"type":"STATE","id":"s1","instanceId":"i1"}),
    );
    let i = r.get("i1").unwrap();
    assert_eq!(
        (i.messages, i.actions, i.first_seen, i.last_seen),
        (3, 1, 10, 20)
    );
    assert_eq!(i.last_action.as_deref(), Some("add"));
    assert_eq!(i.app.as_deref(), Some("shop@staging"));
    assert_eq!(i.env.as_deref(), Some("staging"));
    assert_eq!(i.status, Status::Live);
}

#[test]
fn reconnect_then_late_disconnect_stays_live() {
    let mut r = Registry::new();
    apply(
        &mut r,
        1,
        json!({"type":"START","id":"old","instanceId":"i1","name":"a"}),
    );
    // The app reconnects: same instanceId, new socket.
    let c = apply(
        &mut r,
        2,
        json!({"type":"START","id":"new","instanceId":"i1","name":"a"}),
    );
    assert_eq!(c, vec![Change::Status("i1".into())]);
    // The old socket's DISCONNECTED arrives late.
    let c = apply(&mut r, 3, json!({"type":"DISCONNECTED","id":"old"}));
    assert!(c.is_empty());
    let i = r.get("i1").unwrap();
    assert_eq!(i.status, Status::Live);
    assert_eq!(i.connection, "new");
    assert_eq!(i.last_seen, 2);
    // Now the new socket goes.
    apply(&mut r, 4, json!({"type":"DISCONNECTED","id":"new"}));
    assert_eq!(r.get("i1").unwrap().status, Status::Gone);
    assert_eq!(r.get("i1").unwrap().last_seen, 4);
}

#[test]
fn one_socket_many_instances_and_legacy_keys() {
    let mut r = Registry::new();
    apply(&mut r, 1, json!({"type":"START","id":"s","instanceId":"a"}));
    apply(&mut r, 1, json!({"type":"START","id":"s","instanceId":"b"}));
    apply(
        &mut r,
        1,
        json!({"type":"START","id":"legacy","name":"old"}),
    );
    apply(&mut r, 2, json!({"type":"DISCONNECTED","id":"s"}));
    assert_eq!(r.get("a").unwrap().status, Status::Gone);
    assert_eq!(r.get("b").unwrap().status, Status::Gone);
    assert_eq!(r.get("legacy").unwrap().status, Status::Live);
    apply(&mut r, 3, json!({"type":"DISCONNECTED","id":"legacy"}));
    assert_eq!(r.get("legacy").unwrap().status, Status::Gone);
    // unknown socket: nothing happens
    assert!(apply(&mut r, 4, json!({"type":"DISCONNECTED","id":"nobody"})).is_empty());
}

#[test]
fn stop_then_start_again() {
    let mut r = Registry::new();
    apply(&mut r, 1, json!({"type":"START","id":"s","instanceId":"a"}));
    assert_eq!(
        apply(&mut r, 2, json!({"type":"STOP","id":"s","instanceId":"a"})),
        vec![Change::Status("a".into())]
    );
    assert_eq!(r.get("a").unwrap().status, Status::Stopped);
    apply(&mut r, 3, json!({"type":"STATE","id":"s","instanceId":"a"}));
    assert_eq!(r.get("a").unwrap().status, Status::Live);
}

#[test]
fn unheard_after_a_reconnect_is_gone() {
    let mut r = Registry::new();
    apply(
        &mut r,
        1,
        json!({"type":"START","id":"s1","instanceId":"a"}),
    );
    apply(
        &mut r,
        2,
        json!({"type":"START","id":"s2","instanceId":"b"}),
    );
    // rdx reconnects at t=10; only b answers the START
    apply(
        &mut r,
        11,
        json!({"type":"STATE","id":"s3","instanceId":"b"}),
    );
    assert_eq!(r.mark_unheard_gone(10), vec![Change::Status("a".into())]);
    assert_eq!(r.get("a").unwrap().status, Status::Gone);
    assert_eq!(r.get("b").unwrap().status, Status::Live);
    // a comes back later: live again
    apply(
        &mut r,
        20,
        json!({"type":"START","id":"s4","instanceId":"a"}),
    );
    assert_eq!(r.get("a").unwrap().status, Status::Live);
}

#[test]
fn sort_order_and_all() {
    let mut r = Registry::new();
    apply(
        &mut r,
        5,
        json!({"type":"START","id":"s1","instanceId":"b"}),
    );
    apply(
        &mut r,
        5,
        json!({"type":"START","id":"s2","instanceId":"a"}),
    );
    apply(
        &mut r,
        1,
        json!({"type":"START","id":"s3","instanceId":"c"}),
    );
    apply(
        &mut r,
        9,
        json!({"type":"START","id":"s4","instanceId":"d"}),
    );
    apply(&mut r, 9, json!({"type":"DISCONNECTED","id":"s4"}));
    let ids: Vec<_> = r.sorted(false).iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    let ids: Vec<_> = r.sorted(true).iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["d", "a", "b", "c"]);
}

#[test]
fn env_from_names() {
    assert_eq!(env_from_name("shop@staging").as_deref(), Some("staging"));
    assert_eq!(env_from_name("shop (staging)").as_deref(), Some("staging"));
    assert_eq!(env_from_name("shop:prod").as_deref(), Some("prod"));
    assert_eq!(env_from_name("shop"), None);
    assert_eq!(env_from_name("@scope"), None);
    assert_eq!(env_from_name("shop: a long sentence here"), None);
}

#[test]
fn json_has_exactly_the_spec_fields() {
    let mut r = Registry::new();
    apply(
        &mut r,
        1_795_520_108_713,
        json!({"type":"START","id":"s","instanceId":"a"}),
    );
    let v = r.get("a").unwrap().to_json();
    let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "type",
            "id",
            "app",
            "label",
            "env",
            "connection",
            "first_seen",
            "last_seen",
            "messages",
            "actions",
            "last_action",
            "status"
        ]
    );
    assert_eq!(v["first_seen"], "2026-11-24T11:35:08.713Z");
    assert_eq!(v["app"], Value::Null);
}

#[test]
fn the_oldest_gone_instances_are_forgotten_beyond_the_bound() {
    let mut r = Registry::new();
    for n in 0..10u64 {
        apply(
            &mut r,
            n,
            json!({"type":"START","id": format!("s{n}"),"instanceId": format!("i{n}")}),
        );
        apply(
            &mut r,
            n + 100,
            json!({"type":"DISCONNECTED","id": format!("s{n}")}),
        );
    }
    apply(
        &mut r,
        500,
        json!({"type":"START","id":"live","instanceId":"alive"}),
    );
    assert!(r.forget_gone(20).is_empty());
    let forgotten = r.forget_gone(3);
    assert_eq!(forgotten, ["i0", "i1", "i2", "i3", "i4", "i5", "i6"]);
    assert_eq!(r.len(), 4);
    assert!(r.get("alive").is_some() && r.get("i9").is_some() && r.get("i0").is_none());
    // a forgotten socket's late DISCONNECTED is harmless
    assert!(apply(&mut r, 600, json!({"type":"DISCONNECTED","id":"s0"})).is_empty());
}
