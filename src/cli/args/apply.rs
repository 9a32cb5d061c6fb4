//! `leadctl apply PLAN`: a plan saved by `--dry-run --plan-out PLAN`, executed exactly (doc/plan.md).

use std::path::PathBuf;

use clap::Args;

use super::{CiArgs, GateArgs};

#[derive(Debug, Clone, Args)]
pub struct ApplyArgs {
    /// The plan file written by `--dry-run --plan-out PLAN` (`import`, `purchases import`,
    /// `create`)
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,

    /// Send nothing when the plan holds more than N lead creates (exit 6) [default: the
    /// profile's max_create]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64))]
    pub max_create: Option<u64>,

    /// Send nothing when the plan holds more than N changes: updates, status moves and
    /// purchases (exit 6) [default: the profile's max_changes]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64))]
    pub max_changes: Option<u64>,

    /// Go on although this ledger has never seen a channel whose newest-leads window is full
    /// (100 leads: older ones cannot be checked, so leads created elsewhere may be created
    /// again); without it such an apply stops before the first create (exit 3), or asks on a
    /// terminal
    #[arg(long)]
    pub new_ledger: bool,

    #[command(flatten)]
    pub gate: GateArgs,

    #[command(flatten)]
    pub ci: CiArgs,
}
