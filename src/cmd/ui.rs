//! `rdx ui`: the Redux DevTools inspector in a terminal. Instances, the
//! chosen instance's actions, and the chosen action's action, state after
//! it, diff and raw JSON, over the same feed as every other command.
//!
//! The main thread owns the feed, the UI state and the drawing: it waits on
//! the feed and on the terminal's keys at once ([`Feed::next_or`], as `rdx
//! mcp` does with its requests), changes the state (`ui/state.rs`, pure)
//! and redraws (`ui/render.rs`) only when something changed: within 34 ms
//! of a key, at most 5 times a second for data alone. Keys are read on their own thread (`ui/term.rs`).

pub(crate) mod keys;
pub(crate) mod link;
pub(crate) mod render;
pub(crate) mod state;
pub(crate) mod term;
pub(crate) mod tree;

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use crate::cli::flags::FlagId;
use crate::cli::{self, Config, Parsed};
use crate::error::{Error, Result};
use crate::feed::item::Via;
use crate::feed::{ActionItem, Feed, Item, Options, States, Woke};
use crate::model::labels;
use crate::model::selection::{Resolution, Selection};
use crate::time::now_ms;
use link::Link;
use render::Theme;
use state::{Incoming, InstRow, Limits, Outcome, Snap, Ui};
use term::{Input, Screen};

/// What `rdx ui` does.
pub(crate) const ABOUT: &str = "\
rdx ui - inspect the apps' actions and states in a full-screen terminal UI

Usage: rdx ui [FILTERS] [--instance ID|--instance-select SEL] [--keep-states N] [--keep-mb MB] [GLOBAL FLAGS]

The Redux DevTools inspector, in a terminal: the instances talking to the
server (gone ones dimmed), the chosen instance's actions (or all of them,
interleaved), and the chosen action in tabs: the action, the state after it
as a tree you fold, what it changed, and the raw JSON. Every action once, as
in `rdx tail`: also those that reached rdx only inside a STATE (marked ↺),
and lost ones as a gap row. Live or on a recording (--replay FILE). The
chosen instance follows its app across reloads; a selector (--instance,
--instance-select) chooses the one shown first, and the other instances
stay in view. Read-only: it sends nothing an app acts on. Press ? for the
keys.
";

/// After the flags.
pub(crate) const MORE: &str = "\
It needs a terminal (stdin and stdout), at least 80x20; without one it exits
2 (use `rdx tail` or `rdx state`). The terminal is restored on q, Ctrl-C,
SIGTERM, SIGHUP, a lost link and a crash. Per instance rdx keeps the last
20000 actions (100000 in \"all\") and the states after the last --keep-states
of them (default 1000, at most --keep-mb MiB, default 64); an older action
says its state is no longer held, and its diff stays (each state let go is
kept as what its text differs by from the next one's, in a quarter of
--keep-mb more).

Examples:
  rdx ui
  rdx --replay fixtures/two-apps.jsonl ui
  rdx ui --app shop --keep-states 5000
";

#[derive(Debug, Default)]
pub(crate) struct Args {
    pub(crate) sel: Selection,
    pub(crate) limits: Limits,
}

/// Read `rdx ui`'s flags.
pub(crate) fn args(p: &Parsed) -> Result<Args> {
    cli::no_more_words(p, 0)?;
    let mut limits = Limits::default();
    if let Some(n) = cli::opt(p, FlagId::KeepStates, cli::count)? {
        limits.states = usize::try_from(n).unwrap_or(usize::MAX);
    }
    if let Some(mb) = cli::opt(p, FlagId::KeepMb, cli::count)? {
        limits.bytes = usize::try_from(mb)
            .ok()
            .and_then(|m| m.checked_mul(1 << 20))
            .unwrap_or(usize::MAX);
    }
    Ok(Args {
        sel: cli::selection(p)?,
        limits,
    })
}

/// At most this many draws a second.
const FRAME: Duration = Duration::from_millis(34);
/// What only data changed is drawn at most this often while it keeps
/// changing (a flood): five times a second reads as live, and a draw of
/// the two tables costs about 3 M instructions, a sixth of what 30 a second
/// would cost. Data after a quiet spell is drawn at once (the last draw is
/// older than this); a key, the mouse or a resize is drawn within [`FRAME`].
const DATA_FRAME: Duration = Duration::from_millis(200);
/// After an action, with nothing more to take: wait this long for more
/// before waiting on the channels (a key waits at most this much more).
const GATHER: Duration = Duration::from_millis(4);
/// While the link is down, the status line's "reconnecting for 3s" moves on
/// this often.
const DOWN_TICK: Duration = Duration::from_secs(1);
/// While a recording is read, how often rdx looks whether it has ended.
const END_POLL: Duration = Duration::from_millis(200);

pub(crate) fn run(cfg: &Config, args: Args) -> Result<()> {
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        return Err(Error::usage(
            "rdx ui needs a terminal (its stdin and stdout are not both one); to print \
             actions use `rdx tail`, for a state `rdx state`",
        ));
    }
    if cfg.feed.replay.as_deref() == Some("-") {
        return Err(Error::usage(
            "rdx ui reads its keys on stdin, so --replay - cannot be used: give the recording's file name",
        ));
    }
    let started = Instant::now();
    // The screen is the UI's: the feed's notes (a lost link, a reconnect)
    // are said on the status line, not on stderr.
    let mut setup = cfg.feed.clone();
    setup.quiet = true;
    setup.verbose = false;
    let opts = Options {
        actions: true,
        states: States::PerAction,
        history: true,
        reloads: true,
        links: true,
        lazy_states: true,
        // An instance that comes or goes redraws the screen.
        changes: true,
        ..Options::default()
    };
    // Every instance the filters pass is in view; a selector only chooses
    // the one shown first (as the DevTools' instance menu), resolved as
    // every command resolves it, and the chosen instance, however chosen,
    // follows its app across reloads.
    let mut feed = Feed::open(&setup, opts, None)?;
    feed.notes = Some(Default::default());
    let mut pick = Preselect::new(&args.sel);
    feed.filter(pick.filters.clone());
    let source = match (&cfg.feed.replay, &cfg.feed.report) {
        (Some(file), _) => file.clone(),
        (None, Some(id)) => format!("report {id} on {}", cfg.feed.url),
        (None, None) => cfg.feed.url.to_string(),
    };
    let theme = Theme { color: cfg.color };
    let mut ui = Ui::new(source, args.limits);
    let (tx, rx) = crossbeam_channel::bounded::<Input>(256);
    term::spawn_signals(tx.clone())?;
    let mut screen = Screen::enter()?;
    term::spawn_input(tx);
    let mut ended = false;
    let mut dirty = true;
    // The user did something: draw within FRAME, not DATA_FRAME.
    let mut urgent = true;
    let mut last_draw: Option<Instant> = None;
    // Live, when an age on the screen ("3s ago") next changes: idle, the
    // screen is drawn then and at no other time.
    let mut age_due: Option<Instant> = None;
    let mut stats = Stats::new(started);
    let mut link = Link::default();
    let mut gather = false;
    loop {
        let now = Instant::now();
        let frame = if urgent { FRAME } else { DATA_FRAME };
        if dirty && last_draw.is_none_or(|t| now >= t + frame) {
            refresh(&mut ui, &feed, &link, ended);
            // The feed's notes (a label that moved with a reload) after
            // what the screen says already.
            if let Some(note) = feed.notes.as_mut().and_then(|n| n.drain(..).next_back()) {
                ui.message = Some(match ui.message.take() {
                    Some(m) => format!("{m} · {note}"),
                    None => note,
                });
            }
            pick.apply(&mut ui, &feed, ended);
            // Counted before the bytes reach the terminal: whoever sees a
            // screen finds its draw already in the stats file.
            stats.drew();
            screen.term.draw(|f| render::draw(f, &mut ui, theme))?;
            // The end-to-end tests' way to crash rdx ui on purpose (the
            // terminal must come back all the same).
            if std::env::var_os("RDX_UI_TEST_PANIC").is_some() {
                panic!("RDX_UI_TEST_PANIC is set: a crash on purpose, after the first draw");
            }
            dirty = false;
            urgent = false;
            last_draw = Some(now);
            age_due = if feed.is_replay() {
                None
            } else {
                let ages = ui
                    .next_age_change()
                    .map(|ms| now + Duration::from_millis(ms));
                let down = link.is_down().then(|| now + DOWN_TICK);
                ages.into_iter().chain(down).min()
            };
        }
        // A recording's end makes no item `next_or` returns: it is looked
        // for after every wake, and a wake is due now and then until it came.
        let until = match last_draw {
            Some(t) if dirty => Some(t + frame),
            _ if feed.is_replay() && !ended => Some(now + END_POLL),
            _ => age_due,
        };
        // Data flowing, none left to take: let the next frames gather
        // before waking for them (a flood then wakes the main thread a
        // few hundred times a second, not once per batch of the reader).
        if gather && !feed.is_replay() && !feed.has_ready() {
            std::thread::sleep(GATHER);
        }
        gather = false;
        let woke = feed.next_or(&rx, until);
        if !ended && feed.is_replay() && feed.is_done() {
            ended = true;
            dirty = true;
        }
        match woke {
            Ok(Woke::Item(item)) => {
                dirty = true;
                gather = matches!(item, Item::Action(_));
                match item {
                    Item::Action(a) => {
                        // Counted when it came (its own ts is when it was dispatched).
                        link.on_action(feed.last_t, a.via == Via::State);
                        ui.on_action(incoming(a));
                    }
                    Item::Gap(g) => {
                        link.on_gap(feed.last_t, u64::try_from(g.lost()).unwrap_or(0));
                        ui.on_gap(&g.instance, g.t, g.from, g.to);
                    }
                    Item::Link { t, lost } => link.on_link(t, lost.as_deref()),
                    Item::State {
                        instance, state, ..
                    } => ui.on_state(&instance, Snap::lazy(state.len(), move || state.value())),
                    Item::Reloaded { old, new } => {
                        let say = format!(
                            "{} reloaded as {}; following it",
                            feed.app_and_id(&old),
                            feed.app_and_id(&new)
                        );
                        if pick.literal.as_deref() != Some(old.as_str()) {
                            ui.reloaded(&old, &new, say);
                        }
                    }
                    Item::End => ended = true,
                    Item::Timeout
                    | Item::Instance { .. }
                    | Item::Switched
                    | Item::Received
                    | Item::Reports { .. }
                    | Item::ReportBody { .. } => {}
                }
            }
            Ok(Woke::Other(Input::Key(k))) => {
                stats.keys += 1;
                match ui.on_key(k) {
                    Outcome::Quit => break,
                    Outcome::Changed => {
                        dirty = true;
                        urgent = true;
                    }
                    Outcome::Nothing => {}
                    Outcome::Label(id, label) => {
                        ui.message = Some(label_instance(&mut feed, &cfg.feed.labels, &id, label));
                        dirty = true;
                        urgent = true;
                    }
                }
            }
            Ok(Woke::Other(Input::Mouse(m))) => {
                if ui.on_mouse(m) != Outcome::Nothing {
                    dirty = true;
                    urgent = true;
                }
            }
            Ok(Woke::Other(Input::Resize)) => {
                dirty = true;
                urgent = true;
            }
            Ok(Woke::Other(Input::Signal(sig))) => {
                drop(screen);
                term::die_of(sig);
            }
            Ok(Woke::OtherClosed) => break,
            // A lost link with --no-reconnect, a fatal protocol error: the
            // screen is given back, then the error is said.
            Err(e) => {
                drop(screen);
                return Err(e);
            }
        }
    }
    drop(screen);
    stats.write();
    // The process ends now: freeing every kept state one by one would cost
    // a flood's worth of CPU for nothing (4 % of rdx ui's time in `make
    // bench`), so the histories are left to the exit.
    std::mem::forget(ui);
    Ok(())
}

/// A selector given on the command line, until it has chosen an instance.
struct Preselect {
    /// The selector, while it waits for its instance.
    waiting: Option<Selection>,
    /// The filters alone: what the feed shows.
    filters: Selection,
    /// `--instance ID`, which never moves (SPEC "Reloads").
    literal: Option<String>,
}

impl Preselect {
    fn new(sel: &Selection) -> Preselect {
        let mut filters = sel.clone();
        filters.instance = None;
        filters.select = None;
        Preselect {
            waiting: sel.has_selector().then(|| sel.clone()),
            filters,
            literal: sel.instance.clone(),
        }
    }

    /// Choose the selector's instance once it resolves: live, as soon as
    /// exactly one matches; on a recording, against the whole file (as
    /// `rdx state` resolves). Several: the user chooses; none yet: the
    /// status line says what rdx waits for.
    fn apply(&mut self, ui: &mut Ui, feed: &Feed, ended: bool) {
        let Some(sel) = &self.waiting else { return };
        if feed.is_replay() && !ended {
            return;
        }
        let asked = sel.describe();
        match feed.resolution(sel) {
            Resolution::One(id) => {
                ui.preselect(&id);
                ui.message = None;
                self.waiting = None;
            }
            Resolution::Several(ids) => {
                ui.message = Some(format!(
                    "{} instances match {asked}: choose one in Instances",
                    ids.len()
                ));
                self.waiting = None;
            }
            Resolution::None if ended => {
                ui.message = Some(format!("no instance in the recording matches {asked}"));
                self.waiting = None;
            }
            Resolution::None => {
                ui.message = Some(format!("waiting for an instance matching {asked}"));
            }
        }
    }
}

/// What `make bench` and the tests read of a run (`RDX_UI_STATS=FILE`,
/// written before every draw reaches the terminal, and on `q`): how many
/// times the screen was drawn and how many keys came, to check the cap on
/// redraws and that idle draws nothing.
#[derive(Debug)]
struct Stats {
    path: Option<std::path::PathBuf>,
    started: Instant,
    draws: u64,
    keys: u64,
}

impl Stats {
    fn new(started: Instant) -> Stats {
        Stats {
            path: std::env::var_os("RDX_UI_STATS").map(Into::into),
            started,
            draws: 0,
            keys: 0,
        }
    }

    fn drew(&mut self) {
        self.draws += 1;
        self.write();
    }

    fn write(&self) {
        let Some(path) = &self.path else { return };
        let line = serde_json::json!({
            "draws": self.draws,
            "keys": self.keys,
            "seconds": self.started.elapsed().as_secs_f64(),
        });
        // Whole or not at all (a reader never sees it half written); a
        // bench's file: a failure to write it is the bench's to see.
        let mut part = path.clone().into_os_string();
        part.push(".part");
        if std::fs::write(&part, format!("{line}\n")).is_ok() {
            let _ = std::fs::rename(&part, path);
        }
    }
}

/// Copy what the panes show of the feed into the state: the registry, the
/// link, the time.
fn refresh(ui: &mut Ui, feed: &Feed, link: &Link, ended: bool) {
    ui.set_instances(
        feed.registry
            .iter()
            .map(|i| InstRow {
                id: i.id.clone(),
                app: i.app.clone(),
                label: i.label.clone(),
                status: i.status,
                actions: i.actions,
                first_seen: i.first_seen,
                last_seen: i.last_seen,
            })
            .collect(),
    );
    ui.now = if feed.is_replay() {
        feed.last_t
    } else {
        now_ms()
    };
    ui.link = if feed.is_replay() {
        if ended {
            "end of the recording".into()
        } else {
            "replaying".into()
        }
    } else {
        link.text(ui.now)
    };
    ui.link_down = link.is_down();
}

/// `L`: write the label store as `rdx sessions label ID NAME` does (or
/// take the label away), and show it at once. What to say on the status
/// line.
fn label_instance(
    feed: &mut Feed,
    store: &std::path::Path,
    id: &str,
    label: Option<String>,
) -> String {
    if let Some(l) = &label
        && let Err(e) = labels::validate(l)
    {
        return e.to_string();
    }
    let mut clash = None;
    let written = labels::update(store, |l| match &label {
        Some(name) => {
            clash = l
                .iter()
                .find(|(k, v)| *k != id && *v == name)
                .map(|(k, _)| k.clone());
            l.insert(id.to_string(), name.clone());
        }
        None => {
            l.remove(id);
        }
    });
    match written {
        Ok(all) => {
            feed.registry.set_user_labels(all);
            match (label, clash) {
                (Some(l), None) => format!("labelled {id} as {l}"),
                (Some(l), Some(other)) => {
                    format!("labelled {id} as {l} (note: {other} has the same label)")
                }
                (None, _) => format!("removed the label of {id}"),
            }
        }
        Err(e) => e.to_string(),
    }
}

fn incoming(a: ActionItem) -> Incoming {
    let (ty, raw) = a.action.into_type_and_json();
    Incoming {
        ty: ty.unwrap_or_default(),
        raw,
        instance: a.instance,
        id: a.action_id,
        ts: a.ts,
        via_state: a.via == Via::State,
        // Decoded when something shows it (a flood costs no tree each).
        state: match (a.state, a.payload) {
            (Some(v), _) => Some(Snap::from(v)),
            (None, Some(p)) => Some(Snap::received(p)),
            (None, None) => None,
        },
    }
}
