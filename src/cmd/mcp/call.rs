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
    check_schema(name, &tool["inputSchema"], given)?;
    let g = Given(given);
    let max = given
        .get("max_bytes")
        .and_then(Value::as_u64)
        .unwrap_or(MAX_BYTES)
        .clamp(MAX_BYTES_MIN, MAX_BYTES_CAP);
    Ok(match name {
        "list_sessions" => Call::ListSessions {
            sel: g.sel()?,
            all: g.flag("all"),
            max,
        },
        "get_state" => Call::GetState {
            sel: g.sel()?,
            path: g.path("path")?,
            max,
        },
        "get_actions" => Call::GetActions {
            sel: g.sel()?,
            ty: g
                .text("type")
                .map(|t| Regex::new(&t).map_err(|e| format!("type {t:?}: invalid regex: {e}")))
                .transpose()?,
            since: given.get("since_id").and_then(Value::as_i64),
            limit: given
                .get("limit")
                .and_then(Value::as_u64)
                .unwrap_or(20)
                .clamp(1, RING as u64) as usize,
            with_diff: g.flag("with_diff"),
            max,
        },
        "wait_for" => wait_for(&g, max)?,
        "list_reports" => Call::ListReports {
            filters: crate::cmd::reports::Filters {
                since: g
                    .text("since")
                    .map(|v| {
                        crate::cmd::reports::since_ms(&v)
                            .map_err(|e| format!("list_reports: since {v:?}: {e}"))
                    })
                    .transpose()?,
                title: g
                    .text("title")
                    .map(|t| {
                        Regex::new(&t)
                            .map_err(|e| format!("list_reports: title {t:?}: invalid regex: {e}"))
                    })
                    .transpose()?,
                instance: g.text("instance"),
            },
            max,
        },
        "get_report" => {
            let id = g.text("id").unwrap_or_default();
            if id.trim().is_empty() {
                return Err("get_report: id is empty; list_reports gives the ids".into());
            }
            Call::GetReport {
                id,
                path: g.path("path")?,
                max,
            }
        }
        _ => label_session(&g, max)?,
    })
}

/// The arguments' names and JSON types against the tool's input schema,
/// and the required ones there.
fn check_schema(
    name: &str,
    schema: &Value,
    given: &Map<String, Value>,
) -> std::result::Result<(), String> {
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
    Ok(())
}

/// A call's arguments, checked against the schema already.
struct Given<'a>(&'a Map<String, Value>);

impl Given<'_> {
    fn text(&self, k: &str) -> Option<String> {
        self.0.get(k).and_then(Value::as_str).map(str::to_string)
    }

    fn flag(&self, k: &str) -> bool {
        self.0.get(k).and_then(Value::as_bool).unwrap_or(false)
    }

    /// The selector arguments, as the command line's flags read them.
    fn sel(&self) -> std::result::Result<Selection, String> {
        let m = |k: &str| {
            self.text(k)
                .map(|t| Matcher::parse(&t, k))
                .transpose()
                .map_err(|e| e.to_string())
        };
        Ok(Selection {
            app: m("app")?,
            env: self.text("env"),
            id_prefix: self.text("id_prefix"),
            instance: self.text("instance"),
            select: m("select")?,
        })
    }

    fn path(&self, k: &str) -> std::result::Result<Option<Path>, String> {
        self.text(k)
            .map(|t| paths::parse(&t).map_err(|e| e.to_string()))
            .transpose()
    }
}

/// `wait_for`'s arguments: one of `equals` and `changes`, a bounded timeout.
fn wait_for(g: &Given, max: u64) -> std::result::Result<Call, String> {
    let equals = g.0.get("equals").cloned();
    let changes = g.flag("changes");
    if equals.is_some() == changes {
        return Err("wait_for: give either equals (a JSON value) or changes: true".into());
    }
    let secs =
        g.0.get("timeout_s")
            .and_then(Value::as_f64)
            .unwrap_or(WAIT_DEFAULT_S);
    if !(0.0..=WAIT_CAP_S).contains(&secs) {
        return Err(format!(
            "wait_for: timeout_s must be between 0 and {WAIT_CAP_S}"
        ));
    }
    Ok(Call::WaitFor {
        sel: g.sel()?,
        path: g.path("path")?.expect("required"),
        equals,
        timeout: Duration::from_secs_f64(secs),
        max,
    })
}

/// `label_session`'s arguments: an id and a label the store takes.
fn label_session(g: &Given, max: u64) -> std::result::Result<Call, String> {
    let id = g.text("id").unwrap_or_default();
    let label = g.text("label").unwrap_or_default();
    if id.trim().is_empty() {
        return Err("label_session: id is empty".into());
    }
    labels::validate(&label).map_err(|e| e.to_string())?;
    Ok(Call::Label { id, label, max })
}
