//! Unit tests of `jsan`.
use super::*;
use serde_json::json;

#[test]
fn simple_and_nested_references() {
    let v = json!({"a": {"x": 1}, "b": {"$jsan": "$.a"}, "c": [{"y": 2}, {"$jsan": "$.c[0]"}]});
    assert!(has_markers(&v));
    let r = resolve(v);
    assert_eq!(
        r,
        json!({"a": {"x": 1}, "b": {"x": 1}, "c": [{"y": 2}, {"y": 2}]})
    );
    assert!(!has_markers(&r));
    // a reference to something that itself holds a reference
    let v = json!({"a": {"x": 1}, "b": {"inner": {"$jsan": "$.a"}}, "c": {"$jsan": "$.b"}});
    assert_eq!(resolve(v)["c"], json!({"inner": {"x": 1}}));
}

#[test]
fn real_capture_shapes() {
    let v = json!({"computedStates":[{"state":{"misc":{"x":1}}},{"state":{"misc":{"$jsan":"$.computedStates[0].state.misc"}}}]});
    assert_eq!(
        resolve(v)["computedStates"][1]["state"]["misc"],
        json!({"x": 1})
    );
    let v = json!({"actionsById": {"5": {"action": {"payload": {"a": 1}}}}, "z": {"$jsan": "$.actionsById.5.action.payload.a"}});
    assert_eq!(resolve(v)["z"], json!(1));
    // .5 on an array is index 5
    let v = json!({"l": [0, 1, 2, 3, 4, {"k": true}], "r": {"$jsan": "$.l.5"}});
    assert_eq!(resolve(v)["r"], json!({"k": true}));
}

#[test]
fn bracket_quoted_keys() {
    assert_eq!(
        parse_ref_path(r#"$["odd key"].x['y z'][3]"#).unwrap(),
        vec![
            RefStep::Key("odd key".into()),
            RefStep::Key("x".into()),
            RefStep::Key("y z".into()),
            RefStep::Index(3)
        ]
    );
    assert_eq!(
        parse_ref_path(r#"$["q\"uote"]"#).unwrap(),
        vec![RefStep::Key("q\"uote".into())]
    );
    let v = json!({"odd key": [5], "r": {"$jsan": "$[\"odd key\"][0]"}});
    assert_eq!(resolve(v)["r"], json!(5));
}

#[test]
fn circular_references() {
    let v = json!({"self": {"$jsan": "$"}});
    assert_eq!(resolve(v)["self"], json!("[Circular $]"));
    let v = json!({"a": {"b": {"up": {"$jsan": "$.a"}}}});
    assert_eq!(resolve(v)["a"]["b"]["up"], json!("[Circular $.a]"));
    // a -> b -> a through references
    let v = json!({"a": {"n": {"$jsan": "$.b"}}, "b": {"n": {"$jsan": "$.a"}}});
    let r = resolve(v);
    assert_eq!(r["a"]["n"]["n"], json!("[Circular $.a]"));
}

#[test]
fn dangling_and_malformed_references() {
    let v =
        json!({"r": {"$jsan": "$.nowhere.x"}, "m": {"$jsan": "$[oops"}, "t": {"$jsan": "$.a."}});
    let r = resolve(v);
    assert_eq!(r["r"], json!("[Unresolved $.nowhere.x]"));
    assert_eq!(r["m"], json!("[Unresolved $[oops]"));
    assert_eq!(r["t"], json!("[Unresolved $.a.]"));
    assert!(parse_ref_path("x.y").is_err());
    assert!(parse_ref_path("$[\"open").is_err());
    assert!(parse_ref_path("$[99999999999999999999999]").is_err());
}

#[test]
fn tags() {
    let v = json!([
        {"$jsan": "d1795520108713"}, {"$jsan": "u"}, {"$jsan": "rgi,a+b"}, {"$jsan": "ffunction foo() {}"},
        {"$jsan": "eboom"}, {"$jsan": "n"}, {"$jsan": "i"}, {"$jsan": "y"}, {"$jsan": "sfoo"},
        {"$jsan": "m[[\"k\",1]]"}, {"$jsan": "l[1,2]"}, {"$jsan": "dnot-a-date"}, {"$jsan": "zunknown"}
    ]);
    let r = resolve(v);
    assert_eq!(r[0], json!("2026-11-24T11:35:08.713Z"));
    assert_eq!(r[1], Value::Null);
    assert_eq!(r[2], json!("/a+b/gi"));
    assert_eq!(r[3], json!("[Function function foo() {}]"));
    assert_eq!(r[4], json!("[Error: boom]"));
    assert_eq!(
        (r[5].clone(), r[6].clone(), r[7].clone()),
        (json!("NaN"), json!("Infinity"), json!("-Infinity"))
    );
    assert_eq!(r[8], json!("Symbol(foo)"));
    assert_eq!(r[9], json!({"[Map]": [["k", 1]]}));
    assert_eq!(r[10], json!({"[Set]": [1, 2]}));
    assert_eq!(r[11], json!("[Date not-a-date]"));
    assert_eq!(r[12], json!({"$jsan": "zunknown"}));
}

#[test]
fn escaped_real_jsan_key() {
    let v = json!({"obj": {"$jsan": ["$.not.a.ref"]}, "with": {"$jsan": ["x"], "other": 1}});
    let r = resolve(v);
    assert_eq!(r["obj"], json!({"$jsan": "$.not.a.ref"}));
    assert_eq!(r["with"], json!({"$jsan": "x", "other": 1}));
}

#[test]
fn depth_is_bounded() {
    // built by hand: deeper than serde_json's parser would allow
    let mut v = json!(1);
    for _ in 0..1000 {
        v = Value::Array(vec![v]);
    }
    let wrapped = json!({"deep": v, "r": {"$jsan": "$.deep"}});
    let r = resolve(wrapped);
    let mut cur = &r["deep"];
    let mut depth = 0;
    while let Value::Array(a) = cur {
        cur = &a[0];
        depth += 1;
    }
    assert_eq!(cur, &json!("[Too deep]"));
    assert!(depth <= MAX_DEPTH);
    forget_deep(r);
}

#[test]
fn fan_out_is_bounded() {
    // level i holds two references to level i-1: 2^30 nodes if expanded fully
    let mut m = Map::new();
    m.insert("l0".into(), json!({"leaf": [1, 2, 3, 4, 5, 6, 7, 8]}));
    for i in 1..30 {
        let r = format!("$.l{}", i - 1);
        m.insert(
            format!("l{i}"),
            json!({"a": {"$jsan": r}, "b": {"$jsan": r}}),
        );
    }
    let input = Value::Object(m);
    let n = serde_json::to_string(&input).unwrap().len();
    let r = resolve(input);
    // what was copied is bounded by the input's size (or the floor), not 2^30
    let text = serde_json::to_string(&r).unwrap();
    assert!(
        text.len() <= 2 * n + (COPY_BYTES_PER_BYTE * n).max(COPY_BYTES_FLOOR),
        "{} bytes from {n}",
        text.len()
    );
    assert!(text.contains("[Elided $.l"), "{}", &text[..200]);
    assert!(text.contains(" bytes]"), "says how much was left out");
}

#[test]
fn a_small_hostile_message_costs_what_its_size_allows() {
    // the shape of issue 13: 4.8 KB of chained references, each level
    // pointing twice at the one before, inside a lifted-state-like document
    let mut state = Map::new();
    state.insert("l0".into(), json!({"items": (0..20).collect::<Vec<_>>()}));
    for i in 1..40 {
        let r = format!("$.computedStates[0].state.l{}", i - 1);
        state.insert(
            format!("l{i}"),
            json!({"x": {"$jsan": r}, "y": {"$jsan": r}}),
        );
    }
    let doc = json!({"computedStates": [{"state": Value::Object(state)}]});
    let n = serde_json::to_string(&doc).unwrap().len();
    let out = serde_json::to_string(&resolve(doc)).unwrap().len();
    assert!(out <= 2 * n + COPY_BYTES_FLOOR, "{out} bytes from {n}");
}

#[test]
fn tags_nested_in_tags_share_one_depth_bound() {
    // 400 levels: far past what any stack holds when each tag starts again
    // at depth 0. On a 512 KiB stack, well under a spawned thread's 2 MiB.
    let text = hostile::nested_tags(400, "1");
    let v: Value = serde_json::from_str(&text).unwrap();
    let out = std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(move || {
            let r = resolve(v);
            let s = serde_json::to_string(&r).unwrap();
            forget_deep(r);
            s
        })
        .unwrap()
        .join()
        .expect("resolving nested tags overflowed the stack");
    assert!(out.contains("[Too deep]"), "cut at the depth bound");
    // decoded down to the bound (not given up at once)
    assert!(out.starts_with("{\"[Map]\""), "{}", &out[..200]);
}

/// Drop a deep value without deep recursion (serde_json's drop recurses).
fn forget_deep(v: Value) {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(a) => stack.extend(a),
            Value::Object(o) => stack.extend(o.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

#[test]
fn references_to_a_big_string_cost_bytes_not_nodes() {
    // issue 18: one string and 2,000 references to it. Counting nodes let
    // every copy through (a 1 MB message took 1.96 GB).
    let big = "x".repeat(100_000);
    let refs: Vec<Value> = (0..2000).map(|_| json!({"$jsan": "$.big"})).collect();
    let doc = json!({"big": big, "refs": refs});
    let n = serde_json::to_string(&doc).unwrap().len();
    let out = serde_json::to_string(&resolve(doc)).unwrap();
    assert!(out.len() <= 8 * n, "{} bytes of output from {n}", out.len());
    // what fits is copied, the rest says what it left out
    assert!(out.matches(&big).count() >= 2, "some copies are made");
    assert!(
        out.contains("[Elided $.big: 100034 bytes]"),
        "the rest are named"
    );
}

#[test]
fn a_long_reference_path_is_parsed_once_however_often_it_is_copied() {
    // issue 18: each copy of a reference parsed its path again (a 512 KB
    // message cost 27.6 s of CPU)
    let key = "k".repeat(50_000);
    let path = format!("$.{key}");
    let refs: Vec<Value> = (0..1000).map(|_| json!({"$jsan": "$.t"})).collect();
    let doc = json!({key: 1, "t": {"r": {"$jsan": path}}, "c": refs});
    let n = serde_json::to_string(&doc).unwrap().len();
    let (r, cost) = resolve_costed(doc);
    assert!(
        cost.parsed <= n,
        "parsed {} bytes of paths from {n}",
        cost.parsed
    );
    let out = serde_json::to_string(&r).unwrap();
    assert!(out.len() <= 8 * n, "{} bytes from {n}", out.len());
    assert_eq!(r["c"][0], json!({"r": 1}), "the first copies resolve");
}

#[test]
fn long_paths_are_shown_cut() {
    let path = format!("$.{}", "q".repeat(10_000));
    let refs: Vec<Value> = (0..100).map(|_| json!({"$jsan": path})).collect();
    let out = serde_json::to_string(&resolve(json!({"a": refs}))).unwrap();
    assert!(out.len() < 100 * 300, "{} bytes", out.len());
    assert!(out.contains("[Unresolved $.qqq"), "{}", &out[..300]);
    assert!(out.contains("(10002 bytes)]"), "{}", &out[..300]);
}

#[test]
fn hostile_documents_cost_what_their_size_allows() {
    // the generator the fuzz target uses, from seeded choices
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    for round in 0..60 {
        let choices = hostile::choices(&mut seed, 64);
        let text = hostile::document(&choices);
        let n = text.len();
        let (out, cost) = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(move || {
                let v: Value = serde_json::from_str(&text).unwrap();
                let (r, cost) = resolve_costed(v);
                let out = serde_json::to_string(&r).unwrap().len();
                forget_deep(r);
                (out, cost)
            })
            .unwrap()
            .join()
            .unwrap_or_else(|_| panic!("round {round}: {choices:?} panicked"));
        let allowed = n + COPY_BYTES_PER_BYTE * n + COPY_BYTES_FLOOR;
        assert!(
            out <= allowed,
            "round {round}: {out} bytes from {n}: {choices:?}"
        );
        assert!(
            cost.parsed <= n,
            "round {round}: parsed {} of {n}",
            cost.parsed
        );
    }
}
