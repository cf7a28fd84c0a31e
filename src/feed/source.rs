//! Where events come from: a live server (the transport thread) or a
//! recorded file (the replay thread). Both feed the same channel with the
//! same [`Event`]s; the main thread cannot tell them apart except by asking.
//! The main thread's side is the feed (`crate::feed`).

use std::fs::File;
use std::io::{self, BufReader};
use std::thread;
use std::time::Instant;

use std::cell::RefCell;
use std::collections::VecDeque;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use crate::cli::Config;
use crate::error::{Error, Result};
use crate::feed::event::{Event, EventTx};
use crate::feed::fixture::{self, Recorder};
use crate::link::transport::{self, Control, LiveOptions};

/// Batches in flight between the reader and the main thread: enough for
/// bursts, small enough that a replay racing ahead of a slow consumer holds
/// at most 64 × 256 events (a live frame is one batch).
const CHANNEL_CAPACITY: usize = 64;

pub struct Source {
    rx: Receiver<Vec<Event>>,
    /// The rest of the batch being handed out.
    queue: RefCell<VecDeque<Event>>,
    ctl: Option<Sender<Control>>,
}

/// The next thing from a source.
pub enum Next {
    Event(Event),
    /// The deadline passed first.
    Timeout,
}

impl Source {
    /// Open the source the config names: `--replay FILE` or the server.
    /// `record` overrides `--record` (for `rdx record FILE`).
    /// `needs` says whether the command reads app state (payloads).
    pub fn open(cfg: &Config, record: Option<Recorder>, needs: Needs) -> Result<Source> {
        let (tx, rx) = crossbeam_channel::bounded(CHANNEL_CAPACITY);
        let tx = EventTx(tx);
        let queue = RefCell::new(VecDeque::new());
        if let Some(path) = &cfg.replay {
            if cfg.record.is_some() {
                return Err(Error::usage(
                    "--record needs a live server; it cannot be combined with --replay",
                ));
            }
            spawn_replay(path.clone(), tx, needs.payloads)?;
            return Ok(Source {
                rx,
                queue,
                ctl: None,
            });
        }
        let record = match (record, &cfg.record) {
            (Some(r), _) => Some(r),
            (None, Some(path)) => Some(Recorder::create(path, true)?),
            (None, None) => None,
        };
        let opts = LiveOptions {
            url: cfg.url.clone(),
            login: cfg.login,
            timeout: cfg.timeout,
            reconnect: cfg.reconnect,
            record,
            payloads: needs.payloads,
        };
        let ctl = transport::spawn(opts, tx);
        Ok(Source {
            rx,
            queue,
            ctl: Some(ctl),
        })
    }

    pub fn is_replay(&self) -> bool {
        self.ctl.is_none()
    }

    /// Wait for the next event, until `deadline` if given.
    pub fn next(&self, deadline: Option<Instant>) -> Next {
        if let Some(ev) = self.queue.borrow_mut().pop_front() {
            return Next::Event(ev);
        }
        let got = match deadline {
            Some(d) => self.rx.recv_deadline(d),
            None => self.rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match got {
            Ok(batch) => {
                let mut q = self.queue.borrow_mut();
                q.extend(batch);
                match q.pop_front() {
                    Some(ev) => Next::Event(ev),
                    None => Next::Timeout,
                }
            }
            Err(RecvTimeoutError::Timeout) => Next::Timeout,
            // The producer ended without saying why: treat as the end of input.
            Err(RecvTimeoutError::Disconnected) => Next::Event(Event::End),
        }
    }

    /// Ask every app for a fresh STATE (live only).
    pub fn request_update(&self) {
        if let Some(ctl) = &self.ctl {
            let _ = ctl.send(Control::Update);
        }
    }
}

/// What a command needs from the messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    /// The app state (`payload`): `state`, `watch`, `tail --diff/--history`.
    pub payloads: bool,
}

impl Needs {
    pub const STATE: Needs = Needs { payloads: true };
    pub const NO_STATE: Needs = Needs { payloads: false };
}

/// Events per batch from a replay.
const REPLAY_BATCH: usize = 256;

fn spawn_replay(path: String, tx: EventTx, payloads: bool) -> Result<()> {
    let mut reader: Box<dyn io::BufRead + Send> = if path == "-" {
        Box::new(BufReader::with_capacity(1 << 20, io::stdin()))
    } else {
        let f = File::open(&path).map_err(|e| Error::Fixture {
            path: path.clone(),
            reason: format!("cannot open: {e}"),
        })?;
        if f.metadata().is_ok_and(|m| m.is_dir()) {
            return Err(Error::Fixture {
                path,
                reason: "is a directory".into(),
            });
        }
        Box::new(BufReader::with_capacity(1 << 20, f))
    };
    let name = if path == "-" {
        "<stdin>".to_string()
    } else {
        path
    };
    thread::Builder::new()
        .name("rdx-replay".into())
        .spawn(move || {
            let mut open = true;
            let mut batch = Vec::with_capacity(REPLAY_BATCH);
            let result = fixture::replay(&mut *reader, &name, payloads, &mut |ev| {
                batch.push(ev);
                if batch.len() >= REPLAY_BATCH && open {
                    open = tx.send_batch(std::mem::take(&mut batch)).is_ok();
                }
            });
            batch.push(match result {
                Ok(_) => Event::End,
                Err(e) => Event::Fatal(e),
            });
            let _ = tx.send_batch(batch);
        })
        .map_err(Error::Io)?;
    Ok(())
}
