//! Services: ECS tasks on Fargate or EC2, or EC2 instances, each serving many requests at once.
//!
//! ```text
//!  request ──► load balancer (round robin, or least outstanding) over ready tasks
//!                 │ none ready ──► 503
//!                 ▼
//!     task: fewer than `concurrency` in service? ──yes──► serve
//!                 │ no
//!     queue shorter than `queue_limit`? ──yes──► wait (FIFO) ──► serve when one ends
//!                 │ no
//!                 ▼
//!                503
//! ```
//!
//! A request's run time is `d (1 - c) + d c s`, where `c` is its CPU-bound share and `s` the
//! CPU slowdown when it starts: the CPU work of the requests in service (including it) over
//! the task's vCPUs, at least 1. The slowdown is fixed at the start (an approximation of
//! processor sharing that keeps one event per request); with `cpu_bound = 0` a task is exactly
//! an M/G/c queue with `c = concurrency` and a waiting room of `queue_limit`.
//!
//! `capacity.initial` tasks run from time 0. With `autoscaling`, target tracking evaluates the
//! metric every `period` (one timer event per service, not per task): a launched task serves
//! after its `startup`; a task chosen to scale in stops receiving requests, finishes what it
//! has (draining) and then stops. A `capacity_schedule` entry changes the bounds at its time
//! and moves the running count into them at once. Fargate launches wait for the account's
//! launch rate ([`LaunchBucket`]). Tasks are billed per second with a 1-minute minimum.

use std::collections::VecDeque;

use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

use crate::config::{Balancing, Platform, ScalingMetric, ServiceConfig};
use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::metrics::{Histogram, Level, MinuteSeries};
use crate::sim::Event;

/// Events of the service model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceEvent {
    /// A request finished on a task; `cpu` is its CPU-bound share in 1/65535ths.
    RequestDone { service: u32, task: u32, cpu: u16 },
    /// Target tracking evaluates its metric.
    ScalingTick { service: u32 },
    /// Entry `index` of the service's `capacity_schedule` takes effect.
    ScheduledCapacity { service: u32, index: u32 },
}

/// What became of a request at the service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// 503: every queue full, or no task.
    Rejected,
    /// Waiting in a task's queue; its caller is answered when it starts.
    Queued,
    /// Being served; the caller (if it gave a token) is answered now.
    Started(Option<Answered>),
}

/// No caller waits for the request's end.
pub const NO_TOKEN: u32 = u32::MAX;

#[derive(Clone, Debug, Default)]
pub struct ServiceStats {
    pub requests: u64,
    /// Turned away (503): every queue full or no task ready.
    pub rejected: u64,
    pub completed: u64,
    /// From arrival at the service to the response.
    pub latency: Histogram,
    /// Waited in a task's queue before being served.
    pub queued: u64,
    /// Tasks alive (starting, serving or draining): time average and maximum over the window.
    pub tasks_mean: f64,
    pub tasks_max: u32,
    /// Billed task-hours in the window (per second, 1-minute minimum per task).
    pub task_hours: f64,
    pub scale_outs: u64,
    pub scale_ins: u64,
}

#[derive(Clone, Copy, Debug)]
struct Waiting {
    arrived: SimTime,
    work: SimDuration,
    cpu: u16,
    token: u32,
    counted: bool,
}

#[derive(Debug, Default)]
struct Task {
    launched: SimTime,
    /// Serves from then on (after its startup).
    ready_at: SimTime,
    /// Chosen to scale in: no new requests; stops when idle.
    draining: bool,
    gone: bool,
    in_service: u32,
    /// Sum of the CPU-bound shares of the requests in service.
    cpu_load: f64,
    queue: VecDeque<Waiting>,
    /// CPU time used (vCPU x ns) since `cpu_since`, and requests received, this period.
    cpu_used: f64,
    cpu_since: SimTime,
    requests: u64,
}

impl Task {
    fn integrate_cpu(&mut self, now: SimTime, vcpu: f64) {
        self.cpu_used += self.cpu_load.min(vcpu) * (now - self.cpu_since).0 as f64;
        self.cpu_since = now;
    }
    fn serving(&self, now: SimTime) -> bool {
        !self.gone && !self.draining && self.ready_at <= now
    }
}

struct Service {
    cfg: ServiceConfig,
    tasks: Vec<Task>,
    next: usize,
    stats: ServiceStats,
    alive: Level,
    /// Task-nanoseconds added by the 1-minute minimum of tasks that stopped early.
    minimum_top_up: u128,
    high: u32,
    low: u32,
    last_out: Option<SimTime>,
    last_in: Option<SimTime>,
    /// The bounds in force (`capacity`, then the schedule's).
    min: u32,
    max: u32,
}

impl Service {
    /// Tasks alive and not draining: what the bounds and target tracking count.
    fn active(&self) -> u32 {
        self.tasks.iter().filter(|t| !t.gone && !t.draining).count() as u32
    }

    /// Launches `n` tasks at `now`; each serves after its startup. Fargate tasks also wait
    /// for the account's launch rate (`bucket`); they count, and bill, from `now`.
    fn launch(&mut self, n: u32, now: SimTime, rng: &mut Pcg64Mcg, bucket: &mut LaunchBucket) {
        let fargate = self.cfg.platform == Platform::Fargate;
        for _ in 0..n {
            let granted = if fargate { bucket.take(now) } else { now };
            let ready_at = granted + self.cfg.startup.sample(rng);
            self.tasks.push(Task { launched: now, ready_at, cpu_since: now, ..Task::default() });
            self.alive.add(now, 1);
        }
    }

    /// Scales in by `n`: the newest tasks go first; each drains what it has, then stops.
    fn drain(&mut self, mut n: u32, now: SimTime) {
        for i in (0..self.tasks.len()).rev() {
            if n == 0 {
                break;
            }
            if !self.tasks[i].gone && !self.tasks[i].draining {
                self.tasks[i].draining = true;
                n -= 1;
                if self.tasks[i].in_service == 0 && self.tasks[i].queue.is_empty() {
                    retire(self, i, now);
                }
            }
        }
    }
}

/// A request's end that a caller waits for: the token it gave, and the service's latency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answered {
    pub token: u32,
    pub latency: SimDuration,
}

/// Every service of the scenario.
pub struct ServiceModel {
    services: Vec<Service>,
    warmup: SimTime,
    end: SimTime,
    rng: Pcg64Mcg,
    launches: LaunchBucket,
}

/// The account's Fargate task-launch rate: 20 a second sustained, bursts of 100 (aws-facts 3.3,
/// ECS service quotas), a token bucket shared by every Fargate service.
#[derive(Debug)]
pub struct LaunchBucket {
    tokens: f64,
    at: SimTime,
}

impl LaunchBucket {
    const RATE: f64 = 20.0;
    const BURST: f64 = 100.0;

    pub fn new() -> Self {
        LaunchBucket { tokens: Self::BURST, at: SimTime::ZERO }
    }

    /// When a launch asked for at `now` (in time order) goes ahead.
    pub fn take(&mut self, now: SimTime) -> SimTime {
        if now > self.at {
            let refill = (now - self.at).as_secs_f64() * Self::RATE;
            (self.tokens, self.at) = ((self.tokens + refill).min(Self::BURST), now);
        }
        // launches queue behind earlier ones: `at` may lie ahead of `now`
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            return self.at;
        }
        let wait = SimDuration::from_secs_f64(-self.tokens / Self::RATE);
        (self.tokens, self.at) = (0.0, self.at + wait);
        self.at
    }
}

impl Default for LaunchBucket {
    fn default() -> Self {
        Self::new()
    }
}

/// EC2 and Fargate bill per second with a 1-minute minimum (aws-facts 3.2, 4.2).
const MINIMUM_BILLED: SimDuration = SimDuration::from_secs(60);

impl ServiceModel {
    pub fn new(services: &[ServiceConfig], warmup: SimTime, end: SimTime, seed: u64) -> Self {
        let services = services
            .iter()
            .map(|cfg| {
                let mut alive = Level::new(warmup, end);
                alive.set(SimTime::ZERO, cfg.tasks);
                Service {
                    tasks: (0..cfg.tasks).map(|_| Task::default()).collect(),
                    next: 0,
                    stats: ServiceStats::default(),
                    alive,
                    minimum_top_up: 0,
                    high: 0,
                    low: 0,
                    last_out: None,
                    last_in: None,
                    min: cfg.min_tasks,
                    max: cfg.max_tasks,
                    cfg: cfg.clone(),
                }
            })
            .collect();
        ServiceModel {
            services,
            warmup,
            end,
            rng: Pcg64Mcg::seed_from_u64(seed),
            launches: LaunchBucket::new(),
        }
    }

    /// Schedules the first target-tracking evaluation of each autoscaled service, and every
    /// entry of each `capacity_schedule`.
    pub fn schedule(&self, queue: &mut EventQueue<Event>) {
        for (i, s) in self.services.iter().enumerate() {
            if let Some(a) = s.cfg.autoscaling
                && SimTime(a.period.0) < self.end
            {
                let ev = ServiceEvent::ScalingTick { service: i as u32 };
                queue.push(SimTime(a.period.0), Event::Service(ev));
            }
            for (j, &(at, _, _)) in s.cfg.capacity_schedule.iter().enumerate() {
                if at < self.end {
                    let ev = ServiceEvent::ScheduledCapacity { service: i as u32, index: j as u32 };
                    queue.push(at, Event::Service(ev));
                }
            }
        }
    }

    /// A request of `work` (on one vCPU) with CPU-bound share `cpu_bound` arrives at `now`.
    /// A caller that waits for the answer gives a `token` (else [`NO_TOKEN`]); it learns the
    /// latency when the request starts, as it is fixed then.
    pub fn request(
        &mut self,
        service: usize,
        now: SimTime,
        (work, cpu_bound, token): (SimDuration, f64, u32),
        queue: &mut EventQueue<Event>,
        series: &mut MinuteSeries,
    ) -> Admission {
        let counted = now >= self.warmup;
        let s = &mut self.services[service];
        if counted {
            s.stats.requests += 1;
        }
        series.row().service_requests += 1;
        let Some(t) = pick(s, now) else {
            if counted {
                s.stats.rejected += 1;
            }
            series.row().service_rejected += 1;
            return Admission::Rejected;
        };
        let w = Waiting {
            arrived: now,
            work,
            cpu: (cpu_bound.clamp(0.0, 1.0) * 65535.0) as u16,
            token,
            counted,
        };
        let task = &mut s.tasks[t];
        task.requests += 1;
        if task.in_service < s.cfg.concurrency {
            Admission::Started(start(s, service, t, w, now, queue))
        } else if (task.queue.len() as u32) < s.cfg.queue_limit {
            task.queue.push_back(w);
            if counted {
                s.stats.queued += 1;
            }
            Admission::Queued
        } else {
            if counted {
                s.stats.rejected += 1;
            }
            series.row().service_rejected += 1;
            Admission::Rejected
        }
    }

    /// A request ended: the next waiting one starts, and its caller, if any, is answered.
    pub fn handle(
        &mut self,
        now: SimTime,
        event: ServiceEvent,
        queue: &mut EventQueue<Event>,
    ) -> Option<Answered> {
        let (service, task, cpu) = match event {
            ServiceEvent::RequestDone { service, task, cpu } => (service, task, cpu),
            ServiceEvent::ScalingTick { service } => {
                self.scaling_tick(service as usize, now, queue);
                return None;
            }
            ServiceEvent::ScheduledCapacity { service, index } => {
                self.scheduled(service as usize, index as usize, now);
                return None;
            }
        };
        let s = &mut self.services[service as usize];
        let vcpu = s.cfg.vcpu;
        let t = &mut s.tasks[task as usize];
        t.integrate_cpu(now, vcpu);
        t.in_service -= 1;
        t.cpu_load = (t.cpu_load - cpu as f64 / 65535.0).max(0.0);
        if let Some(w) = t.queue.pop_front() {
            return start(s, service as usize, task as usize, w, now, queue);
        }
        if t.draining && t.in_service == 0 {
            retire(s, task as usize, now);
        }
        None
    }

    /// A scheduled action: new bounds, and the running count moved into them at once.
    fn scheduled(&mut self, service: usize, index: usize, now: SimTime) {
        let counted = u64::from(now >= self.warmup);
        let s = &mut self.services[service];
        let (_, min, max) = s.cfg.capacity_schedule[index];
        (s.min, s.max) = (min, max);
        let active = s.active();
        if active < min {
            s.launch(min - active, now, &mut self.rng, &mut self.launches);
            s.stats.scale_outs += counted;
        } else if active > max {
            s.drain(active - max, now);
            s.stats.scale_ins += counted;
        }
    }

    /// One target-tracking evaluation.
    fn scaling_tick(&mut self, service: usize, now: SimTime, queue: &mut EventQueue<Event>) {
        let s = &mut self.services[service];
        let Some(a) = s.cfg.autoscaling else { return };
        let vcpu = s.cfg.vcpu;
        let mut serving = 0u32;
        let (mut cpu, mut requests) = (0.0, 0u64);
        for t in s.tasks.iter_mut().filter(|t| !t.gone) {
            t.integrate_cpu(now, vcpu);
            if t.serving(now) {
                serving += 1;
                cpu += t.cpu_used;
                requests += t.requests;
            }
            (t.cpu_used, t.requests) = (0.0, 0);
        }
        if serving > 0 {
            let metric = match a.metric {
                ScalingMetric::Cpu => 100.0 * cpu / (vcpu * a.period.0 as f64 * serving as f64),
                ScalingMetric::Requests => {
                    requests as f64 / serving as f64 / (a.period.as_secs_f64() / 60.0)
                }
            };
            (s.high, s.low) = if metric > a.target {
                (s.high + 1, 0)
            } else if metric < 0.9 * a.target {
                (0, s.low + 1)
            } else {
                (0, 0)
            };
            let active = s.active();
            let desired = ((serving as f64 * metric / a.target).ceil() as u32).clamp(s.min, s.max);
            let cooled =
                |last: Option<SimTime>, cd: SimDuration| last.is_none_or(|l| now >= l + cd);
            if s.high >= a.datapoints_out
                && desired > active
                && cooled(s.last_out, a.scale_out_cooldown)
            {
                s.launch(desired - active, now, &mut self.rng, &mut self.launches);
                s.stats.scale_outs += u64::from(now >= self.warmup);
                (s.high, s.last_out) = (0, Some(now));
            } else if s.low >= a.datapoints_in
                && desired < active
                && cooled(s.last_in, a.scale_in_cooldown)
                && cooled(s.last_out, a.scale_out_cooldown)
            {
                s.drain(active - desired, now);
                s.stats.scale_ins += u64::from(now >= self.warmup);
                (s.low, s.last_in) = (0, Some(now));
            }
        }
        if now + a.period < self.end {
            queue.push(
                now + a.period,
                Event::Service(ServiceEvent::ScalingTick { service: service as u32 }),
            );
        }
    }

    pub fn finish(self) -> Vec<(ServiceConfig, ServiceStats)> {
        let (warmup, end) = (self.warmup, self.end);
        self.services
            .into_iter()
            .map(|mut s| {
                let window = (end - warmup).as_secs_f64();
                s.stats.tasks_mean = s.alive.mean_until(end);
                s.stats.tasks_max = s.alive.max();
                let top_up = s.minimum_top_up as f64 / 1e9;
                s.stats.task_hours = (s.stats.tasks_mean * window + top_up) / 3600.0;
                (s.cfg, s.stats)
            })
            .collect()
    }
}

/// A drained task stops; it is billed at least a minute.
fn retire(s: &mut Service, t: usize, now: SimTime) {
    let task = &mut s.tasks[t];
    task.gone = true;
    let lived = now - task.launched;
    s.alive.add(now, -1);
    if lived < MINIMUM_BILLED {
        s.minimum_top_up += (MINIMUM_BILLED.0 - lived.0) as u128;
    }
}

/// The task the load balancer sends a request to: only tasks that have started and are not
/// draining receive traffic.
fn pick(s: &mut Service, now: SimTime) -> Option<usize> {
    let n = s.tasks.len();
    match s.cfg.balancing {
        Balancing::RoundRobin => {
            let found = (1..=n).map(|k| (s.next + k) % n).find(|&i| s.tasks[i].serving(now))?;
            s.next = found;
            Some(found)
        }
        Balancing::LeastOutstandingRequests => {
            let load = |t: &Task| t.in_service as usize + t.queue.len();
            (0..n).filter(|&i| s.tasks[i].serving(now)).min_by_key(|&i| load(&s.tasks[i]))
        }
    }
}

/// Serves `w` on task `t` from `now`; a waiting caller's answer.
fn start(
    s: &mut Service,
    service: usize,
    t: usize,
    w: Waiting,
    now: SimTime,
    queue: &mut EventQueue<Event>,
) -> Option<Answered> {
    let task = &mut s.tasks[t];
    let c = w.cpu as f64 / 65535.0;
    task.integrate_cpu(now, s.cfg.vcpu);
    task.in_service += 1;
    task.cpu_load += c;
    let slowdown = (task.cpu_load / s.cfg.vcpu).max(1.0);
    let d = w.work.0 as f64;
    let run = SimDuration((d * (1.0 - c) + d * c * slowdown).round() as u64);
    let latency = (now - w.arrived) + run;
    if w.counted {
        s.stats.completed += 1;
        s.stats.latency.record(latency);
    }
    let ev = ServiceEvent::RequestDone { service: service as u32, task: t as u32, cpu: w.cpu };
    queue.push(now + run, Event::Service(ev));
    (w.token != NO_TOKEN).then_some(Answered { token: w.token, latency })
}

/// The hourly cost of a service over `hours`: its tasks, and an Application Load Balancer
/// (aws-facts 4.5: $0.0225 per hour plus $0.008 per LCU-hour; LCUs from new connections at 25
/// per second, taking each request as a new connection: an upper bound).
pub fn cost(cfg: &ServiceConfig, stats: &ServiceStats, hours: f64) -> (f64, f64) {
    let tasks = stats.task_hours * cfg.usd_per_hour;
    let alb = if cfg.alb && hours > 0.0 {
        let per_second = stats.requests as f64 / (hours * 3600.0);
        hours * (0.0225 + 0.008 * (per_second / 25.0))
    } else {
        0.0
    };
    (tasks, alb)
}

#[cfg(test)]
mod launch_tests {
    use super::*;

    #[test]
    fn fargate_launches_burst_100_then_20_a_second() {
        let mut b = LaunchBucket::new();
        let at: Vec<SimTime> = (0..140).map(|_| b.take(SimTime::ZERO)).collect();
        assert!(at[..100].iter().all(|&t| t == SimTime::ZERO));
        // the 101st waits 1/20 s, the 140th 40/20 = 2 s
        assert_eq!(at[100], SimTime::from_secs_f64(0.05));
        assert_eq!(at[139], SimTime::from_secs_f64(2.0));
        // ten seconds later the bucket has refilled 200 tokens, capped at the burst of 100
        let later = SimTime::from_secs_f64(12.0);
        assert!((0..100).all(|_| b.take(later) == later));
        assert_eq!(b.take(later), SimTime::from_secs_f64(12.05));
    }
}
