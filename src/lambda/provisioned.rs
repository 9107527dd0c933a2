//! Provisioned concurrency that changes during a run: scheduled actions and target tracking.
//!
//! A request for more environments is ready after the allocation delay (AWS: "a minute or two
//! of preparation", docs/src/facts.md §1.2; default 90 s); a request for fewer releases idle
//! environments at once and busy ones when their invocation ends. Configured concurrency is billed
//! from the request on, as it changes (the constant case keeps AWS's 5-minute rounding). Target
//! tracking evaluates utilisation (busy provisioned environments / configured, averaged over
//! each minute) like Application Auto Scaling: scale out after 3 minutes above the target, in
//! after 15 minutes below 90% of it, to `ceil(configured x utilisation / target)` within
//! `[min, max]`.

use super::{Function, LambdaEvent, LambdaModel, billing};
use crate::config::ProvisionedPlan;
use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::event::Event;
use crate::metrics::MinuteSeries;

const TICK: SimDuration = SimDuration::from_secs(60);

/// Provisioned-concurrency state of one function.
#[derive(Clone, Debug, Default)]
pub(super) struct Provisioned {
    /// Configured now (what is billed and set aside).
    pub target: u32,
    /// Provisioned environments alive (ready, busy or idle).
    pub envs: u32,
    /// Busy provisioned environments, and their integral over the current tick.
    busy: u32,
    busy_since: SimTime,
    busy_integral: u128,
    /// Consecutive minutes above the target / below 90% of it.
    high: u32,
    low: u32,
}

impl Provisioned {
    pub fn new(initial: u32) -> Self {
        Provisioned { target: initial, envs: initial, ..Provisioned::default() }
    }

    pub fn busy_add(&mut self, now: SimTime, delta: i32) {
        self.busy_integral += self.busy as u128 * (now - self.busy_since).0 as u128;
        self.busy_since = now;
        self.busy = (self.busy as i64 + delta as i64).max(0) as u32;
    }

    /// Mean utilisation since the last call (busy / configured), or `None` with none configured.
    fn take_utilisation(&mut self, now: SimTime, period: SimDuration) -> Option<f64> {
        self.busy_add(now, 0);
        let busy = std::mem::take(&mut self.busy_integral) as f64 / period.0 as f64;
        (self.target > 0).then(|| busy / self.target as f64)
    }
}

impl LambdaModel {
    /// Schedules the plan's events: scheduled actions, or the first target-tracking tick.
    pub fn schedule_provisioning(&mut self, queue: &mut EventQueue<Event>) {
        for (i, func) in self.functions.iter().enumerate() {
            let function = i as u32;
            match &func.cfg.provisioned_plan {
                ProvisionedPlan::Constant => {}
                ProvisionedPlan::Schedule(steps) => {
                    for &(at, target) in steps.iter().filter(|(at, _)| *at > SimDuration::ZERO) {
                        let at = SimTime(at.0);
                        if at < self.end {
                            let ev = LambdaEvent::ProvisionedSet { function, target };
                            queue.push(at, Event::Lambda(ev));
                        }
                    }
                }
                ProvisionedPlan::TargetTracking { .. } => {
                    let ev = LambdaEvent::ProvisioningTick { function };
                    queue.push(SimTime(TICK.0).min(self.end), Event::Lambda(ev));
                }
            }
        }
    }

    /// Configures `target` provisioned environments for `function` from `now` on.
    pub(super) fn set_provisioned(
        &mut self,
        function: u32,
        now: SimTime,
        target: u32,
        queue: &mut EventQueue<Event>,
        series: &mut MinuteSeries,
    ) {
        let func = &mut self.functions[function as usize];
        let old = func.pc.target;
        if target == old {
            return;
        }
        func.pc.target = target;
        func.stats.provisioned.set(now, target);
        let delta = target as i64 - old as i64;
        let gb = func.cfg.memory_mb as f64 / 1024.0;
        let price = billing::arch_prices(self.prices, func.cfg.architecture).provisioned_gb_s;
        series.add_fixed_cost_per_second(now, delta as f64 * gb * price);
        // the set-aside moves: the reservation's on-demand share, or the unreserved pool
        match func.cfg.reserved {
            Some(r) => func.od_cap = Some(r.saturating_sub(target)),
            None => {
                self.unreserved_cap = (self.unreserved_cap as i64 - delta).max(0) as u32;
            }
        }
        if delta > 0 {
            let ready = now + func.cfg.provisioned_allocation_delay;
            let ev = LambdaEvent::ProvisionedReady { function, up_to: target };
            queue.push(ready, Event::Lambda(ev));
        } else {
            while func.pc.envs > target {
                let Some(env) = func.pool.take_provisioned() else { break };
                func.pool.destroy(env);
                Self::provisioned_env_gone(func, now, series);
            }
        }
    }

    pub(super) fn provisioned_env_gone(
        func: &mut Function,
        now: SimTime,
        series: &mut MinuteSeries,
    ) {
        func.pc.envs -= 1;
        func.stats.instances.add(now, -1);
        series.environments_add(now, -1);
    }

    /// Environments requested earlier are ready: top up to what is still configured.
    pub(super) fn provisioned_ready(
        &mut self,
        function: u32,
        now: SimTime,
        up_to: u32,
        series: &mut MinuteSeries,
    ) {
        let func = &mut self.functions[function as usize];
        while func.pc.envs < up_to.min(func.pc.target) {
            let env = func.pool.create(true);
            func.pool.release_provisioned(env);
            func.pc.envs += 1;
            func.stats.instances.add(now, 1);
            series.environments_add(now, 1);
        }
    }

    /// One minute of target tracking.
    pub(super) fn provisioning_tick(
        &mut self,
        function: u32,
        now: SimTime,
        queue: &mut EventQueue<Event>,
        series: &mut MinuteSeries,
    ) {
        let func = &mut self.functions[function as usize];
        let ProvisionedPlan::TargetTracking { target, min, max } = func.cfg.provisioned_plan else {
            return;
        };
        let utilisation = func.pc.take_utilisation(now, TICK);
        let mut next = None;
        if let Some(u) = utilisation {
            let pc = &mut func.pc;
            (pc.high, pc.low) = if u > target {
                (pc.high + 1, 0)
            } else if u < 0.9 * target {
                (0, pc.low + 1)
            } else {
                (0, 0)
            };
            if pc.high >= 3 || pc.low >= 15 {
                let wanted = (pc.target as f64 * u / target).ceil() as u32;
                next = Some(wanted.clamp(min, max));
                (pc.high, pc.low) = (0, 0);
            }
        }
        if let Some(n) = next {
            self.set_provisioned(function, now, n, queue, series);
        }
        if now + TICK <= self.end {
            queue.push(now + TICK, Event::Lambda(LambdaEvent::ProvisioningTick { function }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utilisation_is_the_time_average_of_busy_over_configured() {
        let mut p = Provisioned::new(4);
        p.busy_add(SimTime(0), 2); // 2 busy for 30 s
        p.busy_add(SimTime(30_000_000_000), 2); // 4 busy for 30 s
        let u = p.take_utilisation(SimTime(60_000_000_000), TICK).unwrap();
        assert!((u - 0.75).abs() < 1e-12);
        // the next minute starts from zero, still 4 busy
        let u = p.take_utilisation(SimTime(120_000_000_000), TICK).unwrap();
        assert!((u - 1.0).abs() < 1e-12);
    }
}
