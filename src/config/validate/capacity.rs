//! The capacity keys of a `[[service]]`: Fargate Spot (`capacity_provider`,
//! `capacity_provider_strategy`, `spot`), the ECS-on-EC2 task size and `cluster`, and the
//! `load_balancer` table.

use super::Checker;
use crate::config::raw::*;
use crate::config::settings::AlbConfig;
use crate::config::settings::ClusterConfig;
use crate::config::settings::SpotConfig;
use crate::config::{Platform, SimDuration};
use crate::dist::Dist;
use crate::pricing::FARGATE_SPOT;

/// Fargate Spot: the strategy (from `capacity_provider` or `capacity_provider_strategy`) and
/// the `spot` table; `None` when no task can run on Spot.
pub(super) fn spot(
    c: &mut Checker,
    i: &str,
    s: &RawService,
    platform: Platform,
    arm: bool,
) -> Option<SpotConfig> {
    let key = |k: &str| format!("{i}.{k}");
    let given = s.capacity_provider.is_some() || s.capacity_provider_strategy.is_some();
    if given && platform != Platform::Fargate {
        let k = if s.capacity_provider.is_some() {
            "capacity_provider"
        } else {
            "capacity_provider_strategy"
        };
        c.bad(key(k), format!("applies to platform = \"fargate\", not \"{}\"", platform.as_str()));
        return None;
    }
    if s.capacity_provider.is_some() && s.capacity_provider_strategy.is_some() {
        c.bad(
            key("capacity_provider"),
            "give capacity_provider or capacity_provider_strategy, not both",
        );
        return None;
    }
    // (base, base on Spot, on-demand weight, Spot weight)
    let (base, base_spot, weight, spot_weight) =
        match (&s.capacity_provider, &s.capacity_provider_strategy) {
            (Some(RawCapacityProvider::FargateSpot), _) => (0, false, 0, 1),
            (Some(RawCapacityProvider::Fargate), _) | (None, None) => (0, false, 1, 0),
            (None, Some(items)) => strategy(c, i, items)?,
        };
    if spot_weight == 0 && !(base_spot && base > 0) {
        if s.spot.is_some() {
            c.bad(
                key("spot"),
                "applies when tasks run on Fargate Spot: set capacity_provider = \"fargate-spot\" \
                 or give \"fargate-spot\" a weight in capacity_provider_strategy",
            );
        }
        return None;
    }
    if arm {
        c.bad(
            key("architecture"),
            "\"arm64\" is not allowed with Fargate Spot: it runs Linux x86_64 tasks only \
             (AWS Fargate capacity providers guide)",
        );
    }
    let raw = s.spot.as_ref();
    let k = |n: &str| format!("{i}.spot.{n}");
    let discount = raw.and_then(|r| r.discount).unwrap_or(FARGATE_SPOT.discount);
    if !(0.0..1.0).contains(&discount) {
        c.bad(
            k("discount"),
            format!("{discount} is not allowed; a share of the on-demand price, 0 <= discount < 1 (sources report 0.5-0.7)"),
        );
    }
    let rate = raw.and_then(|r| r.interruptions_per_hour).unwrap_or(0.01);
    if !(0.0..=100.0).contains(&rate) {
        c.bad(k("interruptions_per_hour"), format!("{rate} is not allowed; 0..=100 per task-hour"));
    }
    let stop_timeout =
        c.duration(&k("stop_timeout"), raw.and_then(|r| r.stop_timeout), 120, 0, 120);
    Some(SpotConfig {
        discount,
        interruptions_per_hour: rate,
        stop_timeout,
        base,
        base_spot,
        weight,
        spot_weight,
    })
}

/// `capacity_provider_strategy`: ECS's rules (each provider once, a base on one at most,
/// weights 0..=1000 with one above 0, base 0..=100,000; both default to 0).
fn strategy(c: &mut Checker, i: &str, items: &[RawStrategyItem]) -> Option<(u32, bool, u32, u32)> {
    let mut out = (0, false, 0, 0);
    let mut seen = [false; 2];
    let mut bases = 0;
    let problems = c.problems.len();
    if items.is_empty() {
        c.bad(format!("{i}.capacity_provider_strategy"), "is empty; give one item or more");
    }
    for (j, it) in items.iter().enumerate() {
        let k = |n: &str| format!("{i}.capacity_provider_strategy[{j}].{n}");
        let spot = it.capacity_provider == RawCapacityProvider::FargateSpot;
        if std::mem::replace(&mut seen[usize::from(spot)], true) {
            c.bad(k("capacity_provider"), "each capacity provider may appear once");
        }
        let base = c.int(&k("base"), it.base, 0, 0, 100_000, " tasks");
        let weight = c.int(&k("weight"), it.weight, 0, 0, 1000, "");
        if base > 0 {
            bases += 1;
            (out.0, out.1) = (base, spot);
        }
        if spot {
            out.3 = weight;
        } else {
            out.2 = weight;
        }
    }
    if bases > 1 {
        c.bad(
            format!("{i}.capacity_provider_strategy"),
            "only one capacity provider may have a base",
        );
    }
    if !items.is_empty() && out.2 == 0 && out.3 == 0 {
        c.bad(
            format!("{i}.capacity_provider_strategy"),
            "every weight is 0; at least one capacity provider needs a weight above 0",
        );
    }
    (c.problems.len() == problems).then_some(out)
}

/// The size of an ECS-on-EC2 task, (vCPU, MB): reserved on its instance; by default the whole
/// instance (one task per instance).
pub(super) fn ecs_ec2_task(
    c: &mut Checker,
    i: &str,
    s: &RawService,
    (inst_vcpu, inst_mb): (f64, u32),
) -> (f64, u32) {
    let key = |k: &str| format!("{i}.{k}");
    let vcpu = s.vcpu.unwrap_or(inst_vcpu);
    if !(0.25..=inst_vcpu).contains(&vcpu) {
        c.bad(
            key("vcpu"),
            format!("{vcpu} is not allowed; a task reserves 0.25..={inst_vcpu} vCPU on its instance (the book's AWS facts chapter, §3.1: EC2 tasks from 0.25 vCPU)"),
        );
    }
    let mb = s.memory.unwrap_or(inst_mb as i64);
    if mb < 1 || mb > inst_mb as i64 {
        c.bad(
            key("memory"),
            format!(
                "{mb} MB is not allowed; a task reserves 1..={inst_mb} MB, what its instance has"
            ),
        );
    }
    (vcpu.clamp(0.25, inst_vcpu.max(0.25)), mb.clamp(1, inst_mb.max(1) as i64) as u32)
}

/// The cluster of an ECS-on-EC2 service: `tasks_per_instance` from the task and instance
/// sizes; `initial` and `max_tasks` are the service's task counts.
pub(super) fn cluster(
    c: &mut Checker,
    i: &str,
    s: &RawService,
    (task, inst): ((f64, u32), (f64, u32)),
    (initial, max_tasks): (u32, u32),
    base_dir: &std::path::Path,
) -> Option<ClusterConfig> {
    let k = |n: &str| format!("{i}.cluster.{n}");
    let raw = s.cluster.as_ref();
    // fits by vCPU (with a little slack for decimal sizes) and by memory
    let by_cpu = ((inst.0 + 1e-9) / task.0).floor() as u32;
    let per = by_cpu.min(inst.1 / task.1.max(1)).max(1);
    let target =
        c.int(&k("target_capacity"), raw.and_then(|r| r.target_capacity), 100, 1, 100, " percent");
    let min = c.int(&k("min"), raw.and_then(|r| r.min), 0, 0, 100_000, " instances");
    let sized = ClusterConfig {
        tasks_per_instance: per,
        min,
        max: u32::MAX,
        target_capacity: target,
        boot: Dist::Constant(SimDuration::from_secs(120)),
        scale_in_after: SimDuration::from_secs(900),
    };
    // by default, room for the service's maximum at the target
    let max = c.int(
        &k("max"),
        raw.and_then(|r| r.max),
        sized.desired(max_tasks).max(min).max(1),
        1,
        100_000,
        " instances",
    );
    if min > max {
        c.bad(k("min"), format!("{min} is above max = {max}"));
    }
    if initial > max.saturating_mul(per) {
        c.bad(
            k("max"),
            format!("{max} instances hold {} tasks ({per} each), fewer than capacity.initial = {initial}", max.saturating_mul(per)),
        );
    }
    let boot = match raw.and_then(|r| r.boot.as_ref()) {
        Some(d) => c.dist(&k("boot"), d, base_dir)?,
        None => sized.boot.clone(),
    };
    let scale_in_after =
        c.duration(&k("scale_in_after"), raw.and_then(|r| r.scale_in_after), 900, 0, 86_400);
    Some(ClusterConfig { max, boot, scale_in_after, ..sized })
}

/// `load_balancer`: `"alb"` (default), `"none"`, or `{ kind = "alb", ... }`.
pub(super) fn load_balancer(c: &mut Checker, i: &str, s: &RawService) -> (bool, AlbConfig) {
    let key = format!("{i}.load_balancer");
    let k = |n: &str| format!("{key}.{n}");
    let d = AlbConfig::default();
    let t = match &s.load_balancer {
        None => return (true, d),
        Some(RawLoadBalancer::Name(n)) if n == "alb" => return (true, d),
        Some(RawLoadBalancer::Name(n)) if n == "none" => return (false, d),
        Some(RawLoadBalancer::Name(other)) => {
            c.bad(key, format!("\"{other}\" is not allowed; \"alb\", \"none\" or a table {{ kind = \"alb\", ... }}"));
            return (false, d);
        }
        Some(RawLoadBalancer::Alb(t)) => t,
    };
    if let Some(kind) = t.kind.as_deref().filter(|&k| k != "alb") {
        c.bad(
            k("kind"),
            format!("\"{kind}\" is not allowed; \"alb\" (the only kind with a table)"),
        );
    }
    let mut number = |name: &str, v: Option<f64>, default: f64, lo: f64, hi: f64| {
        let x = v.unwrap_or(default);
        if !(lo..=hi).contains(&x) {
            c.bad(k(name), format!("{x} is not allowed; {lo}..={hi}"));
        }
        x.clamp(lo, hi)
    };
    let requests_per_connection =
        number("requests_per_connection", t.requests_per_connection, 1.0, 1.0, 1e9);
    let request_kb = number("request_kb", t.request_kb, d.request_kb, 0.0, 1e6);
    let response_kb = number("response_kb", t.response_kb, d.response_kb, 0.0, 1e6);
    let connection_duration = t
        .connection_duration
        .map(|v| c.duration(&k("connection_duration"), Some(v), 0, 0, 7 * 86_400));
    // ALB's quota: 100 rules per listener, the default rule included
    let rules = c.int(&k("rules"), t.rules, d.rules, 1, 100, " rules per request");
    let cfg =
        AlbConfig { requests_per_connection, connection_duration, request_kb, response_kb, rules };
    (true, cfg)
}
