//! PLACEHOLDER until the sandbox branch is merged.
use anyhow::Result;
pub fn run(_cmd: &crate::cli::SandboxCommand, _quiet: bool) -> Result<()> {
    anyhow::bail!("sandbox not merged yet")
}
