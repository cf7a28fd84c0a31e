//! Reliability against in-process fake servers: silence, broken frames,
//! malformed or missing replies, a 100 MiB frame, and the read-only guarantee.

use crate::util::fake::*;
use crate::util::*;

use std::time::Duration;

fn url(port: u16) -> String {
    format!("ws://127.0.0.1:{port}/socketcluster/")
}

#[test]
fn silence_after_the_handshake_is_a_dead_link_and_rdx_reconnects() {
    let (port, _sent) = serve(2, |n, ws, sent| {
        assert!(handshake(ws, sent, 1000));
        assert!(subscribe(ws, sent));
        if n == 0 {
            publish(
                ws,
                r#"{"type":"START","id":"s1","instanceId":"before","name":"a"}"#,
            );
            idle(ws, sent, Duration::from_secs(10)); // no heartbeat at all
        } else {
            publish(
                ws,
                r#"{"type":"START","id":"s2","instanceId":"after","name":"b"}"#,
            );
            for _ in 0..40 {
                send(ws, ""); // heartbeats
                idle(ws, sent, Duration::from_millis(100));
            }
        }
    });
    let o = run(&["--url", &url(port), "sessions", "--json", "--for", "3s"]);
    o.expect(0);
    let err = stderr(&o);
    assert!(err.contains("no heartbeat"), "{err}");
    assert!(err.contains("reconnected"), "{err}");
    let ids: Vec<String> = json_lines(&o)
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert!(
        ids.contains(&"before".to_string()) && ids.contains(&"after".to_string()),
        "{ids:?}: the registry survives"
    );
}

#[test]
fn a_close_mid_frame_is_reported_and_no_reconnect_exits_3() {
    let (port, _sent) = serve(1, |_, ws, sent| {
        assert!(handshake(ws, sent, 30_000));
        assert!(subscribe(ws, sent));
        // A text frame header announcing 100 bytes, then 10, then the TCP close.
        use std::io::Write;
        let raw = ws.get_mut();
        let _ = raw.write_all(&[0x81, 100]);
        let _ = raw.write_all(b"{\"event\":\"");
        let _ = raw.flush();
        let _ = raw.shutdown(std::net::Shutdown::Both);
    });
    let o = run(&["--url", &url(port), "--no-reconnect", "tail"]);
    o.expect(3);
    let err = stderr(&o);
    assert!(
        err.contains("link lost") && err.contains("--no-reconnect"),
        "{err}"
    );
}

#[test]
fn server_close_codes_are_named() {
    let (port, _sent) = serve(1, |_, ws, sent| {
        assert!(handshake(ws, sent, 30_000));
        assert!(subscribe(ws, sent));
        let _ = ws.close(Some(tungstenite::protocol::CloseFrame {
            code: tungstenite::protocol::frame::coding::CloseCode::from(4001),
            reason: "pong timed out\u{1b}[31m".into(),
        }));
        idle(ws, sent, Duration::from_millis(500));
    });
    let o = run(&["--url", &url(port), "--no-reconnect", "tail"]);
    o.expect(3);
    let err = stderr(&o);
    assert!(
        err.contains("4001") && err.contains("client pong timed out"),
        "{err}"
    );
    assert!(
        !err.contains('\x1b'),
        "close reasons are sanitized: {err:?}"
    );
}

#[test]
fn a_malformed_handshake_reply_fails_with_exit_3() {
    let (port, _sent) = serve(100, |_, ws, sent| {
        if recv(ws, sent, Duration::from_secs(2)).is_some() {
            send(ws, r#"{"rid":1,"data":"this is not a handshake reply"}"#);
            idle(ws, sent, Duration::from_secs(2));
        }
    });
    let o = run(&["--url", &url(port), "--timeout", "1s", "sessions"]);
    o.expect(3);
    assert!(
        stderr(&o).contains("malformed handshake reply"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_unanswered_subscribe_times_out_instead_of_hanging() {
    let (port, _sent) = serve(100, |_, ws, sent| {
        if handshake(ws, sent, 30_000) {
            idle(ws, sent, Duration::from_secs(3)); // never acks #subscribe
        }
    });
    let started = std::time::Instant::now();
    let o = run(&["--url", &url(port), "--timeout", "1s", "sessions"]);
    o.expect(3);
    assert!(
        stderr(&o).contains("no reply to #subscribe"),
        "{}",
        stderr(&o)
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_100_mib_frame_is_accepted() {
    let (port2, _s2) = serve(1, |_, ws, sent| {
        assert!(handshake(ws, sent, 30_000));
        assert!(subscribe(ws, sent));
        // A STATE whose payload (a jsan string) makes the frame ~100 MiB.
        let big = "y".repeat(100 << 20);
        let payload = serde_json::to_string(&format!(
            "{{\"computedStates\":[{{\"state\":{{\"blob\":\"{big}\"}}}}]}}"
        ))
        .unwrap();
        publish(
            ws,
            &format!(
                r#"{{"type":"STATE","id":"s","instanceId":"big","name":"huge","payload":{payload}}}"#
            ),
        );
        for _ in 0..100 {
            send(ws, "");
            idle(ws, sent, Duration::from_millis(100));
        }
    });
    let o = run(&[
        "--url",
        &url(port2),
        "--timeout",
        "60s",
        "state",
        "--path",
        ".blob",
    ]);
    o.expect(0);
    let v: String = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v.len(), 100 << 20);
    assert!(v.bytes().all(|b| b == b'y'));
}

#[test]
fn rdx_only_ever_sends_handshake_subscribe_pong_start_and_update() {
    let (port, sent) = serve(1, |_, ws, sent| {
        // A ping before the handshake reply must not be answered (4009 on a real server).
        send(ws, "");
        let first = recv(ws, sent, Duration::from_secs(5)).unwrap();
        assert!(first.contains("#handshake"), "{first}");
        assert!(
            recv(ws, sent, Duration::from_millis(300)).is_none(),
            "rdx answered a ping before the handshake reply"
        );
        send(ws, r#"{"rid":1,"data":{"id":"fake","pingTimeout":30000}}"#);
        assert!(subscribe(ws, sent));
        // Apps start and stop (re-START expected), ping twice, and send junk.
        publish(
            ws,
            r#"{"type":"START","id":"s1","instanceId":"i1","name":"a"}"#,
        );
        publish(
            ws,
            r#"{"type":"STOP","id":"s1","instanceId":"i1","name":"a"}"#,
        );
        send(ws, "");
        send(ws, "#1");
        send(ws, "{not json");
        send(ws, r#"{"event":"respond","data":{"type":"DISPATCH"}}"#);
        idle(ws, sent, Duration::from_secs(2));
    });
    let o = run(&[
        "--url",
        &url(port),
        "--timeout",
        "2s",
        "state",
        "--instance",
        "i1",
    ]);
    o.expect(4);
    let frames: Vec<String> = sent.try_iter().collect();
    let allowed = [
        r#"{"event":"respond","data":{"type":"START"}}"#,
        r#"{"event":"respond","data":{"type":"UPDATE"}}"#,
        "",
        "#2",
    ];
    for f in &frames {
        let v: Option<serde_json::Value> = serde_json::from_str(f).ok();
        let ok = allowed.contains(&f.as_str())
            || v.as_ref().is_some_and(|v| {
                (v["event"] == "#handshake"
                    || (v["event"] == "#subscribe" && v["data"]["channel"] == "log"))
                    && v["cid"].is_u64()
            });
        assert!(ok, "rdx sent a frame outside its read-only set: {f:?}");
    }
    let starts = frames.iter().filter(|f| f.contains("START")).count();
    assert!(
        starts >= 2,
        "START re-broadcast after an app START/STOP: {frames:?}"
    );
    assert!(
        frames.iter().any(|f| f.contains("UPDATE")),
        "state asked for an UPDATE: {frames:?}"
    );
    assert!(
        frames.iter().any(|f| f.is_empty()) && frames.iter().any(|f| f == "#2"),
        "both heartbeats answered: {frames:?}"
    );
}

#[test]
fn an_http_1_0_web_server_is_named_as_a_web_server() {
    // `python3 -m http.server` (static files) answers in HTTP/1.0: the same
    // explanation as for an HTTP/1.1 web server, not tungstenite's words.
    let port = http_server(
        2,
        b"HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11\r\n\
          Content-Type: text/html\r\nContent-Length: 27\r\n\r\n<html><body>hi</body></html>",
    );
    let o = run(&["--url", &format!("http://127.0.0.1:{port}"), "sessions"]);
    o.expect(3);
    let err = stderr(&o);
    assert!(
        err.contains("HTTP/1.0") && err.contains("not the Redux DevTools server"),
        "{err}"
    );
    assert!(err.contains("--port 8000"), "{err}");
    assert!(!err.contains("HTTP version must be"), "{err}");
}

/// The figure for issue 18's reconnect case (not run by default: it waits
/// out the 30 s grace): 20,000 instances START, the server drops rdx, takes
/// it back, and none of them is heard from again. Just after the grace a
/// new instance STARTs; prints how long rdx took to report it (the time its
/// main thread spent marking the 20,000 gone). `RDX_BENCH_BIN` runs another
/// binary (a release build), `RDX_BENCH_N` starts another number of instances:
/// `RDX_BENCH_BIN=target/release/rdx cargo test --test integration unheard_after -- --ignored --nocapture`
#[test]
#[ignore]
fn bench_unheard_after_a_reconnect() {
    use std::time::Instant;
    let n: usize = std::env::var("RDX_BENCH_N").map_or(20_000, |v| v.parse().unwrap());
    let (marked_tx, marked_rx) = std::sync::mpsc::channel();
    let (port, _sent) = serve(2, move |c, ws, sent| {
        assert!(handshake(ws, sent, 30_000));
        assert!(subscribe(ws, sent));
        if c == 0 {
            for i in 0..n {
                publish(
                    ws,
                    &format!(
                        r#"{{"type":"START","id":"s{i}","instanceId":"i{i}","name":"app{}"}}"#,
                        i % 4
                    ),
                );
            }
            idle(ws, sent, Duration::from_secs(3));
            let _ = ws.close(None);
            idle(ws, sent, Duration::from_millis(200));
            return;
        }
        let back = Instant::now();
        while back.elapsed() < Duration::from_millis(30_100) {
            heartbeats(ws, sent, 1);
        }
        publish(
            ws,
            r#"{"type":"START","id":"sm","instanceId":"marker","name":"late"}"#,
        );
        let _ = marked_tx.send(Instant::now());
        heartbeats(ws, sent, 10 * 60);
    });
    let bin = std::env::var("RDX_BENCH_BIN").unwrap_or(env!("CARGO_BIN_EXE_rdx").to_string());
    let mut child = std::process::Command::new(bin)
        .args([
            "--port",
            &port.to_string(),
            "sessions",
            "--follow",
            "--json",
        ])
        .env(
            "XDG_STATE_HOME",
            std::env::temp_dir().join("rdx-test-state"),
        )
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (mut gone, mut seen) = (0, None);
    use std::io::BufRead;
    for l in std::io::BufReader::new(out).lines().map_while(Result::ok) {
        gone += usize::from(l.contains(r#""status":"gone""#));
        if l.contains(r#""id":"marker""#) {
            seen = Some(Instant::now());
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let sent = marked_rx.recv().unwrap();
    let took = seen.expect("the late instance was reported") - sent;
    eprintln!(
        "{n} unheard instances: a START just after the grace was reported {took:?} later ({gone} gone lines)"
    );
    assert!(gone > 0);
}
