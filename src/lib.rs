pub mod cli;
pub mod sandbox;
