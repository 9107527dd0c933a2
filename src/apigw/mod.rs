//! Amazon API Gateway in front of Lambda: throttling, usage plans, authorizers, caching,
//! integration timeouts, latency and prices.
//!
//! ```text
//!  request ─► usage plan (key's bucket, quota) ─► route ─► stage ─► account ──(empty)──► 429
//!                                   │ a token from each
//!                                   ▼
//!      authorizer (cached per client for cache_ttl; a miss invokes its function) ──fail──► 500
//!                                   │
//!      REST cache (per key, ttl) ──hit──► 200 from the cache
//!                                   │ miss
//!                                   ▼
//!      Lambda (sync) ──throttled──► 500    ──error──► 502    ──slower than timeout──► 504
//!                                   │                   (the invocation runs on, and bills)
//!                                   ▼
//!                200 after overhead + authorizer + integration
//! ```
//!
//! Buckets follow docs/src/facts.md §2.2: they start full, refill at `rate` up to `burst`, and
//! a request needs a token from every bucket that applies, checked in AWS's order of precedence
//! (usage plan, route, stage, account); tokens are taken only when all have one, and the first
//! empty level is blamed. Status mapping for Lambda failures (AWS does not document every case;
//! docs/src/facts.md §5.4): a Lambda throttle becomes 500, a function error 502, a response
//! later than the integration timeout 504. An invocation's outcome is decided when it starts, so
//! the gateway needs an event only to start the integration after an authorizer has answered.

pub mod billing;

use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Exp};
use rand_pcg::Pcg64Mcg;

use crate::config::{ApiConfig, ApiGatewayConfig, ApiType, Integration, ThrottleConfig};
use crate::dist::Dist;
use crate::engine::{EventQueue, SimDuration, SimTime};
pub use crate::event::ApiEvent;
use crate::event::Event;
use crate::lambda::LambdaModel;
use crate::metrics::{Histogram, MinuteSeries};
use crate::service::{Admission, Answered, ServiceModel};
use crate::token_bucket::TokenBucket;

/// Counters of an API or one of its routes.
#[derive(Clone, Debug, Default)]
pub struct ApiStats {
    pub requests: u64,
    pub throttled_account: u64,
    pub throttled_stage: u64,
    pub throttled_route: u64,
    /// By a usage plan's bucket, or its quota.
    pub throttled_plan: u64,
    pub throttled_quota: u64,
    /// 504: the integration answered after the timeout.
    pub timeouts: u64,
    /// 500: Lambda throttled the integration.
    pub integration_throttles: u64,
    /// 502: the function failed (error or its own timeout).
    pub integration_errors: u64,
    /// 500: the authorizer was throttled or failed.
    pub authorizer_failures: u64,
    pub authorizer_invocations: u64,
    pub authorizer_cache_hits: u64,
    pub cache_hits: u64,
    pub cache_misses: u64,
    pub completed: u64,
    /// Billed units: requests not throttled by the gateway (HTTP APIs: in 512 KB units;
    /// WebSocket messages in 32 KB units).
    pub metered: u64,
    /// WebSocket: connections opened, refused (over 500 new per second), and their minutes.
    pub connections: u64,
    pub connections_refused: u64,
    pub connection_minutes: u64,
    /// From arrival to the response, over completed requests.
    pub latency: Histogram,
}

impl ApiStats {
    pub fn throttles(&self) -> u64 {
        self.throttled_account
            + self.throttled_stage
            + self.throttled_route
            + self.throttled_plan
            + self.throttled_quota
    }
}

struct Route {
    integration: Integration,
    bucket: Option<TokenBucket>,
    /// Authorizer result cache: expiry per client.
    authorized_until: Vec<SimTime>,
    stats: ApiStats,
}

struct Plan {
    bucket: Option<TokenBucket>,
    used: u64,
    period_index: u64,
}

struct Api {
    cfg: ApiConfig,
    stage: Option<TokenBucket>,
    routes: Vec<Route>,
    plans: Vec<Plan>,
    /// Response cache: expiry per key.
    cached_until: Vec<SimTime>,
    stats: ApiStats,
}

/// A request waiting for its authorizer's answer.
#[derive(Clone, Copy, Debug)]
struct Pending {
    api: u32,
    route: u32,
    arrived: SimTime,
    overhead: SimDuration,
    run: SimDuration,
    units: u64,
    counted: bool,
    cache_key: Option<u32>,
    /// The request's CPU-bound share (for a service integration).
    cpu_bound: f32,
    /// When the integration was called.
    sent: SimTime,
}

/// One request as it is sent to the gateway.
#[derive(Clone, Copy, Debug)]
pub struct Request {
    pub api: usize,
    pub route: usize,
    pub run: SimDuration,
    pub size_kb: f64,
    pub api_key: Option<usize>,
    pub clients: u32,
    /// The workload (WebSocket connections draw their messages' work from it).
    pub workload: usize,
    pub cpu_bound: f64,
}

/// What a WebSocket workload's connections do, and its messages' work.
#[derive(Clone, Debug)]
pub struct Messages {
    pub lifetime: Dist,
    pub gap: Exp<f64>,
    pub work: Dist,
    /// CPU multiplier of the route's function.
    pub factor: f64,
}

/// An open WebSocket connection: its next message is its only pending event.
#[derive(Clone, Copy, Debug)]
struct Connection {
    request: Request,
    opened: SimTime,
    /// The client's own end, capped at the 2-hour maximum.
    ends: SimTime,
    last_message: SimTime,
}

/// API Gateway closes a WebSocket connection after 2 hours, or 10 minutes without a
/// message; it accepts 500 new connections per second per account (docs/src/facts.md §2.1).
const MAX_CONNECTION: SimDuration = SimDuration::from_secs(2 * 3600);
const IDLE_TIMEOUT: SimDuration = SimDuration::from_secs(600);
const NEW_CONNECTIONS_PER_SECOND: u64 = 500;

/// Every API of the account and region.
pub struct ApiGatewayModel {
    account: TokenBucket,
    apis: Vec<Api>,
    rng: Pcg64Mcg,
    warmup: SimTime,
    pending: Vec<Pending>,
    free: Vec<u32>,
    /// WebSocket: new-connection bucket, open connections (a slab), per-workload behaviour.
    new_connections: TokenBucket,
    connections: Vec<Connection>,
    free_connections: Vec<u32>,
    messages: Vec<Option<Messages>>,
}

fn bucket(t: &ThrottleConfig) -> TokenBucket {
    TokenBucket::per_second(t.burst as u64, t.rate)
}

/// How a request ended at the gateway.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Outcome {
    Throttled(Level),
    AuthorizerFailed,
    Timeout,
    IntegrationThrottle,
    IntegrationError,
    Completed(SimDuration),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    Plan,
    Quota,
    Route,
    Stage,
    Account,
}

impl ApiGatewayModel {
    /// `messages[w]` describes workload `w`'s WebSocket connections, if it has any.
    pub fn new(
        cfg: &ApiGatewayConfig,
        seed: u64,
        warmup: SimTime,
        messages: Vec<Option<Messages>>,
    ) -> Self {
        let apis = cfg
            .apis
            .iter()
            .map(|a| Api {
                stage: a.throttle.as_ref().map(bucket),
                routes: a
                    .routes
                    .iter()
                    .map(|r| Route {
                        integration: r.integration,
                        bucket: r.throttle.as_ref().map(bucket),
                        authorized_until: Vec::new(),
                        stats: ApiStats::default(),
                    })
                    .collect(),
                plans: a
                    .usage_plans
                    .iter()
                    .map(|p| Plan {
                        bucket: p.throttle.as_ref().map(bucket),
                        used: 0,
                        period_index: 0,
                    })
                    .collect(),
                cached_until: vec![SimTime::ZERO; a.cache.map_or(0, |c| c.keys as usize)],
                stats: ApiStats::default(),
                cfg: a.clone(),
            })
            .collect();
        ApiGatewayModel {
            account: bucket(&cfg.account),
            apis,
            rng: Pcg64Mcg::seed_from_u64(seed),
            warmup,
            pending: Vec::new(),
            free: Vec::new(),
            new_connections: TokenBucket::new(
                NEW_CONNECTIONS_PER_SECOND,
                NEW_CONNECTIONS_PER_SECOND,
                SimDuration::from_secs(1),
            ),
            connections: Vec::new(),
            free_connections: Vec::new(),
            messages,
        }
    }

    /// A client opens a WebSocket connection at `now` (the workload's arrival).
    fn open(
        &mut self,
        req: Request,
        now: SimTime,
        lambda: &mut LambdaModel,
        queue: &mut EventQueue<Event>,
        series: &mut MinuteSeries,
    ) {
        let counted = now >= self.warmup;
        if !self.new_connections.try_take(now) {
            if counted {
                self.apis[req.api].stats.connections_refused += 1;
            }
            return;
        }
        // a WebSocket API's authorizer runs once, on connect; a failure refuses the connection
        let a = &mut self.apis[req.api];
        if let Some(au) = &a.cfg.routes[req.route].authorizer {
            let run = au.duration.sample(&mut self.rng);
            let ok = lambda
                .invoke(au.function as u32, now, run, queue, series)
                .is_some_and(|r| r.succeeded);
            for s in [&mut a.stats, &mut a.routes[req.route].stats].into_iter().filter(|_| counted)
            {
                s.authorizer_invocations += 1;
                s.authorizer_failures += u64::from(!ok);
            }
            if !ok {
                if counted {
                    a.stats.connections_refused += 1;
                }
                return;
            }
        }
        let Some(m) = &self.messages[req.workload] else { return };
        let lifetime = m.lifetime.sample(&mut self.rng);
        let conn = Connection {
            request: req,
            opened: now,
            ends: now + lifetime.min(MAX_CONNECTION),
            last_message: now,
        };
        if counted {
            self.apis[req.api].stats.connections += 1;
        }
        let id = match self.free_connections.pop() {
            Some(id) => {
                self.connections[id as usize] = conn;
                id
            }
            None => {
                self.connections.push(conn);
                (self.connections.len() - 1) as u32
            }
        };
        self.schedule_message(id, queue);
    }

    /// Schedules the connection's next message, or its close if that comes first.
    fn schedule_message(&mut self, id: u32, queue: &mut EventQueue<Event>) {
        let conn = self.connections[id as usize];
        let Some(m) = &self.messages[conn.request.workload] else { return };
        let gap = SimDuration::from_secs_f64(m.gap.sample(&mut self.rng));
        let close = conn.ends.min(conn.last_message + IDLE_TIMEOUT);
        let at = (conn.last_message + gap).min(close);
        queue.push(at, Event::Api(ApiEvent::MessageDue { connection: id }));
    }

    fn message_due(
        &mut self,
        id: u32,
        now: SimTime,
        lambda: &mut LambdaModel,
        services: &mut ServiceModel,
        queue: &mut EventQueue<Event>,
        series: &mut MinuteSeries,
    ) {
        let conn = self.connections[id as usize];
        let close = conn.ends.min(conn.last_message + IDLE_TIMEOUT);
        if now >= close {
            // billed per started minute of the connection
            if conn.opened >= self.warmup {
                let minutes = (now - conn.opened).0.div_ceil(60_000_000_000);
                self.apis[conn.request.api].stats.connection_minutes += minutes;
            }
            self.free_connections.push(id);
            return;
        }
        self.connections[id as usize].last_message = now;
        if let Some(m) = &self.messages[conn.request.workload] {
            let work = m.work.sample(&mut self.rng);
            let run = SimDuration((work.0 as f64 * m.factor).round() as u64);
            self.send(Request { run, ..conn.request }, now, lambda, services, queue, series);
        }
        self.schedule_message(id, queue);
    }

    /// What a route integrates with (for the workload's CPU scaling).
    pub fn route_integration(&self, api: usize, route: usize) -> Integration {
        self.apis[api].routes[route].integration
    }

    /// The first bucket (in AWS's order of precedence) without a token, or `None` after taking
    /// a token from each.
    fn admit(&mut self, req: &Request, now: SimTime) -> Option<Level> {
        let a = &mut self.apis[req.api];
        let plan = req.api_key.map(|k| (&mut a.plans[k], a.cfg.usage_plans[k].quota));
        let route = &mut a.routes[req.route];
        let mut plan = plan;
        if let Some((p, quota)) = plan.as_mut() {
            if let Some((limit, period)) = *quota {
                let index = now.0 / period.0;
                if index != p.period_index {
                    (p.period_index, p.used) = (index, 0);
                }
                if p.used >= limit {
                    return Some(Level::Quota);
                }
            }
            if p.bucket.as_mut().is_some_and(|b| !has_token(b, now)) {
                return Some(Level::Plan);
            }
        }
        if route.bucket.as_mut().is_some_and(|b| !has_token(b, now)) {
            return Some(Level::Route);
        }
        if a.stage.as_mut().is_some_and(|b| !has_token(b, now)) {
            return Some(Level::Stage);
        }
        if !has_token(&mut self.account, now) {
            return Some(Level::Account);
        }
        let plan_bucket = plan.map(|(p, _)| {
            p.used += 1;
            &mut p.bucket
        });
        let buckets =
            [plan_bucket.and_then(Option::as_mut), route.bucket.as_mut(), a.stage.as_mut()];
        for b in buckets.into_iter().flatten().chain([&mut self.account]) {
            b.try_take(now);
        }
        None
    }

    /// One request arriving at `now` (for a WebSocket API: a connection opening).
    pub fn request(
        &mut self,
        req: Request,
        now: SimTime,
        lambda: &mut LambdaModel,
        services: &mut ServiceModel,
        queue: &mut EventQueue<Event>,
        series: &mut MinuteSeries,
    ) {
        if self.apis[req.api].cfg.api_type == ApiType::WebSocket {
            self.open(req, now, lambda, queue, series);
        } else {
            self.send(req, now, lambda, services, queue, series);
        }
    }

    /// One request (or WebSocket message) through throttles, authorizer, cache, integration.
    fn send(
        &mut self,
        req: Request,
        now: SimTime,
        lambda: &mut LambdaModel,
        services: &mut ServiceModel,
        queue: &mut EventQueue<Event>,
        series: &mut MinuteSeries,
    ) {
        let counted = now >= self.warmup;
        series.row().api_requests += 1;
        series.api_request(req.api);
        // HTTP APIs meter requests in 512 KB units; REST APIs per request
        let units = match self.apis[req.api].cfg.api_type {
            ApiType::Http => (req.size_kb / 512.0).ceil().max(1.0) as u64,
            ApiType::WebSocket => (req.size_kb / 32.0).ceil().max(1.0) as u64,
            ApiType::Rest => 1,
        };
        if let Some(level) = self.admit(&req, now) {
            series.row().api_throttles += 1;
            self.record(req.api, req.route, counted, Outcome::Throttled(level), 0);
            return;
        }
        let a = &mut self.apis[req.api];
        let overhead = a.cfg.overhead.sample(&mut self.rng);
        // the authorizer, cached per client (WebSocket APIs authorize the connection instead)
        let mut auth_latency = SimDuration::ZERO;
        let authorizer = a.cfg.routes[req.route].authorizer.as_ref();
        if let Some(au) = authorizer.filter(|_| a.cfg.api_type != ApiType::WebSocket) {
            let client = self.rng.random_range(0..req.clients.max(1)) as usize;
            let Route { authorized_until: cache, stats: s, .. } = &mut a.routes[req.route];
            if cache.len() <= client {
                cache.resize(client + 1, SimTime::ZERO);
            }
            let hit = au.cache_ttl > SimDuration::ZERO && cache[client] > now;
            for s in [&mut a.stats, s].into_iter().filter(|_| counted) {
                if hit {
                    s.authorizer_cache_hits += 1;
                } else {
                    s.authorizer_invocations += 1;
                }
            }
            if !hit {
                let run = au.duration.sample(&mut self.rng);
                match lambda.invoke(au.function as u32, now, run, queue, series) {
                    Some(r) if r.succeeded => {
                        auth_latency = r.latency;
                        cache[client] = now + auth_latency + au.cache_ttl;
                    }
                    _ => {
                        // not billed, as AWS does not bill requests refused by authorization
                        self.record(req.api, req.route, counted, Outcome::AuthorizerFailed, 0);
                        return;
                    }
                }
            }
        }
        let cache_key = a.cfg.cache.map(|c| self.rng.random_range(0..c.keys));
        let p = Pending {
            api: req.api as u32,
            route: req.route as u32,
            arrived: now,
            overhead,
            run: req.run,
            units,
            counted,
            cache_key,
            cpu_bound: req.cpu_bound as f32,
            sent: now,
        };
        if auth_latency == SimDuration::ZERO {
            self.integrate(p, now, lambda, services, queue, series);
        } else {
            let slot = self.park(p);
            let ev = ApiEvent::AuthorizerAnswered { slot };
            queue.push(now + auth_latency, Event::Api(ev));
        }
    }

    pub fn handle(
        &mut self,
        now: SimTime,
        event: ApiEvent,
        lambda: &mut LambdaModel,
        services: &mut ServiceModel,
        queue: &mut EventQueue<Event>,
        series: &mut MinuteSeries,
    ) {
        match event {
            ApiEvent::AuthorizerAnswered { slot } => {
                let p = self.pending[slot as usize];
                self.free.push(slot);
                self.integrate(p, now, lambda, services, queue, series);
            }
            ApiEvent::MessageDue { connection } => {
                self.message_due(connection, now, lambda, services, queue, series)
            }
        }
    }

    /// The cache, then the integration, of an admitted (and authorized) request.
    fn integrate(
        &mut self,
        p: Pending,
        now: SimTime,
        lambda: &mut LambdaModel,
        services: &mut ServiceModel,
        queue: &mut EventQueue<Event>,
        series: &mut MinuteSeries,
    ) {
        let (api, route) = (p.api as usize, p.route as usize);
        let a = &mut self.apis[api];
        let before = now - p.arrived + p.overhead;
        if let (Some(_), Some(key)) = (a.cfg.cache, p.cache_key) {
            let hit = a.cached_until[key as usize] > now;
            for s in [&mut a.stats, &mut a.routes[route].stats] {
                if p.counted {
                    if hit {
                        s.cache_hits += 1;
                    } else {
                        s.cache_misses += 1;
                    }
                }
            }
            if hit {
                self.record(api, route, p.counted, Outcome::Completed(before), p.units);
                return;
            }
        }
        let p = Pending { sent: now, ..p };
        match a.routes[route].integration {
            Integration::Function(function) => {
                let resp = lambda.invoke(function as u32, now, p.run, queue, series);
                self.conclude(p, resp.map(|r| (r.latency, r.succeeded)), series);
            }
            Integration::Service(svc) => {
                let slot = self.park(p);
                let cpu = p.cpu_bound as f64;
                match services.request(svc, now, (p.run, cpu, slot), queue, series) {
                    Admission::Rejected => {
                        self.free.push(slot);
                        // a 503 from the service, counted with the integration's 5xx errors
                        self.conclude(p, Some((SimDuration::ZERO, false)), series);
                    }
                    Admission::Queued => {} // answered when it ends
                    Admission::Started(answer) => {
                        if let Some(a) = answer {
                            self.service_answered(a, series);
                        }
                    }
                }
            }
        }
    }

    /// A service integration's answer: `latency` from the call to the response (an error if
    /// the request was cut: its Spot task stopped, or its deregistration delay passed).
    pub fn service_answered(&mut self, a: Answered, series: &mut MinuteSeries) {
        let p = self.pending[a.token as usize];
        self.free.push(a.token);
        self.conclude(p, Some((a.latency, a.ok)), series);
    }

    /// Records how an integration ended: `None` if it was throttled, else its latency (from
    /// the call) and whether it succeeded.
    fn conclude(
        &mut self,
        p: Pending,
        resp: Option<(SimDuration, bool)>,
        series: &mut MinuteSeries,
    ) {
        let (api, route) = (p.api as usize, p.route as usize);
        let a = &mut self.apis[api];
        let before = p.sent - p.arrived + p.overhead;
        let timeout = a.cfg.timeout;
        let outcome = match resp {
            None => Outcome::IntegrationThrottle,
            Some((latency, _)) if latency > timeout => Outcome::Timeout,
            Some((_, false)) => Outcome::IntegrationError,
            Some((latency, true)) => Outcome::Completed(before + latency),
        };
        if outcome == Outcome::Timeout {
            series.row().api_timeouts += 1;
        }
        // a successful response is cached from when it is ready
        if let (Some(cache), Some(key), Outcome::Completed(latency)) =
            (a.cfg.cache, p.cache_key, outcome)
        {
            a.cached_until[key as usize] = p.arrived + latency + cache.ttl;
        }
        self.record(api, route, p.counted, outcome, p.units);
    }

    /// Keeps a request in the pending slab; its slot.
    fn park(&mut self, p: Pending) -> u32 {
        match self.free.pop() {
            Some(slot) => {
                self.pending[slot as usize] = p;
                slot
            }
            None => {
                self.pending.push(p);
                (self.pending.len() - 1) as u32
            }
        }
    }

    fn record(&mut self, api: usize, route: usize, counted: bool, outcome: Outcome, units: u64) {
        if !counted {
            return;
        }
        let a = &mut self.apis[api];
        for s in [&mut a.stats, &mut a.routes[route].stats] {
            s.requests += 1;
            match outcome {
                Outcome::Throttled(Level::Plan) => s.throttled_plan += 1,
                Outcome::Throttled(Level::Quota) => s.throttled_quota += 1,
                Outcome::Throttled(Level::Route) => s.throttled_route += 1,
                Outcome::Throttled(Level::Stage) => s.throttled_stage += 1,
                Outcome::Throttled(Level::Account) => s.throttled_account += 1,
                Outcome::AuthorizerFailed => s.authorizer_failures += 1,
                Outcome::Timeout => s.timeouts += 1,
                Outcome::IntegrationThrottle => s.integration_throttles += 1,
                Outcome::IntegrationError => s.integration_errors += 1,
                Outcome::Completed(latency) => {
                    s.completed += 1;
                    s.latency.record(latency);
                }
            }
            s.metered += units;
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
