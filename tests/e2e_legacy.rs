//! Interop with the legacy remote stack: remotedev-server 0.3.1 (SocketCluster
//! 14, protocol v1) and remote-redux-devtools 0.5.16 apps, from the second
//! lockfile in tests/e2e-legacy/, plus a legacy app on today's cli 5 server.

use crate::util::e2e::{NodeProc, Server, spawn_rdx};
use crate::util::*;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;

const WATCHDOG: Duration = Duration::from_secs(60);

fn legacy_dir() -> PathBuf {
    let d = root().join("tests/e2e-legacy");
    assert!(
        d.join("node_modules/remotedev-server").is_dir(),
        "legacy deps missing: run `make e2e-deps` (npm ci in tests/e2e-legacy)"
    );
    d
}

/// remotedev-server 0.3.1 on 127.0.0.1, its TMPDIR inside `tmp`.
fn legacy_server(tmp: &TempDir) -> (NodeProc, u16) {
    let port = free_port();
    let tmpdir = tmp.join("tmp");
    std::fs::create_dir_all(&tmpdir).unwrap();
    let p = NodeProc::spawn_in(
        &legacy_dir(),
        "legacy-server.js",
        &["--port".into(), port.to_string()],
        "legacy-server",
        &[("TMPDIR", &tmpdir)],
    );
    p.wait_for(WATCHDOG, "ready", |v| v["ready"] == true);
    (p, port)
}

/// One remote-redux-devtools 0.5 store (one per process).
fn legacy_app(port: u16, name: &str, extra: &[&str]) -> NodeProc {
    let mut args = vec![
        "--port".to_string(),
        port.to_string(),
        "--store".into(),
        name.into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    NodeProc::spawn_in(&legacy_dir(), "legacy-app.js", &args, name, &[])
}

/// Poll `rdx sessions` until `want` apps are live (each poll listens 1 s).
fn wait_apps(url: &str, want: &[&str]) -> Vec<Value> {
    let end = Instant::now() + WATCHDOG;
    loop {
        let o = run(&["--url", url, "sessions", "--json", "--for", "1s"]);
        let list = json_lines(&o);
        let apps: BTreeSet<&str> = list.iter().filter_map(|i| i["app"].as_str()).collect();
        if want.iter().all(|w| apps.contains(w)) {
            return list;
        }
        assert!(
            Instant::now() < end,
            "watchdog: apps {want:?} never appeared: {list:?}"
        );
    }
}

#[test]
fn e2e_legacy_server_with_legacy_apps_sessions_and_tail() {
    let tmp = TempDir::new("legacy");
    let (_server, port) = legacy_server(&tmp);
    let url = format!("ws://127.0.0.1:{port}/socketcluster/");
    let _a = legacy_app(port, "alpha", &["--actions", "100000", "--interval", "50"]);
    let _b = legacy_app(port, "beta", &["--actions", "100000", "--interval", "50"]);
    let list = wait_apps(&url, &["alpha", "beta"]);
    let live: Vec<&Value> = list.iter().filter(|i| i["status"] == "live").collect();
    assert_eq!(live.len(), 2, "{list:?}");
    for i in &live {
        // legacy apps send no instanceId: keyed by socket id
        assert_eq!(i["id"], i["connection"], "{i}");
    }
    let o = run(&[
        "--url",
        &url,
        "--verbose",
        "tail",
        "--app",
        "alpha",
        "--count",
        "5",
        "--json",
    ]);
    o.expect(0);
    assert!(stderr(&o).contains("protocol v1"), "{}", stderr(&o));
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 5);
    assert!(lines.iter().all(|l| l["app"] == "alpha"), "{lines:?}");
    let types: BTreeSet<&str> = lines
        .iter()
        .map(|l| l["action_type"].as_str().unwrap())
        .collect();
    assert!(
        types.is_subset(&["counter/increment", "todos/add"].into_iter().collect()),
        "{types:?}"
    );
}

#[test]
fn e2e_idle_on_the_legacy_server_for_two_ping_timeouts() {
    let tmp = TempDir::new("legacy-idle");
    let (_server, port) = legacy_server(&tmp);
    let url = format!("ws://127.0.0.1:{port}/socketcluster/");
    let child = spawn_rdx(&["--url", &url, "--verbose", "sessions", "--for", "45s"]);
    let o = wait_output(
        child,
        Duration::from_secs(120),
        "rdx sessions --for 45s (legacy)",
    );
    o.expect(0);
    let err = stderr(&o);
    assert!(err.contains("pingTimeout 20s"), "{err}");
    assert!(
        !err.contains("lost the link"),
        "answering #1 with #2 keeps the link: {err}"
    );
}

#[test]
fn e2e_a_legacy_app_on_cli5_keeps_streaming_across_forced_reconnects() {
    let server = Server::start();
    let url = server.url();
    let _app = legacy_app(
        server.port,
        "oldtimer",
        &["--actions", "100000", "--interval", "200"],
    );
    let mut tail = spawn_rdx(&["--url", &url, "tail", "--app", "oldtimer", "--json"]);
    let sessions = spawn_rdx(&[
        "--url", &url, "sessions", "--json", "--all", "--app", "oldtimer", "--for", "62s",
    ]);
    let out = BufReader::new(tail.stdout.take().unwrap());
    let started = Instant::now();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in out.lines().map_while(Result::ok) {
            if tx.send((Instant::now(), l)).is_err() {
                break;
            }
        }
    });
    // Follow for 65 s: the v1 client never answers cli 5's "" heartbeat, so
    // the server drops it every ~30 s and it comes back on a new socket.
    let mut sockets = BTreeSet::new();
    let mut last_after_first_drop = None;
    while started.elapsed() < Duration::from_secs(65) {
        let Ok((at, line)) = rx.recv_timeout(Duration::from_secs(1)) else {
            continue;
        };
        let v: Value = serde_json::from_str(&line).unwrap();
        sockets.insert(v["instance"].as_str().unwrap().to_string());
        if sockets.len() > 1 {
            last_after_first_drop = Some(at);
        }
    }
    let _ = tail.kill();
    let _ = tail.wait();
    assert!(
        sockets.len() >= 2,
        "the app was never dropped and re-joined: {sockets:?}"
    );
    let last = last_after_first_drop.expect("actions after the forced reconnect");
    assert!(
        started.elapsed() - last.duration_since(started) < Duration::from_secs(20),
        "actions stopped flowing"
    );
    // In one rdx that watched it all, the old sockets' rows are gone, not
    // duplicated as live.
    let o = wait_output(sessions, Duration::from_secs(120), "rdx sessions --for 62s");
    o.expect(0);
    let rows = json_lines(&o);
    let live = rows.iter().filter(|r| r["status"] == "live").count();
    let gone = rows.iter().filter(|r| r["status"] == "gone").count();
    assert_eq!(live, 1, "one live row for the app: {rows:?}");
    assert!(
        gone >= 1,
        "the dropped sockets are listed as gone: {rows:?}"
    );
}
