//! slsim: a fast, deterministic discrete-event simulator of serverless capacity and cost.
//!
//! Layers, data flowing one way: [`config`] (scenario file -> validated [`config::Scenario`]),
//! [`workload`] (request streams), platform models ([`lambda`], and [`esm`], the event-source
//! mappings that feed it from queues and streams) on the [`engine`], [`metrics`] in bounded
//! memory, then [`summary`] and [`report`] (JSON, CSV, charts, terminal table).

pub mod apigw;
pub mod app;
pub mod config;
pub mod dist;
pub mod engine;
pub mod esm;
pub mod lambda;
pub mod metrics;
pub mod pricing;
pub mod recommend;
pub mod report;
pub mod service;
pub mod sim;
pub mod slo;
pub mod summary;
pub mod sweep;
pub mod token_bucket;
pub mod trace;
pub mod workload;
