//! One module per subcommand, each with a `run` entry point that takes resolved settings and
//! writes data through the `Output` it is given.

pub mod api;
pub mod channels;
pub mod completions;
pub mod config;
pub mod create;
pub mod help;
pub mod import;
pub mod leads;
pub mod man;
pub mod properties;
pub mod purchases;
pub mod sandbox;
