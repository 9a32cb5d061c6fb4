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
    /// The statuses after this one in the channel's order (id, name): moving a lead from one
    /// of them here is a move back (`write = "forward_only"` refuses it).
    pub later: Vec<(String, String)>,
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

    /// The name of the status a lead at `current` (a status id) would move back from, if
    /// moving it here is a move back in the channel's order.
    pub fn back_from(&self, current: &str) -> Option<&str> {
        self.later
            .iter()
            .find(|(id, _)| id.eq_ignore_ascii_case(current))
            .map(|(_, name)| name.as_str())
    }
}
