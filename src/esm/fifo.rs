//! SQS FIFO queues: in order within a message group, one batch in flight per group
//! (docs/src/facts.md §1.5: concurrency is at most the number of active message groups).
//!
//! ```text
//!  message ──► its group (drawn uniformly from message_groups) ──► group ready?
//!  ready groups, in turn ──► poller free? ──► batch = the group's first batch_size messages
//!     ok ──► deleted; the group is ready again if messages wait
//!     failed or throttled ──► the group is blocked until the visibility timeout ends;
//!                             then its first messages go to the dead-letter queue if received
//!                             max_receive_count times, else the same batch is retried
//! ```
//!
//! A group's messages stay in its deque until they are done; a batch is the group's first
//! `n` messages, so order within the group holds by construction (and is checked). Pollers
//! scale as for standard queues ([`Pollers`]); a batch holds messages of one group only, and
//! batching windows do not exist for FIFO queues.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rand::RngExt;

use super::{Common, Ctx, Done, Pollers, Record};
use crate::config::QueueConfig;
use crate::engine::{SimDuration, SimTime};
use crate::lambda::Outcome;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// No messages.
    Empty,
    /// Messages waiting; the group is in the ready queue.
    Ready,
    /// Its first `in_batch` messages are in an invocation.
    Running,
    /// Its first `in_batch` messages failed; invisible until the visibility timeout ends.
    Blocked,
}

#[derive(Debug)]
struct Group {
    records: VecDeque<Record>,
    in_batch: u32,
    state: State,
    next_seq: u64,
    /// Sequence number of the last message that left the group.
    last_done: u64,
}

/// One FIFO queue and its mapping.
pub(crate) struct FifoQueue {
    groups: Vec<Group>,
    ready: VecDeque<u32>,
    /// Groups blocked by a failed batch: (visible again at, group).
    blocked: BinaryHeap<Reverse<(SimTime, u32)>>,
    pollers: Pollers,
}

impl FifoQueue {
    pub(crate) fn new(cfg: &QueueConfig) -> FifoQueue {
        let groups = (0..cfg.message_groups)
            .map(|_| Group {
                records: VecDeque::new(),
                in_batch: 0,
                state: State::Empty,
                next_seq: 0,
                last_done: 0,
            })
            .collect();
        FifoQueue {
            groups,
            ready: VecDeque::new(),
            blocked: BinaryHeap::new(),
            pollers: Pollers::new(cfg.maximum_concurrency),
        }
    }

    pub(crate) fn pollers(&self) -> u32 {
        self.pollers.current
    }

    pub(crate) fn send(&mut self, c: &mut Common, now: SimTime, work: SimDuration, ctx: &mut Ctx) {
        let g = c.rng.random_range(0..self.groups.len() as u32);
        let group = &mut self.groups[g as usize];
        group.next_seq += 1;
        group.records.push_back(Record { arrived: now, seq: group.next_seq, work, receives: 0 });
        if group.state == State::Empty {
            group.state = State::Ready;
            self.ready.push_back(g);
            self.dispatch(c, now, ctx, false);
        }
    }

    pub(crate) fn finished(&mut self, c: &mut Common, o: Outcome, now: SimTime, ctx: &mut Ctx) {
        let g = o.batch;
        if o.succeeded {
            let n = self.groups[g as usize].in_batch;
            for _ in 0..n {
                self.leave(c, g, now, Done::Succeeded { started_at: o.started_at }, ctx);
            }
            self.groups[g as usize].in_batch = 0;
            self.settle_group(g);
        } else {
            let at = (o.started_at + c.cfg.visibility_timeout).max(now);
            self.block(c, g, at, ctx);
        }
        if self.ready.is_empty() {
            self.pollers.idle();
        }
        self.dispatch(c, now, ctx, true);
    }

    /// Blocked groups whose visibility timeout ended, then whatever the pollers can do now.
    pub(crate) fn timer(&mut self, c: &mut Common, now: SimTime, ctx: &mut Ctx) {
        while let Some(&Reverse((at, g))) = self.blocked.peek() {
            if at > now {
                c.arm(at, ctx.queue);
                break;
            }
            self.blocked.pop();
            let max_receives = c.cfg.max_receive_count.unwrap_or(u32::MAX);
            self.groups[g as usize].in_batch = 0;
            // Receive counts never increase along a group (each batch is a prefix), so the
            // messages due for the dead-letter queue are at the front.
            while let Some(r) = self.groups[g as usize].records.front() {
                if r.receives >= max_receives {
                    self.leave(c, g, now, Done::DeadLettered, ctx);
                } else if c.expired(r, now, c.cfg.retention) {
                    self.leave(c, g, now, Done::Expired, ctx);
                } else {
                    break;
                }
            }
            self.settle_group(g);
        }
        self.dispatch(c, now, ctx, false);
    }

    fn block(&mut self, c: &mut Common, g: u32, at: SimTime, ctx: &mut Ctx) {
        self.groups[g as usize].state = State::Blocked;
        self.blocked.push(Reverse((at, g)));
        c.arm(at, ctx.queue);
    }

    /// A group with no batch: ready if messages wait, else empty.
    fn settle_group(&mut self, g: u32) {
        let group = &mut self.groups[g as usize];
        if group.records.is_empty() {
            group.state = State::Empty;
        } else {
            group.state = State::Ready;
            self.ready.push_back(g);
        }
    }

    /// The first message of group `g` leaves the queue.
    fn leave(&mut self, c: &mut Common, g: u32, now: SimTime, how: Done, ctx: &mut Ctx) {
        let group = &mut self.groups[g as usize];
        let Some(r) = group.records.pop_front() else { return };
        if r.seq != group.last_done + 1 {
            c.stats.out_of_order += 1;
        }
        group.last_done = r.seq;
        c.done(&r, now, how, ctx.series);
    }

    fn dispatch(&mut self, c: &mut Common, now: SimTime, ctx: &mut Ctx, freed: bool) {
        self.pollers.update(now);
        c.stats.max_pollers = c.stats.max_pollers.max(self.pollers.current);
        // the poller whose batch just ended polls again at once, even during a backoff
        let mut own_poller = freed;
        loop {
            if let Some(until) = self.pollers.paused_until(now).filter(|_| !own_poller) {
                if !self.ready.is_empty() {
                    c.arm(until, ctx.queue);
                }
                break;
            }
            if c.in_flight >= self.pollers.current {
                break;
            }
            let Some(g) = self.ready.pop_front() else { break };
            while self.groups[g as usize]
                .records
                .front()
                .is_some_and(|r| c.expired(r, now, c.cfg.retention))
            {
                self.leave(c, g, now, Done::Expired, ctx);
            }
            let group = &mut self.groups[g as usize];
            if group.records.is_empty() {
                group.state = State::Empty;
                continue;
            }
            let n = group.records.len().min(c.cfg.batch_size as usize);
            let mut run = SimDuration::ZERO;
            let mut again = false;
            for r in group.records.iter_mut().take(n) {
                again |= r.receives > 0;
                r.receives += 1;
                if r.arrived >= c.warmup {
                    c.stats.receives += 1;
                }
                run = run + r.work;
            }
            if again && group.records[0].arrived >= c.warmup {
                c.stats.retries += 1;
            }
            group.in_batch = n as u32;
            group.state = State::Running;
            own_poller = false;
            if c.invoke(now, g, n as u32, run, ctx) {
                self.pollers.started();
            } else {
                self.block(c, g, now + c.cfg.visibility_timeout, ctx);
                c.arm(self.pollers.throttled(now), ctx.queue);
                break;
            }
        }
        if let Some(at) = self.pollers.settle(now, !self.ready.is_empty(), c.in_flight) {
            c.arm(at, ctx.queue);
        }
    }

    /// Arrival of the oldest message held (every message stays in its group until done).
    pub(crate) fn oldest(&self) -> Option<SimTime> {
        self.groups.iter().filter_map(|g| g.records.front().map(|r| r.arrived)).min()
    }
}
