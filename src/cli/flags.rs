//! Every flag rdx takes, described once. Parsing, finding the command word
//! among flags that come before it, and every help text's flag list are all
//! derived from [`FLAGS`]; a flag that is not here does not exist.

/// Which commands take a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Every command (connection, output, label store, verbosity).
    Global,
    /// The filters: `sessions`, `tail`, `state`, `watch`.
    Filter,
    /// The selectors: `tail`, `state`, `watch`.
    Selector,
    /// One command only.
    Only(Command),
}

/// The commands (the word after `rdx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Command {
    Sessions,
    Tail,
    State,
    Watch,
    Record,
    /// An MCP server on stdio for coding agents.
    Mcp,
    /// The full-screen inspector (a terminal UI).
    Ui,
    /// The server's stored reports.
    Reports,
    /// One instance's history as a DevTools file.
    Export,
    /// Prints a shell's completion script (from this table); no connection.
    Completions,
    /// Prints the man page (from this table and the help texts); no connection.
    Man,
}

impl Command {
    pub(crate) const ALL: [Command; 11] = [
        Command::Sessions,
        Command::Tail,
        Command::State,
        Command::Watch,
        Command::Record,
        Command::Mcp,
        Command::Ui,
        Command::Reports,
        Command::Export,
        Command::Completions,
        Command::Man,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Command::Sessions => "sessions",
            Command::Tail => "tail",
            Command::State => "state",
            Command::Watch => "watch",
            Command::Record => "record",
            Command::Mcp => "mcp",
            Command::Ui => "ui",
            Command::Reports => "reports",
            Command::Export => "export",
            Command::Completions => "completions",
            Command::Man => "man",
        }
    }

    /// What the command does, in a few words: the command lists of `rdx
    /// --help`, the man page and the zsh and fish completions.
    pub(crate) fn summary(self) -> &'static str {
        match self {
            Command::Sessions => "list the app instances talking to the server (alias: list)",
            Command::Tail => "print each action as it arrives",
            Command::State => "print the current state of one instance",
            Command::Watch => "print values in an instance's state and every change to them",
            Command::Record => "write the server's traffic to a fixture file for --replay",
            Command::Mcp => "serve state and actions to a coding agent (MCP on stdio)",
            Command::Ui => "inspect actions and states full screen (a terminal UI)",
            Command::Reports => "list the reports the server stored (apps' errors, sent histories)",
            Command::Export => "write one instance's history as a file the DevTools' Import reads",
            Command::Completions => "print a completion script for bash, zsh or fish",
            Command::Man => "print rdx's man page (roff)",
        }
    }

    /// Does the command talk to a server (or read a recording)? `completions`
    /// and `man` only print text made from this table: they take the global
    /// flags (so an alias such as `rdx --url ...` still works) and ignore them.
    pub(crate) fn connects(self) -> bool {
        !matches!(self, Command::Completions | Command::Man)
    }

    /// The command a word names (`list` is `sessions`).
    pub(crate) fn from_word(word: &str) -> Option<Command> {
        match word {
            "list" => Some(Command::Sessions),
            w => Command::ALL.into_iter().find(|c| c.name() == w),
        }
    }

    /// Does this command take flags of `scope`?
    pub(crate) fn takes(self, scope: Scope) -> bool {
        match scope {
            Scope::Global => true,
            Scope::Filter => matches!(
                self,
                Command::Sessions
                    | Command::Tail
                    | Command::State
                    | Command::Watch
                    | Command::Ui
                    | Command::Export
            ),
            Scope::Selector => matches!(
                self,
                Command::Tail | Command::State | Command::Watch | Command::Ui | Command::Export
            ),
            Scope::Only(c) => c == self,
        }
    }
}

/// A flag by name: what code reads a flag's value with (`p.value(FlagId::Count)`),
/// so that a misspelt flag does not compile. The name itself is written once,
/// in [`FlagId::long`]; the table below says what each flag is, and the same name
/// may stand in several scopes (`--count` of `tail`, `watch` and `record`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlagId {
    Url,
    Expo,
    Host,
    Port,
    Replay,
    Report,
    Record,
    Timeout,
    Cacert,
    Insecure,
    Login,
    NoReconnect,
    Json,
    Color,
    Labels,
    Quiet,
    Verbose,
    App,
    Env,
    IdPrefix,
    Instance,
    InstanceSelect,
    For,
    Follow,
    All,
    Type,
    Invert,
    Count,
    Diff,
    History,
    Path,
    Until,
    KeepStates,
    KeepMb,
    Reports,
    Since,
    Title,
    Output,
    Help,
    Version,
}

impl FlagId {
    #[cfg(test)]
    pub(crate) const ALL: [FlagId; 40] = [
        FlagId::Url,
        FlagId::Expo,
        FlagId::Host,
        FlagId::Port,
        FlagId::Replay,
        FlagId::Report,
        FlagId::Record,
        FlagId::Timeout,
        FlagId::Cacert,
        FlagId::Insecure,
        FlagId::Login,
        FlagId::NoReconnect,
        FlagId::Json,
        FlagId::Color,
        FlagId::Labels,
        FlagId::Quiet,
        FlagId::Verbose,
        FlagId::App,
        FlagId::Env,
        FlagId::IdPrefix,
        FlagId::Instance,
        FlagId::InstanceSelect,
        FlagId::For,
        FlagId::Follow,
        FlagId::All,
        FlagId::Type,
        FlagId::Invert,
        FlagId::Count,
        FlagId::Diff,
        FlagId::History,
        FlagId::Path,
        FlagId::Until,
        FlagId::KeepStates,
        FlagId::KeepMb,
        FlagId::Reports,
        FlagId::Since,
        FlagId::Title,
        FlagId::Output,
        FlagId::Help,
        FlagId::Version,
    ];

    /// The flag's long name, without the dashes.
    pub(crate) const fn long(self) -> &'static str {
        match self {
            FlagId::Url => "url",
            FlagId::Expo => "expo",
            FlagId::Host => "host",
            FlagId::Port => "port",
            FlagId::Replay => "replay",
            FlagId::Report => "report",
            FlagId::Reports => "reports",
            FlagId::Since => "since",
            FlagId::Title => "title",
            FlagId::Output => "output",
            FlagId::Record => "record",
            FlagId::Timeout => "timeout",
            FlagId::Cacert => "cacert",
            FlagId::Insecure => "insecure",
            FlagId::Login => "login",
            FlagId::NoReconnect => "no-reconnect",
            FlagId::Json => "json",
            FlagId::Color => "color",
            FlagId::Labels => "labels",
            FlagId::Quiet => "quiet",
            FlagId::Verbose => "verbose",
            FlagId::App => "app",
            FlagId::Env => "env",
            FlagId::IdPrefix => "id-prefix",
            FlagId::Instance => "instance",
            FlagId::InstanceSelect => "instance-select",
            FlagId::For => "for",
            FlagId::Follow => "follow",
            FlagId::All => "all",
            FlagId::Type => "type",
            FlagId::Invert => "invert",
            FlagId::Count => "count",
            FlagId::Diff => "diff",
            FlagId::History => "history",
            FlagId::Path => "path",
            FlagId::Until => "until",
            FlagId::KeepStates => "keep-states",
            FlagId::KeepMb => "keep-mb",
            FlagId::Help => "help",
            FlagId::Version => "version",
        }
    }

    /// The flag as the user writes it, for messages: `--count`.
    pub(crate) fn shown(self) -> String {
        format!("--{}", self.long())
    }

    /// The environment variable the table gives this flag. Only for flags
    /// that have one (a unit test holds every caller to that).
    pub(crate) fn env(self) -> &'static str {
        FLAGS
            .iter()
            .find_map(|f| (f.id == self).then_some(f.env).flatten())
            .unwrap_or_else(|| panic!("--{} has no environment variable in FLAGS", self.long()))
    }
}

/// One flag of one scope.
#[derive(Debug)]
pub(crate) struct Flag {
    pub(crate) id: FlagId,
    /// `id.long()`, kept here for the many readers of the table.
    pub(crate) long: &'static str,
    pub(crate) short: Option<char>,
    /// The value's name in help (`DUR`), or None for a switch.
    pub(crate) value: Option<&'static str>,
    /// The environment variable that sets it when the flag is not given.
    pub(crate) env: Option<&'static str>,
    /// The only values it takes, when they are a fixed few (completions
    /// offer them).
    pub(crate) choices: &'static [&'static str],
    pub(crate) scope: Scope,
    pub(crate) help: &'static str,
}

const fn flag(id: FlagId, scope: Scope, help: &'static str) -> Flag {
    Flag {
        id,
        long: id.long(),
        short: None,
        value: None,
        env: None,
        choices: &[],
        scope,
        help,
    }
}

impl Flag {
    const fn short(mut self, c: char) -> Flag {
        self.short = Some(c);
        self
    }
    const fn value(mut self, name: &'static str) -> Flag {
        self.value = Some(name);
        self
    }
    const fn env(mut self, name: &'static str) -> Flag {
        self.env = Some(name);
        self
    }
    const fn choices(mut self, values: &'static [&'static str]) -> Flag {
        self.choices = values;
        self
    }
}

use Command::{Export, Record, Reports, Sessions, State, Tail, Ui, Watch};
use Scope::{Filter, Global, Only, Selector};

pub(crate) static FLAGS: &[Flag] = &[
    // Connection
    flag(
        FlagId::Url,
        Global,
        "server URL (default ws://127.0.0.1:8000/socketcluster/)",
    )
    .value("URL")
    .env("RDX_URL"),
    flag(
        FlagId::Expo,
        Global,
        "an Expo dev server's plugin socket: expo://127.0.0.1:8081 (--host/--port change it)",
    ),
    flag(FlagId::Host, Global, "server host")
        .value("H")
        .env("RDX_HOST"),
    flag(FlagId::Port, Global, "server port")
        .value("P")
        .env("RDX_PORT"),
    flag(
        FlagId::Replay,
        Global,
        "read recorded traffic instead of connecting (- = stdin)",
    )
    .value("FILE"),
    flag(
        FlagId::Report,
        Global,
        "read the history of the server's stored report ID instead of live apps",
    )
    .value("ID"),
    flag(
        FlagId::Record,
        Global,
        "also append every frame, in and out, to FILE",
    )
    .value("FILE"),
    flag(
        FlagId::Timeout,
        Global,
        "longest wait to connect, for a match, for a state (default 5s); given \
         explicitly, also for --until/--count",
    )
    .value("DUR")
    .env("RDX_TIMEOUT"),
    flag(
        FlagId::Cacert,
        Global,
        "PEM CA certificate(s) to trust for wss:// (besides the built-in roots)",
    )
    .value("FILE")
    .env("RDX_CACERT"),
    flag(
        FlagId::Insecure,
        Global,
        "wss:// without checking the server's certificate (warns every time)",
    ),
    flag(
        FlagId::Login,
        Global,
        "log in as a monitor (for servers that require it)",
    ),
    flag(
        FlagId::NoReconnect,
        Global,
        "a lost link ends the command with exit code 3",
    ),
    // Output
    flag(
        FlagId::Json,
        Global,
        "machine output: one JSON object per line",
    ),
    flag(
        FlagId::Color,
        Global,
        "auto, always or never (default auto; NO_COLOR is honoured)",
    )
    .value("WHEN")
    .choices(&["auto", "always", "never"]),
    flag(FlagId::Labels, Global, "the label store")
        .value("FILE")
        .env("RDX_LABELS"),
    flag(FlagId::Quiet, Global, "say less on stderr").short('q'),
    flag(
        FlagId::Verbose,
        Global,
        "say more on stderr (skipped frames, protocol version)",
    ),
    // Filters and selectors
    flag(
        FlagId::App,
        Filter,
        "the app name exactly (`shop@staging` is not `shop`), or /regex/",
    )
    .value("NAME"),
    flag(
        FlagId::Env,
        Filter,
        "the env (the app's config, or a name suffix like shop@staging)",
    )
    .value("ENV"),
    flag(
        FlagId::IdPrefix,
        Filter,
        "instance ids starting with PREFIX",
    )
    .value("PREFIX"),
    flag(
        FlagId::Instance,
        Selector,
        "exactly this instance id (it never moves: its app going away ends the command)",
    )
    .value("ID"),
    flag(
        FlagId::InstanceSelect,
        Selector,
        "an instance id, a label, or /regex/ (id, label, app); follows its app across reloads",
    )
    .value("SEL"),
    // sessions
    flag(
        FlagId::For,
        Only(Sessions),
        "how long to listen before printing (default 1s; ignored in replay)",
    )
    .value("DUR"),
    flag(
        FlagId::Follow,
        Only(Sessions),
        "after the listing, print a line for every instance that appears or changes \
         status, until interrupted",
    )
    .short('f'),
    flag(
        FlagId::All,
        Only(Sessions),
        "include instances that are gone (their app disconnected)",
    )
    .short('a'),
    flag(
        FlagId::Reports,
        Only(Sessions),
        "also list the instances the server's stored reports name (status reported)",
    ),
    // tail
    flag(
        FlagId::Type,
        Only(Tail),
        "keep actions whose type matches the regex RE",
    )
    .short('t')
    .value("RE"),
    flag(
        FlagId::Invert,
        Only(Tail),
        "drop the actions --type matches instead (like grep -v)",
    )
    .short('v'),
    flag(FlagId::Count, Only(Tail), "exit 0 after N printed actions")
        .short('n')
        .value("N"),
    flag(
        FlagId::Diff,
        Only(Tail),
        "also print what changed in the state with each action",
    )
    .short('d'),
    flag(
        FlagId::History,
        Only(Tail),
        "also print what the apps did before rdx started (the actions they still hold)",
    ),
    // state
    flag(
        FlagId::Path,
        Only(State),
        "print only the value at PATH: `.todos[0].title`, `.[\"odd key\"]` or `/todos/0/title`",
    )
    .short('p')
    .value("PATH"),
    // watch
    flag(
        FlagId::Until,
        Only(Watch),
        "exit 0 as soon as the first PATH equals this JSON value (`5`, `'\"done\"'`)",
    )
    .value("JSON"),
    flag(FlagId::Count, Only(Watch), "exit 0 after N changes")
        .short('n')
        .value("N"),
    // record
    flag(
        FlagId::For,
        Only(Record),
        "stop after DUR (counted from subscribed)",
    )
    .value("DUR"),
    flag(
        FlagId::Count,
        Only(Record),
        "stop after N relay messages (heartbeats do not count)",
    )
    .short('n')
    .value("N"),
    // ui
    flag(
        FlagId::KeepStates,
        Only(Ui),
        "states kept per instance, one per action (default 1000; older actions keep their diff)",
    )
    .value("N"),
    flag(
        FlagId::KeepMb,
        Only(Ui),
        "at most MB MiB of those states per instance (default 64)",
    )
    .value("MB"),
    // reports
    flag(
        FlagId::Since,
        Only(Reports),
        "only reports stored in the last DUR, or since TIME (2026-12-03T10:00:00Z)",
    )
    .value("DUR|TIME"),
    flag(
        FlagId::Title,
        Only(Reports),
        "only reports whose title matches the regex RE",
    )
    .value("RE"),
    flag(
        FlagId::Instance,
        Only(Reports),
        "only reports the instance ID sent",
    )
    .value("ID"),
    flag(
        FlagId::Follow,
        Only(Reports),
        "after the list, print each report as the server stores it, until interrupted",
    )
    .short('f'),
    // export
    flag(
        FlagId::Output,
        Only(Export),
        "write to FILE (default stdout)",
    )
    .short('o')
    .value("FILE"),
];

/// `--help` and `--version`: read before the table, listed with it.
pub(crate) static META: &[Flag] = &[
    flag(FlagId::Help, Global, "show help (also `rdx help COMMAND`)").short('h'),
    flag(FlagId::Version, Global, "show the version").short('V'),
];

/// The flag `--long` (or `-short`) as `command` takes it; with no command,
/// a global flag.
pub(crate) fn find(
    command: Option<Command>,
    long: Option<&str>,
    short: Option<char>,
) -> Option<&'static Flag> {
    FLAGS.iter().find(|f| {
        let named = match (long, short) {
            (Some(l), _) => f.long == l,
            (None, Some(c)) => f.short == Some(c),
            (None, None) => false,
        };
        named
            && match command {
                Some(c) => c.takes(f.scope),
                None => f.scope == Scope::Global,
            }
    })
}

/// Does any command's `--long` / `-short` take a value? (To find the command
/// word among the flags before it.)
pub(crate) fn takes_value(long: Option<&str>, short: Option<char>) -> bool {
    FLAGS.iter().any(|f| {
        f.value.is_some()
            && match (long, short) {
                (Some(l), _) => f.long == l,
                (None, Some(c)) => f.short == Some(c),
                (None, None) => false,
            }
    })
}

/// The flags of `scope` as help lines, aligned.
pub(crate) fn help_lines(flags: &[&Flag]) -> String {
    let head = |f: &Flag| {
        let short = f.short.map_or("    ".to_string(), |c| format!("-{c}, "));
        let value = f.value.map_or(String::new(), |v| format!(" {v}"));
        format!("  {short}--{}{value}", f.long)
    };
    let width = flags.iter().map(|f| head(f).len()).max().unwrap_or(0) + 2;
    let mut out = String::new();
    for f in flags {
        let env = f.env.map_or(String::new(), |e| format!(" [env {e}]"));
        let text = format!("{}{env}", f.help);
        let mut line = format!("{:width$}", head(f));
        let mut col = width;
        for word in text.split(' ') {
            if col + word.len() + 1 > 80 && col > width {
                out.push_str(line.trim_end());
                out.push('\n');
                line = " ".repeat(width);
                col = width;
            }
            line.push_str(word);
            line.push(' ');
            col += word.len() + 1;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The flags of one scope, as `command` takes them, in table order.
pub(crate) fn of_scope(command: Option<Command>, scope: Scope) -> Vec<&'static Flag> {
    FLAGS
        .iter()
        .filter(|f| f.scope == scope && command.is_none_or(|c| c.takes(f.scope)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_is_a_flag_and_names_one_flag() {
        for id in FlagId::ALL {
            let rows: Vec<&Flag> = FLAGS.iter().chain(META).filter(|f| f.id == id).collect();
            assert!(!rows.is_empty(), "{id:?} is in no row of FLAGS or META");
            for f in rows {
                assert_eq!(f.long, id.long(), "{id:?}");
            }
            for other in FlagId::ALL.into_iter().filter(|o| *o != id) {
                assert_ne!(other.long(), id.long(), "{id:?} and {other:?}");
            }
        }
        // Every row of the table is one of the ids (ALL is complete).
        for f in FLAGS.iter().chain(META) {
            assert!(FlagId::ALL.contains(&f.id), "--{}", f.long);
        }
    }

    #[test]
    fn a_flag_has_one_environment_variable_in_every_scope() {
        for f in FLAGS.iter().filter(|f| f.env.is_some()) {
            assert_eq!(Some(f.id.env()), f.env, "--{}", f.long);
            for g in FLAGS.iter().filter(|g| g.id == f.id) {
                assert_eq!(g.env, f.env, "--{}", f.long);
            }
        }
    }
}
