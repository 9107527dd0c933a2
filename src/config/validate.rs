//! Raw scenario -> [`Scenario`]: every value checked, defaults filled in, all problems listed.

use std::collections::HashSet;
use std::path::Path;

use super::duration::RawDuration;
use super::raw::*;
use super::*;
use crate::dist::{Dist, RawDist};
use crate::lambda::runtime::{self, SnapStartSupport};
use crate::pricing;

/// Collects problems so that one pass reports all of them.
struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn bad(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem { key: key.into(), message: message.into() });
    }

    /// An integer in `range`, or `default` if absent.
    fn int(
        &mut self,
        key: &str,
        v: Option<i64>,
        default: u32,
        lo: u32,
        hi: u32,
        unit: &str,
    ) -> u32 {
        match v {
            None => default,
            Some(x) if x >= lo as i64 && x <= hi as i64 => x as u32,
            Some(x) => {
                self.bad(key, format!("{x} is out of range; allowed {lo}..={hi}{unit}"));
                default
            }
        }
    }

    /// A duration within `lo..=hi` seconds, or `default` seconds if absent.
    fn duration(
        &mut self,
        key: &str,
        v: Option<RawDuration>,
        default: u64,
        lo: u64,
        hi: u64,
    ) -> SimDuration {
        let d = v.map(|d| d.0).unwrap_or(SimDuration::from_secs(default));
        if d < SimDuration::from_secs(lo) || d > SimDuration::from_secs(hi) {
            self.bad(key, format!("\"{d}\" is out of range; allowed \"{lo}s\"..=\"{hi}s\""));
        }
        d
    }

    fn dist(&mut self, key: &str, raw: &RawDist, base_dir: &Path) -> Option<Dist> {
        match Dist::from_raw(raw, base_dir) {
            Ok(d) => Some(d),
            Err(e) => {
                self.bad(key, e);
                None
            }
        }
    }
}

const DEFAULT_KEEP_ALIVE: SimDuration = SimDuration::from_secs(600);

pub fn validate(file: &Path, base_dir: &Path, raw: RawScenario) -> Result<Scenario, ConfigError> {
    let mut c = Checker { problems: Vec::new() };

    for (key, present, arrives) in [
        ("queue", raw.queue.is_some(), "event-source mappings"),
        ("apigateway", raw.apigateway.is_some(), "API Gateway"),
        ("api", raw.api.is_some(), "API Gateway"),
        ("service", raw.service.is_some(), "ECS and EC2 services"),
        ("trace", raw.trace.is_some(), "trace replay"),
        ("sweep", raw.sweep.is_some(), "`slsim sweep`"),
    ] {
        if present {
            c.bad(
                key,
                format!(
                    "this version of slsim models Lambda with synthetic workloads only; \
                         {arrives} are not supported yet (remove the section)"
                ),
            );
        }
    }

    // [simulation]
    let sim = &raw.simulation;
    let name_ok = !sim.name.is_empty()
        && sim.name.len() <= 128
        && sim.name.chars().all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch))
        && !sim.name.starts_with('.');
    if !name_ok {
        c.bad(
            "simulation.name",
            format!(
                "\"{}\" is not allowed; it names the output folder, so use 1-128 letters, \
                     digits, '-', '_' or '.' (not first)",
                sim.name
            ),
        );
    }
    let duration = sim.duration.0;
    if duration == SimDuration::ZERO || duration > SimDuration::from_secs(366 * 86400) {
        c.bad(
            "simulation.duration",
            format!("\"{duration}\" is not allowed; use more than 0s and at most 366d"),
        );
    }
    let warmup = sim.warmup.map(|w| w.0).unwrap_or(SimDuration::ZERO);
    if warmup >= duration && duration > SimDuration::ZERO {
        c.bad(
            "simulation.warmup",
            format!("\"{warmup}\" must be shorter than simulation.duration (\"{duration}\")"),
        );
    }
    let replications =
        c.int("simulation.replications", sim.replications.map(i64::from), 1, 1, 10_000, "");

    // [pricing]
    let region = raw.pricing.region.as_deref().unwrap_or("us-east-1");
    let prices = pricing::lambda_prices(region).unwrap_or_else(|| {
        c.bad(
            "pricing.region",
            format!(
                "\"{region}\" has no price table; available: {}",
                pricing::known_regions().join(", ")
            ),
        );
        &pricing::US_EAST_1
    });

    let lambda = validate_lambda(&mut c, raw.lambda.as_ref(), base_dir);
    let workloads = validate_workloads(&mut c, &raw.workload, &lambda.functions, base_dir);

    if !c.problems.is_empty() {
        return Err(ConfigError { file: file.to_path_buf(), problems: c.problems });
    }
    Ok(Scenario {
        file: file.to_path_buf(),
        name: sim.name.clone(),
        duration,
        warmup,
        seed: sim.seed.unwrap_or(1),
        replications,
        free_tier: raw.pricing.free_tier.unwrap_or(false),
        prices,
        lambda,
        workloads,
    })
}

fn validate_lambda(c: &mut Checker, raw: Option<&RawLambda>, base_dir: &Path) -> LambdaConfig {
    let empty = RawLambda {
        concurrency_limit: None,
        unreserved_minimum: None,
        scaling: None,
        burst: None,
        idle_selection: None,
        function: Vec::new(),
    };
    let raw = raw.unwrap_or(&empty);
    let limit = c.int(
        "lambda.concurrency_limit",
        raw.concurrency_limit.map(i64::from),
        1000,
        1,
        10_000_000,
        "",
    );
    let unreserved_minimum = c.int(
        "lambda.unreserved_minimum",
        raw.unreserved_minimum.map(i64::from),
        100.min(limit),
        0,
        limit,
        "",
    );
    let scaling = match (raw.scaling.unwrap_or(RawScaling::PerFunction), raw.burst) {
        (RawScaling::AccountBurst, burst) => {
            let burst = c.int("lambda.burst", burst.map(i64::from), 3000, 1, 10_000_000, "");
            Scaling::AccountBurst { burst }
        }
        (other, Some(b)) => {
            c.bad(
                "lambda.burst",
                format!("{b} applies only with scaling = \"account-burst\" (scaling is {other:?})"),
            );
            Scaling::PerFunction
        }
        (RawScaling::PerFunction, None) => Scaling::PerFunction,
        (RawScaling::Unlimited, None) => Scaling::Unlimited,
    };
    let idle_selection = match raw.idle_selection.unwrap_or(RawSelection::NewestCreated) {
        RawSelection::NewestCreated => IdleSelection::NewestCreated,
        RawSelection::MostRecentlyUsed => IdleSelection::MostRecentlyUsed,
        RawSelection::LeastRecentlyUsed => IdleSelection::LeastRecentlyUsed,
    };

    let mut names = HashSet::new();
    let mut functions = Vec::new();
    for (i, f) in raw.function.iter().enumerate() {
        if !names.insert(f.name.as_str()) {
            c.bad(
                format!("lambda.function[{i}].name"),
                format!("\"{}\" is declared twice; function names must be unique", f.name),
            );
        }
        functions.extend(validate_function(c, i, f, limit, base_dir));
    }

    // Reservations (and provisioned concurrency of unreserved functions) come out of the
    // account pool and must leave `unreserved_minimum` for everything else (aws-facts 1.2).
    let set_aside: u64 = functions.iter().map(|f| f.reserved.unwrap_or(f.provisioned) as u64).sum();
    if set_aside + unreserved_minimum as u64 > limit as u64 {
        let key = raw
            .function
            .iter()
            .position(|f| f.reserved_concurrency.is_some())
            .map(|i| format!("lambda.function[{i}].reserved_concurrency"))
            .unwrap_or_else(|| "lambda.function[*].provisioned_concurrency".into());
        c.bad(
            key,
            format!(
                "reserved (and unreserved functions' provisioned) concurrency totals {set_aside}, leaving {} \
                 of concurrency_limit = {limit} unreserved; at least unreserved_minimum = {unreserved_minimum} must stay",
                limit as i64 - set_aside as i64
            ),
        );
    }

    LambdaConfig {
        concurrency_limit: limit,
        unreserved_minimum,
        scaling,
        idle_selection,
        functions,
    }
}

fn validate_function(
    c: &mut Checker,
    i: usize,
    f: &RawFunction,
    limit: u32,
    base_dir: &Path,
) -> Option<FunctionConfig> {
    let key = |k: &str| format!("lambda.function[{i}].{k}");
    let name_ok = !f.name.is_empty()
        && f.name.len() <= 64
        && f.name.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
    if !name_ok {
        let msg = "is not a Lambda function name: 1-64 letters, digits, '-' or '_'";
        c.bad(key("name"), format!("\"{}\" {msg}", f.name));
    }
    if let Some(n) = f.copies {
        c.bad(
            key("copies"),
            format!("{n}: `copies` is not supported yet by this version of slsim"),
        );
    }
    let architecture = match f.architecture.unwrap_or(RawArchitecture::X86_64) {
        RawArchitecture::X86_64 => Architecture::X86_64,
        RawArchitecture::Arm64 => Architecture::Arm64,
    };
    let memory_mb = c.int(&key("memory_size"), f.memory_size, 128, 128, 10_240, " MB");
    let timeout = c.duration(&key("timeout"), f.timeout, 3, 1, 900);
    let ephemeral_mb =
        c.int(&key("ephemeral_storage"), f.ephemeral_storage, 512, 512, 10_240, " MB");
    let reserved = f.reserved_concurrency.map(|r| {
        let why = " (the account concurrency_limit)";
        c.int(&key("reserved_concurrency"), Some(r), 0, 0, limit, why)
    });
    let provisioned =
        c.int(&key("provisioned_concurrency"), f.provisioned_concurrency, 0, 0, limit, "");
    if let Some(r) = reserved
        && provisioned > r
    {
        c.bad(
            key("provisioned_concurrency"),
            format!(
                "{provisioned} exceeds reserved_concurrency = {r}; \
                 provisioned environments count against the reservation"
            ),
        );
    }
    let keep_alive = match &f.keep_alive {
        Some(d) => c.dist(&key("keep_alive"), d, base_dir),
        None => Some(Dist::Constant(DEFAULT_KEEP_ALIVE)),
    };
    let runtime_init = f.runtime.as_deref().map(|rt| (rt, runtime::default_init(rt, architecture)));
    if let Some((rt, None)) = runtime_init {
        let known = runtime::known_runtimes().join(", ");
        c.bad(key("runtime"), format!("\"{rt}\" is not a known runtime; known runtimes: {known}"));
    }
    let package_mb = c.int(
        &key("package_size"),
        f.package_size,
        0,
        0,
        runtime::MAX_PACKAGE_MB,
        " MB (unzipped, layers included)",
    );
    let init = match (&f.init_duration, runtime_init) {
        // an explicit init_duration is the whole function init: the package size is in it
        (Some(d), _) => c.dist(&key("init_duration"), d, base_dir),
        // (an unknown runtime has no default and was reported above)
        (None, Some((_, default))) => {
            default.map(|d| Dist::Constant(d + runtime::package_init(package_mb)))
        }
        (None, None) => {
            c.bad(
                key("runtime"),
                "missing: set `runtime` (e.g. \"nodejs20.x\"), which gives the default \
                 cold-start init time, or set `init_duration`",
            );
            None
        }
    };
    let extensions = validate_extensions(c, i, f.extensions.as_deref().unwrap_or(&[]), base_dir);
    let snap_start = validate_snap_start(c, i, f, provisioned, ephemeral_mb, base_dir);
    let error_rate = f.error_rate.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&error_rate) {
        c.bad(key("error_rate"), format!("{error_rate} is not a probability; allowed 0.0..=1.0"));
    }
    let maximum_retry_attempts =
        c.int(&key("maximum_retry_attempts"), f.maximum_retry_attempts, 2, 0, 2, "");
    let maximum_event_age =
        c.duration(&key("maximum_event_age"), f.maximum_event_age, 21_600, 60, 21_600);
    Some(FunctionConfig {
        name: f.name.clone(),
        runtime: f.runtime.clone(),
        architecture,
        memory_mb,
        timeout,
        ephemeral_mb,
        reserved,
        provisioned,
        keep_alive: keep_alive?,
        init: init?,
        package_mb,
        extensions: extensions?,
        snap_start: snap_start?,
        error_rate,
        maximum_retry_attempts,
        maximum_event_age,
        on_failure: f.on_failure.clone(),
    })
}

/// Lambda registers at most 10 extensions per function (AWS Lambda Developer Guide,
/// "Configuring Lambda extensions").
const MAX_EXTENSIONS: usize = 10;

/// The extensions of function `i`, or `None` if any is invalid (each problem reported).
fn validate_extensions(
    c: &mut Checker,
    i: usize,
    raw: &[RawExtension],
    base_dir: &Path,
) -> Option<Vec<Extension>> {
    let key = |j: usize, k: &str| format!("lambda.function[{i}].extensions[{j}].{k}");
    if raw.len() > MAX_EXTENSIONS {
        c.bad(
            format!("lambda.function[{i}].extensions"),
            format!(
                "{} extensions declared; Lambda allows at most {MAX_EXTENSIONS} per function",
                raw.len()
            ),
        );
    }
    let mut names = HashSet::new();
    let mut out = Some(Vec::with_capacity(raw.len()));
    for (j, x) in raw.iter().enumerate() {
        if x.name.is_empty() || !names.insert(x.name.as_str()) {
            c.bad(key(j, "name"), format!("\"{}\" must be non-empty and unique", x.name));
        }
        let mut dist = |k: &str, d: &Option<RawDist>| match d {
            Some(d) => c.dist(&key(j, k), d, base_dir),
            None => Some(Dist::Constant(SimDuration::ZERO)),
        };
        let init = dist("init", &x.init);
        let post_invocation = dist("post_invocation", &x.post_invocation);
        match (init, post_invocation, &mut out) {
            (Some(init), Some(post_invocation), Some(v)) => {
                v.push(Extension { name: x.name.clone(), init, post_invocation })
            }
            _ => out = None,
        }
    }
    out
}

/// SnapStart settings of function `i`: `Some(None)` when off, `None` if the restore time is
/// not a valid distribution.
///
/// Lambda supports SnapStart on Java 11+, Python 3.12+ and .NET 8+, and not together with
/// provisioned concurrency, Amazon EFS or ephemeral storage above 512 MB (AWS Lambda Developer
/// Guide, "Improving startup performance with Lambda SnapStart").
fn validate_snap_start(
    c: &mut Checker,
    i: usize,
    f: &RawFunction,
    provisioned: u32,
    ephemeral_mb: u32,
    base_dir: &Path,
) -> Option<Option<SnapStart>> {
    let key = |k: &str| format!("lambda.function[{i}].{k}");
    if f.snap_start != Some(true) {
        if f.restore_duration.is_some() {
            c.bad(key("restore_duration"), "applies only with snap_start = true");
        }
        return Some(None);
    }
    let runtimes = || {
        format!(
            "SnapStart is available for Java 11+, Python 3.12+ and .NET 8+ ({})",
            runtime::snap_start_runtimes().join(", ")
        )
    };
    // Broken rules are reported but keep the setting, so that the function stays declared
    // and its workloads do not report it missing as well.
    let support = match f.runtime.as_deref() {
        None => {
            c.bad(key("snap_start"), format!("needs `runtime`: {}", runtimes()));
            None
        }
        Some(rt) => {
            let support = runtime::snap_start(rt); // an unknown runtime is reported at `runtime`
            if support == Some(SnapStartSupport::Unsupported) {
                let msg = format!("true is not available for runtime \"{rt}\"; {}", runtimes());
                c.bad(key("snap_start"), msg);
            }
            support
        }
    };
    if provisioned > 0 {
        c.bad(
            key("snap_start"),
            format!(
                "SnapStart cannot be combined with provisioned concurrency \
                 (provisioned_concurrency = {provisioned}); use one or the other"
            ),
        );
    }
    if ephemeral_mb > 512 {
        c.bad(
            key("snap_start"),
            format!(
                "SnapStart does not support ephemeral storage above 512 MB \
                 (ephemeral_storage = {ephemeral_mb})"
            ),
        );
    }
    let restore = match &f.restore_duration {
        Some(d) => c.dist(&key("restore_duration"), d, base_dir),
        None => Some(Dist::Constant(runtime::DEFAULT_RESTORE)),
    };
    let priced = support == Some(SnapStartSupport::Priced);
    Some(Some(SnapStart { restore: restore?, priced }))
}

fn validate_workloads(
    c: &mut Checker,
    raw: &[RawWorkload],
    functions: &[FunctionConfig],
    base_dir: &Path,
) -> Vec<WorkloadConfig> {
    if raw.is_empty() {
        c.bad(
            "workload",
            "no [[workload]] is declared, so nothing would arrive; add one (see SCENARIO.md)",
        );
    }
    let mut names = HashSet::new();
    let mut out = Vec::new();
    for (i, w) in raw.iter().enumerate() {
        let key = |k: &str| format!("workload[{i}].{k}");
        if w.name.is_empty() || !names.insert(w.name.as_str()) {
            c.bad(key("name"), format!("\"{}\" must be non-empty and unique", w.name));
        }
        let targets: Vec<(String, &str)> = match (&w.target, &w.targets) {
            (Some(t), None) => vec![(key("target"), t.as_str())],
            (None, Some(ts)) if !ts.is_empty() => ts
                .iter()
                .enumerate()
                .map(|(j, t)| (format!("workload[{i}].targets[{j}]"), t.as_str()))
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
        let fn_indices: Vec<usize> = targets
            .into_iter()
            .filter_map(|(tkey, t)| resolve_target(c, tkey, t, functions))
            .collect();
        if let Some(r) = &w.route {
            c.bad(key("route"), format!("\"{r}\": a route applies only to api targets"));
        }
        if w.invocation == Some(RawInvocation::Async) {
            c.bad(
                key("invocation"),
                "\"async\" is not supported yet by this version of slsim; use \"sync\"",
            );
        }
        let rate = w.arrivals.rate.unwrap_or_else(|| {
            c.bad(key("arrivals.rate"), "missing: requests per second, e.g. rate = 10.0");
            1.0
        });
        if !rate.is_finite() || rate <= 0.0 || rate > 1e8 {
            c.bad(
                key("arrivals.rate"),
                format!(
                    "{rate} is not allowed; requests per second must be above 0 and at most 1e8"
                ),
            );
        }
        let arrivals = match w.arrivals.process {
            RawProcess::Poisson => Arrivals::Poisson { rate },
            RawProcess::Constant => Arrivals::Constant { rate },
        };
        let work = c.dist(&key("duration"), &w.duration, base_dir);
        let cpu_bound = w.cpu_bound.unwrap_or(0.0);
        if !(0.0..=1.0).contains(&cpu_bound) {
            c.bad(key("cpu_bound"), format!("{cpu_bound} is not a share; allowed 0.0..=1.0"));
        }
        let threads = c.int(&key("threads"), w.threads, 1, 1, 1024, "");
        if let Some(work) = work {
            out.push(WorkloadConfig {
                name: w.name.clone(),
                functions: fn_indices,
                arrivals,
                work,
                cpu_bound,
                threads,
            });
        }
    }
    out
}

/// The index of the function a target names, or a problem reported at `key`.
fn resolve_target(
    c: &mut Checker,
    key: String,
    target: &str,
    functions: &[FunctionConfig],
) -> Option<usize> {
    match target.split_once(':') {
        Some(("function", name)) => {
            let found = functions.iter().position(|f| f.name == name);
            if found.is_none() {
                let declared: Vec<&str> = functions.iter().map(|f| f.name.as_str()).collect();
                let declared =
                    if declared.is_empty() { "(none)".into() } else { declared.join(", ") };
                c.bad(
                    key,
                    format!(
                        "\"{target}\": no function named \"{name}\"; declared functions: {declared}"
                    ),
                );
            }
            found
        }
        Some(("service" | "api" | "queue", _)) => {
            c.bad(
                key,
                format!(
                    "\"{target}\": only function targets are supported by this version of slsim"
                ),
            );
            None
        }
        _ => {
            c.bad(key, format!("\"{target}\" is not a target; use \"function:NAME\""));
            None
        }
    }
}
