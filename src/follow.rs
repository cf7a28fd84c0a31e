//! Shared by `tail`, `state` and `watch`: resolving the selection to one
//! instance (live: wait for a match, then settle; replay: a first pass over
//! the whole file, then play it again from the start), and naming instances
//! in stream lines.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::cli::Config;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::registry::Instance;
use crate::relay::Message;
use crate::select::{Resolution, Selection};
use crate::source::{Monitor, Needs, Next, Source};

/// After the first match, wait this long for a second one (SPEC: ~300 ms).
pub const SETTLE: Duration = Duration::from_millis(300);

/// An open source with the selection resolved to one instance.
pub struct Resolved {
    pub src: Source,
    pub mon: Monitor,
    pub key: String,
    /// Live: the newest state-carrying message of that instance seen while
    /// resolving (replay starts over, so it has none).
    pub pending: Option<(u64, Box<Message>)>,
}

/// Resolve `sel` to exactly one instance, or fail with the error SPEC.md
/// gives (exit 1, listing matches or naming what was seen).
pub fn resolve_one(
    cfg: &Config,
    sel: &Selection,
    command: &str,
    started: Instant,
    needs: Needs,
) -> Result<Resolved> {
    if cfg.replay.is_some() {
        let src = Source::open(cfg, None, Needs::NO_STATE)?;
        let mut mon = Monitor::new(cfg)?;
        drain(&src, &mut mon, |_| {})?;
        let key = match sel.resolve(&mon.registry) {
            Resolution::One(k) => k,
            other => return Err(sel.error(&other, &mon.registry, command)),
        };
        // Play the file again from the start, with a fresh registry.
        let src = Source::open(cfg, None, needs)?;
        return Ok(Resolved {
            src,
            mon: Monitor::new(cfg)?,
            key,
            pending: None,
        });
    }
    let src = Source::open(cfg, None, needs)?;
    let mut mon = Monitor::new(cfg)?;
    let deadline = started + cfg.timeout;
    let mut settle: Option<Instant> = None;
    let mut latest: HashMap<String, (u64, Box<Message>)> = HashMap::new();
    loop {
        let until = settle.map_or(deadline, |s| s.min(deadline));
        let ev = match src.next(Some(until)) {
            Next::Timeout => break,
            Next::Event(Event::Fatal(e)) => return Err(e),
            Next::Event(Event::End) => break,
            Next::Event(ev) => ev,
        };
        mon.observe(&ev)?;
        if let Event::Relay { t, msg } = ev
            && crate::appstate::carries_state(&msg.kind)
        {
            latest.insert(msg.key().to_string(), (t, msg));
        }
        if settle.is_none() && sel.resolve(&mon.registry) != Resolution::None {
            settle = Some(Instant::now() + SETTLE);
        }
    }
    match sel.resolve(&mon.registry) {
        Resolution::One(key) => {
            let pending = latest.remove(&key);
            Ok(Resolved {
                src,
                mon,
                key,
                pending,
            })
        }
        other => Err(sel.error(&other, &mon.registry, command)),
    }
}

/// Read a source to its end (replay) feeding `mon`; `each` sees every event.
pub fn drain(src: &Source, mon: &mut Monitor, mut each: impl FnMut(Event)) -> Result<()> {
    loop {
        match src.next(None) {
            Next::Timeout | Next::Event(Event::End) => return Ok(()),
            Next::Event(Event::Fatal(e)) => return Err(e),
            Next::Event(ev) => {
                mon.observe(&ev)?;
                each(ev);
            }
        }
    }
}

/// Who an instance is, briefly, for stream lines: its label, else
/// `app·shortid`, else the short id.
pub fn who(inst: Option<&Instance>, key: &str) -> String {
    let short: String = key.chars().take(7).collect();
    match inst {
        Some(Instance { label: Some(l), .. }) => l.clone(),
        Some(Instance { app: Some(a), .. }) => format!("{a}·{short}"),
        _ => short,
    }
}

/// `--replay -` read twice: spool stdin to a temporary file first.
pub fn spool_stdin(cfg: &Config) -> Result<(Config, Option<TempFile>)> {
    if cfg.replay.as_deref() != Some("-") {
        return Ok((cfg.clone(), None));
    }
    let path = std::env::temp_dir().join(format!("rdx-stdin-{}.jsonl", std::process::id()));
    let mut f = std::fs::File::create(&path).map_err(|e| Error::Fixture {
        path: path.display().to_string(),
        reason: format!("cannot spool stdin: {e}"),
    })?;
    std::io::copy(&mut std::io::stdin().lock(), &mut f).map_err(|e| Error::Fixture {
        path: "<stdin>".into(),
        reason: format!("read failed: {e}"),
    })?;
    let mut cfg = cfg.clone();
    cfg.replay = Some(path.display().to_string());
    Ok((cfg, Some(TempFile(path))))
}

/// Removed on drop.
pub struct TempFile(pub std::path::PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
