//! One simulation run: workloads feeding platform models through the event queue.
//!
//! Data flows one way: scenario -> workload streams -> Lambda model -> metrics. Each run owns
//! its random streams, derived from the run's seed, so a run is `Send` and independent of
//! whatever else runs in parallel: the same seed gives the same bytes on any thread count.

use std::path::PathBuf;

use crate::config::{FunctionConfig, Scenario};
use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::lambda::logs::{LogError, LogSink};
use crate::lambda::{FunctionStats, LambdaEvent, LambdaModel};
use crate::metrics::{MinuteRow, MinuteSeries};
use crate::workload::Stream;

/// Every event of a run: a closed set, matched exhaustively.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The next request of a workload arrives.
    RequestArrived {
        workload: u32,
    },
    Lambda(LambdaEvent),
}

/// SplitMix64's finaliser over (seed, stream): independent-looking seeds for each run,
/// replication, workload and function from one master seed.
pub fn derive_seed(seed: u64, stream: u64) -> u64 {
    let mut z = seed
        .wrapping_add(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Random stream families within a run.
const STREAM_WORKLOADS: u64 = 1;
const STREAM_FUNCTIONS: u64 = 2;
/// Log sampling and request ids: a stream of their own, so logging leaves the run unchanged.
const STREAM_LOGS: u64 = 3;

/// What one run produced.
#[derive(Debug)]
pub struct RunOutput {
    pub seed: u64,
    pub functions: Vec<(FunctionConfig, FunctionStats)>,
    pub minutes: Vec<MinuteRow>,
    /// Events processed (a measure of work done, for throughput figures).
    pub events: u64,
    /// With logs attached: the log files written, or the first error writing them.
    pub logs: Option<Result<Vec<PathBuf>, LogError>>,
}

/// One run in progress: build it, [`step`](Simulation::step) it (tests assert between
/// steps), or [`run`](Simulation::run) it to the end.
pub struct Simulation {
    seed: u64,
    queue: EventQueue<Event>,
    series: MinuteSeries,
    lambda: LambdaModel,
    streams: Vec<Stream>,
    /// (function, run-time multiplier) for each target of each workload.
    targets: Vec<Vec<(u32, f64)>>,
    events: u64,
}

impl Simulation {
    pub fn new(scenario: &Scenario, seed: u64) -> Simulation {
        let end = SimTime(scenario.duration.0);
        let warmup = SimTime(scenario.warmup.0);
        let mut queue: EventQueue<Event> = EventQueue::new();
        let mut series = MinuteSeries::new(warmup, end);
        let lambda = LambdaModel::new(scenario, derive_seed(seed, STREAM_FUNCTIONS), &mut series);
        let workload_seed = derive_seed(seed, STREAM_WORKLOADS);
        let streams: Vec<Stream> = scenario
            .workloads
            .iter()
            .enumerate()
            .map(|(i, w)| Stream::new(w, derive_seed(workload_seed, i as u64), end))
            .collect();
        let targets = scenario
            .workloads
            .iter()
            .map(|w| {
                w.functions
                    .iter()
                    .map(|&f| (f as u32, lambda.cpu_factor(f as u32, w.cpu_bound, w.threads)))
                    .collect()
            })
            .collect();
        for (i, s) in streams.iter().enumerate() {
            if let Some(t) = s.peek() {
                queue.push(t, Event::RequestArrived { workload: i as u32 });
            }
        }
        Simulation { seed, queue, series, lambda, streams, targets, events: 0 }
    }

    /// Processes the next event; `None` once nothing is left (arrivals over, work drained).
    #[inline]
    pub fn step(&mut self) -> Option<(SimTime, Event)> {
        let (now, event) = self.queue.pop()?;
        self.events += 1;
        self.series.advance(now);
        match event {
            Event::RequestArrived { workload } => {
                let stream = &mut self.streams[workload as usize];
                let work = stream.take();
                if let Some(next) = stream.peek() {
                    self.queue.push(next, event);
                }
                for &(function, factor) in &self.targets[workload as usize] {
                    let run = if factor == 1.0 {
                        work
                    } else {
                        SimDuration((work.0 as f64 * factor).round() as u64)
                    };
                    self.lambda.invoke(function, now, run, &mut self.queue, &mut self.series);
                }
            }
            Event::Lambda(e) => self.lambda.handle(now, e, &mut self.queue, &mut self.series),
        }
        Some((now, event))
    }

    /// Streams CloudWatch-style invocation logs to `sink` (before the first step).
    pub fn attach_logs(&mut self, sink: LogSink) {
        debug_assert_eq!(self.events, 0, "logs are attached before the run");
        self.lambda.attach_logs(sink, derive_seed(self.seed, STREAM_LOGS));
    }

    /// The time of the next event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.queue.peek_time()
    }

    /// The simulated clock: the time of the last event processed.
    pub fn now(&self) -> SimTime {
        self.queue.now()
    }

    pub fn lambda(&self) -> &LambdaModel {
        &self.lambda
    }

    /// Runs to the end and returns the results.
    pub fn run(mut self) -> RunOutput {
        while self.step().is_some() {}
        self.finish()
    }

    /// Closes the metrics (whatever is still in flight stays counted as in flight) and the
    /// log files.
    pub fn finish(mut self) -> RunOutput {
        let logs = self.lambda.take_logs().map(LogSink::finish);
        RunOutput {
            seed: self.seed,
            functions: self.lambda.finish(),
            minutes: self.series.finish(),
            events: self.events,
            logs,
        }
    }
}

/// Runs the scenario once with `seed`.
pub fn run(scenario: &Scenario, seed: u64) -> RunOutput {
    Simulation::new(scenario, seed).run()
}

/// The seed of replication `r`: replication 0 runs with the scenario's seed itself, so a
/// single-replication run is reproducible from the seed printed in its summary.
pub fn replication_seed(seed: u64, r: u32) -> u64 {
    if r == 0 { seed } else { derive_seed(seed, 0x5EED_0000 + r as u64) }
}
