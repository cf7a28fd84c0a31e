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
    let forgotten: Vec<String> = r.forget_gone(3).into_iter().map(|(id, _)| id).collect();
    assert_eq!(forgotten, ["i0", "i1", "i2", "i3", "i4", "i5", "i6"]);
    assert_eq!(r.len(), 4);
    assert!(r.get("alive").is_some() && r.get("i9").is_some() && r.get("i0").is_none());
    // a forgotten socket's late DISCONNECTED is harmless
    assert!(apply(&mut r, 600, json!({"type":"DISCONNECTED","id":"s0"})).is_empty());
}

/// The registry's own sums, checked against its instances.
fn check_sums(r: &Registry) {
    let bytes: usize = r.iter().map(footprint).sum();
    let active = r.iter().filter(|i| i.status != Status::Gone).count();
    assert_eq!((r.bytes(), r.active), (bytes, active));
}

#[test]
fn live_instances_beyond_the_bound_let_the_least_recently_seen_go() {
    let mut r = Registry::with_bounds(Bounds {
        active: 16,
        bytes: usize::MAX,
    });
    for n in 0..40u64 {
        apply(
            &mut r,
            1000 + n,
            json!({"type":"START","id": format!("s{n}"),"instanceId": format!("i{n}"),"name":"shop"}),
        );
        // i0 keeps talking: it is the most recently seen of all
        apply(
            &mut r,
            1000 + n,
            json!({"type":"STATE","id":"s0","instanceId":"i0"}),
        );
        if r.over_bounds() {
            let gone = r.let_go(&["i1"]);
            assert!(
                gone.iter()
                    .all(|(id, app)| id != "i0" && id != "i1" && app.as_deref() == Some("shop"))
            );
        }
        check_sums(&r);
        assert!(r.active <= 16, "{n}: {}", r.active);
    }
    assert!(r.get("i0").is_some() && r.get("i1").is_some() && r.get("i39").is_some());
    assert!(r.get("i2").is_none());
    assert_eq!(r.let_go_count() + r.len(), 40);
    assert_eq!(r.forgotten(), 0, "none of them was gone");
    // a let-go socket's late DISCONNECTED is harmless; a let-go instance
    // that talks again is new
    assert!(apply(&mut r, 2000, json!({"type":"DISCONNECTED","id":"s2"})).is_empty());
    let c = apply(
        &mut r,
        2001,
        json!({"type":"STATE","id":"s3","instanceId":"i3"}),
    );
    assert_eq!(c, [Change::Added("i3".into())]);
    check_sums(&r);
}

#[test]
fn instances_beyond_the_byte_bound_let_the_least_recently_seen_go() {
    let mut r = Registry::with_bounds(Bounds {
        active: usize::MAX,
        bytes: 64 << 10,
    });
    let long = "x".repeat(4096);
    for n in 0..100u64 {
        apply(
            &mut r,
            n,
            json!({"type":"START","id": format!("s{n}"),"instanceId": format!("i{n}"),"name": format!("{long}{n}")}),
        );
        if n % 3 == 0 {
            apply(
                &mut r,
                n,
                json!({"type":"DISCONNECTED","id": format!("s{n}")}),
            );
        }
        r.let_go(&[]);
        check_sums(&r);
        assert!(r.bytes() <= 64 << 10, "{n}: {}", r.bytes());
    }
    assert!(r.get("i99").is_some() && r.get("i0").is_none());
    // gone ones count as forgotten, the others as let go
    assert_eq!(r.let_go_count() + r.forgotten() + r.len(), 100);
    assert!(r.forgotten() > 0 && r.let_go_count() > 0);
}

#[test]
fn what_must_stay_over_the_bound_is_not_looked_at_again_and_again() {
    let mut r = Registry::with_bounds(Bounds {
        active: usize::MAX,
        bytes: 16 << 10,
    });
    let huge = "h".repeat(32 << 10);
    apply(
        &mut r,
        1,
        json!({"type":"START","id":"s","instanceId":"big","name": huge}),
    );
    assert!(r.over_bounds());
    assert!(r.let_go(&["big"]).is_empty());
    // over the bound by itself: the next look waits for an eighth more
    assert!(!r.over_bounds());
    apply(
        &mut r,
        2,
        json!({"type":"START","id":"t","instanceId":"small"}),
    );
    assert!(!r.over_bounds());
    check_sums(&r);
}

#[test]
fn extreme_action_ids_never_wrap_the_counts() {
    let mut r = Registry::new();
    for next in [i64::MIN, 0, -1, i64::MAX, 1] {
        // the decoders refuse these; the registry does not wrap on them either
        let mut m = msg(json!({"type":"ACTION","id":"s","instanceId":"i"}));
        m.next_action_id = Some(next);
        r.apply(u64::MAX, &m, None);
    }
    let i = r.get("i").unwrap();
    assert_eq!(i.actions, i64::MAX as u64 - 1);
    assert_eq!(i.to_json()["last_seen"], "9999-12-31T23:59:59.999Z");
    r.note_history("i", Some(i64::MIN), None);
    r.note_history("i", Some(i64::MAX), Some("x".into()));
    check_sums(&r);
}

#[test]
fn a_label_the_app_sends_shows_until_people_give_one() {
    let mut r = Registry::new();
    apply(
        &mut r,
        10,
        json!({"type":"START","id":"s1","instanceId":"i1","name":"shop",
        "libConfig":{"name":"shop","label":"checkout tab"}}),
    );
    assert_eq!(r.get("i1").unwrap().label.as_deref(), Some("checkout tab"));
    apply(
        &mut r,
        11,
        json!({"type":"START","id":"s2","instanceId":"i2","meta":{"label":"from meta"}}),
    );
    assert_eq!(r.get("i2").unwrap().label.as_deref(), Some("from meta"));
    r.set_label("i1", Some("mine".into()));
    apply(
        &mut r,
        12,
        json!({"type":"ACTION","id":"s1","instanceId":"i1","libConfig":{"label":"checkout tab"},
        "action":"{\"type\":\"PERFORM_ACTION\",\"action\":{\"type\":\"add\"}}"}),
    );
    assert_eq!(
        r.get("i1").unwrap().label.as_deref(),
        Some("mine"),
        "people's label wins"
    );
}
