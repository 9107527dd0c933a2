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
        let (process, first) = match cfg.arrivals {
            Arrivals::Poisson { rate } => {
                // rate is validated positive and finite
                let exp =
                    Exp::new(rate).unwrap_or_else(|_| Exp::new(1.0).expect("1.0 is a valid rate"));
                let first = SimTime::ZERO + SimDuration::from_secs_f64(exp.sample(&mut rng));
                (Process::Poisson(exp), first)
            }
            Arrivals::Constant { rate } => (
                Process::Constant { ns_per_arrival: NANOS_PER_SEC as f64 / rate, k: 0 },
                SimTime::ZERO,
            ),
        };
        Stream { process, work: cfg.work.clone(), rng, next: first, end }
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
        };
        work
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(arrivals: Arrivals) -> WorkloadConfig {
        WorkloadConfig {
            name: "w".into(),
            functions: vec![0],
            aliases: vec![],
            queues: Vec::new(),
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
