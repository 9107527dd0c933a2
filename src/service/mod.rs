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
//! `capacity.initial` tasks run from time 0. With `autoscaling`, target tracking (or step
//! scaling, [`scaling`]) evaluates the metric every `period` (one timer event per service, not
//! per task): a launched task serves after its `startup` and the load balancer's health-check
//! delay; a task chosen to scale in stops receiving requests, finishes what it holds
//! (draining) and then stops, or is stopped when the deregistration delay passes, cutting what
//! it still holds (one event per drained task). A `capacity_schedule` entry changes the bounds
//! at its time and moves the running count into them at once; a `resize_schedule` entry
//! restarts the instances with a new type ([`resize`]). Fargate launches wait for the
//! account's launch rate ([`LaunchBucket`]). Tasks are billed per second with a 1-minute
//! minimum, at their own price (`metrics::Billing`).
//!
//! A task holds its requests in service in reusable slots; a request is counted, and its
//! caller answered, when it ends (so a cut request is never counted as completed). Per-minute
//! metrics ([`metrics`]) come from integrals the events keep, closed lazily.

pub mod metrics;
pub mod resize;
pub mod scaling;

use std::collections::VecDeque;

use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

use crate::config::{Balancing, Platform, ServiceConfig};
use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::metrics::{Histogram, Level, MinuteSeries};
use crate::sim::Event;
use metrics::Billing;
use resize::Size;
use scaling::{Capacity, Policy, StepDecision, StepState};

/// Events of the service model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceEvent {
    /// A request finished on a task; `slot` is where the task holds it.
    RequestDone { service: u32, task: u32, slot: u32 },
    /// Target tracking evaluates its metric.
    ScalingTick { service: u32 },
    /// Entry `index` of the service's `capacity_schedule` takes effect.
    ScheduledCapacity { service: u32, index: u32 },
    /// A draining task's deregistration delay has passed: what it still holds is cut.
    DeregistrationDelayOver { service: u32, task: u32 },
    /// Entry `index` of the service's `resize_schedule` takes effect.
    ScheduledResize { service: u32, index: u32 },
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
    /// Requests a draining task still held (in service or queued) when its deregistration
    /// delay passed: cut, answered with an error.
    pub drained_cut: u64,
    /// What the tasks cost over the window (their prices can change with a resize).
    pub task_usd: f64,
    /// One row per simulated minute (CloudWatch's view of the service).
    pub minutes: Vec<metrics::ServiceMinute>,
    /// Instances restarted with a new type by `resize_schedule`.
    pub resizes: u64,
}

#[derive(Clone, Copy, Debug)]
struct Waiting {
    arrived: SimTime,
    work: SimDuration,
    cpu: u16,
    token: u32,
    counted: bool,
}

/// A request in service on a task.
#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    arrived: SimTime,
    token: u32,
    cpu: u16,
    counted: bool,
    live: bool,
}

#[derive(Debug, Default, Clone)]
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
    /// Its size and price (a resize changes them for the tasks launched after it).
    vcpu: f64,
    memory_mb: u32,
    usd_per_hour: f64,
    /// When it stopped, and when it began draining (`SimTime::MAX`: not yet).
    stopped: SimTime,
    drain_at: SimTime,
    /// Its metrics count for scaling from then on (EC2 instance warm-up).
    warm_at: SimTime,
    /// Requests held (in service or queued) x nanoseconds, this period.
    held_used: f64,
    /// The open minute's CPU time, requests held x nanoseconds and requests received.
    cpu_minute: f64,
    held_minute: f64,
    requests_minute: u64,
    /// Requests in service by slot, and the free slots (reused: no allocation per request).
    slots: Vec<Slot>,
    free_slots: Vec<u32>,
    /// Draining for a resize: starts again with the new type when it stops.
    resizing: bool,
}

impl Task {
    fn new(size: Size, launched: SimTime, ready_at: SimTime, warm_at: SimTime) -> Task {
        Task {
            launched,
            ready_at,
            cpu_since: launched,
            vcpu: size.vcpu,
            memory_mb: size.memory_mb,
            usd_per_hour: size.usd_per_hour,
            stopped: SimTime::MAX,
            drain_at: SimTime::MAX,
            warm_at,
            ..Task::default()
        }
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
    /// The size new tasks get (changed by a resize).
    size: Size,
    step: StepState,
    billing: Billing,
    /// The measured window, for billing.
    window: (SimTime, SimTime),
    /// Its place in the model (events name it).
    index: u32,
}

impl Service {
    /// Tasks alive and not draining: what the bounds and target tracking count (an instance
    /// being resized counts: it comes back).
    fn active(&self) -> u32 {
        self.tasks.iter().filter(|t| !t.gone && (!t.draining || t.resizing)).count() as u32
    }

    /// Launches `n` tasks at `now`; each serves after its startup and the load balancer's
    /// health check. Fargate tasks also wait for the account's launch rate (`bucket`); they
    /// count, and bill, from `now`.
    fn launch(&mut self, n: u32, now: SimTime, rng: &mut Pcg64Mcg, bucket: &mut LaunchBucket) {
        let fargate = self.cfg.platform == Platform::Fargate;
        let warmup = self.cfg.autoscaling.as_ref().and_then(|a| a.warmup);
        for _ in 0..n {
            let granted = if fargate { bucket.take(now) } else { now };
            let ready_at = granted + self.cfg.startup.sample(rng) + self.cfg.health_check_delay;
            let warm_at = now + warmup.unwrap_or(SimDuration::ZERO);
            self.tasks.push(Task::new(self.size, now, ready_at, warm_at));
            self.alive.add(now, 1);
            self.billing.change(now, self.size.usd_per_hour, self.window);
        }
    }

    /// Scales in by `n`: the newest tasks go first; each drains what it has, then stops.
    fn drain(
        &mut self,
        mut n: u32,
        now: SimTime,
        queue: &mut EventQueue<Event>,
        rng: &mut Pcg64Mcg,
        bucket: &mut LaunchBucket,
    ) {
        for i in (0..self.tasks.len()).rev() {
            if n == 0 {
                break;
            }
            if !self.tasks[i].gone && !self.tasks[i].draining {
                n -= 1;
                self.begin_drain(i, now, queue, rng, bucket);
            }
        }
    }

    /// Task `t` stops taking requests: it stops once it holds none, or when the deregistration
    /// delay passes (what it still holds then is cut).
    fn begin_drain(
        &mut self,
        t: usize,
        now: SimTime,
        queue: &mut EventQueue<Event>,
        rng: &mut Pcg64Mcg,
        bucket: &mut LaunchBucket,
    ) {
        let task = &mut self.tasks[t];
        task.draining = true;
        task.drain_at = now;
        if task.in_service == 0 && task.queue.is_empty() {
            self.stop(t, now, rng, bucket);
        } else if let Some(delay) = self.cfg.deregistration_delay {
            let service = self.index;
            let ev = ServiceEvent::DeregistrationDelayOver { service, task: t as u32 };
            queue.push(now + delay, Event::Service(ev));
        }
    }

    /// Task `t` stops; one being resized starts again with the new size.
    fn stop(&mut self, t: usize, now: SimTime, rng: &mut Pcg64Mcg, bucket: &mut LaunchBucket) {
        retire(self, t, now);
        if self.tasks[t].resizing {
            self.stats.resizes += u64::from(now >= self.window.0);
            self.restart(now, rng, bucket);
        }
    }
}

/// A request's end that a caller waits for: the token it gave, and the service's latency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answered {
    pub token: u32,
    pub latency: SimDuration,
    /// False if the request was cut (its task's deregistration delay passed first).
    pub ok: bool,
}

/// Every service of the scenario.
pub struct ServiceModel {
    services: Vec<Service>,
    warmup: SimTime,
    end: SimTime,
    rng: Pcg64Mcg,
    launches: LaunchBucket,
    /// Answers to callers waiting for requests that ended, taken by [`answers`](Self::answers).
    answers: Vec<Answered>,
    /// The start of the open minute of the per-service time series.
    minute_start: SimTime,
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
            .map(|(index, cfg)| {
                let mut alive = Level::new(warmup, end);
                alive.set(SimTime::ZERO, cfg.tasks);
                let size = Size {
                    vcpu: cfg.vcpu,
                    memory_mb: cfg.memory_mb,
                    usd_per_hour: cfg.usd_per_hour,
                };
                let mut billing = Billing::new();
                billing.change(SimTime::ZERO, cfg.tasks as f64 * size.usd_per_hour, (warmup, end));
                // the initial tasks have served, and warmed up, since before the run
                let initial = Task::new(size, SimTime::ZERO, SimTime::ZERO, SimTime::ZERO);
                Service {
                    tasks: (0..cfg.tasks).map(|_| initial.clone()).collect(),
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
                    size,
                    step: StepState::default(),
                    billing,
                    window: (warmup, end),
                    index: index as u32,
                }
            })
            .collect();
        ServiceModel {
            services,
            warmup,
            end,
            rng: Pcg64Mcg::seed_from_u64(seed),
            launches: LaunchBucket::new(),
            answers: Vec::new(),
            minute_start: SimTime::ZERO,
        }
    }

    /// Answers to waiting callers produced by the last [`handle`](Self::handle).
    pub fn answers(&mut self) -> std::vec::Drain<'_, Answered> {
        self.answers.drain(..)
    }

    /// Closes every minute of the per-service series that ended at or before `now`.
    fn roll(&mut self, now: SimTime) {
        while self.minute_start < self.end {
            let b = (self.minute_start + crate::metrics::MINUTE).min(self.end);
            if now < b {
                break;
            }
            for s in &mut self.services {
                s.close_minute(self.minute_start, b);
            }
            self.minute_start = b;
        }
    }

    /// Schedules the first target-tracking evaluation of each autoscaled service, and every
    /// entry of each `capacity_schedule`.
    pub fn schedule(&self, queue: &mut EventQueue<Event>) {
        for (i, s) in self.services.iter().enumerate() {
            if let Some(a) = &s.cfg.autoscaling
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
            for (j, r) in s.cfg.resize_schedule.iter().enumerate() {
                if r.at < self.end {
                    let ev = ServiceEvent::ScheduledResize { service: i as u32, index: j as u32 };
                    queue.push(r.at, Event::Service(ev));
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
        self.roll(now);
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
        task.requests_minute += 1;
        if task.in_service < s.cfg.concurrency {
            start(s, service, t, w, now, queue);
            Admission::Started(None) // answered when it ends
        } else if (task.queue.len() as u32) < s.cfg.queue_limit {
            task.integrate(now);
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

    /// A service event. A request that ended is answered (see [`answers`](Self::answers)) and
    /// the next waiting one starts.
    pub fn handle(&mut self, now: SimTime, event: ServiceEvent, queue: &mut EventQueue<Event>) {
        self.roll(now);
        let (service, task, slot) = match event {
            ServiceEvent::RequestDone { service, task, slot } => (service, task, slot),
            ServiceEvent::ScalingTick { service } => {
                return self.scaling_tick(service as usize, now, queue);
            }
            ServiceEvent::ScheduledCapacity { service, index } => {
                return self.scheduled(service as usize, index as usize, now, queue);
            }
            ServiceEvent::DeregistrationDelayOver { service, task } => {
                return self.cut(service as usize, task as usize, now);
            }
            ServiceEvent::ScheduledResize { service, index } => {
                return self.resize(service as usize, index as usize, now, queue);
            }
        };
        let s = &mut self.services[service as usize];
        let t = &mut s.tasks[task as usize];
        if t.gone {
            return; // cut when its deregistration delay passed
        }
        t.integrate(now);
        let r = std::mem::take(&mut t.slots[slot as usize]);
        t.free_slots.push(slot);
        t.in_service -= 1;
        t.cpu_load = (t.cpu_load - r.cpu as f64 / 65535.0).max(0.0);
        let latency = now - r.arrived;
        if r.counted {
            s.stats.completed += 1;
            s.stats.latency.record(latency);
        }
        if r.token != NO_TOKEN {
            self.answers.push(Answered { token: r.token, latency, ok: true });
        }
        if let Some(w) = t.queue.pop_front() {
            start(s, service as usize, task as usize, w, now, queue);
        } else if t.draining && t.in_service == 0 {
            s.stop(task as usize, now, &mut self.rng, &mut self.launches);
        }
    }

    /// A draining task's deregistration delay passed: the requests it still holds are cut
    /// (answered with an error, counted in `drained_cut`) and it stops.
    fn cut(&mut self, service: usize, task: usize, now: SimTime) {
        let s = &mut self.services[service];
        let t = &mut s.tasks[task];
        if t.gone {
            return; // it finished everything in time
        }
        t.integrate(now);
        let held = t.slots.iter().filter(|r| r.live).map(|r| (r.arrived, r.token, r.counted));
        let waiting = t.queue.iter().map(|w| (w.arrived, w.token, w.counted));
        for (arrived, token, counted) in held.chain(waiting) {
            s.stats.drained_cut += u64::from(counted);
            if token != NO_TOKEN {
                self.answers.push(Answered { token, latency: now - arrived, ok: false });
            }
        }
        t.slots.clear();
        t.free_slots.clear();
        t.queue.clear();
        (t.in_service, t.cpu_load) = (0, 0.0);
        s.stop(task, now, &mut self.rng, &mut self.launches);
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
        let s = &mut self.services[service];
        let (_, min, max) = s.cfg.capacity_schedule[index];
        (s.min, s.max) = (min, max);
        let active = s.active();
        if active < min {
            s.launch(min - active, now, &mut self.rng, &mut self.launches);
            s.stats.scale_outs += counted;
        } else if active > max {
            s.drain(active - max, now, queue, &mut self.rng, &mut self.launches);
            s.stats.scale_ins += counted;
        }
    }

    /// One evaluation of the scaling policy.
    fn scaling_tick(&mut self, service: usize, now: SimTime, queue: &mut EventQueue<Event>) {
        let s = &mut self.services[service];
        let Some(a) = s.cfg.autoscaling.clone() else { return };
        let m = s.measure(now);
        let warming = s.warming(now);
        let counted = u64::from(now >= self.warmup);
        if let Policy::Step { scale_out, scale_in } = &a.policy {
            let cap = Capacity { active: s.active(), warming, min: s.min, max: s.max };
            let metric = (m.counted > 0).then(|| m.value(a.metric, a.period));
            match scaling::step(
                scale_out.as_ref(),
                scale_in.as_ref(),
                &mut s.step,
                metric,
                cap,
                now,
            ) {
                StepDecision::None => {}
                StepDecision::Out { launch, base } => {
                    s.launch(launch, now, &mut self.rng, &mut self.launches);
                    s.stats.scale_outs += counted;
                    (s.step.last_out, s.step.last_in) = (Some((now, base)), None);
                }
                StepDecision::In { drain } => {
                    s.drain(drain, now, queue, &mut self.rng, &mut self.launches);
                    s.stats.scale_ins += counted;
                    s.step.last_in = Some(now);
                }
            }
        } else if m.counted > 0 {
            let metric = m.value(a.metric, a.period);
            (s.high, s.low) = if metric > a.target {
                (s.high + 1, 0)
            } else if metric < 0.9 * a.target {
                (0, s.low + 1)
            } else {
                (0, 0)
            };
            let active = s.active();
            let desired =
                ((m.counted as f64 * metric / a.target).ceil() as u32).clamp(s.min, s.max);
            let cooled =
                |last: Option<SimTime>, cd: SimDuration| last.is_none_or(|l| now >= l + cd);
            if s.high >= a.datapoints_out
                && desired > active
                && cooled(s.last_out, a.scale_out_cooldown)
            {
                s.launch(desired - active, now, &mut self.rng, &mut self.launches);
                s.stats.scale_outs += counted;
                (s.high, s.last_out) = (0, Some(now));
            } else if s.low >= a.datapoints_in
                && desired < active
                && warming == 0
                && cooled(s.last_in, a.scale_in_cooldown)
                && cooled(s.last_out, a.scale_out_cooldown)
            {
                s.drain(active - desired, now, queue, &mut self.rng, &mut self.launches);
                s.stats.scale_ins += counted;
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

    pub fn finish(mut self) -> Vec<(ServiceConfig, ServiceStats)> {
        self.roll(SimTime::MAX);
        let (warmup, end) = (self.warmup, self.end);
        self.services
            .into_iter()
            .map(|mut s| {
                let window = (end - warmup).as_secs_f64();
                s.stats.tasks_mean = s.alive.mean_until(end);
                s.stats.tasks_max = s.alive.max();
                let top_up = s.minimum_top_up as f64 / 1e9;
                s.stats.task_hours = (s.stats.tasks_mean * window + top_up) / 3600.0;
                s.billing.accrue(end, (warmup, end));
                s.stats.task_usd = s.billing.usd;
                (s.cfg, s.stats)
            })
            .collect()
    }
}

/// A drained task stops; it is billed at least a minute.
fn retire(s: &mut Service, t: usize, now: SimTime) {
    let task = &mut s.tasks[t];
    task.integrate(now);
    task.gone = true;
    task.stopped = now;
    let lived = now - task.launched;
    s.alive.add(now, -1);
    s.billing.change(now, -task.usd_per_hour, s.window);
    s.billing.minimum(lived, MINIMUM_BILLED, task.usd_per_hour);
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

/// Serves `w` on task `t` from `now`; its caller is answered when it ends.
fn start(
    s: &mut Service,
    service: usize,
    t: usize,
    w: Waiting,
    now: SimTime,
    queue: &mut EventQueue<Event>,
) {
    let task = &mut s.tasks[t];
    let c = w.cpu as f64 / 65535.0;
    task.integrate(now);
    task.in_service += 1;
    task.cpu_load += c;
    let slowdown = (task.cpu_load / task.vcpu).max(1.0);
    let d = w.work.0 as f64;
    let run = SimDuration((d * (1.0 - c) + d * c * slowdown).round() as u64);
    let r = Slot { arrived: w.arrived, token: w.token, cpu: w.cpu, counted: w.counted, live: true };
    let slot = match task.free_slots.pop() {
        Some(i) => {
            task.slots[i as usize] = r;
            i
        }
        None => {
            task.slots.push(r);
            task.slots.len() as u32 - 1
        }
    };
    let ev = ServiceEvent::RequestDone { service: service as u32, task: t as u32, slot };
    queue.push(now + run, Event::Service(ev));
}

/// The hourly cost of a service over `hours`: its tasks, and an Application Load Balancer
/// (aws-facts 4.5: $0.0225 per hour plus $0.008 per LCU-hour; LCUs from new connections at 25
/// per second, taking each request as a new connection: an upper bound).
pub fn cost(cfg: &ServiceConfig, stats: &ServiceStats, hours: f64) -> (f64, f64) {
    let tasks = stats.task_usd;
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
