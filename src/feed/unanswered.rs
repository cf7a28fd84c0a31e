//! On the Expo plugin socket nobody says an app went away: the dev server
//! relays frames and sends no DISCONNECTED, so a reloaded page's old
//! instance would stay `live` for ever, and a reload would never be one.
//! What there is instead: an app that starts says START, a monitor answers
//! with `respond START` (rdx, or the plugin's web UI), and every live
//! instance of the plugin answers that with a STATE. So after an instance
//! of app A says START at `t`, the instances of A that have not been heard
//! since `t` when [`ANSWER_MS`] has passed did not answer: they are gone.
//! Times are the feed's (receive times live, recorded times in replay), so
//! a recording decides as the live run did.

use std::collections::HashMap;

use crate::feed::deadlines::Deadlines;

/// How long the live instances have to answer the START that follows an
/// app's START (rdx's START waits `link::expo::START_GRACE` for another
/// monitor's; the STATEs come within milliseconds after).
pub(crate) const ANSWER_MS: u64 = 3000;

/// The apps that started and wait for their others to answer: per app, the
/// latest start and who made it (the others answer the START that follows
/// it, if they are there, whenever they started themselves).
#[derive(Debug, Default)]
pub(crate) struct Unanswered {
    apps: HashMap<String, (u64, String)>,
    dues: Deadlines<String>,
}

/// An app whose answers are due: its instances not heard since `since`,
/// other than `starter`, are gone.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Due {
    pub(crate) app: String,
    pub(crate) since: u64,
    pub(crate) starter: String,
}

impl Unanswered {
    /// `instance` of `app` said START at `t`.
    pub(crate) fn started(&mut self, app: &str, instance: &str, t: u64) {
        let latest = self
            .apps
            .entry(app.to_string())
            .or_insert_with(|| (t, instance.to_string()));
        if t >= latest.0 {
            *latest = (t, instance.to_string());
        }
        self.dues.set(app, Some(latest.0.saturating_add(ANSWER_MS)));
    }

    pub(crate) fn due(&self) -> Option<u64> {
        self.dues.first()
    }

    /// The apps due at `now` (None: the input ended, all of them).
    pub(crate) fn take_due(&mut self, now: Option<u64>) -> Vec<Due> {
        self.dues
            .take_due(now)
            .into_iter()
            .filter_map(|app| {
                let (since, starter) = self.apps.remove(&app)?;
                Some(Due {
                    app,
                    since,
                    starter,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_app_that_starts_waits_for_its_others_then_says_who_did_not_answer() {
        let mut u = Unanswered::default();
        assert_eq!(u.due(), None);
        u.started("shop", "old", 10);
        u.started("shop", "new", 1500);
        u.started("admin", "a1", 1200);
        assert_eq!(u.due(), Some(1200 + ANSWER_MS));
        // The later start moves the shop's window on: every other shop
        // instance answers the START that follows the newest.
        assert!(u.take_due(Some(10 + ANSWER_MS)).is_empty());
        let due = u.take_due(Some(1200 + ANSWER_MS));
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].app, "admin");
        let due = u.take_due(Some(1500 + ANSWER_MS));
        assert_eq!(
            due,
            vec![Due {
                app: "shop".into(),
                since: 1500,
                starter: "new".into(),
            }]
        );
        assert_eq!(u.due(), None);
        u.started("x", "i", 5);
        assert_eq!(u.take_due(None).len(), 1);
    }
}
