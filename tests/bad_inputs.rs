//! The corpus of bad inputs under tests/bad-inputs/ (one file per case, named
//! for what it breaks), replayed through every command: each case has a
//! stated outcome, and nothing may panic or hang.

use crate::util::*;

struct Case {
    file: &'static str,
    /// Exit code of `sessions --all --json`.
    code: i32,
    /// Instances `sessions --all --json` must list.
    instances: usize,
    /// Text stderr must contain (a line number, a reason).
    stderr: &'static str,
}

const CASES: &[Case] = &[
    Case {
        file: "not-ndjson-at-all.jsonl",
        code: 3,
        instances: 0,
        stderr: "not a fixture",
    },
    Case {
        file: "binary-garbage.jsonl",
        code: 3,
        instances: 0,
        stderr: "not a fixture",
    },
    Case {
        file: "truncated-last-line.jsonl",
        code: 0,
        instances: 1,
        stderr: "truncated-last-line.jsonl:3: skipped: truncated line",
    },
    Case {
        file: "invalid-utf8-line.jsonl",
        code: 0,
        instances: 1,
        stderr: "invalid-utf8-line.jsonl:2: skipped",
    },
    Case {
        file: "malformed-json-frame.jsonl",
        code: 0,
        instances: 1,
        stderr: "skipped 2 frame(s)",
    },
    Case {
        file: "wrong-types-in-every-field.jsonl",
        code: 0,
        instances: 1,
        stderr: "wrong-types-in-every-field.jsonl:14: skipped: inbound line without a numeric \"t\"",
    },
    Case {
        file: "unknown-message-types.jsonl",
        code: 0,
        instances: 1,
        stderr: "",
    },
    Case {
        file: "deeply-nested-json.jsonl",
        code: 0,
        instances: 1,
        stderr: "skipped 1 frame(s)",
    },
    Case {
        file: "jsan-circular-and-dangling.jsonl",
        code: 0,
        instances: 1,
        stderr: "",
    },
    Case {
        file: "jsan-exponential-fan-out.jsonl",
        code: 0,
        instances: 1,
        stderr: "",
    },
    Case {
        file: "jsan-chained-references-in-every-action.jsonl",
        code: 0,
        instances: 1,
        stderr: "",
    },
    Case {
        file: "out-of-range-numbers.jsonl",
        code: 0,
        instances: 2,
        stderr: "out-of-range-numbers.jsonl:11: skipped: inbound line whose \"t\" 1e+300 is out of range",
    },
    Case {
        file: "empty-file.jsonl",
        code: 0,
        instances: 0,
        stderr: "no app instances",
    },
    Case {
        file: "only-blank-lines.jsonl",
        code: 0,
        instances: 0,
        stderr: "no app instances",
    },
];

fn path(file: &str) -> String {
    root()
        .join("tests/bad-inputs")
        .join(file)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn every_bad_input_has_its_stated_outcome() {
    let on_disk = std::fs::read_dir(root().join("tests/bad-inputs"))
        .unwrap()
        .count();
    assert_eq!(
        on_disk,
        CASES.len(),
        "every file in tests/bad-inputs/ has a case"
    );
    for case in CASES {
        let f = path(case.file);
        let o = replay(&f, &["sessions", "--all", "--json"]);
        let err = stderr(&o);
        o.expect(case.code);
        assert!(
            err.contains(case.stderr),
            "{}: stderr {err:?} lacks {:?}",
            case.file,
            case.stderr
        );
        assert!(!err.contains("panicked"), "{}", case.file);
        if case.code == 0 {
            assert_eq!(json_lines(&o).len(), case.instances, "{}", case.file);
        }
        // Every other command survives it too, with a contract exit code.
        for args in [
            vec!["--replay", &f, "tail", "--json"],
            vec!["--replay", &f, "tail", "--diff", "--history"],
            vec!["--replay", &f, "state", "--instance", "i1"],
            vec!["--replay", &f, "watch", ".n", "--instance", "i1"],
        ] {
            let o = run(&args);
            assert!([0, 1, 3, 4].contains(&code(&o)), "{args:?}: {}", stderr(&o));
            assert!(!stderr(&o).contains("panicked"), "{args:?}: {}", stderr(&o));
        }
    }
}

#[test]
fn jsan_cycles_and_dangling_refs_print_as_markers() {
    let o = replay(
        &path("jsan-circular-and-dangling.jsonl"),
        &["state", "--instance", "i1"],
    );
    o.expect(0);
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["self"], "[Circular $]");
    assert_eq!(v["up"]["a"], "[Circular $.computedStates[0].state.up]");
    assert_eq!(v["nowhere"], "[Unresolved $.no.such.path]");
    assert_eq!(v["bad"], "[Unresolved $[oops]");
    assert!(
        v["loop1"].to_string().contains("[Circular"),
        "{}",
        v["loop1"]
    );
}

#[test]
fn wrong_types_still_count_the_good_messages() {
    let o = replay(
        &path("wrong-types-in-every-field.jsonl"),
        &["sessions", "--all", "--json"],
    );
    let i = &json_lines(&o)[0];
    assert_eq!(i["id"], "i1");
    assert!(i["actions"].as_u64().unwrap() >= 2, "{i}");
    assert_eq!(i["last_action"], "inc");
}

/// Issue 18: numbers no app sends (ids past 2^53 or negative, `nextActionId`
/// of i64::MIN, times past year 9999) in every place they come: said, left
/// out, never wrapped (the debug build this runs would panic on overflow),
/// and the good action after them is printed.
#[test]
fn numbers_out_of_range_are_said_and_left_out_never_wrapped() {
    let f = path("out-of-range-numbers.jsonl");
    let o = run(&["--replay", &f, "tail", "--json"]);
    o.expect(0);
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    let got: Vec<(String, i64, String)> = json_lines(&o)
        .iter()
        .map(|l| {
            assert_eq!(l["type"], "action", "no gap: nothing was lost: {l}");
            assert!(l["ts"].as_str().unwrap().starts_with("2026-11-24T"), "{l}");
            (
                l["instance"].as_str().unwrap().to_string(),
                l["action_id"].as_i64().unwrap(),
                l["action_type"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        ("i1", 1, "one"),
        ("i1", 2, "two"),
        ("i1", 3, "three"),
        ("i1", 4, "four"),
        ("i2", 1, "uno"),
        ("i2", 2, "dos"),
        ("i1", 5, "five"),
        ("i2", 3, "tres"),
    ]
    .map(|(i, n, t)| (i.to_string(), n, t.to_string()));
    assert_eq!(got, want);
    // 4 ACTIONs with a bad nextActionId, 2 lines with a bad "t"; 2 bad
    // action timestamps, and in the STATE 2 ids, 1 time, 1 nextActionId
    assert!(err.contains("skipped 6 frame(s) or message(s)"), "{err}");
    assert!(err.contains("ignored 6 number(s) out of range"), "{err}");
    let o = run(&["--replay", &f, "--verbose", "tail"]);
    let err = stderr(&o);
    for said in [
        ":4: skipped: ACTION: nextActionId -9223372036854775808 out of range",
        ":8: skipped: ACTION: nextActionId \"18446744073709551615\" out of range",
        ":12: skipped: inbound line whose \"t\" 18446744073709551615 is out of range",
        "nums·i1: ignored timestamp -1 of action 4 out of range",
        "nums·i2: ignored stagedActionIds: 9223372036854775807 out of range",
    ] {
        assert!(err.contains(said), "{said:?} in {err}");
    }
    let o = run(&["--replay", &f, "sessions", "--json"]);
    o.expect(0);
    for i in json_lines(&o) {
        let want = if i["id"] == "i1" {
            (5, "five")
        } else {
            (3, "tres")
        };
        assert_eq!(
            (
                i["actions"].as_u64().unwrap(),
                i["last_action"].as_str().unwrap()
            ),
            want,
            "{i}"
        );
        for k in ["first_seen", "last_seen"] {
            assert!(i[k].as_str().unwrap().starts_with("2026-11-24T"), "{i}");
        }
    }
}

/// Issue 13's hostile shape: 2.4 KB of references, each level pointing twice
/// at the one before (2^40 nodes if expanded), in every ACTION. Each costs
/// what its size allows: the state shows what was left out, and stays small
/// (unbounded, it would be 2^40 nodes; the speed-up, 21 s to 0.12 s for 200
/// of them, is measured in BENCHMARKS.md, not here).
#[test]
fn chained_jsan_references_cost_what_their_size_allows() {
    let f = path("jsan-chained-references-in-every-action.jsonl");
    let o = replay(&f, &["state", "--instance", "i1"]);
    o.expect(0);
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["n"], 20);
    let text = v.to_string();
    assert!(
        text.contains("[Elided $.l") && text.contains(" bytes]"),
        "{}",
        &text[..300]
    );
    assert!(text.len() < 2_000_000, "{} bytes", text.len());
    let o = replay(&f, &["tail", "--diff", "--json"]);
    o.expect(0);
    assert_eq!(json_lines(&o).len(), 20);
}

/// Lines over 4 MB take another path (the frame is unescaped inside the
/// line's buffer, a big payload inside the frame's): damaged ones are
/// skipped with their line number, as small ones are, and the rest replays.
#[test]
fn damaged_big_lines_are_skipped_with_their_number() {
    let dir = TempDir::new("big-bad");
    let f = dir.join("big.jsonl");
    let frame = |msg: &str| {
        let text = format!(r##"{{"event":"#publish","data":{{"channel":"log","data":{msg}}}}}"##);
        format!(
            "{{\"t\":1000,\"dir\":\"in\",\"data\":{}}}\n",
            serde_json::to_string(&text).unwrap()
        )
    };
    let big = "x".repeat(5 << 20);
    let mut text = frame(r#"{"type":"START","id":"s1","instanceId":"i1","name":"app"}"#);
    // 2: a frame whose text is not JSON (the data string itself is fine)
    text += &format!("{{\"t\":1000,\"dir\":\"in\",\"data\":\"{{oops {big}\"}}\n");
    // 3: a lone surrogate escape in a big data string
    text += &format!("{{\"t\":1000,\"dir\":\"in\",\"data\":\"\\ud800 {big}\"}}\n");
    // 4: a big payload that is not JSON once unquoted (kept as the string it is)
    let payload = serde_json::to_string(&format!("{{not json {big}")).unwrap();
    text += &frame(&format!(
        r#"{{"type":"STATE","id":"s2","instanceId":"i2","name":"app","payload":{payload}}}"#
    ));
    // 5: truncated
    text += &format!("{{\"t\":1000,\"dir\":\"in\",\"data\":\"{big}\n");
    text += &frame(r#"{"type":"START","id":"s3","instanceId":"i3","name":"app"}"#);
    std::fs::write(&f, text).unwrap();
    let o = replay(&f, &["--verbose", "sessions", "--all", "--json"]);
    o.expect(0);
    let ids: Vec<String> = json_lines(&o)
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    let mut ids = ids;
    ids.sort();
    assert_eq!(ids, ["i1", "i2", "i3"]);
    let err = stderr(&o);
    for needle in [
        "big.jsonl:2:",
        "big.jsonl:3:",
        "big.jsonl:5: skipped: truncated line",
    ] {
        assert!(err.contains(needle), "stderr lacks {needle:?}: {err:.2000}");
    }
    assert!(!err.contains("big.jsonl:4:"), "{err:.2000}");
    // The big state that is no JSON inside reads as a small one does: no
    // state (exit 4, as for a state that never came).
    let o = replay(&f, &["state", "--instance", "i2"]);
    o.expect(4);
    assert!(stderr(&o).contains("the state of instance i2 could not be read"));
}

/// A recording of one app whose second ACTION's action is `action` (jsan
/// text), between two plain ones.
fn hostile_recording(dir: &TempDir, name: &str, action: &str) -> (String, u64) {
    let frame = |msg: &str| {
        let text = format!(r##"{{"event":"#publish","data":{{"channel":"log","data":{msg}}}}}"##);
        format!(
            "{{\"t\":1000,\"dir\":\"in\",\"data\":{}}}\n",
            serde_json::to_string(&text).unwrap()
        )
    };
    let act = |id: u64, action: &str| {
        let a = serde_json::to_string(action).unwrap();
        frame(&format!(
            r#"{{"type":"ACTION","id":"s1","instanceId":"i1","name":"app","action":{a},"payload":"{{\"n\":{id}}}","nextActionId":{}}}"#,
            id + 1
        ))
    };
    let plain = |id: u64| {
        format!(r#"{{"type":"PERFORM_ACTION","action":{{"type":"plain{id}"}},"timestamp":1}}"#)
    };
    let mut text = frame(r#"{"type":"START","id":"s1","instanceId":"i1","name":"app"}"#);
    text += &act(1, &plain(1));
    text += &act(2, action);
    text += &act(3, &plain(3));
    let f = dir.join(name);
    std::fs::write(&f, &text).unwrap();
    (f, text.len() as u64)
}

/// Issue 18's hostile messages, replayed through sessions, tail --json,
/// tail --diff and state: no crash (a Set tag nested 400 deep overflowed
/// every command's stack), every action once, and output within 8× the
/// input (a 1 MB string and 2,000 references to it gave 2 GB).
#[test]
fn hostile_jsan_costs_what_its_size_allows_in_every_command() {
    let dir = TempDir::new("hostile-jsan");
    let wrap = |inner: String| {
        format!(
            r#"{{"type":"PERFORM_ACTION","action":{{"type":"hostile","v":{inner}}},"timestamp":1}}"#
        )
    };
    let refs: Vec<String> = (0..2000)
        .map(|_| r#"{"$jsan":"$.action.v.big"}"#.to_string())
        .collect();
    let key = "k".repeat(50_000);
    let cases = [
        (
            "nested-tags.jsonl",
            wrap(rdx::relay::jsan::hostile::nested_tags(400, "1")),
        ),
        (
            "big-string-refs.jsonl",
            wrap(format!(
                r#"{{"big":"{}","refs":[{}]}}"#,
                "x".repeat(200_000),
                refs.join(",")
            )),
        ),
        (
            "long-path-copies.jsonl",
            wrap(format!(
                r#"{{"{key}":1,"t":{{"r":{{"$jsan":"$.action.v.{key}"}}}},"c":[{}]}}"#,
                vec![r#"{"$jsan":"$.action.v.t"}"#; 1000].join(",")
            )),
        ),
    ];
    for (name, action) in cases {
        let (f, size) = hostile_recording(&dir, name, &action);
        let o = replay(&f, &["sessions", "--json"]);
        o.expect(0);
        let i = &json_lines(&o)[0];
        assert_eq!(i["actions"], 3, "{name}: {i}");
        assert_eq!(i["last_action"], "plain3", "{name}");
        let o = replay(&f, &["tail", "--json"]);
        o.expect(0);
        let lines = json_lines(&o);
        let types: Vec<&str> = lines
            .iter()
            .map(|l| l["action_type"].as_str().unwrap())
            .collect();
        assert_eq!(types, ["plain1", "hostile", "plain3"], "{name}");
        let out = o.stdout.len() as u64;
        assert!(out <= 8 * size, "{name}: {out} bytes of output from {size}");
        let o = replay(&f, &["tail", "--diff"]);
        o.expect(0);
        assert!(
            o.stdout.len() as u64 <= 8 * size,
            "{name}: tail --diff {} bytes",
            o.stdout.len()
        );
        replay(&f, &["state", "--instance", "i1"]).expect(0);
    }
}
