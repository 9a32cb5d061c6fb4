//! What a server can send: lead, channel and purchase objects, error bodies, Retry-After values.
#![no_main]
use leadctl::api::models::{Channel, Lead, Purchase};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Ok(l) = Lead::from_value(v.clone()) {
            let _ = l.properties();
        }
        let _ = Lead::from_flat_value(v.clone());
        let _ = serde_json::from_value::<Channel>(v.clone()).map(|c| c.label());
        let _ = Purchase::from_value(v);
    }
    let _ = leadctl::api::error_message(500, data);
    let _ = leadctl::api::excerpt(data);
    let text = String::from_utf8_lossy(data);
    let _ = leadctl::api::parse_retry_after(&text, std::time::SystemTime::now());
    let _ = leadctl::time::parse_rfc3339(&text);
});
