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
