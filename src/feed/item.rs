//! What the feed hands a command: each action once, gaps, states, registry
//! changes, a switch of the followed instance, the end, a timeout.

use std::rc::Rc;

use serde_json::Value;

use crate::model::registry::Change;
use crate::query::paths::Path;
pub(crate) use crate::relay::action::Action;
use crate::relay::message::Message;

/// How an action reached rdx.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    Action,
    State,
}

impl Via {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Via::Action => "action",
            Via::State => "state",
        }
    }
}

/// One action of one instance, delivered once.
#[derive(Debug, Clone)]
pub(crate) struct ActionItem {
    pub(crate) instance: String,
    /// `nextActionId - 1` (None: the app sends no ids).
    pub(crate) action_id: Option<i64>,
    /// When the app dispatched it (its own timestamp; receive time without one).
    pub(crate) ts: u64,
    /// The action (as its text until a tree is asked for).
    pub(crate) action: Action,
    pub(crate) via: Via,
    /// The app state after it ([`States::PerAction`]).
    pub(crate) state: Option<Value>,
    /// Instead, with `lazy_states`: the state it came with, decoded when
    /// asked (`rdx ui` decodes only what it shows).
    pub(crate) payload: Option<Payload>,
}

/// The state an ACTION message carried, decoded when asked.
#[derive(Debug, Clone)]
pub(crate) struct Payload(pub(super) Rc<Message>);

impl Payload {
    pub(crate) fn value(&self) -> Option<Value> {
        self.0.decoded_payload()
    }

    /// Its size as it came (JSON text).
    pub(crate) fn len(&self) -> usize {
        self.0.payload.as_ref().map_or(0, |p| p.get().len())
    }

    /// The message it came in, as JSON text (see [`Message::as_received`]).
    pub(crate) fn received(&self) -> String {
        self.0.as_received()
    }

    /// The state as the text it came in (a jsan string, mostly).
    pub(crate) fn text(&self) -> Option<&str> {
        self.0.payload.as_ref().map(|p| p.get())
    }

    /// A state from a text [`Payload::text`] gave (the same as [`Payload::value`]).
    pub(crate) fn decode(text: &str) -> Option<Value> {
        crate::relay::message::decode_jsan_field(text)
    }
}

/// A message that carries an instance's state, read only when asked: a big
/// STATE is walked as text for one path and never becomes a tree.
#[derive(Debug, Clone)]
pub(crate) struct Carried(pub(super) Rc<Message>);

impl Carried {
    /// The state, decoded (the current state of a lifted one).
    pub(crate) fn value(&self) -> Option<Value> {
        crate::relay::lifted::snapshot(&self.0).and_then(|s| s.state)
    }

    /// The state its history starts from: an INIT's state, a lifted
    /// state's state after `@@INIT` (else its `committedState`).
    pub(crate) fn initial(&self) -> Option<Value> {
        crate::relay::lifted::initial_state(&self.0)
    }

    /// `f` of the JSON text at `path` in the state, read from the message's
    /// text (`None`: it cannot be read so; use [`Carried::value`]).
    pub(crate) fn with_raw_at<R>(&self, path: &Path, f: impl FnOnce(&str) -> R) -> Option<R> {
        crate::query::raw::with_raw_value(&self.0, path, f)
    }

    /// The state's size as it came (JSON text).
    pub(crate) fn len(&self) -> usize {
        self.0.payload.as_ref().map_or(0, |p| p.get().len())
    }

    /// The kind of message it came in (`STATE`, `INIT`, ...).
    pub(crate) fn kind(&self) -> &str {
        self.0.kind.as_str()
    }
}

/// Actions an instance dispatched that rdx will never get.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Gap {
    pub(crate) instance: String,
    pub(crate) t: u64,
    pub(crate) from: i64,
    pub(crate) to: i64,
}

impl Gap {
    pub(crate) fn lost(&self) -> i64 {
        self.to.saturating_sub(self.from).saturating_add(1)
    }
}

#[derive(Debug)]
pub(crate) enum Item {
    Action(ActionItem),
    Gap(Gap),
    /// A message carrying an instance's state: every one with
    /// [`States::Snapshots`], STATE/INIT ones with [`States::PerAction`].
    State {
        instance: String,
        t: u64,
        state: Carried,
    },
    /// A registry change (with `changes`).
    Instance {
        t: u64,
        change: Change,
    },
    /// A relay message arrived (with `messages`); it carries nothing, it
    /// is counted.
    Received,
    /// The followed instance changed (said on stderr already).
    Switched,
    /// An instance reloaded as another (with `reloads`; SPEC "Reloads").
    Reloaded {
        old: String,
        new: String,
    },
    /// The link to the server was made (`lost` None) or lost, at `t` (with
    /// `links`).
    Link {
        t: u64,
        lost: Option<String>,
    },
    /// What the `report` channel said (with [`Setup::reports`](super::Setup)).
    Reports {
        note: crate::relay::report::Note,
    },
    /// The reply to [`Feed::get_report`](super::Feed::get_report) (`data`
    /// null: no such report).
    ReportBody {
        id: String,
        data: serde_json::Value,
        error: Option<serde_json::Value>,
    },
    /// The recording ended.
    End,
    /// The deadline given to [`Feed::next`] passed.
    Timeout,
}

impl Item {
    pub(crate) fn instance(&self) -> Option<&str> {
        match self {
            Item::Action(a) => Some(&a.instance),
            Item::Gap(g) => Some(&g.instance),
            Item::State { instance, .. } => Some(instance),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gap_counts_what_it_spans_without_wrapping() {
        let gap = |from, to| Gap {
            instance: "i".into(),
            t: 0,
            from,
            to,
        };
        assert_eq!(gap(2, 2).lost(), 1);
        assert_eq!(gap(2, 9).lost(), 8);
        assert_eq!(gap(i64::MIN, i64::MAX).lost(), i64::MAX);
        assert_eq!(gap(-1, i64::MAX).lost(), i64::MAX);
    }
}
