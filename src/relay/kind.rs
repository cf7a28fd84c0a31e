//! The message types rdx knows, and the shared text of ids and names.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::Arc;

/// Shared text for ids and names, which repeat in every message of an
/// instance: interned per thread, so a message costs no allocation for them.
pub type Text = Arc<str>;

const INTERNED_MAX: usize = 256;

thread_local! {
    static INTERNED: RefCell<HashSet<Arc<str>>> = RefCell::new(HashSet::new());
}

/// The shared copy of `s`. Bounded: the table is emptied past INTERNED_MAX
/// entries, plenty for the apps talking at once, so apps that reload all
/// day (two new ids a reload) do not make it grow (issue 13).
pub(crate) fn intern(s: &str) -> Text {
    INTERNED.with(|cell| {
        let mut set = cell.borrow_mut();
        if let Some(t) = set.get(s) {
            return t.clone();
        }
        if set.len() >= INTERNED_MAX {
            set.clear();
        }
        let t: Text = Arc::from(s);
        set.insert(t.clone());
        t
    })
}

/// The message types rdx understands; anything else is `Other` (counted, skipped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Start,
    State,
    Action,
    Stop,
    Error,
    Disconnected,
    /// The legacy `remotedev` client's first message: a state, like STATE.
    Init,
    PartialState,
    Lifted,
    Other(String),
}

impl Kind {
    pub(crate) fn from_str(s: &str) -> Kind {
        match s {
            "START" => Kind::Start,
            "STATE" => Kind::State,
            "ACTION" => Kind::Action,
            "STOP" => Kind::Stop,
            "ERROR" => Kind::Error,
            "DISCONNECTED" => Kind::Disconnected,
            "INIT" => Kind::Init,
            "PARTIAL_STATE" => Kind::PartialState,
            "LIFTED" => Kind::Lifted,
            other => Kind::Other(other.to_string()),
        }
    }

    /// Does this kind's payload hold a lifted state, with the app's action
    /// history? Such payloads are always kept: every command needs the
    /// history (the registry's counts, every action once).
    pub(crate) fn has_history(&self) -> bool {
        matches!(self, Kind::State | Kind::Lifted)
    }

    pub(crate) fn as_str(&self) -> &str {
        match self {
            Kind::Start => "START",
            Kind::State => "STATE",
            Kind::Action => "ACTION",
            Kind::Stop => "STOP",
            Kind::Error => "ERROR",
            Kind::Disconnected => "DISCONNECTED",
            Kind::Init => "INIT",
            Kind::PartialState => "PARTIAL_STATE",
            Kind::Lifted => "LIFTED",
            Kind::Other(s) => s,
        }
    }
}
