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
//! an M/G/c queue with `c = concurrency` and a waiting room of `queue_limit`. Capacity is fixed
//! at `capacity.initial` tasks, running from time 0 (autoscaling is a later release).

use std::collections::VecDeque;

use crate::config::{Balancing, ServiceConfig};
use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::metrics::Histogram;
use crate::sim::Event;

/// Events of the service model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceEvent {
    /// A request finished on a task; `cpu` is its CPU-bound share in 1/65535ths.
    RequestDone { service: u32, task: u32, cpu: u16 },
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
    in_service: u32,
    /// Sum of the CPU-bound shares of the requests in service.
    cpu_load: f64,
    queue: VecDeque<Waiting>,
}

struct Service {
    cfg: ServiceConfig,
    tasks: Vec<Task>,
    next: usize,
    stats: ServiceStats,
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
}

impl ServiceModel {
    pub fn new(services: &[ServiceConfig], warmup: SimTime) -> Self {
        let services = services
            .iter()
            .map(|cfg| Service {
                tasks: (0..cfg.tasks).map(|_| Task::default()).collect(),
                next: 0,
                stats: ServiceStats::default(),
                cfg: cfg.clone(),
            })
            .collect();
        ServiceModel { services, warmup }
    }

    /// A request of `work` (on one vCPU) with CPU-bound share `cpu_bound` arrives at `now`.
    /// A caller that waits for the answer gives a `token` (else [`NO_TOKEN`]); it learns the
    /// latency when the request starts, as it is fixed then.
    pub fn request(
        &mut self,
        service: usize,
        now: SimTime,
        work: SimDuration,
        cpu_bound: f64,
        token: u32,
        queue: &mut EventQueue<Event>,
    ) -> Admission {
        let counted = now >= self.warmup;
        let s = &mut self.services[service];
        if counted {
            s.stats.requests += 1;
        }
        let Some(t) = pick(s) else {
            if counted {
                s.stats.rejected += 1;
            }
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
        let ServiceEvent::RequestDone { service, task, cpu } = event;
        let s = &mut self.services[service as usize];
        let t = &mut s.tasks[task as usize];
        t.in_service -= 1;
        t.cpu_load = (t.cpu_load - cpu as f64 / 65535.0).max(0.0);
        let w = t.queue.pop_front()?;
        start(s, service as usize, task as usize, w, now, queue)
    }

    pub fn finish(self) -> Vec<(ServiceConfig, ServiceStats)> {
        self.services.into_iter().map(|s| (s.cfg, s.stats)).collect()
    }
}

/// The task the load balancer sends a request to.
fn pick(s: &mut Service) -> Option<usize> {
    let n = s.tasks.len();
    if n == 0 {
        return None;
    }
    Some(match s.cfg.balancing {
        Balancing::RoundRobin => {
            s.next = (s.next + 1) % n;
            s.next
        }
        Balancing::LeastOutstandingRequests => {
            let load = |t: &Task| t.in_service as usize + t.queue.len();
            (0..n).min_by_key(|&i| load(&s.tasks[i])).unwrap_or(0)
        }
    })
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
    let tasks = cfg.tasks as f64 * cfg.usd_per_hour * hours;
    let alb = if cfg.alb && hours > 0.0 {
        let per_second = stats.requests as f64 / (hours * 3600.0);
        hours * (0.0225 + 0.008 * (per_second / 25.0))
    } else {
        0.0
    };
    (tasks, alb)
}
