//! The floor: the least work any monitor must do with a recorded flood — read
//! each fixture line, parse it, parse the frame, then parse the message's
//! `payload` and `action` — with no rdx logic at all. Built by `make bench`
//! (`cargo build --release --example floor`); run as `floor FILE`.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::time::Instant;

use serde_json::Value;

fn main() {
    let path = std::env::args().nth(1).expect("usage: floor FILE");
    let start = Instant::now();
    let mut reader = BufReader::with_capacity(1 << 20, File::open(&path).expect("open"));
    let (mut frames, mut parsed) = (0u64, 0u64);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf).expect("read") == 0 {
            break;
        }
        let Ok(line) = serde_json::from_slice::<Value>(&buf) else {
            continue;
        };
        if line["dir"] != "in" {
            continue;
        }
        let Some(data) = line["data"].as_str() else {
            continue;
        };
        frames += 1;
        let Ok(frame) = serde_json::from_str::<Value>(data) else {
            continue;
        };
        let msg = &frame["data"]["data"];
        for field in ["payload", "action"] {
            if let Some(text) = msg[field].as_str()
                && serde_json::from_str::<Value>(text).is_ok()
            {
                parsed += 1;
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!("{{\"frames\":{frames},\"parsed\":{parsed},\"seconds\":{secs:.6}}}");
}
