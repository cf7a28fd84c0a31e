//! End-to-end reliability against the real server: restarts during a `tail`,
//! and an idle link kept alive across several pingTimeouts.

use crate::util::e2e::{Apps, NodeProc, Server, spawn_rdx};
use crate::util::*;

use std::io::{BufRead, BufReader};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

const WATCHDOG: Duration = Duration::from_secs(60);

fn server_on(port: u16) -> NodeProc {
    crate::util::e2e::server_on(port)
        .unwrap_or_else(|| panic!("the server could not start on port {port}"))
        .0
}

/// Lines of a child's pipe, on a channel.
fn lines_of(r: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(r).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    rx
}

fn wait_line(rx: &mpsc::Receiver<String>, what: &str, pred: impl Fn(&str) -> bool) -> String {
    let end = Instant::now() + WATCHDOG;
    loop {
        match rx.recv_timeout(end.saturating_duration_since(Instant::now())) {
            Ok(l) if pred(&l) => return l,
            Ok(_) => {}
            Err(_) => panic!("watchdog: no line with {what} within {WATCHDOG:?}"),
        }
    }
}

#[test]
fn e2e_server_restarts_five_times_during_a_tail() {
    let port = free_port();
    let mut server = server_on(port);
    let url = format!("ws://127.0.0.1:{port}/socketcluster/");
    let mut apps = Apps::start_on(port, &["shop"], &["--stdin-control", "--fast-reconnect"]);
    let mut old = Apps::start_on(port, &["old"], &["--stdin-control"]);

    let mut tail = spawn_rdx(&["--url", &url, "tail", "--json", "--type", "^(probe|final)/"]);
    let out = lines_of(tail.stdout.take().unwrap());
    let err = lines_of(tail.stderr.take().unwrap());
    let sessions = spawn_rdx(&["--url", &url, "sessions", "--json", "--all", "--for", "45s"]);

    // Streaming before any restart; then the "old" app goes away for good.
    let probe_in = |apps: &mut Apps, store: &str, tag: &str| {
        let mut n = 0;
        loop {
            apps.0.send_line(&format!("dispatch {store} probe/{tag}"));
            n += 1;
            let got = out.recv_timeout(Duration::from_millis(300));
            if got.is_ok_and(|l| l.contains(&format!("probe/{tag}"))) {
                return;
            }
            assert!(n < 200, "no probe/{tag} action of {store} reached rdx");
        }
    };
    let probe = |apps: &mut Apps, tag: &str| probe_in(apps, "shop", tag);
    probe(&mut apps, "start");
    // "old" is connected (rdx heard it) before it quits.
    probe_in(&mut old, "old", "old");
    old.0.send_line("quit");
    // Gone for good before the first restart (DISCONNECTED), or unheard
    // after rdx reconnects (inferred gone): either way, listed as gone.
    let _ = old.0.child.wait();

    for k in 1..=5 {
        server.kill();
        let down = wait_line(&err, "lost the link", |l| l.contains("lost the link"));
        assert!(down.contains("1006") || down.contains("closed"), "{down}");
        server = server_on(port);
        let up = Instant::now();
        wait_line(&err, "reconnected", |l| l.contains("reconnected"));
        let reconnect_ms = up.elapsed().as_millis();
        probe(&mut apps, &format!("after-{k}"));
        let flowing_ms = up.elapsed().as_millis();
        eprintln!(
            "restart {k}: rdx reconnected {reconnect_ms} ms after the server was up; actions flowing after {flowing_ms} ms"
        );
    }
    // Nothing dispatched after the last restart is missed, in order.
    for i in 0..10 {
        apps.0.send_line(&format!("dispatch shop final/{i}"));
    }
    let mut finals = Vec::new();
    while finals.len() < 10 {
        let l = wait_line(&out, "final actions", |l| l.contains("final/"));
        let v: Value = serde_json::from_str(&l).unwrap();
        finals.push(v["action_type"].as_str().unwrap().to_string());
    }
    let want: Vec<String> = (0..10).map(|i| format!("final/{i}")).collect();
    assert_eq!(finals, want);
    let _ = tail.kill();
    let _ = tail.wait();

    // The registry kept the instance that left before the restarts.
    let o = wait_output(sessions, Duration::from_secs(90), "rdx sessions --for 45s");
    o.expect(0);
    let list = json_lines(&o);
    let old_row = list
        .iter()
        .find(|i| i["app"] == "old")
        .unwrap_or_else(|| panic!("{list:?}"));
    assert_eq!(old_row["status"], "gone");
    let shop = list.iter().find(|i| i["app"] == "shop").unwrap();
    assert_eq!(shop["status"], "live");
    assert_eq!(
        list.iter().filter(|i| i["app"] == "shop").count(),
        1,
        "one instance across reconnects: {list:?}"
    );
    drop(server);
}

#[test]
fn e2e_idle_for_two_ping_timeouts_keeps_the_link() {
    let server = Server::start();
    let url = server.url();
    let child = spawn_rdx(&["--url", &url, "--verbose", "sessions", "--for", "65s"]);
    let o = wait_output(child, Duration::from_secs(120), "rdx sessions --for 65s");
    o.expect(0);
    assert!(stderr(&o).contains("pingTimeout 30s"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("lost the link"), "{}", stderr(&o));
}
