//! `rdx reports`, `rdx reports show ID` and `rdx --report ID ...` against the
//! real servers storing reports in a sqlite file: `@redux-devtools/cli`
//! 5.0.0 and the legacy remotedev-server 0.3.1, the reports sent by the real
//! clients (`@redux-devtools/remote` 1.0.0's sendOn and sendOnError,
//! `redux-remotedev` 0.3.0) and by raw POSTs (tests/e2e/report-senders.js),
//! and by the shop page in Chromium (sendOnError: an uncaught error while
//! no monitor watches); `sessions --reports` and a selector that opens a
//! reported instance;
//! and, against in-process fake servers, what the real ones cannot send (a
//! 50 MB row, malformed lists and rows).

use crate::util::e2e::{NodeProc, e2e_dir};
use crate::util::running::Rdx;
use crate::util::*;

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const WATCHDOG: Duration = Duration::from_secs(60);

/// A knex options file for a sqlite file db in `tmp` (`migrate`: whether
/// the server makes its tables); the path of the options file.
fn db_options(tmp: &TempDir, name: &str, migrate: bool) -> String {
    let opts = json!({
        "client": "sqlite3",
        "connection": {"filename": tmp.join(&format!("{name}.sqlite"))},
        "useNullAsDefault": true,
        "migrate": migrate,
    });
    let path = tmp.join(&format!("{name}-db.json"));
    std::fs::write(&path, opts.to_string()).unwrap();
    path
}

/// A DevTools server storing reports as `opts` says.
struct Stored {
    port: u16,
    _proc: NodeProc,
}

impl Stored {
    fn url(&self) -> String {
        format!("ws://127.0.0.1:{}/socketcluster/", self.port)
    }
}

/// `@redux-devtools/cli` 5.0.0 with `--dbOptions opts` (ready once its
/// reports table answers, when `opts` migrates). Tried 3 times: the port
/// server.js picks can be taken before it binds it.
fn cli_server(opts: &str) -> Stored {
    assert!(
        e2e_dir().join("node_modules/@redux-devtools/cli").is_dir(),
        "end-to-end deps missing: run `make e2e-deps`"
    );
    for _ in 0..3 {
        let p = NodeProc::spawn(
            "server.js",
            &[
                "--port".into(),
                "0".into(),
                "--db-options".into(),
                opts.into(),
            ],
            "server",
        );
        let end = Instant::now() + WATCHDOG;
        loop {
            match p
                .lines
                .recv_timeout(end.saturating_duration_since(Instant::now()))
            {
                Ok(v) if v["ready"] == true => {
                    let port = v["port"].as_u64().unwrap() as u16;
                    return Stored { port, _proc: p };
                }
                Ok(_) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                Err(_) => {
                    panic!("watchdog: server.js --db-options {opts} not ready in {WATCHDOG:?}")
                }
            }
        }
    }
    panic!("server.js --db-options {opts} did not start in 3 tries")
}

/// remotedev-server 0.3.1 with `opts`, its TMPDIR inside `tmp`.
fn legacy_server(tmp: &TempDir, opts: &str) -> Stored {
    let dir = root().join("tests/e2e-legacy");
    assert!(
        dir.join("node_modules/remotedev-server").is_dir(),
        "legacy deps missing: run `make e2e-deps`"
    );
    let tmpdir = tmp.join("tmp");
    std::fs::create_dir_all(&tmpdir).unwrap();
    let port = free_port();
    let p = NodeProc::spawn_in(
        &dir,
        "legacy-server.js",
        &[
            "--port".into(),
            port.to_string(),
            "--db-options".into(),
            opts.into(),
        ],
        "legacy-server",
        &[("TMPDIR", &tmpdir)],
    );
    p.wait_for(WATCHDOG, "ready", |v| v["ready"] == true);
    Stored { port, _proc: p }
}

/// Run report-senders.js MODE (watchdog 60 s): its lines, each sent
/// report's asserted accepted.
fn send(port: u16, mode: &str, params: &[&str]) -> Vec<Value> {
    let child = Command::new("node")
        .arg(e2e_dir().join("report-senders.js"))
        .args(["--port", &port.to_string(), mode])
        .args(params)
        .current_dir(e2e_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn node report-senders.js");
    let o = wait_output(child, WATCHDOG, &format!("report-senders.js {mode}"));
    assert_eq!(
        code(&o),
        0,
        "report-senders.js {mode} failed:\n{}\n{}",
        stdout(&o),
        stderr(&o)
    );
    json_lines(&o)
}

/// One report sent by MODE: its id (the server accepted it).
fn send_one(port: u16, mode: &str) -> String {
    let lines = send(port, mode, &[]);
    assert_eq!(lines.len(), 1, "{mode}: {lines:?}");
    assert_eq!(lines[0]["status"], 200, "{mode}: {}", lines[0]);
    lines[0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{mode}: refused: {}", lines[0]))
        .to_string()
}

/// POST each body as it is; the ids the server answered (None: refused).
fn post(port: u16, bodies: &[&str]) -> Vec<Option<String>> {
    send(port, "post", bodies)
        .iter()
        .map(|l| l["id"].as_str().map(str::to_string))
        .collect()
}

/// A small STATE report's body: a lifted state with `types` after @@INIT.
fn state_report(title: &str, types: &[&str]) -> String {
    let mut by_id =
        json!({"0": {"type": "PERFORM_ACTION", "action": {"type": "@@INIT"}, "timestamp": 1}});
    let mut states = vec![json!({"state": {"n": 0}})];
    for (i, t) in types.iter().enumerate() {
        by_id[(i + 1).to_string()] =
            json!({"type": "PERFORM_ACTION", "action": {"type": t}, "timestamp": 2 + i});
        states.push(json!({"state": {"n": i + 1}}));
    }
    let lifted = json!({
        "monitorState": {}, "actionsById": by_id, "nextActionId": types.len() + 1,
        "stagedActionIds": (0..=types.len()).collect::<Vec<_>>(), "skippedActionIds": [],
        "currentStateIndex": types.len(), "computedStates": states,
        "isLocked": false, "isPaused": false,
    });
    json!({"type": "STATE", "title": title, "payload": lifted.to_string()}).to_string()
}

fn ids_of(lines: &[Value]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_string())
        .collect()
}

fn by_id<'a>(lines: &'a [Value], id: &str) -> &'a Value {
    lines
        .iter()
        .find(|l| l["id"] == id)
        .unwrap_or_else(|| panic!("report {id} not listed: {lines:?}"))
}

fn action_types(lines: &[Value]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l["action_type"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn e2e_reports_from_every_client_listed_shown_and_replayed() {
    let tmp = TempDir::new("reports-clients");
    let server = cli_server(&db_options(&tmp, "r", true));
    let url = server.url();
    let order = [
        "remote-send",
        "remote-error",
        "remotedev-send",
        "remotedev-error",
        "post-full",
    ];
    let ids: Vec<String> = order.iter().map(|m| send_one(server.port, m)).collect();
    let id = |mode: &str| ids[order.iter().position(|m| *m == mode).unwrap()].as_str();

    // The list: newest first, what each client gave.
    let o = run(&["--url", &url, "reports", "--json"]);
    o.expect(0);
    let list = json_lines(&o);
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(ids_of(&list), newest_first, "{list:?}");
    let added: Vec<&str> = list.iter().map(|l| l["added"].as_str().unwrap()).collect();
    assert!(added.windows(2).all(|w| w[0] >= w[1]), "{added:?}");
    for l in &list {
        assert_eq!(l["type"], "report", "{l}");
        assert_eq!(l["app"], Value::Null, "{l}");
        assert_eq!(l["actions"], 3, "{l}");
    }
    let want = |mode: &str, ty: &str, title: Value, inst: Value, ver: Value, ua: Value| {
        let l = by_id(&list, id(mode));
        assert_eq!(
            (
                &l["report_type"],
                &l["title"],
                &l["instance"],
                &l["version"],
                &l["user_agent"]
            ),
            (&json!(ty), &title, &inst, &ver, &ua),
            "{mode}: {l}"
        );
    };
    // @redux-devtools/remote sends no title, instanceId, version or agent.
    want(
        "remote-send",
        "STATE",
        Value::Null,
        Value::Null,
        Value::Null,
        Value::Null,
    );
    want(
        "remote-error",
        "STATE",
        Value::Null,
        Value::Null,
        Value::Null,
        Value::Null,
    );
    let agent = json!("rdx-e2e-agent/1.0");
    want(
        "remotedev-send",
        "ACTIONS",
        json!("Report from redux-remotedev"),
        json!("rr-inst"),
        json!("9.9.9"),
        agent.clone(),
    );
    // No title: the server's fallback, the exception's message.
    want(
        "remotedev-error",
        "ACTIONS",
        json!("kaboom"),
        json!("rr-inst"),
        json!("9.9.9"),
        agent,
    );
    want(
        "post-full",
        "STATE",
        json!("every column"),
        json!("full-inst"),
        json!("2.3.4"),
        json!("Mozilla/5.0 (rdx e2e)"),
    );

    // show --json: every column.
    let show = |rid: &str| {
        let o = run(&["--url", &url, "reports", "show", rid, "--json"]);
        o.expect(0);
        let v = json_lines(&o);
        assert_eq!(v.len(), 1, "{v:?}");
        v[0].clone()
    };
    let types = |v: &Value| -> Vec<String> {
        v["actions"]
            .as_array()
            .unwrap_or_else(|| panic!("no actions: {v}"))
            .iter()
            .map(|a| a["type"].as_str().unwrap().to_string())
            .collect()
    };
    let full = show(id("post-full"));
    for (k, want) in [
        ("id", json!(id("post-full"))),
        ("report_type", json!("STATE")),
        ("title", json!("every column")),
        ("description", json!("a report with every column")),
        ("action", json!("todos/add")),
        (
            "exception",
            json!("Exception thrown: full boom\nError: full boom\n    at full (app.js:1:1)"),
        ),
        ("instance", json!("full-inst")),
        ("version", json!("2.3.4")),
        ("user_agent", json!("Mozilla/5.0 (rdx e2e)")),
        ("user", json!(r#"{"id":"u99","name":"zoe"}"#)),
        ("user_id", json!("u99")),
        ("meta", json!("meta text")),
        ("app_id", json!("78626c31-e16b-4528-b8e5-f81301b627f4")),
        (
            "screenshot_bytes",
            json!("data:image/png;base64,iVBORw0KGgo=".len()),
        ),
        ("history", json!("states")),
        ("final_state", json!({"n": 8, "last": "todos/add"})),
        ("payload_error", Value::Null),
    ] {
        assert_eq!(full[k], want, "post-full {k}: {full}");
    }
    assert_eq!(types(&full), ["todos/add", "todos/toggle", "todos/add"]);
    assert_eq!(full["added"], by_id(&list, id("post-full"))["added"]);

    let err = show(id("remotedev-error"));
    let exc = err["exception"].as_str().unwrap_or_default();
    assert!(
        exc.starts_with("Exception thrown: kaboom\nError: kaboom\n"),
        "{err}"
    );
    assert_eq!(err["action"], "INC", "the action before the error: {err}");
    assert_eq!(err["user"], r#"{"id":"u7","name":"ann"}"#, "{err}");
    assert_eq!(err["user_id"], "u7", "{err}");
    assert_eq!(
        err["meta"], "9.9.9",
        "redux-remotedev sends its version as meta: {err}"
    );
    assert_eq!(err["history"], "actions only", "{err}");
    assert_eq!(err["final_state"], Value::Null, "no reducer: {err}");
    assert_eq!(
        err["state_before"],
        json!({"n": 10}),
        "its preloadedState: {err}"
    );
    assert_eq!(types(&err), ["INC", "INC", "@@remotedev/ERROR"]);

    let rerr = show(id("remote-error"));
    assert_eq!(types(&rerr), ["INC", "INC", "@@redux-devtools/ERROR"]);
    assert_eq!(rerr["final_state"], json!({"n": 2}), "{rerr}");
    assert_eq!(rerr["exception"], Value::Null, "stored as \"\": {rerr}");

    // show, for people.
    let o = run(&["--url", &url, "reports", "show", id("remote-send")]);
    o.expect(0);
    let text = stdout(&o);
    for w in [
        id("remote-send"),
        "STATE",
        "Actions (3):",
        "SEND_NOW",
        "n: 2",
    ] {
        assert!(text.contains(w), "no {w:?} in:\n{text}");
    }

    // --report ID export: a file the real @redux-devtools/instrument
    // imports, recomputing with the app's reducer the states the report holds.
    let file = tmp.join("report-export.json");
    let o = run(&[
        "--url",
        &url,
        "--report",
        id("remote-send"),
        "export",
        "-o",
        &file,
    ]);
    o.expect(0);
    let reducer = tmp.join("counter.mjs");
    std::fs::write(
        &reducer,
        "export default function counter(s = { n: 0 }, a) {\n  return a.type === 'INC' ? { n: s.n + 1 } : s;\n}\n",
    )
    .unwrap();
    let checked = Command::new("node")
        .arg(root().join("tests/devtools/import-check.js"))
        .args([&file, &reducer])
        .current_dir(root().join("tests/devtools"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn node import-check.js");
    let checked = wait_output(checked, WATCHDOG, "import-check.js");
    assert_eq!(
        code(&checked),
        0,
        "the import rejected it: {}",
        stderr(&checked)
    );
    let states: Vec<Value> = json_lines(&checked)
        .iter()
        .map(|l| l["state"].clone())
        .collect();
    assert_eq!(
        states,
        [
            json!({"n": 0}),
            json!({"n": 1}),
            json!({"n": 2}),
            json!({"n": 2})
        ]
    );

    // --report ID tail: the actions once each, no @@INIT.
    let o = run(&[
        "--url",
        &url,
        "--report",
        id("remote-send"),
        "tail",
        "--json",
    ]);
    o.expect(0);
    let lines = json_lines(&o);
    assert_eq!(
        action_types(&lines),
        ["INC", "INC", "SEND_NOW"],
        "{lines:?}"
    );
    let aids: Vec<&Value> = lines.iter().map(|l| &l["action_id"]).collect();
    assert_eq!(aids, [&json!(1), &json!(2), &json!(3)]);
    // No instanceId in the report: shown as the report's own id.
    assert!(
        lines.iter().all(|l| l["instance"] == id("remote-send")),
        "{lines:?}"
    );

    let o = run(&[
        "--url",
        &url,
        "--report",
        id("remotedev-send"),
        "tail",
        "--json",
    ]);
    o.expect(0);
    assert_eq!(action_types(&json_lines(&o)), ["INC", "INC", "SEND"]);
    assert!(stderr(&o).contains("runs no reducers"), "{}", stderr(&o));
    assert!(json_lines(&o).iter().all(|l| l["instance"] == "rr-inst"));

    let o = run(&["--url", &url, "--report", id("post-full"), "tail", "--diff"]);
    o.expect(0);
    let text = stdout(&o);
    for w in [
        "todos/toggle",
        ".n: 6 -> 7",
        ".last: \"todos/add\" -> \"todos/toggle\"",
    ] {
        assert!(text.contains(w), "no {w:?} in:\n{text}");
    }

    // --report ID state: the final state of a STATE report; none for ACTIONS.
    let o = run(&["--url", &url, "--report", id("post-full"), "state"]);
    o.expect(0);
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v, json!({"n": 8, "last": "todos/add"}));
    let o = run(&["--url", &url, "--report", id("remote-error"), "state"]);
    o.expect(0);
    let v: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v, json!({"n": 2}));
    let o = run(&["--url", &url, "--report", id("remotedev-send"), "state"]);
    o.expect(4);
    assert!(stderr(&o).contains("no state"), "{}", stderr(&o));

    // Filters.
    let listed = |extra: &[&str]| -> Vec<String> {
        let mut a = vec!["--url", url.as_str(), "reports", "--json"];
        a.extend_from_slice(extra);
        let o = run(&a);
        o.expect(0);
        ids_of(&json_lines(&o))
    };
    assert_eq!(listed(&["--title", "kaboom"]), [id("remotedev-error")]);
    assert_eq!(
        listed(&["--title", "^(Report from|every)"]),
        [id("post-full"), id("remotedev-send")]
    );
    assert_eq!(
        listed(&["--instance", "rr-inst"]),
        [id("remotedev-error"), id("remotedev-send")]
    );
    assert_eq!(listed(&["--instance", "full-inst"]), [id("post-full")]);
    assert!(listed(&["--instance", "nobody"]).is_empty());
    let since = by_id(&list, id("remotedev-send"))["added"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        listed(&["--since", &since]),
        [id("post-full"), id("remotedev-error"), id("remotedev-send")]
    );
    assert_eq!(listed(&["--since", "1h"]), newest_first);
    assert!(listed(&["--since", "2999-01-01T00:00:00Z"]).is_empty());
    assert_eq!(
        listed(&[
            "--since",
            &since,
            "--instance",
            "rr-inst",
            "--title",
            "Report"
        ]),
        [id("remotedev-send")]
    );
}

#[test]
fn e2e_reports_survive_a_server_restart_on_the_same_file_db() {
    let tmp = TempDir::new("reports-restart");
    let opts = db_options(&tmp, "r", true);
    let server = cli_server(&opts);
    let before = post(
        server.port,
        &[
            &state_report("before one", &["a/one"]),
            &state_report("before two", &["b/one", "b/two"]),
        ],
    );
    let before: Vec<String> = before.into_iter().map(Option::unwrap).collect();
    let o = run(&["--url", &server.url(), "reports", "--json"]);
    o.expect(0);
    let first = json_lines(&o);
    assert_eq!(ids_of(&first), [before[1].clone(), before[0].clone()]);
    drop(server);

    let server = cli_server(&opts);
    let o = run(&["--url", &server.url(), "reports", "--json"]);
    o.expect(0);
    assert_eq!(json_lines(&o), first, "the same reports after the restart");
    let o = run(&[
        "--url",
        &server.url(),
        "--report",
        &before[1],
        "tail",
        "--json",
    ]);
    o.expect(0);
    assert_eq!(action_types(&json_lines(&o)), ["b/one", "b/two"]);
    let after = post(server.port, &[&state_report("after", &["c/one"])]);
    let o = run(&["--url", &server.url(), "reports", "--json"]);
    o.expect(0);
    assert_eq!(
        ids_of(&json_lines(&o)),
        [
            after[0].clone().unwrap(),
            before[1].clone(),
            before[0].clone()
        ]
    );
}

#[test]
fn e2e_reports_follow_prints_a_report_posted_while_it_runs() {
    let tmp = TempDir::new("reports-follow");
    let server = cli_server(&db_options(&tmp, "r", true));
    let old = post(server.port, &[&state_report("old", &["o/one"])]);
    let old = old[0].clone().unwrap();
    let mut rdx = Rdx::spawn(&["--url", &server.url(), "reports", "--follow", "--json"]);
    let first = rdx.wait_json("the stored report", |v| v["type"] == "report");
    assert_eq!(first["id"], old.as_str(), "{first}");
    // A POST the server refuses (it publishes it too), then a report.
    let sent = post(
        server.port,
        &[
            r#"{"type":"FOO","payload":"x"}"#,
            &state_report("followed", &["f/one", "f/two"]),
        ],
    );
    assert_eq!(sent[0], None, "the server refuses type FOO");
    let new = sent[1].clone().unwrap();
    let line = rdx.wait_json("the report posted while following", |v| {
        v["title"] == "followed"
    });
    assert_eq!(line["id"], new.as_str(), "{line}");
    assert_eq!(line["actions"], 2, "{line}");
    assert_eq!(line["report_type"], "STATE", "{line}");
    rdx.assert_running();
    let all = rdx.json_so_far();
    assert_eq!(
        ids_of(&all),
        [old, new],
        "one line each, none for the refused POST"
    );
}

#[test]
fn e2e_reports_on_the_legacy_remotedev_server() {
    let tmp = TempDir::new("reports-legacy");
    let opts = db_options(&tmp, "legacy", true);
    let server = legacy_server(&tmp, &opts);
    let full = send_one(server.port, "post-full");
    let rr = send_one(server.port, "remotedev-send");
    // The list comes as an emitted `report` event, before or after the ack.
    let o = run(&["--url", &server.url(), "--verbose", "reports", "--json"]);
    o.expect(0);
    assert!(stderr(&o).contains("protocol v1"), "{}", stderr(&o));
    let list = json_lines(&o);
    assert_eq!(ids_of(&list), [rr.clone(), full.clone()], "{list:?}");
    let l = by_id(&list, &full);
    assert_eq!(
        (
            &l["report_type"],
            &l["title"],
            &l["instance"],
            &l["actions"]
        ),
        (
            &json!("STATE"),
            &json!("every column"),
            &json!("full-inst"),
            &json!(3)
        ),
        "{l}"
    );
    let l = by_id(&list, &rr);
    assert_eq!(
        (
            &l["report_type"],
            &l["title"],
            &l["user_agent"],
            &l["actions"]
        ),
        (
            &json!("ACTIONS"),
            &json!("Report from redux-remotedev"),
            &json!("rdx-e2e-agent/1.0"),
            &json!(3)
        ),
        "{l}"
    );
    let o = run(&["--url", &server.url(), "reports", "show", &full, "--json"]);
    o.expect(0);
    let v = &json_lines(&o)[0];
    // remotedev-server 0.3 stores an object column as NULL (cli 5: its JSON).
    assert_eq!(
        (&v["user"], &v["user_id"]),
        (&Value::Null, &json!("u99")),
        "{v}"
    );
    assert_eq!(
        v["final_state"],
        json!({"n": 8, "last": "todos/add"}),
        "{v}"
    );
    let o = run(&["--url", &server.url(), "--report", &full, "tail", "--json"]);
    o.expect(0);
    assert_eq!(
        action_types(&json_lines(&o)),
        ["todos/add", "todos/toggle", "todos/add"]
    );
    let o = run(&["--url", &server.url(), "--report", &rr, "tail", "--json"]);
    o.expect(0);
    assert_eq!(action_types(&json_lines(&o)), ["INC", "INC", "SEND"]);

    // The same file after a restart.
    drop(server);
    let server = legacy_server(&tmp, &opts);
    let o = run(&["--url", &server.url(), "reports", "--json"]);
    o.expect(0);
    assert_eq!(json_lines(&o), list, "the same reports after the restart");
}

#[test]
fn e2e_reports_bad_payload_and_an_unknown_id() {
    let tmp = TempDir::new("reports-bad");
    let server = cli_server(&db_options(&tmp, "r", true));
    let url = server.url();
    let ids = post(
        server.port,
        &[
            r#"{"type":"STATE","title":"garbage","payload":"not json at all"}"#,
            r#"{"type":"ACTIONS","title":"an object","payload":"{\"a\":1}"}"#,
            r#"{"type":"STATE","title":"not lifted","payload":"[1,2]"}"#,
        ],
    );
    let ids: Vec<String> = ids.into_iter().map(Option::unwrap).collect();
    let o = run(&["--url", &url, "reports", "--json"]);
    o.expect(0);
    let list = json_lines(&o);
    assert_eq!(list.len(), 3, "{list:?}");
    for id in &ids {
        assert_eq!(by_id(&list, id)["actions"], Value::Null, "{list:?}");
    }
    let o = run(&["--url", &url, "reports"]);
    o.expect(0);
    assert!(stdout(&o).contains("garbage"), "{}", stdout(&o));

    for (id, why) in ids.iter().zip([
        "the payload is not JSON",
        "not an array of actions",
        "not a lifted state",
    ]) {
        let o = run(&["--url", &url, "reports", "show", id]);
        o.expect(0);
        assert!(
            stdout(&o).contains("cannot be read") && stdout(&o).contains(why),
            "{why}: {}",
            stdout(&o)
        );
        let o = run(&["--url", &url, "reports", "show", id, "--json"]);
        o.expect(0);
        let v = &json_lines(&o)[0];
        assert!(
            v["payload_error"].as_str().is_some_and(|e| e.contains(why)),
            "{v}"
        );
        assert_eq!(v["actions"], Value::Null, "{v}");
        let o = run(&["--url", &url, "--report", id, "tail", "--json"]);
        o.expect(3);
        assert!(stderr(&o).contains(why), "{}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    }

    let nobody = "00000000-0000-0000-0000-000000000000";
    let o = run(&["--url", &url, "reports", "show", nobody]);
    o.expect(1);
    assert!(stderr(&o).contains(nobody), "{}", stderr(&o));
    let o = run(&["--url", &url, "--report", nobody, "tail"]);
    o.expect(1);
    assert!(stderr(&o).contains(nobody), "{}", stderr(&o));
    let o = run(&["--url", &url, "--report", nobody, "state"]);
    o.expect(1);
}

#[test]
fn e2e_reports_on_a_server_with_no_reports_table_time_out() {
    let tmp = TempDir::new("reports-nomigrate");
    let server = cli_server(&db_options(&tmp, "r", false));
    let url = server.url();
    let t = Instant::now();
    let o = run(&["--url", &url, "reports", "--timeout", "2s"]);
    o.expect(4);
    assert!(stderr(&o).contains("no report list"), "{}", stderr(&o));
    let o = run(&["--url", &url, "reports", "--json", "--timeout", "2s"]);
    o.expect(4);
    assert!(stdout(&o).is_empty());
    let some = "85c3ffbd-bacc-4594-ad10-c510bdc3f5bd";
    for args in [
        &["--report", some, "tail", "--timeout", "2s"][..],
        &["--report", some, "state", "--timeout", "2s"],
        &["reports", "show", some, "--timeout", "2s"],
    ] {
        let mut a = vec!["--url", url.as_str()];
        a.extend_from_slice(args);
        let o = run(&a);
        o.expect(4);
        let err = stderr(&o);
        assert!(
            err.contains("did not answer getReport") && err.contains(some),
            "{args:?}: {err}"
        );
    }
    let took = t.elapsed();
    assert!(
        took < Duration::from_secs(25),
        "5 runs of 2 s took {took:?}"
    );
}

#[test]
fn e2e_reports_ten_thousand_listed() {
    const N: usize = 10_000;
    let tmp = TempDir::new("reports-10k");
    // In memory: on a disk file each insert waits for its fsync (46 s here).
    let opts = tmp.join("mem-db.json");
    std::fs::write(
        &opts,
        r#"{"client":"sqlite3","connection":{"filename":":memory:"},"useNullAsDefault":true,"migrate":true}"#,
    )
    .unwrap();
    let server = cli_server(&opts);
    let t = Instant::now();
    let bulk = send(server.port, "bulk", &[&N.to_string()]);
    let posted = t.elapsed();
    let sent: BTreeSet<String> = bulk[0]["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(sent.len(), N);
    let t = Instant::now();
    let o = run(&["--url", &server.url(), "reports", "--json"]);
    let listed = t.elapsed();
    o.expect(0);
    let list = json_lines(&o);
    eprintln!("{N} reports: POSTed in {posted:?}; `rdx reports --json` listed them in {listed:?}");
    let got: BTreeSet<String> = ids_of(&list).into_iter().collect();
    assert_eq!(list.len(), N, "each once");
    assert_eq!(got, sent);
    assert!(list.iter().all(|l| l["actions"] == 1), "every one read");
    let added: Vec<&str> = list.iter().map(|l| l["added"].as_str().unwrap()).collect();
    assert!(added.windows(2).all(|w| w[0] >= w[1]), "newest first");
}

/// A fake server (tungstenite on 127.0.0.1) for `conns` runs of rdx: it
/// answers the handshake, acks every subscribe and, on `report`, publishes
/// `list` (the data of a `report` message, as JSON text); it answers
/// `getReport ID` with the frame `reply(cid, ID)` makes.
fn report_server(
    conns: usize,
    list: String,
    reply: impl Fn(u64, &str) -> String + Send + 'static,
) -> u16 {
    let (port, _sent) = fake::serve(conns, move |_, ws, sent| {
        if !fake::handshake(ws, sent, 30_000) {
            return;
        }
        while let Some(frame) = fake::recv(ws, sent, WATCHDOG) {
            let Ok(v) = serde_json::from_str::<Value>(&frame) else {
                continue;
            };
            let cid = v["cid"].as_u64();
            match v["event"].as_str() {
                Some("#subscribe") => {
                    fake::send(ws, &format!(r#"{{"rid":{}}}"#, cid.unwrap()));
                    if v["data"]["channel"] == "report" {
                        fake::send(
                            ws,
                            &format!(
                                r##"{{"event":"#publish","data":{{"channel":"report","data":{list}}}}}"##
                            ),
                        );
                    }
                }
                Some("getReport") => {
                    let id = v["data"].as_str().unwrap_or_default();
                    fake::send(ws, &reply(cid.unwrap(), id));
                }
                _ => {
                    if let Some(cid) = cid {
                        fake::send(ws, &format!(r#"{{"rid":{cid}}}"#));
                    }
                }
            }
        }
    });
    port
}

/// Run rdx (watchdog 60 s): its output, wall time and peak RSS in KiB
/// (VmHWM, read from /proc while it runs).
fn run_measured(args: &[&str]) -> (Ran, Duration, u64) {
    let t = Instant::now();
    let child = rdx()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rdx");
    let pid = child.id();
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let (peak, stop) = (peak.clone(), stop.clone());
        std::thread::spawn(move || {
            use std::sync::atomic::Ordering;
            let path = format!("/proc/{pid}/status");
            while !stop.load(Ordering::SeqCst) {
                let Ok(s) = std::fs::read_to_string(&path) else {
                    break;
                };
                if let Some(kb) = s
                    .lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                {
                    peak.fetch_max(kb, Ordering::SeqCst);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let out = wait_output(child, WATCHDOG, &format!("rdx {}", args.join(" ")));
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let _ = sampler.join();
    let ran = Ran {
        args: args.iter().map(|a| a.to_string()).collect(),
        out,
    };
    (
        ran,
        t.elapsed(),
        peak.load(std::sync::atomic::Ordering::SeqCst),
    )
}

#[test]
fn reports_a_50_mb_report_from_a_fake_server_is_shown_and_replayed() {
    const N: usize = 25_000;
    let id = "big-0000-report";
    // A lifted state of N actions, each with a 2,000-byte string: ~50 MB.
    let blob = "x".repeat(2000);
    let mut p = String::with_capacity(N * 2100);
    p.push_str(
        r#"{"actionsById":{"0":{"type":"PERFORM_ACTION","action":{"type":"@@INIT"},"timestamp":1}"#,
    );
    for i in 1..=N {
        p.push_str(&format!(
            r#","{i}":{{"type":"PERFORM_ACTION","action":{{"type":"big/chunk","i":{i},"blob":"{blob}"}},"timestamp":{i}}}"#
        ));
    }
    p.push_str(r#"},"stagedActionIds":["#);
    p.push_str(&(0..=N).map(|i| i.to_string()).collect::<Vec<_>>().join(","));
    p.push_str(r#"],"skippedActionIds":[],"currentStateIndex":"#);
    p.push_str(&format!(
        "{N},\"nextActionId\":{},\"computedStates\":[",
        N + 1
    ));
    p.push_str(
        &(0..=N)
            .map(|i| format!(r#"{{"state":{{"n":{i}}}}}"#))
            .collect::<Vec<_>>()
            .join(","),
    );
    p.push_str("]}");
    let row = json!({
        "id": id, "type": "STATE", "title": "a big one", "payload": p,
        "added": "2026-12-03T06:20:58.543Z", "exception": "",
    })
    .to_string();
    drop(p);
    let frame_mb = row.len() as f64 / 1e6;
    assert!(row.len() > 50_000_000, "{}", row.len());
    let row = std::sync::Arc::new(row);
    let list = format!(
        r#"{{"type":"list","data":[{{"id":"{id}","title":"a big one","added":"2026-12-03T06:20:58.543Z"}}]}}"#
    );
    let port = report_server(3, list, move |cid, got| {
        assert_eq!(got, id);
        format!(r#"{{"rid":{cid},"data":{row}}}"#)
    });
    let url = format!("ws://127.0.0.1:{port}/socketcluster/");

    let (o, took, kb) = run_measured(&["--url", &url, "reports", "show", id, "--json"]);
    o.expect(0);
    let v = &json_lines(&o)[0];
    assert_eq!(v["actions"].as_array().map(Vec::len), Some(N));
    assert_eq!(v["final_state"], json!({"n": N}));
    eprintln!(
        "{frame_mb:.1} MB row: reports show --json {took:?}, peak RSS {} MiB",
        kb / 1024
    );
    let show_kb = kb;

    let (o, took, kb) = run_measured(&["--url", &url, "--report", id, "tail", "--json"]);
    o.expect(0);
    let lines = stdout(&o);
    assert_eq!(lines.lines().count(), N);
    let last: Value = serde_json::from_str(lines.lines().last().unwrap()).unwrap();
    assert_eq!(
        (&last["action_id"], &last["action"]["i"]),
        (&json!(N), &json!(N))
    );
    eprintln!(
        "{frame_mb:.1} MB row: --report tail --json {took:?}, peak RSS {} MiB",
        kb / 1024
    );
    let tail_kb = kb;

    let (o, took, kb) = run_measured(&["--url", &url, "reports", "--json"]);
    o.expect(0);
    let l = json_lines(&o);
    assert_eq!((l.len(), &l[0]["actions"]), (1, &json!(N)));
    eprintln!(
        "{frame_mb:.1} MB row: reports --json {took:?}, peak RSS {} MiB",
        kb / 1024
    );
    for (what, kb) in [("show", show_kb), ("tail", tail_kb), ("list", kb)] {
        assert!(kb > 0, "RSS not sampled");
        // Measured: 212-286 MiB (the frame, its parse, the history).
        assert!(
            (kb as f64) < frame_mb * 8.0 * 1024.0,
            "{what}: peak RSS {} MiB for a {frame_mb:.0} MB report",
            kb / 1024
        );
    }
}

#[test]
fn reports_malformed_lists_and_rows_from_a_fake_server() {
    // Each case: the list the fake publishes, its getReport reply (after
    // `"rid":N,`), rdx's arguments; rdx's exit code and a word of stderr.
    let run_on = |list: &str, row: &'static str, args: &[&str]| -> Ran {
        let port = report_server(1, list.to_string(), move |cid, _| {
            format!(r#"{{"rid":{cid},{row}}}"#)
        });
        let url = format!("ws://127.0.0.1:{port}/socketcluster/");
        let mut a = vec!["--url", url.as_str(), "--timeout", "2s"];
        a.extend_from_slice(args);
        let o = run(&a);
        assert_ne!(code(&o), 101, "rdx panicked:\n{}", stderr(&o));
        o
    };
    let says = |o: &Ran, want: i32, word: &str| {
        o.expect(want);
        assert!(
            stderr(o).contains(word),
            "`rdx {}`: no {word:?} in stderr:\n{}",
            o.args.join(" "),
            stderr(o)
        );
    };
    let good =
        r#"{"type":"list","data":[{"id":"r1","title":"ok","added":"2026-12-03T06:20:58.543Z"}]}"#;
    let row_ok = r#""data":{"id":"r1","type":"STATE","payload":"{\"actionsById\":{\"0\":{\"type\":\"PERFORM_ACTION\",\"action\":{\"type\":\"@@INIT\"}},\"1\":{\"type\":\"PERFORM_ACTION\",\"action\":{\"type\":\"a/b\"}}},\"stagedActionIds\":[0,1],\"computedStates\":[{\"state\":1},{\"state\":2}]}"}"#;

    // A list that is no list: skipped (said with --verbose), then no list.
    for list in [
        r#"{"type":"list","data":"nope"}"#,
        r#"{"type":"list"}"#,
        "[1,2]",
    ] {
        says(&run_on(list, row_ok, &["reports"]), 4, "report list");
    }
    let o = run_on(
        r#"{"type":"list","data":"nope"}"#,
        row_ok,
        &["--verbose", "reports"],
    );
    says(&o, 4, "skipped: a report list whose data is a string");
    // Without --verbose, the timeout says what came instead.
    let o = run_on(r#"{"type":"list","data":"nope"}"#, row_ok, &["reports"]);
    says(&o, 4, "it sent a report list whose data is a string");

    // Rows without an id are left out; the others read.
    let o = run_on(
        r#"{"type":"list","data":[{"title":"no id"},5,null,"r9",{"id":"r1","title":"ok","added":"2026-12-03T06:20:58.543Z"}]}"#,
        row_ok,
        &["reports", "--json"],
    );
    o.expect(0);
    let l = json_lines(&o);
    assert_eq!(
        (l.len(), &l[0]["id"], &l[0]["actions"]),
        (1, &json!("r1"), &json!(1)),
        "{l:?}"
    );

    // A reply that is no row: a server that answers wrongly (exit 3; a
    // list goes on without it); no reply data at all: no such report.
    let o = run_on(good, r#""data":[1,2]"#, &["reports", "--json"]);
    says(&o, 0, "the reply is an array, not a report row");
    assert!(stdout(&o).is_empty());
    says(
        &run_on(good, r#""data":[1,2]"#, &["reports", "show", "r1"]),
        3,
        "the reply is an array, not a report row",
    );
    says(
        &run_on(good, r#""data":"a string""#, &["reports", "show", "r1"]),
        3,
        "the reply is a string, not a report row",
    );
    says(
        &run_on(good, r#""data":[1,2]"#, &["--report", "r1", "tail"]),
        3,
        "not a report row",
    );
    says(
        &run_on(good, r#""data":null"#, &["reports", "show", "r1"]),
        1,
        "has no report r1",
    );
    // A row of another report than the one asked for is not taken for it.
    let other = r#""data":{"id":"r2","type":"STATE","payload":"[]"}"#;
    says(
        &run_on(good, other, &["reports", "show", "r1"]),
        3,
        "answered with report r2",
    );
    let o = run_on(good, other, &["reports", "--json"]);
    says(&o, 0, "answered with report r2");
    assert!(stdout(&o).is_empty());

    // An error reply: said, exit 3 (0 for a list, which goes on without it).
    let err = r#""error":{"name":"Boom","message":"db broke"}"#;
    says(
        &run_on(good, err, &["reports", "show", "r1"]),
        3,
        "db broke",
    );
    says(
        &run_on(good, err, &["--report", "r1", "tail"]),
        3,
        "db broke",
    );
    let o = run_on(good, r#""error":"plain""#, &["reports", "--json"]);
    says(&o, 0, "getReport r1 on ws://127.0.0.1");
    says(&o, 0, "the server refused: plain");
    assert!(stdout(&o).is_empty());

    // Odd columns: a payload that is an object, a type that is a number,
    // numbers JSON cannot hold.
    let o = run_on(
        good,
        r#""data":{"id":"r1","type":"STATE","payload":{"actionsById":{},"stagedActionIds":[]}}"#,
        &["reports", "show", "r1", "--json"],
    );
    o.expect(0);
    assert_eq!(json_lines(&o)[0]["actions"], json!([]));
    let o = run_on(
        good,
        r#""data":{"id":"r1","type":7,"payload":"{\"$jsan\":\"$\"}"}"#,
        &["reports", "show", "r1", "--json"],
    );
    o.expect(0);
    let v = &json_lines(&o)[0];
    assert_eq!(v["report_type"], "7", "{v}");
    assert!(
        v["payload_error"]
            .as_str()
            .is_some_and(|e| e.contains("not a lifted state")),
        "{v}"
    );
    let huge = r#""data":{"id":"r1","type":"STATE","payload":"{\"actionsById\":{\"0\":5},\"stagedActionIds\":[0,\"x\",1e400,-1],\"computedStates\":\"no\",\"currentStateIndex\":99999999999}"}"#;
    let o = run_on(good, huge, &["reports", "show", "r1", "--json"]);
    o.expect(0);
    assert!(
        json_lines(&o)[0]["payload_error"]
            .as_str()
            .is_some_and(|e| e.contains("number out of range"))
    );
    says(
        &run_on(good, huge, &["--report", "r1", "tail", "--json"]),
        3,
        "number out of range",
    );
    says(
        &run_on(good, huge, &["--report", "r1", "state"]),
        3,
        "number out of range",
    );
}

#[test]
fn e2e_sessions_reports_lists_reported_instances_and_a_selector_opens_the_newest() {
    let tmp = TempDir::new("reports-sessions");
    let server = cli_server(&db_options(&tmp, "r", true));
    let url = server.url();
    let labels = tmp.join("labels.json");
    let by = |title: &str, inst: &str, types: &[&str]| {
        let mut v: Value = serde_json::from_str(&state_report(title, types)).unwrap();
        v["instanceId"] = json!(inst);
        v.to_string()
    };
    let ids = post(
        server.port,
        &[
            &by("old", "shop-1", &["a/one"]),
            &by("new", "shop-1", &["a/one", "a/two", "a/three"]),
            &by("other", "cart-9", &["b/x"]),
            &state_report("anon", &["c/y"]),
        ],
    );
    assert!(ids.iter().all(Option::is_some), "{ids:?}");
    let newest = ids[1].clone().unwrap();

    // The instances the reports name, beside the (empty) live registry.
    let o = run(&[
        "--url",
        &url,
        "sessions",
        "--reports",
        "--json",
        "--for",
        "300ms",
    ]);
    o.expect(0);
    let lines = json_lines(&o);
    let ids_listed: BTreeSet<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids_listed,
        BTreeSet::from(["shop-1", "cart-9"]),
        "{lines:?}"
    );
    let shop = lines.iter().find(|l| l["id"] == "shop-1").unwrap();
    assert_eq!(
        (
            &shop["status"],
            &shop["reports"],
            &shop["actions"],
            &shop["last_action"]
        ),
        (&json!("reported"), &json!(2), &json!(3), &json!("a/three")),
        "{shop}"
    );
    assert_eq!(
        shop["connection"],
        json!(newest),
        "the newest report that names it"
    );
    let cart = lines.iter().find(|l| l["id"] == "cart-9").unwrap();
    assert_eq!(
        (&cart["reports"], &cart["status"]),
        (&json!(1), &json!("reported"))
    );
    // For people: a REPORTS column.
    let o = run(&["--url", &url, "sessions", "--reports", "--for", "300ms"]);
    o.expect(0);
    let head = stdout(&o).lines().next().unwrap_or_default().to_string();
    assert!(
        head.contains("REPORTS") && stdout(&o).contains("reported"),
        "{}",
        stdout(&o)
    );
    // Without --reports, none of them.
    let o = run(&["--url", &url, "sessions", "--json", "--for", "300ms"]);
    o.expect(0);
    assert!(json_lines(&o).is_empty(), "{}", stdout(&o));

    // A selector that no live instance matches reads the newest report
    // that names it, and says so.
    let o = run(&[
        "--url",
        &url,
        "--timeout",
        "1s",
        "tail",
        "--instance",
        "shop-1",
        "--json",
    ]);
    o.expect(0);
    assert_eq!(action_types(&json_lines(&o)), ["a/one", "a/two", "a/three"]);
    assert!(
        stderr(&o).contains("reading the newest stored report") && stderr(&o).contains(&newest),
        "{}",
        stderr(&o)
    );
    // By its label too.
    let l = labels.as_str();
    run(&["--labels", l, "sessions", "label", "shop-1", "checkout"]).expect(0);
    let o = run(&[
        "--url",
        &url,
        "--labels",
        l,
        "--timeout",
        "1s",
        "state",
        "--instance-select",
        "checkout",
    ]);
    o.expect(0);
    assert_eq!(
        serde_json::from_str::<Value>(stdout(&o).trim()).unwrap(),
        json!({"n": 3})
    );
    // A name no report has: exit 1 as before.
    let o = run(&[
        "--url",
        &url,
        "--timeout",
        "1s",
        "state",
        "--instance",
        "nobody",
    ]);
    o.expect(1);
}

#[test]
fn e2e_reports_from_a_browser_page_whose_error_no_monitor_saw() {
    use crate::util::browser::Browser;
    let tmp = TempDir::new("reports-browser");
    let server = cli_server(&db_options(&tmp, "r", true));
    let url = server.url();
    let mut rdx = Rdx::spawn(&["--url", &url, "reports", "--follow", "--json"]);
    let mut browser = Browser::start(server.port);
    // The page streams nothing (realtime off): no monitor sees it.
    let opened = browser.command("open-reporting shop shop");
    assert!(opened.get("error").is_none(), "{opened}");
    assert_eq!(opened["socket_opens"], 0, "{opened}");
    let clicked = browser.command("click shop increment");
    assert_eq!(clicked["action_type"], "counter/incremented", "{clicked}");
    // An error nobody catches: @redux-devtools/remote's sendOnError POSTs
    // the page's history.
    let thrown = browser.command("throw shop checkout exploded");
    assert!(thrown.get("error").is_none(), "{thrown}");
    let line = rdx.wait_json("the page's report", |v| v["type"] == "report");
    assert_eq!(line["report_type"], "STATE", "{line}");
    let id = line["id"].as_str().unwrap().to_string();
    rdx.assert_running();
    // Its history: the load-time fetch, the click, the error; no @@INIT.
    let o = run(&["--url", &url, "--report", &id, "tail", "--json"]);
    o.expect(0);
    let lines = json_lines(&o);
    let types = action_types(&lines);
    assert_eq!(
        types,
        [
            "catalog/load/pending",
            "catalog/load/fulfilled",
            "counter/incremented",
            "@@redux-devtools/ERROR"
        ],
        "{}",
        stdout(&o)
    );
    assert_eq!(line["actions"], 4, "{line}");
    assert_eq!(
        lines[3]["action"]["message"], "Uncaught Error: checkout exploded",
        "{}",
        lines[3]
    );
    // The state after it, as the page had it.
    let o = run(&[
        "--url",
        &url,
        "--report",
        &id,
        "state",
        "--path",
        ".counter.value",
    ]);
    o.expect(0);
    assert_eq!(stdout(&o).trim(), "1");
    let page = browser.command("state shop");
    let o = run(&[
        "--url", &url, "--report", &id, "state", "--path", ".catalog",
    ]);
    o.expect(0);
    assert_eq!(
        serde_json::from_str::<Value>(stdout(&o).trim()).unwrap(),
        page["state"]["catalog"],
        "{page}"
    );
}
