//! `leadctl apply PLAN`: a plan saved by `--dry-run --plan-out PLAN`, executed exactly (doc/plan.md).

use std::path::PathBuf;

use clap::Args;

use super::CiArgs;

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

    /// Send nothing when the plan holds more than N changes: purchases (exit 6) [default: the
    /// profile's max_changes]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64))]
    pub max_changes: Option<u64>,

    #[command(flatten)]
    pub ci: CiArgs,
}
