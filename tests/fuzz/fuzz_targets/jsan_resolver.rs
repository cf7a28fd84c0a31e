//! The jsan resolver, two ways: the input as JSON (references, tags, cycles,
//! depth), and the input as the choices of a structure-aware generator
//! (`rdx::relay::jsan::hostile`: tags nested in tags, references to big
//! strings, long paths) whose output must stay within the cost model.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rdx::relay::jsan;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = jsan::parse_ref_path(text);
    }
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = jsan::resolve(v);
    }
    let text = jsan::hostile::document(data);
    let v: serde_json::Value = serde_json::from_str(&text).expect("the generator writes JSON");
    let out = serde_json::to_string(&jsan::resolve(v)).unwrap().len();
    let n = text.len();
    assert!(out <= n + 3 * n + 256 * 1024, "{out} bytes from {n}");
});
