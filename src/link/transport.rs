//! The transport thread: one blocking thread owns the WebSocket. It runs the
//! SocketCluster handshake, answers heartbeats (only after the handshake
//! reply: anything earlier makes the server close with 4009), subscribes to
//! `log`, broadcasts START, re-broadcasts it (debounced) when an app sends
//! START or STOP, watches for a dead link, reconnects, and sends every relay
//! message to the main thread as an [`Event`].

use std::collections::HashMap;
use std::io::{self, ErrorKind};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TryRecvError};
use tungstenite::Message as WsMessage;
use tungstenite::protocol::WebSocketConfig;

use crate::error::Error;
use crate::feed::event::{self, Event, EventTx};
use crate::feed::fixture::Recorder;
use crate::link::url::WsUrl;
use crate::link::wire::{self, Channel, Outbound, Packet};
use crate::output::time::now_ms;
use crate::relay::message::Kind;

/// The server accepts frames up to 100 MiB; accept a little more than that.
pub const MAX_MESSAGE: usize = 128 << 20;
/// How long to wait for the reply to an invoke (the server never answers
/// invokes it does not know, so every wait needs a bound).
const ACK_TIMEOUT: Duration = Duration::from_secs(10);
/// Slack past the server's pingTimeout before the link counts as dead (at
/// most this, at most half the pingTimeout).
const HEARTBEAT_SLACK: Duration = Duration::from_secs(5);
/// Apps that (re)start within this window get one START broadcast.
const START_DEBOUNCE: Duration = Duration::from_millis(200);
/// How often the blocked reader wakes to look at timers and requests.
const TICK: Duration = Duration::from_millis(50);
const BACKOFF_FIRST: Duration = Duration::from_millis(100);
/// A local dev server that restarts is found again within about a second.
const BACKOFF_CAP: Duration = Duration::from_secs(1);

/// What the main thread may ask of the transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Broadcast UPDATE: every app sends a fresh STATE.
    Update,
}

pub struct LiveOptions {
    pub url: WsUrl,
    pub login: bool,
    /// Bounds the first connection (connect + handshake + subscribe).
    pub timeout: Duration,
    pub reconnect: bool,
    pub record: Option<Recorder>,
    /// Keep message payloads (the app state); commands that need no state say no.
    pub payloads: bool,
}

/// Start the transport thread. Events arrive on `tx`; requests go to the
/// returned sender. The thread ends when `tx`'s receiver is dropped or it
/// sends [`Event::Fatal`].
pub fn spawn(opts: LiveOptions, tx: EventTx) -> Sender<Control> {
    let (ctl_tx, ctl_rx) = crossbeam_channel::unbounded();
    thread::Builder::new()
        .name("rdx-transport".into())
        .spawn(move || run(opts, tx, ctl_rx))
        .expect("spawn transport thread");
    ctl_tx
}

/// Why one connection ended.
enum End {
    /// The main thread is gone: stop.
    Shutdown,
    /// Never got as far as subscribed; `permanent` failures are not retried.
    Failed { reason: String, permanent: bool },
    /// Was subscribed, then lost.
    Lost(String),
}

fn run(mut opts: LiveOptions, tx: EventTx, ctl: Receiver<Control>) {
    let started = Instant::now();
    let mut connected_once = false;
    let mut backoff = BACKOFF_FIRST;
    loop {
        let deadline = (!connected_once).then(|| started + opts.timeout);
        match connect_once(&mut opts, &tx, &ctl, deadline, connected_once) {
            End::Shutdown => return,
            End::Failed { reason, permanent } => {
                let out_of_time = deadline.is_some_and(|d| Instant::now() + backoff >= d);
                if !connected_once && (permanent || out_of_time) {
                    let _ = tx.send(Event::Fatal(Error::Connect {
                        url: opts.url.to_string(),
                        reason,
                    }));
                    return;
                }
                if connected_once && !opts.reconnect {
                    let _ = tx.send(Event::Fatal(Error::Connect {
                        url: opts.url.to_string(),
                        reason,
                    }));
                    return;
                }
                // Otherwise keep trying; the loss itself was reported once.
            }
            End::Lost(reason) => {
                connected_once = true;
                backoff = BACKOFF_FIRST;
                if !opts.reconnect {
                    let _ = tx.send(Event::Fatal(Error::Connect {
                        url: opts.url.to_string(),
                        reason: format!("link lost: {reason} (--no-reconnect)"),
                    }));
                    return;
                }
                if tx
                    .send(Event::Lost {
                        t: now_ms(),
                        reason,
                    })
                    .is_err()
                {
                    return;
                }
            }
        }
        // Capped exponential backoff with jitter.
        let jitter = Duration::from_millis(u64::from(now_ms() as u32 % 100));
        thread::sleep(backoff + jitter);
        backoff = (backoff * 2).min(BACKOFF_CAP);
    }
}

/// Resolve the host. `localhost` and IP literals never touch the resolver, so
/// the static binary needs no NSS modules for them.
fn addresses(url: &WsUrl) -> io::Result<Vec<SocketAddr>> {
    if url.host.eq_ignore_ascii_case("localhost") {
        return Ok(vec![
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), url.port),
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), url.port),
        ]);
    }
    if let Ok(ip) = url.host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, url.port)]);
    }
    Ok((url.host.as_str(), url.port).to_socket_addrs()?.collect())
}

fn describe_io(e: &io::Error) -> String {
    match e.kind() {
        ErrorKind::ConnectionRefused => "connection refused (is the server running?)".into(),
        ErrorKind::TimedOut | ErrorKind::WouldBlock => "timed out".into(),
        _ => e.to_string(),
    }
}

/// A human name for a WebSocket / SocketCluster close code.
pub fn close_code_name(code: u16) -> &'static str {
    match code {
        1000 => "normal closure",
        1001 => "going away",
        1006 => "abnormal closure",
        1009 => "message too big",
        1011 => "server error",
        4000 => "server ping timed out",
        4001 => "client pong timed out",
        4005 => "no handshake in time",
        4008 => "handshake rejected",
        4009 => "frame before handshake",
        _ => "unknown code",
    }
}

struct Link<'a> {
    ws: tungstenite::WebSocket<TcpStream>,
    record: &'a mut Option<Recorder>,
    cid: u64,
    pending: HashMap<u64, (Outbound, Instant)>,
}

impl Link<'_> {
    /// The one place where rdx writes to the server: only [`Outbound`] packets.
    fn send(&mut self, out: Outbound) -> Result<(), String> {
        let cid = if out.expects_reply() {
            self.cid += 1;
            self.pending.insert(self.cid, (out, Instant::now()));
            self.cid
        } else {
            0
        };
        let text = out.encode(cid);
        if let Some(r) = self.record.as_mut() {
            let _ = r.frame(now_ms(), "out", &text);
        }
        self.ws
            .send(WsMessage::text(text))
            .map_err(|e| format!("send failed: {e}"))
    }
}

fn connect_once(
    opts: &mut LiveOptions,
    tx: &EventTx,
    ctl: &Receiver<Control>,
    deadline: Option<Instant>,
    reconnect: bool,
) -> End {
    if opts.url.tls {
        return End::Failed {
            reason: "wss:// needs TLS, which this build of rdx does not include; put a ws:// URL or a local TLS-terminating proxy in front".into(),
            permanent: true,
        };
    }
    let remaining = || deadline.map(|d| d.saturating_duration_since(Instant::now()));
    let connect_budget = remaining()
        .unwrap_or(ACK_TIMEOUT)
        .max(Duration::from_millis(10));
    let addrs = match addresses(&opts.url) {
        Ok(a) if !a.is_empty() => a,
        Ok(_) => {
            return End::Failed {
                reason: format!("no address for {}", opts.url.host),
                permanent: true,
            };
        }
        Err(e) => {
            return End::Failed {
                reason: format!("cannot resolve {}: {e}", opts.url.host),
                permanent: false,
            };
        }
    };
    let mut last_err = None;
    let mut stream = None;
    for addr in &addrs {
        match TcpStream::connect_timeout(addr, connect_budget) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last_err = Some(e),
        }
    }
    let Some(stream) = stream else {
        let e = last_err.map(|e| describe_io(&e)).unwrap_or_default();
        return End::Failed {
            reason: e,
            permanent: false,
        };
    };
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(connect_budget));
    let _ = stream.set_write_timeout(Some(ACK_TIMEOUT));
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let url_text = opts.url.to_string();
    let ws = match tungstenite::client::client_with_config(url_text.as_str(), stream, Some(config))
    {
        Ok((ws, _response)) => ws,
        Err(tungstenite::HandshakeError::Failure(tungstenite::Error::Http(resp))) => {
            let hint = if resp.status().as_u16() == 400 {
                format!(
                    " (is the path right? the server expects {})",
                    crate::link::url::DEFAULT_PATH
                )
            } else {
                String::new()
            };
            return End::Failed {
                reason: format!("the server answered HTTP {}{hint}", resp.status()),
                permanent: true,
            };
        }
        Err(e) => {
            return End::Failed {
                reason: format!("WebSocket upgrade failed: {e}"),
                permanent: false,
            };
        }
    };
    let _ = ws.get_ref().set_read_timeout(Some(TICK));
    if let Some(r) = opts.record.as_mut() {
        let _ = r.meta(now_ms(), "open", &url_text);
    }
    let mut link = Link {
        ws,
        record: &mut opts.record,
        cid: 0,
        pending: HashMap::new(),
    };
    let end = session(
        &mut link,
        opts.login,
        opts.payloads,
        tx,
        ctl,
        deadline,
        reconnect,
    );
    let t = now_ms();
    if let Some(r) = link.record.as_mut() {
        let detail = match &end {
            End::Shutdown => "shutdown",
            End::Failed { reason, .. } | End::Lost(reason) => reason,
        };
        let _ = r.meta(t, "close", detail);
    }
    if matches!(end, End::Shutdown) {
        let _ = link.ws.close(None);
        let _ = link.ws.flush();
    }
    end
}

#[derive(PartialEq, Eq)]
enum Phase {
    Handshaking,
    LoggingIn,
    Subscribing,
    Subscribed,
}

#[allow(clippy::too_many_arguments)]
fn session(
    link: &mut Link<'_>,
    login: bool,
    payloads: bool,
    tx: &EventTx,
    ctl: &Receiver<Control>,
    deadline: Option<Instant>,
    reconnect: bool,
) -> End {
    // Before we are subscribed every failure is a failed attempt; after, a lost link.
    let mut phase = Phase::Handshaking;
    let fail = |phase: &Phase, reason: String| {
        if *phase == Phase::Subscribed {
            End::Lost(reason)
        } else {
            End::Failed {
                reason,
                permanent: false,
            }
        }
    };
    if let Err(e) = link.send(Outbound::Handshake) {
        return End::Failed {
            reason: e,
            permanent: false,
        };
    }
    let mut ping_timeout = Duration::from_secs(30);
    let mut last_inbound = Instant::now();
    let mut start_due: Option<Instant> = None;
    let mut socket_id = String::new();
    let mut legacy = false;
    let mut control = Vec::new();
    let mut frame_no = 0u64;
    loop {
        match link.ws.read() {
            Ok(WsMessage::Text(text)) => {
                let t = now_ms();
                last_inbound = Instant::now();
                frame_no += 1;
                if let Some(r) = link.record.as_mut() {
                    let _ = r.frame(t, "in", text.as_str());
                }
                control.clear();
                let mut batch = Vec::new();
                let at = || format!("frame {frame_no}");
                event::route(t, &at, text.as_str(), payloads, &mut control, &mut |ev| {
                    if let Event::Relay { msg, .. } = &ev
                        && matches!(msg.kind, Kind::Start | Kind::Stop)
                        && start_due.is_none()
                    {
                        start_due = Some(Instant::now() + START_DEBOUNCE);
                    }
                    batch.push(ev);
                });
                if tx.send_batch(batch).is_err() {
                    return End::Shutdown;
                }
                for p in control.drain(..) {
                    let result = match p {
                        Packet::Ping if phase != Phase::Handshaking => link.send(Outbound::Pong),
                        Packet::PingV1 if phase != Phase::Handshaking => {
                            legacy = true;
                            link.send(Outbound::PongV1)
                        }
                        Packet::Ping | Packet::PingV1 => Ok(()),
                        Packet::Reply { rid, data, error } => {
                            let Some((what, _)) = link.pending.remove(&rid) else {
                                continue;
                            };
                            if let Some(err) = error {
                                let reason = format!("the server refused {what:?}: {err}");
                                return End::Failed {
                                    reason,
                                    permanent: true,
                                };
                            }
                            match what {
                                Outbound::Handshake => {
                                    let Some(h) = wire::handshake_reply(&data) else {
                                        return fail(
                                            &phase,
                                            format!("malformed handshake reply: {data}"),
                                        );
                                    };
                                    ping_timeout = Duration::from_millis(
                                        h.ping_timeout_ms.clamp(1000, 600_000),
                                    );
                                    socket_id = h.socket_id;
                                    if login {
                                        phase = Phase::LoggingIn;
                                        link.send(Outbound::Login)
                                    } else {
                                        phase = Phase::Subscribing;
                                        link.send(Outbound::Subscribe(Channel::Log))
                                    }
                                }
                                Outbound::Login => {
                                    phase = Phase::Subscribing;
                                    link.send(Outbound::Subscribe(Channel::Log))
                                }
                                Outbound::Subscribe(_) => {
                                    phase = Phase::Subscribed;
                                    let sent = link.send(Outbound::Start);
                                    start_due = None;
                                    let ev = Event::Connected {
                                        t: now_ms(),
                                        socket_id: socket_id.clone(),
                                        ping_timeout_ms: ping_timeout.as_millis() as u64,
                                        legacy: legacy || ping_timeout == Duration::from_secs(20),
                                        reconnect,
                                    };
                                    if tx.send(ev).is_err() {
                                        return End::Shutdown;
                                    }
                                    sent
                                }
                                _ => Ok(()),
                            }
                        }
                        Packet::Emit { .. } | Packet::Publish { .. } => Ok(()),
                    };
                    if let Err(e) = result {
                        return fail(&phase, e);
                    }
                }
            }
            Ok(WsMessage::Binary(b)) => {
                last_inbound = Instant::now();
                let ev = Event::Skipped {
                    t: now_ms(),
                    at: format!("frame {}", frame_no + 1),
                    what: format!("binary frame of {} bytes", b.len()),
                    loud: false,
                };
                frame_no += 1;
                if tx.send(ev).is_err() {
                    return End::Shutdown;
                }
            }
            Ok(WsMessage::Close(frame)) => {
                let reason = match frame {
                    Some(f) => {
                        let code = u16::from(f.code);
                        let why = if f.reason.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", f.reason)
                        };
                        format!(
                            "server closed the connection with {code} ({}){why}",
                            close_code_name(code)
                        )
                    }
                    None => "server closed the connection".into(),
                };
                return fail(&phase, reason);
            }
            Ok(_) => last_inbound = Instant::now(),
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                return fail(&phase, "connection closed".into());
            }
            Err(tungstenite::Error::Io(e)) => {
                let reason = format!(
                    "connection lost (1006 {}): {}",
                    close_code_name(1006),
                    describe_io(&e)
                );
                return fail(&phase, reason);
            }
            Err(tungstenite::Error::Protocol(
                tungstenite::error::ProtocolError::ResetWithoutClosingHandshake,
            )) => {
                return fail(
                    &phase,
                    format!("connection reset (1006 {})", close_code_name(1006)),
                );
            }
            Err(e) => return fail(&phase, format!("connection failed: {e}")),
        }

        // Timers and requests, checked after every read or tick.
        let now = Instant::now();
        if phase != Phase::Subscribed && deadline.is_some_and(|d| now >= d) {
            let what = match phase {
                Phase::Handshaking => "no handshake reply",
                Phase::LoggingIn => "no reply to login",
                _ => "no reply to #subscribe",
            };
            return End::Failed {
                reason: format!("{what} before --timeout"),
                permanent: false,
            };
        }
        if let Some((what, since)) = link.pending.values().min_by_key(|(_, s)| *s)
            && now.duration_since(*since) > ACK_TIMEOUT
        {
            return fail(
                &phase,
                format!("no reply to {what:?} within {}s", ACK_TIMEOUT.as_secs()),
            );
        }
        if phase != Phase::Handshaking
            && now.duration_since(last_inbound)
                > ping_timeout + HEARTBEAT_SLACK.min(ping_timeout / 2)
        {
            return fail(
                &phase,
                format!(
                    "no heartbeat from the server for {}s (pingTimeout {}s)",
                    now.duration_since(last_inbound).as_secs(),
                    ping_timeout.as_secs()
                ),
            );
        }
        if phase == Phase::Subscribed {
            if start_due.is_some_and(|d| now >= d) {
                start_due = None;
                if let Err(e) = link.send(Outbound::Start) {
                    return fail(&phase, e);
                }
            }
            loop {
                match ctl.try_recv() {
                    Ok(Control::Update) => {
                        if let Err(e) = link.send(Outbound::Update) {
                            return fail(&phase, e);
                        }
                    }
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => return End::Shutdown,
                }
            }
        }
    }
}
