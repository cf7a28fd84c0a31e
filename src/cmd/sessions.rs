//! `rdx sessions` (alias `rdx list`): the app instances talking to the server.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::cli::flags::FlagId;
use crate::cli::{self, Config, Parsed};
use crate::error::{Error, Result};
use crate::feed::{Feed, Item, Options};
use crate::model::labels;
use crate::model::registry::{Instance, Status};
use crate::model::selection::Selection;
use crate::output::{Out, sanitize};
use crate::time::now_ms;
use crate::view::{self, Printer, Record};

/// What `rdx sessions` does (its flags are listed from the flag table).
pub(crate) const ABOUT: &str = "\
rdx sessions - list the app instances talking to the server

Usage: rdx sessions [FILTERS] [--for DUR] [--follow] [--all] [--reports] [GLOBAL FLAGS]
       rdx sessions label <instance-id> <label>
       rdx sessions unlabel <instance-id>
       rdx list ...                      (the same as sessions)

Connects, asks every app for its state (START), listens for --for, then prints
the registry: one row per instance (a store, keyed by its instanceId), newest
first. With --replay it reads the whole file instead of listening.
";

/// After the flags: output, exit codes, examples.
pub(crate) const MORE: &str = "\
With --json: one {\"type\":\"instance\",...} object per line with the fields
id, app, label, env, connection, first_seen, last_seen, messages, actions,
last_action, status.

Labels: `rdx sessions label ID NAME` gives an instance a name that lasts (stored in
--labels FILE, default $XDG_STATE_HOME/rdx/labels.json); it shows in the LABEL
column and selects the instance with --instance-select NAME. No connection needed.

With --reports: also the instances the server's stored reports name (where the
sender gave an instanceId) that are not live: status reported, LAST SEEN when
the newest was stored, ACTIONS and LAST ACTION from it; a REPORTS column (and
a \"reports\" field) counts the reports that name each instance.
`rdx --report ID tail` reads one (see `rdx reports`).

Columns: INSTANCE (instanceId, or socket id for legacy apps), APP (its name),
STATUS (live, stopped: the app was told to stop, gone: it disconnected),
MSGS (messages received), ACTIONS (how many actions the app has dispatched, as
far as rdx knows: also those it learned of from a STATE), LAST ACTION, LAST SEEN
(how long before now, or before the end of a replayed file). After rdx's own
link comes back, an instance stays live for 30 s before it counts as gone (apps
take 10-20 s to reconnect to a restarted server).

Examples:
  rdx sessions
  rdx sessions --for 3s --json | jq -r 'select(.status==\"live\") | .id'
  rdx --replay fixtures/two-apps.jsonl sessions --all
  rdx sessions --follow
  rdx sessions --app '/^shop/' --env staging
  rdx sessions label 65ioovqadda checkout && rdx tail --instance-select checkout
";

#[derive(Debug, Default)]
pub(crate) struct Args {
    pub(crate) listen_for: Option<Duration>,
    pub(crate) follow: bool,
    pub(crate) all: bool,
    /// `--reports`: the instances stored reports name, too.
    pub(crate) reports: bool,
    pub(crate) sel: Selection,
    /// `label ID NAME` / `unlabel ID`: the words after `sessions`.
    pub(crate) words: Vec<String>,
}

/// Read `rdx sessions`'s flags, and the words of `label` / `unlabel`.
pub(crate) fn args(p: &Parsed) -> Result<Args> {
    let words = p.words.clone();
    match words.first().map(String::as_str) {
        None => {}
        Some("label") if words.len() == 3 => {}
        Some("unlabel") if words.len() == 2 => {}
        Some("label") => {
            return Err(Error::usage(
                "usage: rdx sessions label <instance-id> <label>",
            ));
        }
        Some("unlabel") => return Err(Error::usage("usage: rdx sessions unlabel <instance-id>")),
        Some(_) => cli::no_more_words(p, 0)?,
    }
    Ok(Args {
        listen_for: cli::opt(p, FlagId::For, cli::duration)?,
        follow: p.flag(FlagId::Follow),
        all: p.flag(FlagId::All),
        reports: p.flag(FlagId::Reports),
        sel: cli::selection(p)?,
        words,
    })
}

/// `rdx sessions label ID NAME` / `unlabel ID`: write the store, no connection.
fn run_label(cfg: &Config, words: &[String]) -> Result<()> {
    let id = &words[1];
    if id.trim().is_empty() {
        return Err(Error::usage("the instance id is empty"));
    }
    match words[0].as_str() {
        "label" => {
            let label = &words[2];
            labels::validate(label)?;
            let mut clash = None;
            labels::update(&cfg.feed.labels, |l| {
                clash = l
                    .iter()
                    .find(|(k, v)| *k != id && *v == label)
                    .map(|(k, _)| k.clone());
                l.insert(id.clone(), label.clone());
            })?;
            if !cfg.feed.quiet {
                eprintln!("rdx: labelled {} as {}", sanitize(id), sanitize(label));
                if let Some(other) = clash {
                    eprintln!(
                        "rdx: note: {} has the same label; --instance-select {} will match both",
                        sanitize(&other),
                        sanitize(label)
                    );
                }
            }
        }
        _ => {
            let mut had = false;
            labels::update(&cfg.feed.labels, |l| had = l.remove(id).is_some())?;
            if !cfg.feed.quiet {
                if had {
                    eprintln!("rdx: removed the label of {}", sanitize(id));
                } else {
                    eprintln!("rdx: {} had no label", sanitize(id));
                }
            }
        }
    }
    Ok(())
}

/// Listen until the discovery window closes: in replay, the whole file;
/// live, `window` from the moment rdx is subscribed.
fn discover(feed: &mut Feed, window: Duration) -> Result<()> {
    if feed.is_replay() {
        return feed.drain_until(None);
    }
    // Wait for the link (bounded by --timeout in the transport), then listen.
    while feed.started().is_none() {
        feed.drain_until(Some(Instant::now() + Duration::from_millis(50)))?;
    }
    feed.drain_until(Some(Instant::now() + window))
}

pub(crate) fn run(cfg: &Config, args: Args) -> Result<()> {
    if !args.words.is_empty() {
        return run_label(cfg, &args.words);
    }
    let opts = Options {
        changes: args.follow,
        ..Options::default()
    };
    let started = Instant::now();
    // The reports come over a link of their own, opened first: it
    // subscribes while the apps are listened to.
    let mut reports_feed = match args.reports {
        true if cfg.feed.recorded() => {
            return Err(Error::usage(
                "--reports lists what a live server stored; it cannot read --replay or --report",
            ));
        }
        true => Some(crate::cmd::reports::open(cfg)?),
        false => None,
    };
    let mut feed = Feed::open(&cfg.feed, opts, None)?;
    let window = args.listen_for.unwrap_or(Duration::from_secs(1));
    discover(&mut feed, window)?;
    let reported = match reports_feed.as_mut() {
        Some(rf) => {
            let got = crate::cmd::reports::collect(cfg, rf, &Default::default(), started)?;
            reported_instances(&got.reports, &cfg.feed.labels)
        }
        None => Vec::new(),
    };
    let mut printer = view::printer(cfg.format(), Out::new(args.follow || cfg.tty));
    let reference = if feed.is_replay() {
        feed.last_t
    } else {
        now_ms()
    };
    let counts: HashMap<&str, u64> = reported
        .iter()
        .map(|i| (i.id.as_str(), i.reports.unwrap_or(0)))
        .collect();
    let live: Vec<Instance> = feed
        .registry
        .sorted(args.all)
        .into_iter()
        .filter(|i| args.sel.admits(i))
        .map(|i| {
            let mut i = i.clone();
            if args.reports {
                i.reports = Some(counts.get(i.id.as_str()).copied().unwrap_or(0));
            }
            i
        })
        .collect();
    let reported: Vec<Instance> = reported
        .into_iter()
        .filter(|r| feed.registry.get(&r.id).is_none() && args.sel.admits(r))
        .collect();
    let list: Vec<&Instance> = live.iter().chain(reported.iter()).collect();
    printer.print(&Record::Instances {
        list: &list,
        reference_ms: reference,
    })?;
    let follow = args.follow && !feed.is_replay();
    if !cfg.feed.quiet {
        let hidden = feed
            .registry
            .iter()
            .filter(|i| i.status == Status::Gone && args.sel.admits(i))
            .count()
            * usize::from(!args.all);
        if list.is_empty() && hidden == 0 && !follow {
            let where_ = if feed.is_replay() {
                "in the recording".to_string()
            } else {
                format!("in {}", crate::time::age(window.as_millis() as u64))
            };
            eprintln!(
                "rdx: no app instances seen {where_} (apps need @redux-devtools/remote with realtime: true)"
            );
        } else if hidden > 0 {
            eprintln!("rdx: {hidden} gone instance(s) not shown (--all shows them)");
        }
        let forgotten = feed.registry.forgotten();
        if args.all && forgotten > 0 {
            eprintln!(
                "rdx: {forgotten} older gone instance(s) not shown: rdx keeps the newest {}",
                crate::feed::gone_kept(feed.is_replay())
            );
        }
        let let_go = feed.registry.let_go_count();
        if args.all && let_go > 0 {
            let b = feed.registry.bounds();
            eprintln!(
                "rdx: {let_go} live or stopped instance(s) let go, not shown: rdx keeps at most {} of them (and {} MiB of instances), the most recently seen",
                b.active,
                b.bytes >> 20
            );
        }
    }
    printer.flush()?;
    if follow {
        let shown: HashMap<String, (Status, String)> = list
            .iter()
            .map(|i| (i.id.clone(), (i.status, i.connection.clone())))
            .collect();
        follow_changes(&mut feed, printer.as_mut(), &args.sel, shown)?;
    }
    feed.summary();
    Ok(())
}

/// The instances stored reports name (newest report first in `reports`),
/// as registry rows with status reported.
fn reported_instances(
    reports: &[crate::cmd::reports::Summary],
    labels_path: &std::path::Path,
) -> Vec<Instance> {
    let labels = labels::load_or_warn(labels_path).labels;
    let mut by_id: Vec<Instance> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for r in reports {
        let Some(id) = r.instance.as_deref() else {
            continue;
        };
        let t = r
            .added
            .as_deref()
            .and_then(crate::time::parse_rfc3339_ms)
            .unwrap_or(0);
        match at.get(id) {
            Some(&k) => {
                let i = &mut by_id[k];
                i.reports = i.reports.map(|n| n + 1);
                i.first_seen = i.first_seen.min(t);
            }
            None => {
                at.insert(id.to_string(), by_id.len());
                by_id.push(Instance {
                    id: id.to_string(),
                    app: None,
                    label: labels.get(id).cloned(),
                    env: None,
                    // The newest report that names it.
                    connection: r.id.clone(),
                    first_seen: t,
                    last_seen: t,
                    messages: 0,
                    actions: r.actions.unwrap_or(0) as u64,
                    last_action: r.last_action.clone(),
                    status: Status::Reported,
                    reports: Some(1),
                });
            }
        }
    }
    by_id
}

/// `--follow`: a line each time an instance appears or its status (or
/// connection) changes; never the same state twice.
fn follow_changes(
    feed: &mut Feed,
    printer: &mut dyn Printer,
    sel: &Selection,
    mut shown: HashMap<String, (Status, String)>,
) -> Result<()> {
    loop {
        let (t, change) = match feed.next(None)? {
            Item::Instance { t, change } => (t, change),
            Item::End | Item::Timeout => return Ok(()),
            _ => continue,
        };
        let instance = change.instance();
        let Some(inst) = feed.registry.get(instance).filter(|i| sel.admits(i)) else {
            continue;
        };
        let now = (inst.status, inst.connection.clone());
        let new = match shown.get(instance) {
            Some(before) if *before == now => continue,
            Some(_) => false,
            None => true,
        };
        shown.insert(instance.to_string(), now);
        // What the registry has forgotten is forgotten here too (all day
        // against apps that reload: issue 13).
        if shown.len() > 2 * feed.registry.len() + 64 {
            shown.retain(|k, _| feed.registry.get(k).is_some());
        }
        printer.print(&Record::Instance { ts: t, inst, new })?;
    }
}
