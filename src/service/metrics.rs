//! Per-row metrics of each service (a row per minute, or per `timeseries_step`: the rows of
//! the run's time series), as CloudWatch reports them, and the billing integral.
//!
//! Each task keeps running integrals (CPU time, requests held) that the events already update;
//! a row is closed lazily, when the first service event past its end arrives (or at the end),
//! by one pass over the tasks. No timer events, nothing per request. Below, "the minute" is
//! the row: every figure is computed over the row's whole width.
//!
//! - `cpu_pct`: CPU time used over the vCPUs of the tasks running (serving or draining) in the
//!   minute, time-weighted: ECS's CPUUtilization for the service.
//! - `memory_pct`: memory in use (`memory_base` + `memory_per_request` for each request held,
//!   in service or queued) over the memory of the running tasks: MemoryUtilization.
//! - `requests_per_target`: requests received by tasks in the minute over the mean number of
//!   targets in service (ready and not draining): ALB's RequestCountPerTarget.
//! - `tasks_running`, `tasks_pending`, `tasks_desired`: time-weighted means over the minute
//!   (CloudWatch's Average) of the tasks serving (ready, not draining), starting (launched, not
//!   yet ready) and the desired count (alive and not draining: what the autoscaler and the
//!   schedule set; an instance draining for a resize still counts, it comes back).
//! - `tasks_max`: the most tasks alive at once (starting, serving or draining) in the minute;
//!   over the measured minutes its maximum is `summary.json`'s `tasks.max`.

use super::{Service, Task};
use crate::engine::{SimDuration, SimTime};

/// One service's figures for one row of the time series (a simulated minute by default).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ServiceMinute {
    pub cpu_pct: f64,
    pub memory_pct: f64,
    pub requests_per_target: f64,
    pub tasks_running: f64,
    pub tasks_pending: f64,
    pub tasks_desired: f64,
    pub tasks_max: u32,
}

/// Columns per service in `timeseries.csv`.
pub const COLUMNS: usize = 7;

/// The `timeseries.csv` columns of one service, in order: `service_cpu_pct:NAME`, ... (the
/// task columns come after the first three, so those keep their places).
pub fn column_names(service: &str) -> [String; COLUMNS] {
    [
        format!("service_cpu_pct:{service}"),
        format!("service_memory_pct:{service}"),
        format!("service_requests_per_target:{service}"),
        format!("service_tasks_running:{service}"),
        format!("service_tasks_pending:{service}"),
        format!("service_tasks_desired:{service}"),
        format!("service_tasks_max:{service}"),
    ]
}

impl ServiceMinute {
    pub fn values(&self) -> [f64; COLUMNS] {
        [
            self.cpu_pct,
            self.memory_pct,
            self.requests_per_target,
            self.tasks_running,
            self.tasks_pending,
            self.tasks_desired,
            f64::from(self.tasks_max),
        ]
    }
}

/// The per-service columns of `timeseries.csv`: [`COLUMNS`] per service, one value per row.
pub fn timeseries_columns(
    services: &[(crate::config::ServiceConfig, super::ServiceStats)],
) -> Vec<(String, Vec<f64>)> {
    let mut out = Vec::new();
    for (cfg, stats) in services {
        for (k, name) in column_names(&cfg.name).into_iter().enumerate() {
            out.push((name, stats.minutes.iter().map(|m| m.values()[k]).collect()));
        }
    }
    out
}

/// The length of `[from, to)` within `[a, b)`, in nanoseconds.
fn overlap(from: SimTime, to: SimTime, a: SimTime, b: SimTime) -> f64 {
    let (lo, hi) = (from.max(a), to.min(b));
    if hi > lo { (hi.0 - lo.0) as f64 } else { 0.0 }
}

impl Task {
    /// Brings the running integrals up to `now` (CPU time and requests held, for both the
    /// scaling period and the open minute).
    pub(super) fn integrate(&mut self, now: SimTime) {
        let dt = now.saturating_since(self.cpu_since).0 as f64;
        let cpu = self.cpu_load.min(self.vcpu) * dt;
        let held = (self.in_service as usize + self.queue.len()) as f64 * dt;
        self.cpu_used += cpu;
        self.cpu_minute += cpu;
        self.held_used += held;
        self.held_minute += held;
        self.cpu_since = self.cpu_since.max(now);
    }
}

impl Service {
    /// Closes the row `[a, b)` (a minute or wider): one row from the tasks' integrals, which
    /// start again.
    pub(super) fn close_minute(&mut self, a: SimTime, b: SimTime) {
        let (base, per_request) = (self.cfg.memory_base_mb as f64, self.cfg.memory_per_request_mb);
        let (mut cpu, mut cpu_cap, mut mem, mut mem_cap) = (0.0, 0.0, 0.0, 0.0);
        let (mut target_ns, mut requests) = (0.0, 0u64);
        let (mut pending_ns, mut desired_ns) = (0.0, 0.0);
        for t in self.tasks.iter_mut().filter(|t| t.stopped > a && t.launched < b) {
            if !t.gone {
                t.integrate(b);
            }
            let running = overlap(t.ready_at, t.stopped, a, b);
            cpu += t.cpu_minute;
            cpu_cap += t.vcpu * running;
            mem += base * running + per_request * t.held_minute;
            mem_cap += t.memory_mb as f64 * running;
            target_ns += overlap(t.ready_at, t.drain_at.min(t.stopped), a, b);
            pending_ns += overlap(t.launched, t.ready_at.min(t.stopped), a, b);
            let active_until = if t.resizing { t.stopped } else { t.drain_at.min(t.stopped) };
            desired_ns += overlap(t.launched, active_until, a, b);
            requests += t.requests_minute;
            (t.cpu_minute, t.held_minute, t.requests_minute) = (0.0, 0.0, 0);
        }
        if a >= self.window.0 {
            self.cpu_used_window += cpu;
            self.cpu_cap_window += cpu_cap;
        }
        let pct = |used: f64, cap: f64| if cap > 0.0 { 100.0 * used / cap } else { 0.0 };
        let len = (b - a).0 as f64;
        let mean = |ns: f64| if len > 0.0 { ns / len } else { 0.0 };
        let tasks_max = std::mem::replace(&mut self.alive_peak, self.alive.value());
        self.stats.minutes.push(ServiceMinute {
            cpu_pct: pct(cpu, cpu_cap),
            memory_pct: pct(mem, mem_cap),
            requests_per_target: if target_ns > 0.0 {
                requests as f64 / (target_ns / len)
            } else {
                0.0
            },
            tasks_running: mean(target_ns),
            tasks_pending: mean(pending_ns),
            tasks_desired: mean(desired_ns),
            tasks_max,
        });
    }
}

/// What the tasks cost: the integral of the hourly prices of the tasks alive over the
/// measured window, plus the 1-minute minimum of tasks that stopped early.
#[derive(Debug, Clone, Copy)]
pub(super) struct Billing {
    /// Sum of the hourly prices of the tasks alive now.
    usd_per_hour: f64,
    since: SimTime,
    pub usd: f64,
}

impl Billing {
    pub fn new() -> Self {
        Billing { usd_per_hour: 0.0, since: SimTime::ZERO, usd: 0.0 }
    }

    /// A task of `usd_per_hour` starts (positive) or stops (negative) at `t`.
    pub fn change(&mut self, t: SimTime, usd_per_hour: f64, (warmup, end): (SimTime, SimTime)) {
        self.accrue(t, (warmup, end));
        self.usd_per_hour += usd_per_hour;
    }

    pub fn accrue(&mut self, t: SimTime, (warmup, end): (SimTime, SimTime)) {
        let span = overlap(self.since, t, warmup, end);
        self.usd += self.usd_per_hour * span / 3.6e12;
        self.since = self.since.max(t);
    }

    /// A task that lived `lived` at `usd_per_hour` is billed up to the minimum.
    pub fn minimum(&mut self, lived: SimDuration, minimum: SimDuration, usd_per_hour: f64) {
        if lived < minimum {
            self.usd += (minimum.0 - lived.0) as f64 / 3.6e12 * usd_per_hour;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_clips_to_the_minute() {
        let s = |x: u64| SimTime(x);
        assert_eq!(overlap(s(10), s(50), s(0), s(60)), 40.0);
        assert_eq!(overlap(s(10), SimTime::MAX, s(0), s(60)), 50.0);
        assert_eq!(overlap(s(70), SimTime::MAX, s(0), s(60)), 0.0);
    }

    #[test]
    fn billing_integrates_prices_over_the_window_with_the_minimum() {
        let h = 3_600_000_000_000u64;
        let window = (SimTime(h), SimTime(3 * h));
        let mut b = Billing::new();
        b.change(SimTime(0), 1.0, window); // $1/h from 0: billed from 1 h
        b.change(SimTime(2 * h), 2.0, window); // $3/h from 2 h
        b.accrue(SimTime(4 * h), window);
        assert!((b.usd - (1.0 + 3.0)).abs() < 1e-12, "{}", b.usd);
        b.minimum(SimDuration::from_secs(30), SimDuration::from_secs(60), 3.6);
        assert!((b.usd - 4.03).abs() < 1e-12);
    }
}
