//! Integration tests: one binary, one file per feature.

mod bad_input;
mod common;
mod conservation;
mod determinism;
mod lifecycle;
mod pricing;
mod queueing;
mod runtimes;
mod scaling;
mod scenarios;
