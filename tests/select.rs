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
        let o = run(&["--replay", &f, cmd, "--all", "--json", "--app", "fleet-a"]);
        o.expect(0);
        let got: HashSet<String> = json_lines(&o)
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, want, "{cmd}");
    }
    // regex filter and AND with --id-prefix
    let o = run(&[
        "--replay",
        &f,
        "sessions",
        "--all",
        "--json",
        "--app",
        "/^fleet-[ab]$/",
    ]);
    assert_eq!(json_lines(&o).len(), 100);
    let one = want.iter().next().unwrap();
    let o = run(&[
        "--replay",
        &f,
        "sessions",
        "--all",
        "--json",
        "--app",
        "fleet-a",
        "--id-prefix",
        one,
    ]);
    assert_eq!(json_lines(&o).len(), 1);
    let o = run(&[
        "--replay",
        &f,
        "sessions",
        "--all",
        "--json",
        "--app",
        "fleet-b",
        "--id-prefix",
        one,
    ]);
    assert!(json_lines(&o).is_empty());
}

#[test]
fn ambiguous_selector_lists_every_match() {
    let f = fixture("200-instances.jsonl");
    let o = run(&["--replay", &f, "state", "--instance-select", "/fleet/"]);
    assert_eq!(code(&o), 1);
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
    let o = run(&["--replay", &f, "tail", "--instance-select", "/(unclosed/"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("invalid regex"), "{}", stderr(&o));
}

#[test]
fn filters_and_selector_resolve_one_for_state_and_tail() {
    let f = fixture("two-apps.jsonl");
    // beta is gone but the only beta: selected
    let o = run(&[
        "--replay",
        &f,
        "state",
        "--app",
        "beta",
        "--path",
        ".counter.value",
    ]);
    o.expect(0);
    let o = run(&["--replay", &f, "tail", "--json", "--app", "beta"]);
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 16);
    assert!(lines.iter().all(|l| l["app"] == "beta"));
    let o = run(&["--replay", &f, "state", "--app", "alpha"]);
    assert_eq!(code(&o), 1, "two alphas");
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
    assert_eq!(code(&o), 0);
    let o = run(&[
        "--labels",
        &store,
        "--replay",
        &f,
        "tail",
        "--instance-select",
        "checkout",
    ]);
    assert_eq!(code(&o), 1);
}

#[test]
fn bad_labels_and_corrupt_stores() {
    let dir = TempDir::new("badlabel");
    let store = dir.join("labels.json");
    for bad in ["", "   ", "/shop/"] {
        let o = run(&["--labels", &store, "sessions", "label", "abc", bad]);
        assert_eq!(code(&o), 2, "{bad:?}: {}", stderr(&o));
    }
    let o = run(&["--labels", &store, "sessions", "label", "abc"]);
    assert_eq!(code(&o), 2);
    std::fs::write(&store, "{oops").unwrap();
    let o = run(&["--labels", &store, "sessions", "label", "abc", "x"]);
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("labels.json"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&store).unwrap(),
        "{oops",
        "left untouched"
    );
    let o = run(&[
        "--labels",
        &store,
        "--replay",
        &fixture("two-apps.jsonl"),
        "sessions",
    ]);
    assert_eq!(code(&o), 3);
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
