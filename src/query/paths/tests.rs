//! Unit tests of `paths`.
use super::*;
use serde_json::json;

fn segs(t: &str) -> Vec<Seg> {
    parse(t).unwrap_or_else(|e| panic!("{e}")).segs
}

fn k(s: &str) -> Seg {
    Seg::Key(s.into())
}

#[test]
fn every_syntax() {
    let want = vec![k("todos"), Seg::Index(0), k("title")];
    assert_eq!(segs(".todos[0].title"), want);
    assert_eq!(segs("todos[0].title"), want);
    assert_eq!(segs("/todos/0/title"), want);
    assert_eq!(segs(".todos.0.title"), want);
    assert_eq!(segs(r#".["odd key"]"#), vec![k("odd key")]);
    assert_eq!(segs(r#"["odd key"].x"#), vec![k("odd key"), k("x")]);
    assert_eq!(segs(r#".["q\"u\\o\u0041"]"#), vec![k("q\"u\\oA")]);
    assert_eq!(segs(".[0][1]"), vec![Seg::Index(0), Seg::Index(1)]);
    assert_eq!(segs("."), vec![]);
    assert_eq!(segs(""), vec![]);
    assert_eq!(segs("/"), vec![k("")]);
    assert_eq!(segs("/a~1b/c~0d"), vec![k("a/b"), k("c~d")]);
    assert_eq!(
        segs(".counter-value.$x.über"),
        vec![k("counter-value"), k("$x"), k("über")]
    );
    assert_eq!(segs(".007"), vec![k("007")]);
}

#[test]
fn canonical_display() {
    assert_eq!(
        parse("todos[0].title").unwrap().display(),
        ".todos[0].title"
    );
    assert_eq!(parse("/a b/0").unwrap().display(), r#".["a b"][0]"#);
    assert_eq!(parse(".").unwrap().display(), ".");
    assert_eq!(parse(".a-b").unwrap().display(), r#".["a-b"]"#);
    assert!(parse(".").unwrap().is_root());
}

#[test]
fn errors_point_at_the_offending_character() {
    let cases = [
        (".a..b", 3),
        (".a[", 2),
        (".a[0", 2),
        (".a[x]", 3),
        (".a[-1]", 3),
        (".a[0x]", 4),
        (".a]", 2),
        (".a b", 2),
        (r#".["open"#, 2),
        (r#".["bad\q"]"#, 7),
        ("/a~2", 2),
        (".a.", 2),
    ];
    for (text, pos) in cases {
        let e = parse(text).unwrap_err();
        assert_eq!(e.pos, pos, "{text}: {e}");
    }
    let e = parse(".a[x]").unwrap_err().to_string();
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(lines[1], "  .a[x]");
    assert_eq!(lines[2], "     ^");
}

#[test]
fn canonical_form_round_trips_every_key() {
    // Found by fuzzing (path_parser): a key with \f and NUL displayed as
    // a JSON string that did not parse back.
    for text in [
        "/ts\u{0}\u{6}\u{c}od\u{0}title",
        "/a\u{8}b",
        "/\"q\"/\\",
        "/ünï/🙂",
    ] {
        let p = parse(text).unwrap();
        let again = parse(&p.display()).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(again.segs, p.segs, "{text:?}");
    }
}

#[test]
fn lookups() {
    let v = json!({"todos":[{"title":"a"}], "5": "five", "m": {"n": null}});
    let get = |t: &str| lookup(&v, &parse(t).unwrap()).cloned();
    assert_eq!(get(".todos[0].title").unwrap(), json!("a"));
    assert_eq!(get("/todos/0/title").unwrap(), json!("a"));
    assert_eq!(get(".5").unwrap(), json!("five"));
    assert_eq!(get("/5").unwrap(), json!("five"));
    assert_eq!(get(".m.n").unwrap(), json!(null));
    assert_eq!(get(".").unwrap(), v);
    let m = get(".todos[5].title").unwrap_err();
    assert_eq!(
        (m.found.as_str(), m.missing_at.as_str()),
        (".todos", ".todos[5]")
    );
    assert!(m.reason.contains("length 1"), "{}", m.reason);
    let m = get(".todos[0].titel").unwrap_err();
    assert_eq!(m.found, ".todos[0]");
    assert!(
        m.reason.contains("\"titel\"") && m.reason.contains("title"),
        "{}",
        m.reason
    );
    let m = get(".todos[0].title.x").unwrap_err();
    assert!(m.reason.contains("a string"), "{}", m.reason);
    let m = get(".nope").unwrap_err();
    assert_eq!(m.found, ".");
}
