//! The feed: the main thread's one owner of the source, the registry and the
//! selection. It turns raw events (from the transport thread or a replay,
//! through the same channel) into what commands consume: each action once
//! (from an ACTION, or recovered from a STATE), gaps, states, registry
//! changes, the followed instance changing (a reload, a re-resolution), the
//! end of the input and timeouts. Commands never loop over the channel and
//! never decide on their own which instance they follow.

pub mod event;
pub mod fixture;
pub mod ledger;
pub mod reload;
pub mod source;

use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::feed::event::Event;
use crate::feed::fixture::Recorder;
use crate::feed::reload::{Reloads, Verdict};
use crate::feed::source::{Needs, Next, Source};
use crate::model::labels;
use crate::model::registry::{Change, Instance, Registry, Status};
use crate::model::selection::{Matcher, Resolution, Selection, describe_instance};
use crate::output::sanitize;
use crate::relay::lifted::{self, History};
use crate::relay::message::{Kind, Message};
use crate::time::now_ms;
use ledger::{Baseline, Ledger, Step};

/// What the feed needs to know, decided by the command line: where the
/// traffic comes from, the label store, how much to say on stderr.
#[derive(Debug, Clone)]
pub struct Setup {
    pub url: crate::link::url::WsUrl,
    /// `--replay FILE` (`-` = stdin): read a recording, no network.
    pub replay: Option<String>,
    /// `--record FILE`: also append every frame to FILE.
    pub record: Option<String>,
    /// Bounds connecting, resolving a selector, the first state.
    pub timeout: Duration,
    pub login: bool,
    pub reconnect: bool,
    pub labels: std::path::PathBuf,
    pub quiet: bool,
    pub verbose: bool,
}

/// After the first match, wait this long for a second one (SPEC: ~300 ms).
pub const SETTLE: Duration = Duration::from_millis(300);
/// After rdx's own link comes back, how long an instance that was live may
/// stay unheard before it counts as gone (apps on socketcluster-client wait
/// 10-20 s before they reconnect to a restarted server).
pub const RECONNECT_GRACE_MS: u64 = 30_000;
/// At most one UPDATE a second.
const UPDATE_EVERY_MS: u64 = 1000;
/// Items kept per instance while a selection is being decided.
const HELD_PER_INSTANCE: usize = 10_000;

/// What a command wants from the feed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Action and gap items (`tail`, `watch`).
    pub actions: bool,
    /// The app states: see [`States`].
    pub states: States,
    /// Registry changes (`sessions --follow`).
    pub changes: bool,
    /// Actions from before rdx started too (`tail --history`).
    pub history: bool,
    /// An [`Item::Message`] for every relay message (`record --count`).
    pub messages: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum States {
    #[default]
    None,
    /// Every state-carrying message as a [`Item::State`], undecoded (`state`).
    Snapshots,
    /// Each action with the state after it, and STATEs as [`Item::State`]
    /// (`watch`, `tail --diff`).
    PerAction,
}

/// How an action reached rdx.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Action,
    State,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Action => "action",
            Via::State => "state",
        }
    }
}

/// One action of one instance, delivered once.
#[derive(Debug, Clone)]
pub struct ActionItem {
    pub key: String,
    /// `nextActionId - 1` (None: the app sends no ids).
    pub id: Option<i64>,
    /// When the app dispatched it (its own timestamp; receive time without one).
    pub ts: u64,
    /// When rdx received it.
    pub t: u64,
    pub action: Value,
    pub via: Via,
    /// The app state after it ([`States::PerAction`]).
    pub state: Option<Value>,
}

/// Actions an instance dispatched that rdx will never get.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub key: String,
    pub t: u64,
    pub from: i64,
    pub to: i64,
}

impl Gap {
    pub fn lost(&self) -> i64 {
        self.to - self.from + 1
    }
}

#[derive(Debug)]
pub enum Item {
    Action(ActionItem),
    Gap(Gap),
    /// A message carrying an instance's state: every one with
    /// [`States::Snapshots`], STATE/INIT ones with [`States::PerAction`].
    State {
        key: String,
        t: u64,
        msg: Rc<Message>,
    },
    /// A registry change (with `changes`).
    Instance {
        t: u64,
        change: Change,
    },
    /// A relay message arrived (with `messages`).
    Message {
        t: u64,
    },
    /// The followed instance changed (said on stderr already).
    Switched {
        from: String,
        to: String,
    },
    /// The recording ended.
    End,
    /// The deadline given to [`Feed::next`] passed.
    Timeout,
}

impl Item {
    fn key(&self) -> Option<&str> {
        match self {
            Item::Action(a) => Some(&a.key),
            Item::Gap(g) => Some(&g.key),
            Item::State { key, .. } => Some(key),
            _ => None,
        }
    }
}

/// How a selector may move when its instance goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Moves {
    /// `--instance ID`: never moves.
    Literal,
    /// `--instance-select` with an id or a label: moves on a reload only.
    Named,
    /// Filters or a `/regex/`: resolved again.
    Pattern,
}

#[derive(Debug)]
enum Follow {
    /// No selector: every instance the filters admit.
    All,
    /// Live, before the selector is resolved.
    Resolving,
    One(String),
    /// The followed instance went gone; `decided`: no reload,
    /// waiting for the selection to match one live instance again.
    Lost {
        old: String,
        decided: bool,
    },
}

/// The selection a feed follows, and for which command (for messages).
#[derive(Debug, Clone)]
struct Selecting {
    sel: Selection,
    kind: Moves,
    command: &'static str,
    /// Follow the app across reloads (false: `state`, which reads one state
    /// of the instance the selection names, gone or not).
    follows: bool,
}

pub struct Feed {
    src: Source,
    pub registry: Registry,
    opts: Options,
    replay: bool,
    quiet: bool,
    verbose: bool,
    url: String,
    labels_path: std::path::PathBuf,
    /// Time of the latest event (epoch ms): "now" in replay.
    pub last_t: u64,
    /// When rdx was first subscribed (recorded time in replay).
    started_ms: Option<u64>,
    reconnected_at: Option<u64>,
    pub skipped: u64,
    ledgers: HashMap<String, Ledger<(u64, Rc<Message>)>>,
    reloads: Reloads,
    update_due: Option<u64>,
    last_update: Option<u64>,
    selecting: Option<Selecting>,
    follow: Follow,
    held: HashMap<String, VecDeque<Item>>,
    ready: VecDeque<Item>,
    failed: Option<Error>,
    ended: bool,
    /// Labelled instances whose app the store has learned.
    learned: HashSet<String>,
    /// Every reload seen (old, new), for replay's resolution.
    reload_log: Vec<(String, String)>,
}

impl Feed {
    /// Open the source the config names (`record` overrides `--record`).
    pub fn open(cfg: &Setup, opts: Options, record: Option<Recorder>) -> Result<Feed> {
        let needs = Needs {
            payloads: opts.states != States::None,
        };
        let src = Source::open(cfg, record, needs)?;
        let mut registry = Registry::new();
        let store = labels::load_store(&cfg.labels)?;
        registry.set_user_labels(store.labels);
        Ok(Feed {
            replay: src.is_replay(),
            src,
            registry,
            opts,
            quiet: cfg.quiet,
            verbose: cfg.verbose,
            url: cfg.url.to_string(),
            labels_path: cfg.labels.clone(),
            last_t: 0,
            started_ms: None,
            reconnected_at: None,
            skipped: 0,
            ledgers: HashMap::new(),
            reloads: Reloads::default(),
            update_due: None,
            last_update: None,
            selecting: None,
            follow: Follow::All,
            held: HashMap::new(),
            ready: VecDeque::new(),
            failed: None,
            ended: false,
            learned: store.apps.into_keys().collect(),
            reload_log: Vec::new(),
        })
    }

    /// Follow every instance that passes the filters of `sel` (`tail`
    /// without a selector).
    pub fn filter(&mut self, sel: Selection) {
        self.selecting = Some(Selecting {
            sel,
            kind: Moves::Pattern,
            command: "tail",
            follows: true,
        });
        self.follow = Follow::All;
    }

    /// Open a feed that follows exactly one instance: `sel` resolved as
    /// SPEC.md says (live: wait for a match, then settle; replay: against
    /// the whole file, then played from the start, from the first instance
    /// of the reload chain that ends at the match).
    pub fn open_selected(
        cfg: &Setup,
        opts: Options,
        sel: Selection,
        command: &'static str,
        follows: bool,
        started: Instant,
    ) -> Result<Feed> {
        let kind = if sel.instance.is_some() {
            Moves::Literal
        } else if matches!(sel.select, Some(Matcher::Exact(_))) {
            Moves::Named
        } else {
            Moves::Pattern
        };
        let selecting = Selecting {
            sel,
            kind,
            command,
            follows,
        };
        if cfg.replay.is_some() {
            let mut scan = Feed::open(cfg, Options::default(), None)?;
            // The first pass only resolves; the second one says what happens.
            scan.quiet = true;
            scan.drain()?;
            let key = scan.resolve_now(&selecting)?;
            let mut root = key.clone();
            while follows
                && let Some((old, _)) = scan.reload_log.iter().find(|(_, new)| *new == root)
            {
                root = old.clone();
            }
            let mut feed = Feed::open(cfg, opts, None)?;
            // Labels moved by the first pass are where this pass starts.
            for inst in scan.registry.iter() {
                if let Some(l) = scan.registry.user_label(&inst.id) {
                    feed.registry.set_label(&inst.id, Some(l.to_string()));
                } else if feed.registry.user_label(&inst.id).is_some() {
                    feed.registry.set_label(&inst.id, None);
                }
            }
            if let Some(l) = scan.registry.user_label(&key).map(str::to_string) {
                feed.registry.set_label(&key, None);
                feed.registry.set_label(&root, Some(l));
            }
            feed.selecting = Some(selecting);
            feed.follow = Follow::One(root);
            return Ok(feed);
        }
        let mut feed = Feed::open(cfg, opts, None)?;
        feed.selecting = Some(selecting.clone());
        feed.follow = Follow::Resolving;
        let deadline = started + cfg.timeout;
        let mut settle: Option<Instant> = None;
        loop {
            let until = settle.map_or(deadline, |s| s.min(deadline));
            if Instant::now() >= until {
                break;
            }
            if !feed.step(Some(until))? {
                break;
            }
            if settle.is_none() && feed.candidates(&selecting) != Resolution::None {
                settle = Some(Instant::now() + SETTLE);
            }
        }
        let key = feed.resolve_now(&selecting)?;
        feed.follow_one(key, None);
        Ok(feed)
    }

    pub fn is_replay(&self) -> bool {
        self.replay
    }

    /// When rdx was first subscribed (epoch ms), once it was.
    pub fn started(&self) -> Option<u64> {
        self.started_ms
    }

    /// The instance followed, if one is.
    pub fn followed(&self) -> Option<&str> {
        match &self.follow {
            Follow::One(k) => Some(k),
            _ => None,
        }
    }

    /// Is an item ready without waiting?
    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// The next item, waiting until `until` at most ([`Item::Timeout`]).
    pub fn next(&mut self, until: Option<Instant>) -> Result<Item> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Ok(item);
            }
            if let Some(e) = self.failed.take() {
                return Err(e);
            }
            if self.ended {
                return Ok(Item::End);
            }
            if until.is_some_and(|u| Instant::now() >= u) {
                return Ok(Item::Timeout);
            }
            self.step(until)?;
        }
    }

    /// Read the input to its end (replay), or until `until`.
    pub fn drain_until(&mut self, until: Option<Instant>) -> Result<()> {
        while !self.ended && until.is_none_or(|u| Instant::now() < u) {
            self.step(until)?;
            self.ready.clear();
        }
        Ok(())
    }

    fn drain(&mut self) -> Result<()> {
        self.drain_until(None)
    }

    /// Ask every app for a fresh STATE (live; at most once a second).
    pub fn request_update(&mut self) {
        let now = self.now();
        self.want_update(now);
    }

    /// Who an instance is, briefly: its label, else `app·shortid`, else the short id.
    pub fn who(&self, key: &str) -> String {
        who(self.registry.get(key), key)
    }

    /// Say a gap on stderr (unless --quiet).
    pub fn say_gap(&self, gap: &Gap) {
        if self.quiet {
            return;
        }
        let ids = if gap.from == gap.to {
            format!("id {}", gap.from)
        } else {
            format!("ids {}-{}", gap.from, gap.to)
        };
        eprintln!(
            "rdx: {}: {} action(s) lost ({ids}): the app no longer holds them",
            sanitize(&self.who(&gap.key)),
            gap.lost()
        );
    }

    /// Say on stderr how much input was skipped (unless --quiet).
    pub fn summary(&self) {
        if self.skipped > 0 && !self.quiet {
            let hint = if self.verbose {
                ""
            } else {
                " (--verbose shows each)"
            };
            eprintln!(
                "rdx: skipped {} frame(s) or message(s) that could not be understood{hint}",
                self.skipped
            );
        }
    }

    fn now(&self) -> u64 {
        if self.replay { self.last_t } else { now_ms() }
    }

    fn baseline(&self) -> Baseline {
        match (self.opts.history, self.started_ms) {
            (true, _) => Baseline::All,
            (false, Some(s)) => Baseline::Since(s),
            (false, None) => Baseline::Since(self.last_t),
        }
    }

    /// Wait for one event (or a timer) and take it in. False at the end.
    fn step(&mut self, until: Option<Instant>) -> Result<bool> {
        if self.ended {
            return Ok(false);
        }
        let mut wake = until;
        if !self.replay
            && let Some(due) = self.next_timer()
        {
            let now = now_ms();
            let at = Instant::now() + Duration::from_millis(due.saturating_sub(now));
            wake = Some(wake.map_or(at, |w| w.min(at)));
        }
        match self.src.next(wake) {
            Next::Timeout => {}
            Next::Event(ev) => self.observe(ev)?,
        }
        // Live, a steady stream of events must not starve the timers.
        if !self.replay && !self.ended {
            let now = now_ms();
            if self.next_timer().is_some_and(|due| due <= now) {
                self.timers(Some(now));
            }
        }
        Ok(!self.ended)
    }

    fn next_timer(&self) -> Option<u64> {
        let holds = self.ledgers.values().filter_map(Ledger::due).min();
        let grace = self.reconnected_at.map(|t| t + RECONNECT_GRACE_MS);
        [holds, grace, self.reloads.due(), self.update_due]
            .into_iter()
            .flatten()
            .min()
    }

    /// Run every timer due at `now` (None: the input ended, run them all).
    fn timers(&mut self, now: Option<u64>) {
        if let Some(due) = self.update_due
            && now.is_some_and(|n| n >= due)
        {
            self.update_due = None;
            self.send_update(due);
        }
        if let Some(since) = self.reconnected_at
            && now.is_some_and(|n| n >= since + RECONNECT_GRACE_MS)
        {
            self.reconnected_at = None;
            let t = now.unwrap_or(self.last_t);
            let changes = self.registry.mark_unheard_gone(since);
            self.registry_changes(t, changes);
        }
        let keys: Vec<String> = self
            .ledgers
            .iter()
            .filter(|(_, l)| l.due().is_some_and(|d| now.is_none_or(|n| n >= d)))
            .map(|(k, _)| k.clone())
            .collect();
        for key in keys {
            let mut steps = Vec::new();
            if let Some(l) = self.ledgers.get_mut(&key) {
                l.expire(now, &mut steps);
            }
            let t = now.unwrap_or(self.last_t);
            self.emit_steps(&key, t, steps, None);
        }
        for verdict in self.reloads.tick(now) {
            self.verdict(verdict);
        }
    }

    fn want_update(&mut self, now: u64) {
        if self.replay {
            return;
        }
        match self.last_update {
            Some(l) if now < l + UPDATE_EVERY_MS => {
                self.update_due.get_or_insert(l + UPDATE_EVERY_MS);
            }
            _ => self.send_update(now),
        }
    }

    fn send_update(&mut self, now: u64) {
        self.last_update = Some(now);
        self.src.request_update();
    }

    fn observe(&mut self, ev: Event) -> Result<()> {
        let t = match &ev {
            Event::Relay { t, .. }
            | Event::Connected { t, .. }
            | Event::Lost { t, .. }
            | Event::Skipped { t, .. } => Some(*t),
            _ => None,
        };
        if let Some(t) = t {
            self.last_t = self.last_t.max(t);
            // Replay keeps time by the recording: what is due by now happens first.
            if self.replay {
                self.timers(Some(self.last_t));
            }
        }
        match ev {
            Event::Relay { t, msg } => self.relay(t, Rc::from(msg)),
            Event::Connected {
                t,
                socket_id,
                ping_timeout_ms,
                legacy,
                reconnect,
            } => {
                self.started_ms.get_or_insert(t);
                if reconnect {
                    self.reconnected_at = Some(t);
                    if !self.quiet {
                        eprintln!(
                            "rdx: reconnected to {} at {}",
                            self.url,
                            crate::time::rfc3339_ms(t)
                        );
                    }
                } else if self.verbose {
                    let generation = if legacy {
                        "v1 (legacy remotedev-server)"
                    } else {
                        "v2"
                    };
                    eprintln!(
                        "rdx: connected as {}, protocol {generation}, pingTimeout {}s",
                        sanitize(&socket_id),
                        ping_timeout_ms / 1000
                    );
                }
            }
            Event::Lost { reason, .. } => {
                if !self.quiet {
                    eprintln!(
                        "rdx: lost the link to {}: {}; reconnecting",
                        self.url,
                        sanitize(&reason)
                    );
                }
            }
            Event::Skipped { at, what, loud, .. } => {
                self.skipped += 1;
                if self.verbose || (loud && !self.quiet) {
                    eprintln!("rdx: {}: skipped: {}", sanitize(&at), sanitize(&what));
                }
            }
            Event::Fatal(e) => return Err(e),
            Event::End => {
                self.timers(None);
                self.ended = true;
            }
        }
        Ok(())
    }

    fn relay(&mut self, t: u64, msg: Rc<Message>) {
        self.started_ms.get_or_insert(t);
        if self.opts.messages {
            self.ready.push_back(Item::Message { t });
        }
        let ty = if msg.kind == Kind::Action {
            msg.action_type()
        } else {
            None
        };
        let changes = self.registry.apply(t, &msg, ty.as_deref());
        let key = msg.key().to_string();
        if msg.kind == Kind::Disconnected && msg.instance_id.is_none() {
            self.registry_changes(t, changes);
            return;
        }
        if msg.kind == Kind::Start {
            self.ledgers.entry(key.clone()).or_default().saw_start();
        }
        let history = if msg.kind.has_history() {
            let h = lifted::history(&msg, self.opts.states == States::PerAction);
            if let Some(h) = &h {
                let last_type = h
                    .entries
                    .last()
                    .and_then(|e| crate::relay::message::action_type_of(&e.action));
                self.registry.note_history(&key, h.top, last_type);
            }
            h
        } else {
            None
        };
        self.registry_changes(t, changes);
        self.learn_app(&key);
        if self.opts.actions {
            let baseline = self.baseline();
            let mut steps = Vec::new();
            let ledger = self.ledgers.entry(key.clone()).or_default();
            match msg.kind {
                Kind::Action => {
                    let id = msg.next_action_id.map(|n| n - 1);
                    if ledger.on_action(id, (t, msg.clone()), t, baseline, &mut steps) {
                        self.want_update(t);
                    }
                }
                Kind::State | Kind::Lifted => {
                    if let Some(h) = &history {
                        ledger.on_state(&entries(h), h.top, baseline, &mut steps);
                    }
                }
                _ => {}
            }
            self.emit_steps(&key, t, steps, history);
        }
        let snapshot = match self.opts.states {
            States::None => false,
            States::Snapshots => lifted::carries_state(&msg.kind) && msg.payload.is_some(),
            States::PerAction => {
                matches!(msg.kind, Kind::State | Kind::Lifted | Kind::Init) && msg.payload.is_some()
            }
        };
        if snapshot {
            self.deliver(Item::State { key, t, msg });
        }
    }

    fn emit_steps(
        &mut self,
        key: &str,
        t: u64,
        steps: Vec<Step<(u64, Rc<Message>)>>,
        mut history: Option<History>,
    ) {
        for step in steps {
            let item = match step {
                Step::Gap { from, to } => Item::Gap(Gap {
                    key: key.to_string(),
                    t,
                    from,
                    to,
                }),
                Step::Emit {
                    id,
                    from: ledger::Source::Action((at, m)),
                } => Item::Action(ActionItem {
                    key: key.to_string(),
                    id,
                    ts: m.action_timestamp().unwrap_or(at),
                    t: at,
                    action: m.decoded_action().cloned().unwrap_or(Value::Null),
                    via: Via::Action,
                    state: if self.opts.states == States::PerAction {
                        m.decoded_payload()
                    } else {
                        None
                    },
                }),
                Step::Emit {
                    id,
                    from: ledger::Source::State(i),
                } => {
                    let Some(e) = history.as_mut().and_then(|h| h.entries.get_mut(i)) else {
                        continue;
                    };
                    Item::Action(ActionItem {
                        key: key.to_string(),
                        id,
                        ts: e.ts.unwrap_or(t),
                        t,
                        action: std::mem::take(&mut e.action),
                        via: Via::State,
                        state: e.state.take(),
                    })
                }
            };
            self.deliver(item);
        }
    }

    /// Hand an item to the command, if it is about what the command follows.
    fn deliver(&mut self, item: Item) {
        let Some(key) = item.key() else {
            self.ready.push_back(item);
            return;
        };
        let passes = |f: &Feed| {
            let sel = f.selecting.as_ref().map(|s| &s.sel);
            f.registry
                .get(key)
                .is_some_and(|i| sel.is_none_or(|s| s.passes_filters(i)))
        };
        match &self.follow {
            Follow::All => {
                let admitted = match &self.selecting {
                    None => true,
                    Some(s) => self.registry.get(key).is_some_and(|i| s.sel.admits(i)),
                };
                if admitted {
                    self.ready.push_back(item);
                }
            }
            Follow::One(k) => {
                if k == key {
                    self.ready.push_back(item);
                }
            }
            Follow::Resolving | Follow::Lost { .. } => {
                if passes(self) {
                    let q = self.held.entry(key.to_string()).or_default();
                    if q.len() >= HELD_PER_INSTANCE {
                        q.pop_front();
                    }
                    q.push_back(item);
                }
            }
        }
    }

    /// React to registry changes: reload detection, the followed instance
    /// going, `sessions --follow` lines.
    fn registry_changes(&mut self, t: u64, changes: Vec<Change>) {
        for change in changes {
            let key = change.key().to_string();
            let Some(inst) = self.registry.get(&key) else {
                continue;
            };
            let app = inst.app.clone();
            match &change {
                Change::Added(_) => self.reloads.appeared(&key, app.as_deref(), t),
                Change::Status(_) if inst.status == Status::Gone => {
                    let since = inst.last_seen.min(t);
                    let recent: Vec<(String, u64)> = self
                        .registry
                        .iter()
                        .filter(|i| {
                            i.id != key
                                && i.app == app
                                && i.status != Status::Gone
                                && i.first_seen >= since
                                && i.first_seen < t
                        })
                        .map(|i| (i.id.clone(), i.first_seen))
                        .collect();
                    self.followed_gone(&key);
                    self.reloads.gone(&key, app.as_deref(), t, recent);
                    if app.is_none() {
                        self.verdict(Verdict::Vanished { old: key.clone() });
                    }
                }
                _ => {}
            }
            if self.opts.changes && !matches!(change, Change::Touched(_)) {
                self.ready.push_back(Item::Instance { t, change });
            }
        }
        if let Follow::Lost { decided: true, .. } = self.follow {
            self.reresolve();
        }
    }

    fn followed_gone(&mut self, key: &str) {
        if !matches!(&self.follow, Follow::One(k) if k == key) {
            return;
        }
        let Some(s) = &self.selecting else { return };
        if !s.follows {
            return;
        }
        if s.kind == Moves::Literal {
            self.failed = Some(Error::NotFound(format!(
                "instance {} (--instance) is gone: its app disconnected",
                sanitize(key)
            )));
            return;
        }
        self.follow = Follow::Lost {
            old: key.to_string(),
            decided: false,
        };
    }

    fn verdict(&mut self, verdict: Verdict) {
        match &verdict {
            Verdict::Reload { old, new } => {
                self.reload_log.push((old.clone(), new.clone()));
                self.move_label(old, new);
            }
            Verdict::Ambiguous { old, app } => {
                if let Some(l) = self.registry.user_label(old)
                    && !self.quiet
                {
                    eprintln!(
                        "rdx: several instances of {} went away at once; label {} stays on {} (gone)",
                        sanitize(app),
                        sanitize(l),
                        sanitize(old)
                    );
                }
            }
            Verdict::Vanished { .. } => {}
        }
        let old = match &verdict {
            Verdict::Reload { old, .. }
            | Verdict::Ambiguous { old, .. }
            | Verdict::Vanished { old } => old.clone(),
        };
        if !matches!(&self.follow, Follow::Lost { old: o, decided: false, .. } if *o == old) {
            return;
        }
        match verdict {
            Verdict::Reload { new, .. } => {
                if !self.quiet {
                    eprintln!(
                        "rdx: {} reloaded as {}; following it",
                        sanitize(&self.name(&old)),
                        sanitize(&self.name(&new))
                    );
                }
                self.follow_one(new.clone(), Some(old));
            }
            _ => {
                let Some(s) = self.selecting.clone() else {
                    return;
                };
                if s.kind == Moves::Named {
                    let app = self.registry.get(&old).and_then(|i| i.app.clone());
                    self.failed = Some(self.gone_error(&s, &old, app.as_deref()));
                    return;
                }
                if let Follow::Lost { decided, .. } = &mut self.follow {
                    *decided = true;
                }
                if !self.reresolve() && !self.quiet {
                    eprintln!(
                        "rdx: {} is gone; waiting for an instance matching {}",
                        sanitize(&self.name(&old)),
                        s.sel.describe()
                    );
                }
            }
        }
    }

    /// After the followed instance went and no reload replaced it: follow
    /// the one live match, if there is one now. True when following again.
    fn reresolve(&mut self) -> bool {
        let Follow::Lost { old, .. } = &self.follow else {
            return false;
        };
        let old = old.clone();
        let Some(s) = self.selecting.clone() else {
            return false;
        };
        // Only instances that are still there count here: the gone ones are
        // what the selection is moving away from.
        let live: Vec<&Instance> = self
            .registry
            .iter()
            .filter(|i| i.status != Status::Gone && s.sel.admits(i))
            .collect();
        let res = match &live[..] {
            [] => Resolution::None,
            [one] => Resolution::One(one.id.clone()),
            many => Resolution::Several(many.iter().map(|i| i.id.clone()).collect()),
        };
        match res {
            Resolution::One(k) if k != old => {
                if !self.quiet {
                    eprintln!(
                        "rdx: {} is gone; following {}, the one instance matching {}",
                        sanitize(&self.name(&old)),
                        sanitize(&self.name(&k)),
                        s.sel.describe()
                    );
                }
                self.follow_one(k, Some(old));
                true
            }
            res @ Resolution::Several(_) => {
                self.failed = Some(s.sel.error(&res, &self.registry, s.command));
                true
            }
            _ => false,
        }
    }

    /// Follow `key` from now on, with what was held for it.
    fn follow_one(&mut self, key: String, from: Option<String>) {
        if let Some(from) = from {
            self.ready.push_back(Item::Switched {
                from,
                to: key.clone(),
            });
        }
        if let Some(q) = self.held.remove(&key) {
            self.ready.extend(q);
        }
        self.held.clear();
        self.follow = Follow::One(key);
    }

    /// An instance by its app and short id (`shop·4xxi9uf`), for notes about
    /// reloads, where a label may be on either side.
    fn name(&self, key: &str) -> String {
        let short: String = key.chars().take(7).collect();
        match self.registry.get(key).and_then(|i| i.app.as_deref()) {
            Some(a) => format!("{a}·{short}"),
            None => short,
        }
    }

    /// A reload: the label people gave the old instance moves to the new one
    /// (in the store too, live; a replay changes nothing on disk).
    fn move_label(&mut self, old: &str, new: &str) {
        let Some(label) = self.registry.user_label(old).map(str::to_string) else {
            return;
        };
        if self.registry.user_label(new).is_some() {
            return;
        }
        let app = self.registry.get(new).and_then(|i| i.app.clone());
        self.registry.set_label(old, None);
        self.registry.set_label(new, Some(label.clone()));
        if !self.replay {
            let (o, n) = (old.to_string(), new.to_string());
            let result = labels::update_store(&self.labels_path, |s| {
                if s.labels.get(&o) == Some(&label) {
                    s.labels.remove(&o);
                    s.labels.insert(n.clone(), label.clone());
                    s.apps.remove(&o);
                    if let Some(a) = &app {
                        s.apps.insert(n.clone(), a.clone());
                    }
                }
            });
            if let Err(e) = result {
                eprintln!("rdx: could not move label {}: {e}", sanitize(&label));
            }
            self.learned.insert(new.to_string());
        }
        if !self.quiet {
            let on_disk = if self.replay { " (in this replay)" } else { "" };
            eprintln!(
                "rdx: label {} moved from {} to {} (the app reloaded){on_disk}",
                sanitize(&label),
                sanitize(&self.name(old)),
                sanitize(&self.name(new))
            );
        }
    }

    /// Remember in the store which app a labelled instance belongs to.
    fn learn_app(&mut self, key: &str) {
        if self.replay || self.learned.contains(key) || self.registry.user_label(key).is_none() {
            return;
        }
        let Some(app) = self.registry.get(key).and_then(|i| i.app.clone()) else {
            return;
        };
        self.learned.insert(key.to_string());
        let k = key.to_string();
        let _ = labels::update_store(&self.labels_path, |s| {
            if s.labels.contains_key(&k) {
                s.apps.insert(k.clone(), app.clone());
            }
        });
    }

    /// What the selection matches now, with the label fallback.
    fn candidates(&self, s: &Selecting) -> Resolution {
        match s.sel.resolve(&self.registry) {
            Resolution::One(k) if self.is_gone(&k) && s.kind == Moves::Named => {
                match self.label_heir(s, &k) {
                    Ok(Some(heir)) => Resolution::One(heir),
                    _ => Resolution::One(k),
                }
            }
            Resolution::None if s.kind == Moves::Named => {
                match self
                    .labelled(s)
                    .and_then(|id| self.label_heir(s, &id).ok().flatten())
                {
                    Some(heir) => Resolution::One(heir),
                    None => Resolution::None,
                }
            }
            other => other,
        }
    }

    fn is_gone(&self, key: &str) -> bool {
        self.registry
            .get(key)
            .is_none_or(|i| i.status == Status::Gone)
    }

    /// The instance id the selector's label names in the store, if any.
    fn labelled(&self, s: &Selecting) -> Option<String> {
        let Some(Matcher::Exact(text)) = &s.sel.select else {
            return None;
        };
        labels::load(&self.labels_path)
            .ok()?
            .into_iter()
            .find(|(_, l)| l == text)
            .map(|(id, _)| id)
    }

    /// A label on a gone instance `old`: the one live, unlabelled instance of
    /// the same app that appeared after it. Err: the candidates (0 or several).
    fn label_heir(
        &self,
        s: &Selecting,
        old: &str,
    ) -> std::result::Result<Option<String>, Vec<String>> {
        let Some(label) = self.registry.user_label(old) else {
            return Ok(None);
        };
        if !matches!(&s.sel.select, Some(Matcher::Exact(t)) if t == label) {
            return Ok(None);
        }
        let prev = self.registry.get(old);
        let app = match prev.and_then(|i| i.app.clone()) {
            Some(a) => Some(a),
            None => labels::load_store(&self.labels_path)
                .ok()
                .and_then(|st| st.apps.get(old).cloned()),
        };
        let Some(app) = app else {
            return Err(Vec::new());
        };
        let after = prev.map_or(0, |i| i.last_seen);
        let heirs: Vec<String> = self
            .registry
            .iter()
            .filter(|i| {
                i.id != old
                    && i.app.as_deref() == Some(app.as_str())
                    && i.status != Status::Gone
                    && self.registry.user_label(&i.id).is_none()
                    && i.first_seen >= after
                    && s.sel.passes_filters(i)
            })
            .map(|i| i.id.clone())
            .collect();
        match &heirs[..] {
            [one] => Ok(Some(one.clone())),
            _ => Err(heirs),
        }
    }

    /// Resolve the selection to one instance now, or the SPEC's error.
    fn resolve_now(&mut self, s: &Selecting) -> Result<String> {
        let res = s.sel.resolve(&self.registry);
        let gone_label = match &res {
            Resolution::One(k) if s.kind == Moves::Named && self.is_gone(k) => Some(k.clone()),
            Resolution::None if s.kind == Moves::Named => self.labelled(s),
            _ => None,
        };
        if let Some(old) = gone_label
            && self.registry.user_label(&old).is_some()
        {
            match self.label_heir(s, &old) {
                Ok(Some(heir)) => {
                    self.move_label(&old, &heir);
                    return Ok(heir);
                }
                Ok(None) => {}
                Err(heirs) => {
                    // The gone instance itself is still known (a replay, an
                    // app that exited): it is the one, as the gone rule says.
                    if heirs.is_empty() && self.registry.get(&old).is_some() {
                        return Ok(old);
                    }
                    let app = self
                        .registry
                        .get(&old)
                        .and_then(|i| i.app.clone())
                        .or_else(|| {
                            labels::load_store(&self.labels_path)
                                .ok()
                                .and_then(|st| st.apps.get(&old).cloned())
                        });
                    return Err(self.gone_error(s, &old, app.as_deref()));
                }
            }
        }
        match res {
            Resolution::One(k) => Ok(k),
            other => Err(s.sel.error(&other, &self.registry, s.command)),
        }
    }

    /// The followed (or labelled) instance is gone and nothing replaced it.
    fn gone_error(&self, s: &Selecting, old: &str, app: Option<&str>) -> Error {
        let label = self
            .registry
            .user_label(old)
            .map(|l| format!(" (label {})", sanitize(l)))
            .unwrap_or_default();
        let mut msg = format!(
            "the instance {}{label} that {} names is gone",
            sanitize(old),
            s.sel.describe()
        );
        let list: Vec<&Instance> = match app {
            Some(a) => self
                .registry
                .iter()
                .filter(|i| i.id != old && i.app.as_deref() == Some(a) && i.status != Status::Gone)
                .collect(),
            None => Vec::new(),
        };
        match (app, list.is_empty()) {
            (Some(a), true) => msg.push_str(&format!(
                ", and no live instance of {} replaced it; `rdx sessions --all` lists what was seen",
                sanitize(a)
            )),
            (Some(a), false) => {
                msg.push_str(&format!(
                    ", and it is not clear which instance of {} replaced it:\n",
                    sanitize(a)
                ));
                for i in list {
                    msg.push_str(&format!("  {}\n", describe_instance(i)));
                }
                msg.push_str("pick one with --instance ID, or label it: `rdx sessions label ID NAME`");
            }
            (None, _) => msg.push_str("; `rdx sessions --all` lists what was seen"),
        }
        Error::NotFound(msg)
    }
}

/// Who an instance is, briefly, for stream lines: its label, else
/// `app·shortid`, else the short id.
pub fn who(inst: Option<&Instance>, key: &str) -> String {
    let short: String = key.chars().take(7).collect();
    match inst {
        Some(Instance { label: Some(l), .. }) => l.clone(),
        Some(Instance { app: Some(a), .. }) => format!("{a}·{short}"),
        _ => short,
    }
}

/// `--replay -` read twice: spool stdin to a temporary file first.
pub fn spool_stdin(cfg: &Setup) -> Result<(Setup, Option<TempFile>)> {
    if cfg.replay.as_deref() != Some("-") {
        return Ok((cfg.clone(), None));
    }
    let path = std::env::temp_dir().join(format!("rdx-stdin-{}.jsonl", std::process::id()));
    let mut f = std::fs::File::create(&path).map_err(|e| Error::Fixture {
        path: path.display().to_string(),
        reason: format!("cannot spool stdin: {e}"),
    })?;
    std::io::copy(&mut std::io::stdin().lock(), &mut f).map_err(|e| Error::Fixture {
        path: "<stdin>".into(),
        reason: format!("read failed: {e}"),
    })?;
    let mut cfg = cfg.clone();
    cfg.replay = Some(path.display().to_string());
    Ok((cfg, Some(TempFile(path))))
}

/// Removed on drop.
pub struct TempFile(pub std::path::PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The ledger's view of a STATE's history: ids and dispatch times.
fn entries(h: &History) -> Vec<ledger::Entry> {
    h.entries
        .iter()
        .map(|e| ledger::Entry { id: e.id, ts: e.ts })
        .collect()
}
