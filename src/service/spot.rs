//! Fargate Spot: which tasks run on Spot, what they cost, and how they are interrupted.
//!
//! ```text
//!  launch ──► strategy: base on-demand first, then weight : spot_weight ──► Spot task
//!                 │ its warning time drawn at launch: Exp(interruptions_per_hour), own stream
//!                 ▼
//!  warning ──► task drains (no new requests), the service launches a replacement
//!                 │ stop_timeout (default 120 s) later, or as soon as it is idle
//!                 ▼
//!  stop ──► requests still in service or waiting are cut (`interrupted`, an error to
//!            their callers), the task is gone
//! ```
//!
//! A Poisson process of rate `λ` per task-hour is memoryless, so drawing each task's first
//! interruption at its launch is the same process, and needs one event per interruption
//! instead of a timer per task. The draws come from a stream of each service's own, so adding
//! Spot (or another service) leaves every other random draw of the run unchanged. A request
//! whose run would end after its task's stop is known to be cut when it starts: it gets no end
//! event, and it is counted and answered when the stop (or, first, the task's deregistration
//! delay) cuts it.

use rand::RngExt;

use super::{Cx, Service, ServiceEvent};
pub use crate::config::settings::SpotConfig;
use crate::engine::{SimDuration, SimTime};
use crate::event::Event;

impl SpotConfig {
    /// Whether the next task goes to Spot when `on_demand` and `spot` tasks are active:
    /// the base first, then whichever provider is furthest below its weighted share (ties go
    /// to Spot, so a 1:1 mix alternates from Spot).
    pub fn next_is_spot(&self, on_demand: u32, spot: u32) -> bool {
        let (mut od, mut sp) = (on_demand as u64, spot as u64);
        if self.base_spot {
            if sp < self.base as u64 {
                return true;
            }
            sp -= self.base as u64;
        } else {
            if od < self.base as u64 {
                return false;
            }
            od -= self.base as u64;
        }
        match (self.weight, self.spot_weight) {
            (_, 0) => false,
            (0, _) => true,
            (w, ws) => (sp + 1) * w as u64 <= (od + 1) * ws as u64,
        }
    }

    /// The time from launch to the interruption warning.
    fn draw_warning(&self, rng: &mut impl RngExt) -> Option<SimDuration> {
        if self.interruptions_per_hour <= 0.0 {
            return None;
        }
        let u: f64 = rng.random();
        let hours = -(1.0 - u).ln() / self.interruptions_per_hour;
        (hours.is_finite() && hours < 1e6).then(|| SimDuration::from_secs_f64(hours * 3600.0))
    }
}

impl Service {
    /// Tasks alive and not draining, (on-demand, Spot).
    fn active_by_provider(&self) -> (u32, u32) {
        let (mut od, mut sp) = (0, 0);
        for t in self.tasks.iter().filter(|t| !t.gone && !t.draining) {
            if t.spot {
                sp += 1;
            } else {
                od += 1;
            }
        }
        (od, sp)
    }

    /// Whether the next task launched goes to Spot.
    pub(super) fn next_is_spot(&self) -> bool {
        self.cfg.spot.is_some_and(|c| {
            let (od, sp) = self.active_by_provider();
            c.next_is_spot(od, sp)
        })
    }

    /// Makes task `t` (launched at `now`) a Spot task: counts it and draws its interruption,
    /// whose warning falls before `end`, if any. Returns the warning's time.
    pub(super) fn make_spot(&mut self, t: usize, now: SimTime, end: SimTime) -> Option<SimTime> {
        let cfg = self.cfg.spot?;
        self.spot_alive.add(now, 1);
        let task = &mut self.tasks[t];
        task.spot = true;
        let warning = now + cfg.draw_warning(&mut self.spot_rng)?;
        if warning >= end {
            return None;
        }
        task.stop_at = Some(warning + cfg.stop_timeout);
        Some(warning)
    }
}

/// The warning event of task `t`.
pub(super) fn warning_event(service: u32, t: usize) -> Event {
    Event::Service(ServiceEvent::SpotWarning { service, task: t as u32 })
}

/// Task `t` gets its two-minute warning: it is deregistered (drains: no new requests; it
/// stops once idle, or its deregistration delay cuts what it holds), its stop is scheduled
/// and a replacement is launched (unless it was already draining for a scale-in). The
/// replacement serves after its startup and the health check, like any new task.
pub(super) fn warned(s: &mut Service, t: usize, now: SimTime, counted: bool, cx: &mut Cx) {
    let task = &s.tasks[t];
    if task.gone {
        return;
    }
    s.stats.spot_interruptions += u64::from(counted);
    let stop = task.stop_at.unwrap_or(now);
    let ev = ServiceEvent::SpotStop { service: cx.service, task: t as u32 };
    cx.queue.push(stop.max(now), Event::Service(ev));
    if !task.draining {
        // the replacement is placed by the strategy among the tasks that stay
        s.tasks[t].draining = true;
        s.launch(1, now, cx);
        s.begin_drain(t, now, cx);
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_pcg::Pcg64Mcg;

    use super::*;

    fn strategy(base: u32, base_spot: bool, weight: u32, spot_weight: u32) -> SpotConfig {
        SpotConfig {
            discount: 0.7,
            interruptions_per_hour: 0.0,
            stop_timeout: SimDuration::from_secs(120),
            base,
            base_spot,
            weight,
            spot_weight,
        }
    }

    /// Launches `n` tasks one by one and returns (on-demand, Spot).
    fn fill(c: &SpotConfig, n: u32) -> (u32, u32) {
        (0..n).fold(
            (0, 0),
            |(od, sp), _| if c.next_is_spot(od, sp) { (od, sp + 1) } else { (od + 1, sp) },
        )
    }

    #[test]
    fn base_then_weights_as_ecs_splits_them() {
        // FARGATE base 2 weight 1, FARGATE_SPOT weight 3: 10 tasks = 2 + 8 split 1:3 = 4 + 6
        assert_eq!(fill(&strategy(2, false, 1, 3), 10), (4, 6));
        assert_eq!(fill(&strategy(2, false, 1, 3), 2), (2, 0));
        // all Spot, all on-demand
        assert_eq!(fill(&strategy(0, false, 0, 1), 7), (0, 7));
        assert_eq!(fill(&strategy(0, false, 1, 0), 7), (7, 0));
        // a Spot base: the first 3 on Spot, then 1:1
        assert_eq!(fill(&strategy(3, true, 1, 1), 7), (2, 5));
    }

    #[test]
    fn interruption_times_are_exponential_with_the_rate() {
        let c = SpotConfig { interruptions_per_hour: 2.0, ..strategy(0, false, 0, 1) };
        let mut rng = Pcg64Mcg::seed_from_u64(7);
        let n = 20_000;
        let mean_h: f64 = (0..n)
            .map(|_| c.draw_warning(&mut rng).map_or(0.0, |d| d.as_secs_f64() / 3600.0))
            .sum::<f64>()
            / n as f64;
        // mean 1/2 h; the standard error is 0.5 / sqrt(20,000) = 0.0035 h
        assert!((mean_h - 0.5).abs() < 0.02, "{mean_h}");
        let none = SpotConfig { interruptions_per_hour: 0.0, ..c };
        assert_eq!(none.draw_warning(&mut rng), None);
    }
}
