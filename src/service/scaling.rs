//! Scaling policies of a service: what one evaluation of the metric decides.
//!
//! Target tracking (the default) lives in `mod.rs`; this file holds the metric measurement
//! shared by both policies (with EC2 instance warm-up) and step scaling, as Application Auto
//! Scaling (ECS) and EC2 Auto Scaling define it:
//!
//! ```text
//!  every `period`: metric ──► scale-out alarm: metric >= threshold for `datapoints` periods?
//!                        │        yes ──► step whose [lower, upper) holds metric - threshold
//!                        │                ──► desired = adjust(capacity) within [min, max]
//!                        └──► scale-in alarm: metric <= threshold for `datapoints` periods?
//!                                 yes ──► step whose (lower, upper] holds metric - threshold
//! ```
//!
//! An alarm invokes its policy every period it stays in ALARM. Sources (AWS API references,
//! `StepAdjustment`, `StepScalingPolicyConfiguration`; EC2 Auto Scaling user guide):
//! - bounds are relative to the threshold; above it the lower bound is inclusive and the upper
//!   exclusive, below it the reverse;
//! - `ChangeInCapacity` adds `change`; `ExactCapacity` sets it; `PercentChangeInCapacity` adds
//!   `change` % of the capacity, rounded towards zero but at least 1 in magnitude, and at least
//!   `MinAdjustmentMagnitude`;
//! - ECS (`Cooldown`, default 300 s): during a scale-out cooldown the capacity added by the
//!   scale-out that started it counts as part of the capacity, so a larger step adds only the
//!   difference; a scale-in cooldown blocks further scale-ins, and a scale-out ends it;
//! - EC2 (`warmup`, no cooldown): instances warming up are not counted as capacity (the
//!   adjustment applies to the warmed ones, and only what exceeds the current capacity is
//!   launched), their metrics are left out, and scale-in waits until none is warming.

use crate::config::ScalingMetric;
pub use crate::config::settings::{Adjustment, Policy, Step, StepAlarm};
use crate::engine::{SimDuration, SimTime};

impl StepAlarm {
    /// The change of the step holding `metric` (the alarm is `above` its threshold for a
    /// scale-out alarm, below it for a scale-in one).
    pub fn change_for(&self, metric: f64, above: bool) -> Option<i64> {
        let d = metric - self.threshold;
        self.steps
            .iter()
            .find(|s| {
                let lo = s.lower.unwrap_or(f64::NEG_INFINITY);
                let hi = s.upper.unwrap_or(f64::INFINITY);
                if above { lo <= d && d < hi } else { lo < d && d <= hi }
            })
            .map(|s| s.change)
    }

    /// The capacity that `change` asks for from `capacity`.
    pub fn desired(&self, change: i64, capacity: u32) -> i64 {
        let c = capacity as i64;
        match self.adjustment {
            Adjustment::Change => c + change,
            Adjustment::Exact => change,
            Adjustment::Percent => {
                let v = capacity as f64 * change as f64 / 100.0;
                // towards zero, but at least one task, and at least the minimum magnitude
                let mut n = if v >= 1.0 {
                    v.floor() as i64
                } else if v > 0.0 {
                    1
                } else if v > -1.0 && v < 0.0 {
                    -1
                } else {
                    v.ceil() as i64
                };
                let min = self.min_adjustment_magnitude as i64;
                if n != 0 && n.abs() < min {
                    n = n.signum() * min;
                }
                c + n
            }
        }
    }
}

/// The metric of one evaluation, from what the counted tasks did over the period.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Measured {
    /// Tasks whose metrics count (serving, and warmed up).
    pub counted: u32,
    /// vCPU-nanoseconds used, and vCPUs x period offered, by the counted tasks.
    pub cpu_used: f64,
    pub cpu_offered: f64,
    /// MB-nanoseconds used, and MB x period offered.
    pub memory_used: f64,
    pub memory_offered: f64,
    pub requests: u64,
}

impl Measured {
    pub fn value(&self, metric: ScalingMetric, period: SimDuration) -> f64 {
        let pct =
            |used: f64, offered: f64| if offered > 0.0 { 100.0 * used / offered } else { 0.0 };
        match metric {
            ScalingMetric::Cpu => pct(self.cpu_used, self.cpu_offered),
            ScalingMetric::Memory => pct(self.memory_used, self.memory_offered),
            ScalingMetric::Requests => {
                self.requests as f64 / self.counted.max(1) as f64 / (period.as_secs_f64() / 60.0)
            }
        }
    }
}

/// The state a step policy keeps between evaluations.
#[derive(Debug, Clone, Copy, Default)]
pub struct StepState {
    /// Periods in a row at or beyond each alarm's threshold.
    pub high: u32,
    pub low: u32,
    /// The last scale-out: when, and the capacity it adjusted from.
    pub last_out: Option<(SimTime, u32)>,
    /// The last scale-in, unless a scale-out has ended its cooldown since.
    pub last_in: Option<SimTime>,
}

/// What a step policy decides at one evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepDecision {
    None,
    /// Launch this many tasks; the capacity adjusted from (for the cooldown).
    Out {
        launch: u32,
        base: u32,
    },
    /// Drain this many tasks.
    In {
        drain: u32,
    },
}

/// The situation of the service when a step policy is evaluated.
#[derive(Debug, Clone, Copy)]
pub struct Capacity {
    /// Tasks counted by the bounds (running or starting, not draining).
    pub active: u32,
    /// Of those, still warming up (EC2 with `warmup`).
    pub warming: u32,
    pub min: u32,
    pub max: u32,
}

/// One evaluation of a step policy with metric `m` (None: no task to measure, no datapoint).
pub fn step(
    out: Option<&StepAlarm>,
    inn: Option<&StepAlarm>,
    st: &mut StepState,
    m: Option<f64>,
    cap: Capacity,
    now: SimTime,
) -> StepDecision {
    let Some(m) = m else { return StepDecision::None };
    st.high = if out.is_some_and(|a| m >= a.threshold) { st.high + 1 } else { 0 };
    st.low = if inn.is_some_and(|a| m <= a.threshold) { st.low + 1 } else { 0 };
    let clamp = |d: i64| d.clamp(cap.min as i64, cap.max as i64) as u32;
    if let Some(a) = out.filter(|a| st.high >= a.datapoints) {
        let Some(change) = a.change_for(m, true) else { return StepDecision::None };
        // warming instances are not capacity yet (EC2); during an ECS cooldown, what the last
        // scale-out added is (its base is the capacity before it)
        let base = match st.last_out {
            Some((at, base)) if now < at + a.cooldown => base,
            _ => cap.active - cap.warming,
        };
        let desired = clamp(a.desired(change, base));
        if desired > cap.active {
            return StepDecision::Out { launch: desired - cap.active, base };
        }
        return StepDecision::None;
    }
    if let Some(a) = inn.filter(|a| st.low >= a.datapoints) {
        let cooling = st.last_in.is_some_and(|at| now < at + a.cooldown);
        if cooling || cap.warming > 0 {
            return StepDecision::None;
        }
        let Some(change) = a.change_for(m, false) else { return StepDecision::None };
        let desired = clamp(a.desired(change, cap.active));
        if desired < cap.active {
            return StepDecision::In { drain: cap.active - desired };
        }
    }
    StepDecision::None
}

impl super::Service {
    /// The period's metrics over the tasks that count (serving, and warmed up); every task's
    /// period integrals start again.
    pub(super) fn measure(&mut self, now: SimTime) -> Measured {
        let Some(a) = &self.cfg.autoscaling else { return Measured::default() };
        let p = a.period.0 as f64;
        let (base, per_request) = (self.cfg.memory_base_mb as f64, self.cfg.memory_per_request_mb);
        let mut m = Measured::default();
        for t in self.tasks.iter_mut().filter(|t| !t.gone) {
            t.integrate(now);
            if t.serving(now) && t.warm_at <= now {
                m.counted += 1;
                m.cpu_used += t.cpu_used;
                m.cpu_offered += t.vcpu * p;
                m.memory_used += base * p + per_request * t.held_used;
                m.memory_offered += t.memory_mb as f64 * p;
                m.requests += t.requests;
            }
            (t.cpu_used, t.held_used, t.requests) = (0.0, 0.0, 0);
        }
        m
    }

    /// Tasks counted by the bounds that are still warming up.
    pub(super) fn warming(&self, now: SimTime) -> u32 {
        self.tasks.iter().filter(|t| !t.gone && !t.draining && t.warm_at > now).count() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alarm(adjustment: Adjustment, steps: &[(Option<f64>, Option<f64>, i64)]) -> StepAlarm {
        StepAlarm {
            threshold: 50.0,
            datapoints: 1,
            adjustment,
            min_adjustment_magnitude: 0,
            cooldown: SimDuration::from_secs(300),
            steps: steps
                .iter()
                .map(|&(lower, upper, change)| Step { lower, upper, change })
                .collect(),
        }
    }

    #[test]
    fn bounds_are_inclusive_on_the_side_of_the_threshold_as_aws_documents() {
        // StepAdjustment's example: threshold 50, [0, 10) above; (-10, 0] below
        let out = alarm(Adjustment::Change, &[(Some(0.0), Some(10.0), 1), (Some(10.0), None, 3)]);
        assert_eq!(out.change_for(50.0, true), Some(1));
        assert_eq!(out.change_for(59.99, true), Some(1));
        assert_eq!(out.change_for(60.0, true), Some(3));
        let inn =
            alarm(Adjustment::Change, &[(None, Some(-10.0), -2), (Some(-10.0), Some(0.0), -1)]);
        assert_eq!(inn.change_for(50.0, false), Some(-1));
        assert_eq!(inn.change_for(40.0, false), Some(-2));
        assert_eq!(inn.change_for(40.01, false), Some(-1));
    }

    #[test]
    fn percent_change_rounds_towards_zero_but_moves_at_least_one() {
        let mut a = alarm(Adjustment::Percent, &[]);
        assert_eq!(a.desired(25, 4), 5); // +1
        assert_eq!(a.desired(25, 10), 12); // +2.5 -> +2
        assert_eq!(a.desired(10, 3), 4); // +0.3 -> +1
        assert_eq!(a.desired(-10, 3), 2); // -0.3 -> -1
        assert_eq!(a.desired(-30, 10), 7); // -3
        assert_eq!(a.desired(-25, 10), 8); // -2.5 -> -2
        // MinAdjustmentMagnitude's example: 25 % of 4 with a minimum of 2 adds 2
        a.min_adjustment_magnitude = 2;
        assert_eq!(a.desired(25, 4), 6);
        let exact = alarm(Adjustment::Exact, &[]);
        assert_eq!(exact.desired(7, 2), 7);
    }

    #[test]
    fn a_larger_step_during_the_cooldown_adds_only_the_difference() {
        // AAS's example: +2, then (in the cooldown) a step of +3 adds 1
        let out = alarm(Adjustment::Change, &[(Some(0.0), Some(20.0), 2), (Some(20.0), None, 3)]);
        let mut st = StepState::default();
        let cap = |active| Capacity { active, warming: 0, min: 1, max: 100 };
        let t = |s: u64| SimTime(s * 1_000_000_000);
        let d = step(Some(&out), None, &mut st, Some(60.0), cap(4), t(60));
        assert_eq!(d, StepDecision::Out { launch: 2, base: 4 });
        st.last_out = Some((t(60), 4));
        // the same step again: 4 + 2 = 6 tasks already
        assert_eq!(step(Some(&out), None, &mut st, Some(60.0), cap(6), t(120)), StepDecision::None);
        // a larger one: 4 + 3 = 7, one more
        let d = step(Some(&out), None, &mut st, Some(80.0), cap(6), t(180));
        assert_eq!(d, StepDecision::Out { launch: 1, base: 4 });
        // after the cooldown the step applies to the whole capacity
        let d = step(Some(&out), None, &mut st, Some(60.0), cap(7), t(360));
        assert_eq!(d, StepDecision::Out { launch: 2, base: 7 });
    }

    #[test]
    fn warming_instances_are_not_capacity_and_block_scale_in() {
        let mut out = alarm(Adjustment::Change, &[(Some(0.0), None, 1)]);
        out.cooldown = SimDuration::ZERO;
        let mut inn = alarm(Adjustment::Change, &[(None, Some(0.0), -1)]);
        inn.cooldown = SimDuration::ZERO;
        let mut st = StepState::default();
        // 4 warmed + 1 warming: 4 + 1 = 5, nothing more to launch
        let cap = Capacity { active: 5, warming: 1, min: 1, max: 10 };
        assert_eq!(
            step(Some(&out), None, &mut st, Some(70.0), cap, SimTime(1)),
            StepDecision::None
        );
        assert_eq!(
            step(None, Some(&inn), &mut st, Some(10.0), cap, SimTime(2)),
            StepDecision::None
        );
        let warm = Capacity { warming: 0, ..cap };
        assert_eq!(
            step(None, Some(&inn), &mut st, Some(10.0), warm, SimTime(3)),
            StepDecision::In { drain: 1 }
        );
    }

    #[test]
    fn the_alarm_needs_its_datapoints_in_a_row() {
        let mut out = alarm(Adjustment::Change, &[(Some(0.0), None, 1)]);
        out.datapoints = 3;
        let mut st = StepState::default();
        let cap = Capacity { active: 1, warming: 0, min: 1, max: 10 };
        let mut go = |m| step(Some(&out), None, &mut st, Some(m), cap, SimTime(1));
        assert_eq!(go(60.0), StepDecision::None);
        assert_eq!(go(60.0), StepDecision::None);
        assert_eq!(go(40.0), StepDecision::None, "a datapoint below resets the count");
        assert_eq!(go(60.0), StepDecision::None);
        assert_eq!(go(60.0), StepDecision::None);
        assert_eq!(go(60.0), StepDecision::Out { launch: 1, base: 1 });
    }
}
