//! The side-by-side comparison of platforms, read from the summary tree: each function or
//! service costed with what fronts it, judged on whether it carries its load, and summed up in
//! a one-line verdict (as hyperfine sums up its benchmarks).
//!
//! ```text
//!   workload --> api (http)  --> function   total = function + api share  "lambda + http api"
//!            --> api (http)  --> service    total = service (tasks + alb) + api share
//!                                                                       "fargate + alb + http api"
//! ```
//!
//! An API that integrates several targets is shared between them by the requests each received
//! (the break-even sweep chart sums the same APIs). The terminal table, `compare.png` and the
//! run report all read [`compare`], so they never disagree.

use std::borrow::Cow;

use serde_json::Value;

use crate::summary::Summary;

use super::table::{Platform, compared, count};

/// Failures above this share of a platform's requests mark it failing (1 %).
pub const FAILING_SHARE: f64 = 0.01;
/// Options the verdict names one by one; past this it sums them up.
pub const MAX_VERDICT_OPTIONS: usize = 12;
/// The month the verdict and the chart price in: 30 days, in seconds.
pub const MONTH_SECONDS: f64 = 30.0 * 86_400.0;

fn num(v: &Value, path: &[&str]) -> f64 {
    path.iter().try_fold(v, |v, k| v.get(k)).and_then(Value::as_f64).unwrap_or(0.0)
}

/// Why a platform does not carry its load.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// Failures above [`FAILING_SHARE`] of the requests offered, named by their largest kind
    /// (`rejected`, `throttled`, `errored`, `timed out`); `share` is all of them, 0 to 1.
    Share { what: &'static str, share: f64 },
    /// A service whose median request waited longer than [`BACKLOG_SHARE`] of the measured
    /// period: its queue grew through the run (a stable queue's wait does not grow with the
    /// run's length). The summary drains every request, so this is how it shows.
    Backlog { p50_ms: f64, measured_seconds: f64 },
}

/// A service's median latency above this share of the measured period marks a backlog (10 %).
pub const BACKLOG_SHARE: f64 = 0.1;

impl Failure {
    /// `64 % rejected`, or `backlog: p50 503 s in a 600 s run`.
    pub fn describe(&self) -> String {
        match self {
            Failure::Share { what, share } => format!("{} % {what}", percent(*share)),
            Failure::Backlog { p50_ms, measured_seconds } => format!(
                "backlog: p50 {} s in a {} s run",
                count(p50_ms / 1e3),
                count(*measured_seconds)
            ),
        }
    }
}

/// A share as a short percentage: `64`, `2.5`, `0.03`.
fn percent(share: f64) -> String {
    let p = 100.0 * share;
    if p >= 10.0 {
        format!("{p:.0}")
    } else if p >= 1.0 {
        format!("{p:.1}")
    } else {
        format!("{p:.2}")
    }
}

/// One option of the comparison: a platform with its fronting APIs' share folded in.
#[derive(Clone, Debug, PartialEq)]
pub struct Compared {
    pub platform: Platform,
    /// `orders-fn + http api`: the name and the APIs in front of it.
    pub label: String,
    /// What the cost includes: `lambda + http api`, `fargate + alb + http api`.
    pub includes: String,
    /// Cost of the measured period with the APIs' share (USD).
    pub cost_usd: f64,
    /// The same, over a 30-day month (USD).
    pub monthly_usd: f64,
    /// Set when failures exceed [`FAILING_SHARE`] of the requests offered.
    pub failure: Option<Failure>,
    /// The cheapest option that does not fail (never a failing one).
    pub cheapest: bool,
}

/// The share of an API's figures that falls to `target`: by the requests each of its
/// integrations received, evenly when none received any.
fn share(summary: &Summary, api: &Value, target: &str) -> f64 {
    let targets: Vec<&str> =
        api["integrations"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    if !targets.contains(&target) {
        return 0.0;
    }
    let requests = |t: &str| match t.split_once(':') {
        Some(("function", n)) => summary.figure("functions", n, &["invocations"]),
        Some(("service", n)) => summary.figure("services", n, &["requests"]),
        _ => 0.0,
    };
    let all: f64 = targets.iter().map(|t| requests(t)).sum();
    if all > 0.0 { requests(target) / all } else { 1.0 / targets.len() as f64 }
}

/// The period's cost scaled to a 30-day month; 0 without a measured period.
///
/// `cost_usd.monthly` of the summary, when present, is preferred by [`compare`]: it applies
/// volume tiers to the monthly volume, which a plain scaling cannot.
pub fn monthly(cost_usd: f64, measured_seconds: f64) -> f64 {
    if measured_seconds > 0.0 { cost_usd * MONTH_SECONDS / measured_seconds } else { 0.0 }
}

/// A component's monthly cost: its `cost_usd.monthly` (a number, or an object with `total`)
/// when the summary has one, else its period cost scaled.
fn component_monthly(c: &Value, measured: f64) -> f64 {
    match c.get("cost_usd").and_then(|u| u.get("monthly")) {
        Some(Value::Number(n)) => n.as_f64().unwrap_or(0.0),
        Some(m @ Value::Object(_)) => num(m, &["total"]),
        _ => monthly(num(c, &["cost_usd", "total"]), measured),
    }
}

/// The options to compare (see [`super::table::compared`] for when there are any), in the
/// summary's order, functions first.
pub fn compare(summary: &Summary) -> Vec<Compared> {
    let all = compared(summary);
    let measured = num(&summary["measured_seconds"], &[]);
    let apis = summary["apis"].as_object();
    let mut out: Vec<Compared> = all
        .into_iter()
        .map(|p| {
            let (block, key) = if p.kind == "lambda" {
                ("functions", "function")
            } else {
                ("services", "service")
            };
            let own = summary.entry(block, &p.name).map(Cow::into_owned).unwrap_or_default();
            let own = &own;
            let target = format!("{key}:{}", p.name);
            let mut parts = vec![p.kind.clone()];
            if own.get("load_balancer").is_some_and(Value::is_object) {
                parts.push("alb".into());
            }
            let mut label = p.name.clone();
            let (mut cost, mut month) = (p.cost_usd, component_monthly(own, measured));
            let (mut api_throttled, mut api_timed_out) = (0.0, 0.0);
            for api in apis.into_iter().flat_map(|a| a.values()) {
                let s = share(summary, api, &target);
                if s <= 0.0 {
                    continue;
                }
                let kind = format!("{} api", api["type"].as_str().unwrap_or("rest"));
                if !parts.contains(&kind) {
                    label.push_str(&format!(" + {kind}"));
                    parts.push(kind);
                }
                cost += s * num(api, &["cost_usd", "total"]);
                month += s * component_monthly(api, measured);
                api_throttled += s * num(api, &["throttles"]);
                api_timed_out += s * num(api, &["timeouts"]);
            }
            let failure = failure(own, &p, api_throttled, api_timed_out).or_else(|| {
                // without a measured period (a hand-made summary) there is nothing to judge by
                let backlog = p.kind != "lambda"
                    && measured > 0.0
                    && p.p50_ms / 1e3 > BACKLOG_SHARE * measured;
                backlog.then_some(Failure::Backlog { p50_ms: p.p50_ms, measured_seconds: measured })
            });
            Compared {
                platform: p,
                label,
                includes: parts.join(" + "),
                cost_usd: cost,
                monthly_usd: month,
                failure,
                cheapest: false,
            }
        })
        .collect();
    let cheapest = out
        .iter()
        .enumerate()
        .filter(|(_, c)| c.failure.is_none())
        .min_by(|a, b| a.1.cost_usd.total_cmp(&b.1.cost_usd))
        .map(|(i, _)| i);
    if let Some(i) = cheapest {
        out[i].cheapest = true;
    }
    out
}

/// The failure of a platform when its failures exceed [`FAILING_SHARE`] of the requests
/// offered to it (those it received plus those its APIs throttled before they reached it).
fn failure(own: &Value, p: &Platform, api_throttled: f64, api_timed_out: f64) -> Option<Failure> {
    let kinds: [(&'static str, f64); 4] = if p.kind == "lambda" {
        [
            ("throttled", num(own, &["throttles"]) + api_throttled),
            ("errored", num(own, &["errors"])),
            ("timed out", num(own, &["timeouts"]) + api_timed_out),
            ("rejected", 0.0),
        ]
    } else {
        [
            ("rejected", num(own, &["rejected"])),
            ("throttled", api_throttled),
            ("timed out", api_timed_out),
            ("errored", 0.0),
        ]
    };
    let failed: f64 = kinds.iter().map(|k| k.1).sum();
    let offered = p.requests + api_throttled;
    let share = if offered > 0.0 { failed / offered } else { 0.0 };
    if share <= FAILING_SHARE {
        return None;
    }
    // the first of the largest, so ties name the platform's own failure
    let what = kinds.iter().fold(kinds[0], |m, k| if k.1 > m.1 { *k } else { m }).0;
    Some(Failure::Share { what, share })
}

/// `$65.65`, `$0.84`, `$1,234`: dollars with cents below a thousand.
fn dollars(x: f64) -> String {
    if x.abs() >= 1000.0 { format!("${}", count(x)) } else { format!("${x:.2}") }
}

/// A latency in short form: `306 ms`, `33,000 ms`, `4.2 ms`.
fn millis(x: f64) -> String {
    if x >= 100.0 { format!("{} ms", count(x)) } else { format!("{x:.1} ms") }
}

/// The one-line verdict, hyperfine style: each option's monthly cost and p99, or why it
/// fails, and the cheapest passing option's lead over the next cheapest passing one.
/// Empty without options. Past [`MAX_VERDICT_OPTIONS`] options (a fleet's hundreds) the
/// line names only the cheapest option that carries its load and counts the failing ones;
/// the side-by-side table lists them all.
pub fn verdict(options: &[Compared]) -> String {
    if options.len() > MAX_VERDICT_OPTIONS {
        let failing = options.iter().filter(|c| c.failure.is_some()).count();
        // a fleet's options serve different requests (one app each): none is the cheaper
        // choice for the others' traffic
        let same_load = options.iter().all(|c| c.platform.requests == options[0].platform.requests);
        let best = match options.iter().find(|c| c.cheapest) {
            _ if !same_load => {
                "they serve different requests, so compare them per million requests".into()
            }
            Some(c) => format!(
                "the cheapest that carries its load is {}: {}/month, p99 {}",
                c.label,
                dollars(c.monthly_usd),
                millis(c.platform.p99_ms)
            ),
            None => "none carries its load".into(),
        };
        let where_ = if options.len() > super::table::LISTED {
            "each option's figures are in summary.json"
        } else {
            "every option in the side-by-side table"
        };
        return format!("{} options, {failing} failing; {best} ({where_})", options.len());
    }
    let next = options
        .iter()
        .filter(|c| c.failure.is_none() && !c.cheapest)
        .min_by(|a, b| a.cost_usd.total_cmp(&b.cost_usd));
    let parts: Vec<String> = options
        .iter()
        .map(|c| match &c.failure {
            Some(f) => format!("{}: fails ({})", c.label, f.describe()),
            None => {
                let mut s = format!(
                    "{}: {}/month, p99 {}",
                    c.label,
                    dollars(c.monthly_usd),
                    millis(c.platform.p99_ms)
                );
                if let (true, Some(n)) = (c.cheapest, next) {
                    if c.cost_usd > 0.0 {
                        s.push_str(&format!(
                            ": {:.2}x cheaper than {}",
                            n.cost_usd / c.cost_usd,
                            n.platform.name
                        ));
                    }
                } else if c.cheapest {
                    s.push_str(": the only one that carries its load");
                }
                s
            }
        })
        .collect();
    parts.join("; ")
}

/// Whether latencies from `lo` to `hi` span more than a decade (then drawn on a log axis).
pub fn spans_decades(values: impl Iterator<Item = f64>) -> bool {
    let (lo, hi) = values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    lo.is_finite() && hi / lo > 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A function behind an HTTP API and a Fargate service behind an ALB and the same API.
    fn summary(rejected: f64) -> Value {
        json!({
            "measured_seconds": 86_400.0,
            "functions": { "fn": { "invocations": 1_000_000, "throttles": 0, "errors": 0,
                "timeouts": 0, "latency_ms": { "p99": 306.0 }, "cost_usd": { "total": 2.0 } } },
            "services": { "web": { "platform": "fargate", "requests": 3_000_000,
                "rejected": rejected, "latency_ms": { "p99": 33_000.0 },
                "load_balancer": { "hours": 24.0 }, "cost_usd": { "total": 1.0 } } },
            "apis": { "shared": { "type": "http", "requests": 4_000_000, "throttles": 0,
                "timeouts": 0, "integrations": ["function:fn", "service:web"],
                "cost_usd": { "total": 4.0 } } }
        })
    }

    #[test]
    fn an_api_fronting_two_targets_is_split_by_their_requests() {
        let c = compare(&Summary::from_value(summary(0.0)));
        assert_eq!(
            (c[0].label.as_str(), c[0].includes.as_str()),
            ("fn + http api", "lambda + http api")
        );
        assert_eq!(c[1].includes, "fargate + alb + http api");
        // 4M requests at $1.00 per million: 1M to fn ($1), 3M to web ($3)
        assert_eq!((c[0].cost_usd, c[1].cost_usd), (3.0, 4.0));
        // one measured day: 30 days
        assert_eq!((c[0].monthly_usd, c[1].monthly_usd), (90.0, 120.0));
        assert!(c[0].cheapest && !c[1].cheapest);
        // without a load balancer, no "alb"
        let mut s = summary(0.0);
        s["services"]["web"]["load_balancer"] = Value::Null;
        assert_eq!(compare(&Summary::from_value(s.clone()))[1].includes, "fargate + http api");
    }

    #[test]
    fn a_platform_rejecting_more_than_one_percent_fails_and_is_never_cheapest() {
        let c = compare(&Summary::from_value(summary(1_920_000.0)));
        let f = c[1].failure.as_ref().expect("web fails");
        assert_eq!(f.describe(), "64 % rejected");
        assert!(c[0].cheapest);
        // one percent exactly still carries its load
        assert!(compare(&Summary::from_value(summary(30_000.0)))[1].failure.is_none());
        assert!(compare(&Summary::from_value(summary(30_001.0)))[1].failure.is_some());
    }

    #[test]
    fn the_verdict_reads_like_hyperfine() {
        let mut s = summary(0.0);
        s["services"]["web"]["cost_usd"]["total"] = json!(-2.5); // web: $0.50 with its share
        s["services"]["web"]["latency_ms"]["p99"] = json!(302.0);
        let v = verdict(&compare(&Summary::from_value(s.clone())));
        assert_eq!(
            v,
            "fn + http api: $90.00/month, p99 306 ms; \
             web + http api: $15.00/month, p99 302 ms: 6.00x cheaper than fn"
        );
        let v = verdict(&compare(&Summary::from_value(summary(1_920_000.0))));
        assert_eq!(
            v,
            "fn + http api: $90.00/month, p99 306 ms: the only one that carries its load; \
             web + http api: fails (64 % rejected)"
        );
    }

    #[test]
    fn a_verdict_over_many_options_names_the_cheapest_and_counts_the_failing() {
        let mut options = compare(&Summary::from_value(summary(0.0)));
        let template = options[0].clone();
        options.extend((0..12).map(|i| Compared {
            label: format!("extra-{i}"),
            failure: (i < 3).then_some(Failure::Share { what: "rejected", share: 0.5 }),
            cheapest: false,
            ..template.clone()
        }));
        let cheapest = options.iter().find(|c| c.cheapest).map(|c| c.label.clone());
        // the same requests to every option: the cheapest is named
        for c in &mut options {
            c.platform.requests = 1000.0;
        }
        let line = verdict(&options);
        assert!(line.starts_with(&format!("{} options, 3 failing; ", options.len())), "{line}");
        match cheapest {
            Some(l) => assert!(line.contains(&format!("carries its load is {l}: ")), "{line}"),
            None => assert!(line.contains("none carries its load"), "{line}"),
        }
        // a fleet's options serve different requests: none is called the cheaper choice
        options[0].platform.requests = 10.0;
        let line = verdict(&options);
        assert!(line.contains("serve different requests") && !line.contains("cheapest"), "{line}");
    }

    #[test]
    fn a_decade_switches_to_a_log_axis() {
        assert!(spans_decades([306.0, 33_000.0].into_iter()));
        assert!(!spans_decades([300.0, 2_999.0, 0.0, f64::NAN].into_iter()));
        assert!(!spans_decades(std::iter::empty()));
    }
}
