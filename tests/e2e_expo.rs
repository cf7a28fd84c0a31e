//! End-to-end with the real Expo parts (issue 21, shared/EXPO.md): the Expo
//! CLI dev server of SDK 57 on a free loopback port, whose
//! `/expo-dev-plugins/broadcast` socket carries the frames of
//! `redux-devtools-expo-dev-plugin`; the Expo web build of tests/expo/App.js
//! in Debian's headless Chromium; a Node stand-in with the real enhancer and
//! the real `@expo/devtools` client; the plugin's own web UI. Each test
//! starts its own dev server (and Chromium). Helpers: tests/util/expo.rs.
//!
//! The `expo_harness_*` tests need nothing of rdx: a plain tungstenite
//! monitor checks that the parts talk as EXPO.md says. The others run the
//! real rdx binary with `--url expo://127.0.0.1:PORT`. (`rdx ui` on the dev
//! server is in tests/ui.rs.)

use crate::util::expo::{
    ExpoApp, ExpoBrowser, ExpoMonitor, ExpoServer, PLUGIN, WEBUI, action_of, lifted_action_types,
    payload_of,
};
use crate::util::running::Rdx;
use crate::util::*;

use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Longest wait for one thing rdx should print.
const WATCHDOG: Duration = Duration::from_secs(30);

/// Wait until a `respond START` (rdx's, when no web UI is open) reached
/// the stand-in; fail with rdx's transcript if rdx ends first.
fn started_by(app: &mut ExpoApp, rdx: &mut Rdx) {
    let end = Instant::now() + WATCHDOG;
    while app
        .try_wait_respond("START", Duration::from_millis(500))
        .is_none()
    {
        rdx.assert_running();
        assert!(
            Instant::now() < end,
            "watchdog: no START reached the stand-in within {WATCHDOG:?}\n{}",
            rdx.transcript()
        );
    }
}

/// Wait until a `respond START` reached the tab since its socket opened;
/// fail with rdx's transcript if rdx ends first.
fn monitored_by(browser: &mut ExpoBrowser, tab: &str, rdx: &mut Rdx) {
    let end = Instant::now() + WATCHDOG;
    while browser
        .try_wait_socket(tab, "monitored", Duration::from_millis(500))
        .is_err()
    {
        rdx.assert_running();
        assert!(
            Instant::now() < end,
            "watchdog: no START reached tab {tab} within {WATCHDOG:?}\n{}",
            rdx.transcript()
        );
    }
}

fn s(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_string()
}

/// `tail --json` lines of one instance: (action_type, payload, via).
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

fn types_of(lines: &[Value], instance: &str) -> Vec<String> {
    actions_of(lines, instance)
        .into_iter()
        .map(|(t, _, _)| t)
        .collect()
}

fn assert_no_init(lines: &[Value], transcript: &str) {
    assert!(
        !lines.iter().any(|l| l["action_type"] == "@@INIT"),
        "@@INIT is not an app action, never printed:\n{transcript}"
    );
}

// ---------------------------------------------------------------------------
// The harness (no rdx needed)

/// The stand-in through the real dev server: a silent monitor sees only its
/// handshake and START (no history, nothing streamed unasked); after the
/// monitor's `respond START`, a STATE with the earlier action in its lifted
/// history, then one ACTION per dispatch, in order, each with the state after
/// it; every plugin frame is JSON text; a reload is a new socket with a new
/// store (new id and instanceId, same name).
#[test]
fn expo_harness_standin_streams_to_a_plain_monitor() {
    let server = ExpoServer::start_without_bundle();
    let mut mon = ExpoMonitor::connect(&server);
    let mut app = ExpoApp::start(&server, "standin-shop", &[]);
    let inst = app.instance();
    assert_eq!(app.ready["instance"], inst.as_str());
    let id = s(&app.stores[0]["id"]);

    let hs = mon.wait_frame("the stand-in's handshake", |f| f.is_handshake());
    let hs = hs.json.unwrap();
    assert_eq!(hs["pluginName"], PLUGIN);
    assert_eq!(hs["method"], "handshake");
    let start = mon.wait_log("the stand-in's START", |m| m["type"] == "START");
    assert_eq!(start["instanceId"], inst.as_str());
    assert_eq!(start["id"], id.as_str());
    assert_eq!(start["name"], "standin-shop");

    // Not monitored yet: this one stays in the lifted history.
    app.dispatch("counter/increment", None);
    mon.respond("START");
    app.wait_respond("START");
    assert_eq!(app.responds("START"), 1);
    let state = mon.wait_log("the STATE answering START", |m| {
        m["type"] == "STATE" && m["instanceId"] == inst.as_str()
    });
    assert_eq!(lifted_action_types(&state), ["counter/increment"]);
    assert!(
        !mon.frames()
            .iter()
            .any(|f| f.log().is_some_and(|m| m["type"] == "ACTION")),
        "an ACTION went out before the monitor's START"
    );

    let sent = [
        ("counter/incrementByAmount", Some(json!(5))),
        ("cart/itemAdded", Some(json!("apple"))),
        ("counter/increment", None),
    ];
    for (ty, payload) in &sent {
        let d = app.dispatch(ty, payload.as_ref());
        let m = mon.wait_log(&format!("the ACTION {ty}"), |m| {
            m["type"] == "ACTION" && m["instanceId"] == inst.as_str()
        });
        let a = action_of(&m);
        assert_eq!(a["type"], *ty, "in order: {m}");
        assert_eq!(a["payload"], payload.clone().unwrap_or(Value::Null));
        assert_eq!(payload_of(&m), d["state"], "the state after the action");
    }
    assert!(
        mon.frames().iter().all(|f| !f.binary),
        "the plugin's frames are all JSON text (EXPO.md §2.2)"
    );

    let r = app.reload();
    let new = s(&r["instance"]);
    assert_eq!(r["old_instance"], inst.as_str());
    assert_ne!(new, inst);
    mon.wait_frame("the reloaded stand-in's handshake", |f| f.is_handshake());
    let start = mon.wait_log("the reloaded stand-in's START", |m| m["type"] == "START");
    assert_eq!(start["instanceId"], new.as_str());
    assert_eq!(start["name"], "standin-shop");
    assert_ne!(start["id"], id.as_str());
    // The old socket's close may come after the new one opened.
    app.wait_socket("closed", WATCHDOG);
    let st = app.status();
    assert_eq!(st["opens"], 2, "a reload is a new socket: {st}");
    assert_eq!(st["closes"], 1, "{st}");
    let opened = app.lines().iter().filter(|l| l["socket"] == "open").count();
    assert_eq!(opened, 2);
}

/// The Expo web build in Chromium through the real dev server: the page's
/// START; its load-time actions in the STATE answering a monitor's START;
/// clicks as ACTIONs with their payloads and states; the plugin's web UI
/// sends its own `respond START` and gets the page's STATE.
#[test]
fn expo_harness_web_app_and_web_ui_stream_to_a_plain_monitor() {
    let server = ExpoServer::start();
    let mut mon = ExpoMonitor::connect(&server);
    let mut browser = ExpoBrowser::start(&server);
    let opened = browser.open("t1", "web-shop");
    let inst = s(&opened["instance"]);
    assert_eq!(
        opened["dispatched"],
        json!(["app/booted", "app/catalogLoaded"]),
        "{opened}"
    );
    mon.wait_frame("the page's handshake", |f| f.is_handshake());
    let start = mon.wait_log("the page's START", |m| m["type"] == "START");
    assert_eq!(start["instanceId"], inst.as_str());
    assert_eq!(start["name"], "web-shop");

    mon.respond("START");
    browser.wait_socket("t1", "monitored", WATCHDOG);
    let state = mon.wait_log("the page's STATE", |m| {
        m["type"] == "STATE" && m["instanceId"] == inst.as_str()
    });
    assert_eq!(
        lifted_action_types(&state),
        ["app/booted", "app/catalogLoaded"],
        "the load-time actions, only in the lifted history"
    );

    for (button, ty, payload) in [
        ("inc", "counter/increment", Value::Null),
        ("add5", "counter/incrementByAmount", json!(5)),
        ("add-item", "cart/itemAdded", json!("apple")),
    ] {
        let clicked = browser.click("t1", button);
        assert_eq!(clicked["action_type"], ty);
        let m = mon.wait_log(&format!("the ACTION {ty}"), |m| {
            m["type"] == "ACTION" && m["instanceId"] == inst.as_str()
        });
        let a = action_of(&m);
        assert_eq!(a["type"], ty, "in order: {m}");
        assert_eq!(a["payload"], payload);
        assert_eq!(payload_of(&m), clicked["state"]);
    }
    let direct = browser.dispatch("t1", "counter/incrementByAmount", Some(&json!(7)));
    let m = mon.wait_log("the directly dispatched ACTION", |m| {
        m["type"] == "ACTION" && m["instanceId"] == inst.as_str()
    });
    assert_eq!(action_of(&m)["payload"], 7);
    assert_eq!(payload_of(&m), direct["state"]);
    assert_eq!(browser.state("t1")["state"]["counter"]["value"], 13);
    let sock = browser.socket("t1");
    assert!(
        sock["sent"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["binary"].is_null()),
        "the page sent only text frames: {sock}"
    );

    let ui = browser.webui("ui");
    assert!(s(&ui["url"]).ends_with(WEBUI), "{ui}");
    assert!(
        ui["socket"]["sent"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["method"] == "respond" && f["type"] == "START"),
        "{ui}"
    );
    mon.wait_frame("the web UI's respond START", |f| {
        f.respond().is_some_and(|p| p["type"] == "START")
    });
    mon.wait_log("the page's STATE for the web UI", |m| {
        m["type"] == "STATE" && m["instanceId"] == inst.as_str()
    });
    let ui = browser.wait_socket("ui", "open", WATCHDOG);
    assert!(
        ui["received"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["type"] == "STATE" && f["instanceId"] == inst.as_str()),
        "the web UI got the page's STATE: {ui}"
    );
    browser.close("ui");
}

// ---------------------------------------------------------------------------
// rdx against the real Expo parts (`--url expo://HOST:PORT`).

/// `sessions --json` lists the stand-in's stores,
/// which started before rdx (rdx's START brings their STATE).
#[test]
fn expo_sessions_lists_the_standins_stores() {
    let server = ExpoServer::start_without_bundle();
    let mut app = ExpoApp::start(
        &server,
        "standin-shop",
        &["--name", "standin-admin", "--stores", "2"],
    );
    // Before rdx is there: in each store's lifted history only.
    app.dispatch_to("*", "counter/increment", None);
    let o = run(&["--url", &server.url(), "sessions", "--json", "--for", "3s"]);
    o.expect(0);
    let rows = json_lines(&o);
    assert_eq!(rows.len(), 2, "{rows:#?}");
    let mut ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut want = app.instances();
    ids.sort();
    want.sort();
    assert_eq!(ids, want);
    for st in &app.stores {
        let r = rows
            .iter()
            .find(|r| r["id"] == st["instance"])
            .unwrap_or_else(|| panic!("{} not listed: {rows:#?}", st["instance"]));
        assert_eq!(r["app"], st["store"], "{r}");
        assert_eq!(r["status"], "live", "{r}");
        assert_eq!(r["actions"], 1, "the action from the STATE: {r}");
    }
}

/// `tail --json --count 3` gets the stand-in's 3
/// actions, in order, with their types and payloads, and ends.
#[test]
fn expo_tail_counts_the_dispatched_actions_in_order() {
    let server = ExpoServer::start_without_bundle();
    let mut app = ExpoApp::start(&server, "standin-shop", &[]);
    let mut tail = Rdx::spawn(&["--url", &server.url(), "tail", "--json", "--count", "3"]);
    // No web UI here: rdx asks the app to stream.
    started_by(&mut app, &mut tail);
    app.dispatch("counter/increment", None);
    app.dispatch("counter/incrementByAmount", Some(&json!(5)));
    app.dispatch("cart/itemAdded", Some(&json!("apple")));
    let code = tail.wait_exit();
    assert_eq!(code, 0, "{}", tail.transcript());
    let lines = tail.json_so_far();
    let inst = app.instance();
    let got: Vec<(String, Value)> = actions_of(&lines, &inst)
        .into_iter()
        .map(|(t, p, _)| (t, p))
        .collect();
    assert_eq!(
        got,
        [
            ("counter/increment".to_string(), Value::Null),
            ("counter/incrementByAmount".to_string(), json!(5)),
            ("cart/itemAdded".to_string(), json!("apple")),
        ],
        "{lines:#?}"
    );
    assert!(
        lines.iter().all(|l| l["app"] == "standin-shop"),
        "{lines:#?}"
    );
}

/// A `tail` started before the page: the page's
/// load-time actions (dispatched before anyone asked: only in the STATE that
/// rdx's START brings) and its clicks, each once, in order; `@@INIT` never.
#[test]
fn expo_browser_load_time_and_click_actions_reach_tail() {
    let server = ExpoServer::start();
    let mut tail = Rdx::spawn(&["--url", &server.url(), "--verbose", "tail", "--json"]);
    let mut browser = ExpoBrowser::start(&server);
    let inst = s(&browser.open("t1", "web-shop")["instance"]);
    // rdx's START reached the page (no web UI is open).
    monitored_by(&mut browser, "t1", &mut tail);
    tail.wait_json("app/catalogLoaded of the page", |v| {
        v["action_type"] == "app/catalogLoaded" && v["instance"] == inst.as_str()
    });
    browser.click("t1", "inc");
    browser.click("t1", "add5");
    tail.wait_json("counter/incrementByAmount", |v| {
        v["action_type"] == "counter/incrementByAmount" && v["instance"] == inst.as_str()
    });
    tail.stop();
    let lines = tail.json_so_far();
    let transcript = tail.transcript();
    // Shown with --nocapture (the closing note's transcript).
    eprintln!(
        "rdx --url {} --verbose tail --json:\n{transcript}",
        server.url()
    );
    assert_no_init(&lines, &transcript);
    let got = actions_of(&lines, &inst);
    let types: Vec<&str> = got.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "app/booted",
            "app/catalogLoaded",
            "counter/increment",
            "counter/incrementByAmount"
        ],
        "each action once, in order:\n{transcript}"
    );
    assert_eq!(got[3].1, json!(5), "{transcript}");
    let vias: Vec<&str> = got.iter().map(|(_, _, v)| v.as_str()).collect();
    assert_eq!(
        &vias[..2],
        ["state", "state"],
        "the load-time actions come from the STATE:\n{transcript}"
    );
    assert!(
        lines
            .iter()
            .filter(|l| l["instance"] == inst.as_str())
            .all(|l| l["app"] == "web-shop"),
        "{transcript}"
    );
}

/// A tab labelled with `sessions label`, watched
/// with `watch --instance-select LABEL`; the tab reloads (a new store, a new
/// instanceId): both watches (`--json` and plain) print the new instance's
/// value again, and follow its changes under the label.
#[test]
fn expo_browser_reload_under_watch_of_a_label_prints_the_new_instance() {
    let server = ExpoServer::start();
    let url = server.url();
    let dir = TempDir::new("expo-labels");
    let store = dir.join("labels.json");
    let mut browser = ExpoBrowser::start(&server);
    let old = s(&browser.open("t1", "web-shop")["instance"]);
    run(&[
        "--url", &url, "--labels", &store, "sessions", "label", &old, "my-shop",
    ])
    .expect(0);
    let watch_args = |json: bool| {
        let mut a = vec![
            "--url",
            url.as_str(),
            "--labels",
            store.as_str(),
            "--verbose",
            "watch",
            ".counter.value",
            "--instance-select",
            "my-shop",
        ];
        if json {
            a.push("--json");
        }
        a
    };
    let mut watch = Rdx::spawn(&watch_args(true));
    let mut plain = Rdx::spawn(&watch_args(false));
    let v = watch.wait_json("the first value", |v| v["type"] == "value");
    assert_eq!(v["instance"], old.as_str());
    assert_eq!(v["value"], 0);
    assert_eq!(v["label"], "my-shop");
    plain.wait_stdout(&["my-shop", ".counter.value = 0"]);
    browser.click("t1", "inc");
    watch.wait_json("a change to 1", |v| v["type"] == "change" && v["new"] == 1);
    plain.wait_stdout(&[".counter.value: 0 -> 1", "counter/increment"]);

    let reloaded = browser.reload("t1");
    assert_eq!(reloaded["old_instance"], old.as_str());
    let new = s(&reloaded["instance"]);
    assert_ne!(new, old);
    let v = watch.wait_json("the new instance's value", |v| {
        v["type"] == "value" && v["instance"] == new.as_str()
    });
    assert_eq!(v["value"], 0, "a reloaded page starts from 0");
    plain.wait_stdout(&["my-shop", ".counter.value = 0"]);
    let clicked = browser.click("t1", "add5");
    assert_eq!(clicked["instance"], new.as_str());
    let c = watch.wait_json("a change in the reloaded tab", |v| {
        v["type"] == "change" && v["instance"] == new.as_str()
    });
    assert_eq!(c["new"], 5);
    assert_eq!(c["action_type"], "counter/incrementByAmount");
    assert_eq!(c["label"], "my-shop", "the label moved with the reload");
    plain.wait_stdout(&[".counter.value: 0 -> 5", "counter/incrementByAmount"]);
}

/// The dev server restarts (same port) under
/// `tail --json`: rdx reconnects on its own, and so does the stand-in (its
/// client retries every 1.5 s, sending what it queued meanwhile); every
/// action, before, during and after the outage, is printed once, in order.
#[test]
fn expo_dev_server_restart_under_tail() {
    let mut server = ExpoServer::start_without_bundle();
    let mut tail = Rdx::spawn(&["--url", &server.url(), "--verbose", "tail", "--json"]);
    let mut app = ExpoApp::start(&server, "standin-shop", &[]);
    let inst = app.instance();
    started_by(&mut app, &mut tail);
    app.dispatch("probe/before", None);
    tail.wait_json("probe/before", |v| v["action_type"] == "probe/before");

    server.stop();
    app.wait_socket("closed", WATCHDOG);
    for i in 0..3 {
        app.dispatch("outage/noted", Some(&json!({ "n": i })));
    }
    server.start_again();
    // A failure from here on shows the stand-in's side too (its socket, what
    // its client said) and the dev server's log.
    let after = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        app.wait_socket("open", Duration::from_secs(60));
        tail.wait_stderr(&["reconnected"]);
        // Either may come back first, and both orders are right. The app
        // first: what it queued goes to nobody, and rdx's START on its new
        // link brings them in a STATE. rdx first: its START may reach
        // nobody, but the app never stopped streaming (nothing sent STOP)
        // and sends what it queued as it reconnects. No START is awaited.
        app.dispatch("probe/after", None);
        tail.wait_json("probe/after", |v| v["action_type"] == "probe/after");
    }));
    if let Err(e) = after {
        eprintln!(
            "{}\nthe dev server's log:\n{}",
            app.story(),
            server.log_text()
        );
        std::panic::resume_unwind(e);
    }
    tail.stop();
    let lines = tail.json_so_far();
    let transcript = tail.transcript();
    let got: Vec<(String, Value)> = actions_of(&lines, &inst)
        .into_iter()
        .map(|(t, p, _)| (t, p))
        .collect();
    let mut want = vec![("probe/before".to_string(), Value::Null)];
    want.extend((0..3).map(|i| ("outage/noted".to_string(), json!({ "n": i }))));
    want.push(("probe/after".to_string(), Value::Null));
    assert_eq!(got, want, "every action once, in order:\n{transcript}");
}

/// With the plugin's web UI open, rdx sends no
/// START of its own (the UI's START makes it unneeded: EXPO.md §5) and still
/// sees everything: the page's load-time actions (in the STATEs the UI's
/// START brings; `--history`, as rdx joined after them), its clicks, the
/// stand-in's dispatches. Checked in rdx's
/// recording (no `out` frame carries START) and in what the web UI's socket
/// received (no `respond START`: only rdx could have sent one).
#[test]
fn expo_with_the_web_ui_open_rdx_sends_no_start_and_sees_everything() {
    let server = ExpoServer::start();
    let url = server.url();
    let mut browser = ExpoBrowser::start(&server);
    let page = s(&browser.open("t1", "web-shop")["instance"]);
    browser.webui("ui");
    browser.wait_socket("t1", "monitored", WATCHDOG);
    let mut app = ExpoApp::start(&server, "standin-shop", &[]);
    app.wait_respond("START"); // the web UI's answer to its START

    let dir = TempDir::new("expo-webui");
    let rec = dir.join("rec.jsonl");
    // --history: the page's load-time actions were dispatched before rdx
    // joined.
    let mut tail = Rdx::spawn(&[
        "--url",
        &url,
        "--verbose",
        "--record",
        &rec,
        "tail",
        "--json",
        "--history",
    ]);
    tail.wait_stderr(&["connected"]);
    // At once (within rdx's grace after it connects): an app starts, the web
    // UI answers it with START, which every app answers with a STATE.
    let reloaded = app.reload();
    let standin = s(&reloaded["instance"]);
    app.wait_respond("START");
    tail.wait_json("the page's load-time app/catalogLoaded", |v| {
        v["action_type"] == "app/catalogLoaded" && v["instance"] == page.as_str()
    });
    browser.click("t1", "inc");
    tail.wait_json("the page's click", |v| {
        v["action_type"] == "counter/increment" && v["instance"] == page.as_str()
    });
    app.dispatch("cart/itemAdded", Some(&json!("pear")));
    tail.wait_json("the stand-in's dispatch", |v| {
        v["action_type"] == "cart/itemAdded" && v["instance"] == standin.as_str()
    });
    // Another app starts under rdx: the web UI answers it, rdx stays quiet.
    let reloaded = app.reload();
    let standin2 = s(&reloaded["instance"]);
    let last_start = Instant::now();
    app.wait_respond("START");
    app.dispatch("counter/increment", None);
    tail.wait_json("the reloaded stand-in's dispatch", |v| {
        v["action_type"] == "counter/increment" && v["instance"] == standin2.as_str()
    });
    // An absence is checked: give rdx twice its START grace after the last
    // app START (an event-free wait; only the remainder is slept).
    let quiet = Duration::from_secs(2);
    if let Some(left) = quiet.checked_sub(last_start.elapsed()) {
        std::thread::sleep(left);
    }
    tail.stop();
    let transcript = tail.transcript();

    let text = std::fs::read_to_string(&rec).unwrap_or_else(|e| panic!("{rec}: {e}"));
    let frames: Vec<Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(
        frames.iter().any(|f| f["dir"] == "in"),
        "rdx recorded no inbound frame:\n{text}"
    );
    let starts: Vec<&Value> = frames
        .iter()
        .filter(|f| f["dir"] == "out" && f["data"].as_str().is_some_and(|d| d.contains("START")))
        .collect();
    assert!(
        starts.is_empty(),
        "rdx sent START although the web UI had: {starts:?}\n{transcript}"
    );
    let ui = browser.socket("ui");
    let foreign: Vec<&Value> = ui["received"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["method"] == "respond")
        .collect();
    assert!(
        foreign.is_empty(),
        "the web UI received respond messages (rdx's): {foreign:?}"
    );
    let lines = tail.json_so_far();
    assert_eq!(
        types_of(&lines, &page),
        ["app/booted", "app/catalogLoaded", "counter/increment"],
        "{transcript}"
    );
    assert_eq!(
        types_of(&lines, &standin),
        ["cart/itemAdded"],
        "{transcript}"
    );
    assert_eq!(
        types_of(&lines, &standin2),
        ["counter/increment"],
        "{transcript}"
    );
}
