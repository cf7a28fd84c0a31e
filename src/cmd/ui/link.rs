//! What the status line says of the link: connecting, connected, lost and
//! reconnecting (since when, why), and after an outage how long it lasted
//! and what came back: the actions recovered from the apps' states (marked
//! ↺ in the list) and those the apps no longer held (gap rows). A pure type
//! changed by the feed's events, as the UI's state is.

use crate::output::sanitize;
use crate::time::{age, clock_ms};

/// After the link is back, actions and gaps this soon count as what the
/// outage cost: the server's answer to rdx's UPDATE, and each app's next
/// message, come within it.
pub(crate) const RECOVERY_MS: u64 = 10_000;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    /// The link was made at least once.
    made: bool,
    /// Lost since this time, for this reason.
    lost: Option<(u64, String)>,
    /// The last outage, once the link came back.
    last: Option<Outage>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outage {
    /// When the link was lost and when it came back.
    pub(crate) from: u64,
    pub(crate) to: u64,
    /// Actions that reached rdx only inside a state after it.
    pub(crate) recovered: u64,
    /// Actions the apps no longer held.
    pub(crate) lost: u64,
}

impl Link {
    /// The link was made (`lost` None) or lost at `t`.
    pub(crate) fn on_link(&mut self, t: u64, lost: Option<&str>) {
        match lost {
            Some(why) => {
                if self.lost.is_none() {
                    self.lost = Some((t, why.to_string()));
                } else if let Some((_, w)) = &mut self.lost {
                    // A failed attempt to reconnect: the newest reason.
                    *w = why.to_string();
                }
            }
            None => {
                if let Some((from, _)) = self.lost.take() {
                    self.last = Some(Outage {
                        from,
                        to: t.max(from),
                        recovered: 0,
                        lost: 0,
                    });
                }
                self.made = true;
            }
        }
    }

    /// An action came at `t`; `via_state`: recovered from a state.
    pub(crate) fn on_action(&mut self, t: u64, via_state: bool) {
        if via_state && let Some(o) = self.recovering(t) {
            o.recovered += 1;
        }
    }

    /// `n` actions were lost (a gap) at `t`.
    pub(crate) fn on_gap(&mut self, t: u64, n: u64) {
        if let Some(o) = self.recovering(t) {
            o.lost += n;
        }
    }

    fn recovering(&mut self, t: u64) -> Option<&mut Outage> {
        self.last
            .as_mut()
            .filter(|o| self.lost.is_none() && t <= o.to.saturating_add(RECOVERY_MS))
    }

    /// Is the link down now?
    pub(crate) fn is_down(&self) -> bool {
        self.lost.is_some()
    }

    /// The status line's words at `now`.
    pub(crate) fn text(&self, now: u64) -> String {
        if let Some((since, why)) = &self.lost {
            return format!(
                "reconnecting for {} ({})",
                age(now.saturating_sub(*since)),
                sanitize(why)
            );
        }
        if !self.made {
            return "connecting".into();
        }
        match &self.last {
            None => "connected".into(),
            Some(o) => format!(
                "connected · back at {} after {} down: {} recovered, {} lost",
                clock_ms(o.to),
                age(o.to - o.from),
                o.recovered,
                o.lost
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outage_says_how_long_it_lasted_and_what_came_back() {
        let mut l = Link::default();
        assert_eq!(l.text(0), "connecting");
        l.on_link(1_000, None);
        assert_eq!(l.text(2_000), "connected");
        l.on_action(1_500, true);
        l.on_link(10_000, Some("the server closed the link"));
        assert!(l.is_down());
        assert_eq!(
            l.text(13_500),
            "reconnecting for 3s (the server closed the link)"
        );
        l.on_link(11_000, Some("connection refused"));
        assert_eq!(l.text(14_000), "reconnecting for 4s (connection refused)");
        // Nothing counts while the link is down.
        l.on_action(12_000, true);
        l.on_link(15_250, None);
        assert!(!l.is_down());
        l.on_action(15_300, true);
        l.on_action(15_301, true);
        l.on_action(15_302, false);
        l.on_gap(15_400, 3);
        // Later ones are the apps' own business, not the outage's.
        l.on_action(15_250 + RECOVERY_MS + 1, true);
        l.on_gap(15_250 + RECOVERY_MS + 1, 1);
        let text = l.text(16_000);
        assert!(
            text.ends_with("after 5s down: 2 recovered, 3 lost"),
            "{text}"
        );
        assert!(text.starts_with("connected · back at "), "{text}");
    }

    #[test]
    fn a_reason_from_the_wire_is_stripped_of_control_characters() {
        let mut l = Link::default();
        l.on_link(1, None);
        l.on_link(2, Some("bad \u{1b}[2J frame"));
        assert!(!l.text(3).contains('\u{1b}'));
    }
}
