//! The state of `rdx ui` as a plain value, changed by pure functions of key
//! presses and of what the feed delivers (gitui's way): the panes and which
//! has the focus, the chosen instance, the action under the cursor and the
//! follow mode, the filter, the pause, the detail tab, the tree's folds and
//! cursor, and each instance's bounded history of actions and states. No
//! terminal here: the unit tests drive it with keys and items.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;

use regex_lite::Regex;
use serde_json::Value;

use super::keys::{self, Cmd, Key};
use super::tree::{self, Line};
use crate::feed::item::Payload;
use crate::model::registry::Status;
use crate::query::diff::{self, Edit};

/// The panes, left to right, top to bottom (Tab goes this way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pane {
    Instances,
    Actions,
    Detail,
}

impl Pane {
    const ORDER: [Pane; 3] = [Pane::Instances, Pane::Actions, Pane::Detail];

    fn step(self, by: isize) -> Pane {
        let i = Pane::ORDER.iter().position(|p| *p == self).unwrap_or(0) as isize;
        Pane::ORDER[(i + by).rem_euclid(3) as usize]
    }
}

/// The detail pane's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tab {
    Action,
    State,
    Diff,
    Raw,
}

impl Tab {
    pub(crate) const ALL: [Tab; 4] = [Tab::Action, Tab::State, Tab::Diff, Tab::Raw];

    pub(crate) fn title(self) -> &'static str {
        match self {
            Tab::Action => "Action",
            Tab::State => "State",
            Tab::Diff => "Diff",
            Tab::Raw => "Raw",
        }
    }

    fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

/// How much history is kept (README "rdx ui"; `--keep-states`, `--keep-mb`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Actions (and gap rows) kept per instance.
    pub(crate) rows: usize,
    /// Actions kept in the "all" list.
    pub(crate) all_rows: usize,
    /// States (one per action) kept per instance.
    pub(crate) states: usize,
    /// Bytes of those states per instance (estimated as JSON text).
    pub(crate) bytes: usize,
}

/// Actions kept per instance, and in "all".
pub(crate) const ROWS_KEPT: usize = 20_000;
pub(crate) const ALL_ROWS_KEPT: usize = 100_000;
/// States kept per instance by default, and their bytes.
pub(crate) const STATES_KEPT: usize = 1_000;
pub(crate) const MB_KEPT: usize = 64;
/// Changes kept per action's diff.
pub(crate) const DIFF_LIMIT: usize = 200;
/// A state that came without a text of its own is written out as one, for
/// the states let go before it, only up to this long (estimated).
pub(crate) const WRITTEN_MAX: usize = 1 << 20;
/// Bytes of text rebuilt, at most, to show the diff of an action whose
/// state was let go (beyond it, it says the diff is no longer held).
pub(crate) const REBUILD_MAX: usize = 256 << 20;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            rows: ROWS_KEPT,
            all_rows: ALL_ROWS_KEPT,
            states: STATES_KEPT,
            bytes: MB_KEPT << 20,
        }
    }
}

/// An instance as the Instances pane lists it (copied from the registry).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct InstRow {
    pub(crate) id: String,
    pub(crate) app: Option<String>,
    pub(crate) label: Option<String>,
    pub(crate) status: Status,
    pub(crate) actions: u64,
    pub(crate) first_seen: u64,
    pub(crate) last_seen: u64,
}

impl InstRow {
    /// Its label, else `app·shortid`, else the short id (as `rdx tail`).
    pub(crate) fn name(&self) -> String {
        let short: String = self.id.chars().take(7).collect();
        match (&self.label, &self.app) {
            (Some(l), _) => l.clone(),
            (None, Some(a)) => format!("{a}·{short}"),
            _ => short,
        }
    }
}

/// A state as it came: decoded the first time something shows it (a flood
/// of actions costs their text, not a tree each), then kept decoded.
#[derive(Clone)]
pub(crate) struct Snap(Rc<SnapInner>);

/// How a [`Snap`] is decoded, once.
type Decode = Box<dyn FnOnce() -> Option<Value>>;

struct SnapInner {
    /// Its size as JSON text: what the byte bound counts.
    bytes: usize,
    /// The message it came in, as text (the Raw tab), when it is held.
    received: Option<Box<dyn Fn() -> String>>,
    /// The state as the text it came in (a payload's, read by
    /// [`Payload::decode`]); without one it is written out as plain JSON.
    text: Option<TextOf>,
    decode: RefCell<Option<Decode>>,
    value: std::cell::OnceCell<Option<Rc<Value>>>,
}

/// Hands a state's text to a function (no copy).
type TextOf = Box<dyn Fn(&mut dyn FnMut(&str))>;

/// How a state's text reads: as an app's payload (jsan, mostly) or plain JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextKind {
    Payload,
    Plain,
}

impl TextKind {
    fn decode(self, text: &str) -> Option<Value> {
        match self {
            TextKind::Payload => Payload::decode(text),
            TextKind::Plain => serde_json::from_str(text).ok(),
        }
    }
}

impl std::fmt::Debug for Snap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Snap({} bytes)", self.0.bytes)
    }
}

impl PartialEq for Snap {
    fn eq(&self, other: &Snap) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Snap {
    /// A state `bytes` long as text, decoded by `decode` when asked.
    pub(crate) fn lazy(bytes: usize, decode: impl FnOnce() -> Option<Value> + 'static) -> Snap {
        Snap(Rc::new(SnapInner {
            bytes,
            received: None,
            text: None,
            decode: RefCell::new(Some(Box::new(decode))),
            value: std::cell::OnceCell::new(),
        }))
    }

    /// An ACTION's state, as its payload: decoded when asked, its text (the
    /// diffs of states let go are made from it) and the message it came
    /// in, as text, for the Raw tab.
    pub(crate) fn received(p: Payload) -> Snap {
        let (q, r) = (p.clone(), p.clone());
        Snap(Rc::new(SnapInner {
            bytes: p.len(),
            received: Some(Box::new(move || r.received())),
            text: Some(Box::new(move |f| f(q.text().unwrap_or("")))),
            decode: RefCell::new(Some(Box::new(move || p.value()))),
            value: std::cell::OnceCell::new(),
        }))
    }

    /// Hand `f` the state's text and how it reads: as it came, or written
    /// out (empty when there is no state to write). A state that came
    /// without its own text (a STATE's, inside its lifted state) is written
    /// out only up to [`WRITTEN_MAX`]: a big one is not decoded for it, and
    /// `f` is not called.
    fn with_text(&self, f: &mut dyn FnMut(&str, TextKind)) -> bool {
        match &self.0.text {
            Some(t) => t(&mut |s| f(s, TextKind::Payload)),
            None if self.0.bytes > WRITTEN_MAX && self.0.value.get().is_none() => return false,
            None => {
                let s = self
                    .value()
                    .and_then(|v| serde_json::to_string(&*v).ok())
                    .unwrap_or_default();
                f(&s, TextKind::Plain)
            }
        }
        true
    }

    #[cfg(test)]
    pub(crate) fn with_received(
        bytes: usize,
        decode: impl FnOnce() -> Option<Value> + 'static,
        received: impl Fn() -> String + 'static,
    ) -> Snap {
        Snap(Rc::new(SnapInner {
            bytes,
            received: Some(Box::new(received)),
            text: None,
            decode: RefCell::new(Some(Box::new(decode))),
            value: std::cell::OnceCell::new(),
        }))
    }

    pub(crate) fn bytes(&self) -> usize {
        self.0.bytes
    }

    /// The message the state came in, as JSON text, when it is held.
    pub(crate) fn message_text(&self) -> Option<String> {
        self.0.received.as_ref().map(|f| f())
    }

    /// The state, decoded now if it was not yet (None: it could not be).
    pub(crate) fn value(&self) -> Option<Rc<Value>> {
        self.0
            .value
            .get_or_init(|| {
                let decode = self.0.decode.borrow_mut().take();
                decode.and_then(|d| d()).map(Rc::new)
            })
            .clone()
    }
}

impl From<Value> for Snap {
    fn from(v: Value) -> Snap {
        let bytes = approx_bytes(&v);
        Snap::lazy(bytes, move || Some(v))
    }
}

/// What the Diff tab says of an action.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DiffOf {
    Edits(Rc<Vec<Edit>>),
    /// The app sent no state with it.
    NoState,
    /// The state before it was never seen.
    NoBefore,
    /// Its state, or the one before it, is no longer held.
    LetGo,
}

/// One action as the feed delivered it, ready for the state.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Incoming {
    pub(crate) instance: String,
    pub(crate) id: Option<i64>,
    pub(crate) ts: u64,
    pub(crate) ty: String,
    /// The action as JSON text, as it came.
    pub(crate) raw: String,
    pub(crate) via_state: bool,
    /// The state after it, when the app sent one.
    pub(crate) state: Option<Snap>,
}

/// One row of the Actions pane.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    /// Arrival order across all instances.
    pub(crate) seq: u64,
    /// Shared with its instance's history (a flood's rows copy no id).
    pub(crate) instance: Rc<str>,
    pub(crate) ts: u64,
    pub(crate) kind: RowKind,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RowKind {
    Action(ActionRow),
    /// Actions the app no longer holds (ids `from` to `to`).
    Gap {
        from: i64,
        to: i64,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ActionRow {
    pub(crate) id: Option<i64>,
    pub(crate) ty: String,
    pub(crate) raw: String,
    pub(crate) via_state: bool,
    /// The app sent a state with it (it may since have been let go).
    pub(crate) had_state: bool,
}

impl ActionRow {
    /// The action without its type, compact and cut (the list's column):
    /// made when the row is drawn, not for every action of a flood.
    pub(crate) fn short(&self) -> String {
        short_payload(&self.raw)
    }
}

impl Row {
    pub(crate) fn action(&self) -> Option<&ActionRow> {
        match &self.kind {
            RowKind::Action(a) => Some(a),
            RowKind::Gap { .. } => None,
        }
    }

    /// The gap row's text: `3 lost (ids 5-7)`.
    pub(crate) fn gap_text(from: i64, to: i64) -> String {
        let lost = to.saturating_sub(from).saturating_add(1);
        if from == to {
            format!("{lost} lost (id {from})")
        } else {
            format!("{lost} lost (ids {from}-{to})")
        }
    }
}

/// One instance's history.
#[derive(Debug, Default)]
struct History {
    /// The instance's id, shared by its rows.
    id: Rc<str>,
    rows: VecDeque<Rc<Row>>,
    /// The states kept, oldest first, by the seq of the row they came with
    /// (a STATE message's has a seq of its own and no row): each one is the
    /// "before" of the next one's diff.
    states: VecDeque<(u64, Snap)>,
    bytes: usize,
    /// The instance's first state was let go (a diff of the oldest kept one
    /// has no "before" any more).
    let_go: bool,
    /// The states let go, newest last, each as what turns the text of the
    /// state after it back into its own (see [`Delta`]): the diff of an
    /// older action is made from them when it is shown.
    deltas: VecDeque<Delta>,
    delta_bytes: usize,
}

/// A state's text rebuilt from the states after it, and how it reads.
type Rebuilt = (Vec<u8>, TextKind);

/// A state let go, as the difference of its text from the next state's:
/// that text with its middle replaced. Consecutive states of a store
/// share most of their text, so a flood's state costs a few bytes, and
/// letting it go costs one pass over two texts (no decode, no diff).
#[derive(Debug)]
struct Delta {
    seq: u64,
    /// Bytes at the start and the end it shares with the next state's text.
    head: usize,
    tail: usize,
    middle: Box<[u8]>,
    kind: TextKind,
}

impl Delta {
    fn between(seq: u64, old: &str, old_kind: TextKind, new: &str) -> Delta {
        let (a, b) = (old.as_bytes(), new.as_bytes());
        let head = a.iter().zip(b).take_while(|(x, y)| x == y).count();
        let most = a.len().min(b.len()) - head;
        let tail = a
            .iter()
            .rev()
            .zip(b.iter().rev())
            .take(most)
            .take_while(|(x, y)| x == y)
            .count();
        Delta {
            seq,
            head,
            tail,
            middle: a[head..a.len() - tail].into(),
            kind: old_kind,
        }
    }

    /// Its state's text, from the next state's.
    fn undo(&self, next: &[u8]) -> Option<Vec<u8>> {
        let end = next.len().checked_sub(self.tail)?;
        // The next state's text is not the one it was taken against (it
        // cannot be, but a wrong text is never shown).
        let head = next.get(..self.head).filter(|_| self.head <= end)?;
        let mut out = Vec::with_capacity(self.head + self.middle.len() + self.tail);
        out.extend_from_slice(head);
        out.extend_from_slice(&self.middle);
        out.extend_from_slice(&next[end..]);
        Some(out)
    }

    fn cost(&self) -> usize {
        self.middle.len() + std::mem::size_of::<Delta>()
    }
}

impl History {
    /// Keep a state, and let the oldest go past the bounds (the newest is
    /// always kept).
    fn keep(&mut self, seq: u64, snap: Snap, limits: Limits) {
        self.bytes += snap.bytes();
        self.states.push_back((seq, snap));
        while self.states.len() > limits.states.max(1)
            || (self.bytes > limits.bytes && self.states.len() > 1)
        {
            if let Some((gone, s)) = self.states.pop_front() {
                self.bytes -= s.bytes();
                self.let_go = true;
                if let Some((_, after)) = self.states.front() {
                    let after = after.clone();
                    self.keep_delta(gone, &s, &after, limits);
                }
            }
        }
    }

    /// The state `before` (of row or STATE `seq`) is let go: keep it as
    /// its difference from `after`, the oldest state still held.
    fn keep_delta(&mut self, seq: u64, before: &Snap, after: &Snap, limits: Limits) {
        let mut delta = None;
        before.with_text(&mut |old, kind| {
            after.with_text(&mut |new, _| delta = Some(Delta::between(seq, old, kind, new)));
        });
        let budget = limits.bytes / 4;
        let Some(delta) = delta.filter(|d| d.cost() <= budget) else {
            // Older states are made from this one: none can be any more.
            self.deltas.clear();
            self.delta_bytes = 0;
            return;
        };
        self.delta_bytes += delta.cost();
        self.deltas.push_back(delta);
        let oldest_row = self.rows.front().map_or(0, |r| r.seq);
        while self.deltas.len() > limits.rows.max(1) + 1
            || self.delta_bytes > budget
            // the one before the oldest row's is that row's "before"
            || self.deltas.get(1).is_some_and(|d| d.seq < oldest_row)
        {
            match self.deltas.pop_front() {
                Some(d) => self.delta_bytes -= d.cost(),
                None => break,
            }
        }
    }

    /// The text of the state let go as `deltas[j]`, rebuilt from the
    /// oldest state held back through the ones let go after it (None: more
    /// than [`REBUILD_MAX`] to rebuild).
    fn rebuild(&self, j: usize) -> Option<Rebuilt> {
        let (_, front) = self.states.front()?;
        let mut text = None;
        front.with_text(&mut |t, _| text = Some(t.as_bytes().to_vec()));
        let mut text = text?;
        let mut spent = text.len();
        for d in self.deltas.range(j..).rev() {
            text = d.undo(&text)?;
            spent += text.len();
            if spent > REBUILD_MAX {
                return None;
            }
        }
        Some((text, self.deltas.get(j)?.kind))
    }

    /// The texts of the state let go with row `seq` and of the one before
    /// it (None: not kept, or too much to rebuild).
    fn rebuilt(&self, seq: u64) -> Option<(Rebuilt, Option<Rebuilt>)> {
        let j = self.deltas.partition_point(|d| d.seq < seq);
        (self.deltas.get(j)?.seq == seq).then_some(())?;
        let (text, kind) = self.rebuild(j)?;
        let before = j
            .checked_sub(1)
            .and_then(|i| self.deltas.get(i))
            .and_then(|d| Some((d.undo(&text)?, d.kind)));
        Some(((text, kind), before))
    }

    /// The state before the oldest one held, rebuilt (it was let go).
    fn before_front(&self) -> Option<Value> {
        let (text, kind) = self.rebuild(self.deltas.len().checked_sub(1)?)?;
        decode_text(&text, kind)
    }

    /// The index of the state that came with row `seq`.
    fn index_of(&self, seq: u64) -> Option<usize> {
        let i = self.states.partition_point(|(s, _)| *s < seq);
        (self.states.get(i)?.0 == seq).then_some(i)
    }
}

/// The Actions pane's rows, shared by the draw and the keys.
pub(crate) type Rows = Rc<VecDeque<Rc<Row>>>;

/// What the Actions pane's rows depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ViewKey {
    newest: u64,
    oldest: u64,
    chosen: Option<String>,
    filter: Option<String>,
    invert: bool,
    paused_at: Option<u64>,
    /// Rows taken from the middle ([`Ui::set_instances`]): the view is made again.
    cuts: u64,
}

impl ViewKey {
    /// The same instance, filter and pause (the rows may differ).
    fn same_view(&self, other: &ViewKey) -> bool {
        self.chosen == other.chosen
            && self.filter == other.filter
            && self.invert == other.invert
            && self.paused_at == other.paused_at
            && self.cuts == other.cuts
    }
}

/// The State tab's tree for one row and one set of folds.
#[derive(Debug)]
struct TreeCache {
    seq: u64,
    folds_gen: u64,
    lines: Rc<Vec<Line>>,
}

/// What a key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Quit,
    Changed,
    Nothing,
    /// Give the instance this label in the label store (None: take it
    /// away); the run loop writes the store, the state does no I/O.
    Label(String, Option<String>),
}

/// A line the user types at the bottom of the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Prompt {
    pub(crate) kind: PromptKind,
    pub(crate) text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PromptKind {
    /// `/`: a regex on action types.
    Filter,
    /// `:`: a path in the state to go to.
    Path,
    /// `L`: a label for this instance.
    Label(String),
}

impl PromptKind {
    pub(crate) fn title(&self) -> String {
        match self {
            PromptKind::Filter => {
                "filter action types (regex; Enter applies, empty clears, Esc cancels): /".into()
            }
            PromptKind::Path => "go to the path (Enter goes, Esc cancels): ".into(),
            PromptKind::Label(id) => format!(
                "label {} (Enter saves to the label store, empty removes, Esc cancels): ",
                id.chars().take(11).collect::<String>()
            ),
        }
    }
}

/// Where a pane was drawn (columns and rows of the terminal).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Area {
    pub(crate) x: u16,
    pub(crate) y: u16,
    pub(crate) w: u16,
    pub(crate) h: u16,
}

impl Area {
    fn contains(&self, col: u16, row: u16) -> bool {
        col >= self.x && col < self.x + self.w && row >= self.y && row < self.y + self.h
    }
}

/// The panes' areas, and where each one's first list line is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Areas {
    pub(crate) instances: Area,
    pub(crate) actions: Area,
    pub(crate) detail: Area,
    /// The first row of each list (below its border, header, tabs).
    pub(crate) instances_first: u16,
    pub(crate) actions_first: u16,
    pub(crate) tree_first: u16,
}

/// A mouse event, as the state sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mouse {
    ScrollUp { col: u16, row: u16 },
    ScrollDown { col: u16, row: u16 },
    Click { col: u16, row: u16 },
}

/// The filter on action types.
#[derive(Debug, Clone)]
pub(crate) struct Filter {
    pub(crate) text: String,
    pub(crate) re: Regex,
}

/// How tall each pane's list is (set at each draw: the render knows).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Heights {
    pub(crate) instances: usize,
    pub(crate) actions: usize,
    pub(crate) detail: usize,
}

#[derive(Debug)]
pub(crate) struct Ui {
    pub(crate) focus: Pane,
    pub(crate) help: bool,
    /// The help's scroll (j/k move it when it does not fit).
    pub(crate) help_scroll: usize,
    pub(crate) instances: Vec<InstRow>,
    /// The Instances pane's cursor: 0 is "all", then `instances`.
    pub(crate) inst_cursor: usize,
    pub(crate) inst_offset: usize,
    /// The instance whose actions are shown (None: all, interleaved).
    pub(crate) chosen: Option<String>,
    histories: HashMap<Rc<str>, History>,
    all: VecDeque<Rc<Row>>,
    /// How many times rows left "all" other than from its front.
    cuts: u64,
    next_seq: u64,
    limits: Limits,
    /// The action under the cursor, by seq (None: none yet).
    pub(crate) act_sel: Option<u64>,
    pub(crate) act_offset: usize,
    /// Stick to the newest action (until the user moves up).
    pub(crate) follow: bool,
    /// Actions that came into view while not following.
    pub(crate) unseen: usize,
    /// Paused: the view shows rows up to this seq only.
    pub(crate) paused_at: Option<u64>,
    pub(crate) filter: Option<Filter>,
    pub(crate) invert: bool,
    /// A line being typed (a filter, a path, a label), when one is.
    pub(crate) editing: Option<Prompt>,
    /// The pane areas of the last draw (for the mouse).
    pub(crate) areas: Areas,
    pub(crate) tab: Tab,
    pub(crate) folds: HashSet<String>,
    folds_gen: u64,
    pub(crate) tree_cursor: usize,
    pub(crate) tree_offset: usize,
    /// The scroll of the Action, Diff and Raw tabs.
    pub(crate) text_scroll: usize,
    tree_cache: RefCell<Option<TreeCache>>,
    /// The Diff tab's diff, for one row.
    diff_cache: RefCell<Option<(u64, DiffOf)>>,
    view_cache: RefCell<Option<(ViewKey, Rows)>>,
    /// Times relative to now (`3s ago`) or as a clock.
    pub(crate) relative: bool,
    /// "Now" for relative times: the clock live, the recording's time in replay.
    pub(crate) now: u64,
    /// The status line's source (the URL or the file) and link state.
    pub(crate) source: String,
    pub(crate) link: String,
    /// The link is down (the status line says it in the warning color).
    pub(crate) link_down: bool,
    /// A message for the status line (a bad regex).
    pub(crate) message: Option<String>,
    pub(crate) heights: Heights,
}

impl Ui {
    pub(crate) fn new(source: String, limits: Limits) -> Ui {
        Ui {
            focus: Pane::Instances,
            help: false,
            help_scroll: 0,
            instances: Vec::new(),
            inst_cursor: 0,
            inst_offset: 0,
            chosen: None,
            histories: HashMap::new(),
            all: VecDeque::new(),
            cuts: 0,
            next_seq: 0,
            limits,
            act_sel: None,
            act_offset: 0,
            follow: true,
            unseen: 0,
            paused_at: None,
            filter: None,
            invert: false,
            editing: None,
            areas: Areas::default(),
            tab: Tab::State,
            folds: HashSet::new(),
            folds_gen: 0,
            tree_cursor: 0,
            tree_offset: 0,
            text_scroll: 0,
            tree_cache: RefCell::new(None),
            diff_cache: RefCell::new(None),
            view_cache: RefCell::new(None),
            relative: false,
            now: 0,
            source,
            link: String::new(),
            link_down: false,
            message: None,
            heights: Heights {
                instances: 5,
                actions: 10,
                detail: 10,
            },
        }
    }

    // ---- what the feed delivers ----

    /// The registry as it is now. Histories of instances the registry has
    /// forgotten are let go (a day of reloading tabs stays flat).
    pub(crate) fn set_instances(&mut self, mut rows: Vec<InstRow>) {
        rows.sort_by(|a, b| a.first_seen.cmp(&b.first_seen).then(a.id.cmp(&b.id)));
        // The cursor is on the chosen instance (moving it chooses), or on
        // the one that replaced it when it reloaded.
        let cursor_id = self.chosen.clone();
        self.instances = rows;
        let known: HashSet<&str> = self.instances.iter().map(|i| i.id.as_str()).collect();
        let chosen = self.chosen.clone();
        let mut let_go: HashSet<*const u8> = HashSet::new();
        self.histories.retain(|k, _| {
            let keep = known.contains(&**k) || chosen.as_deref() == Some(&**k);
            if !keep {
                let_go.insert(Rc::as_ptr(k).cast::<u8>());
            }
            keep
        });
        // Their actions leave "all" too: it lists what the Instances pane
        // does (a day of reloading tabs holds the rows of the last 100 gone
        // ones, not the last 100,000 rows of every tab that ever was).
        if !let_go.is_empty() {
            let before = self.all.len();
            self.all
                .retain(|r| !let_go.contains(&Rc::as_ptr(&r.instance).cast::<u8>()));
            if self.all.len() != before {
                self.cuts += 1;
            }
        }
        // The cursor stays on its instance as others come and go.
        if let Some(id) = &cursor_id
            && let Some(i) = self.instances.iter().position(|r| r.id == *id)
        {
            self.inst_cursor = i + 1;
        }
        self.inst_cursor = self.inst_cursor.min(self.instances.len());
    }

    /// The state an instance is in (a STATE message): the next diff's "before".
    pub(crate) fn on_state(&mut self, instance: &str, state: Snap) {
        let limits = self.limits;
        let seq = self.bump();
        self.history(instance).keep(seq, state, limits);
    }

    /// An instance's history, made when it is new: one lookup, no copy of
    /// the id (once per action in a flood).
    fn history(&mut self, instance: &str) -> &mut History {
        if !self.histories.contains_key(instance) {
            let id: Rc<str> = Rc::from(instance);
            self.histories.insert(
                id.clone(),
                History {
                    id,
                    ..History::default()
                },
            );
        }
        self.histories.get_mut(instance).expect("made above")
    }

    pub(crate) fn on_action(&mut self, a: Incoming) {
        let limits = self.limits;
        let seq = self.bump();
        let h = self.history(&a.instance);
        let had_state = a.state.is_some();
        let instance = h.id.clone();
        let row = Rc::new(Row {
            seq,
            instance: instance.clone(),
            ts: a.ts,
            kind: RowKind::Action(ActionRow {
                id: a.id,
                ty: a.ty,
                raw: a.raw,
                via_state: a.via_state,
                had_state,
            }),
        });
        self.push(row);
        // Its state, which may let older ones go (kept as deltas).
        if let Some(state) = a.state {
            self.history(&instance).keep(seq, state, limits);
        }
    }

    pub(crate) fn on_gap(&mut self, instance: &str, t: u64, from: i64, to: i64) {
        let seq = self.bump();
        let instance = self.history(instance).id.clone();
        self.push(Rc::new(Row {
            seq,
            instance,
            ts: t,
            kind: RowKind::Gap { from, to },
        }));
    }

    /// `old` reloaded as `new` (SPEC "Reloads"): when `old` is the chosen
    /// instance, `new` is chosen instead, and `say` goes on the status
    /// line. Whether it moved.
    pub(crate) fn reloaded(&mut self, old: &str, new: &str, say: String) -> bool {
        if self.chosen.as_deref() != Some(old) {
            return false;
        }
        self.choose(Some(new.to_string()));
        if let Some(i) = self.instances.iter().position(|r| r.id == new) {
            self.inst_cursor = i + 1;
        }
        self.message = Some(say);
        true
    }

    /// Preselect an instance (a selector flag).
    pub(crate) fn preselect(&mut self, id: &str) {
        self.choose(Some(id.to_string()));
        if let Some(i) = self.instances.iter().position(|r| r.id == id) {
            self.inst_cursor = i + 1;
        }
        self.focus = Pane::Actions;
    }

    fn bump(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    fn push(&mut self, row: Rc<Row>) {
        let limits = self.limits;
        let in_view = self.shows(&row);
        let seq = row.seq;
        let h = self.history(&row.instance);
        h.rows.push_back(row.clone());
        while h.rows.len() > limits.rows.max(1) {
            h.rows.pop_front();
        }
        self.all.push_back(row);
        while self.all.len() > limits.all_rows.max(1) {
            self.all.pop_front();
        }
        if in_view && self.paused_at.is_none() {
            if self.follow {
                // The newest row is shown: the cursor moves to it (the
                // scroll is fixed at the next draw, `set_heights`).
                self.act_sel = Some(seq);
            } else {
                self.unseen += 1;
            }
        }
    }

    // ---- what the panes show ----

    /// The instance the Instances cursor is on (None: "all").
    pub(crate) fn cursor_instance(&self) -> Option<&str> {
        self.inst_cursor
            .checked_sub(1)
            .and_then(|i| self.instances.get(i))
            .map(|r| r.id.as_str())
    }

    fn source_rows(&self) -> Option<&VecDeque<Rc<Row>>> {
        match &self.chosen {
            None => Some(&self.all),
            Some(id) => self.histories.get(id.as_str()).map(|h| &h.rows),
        }
    }

    /// Does the current view show this row (filter and pause aside from
    /// seq)?
    fn shows(&self, row: &Row) -> bool {
        if self.chosen.as_deref().is_some_and(|c| c != &*row.instance) {
            return false;
        }
        self.passes(row)
    }

    fn passes(&self, row: &Row) -> bool {
        match (&row.kind, &self.filter) {
            (RowKind::Action(a), Some(f)) => f.re.is_match(&a.ty) != self.invert,
            _ => true,
        }
    }

    /// In how many ms an age on the screen (`3s ago`) says something else,
    /// if one is shown: live, the screen is drawn again then, and idle it
    /// draws nothing else.
    pub(crate) fn next_age_change(&self) -> Option<u64> {
        let mut times: Vec<u64> = self.instances.iter().map(|i| i.last_seen).collect();
        if self.relative {
            let v = self.visible();
            let first = self.act_offset.min(v.len());
            let last = (first + self.heights.actions.max(1)).min(v.len());
            times.extend(v.range(first..last).map(|r| r.ts));
        }
        // Ages count whole seconds of the clock, so they all move on at a
        // second's turn.
        let into_second = self.now % 1000;
        times
            .into_iter()
            .map(|t| {
                let age = crate::time::clock_age(self.now, t);
                crate::time::ago_changes_in(age)
                    .saturating_sub(into_second)
                    .max(1)
            })
            .min()
    }

    /// The rows of the Actions pane, oldest first (made once per change of
    /// the rows or the view, however often a draw or a key asks).
    pub(crate) fn visible(&self) -> Rows {
        let key = self.view_key();
        let mut cache = self.view_cache.borrow_mut();
        if let Some((k, v)) = cache.as_mut() {
            if *k == key {
                return v.clone();
            }
            // Only rows came (and old ones went): the view moves on, in
            // the time of the rows that changed, not of all of them (a
            // flood redrawn 5 times a second).
            if k.same_view(&key)
                && let Some(rows) = self.source_rows()
            {
                let view = Rc::make_mut(v);
                while view.front().is_some_and(|r| r.seq < key.oldest) {
                    view.pop_front();
                }
                let until = self.paused_at.unwrap_or(u64::MAX);
                let from = rows.partition_point(|r| r.seq <= k.newest);
                let to = rows.partition_point(|r| r.seq <= until);
                if from < to {
                    view.extend(rows.range(from..to).filter(|r| self.passes(r)).cloned());
                }
                *k = key;
                return v.clone();
            }
        }
        let rows = match self.source_rows() {
            None => VecDeque::new(),
            Some(rows) => {
                let until = self.paused_at.unwrap_or(u64::MAX);
                let end = rows.partition_point(|r| r.seq <= until);
                rows.range(..end)
                    .filter(|r| self.passes(r))
                    .cloned()
                    .collect()
            }
        };
        let rows = Rc::new(rows);
        *cache = Some((key, rows.clone()));
        rows
    }

    /// What the view depends on: the rows (by the newest seq and the
    /// oldest kept), the instance, the filter, the pause.
    fn view_key(&self) -> ViewKey {
        let rows = self.source_rows();
        ViewKey {
            newest: self.next_seq,
            oldest: rows.and_then(|r| r.front()).map_or(0, |r| r.seq),
            chosen: self.chosen.clone(),
            filter: self.filter.as_ref().map(|f| f.text.clone()),
            invert: self.invert,
            paused_at: self.paused_at,
            cuts: self.cuts,
        }
    }

    /// How many actions the chosen view holds in all (before the filter).
    pub(crate) fn total(&self) -> usize {
        self.source_rows().map_or(0, VecDeque::len)
    }

    /// The index of the selected row in `visible`.
    pub(crate) fn act_index(&self, visible: &VecDeque<Rc<Row>>) -> Option<usize> {
        if visible.is_empty() {
            return None;
        }
        let sel = self.act_sel?;
        let i = visible.partition_point(|r| r.seq < sel);
        Some(i.min(visible.len() - 1))
    }

    /// The row under the Actions cursor.
    pub(crate) fn selected(&self) -> Option<Rc<Row>> {
        let v = self.visible();
        self.act_index(&v).map(|i| v[i].clone())
    }

    /// The state after a row's action, if it is still held.
    pub(crate) fn state_of(&self, row: &Row) -> Option<Rc<Value>> {
        let h = self.histories.get(&row.instance)?;
        h.states[h.index_of(row.seq)?].1.value()
    }

    /// The message a row's action came in, as JSON text, while its state
    /// is held (the message is kept with it, not on its own).
    pub(crate) fn message_of(&self, row: &Row) -> Option<String> {
        let h = self.histories.get(&row.instance)?;
        h.states[h.index_of(row.seq)?].1.message_text()
    }

    /// What a row's action changed: the diff of the state before it and the
    /// state after it, made when first shown (and kept for the one row).
    pub(crate) fn diff_of(&self, row: &Row) -> DiffOf {
        if let Some((seq, d)) = self.diff_cache.borrow().as_ref()
            && *seq == row.seq
        {
            return d.clone();
        }
        let d = self.make_diff(row);
        *self.diff_cache.borrow_mut() = Some((row.seq, d.clone()));
        d
    }

    fn make_diff(&self, row: &Row) -> DiffOf {
        if !row.action().is_some_and(|a| a.had_state) {
            return DiffOf::NoState;
        }
        let Some(h) = self.histories.get(&row.instance) else {
            return DiffOf::LetGo;
        };
        let Some(i) = h.index_of(row.seq) else {
            // Let go: made from the states let go, as they are kept.
            let Some(((after, kind), Some((before, before_kind)))) = h.rebuilt(row.seq) else {
                return DiffOf::LetGo;
            };
            let old = decode_text(&before, before_kind);
            return edits(
                old.as_ref(),
                decode_text(&after, kind).as_ref(),
                DiffOf::NoBefore,
            );
        };
        if i == 0 {
            if !h.let_go {
                return DiffOf::NoBefore;
            }
            let new = h.states[0].1.value();
            return edits(h.before_front().as_ref(), new.as_deref(), DiffOf::LetGo);
        }
        let (old, new) = (h.states[i - 1].1.value(), h.states[i].1.value());
        edits(old.as_deref(), new.as_deref(), DiffOf::NoBefore)
    }

    pub(crate) fn limits(&self) -> Limits {
        self.limits
    }

    /// The State tab's lines for the selected row (None: no state held).
    pub(crate) fn tree_lines(&self) -> Option<Rc<Vec<Line>>> {
        let row = self.selected()?;
        let mut cache = self.tree_cache.borrow_mut();
        if let Some(c) = cache.as_ref()
            && c.seq == row.seq
            && c.folds_gen == self.folds_gen
        {
            return Some(c.lines.clone());
        }
        let state = self.state_of(&row)?;
        let lines = Rc::new(tree::flatten(&state, &self.folds));
        *cache = Some(TreeCache {
            seq: row.seq,
            folds_gen: self.folds_gen,
            lines: lines.clone(),
        });
        Some(lines)
    }

    /// The path under the tree's cursor, as rdx writes paths.
    pub(crate) fn tree_path(&self) -> Option<String> {
        let lines = self.tree_lines()?;
        lines.get(self.tree_cursor).map(Line::path_text)
    }

    // ---- keys ----

    pub(crate) fn on_key(&mut self, key: Key) -> Outcome {
        self.message = None;
        // Ctrl-C quits from anywhere: the help, a line being typed.
        if key == Key::Ctrl('c') {
            return Outcome::Quit;
        }
        if self.help {
            // The help scrolls when the terminal is short; any other key
            // closes it.
            match keys::lookup(key) {
                Some(Cmd::Down) => self.help_scroll += 1,
                Some(Cmd::Up) => self.help_scroll = self.help_scroll.saturating_sub(1),
                _ => {
                    self.help = false;
                    self.help_scroll = 0;
                }
            }
            return Outcome::Changed;
        }
        if let Some(prompt) = self.editing.as_mut() {
            if !keys::is_editing_key(key) {
                return Outcome::Nothing;
            }
            match key {
                Key::Char(c) => prompt.text.push(c),
                Key::Backspace => {
                    prompt.text.pop();
                }
                Key::Esc => self.editing = None,
                Key::Enter => {
                    let Some(Prompt { kind, text }) = self.editing.take() else {
                        return Outcome::Nothing;
                    };
                    match kind {
                        PromptKind::Filter => self.set_filter(&text),
                        PromptKind::Path => self.go_to_path(&text),
                        PromptKind::Label(id) => {
                            let label = text.trim();
                            let label = (!label.is_empty()).then(|| label.to_string());
                            return Outcome::Label(id, label);
                        }
                    }
                }
                _ => {}
            }
            return Outcome::Changed;
        }
        if key == Key::Esc {
            return Outcome::Nothing;
        }
        let Some(cmd) = keys::lookup(key) else {
            return Outcome::Nothing;
        };
        self.command(cmd)
    }

    fn set_filter(&mut self, text: &str) {
        if text.is_empty() {
            self.filter = None;
        } else {
            match Regex::new(text) {
                Ok(re) => {
                    self.filter = Some(Filter {
                        text: text.to_string(),
                        re,
                    })
                }
                Err(e) => {
                    self.message = Some(format!("bad regex {text:?}: {e}"));
                    return;
                }
            }
        }
        self.after_view_change();
    }

    /// The view changed under the cursor (filter, pause, instance): keep
    /// the selected action if it is still shown, else the newest.
    fn after_view_change(&mut self) {
        self.unseen = 0;
        if self.follow {
            self.act_sel = self.visible().back().map(|r| r.seq);
        }
        self.keep_action_visible();
    }

    fn choose(&mut self, id: Option<String>) {
        if self.chosen == id {
            return;
        }
        self.chosen = id;
        self.follow = true;
        self.act_sel = None;
        self.act_offset = 0;
        self.tree_cursor = 0;
        self.tree_offset = 0;
        self.text_scroll = 0;
        self.after_view_change();
    }

    fn command(&mut self, cmd: Cmd) -> Outcome {
        match cmd {
            Cmd::Quit => return Outcome::Quit,
            Cmd::Help => self.help = true,
            Cmd::NextPane => self.focus = self.focus.step(1),
            Cmd::PrevPane => self.focus = self.focus.step(-1),
            Cmd::Time => self.relative = !self.relative,
            Cmd::Filter => self.prompt(PromptKind::Filter),
            Cmd::GoTo => {
                self.focus = Pane::Detail;
                self.tab = Tab::State;
                self.prompt(PromptKind::Path);
            }
            Cmd::Label => match self.label_target() {
                Some(id) => self.prompt(PromptKind::Label(id)),
                None => {
                    self.message = Some("choose an instance to label first".into());
                }
            },
            Cmd::Invert => {
                self.invert = !self.invert;
                self.after_view_change();
            }
            Cmd::Pause => {
                self.paused_at = match self.paused_at {
                    Some(_) => None,
                    None => Some(self.next_seq),
                };
                self.after_view_change();
            }
            Cmd::Follow => {
                self.follow = true;
                self.paused_at = None;
                self.after_view_change();
            }
            Cmd::NextTab => self.set_tab((self.tab.index() + 1) % 4),
            Cmd::PrevTab => self.set_tab((self.tab.index() + 3) % 4),
            Cmd::Tab(n) => self.set_tab(n as usize),
            _ => return self.pane_command(cmd),
        }
        Outcome::Changed
    }

    fn prompt(&mut self, kind: PromptKind) {
        self.editing = Some(Prompt {
            kind,
            text: String::new(),
        });
    }

    /// The instance `L` labels: the chosen one, else the one under the
    /// Instances cursor.
    fn label_target(&self) -> Option<String> {
        self.chosen
            .clone()
            .or_else(|| self.cursor_instance().map(str::to_string))
    }

    /// `:PATH`: unfold what hides it and put the tree's cursor on it.
    fn go_to_path(&mut self, text: &str) {
        let path = match crate::query::paths::parse(text) {
            Ok(p) => p,
            Err(e) => {
                self.message = Some(e.to_string().lines().next().unwrap_or("").to_string());
                return;
            }
        };
        let Some(state) = self.selected().and_then(|r| self.state_of(&r)) else {
            self.message = Some("no state is held for this action".into());
            return;
        };
        if let Err(m) = crate::query::paths::lookup(&state, &path) {
            self.message = Some(format!(
                "{} not found: {} exists, {} does not ({})",
                path.display(),
                m.found,
                m.missing_at,
                m.reason
            ));
            return;
        }
        for n in 0..path.segs.len() {
            self.folds
                .remove(&crate::query::paths::display_segs(&path.segs[..n]));
        }
        self.folds_gen += 1;
        let want = path.display();
        if let Some(lines) = self.tree_lines()
            && let Some(i) = lines.iter().position(|l| l.path_text() == want)
        {
            self.tree_cursor = i;
            self.tree_offset = keep_visible(self.tree_offset, i, self.heights.detail.max(1));
        }
    }

    /// Scroll or click with the mouse: the pane under the pointer gets the
    /// focus; the wheel moves its cursor, a click puts it on that line.
    pub(crate) fn on_mouse(&mut self, m: Mouse) -> Outcome {
        if self.help || self.editing.is_some() {
            return Outcome::Nothing;
        }
        let (col, row) = match m {
            Mouse::ScrollUp { col, row }
            | Mouse::ScrollDown { col, row }
            | Mouse::Click { col, row } => (col, row),
        };
        let a = self.areas;
        let pane = if a.instances.contains(col, row) {
            Pane::Instances
        } else if a.actions.contains(col, row) {
            Pane::Actions
        } else if a.detail.contains(col, row) {
            Pane::Detail
        } else {
            return Outcome::Nothing;
        };
        self.focus = pane;
        match m {
            Mouse::ScrollUp { .. } => {
                for _ in 0..3 {
                    self.pane_command(Cmd::Up);
                }
            }
            Mouse::ScrollDown { .. } => {
                for _ in 0..3 {
                    self.pane_command(Cmd::Down);
                }
            }
            Mouse::Click { .. } => match pane {
                Pane::Instances if row >= a.instances_first => {
                    let i = self.inst_offset + (row - a.instances_first) as usize;
                    if i <= self.instances.len() {
                        self.inst_cursor = i;
                        let id = self.cursor_instance().map(str::to_string);
                        self.choose(id);
                    }
                }
                Pane::Actions if row >= a.actions_first => {
                    let v = self.visible();
                    let i = self.act_offset + (row - a.actions_first) as usize;
                    if let Some(r) = v.get(i) {
                        self.act_sel = Some(r.seq);
                        self.follow = i + 1 == v.len() && self.paused_at.is_none();
                    }
                }
                Pane::Detail if self.tab == Tab::State && row >= a.tree_first => {
                    let i = self.tree_offset + (row - a.tree_first) as usize;
                    if self.tree_lines().is_some_and(|l| i < l.len()) {
                        self.tree_cursor = i;
                    }
                }
                _ => {}
            },
        }
        Outcome::Changed
    }

    fn set_tab(&mut self, i: usize) {
        self.tab = Tab::ALL[i.min(3)];
        self.text_scroll = 0;
    }

    fn pane_command(&mut self, cmd: Cmd) -> Outcome {
        match self.focus {
            Pane::Instances => self.instances_command(cmd),
            Pane::Actions => self.actions_command(cmd),
            Pane::Detail => self.detail_command(cmd),
        }
    }

    fn instances_command(&mut self, cmd: Cmd) -> Outcome {
        let n = self.instances.len() + 1;
        let page = self.heights.instances.max(1);
        let cur = self.inst_cursor;
        self.inst_cursor = match cmd {
            Cmd::Up => cur.saturating_sub(1),
            Cmd::Down => (cur + 1).min(n - 1),
            Cmd::PageUp => cur.saturating_sub(page),
            Cmd::PageDown => (cur + page).min(n - 1),
            Cmd::Top => 0,
            Cmd::Bottom => n - 1,
            Cmd::Right | Cmd::Choose => {
                self.focus = Pane::Actions;
                cur
            }
            _ => return Outcome::Nothing,
        };
        self.inst_offset = keep_visible(self.inst_offset, self.inst_cursor, page);
        let id = self.cursor_instance().map(str::to_string);
        self.choose(id);
        Outcome::Changed
    }

    fn actions_command(&mut self, cmd: Cmd) -> Outcome {
        let v = self.visible();
        let len = v.len();
        let page = self.heights.actions.max(1);
        let cur = self.act_index(&v);
        let last = len.saturating_sub(1);
        let to = match (cmd, cur) {
            (Cmd::Left, _) => {
                self.focus = Pane::Instances;
                return Outcome::Changed;
            }
            (Cmd::Right | Cmd::Choose, _) => {
                self.focus = Pane::Detail;
                return Outcome::Changed;
            }
            (_, None) => return Outcome::Nothing,
            (Cmd::Up, Some(i)) => i.saturating_sub(1),
            (Cmd::Down, Some(i)) => (i + 1).min(last),
            (Cmd::PageUp, Some(i)) => i.saturating_sub(page),
            (Cmd::PageDown, Some(i)) => (i + page).min(last),
            (Cmd::Top, _) => 0,
            (Cmd::Bottom, _) => last,
            _ => return Outcome::Nothing,
        };
        let seq = v[to].seq;
        self.act_sel = Some(seq);
        // Like less +F: moving away from the newest stops following;
        // reaching it (G, or down to the end) follows again.
        self.follow = to == last && self.paused_at.is_none();
        if self.follow {
            self.unseen = 0;
        }
        self.keep_action_visible();
        Outcome::Changed
    }

    fn keep_action_visible(&mut self) {
        let v = self.visible();
        if let Some(i) = self.act_index(&v) {
            self.act_offset = keep_visible(self.act_offset, i, self.heights.actions.max(1));
        }
    }

    fn detail_command(&mut self, cmd: Cmd) -> Outcome {
        let page = self.heights.detail.max(1);
        if self.tab != Tab::State {
            self.text_scroll = match cmd {
                Cmd::Up => self.text_scroll.saturating_sub(1),
                Cmd::Down => self.text_scroll + 1,
                Cmd::PageUp => self.text_scroll.saturating_sub(page),
                Cmd::PageDown => self.text_scroll + page,
                Cmd::Top => 0,
                Cmd::Bottom => usize::MAX / 2,
                Cmd::Left => {
                    self.focus = Pane::Actions;
                    return Outcome::Changed;
                }
                _ => return Outcome::Nothing,
            };
            return Outcome::Changed;
        }
        let Some(lines) = self.tree_lines() else {
            return Outcome::Nothing;
        };
        let len = lines.len();
        let last = len.saturating_sub(1);
        let cur = self.tree_cursor.min(last);
        let line = &lines[cur];
        let folded = matches!(line.kind, tree::Kind::Open { folded: true, .. });
        let parent = || {
            lines[..cur]
                .iter()
                .rposition(|l| l.depth < line.depth)
                .unwrap_or(0)
        };
        match cmd {
            Cmd::Up => self.tree_cursor = cur.saturating_sub(1),
            Cmd::Down => self.tree_cursor = (cur + 1).min(last),
            Cmd::PageUp => self.tree_cursor = cur.saturating_sub(page),
            Cmd::PageDown => self.tree_cursor = (cur + page).min(last),
            Cmd::Top => self.tree_cursor = 0,
            Cmd::Bottom => self.tree_cursor = last,
            Cmd::Left if line.is_container() && !folded => self.fold(line.path_text(), true),
            Cmd::Left => self.tree_cursor = parent(),
            Cmd::Right if folded => self.fold(line.path_text(), false),
            Cmd::Right if line.is_container() => self.tree_cursor = (cur + 1).min(last),
            Cmd::Right => {}
            Cmd::Toggle | Cmd::Choose if line.is_container() => {
                self.fold(line.path_text(), !folded)
            }
            Cmd::CollapseAll => {
                if let Some(row) = self.selected()
                    && let Some(state) = self.state_of(&row)
                {
                    self.folds = tree::containers_below_root(&state);
                    self.folds_gen += 1;
                    self.tree_cursor = 0;
                }
            }
            Cmd::ExpandAll => {
                self.folds.clear();
                self.folds_gen += 1;
            }
            _ => return Outcome::Nothing,
        }
        self.tree_offset = keep_visible(self.tree_offset, self.tree_cursor, page);
        Outcome::Changed
    }

    fn fold(&mut self, path: String, fold: bool) {
        if fold {
            self.folds.insert(path);
        } else {
            self.folds.remove(&path);
        }
        self.folds_gen += 1;
    }

    /// Fix the scroll offsets for the heights the render found.
    pub(crate) fn set_heights(&mut self, h: Heights) {
        self.heights = h;
        self.inst_offset = keep_visible(self.inst_offset, self.inst_cursor, h.instances.max(1));
        self.keep_action_visible();
        if let Some(lines) = self.tree_lines() {
            self.tree_cursor = self.tree_cursor.min(lines.len().saturating_sub(1));
        }
        self.tree_offset = keep_visible(self.tree_offset, self.tree_cursor, h.detail.max(1));
    }
}

/// The offset that keeps `cursor` in a window of `height` lines.
pub(crate) fn keep_visible(offset: usize, cursor: usize, height: usize) -> usize {
    if cursor < offset {
        cursor
    } else if cursor >= offset + height {
        cursor + 1 - height
    } else {
        offset
    }
}

/// What changed from `old` to `new`, when both are there (else `or`).
fn edits(old: Option<&Value>, new: Option<&Value>, or: DiffOf) -> DiffOf {
    match (old, new) {
        (Some(old), Some(new)) => DiffOf::Edits(Rc::new(diff::diff(old, new, DIFF_LIMIT))),
        _ => or,
    }
}

/// A state from the text a [`Delta`] rebuilt.
fn decode_text(text: &[u8], kind: TextKind) -> Option<Value> {
    kind.decode(std::str::from_utf8(text).ok()?)
}

/// About how many bytes a value holds (its JSON text's length, roughly).
pub(crate) fn approx_bytes(v: &Value) -> usize {
    match v {
        Value::Null | Value::Bool(_) => 5,
        Value::Number(_) => 8,
        Value::String(s) => s.len() + 2,
        Value::Array(a) => 2 + a.iter().map(|v| approx_bytes(v) + 1).sum::<usize>(),
        Value::Object(o) => {
            2 + o
                .iter()
                .map(|(k, v)| k.len() + 4 + approx_bytes(v))
                .sum::<usize>()
        }
    }
}

/// The action without its `type`, compact, cut to 200 characters.
fn short_payload(raw: &str) -> String {
    let text = match serde_json::from_str::<Value>(raw) {
        Ok(Value::Object(mut o)) => {
            o.remove("type");
            if o.is_empty() {
                return String::new();
            }
            serde_json::to_string(&Value::Object(o)).unwrap_or_default()
        }
        Ok(Value::Null) | Err(_) => return String::new(),
        Ok(other) => other.to_string(),
    };
    crate::output::truncate(&text, 200).into_owned()
}

#[cfg(test)]
mod tests;
