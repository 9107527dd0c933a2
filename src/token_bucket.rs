//! A token bucket in exact integer arithmetic.
//!
//! It starts full (`burst` tokens), refills continuously at `tokens` per `period` up to
//! `burst`, and each admission takes one whole token. Levels are kept in units of
//! `1 / period_ns` tokens, so refilling never rounds: 1,000 tokens per 10 s gives exactly one
//! token every 10 ms. Used for Lambda's scaling rate; API Gateway throttling uses the same.

use crate::engine::{SimDuration, SimTime};

#[derive(Clone, Debug)]
pub struct TokenBucket {
    /// Current level, in token x period_ns units.
    level: u128,
    capacity: u128,
    /// Units per whole token (= period in ns).
    per_token: u128,
    /// Units added per nanosecond (= tokens per period).
    refill_per_ns: u128,
    last: SimTime,
}

impl TokenBucket {
    /// A full bucket of `burst` tokens refilled at `tokens` per `period`.
    pub fn new(burst: u64, tokens: u64, period: SimDuration) -> Self {
        let per_token = period.0.max(1) as u128;
        TokenBucket {
            level: burst as u128 * per_token,
            capacity: burst as u128 * per_token,
            per_token,
            refill_per_ns: tokens as u128,
            last: SimTime::ZERO,
        }
    }

    /// A bucket refilled at `rate` tokens per second (kept to 1/1000 token per second).
    pub fn per_second(burst: u64, rate: f64) -> Self {
        let milli = (rate * 1000.0).round().max(0.0) as u64;
        Self::new(burst, milli, SimDuration::from_secs(1000))
    }

    fn refill(&mut self, now: SimTime) {
        if now > self.last {
            let add = (now.0 - self.last.0) as u128 * self.refill_per_ns;
            self.level = (self.level + add).min(self.capacity);
            self.last = now;
        }
    }

    /// Takes one token at `now` if there is a whole one.
    #[inline]
    pub fn try_take(&mut self, now: SimTime) -> bool {
        self.refill(now);
        if self.level >= self.per_token {
            self.level -= self.per_token;
            true
        } else {
            false
        }
    }

    /// Whole tokens available at `now`.
    pub fn available(&mut self, now: SimTime) -> u64 {
        self.refill(now);
        (self.level / self.per_token) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_full_and_refills_exactly() {
        let mut b = TokenBucket::new(1000, 1000, SimDuration::from_secs(10));
        let t0 = SimTime::ZERO;
        assert!((0..1000).all(|_| b.try_take(t0)));
        assert!(!b.try_take(t0));
        // one token every 10 ms
        assert!(!b.try_take(SimTime(9_999_999)));
        assert!(b.try_take(SimTime(10_000_000)));
        assert_eq!(b.available(SimTime(10_000_000 + 10_000_000_000)), 1000);
    }

    #[test]
    fn never_banks_more_than_the_burst() {
        let mut b = TokenBucket::new(5, 1, SimDuration::from_secs(1));
        assert_eq!(b.available(SimTime::from_secs_f64(3600.0)), 5);
    }

    #[test]
    fn rate_100_burst_50_for_100s_admits_10050_of_200_per_second() {
        // The API Gateway arithmetic: burst + rate * seconds.
        let mut b = TokenBucket::per_second(50, 100.0);
        let admitted = (0..20_000u64)
            .filter(|i| b.try_take(SimTime(i * 5_000_000))) // 200 req/s for 100 s
            .count();
        // 50 at once, then one per 10 ms of refill: the last request is at 99.995 s, by which
        // 9,999 whole tokens have been added (the 10,000th arrives at 100 s).
        assert_eq!(admitted, 50 + 9_999);
    }
}
