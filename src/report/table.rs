//! The compact table printed on the terminal after a run, read from the summary tree.

use serde_json::Value;

use crate::summary::Summary;

use super::comparison::{self, Compared};

fn num(v: &Value, path: &[&str]) -> f64 {
    path.iter().try_fold(v, |v, k| v.get(k)).and_then(Value::as_f64).unwrap_or(0.0)
}

/// Formats counts with thousands separators (`12,345`), rounding means of replications.
pub fn count(x: f64) -> String {
    let s = format!("{:.0}", x.round());
    let (sign, digits) = s.strip_prefix('-').map(|d| ("-", d)).unwrap_or(("", &s));
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{sign}{out}")
}

/// A header row, a rule, then rows; the first column left-aligned, the others right-aligned.
pub(crate) fn aligned(rows: &[Vec<String>]) -> String {
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| r.get(c).map_or(0, |s| s.chars().count())).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(
                |(c, (cell, &w))| {
                    if c == 0 { format!("{cell:<w$}") } else { format!("{cell:>w$}") }
                },
            )
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
        if i == 0 {
            out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * columns.saturating_sub(1)));
            out.push('\n');
        }
    }
    out
}

/// One platform of the side-by-side comparison: a Lambda function or a service.
#[derive(Clone, Debug, PartialEq)]
pub struct Platform {
    pub name: String,
    /// `lambda`, `fargate`, `ecs-ec2` or `ec2`.
    pub kind: String,
    pub requests: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    /// Throttled, failed or timed out (functions); turned away with 503 (services).
    pub failed: f64,
    /// Mean execution environments, or mean tasks/instances.
    pub capacity: f64,
    pub cost_usd: f64,
}

impl Platform {
    /// Cost per million requests it received (0 without requests).
    pub fn usd_per_million(&self) -> f64 {
        if self.requests > 0.0 { self.cost_usd / self.requests * 1e6 } else { 0.0 }
    }
}

/// Past this many components, a block's table (terminal and report.html) lists the costliest
/// ones only, with a line for the rest: a fleet's 50,000 functions are in `summary.json` and
/// `functions.csv`, not on a screen.
pub const LISTED: usize = 20;

/// The components of a block a table lists, and what the rest add up to.
pub struct Listed<'a> {
    /// All of them in the summary's order, or the [`LISTED`] costliest, costliest first.
    pub rows: Vec<(&'a str, std::borrow::Cow<'a, Value>)>,
    /// Components left out, their cost and their requests (`requests_key`).
    pub rest: usize,
    pub rest_usd: f64,
    pub rest_requests: f64,
    /// The busiest components (name, requests) and those with the most cold starts (name,
    /// cold starts), when some are left out: what a reader of a fleet looks for next.
    pub busiest: Vec<(String, f64)>,
    pub coldest: Vec<(String, f64)>,
    /// The last one listed costs the same as the first one left out: which of the equals are
    /// listed is the summary's order, not their cost.
    pub tie_at_cut: bool,
}

impl Listed<'_> {
    /// `listing the 20 costliest of 50,000 functions; the other 49,980 cost $1.23 for
    /// 456,789 invocations (every one in summary.json and functions.csv); the most invocations:
    /// a (1,234), ...; the most cold starts: ...`, when some are left out.
    pub fn note(&self, block: &str, unit: &str) -> Option<String> {
        if self.rest == 0 {
            return None;
        }
        let files =
            if block == "functions" { "summary.json and functions.csv" } else { "summary.json" };
        let top = |list: &[(String, f64)]| -> String {
            list.iter().map(|(n, x)| format!("{n} ({})", count(*x))).collect::<Vec<_>>().join(", ")
        };
        let ties = if self.tie_at_cut {
            " (some cost the same as the last listed: those listed come first in summary.json)"
        } else {
            ""
        };
        let mut out = format!(
            "listing the {} costliest of {} {block}{ties}; the other {} cost ${:.2} for {} {unit} \
             (every one is in {files})",
            self.rows.len(),
            count((self.rows.len() + self.rest) as f64),
            count(self.rest as f64),
            self.rest_usd,
            count(self.rest_requests),
        );
        if !self.busiest.is_empty() {
            out.push_str(&format!("; the most {unit}: {}", top(&self.busiest)));
        }
        if !self.coldest.is_empty() {
            out.push_str(&format!("; the most cold starts: {}", top(&self.coldest)));
        }
        Some(out)
    }
}

/// The components of `block` to list (see [`LISTED`]). Ties in cost keep the summary's
/// order. Only the listed components' trees are built.
pub fn listed<'a>(summary: &'a Summary, block: &str, requests_key: &[&str]) -> Listed<'a> {
    let names: Vec<&str> = match summary.table(block) {
        Some(t) => t.names().collect(),
        None => summary
            .get(block)
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(n, _)| n.as_str())
            .collect(),
    };
    let figure = |n: &str, path: &[&str]| summary.figure(block, n, path);
    if names.len() <= LISTED {
        let rows = summary.entries(block).collect();
        return Listed {
            rows,
            rest: 0,
            rest_usd: 0.0,
            rest_requests: 0.0,
            busiest: Vec::new(),
            coldest: Vec::new(),
            tie_at_cut: false,
        };
    }
    let top_by = |path: &[&str], n: usize| -> Vec<usize> {
        let mut order: Vec<(usize, f64)> =
            names.iter().enumerate().map(|(i, name)| (i, figure(name, path))).collect();
        order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        order.into_iter().take(n).map(|(i, _)| i).collect()
    };
    let costliest = top_by(&["cost_usd", "total"], LISTED + 1);
    let tie_at_cut = costliest.len() > LISTED && {
        let cost = |i: usize| figure(names[i], &["cost_usd", "total"]);
        cost(costliest[LISTED - 1]) == cost(costliest[LISTED])
    };
    let costliest = &costliest[..LISTED.min(costliest.len())];
    let mut listed = vec![false; names.len()];
    for &i in costliest {
        listed[i] = true;
    }
    let (mut rest_usd, mut rest_requests) = (0.0, 0.0);
    for (i, name) in names.iter().enumerate() {
        if !listed[i] {
            rest_usd += figure(name, &["cost_usd", "total"]);
            rest_requests += figure(name, requests_key);
        }
    }
    let named = |path: &[&str]| -> Vec<(String, f64)> {
        top_by(path, 5)
            .into_iter()
            .map(|i| (names[i].to_string(), figure(names[i], path)))
            .filter(|(_, x)| *x > 0.0)
            .collect()
    };
    let rows = costliest
        .iter()
        .filter_map(|&i| Some((names[i], summary.entry(block, names[i])?)))
        .collect();
    Listed {
        rows,
        rest: names.len() - costliest.len(),
        rest_usd,
        rest_requests,
        busiest: named(requests_key),
        coldest: if block == "functions" { named(&["cold_starts"]) } else { Vec::new() },
        tie_at_cut,
    }
}

/// Every function and service of a summary, functions first, in the summary's order.
pub fn platforms(summary: &Summary) -> Vec<Platform> {
    let mut out = Vec::new();
    let latency = |v: &Value, q: &str| num(v, &["latency_ms", q]);
    {
        for (name, f) in summary.entries("functions") {
            let f = &*f;
            out.push(Platform {
                name: name.to_string(),
                kind: "lambda".into(),
                requests: num(f, &["invocations"]),
                p50_ms: latency(f, "p50"),
                p95_ms: latency(f, "p95"),
                p99_ms: latency(f, "p99"),
                failed: num(f, &["throttles"]) + num(f, &["errors"]) + num(f, &["timeouts"]),
                capacity: num(f, &["instances", "mean"]),
                cost_usd: num(f, &["cost_usd", "total"]),
            });
        }
    }
    {
        for (name, v) in summary.entries("services") {
            let v = &*v;
            out.push(Platform {
                name: name.to_string(),
                kind: v.get("platform").and_then(Value::as_str).unwrap_or("service").into(),
                requests: num(v, &["requests"]),
                p50_ms: latency(v, "p50"),
                p95_ms: latency(v, "p95"),
                p99_ms: latency(v, "p99"),
                failed: num(v, &["rejected"]),
                capacity: num(v, &["tasks", "mean"]),
                cost_usd: num(v, &["cost_usd", "total"]),
            });
        }
    }
    out
}

/// The platforms to show side by side: all of them when services are compared with functions
/// or each other, none otherwise (the terminal table and `compare.png` both follow this).
pub fn compared(summary: &Summary) -> Vec<Platform> {
    let all = platforms(summary);
    if all.len() >= 2 && all.iter().any(|p| p.kind != "lambda") { all } else { Vec::new() }
}

/// The side-by-side table of the options, each costed with what fronts it (the `includes`
/// column), failing ones marked in the `carries load` column, then the verdict line.
fn comparison(options: &[Compared]) -> String {
    if options.len() > LISTED {
        return format!(
            "\nside by side: {}\n{}\n",
            too_many_options(options.len()),
            comparison::verdict(options)
        );
    }
    let header = ["platform", "includes", "requests", "p50 ms", "p95 ms", "p99 ms", "failed %"];
    let header2 = ["capacity", "cost USD", "USD/month", "USD per M", "carries load"];
    let mut rows: Vec<Vec<String>> =
        vec![header.iter().chain(&header2).map(|s| s.to_string()).collect()];
    for c in options {
        let p = &c.platform;
        let failed = if p.requests > 0.0 { 100.0 * p.failed / p.requests } else { 0.0 };
        let per_million = if p.requests > 0.0 { c.cost_usd / p.requests * 1e6 } else { 0.0 };
        rows.push(vec![
            p.name.clone(),
            c.includes.clone(),
            count(p.requests),
            format!("{:.1}", p.p50_ms),
            format!("{:.1}", p.p95_ms),
            format!("{:.1}", p.p99_ms),
            format!("{failed:.2}"),
            format!("{:.1}", p.capacity),
            format!("{:.2}", c.cost_usd),
            format!("{:.2}", c.monthly_usd),
            format!("{per_million:.2}"),
            status(c),
        ]);
    }
    format!(
        "\nside by side (capacity: mean environments or tasks; cost USD: the measured period, \
         USD/month: a 30-day month; each with what fronts it)\n{}{}\n",
        aligned(&rows),
        comparison::verdict(options)
    )
}

/// What replaces the side-by-side table (and the `compare` chart) past [`LISTED`] options:
/// a fleet's functions and services, each serving its own share of the requests.
pub fn too_many_options(n: usize) -> String {
    format!(
        "{n} options, more than the {LISTED} a table lists or a chart can show: each one's \
         figures are in summary.json (functions also in functions.csv), and a fleet's line \
         sums them up by group"
    )
}

/// `cheapest`, `yes` or `fails: 64 % rejected`.
pub(crate) fn status(c: &Compared) -> String {
    match (&c.failure, c.cheapest) {
        (Some(f), _) => format!("fails: {}", f.describe()),
        (None, true) => "yes, cheapest".into(),
        (None, false) => "yes".into(),
    }
}

/// One line per function, then the total cost.
pub fn render(summary: &Summary) -> String {
    let header = [
        "function",
        "invocations",
        "cold %",
        "throttles",
        "errors",
        "timeouts",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max conc",
        "mean envs",
        "cost USD",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    let functions = listed(summary, "functions", &["invocations"]);
    {
        for (name, f) in &functions.rows {
            let f = &**f;
            rows.push(vec![
                name.to_string(),
                count(num(f, &["invocations"])),
                format!("{:.2}", 100.0 * num(f, &["cold_start_ratio"])),
                count(num(f, &["throttles"])),
                count(num(f, &["errors"])),
                count(num(f, &["timeouts"])),
                format!("{:.1}", num(f, &["latency_ms", "p50"])),
                format!("{:.1}", num(f, &["latency_ms", "p95"])),
                format!("{:.1}", num(f, &["latency_ms", "p99"])),
                count(num(f, &["concurrency", "max"])),
                format!("{:.1}", num(f, &["instances", "mean"])),
                format!("{:.2}", num(f, &["cost_usd", "total"])),
            ]);
        }
    }
    let mut out = String::new();
    // a scenario without functions (services only) gets no empty function table
    if rows.len() > 1 {
        out.push_str(&aligned(&rows));
    }
    if let Some(note) = functions.note("functions", "invocations") {
        out.push_str(&note);
        out.push('\n');
    }
    if let Some(apis) = summary.get("apis").and_then(Value::as_object) {
        for (name, a) in apis {
            out.push_str(&format!(
                "api {name}: {} requests, {} throttled, {} 5xx, {} timed out, p50 {:.1} ms, p99 {:.1} ms, ${:.2}\n",
                count(num(a, &["requests"])),
                count(num(a, &["throttles"])),
                count(num(a, &["errors"])),
                count(num(a, &["timeouts"])),
                num(a, &["latency_ms", "p50"]),
                num(a, &["latency_ms", "p99"]),
                num(a, &["cost_usd", "total"]),
            ));
        }
    }
    let services = listed(summary, "services", &["requests"]);
    {
        for (name, v) in &services.rows {
            let v = &**v;
            let (mean, max) = (num(v, &["tasks", "mean"]), num(v, &["tasks", "max"]));
            // fixed capacity: "2 tasks"; autoscaled: "4.3 tasks (max 6)"
            let tasks = if max > mean + 1e-9 {
                format!("{mean:.1} tasks (max {})", count(max))
            } else if (mean - 1.0).abs() < 1e-9 {
                "1 task".to_string()
            } else {
                format!("{} tasks", count(mean))
            };
            out.push_str(&format!(
                "service {name}: {} requests, {} rejected, p50 {:.1} ms, p99 {:.1} ms, {tasks}, ${:.2}\n",
                count(num(v, &["requests"])),
                count(num(v, &["rejected"])),
                num(v, &["latency_ms", "p50"]),
                num(v, &["latency_ms", "p99"]),
                num(v, &["cost_usd", "total"]),
            ));
        }
    }
    if let Some(note) = services.note("services", "requests") {
        out.push_str(&note);
        out.push('\n');
    }
    let options = comparison::compare(summary);
    if !options.is_empty() {
        out.push_str(&comparison(&options));
    }
    for (name, t) in summary.get("traces").and_then(Value::as_object).into_iter().flatten() {
        if let Some(f) = t.get("fleet").filter(|f| f.is_object()) {
            out.push_str(&fleet_line(name, f));
        }
    }
    let reps = num(&summary["replications"], &[]);
    let total = num(&summary["cost_usd"], &["total"]);
    let period = match summary.get("ci95").map(|ci| num(ci, &["cost_usd", "total"])) {
        Some(h) if reps > 1.0 => {
            format!("${total:.2} ± {h:.2} (95% CI over {reps} replications)")
        }
        _ => format!("${total:.2}"),
    };
    // summaries written before the projection have no `monthly`
    match summary["cost_usd"]["monthly"].as_f64() {
        Some(m) => out
            .push_str(&format!("total cost: {period} for the period, ${m:.2} per 30-day month\n")),
        None => out.push_str(&format!("total cost: {period}\n")),
    }
    out
}

/// A rate in requests per second with three significant digits (0.000123, 4.56, 7,890).
fn rate(r: f64) -> String {
    if r >= 1000.0 {
        count(r)
    } else if r > 0.0 {
        let digits = (2 - r.log10().floor() as i32).max(0) as usize;
        format!("{r:.digits$}")
    } else {
        "0".into()
    }
}

/// A fleet's groups paired across platforms (`traces.NAME.fleet`), in one line: totals per
/// platform and where each group is cheaper, by request rate.
pub fn fleet_line(name: &str, f: &Value) -> String {
    let side = |k: &str| {
        format!(
            "{k} ${:.2}/month ({} failing)",
            num(f, &[k, "monthly_usd"]),
            count(num(f, &[k, "failing_groups"]))
        )
    };
    let bins: Vec<String> = f["by_rate"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| {
            let (from, to) = (num(b, &["requests_per_s_from"]), num(b, &["requests_per_s_to"]));
            let range = if to > 0.0 { format!("{from}-{to}/s") } else { "idle".into() };
            format!(
                "{range}: {} of {} on lambda, {} on services",
                count(num(b, &["cheaper_on_lambda"])),
                count(num(b, &["groups"])),
                count(num(b, &["cheaper_on_services"]))
            )
        })
        .collect();
    let be = &f["break_even"];
    let break_even = if num(be, &["groups"]) > 0.0 {
        format!(
            "; break-even rate (where a group's functions would cost what its service does, for \
             the {} groups whose service kept its task count): median {}/s, 10-90 % {}-{}/s",
            count(num(be, &["groups"])),
            rate(num(be, &["requests_per_s_p50"])),
            rate(num(be, &["requests_per_s_p10"])),
            rate(num(be, &["requests_per_s_p90"])),
        )
    } else {
        String::new()
    };
    format!(
        "fleet {name}: {} groups, {}, {}; cheaper on lambda in {}, on services in {}, neither \
         carries its load in {} ({}){break_even}\n",
        count(num(f, &["groups"])),
        side("lambda"),
        side("services"),
        count(num(f, &["cheaper_on_lambda"])),
        count(num(f, &["cheaper_on_services"])),
        count(num(f, &["neither"])),
        bins.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_fleet_reads_in_one_line() {
        let f = json!({
            "groups": 3,
            "lambda": { "cost_usd": 1.0, "monthly_usd": 30.0, "failing_groups": 0 },
            "services": { "cost_usd": 2.0, "monthly_usd": 60.0, "failing_groups": 1 },
            "cheaper_on_lambda": 2, "cheaper_on_services": 1, "neither": 0,
            "by_rate": [
                { "requests_per_s_from": 0.1, "requests_per_s_to": 1.0, "groups": 2,
                  "cheaper_on_lambda": 2, "cheaper_on_services": 0 },
                { "requests_per_s_from": 10.0, "requests_per_s_to": 100.0, "groups": 1,
                  "cheaper_on_lambda": 0, "cheaper_on_services": 1 }]
        });
        assert_eq!(
            fleet_line("apps", &f),
            "fleet apps: 3 groups, lambda $30.00/month (0 failing), services $60.00/month (1 \
             failing); cheaper on lambda in 2, on services in 1, neither carries its load in 0 \
             (0.1-1/s: 2 of 2 on lambda, 0 on services; 10-100/s: 0 of 1 on lambda, 1 on \
             services)\n"
        );
    }

    #[test]
    fn renders_one_line_per_function_with_separators() {
        let s = json!({
            "replications": 1,
            "functions": { "api": { "invocations": 1234567, "cold_start_ratio": 0.0123,
                "latency_ms": { "p50": 10.0, "p95": 20.0, "p99": 30.04 }, "cost_usd": { "total": 1.234 } } },
            "cost_usd": { "total": 1.234 }
        });
        let t = render(&Summary::from_value(s.clone()));
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 4, "{t}");
        assert!(
            lines[2].starts_with("api")
                && lines[2].contains("1,234,567")
                && lines[2].contains("1.23")
        );
        assert!(lines[2].contains("30.0"));
        assert_eq!(lines[3], "total cost: $1.23");
    }

    #[test]
    fn platforms_compare_side_by_side_with_cost_per_million() {
        let s = json!({
            "functions": { "fn": { "invocations": 2_000_000, "throttles": 10, "errors": 5,
                "timeouts": 5, "instances": { "mean": 25.9 },
                "latency_ms": { "p50": 97.0, "p95": 221.2, "p99": 312.5 },
                "cost_usd": { "total": 3.0 } } },
            "services": { "web": { "platform": "fargate", "requests": 2_000_000, "rejected": 200,
                "tasks": { "mean": 4.8, "max": 7 },
                "latency_ms": { "p50": 80.2, "p95": 183.5, "p99": 256.9 },
                "cost_usd": { "total": 1.0 } } },
            "cost_usd": { "total": 4.0 }
        });
        let p = platforms(&Summary::from_value(s.clone()));
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].usd_per_million(), p[1].usd_per_million()), (1.5, 0.5));
        assert_eq!((p[0].failed, p[1].failed), (20.0, 200.0));
        let t = render(&Summary::from_value(s.clone()));
        let line = t.lines().find(|l| l.starts_with("web ")).expect(&t);
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            cells,
            [
                "web",
                "fargate",
                "2,000,000",
                "80.2",
                "183.5",
                "256.9",
                "0.01",
                "4.8",
                "1.00",
                "0.00", // no measured period, no month
                "0.50",
                "yes,",
                "cheapest"
            ]
        );
        // Lambda alone: no comparison
        let only: Value =
            json!({ "functions": s["functions"].clone(), "cost_usd": { "total": 3.0 } });
        assert!(!render(&Summary::from_value(only.clone())).contains("side by side"));
    }

    #[test]
    fn services_get_a_line_each() {
        let s = json!({
            "services": { "web": { "requests": 1200, "rejected": 3, "tasks": { "mean": 2, "max": 2 },
                "latency_ms": { "p50": 80.04, "p99": 250.0 }, "cost_usd": { "total": 0.125 } },
                "api": { "requests": 10, "rejected": 0, "tasks": { "mean": 4.25, "max": 6 },
                "latency_ms": { "p50": 1.0, "p99": 2.0 }, "cost_usd": { "total": 1.0 } } },
            "cost_usd": { "total": 1.125 }
        });
        let t = render(&Summary::from_value(s.clone()));
        assert!(!t.contains("invocations"), "no functions, no function table: {t}");
        assert!(t.contains("service web: 1,200 requests, 3 rejected, p50 80.0 ms, p99 250.0 ms, 2 tasks, $0.12\n"), "{t}");
        assert!(t.contains("service api: 10 requests, 0 rejected, p50 1.0 ms, p99 2.0 ms, 4.2 tasks (max 6), $1.00\n"), "{t}");
    }

    #[test]
    fn apis_get_a_line_each() {
        let s = json!({
            "functions": {},
            "apis": { "shop": { "requests": 2500, "throttles": 12, "errors": 1, "timeouts": 0,
                "latency_ms": { "p50": 20.04, "p99": 99.96 }, "cost_usd": { "total": 0.0025 } } },
            "cost_usd": { "total": 0.0025 }
        });
        let t = render(&Summary::from_value(s.clone()));
        assert!(t.contains("api shop: 2,500 requests, 12 throttled, 1 5xx, 0 timed out, p50 20.0 ms, p99 100.0 ms, $0.00\n"), "{t}");
    }

    #[test]
    fn the_total_line_shows_the_period_and_the_month() {
        let s = json!({ "replications": 1, "functions": {},
            "cost_usd": { "total": 1.234, "monthly": 3553.92 } });
        assert!(
            render(&Summary::from_value(s.clone()))
                .ends_with("total cost: $1.23 for the period, $3553.92 per 30-day month\n")
        );
        let s = json!({ "replications": 3, "functions": {},
            "cost_usd": { "total": 1.234, "monthly": 3553.92 }, "ci95": { "cost_usd": { "total": 0.1 } } });
        assert!(render(&Summary::from_value(s.clone())).ends_with(
            "total cost: $1.23 ± 0.10 (95% CI over 3 replications) for the period, $3553.92 per 30-day month\n"
        ));
    }
}
