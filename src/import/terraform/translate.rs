//! Terraform resources (AWS provider attribute names) rewritten as CloudFormation resources.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::import::ImportError;
use crate::import::cfn::resolve::UNKNOWN_FN;

struct Res {
    addr: String,
    kind: String,
    values: Value,
    unknown: Value,
    /// The address in the configuration: module instance keys and count / for_each keys removed.
    config: String,
}

struct Tf {
    res: Vec<Res>,
    /// Configuration address -> expressions of that resource.
    expressions: HashMap<String, Value>,
    /// Known identifying values -> resource index.
    known: HashMap<String, Vec<usize>>,
    /// Resources folded into another one (an integration into its method, method settings into
    /// their stage, provisioned concurrency into its alias): modelled, though not components.
    folded: std::cell::RefCell<std::collections::HashSet<String>>,
}

fn strip_keys(addr: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in addr.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The managed resources of a module and its child modules; `place` is its JSON path.
fn collect(
    file: &Path,
    module: &Value,
    place: &str,
    out: &mut Vec<(String, String, Value)>,
) -> Result<(), ImportError> {
    let list = |key: &str| -> Result<Vec<Value>, ImportError> {
        match module.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(a)) => Ok(a.clone()),
            Some(_) => Err(ImportError::new(file, format!("{place}.{key}"), "must be an array")),
        }
    };
    for (n, r) in list("resources")?.iter().enumerate() {
        if r.get("mode").and_then(Value::as_str).unwrap_or("managed") != "managed" {
            continue;
        }
        let (Some(addr), Some(kind)) =
            (r.get("address").and_then(Value::as_str), r.get("type").and_then(Value::as_str))
        else {
            return Err(ImportError::new(
                file,
                format!("{place}.resources[{n}]"),
                "a resource needs an address and a type (strings)",
            ));
        };
        out.push((
            addr.to_string(),
            kind.to_string(),
            r.get("values").cloned().unwrap_or(Value::Null),
        ));
    }
    for (n, c) in list("child_modules")?.iter().enumerate() {
        collect(file, c, &format!("{place}.child_modules[{n}]"), out)?;
    }
    Ok(())
}

fn config(module: &Value, prefix: &str, out: &mut HashMap<String, Value>) {
    for r in module.get("resources").and_then(Value::as_array).into_iter().flatten() {
        if let Some(addr) = r.get("address").and_then(Value::as_str) {
            let mut e = r.get("expressions").cloned().unwrap_or(Value::Null);
            prefix_refs(&mut e, prefix);
            out.insert(format!("{prefix}{addr}"), e);
        }
    }
    for (name, call) in module.get("module_calls").and_then(Value::as_object).into_iter().flatten()
    {
        if let Some(m) = call.get("module") {
            config(m, &format!("{prefix}module.{name}."), out);
        }
    }
}

/// References inside a module are relative to it.
fn prefix_refs(v: &mut Value, prefix: &str) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k == "references" {
                    if let Value::Array(a) = x {
                        for r in a.iter_mut() {
                            if let Value::String(s) = r {
                                *s = format!("{prefix}{s}");
                            }
                        }
                    }
                } else {
                    prefix_refs(x, prefix);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| prefix_refs(x, prefix)),
        _ => {}
    }
}

/// The value at a dotted path (`launch_template.0.id`).
fn at<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(v, |v, k| match k.parse::<usize>() {
        Ok(i) if v.is_array() => v.get(i),
        _ => v.get(k),
    })
}

fn refs_in(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Array(a)) = m.get("references") {
                out.extend(a.iter().filter_map(Value::as_str).map(str::to_string));
            }
            m.values().for_each(|x| refs_in(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| refs_in(x, out)),
        _ => {}
    }
}

impl Tf {
    fn unknown_at(&self, i: usize, path: &str) -> bool {
        let Some(r) = self.res.get(i) else { return false };
        let mut v = &r.unknown;
        for k in path.split('.') {
            if v.as_bool() == Some(true) {
                return true;
            }
            v = match (k.parse::<usize>(), v) {
                (Ok(n), Value::Array(a)) => match a.get(n) {
                    Some(x) => x,
                    None => return false,
                },
                (_, Value::Object(m)) => match m.get(k) {
                    Some(x) => x,
                    None => return false,
                },
                _ => return false,
            };
        }
        v.as_bool() == Some(true)
    }

    /// The value at `path`, an unknown marker when known only after apply, `None` when absent.
    fn val(&self, i: usize, path: &str) -> Option<Value> {
        let r = self.res.get(i)?;
        if self.unknown_at(i, path) {
            return Some(
                json!({ UNKNOWN_FN: format!("{}.{} is known only after apply", r.addr, path) }),
            );
        }
        at(&r.values, path).filter(|v| !v.is_null()).cloned()
    }

    /// The resource of one of `kinds` that the attribute at `path` refers to.
    fn link(&self, i: usize, path: &str, kinds: &[&str]) -> Option<usize> {
        let r = self.res.get(i)?;
        let mut refs = Vec::new();
        if let Some(e) = self.expressions.get(&r.config).and_then(|e| at(e, path)) {
            refs_in(e, &mut refs);
        }
        for rf in refs {
            let mut cand = strip_keys(&rf);
            loop {
                if let Some(j) = self
                    .res
                    .iter()
                    .position(|x| x.config == cand && kinds.contains(&x.kind.as_str()))
                {
                    return Some(j);
                }
                match cand.rfind('.') {
                    Some(p) => cand.truncate(p),
                    None => break,
                }
            }
        }
        let s = match at(&r.values, path)? {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        self.match_value(&s, kinds)
    }

    fn match_value(&self, s: &str, kinds: &[&str]) -> Option<usize> {
        let ok = |j: &usize| self.res.get(*j).is_some_and(|x| kinds.contains(&x.kind.as_str()));
        if let Some(j) = self.known.get(s).and_then(|l| l.iter().find(|j| ok(j))) {
            return Some(*j);
        }
        // an ARN or path: try its parts from the end (`...:function:NAME:live`, `service/c/NAME`)
        let parts: Vec<&str> = s.split([':', '/']).filter(|p| !p.is_empty()).collect();
        parts
            .iter()
            .rev()
            .find_map(|p| self.known.get(*p).and_then(|l| l.iter().find(|j| ok(j))).copied())
    }

    fn reference(&self, j: usize) -> Value {
        json!({ "Ref": self.res.get(j).map_or("", |r| r.addr.as_str()) })
    }

    /// The resources a list attribute refers to (`target_group_arns`): by reference, else by value.
    fn links(&self, i: usize, path: &str, kinds: &[&str]) -> Vec<Value> {
        let Some(r) = self.res.get(i) else { return Vec::new() };
        let mut refs = Vec::new();
        if let Some(e) = self.expressions.get(&r.config).and_then(|e| at(e, path)) {
            refs_in(e, &mut refs);
        }
        let mut out: Vec<usize> = Vec::new();
        for rf in refs {
            let mut cand = strip_keys(&rf);
            loop {
                if let Some(j) = self
                    .res
                    .iter()
                    .position(|x| x.config == cand && kinds.contains(&x.kind.as_str()))
                {
                    out.push(j);
                    break;
                }
                match cand.rfind('.') {
                    Some(p) => cand.truncate(p),
                    None => break,
                }
            }
        }
        if out.is_empty() {
            for v in at(&r.values, path).and_then(Value::as_array).into_iter().flatten() {
                out.extend(v.as_str().and_then(|s| self.match_value(s, kinds)));
            }
        }
        out.dedup();
        out.into_iter().map(|j| self.reference(j)).collect()
    }

    /// A link as a `Ref`, else the literal value (or its unknown marker).
    fn linked(&self, i: usize, path: &str, kinds: &[&str]) -> Option<Value> {
        match self.link(i, path, kinds) {
            Some(j) => Some(self.reference(j)),
            None => self.val(i, path),
        }
    }
}

/// A property map without the absent values.
fn props(pairs: Vec<(&str, Option<Value>)>) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        if let Some(v) = v {
            m.insert(k.to_string(), v);
        }
    }
    Value::Object(m)
}

/// The CloudFormation-shaped template, each resource's Terraform type by address, and what was read.
/// What [`translate`] gives: the template, each address's Terraform type, the addresses folded
/// into other resources, and a description of what was read.
pub(super) struct Translated {
    pub template: Value,
    pub kinds: HashMap<String, String>,
    pub folded: std::collections::HashSet<String>,
    pub what: String,
}

pub(super) fn translate(file: &Path, root: &Value) -> Result<Translated, ImportError> {
    let (module, what, place) = if let Some(m) = at(root, "planned_values.root_module") {
        (m, "a plan", "planned_values.root_module")
    } else if let Some(m) = at(root, "values.root_module") {
        (m, "a state", "values.root_module")
    } else if root.get("planned_values").is_some()
        || root.get("values").is_some()
        || root.get("format_version").is_some()
    {
        // a plan or state with no resources at all
        (&Value::Null, "no resources", "")
    } else {
        return Err(ImportError::new(
            file,
            "",
            "neither planned_values nor values: expected the output of `terraform show -json` (of a plan file or of the state)",
        ));
    };
    let mut found = Vec::new();
    collect(file, module, place, &mut found)?;
    let mut after_unknown = HashMap::new();
    for (n, c) in
        root.get("resource_changes").and_then(Value::as_array).into_iter().flatten().enumerate()
    {
        let Some(addr) = c.get("address").and_then(Value::as_str) else {
            return Err(ImportError::new(
                file,
                format!("resource_changes[{n}].address"),
                "missing: every change names its resource",
            ));
        };
        if let Some(u) = at(c, "change.after_unknown") {
            after_unknown.insert(addr.to_string(), u.clone());
        }
    }
    let mut expressions = HashMap::new();
    if let Some(m) = at(root, "configuration.root_module") {
        config(m, "", &mut expressions);
    }
    let res: Vec<Res> = found
        .into_iter()
        .map(|(addr, kind, values)| Res {
            unknown: after_unknown.remove(&addr).unwrap_or(Value::Null),
            config: strip_keys(&addr),
            addr,
            kind,
            values,
        })
        .collect();
    let mut known: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in res.iter().enumerate() {
        for k in ["arn", "id", "name", "function_name", "stream_arn", "family", "root_resource_id"]
        {
            if let Some(Value::String(s)) = r.values.get(k).filter(|s| s.as_str() != Some("")) {
                known.entry(s.clone()).or_default().push(i);
            }
        }
    }
    let tf = Tf { res, expressions, known, folded: Default::default() };
    let mut resources = Map::new();
    let mut kinds = HashMap::new();
    for i in 0..tf.res.len() {
        let Some(r) = tf.res.get(i) else { continue };
        kinds.insert(r.addr.clone(), r.kind.clone());
        let (cfn_type, properties) = resource(&tf, i);
        resources.insert(r.addr.clone(), json!({ "Type": cfn_type, "Properties": properties }));
    }
    rest_extras(&tf, &mut resources);
    let what = format!("{what}, {} managed resources", tf.res.len());
    Ok(Translated {
        template: json!({ "Resources": resources }),
        kinds,
        folded: tf.folded.take(),
        what,
    })
}

const FUNCTION: &[&str] = &["aws_lambda_function"];
const API: &[&str] = &["aws_api_gateway_rest_api"];
const API2: &[&str] = &["aws_apigatewayv2_api"];

fn block(tf: &Tf, i: usize, path: &str) -> bool {
    tf.val(i, path).is_some_and(|v| !v.is_null())
}

/// One resource as (CloudFormation type, properties); unmodelled types keep their Terraform type.
fn resource(tf: &Tf, i: usize) -> (String, Value) {
    let Some(r) = tf.res.get(i) else { return (String::new(), json!({})) };
    let v = |p: &str| tf.val(i, p);
    let num_or_none = |p: &str, none: i64| v(p).filter(|x| x.as_i64() != Some(none));
    let (t, p) = match r.kind.as_str() {
        "aws_lambda_function" => (
            "AWS::Lambda::Function",
            props(vec![
                ("FunctionName", v("function_name")),
                ("Runtime", v("runtime")),
                ("MemorySize", v("memory_size")),
                ("Timeout", v("timeout")),
                ("Architectures", v("architectures")),
                ("EphemeralStorage", v("ephemeral_storage.0.size").map(|s| json!({ "Size": s }))),
                // -1 means "no reservation" in the provider
                ("ReservedConcurrentExecutions", num_or_none("reserved_concurrent_executions", -1)),
                ("SnapStart", v("snap_start.0.apply_on").map(|a| json!({ "ApplyOn": a }))),
                ("PackageType", v("package_type")),
            ]),
        ),
        "aws_lambda_alias" => {
            let weights = v("routing_config.0.additional_version_weights")
                .and_then(|w| w.as_object().cloned());
            let routing = weights.filter(|w| !w.is_empty()).map(|w| {
                let list: Vec<Value> = w
                    .iter()
                    .map(|(ver, wt)| json!({ "FunctionVersion": ver, "FunctionWeight": wt }))
                    .collect();
                json!({ "AdditionalVersionWeights": list })
            });
            let pc = provisioned_for(tf, i);
            (
                "AWS::Lambda::Alias",
                props(vec![
                    ("FunctionName", tf.linked(i, "function_name", FUNCTION)),
                    ("FunctionVersion", v("function_version")),
                    ("Name", v("name")),
                    ("RoutingConfig", routing),
                    (
                        "ProvisionedConcurrencyConfig",
                        pc.map(|n| json!({ "ProvisionedConcurrentExecutions": n })),
                    ),
                ]),
            )
        }
        "aws_lambda_provisioned_concurrency_config" => {
            if provisioned_alias(tf, i).is_some() {
                // carried by the alias it configures
                return (r.kind.clone(), json!({}));
            } else {
                (
                    "AWS::Lambda::Version",
                    props(vec![
                        ("FunctionName", tf.linked(i, "function_name", FUNCTION)),
                        (
                            "ProvisionedConcurrencyConfig",
                            v("provisioned_concurrent_executions")
                                .map(|n| json!({ "ProvisionedConcurrentExecutions": n })),
                        ),
                    ]),
                )
            }
        }
        "aws_lambda_event_source_mapping" => (
            "AWS::Lambda::EventSourceMapping",
            props(vec![
                (
                    "FunctionName",
                    tf.linked(i, "function_name", &["aws_lambda_function", "aws_lambda_alias"]),
                ),
                (
                    "EventSourceArn",
                    tf.linked(
                        i,
                        "event_source_arn",
                        &["aws_sqs_queue", "aws_kinesis_stream", "aws_dynamodb_table"],
                    ),
                ),
                ("BatchSize", v("batch_size")),
                ("MaximumBatchingWindowInSeconds", v("maximum_batching_window_in_seconds")),
                (
                    "ScalingConfig",
                    v("scaling_config.0.maximum_concurrency")
                        .map(|m| json!({ "MaximumConcurrency": m })),
                ),
                ("ParallelizationFactor", v("parallelization_factor")),
                ("MaximumRetryAttempts", v("maximum_retry_attempts")),
                ("MaximumRecordAgeInSeconds", v("maximum_record_age_in_seconds")),
                ("Enabled", v("enabled")),
            ]),
        ),
        "aws_sqs_queue" => {
            let redrive = v("redrive_policy")
                .and_then(|p| p.as_str().and_then(|s| serde_json::from_str::<Value>(s).ok()))
                .and_then(|p| p.get("maxReceiveCount").cloned())
                .map(|m| json!({ "maxReceiveCount": m }));
            (
                "AWS::SQS::Queue",
                props(vec![
                    ("QueueName", v("name")),
                    ("FifoQueue", v("fifo_queue")),
                    ("VisibilityTimeout", v("visibility_timeout_seconds")),
                    ("MessageRetentionPeriod", v("message_retention_seconds")),
                    ("RedrivePolicy", redrive),
                ]),
            )
        }
        "aws_kinesis_stream" => (
            "AWS::Kinesis::Stream",
            props(vec![
                ("Name", v("name")),
                ("ShardCount", v("shard_count")),
                ("RetentionPeriodHours", v("retention_period")),
                (
                    "StreamModeDetails",
                    v("stream_mode_details.0.stream_mode").map(|m| json!({ "StreamMode": m })),
                ),
            ]),
        ),
        "aws_dynamodb_table" => (
            "AWS::DynamoDB::Table",
            props(vec![
                ("TableName", v("name")),
                (
                    "StreamSpecification",
                    (v("stream_enabled").and_then(|s| s.as_bool()) == Some(true))
                        .then(|| json!({ "StreamViewType": v("stream_view_type") })),
                ),
            ]),
        ),
        "aws_api_gateway_rest_api" => (
            "AWS::ApiGateway::RestApi",
            props(vec![
                ("Name", v("name")),
                (
                    "EndpointConfiguration",
                    v("endpoint_configuration.0.types").map(|t| json!({ "Types": t })),
                ),
                (
                    "Body",
                    v("body").and_then(|b| b.as_str().and_then(|s| serde_json::from_str(s).ok())),
                ),
            ]),
        ),
        "aws_api_gateway_resource" => {
            let parent = match tf.link(i, "parent_id", &["aws_api_gateway_resource"]) {
                Some(j) => Some(tf.reference(j)),
                None => tf
                    .link(i, "rest_api_id", API)
                    .and_then(|j| tf.res.get(j))
                    .map(|a| json!({ "Fn::GetAtt": [a.addr, "RootResourceId"] })),
            };
            (
                "AWS::ApiGateway::Resource",
                props(vec![
                    ("RestApiId", tf.linked(i, "rest_api_id", API)),
                    ("ParentId", parent),
                    ("PathPart", v("path_part")),
                ]),
            )
        }
        "aws_api_gateway_method" => {
            let integration = method_integration(tf, i);
            (
                "AWS::ApiGateway::Method",
                props(vec![
                    ("RestApiId", tf.linked(i, "rest_api_id", API)),
                    (
                        "ResourceId",
                        tf.linked(
                            i,
                            "resource_id",
                            &["aws_api_gateway_resource", "aws_api_gateway_rest_api"],
                        ),
                    ),
                    ("HttpMethod", v("http_method")),
                    ("Integration", integration),
                ]),
            )
        }
        "aws_api_gateway_deployment" => (
            "AWS::ApiGateway::Deployment",
            props(vec![("RestApiId", tf.linked(i, "rest_api_id", API))]),
        ),
        "aws_api_gateway_stage" => (
            "AWS::ApiGateway::Stage",
            props(vec![
                ("RestApiId", tf.linked(i, "rest_api_id", API)),
                ("StageName", v("stage_name")),
            ]),
        ),
        "aws_api_gateway_usage_plan" => {
            let stages: Vec<Value> = (0..v("api_stages")
                .and_then(|a| a.as_array().map(Vec::len))
                .unwrap_or(0))
                .map(|n| json!({ "ApiId": tf.linked(i, &format!("api_stages.{n}.api_id"), API) }))
                .collect();
            (
                "AWS::ApiGateway::UsagePlan",
                props(vec![
                    ("UsagePlanName", v("name")),
                    ("ApiStages", Some(Value::Array(stages))),
                    (
                        "Throttle",
                        block(tf, i, "throttle_settings.0").then(|| {
                            json!({ "RateLimit": v("throttle_settings.0.rate_limit"), "BurstLimit": v("throttle_settings.0.burst_limit") })
                        }),
                    ),
                    (
                        "Quota",
                        block(tf, i, "quota_settings.0")
                            .then(|| json!({ "Limit": v("quota_settings.0.limit"), "Period": v("quota_settings.0.period") })),
                    ),
                ]),
            )
        }
        "aws_apigatewayv2_api" => (
            "AWS::ApiGatewayV2::Api",
            props(vec![
                ("Name", v("name")),
                ("ProtocolType", v("protocol_type")),
                (
                    "Target",
                    v("target")
                        .filter(|t| t.as_str() != Some(""))
                        .map(|_| tf.linked(i, "target", FUNCTION).unwrap_or(Value::Null)),
                ),
            ]),
        ),
        "aws_apigatewayv2_integration" => (
            "AWS::ApiGatewayV2::Integration",
            props(vec![
                ("ApiId", tf.linked(i, "api_id", API2)),
                ("IntegrationType", v("integration_type")),
                (
                    "IntegrationUri",
                    tf.linked(
                        i,
                        "integration_uri",
                        &["aws_lambda_function", "aws_lambda_alias", "aws_lb_listener", "aws_lb"],
                    ),
                ),
            ]),
        ),
        "aws_apigatewayv2_route" => (
            "AWS::ApiGatewayV2::Route",
            props(vec![
                ("ApiId", tf.linked(i, "api_id", API2)),
                ("RouteKey", v("route_key")),
                (
                    "Target",
                    tf.link(i, "target", &["aws_apigatewayv2_integration"])
                        .map(|j| json!({ "Fn::Join": ["/", ["integrations", tf.reference(j)]] })),
                ),
            ]),
        ),
        "aws_apigatewayv2_stage" => {
            let d = block(tf, i, "default_route_settings.0").then(|| {
                json!({
                    "ThrottlingRateLimit": v("default_route_settings.0.throttling_rate_limit"),
                    "ThrottlingBurstLimit": v("default_route_settings.0.throttling_burst_limit"),
                })
            });
            let mut rs = Map::new();
            for s in v("route_settings").and_then(|a| a.as_array().cloned()).unwrap_or_default() {
                if let Some(k) = s.get("route_key").and_then(Value::as_str) {
                    rs.insert(
                        k.to_string(),
                        json!({ "ThrottlingRateLimit": s.get("throttling_rate_limit"), "ThrottlingBurstLimit": s.get("throttling_burst_limit") }),
                    );
                }
            }
            (
                "AWS::ApiGatewayV2::Stage",
                props(vec![
                    ("ApiId", tf.linked(i, "api_id", API2)),
                    ("DefaultRouteSettings", d),
                    ("RouteSettings", (!rs.is_empty()).then_some(Value::Object(rs))),
                ]),
            )
        }
        "aws_ecs_cluster" => ("AWS::ECS::Cluster", props(vec![("ClusterName", v("name"))])),
        "aws_ecs_task_definition" => (
            "AWS::ECS::TaskDefinition",
            props(vec![
                ("Family", v("family")),
                ("Cpu", v("cpu")),
                ("Memory", v("memory")),
                ("RequiresCompatibilities", v("requires_compatibilities")),
                (
                    "RuntimePlatform",
                    v("runtime_platform.0.cpu_architecture")
                        .map(|a| json!({ "CpuArchitecture": a })),
                ),
            ]),
        ),
        "aws_ecs_service" => {
            let n = v("capacity_provider_strategy")
                .and_then(|a| a.as_array().map(Vec::len))
                .unwrap_or(0);
            let strategy: Vec<Value> = (0..n)
                .map(|k| {
                    let path = format!("capacity_provider_strategy.{k}.capacity_provider");
                    json!({
                        "CapacityProvider": tf.linked(i, &path, &["aws_ecs_capacity_provider"]),
                        "Base": v(&format!("capacity_provider_strategy.{k}.base")),
                        "Weight": v(&format!("capacity_provider_strategy.{k}.weight")),
                    })
                })
                .collect();
            let n = v("load_balancer").and_then(|a| a.as_array().map(Vec::len)).unwrap_or(0);
            let lbs: Vec<Value> = (0..n)
                .map(|k| json!({ "TargetGroupArn": tf.linked(i, &format!("load_balancer.{k}.target_group_arn"), &["aws_lb_target_group"]) }))
                .collect();
            (
                "AWS::ECS::Service",
                props(vec![
                    ("ServiceName", v("name")),
                    ("Cluster", tf.linked(i, "cluster", &["aws_ecs_cluster"])),
                    (
                        "TaskDefinition",
                        tf.linked(i, "task_definition", &["aws_ecs_task_definition"]),
                    ),
                    ("LaunchType", v("launch_type").filter(|l| l.as_str() != Some(""))),
                    ("DesiredCount", v("desired_count")),
                    (
                        "CapacityProviderStrategy",
                        (!strategy.is_empty()).then_some(Value::Array(strategy)),
                    ),
                    ("LoadBalancers", (!lbs.is_empty()).then_some(Value::Array(lbs))),
                ]),
            )
        }
        "aws_ecs_capacity_provider" => (
            "AWS::ECS::CapacityProvider",
            props(vec![
                ("Name", v("name")),
                (
                    "AutoScalingGroupProvider",
                    Some(json!({
                        "AutoScalingGroupArn": tf.linked(i, "auto_scaling_group_provider.0.auto_scaling_group_arn", &["aws_autoscaling_group"]),
                        "ManagedScaling": { "TargetCapacity": v("auto_scaling_group_provider.0.managed_scaling.0.target_capacity") },
                    })),
                ),
            ]),
        ),
        "aws_appautoscaling_target" => (
            "AWS::ApplicationAutoScaling::ScalableTarget",
            props(vec![
                ("ResourceId", tf.linked(i, "resource_id", &["aws_ecs_service"])),
                ("ScalableDimension", v("scalable_dimension")),
                ("MinCapacity", v("min_capacity")),
                ("MaxCapacity", v("max_capacity")),
            ]),
        ),
        "aws_appautoscaling_policy" => {
            let c = "target_tracking_scaling_policy_configuration.0";
            let cfg = block(tf, i, c).then(|| {
                json!({
                    "TargetValue": v(&format!("{c}.target_value")),
                    "ScaleInCooldown": v(&format!("{c}.scale_in_cooldown")),
                    "ScaleOutCooldown": v(&format!("{c}.scale_out_cooldown")),
                    "PredefinedMetricSpecification": {
                        "PredefinedMetricType": v(&format!("{c}.predefined_metric_specification.0.predefined_metric_type")),
                    },
                })
            });
            let target = policy_target(tf, i);
            (
                "AWS::ApplicationAutoScaling::ScalingPolicy",
                props(vec![
                    ("PolicyType", v("policy_type")),
                    ("ScalingTargetId", target.map(|j| tf.reference(j))),
                    ("TargetTrackingScalingPolicyConfiguration", cfg),
                ]),
            )
        }
        "aws_autoscaling_group" => {
            let tgs =
                tf.links(i, "target_group_arns", &["aws_lb_target_group", "aws_alb_target_group"]);
            let lt = tf
                .link(i, "launch_template.0.id", &["aws_launch_template"])
                .or_else(|| tf.link(i, "launch_template.0.name", &["aws_launch_template"]));
            (
                "AWS::AutoScaling::AutoScalingGroup",
                props(vec![
                    ("AutoScalingGroupName", v("name")),
                    ("MinSize", v("min_size")),
                    ("MaxSize", v("max_size")),
                    ("DesiredCapacity", v("desired_capacity")),
                    ("LaunchTemplate", lt.map(|j| json!({ "LaunchTemplateId": tf.reference(j) }))),
                    ("TargetGroupARNs", (!tgs.is_empty()).then_some(Value::Array(tgs))),
                    (
                        "DefaultInstanceWarmup",
                        v("default_instance_warmup").filter(|w| w.as_i64() != Some(0)),
                    ),
                    (
                        "MixedInstancesPolicy",
                        v("mixed_instances_policy")
                            .filter(|m| m.as_array().is_some_and(|a| !a.is_empty())),
                    ),
                ]),
            )
        }
        "aws_autoscaling_policy" => {
            let c = "target_tracking_configuration.0";
            let cfg = block(tf, i, c).then(|| {
                json!({
                    "TargetValue": v(&format!("{c}.target_value")),
                    "PredefinedMetricSpecification": {
                        "PredefinedMetricType": v(&format!("{c}.predefined_metric_specification.0.predefined_metric_type")),
                    },
                })
            });
            (
                "AWS::AutoScaling::ScalingPolicy",
                props(vec![
                    (
                        "AutoScalingGroupName",
                        tf.linked(i, "autoscaling_group_name", &["aws_autoscaling_group"]),
                    ),
                    ("PolicyType", v("policy_type")),
                    (
                        "EstimatedInstanceWarmup",
                        v("estimated_instance_warmup").filter(|w| w.as_i64() != Some(0)),
                    ),
                    ("TargetTrackingConfiguration", cfg),
                ]),
            )
        }
        "aws_launch_template" => (
            "AWS::EC2::LaunchTemplate",
            props(vec![
                ("LaunchTemplateName", v("name")),
                ("LaunchTemplateData", Some(json!({ "InstanceType": v("instance_type") }))),
            ]),
        ),
        "aws_lb" | "aws_alb" => {
            ("AWS::ElasticLoadBalancingV2::LoadBalancer", props(vec![("Name", v("name"))]))
        }
        "aws_lb_target_group" | "aws_alb_target_group" => {
            let mut attrs = Vec::new();
            if let Some(d) = v("deregistration_delay") {
                attrs.push(json!({ "Key": "deregistration_delay.timeout_seconds", "Value": d }));
            }
            if let Some(a) = v("load_balancing_algorithm_type") {
                attrs.push(json!({ "Key": "load_balancing.algorithm.type", "Value": a }));
            }
            (
                "AWS::ElasticLoadBalancingV2::TargetGroup",
                props(vec![
                    ("Name", v("name")),
                    ("HealthCheckIntervalSeconds", v("health_check.0.interval")),
                    ("TargetGroupAttributes", (!attrs.is_empty()).then_some(Value::Array(attrs))),
                ]),
            )
        }
        "aws_lb_listener" | "aws_alb_listener" => {
            let n = v("default_action").and_then(|a| a.as_array().map(Vec::len)).unwrap_or(0);
            let actions: Vec<Value> = (0..n)
                .map(|k| json!({ "TargetGroupArn": tf.linked(i, &format!("default_action.{k}.target_group_arn"), &["aws_lb_target_group", "aws_alb_target_group"]) }))
                .collect();
            (
                "AWS::ElasticLoadBalancingV2::Listener",
                props(vec![
                    ("LoadBalancerArn", tf.linked(i, "load_balancer_arn", &["aws_lb", "aws_alb"])),
                    ("DefaultActions", Some(Value::Array(actions))),
                ]),
            )
        }
        other => return (other.to_string(), json!({})),
    };
    (t.to_string(), p)
}

/// The alias a provisioned-concurrency configuration applies to (by qualifier), if any.
fn provisioned_alias(tf: &Tf, i: usize) -> Option<usize> {
    let f = tf.link(i, "function_name", FUNCTION);
    if let Some(j) = tf.link(i, "qualifier", &["aws_lambda_alias"]) {
        return Some(j);
    }
    let q = tf.val(i, "qualifier")?;
    let q = q.as_str()?;
    (0..tf.res.len()).find(|&j| {
        tf.res.get(j).is_some_and(|r| r.kind == "aws_lambda_alias")
            && tf.val(j, "name").as_ref().and_then(Value::as_str) == Some(q)
            && tf.link(j, "function_name", FUNCTION) == f
    })
}

/// Provisioned concurrency configured on alias `i`.
fn provisioned_for(tf: &Tf, i: usize) -> Option<Value> {
    let j = (0..tf.res.len())
        .filter(|&j| {
            tf.res.get(j).is_some_and(|r| r.kind == "aws_lambda_provisioned_concurrency_config")
        })
        .find(|&j| provisioned_alias(tf, j) == Some(i))?;
    if let Some(r) = tf.res.get(j) {
        tf.folded.borrow_mut().insert(r.addr.clone());
    }
    tf.val(j, "provisioned_concurrent_executions")
}

/// The integration of a REST method: the `aws_api_gateway_integration` on the same API,
/// resource and HTTP method.
fn method_integration(tf: &Tf, i: usize) -> Option<Value> {
    let key = |j: usize| {
        (
            tf.link(j, "rest_api_id", API),
            tf.link(j, "resource_id", &["aws_api_gateway_resource", "aws_api_gateway_rest_api"]),
            tf.val(j, "http_method"),
        )
    };
    let mine = key(i);
    let j = (0..tf.res.len())
        .filter(|&j| tf.res.get(j).is_some_and(|r| r.kind == "aws_api_gateway_integration"))
        .find(|&j| {
            key(j) == mine || tf.link(j, "http_method", &["aws_api_gateway_method"]) == Some(i)
        })?;
    if let Some(r) = tf.res.get(j) {
        tf.folded.borrow_mut().insert(r.addr.clone());
    }
    Some(json!({
        "Type": tf.val(j, "type"),
        "Uri": tf.linked(j, "uri", &["aws_lambda_function", "aws_lambda_alias", "aws_lb_listener", "aws_lb"]),
    }))
}

/// The scalable target a policy scales: by reference, else the same resource id.
fn policy_target(tf: &Tf, i: usize) -> Option<usize> {
    if let Some(j) = tf.link(i, "resource_id", &["aws_appautoscaling_target"]) {
        return Some(j);
    }
    let id = tf.val(i, "resource_id")?;
    (0..tf.res.len()).find(|&j| {
        tf.res.get(j).is_some_and(|r| r.kind == "aws_appautoscaling_target")
            && tf.val(j, "resource_id").as_ref() == Some(&id)
    })
}

/// `aws_api_gateway_method_settings` become the `MethodSettings` of their API's stage; the
/// integrations (folded into methods) and settings are then marked as part of those.
fn rest_extras(tf: &Tf, resources: &mut Map<String, Value>) {
    for i in 0..tf.res.len() {
        let Some(r) = tf.res.get(i) else { continue };
        if r.kind != "aws_api_gateway_method_settings" {
            continue;
        }
        let Some(api) = tf.link(i, "rest_api_id", API) else { continue };
        let path = tf
            .val(i, "method_path")
            .and_then(|p| p.as_str().map(str::to_string))
            .unwrap_or_else(|| "*/*".into());
        // "orders/POST" is the method POST /orders; "*/*" every method
        let (res_path, method) = path.rsplit_once('/').unwrap_or(("*", "*"));
        let resource_path = format!("/{}", res_path.replace('/', "~1"));
        let setting = json!({
            "ResourcePath": resource_path,
            "HttpMethod": method,
            "ThrottlingRateLimit": tf.val(i, "settings.0.throttling_rate_limit"),
            "ThrottlingBurstLimit": tf.val(i, "settings.0.throttling_burst_limit"),
        });
        let stage = (0..tf.res.len()).find(|&j| {
            tf.res.get(j).is_some_and(|s| s.kind == "aws_api_gateway_stage")
                && tf.link(j, "rest_api_id", API) == Some(api)
        });
        let Some(stage) = stage.and_then(|j| tf.res.get(j)) else { continue };
        if let Some(Value::Object(props)) =
            resources.get_mut(&stage.addr).and_then(|s| s.get_mut("Properties"))
        {
            let list = props.entry("MethodSettings").or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(a) = list {
                a.push(setting);
            }
        }
        tf.folded.borrow_mut().insert(r.addr.clone());
    }
}
