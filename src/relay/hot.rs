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
//!
//! Before the visitor, [`crate::relay::scan`] tries the frame as the server
//! writes it with flat values (every ACTION and STATE of
//! `@redux-devtools/remote`), faster; both end in the same [`finish`]. A
//! frame over 1 MB that rdx owns has its payload decoded in its own buffer
//! ([`log_publish_owned`]).

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::rawjson::{self, Json, Raw};
use crate::relay::kind::Text;
use crate::relay::message::{
    BIG_PAYLOAD, BadMessage, Described, Kind, Message, intern, own_payload,
};
use crate::relay::scan;

/// `Some(message)` for a plain `#publish` on `log`; `None` for anything else.
pub(crate) fn log_publish(text: &str, payloads: bool) -> Option<Result<Message, BadMessage>> {
    decode(
        text,
        How {
            payloads,
            defer: false,
        },
    )
    .map(|(m, _)| m)
}

/// `Some(message)` for a plain flat `log` frame of the Expo Redux plugin
/// (one scan, as [`log_publish`]); `None` for anything else.
pub(crate) fn expo_log(text: &str, payloads: bool) -> Option<Result<Message, BadMessage>> {
    let how = How {
        payloads,
        defer: false,
    };
    from_members(text, scan::expo_log(text)?, how).map(|(m, _)| m)
}

/// [`log_publish`] of a big frame it consumes: a jsan string `payload` is
/// decoded inside the frame's own buffer, which becomes the payload, so a
/// 64 MB STATE is never held twice. `Err(frame)` when the frame is not a
/// plain `#publish` on `log` (the general path takes it).
pub(crate) fn log_publish_owned(
    frame: String,
    payloads: bool,
) -> Result<Result<Message, BadMessage>, String> {
    let (msg, lit) = match decode(
        &frame,
        How {
            payloads,
            defer: true,
        },
    ) {
        None => return Err(frame),
        Some((msg, lit)) => (msg, lit.map(|r| span_in(&frame, r.get()))),
    };
    match (msg, lit) {
        (Ok(mut msg), Some(lit)) => {
            msg.payload = payload_in_place(frame, lit);
            Ok(Ok(msg))
        }
        (msg, _) => Ok(msg),
    }
}

/// Where `part` (a slice of `whole`) lies in it.
fn span_in(whole: &str, part: &str) -> Range<usize> {
    let start = part.as_ptr() as usize - whole.as_ptr() as usize;
    start..start + part.len()
}

/// The payload a frame's buffer holds at `lit` (a JSON string literal whose
/// content starts with `{` or `[`), decoded in place and moved to the front.
/// Text that is not JSON once decoded is kept as a string, as it came; a
/// string serde_json would refuse (a lone surrogate) is no payload, as
/// reading it would have found none.
fn payload_in_place(frame: String, lit: Range<usize>) -> Option<Json> {
    let text = rawjson::unescape_span(frame.into_bytes(), lit.start + 1..lit.end - 1)?;
    match serde_json::from_str::<IgnoredAny>(&text) {
        Ok(_) => RawValue::from_string(text).ok().map(Json::checked),
        Err(_) => serde_json::value::to_raw_value(&text)
            .ok()
            .map(Json::checked),
    }
}

/// A payload worth decoding in place: a big jsan string of an object or array.
fn deferrable(lit: &str) -> bool {
    lit.len() >= BIG_PAYLOAD
        && lit.starts_with('"')
        && lit[1..].trim_start().starts_with(['{', '['])
}

/// How to decode: keep payloads (or drop them unread); leave a big jsan
/// payload in the frame for [`log_publish_owned`].
#[derive(Clone, Copy)]
struct How {
    payloads: bool,
    defer: bool,
}

/// A message, and the big payload literal left in the frame (deferred).
type Decoded<'de> = (Result<Message, BadMessage>, Option<&'de RawValue>);

fn decode(text: &str, how: How) -> Option<Decoded<'_>> {
    if let Some(members) = scan::publish(text)
        && let Some(decoded) = from_members(text, members, how)
    {
        return Some(decoded);
    }
    visit(text, how)
}

/// The frame read by the serde visitor.
fn visit(text: &str, how: How) -> Option<Decoded<'_>> {
    let mut de = serde_json::Deserializer::from_str(text);
    let out = FrameSeed { how }.deserialize(&mut de).ok()??;
    de.end().ok()?;
    Some(out)
}

/// The message the scanned members make, as [`MessageSeed`] makes it;
/// `None` for anything unusual (the visitor then reads the frame).
fn from_members(text: &str, m: scan::Members, how: How) -> Option<Decoded<'_>> {
    let kind = match scan::value(text, m.kind.as_ref()?)? {
        Value::String(kind) => Kind::from_str(&kind),
        _ => return None,
    };
    let small = |r: &Option<Range<usize>>| match r {
        Some(r) => scan::value(text, r).map(Some),
        None => Some(None),
    };
    // Ids are plain strings nearly always: interned with no copy made.
    let id = |r: &Option<Range<usize>>| match r.as_ref().and_then(|r| scan::plain_str(text, r)) {
        Some(s) => Some((!s.is_empty()).then(|| intern(s))),
        None => small(r).map(|v| v.and_then(id_value).map(|s| intern(&s))),
    };
    let (socket, instance_id) = (id(&m.socket)?, id(&m.instance_id)?);
    let (name, next) = (small(&m.name)?, small(&m.next)?);
    let (lib_config, meta) = (small(&m.lib_config)?, small(&m.meta)?);
    let action = match &m.action {
        Some(r) => Some(scan::raw(text, r)?.to_owned()),
        None => None,
    };
    let (mut payload, mut deferred) = (None, None);
    if let Some(r) = &m.payload
        && (how.payloads || kind.has_history())
    {
        let lit = &text[r.clone()];
        if how.defer && deferrable(lit) {
            deferred = Some(scan::raw(text, r)?);
        } else if lit.starts_with('"') {
            // The scan read this string whole, checking its escapes: it is
            // not read a second time (most of a flood's payload bytes).
            payload = Some(own_payload(lit));
        } else {
            payload = Some(own_payload(scan::raw(text, r)?.get()));
        }
    }
    let parts = Parts {
        socket,
        instance_id,
        name,
        lib_config,
        meta,
        next,
        payload,
        action,
    };
    Some(finish(kind, parts, deferred))
}

/// A message's members, decoded: what both readers hand to [`finish`].
struct Parts {
    socket: Option<Text>,
    instance_id: Option<Text>,
    name: Option<Value>,
    lib_config: Option<Value>,
    meta: Option<Value>,
    next: Option<Value>,
    payload: Option<Json>,
    action: Option<Raw>,
}

/// The message the members make (both readers end here).
fn finish<'de>(kind: Kind, p: Parts, deferred: Option<&'de RawValue>) -> Decoded<'de> {
    if p.socket.is_none() && p.instance_id.is_none() {
        return (Err(BadMessage::NoKey(kind.as_str().to_string())), None);
    }
    let plain_name = p.name.as_ref().and_then(Value::as_str);
    let d = Described::from(
        p.lib_config.as_ref(),
        p.meta.as_ref(),
        plain_name,
        p.next.as_ref(),
    );
    match Message::assemble(kind, p.socket, p.instance_id, d, p.payload, p.action) {
        Ok(msg) => (Ok(msg), deferred),
        Err(e) => (Err(e), None),
    }
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
    how: How,
}

impl<'de> DeserializeSeed<'de> for FrameSeed {
    type Value = Option<Decoded<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FrameSeed {
    type Value = Option<Decoded<'de>>;
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
                    out = Some(map.next_value_seed(PublishSeed { how: self.how })?)
                }
                _ => return Err(not_hot()),
            }
        }
        Ok(out)
    }
}

struct PublishSeed {
    how: How,
}

impl<'de> DeserializeSeed<'de> for PublishSeed {
    type Value = Decoded<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PublishSeed {
    type Value = Decoded<'de>;
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
                "data" if log => out = Some(map.next_value_seed(MessageSeed { how: self.how })?),
                _ => return Err(not_hot()),
            }
        }
        out.ok_or_else(not_hot)
    }
}

struct MessageSeed {
    how: How,
}

impl<'de> DeserializeSeed<'de> for MessageSeed {
    type Value = Decoded<'de>;
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
    type Value = Decoded<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a relay message object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut kind = None;
        let (mut socket, mut instance_id, mut name) = (None, None, None);
        let (mut lib_config, mut meta, mut next) = (None, None, None);
        let (mut payload, mut action): (Option<Json>, Option<Box<RawValue>>) = (None, None);
        let mut deferred: Option<&'de RawValue> = None;
        let payloads = self.how.payloads;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match &*key {
                "type" => match map.next_value::<Value>()? {
                    Value::String(t) => kind = Some(Kind::from_str(&t)),
                    _ => return Ok((Err(BadMessage::NoType), None)),
                },
                "id" => socket = id_value(map.next_value()?).map(|s| intern(&s)),
                "instanceId" => instance_id = id_value(map.next_value()?).map(|s| intern(&s)),
                "name" => name = Some(map.next_value::<Value>()?),
                // A lifted state (STATE) always: it holds the action history.
                "payload" if payloads || kind.as_ref().is_none_or(Kind::has_history) => {
                    let raw = map.next_value::<&'de RawValue>()?;
                    if self.how.defer && deferrable(raw.get()) {
                        deferred = Some(raw);
                    } else {
                        payload = Some(own_payload(raw.get()));
                    }
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
            return Ok((Err(BadMessage::NoType), None));
        };
        if !payloads && !kind.has_history() {
            (payload, deferred) = (None, None);
        }
        let parts = Parts {
            socket,
            instance_id,
            name,
            lib_config,
            meta,
            next,
            payload,
            action,
        };
        Ok(finish(kind, parts, deferred))
    }
}

#[cfg(test)]
mod tests;
