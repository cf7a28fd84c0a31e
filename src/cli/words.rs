//! What a selection that picked no instance or several says: the sentences
//! once, in the command line's words (its flags and commands), which another
//! front end swaps for its own (`rdx mcp` names its tools' arguments).
//!
//! The model and the feed give a [`SelectionError`] (what was asked, what
//! was there); nothing below the front ends words it.

use std::fmt;

use crate::error::{Asked, Candidate, SelectionError};
use crate::output::sanitize;
use crate::time::rfc3339_ms;

/// A front end's names for what a selection error mentions.
#[derive(Debug)]
pub(crate) struct Words {
    /// The parts of a selection, in [`Asked`]'s order.
    pub(crate) instance: &'static str,
    pub(crate) select: &'static str,
    pub(crate) app: &'static str,
    pub(crate) env: &'static str,
    pub(crate) id_prefix: &'static str,
    /// Who needs exactly one instance, given the command that asked.
    pub(crate) who: fn(&str) -> String,
    /// How to narrow a selection that matches several.
    pub(crate) narrow: &'static str,
    /// How to pick one of several instances a gone one may have become.
    pub(crate) pick: &'static str,
    /// How to list every instance seen.
    pub(crate) list_all: &'static str,
}

fn command_needs(command: &str) -> String {
    format!("`rdx {command}`")
}

/// The command line's words.
pub(crate) const CLI: Words = Words {
    instance: "--instance",
    select: "--instance-select",
    app: "--app",
    env: "--env",
    id_prefix: "--id-prefix",
    who: command_needs,
    narrow: "--instance ID, --id-prefix PREFIX, a tighter /regex/, or a label \
             (`rdx sessions label ID NAME`, then --instance-select NAME)",
    pick: "--instance ID, or label it: `rdx sessions label ID NAME`",
    list_all: "`rdx sessions --all`",
};

impl fmt::Display for SelectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&say(self, &CLI))
    }
}

/// The whole message (multi-line when it lists instances).
pub(crate) fn say(e: &SelectionError, w: &Words) -> String {
    match e {
        SelectionError::Several {
            asked,
            command,
            matches,
        } => {
            let mut msg = format!(
                "{} instances match ({}); {} needs exactly one:\n",
                matches.len(),
                asked_in(asked, w),
                (w.who)(command)
            );
            for i in matches {
                msg.push_str(&format!("  {}\n", line(i)));
            }
            msg.push_str(&format!("narrow it with {}", w.narrow));
            msg
        }
        SelectionError::NoMatch {
            asked,
            seen,
            apps,
            labels,
        } => {
            let mut apps: Vec<String> = apps
                .iter()
                .map(|a| sanitize(a.as_deref().unwrap_or("(no name)")).into_owned())
                .collect();
            apps.sort();
            apps.dedup();
            let shown: Vec<&str> = apps.iter().take(8).map(String::as_str).collect();
            let more = if apps.len() > 8 { ", …" } else { "" };
            let seen = match seen {
                0 => "no instances were seen".to_string(),
                n => format!(
                    "{n} instance(s) were seen (apps: {}{more})",
                    shown.join(", ")
                ),
            };
            let mut msg = format!(
                "no instance matches {}; {seen}; {} lists them",
                asked_in(asked, w),
                w.list_all
            );
            // An id or a label: which label store was searched (a label
            // set with another --labels is not in this one).
            if let Some(path) = labels {
                msg.push_str(&format!(
                    "; no instance is labelled {} in the label store {}",
                    sanitize(asked.select.as_deref().unwrap_or_default()),
                    path.display()
                ));
            }
            msg
        }
        SelectionError::Gone {
            asked,
            old,
            label,
            app,
            live,
        } => {
            let label = label
                .as_deref()
                .map(|l| format!(" (label {})", sanitize(l)))
                .unwrap_or_default();
            let mut msg = format!(
                "the instance {}{label} that {} names is gone",
                sanitize(old),
                asked_in(asked, w)
            );
            match (app, live.is_empty()) {
                (Some(a), true) => msg.push_str(&format!(
                    ", and no live instance of {} replaced it; {} lists what was seen",
                    sanitize(a),
                    w.list_all
                )),
                (Some(a), false) => {
                    msg.push_str(&format!(
                        ", and it is not clear which instance of {} replaced it:\n",
                        sanitize(a)
                    ));
                    for i in live {
                        msg.push_str(&format!("  {}\n", line(i)));
                    }
                    msg.push_str(&format!("pick one with {}", w.pick));
                }
                (None, _) => {
                    msg.push_str(&format!("; {} lists what was seen", w.list_all));
                }
            }
            msg
        }
    }
}

/// The selector and filters, named as the front end names them.
fn asked_in(a: &Asked, w: &Words) -> String {
    let parts: Vec<String> = [
        (w.instance, &a.instance),
        (w.select, &a.select),
        (w.app, &a.app),
        (w.env, &a.env),
        (w.id_prefix, &a.id_prefix),
    ]
    .into_iter()
    .filter_map(|(name, given)| given.as_ref().map(|v| format!("{name} {}", sanitize(v))))
    .collect();
    if parts.is_empty() {
        "no selector or filter".into()
    } else {
        parts.join(" ")
    }
}

/// One line about an instance: id, app, label, status, last seen.
fn line(i: &Candidate) -> String {
    format!(
        "{}  app={}  label={}  status={}  last seen {}",
        sanitize(&i.id),
        sanitize(i.app.as_deref().unwrap_or("-")),
        sanitize(i.label.as_deref().unwrap_or("-")),
        i.status,
        rfc3339_ms(i.last_seen)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::selection::{Matcher, Selection};

    /// The feed's notes on stderr name a selection with `describe`; its
    /// errors name it here, the same way.
    #[test]
    fn a_selection_is_named_as_the_notes_name_it() {
        let every = Selection {
            app: Some(Matcher::parse("/^shop/", "--app").unwrap()),
            env: Some("prod".into()),
            id_prefix: Some("a\u{1b}".into()),
            instance: Some("a1".into()),
            select: Some(Matcher::parse("checkout", "--instance-select").unwrap()),
        };
        for sel in [every, Selection::default()] {
            assert_eq!(asked_in(&sel.asked(), &CLI), sel.describe());
        }
    }
}
