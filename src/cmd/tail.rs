//! `rdx tail`: one line per action as it arrives.

use std::collections::HashMap;
use std::time::Instant;

use regex_lite::Regex;
use serde_json::{Value, json};

use crate::cli::flags::FlagId;
use crate::cli::{self, Config, Parsed};
use crate::error::{Error, Result};
use crate::feed::{self, ActionItem, Feed, Gap, Item, Options, States};
use crate::model::registry::Status;
use crate::model::selection::Selection;
use crate::output::{Out, Palette, compact, json, sanitize, truncate, width};
use crate::query::diff;
use crate::time::{clock_ms, rfc3339_ms};

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
    cfg: &'a Config,
    args: &'a Args,
    out: Out,
    pal: Palette,
    width: Option<usize>,
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
        let inst = feed.registry.get(&a.instance);
        if self.cfg.json {
            let line = self
                .out
                .object()
                .str("type", Some("action"))?
                .str("ts", Some(&rfc3339_ms(a.ts)))?
                .str("instance", Some(&a.instance))?
                .str("app", inst.and_then(|i| i.app.as_deref()))?
                .str("label", inst.and_then(|i| i.label.as_deref()))?
                .field("action_id", &a.action_id)?
                .str("action_type", Some(&action_type))?
                .field("action", &a.action)?
                .str("via", Some(a.via.as_str()))?;
            match &changes {
                Some(ch) => {
                    let edits: Vec<Value> = ch.iter().map(diff::Edit::to_json).collect();
                    line.field("diff", &edits)?.end()?
                }
                None => line.end()?,
            }
        } else {
            let time = clock_ms(a.ts);
            let who = sanitize(&feed.short_name(&a.instance)).into_owned();
            let ty = sanitize(&action_type).into_owned();
            // The action without its type: colored like jq when it fits the
            // terminal whole, cut (plain) when it does not.
            let rest_value = match a.action.to_value().as_ref() {
                Value::Object(o) => {
                    let mut o = o.clone();
                    o.remove("type");
                    (!o.is_empty()).then_some(Value::Object(o))
                }
                Value::Null => None,
                other => Some(other.clone()),
            };
            let rest = rest_value
                .as_ref()
                .map(|v| sanitize(&compact(v)).into_owned())
                .unwrap_or_default();
            let used = width(&time) + width(&who) + width(&ty) + 6;
            let rest = match (self.width, &rest_value) {
                (Some(w), Some(_)) if width(&rest) > w.saturating_sub(used).max(10) => {
                    truncate(&rest, w.saturating_sub(used).max(10)).into_owned()
                }
                (_, Some(v)) => json::for_people(v, false, self.pal),
                (_, None) => rest,
            };
            let line = format!(
                "{}  {}  {}  {}",
                self.pal.dim(&time),
                self.pal.cyan(&who),
                self.pal.bold(&ty),
                rest
            );
            self.out.line(line.trim_end())?;
            for c in changes.as_deref().unwrap_or_default() {
                let text = match c {
                    diff::Edit::Added { path, new } => format!("    + {path}: {}", compact(new)),
                    diff::Edit::Removed { path, old } => {
                        format!("    - {path}: {}", compact(old))
                    }
                    diff::Edit::Changed { path, old, new } => {
                        format!("    ~ {path}: {} -> {}", compact(old), compact(new))
                    }
                };
                let text = sanitize(&text).into_owned();
                let text = match self.width {
                    Some(w) => truncate(&text, w).into_owned(),
                    None => text,
                };
                self.out.line(&self.pal.dim(&text))?;
            }
        }
        self.printed += 1;
        Ok(if self.args.count.is_some_and(|n| self.printed >= n) {
            Flow::Stop
        } else {
            Flow::Go
        })
    }

    fn gap(&mut self, feed: &Feed, g: &Gap) -> Result<()> {
        // The lines before the hole are out before stderr says it.
        self.out.flush()?;
        feed.say_gap(g);
        if self.cfg.json {
            let inst = feed.registry.get(&g.instance);
            self.out.json(&json!({
                "type": "gap",
                "ts": rfc3339_ms(g.t),
                "instance": g.instance,
                "app": inst.and_then(|i| i.app.clone()),
                "label": inst.and_then(|i| i.label.clone()),
                "from_id": g.from,
                "to_id": g.to,
                "lost": g.lost(),
            }))?;
        }
        Ok(())
    }
}

pub(crate) fn run(cfg: &Config, args: Args) -> Result<()> {
    let started = Instant::now();
    let setup = feed::spool_stdin(&cfg.feed)?;
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
            &setup,
            opts,
            feed::Selected {
                sel: args.sel.clone(),
                command: "tail",
                follows: feed::Follows::AcrossReloads,
                started,
            },
        )?
    } else {
        let mut f = Feed::open(&setup, opts, None)?;
        f.filter(args.sel.clone());
        f
    };
    let mut tail = Tail {
        cfg,
        args: &args,
        // Flushed whenever the feed has nothing more ready (below).
        out: Out::new(cfg.tty),
        pal: cfg.palette(),
        width: cfg.width,
        printed: 0,
        prev: HashMap::new(),
        prune_at: 32,
    };
    let deadline = args.count.and(cfg.end_deadline(started));
    loop {
        if !feed.has_ready() {
            tail.out.flush()?;
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
                tail.out.flush()?;
                return Err(Error::Timeout(format!(
                    "{} of --count {} action(s) printed within --timeout",
                    tail.printed,
                    args.count.unwrap_or_default()
                )));
            }
            Item::Instance { .. } | Item::Switched | Item::Received => {}
        }
    }
    tail.out.flush()?;
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
