//! Any text as a state path: parse it, display it, and look it up.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let doc = serde_json::json!({"todos": [{"title": "a", "5": [1, {"x": null}]}], "odd key": {"": 1}});
    match rdx::query::paths::parse(text) {
        Ok(p) => {
            let _ = p.display();
            let _ = rdx::query::paths::lookup(&doc, &p);
            // The canonical form parses back to the same segments.
            let again = rdx::query::paths::parse(&p.display()).expect("canonical form parses");
            assert_eq!(again.segs.len(), p.segs.len());
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
