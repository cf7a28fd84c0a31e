//! `rdx watch PATH...`: values in one instance's state, and every change.

use std::time::Instant;

use serde_json::{Value, json};

use crate::appstate::snapshot;
use crate::cli::{Arg, Config, value_count, value_str};
use crate::cmd::state::parse_path;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::follow::{self, resolve_one, who};
use crate::output::{Out, compact, sanitize};
use crate::paths::{self, Path};
use crate::select::Selection;
use crate::source::{Needs, Next};
use crate::timefmt::{clock_ms, rfc3339_ms};

pub const USAGE: &str = concat!(
    "\
rdx watch - print values in an app's state and every change to them

Usage: rdx watch PATH... [FILTERS] [--instance ID|--instance-select SEL] [--until JSON] [--count N] [GLOBAL FLAGS]

Prints the value at each PATH now, then one line each time an action changes
one of them: the time, the path, old -> new, and the action that did it.
PATH: `.counter.value`, `todos[0].title`, `.[\"odd key\"]` or `/todos/0/title`.

Flags:
      --instance ID   the instance (needed when several apps are connected)
      --until JSON    exit 0 as soon as the first PATH equals this JSON value
                      (`--until 5`, `--until '\"done\"'`, `--until '{\"a\":1}'`)
  -n, --count N       exit 0 after N changes
      --json          a {\"type\":\"value\",\"ts\",\"instance\",\"path\",\"value\"} line per
                      PATH first, then {\"type\":\"change\",\"ts\",\"instance\",\"path\",
                      \"old\",\"new\",\"action_type\"} lines

Exit codes: 0 condition met (or --count reached, or the replay ended without
--until), 1 the replay ended before --until was met / no or several instances,
2 bad PATH or JSON, 4 --timeout passed before --until was met or before any
state arrived (counted from launch).

Examples:
  rdx watch .counter.value
  rdx watch .counter.value --until 5 --timeout 30s     # a CI gate
  rdx watch .todos .filter --instance 65ioovqadda --json
",
    crate::cmd::selection_help!()
);

#[derive(Debug, Default)]
pub struct Args {
    pub sel: Selection,
    pub paths: Vec<Path>,
    pub until: Option<Value>,
    pub count: Option<u64>,
}

impl Args {
    pub fn parse_arg(&mut self, arg: &Arg, p: &mut lexopt::Parser) -> Result<bool> {
        if self.sel.parse_arg(arg, p)? {
            return Ok(true);
        }
        match arg {
            Arg::Long(l) if l == "until" => {
                let text = value_str(p, "--until")?;
                let v = serde_json::from_str(&text).map_err(|e| {
                    Error::usage(format!(
                        "--until {text:?} is not a JSON value ({e}); quote strings: --until '\"done\"'"
                    ))
                })?;
                self.until = Some(v);
            }
            Arg::Short('n') => self.count = Some(value_count(p, "--count")?),
            Arg::Long(l) if l == "count" => self.count = Some(value_count(p, "--count")?),
            Arg::Value(v) => self.paths.push(parse_path(&v.to_string_lossy())?),
            _ => return Ok(false),
        }
        Ok(true)
    }

    pub fn finish(&self) -> Result<()> {
        if self.paths.is_empty() {
            return Err(Error::usage(
                "rdx watch needs at least one PATH (see `rdx watch --help`)",
            ));
        }
        Ok(())
    }
}

/// The value at a path, or None when the path does not exist (yet).
fn value_at(state: &Value, path: &Path) -> Option<Value> {
    paths::lookup(state, path).ok().cloned()
}

fn show(v: &Option<Value>) -> String {
    match v {
        Some(v) => sanitize(&compact(v)).into_owned(),
        None => "(missing)".into(),
    }
}

pub fn run(cfg: &Config, args: Args) -> Result<()> {
    let started = Instant::now();
    let (cfg, _spool) = follow::spool_stdin(cfg)?;
    let cfg = &cfg;
    let follow::Resolved {
        src,
        mut mon,
        key,
        pending,
    } = resolve_one(cfg, &args.sel, "watch", started, Needs::STATE)?;
    let pal = cfg.palette();
    let mut out = Out::new(true);
    let deadline = started + cfg.timeout;
    let mut values: Option<Vec<Option<Value>>> = None;
    let mut changes = 0u64;
    let mut pending = pending.map(|(t, m)| Event::Relay { t, msg: m });
    if pending.is_none() && !src.is_replay() {
        src.request_update();
    }
    loop {
        // Live: wait forever once values are known, unless --until bounds it.
        let wait = if values.is_none() || args.until.is_some() {
            Some(deadline)
        } else {
            None
        };
        let ev = match pending.take() {
            Some(ev) => ev,
            None => match src.next(if src.is_replay() { None } else { wait }) {
                Next::Timeout => {
                    return Err(Error::Timeout(match (&values, &args.until) {
                        (None, _) => format!("no state from instance {key} within --timeout"),
                        (Some(_), Some(u)) => format!(
                            "{} never equalled {} within --timeout",
                            args.paths[0].display(),
                            compact(u)
                        ),
                        (Some(_), None) => "watch ended".into(),
                    }));
                }
                Next::Event(Event::End) => {
                    out.flush()?;
                    mon.summary();
                    return match (&values, &args.until) {
                        (None, _) => Err(Error::Timeout(format!(
                            "no state for instance {key} in the recording"
                        ))),
                        (Some(_), Some(u)) => Err(Error::NotFound(format!(
                            "the recording ended before {} equalled {}",
                            args.paths[0].display(),
                            compact(u)
                        ))),
                        (Some(_), None) => Ok(()),
                    };
                }
                Next::Event(Event::Fatal(e)) => return Err(e),
                Next::Event(ev) => ev,
            },
        };
        mon.observe(&ev)?;
        let Event::Relay { t, msg } = ev else {
            continue;
        };
        if msg.key() != key {
            continue;
        }
        let Some(snap) = snapshot(&msg) else { continue };
        let Some(state) = snap.state else { continue };
        let new: Vec<Option<Value>> = args.paths.iter().map(|p| value_at(&state, p)).collect();
        let action_type = snap
            .action_type
            .unwrap_or_else(|| msg.kind.as_str().to_string());
        match &mut values {
            None => {
                for (p, v) in args.paths.iter().zip(&new) {
                    if cfg.json {
                        out.json(
                            &json!({"type": "value", "ts": rfc3339_ms(t), "instance": key,
                            "path": p.display(), "value": v}),
                        )?;
                    } else {
                        out.line(&format!(
                            "{}  {}  {} = {}",
                            pal.dim(&clock_ms(t)),
                            pal.cyan(&sanitize(&who(mon.registry.get(&key), &key))),
                            pal.bold(&p.display()),
                            show(v)
                        ))?;
                    }
                }
                values = Some(new);
            }
            Some(old) => {
                for (i, p) in args.paths.iter().enumerate() {
                    if old[i] == new[i] {
                        continue;
                    }
                    changes += 1;
                    if cfg.json {
                        out.json(&json!({"type": "change", "ts": rfc3339_ms(t), "instance": key,
                            "path": p.display(), "old": old[i], "new": new[i], "action_type": action_type}))?;
                    } else {
                        out.line(&format!(
                            "{}  {}  {}: {} -> {}  {}",
                            pal.dim(&clock_ms(t)),
                            pal.cyan(&sanitize(&who(mon.registry.get(&key), &key))),
                            pal.bold(&p.display()),
                            show(&old[i]),
                            show(&new[i]),
                            pal.dim(&format!("({})", sanitize(&action_type)))
                        ))?;
                    }
                    old[i] = new[i].clone();
                    if args.count.is_some_and(|n| changes >= n) {
                        out.flush()?;
                        return Ok(());
                    }
                }
            }
        }
        if let (Some(u), Some(vals)) = (&args.until, &values)
            && vals[0].as_ref() == Some(u)
        {
            out.flush()?;
            mon.summary();
            return Ok(());
        }
    }
}
