//! rdx running in the background (the end-to-end tests that watch it
//! while a browser or an app does things): its stdout and stderr read as
//! they come, waits with a watchdog that show everything rdx printed.

use std::io::{BufRead, BufReader};
use std::process::Child;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::e2e::spawn_rdx;

/// Longest wait for one thing rdx should print.
const WATCHDOG: Duration = Duration::from_secs(30);

/// Lines of a child's pipe, kept as they come.
pub struct Lines {
    rx: mpsc::Receiver<String>,
    seen: Vec<String>,
    /// Indices of the lines a wait already returned (each is returned once).
    taken: std::collections::HashSet<usize>,
}

impl Lines {
    pub fn of(r: impl std::io::Read + Send + 'static) -> Lines {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for l in BufReader::new(r).lines().map_while(Result::ok) {
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        Lines {
            rx,
            seen: Vec::new(),
            taken: Default::default(),
        }
    }

    pub fn drain(&mut self) {
        self.seen.extend(self.rx.try_iter());
    }
}

/// rdx running in the background, its stdout and stderr read as they come.
pub struct Rdx {
    pub child: Child,
    out: Lines,
    err: Lines,
    what: String,
}

impl Rdx {
    pub fn spawn(args: &[&str]) -> Rdx {
        let mut child = spawn_rdx(args);
        let out = Lines::of(child.stdout.take().unwrap());
        let err = Lines::of(child.stderr.take().unwrap());
        Rdx {
            child,
            out,
            err,
            what: format!("rdx {}", args.join(" ")),
        }
    }

    pub fn transcript(&mut self) -> String {
        self.out.drain();
        self.err.drain();
        format!(
            "`{}`\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.what,
            self.out.seen.join("\n"),
            self.err.seen.join("\n")
        )
    }

    /// The first line of stdout (or stderr), printed so far or to come, for
    /// which `pred` holds and that no earlier wait returned.
    fn wait_line(&mut self, stderr: bool, what: &str, pred: &dyn Fn(&str) -> bool) -> String {
        let end = Instant::now() + WATCHDOG;
        let lines = if stderr { &mut self.err } else { &mut self.out };
        let mut i = 0;
        loop {
            while i < lines.seen.len() {
                if !lines.taken.contains(&i) && pred(&lines.seen[i]) {
                    lines.taken.insert(i);
                    return lines.seen[i].clone();
                }
                i += 1;
            }
            match lines
                .rx
                .recv_timeout(end.saturating_duration_since(Instant::now()))
            {
                Ok(l) => lines.seen.push(l),
                Err(e) => {
                    let ended = matches!(e, mpsc::RecvTimeoutError::Disconnected);
                    let status = self.child.try_wait().ok().flatten();
                    panic!(
                        "watchdog: no {what} within {WATCHDOG:?} (stream ended: {ended}, exit: {status:?})\n{}",
                        self.transcript()
                    );
                }
            }
        }
    }

    pub fn wait_json(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let l = self.wait_line(false, what, &|l| {
            serde_json::from_str::<Value>(l).is_ok_and(|v| pred(&v))
        });
        serde_json::from_str(&l).unwrap()
    }

    pub fn wait_stdout(&mut self, words: &[&str]) -> String {
        let what = format!("stdout line with {words:?}");
        self.wait_line(false, &what, &|l| words.iter().all(|w| l.contains(w)))
    }

    pub fn wait_stderr(&mut self, words: &[&str]) -> String {
        let what = format!("stderr line with {words:?}");
        self.wait_line(true, &what, &|l| words.iter().all(|w| l.contains(w)))
    }

    /// Every stdout line so far, parsed.
    pub fn json_so_far(&mut self) -> Vec<Value> {
        self.out.drain();
        let parsed: Result<Vec<Value>, String> = self
            .out
            .seen
            .iter()
            .map(|l| serde_json::from_str(l).map_err(|e| format!("bad JSON line {l:?}: {e}")))
            .collect();
        parsed.unwrap_or_else(|e| panic!("{e}\n{}", self.transcript()))
    }

    /// With `--verbose` on the DevTools server: block until rdx is
    /// subscribed.
    pub fn wait_connected(&mut self) {
        self.wait_stderr(&["connected as"]);
    }

    /// Fail, with everything rdx printed, if it ended.
    pub fn assert_running(&mut self) {
        if let Ok(Some(st)) = self.child.try_wait() {
            panic!("rdx ended ({st}):\n{}", self.transcript());
        }
    }

    /// Wait (watchdog: 60 s) for rdx to exit by itself; its exit code.
    pub fn wait_exit(&mut self) -> i32 {
        let end = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(st)) = self.child.try_wait() {
                return st.code().unwrap_or(-1);
            }
            if Instant::now() > end {
                panic!(
                    "watchdog: rdx still running after 60s\n{}",
                    self.transcript()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Rdx {
    fn drop(&mut self) {
        self.stop();
    }
}
