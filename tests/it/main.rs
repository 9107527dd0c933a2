//! Integration tests: one binary, one file per feature.

mod bad_input;
mod common;
mod conservation;
mod determinism;
mod lifecycle;
mod logs;
mod pricing;
mod queueing;
mod scaling;
mod scenarios;
