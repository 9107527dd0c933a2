//! The scenario file as written: serde structs that mirror the book's scenario reference
//! (`docs/src/reference/scenario.md`), nothing more.
//!
//! Their `///` comments and `#[schemars(...)]` attributes become the descriptions, defaults and
//! ranges of the JSON Schema (`slsim schema`), so they are written for users of the TOML file;
//! notes for developers are `//` comments.
//!
//! Every struct denies unknown keys, so a typo is an error naming the key instead of a silently
//! ignored setting. Values are checked and turned into domain types in `config::validate`; the
//! engine and models never see these types.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dist::RawDist;
use crate::units::RawDuration;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Required. What is simulated (its name), for how long, and with which randomness.
    pub simulation: RawSimulation,
    /// Which price table applies, and how free tiers and volume tiers apply to the period.
    #[serde(default)]
    pub pricing: RawPricing,
    /// Lambda's account-level settings in the region, and its functions
    /// (`[[lambda.function]]`).
    pub lambda: Option<RawLambda>,
    /// Streams of requests, each sent to one target or copied to several. At least one is
    /// required unless `[[trace]]` items give the load.
    #[serde(default)]
    pub workload: Vec<RawWorkload>,
    /// Queues and streams (SQS, SQS FIFO, Kinesis, DynamoDB Streams) with the event-source
    /// mapping that polls them and invokes a function with batches of records.
    #[serde(default)]
    pub queue: Vec<RawQueue>,
    /// API Gateway's account-level throttle in the region, shared by every API.
    pub apigateway: Option<RawApiGateway>,
    /// API Gateway APIs (HTTP, REST or WebSocket) in front of functions or services.
    #[serde(default)]
    pub api: Vec<RawApi>,
    /// Tasks (ECS on Fargate or on EC2) or EC2 instances that each serve several requests at
    /// once, behind an optional Application Load Balancer.
    #[serde(default)]
    pub service: Vec<RawService>,
    /// Recorded workloads (Azure Functions datasets or a CSV of requests) replayed as Lambda
    /// invocations.
    #[serde(default)]
    pub trace: Vec<crate::trace::RawTrace>,
    /// Read by `slsim sweep`: which key paths vary, over which values, and how they combine.
    /// `slsim run` ignores it and runs the scenario as written.
    // Read as TOML by `SweepSpec` (its keys are key paths); described by `SweepSchema`.
    #[schemars(with = "Option<super::sweep::SweepSchema>")]
    pub sweep: Option<toml::Value>,
    /// Service-level objectives (upper limits) that `slsim recommend` and `report.html` use
    /// to pick the cheapest configuration that meets them.
    // Validated into `crate::config::slo::Slo`.
    pub slo: Option<RawSlo>,
}

/// Service-level objectives: upper limits, each optional (at least one is required), and the
/// components they apply to. A figure meets a limit when it is at most the limit.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSlo {
    /// Upper limit of the median latency (`latency_ms.p50`) of every function, API and service,
    /// in ms; above 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub p50_ms: Option<f64>,
    /// Upper limit of the 90th-percentile latency (`latency_ms.p90`), in ms; above 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub p90_ms: Option<f64>,
    /// Upper limit of the 95th-percentile latency (`latency_ms.p95`), in ms; above 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub p95_ms: Option<f64>,
    /// Upper limit of the 99th-percentile latency (`latency_ms.p99`), in ms; above 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub p99_ms: Option<f64>,
    /// Upper limit of the mean latency (`latency_ms.mean`), in ms; above 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub mean_ms: Option<f64>,
    /// Upper limit of functions' throttle ratio and APIs' throttles / requests, a fraction in
    /// 0..=1 (0.001 = 0.1%).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 1))]
    pub throttle_ratio: Option<f64>,
    /// Upper limit of functions' cold-start ratio, a fraction in 0..=1.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 1))]
    pub cold_start_ratio: Option<f64>,
    /// Upper limit of (errors + timeouts) / invocations of functions and / requests of APIs, a
    /// fraction in 0..=1.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 1))]
    pub error_ratio: Option<f64>,
    /// Upper limit of services' rejected / requests, a fraction in 0..=1.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 1))]
    pub rejected_ratio: Option<f64>,
    /// Upper limit of the total cost (`cost_usd.total`) of the simulated period, in US
    /// dollars; 0 or more.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub cost_usd: Option<f64>,
    /// Only these components are checked (`function:NAME`, `api:NAME`, `service:NAME`, each
    /// once). Default: every component.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<String>>,
}

/// What is simulated, for how long, and with which randomness.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSimulation {
    /// Required. Names the output folder `output/<name>/` and the scenario in every output:
    /// 1-128 letters, digits, `-`, `_`, `.`, not starting with `.`.
    pub name: String,
    /// Required. Requests arrive in `[0, duration)`; then the run drains work in flight.
    /// Above "0s", at most "366d".
    pub duration: RawDuration,
    /// The master seed of every random stream; `--seed N` overrides it. Default 1.
    #[schemars(extend("default" = 1))]
    pub seed: Option<u64>,
    /// Requests arriving before `warmup` are simulated but left out of every figure and cost.
    /// Shorter than `duration`. Default "0s".
    #[schemars(extend("default" = "0s"))]
    pub warmup: Option<RawDuration>,
    /// Independent runs with seeds derived from `seed`; the summary gives their mean and 95%
    /// confidence interval. 1..=10000. Default 1.
    #[schemars(extend("default" = 1))]
    #[schemars(range(min = 1, max = 10000))]
    pub replications: Option<u32>,
    /// The width of a row of `timeseries.csv` (and of a point of the time charts): "auto", or a
    /// duration of whole minutes from "1m" up to the run's `duration`. "auto" keeps a row per
    /// minute for runs up to 7 days and otherwise takes the finest of 5m, 15m, 1h, 6h, 1d that
    /// keeps at most 10,080 rows (a year: 1h). Default "auto".
    #[schemars(extend("default" = "auto"))]
    pub timeseries_step: Option<RawTimeseriesStep>,
}

/// `timeseries_step`: "auto" or a duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawTimeseriesStep {
    Auto,
    Every(crate::engine::SimDuration),
}

impl<'de> Deserialize<'de> for RawTimeseriesStep {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct StepVisitor;
        impl serde::de::Visitor<'_> for StepVisitor {
            type Value = RawTimeseriesStep;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(f, "\"auto\" or {}", crate::units::UNITS_HELP)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawTimeseriesStep, E> {
                if v.trim() == "auto" {
                    return Ok(RawTimeseriesStep::Auto);
                }
                crate::units::parse_duration(v)
                    .map(RawTimeseriesStep::Every)
                    .map_err(|e| E::custom(format!("{e}, or \"auto\"")))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RawTimeseriesStep, E> {
                Err(E::custom(format!(
                    "bare number {v} is not a step: use \"auto\" or a duration such as \"{v}m\""
                )))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawTimeseriesStep, E> {
                self.visit_i64(v as i64)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<RawTimeseriesStep, E> {
                Err(E::custom(format!(
                    "bare number {v} is not a step: use \"auto\" or a duration such as \"1h\""
                )))
            }
        }
        d.deserialize_any(StepVisitor)
    }
}

impl JsonSchema for RawTimeseriesStep {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TimeseriesStep".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let duration = generator.subschema_for::<RawDuration>();
        schemars::json_schema!({
            "description": "\"auto\" or a duration of whole minutes (\"5m\", \"1h\").",
            "anyOf": [{ "const": "auto" }, duration]
        })
    }
}

/// Which price table applies, and how free tiers and volume tiers apply to the simulated
/// period.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPricing {
    /// The price table; slsim ships "us-east-1" only (prices as published in 2026). Default
    /// "us-east-1".
    #[schemars(extend("default" = "us-east-1"))]
    pub region: Option<String>,
    /// Apply Lambda's always-free tier (1M requests, 400,000 GB-s a month) and API Gateway's
    /// 12-month free tier. Default false.
    #[schemars(extend("default" = false))]
    pub free_tier: Option<bool>,
    /// How monthly volume tiers and free tiers apply to a period shorter than a month:
    /// "period" or "monthly". Default "period".
    #[schemars(extend("default" = "period"))]
    pub volume_tiers: Option<RawVolumeTiers>,
}

/// How monthly volume tiers and free tiers apply to the simulated period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawVolumeTiers {
    /// The simulated period is the billing month, starting from zero usage.
    Period,
    /// Usage is scaled to a 30-day month, priced there, and the cost scaled back to the period.
    Monthly,
}

/// `[apigateway]`: the account-level token bucket shared by every API of the region.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawApiGateway {
    /// Refill rate of the account's token bucket, in requests per second; above 0, at most
    /// 1e7. AWS: 10,000 per account and region. Default 10000.0.
    #[schemars(extend("default" = 10000.0, "exclusiveMinimum" = 0))]
    #[schemars(range(max = 10000000.0))]
    pub rate: Option<f64>,
    /// Size of the account's token bucket, in requests; 0..=10000000. AWS: 5,000. Default
    /// 5000.
    #[schemars(extend("default" = 5000))]
    #[schemars(range(min = 0, max = 10000000))]
    pub burst: Option<i64>,
}

/// A token bucket: starts full with `burst` tokens, refills at `rate` a second; a request
/// without a token is rejected with 429.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawThrottle {
    /// Required. Refill rate in requests per second; above 0, at most 1e7.
    #[schemars(extend("exclusiveMinimum" = 0))]
    #[schemars(range(max = 10000000.0))]
    pub rate: f64,
    /// Required. Bucket size in requests; 0..=10000000.
    #[schemars(range(min = 0, max = 10000000))]
    pub burst: i64,
}

/// The API type; prices, limits and features differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawApiType {
    /// HTTP API: $1.00 per million requests, metered in 512 KB units; timeout 30 s.
    Http,
    /// REST API: $3.50 per million requests for the first 333 million; caches, usage plans.
    Rest,
    /// WebSocket API: priced per message (32 KB units) and per connection minute.
    Websocket,
}

/// The endpoint type; HTTP and WebSocket APIs are regional only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawEndpoint {
    /// Regional endpoint (default overhead 10 ms for REST, 5 ms otherwise).
    Regional,
    /// REST only: edge-optimised, through CloudFront (default overhead 25 ms).
    Edge,
    /// REST only: private, inside a VPC (default overhead 12 ms).
    Private,
}

/// An API Gateway API with its routes and, for REST APIs, usage plans.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawApi {
    /// Required. The API's name, used in `api:NAME` targets; unique.
    pub name: String,
    /// The API type: "http", "rest" or "websocket". Default "http".
    #[serde(rename = "type")]
    #[schemars(extend("default" = "http"))]
    pub api_type: Option<RawApiType>,
    /// Endpoint type: "regional"; REST APIs also "edge" or "private". Sets the default
    /// `overhead` and the `timeout` range. Default "regional".
    #[schemars(extend("default" = "regional"))]
    pub endpoint: Option<RawEndpoint>,
    /// Integration timeout: a slower integration gives the client 504. From "50ms"; at most
    /// "30s" (HTTP), "29s" (WebSocket, edge REST), "300s" (regional, private REST). Default
    /// "30s" for HTTP, "29s" for REST and WebSocket.
    pub timeout: Option<RawDuration>,
    /// Stage-level throttle, the default of every route. Default: none.
    pub throttle: Option<RawThrottle>,
    /// The gateway's own latency per request (an assumption: AWS publishes no figure).
    /// Default "5ms" for HTTP and WebSocket; REST "10ms" regional, "12ms" private, "25ms" edge.
    pub overhead: Option<RawDist>,
    /// REST only: a response cache, billed per hour at its size's price. Default: none.
    pub cache: Option<RawApiCache>,
    /// The API's routes (at least one).
    #[serde(default)]
    pub route: Vec<RawRoute>,
    /// REST only: usage plans, each a per-API-key throttle and quota.
    #[serde(default)]
    pub usage_plan: Vec<RawUsagePlan>,
}

/// A REST API's response cache: each request asks for one of `keys` uniformly; a key answered
/// within `ttl` is served from the cache.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawApiCache {
    /// Required. Cache size in GB: 0.5, 1.6, 6.1, 13.5, 28.4, 58.2, 118 or 237 ($0.020 to
    /// $3.800 an hour).
    #[schemars(extend("enum" = [0.5, 1.6, 6.1, 13.5, 28.4, 58.2, 118, 237]))]
    pub size_gb: f64,
    /// Time to live of a cached response, "0s"..="3600s". Default "300s".
    #[schemars(extend("default" = "300s"))]
    pub ttl: Option<RawDuration>,
    /// Distinct cache keys that requests draw from uniformly (sets the hit ratio);
    /// 1..=10000000. Default 1000.
    #[schemars(extend("default" = 1000))]
    #[schemars(range(min = 1, max = 10000000))]
    pub keys: Option<i64>,
}

/// A REST usage plan: the throttle and quota of one API key.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawUsagePlan {
    /// Required. The plan's name, unique within the API; workloads send its key with
    /// `api_key`.
    pub name: String,
    /// Per-key throttle, checked first. Default: none.
    pub throttle: Option<RawThrottle>,
    /// Requests allowed per period; beyond it requests get 429. Default: none.
    pub quota: Option<RawQuota>,
}

/// The period of a usage plan's quota, counted from the run's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawQuotaPeriod {
    /// 24 hours.
    Day,
    /// 7 days.
    Week,
    /// 30 days.
    Month,
}

/// A usage plan's quota.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawQuota {
    /// Required. Requests per period; 1..=4294967295.
    #[schemars(range(min = 1, max = 4294967295u32))]
    pub limit: i64,
    /// Required. The period: "day", "week" or "month" (30 days), from the run's start.
    pub period: RawQuotaPeriod,
}

/// A Lambda authorizer: results are cached per client for `cache_ttl`; a miss invokes the
/// authorizer function before the integration.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAuthorizer {
    /// Required. The name of a declared function (no `function:` prefix).
    pub function: String,
    /// Result cache TTL, "0s"..="3600s" ("0s" disables caching). Default "300s".
    #[schemars(extend("default" = "300s"))]
    pub cache_ttl: Option<RawDuration>,
    /// The authorizer handler's run time (an assumption by default). Default "20ms".
    #[schemars(extend("default" = "20ms"))]
    pub duration: Option<RawDist>,
}

/// A route of an API and its integration.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRoute {
    /// Required. The route key, e.g. "POST /orders", unique within the API; named by
    /// workloads' `route`.
    pub route: String,
    /// Required. The integration: `function:NAME` (invoked synchronously) or `service:NAME`.
    pub target: String,
    /// Route-level (method) throttle. Default: the stage's.
    pub throttle: Option<RawThrottle>,
    /// A Lambda authorizer run before the integration. Default: none.
    pub authorizer: Option<RawAuthorizer>,
}

/// How fast Lambda may create new execution environments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawScaling {
    /// Each function may add 1,000 environments every 10 s (AWS since 2023-11-27).
    PerFunction,
    /// The rule before 2023-11-27: an account-wide initial `burst`, then +500 environments a
    /// minute shared by all functions.
    AccountBurst,
    /// No rate limit (concurrency limits still apply).
    Unlimited,
}

/// Which idle environment takes the next request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawSelection {
    /// The newest environment, so older ones expire and the pool shrinks after a peak.
    NewestCreated,
    /// The environment that finished a request last.
    MostRecentlyUsed,
    /// The environment idle the longest.
    LeastRecentlyUsed,
}

/// Lambda's account-level settings in one region, and its functions.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLambda {
    /// The account's concurrent executions in the region, shared by every function, in
    /// environments; 1..=10000000. AWS: 1,000 by default. Default 1000.
    #[schemars(extend("default" = 1000))]
    #[schemars(range(min = 1, max = 10000000))]
    pub concurrency_limit: Option<u32>,
    /// Environments that reservations must leave to every other function; 0 up to
    /// `concurrency_limit`. Default 100 (or `concurrency_limit` if lower).
    #[schemars(extend("default" = 100))]
    #[schemars(range(min = 0, max = 10000000))]
    pub unreserved_minimum: Option<u32>,
    /// How fast new environments may be created: "per-function", "account-burst" or
    /// "unlimited". Default "per-function".
    #[schemars(extend("default" = "per-function"))]
    pub scaling: Option<RawScaling>,
    /// Only with `scaling = "account-burst"`: the account-wide initial burst, in environments;
    /// 1..=10000000 (AWS: 3,000, 1,000 or 500 by region). Default 3000.
    #[schemars(extend("default" = 3000))]
    #[schemars(range(min = 1, max = 10000000))]
    pub burst: Option<u32>,
    /// Which idle environment takes the next request (AWS does not document it; an
    /// assumption). Default "newest-created".
    #[schemars(extend("default" = "newest-created"))]
    pub idle_selection: Option<RawSelection>,
    /// The functions, one item each.
    #[serde(default)]
    pub function: Vec<RawFunction>,
}

/// The processor architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawArchitecture {
    /// Intel or AMD (x86_64).
    #[serde(rename = "x86_64")]
    X86_64,
    /// AWS Graviton (arm64): lower prices.
    Arm64,
}

/// A Lambda function. It needs `name` and either `runtime` or `init_duration`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFunction {
    /// Required. The function's name: 1-64 letters, digits, `-`, `_`; unique.
    pub name: String,
    /// The runtime identifier (e.g. "nodejs20.x", "python3.12", "java21"): sets the default
    /// cold-start init time and whether SnapStart is available. Required unless
    /// `init_duration` is given.
    pub runtime: Option<String>,
    /// "x86_64" or "arm64" (about 20% cheaper duration): the price table and default init
    /// time. Default "x86_64".
    #[schemars(extend("default" = "x86_64"))]
    pub architecture: Option<RawArchitecture>,
    /// Memory in MB, 128..=10240 in 1 MB steps; CPU is proportional to it (1,769 MB = one
    /// vCPU, at most 6 vCPUs). Duration is billed per GB-s of it. Default 128.
    #[schemars(extend("default" = 128))]
    #[schemars(range(min = 128, max = 10240))]
    pub memory_size: Option<i64>,
    /// An invocation still running at the timeout is stopped, billed to the timeout and its
    /// environment reset. "1s"..="900s". Default "3s".
    #[schemars(extend("default" = "3s"))]
    pub timeout: Option<RawDuration>,
    /// `/tmp` size in MB, 512..=10240; only the part above 512 MB is billed. Default 512.
    #[schemars(extend("default" = 512))]
    #[schemars(range(min = 512, max = 10240))]
    pub ephemeral_storage: Option<i64>,
    /// Reserved concurrency in environments, 0 up to `lambda.concurrency_limit`: a cap and a
    /// guarantee set aside from the account pool (0 throttles every request). Default: none
    /// (not reserved).
    #[schemars(range(min = 0))]
    pub reserved_concurrency: Option<i64>,
    /// Environments initialised at time 0 and never reclaimed, 0 up to the reservation (or
    /// `lambda.concurrency_limit`); billed per configured GB-s. Default 0.
    #[schemars(extend("default" = 0))]
    #[schemars(range(min = 0))]
    pub provisioned_concurrency: Option<i64>,
    /// Scheduled provisioned concurrency: `[["0s", 5], ["8h", 50]]` sets the configured
    /// number of environments from each time on (times increasing). Default: none.
    pub provisioned_schedule: Option<Vec<(RawDuration, i64)>>,
    /// Target tracking on provisioned-concurrency utilisation, as Application Auto Scaling
    /// does. Not combinable with `provisioned_schedule`. Default: none.
    pub provisioned_autoscaling: Option<RawPcAutoscaling>,
    /// From a request for more provisioned concurrency until the environments are ready;
    /// "0s"..="3600s". Default "90s".
    #[schemars(extend("default" = "90s"))]
    pub provisioned_allocation_delay: Option<RawDuration>,
    /// How long an idle environment is kept before it is reclaimed (a fresh draw per idle
    /// period). AWS publishes no figure; 10 minutes was measured in 2019. Default "10m".
    #[schemars(extend("default" = "10m"))]
    pub keep_alive: Option<RawDist>,
    /// "fixed" (idle environments live for `keep_alive`), "hybrid-histogram" (Shahrad et al.,
    /// USENIX ATC 2020), or a table with `policy` and its settings. Default "fixed".
    #[schemars(extend("default" = "fixed"))]
    pub keep_alive_policy: Option<RawKeepAlivePolicyOrName>,
    /// Cold-start init time (extensions, runtime and function init), billed as duration.
    /// When given, `package_size` is not added. Default: from `runtime` and `package_size`.
    pub init_duration: Option<RawDist>,
    /// Unzipped deployment package, layers included, in MB, 0..=250: adds the init time
    /// measured for packages of that size when `init_duration` is not given. Default 0.
    #[schemars(extend("default" = 0))]
    #[schemars(range(min = 0, max = 250))]
    pub package_size: Option<i64>,
    /// Lambda extensions, at most 10: each adds `init` to cold starts and `post_invocation`
    /// work after every handler. Default: none.
    pub extensions: Option<Vec<RawExtension>>,
    /// SnapStart: a cold start restores a snapshot for `restore_duration` instead of running
    /// init. Needs a SnapStart runtime, no provisioned concurrency, `ephemeral_storage` 512.
    /// Default false.
    #[schemars(extend("default" = false))]
    pub snap_start: Option<bool>,
    /// Only with `snap_start = true`: restore time of a SnapStart cold start, billed like
    /// init (an assumption: AWS publishes no figure). Default "300ms".
    #[schemars(extend("default" = "300ms"))]
    pub restore_duration: Option<RawDist>,
    /// Probability, 0..=1, that an invocation fails after running its full time; the
    /// environment stays warm and asynchronous events are retried. Default 0.0.
    #[schemars(extend("default" = 0.0))]
    #[schemars(range(min = 0, max = 1))]
    pub error_rate: Option<f64>,
    /// Asynchronous invocations: retries after a function error or timeout, 0..=2 (1 minute,
    /// then 2 minutes after the failure). Default 2.
    #[schemars(extend("default" = 2))]
    #[schemars(range(min = 0, max = 2))]
    pub maximum_retry_attempts: Option<i64>,
    /// Asynchronous invocations: an event not processed this long after it arrived is
    /// dropped; "60s"..="6h". Default "6h".
    #[schemars(extend("default" = "6h"))]
    pub maximum_event_age: Option<RawDuration>,
    /// Asynchronous invocations: a label for the destination of dropped and finally failed
    /// events (counted in `async.failed`; nothing is delivered). Default: none.
    pub on_failure: Option<String>,
    /// Declares N identical functions `NAME-0` .. `NAME-(N-1)`, 1..=100000; a workload
    /// targeting `function:NAME` sends each copy its own request stream. Not with `alias`.
    /// Default 1.
    #[schemars(extend("default" = 1))]
    #[schemars(range(min = 1, max = 100000))]
    pub copies: Option<i64>,
    /// A weighted alias over two versions of the function (canary deployments), each with
    /// its own environments. Give `weight` or `shift`. Default: none.
    pub alias: Option<RawAlias>,
    /// A free label reported with the function in the summary (a trace function's trigger,
    /// for instance). Default: none.
    pub label: Option<String>,
}

/// A weighted alias over two versions, as Lambda's alias routing.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAlias {
    /// Required. Exactly two different version names (1-32 letters, digits, `-`, `_`): the
    /// stable one, then the new one.
    #[schemars(length(min = 2, max = 2))]
    pub versions: Vec<String>,
    /// Constant share, 0..=1, of requests routed to the second version.
    #[schemars(range(min = 0, max = 1))]
    pub weight: Option<f64>,
    /// Or a schedule of that share: `[["0s", 0.0], ["10m", 0.1], ["30m", 1.0]]`; each share
    /// (0..=1) holds from its time on, 0 before the first.
    pub shift: Option<Vec<(RawDuration, f64)>>,
    /// Provisioned concurrency of each version, two values in environments. Default
    /// `[0, 0]`.
    #[schemars(extend("default" = [0, 0]))]
    #[schemars(length(min = 2, max = 2))]
    pub provisioned: Option<Vec<i64>>,
}

/// A Lambda extension, e.g. `{ name = "datadog", init = "120ms", post_invocation = "15ms" }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawExtension {
    /// Required. The extension's name, non-empty and unique within the function.
    pub name: String,
    /// Init time the extension adds to every cold start. Default "0s".
    #[schemars(extend("default" = "0s"))]
    pub init: Option<RawDist>,
    /// Work after each handler, billed as duration and keeping the environment busy (the
    /// client's latency ends with the handler). Default "0s".
    #[schemars(extend("default" = "0s"))]
    pub post_invocation: Option<RawDist>,
}

/// How function targets are invoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawInvocation {
    /// Synchronous: a request over a limit gets 429 at once.
    Sync,
    /// Asynchronous: events are queued and retried.
    Async,
}

/// A stream of requests sent to one target, or an identical copy of it to several targets.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    /// Required. The workload's name, non-empty and unique.
    pub name: String,
    /// Where the requests go: `function:NAME`, `function:NAME:VERSION`, `queue:NAME`,
    /// `api:NAME` or `service:NAME`. Give `target` or `targets`, not both.
    pub target: Option<String>,
    /// Several targets, each receiving an identical copy of the stream (same arrival times,
    /// same work), to compare platforms on the same requests.
    pub targets: Option<Vec<String>>,
    /// With an `api:NAME` target: which route the requests call, e.g. "POST /orders".
    /// Default: the API's only route (required when it has several).
    pub route: Option<String>,
    /// How function targets are invoked: "sync" or "async". Default "sync" ("async" with
    /// `source` "s3", "sns" or "eventbridge").
    pub invocation: Option<RawInvocation>,
    /// Where the load comes from: any label; "s3", "sns" and "eventbridge" imply
    /// asynchronous invocation. Default: none.
    pub source: Option<String>,
    /// Request size in KB, above 0 and at most 10240, for API Gateway metering (HTTP APIs
    /// bill per 512 KB started, WebSocket messages per 32 KB). Default 1.0.
    #[schemars(extend("default" = 1.0, "exclusiveMinimum" = 0))]
    #[schemars(range(max = 10240.0))]
    pub request_size_kb: Option<f64>,
    /// REST api targets: the usage plan whose API key the clients send; its throttle and
    /// quota then apply. Default: none.
    pub api_key: Option<String>,
    /// With an api target: distinct clients (identities) sending the requests, each request
    /// from one drawn uniformly; sets the hit ratio of authorizer caching. 1..=10000000.
    /// Default 1000.
    #[schemars(extend("default" = 1000))]
    #[schemars(range(min = 1, max = 10000000))]
    pub clients: Option<i64>,
    /// Required with a WebSocket api target (refused otherwise): what each connection (one
    /// per arrival) does.
    pub connection: Option<RawConnection>,
    /// Required. When requests arrive: a process and its settings.
    pub arrivals: RawArrivals,
    /// Required. A request's handler run time on one full vCPU (for a queue, a record's; a
    /// batch runs the sum of its records').
    pub duration: RawDist,
    /// Share, 0..=1, of the run time that is CPU work and speeds up with more vCPUs (on
    /// Lambda, vCPUs = memory_size / 1769, at most 6). Default 0.0.
    #[schemars(extend("default" = 0.0))]
    #[schemars(range(min = 0, max = 1))]
    pub cpu_bound: Option<f64>,
    /// vCPUs the CPU work can use at once, 1..=1024: Lambda memory above `threads` x 1769 MB
    /// buys no speed. Default 1.
    #[schemars(extend("default" = 1))]
    #[schemars(range(min = 1, max = 1024))]
    pub threads: Option<i64>,
}

/// The arrival process of a workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawProcess {
    /// Exponential gaps at `rate`.
    Poisson,
    /// Evenly spaced at `rate`, the first at time 0.
    Constant,
    /// A Poisson process whose rate follows `profile`.
    Profile,
    /// A Poisson process whose rate follows a cosine (`mean`, `peak_to_trough`, `period`,
    /// `phase`).
    Diurnal,
    /// A Markov-modulated Poisson process (bursts) over `states`.
    Mmpp,
}

/// How a profile's rate goes from one point to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawShape {
    /// A straight line between the points.
    Linear,
    /// Each point's rate held until the next point.
    Step,
}

/// When a workload's requests arrive. Which keys are needed depends on `process`.
// Flat rather than a tagged enum, so a bad value is reported at its own key path
// (`workload[0].arrivals.rate`); which keys a process needs is checked in validation.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawArrivals {
    /// Required. "poisson", "constant", "profile", "diurnal" or "mmpp".
    pub process: RawProcess,
    /// Required for poisson and constant: requests per second, above 0 (at most 1e8 after
    /// `scale`).
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub rate: Option<f64>,
    /// Required for profile: points of the rate over time, `[["0s", 10.0], ["2h", 200.0]]`
    /// (requests per second, 0 or more; times increasing), joined as `shape` says.
    pub profile: Option<Vec<(RawDuration, f64)>>,
    /// Profile: how the rate goes from one point to the next: "linear" (a straight line) or
    /// "step" (each point's rate held until the next point, as per-period counts replayed from
    /// metrics are). Default "linear".
    #[schemars(extend("default" = "linear"))]
    pub shape: Option<RawShape>,
    /// Required for diurnal: the mean rate in requests per second, above 0.
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub mean: Option<f64>,
    /// Diurnal: peak rate over trough rate, at least 1 (1: flat). Default 3.0.
    #[schemars(extend("default" = 3.0))]
    #[schemars(range(min = 1))]
    pub peak_to_trough: Option<f64>,
    /// Diurnal: the period, "60s"..="366d". Default "1d".
    #[schemars(extend("default" = "1d"))]
    pub period: Option<RawDuration>,
    /// Diurnal: time of the peak, from time 0. Default "14h".
    #[schemars(extend("default" = "14h"))]
    pub phase: Option<RawDuration>,
    /// Required for mmpp: at least two states; it starts in the first and moves to one of
    /// the others, drawn uniformly, at the end of each sojourn.
    #[schemars(length(min = 2))]
    pub states: Option<Vec<RawMmppState>>,
    /// Any process: multiplies every rate ("what if traffic doubles"); above 0, at most 1e6.
    /// Default 1.0.
    #[schemars(extend("default" = 1.0, "exclusiveMinimum" = 0))]
    #[schemars(range(max = 1000000.0))]
    pub scale: Option<f64>,
}

/// A state of a Markov-modulated Poisson process.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMmppState {
    /// Required. Poisson rate in requests per second while in the state, 0 or more.
    #[schemars(range(min = 0))]
    pub rate: f64,
    /// Required. Mean time spent in the state (exponential), above "0s".
    pub mean_sojourn: RawDuration,
}

/// A keep-alive policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawPolicyKind {
    /// Idle environments live for `keep_alive`.
    Fixed,
    /// Shahrad et al., "Serverless in the Wild" (USENIX ATC 2020): pre-warm and keep-alive
    /// windows from a histogram of each function's idle times.
    HybridHistogram,
}

/// A keep-alive policy with its settings; the settings apply to "hybrid-histogram" only.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawKeepAlivePolicy {
    /// Required. "fixed" or "hybrid-histogram"; the other keys are refused with "fixed".
    pub policy: Option<RawPolicyKind>,
    /// Longest idle time the histogram tracks (1-minute bins), "60s"..="7d". Default "4h".
    #[schemars(extend("default" = "4h"))]
    pub range: Option<RawDuration>,
    /// Percentile (a fraction, 0..=1, at most `tail`) of idle times that sets the pre-warm
    /// time. Default 0.05.
    #[schemars(extend("default" = 0.05))]
    #[schemars(range(min = 0, max = 1))]
    pub head: Option<f64>,
    /// Percentile (a fraction, 0..=1) of idle times that sets the end of the keep-alive
    /// window. Default 0.99.
    #[schemars(extend("default" = 0.99))]
    #[schemars(range(min = 0, max = 1))]
    pub tail: Option<f64>,
    /// Safety margin, 0..=0.99: the pre-warm time is lowered and the window's end raised by
    /// this share. Default 0.1.
    #[schemars(extend("default" = 0.1))]
    #[schemars(range(min = 0, max = 0.99))]
    pub margin: Option<f64>,
    /// Idle times needed, 1..=1000000, before the histogram is used; until then `keep_alive`
    /// applies. Default 10.
    #[schemars(extend("default" = 10))]
    #[schemars(range(min = 1, max = 1000000))]
    pub min_samples: Option<i64>,
    /// Minimum coefficient of variation of the bin counts, 0..=1000000, for the histogram to
    /// count as representative. Default 2.0.
    #[schemars(extend("default" = 2.0))]
    #[schemars(range(min = 0, max = 1000000))]
    pub cv_threshold: Option<f64>,
}

impl<'de> Deserialize<'de> for RawKeepAlivePolicyOrName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawKeepAlivePolicyOrName;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("\"fixed\", \"hybrid-histogram\" or a table with `policy`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let kind =
                    RawPolicyKind::deserialize(serde::de::value::StrDeserializer::<E>::new(v))?;
                Ok(RawKeepAlivePolicyOrName(RawKeepAlivePolicy {
                    policy: Some(kind),
                    ..Default::default()
                }))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                RawKeepAlivePolicy::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RawKeepAlivePolicyOrName)
            }
        }
        d.deserialize_any(V)
    }
}

/// The policy as written: a name or a table.
#[derive(Debug, Clone)]
pub struct RawKeepAlivePolicyOrName(pub RawKeepAlivePolicy);

impl JsonSchema for RawKeepAlivePolicyOrName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "KeepAlivePolicyChoice".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "How long an idle environment is kept: \"fixed\" (`keep_alive`), \
                            \"hybrid-histogram\", or a table with `policy` and its settings.",
            "anyOf": [
                generator.subschema_for::<RawPolicyKind>(),
                generator.subschema_for::<RawKeepAlivePolicy>(),
            ]
        })
    }
}

/// Target tracking on provisioned-concurrency utilisation (busy over configured environments,
/// averaged per minute): scale out after 3 minutes above `target`, scale in after 15 minutes
/// below 90% of it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPcAutoscaling {
    /// Target utilisation, a fraction above 0 and at most 1. Default 0.7.
    #[schemars(extend("default" = 0.7, "exclusiveMinimum" = 0))]
    #[schemars(range(max = 1))]
    pub target: Option<f64>,
    /// Lower bound of the configured environments, 0 up to `lambda.concurrency_limit`.
    /// Default 1.
    #[schemars(extend("default" = 1))]
    #[schemars(range(min = 0))]
    pub min: Option<i64>,
    /// Upper bound of the configured environments, at least `min`; a reservation must cover
    /// it. Default `min` (at least 1).
    #[schemars(range(min = 0))]
    pub max: Option<i64>,
}

/// The kind of queue or stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawQueueKind {
    /// An SQS standard queue.
    Sqs,
    /// An SQS FIFO queue (message groups, batches of at most 10).
    SqsFifo,
    /// A Kinesis data stream (shards).
    Kinesis,
    /// A DynamoDB stream (shards).
    DynamodbStream,
}

/// A queue or stream and the event-source mapping that polls it and invokes a function with
/// batches of records. Keys of another kind of source are refused.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawQueue {
    /// Required. The queue's name: 1-80 letters, digits, `-`, `_`, `.`; unique.
    pub name: String,
    /// Required. "sqs", "sqs-fifo", "kinesis" or "dynamodb-stream".
    pub kind: RawQueueKind,
    /// Required. The function the mapping invokes, `function:NAME`; a batch is one
    /// invocation running the sum of its records' run times.
    pub target: Option<String>,
    /// Records per invocation, at most; 1..=10000 (FIFO 1..=10). Default 10 for SQS, 100 for
    /// streams.
    #[schemars(range(min = 1, max = 10000))]
    pub batch_size: Option<i64>,
    /// A partial batch goes when this long has passed since its first record arrived;
    /// "0s"..="300s" (FIFO only "0s"; SQS with `batch_size` above 10 needs at least "1s").
    /// Default "0s".
    #[schemars(extend("default" = "0s"))]
    pub batch_window: Option<RawDuration>,
    /// SQS: cap on concurrent batches, 2..=1000. Default: none (pollers grow up to 1,250).
    #[schemars(range(min = 2, max = 1000))]
    pub maximum_concurrency: Option<i64>,
    /// Streams: shards of the stream, 1..=10000. Default 1.
    #[schemars(extend("default" = 1))]
    #[schemars(range(min = 1, max = 10000))]
    pub shards: Option<i64>,
    /// Streams: concurrent batches per shard, 1..=10. Default 1.
    #[schemars(extend("default" = 1))]
    #[schemars(range(min = 1, max = 10))]
    pub parallelization_factor: Option<i64>,
    /// SQS: a failed or throttled batch becomes visible again this long after it was
    /// received; the function's `timeout` up to "12h". Default 6 x the function's `timeout`
    /// + `batch_window`.
    pub visibility_timeout: Option<RawDuration>,
    /// SQS: receives, 1..=1000, after which a failing message goes to the dead-letter queue.
    /// Default: none (no dead-letter queue).
    #[schemars(range(min = 1, max = 1000))]
    pub max_receive_count: Option<i64>,
    /// Records older than this are dropped: SQS "60s"..="14d", Kinesis "24h"..="365d",
    /// DynamoDB "24h" only. Default "4d" for SQS, "24h" for streams.
    pub retention: Option<RawDuration>,
    /// SQS FIFO: message groups, 1..=100000; each message joins one drawn uniformly, one
    /// batch per group in flight. Default 1.
    #[schemars(extend("default" = 1))]
    #[schemars(range(min = 1, max = 100000))]
    pub message_groups: Option<i64>,
    /// Streams: retries of a failing batch before it is discarded, -1 (until the records
    /// expire) or 0..=10000. Default: until the records expire.
    #[schemars(range(min = -1, max = 10000))]
    pub maximum_retry_attempts: Option<i64>,
    /// Streams: records older than this are discarded, "60s"..="7d". Default: the
    /// retention.
    pub maximum_record_age: Option<RawDuration>,
}

/// What each WebSocket connection does.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawConnection {
    /// Required. How long a connection stays open (AWS closes it after 2 hours, or 10
    /// minutes without a message).
    pub lifetime: RawDist,
    /// Required. Messages a connection sends per minute (Poisson), above 0 and at most
    /// 60000, each through the route's integration.
    #[schemars(extend("exclusiveMinimum" = 0))]
    #[schemars(range(max = 60000.0))]
    pub messages_per_minute: f64,
}

/// Where a service's tasks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawPlatform {
    /// ECS tasks on AWS Fargate, billed per task-second.
    Fargate,
    /// ECS tasks on the EC2 instances of a cluster; the instances are billed.
    EcsEc2,
    /// Plain EC2 instances, each serving requests.
    Ec2,
}

/// How the load balancer picks a task (ALB's two routing algorithms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawBalancing {
    /// Each task in turn.
    RoundRobin,
    /// The task with the fewest requests in flight.
    LeastOutstandingRequests,
}

/// Bounds of a service's task or instance count.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCapacity {
    /// Lower bound of the task count, 0..=100000. Default 1.
    #[schemars(extend("default" = 1))]
    #[schemars(range(min = 0, max = 100000))]
    pub min: Option<i64>,
    /// Upper bound of the task count, 0..=100000. Default `min` (at least 1).
    #[schemars(range(min = 0, max = 100000))]
    pub max: Option<i64>,
    /// Tasks running from time 0 (they need no startup), `min`..=`max`. Default `min`.
    #[schemars(range(min = 0, max = 100000))]
    pub initial: Option<i64>,
}

/// An ECS capacity provider of a Fargate service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawCapacityProvider {
    /// On-demand Fargate (ECS's FARGATE).
    Fargate,
    /// Fargate Spot (ECS's FARGATE_SPOT): cheaper, but tasks may be interrupted.
    FargateSpot,
}

/// One item of `capacity_provider_strategy`, as ECS's CapacityProviderStrategyItem.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStrategyItem {
    /// Required. "fargate" or "fargate-spot", each once in the strategy.
    pub capacity_provider: RawCapacityProvider,
    /// Tasks placed on this provider first, 0..=100000; above 0 on one item at most.
    /// Default 0.
    #[schemars(extend("default" = 0))]
    #[schemars(range(min = 0, max = 100000))]
    pub base: Option<i64>,
    /// Share of the tasks beyond the base, 0..=1000; at least one item above 0. Default 0.
    #[schemars(extend("default" = 0))]
    #[schemars(range(min = 0, max = 1000))]
    pub weight: Option<i64>,
}

/// The price and interruptions of Fargate Spot tasks.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSpot {
    /// The saving, a share of the on-demand price, 0 or more and below 1 (AWS: "up to 70%").
    /// Default 0.7.
    #[schemars(extend("default" = 0.7, "exclusiveMaximum" = 1))]
    #[schemars(range(min = 0))]
    pub discount: Option<f64>,
    /// Interruptions per Spot task-hour (Poisson), 0..=100; an assumption, AWS publishes no
    /// rate. Default 0.01.
    #[schemars(extend("default" = 0.01))]
    #[schemars(range(min = 0, max = 100))]
    pub interruptions_per_hour: Option<f64>,
    /// After the two-minute interruption warning, a task stops when idle or after this long;
    /// "0s"..="120s". Default "120s".
    #[schemars(extend("default" = "120s"))]
    pub stop_timeout: Option<RawDuration>,
}

/// The container instances of an ECS-on-EC2 service (an Auto Scaling group with a capacity
/// provider and managed scaling).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCluster {
    /// Lower bound of the group in instances, 0..=100000 and at most `max`. Default 0.
    #[schemars(extend("default" = 0))]
    #[schemars(range(min = 0, max = 100000))]
    pub min: Option<i64>,
    /// Upper bound of the group in instances, 1..=100000. Default: enough for the largest
    /// task count at `target_capacity`.
    #[schemars(range(min = 1, max = 100000))]
    pub max: Option<i64>,
    /// Managed scaling's target for CapacityProviderReservation, in percent, 1..=100; below
    /// 100, spare instances wait for tasks. Default 100.
    #[schemars(extend("default" = 100))]
    #[schemars(range(min = 1, max = 100))]
    pub target_capacity: Option<i64>,
    /// From an instance's launch until tasks can be placed on it. Default "2m".
    #[schemars(extend("default" = "2m"))]
    pub boot: Option<RawDist>,
    /// How long an instance must stay empty before it is terminated, "0s"..="1d". Default
    /// "15m".
    #[schemars(extend("default" = "15m"))]
    pub scale_in_after: Option<RawDuration>,
}

// `load_balancer`: `"alb"`, `"none"`, or a table describing the ALB's traffic.
#[derive(Debug)]
pub enum RawLoadBalancer {
    Name(String),
    Alb(RawAlb),
}

/// An Application Load Balancer and the traffic its LCUs (load balancer capacity units) are
/// metered from.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAlb {
    /// The load balancer kind: "alb", the only kind with a table. Default "alb".
    #[schemars(extend("default" = "alb", "enum" = ["alb"]))]
    pub kind: Option<String>,
    /// Requests per client connection, 1..=1e9; 1 (every request a new connection) is the
    /// upper bound of the new-connection dimension. Default 1.0.
    #[schemars(extend("default" = 1.0))]
    #[schemars(range(min = 1, max = 1000000000.0))]
    pub requests_per_connection: Option<f64>,
    /// How long a connection stays open, "0s"..="7d". Default: open while its requests run.
    pub connection_duration: Option<RawDuration>,
    /// Request size in KB (1,000 bytes), 0..=1e6, for the processed-bytes dimension.
    /// Default 1.0.
    #[schemars(extend("default" = 1.0))]
    #[schemars(range(min = 0, max = 1000000.0))]
    pub request_kb: Option<f64>,
    /// Response size in KB (1,000 bytes), 0..=1e6, for the processed-bytes dimension.
    /// Default 4.0.
    #[schemars(extend("default" = 4.0))]
    #[schemars(range(min = 0, max = 1000000.0))]
    pub response_kb: Option<f64>,
    /// Listener rules a request is evaluated against, 1..=100 (10 are free). Default 1.
    #[schemars(extend("default" = 1))]
    #[schemars(range(min = 1, max = 100))]
    pub rules: Option<i64>,
}

impl JsonSchema for RawLoadBalancer {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "LoadBalancer".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "What fronts the service: \"alb\" (an Application Load Balancer, \
                            priced), \"none\", or a table `{ kind = \"alb\", ... }` describing \
                            the ALB's traffic.",
            "anyOf": [
                { "type": "string", "enum": ["alb", "none"] },
                generator.subschema_for::<RawAlb>(),
            ]
        })
    }
}

impl<'de> Deserialize<'de> for RawLoadBalancer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{self, MapAccess, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawLoadBalancer;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("\"alb\", \"none\" or a table `{ kind = \"alb\", ... }`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawLoadBalancer, E> {
                Ok(RawLoadBalancer::Name(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawLoadBalancer, A::Error> {
                RawAlb::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawLoadBalancer::Alb)
            }
        }
        d.deserialize_any(V)
    }
}

/// Tasks (ECS on Fargate, ECS on EC2) or instances (EC2) that each serve several requests at
/// once, behind an optional Application Load Balancer.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    /// Required. The service's name, non-empty and unique; used in `service:NAME` targets.
    pub name: String,
    /// Required. "fargate", "ecs-ec2" or "ec2".
    pub platform: RawPlatform,
    /// A task's vCPUs: Fargate 0.25, 0.5, 1, 2, 4, 8 or 16; ECS on EC2 0.25 up to the
    /// instance's vCPUs; refused on ec2. Default 1 on Fargate, the instance's vCPUs on ecs-ec2.
    pub vcpu: Option<f64>,
    /// A task's memory in MB: on Fargate a valid size for `vcpu`; on ECS on EC2 1 up to the
    /// instance's memory; refused on ec2. Default: the smallest valid for `vcpu` (Fargate),
    /// the instance's memory (ecs-ec2).
    #[schemars(range(min = 1))]
    pub memory: Option<i64>,
    /// EC2 instance type, e.g. "m6i.large", "c7g.xlarge": vCPUs, memory and hourly price.
    /// ecs-ec2 and ec2 only. Default "m6i.large".
    #[schemars(extend("default" = "m6i.large"))]
    pub instance_type: Option<String>,
    /// Fargate: "x86_64" or "arm64" (Graviton prices; not with Fargate Spot). On EC2 the
    /// instance type decides. Default "x86_64".
    #[schemars(extend("default" = "x86_64"))]
    pub architecture: Option<RawArchitecture>,
    /// Requests a task or instance serves at once, 1..=100000; more wait in its FIFO queue.
    /// Default 1.
    #[schemars(extend("default" = 1))]
    #[schemars(range(min = 1, max = 100000))]
    pub concurrency: Option<i64>,
    /// Requests waiting at one task, 0..=10000000, beyond which new ones get 503. Default
    /// 100.
    #[schemars(extend("default" = 100))]
    #[schemars(range(min = 0, max = 10000000))]
    pub queue_limit: Option<i64>,
    /// Bounds of the task or instance count. Default `{ min = 1, max = 1, initial = 1 }`.
    pub capacity: Option<RawCapacity>,
    /// From a task's launch until it can serve (image pull, application start; on EC2,
    /// boot). Default "60s".
    #[schemars(extend("default" = "60s"))]
    pub startup: Option<RawDist>,
    /// Target tracking or step scaling between `capacity.min` and `capacity.max`. Default:
    /// none (a fixed count).
    pub autoscaling: Option<RawAutoscaling>,
    /// Scheduled actions: `[["8h", 6, 30], ["20h", 2, 10]]` replaces `capacity.min` and
    /// `capacity.max` from each time on (times increasing; counts 0..=100000). Default: none.
    pub capacity_schedule: Option<Vec<(RawDuration, i64, i64)>>,
    /// "alb" (an Application Load Balancer, priced per hour and per LCU-hour), "none", or a
    /// table describing the ALB's traffic. Default "alb".
    #[schemars(extend("default" = "alb"))]
    pub load_balancer: Option<RawLoadBalancer>,
    /// How the load balancer picks a task: "round-robin" or "least-outstanding-requests".
    /// Default "round-robin".
    #[schemars(extend("default" = "round-robin"))]
    pub balancing: Option<RawBalancing>,
    /// Memory a task uses at rest, in MB, 0 up to the task's memory (an assumption; no
    /// out-of-memory model). Default 256 (or the task's memory if lower).
    #[schemars(extend("default" = 256))]
    #[schemars(range(min = 0))]
    pub memory_base: Option<i64>,
    /// Memory a task uses for each request it holds, in MB, 0 up to the task's memory;
    /// needed above 0 for `autoscaling.metric = "memory"`. Default 0.0.
    #[schemars(extend("default" = 0.0))]
    #[schemars(range(min = 0))]
    pub memory_per_request: Option<f64>,
    /// With an ALB: from the end of a new task's `startup` until it receives traffic (its
    /// first health check); "0s"..="3600s". Default "15s" with an ALB.
    #[schemars(extend("default" = "15s"))]
    pub health_check_delay: Option<RawDuration>,
    /// With an ALB: how long a task chosen to stop may finish what it holds before the rest
    /// is cut; "0s"..="3600s". Default "300s".
    #[schemars(extend("default" = "300s"))]
    pub deregistration_delay: Option<RawDuration>,
    /// ec2 only, not with `autoscaling`: scheduled vertical resizes,
    /// `[["12h", "m6i.xlarge"]]`; each instance is drained, stopped, changed and restarted.
    pub resize_schedule: Option<Vec<(RawDuration, String)>>,
    /// Fargate: runs every task on "fargate" or "fargate-spot". Not with
    /// `capacity_provider_strategy`. Default "fargate".
    #[schemars(extend("default" = "fargate"))]
    pub capacity_provider: Option<RawCapacityProvider>,
    /// Fargate: a mix of the two providers, as ECS's capacity provider strategy: the `base`
    /// tasks first, the rest split by `weight`. Not with `capacity_provider`.
    #[schemars(length(min = 1))]
    pub capacity_provider_strategy: Option<Vec<RawStrategyItem>>,
    /// Price and interruptions of Fargate Spot tasks (only when some run on Fargate Spot).
    pub spot: Option<RawSpot>,
    /// ecs-ec2 only: the cluster's container instances and their managed scaling.
    pub cluster: Option<RawCluster>,
}

/// The metric autoscaling tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawMetric {
    /// Average CPU utilisation of the tasks serving, in percent.
    Cpu,
    /// Average memory utilisation from the memory model, in percent (needs
    /// `memory_per_request` above 0).
    Memory,
    /// Requests per task per minute (ALBRequestCountPerTarget).
    Requests,
}

/// Target tracking (the default) or step scaling of the task or instance count, between
/// `capacity.min` and `capacity.max`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAutoscaling {
    /// Required. "cpu" (percent), "memory" (percent) or "requests" (per task per minute),
    /// measured every `period`.
    pub metric: RawMetric,
    /// Required for target tracking: the target value, above 0; at most 100 for cpu and
    /// memory, 1e9 for requests.
    #[schemars(extend("exclusiveMinimum" = 0))]
    #[schemars(range(max = 1000000000.0))]
    pub target: Option<f64>,
    /// Metric period, "10s"..="3600s". Default "1m".
    #[schemars(extend("default" = "1m"))]
    pub period: Option<RawDuration>,
    /// Target tracking: time after a scale-out before another, "0s"..="1d". Default "300s"
    /// ("0s" with `warmup`).
    #[schemars(extend("default" = "300s"))]
    pub scale_out_cooldown: Option<RawDuration>,
    /// Target tracking: time after a scale-in before another, "0s"..="1d". Default "300s"
    /// ("0s" with `warmup`).
    #[schemars(extend("default" = "300s"))]
    pub scale_in_cooldown: Option<RawDuration>,
    /// Target tracking: periods in a row above `target` that trigger a scale-out, 1..=1440.
    /// Default 3.
    #[schemars(extend("default" = 3))]
    #[schemars(range(min = 1, max = 1440))]
    pub datapoints_out: Option<i64>,
    /// Target tracking: periods in a row below 90% of `target` that trigger a scale-in,
    /// 1..=1440. Default 15.
    #[schemars(extend("default" = 15))]
    #[schemars(range(min = 1, max = 1440))]
    pub datapoints_in: Option<i64>,
    /// "target-tracking" (takes `target`) or "step" (takes `scale_out` and/or `scale_in`).
    /// Default "target-tracking".
    #[schemars(extend("default" = "target-tracking"))]
    pub policy: Option<RawPolicy>,
    /// `platform = "ec2"` only: EC2 Auto Scaling's default instance warm-up, "0s"..="1d".
    /// Default: none.
    pub warmup: Option<RawDuration>,
    /// Step scaling: the scale-out alarm and its step adjustments.
    pub scale_out: Option<RawStepAlarm>,
    /// Step scaling: the scale-in alarm and its step adjustments.
    pub scale_in: Option<RawStepAlarm>,
}

/// The scaling policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawPolicy {
    /// Keep the metric near `target`.
    TargetTracking,
    /// Step adjustments when the `scale_out` or `scale_in` alarm fires.
    Step,
}

/// How a step's `change` is read (AdjustmentType).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawAdjustment {
    /// ChangeInCapacity: add or remove `change` tasks.
    Change,
    /// PercentChangeInCapacity: change by `change` percent (rounded towards zero, at least
    /// 1 task).
    Percent,
    /// ExactCapacity: set the count to `change`.
    Exact,
}

/// One CloudWatch alarm of a step scaling policy and the step adjustments it invokes.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStepAlarm {
    /// Required. The alarm threshold, in the metric's unit: 0..=100 for cpu and memory,
    /// 0..=1e9 for requests.
    #[schemars(range(min = 0, max = 1000000000.0))]
    pub threshold: f64,
    /// Periods in a row beyond the threshold before the alarm fires, 1..=1440. Default 1.
    #[schemars(extend("default" = 1))]
    #[schemars(range(min = 1, max = 1440))]
    pub datapoints: Option<i64>,
    /// How `change` is read: "change", "percent" or "exact". Default "change".
    #[schemars(extend("default" = "change"))]
    pub adjustment: Option<RawAdjustment>,
    /// Only with `adjustment = "percent"`: the smallest change, in tasks, 1..=100000.
    /// Default: none.
    #[schemars(range(min = 1, max = 100000))]
    pub min_adjustment_magnitude: Option<i64>,
    /// Application Auto Scaling's step cooldown, "0s"..="1d"; refused on `platform = "ec2"`
    /// (use `warmup`). Default "300s".
    #[schemars(extend("default" = "300s"))]
    pub cooldown: Option<RawDuration>,
    /// Required. Step adjustments: non-empty, increasing, without gaps or overlaps, covering
    /// every value beyond the threshold.
    #[schemars(length(min = 1))]
    pub steps: Vec<RawStep>,
}

/// A step adjustment: bounds relative to the alarm's threshold.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    /// Lower bound relative to the threshold (MetricIntervalLowerBound). Default: unbounded.
    pub lower: Option<f64>,
    /// Upper bound relative to the threshold (MetricIntervalUpperBound), above `lower`.
    /// Default: unbounded.
    pub upper: Option<f64>,
    /// Required. The adjustment in tasks, percent or capacity (by `adjustment`),
    /// -100000..=100000: above 0 to scale out, below 0 to scale in.
    #[schemars(range(min = -100000, max = 100000))]
    pub change: i64,
}
