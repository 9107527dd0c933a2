//! How long a function's concurrency is held at its reserved concurrency: the measured minutes
//! spent mostly (at least half the minute) at the limit. One open minute and two counters per
//! function, updated where concurrency changes (no events, nothing per request). The warnings
//! read it (`at_concurrency_limit`).
//!
//! Whole minutes rather than the total time, so that a function with a reservation of 1 that
//! is busy a tenth of the time (at its limit whenever it runs) does not warn after ten
//! minutes, while one held at its limit with short dips between invocations does.

use crate::engine::{SimDuration, SimTime};
use crate::metrics::MINUTE;

/// The measured minutes spent mostly at `limit`.
#[derive(Debug, Clone, Copy)]
pub struct AtLimit {
    /// `None`: no limit to watch (the function is not reserved, or reserved at 0, where every
    /// request is throttled and the throttles warning speaks instead).
    limit: Option<u32>,
    window: (SimTime, SimTime),
    /// Since when the value has been at the limit.
    since: Option<SimTime>,
    /// The minute (index from time 0) being summed, and its time at the limit so far.
    minute: u64,
    in_minute: SimDuration,
    minutes: u32,
}

impl AtLimit {
    pub fn new(limit: Option<u32>, window: (SimTime, SimTime)) -> Self {
        let limit = limit.filter(|&l| l > 0);
        AtLimit { limit, window, since: None, minute: 0, in_minute: SimDuration::ZERO, minutes: 0 }
    }

    /// The value became `value` at `t` (calls come in time order).
    #[inline]
    pub fn observe(&mut self, t: SimTime, value: u32) {
        let Some(limit) = self.limit else { return };
        match (value >= limit, self.since) {
            (true, None) => self.since = Some(t),
            (false, Some(since)) => {
                self.add(since, t);
                self.since = None;
            }
            _ => {}
        }
    }

    /// Closes a stretch still at the limit at `t` (the run's end) and the last minute.
    pub fn close(&mut self, t: SimTime) {
        if let Some(since) = self.since.take() {
            self.add(since, t);
        }
        self.end_minute();
    }

    /// `[from, to)` at the limit, clipped to the window, spread over the minutes it covers.
    fn add(&mut self, from: SimTime, to: SimTime) {
        let (mut lo, hi) = (from.max(self.window.0), to.min(self.window.1));
        while lo < hi {
            let m = lo.0 / MINUTE.0;
            if m != self.minute {
                self.end_minute();
                self.minute = m;
            }
            let next = SimTime((m + 1) * MINUTE.0).min(hi);
            self.in_minute = self.in_minute + (next - lo);
            lo = next;
        }
    }

    fn end_minute(&mut self) {
        if self.in_minute.0 * 2 >= MINUTE.0 {
            self.minutes += 1;
        }
        self.in_minute = SimDuration::ZERO;
    }

    /// Measured minutes spent at least half at the limit (0 without a limit).
    pub fn minutes(&self) -> u32 {
        self.minutes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: u64) -> SimTime {
        SimTime(x * 1_000_000_000)
    }

    #[test]
    fn counts_the_minutes_mostly_at_the_limit_inside_the_window() {
        let mut a = AtLimit::new(Some(2), (s(60), s(600)));
        a.observe(s(0), 2); // held from 0: minute 0 is warm-up, minute 1 counts
        a.observe(s(100), 1); // 40 s of minute 1
        a.observe(s(150), 2); // 30 s of minute 2 (from 150 to 180)...
        a.observe(s(170), 3); // (still at or above the limit)
        a.observe(s(190), 1); // ... and 10 s of minute 3
        a.observe(s(240), 2); // minutes 4 and 5 whole, minute 6 for 29 s
        a.observe(s(389), 0);
        a.close(s(700));
        assert_eq!(a.minutes(), 1 + 1 + 2);
    }

    #[test]
    fn short_busy_spells_and_a_zero_reservation_count_nothing() {
        // busy a tenth of every second at a reservation of 1
        let mut a = AtLimit::new(Some(1), (s(0), s(600)));
        for k in 0..600 {
            a.observe(SimTime(k * 1_000_000_000), 1);
            a.observe(SimTime(k * 1_000_000_000 + 100_000_000), 0);
        }
        a.close(s(600));
        assert_eq!(a.minutes(), 0);
        let mut none = AtLimit::new(Some(0), (s(0), s(600)));
        none.observe(s(0), 0);
        none.close(s(600));
        assert_eq!(none.minutes(), 0);
    }
}
