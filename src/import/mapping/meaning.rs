//! What a recognised column name stands for (a lead field, the channel, the status, or a known
//! export column left out, and why): the vocabulary of the alias table (`names.rs` holds its
//! data, `aliases.rs` its rules).

/// What a recognised name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
    /// A lead field, by its API name.
    Field(&'static str),
    /// The row's channel.
    Channel,
    /// The lead's status (a name or id of one of the channel's statuses).
    Status,
    /// A standard export column with no lead field: left out with this reason.
    Known(Why),
}

/// Why a known column is not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// A marketing lifecycle stage (HubSpot's subscriber, lead, customer...): not a channel's
    /// status; `--map COLUMN=status` sends it as one.
    Lifecycle,
    /// The CRM user who owns the record, not the employee who referred the lead.
    Owner,
    /// A job title or salutation.
    Title,
    Address,
    Date,
    /// Other CRM data (marketing, firmographics, record keeping).
    Other,
}

impl Why {
    /// The note beside the column in the mapping said on stderr.
    pub fn note(self) -> &'static str {
        match self {
            Why::Lifecycle => {
                "a marketing lifecycle stage, not a lead status; --map COLUMN=status moves leads by it"
            }
            Why::Owner => {
                "the CRM's owner, not the referring employee; --map COLUMN=employee sends it"
            }
            Why::Title => "a job title or salutation: no lead field",
            Why::Address => "an address: no lead field",
            Why::Date => "a date kept by the CRM: no lead field",
            Why::Other => "CRM data with no lead field",
        }
    }

    /// The heading in `leadctl help columns`.
    pub(super) fn heading(self) -> &'static str {
        match self {
            Why::Lifecycle => "lifecycle stages (marketing stages, not the channel's statuses)",
            Why::Owner => "record owners (the CRM's user, not the referring employee)",
            Why::Title => "job titles and salutations",
            Why::Address => "addresses",
            Why::Date => "dates the CRM keeps",
            Why::Other => "other CRM data",
        }
    }
}

/// One meaning's names of one tier (1 is best).
pub struct Group {
    pub meaning: Meaning,
    pub tier: u8,
    pub names: &'static [&'static str],
}
