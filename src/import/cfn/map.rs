//! Resources to the infrastructure model: Lambda functions, versions, aliases and event-source
//! mappings here; APIs in `api.rs`; ECS, Auto Scaling and load balancers in `ecs.rs`.
//!
//! Each resource that feeds a component is marked used; every other one is listed as not
//! modelled. Properties with no scenario key are named in a note beside the component.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde_json::Value;

use super::resolve::{Resolver, scalar_text, unknown_reason};
use crate::import::ImportError;
use crate::import::infra::{Alias, Function, Infra, Origin, Queue, clean_name};

pub(super) struct Mapper<'t> {
    pub r: Resolver<'t>,
    pub infra: Infra,
    pub used: HashSet<String>,
    /// Logical ids by type, in template order, with false conditions left out.
    pub by_kind: BTreeMap<String, Vec<String>>,
    /// Function logical id -> index in `infra.functions`.
    pub functions: HashMap<String, usize>,
}

pub(super) fn map(
    file: &Path,
    root: &Value,
    overrides: &BTreeMap<String, String>,
    stem: &str,
) -> Result<Infra, ImportError> {
    match root.get("Resources") {
        Some(Value::Object(_)) => {}
        None => {
            return Err(ImportError::new(
                file,
                "",
                "no Resources section: this is not a CloudFormation template",
            ));
        }
        Some(_) => {
            return Err(ImportError::new(
                file,
                "Resources",
                "must be a mapping of logical ids to resources",
            ));
        }
    }
    let mut assumed = vec![format!(
        "pseudo parameters AWS::Region = {}, AWS::AccountId = {}, AWS::StackName = {stem} (stand-ins; \
         a Ref to a resource stands for its name)",
        super::resolve::REGION,
        super::resolve::ACCOUNT
    )];
    let r = Resolver::new(file, root, overrides, stem, &mut assumed)?;
    let mut m = Mapper {
        r,
        infra: Infra { assumed, ..Infra::default() },
        used: HashSet::new(),
        by_kind: BTreeMap::new(),
        functions: HashMap::new(),
    };
    if root.get("Transform").is_some() {
        m.infra.notes.push(
            "the template has a Transform: AWS::Serverless (SAM) and macro resources are not expanded \
             here; import the processed template (`aws cloudformation get-template --template-stage \
             Processed`) for them"
                .to_string(),
        );
    }
    let ids: Vec<(String, Value)> =
        m.r.resources().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (id, res) in &ids {
        let Some(kind) = res.get("Type").and_then(Value::as_str) else {
            return Err(ImportError::new(
                file,
                format!("Resources.{id}.Type"),
                "every resource needs a Type string",
            ));
        };
        if let Some(c) = res.get("Condition") {
            let Some(name) = c.as_str() else {
                return Err(ImportError::new(
                    file,
                    format!("Resources.{id}.Condition"),
                    "must be a condition name",
                ));
            };
            match m.r.condition(name, &format!("Resources.{id}.Condition"))? {
                Some(false) => {
                    m.infra.not_created.push((Origin::new(id, kind), format!("condition {name} is false")));
                    continue;
                }
                None => m.infra.notes.push(format!(
                    "{id}: condition {name} cannot be decided from the template; the resource is kept"
                )),
                Some(true) => {}
            }
        }
        m.by_kind.entry(kind.to_string()).or_default().push(id.clone());
    }
    m.functions_()?;
    m.aliases()?;
    m.queues()?;
    m.services()?;
    m.apis()?;
    for (id, res) in &ids {
        let kind = res.get("Type").and_then(Value::as_str).unwrap_or("");
        let created = m.by_kind.get(kind).is_some_and(|l| l.contains(id));
        if created && !m.used.contains(id) {
            m.infra.unmodelled.push(Origin::new(id, kind));
        }
    }
    m.infra.source = format!("{} ({} resources)", file.display(), ids.len());
    Ok(m.infra)
}

/// A number from a number or a numeric string (CloudFormation accepts both).
pub(super) fn num(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(super) fn int(v: Option<&Value>) -> Option<i64> {
    num(v).filter(|x| x.fract() == 0.0 && x.abs() < 9e15).map(|x| x as i64)
}

pub(super) fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Mapper<'_> {
    pub fn ids(&self, kind: &str) -> Vec<String> {
        self.by_kind.get(kind).cloned().unwrap_or_default()
    }

    /// Property `prop` of `id`, resolved; an unresolvable one is reported and gives `None`.
    pub fn get(&mut self, id: &str, prop: &str) -> Result<Option<Value>, ImportError> {
        let v = self.r.prop(id, prop)?;
        if let Some(why) = v.as_ref().and_then(unknown_reason) {
            self.infra
                .notes
                .push(format!("{id}.Properties.{prop}: {why}; left at slsim's default"));
            return Ok(None);
        }
        Ok(v)
    }

    /// A number property; a value that is not a number is reported and gives `None`.
    pub fn getn(&mut self, id: &str, prop: &str) -> Result<Option<f64>, ImportError> {
        let v = self.get(id, prop)?;
        let n = num(v.as_ref());
        if let (Some(v), None) = (&v, n) {
            self.infra.notes.push(format!(
                "{id}.Properties.{prop}: {v} is not a number; left at slsim's default"
            ));
        }
        Ok(n)
    }

    /// A whole-number property; anything else is reported and gives `None`.
    pub fn geti(&mut self, id: &str, prop: &str) -> Result<Option<i64>, ImportError> {
        let v = self.get(id, prop)?;
        let n = int(v.as_ref());
        if let (Some(v), None) = (&v, n) {
            self.infra.notes.push(format!(
                "{id}.Properties.{prop}: {v} is not a whole number; left at slsim's default"
            ));
        }
        Ok(n)
    }

    /// Like `get`, and the logical ids the property refers to.
    pub fn get_refs(
        &mut self,
        id: &str,
        prop: &str,
    ) -> Result<(Option<Value>, Vec<String>), ImportError> {
        let raw = self.r.prop(id, prop)?;
        let refs = self.r.refs.clone();
        if let Some(why) = raw.as_ref().and_then(unknown_reason) {
            if refs.is_empty() {
                self.infra.notes.push(format!("{id}.Properties.{prop}: {why}"));
            }
            return Ok((None, refs));
        }
        Ok((raw, refs))
    }

    /// A note naming the properties of `id` that the component does not read.
    pub fn unread(&self, id: &str, read: &[&str], ignore: &[&str]) -> Option<String> {
        let props = self.r.resources().get(id)?.get("Properties")?.as_object()?;
        let rest: Vec<&str> = props
            .keys()
            .map(String::as_str)
            .filter(|k| !read.contains(k) && !ignore.contains(k))
            .collect();
        (!rest.is_empty()).then(|| format!("{id}: no scenario key for {}", rest.join(", ")))
    }

    pub fn name(&mut self, id: &str, dots: bool, max: usize) -> Result<String, ImportError> {
        let n = self.r.name_of(id, &format!("Resources.{id}"))?;
        Ok(clean_name(&n, dots, max))
    }

    fn functions_(&mut self) -> Result<(), ImportError> {
        for id in self.ids("AWS::Lambda::Function") {
            let kind = "AWS::Lambda::Function";
            let mut f = Function {
                origins: vec![Origin::new(&id, kind)],
                name: self.name(&id, false, 64)?,
                ..Function::default()
            };
            f.runtime = text(self.get(&id, "Runtime")?.as_ref());
            f.memory_size = self.geti(&id, "MemorySize")?;
            f.timeout_s = self.getn(&id, "Timeout")?;
            f.architecture = self.get(&id, "Architectures")?.and_then(|a| text(a.get(0)));
            f.ephemeral_storage =
                self.get(&id, "EphemeralStorage")?.and_then(|e| int(e.get("Size")));
            f.reserved_concurrency = self.geti(&id, "ReservedConcurrentExecutions")?;
            f.snap_start = self
                .get(&id, "SnapStart")?
                .and_then(|s| text(s.get("ApplyOn")))
                .is_some_and(|a| a == "PublishedVersions");
            if text(self.get(&id, "PackageType")?.as_ref()).as_deref() == Some("Image") {
                f.notes.push(format!(
                    "{id}: a container image; init time is not known from the template"
                ));
            }
            let read = [
                "FunctionName",
                "Runtime",
                "MemorySize",
                "Timeout",
                "Architectures",
                "EphemeralStorage",
                "ReservedConcurrentExecutions",
                "SnapStart",
                "PackageType",
            ];
            f.notes.extend(self.unread(
                &id,
                &read,
                &["Code", "Handler", "Role", "Description", "Tags"],
            ));
            self.used.insert(id.clone());
            self.functions.insert(id, self.infra.functions.len());
            self.infra.functions.push(f);
        }
        Ok(())
    }

    /// The function a `FunctionName` property names: by reference, else by name or ARN.
    pub fn function_of(&mut self, v: Option<&Value>, refs: &[String]) -> Option<usize> {
        if let Some(i) = refs.iter().find_map(|r| self.functions.get(r)) {
            return Some(*i);
        }
        if let Some(i) = refs.iter().find_map(|r| self.version_function(r)) {
            return Some(i);
        }
        let s = text(v)?;
        let name = match s.split_once(":function:") {
            Some((_, rest)) => rest.split(':').next().unwrap_or(rest).to_string(),
            None => s.split(':').next().unwrap_or(&s).to_string(),
        };
        let name = clean_name(&name, false, 64);
        self.infra.functions.iter().position(|f| f.name == name)
    }

    fn version_function(&self, id: &str) -> Option<usize> {
        let kind = self.r.kind_of(id)?;
        if kind != "AWS::Lambda::Version" && kind != "AWS::Lambda::Alias" {
            return None;
        }
        let f = self.r.resources().get(id)?.get("Properties")?.get("FunctionName")?;
        let target = match f {
            Value::Object(m) => {
                m.get("Ref").and_then(Value::as_str).map(str::to_string).or_else(|| {
                    m.get("Fn::GetAtt")
                        .and_then(|a| a.get(0))
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
            }
            _ => None,
        }?;
        self.functions.get(&target).copied()
    }

    /// A version's name for `alias.versions`, and its provisioned concurrency.
    fn version(
        &mut self,
        v: Option<&Value>,
        refs: &[String],
    ) -> Result<(String, i64), ImportError> {
        if let Some(vid) =
            refs.iter().find(|r| self.r.kind_of(r) == Some("AWS::Lambda::Version")).cloned()
        {
            self.used.insert(vid.clone());
            let pc = self.get(&vid, "ProvisionedConcurrencyConfig")?;
            let pc = int(pc.as_ref().and_then(|p| p.get("ProvisionedConcurrentExecutions")))
                .unwrap_or(0);
            return Ok((clean_name(&vid, false, 32), pc));
        }
        Ok((clean_name(&text(v).unwrap_or_else(|| "$LATEST".into()), false, 32), 0))
    }

    fn aliases(&mut self) -> Result<(), ImportError> {
        for vid in self.ids("AWS::Lambda::Version") {
            let (v, refs) = self.get_refs(&vid, "FunctionName")?;
            let Some(fi) = self.function_of(v.as_ref(), &refs) else { continue };
            self.used.insert(vid.clone());
            let pc = self.get(&vid, "ProvisionedConcurrencyConfig")?;
            let pc = int(pc.as_ref().and_then(|p| p.get("ProvisionedConcurrentExecutions")));
            if let (Some(pc), Some(f)) = (pc, self.infra.functions.get_mut(fi)) {
                f.origins.push(Origin::new(&vid, "AWS::Lambda::Version"));
                *f.provisioned_concurrency.get_or_insert(0) += pc;
            }
        }
        for aid in self.ids("AWS::Lambda::Alias") {
            let (v, refs) = self.get_refs(&aid, "FunctionName")?;
            let Some(fi) = self.function_of(v.as_ref(), &refs) else {
                self.infra.notes.push(format!(
                    "{aid}.Properties.FunctionName: names no function of this template"
                ));
                continue;
            };
            self.used.insert(aid.clone());
            let alias_name = text(self.get(&aid, "Name")?.as_ref()).unwrap_or_else(|| aid.clone());
            let (fv, frefs) = self.get_refs(&aid, "FunctionVersion")?;
            let (v1, pc1) = self.version(fv.as_ref(), &frefs)?;
            let pc = self.get(&aid, "ProvisionedConcurrencyConfig")?;
            let alias_pc = int(pc.as_ref().and_then(|p| p.get("ProvisionedConcurrentExecutions")))
                .unwrap_or(0);
            let weights = self.r.prop(&aid, "RoutingConfig")?;
            let second = weights
                .as_ref()
                .and_then(|w| w.get("AdditionalVersionWeights"))
                .and_then(|a| a.get(0))
                .cloned();
            let second_refs = self.r.refs.clone();
            let Some(f) = self.infra.functions.get(fi).cloned() else { continue };
            let mut f = f;
            f.origins.push(Origin::new(&aid, "AWS::Lambda::Alias"));
            match second {
                Some(w) if f.alias.is_none() => {
                    let (v2, pc2) = self.version(w.get("FunctionVersion"), &second_refs)?;
                    let weight = num(w.get("FunctionWeight")).unwrap_or(0.0);
                    // AWS spreads an alias's provisioned concurrency over its versions by weight
                    let second_share = (alias_pc as f64 * weight).round() as i64;
                    f.alias = Some(Alias {
                        name: alias_name,
                        versions: [v1, v2],
                        weight,
                        provisioned: [alias_pc - second_share + pc1, second_share + pc2],
                    });
                    // the version PCs counted on the function above now sit on the alias
                    f.provisioned_concurrency = None;
                    if f.reserved_concurrency.take().is_some() {
                        f.notes.push(format!(
                            "{}: ReservedConcurrentExecutions is left out: slsim refuses it together with an alias",
                            f.origins.first().map_or("", |o| o.id.as_str())
                        ));
                    }
                }
                Some(_) => f.notes.push(format!(
                    "{aid}: a second weighted alias; slsim models one alias per function"
                )),
                None => {
                    if alias_pc > 0 {
                        *f.provisioned_concurrency.get_or_insert(0) += alias_pc;
                        f.notes.push(format!(
                            "{aid}: alias {alias_name} routes to one version; its provisioned concurrency ({alias_pc}) is the function's"
                        ));
                    }
                }
            }
            if let Some(slot) = self.infra.functions.get_mut(fi) {
                *slot = f;
            }
        }
        Ok(())
    }

    fn queues(&mut self) -> Result<(), ImportError> {
        for mid in self.ids("AWS::Lambda::EventSourceMapping") {
            let kind = "AWS::Lambda::EventSourceMapping";
            let (fv, frefs) = self.get_refs(&mid, "FunctionName")?;
            let Some(fi) = self.function_of(fv.as_ref(), &frefs) else {
                self.infra.notes.push(format!(
                    "{mid}.Properties.FunctionName: names no function of this template"
                ));
                continue;
            };
            let (sv, srefs) = self.get_refs(&mid, "EventSourceArn")?;
            let source = srefs.iter().find(|r| {
                matches!(
                    self.r.kind_of(r),
                    Some("AWS::SQS::Queue" | "AWS::Kinesis::Stream" | "AWS::DynamoDB::Table")
                )
            });
            let mut q = Queue { origins: vec![Origin::new(&mid, kind)], ..Queue::default() };
            match source.cloned() {
                Some(sid) => {
                    let skind = self.r.kind_of(&sid).unwrap_or("").to_string();
                    q.origins.push(Origin::new(&sid, &skind));
                    self.used.insert(sid.clone());
                    q.name = self.name(&sid, true, 80)?;
                    self.source_props(&sid, &skind, &mut q)?;
                }
                None => {
                    let arn = text(sv.as_ref()).unwrap_or_default();
                    let (k, name) = kind_from_arn(&arn);
                    let Some(k) = k else {
                        self.infra.notes.push(format!(
                            "{mid}.Properties.EventSourceArn: {arn:?} is not an SQS queue, Kinesis stream or DynamoDB stream; mapping left out"
                        ));
                        continue;
                    };
                    q.kind = k.to_string();
                    q.name = clean_name(if name.is_empty() { &mid } else { &name }, true, 80);
                    q.notes.push(format!("{mid}: the source is outside this template ({arn}); its settings are AWS's defaults"));
                }
            }
            self.used.insert(mid.clone());
            let Some(f) = self.infra.functions.get_mut(fi) else { continue };
            f.triggered = true;
            q.target = f.name.clone();
            q.batch_size = self.geti(&mid, "BatchSize")?;
            q.batch_window_s = self.getn(&mid, "MaximumBatchingWindowInSeconds")?;
            q.maximum_concurrency =
                self.get(&mid, "ScalingConfig")?.and_then(|s| int(s.get("MaximumConcurrency")));
            let streams = q.kind == "kinesis" || q.kind == "dynamodb-stream";
            if streams {
                q.parallelization_factor = self.geti(&mid, "ParallelizationFactor")?;
                q.maximum_retry_attempts = self.geti(&mid, "MaximumRetryAttempts")?;
                q.maximum_record_age_s =
                    self.getn(&mid, "MaximumRecordAgeInSeconds")?.filter(|a| *a >= 0.0);
            }
            if self.get(&mid, "Enabled")?.as_ref().and_then(Value::as_bool) == Some(false) {
                q.notes
                    .push(format!("{mid}: Enabled is false in the template; modelled as enabled"));
            }
            let read = [
                "FunctionName",
                "EventSourceArn",
                "BatchSize",
                "MaximumBatchingWindowInSeconds",
                "ScalingConfig",
                "ParallelizationFactor",
                "MaximumRetryAttempts",
                "MaximumRecordAgeInSeconds",
                "Enabled",
            ];
            q.notes.extend(self.unread(&mid, &read, &["StartingPosition", "Tags"]));
            if let Some(dup) = self.infra.queues.iter().position(|x| x.name == q.name) {
                q.name = clean_name(&format!("{}-{}", q.name, mid), true, 80);
                let _ = dup;
            }
            self.infra.queues.push(q);
        }
        Ok(())
    }

    fn source_props(&mut self, sid: &str, skind: &str, q: &mut Queue) -> Result<(), ImportError> {
        match skind {
            "AWS::SQS::Queue" => {
                let fifo =
                    self.get(sid, "FifoQueue")?.map(|v| scalar_text(&v) == "true").unwrap_or(false);
                q.kind = if fifo { "sqs-fifo" } else { "sqs" }.to_string();
                q.visibility_timeout_s = self.getn(sid, "VisibilityTimeout")?;
                q.retention_s = self.getn(sid, "MessageRetentionPeriod")?;
                q.max_receive_count =
                    self.get(sid, "RedrivePolicy")?.and_then(|p| int(p.get("maxReceiveCount")));
                let read = [
                    "QueueName",
                    "FifoQueue",
                    "VisibilityTimeout",
                    "MessageRetentionPeriod",
                    "RedrivePolicy",
                ];
                q.notes.extend(self.unread(sid, &read, &["Tags"]));
            }
            "AWS::Kinesis::Stream" => {
                q.kind = "kinesis".to_string();
                q.shards = self.geti(sid, "ShardCount")?;
                q.retention_s = self.getn(sid, "RetentionPeriodHours")?.map(|h| h * 3600.0);
                let mode =
                    self.get(sid, "StreamModeDetails")?.and_then(|m| text(m.get("StreamMode")));
                if mode.as_deref() == Some("ON_DEMAND") {
                    q.notes.push(format!(
                        "{sid}: on-demand capacity mode; shards are AWS's to choose, 1 assumed"
                    ));
                }
                let read = ["Name", "ShardCount", "RetentionPeriodHours", "StreamModeDetails"];
                q.notes.extend(self.unread(sid, &read, &["Tags", "StreamEncryption"]));
            }
            _ => {
                q.kind = "dynamodb-stream".to_string();
                if self.get(sid, "StreamSpecification")?.is_none() {
                    q.notes.push(format!("{sid}: the table has no StreamSpecification"));
                }
                q.notes.push(format!(
                    "{sid}: DynamoDB decides a stream's shards; 1 assumed (set shards from DescribeStream)"
                ));
            }
        }
        Ok(())
    }
}

/// The kind and name of an event source from its ARN.
fn kind_from_arn(arn: &str) -> (Option<&'static str>, String) {
    let parts: Vec<&str> = arn.split(':').collect();
    let service = parts.get(2).copied().unwrap_or("");
    let resource = parts.get(5..).map(|p| p.join(":")).unwrap_or_default();
    match service {
        "sqs" => (Some(if resource.ends_with(".fifo") { "sqs-fifo" } else { "sqs" }), resource),
        "kinesis" => (Some("kinesis"), resource.trim_start_matches("stream/").to_string()),
        "dynamodb" => {
            let table =
                resource.trim_start_matches("table/").split('/').next().unwrap_or("").to_string();
            (Some("dynamodb-stream"), table)
        }
        _ => (None, String::new()),
    }
}
