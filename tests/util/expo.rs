//! The real Expo parts (tests/expo/, installed by `make e2e-deps`): the Expo
//! CLI dev server of SDK 57 (`expo start --web --localhost`) on a free
//! loopback port, whose `/expo-dev-plugins/broadcast` socket carries the
//! frames of `redux-devtools-expo-dev-plugin` (shared/EXPO.md); the Expo web
//! build of tests/expo/App.js in Debian's Chromium (`ExpoBrowser`, through
//! tests/expo/driver.mjs); a Node stand-in with the real enhancer and the real
//! `@expo/devtools` client (`ExpoApp`, tests/expo/standin/); and a plain
//! monitor on the broadcast socket (`ExpoMonitor`, tungstenite), which needs
//! nothing of rdx.
//!
//! The relay keeps no history: a client sees only what others send after it
//! connected, and an app streams its actions only after some monitor's
//! `respond START` (EXPO.md §5).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::Message;

use super::e2e::NodeProc;

/// The Redux DevTools plugin's name on the socket.
pub const PLUGIN: &str = "redux-devtools-expo-dev-plugin";
/// The dev server's plugin socket.
pub const BROADCAST: &str = "/expo-dev-plugins/broadcast";
/// Where the dev server serves the plugin's own web UI.
pub const WEBUI: &str = "/_expo/plugins/redux-devtools-expo-dev-plugin";

/// How long the dev server may take to accept the plugin socket.
const SERVER_LIMIT: Duration = Duration::from_secs(120);
/// How long the first web bundle may take (about 8 s cold on 2 idle cores).
const BUNDLE_LIMIT: Duration = Duration::from_secs(180);
/// How long one driver command may take (the driver's own limit is 60 s).
pub const COMMAND_LIMIT: Duration = Duration::from_secs(75);
/// Longest wait for one line of the stand-in or one frame of the monitor.
pub const WAIT: Duration = Duration::from_secs(30);

pub fn expo_dir() -> PathBuf {
    super::root().join("tests/expo")
}

/// The stand-in's bundle, built by `make e2e-deps` (esbuild).
pub fn standin_bundle() -> PathBuf {
    expo_dir().join("standin/dist/standin.mjs")
}

/// Fail (never skip) with a clear message if the install step is missing.
fn check_deps() {
    let dir = expo_dir();
    let hint = "run `make e2e-deps` (npm ci in tests/expo from its lockfile, and the \
                stand-in's esbuild bundle)";
    for p in [
        "node_modules/.package-lock.json",
        "node_modules/expo/package.json",
        "node_modules/redux-devtools-expo-dev-plugin/package.json",
        "node_modules/.bin/expo",
    ] {
        assert!(
            dir.join(p).exists(),
            "Expo test deps missing (tests/expo/{p}): {hint}"
        );
    }
}

fn check_standin() {
    check_deps();
    assert!(
        standin_bundle().is_file(),
        "the Expo stand-in is not built (tests/expo/standin/dist/standin.mjs): run `make e2e-deps`"
    );
}

fn check_browser() {
    check_deps();
    let hint = "run `make e2e-deps` (npm ci in tests/expo, apt-get install chromium)";
    assert!(
        expo_dir().join("node_modules/playwright-core").is_dir(),
        "playwright-core missing in tests/expo: {hint}"
    );
    assert!(
        Path::new(super::browser::CHROMIUM).exists(),
        "{} missing: {hint}",
        super::browser::CHROMIUM
    );
}

fn verbose() -> bool {
    std::env::var_os("RDX_E2E_VERBOSE").is_some()
}

// ---------------------------------------------------------------------------
// The dev server

/// The Expo CLI dev server (Metro) of tests/expo on 127.0.0.1 and a free
/// port, in its own process group (killed whole on drop).
pub struct ExpoServer {
    pub port: u16,
    child: Option<Child>,
    /// Everything the server printed (stdout and stderr), for failures.
    log: Arc<Mutex<Vec<String>>>,
    warm: bool,
    /// How long the web bundle took when `start` warmed it (the last start).
    pub bundle_time: Option<Duration>,
}

impl ExpoServer {
    /// Up, accepting the plugin socket, and its web bundle built once (the
    /// first one takes seconds: a page opened later loads at once).
    pub fn start() -> ExpoServer {
        ExpoServer::start_with(true)
    }

    /// Up and accepting the plugin socket; no web bundle asked for (enough
    /// for the stand-in and the monitor).
    pub fn start_without_bundle() -> ExpoServer {
        ExpoServer::start_with(false)
    }

    fn start_with(warm: bool) -> ExpoServer {
        check_deps();
        for attempt in 1..=3 {
            let port = super::free_port();
            let mut s = ExpoServer {
                port,
                child: None,
                log: Arc::default(),
                warm,
                bundle_time: None,
            };
            if s.launch() {
                return s;
            }
            eprintln!(
                "note: the Expo dev server did not start on port {port} (try {attempt}); again\n{}",
                s.log_text()
            );
        }
        panic!("the Expo dev server did not start in 3 tries")
    }

    /// `ws://127.0.0.1:PORT/expo-dev-plugins/broadcast`.
    pub fn broadcast_url(&self) -> String {
        format!("ws://127.0.0.1:{}{BROADCAST}", self.port)
    }

    /// What rdx is given: `expo://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("expo://127.0.0.1:{}", self.port)
    }

    /// What the server printed so far.
    pub fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// Start `expo start` on `self.port` and wait until it accepts the plugin
    /// socket (and, if `warm`, served the web bundle). False if it exited
    /// first (the port was taken).
    fn launch(&mut self) -> bool {
        let dir = expo_dir();
        let mut cmd = Command::new("node");
        cmd.arg(dir.join("node_modules/.bin/expo"))
            .args([
                "start",
                "--web",
                "--port",
                &self.port.to_string(),
                "--localhost",
            ])
            .current_dir(&dir)
            // EXPO.md §3.3: offline, no telemetry, no browser opened, no
            // watch mode; headless: no React Native DevTools shell fetched
            // from the network in the background.
            .env("CI", "1")
            .env("EXPO_OFFLINE", "1")
            .env("EXPO_NO_TELEMETRY", "1")
            .env("EXPO_UNSTABLE_HEADLESS", "1")
            .env("BROWSER", "none")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("spawn expo start: {e}"));
        for pipe in [
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let log = self.log.clone();
            let port = self.port;
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    if verbose() {
                        eprintln!("[expo:{port}] {line}");
                    }
                    log.lock().unwrap().push(line);
                }
            });
        }
        self.child = Some(child);

        let end = Instant::now() + SERVER_LIMIT;
        loop {
            if let Some(st) = self.child.as_mut().unwrap().try_wait().expect("try_wait") {
                eprintln!("note: expo start exited with {st}");
                self.child = None;
                return false;
            }
            if ws_accepted(self.port) {
                break;
            }
            assert!(
                Instant::now() < end,
                "watchdog: the Expo dev server did not accept {} within {SERVER_LIMIT:?}; it printed:\n{}",
                self.broadcast_url(),
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        self.assert_loopback_only();
        if self.warm {
            let t0 = Instant::now();
            self.warm_bundle();
            let took = t0.elapsed();
            eprintln!("note: the Expo web bundle was served in {took:.1?}");
            self.bundle_time = Some(took);
        }
        true
    }

    /// Fetch `/` and the bundle its `<script>` names, to the end.
    fn warm_bundle(&self) {
        let end = Instant::now() + BUNDLE_LIMIT;
        let (status, page) = http_get(self.port, "/", end);
        assert!(
            status == 200,
            "GET / of the Expo dev server: HTTP {status}\n{page}\n{}",
            self.log_text()
        );
        let src = page
            .split("<script src=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_else(|| panic!("no <script src> in the Expo page:\n{page}"))
            .replace("&amp;", "&");
        let (status, body) = http_get(self.port, &src, end);
        assert!(
            status == 200 && body.contains(BROADCAST.trim_start_matches('/')),
            "GET {src}: HTTP {status}, {} bytes, without the plugin socket's path\n{}\n{}",
            body.len(),
            &body[..body.len().min(2000)],
            self.log_text()
        );
    }

    /// Every TCP listener (and bound UDP socket) of the server's process
    /// group is on 127.0.0.1 or ::1, and one of them is on `port`.
    pub fn assert_loopback_only(&self) {
        let pgid = self.child.as_ref().expect("server running").id();
        let inodes = group_socket_inodes(pgid);
        let mut on_port = false;
        let mut bad = Vec::new();
        for (file, v6) in [
            ("/proc/net/tcp", false),
            ("/proc/net/tcp6", true),
            ("/proc/net/udp", false),
            ("/proc/net/udp6", true),
        ] {
            let tcp = file.contains("tcp");
            let Ok(text) = std::fs::read_to_string(file) else {
                continue;
            };
            for line in text.lines().skip(1) {
                let f: Vec<&str> = line.split_whitespace().collect();
                if f.len() < 10 || !inodes.contains(&f[9].to_string()) {
                    continue;
                }
                if tcp && f[3] != "0A" {
                    continue; // not LISTEN
                }
                let (addr, port) = f[1].split_once(':').unwrap();
                let port = u16::from_str_radix(port, 16).unwrap();
                if !tcp && port == 0 {
                    continue;
                }
                let loopback = if v6 {
                    addr == "00000000000000000000000001000000"
                        || addr == "0000000000000000FFFF00000100007F"
                } else {
                    addr.ends_with("7F")
                };
                if !loopback {
                    bad.push(format!("{file}: {} port {port}", f[1]));
                }
                on_port |= tcp && port == self.port;
            }
        }
        assert!(
            bad.is_empty(),
            "the Expo dev server listens beyond loopback: {bad:?}"
        );
        assert!(
            on_port,
            "no listener of the Expo dev server's processes on 127.0.0.1:{} (inodes {inodes:?})",
            self.port
        );
    }

    /// Stop the server (its whole process group) and wait until its port is
    /// free; `start_again` brings it back on the same port.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            kill_group(&mut c);
        }
        let end = Instant::now() + Duration::from_secs(30);
        while TcpListener::bind(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < end,
                "watchdog: port {} still taken 30 s after the dev server was killed",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The server again on the same port (after `stop`).
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "start_again: the server is running");
        assert!(
            self.launch(),
            "the Expo dev server could not start again on port {}:\n{}",
            self.port,
            self.log_text()
        );
    }
}

impl Drop for ExpoServer {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            kill_group(&mut c);
        }
    }
}

/// SIGTERM to the child's process group, SIGKILL to it after 5 s (and once
/// the leader is gone, for any worker left).
fn kill_group(child: &mut Child) {
    let group = format!("-{}", child.id());
    let _ = Command::new("kill")
        .args(["-TERM", "--", &group])
        .stderr(Stdio::null())
        .status();
    let end = Instant::now() + Duration::from_secs(5);
    while Instant::now() < end {
        if matches!(child.try_wait(), Ok(Some(_))) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = Command::new("kill")
        .args(["-KILL", "--", &group])
        .stderr(Stdio::null())
        .status();
    let _ = child.wait();
}

/// The socket inodes of every process in process group `pgid`.
fn group_socket_inodes(pgid: u32) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in procs.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // pid (comm) state ppid pgrp ...
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let pgrp = rest.split_whitespace().nth(2);
        if pgrp != Some(pgid.to_string().as_str()) {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if let Ok(target) = std::fs::read_link(fd.path()) {
                let t = target.to_string_lossy();
                if let Some(inode) = t.strip_prefix("socket:[").and_then(|s| s.strip_suffix(']')) {
                    out.push(inode.to_string());
                }
            }
        }
    }
    out
}

/// Whether the dev server completes a WebSocket handshake on the plugin socket.
fn ws_accepted(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    match tungstenite::client(format!("ws://127.0.0.1:{port}{BROADCAST}"), stream) {
        Ok((mut ws, _)) => {
            let _ = ws.close(None);
            let _ = ws.flush();
            true
        }
        Err(_) => false,
    }
}

/// A plain HTTP/1.1 GET on 127.0.0.1:`port`, read to the end (the server
/// closes): (status, body as text). Panics past `end`.
fn http_get(port: u16, path: &str, end: Instant) -> (u16, String) {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("connect to the Expo dev server: {e}"));
    s.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 64 * 1024];
    loop {
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => panic!("GET {path}: {e}"),
        }
        assert!(
            Instant::now() < end,
            "watchdog: GET {path} of the Expo dev server not done within {BUNDLE_LIMIT:?} ({} bytes so far)",
            buf.len()
        );
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

// ---------------------------------------------------------------------------
// Lines of a Node child, kept (a wait never loses a line another wait wants)

struct Kept {
    proc_: NodeProc,
    seen: Vec<Value>,
    taken: Vec<bool>,
}

impl Kept {
    fn new(proc_: NodeProc) -> Kept {
        Kept {
            proc_,
            seen: Vec::new(),
            taken: Vec::new(),
        }
    }

    fn drain(&mut self) {
        for v in self.proc_.lines.try_iter() {
            self.seen.push(v);
            self.taken.push(false);
        }
    }

    /// The first line, printed so far or to come within `limit`, that `pred`
    /// accepts and that no wait returned before; None after `limit`, or if
    /// the process ended without printing one.
    fn try_wait(&mut self, limit: Duration, pred: impl Fn(&Value) -> bool) -> Option<Value> {
        let end = Instant::now() + limit;
        let mut i = 0;
        loop {
            while i < self.seen.len() {
                if !self.taken[i] && pred(&self.seen[i]) {
                    self.taken[i] = true;
                    return Some(self.seen[i].clone());
                }
                i += 1;
            }
            match self
                .proc_
                .lines
                .recv_timeout(end.saturating_duration_since(Instant::now()))
            {
                Ok(v) => {
                    self.seen.push(v);
                    self.taken.push(false);
                }
                Err(_) => return None,
            }
        }
    }

    /// `try_wait`, or a panic that shows what the process printed.
    fn wait(
        &mut self,
        who: &str,
        limit: Duration,
        what: &str,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        if let Some(v) = self.try_wait(limit, pred) {
            return v;
        }
        let status = self.proc_.child.try_wait().ok().flatten();
        panic!(
            "watchdog: {who} did not print {what} within {limit:?} (exit {status:?}); it printed:\n{}\nits stderr:\n{}",
            self.printed(),
            self.proc_.stderr_tail()
        );
    }

    /// Its stdout lines so far.
    fn printed(&self) -> String {
        self.seen
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

// ---------------------------------------------------------------------------
// The Node stand-in

/// tests/expo/standin: real RTK stores with the real plugin enhancer and the
/// real `@expo/devtools` client, in Node 20 (`--experimental-websocket`).
pub struct ExpoApp {
    out: Kept,
    /// The `ready` line: `instance`, `stores` [{store, index, instance, id}].
    pub ready: Value,
    /// The stores now (after the last reload).
    pub stores: Vec<Value>,
}

impl ExpoApp {
    /// One store named `name`; `extra`: more flags (`--stores N`, `--name N2`).
    /// Returns once every store's START went out.
    pub fn start(server: &ExpoServer, name: &str, extra: &[&str]) -> ExpoApp {
        ExpoApp::start_on(server.port, name, extra)
    }

    /// The same, for a port this helper did not start a server on (the
    /// stand-in keeps retrying, every 1.5 s, until one is there).
    pub fn start_on(port: u16, name: &str, extra: &[&str]) -> ExpoApp {
        check_standin();
        let mut args = vec![
            "--port".to_string(),
            port.to_string(),
            "--name".into(),
            name.into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let dist = standin_bundle().parent().unwrap().to_path_buf();
        let proc_ = NodeProc::spawn_in(
            &dist,
            "standin.mjs",
            &args,
            &format!("standin {name}"),
            &[("NODE_OPTIONS", "--experimental-websocket")],
        );
        let mut out = Kept::new(proc_);
        let ready = out.wait("the stand-in", Duration::from_secs(60), "ready", |v| {
            v["ready"] == true
        });
        let stores = ready["stores"].as_array().cloned().unwrap_or_default();
        ExpoApp { out, ready, stores }
    }

    /// Store 0's instanceId now.
    pub fn instance(&self) -> String {
        self.stores[0]["instance"].as_str().unwrap().to_string()
    }

    /// Every store's instanceId now.
    pub fn instances(&self) -> Vec<String> {
        self.stores
            .iter()
            .map(|s| s["instance"].as_str().unwrap().to_string())
            .collect()
    }

    fn send(&mut self, line: &str) {
        self.out.proc_.send_line(line);
    }

    /// Wait for a line of the stand-in (each line is returned once).
    pub fn wait(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        self.out.wait("the stand-in", WAIT, what, pred)
    }

    /// Dispatch `{type, payload}` in store 0; its dispatch line
    /// (`store, index, instance, id, n, type, state`).
    pub fn dispatch(&mut self, ty: &str, payload: Option<&Value>) -> Value {
        match payload {
            Some(p) => self.send(&format!("dispatch {ty} {p}")),
            None => self.send(&format!("dispatch {ty}")),
        }
        self.dispatched(ty, Some(0))
    }

    /// Dispatch in the stores `sel` picks (an index, a name, `*`); their lines.
    pub fn dispatch_to(&mut self, sel: &str, ty: &str, payload: Option<&Value>) -> Vec<Value> {
        let n = self
            .stores
            .iter()
            .filter(|s| {
                sel == "*" || s["store"] == sel || sel.parse::<u64>().is_ok_and(|i| s["index"] == i)
            })
            .count();
        assert!(
            n > 0,
            "dispatch_to {sel}: no such store in {:?}",
            self.stores
        );
        match payload {
            Some(p) => self.send(&format!("dispatch-to {sel} {ty} {p}")),
            None => self.send(&format!("dispatch-to {sel} {ty}")),
        }
        (0..n).map(|_| self.dispatched(ty, None)).collect()
    }

    fn dispatched(&mut self, ty: &str, index: Option<u64>) -> Value {
        let what = format!("the dispatch of {ty}");
        let ty = ty.to_string();
        let v = self.wait(&what, |v| {
            (v["type"] == ty.as_str() && v["n"].is_u64() && index.is_none_or(|i| v["index"] == i))
                || (v["cmd"].is_string() && v["error"].is_string())
        });
        if let Some(e) = v.get("error") {
            panic!("stand-in: dispatch {ty} failed: {e}");
        }
        v
    }

    /// A page reload: new stores (new instanceIds) on a new socket. Reply:
    /// `old_instance`, `instance`, `old_stores`, `stores`.
    pub fn reload(&mut self) -> Value {
        self.send("reload");
        let r = self.wait("the reply to reload", |v| v["cmd"] == "reload");
        if let Some(e) = r.get("error") {
            panic!("stand-in: reload failed: {e}");
        }
        self.stores = r["stores"].as_array().cloned().unwrap_or_default();
        r
    }

    /// `opens`, `closes` (of its socket), `sent` {TYPE: n}, `respond` {TYPE: n}.
    pub fn status(&mut self) -> Value {
        self.send("status");
        self.wait("the reply to status", |v| v["cmd"] == "status")
    }

    /// Wait until a `respond` message of type `ty` (a monitor's START...)
    /// reached the stand-in's socket (one not returned by an earlier wait).
    pub fn wait_respond(&mut self, ty: &str) -> Value {
        let what = format!("a respond {ty}");
        self.wait(&what, |v| v["respond"] == ty)
    }

    /// The same within `limit`, or None (for a caller that watches another
    /// process meanwhile).
    pub fn try_wait_respond(&mut self, ty: &str, limit: Duration) -> Option<Value> {
        self.out.try_wait(limit, |v| v["respond"] == ty)
    }

    /// Wait for the socket to open (`"open"`) or close (`"closed"`) — an
    /// event not returned by an earlier wait.
    pub fn wait_socket(&mut self, state: &str, limit: Duration) -> Value {
        let what = format!("its socket {state}");
        self.out
            .wait("the stand-in", limit, &what, |v| v["socket"] == state)
    }

    /// How many `respond` messages of type `ty` reached it so far.
    pub fn responds(&mut self, ty: &str) -> usize {
        self.out.drain();
        self.out.seen.iter().filter(|v| v["respond"] == ty).count()
    }

    /// For a failure: every line so far and the end of its stderr.
    pub fn story(&mut self) -> String {
        self.out.drain();
        format!(
            "the stand-in printed:\n{}\nits stderr:\n{}",
            self.out.printed(),
            self.out.proc_.stderr_tail()
        )
    }

    /// Every line so far.
    pub fn lines(&mut self) -> Vec<Value> {
        self.out.drain();
        self.out.seen.clone()
    }
}

// ---------------------------------------------------------------------------
// The web build in Chromium

/// Headless Chromium with tabs of the Expo web app (and of the plugin's web
/// UI), all on one dev server.
pub struct ExpoBrowser {
    proc_: NodeProc,
}

impl ExpoBrowser {
    pub fn start(server: &ExpoServer) -> ExpoBrowser {
        check_browser();
        let proc_ = NodeProc::spawn_in(
            &expo_dir(),
            "driver.mjs",
            &["--port".into(), server.port.to_string()],
            "expo-browser",
            &[],
        );
        proc_.wait_for(Duration::from_secs(60), "ready", |v| v["ready"] == true);
        ExpoBrowser { proc_ }
    }

    /// Send one command line and wait (up to `limit`) for its reply; Err
    /// with the driver's error if the command failed.
    pub fn try_command_within(&mut self, line: &str, limit: Duration) -> Result<Value, String> {
        let cmd = line.split_whitespace().next().unwrap_or("").to_string();
        self.proc_.send_line(line);
        let reply = self
            .proc_
            .wait_for(limit, &format!("a reply to `{line}`"), |v| v["cmd"] == cmd);
        match reply.get("error") {
            Some(e) => Err(format!("expo browser: `{line}` failed: {e}")),
            None => Ok(reply),
        }
    }

    /// The same, panicking with the driver's error.
    pub fn command_within(&mut self, line: &str, limit: Duration) -> Value {
        self.try_command_within(line, limit)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn command(&mut self, line: &str) -> Value {
        self.command_within(line, COMMAND_LIMIT)
    }

    /// A new tab of the app as app `name` (`/?name=NAME`); returns once its
    /// store exists, its broadcast socket is open and its START went out.
    /// Reply: `instance`, `id`, `dispatched` (the load-time action types:
    /// `app/booted`, `app/catalogLoaded`), `url`.
    pub fn open(&mut self, tab: &str, name: &str) -> Value {
        self.command(&format!("open {tab} {name}"))
    }

    /// Click a Pressable by testID (`inc`, `dec`, `add5`, `add-item`).
    /// Reply: `action`, `action_type`, `state`, `instance`.
    pub fn click(&mut self, tab: &str, testid: &str) -> Value {
        self.command(&format!("click {tab} {testid}"))
    }

    /// Dispatch `{type, payload}` in the tab's store (no payload: `{type}`).
    pub fn dispatch(&mut self, tab: &str, ty: &str, payload: Option<&Value>) -> Value {
        match payload {
            Some(p) => self.command(&format!("dispatch {tab} {ty} {p}")),
            None => self.command(&format!("dispatch {tab} {ty}")),
        }
    }

    /// Reload the tab: a new store. Reply: `old_instance`, `instance`, `id`.
    pub fn reload(&mut self, tab: &str) -> Value {
        self.command(&format!("reload {tab}"))
    }

    /// `instance`, `state`, `dispatched` (types).
    pub fn state(&mut self, tab: &str) -> Value {
        self.command(&format!("state {tab}"))
    }

    /// A tab of the plugin's own web UI (it sends `respond START` on connect
    /// and whenever an app's START reaches it). Reply: `url`, `socket`.
    pub fn webui(&mut self, tab: &str) -> Value {
        self.command(&format!("webui {tab}"))
    }

    /// What the tab's broadcast socket did: `opens`, `closes`, `open`,
    /// `monitored`, `instance`..., `sent` and `received`: [{t, method, type,
    /// instanceId?, actionType?, handshake?, binary?}].
    pub fn socket(&mut self, tab: &str) -> Value {
        self.command(&format!("socket {tab}"))
    }

    /// Until the tab's socket is `open` (and its START went out), `closed`,
    /// or `monitored` (a `respond START` reached it since it opened).
    pub fn wait_socket(&mut self, tab: &str, state: &str, limit: Duration) -> Value {
        self.try_wait_socket(tab, state, limit)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// `wait_socket`, with the driver's error (its timeout) as Err.
    pub fn try_wait_socket(
        &mut self,
        tab: &str,
        state: &str,
        limit: Duration,
    ) -> Result<Value, String> {
        assert!(
            ["open", "closed", "monitored"].contains(&state),
            "wait_socket: {state}"
        );
        self.try_command_within(
            &format!("wait-socket {tab} {state} {}", limit.as_millis()),
            limit + Duration::from_secs(10),
        )
    }

    pub fn close(&mut self, tab: &str) -> Value {
        self.command(&format!("close {tab}"))
    }
}

// ---------------------------------------------------------------------------
// A plain monitor on the broadcast socket (no rdx)

/// One frame the monitor received.
#[derive(Debug, Clone)]
pub struct Frame {
    pub binary: bool,
    /// The text (or, for a binary frame, its bytes as lossy UTF-8).
    pub text: String,
    /// The text parsed, if it is JSON.
    pub json: Option<Value>,
}

impl Frame {
    /// The relay message of a plugin `log` frame (`{type, id, instanceId, ...}`).
    pub fn log(&self) -> Option<&Value> {
        self.plugin_payload("log")
    }

    /// The payload of a plugin `respond` frame (`{type: "START"}`...).
    pub fn respond(&self) -> Option<&Value> {
        self.plugin_payload("respond")
    }

    fn plugin_payload(&self, method: &str) -> Option<&Value> {
        let v = self.json.as_ref()?;
        (v["messageKey"]["pluginName"] == PLUGIN && v["messageKey"]["method"] == method)
            .then(|| &v["payload"])
    }

    pub fn is_handshake(&self) -> bool {
        self.json
            .as_ref()
            .is_some_and(|v| v["__isHandshakeMessages"] == true)
    }
}

/// A tungstenite client on the dev server's broadcast socket: it sends only
/// what the test tells it to, and keeps every frame it receives.
pub struct ExpoMonitor {
    rx: mpsc::Receiver<Frame>,
    tx: mpsc::Sender<String>,
    stop: Arc<AtomicBool>,
    pub seen: Vec<Frame>,
    /// Frames before this index were passed by `wait_log`/`wait_frame`.
    cursor: usize,
}

impl ExpoMonitor {
    pub fn connect(server: &ExpoServer) -> ExpoMonitor {
        ExpoMonitor::connect_on(server.port)
    }

    pub fn connect_on(port: u16) -> ExpoMonitor {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
            .unwrap_or_else(|e| panic!("monitor: connect to 127.0.0.1:{port}: {e}"));
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream
            .set_write_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let (mut ws, _) = tungstenite::client(format!("ws://127.0.0.1:{port}{BROADCAST}"), stream)
            .unwrap_or_else(|e| panic!("monitor: WebSocket handshake on {BROADCAST}: {e}"));
        ws.get_ref()
            .set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        let (ftx, frx) = mpsc::channel();
        let (stx, srx) = mpsc::channel::<String>();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(900);
            while !stop2.load(Ordering::SeqCst) && Instant::now() < deadline {
                for text in srx.try_iter() {
                    if ws.send(Message::text(text)).is_err() {
                        return;
                    }
                }
                match ws.read() {
                    Ok(Message::Text(t)) => {
                        let text = t.to_string();
                        let json = serde_json::from_str(&text).ok();
                        if ftx
                            .send(Frame {
                                binary: false,
                                text,
                                json,
                            })
                            .is_err()
                        {
                            return;
                        }
                    }
                    Ok(Message::Binary(b)) => {
                        let text = String::from_utf8_lossy(&b).into_owned();
                        let _ = ftx.send(Frame {
                            binary: true,
                            text,
                            json: None,
                        });
                    }
                    Ok(_) => {}
                    Err(tungstenite::Error::Io(e))
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) => {}
                    Err(_) => return,
                }
            }
            let _ = ws.close(None);
            let _ = ws.flush();
        });
        ExpoMonitor {
            rx: frx,
            tx: stx,
            stop,
            seen: Vec::new(),
            cursor: 0,
        }
    }

    /// Send `{"messageKey":{"pluginName":PLUGIN,"method":"respond"},"payload":{"type":TY}}`
    /// (what the plugin's web UI sends for START).
    pub fn respond(&self, ty: &str) {
        let frame = json!({
            "messageKey": {"pluginName": PLUGIN, "method": "respond"},
            "payload": {"type": ty},
        });
        self.tx
            .send(frame.to_string())
            .expect("monitor thread gone");
    }

    fn drain(&mut self) {
        self.seen.extend(self.rx.try_iter());
    }

    /// The next frame (after the last one a wait returned) that `pred`
    /// accepts; the waits go forward, so successive waits check an order.
    pub fn wait_frame(&mut self, what: &str, pred: impl Fn(&Frame) -> bool) -> Frame {
        let end = Instant::now() + WAIT;
        loop {
            while self.cursor < self.seen.len() {
                let i = self.cursor;
                self.cursor += 1;
                if pred(&self.seen[i]) {
                    return self.seen[i].clone();
                }
            }
            match self
                .rx
                .recv_timeout(end.saturating_duration_since(Instant::now()))
            {
                Ok(f) => self.seen.push(f),
                Err(e) => panic!(
                    "watchdog: the monitor saw no {what} within {WAIT:?} ({e:?}); frames:\n{}",
                    self.seen
                        .iter()
                        .map(|f| f.text.chars().take(300).collect::<String>())
                        .collect::<Vec<_>>()
                        .join("\n")
                ),
            }
        }
    }

    /// The next plugin `log` message that `pred` accepts (see `wait_frame`).
    pub fn wait_log(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        self.wait_frame(what, |f| f.log().is_some_and(&pred))
            .log()
            .unwrap()
            .clone()
    }

    /// Every frame so far.
    pub fn frames(&mut self) -> &[Frame] {
        self.drain();
        &self.seen
    }
}

impl Drop for ExpoMonitor {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// The decoded `action` of an ACTION message (jsan: plain JSON here): the
/// app's action inside the lifted PERFORM_ACTION.
pub fn action_of(msg: &Value) -> Value {
    let a: Value = serde_json::from_str(msg["action"].as_str().expect("action string"))
        .unwrap_or_else(|e| panic!("ACTION's action is not JSON: {e}: {msg}"));
    if a["type"] == "PERFORM_ACTION" {
        a["action"].clone()
    } else {
        a
    }
}

/// The decoded `payload` of a log message (the state, or the lifted state).
pub fn payload_of(msg: &Value) -> Value {
    serde_json::from_str(msg["payload"].as_str().expect("payload string"))
        .unwrap_or_else(|e| panic!("the payload is not JSON: {e}: {msg}"))
}

/// The app action types in a STATE's lifted history, in staged order
/// (`@@INIT` left out).
pub fn lifted_action_types(state_msg: &Value) -> Vec<String> {
    let lifted = payload_of(state_msg);
    lifted["stagedActionIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| lifted["actionsById"][id.to_string()]["action"]["type"].clone())
        .filter_map(|t| t.as_str().map(str::to_string))
        .filter(|t| t != "@@INIT")
        .collect()
}
