//! `[apigateway]` and `[[api]]`: throttles, timeouts, routes and what they integrate with.

use std::collections::HashSet;

use super::Checker;
use crate::config::raw::*;
use crate::config::*;
use crate::dist::Dist;

/// Account-level throttle of API Gateway per region (aws-facts 2.2, since 2017-06-06).
const ACCOUNT: ThrottleConfig = ThrottleConfig { rate: 10_000.0, burst: 5_000 };

pub(super) fn validate_apis(
    c: &mut Checker,
    gateway: Option<&RawApiGateway>,
    raw: &[RawApi],
    functions: &[FunctionConfig],
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
        let key = |k: &str| format!("api[{i}].{k}");
        if a.name.is_empty() || !names.insert(a.name.as_str()) {
            c.bad(key("name"), format!("\"{}\" must be non-empty and unique", a.name));
        }
        let api_type = match a.api_type.unwrap_or(RawApiType::Http) {
            RawApiType::Http => ApiType::Http,
            RawApiType::Rest => ApiType::Rest,
            RawApiType::Websocket => {
                c.bad(key("type"), "\"websocket\" is not supported yet by this version of slsim");
                ApiType::Http
            }
        };
        let endpoint = match a.endpoint.unwrap_or(RawEndpoint::Regional) {
            RawEndpoint::Regional => Endpoint::Regional,
            RawEndpoint::Edge => Endpoint::Edge,
            RawEndpoint::Private => Endpoint::Private,
        };
        if api_type == ApiType::Http && endpoint != Endpoint::Regional {
            c.bad(key("endpoint"), "HTTP APIs are regional only (edge and private are REST)");
        }
        // aws-facts 2.1: REST 50 ms..29 s by default, up to 300 s for regional and private
        // (since 2024-06); HTTP 30 s hard
        let (default_ms, max_ms) = match (api_type, endpoint) {
            (ApiType::Http, _) => (30_000, 30_000),
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
            let rkey = |k: &str| format!("api[{i}].route[{j}].{k}");
            if !route_names.insert(r.route.as_str()) {
                c.bad(rkey("route"), format!("\"{}\" is declared twice", r.route));
            }
            if r.authorizer.is_some() {
                c.bad(
                    rkey("authorizer"),
                    "Lambda authorizers are not supported yet by this version of slsim",
                );
            }
            let function = match r.target.split_once(':') {
                Some(("function", name)) => {
                    let found = functions.iter().position(|f| f.name == name);
                    if found.is_none() {
                        let declared: Vec<&str> =
                            functions.iter().map(|f| f.name.as_str()).collect();
                        c.bad(
                            rkey("target"),
                            format!(
                                "\"{}\": no function named \"{name}\"; declared: {}",
                                r.target,
                                declared.join(", ")
                            ),
                        );
                    }
                    found
                }
                _ => {
                    c.bad(rkey("target"), format!("\"{}\": only \"function:NAME\" integrations are supported by this version of slsim", r.target));
                    None
                }
            };
            let throttle = r.throttle.as_ref().map(|t| throttle(c, &rkey("throttle"), t));
            if let Some(function) = function {
                routes.push(RouteConfig { route: r.route.clone(), function, throttle });
            }
        }
        apis.push(ApiConfig {
            name: a.name.clone(),
            api_type,
            endpoint,
            timeout,
            throttle: stage,
            overhead,
            routes,
        });
    }
    ApiGatewayConfig { account, apis }
}

/// The gateway's own latency, by API type and endpoint: assumptions (AWS publishes no figure),
/// documented in the README; set `overhead` when you have measurements.
fn default_overhead(api_type: ApiType, endpoint: Endpoint) -> SimDuration {
    SimDuration::from_millis(match (api_type, endpoint) {
        (ApiType::Http, _) => 5,
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
