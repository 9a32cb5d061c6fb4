//! How much one run may fire (`--max-create`, `--max-changes`, a mapping file's or the profile's
//! limits): a leaf the mapping file, the settings and the plan that counts against it share.

/// How much one run may fire: `--max-create`, `--max-changes` (updates + moves + purchases).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    pub max_create: Option<u64>,
    pub max_changes: Option<u64>,
}

impl Limits {
    pub fn is_set(&self) -> bool {
        self.max_create.is_some() || self.max_changes.is_some()
    }
}
