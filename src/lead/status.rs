//! The status a lead is to be moved to, resolved on its channel (by id, or by name), and what the
//! ledger keeps of the status leadctl set (`lead::moves`).

use crate::ledger::{identity, Fields};

/// The status a row asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub id: String,
    /// The status's name on the channel (as the channel spells it).
    pub name: String,
    /// The cell gave the id: sent with `update_status_id`, else `update_status` with `name`.
    pub by_id: bool,
    /// The channel's first status: what a new lead gets without a move.
    pub first: bool,
}

impl Wanted {
    /// What the ledger keeps of the status leadctl set.
    pub fn fields(&self) -> Fields {
        let mut f = Fields::new();
        f.insert("status".into(), self.name.clone().into());
        f.insert("status_id".into(), self.id.to_lowercase().into());
        f
    }

    pub fn hash(&self) -> String {
        identity::hash_fields(&self.fields())
    }

    pub fn shown(&self) -> String {
        crate::log::quoted(&self.name)
    }
}
