//! `rdx mcp`: a Model Context Protocol server on stdio for coding agents.
//! JSON-RPC 2.0, one message a line, hand-written on serde_json; read-only
//! tools over the feed (sessions, states, recent actions, waiting for a value,
//! labels).
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
use crate::relay::lifted::snapshot;
use crate::relay::message::action_type_of;
use crate::time::{now_ms, rfc3339_ms};

/// What `rdx mcp` does.
pub(crate) const ABOUT: &str = "\
rdx mcp - serve Redux state and actions to a coding agent (MCP on stdio)

Usage: rdx mcp [GLOBAL FLAGS]

Speaks the Model Context Protocol (revision 2025-11-25) on stdin/stdout: one
JSON-RPC message a line; logs go to stderr. rdx joins the DevTools server as
always (read-only, no login by default, reconnecting) and answers the agent's
tool calls: list_sessions, get_state, get_actions, wait_for, label_session.
No tool can change an app: no dispatch, no import, no time travel.
";

/// After the flags.
pub(crate) const MORE: &str = "\
Add it to an agent:
  claude mcp add rdx -- rdx mcp --port 8000
or, in a client's JSON configuration:
  {\"mcpServers\": {\"rdx\": {\"command\": \"rdx\", \"args\": [\"mcp\", \"--port\", \"8000\"]}}}

With --replay FILE the tools answer from a recording. A closed stdin ends rdx
with exit 0.

Examples:
  rdx mcp --port 8000
  rdx --replay fixtures/two-apps.jsonl mcp
";

/// The protocol revisions rdx speaks, newest first.
const VERSIONS: &[&str] = &["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];
/// Recent actions kept per instance.
const RING: usize = 200;
/// Changes kept per action's diff.
const DIFF_LIMIT: usize = 50;
/// Default and largest sizes of a value in an answer, in bytes of JSON.
const MAX_BYTES: u64 = 20_000;
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

/// One action as kept in an instance's ring.
#[derive(Debug, Clone)]
struct Recent {
    id: Option<i64>,
    ty: String,
    ts: u64,
    via: &'static str,
    action: Value,
    /// What it changed (None: the state before it is unknown).
    diff: Option<Vec<Value>>,
}

/// What rdx knows of one instance beyond the registry.
#[derive(Debug, Default)]
struct Seen {
    state: Option<Value>,
    state_t: u64,
    recent: VecDeque<Recent>,
}

/// A parsed tool call.
#[derive(Debug, Clone)]
enum Call {
    ListSessions {
        sel: Selection,
        all: bool,
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
    },
    Label {
        id: String,
        label: String,
    },
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
    seen: HashMap<String, Seen>,
    pending: Vec<Pending>,
    /// Why the feed stopped for good (the server is then unreachable).
    dead: Option<String>,
    /// Instances an UPDATE was sent for (at most once each).
    asked: std::collections::HashSet<String>,
}

pub(crate) fn run(cfg: &Config, _args: Args) -> Result<()> {
    if cfg.feed.replay.as_deref() == Some("-") {
        return Err(Error::usage(
            "rdx mcp reads its requests on stdin, so --replay - cannot be used: give the recording's file name",
        ));
    }
    let (tx, rx) = crossbeam_channel::unbounded::<String>();
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match stdin.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => return,
                Ok(_) => {
                    let line = String::from_utf8_lossy(&buf).into_owned();
                    if tx.send(line).is_err() {
                        return;
                    }
                }
            }
        }
    });
    let opts = Options {
        actions: true,
        states: States::PerAction,
        history: true,
        ..Options::default()
    };
    let mut feed = Feed::open(&cfg.feed, opts, None)?;
    let mut srv = Server {
        cfg,
        seen: HashMap::new(),
        pending: Vec::new(),
        dead: None,
        asked: Default::default(),
    };
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
            feed = Feed::open(&cfg.feed, opts, None)?;
            srv.dead = None;
            srv.seen.clear();
            srv.asked.clear();
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
                        eprintln!("rdx: {text}; trying again every {}s", REOPEN.as_secs());
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
            Woke::Other(line) => {
                if let Some(answer) = srv.handle(&mut feed, &line) {
                    send(&answer)?;
                }
            }
            Woke::Item(item) => srv.take(item),
        }
        if !feed.has_ready() {
            // The registry forgets old gone instances; so does the ring.
            if srv.seen.len() > feed.registry.len() + 64 {
                srv.seen.retain(|k, _| feed.registry.get(k).is_some());
            }
            srv.retry(&mut feed)?;
        }
    }
}

/// Write one message and flush it; a closed stdout ends rdx quietly.
fn send(msg: &Value) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let text = serde_json::to_string(msg).unwrap_or_default();
    if writeln!(out, "{text}").and_then(|_| out.flush()).is_err() {
        std::process::exit(0);
    }
    Ok(())
}

fn error(id: Value, code: i64, message: impl Into<String>) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message.into()}})
}

fn reply(id: Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

/// A tool's answer: the object as structured content and as text.
fn tool_ok(v: Value) -> Value {
    let text = serde_json::to_string(&v).unwrap_or_default();
    json!({"content": [{"type": "text", "text": text}], "structuredContent": v, "isError": false})
}

/// A tool's error: text an agent can act on.
fn tool_err(text: impl Into<String>) -> Value {
    json!({"content": [{"type": "text", "text": text.into()}], "isError": true})
}

impl Server<'_> {
    /// Take one feed item in: states and the ring of recent actions.
    fn take(&mut self, item: Item) {
        match item {
            Item::Action(a) => {
                let seen = self.seen.entry(a.instance.clone()).or_default();
                let mut edits = None;
                if let Some(new) = a.state {
                    if let Some(old) = &seen.state {
                        edits = Some(
                            diff(old, &new, DIFF_LIMIT)
                                .iter()
                                .map(|e| e.to_json())
                                .collect(),
                        );
                    }
                    seen.state = Some(new);
                    seen.state_t = a.ts;
                }
                if seen.recent.len() >= RING {
                    seen.recent.pop_front();
                }
                seen.recent.push_back(Recent {
                    id: a.action_id,
                    ty: action_type_of(&a.action).unwrap_or_default(),
                    ts: a.ts,
                    via: a.via.as_str(),
                    action: a.action,
                    diff: edits,
                });
            }
            Item::State { instance, t, msg } => {
                if let Some(state) = snapshot(&msg).and_then(|s| s.state) {
                    let seen = self.seen.entry(instance).or_default();
                    seen.state = Some(state);
                    seen.state_t = t;
                }
            }
            _ => {}
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
                "Invalid Request: one JSON-RPC object a line (no batches)",
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
        let call = match parse_call(name, &args) {
            Ok(c) => c,
            Err(e) => return Some(error(id, -32602, format!("Invalid params: {e}"))),
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
            Outcome::Done(result) => Some(reply(id, result)),
            Outcome::NotYet => {
                self.pending.push(p);
                None
            }
        }
    }

    /// Try the pending calls again (after new items, or at their deadline).
    fn retry(&mut self, feed: &mut Feed) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let now = Instant::now();
        let mut keep = Vec::new();
        for mut p in std::mem::take(&mut self.pending) {
            let last = now >= p.deadline || self.dead.is_some();
            match self.run_call(feed, &mut p, last) {
                Outcome::Done(result) => send(&reply(p.id.clone(), result))?,
                Outcome::NotYet => keep.push(p),
            }
        }
        self.pending.extend(keep);
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
            Err(Error::NotFound(_)) if !last && !self.settled(feed) => Err(Outcome::NotYet),
            Err(e) => Err(Outcome::Done(tool_err(
                e.to_string()
                    .replace("--instance-select", "select")
                    .replace("--instance ID", "instance")
                    .replace("--id-prefix", "id_prefix")
                    .replace("--instance", "instance")
                    .replace("--app", "app")
                    .replace("--env", "env")
                    .replace(
                        "`rdx sessions --all` lists them",
                        "list_sessions with all: true lists them",
                    )
                    .replace("`rdx mcp` needs", "this tool needs")
                    .replace("`rdx sessions label ID NAME`", "label_session"),
            ))),
        }
    }

    /// Live: has rdx listened long enough for the registry to be complete?
    fn settled(&self, feed: &Feed) -> bool {
        feed.is_replay() || feed.started().is_some_and(|s| now_ms() >= s + SETTLE_MS)
    }

    fn run_call(&mut self, feed: &mut Feed, p: &mut Pending, last: bool) -> Outcome {
        if !matches!(p.call, Call::Label { .. })
            && let Some(o) = self.unreachable(feed, last)
        {
            return o;
        }
        match p.call.clone() {
            Call::ListSessions { sel, all } => {
                if !last && !self.settled(feed) {
                    return Outcome::NotYet;
                }
                let list: Vec<Value> = feed
                    .registry
                    .sorted(all)
                    .into_iter()
                    .filter(|i| sel.admits(i))
                    .map(|i| i.to_json())
                    .collect();
                let hidden = if all {
                    0
                } else {
                    feed.registry
                        .iter()
                        .filter(|i| i.status == Status::Gone && sel.admits(i))
                        .count()
                };
                Outcome::Done(tool_ok(json!({
                    "source": if feed.is_replay() { "replay" } else { "live" },
                    "count": list.len(),
                    "hidden_gone": hidden,
                    "sessions": list,
                })))
            }
            Call::GetState { sel, path, max } => {
                let k = match self.pick(feed, &sel, last) {
                    Ok(k) => k,
                    Err(o) => return o,
                };
                let Some(seen) = self.seen.get(&k).filter(|s| s.state.is_some()) else {
                    if !last {
                        if self.asked.insert(k.clone()) {
                            feed.request_update();
                        }
                        return Outcome::NotYet;
                    }
                    return Outcome::Done(tool_err(format!(
                        "no state seen from instance {k} yet ({}); rdx asked it for one: try again in a moment",
                        if feed.is_replay() {
                            "the recording holds none"
                        } else {
                            "it has not answered"
                        }
                    )));
                };
                let state = seen.state.as_ref().expect("filtered");
                let value = match &path {
                    Some(p) => match paths::lookup(state, p) {
                        Ok(v) => v,
                        Err(m) => {
                            return Outcome::Done(tool_err(format!(
                                "path {} not found in instance {k}: {} exists, {} does not ({}); get_state with path {} shows what is there",
                                p.display(),
                                m.found,
                                m.missing_at,
                                m.reason,
                                m.found
                            )));
                        }
                    },
                    None => state,
                };
                let mut out = self.about(feed, &k);
                out.insert(
                    "path".into(),
                    json!(path.as_ref().map_or(".".into(), |p| p.display())),
                );
                out.insert("ts".into(), json!(rfc3339_ms(seen.state_t)));
                let prefix = path
                    .as_ref()
                    .filter(|p| !p.segs.is_empty())
                    .map(|p| p.display());
                cut_into(&mut out, value, max, prefix.as_deref().unwrap_or(""));
                Outcome::Done(tool_ok(Value::Object(out)))
            }
            Call::GetActions {
                sel,
                ty,
                since,
                limit,
                with_diff,
                max,
            } => {
                let k = match self.pick(feed, &sel, last) {
                    Ok(k) => k,
                    Err(o) => return o,
                };
                let empty = VecDeque::new();
                let recent = self.seen.get(&k).map_or(&empty, |s| &s.recent);
                let mut chosen: Vec<&Recent> = recent
                    .iter()
                    .rev()
                    .filter(|r| ty.as_ref().is_none_or(|re| re.is_match(&r.ty)))
                    .filter(|r| since.is_none_or(|s| r.id.is_some_and(|id| id > s)))
                    .take(limit)
                    .collect();
                chosen.reverse();
                let each = (max / (chosen.len().max(1) as u64)).max(200);
                let actions: Vec<Value> = chosen
                    .iter()
                    .map(|r| {
                        let mut o = Map::new();
                        o.insert("id".into(), json!(r.id));
                        o.insert("type".into(), json!(r.ty));
                        o.insert("ts".into(), json!(rfc3339_ms(r.ts)));
                        o.insert("via".into(), json!(r.via));
                        let mut a = Map::new();
                        cut_into(&mut a, &r.action, each, "");
                        o.insert("action".into(), a.remove("value").unwrap_or(Value::Null));
                        if a.get("truncated") == Some(&json!(true)) {
                            o.insert("action_truncated".into(), json!(true));
                        }
                        if with_diff {
                            let d = r.diff.clone().map_or(Value::Null, Value::Array);
                            let mut c = Map::new();
                            cut_into(&mut c, &d, each, "");
                            o.insert("diff".into(), c.remove("value").unwrap_or(Value::Null));
                        }
                        Value::Object(o)
                    })
                    .collect();
                let mut out = self.about(feed, &k);
                out.insert("kept".into(), json!(recent.len()));
                out.insert("newest_id".into(), json!(recent.back().and_then(|r| r.id)));
                out.insert("returned".into(), json!(actions.len()));
                out.insert("actions".into(), Value::Array(actions));
                Outcome::Done(tool_ok(Value::Object(out)))
            }
            Call::WaitFor {
                sel, path, equals, ..
            } => {
                let k = match &p.memo {
                    Some((k, _)) => k.clone(),
                    None => match self.pick(feed, &sel, last) {
                        Ok(k) => k,
                        Err(o) => return o,
                    },
                };
                let has_state = self.seen.get(&k).is_some_and(|s| s.state.is_some());
                let now_value = self
                    .seen
                    .get(&k)
                    .and_then(|s| s.state.as_ref())
                    .and_then(|st| paths::lookup(st, &path).ok().cloned());
                let before = p.memo.take().and_then(|(_, b)| b);
                let (met, before) = match (&equals, has_state, before) {
                    (_, false, _) => {
                        if self.asked.insert(k.clone()) {
                            feed.request_update();
                        }
                        (false, None)
                    }
                    (Some(want), true, b) => (now_value.as_ref() == Some(want), b),
                    // The first value seen is the one to change from.
                    (None, true, None) => (false, Some(now_value.clone())),
                    (None, true, Some(b)) => (now_value != b, Some(b)),
                };
                p.memo = Some((k.clone(), before));
                if met || last {
                    return self.waited(feed, p, &k, &path, met, now_value);
                }
                Outcome::NotYet
            }
            Call::Label { id, label } => {
                let mut clash = None;
                let mut previous = None;
                let store = labels::update(&self.cfg.feed.labels, |l| {
                    clash = l
                        .iter()
                        .find(|(k, v)| **k != id && **v == label)
                        .map(|(k, _)| k.clone());
                    previous = l.insert(id.clone(), label.clone());
                });
                match store {
                    Ok(l) => {
                        feed.registry.set_user_labels(l);
                        let mut out = json!({"id": id, "label": label, "previous": previous,
                            "known": feed.registry.get(&id).is_some()});
                        if let Some(other) = clash {
                            out["note"] = json!(format!(
                                "{other} has the same label; select {label} matches both"
                            ));
                        }
                        Outcome::Done(tool_ok(out))
                    }
                    Err(e) => Outcome::Done(tool_err(e.to_string())),
                }
            }
        }
    }

    /// `wait_for`'s answer.
    fn waited(
        &self,
        feed: &Feed,
        p: &Pending,
        k: &str,
        path: &Path,
        met: bool,
        value: Option<Value>,
    ) -> Outcome {
        let mut out = self.about(feed, k);
        out.insert("path".into(), json!(path.display()));
        out.insert("met".into(), json!(met));
        out.insert("timed_out".into(), json!(!met && !feed.is_replay()));
        out.insert("missing".into(), json!(value.is_none()));
        out.insert("value".into(), value.unwrap_or(Value::Null));
        out.insert(
            "waited_ms".into(),
            json!(p.started.elapsed().as_millis() as u64),
        );
        if let Some(r) = self.seen.get(k).and_then(|s| s.recent.back()) {
            out.insert("last_action".into(), json!({"id": r.id, "type": r.ty}));
        }
        if !met {
            let why = if feed.is_replay() {
                "the recording ends before the condition holds"
            } else {
                "the condition did not hold within timeout_s; call wait_for again to keep waiting"
            };
            out.insert("note".into(), json!(why));
        }
        Outcome::Done(tool_ok(Value::Object(out)))
    }

    /// The instance fields every answer about one instance carries.
    fn about(&self, feed: &Feed, k: &str) -> Map<String, Value> {
        let inst = feed.registry.get(k);
        let mut m = Map::new();
        m.insert("instance".into(), json!(k));
        m.insert("app".into(), json!(inst.and_then(|i| i.app.clone())));
        m.insert("label".into(), json!(inst.and_then(|i| i.label.clone())));
        m.insert("status".into(), json!(inst.map(|i| i.status.as_str())));
        m
    }
}

/// Put `value` into `out` as `value`, cut to about `max` bytes of JSON;
/// when cut, say how much was left out and which deeper paths hold most.
fn cut_into(out: &mut Map<String, Value>, value: &Value, max: u64, prefix: &str) {
    let size = json_len(value);
    out.insert("bytes".into(), json!(size));
    if size <= max {
        out.insert("value".into(), value.clone());
        out.insert("truncated".into(), json!(false));
        return;
    }
    let mut shown = summarize(value, 0, usize::MAX);
    for cap in [usize::MAX, 200, 50, 20, 5] {
        let mut best = None;
        for depth in 1..=12 {
            let s = summarize(value, depth, cap);
            if json_len(&s) > max {
                break;
            }
            let whole = s == *value;
            best = Some(s);
            if whole {
                break;
            }
        }
        if let Some(b) = best {
            shown = b;
            break;
        }
    }
    let left_out = size.saturating_sub(json_len(&shown));
    let mut biggest: Vec<(String, u64)> = match value {
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| (format!("{prefix}{}", key_path(k)), json_len(v)))
            .collect(),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("{prefix}[{i}]"), json_len(v)))
            .collect(),
        _ => Vec::new(),
    };
    biggest.sort_by_key(|b| std::cmp::Reverse(b.1));
    biggest.truncate(5);
    out.insert("value".into(), shown);
    out.insert("truncated".into(), json!(true));
    out.insert("omitted_bytes".into(), json!(left_out));
    out.insert(
        "note".into(),
        json!(format!(
            "the value is {size} bytes of JSON, more than max_bytes ({max}): about {left_out} bytes were left out; \
             parts shown as \"{{…N keys, B bytes}}\", \"[…N items, B bytes]\" or \"…(N more)\" were cut. \
             Ask again with a deeper path (the largest parts are listed in largest_paths) or a larger max_bytes."
        )),
    );
    out.insert(
        "largest_paths".into(),
        Value::Array(
            biggest
                .into_iter()
                .map(|(p, b)| json!({"path": p, "bytes": b}))
                .collect(),
        ),
    );
}

/// `.key`, or `["odd key"]` when it is not a plain name.
fn key_path(k: &str) -> String {
    let plain = !k.is_empty()
        && !k.starts_with(|c: char| c.is_ascii_digit())
        && k.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$');
    if plain {
        format!(".{k}")
    } else {
        format!("[{}]", serde_json::to_string(k).unwrap_or_default())
    }
}

fn json_len(v: &Value) -> u64 {
    serde_json::to_vec(v).map_or(0, |b| b.len() as u64)
}

/// `v` with everything below `depth` replaced by a summary, at most `cap`
/// entries per object or array, strings cut to 1000 characters.
fn summarize(v: &Value, depth: usize, cap: usize) -> Value {
    match v {
        Value::Object(o) if depth == 0 && !o.is_empty() => {
            json!(format!("{{…{} keys, {} bytes}}", o.len(), json_len(v)))
        }
        Value::Array(a) if depth == 0 && !a.is_empty() => {
            json!(format!("[…{} items, {} bytes]", a.len(), json_len(v)))
        }
        Value::Object(o) => {
            let mut m: Map<String, Value> = o
                .iter()
                .take(cap)
                .map(|(k, v)| (k.clone(), summarize(v, depth - 1, cap)))
                .collect();
            if o.len() > cap {
                m.insert("…".into(), json!(format!("…({} more keys)", o.len() - cap)));
            }
            Value::Object(m)
        }
        Value::Array(a) => {
            let mut items: Vec<Value> = a
                .iter()
                .take(cap)
                .map(|v| summarize(v, depth - 1, cap))
                .collect();
            if a.len() > cap {
                items.push(json!(format!("…({} more items)", a.len() - cap)));
            }
            Value::Array(items)
        }
        Value::String(s) if s.chars().count() > 1000 => {
            let head: String = s.chars().take(1000).collect();
            json!(format!("{head}…({} more chars)", s.chars().count() - 1000))
        }
        other => other.clone(),
    }
}

/// What the server tells an agent at `initialize`.
const INSTRUCTIONS: &str = "rdx shows the Redux state and actions of the apps that stream to a Redux DevTools \
remote server (@redux-devtools/remote). Start with list_sessions to see the app instances; \
then get_state (with a path such as .todos[0] to stay small), get_actions for what just happened \
(with_diff: true for what each action changed), wait_for to wait until the app reaches a value. \
A selection is instance (an exact id), select (id, label or /regex/), or the filters app, env, id_prefix; \
it must match exactly one instance. Read-only: nothing here can change an app.";

/// The selection arguments, shared by the tools about one instance.
fn selection_props() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "instance".into(),
        json!({"type": "string", "description": "exact instance id (from list_sessions)"}),
    );
    m.insert("select".into(), json!({"type": "string", "description": "an instance id, a label, or a /regex/ matched against id, label and app name"}));
    m.insert(
        "app".into(),
        json!({"type": "string", "description": "app name, exact or /regex/"}),
    );
    m.insert("env".into(), json!({"type": "string", "description": "environment (from the app's config or a name suffix like shop@staging)"}));
    m.insert(
        "id_prefix".into(),
        json!({"type": "string", "description": "instance ids starting with this"}),
    );
    m
}

fn object(props: Map<String, Value>, required: &[&str]) -> Value {
    json!({"type": "object", "properties": props, "required": required, "additionalProperties": false})
}

fn instance_out() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("instance".into(), json!({"type": "string"}));
    m.insert("app".into(), json!({"type": ["string", "null"]}));
    m.insert("label".into(), json!({"type": ["string", "null"]}));
    m.insert(
        "status".into(),
        json!({"type": ["string", "null"], "enum": ["live", "stopped", "gone", null]}),
    );
    m
}

fn cut_out(m: &mut Map<String, Value>) {
    m.insert(
        "value".into(),
        json!({"description": "the JSON value (cut when truncated)"}),
    );
    m.insert(
        "bytes".into(),
        json!({"type": "integer", "description": "size of the whole value as JSON"}),
    );
    m.insert("truncated".into(), json!({"type": "boolean"}));
    m.insert("omitted_bytes".into(), json!({"type": "integer"}));
    m.insert("note".into(), json!({"type": "string"}));
    m.insert(
        "largest_paths".into(),
        json!({"type": "array", "items": {"type": "object",
        "properties": {"path": {"type": "string"}, "bytes": {"type": "integer"}}}}),
    );
}

/// The tool list: names, descriptions, input and output schemas.
fn tools() -> Value {
    let session = json!({"type": "object", "properties": {
        "type": {"const": "instance"}, "id": {"type": "string"}, "app": {"type": ["string", "null"]},
        "label": {"type": ["string", "null"]}, "env": {"type": ["string", "null"]},
        "connection": {"type": "string"}, "first_seen": {"type": "string"}, "last_seen": {"type": "string"},
        "messages": {"type": "integer"}, "actions": {"type": "integer"},
        "last_action": {"type": ["string", "null"]}, "status": {"enum": ["live", "stopped", "gone"]}},
        "required": ["id", "app", "label", "status"]});

    let mut ls = Map::new();
    for k in ["app", "env", "id_prefix"] {
        ls.insert(k.into(), selection_props()[k].clone());
    }
    ls.insert("all".into(), json!({"type": "boolean", "description": "also list instances that are gone (default false)"}));

    let mut gs = selection_props();
    gs.insert("path".into(), json!({"type": "string", "description": "jq-style path such as .todos[0].title, or a JSON Pointer /todos/0/title; default: the whole state"}));
    gs.insert("max_bytes".into(), json!({"type": "integer", "minimum": 100, "description": "largest answer, in bytes of JSON (default 20000); a bigger value is cut and says which deeper paths to ask for"}));
    let mut gs_out = instance_out();
    gs_out.insert("path".into(), json!({"type": "string"}));
    gs_out.insert(
        "ts".into(),
        json!({"type": "string", "description": "when this state was current (RFC 3339)"}),
    );
    cut_out(&mut gs_out);

    let mut ga = selection_props();
    ga.insert("type".into(), json!({"type": "string", "description": "keep actions whose type matches this regex (e.g. ^todos/)"}));
    ga.insert("since_id".into(), json!({"type": "integer", "description": "only actions with a larger id (pass the newest_id of a previous answer to get what is new)"}));
    ga.insert("limit".into(), json!({"type": "integer", "minimum": 1, "maximum": 200, "description": "how many of the newest actions (default 20)"}));
    ga.insert("with_diff".into(), json!({"type": "boolean", "description": "add what each action changed in the state (default false)"}));
    ga.insert("max_bytes".into(), json!({"type": "integer", "minimum": 100, "description": "budget for the payloads, in bytes of JSON (default 20000)"}));
    let mut ga_out = instance_out();
    ga_out.insert("kept".into(), json!({"type": "integer", "description": "recent actions rdx keeps for this instance (at most 200)"}));
    ga_out.insert("newest_id".into(), json!({"type": ["integer", "null"]}));
    ga_out.insert("returned".into(), json!({"type": "integer"}));
    ga_out.insert(
        "actions".into(),
        json!({"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": ["integer", "null"]}, "type": {"type": "string"}, "ts": {"type": "string"},
        "via": {"enum": ["action", "state"]}, "action": {}, "action_truncated": {"type": "boolean"},
        "diff": {"type": ["array", "null", "string"], "description": "with with_diff: the changes (op, path, old, new), at most 50; null when the state before it is unknown; a string when cut"}}, "required": ["id", "type", "ts", "action"]}}),
    );

    let mut wf = selection_props();
    wf.insert("path".into(), json!({"type": "string", "description": "the value to watch, jq-style (.counter.value) or a JSON Pointer"}));
    wf.insert(
        "equals".into(),
        json!({"description": "return when the value at path equals this JSON value"}),
    );
    wf.insert("changes".into(), json!({"type": "boolean", "description": "return when the value at path changes (instead of equals)"}));
    wf.insert("timeout_s".into(), json!({"type": "number", "minimum": 0, "maximum": WAIT_CAP_S, "description": "longest wait in seconds (default 30, at most 120)"}));
    let mut wf_out = instance_out();
    wf_out.insert("path".into(), json!({"type": "string"}));
    wf_out.insert(
        "met".into(),
        json!({"type": "boolean", "description": "the condition holds"}),
    );
    wf_out.insert("timed_out".into(), json!({"type": "boolean"}));
    wf_out.insert(
        "missing".into(),
        json!({"type": "boolean", "description": "the path does not exist (now)"}),
    );
    wf_out.insert(
        "value".into(),
        json!({"description": "the value at path now (null when missing)"}),
    );
    wf_out.insert("waited_ms".into(), json!({"type": "integer"}));
    wf_out.insert("last_action".into(), json!({"type": "object"}));
    wf_out.insert("note".into(), json!({"type": "string"}));

    let mut lb = Map::new();
    lb.insert(
        "id".into(),
        json!({"type": "string", "description": "the instance id to label"}),
    );
    lb.insert("label".into(), json!({"type": "string", "description": "a short name; then select: LABEL picks the instance (also from the rdx CLI: --instance-select LABEL)"}));

    json!([
        {"name": "list_sessions", "title": "List Redux app instances",
         "description": "List the Redux app instances (stores) streaming to the DevTools server, newest first: id, app name, label, env, status (live, stopped, gone), how many actions, the last action. Start here; pass an id as `instance` to the other tools. Gone instances are hidden unless all is true.",
         "inputSchema": object(ls, &[]),
         "outputSchema": {"type": "object", "properties": {
             "source": {"enum": ["live", "replay"]}, "count": {"type": "integer"},
             "hidden_gone": {"type": "integer"}, "sessions": {"type": "array", "items": session}},
             "required": ["count", "sessions"]},
         "annotations": {"readOnlyHint": true, "openWorldHint": false}},
        {"name": "get_state", "title": "Read an app's Redux state",
         "description": "The current Redux state of one app instance, or the value at a path in it (.todos[0].title). Use a path to stay small: a value bigger than max_bytes is cut, and the answer says how much was left out and lists the largest deeper paths to ask for. Needs a selection that matches exactly one instance; otherwise the error lists the candidates.",
         "inputSchema": object(gs, &[]), "outputSchema": object_out(gs_out, &["instance", "path", "value", "truncated"]),
         "annotations": {"readOnlyHint": true, "openWorldHint": false}},
        {"name": "get_actions", "title": "Recent Redux actions of an app",
         "description": "The newest actions one app instance dispatched (oldest first in the list; rdx keeps the last 200 per instance): id, type, when, the action with its payload, and with with_diff what it changed in the state. Filter by type regex; pass since_id (the newest_id of a previous answer) to see only what is new.",
         "inputSchema": object(ga, &[]), "outputSchema": object_out(ga_out, &["instance", "actions", "returned"]),
         "annotations": {"readOnlyHint": true, "openWorldHint": false}},
        {"name": "wait_for", "title": "Wait until a state value is reached or changes",
         "description": "Wait until the value at path in one app instance equals a JSON value (equals) or changes (changes: true), at most timeout_s seconds (default 30, cap 120). Answers with met: true and the value, or met: false and timed_out: true. Use it after asking the user to click something, or to wait for a request to finish (e.g. path .status equals \"idle\"). Other calls are answered meanwhile.",
         "inputSchema": object(wf, &["path"]), "outputSchema": object_out(wf_out, &["instance", "path", "met", "value"]),
         "annotations": {"readOnlyHint": true, "openWorldHint": false}},
        {"name": "label_session", "title": "Name an app instance",
         "description": "Give an instance a label that lasts (the same label store as `rdx sessions label ID LABEL`), so later calls can use select: LABEL, and a reloaded app keeps it. Changes only rdx's own label file, never the app.",
         "inputSchema": object(lb, &["id", "label"]),
         "outputSchema": {"type": "object", "properties": {"id": {"type": "string"}, "label": {"type": "string"},
             "previous": {"type": ["string", "null"]}, "known": {"type": "boolean"}, "note": {"type": "string"}},
             "required": ["id", "label"]},
         "annotations": {"readOnlyHint": false, "destructiveHint": false, "idempotentHint": true, "openWorldHint": false}}
    ])
}

fn object_out(props: Map<String, Value>, required: &[&str]) -> Value {
    json!({"type": "object", "properties": props, "required": required})
}

/// Check `args` against the tool's input schema (names and JSON types),
/// then read them into a [`Call`]. The error is an -32602 message.
fn parse_call(name: &str, args: &Value) -> std::result::Result<Call, String> {
    let tools = tools();
    let Some(tool) = tools
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == name))
    else {
        let names: Vec<&str> = tools
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["name"].as_str())
            .collect();
        return Err(format!(
            "unknown tool {name:?}; the tools are {}",
            names.join(", ")
        ));
    };
    let Value::Object(given) = args else {
        return Err(format!("{name}: arguments must be an object"));
    };
    let schema = &tool["inputSchema"];
    let props = schema["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for (k, v) in given {
        let Some(p) = props.get(k) else {
            let known: Vec<&str> = props.keys().map(String::as_str).collect();
            return Err(format!(
                "{name}: unknown argument {k:?}; it takes {}",
                known.join(", ")
            ));
        };
        let ok = match p["type"].as_str() {
            Some("string") => v.is_string(),
            Some("boolean") => v.is_boolean(),
            Some("integer") => v.is_i64() || v.is_u64(),
            Some("number") => v.is_number(),
            _ => true,
        };
        if !ok {
            return Err(format!(
                "{name}: {k} must be a {}, not {v}",
                p["type"].as_str().unwrap_or("value")
            ));
        }
    }
    for r in schema["required"].as_array().into_iter().flatten() {
        let r = r.as_str().unwrap_or_default();
        if !given.contains_key(r) {
            return Err(format!("{name}: {r} is required"));
        }
    }
    let s = |k: &str| given.get(k).and_then(Value::as_str).map(str::to_string);
    let b = |k: &str| given.get(k).and_then(Value::as_bool).unwrap_or(false);
    let sel = || -> std::result::Result<Selection, String> {
        let m = |k: &str| {
            s(k).map(|t| Matcher::parse(&t, k))
                .transpose()
                .map_err(|e| e.to_string())
        };
        Ok(Selection {
            app: m("app")?,
            env: s("env"),
            id_prefix: s("id_prefix"),
            instance: s("instance"),
            select: m("select")?,
        })
    };
    let path = |k: &str| {
        s(k).map(|t| paths::parse(&t).map_err(|e| e.to_string()))
            .transpose()
    };
    let max = given
        .get("max_bytes")
        .and_then(Value::as_u64)
        .unwrap_or(MAX_BYTES)
        .clamp(100, MAX_BYTES_CAP);
    Ok(match name {
        "list_sessions" => Call::ListSessions {
            sel: sel()?,
            all: b("all"),
        },
        "get_state" => Call::GetState {
            sel: sel()?,
            path: path("path")?,
            max,
        },
        "get_actions" => Call::GetActions {
            sel: sel()?,
            ty: s("type")
                .map(|t| Regex::new(&t).map_err(|e| format!("type {t:?}: invalid regex: {e}")))
                .transpose()?,
            since: given.get("since_id").and_then(Value::as_i64),
            limit: given
                .get("limit")
                .and_then(Value::as_u64)
                .unwrap_or(20)
                .clamp(1, RING as u64) as usize,
            with_diff: b("with_diff"),
            max,
        },
        "wait_for" => {
            let equals = given.get("equals").cloned();
            let changes = b("changes");
            if equals.is_some() == changes {
                return Err("wait_for: give either equals (a JSON value) or changes: true".into());
            }
            let secs = given
                .get("timeout_s")
                .and_then(Value::as_f64)
                .unwrap_or(WAIT_DEFAULT_S);
            if !(0.0..=WAIT_CAP_S).contains(&secs) {
                return Err(format!(
                    "wait_for: timeout_s must be between 0 and {WAIT_CAP_S}"
                ));
            }
            Call::WaitFor {
                sel: sel()?,
                path: path("path")?.expect("required"),
                equals,
                timeout: Duration::from_secs_f64(secs),
            }
        }
        _ => {
            let id = s("id").unwrap_or_default();
            let label = s("label").unwrap_or_default();
            if id.trim().is_empty() {
                return Err("label_session: id is empty".into());
            }
            labels::validate(&label).map_err(|e| e.to_string())?;
            Call::Label { id, label }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_big_value_is_cut_with_a_note_and_the_largest_paths() {
        let big: Vec<Value> = (0..2000)
            .map(|i| json!({"id": i, "title": format!("todo {i}")}))
            .collect();
        let state = json!({"todos": big, "counter": {"value": 3}});
        let mut out = Map::new();
        cut_into(&mut out, &state, 2000, "");
        assert_eq!(out["truncated"], true);
        assert!(json_len(&out["value"]) <= 2000, "{}", out["value"]);
        assert_eq!(out["largest_paths"][0]["path"], ".todos");
        assert!(out["omitted_bytes"].as_u64().unwrap() > 10_000);
        let mut small = Map::new();
        cut_into(&mut small, &state["counter"], 2000, ".counter");
        assert_eq!(small["value"], json!({"value": 3}));
        assert_eq!(small["truncated"], false);
    }

    #[test]
    fn arguments_are_checked_against_the_schema() {
        assert!(
            parse_call("nope", &json!({}))
                .unwrap_err()
                .contains("list_sessions")
        );
        assert!(
            parse_call("get_state", &json!({"pth": ".a"}))
                .unwrap_err()
                .contains("unknown argument")
        );
        assert!(
            parse_call("get_state", &json!({"path": 3}))
                .unwrap_err()
                .contains("string")
        );
        assert!(parse_call("get_state", &json!({"path": ".a["})).is_err());
        assert!(
            parse_call("wait_for", &json!({"path": ".a"}))
                .unwrap_err()
                .contains("equals")
        );
        assert!(
            parse_call(
                "wait_for",
                &json!({"path": ".a", "changes": true, "timeout_s": 500})
            )
            .is_err()
        );
        assert!(parse_call("get_actions", &json!({"type": "("})).is_err());
        assert!(parse_call("label_session", &json!({"id": "x"})).is_err());
        assert!(matches!(
            parse_call("wait_for", &json!({"path": ".a", "equals": 5})),
            Ok(Call::WaitFor { .. })
        ));
    }
}
