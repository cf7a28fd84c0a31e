//! `--json` output of every command on hostile wire strings: each line
//! parses, holds no raw control character (C0, DEL, C1) or bidi override,
//! and parses back to the values the app sent. A pretty-printed state is
//! still one line.

use crate::util::*;

use serde_json::{Value, json};

/// What a terminal obeys: a C1 CSI, bidi overrides and isolates, BEL, DEL,
/// a newline, ESC, NEL.
fn hostile(tag: &str) -> String {
    format!("{tag}\u{9b}31m\u{202e}\u{2066}\u{7}\u{7f}\n\u{1b}[2J\u{85}\u{2069}end")
}

/// The state after action `n`: hostile keys and values, a newline in a key.
fn state(n: u64) -> Value {
    json!({
        hostile("key"): hostile("value"),
        "line\nkey": format!("line\nvalue {n}"),
        "v": hostile(&format!("v{n}")),
        "list": [hostile("item"), n],
    })
}

fn action(n: u64) -> Value {
    json!({"type": hostile(&format!("type{n}")), "payload": {hostile("pk"): hostile("pv")}})
}

/// A recording: a STATE whose payload is pretty-printed (newlines and
/// indentation, as some apps send it), then two ACTIONs whose payloads are
/// pretty too; the app name is hostile. And a label store (edited by hand:
/// `rdx sessions label` refuses control characters) with a hostile label.
fn recording(dir: &TempDir) -> (String, String) {
    let path = dir.join("hostile.jsonl");
    let labels = dir.join("labels.json");
    std::fs::write(
        &labels,
        json!({"labels": {"i1": hostile("label")}}).to_string(),
    )
    .unwrap();
    let lib = json!({"name": hostile("app")});
    let lifted = json!({
        "actionsById": {
            "0": {"type": "PERFORM_ACTION", "action": {"type": "@@INIT"}, "timestamp": 1000},
            "1": {"type": "PERFORM_ACTION", "action": action(1), "timestamp": 1001},
        },
        "computedStates": [{"state": {}}, {"state": state(1)}],
        "currentStateIndex": 1,
        "nextActionId": 2,
        "stagedActionIds": [0, 1],
        "skippedActionIds": [],
    });
    let mut msgs = vec![json!({
        "type": "STATE", "id": "sock", "instanceId": "i1", "name": hostile("app"), "libConfig": lib,
        "payload": serde_json::to_string_pretty(&lifted).unwrap(),
    })];
    for n in 2..=3 {
        let a = json!({"type": "PERFORM_ACTION", "action": action(n), "timestamp": 1000 + n});
        msgs.push(json!({
            "type": "ACTION", "id": "sock", "instanceId": "i1", "name": hostile("app"), "libConfig": lib,
            "action": a.to_string(), "payload": serde_json::to_string_pretty(&state(n)).unwrap(),
            "nextActionId": n + 1,
        }));
    }
    let lines: Vec<String> = msgs
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let frame = json!({"event": "#publish", "data": {"channel": "log", "data": m}});
            json!({"t": 2000 + i as u64, "dir": "in", "data": frame.to_string()}).to_string()
        })
        .collect();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    (path, labels)
}

/// Every line of stdout: no raw control or bidi character, valid JSON.
fn safe_lines(o: &Ran, what: &str) -> Vec<Value> {
    let out = stdout(o);
    assert!(out.ends_with('\n'), "{what}: {out:?}");
    out.trim_end_matches('\n')
        .split('\n')
        .map(|line| {
            let raw: Vec<char> = line
                .chars()
                .filter(|&c| {
                    c < ' '
                        || ('\u{7f}'..='\u{9f}').contains(&c)
                        || ('\u{202a}'..='\u{202e}').contains(&c)
                        || ('\u{2066}'..='\u{2069}').contains(&c)
                })
                .collect();
            assert!(raw.is_empty(), "{what}: raw {raw:?} in {line:?}");
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{what}: {e}: {line:?}"))
        })
        .collect()
}

#[test]
fn json_lines_escape_controls_and_bidi_and_parse_back_to_the_wire_values() {
    let dir = TempDir::new("hostile-json");
    let (f, labels) = recording(&dir);
    let run = |args: &[&str]| {
        let mut all = vec!["--labels", labels.as_str()];
        all.extend(args);
        run(&all)
    };

    let o = run(&["--replay", &f, "--json", "tail", "--history"]);
    o.expect(0);
    let lines = safe_lines(&o, "tail --json");
    assert_eq!(lines.len(), 3, "{lines:?}");
    for (n, l) in (1..).zip(&lines) {
        assert_eq!(l["app"], hostile("app"), "{l}");
        assert_eq!(l["label"], hostile("label"), "{l}");
        assert_eq!(l["action_type"], hostile(&format!("type{n}")), "{l}");
        assert_eq!(l["action"], action(n), "{l}");
    }

    let o = run(&["--replay", &f, "--json", "state", "--instance", "i1"]);
    o.expect(0);
    let lines = safe_lines(&o, "state --json");
    assert_eq!(lines.len(), 1, "one line: {}", stdout(&o));
    assert_eq!(lines[0]["state"], state(3));
    assert_eq!(lines[0]["app"], hostile("app"));
    let o = run(&[
        "--replay",
        &f,
        "--json",
        "state",
        "--instance",
        "i1",
        "--path",
        ".list",
    ]);
    let lines = safe_lines(&o, "state --json --path");
    assert_eq!(lines[0]["state"], state(3)["list"]);

    let o = run(&["--replay", &f, "--json", "watch", "--instance", "i1", ".v"]);
    o.expect(0);
    let lines = safe_lines(&o, "watch --json");
    assert_eq!(lines[0]["type"], "value", "{lines:?}");
    assert_eq!(lines[0]["value"], hostile("v1"));
    let changes: Vec<&Value> = lines.iter().filter(|l| l["type"] == "change").collect();
    assert_eq!(changes.len(), 2, "{lines:?}");
    assert_eq!(changes[1]["old"], hostile("v2"));
    assert_eq!(changes[1]["new"], hostile("v3"));
    assert_eq!(changes[1]["action_type"], hostile("type3"));

    let o = run(&["--replay", &f, "--json", "sessions", "--all"]);
    o.expect(0);
    let lines = safe_lines(&o, "sessions --json");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["app"], hostile("app"));
    assert_eq!(lines[0]["label"], hostile("label"));
    assert_eq!(lines[0]["last_action"], hostile("type3"));
}

#[test]
fn state_prints_a_pretty_printed_state_as_one_compact_line() {
    let dir = TempDir::new("pretty-state");
    let path = dir.join("pretty.jsonl");
    let lifted = json!({
        "actionsById": {"0": {"type": "PERFORM_ACTION", "action": {"type": "@@INIT"}, "timestamp": 1}},
        "computedStates": [{"state": {"todos": [{"title": "a\nb", "done": false}], "n": {"deep": [1, 2]}}}],
        "currentStateIndex": 0, "nextActionId": 1, "stagedActionIds": [0], "skippedActionIds": [],
    });
    let payload = serde_json::to_string_pretty(&lifted).unwrap();
    assert!(payload.contains("\n    "));
    let msg = json!({"type": "STATE", "id": "s", "instanceId": "p1", "name": "pretty", "payload": payload});
    let frame = json!({"event": "#publish", "data": {"channel": "log", "data": msg}});
    std::fs::write(
        &path,
        json!({"t": 1, "dir": "in", "data": frame.to_string()}).to_string(),
    )
    .unwrap();
    let want = &lifted["computedStates"][0]["state"];
    for (args, value) in [
        (vec!["--json", "state"], want.clone()),
        (vec!["--json", "state", "--path", ".n"], want["n"].clone()),
        (vec!["state"], want.clone()),
    ] {
        let mut all = vec!["--replay", path.as_str()];
        all.extend(&args);
        let o = run(&all);
        o.expect(0);
        let lines = safe_lines(&o, &args.join(" "));
        assert_eq!(lines.len(), 1, "{args:?}: {}", stdout(&o));
        let got = if args[0] == "--json" {
            &lines[0]["state"]
        } else {
            &lines[0]
        };
        assert_eq!(*got, value, "{args:?}");
    }
}
