//! Resolving CloudFormation intrinsic functions over the JSON-like tree of a template.
//!
//! A value that the template alone cannot decide (an `Fn::ImportValue`, an attribute known only
//! after deployment, a condition on such a value) resolves to an *unknown* marker, so the
//! mapper reports it (logical id and property) instead of inventing it. A reference to a
//! logical id that does not exist, and a cycle (a condition or a name that refers to itself
//! through others), are errors.
//!
//! Stand-ins for pseudo parameters (documented in the how-to chapter): `AWS::Region` =
//! `us-east-1`, `AWS::AccountId` = `123456789012`, `AWS::Partition` = `aws`,
//! `AWS::URLSuffix` = `amazonaws.com`, `AWS::StackName` = the template's file stem,
//! `Fn::GetAZs` = the region's `a`, `b`, `c` zones. A `Ref` to a resource stands for its name
//! (its name property, or the logical id), and `Fn::GetAtt X.Arn` for an ARN built from it.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::{Map, Value};

use crate::import::ImportError;

/// The key of the marker object for a value the template cannot decide.
pub const UNKNOWN: &str = "$unknown";
const NO_VALUE: &str = "$novalue";

/// The function name `import terraform` uses for a value known only after apply (never valid in
/// a real template: CloudFormation has no such function).
pub const UNKNOWN_FN: &str = "Fn::SlsimUnknown";

pub fn unknown(why: impl Into<String>) -> Value {
    let mut m = Map::new();
    m.insert(UNKNOWN.to_string(), Value::String(why.into()));
    Value::Object(m)
}

/// The reason, when `v` is (or contains) an unknown marker.
pub fn unknown_reason(v: &Value) -> Option<String> {
    match v {
        Value::Object(m) => match m.get(UNKNOWN) {
            Some(Value::String(s)) if m.len() == 1 => Some(s.clone()),
            _ => m.values().find_map(unknown_reason),
        },
        Value::Array(a) => a.iter().find_map(unknown_reason),
        _ => None,
    }
}

fn no_value() -> Value {
    let mut m = Map::new();
    m.insert(NO_VALUE.to_string(), Value::Bool(true));
    Value::Object(m)
}

fn is_no_value(v: &Value) -> bool {
    matches!(v, Value::Object(m) if m.len() == 1 && m.contains_key(NO_VALUE))
}

pub const REGION: &str = "us-east-1";
pub const ACCOUNT: &str = "123456789012";

/// The property that holds a resource's name, by type.
pub fn name_property(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "AWS::Lambda::Function" => "FunctionName",
        "AWS::Lambda::Alias" => "Name",
        "AWS::SQS::Queue" => "QueueName",
        "AWS::Kinesis::Stream" => "Name",
        "AWS::DynamoDB::Table" => "TableName",
        "AWS::ApiGateway::RestApi" | "AWS::ApiGatewayV2::Api" => "Name",
        "AWS::ApiGateway::UsagePlan" => "UsagePlanName",
        "AWS::ECS::Service" => "ServiceName",
        "AWS::ECS::Cluster" => "ClusterName",
        "AWS::ECS::TaskDefinition" => "Family",
        "AWS::AutoScaling::AutoScalingGroup" => "AutoScalingGroupName",
        "AWS::ElasticLoadBalancingV2::LoadBalancer"
        | "AWS::ElasticLoadBalancingV2::TargetGroup" => "Name",
        _ => return None,
    })
}

fn arn_service(kind: &str) -> &str {
    kind.split("::").nth(1).map(|s| s.to_ascii_lowercase()).map_or("resource", |s| {
        match s.as_str() {
            "lambda" => "lambda",
            "sqs" => "sqs",
            "kinesis" => "kinesis",
            "dynamodb" => "dynamodb",
            "ecs" => "ecs",
            "autoscaling" => "autoscaling",
            "elasticloadbalancingv2" => "elasticloadbalancing",
            "apigateway" | "apigatewayv2" => "apigateway",
            _ => "resource",
        }
    })
}

pub struct Resolver<'t> {
    file: &'t Path,
    params: HashMap<String, Value>,
    mappings: Map<String, Value>,
    conditions: Map<String, Value>,
    resources: Map<String, Value>,
    stack_name: String,
    cond_cache: HashMap<String, Option<bool>>,
    name_cache: HashMap<String, String>,
    /// What is being resolved (logical ids and `condition NAME`), for cycle errors.
    stack: Vec<String>,
    /// Logical ids referenced by the value resolved last.
    pub refs: Vec<String>,
}

fn section(file: &Path, root: &Value, key: &str) -> Result<Map<String, Value>, ImportError> {
    match root.get(key) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => Err(ImportError::new(file, key, "must be a mapping (object)")),
    }
}

impl<'t> Resolver<'t> {
    /// `overrides` are `--param NAME=VALUE` pairs; they win over `Default`.
    pub fn new(
        file: &'t Path,
        root: &Value,
        overrides: &BTreeMap<String, String>,
        stack_name: &str,
        assumed: &mut Vec<String>,
    ) -> Result<Resolver<'t>, ImportError> {
        let declared = section(file, root, "Parameters")?;
        let mut params = HashMap::new();
        for name in overrides.keys() {
            if !declared.contains_key(name) {
                let known: Vec<&str> = declared.keys().map(String::as_str).collect();
                return Err(ImportError::new(
                    file,
                    format!("--param {name}"),
                    format!("the template has no parameter {name}; it declares: {}", list(&known)),
                ));
            }
        }
        for (name, p) in &declared {
            let kind = p.get("Type").and_then(Value::as_str).unwrap_or("String");
            let text = match (overrides.get(name), p.get("Default")) {
                (Some(v), _) => Some(v.clone()),
                (None, Some(Value::String(s))) => Some(s.clone()),
                (None, Some(Value::Number(n))) => Some(n.to_string()),
                (None, Some(Value::Bool(b))) => Some(b.to_string()),
                (None, Some(Value::Array(a))) => Some(
                    a.iter()
                        .map(|v| v.as_str().map_or(v.to_string(), str::to_string))
                        .collect::<Vec<_>>()
                        .join(","),
                ),
                _ => None,
            };
            let value = match text {
                None => unknown(format!(
                    "parameter {name} has no Default; give it with --param {name}=VALUE"
                )),
                Some(t) if kind.starts_with("List<") || kind == "CommaDelimitedList" => {
                    Value::Array(
                        t.split(',').map(|s| Value::String(s.trim().to_string())).collect(),
                    )
                }
                Some(t) => Value::String(t),
            };
            if let Some(v) = overrides.get(name) {
                assumed.push(format!("parameter {name} = {v} (--param)"));
            }
            params.insert(name.clone(), value);
        }
        Ok(Resolver {
            file,
            params,
            mappings: section(file, root, "Mappings")?,
            conditions: section(file, root, "Conditions")?,
            resources: section(file, root, "Resources")?,
            stack_name: stack_name.to_string(),
            cond_cache: HashMap::new(),
            name_cache: HashMap::new(),
            stack: Vec::new(),
            refs: Vec::new(),
        })
    }

    pub fn resources(&self) -> &Map<String, Value> {
        &self.resources
    }

    pub fn kind_of(&self, id: &str) -> Option<&str> {
        self.resources.get(id).and_then(|r| r.get("Type")).and_then(Value::as_str)
    }

    fn err(&self, place: &str, message: impl Into<String>) -> ImportError {
        ImportError::new(self.file, place, message)
    }

    fn enter(&mut self, what: String, place: &str) -> Result<(), ImportError> {
        if let Some(i) = self.stack.iter().position(|s| *s == what) {
            let mut cycle: Vec<String> = self.stack[i..].to_vec();
            cycle.push(what);
            return Err(self.err(place, format!("a cycle of references: {}", cycle.join(" -> "))));
        }
        self.stack.push(what);
        Ok(())
    }

    /// Resolves property `prop` of resource `id` (`None` when absent); `refs` then holds the
    /// logical ids it referred to.
    pub fn prop(&mut self, id: &str, prop: &str) -> Result<Option<Value>, ImportError> {
        self.refs.clear();
        let raw = self
            .resources
            .get(id)
            .and_then(|r| r.get("Properties"))
            .and_then(|p| p.get(prop))
            .cloned();
        match raw {
            None => Ok(None),
            Some(v) => {
                let place = format!("Resources.{id}.Properties.{prop}");
                let r = self.value(&v, &place)?;
                Ok(if is_no_value(&r) { None } else { Some(r) })
            }
        }
    }

    /// The value of condition `name` (`None` when the template cannot decide it).
    pub fn condition(&mut self, name: &str, place: &str) -> Result<Option<bool>, ImportError> {
        if let Some(c) = self.cond_cache.get(name) {
            return Ok(*c);
        }
        let Some(expr) = self.conditions.get(name).cloned() else {
            let known: Vec<&str> = self.conditions.keys().map(String::as_str).collect();
            return Err(self.err(
                place,
                format!("condition {name} is not declared; Conditions has: {}", list(&known)),
            ));
        };
        self.enter(format!("condition {name}"), place)?;
        let v = self.boolean(&expr, &format!("Conditions.{name}"))?;
        self.stack.pop();
        self.cond_cache.insert(name.to_string(), v);
        Ok(v)
    }

    fn boolean(&mut self, v: &Value, place: &str) -> Result<Option<bool>, ImportError> {
        if let Some((f, arg)) = intrinsic(v) {
            let args = arg.as_array().cloned().unwrap_or_default();
            return match f {
                "Condition" => {
                    let name = arg
                        .as_str()
                        .ok_or_else(|| self.err(place, "Condition takes a condition name"))?;
                    self.condition(name, place)
                }
                "Fn::Equals" => {
                    let [a, b] = args.as_slice() else {
                        return Err(self.err(place, "Fn::Equals takes a list of two values"));
                    };
                    let (a, b) = (self.value(a, place)?, self.value(b, place)?);
                    if unknown_reason(&a).is_some() || unknown_reason(&b).is_some() {
                        return Ok(None);
                    }
                    Ok(Some(scalar_text(&a) == scalar_text(&b)))
                }
                "Fn::Not" => {
                    let [a] = args.as_slice() else {
                        return Err(self.err(place, "Fn::Not takes a list of one condition"));
                    };
                    Ok(self.boolean(a, place)?.map(|b| !b))
                }
                "Fn::And" | "Fn::Or" => {
                    if args.len() < 2 || args.len() > 10 {
                        return Err(
                            self.err(place, format!("{f} takes a list of 2 to 10 conditions"))
                        );
                    }
                    let and = f == "Fn::And";
                    let mut undecided = false;
                    for a in &args {
                        match self.boolean(a, place)? {
                            Some(b) if b != and => return Ok(Some(b)),
                            None => undecided = true,
                            _ => {}
                        }
                    }
                    Ok(if undecided { None } else { Some(and) })
                }
                _ => match self.value(v, place)? {
                    Value::Bool(b) => Ok(Some(b)),
                    Value::String(s) if s == "true" || s == "false" => Ok(Some(s == "true")),
                    x if unknown_reason(&x).is_some() => Ok(None),
                    _ => Err(self.err(place, format!("{f} does not give a condition"))),
                },
            };
        }
        match v {
            Value::Bool(b) => Ok(Some(*b)),
            _ => Err(self.err(
                place,
                "a condition must be Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition",
            )),
        }
    }

    /// A resource's name: its name property when resolvable, else its logical id.
    pub fn name_of(&mut self, id: &str, place: &str) -> Result<String, ImportError> {
        if let Some(n) = self.name_cache.get(id) {
            return Ok(n.clone());
        }
        let kind = self.kind_of(id).unwrap_or("").to_string();
        let raw = name_property(&kind)
            .and_then(|p| {
                self.resources.get(id).and_then(|r| r.get("Properties")).and_then(|ps| ps.get(p))
            })
            .cloned();
        let name = match raw {
            None => id.to_string(),
            Some(v) => {
                self.enter(id.to_string(), place)?;
                let saved = std::mem::take(&mut self.refs);
                let r = self.value(
                    &v,
                    &format!("Resources.{id}.Properties.{}", name_property(&kind).unwrap_or("")),
                );
                self.refs = saved;
                self.stack.pop();
                match r? {
                    Value::String(s) => s,
                    _ => id.to_string(),
                }
            }
        };
        self.name_cache.insert(id.to_string(), name.clone());
        Ok(name)
    }

    fn reference(&mut self, name: &str, place: &str) -> Result<Value, ImportError> {
        let pseudo = match name {
            "AWS::Region" => Some(Value::String(REGION.into())),
            "AWS::AccountId" => Some(Value::String(ACCOUNT.into())),
            "AWS::Partition" => Some(Value::String("aws".into())),
            "AWS::URLSuffix" => Some(Value::String("amazonaws.com".into())),
            "AWS::StackName" => Some(Value::String(self.stack_name.clone())),
            "AWS::StackId" => Some(Value::String(format!(
                "arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{}/stand-in",
                self.stack_name
            ))),
            "AWS::NotificationARNs" => Some(Value::Array(Vec::new())),
            "AWS::NoValue" => Some(no_value()),
            _ => None,
        };
        if let Some(v) = pseudo {
            return Ok(v);
        }
        if let Some(v) = self.params.get(name) {
            return Ok(v.clone());
        }
        if self.resources.contains_key(name) {
            self.refs.push(name.to_string());
            return Ok(Value::String(self.name_of(name, place)?));
        }
        Err(self.err(
            place,
            format!("Ref to {name}, which is not a parameter, a resource or a pseudo parameter of this template"),
        ))
    }

    fn get_att(&mut self, id: &str, attr: &str, place: &str) -> Result<Value, ImportError> {
        if !self.resources.contains_key(id) {
            return Err(self.err(
                place,
                format!("Fn::GetAtt of {id}, which is not a resource of this template"),
            ));
        }
        self.refs.push(id.to_string());
        let kind = self.kind_of(id).unwrap_or("").to_string();
        let name = self.name_of(id, place)?;
        Ok(match attr {
            "Arn" | "StreamArn" | "LoadBalancerArn" | "TargetGroupArn" => {
                Value::String(format!("arn:aws:{}:{REGION}:{ACCOUNT}:{name}", arn_service(&kind)))
            }
            "QueueName" | "Name" => Value::String(name),
            "RootResourceId" => Value::String(format!("{id}.RootResourceId")),
            _ => unknown(format!("{id}.{attr} is known only after deployment")),
        })
    }

    /// Resolves every intrinsic function in `v`.
    pub fn value(&mut self, v: &Value, place: &str) -> Result<Value, ImportError> {
        if let Some((f, arg)) = intrinsic(v) {
            return self.function(f, arg, place);
        }
        match v {
            Value::Array(a) => {
                let mut out = Vec::new();
                for (i, x) in a.iter().enumerate() {
                    let r = self.value(x, &format!("{place}[{i}]"))?;
                    if !is_no_value(&r) {
                        out.push(r);
                    }
                }
                Ok(Value::Array(out))
            }
            Value::Object(m) => {
                let mut out = Map::new();
                for (k, x) in m {
                    let r = self.value(x, &format!("{place}.{k}"))?;
                    if !is_no_value(&r) {
                        out.insert(k.clone(), r);
                    }
                }
                Ok(Value::Object(out))
            }
            _ => Ok(v.clone()),
        }
    }

    fn function(&mut self, f: &str, arg: &Value, place: &str) -> Result<Value, ImportError> {
        let here = format!("{place}.{f}");
        match f {
            "Ref" => {
                let name = arg
                    .as_str()
                    .ok_or_else(|| self.err(&here, "Ref takes a logical id or parameter name"))?;
                self.reference(name, place)
            }
            "Fn::GetAtt" => {
                let (id, attr) = match arg {
                    Value::String(s) => match s.split_once('.') {
                        Some((a, b)) => (a.to_string(), b.to_string()),
                        None => {
                            return Err(self.err(&here, "Fn::GetAtt takes \"LogicalId.Attribute\""));
                        }
                    },
                    Value::Array(a) if a.len() == 2 => {
                        let attr = self.value(&a[1], &here)?;
                        match (a[0].as_str(), attr.as_str()) {
                            (Some(id), Some(at)) => (id.to_string(), at.to_string()),
                            _ => {
                                return Err(
                                    self.err(&here, "Fn::GetAtt takes [LogicalId, Attribute]")
                                );
                            }
                        }
                    }
                    _ => return Err(self.err(&here, "Fn::GetAtt takes [LogicalId, Attribute]")),
                };
                self.get_att(&id, &attr, place)
            }
            "Fn::Join" => {
                let (delim, items) = match arg.as_array().map(Vec::as_slice) {
                    Some([Value::String(d), items]) => (d.clone(), items.clone()),
                    _ => return Err(self.err(&here, "Fn::Join takes [delimiter, [values]]")),
                };
                let items = self.value(&items, &here)?;
                if let Some(why) = unknown_reason(&items) {
                    return Ok(unknown(why));
                }
                let Value::Array(items) = items else {
                    return Err(self.err(&here, "Fn::Join takes [delimiter, [values]]"));
                };
                Ok(Value::String(items.iter().map(scalar_text).collect::<Vec<_>>().join(&delim)))
            }
            "Fn::Sub" => self.sub(arg, &here),
            "Fn::Select" => {
                let Some([index, list]) = arg.as_array().map(Vec::as_slice) else {
                    return Err(self.err(&here, "Fn::Select takes [index, [values]]"));
                };
                let index = self.value(index, &here)?;
                let list = self.value(list, &here)?;
                if let Some(why) = unknown_reason(&index).or_else(|| unknown_reason(&list)) {
                    return Ok(unknown(why));
                }
                let i = scalar_text(&index)
                    .parse::<usize>()
                    .map_err(|_| self.err(&here, "the index must be a whole number"))?;
                match list.as_array().and_then(|l| l.get(i)) {
                    Some(v) => Ok(v.clone()),
                    None => Err(self.err(&here, format!("index {i} is outside the list"))),
                }
            }
            "Fn::If" => {
                let Some([Value::String(cond), a, b]) = arg.as_array().map(Vec::as_slice) else {
                    return Err(self.err(
                        &here,
                        "Fn::If takes [condition name, value if true, value if false]",
                    ));
                };
                match self.condition(cond, &here)? {
                    Some(true) => self.value(a, &format!("{here}[1]")),
                    Some(false) => self.value(b, &format!("{here}[2]")),
                    None => {
                        Ok(unknown(format!("condition {cond} cannot be decided from the template")))
                    }
                }
            }
            "Fn::Equals" | "Fn::Not" | "Fn::And" | "Fn::Or" | "Condition" => {
                let mut m = Map::new();
                m.insert(f.to_string(), arg.clone());
                Ok(match self.boolean(&Value::Object(m), &here)? {
                    Some(b) => Value::Bool(b),
                    None => unknown(format!("{f} cannot be decided from the template")),
                })
            }
            "Fn::FindInMap" => {
                let Some([m, k1, k2]) =
                    arg.as_array().map(|a| a.as_slice()).filter(|a| a.len() == 3)
                else {
                    return Err(self.err(
                        &here,
                        "Fn::FindInMap takes [map name, top-level key, second-level key]",
                    ));
                };
                let keys = [self.value(m, &here)?, self.value(k1, &here)?, self.value(k2, &here)?];
                if let Some(why) = keys.iter().find_map(unknown_reason) {
                    return Ok(unknown(why));
                }
                let [m, k1, k2] = keys.map(|k| scalar_text(&k));
                match self.mappings.get(&m).and_then(|x| x.get(&k1)).and_then(|x| x.get(&k2)) {
                    Some(v) => Ok(v.clone()),
                    None => Err(self.err(&here, format!("Mappings has no {m}.{k1}.{k2}"))),
                }
            }
            "Fn::Base64" => self.value(arg, &here),
            "Fn::Split" => {
                let Some([Value::String(d), s]) = arg.as_array().map(Vec::as_slice) else {
                    return Err(self.err(&here, "Fn::Split takes [delimiter, string]"));
                };
                let s = self.value(s, &here)?;
                if let Some(why) = unknown_reason(&s) {
                    return Ok(unknown(why));
                }
                Ok(Value::Array(
                    scalar_text(&s).split(d.as_str()).map(|p| Value::String(p.into())).collect(),
                ))
            }
            "Fn::GetAZs" => Ok(Value::Array(
                ["a", "b", "c"].iter().map(|z| Value::String(format!("{REGION}{z}"))).collect(),
            )),
            "Fn::ImportValue" => Ok(unknown("Fn::ImportValue: exported by another stack")),
            // what `import terraform` writes for a value known only after apply
            UNKNOWN_FN => Ok(unknown(scalar_text(arg))),
            _ => Ok(unknown(format!("{f} is not evaluated by slsim"))),
        }
    }

    fn sub(&mut self, arg: &Value, place: &str) -> Result<Value, ImportError> {
        let (text, vars) = match arg {
            Value::String(s) => (s.clone(), Map::new()),
            Value::Array(a) => match a.as_slice() {
                [Value::String(s), Value::Object(v)] => (s.clone(), v.clone()),
                _ => return Err(self.err(place, "Fn::Sub takes a string or [string, {variables}]")),
            },
            _ => return Err(self.err(place, "Fn::Sub takes a string or [string, {variables}]")),
        };
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let Some(end) = after.find('}') else {
                return Err(self.err(place, format!("unclosed ${{ in {text:?}")));
            };
            let name = after[..end].trim();
            rest = &after[end + 1..];
            if let Some(lit) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(lit);
                out.push('}');
                continue;
            }
            let v = if let Some(v) = vars.get(name) {
                self.value(v, place)?
            } else if let Some((id, attr)) =
                name.split_once('.').filter(|_| !name.starts_with("AWS::"))
            {
                self.get_att(id, attr, place)?
            } else {
                self.reference(name, place)?
            };
            if let Some(why) = unknown_reason(&v) {
                return Ok(unknown(why));
            }
            out.push_str(&scalar_text(&v));
        }
        out.push_str(rest);
        Ok(Value::String(out))
    }
}

/// `{"Ref": x}`, `{"Fn::X": x}` or `{"Condition": x}`: the function and its argument.
fn intrinsic(v: &Value) -> Option<(&str, &Value)> {
    let m = v.as_object()?;
    if m.len() != 1 {
        return None;
    }
    let (k, a) = m.iter().next()?;
    (k == "Ref" || k == "Condition" || k.starts_with("Fn::")).then_some((k.as_str(), a))
}

/// A scalar as text (`512`, `true`, `abc`); lists and maps as JSON.
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        x => x.to_string(),
    }
}

fn list(names: &[&str]) -> String {
    if names.is_empty() { "(none)".to_string() } else { names.join(", ") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resolver<'t>(root: &Value, params: &[(&str, &str)]) -> Resolver<'t> {
        let overrides = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Resolver::new(Path::new("t.yaml"), root, &overrides, "stack", &mut Vec::new()).unwrap()
    }

    fn template() -> Value {
        json!({
            "Parameters": {
                "Env": { "Type": "String", "Default": "prod" },
                "Size": { "Type": "Number", "Default": 512 },
                "Zones": { "Type": "CommaDelimitedList", "Default": "a,b" },
                "NoDefault": { "Type": "String" }
            },
            "Mappings": { "M": { "prod": { "T": 30 }, "dev": { "T": 10 } } },
            "Conditions": {
                "IsProd": { "Fn::Equals": [{ "Ref": "Env" }, "prod"] },
                "NotProd": { "Fn::Not": [{ "Condition": "IsProd" }] },
                "Both": { "Fn::And": [{ "Condition": "IsProd" }, { "Fn::Equals": [{ "Ref": "Size" }, "512"] }] },
                "Either": { "Fn::Or": [{ "Condition": "NotProd" }, { "Condition": "IsProd" }] },
                "Undecided": { "Fn::Equals": [{ "Ref": "NoDefault" }, "x"] }
            },
            "Resources": {
                "Fn": { "Type": "AWS::Lambda::Function", "Properties": { "FunctionName": { "Fn::Sub": "${AWS::StackName}-fn" } } },
                "Q": { "Type": "AWS::SQS::Queue", "Properties": {} }
            }
        })
    }

    #[test]
    fn parameters_take_their_default_or_the_given_value() {
        let t = template();
        let mut r = resolver(&t, &[]);
        assert_eq!(r.value(&json!({ "Ref": "Size" }), "p").unwrap(), json!("512"));
        assert_eq!(
            r.value(&json!({ "Fn::Select": [1, { "Ref": "Zones" }] }), "p").unwrap(),
            json!("b")
        );
        assert!(
            unknown_reason(&r.value(&json!({ "Ref": "NoDefault" }), "p").unwrap())
                .unwrap()
                .contains("--param NoDefault")
        );
        let mut r = resolver(&t, &[("Env", "dev")]);
        assert_eq!(
            r.value(&json!({ "Fn::FindInMap": ["M", { "Ref": "Env" }, "T"] }), "p").unwrap(),
            json!(10)
        );
        let e = Resolver::new(
            Path::new("t.yaml"),
            &t,
            &[("Nope".to_string(), "1".to_string())].into(),
            "s",
            &mut Vec::new(),
        );
        assert!(e.err().unwrap().message.contains("no parameter Nope"));
    }

    #[test]
    fn conditions_are_decided_where_the_template_decides_them() {
        let t = template();
        let mut r = resolver(&t, &[]);
        assert_eq!(r.condition("IsProd", "p").unwrap(), Some(true));
        assert_eq!(r.condition("NotProd", "p").unwrap(), Some(false));
        assert_eq!(r.condition("Both", "p").unwrap(), Some(true));
        assert_eq!(r.condition("Either", "p").unwrap(), Some(true));
        assert_eq!(r.condition("Undecided", "p").unwrap(), None);
        let v = r.value(&json!({ "Fn::If": ["NotProd", 1, 2] }), "p").unwrap();
        assert_eq!(v, json!(2));
        let mut r = resolver(&t, &[("Env", "dev")]);
        assert_eq!(r.value(&json!({ "Fn::If": ["NotProd", 1, 2] }), "p").unwrap(), json!(1));
        assert!(
            r.condition("Missing", "Resources.X.Condition")
                .unwrap_err()
                .message
                .contains("not declared")
        );
    }

    #[test]
    fn sub_join_split_and_references() {
        let t = template();
        let mut r = resolver(&t, &[]);
        assert_eq!(r.value(&json!({ "Ref": "Fn" }), "p").unwrap(), json!("stack-fn"));
        assert_eq!(r.refs, vec!["Fn".to_string()]);
        let sub = json!({ "Fn::Sub": ["${Name}-${AWS::Region}-${!Literal}", { "Name": { "Ref": "Env" } }] });
        assert_eq!(r.value(&sub, "p").unwrap(), json!("prod-us-east-1-${Literal}"));
        assert_eq!(
            r.value(&json!({ "Fn::Sub": "${Q.Arn}" }), "p").unwrap(),
            json!("arn:aws:sqs:us-east-1:123456789012:Q")
        );
        assert_eq!(
            r.value(&json!({ "Fn::Join": ["-", ["a", { "Ref": "Env" }]] }), "p").unwrap(),
            json!("a-prod")
        );
        assert_eq!(r.value(&json!({ "Fn::Split": [",", "x,y"] }), "p").unwrap(), json!(["x", "y"]));
        assert_eq!(r.value(&json!(["a", { "Ref": "AWS::NoValue" }]), "p").unwrap(), json!(["a"]));
        assert!(
            unknown_reason(&r.value(&json!({ "Fn::ImportValue": "x" }), "p").unwrap()).is_some()
        );
        assert!(
            unknown_reason(&r.value(&json!({ "Fn::GetAtt": ["Q", "QueueUrl"] }), "p").unwrap())
                .is_some()
        );
        let e = r.value(&json!({ "Ref": "Ghost" }), "Resources.Fn.Properties.Role").unwrap_err();
        assert_eq!(e.place, "Resources.Fn.Properties.Role");
        assert!(e.message.contains("Ghost"), "{e}");
    }

    #[test]
    fn cycles_are_errors_naming_the_ids() {
        let t = json!({
            "Conditions": {
                "A": { "Condition": "B" },
                "B": { "Fn::Not": [{ "Condition": "A" }] }
            },
            "Resources": {
                "X": { "Type": "AWS::Lambda::Function", "Properties": { "FunctionName": { "Fn::Sub": "${Y}-x" } } },
                "Y": { "Type": "AWS::Lambda::Function", "Properties": { "FunctionName": { "Fn::Join": ["", [{ "Ref": "X" }]] } } }
            }
        });
        let mut r = resolver(&t, &[]);
        let e = r.condition("A", "p").unwrap_err();
        assert!(e.message.contains("condition A -> condition B -> condition A"), "{e}");
        let e = r.name_of("X", "Resources.X").unwrap_err();
        assert!(e.message.contains("X -> Y -> X"), "{e}");
    }
}
