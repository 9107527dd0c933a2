//! The scenario file as written: serde structs that mirror `SCENARIO.md`, nothing more.
//!
//! Every struct denies unknown keys, so a typo is an error naming the key instead of a silently
//! ignored setting. Values are checked and turned into domain types in `config::validate`; the
//! engine and models never see these types.

use serde::Deserialize;

use super::duration::RawDuration;
use crate::dist::RawDist;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub simulation: RawSimulation,
    #[serde(default)]
    pub pricing: RawPricing,
    pub lambda: Option<RawLambda>,
    #[serde(default)]
    pub workload: Vec<RawWorkload>,
    /// Event sources that Lambda polls (event-source mappings).
    #[serde(default)]
    pub queue: Vec<RawQueue>,
    // Sections of the contract whose models arrive with later releases. They are accepted by
    // the parser so that validation can say exactly what is not supported yet, instead of
    // calling them unknown keys.
    pub apigateway: Option<toml::Value>,
    pub api: Option<toml::Value>,
    pub service: Option<toml::Value>,
    pub trace: Option<toml::Value>,
    pub sweep: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSimulation {
    pub name: String,
    pub duration: RawDuration,
    pub seed: Option<u64>,
    pub warmup: Option<RawDuration>,
    pub replications: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPricing {
    pub region: Option<String>,
    pub free_tier: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawScaling {
    PerFunction,
    AccountBurst,
    Unlimited,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawSelection {
    NewestCreated,
    MostRecentlyUsed,
    LeastRecentlyUsed,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLambda {
    pub concurrency_limit: Option<u32>,
    pub unreserved_minimum: Option<u32>,
    pub scaling: Option<RawScaling>,
    pub burst: Option<u32>,
    /// Which idle environment takes the next request (slsim extension).
    pub idle_selection: Option<RawSelection>,
    #[serde(default)]
    pub function: Vec<RawFunction>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RawArchitecture {
    #[serde(rename = "x86_64")]
    X86_64,
    Arm64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFunction {
    pub name: String,
    pub runtime: Option<String>,
    pub architecture: Option<RawArchitecture>,
    pub memory_size: Option<i64>,
    pub timeout: Option<RawDuration>,
    pub ephemeral_storage: Option<i64>,
    pub reserved_concurrency: Option<i64>,
    pub provisioned_concurrency: Option<i64>,
    pub keep_alive: Option<RawDist>,
    pub init_duration: Option<RawDist>,
    pub error_rate: Option<f64>,
    pub maximum_retry_attempts: Option<i64>,
    pub maximum_event_age: Option<RawDuration>,
    pub on_failure: Option<String>,
    pub copies: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawInvocation {
    Sync,
    Async,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    pub name: String,
    pub target: Option<String>,
    pub targets: Option<Vec<String>>,
    pub route: Option<String>,
    pub invocation: Option<RawInvocation>,
    /// Where the load comes from (`"s3"`, `"sns"`, `"eventbridge"`, or any label).
    pub source: Option<String>,
    pub arrivals: RawArrivals,
    pub duration: RawDist,
    pub cpu_bound: Option<f64>,
    pub threads: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawProcess {
    Poisson,
    Constant,
}

/// Flat rather than a tagged enum, so a bad value is reported at its own key path
/// (`workload[0].arrivals.rate`); which keys a process needs is checked in validation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawArrivals {
    pub process: RawProcess,
    pub rate: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawQueueKind {
    Sqs,
    SqsFifo,
    Kinesis,
    DynamodbStream,
}

/// `[[queue]]`: a queue or stream and the event-source mapping that polls it. The keys after
/// `parallelization_factor` are slsim extensions (documented in the README).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQueue {
    pub name: String,
    pub kind: RawQueueKind,
    pub target: Option<String>,
    pub batch_size: Option<i64>,
    pub batch_window: Option<RawDuration>,
    pub maximum_concurrency: Option<i64>,
    pub shards: Option<i64>,
    pub parallelization_factor: Option<i64>,
    pub visibility_timeout: Option<RawDuration>,
    pub max_receive_count: Option<i64>,
    pub retention: Option<RawDuration>,
    pub message_groups: Option<i64>,
    pub maximum_retry_attempts: Option<i64>,
    pub maximum_record_age: Option<RawDuration>,
}
