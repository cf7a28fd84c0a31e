//! One file per command: its help, its arguments (read from the parsed
//! command line) and its `run`. Uses everything below it: the cli's config,
//! the feed, the model, queries, the records and printers of `view`, and
//! output.

pub mod completions;
pub mod export;
pub mod man;
pub mod mcp;
pub mod record;
pub mod reports;
pub mod sessions;
pub mod state;
pub mod tail;
pub mod ui;
pub mod watch;

use crate::cli::flags::{self, Command, Scope};
use crate::cli::parse::command_words;
use crate::cli::suggest;
use crate::cli::{Config, Parsed};
use crate::error::{Error, Result};

/// What rdx is, before the command list (made from the flag table's
/// commands).
pub(crate) const ABOUT: &str = "\
rdx - watch Redux apps from a terminal or a CI job

rdx joins a Redux DevTools remote server (@redux-devtools/cli) as a read-only
monitor, keeps a live registry of the app instances it sees, and lists them.

Usage: rdx [GLOBAL FLAGS] <COMMAND> [FLAGS]
";

/// After the global flags.
pub(crate) const DURATIONS: &str = "Durations: 500ms, 5s, 2m, or a plain number of seconds.\n";

/// What the exit code says, for every command.
pub(crate) const EXIT_CODES: &[(u8, &str)] = &[
    (
        0,
        "ok (also when stdout closes early, or when the followed instance ends)",
    ),
    (
        1,
        "no instance or several matched, a path is missing, a condition was not met",
    ),
    (2, "usage error: a bad flag, duration, URL, regex or path"),
    (
        3,
        "no connection, protocol failure, unreadable fixture, corrupt store to write",
    ),
    (
        4,
        "--timeout passed while waiting for a state, a match or the end condition",
    ),
];

/// The examples at the end of `rdx --help`.
pub(crate) const EXAMPLES: &str = "\
Examples:
  rdx sessions                          # who talks to localhost:8000?
  rdx --replay fixtures/two-apps.jsonl sessions --all
  rdx --url ws://devbox:8000 sessions --json --for 3s
  rdx tail --diff                       # every action and its changes
  rdx state --instance 65ioovqadda --path .counter.value
  rdx watch .counter.value --until 5 --timeout 30s
  rdx record traffic.jsonl --for 30s    # record 30 s of traffic,
  rdx --replay traffic.jsonl sessions   # and look at it later
";

/// `help`, which is not a [`Command`] but is listed with them.
const HELP_SUMMARY: &str = "show help for a command";

/// The command list of `rdx --help`: every command and what it does.
pub(crate) fn command_list() -> String {
    let mut s = String::new();
    let rows = Command::ALL
        .iter()
        .map(|c| (c.name(), c.summary()))
        .chain([("help", HELP_SUMMARY)]);
    for (name, summary) in rows {
        s.push_str(&format!("  {name:<13}{summary}\n"));
    }
    s
}

/// The exit codes as help lines (each fits 80 columns: a unit test says so).
fn exit_code_lines() -> String {
    let mut s = String::from("Exit codes:\n");
    for (code, text) in EXIT_CODES {
        s.push_str(&format!("  {code}  {text}\n"));
    }
    s
}

/// Commands that only print text made from the flag table and the help
/// texts (`completions`, `man`): they run before any config is decided, so
/// a bad `RDX_URL` cannot break a shell's startup file.
pub fn run_without_config(p: &Parsed) -> Option<Result<()>> {
    match p.command {
        Command::Completions => Some(completions::args(p).and_then(completions::run)),
        Command::Man => Some(man::args(p).and_then(man::run)),
        _ => None,
    }
}

/// Read the command's arguments and run it.
pub fn run(p: &Parsed, cfg: &Config) -> Result<()> {
    match p.command {
        Command::Sessions => sessions::run(cfg, sessions::args(p)?),
        Command::Tail => or_reported(p, cfg, |cfg| tail::run(cfg, tail::args(p)?)),
        Command::State => or_reported(p, cfg, |cfg| state::run(cfg, state::args(p)?)),
        Command::Watch => or_reported(p, cfg, |cfg| watch::run(cfg, watch::args(p)?)),
        Command::Record => record::run(cfg, record::args(p)?),
        Command::Mcp => mcp::run(cfg, mcp::args(p)?),
        Command::Ui => ui::run(cfg, ui::args(p)?),
        Command::Reports => reports::run(cfg, reports::args(p)?),
        Command::Export => or_reported(p, cfg, |cfg| export::run(cfg, export::args(p)?)),
        Command::Completions => completions::run(completions::args(p)?),
        Command::Man => man::run(man::args(p)?),
    }
}

/// A command given a selector (an instance id or a label) that no live
/// instance matches: when the server's stored reports name that instance,
/// it runs again on the newest of them (`--report`), so a historical
/// instance opens as a live one does. Live instances come first.
fn or_reported(p: &Parsed, cfg: &Config, run: impl Fn(&Config) -> Result<()>) -> Result<()> {
    use crate::model::selection::Matcher;
    let out = run(cfg);
    let no_match = matches!(&out, Err(Error::Selection(e))
        if matches!(**e, crate::error::SelectionError::NoMatch { .. } | crate::error::SelectionError::Gone { .. }));
    if !no_match || cfg.feed.recorded() || cfg.feed.url.relay == crate::link::url::Relay::Expo {
        return out;
    }
    let Ok(sel) = crate::cli::selection(p) else {
        return out;
    };
    let mut wanted: Vec<String> = sel.instance.iter().cloned().collect();
    if let Some(Matcher::Exact(s)) = &sel.select {
        wanted.push(s.clone());
        let labels = crate::model::labels::load_or_warn(&cfg.feed.labels).labels;
        wanted.extend(
            labels
                .iter()
                .filter(|(_, l)| *l == s)
                .map(|(id, _)| id.clone()),
        );
    }
    if wanted.is_empty() {
        return out;
    }
    let started = std::time::Instant::now();
    let mut hushed = cfg.clone();
    hushed.feed.quiet = true;
    let newest = reports::open(&hushed)
        .and_then(|mut feed| reports::collect(&hushed, &mut feed, &Default::default(), started))
        .ok()
        .and_then(|got| {
            got.reports
                .into_iter()
                .find(|r| r.instance.as_ref().is_some_and(|i| wanted.contains(i)))
        });
    let Some(newest) = newest else {
        return out;
    };
    if !cfg.feed.quiet {
        eprintln!(
            "rdx: no live instance is {}; reading the newest stored report that names it, {} (stored {})",
            crate::output::sanitize(newest.instance.as_deref().unwrap_or_default()),
            crate::output::sanitize(&newest.id),
            crate::output::sanitize(newest.added.as_deref().unwrap_or("?")),
        );
    }
    let mut cfg = cfg.clone();
    cfg.feed.report = Some(newest.id);
    run(&cfg)
}

/// Check the command's arguments without running it.
pub fn check(p: &Parsed) -> Result<()> {
    match p.command {
        Command::Sessions => sessions::args(p).map(drop),
        Command::Tail => tail::args(p).map(drop),
        Command::State => state::args(p).map(drop),
        Command::Watch => watch::args(p).map(drop),
        Command::Record => record::args(p).map(drop),
        Command::Mcp => mcp::args(p).map(drop),
        Command::Ui => ui::args(p).map(drop),
        Command::Reports => reports::args(p).map(drop),
        Command::Export => export::args(p).map(drop),
        Command::Completions => completions::args(p).map(drop),
        Command::Man => man::args(p).map(drop),
    }
}

/// A command's help texts: what it is (ABOUT, before its flags) and the
/// rest (MORE, after them).
pub(crate) fn texts(c: Command) -> (&'static str, &'static str) {
    match c {
        Command::Sessions => (sessions::ABOUT, sessions::MORE),
        Command::Tail => (tail::ABOUT, tail::MORE),
        Command::State => (state::ABOUT, state::MORE),
        Command::Watch => (watch::ABOUT, watch::MORE),
        Command::Record => (record::ABOUT, record::MORE),
        Command::Mcp => (mcp::ABOUT, mcp::MORE),
        Command::Ui => (ui::ABOUT, ui::MORE),
        Command::Reports => (reports::ABOUT, reports::MORE),
        Command::Export => (export::ABOUT, export::MORE),
        Command::Completions => (completions::ABOUT, completions::MORE),
        Command::Man => (man::ABOUT, man::MORE),
    }
}

/// The help text for `rdx help TOPIC` / `rdx TOPIC --help` / `rdx --help`.
pub fn usage(topic: Option<&str>) -> Result<String> {
    let Some(topic) = topic.filter(|t| *t != "help") else {
        let mut s = String::from(ABOUT);
        s.push_str("\nCommands:\n");
        s.push_str(&command_list());
        s.push_str("\nGlobal flags (any flag may come before or after the command):\n");
        let mut global = flags::of_scope(None, Scope::Global);
        global.extend(flags::META.iter());
        s.push_str(&flags::help_lines(&global));
        s.push('\n');
        s.push_str(DURATIONS);
        s.push('\n');
        s.push_str(&exit_code_lines());
        s.push('\n');
        s.push_str(EXAMPLES);
        return Ok(s);
    };
    let Some(c) = Command::from_word(topic) else {
        let words = command_words();
        let hint = match suggest::nearest(topic, words.iter().copied()) {
            Some(near) => format!("did you mean {near:?}?"),
            None => format!("commands: {}", words.join(", ")),
        };
        return Err(Error::usage(format!(
            "no help for {:?} ({hint})",
            crate::output::sanitize(topic)
        )));
    };
    let (about, more) = texts(c);
    let mut s = format!("{about}\n");
    let own = flags::of_scope(Some(c), Scope::Only(c));
    if !own.is_empty() {
        s.push_str("Flags:\n");
        s.push_str(&flags::help_lines(&own));
        s.push('\n');
    }
    if c.takes(Scope::Selector) {
        s.push_str("Selecting instances (filters combine with AND; a selector picks one):\n");
        let mut sel = flags::of_scope(Some(c), Scope::Filter);
        sel.extend(flags::of_scope(Some(c), Scope::Selector));
        s.push_str(&flags::help_lines(&sel));
        s.push('\n');
    } else if c.takes(Scope::Filter) {
        s.push_str("Filters (combine with AND):\n");
        s.push_str(&flags::help_lines(&flags::of_scope(Some(c), Scope::Filter)));
        s.push('\n');
    }
    s.push_str(more);
    if c.connects() {
        s.push_str("\nGlobal flags (connection, output, labels): see `rdx --help`.\n");
    } else {
        s.push_str("\nGlobal flags (see `rdx --help`) are accepted and ignored.\n");
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::flags::FLAGS;
    use crate::cli::parse::{parse_words, parsed};
    use crate::cli::{Invocation, config, parse};
    use std::ffi::OsString;

    #[test]
    fn usage_errors() {
        for bad in [
            "sessions --bogus",
            "--timeout 5x sessions",
            "nosuch",
            "--for 1x sessions",
            "sessions --color pink",
            "sessions --for",
            "sessions extra",
            "state --path",
            "tail --until 5",
        ] {
            let e = parse_words(bad)
                .and_then(|i| match i {
                    Invocation::Run(p) => {
                        check(&p)?;
                        config(&p, &|_| None).map(|_| Invocation::Version)
                    }
                    other => Ok(other),
                })
                .unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}: {e}");
        }
        let p = parsed("sessions --port 0");
        assert_eq!(config(&p, &|_| None).unwrap_err().exit_code(), 2);
    }

    /// `rdx --help` lists every command with what it does, and its exit
    /// codes fit a terminal.
    #[test]
    fn the_main_help_lists_every_command() {
        let help = usage(None).unwrap();
        for c in Command::ALL {
            assert!(
                help.contains(&format!("  {:<13}{}\n", c.name(), c.summary())),
                "{}",
                c.name()
            );
        }
        for line in exit_code_lines().lines().chain(command_list().lines()) {
            assert!(line.len() <= 80, "{line:?}");
        }
        assert_eq!(usage(Some("help")).unwrap(), help);
    }

    #[test]
    fn help_for_a_mistyped_topic_suggests_the_command() {
        let e = usage(Some("wacth")).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains(r#"did you mean "watch"?"#), "{e}");
        let e = usage(Some("nothing-like-it")).unwrap_err().to_string();
        assert!(e.contains("commands: sessions, list, tail"), "{e}");
    }

    /// Every flag of every command is read the same before and after the
    /// command word, and is listed in the command's help: a flag added to the
    /// table cannot be forgotten by hoisting, parsing or help.
    #[test]
    fn every_flag_works_before_and_after_its_command_and_is_in_its_help() {
        for c in Command::ALL {
            let help = usage(Some(c.name())).unwrap();
            let main_help = usage(None).unwrap();
            for f in FLAGS.iter().filter(|f| c.takes(f.scope)) {
                let mut arg = vec![format!("--{}", f.long)];
                if f.value.is_some() {
                    arg.push("v1".into());
                }
                let after: Vec<OsString> = std::iter::once(c.name().to_string())
                    .chain(arg.iter().cloned())
                    .map(OsString::from)
                    .collect();
                let before: Vec<OsString> = arg
                    .iter()
                    .cloned()
                    .chain(std::iter::once(c.name().to_string()))
                    .map(OsString::from)
                    .collect();
                for line in [after, before] {
                    let Ok(Invocation::Run(p)) = parse(line.clone()) else {
                        panic!("{line:?}")
                    };
                    assert_eq!(p.command, c, "{line:?}");
                    let given: Vec<_> = p.given().map(|(g, v)| (g.long, v)).collect();
                    let want = f.value.map(|_| "v1");
                    assert_eq!(given, [(f.long, want)], "{line:?}");
                    assert!(p.words.is_empty(), "{line:?}: {:?}", p.words);
                }
                let listed = if f.scope == Scope::Global {
                    &main_help
                } else {
                    &help
                };
                assert!(
                    listed.contains(&format!("--{}", f.long)),
                    "--{} is not in the help of {}",
                    f.long,
                    c.name()
                );
            }
        }
    }
}
