//! Any JSON through the jsan resolver (references, tags, cycles, depth).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = rdx::relay::jsan::parse_ref_path(text);
    }
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let _ = rdx::relay::jsan::resolve(v);
});
