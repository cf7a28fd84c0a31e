//! Following one instance across reloads (SPEC.md "Reloads: a selection
//! follows its app"): a pure state machine of which instance a selection
//! follows and what it does when that instance goes. The feed does what it
//! decides (the notes, the items held back, the end of the stream).

use crate::feed::reload::Verdict;
use crate::model::selection::{Matcher, Resolution, Selection};

/// How a selector may move when its instance goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Moves {
    /// `--instance ID`: never moves.
    Literal,
    /// `--instance-select` with an id or a label: moves on a reload only.
    Named,
    /// Filters or a `/regex/`: resolved again.
    Pattern,
}

impl Moves {
    pub(super) fn of(sel: &Selection) -> Moves {
        if sel.instance.is_some() {
            Moves::Literal
        } else if matches!(sel.select, Some(Matcher::Exact(_))) {
            Moves::Named
        } else {
            Moves::Pattern
        }
    }
}

#[derive(Debug)]
pub(super) enum Follow {
    /// No selector: every instance the filters admit.
    All,
    /// Live, before the selector is resolved.
    Resolving,
    One(String),
    /// The followed instance went gone; `decided`: no reload,
    /// waiting for the selection to match one live instance again.
    Lost {
        old: String,
        decided: bool,
    },
    /// The followed instance ended (gone, no reload, and the selection may
    /// not move): the stream is over.
    Ended(String),
}

/// What the feed does after a transition.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Next {
    /// Nothing more.
    Stay,
    /// Follow this instance instead of the one that went.
    Switch(String),
    /// The followed instance ended and the selection may not move: what it
    /// still had goes out, then the stream ends.
    End,
    /// No reload replaced it: match the selection against the live
    /// instances again (see [`Follow::rematch`]).
    Rematch,
    /// Several live instances match now: the selection's error.
    Several,
}

impl Follow {
    /// The instance followed, if one is (or the one that ended the stream).
    pub(super) fn followed(&self) -> Option<&str> {
        match self {
            Follow::One(k) | Follow::Ended(k) => Some(k),
            _ => None,
        }
    }

    /// The instance whose end ended the stream, if that is why it ended.
    pub(super) fn ended_with(&self) -> Option<&str> {
        match self {
            Follow::Ended(k) => Some(k),
            _ => None,
        }
    }

    /// `instance` went gone: if it is the one followed, it is lost (waiting
    /// for the verdict on a reload), or, for a selector that never moves,
    /// the end.
    pub(super) fn gone(&mut self, instance: &str, moves: Moves) -> Next {
        if !matches!(self, Follow::One(k) if k == instance) {
            return Next::Stay;
        }
        if moves == Moves::Literal {
            return Next::End;
        }
        *self = Follow::Lost {
            old: instance.to_string(),
            decided: false,
        };
        Next::Stay
    }

    /// The verdict on an instance that went: for the lost one, follow what
    /// reloaded it; else a name ends, and a pattern is matched again.
    pub(super) fn verdict(&mut self, verdict: &Verdict, moves: Moves) -> Next {
        let old = match verdict {
            Verdict::Reload { old, .. }
            | Verdict::Ambiguous { old, .. }
            | Verdict::Vanished { old } => old,
        };
        let Follow::Lost { old: lost, decided } = self else {
            return Next::Stay;
        };
        if *decided || lost != old {
            return Next::Stay;
        }
        match verdict {
            Verdict::Reload { new, .. } => Next::Switch(new.clone()),
            _ if moves == Moves::Named => Next::End,
            _ => {
                *decided = true;
                Next::Rematch
            }
        }
    }

    /// What the selection matches among the live instances now (`live`),
    /// while its instance is lost: the one other match is followed.
    pub(super) fn rematch(&self, live: &Resolution) -> Next {
        let Follow::Lost { old, .. } = self else {
            return Next::Stay;
        };
        match live {
            Resolution::One(k) if k != old => Next::Switch(k.clone()),
            Resolution::Several(_) => Next::Several,
            _ => Next::Stay,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(k: &str) -> Follow {
        Follow::One(k.into())
    }

    fn reload(old: &str, new: &str) -> Verdict {
        Verdict::Reload {
            old: old.into(),
            new: new.into(),
        }
    }

    fn vanished(old: &str) -> Verdict {
        Verdict::Vanished { old: old.into() }
    }

    #[test]
    fn moves_by_selector() {
        let sel = |instance: Option<&str>, select: Option<&str>| Selection {
            instance: instance.map(str::to_string),
            select: select.map(|s| Matcher::parse(s, "--instance-select").unwrap()),
            ..Default::default()
        };
        assert_eq!(Moves::of(&sel(Some("a"), Some("x"))), Moves::Literal);
        assert_eq!(Moves::of(&sel(None, Some("checkout"))), Moves::Named);
        assert_eq!(Moves::of(&sel(None, Some("/shop/"))), Moves::Pattern);
        assert_eq!(Moves::of(&sel(None, None)), Moves::Pattern);
    }

    #[test]
    fn only_the_followed_instance_going_matters() {
        let mut f = one("a");
        assert_eq!(f.gone("b", Moves::Pattern), Next::Stay);
        assert!(matches!(&f, Follow::One(k) if k == "a"));
        assert_eq!(f.gone("a", Moves::Literal), Next::End);
        assert!(matches!(&f, Follow::One(_)), "the feed ends it");
        assert_eq!(f.gone("a", Moves::Named), Next::Stay);
        assert!(matches!(&f, Follow::Lost { old, decided: false } if old == "a"));
        let mut all = Follow::All;
        assert_eq!(all.gone("a", Moves::Pattern), Next::Stay);
        assert!(matches!(all, Follow::All));
    }

    #[test]
    fn a_reload_of_the_lost_instance_is_followed() {
        for moves in [Moves::Named, Moves::Pattern] {
            let mut f = one("a");
            f.gone("a", moves);
            assert_eq!(f.verdict(&reload("b", "c"), moves), Next::Stay);
            assert_eq!(
                f.verdict(&reload("a", "a2"), moves),
                Next::Switch("a2".into())
            );
        }
    }

    #[test]
    fn no_reload_ends_a_name_and_rematches_a_pattern() {
        let mut f = one("a");
        f.gone("a", Moves::Named);
        assert_eq!(f.verdict(&vanished("a"), Moves::Named), Next::End);
        let mut f = one("a");
        f.gone("a", Moves::Pattern);
        let unclear = Verdict::Ambiguous {
            old: "a".into(),
            app: "shop".into(),
        };
        assert_eq!(f.verdict(&unclear, Moves::Pattern), Next::Rematch);
        assert!(matches!(&f, Follow::Lost { decided: true, .. }));
        // Decided: a later verdict changes nothing.
        assert_eq!(f.verdict(&reload("a", "a2"), Moves::Pattern), Next::Stay);
    }

    #[test]
    fn a_lost_selection_follows_the_one_other_live_match() {
        let mut f = one("a");
        assert_eq!(f.rematch(&Resolution::One("b".into())), Next::Stay);
        f.gone("a", Moves::Pattern);
        assert_eq!(f.rematch(&Resolution::None), Next::Stay);
        assert_eq!(f.rematch(&Resolution::One("a".into())), Next::Stay);
        assert_eq!(
            f.rematch(&Resolution::One("b".into())),
            Next::Switch("b".into())
        );
        let several = Resolution::Several(vec!["b".into(), "c".into()]);
        assert_eq!(f.rematch(&several), Next::Several);
    }

    #[test]
    fn followed_and_ended() {
        assert_eq!(one("a").followed(), Some("a"));
        assert_eq!(one("a").ended_with(), None);
        let e = Follow::Ended("a".into());
        assert_eq!((e.followed(), e.ended_with()), (Some("a"), Some("a")));
        let lost = Follow::Lost {
            old: "a".into(),
            decided: false,
        };
        assert_eq!((lost.followed(), Follow::All.followed()), (None, None));
    }
}
