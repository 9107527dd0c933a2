//! Keep-alive and pre-warming policies: what happens to an environment when its invocation ends.
//!
//! A policy is a trait returning a [`Decision`]: keep the environment idle for a while, or
//! unload it now and pre-warm a fresh one later. Policies also see the function's idle times
//! (from the moment no invocation runs to the next start), which is what the hybrid-histogram
//! policy learns from.

use rand_pcg::Pcg64Mcg;

pub use crate::config::settings::HybridConfig;
use crate::dist::Dist;
use crate::engine::SimDuration;

/// What to do with an environment whose invocation just ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Keep it idle (warm) for this long, then reclaim it.
    KeepFor(SimDuration),
    /// Unload it now; load a fresh environment `after` from now and keep it idle `keep_for`.
    UnloadThenPrewarm { after: SimDuration, keep_for: SimDuration },
}

pub trait KeepAlivePolicy: Send + std::fmt::Debug {
    /// The function was idle (nothing running) for `idle` before an invocation started.
    fn observe_idle(&mut self, _idle: SimDuration) {}
    /// Decides for an environment whose invocation just ended.
    fn decide(&mut self, rng: &mut Pcg64Mcg) -> Decision;
}

/// Keep every environment for a time drawn from `keep_alive` (AWS's observed behaviour).
#[derive(Debug)]
pub struct Fixed(pub Dist);

impl KeepAlivePolicy for Fixed {
    fn decide(&mut self, rng: &mut Pcg64Mcg) -> Decision {
        Decision::KeepFor(self.0.sample(rng))
    }
}

const BIN: SimDuration = SimDuration::from_secs(60);

/// The hybrid-histogram policy: a per-function histogram of idle times in 1-minute bins sets a
/// pre-warm window (head percentile, minus the margin) and a keep-alive window (tail
/// percentile plus the margin, minus the pre-warm window). While the histogram is not
/// representative (too few samples, too flat, or mostly out of bounds — where the paper
/// switches to ARIMA forecasts, which slsim does not model) the fallback keep-alive applies.
#[derive(Debug)]
pub struct HybridHistogram {
    cfg: HybridConfig,
    bins: Vec<u32>,
    in_bounds: u32,
    out_of_bounds: u32,
    fallback: Dist,
    /// Windows computed from the histogram, refreshed when it changes.
    cached: Option<Option<(SimDuration, SimDuration)>>,
}

impl HybridHistogram {
    pub fn new(cfg: HybridConfig, fallback: Dist) -> Self {
        let bins = (cfg.range.0.div_ceil(BIN.0)).max(1) as usize;
        HybridHistogram {
            cfg,
            bins: vec![0; bins],
            in_bounds: 0,
            out_of_bounds: 0,
            fallback,
            cached: None,
        }
    }

    /// Bin index holding the `q` quantile of in-bounds idle times.
    fn percentile_bin(&self, q: f64) -> usize {
        let rank = ((q * self.in_bounds as f64).ceil() as u32).max(1);
        let mut seen = 0;
        for (i, &c) in self.bins.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return i;
            }
        }
        self.bins.len() - 1
    }

    fn representative(&self) -> bool {
        let total = self.in_bounds + self.out_of_bounds;
        if total < self.cfg.min_samples || self.out_of_bounds * 2 > total {
            return false;
        }
        let n = self.bins.len() as f64;
        let mean = self.in_bounds as f64 / n;
        let var = self.bins.iter().map(|&c| (c as f64 - mean).powi(2)).sum::<f64>() / n;
        mean > 0.0 && var.sqrt() / mean >= self.cfg.cv_threshold
    }

    /// (pre-warm, keep-alive) windows, or `None` to use the fallback.
    pub fn windows(&mut self) -> Option<(SimDuration, SimDuration)> {
        if let Some(w) = self.cached {
            return w;
        }
        let w = self.representative().then(|| {
            // head: the lower edge of its bin; tail: the upper edge of its bin
            let head = self.percentile_bin(self.cfg.head) as f64 * BIN.as_secs_f64();
            let tail = (self.percentile_bin(self.cfg.tail) + 1) as f64 * BIN.as_secs_f64();
            let prewarm = head * (1.0 - self.cfg.margin);
            let end = tail * (1.0 + self.cfg.margin);
            (SimDuration::from_secs_f64(prewarm), SimDuration::from_secs_f64(end - prewarm))
        });
        self.cached = Some(w);
        w
    }
}

impl KeepAlivePolicy for HybridHistogram {
    fn observe_idle(&mut self, idle: SimDuration) {
        if idle >= self.cfg.range {
            self.out_of_bounds += 1;
        } else {
            self.bins[(idle.0 / BIN.0) as usize] += 1;
            self.in_bounds += 1;
        }
        self.cached = None;
    }

    fn decide(&mut self, rng: &mut Pcg64Mcg) -> Decision {
        match self.windows() {
            None => Decision::KeepFor(self.fallback.sample(rng)),
            Some((prewarm, keep)) if prewarm == SimDuration::ZERO => Decision::KeepFor(keep),
            Some((after, keep_for)) => Decision::UnloadThenPrewarm { after, keep_for },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn mins(m: u64) -> SimDuration {
        SimDuration::from_secs(60 * m)
    }

    #[test]
    fn periodic_idle_times_give_a_prewarm_and_a_short_keep_alive() {
        // a function called every 30 minutes: idle times all in bin 30
        let mut p = HybridHistogram::new(HybridConfig::default(), Dist::Constant(mins(10)));
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        assert_eq!(p.decide(&mut rng), Decision::KeepFor(mins(10)), "fallback until learned");
        for _ in 0..20 {
            p.observe_idle(mins(30) + SimDuration::from_secs(5));
        }
        // head = 30 min (bin lower edge) x 0.9 = 27 min; tail = 31 min x 1.1 = 34.1 min
        let (prewarm, keep) = p.windows().unwrap();
        assert_eq!(prewarm, mins(27));
        assert_eq!(prewarm + keep, SimDuration::from_secs_f64(31.0 * 60.0 * 1.1));
        assert!(matches!(p.decide(&mut rng), Decision::UnloadThenPrewarm { .. }));
    }

    #[test]
    fn short_idle_times_keep_warm_without_prewarming() {
        let mut p = HybridHistogram::new(HybridConfig::default(), Dist::Constant(mins(10)));
        for i in 0..50 {
            p.observe_idle(SimDuration::from_secs(i % 50)); // all under a minute: bin 0
        }
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        assert_eq!(p.decide(&mut rng), Decision::KeepFor(SimDuration::from_secs_f64(66.0)));
    }

    #[test]
    fn flat_or_out_of_bounds_histograms_fall_back() {
        let mut flat = HybridHistogram::new(HybridConfig::default(), Dist::Constant(mins(10)));
        for m in 0..240 {
            flat.observe_idle(mins(m)); // one per bin: CV 0
        }
        assert_eq!(flat.windows(), None);
        let mut oob = HybridHistogram::new(HybridConfig::default(), Dist::Constant(mins(10)));
        for _ in 0..20 {
            oob.observe_idle(mins(300));
        }
        assert_eq!(oob.windows(), None);
    }
}
