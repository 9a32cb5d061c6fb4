//! Workbook reading (import::read::open_rows on whatever the bytes are: .xlsx, .xlsb, .xls, .ods,
//! or anything else refused), then the header mapping and each row's validation, as
//! `leadctl import` does them. Seeds: tests/fixtures/workbooks/.
#![no_main]
use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use leadctl::api::models::Channel;
use leadctl::import::mapping;
use leadctl::import::read::{self, Source};
use leadctl::import::validate::{self, ChannelInfo, Plan};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(data).unwrap();
    let source = Source::File(file.path().to_path_buf());
    let Ok((_, mut rows)) = read::open_rows(&source, &read::Wanted::default()) else {
        return;
    };
    let Ok(Some(header)) = rows.header() else {
        return;
    };
    let ch: Channel = serde_json::from_value(serde_json::json!({
        "id": "a1b2c3d4-e5f6-7890-abcd-ef1234567890", "title": "Acme",
        "property_definitions": [{"id": "11111111-2222-3333-4444-555555555555", "name": "Deal size"}]
    }))
    .unwrap();
    let names = BTreeMap::from([(mapping::normalize("Deal size"), "Deal size".to_string())]);
    let m = mapping::map_headers(&header.fields, &[], &names);
    let mut plan = Plan {
        columns: m.columns,
        header_len: header.fields.len(),
        default_channel: Some(ch.id.clone()),
        channels: Some(HashMap::from([(
            ch.id.clone(),
            ChannelInfo::from_channel(&ch),
        )])),
        ..Plan::default()
    };
    plan.precompute();
    while let Ok(Some(row)) = rows.next_row() {
        if let Err(problems) = validate::build(&plan, &row) {
            for p in problems {
                let _ = p.to_string();
            }
        }
    }
});
