//! `rdx tail` on recorded fixtures.

use crate::util::generated;
use crate::util::*;

fn expected_actions(file: &str) -> Vec<(String, String)> {
    relay_messages(file)
        .into_iter()
        .filter(|(_, m)| m["type"] == "ACTION")
        .map(|(_, m)| {
            (
                m["instanceId"].as_str().unwrap().to_string(),
                action_type(&m),
            )
        })
        .collect()
}

fn tail_json(file: &str, extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["--replay", file, "tail", "--json"];
    args.extend_from_slice(extra);
    let o = run(&args);
    o.expect(0);
    json_lines(&o)
}

#[test]
fn tail_json_prints_every_action_in_arrival_order() {
    let f = fixture("two-apps.jsonl");
    let want = expected_actions(&f);
    assert_eq!(want.len(), 48);
    let got = tail_json(&f, &[]);
    let got_pairs: Vec<(String, String)> = got
        .iter()
        .map(|l| {
            (
                l["instance"].as_str().unwrap().to_string(),
                l["action_type"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(got_pairs, want);
    for l in &got {
        assert_eq!(l["type"], "action");
        assert!(l["action_id"].is_i64(), "{l}");
        assert_eq!(l["action"]["type"], l["action_type"]);
        assert!(l["app"].is_string());
        assert!(l.get("label").is_some());
        assert!(l["ts"].as_str().unwrap().ends_with('Z'));
    }
}

#[test]
fn type_invert_and_count_partition_the_stream() {
    let f = fixture("two-apps.jsonl");
    let all = tail_json(&f, &[]);
    let matched = tail_json(&f, &["--type", "^counter/"]);
    let inverted = tail_json(&f, &["--type", "^counter/", "-v"]);
    assert!(!matched.is_empty() && !inverted.is_empty());
    assert_eq!(matched.len() + inverted.len(), all.len());
    assert!(
        matched
            .iter()
            .all(|l| l["action_type"].as_str().unwrap().starts_with("counter/"))
    );
    assert!(
        inverted
            .iter()
            .all(|l| !l["action_type"].as_str().unwrap().starts_with("counter/"))
    );
    let five = tail_json(&f, &["--count", "5"]);
    assert_eq!(five, all[..5].to_vec());
}

#[test]
fn instance_narrows_to_one() {
    let f = fixture("two-apps.jsonl");
    let want: Vec<_> = expected_actions(&f)
        .into_iter()
        .filter(|(i, _)| i == "65ioovqadda")
        .collect();
    let got = tail_json(&f, &["--instance", "65ioovqadda"]);
    assert_eq!(got.len(), want.len());
    assert!(got.iter().all(|l| l["instance"] == "65ioovqadda"));
}

#[test]
fn history_prints_the_actions_inside_states_once() {
    let f = fixture("two-apps.jsonl");
    let plain = tail_json(&f, &[]);
    let hist = tail_json(&f, &["--history"]);
    // 6 earlier actions live inside the first STATEs (3 stores x @@INIT + 1 action).
    assert!(
        hist.len() > plain.len(),
        "{} vs {}",
        hist.len(),
        plain.len()
    );
    let mut seen = std::collections::HashSet::new();
    for l in &hist {
        let k = (l["instance"].to_string(), l["action_id"].as_i64().unwrap());
        assert!(seen.insert(k.clone()), "printed twice: {k:?}");
    }
}

#[test]
fn diff_reports_state_changes_per_instance() {
    let f = fixture("two-apps.jsonl");
    let got = tail_json(&f, &["--diff"]);
    let with_diff = got
        .iter()
        .filter(|l| l["diff"].as_array().is_some_and(|d| !d.is_empty()))
        .count();
    assert!(with_diff > 40, "{with_diff}");
    // counter/incremented changes .counter.value by one, per instance.
    let inc = got
        .iter()
        .find(|l| l["action_type"] == "counter/incremented" && l["diff"].is_array())
        .unwrap();
    let d = &inc["diff"][0];
    assert_eq!(d["path"], ".counter.value");
    assert_eq!(d["new"].as_i64().unwrap(), d["old"].as_i64().unwrap() + 1);
}

#[test]
fn jsan_references_are_resolved_in_output() {
    let f = fixture("all-types.jsonl");
    let o = run(&["--replay", &f, "tail", "--json"]);
    o.expect(0);
    assert!(!stdout(&o).contains("$jsan"), "{}", stdout(&o));
    let o = run(&["--replay", &f, "tail", "--diff"]);
    assert!(!stdout(&o).contains("$jsan"));
}

#[test]
fn hostile_action_types_cannot_reach_the_terminal() {
    let dir = TempDir::new("hostile");
    let path = dir.join("f.jsonl");
    let action = serde_json::json!({"type":"PERFORM_ACTION","action":{"type":"evil\u{1b}[31m\u{7}\u{1b}]0;pwned\u{7}\u{9b}\u{202e}x","payload":"\u{1b}[2J"}}).to_string();
    let msg = serde_json::json!({"type":"ACTION","id":"s","instanceId":"i","name":"app\u{1b}[1m","payload":"{}","action":action,"nextActionId":2});
    let frame =
        serde_json::json!({"event":"#publish","data":{"channel":"log","data":msg}}).to_string();
    std::fs::write(
        &path,
        serde_json::json!({"t":1,"dir":"in","data":frame}).to_string(),
    )
    .unwrap();
    for color in ["never", "always"] {
        let o = run(&["--replay", &path, "--color", color, "tail"]);
        assert_eq!(code(&o), 0);
        let out = stdout(&o);
        assert!(out.contains("evil"), "{out:?}");
        let stray: Vec<char> = out
            .chars()
            .filter(|&c| {
                (c < ' ' && c != '\n')
                    || ('\u{7f}'..='\u{9f}').contains(&c)
                    || ('\u{202a}'..='\u{202e}').contains(&c)
            })
            .collect();
        if color == "never" {
            assert!(stray.is_empty(), "{out:?}");
        } else {
            // only rdx's own SGR color codes: ESC followed by '[' then digits and 'm'
            let re = regex_lite::Regex::new("\x1b\\[[0-9;]*m").unwrap();
            let cleaned = re.replace_all(&out, "");
            assert!(
                !cleaned.contains('\x1b') && !cleaned.contains('\x07'),
                "{out:?}"
            );
        }
    }
}

#[test]
fn head_closing_the_pipe_is_a_quiet_success() {
    use std::process::Stdio;
    let f = fixture("200-instances.jsonl");
    let mut child = rdx()
        .args(["--replay", &f, "tail"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    std::io::Read::read_exact(&mut out, &mut first).unwrap();
    drop(out); // like `head -1` exiting
    let o = wait_output(child, std::time::Duration::from_secs(30), "rdx tail | head");
    o.expect(0);
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}

#[test]
fn many_instances_with_a_gap_each_print_both_actions_and_one_gap() {
    // every instance holds its action 3 (2 never comes) at the same time
    let n = 2_000;
    let dir = TempDir::new("gapped");
    let file = dir.join("gapped.jsonl");
    std::fs::write(&file, generated::gapped(n)).unwrap();
    let lines = tail_json(&file, &[]);
    let mut per: std::collections::HashMap<String, Vec<String>> = Default::default();
    for l in &lines {
        let what = match l["type"].as_str().unwrap() {
            "action" => format!("a{}", l["action_id"]),
            "gap" => format!("gap{}-{}", l["from_id"], l["to_id"]),
            other => panic!("{other}: {l}"),
        };
        per.entry(l["instance"].as_str().unwrap().to_string())
            .or_default()
            .push(what);
    }
    assert_eq!(per.len(), n);
    for (inst, seen) in &per {
        assert_eq!(seen, &["a1", "gap2-2", "a3"], "{inst}");
    }
}

/// The recordings the bookkeeping figures in BENCHMARKS.md were measured on:
/// `RDX_GEN_DIR=DIR cargo test --test integration write_generated -- --ignored`.
#[test]
#[ignore]
fn write_generated_recordings() {
    let dir = std::env::var("RDX_GEN_DIR").expect("RDX_GEN_DIR names where to write");
    std::fs::create_dir_all(&dir).unwrap();
    for n in [10_000, 20_000, 40_000] {
        let path = format!("{dir}/gapped-{n}.jsonl");
        std::fs::write(&path, generated::gapped(n)).unwrap();
    }
    std::fs::write(
        format!("{dir}/starts-200k.jsonl"),
        generated::starts(200_000),
    )
    .unwrap();
}
