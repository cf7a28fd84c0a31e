//! How the feed takes events in. It waits on the source and on its own timers
//! (ledger holds, reload windows, the reconnect grace, the UPDATE debounce),
//! applies each event to the registry, the ledgers and the reload detector,
//! and delivers the resulting items to the command, or holds them while the
//! selection is being decided.

use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::error::Result;
use crate::feed::event::Event;
use crate::feed::item::{Action, ActionItem, Carried, Gap, Item, Payload, Via};
use crate::feed::ledger::{self, Ledger, Order};
use crate::feed::reload::Verdict;
use crate::feed::selected::Follow;
use crate::feed::source::Next;
use crate::feed::{Feed, HELD_PER_INSTANCE, RECONNECT_GRACE_MS, States, UPDATE_EVERY_MS};
use crate::model::registry::{Change, Registry, Status};
use crate::output::sanitize;
use crate::relay::lifted::{self, History};
use crate::relay::message::{Kind, Message};
use crate::time::now_ms;

impl Feed {
    /// Wait for one event (or a timer) and take it in. False at the end.
    pub(super) fn step(&mut self, until: Option<Instant>) -> Result<bool> {
        if self.ended {
            return Ok(false);
        }
        let mut wake = until;
        if !self.replay
            && let Some(due) = self.next_timer()
        {
            let now = now_ms();
            // A deadline too far to hold as an Instant is no wake-up at all.
            if let Some(at) =
                Instant::now().checked_add(Duration::from_millis(due.saturating_sub(now)))
            {
                wake = Some(wake.map_or(at, |w| w.min(at)));
            }
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

    pub(super) fn next_timer(&self) -> Option<u64> {
        let holds = self.holds.first();
        let grace = self
            .reconnected_at
            .map(|t| t.saturating_add(RECONNECT_GRACE_MS));
        [
            holds,
            grace,
            self.reloads.due(),
            self.update_due,
            self.unanswered.due(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Run every timer due at `now` (None: the input ended, run them all).
    pub(super) fn timers(&mut self, now: Option<u64>) {
        if let Some(due) = self.update_due
            && now.is_some_and(|n| n >= due)
        {
            self.update_due = None;
            self.send_update(due);
        }
        if let Some(since) = self.reconnected_at
            && now.is_some_and(|n| n >= since.saturating_add(RECONNECT_GRACE_MS))
        {
            self.reconnected_at = None;
            let t = now.unwrap_or(self.last_t);
            let changes = self.registry.mark_unheard_gone(since);
            self.registry_changes(t, changes);
        }
        for instance in self.holds.take_due(now) {
            let mut steps = Vec::new();
            if let Some(l) = self.ledgers.get_mut(&instance) {
                l.expire(now, &mut steps);
            }
            self.note_hold(&instance);
            let t = now.unwrap_or(self.last_t);
            self.emit_steps(&instance, t, steps, None);
        }
        // At the end of a recording, a START whose answers the file does not
        // reach decides nothing.
        for due in self.unanswered.take_due(Some(now.unwrap_or(self.last_t))) {
            let t = now.unwrap_or(self.last_t);
            let changes = self
                .registry
                .mark_unanswered_gone(&due.app, due.since, &due.starter);
            // The followed instance answered: the others of its app did not
            // replace it, and what they said is not the selection's.
            if let Follow::One(k) = &self.follow
                && !changes.iter().any(|c| c.instance() == k.as_str())
                && self.registry.get(k).and_then(|i| i.app.as_deref()) == Some(due.app.as_str())
            {
                let k = k.clone();
                let of_app = |inst: &String| {
                    self.registry
                        .get(inst)
                        .is_some_and(|i| i.app.as_deref() == Some(due.app.as_str()))
                };
                self.held.retain(|inst, _| *inst == k || !of_app(inst));
            }
            self.registry_changes(t, changes);
        }
        for verdict in self.reloads.tick(now) {
            self.verdict(verdict);
        }
    }

    /// Keep the map of waiting ledgers in step with `instance`'s ledger (so
    /// the timers look only at the instances that wait).
    pub(super) fn note_hold(&mut self, instance: &str) {
        let due = self.ledgers.get(instance).and_then(Ledger::due);
        self.holds.set(instance, due);
    }

    pub(super) fn want_update(&mut self, now: u64) {
        if self.replay {
            return;
        }
        match self.last_update {
            Some(l) if now < l.saturating_add(UPDATE_EVERY_MS) => {
                self.update_due
                    .get_or_insert(l.saturating_add(UPDATE_EVERY_MS));
            }
            _ => self.send_update(now),
        }
    }

    pub(super) fn send_update(&mut self, now: u64) {
        self.last_update = Some(now);
        self.src.request_update();
    }

    pub(super) fn observe(&mut self, ev: Event) -> Result<()> {
        let t = match &ev {
            Event::Relay { t, .. }
            | Event::Connected { t, .. }
            | Event::Lost { t, .. }
            | Event::Skipped { t, .. }
            | Event::Ignored { t, .. } => Some(*t),
            _ => None,
        };
        if let Some(t) = t {
            self.last_t = self.last_t.max(t);
            // Replay keeps time by the recording: what is due by now happens first.
            if self.replay && self.next_timer().is_some_and(|d| d <= self.last_t) {
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
                self.link_lost = None;
                if self.opts.links {
                    self.ready.push_back(Item::Link { t, lost: None });
                }
                if reconnect {
                    self.reconnected_at = Some(t);
                    if !self.quiet {
                        eprintln!(
                            "rdx: reconnected to {} at {}",
                            self.url,
                            crate::time::rfc3339_ms(t)
                        );
                    }
                } else if self.verbose && self.expo {
                    eprintln!(
                        "rdx: connected to the Expo dev server's plugin socket {} (no handshake; \
                         rdx sends START unless another monitor does)",
                        self.url
                    );
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
            Event::Lost { reason, t } => {
                self.link_lost = Some(reason.clone());
                if self.opts.links {
                    self.ready.push_back(Item::Link {
                        t,
                        lost: Some(reason.clone()),
                    });
                }
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
            Event::Wire(relay) => self.expo = relay == crate::link::url::Relay::Expo,
            Event::Ignored { at, what, .. } => {
                self.ignored += 1;
                if self.verbose {
                    eprintln!("rdx: {}: ignored: {}", sanitize(&at), sanitize(&what));
                }
            }
            Event::Reports { data, .. } => {
                let note = serde_json::from_str(data.get())
                    .map(|v| crate::relay::report::note(&v))
                    .unwrap_or_else(|e| crate::relay::report::Note::Bad(e.to_string()));
                self.ready.push_back(Item::Reports { note });
            }
            Event::ReportBody {
                id, data, error, ..
            } => {
                self.ready.push_back(Item::ReportBody { id, data, error });
            }
            Event::Note { text } => {
                if !self.quiet {
                    eprintln!("rdx: {}", sanitize(&text));
                }
            }
            Event::Fatal(e) => return Err(e),
            Event::End => {
                self.timers(None);
                if self.replay {
                    self.note_replay_end();
                }
                self.ended = true;
            }
        }
        Ok(())
    }

    pub(super) fn relay(&mut self, t: u64, msg: Rc<Message>) {
        self.started_ms.get_or_insert(t);
        if self.opts.messages {
            self.ready.push_back(Item::Received);
        }
        // Borrowed from the message: the registry copies it only when it keeps it.
        let ty = match msg.kind {
            Kind::Action => msg.action().and_then(|a| a.type_name()),
            _ => None,
        };
        let changes = self.registry.apply(t, &msg, ty.as_deref());
        drop(ty);
        let instance = msg.instance().to_string();
        if msg.kind == Kind::Disconnected && msg.instance_id.is_none() {
            self.registry_changes(t, changes);
            return;
        }
        if msg.kind == Kind::Start {
            self.ledgers
                .entry(instance.clone())
                .or_default()
                .saw_start();
            if self.expo
                && let Some(app) = self.registry.get(&instance).and_then(|i| i.app.as_deref())
            {
                self.unanswered.started(app, &instance, t);
            }
        }
        // The history of a STATE: for the ledgers (actions) and the registry's
        // counts (sessions); `state` needs neither, and a big STATE is not
        // read twice for it.
        let wants_history = self.opts.actions || self.opts.states == States::None;
        let history = if wants_history && msg.kind.has_history() {
            let h = lifted::history(&msg, self.opts.states == States::PerAction);
            if let Some(h) = &h
                && h.bad > 0
            {
                let what = h.bad_first.clone().unwrap_or_default();
                self.out_of_range(&instance, h.bad, &what);
            }
            if let Some(h) = &h {
                let last_type = h
                    .entries
                    .last()
                    .and_then(|e| crate::relay::message::action_type_of(&e.action));
                self.registry.note_history(&instance, h.top, last_type);
            }
            h
        } else {
            None
        };
        self.registry_changes(t, changes);
        self.learn_app(&instance);
        if self.opts.actions {
            let baseline = self.baseline();
            let mut steps = Vec::new();
            let ledger = self.ledgers.entry(instance.clone()).or_default();
            match msg.kind {
                Kind::Action => {
                    let id = msg.next_action_id.map(|n| n.saturating_sub(1));
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
            self.note_hold(&instance);
            self.emit_steps(&instance, t, steps, history);
        }
        let snapshot = match self.opts.states {
            States::None => false,
            States::Snapshots => lifted::carries_state(&msg.kind) && msg.payload.is_some(),
            States::PerAction => {
                matches!(msg.kind, Kind::State | Kind::Lifted | Kind::Init) && msg.payload.is_some()
            }
        };
        if snapshot {
            self.deliver(Item::State {
                instance: instance.clone(),
                t,
                state: Carried(msg),
            });
        }
        self.bound(Some(&instance));
    }

    /// Numbers out of range in a message rdx otherwise kept (an id past
    /// 2^53 in a STATE's history, a time past year 9999): left out, counted
    /// for the summary, each said with --verbose.
    pub(super) fn out_of_range(&mut self, instance: &str, n: usize, what: &str) {
        self.out_of_range = self.out_of_range.saturating_add(n as u64);
        if self.verbose {
            let more = match n {
                1 => String::new(),
                n => format!(" (and {} more in this message)", n - 1),
            };
            eprintln!(
                "rdx: {}: ignored {}{more}",
                sanitize(&self.short_name(instance)),
                sanitize(what)
            );
        }
    }

    /// Past the registry's bounds (live and stopped instances, bytes): let
    /// the least recently seen go, with what the feed holds for them, and
    /// say so the first time. The followed instance stays, and `current`
    /// (a message for it is being taken in).
    pub(super) fn bound(&mut self, current: Option<&str>) {
        if !self.registry.over_bounds() {
            return;
        }
        let followed = self.followed().map(str::to_string);
        let keep: Vec<&str> = followed.as_deref().into_iter().chain(current).collect();
        let before = self.registry.let_go_count();
        let gone = self.registry.let_go(&keep);
        let active = self.registry.let_go_count() - before;
        if active > 0 && !self.said_let_go {
            self.said_let_go = true;
            let b = self.registry.bounds();
            if !self.quiet {
                eprintln!(
                    "rdx: more than {} live or stopped instances, or more than {} MiB of them: let the {active} least recently seen go ({} kept); they are no longer listed or followed",
                    b.active,
                    b.bytes >> 20,
                    self.registry.len()
                );
            }
        }
        self.release(gone);
    }

    /// What the feed holds for instances the registry let go: their ledgers
    /// and timers, what waits for a selection, their reload candidacy.
    pub(super) fn release(&mut self, gone: Vec<(String, Option<String>)>) {
        for (id, app) in gone {
            self.ledgers.remove(&id);
            self.holds.remove(id.as_str());
            self.held.remove(&id);
            self.learned.remove(&id);
            self.reloads.forget(&id, app.as_deref());
        }
    }

    pub(super) fn emit_steps(
        &mut self,
        instance: &str,
        t: u64,
        steps: Vec<Order<(u64, Rc<Message>)>>,
        mut history: Option<History>,
    ) {
        for step in steps {
            let item = match step {
                Order::Gap { from, to } => Item::Gap(Gap {
                    instance: instance.to_string(),
                    t,
                    from,
                    to,
                }),
                Order::Emit {
                    id,
                    from: ledger::Origin::Action((at, mut m)),
                } => {
                    if let Some(bad) = m.bad_timestamp() {
                        let what = format!(
                            "timestamp {bad} of action {} out of range (a time in years 1970-9999; the time it arrived is used)",
                            id.unwrap_or_default()
                        );
                        self.out_of_range(instance, 1, &what);
                    }
                    let ts = m.action_timestamp().unwrap_or(at);
                    let per_action = self.opts.states == States::PerAction;
                    let state = if per_action && !self.opts.lazy_states {
                        m.decoded_payload()
                    } else {
                        None
                    };
                    // The message is usually only here now: its action moves
                    // into the item rather than being copied.
                    let action = match Rc::get_mut(&mut m) {
                        Some(only) => only.take_action(),
                        None => m.action().cloned(),
                    };
                    let payload = (per_action && self.opts.lazy_states && m.payload.is_some())
                        .then(|| Payload(m));
                    Item::Action(ActionItem {
                        instance: instance.to_string(),
                        action_id: id,
                        ts,
                        action: action.unwrap_or_default(),
                        via: Via::Action,
                        state,
                        payload,
                    })
                }
                Order::Emit {
                    id,
                    from: ledger::Origin::State(i),
                } => {
                    let Some(e) = history.as_mut().and_then(|h| h.entries.get_mut(i)) else {
                        continue;
                    };
                    Item::Action(ActionItem {
                        instance: instance.to_string(),
                        action_id: id,
                        ts: e.ts.unwrap_or(t),
                        action: Action::Tree(std::mem::take(&mut e.action)),
                        via: Via::State,
                        state: e.state.take(),
                        payload: None,
                    })
                }
            };
            self.deliver(item);
        }
    }

    /// Hand an item to the command, if it is about what the command follows.
    fn same_app(&self, a: &str, b: &str) -> bool {
        let app = |k: &str| self.registry.get(k).and_then(|i| i.app.as_deref());
        app(a).is_some_and(|x| app(b) == Some(x))
    }

    pub(super) fn deliver(&mut self, item: Item) {
        let Some(instance) = item.instance() else {
            self.ready.push_back(item);
            return;
        };
        let passes = |f: &Feed| {
            let sel = f.selecting.as_ref().map(|s| &s.sel);
            f.registry
                .get(instance)
                .is_some_and(|i| sel.is_none_or(|s| s.passes_filters(i)))
        };
        match &self.follow {
            Follow::All => {
                let admitted = match &self.selecting {
                    None => true,
                    Some(s) => self.registry.get(instance).is_some_and(|i| s.sel.admits(i)),
                };
                if admitted {
                    self.ready.push_back(item);
                }
            }
            Follow::One(k) => {
                if k == instance {
                    self.ready.push_back(item);
                } else if self.expo && self.same_app(k, instance) {
                    // On the Expo socket a reload's new instance speaks
                    // before the old one is found gone: what it says waits,
                    // until the old one answers (no reload: let go) or a
                    // reload moves the selection to it.
                    let q = self.held.entry(instance.to_string()).or_default();
                    if q.len() >= HELD_PER_INSTANCE {
                        q.pop_front();
                    }
                    q.push_back(item);
                }
            }
            Follow::Ended(_) => {}
            Follow::Resolving | Follow::Lost { .. } => {
                if passes(self) {
                    let q = self.held.entry(instance.to_string()).or_default();
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
    pub(super) fn registry_changes(&mut self, t: u64, changes: Vec<Change>) {
        // Live instances by app and first seen, built once for the changes
        // that need it (the ones rdx learns of late, all at once after its
        // own reconnect): each then looks around in O(log n), not O(n).
        let mut arrivals: Option<Arrivals> = None;
        for change in changes {
            let instance = change.instance().to_string();
            let Some(inst) = self.registry.get(&instance) else {
                continue;
            };
            let app = inst.app.clone();
            match &change {
                Change::Added(_) => self.reloads.appeared(&instance, app.as_deref(), t),
                Change::Status(_) if inst.status == Status::Gone => {
                    // Learned late (after rdx's own reconnect): its
                    // replacement may be there already. A DISCONNECTED is
                    // news now, and needs no look around.
                    let since = inst.last_seen.min(t);
                    self.gone_since_pruned += 1;
                    self.followed_gone(&instance);
                    let registry = &self.registry;
                    let recent = || match (&app, since < t) {
                        (Some(a), true) => arrivals
                            .get_or_insert_with(|| Arrivals::of(registry))
                            .between(a, since, t, &instance),
                        _ => Vec::new(),
                    };
                    self.reloads.gone(&instance, app.as_deref(), t, recent);
                    if app.is_none() {
                        self.verdict(Verdict::Vanished {
                            old: instance.clone(),
                        });
                    }
                }
                _ => {}
            }
            if self.opts.changes && !matches!(change, Change::Touched(_)) {
                self.ready.push_back(Item::Instance { t, change });
            }
        }
        // Hours without growth: the newest gone instances are kept, the rest
        // forgotten, with what the feed holds for them (looked at every time
        // half as many gone instances, so the cost stays amortized).
        let kept = super::gone_kept(self.replay);
        if self.gone_since_pruned >= kept / 2 {
            self.gone_since_pruned = 0;
            let forgotten = self.registry.forget_gone(kept);
            self.release(forgotten);
        }
        if let Follow::Lost { decided: true, .. } = self.follow {
            self.reresolve();
        }
    }
}

/// The instances that are not gone, per app, by first seen.
struct Arrivals(HashMap<String, Vec<(u64, String)>>);

impl Arrivals {
    fn of(registry: &Registry) -> Arrivals {
        let mut by_app: HashMap<String, Vec<(u64, String)>> = HashMap::new();
        for i in registry.iter() {
            if let (Some(app), true) = (&i.app, i.status != Status::Gone) {
                by_app
                    .entry(app.clone())
                    .or_default()
                    .push((i.first_seen, i.id.clone()));
            }
        }
        for list in by_app.values_mut() {
            list.sort_unstable();
        }
        Arrivals(by_app)
    }

    /// The instances of `app` first seen in `since..until`, but `not`.
    fn between(&self, app: &str, since: u64, until: u64, not: &str) -> Vec<(String, u64)> {
        let Some(list) = self.0.get(app) else {
            return Vec::new();
        };
        let from = list.partition_point(|(seen, _)| *seen < since);
        list[from..]
            .iter()
            .take_while(|(seen, _)| *seen < until)
            .filter(|(_, id)| id != not)
            .map(|(seen, id)| (id.clone(), *seen))
            .collect()
    }
}

/// The ledger's view of a STATE's history: ids and dispatch times.
fn entries(h: &History) -> Vec<ledger::Entry> {
    h.entries
        .iter()
        .map(|e| ledger::Entry { id: e.id, ts: e.ts })
        .collect()
}
