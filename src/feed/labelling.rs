//! Labels that move with their app. A label moves across a reload (in the
//! store, under its lock; in memory only in replay), the store learns which
//! app each labelled instance belongs to, and a label whose instance is gone
//! finds the one instance that replaced it.

use crate::error::SelectionError;
use crate::feed::Feed;
use crate::feed::selected::Selecting;
use crate::model::labels;
use crate::model::registry::Status;
use crate::model::selection::{Matcher, candidates};
use crate::output::sanitize;

impl Feed {
    /// A reload: the label people gave the old instance moves to the new one
    /// (in the store too, live; a replay changes nothing on disk).
    pub(super) fn move_label(&mut self, old: &str, new: &str) {
        let Some(label) = self.registry.user_label(old).map(str::to_string) else {
            return;
        };
        if self.registry.user_label(new).is_some() {
            return;
        }
        let app = self.registry.get(new).and_then(|i| i.app.clone());
        self.registry.set_label(old, None);
        self.registry.set_label(new, Some(label.clone()));
        if !self.replay {
            let (o, n) = (old.to_string(), new.to_string());
            let result = labels::update_store(&self.labels_path, |s| {
                if s.labels.get(&o) == Some(&label) {
                    s.labels.remove(&o);
                    s.labels.insert(n.clone(), label.clone());
                    s.apps.remove(&o);
                    if let Some(a) = &app {
                        s.apps.insert(n.clone(), a.clone());
                    }
                }
            });
            // A store that cannot be read is never replaced: the label
            // moves in memory only, and the store stays as it is.
            if let Err(e) = result {
                self.note(
                    true,
                    format!(
                        "could not move label {} in the store, which is left as it is: {e}",
                        sanitize(&label)
                    ),
                );
            }
            self.learned.insert(new.to_string());
        }
        let on_disk = if self.replay { " (in this replay)" } else { "" };
        let note = format!(
            "label {} moved from {} to {} (the app reloaded){on_disk}",
            sanitize(&label),
            sanitize(&self.app_and_id(old)),
            sanitize(&self.app_and_id(new))
        );
        self.note(false, note);
    }

    /// Say a note on stderr (`loud`: even with --quiet), or keep it for the
    /// front end that asked for [`Feed::notes`].
    fn note(&mut self, loud: bool, text: String) {
        match &mut self.notes {
            Some(kept) => {
                if kept.len() == crate::feed::NOTES_KEPT {
                    kept.pop_front();
                }
                kept.push_back(text);
            }
            None if loud || !self.quiet => eprintln!("rdx: {text}"),
            None => {}
        }
    }

    /// Remember in the store which app a labelled instance belongs to.
    pub(super) fn learn_app(&mut self, instance: &str) {
        if self.replay
            || self.learned.contains(instance)
            || self.registry.user_label(instance).is_none()
        {
            return;
        }
        let Some(app) = self.registry.get(instance).and_then(|i| i.app.clone()) else {
            return;
        };
        self.learned.insert(instance.to_string());
        let k = instance.to_string();
        let _ = labels::update_store(&self.labels_path, |s| {
            if s.labels.contains_key(&k) {
                s.apps.insert(k.clone(), app.clone());
            }
        });
    }

    /// The instance id the selector's label names in the store, if any.
    pub(super) fn labelled(&self, s: &Selecting) -> Option<String> {
        let Some(Matcher::Exact(text)) = &s.sel.select else {
            return None;
        };
        labels::load(&self.labels_path)
            .ok()?
            .into_iter()
            .find(|(_, l)| l == text)
            .map(|(id, _)| id)
    }

    /// A label on a gone instance `old`: the one live, unlabelled instance of
    /// the same app that appeared after it. Err: the candidates (0 or several).
    pub(super) fn label_heir(
        &self,
        s: &Selecting,
        old: &str,
    ) -> std::result::Result<Option<String>, Vec<String>> {
        let Some(label) = self.registry.user_label(old) else {
            return Ok(None);
        };
        if !matches!(&s.sel.select, Some(Matcher::Exact(t)) if t == label) {
            return Ok(None);
        }
        let prev = self.registry.get(old);
        let app = match prev.and_then(|i| i.app.clone()) {
            Some(a) => Some(a),
            None => labels::load_store(&self.labels_path)
                .ok()
                .and_then(|st| st.apps.get(old).cloned()),
        };
        let Some(app) = app else {
            return Err(Vec::new());
        };
        let after = prev.map_or(0, |i| i.last_seen);
        let heirs: Vec<String> = self
            .registry
            .iter()
            .filter(|i| {
                i.id != old
                    && i.app.as_deref() == Some(app.as_str())
                    && i.status != Status::Gone
                    && self.registry.user_label(&i.id).is_none()
                    && i.first_seen >= after
                    && s.sel.passes_filters(i)
            })
            .map(|i| i.id.clone())
            .collect();
        match &heirs[..] {
            [one] => Ok(Some(one.clone())),
            _ => Err(heirs),
        }
    }

    /// The followed (or labelled) instance is gone and nothing replaced it.
    pub(super) fn gone_error(
        &self,
        s: &Selecting,
        old: &str,
        app: Option<String>,
    ) -> SelectionError {
        let live =
            match &app {
                Some(a) => candidates(self.registry.iter().filter(|i| {
                    i.id != old && i.app.as_ref() == Some(a) && i.status != Status::Gone
                })),
                None => Vec::new(),
            };
        SelectionError::Gone {
            asked: s.sel.asked(),
            old: old.to_string(),
            label: self.registry.user_label(old).map(str::to_string),
            app,
            live,
        }
    }
}
