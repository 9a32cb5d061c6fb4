pub mod cli;
pub mod commands;
pub mod sandbox;
