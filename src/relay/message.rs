//! The Redux DevTools relay message model: what apps publish on `log`.
//!
//! `{type, id, name?, instanceId?, payload?, action?, nextActionId?, ...}`,
//! possibly wrapped as `{"id": <socket>, "data": {...}}` (the server's
//! `log-noid` relay, used by the legacy `remotedev` client). Decoding here is
//! lenient and cheap: `payload` and `action` stay as they came (usually jsan
//! strings) until a command asks for them, so `sessions` never parses them.

use std::cell::{OnceCell, RefCell};
use std::collections::HashSet;
use std::sync::Arc;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::link::rawjson::{self, Raw};
use crate::relay::jsan;

/// Shared text for ids and names, which repeat in every message of an
/// instance: interned per thread, so a message costs no allocation for them.
pub type Text = Arc<str>;

thread_local! {
    static INTERNED: RefCell<HashSet<Arc<str>>> = RefCell::new(HashSet::new());
}

/// The shared copy of `s` (bounded: the table is emptied past 4096 entries).
pub fn intern(s: &str) -> Text {
    INTERNED.with(|cell| {
        let mut set = cell.borrow_mut();
        if let Some(t) = set.get(s) {
            return t.clone();
        }
        if set.len() >= 4096 {
            set.clear();
        }
        let t: Text = Arc::from(s);
        set.insert(t.clone());
        t
    })
}

/// The message types rdx understands; anything else is `Other` (counted, skipped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Start,
    State,
    Action,
    Stop,
    Error,
    Disconnected,
    /// The legacy `remotedev` client's first message: a state, like STATE.
    Init,
    PartialState,
    Lifted,
    Other(String),
}

impl Kind {
    pub(crate) fn from_str(s: &str) -> Kind {
        match s {
            "START" => Kind::Start,
            "STATE" => Kind::State,
            "ACTION" => Kind::Action,
            "STOP" => Kind::Stop,
            "ERROR" => Kind::Error,
            "DISCONNECTED" => Kind::Disconnected,
            "INIT" => Kind::Init,
            "PARTIAL_STATE" => Kind::PartialState,
            "LIFTED" => Kind::Lifted,
            other => Kind::Other(other.to_string()),
        }
    }

    /// Does this kind's payload hold a lifted state, with the app's action
    /// history? Such payloads are always kept: every command needs the
    /// history (the registry's counts, every action once).
    pub fn has_history(&self) -> bool {
        matches!(self, Kind::State | Kind::Lifted)
    }

    pub fn as_str(&self) -> &str {
        match self {
            Kind::Start => "START",
            Kind::State => "STATE",
            Kind::Action => "ACTION",
            Kind::Stop => "STOP",
            Kind::Error => "ERROR",
            Kind::Disconnected => "DISCONNECTED",
            Kind::Init => "INIT",
            Kind::PartialState => "PARTIAL_STATE",
            Kind::Lifted => "LIFTED",
            Kind::Other(s) => s,
        }
    }
}

/// One relay message, as published on `log`.
#[derive(Debug, Clone)]
pub struct Message {
    pub kind: Kind,
    /// The sender's socket id (`id`), new on every reconnect.
    pub socket: Option<Text>,
    /// The store's `instanceId`, stable across reconnects (absent from legacy apps).
    pub instance_id: Option<Text>,
    /// `libConfig.name`, else `name`.
    pub name: Option<Text>,
    /// An env/environment field from `libConfig` or `meta`, if any.
    pub env: Option<String>,
    /// A `label` field from `libConfig` or `meta`, if any.
    pub label: Option<String>,
    /// The raw `payload` (a jsan string, an object, or ERROR's plain text),
    /// unparsed until a command asks for it.
    pub payload: Option<Raw>,
    /// The raw `action` (a jsan string, an object, or an array of them).
    pub action: Option<Raw>,
    /// `nextActionId`, also when sent as a string.
    pub next_action_id: Option<i64>,
    /// The decoded action, parsed once on first use (the registry wants its
    /// type, `tail` the whole action).
    action_cache: OnceCell<Option<(Value, Option<u64>)>>,
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
            && raw_eq(&self.payload, &o.payload)
            && raw_eq(&self.action, &o.action)
            && self.next_action_id == o.next_action_id
    }
}

/// The descriptive fields, read the same way by both decoders.
pub(crate) struct Described {
    pub(crate) name: Option<Text>,
    pub(crate) env: Option<String>,
    pub(crate) label: Option<String>,
    pub(crate) next_action_id: Option<i64>,
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
            next_action_id: match next {
                Some(Value::Number(n)) => n.as_i64(),
                Some(Value::String(s)) => s.trim().parse().ok(),
                _ => None,
            },
        }
    }
}

impl Message {
    /// Put a decoded message together (both decoders and the one-pass path).
    pub(crate) fn assemble(
        kind: Kind,
        socket: Option<Text>,
        instance_id: Option<Text>,
        described: Described,
        payload: Option<Raw>,
        action: Option<Raw>,
    ) -> Message {
        let not_null = |r: Option<Raw>| r.filter(|r| !rawjson::is_null(r));
        let Described {
            name,
            env,
            label,
            next_action_id,
        } = described;
        Message {
            kind,
            socket,
            instance_id,
            name,
            env,
            label,
            payload: not_null(payload),
            action: not_null(action),
            next_action_id,
            action_cache: OnceCell::new(),
        }
    }
}

/// Why a relay message was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    NotAnObject,
    NoType,
    /// Neither an `instanceId` nor a socket `id`: nothing to key it by.
    NoKey(String),
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Skip::NotAnObject => write!(f, "relay message is not an object"),
            Skip::NoType => write!(f, "relay message without a string type"),
            Skip::NoKey(t) => write!(f, "{t} message without instanceId or id"),
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
    pub fn decode(data: Value) -> Result<Message, Skip> {
        let Value::Object(mut obj) = data else {
            return Err(Skip::NotAnObject);
        };
        // `{"id": socket, "data": {...}}`: the log-noid envelope.
        if !obj.contains_key("type") && obj.get("data").is_some_and(Value::is_object) {
            let outer_id = take_string(&mut obj, "id");
            let Some(Value::Object(inner)) = obj.remove("data") else {
                return Err(Skip::NotAnObject);
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
            _ => return Err(Skip::NoType),
        };
        let socket = take_string(&mut obj, "id").map(|s| intern(&s));
        let instance_id = take_string(&mut obj, "instanceId").map(|s| intern(&s));
        if socket.is_none() && instance_id.is_none() {
            return Err(Skip::NoKey(kind.as_str().to_string()));
        }
        let plain_name = take_string(&mut obj, "name");
        let d = Described::from(
            obj.get("libConfig"),
            obj.get("meta"),
            plain_name.as_deref(),
            obj.get("nextActionId"),
        );
        let raw = |v: Option<Value>| v.map(|v| rawjson::to_raw(&v));
        let (payload, action) = (raw(obj.remove("payload")), raw(obj.remove("action")));
        Ok(Message::assemble(
            kind,
            socket,
            instance_id,
            d,
            payload,
            action,
        ))
    }

    /// Decode from raw JSON, parsing only the small fields: `payload` and
    /// `action` stay raw. Falls back to [`Message::decode`] for shapes the
    /// fast path does not take (escaped keys, envelopes without fields).
    /// With `payloads` false the `payload` is dropped unread (`sessions` and
    /// a plain `tail` never need it).
    pub fn decode_raw(raw: &RawValue, payloads: bool) -> Result<Message, Skip> {
        let general = || {
            let v: Value = serde_json::from_str(raw.get()).map_err(|_| Skip::NotAnObject)?;
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
            None => return Err(Skip::NoType),
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
            return Err(Skip::NoKey(kind.as_str().to_string()));
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
            raw_field("payload")
        } else {
            None
        };
        Ok(Message::assemble(
            kind,
            socket,
            instance_id,
            d,
            payload,
            raw_field("action"),
        ))
    }

    /// The registry key: `instanceId`, else the socket id.
    pub fn key(&self) -> &str {
        self.instance_id
            .as_deref()
            .or(self.socket.as_deref())
            .unwrap_or_default()
    }

    /// The decoded action: `action` parsed a second time, jsan resolved, and
    /// unwrapped from `PERFORM_ACTION` (also `{timestamp, action}` of the
    /// legacy client). A batch (array) gives its last action.
    pub fn decoded_action(&self) -> Option<&Value> {
        self.decoded().map(|(a, _)| a)
    }

    /// When the app dispatched the action (the `PERFORM_ACTION` timestamp).
    pub fn action_timestamp(&self) -> Option<u64> {
        self.decoded().and_then(|(_, ts)| *ts)
    }

    fn decoded(&self) -> Option<&(Value, Option<u64>)> {
        self.action_cache
            .get_or_init(|| {
                let v = decode_jsan_field(self.action.as_ref()?)?;
                let last = match &v {
                    Value::Array(items) => items.last(),
                    other => Some(other),
                };
                let ts = last
                    .and_then(|a| a.get("timestamp"))
                    .and_then(crate::relay::lifted::timestamp_of);
                Some((unwrap_action(v), ts))
            })
            .as_ref()
    }

    /// The action's `type`, as text.
    pub fn action_type(&self) -> Option<String> {
        action_type_of(self.decoded_action()?)
    }

    /// The decoded `payload`: parsed a second time, jsan resolved.
    pub fn decoded_payload(&self) -> Option<Value> {
        decode_jsan_field(self.payload.as_ref()?)
    }
}

/// Parse a field that holds jsan text (or already a JSON value) and resolve it.
pub fn decode_jsan_field(raw: &RawValue) -> Option<Value> {
    let text = raw.get();
    let parsed = if text.starts_with('"') {
        let inner: String = serde_json::from_str(text).ok()?;
        serde_json::from_str::<Value>(&inner).ok()?
    } else {
        let v = serde_json::from_str::<Value>(text).ok()?;
        if v.is_null() {
            return None;
        }
        v
    };
    Some(if jsan::has_markers(&parsed) {
        jsan::resolve(parsed)
    } else {
        parsed
    })
}

/// `{type: PERFORM_ACTION, action: {...}}` → the inner action; a batch → its last.
pub fn unwrap_action(v: Value) -> Value {
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

/// An action's type as text: a string type as is, any other type as JSON.
pub fn action_type_of(action: &Value) -> Option<String> {
    match action {
        Value::Object(o) => match o.get("type")? {
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        },
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn action_from_capture() {
        let m = Message::decode(json!({
            "type":"ACTION","id":"MfZWQuBNr5fyauEoAAA4","name":"alpha","instanceId":"65ioovqadda",
            "payload":"{\"counter\":{\"value\":1}}",
            "action":"{\"type\":\"PERFORM_ACTION\",\"action\":{\"type\":\"counter/incremented\"},\"timestamp\":1}",
            "nextActionId":4
        }))
        .unwrap();
        assert_eq!(m.kind, Kind::Action);
        assert_eq!(m.key(), "65ioovqadda");
        assert_eq!(m.socket.as_deref(), Some("MfZWQuBNr5fyauEoAAA4"));
        assert_eq!(m.name.as_deref(), Some("alpha"));
        assert_eq!(m.next_action_id, Some(4));
        assert_eq!(m.action_type().as_deref(), Some("counter/incremented"));
        assert_eq!(m.decoded_payload().unwrap(), json!({"counter":{"value":1}}));
    }

    #[test]
    fn disconnected_keys_by_socket() {
        let m =
            Message::decode(json!({"type":"DISCONNECTED","id":"ioYiBfeqXKHd4yBLAAA6"})).unwrap();
        assert_eq!(m.kind, Kind::Disconnected);
        assert_eq!(m.key(), "ioYiBfeqXKHd4yBLAAA6");
        assert!(m.instance_id.is_none());
    }

    #[test]
    fn log_noid_envelope_from_legacy_capture() {
        let m = Message::decode(json!({"id":"EXMuOgjfWPwbK-3nAAAN","data":{
            "payload":"{\"count\":0,\"todos\":[]}","action":{},"type":"INIT","id":null,
            "instanceId":"mfpn7txxrca","name":"rd-app"}}))
        .unwrap();
        assert_eq!(m.kind, Kind::Init);
        assert_eq!(m.socket.as_deref(), Some("EXMuOgjfWPwbK-3nAAAN"));
        assert_eq!(m.key(), "mfpn7txxrca");
        assert_eq!(m.name.as_deref(), Some("rd-app"));
    }

    #[test]
    fn legacy_unwrapped_actions() {
        let m = Message::decode(json!({"type":"ACTION","id":"s1",
            "action":"{\"timestamp\":1,\"action\":{\"type\":\"counter/increment\",\"by\":1}}"}))
        .unwrap();
        assert_eq!(m.key(), "s1");
        assert_eq!(m.action_type().as_deref(), Some("counter/increment"));
        // a plain action object, a bare string, a batch
        let m =
            Message::decode(json!({"type":"ACTION","id":"s1","action":{"type":"plain"}})).unwrap();
        assert_eq!(m.action_type().as_deref(), Some("plain"));
        let m = Message::decode(json!({"type":"ACTION","id":"s1","action":"\"JUST_A_STRING\""}))
            .unwrap();
        assert_eq!(m.action_type().as_deref(), Some("JUST_A_STRING"));
        let m = Message::decode(
            json!({"type":"ACTION","id":"s1","action":[{"type":"a"},{"type":"b"}]}),
        )
        .unwrap();
        assert_eq!(m.action_type().as_deref(), Some("b"));
    }

    #[test]
    fn lenient_fields() {
        let m = Message::decode(json!({"type":"STATE","instanceId":"i","nextActionId":"12",
            "payload":{"already":"json"},"libConfig":{"name":"shop","env":"staging"}}))
        .unwrap();
        assert_eq!(m.next_action_id, Some(12));
        assert_eq!(m.name.as_deref(), Some("shop"));
        assert_eq!(m.env.as_deref(), Some("staging"));
        assert_eq!(m.decoded_payload().unwrap(), json!({"already":"json"}));
        let m = Message::decode(json!({"type":"LIFTED","id":"s","meta":{"environment":"prod"}}))
            .unwrap();
        assert_eq!(m.kind, Kind::Lifted);
        assert_eq!(m.env.as_deref(), Some("prod"));
        let m = Message::decode(json!({"type":"WHATEVER","id":"s"})).unwrap();
        assert_eq!(m.kind, Kind::Other("WHATEVER".into()));
    }

    #[test]
    fn skips_what_cannot_be_keyed() {
        assert_eq!(Message::decode(json!([1])), Err(Skip::NotAnObject));
        assert_eq!(Message::decode(json!({"id":"x"})), Err(Skip::NoType));
        assert_eq!(
            Message::decode(json!({"type":5,"id":"x"})),
            Err(Skip::NoType)
        );
        assert_eq!(
            Message::decode(json!({"type":"START"})),
            Err(Skip::NoKey("START".into()))
        );
        assert_eq!(
            Message::decode(json!({"type":"START","id":{"x":1},"instanceId":[]})),
            Err(Skip::NoKey("START".into()))
        );
    }

    #[test]
    fn fast_path_agrees_with_the_general_path_on_every_capture() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut checked = 0;
        for sub in [dir.clone(), dir.join("legacy")] {
            for entry in std::fs::read_dir(sub).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_none_or(|e| e != "jsonl") {
                    continue;
                }
                for line in std::fs::read_to_string(&path).unwrap().lines() {
                    let Ok(rec) = serde_json::from_str::<Value>(line) else {
                        continue;
                    };
                    let Some(data) = rec["data"].as_str() else {
                        continue;
                    };
                    let Ok(frame) = serde_json::from_str::<Value>(data) else {
                        continue;
                    };
                    let msg = &frame["data"]["data"];
                    if frame["event"] != "#publish" || !msg.is_object() {
                        continue;
                    }
                    let raw = rawjson::to_raw(msg);
                    assert_eq!(
                        Message::decode_raw(&raw, true),
                        Message::decode(msg.clone()),
                        "{}",
                        path.display()
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 1000, "{checked}");
    }

    #[test]
    fn bad_payloads_decode_to_none() {
        let m = Message::decode(
            json!({"type":"ERROR","id":"s","payload":"Unexpected identifier 'is'"}),
        )
        .unwrap();
        assert_eq!(m.decoded_payload(), None);
        assert_eq!(m.action_type(), None);
    }
}
