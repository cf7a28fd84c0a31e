//! The selection the feed follows. It resolves it to one instance (live: wait
//! for a match and settle; replay: the whole file first), follows the app
//! across a reload and resolves it again when its instance goes (as
//! `follow` decides), and says why, as data, when none or several match.

use std::time::Instant;

use crate::error::{Result, SelectionError};
pub(super) use crate::feed::follow::Follow;
use crate::feed::follow::{Moves, Next};
use crate::feed::reload::Verdict;
use crate::feed::{Feed, Item, Options, SETTLE, Setup};
use crate::model::labels;
use crate::model::registry::{Instance, Status};
use crate::model::selection::{Resolution, Selection};
use crate::output::sanitize;

/// What [`Feed::open_selected`] follows, and how.
#[derive(Debug, Clone)]
pub(crate) struct Selected {
    /// The selection, resolved to exactly one instance.
    pub(crate) sel: Selection,
    /// The command that asks (errors name it: "`rdx tail` needs exactly one").
    pub(crate) command: &'static str,
    pub(crate) follows: Follows,
    /// When the command started: live, a match is waited for until this
    /// plus the timeout.
    pub(crate) started: Instant,
}

/// Whether a feed follows the app of its instance when it reloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Follows {
    /// Across reloads (`tail`, `watch`): a replay plays the whole chain of
    /// instances that ends at the match; live, the feed moves on to the
    /// instance that replaced the one that went.
    AcrossReloads,
    /// Only the instance the selection names, gone or not (`state`, which
    /// reads one state of it).
    Once,
}

/// The selection a feed follows, and for which command (for messages).
#[derive(Debug, Clone)]
pub(super) struct Selecting {
    pub(super) sel: Selection,
    kind: Moves,
    command: &'static str,
    follows: Follows,
}

impl Feed {
    /// Follow every instance that passes the filters of `sel` (`tail`
    /// without a selector).
    pub(crate) fn filter(&mut self, sel: Selection) {
        self.selecting = Some(Selecting {
            sel,
            kind: Moves::Pattern,
            command: "tail",
            follows: Follows::AcrossReloads,
        });
        self.follow = Follow::All;
    }

    /// After a whole replay: the instance `sel` names as at the end of the
    /// file (the gone rule and the label fallback as always), followed from
    /// now on. For `state`, which reads the file once.
    pub(crate) fn resolve_at_end(
        &mut self,
        sel: Selection,
        command: &'static str,
    ) -> Result<String> {
        let kind = Moves::of(&sel);
        let selecting = Selecting {
            sel,
            kind,
            command,
            follows: Follows::Once,
        };
        let instance = self.resolve_now(&selecting)?;
        self.selecting = Some(selecting);
        self.follow = Follow::One(instance.clone());
        Ok(instance)
    }

    /// Open a feed that follows exactly one instance: `sel` resolved as
    /// SPEC.md says (live: wait for a match, then settle; replay: against
    /// the whole file, then played from the start, from the first instance
    /// of the reload chain that ends at the match when it follows reloads).
    pub(crate) fn open_selected(cfg: &Setup, opts: Options, selected: Selected) -> Result<Feed> {
        let Selected {
            sel,
            command,
            follows,
            started,
        } = selected;
        let kind = Moves::of(&sel);
        let selecting = Selecting {
            sel,
            kind,
            command,
            follows,
        };
        if cfg.recorded() {
            // Read twice: `--replay -` is spooled first.
            let spooled = crate::feed::spool::spool_stdin(cfg)?;
            let cfg = &spooled;
            let mut scan = Feed::open(cfg, Options::default(), None)?;
            // The first pass only resolves; the second one says what happens.
            scan.quiet = true;
            scan.drain()?;
            let instance = scan.resolve_now(&selecting)?;
            let mut root = instance.clone();
            // Each instance replaces at most one; a chain that comes round
            // again (ids reused) stops where it started.
            let mut steps = 0;
            while follows == Follows::AcrossReloads
                && steps < scan.reload_log.len()
                && let Some(old) = scan.reload_log.get(&root)
            {
                root = old.clone();
                steps += 1;
            }
            let mut feed = Feed::open(cfg, opts, None)?;
            // Labels moved by the first pass are where this pass starts.
            for inst in scan.registry.iter() {
                if let Some(l) = scan.registry.user_label(&inst.id) {
                    feed.registry.set_label(&inst.id, Some(l.to_string()));
                } else if feed.registry.user_label(&inst.id).is_some() {
                    feed.registry.set_label(&inst.id, None);
                }
            }
            if let Some(l) = scan.registry.user_label(&instance).map(str::to_string) {
                feed.registry.set_label(&instance, None);
                feed.registry.set_label(&root, Some(l));
            }
            feed.selecting = Some(selecting);
            feed.follow = Follow::One(root);
            return Ok(feed);
        }
        let mut feed = Feed::open(cfg, opts, None)?;
        feed.selecting = Some(selecting.clone());
        feed.follow = Follow::Resolving;
        let deadline = started + cfg.timeout;
        let mut settle: Option<Instant> = None;
        loop {
            let until = settle.map_or(deadline, |s| s.min(deadline));
            if Instant::now() >= until {
                break;
            }
            if !feed.step(Some(until))? {
                break;
            }
            if settle.is_none() && feed.candidates(&selecting) != Resolution::None {
                settle = Some(Instant::now() + SETTLE);
            }
        }
        let instance = feed.resolve_now(&selecting)?;
        feed.follow_one(instance, false);
        Ok(feed)
    }

    /// The instance followed, if one is (or the one that ended the stream).
    pub(crate) fn followed(&self) -> Option<&str> {
        self.follow.followed()
    }

    /// The instance whose end ended the stream, if that is why it ended.
    pub(crate) fn ended_with(&self) -> Option<&str> {
        self.follow.ended_with()
    }

    /// The followed instance `old` ended with no reload and the selection
    /// may not move: what it still had goes out, then the stream ends
    /// normally (SPEC "Reloads": as `kubectl logs -f` when its container
    /// ends). `why` is said on stderr once the command has printed the rest.
    pub(super) fn end_followed(&mut self, old: &str, why: String) {
        // Actions still waiting for a STATE will get none now.
        let mut steps = Vec::new();
        if let Some(l) = self.ledgers.get_mut(old) {
            l.expire(None, &mut steps);
        }
        self.note_hold(old);
        let t = self.now();
        self.emit_steps(old, t, steps, None);
        if let Some(q) = self.held.remove(old) {
            self.ready.extend(q);
        }
        self.held.clear();
        self.follow = Follow::Ended(old.to_string());
        self.end_note = Some(format!("{why}; the stream ends"));
        self.ended = true;
    }

    /// The end of a recording: say so when what the command followed is
    /// gone by then (a selection still waiting for a match, or filters
    /// whose matches all went).
    pub(super) fn note_replay_end(&mut self) {
        if self.end_note.is_some() {
            return;
        }
        let Some(s) = &self.selecting else { return };
        if s.follows == Follows::Once {
            return;
        }
        let note = match &self.follow {
            Follow::Lost { old, .. } => Some(format!(
                "{} is gone, and the recording ended with no other instance matching {}",
                sanitize(&self.app_and_id(old)),
                s.sel.describe()
            )),
            Follow::All if s.sel.has_filters() => {
                let mut matched = self.registry.iter().filter(|i| s.sel.passes_filters(i));
                let any = matched.next().map(|i| i.status == Status::Gone);
                (any == Some(true) && matched.all(|i| i.status == Status::Gone)).then(|| {
                    format!(
                        "every instance matching {} is gone at the end of the recording",
                        s.sel.describe()
                    )
                })
            }
            _ => None,
        };
        self.end_note = note;
    }

    pub(super) fn followed_gone(&mut self, instance: &str) {
        let Some(s) = &self.selecting else { return };
        if s.follows == Follows::Once {
            return;
        }
        if self.follow.gone(instance, s.kind) == Next::End {
            let why = format!(
                "instance {} (--instance, which never moves) is gone",
                sanitize(&self.app_and_id(instance))
            );
            self.end_followed(instance, why);
        }
    }

    pub(super) fn verdict(&mut self, verdict: Verdict) {
        match &verdict {
            Verdict::Reload { old, new } => {
                // Only a replay resolves by it (live, a day of reloads
                // would grow it without bound).
                if self.replay {
                    self.reload_log
                        .entry(new.clone())
                        .or_insert_with(|| old.clone());
                }
                self.move_label(old, new);
                if self.opts.reloads {
                    self.ready.push_back(Item::Reloaded {
                        old: old.clone(),
                        new: new.clone(),
                    });
                }
            }
            Verdict::Ambiguous { old, app } => {
                if let Some(l) = self.registry.user_label(old)
                    && !self.quiet
                {
                    eprintln!(
                        "rdx: several instances of {} went away at once; label {} stays on {} (gone)",
                        sanitize(app),
                        sanitize(l),
                        sanitize(old)
                    );
                }
            }
            Verdict::Vanished { .. } => {}
        }
        let old = match &verdict {
            Verdict::Reload { old, .. }
            | Verdict::Ambiguous { old, .. }
            | Verdict::Vanished { old } => old.clone(),
        };
        // Only a followed instance is lost, so there is a selection.
        let Some(kind) = self.selecting.as_ref().map(|s| s.kind) else {
            return;
        };
        let next = self.follow.verdict(&verdict, kind);
        if next == Next::Stay {
            return;
        }
        let Some(s) = self.selecting.clone() else {
            return;
        };
        match next {
            Next::Switch(new) => {
                if !self.quiet {
                    eprintln!(
                        "rdx: {} reloaded as {}; following it",
                        sanitize(&self.app_and_id(&old)),
                        sanitize(&self.app_and_id(&new))
                    );
                }
                self.follow_one(new, true);
            }
            Next::End => {
                let unclear = match &verdict {
                    Verdict::Ambiguous { app, .. } => format!(
                        ", and it is not clear which instance of {} replaced it",
                        sanitize(app)
                    ),
                    _ => ", and no reload replaced it".into(),
                };
                let why = format!(
                    "{} that {} names is gone{unclear}",
                    sanitize(&self.app_and_id(&old)),
                    s.sel.describe()
                );
                self.end_followed(&old, why);
            }
            Next::Rematch => {
                if !self.reresolve() && !self.quiet {
                    eprintln!(
                        "rdx: {} is gone; waiting for an instance matching {}",
                        sanitize(&self.app_and_id(&old)),
                        s.sel.describe()
                    );
                }
            }
            Next::Stay | Next::Several => {}
        }
    }

    /// After the followed instance went and no reload replaced it: follow
    /// the one live match, if there is one now. True when following again.
    pub(super) fn reresolve(&mut self) -> bool {
        let Follow::Lost { old, .. } = &self.follow else {
            return false;
        };
        let old = old.clone();
        let Some(s) = self.selecting.clone() else {
            return false;
        };
        // Only instances that are still there count here: the gone ones are
        // what the selection is moving away from.
        let live: Vec<&Instance> = self
            .registry
            .iter()
            .filter(|i| i.status != Status::Gone && s.sel.admits(i))
            .collect();
        let res = match &live[..] {
            [] => Resolution::None,
            [one] => Resolution::One(one.id.clone()),
            many => Resolution::Several(many.iter().map(|i| i.id.clone()).collect()),
        };
        match self.follow.rematch(&res) {
            Next::Switch(k) => {
                if !self.quiet {
                    eprintln!(
                        "rdx: {} is gone; following {}, the one instance matching {}",
                        sanitize(&self.app_and_id(&old)),
                        sanitize(&self.app_and_id(&k)),
                        s.sel.describe()
                    );
                }
                self.follow_one(k, true);
                true
            }
            Next::Several => {
                self.failed = s
                    .sel
                    .one(res, &self.registry, s.command)
                    .err()
                    .map(Into::into);
                true
            }
            _ => false,
        }
    }

    /// Follow `instance` from now on, with what was held for it; `switched`:
    /// it replaces the instance followed so far.
    pub(super) fn follow_one(&mut self, instance: String, switched: bool) {
        if switched {
            self.ready.push_back(Item::Switched);
        }
        if let Some(q) = self.held.remove(&instance) {
            self.ready.extend(q);
        }
        self.held.clear();
        self.follow = Follow::One(instance);
    }

    /// An instance by its app and short id (`shop·4xxi9uf`), for notes about
    /// reloads, where a label may be on either side.
    pub(crate) fn app_and_id(&self, instance: &str) -> String {
        let short: String = instance.chars().take(7).collect();
        match self.registry.get(instance).and_then(|i| i.app.as_deref()) {
            Some(a) => format!("{a}·{short}"),
            None => short,
        }
    }

    /// What `sel` resolves to now, by the rules every command's selection
    /// follows (a gone label's heir included), without following it: `rdx
    /// ui` preselects it and keeps every other instance in view.
    pub(crate) fn resolution(&self, sel: &Selection) -> Resolution {
        self.candidates(&Selecting {
            sel: sel.clone(),
            kind: Moves::of(sel),
            command: "ui",
            follows: Follows::AcrossReloads,
        })
    }

    /// What the selection matches now, with the label fallback.
    fn candidates(&self, s: &Selecting) -> Resolution {
        match s.sel.resolve(&self.registry) {
            Resolution::One(k) if self.is_gone(&k) && s.kind == Moves::Named => {
                match self.label_heir(s, &k) {
                    Ok(Some(heir)) => Resolution::One(heir),
                    _ => Resolution::One(k),
                }
            }
            Resolution::None if s.kind == Moves::Named => {
                match self
                    .labelled(s)
                    .and_then(|id| self.label_heir(s, &id).ok().flatten())
                {
                    Some(heir) => Resolution::One(heir),
                    None => Resolution::None,
                }
            }
            other => other,
        }
    }

    pub(super) fn is_gone(&self, instance: &str) -> bool {
        self.registry
            .get(instance)
            .is_none_or(|i| i.status == Status::Gone)
    }

    /// Resolve the selection to one instance now, or the SPEC's error.
    fn resolve_now(&mut self, s: &Selecting) -> Result<String> {
        let res = s.sel.resolve(&self.registry);
        let gone_label = match &res {
            Resolution::One(k) if s.kind == Moves::Named && self.is_gone(k) => Some(k.clone()),
            Resolution::None if s.kind == Moves::Named => self.labelled(s),
            _ => None,
        };
        if let Some(old) = gone_label
            && self.registry.user_label(&old).is_some()
        {
            match self.label_heir(s, &old) {
                Ok(Some(heir)) => {
                    self.move_label(&old, &heir);
                    return Ok(heir);
                }
                Ok(None) => {}
                Err(heirs) => {
                    // The gone instance itself is still known (a replay, an
                    // app that exited): it is the one, as the gone rule says.
                    if heirs.is_empty() && self.registry.get(&old).is_some() {
                        return Ok(old);
                    }
                    let app = self
                        .registry
                        .get(&old)
                        .and_then(|i| i.app.clone())
                        .or_else(|| {
                            labels::load_store(&self.labels_path)
                                .ok()
                                .and_then(|st| st.apps.get(&old).cloned())
                        });
                    return Err(self.gone_error(s, &old, app).into());
                }
            }
        }
        s.sel.one(res, &self.registry, s.command).map_err(|mut e| {
            // An id or a label that matches nothing: say which label store
            // was searched (a label set with another --labels is not in it).
            if let SelectionError::NoMatch { labels, .. } = &mut *e
                && s.kind == Moves::Named
            {
                *labels = Some(self.labels_path.clone());
            }
            e.into()
        })
    }
}
