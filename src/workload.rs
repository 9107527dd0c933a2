//! Workloads: streams of requests (arrival time, work) generated one at a time.
//!
//! A stream holds only its next arrival, so memory does not grow with the number of requests.
//! Each workload draws from its own random stream, so the requests it generates do not depend
//! on what the platforms do with them: two configurations run with the same seed see the same
//! requests (common random numbers), which makes their comparison sharper.

use rand::SeedableRng;
use rand_distr::{Distribution, Exp};
use rand_pcg::Pcg64Mcg;

use crate::config::{Arrivals, WorkloadConfig};
use crate::dist::Dist;
use crate::engine::{NANOS_PER_SEC, SimDuration, SimTime};

/// The arrival process of one workload.
#[derive(Clone, Debug)]
enum Process {
    Poisson(Exp<f64>),
    /// Arrival k at round(k / rate): no drift however long the run.
    Constant {
        ns_per_arrival: f64,
        k: u64,
    },
    /// Non-homogeneous Poisson by thinning (Lewis and Shedler): candidates at the maximum rate,
    /// each kept with probability rate(t) / max. Exact, not a step approximation.
    Thinned {
        arrivals: Arrivals,
        candidates: Exp<f64>,
        max_rate: f64,
        t: f64,
    },
    /// Markov-modulated Poisson: arrivals at the current state's rate until the state ends.
    Mmpp {
        states: Vec<(f64, f64)>,
        state: usize,
        until: f64,
        t: f64,
    },
}

/// The request stream of one workload.
#[derive(Clone, Debug)]
pub struct Stream {
    process: Process,
    work: Dist,
    rng: Pcg64Mcg,
    next: SimTime,
    end: SimTime,
}

impl Stream {
    /// A stream generating arrivals in `[0, end)`.
    pub fn new(cfg: &WorkloadConfig, seed: u64, end: SimTime) -> Stream {
        let mut rng = Pcg64Mcg::seed_from_u64(seed);
        let (process, first) = match &cfg.arrivals {
            &Arrivals::Poisson { rate } => {
                // rate is validated positive and finite
                let exp =
                    Exp::new(rate).unwrap_or_else(|_| Exp::new(1.0).expect("1.0 is a valid rate"));
                let first = SimTime::ZERO + SimDuration::from_secs_f64(exp.sample(&mut rng));
                (Process::Poisson(exp), first)
            }
            &Arrivals::Constant { rate } => (
                Process::Constant { ns_per_arrival: NANOS_PER_SEC as f64 / rate, k: 0 },
                SimTime::ZERO,
            ),
            Arrivals::Profile { .. } | Arrivals::Diurnal { .. } => {
                let max_rate = cfg.arrivals.max_rate();
                let candidates = Exp::new(max_rate.max(f64::MIN_POSITIVE))
                    .unwrap_or_else(|_| Exp::new(1.0).expect("1.0 is a valid rate"));
                let process = Process::Thinned {
                    arrivals: cfg.arrivals.clone(),
                    candidates,
                    max_rate,
                    t: 0.0,
                };
                (process, SimTime::ZERO)
            }
            Arrivals::Mmpp { states } => {
                let until =
                    Exp::new(1.0 / states[0].1).map_or(f64::INFINITY, |e| e.sample(&mut rng));
                (Process::Mmpp { states: states.clone(), state: 0, until, t: 0.0 }, SimTime::ZERO)
            }
        };
        let mut stream = Stream { process, work: cfg.work.clone(), rng, next: first, end };
        if matches!(stream.process, Process::Thinned { .. } | Process::Mmpp { .. }) {
            stream.next = stream.advance();
        }
        stream
    }

    /// The next arrival of the non-homogeneous processes after the current one.
    fn advance(&mut self) -> SimTime {
        let end = self.end.as_secs_f64();
        match &mut self.process {
            Process::Thinned { arrivals, candidates, max_rate, t } => {
                if *max_rate <= 0.0 {
                    return self.end;
                }
                while *t < end {
                    *t += candidates.sample(&mut self.rng);
                    let u: f64 = rand::RngExt::random(&mut self.rng);
                    if u * *max_rate < arrivals.rate_at(*t) {
                        return SimTime::from_secs_f64(*t);
                    }
                }
                self.end
            }
            Process::Mmpp { states, state, until, t } => {
                while *t < end {
                    let (rate, _) = states[*state];
                    let next = if rate > 0.0 {
                        *t + Exp::new(rate).map_or(f64::INFINITY, |e| e.sample(&mut self.rng))
                    } else {
                        f64::INFINITY
                    };
                    if next <= *until {
                        *t = next;
                        return SimTime::from_secs_f64(*t);
                    }
                    // the state ends first: memorylessness lets the next one start afresh
                    *t = *until;
                    let others = states.len() - 1;
                    let pick = rand::RngExt::random_range(&mut self.rng, 0..others);
                    *state = if pick >= *state { pick + 1 } else { pick };
                    let mean = states[*state].1;
                    *until = *t
                        + Exp::new(1.0 / mean).map_or(f64::INFINITY, |e| e.sample(&mut self.rng));
                }
                self.end
            }
            _ => self.end,
        }
    }

    /// The next arrival time, or `None` once the stream has ended.
    #[inline]
    pub fn peek(&self) -> Option<SimTime> {
        (self.next < self.end).then_some(self.next)
    }

    /// Draws the work of the request arriving at [`peek`](Self::peek) and advances the stream.
    #[inline]
    pub fn take(&mut self) -> SimDuration {
        let work = self.work.sample(&mut self.rng);
        self.next = match &mut self.process {
            Process::Poisson(exp) => {
                self.next + SimDuration::from_secs_f64(exp.sample(&mut self.rng))
            }
            Process::Constant { ns_per_arrival, k } => {
                *k += 1;
                SimTime((*k as f64 * *ns_per_arrival).round() as u64)
            }
            Process::Thinned { .. } | Process::Mmpp { .. } => self.advance(),
        };
        work
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A workload of 1 ms requests to function 0 with these arrivals.
    pub(super) fn cfg(arrivals: Arrivals) -> WorkloadConfig {
        WorkloadConfig {
            name: "w".into(),
            functions: vec![0],
            aliases: vec![],
            queues: Vec::new(),
            services: Vec::new(),
            apis: Vec::new(),
            request_size_kb: 1.0,
            api_keys: Vec::new(),
            clients: 1,
            connection: None,
            arrivals,
            work: Dist::Constant(SimDuration::from_millis(1)),
            cpu_bound: 0.0,
            threads: 1,
            invocation: crate::config::Invocation::Sync,
            source: None,
        }
    }

    fn count(mut s: Stream) -> (u64, Vec<SimTime>) {
        let mut n = 0;
        let mut first = Vec::new();
        while let Some(t) = s.peek() {
            if first.len() < 3 {
                first.push(t);
            }
            s.take();
            n += 1;
        }
        (n, first)
    }

    #[test]
    fn constant_arrivals_are_evenly_spaced_from_zero() {
        let end = SimTime::from_secs_f64(10.0);
        let (n, first) = count(Stream::new(&cfg(Arrivals::Constant { rate: 3.0 }), 1, end));
        assert_eq!(n, 30);
        assert_eq!(first, vec![SimTime(0), SimTime(333_333_333), SimTime(666_666_667)]);
    }

    #[test]
    fn poisson_count_is_near_rate_times_duration() {
        let end = SimTime::from_secs_f64(10_000.0);
        let (n, _) = count(Stream::new(&cfg(Arrivals::Poisson { rate: 10.0 }), 3, end));
        // mean 100,000, sd ~316: 5 sd
        assert!((n as f64 - 100_000.0).abs() < 1_600.0, "{n}");
    }
}

#[cfg(test)]
mod process_tests {
    use super::*;

    fn arrivals_of(arrivals: Arrivals, secs: f64, seed: u64) -> Vec<f64> {
        let cfg = super::tests::cfg(arrivals);
        let mut s = Stream::new(&cfg, seed, SimTime::from_secs_f64(secs));
        let mut out = Vec::new();
        while let Some(t) = s.peek() {
            out.push(t.as_secs_f64());
            s.take();
        }
        out
    }

    fn count_in(ts: &[f64], lo: f64, hi: f64) -> f64 {
        ts.iter().filter(|&&t| t >= lo && t < hi).count() as f64
    }

    #[test]
    fn a_linear_ramp_gives_the_integral_of_its_rate() {
        // 0 to 100/s over 1,000 s: 12,500 in the first half, 37,500 in the second
        let ts = arrivals_of(
            Arrivals::Profile { points: vec![(0.0, 0.0), (1000.0, 100.0)], step: false },
            1000.0,
            1,
        );
        assert!(ts.windows(2).all(|w| w[0] <= w[1]), "in time order");
        let (a, b) = (count_in(&ts, 0.0, 500.0), count_in(&ts, 500.0, 1000.0));
        // Poisson: sd 112 and 194
        assert!((a - 12_500.0).abs() < 560.0, "{a}");
        assert!((b - 37_500.0).abs() < 970.0, "{b}");
    }

    #[test]
    fn a_step_profile_holds_each_rate_until_the_next_point() {
        // 50/s, 5/s, 0/s, 120/s for 100 s each (the last held to the end): each step's count
        // is Poisson with mean rate x 100 s; 4 sd plus one for the boundary
        let rates = [50.0, 5.0, 0.0, 120.0];
        let points = rates.iter().enumerate().map(|(i, &r)| (i as f64 * 100.0, r)).collect();
        let ts = arrivals_of(Arrivals::Profile { points, step: true }, 400.0, 4);
        for (i, r) in rates.iter().enumerate() {
            let lo = i as f64 * 100.0;
            let n = count_in(&ts, lo, lo + 100.0);
            let mean = r * 100.0;
            assert!((n - mean).abs() <= 4.0 * mean.sqrt() + 1.0, "step {i}: {n} vs {mean}");
        }
        // a linear profile through the same points ramps instead: 50 -> 5 averages 27.5/s
        let points = rates.iter().enumerate().map(|(i, &r)| (i as f64 * 100.0, r)).collect();
        let ts = arrivals_of(Arrivals::Profile { points, step: false }, 400.0, 4);
        let n = count_in(&ts, 0.0, 100.0);
        assert!((n - 2_750.0).abs() <= 4.0 * 2_750f64.sqrt(), "{n}");
    }

    #[test]
    fn diurnal_counts_follow_the_cosine() {
        // mean 10/s, peak-to-trough 3 (a = 0.5), period 1 h, peak at 0: over 10 periods the
        // 10 minutes around the peaks hold 10 x 10 (600 + 0.5 x 3600 / pi x sin(pi / 6))
        let d = Arrivals::Diurnal { mean: 10.0, amplitude: 0.5, period_s: 3600.0, peak_s: 0.0 };
        let ts = arrivals_of(d, 36_000.0, 2);
        let bump = 0.5 * 3600.0 / std::f64::consts::PI * 0.5;
        let (mut peak, mut trough) = (0.0, 0.0);
        for p in 0..10 {
            let c = p as f64 * 3600.0;
            peak += count_in(&ts, c - 300.0, c + 300.0)
                + if p == 0 { count_in(&ts, 35_700.0, 36_000.0) } else { 0.0 };
            trough += count_in(&ts, c + 1500.0, c + 2100.0);
        }
        let (want_peak, want_trough) = (100.0 * (600.0 + bump), 100.0 * (600.0 - bump));
        assert!((peak / want_peak - 1.0).abs() < 0.03, "{peak} vs {want_peak}");
        assert!((trough / want_trough - 1.0).abs() < 0.04, "{trough} vs {want_trough}");
        assert!((ts.len() as f64 / 360_000.0 - 1.0).abs() < 0.01);
    }

    #[test]
    fn mmpp_is_bursty_around_its_stationary_mean() {
        // 1/s for 10 minutes, 20/s for 1 minute: mean (600 + 1200) / 660 = 2.73/s
        let m = Arrivals::Mmpp { states: vec![(1.0, 600.0), (20.0, 60.0)] };
        let secs = 50.0 * 3600.0;
        let ts = arrivals_of(m, secs, 3);
        let rate = ts.len() as f64 / secs;
        assert!((rate / (1800.0 / 660.0) - 1.0).abs() < 0.15, "{rate}");
        // counts per minute are over-dispersed (variance far above the mean), unlike Poisson
        let per_minute: Vec<f64> =
            (0..3000).map(|i| count_in(&ts, i as f64 * 60.0, (i + 1) as f64 * 60.0)).collect();
        let mean = per_minute.iter().sum::<f64>() / 3000.0;
        let var = per_minute.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / 2999.0;
        assert!(var / mean > 10.0, "index of dispersion {}", var / mean);
    }
}
