//! `leadctl create --json`: one object, an array, or NDJSON, to the requests it would send.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = leadctl::commands::create::requests_from_json(
        &text,
        Some("a1b2c3d4-e5f6-7890-abcd-ef1234567890"),
    );
});
