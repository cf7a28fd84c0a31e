//! The transport thread: one blocking thread owns the WebSocket. It connects,
//! drives a [`Session`] (the protocol state machine) with what arrives and
//! sends what the session says, reconnects with capped backoff, and hands
//! every inbound frame to its [`Upstream`], which decides what the frame means
//! (the feed turns it into events for the main thread).

use std::io::{self, ErrorKind};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TryRecvError};
use tungstenite::Message as WsMessage;
use tungstenite::protocol::WebSocketConfig;

use crate::error::Error;
use crate::link::expo::ExpoSession;
use crate::link::session::{ACK_TIMEOUT, Ended, Session, Step, Want};
use crate::link::tls::{self, Stream};
use crate::link::url::{Relay, WsUrl};
use crate::link::wire::Packet;
use crate::time::now_ms;
use serde_json::Value;

/// The server accepts frames up to 100 MiB; accept a little more than that.
pub(crate) const MAX_MESSAGE: usize = 128 << 20;
/// At most this many frames go up in one batch.
const MAX_BATCH: usize = 256;
/// Interrupt moderation: a burst that starts within FLOOD_GAP of the last
/// one means frames are flooding in; the reader then waits COALESCE before
/// draining, so one wake-up of each thread takes a batch instead of a frame
/// or two. A frame after a quiet spell is handed up at once.
const FLOOD_GAP: Duration = Duration::from_millis(2);
const COALESCE: Duration = Duration::from_millis(1);
/// How often the blocked reader wakes to look at timers and requests.
const TICK: Duration = Duration::from_millis(50);
const BACKOFF_FIRST: Duration = Duration::from_millis(100);
/// A local dev server that restarts is found again within about a second.
const BACKOFF_CAP: Duration = Duration::from_secs(1);

/// What the main thread may ask of the transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Control {
    /// Broadcast UPDATE: every app sends a fresh STATE.
    Update,
    /// Ask for a stored report (`getReport`); the reply goes up as
    /// [`Upstream::report`].
    GetReport(String),
}

pub(crate) struct LiveOptions {
    pub(crate) url: WsUrl,
    /// The TLS configuration for `wss://` (None for `ws://`).
    pub(crate) tls: Option<std::sync::Arc<rustls::ClientConfig>>,
    pub(crate) login: bool,
    /// What to subscribe to (the DevTools server; the Expo socket has one).
    pub(crate) want: Want,
    /// Bounds the first connection (connect + handshake + subscribe).
    pub(crate) timeout: Duration,
    pub(crate) reconnect: bool,
}

/// The receiver of what the link hears; every call may say the main thread
/// is gone (`Err(Gone)`), which ends the transport.
pub(crate) trait Upstream: Send + 'static {
    /// An inbound text frame, the `n`-th of this connection, received at `t`
    /// (epoch ms). Puts the frame's control packets (replies, heartbeats) in
    /// `control`; returns true when an app said START or STOP in it. What it
    /// means may wait for [`Upstream::flush`]: frames that arrive together
    /// go up together.
    fn frame(
        &mut self,
        t: u64,
        n: u64,
        text: &str,
        control: &mut Vec<Packet>,
    ) -> Result<bool, Gone>;
    /// Hand up what the frames since the last flush meant.
    fn flush(&mut self) -> Result<(), Gone>;
    /// A binary frame (the server sends none): skipped.
    fn binary(&mut self, t: u64, n: u64, len: usize) -> Result<(), Gone>;
    /// A frame rdx sent.
    fn sent(&mut self, t: u64, text: &str);
    /// A connection opened or closed (for recordings).
    fn meta(&mut self, t: u64, kind: &str, detail: &str);
    /// Subscribed (and START sent).
    fn connected(&mut self, up: Connected) -> Result<(), Gone>;
    /// The server's reply to `getReport` (`data` null: it has no such report).
    fn report(&mut self, id: String, data: Value, error: Option<Value>) -> Result<(), Gone>;
    /// The link was lost; reconnecting.
    fn lost(&mut self, t: u64, reason: String) -> Result<(), Gone>;
    /// The transport gives up.
    fn fatal(&mut self, e: Error);
}

/// The main thread is gone.
#[derive(Debug)]
pub(crate) struct Gone;

/// A link that is up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Connected {
    pub(crate) t: u64,
    pub(crate) socket_id: String,
    pub(crate) ping_timeout_ms: u64,
    pub(crate) legacy: bool,
    pub(crate) reconnect: bool,
}

/// Start the transport thread; requests go to the returned sender. The
/// thread ends when its upstream says the main thread is gone, or after
/// [`Upstream::fatal`].
pub(crate) fn spawn(opts: LiveOptions, up: impl Upstream) -> Sender<Control> {
    let (ctl_tx, ctl_rx) = crossbeam_channel::unbounded();
    thread::Builder::new()
        .name("rdx-transport".into())
        .spawn(move || run(opts, up, ctl_rx))
        .expect("spawn transport thread");
    ctl_tx
}

/// Why one connection ended.
enum End {
    /// The main thread is gone: stop.
    Shutdown,
    Ended(Ended),
}

fn run(opts: LiveOptions, mut up: impl Upstream, ctl: Receiver<Control>) {
    let started = Instant::now();
    let mut connected_once = false;
    let mut backoff = BACKOFF_FIRST;
    let fatal = |reason: String| Error::Connect {
        url: opts.url.to_string(),
        reason,
    };
    loop {
        let deadline = (!connected_once).then(|| started + opts.timeout);
        match connect_once(&opts, &mut up, &ctl, deadline, connected_once) {
            End::Shutdown => return,
            End::Ended(Ended::Failed { reason, permanent }) => {
                let out_of_time = deadline.is_some_and(|d| Instant::now() + backoff >= d);
                let give_up = if connected_once {
                    !opts.reconnect
                } else {
                    permanent || out_of_time
                };
                if give_up {
                    return up.fatal(fatal(reason));
                }
                // Otherwise keep trying; the loss itself was reported once.
            }
            End::Ended(Ended::Lost(reason)) => {
                connected_once = true;
                backoff = BACKOFF_FIRST;
                if !opts.reconnect {
                    return up.fatal(fatal(format!("link lost: {reason} (--no-reconnect)")));
                }
                if up.lost(now_ms(), reason).is_err() {
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

/// One connection: open it, serve it until it ends, and say why it did.
fn connect_once(
    opts: &LiveOptions,
    up: &mut impl Upstream,
    ctl: &Receiver<Control>,
    deadline: Option<Instant>,
    reconnect: bool,
) -> End {
    let remaining = deadline.map(|d| d.saturating_duration_since(Instant::now()));
    let connect_budget = remaining
        .unwrap_or(ACK_TIMEOUT)
        .max(Duration::from_millis(10));
    let mut ws = match open(opts, &opts.url.websocket(), connect_budget) {
        Ok(ws) => ws,
        Err(e) => return End::Ended(e),
    };
    let _ = ws.get_ref().tcp().set_read_timeout(Some(TICK));
    // The URL as the user gives it: `expo://` says which relay a recording
    // came from.
    up.meta(now_ms(), "open", &opts.url.to_string());
    let protocol = match opts.url.relay {
        Relay::DevTools => Protocol::dev_tools(opts.login, opts.want, deadline),
        Relay::Expo => Protocol::expo(),
    };
    let end = serve(&mut ws, up, ctl, protocol, reconnect);
    let detail = match &end {
        End::Shutdown => "shutdown",
        End::Ended(Ended::Failed { reason, .. } | Ended::Lost(reason)) => reason,
    };
    up.meta(now_ms(), "close", detail);
    if matches!(end, End::Shutdown) {
        let _ = ws.close(None);
        let _ = ws.flush();
    }
    end
}

/// A connection that failed before it was subscribed; a `permanent`
/// failure is not retried.
fn failed(reason: String, permanent: bool) -> Ended {
    Ended::Failed { reason, permanent }
}

/// Open the WebSocket: a TCP connection (each try bounded by `budget`),
/// TLS for `wss://`, then the upgrade.
fn open(opts: &LiveOptions, url_text: &str, budget: Duration) -> Result<Ws, Ended> {
    let tcp = tcp_connect(&opts.url, budget)?;
    let _ = tcp.set_nodelay(true);
    let _ = tcp.set_read_timeout(Some(budget));
    let _ = tcp.set_write_timeout(Some(ACK_TIMEOUT));
    let stream = match &opts.tls {
        Some(config) => match Stream::tls(tcp, &opts.url.host, config.clone()) {
            Ok(s) => s,
            Err(e) => return Err(failed(e, true)),
        },
        None => Stream::Plain(tcp),
    };
    upgrade(url_text, stream, &opts.url)
}

/// Resolve the host and connect to the first of its addresses that
/// answers within `budget`.
fn tcp_connect(url: &WsUrl, budget: Duration) -> Result<TcpStream, Ended> {
    let addrs = match addresses(url) {
        Ok(a) if !a.is_empty() => a,
        Ok(_) => {
            return Err(failed(format!("no address for {}", url.host), true));
        }
        Err(e) => {
            return Err(failed(format!("cannot resolve {}: {e}", url.host), false));
        }
    };
    let mut last_err = None;
    for addr in &addrs {
        match TcpStream::connect_timeout(addr, budget) {
            Ok(s) => return Ok(s),
            Err(e) => last_err = Some(e),
        }
    }
    let e = match (last_err, url.relay) {
        (Some(e), Relay::Expo) if e.kind() == ErrorKind::ConnectionRefused => {
            "connection refused (is the Expo dev server running? `npx expo start` listens on \
             8081 by default; --port says which)"
                .to_string()
        }
        (e, _) => e.map(|e| describe_io(&e)).unwrap_or_default(),
    };
    Err(failed(e, false))
}

/// The WebSocket upgrade over `stream`; when it fails, what answered
/// instead (a web server, a TLS refusal, a Metro without the plugin socket).
fn upgrade(url_text: &str, stream: Stream, url: &WsUrl) -> Result<Ws, Ended> {
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    match tungstenite::client::client_with_config(url_text, stream, Some(config)) {
        Ok((ws, _response)) => Ok(ws),
        Err(e) => Err(match url.relay {
            Relay::DevTools => refused_devtools(e, &url.host),
            Relay::Expo => refused_expo(e, url),
        }),
    }
}

type Refusal = tungstenite::HandshakeError<tungstenite::handshake::client::ClientHandshake<Stream>>;

/// Why the DevTools server's upgrade failed.
fn refused_devtools(e: Refusal, host: &str) -> Ended {
    match e {
        tungstenite::HandshakeError::Failure(tungstenite::Error::Http(resp)) => failed(
            http_answer(resp.status().as_u16(), &resp.status().to_string()),
            true,
        ),
        // An HTTP/1.0 answer (`python3 -m http.server`, other static
        // file servers): a web server too, whatever its status.
        tungstenite::HandshakeError::Failure(tungstenite::Error::Protocol(
            tungstenite::error::ProtocolError::WrongHttpVersion,
        )) => failed(not_devtools("in HTTP/1.0"), true),
        tungstenite::HandshakeError::Failure(tungstenite::Error::Io(e)) => {
            match tls::describe(&e, host) {
                Some(why) => failed(why, true),
                None => failed(
                    format!("WebSocket upgrade failed: {}", describe_io(&e)),
                    false,
                ),
            }
        }
        e => failed(format!("WebSocket upgrade failed: {e}"), false),
    }
}

/// Why an Expo dev server's upgrade failed: a web server that is not one,
/// or a Metro without the plugin socket (it closes the connection on an
/// upgrade to a path it does not serve), told apart by Metro's `/status`.
fn refused_expo(e: Refusal, url: &WsUrl) -> Ended {
    let metro = is_metro(url);
    let what = match &e {
        tungstenite::HandshakeError::Failure(tungstenite::Error::Http(resp)) => {
            format!("the server answered HTTP {}", resp.status())
        }
        _ => "the server closed the connection at the WebSocket upgrade".to_string(),
    };
    let why = if metro {
        format!(
            "{what}: a Metro dev server is there, but without the plugin socket {}:              an Expo SDK older than 52 (redux-devtools-expo-dev-plugin 2 needs SDK 53 or later)",
            url.path
        )
    } else {
        format!(
            "{what}: not an Expo dev server (its plugin socket is {}); point rdx at the port              `npx expo start` prints (8081 by default), e.g. --expo --port 8081",
            url.path
        )
    };
    failed(why, true)
}

/// Does a Metro dev server answer on this host and port (`GET /status`:
/// `packager-status:running`)? Bounded: 2 s, 4 KiB.
fn is_metro(url: &WsUrl) -> bool {
    use std::io::{Read, Write};
    let Ok(mut tcp) = tcp_connect(url, Duration::from_secs(2)) else {
        return false;
    };
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = tcp.set_write_timeout(Some(Duration::from_secs(2)));
    let ask = format!(
        "GET /status HTTP/1.1\r\nHost: {}:{}\r\nConnection: close\r\n\r\n",
        url.host, url.port
    );
    if tcp.write_all(ask.as_bytes()).is_err() {
        return false;
    }
    let mut got = Vec::new();
    let _ = (&mut tcp).take(4096).read_to_end(&mut got);
    String::from_utf8_lossy(&got).contains("packager-status:running")
}

type Ws = tungstenite::WebSocket<Stream>;

/// What an HTTP answer where the WebSocket upgrade was expected means.
fn http_answer(code: u16, status: &str) -> String {
    match code {
        400 => format!(
            "the server answered HTTP {status} (is the path right? the DevTools server expects {})",
            crate::link::url::DEFAULT_PATH
        ),
        200..=399 | 404 | 405 => not_devtools(&format!("HTTP {status}")),
        _ => format!("the server answered HTTP {status}"),
    }
}

/// A web server answered where the DevTools server was expected.
fn not_devtools(answered: &str) -> String {
    format!(
        "the server answered {answered}: a web server (an app or its dev server?), \
         not the Redux DevTools server; point rdx at the port `redux-devtools` listens on \
         (default 8000), e.g. --port 8000"
    )
}

/// The socket loop of one connection: read (or tick), feed the session,
/// do what it says.
fn serve(
    ws: &mut Ws,
    up: &mut impl Upstream,
    ctl: &Receiver<Control>,
    (mut session, first): (Protocol, Step),
    reconnect: bool,
) -> End {
    if let Err(e) = act(ws, up, first, reconnect) {
        return e;
    }
    let mut burst = Burst::default();
    loop {
        let now = Instant::now();
        let read = ws.read();
        let would_block = matches!(&read, Err(tungstenite::Error::Io(e))
            if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut));
        if burst.draining
            && (would_block
                || burst.batched >= MAX_BATCH
                || !matches!(read, Ok(WsMessage::Text(_))))
        {
            // The burst is over (or big enough): up it goes, and reads block again.
            if let Err(e) = burst.end(ws, up) {
                return e;
            }
        }
        let steps = match burst.take(ws, up, &mut session, read, now) {
            Ok(steps) => steps,
            Err(e) => return e,
        };
        let mut steps = match steps.and_then(|mut s| {
            s.extend(session.tick(Instant::now())?);
            Ok(s)
        }) {
            Ok(s) => s,
            Err(e) => return End::Ended(e),
        };
        if let Err(e) = requests(ctl, &mut session, &mut steps) {
            return e;
        }
        if burst.draining && !steps.is_empty() {
            // Writing needs a blocking socket, and what came first goes first.
            if let Err(e) = burst.end(ws, up) {
                return e;
            }
        }
        for step in steps {
            if let Err(e) = act(ws, up, step, reconnect) {
                return match e {
                    End::Ended(Ended::Failed { reason, .. }) => End::Ended(session.fail(reason)),
                    other => other,
                };
            }
        }
    }
}

/// The protocol a connection speaks: SocketCluster to the DevTools server,
/// or the Expo dev server's plugin socket. The socket loop drives either.
enum Protocol {
    DevTools(Session),
    Expo(ExpoSession),
}

impl Protocol {
    fn dev_tools(login: bool, want: Want, deadline: Option<Instant>) -> (Protocol, Step) {
        let (s, first) = Session::new(login, want, deadline, Instant::now());
        (Protocol::DevTools(s), first)
    }

    fn expo() -> (Protocol, Step) {
        let (s, first) = ExpoSession::new(Instant::now());
        (Protocol::Expo(s), first)
    }

    fn subscribed(&self) -> bool {
        match self {
            Protocol::DevTools(s) => s.subscribed(),
            Protocol::Expo(_) => true,
        }
    }

    fn fail(&self, reason: String) -> Ended {
        match self {
            Protocol::DevTools(s) => s.fail(reason),
            Protocol::Expo(_) => Ended::Lost(reason),
        }
    }

    fn heard(&mut self, now: Instant) {
        match self {
            Protocol::DevTools(s) => s.heard(now),
            Protocol::Expo(s) => s.heard(now),
        }
    }

    fn apps_restarted(&mut self, now: Instant) {
        match self {
            Protocol::DevTools(s) => s.apps_restarted(now),
            Protocol::Expo(s) => s.apps_restarted(now),
        }
    }

    fn update(&mut self, now: Instant) -> Option<Step> {
        match self {
            Protocol::DevTools(s) => s.update(now),
            Protocol::Expo(s) => s.update(),
        }
    }

    /// `getReport` (the Expo socket stores no reports: nothing is sent).
    fn get_report(&mut self, id: String, now: Instant) -> Option<Step> {
        match self {
            Protocol::DevTools(s) => s.get_report(id, now),
            Protocol::Expo(_) => None,
        }
    }

    fn packets(&mut self, packets: Vec<Packet>, now: Instant) -> Result<Vec<Step>, Ended> {
        match self {
            Protocol::DevTools(s) => s.packets(packets, now),
            Protocol::Expo(s) => {
                s.packets(packets);
                Ok(Vec::new())
            }
        }
    }

    fn tick(&mut self, now: Instant) -> Result<Vec<Step>, Ended> {
        match self {
            Protocol::DevTools(s) => s.tick(now),
            Protocol::Expo(s) => s.tick(now),
        }
    }
}

/// Once subscribed, what the main thread asked for adds to `steps`. `Err`
/// when the main thread is gone.
fn requests(
    ctl: &Receiver<Control>,
    session: &mut Protocol,
    steps: &mut Vec<Step>,
) -> Result<(), End> {
    if session.subscribed() {
        loop {
            match ctl.try_recv() {
                Ok(Control::Update) => steps.extend(session.update(Instant::now())),
                Ok(Control::GetReport(id)) => steps.extend(session.get_report(id, Instant::now())),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return Err(End::Shutdown),
            }
        }
    }
    Ok(())
}

/// The reader's batching: frames already waiting are read without blocking
/// and handed up as one batch, so the main thread wakes once per burst, not
/// once per frame.
#[derive(Default)]
struct Burst {
    /// Reading without blocking, until the burst is over.
    draining: bool,
    /// Frames in the batch being drained.
    batched: usize,
    /// When the last burst began.
    last: Option<Instant>,
    /// Frames read on this connection.
    frames: u64,
    /// The SocketCluster packets of the frame being read (reused).
    control: Vec<Packet>,
}

/// What one read makes the session do (or why the connection ends).
type Taken = Result<Vec<Step>, Ended>;

impl Burst {
    /// Hand the batch up and make reads block again.
    fn end(&mut self, ws: &mut Ws, up: &mut impl Upstream) -> Result<(), End> {
        if up.flush().is_err() {
            return Err(End::Shutdown);
        }
        let _ = ws.get_ref().tcp().set_nonblocking(false);
        self.draining = false;
        self.batched = 0;
        Ok(())
    }

    /// Take in what one read gave: a frame goes up, a close or an error
    /// ends the session. `Err` only when the main thread is gone.
    fn take(
        &mut self,
        ws: &mut Ws,
        up: &mut impl Upstream,
        session: &mut Protocol,
        read: tungstenite::Result<WsMessage>,
        now: Instant,
    ) -> Result<Taken, End> {
        Ok(match read {
            Ok(WsMessage::Text(text)) => {
                session.heard(now);
                self.frames += 1;
                self.control.clear();
                match up.frame(now_ms(), self.frames, text.as_str(), &mut self.control) {
                    Ok(true) => session.apps_restarted(now),
                    Ok(false) => {}
                    Err(Gone) => return Err(End::Shutdown),
                }
                self.batched += 1;
                if !self.draining {
                    self.start(ws, up, session)?;
                }
                session.packets(std::mem::take(&mut self.control), now)
            }
            Ok(WsMessage::Binary(b)) => {
                session.heard(now);
                self.frames += 1;
                if up.binary(now_ms(), self.frames, b.len()).is_err() {
                    return Err(End::Shutdown);
                }
                Ok(Vec::new())
            }
            Ok(WsMessage::Close(frame)) => Err(session.fail(close_reason(frame))),
            Ok(_) => {
                session.heard(now);
                Ok(Vec::new())
            }
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
            {
                Ok(Vec::new())
            }
            Err(e) => Err(session.fail(describe_ws_error(e))),
        })
    }

    /// A frame came while reads block: start draining. A burst that starts
    /// soon after the last one waits a moment first, so a flood is read in
    /// batches (not while connecting: the handshake's replies come close
    /// together and start-up would wait for nothing).
    fn start(
        &mut self,
        ws: &mut Ws,
        up: &mut impl Upstream,
        session: &Protocol,
    ) -> Result<(), End> {
        let woke = Instant::now();
        if session.subscribed()
            && self
                .last
                .is_some_and(|b| woke.duration_since(b) < FLOOD_GAP)
        {
            thread::sleep(COALESCE);
        }
        self.last = Some(woke);
        self.draining = ws.get_ref().tcp().set_nonblocking(true).is_ok();
        if !self.draining && up.flush().is_err() {
            return Err(End::Shutdown);
        }
        Ok(())
    }
}

/// What rdx says when the server closes the connection.
fn close_reason(frame: Option<tungstenite::protocol::CloseFrame>) -> String {
    match frame {
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
    }
}

/// Do one step of the session.
fn act(ws: &mut Ws, up: &mut impl Upstream, step: Step, reconnect: bool) -> Result<(), End> {
    match step {
        Step::Send(text) => {
            up.sent(now_ms(), &text);
            ws.send(WsMessage::text(text)).map_err(|e| {
                End::Ended(Ended::Failed {
                    reason: format!("send failed: {e}"),
                    permanent: false,
                })
            })
        }
        Step::Ping => ws.send(WsMessage::Ping(Vec::new().into())).map_err(|e| {
            End::Ended(Ended::Failed {
                reason: format!("send failed: {e}"),
                permanent: false,
            })
        }),
        Step::Report { id, data, error } => {
            up.report(id, data, error).map_err(|Gone| End::Shutdown)
        }
        Step::Up {
            socket_id,
            ping_timeout_ms,
            legacy,
        } => up
            .connected(Connected {
                t: now_ms(),
                socket_id,
                ping_timeout_ms,
                legacy,
                reconnect,
            })
            .map_err(|Gone| End::Shutdown),
    }
}

fn describe_ws_error(e: tungstenite::Error) -> String {
    match e {
        tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => {
            "connection closed".into()
        }
        tungstenite::Error::Io(e) => format!(
            "connection lost (1006 {}): {}",
            close_code_name(1006),
            describe_io(&e)
        ),
        tungstenite::Error::Protocol(
            tungstenite::error::ProtocolError::ResetWithoutClosingHandshake,
        ) => format!("connection reset (1006 {})", close_code_name(1006)),
        e => format!("connection failed: {e}"),
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
pub(crate) fn close_code_name(code: u16) -> &'static str {
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
