//! The integration tests: the real `leadctl` binary against real HTTP servers on 127.0.0.1.
//! One test binary, so linking happens once.
#![allow(clippy::unwrap_used)]

mod support;

mod api;
mod apply;
mod auto_concurrency;
mod bad_input;
mod campaign;
mod channels;
mod checksum;
mod cli;
mod completions;
mod config;
mod create;
mod create_errors;
mod dates;
mod exports;
mod faults;
mod fields;
mod fuzz;
mod heartbeat;
mod help;
mod hostile;
mod identity;
mod import;
mod install;
mod journey;
mod lead_changes;
mod leads;
mod ledger;
mod ledger_command;
mod ledger_postgres;
mod mapping;
mod network;
mod pg_auth;
mod pg_frozen;
mod plan;
mod polish;
mod purchases;
mod query;
mod real_exports;
mod refusals;
mod report;
mod runs;
mod sandbox;
mod sandbox_capacity;
mod sandbox_faults;
mod sandbox_state;
mod security;
mod settle;
mod store_contract;
mod sync;
mod terminal;
mod types;
mod workbook;
