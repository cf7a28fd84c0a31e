//! `rdx state`: the current state of exactly one instance.

use std::collections::HashMap;
use std::time::Instant;

use serde_json::Value;

use crate::cli::flags::FlagId;
use crate::cli::{self, Config, Parsed};
use crate::error::{Error, Result};
use crate::feed::item::Carried;
use crate::feed::{Feed, Item, Options, States};
use crate::model::selection::Selection;
use crate::output::Out;
use crate::query::paths::{self, Path};
use crate::view::{self, Record, Who};

/// What `rdx state` does (its flags are listed from the flag table).
pub(crate) const ABOUT: &str = "\
rdx state - print the current state of one app instance

Usage: rdx state [FILTERS] [--instance ID|--instance-select SEL] [--path PATH] [GLOBAL FLAGS]

Finds the instance (it must be exactly one: pick it with --instance when
several apps are connected), and prints its current state: the state after
the newest ACTION, or the newest STATE. If none has arrived yet, rdx asks
every app for one (UPDATE) and waits up to --timeout.

Output is the JSON document itself: pretty on a terminal, compact when piped
(so `rdx state | jq` works). With --json it is wrapped in one line:
{\"type\":\"state\",\"ts\",\"instance\",\"app\",\"label\",\"path\",\"state\"}.
";

/// After the flags: output, exit codes, examples.
pub(crate) const MORE: &str = "\
Exit codes: 1 no instance / several instances / PATH missing, 2 bad PATH,
4 no state arrived within --timeout.

Examples:
  rdx state --instance 65ioovqadda
  rdx state --path .counter.value
  rdx --replay fixtures/two-apps.jsonl state --instance 65ioovqadda --path .todos[0]
";

#[derive(Debug, Default)]
pub(crate) struct Args {
    pub(crate) sel: Selection,
    pub(crate) path: Option<Path>,
}

/// Read `rdx state`'s flags.
pub(crate) fn args(p: &Parsed) -> Result<Args> {
    cli::no_more_words(p, 0)?;
    Ok(Args {
        sel: cli::selection(p)?,
        path: p.value(FlagId::Path).map(cli::path).transpose()?,
    })
}

/// The value at `path`, or the exit-1 error that says what does exist.
pub(crate) fn lookup<'a>(state: &'a Value, path: &Path) -> Result<&'a Value> {
    paths::lookup(state, path).map_err(|m| {
        Error::NotFound(format!(
            "path {} not found: {} exists, {} does not ({})",
            path.display(),
            m.found,
            m.missing_at,
            m.reason
        ))
    })
}

pub(crate) fn run(cfg: &Config, args: Args) -> Result<()> {
    let started = Instant::now();
    let opts = Options {
        states: States::Snapshots,
        ..Options::default()
    };
    let (msg, t, feed) = if cfg.feed.recorded() {
        // One pass over the whole file, keeping each instance's last state;
        // then the selection, resolved as at the end of the file.
        let mut feed = Feed::open(&cfg.feed, opts, None)?;
        let mut latest: HashMap<String, (Carried, u64)> = HashMap::new();
        loop {
            match feed.next(None)? {
                Item::State { instance, t, state } => {
                    latest.insert(instance, (state, t));
                }
                Item::End => break,
                _ => {}
            }
        }
        let instance = feed.resolve_at_end(args.sel.clone(), "state")?;
        let Some((msg, t)) = latest.remove(&instance) else {
            return Err(Error::Timeout(format!(
                "no state for {} in the recording",
                crate::output::sanitize(&feed.short_name(&instance))
            )));
        };
        (msg, t, feed)
    } else {
        let mut feed = Feed::open_selected(
            &cfg.feed,
            opts,
            crate::feed::Selected {
                sel: args.sel.clone(),
                command: "state",
                follows: crate::feed::Follows::Once,
                started,
            },
        )?;
        let (msg, t) = newest_state(&mut feed, started + cfg.feed.timeout)?;
        (msg, t, feed)
    };
    let instance = feed.followed().unwrap_or_default().to_string();
    let mut printer = view::printer(cfg.format(), Out::new(cfg.tty));
    let who = Who::of(&feed.registry, &instance);
    let shown_path = args.path.as_ref().map(Path::display);
    let mut print = |raw: &str| {
        printer.print(&Record::State {
            who,
            ts: t,
            path: shown_path.as_deref(),
            raw,
        })
    };
    // Walk the raw text first: a big state never becomes a tree, and is
    // printed (pretty, colored) token by token from its text.
    let root = crate::cli::path(".")?;
    let path = args.path.as_ref().unwrap_or(&root);
    let quick = msg.with_raw_at(path, &mut print);
    match quick {
        Some(written) => written?,
        None => {
            let full = msg.value().ok_or_else(|| {
                Error::Timeout(format!(
                    "the state of instance {instance} could not be read"
                ))
            })?;
            let value = match &args.path {
                Some(p) => lookup(&full, p)?,
                None => &full,
            };
            let text = serde_json::to_string(value).map_err(std::io::Error::other)?;
            print(&text)?;
        }
    }
    printer.flush()?;
    feed.summary();
    Ok(())
}

/// Live: the newest state the followed instance sent while rdx resolved
/// the selection, or the one it sends when asked (UPDATE).
fn newest_state(feed: &mut Feed, deadline: Instant) -> Result<(Carried, u64)> {
    let mut latest = None;
    while feed.has_ready() {
        if let Item::State { state, t, .. } = feed.next(None)? {
            latest = Some((state, t));
        }
    }
    if let Some(found) = latest {
        return Ok(found);
    }
    feed.request_update();
    loop {
        match feed.next(Some(deadline))? {
            Item::State { state, t, .. } => return Ok((state, t)),
            Item::Timeout | Item::End => {
                let who = feed
                    .followed()
                    .map(|k| feed.short_name(k))
                    .unwrap_or_default();
                return Err(Error::Timeout(format!(
                    "no state from {} within --timeout",
                    crate::output::sanitize(&who)
                )));
            }
            _ => {}
        }
    }
}
