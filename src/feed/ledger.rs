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

/// How long an instance's actions wait for the STATE that fills a gap.
pub const HOLD_MS: u64 = 1000;

/// Where an emitted action is: a held ACTION message, or entry `i` of the
/// STATE being applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source<A> {
    Action(A),
    State(usize),
}

/// What the ledger says to do, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step<A> {
    /// Emit this action (`id` is None for apps that send no ids).
    Emit { id: Option<i64>, from: Source<A> },
    /// Ids `from..=to` will never be seen.
    Gap { from: i64, to: i64 },
}

/// Which actions count as new for an instance first seen without a START.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Baseline {
    /// `--history`: everything the app still holds.
    All,
    /// Actions dispatched at or after this time (epoch ms).
    Since(u64),
}

/// One entry of a STATE's lifted history: the action id and its dispatch time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub id: i64,
    pub ts: Option<u64>,
}

#[derive(Debug)]
struct Hold<A> {
    until: u64,
    queue: Vec<(i64, A)>,
}

#[derive(Debug)]
pub struct Ledger<A> {
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
    pub fn saw_start(&mut self) {
        if self.last.is_none() {
            self.saw_start = true;
        }
    }

    /// The highest action id emitted or passed over.
    pub fn last(&self) -> Option<i64> {
        self.last
    }

    /// When the held actions must be released (epoch ms), if any are held.
    pub fn due(&self) -> Option<u64> {
        self.hold.as_ref().map(|h| h.until)
    }

    fn start_from(&self, baseline: Baseline) -> Option<i64> {
        (self.saw_start || baseline == Baseline::All).then_some(0)
    }

    /// An ACTION with id `id` arrived at `now`. Returns true when a STATE
    /// should be asked for (an id jumped).
    pub fn on_action(
        &mut self,
        id: Option<i64>,
        action: A,
        now: u64,
        baseline: Baseline,
        out: &mut Vec<Step<A>>,
    ) -> bool {
        let Some(n) = id else {
            self.idless = true;
            out.push(Step::Emit {
                id: None,
                from: Source::Action(action),
            });
            return false;
        };
        if let Some(h) = &mut self.hold {
            if self.last.is_none_or(|l| n > l) && h.queue.iter().all(|(i, _)| *i != n) {
                let at = h.queue.partition_point(|(i, _)| *i < n);
                h.queue.insert(at, (n, action));
            }
            return false;
        }
        let last = match self.last.or_else(|| self.start_from(baseline)) {
            Some(l) => l,
            // An instance already streaming when rdx joined: this is the
            // first action rdx sees live.
            None => n - 1,
        };
        self.last = Some(last);
        if n <= last {
            return false;
        }
        if n == last + 1 {
            self.last = Some(n);
            out.push(Step::Emit {
                id: Some(n),
                from: Source::Action(action),
            });
            return false;
        }
        self.hold = Some(Hold {
            until: now + HOLD_MS,
            queue: vec![(n, action)],
        });
        true
    }

    /// A STATE arrived whose lifted history holds `entries` (in staged order,
    /// `@@INIT` left out) and whose newest id is `top`.
    pub fn on_state(
        &mut self,
        entries: &[Entry],
        top: Option<i64>,
        baseline: Baseline,
        out: &mut Vec<Step<A>>,
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
        let mut merged: Vec<(i64, Source<A>)> = match self.hold.take() {
            Some(h) => h
                .queue
                .into_iter()
                .filter(|(id, _)| *id > last)
                .map(|(id, a)| (id, Source::Action(a)))
                .collect(),
            None => Vec::new(),
        };
        let held = merged.len();
        for (i, e) in entries.iter().enumerate() {
            if e.id > last && merged[..held].iter().all(|(m, _)| *m != e.id) {
                merged.push((e.id, Source::State(i)));
            }
        }
        merged.sort_by_key(|(id, _)| *id);
        self.last = Some(last);
        self.release(merged, out);
    }

    /// Release held actions whose wait is over (`now` ≥ their due time), or
    /// all of them when `now` is None (the input ended).
    pub fn expire(&mut self, now: Option<u64>, out: &mut Vec<Step<A>>) {
        let due = match &self.hold {
            Some(h) => now.is_none_or(|n| n >= h.until),
            None => false,
        };
        if due && let Some(h) = self.hold.take() {
            let items = h
                .queue
                .into_iter()
                .map(|(id, a)| (id, Source::Action(a)))
                .collect();
            self.release(items, out);
        }
    }

    /// Emit `items` (sorted by id, all above `last`) with gaps between them.
    fn release(&mut self, items: Vec<(i64, Source<A>)>, out: &mut Vec<Step<A>>) {
        let mut last = self.last.unwrap_or(0);
        for (id, from) in items {
            if id <= last {
                continue;
            }
            if id > last + 1 {
                out.push(Step::Gap {
                    from: last + 1,
                    to: id - 1,
                });
            }
            out.push(Step::Emit { id: Some(id), from });
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
            Some(first) => first - 1,
            None => top.unwrap_or(0),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type L = Ledger<&'static str>;
    const SINCE: Baseline = Baseline::Since(100);

    fn e(id: i64, ts: u64) -> Entry {
        Entry { id, ts: Some(ts) }
    }

    fn ids(out: &[Step<&str>]) -> Vec<String> {
        out.iter()
            .map(|s| match s {
                Step::Emit { id, from } => match from {
                    Source::Action(a) => format!("{}a{a}", id.unwrap_or(-1)),
                    Source::State(i) => format!("{}s{i}", id.unwrap_or(-1)),
                },
                Step::Gap { from, to } => format!("gap{from}-{to}"),
            })
            .collect()
    }

    #[test]
    fn a_running_app_prints_only_what_comes_after_rdx_started() {
        let mut l = L::default();
        let mut out = Vec::new();
        // first STATE: ids 1, 2 before rdx started (ts < 100), 3 after
        l.on_state(&[e(1, 10), e(2, 20), e(3, 150)], Some(3), SINCE, &mut out);
        assert_eq!(ids(&out), ["3s2"]);
        out.clear();
        l.on_action(Some(4), "x", 200, SINCE, &mut out);
        l.on_action(Some(4), "dup", 200, SINCE, &mut out);
        assert_eq!(ids(&out), ["4ax"]);
        // --history prints all of it
        let mut h = L::default();
        let mut out = Vec::new();
        h.on_state(&[e(1, 10), e(2, 20)], Some(2), Baseline::All, &mut out);
        assert_eq!(ids(&out), ["1s0", "2s1"]);
    }

    #[test]
    fn a_page_that_said_start_prints_its_load_time_actions() {
        let mut l = L::default();
        l.saw_start();
        let mut out = Vec::new();
        // dispatched "before" by the clock (skewed app clock), but after START
        l.on_state(&[e(1, 5), e(2, 6)], Some(2), SINCE, &mut out);
        assert_eq!(ids(&out), ["1s0", "2s1"]);
    }

    #[test]
    fn a_later_state_repeats_nothing() {
        let mut l = L::default();
        let mut out = Vec::new();
        l.on_state(&[], Some(0), SINCE, &mut out);
        l.on_action(Some(1), "a", 1, SINCE, &mut out);
        l.on_action(Some(2), "b", 2, SINCE, &mut out);
        l.on_state(&[e(1, 1), e(2, 2)], Some(2), SINCE, &mut out);
        l.on_state(&[e(1, 1), e(2, 2), e(3, 3)], Some(3), SINCE, &mut out);
        assert_eq!(ids(&out), ["1aa", "2ab", "3s2"]);
    }

    #[test]
    fn a_jump_holds_until_a_state_fills_it() {
        let mut l = L::default();
        let mut out = Vec::new();
        l.on_state(&[], Some(0), SINCE, &mut out);
        assert!(!l.on_action(Some(1), "a", 1000, SINCE, &mut out));
        assert!(l.on_action(Some(4), "d", 1001, SINCE, &mut out));
        assert!(!l.on_action(Some(5), "e", 1002, SINCE, &mut out));
        assert_eq!(l.due(), Some(1001 + HOLD_MS));
        assert_eq!(ids(&out), ["1aa"]);
        // the STATE answering UPDATE holds 2..5
        l.on_state(
            &[e(1, 1), e(2, 2), e(3, 3), e(4, 4), e(5, 5)],
            Some(5),
            SINCE,
            &mut out,
        );
        assert_eq!(ids(&out), ["1aa", "2s1", "3s2", "4ad", "5ae"]);
        assert_eq!(l.due(), None);
        assert_eq!(l.last(), Some(5));
    }

    #[test]
    fn what_the_app_no_longer_holds_is_a_gap() {
        let mut l = L::default();
        let mut out = Vec::new();
        l.on_state(&[], Some(0), SINCE, &mut out);
        l.on_action(Some(1), "a", 1, SINCE, &mut out);
        l.on_action(Some(9), "i", 2, SINCE, &mut out);
        // maxAge 3: the STATE holds only 7..9
        l.on_state(&[e(7, 7), e(8, 8), e(9, 9)], Some(9), SINCE, &mut out);
        assert_eq!(ids(&out), ["1aa", "gap2-6", "7s0", "8s1", "9ai"]);
    }

    #[test]
    fn gap_then_recovered_in_order() {
        let mut l = L::default();
        let mut out = Vec::new();
        l.on_state(&[], Some(0), SINCE, &mut out);
        l.on_action(Some(1), "a", 1, SINCE, &mut out);
        l.on_action(Some(9), "i", 2, SINCE, &mut out);
        l.on_state(&[e(7, 7), e(8, 8)], Some(8), SINCE, &mut out);
        // the held 9 is not in this (older) STATE: it comes from the ACTION
        assert_eq!(ids(&out), ["1aa", "gap2-6", "7s0", "8s1", "9ai"]);
    }

    #[test]
    fn no_state_in_time_reports_the_hole_and_releases() {
        let mut l = L::default();
        let mut out = Vec::new();
        l.on_state(&[], Some(2), SINCE, &mut out);
        l.on_action(Some(5), "e", 10, SINCE, &mut out);
        l.on_action(Some(7), "g", 11, SINCE, &mut out);
        l.expire(Some(10 + HOLD_MS - 1), &mut out);
        assert!(out.is_empty());
        l.expire(Some(10 + HOLD_MS), &mut out);
        assert_eq!(ids(&out), ["gap3-4", "5ae", "gap6-6", "7ag"]);
        // end of input releases too
        let mut l = L::default();
        let mut out = Vec::new();
        l.on_state(&[], Some(0), SINCE, &mut out);
        l.on_action(Some(3), "c", 10, SINCE, &mut out);
        l.expire(None, &mut out);
        assert_eq!(ids(&out), ["gap1-2", "3ac"]);
    }

    #[test]
    fn first_action_of_a_streaming_app_is_its_baseline() {
        let mut l = L::default();
        let mut out = Vec::new();
        l.on_action(Some(7), "g", 1, SINCE, &mut out);
        l.on_action(Some(8), "h", 2, SINCE, &mut out);
        // the STATE answering START repeats 1..8: nothing new
        l.on_state(&[e(6, 1), e(7, 150), e(8, 160)], Some(8), SINCE, &mut out);
        assert_eq!(ids(&out), ["7ag", "8ah"]);
    }

    #[test]
    fn idless_apps_print_every_action_and_states_only_move_the_baseline() {
        let mut l = L::default();
        let mut out = Vec::new();
        l.on_action(None, "a", 1, SINCE, &mut out);
        l.on_action(None, "a", 2, SINCE, &mut out);
        l.on_state(&[e(1, 200), e(2, 200)], Some(2), SINCE, &mut out);
        assert_eq!(ids(&out), ["-1aa", "-1aa"]);
    }

    #[test]
    fn a_reset_history_starts_again() {
        let mut l = L::default();
        let mut out = Vec::new();
        l.on_state(&[], Some(0), SINCE, &mut out);
        l.on_action(Some(1), "a", 1, SINCE, &mut out);
        l.on_action(Some(2), "b", 2, SINCE, &mut out);
        // another monitor COMMITted: ids start over at 1
        l.on_state(&[], Some(0), SINCE, &mut out);
        l.on_action(Some(1), "c", 3, SINCE, &mut out);
        assert_eq!(ids(&out), ["1aa", "2ab", "1ac"]);
    }

    #[test]
    fn entries_committed_before_rdx_are_not_gaps() {
        let mut l = L::default();
        let mut out = Vec::new();
        // all held entries are new by the clock, older ids were committed
        l.on_state(&[e(5, 150), e(6, 160)], Some(6), SINCE, &mut out);
        assert_eq!(ids(&out), ["5s0", "6s1"]);
    }
}
