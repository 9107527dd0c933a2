//! `[[service]]` scaling and lifecycle keys: the autoscaling policy (target tracking or step
//! scaling, EC2 warm-up), the memory model, the load balancer's health-check and
//! deregistration delays, and scheduled resizes.

use super::Checker;
use crate::config::raw::*;
use crate::config::settings::Resize;
use crate::config::settings::{Adjustment, Policy, Step, StepAlarm};
use crate::config::*;

/// `service[i].autoscaling`, checked for a service of `platform` and `memory_mb` whose memory
/// model gives `memory_per_request` MB a request.
pub(super) fn autoscaling(
    c: &mut Checker,
    i: &str,
    a: &RawAutoscaling,
    platform: Platform,
    memory_per_request: f64,
) -> Option<AutoscalingConfig> {
    let k = |n: &str| format!("{i}.autoscaling.{n}");
    let metric = match a.metric {
        RawMetric::Cpu => ScalingMetric::Cpu,
        RawMetric::Requests => ScalingMetric::Requests,
        RawMetric::Memory => ScalingMetric::Memory,
    };
    if metric == ScalingMetric::Memory && memory_per_request <= 0.0 {
        c.bad(
            k("metric"),
            "\"memory\" needs memory_per_request above 0 (MB a task uses for each request it \
             holds): without it memory use never changes, so the policy never acts",
        );
    }
    let ec2 = platform == Platform::Ec2;
    let warmup = a.warmup.map(|w| {
        if !ec2 {
            c.bad(
                k("warmup"),
                "applies to platform = \"ec2\" (EC2 Auto Scaling's instance warm-up); ECS \
                 service auto scaling uses cooldowns",
            );
        }
        c.duration(&k("warmup"), Some(w), 0, 0, 86_400)
    });
    // EC2 Auto Scaling's target tracking and step policies use warm-up, not cooldowns
    // (docs/src/facts.md §4.4); ECS's default to 300 s (docs/src/facts.md §3.3)
    let default_cooldown = if warmup.is_some() { 0 } else { 300 };
    let step = a.policy == Some(RawPolicy::Step);
    let policy = if step {
        for (name, given) in [
            ("target", a.target.is_some()),
            ("scale_out_cooldown", a.scale_out_cooldown.is_some()),
            ("scale_in_cooldown", a.scale_in_cooldown.is_some()),
            ("datapoints_out", a.datapoints_out.is_some()),
            ("datapoints_in", a.datapoints_in.is_some()),
        ] {
            if given {
                c.bad(
                    k(name),
                    "applies to target tracking; a step policy takes scale_out and scale_in \
                     alarms ({ threshold, datapoints, adjustment, cooldown, steps })",
                );
            }
        }
        if a.scale_out.is_none() && a.scale_in.is_none() {
            c.bad(k("policy"), "\"step\" needs scale_out, scale_in or both");
        }
        let out = a.scale_out.as_ref().map(|r| alarm(c, &k("scale_out"), r, metric, true, ec2));
        let inn = a.scale_in.as_ref().map(|r| alarm(c, &k("scale_in"), r, metric, false, ec2));
        if let (Some(o), Some(n)) = (&out, &inn)
            && n.threshold >= o.threshold
        {
            c.bad(
                k("scale_in.threshold"),
                format!(
                    "{} is not below scale_out.threshold = {}; the alarms must not overlap",
                    n.threshold, o.threshold
                ),
            );
        }
        Policy::Step { scale_out: out, scale_in: inn }
    } else {
        for (name, given) in
            [("scale_out", a.scale_out.is_some()), ("scale_in", a.scale_in.is_some())]
        {
            if given {
                c.bad(k(name), "applies to policy = \"step\"; target tracking takes a target");
            }
        }
        match a.target {
            None => {
                c.bad(k("target"), "is required for target tracking (or set policy = \"step\")")
            }
            Some(t) if !(t > 0.0 && t <= ceiling(metric)) => c.bad(
                k("target"),
                format!("{t} is not allowed; above 0 and at most {}", ceiling(metric)),
            ),
            Some(_) => {}
        }
        Policy::TargetTracking
    };
    Some(AutoscalingConfig {
        metric,
        target: a.target.unwrap_or(0.0),
        period: c.duration(&k("period"), a.period, 60, 10, 3600),
        scale_out_cooldown: c.duration(
            &k("scale_out_cooldown"),
            a.scale_out_cooldown,
            default_cooldown,
            0,
            86_400,
        ),
        scale_in_cooldown: c.duration(
            &k("scale_in_cooldown"),
            a.scale_in_cooldown,
            default_cooldown,
            0,
            86_400,
        ),
        datapoints_out: c.int(&k("datapoints_out"), a.datapoints_out, 3, 1, 1440, " periods"),
        datapoints_in: c.int(&k("datapoints_in"), a.datapoints_in, 15, 1, 1440, " periods"),
        policy,
        warmup,
    })
}

/// The largest value a metric can take: 100 % for utilisations.
fn ceiling(metric: ScalingMetric) -> f64 {
    if metric == ScalingMetric::Requests { 1e9 } else { 100.0 }
}

/// One step-scaling alarm at `key`; `out` for the scale-out one.
fn alarm(
    c: &mut Checker,
    key: &str,
    r: &RawStepAlarm,
    metric: ScalingMetric,
    out: bool,
    ec2: bool,
) -> StepAlarm {
    let k = |n: &str| format!("{key}.{n}");
    let hi = ceiling(metric);
    if !(r.threshold >= 0.0 && r.threshold <= hi) {
        c.bad(k("threshold"), format!("{} is not allowed; 0..={hi}", r.threshold));
    }
    let adjustment = match r.adjustment.unwrap_or(RawAdjustment::Change) {
        RawAdjustment::Change => Adjustment::Change,
        RawAdjustment::Percent => Adjustment::Percent,
        RawAdjustment::Exact => Adjustment::Exact,
    };
    if r.min_adjustment_magnitude.is_some() && adjustment != Adjustment::Percent {
        c.bad(k("min_adjustment_magnitude"), "applies to adjustment = \"percent\"");
    }
    if r.cooldown.is_some() && ec2 {
        c.bad(
            k("cooldown"),
            "EC2 Auto Scaling step policies have no cooldown; set autoscaling.warmup instead",
        );
    }
    let steps: Vec<Step> =
        r.steps.iter().map(|s| Step { lower: s.lower, upper: s.upper, change: s.change }).collect();
    check_steps(c, key, &steps, adjustment, out);
    StepAlarm {
        threshold: r.threshold,
        datapoints: c.int(&k("datapoints"), r.datapoints, 1, 1, 1440, " periods"),
        adjustment,
        min_adjustment_magnitude: c.int(
            &k("min_adjustment_magnitude"),
            r.min_adjustment_magnitude,
            0,
            1,
            100_000,
            " tasks",
        ),
        cooldown: c.duration(&k("cooldown"), r.cooldown, if ec2 { 0 } else { 300 }, 0, 86_400),
        steps,
    }
}

/// The rules of StepAdjustment (AWS API reference) plus what the alarm's side needs: ranges in
/// increasing order without gaps or overlaps, covering every value on the alarm's side of
/// the threshold; scale-out steps add, scale-in steps remove.
fn check_steps(c: &mut Checker, key: &str, steps: &[Step], adjustment: Adjustment, out: bool) {
    let k = format!("{key}.steps");
    if steps.is_empty() {
        c.bad(
            &k,
            "needs at least one step: { lower, upper, change } (bounds relative to threshold)",
        );
        return;
    }
    let show = |b: Option<f64>| b.map_or("none".to_string(), |v| v.to_string());
    for (j, s) in steps.iter().enumerate() {
        let kj = format!("{k}[{j}]");
        for (name, b) in [("lower", s.lower), ("upper", s.upper)] {
            if b.is_some_and(|v| !v.is_finite()) {
                c.bad(
                    format!("{kj}.{name}"),
                    "must be a finite number (leave it out for no bound)",
                );
            }
        }
        if s.change.abs() > 100_000 {
            c.bad(
                format!("{kj}.change"),
                format!("{} is out of range; -100000..=100000", s.change),
            );
        }
        match (s.lower, s.upper) {
            (None, None) => {
                c.bad(&kj, "give lower, upper or both (they are relative to the threshold)")
            }
            (Some(lo), Some(hi)) if lo >= hi => {
                c.bad(&kj, format!("lower = {lo} is not below upper = {hi}"))
            }
            _ => {}
        }
        if let Some(next) = steps.get(j + 1)
            && (s.upper.is_none() || s.upper != next.lower)
        {
            c.bad(
                format!("{k}[{}]", j + 1),
                format!(
                    "lower = {} does not meet the previous step's upper = {}; steps go in \
                     increasing order with no gap or overlap",
                    show(next.lower),
                    show(s.upper)
                ),
            );
        }
        let ok = match adjustment {
            Adjustment::Exact => s.change >= 0,
            _ if out => s.change > 0,
            Adjustment::Percent => (-100..0).contains(&s.change),
            Adjustment::Change => s.change < 0,
        };
        if !ok {
            let allowed = match adjustment {
                Adjustment::Exact => "a capacity of 0 or more",
                _ if out => "above 0 (a scale-out adds)",
                Adjustment::Percent => "-100..=-1 (a scale-in removes)",
                Adjustment::Change => "below 0 (a scale-in removes)",
            };
            c.bad(format!("{kj}.change"), format!("{} is not allowed; {allowed}", s.change));
        }
    }
    let (first, last) = (steps[0], steps[steps.len() - 1]);
    if out && (first.lower.is_some_and(|l| l > 0.0) || last.upper.is_some()) {
        c.bad(
            &k,
            format!(
                "must cover every value at or above the threshold: the first lower at most 0 \
                 (is {}) and the last without upper (is {})",
                show(first.lower),
                show(last.upper)
            ),
        );
    }
    if !out && (first.lower.is_some() || last.upper.is_some_and(|u| u < 0.0)) {
        c.bad(
            &k,
            format!(
                "must cover every value at or below the threshold: the first without lower \
                 (is {}) and the last upper at least 0 (is {})",
                show(first.lower),
                show(last.upper)
            ),
        );
    }
}

/// The memory model: (`memory_base`, `memory_per_request`) in MB for tasks of `memory_mb`.
pub(super) fn memory_model(c: &mut Checker, i: &str, s: &RawService, memory_mb: u32) -> (u32, f64) {
    let key = |k: &str| format!("{i}.{k}");
    // slsim's default footprint: a runtime at rest (no AWS figure; documented in
    // docs/src/reference/scenario.md and docs/src/model.md)
    let base = c.int(
        &key("memory_base"),
        s.memory_base,
        256.min(memory_mb),
        0,
        memory_mb,
        " MB (the task's memory)",
    );
    let per_request = s.memory_per_request.unwrap_or(0.0);
    if !(per_request >= 0.0 && per_request <= memory_mb as f64) {
        c.bad(
            key("memory_per_request"),
            format!("{per_request} is not allowed; 0..={memory_mb} MB (the task's memory)"),
        );
    }
    (base, per_request)
}

/// The load balancer's delays: (health-check delay, deregistration delay).
pub(super) fn load_balancer_delays(
    c: &mut Checker,
    i: &str,
    s: &RawService,
    alb: bool,
) -> (SimDuration, Option<SimDuration>) {
    let key = |k: &str| format!("{i}.{k}");
    if !alb {
        for (k, given) in [
            ("health_check_delay", s.health_check_delay.is_some()),
            ("deregistration_delay", s.deregistration_delay.is_some()),
        ] {
            if given {
                c.bad(key(k), "applies with load_balancer = \"alb\"");
            }
        }
        return (SimDuration::ZERO, None);
    }
    // a new target must pass one health check (ELB docs), every 30 s by default: 15 s on
    // average; ALB's deregistration delay defaults to 300 s, at most 3600 s (docs/src/facts.md
    // §4.4)
    let health = c.duration(&key("health_check_delay"), s.health_check_delay, 0, 0, 3600);
    let health = if s.health_check_delay.is_some() { health } else { SimDuration::from_secs(15) };
    let dereg = c.duration(&key("deregistration_delay"), s.deregistration_delay, 300, 0, 3600);
    (health, Some(dereg))
}

/// `resize_schedule` of an EC2 service: each entry's type from `instance` (vcpu, GiB, $/h).
pub(super) fn resize_schedule(
    c: &mut Checker,
    i: &str,
    s: &RawService,
    platform: Platform,
    duration: SimDuration,
    instance: impl Fn(&str) -> Option<(f64, u32, f64)>,
    known: &str,
) -> Vec<Resize> {
    let Some(entries) = &s.resize_schedule else { return Vec::new() };
    let key = format!("{i}.resize_schedule");
    if platform != Platform::Ec2 {
        c.bad(
            &key,
            "applies to platform = \"ec2\" (stop, change type, start); ECS tasks change size \
             with a new task definition",
        );
    }
    if s.autoscaling.is_some() {
        c.bad(
            &key,
            "cannot be combined with autoscaling: an Auto Scaling group changes instance type \
             through its launch template, not by resizing instances",
        );
    }
    let mut out: Vec<Resize> = Vec::new();
    for (j, (at, name)) in entries.iter().enumerate() {
        let k = format!("{key}[{j}]");
        if at.0 > duration {
            c.bad(&k, format!("\"{}\" is after the simulation's end (\"{duration}\")", at.0));
        }
        let at = SimTime(at.0.0);
        if out.last().is_some_and(|r| at <= r.at) {
            c.bad(&k, "times must increase from one entry to the next");
        }
        match instance(name) {
            Some((vcpu, gib, usd)) => out.push(Resize {
                at,
                instance_type: name.clone(),
                vcpu,
                memory_mb: gib * 1024,
                usd_per_hour: usd,
            }),
            None => c.bad(
                format!("{k}.instance_type"),
                format!("\"{name}\" is not in slsim's table; known: {known}"),
            ),
        }
    }
    out
}
