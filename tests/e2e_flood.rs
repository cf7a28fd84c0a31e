//! Every message accounted for under load (issue 13): four raw app sockets
//! flood the real server with ACTIONs while rdx's own link (through a TCP
//! proxy) is cut and restored. Per instance, what rdx prints plus what it
//! reports lost is every id the apps sent, nothing twice, in order; and
//! that is what a second monitor that was never cut received. (Raw sockets
//! do not answer UPDATE, so what the cut took is reported, not recovered.)

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::e2e::{Monitor, NodeProc, Server, spawn_rdx};
use crate::util::proxy::Proxy;

const STORES: usize = 4;
const PER_STORE: i64 = 2500;

#[test]
fn e2e_a_flood_across_a_cut_link_is_printed_or_reported_lost_once_each() {
    let server = Server::start();
    let proxy = Proxy::start(server.port);
    let monitor = Monitor::start(&server);
    let mut rdx = spawn_rdx(&["--url", &proxy.url(), "--verbose", "tail", "--json"]);
    let (tx, lines) = mpsc::channel::<Value>();
    let out = rdx.stdout.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(out).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&l)
                && tx.send(v).is_err()
            {
                break;
            }
        }
    });
    let err = rdx.stderr.take().unwrap();
    let (etx, erx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for l in BufReader::new(err).lines().map_while(Result::ok) {
            let _ = etx.send(l);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while !erx
        .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        .expect("rdx connects")
        .contains("connected as")
    {}

    let count = (STORES as i64 * PER_STORE).to_string();
    let flood = NodeProc::spawn(
        "flood.js",
        &[
            "--port".into(),
            server.port.to_string(),
            "--count".into(),
            count,
            "--stores".into(),
            STORES.to_string(),
            "--pause-every".into(),
            "25".into(),
            "--pause-ms".into(),
            "40".into(),
        ],
        "flood",
    );
    // The flood takes about 4 s. Cut rdx's link once a fifth of it has been
    // printed, for a second (the flood goes on meanwhile), then restore it:
    // rdx is back before the flood ends, so it learns of the last ids.
    let mut got: Vec<Value> = Vec::new();
    let watchdog = Instant::now() + Duration::from_secs(60);
    while got.len() < (STORES as i64 * PER_STORE / 5) as usize {
        let left = watchdog.saturating_duration_since(Instant::now());
        got.push(lines.recv_timeout(left).expect("rdx prints the flood"));
    }
    proxy.cut();
    std::thread::sleep(Duration::from_secs(1)); // the cut itself: nothing to await
    proxy.restore();
    flood.wait_for(Duration::from_secs(120), "the flood's end", |v| {
        v["sent"].is_number()
    });

    // Wait until every instance's last id is accounted for (printed, or in a
    // gap), then stop rdx.
    let last = PER_STORE - 1;
    let covered = |got: &[Value], inst: &str| {
        got.iter().any(|l| {
            l["instance"] == inst
                && (l["action_id"] == last || (l["type"] == "gap" && l["to_id"] == last))
        })
    };
    let watchdog = Instant::now() + Duration::from_secs(60);
    while !(0..STORES).all(|s| covered(&got, &format!("inst{s}"))) {
        let left = watchdog.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(v) => got.push(v),
            Err(_) => panic!("rdx did not account for the last ids: {} lines", got.len()),
        }
    }
    let _ = rdx.kill();
    let _ = rdx.wait();
    let stderr: Vec<String> = erx.try_iter().collect();
    assert!(
        stderr.iter().any(|l| l.contains("reconnected")),
        "the cut was seen: {stderr:?}"
    );

    // What the never-cut monitor received, per instance.
    let mut relayed: BTreeMap<String, i64> = BTreeMap::new();
    for v in monitor.0.drain() {
        if v["type"] == "ACTION" {
            *relayed
                .entry(v["instanceId"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
    }
    let mut lost_total = 0;
    for s in 0..STORES {
        let inst = format!("inst{s}");
        let mut next = 0i64; // ids start at 0 (nextActionId 1) in flood.js
        let mut printed = 0i64;
        let mut lost = 0i64;
        for l in got.iter().filter(|l| l["instance"] == inst.as_str()) {
            match l["type"].as_str() {
                Some("action") => {
                    let id = l["action_id"].as_i64().unwrap();
                    assert_eq!(id, next, "{inst}: ids once each, in order");
                    next = id + 1;
                    printed += 1;
                }
                Some("gap") => {
                    let (from, to) = (l["from_id"].as_i64().unwrap(), l["to_id"].as_i64().unwrap());
                    assert_eq!(from, next, "{inst}: the gap starts where printing stopped");
                    assert_eq!(l["lost"].as_i64().unwrap(), to - from + 1);
                    next = to + 1;
                    lost += to - from + 1;
                }
                _ => {}
            }
        }
        assert_eq!(next, PER_STORE, "{inst}: every id accounted for");
        assert_eq!(printed + lost, PER_STORE, "{inst}");
        // Nothing the server relayed is missing: the uncut monitor saw what
        // the apps sent, which is what rdx printed or reported.
        assert_eq!(
            relayed.get(&inst).copied(),
            Some(PER_STORE),
            "{inst}: {relayed:?}"
        );
        lost_total += lost;
    }
    assert!(
        lost_total > 0,
        "the cut lost something (else it tested nothing)"
    );
}
