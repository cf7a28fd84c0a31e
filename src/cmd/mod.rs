//! One file per command: its help, its arguments (read from the parsed
//! command line) and its `run`. Uses everything below it: the cli's config,
//! the feed, the model, queries and output.

pub mod record;
pub mod sessions;
pub mod state;
pub mod tail;
pub mod watch;

use crate::cli::flags::{self, Command, Scope};
use crate::cli::{Config, Parsed};
use crate::error::{Error, Result};

/// What rdx is, before the command list.
pub(crate) const ABOUT: &str = "\
rdx - watch Redux apps from a terminal or a CI job

rdx joins a Redux DevTools remote server (@redux-devtools/cli) as a read-only
monitor, keeps a live registry of the app instances it sees, and lists them.

Usage: rdx [GLOBAL FLAGS] <COMMAND> [FLAGS]

Commands:
  sessions   list the app instances talking to the server (alias: list)
  tail       print each action as it arrives
  state      print the current state of one instance
  watch      print values in an instance's state and every change to them
  record     write the server's traffic to a fixture file for --replay
  help       show help for a command
";

/// After the global flags: durations, exit codes, examples.
pub(crate) const MORE: &str = "\
Durations: 500ms, 5s, 2m, or a plain number of seconds.

Exit codes: 0 ok, 1 nothing/several matched or condition not met, 2 usage error,
3 could not connect / protocol failure / unreadable fixture, 4 timeout.

Examples:
  rdx sessions                                  # who is talking to localhost:8000?
  rdx --replay fixtures/two-apps.jsonl sessions --all
  rdx --url ws://devbox:8000 sessions --json --for 3s
  rdx tail --diff                               # every action, and what it changed
  rdx state --instance 65ioovqadda --path .counter.value
  rdx watch .counter.value --until 5 --timeout 30s
  rdx record traffic.jsonl --for 30s            # then: rdx --replay traffic.jsonl sessions
";

/// Read the command's arguments and run it.
pub fn run(p: &Parsed, cfg: &Config) -> Result<()> {
    match p.command {
        Command::Sessions => sessions::run(cfg, sessions::args(p)?),
        Command::Tail => tail::run(cfg, tail::args(p)?),
        Command::State => state::run(cfg, state::args(p)?),
        Command::Watch => watch::run(cfg, watch::args(p)?),
        Command::Record => record::run(cfg, record::args(p)?),
    }
}

/// Check the command's arguments without running it.
pub fn check(p: &Parsed) -> Result<()> {
    match p.command {
        Command::Sessions => sessions::args(p).map(drop),
        Command::Tail => tail::args(p).map(drop),
        Command::State => state::args(p).map(drop),
        Command::Watch => watch::args(p).map(drop),
        Command::Record => record::args(p).map(drop),
    }
}

fn texts(c: Command) -> (&'static str, &'static str) {
    match c {
        Command::Sessions => (sessions::ABOUT, sessions::MORE),
        Command::Tail => (tail::ABOUT, tail::MORE),
        Command::State => (state::ABOUT, state::MORE),
        Command::Watch => (watch::ABOUT, watch::MORE),
        Command::Record => (record::ABOUT, record::MORE),
    }
}

/// The help text for `rdx help TOPIC` / `rdx TOPIC --help` / `rdx --help`.
pub fn usage(topic: Option<&str>) -> Result<String> {
    let Some(topic) = topic else {
        let mut s = String::from(ABOUT);
        s.push_str("\nGlobal flags (any flag may come before or after the command):\n");
        let mut global = flags::of_scope(None, Scope::Global);
        global.extend(flags::META.iter());
        s.push_str(&flags::help_lines(&global));
        s.push('\n');
        s.push_str(MORE);
        return Ok(s);
    };
    let Some(c) = Command::from_word(topic) else {
        return Err(Error::usage(format!(
            "no help for {:?} (commands: sessions, list, tail, state, watch, record)",
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
    s.push_str("\nGlobal flags (connection, output, labels): see `rdx --help`.\n");
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
