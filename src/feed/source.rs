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

use crate::error::{Error, Result};
use crate::feed::Setup;
use crate::feed::event::{self, Event, EventTx};
use crate::feed::recording::Recorder;
use crate::link::session::Want;
use crate::link::tls;
use crate::link::transport::{self, Connected, Control, Gone, LiveOptions, Upstream};
use crate::link::url::Relay;
use crate::link::wire::Packet;
use crate::relay::message::Kind;

/// Batches in flight between the reader and the main thread: enough for
/// bursts, small enough that a replay racing ahead of a slow consumer holds
/// at most 64 × 256 events (a live frame is one batch).
const CHANNEL_CAPACITY: usize = 64;

pub(crate) struct Source {
    rx: Receiver<Vec<Event>>,
    /// The rest of the batch being handed out.
    queue: RefCell<VecDeque<Event>>,
    ctl: Option<Sender<Control>>,
}

/// The next thing from a source.
pub(crate) enum Next {
    Event(Event),
    /// The deadline passed first.
    Timeout,
}

impl Source {
    /// Open the source the config names: `--replay FILE` or the server.
    /// `record` overrides `--record` (for `rdx record FILE`).
    /// `payloads`: keep the app state ACTIONs carry (STATEs always keep theirs).
    pub(crate) fn open(cfg: &Setup, record: Option<Recorder>, payloads: bool) -> Result<Source> {
        let (tx, rx) = crossbeam_channel::bounded(CHANNEL_CAPACITY);
        let tx = EventTx(tx);
        let queue = RefCell::new(VecDeque::new());
        if let Some(id) = &cfg.report {
            if cfg.replay.is_some() || cfg.record.is_some() || record.is_some() {
                return Err(Error::usage(
                    "--report reads a stored report; it cannot be combined with --replay or --record",
                ));
            }
            let opts = live_options(
                cfg,
                Want {
                    log: false,
                    reports: false,
                },
            )?;
            spawn_report(id.clone(), opts, tx, payloads)?;
            return Ok(Source {
                rx,
                queue,
                ctl: None,
            });
        }
        if let Some(path) = &cfg.replay {
            if cfg.record.is_some() {
                return Err(Error::usage(
                    "--record needs a live server; it cannot be combined with --replay",
                ));
            }
            spawn_replay(path.clone(), cfg.spool.as_ref(), tx, payloads)?;
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
        let opts = live_options(cfg, cfg.want)?;
        let up = Live {
            tx,
            record,
            payloads,
            relay: cfg.url.relay,
            batch: Vec::new(),
        };
        let ctl = transport::spawn(opts, up);
        Ok(Source {
            rx,
            queue,
            ctl: Some(ctl),
        })
    }

    pub(crate) fn is_replay(&self) -> bool {
        self.ctl.is_none()
    }

    /// Wait for the next event, until `deadline` if given.
    pub(crate) fn next(&self, deadline: Option<Instant>) -> Next {
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

    /// Whether an event is here already: the next [`Source::next`] will not wait.
    pub(crate) fn has_buffered(&self) -> bool {
        !self.queue.borrow().is_empty() || !self.rx.is_empty()
    }

    /// The channel events arrive on, and whether some are queued already:
    /// for a caller that waits on it and on another channel at once.
    pub(crate) fn waitable(&self) -> (&Receiver<Vec<Event>>, bool) {
        (&self.rx, !self.queue.borrow().is_empty())
    }

    /// Ask the server for a stored report (live only); the reply comes as
    /// [`Event::ReportBody`].
    pub(crate) fn get_report(&self, id: &str) {
        if let Some(ctl) = &self.ctl {
            let _ = ctl.send(Control::GetReport(id.to_string()));
        }
    }

    /// Ask every app for a fresh STATE (live only).
    pub(crate) fn request_update(&self) {
        if let Some(ctl) = &self.ctl {
            let _ = ctl.send(Control::Update);
        }
    }
}

/// How to reach the server the config names, subscribed to `want`.
fn live_options(cfg: &Setup, want: Want) -> Result<LiveOptions> {
    let tls = match cfg.url.tls {
        true => {
            if cfg.trust.insecure {
                eprintln!(
                    "rdx: warning: --insecure: the certificate of {} is not checked; anyone on the way can read and change this traffic",
                    cfg.url.host
                );
            }
            Some(
                tls::client_config(&cfg.trust).map_err(|reason| Error::Connect {
                    url: cfg.url.to_string(),
                    reason,
                })?,
            )
        }
        false => None,
    };
    Ok(LiveOptions {
        tls,
        url: cfg.url.clone(),
        login: cfg.login,
        want,
        timeout: cfg.timeout,
        reconnect: cfg.reconnect,
    })
}

/// Events per batch from a replay.
const REPLAY_BATCH: usize = 256;

/// What `produce` emits goes to the main thread in batches of
/// [`REPLAY_BATCH`], then the end (or why it failed). A main thread that
/// is gone stops the sending, not the producing (it ends soon after).
fn send_batched(tx: &EventTx, produce: impl FnOnce(&mut dyn FnMut(Event)) -> Result<()>) {
    let mut batch = Vec::with_capacity(REPLAY_BATCH);
    let mut open = true;
    let result = produce(&mut |ev| {
        batch.push(ev);
        if batch.len() >= REPLAY_BATCH && open {
            open = tx.send_batch(std::mem::take(&mut batch)).is_ok();
        }
    });
    batch.push(match result {
        Ok(()) => Event::End,
        Err(e) => Event::Fatal(e),
    });
    let _ = tx.send_batch(batch);
}

/// `--report ID`: ask the server for the report (bounded by `--timeout`,
/// counted from launch: a server whose report database failed never
/// answers), then replay its history as a recording of one frame.
fn spawn_report(id: String, opts: LiveOptions, tx: EventTx, payloads: bool) -> Result<()> {
    let deadline = Instant::now() + opts.timeout;
    let url = opts.url.to_string();
    let timeout = opts.timeout;
    let relay = opts.url.relay;
    if relay == Relay::Expo {
        return Err(Error::usage(
            "--report needs a Redux DevTools server: the Expo dev server stores no reports",
        ));
    }
    thread::Builder::new()
        .name("rdx-report".into())
        .spawn(move || {
            let (itx, irx) = crossbeam_channel::bounded(CHANNEL_CAPACITY);
            let up = Live {
                tx: EventTx(itx),
                record: None,
                payloads,
                relay,
                batch: Vec::new(),
            };
            let ctl = transport::spawn(opts, up);
            let mut connected = false;
            let reply = loop {
                // Not connected yet at the deadline: the transport says why
                // (refused, no such host) as it gives up, a moment later.
                let wait = if connected {
                    deadline
                } else {
                    deadline + std::time::Duration::from_secs(1)
                };
                let batch = match irx.recv_deadline(wait) {
                    Ok(b) => b,
                    Err(RecvTimeoutError::Timeout) if !connected => {
                        break Err(Error::Connect {
                            url: url.clone(),
                            reason: format!(
                                "not connected within --timeout {}",
                                crate::time::age(timeout.as_millis() as u64)
                            ),
                        });
                    }
                    Err(RecvTimeoutError::Timeout) => {
                        break Err(Error::Timeout(format!(
                            "{url} did not answer getReport {} within --timeout {} (a server \
                             whose report database failed never answers)",
                            crate::output::sanitize(&id),
                            crate::time::age(timeout.as_millis() as u64)
                        )));
                    }
                    Err(RecvTimeoutError::Disconnected) => return,
                };
                let mut got = None;
                for ev in batch {
                    match ev {
                        // (Again after a reconnect: the question was lost with the link.)
                        Event::Connected { .. } => {
                            connected = true;
                            let _ = ctl.send(Control::GetReport(id.clone()));
                        }
                        Event::ReportBody { t, data, error, .. } => {
                            got.get_or_insert(Ok((t, data, error)));
                        }
                        // Could not connect, or the link failed for good.
                        Event::Fatal(e) => {
                            got.get_or_insert(Err(e));
                        }
                        _ => {}
                    }
                }
                if let Some(g) = got {
                    break g;
                }
            };
            drop(ctl);
            send_batched(&tx, |emit| {
                let (t, data, error) = reply?;
                report_events(&id, &url, t, data, error, payloads, emit)
            });
        })
        .map_err(Error::Io)?;
    Ok(())
}

/// The events of a `getReport` reply: the report's history as the frame
/// a recording of it would hold.
fn report_events(
    id: &str,
    url: &str,
    t: u64,
    data: serde_json::Value,
    error: Option<serde_json::Value>,
    payloads: bool,
    out: &mut dyn FnMut(Event),
) -> Result<()> {
    use crate::relay::report::Shape;
    let shown = crate::output::sanitize(id);
    let report =
        crate::relay::report::reply(id, &data, error.as_ref()).map_err(|e| e.error(id, url))?;
    let at = format!("report {shown}");
    let history = report.history().map_err(|reason| Error::Fixture {
        path: at.clone(),
        reason,
    })?;
    let t = report
        .added
        .as_deref()
        .and_then(crate::time::parse_rfc3339_ms)
        .unwrap_or(t);
    if history.shape == Shape::Actions {
        out(Event::Note {
            text: format!(
                "report {shown} holds {} action(s) and the state before them (type ACTIONS): \
                 rdx runs no reducers, so the states after them are not known",
                history.actions
            ),
        });
    }
    let mut control = Vec::new();
    for (n, frame) in history.frames(report.instance_id(), "report").enumerate() {
        let at = || format!("{at}, action {n}");
        event::route(t, &at, &frame, payloads, &mut control, out);
    }
    Ok(())
}

fn spawn_replay(
    path: String,
    spool: Option<&crate::feed::Spool>,
    tx: EventTx,
    payloads: bool,
) -> Result<()> {
    let mut size = None;
    let mut mtime = None;
    let mut reader: Box<dyn io::BufRead + Send> = if let (Some(s), "-") = (spool, path.as_str()) {
        Box::new(BufReader::with_capacity(1 << 20, s.reader()))
    } else if path == "-" {
        Box::new(BufReader::with_capacity(1 << 20, io::stdin()))
    } else {
        let f = File::open(&path).map_err(|e| Error::Fixture {
            path: path.clone(),
            reason: format!("cannot open: {e}"),
        })?;
        let meta = f.metadata().ok();
        if meta.as_ref().is_some_and(|m| m.is_dir()) {
            return Err(Error::Fixture {
                path,
                reason: "is a directory".into(),
            });
        }
        size = meta.as_ref().filter(|m| m.is_file()).map(|m| m.len());
        mtime = meta
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_millis() as u64);
        Box::new(BufReader::with_capacity(1 << 20, f))
    };
    let input = crate::feed::devtools::Input {
        name: if path == "-" {
            "<stdin>".to_string()
        } else {
            path.clone()
        },
        path: (path != "-").then_some(path),
        size,
        mtime,
    };
    thread::Builder::new()
        .name("rdx-replay".into())
        .spawn(move || {
            // A recording, or a DevTools file (told apart by content).
            send_batched(&tx, |emit| {
                crate::feed::devtools::replay(&mut *reader, &input, payloads, emit)
            });
        })
        .map_err(Error::Io)?;
    Ok(())
}

/// The transport's upstream: every inbound frame goes through the same
/// [`event::route`] as a replay's, in one batch per frame; a recording gets
/// every frame, in and out.
struct Live {
    tx: EventTx,
    record: Option<Recorder>,
    payloads: bool,
    /// Which relay the frames come from.
    relay: Relay,
    /// What the frames since the last flush meant.
    batch: Vec<Event>,
}

impl Live {
    fn send(&mut self, ev: Event) -> std::result::Result<(), Gone> {
        // What came before goes first.
        self.flush()?;
        self.tx.send(ev).map_err(|_| Gone)
    }
}

impl Upstream for Live {
    fn frame(
        &mut self,
        t: u64,
        n: u64,
        text: &str,
        control: &mut Vec<Packet>,
    ) -> std::result::Result<bool, Gone> {
        if let Some(r) = self.record.as_mut() {
            let _ = r.frame(t, "in", text);
        }
        let mut restarted = false;
        let at = || format!("frame {n}");
        let batch = &mut self.batch;
        event::route_on(
            self.relay,
            t,
            &at,
            text,
            self.payloads,
            control,
            &mut |ev| {
                if let Event::Relay { msg, .. } = &ev {
                    restarted |= matches!(msg.kind, Kind::Start | Kind::Stop);
                }
                batch.push(ev);
            },
        );
        Ok(restarted)
    }

    fn flush(&mut self) -> std::result::Result<(), Gone> {
        let batch = std::mem::take(&mut self.batch);
        self.tx.send_batch(batch).map_err(|_| Gone)
    }

    fn binary(&mut self, t: u64, n: u64, len: usize) -> std::result::Result<(), Gone> {
        let at = format!("frame {n}");
        self.send(match self.relay {
            // Other plugins' MessageFramePacker frames: the Redux plugin
            // sends only text.
            Relay::Expo => Event::Ignored {
                t,
                at,
                what: format!("a binary frame of {len} bytes (another plugin's)"),
            },
            Relay::DevTools => Event::Skipped {
                t,
                at,
                what: format!("binary frame of {len} bytes"),
                loud: false,
            },
        })
    }

    fn sent(&mut self, t: u64, text: &str) {
        if let Some(r) = self.record.as_mut() {
            let _ = r.frame(t, "out", text);
        }
    }

    fn meta(&mut self, t: u64, kind: &str, detail: &str) {
        if let Some(r) = self.record.as_mut() {
            let _ = r.meta(t, kind, detail);
        }
    }

    fn connected(&mut self, c: Connected) -> std::result::Result<(), Gone> {
        self.send(Event::Connected {
            t: c.t,
            socket_id: c.socket_id,
            ping_timeout_ms: c.ping_timeout_ms,
            legacy: c.legacy,
            reconnect: c.reconnect,
        })
    }

    fn report(
        &mut self,
        id: String,
        data: serde_json::Value,
        error: Option<serde_json::Value>,
    ) -> std::result::Result<(), Gone> {
        self.send(Event::ReportBody {
            t: crate::time::now_ms(),
            id,
            data,
            error,
        })
    }

    fn lost(&mut self, t: u64, reason: String) -> std::result::Result<(), Gone> {
        self.send(Event::Lost { t, reason })
    }

    fn fatal(&mut self, e: Error) {
        let _ = self.tx.send(Event::Fatal(e));
    }
}
