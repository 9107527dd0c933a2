//! Warnings: figures of a run that say its answer may not hold up (an overloaded component, a
//! backlog still growing at the end, latencies at the timeout, a run too short for what it
//! models, a default that decides the result).
//!
//! Each replication is checked on its own, from its summary tree and its per-minute series
//! ([`check`]); `summary.json` lists each (component, kind) that fired in any replication,
//! with the figures of the first replication where it did ([`merge`]). A warning is data: it
//! never changes the exit code.
//!
//! The thresholds are the constants below, documented in docs/src/reference/outputs.md.

use serde::Serialize;
use serde_json::{Value, json};

use crate::config::Scenario;
use crate::dist::Dist;
use crate::metrics::MinuteRow;

/// A failure share (throttles, rejections, errors, timeouts) above this warns.
pub const FAILURE_SHARE: f64 = 0.01;
/// p99 at or above this share of the timeout warns.
pub const NEAR_TIMEOUT: f64 = 0.9;
/// A backlog is growing at the end when its largest size in the last measured minute is at
/// least this many items...
pub const BACKLOG_FLOOR: f64 = 100.0;
/// ... and more than this factor above its size a quarter of the measured period earlier.
pub const BACKLOG_GROWTH: f64 = 1.1;
/// Minutes at the account concurrency limit that warn: more than one.
pub const LIMIT_MINUTES: f64 = 2.0;

/// What a warning is about: a stable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Throttles,
    Rejections,
    Errors,
    Timeouts,
    BacklogGrowing,
    P99NearTimeout,
    AtConcurrencyLimit,
    RunTooShort,
    ImplicitDefault,
}

/// One warning: the component (`function:NAME`, `api:NAME`, `service:NAME`, `queues`,
/// `async`, `lambda`, `simulation`), the figure and the limit it crossed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Warning {
    pub component: String,
    pub kind: Kind,
    pub message: String,
    pub value: f64,
    pub limit: f64,
}

fn num(v: &Value, path: &[&str]) -> f64 {
    path.iter().fold(v, |v, k| &v[*k]).as_f64().unwrap_or(0.0)
}

fn share(part: f64, whole: f64) -> f64 {
    if whole > 0.0 { part / whole } else { 0.0 }
}

/// A failure share above [`FAILURE_SHARE`], as a warning.
fn failure(component: &str, kind: Kind, what: &str, part: f64, whole: f64) -> Option<Warning> {
    let s = share(part, whole);
    (s > FAILURE_SHARE).then(|| Warning {
        component: component.to_string(),
        kind,
        message: format!(
            "{component} {what} {:.1}% of its requests ({part} of {whole}), above {:.0}%",
            s * 100.0,
            FAILURE_SHARE * 100.0
        ),
        value: s,
        limit: FAILURE_SHARE,
    })
}

/// p99 within 10% of the timeout, as a warning.
fn near_timeout(component: &str, p99_ms: f64, timeout_ms: f64) -> Option<Warning> {
    (timeout_ms > 0.0 && p99_ms >= NEAR_TIMEOUT * timeout_ms).then(|| Warning {
        component: component.to_string(),
        kind: Kind::P99NearTimeout,
        message: format!(
            "{component} p99 latency {p99_ms:.0} ms is within {:.0}% of its {timeout_ms:.0} ms timeout",
            (1.0 - NEAR_TIMEOUT) * 100.0
        ),
        value: p99_ms,
        limit: NEAR_TIMEOUT * timeout_ms,
    })
}

/// The warnings of one replication: `summary` is its tree (as `summarize_run` builds it),
/// `minutes` its per-minute series.
pub fn check(scenario: &Scenario, summary: &Value, minutes: &[MinuteRow]) -> Vec<Warning> {
    let mut out = Vec::new();
    for f in &scenario.lambda.functions {
        let s = &summary["functions"][f.name.as_str()];
        let c = format!("function:{}", f.name);
        let invocations = num(s, &["invocations"]);
        let throttles = num(s, &["throttles"]);
        out.extend(failure(&c, Kind::Throttles, "throttled", throttles, invocations + throttles));
        out.extend(failure(&c, Kind::Errors, "failed", num(s, &["errors"]), invocations));
        out.extend(failure(&c, Kind::Timeouts, "timed out", num(s, &["timeouts"]), invocations));
        let timeout_ms = f.timeout.0 as f64 / 1e6;
        out.extend(near_timeout(&c, num(s, &["latency_ms", "p99"]), timeout_ms));
        if let Dist::Constant(k) = f.keep_alive
            && scenario.duration.0 < k.0
        {
            out.push(Warning {
                component: c.clone(),
                kind: Kind::RunTooShort,
                message: format!(
                    "the run ({:.0} s) is shorter than {c}'s keep-alive ({:.0} s): no idle \
                     environment is ever reclaimed, so cold starts are undercounted",
                    scenario.duration.as_secs_f64(),
                    k.0 as f64 / 1e9
                ),
                value: scenario.duration.as_secs_f64(),
                limit: k.0 as f64 / 1e9,
            });
        }
    }
    for a in &scenario.apigateway.apis {
        let s = &summary["apis"][a.name.as_str()];
        let c = format!("api:{}", a.name);
        let requests = num(s, &["requests"]);
        out.extend(failure(&c, Kind::Throttles, "throttled", num(s, &["throttles"]), requests));
        out.extend(failure(&c, Kind::Timeouts, "timed out", num(s, &["timeouts"]), requests));
        out.extend(failure(&c, Kind::Errors, "failed", num(s, &["errors"]), requests));
        out.extend(near_timeout(&c, num(s, &["latency_ms", "p99"]), a.timeout.0 as f64 / 1e6));
    }
    for v in &scenario.services {
        let s = &summary["services"][v.name.as_str()];
        let c = format!("service:{}", v.name);
        let (requests, rejected) = (num(s, &["requests"]), num(s, &["rejected"]));
        out.extend(failure(&c, Kind::Rejections, "rejected", rejected, requests));
        if v.concurrency == 1 && (rejected > 0.0 || num(s, &["queued"]) > 0.0) {
            out.push(Warning {
                component: c.clone(),
                kind: Kind::ImplicitDefault,
                message: format!(
                    "{c} serves 1 request per task at a time (`concurrency` = 1, the default) \
                     and queued or rejected requests: set `concurrency` to what the service \
                     really handles"
                ),
                value: 1.0,
                limit: 1.0,
            });
        }
    }
    out.extend(backlogs(minutes));
    out.extend(account_limit(scenario, minutes));
    if scenario.warmup.0 > 0 && scenario.warmup.0 * 2 > scenario.duration.0 {
        out.push(Warning {
            component: "simulation".into(),
            kind: Kind::RunTooShort,
            message: format!(
                "the warm-up ({:.0} s) is more than half the run ({:.0} s): few figures are measured",
                scenario.warmup.as_secs_f64(),
                scenario.duration.as_secs_f64()
            ),
            value: scenario.warmup.as_secs_f64(),
            limit: scenario.duration.as_secs_f64() / 2.0,
        });
    }
    out
}

/// Queues' and the asynchronous queue's backlogs still growing at the end (all queues
/// together, all functions together: the per-minute series is kept per account).
fn backlogs(minutes: &[MinuteRow]) -> Vec<Warning> {
    let measured: Vec<&MinuteRow> = minutes.iter().filter(|m| m.warmup == 0).collect();
    let n = measured.len();
    if n < 2 {
        return Vec::new();
    }
    let back = (n / 4).max(1);
    let (last, earlier) = (measured[n - 1], measured[n - 1 - back]);
    let mut out = Vec::new();
    let series = [
        (
            "queues",
            "queue backlog",
            last.queue_backlog_max as f64,
            earlier.queue_backlog_max as f64,
        ),
        (
            "async",
            "asynchronous event backlog",
            f64::from(last.async_queue_depth_max),
            f64::from(earlier.async_queue_depth_max),
        ),
    ];
    for (component, what, end, before) in series {
        if end >= BACKLOG_FLOOR && end > BACKLOG_GROWTH * before {
            out.push(Warning {
                component: component.into(),
                kind: Kind::BacklogGrowing,
                message: format!(
                    "the {what} is still growing at the end: {end:.0} in the last minute, \
                     {before:.0} {back} min earlier (the run is too short or the system overloaded)"
                ),
                value: end,
                limit: BACKLOG_GROWTH * before,
            });
        }
    }
    out
}

/// Lambda concurrency at the account limit for more than a minute.
fn account_limit(scenario: &Scenario, minutes: &[MinuteRow]) -> Option<Warning> {
    let limit = scenario.lambda.concurrency_limit;
    let at = minutes.iter().filter(|m| m.warmup == 0 && m.concurrency_max >= limit).count() as f64;
    (limit > 0 && at >= LIMIT_MINUTES).then(|| Warning {
        component: "lambda".into(),
        kind: Kind::AtConcurrencyLimit,
        message: format!(
            "Lambda concurrency reached the account limit of {limit} in {at:.0} measured minutes"
        ),
        value: at,
        limit: LIMIT_MINUTES,
    })
}

/// The warnings as `summary.json` writes them.
pub fn to_json(warnings: &[Warning]) -> Value {
    serde_json::to_value(warnings).unwrap_or_else(|_| json!([]))
}

/// The warnings of several replications' summaries (each with its `warnings` list): each
/// (component, kind) once, from the first replication where it fired, in that order.
pub fn merge(runs: &[Value]) -> Value {
    // a set of what is listed, so a fleet's thousands of warnings merge in linear time
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<Value> = Vec::new();
    for w in runs.iter().filter_map(|r| r["warnings"].as_array()).flatten() {
        if seen.insert((w["component"].to_string(), w["kind"].to_string())) {
            out.push(w.clone());
        }
    }
    Value::Array(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_share_fires_above_one_percent_only() {
        assert!(failure("function:f", Kind::Throttles, "throttled", 1.0, 100.0).is_none());
        let w = failure("function:f", Kind::Throttles, "throttled", 2.0, 100.0).unwrap();
        assert_eq!(w.value, 0.02);
        assert!(w.message.contains("2.0%"), "{}", w.message);
    }

    #[test]
    fn near_timeout_at_ninety_percent() {
        assert!(near_timeout("function:f", 899.0, 1000.0).is_none());
        assert_eq!(near_timeout("function:f", 900.0, 1000.0).unwrap().limit, 900.0);
    }

    #[test]
    fn merge_keeps_the_first_of_each_component_and_kind() {
        let a = json!({ "warnings": [{ "component": "x", "kind": "errors", "value": 1 }] });
        let b = json!({ "warnings": [
            { "component": "x", "kind": "errors", "value": 2 },
            { "component": "y", "kind": "errors", "value": 3 }] });
        let m = merge(&[a, b]);
        assert_eq!(m.as_array().unwrap().len(), 2);
        assert_eq!(m[0]["value"], json!(1));
    }
}
