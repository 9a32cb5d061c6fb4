//! The controller's tests: `sim` runs it against simulated servers (a discrete-event simulation,
//! no sleeping), `servers` checks how it behaves against them, `gate` the gate's own rules.

mod engine;
mod gate;
mod rate;
mod servers;
mod sim;
mod slow_start;
