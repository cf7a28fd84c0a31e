//! The real thing: `@redux-devtools/cli` started from npm on a free loopback
//! port, real Redux stores through `@redux-devtools/remote`, and a second
//! monitor on `socketcluster-client`, all driven by the scripts in tests/e2e/.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

pub fn e2e_dir() -> PathBuf {
    super::root().join("tests/e2e")
}

/// Fail with a clear message if the npm deps are missing.
fn check_deps() {
    let nm = e2e_dir().join("node_modules/@redux-devtools/cli");
    assert!(
        nm.is_dir(),
        "end-to-end deps missing: run `make e2e-deps` (npm ci in tests/e2e with ELECTRON_SKIP_BINARY_DOWNLOAD=1)"
    );
}

/// A node child whose stdout JSON lines arrive on a channel.
pub struct NodeProc {
    pub child: Child,
    pub lines: mpsc::Receiver<Value>,
    stdin: Option<ChildStdin>,
    name: String,
    /// The last [`ERR_TAIL`] bytes of its stderr, for failures.
    err: std::sync::Arc<std::sync::Mutex<String>>,
}

/// How much of a Node process's stderr a failure shows.
const ERR_TAIL: usize = 16 * 1024;

/// Where the last `n` bytes of `s` start (on a character's boundary).
fn last_bytes(s: &str, n: usize) -> usize {
    let mut cut = s.len().saturating_sub(n);
    while !s.is_char_boundary(cut) {
        cut += 1;
    }
    cut
}

impl NodeProc {
    pub fn spawn(script: &str, args: &[String], name: &str) -> NodeProc {
        check_deps();
        NodeProc::spawn_in(&e2e_dir(), script, args, name, &[])
    }

    /// Run `dir/script` with `dir` as the working directory, with extra env vars.
    pub fn spawn_in(
        dir: &std::path::Path,
        script: &str,
        args: &[String],
        name: &str,
        env: &[(&str, &str)],
    ) -> NodeProc {
        let mut cmd = Command::new("node");
        cmd.arg(dir.join(script)).args(args).current_dir(dir);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("spawn node {script}: {e}"));
        let (tx, rx) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if let Ok(v) = serde_json::from_str::<Value>(&line)
                    && tx.send(v).is_err()
                {
                    break;
                }
            }
        });
        let err = child.stderr.take().unwrap();
        let tag = name.to_string();
        let kept = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let tail = kept.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if std::env::var_os("RDX_E2E_VERBOSE").is_some() {
                    eprintln!("[{tag}] {line}");
                }
                let mut t = tail.lock().unwrap_or_else(|e| e.into_inner());
                t.push_str(&line);
                t.push('\n');
                if t.len() > 2 * ERR_TAIL {
                    let cut = last_bytes(&t, ERR_TAIL);
                    t.drain(..cut);
                }
            }
        });
        let stdin = child.stdin.take();
        NodeProc {
            child,
            lines: rx,
            stdin,
            name: name.to_string(),
            err: kept,
        }
    }

    /// The end of what it wrote on stderr so far.
    pub fn stderr_tail(&self) -> String {
        let t = self.err.lock().unwrap_or_else(|e| e.into_inner());
        t[last_bytes(&t, ERR_TAIL)..].to_string()
    }

    /// Wait for a line matching `pred` (watchdog: `limit`). Returns it.
    pub fn wait_for(&self, limit: Duration, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(v) if pred(&v) => return v,
                Ok(_) => {}
                Err(_) => panic!(
                    "watchdog: {} did not print {what} within {limit:?}; its stderr:\n{}",
                    self.name,
                    self.stderr_tail()
                ),
            }
        }
    }

    /// Every line received so far, without waiting.
    pub fn drain(&self) -> Vec<Value> {
        self.lines.try_iter().collect()
    }

    pub fn send_line(&mut self, line: &str) {
        if let Some(s) = self.stdin.as_mut() {
            let _ = writeln!(s, "{line}");
            let _ = s.flush();
        }
    }
}

impl NodeProc {
    /// Stop the process: SIGTERM first (the scripts exit on it, the legacy
    /// server taking its forked workers down), SIGKILL after 3 s.
    pub fn kill(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let end = Instant::now() + Duration::from_secs(3);
        while Instant::now() < end {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for NodeProc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The real `@redux-devtools/cli` server on 127.0.0.1 and a free port.
pub struct Server {
    pub port: u16,
    /// Held for its Drop: the server stops with the test.
    _proc: NodeProc,
}

/// `server.js` on `port` (0: it picks one), once it accepts connections,
/// with the port it listens on; None if it exited first (the port was taken
/// between picking and binding it).
pub fn server_on(port: u16) -> Option<(NodeProc, u16)> {
    let p = NodeProc::spawn("server.js", &["--port".into(), port.to_string()], "server");
    let end = Instant::now() + Duration::from_secs(60);
    loop {
        match p
            .lines
            .recv_timeout(end.saturating_duration_since(Instant::now()))
        {
            Ok(v) if v["ready"] == true => {
                let port = v["port"].as_u64().expect("port") as u16;
                return Some((p, port));
            }
            Ok(_) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return None,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!("watchdog: server.js --port {port} not ready within 60s")
            }
        }
    }
}

impl Server {
    /// On a free port; tried again (3 times at most) when the port it picked
    /// was taken before the server could bind it.
    pub fn start() -> Server {
        for attempt in 1..=3 {
            match server_on(0) {
                Some((proc_, port)) => return Server { port, _proc: proc_ },
                None => eprintln!("note: the DevTools server did not start (try {attempt}); again"),
            }
        }
        panic!("the DevTools server did not start in 3 tries")
    }

    pub fn url(&self) -> String {
        format!("ws://127.0.0.1:{}/socketcluster/", self.port)
    }
}

/// A process holding real Redux stores connected through @redux-devtools/remote.
pub struct Apps(pub NodeProc);

impl Apps {
    /// `extra`: more flags for app.js (`--actions`, `--interval`, ...).
    pub fn start(server: &Server, stores: &[&str], extra: &[&str]) -> Apps {
        Apps::start_on(server.port, stores, extra)
    }

    /// The same, for a server this helper did not start.
    pub fn start_on(port: u16, stores: &[&str], extra: &[&str]) -> Apps {
        let mut args = vec!["--port".to_string(), port.to_string()];
        for s in stores {
            args.push("--store".into());
            args.push(s.to_string());
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        Apps(NodeProc::spawn("app.js", &args, "app"))
    }
}

/// A second monitor (socketcluster-client, like the official monitor app).
pub struct Monitor(pub NodeProc);

impl Monitor {
    /// A good monitor: re-sends START when an app starts or stops.
    pub fn start(server: &Server) -> Monitor {
        Monitor::spawn(server, &[])
    }

    /// Like the official monitor app: does not re-send START when apps stop.
    pub fn start_plain(server: &Server) -> Monitor {
        Monitor::spawn(server, &["--no-restart-on-stop"])
    }

    fn spawn(server: &Server, extra: &[&str]) -> Monitor {
        let mut args = vec!["--port".to_string(), server.port.to_string()];
        args.extend(extra.iter().map(|s| s.to_string()));
        let p = NodeProc::spawn("monitor.js", &args, "monitor");
        p.wait_for(Duration::from_secs(30), "subscribed", |v| {
            v["subscribed"] == true
        });
        Monitor(p)
    }
}

/// rdx as a child process (for commands that run while the test acts).
pub fn spawn_rdx(args: &[&str]) -> Child {
    super::rdx()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rdx")
}
