//! One file per command: its help text, its arguments and its `run`.

/// The filter and selector flags, for every command's help.
macro_rules! selection_help {
    () => {
        "
Selecting instances (filters combine with AND; a selector picks one):
      --app NAME              the app name exactly, or /regex/
      --env ENV               the env (app config, or a name suffix like shop@staging)
      --id-prefix PREFIX      instance ids starting with PREFIX
      --instance ID           exactly this instance id
      --instance-select SEL   an instance id, a label, or /regex/ (id, label, app)
"
    };
}
pub(crate) use selection_help;

pub mod record;
pub mod sessions;
pub mod state;
pub mod tail;
pub mod watch;

use crate::cli::{Arg, Config};
use crate::error::{Error, Result};

pub const MAIN_USAGE: &str = "\
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

Global flags (any flag may come before or after the command):
      --url URL        server URL [env RDX_URL] (default ws://127.0.0.1:8000/socketcluster/)
      --host H         server host [env RDX_HOST]
      --port P         server port [env RDX_PORT]
      --replay FILE    read recorded traffic instead of connecting (- = stdin)
      --record FILE    also append every frame, in and out, to FILE
      --timeout DUR    longest wait to connect [env RDX_TIMEOUT] (default 5s)
      --json           machine output: one JSON object per line
      --color WHEN     auto, always or never [env NO_COLOR] (default auto)
      --labels FILE    label store [env RDX_LABELS]
      --login          log in as a monitor (for servers that require it)
      --no-reconnect   a lost link ends the command with exit code 3
  -q, --quiet          say less on stderr
      --verbose        say more on stderr (skipped frames, protocol version)
  -h, --help           show help
  -V, --version        show the version

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

/// A parsed subcommand with its arguments.
#[derive(Debug)]
pub enum Command {
    Sessions(sessions::Args),
    Tail(tail::Args),
    State(state::Args),
    Watch(watch::Args),
    Record(record::Args),
}

impl Command {
    pub fn new(name: &str) -> Result<Command> {
        match name {
            "sessions" | "list" => Ok(Command::Sessions(sessions::Args::default())),
            "record" => Ok(Command::Record(record::Args::default())),
            "tail" => Ok(Command::Tail(tail::Args::default())),
            "state" => Ok(Command::State(state::Args::default())),
            "watch" => Ok(Command::Watch(watch::Args::default())),
            other => Err(Error::usage(format!(
                "unknown command {:?} (commands: sessions, list, tail, state, watch, record, help)",
                crate::output::sanitize(other)
            ))),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Command::Sessions(_) => "sessions",
            Command::Record(_) => "record",
            Command::Tail(_) => "tail",
            Command::State(_) => "state",
            Command::Watch(_) => "watch",
        }
    }

    pub fn parse_arg(&mut self, arg: &Arg, p: &mut lexopt::Parser) -> Result<bool> {
        match self {
            Command::Sessions(a) => a.parse_arg(arg, p),
            Command::Record(a) => a.parse_arg(arg, p),
            Command::Tail(a) => a.parse_arg(arg, p),
            Command::State(a) => a.parse_arg(arg, p),
            Command::Watch(a) => a.parse_arg(arg, p),
        }
    }

    /// Checks that need every argument (required positionals).
    pub fn finish(&self) -> Result<()> {
        match self {
            Command::Sessions(a) => a.finish(),
            Command::Tail(_) | Command::State(_) => Ok(()),
            Command::Record(a) => a.finish(),
            Command::Watch(a) => a.finish(),
        }
    }

    pub fn run(self, cfg: &Config) -> Result<()> {
        match self {
            Command::Sessions(a) => sessions::run(cfg, a),
            Command::Record(a) => record::run(cfg, a),
            Command::Tail(a) => tail::run(cfg, a),
            Command::State(a) => state::run(cfg, a),
            Command::Watch(a) => watch::run(cfg, a),
        }
    }
}

/// The help text for `rdx help TOPIC` / `rdx TOPIC --help`.
pub fn usage(topic: Option<&str>) -> Result<&'static str> {
    match topic {
        None => Ok(MAIN_USAGE),
        Some("sessions" | "list") => Ok(sessions::USAGE),
        Some("record") => Ok(record::USAGE),
        Some("tail") => Ok(tail::USAGE),
        Some("state") => Ok(state::USAGE),
        Some("watch") => Ok(watch::USAGE),
        Some(other) => Err(Error::usage(format!(
            "no help for {:?} (commands: sessions, list, tail, state, watch, record)",
            crate::output::sanitize(other)
        ))),
    }
}
