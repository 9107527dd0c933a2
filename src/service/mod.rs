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
//!
//! Capacity has three more parts, one file each: Fargate Spot tasks and their interruptions
//! ([`spot`]), the container instances of ECS on EC2 ([`cluster`]), and the load balancer's
//! capacity units ([`alb`]).

pub mod alb;
pub mod cluster;
pub mod spot;

use std::collections::VecDeque;

use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

use crate::config::{Balancing, Platform, ScalingMetric, ServiceConfig};
use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::metrics::{Histogram, Level, MinuteSeries};
use crate::sim::{Event, derive_seed};

/// Events of the service model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceEvent {
    /// A request finished on a task; `cpu` is its CPU-bound share in 1/65535ths.
    RequestDone { service: u32, task: u32, cpu: u16 },
    /// Target tracking evaluates its metric.
    ScalingTick { service: u32 },
    /// Entry `index` of the service's `capacity_schedule` takes effect.
    ScheduledCapacity { service: u32, index: u32 },
    /// A Fargate Spot task gets its two-minute warning.
    SpotWarning { service: u32, task: u32 },
    /// A warned Spot task is stopped.
    SpotStop { service: u32, task: u32 },
    /// An ECS-on-EC2 container instance may have been empty for `scale_in_after`.
    InstanceIdle { service: u32, instance: u32 },
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
    /// Requests cut by a Spot task's stop: running or waiting at it.
    pub interrupted: u64,
    /// Spot interruption warnings, and the billed task-hours that ran on Spot (in `task_hours`).
    pub spot_interruptions: u64,
    pub spot_task_hours: f64,
    /// ECS on EC2: the container instances.
    pub cluster: Option<cluster::ClusterStats>,
    /// The load balancer's bill (with `load_balancer = "alb"`).
    pub alb: alb::AlbBill,
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
    /// On Fargate Spot; with an interruption, when it is stopped.
    spot: bool,
    stop_at: Option<SimTime>,
    /// ECS on EC2: the instance it is placed on (`None` while it waits for room).
    instance: Option<u32>,
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
    /// Spot tasks alive, their minimum top-up, and their interruption draws.
    spot_alive: Level,
    spot_top_up: u128,
    spot_rng: Pcg64Mcg,
    cluster: Option<cluster::Cluster>,
    alb: alb::AlbMeter,
}

/// What launching and stopping tasks touches outside their service.
struct Cx<'a> {
    rng: &'a mut Pcg64Mcg,
    launches: &'a mut LaunchBucket,
    spot_launches: &'a mut LaunchBucket,
    queue: &'a mut EventQueue<Event>,
    service: u32,
    warmup: SimTime,
    end: SimTime,
}

impl Service {
    /// Tasks alive and not draining: what the bounds and target tracking count.
    fn active(&self) -> u32 {
        self.tasks.iter().filter(|t| !t.gone && !t.draining).count() as u32
    }

    /// Launches `n` tasks at `now`; each serves after its startup. Fargate tasks also wait
    /// for the account's launch rate (Spot has its own); they count, and bill, from `now`.
    /// ECS-on-EC2 tasks also wait for room on an instance.
    fn launch(&mut self, n: u32, now: SimTime, cx: &mut Cx) {
        let fargate = self.cfg.platform == Platform::Fargate;
        for _ in 0..n {
            let spot = self.next_is_spot();
            let bucket = if spot { &mut *cx.spot_launches } else { &mut *cx.launches };
            let granted = if fargate { bucket.take(now) } else { now };
            let ready_at = granted + self.cfg.startup.sample(cx.rng);
            self.tasks.push(Task { launched: now, ready_at, cpu_since: now, ..Task::default() });
            self.alive.add(now, 1);
            let t = self.tasks.len() - 1;
            if spot && let Some(warning) = self.make_spot(t, now, cx.end) {
                cx.queue.push(warning, spot::warning_event(cx.service, t));
            }
            self.place(t, now, cx);
        }
    }

    /// Scales in by `n`: the newest tasks go first; each drains what it has, then stops.
    fn drain(&mut self, mut n: u32, now: SimTime, cx: &mut Cx) {
        for i in (0..self.tasks.len()).rev() {
            if n == 0 {
                break;
            }
            if !self.tasks[i].gone && !self.tasks[i].draining {
                self.tasks[i].draining = true;
                n -= 1;
                if self.tasks[i].in_service == 0 && self.tasks[i].queue.is_empty() {
                    retire(self, i, now, cx);
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
    /// False when the request was cut (its Spot task stopped): the caller gets an error.
    pub ok: bool,
}

/// Every service of the scenario.
pub struct ServiceModel {
    services: Vec<Service>,
    warmup: SimTime,
    end: SimTime,
    rng: Pcg64Mcg,
    launches: LaunchBucket,
    /// Fargate Spot's launch rate, counted apart from on-demand's (aws-facts 3.3).
    spot_launches: LaunchBucket,
    /// Answers to callers of requests cut at a Spot stop, taken by [`Self::drain_answers`].
    answers: Vec<Answered>,
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
            .enumerate()
            .map(|(i, cfg)| {
                let mut alive = Level::new(warmup, end);
                alive.set(SimTime::ZERO, cfg.tasks);
                let mut s = Service {
                    tasks: Vec::new(),
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
                    spot_alive: Level::new(warmup, end),
                    spot_top_up: 0,
                    // a stream of each service's own (see `spot`)
                    spot_rng: Pcg64Mcg::seed_from_u64(derive_seed(seed, 1 + i as u64)),
                    cluster: cfg
                        .cluster
                        .as_ref()
                        .map(|c| cluster::Cluster::new(c, cfg.tasks, warmup, end)),
                    alb: alb::AlbMeter::new(warmup),
                    cfg: cfg.clone(),
                };
                s.initial_tasks(end);
                s
            })
            .collect();
        ServiceModel {
            services,
            warmup,
            end,
            rng: Pcg64Mcg::seed_from_u64(seed),
            launches: LaunchBucket::new(),
            spot_launches: LaunchBucket::new(),
            answers: Vec::new(),
        }
    }

    /// Answers to callers whose requests were cut by the last event handled.
    pub fn drain_answers(&mut self) -> std::vec::Drain<'_, Answered> {
        self.answers.drain(..)
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
            s.schedule_initial(i as u32, queue);
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
            s.alb.request(now);
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
                self.scheduled(service as usize, index as usize, now, queue);
                return None;
            }
            ServiceEvent::SpotWarning { service, task } => {
                let counted = now >= self.warmup;
                let (s, mut cx) = self.cx(service as usize, queue);
                spot::warned(s, task as usize, now, counted, &mut cx);
                return None;
            }
            ServiceEvent::SpotStop { service, task } => {
                let mut answers = std::mem::take(&mut self.answers);
                let (s, mut cx) = self.cx(service as usize, queue);
                spot::stopped(s, task as usize, now, &mut cx, &mut answers);
                self.answers = answers;
                return None;
            }
            ServiceEvent::InstanceIdle { service, instance } => {
                let counted = now >= self.warmup;
                self.services[service as usize].instance_idle(instance as usize, now, counted);
                return None;
            }
        };
        let (s, mut cx) = self.cx(service as usize, queue);
        let vcpu = s.cfg.vcpu;
        let t = &mut s.tasks[task as usize];
        if t.gone {
            return None; // cut at its Spot task's stop, already counted
        }
        t.integrate_cpu(now, vcpu);
        t.in_service -= 1;
        t.cpu_load = (t.cpu_load - cpu as f64 / 65535.0).max(0.0);
        if let Some(w) = t.queue.pop_front() {
            return start(s, service as usize, task as usize, w, now, cx.queue);
        }
        if t.draining && t.in_service == 0 {
            retire(s, task as usize, now, &mut cx);
        }
        None
    }

    /// Service `i` and what its launches and stops need.
    fn cx<'a>(
        &'a mut self,
        i: usize,
        queue: &'a mut EventQueue<Event>,
    ) -> (&'a mut Service, Cx<'a>) {
        let cx = Cx {
            rng: &mut self.rng,
            launches: &mut self.launches,
            spot_launches: &mut self.spot_launches,
            queue,
            service: i as u32,
            warmup: self.warmup,
            end: self.end,
        };
        (&mut self.services[i], cx)
    }

    /// A scheduled action: new bounds, and the running count moved into them at once.
    fn scheduled(
        &mut self,
        service: usize,
        index: usize,
        now: SimTime,
        queue: &mut EventQueue<Event>,
    ) {
        let counted = u64::from(now >= self.warmup);
        let (s, mut cx) = self.cx(service, queue);
        let (_, min, max) = s.cfg.capacity_schedule[index];
        (s.min, s.max) = (min, max);
        let active = s.active();
        if active < min {
            s.launch(min - active, now, &mut cx);
            s.stats.scale_outs += counted;
        } else if active > max {
            s.drain(active - max, now, &mut cx);
            s.stats.scale_ins += counted;
        }
    }

    /// One target-tracking evaluation.
    fn scaling_tick(&mut self, service: usize, now: SimTime, queue: &mut EventQueue<Event>) {
        let (s, mut cx) = self.cx(service, queue);
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
                s.launch(desired - active, now, &mut cx);
                s.stats.scale_outs += u64::from(now >= cx.warmup);
                (s.high, s.last_out) = (0, Some(now));
            } else if s.low >= a.datapoints_in
                && desired < active
                && cooled(s.last_in, a.scale_in_cooldown)
                && cooled(s.last_out, a.scale_out_cooldown)
            {
                s.drain(active - desired, now, &mut cx);
                s.stats.scale_ins += u64::from(now >= cx.warmup);
                (s.low, s.last_in) = (0, Some(now));
            }
        }
        if now + a.period < cx.end {
            cx.queue.push(
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
                let spot_top_up = s.spot_top_up as f64 / 1e9;
                let spot_mean = s.spot_alive.mean_until(end);
                s.stats.spot_task_hours = (spot_mean * window + spot_top_up) / 3600.0;
                s.stats.cluster = s.cluster.map(|c| c.finish(warmup, end));
                if s.cfg.alb {
                    s.stats.alb = s.alb.bill(&s.cfg.lb, end - warmup);
                }
                (s.cfg, s.stats)
            })
            .collect()
    }
}

/// A drained task stops; it is billed at least a minute.
fn retire(s: &mut Service, t: usize, now: SimTime, cx: &mut Cx) {
    let task = &mut s.tasks[t];
    task.gone = true;
    let lived = now - task.launched;
    s.alive.add(now, -1);
    let top_up = MINIMUM_BILLED.0.saturating_sub(lived.0) as u128;
    s.minimum_top_up += top_up;
    if task.spot {
        s.spot_alive.add(now, -1);
        s.spot_top_up += top_up;
    }
    s.unplace(t, now, cx);
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
    // a Spot task's stop is drawn at its launch: a request that would run past it is cut
    let (end, ok) = match task.stop_at {
        Some(stop) if now + run > stop => (stop, false),
        _ => (now + run, true),
    };
    let latency = end - w.arrived;
    if w.counted {
        if ok {
            s.stats.completed += 1;
            s.stats.latency.record(latency);
        } else {
            s.stats.interrupted += 1;
        }
        s.alb.served(w.arrived, latency);
    }
    let ev = ServiceEvent::RequestDone { service: service as u32, task: t as u32, cpu: w.cpu };
    queue.push(end, Event::Service(ev));
    (w.token != NO_TOKEN).then_some(Answered { token: w.token, latency, ok })
}

/// The cost of a service over the measured window: its compute (tasks at their on-demand or
/// Spot rate, or, on ECS on EC2, the cluster's instances) and its Application Load Balancer
/// (aws-facts 4.5, metered per hour in [`alb`]).
pub fn cost(cfg: &ServiceConfig, stats: &ServiceStats) -> (f64, f64) {
    let compute = match (&stats.cluster, &cfg.spot) {
        (Some(c), _) => c.instance_hours * cfg.usd_per_hour,
        (None, Some(spot)) => {
            let on_demand = (stats.task_hours - stats.spot_task_hours).max(0.0);
            (on_demand + stats.spot_task_hours * (1.0 - spot.discount)) * cfg.usd_per_hour
        }
        (None, None) => stats.task_hours * cfg.usd_per_hour,
    };
    let alb = if cfg.alb { stats.alb.usd } else { 0.0 };
    (compute, alb)
}

impl Service {
    /// The tasks running from time 0: on Spot or not by the strategy, placed on the cluster.
    fn initial_tasks(&mut self, end: SimTime) {
        for t in 0..self.cfg.tasks as usize {
            let spot = self.next_is_spot();
            self.tasks.push(Task::default());
            if spot {
                self.make_spot(t, SimTime::ZERO, end);
            }
            if let Some(c) = self.cluster.as_mut() {
                // the initial instances hold the initial tasks (validation checks they fit)
                let per = self.cfg.cluster.as_ref().map_or(1, |c| c.tasks_per_instance);
                let i = (t as u32 / per.max(1)) as usize;
                if let Some(inst) = c.place_initial(i) {
                    self.tasks[t].instance = Some(inst);
                }
            }
        }
    }

    /// The events of the initial tasks and instances: Spot warnings before the end, the first
    /// idleness check of each instance.
    fn schedule_initial(&self, service: u32, queue: &mut EventQueue<Event>) {
        if let Some(spot) = self.cfg.spot {
            for (t, task) in self.tasks.iter().enumerate() {
                if let Some(stop) = task.stop_at {
                    queue.push(
                        SimTime(stop.0 - spot.stop_timeout.0),
                        spot::warning_event(service, t),
                    );
                }
            }
        }
        if let (Some(c), Some(cfg)) = (&self.cluster, &self.cfg.cluster) {
            c.schedule(cfg, service, queue);
        }
    }
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
