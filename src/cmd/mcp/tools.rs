//! What each tool answers: the calls run against the feed and the ring of
//! recent actions, or kept pending until they can be answered.

use super::*;

use crate::model::registry::Instance;
use crate::output::json;
use crate::query::paths::Missing;

/// What `get_actions` asks for besides the instance.
struct ActionsAsked {
    ty: Option<Regex>,
    since: Option<i64>,
    limit: usize,
    with_diff: bool,
}

impl Server<'_> {
    pub(super) fn run_call(&mut self, feed: &mut Feed, p: &mut Pending, last: bool) -> Outcome {
        if !matches!(p.call, Call::Label { .. })
            && let Some(o) = self.unreachable(feed, last)
        {
            return o;
        }
        match p.call.clone() {
            Call::ListSessions { sel, all, max } => self.list_sessions(feed, &sel, all, max, last),
            Call::GetState { sel, path, max } => self.get_state(feed, &sel, path, max, last),
            Call::GetActions {
                sel,
                ty,
                since,
                limit,
                with_diff,
                max,
            } => {
                let ask = ActionsAsked {
                    ty,
                    since,
                    limit,
                    with_diff,
                };
                self.get_actions(feed, &sel, &ask, max, last)
            }
            Call::WaitFor {
                sel, path, equals, ..
            } => self.wait_for(feed, p, &sel, &path, equals.as_ref(), last),
            Call::Label { id, label, max } => self.label(feed, &id, &label, max),
            Call::ListReports { filters, max } => self.list_reports(feed, &filters, max, last),
            Call::GetReport { id, path, max } => {
                self.get_report(feed, &id, path.as_ref(), max, last)
            }
        }
    }

    /// `list_sessions`: the registry, newest first, cut to `max`.
    fn list_sessions(
        &self,
        feed: &Feed,
        sel: &Selection,
        all: bool,
        max: u64,
        last: bool,
    ) -> Outcome {
        if !last && !self.settled(feed) {
            return Outcome::NotYet;
        }
        let list: Vec<&Instance> = feed
            .registry
            .sorted(all)
            .into_iter()
            .filter(|i| sel.admits(i))
            .collect();
        let hidden = if all {
            0
        } else {
            feed.registry
                .iter()
                .filter(|i| i.status == Status::Gone && sel.admits(i))
                .count()
        };
        let source = if feed.is_replay() { "replay" } else { "live" };
        Outcome::Done(fit(max, |sq, cuts| {
            // Newest first, as many as the bulk holds; their strings
            // shrink with it, so that a small one still lists one.
            let part = Squeeze {
                str_cap: sq.str_cap.min((sq.bulk / 16).max(16) as usize),
                ..*sq
            };
            let sessions = cuts.fill("sessions", sq.bulk, list.iter(), |inst, mine| {
                session(inst, &part, mine)
            });
            let mut out = Map::new();
            out.insert("source".into(), json!(source));
            out.insert("count".into(), json!(list.len()));
            out.insert("hidden_gone".into(), json!(hidden));
            out.insert("returned".into(), json!(sessions.len()));
            out.insert("sessions".into(), Value::Array(sessions));
            out
        }))
    }

    /// `get_state`: the followed instance's state (or the value at `path`).
    fn get_state(
        &mut self,
        feed: &mut Feed,
        sel: &Selection,
        path: Option<Path>,
        max: u64,
        last: bool,
    ) -> Outcome {
        let k = match self.pick(feed, sel, last) {
            Ok(k) => k,
            Err(o) => return o,
        };
        let Some(seen) = self.seen.get(&k).filter(|s| s.state.is_some()) else {
            return self.no_state_yet(feed, &k, last);
        };
        let state = seen.state.as_ref().expect("filtered");
        let value = match &path {
            Some(p) => match paths::lookup(state, p) {
                Ok(v) => v,
                Err(m) => return Outcome::Done(not_found(&k, p, &m)),
            },
            None => state,
        };
        self.state_answer(feed, &k, seen, value, path.as_ref(), max)
    }

    /// No state seen from `k` yet: ask it for one (once) and wait, or, on
    /// the last try, say so.
    fn no_state_yet(&mut self, feed: &mut Feed, k: &str, last: bool) -> Outcome {
        if !last {
            if self.asked.insert(k.to_string()) {
                feed.request_update();
            }
            return Outcome::NotYet;
        }
        Outcome::Done(tool_err(format!(
            "no state seen from instance {k} yet ({}); rdx asked it for one: try again in a moment",
            if feed.is_replay() {
                "the recording holds none"
            } else {
                "it has not answered"
            }
        )))
    }

    /// `get_state`'s answer: `value` (the state, or its value at `path`)
    /// cut to fit `max`.
    fn state_answer(
        &self,
        feed: &Feed,
        k: &str,
        seen: &Seen,
        value: &Value,
        path: Option<&Path>,
        max: u64,
    ) -> Outcome {
        let shown_path = path.map_or(".".into(), |p| p.display());
        let prefix = path.filter(|p| !p.segs.is_empty()).map(|p| p.display());
        let cutter = Cutter::new(value, json::len(value), max + ENVELOPE);
        Outcome::Done(fit(max, |sq, cuts| {
            let mut out = self.about(feed, k, sq, cuts);
            out.insert("path".into(), cuts.clip(&shown_path, sq));
            out.insert("ts".into(), json!(rfc3339_ms(seen.state_t)));
            let prefix = prefix.as_deref().unwrap_or("");
            cut_into(&mut out, &cutter, prefix, sq, cuts);
            if seen.state_cut {
                if path.is_none() {
                    cuts.value();
                }
                out.insert("state_kept_cut".into(), kept_cut(seen));
            }
            out
        }))
    }

    /// `get_actions`: the instance's recent actions, filtered, newest kept.
    fn get_actions(
        &mut self,
        feed: &mut Feed,
        sel: &Selection,
        ask: &ActionsAsked,
        max: u64,
        last: bool,
    ) -> Outcome {
        let ActionsAsked {
            ty,
            since,
            limit,
            with_diff,
        } = ask;
        let (since, limit, with_diff) = (*since, *limit, *with_diff);
        let k = match self.pick(feed, sel, last) {
            Ok(k) => k,
            Err(o) => return o,
        };
        let empty = VecDeque::new();
        let recent = self.seen.get(&k).map_or(&empty, |s| &s.recent);
        let mut chosen: Vec<&Recent> = recent
            .iter()
            .rev()
            .filter(|r| ty.as_ref().is_none_or(|re| re.is_match(&r.ty)))
            .filter(|r| since.is_none_or(|s| r.id.is_some_and(|id| id > s)))
            .take(limit)
            .collect();
        chosen.reverse();
        let kept = recent.len();
        let newest = recent.back().and_then(|r| r.id);
        Outcome::Done(fit(max, |sq, cuts| {
            // Each action (and diff) gets up to an even share of
            // the bulk; small ones leave theirs to the big ones.
            let sizes: Vec<u64> = chosen
                .iter()
                .flat_map(|r| {
                    let d = if with_diff {
                        r.diff.as_ref().map_or(4, |d| d.iter().map(weight).sum())
                    } else {
                        0
                    };
                    [weight(&r.action), d]
                })
                .collect();
            let each = share(&sizes, sq.bulk * 3 / 4);
            // Newest first: when they do not all fit, the oldest go.
            let mut actions = cuts.fill("actions", sq.bulk, chosen.iter().rev(), |r, mine| {
                entry(r, with_diff, each, sq, mine)
            });
            actions.reverse();
            let mut out = self.about(feed, &k, sq, cuts);
            out.insert("kept".into(), json!(kept));
            out.insert("newest_id".into(), json!(newest));
            out.insert("returned".into(), json!(actions.len()));
            out.insert("actions".into(), Value::Array(actions));
            out
        }))
    }

    /// `wait_for`: met, or pending until the value changes or equals.
    fn wait_for(
        &mut self,
        feed: &mut Feed,
        p: &mut Pending,
        sel: &Selection,
        path: &Path,
        equals: Option<&Value>,
        last: bool,
    ) -> Outcome {
        let k = match &p.memo {
            Some((k, _)) => k.clone(),
            None => match self.pick(feed, sel, last) {
                Ok(k) => k,
                Err(o) => return o,
            },
        };
        let has_state = self.seen.get(&k).is_some_and(|s| s.state.is_some());
        let now_value = self
            .seen
            .get(&k)
            .and_then(|s| s.state.as_ref())
            .and_then(|st| paths::lookup(st, path).ok().cloned());
        let before = p.memo.take().and_then(|(_, b)| b);
        let (met, before) = match (&equals, has_state, before) {
            (_, false, _) => {
                if self.asked.insert(k.clone()) {
                    feed.request_update();
                }
                (false, None)
            }
            (Some(want), true, b) => (now_value.as_ref() == Some(want), b),
            // The first value seen is the one to change from.
            (None, true, None) => (false, Some(now_value.clone())),
            (None, true, Some(b)) => (now_value != b, Some(b)),
        };
        p.memo = Some((k.clone(), before));
        if met || last {
            return self.waited(feed, p, &k, path, met, now_value);
        }
        Outcome::NotYet
    }

    /// `label_session`: a label written to the store rdx's commands share.
    fn label(&mut self, feed: &mut Feed, id: &str, label: &str, max: u64) -> Outcome {
        let mut clash = None;
        let mut previous = None;
        let store = labels::update(&self.cfg.feed.labels, |l| {
            clash = l
                .iter()
                .find(|(k, v)| **k != id && **v == label)
                .map(|(k, _)| k.clone());
            previous = l.insert(id.to_string(), label.to_string());
        });
        match store {
            Ok(l) => {
                feed.registry.set_user_labels(l);
                let known = feed.registry.get(id).is_some();
                Outcome::Done(fit(max, |sq, cuts| {
                    let mut out = Map::new();
                    out.insert("id".into(), cuts.clip(id, sq));
                    out.insert("label".into(), cuts.clip(label, sq));
                    out.insert("previous".into(), cuts.clip_opt(previous.as_deref(), sq));
                    out.insert("known".into(), json!(known));
                    if let Some(other) = &clash {
                        let other = cuts.clip(other, sq);
                        let other = other.as_str().unwrap_or_default();
                        let label = cuts.clip(label, sq);
                        let label = label.as_str().unwrap_or_default();
                        out.insert(
                            "note".into(),
                            json!(format!(
                                "{other} has the same label; select {label} matches both"
                            )),
                        );
                    }
                    out
                }))
            }
            Err(e) => Outcome::Done(tool_err(e.to_string())),
        }
    }

    /// `wait_for`'s answer.
    pub(super) fn waited(
        &self,
        feed: &Feed,
        p: &Pending,
        k: &str,
        path: &Path,
        met: bool,
        value: Option<Value>,
    ) -> Outcome {
        let max = p.call.max();
        let waited = p.started.elapsed().as_millis() as u64;
        let size = value.as_ref().map_or(0, json::len);
        let cutter = value.as_ref().map(|v| Cutter::new(v, size, max + ENVELOPE));
        Outcome::Done(fit(max, |sq, cuts| {
            let mut out = self.about(feed, k, sq, cuts);
            out.insert("path".into(), cuts.clip(&path.display(), sq));
            out.insert("met".into(), json!(met));
            out.insert("timed_out".into(), json!(!met && !feed.is_replay()));
            out.insert("missing".into(), json!(value.is_none()));
            let (shown, cut) = match &cutter {
                Some(c) => c.cut(sq),
                None => (Value::Null, false),
            };
            out.insert("value".into(), shown);
            if cut {
                cuts.value();
                out.insert("value_bytes".into(), json!(size));
            }
            out.insert("waited_ms".into(), json!(waited));
            if let Some(r) = self.seen.get(k).and_then(|s| s.recent.back()) {
                out.insert(
                    "last_action".into(),
                    json!({"id": r.id, "type": cuts.clip(&r.ty, sq)}),
                );
            }
            if !met {
                let why = if feed.is_replay() {
                    "the recording ends before the condition holds"
                } else {
                    "the condition did not hold within timeout_s; call wait_for again to keep waiting"
                };
                out.insert("note".into(), json!(why));
            }
            out
        }))
    }

    /// The instance fields every answer about one instance carries.
    pub(super) fn about(
        &self,
        feed: &Feed,
        k: &str,
        sq: &Squeeze,
        cuts: &mut Cuts,
    ) -> Map<String, Value> {
        let inst = feed.registry.get(k);
        let mut m = Map::new();
        m.insert("instance".into(), cuts.clip(k, sq));
        m.insert(
            "app".into(),
            cuts.clip_opt(inst.and_then(|i| i.app.as_deref()), sq),
        );
        m.insert(
            "label".into(),
            cuts.clip_opt(inst.and_then(|i| i.label.as_deref()), sq),
        );
        m.insert("status".into(), json!(inst.map(|i| i.status.as_str())));
        m
    }
}

/// One instance as `list_sessions` lists it (the `sessions --json`
/// object), its strings cut to the squeeze.
fn session(inst: &Instance, sq: &Squeeze, cuts: &mut Cuts) -> Value {
    let mut v = inst.to_json();
    if let Value::Object(o) = &mut v {
        for field in o.values_mut() {
            if let Value::String(s) = field {
                *field = cuts.clip(s, sq);
            }
        }
    }
    v
}

/// `get_state`'s error for a `path` that is not in instance `k`'s state.
fn not_found(k: &str, p: &Path, m: &Missing) -> Value {
    tool_err(format!(
        "path {} not found in instance {k}: {} exists, {} does not ({}); get_state with path {} shows what is there",
        p.display(),
        m.found,
        m.missing_at,
        m.reason,
        m.found
    ))
}

/// What `get_state` says of a state rdx kept cut.
fn kept_cut(seen: &Seen) -> Value {
    json!({
        "state_bytes": seen.state_bytes,
        "kept_bytes": STATE_BYTES,
        "note": format!(
            "the state is about {} bytes, more than rdx keeps of one instance ({STATE_BYTES}): \
             it was kept cut (its beginning), so what was cut is at no path; \
             markers \"…(N more …)\" in a value are from that cut",
            seen.state_bytes
        ),
    })
}

/// One action as `get_actions` lists it: the action and its diff cut to
/// `each` bytes each.
fn entry(r: &Recent, with_diff: bool, each: u64, sq: &Squeeze, cuts: &mut Cuts) -> Value {
    // Its strings shrink with its share, so that a small share still
    // shows the action.
    let part = Squeeze {
        bulk: each,
        str_cap: sq.str_cap.min((each / 4).max(16) as usize),
        ..*sq
    };
    let mut o = Map::new();
    o.insert("id".into(), json!(r.id));
    o.insert("type".into(), cuts.clip(&r.ty, &part));
    o.insert("ts".into(), json!(rfc3339_ms(r.ts)));
    o.insert("via".into(), json!(r.via));
    let (action, cut) = cut_value(&r.action, weight(&r.action), &part);
    o.insert("action".into(), action);
    if cut || r.action_cut {
        cuts.value();
        o.insert("action_truncated".into(), json!(true));
    }
    if with_diff {
        match &r.diff {
            Some(d) => {
                let d = Value::Array(d.clone());
                let (shown, cut) = cut_value(&d, weight(&d), &part);
                o.insert("diff".into(), shown);
                if cut || r.diff_cut {
                    cuts.value();
                    o.insert("diff_truncated".into(), json!(true));
                }
            }
            None => {
                o.insert("diff".into(), Value::Null);
            }
        }
    }
    Value::Object(o)
}

/// The largest share `c` such that the parts, each cut to `c`, fit in
/// `budget`: `sum(min(size, c)) <= budget`. When they all fit whole, the
/// whole budget: nothing is cut (a share as small as a small action would
/// cut its strings to a quarter of it).
pub(super) fn share(sizes: &[u64], budget: u64) -> u64 {
    let biggest = sizes.iter().copied().max().unwrap_or(0);
    if sizes.iter().sum::<u64>() <= budget {
        return budget.max(biggest);
    }
    let (mut lo, mut hi) = (0, biggest);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if sizes.iter().map(|&s| s.min(mid)).sum::<u64>() <= budget {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}
