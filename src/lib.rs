//! slsim: a fast, deterministic discrete-event simulator of serverless capacity and cost.
//!
//! Layers, each using only those below it (`tests/it/architecture.rs` checks every
//! `crate::` path against this order):
//! 1. base: [`engine`] (simulated time, the event queue; knows nothing of AWS), [`units`],
//!    [`problem`], [`files`] (atomic writes), [`progress`];
//! 2. scenario inputs: [`dist`], [`pricing`], [`token_bucket`], [`metrics`], [`trace`] readers;
//! 3. the scenario: [`config`] (raw TOML types, validation into domain types, the models'
//!    settings, `[slo]` and `[sweep]` specs), importing no platform model;
//! 4. [`event`], then the platform models: [`workload`], [`lambda`], [`service`], [`esm`],
//!    [`apigw`];
//! 5. one run: [`sim`], [`summary`], [`run`], [`slo`] checks;
//! 6. [`sweep`], [`recommend`]; then [`report`] (JSON, CSV, charts, HTML);
//! 7. the commands: [`app`] (and the binary).

pub mod apigw;
pub mod app;
pub mod compare;
pub mod config;
pub mod dist;
pub mod engine;
pub mod esm;
pub mod event;
pub mod files;
pub mod import;
pub mod lambda;
pub mod metrics;
pub mod pricing;
pub mod problem;
pub mod progress;
pub mod recommend;
pub mod report;
pub mod run;
pub mod service;
pub mod sim;
pub mod slo;
pub mod summary;
pub mod sweep;
pub mod token_bucket;
pub mod trace;
pub mod units;
pub mod warnings;
pub mod workload;
