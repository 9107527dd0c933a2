//! Integration tests: one binary, one file per feature.

mod apigw;
mod architecture;
mod arrivals;
mod asynchronous;
mod bad_input;
mod capacity;
mod common;
mod conservation;
mod determinism;
mod docs_outputs;
mod keep_alive;
mod lifecycle;
mod logs;
mod pricing;
mod provisioned;
mod queueing;
mod queues;
mod reports;
mod runtimes;
mod scaling;
mod scenarios;
mod service_scaling;
mod services;
mod sweeps;
mod traces;
mod versions;
