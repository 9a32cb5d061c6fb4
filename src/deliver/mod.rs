//! Exactly once, for any write (doc/architecture.md, doc/ledger.md). A [`Work`] (a lead create,
//! an update, a status move, a purchase) has a ledger key, the values it means to write and a way
//! to send itself; this module decides it against the ledger ([`rule`]), claims its key durably
//! before the request and records the answer after ([`claim`], [`deliver`]), and says what it
//! came to ([`Outcome`]).
//!
//! It knows no file, row, column or lead field, and no clap type: the import and `create` build
//! works and hand them here. It uses the ledger and the API client, and nothing above them.

pub mod ahead;
pub mod claim;
pub mod concurrency;
pub mod ending;
pub mod gate;
pub mod outcome;
pub mod pace;
pub mod pipeline;
pub mod rule;
pub mod run;
pub mod scope;
pub mod setting;
pub mod settle;
pub mod split;
pub mod work;
pub mod write;

#[cfg(test)]
pub(crate) mod tests;

pub use claim::Place;
pub use outcome::{classify, Counts, Outcome};
pub use rule::{decide, Decision, Policy};
pub use run::{Ended, Run};
pub use work::{
    deliver, deliver_update, record_values, Answered, Attempt, Delivered, Target, Work,
};
