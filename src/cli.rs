//! Command-line parsing (lexopt, by hand) kept apart from building the
//! [`Config`]: global flags may come before or after the subcommand, and each
//! subcommand parses its own flags from the same parser.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use crate::cmd;
use crate::error::{Error, Result};
use crate::link::url::WsUrl;
use crate::output::{ColorWhen, Palette};
use crate::time::parse_duration;

/// One argument, owned, so it can be handed to a subcommand's parser
/// together with the parser itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Short(char),
    Long(String),
    Value(OsString),
}

impl Arg {
    fn from_lexopt(a: lexopt::Arg<'_>) -> Arg {
        match a {
            lexopt::Arg::Short(c) => Arg::Short(c),
            lexopt::Arg::Long(s) => Arg::Long(s.to_string()),
            lexopt::Arg::Value(v) => Arg::Value(v),
        }
    }

    /// The usual "unexpected argument" error.
    pub fn unexpected(&self, cmd: &str) -> Error {
        let shown = match self {
            Arg::Short(c) => format!("-{c}"),
            Arg::Long(s) => format!("--{s}"),
            Arg::Value(v) => format!("{:?}", v.to_string_lossy()),
        };
        let kind = if matches!(self, Arg::Value(_)) {
            "argument"
        } else {
            "flag"
        };
        Error::usage(format!(
            "unexpected {kind} {shown} for `rdx {cmd}` (see `rdx {cmd} --help`)"
        ))
    }
}

/// A flag's value as UTF-8 text.
pub fn value_str(p: &mut lexopt::Parser, flag: &str) -> Result<String> {
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

pub fn value_duration(p: &mut lexopt::Parser, flag: &str) -> Result<Duration> {
    let v = value_str(p, flag)?;
    parse_duration(&v).map_err(|e| Error::usage(format!("{flag}: {e}")))
}

pub fn value_count(p: &mut lexopt::Parser, flag: &str) -> Result<u64> {
    let v = value_str(p, flag)?;
    match v.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(Error::usage(format!(
            "{flag}: {v:?} is not a positive whole number"
        ))),
    }
}

/// The flags every command takes.
#[derive(Debug, Default, Clone)]
pub struct GlobalArgs {
    pub url: Option<String>,
    pub host: Option<String>,
    pub port: Option<String>,
    pub replay: Option<String>,
    pub record: Option<String>,
    pub timeout: Option<Duration>,
    pub json: bool,
    pub color: Option<ColorWhen>,
    pub labels: Option<PathBuf>,
    pub login: bool,
    pub no_reconnect: bool,
    pub quiet: bool,
    pub verbose: bool,
}

impl GlobalArgs {
    /// Take `arg` if it is a global flag.
    fn parse_arg(&mut self, arg: &Arg, p: &mut lexopt::Parser) -> Result<bool> {
        let Arg::Long(name) = arg else {
            return Ok(matches!(arg, Arg::Short('q')) && {
                self.quiet = true;
                true
            });
        };
        match name.as_str() {
            "url" => self.url = Some(value_str(p, "--url")?),
            "host" => self.host = Some(value_str(p, "--host")?),
            "port" => self.port = Some(value_str(p, "--port")?),
            "replay" => self.replay = Some(value_str(p, "--replay")?),
            "record" => self.record = Some(value_str(p, "--record")?),
            "timeout" => self.timeout = Some(value_duration(p, "--timeout")?),
            "json" => self.json = true,
            "color" | "colour" => {
                let v = value_str(p, "--color")?;
                self.color = Some(ColorWhen::parse(&v).map_err(Error::Usage)?);
            }
            "labels" => self.labels = Some(PathBuf::from(p.value()?)),
            "login" => self.login = true,
            "no-reconnect" => self.no_reconnect = true,
            "quiet" => self.quiet = true,
            "verbose" => self.verbose = true,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// What the user asked for.
#[derive(Debug)]
pub enum Invocation {
    Run(GlobalArgs, Box<cmd::Command>),
    Help(Option<String>),
    Version,
}

/// Flags that take a value, global or not: used only to find the command word.
const VALUE_FLAGS: &[&str] = &[
    "--url",
    "--host",
    "--port",
    "--replay",
    "--record",
    "--timeout",
    "--color",
    "--colour",
    "--labels",
    "--for",
    "--count",
    "-n",
    "--type",
    "-t",
    "--path",
    "-p",
    "--until",
    "--app",
    "--env",
    "--id-prefix",
    "--instance",
    "--instance-select",
];

/// Any flag may come before the command (`rdx --app admin state`): move the
/// command word to the front so every flag after it is parsed knowing it.
fn hoist_command(args: Vec<OsString>) -> Vec<OsString> {
    let mut i = 0;
    while i < args.len() {
        let a = args[i].to_string_lossy();
        if a == "--" {
            break;
        }
        if a.starts_with('-') && a.len() > 1 {
            let takes_value = !a.contains('=') && VALUE_FLAGS.contains(&a.as_ref());
            i += if takes_value { 2 } else { 1 };
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

/// Parse the whole command line (without the program name).
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Invocation> {
    let args = hoist_command(args.into_iter().collect());
    let mut p = lexopt::Parser::from_args(args);
    let mut global = GlobalArgs::default();
    let mut command: Option<cmd::Command> = None;
    while let Some(arg) = p.next()? {
        let arg = Arg::from_lexopt(arg);
        if global.parse_arg(&arg, &mut p)? {
            continue;
        }
        let is = |l: &str| matches!(&arg, Arg::Long(x) if x == l);
        if matches!(arg, Arg::Short('h')) || is("help") {
            return Ok(Invocation::Help(
                command.as_ref().map(|c| c.name().to_string()),
            ));
        }
        if let Some(c) = command.as_mut() {
            if !c.parse_arg(&arg, &mut p)? {
                return Err(arg.unexpected(c.name()));
            }
            continue;
        }
        if matches!(arg, Arg::Short('V')) || is("version") {
            return Ok(Invocation::Version);
        }
        let Arg::Value(v) = &arg else {
            return Err(Error::usage(format!(
                "unknown flag {}; rdx needs a command (see `rdx --help`)",
                match &arg {
                    Arg::Short(c) => format!("-{c}"),
                    Arg::Long(l) => format!("--{l}"),
                    Arg::Value(_) => unreachable!(),
                }
            )));
        };
        let name = v.to_string_lossy();
        if name == "help" {
            let topic = p.next()?.map(Arg::from_lexopt);
            return Ok(Invocation::Help(match topic {
                Some(Arg::Value(t)) => Some(t.to_string_lossy().into_owned()),
                _ => None,
            }));
        }
        command = Some(cmd::Command::new(&name)?);
    }
    match command {
        Some(c) => {
            c.finish()?;
            Ok(Invocation::Run(global, Box::new(c)))
        }
        None => Ok(Invocation::Help(None)),
    }
}

/// Everything a command needs to know, resolved from flags, env and defaults.
#[derive(Debug, Clone)]
pub struct Config {
    pub url: WsUrl,
    pub replay: Option<String>,
    pub record: Option<String>,
    pub timeout: Duration,
    /// `--timeout` (or RDX_TIMEOUT) was given: it also bounds the command's
    /// end condition (SPEC.md "Waiting").
    pub timeout_explicit: bool,
    pub json: bool,
    pub color: bool,
    pub labels: PathBuf,
    pub login: bool,
    pub reconnect: bool,
    pub quiet: bool,
    pub verbose: bool,
}

impl Config {
    pub fn palette(&self) -> Palette {
        Palette { on: self.color }
    }

    /// When a command's end condition stops waiting: `--timeout` after
    /// launch when it was given explicitly, otherwise never.
    pub fn end_deadline(&self, started: std::time::Instant) -> Option<std::time::Instant> {
        self.timeout_explicit.then(|| started + self.timeout)
    }
}

/// Flags override env, env overrides defaults.
pub fn build_config(g: &GlobalArgs, env: &dyn Fn(&str) -> Option<String>) -> Result<Config> {
    let env_nonempty = |k: &str| env(k).filter(|v| !v.is_empty());
    let url_text = g.url.clone().or_else(|| env_nonempty("RDX_URL"));
    let host = g.host.clone().or_else(|| env_nonempty("RDX_HOST"));
    let port_text = g.port.clone().or_else(|| env_nonempty("RDX_PORT"));
    let port = match &port_text {
        Some(p) => Some(
            p.trim()
                .parse::<u16>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| {
                    Error::usage(format!(
                        "invalid port {p:?}: expected a number from 1 to 65535"
                    ))
                })?,
        ),
        None => None,
    };
    // An explicit --host/--port beats RDX_URL; --url beats everything.
    let url = match (&g.url, host.is_some() || port.is_some(), url_text) {
        (Some(u), _, _) => WsUrl::parse(u).map_err(Error::Usage)?,
        (None, true, _) if g.host.is_some() || g.port.is_some() => {
            WsUrl::from_host_port(host.as_deref(), port)
        }
        (None, _, Some(u)) => {
            let mut url = WsUrl::parse(&u).map_err(|e| Error::usage(format!("RDX_URL: {e}")))?;
            if let Some(h) = host {
                url.host = h;
            }
            if let Some(p) = port {
                url.port = p;
            }
            url
        }
        (None, _, None) => WsUrl::from_host_port(host.as_deref(), port),
    };
    let timeout_explicit = g.timeout.is_some() || env_nonempty("RDX_TIMEOUT").is_some();
    let timeout = match g.timeout {
        Some(t) => t,
        None => match env_nonempty("RDX_TIMEOUT") {
            Some(t) => parse_duration(&t).map_err(|e| Error::usage(format!("RDX_TIMEOUT: {e}")))?,
            None => Duration::from_secs(5),
        },
    };
    let color = g.color.unwrap_or(ColorWhen::Auto).resolve(
        std::io::stdout().is_terminal(),
        env("NO_COLOR").as_deref(),
        env("TERM").as_deref(),
    );
    let labels = match &g.labels {
        Some(p) => p.clone(),
        None => match env_nonempty("RDX_LABELS") {
            Some(p) => PathBuf::from(p),
            None => default_labels_path(env),
        },
    };
    Ok(Config {
        url,
        replay: g.replay.clone(),
        record: g.record.clone(),
        timeout,
        timeout_explicit,
        json: g.json,
        color,
        labels,
        login: g.login,
        reconnect: !g.no_reconnect,
        quiet: g.quiet,
        verbose: g.verbose && !g.quiet,
    })
}

fn default_labels_path(env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    let base = match env("XDG_STATE_HOME").filter(|v| v.starts_with('/')) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env("HOME").unwrap_or_else(|| ".".into())).join(".local/state"),
    };
    base.join("rdx").join("labels.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_words(words: &str) -> Result<Invocation> {
        parse(words.split_whitespace().map(OsString::from))
    }

    fn cfg(words: &str, env: &[(&str, &str)]) -> Config {
        let Invocation::Run(g, _) = parse_words(words).unwrap() else {
            panic!("{words}")
        };
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        build_config(&g, &|k| {
            env.iter().find(|(ek, _)| ek == k).map(|(_, v)| v.clone())
        })
        .unwrap()
    }

    #[test]
    fn global_flags_before_or_after_the_command() {
        let a = cfg("--url ws://h:1/x/ --json sessions", &[]);
        let b = cfg("sessions --json --url ws://h:1/x/", &[]);
        assert_eq!(a.url, b.url);
        assert!(a.json && b.json);
    }

    #[test]
    fn flags_beat_env_beat_defaults() {
        assert_eq!(
            cfg("sessions", &[]).url.to_string(),
            "ws://127.0.0.1:8000/socketcluster/"
        );
        assert_eq!(
            cfg("sessions", &[("RDX_URL", "h:9")]).url.to_string(),
            "ws://h:9/socketcluster/"
        );
        assert_eq!(
            cfg("sessions --port 7", &[("RDX_URL", "h:9")])
                .url
                .to_string(),
            "ws://127.0.0.1:7/socketcluster/"
        );
        assert_eq!(
            cfg("sessions", &[("RDX_URL", "h:9"), ("RDX_PORT", "10")])
                .url
                .to_string(),
            "ws://h:10/socketcluster/"
        );
        assert_eq!(
            cfg("sessions", &[("RDX_HOST", "x"), ("RDX_PORT", "10")])
                .url
                .to_string(),
            "ws://x:10/socketcluster/"
        );
        assert_eq!(
            cfg("--url a:1 sessions", &[("RDX_URL", "h:9")])
                .url
                .to_string(),
            "ws://a:1/socketcluster/"
        );
        assert_eq!(
            cfg("sessions", &[("RDX_TIMEOUT", "2s")]).timeout,
            Duration::from_secs(2)
        );
        assert_eq!(
            cfg("sessions --timeout 500ms", &[("RDX_TIMEOUT", "2s")]).timeout,
            Duration::from_millis(500)
        );
        assert_eq!(
            cfg("sessions", &[("XDG_STATE_HOME", "/st")]).labels,
            PathBuf::from("/st/rdx/labels.json")
        );
        assert_eq!(
            cfg("sessions", &[("HOME", "/home/u")]).labels,
            PathBuf::from("/home/u/.local/state/rdx/labels.json")
        );
        assert_eq!(
            cfg("sessions --labels l.json", &[("RDX_LABELS", "e.json")]).labels,
            PathBuf::from("l.json")
        );
        assert!(!cfg("sessions --color always --color never", &[]).color);
        assert!(cfg("sessions --color always", &[("NO_COLOR", "1")]).color);
    }

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
        ] {
            let e = parse_words(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}: {e}");
        }
        let Invocation::Run(g, _) = parse_words("sessions --port 0").unwrap() else {
            panic!()
        };
        assert_eq!(build_config(&g, &|_| None).unwrap_err().exit_code(), 2);
    }

    #[test]
    fn command_flags_may_come_first() {
        let Invocation::Run(g, c) =
            parse_words("--app admin --url ws://h:1/ state --path .a").unwrap()
        else {
            panic!()
        };
        assert_eq!(g.url.as_deref(), Some("ws://h:1/"));
        let crate::cmd::Command::State(a) = *c else {
            panic!()
        };
        assert_eq!(a.sel.describe(), "--app admin");
        assert!(matches!(
            parse_words("--for 2s sessions").unwrap(),
            Invocation::Run(..)
        ));
        assert!(matches!(
            parse_words("-q --json sessions").unwrap(),
            Invocation::Run(..)
        ));
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
