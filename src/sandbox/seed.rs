//! The seeded data: the companies, the three channels with their properties and statuses, and
//! the one lead on the channel the key cannot use. Fixed ids, so that docs, tests and scripts can
//! name them (doc/sandbox.md, "Seeded data").

use uuid::Uuid;

use super::records::{Channel, Lead, PropertyDef, StatusDef};
use super::{DEAL_SIZE_PROPERTY_ID, PRIMARY_CHANNEL_ID, PRIVATE_CHANNEL_ID, PUBLIC_CHANNEL_ID};

/// Parses a seeded id at compile time (a typo fails the build, not a request).
pub(crate) const fn id(s: &str) -> Uuid {
    match Uuid::try_parse(s) {
        Ok(u) => u,
        Err(_) => panic!("invalid seeded UUID"),
    }
}

/// The company the sandbox's API key acts for ("Acme Corporation").
pub(crate) const ACME_COMPANY_ID: Uuid = id("c0000000-0000-4000-8000-00000000000a");
/// The partner on the primary channel ("Initech").
pub(crate) const INITECH_COMPANY_ID: Uuid = id("c0000000-0000-4000-8000-00000000000b");
/// The owner of the private channel ("Globex Corporation"), which Acme is not part of.
pub(crate) const GLOBEX_COMPANY_ID: Uuid = id("c0000000-0000-4000-8000-00000000000c");
/// Receiving company on the private channel ("Umbrella Corporation").
pub(crate) const UMBRELLA_COMPANY_ID: Uuid = id("c0000000-0000-4000-8000-00000000000d");

/// The public `uuid` of the public channel: `lead_external` accepts it as well as the
/// channel's `id` (doc/api.md, `lead_external`). Not shown by `get_channels`, as in the real API.
pub(crate) const PUBLIC_CHANNEL_PUBLIC_UUID: &str = "b2c3d4e5-0000-4000-8000-00000000beef";
/// The one seeded lead: on the private channel, so that "Lead not accessible" can be seen.
pub(crate) const PRIVATE_LEAD_ID: &str = "d0000000-0000-4000-8000-000000000001";
/// Legacy id of [`PRIVATE_LEAD_ID`].
pub(crate) const PRIVATE_LEAD_LEGACY_ID: u64 = 100_000;
/// Legacy id given to the first lead created.
pub(crate) const FIRST_LEGACY_ID: u64 = 100_001;

const STATUS_NAMES: [(&str, &str); 5] = [
    ("New lead", "#3B82F6"),
    ("Qualified", "#8B5CF6"),
    ("Proposal sent", "#F59E0B"),
    ("Won", "#10B981"),
    ("Lost", "#EF4444"),
];

/// Status ids are `e000000N-0000-4000-8000-00000000000M`: N = channel 1..3, M = order 1..5.
fn statuses(channel: u128) -> Vec<StatusDef> {
    (1u128..)
        .zip(STATUS_NAMES)
        .map(|(i, (status, color))| StatusDef {
            id: Uuid::from_u128(0xe000_0000_0000_4000_8000_0000_0000_0000 | channel << 96 | i),
            status,
            order: i as u32,
            color,
        })
        .collect()
}

fn prop(id: Uuid, name: &'static str, kind: &'static str, order: u32) -> PropertyDef {
    PropertyDef {
        id,
        name,
        kind,
        order,
        options: &[],
    }
}

/// The three seeded channels, in the order `get_channels` lists the accessible ones.
pub(crate) fn seeded_channels() -> Vec<Channel> {
    vec![
        Channel {
            id: id(PRIMARY_CHANNEL_ID),
            public_uuid: id("a1b2c3d4-0000-4000-8000-00000000beef"),
            title: "Acme Referral Program",
            created_at: "2025-01-15T09:00:00.000Z",
            referring_id: INITECH_COMPANY_ID,
            receiving_id: ACME_COMPANY_ID,
            creator: ACME_COMPANY_ID,
            partner_companies_id: Some(INITECH_COMPANY_ID),
            currency: "USD",
            no_auth_api: false,
            accessible: true,
            properties: vec![
                prop(id(DEAL_SIZE_PROPERTY_ID), "Deal size", "number", 1),
                PropertyDef {
                    options: &["North America", "EMEA", "APAC", "LATAM"],
                    ..prop(
                        id("f0000001-0000-4000-8000-000000000002"),
                        "Region",
                        "select",
                        2,
                    )
                },
                prop(
                    id("f0000001-0000-4000-8000-000000000003"),
                    "Industry",
                    "text",
                    3,
                ),
            ],
            statuses: statuses(1),
        },
        Channel {
            id: id(PUBLIC_CHANNEL_ID),
            public_uuid: id(PUBLIC_CHANNEL_PUBLIC_UUID),
            title: "Website Signups",
            created_at: "2025-02-01T12:00:00.000Z",
            referring_id: ACME_COMPANY_ID,
            receiving_id: ACME_COMPANY_ID,
            creator: ACME_COMPANY_ID,
            partner_companies_id: None,
            currency: "EUR",
            no_auth_api: true,
            accessible: true,
            properties: vec![
                prop(
                    id("f0000002-0000-4000-8000-000000000001"),
                    "Budget",
                    "number",
                    1,
                ),
                PropertyDef {
                    options: &["Germany", "France", "Spain", "Other"],
                    ..prop(
                        id("f0000002-0000-4000-8000-000000000002"),
                        "Country",
                        "select",
                        2,
                    )
                },
                prop(
                    id("f0000002-0000-4000-8000-000000000003"),
                    "Message",
                    "text",
                    3,
                ),
            ],
            statuses: statuses(2),
        },
        Channel {
            id: id(PRIVATE_CHANNEL_ID),
            public_uuid: id("c3d4e5f6-0000-4000-8000-00000000beef"),
            title: "Globex Partner Channel",
            created_at: "2025-03-10T08:30:00.000Z",
            referring_id: GLOBEX_COMPANY_ID,
            receiving_id: UMBRELLA_COMPANY_ID,
            creator: GLOBEX_COMPANY_ID,
            partner_companies_id: None,
            currency: "USD",
            no_auth_api: false,
            accessible: false,
            properties: vec![prop(
                id("f0000003-0000-4000-8000-000000000001"),
                "Contract value",
                "number",
                1,
            )],
            statuses: statuses(3),
        },
    ]
}

/// The seeded lead on the private channel.
pub(crate) fn seeded_leads(channels: &[Channel]) -> Vec<Lead> {
    let status = channels
        .iter()
        .find(|c| c.id == id(PRIVATE_CHANNEL_ID))
        .and_then(|c| c.statuses.first())
        .map_or(Uuid::nil(), |s| s.id);
    vec![Lead {
        id: id(PRIVATE_LEAD_ID),
        legacy_id: PRIVATE_LEAD_LEGACY_ID,
        created_at: "2025-03-11T10:00:00.000Z".into(),
        channels_id: id(PRIVATE_CHANNEL_ID),
        lead_status_id: status,
        email: Some("hank@globex.example".into()),
        first_name: Some("Hank".into()),
        last_name: Some("Scorpio".into()),
        phone: None,
        company_name: Some("Globex Corporation".into()),
        source: Some("Referral".into()),
        notes: None,
        business_id: Some("GLX-0001".into()),
        employee: None,
        property_values: Vec::new(),
    }]
}

#[cfg(test)]
mod tests {
    use super::super::data::Data;
    use super::*;

    #[test]
    fn seeded_ids_match_the_public_constants_and_are_unique() {
        let data = Data::seeded();
        let ids: Vec<String> = data.channels.iter().map(|c| c.id.to_string()).collect();
        assert_eq!(
            ids,
            [PRIMARY_CHANNEL_ID, PUBLIC_CHANNEL_ID, PRIVATE_CHANNEL_ID]
        );
        assert_eq!(
            data.channels[0].properties[0].id.to_string(),
            DEAL_SIZE_PROPERTY_ID
        );
        assert_eq!(data.channels[0].properties[0].name, "Deal size");
        assert_eq!(
            data.channels[0].statuses[0].id.to_string(),
            "e0000001-0000-4000-8000-000000000001"
        );
        assert_eq!(
            data.channels[2].statuses[4].id.to_string(),
            "e0000003-0000-4000-8000-000000000005"
        );
        let mut all: Vec<Uuid> = Vec::new();
        for c in &data.channels {
            all.push(c.id);
            all.push(c.public_uuid);
            all.extend(c.properties.iter().map(|p| p.id));
            all.extend(c.statuses.iter().map(|s| s.id));
        }
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n, "seeded ids must be unique");
    }
}
