//! What the commands print, as data: each kind of line is a `Record` (an
//! action, a gap, a state, a value, a change, the instance list, an
//! instance change) about an instance named once by a `Who`, and one
//! `Printer`, chosen once from the config's `Format`, renders them: for
//! people (`human`) or as NDJSON (`ndjson`). Uses the feed's items, the
//! registry, query diffs and output; no command branches on `--json`.
//!
//! Why a layer of its own (beside `cli`, above `feed`) rather than plain data
//! in `output`: a record borrows what the feed hands out (the action as it
//! came, with its `Serialize` that writes a canonical text as it is; the
//! diff's edits; the registry's instance) instead of copying it into
//! strings, so the `--json` line of `tail` is written straight from the
//! item, and a new front end (the TUI, MCP's structured content) renders the
//! same records with a printer of its own. `output` stays the leaf that
//! knows terminals and JSON text.

pub(crate) mod human;
pub(crate) mod ndjson;

use std::io::{self, Write};

use serde_json::Value;

use crate::feed::Gap;
use crate::feed::item::{Action, Via};
use crate::model::registry::{Instance, Registry};
use crate::output::{Format, Out, sanitize};
use crate::query::diff::Edit;

/// Who a line is about: an instance's id and what the registry knows of it
/// (its app and label), looked up once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Who<'a> {
    pub(crate) id: &'a str,
    inst: Option<&'a Instance>,
}

impl<'a> Who<'a> {
    /// The instance `id` as the registry has it (unknown: the id alone).
    pub(crate) fn of(registry: &'a Registry, id: &'a str) -> Who<'a> {
        Who {
            id,
            inst: registry.get(id),
        }
    }

    /// An instance of the registry.
    #[cfg(test)]
    pub(crate) fn instance(inst: &'a Instance) -> Who<'a> {
        Who {
            id: &inst.id,
            inst: Some(inst),
        }
    }

    pub(crate) fn app(&self) -> Option<&'a str> {
        self.inst.and_then(|i| i.app.as_deref())
    }

    pub(crate) fn label(&self) -> Option<&'a str> {
        self.inst.and_then(|i| i.label.as_deref())
    }

    /// For people, terminal-safe: its label, else `app·` and the first
    /// seven characters of the id, else those alone.
    pub(crate) fn short(&self) -> String {
        let name = crate::feed::short_name(self.inst, self.id);
        match sanitize(&name) {
            std::borrow::Cow::Borrowed(_) => name,
            std::borrow::Cow::Owned(s) => s,
        }
    }
}

/// One line (or, for people, one block) of a command's output.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Record<'a> {
    /// `tail`: an action (`ty`: its type as text), with the changes it made
    /// to the state when `--diff` asked for them.
    Action {
        who: Who<'a>,
        ts: u64,
        id: Option<i64>,
        ty: &'a str,
        action: &'a Action,
        via: Via,
        diff: Option<&'a [Edit]>,
    },
    /// `tail`: actions the app no longer holds (for people it is said on
    /// stderr, by the feed, and prints nothing here).
    Gap { who: Who<'a>, gap: &'a Gap },
    /// `state`: a state (or the value at `path` in it), as its JSON text.
    State {
        who: Who<'a>,
        ts: u64,
        path: Option<&'a str>,
        raw: &'a str,
    },
    /// `watch`: the value at a path (`None`: missing), when first seen.
    Value {
        who: Who<'a>,
        ts: u64,
        path: &'a str,
        value: Option<&'a Value>,
    },
    /// `watch`: a value that changed, and what changed it.
    Change {
        who: Who<'a>,
        ts: u64,
        path: &'a str,
        old: Option<&'a Value>,
        new: Option<&'a Value>,
        cause: &'a str,
    },
    /// `sessions`: the instances (for people, a table; `reference_ms` is
    /// what LAST SEEN counts back from).
    Instances {
        list: &'a [&'a Instance],
        reference_ms: u64,
    },
    /// `sessions --follow`: an instance that appeared (`new`) or changed.
    Instance {
        ts: u64,
        inst: &'a Instance,
        new: bool,
    },
}

/// Renders records somewhere: stdout for the command line.
pub(crate) trait Printer {
    fn print(&mut self, r: &Record<'_>) -> io::Result<()>;
    /// Everything printed so far out (before stderr says something, or
    /// when the feed has nothing more ready).
    fn flush(&mut self) -> io::Result<()>;
}

/// The printer for `format`, into `out`: chosen once per command.
pub(crate) fn printer<W: Write + 'static>(format: Format, out: Out<W>) -> Box<dyn Printer> {
    match format {
        Format::Human { pal, width, pretty } => Box::new(human::Human {
            out,
            pal,
            width,
            pretty,
        }),
        Format::Ndjson => Box::new(ndjson::Ndjson { out }),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::registry::Status;

    /// An instance as the registry would hold it.
    pub(crate) fn instance(id: &str, app: Option<&str>, label: Option<&str>) -> Instance {
        Instance {
            id: id.into(),
            app: app.map(str::to_string),
            label: label.map(str::to_string),
            env: None,
            connection: "sock1".into(),
            first_seen: 1_700_000_000_000,
            last_seen: 1_700_000_005_000,
            messages: 12,
            actions: 7,
            last_action: Some("todos/added".into()),
            status: Status::Live,
            reports: None,
        }
    }

    #[test]
    fn who_names_an_instance_for_people() {
        let labelled = instance("65ioovqadda", Some("shop"), Some("checkout"));
        let named = instance("65ioovqadda", Some("shop"), None);
        assert_eq!(Who::instance(&labelled).short(), "checkout");
        assert_eq!(Who::instance(&named).short(), "shop·65ioovq");
        let unknown = Who {
            id: "65ioovqadda",
            inst: None,
        };
        assert_eq!(unknown.short(), "65ioovq");
        assert_eq!((unknown.app(), unknown.label()), (None, None));
        let evil = instance("x", Some("a\x1b[2J"), None);
        assert_eq!(Who::instance(&evil).short(), "a\\x1b[2J·x");
        assert_eq!(Who::instance(&evil).app(), Some("a\x1b[2J"));
    }
}
