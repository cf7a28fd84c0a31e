//! Generated recordings (fixture format of SPEC.md) for what no capture
//! holds in bulk: many instances at once, each with a gap in its action ids.

/// Recorded time of the first frame (epoch ms).
pub const T0: u64 = 1_795_520_108_713;

/// One `dir:"in"` line carrying a `#publish` on `log` of `msg` (JSON text).
pub fn frame(t: u64, msg: &str) -> String {
    let data = format!(r##"{{"event":"#publish","data":{{"channel":"log","data":{msg}}}}}"##);
    format!(
        "{}\n",
        serde_json::json!({"t": t, "dir": "in", "data": data})
    )
}

/// The handshake reply that starts a recording.
pub fn handshake(t: u64) -> String {
    let data =
        r#"{"rid":1,"data":{"id":"gen-monitor","pingTimeout":30000,"isAuthenticated":false}}"#;
    format!(
        "{}\n",
        serde_json::json!({"t": t, "dir": "in", "data": data})
    )
}

/// An ACTION of instance `i` with action id `id` (`nextActionId` = id + 1).
pub fn action(i: usize, id: i64, ts: u64) -> String {
    let action = serde_json::json!({
        "type": "PERFORM_ACTION",
        "action": {"type": "counter/incremented", "by": id},
        "timestamp": ts,
    })
    .to_string();
    serde_json::json!({
        "type": "ACTION",
        "id": format!("s{i}"),
        "instanceId": format!("i{i}"),
        "name": format!("app{}", i % 4),
        "payload": format!(r#"{{"counter":{id}}}"#),
        "action": action,
        "nextActionId": id + 1,
    })
    .to_string()
}

/// `n` instances, each: START, the ACTION with id 1, then the ACTION with
/// id 3 (id 2 never arrives, and no STATE does: each instance holds its
/// action 3 waiting for the STATE, and at the end of the file reports a gap
/// of one). All of them within one recorded second, so every hold is open
/// at once.
pub fn gapped(n: usize) -> String {
    let mut out = handshake(T0);
    for i in 0..n {
        let t = T0 + (i as u64) * 900 / (n as u64).max(1);
        let start = start(i);
        out.push_str(&frame(t, &start));
        out.push_str(&frame(t, &action(i, 1, t)));
        out.push_str(&frame(t, &action(i, 3, t)));
    }
    out
}

/// Instance `i`'s START (socket `s{i}`, app `app{i % 4}`).
fn start(i: usize) -> String {
    format!(
        r#"{{"type":"START","id":"s{i}","instanceId":"i{i}","name":"app{}"}}"#,
        i % 4
    )
}

/// `n` instances that say START, in one recorded second.
pub fn starts(n: usize) -> String {
    let mut out = handshake(T0);
    for i in 0..n {
        let t = T0 + (i as u64) * 900 / (n as u64).max(1);
        let start = start(i);
        out.push_str(&frame(t, &start));
    }
    out
}
