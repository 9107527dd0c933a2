//! Raw scenario -> [`Scenario`]: every value checked, defaults filled in, all problems listed.
//!
//! One file per part of the scenario: [`lambda`] (account, functions, aliases, provisioned
//! plans, policies, extensions, SnapStart), [`queues`] (event-source mappings), [`workloads`]
//! (and the targets they name).

mod apis;
mod capacity;
mod lambda;
mod queues;
mod scaling;
mod services;
mod traces;
mod workloads;

use std::collections::{HashMap, HashSet};
use std::path::Path;

pub(super) use crate::problem::item_key;
use crate::problem::{clip, name_list};

use super::raw::*;
use super::*;
use crate::dist::{Dist, RawDist};
use crate::pricing;
use crate::units::RawDuration;
use apis::validate_apis;
use lambda::validate_lambda;
use queues::validate_queues;
use workloads::validate_workloads;

/// Collects problems so that one pass reports all of them.
struct Checker {
    problems: Vec<Problem>,
    /// Names declared in the raw scenario, by kind ("function", "queue", "api", "service",
    /// "route of api NAME"): a lookup that fails for one of them names an item that failed
    /// validation (and was reported already), not a missing one.
    declared: HashMap<String, HashSet<String>>,
}

impl Checker {
    fn new() -> Checker {
        Checker { problems: Vec::new(), declared: HashMap::new() }
    }

    fn declare<'a>(&mut self, kind: &str, names: impl IntoIterator<Item = &'a str>) {
        self.declared
            .entry(kind.to_string())
            .or_default()
            .extend(names.into_iter().map(String::from));
    }

    /// Why `name` is not among the validated `known` items of `kind`: it is declared but
    /// invalid (reported above), or it is not declared (and which are).
    fn missing<S: AsRef<str>>(&self, kind: &str, name: &str, known: &[S]) -> String {
        let name = clip(name);
        if self.declared.get(kind).is_some_and(|d| d.contains(name.as_str())) {
            format!("{kind} \"{name}\" is declared but invalid, see above")
        } else {
            format!("no {kind} named \"{name}\"; declared {kind}s: {}", name_list(known))
        }
    }

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

pub fn validate(
    file: &Path,
    base_dir: &Path,
    mut raw: RawScenario,
) -> Result<Scenario, ConfigError> {
    let mut c = Checker::new();

    // [sweep] is run by `slsim sweep`; its shape is checked here so `run` and `validate` catch
    // its mistakes too (the values of its points are checked when the sweep is prepared)
    let has_sweep = raw.sweep.is_some();
    if let Some(sweep) = raw.sweep.take() {
        let mut t = toml::Table::new();
        t.insert("sweep".into(), sweep);
        if let Err(problems) = crate::config::sweep::SweepSpec::from_table(&t, &[]) {
            c.problems.extend(problems);
        }
    }

    // trace functions join the declared ones before those are validated
    let traces = traces::add_trace_components(&mut c, &mut raw, base_dir);
    if let Some(l) = &raw.lambda {
        c.declare("function", l.function.iter().map(|f| f.name.as_str()));
    }
    c.declare("queue", raw.queue.iter().map(|q| q.name.as_str()));
    c.declare("api", raw.api.iter().map(|a| a.name.as_str()));
    c.declare("service", raw.service.iter().map(|s| s.name.as_str()));
    for a in &raw.api {
        c.declare(&format!("route of api {}", a.name), a.route.iter().map(|r| r.route.as_str()));
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
    let timeseries_step = match sim.timeseries_step {
        None | Some(RawTimeseriesStep::Auto) => None,
        Some(RawTimeseriesStep::Every(step)) => {
            let minute = crate::metrics::MINUTE;
            if step < minute || step.0 % minute.0 != 0 || step > duration.max(minute) {
                c.bad(
                    "simulation.timeseries_step",
                    format!(
                        "\"{step}\" is not allowed; use \"auto\" or whole minutes from \"1m\" \
                         up to simulation.duration (\"{duration}\"), e.g. \"5m\" or \"1h\""
                    ),
                );
            }
            Some(step)
        }
    };
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
    let queues = validate_queues(&mut c, &raw.queue, &lambda.functions);
    let services = services::validate_services(&mut c, &raw.service, base_dir, duration);
    let apigateway = validate_apis(
        &mut c,
        raw.apigateway.as_ref(),
        &raw.api,
        &lambda.functions,
        &services,
        base_dir,
    );
    let traces = traces::resolve(
        &mut c,
        traces,
        &lambda.functions,
        &services,
        &apigateway.apis,
        &queues,
        &raw.trace,
    );
    let targets = workloads::Targets {
        functions: &lambda.functions,
        aliases: &lambda.aliases,
        copies: &lambda.copies,
        queues: &queues,
        apis: &apigateway.apis,
        services: &services,
        function_index: workloads::function_index(&lambda.functions),
    };
    // a scenario whose load is all replayed traces needs no [[workload]]
    let workloads = if raw.workload.is_empty() && !raw.trace.is_empty() {
        Vec::new()
    } else {
        validate_workloads(&mut c, &raw.workload, &targets, base_dir)
    };

    // [slo]: checked against the components declared above
    let slo = raw.slo.as_ref().and_then(|raw_slo| {
        let names = crate::config::slo::Names {
            functions: lambda.functions.iter().map(|f| f.name.clone()).collect(),
            copy_groups: lambda.copies.iter().map(|g| g.name.clone()).collect(),
            apis: apigateway.apis.iter().map(|a| a.name.clone()).collect(),
            services: services.iter().map(|s| s.name.clone()).collect(),
            invalid: Vec::new(),
        };
        let mut names = names;
        let mut invalid = Vec::new();
        for (kind, valid) in
            [("function", &names.functions), ("api", &names.apis), ("service", &names.services)]
        {
            invalid.extend(
                c.declared
                    .get(kind)
                    .into_iter()
                    .flatten()
                    .filter(|n| !valid.contains(n))
                    .map(|n| format!("{kind}:{n}")),
            );
        }
        names.invalid = invalid;
        crate::config::slo::Slo::from_raw(raw_slo, &names).map_err(|p| c.problems.extend(p)).ok()
    });

    if !c.problems.is_empty() {
        return Err(ConfigError { file: file.to_path_buf(), problems: c.problems });
    }
    Ok(Scenario {
        file: file.to_path_buf(),
        name: sim.name.clone(),
        duration,
        warmup,
        timeseries_step,
        seed: sim.seed.unwrap_or(1),
        replications,
        free_tier: raw.pricing.free_tier.unwrap_or(false),
        prices,
        lambda,
        queues,
        services,
        apigateway,
        volume_tiers: match raw.pricing.volume_tiers.unwrap_or(RawVolumeTiers::Period) {
            RawVolumeTiers::Period => VolumeTiers::Period,
            RawVolumeTiers::Monthly => VolumeTiers::Monthly,
        },
        workloads,
        traces,
        has_sweep,
        slo,
    })
}
