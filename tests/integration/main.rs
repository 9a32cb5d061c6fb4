//! The integration tests: the real `leadctl` binary against real HTTP servers on 127.0.0.1.
//! One test binary, so linking happens once (STYLE.md section 5).
#![allow(clippy::unwrap_used)]

mod support;

mod api_commands;
mod bad_input;
mod cli;
mod completions;
mod config;
mod create;
mod faults;
mod fuzz;
mod help;
mod hostile;
mod import;
mod sandbox;
mod security;
mod terminal;
