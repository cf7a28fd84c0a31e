//! The server's stored reports, for `list_reports` and `get_report`: the
//! latest list the `report` channel sent, the summaries of the reports
//! fetched (a few `getReport` questions in flight, with `rdx reports`'
//! [`Fetcher`]), and the bodies that answer a pending `get_report`.
//!
//! Reports need a live DevTools server: on a recording (`--replay`,
//! `--report`) and on the Expo dev server both tools are tool errors that
//! say so (an empty list would read as "no reports").

use super::*;

use std::collections::HashSet;

use crate::cmd::reports::{self, Fetcher, Filters, Summary};
use crate::relay::report::{History, Listed, NoReport, Note, Report};

/// A `getReport` answer, read: the report and its history (or why its
/// payload cannot be read), or why it holds no report.
type Body = std::result::Result<(Box<Report>, std::result::Result<History, String>), NoReport>;

/// What `rdx mcp` knows of the server's stored reports.
pub(super) struct Stored {
    /// The server's latest list, with the reports added since (None: no
    /// list came yet).
    list: Option<Vec<Listed>>,
    fetch: Fetcher,
    /// What each listed report fetched already says (None: it could not be
    /// read: refused, or no longer stored). Only reports in the list.
    summaries: HashMap<String, Option<Summary>>,
    /// Answers a pending `get_report` waits for, until the calls are tried
    /// again.
    bodies: HashMap<String, Body>,
    /// The link came back: the questions in flight were lost with it.
    relinked: bool,
}

impl Stored {
    pub(super) fn new(timeout: Duration) -> Stored {
        Stored {
            list: None,
            fetch: Fetcher::new(timeout),
            summaries: HashMap::new(),
            bodies: HashMap::new(),
            relinked: false,
        }
    }

    /// The link was made again.
    pub(super) fn relinked(&mut self) {
        self.relinked = true;
    }

    /// What the `report` channel said.
    pub(super) fn note(&mut self, note: Note) {
        match note {
            // Every subscribe (anyone's) sends the whole list again.
            Note::List(rows) => {
                let ids: HashSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
                self.summaries.retain(|k, _| ids.contains(k.as_str()));
                self.list = Some(rows);
            }
            Note::Added(r) => {
                if let Some(list) = &mut self.list
                    && !list.iter().any(|l| l.id == r.id)
                {
                    list.push(r);
                }
            }
            Note::Refused(_) | Note::Bad(_) => {}
        }
    }

    /// A `getReport` answer; `wanted`: a pending `get_report` waits for it.
    pub(super) fn body(&mut self, id: String, data: Value, error: Option<Value>, wanted: bool) {
        if !self.fetch.answered(&id) {
            return;
        }
        let b: Body = crate::relay::report::reply(&id, &data, error.as_ref()).map(|r| {
            let h = r.history();
            (Box::new(r), h)
        });
        if self.listed(&id) {
            let s = b
                .as_ref()
                .ok()
                .map(|(r, h)| Summary::of(r, h.as_ref().ok()));
            self.summaries.insert(id.clone(), s);
        }
        if wanted {
            self.bodies.insert(id, b);
        }
    }

    fn listed(&self, id: &str) -> bool {
        self.list
            .as_ref()
            .is_some_and(|l| l.iter().any(|r| r.id == id))
    }

    /// Before the pending calls are tried again: ask again what a lost
    /// link lost, give up on questions never answered, ask what waits.
    pub(super) fn tick(&mut self, feed: &Feed, now: Instant) {
        if std::mem::take(&mut self.relinked) {
            self.fetch.ask_again(feed);
        }
        self.fetch.expire(now);
        self.fetch.pump(feed);
    }

    /// After the pending calls were tried: the bodies they did not take
    /// are dropped (a cancelled call's).
    pub(super) fn tried(&mut self) {
        self.bodies.clear();
    }
}

impl Server<'_> {
    /// Why this source has no stored reports, if so: a tool error.
    fn no_reports(&self, tool: &str) -> Option<Outcome> {
        let why = if self.cfg.feed.recorded() {
            let what = if self.cfg.feed.report.is_some() {
                "--report (one stored report's history, read as a recording)"
            } else {
                "--replay (a recording)"
            };
            format!(
                "{tool}: reports are stored by the DevTools server and need a live one; \
                 rdx mcp reads {what} here. Start rdx mcp with --port/--url instead"
            )
        } else if self.cfg.feed.url.relay == crate::link::url::Relay::Expo {
            format!(
                "{tool}: the Expo dev server stores no reports; reports are stored by a Redux \
                 DevTools server (`npx @redux-devtools/cli --port 8000`, rdx mcp --port 8000)"
            )
        } else {
            return None;
        };
        Some(Outcome::Done(tool_err(why)))
    }

    /// `list_reports`: the stored reports the filters pass, newest first,
    /// each fetched (once; their summaries are kept).
    pub(super) fn list_reports(
        &mut self,
        feed: &Feed,
        filters: &Filters,
        max: u64,
        last: bool,
    ) -> Outcome {
        if let Some(o) = self.no_reports("list_reports") {
            return o;
        }
        let url = &self.cfg.feed.url;
        let st = &mut self.stored;
        let Some(list) = &st.list else {
            if !last {
                return Outcome::NotYet;
            }
            return Outcome::Done(tool_err(format!(
                "list_reports: {url} sent no report list within the timeout ({}); a server with \
                 no report store, or whose database has no reports table, sends none",
                crate::time::age(self.cfg.feed.timeout.as_millis() as u64)
            )));
        };
        let maybe: Vec<&Listed> = list
            .iter()
            .filter(|r| filters.may_pass(r.title.as_deref(), r.added.as_deref()))
            .collect();
        let mut missing = 0;
        for r in &maybe {
            if !st.summaries.contains_key(&r.id) {
                missing += 1;
                if !last && !st.fetch.wanted(&r.id) {
                    st.fetch.refetch(&r.id);
                }
            }
        }
        st.fetch.pump(feed);
        if missing > 0 {
            if !last {
                return Outcome::NotYet;
            }
            return Outcome::Done(tool_err(format!(
                "list_reports: {url} answered getReport for {} of the {} reports within the \
                 timeout ({}); a server whose report database failed never answers. Try again, \
                 or narrow it with since/title",
                maybe.len() - missing,
                maybe.len(),
                crate::time::age(self.cfg.feed.timeout.as_millis() as u64)
            )));
        }
        let order: HashMap<String, usize> = list
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        let mut got: Vec<Summary> = maybe
            .iter()
            .filter_map(|r| st.summaries.get(&r.id).cloned().flatten())
            .filter(|s| filters.pass(s))
            .collect();
        reports::newest_first(&mut got, &order);
        let listed = list.len();
        Outcome::Done(fit(max, |sq, cuts| {
            let part = Squeeze {
                str_cap: sq.str_cap.min((sq.bulk / 16).max(16) as usize),
                ..*sq
            };
            let shown = cuts.fill("reports", sq.bulk, got.iter(), |s, mine| {
                clipped(s.json(), &part, mine)
            });
            let mut out = Map::new();
            out.insert("source".into(), json!("live"));
            out.insert("listed".into(), json!(listed));
            out.insert("count".into(), json!(got.len()));
            out.insert("returned".into(), json!(shown.len()));
            out.insert("reports".into(), Value::Array(shown));
            if got.is_empty() {
                let why = if listed == 0 {
                    "the server has no stored reports".to_string()
                } else {
                    format!("none of the {listed} stored reports passes the filters")
                };
                out.insert("note".into(), json!(why));
            }
            out
        }))
    }

    /// `get_report`: one report whole (`reports show ID --json`), or the
    /// value at `path` in it, cut to fit `max`.
    pub(super) fn get_report(
        &mut self,
        feed: &Feed,
        id: &str,
        path: Option<&Path>,
        max: u64,
        last: bool,
    ) -> Outcome {
        if let Some(o) = self.no_reports("get_report") {
            return o;
        }
        let url = &self.cfg.feed.url;
        let Some(body) = self.stored.bodies.get(id) else {
            if last {
                return Outcome::Done(tool_err(format!(
                    "get_report: {url} did not answer getReport {id} within the timeout ({}); \
                     a server whose report database failed never answers",
                    crate::time::age(self.cfg.feed.timeout.as_millis() as u64)
                )));
            }
            let fetch = &mut self.stored.fetch;
            if !fetch.wanted(id) {
                fetch.refetch(id);
                fetch.pump(feed);
            }
            return Outcome::NotYet;
        };
        let (r, h) = match body {
            Ok((r, h)) => (r, h),
            Err(NoReport::Refused(why)) => {
                return Outcome::Done(tool_err(format!(
                    "get_report: the server refused getReport {id}: {why}"
                )));
            }
            Err(NoReport::Missing) => {
                return Outcome::Done(tool_err(format!(
                    "get_report: {url} has no report {id}; list_reports lists the stored ones"
                )));
            }
            Err(NoReport::Wrong(why)) => {
                return Outcome::Done(tool_err(format!(
                    "get_report: {url} answered getReport {id} wrongly: {why}"
                )));
            }
        };
        let whole = reports::whole(r, h);
        let value = match path {
            Some(p) => match paths::lookup(&whole, p) {
                Ok(v) => v,
                Err(m) => {
                    return Outcome::Done(tool_err(format!(
                        "get_report: path {} not found in report {id}: {} exists, {} does not \
                         ({}); get_report with path {} shows what is there",
                        p.display(),
                        m.found,
                        m.missing_at,
                        m.reason,
                        m.found
                    )));
                }
            },
            None => &whole,
        };
        let shown_path = path.map_or(".".into(), |p| p.display());
        let prefix = path.filter(|p| !p.segs.is_empty()).map(|p| p.display());
        let cutter = Cutter::new(value, crate::output::json::len(value), max + ENVELOPE);
        Outcome::Done(fit(max, |sq, cuts| {
            let mut out = Map::new();
            out.insert("id".into(), cuts.clip(id, sq));
            out.insert("path".into(), cuts.clip(&shown_path, sq));
            cut_into(&mut out, &cutter, prefix.as_deref().unwrap_or(""), sq, cuts);
            out
        }))
    }
}

/// A JSON object with its strings cut to the squeeze.
fn clipped(mut v: Value, sq: &Squeeze, cuts: &mut Cuts) -> Value {
    if let Value::Object(o) = &mut v {
        for field in o.values_mut() {
            if let Value::String(s) = field {
                *field = cuts.clip(s, sq);
            }
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relay::report::Listed;

    /// A config for `words` (no environment).
    fn cfg(words: &str) -> Config {
        crate::cli::config(&crate::cli::parse::parsed(words), &|_| None).unwrap()
    }

    /// A feed that asks nothing of any server: a one-line recording (the
    /// questions a test makes go nowhere; it hands the answers in).
    fn quiet_feed(tag: &str) -> (Feed, std::path::PathBuf) {
        let path =
            std::env::temp_dir().join(format!("rdx-mcp-stored-{tag}-{}.jsonl", std::process::id()));
        std::fs::write(&path, "").unwrap();
        let mut setup = cfg("mcp").feed;
        setup.replay = Some(path.display().to_string());
        setup.labels = path.with_extension("labels.json");
        (Feed::open(&setup, Options::default(), None).unwrap(), path)
    }

    fn server(cfg: &Config) -> Server<'_> {
        Server::new(cfg)
    }

    fn listed(id: &str, title: &str, added: &str) -> Listed {
        Listed {
            id: id.into(),
            title: Some(title.into()),
            added: Some(added.into()),
        }
    }

    /// A stored row as getReport answers it: a STATE report of `n` INC
    /// actions, the counter at `n`.
    fn row(id: &str, title: &str, added: &str, instance: &str, n: u64) -> Value {
        let mut by_id = Map::new();
        let mut computed = Vec::new();
        by_id.insert(
            "0".into(),
            json!({"type": "PERFORM_ACTION", "action": {"type": "@@INIT"}, "timestamp": 1}),
        );
        computed.push(json!({"state": {"n": 0}}));
        for i in 1..=n {
            by_id.insert(
                i.to_string(),
                json!({"type": "PERFORM_ACTION", "action": {"type": "INC"}, "timestamp": 1 + i}),
            );
            computed.push(json!({"state": {"n": i}}));
        }
        let lifted = json!({"monitorState": {}, "actionsById": by_id, "nextActionId": n + 1,
            "stagedActionIds": (0..=n).collect::<Vec<_>>(), "skippedActionIds": [],
            "currentStateIndex": n, "computedStates": computed, "isLocked": false, "isPaused": false});
        json!({"id": id, "type": "STATE", "title": title, "payload": lifted.to_string(),
            "instanceId": instance, "added": added, "exception": "", "userAgent": "ua",
            "version": "1.0", "appId": "app"})
    }

    fn done(o: Outcome) -> Value {
        match o {
            Outcome::Done(v) => v,
            Outcome::NotYet => panic!("not answered"),
        }
    }

    fn text(v: &Value) -> &str {
        v["content"][0]["text"].as_str().unwrap()
    }

    #[test]
    fn the_list_is_the_latest_with_what_was_added_since() {
        let mut st = Stored::new(Duration::from_secs(5));
        // An add before any list: the list will hold it.
        st.note(Note::Added(listed(
            "x",
            "early",
            "2026-01-01T00:00:00.000Z",
        )));
        assert!(st.list.is_none());
        st.note(Note::List(vec![listed(
            "a",
            "A",
            "2026-01-01T00:00:00.000Z",
        )]));
        st.note(Note::Added(listed("b", "B", "2026-01-01T00:00:01.000Z")));
        st.note(Note::Added(listed("b", "B", "2026-01-01T00:00:01.000Z")));
        st.note(Note::Refused("Type FOO is not supported yet.".into()));
        let ids: Vec<&str> = st
            .list
            .as_ref()
            .unwrap()
            .iter()
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(ids, ["a", "b"]);
        // A summary of a report the next list no longer holds is dropped.
        st.summaries.insert("a".into(), None);
        st.summaries.insert("b".into(), None);
        st.note(Note::List(vec![listed(
            "b",
            "B",
            "2026-01-01T00:00:01.000Z",
        )]));
        assert_eq!(st.summaries.len(), 1);
        assert!(st.summaries.contains_key("b"));
    }

    #[test]
    fn list_reports_waits_for_the_list_and_the_bodies_then_lists_newest_first() {
        let cfg = cfg("--port 1 mcp");
        let (feed, path) = quiet_feed("list");
        let mut srv = server(&cfg);
        let all = Filters::default();
        assert!(matches!(
            srv.list_reports(&feed, &all, MAX_BYTES, false),
            Outcome::NotYet
        ));
        let e = done(srv.list_reports(&feed, &all, MAX_BYTES, true));
        assert_eq!(e["isError"], true);
        assert!(text(&e).contains("sent no report list"), "{e}");

        let (t1, t2) = ("2026-12-03T06:20:58.543Z", "2026-12-03T06:21:00.000Z");
        srv.take(Item::Reports {
            note: Note::List(vec![listed("r1", "first", t1), listed("r2", "second", t2)]),
        });
        assert!(matches!(
            srv.list_reports(&feed, &all, MAX_BYTES, false),
            Outcome::NotYet
        ));
        assert!(srv.stored.fetch.wanted("r1") && srv.stored.fetch.wanted("r2"));
        // One body only, and the call's time is up: an error that says so.
        srv.take(Item::ReportBody {
            id: "r1".into(),
            data: row("r1", "first", t1, "i1", 2),
            error: None,
        });
        let e = done(srv.list_reports(&feed, &all, MAX_BYTES, true));
        assert!(
            text(&e).contains("answered getReport for 1 of the 2"),
            "{e}"
        );
        srv.take(Item::ReportBody {
            id: "r2".into(),
            data: row("r2", "second", t2, "i2", 3),
            error: None,
        });
        let v = done(srv.list_reports(&feed, &all, MAX_BYTES, false));
        let s = &v["structuredContent"];
        assert_eq!(s["listed"], 2);
        assert_eq!(s["count"], 2);
        assert_eq!(s["truncated"], false);
        assert_eq!(
            s["reports"][0],
            json!({"type": "report", "id": "r2", "added": t2, "report_type": "STATE",
                "title": "second", "instance": "i2", "app": null, "version": "1.0",
                "user_agent": "ua", "actions": 3})
        );
        assert_eq!(s["reports"][1]["id"], "r1");
        // Fetched once: the filters are answered from what was kept.
        let only = Filters {
            title: Some(Regex::new("^fir").unwrap()),
            ..Filters::default()
        };
        let v = done(srv.list_reports(&feed, &only, MAX_BYTES, false));
        assert_eq!(v["structuredContent"]["returned"], 1, "{v}");
        assert_eq!(v["structuredContent"]["reports"][0]["id"], "r1");
        let none = Filters {
            instance: Some("nope".into()),
            ..Filters::default()
        };
        let v = done(srv.list_reports(&feed, &none, MAX_BYTES, false));
        assert_eq!(v["structuredContent"]["count"], 0);
        assert!(
            v["structuredContent"]["note"]
                .as_str()
                .unwrap()
                .contains("none of the 2"),
            "{v}"
        );
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn get_report_answers_the_body_cut_and_an_unknown_id_is_an_error() {
        let cfg = cfg("--port 1 mcp");
        let (feed, path) = quiet_feed("get");
        let mut srv = server(&cfg);
        let t = "2026-12-03T06:20:58.543Z";
        let get = |id: &str| Pending {
            id: json!(1),
            call: Call::GetReport {
                id: id.into(),
                path: None,
                max: MAX_BYTES,
            },
            started: Instant::now(),
            deadline: Instant::now(),
            memo: None,
        };
        assert!(matches!(
            srv.get_report(&feed, "r1", None, MAX_BYTES, false),
            Outcome::NotYet
        ));
        assert!(srv.stored.fetch.wanted("r1"));
        srv.pending.push(get("r1"));
        srv.take(Item::ReportBody {
            id: "r1".into(),
            data: row("r1", "first", t, "i1", 300),
            error: None,
        });
        let v = done(srv.get_report(&feed, "r1", None, MAX_BYTES, false));
        let s = &v["structuredContent"];
        assert_eq!(s["value"]["id"], "r1");
        assert_eq!(s["value"]["final_state"], json!({"n": 300}));
        assert_eq!(s["value"]["actions"][0], json!({"id": 1, "type": "INC"}));
        assert_eq!(s["truncated"], false);
        // Small: cut, and it says so.
        let v = done(srv.get_report(&feed, "r1", None, 500, false));
        assert!(crate::output::json::len(&v) <= 500 + ENVELOPE);
        assert_eq!(v["structuredContent"]["truncated"], true, "{v}");
        assert!(v["structuredContent"]["omitted_bytes"].as_u64().unwrap() > 1000);
        // A path into it.
        let p = paths::parse(".final_state.n").unwrap();
        let v = done(srv.get_report(&feed, "r1", Some(&p), MAX_BYTES, false));
        assert_eq!(v["structuredContent"]["value"], 300);
        let p = paths::parse(".nope").unwrap();
        let e = done(srv.get_report(&feed, "r1", Some(&p), MAX_BYTES, false));
        assert!(text(&e).contains("not found in report r1"), "{e}");
        srv.stored.tried();
        srv.pending.clear();

        // The server answers an unknown id with nothing.
        assert!(matches!(
            srv.get_report(&feed, "zz", None, MAX_BYTES, false),
            Outcome::NotYet
        ));
        srv.pending.push(get("zz"));
        srv.take(Item::ReportBody {
            id: "zz".into(),
            data: Value::Null,
            error: None,
        });
        let e = done(srv.get_report(&feed, "zz", None, MAX_BYTES, false));
        assert_eq!(e["isError"], true);
        assert!(text(&e).contains("has no report zz"), "{e}");
        srv.stored.tried();

        // Never answered: at the call's time, an error.
        let e = done(srv.get_report(&feed, "never", None, MAX_BYTES, true));
        assert!(text(&e).contains("did not answer getReport never"), "{e}");
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn questions_never_answered_give_their_room_to_the_next() {
        let (feed, path) = quiet_feed("expire");
        let mut st = Stored::new(Duration::ZERO);
        st.list = Some(
            (0..100)
                .map(|i| listed(&format!("r{i}"), "t", "x"))
                .collect(),
        );
        for i in 0..100 {
            st.fetch.refetch(&format!("r{i}"));
        }
        st.fetch.pump(&feed);
        // A few in flight; they expire at once (timeout 0) and the next go.
        let late = st.fetch.expire(Instant::now());
        assert!(!late.is_empty() && late.len() < 100, "{}", late.len());
        assert!(!st.fetch.wanted("r0"));
        st.tick(&feed, Instant::now());
        assert!(st.fetch.wanted("r99"));
        // An answer to a question given up on is not taken.
        st.tick(&feed, Instant::now());
        st.body("r0".into(), row("r0", "t", "x", "i", 1), None, true);
        assert!(st.bodies.is_empty() && st.summaries.is_empty());
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn a_recording_and_the_expo_server_have_no_reports() {
        for (words, says) in [
            ("--replay x.jsonl mcp", "need a live one"),
            ("--report abc mcp", "--report"),
            ("--expo mcp", "Expo dev server stores no reports"),
        ] {
            let cfg = cfg(words);
            let (feed, path) = quiet_feed("none");
            let mut srv = server(&cfg);
            let e = done(srv.list_reports(&feed, &Filters::default(), MAX_BYTES, false));
            assert!(text(&e).contains(says), "{words}: {e}");
            let e = done(srv.get_report(&feed, "r1", None, MAX_BYTES, false));
            assert!(text(&e).contains(says), "{words}: {e}");
            assert!(text(&e).starts_with("get_report: "), "{e}");
            let _ = std::fs::remove_file(path);
        }
    }

    #[test]
    fn list_reports_and_get_report_arguments() {
        let c = parse_call(
            "list_reports",
            &json!({"since": "1h", "title": "Type", "instance": "i1"}),
        );
        let Ok(Call::ListReports { filters, .. }) = c else {
            panic!("{c:?}")
        };
        let hour_ago = now_ms() - 3_600_000;
        assert!(filters.since.unwrap().abs_diff(hour_ago) < 60_000);
        assert_eq!(filters.instance.as_deref(), Some("i1"));
        let c = parse_call("list_reports", &json!({"since": "2026-12-03T10:00:00Z"}));
        assert!(matches!(c, Ok(Call::ListReports { filters, .. }) if filters.since.is_some()));
        for (args, says) in [
            (json!({"since": "soon"}), "since \"soon\""),
            (json!({"title": "("}), "invalid regex"),
            (json!({"limit": 3}), "unknown argument"),
            (json!({"since": 3}), "must be a string"),
        ] {
            let e = parse_call("list_reports", &args).unwrap_err();
            assert!(matches!(e, Refused::Arguments(_)), "{e:?}");
            assert!(e.text().contains(says), "{args}: {e:?}");
        }
        assert!(
            parse_call("get_report", &json!({}))
                .unwrap_err()
                .text()
                .contains("id is required")
        );
        assert!(
            parse_call("get_report", &json!({"id": " "}))
                .unwrap_err()
                .text()
                .contains("empty")
        );
        assert!(matches!(
            parse_call(
                "get_report",
                &json!({"id": "r1", "max_bytes": 500, "path": ".actions"})
            ),
            Ok(Call::GetReport {
                max: 500,
                path: Some(_),
                ..
            })
        ));
        // Both are listed, read-only, with schemas.
        let tools = tools();
        for name in ["list_reports", "get_report"] {
            let t = tools
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["name"] == name)
                .unwrap();
            assert_eq!(t["annotations"]["readOnlyHint"], true);
            assert!(t["outputSchema"]["properties"]["truncated"].is_object());
        }
    }
}
