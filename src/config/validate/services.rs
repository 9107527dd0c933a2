//! `[[service]]`: ECS on Fargate, ECS on EC2 and EC2 fleets (sizes, prices, capacity).

use std::collections::HashSet;

use super::Checker;
use super::capacity;
use crate::config::raw::*;
use crate::config::*;
use crate::dist::Dist;

/// Fargate task sizes (docs/src/facts.md §3.1): vCPU, memory range in GB, step in GB.
const FARGATE_SIZES: [(f64, f64, f64, f64); 7] = [
    (0.25, 0.5, 2.0, 0.5),
    (0.5, 1.0, 4.0, 1.0),
    (1.0, 2.0, 8.0, 1.0),
    (2.0, 4.0, 16.0, 1.0),
    (4.0, 8.0, 30.0, 1.0),
    (8.0, 16.0, 60.0, 4.0),
    (16.0, 32.0, 120.0, 8.0),
];

/// Fargate Linux prices per vCPU-hour and GB-hour, us-east-1 (docs/src/facts.md §3.2,
/// FG-PRICE 2026).
const FARGATE_X86: (f64, f64) = (0.04048, 0.004445);
const FARGATE_ARM: (f64, f64) = (0.03238, 0.00356);

/// EC2 on-demand Linux instances, us-east-1 (docs/src/facts.md §4.1): type, vCPU, GiB, $/hour.
const INSTANCES: &[(&str, f64, u32, f64)] = &[
    ("t3.micro", 2.0, 1, 0.0104),
    ("t3.small", 2.0, 2, 0.0208),
    ("t3.medium", 2.0, 4, 0.0416),
    ("t3.large", 2.0, 8, 0.0832),
    ("t3.xlarge", 4.0, 16, 0.1664),
    ("m5.large", 2.0, 8, 0.096),
    ("m5.xlarge", 4.0, 16, 0.192),
    ("m5.2xlarge", 8.0, 32, 0.384),
    ("m5.4xlarge", 16.0, 64, 0.768),
    ("m6i.large", 2.0, 8, 0.096),
    ("m6i.xlarge", 4.0, 16, 0.192),
    ("m6i.2xlarge", 8.0, 32, 0.384),
    ("m6i.4xlarge", 16.0, 64, 0.768),
    ("m7g.large", 2.0, 8, 0.0816),
    ("m7g.xlarge", 4.0, 16, 0.1632),
    ("m7g.2xlarge", 8.0, 32, 0.3264),
    ("m7g.4xlarge", 16.0, 64, 0.6528),
    ("c6i.large", 2.0, 4, 0.085),
    ("c6i.xlarge", 4.0, 8, 0.170),
    ("c6i.2xlarge", 8.0, 16, 0.340),
    ("c6i.4xlarge", 16.0, 32, 0.680),
    ("c7g.large", 2.0, 4, 0.0725),
    ("c7g.xlarge", 4.0, 8, 0.1450),
    ("c7g.2xlarge", 8.0, 16, 0.29),
    ("c7g.4xlarge", 16.0, 32, 0.58),
    ("c7i.large", 2.0, 4, 0.08925),
    ("c7i.xlarge", 4.0, 8, 0.1785),
];

pub(super) fn validate_services(
    c: &mut Checker,
    raw: &[RawService],
    base_dir: &std::path::Path,
    duration: SimDuration,
) -> Vec<ServiceConfig> {
    let mut names = HashSet::new();
    let mut out = Vec::new();
    for (i, s) in raw.iter().enumerate() {
        let i = &super::item_key("service", i, &s.name);
        let key = |k: &str| format!("{i}.{k}");
        if s.name.is_empty() || !names.insert(s.name.as_str()) {
            c.bad(key("name"), format!("\"{}\" must be non-empty and unique", s.name));
        }
        let platform = match s.platform {
            RawPlatform::Fargate => Platform::Fargate,
            RawPlatform::EcsEc2 => Platform::EcsEc2,
            RawPlatform::Ec2 => Platform::Ec2,
        };
        let arm = s.architecture == Some(RawArchitecture::Arm64);
        let (mut vcpu, mut memory_mb, usd_per_hour, instance_type) = match platform {
            Platform::Fargate => fargate(c, i, s, arm),
            Platform::EcsEc2 | Platform::Ec2 => instance(c, i, s, platform),
        };
        // ECS on EC2: the task's reserved size; the instance's stays for the cluster
        let inst_size = (vcpu, memory_mb);
        if platform == Platform::EcsEc2 {
            (vcpu, memory_mb) = capacity::ecs_ec2_task(c, i, s, inst_size);
        }
        let concurrency =
            c.int(&key("concurrency"), s.concurrency, 1, 1, 100_000, " requests at once");
        let queue_limit =
            c.int(&key("queue_limit"), s.queue_limit, 100, 0, 10_000_000, " waiting requests");
        let cap = s.capacity.as_ref();
        let min = c.int(&key("capacity.min"), cap.and_then(|c| c.min), 1, 0, 100_000, "");
        let max = c.int(&key("capacity.max"), cap.and_then(|c| c.max), min.max(1), 0, 100_000, "");
        let tasks =
            c.int(&key("capacity.initial"), cap.and_then(|c| c.initial), min, 0, 100_000, "");
        if tasks < min || tasks > max {
            c.bad(
                key("capacity.initial"),
                format!("{tasks} is outside min = {min} ..= max = {max}"),
            );
        }
        let (memory_base_mb, memory_per_request_mb) =
            super::scaling::memory_model(c, i, s, memory_mb);
        let autoscaling = s
            .autoscaling
            .as_ref()
            .and_then(|a| super::scaling::autoscaling(c, i, a, platform, memory_per_request_mb));
        let mut capacity_schedule = Vec::new();
        for (j, (at, lo, hi)) in s.capacity_schedule.iter().flatten().enumerate() {
            let k = format!("{i}.capacity_schedule[{j}]");
            let lo = c.int(&format!("{k}.min"), Some(*lo), 0, 0, 100_000, " tasks");
            let hi = c.int(&format!("{k}.max"), Some(*hi), 0, 0, 100_000, " tasks");
            if lo > hi {
                c.bad(&k, format!("min = {lo} is above max = {hi}; entries are [at, min, max]"));
            }
            if at.0 > duration {
                c.bad(&k, format!("\"{}\" is after the simulation's end (\"{duration}\")", at.0));
            }
            let at = SimTime(at.0.0);
            if capacity_schedule.last().is_some_and(|&(prev, _, _)| at <= prev) {
                c.bad(&k, "times must increase from one entry to the next");
            }
            capacity_schedule.push((at, lo, hi));
        }
        let startup = match &s.startup {
            Some(d) => {
                c.dist(&key("startup"), d, base_dir).unwrap_or(Dist::Constant(SimDuration::ZERO))
            }
            None => Dist::Constant(SimDuration::from_secs(60)),
        };
        let (alb, lb) = capacity::load_balancer(c, i, s);
        let spot = capacity::spot(c, i, s, platform, arm);
        let cluster = match platform {
            Platform::EcsEc2 => {
                {
                    // room, by default, for the largest count the bounds or the schedule allow
                    let most = capacity_schedule.iter().map(|e| e.2).fold(max, u32::max);
                    capacity::cluster(
                        c,
                        i,
                        s,
                        ((vcpu, memory_mb), inst_size),
                        (tasks, most),
                        base_dir,
                    )
                }
            }
            _ => {
                if s.cluster.is_some() {
                    c.bad(
                        key("cluster"),
                        format!("applies to platform = \"ecs-ec2\", not \"{}\"", platform.as_str()),
                    );
                }
                None
            }
        };
        let (health_check_delay, deregistration_delay) =
            super::scaling::load_balancer_delays(c, i, s, alb);
        let known: Vec<&str> = INSTANCES.iter().map(|t| t.0).collect();
        let resize_schedule = super::scaling::resize_schedule(
            c,
            i,
            s,
            platform,
            duration,
            |name| INSTANCES.iter().find(|t| t.0 == name).map(|t| (t.1, t.2, t.3)),
            &known.join(", "),
        );
        let balancing = match s.balancing.unwrap_or(RawBalancing::RoundRobin) {
            RawBalancing::RoundRobin => Balancing::RoundRobin,
            RawBalancing::LeastOutstandingRequests => Balancing::LeastOutstandingRequests,
        };
        // EC2 only: on ECS on EC2 the instances' CPU is not tracked apart from the tasks'
        let burst_baseline = if platform == Platform::Ec2 {
            crate::pricing::T3_UNLIMITED
                .baselines
                .iter()
                .find(|b| Some(b.0) == instance_type.as_deref())
                .map(|b| b.1)
        } else {
            None
        };
        out.push(ServiceConfig {
            name: s.name.clone(),
            platform,
            vcpu,
            memory_mb,
            usd_per_hour,
            instance_type,
            concurrency,
            queue_limit,
            tasks,
            min_tasks: min,
            max_tasks: max,
            capacity_schedule,
            startup,
            autoscaling,
            alb,
            balancing,
            memory_base_mb,
            memory_per_request_mb,
            health_check_delay,
            deregistration_delay,
            resize_schedule,
            spot,
            cluster,
            lb,
            burst_baseline,
        });
    }
    out
}

/// A Fargate task size: (vCPU, MB, $/hour, no instance type).
fn fargate(c: &mut Checker, i: &str, s: &RawService, arm: bool) -> (f64, u32, f64, Option<String>) {
    let key = |k: &str| format!("{i}.{k}");
    if s.instance_type.is_some() {
        c.bad(
            key("instance_type"),
            "applies to ecs-ec2 and ec2; Fargate tasks are sized by vcpu and memory",
        );
    }
    let vcpu = s.vcpu.unwrap_or(1.0);
    let Some(&(_, lo, hi, step)) = FARGATE_SIZES.iter().find(|z| z.0 == vcpu) else {
        c.bad(
            key("vcpu"),
            format!("{vcpu} is not a Fargate size; allowed 0.25, 0.5, 1, 2, 4, 8, 16"),
        );
        return (1.0, 2048, 0.0, None);
    };
    let memory_mb = s.memory.unwrap_or((lo * 1024.0) as i64);
    let gb = memory_mb as f64 / 1024.0;
    let on_step = ((gb - lo) / step).fract().abs() < 1e-9;
    if gb < lo || gb > hi || !on_step {
        c.bad(
            key("memory"),
            format!("{memory_mb} MB is not valid with vcpu = {vcpu}; allowed {lo}..={hi} GB in steps of {step} GB (the book's AWS facts chapter, §3.1)"),
        );
    }
    let (per_vcpu, per_gb) = if arm { FARGATE_ARM } else { FARGATE_X86 };
    (vcpu, memory_mb.max(0) as u32, vcpu * per_vcpu + gb * per_gb, None)
}

/// An EC2 instance type: (vCPU, MB, $/hour, the type).
fn instance(
    c: &mut Checker,
    i: &str,
    s: &RawService,
    platform: Platform,
) -> (f64, u32, f64, Option<String>) {
    let key = |k: &str| format!("{i}.{k}");
    for (k, given) in [("vcpu", s.vcpu.is_some()), ("memory", s.memory.is_some())] {
        if given && platform == Platform::Ec2 {
            c.bad(
                key(k),
                "applies to fargate and ecs-ec2 (a task's size); an EC2 instance's size comes from instance_type",
            );
        }
    }
    let name = s.instance_type.as_deref().unwrap_or("m6i.large");
    match INSTANCES.iter().find(|t| t.0 == name) {
        Some(&(_, vcpu, gib, usd)) => (vcpu, gib * 1024, usd, Some(name.to_string())),
        None => {
            let known: Vec<&str> = INSTANCES.iter().map(|t| t.0).collect();
            c.bad(
                key("instance_type"),
                format!("\"{name}\" is not in slsim's table; known: {}", known.join(", ")),
            );
            (2.0, 8192, 0.0, None)
        }
    }
}
