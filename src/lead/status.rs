//! The status a lead is to be moved to, resolved on its channel (by id, or by name), and what the
//! ledger keeps of the status leadctl set (`lead::moves`).

use crate::identity::{self, Fields};

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
    /// The channel's statuses the run calls final (`[fields.status] final = [...]`), (id,
    /// name): with `forward_only`, a lead at one of them is moved nowhere else.
    pub finals: Vec<(String, String)>,
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

    /// Why `write = "forward_only"` keeps a lead at `current` (a status id) from moving here,
    /// naming both statuses: `current` is final (and not this one), or later in the order.
    pub fn refused_from(&self, current: &str) -> Option<String> {
        if self.id.eq_ignore_ascii_case(current) {
            return None;
        }
        if let Some((_, name)) = self
            .finals
            .iter()
            .find(|(id, _)| id.eq_ignore_ascii_case(current))
        {
            let name = crate::log::quoted(name);
            return Some(format!(
                "not moved from {name} to {}: {name} is final ([fields.status] final)",
                self.shown()
            ));
        }
        self.back_from(current).map(|from| {
            format!(
                "not moved back from {} to {} (write = \"forward_only\")",
                crate::log::quoted(from),
                self.shown()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(id: &str, name: &str) -> Wanted {
        Wanted {
            id: id.into(),
            name: name.into(),
            by_id: false,
            first: false,
            later: vec![("s4".into(), "Won".into()), ("s5".into(), "Lost".into())],
            finals: vec![("s4".into(), "Won".into()), ("s5".into(), "Lost".into())],
        }
    }

    #[test]
    fn forward_only_refuses_moves_back_and_out_of_final_statuses() {
        let proposal = wanted("s3", "Proposal sent");
        assert_eq!(
            proposal.refused_from("S4").as_deref(),
            Some("not moved from \"Won\" to \"Proposal sent\": \"Won\" is final ([fields.status] final)")
        );
        assert_eq!(proposal.refused_from("s2"), None, "forward");
        let lost = Wanted {
            later: Vec::new(),
            ..wanted("s5", "Lost")
        };
        assert_eq!(
            lost.refused_from("s4").as_deref(),
            Some("not moved from \"Won\" to \"Lost\": \"Won\" is final ([fields.status] final)"),
            "Lost comes after Won, but Won is final"
        );
        assert_eq!(lost.refused_from("s5"), None, "there already");
        let plain = Wanted {
            finals: Vec::new(),
            ..wanted("s3", "Proposal sent")
        };
        assert_eq!(
            plain.refused_from("s4").as_deref(),
            Some("not moved back from \"Won\" to \"Proposal sent\" (write = \"forward_only\")")
        );
        let lost_plain = Wanted {
            finals: Vec::new(),
            later: Vec::new(),
            ..wanted("s5", "Lost")
        };
        assert_eq!(
            lost_plain.refused_from("s4"),
            None,
            "by order, a move forward"
        );
    }
}
