//! ECS on EC2: the cluster's container instances, task placement, and the capacity
//! provider's managed scaling.
//!
//! ```text
//!  task launched ──► room on an instance (running or booting)? ──yes──► placed
//!        │ no                                      (serves after the instance's boot, if
//!        ▼                                          booting, then its own startup and
//!                                                   the ALB's health-check delay)
//!  managed scaling: instances = ceil(ceil(tasks / per instance) x 100 / target_capacity),
//!  within cluster.min..=max; new instances boot for `boot` ──► the task is placed on one
//!        │ at max: the task waits (PROVISIONING) until a task stops and frees a slot
//!        ▼
//!  instance empty for `scale_in_after` and above what managed scaling wants ──► terminated
//! ```
//!
//! Each instance holds `tasks_per_instance` tasks: as many as fit by the task's reserved vCPU
//! and memory. Placement fills the instance that is ready first (ties: the oldest), a binpack
//! of identical tasks. Managed scaling keeps `CapacityProviderReservation = M / N x 100` at
//! `target_capacity`, where M is the instances the tasks need and N the instances running
//! (AWS's formula); slsim reacts at once to a change in tasks, without the metric's 1-minute
//! period: `boot` (default 2 minutes) stands for the whole delay from the scale-out to the
//! first task (docs/src/facts.md §3.3 and §4.3: 30-90 s of EC2 boot plus agent registration;
//! ~2.5 min before the first containers in the 2022 benchmark, against ~30 s on Fargate). Instances
//! are billed per second with a 60-second minimum (docs/src/facts.md §4.2); the tasks cost
//! nothing.
//!
//! Instances wait for no event: a task placed on a booting instance gets
//! `ready_at = instance boot + startup + health_check_delay` (a task that waited for room:
//! from the slot's release), checked lazily. Only an instance that became empty
//! gets one event, when its `scale_in_after` has passed.

use std::collections::VecDeque;

use super::{Cx, MINIMUM_BILLED, Service, ServiceEvent};
pub use crate::config::settings::ClusterConfig;
use crate::engine::{EventQueue, SimTime};
use crate::event::Event;
use crate::metrics::{Histogram, Level};

impl ClusterConfig {
    /// Instances managed scaling wants for `tasks` tasks.
    pub fn desired(&self, tasks: u32) -> u32 {
        let needed = tasks.div_ceil(self.tasks_per_instance.max(1)) as u64;
        let n = (needed * 100).div_ceil(self.target_capacity.max(1) as u64);
        (n.min(u32::MAX as u64) as u32).clamp(self.min, self.max)
    }
}

/// What the cluster did, over the measured window.
#[derive(Clone, Debug, Default)]
pub struct ClusterStats {
    /// Instances alive (booting or running): time average and maximum.
    pub instances_mean: f64,
    pub instances_max: u32,
    /// Billed instance-hours (per second, 60-second minimum per instance).
    pub instance_hours: f64,
    pub instance_launches: u64,
    pub instance_terminations: u64,
    /// Tasks that waited for capacity (PROVISIONING: for an instance to boot or for room),
    /// and how long, from launch to placement on a running instance.
    pub tasks_waited: u64,
    pub wait: Histogram,
}

#[derive(Debug)]
struct Instance {
    launched: SimTime,
    ready_at: SimTime,
    /// Tasks placed on it (starting, serving or draining).
    tasks: u32,
    gone: bool,
    /// When it last became empty (its boot, for a new one).
    empty_since: SimTime,
}

/// The container instances of one service.
#[derive(Debug)]
pub(super) struct Cluster {
    instances: Vec<Instance>,
    /// Tasks waiting for room (PROVISIONING) in launch order; stopped ones are skipped.
    waiting: VecDeque<u32>,
    alive: Level,
    /// Instance-nanoseconds added by the 60-second minimum.
    top_up: u128,
    /// Instances not terminated, and tasks placed or waiting.
    running: u32,
    pub(super) stats: ClusterStats,
}

impl Cluster {
    /// The cluster at time 0 for `tasks` initial tasks: what managed scaling wants, running.
    pub(super) fn new(cfg: &ClusterConfig, tasks: u32, warmup: SimTime, end: SimTime) -> Self {
        let n = cfg.desired(tasks);
        let mut alive = Level::new(warmup, end);
        alive.set(SimTime::ZERO, n);
        let instances = (0..n)
            .map(|_| Instance {
                launched: SimTime::ZERO,
                ready_at: SimTime::ZERO,
                tasks: 0,
                gone: false,
                empty_since: SimTime::ZERO,
            })
            .collect();
        Cluster {
            instances,
            waiting: VecDeque::new(),
            alive,
            top_up: 0,
            running: n,
            stats: ClusterStats::default(),
        }
    }

    /// The first check of each initial instance's idleness.
    pub(super) fn schedule(&self, cfg: &ClusterConfig, service: u32, q: &mut EventQueue<Event>) {
        for (i, inst) in self.instances.iter().enumerate() {
            q.push(inst.ready_at + cfg.scale_in_after, idle_event(service, i));
        }
    }

    /// Places an initial task on instance `i`, if there is one.
    pub(super) fn place_initial(&mut self, i: usize) -> Option<u32> {
        let inst = self.instances.get_mut(i)?;
        inst.tasks += 1;
        Some(i as u32)
    }

    /// The instance a new task goes to: room, ready first (ties: the oldest).
    fn room(&self, per: u32) -> Option<usize> {
        (0..self.instances.len())
            .filter(|&i| !self.instances[i].gone && self.instances[i].tasks < per)
            .min_by_key(|&i| self.instances[i].ready_at)
    }

    pub(super) fn finish(mut self, warmup: SimTime, end: SimTime) -> ClusterStats {
        let window = (end - warmup).as_secs_f64();
        self.stats.instances_mean = self.alive.mean_until(end);
        self.stats.instances_max = self.alive.max();
        self.stats.instance_hours =
            (self.stats.instances_mean * window + self.top_up as f64 / 1e9) / 3600.0;
        self.stats
    }
}

fn idle_event(service: u32, instance: usize) -> Event {
    Event::Service(ServiceEvent::InstanceIdle { service, instance: instance as u32 })
}

impl Service {
    /// Tasks the cluster holds or must find room for: alive ones.
    fn cluster_tasks(&self) -> u32 {
        self.tasks.iter().filter(|t| !t.gone).count() as u32
    }

    /// Places task `t`, just launched at `now` with its startup in `ready_at - now`, scaling
    /// the cluster out first if managed scaling wants more instances.
    pub(super) fn place(&mut self, t: usize, now: SimTime, cx: &mut Cx) {
        let tasks = self.cluster_tasks();
        let counted = now >= cx.warmup;
        let (Some(cfg), Some(c)) = (self.cfg.cluster.as_ref(), self.cluster.as_mut()) else {
            return;
        };
        let want = cfg.desired(tasks);
        while c.running < want {
            let ready_at = now + cfg.boot.sample(cx.rng);
            c.instances.push(Instance {
                launched: now,
                ready_at,
                tasks: 0,
                gone: false,
                empty_since: ready_at,
            });
            c.running += 1;
            c.alive.add(now, 1);
            c.stats.instance_launches += u64::from(counted);
            cx.queue
                .push(ready_at + cfg.scale_in_after, idle_event(cx.service, c.instances.len() - 1));
        }
        let startup = self.tasks[t].ready_at - now;
        match c.room(cfg.tasks_per_instance) {
            Some(i) => {
                let inst = &mut c.instances[i];
                inst.tasks += 1;
                let task = &mut self.tasks[t];
                task.instance = Some(i as u32);
                if inst.ready_at > now {
                    task.ready_at = inst.ready_at + startup;
                    if counted {
                        c.stats.tasks_waited += 1;
                        c.stats.wait.record(inst.ready_at - now);
                    }
                }
            }
            None => {
                // at the group's maximum and full: PROVISIONING until a slot frees
                self.tasks[t].ready_at = SimTime::MAX;
                c.waiting.push_back(t as u32);
            }
        }
    }

    /// Task `t` stopped at `now`: its slot goes to the first waiting task, if any; an instance
    /// left empty is checked for scale-in after `scale_in_after`.
    pub(super) fn unplace(&mut self, t: usize, now: SimTime, cx: &mut Cx) {
        let (Some(cfg), Some(c)) = (self.cfg.cluster.as_ref(), self.cluster.as_mut()) else {
            return;
        };
        let Some(i) = self.tasks[t].instance.take() else { return };
        let inst = &mut c.instances[i as usize];
        inst.tasks -= 1;
        while let Some(w) = c.waiting.pop_front() {
            let task = &mut self.tasks[w as usize];
            if task.gone {
                continue;
            }
            inst.tasks += 1;
            task.instance = Some(i);
            // its startup, then the load balancer's health check, as any new task
            task.ready_at = now.max(inst.ready_at)
                + self.cfg.startup.sample(cx.rng)
                + self.cfg.health_check_delay;
            if task.launched >= cx.warmup {
                c.stats.tasks_waited += 1;
                c.stats.wait.record(now.max(inst.ready_at) - task.launched);
            }
            return;
        }
        if inst.tasks == 0 {
            inst.empty_since = now;
            cx.queue.push(now + cfg.scale_in_after, idle_event(cx.service, i as usize));
        }
    }

    /// Instance `i`'s idleness check: terminated if it is still empty since `scale_in_after`
    /// ago and the cluster has more instances than managed scaling wants.
    pub(super) fn instance_idle(&mut self, i: usize, now: SimTime, counted: bool) {
        let tasks = self.cluster_tasks();
        let (Some(cfg), Some(c)) = (self.cfg.cluster.as_ref(), self.cluster.as_mut()) else {
            return;
        };
        let want = cfg.desired(tasks);
        let inst = &mut c.instances[i];
        let idle_long = inst.empty_since + cfg.scale_in_after <= now;
        if inst.gone || inst.tasks > 0 || !idle_long || c.running <= want {
            return;
        }
        inst.gone = true;
        c.running -= 1;
        c.alive.add(now, -1);
        c.stats.instance_terminations += u64::from(counted);
        let lived = now - inst.launched;
        if lived < MINIMUM_BILLED {
            c.top_up += (MINIMUM_BILLED.0 - lived.0) as u128;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::Dist;
    use crate::engine::SimDuration;

    fn cfg(per: u32, min: u32, max: u32, target: u32) -> ClusterConfig {
        ClusterConfig {
            tasks_per_instance: per,
            min,
            max,
            target_capacity: target,
            boot: Dist::Constant(SimDuration::from_secs(120)),
            scale_in_after: SimDuration::from_secs(900),
        }
    }

    #[test]
    fn managed_scaling_wants_reservation_at_the_target() {
        // 4 tasks per instance: 9 tasks need 3 instances (M = 3)
        assert_eq!(cfg(4, 0, 100, 100).desired(9), 3);
        assert_eq!(cfg(4, 0, 100, 100).desired(8), 2);
        assert_eq!(cfg(4, 0, 100, 100).desired(0), 0);
        // at 75 %: N = ceil(3 x 100 / 75) = 4, so that M / N = 75 %
        assert_eq!(cfg(4, 0, 100, 75).desired(9), 4);
        // within the group's bounds
        assert_eq!(cfg(4, 1, 100, 100).desired(0), 1);
        assert_eq!(cfg(4, 0, 2, 100).desired(9), 2);
    }
}
