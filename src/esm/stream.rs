//! Kinesis data streams and DynamoDB streams: one batch in flight per lane, in order
//! (docs/src/facts.md §1.5).
//!
//! ```text
//!  record ──► lane (uniform over shards x parallelization_factor: stands in for hashing the
//!             partition key) ──► read at the shard's next poll (Kinesis 1/s, DynamoDB 4/s)
//!  lane free ──► batch = records read so far, up to batch_size, once the batch is full or
//!                batch_window has passed since its first record arrived ──► attempt
//!     ok ──► the lane moves on
//!     error or timeout ──► the lane is blocked; the same batch is retried at the next poll,
//!                          until it succeeds, maximum_retry_attempts is spent (discarded) or
//!                          its records pass maximum_record_age or the retention (dropped)
//!     throttled ──► retried after a backoff (1 s doubling to 5 min); not a retry attempt
//! ```
//!
//! Polling is lazy: a shard's polls are the instants `phase + k x period` (the phase drawn per
//! shard), and a lane's timer is armed only for the poll, window end or retry it waits for.
//! An empty lane has no event. Records stay in the lane's deque until done; the batch is its
//! first `in_batch` records.

use std::collections::VecDeque;

use rand::RngExt;
use rand_pcg::Pcg64Mcg;

use super::{Common, Ctx, Done, EsmEvent, Record, Timer};
use crate::config::{QueueConfig, QueueKind};
use crate::engine::{SimDuration, SimTime};
use crate::event::Event;
use crate::lambda::Outcome;
use crate::lambda::async_queue::throttle_backoff;

/// Kinesis polls each shard about once a second (standard iterators).
pub const KINESIS_POLL: SimDuration = SimDuration::from_secs(1);
/// DynamoDB streams are polled 4 times a second.
pub const DYNAMODB_POLL: SimDuration = SimDuration::from_millis(250);

#[derive(Debug, Default)]
struct Lane {
    records: VecDeque<Record>,
    /// Records of the current batch (the first ones); 0 when there is none.
    in_batch: u32,
    running: bool,
    /// Failed invocations of the current batch.
    failures: u32,
    /// Consecutive throttled attempts (sets the backoff).
    throttles: u16,
    /// When a blocked batch is tried again.
    retry_at: SimTime,
    /// When the lane last became free (the previous batch ended).
    free_since: SimTime,
    timer: Timer,
    next_seq: u64,
    last_done: u64,
}

/// One stream and its mapping.
pub(crate) struct StreamSource {
    lanes: Vec<Lane>,
    /// Poll phase of each shard, in `[0, period)`.
    phases: Vec<SimDuration>,
    period: SimDuration,
    factor: u32,
    /// Records older than this are dropped: `maximum_record_age`, else the retention.
    max_age: SimDuration,
}

impl StreamSource {
    pub(crate) fn new(cfg: &QueueConfig, rng: &mut Pcg64Mcg) -> StreamSource {
        let period =
            if cfg.kind == QueueKind::DynamodbStream { DYNAMODB_POLL } else { KINESIS_POLL };
        let phases = (0..cfg.shards).map(|_| SimDuration(rng.random_range(0..period.0))).collect();
        let lanes = (0..cfg.lanes()).map(|_| Lane::default()).collect();
        let max_age = cfg.maximum_record_age.map_or(cfg.retention, |a| a.min(cfg.retention));
        StreamSource { lanes, phases, period, factor: cfg.parallelization_factor, max_age }
    }

    /// The first poll of lane `l`'s shard at or after `t`.
    fn poll_at_or_after(&self, l: u32, t: SimTime) -> SimTime {
        let phase = self.phases[(l / self.factor) as usize];
        let p = self.period.0;
        if t.0 <= phase.0 {
            return SimTime(phase.0);
        }
        SimTime(phase.0 + (t.0 - phase.0).div_ceil(p) * p)
    }

    /// The last poll of lane `l`'s shard at or before `t`, if any.
    fn poll_at_or_before(&self, l: u32, t: SimTime) -> Option<SimTime> {
        let phase = self.phases[(l / self.factor) as usize];
        let p = self.period.0;
        (t.0 >= phase.0).then(|| SimTime(phase.0 + (t.0 - phase.0) / p * p))
    }

    pub(crate) fn send(&mut self, c: &mut Common, now: SimTime, work: SimDuration, ctx: &mut Ctx) {
        let l = c.rng.random_range(0..self.lanes.len() as u32);
        let lane = &mut self.lanes[l as usize];
        lane.next_seq += 1;
        lane.records.push_back(Record { arrived: now, seq: lane.next_seq, work, receives: 0 });
        if !lane.running && lane.in_batch == 0 {
            self.poll(c, l, now, ctx);
        }
    }

    pub(crate) fn finished(&mut self, c: &mut Common, o: Outcome, now: SimTime, ctx: &mut Ctx) {
        let l = o.batch;
        let lane = &mut self.lanes[l as usize];
        lane.running = false;
        if o.succeeded {
            self.end_batch(c, l, now, Done::Succeeded { started_at: o.started_at }, ctx);
        } else {
            lane.failures += 1;
            if c.cfg.maximum_retry_attempts.is_some_and(|m| lane.failures > m) {
                self.end_batch(c, l, now, Done::RetriesExhausted, ctx);
            } else {
                // Retried when the shard is next polled.
                let at = self.poll_at_or_after(l, SimTime(now.0 + 1));
                self.lanes[l as usize].retry_at = at;
                self.arm(c, l, at, ctx);
            }
        }
    }

    pub(crate) fn lane_due(&mut self, c: &mut Common, l: u32, now: SimTime, ctx: &mut Ctx) {
        if self.lanes[l as usize].timer.fire(now) {
            self.poll(c, l, now, ctx);
        }
    }

    /// The batch of lane `l` is done (`how`); the lane is free for the next.
    fn end_batch(&mut self, c: &mut Common, l: u32, now: SimTime, how: Done, ctx: &mut Ctx) {
        let n = self.lanes[l as usize].in_batch;
        for _ in 0..n {
            self.leave(c, l, now, how, ctx);
        }
        let lane = &mut self.lanes[l as usize];
        lane.in_batch = 0;
        lane.failures = 0;
        lane.free_since = now;
        self.poll(c, l, now, ctx);
    }

    /// The first record of lane `l` leaves the stream.
    fn leave(&mut self, c: &mut Common, l: u32, now: SimTime, how: Done, ctx: &mut Ctx) {
        let lane = &mut self.lanes[l as usize];
        let Some(r) = lane.records.pop_front() else { return };
        if r.seq != lane.last_done + 1 {
            c.stats.out_of_order += 1;
        }
        lane.last_done = r.seq;
        c.done(&r, now, how, ctx.series);
    }

    /// What lane `l` does at `now`: retry its batch, read a new one, or arm its timer for the
    /// moment it can.
    fn poll(&mut self, c: &mut Common, l: u32, now: SimTime, ctx: &mut Ctx) {
        let lane = &self.lanes[l as usize];
        let (running, in_batch, retry_at) = (lane.running, lane.in_batch, lane.retry_at);
        if running {
            return;
        }
        if in_batch > 0 {
            if now < retry_at {
                self.arm(c, l, retry_at, ctx);
                return;
            }
            // Records of the blocked batch that grew too old are dropped, oldest first.
            let mut left = in_batch;
            while left > 0 && c.expired(&self.lanes[l as usize].records[0], now, self.max_age) {
                self.leave(c, l, now, Done::Expired, ctx);
                left -= 1;
            }
            let lane = &mut self.lanes[l as usize];
            lane.in_batch = left;
            if left > 0 {
                self.invoke(c, l, now, ctx);
                return;
            }
            lane.failures = 0;
            lane.free_since = now;
        }
        while self.lanes[l as usize]
            .records
            .front()
            .is_some_and(|r| c.expired(r, now, self.max_age))
        {
            self.leave(c, l, now, Done::Expired, ctx);
        }
        let lane = &self.lanes[l as usize];
        let Some(front) = lane.records.front() else { return };
        // The lane can go once it is free and a poll has read its first record; it goes
        // then if the batching window since that record's arrival has passed, or a poll has
        // read a full batch, else when one of those happens.
        let ready = self.poll_at_or_after(l, front.arrived).max(lane.free_since);
        let bs = c.cfg.batch_size as usize;
        let mut go = ready.max(front.arrived + c.cfg.batch_window);
        if lane.records.len() >= bs {
            let full = self.poll_at_or_after(l, lane.records[bs - 1].arrived).max(ready);
            go = go.min(full);
        }
        if now < go {
            self.arm(c, l, go, ctx);
            return;
        }
        let last_poll = self.poll_at_or_before(l, now).unwrap_or(SimTime::ZERO);
        let n = lane.records.iter().take(bs).take_while(|r| r.arrived <= last_poll).count();
        let n = n.max(1); // the first record was read (ready <= now)
        self.lanes[l as usize].in_batch = n as u32;
        self.invoke(c, l, now, ctx);
    }

    /// An attempt of lane `l`'s batch (the first read or a retry).
    fn invoke(&mut self, c: &mut Common, l: u32, now: SimTime, ctx: &mut Ctx) {
        let lane = &mut self.lanes[l as usize];
        let n = lane.in_batch;
        let mut run = SimDuration::ZERO;
        for r in lane.records.iter_mut().take(n as usize) {
            r.receives += 1;
            run = run + r.work;
        }
        let last = lane.records[n as usize - 1].arrived;
        let counted = lane.records[0].arrived >= c.warmup;
        if counted {
            c.stats.iterator_age.record(now.saturating_since(last));
            if lane.failures > 0 {
                c.stats.retries += 1;
            }
        }
        if c.invoke(now, l, n, run, ctx) {
            let lane = &mut self.lanes[l as usize];
            lane.running = true;
            lane.throttles = 0;
        } else {
            let lane = &mut self.lanes[l as usize];
            lane.throttles = lane.throttles.saturating_add(1);
            let after_backoff = now + throttle_backoff(lane.throttles);
            let at = self.poll_at_or_after(l, after_backoff);
            self.lanes[l as usize].retry_at = at;
            self.arm(c, l, at, ctx);
        }
    }

    fn arm(&mut self, c: &Common, l: u32, at: SimTime, ctx: &mut Ctx) {
        if self.lanes[l as usize].timer.arm(at) {
            ctx.queue.push(at, Event::Esm(EsmEvent::LaneDue { source: c.index, lane: l }));
        }
    }

    /// Arrival of the oldest record held (every record stays in its lane until done).
    pub(crate) fn oldest(&self) -> Option<SimTime> {
        self.lanes.iter().filter_map(|l| l.records.front().map(|r| r.arrived)).min()
    }
}
