//! Unit tests of `mcp`.
use super::*;

#[test]
fn a_big_value_is_cut_with_a_note_and_the_largest_paths() {
    let big: Vec<Value> = (0..2000)
        .map(|i| json!({"id": i, "title": format!("todo {i}")}))
        .collect();
    let state = json!({"todos": big, "counter": {"value": 3}});
    let mut out = Map::new();
    cut_into(&mut out, &state, 2000, "");
    assert_eq!(out["truncated"], true);
    assert!(json_len(&out["value"]) <= 2000, "{}", out["value"]);
    assert_eq!(out["largest_paths"][0]["path"], ".todos");
    assert!(out["omitted_bytes"].as_u64().unwrap() > 10_000);
    let mut small = Map::new();
    cut_into(&mut small, &state["counter"], 2000, ".counter");
    assert_eq!(small["value"], json!({"value": 3}));
    assert_eq!(small["truncated"], false);
}

#[test]
fn arguments_are_checked_against_the_schema() {
    assert!(
        parse_call("nope", &json!({}))
            .unwrap_err()
            .contains("list_sessions")
    );
    assert!(
        parse_call("get_state", &json!({"pth": ".a"}))
            .unwrap_err()
            .contains("unknown argument")
    );
    assert!(
        parse_call("get_state", &json!({"path": 3}))
            .unwrap_err()
            .contains("string")
    );
    assert!(parse_call("get_state", &json!({"path": ".a["})).is_err());
    assert!(
        parse_call("wait_for", &json!({"path": ".a"}))
            .unwrap_err()
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
