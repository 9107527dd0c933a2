//! `[[trace]]`: the trace files are read (in `crate::trace`) and each trace function becomes
//! a `[[lambda.function]]` built from the trace's template, validated like any other.

use std::collections::HashMap;
use std::path::Path;

use super::Checker;
use crate::config::FunctionConfig;
use crate::config::raw::{RawFunction, RawLambda, RawScenario};
use crate::trace::{self, Prepared};

/// Reads the traces and appends their functions to `raw.lambda.function`.
pub(super) fn add_trace_functions(
    c: &mut Checker,
    raw: &mut RawScenario,
    base_dir: &Path,
) -> Vec<Prepared> {
    let prepared = trace::prepare(&raw.trace, base_dir, &mut c.problems);
    if prepared.is_empty() {
        return prepared;
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
    for p in &prepared {
        let Some((i, t)) = raw.trace.iter().enumerate().find(|(_, t)| t.name == p.config.name)
        else {
            continue;
        };
        let at = crate::problem::item_key("trace", i, &t.name);
        // the template is checked once, as the first function, so that a bad value is
        // reported at `template` once rather than at every function made from it
        let limit = lambda.concurrency_limit.unwrap_or(1000);
        if let Some((name, memory, label)) = p.functions.first() {
            match function_from_template(t.template.as_ref(), name, *memory, label.as_deref()) {
                Ok(f) => {
                    let mut scratch = Checker::new();
                    let key = format!("{at}.template");
                    super::lambda::validate_function(&mut scratch, &key, &f, limit, base_dir);
                    if !scratch.problems.is_empty() {
                        c.problems.extend(scratch.problems);
                        continue;
                    }
                }
                Err(e) => {
                    c.bad(format!("{at}.template"), e);
                    continue;
                }
            }
        }
        for (name, memory, label) in &p.functions {
            if let Some(by) = taken.insert(name.clone(), format!("trace \"{}\"", t.name)) {
                c.bad(
                    at.clone(),
                    format!("its function \"{name}\" is also declared by {by}; rename one"),
                );
                continue;
            }
            match function_from_template(t.template.as_ref(), name, *memory, label.as_deref()) {
                Ok(f) => lambda.function.push(f),
                Err(e) => {
                    c.bad(format!("{at}.template"), e);
                    break;
                }
            }
        }
    }
    prepared
}

/// Points each trace at its functions' indices in `lambda.functions`.
pub(super) fn resolve(traces: &mut [Prepared], functions: &[FunctionConfig]) {
    let index: HashMap<&str, usize> =
        functions.iter().enumerate().map(|(i, f)| (f.name.as_str(), i)).collect();
    for t in traces {
        t.config.functions =
            t.functions.iter().filter_map(|(n, _, _)| index.get(n.as_str()).copied()).collect();
    }
}

/// The `[[lambda.function]]` of one trace function: the template with `name` (and
/// `memory_size` from the trace unless the template sets it).
pub(crate) fn function_from_template(
    template: Option<&toml::Table>,
    name: &str,
    memory_mb: Option<u32>,
    label: Option<&str>,
) -> Result<RawFunction, String> {
    let mut t = template.cloned().unwrap_or_default();
    for k in ["name", "alias", "copies"] {
        if t.contains_key(k) {
            return Err(format!("`{k}` is not allowed in a trace template"));
        }
    }
    t.insert("name".into(), toml::Value::String(name.into()));
    if let Some(l) = label
        && !t.contains_key("label")
    {
        t.insert("label".into(), toml::Value::String(l.into()));
    }
    if let Some(m) = memory_mb
        && !t.contains_key("memory_size")
    {
        t.insert("memory_size".into(), toml::Value::Integer(m.into()));
    }
    toml::Value::Table(t).try_into().map_err(|e: toml::de::Error| e.message().to_string())
}
