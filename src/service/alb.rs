//! The Application Load Balancer in front of a service: its capacity units (LCUs), metered per
//! hour as AWS does.
//!
//! An LCU is the largest of four dimensions (docs/src/facts.md §4.5): 25 new connections a
//! second; 3,000 active connections (a minute's average); 1 GB processed an hour (EC2, IP and
//! container targets); 1,000 rule evaluations a second, the first 10 rules of each request
//! free. Each hour is billed for its own largest dimension, so the bill is
//! `sum over hours of max(dimensions) x $0.008`, plus $0.0225 per load-balancer hour.
//!
//! What the model meters, per hour of arrival: requests (every one that reached the service,
//! 503s included), and the time each was open (arrival to response). From those and the keys:
//! new connections are requests / `requests_per_connection`; active connections are new
//! connections a second x `connection_duration` (Little's law) or, without it, the requests in
//! flight (a connection open while its requests run, back to back); processed bytes are
//! requests x (`request_kb` + `response_kb`), with KB = 1,000 bytes and GB = 10^9 bytes as on
//! the pricing page; rule evaluations are requests a second x (`rules` - 10, at least 0).
//! A partial hour at the end of the window is billed pro rata (the window is a slice of a
//! load balancer that keeps running), from its own rates.

pub use crate::config::settings::AlbConfig;
use crate::engine::{SimDuration, SimTime};
use crate::pricing::{ALB_US_EAST_1, AlbPrices};

const HOUR: u64 = 3600 * 1_000_000_000;

#[derive(Debug, Clone, Copy, Default)]
struct Hour {
    requests: u64,
    /// Sum of the time requests were open, in nanoseconds.
    open_ns: u128,
}

/// Per-hour usage from the start of the measured window: one entry per hour, not per request.
#[derive(Debug, Clone)]
pub struct AlbMeter {
    start: SimTime,
    hours: Vec<Hour>,
}

impl AlbMeter {
    pub fn new(start: SimTime) -> Self {
        AlbMeter { start, hours: Vec::new() }
    }

    fn hour(&mut self, t: SimTime) -> &mut Hour {
        let i = (t.0.saturating_sub(self.start.0) / HOUR) as usize;
        if i >= self.hours.len() {
            self.hours.resize(i + 1, Hour::default());
        }
        &mut self.hours[i]
    }

    /// A (measured) request reached the load balancer at `arrived`.
    pub fn request(&mut self, arrived: SimTime) {
        self.hour(arrived).requests += 1;
    }

    /// A (measured) request that arrived at `arrived` was answered after `open`.
    pub fn served(&mut self, arrived: SimTime, open: SimDuration) {
        self.hour(arrived).open_ns += open.0 as u128;
    }

    /// The bill over a window of `window` from the meter's start.
    pub fn bill(&self, cfg: &AlbConfig, window: SimDuration) -> AlbBill {
        bill(cfg, &ALB_US_EAST_1, window, |i| {
            let h = self.hours.get(i).copied().unwrap_or_default();
            (h.requests as f64, h.open_ns as f64 / 1e9)
        })
    }
}

/// The LCUs of one dimension, summed over the hours (each hour's LCUs x its length).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct AlbBill {
    /// Load-balancer hours (the window, pro rata).
    pub hours: f64,
    /// Billed LCU-hours: each hour's largest dimension.
    pub lcu_hours: f64,
    /// What each dimension alone would have billed: new connections, active connections,
    /// processed bytes, rule evaluations.
    pub by_dimension: [f64; 4],
    pub usd: f64,
}

/// The bill of `window`, hour by hour; `usage(i)` is hour `i`'s (requests, seconds open).
fn bill(
    cfg: &AlbConfig,
    p: &AlbPrices,
    window: SimDuration,
    usage: impl Fn(usize) -> (f64, f64),
) -> AlbBill {
    let mut b = AlbBill::default();
    let n = window.0.div_ceil(HOUR) as usize;
    for i in 0..n {
        let len_h = ((window.0 - i as u64 * HOUR).min(HOUR)) as f64 / HOUR as f64;
        let secs = len_h * 3600.0;
        let (requests, open_s) = usage(i);
        let new_per_s = requests / cfg.requests_per_connection / secs;
        let active = match cfg.connection_duration {
            Some(d) => new_per_s * d.as_secs_f64(),
            None => open_s / secs,
        };
        let gb_per_h = requests * (cfg.request_kb + cfg.response_kb) / 1e6 / len_h;
        let rules = cfg.rules.saturating_sub(p.free_rules) as f64;
        let evaluations_per_s = requests / secs * rules;
        let lcu = [
            new_per_s / p.new_connections_per_s,
            active / p.active_connections,
            gb_per_h / p.gb_per_hour,
            evaluations_per_s / p.rule_evaluations_per_s,
        ];
        for (sum, l) in b.by_dimension.iter_mut().zip(lcu) {
            *sum += l * len_h;
        }
        b.lcu_hours += lcu.into_iter().fold(0.0, f64::max) * len_h;
        b.hours += len_h;
    }
    b.usd = b.hours * p.usd_per_hour + b.lcu_hours * p.usd_per_lcu_hour;
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of the ELB pricing page's ALB example: 1 new connection a second, each
    /// lasting 2 minutes; 5 requests a second; 300 KB processed a second; 60 rules.
    /// New connections 1/25 = 0.04 LCU; active 1 x 120 = 120 -> 0.04 LCU; bytes
    /// 300 KB x 3,600 = 1.08 GB/h -> 1.08 LCU; rules 5 x (60 - 10) = 250/s -> 0.25 LCU.
    /// The hour bills 1.08 LCU: $0.0225 + 1.08 x $0.008 = $0.03114.
    #[test]
    fn worked_example_bills_the_largest_dimension() {
        let cfg = AlbConfig {
            requests_per_connection: 5.0,
            connection_duration: Some(SimDuration::from_secs(120)),
            request_kb: 10.0,
            response_kb: 50.0,
            rules: 60,
        };
        let b = bill(&cfg, &ALB_US_EAST_1, SimDuration::from_secs(3600), |_| (5.0 * 3600.0, 0.0));
        let close = |a: f64, x: f64| (a - x).abs() < 1e-9;
        assert!(close(b.by_dimension[0], 0.04), "{b:?}");
        assert!(close(b.by_dimension[1], 0.04), "{b:?}");
        assert!(close(b.by_dimension[2], 1.08), "{b:?}");
        assert!(close(b.by_dimension[3], 0.25), "{b:?}");
        assert!(close(b.lcu_hours, 1.08));
        assert!(close(b.usd, 0.0225 + 1.08 * 0.008));
        // a 730-hour month of it, hand-computed: $16.43 + $6.31
        let month = 730.0 * b.usd;
        assert!(((month * 100.0).round() / 100.0 - 22.73).abs() < 1e-9, "{month}");
    }

    #[test]
    fn each_hour_bills_its_own_largest_dimension() {
        // hour 0: 90,000 requests, each a new connection (25/s = 1 LCU) of 1 KB (0.09 LCU);
        // hour 1: idle. One LCU-hour.
        let cfg = AlbConfig { request_kb: 0.0, response_kb: 1.0, ..AlbConfig::default() };
        let b = bill(&cfg, &ALB_US_EAST_1, SimDuration::from_secs(7200), |i| match i {
            0 => (90_000.0, 0.0),
            _ => (0.0, 0.0),
        });
        assert!((b.lcu_hours - 1.0).abs() < 1e-9, "{b:?}");
        let big = AlbConfig { request_kb: 0.0, response_kb: 1000.0, ..AlbConfig::default() };
        let b = bill(&big, &ALB_US_EAST_1, SimDuration::from_secs(7200), |i| match i {
            0 => (90_000.0, 0.0),
            _ => (1000.0, 0.0),
        });
        // with 1 MB responses, hour 0: max(1, 90 GB) = 90; hour 1 (1,000 requests):
        // max(0.011, 1 GB) = 1. Each hour bills its own largest dimension: 91 LCU-hours
        assert!((b.lcu_hours - 91.0).abs() < 1e-9, "{b:?}");
        assert!((b.hours - 2.0).abs() < 1e-12);
    }

    #[test]
    fn requests_in_flight_are_the_active_connections_by_default() {
        // 10 requests in flight on average over a half hour: 10 / 3,000 LCU for 0.5 h
        let b = bill(&AlbConfig::default(), &ALB_US_EAST_1, SimDuration::from_secs(1800), |_| {
            (0.0, 10.0 * 1800.0)
        });
        assert!((b.by_dimension[1] - 10.0 / 3000.0 * 0.5).abs() < 1e-12, "{b:?}");
        assert!((b.hours - 0.5).abs() < 1e-12);
    }
}
