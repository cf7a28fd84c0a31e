//! End-to-end for `tail`, `state`, `watch` and selection: the real server,
//! real Redux stores, the real rdx binary.

use crate::util::e2e::{Apps, Monitor, Server, spawn_rdx};
use crate::util::*;

use std::io::{BufRead, BufReader, Read};
use std::process::Child;
use std::time::Duration;

use serde_json::Value;

const WATCHDOG: Duration = Duration::from_secs(60);

/// Block until a `--verbose` rdx says it is subscribed; return the rest of stderr's reader.
fn wait_connected(child: &mut Child) -> BufReader<std::process::ChildStderr> {
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            err.read_line(&mut line).unwrap() > 0,
            "rdx ended before connecting"
        );
        if line.contains("connected as") {
            return err;
        }
    }
}

/// A server, a store process under stdin control, and a second monitor that
/// has already STARTed the stores (so they stream from the first dispatch).
fn setup(stores: &[&str]) -> (Server, Apps, Monitor) {
    let server = Server::start();
    let mon = Monitor::start(&server);
    let apps = Apps::start(&server, stores, &["--stdin-control"]);
    let mut seen = std::collections::HashSet::new();
    while seen.len() < stores.len() {
        let v = mon
            .0
            .wait_for(WATCHDOG, "a STATE", |v| v["type"] == "STATE");
        seen.insert(v["instanceId"].as_str().unwrap().to_string());
    }
    (server, apps, mon)
}

#[test]
fn e2e_tail_count_receives_the_dispatched_actions_in_order() {
    let (server, mut apps, _mon) = setup(&["shop"]);
    let url = server.url();
    let mut rdx = spawn_rdx(&["--url", &url, "--verbose", "tail", "--json", "--count", "6"]);
    let _err = wait_connected(&mut rdx);
    let types = [
        "counter/incremented",
        "todos/todoAdded",
        "counter/set",
        "counter/incremented",
        "todos/todoAdded",
        "counter/incremented",
    ];
    for (i, t) in types.iter().enumerate() {
        let payload = match *t {
            "todos/todoAdded" => format!(r#" {{"id":{i},"text":"t{i}"}}"#),
            "counter/set" => " 40".to_string(),
            _ => String::new(),
        };
        apps.0.send_line(&format!("dispatch shop {t}{payload}"));
    }
    let o = wait_output(rdx, WATCHDOG, "rdx tail --count 6");
    o.expect(0);
    let lines = json_lines(&o);
    let got: Vec<&str> = lines
        .iter()
        .map(|l| l["action_type"].as_str().unwrap())
        .collect();
    assert_eq!(got, types);
    assert_eq!(lines[2]["action"]["payload"], 40);
    let ids: Vec<i64> = lines
        .iter()
        .map(|l| l["action_id"].as_i64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "{ids:?}");
}

#[test]
fn e2e_state_path_equals_what_the_app_reports() {
    let (server, mut apps, _mon) = setup(&["shop"]);
    let url = server.url();
    for _ in 0..7 {
        apps.0.send_line("dispatch shop counter/incremented");
    }
    apps.0
        .send_line("dispatch shop todos/todoAdded {\"id\":1,\"text\":\"milk\"}");
    apps.0.send_line("final");
    let fin = apps
        .0
        .wait_for(WATCHDOG, "final", |v| v.get("final").is_some());
    let o = run(&["--url", &url, "state", "--path", ".counter.value"]);
    o.expect(0);
    assert_eq!(
        stdout(&o).trim(),
        fin["final"]["counter"]["value"].to_string()
    );
    let o = run(&["--url", &url, "state"]);
    let whole: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(whole, fin["final"]);
}

#[test]
fn e2e_watch_until_exits_0_when_reached_and_4_when_not() {
    let (server, mut apps, _mon) = setup(&["shop"]);
    let url = server.url();
    let mut rdx = spawn_rdx(&[
        "--url",
        &url,
        "--verbose",
        "--timeout",
        "30s",
        "watch",
        ".counter.value",
        "--until",
        "5",
        "--json",
    ]);
    let _err = wait_connected(&mut rdx);
    for _ in 0..5 {
        apps.0.send_line("dispatch shop counter/incremented");
    }
    let o = wait_output(rdx, WATCHDOG, "rdx watch --until 5");
    o.expect(0);
    let lines = json_lines(&o);
    assert_eq!(lines[0]["type"], "value");
    let last = lines.last().unwrap();
    // The first value may already be 5 if the dispatches beat rdx's first STATE.
    let reached = if last["type"] == "value" {
        &last["value"]
    } else {
        &last["new"]
    };
    assert_eq!(reached, 5, "{lines:?}");
    let o = run(&[
        "--url",
        &url,
        "--timeout",
        "2s",
        "watch",
        ".counter.value",
        "--until",
        "999",
    ]);
    o.expect(4);
}

#[test]
fn e2e_tail_into_head_exits_0_quietly() {
    let server = Server::start();
    let url = server.url();
    let _apps = Apps::start(
        &server,
        &["shop"],
        &["--actions", "100000", "--interval", "20"],
    );
    let mut rdx = spawn_rdx(&["--url", &url, "tail"]);
    let mut out = rdx.stdout.take().unwrap();
    let mut b = [0u8; 1];
    out.read_exact(&mut b).unwrap();
    drop(out); // `head -1` is done
    let o = wait_output(rdx, WATCHDOG, "rdx tail | head -1");
    o.expect(0);
    assert!(
        !stderr(&o).contains("Broken pipe") && !stderr(&o).contains("panicked"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn e2e_labels_and_filters_pick_the_right_store() {
    let server = Server::start();
    let url = server.url();
    let mon = Monitor::start(&server);
    let _apps = Apps::start(
        &server,
        &["shop", "shop", "admin"],
        &["--actions", "100000", "--interval", "30"],
    );
    let mut seen = std::collections::HashSet::new();
    while seen.len() < 3 {
        let v = mon
            .0
            .wait_for(WATCHDOG, "instances", |v| v["instanceId"].is_string());
        seen.insert(v["instanceId"].as_str().unwrap().to_string());
    }
    let dir = TempDir::new("e2e-labels");
    let store = dir.join("labels.json");
    let o = run(&["--url", &url, "sessions", "--json", "--app", "shop"]);
    let shops = json_lines(&o);
    assert_eq!(shops.len(), 2, "{shops:?}");
    let picked = shops[0]["id"].as_str().unwrap().to_string();
    let o = run(&["--labels", &store, "sessions", "label", &picked, "my-shop"]);
    o.expect(0);
    let o = run(&[
        "--labels",
        &store,
        "--url",
        &url,
        "tail",
        "--instance-select",
        "my-shop",
        "--count",
        "5",
        "--json",
    ]);
    o.expect(0);
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 5);
    assert!(
        lines
            .iter()
            .all(|l| l["instance"] == picked.as_str() && l["label"] == "my-shop"),
        "{lines:?}"
    );
    let o = run(&["--url", &url, "--app", "admin", "state"]);
    o.expect(0);
    let _: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    let o = run(&["--url", &url, "--app", "shop", "state"]);
    o.expect(1);
    for s in &shops {
        assert!(
            stderr(&o).contains(s["id"].as_str().unwrap()),
            "{}",
            stderr(&o)
        );
    }
}
