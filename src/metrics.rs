//! Metrics in bounded memory: log-linear histograms, time-weighted levels, rows of a time series.
//!
//! Nothing here grows with the number of requests: a histogram holds at most a fixed array of
//! counters (only the range of values seen), a level keeps a running integral, and the time
//! series has one row per step of simulated time: a minute, or coarser beyond
//! [`AUTO_MAX_ROWS`] minutes (see [`RowGrid`]), so it never holds more than about ten thousand
//! rows unless a scenario asks for a finer `timeseries_step`.

use crate::engine::{SimDuration, SimTime};

/// Sub-buckets per power of two: bucket width is at most 1/64 of its lower bound, so a value
/// reported as its bucket's midpoint is within 0.8% of the truth (the contract asks for 1%).
const SUB_BITS: u32 = 6;
const SUB: u64 = 1 << SUB_BITS;
/// Values from 2^51 ns (26 days: past SQS's 14-day retention) up share the last bucket (the
/// exact maximum is kept apart).
const TOP_EXP: u32 = 51;
const BUCKETS: usize = (SUB + (TOP_EXP - SUB_BITS) as u64 * SUB) as usize;

/// A log-linear histogram of nanosecond values (HdrHistogram's layout): exact below 64 ns,
/// then 64 linear sub-buckets per power of two up to 2^51 ns. Only the buckets between the
/// smallest and largest value seen are held (with some slack), so a function whose latencies
/// span a few powers of two keeps a few hundred counters (2-3 KB) instead of all 2,944 (23 KB),
/// and a histogram that stays empty costs nothing. The layout, and so every figure it gives, is
/// the same as a full array's.
#[derive(Clone)]
pub struct Histogram {
    /// Counts of buckets `lo .. lo + counts.len()`.
    counts: Vec<u64>,
    lo: usize,
    count: u64,
    sum: u128,
    min: u64,
    max: u64,
}

/// Buckets added beyond a new value when the held range grows (half a power of two), so
/// values that drift a little do not reallocate each time.
const SLACK: usize = 32;

impl Default for Histogram {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Histogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Histogram(count={}, mean={})", self.count, self.mean())
    }
}

#[inline]
fn bucket_of(v: u64) -> usize {
    if v >= 1 << TOP_EXP {
        BUCKETS - 1
    } else if v < SUB {
        v as usize
    } else {
        let exp = 63 - v.leading_zeros(); // >= SUB_BITS
        let shift = exp - SUB_BITS;
        (SUB + (shift as u64) * SUB + ((v >> shift) - SUB)) as usize
    }
}

/// The `[low, high)` range of values of bucket `i`.
fn bucket_range(i: usize) -> (u64, u64) {
    let i = i as u64;
    if i < SUB {
        (i, i + 1)
    } else {
        let shift = (i - SUB) / SUB;
        let low = (SUB + (i - SUB) % SUB) << shift;
        (low, low.saturating_add(1 << shift))
    }
}

impl Histogram {
    pub fn new() -> Self {
        Histogram { counts: Vec::new(), lo: 0, count: 0, sum: 0, min: u64::MAX, max: 0 }
    }

    #[inline]
    pub fn record(&mut self, d: SimDuration) {
        let v = d.0;
        let b = bucket_of(v);
        match b.checked_sub(self.lo).filter(|&i| i < self.counts.len()) {
            Some(i) => self.counts[i] += 1,
            None => self.grow_to(b),
        }
        self.count += 1;
        self.sum += v as u128;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }

    /// Extends the held range to bucket `b` (with [`SLACK`] beyond it) and counts a value in it.
    #[cold]
    fn grow_to(&mut self, b: usize) {
        let (lo, hi) = if self.counts.is_empty() {
            (b.saturating_sub(SLACK), (b + 1 + SLACK).min(BUCKETS))
        } else {
            let hi = self.lo + self.counts.len();
            if b < self.lo {
                (b.saturating_sub(SLACK), hi)
            } else {
                (self.lo, (b + 1 + SLACK).min(BUCKETS))
            }
        };
        let mut counts = vec![0; hi - lo];
        counts[self.lo.max(lo) - lo..][..self.counts.len()].copy_from_slice(&self.counts);
        counts[b - lo] += 1;
        (self.counts, self.lo) = (counts, lo);
    }

    /// Counters held (for memory measurements): the width of the range of values seen.
    pub fn buckets_held(&self) -> usize {
        self.counts.len()
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// Empties the histogram, keeping its buckets' memory (no allocation when reused).
    pub fn clear(&mut self) {
        self.counts.fill(0);
        (self.count, self.sum, self.min, self.max) = (0, 0, u64::MAX, 0);
    }

    /// Exact mean in nanoseconds (0 when empty).
    pub fn mean(&self) -> f64 {
        if self.count == 0 { 0.0 } else { self.sum as f64 / self.count as f64 }
    }

    /// Exact maximum in nanoseconds (0 when empty).
    pub fn max(&self) -> u64 {
        self.max
    }

    /// The `q`-quantile (0 < q <= 1) in nanoseconds: the midpoint of the bucket holding the
    /// value of rank ceil(q * count), clamped to the exact min and max. 0 when empty.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        // the extreme ranks are known exactly
        if rank == self.count {
            return self.max as f64;
        }
        if rank == 1 {
            return self.min as f64;
        }
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let (lo, hi) = bucket_range(self.lo + i);
                if hi - lo == 1 {
                    return lo as f64;
                }
                // the rank's place among the bucket's values, taken as spread evenly over it:
                // quantiles move continuously with the data instead of jumping from one
                // bucket's middle to the next (replications that differ a little no longer
                // report the same percentile)
                let within = ((rank - (seen - c)) as f64 - 0.5) / c as f64;
                let v = lo as f64 + (hi - lo) as f64 * within;
                return v.clamp(self.min as f64, self.max as f64);
            }
        }
        self.max as f64
    }

    /// Points of the empirical CDF: (upper bound of each non-empty bucket in ns, share <= it).
    pub fn cdf(&self) -> Vec<(f64, f64)> {
        let mut out = Vec::new();
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            if c > 0 {
                seen += c;
                let hi = bucket_range(self.lo + i).1.min(self.max.saturating_add(1));
                out.push((hi as f64, seen as f64 / self.count as f64));
            }
        }
        out
    }
}

/// A count that changes over time (environments alive, executions in flight), with its time
/// average and maximum over the measurement window `[start, end)`.
#[derive(Clone, Debug)]
pub struct Level {
    value: u32,
    last: SimTime,
    start: SimTime,
    end: SimTime,
    /// Integral of value over the window so far, in count x nanoseconds.
    integral: u128,
    max: u32,
}

impl Level {
    pub fn new(start: SimTime, end: SimTime) -> Self {
        Level { value: 0, last: SimTime::ZERO, start, end, integral: 0, max: 0 }
    }

    fn integrate_to(&mut self, t: SimTime) {
        let from = self.last.max(self.start);
        let to = t.min(self.end);
        if to > from {
            self.integral += self.value as u128 * (to.0 - from.0) as u128;
            // The value held at the moment the window opened counts towards the maximum.
            self.max = self.max.max(self.value);
        }
        self.last = self.last.max(t);
    }

    #[inline]
    pub fn set(&mut self, t: SimTime, value: u32) {
        self.integrate_to(t);
        self.value = value;
        if t >= self.start && t < self.end {
            self.max = self.max.max(value);
        }
    }

    #[inline]
    pub fn add(&mut self, t: SimTime, delta: i32) {
        let v = (self.value as i64 + delta as i64).max(0) as u32;
        self.set(t, v);
    }

    pub fn value(&self) -> u32 {
        self.value
    }

    /// Time average over the window, counting up to `t` (normally the window's end).
    pub fn mean_until(&mut self, t: SimTime) -> f64 {
        self.integrate_to(t);
        let len = self.end.0.saturating_sub(self.start.0);
        if len == 0 { 0.0 } else { self.integral as f64 / len as f64 }
    }

    pub fn max(&self) -> u32 {
        self.max
    }
}

/// One row of `timeseries.csv`: what happened in one step of simulated time (a minute unless
/// [`RowGrid`] makes it coarser), summed over functions. Counts and costs are sums over the
/// row, `_max` columns the most in it, `_mean` columns time-weighted means over it, and the
/// duration percentiles are of the invocations started in it. Rows cover the arrival window
/// `[0, duration)`; work that drains after it (in-flight
/// invocations, asynchronous retries) is in summary.json but in no row. Request counts are of
/// requests that arrived in the minute (asynchronous outcomes: of the minute they happened); cost is that of those requests plus the
/// minute's provisioned concurrency, at list price (before the free tier and volume tiers,
/// which apply to monthly totals, and without the 5-minute rounding of provisioned time).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct MinuteRow {
    /// The minute the row starts (its start in whole minutes since the start of the run).
    pub minute: u64,
    pub start_s: f64,
    /// 1 while in `simulation.warmup` (left out of summary.json).
    pub warmup: u8,
    pub arrivals: u64,
    pub invocations: u64,
    pub cold_starts: u64,
    pub throttles: u64,
    pub errors: u64,
    pub timeouts: u64,
    pub concurrency_mean: f64,
    pub concurrency_max: u32,
    pub environments_mean: f64,
    pub environments_max: u32,
    pub cost_usd: f64,
    /// Asynchronous events accepted, succeeded and finally failed in the minute.
    pub async_events: u64,
    pub async_succeeded: u64,
    pub async_failed: u64,
    /// Most asynchronous events waiting at once (all functions), and the oldest age of an
    /// event at delivery (CloudWatch's AsyncEventAge), in seconds.
    pub async_queue_depth_max: u32,
    pub async_event_age_max_s: f64,
    /// Requests that reached API Gateway, those it answered 429, and those it answered 504.
    pub api_requests: u64,
    pub api_throttles: u64,
    pub api_timeouts: u64,
    /// Event sources (all queues and streams): records put on them, batches invoked, records
    /// processed successfully and records finally failed (dead-lettered, discarded, expired).
    pub queue_records: u64,
    pub queue_batches: u64,
    pub queue_succeeded: u64,
    pub queue_failed: u64,
    /// Most records held at once (waiting, invisible or in an invocation), all queues.
    pub queue_backlog_max: u64,
    /// Largest age reached in the minute by a record still held (SQS's
    /// ApproximateAgeOfOldestMessage), in seconds.
    pub queue_age_max_s: f64,
    /// Services (all of them): requests that reached them, and those turned away with 503.
    pub service_requests: u64,
    pub service_rejected: u64,
    /// Median and 99th percentile of the handler run times (REPORT's `Duration`: without
    /// init; a timeout counts the timeout) of the Lambda invocations started in the minute,
    /// all functions, in ms; within 1% (the histogram's error). `None` (an empty cell) in a
    /// minute without invocations. Last of the row's columns, so the older ones keep their
    /// places.
    pub duration_p50_ms: Option<f64>,
    pub duration_p99_ms: Option<f64>,
    /// Requests generated in the minute by workloads and traces, each once whatever its
    /// number of targets (`arrivals` counts one per function reached). Appended after the
    /// duration columns, so the older ones keep their places.
    pub requests: u64,
    /// The row's length in seconds: the series' step (60 for a minute), less for a row cut by
    /// the end of the warm-up or of the run. Appended last, so the older columns keep their
    /// places.
    pub width_s: f64,
    /// Requests that reached each component, by [`ComponentSlots`] (functions, then APIs,
    /// then services), when a run has at most [`TRACKED`] of them: the `requests` chart's
    /// per-component lines. Not a `timeseries.csv` column (the per-kind totals are).
    #[serde(skip)]
    pub components: [u32; TRACKED],
}

impl MinuteRow {
    /// The row's length in minutes (`width_s` / 60; 1 for a row that does not say): what a row
    /// counts for when a figure is "minutes at a limit" and rows are wider than a minute.
    pub fn minutes(&self) -> f64 {
        if self.width_s > 0.0 { self.width_s / 60.0 } else { 1.0 }
    }
}

/// Components whose requests are counted one by one per minute: a run with more draws totals
/// per kind of component instead, so memory never grows with a fleet.
pub const TRACKED: usize = 8;

/// Where each component's per-minute count goes in [`MinuteRow::components`]: functions from
/// 0, then APIs, then services; nothing is tracked (`tracked` false) when there are more than
/// [`TRACKED`] components or fewer than two.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ComponentSlots {
    pub functions: usize,
    pub apis: usize,
    pub services: usize,
    pub tracked: bool,
}

impl ComponentSlots {
    pub fn new(functions: usize, apis: usize, services: usize) -> ComponentSlots {
        let total = functions + apis + services;
        ComponentSlots { functions, apis, services, tracked: (2..=TRACKED).contains(&total) }
    }

    /// The slot of function `i`, API `i` or service `i`.
    #[inline]
    fn function(&self, i: usize) -> Option<usize> {
        (self.tracked && i < self.functions).then_some(i)
    }

    #[inline]
    fn api(&self, i: usize) -> Option<usize> {
        (self.tracked && i < self.apis).then_some(self.functions + i)
    }

    #[inline]
    fn service(&self, i: usize) -> Option<usize> {
        (self.tracked && i < self.services).then_some(self.functions + self.apis + i)
    }
}

/// Runs of at most this many minutes keep one row per minute when `timeseries_step` is
/// "auto" (7 days); longer runs take the finest step of [`STEP_LADDER`] that keeps the rows
/// within it. A row costs about 300 bytes in memory and 200 in `timeseries.csv`.
pub const AUTO_MAX_ROWS: u64 = 7 * 24 * 60;

/// The steps "auto" chooses from, in minutes: 1 min, 5 min, 15 min, 1 h, 6 h, 1 day.
pub const STEP_LADDER: [u64; 6] = [1, 5, 15, 60, 360, 1440];

/// The step "auto" gives a run of `duration`: a minute up to [`AUTO_MAX_ROWS`] minutes, then
/// the finest of [`STEP_LADDER`] that keeps the rows within that number (a year: 1 hour).
pub fn auto_step(duration: SimDuration) -> SimDuration {
    let minutes = duration.0.div_ceil(MINUTE.0);
    let step = STEP_LADDER.iter().copied().find(|&s| minutes.div_ceil(s) <= AUTO_MAX_ROWS);
    SimDuration(step.unwrap_or(STEP_LADDER[STEP_LADDER.len() - 1]) * MINUTE.0)
}

/// Where the rows of the time series start and end: every `step` (a whole number of minutes)
/// from the start of the run, except that the row holding the end of the warm-up (rounded up
/// to a whole minute, as the 1-minute rows always did) is cut there, so no row mixes warm-up
/// and measured time, and the last row ends with the run. The per-service rows share it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RowGrid {
    pub step: SimDuration,
    warmup: SimTime,
    end: SimTime,
}

impl RowGrid {
    /// `step` `None` is "auto" ([`auto_step`] of the run's length); a step is rounded down to
    /// whole minutes, at least one (validation refuses others).
    pub fn new(step: Option<SimDuration>, warmup: SimTime, end: SimTime) -> RowGrid {
        let step = step.unwrap_or_else(|| auto_step(SimDuration(end.0)));
        let step = SimDuration((step.0 / MINUTE.0).max(1) * MINUTE.0);
        let warmup = SimTime(warmup.0.div_ceil(MINUTE.0) * MINUTE.0);
        RowGrid { step, warmup, end }
    }

    /// The end of the row starting at `start`.
    pub fn row_end(&self, start: SimTime) -> SimTime {
        let next = SimTime((start.0 / self.step.0 + 1).saturating_mul(self.step.0));
        let next = if start < self.warmup && self.warmup < next { self.warmup } else { next };
        next.min(self.end)
    }
}

/// The time series, built lazily: a row closes when the first event past its end arrives, so
/// no timer events are needed.
#[derive(Debug)]
pub struct MinuteSeries {
    rows: Vec<MinuteRow>,
    current: MinuteRow,
    row_start: SimTime,
    /// The end of the open row.
    row_end: SimTime,
    grid: RowGrid,
    warmup: SimTime,
    end: SimTime,
    concurrency: MinuteLevel,
    environments: MinuteLevel,
    /// Cost that accrues with time rather than per request (provisioned concurrency), per
    /// second, and what accrued in the current minute up to `fixed_since`.
    fixed_usd_per_s: f64,
    fixed_accrued: f64,
    fixed_since: SimTime,
    /// Records held by all queues now.
    queue_backlog: u64,
    /// Arrival of the oldest record held by a queue, as last sampled, and when the next sample
    /// is due (the end of the open minute; `None` once taken or past the end). Sampled by the
    /// run just before a minute closes, so no timer events are needed.
    queue_oldest: Option<SimTime>,
    queue_sample_due: Option<SimTime>,
    /// Handler run times of the invocations started in the open row: one histogram,
    /// emptied at each row's close, so memory stays fixed whatever the traffic.
    durations: Histogram,
    slots: ComponentSlots,
}

#[derive(Debug, Default, Clone, Copy)]
struct MinuteLevel {
    value: u32,
    last: SimTime,
    integral: u128,
    max: u32,
}

impl MinuteLevel {
    fn integrate_to(&mut self, t: SimTime) {
        if t > self.last {
            self.integral += self.value as u128 * (t.0 - self.last.0) as u128;
            self.last = t;
        }
    }
    fn add(&mut self, t: SimTime, delta: i32) {
        self.integrate_to(t);
        self.value = (self.value as i64 + delta as i64).max(0) as u32;
        self.max = self.max.max(self.value);
    }
    /// Closes a minute ending at `t`: returns (mean, max) and starts the next.
    fn close(&mut self, t: SimTime, len: SimDuration) -> (f64, u32) {
        self.integrate_to(t);
        let out = (self.integral as f64 / len.0.max(1) as f64, self.max);
        self.integral = 0;
        self.max = self.value;
        out
    }
}

pub const MINUTE: SimDuration = SimDuration::from_secs(60);

impl MinuteSeries {
    /// Rows of a minute, or of the "auto" step for a long run (see [`auto_step`]).
    pub fn new(warmup: SimTime, end: SimTime) -> Self {
        Self::with_step(warmup, end, None)
    }

    /// Rows of `step` (`None`: "auto"), laid out by [`RowGrid`].
    pub fn with_step(warmup: SimTime, end: SimTime, step: Option<SimDuration>) -> Self {
        let mut s = MinuteSeries {
            rows: Vec::new(),
            current: MinuteRow::default(),
            row_start: SimTime::ZERO,
            row_end: SimTime::ZERO,
            grid: RowGrid::new(step, warmup, end),
            warmup,
            end,
            concurrency: MinuteLevel::default(),
            environments: MinuteLevel::default(),
            fixed_usd_per_s: 0.0,
            fixed_accrued: 0.0,
            fixed_since: SimTime::ZERO,
            queue_backlog: 0,
            queue_oldest: None,
            queue_sample_due: None,
            durations: Histogram::new(),
            slots: ComponentSlots::default(),
        };
        s.open(SimTime::ZERO);
        s
    }

    /// Where the rows start and end.
    pub fn grid(&self) -> RowGrid {
        self.grid
    }

    /// Counts each component's requests per minute by `slots` (see [`ComponentSlots`]).
    pub fn track_components(&mut self, slots: ComponentSlots) {
        self.slots = slots;
    }

    /// A request reached function `i` (an arrival), API `i` or service `i` in the open minute.
    #[inline]
    pub fn function_request(&mut self, i: usize) {
        if let Some(k) = self.slots.function(i) {
            self.current.components[k] = self.current.components[k].saturating_add(1);
        }
    }

    #[inline]
    pub fn api_request(&mut self, i: usize) {
        if let Some(k) = self.slots.api(i) {
            self.current.components[k] = self.current.components[k].saturating_add(1);
        }
    }

    #[inline]
    pub fn service_request(&mut self, i: usize) {
        if let Some(k) = self.slots.service(i) {
            self.current.components[k] = self.current.components[k].saturating_add(1);
        }
    }

    fn open(&mut self, start: SimTime) {
        self.row_start = start;
        self.row_end = self.grid.row_end(start);
        self.current = MinuteRow {
            minute: start.0 / MINUTE.0,
            start_s: start.as_secs_f64(),
            warmup: u8::from(start < self.warmup),
            queue_backlog_max: self.queue_backlog,
            width_s: (self.row_end.saturating_since(start)).as_secs_f64(),
            ..MinuteRow::default()
        };
        self.queue_sample_due = (start < self.end).then_some(self.row_end);
    }

    /// Closes every row that ended at or before `t` (never past the run's end).
    #[inline]
    pub fn advance(&mut self, t: SimTime) {
        let t = t.min(self.end);
        while t >= self.row_end && self.row_start < self.end {
            self.close_current();
        }
    }

    /// Changes, from `t` on, the cost that accrues per second of simulated time (provisioned
    /// concurrency being configured or released).
    pub fn add_fixed_cost_per_second(&mut self, t: SimTime, usd_per_s: f64) {
        self.accrue_fixed(t.min(self.end));
        self.fixed_usd_per_s += usd_per_s;
    }

    fn accrue_fixed(&mut self, t: SimTime) {
        if t > self.fixed_since {
            self.fixed_accrued += self.fixed_usd_per_s * (t - self.fixed_since).as_secs_f64();
            self.fixed_since = t;
        }
    }

    fn close_current(&mut self) {
        let close_at = self.row_end;
        let len = close_at - self.row_start;
        self.accrue_fixed(close_at);
        self.current.cost_usd += std::mem::take(&mut self.fixed_accrued);
        (self.current.concurrency_mean, self.current.concurrency_max) =
            self.concurrency.close(close_at, len);
        (self.current.environments_mean, self.current.environments_max) =
            self.environments.close(close_at, len);
        if let Some(oldest) = self.queue_oldest {
            let age = close_at.saturating_since(oldest).as_secs_f64();
            self.current.queue_age_max_s = self.current.queue_age_max_s.max(age);
        }
        if self.durations.count() > 0 {
            let ms = |q: f64| (self.durations.quantile(q) / 1e3).round() / 1e3;
            self.current.duration_p50_ms = Some(ms(0.5));
            self.current.duration_p99_ms = Some(ms(0.99));
            self.durations.clear();
        }
        self.rows.push(std::mem::take(&mut self.current));
        self.open(close_at);
    }

    /// The row of the current minute (call [`advance`](Self::advance) first).
    #[inline]
    pub fn row(&mut self) -> &mut MinuteRow {
        &mut self.current
    }

    /// A Lambda invocation started in the open minute ran its handler for `d` (REPORT's
    /// `Duration`): counted in the minute's `duration_p50_ms` and `duration_p99_ms`.
    #[inline]
    pub fn record_duration(&mut self, d: SimDuration) {
        self.durations.record(d);
    }

    #[inline]
    pub fn concurrency_add(&mut self, t: SimTime, delta: i32) {
        self.concurrency.add(t.min(self.end), delta);
    }

    #[inline]
    pub fn environments_add(&mut self, t: SimTime, delta: i32) {
        self.environments.add(t.min(self.end), delta);
    }

    /// Records put on (positive) or taken off (negative) the queues.
    #[inline]
    pub fn queue_backlog_add(&mut self, delta: i64) {
        self.queue_backlog = self.queue_backlog.saturating_add_signed(delta);
        self.current.queue_backlog_max = self.current.queue_backlog_max.max(self.queue_backlog);
    }

    /// A record held since `arrived` left its queue at `now`: its age counts in the minute.
    #[inline]
    pub fn queue_record_left(&mut self, now: SimTime, arrived: SimTime) {
        let age = now.saturating_since(arrived).as_secs_f64();
        self.current.queue_age_max_s = self.current.queue_age_max_s.max(age);
    }

    /// Whether the oldest queued record must be sampled before [`advance`](Self::advance)ing to
    /// `t`: an open minute ends at or before `t`.
    #[inline]
    pub fn wants_queue_sample(&self, t: SimTime) -> bool {
        self.queue_sample_due.is_some_and(|due| t >= due)
    }

    /// The arrival of the oldest record held by any queue (`None`: all empty), valid until the
    /// next event: the open minute's oldest age is taken from it when the minute closes.
    pub fn set_queue_oldest(&mut self, oldest: Option<SimTime>) {
        self.queue_oldest = oldest;
        self.queue_sample_due = None;
    }

    /// Closes the last (possibly partial) minute and returns all rows.
    pub fn finish(mut self) -> Vec<MinuteRow> {
        self.advance(self.end);
        if self.row_start < self.end {
            self.close_current();
        }
        self.rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NANOS: u64 = crate::engine::NANOS_PER_SEC;

    #[test]
    fn buckets_cover_values_contiguously_with_bounded_width() {
        let mut prev_hi = 0;
        for i in 0..BUCKETS - 1 {
            let (lo, hi) = bucket_range(i);
            assert_eq!(lo, prev_hi, "bucket {i} starts where the previous ended");
            assert!(hi > lo);
            if lo >= SUB {
                assert!((hi - lo) as f64 / lo as f64 <= 1.0 / 64.0 + 1e-12);
            }
            assert_eq!(bucket_of(lo), i);
            assert_eq!(bucket_of(hi - 1), i);
            prev_hi = hi;
        }
    }

    /// The full-array histogram the compact one must equal: every bucket, counted directly.
    fn full_counts(values: &[u64]) -> Vec<u64> {
        let mut counts = vec![0; BUCKETS];
        for &v in values {
            counts[bucket_of(v)] += 1;
        }
        counts
    }

    proptest::proptest! {
        /// Whatever order values come in (growing the held range down and up), the compact
        /// histogram holds exactly the full array's counts, so its quantiles and CDF are those
        /// of the full layout; and every quantile is within 1% of the exact one.
        #[test]
        fn compact_histogram_equals_the_full_layout(
            values in proptest::collection::vec(
                proptest::prop_oneof![0u64..200, 1_000u64..5_000_000, 1u64 << 40..1u64 << 62],
                1..400,
            )
        ) {
            let mut h = Histogram::new();
            for &v in &values {
                h.record(SimDuration(v));
            }
            let full = full_counts(&values);
            for (b, &c) in full.iter().enumerate() {
                let held = b.checked_sub(h.lo).and_then(|i| h.counts.get(i)).copied().unwrap_or(0);
                proptest::prop_assert_eq!(held, c, "bucket {}", b);
            }
            proptest::prop_assert!(h.buckets_held() <= BUCKETS);
            let mut sorted = values.clone();
            sorted.sort_unstable();
            for q in [0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 1.0] {
                let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
                let exact = sorted[rank - 1] as f64;
                let got = h.quantile(q);
                // the documented bound: bucket width <= 1/64 of its lower end (values past
                // 2^51 ns share the last bucket and are clamped to the exact maximum)
                if exact < (1u64 << TOP_EXP) as f64 {
                    proptest::prop_assert!(
                        (got - exact).abs() <= exact / 64.0 + 1.0,
                        "q={} got {} exact {}", q, got, exact
                    );
                }
            }
        }
    }

    #[test]
    fn a_narrow_histogram_holds_few_buckets() {
        // latencies from 80 ms to 1.2 s: four powers of two, 256 buckets and the slack
        let mut h = Histogram::new();
        for i in 0..10_000u64 {
            h.record(SimDuration(80_000_000 + i * 112_000));
        }
        assert!(h.buckets_held() < 400, "{}", h.buckets_held());
        assert_eq!(h.count(), 10_000);
        assert!(Histogram::new().buckets_held() == 0, "empty costs nothing");
    }

    #[test]
    fn quantiles_are_within_one_percent() {
        let mut h = Histogram::new();
        for v in 1..=100_000u64 {
            h.record(SimDuration(v * 1000));
        }
        for q in [0.5, 0.9, 0.95, 0.99] {
            let exact = q * 100_000.0 * 1000.0;
            let got = h.quantile(q);
            // buckets are ~1.5 % wide; interpolating by rank within one is far closer for
            // values spread over it
            assert!((got - exact).abs() / exact < 0.001, "q={q}: {got} vs {exact}");
        }
        assert_eq!(h.max(), 100_000_000);
        assert!((h.mean() - 50_000_500.0).abs() < 1e-6);
        assert_eq!(h.quantile(1.0), 100_000_000.0);
    }

    #[test]
    fn values_past_the_range_share_the_last_bucket() {
        let mut h = Histogram::new();
        h.record(SimDuration(1 << 60));
        h.record(SimDuration(1 << 55));
        h.record(SimDuration(1000));
        assert_eq!(h.max(), 1 << 60);
        assert_eq!(h.quantile(1.0), (1u64 << 60) as f64);
        // reported within the last bucket, just below 2^51
        assert!(h.quantile(0.6) >= (1u64 << 50) as f64);
    }

    #[test]
    fn empty_histogram_reports_zero() {
        let h = Histogram::new();
        assert_eq!(h.quantile(0.5), 0.0);
        assert_eq!(h.mean(), 0.0);
        assert!(h.cdf().is_empty());
    }

    #[test]
    fn level_time_average_and_max_respect_the_window() {
        // window [10, 30): value 2 on [0, 20), 4 on [20, 25), 0 after
        let mut l = Level::new(SimTime(10), SimTime(30));
        l.set(SimTime(0), 2);
        l.set(SimTime(20), 4);
        l.set(SimTime(25), 0);
        l.set(SimTime(40), 9); // after the window: ignored
        let mean = l.mean_until(SimTime(30));
        assert!((mean - (2.0 * 10.0 + 4.0 * 5.0) / 20.0).abs() < 1e-12);
        assert_eq!(l.max(), 4);
    }

    #[test]
    fn level_before_window_counts_value_at_window_start() {
        let mut l = Level::new(SimTime(10), SimTime(30));
        l.set(SimTime(0), 7);
        l.set(SimTime(15), 1);
        assert_eq!(l.max(), 7);
    }

    #[test]
    fn minute_series_closes_minutes_lazily() {
        let m = MINUTE.0;
        let mut s = MinuteSeries::new(SimTime::ZERO, SimTime(3 * m));
        s.add_fixed_cost_per_second(SimTime::ZERO, 0.5); // $30 a minute, then $60 from 2.5 min
        s.environments_add(SimTime(0), 1);
        s.advance(SimTime(m / 2));
        s.row().arrivals += 1;
        s.environments_add(SimTime(m / 2), 1); // 1 for half a minute, then 2
        s.advance(SimTime(2 * m + m / 2));
        s.add_fixed_cost_per_second(SimTime(2 * m + m / 2), 0.5);
        s.row().arrivals += 5;
        let rows = s.finish();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows.iter().map(|r| r.cost_usd).collect::<Vec<_>>(), vec![30.0, 30.0, 45.0]);
        assert_eq!(rows[0].arrivals, 1);
        assert!((rows[0].environments_mean - 1.5).abs() < 1e-9);
        assert_eq!(rows[0].environments_max, 2);
        assert_eq!(rows[1].environments_mean, 2.0);
        assert_eq!(rows[2].arrivals, 5);
    }

    #[test]
    fn auto_step_keeps_a_minute_for_a_week_then_climbs_the_ladder() {
        let days = |d: u64| SimDuration::from_secs(d * 86_400);
        assert_eq!(auto_step(SimDuration::from_secs(600)), MINUTE);
        assert_eq!(auto_step(days(7)), MINUTE, "10,080 rows");
        assert_eq!(auto_step(days(8)), SimDuration::from_secs(300), "11,520 minutes: 2,304 rows");
        assert_eq!(auto_step(days(35)), SimDuration::from_secs(300), "50,400 / 5 = 10,080");
        assert_eq!(auto_step(days(36)), SimDuration::from_secs(900), "51,840 / 15 = 3,456");
        assert_eq!(auto_step(days(360)), SimDuration::from_secs(3600), "8,640 rows");
        assert_eq!(auto_step(days(366)), SimDuration::from_secs(3600), "8,784 rows");
    }

    #[test]
    fn row_grid_cuts_the_rows_at_the_warmup_and_the_end() {
        let (m, h) = (MINUTE.0, 60 * MINUTE.0);
        // hourly rows, warm-up 90 s (rounded up to 2 minutes), 2.5 hours
        let g = RowGrid::new(Some(SimDuration(h)), SimTime(90 * m / 60), SimTime(5 * h / 2));
        assert_eq!(g.row_end(SimTime(0)), SimTime(2 * m));
        assert_eq!(g.row_end(SimTime(2 * m)), SimTime(h));
        assert_eq!(g.row_end(SimTime(h)), SimTime(2 * h));
        assert_eq!(g.row_end(SimTime(2 * h)), SimTime(5 * h / 2));
        // a step that is not whole minutes is rounded down (validation refuses it)
        assert_eq!(
            RowGrid::new(Some(SimDuration(90 * m / 60)), SimTime(0), SimTime(h)).step,
            MINUTE
        );
    }

    #[test]
    fn hourly_rows_sum_counts_take_maxima_and_time_weighted_means() {
        let (m, h) = (MINUTE.0, 60 * MINUTE.0);
        let mut s = MinuteSeries::with_step(SimTime::ZERO, SimTime(3 * h), Some(SimDuration(h)));
        s.add_fixed_cost_per_second(SimTime::ZERO, 0.01); // $36 an hour
        for k in 0..90 {
            let t = SimTime(k * m);
            s.advance(t); // one arrival a minute for 90 minutes
            s.row().arrivals += 1;
            match k {
                10 => s.concurrency_add(t, 4), // 4 from 10 to 25 min: a mean of 1 over the hour
                25 => s.concurrency_add(t, -4),
                _ => {}
            }
        }
        s.environments_add(SimTime(h + 30 * m), 2); // 2 from 1.5 h on
        let rows = s.finish();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows.iter().map(|r| r.arrivals).collect::<Vec<_>>(), vec![60, 30, 0]);
        assert_eq!(rows.iter().map(|r| r.minute).collect::<Vec<_>>(), vec![0, 60, 120]);
        assert!(rows.iter().all(|r| r.width_s == 3600.0 && r.minutes() == 60.0));
        assert!(rows.iter().all(|r| (r.cost_usd - 36.0).abs() < 1e-9));
        assert_eq!((rows[0].concurrency_mean, rows[0].concurrency_max), (1.0, 4));
        assert_eq!((rows[1].environments_mean, rows[1].environments_max), (1.0, 2));
        assert_eq!((rows[2].environments_mean, rows[2].environments_max), (2.0, 2));
    }

    #[test]
    fn duration_percentiles_per_minute_and_empty_minutes_stay_empty() {
        let m = MINUTE.0;
        let ms = |v: u64| SimDuration(v * NANOS / 1000);
        let mut s = MinuteSeries::new(SimTime::ZERO, SimTime(3 * m));
        for _ in 0..10 {
            s.record_duration(ms(120));
        }
        // minute 1: nothing; minute 2: 98 runs of 100 ms and 2 of 1 s
        s.advance(SimTime(2 * m));
        for i in 0..100 {
            s.record_duration(ms(if i < 98 { 100 } else { 1000 }));
        }
        let rows = s.finish();
        assert_eq!((rows[0].duration_p50_ms, rows[0].duration_p99_ms), (Some(120.0), Some(120.0)));
        assert_eq!((rows[1].duration_p50_ms, rows[1].duration_p99_ms), (None, None));
        let (p50, p99) = (rows[2].duration_p50_ms.unwrap(), rows[2].duration_p99_ms.unwrap());
        assert!((p50 - 100.0).abs() <= 100.0 / 64.0, "{p50}");
        assert!((p99 - 1000.0).abs() <= 1000.0 / 64.0, "{p99}");
    }

    #[test]
    fn queue_backlog_and_oldest_age_per_minute() {
        let m = MINUTE.0;
        let mut s = MinuteSeries::new(SimTime::ZERO, SimTime(3 * m));
        s.queue_backlog_add(3);
        s.queue_backlog_add(-1);
        // a record held from 10 s leaves at 50 s: its age counts in minute 0
        s.queue_record_left(SimTime(50 * NANOS), SimTime(10 * NANOS));
        assert!(!s.wants_queue_sample(SimTime(m - 1)));
        assert!(s.wants_queue_sample(SimTime(m)));
        // the oldest record still held arrived at 30 s; nothing happens until 2.5 minutes
        s.set_queue_oldest(Some(SimTime(30 * NANOS)));
        s.advance(SimTime(5 * m / 2));
        s.queue_backlog_add(-2);
        let rows = s.finish();
        assert_eq!(rows[0].queue_backlog_max, 3);
        assert_eq!(rows[0].queue_age_max_s, 40.0, "the record that left beats 60 - 30");
        assert_eq!(rows[1].queue_backlog_max, 2, "the level carries into the next minute");
        assert_eq!(rows[1].queue_age_max_s, 90.0, "at the end of minute 1: 120 - 30");
        assert_eq!(rows[2].queue_age_max_s, 150.0, "the last sample holds until the end");
    }
}
