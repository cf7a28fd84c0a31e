//! `rdx state`: the current state of exactly one instance.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::Instant;

use serde_json::{Value, json};

use crate::appstate::{carries_state, snapshot, value_at_path_raw};
use crate::cli::{Arg, Config, value_str};
use crate::error::{Error, Result};
use crate::event::Event;
use crate::follow::{self, drain, resolve_one};
use crate::output::Out;
use crate::paths::{self, Path};
use crate::relay::Message;
use crate::select::{Resolution, Selection};
use crate::source::{Monitor, Needs, Next, Source};
use crate::timefmt::rfc3339_ms;

pub const USAGE: &str = concat!(
    "\
rdx state - print the current state of one app instance

Usage: rdx state [FILTERS] [--instance ID|--instance-select SEL] [--path PATH] [GLOBAL FLAGS]

Finds the instance (it must be exactly one: pick it with --instance when
several apps are connected), and prints its current state: the state after
the newest ACTION, or the newest STATE. If none has arrived yet, rdx asks
every app for one (UPDATE) and waits up to --timeout.

Output is the JSON document itself: pretty on a terminal, compact when piped
(so `rdx state | jq` works). With --json it is wrapped in one line:
{\"type\":\"state\",\"ts\",\"instance\",\"app\",\"label\",\"path\",\"state\"}.

Flags:
      --instance ID   the instance (see `rdx sessions`)
  -p, --path PATH     print only the value at PATH: `.todos[0].title`,
                      `todos[0].title`, `.[\"odd key\"]` or `/todos/0/title`

Exit codes: 1 no instance / several instances / PATH missing, 2 bad PATH,
4 no state arrived within --timeout.

Examples:
  rdx state --instance 65ioovqadda
  rdx state --path .counter.value
  rdx --replay fixtures/two-apps.jsonl state --instance 65ioovqadda --path .todos[0]
",
    crate::cmd::selection_help!()
);

#[derive(Debug, Default)]
pub struct Args {
    pub sel: Selection,
    pub path: Option<Path>,
}

impl Args {
    pub fn parse_arg(&mut self, arg: &Arg, p: &mut lexopt::Parser) -> Result<bool> {
        if self.sel.parse_arg(arg, p)? {
            return Ok(true);
        }
        match arg {
            Arg::Short('p') => self.path = Some(parse_path(&value_str(p, "--path")?)?),
            Arg::Long(l) if l == "path" => self.path = Some(parse_path(&value_str(p, "--path")?)?),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

pub fn parse_path(text: &str) -> Result<Path> {
    paths::parse(text).map_err(|e| Error::Usage(e.to_string()))
}

/// The value at `path`, or the exit-1 error that says what does exist.
pub fn lookup<'a>(state: &'a Value, path: &Path) -> Result<&'a Value> {
    paths::lookup(state, path).map_err(|m| {
        Error::NotFound(format!(
            "path {} not found: {} exists, {} does not ({})",
            path.display(),
            m.found,
            m.missing_at,
            m.reason
        ))
    })
}

pub fn run(cfg: &Config, args: Args) -> Result<()> {
    let started = Instant::now();
    let (msg, t, key, mon) = if cfg.replay.is_some() {
        from_replay(cfg, &args.sel)?
    } else {
        from_live(cfg, &args.sel, started)?
    };
    let inst = mon.registry.get(&key);
    // With a path, walk the raw text first: a big state never becomes a tree.
    let quick = args.path.as_ref().and_then(|p| value_at_path_raw(&msg, p));
    let full;
    let value = match (quick.as_ref(), &args.path) {
        (Some(v), _) => v,
        (None, path) => {
            full = snapshot(&msg).and_then(|s| s.state).ok_or_else(|| {
                Error::Timeout(format!("the state of instance {key} could not be read"))
            })?;
            match path {
                Some(p) => lookup(&full, p)?,
                None => &full,
            }
        }
    };
    let mut out = Out::new(false);
    if cfg.json {
        out.json(&json!({
            "type": "state",
            "ts": rfc3339_ms(t),
            "instance": key,
            "app": inst.and_then(|i| i.app.clone()),
            "label": inst.and_then(|i| i.label.clone()),
            "path": args.path.as_ref().map(Path::display),
            "state": value,
        }))?;
    } else if std::io::stdout().is_terminal() {
        out.line(&serde_json::to_string_pretty(value).unwrap_or_default())?;
    } else {
        out.json(value)?;
    }
    out.flush()?;
    mon.summary();
    Ok(())
}

/// Replay: play the whole file, then take the selected instance's last state.
fn from_replay(cfg: &Config, sel: &Selection) -> Result<(Box<Message>, u64, String, Monitor)> {
    let src = Source::open(cfg, None, Needs::STATE)?;
    let mut mon = Monitor::new(cfg)?;
    let mut latest: HashMap<String, (u64, Box<Message>)> = HashMap::new();
    drain(&src, &mut mon, |ev| {
        if let Event::Relay { t, msg } = ev
            && carries_state(&msg.kind)
        {
            latest.insert(msg.key().to_string(), (t, msg));
        }
    })?;
    let key = match sel.resolve(&mon.registry) {
        Resolution::One(k) => k,
        other => return Err(sel.error(&other, &mon.registry, "state")),
    };
    // The newest message that carries the state.
    match latest.remove(&key) {
        Some((t, m)) => Ok((m, t, key, mon)),
        None => Err(Error::Timeout(format!(
            "no state for instance {key} in the recording"
        ))),
    }
}

fn from_live(
    cfg: &Config,
    sel: &Selection,
    started: Instant,
) -> Result<(Box<Message>, u64, String, Monitor)> {
    let follow::Resolved {
        src,
        mut mon,
        key,
        pending,
    } = resolve_one(cfg, sel, "state", started, Needs::STATE)?;
    if let Some((t, msg)) = pending
        && msg.payload.is_some()
    {
        return Ok((msg, t, key, mon));
    }
    src.request_update();
    let deadline = started + cfg.timeout;
    loop {
        let ev = match src.next(Some(deadline)) {
            Next::Timeout | Next::Event(Event::End) => {
                return Err(Error::Timeout(format!(
                    "no state from instance {key} within --timeout {}",
                    crate::timefmt::age(cfg.timeout.as_millis() as u64)
                )));
            }
            Next::Event(Event::Fatal(e)) => return Err(e),
            Next::Event(ev) => ev,
        };
        mon.observe(&ev)?;
        if let Event::Relay { t, msg } = ev
            && msg.key() == key
            && carries_state(&msg.kind)
            && msg.payload.is_some()
        {
            return Ok((msg, t, key, mon));
        }
    }
}
