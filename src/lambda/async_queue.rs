//! Asynchronous invocation: the function's internal event queue, retries and their timing.
//!
//! ```text
//!  event ──► accepted (202) ──► attempt ──started──► ends ok ──► succeeded
//!                                 │   ▲                 │ error / timeout
//!                       throttled │   │ due             ▼
//!                                 ▼   │         retries left? ──no──► failed (on_failure)
//!                       back to the queue (backoff     │yes
//!                       1 s, 2 s, 4 s ... 5 min)        └──► retry 1 min, then 2 min later
//!  any attempt due after maximum_event_age ──► dropped: failed (on_failure)
//! ```
//!
//! Waiting events sit in one heap per function ordered by when they are due; a single timer
//! event per function fires at the earliest, so a backlog of a million events costs one event
//! in the simulation's queue, not a million (docs/src/facts.md §1.4).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::engine::{SimDuration, SimTime};
use crate::metrics::Histogram;

/// One accepted event. 24 bytes; only waiting and running events exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AsyncEvent {
    pub arrived: SimTime,
    /// Handler run time, already scaled to the function's CPU.
    pub work: SimDuration,
    /// Invocations that ran for this event so far (the first attempt and its retries).
    pub runs: u8,
    /// Throttled attempts so far (sets the backoff).
    pub throttles: u16,
    /// Arrived after the warm-up: counts in the event-level metrics.
    pub counted: bool,
}

/// Backoff after the `n`-th throttled attempt (n >= 1): 1 s doubling, at most 5 minutes.
pub fn throttle_backoff(n: u16) -> SimDuration {
    let secs = 1u64 << (n.saturating_sub(1)).min(9);
    SimDuration::from_secs(secs.min(300))
}

/// Delay before the retry that follows the `runs`-th failed invocation: 1 minute before the
/// second attempt, 2 minutes before the third (docs/src/facts.md §1.4).
pub fn retry_delay(runs: u8) -> SimDuration {
    SimDuration::from_secs(if runs <= 1 { 60 } else { 120 })
}

/// Event-level counters of one function's asynchronous invocations.
#[derive(Clone, Debug, Default)]
pub struct AsyncStats {
    pub events: u64,
    pub succeeded: u64,
    /// Dropped (too old) or failed after the last retry: delivered to `on_failure`.
    pub failed: u64,
    pub expired: u64,
    pub retries_exhausted: u64,
    /// Invocations that re-ran an event after a function error or timeout.
    pub retries: u64,
    /// Attempts that were throttled and went back to the queue.
    pub redeliveries: u64,
    /// From arrival to the start of the successful invocation.
    pub age: Histogram,
    pub max_queue_depth: u32,
}

/// Events waiting for an attempt, earliest due first.
#[derive(Debug, Default)]
pub struct AsyncQueue {
    /// (due time, sequence for a stable order, event)
    waiting: BinaryHeap<Reverse<(SimTime, u64, EventKey)>>,
    seq: u64,
}

/// `AsyncEvent` ordered only by position in the heap key; wraps it so the heap can hold it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct EventKey(AsyncEvent);

impl PartialOrd for EventKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for EventKey {
    /// Never decides: (due, seq) is unique.
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

impl AsyncQueue {
    /// Puts an event back for `delay` after `now`, or until it expires if that comes first
    /// (never before `now`).
    pub fn wait(
        &mut self,
        event: AsyncEvent,
        now: SimTime,
        delay: SimDuration,
        max_age: SimDuration,
    ) {
        let due = (now + delay).min(event.arrived + max_age).max(now);
        self.seq += 1;
        self.waiting.push(Reverse((due, self.seq, EventKey(event))));
    }

    /// The earliest due time.
    pub fn next_due(&self) -> Option<SimTime> {
        self.waiting.peek().map(|Reverse((due, _, _))| *due)
    }

    /// Removes an event due at or before `now`.
    pub fn pop_due(&mut self, now: SimTime) -> Option<AsyncEvent> {
        if self.next_due()? > now {
            return None;
        }
        self.waiting.pop().map(|Reverse((_, _, EventKey(e)))| e)
    }

    pub fn len(&self) -> usize {
        self.waiting.len()
    }

    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(arrived: u64) -> AsyncEvent {
        AsyncEvent {
            arrived: SimTime(arrived),
            work: SimDuration(1),
            runs: 0,
            throttles: 0,
            counted: true,
        }
    }

    #[test]
    fn backoff_doubles_from_one_second_to_five_minutes() {
        let secs: Vec<u64> = (1..=12).map(|n| throttle_backoff(n).0 / 1_000_000_000).collect();
        assert_eq!(secs, vec![1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
        assert_eq!(retry_delay(1), SimDuration::from_secs(60));
        assert_eq!(retry_delay(2), SimDuration::from_secs(120));
    }

    #[test]
    fn due_order_is_time_then_insertion_and_capped_by_age() {
        let mut q = AsyncQueue::default();
        let age = SimDuration(1000);
        let now = SimTime(0);
        q.wait(ev(1), now, SimDuration(50), age);
        q.wait(ev(2), now, SimDuration(20), age);
        q.wait(ev(3), now, SimDuration(20), age);
        q.wait(ev(4), now, SimDuration(5000), age); // expires at 1004 first
        q.wait(ev(5), SimTime(2000), SimDuration(1), age); // already too old: due now
        assert_eq!(q.next_due(), Some(SimTime(20)));
        assert_eq!(q.pop_due(SimTime(19)), None);
        assert_eq!(q.pop_due(SimTime(20)).map(|e| e.arrived), Some(SimTime(2)));
        assert_eq!(q.pop_due(SimTime(20)).map(|e| e.arrived), Some(SimTime(3)));
        assert_eq!(q.pop_due(SimTime(60)).map(|e| e.arrived), Some(SimTime(1)));
        assert_eq!(q.next_due(), Some(SimTime(1004)));
        assert_eq!(q.pop_due(SimTime(1004)).map(|e| e.arrived), Some(SimTime(4)));
        assert_eq!(q.pop_due(SimTime(2000)).map(|e| e.arrived), Some(SimTime(5)));
        assert!(q.is_empty());
    }
}
