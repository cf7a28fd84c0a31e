//! End-to-end: the real `@redux-devtools/cli` server from npm on a free
//! loopback port, real Redux stores through `@redux-devtools/remote`, and the
//! real rdx binary. Every wait is on an event, with a watchdog.

use crate::util::e2e::{Apps, Monitor, Server, spawn_rdx};
use crate::util::*;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::time::Duration;

use serde_json::Value;

const WATCHDOG: Duration = Duration::from_secs(60);

/// Wait until the second monitor has seen `n` distinct instances.
fn wait_instances(m: &Monitor, n: usize) -> HashSet<String> {
    let mut seen = HashSet::new();
    while seen.len() < n {
        let v =
            m.0.wait_for(WATCHDOG, "instances", |v| v["instanceId"].is_string());
        seen.insert(v["instanceId"].as_str().unwrap().to_string());
    }
    seen
}

fn by_app(list: &[Value]) -> Vec<String> {
    let mut apps: Vec<String> = list
        .iter()
        .map(|i| i["app"].as_str().unwrap_or("?").to_string())
        .collect();
    apps.sort();
    apps
}

#[test]
fn e2e_sessions_lists_three_stores_under_two_names_and_replays_the_same() {
    let server = Server::start();
    let url = server.url();
    let mon = Monitor::start(&server);
    let _apps = Apps::start(
        &server,
        &["alpha", "beta", "alpha"],
        &["--actions", "100000", "--interval", "50"],
    );
    let ids = wait_instances(&mon, 3);

    let dir = TempDir::new("e2e-rec");
    let rec = dir.join("rec.jsonl");
    let recorder = spawn_rdx(&["--url", &url, "record", &rec, "--for", "2s"]);
    let o = run(&["--url", &url, "sessions", "--json", "--for", "2s"]);
    o.expect(0);
    let live = json_lines(&o);
    assert_eq!(live.len(), 3, "{live:#?}");
    assert_eq!(by_app(&live), ["alpha", "alpha", "beta"]);
    for i in &live {
        assert_eq!(i["status"], "live", "{i}");
        assert!(i["actions"].as_u64().unwrap() > 0, "{i}");
        assert!(
            ids.contains(i["id"].as_str().unwrap()),
            "{i} not among {ids:?}"
        );
    }

    let r = wait_output(recorder, WATCHDOG, "rdx record");
    r.expect(0);
    let o = replay(&rec, &["sessions", "--json"]);
    o.expect(0);
    let replayed = json_lines(&o);
    let key = |l: &[Value]| {
        let mut k: Vec<(String, String, String)> = l
            .iter()
            .map(|i| {
                (
                    i["id"].to_string(),
                    i["app"].to_string(),
                    i["status"].to_string(),
                )
            })
            .collect();
        k.sort();
        k
    };
    assert_eq!(key(&replayed), key(&live));
}

#[test]
fn e2e_an_app_started_after_rdx_is_discovered_and_counted() {
    let server = Server::start();
    let url = server.url();
    let mut rdx = spawn_rdx(&[
        "--url",
        &url,
        "--verbose",
        "sessions",
        "--json",
        "--for",
        // The window holds a Node app's start (module loading, its
        // connection, START and STATE): on a loaded machine, seconds.
        "8s",
    ]);
    // Wait until rdx says it is subscribed.
    let mut err = BufReader::new(rdx.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            err.read_line(&mut line).unwrap() > 0,
            "rdx ended before connecting"
        );
        if line.contains("connected as") {
            break;
        }
    }
    let _apps = Apps::start(
        &server,
        &["late"],
        &["--actions", "100000", "--interval", "50"],
    );
    let o = wait_output(rdx, WATCHDOG, "rdx sessions");
    o.expect(0);
    let list = json_lines(&o);
    assert_eq!(list.len(), 1, "{list:#?}");
    assert_eq!(list[0]["app"], "late");
    assert!(
        list[0]["actions"].as_u64().unwrap() > 0,
        "re-START made the late app stream: {}",
        list[0]
    );
}

#[test]
fn e2e_rdx_quitting_does_not_silence_another_monitor() {
    let server = Server::start();
    let url = server.url();
    // A monitor like the official app: it does not re-send START when apps
    // stop, so it stays silenced if rdx's exit made them stop.
    let mon = Monitor::start_plain(&server);
    let _apps = Apps::start(
        &server,
        &["alpha"],
        &["--actions", "100000", "--interval", "50"],
    );
    mon.0
        .wait_for(WATCHDOG, "an ACTION", |v| v["type"] == "ACTION");
    let login = std::env::var("RDX_E2E_NEGATIVE_CONTROL").is_ok_and(|v| v == "login");
    let mut args = vec!["--url", url.as_str(), "sessions", "--for", "500ms"];
    if login {
        args.push("--login"); // must make this test fail: see README
    }
    let o = run(&args);
    o.expect(0);
    // rdx has exited; the other monitor must go on receiving ACTIONs.
    mon.0.drain();
    for _ in 0..5 {
        mon.0
            .wait_for(Duration::from_secs(10), "an ACTION after rdx quit", |v| {
                v["type"] == "ACTION"
            });
    }
    assert!(
        !mon.0.drain().iter().any(|v| v["type"] == "STOP"),
        "apps were told to STOP"
    );
}
