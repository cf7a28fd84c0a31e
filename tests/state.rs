//! `rdx state` on recorded fixtures.

use crate::util::*;

/// The instance's last state in the capture, computed independently.
fn last_state(file: &str, instance: &str) -> serde_json::Value {
    states_of(file, instance).pop().unwrap_or_default()
}

#[test]
fn state_path_prints_the_value_the_capture_holds() {
    let f = fixture("two-apps.jsonl");
    let want = last_state(&f, "65ioovqadda");
    let o = replay(
        &f,
        &[
            "state",
            "--instance",
            "65ioovqadda",
            "--path",
            ".counter.value",
        ],
    );
    o.expect(0);
    assert_eq!(stdout(&o).trim(), want["counter"]["value"].to_string());
    // every path syntax reaches the same value
    for p in ["counter.value", "/counter/value", ".[\"counter\"].value"] {
        let o2 = replay(&f, &["state", "--instance", "65ioovqadda", "--path", p]);
        assert_eq!(stdout(&o2), stdout(&o), "{p}");
    }
}

#[test]
fn state_whole_document_compact_when_piped_and_json_wrapper() {
    let f = fixture("two-apps.jsonl");
    let want = last_state(&f, "65ioovqadda");
    let o = replay(&f, &["state", "--instance", "65ioovqadda"]);
    assert_eq!(stdout(&o).lines().count(), 1);
    let got: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(got, want);
    let o = replay(
        &f,
        &[
            "--json",
            "state",
            "--instance",
            "65ioovqadda",
            "--path",
            ".todos",
        ],
    );
    let l = &json_lines(&o)[0];
    assert_eq!(l["type"], "state");
    assert_eq!(l["instance"], "65ioovqadda");
    assert_eq!(l["app"], "alpha");
    assert_eq!(l["path"], ".todos");
    assert_eq!(l["state"], want["todos"]);
    assert!(l["ts"].is_string() && l.get("label").is_some());
}

#[test]
fn missing_path_exits_1_and_says_what_exists() {
    let f = fixture("two-apps.jsonl");
    let o = replay(
        &f,
        &[
            "state",
            "--instance",
            "65ioovqadda",
            "--path",
            ".counter.nope",
        ],
    );
    o.expect(1);
    assert!(stderr(&o).contains(".counter"), "{}", stderr(&o));
    let o = replay(
        &f,
        &[
            "state",
            "--instance",
            "65ioovqadda",
            "--path",
            ".counter[oops",
        ],
    );
    o.expect(2);
    assert!(stderr(&o).contains('^'), "{}", stderr(&o));
}

#[test]
fn several_instances_without_a_selector_exit_1_listing_them() {
    let f = fixture("two-apps.jsonl");
    let o = replay(&f, &["state"]);
    o.expect(1);
    let err = stderr(&o);
    assert!(
        err.contains("65ioovqadda") && err.contains("4xxi9ufznu6"),
        "{err}"
    );
    let o = replay(&f, &["state", "--instance", "nope"]);
    o.expect(1);
    assert!(stderr(&o).contains("rdx sessions"), "{}", stderr(&o));
}

#[test]
fn jsan_circular_state_prints_resolved_values() {
    let f = fixture("all-types.jsonl");
    let o = replay(&f, &["state", "--instance", "9fk747hrs99"]);
    o.expect(0);
    assert!(!stdout(&o).contains("$jsan"), "{}", stdout(&o));
}

#[test]
fn color_like_jq_only_when_asked_and_the_same_json_underneath() {
    let f = fixture("two-apps.jsonl");
    let base = ["--replay", &f, "state", "--instance", "65ioovqadda"];
    let plain = run(&base);
    plain.expect(0);
    assert!(!stdout(&plain).contains('\x1b'), "piped: no color");
    let mut args = base.to_vec();
    args.insert(0, "--color");
    args.insert(1, "always");
    let colored = run(&args);
    colored.expect(0);
    let out = stdout(&colored);
    assert!(
        out.contains("\x1b[34;1m\"counter\""),
        "keys in blue: {out:?}"
    );
    assert!(out.contains("\x1b[36m"), "numbers in cyan: {out:?}");
    let stripped = regex_lite::Regex::new("\x1b\\[[0-9;]*m")
        .unwrap()
        .replace_all(&out, "");
    let a: serde_json::Value = serde_json::from_str(stripped.trim()).unwrap();
    let b: serde_json::Value = serde_json::from_str(stdout(&plain).trim()).unwrap();
    assert_eq!(a, b);
    // NO_COLOR wins over auto, not over always
    let o = run_cmd(rdx().env("NO_COLOR", "1"), &base);
    assert!(!stdout(&o).contains('\x1b'));
}
