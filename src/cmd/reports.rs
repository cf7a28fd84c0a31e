//! `rdx reports`: the reports the server stored (an app's error or its
//! `send()` while no monitor watched), and `rdx reports show ID`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Instant;

use regex_lite::Regex;
use serde_json::{Value, json};

use crate::cli::flags::FlagId;
use crate::cli::{self, Config, Parsed};
use crate::error::{Error, Result};
use crate::feed::{Feed, Item, Options};
use crate::link::session::Want;
use crate::link::url::Relay;
use crate::output::{Out, Palette, compact, elide_middle, sanitize, truncate, width};
use crate::relay::report::{History, NoReport, Note, Report};
use crate::time::{now_ms, parse_duration, parse_rfc3339_ms};

pub(crate) const ABOUT: &str = "\
rdx reports - list the reports the server stored

Usage: rdx reports [--since DUR|TIME] [--title RE] [--instance ID] [--follow] [GLOBAL FLAGS]
       rdx reports show ID

An app sends a report when it hits an error while no monitor watches
(@redux-devtools/remote's sendOnError, redux-remotedev in production) or when
it is told to (sendOn); the server stores it in its database. `rdx reports`
lists them, newest first; `rdx reports show ID` prints one whole; `rdx --report
ID tail|state|watch|sessions|ui|export|mcp` reads one's history as a recording.
";

pub(crate) const MORE: &str = "\
Columns: ID, ADDED (when the server stored it), TYPE (STATE: the app's whole
history with its states; ACTIONS: its last actions and the state before them),
ACTIONS (how many), INSTANCE and VERSION (where the sender gave them), TITLE
(the sender's title, else the error's message, else the action that sent it).

With --json: one {\"type\":\"report\",...} object per line with the fields id,
added, report_type, title, instance, app, version, user_agent, actions (null
where the sender gave nothing; app is always null on the cli 5 and
remotedev-server 0.3 servers, which store no app name). `reports show ID
--json` prints one object with every column, the actions and the final state.

The server sends its report list to every report subscriber each time one
subscribes: a DevTools window open beside rdx gets it again when rdx starts.

Examples:
  rdx reports --since 1h
  rdx reports --title '^TypeError' --json | jq -r .id
  rdx reports show 85c3ffbd-bacc-4594-ad10-c510bdc3f5bd
  rdx --report 85c3ffbd-bacc-4594-ad10-c510bdc3f5bd tail --diff
  rdx reports --follow
";

/// getReport questions in flight at once while listing.
const IN_FLIGHT: usize = 32;

#[derive(Debug, Default)]
pub(crate) struct Args {
    pub(crate) show: Option<String>,
    /// Only reports stored at or after this time (epoch ms).
    pub(crate) since: Option<u64>,
    pub(crate) title: Option<Regex>,
    pub(crate) instance: Option<String>,
    pub(crate) follow: bool,
}

pub(crate) fn args(p: &Parsed) -> Result<Args> {
    let show = match p.words.first().map(String::as_str) {
        None => None,
        Some("show") => match p.words.get(1) {
            Some(id) if !id.trim().is_empty() => {
                cli::no_more_words(p, 2)?;
                Some(id.clone())
            }
            _ => return Err(Error::usage("usage: rdx reports show ID")),
        },
        Some(_) => {
            cli::no_more_words(p, 0)?;
            None
        }
    };
    let since = p
        .value(FlagId::Since)
        .map(|v| since_ms(v).map_err(|e| Error::usage(format!("--since {:?}: {e}", sanitize(v)))))
        .transpose()?;
    Ok(Args {
        show,
        since,
        title: cli::opt(p, FlagId::Title, cli::regex)?,
        instance: p.value(FlagId::Instance).map(str::to_string),
        follow: p.flag(FlagId::Follow),
    })
}

/// `--since` (and MCP's `since`): an RFC 3339 time, or a duration back
/// from now; as epoch ms.
pub(crate) fn since_ms(v: &str) -> std::result::Result<u64, String> {
    match parse_rfc3339_ms(v) {
        Some(ms) => Ok(ms),
        None => {
            let d = parse_duration(v)
                .map_err(|e| format!("{e}; or a time like 2026-12-03T10:00:00Z"))?;
            Ok(now_ms().saturating_sub(d.as_millis() as u64))
        }
    }
}

/// What a listing says of one report.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Summary {
    pub(crate) id: String,
    pub(crate) added: Option<String>,
    pub(crate) report_type: Option<String>,
    pub(crate) title: Option<String>,
    pub(crate) instance: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) user_agent: Option<String>,
    /// None: its payload could not be read.
    pub(crate) actions: Option<usize>,
    /// The type of its last action (not in the `--json` line).
    pub(crate) last_action: Option<String>,
}

impl Summary {
    pub(crate) fn of(r: &Report, history: Option<&History>) -> Summary {
        Summary {
            id: r.id.clone(),
            added: r.added.clone(),
            report_type: r.report_type.clone(),
            title: r.headline(),
            instance: r.instance.clone(),
            version: r.version.clone(),
            user_agent: r.user_agent.clone(),
            actions: history.map(|h| h.actions),
            last_action: history.and_then(|h| {
                h.staged()
                    .last()
                    .and_then(|(_, a)| crate::relay::action::action_type_of(a))
            }),
        }
    }

    /// The `--json` line (SPEC "Stored reports").
    pub(crate) fn json(&self) -> Value {
        json!({
            "type": "report",
            "id": self.id,
            "added": self.added,
            "report_type": self.report_type,
            "title": self.title,
            "instance": self.instance,
            "app": Value::Null,
            "version": self.version,
            "user_agent": self.user_agent,
            "actions": self.actions,
        })
    }

    fn added_ms(&self) -> Option<u64> {
        self.added.as_deref().and_then(parse_rfc3339_ms)
    }
}

/// The filters of `rdx reports` (and MCP's `list_reports`).
#[derive(Debug, Default, Clone)]
pub(crate) struct Filters {
    pub(crate) since: Option<u64>,
    pub(crate) title: Option<Regex>,
    pub(crate) instance: Option<String>,
}

impl Filters {
    /// What the list alone tells (before the report is fetched).
    pub(crate) fn may_pass(&self, title: Option<&str>, added: Option<&str>) -> bool {
        let recent = self
            .since
            .is_none_or(|since| added.and_then(parse_rfc3339_ms).is_some_and(|t| t >= since));
        let titled = self
            .title
            .as_ref()
            .is_none_or(|re| title.is_some_and(|t| re.is_match(t)));
        recent && titled
    }

    /// [`Filters::may_pass`] of a listed report.
    fn admits(&self, l: &crate::relay::report::Listed) -> bool {
        self.may_pass(l.title.as_deref(), l.added.as_deref())
    }

    pub(crate) fn pass(&self, s: &Summary) -> bool {
        self.may_pass(s.title.as_deref(), s.added.as_deref())
            && self
                .instance
                .as_ref()
                .is_none_or(|i| s.instance.as_deref() == Some(i.as_str()))
    }
}

pub(crate) fn run(cfg: &Config, args: Args) -> Result<()> {
    let started = Instant::now();
    let feed = open(cfg)?;
    match &args.show {
        Some(id) => show(cfg, feed, id, started),
        None => list(cfg, feed, args, started),
    }
}

/// A link subscribed to the server's reports (and not to the apps).
pub(crate) fn open(cfg: &Config) -> Result<Feed> {
    if cfg.feed.replay.is_some() || cfg.feed.report.is_some() {
        return Err(Error::usage(
            "rdx reports reads the server's stored reports: it needs a live server, not --replay or --report",
        ));
    }
    if cfg.feed.url.relay == Relay::Expo {
        return Err(Error::usage(
            "the Expo dev server stores no reports: rdx reports needs a Redux DevTools server",
        ));
    }
    let mut setup = cfg.feed.clone();
    setup.want = Want {
        log: false,
        reports: true,
    };
    Feed::open(
        &setup,
        Options {
            links: true,
            ..Options::default()
        },
        None,
    )
}

/// Reports fetched one by one (a few questions in flight), each answer
/// waited for as long as `--timeout` allows.
pub(crate) struct Fetcher {
    queue: VecDeque<String>,
    asked: HashMap<String, Instant>,
    pub(crate) seen: HashSet<String>,
    timeout: std::time::Duration,
}

impl Fetcher {
    pub(crate) fn new(timeout: std::time::Duration) -> Fetcher {
        Fetcher {
            queue: VecDeque::new(),
            asked: HashMap::new(),
            seen: HashSet::new(),
            timeout,
        }
    }

    /// Fetch this report (once).
    pub(crate) fn want(&mut self, id: &str) {
        if self.seen.insert(id.to_string()) {
            self.queue.push_back(id.to_string());
        }
    }

    /// Fetch this report again, even if it was fetched before (a caller
    /// that keeps no bodies), unless it is waiting or asked already.
    pub(crate) fn refetch(&mut self, id: &str) {
        self.seen.insert(id.to_string());
        if !self.wanted(id) {
            self.queue.push_back(id.to_string());
        }
    }

    /// Is this report waiting to be asked, or asked?
    pub(crate) fn wanted(&self, id: &str) -> bool {
        self.asked.contains_key(id) || self.queue.iter().any(|q| q == id)
    }

    /// Give up on the questions that waited longer than the timeout (a
    /// server whose report database failed never answers): their ids, and
    /// their room goes to the next ones.
    pub(crate) fn expire(&mut self, now: Instant) -> Vec<String> {
        let timeout = self.timeout;
        let late: Vec<String> = self
            .asked
            .iter()
            .filter(|(_, t)| now >= **t + timeout)
            .map(|(id, _)| id.clone())
            .collect();
        for id in &late {
            self.asked.remove(id);
        }
        late
    }

    pub(crate) fn idle(&self) -> bool {
        self.queue.is_empty() && self.asked.is_empty()
    }

    /// Fetch the listed reports the filters may pass (each once), and ask
    /// what may be asked now.
    fn want_passing<'l>(
        &mut self,
        feed: &Feed,
        filters: &Filters,
        rows: impl IntoIterator<Item = &'l crate::relay::report::Listed>,
    ) {
        for r in rows {
            if filters.admits(r) {
                self.want(&r.id);
            }
        }
        self.pump(feed);
    }

    /// Ask what may be asked now.
    pub(crate) fn pump(&mut self, feed: &Feed) {
        while self.asked.len() < IN_FLIGHT {
            let Some(id) = self.queue.pop_front() else {
                break;
            };
            feed.get_report(&id);
            self.asked.insert(id, Instant::now());
        }
    }

    /// The link came back: the questions in flight were lost with it.
    pub(crate) fn ask_again(&mut self, feed: &Feed) {
        let lost: Vec<String> = self.asked.drain().map(|(id, _)| id).collect();
        for id in lost.into_iter().rev() {
            self.queue.push_front(id);
        }
        self.pump(feed);
    }

    /// An answer came: whether it was one we asked for.
    pub(crate) fn answered(&mut self, id: &str) -> bool {
        self.asked.remove(id).is_some()
    }

    /// When the oldest question in flight has waited too long.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.asked.values().min().map(|t| *t + self.timeout)
    }
}

/// A `getReport` answer as a report and its history (the history's error
/// said on stderr).
pub(crate) fn read_body(
    url: &str,
    id: &str,
    data: &Value,
    error: Option<&Value>,
    quiet: bool,
) -> Option<(Report, Option<History>)> {
    let report = match crate::relay::report::reply(id, data, error) {
        Ok(r) => r,
        Err(NoReport::Missing) => {
            if !quiet {
                eprintln!("rdx: report {} is no longer stored", sanitize(id));
            }
            return None;
        }
        Err(e) => {
            // A wrong answer is always said: it is the server's fault.
            eprintln!("rdx: {}", e.error(id, url));
            return None;
        }
    };
    let history = match report.history() {
        Ok(h) => Some(h),
        Err(e) => {
            if !quiet {
                eprintln!("rdx: report {}: {}", sanitize(id), sanitize(&e));
            }
            None
        }
    };
    Some((report, history))
}

/// The stored reports the filters pass, newest first: the list, then
/// each report fetched. `unreadable`: how many hold a payload rdx cannot
/// read (said once on stderr by the caller).
pub(crate) struct Collected {
    pub(crate) reports: Vec<Summary>,
    pub(crate) fetch: Fetcher,
}

pub(crate) fn collect(
    cfg: &Config,
    feed: &mut Feed,
    filters: &Filters,
    started: Instant,
) -> Result<Collected> {
    let quiet = cfg.feed.quiet;
    let url = cfg.feed.url.to_string();
    let mut fetch = Fetcher::new(cfg.feed.timeout);
    let mut listed = false;
    let mut got: Vec<Summary> = Vec::new();
    let mut order: HashMap<String, usize> = HashMap::new();
    let mut unreadable = 0usize;
    // A report message rdx could not read, while the list is awaited.
    let mut garbled: Option<String> = None;
    let first_deadline = started + cfg.feed.timeout;
    loop {
        if listed && fetch.idle() {
            break;
        }
        let deadline = if listed {
            fetch.deadline()
        } else {
            Some(first_deadline)
        };
        match feed.next(deadline)? {
            Item::Link { lost: None, .. } => fetch.ask_again(feed),
            Item::Reports { note } => match note {
                Note::List(rows) => {
                    listed = true;
                    for (i, r) in rows.iter().enumerate() {
                        order.entry(r.id.clone()).or_insert(i);
                    }
                    fetch.want_passing(feed, filters, &rows);
                }
                Note::Added(r) if listed => {
                    order.entry(r.id.clone()).or_insert(usize::MAX);
                    fetch.want_passing(feed, filters, [&r]);
                }
                Note::Refused(_) | Note::Added(_) => {}
                Note::Bad(what) => {
                    if cfg.feed.verbose {
                        eprintln!("rdx: report channel: skipped: {}", sanitize(&what));
                    }
                    if !listed {
                        garbled = Some(what);
                    }
                }
            },
            Item::ReportBody { id, data, error } => {
                if !fetch.answered(&id) {
                    continue;
                }
                if let Some((r, h)) =
                    read_body(&url, &id, &data, error.as_ref(), quiet || !cfg.feed.verbose)
                {
                    unreadable += usize::from(h.is_none());
                    let s = Summary::of(&r, h.as_ref());
                    if filters.pass(&s) {
                        got.push(s);
                    }
                }
                fetch.pump(feed);
            }
            Item::Timeout if !listed => {
                return Err(Error::Timeout(match garbled {
                    Some(what) => format!(
                        "{url} sent no report list rdx could read within --timeout (it sent \
                         {}, not {{\"type\":\"list\",\"data\":[...]}})",
                        sanitize(&what)
                    ),
                    None => format!(
                        "{url} sent no report list within --timeout (a server with no report \
                         store, or whose database has no reports table, sends none)"
                    ),
                }));
            }
            Item::Timeout => {
                return Err(Error::Timeout(format!(
                    "{url} did not answer getReport within --timeout (a server whose report \
                     database failed never answers)"
                )));
            }
            Item::End => break,
            _ => {}
        }
    }
    if unreadable > 0 && !quiet {
        eprintln!(
            "rdx: {unreadable} report(s) hold a payload rdx cannot read (ACTIONS shows ?); \
             `rdx reports show ID` says why"
        );
    }
    newest_first(&mut got, &order);
    Ok(Collected {
        reports: got,
        fetch,
    })
}

/// Newest first: by the time stored, then the later in the server's list
/// (`order`: each id's place in it).
pub(crate) fn newest_first(got: &mut [Summary], order: &HashMap<String, usize>) {
    got.sort_by(|a, b| {
        b.added_ms()
            .cmp(&a.added_ms())
            .then_with(|| order.get(&b.id).cmp(&order.get(&a.id)))
    });
}

fn list(cfg: &Config, mut feed: Feed, args: Args, started: Instant) -> Result<()> {
    let filters = Filters {
        since: args.since,
        title: args.title,
        instance: args.instance,
    };
    let quiet = cfg.feed.quiet;
    let url = cfg.feed.url.to_string();
    let mut out = Out::new(args.follow || cfg.tty);
    let pal = cfg.palette();
    let Collected {
        reports: got,
        mut fetch,
    } = collect(cfg, &mut feed, &filters, started)?;
    if got.is_empty() && !quiet && !args.follow {
        eprintln!("rdx: {url} has no stored reports (that the filters pass)");
    }
    let columns = Columns::fit(&got, cfg.width);
    if !cfg.json && !got.is_empty() {
        out.line(&columns.header(pal))?;
    }
    for s in &got {
        print(cfg, &mut out, &columns, s)?;
    }
    out.flush()?;
    if !args.follow {
        return Ok(());
    }
    // --follow: each report as the server stores it.
    let mut header = !got.is_empty() || cfg.json;
    loop {
        out.flush()?;
        match feed.next(fetch.deadline())? {
            Item::Link { lost: None, .. } => fetch.ask_again(&feed),
            Item::Reports {
                note: Note::List(rows),
                ..
            } => {
                // A list again (after a reconnect, or another subscriber):
                // any report not seen yet is new.
                fetch.want_passing(&feed, &filters, &rows);
            }
            Item::Reports {
                note: Note::Added(r),
            } => fetch.want_passing(&feed, &filters, [&r]),
            Item::ReportBody { id, data, error } => {
                if !fetch.answered(&id) {
                    continue;
                }
                if let Some((r, h)) = read_body(&url, &id, &data, error.as_ref(), quiet) {
                    let s = Summary::of(&r, h.as_ref());
                    if filters.pass(&s) {
                        if !header {
                            out.line(&columns.header(pal))?;
                            header = true;
                        }
                        print(cfg, &mut out, &columns, &s)?;
                    }
                }
                fetch.pump(&feed);
            }
            Item::Timeout => {
                return Err(Error::Timeout(format!(
                    "{url} did not answer getReport within --timeout"
                )));
            }
            Item::End => return Ok(()),
            _ => {}
        }
    }
}

fn print(cfg: &Config, out: &mut Out, columns: &Columns, s: &Summary) -> Result<()> {
    if cfg.json {
        out.json(&s.json())?;
    } else {
        out.line(&columns.row(s, cfg.palette()))?;
    }
    Ok(())
}

/// The human columns, sized once (a followed list keeps them).
struct Columns {
    instance: usize,
    version: usize,
    title: Option<usize>,
}

const ID_W: usize = 36;
const ADDED_W: usize = 24;
const TYPE_W: usize = 7;
const ACTIONS_W: usize = 7;

impl Columns {
    fn fit(rows: &[Summary], term: Option<usize>) -> Columns {
        let w = |f: fn(&Summary) -> Option<&String>, min: usize, max: usize| {
            rows.iter()
                .filter_map(f)
                .map(|s| width(&sanitize(s)))
                .max()
                .unwrap_or(0)
                .clamp(min, max)
        };
        let instance = w(|s| s.instance.as_ref(), 8, 24);
        let version = w(|s| s.version.as_ref(), 7, 12);
        let used = ID_W + ADDED_W + TYPE_W + ACTIONS_W + instance + version + 2 * 6;
        Columns {
            instance,
            version,
            title: term.map(|t| t.saturating_sub(used).max(10)),
        }
    }

    fn header(&self, pal: Palette) -> String {
        let line = format!(
            "{:<ID_W$}  {:<ADDED_W$}  {:<TYPE_W$}  {:>ACTIONS_W$}  {:<iw$}  {:<vw$}  TITLE",
            "ID",
            "ADDED",
            "TYPE",
            "ACTIONS",
            "INSTANCE",
            "VERSION",
            iw = self.instance,
            vw = self.version
        );
        pal.bold(&line)
    }

    fn row(&self, s: &Summary, pal: Palette) -> String {
        let cell = |v: &Option<String>, w: usize| {
            let text = v.as_deref().map(sanitize).unwrap_or_default();
            let cut = elide_middle(&text, w).into_owned();
            let pad = w.saturating_sub(width(&cut));
            format!("{cut}{}", " ".repeat(pad))
        };
        let title = s.title.as_deref().map(sanitize).unwrap_or_default();
        let title = match self.title {
            Some(w) => truncate(&title, w).into_owned(),
            None => title.into_owned(),
        };
        let actions = s.actions.map_or("?".to_string(), |n| n.to_string());
        let line = format!(
            "{}  {}  {}  {:>ACTIONS_W$}  {}  {}  {}",
            cell(&Some(s.id.clone()), ID_W),
            cell(&s.added, ADDED_W),
            cell(&s.report_type, TYPE_W),
            actions,
            cell(&s.instance, self.instance),
            cell(&s.version, self.version),
            title
        );
        let _ = pal;
        line.trim_end().to_string()
    }
}

fn show(cfg: &Config, mut feed: Feed, id: &str, started: Instant) -> Result<()> {
    let url = cfg.feed.url.to_string();
    let deadline = started + cfg.feed.timeout;
    let (data, error) = loop {
        match feed.next(Some(deadline))? {
            Item::Link { lost: None, .. } => feed.get_report(id),
            Item::ReportBody {
                id: got,
                data,
                error,
            } if got == id => break (data, error),
            Item::Timeout => {
                return Err(Error::Timeout(format!(
                    "{url} did not answer getReport {} within --timeout (a server whose \
                     report database failed never answers)",
                    sanitize(id)
                )));
            }
            Item::End => return Err(Error::NotFound(format!("no report {}", sanitize(id)))),
            _ => {}
        }
    };
    let report =
        crate::relay::report::reply(id, &data, error.as_ref()).map_err(|e| e.error(id, &url))?;
    let history = report.history();
    let mut out = Out::new(false);
    if cfg.json {
        out.json(&whole(&report, &history))?;
    } else {
        out.text(&for_people(&report, &history, cfg.palette()))?;
    }
    out.flush()?;
    Ok(())
}

/// `reports show --json`: every column, the actions, the final state.
pub(crate) fn whole(r: &Report, history: &std::result::Result<History, String>) -> Value {
    let state_before = history
        .as_ref()
        .ok()
        .and_then(History::state_before)
        .cloned()
        .unwrap_or(Value::Null);
    let (actions, final_state, payload_error) = match history {
        Ok(h) => (
            Value::Array(
                h.staged()
                    .into_iter()
                    .map(|(id, a)| {
                        json!({"id": id, "type": crate::relay::action::action_type_of(a)})
                    })
                    .collect(),
            ),
            h.final_state().cloned().unwrap_or(Value::Null),
            Value::Null,
        ),
        Err(e) => (Value::Null, Value::Null, Value::String(e.clone())),
    };
    json!({
        "type": "report",
        "id": r.id,
        "added": r.added,
        "report_type": r.report_type,
        "title": r.headline(),
        "description": r.description,
        "action": r.action,
        "exception": r.exception,
        "instance": r.instance,
        "app": Value::Null,
        "version": r.version,
        "user_agent": r.user_agent,
        "user": r.user,
        "user_id": r.user_id,
        "meta": r.meta,
        "app_id": r.app_id,
        "screenshot_bytes": r.screenshot_bytes,
        "history": history.as_ref().ok().map(|h| match h.shape {
            crate::relay::report::Shape::Lifted => "states",
            crate::relay::report::Shape::Actions => "actions only",
        }),
        "actions": actions,
        "final_state": final_state,
        "state_before": state_before,
        "payload_error": payload_error,
    })
}

fn for_people(r: &Report, history: &std::result::Result<History, String>, pal: Palette) -> String {
    let mut s = String::new();
    let mut field = |name: &str, v: Option<&str>| {
        if let Some(v) = v {
            let mut lines = v.lines();
            let first = lines.next().unwrap_or_default();
            s.push_str(&format!(
                "{:<13}{}\n",
                pal.bold(&format!("{name}:")),
                sanitize(first)
            ));
            for l in lines {
                s.push_str(&format!("{:<13}{}\n", "", sanitize(l)));
            }
        }
    };
    field("Report", Some(&r.id));
    field("Added", r.added.as_deref());
    field("Type", r.report_type.as_deref());
    field("Title", r.headline().as_deref());
    field("Exception", r.exception.as_deref());
    field("Action", r.action.as_deref());
    field("Description", r.description.as_deref());
    field("Instance", r.instance.as_deref());
    field("Version", r.version.as_deref());
    field("User agent", r.user_agent.as_deref());
    field("User", r.user.as_deref());
    field("Meta", r.meta.as_deref());
    if r.screenshot_bytes > 0 {
        let shot = format!("{} bytes (not shown)", r.screenshot_bytes);
        field("Screenshot", Some(&shot));
    }
    match history {
        Err(e) => s.push_str(&format!(
            "\n{}\n",
            pal.red(&format!("Its history cannot be read: {}", sanitize(e)))
        )),
        Ok(h) => {
            let staged = h.staged();
            s.push_str(&format!(
                "\n{}\n",
                pal.bold(&format!("Actions ({}):", staged.len()))
            ));
            let w = staged.last().map_or(1, |(id, _)| id.to_string().len());
            for (id, a) in &staged {
                let ty = crate::relay::action::action_type_of(a).unwrap_or_default();
                s.push_str(&format!("  {id:>w$}  {}\n", sanitize(&ty)));
            }
            match h.final_state() {
                Some(Value::Object(top)) => {
                    s.push_str(&format!("\n{}\n", pal.bold("Final state (top level):")));
                    for (k, v) in top {
                        s.push_str(&format!(
                            "  {}: {}\n",
                            sanitize(k),
                            sanitize(&summary_of(v))
                        ));
                    }
                }
                Some(v) => {
                    s.push_str(&format!(
                        "\n{} {}\n",
                        pal.bold("Final state:"),
                        sanitize(&summary_of(v))
                    ));
                }
                None => {
                    s.push_str(&format!(
                        "\n{}\n",
                        pal.dim("Final state: not in the report (its actions and the state before them only; rdx runs no reducers)")
                    ));
                    if let Some(Value::Object(top)) = h.state_before() {
                        s.push_str(&format!(
                            "\n{}\n",
                            pal.bold("State before the actions (top level):")
                        ));
                        for (k, v) in top {
                            s.push_str(&format!(
                                "  {}: {}\n",
                                sanitize(k),
                                sanitize(&summary_of(v))
                            ));
                        }
                    }
                }
            }
        }
    }
    s
}

/// A value in a few words: scalars as JSON, containers by their size.
fn summary_of(v: &Value) -> String {
    match v {
        Value::Object(o) => format!("{{{} keys}}", o.len()),
        Value::Array(a) => format!("[{} items]", a.len()),
        other => {
            let text = compact(other);
            truncate(&text, 60).into_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(id: &str, added: &str, title: Option<&str>, instance: Option<&str>) -> Summary {
        Summary {
            id: id.into(),
            added: Some(added.into()),
            report_type: Some("STATE".into()),
            title: title.map(str::to_string),
            instance: instance.map(str::to_string),
            version: None,
            user_agent: None,
            actions: Some(2),
            last_action: None,
        }
    }

    #[test]
    fn the_json_line_has_exactly_the_spec_fields() {
        let v = summary("r1", "2026-12-03T06:20:58.543Z", Some("boom"), None).json();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut want = vec![
            "type",
            "id",
            "added",
            "report_type",
            "title",
            "instance",
            "app",
            "version",
            "user_agent",
            "actions",
        ];
        want.sort_unstable();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(keys, want);
        assert_eq!(v["type"], "report");
        assert_eq!(v["app"], Value::Null);
        assert_eq!(v["actions"], 2);
    }

    #[test]
    fn filters_before_and_after_the_fetch() {
        let since = parse_rfc3339_ms("2026-12-03T06:00:00Z");
        let f = Filters {
            since,
            title: Some(Regex::new("^Type").unwrap()),
            instance: Some("i1".into()),
        };
        // The list tells the time and the title.
        assert!(f.may_pass(Some("TypeError: x"), Some("2026-12-03T06:20:58.543Z")));
        assert!(!f.may_pass(Some("TypeError: x"), Some("2026-12-03T05:59:59.999Z")));
        assert!(!f.may_pass(Some("RangeError"), Some("2026-12-03T06:20:58.543Z")));
        assert!(!f.may_pass(None, Some("2026-12-03T06:20:58.543Z")));
        assert!(
            !f.may_pass(Some("TypeError"), None),
            "no time: not known to be recent"
        );
        // The report tells the instance.
        let s = summary(
            "r",
            "2026-12-03T06:20:58.543Z",
            Some("TypeError: x"),
            Some("i1"),
        );
        assert!(f.pass(&s));
        assert!(!f.pass(&summary(
            "r",
            "2026-12-03T06:20:58.543Z",
            Some("TypeError"),
            Some("i2")
        )));
        assert!(Filters::default().may_pass(None, None));
    }

    #[test]
    fn rows_are_aligned_and_cut_to_the_terminal() {
        let rows = [
            summary(
                "a",
                "2026-12-03T06:20:58.543Z",
                Some("short"),
                Some("inst-1"),
            ),
            summary(
                "b",
                "2026-12-03T06:20:59.543Z",
                Some(&"long title ".repeat(20)),
                None,
            ),
        ];
        let c = Columns::fit(&rows, Some(120));
        let pal = Palette { on: false };
        let header = c.header(pal);
        let lines: Vec<String> = rows.iter().map(|r| c.row(r, pal)).collect();
        let at = header.find("TITLE").unwrap();
        for l in &lines {
            assert!(width(l) <= 120, "{l}");
        }
        assert_eq!(&lines[0][at..at + 5], "short");
        assert_eq!(&lines[1][at..at + 4], "long");
        assert!(lines[1].ends_with('…'), "{}", lines[1]);
    }
}
