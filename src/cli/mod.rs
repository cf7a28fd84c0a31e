//! The command line: every flag described once (`flags`), the words read into
//! plain values (`parse`), then the one `Config` decided from them, the
//! environment and the defaults (`config`). Uses the feed's `Setup`, the
//! model's `Selection` and query paths; nothing below the commands uses it.

pub mod config;
pub mod flags;
pub mod parse;
pub(crate) mod suggest;
pub(crate) mod words;

pub(crate) use config::duration;
pub use config::{Config, config};
pub use parse::{Invocation, Parsed, parse};

use regex_lite::Regex;

use crate::cli::flags::FlagId;
use crate::error::{Error, Result};
use crate::model::selection::{Matcher, Selection};
use crate::query::paths::{self, Path};

/// A count flag's value: a positive whole number.
pub(crate) fn count(v: &str, flag: &str) -> Result<u64> {
    match v.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(Error::usage(format!(
            "{flag}: {v:?} is not a positive whole number"
        ))),
    }
}

/// A regex flag's value.
pub(crate) fn regex(v: &str, flag: &str) -> Result<Regex> {
    Regex::new(v).map_err(|e| Error::usage(format!("{flag} {v:?}: invalid regex: {e}")))
}

/// A state path (`.todos[0].title`, `/todos/0/title`): a bad one is a usage
/// error with a caret under the bad character.
pub(crate) fn path(v: &str) -> Result<Path> {
    paths::parse(v).map_err(|e| Error::Usage(e.to_string()))
}

/// The value of an optional flag, read with `read`.
pub(crate) fn opt<T>(
    p: &Parsed,
    id: FlagId,
    read: impl Fn(&str, &str) -> Result<T>,
) -> Result<Option<T>> {
    p.value(id).map(|v| read(v, &id.shown())).transpose()
}

/// The filters and the selector a command was given.
pub(crate) fn selection(p: &Parsed) -> Result<Selection> {
    let matcher = |id: FlagId| -> Result<Option<Matcher>> { opt(p, id, Matcher::parse) };
    if p.value(FlagId::InstanceSelect)
        .is_some_and(|v| v.trim().is_empty())
    {
        return Err(Error::usage(
            "--instance-select needs an id, a label or a /regex/",
        ));
    }
    Ok(Selection {
        app: matcher(FlagId::App)?,
        env: p.value(FlagId::Env).map(str::to_string),
        id_prefix: p.value(FlagId::IdPrefix).map(str::to_string),
        instance: p.value(FlagId::Instance).map(str::to_string),
        select: matcher(FlagId::InstanceSelect)?,
    })
}

/// Words a command does not take.
pub(crate) fn no_more_words(p: &Parsed, from: usize) -> Result<()> {
    match p.words.get(from) {
        None => Ok(()),
        Some(w) => Err(Error::usage(format!(
            "unexpected argument {:?} for `rdx {}` (see `rdx {} --help`)",
            crate::output::sanitize(w),
            p.command.name(),
            p.command.name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::flags::{Command, FlagId};
    use crate::cli::parse::{parse_words, parsed};
    use std::path::PathBuf;
    use std::time::Duration;

    fn cfg(words: &str, env: &[(&str, &str)]) -> Config {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        config(&parsed(words), &|k| {
            env.iter().find(|(ek, _)| ek == k).map(|(_, v)| v.clone())
        })
        .unwrap()
    }

    #[test]
    fn global_flags_before_or_after_the_command() {
        let a = cfg("--url ws://h:1/x/ --json sessions", &[]);
        let b = cfg("sessions --json --url ws://h:1/x/", &[]);
        assert_eq!(a.feed.url, b.feed.url);
        assert!(a.json && b.json);
    }

    #[test]
    fn flags_beat_env_beat_defaults() {
        let url = |w: &str, e: &[(&str, &str)]| cfg(w, e).feed.url.to_string();
        assert_eq!(url("sessions", &[]), "ws://127.0.0.1:8000/socketcluster/");
        assert_eq!(
            url("sessions", &[("RDX_URL", "h:9")]),
            "ws://h:9/socketcluster/"
        );
        assert_eq!(
            url("sessions --port 7", &[("RDX_URL", "h:9")]),
            "ws://127.0.0.1:7/socketcluster/"
        );
        assert_eq!(
            url("sessions", &[("RDX_URL", "h:9"), ("RDX_PORT", "10")]),
            "ws://h:10/socketcluster/"
        );
        assert_eq!(
            url("sessions", &[("RDX_HOST", "x"), ("RDX_PORT", "10")]),
            "ws://x:10/socketcluster/"
        );
        assert_eq!(
            url("--url a:1 sessions", &[("RDX_URL", "h:9")]),
            "ws://a:1/socketcluster/"
        );
        let c = cfg("sessions", &[("RDX_TIMEOUT", "2s")]);
        assert_eq!(
            (c.feed.timeout, c.timeout_explicit),
            (Duration::from_secs(2), true)
        );
        let c = cfg("sessions --timeout 500ms", &[("RDX_TIMEOUT", "2s")]);
        assert_eq!(c.feed.timeout, Duration::from_millis(500));
        let c = cfg("sessions", &[]);
        assert_eq!(
            (c.feed.timeout, c.timeout_explicit),
            (Duration::from_secs(5), false)
        );
        assert_eq!(
            cfg("sessions", &[("XDG_STATE_HOME", "/st")]).feed.labels,
            PathBuf::from("/st/rdx/labels.json")
        );
        assert_eq!(
            cfg("sessions", &[("HOME", "/home/u")]).feed.labels,
            PathBuf::from("/home/u/.local/state/rdx/labels.json")
        );
        assert_eq!(
            cfg("sessions --labels l.json", &[("RDX_LABELS", "e.json")])
                .feed
                .labels,
            PathBuf::from("l.json")
        );
        assert!(!cfg("sessions --color always --color never", &[]).color);
        assert!(cfg("sessions --color always", &[("NO_COLOR", "1")]).color);
    }

    #[test]
    fn every_environment_variable_of_the_flag_table_is_read() {
        // A value for each, unlike the default; a flag given an environment
        // variable in the table needs one here (and config must read it).
        let sample = |env: &str| match env {
            "RDX_URL" => "h:9",
            "RDX_HOST" => "h",
            "RDX_PORT" => "9",
            "RDX_TIMEOUT" => "2s",
            "RDX_LABELS" => "e.json",
            "RDX_CACERT" => "ca.pem",
            other => panic!("{other}: add a sample value to this test"),
        };
        let plain = format!("{:?}", cfg("sessions", &[]));
        for f in crate::cli::flags::FLAGS.iter().filter(|f| f.env.is_some()) {
            let env = f.id.env();
            let with = format!("{:?}", cfg("sessions", &[(env, sample(env))]));
            assert_ne!(with, plain, "{env} (--{}) changes nothing", f.long);
        }
    }

    #[test]
    fn command_flags_may_come_first() {
        let p = parsed("--app admin --url ws://h:1/ state --path .a");
        assert_eq!(p.command, Command::State);
        assert_eq!(p.value(FlagId::Url), Some("ws://h:1/"));
        assert_eq!(selection(&p).unwrap().describe(), "--app admin");
        assert_eq!(p.value(FlagId::Path), Some(".a"));
        assert_eq!(parsed("--for 2s sessions").value(FlagId::For), Some("2s"));
        assert!(parsed("-q --json sessions").flag(FlagId::Quiet));
        assert_eq!(parsed("-n 3 tail").value(FlagId::Count), Some("3"));
        assert_eq!(parsed("-qn 3 tail").value(FlagId::Count), Some("3"));
        assert_eq!(parsed("-n3 tail").value(FlagId::Count), Some("3"));
        assert_eq!(parsed("watch -n 2 .a").words, [".a"]);
    }

    #[test]
    fn help_and_version() {
        assert!(matches!(parse_words("").unwrap(), Invocation::Help(None)));
        assert!(matches!(
            parse_words("--help").unwrap(),
            Invocation::Help(None)
        ));
        assert!(
            matches!(parse_words("help sessions").unwrap(), Invocation::Help(Some(t)) if t == "sessions")
        );
        assert!(
            matches!(parse_words("sessions -h").unwrap(), Invocation::Help(Some(t)) if t == "sessions")
        );
        assert!(matches!(
            parse_words("--version").unwrap(),
            Invocation::Version
        ));
    }
}
