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

pub mod billing;
pub mod env;
pub mod logs;
pub mod runtime;

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

use crate::config::{FunctionConfig, Scaling, Scenario};
use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::metrics::{Histogram, Level, MinuteSeries};
use crate::pricing::LambdaPrices;
use crate::sim::{Event, derive_seed};
use crate::token_bucket::TokenBucket;
use billing::Usage;
use env::{EnvId, EnvPool};

/// Events of the Lambda model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LambdaEvent {
    /// An invocation ended (completed, failed or timed out); its environment is free.
    InvocationFinished { function: u32, env: EnvId },
    /// The earliest idle expiry of a function may have come. Stale unless `generation` is the
    /// function's current one.
    IdleExpiryDue { function: u32, generation: u32 },
}

/// Counters of one function over the measurement window.
#[derive(Clone, Debug)]
pub struct FunctionStats {
    pub arrivals: u64,
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
    reap_generation: u32,
    reap_at: Option<SimTime>,
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
                let mut pool = EnvPool::new(lambda.idle_selection, cfg.keep_alive.is_constant());
                for _ in 0..cfg.provisioned {
                    let id = pool.create(true);
                    pool.release_provisioned(id);
                }
                let mut stats = FunctionStats {
                    arrivals: 0,
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
                    usage: Usage { architecture: Some(cfg.architecture), ..Usage::default() },
                };
                stats.instances.set(SimTime::ZERO, cfg.provisioned);
                series.environments_add(SimTime::ZERO, cfg.provisioned as i32);
                let pc_gb = cfg.provisioned as f64 * cfg.memory_mb as f64 / 1024.0;
                let pc_price =
                    billing::arch_prices(scenario.prices, cfg.architecture).provisioned_gb_s;
                series.add_fixed_cost_per_second(pc_gb * pc_price);
                Function {
                    pool,
                    rng: Pcg64Mcg::seed_from_u64(derive_seed(seed, i as u64)),
                    od_cap: cfg.reserved.map(|r| r - cfg.provisioned),
                    od_in_use: 0,
                    bucket: (lambda.scaling == Scaling::PerFunction).then(per_function_bucket),
                    reap_generation: 0,
                    reap_at: None,
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
            logs: None,
        }
    }

    /// A synchronous invocation of `function` arriving at `now` whose handler runs for `run`
    /// (already scaled to the function's CPU). Throttled at once if no environment can take it.
    #[inline]
    pub fn invoke(
        &mut self,
        function: u32,
        now: SimTime,
        run: SimDuration,
        queue: &mut EventQueue<Event>,
        series: &mut MinuteSeries,
    ) {
        let counted = now >= self.warmup;
        let func = &mut self.functions[function as usize];
        series.row().arrivals += 1;
        if counted {
            func.stats.arrivals += 1;
        }

        let (env, cold) = if let Some(env) = func.pool.take_provisioned() {
            (env, false)
        } else {
            let slot_free = match func.od_cap {
                Some(cap) => func.od_in_use < cap,
                None => self.unreserved_used < self.unreserved_cap,
            };
            let taken = if !slot_free {
                None
            } else if let Some(env) = func.pool.take_idle() {
                Some((env, false))
            } else {
                let may_scale = match (&mut func.bucket, &mut self.account_bucket) {
                    (Some(b), _) | (None, Some(b)) => b.try_take(now),
                    (None, None) => true,
                };
                may_scale.then(|| (func.pool.create(false), true))
            };
            let Some(taken) = taken else {
                series.row().throttles += 1;
                if counted {
                    func.stats.throttles += 1;
                }
                return;
            };
            func.od_in_use += 1;
            if func.od_cap.is_none() {
                self.unreserved_used += 1;
            }
            taken
        };

        let cfg = &func.cfg;
        let init = if cold { cfg.init.sample(&mut func.rng) } else { SimDuration::ZERO };
        let timed_out = run > cfg.timeout;
        let handler = if timed_out { cfg.timeout } else { run };
        let error = !timed_out && cfg.error_rate > 0.0 && func.rng.random_bool(cfg.error_rate);
        let billed_ms = (init + handler).ceil_millis();
        let on_pc = func.pool.env(env).provisioned;

        let e = func.pool.env_mut(env);
        e.ready_at = now + init;
        e.reset_after = timed_out;
        e.counted = counted;
        if let Some(logs) = &mut self.logs {
            e.log = logs.started(function, now, init, cold, logs::Status::of(timed_out, error));
        }
        queue.push(
            now + init + handler,
            Event::Lambda(LambdaEvent::InvocationFinished { function, env }),
        );

        func.stats.concurrency.add(now, 1);
        series.concurrency_add(now, 1);
        if cold {
            func.stats.instances.add(now, 1);
            series.environments_add(now, 1);
        }

        let row = series.row();
        row.invocations += 1;
        row.cold_starts += u64::from(cold);
        row.errors += u64::from(error);
        row.timeouts += u64::from(timed_out);
        let mb_ms = billed_ms * cfg.memory_mb as u64;
        let eph_extra = cfg.ephemeral_mb - 512;
        row.cost_usd +=
            billing::list_price(self.prices, cfg.architecture, mb_ms, on_pc, eph_extra, billed_ms);

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
            if !error && !timed_out {
                s.latency.record(init + handler);
            }
        }
    }

    pub fn handle(
        &mut self,
        now: SimTime,
        event: LambdaEvent,
        queue: &mut EventQueue<Event>,
        series: &mut MinuteSeries,
    ) {
        match event {
            LambdaEvent::InvocationFinished { function, env } => {
                self.finished(function, env, now, queue, series)
            }
            LambdaEvent::IdleExpiryDue { function, generation } => {
                let func = &mut self.functions[function as usize];
                if generation != func.reap_generation {
                    return; // superseded by an earlier expiry
                }
                func.reap_at = None;
                while func.pool.reap_one(now).is_some() {
                    func.stats.instances.add(now, -1);
                    series.environments_add(now, -1);
                }
                Self::schedule_reaper(func, function, self.end, queue);
            }
        }
    }

    fn finished(
        &mut self,
        function: u32,
        env: EnvId,
        now: SimTime,
        queue: &mut EventQueue<Event>,
        series: &mut MinuteSeries,
    ) {
        let func = &mut self.functions[function as usize];
        func.stats.concurrency.add(now, -1);
        series.concurrency_add(now, -1);
        let e = func.pool.env(env);
        if e.counted {
            func.stats.finished += 1;
        }
        if let Some(logs) = &mut self.logs
            && let Some(req) = &e.log
        {
            logs.finished(function, now, e.ready_at, req);
        }
        if e.provisioned {
            // A provisioned environment that timed out is re-initialised by Lambda in the
            // background; it stays allocated, so it simply becomes idle again.
            func.pool.release_provisioned(env);
            return;
        }
        func.od_in_use -= 1;
        if func.od_cap.is_none() {
            self.unreserved_used -= 1;
        }
        if e.reset_after {
            // A timeout resets the environment: the next request pays init again.
            func.pool.destroy(env);
            func.stats.instances.add(now, -1);
            series.environments_add(now, -1);
            return;
        }
        let keep_alive = func.cfg.keep_alive.sample(&mut func.rng);
        func.pool.make_idle(env, now + keep_alive);
        Self::schedule_reaper(func, function, self.end, queue);
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
        if func.reap_at.is_some_and(|pending| pending <= at) {
            return; // a pending reaper fires first; it reschedules itself
        }
        func.reap_generation = func.reap_generation.wrapping_add(1);
        func.reap_at = Some(at);
        queue.push(
            at,
            Event::Lambda(LambdaEvent::IdleExpiryDue {
                function,
                generation: func.reap_generation,
            }),
        );
    }

    /// Closes the measurement window and returns each function's config and statistics.
    pub fn finish(self) -> Vec<(FunctionConfig, FunctionStats)> {
        let window = (self.end - self.warmup).as_secs_f64();
        self.functions
            .into_iter()
            .map(|mut f| {
                f.stats.usage.provisioned_configured_gb_s = billing::provisioned_configured_gb_s(
                    f.cfg.provisioned,
                    f.cfg.memory_mb,
                    window,
                );
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
