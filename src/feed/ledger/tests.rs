//! Unit tests of `ledger`.
use super::*;

type L = Ledger<&'static str>;
const SINCE: Baseline = Baseline::Since(100);

fn e(id: i64, ts: u64) -> Entry {
    Entry { id, ts: Some(ts) }
}

fn ids(out: &[Order<&str>]) -> Vec<String> {
    out.iter()
        .map(|s| match s {
            Order::Emit { id, from } => match from {
                Origin::Action(a) => format!("{}a{a}", id.unwrap_or(-1)),
                Origin::State(i) => format!("{}s{i}", id.unwrap_or(-1)),
            },
            Order::Gap { from, to } => format!("gap{from}-{to}"),
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

#[test]
fn a_flood_while_holding_ends_the_wait() {
    let mut l = L::default();
    let mut out = Vec::new();
    l.on_state(&[], Some(0), SINCE, &mut out);
    l.on_action(Some(5), "first", 10, SINCE, &mut out);
    assert_eq!(l.due(), Some(10 + HOLD_MS));
    for n in 6..(5 + super::MAX_HELD as i64) {
        l.on_action(Some(n), "more", 11, SINCE, &mut out);
    }
    assert_eq!(l.due(), Some(0), "due at once");
    l.expire(Some(12), &mut out);
    assert_eq!(
        out.len(),
        1 + super::MAX_HELD,
        "the gap, then every held action"
    );
}

#[test]
fn a_big_state_over_a_full_hold_costs_log_n_per_entry() {
    // 10,000 ACTIONs wait (ids 3..=10_002, id 2 missing); a STATE with
    // 1,000,000 entries fills the hole. Each entry used to be looked for among
    // every held action (10¹⁰ comparisons: minutes in a debug build).
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut l = L::default();
        l.saw_start();
        let mut out = Vec::new();
        l.on_action(Some(1), "a", 1, SINCE, &mut out);
        for id in 3..=10_002 {
            l.on_action(Some(id), "a", 2, SINCE, &mut out);
        }
        let entries: Vec<Entry> = (1..=1_000_001).map(|id| e(id, 3)).collect();
        l.on_state(&entries, Some(1_000_001), SINCE, &mut out);
        let _ = tx.send(out);
    });
    let out = rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("watchdog: the STATE is still being merged after 20 s");
    assert_eq!(out.len(), 1_000_001);
    let from_action = out
        .iter()
        .filter(|s| {
            matches!(
                s,
                Order::Emit {
                    from: Origin::Action(_),
                    ..
                }
            )
        })
        .count();
    assert_eq!(from_action, 1 + 10_000, "what came as an ACTION stays so");
    let emitted: Vec<i64> = out
        .iter()
        .map(|s| match s {
            Order::Emit { id, .. } => id.unwrap(),
            Order::Gap { .. } => panic!("no gap: the STATE filled it"),
        })
        .collect();
    assert_eq!(emitted, (1..=1_000_001).collect::<Vec<_>>());
}

#[test]
fn extreme_ids_and_times_never_wrap() {
    // Ids come checked (0..=2^53); the ledger holds up all the same.
    for (first, then) in [
        (i64::MAX, i64::MIN),
        (i64::MIN, i64::MAX),
        (0, i64::MAX),
        (-1, i64::MIN),
    ] {
        for start in [false, true] {
            let mut l = L::default();
            if start {
                l.saw_start();
            }
            let mut out = Vec::new();
            l.on_action(Some(first), "a", u64::MAX, SINCE, &mut out);
            l.on_action(Some(then), "b", u64::MAX, SINCE, &mut out);
            assert!(l.due().is_none_or(|d| d == u64::MAX));
            l.on_state(
                &[e(then, u64::MAX), e(first, 0)],
                Some(i64::MAX),
                SINCE,
                &mut out,
            );
            l.expire(None, &mut out);
            for s in &out {
                if let Order::Gap { from, to } = s {
                    assert!(from <= to, "{first} {then}: {out:?}");
                }
            }
        }
    }
    let mut l = L::default();
    let mut out = Vec::new();
    l.on_state(&[e(i64::MIN, 1)], None, Baseline::Since(u64::MAX), &mut out);
}
