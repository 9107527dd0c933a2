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
//! the task's vCPUs, at least 1 (at least `1 / vcpu` on a task of less than one vCPU, since a
//! request's CPU work runs on one thread). The slowdown is fixed at the start (an approximation of
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
//!
//! Capacity has three more parts, one file each: Fargate Spot tasks and their interruptions
//! ([`spot`]), the container instances of ECS on EC2 ([`cluster`]), and the load balancer's
//! capacity units ([`alb`]). A request is cut in one of two ways, each counted apart and
//! answered with an error when it happens: its draining task's deregistration delay passes
//! (`drained_cut`), or its Spot task is stopped (`interrupted`).

pub mod alb;
pub mod cluster;
pub mod metrics;
pub mod resize;
pub mod scaling;
pub mod spot;

use std::collections::VecDeque;

use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

use crate::config::{Balancing, Platform, ServiceConfig};
use crate::engine::derive_seed;
use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::event::Event;
pub use crate::event::ServiceEvent;
use crate::metrics::{Histogram, Level, MinuteSeries};
use metrics::Billing;
use resize::Size;
use scaling::{Capacity, Policy, StepDecision, StepState};

/// What became of a request at the service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// 503: every queue full, or no task.
    Rejected,
    /// Waiting in a task's queue; its caller is answered when it ends or is cut.
    Queued,
    /// Being served; its caller is answered when it ends or is cut (see
    /// [`ServiceModel::answers`]), so this holds `None`.
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
    /// One row per row of the run's time series (a minute unless `timeseries_step` is coarser):
    /// CloudWatch's view of the service.
    pub minutes: Vec<metrics::ServiceMinute>,
    /// Requests waiting at the tasks (queued, not yet in service) at the end of each minute,
    /// one per row of `minutes` (for the warnings: a queue still growing at the end).
    pub waiting: Vec<u32>,
    /// Instances restarted with a new type by `resize_schedule`.
    pub resizes: u64,
    /// Requests cut by a Spot task's stop: in service or waiting at it.
    pub interrupted: u64,
    /// Spot interruption warnings, and the billed task-hours that ran on Spot (in `task_hours`).
    pub spot_interruptions: u64,
    pub spot_task_hours: f64,
    /// ECS on EC2: the container instances.
    pub cluster: Option<cluster::ClusterStats>,
    /// The load balancer's bill (with `load_balancer = "alb"`).
    pub alb: alb::AlbBill,
    /// Burstable instances: vCPU-hours used above their baseline in the window (charged as
    /// surplus CPU credits).
    pub surplus_vcpu_hours: f64,
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
    /// On Fargate Spot; with an interruption, when it is stopped (drawn at launch).
    spot: bool,
    stop_at: Option<SimTime>,
    /// ECS on EC2: the instance it is placed on (`None` while it waits for room).
    instance: Option<u32>,
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
    /// The most tasks alive at once in the open minute of the per-minute series.
    alive_peak: u32,
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
    /// Spot tasks alive, their minimum top-up, and their interruption draws.
    spot_alive: Level,
    spot_top_up: u128,
    spot_rng: Pcg64Mcg,
    cluster: Option<cluster::Cluster>,
    alb: alb::AlbMeter,
    /// vCPU-nanoseconds used and available on serving tasks in the measured window (for the
    /// surplus CPU credits of burstable instances).
    cpu_used_window: f64,
    cpu_cap_window: f64,
}

/// What launching, draining and stopping tasks touches outside their service.
struct Cx<'a> {
    rng: &'a mut Pcg64Mcg,
    launches: &'a mut LaunchBucket,
    spot_launches: &'a mut LaunchBucket,
    queue: &'a mut EventQueue<Event>,
    /// Answers to callers of requests that ended or were cut.
    answers: &'a mut Vec<Answered>,
    /// The service's place in the model (events name it).
    service: u32,
    warmup: SimTime,
    end: SimTime,
}

/// Why the requests a task still holds are cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cut {
    /// Its deregistration delay passed (`drained_cut`).
    Deregistered,
    /// Its Spot task was stopped (`interrupted`).
    SpotStop,
}

impl Service {
    /// Tasks alive and not draining: what the bounds and target tracking count (an instance
    /// being resized counts: it comes back).
    fn active(&self) -> u32 {
        self.tasks.iter().filter(|t| !t.gone && (!t.draining || t.resizing)).count() as u32
    }

    /// Launches `n` tasks at `now`; each serves after its startup and the load balancer's
    /// health check. Fargate tasks also wait for the account's launch rate (Spot has its own);
    /// ECS-on-EC2 tasks also wait for room on an instance. They count, and bill, from `now`.
    fn launch(&mut self, n: u32, now: SimTime, cx: &mut Cx) {
        let fargate = self.cfg.platform == Platform::Fargate;
        let warmup = self.cfg.autoscaling.as_ref().and_then(|a| a.warmup);
        for _ in 0..n {
            let spot = self.next_is_spot();
            let bucket = if spot { &mut *cx.spot_launches } else { &mut *cx.launches };
            let granted = if fargate { bucket.take(now) } else { now };
            let ready_at = granted + self.cfg.startup.sample(cx.rng) + self.cfg.health_check_delay;
            let warm_at = now + warmup.unwrap_or(SimDuration::ZERO);
            let size = Size { usd_per_hour: self.task_price(spot), ..self.size };
            self.tasks.push(Task::new(size, now, ready_at, warm_at));
            self.alive.add(now, 1);
            self.alive_peak = self.alive_peak.max(self.alive.value());
            self.billing.change(now, size.usd_per_hour, self.window);
            let t = self.tasks.len() - 1;
            if spot && let Some(warning) = self.make_spot(t, now, cx.end) {
                cx.queue.push(warning, spot::warning_event(cx.service, t));
            }
            self.place(t, now, cx);
        }
    }

    /// What a task of the current size costs an hour: the Spot discount applies to a Spot
    /// task; on ECS on EC2 the cluster's instances are billed, not the tasks.
    fn task_price(&self, spot: bool) -> f64 {
        match (&self.cluster, self.cfg.spot) {
            (Some(_), _) => 0.0,
            (None, Some(c)) if spot => self.size.usd_per_hour * (1.0 - c.discount),
            _ => self.size.usd_per_hour,
        }
    }

    /// Scales in by `n`: the newest tasks go first; each drains what it has, then stops.
    fn drain(&mut self, mut n: u32, now: SimTime, cx: &mut Cx) {
        for i in (0..self.tasks.len()).rev() {
            if n == 0 {
                break;
            }
            if !self.tasks[i].gone && !self.tasks[i].draining {
                n -= 1;
                self.begin_drain(i, now, cx);
            }
        }
    }

    /// Task `t` stops taking requests: it stops once it holds none, or when the deregistration
    /// delay passes (what it still holds then is cut).
    fn begin_drain(&mut self, t: usize, now: SimTime, cx: &mut Cx) {
        let task = &mut self.tasks[t];
        task.draining = true;
        task.drain_at = now;
        if task.in_service == 0 && task.queue.is_empty() {
            self.stop(t, now, cx);
        } else if let Some(delay) = self.cfg.deregistration_delay {
            let ev = ServiceEvent::DeregistrationDelayOver { service: cx.service, task: t as u32 };
            cx.queue.push(now + delay, Event::Service(ev));
        }
    }

    /// Task `t` stops; one being resized starts again with the new size.
    fn stop(&mut self, t: usize, now: SimTime, cx: &mut Cx) {
        retire(self, t, now, cx);
        if self.tasks[t].resizing {
            self.stats.resizes += u64::from(now >= self.window.0);
            self.restart(now, cx);
        }
    }

    /// The requests task `t` still holds, in service or waiting, are cut at `now`: counted by
    /// `why`, metered by the load balancer, and their callers answered with an error. Then it
    /// stops.
    fn cut(&mut self, t: usize, now: SimTime, why: Cut, cx: &mut Cx) {
        let task = &mut self.tasks[t];
        if task.gone {
            return; // it finished everything in time, or was cut already
        }
        task.integrate(now);
        let held = task.slots.iter().filter(|r| r.live).map(|r| (r.arrived, r.token, r.counted));
        let waiting = task.queue.iter().map(|w| (w.arrived, w.token, w.counted));
        for (arrived, token, counted) in held.chain(waiting) {
            let latency = now - arrived;
            if counted {
                match why {
                    Cut::Deregistered => self.stats.drained_cut += 1,
                    Cut::SpotStop => self.stats.interrupted += 1,
                }
                self.alb.served(arrived, latency);
            }
            if token != NO_TOKEN {
                cx.answers.push(Answered { token, latency, ok: false });
            }
        }
        task.slots.clear();
        task.free_slots.clear();
        task.queue.clear();
        (task.in_service, task.cpu_load) = (0, 0.0);
        self.stop(t, now, cx);
    }
}

/// A request's end that a caller waits for: the token it gave, and the service's latency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Answered {
    pub token: u32,
    pub latency: SimDuration,
    /// False if the request was cut (its task's deregistration delay passed first, or its
    /// Spot task was stopped): the caller gets an error.
    pub ok: bool,
}

/// Every service of the scenario.
pub struct ServiceModel {
    services: Vec<Service>,
    warmup: SimTime,
    end: SimTime,
    rng: Pcg64Mcg,
    launches: LaunchBucket,
    /// Fargate Spot's launch rate, counted apart from on-demand's (docs/src/facts.md §3.3).
    spot_launches: LaunchBucket,
    /// Answers to callers waiting for requests that ended or were cut, taken by
    /// [`answers`](Self::answers).
    answers: Vec<Answered>,
    /// The start of the open row of the per-service time series, and where its rows end (the
    /// rows of the run's series).
    minute_start: SimTime,
    rows: crate::metrics::RowGrid,
}

/// The account's Fargate task-launch rate: 20 a second sustained, bursts of 100
/// (docs/src/facts.md §3.3, ECS service quotas), a token bucket shared by every Fargate
/// service.
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

/// EC2 and Fargate bill per second with a 1-minute minimum (docs/src/facts.md §3.2, §4.2).
const MINIMUM_BILLED: SimDuration = SimDuration::from_secs(60);

impl ServiceModel {
    pub fn new(services: &[ServiceConfig], warmup: SimTime, end: SimTime, seed: u64) -> Self {
        let services = services
            .iter()
            .enumerate()
            .map(|(i, cfg)| {
                let mut alive = Level::new(warmup, end);
                alive.set(SimTime::ZERO, cfg.tasks);
                let size = Size {
                    vcpu: cfg.vcpu,
                    memory_mb: cfg.memory_mb,
                    usd_per_hour: cfg.usd_per_hour,
                };
                let mut s = Service {
                    tasks: Vec::new(),
                    next: 0,
                    stats: ServiceStats::default(),
                    alive,
                    alive_peak: cfg.tasks,
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
                    billing: Billing::new(),
                    window: (warmup, end),
                    spot_alive: Level::new(warmup, end),
                    spot_top_up: 0,
                    // a stream of each service's own (see `spot`)
                    spot_rng: Pcg64Mcg::seed_from_u64(derive_seed(seed, 1 + i as u64)),
                    cluster: cfg
                        .cluster
                        .as_ref()
                        .map(|c| cluster::Cluster::new(c, cfg.tasks, warmup, end)),
                    alb: alb::AlbMeter::new(warmup),
                    cpu_used_window: 0.0,
                    cpu_cap_window: 0.0,
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
            minute_start: SimTime::ZERO,
            rows: crate::metrics::RowGrid::new(None, warmup, end),
        }
    }

    /// Closes the per-service rows where the run's time series closes its own.
    pub fn set_rows(&mut self, rows: crate::metrics::RowGrid) {
        self.rows = rows;
    }

    /// Answers to waiting callers produced by the last [`handle`](Self::handle).
    pub fn answers(&mut self) -> std::vec::Drain<'_, Answered> {
        self.answers.drain(..)
    }

    /// Closes every row of the per-service series that ended at or before `now`.
    fn roll(&mut self, now: SimTime) {
        while self.minute_start < self.end {
            let b = self.rows.row_end(self.minute_start);
            if now < b {
                break;
            }
            for s in &mut self.services {
                s.close_minute(self.minute_start, b);
                // no service event since `b`: the tasks' queues are as they were at `b`
                let waiting = s.tasks.iter().filter(|t| !t.gone).map(|t| t.queue.len() as u32);
                s.stats.waiting.push(waiting.sum());
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
            s.schedule_initial(i as u32, queue);
        }
    }

    /// A request of `work` (on one vCPU) with CPU-bound share `cpu_bound` arrives at `now`.
    /// A caller that waits for the answer gives a `token` (else [`NO_TOKEN`]); it is answered
    /// when the request ends or is cut (see [`answers`](Self::answers)).
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
        let (s, mut cx) = self.cx(service, queue);
        if counted {
            s.stats.requests += 1;
            s.alb.request(now);
        }
        series.row().service_requests += 1;
        series.service_request(service);
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
            start(s, t, w, now, &mut cx);
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
    /// the next waiting one starts; so are requests cut by a deregistration delay or a Spot
    /// stop (with an error).
    pub fn handle(&mut self, now: SimTime, event: ServiceEvent, queue: &mut EventQueue<Event>) {
        self.roll(now);
        let counted = now >= self.warmup;
        let (service, task, slot) = match event {
            ServiceEvent::RequestDone { service, task, slot } => (service, task, slot),
            ServiceEvent::ScalingTick { service } => {
                return self.scaling_tick(service as usize, now, queue);
            }
            ServiceEvent::ScheduledCapacity { service, index } => {
                return self.scheduled(service as usize, index as usize, now, queue);
            }
            ServiceEvent::DeregistrationDelayOver { service, task } => {
                let (s, mut cx) = self.cx(service as usize, queue);
                return s.cut(task as usize, now, Cut::Deregistered, &mut cx);
            }
            ServiceEvent::ScheduledResize { service, index } => {
                let (s, mut cx) = self.cx(service as usize, queue);
                return s.resize(index as usize, now, &mut cx);
            }
            ServiceEvent::SpotWarning { service, task } => {
                let (s, mut cx) = self.cx(service as usize, queue);
                return spot::warned(s, task as usize, now, counted, &mut cx);
            }
            ServiceEvent::SpotStop { service, task } => {
                let (s, mut cx) = self.cx(service as usize, queue);
                return s.cut(task as usize, now, Cut::SpotStop, &mut cx);
            }
            ServiceEvent::InstanceIdle { service, instance } => {
                let s = &mut self.services[service as usize];
                return s.instance_idle(instance as usize, now, counted);
            }
        };
        let (s, mut cx) = self.cx(service as usize, queue);
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
            s.alb.served(r.arrived, latency);
        }
        if r.token != NO_TOKEN {
            cx.answers.push(Answered { token: r.token, latency, ok: true });
        }
        if let Some(w) = t.queue.pop_front() {
            start(s, task as usize, w, now, &mut cx);
        } else if t.draining && t.in_service == 0 {
            s.stop(task as usize, now, &mut cx);
        }
    }

    /// Service `i` and what its launches, drains and stops need.
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
            answers: &mut self.answers,
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

    /// One evaluation of the scaling policy.
    fn scaling_tick(&mut self, service: usize, now: SimTime, queue: &mut EventQueue<Event>) {
        let counted = u64::from(now >= self.warmup);
        let (s, mut cx) = self.cx(service, queue);
        let Some(a) = s.cfg.autoscaling.clone() else { return };
        let m = s.measure(now);
        let warming = s.warming(now);
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
                    s.launch(launch, now, &mut cx);
                    s.stats.scale_outs += counted;
                    (s.step.last_out, s.step.last_in) = (Some((now, base)), None);
                }
                StepDecision::In { drain } => {
                    s.drain(drain, now, &mut cx);
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
                s.launch(desired - active, now, &mut cx);
                s.stats.scale_outs += counted;
                (s.high, s.last_out) = (0, Some(now));
            } else if s.low >= a.datapoints_in
                && desired < active
                && warming == 0
                && cooled(s.last_in, a.scale_in_cooldown)
                && cooled(s.last_out, a.scale_out_cooldown)
            {
                s.drain(active - desired, now, &mut cx);
                s.stats.scale_ins += counted;
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
                let spot_top_up = s.spot_top_up as f64 / 1e9;
                let spot_mean = s.spot_alive.mean_until(end);
                s.stats.spot_task_hours = (spot_mean * window + spot_top_up) / 3600.0;
                s.stats.cluster = s.cluster.map(|c| c.finish(warmup, end));
                // Unlimited mode: CPU above the baseline over the period is paid for (the
                // fleet's total, as if credits earned by one instance covered another's)
                if let Some(baseline) = s.cfg.burst_baseline {
                    let surplus = s.cpu_used_window - baseline * s.cpu_cap_window;
                    s.stats.surplus_vcpu_hours = surplus.max(0.0) / 3.6e12;
                }
                if s.cfg.alb {
                    s.stats.alb = s.alb.bill(&s.cfg.lb, end - warmup);
                }
                (s.cfg, s.stats)
            })
            .collect()
    }
}

/// A task stops; it is billed at least a minute, and frees its place on its instance.
fn retire(s: &mut Service, t: usize, now: SimTime, cx: &mut Cx) {
    let task = &mut s.tasks[t];
    task.integrate(now);
    task.gone = true;
    task.stopped = now;
    let lived = now - task.launched;
    s.alive.add(now, -1);
    s.billing.change(now, -task.usd_per_hour, s.window);
    s.billing.minimum(lived, MINIMUM_BILLED, task.usd_per_hour);
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

/// Serves `w` on task `t` from `now`; its caller is answered when it ends. A Spot task's stop
/// is drawn at its launch: a request that would run past it gets no end event, it is cut by
/// the stop (or earlier, by a deregistration delay).
fn start(s: &mut Service, t: usize, w: Waiting, now: SimTime, cx: &mut Cx) {
    let task = &mut s.tasks[t];
    let c = w.cpu as f64 / 65535.0;
    task.integrate(now);
    task.in_service += 1;
    task.cpu_load += c;
    // one request's CPU work runs on one thread: a task of less than one vCPU (Fargate's 0.25
    // and 0.5) slows it even alone, as Lambda's CPU law does below 1,769 MB
    let slowdown = (task.cpu_load / task.vcpu).max(1.0 / task.vcpu.min(1.0));
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
    if task.stop_at.is_some_and(|stop| now + run > stop) {
        return; // cut at the stop
    }
    let ev = ServiceEvent::RequestDone { service: cx.service, task: t as u32, slot };
    cx.queue.push(now + run, Event::Service(ev));
}

/// The cost of a service over the measured window: its compute (each task at its own price,
/// on-demand or Spot, as `task_usd` integrates it; on ECS on EC2, the cluster's instances
/// instead, the tasks costing nothing) and its Application Load Balancer (docs/src/facts.md
/// §4.5, metered per hour in [`alb`]).
pub fn cost(cfg: &ServiceConfig, stats: &ServiceStats) -> (f64, f64) {
    let credits = cpu_credit_usd(stats);
    let instances = stats.cluster.as_ref().map_or(0.0, |c| c.instance_hours * cfg.usd_per_hour);
    let alb = if cfg.alb { stats.alb.usd } else { 0.0 };
    (stats.task_usd + instances + credits, alb)
}

/// Surplus CPU credits of burstable instances (Unlimited mode), part of [`cost`]'s compute.
pub fn cpu_credit_usd(stats: &ServiceStats) -> f64 {
    stats.surplus_vcpu_hours * crate::pricing::T3_UNLIMITED.usd_per_surplus_vcpu_hour
}

impl Service {
    /// The tasks running from time 0 (they have served, and warmed up, since before the run):
    /// on Spot or not by the strategy, placed on the cluster, billed from 0.
    fn initial_tasks(&mut self, end: SimTime) {
        for t in 0..self.cfg.tasks as usize {
            let spot = self.next_is_spot();
            let size = Size { usd_per_hour: self.task_price(spot), ..self.size };
            self.tasks.push(Task::new(size, SimTime::ZERO, SimTime::ZERO, SimTime::ZERO));
            self.billing.change(SimTime::ZERO, size.usd_per_hour, self.window);
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
