//! What the reader thread (live) or the replay thread sends to the main thread,
//! and the one routine both use to turn an inbound frame into events.

use crate::error::Error;
use crate::link::expo;
use crate::link::url::Relay;
use crate::link::wire::{self, Packet};
use crate::relay::message::{self as relay, Message};

/// One event on the channel from the transport (or replay) to the main thread.
#[derive(Debug)]
pub enum Event {
    /// A relay message published on `log`, received at `t` (epoch ms).
    Relay { t: u64, msg: Box<Message> },
    /// Handshake done (live: also subscribed and START sent).
    Connected {
        t: u64,
        socket_id: String,
        ping_timeout_ms: u64,
        legacy: bool,
        reconnect: bool,
    },
    /// The link was lost; the transport is reconnecting.
    Lost { t: u64, reason: String },
    /// What the `report` channel said (the stored list, or one report
    /// added), as it came: published on cli 5, emitted by the legacy server.
    Reports { t: u64, data: crate::rawjson::Raw },
    /// The server's reply to `getReport` (`data` null: no such report).
    ReportBody {
        t: u64,
        id: String,
        data: serde_json::Value,
        error: Option<serde_json::Value>,
    },
    /// Something in the input was not understood and was skipped.
    /// `loud`: a damaged fixture line, always reported; otherwise shown with --verbose.
    Skipped {
        t: u64,
        at: String,
        what: String,
        loud: bool,
    },
    /// The frames that follow come from this kind of relay (a replay says
    /// so when its recording does, or its frames show it).
    Wire(Relay),
    /// A frame that is not for rdx (the Expo socket carries every plugin's
    /// frames, and clients' handshakes): counted, shown with --verbose.
    Ignored { t: u64, at: String, what: String },
    /// Something the user should know about the input (on stderr, unless --quiet).
    Note { text: String },
    /// The source gave up (could not connect, unreadable fixture, ...).
    Fatal(Error),
    /// A replay reached the end of its file.
    End,
}

/// The sending end of the event channel. Events travel in batches, so a
/// replay (or a burst of frames) wakes the main thread once per batch rather
/// than once per message.
#[derive(Clone)]
pub(crate) struct EventTx(pub crossbeam_channel::Sender<Vec<Event>>);

/// The receiver is gone: the main thread has finished.
#[derive(Debug)]
pub(crate) struct Closed;

impl EventTx {
    pub(crate) fn send(&self, ev: Event) -> Result<(), Closed> {
        self.0.send(vec![ev]).map_err(|_| Closed)
    }

    pub(crate) fn send_batch(&self, batch: Vec<Event>) -> Result<(), Closed> {
        if batch.is_empty() {
            return Ok(());
        }
        self.0.send(batch).map_err(|_| Closed)
    }
}

/// Decode one inbound text frame. Relay messages (and skips) go to `emit`;
/// heartbeats and replies, which only a live link cares about, go to `control`.
/// Both the transport thread and replay call this, so both see the same events.
pub fn route(
    t: u64,
    at: &dyn Fn() -> String,
    text: &str,
    payloads: bool,
    control: &mut Vec<Packet>,
    emit: &mut dyn FnMut(Event),
) {
    // The frame nearly every message comes in, in one pass.
    if let Some(decoded) = crate::relay::hot::log_publish(text, payloads) {
        return emit(relay_or_skip(t, at, decoded));
    }
    let mut packets = Vec::new();
    let mut skips = Vec::new();
    wire::decode(text, &mut packets, &mut skips);
    for s in skips {
        emit(Event::Skipped {
            t,
            at: at(),
            what: s.to_string(),
            loud: false,
        });
    }
    for p in packets {
        match p {
            Packet::Publish { channel, data } if channel == "log" => {
                relay_event(t, at, data, payloads, emit)
            }
            // The legacy server delivers targeted messages as emitted events.
            Packet::Emit { event, data } if event == "log" => {
                relay_event(t, at, data, payloads, emit)
            }
            // Stored reports: published on cli 5, emitted by the legacy
            // server (possibly before the subscribe's ack).
            Packet::Publish { channel, data } if channel == "report" => {
                emit(Event::Reports { t, data })
            }
            Packet::Emit { event, data } if event == "report" => emit(Event::Reports { t, data }),
            // Other channels and emitted events we do not use.
            Packet::Publish { .. } => {}
            other => control.push(other),
        }
    }
}

/// [`route`] for a frame of `relay`'s kind.
pub(crate) fn route_on(
    relay: Relay,
    t: u64,
    at: &dyn Fn() -> String,
    text: &str,
    payloads: bool,
    control: &mut Vec<Packet>,
    emit: &mut dyn FnMut(Event),
) {
    match relay {
        Relay::DevTools => route(t, at, text, payloads, control, emit),
        Relay::Expo => route_expo(t, at, text, payloads, control, emit),
    }
}

/// A frame of the Expo dev server's plugin socket: the Redux plugin's `log`
/// is a relay message as on the DevTools server; another monitor's
/// `respond` goes to `control` as the DevTools server's emitted `respond`
/// would; everything else on the socket is ignored, counted.
pub(crate) fn route_expo(
    t: u64,
    at: &dyn Fn() -> String,
    text: &str,
    payloads: bool,
    control: &mut Vec<Packet>,
    emit: &mut dyn FnMut(Event),
) {
    // Nearly every frame: the plugin's `log`, read in one scan.
    if let Some(decoded) = crate::relay::hot::expo_log(text, payloads) {
        return emit(relay_or_skip(t, at, decoded));
    }
    match expo::decode(text) {
        expo::Frame::Log(msg) => emit(relay_or_skip(
            t,
            at,
            relay::Message::decode_raw(msg, payloads),
        )),
        expo::Frame::Respond(data) => control.push(Packet::Emit {
            event: "respond".into(),
            data: data.to_owned(),
        }),
        expo::Frame::Other(what) => emit(Event::Ignored { t, at: at(), what }),
        expo::Frame::Bad(what) => emit(Event::Skipped {
            t,
            at: at(),
            what: what.into(),
            loud: false,
        }),
    }
}

/// Does this frame look like the Expo plugin socket's (a recording made
/// before recordings said their source)?
pub(crate) fn looks_expo(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with(r#"{"messageKey""#) || t.starts_with(r#"{"protocolVersion""#)
}

/// [`route`] for a frame rdx owns: a big one is decoded without a second
/// copy of its payload (see [`crate::relay::hot::log_publish_owned`]).
pub fn route_owned(
    t: u64,
    at: &dyn Fn() -> String,
    frame: String,
    payloads: bool,
    control: &mut Vec<Packet>,
    emit: &mut dyn FnMut(Event),
) {
    if frame.len() < relay::BIG_PAYLOAD {
        return route(t, at, &frame, payloads, control, emit);
    }
    match crate::relay::hot::log_publish_owned(frame, payloads) {
        Ok(decoded) => emit(relay_or_skip(t, at, decoded)),
        Err(frame) => route(t, at, &frame, payloads, control, emit),
    }
}

fn relay_event(
    t: u64,
    at: &dyn Fn() -> String,
    data: crate::rawjson::Raw,
    payloads: bool,
    emit: &mut dyn FnMut(Event),
) {
    emit(relay_or_skip(
        t,
        at,
        relay::Message::decode_raw(&data, payloads),
    ));
}

/// A decoded relay message, or the counted skip of one that was not.
fn relay_or_skip(
    t: u64,
    at: &dyn Fn() -> String,
    decoded: Result<relay::Message, relay::BadMessage>,
) -> Event {
    match decoded {
        Ok(msg) => Event::Relay {
            t,
            msg: Box::new(msg),
        },
        Err(e) => Event::Skipped {
            t,
            at: at(),
            what: e.to_string(),
            loud: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relay::message::Kind;

    fn run(text: &str) -> (Vec<Packet>, Vec<Event>) {
        let mut control = Vec::new();
        let mut events = Vec::new();
        route(
            7,
            &|| "frame 1".into(),
            text,
            true,
            &mut control,
            &mut |e| events.push(e),
        );
        (control, events)
    }

    #[test]
    fn an_expo_log_frame_reads_the_same_in_one_scan_or_the_general_way() {
        let run_expo = |text: &str| {
            let mut control = Vec::new();
            let mut events = Vec::new();
            route_expo(
                7,
                &|| "frame 1".into(),
                text,
                true,
                &mut control,
                &mut |e| events.push(e),
            );
            events
        };
        let msg = r#"{"type":"ACTION","id":"s","name":"shop","instanceId":"i","payload":"{\"n\":1}","action":"{\"type\":\"PERFORM_ACTION\",\"action\":{\"type\":\"inc\"},\"timestamp\":5}","isExcess":false,"nextActionId":2}"#;
        let plugin = r#"{"pluginName":"redux-devtools-expo-dev-plugin","method":"log"}"#;
        // As the plugin writes it (the scan), and with its keys the other
        // way round (the general path).
        let hot = format!(r#"{{"messageKey":{plugin},"payload":{msg}}}"#);
        let general = format!(r#"{{"payload":{msg},"messageKey":{plugin}}}"#);
        let (a, b) = (run_expo(&hot), run_expo(&general));
        let ([Event::Relay { msg: a, .. }], [Event::Relay { msg: b, .. }]) = (&a[..], &b[..])
        else {
            panic!("{a:?} {b:?}");
        };
        assert_eq!(a.kind, Kind::Action);
        assert_eq!(a.instance_id.as_deref(), Some("i"));
        assert_eq!(a.instance_id, b.instance_id);
        assert_eq!(a.name, b.name);
        assert_eq!(
            a.action().and_then(|x| x.type_name()),
            b.action().and_then(|x| x.type_name())
        );
        assert_eq!(a.decoded_payload(), b.decoded_payload());
        assert_eq!(a.decoded_payload(), Some(serde_json::json!({"n": 1})));
    }

    #[test]
    fn publish_on_log_becomes_a_relay_event() {
        let (c, e) = run(
            r##"{"event":"#publish","data":{"channel":"log","data":{"type":"STOP","id":"s","instanceId":"i"}}}"##,
        );
        assert!(c.is_empty());
        assert!(matches!(&e[..], [Event::Relay { t: 7, msg }] if msg.kind == Kind::Stop));
    }

    #[test]
    fn legacy_emit_and_report_and_control() {
        let (c, e) = run(
            r##"[{"event":"log","data":{"type":"START","id":"s"}},{"event":"#publish","data":{"channel":"report","data":{}}},{"rid":3},{"event":"report","data":{"type":"list","data":[]}}]"##,
        );
        // The apps' message, and the report channel's two (published, and
        // emitted as the legacy server does).
        assert_eq!(e.len(), 3);
        assert!(matches!(&e[1], Event::Reports { data, .. } if data.get() == "{}"));
        assert!(matches!(&e[2], Event::Reports { data, .. } if data.get().contains("list")));
        assert_eq!(
            c,
            vec![Packet::Reply {
                rid: 3,
                data: serde_json::Value::Null,
                error: None
            }]
        );
        let (c, _) = run("");
        assert_eq!(c, vec![Packet::Ping]);
    }

    #[test]
    fn junk_becomes_skips_with_position() {
        let (_, e) = run("not json");
        assert!(matches!(&e[..], [Event::Skipped { at, .. }] if at == "frame 1"));
        let (_, e) =
            run(r##"{"event":"#publish","data":{"channel":"log","data":{"type":"START"}}}"##);
        assert!(
            matches!(&e[..], [Event::Skipped { what, .. }] if what.contains("without instanceId"))
        );
    }
}
