//! In-process fake SocketCluster servers (tungstenite on 127.0.0.1:0) for what
//! the real server cannot be made to do: go silent, break frames, never
//! answer, send 100 MiB. Every read has a timeout; every thread a deadline.

use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use tungstenite::{Message, WebSocket};

pub type Ws = WebSocket<TcpStream>;

/// Start a server that runs `script(n, ws, sent)` for each of the first
/// `conns` connections (n = 0, 1, ...). `sent` receives every text frame rdx
/// sends (the script forwards what it reads with [`recv`]).
pub fn serve<F>(conns: usize, script: F) -> (u16, mpsc::Receiver<String>)
where
    F: Fn(usize, &mut Ws, &mpsc::Sender<String>) + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for n in 0..conns {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            stream
                .set_read_timeout(Some(Duration::from_millis(50)))
                .unwrap();
            let Ok(mut ws) = tungstenite::accept(stream) else {
                continue;
            };
            script(n, &mut ws, &tx);
        }
    });
    (port, rx)
}

/// Read the next text frame rdx sends, within `limit` (None on timeout/close).
pub fn recv(ws: &mut Ws, sent: &mpsc::Sender<String>, limit: Duration) -> Option<String> {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        match ws.read() {
            Ok(Message::Text(t)) => {
                let t = t.as_str().to_string();
                let _ = sent.send(t.clone());
                return Some(t);
            }
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return None,
        }
    }
    None
}

/// Keep reading (and answering nothing) for `d`, or until rdx goes away.
pub fn idle(ws: &mut Ws, sent: &mpsc::Sender<String>, d: Duration) {
    let end = Instant::now() + d;
    while Instant::now() < end {
        if recv(ws, sent, end.saturating_duration_since(Instant::now())).is_none() && !ws.can_read()
        {
            return;
        }
    }
}

pub fn send(ws: &mut Ws, text: &str) {
    let _ = ws.send(Message::text(text.to_string()));
}

/// Read `{"event":"#handshake",...,"cid":N}` and answer it.
pub fn handshake(ws: &mut Ws, sent: &mpsc::Sender<String>, ping_timeout_ms: u64) -> bool {
    let Some(h) = recv(ws, sent, Duration::from_secs(5)) else {
        return false;
    };
    let v: serde_json::Value = serde_json::from_str(&h).unwrap();
    assert_eq!(
        v["event"], "#handshake",
        "first frame must be the handshake: {h}"
    );
    let cid = v["cid"].as_u64().expect("numeric cid");
    send(
        ws,
        &format!(
            r#"{{"rid":{cid},"data":{{"id":"fake-sock","pingTimeout":{ping_timeout_ms},"isAuthenticated":false}}}}"#
        ),
    );
    true
}

/// Read the `#subscribe` to `log` and ack it (and one to `report`, which
/// `rdx mcp` makes next); then read the START transmit.
pub fn subscribe(ws: &mut Ws, sent: &mpsc::Sender<String>) -> bool {
    let Some(s) = recv(ws, sent, Duration::from_secs(5)) else {
        return false;
    };
    let v: serde_json::Value = serde_json::from_str(&s).unwrap();
    assert_eq!(v["event"], "#subscribe", "{s}");
    assert_eq!(v["data"]["channel"], "log");
    send(ws, &format!(r#"{{"rid":{}}}"#, v["cid"]));
    let mut start = recv(ws, sent, Duration::from_secs(5)).unwrap_or_default();
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&start)
        && v["event"] == "#subscribe"
        && v["data"]["channel"] == "report"
    {
        send(ws, &format!(r#"{{"rid":{}}}"#, v["cid"]));
        start = recv(ws, sent, Duration::from_secs(5)).unwrap_or_default();
    }
    assert_eq!(start, r#"{"event":"respond","data":{"type":"START"}}"#);
    true
}

/// A `#publish` on `log` of one relay message.
pub fn publish(ws: &mut Ws, msg: &str) {
    send(
        ws,
        &format!(r##"{{"event":"#publish","data":{{"channel":"log","data":{msg}}}}}"##),
    );
}

/// Send a heartbeat every 100 ms, `n` times, reading what rdx sends meanwhile.
pub fn heartbeats(ws: &mut Ws, sent: &mpsc::Sender<String>, n: usize) {
    for _ in 0..n {
        send(ws, "");
        idle(ws, sent, Duration::from_millis(100));
    }
}

/// A plain HTTP server (what an app's dev server or `python3 -m http.server`
/// is) that answers each of the first `conns` connections with `answer`.
/// Returns its port.
pub fn http_server(conns: usize, answer: &'static [u8]) -> u16 {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for conn in listener.incoming().take(conns) {
            let Ok(mut c) = conn else { continue };
            let _ = c.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = [0u8; 2048];
            let _ = c.read(&mut buf);
            let _ = c.write_all(answer);
        }
    });
    port
}
