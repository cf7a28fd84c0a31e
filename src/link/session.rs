//! One connection's protocol, as a state machine a test drives without a
//! socket. Handshake → (login) → subscribe → START; heartbeats answered only
//! after the handshake reply (anything earlier makes the server close with
//! 4009); every invoke's reply awaited with a bound; the dead-link watchdog;
//! START re-broadcast (debounced) when apps start or stop. The transport's
//! socket loop feeds it what arrived and sends what it says.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::link::wire::{self, Channel, Outbound, Packet};

/// How long to wait for the reply to an invoke (the server never answers
/// invokes it does not know, so every wait needs a bound).
pub(crate) const ACK_TIMEOUT: Duration = Duration::from_secs(10);
/// Slack past the server's pingTimeout before the link counts as dead (at
/// most this, at most half the pingTimeout).
const HEARTBEAT_SLACK: Duration = Duration::from_secs(5);
/// Apps that (re)start within this window get one START broadcast.
const START_DEBOUNCE: Duration = Duration::from_millis(200);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Handshaking,
    LoggingIn,
    Subscribing,
    Subscribed,
}

/// What the socket loop must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// Write this frame.
    Send(String),
    /// A WebSocket ping (the Expo socket, where no heartbeat comes).
    Ping,
    /// The reply to `getReport` (`data` null: no such report).
    Report {
        id: String,
        data: serde_json::Value,
        error: Option<serde_json::Value>,
    },
    /// Subscribed and START sent: the link is up.
    Up {
        socket_id: String,
        ping_timeout_ms: u64,
        legacy: bool,
    },
}

/// Why the connection ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ended {
    /// Never got as far as subscribed; `permanent` failures are not retried.
    Failed { reason: String, permanent: bool },
    /// Was subscribed, then lost.
    Lost(String),
}

/// What a connection subscribes to: the apps' `log` (and START sent to
/// them), stored reports, both or neither (a `getReport` alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Want {
    pub(crate) log: bool,
    pub(crate) reports: bool,
}

impl Default for Want {
    fn default() -> Want {
        Want {
            log: true,
            reports: false,
        }
    }
}

pub(crate) struct Session {
    phase: Phase,
    login: bool,
    want: Want,
    /// The channels still to subscribe to, in order.
    channels: VecDeque<Channel>,
    /// Bounds the way to subscribed (the first connection: `--timeout`).
    deadline: Option<Instant>,
    cid: u64,
    pending: HashMap<u64, (Outbound, Instant)>,
    ping_timeout: Duration,
    last_inbound: Instant,
    start_due: Option<Instant>,
    socket_id: String,
    legacy: bool,
}

impl Session {
    /// A new connection: the first step is the handshake.
    pub(crate) fn new(
        login: bool,
        want: Want,
        deadline: Option<Instant>,
        now: Instant,
    ) -> (Session, Step) {
        let channels = [(want.log, Channel::Log), (want.reports, Channel::Report)]
            .into_iter()
            .filter_map(|(on, ch)| on.then_some(ch))
            .collect();
        let mut s = Session {
            phase: Phase::Handshaking,
            login,
            want,
            channels,
            deadline,
            cid: 0,
            pending: HashMap::new(),
            ping_timeout: Duration::from_secs(30),
            last_inbound: now,
            start_due: None,
            socket_id: String::new(),
            legacy: false,
        };
        let first = s.send(Outbound::Handshake, now);
        (s, first)
    }

    pub(crate) fn subscribed(&self) -> bool {
        self.phase == Phase::Subscribed
    }

    /// The end for a failure now: a lost link once subscribed, a failed
    /// attempt before.
    pub(crate) fn fail(&self, reason: String) -> Ended {
        if self.subscribed() {
            Ended::Lost(reason)
        } else {
            Ended::Failed {
                reason,
                permanent: false,
            }
        }
    }

    /// The only place frames to the server are made: from [`Outbound`].
    fn send(&mut self, out: Outbound, now: Instant) -> Step {
        let cid = if out.expects_reply() { self.cid + 1 } else { 0 };
        let text = out.encode(cid);
        if cid != 0 {
            self.cid = cid;
            self.pending.insert(cid, (out, now));
        }
        Step::Send(text)
    }

    /// Something arrived (any frame keeps the link alive).
    pub(crate) fn heard(&mut self, now: Instant) {
        self.last_inbound = now;
    }

    /// An app said START or STOP: broadcast START soon (once for a burst).
    pub(crate) fn apps_restarted(&mut self, now: Instant) {
        if self.start_due.is_none() {
            self.start_due = Some(now + START_DEBOUNCE);
        }
    }

    /// Ask every app for a fresh STATE (only once subscribed).
    pub(crate) fn update(&mut self, now: Instant) -> Option<Step> {
        (self.subscribed() && self.want.log).then(|| self.send(Outbound::Update, now))
    }

    /// Ask for a stored report (only once subscribed). Its reply is not
    /// bounded here: the one who asked waits as long as `--timeout` says
    /// (a server whose database failed never answers).
    pub(crate) fn get_report(&mut self, id: String, now: Instant) -> Option<Step> {
        self.subscribed()
            .then(|| self.send(Outbound::GetReport(id), now))
    }

    /// Subscribe to the next channel, or, with all of them acknowledged,
    /// say START (when the apps are listened to) and that the link is up.
    fn subscribe_next(&mut self, now: Instant, steps: &mut Vec<Step>) {
        if let Some(ch) = self.channels.pop_front() {
            self.phase = Phase::Subscribing;
            steps.push(self.send(Outbound::Subscribe(ch), now));
            return;
        }
        self.phase = Phase::Subscribed;
        self.start_due = None;
        if self.want.log {
            steps.push(self.send(Outbound::Start, now));
        }
        steps.push(Step::Up {
            socket_id: self.socket_id.clone(),
            ping_timeout_ms: self.ping_timeout.as_millis() as u64,
            legacy: self.legacy || self.ping_timeout == Duration::from_secs(20),
        });
    }

    /// The control packets of a frame: heartbeats and replies.
    pub(crate) fn packets(
        &mut self,
        packets: Vec<Packet>,
        now: Instant,
    ) -> Result<Vec<Step>, Ended> {
        let mut steps = Vec::new();
        for p in packets {
            match p {
                Packet::Ping if self.phase != Phase::Handshaking => {
                    steps.push(self.send(Outbound::Pong, now))
                }
                Packet::PingV1 if self.phase != Phase::Handshaking => {
                    self.legacy = true;
                    steps.push(self.send(Outbound::PongV1, now));
                }
                Packet::Ping | Packet::PingV1 => {}
                Packet::Reply { rid, data, error } => {
                    let Some((what, _)) = self.pending.remove(&rid) else {
                        continue;
                    };
                    if let Outbound::GetReport(id) = what {
                        steps.push(Step::Report { id, data, error });
                        continue;
                    }
                    if let Some(err) = error {
                        return Err(Ended::Failed {
                            reason: format!("the server refused {what:?}: {err}"),
                            permanent: true,
                        });
                    }
                    self.replied(what, &data, now, &mut steps)?;
                }
                Packet::Emit { .. } | Packet::Publish { .. } => {}
            }
        }
        Ok(steps)
    }

    fn replied(
        &mut self,
        what: Outbound,
        data: &serde_json::Value,
        now: Instant,
        steps: &mut Vec<Step>,
    ) -> Result<(), Ended> {
        match what {
            Outbound::Handshake => {
                let Some(h) = wire::handshake_reply(data) else {
                    return Err(self.fail(format!("malformed handshake reply: {data}")));
                };
                self.ping_timeout = Duration::from_millis(h.ping_timeout_ms.clamp(1000, 600_000));
                self.socket_id = h.socket_id;
                if self.login {
                    self.phase = Phase::LoggingIn;
                    steps.push(self.send(Outbound::Login, now));
                } else {
                    self.subscribe_next(now, steps);
                }
            }
            Outbound::Login | Outbound::Subscribe(_) => self.subscribe_next(now, steps),
            _ => {}
        }
        Ok(())
    }

    /// Timers, checked after every read or tick of the socket loop.
    pub(crate) fn tick(&mut self, now: Instant) -> Result<Vec<Step>, Ended> {
        if !self.subscribed() && self.deadline.is_some_and(|d| now >= d) {
            let what = match self.phase {
                Phase::Handshaking => "no handshake reply",
                Phase::LoggingIn => "no reply to login",
                _ => "no reply to #subscribe",
            };
            return Err(Ended::Failed {
                reason: format!("{what} before --timeout"),
                permanent: false,
            });
        }
        if let Some((what, since)) = self
            .pending
            .values()
            .filter(|(o, _)| !matches!(o, Outbound::GetReport(_)))
            .min_by_key(|(_, s)| *s)
            && now.duration_since(*since) > ACK_TIMEOUT
        {
            return Err(self.fail(format!(
                "no reply to {what:?} within {}s",
                ACK_TIMEOUT.as_secs()
            )));
        }
        let silent = now.duration_since(self.last_inbound);
        if self.phase != Phase::Handshaking
            && silent > self.ping_timeout + HEARTBEAT_SLACK.min(self.ping_timeout / 2)
        {
            return Err(self.fail(format!(
                "no heartbeat from the server for {}s (pingTimeout {}s)",
                silent.as_secs(),
                self.ping_timeout.as_secs()
            )));
        }
        if self.subscribed() && self.want.log && self.start_due.is_some_and(|d| now >= d) {
            self.start_due = None;
            return Ok(vec![self.send(Outbound::Start, now)]);
        }
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const START: &str = r#"{"event":"respond","data":{"type":"START"}}"#;

    fn reply(rid: u64, data: serde_json::Value) -> Packet {
        Packet::Reply {
            rid,
            data,
            error: None,
        }
    }

    fn handshake_reply(ping_ms: u64) -> Packet {
        reply(
            1,
            json!({"id":"sock-1","pingTimeout":ping_ms,"isAuthenticated":false}),
        )
    }

    fn sent(steps: &[Step]) -> Vec<&str> {
        steps
            .iter()
            .filter_map(|s| match s {
                Step::Send(t) => Some(t.as_str()),
                Step::Up { .. } | Step::Ping | Step::Report { .. } => None,
            })
            .collect()
    }

    /// A session driven to subscribed; returns it and the time.
    fn up(login: bool) -> (Session, Instant) {
        let t0 = Instant::now();
        let (mut s, first) = Session::new(
            login,
            Want::default(),
            Some(t0 + Duration::from_secs(5)),
            t0,
        );
        assert_eq!(
            first,
            Step::Send(r##"{"event":"#handshake","data":{"authToken":null},"cid":1}"##.into())
        );
        let steps = s.packets(vec![handshake_reply(30_000)], t0).unwrap();
        let mut rid = 2;
        if login {
            assert_eq!(sent(&steps), [r#"{"event":"login","data":{},"cid":2}"#]);
            let steps = s.packets(vec![reply(2, json!("log"))], t0).unwrap();
            assert!(sent(&steps)[0].contains("#subscribe"));
            rid = 3;
        } else {
            assert!(sent(&steps)[0].contains("#subscribe"));
        }
        let steps = s.packets(vec![reply(rid, json!(null))], t0).unwrap();
        assert_eq!(sent(&steps), [START]);
        assert!(
            matches!(&steps[1], Step::Up { socket_id, ping_timeout_ms: 30_000, legacy: false } if socket_id == "sock-1")
        );
        assert!(s.subscribed());
        (s, t0)
    }

    #[test]
    fn handshake_subscribe_start_with_and_without_login() {
        up(false);
        up(true);
    }

    #[test]
    fn no_pong_before_the_handshake_reply() {
        let t0 = Instant::now();
        let (mut s, _) = Session::new(false, Want::default(), None, t0);
        assert!(
            s.packets(vec![Packet::Ping, Packet::PingV1], t0)
                .unwrap()
                .is_empty()
        );
        s.packets(vec![handshake_reply(20_000)], t0).unwrap();
        let steps = s.packets(vec![Packet::Ping, Packet::PingV1], t0).unwrap();
        assert_eq!(sent(&steps), ["", "#2"]);
    }

    #[test]
    fn a_refused_invoke_is_permanent_and_a_missing_reply_times_out() {
        let t0 = Instant::now();
        let (mut s, _) = Session::new(true, Want::default(), None, t0);
        s.packets(vec![handshake_reply(30_000)], t0).unwrap();
        let refused = Packet::Reply {
            rid: 2,
            data: json!(null),
            error: Some(json!({"name":"X","message":"no"})),
        };
        assert!(matches!(
            s.packets(vec![refused], t0),
            Err(Ended::Failed {
                permanent: true,
                ..
            })
        ));
        let (mut s, _) = Session::new(false, Want::default(), None, t0);
        s.heard(t0 + Duration::from_secs(11));
        let e = s.tick(t0 + Duration::from_secs(11)).unwrap_err();
        assert!(
            matches!(&e, Ended::Failed { reason, permanent: false } if reason.contains("no reply to Handshake")),
            "{e:?}"
        );
    }

    #[test]
    fn the_deadline_bounds_the_way_to_subscribed() {
        let t0 = Instant::now();
        let (mut s, _) = Session::new(
            false,
            Want::default(),
            Some(t0 + Duration::from_secs(2)),
            t0,
        );
        assert!(s.tick(t0 + Duration::from_secs(1)).unwrap().is_empty());
        let e = s.tick(t0 + Duration::from_secs(2)).unwrap_err();
        assert!(
            matches!(e, Ended::Failed { reason, .. } if reason.contains("no handshake reply before --timeout"))
        );
    }

    #[test]
    fn silence_past_ping_timeout_is_a_lost_link() {
        let (mut s, t0) = up(false);
        let later = t0 + Duration::from_secs(34);
        assert!(s.tick(later).unwrap().is_empty());
        s.heard(later);
        assert!(s.tick(later + Duration::from_secs(34)).unwrap().is_empty());
        let e = s.tick(later + Duration::from_secs(36)).unwrap_err();
        assert!(matches!(e, Ended::Lost(r) if r.contains("no heartbeat")));
    }

    #[test]
    fn apps_restarting_get_one_debounced_start() {
        let (mut s, t0) = up(false);
        s.apps_restarted(t0);
        s.apps_restarted(t0 + Duration::from_millis(50));
        assert!(s.tick(t0 + Duration::from_millis(150)).unwrap().is_empty());
        assert_eq!(
            sent(&s.tick(t0 + Duration::from_millis(200)).unwrap()),
            [START]
        );
        assert!(s.tick(t0 + Duration::from_millis(400)).unwrap().is_empty());
        // UPDATE only once subscribed
        assert!(s.update(t0).is_some());
        let (mut fresh, _) = Session::new(false, Want::default(), None, t0);
        assert!(fresh.update(t0).is_none());
    }
}
