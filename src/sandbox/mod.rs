//! The built-in emulator of the KeenPartner API (`leadctl sandbox serve`, `--sandbox`).
//!
//! INTERFACE CONTRACT (used by the rest of leadctl; keep these names):
//! - `Options` (from `cli::ServeArgs` via `Options::from_args`, or `Options::ephemeral()` for
//!   `--sandbox`: 127.0.0.1:0, no faults, no request log).
//! - `Sandbox::start(opts) -> anyhow::Result<Sandbox>`: binds and serves on background threads;
//!   `addr()`, `url()` (`http://ADDR/functions/v1/keen-api`), `shutdown()`.
//! - `API_KEY`, `PRIMARY_CHANNEL_ID`, `PUBLIC_CHANNEL_ID`, `PRIVATE_CHANNEL_ID`, `DEAL_SIZE_PROPERTY_ID`.

pub const API_KEY: &str = "5a4d1c2b-8e7f-4a3b-9c6d-0e1f2a3b4c5d";
pub const PRIMARY_CHANNEL_ID: &str = "a1b2c3d4-e5f6-7890-abcd-ef1234567890";
pub const PUBLIC_CHANNEL_ID: &str = "b2c3d4e5-f6a7-4890-8bcd-ef1234567891";
pub const PRIVATE_CHANNEL_ID: &str = "c3d4e5f6-a7b8-4901-9cde-f12345678902";
pub const DEAL_SIZE_PROPERTY_ID: &str = "11111111-2222-3333-4444-555555555555";

// PLACEHOLDER until the sandbox branch is merged.
pub struct Options;
impl Options {
    pub fn ephemeral() -> Options {
        Options
    }
}
pub struct Sandbox;
impl Sandbox {
    pub fn start(_o: Options) -> anyhow::Result<Sandbox> {
        anyhow::bail!("sandbox not merged yet")
    }
    pub fn url(&self) -> String {
        String::new()
    }
}
