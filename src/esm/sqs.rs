//! SQS standard queues: pollers that scale with the backlog, visibility timeouts, redrive to a
//! dead-letter queue (docs/src/facts.md §1.5).
//!
//! ```text
//!  message ──► visible ──► poller free? ──► batch (batch_size, or batch_window since the
//!                 ▲                              │ first message has passed)
//!                 │                              │ receive count + 1
//!                 │                              ▼
//!                 │                    attempt ──throttled──┐
//!                 │                       │started          │
//!                 │                       ▼                 ▼
//!                 │        ok ◄── invocation ends ──fail──► invisible until the
//!                 │   (deleted)                             visibility timeout ends
//!                 └──────────────── received < max_receive_count ◄──┘
//!                                   else: dead-letter queue (failed)
//!  a message older than the retention is dropped (failed, expired)
//! ```
//!
//! Visible messages wait in two containers, both oldest first: new messages in a deque
//! (arrival order, O(1)) and messages back from a visibility timeout in a heap by arrival; a
//! batch takes the oldest of the two fronts, so the oldest visible message is always known.
//! Batches (in an invocation, or invisible after a failure) live in a slab whose record
//! buffers are kept for reuse.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use super::{Common, Ctx, Done, Pollers, Record};
use crate::config::QueueConfig;
use crate::engine::{SimDuration, SimTime};
use crate::lambda::Outcome;

#[derive(Debug, Default)]
struct Batch {
    records: Vec<Record>,
    /// Arrival of its oldest record.
    oldest: SimTime,
    live: bool,
}

/// One SQS standard queue and its mapping.
pub(crate) struct SqsQueue {
    fresh: VecDeque<Record>,
    returned: BinaryHeap<Reverse<Record>>,
    /// Failed or throttled batches: (visible again at, batch).
    invisible: BinaryHeap<Reverse<(SimTime, u32)>>,
    batches: Vec<Batch>,
    free: Vec<u32>,
    pollers: Pollers,
    next_seq: u64,
}

impl SqsQueue {
    pub(crate) fn new(cfg: &QueueConfig) -> SqsQueue {
        SqsQueue {
            fresh: VecDeque::new(),
            returned: BinaryHeap::new(),
            invisible: BinaryHeap::new(),
            batches: Vec::new(),
            free: Vec::new(),
            pollers: Pollers::new(cfg.maximum_concurrency),
            next_seq: 0,
        }
    }

    pub(crate) fn pollers(&self) -> u32 {
        self.pollers.current
    }

    pub(crate) fn send(&mut self, c: &mut Common, now: SimTime, work: SimDuration, ctx: &mut Ctx) {
        self.next_seq += 1;
        self.fresh.push_back(Record { arrived: now, seq: self.next_seq, work, receives: 0 });
        self.dispatch(c, now, ctx, false);
    }

    pub(crate) fn finished(&mut self, c: &mut Common, o: Outcome, now: SimTime, ctx: &mut Ctx) {
        let id = o.batch;
        if o.succeeded {
            let batch = &mut self.batches[id as usize];
            for r in &batch.records {
                c.done(r, now, Done::Succeeded { started_at: o.started_at }, ctx.series);
            }
            self.release(id);
        } else {
            // Received when the invocation started; visible again a visibility timeout later
            // (never before now: validation keeps the timeout at least the function's).
            let at = (o.started_at + c.cfg.visibility_timeout).max(now);
            self.invisible.push(Reverse((at, id)));
            c.arm(at, ctx.queue);
        }
        if self.visible() == 0 {
            self.pollers.idle();
        }
        self.dispatch(c, now, ctx, true);
    }

    /// Visibility timeouts that ended, then whatever the pollers can do now.
    pub(crate) fn timer(&mut self, c: &mut Common, now: SimTime, ctx: &mut Ctx) {
        while let Some(&Reverse((at, id))) = self.invisible.peek() {
            if at > now {
                c.arm(at, ctx.queue);
                break;
            }
            self.invisible.pop();
            let max_receives = c.cfg.max_receive_count.unwrap_or(u32::MAX);
            let mut records = std::mem::take(&mut self.batches[id as usize].records);
            for r in records.drain(..) {
                if r.receives >= max_receives {
                    c.done(&r, now, Done::DeadLettered, ctx.series);
                } else if c.expired(&r, now, c.cfg.retention) {
                    c.done(&r, now, Done::Expired, ctx.series);
                } else {
                    self.returned.push(Reverse(r));
                }
            }
            self.batches[id as usize].records = records; // keep the buffer
            self.release(id);
        }
        self.dispatch(c, now, ctx, false);
    }

    fn visible(&self) -> usize {
        self.fresh.len() + self.returned.len()
    }

    /// Arrival of the oldest visible message.
    fn oldest_visible(&self) -> Option<SimTime> {
        let fresh = self.fresh.front().map(|r| r.arrived);
        let returned = self.returned.peek().map(|Reverse(r)| r.arrived);
        fresh.into_iter().chain(returned).min()
    }

    /// Starts as many batches as the pollers allow, then arms the timer for what comes next
    /// (end of a window or pause, the next poller).
    fn dispatch(&mut self, c: &mut Common, now: SimTime, ctx: &mut Ctx, freed: bool) {
        self.pollers.update(now);
        c.stats.max_pollers = c.stats.max_pollers.max(self.pollers.current);
        let (batch_size, window) = (c.cfg.batch_size as usize, c.cfg.batch_window);
        // the poller whose batch just ended polls again at once, even during a backoff
        let mut own_poller = freed;
        loop {
            if let Some(until) = self.pollers.paused_until(now).filter(|_| !own_poller) {
                c.arm(until, ctx.queue);
                break;
            }
            if c.in_flight >= self.pollers.current {
                break;
            }
            self.drop_expired(c, now, ctx);
            let Some(first) = self.oldest_visible() else { break };
            // a partial batch waits until the window since its first message has passed
            if self.visible() < batch_size && now < first + window {
                c.arm(first + window, ctx.queue);
                break;
            }
            let (id, n, run) = self.receive(c, batch_size);
            own_poller = false;
            if c.invoke(now, id, n, run, ctx) {
                self.pollers.started();
            } else {
                let at = now + c.cfg.visibility_timeout;
                self.invisible.push(Reverse((at, id)));
                c.arm(at, ctx.queue);
                c.arm(self.pollers.throttled(now), ctx.queue);
                break;
            }
        }
        if let Some(at) = self.pollers.settle(now, self.visible() > 0, c.in_flight) {
            c.arm(at, ctx.queue);
        }
    }

    /// Takes up to `batch_size` visible messages, oldest first, into a new batch.
    fn receive(&mut self, c: &mut Common, batch_size: usize) -> (u32, u32, SimDuration) {
        let id = self.alloc();
        let batch = &mut self.batches[id as usize];
        let mut run = SimDuration::ZERO;
        let mut again = false;
        while batch.records.len() < batch_size {
            let from_returned = match (self.fresh.front(), self.returned.peek()) {
                (Some(f), Some(Reverse(r))) => r.arrived <= f.arrived,
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (None, None) => break,
            };
            let mut r = if from_returned {
                self.returned.pop().map(|Reverse(r)| r)
            } else {
                self.fresh.pop_front()
            }
            .expect("a visible message was just seen");
            again |= r.receives > 0;
            r.receives += 1;
            if r.arrived >= c.warmup {
                c.stats.receives += 1;
            }
            run = run + r.work;
            batch.records.push(r);
        }
        batch.oldest = batch.records.iter().map(|r| r.arrived).min().unwrap_or(SimTime::ZERO);
        if again && batch.oldest >= c.warmup {
            c.stats.retries += 1;
        }
        (id, batch.records.len() as u32, run)
    }

    /// Drops visible messages past the retention (the oldest are at the fronts).
    fn drop_expired(&mut self, c: &mut Common, now: SimTime, ctx: &mut Ctx) {
        let retention = c.cfg.retention;
        while let Some(r) = self.fresh.front().filter(|r| c.expired(r, now, retention)).copied() {
            self.fresh.pop_front();
            c.done(&r, now, Done::Expired, ctx.series);
        }
        while let Some(Reverse(r)) =
            self.returned.peek().filter(|Reverse(r)| c.expired(r, now, retention)).copied()
        {
            self.returned.pop();
            c.done(&r, now, Done::Expired, ctx.series);
        }
    }

    fn alloc(&mut self) -> u32 {
        let id = self.free.pop().unwrap_or_else(|| {
            self.batches.push(Batch::default());
            (self.batches.len() - 1) as u32
        });
        self.batches[id as usize].live = true;
        id
    }

    fn release(&mut self, id: u32) {
        let b = &mut self.batches[id as usize];
        b.records.clear();
        b.live = false;
        self.free.push(id);
    }

    /// Arrival of the oldest message held: visible, invisible or in an invocation.
    pub(crate) fn oldest(&self) -> Option<SimTime> {
        let batches = self.batches.iter().filter(|b| b.live).map(|b| b.oldest).min();
        self.oldest_visible().into_iter().chain(batches).min()
    }
}
