//! The scenario text of a CloudWatch import, written by hand with every assumption in a
//! comment, and the `observed.csv` files beside it.

use std::fmt::Write as _;

use super::fit::{self, DurationFit};
use super::read::Target;
use super::{Args, Table, observed_of};
use crate::import::{ImportError, Output, time, toml_str};

const DEFAULT_MEMORY: u32 = 1024;
const DEFAULT_RUNTIME: &str = "python3.12";
/// Placeholder run time of a service request (CloudWatch's RequestCount says nothing of it).
const SERVICE_MEDIAN_MS: f64 = 50.0;

/// Sum of a column (missing periods count 0).
fn total(col: Option<&Vec<Option<f64>>>) -> Option<f64> {
    col.map(|c| c.iter().flatten().sum())
}

fn max(col: Option<&Vec<Option<f64>>>) -> Option<f64> {
    col.and_then(|c| c.iter().flatten().copied().reduce(f64::max))
}

/// `[["0s", 1.5], ["60s", 2.0], ...]`: each period's count over its length, held for the period.
fn profile(col: &[Option<f64>], period_s: u32) -> String {
    let mut out = String::from("[");
    for (i, v) in col.iter().enumerate() {
        if i > 0 {
            out.push_str(if i % 6 == 0 { ",\n    " } else { ", " });
        }
        let rate = v.unwrap_or(0.0).max(0.0) / f64::from(period_s);
        // full precision: rate x period gives back the count exactly
        let rate = toml::Value::Float(rate);
        let _ = write!(out, "[\"{}s\", {rate}]", i as u64 * u64::from(period_s));
    }
    out.push(']');
    out
}

/// A number as TOML writes floats, short.
fn num(v: f64) -> String {
    let s = format!("{:.6}", v);
    let s = s.trim_end_matches('0');
    let s = if s.ends_with('.') { format!("{s}0") } else { s.to_string() };
    if s == "-0.0" { "0.0".into() } else { s }
}

fn ms(v: f64) -> String {
    format!("{}ms", num(v.max(0.001)))
}

/// A name slsim accepts for a function or service: Lambda's own letters, at most 64.
fn safe_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
        .take(64)
        .collect();
    if s.is_empty() { "imported".into() } else { s }
}

pub fn write(args: &Args, stem: &str, table: &Table) -> Result<Output, ImportError> {
    let first = args.files.first().map(|p| p.as_path()).unwrap_or(std::path::Path::new("."));
    let memory = args.memory.unwrap_or(DEFAULT_MEMORY);
    let runtime = args.runtime.clone().unwrap_or_else(|| DEFAULT_RUNTIME.into());
    let c = args.cpu_bound.unwrap_or(1.0);
    let factor = fit::cpu_factor(memory, c);
    let period = table.period_s;
    let span_s = u64::from(period) * table.periods as u64;
    let end_ms = table.start_ms + span_s as i64 * 1000;
    let mut messages = Vec::new();
    let mut body = String::new();
    let mut files = Vec::new();
    let mut names = Vec::new();
    let mut workloads = 0;

    let functions: Vec<&Target> =
        table.targets.keys().filter(|t| matches!(t, Target::Function(_))).collect();
    let several = functions.len() > 1;
    for target in &functions {
        let name = safe_name(target.name());
        names.push(name.clone());
        let inv = table.column(target, "Invocations", "Sum");
        let invocations = total(inv);
        let errors = total(table.column(target, "Errors", "Sum"));
        let throttles = total(table.column(target, "Throttles", "Sum"));
        let conc = max(table.column(target, "ConcurrentExecutions", "Maximum"));
        let _ = writeln!(body, "\n# --- function {} ---", target.name());
        if let Some(n) = invocations {
            let _ = writeln!(body, "# observed: {} invocations", num(n).trim_end_matches(".0"));
        }
        if let Some(t) = throttles {
            let _ = writeln!(
                body,
                "# observed: {} throttled attempts (not in Invocations, so not in the rate below; \
                 give the function the reserved_concurrency it had to see throttles)",
                num(t).trim_end_matches(".0")
            );
        }
        if let Some(m) = conc {
            let _ = writeln!(
                body,
                "# observed: at most {} concurrent executions (ConcurrentExecutions, Maximum)",
                num(m).trim_end_matches(".0")
            );
        }
        let _ = writeln!(body, "[[lambda.function]]\nname = {}", toml_str(&name));
        let _ = writeln!(
            body,
            "runtime = {}{}",
            toml_str(&runtime),
            if args.runtime.is_none() {
                "        # ASSUMED (not in the metrics): --runtime"
            } else {
                ""
            }
        );
        let _ = writeln!(
            body,
            "memory_size = {memory}{}",
            if args.memory.is_none() {
                "            # ASSUMED (not in the metrics): --memory MB"
            } else {
                ""
            }
        );
        let _ = writeln!(
            body,
            "timeout = \"900s\"              # ASSUMED: the maximum, so no observed run is cut short"
        );
        if let (Some(e), Some(n)) = (errors, invocations)
            && n > 0.0
        {
            let rate = (e / n).clamp(0.0, 1.0);
            let _ = writeln!(
                body,
                "error_rate = {}                 # Errors / Invocations = {} / {} (timeouts included, as CloudWatch counts them)",
                num(rate),
                num(e).trim_end_matches(".0"),
                num(n).trim_end_matches(".0")
            );
        }
        let Some(inv) = inv else {
            messages.push(format!(
                "function {}: no Invocations (Sum) series, so no workload was written for it",
                target.name()
            ));
            let _ = writeln!(
                body,
                "# no Invocations (Sum) series: no workload (export it to replay the traffic)"
            );
            continue;
        };
        let fitted = fit::duration(table, target);
        let _ = writeln!(body, "\n[[workload]]\nname = {}", toml_str(&name));
        let _ = writeln!(body, "target = {}", toml_str(&format!("function:{name}")));
        let _ = writeln!(
            body,
            "# Invocations (Sum) per {period} s period over {period} s, each held for its period; \
             periods without a data point are 0 (CloudWatch writes none when nothing ran)"
        );
        let _ = writeln!(
            body,
            "arrivals = {{ process = \"profile\", shape = \"step\", profile = {} }}",
            profile(inv, period)
        );
        write_duration(&mut body, &fitted, memory, c, factor, &mut messages, target.name());
        let _ = writeln!(body, "cpu_bound = {}", num(c));
        workloads += 1;

        let observed = observed_of(table, target);
        let file = if several {
            format!("{stem}.{name}.observed.csv")
        } else {
            format!("{stem}.observed.csv")
        };
        let _ = writeln!(body, "# compare with: slsim compare {file} OUTPUT_DIR");
        files.push((file, observed.to_csv().into_bytes()));
    }

    for target in table.targets.keys().filter(|t| matches!(t, Target::Service(_))) {
        let name = safe_name(target.name());
        let requests = table.column(target, "RequestCount", "Sum");
        let cpu = table.column(target, "CPUUtilization", "Average");
        let _ = writeln!(
            body,
            "\n# --- service {} (ECS service or ALB target group) ---",
            target.name()
        );
        if let Some(cpu) = cpu {
            let values: Vec<f64> = cpu.iter().flatten().copied().collect();
            if !values.is_empty() {
                let mean = values.iter().sum::<f64>() / values.len() as f64;
                let _ = writeln!(
                    body,
                    "# observed CPUUtilization (Average): mean {}%, highest {}% (set vcpu, concurrency and the run time so a run shows the same)",
                    num(mean),
                    num(values.iter().copied().fold(0.0, f64::max))
                );
            }
        }
        let Some(requests) = requests else {
            messages.push(format!(
                "service {}: no RequestCount (Sum) series, so it was not written",
                target.name()
            ));
            let _ = writeln!(body, "# no RequestCount (Sum) series: not written");
            continue;
        };
        names.push(name.clone());
        let _ = writeln!(
            body,
            "# A PLACEHOLDER: CloudWatch does not say how the service is built. Every value below \
             is ASSUMED; take them from your task definition (or `slsim import cfn`)."
        );
        let _ = writeln!(body, "[[service]]\nname = {}", toml_str(&name));
        let _ = writeln!(body, "platform = \"fargate\"            # ASSUMED");
        let _ = writeln!(body, "vcpu = 1.0                       # ASSUMED");
        let _ = writeln!(body, "memory = 2048                    # ASSUMED");
        let _ = writeln!(
            body,
            "concurrency = 20                 # ASSUMED: requests a task serves at once"
        );
        let _ = writeln!(
            body,
            "capacity = {{ min = 2, max = 2 }}  # ASSUMED: two tasks, no autoscaling"
        );
        // workloads share one namespace: a function of the same name keeps its own
        let workload = if names.iter().filter(|n| **n == name).count() > 1 {
            format!("{name}-requests")
        } else {
            name.clone()
        };
        let _ = writeln!(body, "\n[[workload]]\nname = {}", toml_str(&workload));
        let _ = writeln!(body, "target = {}", toml_str(&format!("service:{name}")));
        let _ = writeln!(
            body,
            "# RequestCount (Sum) per {period} s period over {period} s, each held for its period"
        );
        let _ = writeln!(
            body,
            "arrivals = {{ process = \"profile\", shape = \"step\", profile = {} }}",
            profile(requests, period)
        );
        let _ = writeln!(
            body,
            "duration = {{ dist = \"lognormal\", median = \"{}\", sigma = 0.5 }}   # ASSUMED: not in these metrics",
            ms(SERVICE_MEDIAN_MS)
        );
        workloads += 1;
    }

    if workloads == 0 {
        return Err(ImportError::new(
            first,
            "",
            "has no Invocations (Sum) of a Lambda function and no RequestCount (Sum) of a \
             service: nothing to replay (export those metrics too)",
        ));
    }

    let mut head = String::new();
    let files_list: Vec<String> = args.files.iter().map(|f| f.display().to_string()).collect();
    let _ = writeln!(
        head,
        "# Imported by `slsim import cloudwatch` from {} file(s): {}",
        table.files,
        files_list.join(", ")
    );
    if let Some(q) = &args.queries {
        let _ = writeln!(head, "# with the queries of {}", q.display());
    }
    let _ = writeln!(
        head,
        "# Time span: {} to {} ({} periods of {period} s); simulation time 0 is {}.",
        time::format(table.start_ms),
        time::format(end_ms),
        table.periods,
        time::format(table.start_ms)
    );
    let _ = writeln!(head, "# Replayed: {}.", names.join(", "));
    let _ = writeln!(
        head,
        "# Assumed: memory {memory} MB{}, runtime {runtime}{}, cpu_bound {} (--cpu-bound): run times \
         below are the observed ones divided by {} to give run time on one vCPU, so the model \
         gives back the observed times at {memory} MB.",
        if args.memory.is_none() { " (--memory)" } else { "" },
        if args.runtime.is_none() { " (--runtime)" } else { "" },
        num(c),
        num(factor)
    );
    if !table.skipped.is_empty() {
        let _ = writeln!(head, "# Skipped or incomplete:");
        for s in &table.skipped {
            let _ = writeln!(head, "#   {s}");
        }
    }
    let _ = writeln!(
        head,
        "# Compare a run's timeseries.csv with the observed.csv written beside this file \
         (invocations, concurrency, throttles, errors, duration p50/p99 per period)."
    );
    let mut scenario = head;
    let _ = writeln!(
        scenario,
        "\n[simulation]\nname = {}\nduration = \"{span_s}s\"             # the periods covered\nseed = 1",
        toml_str(&safe_name(stem))
    );
    scenario.push_str(&body);

    messages.push(format!(
        "read {} file(s): {} target(s), {} periods of {period} s from {}",
        table.files,
        table.targets.len(),
        table.periods,
        time::format(table.start_ms)
    ));
    if args.memory.is_none() {
        messages.push(format!(
            "memory_size {DEFAULT_MEMORY} MB assumed (CloudWatch does not record it): set --memory"
        ));
    }
    if args.runtime.is_none() {
        messages.push(format!("runtime {DEFAULT_RUNTIME} assumed: set --runtime"));
    }
    messages.extend(table.skipped.iter().map(|s| format!("skipped: {s}")));
    Ok(Output { scenario, files, messages })
}

fn write_duration(
    body: &mut String,
    fitted: &Option<DurationFit>,
    memory: u32,
    c: f64,
    factor: f64,
    messages: &mut Vec<String>,
    function: &str,
) {
    match fitted {
        Some(f) => {
            let figures: Vec<String> =
                f.figures.iter().map(|(n, v)| format!("{n} {}", ms(*v))).collect();
            let _ = writeln!(
                body,
                "# Duration (invocation-weighted means over the periods): {}",
                figures.join(", ")
            );
            let _ = writeln!(body, "# run time: {}; observed median {}", f.how, ms(f.median_ms));
            let _ = writeln!(
                body,
                "# converted to one vCPU: median / {} (the CPU law at {memory} MB with cpu_bound {})",
                num(factor),
                num(c)
            );
            let _ = writeln!(
                body,
                "duration = {{ dist = \"lognormal\", median = \"{}\", sigma = {} }}",
                ms(f.median_ms / factor),
                num(f.sigma)
            );
            if f.assumed {
                messages.push(format!("function {function}: {}", f.how));
            }
        }
        None => {
            let _ = writeln!(
                body,
                "# no Duration statistics: the run time is ASSUMED (export Duration p50 and p99)"
            );
            let _ = writeln!(
                body,
                "duration = {{ dist = \"lognormal\", median = \"100ms\", sigma = 0.5 }}"
            );
            messages.push(format!(
                "function {function}: no Duration statistics, run time ASSUMED (median 100 ms)"
            ));
        }
    }
}
