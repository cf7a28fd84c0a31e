//! SocketCluster framing (sc-formatter), as pure functions.
//!
//! Inbound: every text frame is JSON, except the heartbeat, which is an empty
//! frame (protocol v2) or `#1` (protocol v1, old servers). A frame may be a
//! JSON array of packets (a batch). Outbound: rdx can only ever send the
//! packets of [`Outbound`] — the read-only guarantee lives in that enum.

use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use crate::rawjson::{self, Raw};

/// One packet of an inbound frame.
#[derive(Debug, Clone)]
pub enum Packet {
    /// Protocol v2 heartbeat: an empty text frame. Answer with an empty frame.
    Ping,
    /// Protocol v1 heartbeat: `#1`. Answer with `#2`.
    PingV1,
    /// The reply to one of our invokes (`{"rid":N,...}`).
    Reply {
        rid: u64,
        data: Value,
        error: Option<Value>,
    },
    /// A message published on a channel we subscribed to (its data unparsed).
    Publish { channel: String, data: Raw },
    /// An event emitted to this socket alone (`{"event":"log","data":...}`):
    /// how the legacy server delivers targeted messages, reports, `#disconnect`.
    Emit { event: String, data: Raw },
}

impl PartialEq for Packet {
    fn eq(&self, other: &Packet) -> bool {
        use Packet::*;
        match (self, other) {
            (Ping, Ping) | (PingV1, PingV1) => true,
            (
                Reply {
                    rid: a,
                    data: b,
                    error: c,
                },
                Reply {
                    rid: x,
                    data: y,
                    error: z,
                },
            ) => a == x && b == y && c == z,
            (
                Publish {
                    channel: a,
                    data: b,
                },
                Publish {
                    channel: x,
                    data: y,
                },
            ) => a == x && b.get() == y.get(),
            (Emit { event: a, data: b }, Emit { event: x, data: y }) => {
                a == x && b.get() == y.get()
            }
            _ => false,
        }
    }
}

/// Why a frame yielded no packet. Never fatal: counted and skipped.
#[derive(Debug, Clone, PartialEq)]
pub enum BadPacket {
    NotJson(String),
    UnknownShape(&'static str),
}

impl std::fmt::Display for BadPacket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadPacket::NotJson(e) => write!(f, "not JSON ({e})"),
            BadPacket::UnknownShape(s) => write!(f, "{s}"),
        }
    }
}

/// Decode one inbound text frame into its packets. A batch yields several;
/// a packet of an unknown shape inside a batch is reported in `skipped`.
pub fn decode(text: &str, packets: &mut Vec<Packet>, skipped: &mut Vec<BadPacket>) {
    match text {
        "" => return packets.push(Packet::Ping),
        "#1" => return packets.push(Packet::PingV1),
        _ => {}
    }
    let mut push = |r: Result<Packet, BadPacket>| match r {
        Ok(p) => packets.push(p),
        Err(s) => skipped.push(s),
    };
    if text.trim_start().starts_with('[') {
        match serde_json::from_str::<Vec<&RawValue>>(text) {
            Ok(items) => items.into_iter().for_each(|i| push(decode_raw(i.get()))),
            Err(e) => skipped.push(BadPacket::NotJson(e.to_string())),
        }
    } else {
        push(decode_raw(text));
    }
}

/// One packet from its text: fields read lazily, the data left unparsed.
fn decode_raw(text: &str) -> Result<Packet, BadPacket> {
    let Some(obj) = rawjson::object(text) else {
        // Not an object, or escaped keys: the general path.
        let v =
            serde_json::from_str::<Value>(text).map_err(|e| BadPacket::NotJson(e.to_string()))?;
        return decode_packet(v);
    };
    if let Some(rid) = obj.get("rid") {
        let Ok(rid) = serde_json::from_str::<u64>(rid.get()) else {
            return Err(BadPacket::UnknownShape("reply with a non-numeric rid"));
        };
        let parse = |k: &str| {
            obj.get(k)
                .and_then(|r| serde_json::from_str::<Value>(r.get()).ok())
        };
        return Ok(Packet::Reply {
            rid,
            data: parse("data").unwrap_or(Value::Null),
            error: parse("error"),
        });
    }
    let event = match obj.get("event") {
        Some(e) => {
            rawjson::str_of(e).ok_or(BadPacket::UnknownShape("event name is not a string"))?
        }
        None => return Err(BadPacket::UnknownShape("packet has neither event nor rid")),
    };
    let data = obj.get("data").copied();
    if event == "#publish" {
        let Some(d) = data.and_then(|d| rawjson::object(d.get())) else {
            let v = data.and_then(|d| serde_json::from_str::<Value>(d.get()).ok());
            if let Some(Value::Object(d)) = v {
                return decode_packet(json!({"event": "#publish", "data": d}));
            }
            return Err(BadPacket::UnknownShape(
                "#publish without an object payload",
            ));
        };
        let channel = match d.get("channel").and_then(|c| rawjson::str_of(c)) {
            Some(c) => c.into_owned(),
            None => return Err(BadPacket::UnknownShape("#publish without a channel name")),
        };
        let data = d
            .get("data")
            .map_or_else(rawjson::null, |r| (*r).to_owned());
        return Ok(Packet::Publish { channel, data });
    }
    let data = data.map_or_else(rawjson::null, |r| r.to_owned());
    Ok(Packet::Emit {
        event: event.into_owned(),
        data,
    })
}

/// Decode one packet object (the general path, for any `Value`).
pub(crate) fn decode_packet(v: Value) -> Result<Packet, BadPacket> {
    let Value::Object(mut obj) = v else {
        // `#2` and other bare strings of old servers are JSON-less text; a bare
        // JSON scalar is no packet either.
        return Err(BadPacket::UnknownShape("frame is not a JSON object"));
    };
    if let Some(rid) = obj.get("rid") {
        let Some(rid) = rid.as_u64() else {
            return Err(BadPacket::UnknownShape("reply with a non-numeric rid"));
        };
        let data = obj.remove("data").unwrap_or(Value::Null);
        let error = obj.remove("error");
        return Ok(Packet::Reply { rid, data, error });
    }
    let event = match obj.remove("event") {
        Some(Value::String(e)) => e,
        Some(_) => return Err(BadPacket::UnknownShape("event name is not a string")),
        None => return Err(BadPacket::UnknownShape("packet has neither event nor rid")),
    };
    let data = obj.remove("data").unwrap_or(Value::Null);
    if event == "#publish" {
        let Value::Object(mut d) = data else {
            return Err(BadPacket::UnknownShape(
                "#publish without an object payload",
            ));
        };
        let channel = match d.remove("channel") {
            Some(Value::String(c)) => c,
            _ => return Err(BadPacket::UnknownShape("#publish without a channel name")),
        };
        let data = rawjson::to_raw(&d.remove("data").unwrap_or(Value::Null));
        return Ok(Packet::Publish { channel, data });
    }
    Ok(Packet::Emit {
        event,
        data: rawjson::to_raw(&data),
    })
}

/// The handshake reply's data: our socket id and the server's ping timeout.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Handshake {
    pub(crate) socket_id: String,
    pub(crate) ping_timeout_ms: u64,
}

/// Read a handshake reply's `data`. `None` if it is not one.
pub(crate) fn handshake_reply(data: &Value) -> Option<Handshake> {
    let obj = data.as_object()?;
    let socket_id = obj.get("id")?.as_str()?.to_string();
    let ping_timeout_ms = obj
        .get("pingTimeout")
        .and_then(Value::as_u64)
        .unwrap_or(20_000);
    Some(Handshake {
        socket_id,
        ping_timeout_ms,
    })
}

/// Everything rdx can send. There is no variant for DISPATCH, ACTION, IMPORT
/// or SYNC: rdx is read-only by construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outbound {
    Handshake,
    /// `login` as a monitor (only with `--login`).
    Login,
    Subscribe(Channel),
    /// `respond` transmit `{"type":"START"}`: every app sends a STATE and streams.
    Start,
    /// `respond` transmit `{"type":"UPDATE"}`: every app sends a fresh STATE.
    Update,
    /// `getReport` with a stored report's id: the server answers with the
    /// whole row (a read: it changes nothing, and no app sees it).
    GetReport(String),
    /// Heartbeat answer, protocol v2: an empty frame.
    Pong,
    /// Heartbeat answer, protocol v1: `#2`.
    PongV1,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Channel {
    Log,
    /// Stored reports: the list on subscribing, then one `add` per POST.
    Report,
}

impl Channel {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Channel::Log => "log",
            Channel::Report => "report",
        }
    }
}

impl Outbound {
    /// Whether this packet is an invoke that expects a reply (and so takes a cid).
    pub(crate) fn expects_reply(&self) -> bool {
        matches!(
            self,
            Outbound::Handshake | Outbound::Login | Outbound::Subscribe(_) | Outbound::GetReport(_)
        )
    }

    /// The frame text. `cid` is used only by invokes.
    pub(crate) fn encode(&self, cid: u64) -> String {
        let v = match self {
            Outbound::Handshake => {
                json!({"event": "#handshake", "data": {"authToken": null}, "cid": cid})
            }
            Outbound::Login => json!({"event": "login", "data": Map::new(), "cid": cid}),
            Outbound::Subscribe(ch) => {
                json!({"event": "#subscribe", "data": {"channel": ch.name()}, "cid": cid})
            }
            Outbound::Start => json!({"event": "respond", "data": {"type": "START"}}),
            Outbound::Update => json!({"event": "respond", "data": {"type": "UPDATE"}}),
            Outbound::GetReport(id) => json!({"event": "getReport", "data": id, "cid": cid}),
            Outbound::Pong => return String::new(),
            Outbound::PongV1 => return "#2".to_string(),
        };
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> (Vec<Packet>, Vec<BadPacket>) {
        let (mut p, mut s) = (Vec::new(), Vec::new());
        decode(text, &mut p, &mut s);
        (p, s)
    }

    #[test]
    fn heartbeats() {
        assert_eq!(dec("").0, vec![Packet::Ping]);
        assert_eq!(dec("#1").0, vec![Packet::PingV1]);
    }

    #[test]
    fn handshake_reply_from_capture() {
        let (p, s) = dec(
            r#"{"rid":1,"data":{"id":"dK33wfM-x4wEUVWMAAA7","pingTimeout":30000,"isAuthenticated":false}}"#,
        );
        assert!(s.is_empty());
        let Packet::Reply { rid, data, error } = &p[0] else {
            panic!("{p:?}")
        };
        assert_eq!(*rid, 1);
        assert!(error.is_none());
        let h = handshake_reply(data).unwrap();
        assert_eq!(h.socket_id, "dK33wfM-x4wEUVWMAAA7");
        assert_eq!(h.ping_timeout_ms, 30000);
    }

    #[test]
    fn subscribe_ack_and_error_reply() {
        assert_eq!(
            dec(r#"{"rid":3}"#).0,
            vec![Packet::Reply {
                rid: 3,
                data: Value::Null,
                error: None
            }]
        );
        let (p, _) = dec(r#"{"rid":2,"error":{"name":"BadThing","message":"no"}}"#);
        let Packet::Reply { error: Some(e), .. } = &p[0] else {
            panic!()
        };
        assert_eq!(e["name"], "BadThing");
    }

    #[test]
    fn publish_from_capture() {
        let (p, _) = dec(
            r##"{"event":"#publish","data":{"channel":"log","data":{"type":"DISCONNECTED","id":"ioYiBfeqXKHd4yBLAAA6"}}}"##,
        );
        let Packet::Publish { channel, data } = &p[0] else {
            panic!("{p:?}")
        };
        assert_eq!(channel, "log");
        assert_eq!(
            data.get(),
            r#"{"type":"DISCONNECTED","id":"ioYiBfeqXKHd4yBLAAA6"}"#
        );
    }

    #[test]
    fn batches_and_emits() {
        let (p, s) = dec(r#"[{"rid":5},{"event":"log","data":{"type":"START"}},7]"#);
        assert_eq!(p.len(), 2);
        let Packet::Emit { event, data } = &p[1] else {
            panic!("{p:?}")
        };
        assert_eq!((event.as_str(), data.get()), ("log", r#"{"type":"START"}"#));
        assert_eq!(
            s,
            vec![BadPacket::UnknownShape("frame is not a JSON object")]
        );
    }

    #[test]
    fn junk_is_skipped_not_fatal() {
        for text in [
            "#2",
            "hello",
            "{",
            "null",
            r#"{"rid":"x"}"#,
            r#"{"event":5}"#,
            r##"{"event":"#publish","data":1}"##,
            r#"{"foo":1}"#,
        ] {
            let (p, s) = dec(text);
            assert!(p.is_empty(), "{text}");
            assert_eq!(s.len(), 1, "{text}");
        }
    }

    #[test]
    fn encodes_exactly_what_the_server_expects() {
        assert_eq!(
            Outbound::Handshake.encode(1),
            r##"{"event":"#handshake","data":{"authToken":null},"cid":1}"##
        );
        assert_eq!(
            Outbound::Login.encode(2),
            r#"{"event":"login","data":{},"cid":2}"#
        );
        assert_eq!(
            Outbound::Subscribe(Channel::Log).encode(3),
            r##"{"event":"#subscribe","data":{"channel":"log"},"cid":3}"##
        );
        assert_eq!(
            Outbound::Start.encode(0),
            r#"{"event":"respond","data":{"type":"START"}}"#
        );
        assert_eq!(
            Outbound::Update.encode(0),
            r#"{"event":"respond","data":{"type":"UPDATE"}}"#
        );
        assert_eq!(Outbound::Pong.encode(0), "");
        assert_eq!(Outbound::PongV1.encode(0), "#2");
        assert!(Outbound::Subscribe(Channel::Log).expects_reply());
        assert!(!Outbound::Start.expects_reply());
    }
}
