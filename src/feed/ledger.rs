//! Every action once (SPEC.md): the per-instance ledger of action ids.
//!
//! A pure state machine, no I/O and no clock of its own: the feed tells it
//! what arrived (an ACTION with its id, a STATE with the ids in its lifted
//! history) and the time, and it says what to emit, in order: each action
//! once, and a gap for every id it will never get. An ACTION whose id jumps
//! is held (with the instance's later ones) until a STATE fills the hole or
//! [`HOLD_MS`] passes.
//!
//! "Before rdx started" is decided once per instance, at its first STATE or
//! ACTION: an instance rdx heard say START (it connected while rdx was
//! listening: a page load, a late app) has nothing from before; otherwise
//! the actions in its first STATE dispatched before rdx was subscribed (their
//! own timestamps against rdx's clock) are the baseline, printed only with
//! `--history`.
//!
//! Ids come checked (`0..=2^53`, see `crate::relay::ids`); the arithmetic
//! here saturates all the same, so no id can wrap it.

/// How long an instance's actions wait for the STATE that fills a gap.
pub(crate) const HOLD_MS: u64 = 1000;
/// At most this many of an instance's actions wait; more end the wait.
const MAX_HELD: usize = 10_000;

/// Where an emitted action is: a held ACTION message, or entry `i` of the
/// STATE being applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin<A> {
    Action(A),
    State(usize),
}

/// What the ledger says to do, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Order<A> {
    /// Emit this action (`id` is None for apps that send no ids).
    Emit { id: Option<i64>, from: Origin<A> },
    /// Ids `from..=to` will never be seen.
    Gap { from: i64, to: i64 },
}

/// Which actions count as new for an instance first seen without a START.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Baseline {
    /// `--history`: everything the app still holds.
    All,
    /// Actions dispatched at or after this time (epoch ms).
    Since(u64),
}

/// One entry of a STATE's lifted history: the action id and its dispatch time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) id: i64,
    pub(crate) ts: Option<u64>,
}

#[derive(Debug)]
struct Hold<A> {
    until: u64,
    queue: Vec<(i64, A)>,
}

#[derive(Debug)]
pub(crate) struct Ledger<A> {
    /// The highest id emitted or passed over (None: nothing known yet).
    last: Option<i64>,
    saw_start: bool,
    /// The app sends ACTIONs without ids: STATE histories cannot be matched
    /// against what was printed, so they only move the baseline.
    idless: bool,
    hold: Option<Hold<A>>,
}

impl<A> Default for Ledger<A> {
    fn default() -> Self {
        Ledger {
            last: None,
            saw_start: false,
            idless: false,
            hold: None,
        }
    }
}

impl<A> Ledger<A> {
    /// The instance said START before rdx knew anything of its actions:
    /// everything in its history happened while rdx was listening.
    pub(crate) fn saw_start(&mut self) {
        if self.last.is_none() {
            self.saw_start = true;
        }
    }

    /// The highest action id emitted or passed over.
    #[cfg(test)]
    pub(crate) fn last(&self) -> Option<i64> {
        self.last
    }

    /// When the held actions must be released (epoch ms), if any are held.
    pub(crate) fn due(&self) -> Option<u64> {
        self.hold.as_ref().map(|h| h.until)
    }

    fn start_from(&self, baseline: Baseline) -> Option<i64> {
        (self.saw_start || baseline == Baseline::All).then_some(0)
    }

    /// An ACTION with id `id` arrived at `now`. Returns true when a STATE
    /// should be asked for (an id jumped).
    pub(crate) fn on_action(
        &mut self,
        id: Option<i64>,
        action: A,
        now: u64,
        baseline: Baseline,
        out: &mut Vec<Order<A>>,
    ) -> bool {
        let Some(n) = id else {
            self.idless = true;
            out.push(Order::Emit {
                id: None,
                from: Origin::Action(action),
            });
            return false;
        };
        if let Some(h) = &mut self.hold {
            let at = h.queue.partition_point(|(i, _)| *i < n);
            let known = h.queue.get(at).is_some_and(|(i, _)| *i == n);
            if self.last.is_none_or(|l| n > l) && !known {
                h.queue.insert(at, (n, action));
            }
            // A flood while waiting: stop waiting (bounded memory per instance).
            if h.queue.len() >= MAX_HELD {
                h.until = 0;
            }
            return false;
        }
        let last = match self.last.or_else(|| self.start_from(baseline)) {
            Some(l) => l,
            // An instance already streaming when rdx joined: this is the
            // first action rdx sees live.
            None => n.saturating_sub(1),
        };
        self.last = Some(last);
        if n <= last {
            return false;
        }
        if n == last.saturating_add(1) {
            self.last = Some(n);
            out.push(Order::Emit {
                id: Some(n),
                from: Origin::Action(action),
            });
            return false;
        }
        self.hold = Some(Hold {
            until: now.saturating_add(HOLD_MS),
            queue: vec![(n, action)],
        });
        true
    }

    /// A STATE arrived whose lifted history holds `entries` (in staged order,
    /// `@@INIT` left out) and whose newest id is `top`.
    pub(crate) fn on_state(
        &mut self,
        entries: &[Entry],
        top: Option<i64>,
        baseline: Baseline,
        out: &mut Vec<Order<A>>,
    ) {
        let top = top.or_else(|| entries.iter().map(|e| e.id).max());
        if self.idless {
            if let Some(t) = top {
                self.last = Some(self.last.map_or(t, |l| l.max(t)));
            }
            return;
        }
        let last = match self.last.or_else(|| self.start_from(baseline)) {
            Some(l) => l,
            None => first_baseline(entries, top, baseline),
        };
        // The app's history was reset under us (another monitor's RESET,
        // COMMIT or IMPORT): start again from where it is now.
        let last = match top {
            Some(t) if t < last && self.hold.is_none() => t,
            _ => last,
        };
        // What arrived as an ACTION stays "via action"; the STATE fills the rest.
        let mut merged: Vec<(i64, Origin<A>)> = match self.hold.take() {
            Some(h) => h
                .queue
                .into_iter()
                .filter(|(id, _)| *id > last)
                .map(|(id, a)| (id, Origin::Action(a)))
                .collect(),
            None => Vec::new(),
        };
        // The held ones are in id order: each entry is looked for in O(log n).
        let held = merged.len();
        for (i, e) in entries.iter().enumerate() {
            if e.id > last
                && merged[..held]
                    .binary_search_by_key(&e.id, |(m, _)| *m)
                    .is_err()
            {
                merged.push((e.id, Origin::State(i)));
            }
        }
        merged.sort_by_key(|(id, _)| *id);
        self.last = Some(last);
        self.release(merged, out);
    }

    /// Release held actions whose wait is over (`now` ≥ their due time), or
    /// all of them when `now` is None (the input ended).
    pub(crate) fn expire(&mut self, now: Option<u64>, out: &mut Vec<Order<A>>) {
        let due = match &self.hold {
            Some(h) => now.is_none_or(|n| n >= h.until),
            None => false,
        };
        if due && let Some(h) = self.hold.take() {
            let items = h
                .queue
                .into_iter()
                .map(|(id, a)| (id, Origin::Action(a)))
                .collect();
            self.release(items, out);
        }
    }

    /// Emit `items` (sorted by id, all above `last`) with gaps between them.
    fn release(&mut self, items: Vec<(i64, Origin<A>)>, out: &mut Vec<Order<A>>) {
        let mut last = self.last.unwrap_or(0);
        for (id, from) in items {
            if id <= last {
                continue;
            }
            if id > last.saturating_add(1) {
                out.push(Order::Gap {
                    from: last.saturating_add(1),
                    to: id.saturating_sub(1),
                });
            }
            out.push(Order::Emit { id: Some(id), from });
            last = id;
        }
        self.last = Some(last);
    }
}

/// The baseline from an instance's first STATE: the newest action dispatched
/// before rdx started (entries without a timestamp count as before).
fn first_baseline(entries: &[Entry], top: Option<i64>, baseline: Baseline) -> i64 {
    let Baseline::Since(start) = baseline else {
        return 0;
    };
    let old = entries
        .iter()
        .filter(|e| e.ts.is_none_or(|t| t < start))
        .map(|e| e.id)
        .max();
    match old {
        Some(id) => id,
        None => match entries.iter().map(|e| e.id).min() {
            // Everything it still holds is new; what it committed away
            // (older than its maxAge) is taken as from before rdx.
            Some(first) => first.saturating_sub(1),
            None => top.unwrap_or(0),
        },
    }
}

#[cfg(test)]
mod tests;
