//! `leadctl ledger check`: the database's own integrity check (SQLite) and every entry against
//! its checksum (`ledger::checksum`). Exit 0 when both find nothing, 3 (naming what they found)
//! when the ledger is damaged: a run refuses such a ledger before sending.

use anyhow::Result;

use crate::error::Failure;
use crate::ledger::{damage_hint, Ledger};
use crate::output::{Output, OutputFormat};

pub fn check(ledger: &Ledger, out: &mut Output) -> Result<()> {
    let integrity = ledger.integrity()?;
    let damage = ledger.verify()?;
    let ok = integrity.is_empty() && damage.damaged == 0;
    match out.format {
        OutputFormat::Json | OutputFormat::Ndjson => {
            let damaged: Vec<serde_json::Value> = damage
                .named
                .iter()
                .map(|(u, c, k, why)| {
                    serde_json::json!({ "api_url": u, "channel": c, "key": k, "problem": why })
                })
                .collect();
            let v = serde_json::json!({
                "ledger": ledger.location().to_string(),
                "ok": ok,
                "entries": damage.checked,
                "damaged": damage.damaged,
                "damaged_entries": damaged,
                "integrity": if integrity.is_empty() { vec!["ok".to_string()] } else { integrity.clone() },
            });
            if out.format == OutputFormat::Json {
                out.json_value(&v)?;
            } else {
                out.ndjson_item(&v)?;
            }
        }
        _ if ok => out.text(&format!(
            "the ledger {} is sound: integrity check ok, all {} entries match their checksums",
            ledger.location(),
            damage.checked
        ))?,
        _ => {}
    }
    out.flush()?;
    if ok {
        return Ok(());
    }
    let mut found = Vec::new();
    if !integrity.is_empty() {
        found.push(format!(
            "the integrity check found:\n{}",
            integrity
                .iter()
                .map(|l| format!("  {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        ));
    }
    if damage.damaged > 0 {
        found.push(format!(
            "{} of its {} entries do not match their checksums:\n{}",
            damage.damaged,
            damage.checked,
            damage.lines().join("\n")
        ));
    }
    Err(Failure::config(format!(
        "the ledger {} is damaged: {}",
        ledger.location(),
        found.join("; ")
    ))
    .with_hint(damage_hint().replacen("nothing was sent. ", "", 1))
    .into())
}
