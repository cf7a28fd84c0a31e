//! A real browser: tests/browser/driver.js serves the shop page (React +
//! Redux Toolkit, bundled by Vite into tests/browser/dist), runs Debian's
//! Chromium headless through playwright-core, and opens tabs of the page that
//! stream to a DevTools server through `@redux-devtools/remote`.
//!
//! One `Browser` is one Chromium; each tab is one page load, so one store
//! (one instanceId) until it reloads. Every call waits for the driver's reply,
//! with a watchdog, and panics with the driver's error if the command failed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use super::e2e::NodeProc;

/// How long one driver command may take (the driver's own limit is 60 s).
pub const COMMAND_LIMIT: Duration = Duration::from_secs(75);

pub fn browser_dir() -> PathBuf {
    super::root().join("tests/browser")
}

pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Fail with a clear message if the page, the npm deps or Chromium are missing.
fn check_deps() {
    let dir = browser_dir();
    let hint =
        "run `make e2e-deps` (npm ci + vite build in tests/browser, apt-get install chromium)";
    assert!(
        dir.join("node_modules/playwright-core").is_dir(),
        "browser test deps missing: {hint}"
    );
    assert!(
        dir.join("dist/index.html").is_file(),
        "the test page is not built (tests/browser/dist): {hint}"
    );
    assert!(Path::new(CHROMIUM).exists(), "{CHROMIUM} missing: {hint}");
}

/// Headless Chromium with tabs of the shop page, all streaming to one
/// DevTools server.
pub struct Browser {
    proc_: NodeProc,
}

impl Browser {
    /// Launch Chromium; the pages will stream to 127.0.0.1:`devtools_port`.
    pub fn start(devtools_port: u16) -> Browser {
        check_deps();
        let proc_ = NodeProc::spawn_in(
            &browser_dir(),
            "driver.js",
            &["--port".into(), devtools_port.to_string()],
            "browser",
            &[],
        );
        proc_.wait_for(Duration::from_secs(60), "ready", |v| v["ready"] == true);
        Browser { proc_ }
    }

    /// Send one command line and wait (up to `limit`) for its reply.
    pub fn command_within(&mut self, line: &str, limit: Duration) -> Value {
        let cmd = line.split_whitespace().next().unwrap_or("").to_string();
        self.proc_.send_line(line);
        let reply = self
            .proc_
            .wait_for(limit, &format!("a reply to `{line}`"), |v| v["cmd"] == cmd);
        if let Some(e) = reply.get("error") {
            panic!("browser: `{line}` failed: {e}");
        }
        reply
    }

    pub fn command(&mut self, line: &str) -> Value {
        self.command_within(line, COMMAND_LIMIT)
    }

    /// Open a new tab of the page as app `name`; returns once the page's
    /// load-time `catalog/load/fulfilled` happened and its store announced
    /// itself to the server. Reply: `instance`, `dispatched` (the load-time
    /// actions, `{type, payload, at}`), `load_sent_as_action`.
    pub fn open(&mut self, tab: &str, name: &str) -> Value {
        self.command(&format!("open {tab} {name}"))
    }

    /// Click a button by id (`add-to-cart`, `increment`), tab brought to the
    /// front first. Reply: `action`, `action_type`, `state`, `instance`.
    pub fn click(&mut self, tab: &str, button: &str) -> Value {
        self.command(&format!("click {tab} {button}"))
    }

    /// Dispatch `{type, payload}` in the tab (no payload: `{type}`).
    pub fn dispatch(&mut self, tab: &str, action_type: &str, payload: Option<&Value>) -> Value {
        match payload {
            Some(p) => self.command(&format!("dispatch {tab} {action_type} {p}")),
            None => self.command(&format!("dispatch {tab} {action_type}")),
        }
    }

    /// Reload the tab (F5): a new store, a new instanceId. Returns once the new
    /// page did its load-time actions and announced itself. Reply:
    /// `old_instance`, `instance`.
    pub fn reload(&mut self, tab: &str) -> Value {
        self.command(&format!("reload {tab}"))
    }

    /// What the page's DevTools socket did (tests/browser/src/probe.js):
    /// `opens`, `closes`, `open`, `startsSent`, `sent`, `received`, ...
    pub fn socket(&mut self, tab: &str) -> Value {
        self.command(&format!("socket {tab}"))
    }

    /// Wait until the page's socket is in `state`: `"closed"`; `"open"` (open
    /// and logged in: START sent on it); `"monitored"` (a monitor's START
    /// reached the page since its socket opened: its next actions go out as
    /// ACTIONs, not only inside its next STATE).
    pub fn wait_socket(&mut self, tab: &str, state: &str, limit: Duration) -> Value {
        assert!(
            ["open", "closed", "monitored"].contains(&state),
            "wait_socket: {state}"
        );
        self.command_within(
            &format!("wait-socket {tab} {state} {}", limit.as_millis()),
            limit + Duration::from_secs(10),
        )
    }
}
