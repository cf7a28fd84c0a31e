//! "Every action once", "Reloads" and "Waiting" (SPEC.md) on recorded
//! traffic (fixtures/README.md says how each file was made), and on an
//! in-process fake server where only silence can show a timeout.

use crate::util::fake::*;
use crate::util::*;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Decoded independently of rdx: per action id of `instance`, how it
/// appears in the file (as an ACTION, or only inside a STATE's history, with
/// its timestamp), and its type.
struct Seen {
    by_action: BTreeSet<i64>,
    in_state: BTreeMap<i64, (String, u64)>,
    types: BTreeMap<i64, String>,
}

fn seen(file: &str, instance: &str) -> Seen {
    let mut s = Seen {
        by_action: BTreeSet::new(),
        in_state: BTreeMap::new(),
        types: BTreeMap::new(),
    };
    for (_, m) in relay_messages(file) {
        if m["instanceId"] != instance {
            continue;
        }
        match m["type"].as_str() {
            Some("ACTION") => {
                let id = m["nextActionId"].as_i64().unwrap() - 1;
                s.by_action.insert(id);
                s.types.insert(id, action_type(&m));
            }
            Some("STATE") => {
                let p: Value = serde_json::from_str(m["payload"].as_str().unwrap()).unwrap();
                for id in p["stagedActionIds"].as_array().unwrap() {
                    let id = id.as_i64().unwrap();
                    let a = &p["actionsById"][id.to_string()];
                    let ty = a["action"]["type"].as_str().unwrap().to_string();
                    if id > 0 {
                        s.in_state
                            .insert(id, (ty.clone(), a["timestamp"].as_u64().unwrap()));
                        s.types.insert(id, ty);
                    }
                }
            }
            _ => {}
        }
    }
    s
}

/// The only instance of `app` (live or gone, first seen first) in a file.
fn instances_of(file: &str, app: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, m) in relay_messages(file) {
        if m["name"] == app
            && let Some(i) = m["instanceId"].as_str()
            && !out.iter().any(|o| o == i)
        {
            out.push(i.to_string());
        }
    }
    out
}

fn tail(file: &str, extra: &[&str]) -> (Vec<Value>, String) {
    let mut args = vec!["--replay", file, "tail", "--json"];
    args.extend_from_slice(extra);
    let o = run(&args);
    o.expect(0);
    (json_lines(&o), stderr(&o))
}

fn actions_of<'a>(lines: &'a [Value], instance: &str) -> Vec<&'a Value> {
    lines
        .iter()
        .filter(|l| l["type"] == "action" && l["instance"] == instance)
        .collect()
}

fn ids(lines: &[&Value]) -> Vec<i64> {
    lines
        .iter()
        .map(|l| l["action_id"].as_i64().unwrap())
        .collect()
}

#[test]
fn a_dropped_action_is_recovered_from_the_next_state() {
    let f = fixture("gap-filled.jsonl");
    let inst = &instances_of(&f, "shop")[0];
    let s = seen(&f, inst);
    let only_in_state: Vec<i64> = s
        .in_state
        .keys()
        .copied()
        .filter(|i| !s.by_action.contains(i))
        .collect();
    assert!(!only_in_state.is_empty(), "the fixture has a hole to fill");
    let (lines, err) = tail(&f, &[]);
    let got = actions_of(&lines, inst);
    let want: Vec<i64> = (1..=*s.types.keys().max().unwrap()).collect();
    assert_eq!(ids(&got), want, "every id once, in order");
    for l in &got {
        let id = l["action_id"].as_i64().unwrap();
        assert_eq!(l["action_type"], s.types[&id].as_str());
        if only_in_state.contains(&id) {
            assert_eq!(l["via"], "state", "{l}");
            // its own dispatch time, not the STATE's arrival
            let ts = s.in_state[&id].1;
            assert_eq!(l["ts"], rfc3339_independent(ts), "{l}");
        } else {
            assert_eq!(l["via"], "action", "{l}");
        }
    }
    assert!(lines.iter().all(|l| l["type"] != "gap"), "nothing was lost");
    assert!(!err.contains("lost"), "{err}");
}

#[test]
fn what_the_app_no_longer_holds_is_reported_once_as_a_gap() {
    let f = fixture("gap-lost.jsonl");
    let inst = &instances_of(&f, "shop")[0];
    let s = seen(&f, inst);
    let top = *s.types.keys().max().unwrap();
    let lost: Vec<i64> = (1..=top).filter(|i| !s.types.contains_key(i)).collect();
    assert!(!lost.is_empty(), "the fixture has lost ids");
    let (lines, err) = tail(&f, &[]);
    let got = actions_of(&lines, inst);
    let want: Vec<i64> = (1..=top).filter(|i| !lost.contains(i)).collect();
    assert_eq!(ids(&got), want);
    let gaps: Vec<&Value> = lines.iter().filter(|l| l["type"] == "gap").collect();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    let g = gaps[0];
    assert_eq!(g["instance"], inst.as_str());
    assert_eq!(g["app"], "shop");
    assert!(g.get("label").is_some() && g["ts"].is_string());
    assert_eq!(g["from_id"], lost[0]);
    assert_eq!(g["to_id"], *lost.last().unwrap());
    assert_eq!(g["lost"], lost.len());
    // the gap comes where the hole is: after the last id before it
    let at = lines.iter().position(|l| l["type"] == "gap").unwrap();
    assert_eq!(lines[at - 1]["action_id"], lost[0] - 1);
    assert!(
        err.contains(&format!(
            "{} action(s) lost (ids {}-{})",
            lost.len(),
            lost[0],
            lost.last().unwrap()
        )),
        "{err}"
    );
    // without --json the gap is on stderr only
    let o = replay(&f, &["tail"]);
    o.expect(0);
    assert!(!stdout(&o).contains("gap"), "{}", stdout(&o));
    assert!(stderr(&o).contains("lost"), "{}", stderr(&o));
}

#[test]
fn states_that_repeat_actions_print_nothing_twice() {
    let f = fixture("state-repeats.jsonl");
    let inst = &instances_of(&f, "shop")[0];
    let s = seen(&f, inst);
    assert!(
        s.in_state.len() >= 5,
        "the fixture repeats actions in STATEs"
    );
    for extra in [&[][..], &["--history"], &["--diff"]] {
        let (lines, _) = tail(&f, extra);
        let got = actions_of(&lines, inst);
        let want: Vec<i64> = s.by_action.iter().copied().collect();
        assert_eq!(ids(&got), want, "{extra:?}");
        assert!(got.iter().all(|l| l["via"] == "action"), "{extra:?}");
    }
}

#[test]
fn load_time_actions_come_from_the_first_state_with_their_own_times() {
    let f = fixture("late-app.jsonl");
    let inst = &instances_of(&f, "shop")[0];
    let s = seen(&f, inst);
    let (lines, _) = tail(&f, &[]);
    let got = actions_of(&lines, inst);
    let top = *s.types.keys().max().unwrap();
    assert_eq!(ids(&got), (1..=top).collect::<Vec<_>>());
    let first = got[0];
    assert_eq!(first["action_type"], "catalog/load/pending");
    assert_eq!(first["via"], "state");
    assert_eq!(first["ts"], rfc3339_independent(s.in_state[&1].1));
    assert_eq!(got[1]["action_type"], "catalog/load/fulfilled");
    assert!(lines.iter().all(|l| l["action_type"] != "@@INIT"));
    // the same with --history: nothing happened before rdx started
    let (hist, _) = tail(&f, &["--history"]);
    assert_eq!(hist, lines);
    // sessions counts them at once
    let o = replay(&f, &["sessions", "--json"]);
    let i = &json_lines(&o)[0];
    assert_eq!(i["actions"], top);
    assert_eq!(i["last_action"], s.types[&top].as_str());
}

#[test]
fn history_is_what_came_before_rdx_and_never_init() {
    let f = fixture("two-apps.jsonl");
    let (plain, _) = tail(&f, &[]);
    let (hist, _) = tail(&f, &["--history"]);
    assert!(plain.iter().all(|l| l["via"] == "action"));
    let before: Vec<&Value> = hist.iter().filter(|l| l["via"] == "state").collect();
    // 2 actions per store inside the first STATEs, dispatched before the recording
    assert_eq!(before.len(), 6, "{before:?}");
    assert!(hist.iter().all(|l| l["action_type"] != "@@INIT"));
    assert!(hist.iter().all(|l| l["action_id"].as_i64().unwrap() >= 1));
    assert_eq!(hist.len(), plain.len() + 6);
}

#[test]
fn watch_follows_a_reload_in_a_recording() {
    let f = fixture("reload.jsonl");
    let shops = instances_of(&f, "shop");
    assert_eq!(shops.len(), 2, "shop#1 and shop#2");
    let o = replay(&f, &["watch", "--app", "shop", ".counter.value", "--json"]);
    o.expect(0);
    let lines = json_lines(&o);
    let values: Vec<&Value> = lines.iter().filter(|l| l["type"] == "value").collect();
    assert_eq!(values.len(), 2, "a value line per instance: {lines:?}");
    assert_eq!(values[0]["instance"], shops[0].as_str());
    assert_eq!(values[1]["instance"], shops[1].as_str());
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "shop·{} reloaded as shop·{}",
            &shops[0][..7],
            &shops[1][..7]
        )),
        "{err}"
    );
    // the changes are the counter's states, per instance, from the frames
    for (n, inst) in shops.iter().enumerate() {
        let mut want: Vec<Value> = states_of(&f, inst)
            .iter()
            .map(|s| s["counter"]["value"].clone())
            .collect();
        want.dedup();
        let mut got: Vec<Value> = vec![values[n]["value"].clone()];
        got.extend(
            lines
                .iter()
                .filter(|l| l["type"] == "change" && l["instance"] == inst.as_str())
                .map(|l| l["new"].clone()),
        );
        assert_eq!(got, want, "{inst}");
    }
    // --instance is literal: it never moves; when it goes, rdx says so and
    // the stream ends normally, after every value of shop#1
    let o = replay(
        &f,
        &["--json", "watch", "--instance", &shops[0], ".counter.value"],
    );
    o.expect(0);
    assert!(stderr(&o).contains("is gone"), "{}", stderr(&o));
    assert!(stderr(&o).contains("the stream ends"), "{}", stderr(&o));
    assert!(!stdout(&o).contains(&shops[1][..7]));
    let lines = json_lines(&o);
    let mut want: Vec<Value> = states_of(&f, &shops[0])
        .iter()
        .map(|s| s["counter"]["value"].clone())
        .collect();
    want.dedup();
    let got: Vec<Value> = lines
        .iter()
        .map(|l| {
            if l["type"] == "value" {
                l["value"].clone()
            } else {
                l["new"].clone()
            }
        })
        .collect();
    assert_eq!(got, want);
}

#[test]
fn a_label_follows_its_tab_across_a_reload_and_only_that_tab() {
    let f = fixture("reload-two-tabs.jsonl");
    let shops = instances_of(&f, "shop");
    assert_eq!(shops.len(), 3, "tab1#1, tab2, tab1#2");
    // tab1#1 is the one that goes gone; tab1#2 the one that appears last
    let all = replay(&f, &["sessions", "--all", "--json"]);
    let gone: Vec<String> = json_lines(&all)
        .iter()
        .filter(|i| i["status"] == "gone")
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(gone.len(), 1);
    let (tab1, reloaded) = (&gone[0], shops.last().unwrap());
    let tab2 = shops.iter().find(|s| *s != tab1 && *s != reloaded).unwrap();
    let dir = TempDir::new("reload-labels");
    let store = dir.join("labels.json");
    for (id, l) in [(tab1, "cart-tab"), (tab2, "other-tab")] {
        let o = run(&["--labels", &store, "sessions", "label", id, l]);
        o.expect(0);
    }
    let before = std::fs::read_to_string(&store).unwrap();
    let o = run(&["--labels", &store, "--replay", &f, "sessions", "--json"]);
    let by_id: BTreeMap<String, Value> = json_lines(&o)
        .into_iter()
        .map(|i| (i["id"].as_str().unwrap().to_string(), i))
        .collect();
    assert_eq!(by_id[reloaded]["label"], "cart-tab", "{by_id:?}");
    assert_eq!(by_id[tab2]["label"], "other-tab");
    assert!(
        stderr(&o).contains("label cart-tab moved"),
        "{}",
        stderr(&o)
    );
    // a replay changes nothing on disk
    assert_eq!(std::fs::read_to_string(&store).unwrap(), before);
    // the label selects the reloaded tab, and tail follows it from tab1#1
    let o = run(&[
        "--labels",
        &store,
        "--replay",
        &f,
        "tail",
        "--json",
        "--instance-select",
        "cart-tab",
    ]);
    o.expect(0);
    let insts: BTreeSet<String> = json_lines(&o)
        .iter()
        .map(|l| l["instance"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        insts,
        [tab1.clone(), reloaded.clone()].into_iter().collect()
    );
    // two live shops: --app shop is ambiguous
    let o = replay(&f, &["state", "--app", "shop"]);
    o.expect(1);
    assert!(stderr(&o).contains("2 instances match"), "{}", stderr(&o));
}

#[test]
fn replay_ends_an_unmet_count_with_exit_1() {
    let f = fixture("late-app.jsonl");
    let o = replay(&f, &["tail", "--count", "99"]);
    o.expect(1);
    let o = replay(&f, &["watch", ".counter.value", "--count", "99"]);
    o.expect(1);
    let o = replay(&f, &["watch", ".counter.value", "--count", "1"]);
    o.expect(0);
}

/// A fake server with one app that sends one STATE and then nothing (but
/// heartbeats): end conditions can only be ended by --timeout.
fn quiet_app() -> u16 {
    let (port, _sent) = serve(1, |_, ws, sent| {
        assert!(handshake(ws, sent, 30_000));
        assert!(subscribe(ws, sent));
        publish(
            ws,
            r#"{"type":"STATE","id":"s1","instanceId":"q1","name":"quiet","payload":"{\"actionsById\":{\"0\":{\"type\":\"PERFORM_ACTION\",\"action\":{\"type\":\"@@INIT\"},\"timestamp\":1}},\"stagedActionIds\":[0],\"nextActionId\":1,\"computedStates\":[{\"state\":{\"n\":0}}],\"currentStateIndex\":0}"}"#,
        );
        heartbeats(ws, sent, 200);
    });
    port
}

#[test]
fn an_explicit_timeout_bounds_watch_count_and_tail_count() {
    for cmd in [
        &["watch", ".n", "--count", "2"][..],
        &["watch", ".n", "--until", "5"],
        &["tail", "--count", "1"],
    ] {
        let port = quiet_app();
        let mut args = vec!["--port".to_string(), port.to_string()];
        args.extend(["--timeout".to_string(), "1500ms".to_string()]);
        args.extend(cmd.iter().map(|s| s.to_string()));
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let t0 = Instant::now();
        let o = run(&argv);
        let took = t0.elapsed();
        o.expect(4);
        assert!(stderr(&o).contains("--timeout"), "{}", stderr(&o));
        assert!(took < Duration::from_secs(5), "{cmd:?} took {took:?}");
        if cmd[0] == "watch" {
            assert!(stdout(&o).contains(".n = 0"), "{}", stdout(&o));
        }
    }
}

#[test]
fn without_a_timeout_an_end_condition_waits_past_the_default() {
    let port = quiet_app();
    let mut child = rdx()
        .args(["--port", &port.to_string(), "watch", ".n", "--count", "2"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The default --timeout (5 s) bounds connecting and the first state only.
    // Nothing can be awaited here: rdx must simply still be waiting.
    std::thread::sleep(Duration::from_secs(6));
    let still = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let o = wait_output(child, Duration::from_secs(10), "watch");
    assert!(still, "watch --count ended on its own: {}", stderr(&o));
    assert!(stdout(&o).contains(".n = 0"), "{}", stdout(&o));
}

fn rfc3339_independent(ms: u64) -> String {
    // RFC 3339 UTC with ms, computed here independently of rdx.
    let secs = (ms / 1000) as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil from days (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

/// A fake server where a new instance of `shop` ("new1") is live, the
/// labelled one ("old1") having gone before this rdx started.
fn shop_reloaded_while_no_rdx_ran() -> u16 {
    let (port, _sent) = serve(1, |_, ws, sent| {
        assert!(handshake(ws, sent, 30_000));
        assert!(subscribe(ws, sent));
        publish(
            ws,
            r#"{"type":"STATE","id":"s2","instanceId":"new1","name":"shop","payload":"{\"actionsById\":{},\"stagedActionIds\":[0],\"nextActionId\":1,\"computedStates\":[{\"state\":{\"n\":7}}],\"currentStateIndex\":0}"}"#,
        );
        publish(
            ws,
            r#"{"type":"START","id":"s3","instanceId":"adm","name":"admin"}"#,
        );
        heartbeats(ws, sent, 50);
    });
    port
}

#[test]
fn a_label_whose_tab_reloaded_while_rdx_was_not_running_finds_it() {
    let dir = TempDir::new("label-heir");
    let store = dir.join("labels.json");
    // What an earlier rdx learned: old1 was labelled and belongs to shop.
    std::fs::write(
        &store,
        r#"{"labels":{"old1":"cart-tab"},"apps":{"old1":"shop"}}"#,
    )
    .unwrap();
    // `rdx state --instance-select cart-tab` against a fresh fake server.
    let state_of_label = || {
        let port = shop_reloaded_while_no_rdx_ran().to_string();
        run(&[
            "--port",
            &port,
            "--labels",
            &store,
            "state",
            "--instance-select",
            "cart-tab",
        ])
    };
    let o = state_of_label();
    o.expect(0);
    assert_eq!(stdout(&o).trim(), r#"{"n":7}"#);
    assert!(
        stderr(&o).contains("label cart-tab moved"),
        "{}",
        stderr(&o)
    );
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&store).unwrap()).unwrap();
    assert_eq!(s["labels"], serde_json::json!({"new1": "cart-tab"}));
    assert_eq!(s["apps"]["new1"], "shop");
    // a label store from an older rdx (no apps): the app is unknown, so
    // nothing is guessed: exit 1, saying the label's instance is gone
    std::fs::write(&store, r#"{"labels":{"old1":"cart-tab"}}"#).unwrap();
    let o = state_of_label();
    o.expect(1);
    assert!(stderr(&o).contains("is gone"), "{}", stderr(&o));
}

#[test]
fn a_running_rdx_teaches_the_store_its_labels_app() {
    let dir = TempDir::new("label-learn");
    let store = dir.join("labels.json");
    let o = run(&["--labels", &store, "sessions", "label", "new1", "cart-tab"]);
    o.expect(0);
    let port = shop_reloaded_while_no_rdx_ran().to_string();
    let o = run(&["--port", &port, "--labels", &store, "sessions", "--json"]);
    o.expect(0);
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&store).unwrap()).unwrap();
    assert_eq!(s["apps"], serde_json::json!({"new1": "shop"}));
}

#[test]
fn follow_across_rdx_reconnecting_has_no_flap_and_no_repeated_line() {
    // The server drops rdx; after rdx is back, the app takes 7 s (more than
    // the old 5 s grace) to reconnect on a new socket.
    let (port, _sent) = serve(2, |n, ws, sent| {
        assert!(handshake(ws, sent, 30_000));
        assert!(subscribe(ws, sent));
        if n == 0 {
            publish(
                ws,
                r#"{"type":"START","id":"s1","instanceId":"a","name":"shop"}"#,
            );
            idle(ws, sent, Duration::from_millis(300));
            let _ = ws.close(None);
            idle(ws, sent, Duration::from_millis(200));
            return;
        }
        heartbeats(ws, sent, 70);
        publish(
            ws,
            r#"{"type":"START","id":"s2","instanceId":"a","name":"shop"}"#,
        );
        publish(
            ws,
            r#"{"type":"STATE","id":"s2","instanceId":"a","name":"shop"}"#,
        );
        heartbeats(ws, sent, 20);
    });
    let mut child = rdx()
        .args([
            "--port",
            &port.to_string(),
            "sessions",
            "--follow",
            "--json",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for l in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    let mut lines: Vec<Value> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let Ok(l) = rx.recv_timeout(Duration::from_millis(200)) else {
            continue;
        };
        let v: Value = serde_json::from_str(&l).unwrap();
        let done = v["connection"] == "s2";
        lines.push(v);
        if done {
            break;
        }
    }
    let _ = child.kill();
    let o = wait_output(child, Duration::from_secs(10), "sessions --follow");
    let err = stderr(&o);
    assert!(err.contains("reconnected"), "{err}");
    assert!(!err.contains("no app instances"), "{err}");
    let statuses: Vec<(String, String)> = lines
        .iter()
        .map(|l| {
            (
                l["status"].as_str().unwrap().to_string(),
                l["connection"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("live".to_string(), "s1".to_string()),
            ("live".to_string(), "s2".to_string())
        ],
        "{lines:?}"
    );
}

/// A store that turned corrupt while rdx ran: the label still follows the
/// reload in memory, the store is never replaced, and rdx says so.
#[test]
fn a_label_move_never_replaces_a_store_that_turned_corrupt() {
    let dir = TempDir::new("label-move-corrupt");
    let store = dir.join("labels.json");
    let o = run(&["--labels", &store, "sessions", "label", "old1", "cart-tab"]);
    o.expect(0);
    const CORRUPT: &str = "{\"labels\": oops";
    let store_path = store.clone();
    let (port, _sent) = serve(1, move |_, ws, sent| {
        assert!(handshake(ws, sent, 30_000));
        assert!(subscribe(ws, sent));
        // rdx read the store before it connected: it breaks now.
        std::fs::write(&store_path, CORRUPT).unwrap();
        let state = |sock: &str, inst: &str| {
            format!(
                r#"{{"type":"STATE","id":"{sock}","instanceId":"{inst}","name":"shop","payload":"{{\"actionsById\":{{}},\"stagedActionIds\":[0],\"nextActionId\":1,\"computedStates\":[{{\"state\":{{\"n\":0}}}}],\"currentStateIndex\":0}}"}}"#
            )
        };
        publish(
            ws,
            r#"{"type":"START","id":"s1","instanceId":"old1","name":"shop"}"#,
        );
        publish(ws, &state("s1", "old1"));
        heartbeats(ws, sent, 5);
        // the tab reloads
        publish(ws, r#"{"type":"DISCONNECTED","id":"s1"}"#);
        publish(
            ws,
            r#"{"type":"START","id":"s2","instanceId":"new1","name":"shop"}"#,
        );
        publish(ws, &state("s2", "new1"));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis();
        publish(
            ws,
            &format!(
                r#"{{"type":"ACTION","id":"s2","instanceId":"new1","name":"shop","action":"{{\"type\":\"PERFORM_ACTION\",\"action\":{{\"type\":\"inc\"}},\"timestamp\":{now}}}","payload":"{{\"n\":1}}","nextActionId":2}}"#
            ),
        );
        heartbeats(ws, sent, 100);
    });
    let o = run(&[
        "--port",
        &port.to_string(),
        "--labels",
        &store,
        "tail",
        "--json",
        "--instance-select",
        "cart-tab",
        "--count",
        "1",
    ]);
    o.expect(0);
    let lines = json_lines(&o);
    assert_eq!(lines[0]["instance"], "new1", "{lines:?}");
    assert_eq!(lines[0]["label"], "cart-tab");
    let err = stderr(&o);
    assert!(
        err.contains("could not move label cart-tab") && err.contains(&store),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&store).unwrap(), CORRUPT);
}

/// A live app that streams two actions after rdx is there, then leaves
/// (DISCONNECTED); the server stays up, beating, then drops the link.
fn app_that_leaves() -> u16 {
    let (port, _sent) = serve(1, |_, ws, sent| {
        assert!(handshake(ws, sent, 30_000));
        assert!(subscribe(ws, sent));
        publish(
            ws,
            r#"{"type":"START","id":"s1","instanceId":"leaver","name":"shop"}"#,
        );
        publish(
            ws,
            r#"{"type":"STATE","id":"s1","instanceId":"leaver","name":"shop","payload":"{\"actionsById\":{},\"stagedActionIds\":[0],\"nextActionId\":1,\"computedStates\":[{\"state\":{\"n\":0}}],\"currentStateIndex\":0}"}"#,
        );
        heartbeats(ws, sent, 5); // past the selector's settle window
        for n in 1..=2 {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis();
            publish(
                ws,
                &format!(
                    r#"{{"type":"ACTION","id":"s1","instanceId":"leaver","name":"shop","action":"{{\"type\":\"PERFORM_ACTION\",\"action\":{{\"type\":\"inc\"}},\"timestamp\":{now}}}","payload":"{{\"n\":{n}}}","nextActionId":{}}}"#,
                    n + 1
                ),
            );
        }
        publish(ws, r#"{"type":"DISCONNECTED","id":"s1"}"#);
        heartbeats(ws, sent, 150);
    });
    port
}

#[test]
fn live_a_followed_instance_that_leaves_ends_the_stream_with_exit_0() {
    let dir = TempDir::new("live-leaves");
    let store = dir.join("labels.json");
    let o = run(&[
        "--labels", &store, "sessions", "label", "leaver", "cart-tab",
    ]);
    o.expect(0);
    for (sel, extra, want_code) in [
        (&["--instance", "leaver"][..], &["tail", "--json"][..], 0),
        (&["--instance-select", "cart-tab"], &["tail", "--json"], 0),
        // an unmet end condition is still exit 1
        (
            &["--instance", "leaver"],
            &["tail", "--json", "--count", "3"],
            1,
        ),
        (
            &["--instance-select", "cart-tab"],
            &["watch", ".n", "--until", "9"],
            1,
        ),
    ] {
        let port = app_that_leaves().to_string();
        let mut args = vec!["--port", &port, "--labels", &store];
        args.extend_from_slice(extra);
        args.extend_from_slice(sel);
        let t0 = Instant::now();
        let o = run(&args);
        o.expect(want_code);
        // it ended on its own, long before the server went away
        assert!(t0.elapsed() < Duration::from_secs(10), "{args:?}");
        let err = stderr(&o);
        assert!(
            err.contains("is gone") && err.contains("the stream ends"),
            "{args:?}: {err}"
        );
        if extra[0] == "tail" {
            let ids: Vec<i64> = json_lines(&o)
                .iter()
                .map(|l| l["action_id"].as_i64().unwrap())
                .collect();
            assert_eq!(ids, [1, 2], "{args:?}");
        } else {
            assert!(err.contains("ended before .n equalled 9"), "{err}");
        }
    }
}
