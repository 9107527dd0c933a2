//! Amazon API Gateway in front of Lambda: throttling, integration timeouts, latency, prices.
//!
//! ```text
//!  request ──► account bucket ──► stage bucket ──► route bucket ──(any empty)──► 429
//!                                         │ a token from each
//!                                         ▼
//!                 Lambda (sync) ──throttled──► 500   ──error──► 502
//!                                         │ response after `latency`
//!                           latency > timeout ──► 504 (the invocation runs on, and bills)
//!                                         │
//!                                         ▼
//!                                200 after overhead + latency
//! ```
//!
//! Buckets follow aws-facts 2.2: they start full, refill at `rate` up to `burst`, and a request
//! needs a token from every bucket that applies (checked account, stage, route; tokens are
//! taken only when all have one, and the first empty level is blamed). Status mapping for
//! Lambda failures (not documented by AWS for every case; aws-facts 5.4): a Lambda throttle
//! becomes 500, a function error 502, a response later than the integration timeout 504. The
//! invocation's outcome is decided when it starts, so the gateway needs no events of its own.

pub mod billing;

use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

use crate::config::{ApiConfig, ApiGatewayConfig, ThrottleConfig};
use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::lambda::LambdaModel;
use crate::metrics::{Histogram, MinuteSeries};
use crate::sim::Event;
use crate::token_bucket::TokenBucket;

/// Counters of an API or one of its routes.
#[derive(Clone, Debug, Default)]
pub struct ApiStats {
    pub requests: u64,
    pub throttled_account: u64,
    pub throttled_stage: u64,
    pub throttled_route: u64,
    /// 504: the integration answered after the timeout.
    pub timeouts: u64,
    /// 500: Lambda throttled the integration.
    pub integration_throttles: u64,
    /// 502: the function failed (error or its own timeout).
    pub integration_errors: u64,
    pub completed: u64,
    /// Billed units: requests not throttled by the gateway (HTTP APIs: in 512 KB units).
    pub metered: u64,
    /// From arrival to the response, over completed requests.
    pub latency: Histogram,
}

impl ApiStats {
    pub fn throttles(&self) -> u64 {
        self.throttled_account + self.throttled_stage + self.throttled_route
    }
}

struct Route {
    function: u32,
    bucket: Option<TokenBucket>,
    stats: ApiStats,
}

struct Api {
    cfg: ApiConfig,
    stage: Option<TokenBucket>,
    routes: Vec<Route>,
    stats: ApiStats,
}

/// Every API of the account and region.
pub struct ApiGatewayModel {
    account: TokenBucket,
    apis: Vec<Api>,
    rng: Pcg64Mcg,
    warmup: SimTime,
}

fn bucket(t: &ThrottleConfig) -> TokenBucket {
    TokenBucket::per_second(t.burst as u64, t.rate)
}

/// A request's outcome at the gateway, for the statistics of the API and the route.
enum Outcome {
    Throttled(u8),
    Timeout,
    IntegrationThrottle,
    IntegrationError,
    Completed(SimDuration),
}

impl ApiGatewayModel {
    pub fn new(cfg: &ApiGatewayConfig, seed: u64, warmup: SimTime) -> Self {
        let apis = cfg
            .apis
            .iter()
            .map(|a| Api {
                stage: a.throttle.as_ref().map(bucket),
                routes: a
                    .routes
                    .iter()
                    .map(|r| Route {
                        function: r.function as u32,
                        bucket: r.throttle.as_ref().map(bucket),
                        stats: ApiStats::default(),
                    })
                    .collect(),
                stats: ApiStats::default(),
                cfg: a.clone(),
            })
            .collect();
        ApiGatewayModel {
            account: bucket(&cfg.account),
            apis,
            rng: Pcg64Mcg::seed_from_u64(seed),
            warmup,
        }
    }

    /// The function behind a route (for the workload's CPU scaling).
    pub fn route_function(&self, api: usize, route: usize) -> u32 {
        self.apis[api].routes[route].function
    }

    /// One request to `route` of `api` at `now`, of `size_kb`, whose handler runs `run`.
    #[allow(clippy::too_many_arguments)]
    pub fn request(
        &mut self,
        api: usize,
        route: usize,
        now: SimTime,
        run: SimDuration,
        size_kb: f64,
        lambda: &mut LambdaModel,
        queue: &mut EventQueue<Event>,
        series: &mut MinuteSeries,
    ) {
        let a = &mut self.apis[api];
        let r = &mut a.routes[route];
        let blocked = if !has_token(&mut self.account, now) {
            Some(0)
        } else if a.stage.as_mut().is_some_and(|b| !has_token(b, now)) {
            Some(1)
        } else if r.bucket.as_mut().is_some_and(|b| !has_token(b, now)) {
            Some(2)
        } else {
            None
        };
        let outcome = match blocked {
            Some(level) => Outcome::Throttled(level),
            None => {
                for b in [Some(&mut self.account), a.stage.as_mut(), r.bucket.as_mut()]
                    .into_iter()
                    .flatten()
                {
                    b.try_take(now);
                }
                let overhead = a.cfg.overhead.sample(&mut self.rng);
                match lambda.invoke(r.function, now, run, queue, series) {
                    None => Outcome::IntegrationThrottle,
                    Some(resp) if resp.latency > a.cfg.timeout => Outcome::Timeout,
                    Some(resp) if !resp.succeeded => Outcome::IntegrationError,
                    Some(resp) => Outcome::Completed(overhead + resp.latency),
                }
            }
        };
        let row = series.row();
        row.api_requests += 1;
        match outcome {
            Outcome::Throttled(_) => row.api_throttles += 1,
            Outcome::Timeout => row.api_timeouts += 1,
            _ => {}
        }
        if now < self.warmup {
            return;
        }
        // HTTP APIs meter requests in 512 KB units; REST APIs per request
        let units = match a.cfg.api_type {
            crate::config::ApiType::Http => (size_kb / 512.0).ceil().max(1.0) as u64,
            crate::config::ApiType::Rest => 1,
        };
        for s in [&mut a.stats, &mut r.stats] {
            s.requests += 1;
            match outcome {
                Outcome::Throttled(0) => s.throttled_account += 1,
                Outcome::Throttled(1) => s.throttled_stage += 1,
                Outcome::Throttled(_) => s.throttled_route += 1,
                Outcome::Timeout => s.timeouts += 1,
                Outcome::IntegrationThrottle => s.integration_throttles += 1,
                Outcome::IntegrationError => s.integration_errors += 1,
                Outcome::Completed(latency) => {
                    s.completed += 1;
                    s.latency.record(latency);
                }
            }
            if !matches!(outcome, Outcome::Throttled(_)) {
                s.metered += units;
            }
        }
    }

    /// Each API's config, statistics and per-route statistics.
    pub fn finish(self) -> Vec<(ApiConfig, ApiStats, Vec<ApiStats>)> {
        self.apis
            .into_iter()
            .map(|a| (a.cfg, a.stats, a.routes.into_iter().map(|r| r.stats).collect()))
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.apis.is_empty()
    }
}

#[inline]
fn has_token(b: &mut TokenBucket, now: SimTime) -> bool {
    b.available(now) >= 1
}
