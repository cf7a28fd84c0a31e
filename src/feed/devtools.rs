//! `--replay FILE` on a file that is not a recording: a DevTools Export (a
//! jsan lifted state) or the extension's `{"payload","preloadedState"}`
//! envelope, told apart by content. A recording's first line is a
//! `{"t","dir","data"}` object; anything else that is one JSON document is
//! read whole (bounded by [`MAX_BYTES`]) and replayed as the frames a
//! recording of its history would hold (`relay::report`), as one instance.
//! Input that is neither goes to the recording reader, which says why it is
//! no recording.

use std::io::{self, BufRead, Read};

use serde_json::Value;

use crate::error::Error;
use crate::feed::event::{self, Event};
use crate::feed::recording;
use crate::relay::report::{self, Shape};

/// The largest DevTools file rdx reads (it is read whole, then parsed).
pub(crate) const MAX_BYTES: u64 = 512 << 20;

/// The first line is looked at up to this many bytes.
const PEEK: usize = 1 << 20;

/// What rdx reads with `--replay`, said when a file is none of them.
pub(crate) const EXPECTED: &str = "a recording (NDJSON lines of {t,dir,data}), a DevTools export \
     (a lifted state: actionsById, stagedActionIds, computedStates) or the extension's \
     {payload, preloadedState}";

/// Where the input comes from, for the instance a DevTools file is shown as.
pub(crate) struct Input {
    /// The name used in messages (`<stdin>` for `-`).
    pub(crate) name: String,
    /// The file's path (None: stdin).
    pub(crate) path: Option<String>,
    /// Its size, when known (a file): the read is sized and refused past
    /// [`MAX_BYTES`] before it starts.
    pub(crate) size: Option<u64>,
    /// Its modification time (epoch ms): the time the frames are "received".
    pub(crate) mtime: Option<u64>,
}

/// Replay `reader`: a recording as always, or a DevTools file.
pub(crate) fn replay(
    reader: &mut dyn BufRead,
    input: &Input,
    payloads: bool,
    emit: &mut dyn FnMut(Event),
) -> Result<(), Error> {
    let name = input.name.as_str();
    let read_err = |e: io::Error| Error::Fixture {
        path: name.to_string(),
        reason: format!("read failed: {e}"),
    };
    let mut head = Vec::new();
    let complete = peek_first_line(reader, &mut head).map_err(read_err)?;
    if is_recording(&head, complete) {
        let mut rest = io::Cursor::new(head).chain(reader);
        return recording::replay(&mut rest, name, payloads, emit).map(drop);
    }
    // One JSON document, read whole (what it is decides what it costs).
    if let Some(size) = input.size
        && size > MAX_BYTES
    {
        return Err(too_big(name, size));
    }
    let mut all = head;
    if let Some(size) = input.size {
        all.reserve_exact(usize::try_from(size).unwrap_or(0).saturating_sub(all.len()));
    }
    let room = (MAX_BYTES + 1).saturating_sub(all.len() as u64);
    reader.take(room).read_to_end(&mut all).map_err(read_err)?;
    if all.len() as u64 > MAX_BYTES {
        return Err(too_big(name, all.len() as u64));
    }
    let doc = match serde_json::from_slice::<Value>(&all) {
        Ok(v) => v,
        Err(e) if e.is_eof() => {
            return Err(Error::Fixture {
                path: name.to_string(),
                reason: format!(
                    "it ends inside its JSON document ({e}): truncated? rdx reads {EXPECTED}"
                ),
            });
        }
        Err(e) => {
            // Not one document: lines, then, and the recording reader says
            // what is wrong with them.
            let starts_json = all
                .iter()
                .find(|b| !b.is_ascii_whitespace())
                .is_some_and(|b| matches!(b, b'{' | b'['));
            let got = recording::replay(&mut io::Cursor::new(all), name, payloads, emit);
            return match got {
                Err(Error::Fixture { path, reason }) if starts_json => Err(Error::Fixture {
                    path,
                    reason: format!("{reason}; nor is it one JSON document ({e})"),
                }),
                other => other.map(drop),
            };
        }
    };
    drop(all);
    let history = match report::devtools_file(doc) {
        Some(Ok(h)) => h,
        Some(Err(why)) => {
            return Err(Error::Fixture {
                path: name.to_string(),
                reason: format!("not a DevTools file rdx can read: {why}"),
            });
        }
        None => {
            return Err(Error::Fixture {
                path: name.to_string(),
                reason: format!("one JSON document, but not one rdx reads: expected {EXPECTED}"),
            });
        }
    };
    let (instance, app) = names(input.path.as_deref());
    let t = input.mtime.unwrap_or_else(crate::time::now_ms);
    if history.shape == Shape::Actions {
        emit(Event::Note {
            text: format!(
                "{name} holds {} action(s) and the state before them (the extension's \
                 {{payload, preloadedState}}): rdx runs no reducers, so the states after them \
                 are not known",
                history.actions
            ),
        });
    }
    let mut control = Vec::new();
    for (n, frame) in history.frames(&instance, &app).enumerate() {
        let at = || format!("{name}, action {n}");
        event::route(t, &at, &frame, payloads, &mut control, emit);
    }
    Ok(())
}

fn too_big(name: &str, size: u64) -> Error {
    Error::Fixture {
        path: name.to_string(),
        reason: format!(
            "is not a recording, and is {} MiB: rdx reads a DevTools file whole and refuses one \
             over {} MiB",
            size >> 20,
            MAX_BYTES >> 20
        ),
    }
}

/// The instance id and app name a DevTools file is shown as: its file
/// name without the extension (`state.json` → `state`), with characters
/// other than letters, digits, `.`, `_` and `-` made `-`; `stdin` for `-`.
/// Both the same, stable for a file name: `--instance state` picks it.
pub(crate) fn names(path: Option<&str>) -> (String, String) {
    let stem = path
        .map(std::path::Path::new)
        .and_then(|p| p.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "stdin".into());
    let id: String = stem
        .chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    (id.clone(), id)
}

/// Read the input's first line that is not blank (with the blank lines
/// before it) into `head`, up to [`PEEK`] bytes. True when that line is
/// whole in `head` (it ended, or the input did).
fn peek_first_line(reader: &mut dyn BufRead, head: &mut Vec<u8>) -> io::Result<bool> {
    let mut line_start = 0;
    loop {
        let buf = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(true);
        }
        let room = PEEK.saturating_sub(head.len());
        let (take, newline) = match buf.iter().take(room).position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (buf.len().min(room), false),
        };
        head.extend_from_slice(&buf[..take]);
        reader.consume(take);
        if newline {
            if head[line_start..].iter().all(u8::is_ascii_whitespace) {
                line_start = head.len();
                if head.len() < PEEK {
                    continue;
                }
                return Ok(true);
            }
            return Ok(true);
        }
        if head.len() >= PEEK {
            return Ok(false);
        }
    }
}

/// Is this the start of a recording? Its first line that is not blank is
/// an object with a string `dir` (or, too long to look at whole, one whose
/// first key is `t`, `dir` or `data`, as `rdx record` writes them). Blank
/// or empty input is an empty recording.
fn is_recording(head: &[u8], complete: bool) -> bool {
    let Some(start) = head.iter().position(|b| !b.is_ascii_whitespace()) else {
        return true;
    };
    let rest = &head[start..];
    let line = match rest.iter().position(|b| *b == b'\n') {
        Some(i) => &rest[..i],
        None => rest,
    };
    if complete && let Ok(v) = serde_json::from_slice::<Value>(line) {
        return v.get("dir").is_some_and(Value::is_string);
    }
    first_key(line).is_some_and(|k| matches!(k.as_str(), "t" | "dir" | "data"))
}

/// The first key of the object `line` starts (`{ "key"`), if it does.
fn first_key(line: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(line)
        .or_else(|e| std::str::from_utf8(&line[..e.valid_up_to()]))
        .ok()?;
    let t = text.trim_start().strip_prefix('{')?.trim_start();
    let mut de = serde_json::Deserializer::from_str(t).into_iter::<String>();
    de.next()?.ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(text: &[u8], path: Option<&str>) -> (Result<(), Error>, Vec<Event>) {
        let input = Input {
            name: path.unwrap_or("<stdin>").to_string(),
            path: path.map(str::to_string),
            size: Some(text.len() as u64),
            mtime: Some(1_700_000_000_000),
        };
        let mut events = Vec::new();
        let mut r = io::BufReader::with_capacity(7, text);
        let got = replay(&mut r, &input, true, &mut |e| events.push(e));
        (got, events)
    }

    fn relays(events: &[Event]) -> Vec<(String, String, String)> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Relay { msg, .. } => Some((
                    msg.kind.as_str().to_string(),
                    msg.instance().to_string(),
                    msg.action_type().unwrap_or_default(),
                )),
                _ => None,
            })
            .collect()
    }

    fn lifted() -> Value {
        json!({
            "monitorState": null,
            "actionsById": {
                "0": {"type": "PERFORM_ACTION", "action": {"type": "@@INIT"}, "timestamp": 1},
                "1": {"type": "PERFORM_ACTION", "action": {"type": "INCREMENT"}, "timestamp": 2},
                "2": {"type": "PERFORM_ACTION", "action": {"type": "ADD"}, "timestamp": 3},
            },
            "nextActionId": 3, "stagedActionIds": [0, 1, 2], "skippedActionIds": [],
            "committedState": {"n": 0}, "currentStateIndex": 2,
            "computedStates": [{"state": {"n": 0}}, {"state": {"n": 1}}, {"state": {"n": 1}}],
            "isLocked": false, "isPaused": false,
        })
    }

    #[test]
    fn a_lifted_state_replays_as_one_instance_named_by_the_file() {
        for text in [
            lifted().to_string(),
            serde_json::to_string_pretty(&lifted())
                .unwrap()
                .replace("  ", "\t"),
        ] {
            let (r, e) = run(text.as_bytes(), Some("/x/my export.json"));
            r.unwrap();
            assert_eq!(
                relays(&e),
                [
                    ("INIT".into(), "my-export".into(), String::new()),
                    ("ACTION".into(), "my-export".into(), "INCREMENT".into()),
                    ("ACTION".into(), "my-export".into(), "ADD".into()),
                ]
            );
        }
        assert_eq!(names(None), ("stdin".into(), "stdin".into()));
    }

    #[test]
    fn the_envelope_says_its_states_are_unknown() {
        let text = "{\n\t\"payload\": \"[{\\\"type\\\":\\\"A\\\"}]\",\n\t\"preloadedState\": \"{\\\"n\\\":1}\"\n}";
        let (r, e) = run(text.as_bytes(), Some("state.json"));
        r.unwrap();
        assert!(matches!(&e[0], Event::Note { text } if text.contains("not known")));
        assert_eq!(relays(&e), [("ACTION".into(), "state".into(), "A".into())]);
    }

    #[test]
    fn neither_shape_nor_whole_is_an_error_that_says_what_rdx_reads() {
        for (text, want) in [
            (r#"{"hello": "world"}"#.to_string(), "expected a recording"),
            ("[1, 2]".into(), "expected a recording"),
            (lifted().to_string()[..60].to_string(), "truncated?"),
            (
                r#"{"payload": 5}"#.into(),
                "not a DevTools file rdx can read: its payload is a number",
            ),
            ("{\n\"a\": 1,,\n}".into(), "nor is it one JSON document"),
        ] {
            let (r, _) = run(text.as_bytes(), Some("f.json"));
            let err = r.unwrap_err();
            assert_eq!(err.exit_code(), 3);
            assert!(err.to_string().contains(want), "{text}: {err}");
        }
    }

    #[test]
    fn recordings_and_non_json_still_go_to_the_recording_reader() {
        let frame = r##"{"t":4,"dir":"in","data":"{\"event\":\"#publish\",\"data\":{\"channel\":\"log\",\"data\":{\"type\":\"START\",\"id\":\"s\"}}}"}"##;
        let (r, e) = run(format!("\n  \n{frame}\n").as_bytes(), None);
        r.unwrap();
        assert_eq!(relays(&e).len(), 1);
        // empty and blank: an empty recording
        assert!(run(b"", None).0.is_ok());
        assert!(run(b" \n\n", None).0.is_ok());
        let err = run(b"hello\nworld\n", None).0.unwrap_err();
        assert!(err.to_string().contains("not a fixture"), "{err}");
        // a long first line is looked at by its first key
        assert!(is_recording(
            br#"{"t": 1, "dir": "in", "data": "xxxx"#,
            false
        ));
        assert!(!is_recording(br#"{"actionsById": {"0": "#, false));
        assert!(!is_recording(br#"{"t": 1}"#, true));
    }

    #[test]
    fn a_file_past_the_bound_is_refused_before_it_is_read() {
        let input = Input {
            name: "big.json".into(),
            path: Some("big.json".into()),
            size: Some(MAX_BYTES + 1),
            mtime: None,
        };
        let mut r = io::BufReader::new(&b"{\"a\":"[..]);
        let err = replay(&mut r, &input, true, &mut |_| {}).unwrap_err();
        assert!(err.to_string().contains("512 MiB"), "{err}");
    }
}
