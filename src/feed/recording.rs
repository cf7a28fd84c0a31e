//! Recordings: replaying a fixture file through the same routine as live
//! frames, and writing one. The format (SPEC.md): NDJSON, one frame per line,
//! `{"t": <epoch ms>, "dir": "in"|"out"|"meta", "data": "<raw text frame>"}`.
//!
//! Reading: `dir:"in"` lines go through [`event::route`], the same routine the
//! live transport uses. A bad line is skipped and reported with its line
//! number; a file in which no line is a frame is an error (exit 3).
//! Writing: every line is flushed, so a recording killed by Ctrl-C is whole.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufWriter, Write};

use serde_json::Value;

use crate::error::Error;
use crate::feed::event::{self, Event};
use crate::link::url::Relay;
use crate::rawjson;

/// Frames longer than this are decoded in their line's buffer.
const BIG_FRAME: usize = 1 << 22;

/// Feed every inbound frame of `reader` to `emit`. `name` is the file name
/// used in messages. Returns the number of frame lines read.
pub fn replay(
    reader: &mut dyn BufRead,
    name: &str,
    payloads: bool,
    emit: &mut dyn FnMut(Event),
) -> Result<u64, Error> {
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    let mut frames = 0u64;
    let mut bad = 0u64;
    let mut control = Vec::new();
    // Damaged lines are held back until the first good frame: a file that is
    // not a fixture at all gets one error, not one warning per line.
    let mut held: Vec<Event> = Vec::new();
    // Which relay the frames came from: a recording's `open` line says (its
    // URL); before one, each frame is looked at (hand-made files).
    let mut relay: Option<Relay> = None;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::Fixture {
                path: name.to_string(),
                reason: format!("read failed after line {line_no}: {e}"),
            })?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let line = trim_eol(&buf);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let at = || format!("{name}:{line_no}");
        let frame = match parse_line(line) {
            Ok(f) => f,
            Err(what) => {
                bad += 1;
                let ev = Event::Skipped {
                    t: 0,
                    at: at(),
                    what,
                    loud: true,
                };
                if frames == 0 && held.len() < 1000 {
                    held.push(ev);
                } else {
                    emit(ev);
                }
                continue;
            }
        };
        if frame.dir == "meta"
            && let Some(r) = opened(line)
        {
            // The feed starts out on the DevTools server's frames.
            if relay.unwrap_or_default() != r {
                emit(Event::Wire(r));
            }
            relay = Some(r);
        }
        frames += 1;
        let data = match frame.data {
            Data::Text(s) => s,
            // A huge frame is decoded where it lies: the line's buffer becomes
            // the frame (issue 13: a 64 MB STATE costs no second copy).
            Data::InLine(span) => match rawjson::unescape_span(std::mem::take(&mut buf), span) {
                Some(s) => s,
                None => {
                    bad += 1;
                    emit(Event::Skipped {
                        t: 0,
                        at: at(),
                        what: "inbound line without a string \"data\"".into(),
                        loud: true,
                    });
                    continue;
                }
            },
        };
        for ev in held.drain(..) {
            emit(ev);
        }
        if frame.dir == "in" {
            control.clear();
            let on = match relay {
                Some(r) => r,
                None if event::looks_expo(&data) => {
                    // A hand-made file without its open line: from its first
                    // Expo frame on, it is the Expo socket's.
                    relay = Some(Relay::Expo);
                    emit(Event::Wire(Relay::Expo));
                    Relay::Expo
                }
                None => Relay::DevTools,
            };
            match on {
                Relay::DevTools => {
                    event::route_owned(frame.t, &at, data, payloads, &mut control, emit)
                }
                Relay::Expo => event::route_expo(frame.t, &at, &data, payloads, &mut control, emit),
            }
            for p in control.drain(..) {
                if let crate::link::wire::Packet::Reply { data, .. } = p
                    && let Some(h) = crate::link::wire::handshake_reply(&data)
                {
                    emit(Event::Connected {
                        t: frame.t,
                        socket_id: h.socket_id,
                        ping_timeout_ms: h.ping_timeout_ms,
                        legacy: h.ping_timeout_ms == 20_000,
                        reconnect: false,
                    });
                }
            }
        }
    }
    if frames == 0 && bad > 0 {
        return Err(Error::Fixture {
            path: name.to_string(),
            reason: format!(
                "not a fixture: none of its {bad} lines is a {{\"t\",\"dir\",\"data\"}} JSON object"
            ),
        });
    }
    Ok(frames)
}

/// The relay a recording's `open` line names (`{"dir":"meta","kind":"open",
/// "data":"expo://…"}`), if it is one.
fn opened(line: &[u8]) -> Option<Relay> {
    let v: Value = serde_json::from_slice(line).ok()?;
    if v.get("kind")?.as_str()? != "open" {
        return None;
    }
    let url = v.get("data")?.as_str()?;
    Some(
        if url
            .get(..7)
            .is_some_and(|s| s.eq_ignore_ascii_case("expo://"))
        {
            Relay::Expo
        } else {
            Relay::DevTools
        },
    )
}

fn trim_eol(buf: &[u8]) -> &[u8] {
    let mut end = buf.len();
    while end > 0 && matches!(buf[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    &buf[..end]
}

struct Frame {
    t: u64,
    dir: String,
    data: Data,
}

/// A frame's text: decoded already, or (a big one) still escaped in its line.
enum Data {
    Text(String),
    /// The byte range of the `data` string's content in the line.
    InLine(std::ops::Range<usize>),
}

fn parse_line(line: &[u8]) -> Result<Frame, String> {
    let bad_json = |e: serde_json::Error| {
        if e.is_eof() {
            "truncated line".to_string()
        } else {
            format!("not JSON: {e}")
        }
    };
    // Fast path: read the fields without building a tree.
    if let Ok(text) = std::str::from_utf8(line)
        && let Some(obj) = rawjson::object(text)
    {
        let dir = obj
            .get("dir")
            .and_then(|d| rawjson::str_of(d))
            .unwrap_or_default();
        if dir != "in" {
            return Ok(Frame {
                t: 0,
                dir: dir.into_owned(),
                data: Data::Text(String::new()),
            });
        }
        let t = obj
            .get("t")
            .and_then(|t| serde_json::from_str::<Value>(t.get()).ok());
        let t = epoch_ms(t.as_ref())?;
        let lit = obj.get("data").map(|d| d.get()).unwrap_or_default();
        let data = if lit.len() > BIG_FRAME && lit.starts_with('"') {
            // The content's place in the line (inside the quotes).
            let start = lit.as_ptr() as usize - text.as_ptr() as usize + 1;
            Data::InLine(start..start + lit.len() - 2)
        } else {
            match serde_json::from_str::<String>(lit) {
                Ok(d) => Data::Text(d),
                Err(_) => return Err("inbound line without a string \"data\"".into()),
            }
        };
        return Ok(Frame {
            t,
            dir: "in".into(),
            data,
        });
    }
    // The general path: also what reports why a line is not JSON.
    let v: Value = serde_json::from_slice(line).map_err(bad_json)?;
    let Value::Object(mut obj) = v else {
        return Err("not a JSON object".into());
    };
    // Lines that are not inbound frames (out, meta, notes) are ignored whole.
    let dir = match obj.remove("dir") {
        Some(Value::String(d)) => d,
        _ => String::new(),
    };
    if dir != "in" {
        return Ok(Frame {
            t: 0,
            dir,
            data: Data::Text(String::new()),
        });
    }
    let t = epoch_ms(obj.get("t"))?;
    let data = match obj.remove("data") {
        Some(Value::String(d)) => d,
        _ => return Err("inbound line without a string \"data\"".into()),
    };
    Ok(Frame {
        t,
        dir,
        data: Data::Text(data),
    })
}

/// A recorded time: a number of milliseconds (fractions are cut), within
/// 1970 to the end of year 9999; `Err` says what is wrong with it.
fn epoch_ms(v: Option<&Value>) -> Result<u64, String> {
    match v.map(crate::time::ms_of) {
        Some(Ok(Some(t))) => Ok(t),
        Some(Err(text)) => Err(format!(
            "inbound line whose \"t\" {text} is out of range (epoch ms of a time in years 1970-9999)"
        )),
        _ => Err("inbound line without a numeric \"t\"".into()),
    }
}

/// Writes frames in fixture format, one flushed line each.
pub(crate) struct Recorder {
    w: BufWriter<File>,
}

impl Recorder {
    /// `append`: `--record` adds to FILE; `rdx record FILE` starts it afresh.
    pub(crate) fn create(path: &str, append: bool) -> Result<Recorder, Error> {
        let mut opts = OpenOptions::new();
        opts.create(true);
        if append {
            opts.append(true);
        } else {
            opts.write(true).truncate(true);
        }
        let f = opts.open(path).map_err(|e| Error::Fixture {
            path: path.to_string(),
            reason: format!("cannot open for recording: {e}"),
        })?;
        Ok(Recorder {
            w: BufWriter::with_capacity(64 * 1024, f),
        })
    }

    /// One frame, `dir` = "in" or "out".
    pub(crate) fn frame(&mut self, t: u64, dir: &str, data: &str) -> io::Result<()> {
        write!(self.w, "{{\"t\":{t},\"dir\":\"{dir}\",\"data\":")?;
        crate::output::json::to_writer(&mut self.w, data)?;
        self.w.write_all(b"}\n")?;
        self.w.flush()
    }

    /// A meta line (`open`, `close`), ignored by replay, for people reading the file.
    pub(crate) fn meta(&mut self, t: u64, kind: &str, detail: &str) -> io::Result<()> {
        write!(self.w, "{{\"t\":{t},\"dir\":\"meta\",\"kind\":")?;
        crate::output::json::to_writer(&mut self.w, kind)?;
        self.w.write_all(b",\"data\":")?;
        crate::output::json::to_writer(&mut self.w, detail)?;
        self.w.write_all(b"}\n")?;
        self.w.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> (Result<u64, Error>, Vec<Event>) {
        let mut events = Vec::new();
        let r = replay(
            &mut io::Cursor::new(text.as_bytes()),
            "f.jsonl",
            true,
            &mut |e| events.push(e),
        );
        (r, events)
    }

    #[test]
    fn reads_in_frames_and_ignores_the_rest() {
        let text = concat!(
            r##"{"t":1,"dir":"out","data":"{\"event\":\"#handshake\",\"data\":{},\"cid\":1}"}"##,
            "\n",
            r#"{"t":2,"dir":"in","data":"{\"rid\":1,\"data\":{\"id\":\"me\",\"pingTimeout\":30000}}"}"#,
            "\n",
            r#"{"t":3,"dir":"meta","kind":"open","url":"ws://x"}"#,
            "\n",
            "\n",
            r##"{"t":4,"dir":"in","data":"{\"event\":\"#publish\",\"data\":{\"channel\":\"log\",\"data\":{\"type\":\"START\",\"id\":\"s\"}}}"}"##,
            "\r\n",
        );
        let (r, e) = run(text);
        assert_eq!(r.unwrap(), 4);
        assert!(
            matches!(&e[0], Event::Connected { t: 2, socket_id, legacy: false, .. } if socket_id == "me")
        );
        assert!(matches!(&e[1], Event::Relay { t: 4, .. }));
        assert_eq!(e.len(), 2);
    }

    #[test]
    fn bad_lines_are_skipped_with_their_number() {
        let text = concat!(
            r##"{"t":1,"dir":"in","data":"{\"event\":\"#publish\",\"data\":{\"channel\":\"log\",\"data\":{\"type\":\"START\",\"id\":\"s\"}}}"}"##,
            "\n",
            "garbage\n",
            "[1,2]\n",
            r#"{"t":"x","dir":"in","data":""}"#,
            "\n",
            r#"{"t":9,"note":"a note, ignored"}"#,
            "\n",
            "\u{0}\u{ff}\n",
            r#"{"t":5,"dir":"in","data":"{\"trunc"#,
        );
        let mut events = Vec::new();
        let bytes: Vec<u8> = text
            .bytes()
            .map(|b| if b == 0xc3 { 0xff } else { b })
            .collect();
        let r = replay(&mut io::Cursor::new(bytes), "f.jsonl", true, &mut |e| {
            events.push(e)
        });
        assert_eq!(r.unwrap(), 2);
        let at: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                Event::Skipped { at, .. } => Some(at.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            at,
            [
                "f.jsonl:2",
                "f.jsonl:3",
                "f.jsonl:4",
                "f.jsonl:6",
                "f.jsonl:7"
            ]
        );
        assert!(
            matches!(events.last(), Some(Event::Skipped { what, .. }) if what.contains("truncated"))
        );
    }

    #[test]
    fn recorded_times_out_of_range_skip_their_line() {
        let start = r##""data":"{\"event\":\"#publish\",\"data\":{\"channel\":\"log\",\"data\":{\"type\":\"START\",\"id\":\"s\"}}}""##;
        let mut text = String::new();
        let ts = [
            "1795520108713",
            "18446744073709551615",
            "9223372036854775807",
            "-9223372036854775808",
            "-1",
            "1e300",
            "253402300800000",
            "253402300799999",
            "12.75",
        ];
        for t in ts {
            // the fast path, and the general one (a key it does not expect first)
            text.push_str(&format!("{{\"t\":{t},\"dir\":\"in\",{start}}}\n"));
            text.push_str(&format!(
                "{{\"x\\u0041\":1,\"t\":{t},\"dir\":\"in\",{start}}}\n"
            ));
        }
        let (r, events) = run(&text);
        assert_eq!(r.unwrap(), 6, "three good times, on both paths");
        let mut got = Vec::new();
        for e in &events {
            match e {
                Event::Relay { t, .. } => got.push(*t),
                Event::Skipped { what, loud, .. } => {
                    assert!(*loud && what.contains("out of range"), "{what}")
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(
            got,
            [
                1_795_520_108_713,
                1_795_520_108_713,
                253_402_300_799_999,
                253_402_300_799_999,
                12,
                12
            ]
        );
        assert_eq!(events.len(), ts.len() * 2);
    }

    #[test]
    fn not_a_fixture_at_all_is_an_error() {
        let (r, _) = run("hello\nworld\n");
        let err = r.unwrap_err();
        assert_eq!(err.exit_code(), 3);
        assert!(err.to_string().contains("not a fixture"), "{err}");
        // an empty file is an empty recording, not an error
        assert_eq!(run("").0.unwrap(), 0);
    }

    #[test]
    fn recorder_output_replays() {
        let dir = std::env::temp_dir().join(format!("rdx-rec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("r.jsonl");
        let p = path.to_str().unwrap();
        let mut rec = Recorder::create(p, false).unwrap();
        rec.meta(1, "open", "ws://127.0.0.1:1/socketcluster/")
            .unwrap();
        rec.frame(2, "out", "").unwrap();
        rec.frame(3, "in", r##"{"event":"#publish","data":{"channel":"log","data":{"type":"START","id":"s\n\u001b"}}}"##).unwrap();
        drop(rec);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 3);
        let (r, e) = run(&text);
        assert_eq!(r.unwrap(), 3);
        assert!(
            matches!(&e[..], [Event::Relay { t: 3, msg }] if msg.socket.as_deref() == Some("s\n\u{1b}"))
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
