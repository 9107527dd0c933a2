//! Warnings: figures of a run that say its answer may not hold up (an overloaded component, a
//! backlog still growing at the end, latencies at the timeout, a run too short for what it
//! models, a default that decides the result).
//!
//! Each replication is checked on its own, from its summary tree and its run's figures (the
//! per-minute series, the services' queues by minute, the functions' time at their reserved
//! concurrency) ([`check`]); `summary.json` lists each (component, kind) that fired in any replication,
//! with the figures of the first replication where it did ([`merge`]). A warning is data: it
//! never changes the exit code.
//!
//! Each message counts in the unit of its component: requests for APIs and services,
//! invocations (or attempts, for throttles) for functions, records for queues, events for the
//! asynchronous queue. The thresholds are the constants below, documented in
//! docs/src/reference/outputs.md.

use serde::Serialize;
use serde_json::{Value, json};

use crate::config::Scenario;
use crate::dist::Dist;
use crate::metrics::MinuteRow;
use crate::sim::RunOutput;

/// A failure share (throttles, rejections, errors, timeouts) above this warns.
pub const FAILURE_SHARE: f64 = 0.01;
/// p99 at or above this share of the timeout warns.
pub const NEAR_TIMEOUT: f64 = 0.9;
/// A backlog is growing at the end when its largest size in the last measured minute is at
/// least this many items...
pub const BACKLOG_FLOOR: f64 = 100.0;
/// ... and more than this factor above its size a quarter of the measured period earlier.
pub const BACKLOG_GROWTH: f64 = 1.1;
/// Minutes at a concurrency limit that warn: more than one. For the account limit, measured
/// minutes whose highest concurrency reached it; for a function's reserved concurrency,
/// measured minutes it spent at least half at it (see `lambda::at_limit`).
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

/// One warning: the component (`function:NAME`, `api:NAME`, `service:NAME`, `queue:NAME`,
/// `queues`, `async`, `lambda`, `simulation`), the figure and the limit it crossed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Warning {
    pub component: String,
    pub kind: Kind,
    pub message: String,
    pub value: f64,
    pub limit: f64,
}

fn share(part: f64, whole: f64) -> f64 {
    if whole > 0.0 { part / whole } else { 0.0 }
}

/// A failure share above [`FAILURE_SHARE`], as a warning: `part` of `whole` `unit`s (the
/// component's own unit: "requests", "invocations", "attempts", "records").
fn failure(
    component: &str,
    kind: Kind,
    what: &str,
    (part, whole, unit): (f64, f64, &str),
) -> Option<Warning> {
    let s = share(part, whole);
    (s > FAILURE_SHARE).then(|| Warning {
        component: component.to_string(),
        kind,
        message: format!(
            "{component} {what} {:.1}% of its {unit} ({part} of {whole}), above {:.0}%",
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

/// What the checks read of a replication's summary: one number of a component (block,
/// name, key path; 0 when absent).
pub type Figures<'a> = &'a dyn Fn(&str, &str, &[&str]) -> f64;

/// The warnings of one replication: `summary` gives its figures (as `summarize_run` builds it),
/// `run` what the simulation returned (per-minute series, services' queues, time at limits).
pub fn check(scenario: &Scenario, summary: Figures, run: &RunOutput) -> Vec<Warning> {
    let mut out = functions(scenario, summary, run);
    for a in &scenario.apigateway.apis {
        let num = |path: &[&str]| summary("apis", &a.name, path);
        let c = format!("api:{}", a.name);
        let requests = num(&["requests"]);
        let of = |k: &str| (num(&[k]), requests, "requests");
        out.extend(failure(&c, Kind::Throttles, "throttled", of("throttles")));
        out.extend(failure(&c, Kind::Timeouts, "timed out", of("timeouts")));
        out.extend(failure(&c, Kind::Errors, "failed", of("errors")));
        out.extend(near_timeout(&c, num(&["latency_ms", "p99"]), a.timeout.0 as f64 / 1e6));
    }
    for q in &scenario.queues {
        let num = |path: &[&str]| summary("queues", &q.name, path);
        let c = format!("queue:{}", q.name);
        let failed = (num(&["failed"]), num(&["records"]), "records");
        out.extend(failure(&c, Kind::Errors, "lost (dead-lettered, discarded or expired)", failed));
    }
    out.extend(services(scenario, summary, run));
    out.extend(backlogs(&run.minutes));
    out.extend(account_limit(scenario, &run.minutes));
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

/// Each function's failures (throttles of its attempts; errors and timeouts of its
/// invocations), p99 near the timeout, keep-alive longer than the run, time at its reserved
/// concurrency, and `memory_size` left at its default.
fn functions(scenario: &Scenario, summary: Figures, run: &RunOutput) -> Vec<Warning> {
    let mut out = Vec::new();
    let mut short = Vec::new();
    for (i, f) in scenario.lambda.functions.iter().enumerate() {
        let num = |path: &[&str]| summary("functions", &f.name, path);
        let c = format!("function:{}", f.name);
        let invocations = num(&["invocations"]);
        let throttles = num(&["throttles"]);
        let attempts = (throttles, invocations + throttles, "attempts");
        out.extend(failure(&c, Kind::Throttles, "throttled", attempts));
        let of = |k: &str| (num(&[k]), invocations, "invocations");
        out.extend(failure(&c, Kind::Errors, "failed", of("errors")));
        out.extend(failure(&c, Kind::Timeouts, "timed out", of("timeouts")));
        let timeout_ms = f.timeout.0 as f64 / 1e6;
        out.extend(near_timeout(&c, num(&["latency_ms", "p99"]), timeout_ms));
        if let Dist::Constant(k) = f.keep_alive
            && scenario.duration.0 < k.0
        {
            short.push(Warning {
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
        let held = run.functions.get(i).map_or(0, |(_, st)| st.at_reserved.minutes());
        if let Some(r) = f.reserved
            && f64::from(held) >= LIMIT_MINUTES
        {
            out.push(Warning {
                component: c.clone(),
                kind: Kind::AtConcurrencyLimit,
                message: format!(
                    "{c} was held at its reserved concurrency of {r} for most of {held} \
                     measured minutes: the reservation caps it (invocations beyond it are \
                     throttled or wait in their queue)"
                ),
                value: f64::from(held),
                limit: LIMIT_MINUTES,
            });
        }
    }
    // a fleet's functions all too short-lived for their keep-alive: one warning, not thousands
    if short.len() > SAME_WARNING_LISTED {
        let names: Vec<&str> =
            short.iter().take(SAME_WARNING_LISTED).map(|w| w.component.as_str()).collect();
        let longest = short.iter().map(|w| w.limit).fold(0.0, f64::max);
        out.push(Warning {
            component: "lambda".into(),
            kind: Kind::RunTooShort,
            message: format!(
                "the run ({:.0} s) is shorter than the keep-alive of {} functions ({}, ...; up to \
                 {longest:.0} s): no idle environment of theirs is ever reclaimed, so cold \
                 starts are undercounted",
                scenario.duration.as_secs_f64(),
                short.len(),
                names.join(", "),
            ),
            value: scenario.duration.as_secs_f64(),
            limit: longest,
        });
    } else {
        out.extend(short);
    }
    out.extend(memory_defaults(scenario, summary));
    out
}

/// Past this many functions with the same scenario-wide warning (a run shorter than their
/// keep-alive), one warning names the first few and counts them.
const SAME_WARNING_LISTED: usize = 3;

/// `memory_size` not given on a function that was invoked: the 128 MB default then decides
/// its CPU share, its speed and its price. One warning per declared function (not per copy
/// of a `copies` group, nor per version of an alias).
fn memory_defaults(scenario: &Scenario, summary: Figures) -> Vec<Warning> {
    let mut out: Vec<Warning> = Vec::new();
    let mut listed = std::collections::HashSet::new();
    for (i, f) in scenario.lambda.functions.iter().enumerate() {
        if f.memory_given || summary("functions", &f.name, &["invocations"]) == 0.0 {
            continue;
        }
        let group =
            scenario.lambda.copies.iter().find(|g| (g.first..g.first + g.count).contains(&i));
        let declared = match group {
            Some(g) => g.name.as_str(),
            None => f.name.split(':').next().unwrap_or(&f.name),
        };
        let c = format!("function:{declared}");
        if !listed.insert(c.clone()) {
            continue;
        }
        out.push(Warning {
            component: c.clone(),
            kind: Kind::ImplicitDefault,
            message: format!(
                "{c} runs at {} MB, the default `memory_size`, which sets its CPU share, its \
                 speed and its price: set `memory_size` to what the function is deployed with",
                f.memory_mb
            ),
            value: f64::from(f.memory_mb),
            limit: f64::from(f.memory_mb),
        });
    }
    out
}

/// Each service's rejections, `concurrency` left at 1, and its tasks' queue still growing at
/// the end.
fn services(scenario: &Scenario, summary: Figures, run: &RunOutput) -> Vec<Warning> {
    let mut out = Vec::new();
    for (i, v) in scenario.services.iter().enumerate() {
        let num = |path: &[&str]| summary("services", &v.name, path);
        let c = format!("service:{}", v.name);
        let (requests, rejected) = (num(&["requests"]), num(&["rejected"]));
        out.extend(failure(&c, Kind::Rejections, "rejected", (rejected, requests, "requests")));
        if v.concurrency == 1 && (rejected > 0.0 || num(&["queued"]) > 0.0) {
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
        let Some((_, stats)) = run.services.get(i) else { continue };
        // the minutes' ends and the per-minute series share their rows (both cover the
        // arrival window minute by minute)
        let measured: Vec<f64> = stats
            .waiting
            .iter()
            .zip(&run.minutes)
            .filter(|(_, m)| m.warmup == 0)
            .map(|(&w, _)| f64::from(w))
            .collect();
        out.extend(growing(
            &c,
            &format!("{c}'s queue"),
            "requests waiting at its tasks",
            &measured,
            row_minutes(&run.minutes),
        ));
    }
    out
}

/// A backlog still growing at the end of `measured` (one value per measured minute): its last
/// value at least [`BACKLOG_FLOOR`] and more than [`BACKLOG_GROWTH`] times its value a quarter
/// of the period earlier. `unit` names what it counts.
fn growing(
    component: &str,
    what: &str,
    unit: &str,
    measured: &[f64],
    row_minutes: f64,
) -> Option<Warning> {
    let n = measured.len();
    if n < 2 {
        return None;
    }
    let back = (n / 4).max(1);
    let (end, before) = (measured[n - 1], measured[n - 1 - back]);
    let last = if row_minutes > 1.0 {
        format!("the last row ({row_minutes:.0} min)")
    } else {
        "the last minute".to_string()
    };
    let earlier = back as f64 * row_minutes.max(1.0);
    (end >= BACKLOG_FLOOR && end > BACKLOG_GROWTH * before).then(|| Warning {
        component: component.into(),
        kind: Kind::BacklogGrowing,
        message: format!(
            "{what} is still growing at the end: {end:.0} {unit} in {last}, \
             {before:.0} {earlier:.0} min earlier (the run is too short or the system overloaded)"
        ),
        value: end,
        limit: BACKLOG_GROWTH * before,
    })
}

/// Queues' and the asynchronous queue's backlogs still growing at the end (all queues
/// together, all functions together: the per-minute series is kept per account).
fn backlogs(minutes: &[MinuteRow]) -> Vec<Warning> {
    let measured: Vec<&MinuteRow> = minutes.iter().filter(|m| m.warmup == 0).collect();
    let queue: Vec<f64> = measured.iter().map(|m| m.queue_backlog_max as f64).collect();
    let events: Vec<f64> = measured.iter().map(|m| f64::from(m.async_queue_depth_max)).collect();
    let w = row_minutes(minutes);
    let mut out = Vec::new();
    out.extend(growing("queues", "the queue backlog", "records held", &queue, w));
    out.extend(growing("async", "the asynchronous event backlog", "events waiting", &events, w));
    out
}

/// The length of the time series' measured rows in minutes: 1, or more when the series is
/// coarsened (`simulation.timeseries_step`).
fn row_minutes(minutes: &[MinuteRow]) -> f64 {
    minutes.iter().filter(|m| m.warmup == 0).map(MinuteRow::minutes).fold(1.0, f64::max)
}

/// Lambda concurrency at the account limit for more than a minute (in two rows or more of
/// the time series: minutes, or the wider rows of a coarsened series).
fn account_limit(scenario: &Scenario, minutes: &[MinuteRow]) -> Option<Warning> {
    let limit = scenario.lambda.concurrency_limit;
    let at = minutes.iter().filter(|m| m.warmup == 0 && m.concurrency_max >= limit).count() as f64;
    let w = row_minutes(minutes);
    let rows = if w > 1.0 {
        format!("{at:.0} measured rows of {w:.0} min (at some time in each)")
    } else {
        format!("{at:.0} measured minutes")
    };
    (limit > 0 && at >= LIMIT_MINUTES).then(|| Warning {
        component: "lambda".into(),
        kind: Kind::AtConcurrencyLimit,
        message: format!("Lambda concurrency reached the account limit of {limit} in {rows}"),
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
pub fn merge<'a>(runs: impl Iterator<Item = &'a Value>) -> Value {
    // a set of what is listed, so a fleet's thousands of warnings merge in linear time
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<Value> = Vec::new();
    for w in runs.filter_map(|r| r["warnings"].as_array()).flatten() {
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
        let of = |part| (part, 100.0, "attempts");
        assert!(failure("function:f", Kind::Throttles, "throttled", of(1.0)).is_none());
        let w = failure("function:f", Kind::Throttles, "throttled", of(2.0)).unwrap();
        assert_eq!(w.value, 0.02);
        assert!(w.message.contains("2.0% of its attempts"), "{}", w.message);
    }

    #[test]
    fn near_timeout_at_ninety_percent() {
        assert!(near_timeout("function:f", 899.0, 1000.0).is_none());
        assert_eq!(near_timeout("function:f", 900.0, 1000.0).unwrap().limit, 900.0);
    }

    #[test]
    fn growing_compares_the_last_minute_with_a_quarter_earlier() {
        // 8 minutes: a quarter is 2 back
        let up: Vec<f64> = (1..=8).map(|m| 100.0 * f64::from(m)).collect();
        let w = growing("service:s", "service:s's queue", "requests waiting", &up, 1.0).unwrap();
        assert_eq!((w.value, w.limit), (800.0, 1.1 * 600.0));
        assert!(w.message.contains("800 requests waiting in the last minute, 600 2 min earlier"));
        // hourly rows: the same series reads in hours
        let w = growing("service:s", "q", "requests waiting", &up, 60.0).unwrap();
        assert!(
            w.message.contains("in the last row (60 min), 600 120 min earlier"),
            "{}",
            w.message
        );
        // flat at a full queue, or growing below the floor: silent
        assert!(growing("s", "q", "r", &[500.0; 8], 1.0).is_none());
        assert!(growing("s", "q", "r", &[10.0, 20.0, 40.0, 80.0, 99.0], 1.0).is_none());
    }

    #[test]
    fn merge_keeps_the_first_of_each_component_and_kind() {
        let a = json!({ "warnings": [{ "component": "x", "kind": "errors", "value": 1 }] });
        let b = json!({ "warnings": [
            { "component": "x", "kind": "errors", "value": 2 },
            { "component": "y", "kind": "errors", "value": 3 }] });
        let m = merge([a, b].iter());
        assert_eq!(m.as_array().unwrap().len(), 2);
        assert_eq!(m[0]["value"], json!(1));
    }
}
