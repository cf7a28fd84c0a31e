//! Test helpers: run the real rdx binary (with a watchdog), locate fixtures,
//! and start the real server and real Redux apps for end-to-end tests.

pub mod browser;
pub mod e2e;
pub mod expo;
pub mod fake;
pub mod generated;
pub mod proxy;
pub mod running;

use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> String {
    root()
        .join("fixtures")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// The captures shipped beside the repo (../shared/captures), if present.
pub fn shared_captures() -> Option<PathBuf> {
    let p = root().join("../shared/captures");
    p.is_dir().then_some(p)
}

/// A command for the rdx binary, isolated from the user's environment.
pub fn rdx() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rdx"));
    isolate(&mut c);
    c.stdin(Stdio::null());
    c
}

/// Keep the user's environment from what `c` (rdx, or what starts it)
/// sees: none of rdx's variables, no NO_COLOR, a label store of the tests.
pub fn isolate(c: &mut Command) {
    for k in [
        "RDX_URL",
        "RDX_HOST",
        "RDX_PORT",
        "RDX_TIMEOUT",
        "RDX_LABELS",
        "RDX_CACERT",
        "NO_COLOR",
    ] {
        c.env_remove(k);
    }
    c.env(
        "XDG_STATE_HOME",
        std::env::temp_dir().join("rdx-test-state"),
    );
}

/// Wait for a child with a watchdog: kill it and panic after `limit`.
pub fn wait_output(mut child: Child, limit: Duration, what: &str) -> Output {
    let start = Instant::now();
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.read_to_end(&mut b);
        }
        b
    });
    let err_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.read_to_end(&mut b);
        }
        b
    });
    let status = loop {
        if let Some(st) = child.try_wait().expect("try_wait") {
            break st;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            let err = err_t.join().unwrap_or_default();
            panic!(
                "watchdog: `{what}` still running after {limit:?}; stderr:\n{}",
                String::from_utf8_lossy(&err)
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Output {
        status,
        stdout: out_t.join().unwrap_or_default(),
        stderr: err_t.join().unwrap_or_default(),
    }
}

/// One finished run of rdx: its output, and the command line, so that a
/// failed expectation can show everything.
pub struct Ran {
    pub args: Vec<String>,
    pub out: Output,
}

impl std::ops::Deref for Ran {
    type Target = Output;
    fn deref(&self) -> &Output {
        &self.out
    }
}

impl Ran {
    /// Expect exit code `want`; otherwise fail showing the command, the
    /// code, stdout and stderr.
    #[track_caller]
    pub fn expect(&self, want: i32) -> &Ran {
        let got = code(&self.out);
        if got != want {
            panic!(
                "`rdx {}` exited {got}, expected {want}\n--- stdout ---\n{}\n--- stderr ---\n{}",
                self.args.join(" "),
                stdout(&self.out),
                stderr(&self.out)
            );
        }
        self
    }
}

/// The same expectation for the output of a child the test spawned itself.
pub trait Expect {
    fn expect(&self, want: i32) -> &Self;
}

impl Expect for Output {
    #[track_caller]
    fn expect(&self, want: i32) -> &Output {
        let got = code(self);
        if got != want {
            panic!(
                "rdx exited {got}, expected {want}\n--- stdout ---\n{}\n--- stderr ---\n{}",
                stdout(self),
                stderr(self)
            );
        }
        self
    }
}

/// Run rdx with `args`, a 60 s watchdog, and return its output.
pub fn run(args: &[&str]) -> Ran {
    run_cmd(rdx().args(args), args)
}

/// Run rdx on a recording: `rdx --replay FILE ARGS...`.
pub fn replay(file: &str, args: &[&str]) -> Ran {
    let mut all = vec!["--replay", file];
    all.extend_from_slice(args);
    run(&all)
}

pub fn run_cmd(cmd: &mut Command, args: &[&str]) -> Ran {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rdx");
    let out = wait_output(
        child,
        Duration::from_secs(60),
        &format!("rdx {}", args.join(" ")),
    );
    Ran {
        args: args.iter().map(|a| a.to_string()).collect(),
        out,
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Parse NDJSON stdout into values (panics, with the text, on a bad line).
pub fn json_lines(o: &Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// A fresh temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!(
            "rdx-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn join(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every relay message in a fixture, decoded independently of rdx: (t, msg).
pub fn relay_messages(file: &str) -> Vec<(u64, serde_json::Value)> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut out = Vec::new();
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if v["dir"] != "in" {
            continue;
        }
        let Some(data) = v["data"].as_str() else {
            continue;
        };
        let Ok(frame) = serde_json::from_str::<serde_json::Value>(data) else {
            continue;
        };
        if frame["event"] == "#publish" && frame["data"]["channel"] == "log" {
            out.push((v["t"].as_u64().unwrap(), frame["data"]["data"].clone()));
        }
    }
    out
}

/// An ACTION message's type, decoded independently of rdx.
pub fn action_type(msg: &serde_json::Value) -> String {
    let a: serde_json::Value = serde_json::from_str(msg["action"].as_str().unwrap()).unwrap();
    let a = if a["type"] == "PERFORM_ACTION" {
        &a["action"]
    } else {
        &a
    };
    a["type"].as_str().unwrap().to_string()
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The app state after each state-carrying message of one instance, decoded
/// independently of rdx (ACTION payloads; STATE `computedStates[current]`).
pub fn states_of(file: &str, instance: &str) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for (_, m) in relay_messages(file) {
        if m["instanceId"] != instance {
            continue;
        }
        let Some(p) = m["payload"].as_str() else {
            continue;
        };
        let p: serde_json::Value = serde_json::from_str(p).unwrap();
        if m["type"] == "ACTION" {
            out.push(p);
        } else if m["type"] == "STATE" {
            let i = p["currentStateIndex"].as_u64().unwrap() as usize;
            out.push(p["computedStates"][i]["state"].clone());
        }
    }
    out
}
