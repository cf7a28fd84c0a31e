//! Unit tests of `man`.
use super::*;

#[test]
fn roff_escapes() {
    assert_eq!(esc(r"a-b \ 'c' `d`"), r"a\-b \e \(aqc\(aq \(gad\(ga");
    assert_eq!(esc("\"→\u{7}"), r"\(dq\[u2192]");
    assert_eq!(prose("use `rdx tail` now"), r"use \fBrdx tail\fR now");
    assert_eq!(prose("odd ` one"), r"odd \(ga one");
    let mut r = Roff::default();
    r.text(".counter is read");
    r.text("'quoted'");
    assert_eq!(r.out, "\\&.counter is read\n\\(aqquoted\\(aq\n");
}

#[test]
fn help_texts_split_into_prose_and_displays() {
    let b = blocks("One\ntwo.\n\nExamples:\n  rdx a\n  rdx b\n");
    assert_eq!(
        b,
        [
            Block::Prose("One two.".into()),
            Block::Display("Examples:".into(), vec!["rdx a".into(), "rdx b".into()])
        ]
    );
    let (title, rest) = split_help(crate::cmd::tail::ABOUT);
    assert!(title.starts_with("rdx tail - "), "{title}");
    assert!(
        rest.iter()
            .all(|b| !matches!(b, Block::Prose(t) if t.contains("Usage:")))
    );
    assert_eq!(
        usage_lines(crate::cmd::sessions::ABOUT)[1],
        "sessions label <instance-id> <label>"
    );
}

/// Every command, every flag (with its short form, value and
/// environment variable), every exit code is on the page.
#[test]
fn the_page_has_every_command_flag_and_exit_code() {
    let page = page();
    for section in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "COMMANDS",
        "GLOBAL FLAGS",
        "EXIT STATUS",
        "ENVIRONMENT",
        "FILES",
        "EXAMPLES",
    ] {
        assert!(page.contains(&format!(".SH {section}\n")), "{section}");
    }
    for c in Command::ALL {
        assert!(
            page.contains(&format!(".SS \"rdx {}", c.name())),
            "{}",
            c.name()
        );
    }
    for f in flags::FLAGS.iter().chain(flags::META) {
        let tag = format!("\\fB\\-\\-{}\\fR", esc(f.long));
        assert!(page.contains(&tag), "--{}", f.long);
        if let Some(e) = f.env {
            assert!(page.contains(&format!(".B {e}\n")), "{e}");
        }
    }
    for (code, _) in crate::cmd::EXIT_CODES {
        assert!(page.contains(&format!(".TP\n.B {code}\n")), "{code}");
    }
    // Every line is a request or text; no text line starts with a dot.
    for l in page.lines() {
        assert!(!l.starts_with(' '), "{l:?}");
    }
}
