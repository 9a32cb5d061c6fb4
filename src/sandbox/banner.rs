//! The text `sandbox serve` prints at start (returned, not printed: the caller shows it).

use std::fmt::Write as _;
use std::net::SocketAddr;

use super::data::Data;
use super::{actions, seed, Options, API_KEY, API_PATH, PRIMARY_CHANNEL_ID};

/// What `sandbox serve` prints at start: the address (first line, `listening on http://ADDR`,
/// which scripts can wait for), the endpoint and key, the seeded channels with their property
/// and status ids, how to point leadctl at it, the faults in effect and the state file.
pub fn banner(addr: SocketAddr, opts: &Options) -> String {
    let url = format!("http://{addr}{API_PATH}");
    let data = Data::seeded();
    let mut b = String::new();
    let _ = writeln!(b, "listening on http://{addr}");
    let _ = writeln!(
        b,
        "leadctl sandbox: a local emulator of the KeenPartner API (all data is made up)"
    );
    let _ = writeln!(b);
    let _ = writeln!(b, "  endpoint  {url}");
    let _ = writeln!(
        b,
        "  API key   {API_KEY}  (company \"Acme Corporation\", {})",
        seed::ACME_COMPANY_ID
    );
    let _ = writeln!(b, "  actions   {}", actions::ACTIONS.join(", "));
    for accessible in [true, false] {
        let _ = writeln!(b);
        let _ = writeln!(
            b,
            "{}",
            if accessible {
                "Channels the key can use:"
            } else {
                "Channel the key cannot use (403 \"Channel not accessible\" / \"Lead not accessible\"):"
            }
        );
        for c in data.channels.iter().filter(|c| c.accessible == accessible) {
            let public = if c.no_auth_api {
                format!(
                    "public API on (lead_external also takes its public uuid {})",
                    c.public_uuid
                )
            } else {
                "public API off".to_string()
            };
            let _ = writeln!(b, "  {}  \"{}\"  {}  {public}", c.id, c.title, c.currency);
            for p in &c.properties {
                let options = if p.options.is_empty() {
                    String::new()
                } else {
                    format!(": {}", p.options.join(", "))
                };
                let _ = writeln!(
                    b,
                    "      property {}  \"{}\" ({}{options})",
                    p.id, p.name, p.kind
                );
            }
            for s in &c.statuses {
                let _ = writeln!(b, "      status   {}  {}. \"{}\"", s.id, s.order, s.status);
            }
            for l in data.leads.iter().filter(|l| l.channels_id == c.id) {
                let _ = writeln!(b, "      lead     {}  legacy id {}", l.id, l.legacy_id);
            }
        }
    }
    let _ = writeln!(b);
    let _ = writeln!(b, "Point leadctl at it from another shell:");
    let _ = writeln!(b, "  export LEADCTL_API_URL={url}");
    let _ = writeln!(b, "  export LEADCTL_API_KEY={API_KEY}");
    let _ = writeln!(b, "  leadctl create --channel {PRIMARY_CHANNEL_ID} --email jane@example.com --property 'Deal size=50000'");
    let _ = writeln!(b);
    let _ = writeln!(b, "Faults: {}", opts.describe_faults());
    let state = opts.state.as_ref().map_or_else(
        || "in memory only (lost at exit; --state FILE keeps it)".to_string(),
        |p| format!("kept in {}", p.display()),
    );
    let _ = writeln!(b, "State: {state}");
    let _ = writeln!(
        b,
        "Inspect: GET http://{addr}/__sandbox/stats, /__sandbox/leads, /__sandbox/purchases; POST /__sandbox/reset"
    );
    let _ = writeln!(b, "Stop with Ctrl-C.");
    b
}

#[cfg(test)]
mod tests {
    use super::super::{
        DEAL_SIZE_PROPERTY_ID, PRIVATE_CHANNEL_ID, PRIVATE_LEAD_ID, PUBLIC_CHANNEL_ID,
        PUBLIC_CHANNEL_PUBLIC_UUID,
    };
    use super::*;

    #[test]
    fn banner_names_the_address_key_and_seeded_ids() {
        let addr: SocketAddr = "127.0.0.1:8787".parse().expect("addr");
        let b = banner(addr, &Options::ephemeral());
        assert!(b.starts_with("listening on http://127.0.0.1:8787\n"));
        for needle in [
            "http://127.0.0.1:8787/functions/v1/keen-api",
            API_KEY,
            PRIMARY_CHANNEL_ID,
            PUBLIC_CHANNEL_ID,
            PRIVATE_CHANNEL_ID,
            DEAL_SIZE_PROPERTY_ID,
            PUBLIC_CHANNEL_PUBLIC_UUID,
            PRIVATE_LEAD_ID,
            "\"Acme Referral Program\"  USD  public API off",
            "\"Website Signups\"  EUR  public API on",
            "\"Region\" (select: North America, EMEA, APAC, LATAM)",
            "1. \"New lead\"",
            "5. \"Lost\"",
            "LEADCTL_API_URL=",
            "Faults: none",
        ] {
            assert!(b.contains(needle), "banner lacks {needle:?}:\n{b}");
        }
    }
}
