//! The run report and CI options of `import`, `create`, `purchases import` and `apply`
//! (doc/cli.md).

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Clone, Default, Args)]
pub struct CiArgs {
    /// Write the run's report, one JSON document (doc/report.schema.json), to FILE when the run
    /// ends, also when it fails or is interrupted [env: LEADCTL_REPORT]
    #[arg(long, value_name = "FILE", help_heading = "Reporting")]
    pub report: Option<PathBuf>,

    /// Under GitHub Actions (GITHUB_ACTIONS=true), write no job summary, no annotations and no
    /// step outputs
    #[arg(long, help_heading = "Reporting")]
    pub no_ci_annotations: bool,
}
