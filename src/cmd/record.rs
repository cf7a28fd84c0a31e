//! `rdx record FILE`: write the server's traffic to a fixture for `--replay`.

use std::time::{Duration, Instant};

use crate::cli::{Arg, Config, value_count, value_duration};
use crate::error::{Error, Result};
use crate::feed::fixture::Recorder;
use crate::feed::{Feed, Item, Options};

pub const USAGE: &str = "\
rdx record - write the server's traffic to a fixture file

Usage: rdx record FILE [--for DUR] [--count N] [GLOBAL FLAGS]

Connects like `rdx sessions` (handshake, subscribe, START) and writes every
frame, in and out, to FILE (replacing it) in rdx's fixture format: one JSON
object per line, {\"t\": epoch ms, \"dir\": \"in\"|\"out\"|\"meta\", \"data\": frame}.
Each line is flushed as it is written, so Ctrl-C leaves a whole file.
The file replays with `rdx --replay FILE <command>`.

Flags:
      --for DUR    stop after DUR (counted from subscribed)
  -n, --count N    stop after N relay messages (heartbeats do not count)

Examples:
  rdx record session.jsonl --for 10s
  rdx record ci-run.jsonl --count 500 && rdx --replay ci-run.jsonl sessions --all
";

#[derive(Debug, Default)]
pub struct Args {
    pub file: Option<String>,
    pub listen_for: Option<Duration>,
    pub count: Option<u64>,
}

impl Args {
    pub fn parse_arg(&mut self, arg: &Arg, p: &mut lexopt::Parser) -> Result<bool> {
        match arg {
            Arg::Long(l) if l == "for" => self.listen_for = Some(value_duration(p, "--for")?),
            Arg::Short('n') => self.count = Some(value_count(p, "--count")?),
            Arg::Long(l) if l == "count" => self.count = Some(value_count(p, "--count")?),
            Arg::Value(v) if self.file.is_none() => {
                self.file = Some(v.to_string_lossy().into_owned())
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    pub fn finish(&self) -> Result<()> {
        match self.file {
            Some(_) => Ok(()),
            None => Err(Error::usage(
                "rdx record needs a FILE to write (see `rdx record --help`)",
            )),
        }
    }
}

pub fn run(cfg: &Config, args: Args) -> Result<()> {
    let started = Instant::now();
    if cfg.replay.is_some() {
        return Err(Error::usage(
            "rdx record records a live server; it cannot read --replay",
        ));
    }
    let path = args.file.expect("checked by finish");
    let recorder = Recorder::create(&path, false)?;
    let opts = Options {
        messages: true,
        ..Options::default()
    };
    let mut feed = Feed::open(cfg, opts, Some(recorder))?;
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
            Item::Message { .. } => {
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
    if !cfg.quiet {
        eprintln!(
            "rdx: recorded {messages} message(s) from {} instance(s) to {path}",
            feed.registry.len()
        );
    }
    feed.summary();
}
