//! `slsim import terraform PLAN.json`: the JSON of `terraform show -json` (a plan or a state)
//! to a scenario.
//!
//! ```text
//! planned_values / values (root and child modules) --.
//! resource_changes[].change.after_unknown ------------+--> a CloudFormation-shaped tree --> cfn's mapper --> Infra --> TOML
//! configuration (expression references) -------------'
//! ```
//!
//! Each AWS provider resource slsim models is rewritten as the CloudFormation resource with the
//! same meaning (`aws_lambda_function` as `AWS::Lambda::Function`, blocks as properties), and
//! links between resources become `Ref`s, so one mapper serves both imports. A link is found
//! through the configuration's expression references (in a plan, identifiers of new resources
//! are unknown) or, failing that, by matching a known value (ARN, name, id) against the other
//! resources. A value known only after apply is reported like an unresolvable reference.

mod translate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::infra::{self, Infra};
use super::{ImportError, Output};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The output of `terraform show -json PLANFILE` (a plan) or `terraform show -json` (a state).
    pub plan: PathBuf,
    #[command(flatten)]
    pub usage: super::usage::UsageArgs,
}

/// Reads the plan or state and writes the scenario; `stem` names the scenario.
pub fn import(args: &Args, stem: &str) -> Result<Output, ImportError> {
    let (infra, output) = structure(&args.plan, stem, None)?;
    super::usage::with_traffic(&infra, output, &args.usage, stem, |t| {
        structure(&args.plan, stem, Some(t)).map(|(_, o)| o)
    })
}

/// The structure of a plan or state: the infrastructure model (for composing with traffic from
/// another import) and the scenario written from it.
pub fn structure(
    plan: &Path,
    stem: &str,
    traffic: Option<&super::usage::Traffic>,
) -> Result<(Infra, Output), ImportError> {
    let text = super::read_text(plan, "a Terraform plan or state")?;
    let root: Value = serde_json::from_str(&text).map_err(|e| {
        ImportError::new(
            plan,
            format!("line {} column {}", e.line(), e.column()),
            format!("not valid JSON: {e}"),
        )
    })?;
    if !root.is_object() {
        return Err(ImportError::new(
            plan,
            "",
            "expected the JSON object `terraform show -json` prints",
        ));
    }
    let translate::Translated { template, kinds, folded, what } =
        translate::translate(plan, &root)?;
    let mut infra = super::cfn::map_template(plan, &template, &BTreeMap::new(), stem)?;
    infra.assumed.clear();
    infra.unmodelled.retain(|o| !folded.contains(&o.id));
    // comments name the Terraform types, not the CloudFormation ones used inside
    let relabel = |o: &mut infra::Origin| {
        if let Some(k) = kinds.get(&o.id) {
            o.kind = k.clone();
        }
    };
    infra.functions.iter_mut().flat_map(|f| f.origins.iter_mut()).for_each(relabel);
    infra.queues.iter_mut().flat_map(|q| q.origins.iter_mut()).for_each(relabel);
    infra.services.iter_mut().flat_map(|s| s.origins.iter_mut()).for_each(relabel);
    for a in &mut infra.apis {
        a.origins.iter_mut().for_each(relabel);
        a.routes.iter_mut().filter_map(|r| r.origin.as_mut()).for_each(relabel);
        a.usage_plans.iter_mut().filter_map(|p| p.origin.as_mut()).for_each(relabel);
    }
    infra.unmodelled.iter_mut().for_each(relabel);
    infra.not_created.iter_mut().for_each(|(o, _)| relabel(o));
    let header = vec![
        format!("Imported by `slsim import terraform` from {} ({what}).", plan.display()),
        "Structure only: memory, timeouts, concurrency, mappings, routes, throttles and capacity as the \
         configuration sets them; AWS defaults where it sets nothing."
            .to_string(),
    ];
    super::cfn::finish(plan, "", "unknown", infra, &header, stem, traffic)
}
