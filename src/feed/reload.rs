//! Reloads (SPEC.md "Reloads: a selection follows its app"): a pure detector.
//!
//! A browser reload is a new store: the old instance goes gone, and a few ms
//! later a new instance of the same app says START. Nothing in the messages
//! ties them together but the app name and the timing, so the rule is: an
//! instance of app A goes gone, and within [`WINDOW_MS`] exactly one new
//! instance of A appears and stays, and no other instance of A went gone in
//! that window. An instance that appears and goes again inside the window (a
//! dev server's short-lived store) does not count. The verdict comes as soon
//! as the one candidate has stayed [`STAY_MS`], or when the window closes.
//!
//! Times are epoch ms from the feed: receive times live, recorded times in
//! replay, so both decide the same way.

use std::collections::{HashMap, VecDeque};

use crate::feed::deadlines::Deadlines;

/// How long after an instance goes gone its replacement may appear.
pub(crate) const WINDOW_MS: u64 = 3000;
/// How long a candidate must stay before it is taken without waiting for the
/// window to close.
pub(crate) const STAY_MS: u64 = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// `old` reloaded as `new`.
    Reload { old: String, new: String },
    /// No new instance of the app stayed.
    Vanished { old: String },
    /// Several instances of the app went gone, or several new ones stayed.
    Ambiguous { old: String, app: String },
}

#[derive(Debug)]
struct Window {
    old: String,
    /// When `old` went gone.
    at: u64,
    /// New instances of the app (key → first seen) since the window opened.
    candidates: HashMap<String, u64>,
    /// Another instance of the app went gone in this window.
    crowded: bool,
}

impl Window {
    /// When this window closes (times near the end of u64 saturate).
    fn closes(&self) -> u64 {
        self.at.saturating_add(WINDOW_MS)
    }

    /// Its one candidate, if it has exactly one.
    fn only(&self) -> Option<(&String, u64)> {
        match self.candidates.len() {
            1 => self.candidates.iter().next().map(|(k, s)| (k, *s)),
            _ => None,
        }
    }

    /// When it can be decided.
    fn due(&self) -> u64 {
        match self.only() {
            Some((_, seen)) if !self.crowded => seen.saturating_add(STAY_MS).min(self.closes()),
            _ => self.closes(),
        }
    }
}

/// The open windows, per app, oldest first. Only the newest window of an app
/// can be uncrowded (a second gone crowds every window open before it), so
/// each event touches a few windows, however many are open: a storm of
/// thousands of instances going at once costs what it holds. The apps are
/// also indexed by when their next decision is due, so finding the next one
/// (on every event) and deciding what is due are O(log n) in the apps.
#[derive(Debug, Default)]
pub(crate) struct Reloads {
    apps: HashMap<String, VecDeque<Window>>,
    dues: Deadlines<String>,
}

impl Reloads {
    /// `key` of app `app` went gone at `at`. `recent` gives the instances of
    /// the same app that are live and were first seen at or after the time
    /// `key` was last heard from (when rdx learns of a loss late, after its
    /// own reconnect, its replacement may already be there); it is asked
    /// only when they can matter (the window this opens is not crowded).
    pub(crate) fn gone(
        &mut self,
        key: &str,
        app: Option<&str>,
        at: u64,
        recent: impl FnOnce() -> Vec<(String, u64)>,
    ) {
        let Some(app) = app else { return };
        let open = self.apps.entry(app.to_string()).or_default();
        // A candidate that goes again inside its window does not count, and
        // its going is no reload of its own.
        if let Some(w) = open.back_mut()
            && w.candidates.remove(key).is_some()
        {
            self.due_changed(app);
            return;
        }
        // Windows are in time order: the newest says whether one is open.
        let crowded = open.back().is_some_and(|w| at <= w.closes());
        for w in open.iter_mut().rev() {
            if w.crowded {
                break; // the ones before it were crowded when it was
            }
            if at <= w.closes() {
                w.crowded = true;
            }
        }
        // A crowded window ends ambiguous whatever its candidates are.
        let candidates = match crowded {
            true => HashMap::new(),
            false => recent().into_iter().filter(|(k, _)| k != key).collect(),
        };
        open.push_back(Window {
            old: key.to_string(),
            at,
            candidates,
            crowded,
        });
        self.due_changed(app);
    }

    /// A new instance `key` of app `app` was first seen at `at`.
    pub(crate) fn appeared(&mut self, key: &str, app: Option<&str>, at: u64) {
        let Some(app) = app else { return };
        let Some(w) = self.apps.get_mut(app).and_then(|open| open.back_mut()) else {
            return;
        };
        // Crowded windows end ambiguous whatever appears.
        if !w.crowded && at >= w.at && at <= w.closes() && !w.candidates.contains_key(key) {
            w.candidates.insert(key.to_string(), at);
            self.due_changed(app);
        }
    }

    /// `key` (of app `app`) is no longer known to rdx at all (the registry
    /// let it go): it is no candidate any more.
    pub(crate) fn forget(&mut self, key: &str, app: Option<&str>) {
        let Some(app) = app else { return };
        if let Some(w) = self.apps.get_mut(app).and_then(|open| open.back_mut())
            && w.candidates.remove(key).is_some()
        {
            self.due_changed(app);
        }
    }

    /// Keep the index of due times in step with `app`'s windows.
    fn due_changed(&mut self, app: &str) {
        let due = self.apps.get(app).and_then(|open| {
            [open.front(), open.back()]
                .into_iter()
                .flatten()
                .map(Window::due)
                .min()
        });
        self.dues.set(app, due);
        if due.is_none() {
            self.apps.remove(app);
        }
    }

    /// Every candidate of every open window.
    #[cfg(test)]
    pub(crate) fn candidates(&self) -> Vec<String> {
        let windows = self.apps.values().flatten();
        windows.flat_map(|w| w.candidates.keys().cloned()).collect()
    }

    /// The time of the next decision, if a window is open.
    pub(crate) fn due(&self) -> Option<u64> {
        self.dues.first()
    }

    /// Decide every window that can be decided at `now` (None: the input
    /// ended, decide all).
    pub(crate) fn tick(&mut self, now: Option<u64>) -> Vec<Verdict> {
        let mut out = Vec::new();
        for app in self.dues.take_due(now) {
            let Some(open) = self.apps.get_mut(&app) else {
                continue;
            };
            while let Some(w) = open.front() {
                match decide(w, &app, now) {
                    Some(v) => {
                        out.push(v);
                        open.pop_front();
                    }
                    None => break,
                }
            }
            // The newest may be decided early (its one candidate stayed).
            if let Some(w) = open.back()
                && let Some(v) = decide(w, &app, now)
            {
                out.push(v);
                open.pop_back();
            }
            self.due_changed(&app);
        }
        out
    }
}

/// The verdict on one window at `now`, if it can be given.
fn decide(w: &Window, app: &str, now: Option<u64>) -> Option<Verdict> {
    let closed = now.is_none_or(|n| n >= w.closes());
    let ambiguous = || Verdict::Ambiguous {
        old: w.old.clone(),
        app: app.to_string(),
    };
    match (w.candidates.len(), w.only(), w.crowded) {
        (_, _, true) if closed => Some(ambiguous()),
        (_, Some((new, seen)), false)
            if closed || now.is_some_and(|n| n >= seen.saturating_add(STAY_MS)) =>
        {
            Some(Verdict::Reload {
                old: w.old.clone(),
                new: new.clone(),
            })
        }
        (0, _, false) if closed => Some(Verdict::Vanished { old: w.old.clone() }),
        (2.., _, false) if closed => Some(ambiguous()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reload(old: &str, new: &str) -> Verdict {
        Verdict::Reload {
            old: old.into(),
            new: new.into(),
        }
    }

    #[test]
    fn one_new_instance_that_stays_is_a_reload() {
        let mut r = Reloads::default();
        r.gone("a", Some("shop"), 1000, Vec::new);
        r.appeared("other", Some("admin"), 1030);
        r.appeared("b", Some("shop"), 1040);
        assert_eq!(r.due(), Some(1040 + STAY_MS));
        assert!(r.tick(Some(1500)).is_empty());
        assert_eq!(r.tick(Some(2040)), vec![reload("a", "b")]);
        assert_eq!(r.due(), None);
    }

    #[test]
    fn a_short_lived_store_does_not_count() {
        let mut r = Reloads::default();
        r.gone("a", Some("shop"), 1000, Vec::new);
        r.appeared("flash", Some("shop"), 1020);
        r.gone("flash", Some("shop"), 1080, Vec::new);
        r.appeared("b", Some("shop"), 1100);
        assert_eq!(r.tick(Some(2100)), vec![reload("a", "b")]);
    }

    #[test]
    fn nothing_new_or_too_late_vanishes() {
        let mut r = Reloads::default();
        r.gone("a", Some("shop"), 1000, Vec::new);
        r.appeared("late", Some("shop"), 1000 + WINDOW_MS + 1);
        assert!(r.tick(Some(3999)).is_empty());
        assert_eq!(
            r.tick(Some(4000)),
            vec![Verdict::Vanished { old: "a".into() }]
        );
    }

    #[test]
    fn two_tabs_reloading_at_once_are_ambiguous() {
        let mut r = Reloads::default();
        r.gone("a", Some("shop"), 1000, Vec::new);
        r.gone("b", Some("shop"), 1005, Vec::new);
        r.appeared("c", Some("shop"), 1040);
        r.appeared("d", Some("shop"), 1045);
        // no early decision when crowded
        assert!(r.tick(Some(2500)).is_empty());
        let v = r.tick(Some(4005));
        assert_eq!(v.len(), 2);
        assert!(
            v.iter()
                .all(|v| matches!(v, Verdict::Ambiguous { app, .. } if app == "shop"))
        );
    }

    #[test]
    fn two_new_ones_that_stay_are_ambiguous() {
        let mut r = Reloads::default();
        r.gone("a", Some("shop"), 1000, Vec::new);
        r.appeared("c", Some("shop"), 1040);
        r.appeared("d", Some("shop"), 1045);
        assert!(r.tick(Some(2500)).is_empty());
        assert_eq!(
            r.tick(Some(4000)),
            vec![Verdict::Ambiguous {
                old: "a".into(),
                app: "shop".into()
            }]
        );
    }

    #[test]
    fn a_replacement_seen_before_the_loss_was_known() {
        let mut r = Reloads::default();
        // rdx learns at 40_000 (its grace after a reconnect) that "a" is
        // gone; "b" has been there since 12_000
        r.gone("a", Some("shop"), 40_000, || vec![("b".into(), 12_000)]);
        assert_eq!(r.tick(Some(40_000)), vec![reload("a", "b")]);
    }

    #[test]
    fn times_at_the_end_of_u64_never_wrap() {
        let mut r = Reloads::default();
        r.gone("a", Some("shop"), u64::MAX - 10, Vec::new);
        r.appeared("b", Some("shop"), u64::MAX);
        assert_eq!(r.due(), Some(u64::MAX));
        assert_eq!(r.tick(Some(u64::MAX)), vec![reload("a", "b")]);
        r.gone("c", Some("shop"), u64::MAX, Vec::new);
        r.gone("d", Some("shop"), u64::MAX, Vec::new);
        assert_eq!(r.tick(None).len(), 2);
    }

    #[test]
    fn end_of_input_decides_everything() {
        let mut r = Reloads::default();
        r.gone("a", Some("shop"), 1000, Vec::new);
        r.appeared("b", Some("shop"), 1040);
        assert_eq!(r.tick(None), vec![reload("a", "b")]);
        r.gone("x", None, 1000, Vec::new);
        assert_eq!(r.due(), None, "no app name, no window");
    }
}
