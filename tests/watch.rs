//! `rdx watch` on recorded fixtures.

use crate::util::*;

/// `.counter.value` after each state-carrying message of one instance.
fn values(file: &str, instance: &str) -> Vec<serde_json::Value> {
    states_of(file, instance)
        .into_iter()
        .map(|s| s["counter"]["value"].clone())
        .collect()
}

#[test]
fn watch_reports_exactly_the_changes_in_the_frames() {
    let f = fixture("two-apps.jsonl");
    let vals = values(&f, "65ioovqadda");
    let mut want = Vec::new();
    for w in vals.windows(2) {
        if w[0] != w[1] {
            want.push((w[0].clone(), w[1].clone()));
        }
    }
    assert!(!want.is_empty());
    let o = replay(
        &f,
        &[
            "--json",
            "watch",
            ".counter.value",
            "--instance",
            "65ioovqadda",
        ],
    );
    o.expect(0);
    let lines = json_lines(&o);
    assert_eq!(lines[0]["type"], "value");
    assert_eq!(lines[0]["value"], vals[0]);
    assert_eq!(lines[0]["path"], ".counter.value");
    let got: Vec<_> = lines[1..]
        .iter()
        .map(|l| (l["old"].clone(), l["new"].clone()))
        .collect();
    assert_eq!(got, want);
    assert!(
        lines[1..]
            .iter()
            .all(|l| l["type"] == "change" && l["action_type"].is_string())
    );
}

#[test]
fn until_and_count() {
    let f = fixture("two-apps.jsonl");
    let vals = values(&f, "65ioovqadda");
    let target = vals[vals.len() / 2].to_string();
    let o = replay(
        &f,
        &[
            "--json",
            "watch",
            ".counter.value",
            "--instance",
            "65ioovqadda",
            "--until",
            &target,
        ],
    );
    o.expect(0);
    let last = json_lines(&o).pop().unwrap();
    let reached = if last["type"] == "value" {
        &last["value"]
    } else {
        &last["new"]
    };
    assert_eq!(reached.to_string(), target);
    let o = replay(
        &f,
        &[
            "watch",
            ".counter.value",
            "--instance",
            "65ioovqadda",
            "--until",
            "123456789",
        ],
    );
    o.expect(1); // end of replay without the condition
    let o = replay(
        &f,
        &[
            "--json",
            "watch",
            ".counter.value",
            "--instance",
            "65ioovqadda",
            "--count",
            "2",
        ],
    );
    assert_eq!(json_lines(&o).len(), 3);
    let o = replay(&f, &["watch", ".counter.value", "--until", "not json"]);
    o.expect(2);
}

/// beta disconnects in two-apps.jsonl: watching it prints every value it
/// had and exits 0; an unmet --until or --count is still exit 1.
#[test]
fn watching_an_instance_that_goes_ends_with_exit_0_unless_a_condition_is_unmet() {
    let f = fixture("two-apps.jsonl");
    let beta = "0wsdu0lhs99";
    let mut want = values(&f, beta);
    want.dedup();
    let dir = TempDir::new("watch-ends");
    let store = dir.join("labels.json");
    run(&["--labels", &store, "sessions", "label", beta, "beta-tab"]).expect(0);
    for sel in [["--instance", beta], ["--instance-select", "beta-tab"]] {
        let mut args = vec!["--labels", &store, "--replay", &f, "--json", "watch"];
        args.extend_from_slice(&sel);
        args.push(".counter.value");
        let o = run(&args);
        o.expect(0);
        let got: Vec<serde_json::Value> = json_lines(&o)
            .iter()
            .map(|l| {
                if l["type"] == "value" {
                    l["value"].clone()
                } else {
                    l["new"].clone()
                }
            })
            .collect();
        assert_eq!(got, want, "{sel:?}");
        let err = stderr(&o);
        assert!(
            err.contains("is gone") && err.contains("the stream ends"),
            "{sel:?}: {err}"
        );
        for cond in [["--until", "123456789"], ["--count", "99"]] {
            let mut a = args.clone();
            a.extend_from_slice(&cond);
            let o = run(&a);
            o.expect(1);
            assert!(stderr(&o).contains("ended before"), "{a:?}: {}", stderr(&o));
        }
    }
}
