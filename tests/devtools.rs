//! DevTools files: `rdx export` checked by the DevTools' own import code
//! (instrument's `IMPORT_STATE` through utils' `importState`, run by
//! tests/devtools/import-check.js with the app's reducer), and `--replay`
//! of files written by app-core's real export code (tests/devtools/
//! make-export.js), live against the real server and real Redux stores.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::util::e2e::{Apps, Server};
use crate::util::*;

fn devtools_dir() -> PathBuf {
    root().join("tests/devtools")
}

/// `node tests/devtools/SCRIPT ARGS` (watchdog 60 s): its output.
fn node(script: &str, args: &[&str]) -> std::process::Output {
    assert!(
        devtools_dir()
            .join("node_modules/@redux-devtools/instrument")
            .is_dir(),
        "the DevTools oracle's deps are missing: run `make e2e-deps` (npm ci in tests/devtools)"
    );
    let child = Command::new("node")
        .arg(devtools_dir().join(script))
        .args(args)
        .current_dir(devtools_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node");
    wait_output(child, Duration::from_secs(60), script)
}

/// What the DevTools' Import makes of FILE with the e2e app's reducer: one
/// line per staged action (index 0 = @@INIT) with its recomputed state.
fn imported(file: &str) -> Vec<Value> {
    let o = node("import-check.js", &[file, "reducer.js"]);
    assert!(
        o.status.success(),
        "the DevTools' import rejected {file}: {}",
        stderr(&o)
    );
    json_lines(&o)
}

/// A file made by app-core's real export code (`remote`: a lifted state,
/// `extension`: the envelope).
fn app_core_export(mode: &str, out: &str) {
    let o = node("make-export.js", &[mode, out]);
    assert!(o.status.success(), "make-export.js {mode}: {}", stderr(&o));
}

fn read_json(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `(action_id, action_type, action)` of every action line.
fn actions(o: &Ran) -> Vec<(Value, Value, Value)> {
    json_lines(o)
        .into_iter()
        .filter(|l| l["type"] == "action")
        .map(|l| {
            (
                l["action_id"].clone(),
                l["action_type"].clone(),
                l["action"].clone(),
            )
        })
        .collect()
}

/// Each action of a file rdx wrote, as the import recomputes it and as the
/// file holds it, and the actions `--replay FILE tail` shows: all equal.
fn assert_import_matches(file: &str) -> Vec<Value> {
    let doc = read_json(file);
    let got = imported(file);
    let staged = doc["stagedActionIds"].as_array().unwrap();
    assert_eq!(got.len(), staged.len(), "{file}");
    for (i, line) in got.iter().enumerate() {
        assert_eq!(line["action_id"], staged[i]);
        assert_eq!(
            line["state"], doc["computedStates"][i]["state"],
            "{file}: the state after staged action {i} ({}): recomputed by the DevTools' import vs written by rdx",
            line["action_type"]
        );
    }
    assert_eq!(got[0]["action_type"], "@@INIT");
    let tail = replay(file, &["--json", "tail"]);
    tail.expect(0);
    let shown: Vec<_> = actions(&tail)
        .into_iter()
        .map(|(id, ty, _)| (id, ty))
        .collect();
    let want: Vec<_> = got[1..]
        .iter()
        .map(|l| (l["action_id"].clone(), l["action_type"].clone()))
        .collect();
    assert_eq!(shown, want, "{file}: tail vs the import");
    got
}

#[test]
fn live_export_and_its_recording_import_into_the_devtools_with_the_apps_states() {
    let server = Server::start();
    let apps = Apps::start(&server, &["shop"], &["--actions", "7", "--interval", "10"]);
    let fin = apps
        .0
        .wait_for(Duration::from_secs(60), "its final state", |v| {
            v["store"] == "shop" && v.get("final").is_some()
        })["final"]
        .clone();
    let dir = TempDir::new("devtools-live");
    let (live, rec) = (dir.join("live.json"), dir.join("rec.jsonl"));
    let url = server.url();
    let o = run(&[
        "--url",
        &url,
        "--timeout",
        "30s",
        "--record",
        &rec,
        "export",
        "--app",
        "shop",
        "-o",
        &live,
    ]);
    o.expect(0);
    assert!(stdout(&o).is_empty(), "with -o, nothing on stdout");
    let got = assert_import_matches(&live);
    assert_eq!(got.len(), 8, "@@INIT and the 7 actions");
    assert_eq!(
        got.last().unwrap()["state"],
        fin,
        "the app's own final state"
    );
    let st = replay(&live, &["state"]);
    st.expect(0);
    assert_eq!(serde_json::from_str::<Value>(&stdout(&st)).unwrap(), fin);

    // The same from the recording of that run, and what rdx says of it.
    let from_rec = dir.join("from-rec.json");
    replay(&rec, &["export", "--app", "shop", "-o", &from_rec]).expect(0);
    assert_import_matches(&from_rec);
    let hist = replay(&rec, &["--json", "tail", "--history", "--app", "shop"]);
    hist.expect(0);
    let written = replay(&from_rec, &["--json", "tail"]);
    assert_eq!(
        actions(&written),
        actions(&hist),
        "every action once, as recorded"
    );
    assert_eq!(
        read_json(&from_rec)["computedStates"],
        read_json(&live)["computedStates"]
    );
    // to stdout, the same document
    let out = replay(&rec, &["export", "--app", "shop"]);
    out.expect(0);
    assert_eq!(
        serde_json::from_str::<Value>(&stdout(&out)).unwrap(),
        read_json(&from_rec)
    );
    // a selector that matches nothing: exit 1, no file
    let none = dir.join("none.json");
    let o = replay(&rec, &["export", "--app", "nope", "-o", &none]);
    o.expect(1);
    assert!(!std::path::Path::new(&none).exists());
}

#[test]
fn app_core_exports_replay_with_every_action_once_and_the_last_state() {
    let dir = TempDir::new("devtools-appcore");
    for mode in ["remote", "remote-serialize"] {
        let f = dir.join(&format!("{mode}.json"));
        app_core_export(mode, &f);
        let doc = read_json(&f);
        let want = imported(&f);
        let tail = replay(&f, &["--json", "tail"]);
        tail.expect(0);
        let shown = actions(&tail);
        let types: Vec<&str> = shown.iter().map(|a| a.1.as_str().unwrap()).collect();
        assert_eq!(
            types,
            ["counter/incremented", "todos/todoAdded", "counter/set"],
            "{mode}: every action once, no @@INIT"
        );
        assert_eq!(
            shown[1].2["payload"]["text"], "export me",
            "{mode}: the action decoded"
        );
        let l = &json_lines(&tail)[0];
        assert_eq!(
            (l["instance"].as_str(), l["app"].as_str()),
            (Some(mode), Some(mode))
        );
        let st = replay(&f, &["state"]);
        st.expect(0);
        let last: Value = serde_json::from_str(&stdout(&st)).unwrap();
        assert_eq!(last, want.last().unwrap()["state"], "{mode}");
        assert_eq!(last["counter"]["value"], 42);
        if mode == "remote" {
            assert_eq!(last, doc["computedStates"][3]["state"]);
        }
        // and back: rdx's export of it imports to the same states
        let again = dir.join(&format!("{mode}-again.json"));
        replay(&f, &["export", "-o", &again]).expect(0);
        let round: Vec<Value> = assert_import_matches(&again);
        let states = |v: &[Value]| v.iter().map(|l| l["state"].clone()).collect::<Vec<_>>();
        assert_eq!(states(&round), states(&want), "{mode}: round trip");
        // stdin too
        let args = ["--replay", "-", "state"];
        let mut c = rdx();
        c.args(args).stdin(std::fs::File::open(&f).unwrap());
        let o = run_cmd(&mut c, &args);
        o.expect(0);
        assert_eq!(serde_json::from_str::<Value>(&stdout(&o)).unwrap(), last);
    }
}

#[test]
fn the_extensions_envelope_replays_its_actions_and_says_the_states_are_unknown() {
    let dir = TempDir::new("devtools-envelope");
    let f = dir.join("state.json");
    app_core_export("extension", &f);
    assert!(
        std::fs::read_to_string(&f)
            .unwrap()
            .contains("\n\t\"payload\"")
    );
    let tail = replay(&f, &["--json", "tail"]);
    tail.expect(0);
    let types: Vec<Value> = actions(&tail).into_iter().map(|a| a.1).collect();
    assert_eq!(types, ["counter/incremented", "todos/todoAdded"]);
    assert!(stderr(&tail).contains("not known"), "{}", stderr(&tail));
    let st = replay(&f, &["state"]);
    assert_ne!(code(&st), 0);
    assert!(stderr(&st).contains("no state"), "{}", stderr(&st));
    assert!(stderr(&st).contains("not known"), "{}", stderr(&st));
    // exported, it says what it lacks; the import still takes it
    let out = dir.join("out.json");
    let o = replay(&f, &["export", "-o", &out]);
    o.expect(0);
    assert!(
        stderr(&o).contains("2 of 2 action(s) came with no state"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("no committedState"), "{}", stderr(&o));
    let got = imported(&out);
    assert_eq!(got.len(), 3);
}

#[test]
fn a_json_file_of_neither_shape_or_truncated_is_exit_3_saying_what_rdx_reads() {
    let dir = TempDir::new("devtools-bad");
    let neither = dir.join("neither.json");
    std::fs::write(&neither, "{\n\t\"hello\": \"world\"\n}\n").unwrap();
    let o = replay(&neither, &["tail"]);
    o.expect(3);
    for w in [
        "a recording (NDJSON lines of {t,dir,data})",
        "a DevTools export",
        "{payload, preloadedState}",
    ] {
        assert!(stderr(&o).contains(w), "{}", stderr(&o));
    }
    let good = dir.join("good.json");
    app_core_export("remote", &good);
    let text = std::fs::read_to_string(&good).unwrap();
    let cut = dir.join("cut.json");
    std::fs::write(&cut, &text[..text.len() / 2]).unwrap();
    let o = replay(&cut, &["state"]);
    o.expect(3);
    assert!(stderr(&o).contains("truncated"), "{}", stderr(&o));
    // a lifted state that lost its actions: what is wrong, exit 3
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    doc["actionsById"] = Value::Array(vec![]);
    let broken = dir.join("broken.json");
    std::fs::write(&broken, doc.to_string()).unwrap();
    replay(&broken, &["tail"]).expect(3);
}
