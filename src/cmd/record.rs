//! `rdx record FILE`: write the server's traffic to a fixture for `--replay`.

use std::time::{Duration, Instant};

use crate::cli::flags::FlagId;
use crate::cli::{self, Config, Parsed};
use crate::error::{Error, Result};
use crate::feed::recording::Recorder;
use crate::feed::{Feed, Item, Options};

/// What `rdx record` does (its flags are listed from the flag table).
pub(crate) const ABOUT: &str = "\
rdx record - write the server's traffic to a fixture file

Usage: rdx record FILE [--for DUR] [--count N] [GLOBAL FLAGS]

Connects like `rdx sessions` (handshake, subscribe, START) and writes every
frame, in and out, to FILE (replacing it) in rdx's fixture format: one JSON
object per line, {\"t\": epoch ms, \"dir\": \"in\"|\"out\"|\"meta\", \"data\": frame}.
Each line is flushed as it is written, so Ctrl-C leaves a whole file.
The file replays with `rdx --replay FILE <command>`.
";

/// After the flags: output, exit codes, examples.
pub(crate) const MORE: &str = "\
Examples:
  rdx record session.jsonl --for 10s
  rdx record ci-run.jsonl --count 500 && rdx --replay ci-run.jsonl sessions --all
";

#[derive(Debug, Default)]
pub(crate) struct Args {
    pub(crate) file: String,
    pub(crate) listen_for: Option<Duration>,
    pub(crate) count: Option<u64>,
}

/// Read `rdx record`'s flags and FILE.
pub(crate) fn args(p: &Parsed) -> Result<Args> {
    cli::no_more_words(p, 1)?;
    let Some(file) = p.words.first() else {
        return Err(Error::usage(
            "rdx record needs a FILE to write (see `rdx record --help`)",
        ));
    };
    Ok(Args {
        file: file.clone(),
        listen_for: cli::opt(p, FlagId::For, cli::duration)?,
        count: cli::opt(p, FlagId::Count, cli::count)?,
    })
}

pub(crate) fn run(cfg: &Config, args: Args) -> Result<()> {
    let started = Instant::now();
    if cfg.feed.recorded() {
        return Err(Error::usage(
            "rdx record records a live server; it cannot read --replay or --report",
        ));
    }
    let path = args.file;
    let recorder = Recorder::create(&path, false)?;
    let opts = Options {
        messages: true,
        ..Options::default()
    };
    let mut feed = Feed::open(&cfg.feed, opts, Some(recorder))?;
    // --count waits as long as an explicit --timeout allows; --for counts
    // from the moment rdx is subscribed.
    let end = args.count.and(cfg.end_deadline(started));
    let mut stop: Option<Instant> = None;
    let mut messages = 0u64;
    loop {
        if stop.is_none()
            && let Some(d) = args.listen_for
            && feed.started().is_some()
        {
            stop = Some(Instant::now() + d);
        }
        let tick = (args.listen_for.is_some() && stop.is_none())
            .then(|| Instant::now() + Duration::from_millis(50));
        let wake = [end, stop, tick].into_iter().flatten().min();
        match feed.next(wake)? {
            Item::Received => {
                messages += 1;
                if args.count.is_some_and(|n| messages >= n) {
                    break;
                }
            }
            Item::Timeout if end.is_some_and(|e| Instant::now() >= e) => {
                report(cfg, &feed, &path, messages);
                return Err(Error::Timeout(format!(
                    "{messages} of --count {} message(s) recorded within --timeout",
                    args.count.unwrap_or_default()
                )));
            }
            Item::Timeout if stop.is_some_and(|s| Instant::now() >= s) => break,
            Item::End => break,
            _ => {}
        }
    }
    report(cfg, &feed, &path, messages);
    Ok(())
}

fn report(cfg: &Config, feed: &Feed, path: &str, messages: u64) {
    if !cfg.feed.quiet {
        eprintln!(
            "rdx: recorded {messages} message(s) from {} instance(s) to {path}",
            feed.registry.len()
        );
    }
    feed.summary();
}
