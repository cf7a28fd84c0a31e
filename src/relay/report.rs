//! Stored reports (rows of the server's `remotedev_reports` table, PROTOCOL
//! notes in the README) and the DevTools' own export files, decoded
//! leniently. Either becomes the one frame a recording of its history would
//! hold: a `STATE` message whose payload is a lifted state, so every reader
//! takes it through the same feed as a recording. Pure, no I/O.
//!
//! A report's `payload` is a jsan lifted state (`type` STATE, what
//! `@redux-devtools/remote` sends) or a jsan array of plain actions with the
//! state before them in `preloadedState` (`type` ACTIONS, `redux-remotedev`).
//! rdx runs no reducers: an ACTIONS history has the state before its first
//! action and no state after any of them, and says so.

use serde_json::{Map, Value, json};

use crate::rawjson::kind_of;
use crate::relay::jsan;

/// A report as the `report` channel lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Listed {
    pub(crate) id: String,
    pub(crate) title: Option<String>,
    pub(crate) added: Option<String>,
}

/// What one message on the `report` channel says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Note {
    /// Every stored report (each subscribe makes the server send it again,
    /// to every subscriber).
    List(Vec<Listed>),
    /// A report was just stored.
    Added(Listed),
    /// A POST the server refused (it publishes those too): not a report.
    Refused(String),
    /// Not a shape rdx knows.
    Bad(String),
}

/// Read a `report` channel message's data (`{"type":"list","data":[...]}`
/// or `{"type":"add","data":{...}}`).
pub(crate) fn note(data: &Value) -> Note {
    let kind = data.get("type").and_then(Value::as_str);
    let body = data.get("data");
    match (kind, body) {
        (Some("list"), Some(Value::Array(rows))) => {
            Note::List(rows.iter().filter_map(listed).collect())
        }
        (Some("list"), other) => Note::Bad(format!(
            "a report list whose data is {}",
            other.map_or("missing", kind_of)
        )),
        (Some("add"), Some(row)) => match row.get("error") {
            Some(e) => Note::Refused(text_of(e).unwrap_or_default()),
            None => match listed(row) {
                Some(l) => Note::Added(l),
                None => Note::Bad("an added report without an id".into()),
            },
        },
        _ => Note::Bad(format!(
            "a report message of type {}",
            kind.map_or_else(|| "(none)".to_string(), |k| format!("{k:?}"))
        )),
    }
}

fn listed(row: &Value) -> Option<Listed> {
    Some(Listed {
        id: text_of(row.get("id")?)?,
        title: row.get("title").and_then(text_of),
        added: row.get("added").and_then(text_of),
    })
}

/// A string as it is, a number or other value as its JSON text; null and
/// empty strings are nothing.
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// One stored report, whole (the reply to `getReport`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Report {
    pub(crate) id: String,
    /// `STATE` or `ACTIONS` as stored.
    pub(crate) report_type: Option<String>,
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    /// The type of the action that made the app send it.
    pub(crate) action: Option<String>,
    pub(crate) payload: Option<String>,
    pub(crate) preloaded_state: Option<String>,
    pub(crate) user_agent: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) user: Option<String>,
    pub(crate) user_id: Option<String>,
    pub(crate) instance: Option<String>,
    pub(crate) meta: Option<String>,
    /// `Exception thrown: <message>\n<stack>` as the server composes it.
    pub(crate) exception: Option<String>,
    /// When the server stored it (ISO 8601, the server's clock).
    pub(crate) added: Option<String>,
    pub(crate) app_id: Option<String>,
    /// The size of the screenshot the sender attached (not shown).
    pub(crate) screenshot_bytes: usize,
}

impl Report {
    /// A `getReport` reply's data; `None` when it is no report (the server
    /// answers an unknown id with nothing).
    pub(crate) fn from_row(row: &Value) -> Option<Report> {
        let obj = row.as_object()?;
        let get = |k: &str| obj.get(k).and_then(text_of);
        Some(Report {
            id: get("id")?,
            report_type: get("type"),
            title: get("title"),
            description: get("description"),
            action: get("action"),
            payload: get("payload"),
            preloaded_state: get("preloadedState"),
            user_agent: get("userAgent"),
            version: get("version"),
            user: get("user"),
            user_id: get("userId"),
            instance: get("instanceId"),
            meta: get("meta"),
            exception: get("exception"),
            added: get("added"),
            app_id: get("appId"),
            screenshot_bytes: get("screenshot").map_or(0, |s| s.len()),
        })
    }

    /// The instance its history is shown as: the sender's `instanceId`,
    /// else the report's own id.
    pub(crate) fn instance_id(&self) -> &str {
        self.instance.as_deref().unwrap_or(&self.id)
    }

    /// The report's history, read from its payload.
    pub(crate) fn history(&self) -> Result<History, String> {
        let Some(payload) = self.payload.as_deref() else {
            return Err("it holds no payload".into());
        };
        match self.report_type.as_deref() {
            Some("ACTIONS") => actions_history(payload, self.preloaded_state.as_deref()),
            _ => lifted_history(payload),
        }
    }

    /// `title`, else the exception's first line, else the action.
    pub(crate) fn headline(&self) -> Option<String> {
        self.title.clone().or_else(|| {
            self.exception
                .as_deref()
                .and_then(|e| e.lines().next())
                .map(|l| l.trim_start_matches("Exception thrown: ").to_string())
                .filter(|l| !l.is_empty())
                .or_else(|| self.action.clone())
        })
    }
}

/// Why a `getReport` reply holds no report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NoReport {
    /// The server has none by that id (it answers with nothing).
    Missing,
    /// An error reply, or `{"error": ...}` in the data.
    Refused(String),
    /// A row, but of another report (or none rdx can read as a row).
    Wrong(String),
}

/// Read the reply to `getReport asked`.
pub(crate) fn reply(asked: &str, data: &Value, error: Option<&Value>) -> Result<Report, NoReport> {
    let said = |e: &Value| e.as_str().map_or_else(|| e.to_string(), str::to_string);
    if let Some(e) = error.or_else(|| data.get("error")) {
        return Err(NoReport::Refused(said(e)));
    }
    if data.is_null() {
        return Err(NoReport::Missing);
    }
    match Report::from_row(data) {
        Some(r) if r.id == asked => Ok(r),
        Some(r) => Err(NoReport::Wrong(format!(
            "the server answered with report {}",
            r.id
        ))),
        None => Err(NoReport::Wrong(format!(
            "the reply is {}, not a report row with an id",
            kind_of(data)
        ))),
    }
}

impl NoReport {
    /// As rdx's error: exit 1 for a report that does not exist, 3 for a
    /// server that answers wrongly.
    pub(crate) fn error(self, asked: &str, url: &str) -> crate::error::Error {
        use crate::error::Error;
        let shown = crate::output::sanitize(asked);
        match self {
            NoReport::Missing => Error::NotFound(format!(
                "{url} has no report {shown} (`rdx reports` lists them)"
            )),
            NoReport::Refused(why) => Error::Fixture {
                path: format!("getReport {shown} on {url}"),
                reason: format!("the server refused: {}", crate::output::sanitize(&why)),
            },
            NoReport::Wrong(why) => Error::Fixture {
                path: format!("getReport {shown} on {url}"),
                reason: crate::output::sanitize(&why).into_owned(),
            },
        }
    }
}

/// Which shape a history came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A lifted state: actions and the states after them.
    Lifted,
    /// Plain actions and the state before them (no state after any).
    Actions,
}

/// A history read from a report or a DevTools file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct History {
    pub(crate) shape: Shape,
    /// The lifted state to replay (jsan resolved).
    pub(crate) lifted: Value,
    /// Staged actions, `@@INIT` left out.
    pub(crate) actions: usize,
}

impl History {
    /// The state after the last action, when the history holds it.
    pub(crate) fn final_state(&self) -> Option<&Value> {
        let computed = self.lifted.get("computedStates")?.as_array()?;
        let i = match self.lifted.get("currentStateIndex").and_then(Value::as_u64) {
            Some(i) => usize::try_from(i).ok()?,
            None => computed.len().checked_sub(1)?,
        };
        computed.get(i)?.get("state")
    }

    /// The state before the first action of an ACTIONS history (the
    /// sender's `preloadedState`), when it gave one.
    pub(crate) fn state_before(&self) -> Option<&Value> {
        match self.shape {
            Shape::Actions => self.lifted.get("committedState"),
            Shape::Lifted => None,
        }
    }

    /// The staged actions (`@@INIT` left out): id and the action.
    pub(crate) fn staged(&self) -> Vec<(i64, &Value)> {
        let by_id = self.lifted.get("actionsById").and_then(Value::as_object);
        let Some(by_id) = by_id else {
            return Vec::new();
        };
        staged_ids(&self.lifted)
            .into_iter()
            .filter(|id| *id != 0)
            .filter_map(|id| {
                let a = by_id.get(&id.to_string())?;
                Some((id, a.get("action").unwrap_or(a)))
            })
            .collect()
    }

    /// The frames a recording of this history would hold, as the app
    /// would have sent them live: an INIT with the state after `@@INIT`,
    /// then one ACTION per staged action with the state after it (none
    /// where the history holds none). Made one by one: a big history is
    /// never all in memory twice.
    pub(crate) fn frames<'a>(
        &'a self,
        instance: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = String> + 'a {
        let computed = self.lifted.get("computedStates").and_then(Value::as_array);
        let state_at = move |pos: usize| {
            computed
                .and_then(|c| c.get(pos))
                .and_then(|e| e.get("state"))
        };
        let by_id = self.lifted.get("actionsById").and_then(Value::as_object);
        let ids = staged_ids(&self.lifted);
        let publish = move |mut data: Value| {
            data["id"] = json!(instance);
            data["instanceId"] = json!(instance);
            data["name"] = json!(name);
            json!({"event": "#publish", "data": {"channel": "log", "data": data}}).to_string()
        };
        // The state an ACTIONS history starts from is the state before its
        // first action, not one after any: it is not sent as the app's.
        let init = state_at(0)
            .filter(|_| ids.first() == Some(&0) && self.shape == Shape::Lifted)
            .map(|s| publish(json!({"type": "INIT", "payload": s.to_string()})));
        let actions = ids
            .clone()
            .into_iter()
            .enumerate()
            .filter(|(_, id)| *id != 0)
            .filter_map(move |(pos, id)| {
                let wrapped = by_id?.get(&id.to_string())?;
                let mut msg = json!({
                    "type": "ACTION",
                    "action": wrapped.to_string(),
                    "nextActionId": id + 1,
                });
                if let Some(s) = state_at(pos) {
                    msg["payload"] = json!(s.to_string());
                }
                Some(publish(msg))
            });
        init.into_iter().chain(actions)
    }
}

fn staged_ids(lifted: &Value) -> Vec<i64> {
    match lifted.get("stagedActionIds") {
        Some(Value::Array(ids)) => ids.iter().filter_map(Value::as_i64).collect(),
        _ => {
            let mut ids: Vec<i64> = lifted
                .get("actionsById")
                .and_then(Value::as_object)
                .map(|m| m.keys().filter_map(|k| k.parse().ok()).collect())
                .unwrap_or_default();
            ids.sort_unstable();
            ids
        }
    }
}

/// Parse jsan text and resolve its references (bounded as every jsan is).
fn parse_jsan(text: &str, what: &str) -> Result<Value, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("{what} is not JSON: {e}"))?;
    Ok(if jsan::has_markers(&v) {
        jsan::resolve(v)
    } else {
        v
    })
}

/// A lifted state's text (a STATE report's payload, a DevTools Export).
pub(crate) fn lifted_history(text: &str) -> Result<History, String> {
    let lifted = parse_jsan(text, "the payload")?;
    from_lifted(lifted)
}

fn from_lifted(lifted: Value) -> Result<History, String> {
    if !is_lifted(&lifted) {
        return Err(format!(
            "the payload is {}, not a lifted state (an object with actionsById, \
             stagedActionIds, computedStates)",
            kind_of(&lifted)
        ));
    }
    let actions = staged_ids(&lifted)
        .into_iter()
        .filter(|id| *id != 0)
        .count();
    Ok(History {
        shape: Shape::Lifted,
        lifted,
        actions,
    })
}

fn is_lifted(v: &Value) -> bool {
    v.get("actionsById").is_some_and(Value::is_object)
        && (v.get("stagedActionIds").is_some_and(Value::is_array)
            || v.get("computedStates").is_some_and(Value::is_array))
}

/// Plain actions (jsan text of an array) and the state before them.
pub(crate) fn actions_history(text: &str, preloaded: Option<&str>) -> Result<History, String> {
    let list = match parse_jsan(text, "the payload")? {
        Value::Array(a) => a,
        // An ACTIONS payload that holds a lifted state (the DevTools'
        // importer takes either).
        v if is_lifted(&v) => return from_lifted(v),
        v => {
            return Err(format!(
                "the payload is {}, not an array of actions",
                kind_of(&v)
            ));
        }
    };
    let before = match preloaded {
        Some(p) => Some(parse_jsan(p, "preloadedState")?),
        None => None,
    };
    let n = list.len();
    let mut by_id = Map::new();
    by_id.insert(
        "0".into(),
        json!({"type": "PERFORM_ACTION", "action": {"type": "@@INIT"}}),
    );
    for (i, a) in list.into_iter().enumerate() {
        by_id.insert(
            (i + 1).to_string(),
            json!({"type": "PERFORM_ACTION", "action": a}),
        );
    }
    let mut lifted = json!({
        "actionsById": by_id,
        "stagedActionIds": (0..=n).collect::<Vec<_>>(),
        "skippedActionIds": [],
        "nextActionId": n + 1,
        "currentStateIndex": n,
        // The state before the first action is known; none after it.
        "computedStates": before.iter().map(|s| json!({"state": s})).collect::<Vec<_>>(),
    });
    if let Some(s) = before {
        lifted["committedState"] = s;
    }
    Ok(History {
        shape: Shape::Actions,
        lifted,
        actions: n,
    })
}

/// What a JSON file that is not a recording holds, told by its content: a
/// DevTools Export (a lifted state) or the extension's envelope
/// `{"payload": "<jsan>", "preloadedState": "<jsan>"}`. `None`: neither
/// (the caller says what it expected).
pub(crate) fn devtools_file(v: Value) -> Option<Result<History, String>> {
    // A serialized Export's references point into the whole file
    // (`$.committedState`, `$.computedStates[1].state.counter`): resolved
    // here, before any part of it is sent on as a frame of its own.
    let v = if is_lifted(&v) && jsan::has_markers(&v) {
        jsan::resolve(v)
    } else {
        v
    };
    if is_lifted(&v) {
        return Some(from_lifted(v));
    }
    let obj = v.as_object()?;
    let payload = obj.get("payload")?;
    let preloaded = match obj.get("preloadedState") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.as_str()),
        _ => None,
    };
    Some(match payload {
        Value::String(s) => actions_history(s, preloaded),
        other => Err(format!(
            "its payload is {}, not the jsan text of actions",
            kind_of(other)
        )),
    })
}

#[cfg(test)]
mod tests;
