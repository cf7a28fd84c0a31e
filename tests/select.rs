//! Filters, `--instance-select` and labels, on recorded fixtures.

use crate::util::*;

use std::collections::HashSet;

fn apps_in(file: &str) -> Vec<(String, String)> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (_, m) in relay_messages(file) {
        if let (Some(id), Some(app)) = (m["instanceId"].as_str(), m["name"].as_str())
            && seen.insert(id.to_string())
        {
            out.push((id.to_string(), app.to_string()));
        }
    }
    out
}

#[test]
fn app_filter_narrows_sessions_to_that_app() {
    let f = fixture("200-instances.jsonl");
    let want: HashSet<String> = apps_in(&f)
        .into_iter()
        .filter(|(_, a)| a == "fleet-a")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(want.len(), 50);
    for cmd in ["sessions", "list"] {
        let o = replay(&f, &[cmd, "--all", "--json", "--app", "fleet-a"]);
        o.expect(0);
        let got: HashSet<String> = json_lines(&o)
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, want, "{cmd}");
    }
    // regex filter and AND with --id-prefix
    let o = replay(
        &f,
        &["sessions", "--all", "--json", "--app", "/^fleet-[ab]$/"],
    );
    assert_eq!(json_lines(&o).len(), 100);
    let one = want.iter().next().unwrap();
    let o = replay(
        &f,
        &[
            "sessions",
            "--all",
            "--json",
            "--app",
            "fleet-a",
            "--id-prefix",
            one,
        ],
    );
    assert_eq!(json_lines(&o).len(), 1);
    let o = replay(
        &f,
        &[
            "sessions",
            "--all",
            "--json",
            "--app",
            "fleet-b",
            "--id-prefix",
            one,
        ],
    );
    assert!(json_lines(&o).is_empty());
}

#[test]
fn ambiguous_selector_lists_every_match() {
    let f = fixture("200-instances.jsonl");
    let o = replay(&f, &["state", "--instance-select", "/fleet/"]);
    o.expect(1);
    let err = stderr(&o);
    assert!(err.contains("200 instances match"), "{err}");
    for (id, _) in apps_in(&f) {
        assert!(err.contains(&id), "{id} missing from the list");
    }
    assert!(err.contains("--id-prefix"), "{err}");
}

#[test]
fn unknown_selector_suggests_sessions() {
    let f = fixture("200-instances.jsonl");
    let dir = TempDir::new("nolabel");
    let store = dir.join("labels.json");
    let o = run(&[
        "--labels",
        &store,
        "--replay",
        &f,
        "state",
        "--instance-select",
        "nope",
    ]);
    o.expect(1);
    let err = stderr(&o);
    assert!(
        err.contains("nope") && err.contains("rdx sessions") && err.contains("200 instance"),
        "{err}"
    );
    // a label that matches nothing names the store it searched
    assert!(err.contains(&store), "{err}");
    let o = replay(&f, &["tail", "--instance-select", "/(unclosed/"]);
    o.expect(2);
    assert!(stderr(&o).contains("invalid regex"), "{}", stderr(&o));
}

#[test]
fn filters_and_selector_resolve_one_for_state_and_tail() {
    let f = fixture("two-apps.jsonl");
    // beta is gone but the only beta: selected
    let o = replay(&f, &["state", "--app", "beta", "--path", ".counter.value"]);
    o.expect(0);
    let o = replay(&f, &["tail", "--json", "--app", "beta"]);
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 16);
    assert!(lines.iter().all(|l| l["app"] == "beta"));
    let o = replay(&f, &["state", "--app", "alpha"]);
    o.expect(1); // two alphas
}

#[test]
fn a_label_selects_exactly_its_instance_on_replay() {
    let dir = TempDir::new("label");
    let store = dir.join("labels.json");
    let f = fixture("two-apps.jsonl");
    let o = run(&[
        "--labels",
        &store,
        "sessions",
        "label",
        "65ioovqadda",
        "checkout",
    ]);
    o.expect(0);
    let o = run(&[
        "--labels",
        &store,
        "--replay",
        &f,
        "tail",
        "--json",
        "--instance-select",
        "checkout",
    ]);
    o.expect(0);
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 16);
    assert!(
        lines
            .iter()
            .all(|l| l["instance"] == "65ioovqadda" && l["label"] == "checkout")
    );
    // shown by sessions, human and JSON; RDX_LABELS works as well as --labels
    let o = run_cmd(
        rdx()
            .env("RDX_LABELS", &store)
            .args(["--replay", &f, "sessions", "--json"]),
        &[],
    );
    let labelled: Vec<_> = json_lines(&o)
        .into_iter()
        .filter(|i| i["label"] == "checkout")
        .collect();
    assert_eq!(labelled.len(), 1);
    let o = run(&["--labels", &store, "--replay", &f, "sessions"]);
    assert!(stdout(&o).contains("LABEL") && stdout(&o).contains("checkout"));
    // human tail names the instance by its label
    let o = run(&[
        "--labels",
        &store,
        "--replay",
        &f,
        "tail",
        "--instance-select",
        "checkout",
        "--count",
        "1",
    ]);
    assert!(stdout(&o).contains("checkout"), "{}", stdout(&o));
    // unlabel
    let o = run(&["--labels", &store, "sessions", "unlabel", "65ioovqadda"]);
    o.expect(0);
    let o = run(&[
        "--labels",
        &store,
        "--replay",
        &f,
        "tail",
        "--instance-select",
        "checkout",
    ]);
    o.expect(1);
}

#[test]
fn bad_labels_and_corrupt_stores() {
    let dir = TempDir::new("badlabel");
    let store = dir.join("labels.json");
    for bad in ["", "   ", "/shop/"] {
        let o = run(&["--labels", &store, "sessions", "label", "abc", bad]);
        o.expect(2);
    }
    let o = run(&["--labels", &store, "sessions", "label", "abc"]);
    o.expect(2);
    std::fs::write(&store, "{oops").unwrap();
    let o = run(&["--labels", &store, "sessions", "label", "abc", "x"]);
    o.expect(3);
    assert!(stderr(&o).contains("labels.json"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&store).unwrap(),
        "{oops",
        "left untouched"
    );
    let o = run(&["--labels", &store, "sessions", "unlabel", "abc"]);
    o.expect(3);
    assert_eq!(std::fs::read_to_string(&store).unwrap(), "{oops");
}

#[test]
fn a_corrupt_store_is_said_once_and_commands_that_read_labels_go_on() {
    let dir = TempDir::new("corrupt-readers");
    let store = dir.join("labels.json");
    let f = fixture("two-apps.jsonl");
    let corrupt = r#"{"labels":{"4xxi9ufznu6":5}}"#;
    std::fs::write(&store, corrupt).unwrap();
    for cmd in [
        &["sessions"][..],
        &["sessions", "--all", "--json"],
        &["tail", "--json"],
        // resolved against the whole file, then played: the store is read twice
        &["tail", "--instance-select", "/4xxi/"],
        &["state", "--instance", "4xxi9ufznu6"],
        &["watch", "--instance", "4xxi9ufznu6", ".counter.value"],
    ] {
        let mut args = vec!["--labels", &store, "--replay", &f];
        args.extend_from_slice(cmd);
        let o = run(&args);
        o.expect(0);
        assert!(!stdout(&o).is_empty(), "{cmd:?}");
        let err = stderr(&o);
        assert_eq!(
            err.matches("warning: label store").count(),
            1,
            "{cmd:?}: {err}"
        );
        assert!(
            err.contains(&store) && err.contains("not a string"),
            "{cmd:?}: names the file and what is wrong: {err}"
        );
        assert_eq!(std::fs::read_to_string(&store).unwrap(), corrupt);
    }
    // a label the store would hold is not there: no instance is labelled so
    let o = run(&[
        "--labels",
        &store,
        "--replay",
        &f,
        "tail",
        "--instance-select",
        "checkout",
    ]);
    o.expect(1);
    // writing it is still refused, and it is left as it is
    for cmd in [&["label", "abc", "x"][..], &["unlabel", "4xxi9ufznu6"]] {
        let mut args = vec!["--labels", &store, "sessions"];
        args.extend_from_slice(cmd);
        let o = run(&args);
        o.expect(3);
        assert!(stderr(&o).contains(&store), "{}", stderr(&o));
        assert_eq!(std::fs::read_to_string(&store).unwrap(), corrupt);
    }
}

/// `sessions label` under strace: the temp file is fsynced before the
/// rename, and the directory after it (so the rename survives a crash).
#[test]
fn a_label_write_fsyncs_the_file_then_the_directory() {
    let traced = std::process::Command::new("strace")
        .args(["-f", "-o", "/dev/null", "true"])
        .output();
    assert!(
        traced.is_ok_and(|o| o.status.success()),
        "strace cannot run: run `make e2e-deps` (apt-get install strace)"
    );
    let dir = TempDir::new("fsync");
    let store = dir.join("labels.json");
    let log = dir.join("strace.log");
    let o = run_cmd(
        std::process::Command::new("strace")
            .args(["-f", "-o", &log])
            .args([
                "-e",
                "trace=openat,fsync,fdatasync,rename,renameat,renameat2",
            ])
            .arg(env!("CARGO_BIN_EXE_rdx"))
            .args(["--labels", &store, "sessions", "label", "abc", "x"]),
        &["(strace) sessions label"],
    );
    o.expect(0);
    let trace = std::fs::read_to_string(&log).unwrap();
    let calls: Vec<&str> = trace
        .lines()
        .map(|l| l.split_once(' ').map_or(l, |(_, c)| c).trim_start())
        .collect();
    let fd_of = |c: &str| c.rsplit_once("= ").map(|(_, fd)| fd.trim().to_string());
    let rename = calls
        .iter()
        .position(|c| c.starts_with("rename") && c.contains("labels.json.tmp"))
        .unwrap_or_else(|| panic!("no rename of a temp file:\n{trace}"));
    let tmp_open = calls
        .iter()
        .position(|c| c.starts_with("openat") && c.contains("labels.json.tmp"))
        .unwrap();
    let tmp_fd = fd_of(calls[tmp_open]).unwrap();
    let tmp_sync = calls[tmp_open..]
        .iter()
        .position(|c| c.starts_with(&format!("fsync({tmp_fd})")))
        .map(|i| i + tmp_open);
    assert!(
        tmp_sync.is_some_and(|i| i < rename),
        "the temp file is fsynced before the rename:\n{trace}"
    );
    let dir_name = format!("\"{}\"", dir.0.display());
    let dir_open = calls[rename..]
        .iter()
        .position(|c| c.starts_with("openat") && c.contains(&dir_name))
        .map(|i| i + rename)
        .unwrap_or_else(|| panic!("the directory is not opened after the rename:\n{trace}"));
    let dir_fd = fd_of(calls[dir_open]).unwrap();
    assert!(
        calls[dir_open..]
            .iter()
            .any(|c| c.starts_with(&format!("fsync({dir_fd})"))),
        "the directory is fsynced after the rename:\n{trace}"
    );
}

#[test]
fn fifty_parallel_label_calls_lose_nothing() {
    let dir = TempDir::new("parallel");
    let store = dir.join("labels.json");
    let children: Vec<_> = (0..50)
        .map(|i| {
            rdx()
                .args([
                    "--labels",
                    &store,
                    "sessions",
                    "label",
                    &format!("id{i}"),
                    &format!("label {i}"),
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = wait_output(c, std::time::Duration::from_secs(60), "rdx sessions label");
        o.expect(0);
    }
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&store).unwrap()).unwrap();
    let labels = v["labels"].as_object().unwrap();
    assert_eq!(labels.len(), 50);
    for i in 0..50 {
        assert_eq!(labels[&format!("id{i}")], format!("label {i}"));
    }
}
