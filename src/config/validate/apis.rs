//! `[apigateway]` and `[[api]]`: throttles, timeouts, routes and what they integrate with.

use std::collections::HashSet;

use super::Checker;
use crate::config::raw::*;
use crate::config::*;
use crate::dist::Dist;
use crate::problem::clip;

/// Account-level throttle of API Gateway per region (docs/src/facts.md §2.2, since 2017-06-06).
const ACCOUNT: ThrottleConfig = ThrottleConfig { rate: 10_000.0, burst: 5_000 };

pub(super) fn validate_apis(
    c: &mut Checker,
    gateway: Option<&RawApiGateway>,
    raw: &[RawApi],
    functions: &[FunctionConfig],
    services: &[ServiceConfig],
    base_dir: &std::path::Path,
) -> ApiGatewayConfig {
    let account = match gateway {
        None => ACCOUNT,
        Some(g) => throttle(
            c,
            "apigateway",
            &RawThrottle {
                rate: g.rate.unwrap_or(ACCOUNT.rate),
                burst: g.burst.unwrap_or(ACCOUNT.burst as i64),
            },
        ),
    };
    let mut names = HashSet::new();
    let mut apis = Vec::new();
    for (i, a) in raw.iter().enumerate() {
        let i = &super::item_key("api", i, &a.name);
        let key = |k: &str| format!("{i}.{k}");
        if a.name.is_empty() || !names.insert(a.name.as_str()) {
            c.bad(key("name"), format!("\"{}\" must be non-empty and unique", a.name));
        }
        let api_type = match a.api_type.unwrap_or(RawApiType::Http) {
            RawApiType::Http => ApiType::Http,
            RawApiType::Rest => ApiType::Rest,
            RawApiType::Websocket => ApiType::WebSocket,
        };
        let endpoint = match a.endpoint.unwrap_or(RawEndpoint::Regional) {
            RawEndpoint::Regional => Endpoint::Regional,
            RawEndpoint::Edge => Endpoint::Edge,
            RawEndpoint::Private => Endpoint::Private,
        };
        if api_type != ApiType::Rest && endpoint != Endpoint::Regional {
            let msg = "HTTP and WebSocket APIs are regional only (edge and private are REST)";
            c.bad(key("endpoint"), msg);
        }
        // docs/src/facts.md §2.1: REST 50 ms..29 s by default, up to 300 s for regional and
        // private (since 2024-06); HTTP 30 s hard
        let (default_ms, max_ms) = match (api_type, endpoint) {
            (ApiType::Http, _) => (30_000, 30_000),
            (ApiType::WebSocket, _) => (29_000, 29_000),
            (ApiType::Rest, Endpoint::Edge) => (29_000, 29_000),
            (ApiType::Rest, _) => (29_000, 300_000),
        };
        let timeout = a.timeout.map(|t| t.0).unwrap_or(SimDuration::from_millis(default_ms));
        if timeout < SimDuration::from_millis(50) || timeout > SimDuration::from_millis(max_ms) {
            let max = SimDuration::from_millis(max_ms);
            c.bad(
                key("timeout"),
                format!("\"{timeout}\" is out of range; allowed \"50ms\"..=\"{max}\""),
            );
        }
        let stage = a.throttle.as_ref().map(|t| throttle(c, &key("throttle"), t));
        let overhead = match &a.overhead {
            Some(d) => {
                c.dist(&key("overhead"), d, base_dir).unwrap_or(Dist::Constant(SimDuration::ZERO))
            }
            None => Dist::Constant(default_overhead(api_type, endpoint)),
        };
        let mut routes = Vec::new();
        let mut route_names = HashSet::new();
        if a.route.is_empty() {
            c.bad(key("route"), "no [[api.route]]: an API needs at least one route");
        }
        for (j, r) in a.route.iter().enumerate() {
            let rat = super::item_key(&format!("{i}.route"), j, &r.route);
            let rkey = |k: &str| format!("{rat}.{k}");
            if !route_names.insert(r.route.as_str()) {
                c.bad(rkey("route"), format!("\"{}\" is declared twice", r.route));
            }
            let integration = integration(c, &rkey("target"), &r.target, functions, services);
            let throttle = r.throttle.as_ref().map(|t| throttle(c, &rkey("throttle"), t));
            let authorizer = r
                .authorizer
                .as_ref()
                .and_then(|au| authorizer(c, &rkey("authorizer"), au, functions, base_dir));
            if let Some(integration) = integration {
                routes.push(RouteConfig {
                    route: r.route.clone(),
                    integration,
                    throttle,
                    authorizer,
                });
            }
        }
        let cache = a.cache.as_ref().map(|cache| api_cache(c, &key("cache"), cache));
        if cache.is_some() && api_type != ApiType::Rest {
            c.bad(key("cache"), "response caching is a REST API feature (type = \"rest\")");
        }
        if !a.usage_plan.is_empty() && api_type != ApiType::Rest {
            let msg = "usage plans and API keys are a REST API feature (type = \"rest\")";
            c.bad(key("usage_plan"), msg);
        }
        let mut plan_names = HashSet::new();
        let usage_plans = a
            .usage_plan
            .iter()
            .enumerate()
            .map(|(j, p)| {
                let pkey = super::item_key(&format!("{i}.usage_plan"), j, &p.name);
                if !plan_names.insert(p.name.as_str()) {
                    c.bad(format!("{pkey}.name"), format!("\"{}\" is declared twice", p.name));
                }
                usage_plan(c, &pkey, p)
            })
            .collect();
        apis.push(ApiConfig {
            name: a.name.clone(),
            api_type,
            endpoint,
            timeout,
            throttle: stage,
            overhead,
            cache,
            routes,
            usage_plans,
        });
    }
    ApiGatewayConfig { account, apis }
}

/// The gateway's own latency, by API type and endpoint: assumptions (AWS publishes no figure),
/// documented in docs/src/reference/scenario.md and docs/src/model.md; set `overhead` when you
/// have measurements.
fn default_overhead(api_type: ApiType, endpoint: Endpoint) -> SimDuration {
    SimDuration::from_millis(match (api_type, endpoint) {
        (ApiType::Http | ApiType::WebSocket, _) => 5,
        (ApiType::Rest, Endpoint::Regional) => 10,
        (ApiType::Rest, Endpoint::Private) => 12,
        (ApiType::Rest, Endpoint::Edge) => 25, // the CloudFront hop
    })
}

fn throttle(c: &mut Checker, key: &str, t: &RawThrottle) -> ThrottleConfig {
    if !t.rate.is_finite() || t.rate <= 0.0 || t.rate > 1e7 {
        c.bad(
            format!("{key}.rate"),
            format!("{} is not allowed; requests per second above 0 and at most 1e7", t.rate),
        );
    }
    let burst = c.int(&format!("{key}.burst"), Some(t.burst), 0, 0, 10_000_000, "");
    ThrottleConfig { rate: t.rate, burst }
}

/// REST cache sizes and their price per hour, us-east-1 (docs/src/facts.md §2.4; not in the
/// free tier).
const CACHE_SIZES: [(f64, f64); 8] = [
    (0.5, 0.020),
    (1.6, 0.038),
    (6.1, 0.200),
    (13.5, 0.250),
    (28.4, 0.500),
    (58.2, 1.000),
    (118.0, 1.900),
    (237.0, 3.800),
];

fn api_cache(c: &mut Checker, key: &str, raw: &RawApiCache) -> ApiCacheConfig {
    let usd_per_hour = match CACHE_SIZES.iter().find(|(gb, _)| *gb == raw.size_gb) {
        Some(&(_, usd)) => usd,
        None => {
            let sizes: Vec<String> = CACHE_SIZES.iter().map(|(gb, _)| gb.to_string()).collect();
            c.bad(
                format!("{key}.size_gb"),
                format!("{} is not a cache size; allowed {}", raw.size_gb, sizes.join(", ")),
            );
            0.0
        }
    };
    // docs/src/facts.md §2.3: TTL default 300 s, 0..=3,600 s
    let ttl = c.duration(&format!("{key}.ttl"), raw.ttl, 300, 0, 3600);
    let keys = c.int(&format!("{key}.keys"), raw.keys, 1000, 1, 10_000_000, " distinct keys");
    ApiCacheConfig { size_gb: raw.size_gb, usd_per_hour, ttl, keys }
}

fn usage_plan(c: &mut Checker, key: &str, raw: &RawUsagePlan) -> UsagePlanConfig {
    let throttle = raw.throttle.as_ref().map(|t| throttle(c, &format!("{key}.throttle"), t));
    let quota = raw.quota.as_ref().map(|q| {
        let limit =
            c.int(&format!("{key}.quota.limit"), Some(q.limit), 1, 1, u32::MAX, " requests");
        let days = match q.period {
            RawQuotaPeriod::Day => 1,
            RawQuotaPeriod::Week => 7,
            RawQuotaPeriod::Month => 30,
        };
        (limit as u64, SimDuration::from_secs(days * 86_400))
    });
    UsagePlanConfig { name: raw.name.clone(), throttle, quota }
}

fn authorizer(
    c: &mut Checker,
    key: &str,
    raw: &RawAuthorizer,
    functions: &[FunctionConfig],
    base_dir: &std::path::Path,
) -> Option<AuthorizerConfig> {
    let function = functions.iter().position(|f| f.name == raw.function);
    if function.is_none() {
        let declared: Vec<&str> = functions.iter().map(|f| f.name.as_str()).collect();
        let why = c.missing("function", &raw.function, &declared);
        c.bad(format!("{key}.function"), format!("\"{}\": {why}", clip(&raw.function)));
    }
    // docs/src/facts.md §2.3: result cache TTL default 300 s, 0..=3,600 s (0 disables)
    let cache_ttl = c.duration(&format!("{key}.cache_ttl"), raw.cache_ttl, 300, 0, 3600);
    let duration = match &raw.duration {
        Some(d) => c.dist(&format!("{key}.duration"), d, base_dir)?,
        None => Dist::Constant(SimDuration::from_millis(20)),
    };
    Some(AuthorizerConfig { function: function?, cache_ttl, duration })
}

/// What a route's `target` names: a function or a service.
fn integration(
    c: &mut Checker,
    key: &str,
    target: &str,
    functions: &[FunctionConfig],
    services: &[ServiceConfig],
) -> Option<Integration> {
    let (kind, names): (&str, Vec<&str>) = match target.split_once(':') {
        Some(("function", _)) => ("function", functions.iter().map(|f| f.name.as_str()).collect()),
        Some(("service", _)) => ("service", services.iter().map(|s| s.name.as_str()).collect()),
        _ => {
            c.bad(
                key,
                format!(
                    "\"{target}\" is not an integration; use \"function:NAME\" or \"service:NAME\""
                ),
            );
            return None;
        }
    };
    let name = target.split_once(':').map_or("", |(_, n)| n);
    let Some(i) = names.iter().position(|n| *n == name) else {
        let why = c.missing(kind, name, &names);
        c.bad(key, format!("\"{}\": {why}", clip(target)));
        return None;
    };
    Some(if kind == "function" { Integration::Function(i) } else { Integration::Service(i) })
}
