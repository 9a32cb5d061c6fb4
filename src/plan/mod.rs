//! A run's plan as data, shared by every command that plans (`import`, `purchases import`,
//! `create`) and by `apply`: what it would do, counted and checked against the run's limits
//! (`counts`, `limits`), and the writes kept and saved for `apply` (`out`). The saved plan's
//! format and its checks are `saved_plan` (a leaf); deciding each row is the command's.

mod counts;
mod limits;
mod out;

pub use counts::Counts;
pub use limits::Limits;
pub use out::{needs_ledger, save, Made, Saved};
