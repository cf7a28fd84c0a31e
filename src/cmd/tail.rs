//! `rdx tail`: one line per action as it arrives.

use std::collections::HashMap;
use std::time::Instant;

use regex_lite::Regex;
use serde_json::Value;

use crate::cli::flags::FlagId;
use crate::cli::{self, Config, Parsed};
use crate::error::{Error, Result};
use crate::feed::{self, ActionItem, Feed, Gap, Item, Options, States};
use crate::model::registry::Status;
use crate::model::selection::Selection;
use crate::output::{Out, sanitize};
use crate::query::diff;
use crate::view::{self, Printer, Record, Who};

/// What `rdx tail` does (its flags are listed from the flag table).
pub(crate) const ABOUT: &str = "\
rdx tail - print each action as it arrives

Usage: rdx tail [FILTERS] [--instance ID|--instance-select SEL] [--type RE] [-v] [--count N] [--diff] [--history] [GLOBAL FLAGS]

One line per action, from every instance (or the one a selector picks): when
the app dispatched it, who (its label, or app name and short id), the action
type, and the action's payload. Every action is printed once, in order per
instance, also the ones that reached rdx only inside a STATE (a page's
load-time actions, actions from while a link was down); actions the app no
longer holds are reported on stderr as lost. With a selector, rdx follows the
app across reloads. Live it runs until interrupted (or --count, bounded by an
explicit --timeout: exit 4); with --replay it ends at the end of the file.
";

/// After the flags: output, exit codes, examples.
pub(crate) const MORE: &str = "\
With --json: one {\"type\":\"action\",\"ts\",\"instance\",\"app\",\"label\",\"action_id\",
\"action_type\",\"action\",\"via\"} object per line (with --diff: a \"diff\" array of
{op,path,old,new}); lost actions as {\"type\":\"gap\",...,\"from_id\",\"to_id\",\"lost\"}.

Examples:
  rdx tail
  rdx tail --type '^todos/' --diff
  rdx tail --instance 65ioovqadda --json | jq .action_type
  rdx tail --history --app shop                    # also what it did before rdx
  rdx tail --count 1 --type '^checkout/done$' --timeout 60s   # wait for one action
";

#[derive(Debug, Default)]
pub(crate) struct Args {
    pub(crate) sel: Selection,
    pub(crate) type_re: Option<Regex>,
    pub(crate) invert: bool,
    pub(crate) count: Option<u64>,
    pub(crate) diff: bool,
    pub(crate) history: bool,
}

/// Read `rdx tail`'s flags.
pub(crate) fn args(p: &Parsed) -> Result<Args> {
    cli::no_more_words(p, 0)?;
    Ok(Args {
        sel: cli::selection(p)?,
        type_re: cli::opt(p, FlagId::Type, cli::regex)?,
        invert: p.flag(FlagId::Invert),
        count: cli::opt(p, FlagId::Count, cli::count)?,
        diff: p.flag(FlagId::Diff),
        history: p.flag(FlagId::History),
    })
}

struct Tail<'a> {
    args: &'a Args,
    printer: Box<dyn Printer>,
    printed: u64,
    /// Per instance: the previous state, for --diff.
    prev: HashMap<String, Value>,
    /// `prev` is pruned of gone instances when it grows past this.
    prune_at: usize,
}

/// Done after this line?
enum Flow {
    Go,
    Stop,
}

impl Tail<'_> {
    fn keeps(&self, action_type: &str) -> bool {
        match &self.args.type_re {
            Some(re) => re.is_match(action_type) != self.args.invert,
            None => true,
        }
    }

    fn action(&mut self, feed: &Feed, a: ActionItem) -> Result<Flow> {
        let changes = match (self.args.diff, a.state) {
            (true, Some(new)) => {
                let ch = self
                    .prev
                    .get(&a.instance)
                    .map(|old| diff::diff(old, &new, 200));
                self.prev.insert(a.instance.clone(), new);
                // Apps that reload all day: the last state of a gone instance
                // is let go (looked at when the map has doubled, so the cost
                // stays amortized). One that comes back starts a new diff.
                if self.prev.len() > self.prune_at {
                    self.prev.retain(|k, _| {
                        feed.registry
                            .get(k)
                            .is_some_and(|i| i.status != Status::Gone)
                    });
                    self.prune_at = 2 * self.prev.len().max(16);
                }
                ch
            }
            _ => None,
        };
        let action_type = a.action.type_name().unwrap_or_default();
        if !self.keeps(&action_type) {
            return Ok(Flow::Go);
        }
        self.printer.print(&Record::Action {
            who: Who::of(&feed.registry, &a.instance),
            ts: a.ts,
            id: a.action_id,
            ty: &action_type,
            action: &a.action,
            via: a.via,
            diff: changes.as_deref(),
        })?;
        self.printed += 1;
        Ok(if self.args.count.is_some_and(|n| self.printed >= n) {
            Flow::Stop
        } else {
            Flow::Go
        })
    }

    fn gap(&mut self, feed: &Feed, g: &Gap) -> Result<()> {
        // The lines before the hole are out before stderr says it.
        self.printer.flush()?;
        feed.say_gap(g);
        self.printer.print(&Record::Gap {
            who: Who::of(&feed.registry, &g.instance),
            gap: g,
        })?;
        Ok(())
    }
}

pub(crate) fn run(cfg: &Config, args: Args) -> Result<()> {
    let started = Instant::now();
    let opts = Options {
        actions: true,
        states: if args.diff {
            States::PerAction
        } else {
            States::None
        },
        history: args.history,
        ..Options::default()
    };
    // With a selector, follow the one instance it picks (across reloads);
    // without, every instance the filters admit.
    let mut feed = if args.sel.has_selector() {
        Feed::open_selected(
            &cfg.feed,
            opts,
            feed::Selected {
                sel: args.sel.clone(),
                command: "tail",
                follows: feed::Follows::AcrossReloads,
                started,
            },
        )?
    } else {
        let mut f = Feed::open(&cfg.feed, opts, None)?;
        f.filter(args.sel.clone());
        f
    };
    let mut tail = Tail {
        args: &args,
        // Flushed whenever the feed has nothing more ready (below).
        printer: view::printer(cfg.format(), Out::new(cfg.tty)),
        printed: 0,
        prev: HashMap::new(),
        prune_at: 32,
    };
    let deadline = args.count.and(cfg.end_deadline(started));
    loop {
        if !feed.has_ready() {
            tail.printer.flush()?;
        }
        match feed.next(deadline)? {
            Item::Action(a) => {
                if let Flow::Stop = tail.action(&feed, a)? {
                    break;
                }
            }
            Item::Gap(g) => tail.gap(&feed, &g)?,
            Item::State {
                instance, state, ..
            } => {
                if args.diff
                    && let Some(state) = state.value()
                {
                    tail.prev.insert(instance, state);
                }
            }
            Item::End => break,
            Item::Timeout => {
                tail.printer.flush()?;
                return Err(Error::Timeout(format!(
                    "{} of --count {} action(s) printed within --timeout",
                    tail.printed,
                    args.count.unwrap_or_default()
                )));
            }
            Item::Instance { .. }
            | Item::Switched
            | Item::Reloaded { .. }
            | Item::Link { .. }
            | Item::Received
            | Item::Reports { .. }
            | Item::ReportBody { .. } => {}
        }
    }
    tail.printer.flush()?;
    feed.summary();
    // The stream ended (the recording, or the instance it followed): an
    // unmet --count is exit 1; anything else ends normally.
    let ended = match feed.ended_with() {
        Some(k) => Some(sanitize(&feed.short_name(k)).into_owned()),
        None => feed.is_replay().then(|| "the recording".to_string()),
    };
    if let (Some(n), Some(what)) = (args.count, ended)
        && tail.printed < n
    {
        return Err(Error::NotFound(format!(
            "{what} ended after {} of --count {n} action(s)",
            tail.printed
        )));
    }
    Ok(())
}
