//! Any JSON as a relay message: decode it, read its action, payload and state,
//! and feed it to a registry.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let Ok(msg) = rdx::relay::message::Message::decode(v) else { return };
    let ty = msg.action_type();
    let _ = msg.action().map(|a| a.to_value());
    let _ = rdx::relay::lifted::snapshot(&msg);
    let mut reg = rdx::model::registry::Registry::new();
    reg.apply(1, &msg, ty.as_deref());
    let _ = reg.sorted(true);
});
