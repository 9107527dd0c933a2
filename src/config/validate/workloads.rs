//! `[[workload]]`: request streams and the functions, aliases and queues they target.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::Checker;
use crate::config::raw::*;
use crate::config::*;
use crate::problem::{clip, name_list};

/// What workloads may target.
pub(super) struct Targets<'a> {
    pub functions: &'a [FunctionConfig],
    pub aliases: &'a [AliasConfig],
    pub copies: &'a [CopyGroup],
    pub queues: &'a [QueueConfig],
    pub apis: &'a [ApiConfig],
    pub services: &'a [ServiceConfig],
    /// Each function's index by name (the first of a repeated name), so resolving tens of
    /// thousands of targets is not quadratic.
    pub function_index: FunctionIndex<'a>,
}

/// Function indexes by name: see [`FunctionIndex::of`].
pub(super) type FunctionIndex<'a> = HashMap<&'a str, usize>;

/// The index of each function by name; a repeated name keeps its first function (as a search
/// from the start would find).
pub(super) fn function_index(functions: &[FunctionConfig]) -> FunctionIndex<'_> {
    let mut index = HashMap::with_capacity(functions.len());
    for (i, f) in functions.iter().enumerate() {
        index.entry(f.name.as_str()).or_insert(i);
    }
    index
}

pub(super) fn validate_workloads(
    c: &mut Checker,
    raw: &[RawWorkload],
    to: &Targets,
    base_dir: &Path,
) -> Vec<WorkloadConfig> {
    if raw.is_empty() {
        c.bad(
            "workload",
            "no [[workload]] is declared, so nothing would arrive; add one (see the book's \
             scenario reference, docs/src/reference/scenario.md, or `slsim schema`)",
        );
    }
    let mut names = HashSet::new();
    let mut out = Vec::new();
    for (i, w) in raw.iter().enumerate() {
        let i = &super::item_key("workload", i, &w.name);
        let key = |k: &str| format!("{i}.{k}");
        if w.name.is_empty() || !names.insert(w.name.as_str()) {
            c.bad(key("name"), format!("\"{}\" must be non-empty and unique", w.name));
        }
        let targets: Vec<(String, &str)> = match (&w.target, &w.targets) {
            (Some(t), None) => vec![(key("target"), t.as_str())],
            (None, Some(ts)) if !ts.is_empty() => ts
                .iter()
                .enumerate()
                .map(|(j, t)| (format!("{i}.targets[{j}]"), t.as_str()))
                .collect(),
            (Some(_), Some(_)) => {
                c.bad(key("targets"), "give either `target` or `targets`, not both");
                Vec::new()
            }
            _ => {
                c.bad(key("target"), "missing: set target = \"function:NAME\"");
                Vec::new()
            }
        };
        let mut fn_indices = Vec::new();
        let mut alias_indices = Vec::new();
        let mut queue_indices = Vec::new();
        let mut api_routes = Vec::new();
        let mut service_indices = Vec::new();
        let mut groups = Vec::new();
        for (tkey, t) in targets {
            let group =
                t.strip_prefix("function:").and_then(|n| to.copies.iter().find(|g| g.name == n));
            if let Some(g) = group {
                groups.push(g);
                continue;
            }
            let alias = t
                .strip_prefix("function:")
                .and_then(|n| to.aliases.iter().position(|a| a.name == n));
            if let Some(a) = alias {
                alias_indices.push(a);
                continue;
            }
            if let Some(name) = t.strip_prefix("service:") {
                match to.services.iter().position(|s| s.name == name) {
                    Some(i) => service_indices.push(i),
                    None => {
                        let declared: Vec<&str> =
                            to.services.iter().map(|s| s.name.as_str()).collect();
                        let why = c.missing("service", name, &declared);
                        c.bad(&tkey, format!("\"{}\": {why}", clip(t)));
                    }
                }
                continue;
            }
            if let Some(name) = t.strip_prefix("api:") {
                api_routes.extend(resolve_route(
                    c,
                    &tkey,
                    &key("route"),
                    name,
                    w.route.as_deref(),
                    to.apis,
                ));
                continue;
            }
            match resolve_target(c, tkey, t, to) {
                Some(Target::Function(f)) => fn_indices.push(f),
                Some(Target::Queue(q)) => queue_indices.push(q),
                None => {}
            }
        }
        if let Some(r) = w.route.as_ref().filter(|_| api_routes.is_empty()) {
            c.bad(key("route"), format!("\"{r}\": a route applies only to api targets"));
        }
        let clients = c.int(&key("clients"), w.clients, 1000, 1, 10_000_000, " distinct clients");
        if api_routes.is_empty() {
            for (k, given) in [("api_key", w.api_key.is_some()), ("clients", w.clients.is_some())] {
                if given {
                    c.bad(key(k), "applies only to api targets");
                }
            }
        }
        let websocket = api_routes.iter().any(|&(a, _)| to.apis[a].api_type == ApiType::WebSocket);
        let connection = match (&w.connection, websocket) {
            (Some(conn), true) => {
                let lifetime = c.dist(&key("connection.lifetime"), &conn.lifetime, base_dir);
                let rate = conn.messages_per_minute;
                if !rate.is_finite() || rate <= 0.0 || rate > 60_000.0 {
                    let msg = format!("{rate} is not allowed; above 0 and at most 60000");
                    c.bad(key("connection.messages_per_minute"), msg);
                }
                lifetime.map(|lifetime| ConnectionConfig { lifetime, messages_per_minute: rate })
            }
            (None, true) => {
                let msg = "missing: a WebSocket target needs connection = { lifetime, messages_per_minute }";
                c.bad(key("connection"), msg);
                None
            }
            (Some(_), false) => {
                c.bad(key("connection"), "applies only to WebSocket api targets");
                None
            }
            (None, false) => None,
        };
        let request_size_kb = w.request_size_kb.unwrap_or(1.0);
        if !request_size_kb.is_finite() || request_size_kb <= 0.0 || request_size_kb > 10_240.0 {
            c.bad(
                key("request_size_kb"),
                format!("{request_size_kb} is not allowed; above 0 and at most 10240 (10 MB)"),
            );
        }
        let arrivals = arrivals(c, &key("arrivals"), &w.arrivals);
        let work = c.dist(&key("duration"), &w.duration, base_dir);
        let cpu_bound = w.cpu_bound.unwrap_or(0.0);
        if !(0.0..=1.0).contains(&cpu_bound) {
            c.bad(key("cpu_bound"), format!("{cpu_bound} is not a share; allowed 0.0..=1.0"));
        }
        let threads = c.int(&key("threads"), w.threads, 1, 1, 1024, "");
        let push = w.source.as_deref().filter(|s| PUSH_SOURCES.contains(s));
        let invocation = match (w.invocation, push) {
            (Some(RawInvocation::Sync), Some(src)) => {
                let msg = format!("\"sync\": {src} invokes Lambda asynchronously; use \"async\"");
                c.bad(key("invocation"), msg);
                Invocation::Async
            }
            (Some(RawInvocation::Async), _) | (None, Some(_)) => Invocation::Async,
            (Some(RawInvocation::Sync), None) | (None, None) => Invocation::Sync,
        };
        let others =
            fn_indices.len() + alias_indices.len() + queue_indices.len() + api_routes.len();
        if !groups.is_empty() && (others > 0 || groups.iter().any(|g| g.count != groups[0].count)) {
            let msg = "a workload that targets functions declared with `copies` may target only \
                       such functions, all with the same number of copies";
            c.bad(key("target"), msg);
        }
        if let Some(work) = work {
            let cfg = WorkloadConfig {
                name: w.name.clone(),
                functions: fn_indices,
                aliases: alias_indices,
                queues: queue_indices,
                services: service_indices.clone(),
                api_keys: api_routes
                    .iter()
                    .map(|&(a, _)| api_key(c, &key("api_key"), w.api_key.as_deref(), &to.apis[a]))
                    .collect(),
                apis: api_routes,
                request_size_kb,
                clients,
                connection,
                arrivals,
                work,
                cpu_bound,
                threads,
                invocation,
                source: w.source.clone(),
            };
            match groups.first() {
                None => out.push(cfg),
                // one independent copy of the stream per copy of the functions
                Some(g) => out.extend((0..g.count).map(|k| WorkloadConfig {
                    name: format!("{}-{k}", w.name),
                    functions: groups.iter().map(|g| g.first + k).collect(),
                    ..cfg.clone()
                })),
            }
        }
    }
    out
}

/// What a workload's target names.
pub(super) enum Target {
    Function(usize),
    Queue(usize),
}

/// The function or queue a target names, or a problem reported at `key`.
fn resolve_target(c: &mut Checker, key: String, target: &str, to: &Targets) -> Option<Target> {
    let queues = to.queues;
    match target.split_once(':') {
        Some(("function", name)) => {
            resolve_function(c, key, target, name, to.functions, &to.function_index)
        }
        Some(("queue", name)) => {
            let found = queues.iter().position(|q| q.name == name);
            if found.is_none() {
                let declared: Vec<&str> = queues.iter().map(|q| q.name.as_str()).collect();
                let why = c.missing("queue", name, &declared);
                c.bad(key, format!("\"{}\": {why}", clip(target)));
            }
            found.map(Target::Queue)
        }
        Some(("service", _)) => {
            c.bad(
                key,
                format!(
                    "\"{target}\": only function and queue targets are supported by this \
                     version of slsim"
                ),
            );
            None
        }
        _ => {
            c.bad(
                key,
                format!("\"{target}\" is not a target; use \"function:NAME\" or \"queue:NAME\""),
            );
            None
        }
    }
}

/// The index of the function `name` (from `target`), or a problem reported at `key`.
pub(super) fn resolve_function(
    c: &mut Checker,
    key: String,
    target: &str,
    name: &str,
    functions: &[FunctionConfig],
    index: &FunctionIndex,
) -> Option<Target> {
    let found = index.get(name).copied();
    if found.is_none() {
        let declared: Vec<&str> = functions.iter().map(|f| f.name.as_str()).collect();
        let why = c.missing("function", name, &declared);
        c.bad(key, format!("\"{}\": {why}", clip(target)));
    }
    found.map(Target::Function)
}

/// The (api, route) an `api:NAME` target and the workload's `route` name.
pub(super) fn resolve_route(
    c: &mut Checker,
    key: &str,
    route_key: &str,
    name: &str,
    route: Option<&str>,
    apis: &[ApiConfig],
) -> Option<(usize, usize)> {
    let Some(a) = apis.iter().position(|a| a.name == name) else {
        let declared: Vec<&str> = apis.iter().map(|a| a.name.as_str()).collect();
        let why = c.missing("api", name, &declared);
        c.bad(key, format!("\"api:{}\": {why}", clip(name)));
        return None;
    };
    let routes: Vec<&str> = apis[a].routes.iter().map(|r| r.route.as_str()).collect();
    let r = match route {
        Some(r) => routes.iter().position(|x| *x == r),
        None if routes.len() == 1 => Some(0),
        None => None,
    };
    if r.is_none() {
        let given = route.map_or("missing".to_string(), |r| format!("\"{}\"", clip(r)));
        let invalid = route.is_some_and(|r| {
            c.declared.get(&format!("route of api {name}")).is_some_and(|d| d.contains(r))
        });
        let msg = if invalid {
            format!("{given}: route {given} of api \"{name}\" is declared but invalid, see above")
        } else {
            format!("{given}: name one of the routes of api \"{name}\": {}", name_list(&routes))
        };
        c.bad(route_key, msg);
    }
    r.map(|r| (a, r))
}

/// The usage plan of `api` whose key a workload sends, if it names one.
fn api_key(c: &mut Checker, key: &str, name: Option<&str>, api: &ApiConfig) -> Option<usize> {
    let name = name?;
    let found = api.usage_plans.iter().position(|p| p.name == name);
    if found.is_none() {
        let plans: Vec<&str> = api.usage_plans.iter().map(|p| p.name.as_str()).collect();
        c.bad(
            key,
            format!(
                "\"{}\": api \"{}\" has no usage plan so named; its plans: {}",
                clip(name),
                api.name,
                name_list(&plans)
            ),
        );
    }
    found
}

/// An arrival process: the keys of its kind, each checked; rates scaled by `scale`.
fn arrivals(c: &mut Checker, key: &str, a: &RawArrivals) -> Arrivals {
    let k = |name: &str| format!("{key}.{name}");
    let name = match a.process {
        RawProcess::Poisson => "poisson",
        RawProcess::Constant => "constant",
        RawProcess::Profile => "profile",
        RawProcess::Diurnal => "diurnal",
        RawProcess::Mmpp => "mmpp",
    };
    let wanted: &[&str] = match a.process {
        RawProcess::Poisson | RawProcess::Constant => &["rate"],
        RawProcess::Profile => &["profile", "shape"],
        RawProcess::Diurnal => &["mean", "peak_to_trough", "period", "phase"],
        RawProcess::Mmpp => &["states"],
    };
    let given = [
        ("rate", a.rate.is_some()),
        ("profile", a.profile.is_some()),
        ("shape", a.shape.is_some()),
        ("mean", a.mean.is_some()),
        ("peak_to_trough", a.peak_to_trough.is_some()),
        ("period", a.period.is_some()),
        ("phase", a.phase.is_some()),
        ("states", a.states.is_some()),
    ];
    for (key_name, present) in given {
        if present && !wanted.contains(&key_name) {
            c.bad(
                k(key_name),
                format!("does not apply to process = \"{name}\" (it takes {})", wanted.join(", ")),
            );
        }
    }
    let scale = a.scale.unwrap_or(1.0);
    if !scale.is_finite() || scale <= 0.0 || scale > 1e6 {
        c.bad(k("scale"), format!("{scale} is not allowed; a factor above 0 and at most 1e6"));
    }
    let rate_ok = |c: &mut Checker, at: String, r: f64, zero_ok: bool| -> f64 {
        let low_ok = if zero_ok { r >= 0.0 } else { r > 0.0 };
        if !r.is_finite() || !low_ok || r * scale > 1e8 {
            let lo = if zero_ok { "at least 0" } else { "above 0" };
            c.bad(
                at,
                format!("{r} is not allowed; requests per second {lo} and at most 1e8 (scaled)"),
            );
        }
        r * scale
    };
    match a.process {
        RawProcess::Poisson | RawProcess::Constant => {
            let rate = match a.rate {
                Some(r) => rate_ok(c, k("rate"), r, false),
                None => {
                    c.bad(k("rate"), "missing: requests per second, e.g. rate = 10.0");
                    1.0
                }
            };
            if a.process == RawProcess::Poisson {
                Arrivals::Poisson { rate }
            } else {
                Arrivals::Constant { rate }
            }
        }
        RawProcess::Profile => {
            let raw = a.profile.as_deref().unwrap_or_default();
            if raw.is_empty() {
                c.bad(k("profile"), "missing: points [[\"0s\", 10.0], [\"1h\", 50.0], ...] (time, requests per second)");
            }
            let mut points = Vec::with_capacity(raw.len());
            for (j, (at, r)) in raw.iter().enumerate() {
                let t = at.0.as_secs_f64();
                if points.last().is_some_and(|&(prev, _): &(f64, f64)| prev >= t) {
                    c.bad(
                        format!("{key}.profile[{j}]"),
                        format!(
                            "\"{}\" is not after the previous point; times must increase",
                            at.0
                        ),
                    );
                }
                points.push((t, rate_ok(c, format!("{key}.profile[{j}]"), *r, true)));
            }
            Arrivals::Profile { points, step: a.shape == Some(RawShape::Step) }
        }
        RawProcess::Diurnal => {
            let mean = match a.mean {
                Some(m) => rate_ok(c, k("mean"), m, false),
                None => {
                    c.bad(k("mean"), "missing: the mean rate in requests per second");
                    1.0
                }
            };
            let ratio = a.peak_to_trough.unwrap_or(3.0);
            if !ratio.is_finite() || ratio < 1.0 {
                c.bad(
                    k("peak_to_trough"),
                    format!("{ratio} is not allowed; a ratio of at least 1 (1: flat)"),
                );
            }
            let period = c.duration(&k("period"), a.period, 86_400, 60, 366 * 86_400);
            let peak = a.phase.map_or(14.0 * 3600.0, |p| p.0.as_secs_f64());
            Arrivals::Diurnal {
                mean,
                amplitude: ((ratio - 1.0) / (ratio + 1.0)).clamp(0.0, 1.0),
                period_s: period.as_secs_f64(),
                peak_s: peak,
            }
        }
        RawProcess::Mmpp => {
            let raw = a.states.as_deref().unwrap_or_default();
            if raw.len() < 2 {
                c.bad(k("states"), "needs at least two states: [{ rate, mean_sojourn }, ...]");
            }
            let states = raw
                .iter()
                .enumerate()
                .map(|(j, s)| {
                    let at = format!("{key}.states[{j}]");
                    let rate = rate_ok(c, format!("{at}.rate"), s.rate, true);
                    if s.mean_sojourn.0 == SimDuration::ZERO {
                        c.bad(format!("{at}.mean_sojourn"), "must be above 0s");
                    }
                    (rate, s.mean_sojourn.0.as_secs_f64().max(1e-9))
                })
                .collect();
            Arrivals::Mmpp { states }
        }
    }
}
