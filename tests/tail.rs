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
    let o = replay(&f, &["tail", "--json"]);
    o.expect(0);
    assert!(!stdout(&o).contains("$jsan"), "{}", stdout(&o));
    let o = replay(&f, &["tail", "--diff"]);
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
        let o = replay(&path, &["--color", color, "tail"]);
        o.expect(0);
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

/// `--replay -` spooled: the spool files of rdx process `pid` (targets of
/// its open descriptors under `dir`).
fn spool_fds(pid: u32, dir: &std::path::Path) -> Vec<(std::path::PathBuf, String)> {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return Vec::new();
    };
    fds.filter_map(|e| {
        let link = e.ok()?.path();
        let target = std::fs::read_link(&link).ok()?;
        let target = target.to_string_lossy().into_owned();
        (target.starts_with(&*dir.to_string_lossy()) && target.contains("rdx-stdin"))
            .then_some((link, target))
    })
    .collect()
}

fn entries(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// `tail` of one instance of a recording on stdin: read twice, so spooled.
const TAIL_ONE_OF_STDIN: &[&str] = &[
    "--replay",
    "-",
    "tail",
    "--json",
    "--instance",
    "4xxi9ufznu6",
];

#[test]
fn the_stdin_spool_is_private_unlinked_at_once_and_gone_after_ctrl_c() {
    use std::io::Write;
    use std::os::unix::fs::MetadataExt;
    use std::time::{Duration, Instant};
    let tmp = TempDir::new("spool-tmp");
    let fixture_text = std::fs::read_to_string(fixture("two-apps.jsonl")).unwrap();
    let mut child = rdx()
        .env("TMPDIR", &tmp.0)
        // A selector: the recording is read twice, so stdin is spooled
        // (a plain `tail` streams it).
        .args(TAIL_ONE_OF_STDIN)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    // Some lines, and stdin stays open: rdx is spooling, blocked on the read.
    let mut stdin = child.stdin.take().unwrap();
    for line in fixture_text.lines().take(10) {
        writeln!(stdin, "{line}").unwrap();
    }
    stdin.flush().unwrap();
    let limit = Instant::now() + Duration::from_secs(20);
    let spool = loop {
        if let Some(s) = spool_fds(pid, &tmp.0).pop() {
            break s;
        }
        if Instant::now() > limit || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            panic!("watchdog: rdx never opened a spool in {}", tmp.0.display());
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let (fd, target) = spool;
    let mode = std::fs::metadata(&fd).map(|m| m.mode() & 0o777);
    let visible = entries(&tmp.0);
    // Ctrl-C while the read is blocked.
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let o = wait_output(child, Duration::from_secs(20), "rdx --replay - tail");
    drop(stdin);
    assert!(target.ends_with(" (deleted)"), "not unlinked: {target}");
    assert!(visible.is_empty(), "visible while spooling: {visible:?}");
    assert_eq!(mode.unwrap(), 0o600, "{target}");
    assert!(!o.status.success(), "ended by SIGINT");
    assert!(
        entries(&tmp.0).is_empty(),
        "left behind: {:?}",
        entries(&tmp.0)
    );
}

#[test]
fn a_symlink_planted_at_a_predictable_spool_name_is_not_followed() {
    let tmp = TempDir::new("spool-plant");
    let elsewhere = TempDir::new("spool-victim");
    let victim = elsewhere.join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    // What older rdx named its spool: rdx-stdin-<pid>.jsonl; rdx's pid will
    // be one of the next few hundred.
    let last: u32 = std::fs::read_to_string("/proc/sys/kernel/ns_last_pid")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let planted: Vec<String> = (last + 1..last + 500)
        .map(|p| format!("rdx-stdin-{p}.jsonl"))
        .collect();
    for name in &planted {
        std::os::unix::fs::symlink(&victim, tmp.0.join(name)).unwrap();
    }
    let f = fixture("two-apps.jsonl");
    let want = replay(&f, &["tail", "--json"]);
    want.expect(0);
    // With a selector the spool is read twice (resolve, then play).
    let want_one = replay(&f, &["tail", "--json", "--instance", "4xxi9ufznu6"]);
    want_one.expect(0);
    for (args, want) in [
        (vec!["--replay", "-", "tail", "--json"], &want),
        (TAIL_ONE_OF_STDIN.to_vec(), &want_one),
    ] {
        let o = run_cmd(
            rdx()
                .env("TMPDIR", &tmp.0)
                .args(&args)
                .stdin(std::fs::File::open(&f).unwrap()),
            &args,
        );
        o.expect(0);
        assert_eq!(stdout(&o), stdout(want), "{args:?}");
    }
    let now = std::fs::read_to_string(&victim).unwrap();
    assert!(
        now == "precious\n",
        "the victim was written through a planted link ({} bytes now)",
        now.len()
    );
    let mut left = entries(&tmp.0);
    left.sort();
    let mut planted = planted;
    planted.sort();
    assert_eq!(left, planted, "only the planted links are there");
}

/// beta disconnects in two-apps.jsonl: following it (by id, label, exact
/// id, filter, regex) prints all its actions, says why it ended, exits 0.
#[test]
fn a_followed_instance_that_goes_ends_the_replay_with_exit_0() {
    let f = fixture("two-apps.jsonl");
    let beta = "0wsdu0lhs99";
    let want: Vec<String> = expected_actions(&f)
        .into_iter()
        .filter(|(i, _)| i == beta)
        .map(|(_, t)| t)
        .collect();
    assert_eq!(want.len(), 16);
    let dir = TempDir::new("tail-ends");
    let store = dir.join("labels.json");
    run(&["--labels", &store, "sessions", "label", beta, "beta-tab"]).expect(0);
    for (sel, says) in [
        (&["--instance", beta][..], "the stream ends"),
        (&["--instance-select", "beta-tab"], "the stream ends"),
        (&["--instance-select", beta], "the stream ends"),
        (&["--app", "beta"], "gone at the end of the recording"),
        (&["--instance-select", "/^beta$/"], "the recording ended"),
    ] {
        let mut args = vec!["--labels", &store, "--replay", &f, "tail", "--json"];
        args.extend_from_slice(sel);
        let o = run(&args);
        o.expect(0);
        let lines = json_lines(&o);
        let got: Vec<&str> = lines
            .iter()
            .map(|l| l["action_type"].as_str().unwrap())
            .collect();
        assert_eq!(got, want, "{sel:?}");
        assert!(lines.iter().all(|l| l["instance"] == beta), "{sel:?}");
        let err = stderr(&o);
        assert!(
            err.contains("is gone") && err.contains(says),
            "{sel:?}: {err}"
        );
        // an unmet --count is still exit 1
        args.extend(["--count", "17"]);
        let o = run(&args);
        o.expect(1);
        assert!(
            stderr(&o).contains("ended after 16 of --count 17"),
            "{sel:?}: {}",
            stderr(&o)
        );
    }
    // a selection that matches nothing when it is resolved is still exit 1
    let o = replay(&f, &["tail", "--instance", "nope"]);
    o.expect(1);
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
