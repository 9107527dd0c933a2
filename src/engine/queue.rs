//! The event queue: a binary min-heap keyed by `(time, sequence)`.
//!
//! Events at the same instant pop in the order they were scheduled (the sequence number is a
//! global insertion counter), so the order is total and independent of the event payload: the
//! same inputs always give the same trajectory. Scheduling into the past is refused with a typed
//! error (and is a bug: models only schedule at or after `now`).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::time::SimTime;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("event scheduled at {at} but the clock is already at {now}")]
pub struct ScheduleError {
    pub at: SimTime,
    pub now: SimTime,
}

/// `key` is `(time, sequence)` packed as `time << 64 | sequence`: one integer comparison
/// orders entries exactly as the pair does (the heap compares on every level of a push and a
/// pop, the hottest comparison of a run).
struct Entry<E> {
    key: u128,
    event: E,
}

impl<E> Entry<E> {
    #[inline]
    fn at(&self) -> SimTime {
        SimTime((self.key >> 64) as u64)
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest `(time, seq)` first.
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// A deterministic future-event list for one simulation run.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    now: SimTime,
    seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue { heap: BinaryHeap::with_capacity(1024), now: SimTime::ZERO, seq: 0 }
    }

    /// The time of the event popped last (zero before the first).
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at `at`, which must not be earlier than [`now`](Self::now).
    pub fn schedule(&mut self, at: SimTime, event: E) -> Result<(), ScheduleError> {
        if at < self.now {
            return Err(ScheduleError { at, now: self.now });
        }
        self.push(at, event);
        Ok(())
    }

    /// Schedules at `at`, which the caller guarantees is not in the past (checked in debug builds).
    /// Models use this on the hot path where `at = now + non-negative duration`.
    #[inline]
    pub fn push(&mut self, at: SimTime, event: E) {
        debug_assert!(at >= self.now, "event scheduled in the past: {at} < {}", self.now);
        let seq = self.seq;
        self.seq += 1;
        self.heap.push(Entry { key: (at.0 as u128) << 64 | seq as u128, event });
    }

    /// Removes the earliest event and advances the clock to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let entry = self.heap.pop()?;
        self.now = entry.at();
        Some((self.now, entry.event))
    }

    /// The time of the next event without removing it.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(Entry::at)
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order_then_insertion_order() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(20), "c").unwrap();
        q.schedule(SimTime(10), "a").unwrap();
        q.schedule(SimTime(10), "b").unwrap();
        q.schedule(SimTime(0), "first").unwrap();
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(
            order,
            vec![(SimTime(0), "first"), (SimTime(10), "a"), (SimTime(10), "b"), (SimTime(20), "c")]
        );
        assert_eq!(q.now(), SimTime(20));
    }

    #[test]
    fn pops_in_the_same_order_as_a_sort_of_time_and_insertion() {
        // interleaved pushes and pops, with many equal times, against a reference order
        let mut q = EventQueue::new();
        let mut reference: Vec<(u64, u64)> = Vec::new();
        let mut popped = Vec::new();
        let mut x: u64 = 12345;
        let mut id = 0u64;
        for round in 0..20_000u64 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let now = q.now().0;
            if !x.is_multiple_of(3) || q.is_empty() {
                let at = now + (x >> 33) % 50;
                q.push(SimTime(at), id);
                reference.push((at, id));
                id += 1;
            } else if let Some((t, e)) = q.pop() {
                popped.push((t.0, e));
            }
            if round.is_multiple_of(5000) {
                assert!(q.len() <= reference.len());
            }
        }
        while let Some((t, e)) = q.pop() {
            popped.push((t.0, e));
        }
        // every event comes out once, times never go back, equal times in insertion order
        assert_eq!(popped.len(), reference.len());
        assert!(
            popped.windows(2).all(|w| w[0].0 < w[1].0 || (w[0].0 == w[1].0 && w[0].1 < w[1].1))
        );
    }

    #[test]
    fn scheduling_into_the_past_is_an_error() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(100), ()).unwrap();
        q.pop();
        assert_eq!(
            q.schedule(SimTime(99), ()),
            Err(ScheduleError { at: SimTime(99), now: SimTime(100) })
        );
        assert!(q.schedule(SimTime(100), ()).is_ok(), "scheduling at now is allowed");
    }
}
