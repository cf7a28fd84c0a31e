//! Unit tests of `mcp`.
use super::*;

#[test]
fn a_big_value_is_cut_with_a_note_and_the_largest_paths() {
    let big: Vec<Value> = (0..2000)
        .map(|i| json!({"id": i, "title": format!("todo {i}")}))
        .collect();
    let state = json!({"todos": big, "counter": {"value": 3}});
    let sq = Squeeze {
        str_cap: STR_CAP,
        bulk: 2000,
        lean: false,
    };
    let mut out = Map::new();
    let mut cuts = Cuts::default();
    let cutter = Cutter::new(&state, json_len(&state), 2000);
    cut_into(&mut out, &cutter, "", &sq, &mut cuts);
    assert_eq!(out["truncated"], true);
    assert!(json_len(&out["value"]) <= 2000, "{}", out["value"]);
    assert_eq!(out["largest_paths"][0]["path"], ".todos");
    assert!(out["omitted_bytes"].as_u64().unwrap() > 10_000);
    let mut small = Map::new();
    let counter = &state["counter"];
    let cutter = Cutter::new(counter, json_len(counter), 2000);
    cut_into(&mut small, &cutter, ".counter", &sq, &mut cuts);
    assert_eq!(small["value"], json!({"value": 3}));
    assert_eq!(small["truncated"], false);
}

#[test]
fn arguments_are_checked_against_the_schema() {
    assert!(matches!(
        parse_call("nope", &json!({})),
        Err(Refused::UnknownTool(t)) if t.contains("list_sessions")
    ));
    assert!(matches!(
        parse_call("get_state", &json!({"pth": ".a"})),
        Err(Refused::Arguments(_))
    ));
    assert!(
        parse_call("get_state", &json!({"pth": ".a"}))
            .unwrap_err()
            .text()
            .contains("unknown argument")
    );
    assert!(
        parse_call("get_state", &json!({"path": 3}))
            .unwrap_err()
            .text()
            .contains("string")
    );
    assert!(parse_call("get_state", &json!({"path": ".a["})).is_err());
    assert!(
        parse_call("wait_for", &json!({"path": ".a"}))
            .unwrap_err()
            .text()
            .contains("equals")
    );
    assert!(
        parse_call(
            "wait_for",
            &json!({"path": ".a", "changes": true, "timeout_s": 500})
        )
        .is_err()
    );
    assert!(parse_call("get_actions", &json!({"type": "("})).is_err());
    assert!(parse_call("label_session", &json!({"id": "x"})).is_err());
    assert!(matches!(
        parse_call("wait_for", &json!({"path": ".a", "equals": 5})),
        Ok(Call::WaitFor { .. })
    ));
}

#[test]
fn a_request_line_longer_than_the_bound_is_read_to_its_end_and_dropped() {
    let long = "x".repeat(100);
    let input = format!("{{\"a\":1}}\n{long}\nlast-without-newline");
    let mut r = std::io::BufReader::with_capacity(7, input.as_bytes());
    let mut buf = Vec::new();
    assert_eq!(read_line(&mut r, &mut buf, 50).unwrap(), Some(Ok(())));
    assert_eq!(buf, b"{\"a\":1}");
    assert_eq!(read_line(&mut r, &mut buf, 50).unwrap(), Some(Err(100)));
    assert!(buf.capacity() <= 50, "{}", buf.capacity());
    // The next line is read whole, as if nothing had happened.
    assert_eq!(read_line(&mut r, &mut buf, 50).unwrap(), Some(Ok(())));
    assert_eq!(buf, b"last-without-newline");
    assert_eq!(read_line(&mut r, &mut buf, 50).unwrap(), None);
    // Exactly the bound is still a line.
    let mut r = std::io::BufReader::new(&b"12345\n"[..]);
    assert_eq!(read_line(&mut r, &mut buf, 5).unwrap(), Some(Ok(())));
}

/// An action of instance `k` with a payload of about `bytes` bytes (many
/// small objects, as a real list is), and maybe the state after it.
fn action_item(k: &str, id: i64, bytes: usize, state: Option<Value>) -> crate::feed::ActionItem {
    let items: Vec<Value> = (0..bytes.div_ceil(1000))
        .map(|i| json!({"id": i, "text": "x".repeat(980)}))
        .collect();
    crate::feed::ActionItem {
        instance: k.into(),
        action_id: Some(id),
        ts: id as u64,
        action: crate::feed::item::Action::Tree(
            json!({"type": format!("add/{id}"), "payload": items}),
        ),
        via: crate::feed::item::Via::Action,
        state,
        payload: None,
    }
}

#[test]
fn rings_are_bounded_in_bytes_per_instance_and_in_total() {
    let mut k = Kept::default();
    // 200 actions of 100 KB: 20 MB, the ring keeps the newest 4 MiB.
    for id in 1..=200 {
        k.action(action_item("a", id, 100_000, None));
    }
    let (counted, recounted) = k.bytes();
    assert_eq!(counted, recounted);
    assert!(counted.0 <= RING_BYTES, "{counted:?}");
    let a = k.get("a").unwrap();
    assert!((30..200).contains(&a.recent.len()), "{}", a.recent.len());
    assert_eq!(a.recent.back().unwrap().id, Some(200));
    assert_eq!(
        a.recent.front().unwrap().id,
        Some(201 - a.recent.len() as i64)
    );
    // Twenty instances of 3 MB each: 60 MB, all of them keep 32 MiB.
    for n in 0..20 {
        for id in 1..=30 {
            k.action(action_item(&format!("i{n}"), id, 100_000, None));
        }
    }
    let (counted, recounted) = k.bytes();
    assert_eq!(counted, recounted);
    assert!(counted.0 <= RINGS_BYTES, "{counted:?}");
    assert!(counted.0 > RINGS_BYTES - 2 * RING_BYTES, "{counted:?}");
    // The newest action of every instance is still there.
    for n in 0..20 {
        let s = k.get(&format!("i{n}")).unwrap();
        assert_eq!(s.recent.back().unwrap().id, Some(30), "i{n}");
    }
    // One action bigger than an entry is kept cut, and says so.
    k.action(action_item("big", 1, 3_000_000, None));
    let r = k.get("big").unwrap().recent.back().unwrap();
    assert!(r.action_cut);
    assert!(
        weight(&r.action) <= ENTRY_BYTES + 1000,
        "{}",
        weight(&r.action)
    );
    assert_eq!(r.action["type"], "add/1", "the beginning is kept");
    // The count bound still holds for small actions.
    for id in 1..=500 {
        k.action(action_item("small", id, 40, None));
    }
    assert_eq!(k.get("small").unwrap().recent.len(), RING);
}

#[test]
fn kept_states_are_bounded_in_bytes_per_instance_and_in_total() {
    let state = |mb: usize| -> Value {
        let chunk = "x".repeat(1000);
        json!({"todos": (0..mb * 1000).map(|_| chunk.clone()).collect::<Vec<_>>(), "n": mb})
    };
    let mut k = Kept::default();
    // A 20 MB state is kept cut to 16 MiB, its beginning first.
    k.state("a", 1, state(20));
    let a = k.get("a").unwrap();
    assert!(a.state_cut);
    assert!(a.state_bytes > 20_000_000, "{}", a.state_bytes);
    let kept = weight(a.state.as_ref().unwrap());
    assert!(kept <= STATE_BYTES + 1000, "{kept}");
    assert!(kept > STATE_BYTES / 2, "{kept}");
    // With a cut state, what an action changed is unknown (not made up).
    k.action(action_item("a", 2, 100, Some(state(1))));
    k.action(action_item("a", 3, 100, Some(json!({"n": 2}))));
    let a = k.get("a").unwrap();
    assert!(!a.state_cut);
    assert_eq!(a.recent[0].diff, None);
    assert!(a.recent[1].diff.is_some());
    // Six instances of 15 MB: at most 64 MiB are kept; the least recently
    // updated go first, and are said to have gone.
    let mut dropped = Vec::new();
    for n in 0..6 {
        dropped.extend(k.state(&format!("s{n}"), 10 + n, state(15)));
    }
    let (counted, recounted) = k.bytes();
    assert_eq!(counted, recounted);
    assert!(counted.1 <= STATES_BYTES, "{counted:?}");
    assert!(dropped.contains(&"a".to_string()), "{dropped:?}");
    assert!(dropped.contains(&"s0".to_string()), "{dropped:?}");
    assert!(k.get("s0").unwrap().state_dropped);
    assert!(k.get("s5").unwrap().state.is_some());
}

#[test]
fn keep_cuts_a_value_to_its_budget_keeping_its_beginning() {
    let v = json!({"a": "x".repeat(100), "b": [1, 2, 3, {"c": "y".repeat(500)}], "d": true});
    assert_eq!(keep(v.clone(), 10_000), (v.clone(), false));
    let (cut, was) = keep(v.clone(), 150);
    assert!(was);
    assert_eq!(cut["a"], v["a"]);
    assert!(json_len(&cut) < 300, "{cut}");
    assert!(
        cut.to_string().contains("more bytes") || cut.to_string().contains("more keys"),
        "{cut}"
    );
    assert_eq!(clip_str("héllo", 2), "h…(5 more bytes)");
}

/// `fit` with a builder that puts long wire strings and a big value in.
fn big_answer(max: u64) -> Value {
    let long = "id\u{9b}".repeat(500_000);
    let big: Vec<Value> = (0..5_000)
        .map(|i| json!({"id": i, "title": format!("todo {i}"), &long[..10]: 1}))
        .collect();
    let big = json!({"todos": big, "name": long});
    let cutter = Cutter::new(&big, json_len(&big), max + ENVELOPE);
    fit(max, |sq, cuts| {
        let mut m = Map::new();
        m.insert("instance".into(), cuts.clip(&long, sq));
        m.insert("app".into(), cuts.clip(&long, sq));
        cut_into(&mut m, &cutter, "", sq, cuts);
        m
    })
}

#[test]
fn every_answer_fits_max_bytes_and_the_envelope_and_says_what_was_cut() {
    for max in [MAX_BYTES_MIN, 1000, MAX_BYTES, MAX_BYTES_CAP] {
        let r = big_answer(max);
        let n = json_len(&r);
        assert!(n <= max + ENVELOPE, "max_bytes {max}: {n} bytes");
        assert_eq!(r["isError"], false, "{max}: {r}");
        let s = &r["structuredContent"];
        assert_eq!(s["truncated"], true, "{max}");
        assert_eq!(s["cut"]["strings"], 2, "{max}: {s}");
        assert_eq!(s["cut"]["max_bytes"], max);
        assert!(s["instance"].as_str().unwrap().contains("more bytes)"));
        let text: Value = serde_json::from_str(r["content"][0]["text"].as_str().unwrap()).unwrap();
        assert_eq!(&text, s);
        // The bigger the budget, the more is shown.
        if max >= MAX_BYTES {
            assert!(n > max / 2, "{max}: only {n} bytes used");
        }
    }
    // A small answer is whole, and says nothing was cut.
    let r = fit(MAX_BYTES_MIN, |sq, cuts| {
        let mut m = Map::new();
        m.insert("instance".into(), cuts.clip("abc", sq));
        m
    });
    assert_eq!(
        r["structuredContent"],
        json!({"instance": "abc", "truncated": false})
    );
    // An error's text is cut too.
    let e = fit_err(tool_err("e".repeat(5_000_000)), 1000);
    assert!(json_len(&e) <= 1000 + ENVELOPE);
    assert!(
        e["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("left out")
    );
}

#[test]
fn shares_go_to_the_big_parts() {
    assert_eq!(tools::share(&[10, 20], 100), 100);
    assert_eq!(tools::share(&[10, 1000, 1000], 510), 250);
    assert_eq!(tools::share(&[], 0), 0);
}
