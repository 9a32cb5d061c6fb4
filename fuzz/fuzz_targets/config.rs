//! The config file parser.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = leadctl::config::parse(&text, std::path::Path::new("config.toml"));
});
