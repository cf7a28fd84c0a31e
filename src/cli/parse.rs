//! The command line read into plain values, by hand with lexopt and the flag
//! table: which command, which flags with which values, which words. Nothing
//! is interpreted here (durations, regexes and paths are read by whoever
//! takes the flag).

use std::ffi::OsString;

use crate::cli::flags::{self, Command, Flag};
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
    /// Was the switch `--long` given?
    pub(crate) fn flag(&self, long: &str) -> bool {
        self.values.iter().any(|(f, _)| f.long == long)
    }

    /// The value of `--long` (the last one given wins).
    pub(crate) fn value(&self, long: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(f, _)| f.long == long)
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
            return Err(match command {
                Some(c) => Error::usage(format!(
                    "unexpected flag {} for `rdx {}` (see `rdx {} --help`)",
                    sanitize(&shown),
                    c.name(),
                    c.name()
                )),
                None => Error::usage(format!(
                    "unknown flag {}; rdx needs a command (see `rdx --help`)",
                    sanitize(&shown)
                )),
            });
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
        let names: Vec<&str> = Command::ALL.iter().map(|c| c.name()).collect();
        Error::usage(format!(
            "unknown command {:?} (commands: {}, list, help)",
            sanitize(word),
            names.join(", ")
        ))
    })
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
/// Which flags take a value comes from the flag table.
fn hoist_command(args: Vec<OsString>) -> Vec<OsString> {
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
        let mut out = Vec::with_capacity(args.len());
        out.push(args[i].clone());
        out.extend(args[..i].iter().cloned());
        out.extend(args[i + 1..].iter().cloned());
        return out;
    }
    args
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
