//! The Expo source (`expo://`, `--expo`) on the recordings of EXPO.md's live
//! runs (fixtures/expo/, copied byte for byte from ../shared/captures/expo/
//! by tests/expo-fixtures.py), and against in-process fake plugin sockets
//! for what the real dev server cannot be made to do: damaged, binary and
//! foreign frames, a 50 MB STATE, 1,000 stores, a refused or wrong port.
//! The real dev server, app and browser are in tests/e2e_expo.rs.

use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};
use tungstenite::Message;

use crate::util::fake::{self, Ws};
use crate::util::*;

const PLUGIN: &str = "redux-devtools-expo-dev-plugin";

fn expo_fixture(name: &str) -> String {
    fixture(&format!("expo/{name}"))
}

/// The plugin's envelope around a relay message (or a respond payload).
fn envelope(method: &str, payload: &Value) -> String {
    json!({"messageKey": {"pluginName": PLUGIN, "method": method}, "payload": payload}).to_string()
}

/// An ACTION of store `s` (instance `i{s}`, app `app{s}`) with id `id`.
fn action(s: usize, id: i64, ty: &str) -> String {
    envelope(
        "log",
        &json!({
            "type": "ACTION", "id": format!("s{s}"), "instanceId": format!("i{s}"),
            "name": format!("app{s}"),
            "payload": json!({"n": id}).to_string(),
            "action": json!({"type": "PERFORM_ACTION", "action": {"type": ty}, "timestamp": 1_796_169_600_000i64 + id}).to_string(),
            "nextActionId": id + 1,
        }),
    )
}

fn start(s: usize) -> String {
    envelope(
        "log",
        &json!({"type": "START", "id": format!("s{s}"), "instanceId": format!("i{s}"), "name": format!("app{s}")}),
    )
}

fn expo_url(port: u16) -> String {
    format!("expo://127.0.0.1:{port}")
}

/// Read what rdx sends for `d` (text frames, in order).
fn heard(ws: &mut Ws, sent: &mpsc::Sender<String>, d: Duration) {
    fake::idle(ws, sent, d);
}

#[test]
fn expo_recordings_replay_as_the_app_dispatched() {
    // SDK 57 on Node 20, a web build in Chromium: 5 clicks.
    let r = replay(
        &expo_fixture("start-sdk57.jsonl"),
        &["tail", "--json", "--history"],
    );
    r.expect(0);
    let lines = json_lines(&r);
    let types: Vec<&str> = lines
        .iter()
        .map(|l| l["action_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "counter/increment",
            "counter/increment",
            "counter/incrementByAmount",
            "counter/decrement",
            "counter/incrementByAmount"
        ]
    );
    assert!(
        lines.iter().all(|l| l["app"] == "spike-counter"),
        "{lines:?}"
    );
    let ids: Vec<i64> = lines
        .iter()
        .map(|l| l["action_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    // The state after them, as the page showed it (16).
    let s = replay(
        &expo_fixture("webui-sdk58.jsonl"),
        &["state", "--json", "--path", ".counter.value"],
    );
    s.expect(0);
    assert_eq!(json_lines(&s)[0]["state"], 16, "{}", stdout(&s));
    // The client's handshake is not an error, only ignored (shown with --verbose).
    let v = replay(
        &expo_fixture("start-sdk57.jsonl"),
        &["--verbose", "sessions"],
    );
    v.expect(0);
    assert!(
        stderr(&v).contains("ignored: a client's handshake"),
        "{}",
        stderr(&v)
    );
    assert!(
        !stderr(&v).contains("could not be understood"),
        "{}",
        stderr(&v)
    );
}

#[test]
fn expo_a_late_start_recovers_the_earlier_actions_from_the_state() {
    // rdx joined after the app dispatched: its START brought a STATE with
    // the earlier actions (via state), then the live ones.
    let r = replay(
        &expo_fixture("late-start.jsonl"),
        &["tail", "--json", "--history"],
    );
    r.expect(0);
    let lines = json_lines(&r);
    assert!(!lines.is_empty());
    assert!(lines.iter().any(|l| l["via"] == "state"), "{lines:?}");
    let ids: Vec<i64> = lines
        .iter()
        .map(|l| l["action_id"].as_i64().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted, "every action once, in order");
}

#[test]
fn expo_binary_and_foreign_frames_are_ignored_and_counted() {
    let r = replay(
        &expo_fixture("binary.jsonl"),
        &["--verbose", "sessions", "--all"],
    );
    assert!(
        stderr(&r).contains("a frame of plugin spike-binary"),
        "{}",
        stderr(&r)
    );
    assert!(stderr(&r).contains("ignored 1 frame(s)"), "{}", stderr(&r));
}

/// A fake plugin socket: for each connection, `script`.
fn socket<F>(conns: usize, script: F) -> (u16, mpsc::Receiver<String>)
where
    F: Fn(usize, &mut Ws, &mpsc::Sender<String>) + Send + 'static,
{
    fake::serve(conns, script)
}

#[test]
fn expo_rdx_sends_only_a_start_in_the_plugins_envelope_and_streams() {
    let (port, sent) = socket(1, |_, ws, tx| {
        fake::send(ws, &start(0));
        // rdx's START comes after its grace; then the app streams.
        let got = fake::recv(ws, tx, Duration::from_secs(5)).unwrap_or_default();
        if got.contains("START") {
            for id in 1..=3 {
                fake::send(ws, &action(0, id, &format!("todo/{id}")));
            }
        }
        heard(ws, tx, Duration::from_secs(3));
    });
    let url = expo_url(port);
    let r = run(&["--url", &url, "tail", "--json", "--count", "3"]);
    r.expect(0);
    let types: Vec<String> = json_lines(&r)
        .iter()
        .map(|l| l["action_type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(types, ["todo/1", "todo/2", "todo/3"]);
    let frames: Vec<String> = sent.try_iter().collect();
    assert!(!frames.is_empty(), "rdx sent nothing");
    for f in &frames {
        let v: Value = serde_json::from_str(f).unwrap();
        assert_eq!(v["messageKey"]["pluginName"], PLUGIN, "{f}");
        assert_eq!(v["messageKey"]["method"], "respond", "{f}");
        assert!(
            ["START", "UPDATE"].contains(&v["payload"]["type"].as_str().unwrap()),
            "{f}"
        );
        assert!(!f.contains("handshake"), "{f}");
    }
}

#[test]
fn expo_rdx_sends_no_start_when_another_monitor_did() {
    let (port, sent) = socket(1, |_, ws, tx| {
        // The plugin's web UI is there: it answers the app's START at once.
        fake::send(ws, &start(0));
        fake::send(ws, &envelope("respond", &json!({"type": "START"})));
        fake::send(ws, &action(0, 1, "seen/without-rdx-asking"));
        heard(ws, tx, Duration::from_secs(3));
    });
    let url = expo_url(port);
    let r = run(&["--url", &url, "tail", "--json", "--count", "1"]);
    r.expect(0);
    assert_eq!(json_lines(&r)[0]["action_type"], "seen/without-rdx-asking");
    // rdx stays until --count is met, at once: give its grace time to pass
    // in a second run that waits.
    let (port, sent2) = socket(1, |_, ws, tx| {
        fake::send(ws, &envelope("respond", &json!({"type": "START"})));
        heard(ws, tx, Duration::from_secs(3));
    });
    let url = expo_url(port);
    let r = run(&["--url", &url, "sessions", "--for", "2s"]);
    r.expect(0);
    let frames: Vec<String> = sent.try_iter().chain(sent2.try_iter()).collect();
    assert!(
        frames.iter().all(|f| !f.contains(r#""type":"START""#)),
        "rdx sent a START beside another monitor's: {frames:?}"
    );
}

#[test]
fn expo_damaged_binary_and_foreign_frames_never_stop_the_stream() {
    let (port, _sent) = socket(1, |_, ws, tx| {
        fake::send(ws, &start(0));
        fake::send(
            ws,
            r#"{"messageKey":{"pluginName":"redux-devtools-expo-dev-plugin","method":"log"},"payload":{"type":"ACT"#,
        );
        let _ = ws.send(Message::binary(vec![0, 0, 0, 2, b'{', b'}', 1, 9, 9]));
        fake::send(ws, &envelope("log", &json!("not an object")));
        fake::send(ws, &envelope("log", &json!([1, 2, 3])));
        fake::send(
            ws,
            &json!({"messageKey": {"pluginName": "another-plugin", "method": "log"}, "payload": {"type": "ACTION"}}).to_string(),
        );
        fake::send(ws, "plain text");
        fake::send(ws, &action(0, 1, "after/the-garbage"));
        heard(ws, tx, Duration::from_secs(3));
    });
    let url = expo_url(port);
    let r = run(&["--url", &url, "--verbose", "tail", "--json", "--count", "1"]);
    r.expect(0);
    assert_eq!(json_lines(&r)[0]["action_type"], "after/the-garbage");
    let err = stderr(&r);
    for said in [
        "whose payload is not an object",
        "a binary frame of 9 bytes",
        "a frame of plugin another-plugin",
        "not JSON",
    ] {
        assert!(err.contains(said), "{said:?} not said:\n{err}");
    }
}

#[test]
fn expo_a_50_mb_state_is_read_for_one_path() {
    // Text made in bulk (a Value tree of 700,000 todos takes a debug build
    // seconds): `{"id":K,"text":"todo number K of a big store","done":false}`.
    let mut todos = String::from("[");
    for k in 0..700_000 {
        if k > 0 {
            todos.push(',');
        }
        todos.push_str(&format!(
            r#"{{"id":{k},"text":"todo number {k} of a big store","done":false}}"#
        ));
    }
    todos.push(']');
    let lifted = format!(
        r#"{{"actionsById":{{"0":{{"type":"PERFORM_ACTION","action":{{"type":"@@INIT"}},"timestamp":1}}}},"computedStates":[{{"state":{{"todos":{todos}}}}}],"stagedActionIds":[0],"skippedActionIds":[],"currentStateIndex":0,"nextActionId":1}}"#
    );
    let state = envelope(
        "log",
        &json!({"type": "STATE", "id": "s0", "instanceId": "i0", "name": "app0", "payload": lifted}),
    );
    assert!(state.len() > 50 << 20, "{}", state.len());
    let state = std::sync::Arc::new(state);
    let (port, _sent) = socket(1, move |_, ws, tx| {
        fake::send(ws, &start(0));
        fake::send(ws, &state);
        heard(ws, tx, Duration::from_secs(20));
    });
    let url = expo_url(port);
    let started = std::time::Instant::now();
    let r = run(&[
        "--url",
        &url,
        "--timeout",
        "20s",
        "state",
        "--instance",
        "i0",
        "--json",
        "--path",
        ".todos[699999].id",
    ]);
    r.expect(0);
    assert_eq!(json_lines(&r)[0]["state"], 699_999, "{}", stdout(&r));
    eprintln!(
        "a 50 MB STATE on the Expo socket, one path read: {:?}",
        started.elapsed()
    );
}

#[test]
fn expo_one_thousand_stores_are_instances() {
    let (port, _sent) = socket(1, |_, ws, tx| {
        for s in 0..1000 {
            fake::send(ws, &start(s));
        }
        heard(ws, tx, Duration::from_secs(5));
    });
    let url = expo_url(port);
    let r = run(&["--url", &url, "sessions", "--json", "--for", "2s"]);
    r.expect(0);
    assert_eq!(json_lines(&r).len(), 1000);
}

#[test]
fn expo_errors_a_user_meets_exit_3_with_what_to_do() {
    // Nothing listens.
    let port = free_port();
    let url = expo_url(port);
    let r = run(&["--url", &url, "--timeout", "1s", "sessions"]);
    r.expect(3);
    assert!(
        stderr(&r).contains("is the Expo dev server running?"),
        "{}",
        stderr(&r)
    );
    // A web server that is not a dev server.
    let web = fake::http_server(4, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    let url = expo_url(web);
    let r = run(&["--url", &url, "--timeout", "2s", "sessions"]);
    r.expect(3);
    assert!(
        stderr(&r).contains("not an Expo dev server"),
        "{}",
        stderr(&r)
    );
    // A Metro from before SDK 52: it closes an upgrade to a path it does not
    // serve, and answers /status.
    let metro = metro_without_plugins();
    let url = expo_url(metro);
    let r = run(&["--url", &url, "--timeout", "2s", "sessions"]);
    r.expect(3);
    assert!(stderr(&r).contains("older than 52"), "{}", stderr(&r));
    // --expo and --url are one or the other.
    let r = run(&["--expo", "--url", "ws://127.0.0.1:1", "sessions"]);
    r.expect(2);
}

/// Closes every WebSocket upgrade unanswered (as Metro does for a path it
/// does not serve), answers `GET /status` as Metro does.
fn metro_without_plugins() -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming().take(8) {
            let Ok(mut c) = conn else { continue };
            let _ = c.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = [0u8; 4096];
            let n = c.read(&mut buf).unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]);
            if req.starts_with("GET /status") {
                let _ = c.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 23\r\n\r\npackager-status:running",
                );
            }
        }
    });
    port
}

#[test]
fn expo_a_dev_server_restart_is_survived_every_action_once() {
    let (port, _sent) = socket(2, |n, ws, tx| {
        if n == 0 {
            fake::send(ws, &start(0));
            fake::send(ws, &action(0, 1, "before/restart"));
            heard(ws, tx, Duration::from_millis(300));
            // The dev server goes (no close frame).
            return;
        }
        // Back: the app says START again, rdx asks, the app's STATE holds
        // action 2, dispatched meanwhile, then it streams.
        fake::send(ws, &start(0));
        let got = fake::recv(ws, tx, Duration::from_secs(5)).unwrap_or_default();
        if got.contains("START") || got.contains("UPDATE") {
            let lifted = json!({
                "actionsById": {
                    "0": {"type": "PERFORM_ACTION", "action": {"type": "@@INIT"}, "timestamp": 1},
                    "1": {"type": "PERFORM_ACTION", "action": {"type": "before/restart"}, "timestamp": 2},
                    "2": {"type": "PERFORM_ACTION", "action": {"type": "during/outage"}, "timestamp": 3},
                },
                "computedStates": [{"state": {"n": 0}}, {"state": {"n": 1}}, {"state": {"n": 2}}],
                "stagedActionIds": [0, 1, 2], "skippedActionIds": [], "currentStateIndex": 2, "nextActionId": 3,
            });
            fake::send(
                ws,
                &envelope(
                    "log",
                    &json!({"type": "STATE", "id": "s0", "instanceId": "i0", "name": "app0", "payload": lifted.to_string()}),
                ),
            );
            fake::send(ws, &action(0, 3, "after/restart"));
        }
        heard(ws, tx, Duration::from_secs(3));
    });
    let url = expo_url(port);
    let r = run(&["--url", &url, "tail", "--json", "--count", "3"]);
    r.expect(0);
    let types: Vec<String> = json_lines(&r)
        .iter()
        .map(|l| l["action_type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(types, ["before/restart", "during/outage", "after/restart"]);
    assert!(
        stderr(&r).contains("reconnected to expo://127.0.0.1"),
        "{}",
        stderr(&r)
    );
}

#[test]
fn expo_a_recording_says_its_source_and_replays_the_same() {
    let (port, _sent) = socket(1, |_, ws, tx| {
        fake::send(ws, &start(0));
        let _ = fake::recv(ws, tx, Duration::from_secs(5));
        for id in 1..=2 {
            fake::send(ws, &action(0, id, &format!("rec/{id}")));
        }
        heard(ws, tx, Duration::from_secs(3));
    });
    let dir = TempDir::new("expo-record");
    let file = dir.join("expo.jsonl");
    let url = expo_url(port);
    let live = run(&[
        "--url", &url, "--record", &file, "tail", "--json", "--count", "2",
    ]);
    live.expect(0);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.lines()
            .next()
            .unwrap()
            .contains(&format!("\"data\":\"expo://127.0.0.1:{port}\"")),
        "{text}"
    );
    let again = replay(&file, &["tail", "--json", "--history"]);
    again.expect(0);
    let a: Vec<Value> = json_lines(&live)
        .into_iter()
        .map(|mut l| {
            l.as_object_mut().unwrap().remove("ts");
            l
        })
        .collect();
    let b: Vec<Value> = json_lines(&again)
        .into_iter()
        .map(|mut l| {
            l.as_object_mut().unwrap().remove("ts");
            l
        })
        .collect();
    assert_eq!(a, b);
}

#[test]
fn expo_a_reload_is_a_reload_though_no_one_says_the_old_instance_went() {
    // The dev server never says an app went: the old instance is gone when
    // it does not answer the START that follows the new instance's START.
    let (port, _sent) = socket(1, |_, ws, tx| {
        fake::send(ws, &start(0));
        let _ = fake::recv(ws, tx, Duration::from_secs(5));
        fake::send(ws, &action(0, 1, "old/1"));
        heard(ws, tx, Duration::from_millis(1500));
        // The page reloads: a new store of the same app.
        let new = json!({"type": "START", "id": "s0b", "instanceId": "i0b", "name": "app0"});
        fake::send(ws, &envelope("log", &new));
        // rdx's START (an UPDATE may come first).
        let end = std::time::Instant::now() + Duration::from_secs(5);
        while std::time::Instant::now() < end {
            let asked = fake::recv(ws, tx, Duration::from_millis(200)).unwrap_or_default();
            if asked.contains(r#""type":"START""#) {
                break;
            }
        }
        let lifted = json!({
            "actionsById": {"0": {"type": "PERFORM_ACTION", "action": {"type": "@@INIT"}, "timestamp": 1}},
            "computedStates": [{"state": {"n": 0}}], "stagedActionIds": [0], "skippedActionIds": [],
            "currentStateIndex": 0, "nextActionId": 1,
        });
        // Only the new instance answers.
        fake::send(
            ws,
            &envelope(
                "log",
                &json!({"type": "STATE", "id": "s0b", "instanceId": "i0b", "name": "app0", "payload": lifted.to_string()}),
            ),
        );
        heard(ws, tx, Duration::from_secs(6));
        fake::send(
            ws,
            &envelope(
                "log",
                &json!({
                    "type": "ACTION", "id": "s0b", "instanceId": "i0b", "name": "app0",
                    "payload": "{\"n\":1}",
                    "action": json!({"type": "PERFORM_ACTION", "action": {"type": "new/1"}, "timestamp": 1_796_169_600_100i64}).to_string(),
                    "nextActionId": 2,
                }),
            ),
        );
        heard(ws, tx, Duration::from_secs(3));
    });
    let url = expo_url(port);
    let r = run(&[
        "--url",
        &url,
        "--timeout",
        "20s",
        "tail",
        "--instance-select",
        "/^app0$/",
        "--json",
        "--count",
        "2",
    ]);
    r.expect(0);
    let types: Vec<String> = json_lines(&r)
        .iter()
        .map(|l| l["action_type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(types, ["old/1", "new/1"]);
    assert!(
        stderr(&r).contains("app0·i0 reloaded as app0·i0b; following it"),
        "{}",
        stderr(&r)
    );
}
