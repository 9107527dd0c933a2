//! `summary.json`: the figures of a run per the contract, and their mean and 95% confidence
//! half-width over replications.
//!
//! Each replication is summarised on its own as a JSON tree; [`combine`] then walks the trees
//! in step and replaces every number by its mean, collecting the half-widths in a mirror tree
//! under `ci95`. Because this works on the tree, every figure added later (APIs, services,
//! queues) gets its mean and confidence interval without code here.
//!
//! The blocks that grow with a fleet (`functions`, `services`) are held as [`Table`]s, rows of
//! scalars under shared key paths, and combined leaf by leaf by the same rule; a [`Summary`]
//! is the tree with those tables in their places, written to `summary.json` as it is printed.

use std::borrow::Cow;
use std::io::{self, Write};

use serde_json::{Map, Value, json};

pub mod table;
pub use table::Table;

use crate::apigw::ApiStats;
use crate::apigw::billing::ApiUsage;
use crate::config::ServiceConfig;
use crate::config::{
    ApiConfig, ApiType, Integration, Invocation, QueueKind, Scenario, VolumeTiers,
};
use crate::engine::SimTime;
use crate::esm::QueueStats;
use crate::lambda::FunctionStats;
use crate::lambda::async_queue::AsyncStats;
use crate::lambda::billing::{self, Cost};
use crate::metrics::Histogram;
use crate::service::ServiceStats;
use crate::sim::RunOutput;

/// The blocks held as [`Table`]s: one entry per component, as many as a fleet has.
pub const TABLE_BLOCKS: [&str; 2] = ["functions", "services"];

/// A summary in memory: the JSON tree of `summary.json`, except that the blocks of
/// [`TABLE_BLOCKS`] (and their `ci95` mirrors) are held as [`Table`]s, a few hundred bytes a
/// component instead of a tree of maps each. In the tree their keys hold `null`, so the key
/// order of the file is kept. Index it like the tree for every other key.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    tree: Value,
    /// `functions`, `services`.
    blocks: [Table; 2],
    /// Their `ci95` mirrors (with replications).
    ci: Option<[Table; 2]>,
}

impl Summary {
    /// A summary from its JSON tree (as read back from `summary.json`, or built in a test).
    pub fn from_value(mut tree: Value) -> Summary {
        let take = |v: &mut Value| -> [Table; 2] {
            TABLE_BLOCKS.map(|k| match v.get_mut(k).map(Value::take) {
                Some(Value::Object(m)) => Table::from_object(m),
                _ => Table::new(),
            })
        };
        let blocks = take(&mut tree);
        let ci = tree.get_mut("ci95").filter(|c| c.is_object()).map(take);
        Summary { tree, blocks, ci }
    }

    /// The whole tree (small summaries and tests: a fleet's is large).
    pub fn to_value(&self) -> Value {
        let mut tree = self.tree.clone();
        let fill = |v: &mut Value, tables: &[Table; 2]| {
            for (k, t) in TABLE_BLOCKS.iter().zip(tables) {
                if v.get(*k).is_some() {
                    v[*k] = t.to_object();
                }
            }
        };
        fill(&mut tree, &self.blocks);
        if let (Some(ci), Some(c)) = (&self.ci, tree.get_mut("ci95")) {
            fill(c, ci);
        }
        tree
    }

    pub fn functions(&self) -> &Table {
        &self.blocks[0]
    }

    pub fn services(&self) -> &Table {
        &self.blocks[1]
    }

    /// A table block by its key (`functions`, `services`).
    pub fn table(&self, block: &str) -> Option<&Table> {
        TABLE_BLOCKS.iter().position(|b| *b == block).map(|i| &self.blocks[i])
    }

    /// The components of any block (`functions`, `apis`, `services`, `queues`...) with their
    /// figures, each built as the iterator reaches it.
    pub fn entries<'a>(
        &'a self,
        block: &str,
    ) -> Box<dyn Iterator<Item = (&'a str, Cow<'a, Value>)> + 'a> {
        match self.table(block) {
            Some(t) => Box::new(t.iter().map(|(n, v)| (n, Cow::Owned(v)))),
            None => match self.tree.get(block).and_then(Value::as_object) {
                Some(m) => Box::new(m.iter().map(|(n, v)| (n.as_str(), Cow::Borrowed(v)))),
                None => Box::new(std::iter::empty()),
            },
        }
    }

    /// One component's figures.
    pub fn entry<'a>(&'a self, block: &str, name: &str) -> Option<Cow<'a, Value>> {
        match self.table(block) {
            Some(t) => t.get(name).map(Cow::Owned),
            None => self.tree.get(block)?.get(name).map(Cow::Borrowed),
        }
    }

    /// One number of a component (0 when absent).
    pub fn figure(&self, block: &str, name: &str, path: &[&str]) -> f64 {
        match self.table(block) {
            Some(t) => t.figure(name, path).and_then(|v| v.as_f64()).unwrap_or(0.0),
            None => {
                path.iter().fold(&self.tree[block][name], |v, k| &v[*k]).as_f64().unwrap_or(0.0)
            }
        }
    }

    /// The names of a block's components, in order.
    pub fn names(&self, block: &str) -> Vec<String> {
        match self.table(block) {
            Some(t) => t.names().map(str::to_string).collect(),
            None => self.tree[block]
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default(),
        }
    }

    /// A figure by its dotted name, as a sweep table names it (`functions.api.latency_ms.p99`,
    /// `cost_usd.total`): its mean and 95 % half-width (0 without replications). A
    /// component's name may hold dots: each split of the name is tried against the block's
    /// components, so a lookup costs a few probes, not a scan of the fleet.
    pub fn dotted_figure(&self, name: &str) -> Option<(f64, f64)> {
        let (block, rest) = name.split_once('.')?;
        let mean_ci = |m: Option<f64>, c: Option<f64>| m.map(|m| (m, c.unwrap_or(0.0)));
        let tree_at = |root: &Value, path: &str| {
            path.split('.').try_fold(root, |v, k| v.get(k)).and_then(Value::as_f64)
        };
        if let Some(i) = TABLE_BLOCKS.iter().position(|b| *b == block) {
            let table = &self.blocks[i];
            for (at, _) in rest.match_indices('.') {
                let (component, leaf) = (&rest[..at], &rest[at + 1..]);
                if !table.contains(component) {
                    continue;
                }
                let path: Vec<&str> = leaf.split('.').collect();
                let m = table.figure(component, &path).and_then(|v| v.as_f64());
                let c = self
                    .ci
                    .as_ref()
                    .and_then(|ci| ci[i].figure(component, &path))
                    .and_then(|v| v.as_f64());
                return mean_ci(m, c);
            }
            return None;
        }
        mean_ci(tree_at(&self.tree, name), tree_at(&self.tree["ci95"], name))
    }

    /// A top-level key of the tree (`None` for a table block: see [`Summary::table`]).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.tree.get(key).filter(|_| !TABLE_BLOCKS.contains(&key))
    }

    /// Writes `summary.json` (with a final newline) atomically, streamed.
    pub fn write_file(&self, path: &std::path::Path) -> io::Result<()> {
        crate::files::write_atomic_with(path, |w| {
            self.write_pretty(w, 0)?;
            w.write_all(b"\n")
        })
    }

    /// `functions.csv`: a row per function with the figures of `summary.json` (see
    /// [`Table::write_csv`]), written atomically.
    pub fn write_functions_csv(&self, path: &std::path::Path) -> io::Result<()> {
        crate::files::write_atomic_with(path, |w| self.functions().write_csv(w, "function"))
    }

    /// Sets a top-level key (not a table block).
    pub fn set(&mut self, key: &str, v: Value) {
        self.tree[key] = v;
    }

    /// `summary.json`: pretty-printed as `serde_json::to_string_pretty` would print the whole
    /// tree, streamed block by block (the tree of every component is never held at once).
    pub fn write_pretty(&self, w: &mut dyn Write, level: usize) -> io::Result<()> {
        let Value::Object(map) = &self.tree else {
            return table::write_pretty(w, &self.tree, level);
        };
        write_object(w, map, level, &self.blocks, |w, k, v, level| match (k, &self.ci, v) {
            ("ci95", Some(ci), Value::Object(c)) => {
                write_object(w, c, level, ci, |w, _, v, level| table::write_pretty(w, v, level))
            }
            (_, _, v) => table::write_pretty(w, v, level),
        })
    }
}

impl std::ops::Index<&str> for Summary {
    type Output = Value;
    /// A top-level key of the tree; a table block's key gives `null` (use [`Summary::table`]).
    fn index(&self, key: &str) -> &Value {
        &self.tree[key]
    }
}

/// `doc` (an object) pretty-printed with `summary` streamed in place of its `key` (a sweep
/// point's file: its parameters, then the point's summary).
pub fn write_nested(
    w: &mut dyn Write,
    doc: &Value,
    key: &str,
    summary: &Summary,
) -> io::Result<()> {
    let Value::Object(map) = doc else { return table::write_pretty(w, doc, 0) };
    write_object(w, map, 0, &Default::default(), |w, k, v, level| {
        if k == key { summary.write_pretty(w, level) } else { table::write_pretty(w, v, level) }
    })
}

/// An object whose [`TABLE_BLOCKS`] keys are written from `tables`, the other values by `other`.
fn write_object(
    w: &mut dyn Write,
    map: &Map<String, Value>,
    level: usize,
    tables: &[Table; 2],
    other: impl Fn(&mut dyn Write, &str, &Value, usize) -> io::Result<()>,
) -> io::Result<()> {
    if map.is_empty() {
        return w.write_all(b"{}");
    }
    w.write_all(b"{")?;
    for (i, (k, v)) in map.iter().enumerate() {
        w.write_all(if i > 0 { b",\n" } else { b"\n" })?;
        for _ in 0..=level {
            w.write_all(b"  ")?;
        }
        serde_json::to_writer(&mut *w, k)?;
        w.write_all(b": ")?;
        match TABLE_BLOCKS.iter().position(|b| b == k) {
            Some(t) if v.is_null() => tables[t].write_pretty(w, level + 1)?,
            _ => other(w, k, v, level + 1)?,
        }
    }
    w.write_all(b"\n")?;
    for _ in 0..level {
        w.write_all(b"  ")?;
    }
    w.write_all(b"}")
}

/// The summary of one run (one replication).
pub fn summarize_run(scenario: &Scenario, run: &mut RunOutput) -> Summary {
    let end = SimTime(scenario.duration.0);
    let usages: Vec<_> = run.functions.iter().map(|(_, s)| s.usage.clone()).collect();
    let month = month_factor(scenario);
    let projection = projection_factor(scenario);
    let costs = billing::bill(scenario.prices, scenario.free_tier, month, &usages);
    // the month's bill: tiers and free tier applied to a month of the same traffic
    let monthly = billing::bill(scenario.prices, scenario.free_tier, projection, &usages);
    let mut functions = Table::new();
    let (mut lambda_total, mut lambda_monthly) = (0.0, 0.0);
    // the functions an asynchronous workload or trace targets, marked once (not a search
    // per function)
    let mut receives_async = vec![false; run.functions.len()];
    let from_workloads = scenario
        .workloads
        .iter()
        .filter(|w| w.invocation == Invocation::Async)
        .flat_map(|w| w.functions.iter().copied());
    let from_traces = scenario.traces.iter().flat_map(|t| t.async_functions());
    for f in from_workloads.chain(from_traces) {
        if let Some(r) = receives_async.get_mut(f) {
            *r = true;
        }
    }
    for (i, ((cfg, stats), cost)) in run.functions.iter_mut().zip(&costs).enumerate() {
        lambda_total += cost.total;
        let mut f = function_json(stats, cost, end);
        let month_usd = monthly[i].total * projection;
        f["cost_usd"]["monthly"] = json!(month_usd);
        lambda_monthly += month_usd;
        let window_s = (scenario.duration.0 - scenario.warmup.0) as f64 / 1e9;
        let idle_envs = f["instances"]["mean"].as_f64().unwrap_or(0.0)
            - f["concurrency"]["mean"].as_f64().unwrap_or(0.0);
        f["idle_gb_seconds"] = json!(idle_envs.max(0.0) * window_s * cfg.memory_mb as f64 / 1024.0);
        f["prewarms"] = json!(stats.prewarms);
        f["memory_size"] = json!(cfg.memory_mb);
        if let Some(label) = &cfg.label {
            f["label"] = json!(label);
        }
        f["architecture"] = json!(cfg.architecture.as_str());
        if receives_async[i] {
            f["async"] = async_json(&stats.asynchronous);
        }
        functions.insert(cfg.name.clone(), f);
    }
    let (apis, api_total, api_monthly) = apis_json(scenario, month, &run.apis);
    let (services, services_total) = services_json(&run.services, projection);
    let mut aliases = Map::new();
    for a in &scenario.lambda.aliases {
        let names: Vec<&str> =
            a.versions.iter().map(|&i| scenario.lambda.functions[i].name.as_str()).collect();
        let figure = |n: &str, path: &[&str]| -> f64 {
            functions.figure(n, path).and_then(|v| v.as_f64()).unwrap_or(0.0)
        };
        let total = |path: &[&str]| -> f64 { names.iter().map(|n| figure(n, path)).sum() };
        let new_invocations = figure(names[1], &["invocations"]);
        aliases.insert(
            a.name.clone(),
            json!({
                "versions": names,
                "invocations": total(&["invocations"]),
                "cold_starts": total(&["cold_starts"]),
                "throttles": total(&["throttles"]),
                "errors": total(&["errors"]),
                "timeouts": total(&["timeouts"]),
                "new_version_share": new_invocations / total(&["invocations"]).max(1.0),
                "cost_usd": { "total": total(&["cost_usd", "total"]) },
            }),
        );
    }
    let mut workloads = Map::new();
    for (w, requests) in scenario.workloads.iter().zip(&run.workload_requests) {
        let targets: Vec<String> = w
            .functions
            .iter()
            .map(|&f| format!("function:{}", scenario.lambda.functions[f].name))
            .chain(
                w.aliases.iter().map(|&a| format!("function:{}", scenario.lambda.aliases[a].name)),
            )
            .chain(w.queues.iter().map(|&q| format!("queue:{}", scenario.queues[q].name)))
            .collect();
        let invocation = match w.invocation {
            Invocation::Sync => "sync",
            Invocation::Async => "async",
        };
        workloads.insert(
            w.name.clone(),
            json!({ "requests": requests, "source": w.source, "invocation": invocation, "targets": targets }),
        );
    }
    let mut queues = Map::new();
    for (cfg, stats) in &run.queues {
        let target = format!("function:{}", scenario.lambda.functions[cfg.function].name);
        queues.insert(cfg.name.clone(), queue_json(stats, cfg.kind, &target));
    }
    let mut traces = Map::new();
    for (i, (name, t)) in run.traces.iter().enumerate() {
        let mut v = json!({
            "rows": t.rows,
            "invocations": t.replayed,
            "functions": t.functions,
            "skipped_rows": t.skipped_rows,
        });
        if let Some(cfg) = scenario.traces.get(i) {
            v["targets"] = json!(cfg.target_names);
            if !cfg.deliveries.is_empty() {
                v["async_requests"] = json!(t.asynchronous);
                v["queued_requests"] = json!(t.queued);
            }
            if !cfg.groups.is_empty() {
                let distinct: std::collections::BTreeSet<usize> =
                    cfg.groups.iter().copied().collect();
                v["services"] = json!(distinct.len());
                if !cfg.functions.is_empty() {
                    v["fleet"] = fleet_json(scenario, cfg, &functions, &services);
                }
            }
        }
        if let Some(e) = &t.error {
            v["error"] = json!(e);
        }
        traces.insert(name.clone(), v);
    }
    let tree = json!({
        "scenario": scenario.name,
        "seed": run.seed,
        "simulated_seconds": scenario.duration.as_secs_f64(),
        "measured_seconds": (scenario.duration.0 - scenario.warmup.0) as f64 / 1e9,
        "functions": null,
        "aliases": aliases,
        "workloads": workloads,
        "queues": queues,
        "apis": apis,
        "services": null,
        "traces": traces,
        "cost_usd": {
            "total": lambda_total + api_total + services_total,
            "lambda": lambda_total,
            "api_gateway": api_total,
            "services": services_total,
            "monthly": lambda_monthly + api_monthly + services_total * projection,
        },
    });
    let mut summary = Summary { tree, blocks: [functions, services], ci: None };
    let figure = |block: &str, name: &str, path: &[&str]| summary.figure(block, name, path);
    let warnings = crate::warnings::check(scenario, &figure, run);
    summary.set("warnings", crate::warnings::to_json(&warnings));
    summary
}

/// The month every monthly figure uses (`cost_usd.monthly`, the break-even chart): 30 days,
/// in seconds.
pub const MONTH_SECONDS: f64 = 30.0 * 86_400.0;

/// How many times the measured period fits in a 30-day month: what `cost_usd.monthly`
/// scales the period's usage by.
fn projection_factor(scenario: &Scenario) -> f64 {
    let measured = (scenario.duration.0 - scenario.warmup.0) as f64 / 1e9;
    MONTH_SECONDS / measured.max(1e-9)
}

/// How many times the measured period fits in the 30-day billing month the tiers apply to
/// (`pricing.volume_tiers`): 1 when the period is taken as the month.
fn month_factor(scenario: &Scenario) -> f64 {
    match scenario.volume_tiers {
        VolumeTiers::Period => 1.0,
        VolumeTiers::Monthly => projection_factor(scenario),
    }
}

/// The `apis` block: per API and per route, the API Gateway total cost, and that cost
/// projected to a 30-day month (request tiers applied to the month's volume).
fn apis_json(
    scenario: &Scenario,
    month: f64,
    apis: &[(ApiConfig, ApiStats, Vec<ApiStats>)],
) -> (Value, f64, f64) {
    let metered: Vec<ApiUsage> = apis
        .iter()
        .map(|(c, s, _)| ApiUsage {
            api_type: c.api_type,
            units: s.metered,
            connection_minutes: s.connection_minutes,
        })
        .collect();
    let bill = |month| {
        crate::apigw::billing::bill(
            &crate::pricing::API_US_EAST_1,
            scenario.free_tier,
            month,
            &metered,
        )
    };
    let costs = bill(month);
    let projection = projection_factor(scenario);
    let monthly = bill(projection);
    let mut out = Map::new();
    let (mut total, mut total_monthly) = (0.0, 0.0);
    for (((cfg, stats, routes), cost), month_cost) in apis.iter().zip(&costs).zip(&monthly) {
        let mut a = api_stats_json(stats);
        a["type"] = json!(match cfg.api_type {
            ApiType::Http => "http",
            ApiType::Rest => "rest",
            ApiType::WebSocket => "websocket",
        });
        a["billed_requests"] = json!(stats.metered);
        // what the routes integrate with, so a comparison can count the API with its platform
        let mut integrations: Vec<String> = Vec::new();
        for r in &cfg.routes {
            let target = match r.integration {
                Integration::Function(i) => {
                    format!("function:{}", scenario.lambda.functions[i].name)
                }
                Integration::Service(i) => format!("service:{}", scenario.services[i].name),
            };
            if !integrations.contains(&target) {
                integrations.push(target);
            }
        }
        a["integrations"] = json!(integrations);
        // the REST cache is billed per hour of the measured period, outside the free tier
        let hours = (scenario.duration.0 - scenario.warmup.0) as f64 / 3.6e12;
        let cache = cfg.cache.map_or(0.0, |c| c.usd_per_hour * hours);
        let (requests, minutes) = *cost;
        let month_usd = (month_cost.0 + month_cost.1 + cache) * projection;
        a["cost_usd"] = json!({
            "requests": requests,
            "connection_minutes": minutes,
            "cache": cache,
            "total": requests + minutes + cache,
            "monthly": month_usd,
        });
        total += requests + minutes + cache;
        total_monthly += month_usd;
        if cfg.api_type == ApiType::WebSocket {
            a["connections"] = json!({
                "opened": stats.connections,
                "refused": stats.connections_refused,
                "minutes": stats.connection_minutes,
            });
        }
        let mut r = Map::new();
        for (route, rs) in cfg.routes.iter().zip(routes) {
            r.insert(route.route.clone(), api_stats_json(rs));
        }
        a["routes"] = Value::Object(r);
        out.insert(cfg.name.clone(), a);
    }
    (Value::Object(out), total, total_monthly)
}

/// The `services` block, and the services' total cost (tasks or instances and load
/// balancers, over the measured period).
fn services_json(services: &[(ServiceConfig, ServiceStats)], projection: f64) -> (Table, f64) {
    let mut out = Table::new();
    let mut total = 0.0;
    for (cfg, s) in services {
        let (compute, alb) = crate::service::cost(cfg, s);
        total += compute + alb;
        let credits = crate::service::cpu_credit_usd(s);
        let tasks = compute - credits;
        let mut v = json!({
                "requests": s.requests,
                "rejected": s.rejected,
                "completed": s.completed,
                "queued": s.queued,
                "latency_ms": latency_json(&s.latency),
                "tasks": { "mean": s.tasks_mean, "max": s.tasks_max },
                "task_hours": s.task_hours,
                "scale_outs": s.scale_outs,
                "scale_ins": s.scale_ins,
                "drained_cut": s.drained_cut,
                "resizes": s.resizes,
                "cost_usd": {
                    "tasks": tasks,
                    "cpu_credits": credits,
                    "load_balancer": alb,
                    "total": compute + alb,
                    "monthly": (compute + alb) * projection,
                },
                "platform": cfg.platform.as_str(),
                "vcpu": cfg.vcpu,
                "memory": cfg.memory_mb,
                "instance_type": cfg.instance_type,
                "concurrency": cfg.concurrency,
        });
        capacity_json(&mut v, cfg, s);
        out.insert(cfg.name.clone(), v);
    }
    (out, total)
}

/// One group of a fleet: its Lambda functions taken together, and its service.
#[derive(Default)]
struct Group {
    requests: f64,
    lambda_usd: f64,
    lambda_monthly: f64,
    /// Throttled, errored or timed out, and what was offered (invocations + throttles).
    lambda_failed: f64,
    lambda_offered: f64,
}

/// A trace replayed both as Lambda functions and as services (`targets = ["lambda",
/// "service"]`): each group's functions paired with the service made for the group, so the
/// answer reads per group, not as one row per component. A side fails in a group when more
/// than 1 % of what was offered to it failed (throttled, errored or timed out on Lambda;
/// rejected, cut or interrupted on the service); a failing side is never the cheaper one.
/// Groups are counted by request rate too, in decades of requests per second, since which
/// platform is cheaper turns on a group's traffic.
fn fleet_json(
    scenario: &Scenario,
    cfg: &crate::trace::TraceConfig,
    functions: &Table,
    services: &Table,
) -> Value {
    let measured = (scenario.duration.0 - scenario.warmup.0) as f64 / 1e9;
    let figure = |t: &Table, name: &str, path: &[&str]| -> f64 {
        t.figure(name, path).and_then(|v| v.as_f64()).unwrap_or(0.0)
    };
    let mut groups: std::collections::BTreeMap<usize, Group> = Default::default();
    for (i, &f) in cfg.functions.iter().enumerate() {
        let (Some(&g), Some(fc)) = (cfg.groups.get(i), scenario.lambda.functions.get(f)) else {
            continue;
        };
        if !functions.contains(&fc.name) {
            continue;
        }
        let num = |path: &[&str]| figure(functions, &fc.name, path);
        let group = groups.entry(g).or_default();
        group.lambda_usd += num(&["cost_usd", "total"]);
        group.lambda_monthly += num(&["cost_usd", "monthly"]);
        group.lambda_failed += num(&["throttles"]) + num(&["errors"]) + num(&["timeouts"]);
        group.lambda_offered += num(&["invocations"]) + num(&["throttles"]);
    }
    let fails = |failed: f64, offered: f64| offered > 0.0 && failed / offered > 0.01;
    let (mut lambda_usd, mut lambda_monthly, mut service_usd, mut service_monthly) =
        (0.0, 0.0, 0.0, 0.0);
    let (mut lambda_failing, mut service_failing) = (0u64, 0u64);
    let (mut on_lambda, mut on_service, mut neither) = (0u64, 0u64, 0u64);
    // decade of requests per second -> (groups, cheaper on lambda, cheaper on services)
    let mut by_rate: std::collections::BTreeMap<i32, (u64, u64, u64)> = Default::default();
    let mut break_even: Vec<f64> = Vec::new();
    for (&g, group) in &mut groups {
        let Some(sc) = scenario.services.get(g) else { continue };
        let num = |path: &[&str]| figure(services, &sc.name, path);
        group.requests = num(&["requests"]);
        let s_usd = num(&["cost_usd", "total"]);
        let s_failed = num(&["rejected"]) + num(&["drained_cut"]) + num(&["interrupted"]);
        let (l_fails, s_fails) =
            (fails(group.lambda_failed, group.lambda_offered), fails(s_failed, group.requests));
        lambda_usd += group.lambda_usd;
        lambda_monthly += group.lambda_monthly;
        service_usd += s_usd;
        service_monthly += num(&["cost_usd", "monthly"]);
        lambda_failing += u64::from(l_fails);
        service_failing += u64::from(s_fails);
        let (l, s) = match (l_fails, s_fails) {
            (true, true) => (false, false),
            (false, true) => (true, false),
            (true, false) => (false, true),
            (false, false) => (group.lambda_usd <= s_usd, group.lambda_usd > s_usd),
        };
        on_lambda += u64::from(l);
        on_service += u64::from(s);
        neither += u64::from(!l && !s);
        let rate = if measured > 0.0 { group.requests / measured } else { 0.0 };
        let decade = if rate > 0.0 { rate.log10().floor() as i32 } else { i32::MIN };
        let bin = by_rate.entry(decade).or_default();
        *bin = (bin.0 + 1, bin.1 + u64::from(l), bin.2 + u64::from(s));
        // the rate at which the group's functions would cost what its service costs: valid
        // while the service's cost does not move with the rate (it never left its task count)
        // and neither side fails; Lambda's cost per request taken as measured
        let flat = (num(&["tasks", "max"]) - num(&["tasks", "mean"])).abs() < 1e-9;
        if flat
            && !l_fails
            && !s_fails
            && group.requests > 0.0
            && group.lambda_usd > 0.0
            && measured > 0.0
        {
            let per_request = group.lambda_usd / group.requests;
            break_even.push(s_usd / measured / per_request);
        }
    }
    break_even.sort_by(f64::total_cmp);
    let pct = |q: f64| -> f64 {
        if break_even.is_empty() {
            return 0.0;
        }
        let i = ((break_even.len() - 1) as f64 * q).round() as usize;
        break_even[i]
    };
    let break_even = json!({
        "groups": break_even.len(),
        "requests_per_s_p10": pct(0.1),
        "requests_per_s_p50": pct(0.5),
        "requests_per_s_p90": pct(0.9),
    });
    let by_rate: Vec<Value> = by_rate
        .into_iter()
        .map(|(d, (n, l, s))| {
            let (from, to) =
                if d == i32::MIN { (0.0, 0.0) } else { (10f64.powi(d), 10f64.powi(d + 1)) };
            json!({ "requests_per_s_from": from, "requests_per_s_to": to, "groups": n,
                    "cheaper_on_lambda": l, "cheaper_on_services": s })
        })
        .collect();
    json!({
        "groups": groups.len(),
        "lambda": { "cost_usd": lambda_usd, "monthly_usd": lambda_monthly, "failing_groups": lambda_failing },
        "services": { "cost_usd": service_usd, "monthly_usd": service_monthly, "failing_groups": service_failing },
        "cheaper_on_lambda": on_lambda,
        "cheaper_on_services": on_service,
        "neither": neither,
        "by_rate": by_rate,
        "break_even": break_even,
    })
}

/// The parts of a service's block that its capacity adds: Spot, the ECS-on-EC2 cluster, the
/// load balancer's LCUs. `interrupted` is always there (as `drained_cut` is), so that
/// conservation reads `requests = completed + rejected + drained_cut + interrupted` for every
/// service.
fn capacity_json(v: &mut Value, cfg: &ServiceConfig, s: &ServiceStats) {
    v["interrupted"] = json!(s.interrupted);
    if let Some(baseline) = cfg.burst_baseline {
        v["cpu_baseline"] = json!(baseline);
        v["surplus_vcpu_hours"] = json!(s.surplus_vcpu_hours);
    }
    if let Some(spot) = &cfg.spot {
        v["spot_interruptions"] = json!(s.spot_interruptions);
        v["spot_task_hours"] = json!(s.spot_task_hours);
        v["spot_discount"] = json!(spot.discount);
    }
    if let (Some(c), Some(cluster)) = (&s.cluster, &cfg.cluster) {
        v["tasks_per_instance"] = json!(cluster.tasks_per_instance);
        v["instances"] = json!({ "mean": c.instances_mean, "max": c.instances_max });
        v["instance_hours"] = json!(c.instance_hours);
        v["instance_launches"] = json!(c.instance_launches);
        v["instance_terminations"] = json!(c.instance_terminations);
        v["tasks_waited_for_capacity"] = json!(c.tasks_waited);
        v["capacity_wait_ms"] = latency_json(&c.wait);
        // on EC2 the instances are billed, not the tasks
        v["cost_usd"]["instances"] = v["cost_usd"]["tasks"].take();
        v["cost_usd"]["tasks"] = json!(0.0);
    }
    if cfg.alb {
        let d = &s.alb.by_dimension;
        v["load_balancer"] = json!({
            "hours": s.alb.hours,
            "lcu_hours": s.alb.lcu_hours,
            "lcu_hours_by_dimension": {
                "new_connections": d[0],
                "active_connections": d[1],
                "processed_bytes": d[2],
                "rule_evaluations": d[3],
            },
        });
    }
}

fn api_stats_json(s: &ApiStats) -> Value {
    json!({
        "requests": s.requests,
        "throttles": s.throttles(),
        "timeouts": s.timeouts,
        "errors": s.integration_errors + s.integration_throttles + s.authorizer_failures,
        "completed": s.completed,
        "latency_ms": latency_json(&s.latency),
        "throttles_by_level": {
            "account": s.throttled_account,
            "stage": s.throttled_stage,
            "route": s.throttled_route,
            "usage_plan": s.throttled_plan,
            "quota": s.throttled_quota,
        },
        "authorizer": {
            "invocations": s.authorizer_invocations,
            "cache_hits": s.authorizer_cache_hits,
            "failures": s.authorizer_failures,
        },
        "cache": { "hits": s.cache_hits, "misses": s.cache_misses },
        "integration_throttles": s.integration_throttles,
        "integration_errors": s.integration_errors,
    })
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Latency figures of a histogram of nanoseconds, in milliseconds.
fn latency_json(h: &Histogram) -> Value {
    let ms = |ns: f64| ns / 1e6;
    json!({
        "mean": ms(h.mean()),
        "p50": ms(h.quantile(0.50)),
        "p90": ms(h.quantile(0.90)),
        "p95": ms(h.quantile(0.95)),
        "p99": ms(h.quantile(0.99)),
        "max": ms(h.max() as f64),
    })
}

fn mean_ms(total_ns: u128, n: u64) -> f64 {
    if n == 0 { 0.0 } else { total_ns as f64 / n as f64 / 1e6 }
}

fn function_json(stats: &mut FunctionStats, cost: &Cost, end: SimTime) -> Value {
    json!({
        "invocations": stats.invocations,
        "cold_starts": stats.cold_starts,
        "restores": stats.usage.restores,
        "throttles": stats.throttles,
        "errors": stats.errors,
        "timeouts": stats.timeouts,
        "cold_start_ratio": ratio(stats.cold_starts, stats.invocations),
        "throttle_ratio": ratio(stats.throttles, stats.invocations + stats.throttles),
        "latency_ms": latency_json(&stats.latency),
        "instances": { "mean": stats.instances.mean_until(end), "max": stats.instances.max() },
        "concurrency": { "mean": stats.concurrency.mean_until(end), "max": stats.concurrency.max() },
        "provisioned_concurrency": {
            "mean": stats.provisioned.mean_until(end),
            "max": stats.provisioned.max(),
        },
        "init_ms": { "mean": mean_ms(stats.phases.cold_start_ns, stats.cold_starts) },
        "post_invocation_ms": { "mean": mean_ms(stats.phases.post_invocation_ns, stats.invocations) },
        "billed_gb_seconds": stats.usage.billed_gb_s(),
        "cost_usd": cost_json(cost),
        "arrivals": stats.arrivals,
        "attempts": stats.attempts,
        "completed": stats.invocations - stats.errors - stats.timeouts,
        "in_flight": stats.invocations - stats.finished,
        "provisioned_invocations": stats.provisioned_invocations,
    })
}

fn async_json(a: &AsyncStats) -> Value {
    json!({
        "events": a.events,
        "succeeded": a.succeeded,
        "failed": a.failed,
        "retries": a.retries,
        "age_ms": latency_json(&a.age),
        "expired": a.expired,
        "retries_exhausted": a.retries_exhausted,
        "redeliveries": a.redeliveries,
        "max_queue_depth": a.max_queue_depth,
        "in_flight": a.events - a.succeeded - a.failed,
    })
}

/// A queue's figures: records and what became of them, batches, backlog, ages.
fn queue_json(q: &QueueStats, kind: QueueKind, target: &str) -> Value {
    let mut v = json!({
        "kind": kind.as_str(),
        "target": target,
        "records": q.records,
        "batches": q.batches,
        "max_backlog": q.max_backlog,
        "age_ms": latency_json(&q.age),
        "succeeded": q.succeeded,
        "failed": q.failed,
        "in_flight": q.records - q.succeeded - q.failed,
        "expired": q.expired,
        "retries": q.retries,
        "throttled_batches": q.throttled_batches,
        "mean_batch_size": ratio(q.batch_records, q.batches),
        "max_concurrency": q.max_concurrency,
    });
    if kind.is_sqs() {
        v["receives"] = json!(q.receives);
        v["dead_lettered"] = json!(q.dead_lettered);
        v["max_pollers"] = json!(q.max_pollers);
    } else {
        v["retries_exhausted"] = json!(q.retries_exhausted);
        v["iterator_age_ms"] = latency_json(&q.iterator_age);
    }
    if kind != QueueKind::Sqs {
        v["out_of_order"] = json!(q.out_of_order);
    }
    v
}

fn cost_json(c: &Cost) -> Value {
    json!({
        "requests": c.requests,
        "duration": c.duration,
        "provisioned": c.provisioned,
        "ephemeral_storage": c.ephemeral_storage,
        "snap_start": c.snap_start,
        "total": c.total,
    })
}

/// The summary of all replications: means in the contract's places, `ci95` beside them.
pub fn summarize(scenario: &Scenario, runs: Vec<Summary>) -> Summary {
    let trees: Vec<Value> = runs.iter().map(|r| r.tree.clone()).collect();
    let (mut mean, ci) = combine(&trees);
    let n = runs.len();
    let (blocks, ci_blocks) = if n > 1 {
        let [f, s] = TABLE_BLOCKS.map(|k| {
            let tables: Vec<&Table> = runs.iter().filter_map(|r| r.table(k)).collect();
            Table::combine(&tables)
        });
        ([f.0, s.0], Some([f.1, s.1]))
    } else {
        let blocks = runs.into_iter().next().map(|r| r.blocks).unwrap_or_default();
        (blocks, None)
    };
    if let Value::Object(map) = &mut mean {
        map.insert("seed".into(), json!(scenario.seed));
        map.insert("warnings".into(), crate::warnings::merge(trees.iter()));
        map.insert("replications".into(), json!(n));
        if n > 1 {
            map.insert(
                "replication_seeds".into(),
                trees.iter().map(|r| r["seed"].clone()).collect(),
            );
            // per replication, so sweeps can compare points paired (common random numbers)
            map.insert(
                "replication_costs_usd".into(),
                trees.iter().map(|r| r["cost_usd"]["total"].clone()).collect(),
            );
            if let (Some(Value::Object(mut c)), Some(ci_blocks)) = (ci, &ci_blocks) {
                c.remove("seed");
                // the tables' places, in the order of the tree (a block with no half-width
                // has none, as in the tree)
                let mut ordered = Map::new();
                for key in map.keys() {
                    match TABLE_BLOCKS.iter().position(|b| b == key) {
                        Some(t) if !ci_blocks[t].is_empty() => {
                            ordered.insert(key.clone(), Value::Null);
                        }
                        Some(_) => {}
                        None => {
                            if let Some(v) = c.remove(key) {
                                ordered.insert(key.clone(), v);
                            }
                        }
                    }
                }
                ordered.extend(c);
                map.insert("ci95".into(), Value::Object(ordered));
            }
        }
        let p = scenario.prices;
        map.insert(
            "price_table".into(),
            json!({ "region": p.region, "as_of": p.as_of, "source": p.source, "free_tier": scenario.free_tier }),
        );
    }
    Summary { tree: mean, blocks, ci: ci_blocks }
}

/// Mean and 95% confidence half-width of each number across `values` (trees of equal shape).
/// With one value the tree is returned unchanged (integers stay integers) and there is no CI.
pub fn combine(values: &[Value]) -> (Value, Option<Value>) {
    let Some(first) = values.first() else {
        return (Value::Null, None);
    };
    if values.len() == 1 {
        return (first.clone(), None);
    }
    match first {
        Value::Object(map) => {
            let mut mean = Map::new();
            let mut ci = Map::new();
            for key in map.keys() {
                let column: Vec<Value> =
                    values.iter().map(|v| v.get(key).cloned().unwrap_or(Value::Null)).collect();
                let (m, c) = combine(&column);
                mean.insert(key.clone(), m);
                if let Some(c) = c {
                    ci.insert(key.clone(), c);
                }
            }
            (Value::Object(mean), (!ci.is_empty()).then_some(Value::Object(ci)))
        }
        // A figure equal in every replication (a setting, a zero count) keeps its exact form.
        Value::Number(_) if values.iter().all(|v| v == first) => (first.clone(), Some(json!(0.0))),
        Value::Number(_) => {
            let xs: Vec<f64> = values.iter().filter_map(Value::as_f64).collect();
            let (m, h) = mean_ci95(&xs);
            (json!(m), Some(json!(h)))
        }
        other => (other.clone(), None),
    }
}

/// Sample mean and half-width of the two-sided 95% Student-t confidence interval.
pub fn mean_ci95(xs: &[f64]) -> (f64, f64) {
    let n = xs.len();
    if n == 0 {
        return (0.0, 0.0);
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return (mean, 0.0);
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    (mean, t_975(n - 1) * (var / n as f64).sqrt())
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom.
fn t_975(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => T[df - 1],
        // Cornish-Fisher: z + (z^3 + z) / (4 df), within 0.001 of the exact value past 30
        _ => 1.959964 + (1.959964f64.powi(3) + 1.959964) / (4.0 * df as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_of_known_sample() {
        // mean 5, sd sqrt(2.5), n 5: half-width = 2.776 * sqrt(2.5 / 5)
        let (m, h) = mean_ci95(&[3.0, 4.0, 5.0, 6.0, 7.0]);
        assert_eq!(m, 5.0);
        assert!((h - 2.776 * 0.5f64.sqrt()).abs() < 1e-12);
        assert!((t_975(60) - 2.000).abs() < 0.001);
        assert!((t_975(120) - 1.980).abs() < 0.001);
    }

    #[test]
    fn combine_averages_numbers_and_mirrors_the_tree() {
        let a = json!({ "f": { "n": 1, "name": "x" }, "t": 2.0 });
        let b = json!({ "f": { "n": 3, "name": "x" }, "t": 4.0 });
        let (m, ci) = combine(&[a.clone(), b]);
        assert_eq!(m["f"]["n"], json!(2.0));
        assert_eq!(m["f"]["name"], json!("x"));
        assert_eq!(m["t"], json!(3.0));
        let ci = ci.unwrap();
        assert!((ci["t"].as_f64().unwrap() - 12.706 * (2.0f64 / 2.0).sqrt()).abs() < 1e-9);
        assert!(ci["f"].get("name").is_none());
        // one replication: unchanged, integers stay integers
        assert_eq!(combine(std::slice::from_ref(&a)), (a, None));
    }
}
