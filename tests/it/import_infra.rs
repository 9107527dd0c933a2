//! `slsim import cfn` and `slsim import terraform`: the shop fixtures (every mapped property,
//! known answers), YAML = JSON, parameters, conditions, unresolved values, bad input.
// See: issue 13

use std::path::{Path, PathBuf};

use slsim::import::{self, Output, cfn, terraform};
use toml::{Table, Value};

use crate::common::slsim_cli;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/imports").join(name)
}

fn cfn_import(path: &Path, params: &[&str]) -> Result<Output, import::ImportError> {
    let args = cfn::Args {
        template: path.to_path_buf(),
        params: params.iter().map(|s| s.to_string()).collect(),
        usage: Default::default(),
    };
    cfn::import(&args, "shop")
}

/// Writes the output to a temporary folder, loads it as a scenario and returns its table.
fn loaded(out: &Output) -> Table {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.toml");
    import::write_output(&path, out).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    slsim::config::load_str(&path, &text, &[]).unwrap_or_else(|e| panic!("{e}\n{text}"));
    text.parse::<Table>().unwrap()
}

/// The item of array `kind` (`lambda.function`, `queue`, `api`, `service`) named `name`.
fn item<'t>(t: &'t Table, kind: &str, name: &str) -> &'t Table {
    let array = match kind.split_once('.') {
        Some((a, b)) => t.get(a).and_then(|x| x.get(b)),
        None => t.get(kind),
    };
    array
        .and_then(Value::as_array)
        .and_then(|a| {
            a.iter()
                .filter_map(Value::as_table)
                .find(|x| x.get("name").and_then(Value::as_str) == Some(name))
        })
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

fn int(t: &Table, k: &str) -> i64 {
    t.get(k).and_then(Value::as_integer).unwrap_or_else(|| panic!("{k} missing in {t:?}"))
}

fn s<'t>(t: &'t Table, k: &str) -> &'t str {
    t.get(k).and_then(Value::as_str).unwrap_or_else(|| panic!("{k} missing in {t:?}"))
}

fn route<'t>(api: &'t Table, key: &str) -> &'t Table {
    api.get("route")
        .and_then(Value::as_array)
        .and_then(|a| {
            a.iter()
                .filter_map(Value::as_table)
                .find(|r| r.get("route").and_then(Value::as_str) == Some(key))
        })
        .unwrap_or_else(|| panic!("no route {key}"))
}

fn throttle(t: &Table) -> (f64, i64) {
    let th = t.get("throttle").and_then(Value::as_table).expect("a throttle");
    (
        th.get("rate").and_then(Value::as_float).unwrap(),
        th.get("burst").and_then(Value::as_integer).unwrap(),
    )
}

/// What both fixtures set, whatever their syntax: `orders` is the Orders function's name.
fn check_common(t: &Table, orders: &str) {
    let f = item(t, "lambda.function", orders);
    assert_eq!((s(f, "runtime"), s(f, "architecture")), ("nodejs20.x", "arm64"));
    assert_eq!(
        (int(f, "memory_size"), s(f, "timeout"), int(f, "ephemeral_storage")),
        (512, "30s", 1024)
    );
    assert_eq!((int(f, "reserved_concurrency"), int(f, "provisioned_concurrency")), (100, 15));
    let c = item(t, "lambda.function", "checkout");
    assert_eq!((s(c, "runtime"), int(c, "memory_size"), s(c, "timeout")), ("java21", 2048, "60s"));
    assert_eq!(c.get("snap_start").and_then(Value::as_bool), Some(true));
    let alias = c.get("alias").and_then(Value::as_table).expect("an alias");
    assert_eq!(alias.get("weight").and_then(Value::as_float), Some(0.1));
    assert_eq!(alias.get("provisioned").unwrap().to_string(), "[18, 2]");
    let w = item(t, "lambda.function", "worker");
    assert_eq!((int(w, "memory_size"), s(w, "timeout")), (1024, "60s"));

    let q = item(t, "queue", "jobs");
    assert_eq!(
        (s(q, "kind"), s(q, "target"), int(q, "batch_size")),
        ("sqs", "function:worker", 20)
    );
    assert_eq!((s(q, "batch_window"), int(q, "maximum_concurrency")), ("2s", 50));
    assert_eq!(
        (s(q, "visibility_timeout"), int(q, "max_receive_count"), s(q, "retention")),
        ("360s", 5, "86400s")
    );
    let k = item(t, "queue", "clicks");
    assert_eq!(
        (s(k, "kind"), s(k, "target"), int(k, "batch_size"), int(k, "shards")),
        ("kinesis", "function:aggregate", 100, 4)
    );
    assert_eq!((int(k, "parallelization_factor"), int(k, "maximum_retry_attempts")), (2, 3));
    assert_eq!((s(k, "maximum_record_age"), s(k, "retention")), ("3600s", "172800s"));
    let d = item(t, "queue", "carts");
    assert_eq!(
        (s(d, "kind"), int(d, "batch_size"), int(d, "maximum_retry_attempts")),
        ("dynamodb-stream", 50, 2)
    );

    let rest = item(t, "api", "shop");
    assert_eq!((s(rest, "type"), s(rest, "endpoint")), ("rest", "regional"));
    assert_eq!(throttle(rest), (200.0, 100));
    let post = route(rest, "POST /orders");
    assert_eq!(s(post, "target"), format!("function:{orders}"));
    assert_eq!(throttle(post), (50.0, 20));
    assert_eq!(s(route(rest, "GET /orders/{id}"), "target"), format!("function:{orders}"));
    let plan = rest
        .get("usage_plan")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(Value::as_table)
        .unwrap();
    assert_eq!(s(plan, "name"), "partners");
    assert_eq!(throttle(plan), (20.0, 40));
    assert_eq!(plan.get("quota").unwrap().to_string(), "{ limit = 100000, period = \"day\" }");
    let http = item(t, "api", "shop-http");
    assert_eq!(s(http, "type"), "http");
    assert_eq!(throttle(http), (500.0, 250));
    assert_eq!(throttle(route(http, "GET /status")), (10.0, 5));
    assert_eq!(s(route(http, "ANY /web/{proxy+}"), "target"), "service:web");

    let web = item(t, "service", "web");
    assert_eq!(
        (s(web, "platform"), web.get("vcpu").and_then(Value::as_float), int(web, "memory")),
        ("fargate", Some(0.5), 1024)
    );
    assert_eq!(web.get("capacity").unwrap().to_string(), "{ min = 2, max = 20, initial = 2 }");
    assert_eq!(
        (s(web, "balancing"), s(web, "deregistration_delay"), s(web, "health_check_delay")),
        ("least-outstanding-requests", "60s", "10s")
    );
    let strategy = web.get("capacity_provider_strategy").unwrap().to_string();
    assert!(
        strategy.contains("capacity_provider = \"fargate\", base = 2, weight = 1"),
        "{strategy}"
    );
    assert!(
        strategy.contains("capacity_provider = \"fargate-spot\", base = 0, weight = 3"),
        "{strategy}"
    );
    let auto = web.get("autoscaling").unwrap().to_string();
    assert_eq!(
        auto,
        "{ metric = \"cpu\", target = 60.0, scale_out_cooldown = \"60s\", scale_in_cooldown = \"300s\" }"
    );
    let batch = item(t, "service", "batch");
    assert_eq!(
        (s(batch, "platform"), s(batch, "instance_type"), s(batch, "load_balancer")),
        ("ecs-ec2", "c6i.xlarge", "none")
    );
    assert_eq!(
        batch.get("cluster").unwrap().to_string(),
        "{ min = 1, max = 10, target_capacity = 90 }"
    );
    let fleet = item(t, "service", "fleet");
    assert_eq!((s(fleet, "platform"), s(fleet, "instance_type")), ("ec2", "m6i.large"));
    assert_eq!(fleet.get("capacity").unwrap().to_string(), "{ min = 2, max = 6, initial = 3 }");
    assert_eq!(
        fleet.get("autoscaling").unwrap().to_string(),
        "{ metric = \"cpu\", target = 50.0, warmup = \"90s\" }"
    );
    assert!(fleet.get("load_balancer").is_none(), "the fleet is behind an ALB");

    // the one active workload is the stand-in; the entry points are commented placeholders
    let w = t.get("workload").and_then(Value::as_array).unwrap();
    assert_eq!(w.len(), 1);
}

#[test]
fn cloudformation_yaml_maps_every_property() {
    let out = cfn_import(&fixture("cfn/shop.yaml"), &[]).unwrap();
    let t = loaded(&out);
    check_common(&t, "shop-orders");
    let fifo = item(&t, "queue", "orders.fifo");
    assert_eq!(
        (s(fifo, "kind"), int(fifo, "batch_size"), s(fifo, "visibility_timeout")),
        ("sqs-fifo", 10, "180s")
    );
    let text = &out.scenario;
    // the route to an aliased function cannot be modelled: said, and its function is an entry point
    assert!(
        text.contains("# note: route POST /checkout invokes function:checkout through its alias"),
        "{text}"
    );
    assert!(text.contains("# target = \"function:checkout\""), "{text}");
    assert!(text.contains("# target = \"api:shop\"\n# route = \"GET /orders/{id}\""), "{text}");
    assert!(text.contains("# target = \"queue:jobs\""));
    assert!(text.contains("# target = \"function:nightly\""));
    assert!(text.contains("# target = \"service:batch\""));
    // sources, unmodelled resources, false conditions and unresolved values are named
    assert!(text.contains(
        "# from JobsMapping (AWS::Lambda::EventSourceMapping)\n# from JobsQueue (AWS::SQS::Queue)"
    ));
    for line in [
        "#   FunctionRole (AWS::IAM::Role)",
        "#   Artifacts (AWS::S3::Bucket)",
        "#   JobsDlq (AWS::SQS::Queue)",
        "#   DebugFunction (AWS::Lambda::Function): not created, condition IsDev is false",
        "# Unresolved: Nightly.Properties.Timeout: Fn::ImportValue",
        "# note: Orders: no scenario key for Environment",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    assert!(item(&t, "lambda.function", "nightly").get("timeout").is_none());
    assert!(!text.contains("#:schema"));

    let scenario = slsim::config::load_str(Path::new("shop.toml"), text, &[]).unwrap();
    let run = slsim::run::simulate(&scenario);
    assert!(run.requests > 0, "the stand-in workload sends requests");
}

#[test]
fn json_template_gives_the_same_scenario_as_yaml() {
    let y = cfn_import(&fixture("cfn/shop.yaml"), &[]).unwrap().scenario;
    let j = cfn_import(&fixture("cfn/shop.json"), &[]).unwrap().scenario;
    let body = |s: &str| s.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&y), body(&j));
}

#[test]
fn parameters_and_conditions_follow_param_flags() {
    let out = cfn_import(&fixture("cfn/shop.yaml"), &["Env=dev", "WorkerMemory=2048"]).unwrap();
    let t = loaded(&out);
    // FindInMap over Env, and the If on ProdOnArm
    let f = item(&t, "lambda.function", "shop-orders");
    assert_eq!((s(f, "timeout"), s(f, "architecture")), ("10s", "x86_64"));
    assert_eq!(int(item(&t, "lambda.function", "worker"), "memory_size"), 2048);
    // IsDev is now true: the debug function exists
    assert_eq!(s(item(&t, "lambda.function", "debug"), "runtime"), "python3.12");
    assert!(out.scenario.contains("# Assumed: parameter Env = dev (--param)"));
    let e = cfn_import(&fixture("cfn/shop.yaml"), &["Colour=red"]).unwrap_err();
    assert!(e.to_string().contains("--param Colour: the template has no parameter Colour"), "{e}");
}

#[test]
fn terraform_plan_maps_every_property() {
    let args =
        terraform::Args { plan: fixture("terraform/shop-plan.json"), usage: Default::default() };
    let out = terraform::import(&args, "shop").unwrap();
    let t = loaded(&out);
    check_common(&t, "orders");
    let text = &out.scenario;
    assert_eq!(
        item(&t, "lambda.function", "checkout")
            .get("alias")
            .unwrap()
            .get("versions")
            .unwrap()
            .to_string(),
        "[\"1\", \"2\"]"
    );
    for line in [
        // a child module's resources, linked through configuration references
        "# from module.jobs.aws_lambda_event_source_mapping.this (aws_lambda_event_source_mapping)",
        "# from aws_autoscaling_group.batch (aws_autoscaling_group)",
        "#   aws_iam_role.lambda (aws_iam_role)",
        "#   aws_lambda_permission.apigw (aws_lambda_permission)",
        "# Unresolved: aws_lambda_function.nightly.Properties.Timeout: aws_lambda_function.nightly.timeout is known only after apply",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    // folded into the method, the stage and the alias: not listed as unmodelled
    assert!(!text.contains("#   aws_api_gateway_integration"));
    assert!(!text.contains("#   aws_api_gateway_method_settings"));
    assert!(!text.contains("#   aws_lambda_provisioned_concurrency_config"));
    let scenario = slsim::config::load_str(Path::new("shop.toml"), text, &[]).unwrap();
    assert!(slsim::run::simulate(&scenario).requests > 0);
}

#[test]
fn a_terraform_state_reads_values() {
    let dir = tempfile::tempdir().unwrap();
    let state = serde_json::json!({
        "format_version": "1.0",
        "values": { "root_module": { "resources": [
            { "address": "aws_lambda_function.f", "mode": "managed", "type": "aws_lambda_function", "name": "f",
              "values": { "function_name": "f", "runtime": "python3.12", "memory_size": 256, "timeout": 5,
                          "arn": "arn:aws:lambda:us-east-1:123456789012:function:f", "reserved_concurrent_executions": -1 } },
            { "address": "aws_sqs_queue.q", "mode": "managed", "type": "aws_sqs_queue", "name": "q",
              "values": { "name": "q", "arn": "arn:aws:sqs:us-east-1:123456789012:q", "visibility_timeout_seconds": 30 } },
            { "address": "aws_lambda_event_source_mapping.m", "mode": "managed", "type": "aws_lambda_event_source_mapping", "name": "m",
              "values": { "function_name": "arn:aws:lambda:us-east-1:123456789012:function:f",
                          "event_source_arn": "arn:aws:sqs:us-east-1:123456789012:q", "batch_size": 5 } }
        ] } }
    });
    let path = dir.path().join("state.json");
    std::fs::write(&path, state.to_string()).unwrap();
    let out =
        terraform::import(&terraform::Args { plan: path, usage: Default::default() }, "state")
            .unwrap();
    let t = loaded(&out);
    let q = item(&t, "queue", "q");
    assert_eq!(
        (s(q, "target"), int(q, "batch_size"), s(q, "visibility_timeout")),
        ("function:f", 5, "30s")
    );
    assert!(item(&t, "lambda.function", "f").get("reserved_concurrency").is_none());
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn bad_templates_are_errors_naming_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let err =
        |name: &str, text: &str| cfn_import(&write(d, name, text), &[]).unwrap_err().to_string();

    let e = err(
        "bad.yaml",
        "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties: [a, b\n",
    );
    assert!(e.contains("bad.yaml: line "), "{e}");
    let e = err("bad.json", "{\n  \"Resources\": {\n    \"F\": \n  }\n}");
    assert!(e.contains("bad.json: line 4 column"), "{e}");
    let e = err(
        "tag.yaml",
        "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties: { Timeout: !Bogus 3 }\n",
    );
    assert!(e.contains("unknown YAML tag !Bogus"), "{e}");
    let e = err("none.yaml", "Resources: {}\n");
    assert!(e.contains("declares no resources"), "{e}");
    let e = err("nores.yaml", "AWSTemplateFormatVersion: '2010-09-09'\n");
    assert!(e.contains("no Resources section"), "{e}");
    let e = err("s3.yaml", "Resources:\n  B:\n    Type: AWS::S3::Bucket\n");
    assert!(e.contains("no resource slsim models") && e.contains("B (AWS::S3::Bucket)"), "{e}");
    let e = err(
        "missing.yaml",
        "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      MemorySize: !Ref Ghost\n",
    );
    assert!(e.contains("Resources.F.Properties.MemorySize: Ref to Ghost"), "{e}");
    let e = err(
        "cycle.yaml",
        "Resources:\n  A:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      FunctionName: !Sub '${B}-a'\n  B:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      FunctionName: !Sub '${A}-b'\n",
    );
    assert!(e.contains("a cycle of references: A -> B -> A"), "{e}");
    let e = err("type.yaml", "Resources:\n  A:\n    Properties: {}\n");
    assert!(e.contains("Resources.A.Type"), "{e}");
    // a value slsim refuses is reported, not written
    let e = err(
        "mem.yaml",
        "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      MemorySize: 64\n",
    );
    assert!(e.contains("does not validate") && e.contains("memory_size"), "{e}");

    let tf = |text: &str| {
        let p = write(d, "plan.json", text);
        terraform::import(&terraform::Args { plan: p, usage: Default::default() }, "x")
            .unwrap_err()
            .to_string()
    };
    assert!(tf("{\"nope\": 1}").contains("neither planned_values nor values"));
    assert!(tf("[1, 2]").contains("expected the JSON object"));
    assert!(tf("{\n\"planned_values\": \n").contains("plan.json: line 3"));
    assert!(tf("{\"format_version\": \"1.0\"}").contains("declares no resources"));
}

#[test]
fn the_binary_exits_2_and_writes_nothing_on_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.yaml", "Resources: [\n");
    let out = dir.path().join("out.toml");
    for what in ["cfn", "terraform"] {
        let o = slsim_cli(&["import", what, bad.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(!out.exists());
    }
    let o = slsim_cli(&[
        "import",
        "cfn",
        fixture("cfn/shop.yaml").to_str().unwrap(),
        "--param",
        "WorkerMemory=2048",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let o = slsim_cli(&["validate", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn sam_after_transform_routes_from_the_openapi_body() {
    // the shape `sam` / CloudFormation's processed template has: routes in the RestApi's Body
    let dir = tempfile::tempdir().unwrap();
    let template = "\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  HelloWorldFunction:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      MemorySize: 256
      Timeout: 3
      Handler: app.lambda_handler
  ServerlessRestApi:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Body:
        swagger: '2.0'
        info: { title: !Ref AWS::StackName }
        paths:
          /hello:
            get:
              x-amazon-apigateway-integration:
                httpMethod: POST
                type: aws_proxy
                uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${HelloWorldFunction.Arn}/invocations
  ServerlessRestApiProdStage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref ServerlessRestApi
      StageName: Prod
";
    let out = cfn_import(&write(dir.path(), "sam.yaml", template), &[]).unwrap();
    let t = loaded(&out);
    let api = item(&t, "api", "ServerlessRestApi");
    assert_eq!(s(route(api, "GET /hello"), "target"), "function:HelloWorldFunction");
    assert_eq!(int(item(&t, "lambda.function", "HelloWorldFunction"), "memory_size"), 256);
    assert!(out.scenario.contains("target = \"api:ServerlessRestApi\"\nroute = \"GET /hello\""));
}

#[test]
fn values_of_the_wrong_type_are_reported_not_guessed() {
    let dir = tempfile::tempdir().unwrap();
    let template = "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      MemorySize: lots\n      Timeout: '5'\n";
    let out = cfn_import(&write(dir.path(), "t.yaml", template), &[]).unwrap();
    let t = loaded(&out);
    let f = item(&t, "lambda.function", "F");
    assert!(f.get("memory_size").is_none());
    assert_eq!(s(f, "timeout"), "5s", "a numeric string is a number, as CloudFormation reads it");
    assert!(
        out.scenario
            .contains("# Unresolved: F.Properties.MemorySize: \"lots\" is not a whole number"),
        "{}",
        out.scenario
    );
}

#[test]
fn terraform_shapes_are_checked_with_json_paths() {
    let dir = tempfile::tempdir().unwrap();
    let tf = |text: &str| {
        let p = write(dir.path(), "plan.json", text);
        terraform::import(&terraform::Args { plan: p, usage: Default::default() }, "x")
            .unwrap_err()
            .to_string()
    };
    let e = tf(
        r#"{"planned_values": {"root_module": {"resources": [{"address": "a.b", "type": "aws_lambda_function"}, {"type": 3}]}}}"#,
    );
    assert!(e.contains("plan.json: planned_values.root_module.resources[1]: a resource needs an address and a type"), "{e}");
    let e = tf(r#"{"values": {"root_module": {"child_modules": [{"resources": 7}]}}}"#);
    assert!(e.contains("values.root_module.child_modules[0].resources: must be an array"), "{e}");
}
