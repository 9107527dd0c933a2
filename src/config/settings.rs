//! Validated settings of the platform models, as plain data: what a scenario sets for
//! keep-alive policies and ECS/EC2 services. The behaviour that reads them lives with the
//! models (`lambda::keep_alive`, `service::*`), which import these types; the scenario layer
//! imports no model.

use crate::dist::Dist;
use crate::engine::{SimDuration, SimTime};

/// Settings of the hybrid-histogram policy of Shahrad et al., "Serverless in the Wild"
/// (USENIX ATC 2020), section 4.2.
#[derive(Clone, Debug, PartialEq)]
pub struct HybridConfig {
    /// Idle times longer than this are out of bounds (the paper: 4 hours, 1-minute bins).
    pub range: SimDuration,
    /// Percentile of idle times that sets the pre-warm window (paper: 5th).
    pub head: f64,
    /// Percentile that sets the end of the keep-alive window (paper: 99th).
    pub tail: f64,
    /// Safety margin: pre-warm this share earlier, keep alive this share longer (paper: 10%).
    pub margin: f64,
    /// Fewer idle times than this: not yet representative, use the fallback.
    pub min_samples: u32,
    /// The histogram is representative when the coefficient of variation of its bin counts
    /// is at least this (paper: 2); otherwise use the fallback.
    pub cv_threshold: f64,
}

impl Default for HybridConfig {
    fn default() -> Self {
        HybridConfig {
            range: SimDuration::from_secs(4 * 3600),
            head: 0.05,
            tail: 0.99,
            margin: 0.10,
            min_samples: 10,
            cv_threshold: 2.0,
        }
    }
}

/// How a step's `change` is read (AdjustmentType).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adjustment {
    /// ChangeInCapacity: add `change` tasks.
    Change,
    /// PercentChangeInCapacity: add `change` % of the capacity.
    Percent,
    /// ExactCapacity: set the capacity to `change`.
    Exact,
}

/// One step adjustment: it applies when `metric - threshold` lies between the bounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub change: i64,
}

/// A CloudWatch alarm on the metric and the step policy it invokes.
#[derive(Debug, Clone, PartialEq)]
pub struct StepAlarm {
    pub threshold: f64,
    /// Periods in a row beyond the threshold that put the alarm in ALARM.
    pub datapoints: u32,
    pub adjustment: Adjustment,
    pub min_adjustment_magnitude: u32,
    /// ECS step policies only (EC2 uses warm-up instead).
    pub cooldown: SimDuration,
    /// Sorted by bounds, without gaps or overlaps (checked when the scenario is read).
    pub steps: Vec<Step>,
}

/// Which policy acts on the metric.
#[derive(Debug, Clone, PartialEq)]
pub enum Policy {
    TargetTracking,
    Step { scale_out: Option<StepAlarm>, scale_in: Option<StepAlarm> },
}

/// Fargate Spot on a service (docs/src/facts.md §3.2; ECS capacity provider strategies).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpotConfig {
    /// Share of the on-demand price saved: 0.7 by default (FG-SPOT: "up to 70 %"; sources
    /// report 50-70 %).
    pub discount: f64,
    /// Interruptions per Spot task-hour: AWS publishes no rate; 0.01 by default (an
    /// assumption: one interruption per task every ~4 days).
    pub interruptions_per_hour: f64,
    /// From the warning (SIGTERM) to the forced stop: the container's `stopTimeout`, which
    /// Fargate Spot caps at the 2-minute warning (120 s, the default; ECS's own default is
    /// 30 s).
    pub stop_timeout: SimDuration,
    /// The strategy: the first `base` tasks on one provider (`base_spot` says which), the rest
    /// split `weight` (on-demand) to `spot_weight`.
    pub base: u32,
    pub base_spot: bool,
    pub weight: u32,
    pub spot_weight: u32,
}

/// The cluster of an ECS-on-EC2 service.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// Tasks that fit on one instance by their reserved vCPU and memory.
    pub tasks_per_instance: u32,
    /// The Auto Scaling group's bounds.
    pub min: u32,
    pub max: u32,
    /// Managed scaling's target for CapacityProviderReservation, in percent (100: no spare
    /// instances; lower keeps spare room for tasks to start at once).
    pub target_capacity: u32,
    /// From an instance's launch until tasks can be placed on it.
    pub boot: Dist,
    /// How long an instance stays empty before it is terminated (when surplus).
    pub scale_in_after: SimDuration,
}

/// What the LCUs are metered from (`load_balancer = { kind = "alb", ... }`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlbConfig {
    /// Requests a client sends on one connection (keep-alive); 1 by default: every request a
    /// new connection, the upper bound of the new-connections dimension.
    pub requests_per_connection: f64,
    /// How long a connection stays open; by default the time its requests take.
    pub connection_duration: Option<SimDuration>,
    /// Request and response sizes in KB (defaults 1 and 4: an assumption, not a measurement).
    pub request_kb: f64,
    pub response_kb: f64,
    /// Listener rules a request is evaluated against (default 1, the default rule).
    pub rules: u32,
}

impl Default for AlbConfig {
    fn default() -> Self {
        AlbConfig {
            requests_per_connection: 1.0,
            connection_duration: None,
            request_kb: 1.0,
            response_kb: 4.0,
            rules: 1,
        }
    }
}

/// From `at` on, the service's instances are of `instance_type`.
#[derive(Debug, Clone, PartialEq)]
pub struct Resize {
    pub at: SimTime,
    pub instance_type: String,
    pub vcpu: f64,
    pub memory_mb: u32,
    pub usd_per_hour: f64,
}
