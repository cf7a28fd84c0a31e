//! `rdx mcp` driven by a real MCP client: the official TypeScript SDK
//! (`Client` + `StdioClientTransport`, tests/mcp-client/client.js) against
//! the real DevTools server and real Redux stores, and against a recording;
//! malformed requests written straight to rdx's stdin. Every wait has a
//! watchdog.

use crate::util::e2e::{Apps, Monitor, NodeProc, Server};
use crate::util::*;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const WATCHDOG: Duration = Duration::from_secs(60);

/// The SDK client spawning `rdx ARGS`, once initialized.
struct Client {
    p: NodeProc,
    ready: Value,
    n: u64,
}

impl Client {
    fn start(args: &[&str]) -> Client {
        let dir = root().join("tests/mcp-client");
        assert!(
            dir.join("node_modules/@modelcontextprotocol/sdk").is_dir(),
            "MCP client deps missing: run `make e2e-deps` (npm ci in tests/mcp-client)"
        );
        let mut argv = vec![env!("CARGO_BIN_EXE_rdx").to_string()];
        argv.extend(args.iter().map(|s| s.to_string()));
        let state = std::env::temp_dir().join("rdx-test-state");
        let p = NodeProc::spawn_in(
            &dir,
            "client.js",
            &argv,
            "mcp-client",
            &[("XDG_STATE_HOME", state.to_str().unwrap())],
        );
        let ready = p.wait_for(WATCHDOG, "ready", |v| {
            v["ready"] == true || v["fatal"].is_string()
        });
        assert_eq!(ready["ready"], true, "{ready}");
        Client { p, ready, n: 0 }
    }

    /// Send a command; its tag.
    fn send(&mut self, mut cmd: Value) -> String {
        self.n += 1;
        let tag = format!("t{}", self.n);
        cmd["tag"] = json!(tag);
        self.p.send_line(&cmd.to_string());
        tag
    }

    fn call_async(&mut self, name: &str, args: Value) -> String {
        self.send(json!({"op": "call", "name": name, "args": args}))
    }

    fn wait(&self, tag: &str) -> Value {
        self.p.wait_for(WATCHDOG, tag, |v| v["tag"] == tag)
    }

    /// A tool call's result (`isError` false), its structured content.
    fn call(&mut self, name: &str, args: Value) -> Value {
        let tag = self.call_async(name, args.clone());
        let r = self.wait(&tag);
        assert_eq!(r["result"]["isError"], false, "{name} {args}: {r}");
        check_text_is_structured(&r["result"]);
        r["result"]["structuredContent"].clone()
    }

    /// A tool error's text.
    fn call_err(&mut self, name: &str, args: Value) -> String {
        let tag = self.call_async(name, args.clone());
        let r = self.wait(&tag);
        assert_eq!(r["result"]["isError"], true, "{name} {args}: {r}");
        r["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

/// The text content is the same JSON as the structured content.
fn check_text_is_structured(result: &Value) {
    let text = result["content"][0]["text"].as_str().expect("text content");
    let parsed: Value = serde_json::from_str(text).expect("JSON text");
    assert_eq!(parsed, result["structuredContent"]);
}

/// Poll list_sessions until `n` sessions are listed (apps connect at their pace).
fn sessions(c: &mut Client, n: usize) -> Vec<Value> {
    let end = Instant::now() + WATCHDOG;
    loop {
        let s = c.call("list_sessions", json!({}));
        let list = s["sessions"].as_array().unwrap().clone();
        if list.len() >= n {
            return list;
        }
        assert!(Instant::now() < end, "watchdog: {n} sessions: {s}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn id_of(list: &[Value], app: &str) -> String {
    list.iter()
        .find(|i| i["app"] == app)
        .unwrap_or_else(|| panic!("no {app} in {list:?}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn mcp_e2e_sdk_client_lists_reads_waits_and_labels_live_apps() {
    let server = Server::start();
    let mon = Monitor::start(&server);
    let mut apps = Apps::start(&server, &["shop", "admin"], &["--stdin-control"]);
    let mut started = std::collections::HashSet::new();
    while started.len() < 2 {
        let v = mon
            .0
            .wait_for(WATCHDOG, "a STATE", |v| v["type"] == "STATE");
        started.insert(v["instanceId"].as_str().unwrap().to_string());
    }
    let labels = TempDir::new("mcp-labels");
    let store = labels.join("labels.json");
    let port = server.port.to_string();
    let mut c = Client::start(&["--port", &port, "--labels", &store, "mcp"]);
    assert_eq!(c.ready["server"]["name"], "rdx");
    assert!(c.ready["capabilities"]["tools"].is_object());

    // The tool list: seven tools with input and output schemas.
    let tag = c.send(json!({"op": "list"}));
    let tools = c.wait(&tag)["tools"].as_array().unwrap().clone();
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "list_sessions",
            "get_state",
            "get_actions",
            "wait_for",
            "label_session",
            "list_reports",
            "get_report"
        ]
    );
    for t in &tools {
        assert_eq!(t["inputSchema"]["type"], "object", "{t}");
        assert_eq!(t["outputSchema"]["type"], "object", "{t}");
        assert!(t["description"].as_str().unwrap().len() > 80, "{t}");
    }

    let list = sessions(&mut c, 2);
    let shop = id_of(&list, "shop");
    assert_eq!(list.iter().filter(|i| i["status"] == "live").count(), 2);

    // Known dispatches; the app says what its counter is.
    apps.0.send_line("dispatch shop counter/set 41");
    apps.0
        .wait_for(WATCHDOG, "set", |v| v["type"] == "counter/set");
    apps.0
        .send_line(r#"dispatch shop todos/todoAdded {"id":1,"text":"milk"}"#);
    let last = apps
        .0
        .wait_for(WATCHDOG, "todoAdded", |v| v["type"] == "todos/todoAdded");
    let counter = last["counter"].clone();
    assert_eq!(counter, 41);

    // get_state at a path: what the app reports (once the action arrived).
    let w = c.call(
        "wait_for",
        json!({"instance": shop, "path": ".todos[0].text", "equals": "milk", "timeout_s": 30}),
    );
    assert_eq!(w["met"], true, "{w}");
    let s = c.call(
        "get_state",
        json!({"instance": shop, "path": ".counter.value"}),
    );
    assert_eq!(s["value"], counter, "{s}");
    assert_eq!(s["truncated"], false);
    let s = c.call("get_state", json!({"app": "shop"}));
    assert_eq!(
        s["value"]["todos"],
        json!([{"id": 1, "text": "milk"}]),
        "{s}"
    );

    // get_actions: the newest, with their payloads and diffs.
    let a = c.call(
        "get_actions",
        json!({"app": "shop", "limit": 2, "with_diff": true}),
    );
    let acts = a["actions"].as_array().unwrap();
    assert_eq!(acts.len(), 2, "{a}");
    assert_eq!(acts[0]["type"], "counter/set");
    assert_eq!(acts[0]["action"]["payload"], 41);
    assert_eq!(acts[1]["type"], "todos/todoAdded");
    assert_eq!(acts[1]["action"]["payload"]["text"], "milk");
    assert!(
        acts[0]["diff"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["path"] == ".counter.value" && d["new"] == 41),
        "{a}"
    );
    let newest = a["newest_id"].as_i64().unwrap();
    let only = c.call("get_actions", json!({"app": "shop", "type": "^counter/"}));
    assert!(
        only["actions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["type"].as_str().unwrap().starts_with("counter/"))
    );
    let none = c.call("get_actions", json!({"app": "shop", "since_id": newest}));
    assert_eq!(none["returned"], 0, "{none}");

    // An ambiguous selection: a tool error listing both candidates.
    let e = c.call_err("get_state", json!({"app": "/./"}));
    assert!(e.contains("2 instances match") && e.contains(&shop), "{e}");
    let e = c.call_err("get_state", json!({"app": "nosuch"}));
    assert!(e.contains("no instance matches app nosuch"), "{e}");

    // Concurrent calls: a wait the app satisfies later, one that times out,
    // and quick calls answered meanwhile.
    let t0 = Instant::now();
    let satisfied = c.call_async(
        "wait_for",
        json!({"app": "shop", "path": ".counter.value", "equals": 42, "timeout_s": 60}),
    );
    let times_out = c.call_async(
        "wait_for",
        json!({"app": "admin", "path": ".counter.value", "equals": 999, "timeout_s": 2}),
    );
    let quick = c.call_async("list_sessions", json!({}));
    let quick2 = c.call_async("get_state", json!({"app": "admin", "path": ".counter"}));
    let q = c.wait(&quick);
    assert_eq!(q["result"]["structuredContent"]["count"], 2, "{q}");
    let q2 = c.wait(&quick2);
    assert_eq!(
        q2["result"]["structuredContent"]["value"],
        json!({"value": 0}),
        "{q2}"
    );
    let to = c.wait(&times_out);
    let st = &to["result"]["structuredContent"];
    assert_eq!(
        (st["met"].clone(), st["timed_out"].clone()),
        (json!(false), json!(true)),
        "{to}"
    );
    assert!(t0.elapsed() >= Duration::from_secs(2));
    apps.0.send_line("dispatch shop counter/incremented");
    let sat = c.wait(&satisfied);
    let st = &sat["result"]["structuredContent"];
    assert_eq!(st["met"], true, "{sat}");
    assert_eq!(st["value"], 42);
    assert_eq!(st["last_action"]["type"], "counter/incremented", "{sat}");

    // wait_for changes.
    let ch = c.call_async(
        "wait_for",
        json!({"app": "admin", "path": ".todos", "changes": true, "timeout_s": 30}),
    );
    std::thread::sleep(Duration::from_millis(300));
    apps.0
        .send_line(r#"dispatch admin todos/todoAdded {"id":7}"#);
    let r = c.wait(&ch);
    assert_eq!(
        r["result"]["structuredContent"]["value"],
        json!([{"id": 7}]),
        "{r}"
    );

    // label_session: the CLI's label store; then select by label.
    let l = c.call("label_session", json!({"id": shop, "label": "checkout"}));
    assert_eq!(l["known"], true);
    let s = c.call(
        "get_state",
        json!({"select": "checkout", "path": ".counter.value"}),
    );
    assert_eq!(s["value"], 42);
    assert_eq!(s["label"], "checkout");
    let stored = std::fs::read_to_string(&store).unwrap();
    assert!(
        stored.contains("checkout") && stored.contains(&shop),
        "{stored}"
    );
    // Bad arguments through the SDK: a tool error that says what is wrong.
    let e = c.call_err("get_state", json!({"instance": shop, "path": ".a["}));
    assert!(e.contains("invalid path") && e.contains(".a["), "{e}");
    // An unknown tool is a protocol error (-32602).
    let tag = c.call_async("dispatch_action", json!({}));
    let r = c.wait(&tag);
    assert_eq!(r["code"], -32602, "{r}");
    c.p.send_line(r#"{"op":"close"}"#);
}

#[test]
fn mcp_replay_answers_from_the_recording() {
    let file = fixture("two-apps.jsonl");
    let mut c = Client::start(&["--replay", &file, "mcp"]);
    let s = c.call("list_sessions", json!({"all": true}));
    assert_eq!(s["source"], "replay");
    assert_eq!(s["count"], 3, "{s}");
    let s = c.call("list_sessions", json!({}));
    assert_eq!(
        (s["count"].clone(), s["hidden_gone"].clone()),
        (json!(2), json!(1)),
        "{s}"
    );
    let o = replay(
        &file,
        &[
            "state",
            "--instance",
            "65ioovqadda",
            "--path",
            ".counter.value",
        ],
    );
    o.expect(0);
    let want: Value = serde_json::from_str(stdout(&o.out).trim()).unwrap();
    let g = c.call(
        "get_state",
        json!({"instance": "65ioovqadda", "path": ".counter.value"}),
    );
    assert_eq!(g["value"], want, "{g}");
    let a = c.call(
        "get_actions",
        json!({"instance": "65ioovqadda", "limit": 3}),
    );
    assert_eq!(a["returned"], 3, "{a}");
    // The recording has ended: a wait cannot be met and says so at once.
    let w = c.call(
        "wait_for",
        json!({"instance": "65ioovqadda", "path": ".counter.value", "equals": -1}),
    );
    assert_eq!(w["met"], false);
    assert!(w["note"].as_str().unwrap().contains("recording"), "{w}");
    // The state (305 bytes) fits in max_bytes 100 and the envelope (2 KiB):
    // whole.
    let g = c.call(
        "get_state",
        json!({"instance": "65ioovqadda", "max_bytes": 100}),
    );
    assert_eq!(g["truncated"], false, "{g}");
    assert_eq!(
        g["value"],
        c.call("get_state", json!({"instance": "65ioovqadda"}))["value"]
    );
    c.p.send_line(r#"{"op":"close"}"#);
}

/// Raw lines straight to `rdx mcp`'s stdin; the answers, by id.
#[test]
fn mcp_bad_requests_are_answered_and_the_server_keeps_serving() {
    let mut child = rdx()
        .args(["--replay", &fixture("two-apps.jsonl"), "mcp"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut ask = |line: &str| -> Value {
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
        let got = rx
            .recv_timeout(WATCHDOG)
            .unwrap_or_else(|_| panic!("watchdog: no answer to {line}"));
        serde_json::from_str(&got).unwrap_or_else(|e| panic!("{got:?}: {e}"))
    };
    let init = ask(
        r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}"#,
    );
    assert_eq!(init["result"]["protocolVersion"], "2025-11-25");
    let old = ask(
        r#"{"jsonrpc":"2.0","id":"o","method":"initialize","params":{"protocolVersion":"1999-01-01"}}"#,
    );
    assert_eq!(old["result"]["protocolVersion"], "2025-11-25");
    let parse = ask("{this is not json");
    assert_eq!(
        (parse["id"].clone(), parse["error"]["code"].clone()),
        (Value::Null, json!(-32700))
    );
    let m = ask(r#"{"jsonrpc":"2.0","id":2,"method":"resources/list"}"#);
    assert_eq!(
        (m["id"].clone(), m["error"]["code"].clone()),
        (json!(2), json!(-32601))
    );
    let t = ask(
        r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"dispatch_action","arguments":{}}}"#,
    );
    assert_eq!(t["error"]["code"], -32602, "{t}");
    assert!(
        t["error"]["message"]
            .as_str()
            .unwrap()
            .contains("list_sessions")
    );
    // Bad arguments are the tool's answer (MCP 2025-11-25), saying what is
    // wrong, so that the agent can correct its call.
    let b = ask(
        r#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"get_state","arguments":{"max_bytes":"big"}}}"#,
    );
    assert_eq!(b["id"], 4, "{b}");
    assert_eq!(b["result"]["isError"], true, "{b}");
    let text = b["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("max_bytes must be an integer"), "{b}");
    let b = ask(
        r#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"wait_for","arguments":{"path":".a"}}}"#,
    );
    assert_eq!(b["result"]["isError"], true, "{b}");
    assert!(
        b["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("equals"),
        "{b}"
    );
    let b = ask(
        r#"{"jsonrpc":"2.0","id":"u","method":"tools/call","params":{"name":"get_actions","arguments":{"limt":3}}}"#,
    );
    assert_eq!(b["result"]["isError"], true, "{b}");
    // Arguments that are not an object are no CallToolRequest: -32602.
    let b = ask(
        r#"{"jsonrpc":"2.0","id":"n","method":"tools/call","params":{"name":"get_state","arguments":[1]}}"#,
    );
    assert_eq!(b["error"]["code"], -32602, "{b}");
    // 2025-03-26 (the revision with batches) is not offered: a batch is
    // one invalid request.
    let v = ask(
        r#"{"jsonrpc":"2.0","id":"v","method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}"#,
    );
    assert_eq!(v["result"]["protocolVersion"], "2025-11-25", "{v}");
    let batch = ask(r#"[{"jsonrpc":"2.0","id":"b1","method":"ping"}]"#);
    assert_eq!(
        (batch["id"].clone(), batch["error"]["code"].clone()),
        (Value::Null, json!(-32600)),
        "{batch}"
    );
    // Notifications are never answered: the next answer is the ping's.
    let p = ask(concat!(
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        "\n",
        r#"{"jsonrpc":"2.0","id":6,"method":"ping"}"#
    ));
    assert_eq!(
        (p["id"].clone(), p["result"].clone()),
        (json!(6), json!({}))
    );
    let s = ask(
        r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"list_sessions","arguments":{"all":true}}}"#,
    );
    assert_eq!(s["result"]["structuredContent"]["count"], 3, "{s}");
    drop(stdin);
    // stdin carries the requests: a recording cannot come from it too.
    let o = replay("-", &["mcp"]);
    o.expect(2);
    assert!(stderr(&o.out).contains("--replay -"), "{}", stderr(&o.out));
    let end = Instant::now() + WATCHDOG;
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            assert!(st.success(), "{st:?}");
            break;
        }
        assert!(
            Instant::now() < end,
            "watchdog: rdx mcp did not exit on a closed stdin"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn mcp_tools_say_when_the_server_is_unreachable_and_it_is_found_when_it_starts() {
    let port = free_port();
    let p = port.to_string();
    let mut c = Client::start(&["--port", &p, "--timeout", "1s", "mcp"]);
    let e = c.call_err("list_sessions", json!({}));
    assert!(e.contains("unreachable") && e.contains(&p), "{e}");
    let tag = c.send(json!({"op": "ping"}));
    assert_eq!(c.wait(&tag)["pong"], true);
    // The server starts later: rdx finds it by itself.
    let Some((_server, port)) = crate::util::e2e::server_on(port) else {
        eprintln!("note: the port was taken meanwhile; the rest is skipped");
        return;
    };
    let _apps = Apps::start_on(port, &["late"], &["--stdin-control"]);
    let end = Instant::now() + WATCHDOG;
    loop {
        let tag = c.call_async("list_sessions", json!({}));
        let r = c.wait(&tag);
        if r["result"]["isError"] == false && r["result"]["structuredContent"]["count"] == 1 {
            assert_eq!(
                r["result"]["structuredContent"]["sessions"][0]["app"],
                "late"
            );
            break;
        }
        assert!(
            Instant::now() < end,
            "watchdog: rdx never found the server: {r}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    c.p.send_line(r#"{"op":"close"}"#);
}

/// Call `name` until `ok` holds for its whole answer (result or error).
fn until_answer(
    c: &mut Client,
    name: &str,
    args: Value,
    what: &str,
    ok: impl Fn(&Value) -> bool,
) -> Value {
    let end = Instant::now() + WATCHDOG;
    loop {
        let tag = c.call_async(name, args.clone());
        let r = c.wait(&tag);
        if ok(&r["result"]) {
            return r["result"].clone();
        }
        assert!(Instant::now() < end, "watchdog: {what}: last answer {r}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn mcp_e2e_a_restarted_server_and_a_reloaded_app_are_followed() {
    use crate::util::e2e::server_on;
    let port = free_port();
    let Some((mut srv, _)) = server_on(port) else {
        eprintln!("note: the port was taken; skipped");
        return;
    };
    let mut apps = Apps::start_on(port, &["shop"], &["--stdin-control", "--fast-reconnect"]);
    let p = port.to_string();
    let mut c = Client::start(&["--port", &p, "mcp"]);
    let first = id_of(&sessions(&mut c, 1), "shop");
    apps.0.send_line("dispatch shop counter/set 5");
    let w = c.call(
        "wait_for",
        json!({"app": "shop", "path": ".counter.value", "equals": 5, "timeout_s": 30}),
    );
    assert_eq!(w["met"], true, "{w}");

    // The server goes away: the tools say so; it comes back: they answer again.
    srv.kill();
    let r = until_answer(
        &mut c,
        "get_state",
        json!({"app": "shop"}),
        "unreachable",
        |r| {
            r["isError"] == true
                && r["content"][0]["text"]
                    .as_str()
                    .unwrap_or("")
                    .contains("unreachable")
        },
    );
    assert!(
        r["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("reconnecting"),
        "{r}"
    );
    let Some((_srv2, _)) = server_on(port) else {
        eprintln!("note: the port was taken on restart; the rest is skipped");
        return;
    };
    until_answer(
        &mut c,
        "get_state",
        json!({"app": "shop", "path": ".counter.value"}),
        "back",
        |r| r["isError"] == false && r["structuredContent"]["value"] == 5,
    );
    apps.0.send_line("dispatch shop counter/set 6");
    let w = c.call(
        "wait_for",
        json!({"app": "shop", "path": ".counter.value", "equals": 6, "timeout_s": 30}),
    );
    assert_eq!(w["met"], true, "{w}");

    // A reload: the app's old store goes, a new one comes under the same name;
    // `app: shop` follows the new one, the old one is listed as gone.
    apps.0.send_line("quit");
    let _ = apps.0.child.wait();
    let mut fresh = Apps::start_on(port, &["shop"], &["--stdin-control", "--fast-reconnect"]);
    until_answer(
        &mut c,
        "list_sessions",
        json!({"all": true}),
        "the reloaded app",
        |r| {
            let list = r["structuredContent"]["sessions"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            list.iter()
                .any(|i| i["id"] == first.as_str() && i["status"] == "gone")
                && list
                    .iter()
                    .any(|i| i["id"] != first.as_str() && i["status"] == "live")
        },
    );
    fresh.0.send_line("dispatch shop counter/set 9");
    let w = c.call(
        "wait_for",
        json!({"app": "shop", "path": ".counter.value", "equals": 9, "timeout_s": 30}),
    );
    assert_eq!(w["met"], true, "{w}");
    assert_ne!(w["instance"], first.as_str());
    c.p.send_line(r#"{"op":"close"}"#);
}

/// A real page in Chromium (tests/util/browser.rs): its cart read through
/// the label an agent gave it, and the label followed across a tab reload.
#[test]
fn mcp_browser_a_labelled_tab_is_followed_across_a_reload() {
    let server = Server::start();
    let mut browser = crate::util::browser::Browser::start(server.port);
    let old = browser.open("t1", "shop")["instance"]
        .as_str()
        .unwrap()
        .to_string();
    let dir = TempDir::new("mcp-browser-labels");
    let store = dir.join("labels.json");
    let port = server.port.to_string();
    let mut c = Client::start(&["--port", &port, "--labels", &store, "mcp"]);
    let list = sessions(&mut c, 1);
    assert_eq!(list[0]["id"], old.as_str());
    c.call("label_session", json!({"id": old, "label": "my-cart"}));
    browser.click("t1", "add-to-cart");
    let w = c.call(
        "wait_for",
        json!({"select": "my-cart", "path": ".cart.count", "equals": 1, "timeout_s": 30}),
    );
    assert_eq!(w["met"], true, "{w}");
    assert_eq!(w["label"], "my-cart");

    let reloaded = browser.reload("t1");
    let new = reloaded["instance"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    let r = until_answer(
        &mut c,
        "get_state",
        json!({"select": "my-cart", "path": ".cart.count"}),
        "the reloaded tab",
        |r| r["isError"] == false && r["structuredContent"]["instance"] == new.as_str(),
    );
    assert_eq!(
        r["structuredContent"]["value"], 0,
        "a reloaded page starts with an empty cart: {r}"
    );
    browser.click("t1", "add-to-cart");
    let w = c.call(
        "wait_for",
        json!({"select": "my-cart", "path": ".cart.count", "equals": 1, "timeout_s": 30}),
    );
    assert_eq!(
        (w["met"].clone(), w["instance"].clone()),
        (json!(true), json!(new)),
        "{w}"
    );
    let a = c.call(
        "get_actions",
        json!({"select": "my-cart", "type": "^cart/"}),
    );
    assert_eq!(
        a["actions"].as_array().unwrap().last().unwrap()["type"],
        "cart/added",
        "{a}"
    );
    c.p.send_line(r#"{"op":"close"}"#);
}

/// `notifications/cancelled` drops a pending `wait_for`: it is never answered,
/// and the server goes on serving.
#[test]
fn mcp_e2e_a_cancelled_wait_is_never_answered() {
    let server = Server::start();
    let mut apps = Apps::start(&server, &["shop"], &["--stdin-control"]);
    let port = server.port.to_string();
    let mut child = rdx()
        .args(["--port", &port, "mcp"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut say = |line: &str| {
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    };
    let next = || -> Value {
        let got = rx.recv_timeout(WATCHDOG).expect("watchdog: an answer");
        serde_json::from_str(&got).unwrap()
    };
    let wait = |id: u32| {
        format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"wait_for","arguments":{{"app":"shop","path":".counter.value","equals":999,"timeout_s":60}}}}}}"#
        )
    };
    // The app is known and has a state before the wait starts.
    let end = Instant::now() + WATCHDOG;
    loop {
        say(
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_state","arguments":{"app":"shop"}}}"#,
        );
        if next()["result"]["isError"] == false {
            break;
        }
        assert!(Instant::now() < end, "watchdog: no state from shop");
        std::thread::sleep(Duration::from_millis(200));
    }
    say(&wait(10));
    say(
        r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":10,"reason":"test"}}"#,
    );
    say(r#"{"jsonrpc":"2.0","id":11,"method":"ping"}"#);
    assert_eq!(next()["id"], 11);
    apps.0.send_line("dispatch shop counter/set 999");
    // A second wait for the same value: met once the action is in; the
    // cancelled one, had it been kept, would be answered first.
    say(&wait(12));
    let got = next();
    assert_eq!(got["id"], 12, "{got}");
    assert_eq!(got["result"]["structuredContent"]["met"], true, "{got}");
    let _ = child.kill();
    let _ = child.wait();
}

/// A corrupt label store: `rdx mcp` says so once and serves without labels;
/// `label_session` is a tool error that leaves the store as it is.
#[test]
fn mcp_serves_without_labels_when_the_store_is_corrupt() {
    let dir = TempDir::new("mcp-corrupt");
    let store = dir.join("labels.json");
    std::fs::write(&store, "{oops").unwrap();
    let requests = dir.join("requests.jsonl");
    std::fs::write(
        &requests,
        [
            r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_sessions","arguments":{"all":true}}}"#,
            r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"label_session","arguments":{"id":"4xxi9ufznu6","label":"x"}}}"#,
        ]
        .join("\n")
            + "\n",
    )
    .unwrap();
    let args = [
        "--labels",
        &store,
        "--replay",
        &fixture("two-apps.jsonl"),
        "mcp",
    ];
    let o = run_cmd(
        rdx()
            .args(args)
            .stdin(std::fs::File::open(&requests).unwrap()),
        &args,
    );
    o.expect(0);
    let answers: Vec<Value> = json_lines(&o);
    let by_id = |id: i64| {
        answers
            .iter()
            .find(|a| a["id"] == id)
            .unwrap_or_else(|| panic!("no answer {id}: {answers:?}"))
    };
    assert_eq!(
        by_id(1)["result"]["structuredContent"]["count"],
        3,
        "{answers:?}"
    );
    assert_eq!(by_id(2)["result"]["isError"], true, "{answers:?}");
    let err = stderr(&o);
    assert_eq!(err.matches("warning: label store").count(), 1, "{err}");
    assert!(err.contains(&store), "{err}");
    assert_eq!(std::fs::read_to_string(&store).unwrap(), "{oops");
}

/// A server's close reason is the server's text: on stderr it loses its
/// control characters (ESC, C1, BEL) and bidi overrides.
#[test]
fn mcp_a_close_reason_reaches_stderr_without_control_characters() {
    use crate::util::fake::{handshake, idle, serve, subscribe};
    let (port, _sent) = serve(1, |_, ws, sent| {
        assert!(handshake(ws, sent, 30_000));
        assert!(subscribe(ws, sent));
        let _ = ws.close(Some(tungstenite::protocol::CloseFrame {
            code: tungstenite::protocol::frame::coding::CloseCode::from(4001),
            reason: "bye\u{1b}[2J\u{9b}31m\u{202e}\u{85}\u{7}x".into(),
        }));
        idle(ws, sent, Duration::from_millis(500));
    });
    let url = format!("ws://127.0.0.1:{port}/socketcluster/");
    let mut child = rdx()
        .args(["--url", &url, "--no-reconnect", "mcp"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let err = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let end = Instant::now() + WATCHDOG;
    let line = loop {
        let l = rx
            .recv_timeout(end.saturating_duration_since(Instant::now()))
            .expect("watchdog: no close reason on stderr");
        if l.contains("4001") {
            break l;
        }
    };
    assert!(line.contains("bye") && line.contains('x'), "{line:?}");
    let raw: Vec<char> = line
        .chars()
        .filter(|&c| {
            c < ' ' || ('\u{7f}'..='\u{9f}').contains(&c) || ('\u{202a}'..='\u{202e}').contains(&c)
        })
        .collect();
    assert!(raw.is_empty(), "raw {raw:?} in {line:?}");
    drop(stdin);
    let o = wait_output(child, WATCHDOG, "rdx mcp, stdin closed");
    assert!(o.status.success(), "{:?}", o.status);
}

/// The peak resident memory of a process, in bytes (Linux).
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/PID/status");
    kb * 1024
}

/// `rdx mcp` reading raw lines: stdin, and a channel of its stdout lines.
struct Raw {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    rx: mpsc::Receiver<String>,
}

impl Raw {
    fn start(args: &[&str]) -> Raw {
        let mut child = rdx()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Raw { child, stdin, rx }
    }

    /// Write `line` and a newline; the next line rdx writes, raw.
    fn ask_raw(&mut self, line: &[u8]) -> String {
        self.stdin.write_all(line).unwrap();
        self.stdin.write_all(b"\n").unwrap();
        self.stdin.flush().unwrap();
        self.rx
            .recv_timeout(WATCHDOG)
            .expect("watchdog: no answer from rdx mcp")
    }

    fn ask(&mut self, line: &str) -> Value {
        let got = self.ask_raw(line.as_bytes());
        serde_json::from_str(&got).unwrap_or_else(|e| panic!("{got:?}: {e}"))
    }

    /// Close stdin: rdx ends with exit 0.
    fn close(self) {
        drop(self.stdin);
        let o = wait_output(self.child, WATCHDOG, "rdx mcp, stdin closed");
        assert!(o.status.success(), "{:?}", o.status);
    }
}

#[test]
fn mcp_a_request_line_over_16_mib_is_answered_32700_and_never_held_whole() {
    let mut m = Raw::start(&["--replay", &fixture("two-apps.jsonl"), "mcp"]);
    let p = m.ask(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#);
    assert_eq!(p["result"], json!({}), "{p}");
    let before = peak_rss(m.child.id());
    // 100 MiB on one line: a request, a string of x and no end.
    let mut line = br#"{"jsonrpc":"2.0","id":2,"method":"ping","params":{"x":""#.to_vec();
    line.resize(100 << 20, b'x');
    let e = m.ask(std::str::from_utf8(&line).unwrap().trim_end());
    assert_eq!(
        (e["id"].clone(), e["error"]["code"].clone()),
        (Value::Null, json!(-32700)),
        "{e}"
    );
    assert!(
        e["error"]["message"].as_str().unwrap().contains("16 MiB"),
        "{e}"
    );
    let grew = peak_rss(m.child.id()).saturating_sub(before);
    assert!(
        grew < 48 << 20,
        "rdx held {} MiB more for a 100 MiB line",
        grew >> 20
    );
    // The next line is served.
    let p = m.ask(r#"{"jsonrpc":"2.0","id":3,"method":"ping"}"#);
    assert_eq!(
        (p["id"].clone(), p["result"].clone()),
        (json!(3), json!({}))
    );
    m.close();
}

/// The envelope `rdx mcp` documents: a tool result is at most max_bytes +
/// this many bytes.
const ENVELOPE: usize = 2048;

/// A recording with strings from the wire that no answer may carry whole: a
/// 1 MB instance id, a 1.2 MB app name, action type and state key (with a
/// C1 CSI and a bidi override in them), and 300 more instances.
fn oversized_recording(dir: &TempDir) -> String {
    let path = dir.join("oversized.jsonl");
    let long = "L\u{9b}\u{202e}".repeat(200_000);
    let big = format!("big{}", "i".repeat(1_000_000));
    let frame = |t: u64, msg: Value| {
        let f = json!({"event": "#publish", "data": {"channel": "log", "data": msg}});
        json!({"t": t, "dir": "in", "data": f.to_string()}).to_string()
    };
    let lifted = |state: Value| {
        json!({"actionsById": {"0": {"type": "PERFORM_ACTION", "action": {"type": "@@INIT"}, "timestamp": 1}},
            "computedStates": [{"state": state}], "currentStateIndex": 0, "nextActionId": 1,
            "stagedActionIds": [0], "skippedActionIds": []})
        .to_string()
    };
    let todos: Vec<Value> = (0..300)
        .map(|i| json!({"id": i, "title": format!("todo {i}")}))
        .collect();
    let mut lines = vec![frame(
        1000,
        json!({"type": "STATE", "id": "s0", "instanceId": big, "name": long,
            "payload": lifted(json!({long.as_str(): long, "v": 1, "todos": todos}))}),
    )];
    let action = json!({"type": "PERFORM_ACTION", "action": {"type": long, "payload": long}, "timestamp": 1001});
    lines.push(frame(
        1001,
        json!({"type": "ACTION", "id": "s0", "instanceId": big, "name": long, "action": action.to_string(),
            "payload": json!({long.as_str(): 2, "v": 2, "todos": todos}).to_string(), "nextActionId": 2}),
    ));
    for i in 0..300 {
        lines.push(frame(
            2000 + i,
            json!({"type": "STATE", "id": format!("s{i}"), "instanceId": format!("inst{i:03}"),
                "name": format!("app{i:03}"), "payload": lifted(json!({"v": i}))}),
        ));
    }
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

/// Every answer, strings from the wire and lists included, is at most
/// max_bytes + the envelope, says what it cut, and is terminal-safe.
#[test]
fn mcp_every_answer_is_bounded_by_max_bytes_and_says_what_it_cut() {
    let dir = TempDir::new("mcp-oversized");
    let file = oversized_recording(&dir);
    let labels = dir.join("labels.json");
    let mut m = Raw::start(&["--labels", &labels, "--replay", &file, "mcp"]);
    let calls = [
        (
            "list_sessions",
            json!({"all": true}),
            vec!["sessions_left_out"],
        ),
        (
            "list_sessions",
            json!({"id_prefix": "bigiii"}),
            vec!["strings"],
        ),
        (
            "get_state",
            json!({"id_prefix": "bigiii"}),
            vec!["strings", "values"],
        ),
        (
            "get_state",
            json!({"id_prefix": "bigiii", "path": ".todos"}),
            vec!["strings"],
        ),
        (
            "get_actions",
            json!({"id_prefix": "bigiii", "with_diff": true}),
            vec!["strings"],
        ),
        (
            "wait_for",
            json!({"id_prefix": "bigiii", "path": ".v", "equals": 2}),
            vec!["strings"],
        ),
        (
            "label_session",
            json!({"id": "x".repeat(100_000), "label": "big"}),
            vec!["strings"],
        ),
    ];
    let mut n = 0;
    for max in [Some(100), Some(5000), None] {
        let limit = max.unwrap_or(20_000) + ENVELOPE;
        let mut ask = |name: &str, mut args: Value| -> (Value, usize) {
            if let Some(max) = max {
                args["max_bytes"] = json!(max);
            }
            n += 1;
            let req = json!({"jsonrpc": "2.0", "id": n, "method": "tools/call",
                "params": {"name": name, "arguments": args}});
            let line = m.ask_raw(req.to_string().as_bytes());
            let raw: Vec<char> = line
                .chars()
                .filter(|&c| {
                    c < ' '
                        || ('\u{7f}'..='\u{9f}').contains(&c)
                        || ('\u{202a}'..='\u{202e}').contains(&c)
                })
                .collect();
            assert!(
                raw.is_empty(),
                "{name} {max:?}: raw {:?}",
                &raw[..raw.len().min(5)]
            );
            let prefix = format!(r#"{{"jsonrpc":"2.0","id":{n},"result":"#);
            assert!(
                line.starts_with(&prefix) && line.ends_with('}'),
                "{}",
                &line[..line.len().min(300)]
            );
            let size = line.len() - prefix.len() - 1;
            (serde_json::from_str(&line).unwrap(), size)
        };
        for (name, args, said) in &calls {
            let (r, size) = ask(name, args.clone());
            let what = format!("{name} {args:.80} max_bytes {max:?}");
            assert!(size <= limit, "{what}: a {size}-byte result");
            let r = &r["result"];
            assert_eq!(r["isError"], false, "{what}: {r:.500}");
            let s = &r["structuredContent"];
            let text: Value =
                serde_json::from_str(r["content"][0]["text"].as_str().unwrap()).unwrap();
            assert_eq!(&text, s, "{what}");
            assert_eq!(s["truncated"], true, "{what}: {s:.500}");
            assert_eq!(
                s["cut"]["max_bytes"],
                max.unwrap_or(20_000),
                "{what}: {s:.500}"
            );
            for k in said {
                assert!(
                    s["cut"][k].as_u64().unwrap_or(0) > 0,
                    "{what}: no cut.{k} in {s:.800}"
                );
            }
        }
        // An error listing 300 candidates is cut too.
        let (e, size) = ask("get_state", json!({"app": "/^app/"}));
        assert!(size <= limit, "ambiguous, max_bytes {max:?}: {size} bytes");
        assert_eq!(e["result"]["isError"], true);
    }
    // What fits is whole and says nothing was cut.
    let (r, _) = {
        n += 1;
        let req = json!({"jsonrpc": "2.0", "id": n, "method": "tools/call",
            "params": {"name": "get_state", "arguments": {"instance": "inst007", "max_bytes": 100}}});
        let line = m.ask_raw(req.to_string().as_bytes());
        (serde_json::from_str::<Value>(&line).unwrap(), line.len())
    };
    let s = &r["result"]["structuredContent"];
    assert_eq!(
        (s["value"].clone(), s["truncated"].clone()),
        (json!({"v": 7}), json!(false)),
        "{s}"
    );
    assert!(s.get("cut").is_none(), "{s}");
    m.close();
    // The SDK client takes every cut answer as valid against its output
    // schema.
    let mut c = Client::start(&["--labels", &labels, "--replay", &file, "mcp"]);
    // Listed first: the SDK checks results against the schemas it listed.
    let tag = c.send(json!({"op": "list"}));
    assert!(c.wait(&tag)["tools"].is_array());
    for (name, args, _) in &calls {
        let mut args = args.clone();
        args["max_bytes"] = json!(100);
        let s = c.call(name, args);
        assert_eq!(s["truncated"], true, "{name}: {s:.300}");
    }
    c.p.send_line(r#"{"op":"close"}"#);
}

/// What `rdx mcp` keeps is bounded in bytes, not only in count: 200 actions
/// of 60 KB (12 MB) keep the newest 4 MiB, a 19 MB state is kept cut (and
/// says so), and rdx's memory stays far below what the recording holds.
#[test]
fn mcp_kept_actions_and_states_are_bounded_in_bytes() {
    let dir = TempDir::new("mcp-kept");
    let path = dir.join("kept.jsonl");
    let frame = |t: u64, msg: Value| {
        let f = json!({"event": "#publish", "data": {"channel": "log", "data": msg}});
        json!({"t": t, "dir": "in", "data": f.to_string()}).to_string()
    };
    let mut lines = Vec::new();
    for i in 1..=200u64 {
        let items: Vec<Value> = (0..1500)
            .map(|j| json!({"id": j, "text": format!("item {j} of action {i}")}))
            .collect();
        let action = json!({"type": "PERFORM_ACTION", "action": {"type": "items/loaded", "payload": items}, "timestamp": 1000 + i});
        lines.push(frame(
            1000 + i,
            json!({"type": "ACTION", "id": "s1", "instanceId": "r1", "name": "shop",
                "action": action.to_string(), "payload": json!({"n": i}).to_string(), "nextActionId": i + 1}),
        ));
    }
    let title = "t".repeat(200);
    let todos: Vec<Value> = (0..80_000)
        .map(|i| json!({"id": i, "title": title, "done": false}))
        .collect();
    let lifted = json!({"actionsById": {"0": {"type": "PERFORM_ACTION", "action": {"type": "@@INIT"}, "timestamp": 1}},
        "computedStates": [{"state": {"todos": todos}}], "currentStateIndex": 0, "nextActionId": 1,
        "stagedActionIds": [0], "skippedActionIds": []});
    lines.push(frame(
        5000,
        json!({"type": "STATE", "id": "s2", "instanceId": "big", "name": "admin", "payload": lifted.to_string()}),
    ));
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size > 20 << 20, "{size}");

    let mut m = Raw::start(&["--replay", &path, "mcp"]);
    let a = m.ask(
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_actions","arguments":{"instance":"r1","limit":1}}}"#,
    );
    let s = &a["result"]["structuredContent"];
    assert_eq!(s["newest_id"], 200, "{a:.300}");
    let kept = s["kept"].as_u64().unwrap();
    assert!(
        (30..150).contains(&kept),
        "kept {kept} actions of 60 KB: {s:.300}"
    );
    let g = m.ask(
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_state","arguments":{"instance":"big","max_bytes":100}}}"#,
    );
    let s = &g["result"]["structuredContent"];
    assert!(
        s["state_kept_cut"]["state_bytes"].as_u64().unwrap() > 16 << 20,
        "{s:.600}"
    );
    assert_eq!(s["truncated"], true, "{s:.300}");
    let rss = {
        let status = std::fs::read_to_string(format!("/proc/{}/status", m.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap()
            * 1024
    };
    assert!(rss < 200 << 20, "rdx mcp holds {} MiB", rss >> 20);
    m.close();
}

#[test]
fn mcp_on_an_expo_dev_server_lists_reads_and_waits() {
    use crate::util::expo::{ExpoApp, ExpoServer};
    let server = ExpoServer::start_without_bundle();
    let mut app = ExpoApp::start(&server, "expo-shop", &[]);
    let url = server.url();
    let mut c = Client::start(&["--url", &url, "mcp"]);
    let list = sessions(&mut c, 1);
    assert_eq!(id_of(&list, "expo-shop"), app.instance());
    app.dispatch("counter/incrementByAmount", Some(&json!(41)));
    let w = c.call(
        "wait_for",
        json!({"app": "expo-shop", "path": ".counter.value", "equals": 41, "timeout_s": 30}),
    );
    assert_eq!(w["met"], true, "{w}");
    // A small action with a long type is shown whole.
    let a = c.call("get_actions", json!({"app": "expo-shop", "limit": 5}));
    assert_eq!(a["truncated"], false, "{a}");
    let acts = a["actions"].as_array().unwrap();
    assert_eq!(
        acts.last().unwrap()["type"],
        "counter/incrementByAmount",
        "{a}"
    );
    assert_eq!(acts.last().unwrap()["action"]["payload"], 41, "{a}");
}

/// POST a report to the DevTools server (as an app's sendOnError does):
/// the id it was stored as. The server makes its reports table after it
/// listens (its migrations run then, and say nothing when done): until
/// then a POST is answered 500, and is made again.
fn post_report(port: u16, body: &Value) -> String {
    use std::io::Read;
    let body = body.to_string();
    let end = Instant::now() + WATCHDOG;
    let answer = loop {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect to POST");
        s.set_read_timeout(Some(WATCHDOG)).unwrap();
        write!(
            s,
            "POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).expect("the POST's answer");
        if !answer.starts_with("HTTP/1.1 500") {
            break answer;
        }
        assert!(
            Instant::now() < end,
            "watchdog: the server answers 500: {answer}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let json = &answer[answer.find("\r\n\r\n").expect("a body") + 4..];
    let v: Value = serde_json::from_str(json.trim()).unwrap_or_else(|e| panic!("{e}: {answer}"));
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{v}"))
        .to_string()
}

/// A lifted state (what @redux-devtools/remote POSTs as `payload`) of
/// `n` `INC` actions, the state `{"counter": n, "todos": [...]}`.
fn lifted(n: u64, todos: usize) -> String {
    let todos: Vec<Value> = (0..todos)
        .map(|i| json!({"id": i, "text": format!("todo number {i}")}))
        .collect();
    let mut by_id = serde_json::Map::new();
    let mut computed = Vec::new();
    for i in 0..=n {
        let ty = if i == 0 { "@@INIT" } else { "INC" };
        by_id.insert(
            i.to_string(),
            json!({"type": "PERFORM_ACTION", "action": {"type": ty}, "timestamp": 1_700_000_000_000u64 + i}),
        );
        computed.push(json!({"state": {"counter": i, "todos": todos}}));
    }
    json!({"monitorState": {}, "actionsById": by_id, "nextActionId": n + 1,
        "stagedActionIds": (0..=n).collect::<Vec<_>>(), "skippedActionIds": [],
        "currentStateIndex": n, "computedStates": computed, "isLocked": false, "isPaused": false})
    .to_string()
}

#[test]
fn mcp_e2e_stored_reports_are_listed_read_cut_and_an_unknown_one_is_an_error() {
    let server = Server::start();
    let id = post_report(
        server.port,
        &json!({"type": "STATE", "title": "t1", "instanceId": "i1", "payload": lifted(2, 200)}),
    );
    let port = server.port.to_string();
    let mut c = Client::start(&["--port", &port, "mcp"]);

    // The list comes when rdx subscribes; the call waits for it.
    let l = c.call("list_reports", json!({}));
    assert_eq!(l["source"], "live", "{l}");
    assert_eq!(l["count"], 1, "{l}");
    assert_eq!(l["truncated"], false, "{l}");
    let r = &l["reports"][0];
    assert_eq!(r["type"], "report");
    assert_eq!(r["id"], id.as_str());
    assert_eq!(r["title"], "t1");
    assert_eq!(r["instance"], "i1");
    assert_eq!(r["report_type"], "STATE");
    assert_eq!(r["actions"], 2);
    assert_eq!(r["app"], Value::Null);
    assert!(
        r["added"].as_str().unwrap().ends_with('Z'),
        "the server's time, RFC 3339: {r}"
    );
    // The filters, as `rdx reports` takes them.
    for (args, n) in [
        (json!({"title": "^t1$", "since": "1h", "instance": "i1"}), 1),
        (json!({"title": "nope"}), 0),
        (json!({"instance": "i2"}), 0),
        (json!({"since": "2000-01-01T00:00:00Z"}), 1),
    ] {
        let l = c.call("list_reports", args.clone());
        assert_eq!(l["count"], n, "{args}: {l}");
        if n == 0 {
            assert!(l["note"].as_str().unwrap().contains("filters"), "{l}");
        }
    }

    // One report whole: its actions and its final state.
    let g = c.call("get_report", json!({"id": id}));
    assert_eq!(g["truncated"], false, "{g}");
    let v = &g["value"];
    assert_eq!(v["id"], id.as_str());
    assert_eq!(v["title"], "t1");
    assert_eq!(v["instance"], "i1");
    assert_eq!(v["history"], "states");
    assert_eq!(
        v["actions"],
        json!([{"id": 1, "type": "INC"}, {"id": 2, "type": "INC"}])
    );
    assert_eq!(v["final_state"]["counter"], 2);
    assert_eq!(v["final_state"]["todos"].as_array().unwrap().len(), 200);
    let g = c.call(
        "get_report",
        json!({"id": id, "path": ".final_state.todos[199].text"}),
    );
    assert_eq!(g["value"], "todo number 199", "{g}");

    // A small max_bytes: cut, and it says what.
    let tag = c.call_async("get_report", json!({"id": id, "max_bytes": 1000}));
    let whole = c.wait(&tag);
    let size = whole["result"].to_string().len();
    assert!(size <= 1000 + 2048, "{size} bytes: {whole}");
    let g = &whole["result"]["structuredContent"];
    assert_eq!(g["truncated"], true, "{g}");
    assert!(g["omitted_bytes"].as_u64().unwrap() > 5000, "{g}");
    assert!(g["cut"]["values"].as_u64().unwrap() >= 1, "{g}");
    assert!(
        g["largest_paths"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["path"] == ".final_state"),
        "{g}"
    );

    // An unknown id, a bad argument: tool errors; the server keeps serving.
    let e = c.call_err(
        "get_report",
        json!({"id": "00000000-0000-0000-0000-000000000000"}),
    );
    assert!(e.contains("has no report"), "{e}");
    let e = c.call_err("list_reports", json!({"since": "soon"}));
    assert!(e.contains("since"), "{e}");

    // A report stored while rdx runs is listed too (the server publishes it).
    let second = post_report(
        server.port,
        &json!({"type": "STATE", "title": "t2", "instanceId": "i2", "payload": lifted(1, 0)}),
    );
    let end = Instant::now() + WATCHDOG;
    loop {
        let l = c.call("list_reports", json!({}));
        if l["count"] == 2 {
            assert_eq!(l["reports"][0]["id"], second.as_str(), "newest first: {l}");
            assert_eq!(l["reports"][1]["id"], id.as_str());
            break;
        }
        assert!(Instant::now() < end, "watchdog: the second report: {l}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let s = c.call("list_sessions", json!({}));
    assert!(s["sessions"].is_array());

    // A recording has no stored reports: a tool error that says so.
    let file = fixture("two-apps.jsonl");
    let mut r = Client::start(&["--replay", &file, "mcp"]);
    let e = r.call_err("list_reports", json!({}));
    assert!(e.contains("need a live one"), "{e}");
}

/// A server whose report database failed lists reports but never answers
/// getReport: the call is a tool error after --timeout, and the other
/// calls are answered meanwhile and after.
#[test]
fn mcp_a_get_report_never_answered_is_an_error_after_the_timeout() {
    use crate::util::fake::{handshake, idle, send, serve, subscribe};
    let (port, sent) = serve(1, |_, ws, sent| {
        assert!(handshake(ws, sent, 30_000));
        assert!(subscribe(ws, sent));
        send(
            ws,
            r##"{"event":"#publish","data":{"channel":"report","data":{"type":"list","data":[{"id":"r1","title":"lost","added":"2026-12-03T06:20:58.543Z"}]}}}"##,
        );
        idle(ws, sent, Duration::from_secs(30));
    });
    let url = format!("ws://127.0.0.1:{port}/socketcluster/");
    let mut c = Client::start(&["--url", &url, "--timeout", "1s", "mcp"]);
    let get = c.call_async("get_report", json!({"id": "r1"}));
    let list = c.call_async("list_reports", json!({}));
    // Served meanwhile.
    let ping = c.send(json!({"op": "ping"}));
    assert_eq!(c.wait(&ping)["pong"], true);
    for (tag, says) in [
        (get, "did not answer getReport r1"),
        (list, "answered getReport for 0 of the 1"),
    ] {
        let r = c.wait(&tag);
        assert_eq!(r["result"]["isError"], true, "{r}");
        let text = r["result"]["content"][0]["text"].as_str().unwrap();
        assert!(text.contains(says), "{text}");
        let ms = r["ms"].as_u64().unwrap();
        assert!((900..10_000).contains(&ms), "answered after {ms} ms");
    }
    let asked: Vec<String> = sent
        .try_iter()
        .filter(|f| f.contains("getReport"))
        .collect();
    assert!(
        asked.iter().any(|f| f.contains(r#""data":"r1""#)),
        "{asked:?}"
    );
    let s = c.call("list_sessions", json!({}));
    assert!(s["sessions"].is_array());
}
