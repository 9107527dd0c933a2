//! `[lambda]` and `[[lambda.function]]`: limits, functions, aliases, provisioned plans,
//! keep-alive policies, extensions and SnapStart.

use std::collections::HashSet;
use std::path::Path;

use super::Checker;
use crate::config::raw::*;
use crate::config::runtime::{self, SnapStartSupport};
use crate::config::settings::HybridConfig;
use crate::config::*;
use crate::dist::{Dist, RawDist};

const DEFAULT_KEEP_ALIVE: SimDuration = SimDuration::from_secs(600);

pub(super) fn validate_lambda(
    c: &mut Checker,
    raw: Option<&RawLambda>,
    base_dir: &Path,
) -> LambdaConfig {
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
    let mut aliases = Vec::new();
    let mut copies = Vec::new();
    for (i, f) in raw.function.iter().enumerate() {
        let idx = i;
        let i = &super::item_key("lambda.function", i, &f.name);
        if !names.insert(f.name.as_str()) {
            c.bad(
                format!("lambda.function[{idx}].name"),
                format!("\"{}\" is declared twice; function names must be unique", f.name),
            );
        }
        let Some(function) = validate_function(c, i, f, limit, base_dir) else { continue };
        if let Some(n) = f.copies {
            let n = c.int(&format!("{i}.copies"), Some(n), 1, 1, 100_000, " copies");
            if f.alias.is_some() {
                c.bad(format!("{i}.copies"), "copies and an alias do not combine");
            }
            let first = functions.len();
            functions.extend((0..n).map(|k| FunctionConfig {
                name: format!("{}-{k}", function.name),
                ..function.clone()
            }));
            copies.push(CopyGroup { name: function.name, first, count: n as usize });
            continue;
        }
        match &f.alias {
            None => functions.push(function),
            Some(a) => {
                let key = format!("{i}.alias");
                if let Some(alias) = validate_alias(c, &key, a, &function, functions.len(), limit) {
                    for (v, n) in a.versions.iter().zip(alias_provisioned(a)) {
                        let name = format!("{}:{v}", function.name);
                        functions.push(FunctionConfig {
                            name,
                            provisioned: n,
                            provisioned_max: n,
                            ..function.clone()
                        });
                    }
                    aliases.push(alias);
                }
            }
        }
    }

    // Reservations (and provisioned concurrency of unreserved functions) come out of the
    // account pool and must leave `unreserved_minimum` for everything else (docs/src/facts.md
    // §1.2).
    let set_aside: u64 =
        functions.iter().map(|f| f.reserved.unwrap_or(f.provisioned_max) as u64).sum();
    if set_aside + unreserved_minimum as u64 > limit as u64 {
        let key = raw
            .function
            .iter()
            .enumerate()
            .find(|(_, f)| f.reserved_concurrency.is_some())
            .map(|(i, f)| {
                format!("{}.reserved_concurrency", super::item_key("lambda.function", i, &f.name))
            })
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
        aliases,
        copies,
    }
}

pub(super) fn validate_function(
    c: &mut Checker,
    i: &str,
    f: &RawFunction,
    limit: u32,
    base_dir: &Path,
) -> Option<FunctionConfig> {
    let key = |k: &str| format!("{i}.{k}");
    let name_ok = !f.name.is_empty()
        && f.name.len() <= 64
        && f.name.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
    if !name_ok {
        let msg = "is not a Lambda function name: 1-64 letters, digits, '-' or '_'";
        c.bad(key("name"), format!("\"{}\" {msg}", f.name));
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
    let (provisioned, plan) = validate_provisioned_plan(c, i, f, provisioned, limit);
    let provisioned_max = match &plan {
        ProvisionedPlan::Constant => provisioned,
        ProvisionedPlan::Schedule(steps) => {
            steps.iter().map(|s| s.1).max().unwrap_or(0).max(provisioned)
        }
        ProvisionedPlan::TargetTracking { max, .. } => *max,
    };
    if let Some(r) = reserved
        && provisioned_max > r
    {
        c.bad(
            key("provisioned_concurrency"),
            format!(
                "{provisioned_max} exceeds reserved_concurrency = {r}; \
                 provisioned environments count against the reservation"
            ),
        );
    }
    let provisioned_allocation_delay = c.duration(
        &key("provisioned_allocation_delay"),
        f.provisioned_allocation_delay,
        90,
        0,
        3600,
    );
    let keep_alive = match &f.keep_alive {
        Some(d) => c.dist(&key("keep_alive"), d, base_dir),
        None => Some(Dist::Constant(DEFAULT_KEEP_ALIVE)),
    };
    let keep_alive_policy = match &f.keep_alive_policy {
        None => KeepAlivePolicyConfig::Fixed,
        Some(p) => validate_policy(c, &key("keep_alive_policy"), &p.0),
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
    let snap_start = validate_snap_start(c, i, f, provisioned_max, ephemeral_mb, base_dir);
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
        label: f.label.clone(),
        runtime: f.runtime.clone(),
        architecture,
        memory_mb,
        memory_given: f.memory_size.is_some(),
        timeout,
        ephemeral_mb,
        reserved,
        provisioned,
        provisioned_plan: plan,
        provisioned_max,
        provisioned_allocation_delay,
        keep_alive: keep_alive?,
        keep_alive_policy,
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
    i: &str,
    raw: &[RawExtension],
    base_dir: &Path,
) -> Option<Vec<Extension>> {
    let key = |j: usize, k: &str| format!("{i}.extensions[{j}].{k}");
    if raw.len() > MAX_EXTENSIONS {
        c.bad(
            format!("{i}.extensions"),
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
    i: &str,
    f: &RawFunction,
    provisioned: u32,
    ephemeral_mb: u32,
    base_dir: &Path,
) -> Option<Option<SnapStart>> {
    let key = |k: &str| format!("{i}.{k}");
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

fn alias_provisioned(a: &RawAlias) -> [u32; 2] {
    let p = a.provisioned.as_deref().unwrap_or(&[0, 0]);
    [p.first().copied().unwrap_or(0).max(0) as u32, p.get(1).copied().unwrap_or(0).max(0) as u32]
}

/// An alias over two versions of `f` (whose versions will be `functions[first..first + 2]`).
fn validate_alias(
    c: &mut Checker,
    key: &str,
    a: &RawAlias,
    f: &FunctionConfig,
    first: usize,
    limit: u32,
) -> Option<AliasConfig> {
    let mut ok = true;
    if a.versions.len() != 2 {
        c.bad(
            format!("{key}.versions"),
            format!("{:?}: a weighted alias routes between exactly two versions", a.versions),
        );
        ok = false;
    }
    let version_ok = |v: &String| {
        !v.is_empty()
            && v.len() <= 32
            && v.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
    };
    if let Some(v) = a.versions.iter().find(|v| !version_ok(v)) {
        c.bad(
            format!("{key}.versions"),
            format!("\"{v}\" is not a version name: 1-32 letters, digits, '-' or '_'"),
        );
        ok = false;
    }
    if a.versions.len() == 2 && a.versions[0] == a.versions[1] {
        c.bad(format!("{key}.versions"), "the two versions must differ");
        ok = false;
    }
    if f.reserved.is_some() || f.provisioned > 0 || f.provisioned_plan != ProvisionedPlan::Constant
    {
        let msg = "with an alias, set provisioned concurrency per version in alias.provisioned; \
                   reserved concurrency shared by versions is not supported yet";
        c.bad(key, msg);
        ok = false;
    }
    if let Some(p) = &a.provisioned {
        if p.len() != 2 {
            c.bad(format!("{key}.provisioned"), format!("{p:?}: give one value per version"));
            ok = false;
        }
        for (j, &n) in p.iter().enumerate() {
            c.int(&format!("{key}.provisioned[{j}]"), Some(n), 0, 0, limit, "");
        }
    }
    let share = |c: &mut Checker, k: String, w: f64| {
        if !(0.0..=1.0).contains(&w) {
            c.bad(k, format!("{w} is not a share; allowed 0.0..=1.0"));
        }
    };
    let shift = match (a.weight, &a.shift) {
        (Some(_), Some(_)) => {
            c.bad(format!("{key}.shift"), "give `weight` or `shift`, not both");
            return None;
        }
        (Some(w), None) => {
            share(c, format!("{key}.weight"), w);
            vec![(SimDuration::ZERO, w)]
        }
        (None, Some(steps)) => {
            for (j, (at, w)) in steps.iter().enumerate() {
                share(c, format!("{key}.shift[{j}]"), *w);
                if j > 0 && steps[j - 1].0.0 >= at.0 {
                    c.bad(
                        format!("{key}.shift[{j}]"),
                        format!("\"{}\" is not after the previous step; times must increase", at.0),
                    );
                }
            }
            steps.iter().map(|(at, w)| (at.0, *w)).collect()
        }
        (None, None) => {
            c.bad(key, "needs `weight` (share to the second version) or a `shift` schedule");
            return None;
        }
    };
    ok.then(|| AliasConfig { name: f.name.clone(), versions: [first, first + 1], shift })
}

/// The initial provisioned concurrency and how it changes (schedule or target tracking).
fn validate_provisioned_plan(
    c: &mut Checker,
    i: &str,
    f: &RawFunction,
    initial: u32,
    limit: u32,
) -> (u32, ProvisionedPlan) {
    let key = |k: &str| format!("{i}.{k}");
    match (&f.provisioned_schedule, &f.provisioned_autoscaling) {
        (Some(_), Some(_)) => {
            c.bad(
                key("provisioned_autoscaling"),
                "give a provisioned_schedule or provisioned_autoscaling, not both",
            );
            (initial, ProvisionedPlan::Constant)
        }
        (Some(steps), None) => {
            let mut out: Vec<(SimDuration, u32)> = Vec::new();
            for (j, (at, n)) in steps.iter().enumerate() {
                let k = format!("{i}.provisioned_schedule[{j}]");
                let n = c.int(&k, Some(*n), 0, 0, limit, " environments");
                if out.last().is_some_and(|last| last.0 >= at.0) {
                    c.bad(
                        &k,
                        format!("\"{}\" is not after the previous step; times must increase", at.0),
                    );
                }
                out.push((at.0, n));
            }
            match out.first() {
                Some(&(at, n)) if at == SimDuration::ZERO => {
                    if f.provisioned_concurrency.is_some() && n != initial {
                        let msg = format!(
                            "{initial} conflicts with the schedule's value at \"0s\" ({n})"
                        );
                        c.bad(key("provisioned_concurrency"), msg);
                    }
                    (n, ProvisionedPlan::Schedule(out))
                }
                _ => (initial, ProvisionedPlan::Schedule(out)),
            }
        }
        (None, Some(a)) => {
            let target = a.target.unwrap_or(0.7);
            if !(target > 0.0 && target <= 1.0) {
                c.bad(
                    key("provisioned_autoscaling.target"),
                    format!("{target} is not a utilisation; allowed above 0 up to 1"),
                );
            }
            let min = c.int(&key("provisioned_autoscaling.min"), a.min, 1, 0, limit, "");
            let max = c.int(&key("provisioned_autoscaling.max"), a.max, min.max(1), 0, limit, "");
            if max < min {
                c.bad(key("provisioned_autoscaling.max"), format!("{max} is below min = {min}"));
            }
            (initial.clamp(min, max.max(min)), ProvisionedPlan::TargetTracking { target, min, max })
        }
        (None, None) => (initial, ProvisionedPlan::Constant),
    }
}

fn validate_policy(c: &mut Checker, key: &str, p: &RawKeepAlivePolicy) -> KeepAlivePolicyConfig {
    let settings = [
        ("range", p.range.is_some()),
        ("head", p.head.is_some()),
        ("tail", p.tail.is_some()),
        ("margin", p.margin.is_some()),
        ("min_samples", p.min_samples.is_some()),
        ("cv_threshold", p.cv_threshold.is_some()),
    ];
    match p.policy {
        None => {
            c.bad(key, "needs `policy` = \"fixed\" or \"hybrid-histogram\"");
            KeepAlivePolicyConfig::Fixed
        }
        Some(RawPolicyKind::Fixed) => {
            if let Some((name, _)) = settings.iter().find(|(_, set)| *set) {
                c.bad(format!("{key}.{name}"), "applies only to policy = \"hybrid-histogram\"");
            }
            KeepAlivePolicyConfig::Fixed
        }
        Some(RawPolicyKind::HybridHistogram) => {
            let d = HybridConfig::default();
            let mut share = |name: &str, v: Option<f64>, default: f64, lo: f64, hi: f64| {
                let x = v.unwrap_or(default);
                if !(lo..=hi).contains(&x) {
                    c.bad(
                        format!("{key}.{name}"),
                        format!("{x} is out of range; allowed {lo}..={hi}"),
                    );
                }
                x
            };
            let head = share("head", p.head, d.head, 0.0, 1.0);
            let tail = share("tail", p.tail, d.tail, 0.0, 1.0);
            let margin = share("margin", p.margin, d.margin, 0.0, 0.99);
            let cv_threshold = share("cv_threshold", p.cv_threshold, d.cv_threshold, 0.0, 1e6);
            if head > tail {
                c.bad(format!("{key}.head"), format!("{head} is above tail = {tail}"));
            }
            let range = c.duration(&format!("{key}.range"), p.range, 4 * 3600, 60, 7 * 86400);
            let min_samples =
                c.int(&format!("{key}.min_samples"), p.min_samples, 10, 1, 1_000_000, "");
            KeepAlivePolicyConfig::HybridHistogram(HybridConfig {
                range,
                head,
                tail,
                margin,
                min_samples,
                cv_threshold,
            })
        }
    }
}
