//! `rdx tail`: one line per action as it arrives.

use std::collections::HashMap;
use std::time::Instant;

use regex_lite::Regex;
use serde_json::{Value, json};

use crate::appstate::snapshot;
use crate::cli::{Arg, Config, value_count, value_str};
use crate::diff;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::follow::{self, resolve_one, who};
use crate::output::{Out, Palette, compact, sanitize, terminal_width, truncate, width};
use crate::relay::{Kind, Message, action_type_of};
use crate::select::Selection;
use crate::source::{Monitor, Needs, Next, Source};
use crate::timefmt::{clock_ms, rfc3339_ms};

pub const USAGE: &str = concat!(
    "\
rdx tail - print each action as it arrives

Usage: rdx tail [FILTERS] [--instance ID|--instance-select SEL] [--type RE] [-v] [--count N] [--diff] [--history] [GLOBAL FLAGS]

One line per action, from every instance (or the one --instance names): the
time, who (app name and short id, or its label), the action type, and the
action's payload. Live it runs until interrupted; with --replay it ends at the
end of the file.

Flags:
      --instance ID   follow only this instance
  -t, --type RE       keep actions whose type matches the regex RE
  -v, --invert        drop the actions --type matches instead (like grep -v)
  -n, --count N       exit 0 after N printed actions
  -d, --diff          also print what changed in the state with each action
      --history       also print the actions inside the STATEs apps send when
                      rdx starts (in order, once each)
      --json          one {\"type\":\"action\",\"ts\",\"instance\",\"app\",\"label\",
                      \"action_id\",\"action_type\",\"action\"} object per line
                      (with --diff: a \"diff\" array of {op,path,old,new})

Examples:
  rdx tail
  rdx tail --type '^todos/' --diff
  rdx tail --instance 65ioovqadda --json | jq .action_type
  rdx tail --count 1 --type '^checkout/done$'       # wait for one action, then exit
",
    crate::cmd::selection_help!()
);

#[derive(Debug, Default)]
pub struct Args {
    pub sel: Selection,
    pub type_re: Option<Regex>,
    pub invert: bool,
    pub count: Option<u64>,
    pub diff: bool,
    pub history: bool,
}

impl Args {
    pub fn parse_arg(&mut self, arg: &Arg, p: &mut lexopt::Parser) -> Result<bool> {
        if self.sel.parse_arg(arg, p)? {
            return Ok(true);
        }
        let long = |name: &str| matches!(arg, Arg::Long(l) if l == name);
        if matches!(arg, Arg::Short('t')) || long("type") {
            let re = value_str(p, "--type")?;
            self.type_re = Some(
                Regex::new(&re)
                    .map_err(|e| Error::usage(format!("--type {re:?}: invalid regex: {e}")))?,
            );
        } else if matches!(arg, Arg::Short('v')) || long("invert") {
            self.invert = true;
        } else if matches!(arg, Arg::Short('n')) || long("count") {
            self.count = Some(value_count(p, "--count")?);
        } else if matches!(arg, Arg::Short('d')) || long("diff") {
            self.diff = true;
        } else if long("history") {
            self.history = true;
        } else {
            return Ok(false);
        }
        Ok(true)
    }
}

struct Tail<'a> {
    cfg: &'a Config,
    args: &'a Args,
    out: Out,
    pal: Palette,
    width: Option<usize>,
    printed: u64,
    /// Per instance: the newest action id printed (so history prints once).
    last_id: HashMap<String, i64>,
    /// Per instance: the previous state, for --diff.
    prev: HashMap<String, Value>,
}

/// Done after this action?
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

    fn handle(&mut self, mon: &Monitor, t: u64, msg: &Message) -> Result<Flow> {
        let key = msg.key();
        match msg.kind {
            Kind::Action => {
                let action = msg.decoded_action().unwrap_or(&Value::Null);
                let action_id = msg.next_action_id.map(|n| n - 1);
                let changes = if self.args.diff {
                    let new = msg.decoded_payload();
                    let ch = match (self.prev.get(key), &new) {
                        (Some(old), Some(new)) => Some(diff::diff(old, new, 200)),
                        _ => None,
                    };
                    if let Some(new) = new {
                        self.prev.insert(key.to_string(), new);
                    }
                    ch
                } else {
                    None
                };
                if let Some(id) = action_id {
                    let last = self.last_id.entry(key.to_string()).or_insert(id);
                    *last = (*last).max(id);
                }
                self.print(mon, t, key, action_id, action, changes.as_deref())
            }
            Kind::State | Kind::Lifted if self.args.diff || self.args.history => {
                let Some(snap) = snapshot(msg) else {
                    return Ok(Flow::Go);
                };
                if self.args.history {
                    let after = self.last_id.get(key).copied().unwrap_or(i64::MIN);
                    for (id, action) in &snap.history {
                        if *id > after {
                            self.last_id.insert(key.to_string(), *id);
                            if let Flow::Stop = self.print(mon, t, key, Some(*id), action, None)? {
                                return Ok(Flow::Stop);
                            }
                        }
                    }
                }
                if let Some(state) = snap.state {
                    self.prev.insert(key.to_string(), state);
                }
                Ok(Flow::Go)
            }
            _ => Ok(Flow::Go),
        }
    }

    fn print(
        &mut self,
        mon: &Monitor,
        t: u64,
        key: &str,
        action_id: Option<i64>,
        action: &Value,
        changes: Option<&[diff::Change]>,
    ) -> Result<Flow> {
        let action_type = action_type_of(action).unwrap_or_default();
        if !self.keeps(&action_type) {
            return Ok(Flow::Go);
        }
        let inst = mon.registry.get(key);
        if self.cfg.json {
            let mut line = json!({
                "type": "action",
                "ts": rfc3339_ms(t),
                "instance": key,
                "app": inst.and_then(|i| i.app.clone()),
                "label": inst.and_then(|i| i.label.clone()),
                "action_id": action_id,
                "action_type": action_type,
                "action": action,
            });
            if let Some(ch) = changes {
                line["diff"] = Value::Array(ch.iter().map(diff::Change::to_json).collect());
            }
            self.out.json(&line)?;
        } else {
            let time = clock_ms(t);
            let who = sanitize(&who(inst, key)).into_owned();
            let ty = sanitize(&action_type).into_owned();
            let rest = match action {
                Value::Object(o) => {
                    let mut o = o.clone();
                    o.remove("type");
                    if o.is_empty() {
                        String::new()
                    } else {
                        sanitize(&compact(&Value::Object(o))).into_owned()
                    }
                }
                Value::Null => String::new(),
                other => sanitize(&compact(other)).into_owned(),
            };
            let used = width(&time) + width(&who) + width(&ty) + 6;
            let rest = match self.width {
                Some(w) if !rest.is_empty() => {
                    truncate(&rest, w.saturating_sub(used).max(10)).into_owned()
                }
                _ => rest,
            };
            let line = format!(
                "{}  {}  {}  {}",
                self.pal.dim(&time),
                self.pal.cyan(&who),
                self.pal.bold(&ty),
                rest
            );
            self.out.line(line.trim_end())?;
            for c in changes.unwrap_or_default() {
                let text = match c {
                    diff::Change::Added { path, new } => format!("    + {path}: {}", compact(new)),
                    diff::Change::Removed { path, old } => {
                        format!("    - {path}: {}", compact(old))
                    }
                    diff::Change::Changed { path, old, new } => {
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
}

pub fn run(cfg: &Config, args: Args) -> Result<()> {
    let started = Instant::now();
    let (cfg, _spool) = follow::spool_stdin(cfg)?;
    let cfg = &cfg;
    // With a selector, resolve it first; without, follow everything admitted.
    let needs = Needs {
        payloads: args.diff || args.history,
    };
    let (src, mut mon, only, pending) = if args.sel.has_selector() {
        let r = resolve_one(cfg, &args.sel, "tail", started, needs)?;
        (r.src, r.mon, Some(r.key), r.pending)
    } else {
        (
            Source::open(cfg, None, needs)?,
            Monitor::new(cfg)?,
            None,
            None,
        )
    };
    let mut tail = Tail {
        cfg,
        args: &args,
        out: Out::new(true),
        pal: cfg.palette(),
        width: terminal_width(),
        printed: 0,
        last_id: HashMap::new(),
        prev: HashMap::new(),
    };
    let mut pending = pending.map(|(t, m)| Event::Relay { t, msg: m });
    loop {
        let ev = match pending.take() {
            Some(ev) => ev,
            None => match src.next(None) {
                Next::Timeout | Next::Event(Event::End) => break,
                Next::Event(Event::Fatal(e)) => return Err(e),
                Next::Event(ev) => ev,
            },
        };
        mon.observe(&ev)?;
        let Event::Relay { t, msg } = &ev else {
            continue;
        };
        let admitted = match &only {
            Some(k) => msg.key() == k,
            None => mon
                .registry
                .get(msg.key())
                .is_some_and(|i| args.sel.admits(i)),
        };
        if admitted && let Flow::Stop = tail.handle(&mon, *t, msg)? {
            break;
        }
    }
    tail.out.flush()?;
    mon.summary();
    Ok(())
}
