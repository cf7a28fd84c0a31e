//! The command line read into plain values, by hand with lexopt and the flag
//! table: which command, which flags with which values, which words. Nothing
//! is interpreted here (durations, regexes and paths are read by whoever
//! takes the flag).

use std::ffi::OsString;

use crate::cli::flags::{self, Command, Flag, FlagId};
use crate::cli::suggest;
use crate::error::{Error, Result};
use crate::output::sanitize;

/// What the user asked for.
#[derive(Debug)]
pub enum Invocation {
    Run(Parsed),
    Help(Option<String>),
    Version,
}

/// A command line, read but not interpreted.
#[derive(Debug)]
pub struct Parsed {
    pub(crate) command: Command,
    values: Vec<(&'static Flag, Option<String>)>,
    /// The words after the command that are not flag values.
    pub(crate) words: Vec<String>,
}

impl Parsed {
    /// Was the switch `id` given?
    pub(crate) fn flag(&self, id: FlagId) -> bool {
        self.values.iter().any(|(f, _)| f.id == id)
    }

    /// The value of flag `id` (the last one given wins).
    pub(crate) fn value(&self, id: FlagId) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(f, _)| f.id == id)
            .and_then(|(_, v)| v.as_deref())
    }

    /// Every flag given, in order.
    #[cfg(test)]
    pub(crate) fn given(&self) -> impl Iterator<Item = (&'static Flag, Option<&str>)> {
        self.values.iter().map(|(f, v)| (*f, v.as_deref()))
    }
}

/// Parse the whole command line (without the program name).
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Invocation> {
    let args = hoist_command(args.into_iter().collect());
    let mut p = lexopt::Parser::from_args(args);
    let mut command: Option<Command> = None;
    let mut values = Vec::new();
    let mut words = Vec::new();
    while let Some(arg) = p.next()? {
        let (long, short) = match &arg {
            lexopt::Arg::Long(l) => (Some(l.to_string()), None),
            lexopt::Arg::Short(c) => (None, Some(*c)),
            lexopt::Arg::Value(v) => {
                let word = v.to_string_lossy().into_owned();
                match command {
                    Some(_) => words.push(word),
                    None if word == "help" => {
                        let topic = p.next()?.and_then(|a| match a {
                            lexopt::Arg::Value(t) => Some(t.to_string_lossy().into_owned()),
                            _ => None,
                        });
                        return Ok(Invocation::Help(topic));
                    }
                    None => command = Some(command_word(&word)?),
                }
                continue;
            }
        };
        if long.as_deref() == Some("help") || short == Some('h') {
            return Ok(Invocation::Help(command.map(|c| c.name().to_string())));
        }
        if command.is_none() && (long.as_deref() == Some("version") || short == Some('V')) {
            return Ok(Invocation::Version);
        }
        let shown = long.as_ref().map_or_else(
            || format!("-{}", short.unwrap_or('?')),
            |l| format!("--{l}"),
        );
        let Some(flag) = flags::find(command, long.as_deref(), short) else {
            return Err(unknown_flag(command, long.as_deref(), &shown));
        };
        let value = match flag.value {
            Some(_) => Some(value_str(&mut p, &shown)?),
            None => None,
        };
        values.push((flag, value));
    }
    Ok(match command {
        Some(command) => Invocation::Run(Parsed {
            command,
            values,
            words,
        }),
        None => Invocation::Help(None),
    })
}

fn command_word(word: &str) -> Result<Command> {
    Command::from_word(word).ok_or_else(|| {
        let words = command_words();
        match suggest::nearest(word, words.iter().copied()) {
            Some(near) => Error::usage(format!(
                "unknown command {:?} (did you mean {near:?}?)",
                sanitize(word)
            )),
            None => Error::usage(format!(
                "unknown command {:?} (commands: {})",
                sanitize(word),
                words.join(", ")
            )),
        }
    })
}

/// Every word that names a command: the commands, the alias, `help`.
pub(crate) fn command_words() -> Vec<&'static str> {
    let mut words: Vec<&str> = Command::ALL.iter().map(|c| c.name()).collect();
    words.insert(1, "list");
    words.push("help");
    words
}

/// The error for a flag `command` does not take: the nearest flag it does
/// take (did you mean), or the commands that take this one.
fn unknown_flag(command: Option<Command>, long: Option<&str>, shown: &str) -> Error {
    let takes = |f: &Flag| match command {
        Some(c) => c.takes(f.scope),
        None => f.scope == flags::Scope::Global,
    };
    let near = long.and_then(|l| {
        let known = flags::FLAGS
            .iter()
            .filter(|f| takes(f))
            .chain(flags::META)
            .map(|f| f.long);
        suggest::nearest(l, known)
    });
    let elsewhere: Vec<String> = match (command, long) {
        (Some(c), Some(l)) => Command::ALL
            .into_iter()
            .filter(|o| *o != c && flags::find(Some(*o), Some(l), None).is_some())
            .map(|o| format!("`rdx {}`", o.name()))
            .collect(),
        _ => Vec::new(),
    };
    let shown = sanitize(shown);
    let hint = match (near, elsewhere.is_empty()) {
        (Some(n), _) => format!("; did you mean --{n}?"),
        (None, false) => format!("; {shown} is a flag of {}", elsewhere.join(", ")),
        (None, true) => String::new(),
    };
    match command {
        Some(c) => Error::usage(format!(
            "unexpected flag {shown} for `rdx {}`{hint} (see `rdx {} --help`)",
            c.name(),
            c.name()
        )),
        None if near.is_some() => {
            Error::usage(format!("unknown flag {shown}{hint} (see `rdx --help`)"))
        }
        None => Error::usage(format!(
            "unknown flag {shown}; rdx needs a command (see `rdx --help`)"
        )),
    }
}

/// A flag's value as UTF-8 text.
fn value_str(p: &mut lexopt::Parser, flag: &str) -> Result<String> {
    let v = p
        .value()
        .map_err(|_| Error::usage(format!("{flag} needs a value")))?;
    v.into_string().map_err(|v| {
        Error::usage(format!(
            "{flag}: {:?} is not valid UTF-8",
            v.to_string_lossy()
        ))
    })
}

/// Any flag may come before the command (`rdx --app admin state`): move the
/// command word to the front, so every flag is read knowing the command.
/// Which flags take a value comes from the flag table. The command word is
/// the first word that names a command, else the first word that is neither
/// a flag nor a known flag's value (`rdx --cuont 3 tail` is about `tail`, and
/// gets its did-you-mean; `rdx sesions` about `sesions`).
fn hoist_command(args: Vec<OsString>) -> Vec<OsString> {
    let mut first: Option<usize> = None;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].to_string_lossy();
        if a == "--" {
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            let takes = !long.contains('=') && flags::takes_value(Some(long), None);
            i += if takes { 2 } else { 1 };
            continue;
        }
        if let Some(shorts) = a.strip_prefix('-').filter(|s| !s.is_empty()) {
            // `-n5` carries its value; `-n 5` does not; `-qn 5` ends in one.
            let last = shorts.chars().last();
            let takes = shorts.chars().count() == 1 && flags::takes_value(None, last)
                || shorts.chars().count() > 1
                    && flags::takes_value(None, last)
                    && !shorts
                        .chars()
                        .next()
                        .is_some_and(|c| flags::takes_value(None, Some(c)));
            i += if takes { 2 } else { 1 };
            continue;
        }
        if command_words().contains(&a.as_ref()) {
            return hoist(args, i);
        }
        first.get_or_insert(i);
        i += 1;
    }
    match first {
        Some(i) => hoist(args, i),
        None => args,
    }
}

/// `args` with the word at `i` moved to the front.
fn hoist(args: Vec<OsString>, i: usize) -> Vec<OsString> {
    let mut out = Vec::with_capacity(args.len());
    out.push(args[i].clone());
    out.extend(args[..i].iter().cloned());
    out.extend(args[i + 1..].iter().cloned());
    out
}

/// Parse a command line given as one string of words (tests).
#[cfg(test)]
pub(crate) fn parse_words(words: &str) -> Result<Invocation> {
    parse(words.split_whitespace().map(OsString::from))
}

/// The parsed line of a command that runs (tests).
#[cfg(test)]
pub(crate) fn parsed(words: &str) -> Parsed {
    match parse_words(words) {
        Ok(Invocation::Run(p)) => p,
        other => panic!("{words}: {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage_error(words: &str) -> String {
        match parse_words(words) {
            Err(e) => {
                assert_eq!(e.exit_code(), 2, "{words}: {e}");
                e.to_string()
            }
            Ok(other) => panic!("{words}: parsed as {other:?}"),
        }
    }

    #[test]
    fn a_mistyped_command_gets_the_nearest_one() {
        let e = usage_error("sesions");
        assert!(
            e.contains(r#"unknown command "sesions" (did you mean "sessions"?)"#),
            "{e}"
        );
        assert!(usage_error("tial --count 2").contains(r#"did you mean "tail"?"#));
        assert!(usage_error("--json lsit").contains(r#"did you mean "list"?"#));
        assert!(usage_error("hlep").contains(r#"did you mean "help"?"#));
        assert!(usage_error("completion bash").contains(r#"did you mean "completions"?"#));
        // Nothing near: the commands are listed instead.
        let e = usage_error("frobnicate");
        assert!(!e.contains("did you mean"), "{e}");
        for c in Command::ALL {
            assert!(e.contains(c.name()), "{e}");
        }
    }

    #[test]
    fn a_mistyped_flag_gets_the_nearest_flag_of_its_command() {
        let e = usage_error("tail --cuont 3");
        assert!(
            e.contains("unexpected flag --cuont for `rdx tail`; did you mean --count?"),
            "{e}"
        );
        assert!(usage_error("--cuont 3 tail").contains("did you mean --count?"));
        assert!(usage_error("sessions --jsno").contains("did you mean --json?"));
        assert!(
            usage_error("state --instance-selct x").contains("did you mean --instance-select?")
        );
        assert!(usage_error("watch --hepl").contains("did you mean --help?"));
        assert!(usage_error("--verbos").contains("did you mean --verbose?"));
        // Only the command's own flags are suggested: `state` has no --count.
        let e = usage_error("state --cuont 3");
        assert!(!e.contains("did you mean"), "{e}");
        // Too far: no guess.
        assert!(!usage_error("tail --bogus").contains("did you mean"));
        assert!(!usage_error("tail -x").contains("did you mean"));
    }

    #[test]
    fn a_flag_of_another_command_says_whose_it_is() {
        let e = usage_error("state --count 3");
        assert!(
            e.contains("--count is a flag of `rdx tail`, `rdx watch`, `rdx record`"),
            "{e}"
        );
        let e = usage_error("record x.jsonl --app shop");
        assert!(
            e.contains("--app is a flag of `rdx sessions`, `rdx tail`"),
            "{e}"
        );
    }
}
