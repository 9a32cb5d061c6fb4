//! Everything leadctl knows about the KeenPartner API (doc/api.md): the blocking client and its
//! transport rules (which failures are retried, a create only when the server provably did not
//! process it; redirects never followed; plain http only to loopback; the key never logged),
//! the typed errors, the request and response models with the one definition of a lead's
//! fields, and the rules for finding channels and properties by what a user types.
//!
//! The client prints nothing: it reports requests, answers and waits as `Event`s to the
//! `Observer` its caller gives it.

pub mod cache;
pub mod client;
pub mod error;
pub mod event;
pub mod models;
pub mod properties;
mod response;
pub mod retry;
pub mod status;
pub mod url;

pub use client::{ApiClient, CallStats, ClientConfig};

/// The actions of the API (doc/api.md, "Actions"). `leadctl api` sends others too, with a
/// warning.
pub const ACTIONS: &[&str] = &[
    "get_channels",
    "get_leads",
    "get_lead_by_id",
    "get_lead_by_legacy_id",
    "create_lead",
    "update_lead",
    "update_status",
    "update_status_id",
    "create_purchase",
    "lead_external",
];
pub use error::{error_message, excerpt, ApiError};
pub use event::{Event, Observer};
pub use response::MAX_BODY;
pub use retry::{parse_retry_after, Mode, RetryPolicy};
pub use url::{check_url, DEFAULT_API_URL};
