//! The scenario: loading, overriding and validating `scenario.toml`.
//!
//! Two layers: [`raw`] mirrors the file with serde; [`Scenario`] holds checked domain values.
//! [`load`] reads the file, applies `--set` overrides, deserialises (type errors name the key
//! path) and validates every value (errors name the file, key path, value and what is allowed),
//! collecting all problems before reporting, so one run of `slsim validate` lists them all.

pub use crate::units as duration;
mod overrides;
pub mod raw;
pub mod runtime;
pub mod schema;
pub mod settings;
pub mod slo;
pub mod structure;
pub mod sweep;
mod validate;

use std::path::{Path, PathBuf};

pub use overrides::{Override, apply_override, take_seed};
pub use validate::validate;

pub use crate::problem::{ConfigError, Problem};

use crate::dist::Dist;
use crate::engine::{SimDuration, SimTime};
use crate::pricing::LambdaPrices;

/// A validated scenario: everything a run needs, with defaults filled in.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub file: PathBuf,
    pub name: String,
    pub duration: SimDuration,
    pub warmup: SimDuration,
    /// `timeseries_step`: the width of a row of the time series; `None` is "auto" (see
    /// [`crate::metrics::auto_step`]).
    pub timeseries_step: Option<SimDuration>,
    pub seed: u64,
    pub replications: u32,
    pub free_tier: bool,
    pub prices: &'static LambdaPrices,
    pub lambda: LambdaConfig,
    /// Queues and streams polled by event-source mappings.
    pub queues: Vec<QueueConfig>,
    /// ECS services and EC2 fleets.
    pub services: Vec<ServiceConfig>,
    pub apigateway: ApiGatewayConfig,
    pub volume_tiers: VolumeTiers,
    pub workloads: Vec<WorkloadConfig>,
    /// Replayed traces; their functions are in `lambda.functions`.
    pub traces: Vec<crate::trace::TraceConfig>,
    /// The file has a `[sweep]` section (run by `slsim sweep`; `slsim run` runs the base).
    pub has_sweep: bool,
    /// `[slo]`: the objectives `slsim recommend` checks a sweep against.
    pub slo: Option<crate::config::slo::Slo>,
}

/// Where a service's tasks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Fargate,
    EcsEc2,
    Ec2,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Fargate => "fargate",
            Platform::EcsEc2 => "ecs-ec2",
            Platform::Ec2 => "ec2",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Balancing {
    RoundRobin,
    LeastOutstandingRequests,
}

/// A service: `tasks` tasks (or instances), each serving up to `concurrency` requests at once
/// with a FIFO queue of `queue_limit` beyond them, sharing `vcpu` among the CPU work.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    pub name: String,
    pub platform: Platform,
    pub vcpu: f64,
    pub memory_mb: u32,
    /// What one task or instance costs per hour.
    pub usd_per_hour: f64,
    /// The instance type (ecs-ec2, ec2).
    pub instance_type: Option<String>,
    pub concurrency: u32,
    pub queue_limit: u32,
    /// Tasks running from the start (`capacity.initial`), and the bounds autoscaling keeps.
    pub tasks: u32,
    pub min_tasks: u32,
    pub max_tasks: u32,
    /// Scheduled actions: from each time on, (min, max) replace the bounds; the running count
    /// moves into them at once.
    pub capacity_schedule: Vec<(SimTime, u32, u32)>,
    /// From launch until a new task serves.
    pub startup: Dist,
    pub autoscaling: Option<AutoscalingConfig>,
    pub alb: bool,
    pub balancing: Balancing,
    /// Memory model (slsim): MB a task uses at rest, and MB more for each request it holds
    /// (in service or queued).
    pub memory_base_mb: u32,
    pub memory_per_request_mb: f64,
    /// From `startup` until a new task receives traffic (its first ALB health check).
    pub health_check_delay: SimDuration,
    /// Longest a draining task keeps its requests (ALB deregistration delay); `None`: until
    /// they finish (no load balancer).
    pub deregistration_delay: Option<SimDuration>,
    /// Scheduled vertical resizes of the instances (platform "ec2"), in time order.
    pub resize_schedule: Vec<crate::config::settings::Resize>,
    /// Fargate Spot: its share of the tasks, its price and its interruptions (`None`: every
    /// task on Fargate on-demand).
    pub spot: Option<crate::config::settings::SpotConfig>,
    /// ECS on EC2: the container instances the tasks are placed on, and their scaling.
    pub cluster: Option<crate::config::settings::ClusterConfig>,
    /// What the ALB's capacity units are metered from (used when `alb`).
    pub lb: crate::config::settings::AlbConfig,
    /// A burstable (T3) EC2 instance type: its baseline CPU share per vCPU; CPU above it over
    /// the measured period is charged as surplus credits (Unlimited mode).
    pub burst_baseline: Option<f64>,
}

/// What target tracking watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalingMetric {
    /// Average CPU utilisation of the running tasks, in percent.
    Cpu,
    /// Requests per task per minute (ALBRequestCountPerTarget).
    Requests,
    /// Average memory utilisation of the running tasks, in percent
    /// (ECSServiceAverageMemoryUtilization), from slsim's memory model.
    Memory,
}

/// Target tracking on a service (docs/src/facts.md §3.3, §4.4): out after 3 periods above the
/// target, in after 15 periods below 90% of it, to `ceil(tasks x metric / target)` within
/// `[min, max]`, respecting the cooldowns.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoscalingConfig {
    pub metric: ScalingMetric,
    pub target: f64,
    pub period: SimDuration,
    pub scale_out_cooldown: SimDuration,
    pub scale_in_cooldown: SimDuration,
    /// Periods in a row above the target before a scale-out (default 3), and below 90 % of it
    /// before a scale-in (default 15).
    pub datapoints_out: u32,
    pub datapoints_in: u32,
    /// Target tracking (the fields above) or step scaling (its alarms).
    pub policy: crate::config::settings::Policy,
    /// EC2 Auto Scaling instance warm-up: a new instance's metrics are left out, and scale-in
    /// waits, until it has run this long.
    pub warmup: Option<SimDuration>,
}

/// How monthly volume tiers (Lambda duration, API Gateway requests) and the monthly free tier
/// apply when the simulated period is not a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VolumeTiers {
    /// The simulated period is the billing month, starting from zero usage (the default:
    /// exact for a month-long run; a short run stays in the first tiers).
    Period,
    /// The period's usage is scaled to a 30-day month at the same rate, priced there, and the
    /// cost scaled back (the free tier pro-rated likewise): what this period costs within a
    /// month of such traffic.
    Monthly,
}

/// `[apigateway]` and every `[[api]]`.
#[derive(Debug, Clone)]
pub struct ApiGatewayConfig {
    /// Account-level bucket, shared by all APIs (docs/src/facts.md §2.2: 10,000 rps,
    /// burst 5,000).
    pub account: ThrottleConfig,
    pub apis: Vec<ApiConfig>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThrottleConfig {
    pub rate: f64,
    pub burst: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiType {
    Http,
    Rest,
    /// Connections that send messages; each message invokes the route's integration.
    WebSocket,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Regional,
    Edge,
    Private,
}

#[derive(Debug, Clone)]
pub struct ApiConfig {
    pub name: String,
    pub api_type: ApiType,
    pub endpoint: Endpoint,
    pub timeout: SimDuration,
    /// Stage default throttle for every route.
    pub throttle: Option<ThrottleConfig>,
    /// The gateway's own latency per request.
    pub overhead: Dist,
    pub cache: Option<ApiCacheConfig>,
    pub routes: Vec<RouteConfig>,
    pub usage_plans: Vec<UsagePlanConfig>,
}

/// What a WebSocket connection does once open.
#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    /// How long the client keeps it open (API Gateway closes it at 2 hours, or after 10
    /// minutes without a message).
    pub lifetime: Dist,
    /// Messages per minute while open (Poisson).
    pub messages_per_minute: f64,
}

/// A route's backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Integration {
    /// Index into `lambda.functions`.
    Function(usize),
    /// Index into `services`.
    Service(usize),
}

/// A REST API's response cache.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ApiCacheConfig {
    pub size_gb: f64,
    /// Price per hour of this size (docs/src/facts.md §2.4).
    pub usd_per_hour: f64,
    pub ttl: SimDuration,
    pub keys: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UsagePlanConfig {
    pub name: String,
    pub throttle: Option<ThrottleConfig>,
    /// Requests per period (day, week or 30-day month, counted from the run's start).
    pub quota: Option<(u64, SimDuration)>,
}

#[derive(Debug, Clone)]
pub struct AuthorizerConfig {
    /// Index into `lambda.functions`.
    pub function: usize,
    /// 0: every request invokes the authorizer.
    pub cache_ttl: SimDuration,
    /// The authorizer handler's run time on one vCPU.
    pub duration: Dist,
}

#[derive(Debug, Clone)]
pub struct RouteConfig {
    pub route: String,
    /// What the route integrates with.
    pub integration: Integration,
    pub throttle: Option<ThrottleConfig>,
    pub authorizer: Option<AuthorizerConfig>,
}

#[derive(Debug, Clone)]
pub struct LambdaConfig {
    pub concurrency_limit: u32,
    pub unreserved_minimum: u32,
    pub scaling: Scaling,
    pub idle_selection: IdleSelection,
    /// Functions, and each version of an aliased function (named `NAME:VERSION`).
    pub functions: Vec<FunctionConfig>,
    pub aliases: Vec<AliasConfig>,
    /// Functions declared with `copies = N`: `functions[first..first + count]`, named
    /// `NAME-0` .. `NAME-(N-1)`.
    pub copies: Vec<CopyGroup>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyGroup {
    pub name: String,
    pub first: usize,
    pub count: usize,
}

/// A weighted alias: requests to `name` go to one of two versions, each a function of its
/// own in the model (its own environments and provisioned concurrency).
#[derive(Debug, Clone, PartialEq)]
pub struct AliasConfig {
    pub name: String,
    /// Indices into `functions`: the stable version, then the new one.
    pub versions: [usize; 2],
    /// From each time on, the share of requests to the new version (times increasing).
    pub shift: Vec<(SimDuration, f64)>,
}

impl AliasConfig {
    /// The share of requests routed to the new version at `t` (since the run's start).
    pub fn weight_at(&self, t: SimDuration) -> f64 {
        self.shift.iter().take_while(|(at, _)| *at <= t).last().map_or(0.0, |s| s.1)
    }
}

/// How fast Lambda may add execution environments (docs/src/facts.md §1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scaling {
    /// Since 2023-11-27: each function may add 1,000 environments per 10 s, refilled
    /// continuously, never more than 1,000 banked.
    PerFunction,
    /// Before 2023-11-27: one account-wide bucket of `burst` environments, refilled at 500 per
    /// minute.
    AccountBurst {
        burst: u32,
    },
    Unlimited,
}

/// Which idle environment serves the next request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleSelection {
    /// The most recently created idle environment (the default). SimFaaS routes this way and
    /// its authors validated cold-start probability and instance counts against AWS Lambda
    /// measurements; it lets older environments drain and expire, so the pool shrinks after a
    /// peak instead of every environment being kept barely warm.
    NewestCreated,
    /// The environment that became idle last (a stack).
    MostRecentlyUsed,
    /// The environment idle longest (a queue): keeps the most environments alive.
    LeastRecentlyUsed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Architecture {
    X86_64,
    Arm64,
}

impl Architecture {
    pub fn as_str(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }
}

#[derive(Debug, Clone)]
pub struct FunctionConfig {
    pub name: String,
    /// A free label reported in the summary (e.g. a trace function's trigger).
    pub label: Option<String>,
    pub runtime: Option<String>,
    pub architecture: Architecture,
    pub memory_mb: u32,
    /// `memory_size` was given (else `memory_mb` is the 128 MB default: the warnings say so).
    pub memory_given: bool,
    pub timeout: SimDuration,
    pub ephemeral_mb: u32,
    pub reserved: Option<u32>,
    /// Provisioned environments at time 0.
    pub provisioned: u32,
    /// How provisioned concurrency changes after time 0.
    pub provisioned_plan: ProvisionedPlan,
    /// The most provisioned concurrency the plan can reach (what validation sets aside).
    pub provisioned_max: u32,
    pub provisioned_allocation_delay: SimDuration,
    pub keep_alive: Dist,
    pub keep_alive_policy: KeepAlivePolicyConfig,
    /// Cold-start init of the runtime and function code: `init_duration`, or the runtime's
    /// default plus what the package size adds.
    pub init: Dist,
    /// Unzipped package size in MB (0 if not given).
    pub package_mb: u32,
    /// Lambda extensions, in the order declared.
    pub extensions: Vec<Extension>,
    /// SnapStart, if enabled.
    pub snap_start: Option<SnapStart>,
    pub error_rate: f64,
    pub maximum_retry_attempts: u32,
    pub maximum_event_age: SimDuration,
    pub on_failure: Option<String>,
}

/// A Lambda extension: a process beside the function's runtime (docs/src/facts.md §1.3). How
/// its times combine with the function's is in `lambda::phases`.
#[derive(Debug, Clone)]
pub struct Extension {
    pub name: String,
    /// What the extension adds to a cold start's init.
    pub init: Dist,
    /// How long it keeps working after each invocation's handler returns.
    pub post_invocation: Dist,
}

/// SnapStart on a function (docs/src/facts.md §1.3): a cold start restores the snapshot of an
/// initialised environment (extensions included) instead of running init.
#[derive(Debug, Clone)]
pub struct SnapStart {
    /// Restore Duration: replaces init on a cold start.
    pub restore: Dist,
    /// Cache and restore charges apply (Python, .NET); Java SnapStart is free.
    pub priced: bool,
}

impl FunctionConfig {
    /// vCPU share of the function: 1,769 MB = 1 vCPU, capped at 6 (docs/src/facts.md §1.1).
    pub fn vcpu(&self) -> f64 {
        (self.memory_mb as f64 / 1769.0).min(6.0)
    }
}

/// How a function's provisioned concurrency changes over the run.
#[derive(Debug, Clone, PartialEq)]
pub enum ProvisionedPlan {
    Constant,
    /// Scheduled actions: from each time on, this many environments (times increasing).
    Schedule(Vec<(SimDuration, u32)>),
    /// Application Auto Scaling target tracking on utilisation (busy / provisioned, averaged
    /// per minute): out after 3 minutes above `target`, in after 15 minutes below 90% of it.
    TargetTracking {
        target: f64,
        min: u32,
        max: u32,
    },
}

/// Which keep-alive policy a function's environments follow.
#[derive(Debug, Clone, PartialEq)]
pub enum KeepAlivePolicyConfig {
    /// Keep idle for `keep_alive` (AWS's observed behaviour; the default).
    Fixed,
    /// Shahrad et al.'s hybrid histogram, with `keep_alive` as its fallback.
    HybridHistogram(crate::config::settings::HybridConfig),
}

#[derive(Debug, Clone)]
pub struct WorkloadConfig {
    pub name: String,
    /// Indices into `lambda.functions`; each receives an identical copy of the stream.
    pub functions: Vec<usize>,
    /// Indices into `lambda.aliases`, which also receive a copy each.
    pub aliases: Vec<usize>,
    /// Indices into `queues`: each also receives a copy, as records put on the queue.
    pub queues: Vec<usize>,
    /// (api, route) pairs: each also receives a copy, through API Gateway.
    pub apis: Vec<(usize, usize)>,
    /// Indices into `services`: each also receives a copy.
    pub services: Vec<usize>,
    /// The usage plan (index into the api's plans) whose key the clients send, per api target.
    pub api_keys: Vec<Option<usize>>,
    /// Distinct clients sending the requests (authorizer cache identities).
    pub clients: u32,
    /// With a WebSocket api target: each arrival opens a connection that sends messages.
    pub connection: Option<ConnectionConfig>,
    /// Request size in KB (metering of HTTP APIs).
    pub request_size_kb: f64,
    pub arrivals: Arrivals,
    /// Handler run time on one full vCPU.
    pub work: Dist,
    pub cpu_bound: f64,
    pub threads: u32,
    pub invocation: Invocation,
    /// Where the load comes from, as labelled in the scenario (reported in the summary).
    pub source: Option<String>,
}

/// What kind of event source an event-source mapping polls (docs/src/facts.md §1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueKind {
    /// SQS standard queue: batches in any order, pollers that scale with the backlog.
    Sqs,
    /// SQS FIFO queue: in order within a message group, one batch in flight per group.
    SqsFifo,
    /// Kinesis data stream: one batch in flight per shard and parallelization slot, in order.
    Kinesis,
    /// DynamoDB stream: as Kinesis, polled 4 times a second.
    DynamodbStream,
}

impl QueueKind {
    pub fn as_str(self) -> &'static str {
        match self {
            QueueKind::Sqs => "sqs",
            QueueKind::SqsFifo => "sqs-fifo",
            QueueKind::Kinesis => "kinesis",
            QueueKind::DynamodbStream => "dynamodb-stream",
        }
    }

    pub fn is_sqs(self) -> bool {
        matches!(self, QueueKind::Sqs | QueueKind::SqsFifo)
    }

    pub fn is_stream(self) -> bool {
        !self.is_sqs()
    }
}

/// A queue or stream and the event-source mapping that invokes `function` with its records.
#[derive(Debug, Clone)]
pub struct QueueConfig {
    pub name: String,
    pub kind: QueueKind,
    /// Index into `lambda.functions`.
    pub function: usize,
    /// Records per invocation, at most.
    pub batch_size: u32,
    /// How long a batch may gather records before it goes (zero: whatever is there).
    pub batch_window: SimDuration,
    /// SQS: concurrent batches at most (`None`: the mapping's own ceiling).
    pub maximum_concurrency: Option<u32>,
    /// Streams: shards, and batches in flight per shard.
    pub shards: u32,
    pub parallelization_factor: u32,
    /// SQS: how long a received message stays invisible (a failed batch comes back after it).
    pub visibility_timeout: SimDuration,
    /// SQS: receives after which a failing message goes to the dead-letter queue.
    pub max_receive_count: Option<u32>,
    /// How long the source keeps a record; older ones are dropped (counted as failed).
    pub retention: SimDuration,
    /// SQS FIFO: message groups the records are spread over (uniformly).
    pub message_groups: u32,
    /// Streams: retries of a failing batch before its records are discarded (`None`: until
    /// they expire).
    pub maximum_retry_attempts: Option<u32>,
    /// Streams: records older than this are discarded instead of being (re)tried.
    pub maximum_record_age: Option<SimDuration>,
}

impl QueueConfig {
    /// Batches that may be in flight at once from a stream: shards x parallelization factor.
    pub fn lanes(&self) -> u32 {
        self.shards * self.parallelization_factor
    }
}

/// AWS services that push events to Lambda, always asynchronously (docs/src/facts.md §1.4).
pub const PUSH_SOURCES: [&str; 3] = ["s3", "sns", "eventbridge"];

/// How a workload invokes its functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invocation {
    /// The caller waits; a throttle is a 429 to the caller.
    Sync,
    /// Events are queued by Lambda and retried (docs/src/facts.md §1.4).
    Async,
}

/// An arrival process, rates in requests per second (any `scale` already applied).
#[derive(Debug, Clone, PartialEq)]
pub enum Arrivals {
    Poisson {
        rate: f64,
    },
    Constant {
        rate: f64,
    },
    /// Non-homogeneous Poisson with a piecewise-linear rate through (seconds, rate) points,
    /// or with `step`, each point's rate held until the next; constant before the first and
    /// after the last.
    Profile {
        points: Vec<(f64, f64)>,
        step: bool,
    },
    /// Non-homogeneous Poisson: `mean * (1 + a cos(2 pi (t - peak) / period))`, with `a` set
    /// by the peak-to-trough ratio.
    Diurnal {
        mean: f64,
        amplitude: f64,
        period_s: f64,
        peak_s: f64,
    },
    /// Markov-modulated Poisson: in each state (rate, mean sojourn in seconds) for an
    /// exponential time, then to another state chosen uniformly; starts in the first.
    Mmpp {
        states: Vec<(f64, f64)>,
    },
}

impl Arrivals {
    /// The rate at `t` seconds (for the non-homogeneous processes; MMPP: the mean rate).
    pub fn rate_at(&self, t: f64) -> f64 {
        match self {
            Arrivals::Poisson { rate } | Arrivals::Constant { rate } => *rate,
            Arrivals::Profile { points, step } => {
                let i = points.partition_point(|p| p.0 <= t);
                match (i.checked_sub(1).map(|j| points[j]), points.get(i)) {
                    (None, Some(first)) => first.1,
                    (Some(last), None) => last.1,
                    (Some((_, r0)), Some(_)) if *step => r0,
                    (Some((t0, r0)), Some(&(t1, r1))) => r0 + (r1 - r0) * (t - t0) / (t1 - t0),
                    (None, None) => 0.0,
                }
            }
            Arrivals::Diurnal { mean, amplitude, period_s, peak_s } => {
                let phase = 2.0 * std::f64::consts::PI * (t - peak_s) / period_s;
                mean * (1.0 + amplitude * phase.cos())
            }
            Arrivals::Mmpp { states } => {
                let time: f64 = states.iter().map(|s| s.1).sum();
                states.iter().map(|s| s.0 * s.1).sum::<f64>() / time
            }
        }
    }

    /// An upper bound of the rate over all time (for thinning).
    pub fn max_rate(&self) -> f64 {
        match self {
            Arrivals::Poisson { rate } | Arrivals::Constant { rate } => *rate,
            Arrivals::Profile { points, .. } => points.iter().map(|p| p.1).fold(0.0, f64::max),
            Arrivals::Diurnal { mean, amplitude, .. } => mean * (1.0 + amplitude),
            Arrivals::Mmpp { states } => states.iter().map(|s| s.0).fold(0.0, f64::max),
        }
    }
}

/// Reads, overrides, deserialises and validates a scenario file.
pub fn load(path: &Path, overrides: &[Override]) -> Result<Scenario, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::one(path, "", format!("cannot read the scenario: {e}")))?;
    load_str(path, &text, overrides)
}

/// Validates scenario text as if read from `path` (relative paths resolve beside it).
pub fn load_str(path: &Path, text: &str, overrides: &[Override]) -> Result<Scenario, ConfigError> {
    check_and_validate(path, parse_table(path, text, overrides)?)
}

/// Reads a scenario file into a TOML table and applies `overrides` (as `--set` does), without
/// validating it: sweeps derive each point's scenario from this table.
pub fn load_table(path: &Path, overrides: &[Override]) -> Result<toml::Table, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::one(path, "", format!("cannot read the scenario: {e}")))?;
    parse_table(path, &text, overrides)
}

/// Validates a scenario table (from [`load_table`]) as if read from `path`, with `overrides`
/// applied first; errors name an override by its flag, `flag` (`--set`, `--param`).
pub fn from_table(
    path: &Path,
    mut table: toml::Table,
    overrides: &[Override],
    flag: &str,
) -> Result<Scenario, ConfigError> {
    for o in overrides {
        apply_override(&mut table, o)
            .map_err(|msg| ConfigError::one(path, format!("{flag} {}", o.key), msg))?;
    }
    check_and_validate(path, table)
}

/// The structural check (every unknown key, wrong type and unknown name at once, with
/// suggestions), then deserialisation and validation of what was right, so one run lists the
/// structural problems together with the meaning errors of the rest.
fn check_and_validate(path: &Path, table: toml::Table) -> Result<Scenario, ConfigError> {
    let checked = structure::check(&table);
    let dir = path.parent().unwrap_or(Path::new("."));
    let raw = serde_path_to_error::deserialize::<_, raw::RawScenario>(toml::Value::Table(
        checked.cleaned,
    ));
    let structural = checked.problems;
    match raw {
        Ok(raw) if structural.is_empty() => validate(path, dir, raw),
        Ok(raw) => {
            let mut problems = structural;
            if let Err(e) = validate(path, dir, raw) {
                problems.extend(e.problems);
            }
            Err(ConfigError { file: path.to_path_buf(), problems })
        }
        Err(_) if !structural.is_empty() => {
            Err(ConfigError { file: path.to_path_buf(), problems: structural })
        }
        Err(e) => {
            let key = e.path().to_string();
            let key = if key == "." { String::new() } else { key };
            Err(ConfigError::one(path, key, e.inner().to_string().trim_end().to_string()))
        }
    }
}

/// Parses scenario text into a table (syntax errors name the line), applying overrides.
pub fn parse_table(
    path: &Path,
    text: &str,
    overrides: &[Override],
) -> Result<toml::Table, ConfigError> {
    let mut table: toml::Table = toml::from_str(text).map_err(|e: toml::de::Error| {
        ConfigError::one(path, "", e.to_string().trim_end().to_string())
    })?;
    for o in overrides {
        apply_override(&mut table, o)
            .map_err(|msg| ConfigError::one(path, format!("--set {}", o.key), msg))?;
    }
    Ok(table)
}
