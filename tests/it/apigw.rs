//! API Gateway: token buckets, timeouts, status mapping, latency and prices.

use crate::common::*;

fn api_scenario(api: &str, function: &str, workload: &str, duration: &str) -> serde_json::Value {
    summarize(&scenario(&format!(
        r#"
        [simulation]
        name = "api"
        duration = "{duration}"
        [lambda]
        concurrency_limit = 5000
        [[lambda.function]]
        name = "backend"
        runtime = "nodejs20.x"
        init_duration = "0s"
        {function}
        {api}
        [[workload]]
        name = "clients"
        target = "api:shop"
        {workload}
        "#
    )))
}

const ONE_ROUTE: &str = r#"
    [[api]]
    name = "shop"
    type = "rest"
    overhead = "10ms"
    [[api.route]]
    route = "POST /orders"
    target = "function:backend"
    throttle = { rate = 100.0, burst = 50 }
"#;

#[test]
fn a_route_bucket_admits_its_burst_then_its_rate() {
    // 200 requests/s for 100 s against rate 100, burst 50: 50 at once, then one per 10 ms
    let s = api_scenario(
        ONE_ROUTE,
        "",
        r#"route = "POST /orders"
        arrivals = { process = "constant", rate = 200.0 }
        duration = "1ms""#,
        "100s",
    );
    let api = &s["apis"]["shop"];
    assert_eq!(f64_at(api, "requests"), 20_000.0);
    // the last request is at 99.995 s, when 9,999 tokens have been added
    assert_eq!(f64_at(api, "completed"), 50.0 + 9_999.0);
    assert_eq!(f64_at(api, "throttles_by_level.route"), 20_000.0 - 10_049.0);
    assert_eq!(f64_at(api, "routes.POST /orders.throttles"), 20_000.0 - 10_049.0);
    assert_eq!(f64_at(&s, "functions.backend.invocations"), 10_049.0);
}

#[test]
fn the_account_bucket_is_shared_by_every_api() {
    let api = r#"
        [apigateway]
        rate = 100.0
        burst = 10
        [[api]]
        name = "shop"
        [[api.route]]
        route = "GET /"
        target = "function:backend"
        [[api]]
        name = "admin"
        [[api.route]]
        route = "GET /"
        target = "function:backend"
    "#;
    let text = format!(
        r#"
        [simulation]
        name = "api"
        duration = "10s"
        [[lambda.function]]
        name = "backend"
        runtime = "nodejs20.x"
        {api}
        [[workload]]
        name = "a"
        target = "api:shop"
        arrivals = {{ process = "constant", rate = 100.0 }}
        duration = "1ms"
        [[workload]]
        name = "b"
        target = "api:admin"
        arrivals = {{ process = "constant", rate = 100.0 }}
        duration = "1ms"
        "#
    );
    let s = summarize(&scenario(&text));
    let ok = f64_at(&s, "apis.shop.completed") + f64_at(&s, "apis.admin.completed");
    // 10 at once, then 100 a second between both (the last arrivals are at 9.99 s)
    assert!((ok - (10.0 + 999.0)).abs() <= 1.0, "{ok}");
    let by_account = f64_at(&s, "apis.shop.throttles_by_level.account")
        + f64_at(&s, "apis.admin.throttles_by_level.account");
    assert_eq!(by_account, 2000.0 - ok);
}

#[test]
fn a_slow_integration_gets_504_while_the_function_runs_on_and_bills() {
    let api = r#"
        [[api]]
        name = "shop"
        type = "rest"
        timeout = "1s"
        [[api.route]]
        route = "GET /report"
        target = "function:backend"
    "#;
    let s = api_scenario(
        api,
        "memory_size = 1024\ntimeout = \"10s\"",
        r#"arrivals = { process = "constant", rate = 1.0 }
        duration = "3s""#,
        "100s",
    );
    assert_eq!(f64_at(&s, "apis.shop.timeouts"), 100.0);
    assert_eq!(f64_at(&s, "apis.shop.completed"), 0.0);
    let f = &s["functions"]["backend"];
    assert_eq!(f64_at(f, "timeouts"), 0.0, "the function itself did not time out");
    assert_eq!(f64_at(f, "billed_gb_seconds"), 300.0, "each invocation billed its full 3 s");
}

#[test]
fn lambda_throttles_and_errors_become_5xx() {
    let s = api_scenario(
        ONE_ROUTE,
        "reserved_concurrency = 1\nerror_rate = 0.5\ntimeout = \"10s\"",
        r#"arrivals = { process = "constant", rate = 2.0 }
        duration = "1s""#,
        "100s",
    );
    let api = &s["apis"]["shop"];
    // one at a time, each 1 s: every other request finds the environment busy
    assert!(f64_at(api, "integration_throttles") >= 99.0);
    let ran = f64_at(api, "requests") - f64_at(api, "integration_throttles");
    assert_eq!(f64_at(api, "integration_errors") + f64_at(api, "completed"), ran);
    assert_eq!(
        f64_at(api, "errors"),
        f64_at(api, "integration_errors") + f64_at(api, "integration_throttles")
    );
}

#[test]
fn latency_is_gateway_overhead_plus_the_integration() {
    let s = api_scenario(
        ONE_ROUTE,
        "",
        r#"arrivals = { process = "constant", rate = 10.0 }
        duration = "100ms""#,
        "60s",
    );
    // warm invocations of 100 ms behind a 10 ms gateway (cold start init is 0 here)
    assert!((f64_at(&s, "apis.shop.latency_ms.p50") - 110.0).abs() < 0.5);
    assert!((f64_at(&s, "apis.shop.latency_ms.max") - 110.0).abs() < 1e-6);
}

#[test]
fn rest_pricing_example_5m_calls_cost_17_50() {
    let api = r#"
        [[api]]
        name = "shop"
        type = "rest"
        [[api.route]]
        route = "GET /"
        target = "function:backend"
    "#;
    let s = api_scenario(
        api,
        "",
        "arrivals = { process = \"constant\", rate = 100.0 }\nduration = \"1ms\"",
        "50000s",
    );
    assert_eq!(f64_at(&s, "apis.shop.billed_requests"), 5_000_000.0);
    assert_eq!(cents(f64_at(&s, "apis.shop.cost_usd.total")), 17.50);
    let total = f64_at(&s, "cost_usd.total");
    assert!((total - f64_at(&s, "cost_usd.lambda") - 17.50).abs() < 0.005);
}

#[test]
fn http_apis_meter_in_512_kb_units() {
    let api = r#"
        [[api]]
        name = "shop"
        type = "http"
        [[api.route]]
        route = "PUT /upload"
        target = "function:backend"
    "#;
    let s = api_scenario(
        api,
        "",
        "arrivals = { process = \"constant\", rate = 10.0 }\nduration = \"1ms\"\nrequest_size_kb = 600.0",
        "100s",
    );
    assert_eq!(f64_at(&s, "apis.shop.requests"), 1000.0);
    assert_eq!(f64_at(&s, "apis.shop.billed_requests"), 2000.0, "600 KB = two 512 KB units");
    assert!((f64_at(&s, "apis.shop.cost_usd.total") - 2000.0 * 1e-6).abs() < 1e-12);
}

#[test]
fn api_targets_and_routes_are_validated() {
    let err = |api: &str, workload: &str| {
        slsim::config::load_str(
            std::path::Path::new("api.toml"),
            &format!(
                r#"
                [simulation]
                name = "api"
                duration = "1m"
                [[lambda.function]]
                name = "backend"
                runtime = "nodejs20.x"
                {api}
                [[workload]]
                name = "w"
                {workload}
                arrivals = {{ process = "poisson", rate = 1.0 }}
                duration = "1ms"
                "#
            ),
            &[],
        )
        .unwrap_err()
        .to_string()
    };
    let two_routes = r#"
        [[api]]
        name = "shop"
        [[api.route]]
        route = "GET /a"
        target = "function:backend"
        [[api.route]]
        route = "GET /b"
        target = "function:backend"
    "#;
    let e = err(two_routes, "target = \"api:shop\"");
    assert!(e.contains("workload \"w\".route") && e.contains("GET /a, GET /b"), "{e}");
    let e = err(two_routes, "target = \"api:nope\"\nroute = \"GET /a\"");
    assert!(e.contains("no api named \"nope\""), "{e}");
    let e = err(
        &two_routes.replace("name = \"shop\"", "name = \"shop\"\ntimeout = \"45s\""),
        "target = \"api:shop\"\nroute = \"GET /a\"",
    );
    assert!(e.contains("api \"shop\".timeout") && e.contains("30s"), "{e}");
    let e = err(
        &two_routes.replace("name = \"shop\"", "name = \"shop\"\ntype = \"websocket\""),
        "target = \"api:shop\"\nroute = \"GET /a\"",
    );
    assert!(e.contains("workload \"w\".connection") && e.contains("lifetime"), "{e}");
}

/// A REST API with an authorizer, a cache and two usage plans, for one hour.
fn rest_api(
    route_extra: &str,
    api_extra: &str,
    workload_extra: &str,
    rate: f64,
    duration: &str,
) -> serde_json::Value {
    summarize(&scenario(&format!(
        r#"
        [simulation]
        name = "rest"
        duration = "{duration}"
        [[lambda.function]]
        name = "backend"
        runtime = "nodejs20.x"
        init_duration = "0s"
        [[lambda.function]]
        name = "auth"
        runtime = "nodejs20.x"
        init_duration = "0s"
        [[api]]
        name = "shop"
        type = "rest"
        {api_extra}
        [[api.usage_plan]]
        name = "gold"
        throttle = {{ rate = 1.0, burst = 5 }}
        [[api.usage_plan]]
        name = "free"
        quota = {{ limit = 1000, period = "day" }}
        [[api.route]]
        route = "GET /items"
        target = "function:backend"
        {route_extra}
        [[workload]]
        name = "clients"
        target = "api:shop"
        arrivals = {{ process = "constant", rate = {rate} }}
        duration = "10ms"
        {workload_extra}
        "#
    )))
}

#[test]
fn the_authorizer_is_invoked_once_per_client_and_ttl() {
    let s = rest_api(
        r#"authorizer = { function = "auth", cache_ttl = "300s", duration = "5ms" }"#,
        "",
        "clients = 10",
        10.0,
        "1h",
    );
    let a = &s["apis"]["shop"];
    let invoked = f64_at(a, "authorizer.invocations");
    // each of the 10 clients (about 1 request/s each) misses once per 300 s: 12 per client
    assert!((110.0..=125.0).contains(&invoked), "{invoked}");
    assert_eq!(f64_at(a, "authorizer.cache_hits") + invoked, 36_000.0);
    assert_eq!(f64_at(&s, "functions.auth.invocations"), invoked, "misses invoke the authorizer");
    // a miss adds the authorizer's 5 ms to the response
    assert!((f64_at(a, "latency_ms.max") - (10.0 + 10.0 + 5.0)).abs() < 1e-6);
    assert!((f64_at(a, "latency_ms.p50") - 20.0).abs() < 0.2);
}

#[test]
fn the_response_cache_hit_ratio_follows_the_key_population() {
    let s = rest_api("", r#"cache = { size_gb = 0.5, ttl = "300s", keys = 100 }"#, "", 10.0, "1h");
    let a = &s["apis"]["shop"];
    let misses = f64_at(a, "cache.misses");
    // 100 keys refreshed every 300 s over an hour: about 1,200 misses of 36,000
    assert!((1_100.0..=1_300.0).contains(&misses), "{misses}");
    assert_eq!(f64_at(a, "cache.hits") + misses, 36_000.0);
    assert_eq!(f64_at(&s, "functions.backend.invocations"), misses, "hits skip the backend");
    // 0.5 GB for one hour: $0.020
    assert!((f64_at(a, "cost_usd.cache") - 0.020).abs() < 1e-12);
}

#[test]
fn usage_plans_throttle_and_enforce_quotas_per_key() {
    let gold = rest_api("", "", r#"api_key = "gold""#, 2.0, "100s");
    // rate 1/s, burst 5, against 2 requests/s for 100 s
    assert_eq!(f64_at(&gold, "apis.shop.completed"), 5.0 + 99.0);
    assert_eq!(f64_at(&gold, "apis.shop.throttles_by_level.usage_plan"), 200.0 - 104.0);
    let free = rest_api("", "", r#"api_key = "free""#, 2.0, "1h");
    assert_eq!(f64_at(&free, "apis.shop.completed"), 1000.0);
    assert_eq!(f64_at(&free, "apis.shop.throttles_by_level.quota"), 7200.0 - 1000.0);
}

fn websocket(connection: &str, rate: f64, duration: &str) -> serde_json::Value {
    websocket_with(connection, rate, duration, "")
}

fn websocket_with(
    connection: &str,
    rate: f64,
    duration: &str,
    route_extra: &str,
) -> serde_json::Value {
    summarize(&scenario(&format!(
        r#"
        [simulation]
        name = "ws"
        duration = "{duration}"
        [lambda]
        concurrency_limit = 5000
        [[lambda.function]]
        name = "chat"
        runtime = "nodejs20.x"
        init_duration = "0s"
        [[api]]
        name = "live"
        type = "websocket"
        [[api.route]]
        route = "$default"
        target = "function:chat"
        {route_extra}
        [[workload]]
        name = "clients"
        target = "api:live"
        arrivals = {{ process = "constant", rate = {rate} }}
        duration = "5ms"
        connection = {connection}
        "#
    )))
}

#[test]
fn websocket_connections_send_messages_and_bill_minutes() {
    let s = websocket(r#"{ lifetime = "5m", messages_per_minute = 6.0 }"#, 1.0, "1h");
    let a = &s["apis"]["live"];
    assert_eq!(f64_at(a, "connections.opened"), 3600.0);
    // every connection lasts exactly 5 minutes
    assert_eq!(f64_at(a, "connections.minutes"), 3600.0 * 5.0);
    // about 30 messages each (Poisson, 6 a minute): 108,000
    let messages = f64_at(a, "requests");
    assert!((messages / 108_000.0 - 1.0).abs() < 0.02, "{messages}");
    assert_eq!(
        f64_at(&s, "functions.chat.invocations"),
        messages,
        "each message invokes the route"
    );
    let expected = messages * 1e-6 + 18_000.0 * 0.25e-6;
    assert!((f64_at(a, "cost_usd.total") - expected).abs() < 1e-9);
}

#[test]
fn websocket_idle_timeout_and_two_hour_maximum() {
    // a message every 100 minutes on average: most connections close after 10 idle minutes
    let idle = websocket(r#"{ lifetime = "1h", messages_per_minute = 0.01 }"#, 1.0, "10m");
    let per_conn = f64_at(&idle, "apis.live.connections.minutes") / 600.0;
    assert!((10.0..12.5).contains(&per_conn), "{per_conn} minutes per connection");
    // chatty clients that would stay 5 hours are cut at 2 hours
    let long = websocket(r#"{ lifetime = "5h", messages_per_minute = 10.0 }"#, 0.1, "1m");
    assert_eq!(f64_at(&long, "apis.live.connections.minutes"), 6.0 * 120.0);
}

#[test]
fn at_most_500_new_connections_per_second() {
    let s = websocket(r#"{ lifetime = "1s", messages_per_minute = 1.0 }"#, 1000.0, "10s");
    let a = &s["apis"]["live"];
    // 500 at once, then 500 a second (the last arrival is at 9.999 s)
    assert!((f64_at(a, "connections.opened") - 5_499.0).abs() <= 1.0);
    assert_eq!(f64_at(a, "connections.opened") + f64_at(a, "connections.refused"), 10_000.0);
}

#[test]
fn a_websocket_authorizer_runs_once_per_connection() {
    let s = websocket_with(
        r#"{ lifetime = "2m", messages_per_minute = 30.0 }"#,
        1.0,
        "10m",
        r#"authorizer = { function = "chat", cache_ttl = "300s" }"#,
    );
    let a = &s["apis"]["live"];
    assert_eq!(f64_at(a, "connections.opened"), 600.0);
    assert_eq!(f64_at(a, "authorizer.invocations"), 600.0, "on connect, not per message");
    // the function serves both: one authorizer call per connection plus every message
    assert_eq!(f64_at(&s, "functions.chat.invocations"), 600.0 + f64_at(a, "requests"));
}
