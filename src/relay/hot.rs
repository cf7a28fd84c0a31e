//! The hot path: a `#publish` on `log` decoded in one pass over the frame.
//!
//! Nearly every frame a monitor receives is `{"event":"#publish","data":
//! {"channel":"log","data":MSG}}`. The general path (`wire` → `relay`) reads
//! each level as raw JSON and parses the next level again, scanning the ~1 KB
//! payload string three times. Here a serde visitor descends straight into
//! MSG, takes the small fields, copies `action` (and `payload`, if the command
//! reads state) as raw text, and skips the rest. Anything unusual — another
//! event or channel, a batch, a reply, an envelope, keys out of the usual
//! order — returns `None` and takes the general path, which handles it.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::relay::message::{BadMessage, Described, Kind, Message, intern};

/// `Some(message)` for a plain `#publish` on `log`; `None` for anything else.
pub(crate) fn log_publish(text: &str, payloads: bool) -> Option<Result<Message, BadMessage>> {
    let mut de = serde_json::Deserializer::from_str(text);
    let out = FrameSeed { payloads }.deserialize(&mut de).ok()??;
    de.end().ok()?;
    Some(out)
}

/// Not the frame this path takes: give up quietly (the general path will see it).
#[derive(Debug)]
struct NotHot;

impl fmt::Display for NotHot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a plain #publish on log")
    }
}

fn not_hot<E: de::Error>() -> E {
    E::custom(NotHot)
}

struct FrameSeed {
    payloads: bool,
}

impl<'de> DeserializeSeed<'de> for FrameSeed {
    type Value = Option<Result<Message, BadMessage>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FrameSeed {
    type Value = Option<Result<Message, BadMessage>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a frame object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut publish = false;
        let mut out = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match &*key {
                "event" => {
                    let e = map.next_value::<Cow<'de, str>>()?;
                    if e != "#publish" {
                        return Err(not_hot());
                    }
                    publish = true;
                }
                // `event` comes first in every frame the server writes.
                "data" if publish => {
                    out = Some(map.next_value_seed(PublishSeed {
                        payloads: self.payloads,
                    })?)
                }
                _ => return Err(not_hot()),
            }
        }
        Ok(out)
    }
}

struct PublishSeed {
    payloads: bool,
}

impl<'de> DeserializeSeed<'de> for PublishSeed {
    type Value = Result<Message, BadMessage>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PublishSeed {
    type Value = Result<Message, BadMessage>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a #publish object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut log = false;
        let mut out = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match &*key {
                "channel" => {
                    if map.next_value::<Cow<'de, str>>()? != "log" {
                        return Err(not_hot());
                    }
                    log = true;
                }
                "data" if log => {
                    out = Some(map.next_value_seed(MessageSeed {
                        payloads: self.payloads,
                    })?)
                }
                _ => return Err(not_hot()),
            }
        }
        out.ok_or_else(not_hot)
    }
}

struct MessageSeed {
    payloads: bool,
}

impl<'de> DeserializeSeed<'de> for MessageSeed {
    type Value = Result<Message, BadMessage>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

/// An id: a non-empty string, or a number.
fn id_value(v: Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl<'de> Visitor<'de> for MessageSeed {
    type Value = Result<Message, BadMessage>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a relay message object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut kind = None;
        let (mut socket, mut instance_id, mut name) = (None, None, None);
        let (mut lib_config, mut meta, mut next) = (None, None, None);
        let (mut payload, mut action): (Option<Box<RawValue>>, Option<Box<RawValue>>) =
            (None, None);
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match &*key {
                "type" => match map.next_value::<Value>()? {
                    Value::String(t) => kind = Some(Kind::from_str(&t)),
                    _ => return Ok(Err(BadMessage::NoType)),
                },
                "id" => socket = id_value(map.next_value()?).map(|s| intern(&s)),
                "instanceId" => instance_id = id_value(map.next_value()?).map(|s| intern(&s)),
                "name" => name = Some(map.next_value::<Value>()?),
                // A lifted state (STATE) always: it holds the action history.
                "payload" if self.payloads || kind.as_ref().is_none_or(Kind::has_history) => {
                    payload = Some(map.next_value()?)
                }
                "payload" => {
                    map.next_value::<IgnoredAny>()?;
                }
                "action" => action = Some(map.next_value()?),
                "nextActionId" => next = Some(map.next_value::<Value>()?),
                "libConfig" => lib_config = Some(map.next_value::<Value>()?),
                "meta" => meta = Some(map.next_value::<Value>()?),
                // `{"id":..,"data":{...}}` envelopes take the general path.
                "data" => return Err(not_hot()),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let Some(kind) = kind else {
            return Ok(Err(BadMessage::NoType));
        };
        if !self.payloads && !kind.has_history() {
            payload = None;
        }
        if socket.is_none() && instance_id.is_none() {
            return Ok(Err(BadMessage::NoKey(kind.as_str().to_string())));
        }
        let plain_name = name.as_ref().and_then(Value::as_str);
        let d = Described::from(
            lib_config.as_ref(),
            meta.as_ref(),
            plain_name,
            next.as_ref(),
        );
        Ok(Ok(Message::assemble(
            kind,
            socket,
            instance_id,
            d,
            payload,
            action,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn general(text: &str, payloads: bool) -> Vec<Result<Message, String>> {
        let (mut packets, mut skips) = (Vec::new(), Vec::new());
        crate::link::wire::decode(text, &mut packets, &mut skips);
        let mut out: Vec<Result<Message, String>> =
            skips.iter().map(|s| Err(s.to_string())).collect();
        for p in packets {
            if let crate::link::wire::Packet::Publish { channel, data } = p
                && channel == "log"
            {
                out.push(Message::decode_raw(&data, payloads).map_err(|e| e.to_string()));
            }
        }
        out
    }

    #[test]
    fn agrees_with_the_general_path_on_every_capture_frame() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut hot = 0;
        for sub in ["fixtures", "fixtures/legacy", "tests/bad-inputs"] {
            for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
                let path = entry.unwrap().path();
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                for line in text.lines() {
                    let Ok(rec) = serde_json::from_str::<Value>(line) else {
                        continue;
                    };
                    let Some(frame) = rec["data"].as_str() else {
                        continue;
                    };
                    for payloads in [true, false] {
                        if let Some(fast) = log_publish(frame, payloads) {
                            hot += 1;
                            let slow = general(frame, payloads);
                            assert_eq!(
                                vec![fast.map_err(|e| e.to_string())],
                                slow,
                                "{}: {frame:.200}",
                                path.display()
                            );
                        }
                    }
                }
            }
        }
        assert!(hot > 2000, "{hot}");
    }

    #[test]
    fn unusual_frames_take_the_general_path() {
        for text in [
            r##"{"data":{"channel":"log","data":{"type":"START","id":"s"}},"event":"#publish"}"##,
            r##"{"event":"#publish","data":{"channel":"report","data":{}}}"##,
            r##"[{"event":"#publish","data":{"channel":"log","data":{"type":"START","id":"s"}}}]"##,
            r##"{"event":"#publish","data":{"channel":"log","data":{"id":"s","data":{"type":"INIT"}}}}"##,
            r##"{"rid":1,"data":{}}"##,
            r##"{"event":"log","data":{"type":"START","id":"s"}}"##,
            "",
            "not json",
        ] {
            assert!(log_publish(text, true).is_none(), "{text}");
        }
        let m = log_publish(
            r##"{"event":"#publish","data":{"channel":"log","data":{"type":"START","id":"s","extra":[1,{"x":2}]}}}"##,
            true,
        );
        assert_eq!(m.unwrap().unwrap().instance(), "s");
    }
}
