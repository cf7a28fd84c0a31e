//! `rdx sessions` / `rdx list` on recorded fixtures, and the live bound on
//! gone instances against an in-process fake server.

use crate::util::generated;
use crate::util::*;

use serde_json::Value;

fn sessions_json(file: &str, extra: &[&str]) -> Vec<Value> {
    let f = fixture(file);
    let mut args = vec!["--replay", f.as_str(), "sessions", "--json"];
    args.extend_from_slice(extra);
    let o = run(&args);
    o.expect(0);
    json_lines(&o)
}

#[test]
fn two_apps_gives_three_instances_one_gone() {
    let all = sessions_json("two-apps.jsonl", &["--all"]);
    assert_eq!(all.len(), 3, "{all:#?}");
    let mut apps: Vec<&str> = all.iter().map(|i| i["app"].as_str().unwrap()).collect();
    apps.sort();
    assert_eq!(apps, ["alpha", "alpha", "beta"]);
    let gone: Vec<&Value> = all.iter().filter(|i| i["status"] == "gone").collect();
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0]["app"], "beta");
    // `actions` is the highest action id the instance reported (in an
    // ACTION or a STATE's nextActionId), decoded here independently.
    let f = fixture("two-apps.jsonl");
    for i in &all {
        assert_eq!(i["type"], "instance");
        let highest = relay_messages(&f)
            .iter()
            .filter(|(_, m)| m["instanceId"] == i["id"])
            .filter_map(|(_, m)| match m["type"].as_str() {
                Some("ACTION") => m["nextActionId"].as_u64(),
                Some("STATE") => {
                    let p: Value = serde_json::from_str(m["payload"].as_str()?).ok()?;
                    p["nextActionId"].as_u64()
                }
                _ => None,
            })
            .max()
            .unwrap()
            - 1;
        assert_eq!(i["actions"].as_u64().unwrap(), highest, "{i}");
    }
    // 48 ACTION messages in the capture, and 2 earlier actions per store
    // that only the first STATEs hold.
    let actions: u64 = all.iter().map(|i| i["actions"].as_u64().unwrap()).sum();
    assert_eq!(actions, 48 + 3 * 2);
    // Without --all the gone one is hidden.
    let live = sessions_json("two-apps.jsonl", &[]);
    assert_eq!(live.len(), 2);
    assert!(live.iter().all(|i| i["status"] == "live"));
}

#[test]
fn json_fields_are_exactly_the_contract() {
    let all = sessions_json("two-apps.jsonl", &["--all"]);
    let keys: Vec<&str> = all[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "actions",
            "app",
            "connection",
            "env",
            "first_seen",
            "id",
            "label",
            "last_action",
            "last_seen",
            "messages",
            "status",
            "type"
        ]
    );
    let ts = all[0]["last_seen"].as_str().unwrap();
    assert_eq!(ts.len(), "2026-11-24T11:35:08.713Z".len(), "{ts}");
    assert!(ts.ends_with('Z') && ts.as_bytes()[10] == b'T');
}

#[test]
fn sorted_newest_first() {
    let all = sessions_json("two-apps.jsonl", &["--all"]);
    let seen: Vec<&str> = all
        .iter()
        .map(|i| i["last_seen"].as_str().unwrap())
        .collect();
    let mut want = seen.clone();
    want.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, want);
}

#[test]
fn two_hundred_instances() {
    let all = sessions_json("200-instances.jsonl", &["--all"]);
    assert_eq!(all.len(), 200);
    let actions: u64 = all.iter().map(|i| i["actions"].as_u64().unwrap()).sum();
    assert_eq!(actions, 600);
    let mut ids: Vec<&str> = all.iter().map(|i| i["id"].as_str().unwrap()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 200);
}

#[test]
fn list_is_sessions() {
    let f = fixture("two-apps.jsonl");
    let a = replay(&f, &["sessions", "--all", "--json"]);
    let b = replay(&f, &["list", "--all", "--json"]);
    assert_eq!(stdout(&a), stdout(&b));
}

#[test]
fn human_table_is_aligned_and_plain_when_piped() {
    let f = fixture("two-apps.jsonl");
    let o = replay(&f, &["sessions", "--all"]);
    o.expect(0);
    let text = stdout(&o);
    assert!(!text.contains('\x1b'), "no color when piped: {text:?}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with("INSTANCE"));
    // Every row has its STATUS column at the same offset as the header.
    let col = lines[0].find("STATUS").unwrap();
    for l in &lines[1..] {
        let cell = &l[col..];
        assert!(
            cell.starts_with("live") || cell.starts_with("gone"),
            "{l:?}"
        );
    }
    let o = replay(&f, &["--color", "always", "sessions"]);
    assert!(stdout(&o).contains("\x1b[32mlive"));
}

#[test]
fn replay_from_stdin() {
    let f = std::fs::File::open(fixture("two-apps.jsonl")).unwrap();
    let o = run_cmd(
        rdx()
            .args(["--replay", "-", "sessions", "--all", "--json"])
            .stdin(f),
        &["--replay -"],
    );
    o.expect(0);
    assert_eq!(json_lines(&o).len(), 3);
}

#[test]
fn every_shared_capture_replays_without_a_panic() {
    let Some(dir) = shared_captures() else {
        eprintln!("../shared/captures not present; checked only fixtures/");
        return;
    };
    let mut files = Vec::new();
    for sub in [dir.clone(), dir.join("legacy")] {
        for e in std::fs::read_dir(sub).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "jsonl") {
                files.push(p);
            }
        }
    }
    assert!(files.len() >= 20, "{files:?}");
    for p in files {
        let f = p.to_string_lossy();
        for args in [
            vec!["--replay", &f, "sessions", "--all", "--json"],
            vec!["--replay", &f, "sessions", "--all"],
        ] {
            let o = run(&args);
            o.expect(0);
            assert!(!stderr(&o).contains("panicked"), "{f}");
        }
    }
}

#[test]
fn legacy_captures_key_by_socket() {
    let all = sessions_json("legacy/two-apps.jsonl", &["--all"]);
    let mut apps: Vec<&str> = all.iter().map(|i| i["app"].as_str().unwrap()).collect();
    apps.sort();
    assert_eq!(apps, ["alpha", "alpha", "beta"]);
    let all = sessions_json("legacy/remotedev.jsonl", &["--all"]);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["id"], "mfpn7txxrca");
    assert_eq!(all[0]["app"], "rd-app");
    assert_eq!(all[0]["status"], "gone");
    assert_eq!(all[0]["actions"], 5);
}

#[test]
fn reconnected_app_stays_one_live_instance() {
    // An app reconnects with a new socket; its old socket's DISCONNECTED
    // arrives afterwards. The instance stays live, on the new connection.
    let dir = TempDir::new("reconnect");
    let path = dir.join("f.jsonl");
    let frame = |t: u64, msg: &str| {
        let data = format!(r##"{{"event":"#publish","data":{{"channel":"log","data":{msg}}}}}"##);
        serde_json::json!({"t": t, "dir": "in", "data": data}).to_string()
    };
    let lines = [
        frame(
            1000,
            r#"{"type":"START","id":"old","instanceId":"i1","name":"shop"}"#,
        ),
        frame(
            2000,
            r#"{"type":"START","id":"new","instanceId":"i1","name":"shop"}"#,
        ),
        frame(3000, r#"{"type":"DISCONNECTED","id":"old"}"#),
    ];
    std::fs::write(&path, lines.join("\n")).unwrap();
    let o = replay(&path, &["sessions", "--json", "--all"]);
    let all = json_lines(&o);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["status"], "live");
    assert_eq!(all[0]["connection"], "new");
}

#[test]
fn unreadable_fixtures_exit_3() {
    let dir = TempDir::new("badfix");
    let junk = dir.join("junk.txt");
    std::fs::write(&junk, "this is\nnot a fixture\n").unwrap();
    let o = replay(&junk, &["sessions"]);
    o.expect(3);
    assert!(stderr(&o).contains("not a fixture"), "{}", stderr(&o));
    let o = replay(&dir.join("missing.jsonl"), &["sessions"]);
    o.expect(3);
    assert!(stderr(&o).contains("missing.jsonl"), "{}", stderr(&o));
}

#[test]
fn damaged_lines_are_reported_with_their_number_and_skipped() {
    let dir = TempDir::new("damaged");
    let path = dir.join("f.jsonl");
    let good = std::fs::read_to_string(fixture("two-apps.jsonl")).unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    lines.insert(3, "{\"t\":1,\"dir\":\"in\",\"da");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let o = replay(&path, &["sessions", "--all", "--json"]);
    o.expect(0);
    assert!(stderr(&o).contains("f.jsonl:4"), "{}", stderr(&o));
    assert_eq!(json_lines(&o).len(), 3);
}

#[test]
fn connection_refused_exits_3_naming_the_url() {
    // A port nothing listens on: bind, read the port, close.
    let port = free_port();
    let url = format!("ws://127.0.0.1:{port}/socketcluster/");
    let o = run(&["--url", &url, "--timeout", "300ms", "sessions"]);
    o.expect(3);
    assert!(stderr(&o).contains(&url), "{}", stderr(&o));
    assert!(stderr(&o).contains("refused"), "{}", stderr(&o));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["sessions", "--bogus"],
        vec!["--timeout", "soon", "sessions"],
        vec!["frobnicate"],
        vec!["record"],
        vec!["sessions", "--for", "1x"],
        vec!["--url", "ftp://x", "sessions"],
    ] {
        let o = run(&args);
        o.expect(2);
        assert!(stderr(&o).starts_with("rdx: "), "{args:?}");
    }
}

#[test]
fn help_and_version() {
    let o = run(&["--help"]);
    o.expect(0);
    assert!(stdout(&o).contains("Usage: rdx"));
    for cmd in ["sessions", "record", "list"] {
        let o = run(&[cmd, "--help"]);
        o.expect(0);
        assert!(stdout(&o).contains("Examples:"), "{cmd}");
        let o2 = run(&["help", cmd]);
        assert_eq!(stdout(&o), stdout(&o2));
    }
    let o = run(&["--version"]);
    assert!(stdout(&o).starts_with("rdx 0."));
}

#[test]
fn live_only_the_newest_hundred_gone_instances_are_kept_and_sessions_says_so() {
    use crate::util::fake::*;
    // Tabs that reload all day: 160 instances come and go, one after another.
    let (port, _sent) = serve(1, |_, ws, sent| {
        assert!(handshake(ws, sent, 30_000));
        assert!(subscribe(ws, sent));
        for i in 0..160 {
            publish(
                ws,
                &format!(
                    r#"{{"type":"START","id":"s{i}","instanceId":"tab{i:03}","name":"shop"}}"#
                ),
            );
            publish(ws, &format!(r#"{{"type":"DISCONNECTED","id":"s{i}"}}"#));
        }
        heartbeats(ws, sent, 30);
    });
    let o = run(&["--port", &port.to_string(), "sessions", "--all", "--json"]);
    o.expect(0);
    let all = json_lines(&o);
    assert!(
        (100..150).contains(&all.len()),
        "kept {} gone instances",
        all.len()
    );
    assert!(all.iter().all(|i| i["status"] == "gone"));
    // The newest are the ones kept.
    let mut ids: Vec<&str> = all.iter().map(|i| i["id"].as_str().unwrap()).collect();
    ids.sort();
    assert_eq!(*ids.last().unwrap(), "tab159");
    assert_eq!(ids[0], format!("tab{:03}", 160 - all.len()));
    let note = format!(
        "{} older gone instance(s) not shown: rdx keeps the newest 100",
        160 - all.len()
    );
    assert!(stderr(&o).contains(&note), "{}", stderr(&o));
}

#[test]
fn live_instances_beyond_the_bound_let_the_least_recently_seen_go() {
    // 52,000 apps START and stay: more than rdx keeps live (50,000). The
    // 50,001st lets the least recently seen eighth go, said once.
    let dir = TempDir::new("many-live");
    let file = dir.join("starts.jsonl");
    std::fs::write(&file, generated::starts(52_000)).unwrap();
    let o = run(&["--replay", &file, "sessions", "--json"]);
    o.expect(0);
    let listed = json_lines(&o);
    assert_eq!(listed.len(), 52_000 - 6_251);
    assert!(listed.iter().all(|i| i["status"] == "live"));
    let has = |id: &str| listed.iter().any(|i| i["id"] == id);
    assert!(has("i51999") && has("i6251"), "the newest stay");
    assert!(!has("i0") && !has("i6250"), "the oldest go");
    let err = stderr(&o);
    assert_eq!(err.matches("least recently seen go").count(), 1, "{err}");
    assert!(
        err.contains("more than 50000 live or stopped instances")
            && err.contains("let the 6251 least recently seen go"),
        "{err}"
    );
    let o = run(&["--replay", &file, "sessions", "--all", "--json"]);
    o.expect(0);
    assert!(
        stderr(&o).contains("6251 live or stopped instance(s) let go"),
        "{}",
        stderr(&o)
    );
}
