//! The Redux DevTools relay message model: what apps publish on `log`.
//!
//! `{type, id, name?, instanceId?, payload?, action?, nextActionId?, ...}`,
//! possibly wrapped as `{"id": <socket>, "data": {...}}` (the server's
//! `log-noid` relay, used by the legacy `remotedev` client). Decoding here is
//! lenient and cheap: `payload` and `action` stay as they came (usually jsan
//! strings) until a command asks for them, so `sessions` never parses them.

use std::cell::OnceCell;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::rawjson::{self, Json, Raw};
pub(crate) use crate::relay::action::action_type_of;
use crate::relay::action::{self, Action};
use crate::relay::jsan;
pub(crate) use crate::relay::kind::intern;
pub use crate::relay::kind::{Kind, Text};

/// One relay message, as published on `log`.
#[derive(Debug, Clone)]
pub struct Message {
    pub(crate) kind: Kind,
    /// The sender's socket id (`id`), new on every reconnect.
    pub(crate) socket: Option<Text>,
    /// The store's `instanceId`, stable across reconnects (absent from legacy apps).
    pub(crate) instance_id: Option<Text>,
    /// `libConfig.name`, else `name`.
    pub(crate) name: Option<Text>,
    /// An env/environment field from `libConfig` or `meta`, if any.
    pub(crate) env: Option<String>,
    /// A `label` field from `libConfig` or `meta`, if any.
    pub(crate) label: Option<String>,
    /// The raw `payload` (a jsan string, an object, or ERROR's plain text),
    /// unparsed until a command asks for it.
    pub(crate) payload: Option<Json>,
    /// The raw `action` (a jsan string, an object, or an array of them).
    pub(crate) action: Option<Raw>,
    /// `nextActionId`, also when sent as a string.
    pub(crate) next_action_id: Option<i64>,
    /// The decoded action, parsed once on first use (the registry wants its
    /// type, `tail` the whole action).
    action_cache: OnceCell<Option<(Action, crate::time::Stamp)>>,
}

impl PartialEq for Message {
    fn eq(&self, o: &Message) -> bool {
        let raw_eq = |a: &Option<Raw>, b: &Option<Raw>| {
            a.as_ref().map(|r| r.get()) == b.as_ref().map(|r| r.get())
        };
        self.kind == o.kind
            && self.socket == o.socket
            && self.instance_id == o.instance_id
            && self.name == o.name
            && self.env == o.env
            && self.label == o.label
            && self.payload == o.payload
            && raw_eq(&self.action, &o.action)
            && self.next_action_id == o.next_action_id
    }
}

/// The descriptive fields, read the same way by both decoders.
pub(crate) struct Described {
    pub(crate) name: Option<Text>,
    pub(crate) env: Option<String>,
    pub(crate) label: Option<String>,
    /// `nextActionId`, checked: `Err` with its text when out of range.
    pub(crate) next_action_id: Result<Option<i64>, String>,
}

impl Described {
    pub(crate) fn from(
        lib_config: Option<&Value>,
        meta: Option<&Value>,
        plain_name: Option<&str>,
        next: Option<&Value>,
    ) -> Described {
        const ENV: &[&str] = &["env", "environment"];
        let name = lib_config
            .and_then(|c| c.get("name"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .or(plain_name.filter(|s| !s.is_empty()))
            .map(intern);
        Described {
            name,
            env: text_field(lib_config, ENV).or_else(|| text_field(meta, ENV)),
            label: text_field(lib_config, &["label"]).or_else(|| text_field(meta, &["label"])),
            next_action_id: crate::relay::ids::next_action_id(next),
        }
    }
}

impl Message {
    /// Put a decoded message together (both decoders and the one-pass path).
    /// A `nextActionId` out of range makes the message bad: its id is what
    /// places an action, and no app sends such a one.
    pub(crate) fn assemble(
        kind: Kind,
        socket: Option<Text>,
        instance_id: Option<Text>,
        described: Described,
        payload: Option<Json>,
        action: Option<Raw>,
    ) -> Result<Message, BadMessage> {
        let not_null = |r: Option<Raw>| r.filter(|r| !rawjson::is_null(r));
        let Described {
            name,
            env,
            label,
            next_action_id,
        } = described;
        let next_action_id = next_action_id.map_err(|text| {
            BadMessage::OutOfRange(format!(
                "{}: {}",
                kind.as_str(),
                crate::relay::ids::bad_next(&text)
            ))
        })?;
        Ok(Message {
            kind,
            socket,
            instance_id,
            name,
            env,
            label,
            payload: payload.filter(|p| p.get() != "null"),
            action: not_null(action),
            next_action_id,
            action_cache: OnceCell::new(),
        })
    }
}

/// Why a relay message was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadMessage {
    NotAnObject,
    NoType,
    /// Neither an `instanceId` nor a socket `id`: nothing to key it by.
    NoKey(String),
    /// A number no app can send (an id past 2^53, a negative one).
    OutOfRange(String),
}

impl std::fmt::Display for BadMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadMessage::NotAnObject => write!(f, "relay message is not an object"),
            BadMessage::NoType => write!(f, "relay message without a string type"),
            BadMessage::NoKey(t) => write!(f, "{t} message without instanceId or id"),
            BadMessage::OutOfRange(what) => write!(f, "{what}"),
        }
    }
}

fn take_string(obj: &mut Map<String, Value>, key: &str) -> Option<String> {
    match obj.remove(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        // Numeric ids are unusual but unambiguous.
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn text_field(v: Option<&Value>, names: &[&str]) -> Option<String> {
    let obj = v?.as_object()?;
    names
        .iter()
        .find_map(|k| obj.get(*k).and_then(Value::as_str))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl Message {
    /// Decode the `data` of a `#publish` on `log` (or a legacy emitted `log` event).
    pub fn decode(data: Value) -> Result<Message, BadMessage> {
        let Value::Object(mut obj) = data else {
            return Err(BadMessage::NotAnObject);
        };
        // `{"id": socket, "data": {...}}`: the log-noid envelope.
        if !obj.contains_key("type") && obj.get("data").is_some_and(Value::is_object) {
            let outer_id = take_string(&mut obj, "id");
            let Some(Value::Object(inner)) = obj.remove("data") else {
                return Err(BadMessage::NotAnObject);
            };
            obj = inner;
            if let Some(id) = outer_id
                && !matches!(obj.get("id"), Some(Value::String(s)) if !s.is_empty())
            {
                obj.insert("id".into(), Value::String(id));
            }
        }
        let kind = match obj.get("type") {
            Some(Value::String(t)) => Kind::from_str(t),
            _ => return Err(BadMessage::NoType),
        };
        let socket = take_string(&mut obj, "id").map(|s| intern(&s));
        let instance_id = take_string(&mut obj, "instanceId").map(|s| intern(&s));
        if socket.is_none() && instance_id.is_none() {
            return Err(BadMessage::NoKey(kind.as_str().to_string()));
        }
        let plain_name = take_string(&mut obj, "name");
        let d = Described::from(
            obj.get("libConfig"),
            obj.get("meta"),
            plain_name.as_deref(),
            obj.get("nextActionId"),
        );
        let raw = |v: Option<Value>| v.map(|v| rawjson::to_raw(&v));
        let payload = raw(obj.remove("payload")).map(Json::checked);
        let action = raw(obj.remove("action"));
        Message::assemble(kind, socket, instance_id, d, payload, action)
    }

    /// Decode from raw JSON, parsing only the small fields: `payload` and
    /// `action` stay raw. Falls back to [`Message::decode`] for shapes the
    /// fast path does not take (escaped keys, envelopes without fields).
    /// With `payloads` false the `payload` is dropped unread (`sessions` and
    /// a plain `tail` never need it).
    pub(crate) fn decode_raw(raw: &RawValue, payloads: bool) -> Result<Message, BadMessage> {
        let general = || {
            let v: Value = serde_json::from_str(raw.get()).map_err(|_| BadMessage::NotAnObject)?;
            Message::decode(v)
        };
        let Some(mut obj) = rawjson::object(raw.get()) else {
            return general();
        };
        let mut outer_id = None;
        if !obj.contains_key("type")
            && let Some(inner) = obj.get("data").and_then(|d| rawjson::object(d.get()))
        {
            // `{"id": socket, "data": {...}}`: the log-noid envelope.
            outer_id = obj.get("id").and_then(|r| rawjson::id_of(r));
            obj = inner;
        }
        let kind = match obj.get("type").and_then(|t| rawjson::str_of(t)) {
            Some(t) => Kind::from_str(&t),
            None => return Err(BadMessage::NoType),
        };
        let id_text = |r: &&RawValue| match rawjson::str_of(r) {
            Some(s) => (!s.is_empty()).then(|| intern(&s)),
            None => rawjson::id_of(r).map(|s| intern(&s)),
        };
        let socket = obj
            .get("id")
            .and_then(id_text)
            .or(outer_id.map(|s| intern(&s)));
        let instance_id = obj.get("instanceId").and_then(id_text);
        if socket.is_none() && instance_id.is_none() {
            return Err(BadMessage::NoKey(kind.as_str().to_string()));
        }
        let small = |k: &str| {
            obj.get(k)
                .and_then(|r| serde_json::from_str::<Value>(r.get()).ok())
        };
        let plain_name = obj.get("name").and_then(|r| rawjson::str_of(r));
        let (lib_config, meta, next) = (small("libConfig"), small("meta"), small("nextActionId"));
        let d = Described::from(
            lib_config.as_ref(),
            meta.as_ref(),
            plain_name.as_deref(),
            next.as_ref(),
        );
        let raw_field = |k: &str| obj.get(k).map(|r| (*r).to_owned());
        let payload = if payloads || kind.has_history() {
            obj.get("payload").map(|r| own_payload(r.get()))
        } else {
            None
        };
        Message::assemble(kind, socket, instance_id, d, payload, raw_field("action"))
    }

    /// The registry key: `instanceId`, else the socket id.
    pub(crate) fn instance(&self) -> &str {
        self.instance_id
            .as_deref()
            .or(self.socket.as_deref())
            .unwrap_or_default()
    }

    /// The decoded action: `action` parsed a second time, jsan resolved, and
    /// unwrapped from `PERFORM_ACTION` (also `{timestamp, action}` of the
    /// legacy client). A batch (array) gives its last action.
    pub fn action(&self) -> Option<&Action> {
        self.decoded().map(|(a, _)| a)
    }

    /// The decoded action, taken out of the message (which keeps no copy).
    pub(crate) fn take_action(&mut self) -> Option<Action> {
        self.decoded();
        self.action_cache.take().flatten().map(|(a, _)| a)
    }

    /// When the app dispatched the action (the `PERFORM_ACTION` timestamp).
    pub(crate) fn action_timestamp(&self) -> Option<u64> {
        self.decoded()
            .and_then(|(_, ts)| ts.as_ref().ok().copied().flatten())
    }

    /// The action's timestamp, when it is a number but no time (negative,
    /// past year 9999): its text. [`Message::action_timestamp`] is then None.
    pub(crate) fn bad_timestamp(&self) -> Option<&str> {
        self.decoded()
            .and_then(|(_, ts)| ts.as_ref().err())
            .map(String::as_str)
    }

    fn decoded(&self) -> Option<&(Action, crate::time::Stamp)> {
        self.action_cache
            .get_or_init(|| {
                let raw = self.action.as_ref()?;
                // Nearly every action: a jsan string of a PERFORM_ACTION
                // with no references; its inner action is kept as text when
                // it is canonical, else only it becomes a tree.
                let v = if raw.get().starts_with('"') {
                    let text = rawjson::unescape_literal(raw.get())?;
                    if !text.contains("$jsan") && !text.contains("\\u") {
                        if let Some(fast) = action::perform_action(&text) {
                            return Some(fast);
                        }
                        if let Some((v, ts)) = plain_action(&text) {
                            return Some((Action::Tree(v), ts));
                        }
                    }
                    resolved(serde_json::from_str(&text).ok()?)
                } else {
                    decode_jsan_field(raw.get())?
                };
                let last = match &v {
                    Value::Array(items) => items.last(),
                    other => Some(other),
                };
                let ts = match last.and_then(|a| a.get("timestamp")) {
                    Some(t) => crate::time::ms_of(t),
                    None => Ok(None),
                };
                Some((Action::Tree(unwrap_action(v)), ts))
            })
            .as_ref()
    }

    /// The action's `type`, as text.
    pub fn action_type(&self) -> Option<String> {
        Some(self.action()?.type_name()?.into_owned())
    }

    /// The `payload`'s JSON text: unquoted once when it came as a jsan string
    /// (what `@redux-devtools/remote` sends), as is when it came as JSON.
    pub(crate) fn payload_text(&self) -> Option<std::borrow::Cow<'_, str>> {
        let raw = self.payload.as_ref()?.get();
        if raw.starts_with('"') {
            rawjson::unescape_literal(raw).map(std::borrow::Cow::Owned)
        } else {
            Some(std::borrow::Cow::Borrowed(raw))
        }
    }

    /// The message as JSON text, its fields as received: `action` and
    /// `payload` as they came (jsan strings, mostly), the rest as read.
    /// Key order and spacing are rdx's (the frame itself is not kept).
    pub(crate) fn as_received(&self) -> String {
        let mut fields: Vec<(&str, String)> = vec![("type", json_str(self.kind.as_str()))];
        for (k, v) in [
            ("id", &self.socket),
            ("instanceId", &self.instance_id),
            ("name", &self.name),
        ] {
            if let Some(v) = v {
                fields.push((k, json_str(v)));
            }
        }
        if let Some(a) = &self.action {
            fields.push(("action", a.get().to_string()));
        }
        if let Some(p) = &self.payload {
            fields.push(("payload", p.get().to_string()));
        }
        if let Some(n) = self.next_action_id {
            fields.push(("nextActionId", n.to_string()));
        }
        let body: Vec<String> = fields
            .into_iter()
            .map(|(k, v)| format!("{}:{v}", json_str(k)))
            .collect();
        format!("{{{}}}", body.join(","))
    }

    /// The decoded `payload`: parsed a second time, jsan resolved.
    pub(crate) fn decoded_payload(&self) -> Option<Value> {
        decode_jsan_field(self.payload.as_ref()?.get())
    }
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// Payloads at least this long are kept unquoted (see [`own_payload`]).
pub(crate) const BIG_PAYLOAD: usize = 1 << 20;

/// Keep a `payload`. A big jsan string is kept as the JSON text it quotes,
/// decoded once here: the escaped copy would be as big again, and every
/// reader ([`Message::payload_text`], [`decode_jsan_field`]) takes either
/// form. Anything else (small, not a string, not JSON inside) is kept as it
/// came. `text` is checked JSON (see [`Json`]).
pub(crate) fn own_payload(text: &str) -> Json {
    if text.len() >= BIG_PAYLOAD
        && text.starts_with('"')
        && let Some(inner) = rawjson::unescape_literal(text)
        && inner.trim_start().starts_with(['{', '['])
        && let Ok(unquoted) = RawValue::from_string(inner)
    {
        return Json::checked(unquoted);
    }
    Json::of_checked(text)
}

/// Parse a field that holds jsan text (or already a JSON value) and resolve it.
pub(crate) fn decode_jsan_field(text: &str) -> Option<Value> {
    let parsed = if text.starts_with('"') {
        let inner = rawjson::unescape_literal(text)?;
        serde_json::from_str::<Value>(&inner).ok()?
    } else {
        let v = serde_json::from_str::<Value>(text).ok()?;
        if v.is_null() {
            return None;
        }
        v
    };
    Some(resolved(parsed))
}

/// A parsed jsan value with its references resolved (if it has any).
fn resolved(parsed: Value) -> Value {
    if jsan::has_markers(&parsed) {
        jsan::resolve(parsed)
    } else {
        parsed
    }
}

/// [`unwrap_action`] of a `PERFORM_ACTION` (or legacy `{timestamp, action}`)
/// read from its text, with its timestamp, building a tree of the inner
/// action only. `None` for any other shape (the caller parses it whole).
/// The text must hold no jsan reference (the caller checks: no `$jsan`, no
/// `\u` escape that could spell one).
fn plain_action(text: &str) -> Option<(Value, crate::time::Stamp)> {
    let obj = rawjson::object(text)?;
    let inner = obj.get("action").filter(|a| a.get().starts_with('{'))?;
    let wrapped = match obj.get("type") {
        Some(t) => rawjson::str_of(t).as_deref() == Some("PERFORM_ACTION"),
        None => true,
    };
    if !wrapped {
        return None;
    }
    let ts = match obj
        .get("timestamp")
        .and_then(|t| serde_json::from_str::<Value>(t.get()).ok())
    {
        Some(t) => crate::time::ms_of(&t),
        None => Ok(None),
    };
    Some((serde_json::from_str(inner.get()).ok()?, ts))
}

/// `{type: PERFORM_ACTION, action: {...}}` → the inner action; a batch → its last.
pub(crate) fn unwrap_action(v: Value) -> Value {
    match v {
        Value::Array(mut items) => match items.pop() {
            Some(last) => unwrap_action(last),
            None => Value::Null,
        },
        Value::Object(mut obj) => {
            let wrapped = obj.get("type").and_then(Value::as_str) == Some("PERFORM_ACTION")
                || (!obj.contains_key("type") && obj.get("action").is_some_and(Value::is_object));
            if wrapped && let Some(inner @ Value::Object(_)) = obj.remove("action") {
                return inner;
            }
            Value::Object(obj)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests;
