//! Any bytes as a fixture file.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut reader = std::io::Cursor::new(data);
    let _ = rdx::feed::recording::replay(&mut reader, "fuzz.jsonl", true, &mut |_| {});
});
