//! AWS Lambda: execution environments, concurrency limits, scaling rate, billing.
//!
//! ```text
//!  request ──► provisioned env idle? ──yes──► run (warm, PC price)
//!                     │no
//!                     ▼
//!        on-demand concurrency free?  ──no──► 429 throttle
//!        (reservation, or unreserved pool)
//!                     │yes
//!                     ▼
//!           idle env (by policy)?  ──yes──► run (warm)
//!                     │no
//!                     ▼
//!           scaling token?  ──no──► 429 throttle
//!                     │yes
//!                     ▼
//!            new env: init, then run (cold start)
//!
//!  run ends ──► env idle until keep_alive expires (a timed-out env is reset instead)
//! ```
//!
//! Everything about an invocation (cold or warm, init time, timeout, error, billed duration)
//! is decided when it starts, so only its end is an event. Idle expiry is lazy: one reaper
//! event per function at the earliest expiry, instead of one cancellable event per idle period.
//! Asynchronous events wait in the function's queue ([`async_queue`]) with one timer event per
//! function in the same way.

pub mod async_queue;
pub mod at_limit;
pub mod billing;
pub mod env;
pub mod keep_alive;
pub mod logs;
pub mod phases;
mod provisioned;

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::config::{FunctionConfig, KeepAlivePolicyConfig, ProvisionedPlan, Scaling, Scenario};
use crate::engine::derive_seed;
use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::event::Event;
use crate::metrics::{Histogram, Level, MinuteSeries};
use crate::pricing::LambdaPrices;
use crate::token_bucket::TokenBucket;
use async_queue::{AsyncEvent, AsyncQueue, AsyncStats};
use billing::Usage;
pub use env::Origin;
use env::{EnvId, EnvPool};
use keep_alive::{Decision, KeepAlivePolicy};

pub use crate::event::LambdaEvent;

/// The end of an invocation started by an event-source mapping ([`Origin::Source`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub source: u32,
    pub batch: u32,
    pub started_at: SimTime,
    /// Completed without a function error or timeout.
    pub succeeded: bool,
}

/// What a synchronous caller sees of an invocation that started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Response {
    /// From the start to the response: init (on a cold start) plus the handler, cut at the
    /// function's timeout; extensions' post-invocation time comes after the response.
    pub latency: SimDuration,
    /// No function error and no timeout.
    pub succeeded: bool,
}

/// Counters of one function over the measurement window.
#[derive(Clone, Debug)]
pub struct FunctionStats {
    /// Requests and asynchronous events that arrived at the function.
    pub arrivals: u64,
    /// Invocation attempts: synchronous requests and each delivery of an asynchronous event.
    /// Every attempt is an invocation or a throttle.
    pub attempts: u64,
    pub invocations: u64,
    pub cold_starts: u64,
    pub throttles: u64,
    pub errors: u64,
    pub timeouts: u64,
    /// Invocations whose end has been simulated (any outcome).
    pub finished: u64,
    pub provisioned_invocations: u64,
    /// Latency of successful invocations (init included on cold starts).
    pub latency: Histogram,
    pub instances: Level,
    pub concurrency: Level,
    pub usage: Usage,
    /// Asynchronous invocation, event by event.
    pub asynchronous: AsyncStats,
    /// Environments loaded ahead of demand by the keep-alive policy.
    pub prewarms: u64,
    /// Provisioned concurrency configured.
    pub provisioned: Level,
    /// Init and post-invocation time totals.
    pub phases: phases::PhaseStats,
    /// Time at the reserved concurrency in the measured window (for the warnings).
    pub at_reserved: at_limit::AtLimit,
}

/// One pending timer event per function and purpose (idle expiry, async retries): a new,
/// earlier deadline supersedes the pending event by bumping the generation, so superseded
/// events are recognised when they fire and nothing is ever cancelled in the queue.
#[derive(Clone, Copy, Debug, Default)]
struct Timer {
    at: Option<SimTime>,
    generation: u32,
}

impl Timer {
    /// Asks for an event at `at`: the generation of the event to schedule, or `None` if a
    /// pending one fires no later.
    fn arm(&mut self, at: SimTime) -> Option<u32> {
        if self.at.is_some_and(|pending| pending <= at) {
            return None;
        }
        self.generation = self.generation.wrapping_add(1);
        self.at = Some(at);
        Some(self.generation)
    }

    /// Whether an event of `generation` is the pending one (and so is now consumed).
    fn fire(&mut self, generation: u32) -> bool {
        if generation != self.generation {
            return false;
        }
        self.at = None;
        true
    }
}

struct Function {
    cfg: FunctionConfig,
    pool: EnvPool,
    rng: Pcg64Mcg,
    /// On-demand concurrency cap from the reservation (reserved - provisioned), or `None` to
    /// draw from the account's unreserved pool.
    od_cap: Option<u32>,
    od_in_use: u32,
    bucket: Option<TokenBucket>,
    reaper: Timer,
    async_queue: AsyncQueue,
    async_timer: Timer,
    policy: Box<dyn KeepAlivePolicy>,
    /// Since when nothing has been running (for the policy's idle times).
    idle_since: Option<SimTime>,
    /// Pre-warms to come: (when, sequence, keep-alive after loading).
    prewarms: BinaryHeap<Reverse<(SimTime, u64, SimDuration)>>,
    prewarm_seq: u64,
    prewarm_timer: Timer,
    pc: provisioned::Provisioned,
    stats: FunctionStats,
}

/// All Lambda functions of one region and account.
pub struct LambdaModel {
    functions: Vec<Function>,
    unreserved_cap: u32,
    unreserved_used: u32,
    account_bucket: Option<TokenBucket>,
    prices: &'static LambdaPrices,
    warmup: SimTime,
    end: SimTime,
    /// Asynchronous events waiting, over all functions (for the time series).
    async_waiting: u32,
    /// CloudWatch-style invocation logs (`--logs`), attached before the run.
    logs: Option<logs::LogSink>,
}

/// Lambda's per-function scaling rate since 2023-11-27: 1,000 environments per 10 s.
fn per_function_bucket() -> TokenBucket {
    TokenBucket::new(1000, 1000, SimDuration::from_secs(10))
}

impl LambdaModel {
    /// Builds the functions, with provisioned environments initialised and idle at time 0.
    pub fn new(scenario: &Scenario, seed: u64, series: &mut MinuteSeries) -> LambdaModel {
        let lambda = &scenario.lambda;
        let warmup = SimTime(scenario.warmup.0);
        let end = SimTime(scenario.duration.0);
        let set_aside: u32 =
            lambda.functions.iter().map(|f| f.reserved.unwrap_or(f.provisioned)).sum();
        let functions = lambda
            .functions
            .iter()
            .enumerate()
            .map(|(i, cfg)| {
                let policy: Box<dyn KeepAlivePolicy> = match &cfg.keep_alive_policy {
                    KeepAlivePolicyConfig::Fixed => {
                        Box::new(keep_alive::Fixed(cfg.keep_alive.clone()))
                    }
                    KeepAlivePolicyConfig::HybridHistogram(h) => Box::new(
                        keep_alive::HybridHistogram::new(h.clone(), cfg.keep_alive.clone()),
                    ),
                };
                let constant_keep_alive = cfg.keep_alive.is_constant()
                    && cfg.keep_alive_policy == KeepAlivePolicyConfig::Fixed;
                let mut pool = EnvPool::new(lambda.idle_selection, constant_keep_alive);
                for _ in 0..cfg.provisioned {
                    let id = pool.create(true);
                    pool.release_provisioned(id);
                }
                let mut stats = FunctionStats {
                    arrivals: 0,
                    attempts: 0,
                    invocations: 0,
                    cold_starts: 0,
                    throttles: 0,
                    errors: 0,
                    timeouts: 0,
                    finished: 0,
                    provisioned_invocations: 0,
                    latency: Histogram::new(),
                    instances: Level::new(warmup, end),
                    concurrency: Level::new(warmup, end),
                    usage: Usage::of(cfg),
                    asynchronous: AsyncStats::default(),
                    prewarms: 0,
                    provisioned: Level::new(warmup, end),
                    phases: phases::PhaseStats::default(),
                    at_reserved: at_limit::AtLimit::new(cfg.reserved, (warmup, end)),
                };
                stats.provisioned.set(SimTime::ZERO, cfg.provisioned);
                stats.instances.set(SimTime::ZERO, cfg.provisioned);
                series.environments_add(SimTime::ZERO, cfg.provisioned as i32);
                let pc_gb = cfg.provisioned as f64 * cfg.memory_mb as f64 / 1024.0;
                let pc_price =
                    billing::arch_prices(scenario.prices, cfg.architecture).provisioned_gb_s;
                series.add_fixed_cost_per_second(SimTime::ZERO, pc_gb * pc_price);
                let snap_cache = billing::snap_start_cache_per_second(scenario.prices, cfg);
                series.add_fixed_cost_per_second(SimTime::ZERO, snap_cache);
                Function {
                    pool,
                    rng: Pcg64Mcg::seed_from_u64(derive_seed(seed, i as u64)),
                    od_cap: cfg.reserved.map(|r| r - cfg.provisioned),
                    od_in_use: 0,
                    bucket: (lambda.scaling == Scaling::PerFunction).then(per_function_bucket),
                    reaper: Timer::default(),
                    async_queue: AsyncQueue::default(),
                    async_timer: Timer::default(),
                    policy,
                    idle_since: None,
                    prewarms: BinaryHeap::new(),
                    prewarm_seq: 0,
                    prewarm_timer: Timer::default(),
                    pc: provisioned::Provisioned::new(cfg.provisioned),
                    stats,
                    cfg: cfg.clone(),
                }
            })
            .collect();
        let account_bucket = match lambda.scaling {
            Scaling::AccountBurst { burst } => {
                Some(TokenBucket::new(burst as u64, 500, SimDuration::from_secs(60)))
            }
            _ => None,
        };
        LambdaModel {
            functions,
            unreserved_cap: lambda.concurrency_limit.saturating_sub(set_aside),
            unreserved_used: 0,
            account_bucket,
            prices: scenario.prices,
            warmup,
            end,
            async_waiting: 0,
            logs: None,
        }
    }

    /// A synchronous invocation of `function` arriving at `now` whose handler runs for `run`
    /// (already scaled to the function's CPU): the caller's view of it, or `None` if it was
    /// throttled (429) at once because no environment could take it.
    #[inline]
    pub fn invoke(
        &mut self,
        function: u32,
        now: SimTime,
        run: SimDuration,
        queue: &mut EventQueue<Event>,
        series: &mut MinuteSeries,
    ) -> Option<Response> {
        series.row().arrivals += 1;
        series.function_request(function as usize);
        if now >= self.warmup {
            self.functions[function as usize].stats.arrivals += 1;
        }
        self.call(function, now, run, Origin::Sync, queue, series)
    }

    /// An asynchronous invocation (an event) of `function` arriving at `now`: accepted into
    /// the function's queue and delivered at once if an environment is free.
    pub fn invoke_async(
        &mut self,
        function: u32,
        now: SimTime,
        run: SimDuration,
        queue: &mut EventQueue<Event>,
        series: &mut MinuteSeries,
    ) {
        let counted = now >= self.warmup;
        let func = &mut self.functions[function as usize];
        let row = series.row();
        row.arrivals += 1;
        row.async_events += 1;
        if counted {
            func.stats.arrivals += 1;
            func.stats.asynchronous.events += 1;
        }
        let event = AsyncEvent { arrived: now, work: run, runs: 0, throttles: 0, counted };
        if func.cfg.reserved == Some(0) {
            // A function reserved at zero is fully throttled: events go straight to the
            // failure destination, without retries (docs/src/facts.md §1.2).
            Self::fail(func, event, false, series);
            return;
        }
        self.deliver(function, now, event, queue, series);
    }

    /// One delivery of a waiting asynchronous event: dropped if too old, else an attempt;
    /// a throttled attempt goes back to the queue with backoff.
    fn deliver(
        &mut self,
        function: u32,
        now: SimTime,
        mut event: AsyncEvent,
        queue: &mut EventQueue<Event>,
        series: &mut MinuteSeries,
    ) {
        let func = &mut self.functions[function as usize];
        let age = now - event.arrived;
        if age >= func.cfg.maximum_event_age {
            Self::fail(func, event, true, series);
            return;
        }
        let row = series.row();
        row.async_event_age_max_s = row.async_event_age_max_s.max(age.as_secs_f64());
        if self.call(function, now, event.work, Origin::Async(event), queue, series).is_some() {
            return;
        }
        let func = &mut self.functions[function as usize];
        event.throttles = event.throttles.saturating_add(1);
        if event.counted {
            func.stats.asynchronous.redeliveries += 1;
        }
        let backoff = async_queue::throttle_backoff(event.throttles);
        self.wait(function, now, event, backoff, queue, series);
    }

    /// Puts an event back in its function's queue for `delay` (or until it expires).
    fn wait(
        &mut self,
        function: u32,
        now: SimTime,
        event: AsyncEvent,
        delay: SimDuration,
        queue: &mut EventQueue<Event>,
        series: &mut MinuteSeries,
    ) {
        let func = &mut self.functions[function as usize];
        func.async_queue.wait(event, now, delay, func.cfg.maximum_event_age);
        let depth = func.async_queue.len() as u32;
        func.stats.asynchronous.max_queue_depth =
            func.stats.asynchronous.max_queue_depth.max(depth);
        self.async_waiting += 1;
        let row = series.row();
        row.async_queue_depth_max = row.async_queue_depth_max.max(self.async_waiting);
        Self::arm_async_timer(func, function, queue);
    }

    fn arm_prewarm_timer(func: &mut Function, function: u32, queue: &mut EventQueue<Event>) {
        if let Some(&Reverse((due, _, _))) = func.prewarms.peek()
            && let Some(generation) = func.prewarm_timer.arm(due)
        {
            queue.push(due, Event::Lambda(LambdaEvent::PrewarmDue { function, generation }));
        }
    }

    fn arm_async_timer(func: &mut Function, function: u32, queue: &mut EventQueue<Event>) {
        if let Some(due) = func.async_queue.next_due()
            && let Some(generation) = func.async_timer.arm(due)
        {
            queue.push(due, Event::Lambda(LambdaEvent::AsyncEventDue { function, generation }));
        }
    }

    /// An event that will not be retried: delivered to the `on_failure` destination.
    fn fail(func: &mut Function, event: AsyncEvent, expired: bool, series: &mut MinuteSeries) {
        series.row().async_failed += 1;
        if event.counted {
            let a = &mut func.stats.asynchronous;
            a.failed += 1;
            if expired {
                a.expired += 1;
            } else {
                a.retries_exhausted += 1;
            }
        }
    }

    /// Admits and starts one invocation attempt, or records a throttle: `None` if throttled,
    /// else what a synchronous caller (API Gateway) will see: when the response comes and
    /// whether it is a success. The outcome is decided when the invocation starts, so the
    /// caller needs no event. Event-source mappings call it with [`Origin::Source`] and learn
    /// the end from [`handle`](Self::handle).
    #[inline]
    pub fn call(
        &mut self,
        function: u32,
        now: SimTime,
        run: SimDuration,
        origin: Origin,
        queue: &mut EventQueue<Event>,
        series: &mut MinuteSeries,
    ) -> Option<Response> {
        let counted = now >= self.warmup;
        if counted {
            self.functions[function as usize].stats.attempts += 1;
        }
        match self.admit(function, now) {
            Some((env, cold)) => {
                Some(self.start(function, env, cold, now, run, origin, queue, series))
            }
            None => {
                series.row().throttles += 1;
                if counted {
                    self.functions[function as usize].stats.throttles += 1;
                }
                None
            }
        }
    }

    /// An environment for a new invocation of `function` at `now` and whether it is a cold
    /// start, or `None` if a limit throttles it. Takes the concurrency slot.
    #[inline]
    fn admit(&mut self, function: u32, now: SimTime) -> Option<(EnvId, bool)> {
        let func = &mut self.functions[function as usize];
        if let Some(env) = func.pool.take_provisioned() {
            return Some((env, false));
        }
        let slot_free = match func.od_cap {
            Some(cap) => func.od_in_use < cap,
            None => self.unreserved_used < self.unreserved_cap,
        };
        if !slot_free {
            return None;
        }
        let taken = match func.pool.take_idle() {
            Some(env) => (env, false),
            None => {
                let may_scale = match (&mut func.bucket, &mut self.account_bucket) {
                    (Some(b), _) | (None, Some(b)) => b.try_take(now),
                    (None, None) => true,
                };
                if !may_scale {
                    return None;
                }
                (func.pool.create(false), true)
            }
        };
        func.od_in_use += 1;
        if func.od_cap.is_none() {
            self.unreserved_used += 1;
        }
        Some(taken)
    }

    /// Runs an admitted invocation: decides its outcome, schedules its end, records it.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn start(
        &mut self,
        function: u32,
        env: EnvId,
        cold: bool,
        now: SimTime,
        run: SimDuration,
        origin: Origin,
        queue: &mut EventQueue<Event>,
        series: &mut MinuteSeries,
    ) -> Response {
        let counted = now >= self.warmup;
        let func = &mut self.functions[function as usize];
        let cfg = &func.cfg;
        let init = if cold { phases::cold_start(cfg, &mut func.rng) } else { SimDuration::ZERO };
        let timed_out = run > cfg.timeout;
        let handler = if timed_out { cfg.timeout } else { run };
        let error = !timed_out && cfg.error_rate > 0.0 && func.rng.random_bool(cfg.error_rate);
        // extensions keep the environment busy, and billed, after the response (phases.rs)
        let post = phases::post_invocation(cfg, handler, timed_out, &mut func.rng);
        let billed_ms = (init + handler + post.time).ceil_millis();
        let on_pc = func.pool.env(env).provisioned;
        if on_pc {
            func.pc.busy_add(now, 1);
        }

        let e = func.pool.env_mut(env);
        e.started_at = now;
        e.ready_at = now + init;
        e.reset_after = timed_out || post.cut;
        e.errored = error || timed_out;
        e.counted = counted;
        e.origin = origin;
        if let Some(logs) = &mut self.logs {
            let req = logs::LoggedRequest {
                seq: 0,
                init,
                cold,
                restore: cold && cfg.snap_start.is_some(),
                post: post.time,
                status: logs::Status::of(timed_out, error),
            };
            e.log = logs.started(function, now, req);
        }
        queue.push(
            now + init + handler + post.time,
            Event::Lambda(LambdaEvent::InvocationFinished { function, env }),
        );

        if let Some(since) = func.idle_since.take() {
            func.policy.observe_idle(now - since);
        }
        func.stats.concurrency.add(now, 1);
        func.stats.at_reserved.observe(now, func.stats.concurrency.value());
        series.concurrency_add(now, 1);
        if cold {
            func.stats.instances.add(now, 1);
            series.environments_add(now, 1);
        }

        series.record_duration(handler);
        let row = series.row();
        row.invocations += 1;
        row.cold_starts += u64::from(cold);
        row.errors += u64::from(error);
        row.timeouts += u64::from(timed_out);
        let mb_ms = billed_ms * cfg.memory_mb as u64;
        let eph_extra = cfg.ephemeral_mb - 512;
        row.cost_usd +=
            billing::list_price(self.prices, cfg.architecture, mb_ms, on_pc, eph_extra, billed_ms);
        if cold {
            row.cost_usd += billing::restore_list_price(self.prices, cfg);
        }
        let succeeds = !error && !timed_out;
        if let Origin::Async(event) = origin {
            let a = &mut func.stats.asynchronous;
            if event.counted && event.runs > 0 {
                a.retries += 1;
            }
            if event.counted && succeeds {
                a.age.record(now - event.arrived);
            }
        }

        if counted {
            let s = &mut func.stats;
            s.invocations += 1;
            s.cold_starts += u64::from(cold);
            s.errors += u64::from(error);
            s.timeouts += u64::from(timed_out);
            s.usage.requests += 1;
            if on_pc {
                s.provisioned_invocations += 1;
                s.usage.provisioned_mb_ms += mb_ms as u128;
            } else {
                s.usage.on_demand_mb_ms += mb_ms as u128;
            }
            s.usage.ephemeral_mb_ms += (billed_ms * eph_extra as u64) as u128;
            s.phases.cold_start_ns += init.0 as u128;
            s.phases.post_invocation_ns += post.time.0 as u128;
            s.usage.restores += u64::from(cold && cfg.snap_start.is_some());
            if succeeds {
                s.latency.record(init + handler);
            }
        }
        Response { latency: init + handler, succeeded: succeeds }
    }

    /// Handles one of the model's events; the end of an event-source batch is returned.
    pub fn handle(
        &mut self,
        now: SimTime,
        event: LambdaEvent,
        queue: &mut EventQueue<Event>,
        series: &mut MinuteSeries,
    ) -> Option<Outcome> {
        match event {
            LambdaEvent::InvocationFinished { function, env } => {
                return self.finished(function, env, now, queue, series);
            }
            LambdaEvent::IdleExpiryDue { function, generation } => {
                let func = &mut self.functions[function as usize];
                if !func.reaper.fire(generation) {
                    return None; // superseded by an earlier expiry
                }
                while func.pool.reap_one(now).is_some() {
                    func.stats.instances.add(now, -1);
                    series.environments_add(now, -1);
                }
                Self::schedule_reaper(func, function, self.end, queue);
            }
            LambdaEvent::ProvisionedSet { function, target } => {
                self.set_provisioned(function, now, target, queue, series);
            }
            LambdaEvent::ProvisionedReady { function, up_to } => {
                self.provisioned_ready(function, now, up_to, series);
            }
            LambdaEvent::ProvisioningTick { function } => {
                self.provisioning_tick(function, now, queue, series);
            }
            LambdaEvent::PrewarmDue { function, generation } => {
                let func = &mut self.functions[function as usize];
                if !func.prewarm_timer.fire(generation) {
                    return None;
                }
                while let Some(&Reverse((at, _, keep_for))) = func.prewarms.peek() {
                    if at > now {
                        break;
                    }
                    func.prewarms.pop();
                    // loaded off the request path: no concurrency slot, no scaling token; the
                    // provider's cost, not billed to the function
                    let env = func.pool.create(false);
                    func.pool.make_idle(env, now + keep_for);
                    func.stats.prewarms += u64::from(now >= self.warmup);
                    func.stats.instances.add(now, 1);
                    series.environments_add(now, 1);
                }
                Self::schedule_reaper(func, function, self.end, queue);
                Self::arm_prewarm_timer(func, function, queue);
            }
            LambdaEvent::AsyncEventDue { function, generation } => {
                if !self.functions[function as usize].async_timer.fire(generation) {
                    return None;
                }
                // Deliveries that are throttled again go back with a backoff of at least 1 s,
                // so this loop ends.
                while let Some(event) = self.functions[function as usize].async_queue.pop_due(now) {
                    self.async_waiting -= 1;
                    self.deliver(function, now, event, queue, series);
                }
                Self::arm_async_timer(&mut self.functions[function as usize], function, queue);
            }
        }
        None
    }

    fn finished(
        &mut self,
        function: u32,
        env: EnvId,
        now: SimTime,
        queue: &mut EventQueue<Event>,
        series: &mut MinuteSeries,
    ) -> Option<Outcome> {
        let func = &mut self.functions[function as usize];
        func.stats.concurrency.add(now, -1);
        func.stats.at_reserved.observe(now, func.stats.concurrency.value());
        series.concurrency_add(now, -1);
        if func.stats.concurrency.value() == 0 {
            func.idle_since = Some(now);
        }
        let e = func.pool.env(env);
        let (origin, failed, started_at) = (e.origin, e.errored, e.started_at);
        if e.counted {
            func.stats.finished += 1;
        }
        if let Some(logs) = &mut self.logs
            && let Some(req) = &e.log
        {
            logs.finished(function, now, e.ready_at, req);
        }
        if e.provisioned {
            func.pc.busy_add(now, -1);
            if func.pc.envs > func.pc.target {
                func.pool.destroy(env); // released while busy
                Self::provisioned_env_gone(func, now, series);
            } else {
                // A provisioned environment that timed out is re-initialised by Lambda in the
                // background; it stays allocated, so it simply becomes idle again.
                func.pool.release_provisioned(env);
            }
        } else {
            func.od_in_use -= 1;
            if func.od_cap.is_none() {
                self.unreserved_used -= 1;
            }
            if e.reset_after {
                // A timeout resets the environment: the next request pays init again.
                func.pool.destroy(env);
                func.stats.instances.add(now, -1);
                series.environments_add(now, -1);
            } else {
                match func.policy.decide(&mut func.rng) {
                    Decision::KeepFor(keep_alive) => {
                        func.pool.make_idle(env, now + keep_alive);
                        Self::schedule_reaper(func, function, self.end, queue);
                    }
                    Decision::UnloadThenPrewarm { after, keep_for } => {
                        func.pool.destroy(env);
                        func.stats.instances.add(now, -1);
                        series.environments_add(now, -1);
                        if now + after < self.end {
                            func.prewarm_seq += 1;
                            func.prewarms.push(Reverse((now + after, func.prewarm_seq, keep_for)));
                            Self::arm_prewarm_timer(func, function, queue);
                        }
                    }
                }
            }
        }
        match origin {
            Origin::Sync => None,
            Origin::Async(mut event) => {
                event.runs += 1;
                if !failed {
                    series.row().async_succeeded += 1;
                    if event.counted {
                        func.stats.asynchronous.succeeded += 1;
                    }
                } else if event.runs <= func.cfg.maximum_retry_attempts as u8 {
                    let delay = async_queue::retry_delay(event.runs);
                    self.wait(function, now, event, delay, queue, series);
                } else {
                    Self::fail(func, event, false, series);
                }
                None
            }
            Origin::Source { source, batch } => {
                Some(Outcome { source, batch, started_at, succeeded: !failed })
            }
        }
    }

    /// Makes sure a reaper event is pending at the earliest idle expiry.
    #[inline]
    fn schedule_reaper(
        func: &mut Function,
        function: u32,
        end: SimTime,
        queue: &mut EventQueue<Event>,
    ) {
        let Some(at) = func.pool.earliest_expiry() else {
            return;
        };
        if at >= end {
            return; // after the run nothing is measured: let the queue drain instead
        }
        if let Some(generation) = func.reaper.arm(at) {
            queue.push(at, Event::Lambda(LambdaEvent::IdleExpiryDue { function, generation }));
        }
    }

    /// Closes the measurement window and returns each function's config and statistics.
    pub fn finish(self) -> Vec<(FunctionConfig, FunctionStats)> {
        let window = (self.end - self.warmup).as_secs_f64();
        let end = self.end;
        self.functions
            .into_iter()
            .map(|mut f| {
                let gb = f.cfg.memory_mb as f64 / 1024.0;
                f.stats.usage.provisioned_configured_gb_s = match f.cfg.provisioned_plan {
                    // constant: AWS rounds the configured period up to 5 minutes
                    ProvisionedPlan::Constant => billing::provisioned_configured_gb_s(
                        f.cfg.provisioned,
                        f.cfg.memory_mb,
                        window,
                    ),
                    // changing: the exact configured environment-seconds
                    _ => f.stats.provisioned.mean_until(end) * window * gb,
                };
                f.stats.usage.snap_start_cached_s = window;
                f.stats.at_reserved.close(end);
                (f.cfg, f.stats)
            })
            .collect()
    }

    pub fn function_count(&self) -> usize {
        self.functions.len()
    }

    /// Run-time multiplier of a workload on a function: the CPU-bound share `cpu_bound` runs on
    /// `min(vcpu, threads)` vCPUs (contract: `d (1 - c) + d c / min(vcpu, threads)`).
    pub fn cpu_factor(&self, function: u32, cpu_bound: f64, threads: u32) -> f64 {
        let vcpu = self.functions[function as usize].cfg.vcpu();
        (1.0 - cpu_bound) + cpu_bound / vcpu.min(threads as f64)
    }
}

/// A read-only view of one function's state, for tests and progress reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FunctionView {
    /// Environments alive (initialising, busy or idle; provisioned included).
    pub environments: u32,
    /// Idle on-demand environments.
    pub idle_on_demand: u32,
    /// Executions in flight (initialising or busy).
    pub in_flight: u32,
    /// Of those in flight, environments still running init (cold starts under way).
    pub initialising: u32,
}

impl LambdaModel {
    /// The state of `function` at `now` (at or after the last event processed).
    pub fn view(&self, function: u32, now: SimTime) -> FunctionView {
        let f = &self.functions[function as usize];
        FunctionView {
            environments: f.pool.alive(),
            idle_on_demand: f.pool.idle_on_demand(),
            in_flight: f.stats.concurrency.value(),
            initialising: f.pool.initialising(now),
        }
    }

    pub fn stats(&self, function: u32) -> &FunctionStats {
        &self.functions[function as usize].stats
    }
}
