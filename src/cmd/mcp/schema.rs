//! The tools as an agent sees them: names, descriptions, and the JSON
//! Schemas of their arguments and results.

use super::*;

/// What the server tells an agent at `initialize`.
pub(super) const INSTRUCTIONS: &str = "rdx shows the Redux state and actions of the apps that stream to a Redux DevTools \
remote server (@redux-devtools/remote). Start with list_sessions to see the app instances; \
then get_state (with a path such as .todos[0] to stay small), get_actions for what just happened \
(with_diff: true for what each action changed), wait_for to wait until the app reaches a value. \
A selection is instance (an exact id), select (id, label or /regex/), or the filters app, env, id_prefix; \
it must match exactly one instance. list_reports and get_report read the reports the server stored \
(an app's error or send() while no monitor watched). Read-only: nothing here can change an app.";

/// The selection arguments, shared by the tools about one instance.
pub(super) fn selection_props() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "instance".into(),
        json!({"type": "string", "description": "exact instance id (from list_sessions)"}),
    );
    m.insert("select".into(), json!({"type": "string", "description": "an instance id, a label, or a /regex/ matched against id, label and app name"}));
    m.insert(
        "app".into(),
        json!({"type": "string", "description": "app name, exact or /regex/"}),
    );
    m.insert("env".into(), json!({"type": "string", "description": "environment (from the app's config or a name suffix like shop@staging)"}));
    m.insert(
        "id_prefix".into(),
        json!({"type": "string", "description": "instance ids starting with this"}),
    );
    m
}

/// The `max_bytes` argument every tool takes.
pub(super) fn max_bytes() -> Value {
    json!({"type": "integer", "minimum": MAX_BYTES_MIN, "maximum": MAX_BYTES_CAP,
        "description": format!("largest answer, in bytes of JSON: the whole tool result (the answer is in it twice, \
        as structuredContent and as text), at most this plus {ENVELOPE} (default {MAX_BYTES}). What does not fit is cut, \
        and the answer says what (truncated, cut): long strings end in \"…(N more bytes)\", lists say how many entries \
        were left out, values are summarized below some depth")})
}

/// What every answer says about cutting.
pub(super) fn cut_report(m: &mut Map<String, Value>) {
    m.insert(
        "truncated".into(),
        json!({"type": "boolean", "description": "something was cut to fit max_bytes (see cut)"}),
    );
    m.insert("cut".into(), json!({"type": "object", "description": "what was cut: strings (how many, and string_bytes left out), NAME_left_out (entries of a list), values (summarized), max_bytes, note",
        "properties": {"max_bytes": {"type": "integer"}, "strings": {"type": "integer"}, "string_bytes": {"type": "integer"},
            "sessions_left_out": {"type": "integer"}, "actions_left_out": {"type": "integer"}, "reports_left_out": {"type": "integer"}, "values": {"type": "integer"}, "note": {"type": "string"}}}));
}

pub(super) fn object(props: Map<String, Value>, required: &[&str]) -> Value {
    json!({"type": "object", "properties": props, "required": required, "additionalProperties": false})
}

pub(super) fn instance_out() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("instance".into(), json!({"type": "string"}));
    m.insert("app".into(), json!({"type": ["string", "null"]}));
    m.insert("label".into(), json!({"type": ["string", "null"]}));
    m.insert(
        "status".into(),
        json!({"type": ["string", "null"], "enum": ["live", "stopped", "gone", null]}),
    );
    m
}

pub(super) fn cut_out(m: &mut Map<String, Value>) {
    m.insert(
        "value".into(),
        json!({"description": "the JSON value (cut when truncated)"}),
    );
    m.insert(
        "bytes".into(),
        json!({"type": "integer", "description": "size of the whole value as JSON"}),
    );
    m.insert("truncated".into(), json!({"type": "boolean"}));
    m.insert("omitted_bytes".into(), json!({"type": "integer"}));
    m.insert("note".into(), json!({"type": "string"}));
    m.insert(
        "largest_paths".into(),
        json!({"type": "array", "items": {"type": "object",
        "properties": {"path": {"type": "string"}, "bytes": {"type": "integer"}}}}),
    );
}

/// The tool list: names, descriptions, input and output schemas.
pub(super) fn tools() -> Value {
    let session = json!({"type": "object", "properties": {
        "type": {"const": "instance"}, "id": {"type": "string"}, "app": {"type": ["string", "null"]},
        "label": {"type": ["string", "null"]}, "env": {"type": ["string", "null"]},
        "connection": {"type": "string"}, "first_seen": {"type": "string"}, "last_seen": {"type": "string"},
        "messages": {"type": "integer"}, "actions": {"type": "integer"},
        "last_action": {"type": ["string", "null"]}, "status": {"enum": ["live", "stopped", "gone"]}},
        "required": ["id", "app", "label", "status"]});

    let mut ls = Map::new();
    for k in ["app", "env", "id_prefix"] {
        ls.insert(k.into(), selection_props()[k].clone());
    }
    ls.insert("all".into(), json!({"type": "boolean", "description": "also list instances that are gone (default false)"}));
    ls.insert("max_bytes".into(), max_bytes());

    let mut gs = selection_props();
    gs.insert("path".into(), json!({"type": "string", "description": "jq-style path such as .todos[0].title, or a JSON Pointer /todos/0/title; default: the whole state"}));
    gs.insert("max_bytes".into(), max_bytes());
    let mut gs_out = instance_out();
    gs_out.insert("path".into(), json!({"type": "string"}));
    gs_out.insert(
        "ts".into(),
        json!({"type": "string", "description": "when this state was current (RFC 3339)"}),
    );
    gs_out.insert("state_kept_cut".into(), json!({"type": "object", "description": "the app's state was bigger than rdx keeps of one instance (16 MiB): it was kept cut, its beginning",
        "properties": {"state_bytes": {"type": "integer"}, "kept_bytes": {"type": "integer"}, "note": {"type": "string"}}}));
    cut_out(&mut gs_out);

    let mut ga = selection_props();
    ga.insert("type".into(), json!({"type": "string", "description": "keep actions whose type matches this regex (e.g. ^todos/)"}));
    ga.insert("since_id".into(), json!({"type": "integer", "description": "only actions with a larger id (pass the newest_id of a previous answer to get what is new)"}));
    ga.insert("limit".into(), json!({"type": "integer", "minimum": 1, "maximum": 200, "description": "how many of the newest actions (default 20)"}));
    ga.insert("with_diff".into(), json!({"type": "boolean", "description": "add what each action changed in the state (default false)"}));
    ga.insert("max_bytes".into(), max_bytes());
    let mut ga_out = instance_out();
    ga_out.insert("kept".into(), json!({"type": "integer", "description": "recent actions rdx keeps for this instance (the newest 200, at most 4 MiB of them)"}));
    ga_out.insert("newest_id".into(), json!({"type": ["integer", "null"]}));
    ga_out.insert("returned".into(), json!({"type": "integer"}));
    ga_out.insert(
        "actions".into(),
        json!({"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": ["integer", "null"]}, "type": {"type": "string"}, "ts": {"type": "string"},
        "via": {"enum": ["action", "state"]}, "action": {}, "action_truncated": {"type": "boolean"},
        "diff": {"type": ["array", "null", "string"], "description": "with with_diff: the changes (op, path, old, new), at most 50; null when the state before or after it is unknown or was too big to keep whole (16 MiB); a string when cut"},
        "diff_truncated": {"type": "boolean"}}, "required": ["id", "type", "ts", "action"]}}),
    );

    let mut wf = selection_props();
    wf.insert("path".into(), json!({"type": "string", "description": "the value to watch, jq-style (.counter.value) or a JSON Pointer"}));
    wf.insert(
        "equals".into(),
        json!({"description": "return when the value at path equals this JSON value"}),
    );
    wf.insert("changes".into(), json!({"type": "boolean", "description": "return when the value at path changes (instead of equals)"}));
    wf.insert("timeout_s".into(), json!({"type": "number", "minimum": 0, "maximum": WAIT_CAP_S, "description": "longest wait in seconds (default 30, at most 120)"}));
    wf.insert("max_bytes".into(), max_bytes());
    let mut wf_out = instance_out();
    wf_out.insert("path".into(), json!({"type": "string"}));
    wf_out.insert(
        "met".into(),
        json!({"type": "boolean", "description": "the condition holds"}),
    );
    wf_out.insert("timed_out".into(), json!({"type": "boolean"}));
    wf_out.insert(
        "missing".into(),
        json!({"type": "boolean", "description": "the path does not exist (now)"}),
    );
    wf_out.insert(
        "value".into(),
        json!({"description": "the value at path now (null when missing; cut to fit max_bytes when value_bytes is given)"}),
    );
    wf_out.insert(
        "value_bytes".into(),
        json!({"type": "integer", "description": "the size of the whole value, when it was cut"}),
    );
    wf_out.insert("waited_ms".into(), json!({"type": "integer"}));
    wf_out.insert("last_action".into(), json!({"type": "object"}));
    wf_out.insert("note".into(), json!({"type": "string"}));

    let mut lb = Map::new();
    lb.insert(
        "id".into(),
        json!({"type": "string", "description": "the instance id to label"}),
    );
    lb.insert("label".into(), json!({"type": "string", "description": "a short name; then select: LABEL picks the instance (also from the rdx CLI: --instance-select LABEL)"}));
    lb.insert("max_bytes".into(), max_bytes());

    let str_or_null = json!({"type": ["string", "null"]});
    let report = json!({"type": "object", "properties": {
        "type": {"const": "report"}, "id": {"type": "string"},
        "added": {"type": ["string", "null"], "description": "when the server stored it (RFC 3339, the server's clock)"},
        "report_type": {"type": ["string", "null"], "description": "STATE (the app's history with its states) or ACTIONS (its last actions and the state before them)"},
        "title": {"type": ["string", "null"], "description": "the sender's title, else the error's message, else the action that sent it"},
        "instance": str_or_null, "app": {"type": "null"}, "version": str_or_null, "user_agent": str_or_null,
        "actions": {"type": ["integer", "null"], "description": "how many actions it holds (null: its payload cannot be read)"}},
        "required": ["id", "added", "report_type", "title", "actions"]});
    let mut lr = Map::new();
    lr.insert("since".into(), json!({"type": "string", "description": "only reports stored since: a duration back from now (30s, 10m, 1h, 2d) or an RFC 3339 time (2026-12-03T10:00:00Z)"}));
    lr.insert("title".into(), json!({"type": "string", "description": "keep reports whose title matches this regex (e.g. TypeError)"}));
    lr.insert("instance".into(), json!({"type": "string", "description": "exact instance id the sender gave (many senders give none)"}));
    lr.insert("max_bytes".into(), max_bytes());
    let mut gr = Map::new();
    gr.insert(
        "id".into(),
        json!({"type": "string", "description": "the report id (from list_reports)"}),
    );
    gr.insert("path".into(), json!({"type": "string", "description": "jq-style path into the answer such as .final_state.todos or .actions; default: the whole report"}));
    gr.insert("max_bytes".into(), max_bytes());
    let mut gr_out = Map::new();
    gr_out.insert("id".into(), json!({"type": "string"}));
    gr_out.insert("path".into(), json!({"type": "string"}));
    cut_out(&mut gr_out);
    gr_out.insert("value".into(), json!({"description": "the report as `rdx reports show ID --json` prints it: type, id, added, report_type, title, description, action, exception, instance, app, version, user_agent, user, user_id, meta, app_id, screenshot_bytes, history (states | actions only), actions ([{id, type}]), final_state, payload_error; or the value at path in it (cut when truncated)"}));

    with_cut_report(json!([
        {"name": "list_sessions", "title": "List Redux app instances",
         "description": "List the Redux app instances (stores) streaming to the DevTools server, newest first: id, app name, label, env, status (live, stopped, gone), how many actions, the last action. Start here; pass an id as `instance` to the other tools. Gone instances are hidden unless all is true.",
         "inputSchema": object(ls, &[]),
         "outputSchema": {"type": "object", "properties": {
             "source": {"enum": ["live", "replay"]},
             "count": {"type": "integer", "description": "instances that match"},
             "returned": {"type": "integer", "description": "instances listed in sessions (fewer than count when cut to fit max_bytes)"},
             "hidden_gone": {"type": "integer"}, "sessions": {"type": "array", "items": session}},
             "required": ["count", "sessions"]},
         "annotations": {"readOnlyHint": true, "openWorldHint": false}},
        {"name": "get_state", "title": "Read an app's Redux state",
         "description": "The current Redux state of one app instance, or the value at a path in it (.todos[0].title). Use a path to stay small: a value bigger than max_bytes is cut, and the answer says how much was left out and lists the largest deeper paths to ask for. Needs a selection that matches exactly one instance; otherwise the error lists the candidates.",
         "inputSchema": object(gs, &[]), "outputSchema": object_out(gs_out, &["instance", "path", "value", "truncated"]),
         "annotations": {"readOnlyHint": true, "openWorldHint": false}},
        {"name": "get_actions", "title": "Recent Redux actions of an app",
         "description": "The newest actions one app instance dispatched (oldest first in the list; rdx keeps the last 200 per instance, at most 4 MiB of them): id, type, when, the action with its payload, and with with_diff what it changed in the state. Filter by type regex; pass since_id (the newest_id of a previous answer) to see only what is new.",
         "inputSchema": object(ga, &[]), "outputSchema": object_out(ga_out, &["instance", "actions", "returned"]),
         "annotations": {"readOnlyHint": true, "openWorldHint": false}},
        {"name": "wait_for", "title": "Wait until a state value is reached or changes",
         "description": "Wait until the value at path in one app instance equals a JSON value (equals) or changes (changes: true), at most timeout_s seconds (default 30, cap 120). Answers with met: true and the value, or met: false and timed_out: true. Use it after asking the user to click something, or to wait for a request to finish (e.g. path .status equals \"idle\"). Other calls are answered meanwhile.",
         "inputSchema": object(wf, &["path"]), "outputSchema": object_out(wf_out, &["instance", "path", "met", "value"]),
         "annotations": {"readOnlyHint": true, "openWorldHint": false}},
        {"name": "label_session", "title": "Name an app instance",
         "description": "Give an instance a label that lasts (the same label store as `rdx sessions label ID LABEL`), so later calls can use select: LABEL, and a reloaded app keeps it. Changes only rdx's own label file, never the app.",
         "inputSchema": object(lb, &["id", "label"]),
         "outputSchema": {"type": "object", "properties": {"id": {"type": "string"}, "label": {"type": "string"},
             "previous": {"type": ["string", "null"]}, "known": {"type": "boolean"}, "note": {"type": "string"}},
             "required": ["id", "label"]},
         "annotations": {"readOnlyHint": false, "destructiveHint": false, "idempotentHint": true, "openWorldHint": false}},
        {"name": "list_reports", "title": "List the reports the server stored",
         "description": "The reports the DevTools server stored, newest first (what `rdx reports --json` prints): id, when it was stored, type, title (the sender's title, else the error's message), instance, version, user agent, how many actions. An app sends one on an error, or on send(), while no monitor watches (@redux-devtools/remote's sendOnError/sendOn, redux-remotedev). Filter by since (1h, or a time), title regex, instance; then get_report with an id. Needs a live DevTools server (not a recording, not the Expo dev server).",
         "inputSchema": object(lr, &[]),
         "outputSchema": {"type": "object", "properties": {
             "source": {"const": "live"},
             "listed": {"type": "integer", "description": "reports the server stores"},
             "count": {"type": "integer", "description": "reports the filters pass"},
             "returned": {"type": "integer", "description": "reports in the list (fewer than count when cut to fit max_bytes)"},
             "reports": {"type": "array", "items": report},
             "note": {"type": "string"}},
             "required": ["count", "returned", "reports"]},
         "annotations": {"readOnlyHint": true, "openWorldHint": false}},
        {"name": "get_report", "title": "Read one stored report",
         "description": "One report the server stored, whole (what `rdx reports show ID --json` prints): its title, exception, description, action, user, version, user agent, its actions (id and type) and the app's final state (a STATE report; an ACTIONS report holds the actions and no state after them). Use a path (.final_state.todos) to stay small: a value bigger than max_bytes is cut, and the answer says how much was left out and lists the largest deeper paths. An unknown id is an error.",
         "inputSchema": object(gr, &["id"]), "outputSchema": object_out(gr_out, &["id", "path", "value", "truncated"]),
         "annotations": {"readOnlyHint": true, "openWorldHint": false}}
    ]))
}

/// Add what every answer may say about cutting to each tool's output schema.
fn with_cut_report(mut tools: Value) -> Value {
    for t in tools.as_array_mut().into_iter().flatten() {
        if let Some(props) = t["outputSchema"]["properties"].as_object_mut() {
            cut_report(props);
        }
    }
    tools
}

pub(super) fn object_out(props: Map<String, Value>, required: &[&str]) -> Value {
    json!({"type": "object", "properties": props, "required": required})
}
