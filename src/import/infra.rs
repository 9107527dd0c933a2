//! The infrastructure model that `import cfn` and `import terraform` both fill, and the one
//! writer that turns it into a commented scenario.
//!
//! ```text
//! CloudFormation / SAM / CDK --> cfn (YAML/JSON -> tree -> resolve -> map) --.
//!                                                                          +--> Infra --> scenario TOML
//! terraform show -json -------> terraform (values + configuration refs) ---'
//! ```
//!
//! Each component keeps where it came from (logical id or address, and type) and the notes
//! written beside it: properties that have no scenario key, and values that could not be
//! resolved (never invented).

use std::fmt::Write as _;

use super::toml_str;

/// Where a component came from: a CloudFormation logical id or a Terraform address, and its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub id: String,
    pub kind: String,
}

impl Origin {
    pub fn new(id: &str, kind: &str) -> Origin {
        Origin { id: id.to_string(), kind: kind.to_string() }
    }
}

/// A Lambda function (`[[lambda.function]]`).
#[derive(Debug, Clone, Default)]
pub struct Function {
    pub origins: Vec<Origin>,
    pub name: String,
    pub runtime: Option<String>,
    pub architecture: Option<String>,
    pub memory_size: Option<i64>,
    pub timeout_s: Option<f64>,
    pub ephemeral_storage: Option<i64>,
    pub reserved_concurrency: Option<i64>,
    pub provisioned_concurrency: Option<i64>,
    pub snap_start: bool,
    pub alias: Option<Alias>,
    /// Invoked by a queue mapping or an API route (so it gets no placeholder workload of its own).
    pub triggered: bool,
    pub notes: Vec<String>,
}

/// A weighted alias over two versions (`alias`).
#[derive(Debug, Clone, Default)]
pub struct Alias {
    pub name: String,
    pub versions: [String; 2],
    pub weight: f64,
    pub provisioned: [i64; 2],
}

/// A queue or stream with the event-source mapping that polls it (`[[queue]]`).
#[derive(Debug, Clone, Default)]
pub struct Queue {
    pub origins: Vec<Origin>,
    pub name: String,
    /// `sqs`, `sqs-fifo`, `kinesis`, `dynamodb-stream`.
    pub kind: String,
    /// The function's scenario name.
    pub target: String,
    pub batch_size: Option<i64>,
    pub batch_window_s: Option<f64>,
    pub maximum_concurrency: Option<i64>,
    pub shards: Option<i64>,
    pub parallelization_factor: Option<i64>,
    pub maximum_retry_attempts: Option<i64>,
    pub maximum_record_age_s: Option<f64>,
    pub visibility_timeout_s: Option<f64>,
    pub max_receive_count: Option<i64>,
    pub retention_s: Option<f64>,
    pub notes: Vec<String>,
}

/// A token bucket (`throttle`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throttle {
    pub rate: f64,
    pub burst: i64,
}

/// An API Gateway API (`[[api]]`).
#[derive(Debug, Clone, Default)]
pub struct Api {
    pub origins: Vec<Origin>,
    pub name: String,
    /// `rest`, `http`, `websocket`.
    pub kind: String,
    pub endpoint: Option<String>,
    pub throttle: Option<Throttle>,
    pub routes: Vec<Route>,
    pub usage_plans: Vec<UsagePlan>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Route {
    pub origin: Option<Origin>,
    pub key: String,
    /// `function:NAME` or `service:NAME`; `None` when the integration is something slsim does
    /// not model (the route is then left out, with a note).
    pub target: Option<String>,
    pub throttle: Option<Throttle>,
    /// Why the route is left out, when it is.
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct UsagePlan {
    pub origin: Option<Origin>,
    pub name: String,
    pub throttle: Option<Throttle>,
    /// Limit and period (`day`, `week`, `month`).
    pub quota: Option<(i64, String)>,
}

/// Target tracking or step scaling (`service.autoscaling`).
#[derive(Debug, Clone, PartialEq)]
pub struct Autoscaling {
    /// `cpu`, `memory`, `requests`.
    pub metric: String,
    pub target: f64,
    pub scale_out_cooldown_s: Option<f64>,
    pub scale_in_cooldown_s: Option<f64>,
    pub warmup_s: Option<f64>,
}

/// An ECS service or an EC2 Auto Scaling group (`[[service]]`).
#[derive(Debug, Clone, Default)]
pub struct Service {
    pub origins: Vec<Origin>,
    pub name: String,
    /// `fargate`, `ecs-ec2`, `ec2`.
    pub platform: String,
    pub vcpu: Option<f64>,
    pub memory: Option<i64>,
    pub instance_type: Option<String>,
    pub architecture: Option<String>,
    /// min, max, initial.
    pub capacity: Option<(i64, i64, i64)>,
    pub autoscaling: Option<Autoscaling>,
    pub alb: bool,
    pub balancing: Option<String>,
    pub deregistration_delay_s: Option<f64>,
    pub health_check_delay_s: Option<f64>,
    pub capacity_provider: Option<String>,
    /// provider, base, weight.
    pub strategy: Vec<(String, i64, i64)>,
    /// min, max, target capacity (ECS on EC2).
    pub cluster: Option<(i64, i64, Option<i64>)>,
    pub notes: Vec<String>,
}

/// Everything an infrastructure import found.
#[derive(Debug, Clone, Default)]
pub struct Infra {
    /// What was read (`template.yaml (CloudFormation, 23 resources)`).
    pub source: String,
    pub functions: Vec<Function>,
    pub queues: Vec<Queue>,
    pub apis: Vec<Api>,
    pub services: Vec<Service>,
    /// Resources slsim does not model, or that were folded into no component.
    pub unmodelled: Vec<Origin>,
    /// Resources left out because their condition is false.
    pub not_created: Vec<(Origin, String)>,
    /// Values that could not be resolved and other findings not tied to one component.
    pub notes: Vec<String>,
    /// Stand-ins used for pseudo parameters and parameters (`AWS::Region = us-east-1`).
    pub assumed: Vec<String>,
}

/// Scenario names: letters, digits, `-`, `_` (and `.` where `dots`), at most `max` characters.
pub fn clean_name(s: &str, dots: bool, max: usize) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || (dots && c == '.') {
                c
            } else {
                '-'
            }
        })
        .take(max)
        .collect();
    if out.is_empty() || out.starts_with('.') {
        out.insert(0, 'x');
    }
    out
}

/// A duration string with a unit, in seconds.
pub fn secs(s: f64) -> String {
    toml_str(&format!("{}s", fmt_num(s)))
}

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 { format!("{}", x as i64) } else { format!("{x}") }
}

fn float(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 { format!("{x:.1}") } else { format!("{x}") }
}

fn throttle(t: &Throttle) -> String {
    format!("{{ rate = {}, burst = {} }}", float(t.rate), t.burst)
}

fn origins(out: &mut String, o: &[Origin]) {
    for o in o {
        let _ = writeln!(out, "# from {} ({})", o.id, o.kind);
    }
}

fn notes(out: &mut String, notes: &[String]) {
    for n in notes {
        let _ = writeln!(out, "# note: {n}");
    }
}

fn opt<T: ToString>(out: &mut String, key: &str, v: &Option<T>) {
    if let Some(v) = v {
        let _ = writeln!(out, "{key} = {}", v.to_string());
    }
}

/// An entry point for the workload placeholders: target, route, and what it is.
struct Entry {
    target: String,
    route: Option<String>,
    websocket: bool,
    what: String,
}

fn entries(infra: &Infra) -> Vec<Entry> {
    let mut out = Vec::new();
    for a in &infra.apis {
        for r in a.routes.iter().filter(|r| r.target.is_some()) {
            out.push(Entry {
                target: format!("api:{}", a.name),
                route: Some(r.key.clone()),
                websocket: a.kind == "websocket",
                what: format!("route {} of API {}", r.key, a.name),
            });
        }
    }
    for q in &infra.queues {
        out.push(Entry {
            target: format!("queue:{}", q.name),
            route: None,
            websocket: false,
            what: format!("{} {}", q.kind, q.name),
        });
    }
    for f in infra.functions.iter().filter(|f| !f.triggered) {
        out.push(Entry {
            target: format!("function:{}", f.name),
            route: None,
            websocket: false,
            what: format!("function {} (no trigger found)", f.name),
        });
    }
    let routed: Vec<&str> = infra
        .apis
        .iter()
        .flat_map(|a| a.routes.iter().filter_map(|r| r.target.as_deref()))
        .collect();
    for s in &infra.services {
        let t = format!("service:{}", s.name);
        if !routed.contains(&t.as_str()) {
            out.push(Entry {
                target: t,
                route: None,
                websocket: false,
                what: format!("service {}", s.name),
            });
        }
    }
    out
}

fn workload(out: &mut String, name: &str, e: &Entry, prefix: &str) {
    let _ = writeln!(out, "{prefix}[[workload]]");
    let _ = writeln!(out, "{prefix}name = {}", toml_str(name));
    let _ = writeln!(out, "{prefix}target = {}", toml_str(&e.target));
    if let Some(r) = &e.route {
        let _ = writeln!(out, "{prefix}route = {}", toml_str(r));
    }
    let _ = writeln!(out, "{prefix}arrivals = {{ process = \"poisson\", rate = 1.0 }}");
    let _ = writeln!(out, "{prefix}duration = \"100ms\"");
    if e.websocket {
        let _ = writeln!(
            out,
            "{prefix}connection = {{ lifetime = \"1m\", messages_per_minute = 1.0 }}"
        );
    }
}

/// What slsim's validation refuses, turned into notes: a route to an aliased function (routes
/// invoke plain functions; a workload reaches the alias with `function:NAME`), and an API left
/// with no route.
pub fn normalize(infra: &mut Infra) {
    let aliased: Vec<String> = infra
        .functions
        .iter()
        .filter(|f| f.alias.is_some())
        .map(|f| format!("function:{}", f.name))
        .collect();
    for a in &mut infra.apis {
        for r in &mut a.routes {
            if r.target.as_ref().is_some_and(|t| aliased.contains(t)) {
                r.note = Some(format!(
                    "route {} invokes {} through its alias; slsim's API routes invoke plain functions, so the \
                     route is left out and a workload targets the function (its alias) instead",
                    r.key,
                    r.target.as_deref().unwrap_or("")
                ));
                r.target = None;
            } else if r.target.is_none() && r.note.is_none() {
                r.note = Some(format!(
                    "route {}: its integration is not a Lambda function or a service of this template; left out",
                    r.key
                ));
            }
        }
    }
    for f in &mut infra.functions {
        let name = format!("function:{}", f.name);
        let routed = infra
            .apis
            .iter()
            .any(|a| a.routes.iter().any(|r| r.target.as_deref() == Some(name.as_str())));
        let queued = infra.queues.iter().any(|q| q.target == f.name);
        f.triggered = routed || queued;
    }
    let mut kept = Vec::new();
    for a in std::mem::take(&mut infra.apis) {
        if a.routes.iter().any(|r| r.target.is_some()) {
            kept.push(a);
        } else {
            let id = a.origins.first().map_or(a.name.clone(), |o| o.id.clone());
            infra
                .notes
                .push(format!("{id}: API {} has no route slsim can model; left out", a.name));
            infra.unmodelled.extend(a.origins.iter().cloned());
        }
    }
    infra.apis = kept;
}

/// Writes the scenario. `header` is the importer's own header (files, counts, assumptions);
/// `name` the `simulation.name`. Fails when there is nothing to simulate.
pub fn write_scenario(
    infra: &Infra,
    header: &[String],
    name: &str,
    traffic: Option<&super::usage::Traffic>,
) -> Result<String, String> {
    let mut infra = infra.clone();
    normalize(&mut infra);
    let infra = &infra;
    let entries = entries(infra);
    let Some(first) = entries.iter().find(|e| !e.websocket).or(entries.first()) else {
        return Err(if infra.unmodelled.is_empty() && infra.not_created.is_empty() {
            "declares no resources, so there is nothing to simulate".to_string()
        } else {
            format!(
                "declares no resource slsim models (a Lambda function, queue mapping, API, ECS \
                 service or Auto Scaling group); found: {}",
                infra
                    .unmodelled
                    .iter()
                    .chain(infra.not_created.iter().map(|(o, _)| o))
                    .map(|o| format!("{} ({})", o.id, o.kind))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
    };
    let mut out = String::new();
    for h in header.iter().chain(traffic.iter().flat_map(|t| t.header.iter())) {
        let _ = writeln!(out, "# {h}");
    }
    let _ = writeln!(
        out,
        "# Found {} function(s), {} queue(s)/stream(s), {} API(s), {} service(s); {} resource(s) not modelled.",
        infra.functions.len(),
        infra.queues.len(),
        infra.apis.len(),
        infra.services.len(),
        infra.unmodelled.len()
    );
    for a in &infra.assumed {
        let _ = writeln!(out, "# Assumed: {a}");
    }
    for n in &infra.notes {
        let _ = writeln!(out, "# Unresolved: {n}");
    }
    if traffic.is_none() {
        let _ = writeln!(
            out,
            "# Traffic is not part of the infrastructure: the one active [[workload]] at the end is a\n\
             # stand-in (1 request/s, 100 ms) so that the scenario runs; replace it with the commented\n\
             # placeholders filled in, or with workloads from `slsim import logs` / `slsim import cloudwatch`\n\
             # (or import again with --usage FILE). Then compare a run's outputs with what CloudWatch\n\
             # recorded (`slsim compare`)."
        );
    }
    let duration = traffic.and_then(|t| t.duration.as_deref()).unwrap_or("1h");
    let _ = writeln!(
        out,
        "\n[simulation]\nname = {}\nduration = {}\nseed = 1",
        toml_str(name),
        toml_str(duration)
    );
    let no_settings = std::collections::BTreeMap::new();
    write_functions(&mut out, infra, traffic.map_or(&no_settings, |t| &t.function_settings));
    write_queues(&mut out, infra);
    write_apis(&mut out, infra);
    write_services(&mut out, infra);
    if !infra.unmodelled.is_empty() || !infra.not_created.is_empty() {
        let _ = writeln!(out, "\n# Not modelled (logical id or address, type):");
        for o in &infra.unmodelled {
            let _ = writeln!(out, "#   {} ({})", o.id, o.kind);
        }
        for (o, why) in &infra.not_created {
            let _ = writeln!(out, "#   {} ({}): not created, {why}", o.id, o.kind);
        }
    }
    let reached = |e: &Entry| {
        let reach = match &e.route {
            Some(r) => format!("{} route {r}", e.target),
            None => e.target.clone(),
        };
        traffic.is_some_and(|t| t.reached.contains(&reach))
    };
    let open: Vec<&Entry> = entries.iter().filter(|e| !reached(e)).collect();
    if !open.is_empty() {
        let _ = writeln!(out, "\n# Entry points: fill in arrivals and duration, then uncomment.");
    }
    for (i, e) in open.iter().enumerate() {
        let _ = writeln!(out, "\n# {}", e.what);
        workload(&mut out, &format!("placeholder-{}", i + 1), e, "# ");
    }
    match traffic {
        Some(t) => out.push_str(&t.text),
        None => {
            let _ = writeln!(
                out,
                "\n# Stand-in so that the scenario runs: {} (replace it).",
                first.what
            );
            workload(&mut out, "stand-in", first, "");
        }
    }
    Ok(out)
}

/// `settings`: per function, observed keys written after the template's (`init_duration`
/// replaces the assumed one).
fn write_functions(
    out: &mut String,
    infra: &Infra,
    settings: &std::collections::BTreeMap<String, Vec<(String, toml::Value)>>,
) {
    for f in &infra.functions {
        let observed = settings.get(&f.name).map(Vec::as_slice).unwrap_or_default();
        let observed_init = observed.iter().any(|(k, _)| k == "init_duration");
        let _ = writeln!(out);
        origins(out, &f.origins);
        notes(out, &f.notes);
        let _ = writeln!(out, "[[lambda.function]]\nname = {}", toml_str(&f.name));
        let known =
            f.runtime.as_deref().filter(|r| crate::config::runtime::known_runtimes().contains(r));
        match (&f.runtime, known) {
            (_, Some(r)) => {
                let _ = writeln!(out, "runtime = {}", toml_str(r));
            }
            (_, None) if observed_init => {}
            (Some(r), None) => {
                let _ = writeln!(
                    out,
                    "# runtime {} has no default init time in slsim: an assumed init_duration, set it\n\
                     init_duration = \"250ms\"",
                    toml_str(r)
                );
            }
            (None, None) => {
                let _ = writeln!(
                    out,
                    "# no runtime (container image or unresolved): an assumed init_duration, set it\n\
                     init_duration = \"250ms\""
                );
            }
        }
        opt(out, "architecture", &f.architecture.as_deref().map(toml_str));
        opt(out, "memory_size", &f.memory_size);
        opt(out, "timeout", &f.timeout_s.map(secs));
        opt(out, "ephemeral_storage", &f.ephemeral_storage);
        if f.alias.is_none() {
            opt(out, "reserved_concurrency", &f.reserved_concurrency);
            opt(out, "provisioned_concurrency", &f.provisioned_concurrency.filter(|p| *p > 0));
        }
        if f.snap_start {
            let _ = writeln!(out, "snap_start = true");
        }
        if let Some(a) = &f.alias {
            let _ = writeln!(
                out,
                "# alias {}\nalias = {{ versions = [{}, {}], weight = {}, provisioned = [{}, {}] }}",
                a.name,
                toml_str(&a.versions[0]),
                toml_str(&a.versions[1]),
                a.weight,
                a.provisioned[0],
                a.provisioned[1]
            );
        }
        if !observed.is_empty() {
            let _ = writeln!(out, "# observed (the --usage traffic):");
        }
        for (k, v) in observed {
            let _ = writeln!(out, "{k} = {v}");
        }
    }
}

fn write_queues(out: &mut String, infra: &Infra) {
    for q in &infra.queues {
        let _ = writeln!(out);
        origins(out, &q.origins);
        notes(out, &q.notes);
        let _ =
            writeln!(out, "[[queue]]\nname = {}\nkind = {}", toml_str(&q.name), toml_str(&q.kind));
        let _ = writeln!(out, "target = {}", toml_str(&format!("function:{}", q.target)));
        opt(out, "batch_size", &q.batch_size);
        opt(out, "batch_window", &q.batch_window_s.map(secs));
        opt(out, "maximum_concurrency", &q.maximum_concurrency);
        opt(out, "shards", &q.shards);
        opt(out, "parallelization_factor", &q.parallelization_factor);
        opt(out, "maximum_retry_attempts", &q.maximum_retry_attempts);
        opt(out, "maximum_record_age", &q.maximum_record_age_s.map(secs));
        opt(out, "visibility_timeout", &q.visibility_timeout_s.map(secs));
        opt(out, "max_receive_count", &q.max_receive_count);
        opt(out, "retention", &q.retention_s.map(secs));
    }
}

fn write_apis(out: &mut String, infra: &Infra) {
    for a in &infra.apis {
        let _ = writeln!(out);
        origins(out, &a.origins);
        notes(out, &a.notes);
        let _ =
            writeln!(out, "[[api]]\nname = {}\ntype = {}", toml_str(&a.name), toml_str(&a.kind));
        opt(out, "endpoint", &a.endpoint.as_deref().map(toml_str));
        opt(out, "throttle", &a.throttle.as_ref().map(throttle));
        for r in &a.routes {
            let _ = writeln!(out);
            if let Some(o) = &r.origin {
                origins(out, std::slice::from_ref(o));
            }
            let Some(t) = &r.target else {
                let _ = writeln!(out, "# note: {}", r.note.as_deref().unwrap_or("left out"));
                continue;
            };
            let _ = writeln!(
                out,
                "[[api.route]]\nroute = {}\ntarget = {}",
                toml_str(&r.key),
                toml_str(t)
            );
            opt(out, "throttle", &r.throttle.as_ref().map(throttle));
        }
        for p in &a.usage_plans {
            let _ = writeln!(out);
            if let Some(o) = &p.origin {
                origins(out, std::slice::from_ref(o));
            }
            let _ = writeln!(out, "[[api.usage_plan]]\nname = {}", toml_str(&p.name));
            opt(out, "throttle", &p.throttle.as_ref().map(throttle));
            if let Some((limit, period)) = &p.quota {
                let _ =
                    writeln!(out, "quota = {{ limit = {limit}, period = {} }}", toml_str(period));
            }
        }
    }
}

fn write_services(out: &mut String, infra: &Infra) {
    for s in &infra.services {
        let _ = writeln!(out);
        origins(out, &s.origins);
        notes(out, &s.notes);
        let _ = writeln!(
            out,
            "[[service]]\nname = {}\nplatform = {}",
            toml_str(&s.name),
            toml_str(&s.platform)
        );
        opt(out, "vcpu", &s.vcpu.map(float));
        opt(out, "memory", &s.memory);
        opt(out, "instance_type", &s.instance_type.as_deref().map(toml_str));
        opt(out, "architecture", &s.architecture.as_deref().map(toml_str));
        if let Some((min, max, initial)) = s.capacity {
            let _ = writeln!(out, "capacity = {{ min = {min}, max = {max}, initial = {initial} }}");
        }
        if !s.alb {
            let _ = writeln!(out, "load_balancer = \"none\"");
        }
        opt(out, "balancing", &s.balancing.as_deref().map(toml_str));
        if s.alb {
            opt(out, "deregistration_delay", &s.deregistration_delay_s.map(secs));
            opt(out, "health_check_delay", &s.health_check_delay_s.map(secs));
        }
        opt(out, "capacity_provider", &s.capacity_provider.as_deref().map(toml_str));
        if !s.strategy.is_empty() {
            let items: Vec<String> = s
                .strategy
                .iter()
                .map(|(p, b, w)| {
                    format!("{{ capacity_provider = {}, base = {b}, weight = {w} }}", toml_str(p))
                })
                .collect();
            let _ = writeln!(out, "capacity_provider_strategy = [{}]", items.join(", "));
        }
        if let Some((min, max, tc)) = s.cluster {
            let tc = tc.map(|t| format!(", target_capacity = {t}")).unwrap_or_default();
            let _ = writeln!(out, "cluster = {{ min = {min}, max = {max}{tc} }}");
        }
        if let Some(a) = &s.autoscaling {
            let mut parts = vec![
                format!("metric = {}", toml_str(&a.metric)),
                format!("target = {}", float(a.target)),
            ];
            if let Some(c) = a.scale_out_cooldown_s {
                parts.push(format!("scale_out_cooldown = {}", secs(c)));
            }
            if let Some(c) = a.scale_in_cooldown_s {
                parts.push(format!("scale_in_cooldown = {}", secs(c)));
            }
            if let Some(w) = a.warmup_s {
                parts.push(format!("warmup = {}", secs(w)));
            }
            let _ = writeln!(out, "autoscaling = {{ {} }}", parts.join(", "));
        }
    }
}
