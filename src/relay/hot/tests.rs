//! Unit tests of `hot` (and of `scan` against it).
use super::*;

fn general(text: &str, payloads: bool) -> Vec<Result<Message, String>> {
    let (mut packets, mut skips) = (Vec::new(), Vec::new());
    crate::link::wire::decode(text, &mut packets, &mut skips);
    let mut out: Vec<Result<Message, String>> = skips.iter().map(|s| Err(s.to_string())).collect();
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
fn a_big_payload_decoded_in_its_frame_reads_as_the_copied_one() {
    let big = |inner: &str| {
        let payload = serde_json::to_string(inner).unwrap();
        format!(
            r##"{{"event":"#publish","data":{{"channel":"log","data":{{"type":"STATE","id":"s","instanceId":"i","payload":{payload}}}}}}}"##
        )
    };
    let filler = "x\"é\\\u{1F600}".repeat(BIG_PAYLOAD / 4);
    for inner in [
        format!(
            r#"{{"computedStates":[{{"state":{{"a":"{}"}}}}]}}"#,
            filler.replace('"', "\\\"")
        ),
        format!("[1, 2, {{\"s\": \"{}\"}}]", "y".repeat(BIG_PAYLOAD)),
        // Not JSON once decoded: kept as the string it came as.
        format!("{{not json {}", "z".repeat(BIG_PAYLOAD)),
    ] {
        let frame = big(&inner);
        let copied = log_publish(&frame, true).unwrap().unwrap();
        let owned = log_publish_owned(frame.clone(), true).unwrap().unwrap();
        // What the app sent, whichever way it was kept.
        assert_eq!(owned.payload_text().as_deref(), Some(inner.as_str()));
        assert_eq!(copied.payload_text().as_deref(), Some(inner.as_str()));
        let want = serde_json::from_str::<Value>(&inner).ok();
        assert_eq!(owned.decoded_payload(), want);
        assert_eq!(copied.decoded_payload(), want);
        assert_eq!(owned.instance(), "i");
    }
    // Not the hot shape: the frame comes back whole.
    let other = format!(r##"{{"rid":1,"data":"{}"}}"##, "q".repeat(BIG_PAYLOAD));
    assert_eq!(log_publish_owned(other.clone(), true).unwrap_err(), other);
}

/// The scanner is never laxer than serde_json: on the capture frames and
/// thousands of damaged copies of them, whatever it reads the visitor
/// reads the same way.
#[test]
fn the_scanner_reads_what_the_visitor_reads_and_nothing_more() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut frames = Vec::new();
    for sub in ["fixtures", "tests/bad-inputs"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            let Ok(text) = std::fs::read_to_string(entry.unwrap().path()) else {
                continue;
            };
            for line in text.lines() {
                if let Ok(rec) = serde_json::from_str::<Value>(line)
                    && let Some(f) = rec["data"].as_str()
                    && scan::publish(f).is_some()
                {
                    frames.push(f.to_string());
                }
            }
        }
    }
    frames.sort();
    frames.dedup();
    assert!(frames.len() > 500, "{}", frames.len());
    let (mut scanned, mut variants) = (0, 0);
    let mut check = |text: &str| {
        variants += 1;
        for (payloads, defer) in [(true, false), (false, false), (true, true)] {
            let how = How { payloads, defer };
            let Some(m) = scan::publish(text) else {
                continue;
            };
            let Some(fast) = from_members(text, m, how) else {
                continue;
            };
            scanned += 1;
            let slow = visit(text, how);
            let same = slow.as_ref().is_some_and(|s| {
                s.0 == fast.0 && s.1.map(RawValue::get) == fast.1.map(RawValue::get)
            });
            assert!(
                same,
                "scanner {fast:?}\nvisitor {slow:?}\nframe {text:.300}"
            );
        }
    };
    const BYTES: &[u8] = b"\"\\{}[],: 0-9.eEtn\x01\x7fx";
    for (k, f) in frames.iter().enumerate().step_by(3) {
        check(f);
        let b = f.as_bytes();
        // Every cut and, at positions spread over the frame, every odd byte.
        for at in (0..b.len()).step_by(1 + b.len() / 64) {
            check(&f[..f.floor_char_boundary(at)]);
            for &c in BYTES.iter().skip(k / 3 % 3).step_by(3) {
                let mut v = b.to_vec();
                v[at] = c;
                if let Ok(v) = String::from_utf8(v) {
                    check(&v);
                }
            }
        }
    }
    assert!(
        scanned > 1000 && variants > 20_000,
        "{scanned} of {variants}"
    );
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
