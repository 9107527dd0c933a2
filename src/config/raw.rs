//! The scenario file as written: serde structs that mirror `SCENARIO.md`, nothing more.
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
    pub simulation: RawSimulation,
    #[serde(default)]
    pub pricing: RawPricing,
    pub lambda: Option<RawLambda>,
    #[serde(default)]
    pub workload: Vec<RawWorkload>,
    /// Event sources that Lambda polls (event-source mappings).
    #[serde(default)]
    pub queue: Vec<RawQueue>,
    /// `[apigateway]`, `[[api]]`: API Gateway's account bucket and APIs.
    pub apigateway: Option<RawApiGateway>,
    #[serde(default)]
    pub api: Vec<RawApi>,
    #[serde(default)]
    pub service: Vec<RawService>,
    /// `[[trace]]`: replayed traces (validated in `crate::trace`).
    #[serde(default)]
    pub trace: Vec<crate::trace::RawTrace>,
    /// `[sweep]`: read as TOML by [`super::sweep::SweepSpec`] (its keys are key paths); the
    /// schema describes it with [`super::sweep::SweepSchema`].
    #[schemars(with = "Option<super::sweep::SweepSchema>")]
    pub sweep: Option<toml::Value>,
    /// `[slo]`: service-level objectives that `slsim recommend` checks a sweep's points against
    /// (validated into [`crate::config::slo::Slo`]).
    pub slo: Option<RawSlo>,
}

/// `[slo]` as written: upper limits, each optional, and the components they apply to.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSlo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p50_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p90_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p95_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p99_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throttle_ratio: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cold_start_ratio: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_ratio: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejected_ratio: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSimulation {
    pub name: String,
    pub duration: RawDuration,
    pub seed: Option<u64>,
    pub warmup: Option<RawDuration>,
    pub replications: Option<u32>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPricing {
    pub region: Option<String>,
    pub free_tier: Option<bool>,
    /// How monthly volume tiers apply to a simulated period: "period" or "monthly".
    pub volume_tiers: Option<RawVolumeTiers>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawVolumeTiers {
    Period,
    Monthly,
}

/// `[apigateway]`: the account-level token bucket shared by every API of the region.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawApiGateway {
    pub rate: Option<f64>,
    pub burst: Option<i64>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawThrottle {
    pub rate: f64,
    pub burst: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawApiType {
    Http,
    Rest,
    Websocket,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawEndpoint {
    Regional,
    Edge,
    Private,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawApi {
    pub name: String,
    #[serde(rename = "type")]
    pub api_type: Option<RawApiType>,
    pub endpoint: Option<RawEndpoint>,
    pub timeout: Option<RawDuration>,
    pub throttle: Option<RawThrottle>,
    /// The gateway's own latency per request (slsim extension; default by endpoint type).
    pub overhead: Option<RawDist>,
    /// REST response cache.
    pub cache: Option<RawApiCache>,
    #[serde(default)]
    pub route: Vec<RawRoute>,
    /// REST usage plans: per-API-key throttle and quota.
    #[serde(default)]
    pub usage_plan: Vec<RawUsagePlan>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawApiCache {
    /// Cache size in GB: 0.5, 1.6, 6.1, 13.5, 28.4, 58.2, 118 or 237 (priced per hour).
    pub size_gb: f64,
    pub ttl: Option<RawDuration>,
    /// Distinct cache keys that requests draw from uniformly (sets the hit ratio).
    pub keys: Option<i64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawUsagePlan {
    pub name: String,
    pub throttle: Option<RawThrottle>,
    pub quota: Option<RawQuota>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawQuotaPeriod {
    Day,
    Week,
    Month,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawQuota {
    pub limit: i64,
    pub period: RawQuotaPeriod,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAuthorizer {
    pub function: String,
    pub cache_ttl: Option<RawDuration>,
    /// The authorizer handler's run time (slsim extension, default 20 ms).
    pub duration: Option<RawDist>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRoute {
    pub route: String,
    pub target: String,
    pub throttle: Option<RawThrottle>,
    pub authorizer: Option<RawAuthorizer>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawScaling {
    PerFunction,
    AccountBurst,
    Unlimited,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawSelection {
    NewestCreated,
    MostRecentlyUsed,
    LeastRecentlyUsed,
}

#[derive(Debug, Deserialize, JsonSchema)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawArchitecture {
    #[serde(rename = "x86_64")]
    X86_64,
    Arm64,
}

#[derive(Debug, Deserialize, JsonSchema)]
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
    /// Scheduled provisioned concurrency: `[["0s", 5], ["8h", 50]]` (time, environments).
    pub provisioned_schedule: Option<Vec<(RawDuration, i64)>>,
    /// Target tracking on provisioned-concurrency utilisation.
    pub provisioned_autoscaling: Option<RawPcAutoscaling>,
    /// From a request for more provisioned concurrency until the environments are ready.
    pub provisioned_allocation_delay: Option<RawDuration>,
    pub keep_alive: Option<RawDist>,
    pub keep_alive_policy: Option<RawKeepAlivePolicyOrName>,
    pub init_duration: Option<RawDist>,
    /// Unzipped deployment package, layers included, in MB (slsim extension).
    pub package_size: Option<i64>,
    /// Lambda extensions (slsim extension).
    pub extensions: Option<Vec<RawExtension>>,
    /// SnapStart (slsim extension): cold starts restore a snapshot instead of running init.
    pub snap_start: Option<bool>,
    pub restore_duration: Option<RawDist>,
    pub error_rate: Option<f64>,
    pub maximum_retry_attempts: Option<i64>,
    pub maximum_event_age: Option<RawDuration>,
    pub on_failure: Option<String>,
    pub copies: Option<i64>,
    /// A weighted alias over two versions of the function (canary deployments).
    pub alias: Option<RawAlias>,
    /// A free label reported in the summary (a trace function's trigger, for instance).
    pub label: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAlias {
    /// Exactly two version names: the stable one, then the new one.
    pub versions: Vec<String>,
    /// Share of requests routed to the second version (constant).
    pub weight: Option<f64>,
    /// Or a schedule of that share: `[["0s", 0.0], ["10m", 0.1], ["30m", 1.0]]`.
    pub shift: Option<Vec<(RawDuration, f64)>>,
    /// Provisioned concurrency of each version (default: none).
    pub provisioned: Option<Vec<i64>>,
}

/// `extensions = [{ name = "datadog", init = "120ms", post_invocation = "15ms" }]`
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawExtension {
    pub name: String,
    pub init: Option<RawDist>,
    pub post_invocation: Option<RawDist>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawInvocation {
    Sync,
    Async,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    pub name: String,
    pub target: Option<String>,
    pub targets: Option<Vec<String>>,
    pub route: Option<String>,
    pub invocation: Option<RawInvocation>,
    /// Where the load comes from (`"s3"`, `"sns"`, `"eventbridge"`, or any label).
    pub source: Option<String>,
    /// Request size in KB (API Gateway meters HTTP APIs in 512 KB units; slsim extension).
    pub request_size_kb: Option<f64>,
    /// With an api target: the usage plan whose API key the clients send (REST).
    pub api_key: Option<String>,
    /// With an api target: how many distinct clients (identities) send the requests, for
    /// authorizer caching; each request comes from one drawn uniformly.
    pub clients: Option<i64>,
    /// With a WebSocket api target: what each connection (one per arrival) does.
    pub connection: Option<RawConnection>,
    pub arrivals: RawArrivals,
    pub duration: RawDist,
    pub cpu_bound: Option<f64>,
    pub threads: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawProcess {
    Poisson,
    Constant,
    Profile,
    Diurnal,
    Mmpp,
}

/// Flat rather than a tagged enum, so a bad value is reported at its own key path
/// (`workload[0].arrivals.rate`); which keys a process needs is checked in validation.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawArrivals {
    pub process: RawProcess,
    pub rate: Option<f64>,
    /// profile: `[["0s", 10.0], ["2h", 200.0]]`, rates between points linear.
    pub profile: Option<Vec<(RawDuration, f64)>>,
    /// diurnal: mean rate, peak-to-trough ratio, period and time of the peak.
    pub mean: Option<f64>,
    pub peak_to_trough: Option<f64>,
    pub period: Option<RawDuration>,
    pub phase: Option<RawDuration>,
    /// mmpp: the states of a Markov-modulated Poisson process.
    pub states: Option<Vec<RawMmppState>>,
    /// Any process: multiply its rates ("what if traffic doubles").
    pub scale: Option<f64>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMmppState {
    pub rate: f64,
    pub mean_sojourn: RawDuration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawPolicyKind {
    Fixed,
    HybridHistogram,
}

/// `keep_alive_policy = "hybrid-histogram"` or a table with `policy` and its settings.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawKeepAlivePolicy {
    pub policy: Option<RawPolicyKind>,
    pub range: Option<RawDuration>,
    pub head: Option<f64>,
    pub tail: Option<f64>,
    pub margin: Option<f64>,
    pub min_samples: Option<i64>,
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

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPcAutoscaling {
    pub target: Option<f64>,
    pub min: Option<i64>,
    pub max: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawQueueKind {
    Sqs,
    SqsFifo,
    Kinesis,
    DynamodbStream,
}

/// `[[queue]]`: a queue or stream and the event-source mapping that polls it. The keys after
/// `parallelization_factor` are slsim extensions (documented in the README).
#[derive(Debug, Deserialize, JsonSchema)]
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

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawConnection {
    pub lifetime: RawDist,
    pub messages_per_minute: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawPlatform {
    Fargate,
    EcsEc2,
    Ec2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawBalancing {
    RoundRobin,
    LeastOutstandingRequests,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCapacity {
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub initial: Option<i64>,
}

/// ECS capacity providers of a Fargate service (slsim keys; ECS's FARGATE and FARGATE_SPOT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawCapacityProvider {
    Fargate,
    FargateSpot,
}

/// One item of `capacity_provider_strategy`, as ECS's CapacityProviderStrategyItem.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStrategyItem {
    pub capacity_provider: RawCapacityProvider,
    pub base: Option<i64>,
    pub weight: Option<i64>,
}

/// `spot = { ... }`: the price and interruptions of Fargate Spot (slsim keys).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSpot {
    pub discount: Option<f64>,
    pub interruptions_per_hour: Option<f64>,
    pub stop_timeout: Option<RawDuration>,
}

/// `cluster = { ... }`: the container instances of an ECS-on-EC2 service and the capacity
/// provider's managed scaling (slsim keys).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCluster {
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub target_capacity: Option<i64>,
    pub boot: Option<RawDist>,
    pub scale_in_after: Option<RawDuration>,
}

/// `load_balancer`: `"alb"`, `"none"`, or a table describing the ALB's traffic.
#[derive(Debug)]
pub enum RawLoadBalancer {
    Name(String),
    Alb(RawAlb),
}

/// `load_balancer = { kind = "alb", ... }`: what the LCU dimensions are metered from.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAlb {
    pub kind: Option<String>,
    pub requests_per_connection: Option<f64>,
    pub connection_duration: Option<RawDuration>,
    pub request_kb: Option<f64>,
    pub response_kb: Option<f64>,
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

/// `[[service]]`: tasks (ECS) or instances (EC2) serving many requests at once.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    pub name: String,
    pub platform: RawPlatform,
    pub vcpu: Option<f64>,
    pub memory: Option<i64>,
    pub instance_type: Option<String>,
    pub architecture: Option<RawArchitecture>,
    pub concurrency: Option<i64>,
    pub queue_limit: Option<i64>,
    pub capacity: Option<RawCapacity>,
    pub startup: Option<RawDist>,
    pub autoscaling: Option<RawAutoscaling>,
    /// Scheduled actions: `[[at, min, max], ...]` set `capacity.min` and `capacity.max` from
    /// `at` on (slsim extension).
    pub capacity_schedule: Option<Vec<(RawDuration, i64, i64)>>,
    pub load_balancer: Option<RawLoadBalancer>,
    /// How the load balancer picks a task (slsim extension; ALB's two algorithms).
    pub balancing: Option<RawBalancing>,
    /// Memory model (slsim keys): MB a task uses at rest, and MB more per request it holds.
    pub memory_base: Option<i64>,
    pub memory_per_request: Option<f64>,
    /// ALB: from `startup` until a new target receives traffic (its first health check).
    pub health_check_delay: Option<RawDuration>,
    /// ALB: how long a draining target may finish its requests before they are cut.
    pub deregistration_delay: Option<RawDuration>,
    /// Scheduled vertical resizes of EC2 instances: `[[at, instance_type], ...]`.
    pub resize_schedule: Option<Vec<(RawDuration, String)>>,
    /// Fargate: `"fargate"` (default) or `"fargate-spot"` for every task (slsim key).
    pub capacity_provider: Option<RawCapacityProvider>,
    /// Fargate: a mix of the two providers, as ECS's capacity provider strategy.
    pub capacity_provider_strategy: Option<Vec<RawStrategyItem>>,
    pub spot: Option<RawSpot>,
    /// ECS on EC2: the cluster's container instances.
    pub cluster: Option<RawCluster>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawMetric {
    Cpu,
    Memory,
    Requests,
}

/// Target tracking (Application Auto Scaling / EC2 Auto Scaling), or step scaling with
/// `policy = "step"`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAutoscaling {
    pub metric: RawMetric,
    /// Target tracking only (required there).
    pub target: Option<f64>,
    pub period: Option<RawDuration>,
    pub scale_out_cooldown: Option<RawDuration>,
    pub scale_in_cooldown: Option<RawDuration>,
    /// Periods in a row that sound the alarms (slsim extension; 3 and 15 by default).
    pub datapoints_out: Option<i64>,
    pub datapoints_in: Option<i64>,
    /// "target-tracking" (default) or "step".
    pub policy: Option<RawPolicy>,
    /// EC2 Auto Scaling's instance warm-up (platform "ec2").
    pub warmup: Option<RawDuration>,
    /// Step scaling: the scale-out and scale-in alarms with their step adjustments.
    pub scale_out: Option<RawStepAlarm>,
    pub scale_in: Option<RawStepAlarm>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RawPolicy {
    TargetTracking,
    Step,
}

/// How a step's `change` is read (AdjustmentType).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawAdjustment {
    Change,
    Percent,
    Exact,
}

/// One CloudWatch alarm of a step scaling policy and the policy it invokes.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStepAlarm {
    pub threshold: f64,
    pub datapoints: Option<i64>,
    pub adjustment: Option<RawAdjustment>,
    pub min_adjustment_magnitude: Option<i64>,
    pub cooldown: Option<RawDuration>,
    pub steps: Vec<RawStep>,
}

/// A step adjustment: bounds relative to the alarm's threshold (absent: unbounded).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub change: i64,
}
