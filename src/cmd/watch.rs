//! `rdx watch PATH...`: values in one instance's state, and every change.

use std::time::Instant;

use serde_json::Value;

use crate::cli::flags::FlagId;
use crate::cli::{self, Config, Parsed};
use crate::error::{Error, Result};
use crate::feed::{self, Feed, Item, Options, States};
use crate::model::selection::Selection;
use crate::output::{Out, compact, sanitize};
use crate::query::paths::{self, Path};
use crate::view::{self, Printer, Record, Who};

/// What `rdx watch` does (its flags are listed from the flag table).
pub(crate) const ABOUT: &str = "\
rdx watch - print values in an app's state and every change to them

Usage: rdx watch PATH... [FILTERS] [--instance ID|--instance-select SEL] [--until JSON] [--count N] [GLOBAL FLAGS]

Prints the value at each PATH now, then one line each time an action changes
one of them: the time, the path, old -> new, and the action that did it. Every
action counts once, also those that reached rdx only inside a STATE. When the
app reloads (a new store), watch follows the new instance, says so on stderr
and prints its values again as `=` lines.
PATH: `.counter.value`, `todos[0].title`, `.[\"odd instance\"]` or `/todos/0/title`.
";

/// After the flags: output, exit codes, examples.
pub(crate) const MORE: &str = "\
With --json: a {\"type\":\"value\",\"ts\",\"instance\",\"path\",\"value\"} line per PATH
first, then {\"type\":\"change\",\"ts\",\"instance\",\"path\",\"old\",\"new\",\"action_type\"}
lines.

Without an explicit --timeout, --until and --count wait until interrupted;
with one, for that long after launch.

Exit codes: 0 condition met (or --count reached, or the replay ended without
--until/--count), 1 the replay ended before --until/--count was met / no or
several instances / the --instance went away, 2 bad PATH or JSON, 4 --timeout
passed before --until/--count was met or before any state arrived.

Examples:
  rdx watch .counter.value
  rdx watch .counter.value --until 5 --timeout 30s     # a CI gate
  rdx watch .todos .filter --instance 65ioovqadda --json
";

#[derive(Debug, Default)]
pub(crate) struct Args {
    pub(crate) sel: Selection,
    pub(crate) paths: Vec<Path>,
    pub(crate) until: Option<Value>,
    pub(crate) count: Option<u64>,
}

/// Read `rdx watch`'s flags and PATHs.
pub(crate) fn args(p: &Parsed) -> Result<Args> {
    if p.words.is_empty() {
        return Err(Error::usage(
            "rdx watch needs at least one PATH (see `rdx watch --help`)",
        ));
    }
    let until = match p.value(FlagId::Until) {
        Some(text) => Some(serde_json::from_str(text).map_err(|e| {
            Error::usage(format!(
                "--until {text:?} is not a JSON value ({e}); quote strings: --until '\"done\"'"
            ))
        })?),
        None => None,
    };
    Ok(Args {
        sel: cli::selection(p)?,
        paths: p
            .words
            .iter()
            .map(|w| cli::path(w))
            .collect::<Result<_>>()?,
        until,
        count: cli::opt(p, FlagId::Count, cli::count)?,
    })
}

/// The value at a path, or None when the path does not exist (yet).
fn value_at(state: &Value, path: &Path) -> Option<Value> {
    paths::lookup(state, path).ok().cloned()
}

struct Watch<'a> {
    args: &'a Args,
    printer: Box<dyn Printer>,
    /// The values now (None until the followed instance's first state).
    values: Option<Vec<Option<Value>>>,
    changes: u64,
}

impl Watch<'_> {
    /// Take in the state after an action (or a STATE). True when done.
    fn state(
        &mut self,
        feed: &Feed,
        instance: &str,
        t: u64,
        state: &Value,
        cause: &str,
    ) -> Result<bool> {
        let new: Vec<Option<Value>> = self.args.paths.iter().map(|p| value_at(state, p)).collect();
        let who = Who::of(&feed.registry, instance);
        match &mut self.values {
            None => {
                for (p, v) in self.args.paths.iter().zip(&new) {
                    self.printer.print(&Record::Value {
                        who,
                        ts: t,
                        path: &p.display(),
                        value: v.as_ref(),
                    })?;
                }
                self.values = Some(new);
            }
            Some(old) => {
                for (i, p) in self.args.paths.iter().enumerate() {
                    if old[i] == new[i] {
                        continue;
                    }
                    self.changes += 1;
                    self.printer.print(&Record::Change {
                        who,
                        ts: t,
                        path: &p.display(),
                        old: old[i].as_ref(),
                        new: new[i].as_ref(),
                        cause,
                    })?;
                    old[i] = new[i].clone();
                    if self.args.count.is_some_and(|n| self.changes >= n) {
                        return Ok(true);
                    }
                }
            }
        }
        Ok(match (&self.args.until, &self.values) {
            (Some(u), Some(vals)) => vals[0].as_ref() == Some(u),
            _ => false,
        })
    }

    /// What is missing, for the error when the wait ends first.
    fn unmet(&self) -> String {
        match (&self.args.until, self.args.count) {
            (Some(u), _) => format!(
                "{} never equalled {}",
                self.args.paths[0].display(),
                compact(u)
            ),
            (None, Some(n)) => format!("{} of --count {n} change(s) seen", self.changes),
            (None, None) => "no end condition".into(),
        }
    }
}

pub(crate) fn run(cfg: &Config, args: Args) -> Result<()> {
    let started = Instant::now();
    let opts = Options {
        actions: true,
        states: States::PerAction,
        ..Options::default()
    };
    let mut feed = Feed::open_selected(
        &cfg.feed,
        opts,
        feed::Selected {
            sel: args.sel.clone(),
            command: "watch",
            follows: feed::Follows::AcrossReloads,
            started,
        },
    )?;
    let mut w = Watch {
        args: &args,
        printer: view::printer(cfg.format(), Out::new(cfg.tty)),
        values: None,
        changes: 0,
    };
    // No state yet: ask for one (the first value is bounded by --timeout).
    if !feed.has_ready() {
        feed.request_update();
    }
    let first_deadline = started + cfg.feed.timeout;
    let end_deadline = if args.until.is_some() || args.count.is_some() {
        cfg.end_deadline(started)
    } else {
        None
    };
    loop {
        if !feed.has_ready() {
            w.printer.flush()?;
        }
        let until = match w.values {
            None if !feed.is_replay() => {
                Some(end_deadline.map_or(first_deadline, |d| d.min(first_deadline)))
            }
            _ => end_deadline,
        };
        let done = match feed.next(until)? {
            Item::Action(a) => match &a.state {
                Some(state) => {
                    let cause = a.action.type_name().unwrap_or_default();
                    w.state(&feed, &a.instance, a.ts, state, &cause)?
                }
                None => false,
            },
            Item::State { instance, t, state } => match state.value() {
                Some(value) => w.state(&feed, &instance, t, &value, state.kind())?,
                None => false,
            },
            Item::Switched => {
                // The new instance's values print again as `=` lines.
                w.values = None;
                false
            }
            Item::Gap(g) => {
                w.printer.flush()?;
                feed.say_gap(&g);
                false
            }
            Item::Instance { .. }
            | Item::Reloaded { .. }
            | Item::Link { .. }
            | Item::Received
            | Item::Reports { .. }
            | Item::ReportBody { .. } => false,
            Item::Timeout => {
                w.printer.flush()?;
                return Err(w.timed_out(&feed));
            }
            Item::End => {
                w.printer.flush()?;
                feed.summary();
                return w.ended(&feed);
            }
        };
        if done {
            w.printer.flush()?;
            feed.summary();
            return Ok(());
        }
    }
}

impl Watch<'_> {
    /// The followed instance's short name, for messages.
    fn who(feed: &Feed) -> String {
        let who = feed
            .followed()
            .map(|k| feed.short_name(k))
            .unwrap_or_default();
        sanitize(&who).into_owned()
    }

    /// `--timeout` passed: no first state, or a condition unmet (exit 4).
    fn timed_out(&self, feed: &Feed) -> Error {
        Error::Timeout(match self.values {
            None => format!("no state from {} within --timeout", Self::who(feed)),
            Some(_) => format!("{} within --timeout", self.unmet()),
        })
    }

    /// The recording ended, or the instance watched did (with no reload):
    /// no state is exit 4, an unmet --until/--count exit 1, else done.
    fn ended(&self, feed: &Feed) -> Result<()> {
        let who = Self::who(feed);
        let (what, in_what) = match feed.ended_with() {
            Some(_) => (format!("{who} ended"), "before it ended"),
            None => ("the recording ended".to_string(), "in the recording"),
        };
        let conditions = self.args.until.is_some() || self.args.count.is_some();
        match (&self.values, conditions) {
            (None, _) => Err(Error::Timeout(format!("no state for {who} {in_what}"))),
            (Some(_), true) => Err(Error::NotFound(format!(
                "{what} before {}",
                self.unmet().replace(" never equalled ", " equalled ")
            ))),
            (Some(_), false) => Ok(()),
        }
    }
}
