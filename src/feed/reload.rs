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
    app: String,
    /// When `old` went gone.
    at: u64,
    /// New instances of `app` (instance, first seen) since the window opened.
    candidates: Vec<(String, u64)>,
    /// Another instance of `app` went gone in this window.
    crowded: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Reloads {
    windows: Vec<Window>,
}

impl Reloads {
    /// `instance` of app `app` went gone at `at`. `recent` are the instances of
    /// the same app that are live and were first seen at or after the time
    /// `instance` was last heard from (when rdx learns of a loss late, after its
    /// own reconnect, its replacement may already be there).
    pub(crate) fn gone(
        &mut self,
        instance: &str,
        app: Option<&str>,
        at: u64,
        recent: Vec<(String, u64)>,
    ) {
        // A candidate that goes again inside its window does not count, and
        // its going is no reload of its own.
        let mut was_candidate = false;
        for w in &mut self.windows {
            let before = w.candidates.len();
            w.candidates.retain(|(k, _)| k != instance);
            was_candidate |= w.candidates.len() != before;
        }
        let Some(app) = app else { return };
        if was_candidate {
            return;
        }
        let mut crowded = false;
        for w in &mut self.windows {
            if w.app == app && at <= w.at + WINDOW_MS {
                w.crowded = true;
                crowded = true;
            }
        }
        self.windows.push(Window {
            old: instance.to_string(),
            app: app.to_string(),
            at,
            candidates: recent.into_iter().filter(|(k, _)| k != instance).collect(),
            crowded,
        });
    }

    /// A new instance `instance` of app `app` was first seen at `at`.
    pub(crate) fn appeared(&mut self, instance: &str, app: Option<&str>, at: u64) {
        let Some(app) = app else { return };
        for w in &mut self.windows {
            if w.app == app
                && at >= w.at
                && at <= w.at + WINDOW_MS
                && w.candidates.iter().all(|(k, _)| k != instance)
            {
                w.candidates.push((instance.to_string(), at));
            }
        }
    }

    /// The time of the next decision, if a window is open.
    pub(crate) fn due(&self) -> Option<u64> {
        self.windows
            .iter()
            .map(|w| match &w.candidates[..] {
                [(_, seen)] if !w.crowded => (seen + STAY_MS).min(w.at + WINDOW_MS),
                _ => w.at + WINDOW_MS,
            })
            .min()
    }

    /// Decide every window that can be decided at `now` (None: the input
    /// ended, decide all).
    pub(crate) fn tick(&mut self, now: Option<u64>) -> Vec<Verdict> {
        let mut out = Vec::new();
        self.windows.retain(|w| {
            let closed = now.is_none_or(|n| n >= w.at + WINDOW_MS);
            let verdict = match (&w.candidates[..], w.crowded) {
                (_, true) if closed => Verdict::Ambiguous {
                    old: w.old.clone(),
                    app: w.app.clone(),
                },
                ([(new, seen)], false) if closed || now.is_some_and(|n| n >= seen + STAY_MS) => {
                    Verdict::Reload {
                        old: w.old.clone(),
                        new: new.clone(),
                    }
                }
                ([], false) if closed => Verdict::Vanished { old: w.old.clone() },
                ([_, _, ..], false) if closed => Verdict::Ambiguous {
                    old: w.old.clone(),
                    app: w.app.clone(),
                },
                _ => return true,
            };
            out.push(verdict);
            false
        });
        out
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
        r.gone("a", Some("shop"), 1000, vec![]);
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
        r.gone("a", Some("shop"), 1000, vec![]);
        r.appeared("flash", Some("shop"), 1020);
        r.gone("flash", Some("shop"), 1080, vec![]);
        r.appeared("b", Some("shop"), 1100);
        assert_eq!(r.tick(Some(2100)), vec![reload("a", "b")]);
    }

    #[test]
    fn nothing_new_or_too_late_vanishes() {
        let mut r = Reloads::default();
        r.gone("a", Some("shop"), 1000, vec![]);
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
        r.gone("a", Some("shop"), 1000, vec![]);
        r.gone("b", Some("shop"), 1005, vec![]);
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
        r.gone("a", Some("shop"), 1000, vec![]);
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
        r.gone("a", Some("shop"), 40_000, vec![("b".into(), 12_000)]);
        assert_eq!(r.tick(Some(40_000)), vec![reload("a", "b")]);
    }

    #[test]
    fn end_of_input_decides_everything() {
        let mut r = Reloads::default();
        r.gone("a", Some("shop"), 1000, vec![]);
        r.appeared("b", Some("shop"), 1040);
        assert_eq!(r.tick(None), vec![reload("a", "b")]);
        r.gone("x", None, 1000, vec![]);
        assert_eq!(r.due(), None, "no app name, no window");
    }
}
