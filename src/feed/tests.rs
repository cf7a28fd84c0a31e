//! The feed's bookkeeping as a whole, on generated recordings: what it
//! costs per event, and what it lets go.

use std::sync::mpsc;
use std::time::Duration;

use super::*;
use crate::feed::event::Event;

/// A file removed on drop.
pub(super) struct TempFile(std::path::PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A recording in a temporary file, removed on drop.
pub(super) struct Recording(TempFile);

impl Recording {
    pub(super) fn new(tag: &str, lines: &str) -> Recording {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "rdx-feed-{tag}-{}-{}.jsonl",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::write(&path, lines).unwrap();
        Recording(TempFile(path))
    }

    pub(super) fn setup(&self) -> Setup {
        Setup {
            url: crate::link::url::WsUrl::parse("ws://127.0.0.1:1/socketcluster/").unwrap(),
            replay: Some(self.0.0.display().to_string()),
            spool: None,
            record: None,
            timeout: Duration::from_secs(5),
            login: false,
            reconnect: true,
            want: Default::default(),
            report: None,
            trust: crate::link::tls::Trust {
                cacert: None,
                insecure: false,
            },
            labels: self.0.0.with_extension("labels.json"),
            quiet: true,
            verbose: false,
        }
    }
}

/// One `dir:"in"` line: a `#publish` on `log` of `msg`.
pub(super) fn frame(t: u64, msg: &str) -> String {
    let data = format!(r##"{{"event":"#publish","data":{{"channel":"log","data":{msg}}}}}"##);
    format!(
        "{}\n",
        serde_json::json!({"t": t, "dir": "in", "data": data})
    )
}

pub(super) fn start(t: u64, i: usize, app: &str) -> String {
    frame(
        t,
        &format!(r#"{{"type":"START","id":"s{i}","instanceId":"i{i}","name":"{app}"}}"#),
    )
}

/// Run `f` on a thread of its own; fail if it takes longer than `limit` (a
/// watchdog many times what the work costs when each step is O(log n), and
/// a fraction of what it costs when each step is O(n)).
pub(super) fn within<T: Send + 'static>(
    limit: Duration,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(v) => v,
        Err(_) => panic!("watchdog: {what} still running after {limit:?}"),
    }
}

const T0: u64 = 1_795_520_108_713;

#[test]
fn marking_twenty_thousand_unheard_instances_gone_is_not_quadratic() {
    // 20,000 instances of four apps were live when rdx's link dropped; none
    // is heard from again within the grace, and two new instances of "app0"
    // appeared meanwhile (the one replacement the first gone can have).
    // O(n) per instance made this 9 s in a release build (20k × 20k looks
    // around for replacements), minutes in a debug one.
    let n = 20_000;
    let gone = within(Duration::from_secs(20), "marking unheard gone", move || {
        let mut text = String::new();
        for i in 0..n {
            text.push_str(&start(T0 + i as u64 / 100, i, &format!("app{}", i % 4)));
        }
        let back = T0 + 1000;
        text.push_str(&start(back + 10, n, "app0"));
        text.push_str(&start(back + 20, n + 1, "app0"));
        let rec = Recording::new("unheard", &text);
        let opts = Options {
            changes: true,
            ..Options::default()
        };
        let mut feed = Feed::open(&rec.setup(), opts, None).unwrap();
        feed.drain().unwrap();
        feed.reconnected_at = Some(back);
        feed.timers(Some(back + RECONNECT_GRACE_MS));
        let lines = feed
            .ready
            .iter()
            .filter(|i| matches!(i, Item::Instance { .. }))
            .count();
        (lines, feed.registry.forgotten(), feed.registry.len())
    });
    let (lines, forgotten, kept) = gone;
    assert_eq!(lines, n, "one line per instance that went");
    // what is kept is bounded as always: the newest gone ones and the two live
    assert_eq!(forgotten + kept, n + 2);
    assert_eq!(kept, gone_kept(true) + 2);
}

/// A relay message, decoded.
fn msg(v: serde_json::Value) -> Box<Message> {
    Box::new(Message::decode(v).unwrap())
}

/// A feed on a recording that holds nothing but the handshake, for a test
/// to hand events to itself.
fn empty_feed(opts: Options) -> (Feed, Recording) {
    let hs = r#"{"rid":1,"data":{"id":"m","pingTimeout":30000,"isAuthenticated":false}}"#;
    let text = format!(
        "{}\n",
        serde_json::json!({"t": T0, "dir": "in", "data": hs})
    );
    let rec = Recording::new("empty", &text);
    let feed = Feed::open(&rec.setup(), opts, None).unwrap();
    (feed, rec)
}

#[test]
fn forty_thousand_instances_holding_gapped_actions_cost_log_n_each() {
    // Each instance: START, action 1, action 3 (2 never comes): its action 3
    // waits for a STATE, and all 40,000 wait at once. Looking at every held
    // instance for the next timer on every event made a recording of this
    // take 5.9 s in a release build (×4 per doubling).
    let n = 40_000;
    let (actions, gaps) = within(Duration::from_secs(40), "gapped instances", move || {
        let (mut feed, _rec) = empty_feed(Options {
            actions: true,
            ..Options::default()
        });
        let mut events = Vec::new();
        for i in 0..n {
            let t = T0 + i as u64 / 50;
            let (s, k) = (format!("s{i}"), format!("i{i}"));
            events.push((
                t,
                msg(serde_json::json!({"type":"START","id":s,"instanceId":k,"name":"app"})),
            ));
            for next in [2, 4] {
                events.push((t, msg(serde_json::json!({"type":"ACTION","id":s,"instanceId":k,"name":"app","nextActionId":next}))));
            }
        }
        let (mut actions, mut gaps) = (0, 0);
        let mut count = |feed: &mut Feed| {
            for item in feed.ready.drain(..) {
                match item {
                    Item::Action(_) => actions += 1,
                    Item::Gap(g) => {
                        assert_eq!((g.from, g.to), (2, 2));
                        gaps += 1;
                    }
                    _ => {}
                }
            }
        };
        for (t, msg) in events {
            feed.observe(Event::Relay { t, msg }).unwrap();
            count(&mut feed);
        }
        feed.observe(Event::End).unwrap();
        count(&mut feed);
        (actions, gaps)
    });
    assert_eq!((actions, gaps), (2 * n, n));
}

#[test]
fn what_the_feed_holds_for_instances_the_registry_let_go_goes_with_them() {
    use crate::model::registry::Bounds;
    let (mut feed, _rec) = empty_feed(Options {
        actions: true,
        ..Options::default()
    });
    feed.registry = Registry::with_bounds(Bounds {
        active: 1000,
        bytes: usize::MAX,
    });
    let n = 5000;
    for i in 0..n {
        // each holds its action 3 (a ledger and a timer each), and app0's
        // new instances are candidates of a reload window
        let t = T0 + i as u64 / 10;
        let (s, k) = (format!("s{i}"), format!("i{i}"));
        let app = format!("app{}", i % 4);
        for v in [
            serde_json::json!({"type":"START","id":s,"instanceId":k,"name":app}),
            serde_json::json!({"type":"ACTION","id":s,"instanceId":k,"name":app,"nextActionId":2}),
            serde_json::json!({"type":"ACTION","id":s,"instanceId":k,"name":app,"nextActionId":4}),
        ] {
            feed.observe(Event::Relay { t, msg: msg(v) }).unwrap();
        }
        if i % 400 == 0 {
            feed.observe(Event::Relay {
                t,
                msg: msg(serde_json::json!({"type":"DISCONNECTED","id":s})),
            })
            .unwrap();
        }
        feed.ready.clear();
        // 1000 live ones at most, and the few gone ones
        assert!(
            feed.registry.len() <= 1000 + 13,
            "{i}: {}",
            feed.registry.len()
        );
        assert!(
            feed.ledgers.len() <= feed.registry.len(),
            "{i}: {}",
            feed.ledgers.len()
        );
        assert!(feed.holds.len() <= feed.registry.len());
    }
    assert!(feed.registry.let_go_count() >= n - 1000 - 13);
    assert!(feed.said_let_go);
    // every ledger, timer and reload candidate is of an instance still known
    assert!(feed.ledgers.keys().all(|k| feed.registry.get(k).is_some()));
    let candidates = feed.reloads.candidates();
    assert!(!candidates.is_empty());
    assert!(
        candidates.iter().all(|k| feed.registry.get(k).is_some()),
        "{candidates:?}"
    );
}

#[test]
fn a_replayed_chain_of_reloads_is_walked_back_in_linear_time() {
    // One tab reloaded 100,000 times; `tail --instance-select /^i/` on the
    // recording follows the chain from its first instance. Each step back
    // looked through every reload seen (5·10⁹ comparisons).
    let n = 100_000;
    let root = within(Duration::from_secs(60), "walking the chain", move || {
        let mut text = start(T0, 0, "tab");
        let mut t = T0;
        for k in 0..n {
            text.push_str(&frame(
                t + 100,
                &format!(r#"{{"type":"DISCONNECTED","id":"s{k}"}}"#),
            ));
            text.push_str(&start(t + 110, k + 1, "tab"));
            t += 1200;
        }
        let rec = Recording::new("chain", &text);
        let sel = crate::model::selection::Selection {
            select: Some(
                crate::model::selection::Matcher::parse("/^i/", "--instance-select").unwrap(),
            ),
            ..Default::default()
        };
        let opts = Options {
            actions: true,
            ..Options::default()
        };
        let feed = Feed::open_selected(
            &rec.setup(),
            opts,
            Selected {
                sel,
                command: "tail",
                follows: Follows::AcrossReloads,
                started: std::time::Instant::now(),
            },
        )
        .unwrap();
        feed.followed().map(str::to_string)
    });
    assert_eq!(root.as_deref(), Some("i0"));
}

#[test]
fn live_reloads_all_day_keep_no_log() {
    let (mut feed, _rec) = empty_feed(Options::default());
    feed.replay = false;
    for k in 0..1000 {
        feed.verdict(crate::feed::reload::Verdict::Reload {
            old: format!("i{k}"),
            new: format!("i{}", k + 1),
        });
    }
    assert!(feed.reload_log.is_empty());
}

/// What a replay's selection that picks no instance says, as data: the
/// label store searched for a label, or the gone instance the label names.
#[test]
fn a_label_that_picks_nothing_says_why() {
    use crate::error::SelectionError;
    let open = |text: &str, store: Option<&str>| {
        let rec = Recording::new("unpicked", text);
        let setup = rec.setup();
        if let Some(st) = store {
            std::fs::write(&setup.labels, st).unwrap();
        }
        let sel = crate::model::selection::Selection {
            select: Some(
                crate::model::selection::Matcher::parse("checkout", "--instance-select").unwrap(),
            ),
            ..Default::default()
        };
        let selected = Selected {
            sel,
            command: "tail",
            follows: Follows::AcrossReloads,
            started: std::time::Instant::now(),
        };
        let got = Feed::open_selected(&setup, Options::default(), selected);
        let _ = std::fs::remove_file(&setup.labels);
        match got {
            Err(Error::Selection(e)) => (*e, setup.labels),
            other => panic!("{:?}", other.map(|f| f.followed().map(str::to_string))),
        }
    };
    let admins = format!("{}{}", start(T0, 1, "admin"), start(T0 + 10, 2, "admin"));
    let (e, store) = open(&admins, None);
    assert!(
        matches!(&e, SelectionError::NoMatch { seen: 2, apps, labels: Some(l), .. }
            if *apps == [Some("admin".to_string())] && *l == store),
        "{e:?}"
    );
    // i0 (labelled, of shop) is not in the recording; two shops are.
    let shops = format!(
        "{}{}{}",
        start(T0, 1, "admin"),
        start(T0 + 10, 2, "shop"),
        start(T0 + 20, 3, "shop")
    );
    let labelled = r#"{"labels":{"i0":"checkout"},"apps":{"i0":"shop"}}"#;
    let (e, _) = open(&shops, Some(labelled));
    let SelectionError::Gone {
        asked,
        old,
        label,
        app,
        mut live,
    } = e
    else {
        panic!("{e:?}")
    };
    live.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(asked.select.as_deref(), Some("checkout"));
    assert_eq!(
        (old.as_str(), label.as_deref(), app.as_deref()),
        ("i0", Some("checkout"), Some("shop"))
    );
    let ids: Vec<&str> = live.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["i2", "i3"]);
    // An older store that does not say which app i0 was.
    let (e, _) = open(&admins, Some(r#"{"labels":{"i0":"checkout"}}"#));
    assert!(
        matches!(&e, SelectionError::Gone { app: None, live, .. } if live.is_empty()),
        "{e:?}"
    );
}
