//! `rdx export`: one instance's history as a file the DevTools' Import reads.

use std::io::{self, Write};
use std::time::Instant;

use serde_json::{Map, Value, json};

use crate::cli::{self, Config, Parsed};
use crate::error::{Error, Result};
use crate::feed::{Feed, Follows, Item, Options, Selected, States};
use crate::model::selection::Selection;
use crate::output::sanitize;

pub(crate) const ABOUT: &str = "\
rdx export - write one instance's history as a DevTools file

Usage: rdx export [FILTERS] [--instance ID|--instance-select SEL] [-o FILE] [GLOBAL FLAGS]

Writes the instance's history (every action rdx knows of it, also those from
before rdx started, with the state after each) as a lifted state: the JSON
the Redux DevTools' Import button reads (actionsById, computedStates,
stagedActionIds, skippedActionIds, currentStateIndex, nextActionId,
committedState). Live, rdx finds the instance (exactly one), asks it for
its state (UPDATE), writes the history that STATE holds and exits; with
--replay or --report it reads the whole recording or report first.

The file is plain JSON (valid jsan). The DevTools' Import recomputes every
state with the app's reducer from committedState; the states in the file are
the ones the app sent. Where rdx has no state for an action (a history of
plain actions, actions seen before any state) it says so on stderr and the
file repeats the last known state there; when the state before the first
action is not known, the file has no committedState (the Import then starts
from the reducer's initial state). Skipped actions are not known to rdx:
skippedActionIds is []. Action ids are the app's own (renumbered 1..n when
the app sends none).
";

/// After the flags: output, exit codes, examples.
pub(crate) const MORE: &str = "\
Output: the file at -o FILE (written whole to a temporary file beside it,
then renamed over it), or stdout without -o (or with -o -).

Exit codes: 1 no instance / several instances, 3 cannot write FILE,
4 no state or action of the instance within --timeout (or in the recording).

Examples:
  rdx export --app shop -o shop.json
  rdx --replay fixtures/two-apps.jsonl export --instance 65ioovqadda > alpha.json
  rdx --report 7k2x9 export -o report.json
";

#[derive(Debug, Default)]
pub(crate) struct Args {
    pub(crate) sel: Selection,
    pub(crate) output: Option<String>,
}

pub(crate) fn args(p: &Parsed) -> Result<Args> {
    cli::no_more_words(p, 0)?;
    Ok(Args {
        sel: cli::selection(p)?,
        output: p
            .value(crate::cli::flags::FlagId::Output)
            .map(str::to_string),
    })
}

pub(crate) fn run(cfg: &Config, args: Args) -> Result<()> {
    let started = Instant::now();
    let opts = Options {
        actions: true,
        states: States::PerAction,
        history: true,
        ..Options::default()
    };
    let mut feed = Feed::open_selected(
        &cfg.feed,
        opts,
        Selected {
            sel: args.sel.clone(),
            command: "export",
            follows: Follows::Once,
            started,
        },
    )?;
    let mut got = Collected::default();
    if feed.is_replay() {
        loop {
            match feed.next(None)? {
                Item::End => break,
                item => got.take(&feed, item),
            }
        }
    } else {
        // What came while the selection was resolved; then a fresh STATE
        // (its history, with the states), unless one came already.
        while feed.has_ready() {
            let item = feed.next(None)?;
            got.take(&feed, item);
        }
        if !got.lifted {
            feed.request_update();
            let deadline = started + cfg.feed.timeout;
            while !got.lifted {
                match feed.next(Some(deadline))? {
                    Item::Timeout | Item::End => {
                        let who = feed
                            .followed()
                            .map(|k| feed.short_name(k))
                            .unwrap_or_default();
                        return Err(Error::Timeout(format!(
                            "no STATE (its history) from {} within --timeout",
                            sanitize(&who)
                        )));
                    }
                    item => got.take(&feed, item),
                }
            }
        }
        while feed.has_ready() {
            let item = feed.next(None)?;
            got.take(&feed, item);
        }
    }
    let instance = feed.followed().unwrap_or_default().to_string();
    let who = sanitize(&feed.short_name(&instance)).into_owned();
    if got.entries.is_empty() && got.initial.is_none() {
        return Err(Error::Timeout(format!(
            "no state and no action of {who} in the {}",
            if feed.is_replay() {
                "recording"
            } else {
                "traffic"
            }
        )));
    }
    let built = build(got.initial, got.init_ts, got.entries);
    if !cfg.feed.quiet {
        say(&who, &built, got.gaps);
    }
    let text = serde_json::to_string(&built.lifted).map_err(io::Error::other)?;
    match args.output.as_deref() {
        None | Some("-") => {
            let mut out = io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.write_all(b"\n")?;
            out.flush()?;
        }
        Some(path) => write_atomically(path, text.as_bytes())?,
    }
    feed.summary();
    Ok(())
}

/// What the feed gave for the instance.
#[derive(Default)]
struct Collected {
    /// The state its history starts from.
    initial: Option<Value>,
    /// When that state was sent (the `@@INIT` entry's timestamp).
    init_ts: Option<u64>,
    entries: Vec<Entry>,
    /// A STATE (a history with its states) came.
    lifted: bool,
    gaps: u64,
}

impl Collected {
    fn take(&mut self, feed: &Feed, item: Item) {
        match item {
            Item::Action(a) => self.entries.push(Entry {
                id: a.action_id,
                ts: a.ts,
                action: a.action.into_value(),
                state: a.state,
            }),
            Item::Gap(g) => {
                feed.say_gap(&g);
                self.gaps += 1;
            }
            Item::State { t, state, .. } => {
                self.lifted |= matches!(state.kind(), "STATE" | "LIFTED");
                // The first state that says where the history starts.
                if self.initial.is_none()
                    && let Some(s) = state.initial()
                {
                    self.initial = Some(s);
                    self.init_ts = Some(t);
                }
            }
            _ => {}
        }
    }
}

/// Say on stderr what the file holds that the app did not send.
fn say(who: &str, built: &Built, gaps: u64) {
    if built.missing > 0 {
        eprintln!(
            "rdx: export: {who}: {} of {} action(s) came with no state (rdx runs no reducers): \
             the file repeats the last known state for them; the DevTools' Import recomputes \
             every state with the app's reducer",
            built.missing, built.actions
        );
    }
    if !built.committed {
        eprintln!(
            "rdx: export: {who}: the state before its first action is not known: the file has \
             no committedState (the DevTools' Import starts from the reducer's initial state)"
        );
    }
    if built.renumbered {
        eprintln!(
            "rdx: export: {who}: the app's action ids are missing or out of order: the file \
             numbers its actions 1..{}",
            built.actions
        );
    }
    if gaps > 0 {
        eprintln!(
            "rdx: export: {who}: the file lacks the lost actions said above; states recomputed \
             across them will differ from the app's"
        );
    }
}

/// Write `bytes` to `path` whole or not at all: a temporary file beside
/// it, synced, then renamed over it.
fn write_atomically(path: &str, bytes: &[u8]) -> Result<()> {
    let target = std::path::Path::new(path);
    let fail = |e: io::Error| Error::Fixture {
        path: path.to_string(),
        reason: format!("cannot write: {e}"),
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = target
        .file_name()
        .ok_or_else(|| fail(io::Error::other("not a file name")))?;
    let tmp = dir.join(format!(
        ".{}.rdx-{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.write_all(b"\n")?;
        f.sync_all()?;
        std::fs::rename(&tmp, target)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e));
    }
    Ok(())
}

/// One action of the history, as the feed gave it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    /// `nextActionId - 1` (None: the app sends no ids).
    pub(crate) id: Option<i64>,
    /// When the app dispatched it (epoch ms).
    pub(crate) ts: u64,
    pub(crate) action: Value,
    /// The state after it, if the app sent one.
    pub(crate) state: Option<Value>,
}

/// A lifted state made from a history, and what in it rdx did not get.
#[derive(Debug)]
pub(crate) struct Built {
    pub(crate) lifted: Value,
    /// Actions in it (`@@INIT` left out).
    pub(crate) actions: usize,
    /// Actions with no state of their own (the last known one repeated).
    pub(crate) missing: usize,
    /// It has a `committedState`.
    pub(crate) committed: bool,
    /// The app's ids could not be kept (missing, or not increasing).
    pub(crate) renumbered: bool,
}

/// The lifted state instrument's `IMPORT_STATE` takes, for the history that
/// starts from `initial` (the state after `@@INIT`) with `entries` in
/// order. A missing state is the last known one before it (before any:
/// the first known one; none at all: null). Pure.
pub(crate) fn build(initial: Option<Value>, init_ts: Option<u64>, entries: Vec<Entry>) -> Built {
    let n = entries.len();
    let renumbered = {
        let mut last = 0i64;
        !entries.iter().all(|e| match e.id {
            Some(id) if id > last => {
                last = id;
                true
            }
            _ => false,
        })
    };
    let ids: Vec<i64> = if renumbered {
        (1..=n as i64).collect()
    } else {
        entries.iter().filter_map(|e| e.id).collect()
    };
    let first_known = initial
        .clone()
        .or_else(|| entries.iter().find_map(|e| e.state.clone()));
    let init_ts = init_ts
        .or_else(|| entries.first().map(|e| e.ts))
        .unwrap_or(0);
    let mut by_id = Map::new();
    by_id.insert(
        "0".into(),
        json!({"type": "PERFORM_ACTION", "action": {"type": "@@INIT"}, "timestamp": init_ts}),
    );
    let mut computed = Vec::with_capacity(n + 1);
    let mut last = initial.clone().or_else(|| first_known.clone());
    computed.push(json!({"state": last.clone().unwrap_or(Value::Null)}));
    let mut missing = 0;
    for (e, id) in entries.into_iter().zip(&ids) {
        by_id.insert(
            id.to_string(),
            json!({"type": "PERFORM_ACTION", "action": e.action, "timestamp": e.ts}),
        );
        let state = match e.state {
            Some(s) => {
                last = Some(s.clone());
                s
            }
            None => {
                missing += 1;
                last.clone().unwrap_or(Value::Null)
            }
        };
        computed.push(json!({ "state": state }));
    }
    let staged: Vec<i64> = std::iter::once(0).chain(ids.iter().copied()).collect();
    let mut lifted = json!({
        "monitorState": {},
        "actionsById": by_id,
        "nextActionId": ids.last().copied().unwrap_or(0) + 1,
        "stagedActionIds": staged,
        "skippedActionIds": [],
        "currentStateIndex": n,
        "computedStates": computed,
        "isLocked": false,
        "isPaused": false,
    });
    let committed = initial.is_some();
    if let Some(s) = initial {
        lifted["committedState"] = s;
    }
    Built {
        lifted,
        actions: n,
        missing,
        committed,
        renumbered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: Option<i64>, ty: &str, state: Option<Value>) -> Entry {
        Entry {
            id,
            ts: 100 + id.unwrap_or(0) as u64,
            action: json!({"type": ty}),
            state,
        }
    }

    #[test]
    fn a_history_with_every_state_becomes_the_lifted_state_it_was() {
        let b = build(
            Some(json!({"n": 0})),
            Some(50),
            vec![
                entry(Some(3), "inc", Some(json!({"n": 1}))),
                entry(Some(7), "inc", Some(json!({"n": 2}))),
            ],
        );
        assert_eq!(
            b.lifted,
            json!({
                "monitorState": {},
                "actionsById": {
                    "0": {"type": "PERFORM_ACTION", "action": {"type": "@@INIT"}, "timestamp": 50},
                    "3": {"type": "PERFORM_ACTION", "action": {"type": "inc"}, "timestamp": 103},
                    "7": {"type": "PERFORM_ACTION", "action": {"type": "inc"}, "timestamp": 107},
                },
                "nextActionId": 8,
                "stagedActionIds": [0, 3, 7],
                "skippedActionIds": [],
                "currentStateIndex": 2,
                "computedStates": [{"state": {"n": 0}}, {"state": {"n": 1}}, {"state": {"n": 2}}],
                "isLocked": false,
                "isPaused": false,
                "committedState": {"n": 0},
            })
        );
        assert_eq!((b.missing, b.committed, b.renumbered), (0, true, false));
    }

    #[test]
    fn missing_states_repeat_the_last_known_and_are_counted() {
        // no state before the first action: no committedState, the first
        // known state stands in at @@INIT and before it
        let b = build(
            None,
            None,
            vec![
                entry(Some(1), "a", None),
                entry(Some(2), "b", Some(json!(2))),
                entry(Some(3), "c", None),
            ],
        );
        let states: Vec<&Value> = b.lifted["computedStates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["state"])
            .collect();
        assert_eq!(states, [&json!(2), &json!(2), &json!(2), &json!(2)]);
        assert_eq!((b.missing, b.committed), (2, false));
        assert!(b.lifted.get("committedState").is_none());
        assert_eq!(b.lifted["actionsById"]["0"]["timestamp"], 101);
        // nothing known at all: null
        let b = build(None, None, vec![entry(Some(1), "a", None)]);
        assert_eq!(
            b.lifted["computedStates"],
            json!([{"state": null}, {"state": null}])
        );
    }

    #[test]
    fn ids_missing_or_out_of_order_are_renumbered() {
        for ids in [
            [None, Some(2)],
            [Some(2), Some(2)],
            [Some(5), Some(1)],
            [Some(0), Some(1)],
        ] {
            let b = build(
                Some(json!(0)),
                Some(1),
                ids.iter()
                    .map(|id| entry(*id, "x", Some(json!(1))))
                    .collect(),
            );
            assert!(b.renumbered, "{ids:?}");
            assert_eq!(b.lifted["stagedActionIds"], json!([0, 1, 2]));
            assert_eq!(b.lifted["nextActionId"], 3);
        }
        let b = build(Some(json!(0)), None, vec![]);
        assert_eq!(b.lifted["stagedActionIds"], json!([0]));
        assert_eq!(b.lifted["currentStateIndex"], 0);
        assert_eq!(b.lifted["nextActionId"], 1);
    }

    #[test]
    fn the_file_is_written_whole_or_not_at_all() {
        let dir = std::env::temp_dir().join(format!("rdx-export-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("out.json");
        std::fs::write(&f, "old").unwrap();
        write_atomically(f.to_str().unwrap(), b"{}").unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "{}\n");
        let bad = dir.join("no-such-dir/out.json");
        let err = write_atomically(bad.to_str().unwrap(), b"{}").unwrap_err();
        assert_eq!(err.exit_code(), 3);
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "no temp file left"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
