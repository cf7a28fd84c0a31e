//! The one [`Config`] the rest of rdx uses. It is decided once, here, from the
//! parsed command line, the environment and the defaults, including what the
//! terminal is (a tty, how wide, colors).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use crate::cli::flags::FlagId;
use crate::cli::parse::Parsed;
use crate::error::{Error, Result};
use crate::feed::Setup;
use crate::link::tls::Trust;
use crate::link::url::WsUrl;
use crate::output::{ColorWhen, Format, Palette};
use crate::time::parse_duration;

/// Everything a command needs to know, resolved from flags, env and defaults.
#[derive(Debug, Clone)]
pub struct Config {
    /// What the feed connects to (or replays) and how it reports.
    pub(crate) feed: Setup,
    /// `--timeout` (or RDX_TIMEOUT) was given: it also bounds the command's
    /// end condition (SPEC.md "Waiting").
    pub(crate) timeout_explicit: bool,
    pub(crate) json: bool,
    pub(crate) color: bool,
    /// stdout is a terminal.
    pub(crate) tty: bool,
    /// The terminal's width in columns (None when piped: lines are never cut).
    pub(crate) width: Option<usize>,
}

impl Config {
    pub(crate) fn palette(&self) -> Palette {
        Palette { on: self.color }
    }

    /// How the commands print (`--json`: NDJSON), for `view::printer`.
    pub(crate) fn format(&self) -> Format {
        if self.json {
            Format::Ndjson
        } else {
            Format::Human {
                pal: self.palette(),
                width: self.width,
                pretty: self.tty,
            }
        }
    }

    /// When a command's end condition stops waiting: `--timeout` after
    /// launch when it was given explicitly, otherwise never.
    pub(crate) fn end_deadline(&self, started: std::time::Instant) -> Option<std::time::Instant> {
        self.timeout_explicit.then(|| started + self.feed.timeout)
    }
}

/// The global flags as given (before env and defaults).
struct Globals {
    url: Option<String>,
    expo: bool,
    host: Option<String>,
    port: Option<String>,
    timeout: Option<Duration>,
    color: Option<ColorWhen>,
}

impl Globals {
    fn of(p: &Parsed) -> Result<Globals> {
        let s = |id: FlagId| p.value(id).map(str::to_string);
        Ok(Globals {
            url: s(FlagId::Url),
            expo: p.flag(FlagId::Expo),
            host: s(FlagId::Host),
            port: s(FlagId::Port),
            timeout: p
                .value(FlagId::Timeout)
                .map(|v| duration(v, &FlagId::Timeout.shown()))
                .transpose()?,
            color: p
                .value(FlagId::Color)
                .map(|v| ColorWhen::parse(v).map_err(Error::Usage))
                .transpose()?,
        })
    }
}

/// A duration flag's value (`500ms`, `5s`, `2m`, a plain number of seconds).
pub(crate) fn duration(v: &str, flag: &str) -> Result<Duration> {
    parse_duration(v).map_err(|e| Error::usage(format!("{flag}: {e}")))
}

/// Flags override env, env overrides defaults.
pub fn config(p: &Parsed, env: &dyn Fn(&str) -> Option<String>) -> Result<Config> {
    let g = Globals::of(p)?;
    // The environment variable of a flag, from the flag table.
    let env_of = |id: FlagId| env(id.env()).filter(|v| !v.is_empty());
    let url_text = g.url.clone().or_else(|| env_of(FlagId::Url));
    let host = g.host.clone().or_else(|| env_of(FlagId::Host));
    let port_text = g.port.clone().or_else(|| env_of(FlagId::Port));
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
    if g.expo && g.url.is_some() {
        return Err(Error::usage(
            "--expo is short for --url expo://127.0.0.1:8081: give one or the other",
        ));
    }
    // An explicit --host/--port beats RDX_URL; --url beats everything;
    // --expo is the Expo dev server on this machine (RDX_URL aside).
    let url = match (&g.url, host.is_some() || port.is_some(), url_text) {
        _ if g.expo => WsUrl::expo(host.as_deref(), port),
        (Some(u), _, _) => WsUrl::parse(u).map_err(Error::Usage)?,
        (None, true, _) if g.host.is_some() || g.port.is_some() => {
            WsUrl::from_host_port(host.as_deref(), port)
        }
        (None, _, Some(u)) => {
            let mut url = WsUrl::parse(&u)
                .map_err(|e| Error::usage(format!("{}: {e}", FlagId::Url.env())))?;
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
    let timeout_explicit = g.timeout.is_some() || env_of(FlagId::Timeout).is_some();
    let timeout = match g.timeout {
        Some(t) => t,
        None => match env_of(FlagId::Timeout) {
            Some(t) => parse_duration(&t)
                .map_err(|e| Error::usage(format!("{}: {e}", FlagId::Timeout.env())))?,
            None => Duration::from_secs(5),
        },
    };
    let tty = std::io::stdout().is_terminal();
    let color = g.color.unwrap_or(ColorWhen::Auto).resolve(
        tty,
        env("NO_COLOR").as_deref(),
        env("TERM").as_deref(),
    );
    let width = tty.then(|| crate::output::terminal_width(env("COLUMNS").as_deref()));
    let labels = match p.value(FlagId::Labels).map(PathBuf::from) {
        Some(p) => p,
        None => match env_of(FlagId::Labels) {
            Some(p) => PathBuf::from(p),
            None => default_labels_path(env),
        },
    };
    let quiet = p.flag(FlagId::Quiet);
    Ok(Config {
        feed: Setup {
            url,
            replay: p.value(FlagId::Replay).map(str::to_string),
            spool: None,
            record: p.value(FlagId::Record).map(str::to_string),
            timeout,
            login: p.flag(FlagId::Login),
            reconnect: !p.flag(FlagId::NoReconnect),
            want: Default::default(),
            report: p.value(FlagId::Report).map(str::to_string),
            trust: Trust {
                cacert: p
                    .value(FlagId::Cacert)
                    .map(str::to_string)
                    .or_else(|| env_of(FlagId::Cacert))
                    .map(PathBuf::from),
                insecure: p.flag(FlagId::Insecure),
            },
            labels,
            quiet,
            verbose: p.flag(FlagId::Verbose) && !quiet,
        },
        timeout_explicit,
        json: p.flag(FlagId::Json),
        color,
        tty,
        width,
    })
}

fn default_labels_path(env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    let base = match env("XDG_STATE_HOME").filter(|v| v.starts_with('/')) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env("HOME").unwrap_or_else(|| ".".into())).join(".local/state"),
    };
    base.join("rdx").join("labels.json")
}
