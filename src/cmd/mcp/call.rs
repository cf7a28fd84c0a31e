//! A `tools/call` request read into a [`Call`], or why it cannot be: a
//! protocol error (no such tool) or a tool error (bad arguments).

use super::*;

/// Why a `tools/call` cannot run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Refused {
    /// No tool of that name: a JSON-RPC error -32602.
    UnknownTool(String),
    /// The arguments are wrong: a tool result with `isError: true` (MCP
    /// 2025-11-25: the agent reads it and can correct its call).
    Arguments(String),
}

impl Refused {
    /// What it says.
    #[cfg(test)]
    pub(super) fn text(&self) -> &str {
        match self {
            Refused::UnknownTool(t) | Refused::Arguments(t) => t,
        }
    }
}

/// Check `args` against the tool's input schema (names and JSON types),
/// then read them into a [`Call`].
pub(super) fn parse_call(name: &str, args: &Value) -> std::result::Result<Call, Refused> {
    let tools = tools();
    let Some(tool) = tools
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == name))
    else {
        let names: Vec<&str> = tools
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["name"].as_str())
            .collect();
        return Err(Refused::UnknownTool(format!(
            "unknown tool {name:?}; the tools are {}",
            names.join(", ")
        )));
    };
    read_call(name, tool, args).map_err(Refused::Arguments)
}

/// Read the arguments of `tool` (known) into a [`Call`]; the error says
/// what is wrong with them.
fn read_call(name: &str, tool: &Value, args: &Value) -> std::result::Result<Call, String> {
    let Value::Object(given) = args else {
        return Err(format!("{name}: arguments must be an object"));
    };
    let schema = &tool["inputSchema"];
    let props = schema["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for (k, v) in given {
        let Some(p) = props.get(k) else {
            let known: Vec<&str> = props.keys().map(String::as_str).collect();
            return Err(format!(
                "{name}: unknown argument {k:?}; it takes {}",
                known.join(", ")
            ));
        };
        let ok = match p["type"].as_str() {
            Some("string") => v.is_string(),
            Some("boolean") => v.is_boolean(),
            Some("integer") => v.is_i64() || v.is_u64(),
            Some("number") => v.is_number(),
            _ => true,
        };
        if !ok {
            let want = p["type"].as_str().unwrap_or("value");
            let a = if want.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            return Err(format!("{name}: {k} must be {a} {want}, not {v}"));
        }
    }
    for r in schema["required"].as_array().into_iter().flatten() {
        let r = r.as_str().unwrap_or_default();
        if !given.contains_key(r) {
            return Err(format!("{name}: {r} is required"));
        }
    }
    let s = |k: &str| given.get(k).and_then(Value::as_str).map(str::to_string);
    let b = |k: &str| given.get(k).and_then(Value::as_bool).unwrap_or(false);
    let sel = || -> std::result::Result<Selection, String> {
        let m = |k: &str| {
            s(k).map(|t| Matcher::parse(&t, k))
                .transpose()
                .map_err(|e| e.to_string())
        };
        Ok(Selection {
            app: m("app")?,
            env: s("env"),
            id_prefix: s("id_prefix"),
            instance: s("instance"),
            select: m("select")?,
        })
    };
    let path = |k: &str| {
        s(k).map(|t| paths::parse(&t).map_err(|e| e.to_string()))
            .transpose()
    };
    let max = given
        .get("max_bytes")
        .and_then(Value::as_u64)
        .unwrap_or(MAX_BYTES)
        .clamp(MAX_BYTES_MIN, MAX_BYTES_CAP);
    Ok(match name {
        "list_sessions" => Call::ListSessions {
            sel: sel()?,
            all: b("all"),
            max,
        },
        "get_state" => Call::GetState {
            sel: sel()?,
            path: path("path")?,
            max,
        },
        "get_actions" => Call::GetActions {
            sel: sel()?,
            ty: s("type")
                .map(|t| Regex::new(&t).map_err(|e| format!("type {t:?}: invalid regex: {e}")))
                .transpose()?,
            since: given.get("since_id").and_then(Value::as_i64),
            limit: given
                .get("limit")
                .and_then(Value::as_u64)
                .unwrap_or(20)
                .clamp(1, RING as u64) as usize,
            with_diff: b("with_diff"),
            max,
        },
        "wait_for" => {
            let equals = given.get("equals").cloned();
            let changes = b("changes");
            if equals.is_some() == changes {
                return Err("wait_for: give either equals (a JSON value) or changes: true".into());
            }
            let secs = given
                .get("timeout_s")
                .and_then(Value::as_f64)
                .unwrap_or(WAIT_DEFAULT_S);
            if !(0.0..=WAIT_CAP_S).contains(&secs) {
                return Err(format!(
                    "wait_for: timeout_s must be between 0 and {WAIT_CAP_S}"
                ));
            }
            Call::WaitFor {
                sel: sel()?,
                path: path("path")?.expect("required"),
                equals,
                timeout: Duration::from_secs_f64(secs),
                max,
            }
        }
        _ => {
            let id = s("id").unwrap_or_default();
            let label = s("label").unwrap_or_default();
            if id.trim().is_empty() {
                return Err("label_session: id is empty".into());
            }
            labels::validate(&label).map_err(|e| e.to_string())?;
            Call::Label { id, label, max }
        }
    })
}
