//! Event-source mappings: Lambda's pollers reading queues and streams and invoking a function
//! with batches of records (docs/src/facts.md §1.5).
//!
//! ```text
//!  workload ──► record ──► queue / stream ──► poller forms a batch ──► attempt (Lambda)
//!                              ▲                  (batch_size,          │ throttled │ started
//!                              │                   batch_window)        ▼           ▼
//!                              └── back after visibility timeout ◄── failed ◄── invocation ends
//!                                  (SQS) or retried in place                        │ ok
//!                                  (FIFO group, stream lane)                         ▼
//!       dead-letter queue, retries exhausted, too old ──► failed          succeeded (deleted)
//! ```
//!
//! One file per kind of source: [`sqs`] (standard queues: pollers that scale with the
//! backlog), [`fifo`] (message groups in order) and [`stream`] (Kinesis and DynamoDB streams:
//! shards x parallelization factor lanes, in order, polled on a clock).
//!
//! Waiting records are state in the sources' own containers (deques and heaps); a batch in
//! flight is either a slab entry whose record buffer is reused (SQS standard) or the front
//! records of its group or lane, which stay where they are until they are done. Time-driven
//! work (visibility timeouts, batching windows, poller growth, throttle backoff, stream polls)
//! uses one timer per source, and one per stream lane, that fires at the earliest deadline:
//! never an event per record, and no polling events while nothing waits.

pub mod fifo;
pub mod sqs;
pub mod stream;

use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

use crate::config::{QueueConfig, QueueKind, Scenario};
use crate::engine::derive_seed;
use crate::engine::{EventQueue, SimDuration, SimTime};
pub use crate::event::EsmEvent;
use crate::event::Event;
use crate::lambda::{LambdaModel, Origin, Outcome};
use crate::metrics::{Histogram, MinuteSeries};

/// One pending timer event per source (or lane). Arming an earlier deadline pushes a new event
/// and supersedes the pending one, which is recognised as stale when it fires because its time
/// is no longer the armed one. Handlers re-evaluate their source's state, so a stale or early
/// event is harmless; nothing is cancelled in the event queue.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Timer {
    at: Option<SimTime>,
}

impl Timer {
    /// Asks for an event at `at`: whether one must be scheduled (none pending fires earlier).
    fn arm(&mut self, at: SimTime) -> bool {
        if self.at.is_some_and(|pending| pending <= at) {
            return false;
        }
        self.at = Some(at);
        true
    }

    /// Whether an event firing at `now` is the pending one (and so is now consumed).
    fn fire(&mut self, now: SimTime) -> bool {
        if self.at != Some(now) {
            return false;
        }
        self.at = None;
        true
    }
}

/// One record on a queue or stream. Kept inline in the source's containers (32 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Record {
    pub arrived: SimTime,
    /// Position in its source (SQS standard), message group (FIFO) or lane (streams): gives a
    /// total order and the order check.
    pub seq: u64,
    /// Handler run time of this record, already scaled to the function's CPU.
    pub work: SimDuration,
    /// Times received (SQS) or read (streams) so far.
    pub receives: u32,
}

/// How a record left its source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Done {
    /// Its batch succeeded (the invocation started at the given time).
    Succeeded { started_at: SimTime },
    /// Older than the retention or `maximum_record_age`: dropped.
    Expired,
    /// SQS: received `max_receive_count` times and failed: moved to the dead-letter queue.
    DeadLettered,
    /// Streams: its batch failed `1 + maximum_retry_attempts` times: discarded.
    RetriesExhausted,
}

/// Counters of one queue over the measurement window: records that arrived after the warm-up
/// and batches started after it.
#[derive(Clone, Debug, Default)]
pub struct QueueStats {
    /// Records put on the queue.
    pub records: u64,
    /// Records processed by a successful invocation.
    pub succeeded: u64,
    /// Records that will never be processed: `expired + dead_lettered + retries_exhausted`.
    pub failed: u64,
    pub expired: u64,
    pub dead_lettered: u64,
    pub retries_exhausted: u64,
    /// Invocations started (a batch is one invocation; each retry is another).
    pub batches: u64,
    /// Records in those invocations (for the mean batch size).
    pub batch_records: u64,
    /// Invocation attempts Lambda throttled.
    pub throttled_batches: u64,
    /// SQS: receives of records (a record received twice counts twice).
    pub receives: u64,
    /// Invocations that re-ran records after a failure: SQS, batches holding a record received
    /// before; streams, retries of a failed batch.
    pub retries: u64,
    /// Most records held at once (waiting, invisible or in an invocation).
    pub max_backlog: u64,
    /// Most batches in flight at once.
    pub max_concurrency: u32,
    /// SQS: most pollers (concurrent batches allowed) reached.
    pub max_pollers: u32,
    /// FIFO and streams: records that left their group or lane out of order (always 0).
    pub out_of_order: u64,
    /// From arrival to the start of the invocation that processed the record successfully.
    pub age: Histogram,
    /// Streams: age of the last record of a batch when the batch is read (each attempt).
    pub iterator_age: Histogram,
}

/// State shared by every kind of source: identity, counters, the source's timer.
pub(crate) struct Common {
    pub index: u32,
    pub function: u32,
    pub cfg: QueueConfig,
    pub warmup: SimTime,
    pub stats: QueueStats,
    pub timer: Timer,
    /// Records held now (waiting, invisible or in an invocation).
    pub held: u64,
    /// Batches in an invocation now.
    pub in_flight: u32,
    pub rng: Pcg64Mcg,
}

impl Common {
    /// A record was put on the queue.
    fn accepted(&mut self, now: SimTime, series: &mut MinuteSeries) {
        self.held += 1;
        series.row().queue_records += 1;
        series.queue_backlog_add(1);
        if now >= self.warmup {
            self.stats.records += 1;
            self.stats.max_backlog = self.stats.max_backlog.max(self.held);
        }
    }

    /// A record left the queue for good.
    pub fn done(&mut self, record: &Record, now: SimTime, how: Done, series: &mut MinuteSeries) {
        self.held -= 1;
        series.queue_backlog_add(-1);
        series.queue_record_left(now, record.arrived);
        let row = series.row();
        if matches!(how, Done::Succeeded { .. }) {
            row.queue_succeeded += 1;
        } else {
            row.queue_failed += 1;
        }
        if record.arrived < self.warmup {
            return;
        }
        let s = &mut self.stats;
        match how {
            Done::Succeeded { started_at } => {
                s.succeeded += 1;
                s.age.record(started_at.saturating_since(record.arrived));
            }
            Done::Expired => s.expired += 1,
            Done::DeadLettered => s.dead_lettered += 1,
            Done::RetriesExhausted => s.retries_exhausted += 1,
        }
        if !matches!(how, Done::Succeeded { .. }) {
            s.failed += 1;
        }
    }

    /// Whether `record` is past the source's retention (or a stream's `maximum_record_age`).
    #[inline]
    pub fn expired(&self, record: &Record, now: SimTime, max_age: SimDuration) -> bool {
        now.saturating_since(record.arrived) > max_age
    }

    /// Invokes the function with a batch of `records` records whose work adds up to `run`:
    /// whether Lambda started it (else it throttled it).
    pub fn invoke(
        &mut self,
        now: SimTime,
        batch: u32,
        records: u32,
        run: SimDuration,
        ctx: &mut Ctx,
    ) -> bool {
        let origin = Origin::Source { source: self.index, batch };
        let started =
            ctx.lambda.call(self.function, now, run, origin, ctx.queue, ctx.series).is_some();
        let counted = now >= self.warmup;
        if started {
            self.in_flight += 1;
            ctx.series.row().queue_batches += 1;
            if counted {
                self.stats.batches += 1;
                self.stats.batch_records += records as u64;
                self.stats.max_concurrency = self.stats.max_concurrency.max(self.in_flight);
            }
        } else if counted {
            self.stats.throttled_batches += 1;
        }
        started
    }

    /// Makes sure the source's timer fires at `at` or earlier.
    pub fn arm(&mut self, at: SimTime, queue: &mut EventQueue<Event>) {
        if self.timer.arm(at) {
            queue.push(at, Event::Esm(EsmEvent::SourceDue { source: self.index }));
        }
    }
}

/// What a source needs from the rest of the run while it handles an event.
pub struct Ctx<'a> {
    pub lambda: &'a mut LambdaModel,
    pub queue: &'a mut EventQueue<Event>,
    pub series: &'a mut MinuteSeries,
}

/// Pollers of an SQS mapping: how many batches may be in flight at once.
///
/// The rule (docs/src/facts.md §1.5, L-SQS and BLOG-SQS): start at 5 (or `maximum_concurrency`
/// if smaller); while messages wait and every poller is busy, add one every 200 ms (300 a
/// minute), never beyond `maximum_concurrency` (default 1,250); the growth is not banked: it
/// counts only time spent under that pressure. Each batch that ends with nothing left to read
/// retires one poller, down to the minimum. A throttled invocation retires one poller and
/// makes the mapping back off: no batch starts for 1 s, doubling up to 5 minutes on
/// consecutive throttles (Lambda's backoff for throttled asynchronous events, docs/src/facts.md
/// §1.4) and reset when an invocation starts, except that a poller whose batch has just ended
/// polls again at once (so a throttled mapping keeps its function's concurrency in use).
#[derive(Clone, Debug)]
pub(crate) struct Pollers {
    pub current: u32,
    min: u32,
    cap: u32,
    /// Since when, and from how many pollers, the mapping has been growing.
    growth: Option<(SimTime, u32)>,
    paused_until: SimTime,
    throttles: u16,
}

/// SQS pollers at the start and when idle.
pub const SQS_MIN_POLLERS: u32 = 5;
/// Concurrent batches of an SQS mapping without `maximum_concurrency`: 1,250, the figure of the
/// "faster polling scale-up" announcement and re:Post (the 2022 docs said 1,000;
/// docs/src/facts.md §6).
pub const SQS_MAX_POLLERS: u32 = 1250;
/// One poller added per 200 ms under pressure: 300 a minute.
pub const SQS_POLLER_STEP: SimDuration = SimDuration::from_millis(200);

impl Pollers {
    pub fn new(maximum_concurrency: Option<u32>) -> Pollers {
        let cap = maximum_concurrency.unwrap_or(SQS_MAX_POLLERS);
        let min = SQS_MIN_POLLERS.min(cap);
        Pollers { current: min, min, cap, growth: None, paused_until: SimTime::ZERO, throttles: 0 }
    }

    /// Brings the poller count up to date with the growth since the pressure began.
    pub fn update(&mut self, now: SimTime) {
        if let Some((since, base)) = self.growth {
            let steps = now.saturating_since(since).0 / SQS_POLLER_STEP.0;
            self.current = (base as u64 + steps).min(self.cap as u64) as u32;
        }
    }

    /// After dispatching at `now`: keeps growing while messages wait with every poller busy,
    /// and returns when the next poller is added, or stops the growth.
    pub fn settle(&mut self, now: SimTime, waiting: bool, in_flight: u32) -> Option<SimTime> {
        let pressure =
            waiting && in_flight >= self.current && self.current < self.cap && !self.paused(now);
        if !pressure {
            self.growth = None;
            return None;
        }
        let (since, base) = *self.growth.get_or_insert((now, self.current));
        Some(since + SimDuration(SQS_POLLER_STEP.0 * (self.current - base + 1) as u64))
    }

    /// A batch ended and nothing is left to read: one poller fewer.
    pub fn idle(&mut self) {
        self.growth = None;
        self.current = self.current.saturating_sub(1).max(self.min);
    }

    /// An invocation was throttled at `now`: one poller fewer, and a pause; returns its end.
    pub fn throttled(&mut self, now: SimTime) -> SimTime {
        self.growth = None;
        self.current = self.current.saturating_sub(1).max(self.min);
        self.throttles = self.throttles.saturating_add(1);
        self.paused_until = now + crate::lambda::async_queue::throttle_backoff(self.throttles);
        self.paused_until
    }

    pub fn started(&mut self) {
        self.throttles = 0;
    }

    /// While paused by a throttle: until when.
    pub fn paused_until(&self, now: SimTime) -> Option<SimTime> {
        (now < self.paused_until).then_some(self.paused_until)
    }

    fn paused(&self, now: SimTime) -> bool {
        now < self.paused_until
    }
}

enum Kind {
    Sqs(sqs::SqsQueue),
    Fifo(fifo::FifoQueue),
    Stream(stream::StreamSource),
}

struct Source {
    common: Common,
    kind: Kind,
}

/// A read-only view of one source, for tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueView {
    /// Records held (waiting, invisible or in an invocation).
    pub held: u64,
    /// Batches in an invocation.
    pub in_flight: u32,
    /// SQS: current pollers (concurrent batches allowed); streams: lanes.
    pub pollers: u32,
}

/// Every event-source mapping of a run.
pub struct EsmModel {
    sources: Vec<Source>,
}

impl EsmModel {
    /// Builds the sources; each draws from its own random stream derived from `seed`.
    pub fn new(scenario: &Scenario, seed: u64) -> EsmModel {
        let warmup = SimTime(scenario.warmup.0);
        let sources = scenario
            .queues
            .iter()
            .enumerate()
            .map(|(i, cfg)| {
                let mut rng = Pcg64Mcg::seed_from_u64(derive_seed(seed, i as u64));
                let kind = match cfg.kind {
                    QueueKind::Sqs => Kind::Sqs(sqs::SqsQueue::new(cfg)),
                    QueueKind::SqsFifo => Kind::Fifo(fifo::FifoQueue::new(cfg)),
                    QueueKind::Kinesis | QueueKind::DynamodbStream => {
                        Kind::Stream(stream::StreamSource::new(cfg, &mut rng))
                    }
                };
                let common = Common {
                    index: i as u32,
                    function: cfg.function as u32,
                    cfg: cfg.clone(),
                    warmup,
                    stats: QueueStats::default(),
                    timer: Timer::default(),
                    held: 0,
                    in_flight: 0,
                    rng,
                };
                Source { common, kind }
            })
            .collect();
        EsmModel { sources }
    }

    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// A record with handler run time `work` (scaled to the function) arrives at `source`.
    pub fn send(&mut self, source: u32, now: SimTime, work: SimDuration, ctx: &mut Ctx) {
        let Source { common, kind } = &mut self.sources[source as usize];
        common.accepted(now, ctx.series);
        match kind {
            Kind::Sqs(q) => q.send(common, now, work, ctx),
            Kind::Fifo(q) => q.send(common, now, work, ctx),
            Kind::Stream(q) => q.send(common, now, work, ctx),
        }
    }

    /// The invocation of a batch ended.
    pub fn finished(&mut self, outcome: Outcome, now: SimTime, ctx: &mut Ctx) {
        let Source { common, kind } = &mut self.sources[outcome.source as usize];
        common.in_flight -= 1;
        match kind {
            Kind::Sqs(q) => q.finished(common, outcome, now, ctx),
            Kind::Fifo(q) => q.finished(common, outcome, now, ctx),
            Kind::Stream(q) => q.finished(common, outcome, now, ctx),
        }
    }

    pub fn handle(&mut self, now: SimTime, event: EsmEvent, ctx: &mut Ctx) {
        match event {
            EsmEvent::SourceDue { source } => {
                let Source { common, kind } = &mut self.sources[source as usize];
                if !common.timer.fire(now) {
                    return;
                }
                match kind {
                    Kind::Sqs(q) => q.timer(common, now, ctx),
                    Kind::Fifo(q) => q.timer(common, now, ctx),
                    Kind::Stream(_) => {}
                }
            }
            EsmEvent::LaneDue { source, lane } => {
                let Source { common, kind } = &mut self.sources[source as usize];
                if let Kind::Stream(q) = kind {
                    q.lane_due(common, lane, now, ctx);
                }
            }
        }
    }

    /// Arrival time of the oldest record held by any source. Scans groups and lanes, so it is
    /// called once a simulated minute, not per event.
    pub fn oldest(&self) -> Option<SimTime> {
        self.sources
            .iter()
            .filter_map(|s| match &s.kind {
                Kind::Sqs(q) => q.oldest(),
                Kind::Fifo(q) => q.oldest(),
                Kind::Stream(q) => q.oldest(),
            })
            .min()
    }

    pub fn view(&self, source: u32) -> QueueView {
        let s = &self.sources[source as usize];
        let pollers = match &s.kind {
            Kind::Sqs(q) => q.pollers(),
            Kind::Fifo(q) => q.pollers(),
            Kind::Stream(_) => s.common.cfg.lanes(),
        };
        QueueView { held: s.common.held, in_flight: s.common.in_flight, pollers }
    }

    /// Each source's config and statistics; records still held count as in flight.
    pub fn finish(self) -> Vec<(QueueConfig, QueueStats)> {
        self.sources.into_iter().map(|s| (s.common.cfg, s.common.stats)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timer_supersedes_later_deadlines_and_spots_stale_events() {
        let mut t = Timer::default();
        assert!(t.arm(SimTime(10)));
        assert!(!t.arm(SimTime(12)), "a pending event fires earlier");
        assert!(t.arm(SimTime(5)));
        assert!(!t.fire(SimTime(10)), "not the pending deadline");
        assert!(t.fire(SimTime(5)));
        assert!(!t.fire(SimTime(10)), "the superseded event is stale");
    }

    #[test]
    fn pollers_grow_300_a_minute_under_pressure_only() {
        let mut p = Pollers::new(Some(1000));
        assert_eq!(p.current, 5);
        let next = p.settle(SimTime::ZERO, true, 5);
        assert_eq!(next, Some(SimTime(200_000_000)));
        p.update(SimTime::from_secs_f64(60.0));
        assert_eq!(p.current, 305);
        p.update(SimTime::from_secs_f64(1000.0));
        assert_eq!(p.current, 1000, "capped at maximum_concurrency");
        assert_eq!(p.settle(SimTime::from_secs_f64(1000.0), true, 1000), None);
        // not banked: time without pressure adds nothing
        let mut p = Pollers::new(None);
        p.settle(SimTime::ZERO, false, 0);
        p.update(SimTime::from_secs_f64(600.0));
        assert_eq!(p.current, 5);
        p.idle();
        assert_eq!(p.current, 5, "never below the minimum");
        let until = p.throttled(SimTime::ZERO);
        assert_eq!(until, SimTime::from_secs_f64(1.0));
        assert_eq!(p.paused_until(SimTime::ZERO), Some(until));
        assert_eq!(p.settle(SimTime::ZERO, true, 5), None, "no growth while paused");
    }
}
