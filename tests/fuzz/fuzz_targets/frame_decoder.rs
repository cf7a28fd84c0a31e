//! Any text frame through the SocketCluster decoder and the event router.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (mut packets, mut skips) = (Vec::new(), Vec::new());
    rdx::link::wire::decode(text, &mut packets, &mut skips);
    let mut control = Vec::new();
    rdx::feed::event::route(1, &|| "fuzz".into(), text, true, &mut control, &mut |_| {});
});
