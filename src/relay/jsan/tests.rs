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
    // dismantle without deep recursive drops
    fn flatten(v: Value) {
        let mut stack = vec![v];
        while let Some(v) = stack.pop() {
            match v {
                Value::Array(a) => stack.extend(a),
                Value::Object(o) => stack.extend(o.into_iter().map(|(_, v)| v)),
                _ => {}
            }
        }
    }
    flatten(r);
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
    let n = count_nodes(&input, usize::MAX);
    let r = resolve(input);
    // what was copied is bounded by the input's size (or the floor), not 2^30
    let out = count_nodes(&r, usize::MAX);
    assert!(
        out <= n + (COPIES_PER_NODE * n).max(COPIES_FLOOR) + 1,
        "{out} nodes from {n}"
    );
    let text = serde_json::to_string(&r).unwrap();
    assert!(text.contains("[Elided $.l"), "{}", &text[..200]);
    assert!(text.contains(" nodes]"), "says how much was left out");
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
    let n = count_nodes(&doc, usize::MAX);
    let out = count_nodes(&resolve(doc), usize::MAX);
    assert!(out <= n + COPIES_FLOOR + 1, "{out} nodes from {n}");
}
