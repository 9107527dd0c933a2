//! One scenario run: every replication simulated in parallel and summarised, the first kept
//! whole for the time series and charts. What `slsim run` and each sweep point execute.

use std::sync::{Mutex, PoisonError};

use crate::config::Scenario;
use crate::engine::SimTime;
use crate::lambda::logs::LogSink;
use crate::sim::{self, RunOutput, Simulation};
use crate::summary;

/// The replications of a scenario, summarised.
#[derive(Debug)]
pub struct Simulated {
    /// `summary.json`: means over replications, with `ci95` when there are several.
    pub summary: summary::Summary,
    /// The first replication in full (time series, histograms), for the CSV and charts.
    pub first: RunOutput,
    /// Requests simulated (arrivals at functions and records put on queues), over all
    /// replications and the warm-up.
    pub requests: u64,
    pub events: u64,
}

/// Runs every replication in parallel on the current rayon pool. Each replication is
/// summarised as soon as it ends and only the first is kept whole, so memory does not grow
/// with the number of replications. Results come back in replication order: the summary does
/// not depend on the number of threads.
pub fn simulate(scenario: &Scenario) -> Simulated {
    simulate_with_logs(scenario, None, None)
}

/// [`simulate`], streaming the invocation logs of the first replication to `logs` (the files
/// written, or the error writing them, come back in `first.logs`) and advancing `progress`
/// by simulated seconds, the replications' together.
pub fn simulate_with_logs(
    scenario: &Scenario,
    logs: Option<LogSink>,
    progress: Option<&indicatif::ProgressBar>,
) -> Simulated {
    use rayon::prelude::*;
    let logs = Mutex::new(logs);
    let mut runs: Vec<(summary::Summary, u64, u64, Option<RunOutput>)> = (0..scenario.replications)
        .into_par_iter()
        .map(|r| {
            let mut sim = Simulation::new(scenario, sim::replication_seed(scenario.seed, r));
            if r == 0
                && let Some(sink) = logs.lock().unwrap_or_else(PoisonError::into_inner).take()
            {
                sim.attach_logs(sink);
            }
            let mut run = match progress {
                None => sim.run(),
                Some(bar) => {
                    // whole simulated seconds reported so far by this replication
                    let done = std::sync::atomic::AtomicU64::new(0);
                    let advance = |now: SimTime| {
                        let secs = now.0 / 1_000_000_000;
                        let before = done.swap(secs, std::sync::atomic::Ordering::Relaxed);
                        bar.inc(secs.saturating_sub(before));
                    };
                    let run = sim.run_reporting(&advance);
                    let total = scenario.duration.0 / 1_000_000_000;
                    advance(SimTime(total * 1_000_000_000));
                    run
                }
            };
            let summary = summary::summarize_run(scenario, &mut run);
            // what the platforms received: function invocations, queue records, service requests
            let requests = run.minutes.iter().map(|m| m.arrivals + m.queue_records).sum::<u64>()
                + run.services.iter().map(|s| s.1.requests).sum::<u64>();
            (summary, requests, run.events, (r == 0).then_some(run))
        })
        .collect();
    let first = runs[0].3.take().expect("replication 0 is kept whole");
    let requests = runs.iter().map(|r| r.1).sum();
    let events = runs.iter().map(|r| r.2).sum();
    let per_run: Vec<summary::Summary> = runs.into_iter().map(|r| r.0).collect();
    Simulated { summary: summary::summarize(scenario, per_run), first, requests, events }
}
