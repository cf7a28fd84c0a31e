//! Which instances a command is about (SPEC.md "Selecting instances").
//!
//! FILTERS narrow the set and may match many: `--app NAME` (exact, or
//! `/re/`), `--env ENV`, `--id-prefix PREFIX`, combined with AND. A SELECTOR
//! picks one: `--instance ID` (exact id) or `--instance-select SEL` (an exact
//! id, a label, or a `/regex/` tried against id, label and app name).
//!
//! This is the one seam every command goes through: `sessions` narrows its
//! listing with [`Selection::admits`], `tail` follows what it admits, and
//! `state` / `watch` call [`Selection::resolve`] for exactly one instance.

use std::collections::BTreeSet;

use regex_lite::Regex;

use crate::error::{Asked, Candidate, Error, Result, SelectionError};
use crate::model::registry::{Instance, Registry, Status};
use crate::output::sanitize;

/// A name to match: exact text, or a `/regex/`.
#[derive(Debug, Clone)]
pub(crate) enum Matcher {
    Exact(String),
    Regex(Regex, String),
}

impl Matcher {
    /// `/re/` (with `\/` for a slash inside) is a regex; anything else is exact.
    pub(crate) fn parse(text: &str, flag: &str) -> Result<Matcher> {
        if text.len() >= 2 && text.starts_with('/') && text.ends_with('/') {
            let inner = text[1..text.len() - 1].replace("\\/", "/");
            let re = Regex::new(&inner)
                .map_err(|e| Error::usage(format!("{flag} {text:?}: invalid regex: {e}")))?;
            Ok(Matcher::Regex(re, text.to_string()))
        } else {
            Ok(Matcher::Exact(text.to_string()))
        }
    }

    pub(crate) fn is_match(&self, s: &str) -> bool {
        match self {
            Matcher::Exact(e) => e == s,
            Matcher::Regex(re, _) => re.is_match(s),
        }
    }

    pub(crate) fn text(&self) -> &str {
        match self {
            Matcher::Exact(e) => e,
            Matcher::Regex(_, t) => t,
        }
    }
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Selection {
    /// `--app NAME|/re/`
    pub(crate) app: Option<Matcher>,
    /// `--env ENV`
    pub(crate) env: Option<String>,
    /// `--id-prefix PREFIX`
    pub(crate) id_prefix: Option<String>,
    /// `--instance ID`: exactly this instance id.
    pub(crate) instance: Option<String>,
    /// `--instance-select SEL`: an id, a label, or a /regex/.
    pub(crate) select: Option<Matcher>,
}

/// The outcome of resolving a selection against the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolution {
    One(String),
    Several(Vec<String>),
    None,
}

impl Selection {
    /// True when a selector (not just filters) was given.
    pub(crate) fn has_selector(&self) -> bool {
        self.instance.is_some() || self.select.is_some()
    }

    /// Are there filters (`--app`, `--env`, `--id-prefix`)?
    pub(crate) fn has_filters(&self) -> bool {
        self.app.is_some() || self.env.is_some() || self.id_prefix.is_some()
    }

    /// Does this instance pass the filters?
    pub(crate) fn passes_filters(&self, inst: &Instance) -> bool {
        self.app
            .as_ref()
            .is_none_or(|m| inst.app.as_deref().is_some_and(|a| m.is_match(a)))
            && self
                .env
                .as_ref()
                .is_none_or(|e| inst.env.as_deref() == Some(e.as_str()))
            && self
                .id_prefix
                .as_ref()
                .is_none_or(|p| inst.id.starts_with(p.as_str()))
    }

    /// Does this instance match the selector (if any)?
    pub(crate) fn matches_selector(&self, inst: &Instance) -> bool {
        let by_id = self.instance.as_ref().is_none_or(|id| inst.id == *id);
        let by_sel = match &self.select {
            None => true,
            Some(Matcher::Exact(s)) => inst.id == *s || inst.label.as_deref() == Some(s.as_str()),
            Some(m @ Matcher::Regex(..)) => {
                m.is_match(&inst.id)
                    || inst.label.as_deref().is_some_and(|l| m.is_match(l))
                    || inst.app.as_deref().is_some_and(|a| m.is_match(a))
            }
        };
        by_id && by_sel
    }

    /// Filters and selector.
    pub(crate) fn admits(&self, inst: &Instance) -> bool {
        self.passes_filters(inst) && self.matches_selector(inst)
    }

    /// Every matching instance; gone ones count only when nothing else matches.
    pub(crate) fn resolve(&self, reg: &Registry) -> Resolution {
        let matches: Vec<&Instance> = reg.iter().filter(|i| self.admits(i)).collect();
        let active: Vec<&Instance> = matches
            .iter()
            .copied()
            .filter(|i| i.status != Status::Gone)
            .collect();
        let mut chosen = if active.is_empty() { matches } else { active };
        chosen.sort_by(|a, b| b.last_seen.cmp(&a.last_seen).then(a.id.cmp(&b.id)));
        match chosen.len() {
            0 => Resolution::None,
            1 => Resolution::One(chosen[0].id.clone()),
            _ => Resolution::Several(chosen.iter().map(|i| i.id.clone()).collect()),
        }
    }

    /// The selector and filters in the command line's words, for the feed's
    /// notes on stderr (errors are data, [`SelectionError`], that each
    /// front end words: `cli/words.rs` says it as this does).
    pub(crate) fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(id) = &self.instance {
            parts.push(format!("--instance {}", sanitize(id)));
        }
        if let Some(s) = &self.select {
            parts.push(format!("--instance-select {}", sanitize(s.text())));
        }
        if let Some(a) = &self.app {
            parts.push(format!("--app {}", sanitize(a.text())));
        }
        if let Some(e) = &self.env {
            parts.push(format!("--env {}", sanitize(e)));
        }
        if let Some(p) = &self.id_prefix {
            parts.push(format!("--id-prefix {}", sanitize(p)));
        }
        if parts.is_empty() {
            "no selector or filter".into()
        } else {
            parts.join(" ")
        }
    }

    /// What was asked, each part as given, for an error to name.
    pub(crate) fn asked(&self) -> Asked {
        Asked {
            instance: self.instance.clone(),
            select: self.select.as_ref().map(|m| m.text().to_string()),
            app: self.app.as_ref().map(|m| m.text().to_string()),
            env: self.env.clone(),
            id_prefix: self.id_prefix.clone(),
        }
    }

    /// The one instance of a resolution, or what SPEC.md says for none or
    /// several (exit 1, listing the matches or naming what was seen).
    pub(crate) fn one(
        &self,
        res: Resolution,
        reg: &Registry,
        command: &'static str,
    ) -> Result<String, Box<SelectionError>> {
        match res {
            Resolution::One(instance) => Ok(instance),
            Resolution::Several(keys) => Err(Box::new(SelectionError::Several {
                asked: self.asked(),
                command,
                matches: candidates(keys.iter().filter_map(|k| reg.get(k))),
            })),
            Resolution::None => {
                let apps: BTreeSet<Option<String>> = reg.iter().map(|i| i.app.clone()).collect();
                Err(Box::new(SelectionError::NoMatch {
                    asked: self.asked(),
                    seen: reg.len(),
                    apps: apps.into_iter().collect(),
                    labels: None,
                }))
            }
        }
    }
}

/// Instances as an error lists them: the most recently seen first (then by
/// id), the same on every run.
pub(crate) fn candidates<'a>(list: impl Iterator<Item = &'a Instance>) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = list.map(candidate).collect();
    out.sort_by(|a, b| b.last_seen.cmp(&a.last_seen).then_with(|| a.id.cmp(&b.id)));
    out
}

/// An instance as an error lists it.
pub(crate) fn candidate(i: &Instance) -> Candidate {
    Candidate {
        id: i.id.clone(),
        app: i.app.clone(),
        label: i.label.clone(),
        status: i.status.as_str(),
        last_seen: i.last_seen,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relay::message::Message;
    use serde_json::json;

    fn reg() -> Registry {
        let mut r = Registry::new();
        r.set_user_labels(
            [("b".to_string(), "checkout".to_string())]
                .into_iter()
                .collect(),
        );
        for (t, v) in [
            (
                1,
                json!({"type":"START","id":"s1","instanceId":"a1","name":"shop@staging"}),
            ),
            (
                2,
                json!({"type":"START","id":"s2","instanceId":"b","name":"shop@prod"}),
            ),
            (
                3,
                json!({"type":"START","id":"s3","instanceId":"c","name":"admin"}),
            ),
            (4, json!({"type":"DISCONNECTED","id":"s3"})),
        ] {
            r.apply(t, &Message::decode(v).unwrap(), None);
        }
        r
    }

    #[test]
    fn candidates_are_listed_newest_first_then_by_id_whatever_the_map_order() {
        let r = reg();
        let mut all: Vec<&Instance> = r.iter().collect();
        let want = ["c", "b", "a1"];
        for _ in 0..3 {
            all.rotate_left(1);
            let ids: Vec<String> = candidates(all.iter().copied())
                .into_iter()
                .map(|c| c.id)
                .collect();
            assert_eq!(ids, want);
        }
    }

    fn sel(instance: Option<&str>, select: Option<&str>, app: Option<&str>) -> Selection {
        Selection {
            instance: instance.map(str::to_string),
            select: select.map(|s| Matcher::parse(s, "--instance-select").unwrap()),
            app: app.map(|s| Matcher::parse(s, "--app").unwrap()),
            ..Default::default()
        }
    }

    #[test]
    fn matcher_parsing() {
        assert!(matches!(
            Matcher::parse("shop", "x").unwrap(),
            Matcher::Exact(_)
        ));
        let m = Matcher::parse("/^shop/", "x").unwrap();
        assert!(m.is_match("shop@prod") && !m.is_match("myshop"));
        let m = Matcher::parse(r"/a\/b/", "x").unwrap();
        assert!(m.is_match("xa/by"));
        assert!(matches!(
            Matcher::parse("/", "x").unwrap(),
            Matcher::Exact(_)
        ));
        assert_eq!(Matcher::parse("/(/", "x").unwrap_err().exit_code(), 2);
    }

    #[test]
    fn selectors_match_id_label_and_app() {
        let r = reg();
        assert_eq!(
            sel(Some("a1"), None, None).resolve(&r),
            Resolution::One("a1".into())
        );
        assert_eq!(
            sel(None, Some("checkout"), None).resolve(&r),
            Resolution::One("b".into())
        );
        assert_eq!(
            sel(None, Some("a1"), None).resolve(&r),
            Resolution::One("a1".into())
        );
        assert_eq!(
            sel(None, Some("/^shop@p/"), None).resolve(&r),
            Resolution::One("b".into())
        );
        assert_eq!(
            sel(None, Some("/check/"), None).resolve(&r),
            Resolution::One("b".into())
        );
        assert_eq!(sel(None, Some("nope"), None).resolve(&r), Resolution::None);
        assert_eq!(
            sel(None, Some("/shop/"), None).resolve(&r),
            Resolution::Several(vec!["b".into(), "a1".into()])
        );
    }

    #[test]
    fn filters_and_gone_rule() {
        let r = reg();
        // exact app name does not match a name with an env suffix
        assert_eq!(sel(None, None, Some("shop")).resolve(&r), Resolution::None);
        assert_eq!(
            sel(None, None, Some("/^shop/")).resolve(&r),
            Resolution::Several(vec!["b".into(), "a1".into()])
        );
        let by_env = Selection {
            env: Some("staging".into()),
            ..Default::default()
        };
        assert_eq!(by_env.resolve(&r), Resolution::One("a1".into()));
        let by_prefix = Selection {
            id_prefix: Some("a".into()),
            ..Default::default()
        };
        assert_eq!(by_prefix.resolve(&r), Resolution::One("a1".into()));
        // no filter: gone "c" is dropped because live ones match
        assert_eq!(
            Selection::default().resolve(&r),
            Resolution::Several(vec!["b".into(), "a1".into()])
        );
        // only gone ones match: they are selected
        assert_eq!(
            sel(None, None, Some("admin")).resolve(&r),
            Resolution::One("c".into())
        );
    }

    #[test]
    fn helpful_errors() {
        let r = reg();
        let s = sel(None, Some("/shop/"), None);
        let msg = s.one(s.resolve(&r), &r, "state").unwrap_err().to_string();
        assert!(
            msg.contains("2 instances match")
                && msg.contains("label=checkout")
                && msg.contains("--id-prefix"),
            "{msg}"
        );
        let s = sel(None, Some("nope"), None);
        let msg = s.one(s.resolve(&r), &r, "state").unwrap_err().to_string();
        assert!(
            msg.contains("--instance-select nope")
                && msg.contains("3 instance(s)")
                && msg.contains("admin")
                && msg.contains("rdx sessions"),
            "{msg}"
        );
    }
}
