//! The Expo dev server's plugin socket (`/expo-dev-plugins/broadcast`,
//! EXPO.md): a relay with no handshake, no history and no auth that sends
//! every frame to every other client. Apps using
//! `redux-devtools-expo-dev-plugin` send the DevTools' relay messages in an
//! envelope, `{"messageKey":{"pluginName":…,"method":"log"},"payload":{…}}`;
//! monitors answer with `method:"respond"`.
//!
//! Pure framing (what a frame is, what rdx may send) and the session: the
//! link is up as soon as the socket opens; rdx sends `respond START` once,
//! and again (debounced) when an app starts, unless another monitor (the
//! plugin's own web UI) sent one meanwhile; WebSocket pings keep watch over
//! a link that apps may leave silent for hours. Never a handshake (on a
//! native app it would terminate the official UI), never STOP, ACTION,
//! DISPATCH, IMPORT or SYNC: [`ExpoOut`] has no such variant.

use std::time::{Duration, Instant};

use serde_json::value::RawValue;

use crate::link::session::{Ended, Step};
use crate::link::wire::Packet;
use crate::rawjson;

/// The Redux DevTools plugin's name on the socket.
pub(crate) const PLUGIN: &str = "redux-devtools-expo-dev-plugin";
/// The dev server's plugin endpoint (SDK 52 and later).
pub(crate) const PATH: &str = "/expo-dev-plugins/broadcast";
/// Metro's port.
pub(crate) const DEFAULT_PORT: u16 = 8081;

/// How long rdx waits, after it connects or an app starts, for another
/// monitor's START before it sends its own (the web UI answers an app's
/// START at once).
pub(crate) const START_GRACE: Duration = Duration::from_millis(800);
/// Apps that keep starting keep putting rdx's START off by a grace each,
/// but never past this long after the first of them (a page reloading in a
/// loop still gets its START).
const START_GRACE_MAX: Duration = Duration::from_millis(2400);
/// A WebSocket ping this often (the server's `ws` answers it; no app sees it).
const PING_EVERY: Duration = Duration::from_secs(10);
/// No frame and no pong for this long: the link is dead.
const DEAD_AFTER: Duration = Duration::from_secs(30);

/// What one text frame on the socket is.
#[derive(Debug)]
pub(crate) enum Frame<'a> {
    /// The plugin's `log`: a relay message (START, STATE, ACTION, STOP, ERROR).
    Log(&'a RawValue),
    /// The plugin's `respond` from another monitor (`{"type":"START"}`...).
    Respond(&'a RawValue),
    /// Not rdx's business: another plugin's frame, a client's handshake.
    Other(String),
    /// Claims to be the plugin's but cannot be read.
    Bad(&'static str),
}

/// Read one text frame. Borrowed from `text`: the payload is not copied.
pub(crate) fn decode(text: &str) -> Frame<'_> {
    let Some(obj) = rawjson::object(text) else {
        return Frame::Other(if text.trim_start().starts_with('{') {
            "a text frame that is not an Expo plugin frame".into()
        } else {
            "a text frame that is not JSON".into()
        });
    };
    if obj.contains_key("__isHandshakeMessages") {
        let plugin = obj
            .get("pluginName")
            .and_then(|p| rawjson::str_of(p))
            .unwrap_or_default();
        let method = obj
            .get("method")
            .and_then(|p| rawjson::str_of(p))
            .unwrap_or_default();
        return Frame::Other(format!(
            "a client's {method} for plugin {plugin}",
            method = clip(&method),
            plugin = clip(&plugin)
        ));
    }
    let Some(key) = obj.get("messageKey").and_then(|k| rawjson::object(k.get())) else {
        return Frame::Other("a text frame without a messageKey".into());
    };
    let name = key.get("pluginName").and_then(|p| rawjson::str_of(p));
    if name.as_deref() != Some(PLUGIN) {
        return Frame::Other(format!(
            "a frame of plugin {}",
            clip(name.as_deref().unwrap_or("(none)"))
        ));
    }
    let payload = obj.get("payload").copied();
    let is_object = |p: &RawValue| p.get().trim_start().starts_with('{');
    match key
        .get("method")
        .and_then(|m| rawjson::str_of(m))
        .as_deref()
    {
        Some("log") => match payload {
            Some(p) if is_object(p) => Frame::Log(p),
            _ => Frame::Bad("a log frame of the Redux plugin whose payload is not an object"),
        },
        Some("respond") => match payload {
            Some(p) if is_object(p) => Frame::Respond(p),
            _ => Frame::Bad("a respond frame of the Redux plugin whose payload is not an object"),
        },
        _ => Frame::Other("a frame of the Redux plugin with another method".into()),
    }
}

/// At most 64 characters of a name from the wire, for a note, without its
/// control characters (the note is sanitized again where it is said).
fn clip(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(64).collect()
}

/// What rdx may send on the socket: only these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExpoOut {
    /// `respond START`: the apps send a STATE and stream from then on (until
    /// they reload, or a monitor sends STOP, which rdx never does).
    Start,
    /// `respond UPDATE`: the apps send a fresh STATE, and nothing else changes.
    Update,
}

impl ExpoOut {
    pub(crate) fn encode(self) -> String {
        let ty = match self {
            ExpoOut::Start => "START",
            ExpoOut::Update => "UPDATE",
        };
        format!(
            r#"{{"messageKey":{{"pluginName":"{PLUGIN}","method":"respond"}},"payload":{{"type":"{ty}"}}}}"#
        )
    }
}

/// One connection to the plugin socket, as a state machine.
#[derive(Debug)]
pub(crate) struct ExpoSession {
    /// When rdx sends START, unless another monitor does first, and since
    /// when that START has been due (what [`START_GRACE_MAX`] counts from).
    start_due: Option<(Instant, Instant)>,
    last_inbound: Instant,
    last_ping: Instant,
}

impl ExpoSession {
    /// A socket just opened: the link is up; START after the grace.
    pub(crate) fn new(now: Instant) -> (ExpoSession, Step) {
        let s = ExpoSession {
            start_due: Some((now + START_GRACE, now)),
            last_inbound: now,
            last_ping: now,
        };
        (
            s,
            Step::Up {
                socket_id: "expo".into(),
                ping_timeout_ms: DEAD_AFTER.as_millis() as u64,
                legacy: false,
            },
        )
    }

    pub(crate) fn heard(&mut self, now: Instant) {
        self.last_inbound = now;
    }

    /// An app said START or STOP: START soon, unless another monitor does.
    /// The other monitor gets a whole grace to answer this app, even when
    /// rdx's START was already due sooner (the socket just opened, or
    /// another app started a moment ago), up to [`START_GRACE_MAX`].
    pub(crate) fn apps_restarted(&mut self, now: Instant) {
        let since = self.start_due.map_or(now, |(_, since)| since);
        self.start_due = Some(((now + START_GRACE).min(since + START_GRACE_MAX), since));
    }

    pub(crate) fn update(&mut self) -> Option<Step> {
        Some(Step::Send(ExpoOut::Update.encode()))
    }

    /// What another monitor said: its START makes rdx's unneeded.
    pub(crate) fn packets(&mut self, packets: Vec<Packet>) {
        for p in packets {
            if let Packet::Emit { event, data } = p
                && event == "respond"
                && let Some(obj) = rawjson::object(data.get())
                && obj.get("type").and_then(|t| rawjson::str_of(t)).as_deref() == Some("START")
            {
                self.start_due = None;
            }
        }
    }

    pub(crate) fn tick(&mut self, now: Instant) -> Result<Vec<Step>, Ended> {
        let silent = now.duration_since(self.last_inbound);
        if silent > DEAD_AFTER {
            return Err(Ended::Lost(format!(
                "no frame and no pong from the dev server for {}s",
                silent.as_secs()
            )));
        }
        let mut steps = Vec::new();
        if self.start_due.is_some_and(|(due, _)| now >= due) {
            self.start_due = None;
            steps.push(Step::Send(ExpoOut::Start.encode()));
        }
        if now.duration_since(self.last_ping) >= PING_EVERY {
            self.last_ping = now;
            steps.push(Step::Ping);
        }
        Ok(steps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(plugin: &str, method: &str, payload: &str) -> String {
        format!(
            r#"{{"messageKey":{{"pluginName":"{plugin}","method":"{method}"}},"payload":{payload}}}"#
        )
    }

    #[test]
    fn the_plugins_frames_and_the_rest() {
        let log = envelope(
            PLUGIN,
            "log",
            r#"{"type":"START","id":"s","instanceId":"i"}"#,
        );
        assert!(matches!(decode(&log), Frame::Log(p) if p.get().contains("START")));
        let respond = envelope(PLUGIN, "respond", r#"{"type":"START"}"#);
        assert!(matches!(decode(&respond), Frame::Respond(_)));
        let not_object = "a log frame of the Redux plugin whose payload is not an object";
        assert!(
            matches!(decode(&envelope(PLUGIN, "log", r#""a string""#)), Frame::Bad(w) if w == not_object)
        );
        assert!(
            matches!(decode(&envelope(PLUGIN, "log", "[1,2]")), Frame::Bad(w) if w == not_object)
        );
        assert!(
            matches!(decode(&envelope("other-plugin", "log", "{}")), Frame::Other(w) if w.contains("other-plugin"))
        );
        let hs = r#"{"protocolVersion":1,"pluginName":"redux-devtools-expo-dev-plugin","method":"handshake","browserClientId":"1","__isHandshakeMessages":true}"#;
        assert!(matches!(decode(hs), Frame::Other(w) if w.contains("handshake")));
        assert!(matches!(decode("not json"), Frame::Other(_)));
        assert!(matches!(decode(r#"{"messageKey":"#), Frame::Other(_)));
        assert!(matches!(decode(r#"{"a":1}"#), Frame::Other(_)));
        // A control character in another plugin's name is not written raw.
        let weird = envelope("x\u{1b}[2J", "log", "{}").replace('\u{1b}', "\\u001b");
        assert!(matches!(decode(&weird), Frame::Other(w) if !w.contains('\u{1b}')));
    }

    #[test]
    fn rdx_sends_only_start_and_update_in_the_plugins_envelope() {
        let start: serde_json::Value = serde_json::from_str(&ExpoOut::Start.encode()).unwrap();
        assert_eq!(start["messageKey"]["pluginName"], PLUGIN);
        assert_eq!(start["messageKey"]["method"], "respond");
        assert_eq!(start["payload"]["type"], "START");
        // Byte for byte what the plugin's web UI sends (EXPO.md §4, sample 3).
        assert_eq!(
            ExpoOut::Start.encode(),
            r#"{"messageKey":{"pluginName":"redux-devtools-expo-dev-plugin","method":"respond"},"payload":{"type":"START"}}"#
        );
        assert!(ExpoOut::Update.encode().contains(r#""type":"UPDATE""#));
    }

    fn sends(steps: &[Step]) -> Vec<String> {
        steps
            .iter()
            .filter_map(|s| match s {
                Step::Send(t) => Some(t.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn start_after_a_grace_unless_another_monitor_sent_one() {
        let t0 = Instant::now();
        let (mut s, up) = ExpoSession::new(t0);
        assert!(matches!(up, Step::Up { .. }));
        assert!(sends(&s.tick(t0 + Duration::from_millis(100)).unwrap()).is_empty());
        let start = sends(&s.tick(t0 + START_GRACE).unwrap());
        assert_eq!(start, vec![ExpoOut::Start.encode()]);
        assert!(sends(&s.tick(t0 + START_GRACE * 2).unwrap()).is_empty());
        // An app starts; the web UI answers first: rdx stays quiet.
        let t1 = t0 + Duration::from_secs(5);
        s.heard(t1);
        s.apps_restarted(t1);
        let data = RawValue::from_string(r#"{"type":"START"}"#.into()).unwrap();
        s.packets(vec![Packet::Emit {
            event: "respond".into(),
            data,
        }]);
        assert!(sends(&s.tick(t1 + START_GRACE).unwrap()).is_empty());
        // Another app starts, no one answers: rdx does.
        s.apps_restarted(t1 + START_GRACE);
        assert_eq!(
            sends(&s.tick(t1 + START_GRACE * 2).unwrap()),
            vec![ExpoOut::Start.encode()]
        );
    }

    #[test]
    fn an_app_that_starts_gives_the_other_monitor_a_whole_grace_up_to_a_bound() {
        let ms = Duration::from_millis;
        let t0 = Instant::now();
        let (mut s, _) = ExpoSession::new(t0);
        // An app starts just before rdx's own START was due: the web UI gets
        // a whole grace to answer it.
        s.apps_restarted(t0 + ms(700));
        assert!(sends(&s.tick(t0 + START_GRACE).unwrap()).is_empty());
        assert!(sends(&s.tick(t0 + ms(1400)).unwrap()).is_empty());
        assert_eq!(
            sends(&s.tick(t0 + ms(1500)).unwrap()),
            vec![ExpoOut::Start.encode()]
        );
        // Apps that start every 400 ms put it off, but not past the bound.
        let t1 = t0 + Duration::from_secs(10);
        let mut sent = None;
        for i in 0..20u32 {
            let now = t1 + ms(400) * i;
            if !sends(&s.tick(now).unwrap()).is_empty() {
                sent = Some(now - t1);
                break;
            }
            s.apps_restarted(now);
        }
        assert_eq!(sent, Some(START_GRACE_MAX));
    }

    #[test]
    fn pings_keep_watch_and_silence_is_a_lost_link() {
        let t0 = Instant::now();
        let (mut s, _) = ExpoSession::new(t0);
        let steps = s.tick(t0 + PING_EVERY).unwrap();
        assert!(steps.contains(&Step::Ping));
        s.heard(t0 + DEAD_AFTER);
        assert!(s.tick(t0 + DEAD_AFTER + Duration::from_secs(1)).is_ok());
        assert!(matches!(
            s.tick(t0 + DEAD_AFTER * 2 + Duration::from_secs(1)),
            Err(Ended::Lost(_))
        ));
    }
}
