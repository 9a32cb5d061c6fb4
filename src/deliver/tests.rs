//! Unit tests of the delivery engine.
