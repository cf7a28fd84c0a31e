//! What each tool answers: the calls run against the feed and the ring of
//! recent actions, or kept pending until they can be answered.

use super::*;

impl Server<'_> {
    pub(super) fn run_call(&mut self, feed: &mut Feed, p: &mut Pending, last: bool) -> Outcome {
        if !matches!(p.call, Call::Label { .. })
            && let Some(o) = self.unreachable(feed, last)
        {
            return o;
        }
        match p.call.clone() {
            Call::ListSessions { sel, all } => {
                if !last && !self.settled(feed) {
                    return Outcome::NotYet;
                }
                let list: Vec<Value> = feed
                    .registry
                    .sorted(all)
                    .into_iter()
                    .filter(|i| sel.admits(i))
                    .map(|i| i.to_json())
                    .collect();
                let hidden = if all {
                    0
                } else {
                    feed.registry
                        .iter()
                        .filter(|i| i.status == Status::Gone && sel.admits(i))
                        .count()
                };
                Outcome::Done(tool_ok(json!({
                    "source": if feed.is_replay() { "replay" } else { "live" },
                    "count": list.len(),
                    "hidden_gone": hidden,
                    "sessions": list,
                })))
            }
            Call::GetState { sel, path, max } => {
                let k = match self.pick(feed, &sel, last) {
                    Ok(k) => k,
                    Err(o) => return o,
                };
                let Some(seen) = self.seen.get(&k).filter(|s| s.state.is_some()) else {
                    if !last {
                        if self.asked.insert(k.clone()) {
                            feed.request_update();
                        }
                        return Outcome::NotYet;
                    }
                    return Outcome::Done(tool_err(format!(
                        "no state seen from instance {k} yet ({}); rdx asked it for one: try again in a moment",
                        if feed.is_replay() {
                            "the recording holds none"
                        } else {
                            "it has not answered"
                        }
                    )));
                };
                let state = seen.state.as_ref().expect("filtered");
                let value = match &path {
                    Some(p) => match paths::lookup(state, p) {
                        Ok(v) => v,
                        Err(m) => {
                            return Outcome::Done(tool_err(format!(
                                "path {} not found in instance {k}: {} exists, {} does not ({}); get_state with path {} shows what is there",
                                p.display(),
                                m.found,
                                m.missing_at,
                                m.reason,
                                m.found
                            )));
                        }
                    },
                    None => state,
                };
                let mut out = self.about(feed, &k);
                out.insert(
                    "path".into(),
                    json!(path.as_ref().map_or(".".into(), |p| p.display())),
                );
                out.insert("ts".into(), json!(rfc3339_ms(seen.state_t)));
                let prefix = path
                    .as_ref()
                    .filter(|p| !p.segs.is_empty())
                    .map(|p| p.display());
                cut_into(&mut out, value, max, prefix.as_deref().unwrap_or(""));
                Outcome::Done(tool_ok(Value::Object(out)))
            }
            Call::GetActions {
                sel,
                ty,
                since,
                limit,
                with_diff,
                max,
            } => {
                let k = match self.pick(feed, &sel, last) {
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
                let each = (max / (chosen.len().max(1) as u64)).max(200);
                let actions: Vec<Value> = chosen
                    .iter()
                    .map(|r| {
                        let mut o = Map::new();
                        o.insert("id".into(), json!(r.id));
                        o.insert("type".into(), json!(r.ty));
                        o.insert("ts".into(), json!(rfc3339_ms(r.ts)));
                        o.insert("via".into(), json!(r.via));
                        let mut a = Map::new();
                        cut_into(&mut a, &r.action, each, "");
                        o.insert("action".into(), a.remove("value").unwrap_or(Value::Null));
                        if a.get("truncated") == Some(&json!(true)) {
                            o.insert("action_truncated".into(), json!(true));
                        }
                        if with_diff {
                            let d = r.diff.clone().map_or(Value::Null, Value::Array);
                            let mut c = Map::new();
                            cut_into(&mut c, &d, each, "");
                            o.insert("diff".into(), c.remove("value").unwrap_or(Value::Null));
                        }
                        Value::Object(o)
                    })
                    .collect();
                let mut out = self.about(feed, &k);
                out.insert("kept".into(), json!(recent.len()));
                out.insert("newest_id".into(), json!(recent.back().and_then(|r| r.id)));
                out.insert("returned".into(), json!(actions.len()));
                out.insert("actions".into(), Value::Array(actions));
                Outcome::Done(tool_ok(Value::Object(out)))
            }
            Call::WaitFor {
                sel, path, equals, ..
            } => {
                let k = match &p.memo {
                    Some((k, _)) => k.clone(),
                    None => match self.pick(feed, &sel, last) {
                        Ok(k) => k,
                        Err(o) => return o,
                    },
                };
                let has_state = self.seen.get(&k).is_some_and(|s| s.state.is_some());
                let now_value = self
                    .seen
                    .get(&k)
                    .and_then(|s| s.state.as_ref())
                    .and_then(|st| paths::lookup(st, &path).ok().cloned());
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
                    return self.waited(feed, p, &k, &path, met, now_value);
                }
                Outcome::NotYet
            }
            Call::Label { id, label } => {
                let mut clash = None;
                let mut previous = None;
                let store = labels::update(&self.cfg.feed.labels, |l| {
                    clash = l
                        .iter()
                        .find(|(k, v)| **k != id && **v == label)
                        .map(|(k, _)| k.clone());
                    previous = l.insert(id.clone(), label.clone());
                });
                match store {
                    Ok(l) => {
                        feed.registry.set_user_labels(l);
                        let mut out = json!({"id": id, "label": label, "previous": previous,
                            "known": feed.registry.get(&id).is_some()});
                        if let Some(other) = clash {
                            out["note"] = json!(format!(
                                "{other} has the same label; select {label} matches both"
                            ));
                        }
                        Outcome::Done(tool_ok(out))
                    }
                    Err(e) => Outcome::Done(tool_err(e.to_string())),
                }
            }
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
        let mut out = self.about(feed, k);
        out.insert("path".into(), json!(path.display()));
        out.insert("met".into(), json!(met));
        out.insert("timed_out".into(), json!(!met && !feed.is_replay()));
        out.insert("missing".into(), json!(value.is_none()));
        out.insert("value".into(), value.unwrap_or(Value::Null));
        out.insert(
            "waited_ms".into(),
            json!(p.started.elapsed().as_millis() as u64),
        );
        if let Some(r) = self.seen.get(k).and_then(|s| s.recent.back()) {
            out.insert("last_action".into(), json!({"id": r.id, "type": r.ty}));
        }
        if !met {
            let why = if feed.is_replay() {
                "the recording ends before the condition holds"
            } else {
                "the condition did not hold within timeout_s; call wait_for again to keep waiting"
            };
            out.insert("note".into(), json!(why));
        }
        Outcome::Done(tool_ok(Value::Object(out)))
    }

    /// The instance fields every answer about one instance carries.
    pub(super) fn about(&self, feed: &Feed, k: &str) -> Map<String, Value> {
        let inst = feed.registry.get(k);
        let mut m = Map::new();
        m.insert("instance".into(), json!(k));
        m.insert("app".into(), json!(inst.and_then(|i| i.app.clone())));
        m.insert("label".into(), json!(inst.and_then(|i| i.label.clone())));
        m.insert("status".into(), json!(inst.map(|i| i.status.as_str())));
        m
    }
}
