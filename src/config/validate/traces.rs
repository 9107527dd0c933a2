//! `[[trace]]`: the trace files are read (in `crate::trace`), the components the trace creates
//! are added to the raw scenario (target "lambda": a `[[lambda.function]]` per trace function;
//! target "service": a `[[service]]` per group of trace functions), validated like any other,
//! and the trace's targets are resolved to the components they name.
//!
//! ```text
//! [[trace]] --prepare--> trace functions --"lambda"--> [[lambda.function]] per function
//!                                        --"service"-> [[service]] per group (group_by)
//!            targets: "function:F", "service:S", "api:A" + route --> declared components
//! ```

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::Checker;
use crate::config::raw::{RawFunction, RawLambda, RawScenario, RawService};
use crate::config::{ApiConfig, ApiType, FunctionConfig, QueueConfig, ServiceConfig};
use crate::problem::{clip, name_list};
use crate::trace::{
    self, Delivery, GroupBy, Prepared, RawTrace, Target, TraceConfig, TraceFunction,
};

/// A trace target as written, before the names it holds are resolved.
#[derive(Debug, Clone, PartialEq)]
enum Spec {
    Lambda,
    Services,
    Function(String),
    Service(String),
    Api(String),
}

/// A prepared trace, its targets as written and (target "service") each trace function's
/// generated service name.
pub(super) struct Plan {
    prepared: Prepared,
    specs: Vec<(String, String, Spec)>,
    groups: Vec<String>,
}

/// The targets of a trace as (key, written, spec); problems of form go to `c`.
fn specs(c: &mut Checker, at: &str, t: &RawTrace) -> Vec<(String, String, Spec)> {
    let key = |k: &str| format!("{at}.{k}");
    let written: Vec<(String, &str)> = match (&t.target, &t.targets) {
        (Some(_), Some(_)) => {
            c.bad(key("targets"), "give either `target` or `targets`, not both");
            return Vec::new();
        }
        (Some(one), None) => vec![(key("target"), one.as_str())],
        (None, Some(list)) if list.is_empty() => {
            c.bad(key("targets"), "is empty; name at least one target, e.g. [\"lambda\"]");
            return Vec::new();
        }
        (None, Some(list)) => list
            .iter()
            .enumerate()
            .map(|(j, s)| (format!("{at}.targets[{j}]"), s.as_str()))
            .collect(),
        (None, None) => vec![(key("target"), "lambda")],
    };
    let mut out: Vec<(String, String, Spec)> = Vec::new();
    for (k, w) in written {
        let spec = match w.split_once(':') {
            None if w == "lambda" => Spec::Lambda,
            None if w == "service" => Spec::Services,
            Some(("function", n)) if !n.is_empty() => Spec::Function(n.into()),
            Some(("service", n)) if !n.is_empty() => Spec::Service(n.into()),
            Some(("api", n)) if !n.is_empty() => Spec::Api(n.into()),
            _ => {
                c.bad(
                    k,
                    format!(
                        "\"{}\" is not a trace target; allowed \"lambda\", \"service\", \
                         \"function:NAME\", \"service:NAME\", \"api:NAME\"",
                        clip(w)
                    ),
                );
                continue;
            }
        };
        if out.iter().any(|(_, _, s)| *s == spec) {
            c.bad(k, format!("\"{}\" is named twice", clip(w)));
            continue;
        }
        out.push((k, w.to_string(), spec));
    }
    let has = |want: &dyn Fn(&Spec) -> bool| out.iter().any(|(_, _, s)| want(s));
    let both = has(&|s| *s == Spec::Lambda) && has(&|s| *s == Spec::Services);
    match (both, t.service_template.is_some()) {
        (true, false) => c.bad(
            key("service_template"),
            "missing: with both \"lambda\" and \"service\" targets the functions take \
             `template` and the services `service_template` ([[service]] keys but name)",
        ),
        (false, true) => c.bad(
            key("service_template"),
            "applies only when a trace targets both \"lambda\" and \"service\"; a trace \
             targeting \"service\" alone takes its service keys in `template`",
        ),
        _ => {}
    }
    if t.group_by.is_some() && !has(&|s| *s == Spec::Services) {
        c.bad(key("group_by"), "applies only to target \"service\"");
    }
    if let Some(r) = &t.route
        && !has(&|s| matches!(s, Spec::Api(_)))
    {
        c.bad(key("route"), format!("\"{}\": a route applies only to api targets", clip(r)));
    }
    if t.template.is_some() && !has(&|s| matches!(s, Spec::Lambda | Spec::Services)) {
        c.bad(
            key("template"),
            "applies only to targets \"lambda\" and \"service\" (which create components)",
        );
    }
    out
}

/// Reads the traces and adds the components they create to the raw scenario: functions to
/// `raw.lambda.function`, services to `raw.service`.
pub(super) fn add_trace_components(
    c: &mut Checker,
    raw: &mut RawScenario,
    base_dir: &Path,
) -> Vec<Plan> {
    let prepared = trace::prepare(&raw.trace, base_dir, &mut c.problems);
    let mut plans = Vec::new();
    for p in prepared {
        let t = &raw.trace[p.index];
        let at = crate::problem::item_key("trace", p.index, &t.name);
        let specs = specs(c, &at, t);
        let mut groups = Vec::new();
        if specs.iter().any(|s| s.2 == Spec::Lambda) {
            add_functions(c, raw, &at, &p, base_dir);
        }
        if specs.iter().any(|s| s.2 == Spec::Services) {
            groups = add_services(c, raw, &at, &p, base_dir);
        }
        plans.push(Plan { prepared: p, specs, groups });
    }
    plans
}

/// One `[[lambda.function]]` per trace function, from the template.
fn add_functions(c: &mut Checker, raw: &mut RawScenario, at: &str, p: &Prepared, base_dir: &Path) {
    let t = &raw.trace[p.index];
    let template = t.template.clone();
    let trace_name = t.name.clone();
    let mut seen = HashSet::new();
    for f in &p.functions {
        if !seen.insert(f.name.as_str()) {
            c.bad(
                format!("{at}.name"),
                format!("two trace functions get the same name \"{}\"", f.name),
            );
            return;
        }
    }
    let lambda = raw.lambda.get_or_insert_with(|| RawLambda {
        concurrency_limit: None,
        unreserved_minimum: None,
        scaling: None,
        burst: None,
        idle_selection: None,
        function: Vec::new(),
    });
    let mut taken: HashMap<String, String> =
        lambda.function.iter().map(|f| (f.name.clone(), "[[lambda.function]]".into())).collect();
    // the template is checked once, as the first function, so that a bad value is reported
    // at `template` once rather than at every function made from it
    let limit = lambda.concurrency_limit.unwrap_or(1000);
    if let Some(first) = p.functions.first() {
        match function_from_template(template.as_ref(), first) {
            Ok(f) => {
                let mut scratch = Checker::new();
                let key = format!("{at}.template");
                super::lambda::validate_function(&mut scratch, &key, &f, limit, base_dir);
                if !scratch.problems.is_empty() {
                    c.problems.extend(scratch.problems);
                    return;
                }
            }
            Err(e) => {
                c.bad(format!("{at}.template"), e);
                return;
            }
        }
    }
    for f in &p.functions {
        if let Some(by) = taken.insert(f.name.clone(), format!("trace \"{trace_name}\"")) {
            c.bad(
                at.to_string(),
                format!("its function \"{}\" is also declared by {by}; rename one", f.name),
            );
            continue;
        }
        match function_from_template(template.as_ref(), f) {
            Ok(f) => lambda.function.push(f),
            Err(e) => {
                c.bad(format!("{at}.template"), e);
                break;
            }
        }
    }
}

/// One `[[service]]` per group of trace functions, from the template; returns each trace
/// function's service name.
fn add_services(
    c: &mut Checker,
    raw: &mut RawScenario,
    at: &str,
    p: &Prepared,
    base_dir: &Path,
) -> Vec<String> {
    let t = &raw.trace[p.index];
    let by = t.group_by.unwrap_or(GroupBy::Function);
    let taken: HashSet<String> = raw.service.iter().map(|s| s.name.clone()).collect();
    let groups = match group_names(&t.name, by, &p.functions, taken) {
        Ok(g) => g,
        Err(e) => {
            c.bad(format!("{at}.group_by"), e);
            return Vec::new();
        }
    };
    // with a "lambda" target too, the services have their own template
    let (template, template_key) = match &t.service_template {
        Some(s) => (Some(s.clone()), "service_template"),
        None => (t.template.clone(), "template"),
    };
    let mut made = HashSet::new();
    let mut services = Vec::new();
    for name in &groups {
        if !made.insert(name.as_str()) {
            continue;
        }
        match service_from_template(template.as_ref(), name) {
            Ok(s) => services.push(s),
            Err(e) => {
                c.bad(format!("{at}.{template_key}"), e);
                return Vec::new();
            }
        }
    }
    // checked once, as the first service, so a bad value is reported at `template` once
    if let Some(first) = services.first() {
        let mut scratch = Checker::new();
        let duration = raw.simulation.duration.0;
        let one = std::slice::from_ref(first);
        super::services::validate_services(&mut scratch, one, base_dir, duration);
        if !scratch.problems.is_empty() {
            let prefix = crate::problem::item_key("service", 0, &first.name);
            for mut p in scratch.problems {
                if let Some(rest) = p.key.strip_prefix(&prefix) {
                    p.key = format!("{at}.{template_key}{rest}");
                }
                c.problems.push(p);
            }
            return Vec::new();
        }
    }
    raw.service.extend(services);
    groups
}

/// Each trace function's service name under `by`: the group's identifier cut to what a name
/// holds, distinct from `taken` and from every other group's (a later group whose name is
/// taken gets `-2`, `-3`, ... appended).
pub(crate) fn group_names(
    trace: &str,
    by: GroupBy,
    functions: &[TraceFunction],
    mut taken: HashSet<String>,
) -> Result<Vec<String>, String> {
    // (group key, the name it starts from): by function, each function is its own group even
    // when two trace ids shorten to the same name
    let id = |i: usize, f: &TraceFunction| -> Result<(String, String), String> {
        let (what, v) = match by {
            GroupBy::Function => return Ok((i.to_string(), f.name.clone())),
            GroupBy::All => return Ok((String::new(), trace::lambda_name(trace, 64))),
            GroupBy::App => ("app", &f.app),
            GroupBy::Owner => ("owner", &f.owner),
            GroupBy::Trigger => ("trigger", &f.trigger),
        };
        let cut = if by == GroupBy::Trigger { 64 } else { 12 };
        v.as_ref().map(|v| (v.clone(), trace::lambda_name(v, cut))).ok_or_else(|| {
            format!(
                "\"{what}\": the trace does not give each function's {what} (azure2019 gives \
                 app, owner and trigger; azure2021 app); use \"function\" or \"all\""
            )
        })
    };
    let mut name_of: HashMap<String, String> = HashMap::new();
    let mut next_suffix: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(functions.len());
    for (i, f) in functions.iter().enumerate() {
        let (key, base) = id(i, f)?;
        if let Some(n) = name_of.get(&key) {
            out.push(n.clone());
            continue;
        }
        let mut name = base.clone();
        // the next suffix to try per base, so many names colliding on one base stay linear
        let k = next_suffix.entry(base.clone()).or_insert(2);
        while taken.contains(&name) {
            name = format!("{base}-{k}");
            *k += 1;
        }
        taken.insert(name.clone());
        name_of.insert(key, name.clone());
        out.push(name);
    }
    Ok(out)
}

/// Resolves each trace's targets to the validated components they name.
pub(super) fn resolve(
    c: &mut Checker,
    plans: Vec<Plan>,
    functions: &[FunctionConfig],
    services: &[ServiceConfig],
    apis: &[ApiConfig],
    queues: &[QueueConfig],
    raw: &[RawTrace],
) -> Vec<TraceConfig> {
    let function_index: HashMap<&str, usize> =
        functions.iter().enumerate().map(|(i, f)| (f.name.as_str(), i)).collect();
    let service_index: HashMap<&str, usize> =
        services.iter().enumerate().map(|(i, s)| (s.name.as_str(), i)).collect();
    let mut out = Vec::new();
    for plan in plans {
        let Plan { prepared: Prepared { index, mut config, functions: fns }, specs, groups } = plan;
        let at = crate::problem::item_key("trace", index, &config.name);
        config.deliveries = deliveries(c, &at, &raw[index], &fns, queues);
        for (key, written, spec) in specs {
            let target = match spec {
                Spec::Lambda => {
                    config.functions = fns
                        .iter()
                        .filter_map(|f| function_index.get(f.name.as_str()).copied())
                        .collect();
                    Some(Target::Lambda)
                }
                Spec::Services => {
                    config.groups = groups
                        .iter()
                        .filter_map(|n| service_index.get(n.as_str()).copied())
                        .collect();
                    Some(Target::Services)
                }
                Spec::Function(n) => {
                    let found = function_index.get(n.as_str()).copied();
                    if found.is_none() {
                        let declared: Vec<&str> =
                            functions.iter().map(|f| f.name.as_str()).collect();
                        let why = c.missing("function", &n, &declared);
                        c.bad(&key, format!("\"{}\": {why}", clip(&written)));
                    }
                    found.map(Target::Function)
                }
                Spec::Service(n) => {
                    let found = service_index.get(n.as_str()).copied();
                    if found.is_none() {
                        let declared: Vec<&str> =
                            services.iter().map(|s| s.name.as_str()).collect();
                        let why = c.missing("service", &n, &declared);
                        c.bad(&key, format!("\"{}\": {why}", clip(&written)));
                    }
                    found.map(Target::Service)
                }
                Spec::Api(n) => {
                    let route_key = format!("{at}.route");
                    let route = raw[index].route.as_deref();
                    let found =
                        super::workloads::resolve_route(c, &key, &route_key, &n, route, apis);
                    if let Some((a, _)) = found
                        && apis[a].api_type == ApiType::WebSocket
                    {
                        let msg = format!(
                            "\"{}\": a trace's requests are not WebSocket connections; use an \
                             http or rest api",
                            clip(&written)
                        );
                        c.bad(&key, msg);
                        None
                    } else {
                        found.map(|(api, route)| Target::Api { api, route })
                    }
                }
            };
            if let Some(t) = target {
                config.targets.push(t);
                config.target_names.push(written);
            }
        }
        out.push(config);
    }
    out
}

/// How each trace function's requests are delivered, from `trigger_map` and its trigger.
fn deliveries(
    c: &mut Checker,
    at: &str,
    t: &RawTrace,
    fns: &[TraceFunction],
    queues: &[QueueConfig],
) -> Vec<Delivery> {
    let Some(map) = &t.trigger_map else { return Vec::new() };
    let key = format!("{at}.trigger_map");
    let mut triggers: Vec<&str> = fns.iter().filter_map(|f| f.trigger.as_deref()).collect();
    triggers.sort_unstable();
    triggers.dedup();
    if triggers.is_empty() {
        c.bad(
            key,
            "the trace gives no triggers (azure2019's `Trigger` column); remove trigger_map",
        );
        return Vec::new();
    }
    let mut by_trigger = HashMap::new();
    for (trigger, value) in map {
        let k = format!("{key}.{trigger}");
        if !triggers.contains(&trigger.as_str()) {
            let msg = format!(
                "no function of the trace has trigger \"{}\"; its triggers: {}",
                clip(trigger),
                name_list(&triggers)
            );
            c.bad(k, msg);
            continue;
        }
        let d = match value.split_once(':') {
            None if value == "sync" => Some(Delivery::Sync),
            None if value == "async" => Some(Delivery::Async),
            Some(("queue", name)) => {
                let found = queues.iter().position(|q| q.name == name);
                if found.is_none() {
                    let declared: Vec<&str> = queues.iter().map(|q| q.name.as_str()).collect();
                    let why = c.missing("queue", name, &declared);
                    c.bad(&k, format!("\"{}\": {why}", clip(value)));
                }
                found.map(Delivery::Queue)
            }
            _ => {
                let msg = format!(
                    "\"{}\" is not a delivery; allowed \"sync\", \"async\", \"queue:NAME\"",
                    clip(value)
                );
                c.bad(k, msg);
                None
            }
        };
        if let Some(d) = d {
            by_trigger.insert(trigger.as_str(), d);
        }
    }
    fns.iter()
        .map(|f| {
            f.trigger.as_deref().and_then(|t| by_trigger.get(t).copied()).unwrap_or(Delivery::Sync)
        })
        .collect()
}

/// The `[[lambda.function]]` of one trace function: the template with `name` (and
/// `memory_size` from the trace unless the template sets it, `label` from its trigger).
fn function_from_template(
    template: Option<&toml::Table>,
    f: &TraceFunction,
) -> Result<RawFunction, String> {
    let mut t = template.cloned().unwrap_or_default();
    for k in ["name", "alias", "copies"] {
        if t.contains_key(k) {
            return Err(format!("`{k}` is not allowed in a trace template"));
        }
    }
    t.insert("name".into(), toml::Value::String(f.name.clone()));
    if let Some(l) = &f.trigger
        && !t.contains_key("label")
    {
        t.insert("label".into(), toml::Value::String(l.clone()));
    }
    if let Some(m) = f.memory_mb
        && !t.contains_key("memory_size")
    {
        t.insert("memory_size".into(), toml::Value::Integer(m.into()));
    }
    toml::Value::Table(t).try_into().map_err(|e: toml::de::Error| e.message().to_string())
}

/// The `[[service]]` of one group: the template with `name`.
fn service_from_template(template: Option<&toml::Table>, name: &str) -> Result<RawService, String> {
    let mut t = template.cloned().unwrap_or_default();
    if t.contains_key("name") {
        return Err("`name` is not allowed in a trace template: services are named by group".into());
    }
    t.insert("name".into(), toml::Value::String(name.into()));
    toml::Value::Table(t).try_into().map_err(|e: toml::de::Error| e.message().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(name: &str, app: &str) -> TraceFunction {
        TraceFunction { name: name.into(), app: Some(app.into()), ..TraceFunction::default() }
    }

    #[test]
    fn colliding_identifiers_get_distinct_names() {
        // See: issue 15. Two apps whose first 12 characters agree, and a declared "web".
        let fns = [
            f("a", "0123456789abXX"),
            f("b", "0123456789abYY"),
            f("c", "0123456789abXX"),
            f("d", "web"),
        ];
        let taken = HashSet::from(["web".to_string()]);
        let names = group_names("t", GroupBy::App, &fns, taken).unwrap();
        assert_eq!(names, ["0123456789ab", "0123456789ab-2", "0123456789ab", "web-2"]);
        let all = group_names("t", GroupBy::All, &fns, HashSet::new()).unwrap();
        assert_eq!(all, ["t", "t", "t", "t"]);
        // two functions of the same name are still two services
        let same = [f("a_b", "x"), f("a_b", "x")];
        let by_fn = group_names("t", GroupBy::Function, &same, HashSet::new()).unwrap();
        assert_eq!(by_fn, ["a_b", "a_b-2"]);
        let none = group_names("t", GroupBy::Owner, &fns, HashSet::new());
        assert!(none.unwrap_err().contains("does not give each function's owner"));
    }
}
