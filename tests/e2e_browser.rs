//! End-to-end with a real browser: the real `@redux-devtools/cli` server, a
//! real React + Redux Toolkit page (tests/browser, built by Vite) in Debian's
//! headless Chromium, and the real rdx binary. Each test starts its own
//! server on a free loopback port and its own Chromium (tabs share it).
//!
//! What a browser does that a Node store does not (PROTOCOL.md §8): the page
//! dispatches its load-time actions before its socket is up, so they exist
//! only in its lifted history (the STATE); a reload is a new store with a new
//! instanceId; after a server restart the page reconnects 10-20 s later.
//! These tests check what SPEC.md promises for that ("Every action once",
//! "Reloads: a selection follows its app", the registry's counters).

use crate::util::browser::Browser;
use crate::util::e2e::{Server, server_on};
use crate::util::proxy::Proxy;
use crate::util::running::Rdx;
use crate::util::*;

use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Longest wait for one thing rdx should print.
const WATCHDOG: Duration = Duration::from_secs(30);

fn s(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_string()
}

/// Epoch ms of an RFC 3339 UTC time with ms (`2026-01-02T03:04:05.678Z`).
fn epoch_ms(ts: &str) -> i64 {
    let b = ts.as_bytes();
    assert!(
        ts.len() >= 20 && b[4] == b'-' && b[10] == b'T',
        "not RFC 3339: {ts}"
    );
    let n = |r: std::ops::Range<usize>| ts[r].parse::<i64>().unwrap();
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    let (hh, mm, ss) = (n(11..13), n(14..16), n(17..19));
    let ms = if b[19] == b'.' { n(20..23) } else { 0 };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    ((days * 24 + hh) * 60 + mm) * 60_000 + ss * 1000 + ms
}

/// `rdx sessions --json` rows (exit 0 asserted).
fn sessions(args: &[&str]) -> Vec<Value> {
    let mut all = args.to_vec();
    all.extend(["sessions", "--json"]);
    let o = run(&all);
    o.expect(0);
    json_lines(&o)
}

fn row<'a>(rows: &'a [Value], id: &str) -> Option<&'a Value> {
    rows.iter().find(|r| r["id"] == id)
}

/// Whether the label store maps `id` to `label` (format-agnostic: any object
/// in the file with that key and that string value).
fn store_maps(v: &Value, id: &str, label: &str) -> bool {
    match v {
        Value::Object(m) => m
            .iter()
            .any(|(k, x)| (k == id && x == label) || store_maps(x, id, label)),
        Value::Array(a) => a.iter().any(|x| store_maps(x, id, label)),
        _ => false,
    }
}

fn read_store(file: &str) -> Value {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{file}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}: {text}"))
}

/// The action lines of one instance: (action_type, payload, via).
fn actions_of(lines: &[Value], instance: &str) -> Vec<(String, Value, String)> {
    lines
        .iter()
        .filter(|l| l["type"] == "action" && l["instance"] == instance)
        .map(|l| {
            (
                s(&l["action_type"]),
                l["action"]["payload"].clone(),
                l["via"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

fn assert_no_init(lines: &[Value], transcript: &str) {
    assert!(
        !lines.iter().any(|l| l["action_type"] == "@@INIT"),
        "@@INIT is not an app action, never printed:\n{transcript}"
    );
}

/// How many STATE messages the tab's page has sent so far.
fn states_sent(browser: &mut Browser, tab: &str) -> usize {
    let sock = browser.socket(tab);
    sock["sent"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["type"] == "STATE")
        .count()
}

/// What `tail --json` printed for `inst` between the probes: `probe/before`,
/// then `kind` with payload `{"n": 0..n}` (all recovered from the page's
/// STATE), then `probe/after`, each once and in order; never `@@INIT`. The
/// load-time actions are scenario a's business: the rest is compared.
fn assert_every_action_once(tail: &mut Rdx, inst: &str, kind: &str, n: usize) {
    let lines = tail.json_so_far();
    let transcript = tail.transcript();
    assert_no_init(&lines, &transcript);
    let got: Vec<(String, Value, String)> = actions_of(&lines, inst)
        .into_iter()
        .filter(|(t, _, _)| !t.starts_with("catalog/"))
        .collect();
    let got_cmp: Vec<(String, Value)> =
        got.iter().map(|(t, p, _)| (t.clone(), p.clone())).collect();
    let mut want: Vec<(String, Value)> = vec![("probe/before".into(), Value::Null)];
    want.extend((0..n).map(|i| (kind.to_string(), json!({ "n": i }))));
    want.push(("probe/after".into(), Value::Null));
    assert_eq!(got_cmp, want, "every action once, in order:\n{transcript}");
    for (t, _, via) in &got {
        if t == kind {
            assert_eq!(
                via, "state",
                "recovered from the page's STATE:\n{transcript}"
            );
        }
    }
}

/// `rdx watch .cart.count --instance-select LABEL --json`, running.
fn watch_cart_count(url: &str, store: &str, label: &str) -> Rdx {
    Rdx::spawn(&[
        "--url",
        url,
        "--labels",
        store,
        "--verbose",
        "watch",
        ".cart.count",
        "--instance-select",
        label,
        "--json",
    ])
}

// ---------------------------------------------------------------------------

/// The harness itself (no new rdx behaviour needed): pages in Chromium reach
/// the real server, and rdx sees them and their state.
#[test]
fn browser_harness_pages_stream_to_the_real_server() {
    let server = Server::start();
    let url = server.url();
    let mut browser = Browser::start(server.port);
    let t1 = browser.open("t1", "shop");
    let t2 = browser.open("t2", "admin");
    let (i1, i2) = (s(&t1["instance"]), s(&t2["instance"]));
    let clicked = browser.click("t1", "add-to-cart");
    assert_eq!(clicked["action_type"], "cart/added");
    assert_eq!(clicked["state"]["cart"]["count"], 1);

    let rows = sessions(&["--url", &url]);
    let r1 = row(&rows, &i1).unwrap_or_else(|| panic!("{i1} not listed: {rows:?}"));
    let r2 = row(&rows, &i2).unwrap_or_else(|| panic!("{i2} not listed: {rows:?}"));
    assert_eq!(r1["app"], "shop");
    assert_eq!(r2["app"], "admin");
    assert_eq!(r1["status"], "live");

    let o = run(&["--url", &url, "state", "--instance", &i1, "--path", ".cart"]);
    o.expect(0);
    let cart: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(cart, clicked["state"]["cart"]);
}

/// a. A page's load-time actions (a data fetch's pending/fulfilled, done
/// before its socket was up) reach a `tail` that started before the page:
/// once each, recovered from the STATE, with their dispatch time; `@@INIT`
/// never. A repeated STATE (another app's START makes rdx re-broadcast START)
/// prints nothing twice.
#[test]
fn browser_load_time_actions_reach_a_tail_started_before_the_page() {
    let server = Server::start();
    let mut tail = Rdx::spawn(&["--url", &server.url(), "--verbose", "tail", "--json"]);
    tail.wait_connected();
    let mut browser = Browser::start(server.port);
    let opened = browser.open("t1", "shop");
    let inst = s(&opened["instance"]);
    assert_eq!(
        opened["load_sent_as_action"], false,
        "harness: the page sent its load-time actions as ACTIONs: {opened}"
    );
    tail.wait_json("catalog/load/fulfilled of the page", |v| {
        v["action_type"] == "catalog/load/fulfilled" && v["instance"] == inst.as_str()
    });

    // Another app starts: rdx re-broadcasts START and the shop page answers
    // with its whole history again.
    let before = states_sent(&mut browser, "t1");
    let admin = browser.open("t2", "admin");
    let admin_inst = s(&admin["instance"]);
    let end = Instant::now() + Duration::from_secs(10);
    while states_sent(&mut browser, "t1") == before {
        assert!(
            Instant::now() < end,
            "the shop page sent no second STATE: rdx did not re-broadcast START when another app started"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let clicked = browser.click("t1", "increment");
    assert_eq!(clicked["action_type"], "counter/incremented");
    tail.wait_json("counter/incremented", |v| {
        v["action_type"] == "counter/incremented" && v["instance"] == inst.as_str()
    });
    tail.wait_json("the admin page's catalog/load/fulfilled", |v| {
        v["action_type"] == "catalog/load/fulfilled" && v["instance"] == admin_inst.as_str()
    });
    // The repeated STATE went out before the click's ACTION, on the same
    // socket: a duplicate from it would be printed before counter/incremented.
    tail.stop();
    let lines = tail.json_so_far();
    let transcript = tail.transcript();
    assert_no_init(&lines, &transcript);

    let got = actions_of(&lines, &inst);
    let types: Vec<&str> = got.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "catalog/load/pending",
            "catalog/load/fulfilled",
            "counter/incremented"
        ],
        "each action once, in order:\n{transcript}"
    );
    let vias: Vec<&str> = got.iter().map(|(_, _, v)| v.as_str()).collect();
    assert_eq!(vias, ["state", "state", "action"], "{transcript}");
    let mine: Vec<&Value> = lines
        .iter()
        .filter(|l| l["instance"] == inst.as_str())
        .collect();
    let ids: Vec<i64> = mine
        .iter()
        .map(|l| l["action_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [1, 2, 3], "{transcript}");
    assert!(mine.iter().all(|l| l["app"] == "shop"), "{transcript}");
    // `ts` is when the page dispatched the action (its lifted timestamp), not
    // when rdx received the STATE (a few hundred ms later).
    for (line, at) in mine.iter().zip(opened["dispatched"].as_array().unwrap()) {
        let ts = epoch_ms(&s(&line["ts"]));
        let at = at["at"].as_i64().unwrap();
        assert!(
            (ts - at).abs() <= 50,
            "{} printed with ts {} but dispatched at {at} ({} ms apart)\n{transcript}",
            line["action_type"],
            line["ts"],
            ts - at
        );
    }
    let admin_types: Vec<String> = actions_of(&lines, &admin_inst)
        .into_iter()
        .map(|(t, _, _)| t)
        .collect();
    assert_eq!(
        admin_types,
        ["catalog/load/pending", "catalog/load/fulfilled"],
        "{transcript}"
    );
}

/// b. A tab reloads under `watch --instance-select LABEL`: watch follows the
/// new instance (says so, prints its value again, then its changes), and the
/// label moves to it in the label store.
#[test]
fn browser_reload_under_watch_of_a_label_follows_the_tab_and_moves_the_label() {
    let server = Server::start();
    let url = server.url();
    let dir = TempDir::new("browser-label");
    let store = dir.join("labels.json");
    let mut browser = Browser::start(server.port);
    let old = s(&browser.open("t1", "shop")["instance"]);

    let rows = sessions(&["--url", &url, "--app", "shop"]);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["id"], old.as_str());
    let o = run(&["--labels", &store, "sessions", "label", &old, "my-cart"]);
    o.expect(0);

    let mut watch = watch_cart_count(&url, &store, "my-cart");
    let v = watch.wait_json("the first value", |v| v["type"] == "value");
    assert_eq!(v["instance"], old.as_str());
    assert_eq!(v["value"], 0);
    assert_eq!(v["label"], "my-cart", "every line carries the label");
    browser.click("t1", "add-to-cart");
    watch.wait_json("a change to 1", |v| v["type"] == "change" && v["new"] == 1);

    let reloaded = browser.reload("t1");
    assert_eq!(reloaded["old_instance"], old.as_str());
    let new = s(&reloaded["instance"]);
    assert_ne!(new, old);
    watch.wait_stderr(&["reloaded as", "following it"]);
    let v = watch.wait_json("the new instance's value", |v| {
        v["type"] == "value" && v["instance"] == new.as_str()
    });
    assert_eq!(v["value"], 0, "a reloaded page starts with an empty cart");
    let clicked = browser.click("t1", "add-to-cart");
    assert_eq!(clicked["instance"], new.as_str());
    let c = watch.wait_json("a change in the reloaded tab", |v| {
        v["type"] == "change" && v["instance"] == new.as_str()
    });
    assert_eq!(c["new"], 1);
    assert_eq!(c["action_type"], "cart/added");
    assert_eq!(c["label"], "my-cart", "the label moved with the reload");
    watch.stop();

    let rows = sessions(&["--url", &url, "--labels", &store]);
    let r = row(&rows, &new).unwrap_or_else(|| panic!("{new} not listed: {rows:?}"));
    assert_eq!(r["label"], "my-cart", "{rows:?}");
    assert!(
        !rows
            .iter()
            .any(|r| r["id"] != new.as_str() && r["label"] == "my-cart"),
        "{rows:?}"
    );
    let file = read_store(&store);
    assert!(store_maps(&file, &new, "my-cart"), "{file}");
    assert!(!store_maps(&file, &old, "my-cart"), "{file}");
}

/// c. The same under `watch --app NAME`, with another app's tab open.
#[test]
fn browser_reload_under_watch_app_follows_the_tab() {
    let server = Server::start();
    let url = server.url();
    let mut browser = Browser::start(server.port);
    let old = s(&browser.open("t1", "shop")["instance"]);
    let admin = s(&browser.open("t2", "admin")["instance"]);

    let mut watch = Rdx::spawn(&[
        "--url",
        &url,
        "--verbose",
        "watch",
        ".cart.count",
        "--app",
        "shop",
        "--json",
    ]);
    let v = watch.wait_json("the first value", |v| v["type"] == "value");
    assert_eq!(v["instance"], old.as_str());

    let new = s(&browser.reload("t1")["instance"]);
    watch.wait_stderr(&["reloaded as", "following it"]);
    watch.wait_json("the new instance's value", |v| {
        v["type"] == "value" && v["instance"] == new.as_str()
    });
    browser.click("t2", "add-to-cart"); // the other app: not watched
    browser.click("t1", "add-to-cart");
    let c = watch.wait_json("a change in the reloaded tab", |v| v["type"] == "change");
    assert_eq!(c["instance"], new.as_str(), "{}", watch.transcript());
    assert_eq!(c["new"], 1);
    watch.stop();
    let lines = watch.json_so_far();
    assert!(
        !lines.iter().any(|l| l["instance"] == admin.as_str()),
        "{}",
        watch.transcript()
    );
}

/// d. Two tabs of one app, the label on tab 1; tab 1 reloads: the label ends
/// on tab 1's new instance, never on tab 2.
#[test]
fn browser_reload_of_one_of_two_tabs_moves_the_label_to_that_tab() {
    let server = Server::start();
    let url = server.url();
    let dir = TempDir::new("browser-two-tabs");
    let store = dir.join("labels.json");
    let mut browser = Browser::start(server.port);
    let first = s(&browser.open("t1", "shop")["instance"]);
    let second = s(&browser.open("t2", "shop")["instance"]);

    let rows = sessions(&["--url", &url, "--app", "shop"]);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        row(&rows, &first).is_some() && row(&rows, &second).is_some(),
        "{rows:?}"
    );
    let o = run(&["--labels", &store, "sessions", "label", &first, "tab-one"]);
    o.expect(0);

    let mut watch = watch_cart_count(&url, &store, "tab-one");
    let v = watch.wait_json("the first value", |v| v["type"] == "value");
    assert_eq!(v["instance"], first.as_str());

    let reloaded = s(&browser.reload("t1")["instance"]);
    watch.wait_stderr(&["reloaded as", "following it"]);
    watch.wait_json("the reloaded tab's value", |v| {
        v["type"] == "value" && v["instance"] == reloaded.as_str()
    });
    browser.click("t2", "add-to-cart");
    browser.click("t2", "add-to-cart");
    browser.click("t1", "add-to-cart");
    let c = watch.wait_json("a change", |v| v["type"] == "change");
    assert_eq!(c["instance"], reloaded.as_str(), "{}", watch.transcript());
    assert_eq!(c["new"], 1, "{}", watch.transcript());
    watch.stop();

    let rows = sessions(&["--url", &url, "--labels", &store, "--app", "shop"]);
    let r = row(&rows, &reloaded).unwrap_or_else(|| panic!("{reloaded} not listed: {rows:?}"));
    assert_eq!(r["label"], "tab-one", "{rows:?}");
    let r2 = row(&rows, &second).unwrap_or_else(|| panic!("{second} not listed: {rows:?}"));
    assert_eq!(r2["label"], Value::Null, "{rows:?}");
    let file = read_store(&store);
    assert!(store_maps(&file, &reloaded, "tab-one"), "{file}");
    assert!(!store_maps(&file, &second, "tab-one"), "{file}");
}

/// e. The server restarts (same port) under `tail --json`; the page
/// dispatches while it is down and comes back 10-20 s later on its own:
/// every action of the outage is printed once, in order.
#[test]
fn browser_actions_during_a_server_restart_are_printed_once() {
    let (port, mut server) = (0..3)
        .find_map(|_| {
            let port = free_port();
            server_on(port).map(|(s, _)| (port, s))
        })
        .expect("the DevTools server did not start on a free port in 3 tries");
    let url = format!("ws://127.0.0.1:{port}/socketcluster/");
    let mut tail = Rdx::spawn(&["--url", &url, "--verbose", "tail", "--json"]);
    tail.wait_connected();
    let mut browser = Browser::start(port);
    let inst = s(&browser.open("t1", "shop")["instance"]);
    // Streaming first (rdx's START reached the page), so that probe/before
    // goes out as an ACTION: what follows is about the outage alone.
    browser.wait_socket("t1", "monitored", WATCHDOG);
    browser.dispatch("t1", "probe/before", None);
    tail.wait_json("probe/before", |v| v["action_type"] == "probe/before");

    server.kill();
    browser.wait_socket("t1", "closed", WATCHDOG);
    const N: usize = 5;
    for i in 0..N {
        browser.dispatch("t1", "outage/noted", Some(&json!({ "n": i })));
    }
    let down_at = Instant::now();
    server = server_on(port)
        .map(|(s, _)| s)
        .unwrap_or_else(|| panic!("the server could not restart on port {port}"));
    // socketcluster-client in the page waits 10-20 s before it reconnects.
    let back = browser.wait_socket("t1", "open", Duration::from_secs(45));
    eprintln!(
        "the page was back {:.1} s after the outage began (socket opens: {})",
        down_at.elapsed().as_secs_f64(),
        back["opens"]
    );
    tail.wait_json("the last action of the outage", |v| {
        v["action_type"] == "outage/noted" && v["action"]["payload"]["n"] == N - 1
    });
    browser.dispatch("t1", "probe/after", None);
    tail.wait_json("probe/after", |v| v["action_type"] == "probe/after");
    tail.stop();
    assert_every_action_once(&mut tail, &inst, "outage/noted", N);
    drop(server);
}

/// f. rdx's own link is cut for a few seconds (rdx -> proxy -> server) while
/// the server and the page stay up: every action dispatched during the cut
/// is printed once, after it.
#[test]
fn browser_actions_during_a_cut_of_rdx_link_are_printed_once() {
    let server = Server::start();
    let proxy = Proxy::start(server.port);
    let mut tail = Rdx::spawn(&["--url", &proxy.url(), "--verbose", "tail", "--json"]);
    tail.wait_connected();
    let mut browser = Browser::start(server.port);
    let inst = s(&browser.open("t1", "shop")["instance"]);
    // Streaming first (rdx's START reached the page), so that probe/before
    // goes out as an ACTION: what follows is about the outage alone.
    browser.wait_socket("t1", "monitored", WATCHDOG);
    browser.dispatch("t1", "probe/before", None);
    tail.wait_json("probe/before", |v| v["action_type"] == "probe/before");

    proxy.cut();
    const N: usize = 5;
    for i in 0..N {
        browser.dispatch("t1", "cut/noted", Some(&json!({ "n": i })));
    }
    // The cut lasts a few seconds (rdx notices and retries meanwhile); its
    // length is the point, there is nothing to await.
    std::thread::sleep(Duration::from_secs(3));
    proxy.restore();
    tail.wait_json("the last action of the cut", |v| {
        v["action_type"] == "cut/noted" && v["action"]["payload"]["n"] == N - 1
    });
    browser.dispatch("t1", "probe/after", None);
    tail.wait_json("probe/after", |v| v["action_type"] == "probe/after");
    tail.stop();
    assert_every_action_once(&mut tail, &inst, "cut/noted", N);
    assert!(proxy.accepted() >= 2, "rdx reconnected through the proxy");
}

/// g. Right after a page loaded, with no monitor before: `sessions` shows the
/// actions it did (from its first STATE), not 0 and `-`.
#[test]
fn browser_sessions_counts_the_load_time_actions() {
    let server = Server::start();
    let url = server.url();
    let mut browser = Browser::start(server.port);
    let inst = s(&browser.open("t1", "shop")["instance"]);
    let received = browser.socket("t1")["received"].clone();
    assert_eq!(received, json!([]), "harness: nothing STARTed the page yet");
    let rows = sessions(&["--url", &url]);
    let r = row(&rows, &inst).unwrap_or_else(|| panic!("{inst} not listed: {rows:?}"));
    assert_eq!(r["app"], "shop");
    assert_eq!(r["status"], "live");
    assert!(r["actions"].as_u64().unwrap_or(0) >= 2, "{r}");
    assert_eq!(r["last_action"], "catalog/load/fulfilled", "{r}");

    browser.click("t1", "add-to-cart");
    let rows = sessions(&["--url", &url]);
    let r = row(&rows, &inst).unwrap_or_else(|| panic!("{inst} not listed: {rows:?}"));
    assert_eq!(r["actions"], 3, "{r}");
    assert_eq!(r["last_action"], "cart/added", "{r}");
}
