//! Integration tests: one binary, one file per feature.

mod asynchronous;
mod bad_input;
mod common;
mod conservation;
mod determinism;
mod lifecycle;
mod pricing;
mod queueing;
mod queues;
mod scaling;
mod scenarios;
