//! The feed: the main thread's one owner of the source, the registry and the
//! selection, turning raw events into what commands consume (each action
//! once, gaps, states, changes, a switch of the followed instance, the end, a
//! timeout). Uses the model, the relay and, through its source, the link.
//!
//! No command loops over the channel or decides for itself which instance it
//! follows; live and replay go through the same code.

mod deadlines;
mod devtools;
mod ended;
pub mod event;
mod follow;
mod intake;
pub mod item;
mod labelling;
pub mod ledger;
mod next_or;
pub mod recording;
pub mod reload;
mod selected;
pub mod source;
mod spool;
#[cfg(test)]
mod tests;
mod unanswered;

pub(crate) use item::{ActionItem, Gap, Item};
pub(crate) use next_or::Woke;
use selected::{Follow, Selecting};
pub(crate) use selected::{Follows, Selected};
pub(crate) use spool::Spool;

use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::feed::recording::Recorder;
use crate::feed::reload::Reloads;
use crate::feed::source::Source;
use crate::model::labels;
use crate::model::registry::{Instance, Registry};
use crate::output::sanitize;
use crate::relay::message::Message;
use crate::time::now_ms;
use ledger::{Baseline, Ledger};

/// What the feed needs to know, decided by the command line: where the
/// traffic comes from, the label store, how much to say on stderr.
#[derive(Debug, Clone)]
pub(crate) struct Setup {
    pub(crate) url: crate::link::url::WsUrl,
    /// `--replay FILE` (`-` = stdin): read a recording, no network.
    pub(crate) replay: Option<String>,
    /// `--replay -` spooled (for a recording read twice): read this, not stdin.
    pub(crate) spool: Option<Spool>,
    /// `--record FILE`: also append every frame to FILE.
    pub(crate) record: Option<String>,
    /// Bounds connecting, resolving a selector, the first state.
    pub(crate) timeout: Duration,
    pub(crate) login: bool,
    pub(crate) reconnect: bool,
    /// What a live link subscribes to: the apps (and START sent to them),
    /// the server's stored reports (`report` channel), or both.
    pub(crate) want: crate::link::session::Want,
    /// `--report ID`: read that stored report's history, as a recording.
    pub(crate) report: Option<String>,
    /// How to trust a `wss://` server's certificate.
    pub(crate) trust: crate::link::tls::Trust,
    pub(crate) labels: std::path::PathBuf,
    pub(crate) quiet: bool,
    pub(crate) verbose: bool,
}

impl Setup {
    /// The source is finite and read whole: a recording (`--replay`) or a
    /// stored report (`--report`), not a live server.
    pub(crate) fn recorded(&self) -> bool {
        self.replay.is_some() || self.report.is_some()
    }
}

/// After the first match, wait this long for a second one (SPEC: ~300 ms).
pub(crate) const SETTLE: Duration = Duration::from_millis(300);
/// After rdx's own link comes back, how long an instance that was live may
/// stay unheard before it counts as gone (apps on socketcluster-client wait
/// 10-20 s before they reconnect to a restarted server).
pub(crate) const RECONNECT_GRACE_MS: u64 = 30_000;
/// At most one UPDATE a second.
const UPDATE_EVERY_MS: u64 = 1000;
/// Gone instances remembered live (the newest by last seen); older ones are
/// forgotten, so a long run against apps that reload all day stays flat.
/// A hundred is more than a person reads in `sessions --all`, and keeps the
/// memory they cost (about 1 KB each) under a few % of rdx's own (issue 13).
const GONE_KEPT_LIVE: usize = 100;
/// A recording is finite and replayed to be read whole: its gone instances
/// are kept up to this many (about 10 MB at most).
const GONE_KEPT_REPLAY: usize = 10_000;

/// How many gone instances a feed keeps.
pub(crate) fn gone_kept(replay: bool) -> usize {
    if replay {
        GONE_KEPT_REPLAY
    } else {
        GONE_KEPT_LIVE
    }
}
/// Items kept per instance while a selection is being decided.
const HELD_PER_INSTANCE: usize = 10_000;

/// What a command wants from the feed.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Options {
    /// Action and gap items (`tail`, `watch`).
    pub(crate) actions: bool,
    /// The app states: see [`States`].
    pub(crate) states: States,
    /// Registry changes (`sessions --follow`).
    pub(crate) changes: bool,
    /// Actions from before rdx started too (`tail --history`).
    pub(crate) history: bool,
    /// An [`Item::Received`] for every relay message (`record --count`).
    pub(crate) messages: bool,
    /// An [`Item::Reloaded`] for every reload seen, of any instance (`ui`,
    /// whose user chooses what to follow).
    pub(crate) reloads: bool,
    /// An [`Item::Link`] each time the link is lost or made (`ui`, whose
    /// status line says it).
    pub(crate) links: bool,
    /// With [`States::PerAction`]: an ACTION's state comes as a
    /// [`item::Payload`], not decoded (`ui`).
    pub(crate) lazy_states: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum States {
    #[default]
    None,
    /// Every state-carrying message as a [`Item::State`], undecoded (`state`).
    Snapshots,
    /// Each action with the state after it, and STATEs as [`Item::State`]
    /// (`watch`, `tail --diff`).
    PerAction,
}

pub(crate) struct Feed {
    src: Source,
    pub(crate) registry: Registry,
    opts: Options,
    replay: bool,
    quiet: bool,
    verbose: bool,
    url: String,
    labels_path: std::path::PathBuf,
    /// Time of the latest event (epoch ms): "now" in replay.
    pub(crate) last_t: u64,
    /// When rdx was first subscribed (recorded time in replay).
    started_ms: Option<u64>,
    reconnected_at: Option<u64>,
    pub(crate) skipped: u64,
    /// Frames that were not for rdx (other Expo plugins, handshakes).
    pub(crate) ignored: u64,
    /// Numbers out of range left out of messages that were kept.
    pub(crate) out_of_range: u64,
    ledgers: HashMap<String, Ledger<(u64, Rc<Message>)>>,
    /// The instances whose actions wait for a STATE, and until when.
    holds: deadlines::Deadlines<String>,
    reloads: Reloads,
    update_due: Option<u64>,
    last_update: Option<u64>,
    selecting: Option<Selecting>,
    follow: Follow,
    held: HashMap<String, VecDeque<Item>>,
    ready: VecDeque<Item>,
    failed: Option<Error>,
    ended: bool,
    /// Why the stream ended, said on stderr by [`Feed::summary`].
    end_note: Option<String>,
    /// Labelled instances whose app the store has learned.
    learned: HashSet<String>,
    /// Instances gone since the last look at forgetting old ones.
    gone_since_pruned: usize,
    /// Said on stderr that live or stopped instances were let go.
    said_let_go: bool,
    /// Every reload seen in a replay (new → old), for its resolution.
    reload_log: HashMap<String, String>,
    /// Why rdx's own link is down right now (None: up, or not yet tried).
    pub(crate) link_lost: Option<String>,
    /// When Some, the notes about labels go here instead of stderr (`rdx
    /// ui`, whose screen stderr would write over; the status line says
    /// them). At most [`NOTES_KEPT`], the newest.
    pub(crate) notes: Option<VecDeque<String>>,
    /// The frames come from the Expo plugin socket, where an instance that
    /// goes says nothing: see [`unanswered`].
    expo: bool,
    unanswered: unanswered::Unanswered,
}

/// How many notes [`Feed::notes`] keeps.
pub(crate) const NOTES_KEPT: usize = 16;

impl Feed {
    /// Open the source the config names (`record` overrides `--record`).
    pub(crate) fn open(cfg: &Setup, opts: Options, record: Option<Recorder>) -> Result<Feed> {
        // Reading labels never stops a command: a broken store is said and
        // left alone (only writing it is an error). Read before the link is
        // opened: what rdx hears is matched against the store as it was then.
        let store = labels::load_or_warn(&cfg.labels);
        let src = Source::open(cfg, record, opts.states != States::None)?;
        let mut registry = Registry::new();
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
            ignored: 0,
            out_of_range: 0,
            ledgers: HashMap::new(),
            holds: Default::default(),
            reloads: Reloads::default(),
            update_due: None,
            last_update: None,
            selecting: None,
            follow: Follow::All,
            held: HashMap::new(),
            ready: VecDeque::new(),
            failed: None,
            ended: false,
            end_note: None,
            learned: store.apps.into_keys().collect(),
            reload_log: HashMap::new(),
            gone_since_pruned: 0,
            said_let_go: false,
            link_lost: None,
            notes: None,
            expo: cfg.replay.is_none() && cfg.url.relay == crate::link::url::Relay::Expo,
            unanswered: Default::default(),
        })
    }

    pub(crate) fn is_replay(&self) -> bool {
        self.replay
    }

    /// When rdx was first subscribed (epoch ms), once it was.
    pub(crate) fn started(&self) -> Option<u64> {
        self.started_ms
    }

    /// Is an item ready without waiting?
    pub(crate) fn has_ready(&mut self) -> bool {
        // Events already handed over (the rest of a batch, or batches
        // waiting in the channel) are taken in without waiting: a burst of
        // frames is printed with one write, yet a line never waits for an
        // event that has not arrived. At most a batch's worth at a time, so
        // a flood of events that make no item still lets the caller flush
        // and `next` look at its deadline.
        for _ in 0..256 {
            if !self.ready.is_empty()
                || self.ended
                || self.failed.is_some()
                || !self.src.has_buffered()
            {
                break;
            }
            if let Err(e) = self.step(Some(Instant::now())) {
                self.failed = Some(e);
            }
        }
        !self.ready.is_empty()
    }

    /// The next item, waiting until `until` at most ([`Item::Timeout`]).
    pub(crate) fn next(&mut self, until: Option<Instant>) -> Result<Item> {
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
    pub(crate) fn drain_until(&mut self, until: Option<Instant>) -> Result<()> {
        while !self.ended && until.is_none_or(|u| Instant::now() < u) {
            self.step(until)?;
            self.ready.clear();
        }
        Ok(())
    }

    fn drain(&mut self) -> Result<()> {
        self.drain_until(None)
    }

    /// Ask the server for a stored report (live); the reply comes as
    /// [`Item::ReportBody`].
    pub(crate) fn get_report(&self, id: &str) {
        self.src.get_report(id);
    }

    /// Ask every app for a fresh STATE (live; at most once a second).
    pub(crate) fn request_update(&mut self) {
        let now = self.now();
        self.want_update(now);
    }

    /// Who an instance is, briefly: its label, else `app·shortid`, else the short id.
    pub(crate) fn short_name(&self, instance: &str) -> String {
        short_name(self.registry.get(instance), instance)
    }

    /// Say a gap on stderr (unless --quiet).
    pub(crate) fn say_gap(&self, gap: &Gap) {
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
            sanitize(&self.short_name(&gap.instance)),
            gap.lost()
        );
    }

    /// Say on stderr (unless --quiet) why the stream ended, if it ended
    /// because what it followed did, and how much input was skipped.
    pub(crate) fn summary(&self) {
        if self.quiet {
            return;
        }
        if let Some(note) = &self.end_note {
            eprintln!("rdx: {note}");
        }
        let hint = if self.verbose {
            ""
        } else {
            " (--verbose shows each)"
        };
        if self.skipped > 0 {
            eprintln!(
                "rdx: skipped {} frame(s) or message(s) that could not be understood{hint}",
                self.skipped
            );
        }
        if self.ignored > 0 && self.verbose {
            eprintln!(
                "rdx: ignored {} frame(s) that were not the Redux plugin's (other plugins, clients' handshakes, binary frames)",
                self.ignored
            );
        }
        if self.out_of_range > 0 {
            eprintln!(
                "rdx: ignored {} number(s) out of range (action ids past 2^53, times past year 9999) in messages otherwise kept{hint}",
                self.out_of_range
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
}

/// Who an instance is, briefly, for stream lines: its label, else
/// `app·shortid`, else the short id.
pub(crate) fn short_name(inst: Option<&Instance>, instance: &str) -> String {
    let short: String = instance.chars().take(7).collect();
    match inst {
        Some(Instance { label: Some(l), .. }) => l.clone(),
        Some(Instance { app: Some(a), .. }) => format!("{a}·{short}"),
        _ => short,
    }
}
