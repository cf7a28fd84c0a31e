//! `rdx mcp`: a Model Context Protocol server on stdio for coding agents.
//! JSON-RPC 2.0, one message a line, hand-written on serde_json; read-only
//! tools over the feed (sessions, states, recent actions, waiting for a value,
//! labels, the server's stored reports).
//!
//! The main thread waits on the feed and on the requests at once (a reader
//! thread sends stdin's lines on a channel); a call that must wait (`wait_for`,
//! a state not seen yet) is kept pending and answered when it can be, while
//! other requests are served.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, Write};
use std::time::{Duration, Instant};

use regex_lite::Regex;
use serde_json::{Map, Value, json};

use crate::cli::{self, Config, Parsed};
use crate::error::{Error, Result};
use crate::feed::{Feed, Item, Options, States, Woke};
use crate::model::labels;
use crate::model::registry::Status;
use crate::model::selection::{Matcher, Selection};
use crate::query::diff::diff;
use crate::query::paths::{self, Path};
use crate::time::{now_ms, rfc3339_ms};

/// What `rdx mcp` does.
pub(crate) const ABOUT: &str = "\
rdx mcp - serve Redux state and actions to a coding agent (MCP on stdio)

Usage: rdx mcp [GLOBAL FLAGS]

Speaks the Model Context Protocol (revision 2025-11-25) on stdin/stdout: one
JSON-RPC message a line; logs go to stderr. rdx joins the DevTools server as
always (read-only, no login by default, reconnecting) and answers the agent's
tool calls: list_sessions, get_state, get_actions, wait_for, label_session,
list_reports, get_report (the reports the server stored; a live server only).
No tool can change an app: no dispatch, no import, no time travel.
";

/// After the flags.
pub(crate) const MORE: &str = "\
Add it to an agent:
  claude mcp add rdx -- rdx mcp --port 8000
or, in a client's JSON configuration:
  {\"mcpServers\": {\"rdx\": {\"command\": \"rdx\", \"args\": [\"mcp\", \"--port\", \"8000\"]}}}

With --replay FILE the tools answer from a recording (list_reports and
get_report need a live DevTools server: there they are tool errors). A closed
stdin ends rdx with exit 0.

Sizes: every tool takes max_bytes (default 20000): the whole tool result is at
most max_bytes + 2048 bytes, long strings and lists cut, and it says what was
cut. rdx keeps per instance the last 200 actions (at most 4 MiB; 32 MiB for
all) and one state (a bigger one than 16 MiB kept cut; 64 MiB for all).

Examples:
  rdx mcp --port 8000
  rdx --replay fixtures/two-apps.jsonl mcp
";

/// The protocol revisions rdx speaks, newest first. Not 2025-03-26, the
/// one revision whose clients may send JSON-RPC batches: rdx reads one
/// message a line and answers a JSON array with -32600, so a client asking
/// for 2025-03-26 is offered 2025-11-25 instead.
const VERSIONS: &[&str] = &["2025-11-25", "2025-06-18", "2024-11-05"];
/// The longest request line rdx reads; the rest of a longer line is
/// discarded unread into memory, and the line is answered -32700.
const LINE_MAX: usize = 16 << 20;
/// Changes kept per action's diff.
const DIFF_LIMIT: usize = 50;
/// Default, smallest and largest `max_bytes`: the size of a whole tool
/// result, in bytes of JSON (plus [`ENVELOPE`]).
const MAX_BYTES: u64 = 20_000;
const MAX_BYTES_MIN: u64 = 100;
const MAX_BYTES_CAP: u64 = 1_000_000;
/// `wait_for`'s default and longest wait.
const WAIT_DEFAULT_S: f64 = 30.0;
const WAIT_CAP_S: f64 = 120.0;
/// Live: how long after a failed feed rdx tries the server again.
const REOPEN: Duration = Duration::from_secs(2);
/// Live: how long after joining the server the registry counts as complete
/// (apps answer START within milliseconds; `rdx sessions` listens 1 s).
const SETTLE_MS: u64 = 1000;

#[derive(Debug, Default)]
pub(crate) struct Args;

/// `rdx mcp` takes no words and no flags of its own.
pub(crate) fn args(p: &Parsed) -> Result<Args> {
    cli::no_more_words(p, 0)?;
    Ok(Args)
}

/// A parsed tool call.
#[derive(Debug, Clone)]
enum Call {
    ListSessions {
        sel: Selection,
        all: bool,
        max: u64,
    },
    GetState {
        sel: Selection,
        path: Option<Path>,
        max: u64,
    },
    GetActions {
        sel: Selection,
        ty: Option<Regex>,
        since: Option<i64>,
        limit: usize,
        with_diff: bool,
        max: u64,
    },
    WaitFor {
        sel: Selection,
        path: Path,
        equals: Option<Value>,
        timeout: Duration,
        max: u64,
    },
    Label {
        id: String,
        label: String,
        max: u64,
    },
    ListReports {
        filters: crate::cmd::reports::Filters,
        max: u64,
    },
    GetReport {
        id: String,
        path: Option<Path>,
        max: u64,
    },
}

impl Call {
    /// The call's `max_bytes`.
    fn max(&self) -> u64 {
        match self {
            Call::ListSessions { max, .. }
            | Call::GetState { max, .. }
            | Call::GetActions { max, .. }
            | Call::WaitFor { max, .. }
            | Call::Label { max, .. }
            | Call::ListReports { max, .. }
            | Call::GetReport { max, .. } => *max,
        }
    }
}

/// A call that waits for something.
struct Pending {
    id: Value,
    call: Call,
    started: Instant,
    deadline: Instant,
    /// `wait_for`: the instance, and (with `changes`) its value when the
    /// first state was seen.
    memo: Option<(String, Option<Option<Value>>)>,
}

/// A call's answer, or "not yet" (keep it pending).
enum Outcome {
    Done(Value),
    NotYet,
}

struct Server<'a> {
    cfg: &'a Config,
    seen: Kept,
    pending: Vec<Pending>,
    /// Why the feed stopped for good (the server is then unreachable).
    dead: Option<String>,
    /// Instances an UPDATE was sent for (at most once each).
    asked: std::collections::HashSet<String>,
    /// The server's stored reports.
    stored: Stored,
}

impl<'a> Server<'a> {
    /// A server that has answered nothing yet.
    fn new(cfg: &'a Config) -> Server<'a> {
        Server {
            cfg,
            seen: Kept::default(),
            pending: Vec::new(),
            dead: None,
            asked: Default::default(),
            stored: Stored::new(cfg.feed.timeout),
        }
    }
}

pub(crate) fn run(cfg: &Config, _args: Args) -> Result<()> {
    if cfg.feed.replay.as_deref() == Some("-") {
        return Err(Error::usage(
            "rdx mcp reads its requests on stdin, so --replay - cannot be used: give the recording's file name",
        ));
    }
    // A few lines in flight at most: a client that writes faster than rdx
    // answers waits, rather than filling rdx's memory.
    let (tx, rx) = crossbeam_channel::bounded::<Line>(4);
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buf = Vec::new();
        loop {
            let line = match read_line(&mut stdin, &mut buf, LINE_MAX) {
                Ok(Some(Ok(()))) => Line::Text(String::from_utf8_lossy(&buf).into_owned()),
                Ok(Some(Err(len))) => Line::TooLong(len),
                Ok(None) | Err(_) => return,
            };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let opts = Options {
        actions: true,
        states: States::PerAction,
        history: true,
        // A link made again: the getReport questions in flight are asked again.
        links: true,
        ..Options::default()
    };
    // The apps, and (from a DevTools server) its stored reports.
    let mut setup = cfg.feed.clone();
    setup.want = crate::link::session::Want {
        log: true,
        reports: !cfg.feed.recorded() && cfg.feed.url.relay != crate::link::url::Relay::Expo,
    };
    let mut feed = Feed::open(&setup, opts, None)?;
    let mut srv = Server::new(cfg);
    // A recording is read whole before the first answer.
    if feed.is_replay() {
        loop {
            match feed.next(None)? {
                Item::End => break,
                item => srv.take(item),
            }
        }
    }
    // Live, a feed that failed for good (the server was never reached, or
    // refused rdx) is opened again now and then: the server may start later.
    let mut reopen_at: Option<Instant> = None;
    let mut said = String::new();
    loop {
        let pending = srv.pending.iter().map(|p| p.deadline).min();
        if reopen_at.is_some_and(|t| Instant::now() >= t) {
            reopen_at = None;
            feed = Feed::open(&setup, opts, None)?;
            srv.dead = None;
            srv.seen.clear();
            srv.asked.clear();
            srv.stored = Stored::new(cfg.feed.timeout);
        }
        let woke = if srv.dead.is_some() {
            let until = match (pending, reopen_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            match until {
                Some(u) => match rx.recv_deadline(u) {
                    Ok(l) => Woke::Other(l),
                    Err(e) if e.is_disconnected() => Woke::OtherClosed,
                    Err(_) => Woke::Item(Item::Timeout),
                },
                None => rx.recv().map_or(Woke::OtherClosed, Woke::Other),
            }
        } else {
            match feed.next_or(&rx, pending) {
                Ok(w) => w,
                Err(e) => {
                    let text = e.to_string();
                    if text != said {
                        // The text may quote the server (a close reason).
                        eprintln!(
                            "rdx: {}; trying again every {}s",
                            crate::output::sanitize(&text),
                            REOPEN.as_secs()
                        );
                        said = text.clone();
                    }
                    srv.dead = Some(text);
                    if !feed.is_replay() {
                        reopen_at = Some(Instant::now() + REOPEN);
                    }
                    Woke::Item(Item::Timeout)
                }
            }
        };
        match woke {
            Woke::OtherClosed => return Ok(()),
            Woke::Other(Line::Text(line)) => {
                if let Some(answer) = srv.handle(&mut feed, &line) {
                    send(&answer)?;
                }
            }
            Woke::Other(Line::TooLong(len)) => send(&error(
                Value::Null,
                -32700,
                format!(
                    "Parse error: a request line of {len} bytes, longer than rdx reads ({} MiB); it was discarded",
                    LINE_MAX >> 20
                ),
            ))?,
            Woke::Item(item) => srv.take(item),
        }
        if !feed.has_ready() {
            // The registry forgets old gone instances; so does the ring.
            if srv.seen.len() > feed.registry.len() + 64 {
                srv.seen.retain(|k| feed.registry.get(k).is_some());
            }
            srv.retry(&mut feed)?;
        }
    }
}

/// One line from stdin.
enum Line {
    Text(String),
    /// A line longer than [`LINE_MAX`]: its length, in bytes.
    TooLong(u64),
}

/// Read one line (up to and without its newline) into `buf`, keeping at
/// most `max` bytes: `Ok(Some(Ok(())))` a line, `Ok(Some(Err(len)))` a line
/// of `len` bytes, longer than `max`, read to its end and dropped (`buf` is
/// then empty), `Ok(None)` the end of the input.
fn read_line(
    r: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<std::result::Result<(), u64>>> {
    buf.clear();
    let mut len: u64 = 0;
    let mut over = false;
    loop {
        let avail = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            // The end: a last line without its newline is still a line.
            if len == 0 {
                return Ok(None);
            }
            break;
        }
        let (take, done) = match avail.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        let text = &avail[..if done { take - 1 } else { take }];
        len += text.len() as u64;
        if !over && buf.len() + text.len() <= max {
            buf.extend_from_slice(text);
        } else if !over {
            over = true;
            *buf = Vec::new();
        }
        r.consume(take);
        if done {
            break;
        }
    }
    Ok(Some(if over { Err(len) } else { Ok(()) }))
}

/// Write one message and flush it. A closed stdout (the client went away) is
/// a broken pipe, which the error policy ends quietly with exit 0.
fn send(msg: &Value) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let text = crate::output::json::to_string(msg);
    writeln!(out, "{text}")?;
    out.flush()?;
    Ok(())
}

/// A JSON-RPC error; its message (which may quote the request) cut to
/// [`STR_CAP`] bytes.
fn error(id: Value, code: i64, message: impl Into<String>) -> Value {
    let message = kept::clip_str(&message.into(), STR_CAP);
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

fn reply(id: Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

/// A tool's answer: the object as structured content and as text.
fn tool_ok(v: Value) -> Value {
    let text = crate::output::json::to_string(&v);
    json!({"content": [{"type": "text", "text": text}], "structuredContent": v, "isError": false})
}

/// A tool's error: text an agent can act on.
fn tool_err(text: impl Into<String>) -> Value {
    json!({"content": [{"type": "text", "text": text.into()}], "isError": true})
}

impl Server<'_> {
    /// Take one feed item in: states and the ring of recent actions.
    fn take(&mut self, item: Item) {
        let dropped = match item {
            Item::Action(a) => self.seen.action(a),
            Item::State { instance, t, state } => match state.value() {
                Some(state) => self.seen.state(&instance, t, state),
                None => Vec::new(),
            },
            Item::Link { lost: None, .. } => {
                self.stored.relinked();
                Vec::new()
            }
            Item::Reports { note } => {
                self.stored.note(note);
                Vec::new()
            }
            Item::ReportBody { id, data, error } => {
                let wanted = self
                    .pending
                    .iter()
                    .any(|p| matches!(&p.call, Call::GetReport { id: w, .. } if *w == id));
                self.stored.body(id, data, error, wanted);
                Vec::new()
            }
            _ => Vec::new(),
        };
        // A state dropped for room is asked for again when a tool needs it.
        for k in dropped {
            self.asked.remove(&k);
        }
    }

    /// One line from stdin: the answer to send, if any.
    fn handle(&mut self, feed: &mut Feed, line: &str) -> Option<Value> {
        let line = line.trim();
        if line.is_empty() {
            return None;
        }
        let msg: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => return Some(error(Value::Null, -32700, format!("Parse error: {e}"))),
        };
        let Value::Object(obj) = msg else {
            return Some(error(
                Value::Null,
                -32600,
                "Invalid Request: one JSON-RPC object a line; batches (JSON arrays) are not \
                 supported (rdx does not offer revision 2025-03-26)",
            ));
        };
        let id = obj.get("id").cloned();
        let Some(method) = obj.get("method").and_then(Value::as_str) else {
            // A response to a request rdx never sends, or garbage with an id.
            return match (id, obj.contains_key("result") || obj.contains_key("error")) {
                (Some(id), false) => Some(error(id, -32600, "Invalid Request: no method")),
                _ => None,
            };
        };
        if obj.get("jsonrpc") != Some(&json!("2.0")) {
            return id.map(|id| error(id, -32600, "Invalid Request: jsonrpc must be \"2.0\""));
        }
        let params = obj.get("params").cloned().unwrap_or(json!({}));
        let Some(id) = id else {
            // Notifications: never answered.
            if method == "notifications/cancelled" {
                let req = params.get("requestId").cloned().unwrap_or(Value::Null);
                self.pending.retain(|p| p.id != req);
            }
            return None;
        };
        match method {
            "initialize" => {
                let asked = params.get("protocolVersion").and_then(Value::as_str);
                let version = asked
                    .filter(|v| VERSIONS.contains(v))
                    .unwrap_or(VERSIONS[0]);
                Some(reply(
                    id,
                    json!({
                        "protocolVersion": version,
                        "capabilities": {"tools": {"listChanged": false}},
                        "serverInfo": {"name": "rdx", "title": "rdx: Redux DevTools for agents",
                            "version": env!("CARGO_PKG_VERSION")},
                        "instructions": INSTRUCTIONS,
                    }),
                ))
            }
            "ping" => Some(reply(id, json!({}))),
            "tools/list" => Some(reply(id, json!({"tools": tools()}))),
            "tools/call" => self.tools_call(feed, id, &params),
            _ => Some(error(id, -32601, format!("Method not found: {method}"))),
        }
    }

    fn tools_call(&mut self, feed: &mut Feed, id: Value, params: &Value) -> Option<Value> {
        let Some(name) = params.get("name").and_then(Value::as_str) else {
            return Some(error(
                id,
                -32602,
                "Invalid params: tools/call needs a tool name",
            ));
        };
        let args = params.get("arguments").cloned().unwrap_or(json!({}));
        if !args.is_object() {
            // Not a CallToolRequest at all: a protocol error.
            return Some(error(
                id,
                -32602,
                format!("Invalid params: {name}: arguments must be an object, not {args}"),
            ));
        }
        let call = match parse_call(name, &args) {
            Ok(c) => c,
            Err(Refused::UnknownTool(e)) => {
                return Some(error(id, -32602, format!("Invalid params: {e}")));
            }
            // Bad arguments are the tool's answer, for the agent to read.
            Err(Refused::Arguments(e)) => {
                return Some(reply(id, fit_err(tool_err(e), MAX_BYTES)));
            }
        };
        let now = Instant::now();
        let deadline = match &call {
            Call::WaitFor { timeout, .. } => now + *timeout,
            _ => now + self.cfg.feed.timeout,
        };
        let mut p = Pending {
            id: id.clone(),
            call,
            started: now,
            deadline,
            memo: None,
        };
        let last = feed.is_replay() || self.dead.is_some();
        match self.run_call(feed, &mut p, last) {
            Outcome::Done(result) => Some(reply(id, fit_err(result, p.call.max()))),
            Outcome::NotYet => {
                self.pending.push(p);
                None
            }
        }
    }

    /// Try the pending calls again (after new items, or at their deadline).
    fn retry(&mut self, feed: &mut Feed) -> Result<()> {
        let now = Instant::now();
        self.stored.tick(feed, now);
        if self.pending.is_empty() {
            self.stored.tried();
            return Ok(());
        }
        let mut keep = Vec::new();
        for mut p in std::mem::take(&mut self.pending) {
            let last = now >= p.deadline || self.dead.is_some();
            match self.run_call(feed, &mut p, last) {
                Outcome::Done(result) => send(&reply(p.id.clone(), fit_err(result, p.call.max())))?,
                Outcome::NotYet => keep.push(p),
            }
        }
        self.pending.extend(keep);
        self.stored.tried();
        Ok(())
    }

    /// Why no tool can answer from the server now, if so.
    fn unreachable(&self, feed: &Feed, last: bool) -> Option<Outcome> {
        if feed.is_replay() {
            return None;
        }
        let url = &self.cfg.feed.url;
        let why = match (&self.dead, &feed.link_lost, feed.started()) {
            (Some(e), _, _) => e.to_string(),
            (None, Some(reason), _) => {
                format!("the link was lost ({reason}); rdx keeps reconnecting")
            }
            (None, None, None) if !last => return Some(Outcome::NotYet),
            (None, None, None) => "rdx has not reached it yet; it keeps trying".into(),
            _ => return None,
        };
        Some(Outcome::Done(tool_err(format!(
            "the Redux DevTools server at {url} is unreachable: {why}. \
             Is it running (`npx @redux-devtools/cli --port 8000`), and is rdx given its --port/--url?"
        ))))
    }

    /// The one instance a selection picks now; None: ask again later.
    fn pick(
        &self,
        feed: &Feed,
        sel: &Selection,
        last: bool,
    ) -> std::result::Result<String, Outcome> {
        match feed.resolve_one(sel, "mcp") {
            Ok(k) => Ok(k),
            Err(_) if !last && !self.settled(feed) => Err(Outcome::NotYet),
            Err(e) => Err(Outcome::Done(tool_err(words::say(&e)))),
        }
    }

    /// Live: has rdx listened long enough for the registry to be complete?
    fn settled(&self, feed: &Feed) -> bool {
        feed.is_replay() || feed.started().is_some_and(|s| now_ms() >= s + SETTLE_MS)
    }
}

mod call;
mod cut;
mod kept;
mod schema;
mod stored;
mod tools;
mod words;

use call::*;
use cut::*;
use kept::*;
use schema::*;
use stored::*;

#[cfg(test)]
mod tests;
