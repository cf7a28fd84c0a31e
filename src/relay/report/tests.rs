use super::*;

/// A row as cli 5 answers `getReport` (captured, payload shortened).
fn state_row() -> Value {
    json!({
        "id": "85c3ffbd-bacc-4594-ad10-c510bdc3f5bd", "type": "STATE", "title": null,
        "description": "desc", "action": "INCREMENT",
        "payload": "{\"monitorState\":{},\"actionsById\":{\"0\":{\"type\":\"PERFORM_ACTION\",\"action\":{\"type\":\"@@INIT\"},\"timestamp\":1},\"1\":{\"type\":\"PERFORM_ACTION\",\"action\":{\"type\":\"INC\"},\"timestamp\":2}},\"nextActionId\":2,\"stagedActionIds\":[0,1],\"skippedActionIds\":[],\"currentStateIndex\":1,\"computedStates\":[{\"state\":{\"n\":0}},{\"state\":{\"n\":1}}]}",
        "preloadedState": null, "screenshot": "data:x", "userAgent": "curl-test",
        "version": "1.2.3", "user": "{\"id\":\"u42\"}", "userId": "u42", "instanceId": null,
        "meta": "m", "exception": "Exception thrown: boom\nError: boom\n at x",
        "added": "2026-12-03T06:20:58.543Z", "appId": "78626c31-e16b-4528-b8e5-f81301b627f4"
    })
}

#[test]
fn a_state_report_is_its_lifted_history() {
    let r = Report::from_row(&state_row()).unwrap();
    assert_eq!(r.report_type.as_deref(), Some("STATE"));
    assert_eq!(r.instance_id(), "85c3ffbd-bacc-4594-ad10-c510bdc3f5bd");
    assert_eq!(r.headline().as_deref(), Some("boom"));
    assert_eq!(r.screenshot_bytes, 6);
    let h = r.history().unwrap();
    assert_eq!((h.shape, h.actions), (Shape::Lifted, 1));
    assert_eq!(h.final_state(), Some(&json!({"n": 1})));
    let staged = h.staged();
    assert_eq!(staged, vec![(1, &json!({"type": "INC"}))]);
    // The frames: an INIT with the first state, an ACTION per action with
    // the state after it.
    let frames: Vec<Value> = h
        .frames("i1", "report")
        .map(|f| serde_json::from_str(&f).unwrap())
        .collect();
    assert_eq!(frames.len(), 2);
    let data: Vec<&Value> = frames.iter().map(|f| &f["data"]["data"]).collect();
    assert_eq!(frames[0]["data"]["channel"], "log");
    assert_eq!(
        (data[0]["type"].as_str(), data[0]["instanceId"].as_str()),
        (Some("INIT"), Some("i1"))
    );
    assert_eq!(data[0]["payload"], json!("{\"n\":0}"));
    assert_eq!(data[1]["type"], "ACTION");
    assert_eq!(data[1]["nextActionId"], 2);
    assert_eq!(data[1]["payload"], json!("{\"n\":1}"));
    let action: Value = serde_json::from_str(data[1]["action"].as_str().unwrap()).unwrap();
    assert_eq!(
        action,
        json!({"type":"PERFORM_ACTION","action":{"type":"INC"},"timestamp":2})
    );
}

#[test]
fn an_actions_report_has_the_state_before_and_none_after() {
    let row = json!({"id": "r2", "type": "ACTIONS", "action": "SEND",
        "payload": "[{\"type\":\"INC\"},{\"type\":\"INC\",\"at\":1},{\"type\":\"SEND\"}]",
        "preloadedState": "{\"n\":10}", "instanceId": "rr-inst", "title": "Report from redux-remotedev"});
    let r = Report::from_row(&row).unwrap();
    assert_eq!(r.instance_id(), "rr-inst");
    let h = r.history().unwrap();
    assert_eq!((h.shape, h.actions), (Shape::Actions, 3));
    assert_eq!(
        h.final_state(),
        None,
        "no reducer ran: no state after the actions"
    );
    assert_eq!(h.lifted["computedStates"], json!([{"state": {"n": 10}}]));
    assert_eq!(h.lifted["committedState"], json!({"n": 10}));
    let types: Vec<_> = h
        .staged()
        .iter()
        .map(|(i, a)| (*i, a["type"].clone()))
        .collect();
    assert_eq!(
        types,
        vec![(1, json!("INC")), (2, json!("INC")), (3, json!("SEND"))]
    );
    // The state before them, then actions with no state after them.
    let frames: Vec<Value> = h
        .frames("rr", "report")
        .map(|f| serde_json::from_str(&f).unwrap())
        .collect();
    assert_eq!(frames.len(), 3);
    assert!(frames.iter().all(|f| f["data"]["data"]["type"] == "ACTION"));
    assert!(
        frames
            .iter()
            .all(|f| f["data"]["data"].get("payload").is_none())
    );
}

#[test]
fn jsan_references_are_resolved() {
    let h = actions_history(
        r#"[{"type":"A","p":{"x":1}},{"type":"B","p":{"$jsan":"$[0].p"}}]"#,
        None,
    )
    .unwrap();
    assert_eq!(h.staged()[1].1["p"], json!({"x": 1}));
    assert_eq!(h.lifted["computedStates"], json!([]));
}

#[test]
fn bad_payloads_say_what_is_wrong() {
    let mut row = state_row();
    row["payload"] = json!("not json at all");
    let e = Report::from_row(&row).unwrap().history().unwrap_err();
    assert!(e.contains("not JSON"), "{e}");
    row["payload"] = json!("[1,2]");
    let e = Report::from_row(&row).unwrap().history().unwrap_err();
    assert!(e.contains("not a lifted state"), "{e}");
    row["payload"] = Value::Null;
    assert!(
        Report::from_row(&row)
            .unwrap()
            .history()
            .unwrap_err()
            .contains("no payload")
    );
    let e = actions_history(r#"{"a":1}"#, None).unwrap_err();
    assert!(e.contains("not an array"), "{e}");
    assert!(Report::from_row(&Value::Null).is_none());
    assert!(Report::from_row(&json!({"title": "no id"})).is_none());
}

#[test]
fn a_reply_is_the_report_asked_for_or_says_why_not() {
    let row = state_row();
    let id = "85c3ffbd-bacc-4594-ad10-c510bdc3f5bd";
    assert_eq!(reply(id, &row, None).unwrap().id, id);
    assert_eq!(reply(id, &Value::Null, None), Err(NoReport::Missing));
    assert!(matches!(reply("other", &row, None), Err(NoReport::Wrong(w)) if w.contains(id)));
    assert!(
        matches!(reply(id, &json!([1]), None), Err(NoReport::Wrong(w)) if w.contains("an array"))
    );
    let refused = json!({"error": "No id specified."});
    assert_eq!(
        reply(id, &refused, None),
        Err(NoReport::Refused("No id specified.".into()))
    );
    let sc_error = json!({"name": "Boom", "message": "db broke"});
    assert!(
        matches!(reply(id, &Value::Null, Some(&sc_error)), Err(NoReport::Refused(w)) if w.contains("db broke"))
    );
    assert_eq!(NoReport::Missing.error(id, "ws://h/").exit_code(), 1);
    assert_eq!(
        NoReport::Refused("x".into())
            .error(id, "ws://h/")
            .exit_code(),
        3
    );
    let shown = NoReport::Refused("x".into())
        .error(id, "ws://h/")
        .to_string();
    assert!(!shown.contains("could not connect"), "{shown}");
}

#[test]
fn channel_notes() {
    let list = json!({"type":"list","data":[{"id":"a","title":"first","added":"2026-12-03T06:20:58.543Z"},{"id":"b","title":null,"added":null},{"title":"no id"}]});
    let Note::List(rows) = note(&list) else {
        panic!()
    };
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[1],
        Listed {
            id: "b".into(),
            title: None,
            added: None
        }
    );
    assert!(
        matches!(note(&json!({"type":"add","data":{"id":"c","title":"t","added":"x"}})), Note::Added(l) if l.id == "c")
    );
    assert_eq!(
        note(&json!({"type":"add","data":{"error":"Type FOO is not supported yet."}})),
        Note::Refused("Type FOO is not supported yet.".into())
    );
    assert!(matches!(note(&json!({"type":"remove"})), Note::Bad(_)));
    assert!(
        matches!(note(&json!({"type":"list","data":"nope"})), Note::Bad(w) if w.contains("a string"))
    );
    assert!(matches!(note(&json!(7)), Note::Bad(_)));
}

#[test]
fn devtools_files_are_told_by_content() {
    let export = serde_json::from_str::<Value>(state_row()["payload"].as_str().unwrap()).unwrap();
    let h = devtools_file(export).unwrap().unwrap();
    assert_eq!((h.shape, h.actions), (Shape::Lifted, 1));
    let envelope =
        json!({"payload": "[{\"type\":\"INCREMENT\"}]", "preloadedState": "{\"count\":10}"});
    let h = devtools_file(envelope).unwrap().unwrap();
    assert_eq!((h.shape, h.actions), (Shape::Actions, 1));
    assert_eq!(h.lifted["committedState"], json!({"count": 10}));
    // An envelope around a lifted state is the lifted state.
    let wrapped = json!({"payload": state_row()["payload"]});
    assert_eq!(
        devtools_file(wrapped).unwrap().unwrap().shape,
        Shape::Lifted
    );
    assert!(devtools_file(json!({"t": 1, "dir": "in"})).is_none());
    assert!(devtools_file(json!([1])).is_none());
    assert!(devtools_file(json!({"payload": 5})).unwrap().is_err());
}

#[test]
fn a_serialized_exports_references_are_resolved_against_the_whole_file() {
    let export = json!({
        "actionsById": {"0": {"action": {"type": "@@INIT"}}, "1": {"action": {"type": "a"}}},
        "stagedActionIds": [0, 1],
        "committedState": {"n": 1, "todos": []},
        "computedStates": [
            {"state": {"$jsan": "$.committedState"}},
            {"state": {"n": 2, "todos": {"$jsan": "$.committedState.todos"}}},
        ],
    });
    let h = devtools_file(export).unwrap().unwrap();
    assert_eq!(
        h.lifted["computedStates"][0]["state"],
        json!({"n": 1, "todos": []})
    );
    assert_eq!(h.final_state(), Some(&json!({"n": 2, "todos": []})));
}
