//! API Gateway REST APIs (resources, methods, an OpenAPI `Body`, stage method settings, usage
//! plans) and HTTP / WebSocket APIs (routes, integrations, stage route settings) to `[[api]]`.

use serde_json::Value;

use super::map::{Mapper, int, num, text};
use crate::import::ImportError;
use crate::import::infra::{Api, Origin, Route, Throttle, UsagePlan};

fn throttle(rate: Option<&Value>, burst: Option<&Value>) -> Option<Throttle> {
    Some(Throttle { rate: num(rate)?, burst: int(burst)? })
}

const METHODS: [&str; 8] =
    ["get", "put", "post", "delete", "patch", "head", "options", "x-amazon-apigateway-any-method"];

impl Mapper<'_> {
    /// Resolves a raw value taken from inside a property; its value and the ids it refers to.
    fn raw(&mut self, v: &Value, place: &str) -> Result<(Value, Vec<String>), ImportError> {
        self.r.refs.clear();
        let v = self.r.value(v, place)?;
        Ok((v, self.r.refs.clone()))
    }

    /// The scenario target of an integration that refers to `refs`.
    fn integration_target(&mut self, uri: Option<&Value>, refs: &[String]) -> Option<String> {
        if let Some(fi) = self.function_of(uri, refs) {
            let f = self.infra.functions.get_mut(fi)?;
            f.triggered = true;
            return Some(format!("function:{}", f.name));
        }
        let mut targets: Vec<String> = refs.to_vec();
        for r in refs {
            // a listener forwards to target groups; a load balancer has listeners
            for l in self.ids("AWS::ElasticLoadBalancingV2::Listener") {
                let on_lb = self
                    .r
                    .prop(&l, "LoadBalancerArn")
                    .ok()
                    .map(|_| self.r.refs.contains(r))
                    .unwrap_or(false);
                if (l == *r || on_lb) && self.r.prop(&l, "DefaultActions").is_ok() {
                    targets.extend(self.r.refs.clone());
                }
            }
        }
        let s = self
            .infra
            .services
            .iter()
            .find(|s| s.origins.iter().any(|o| targets.contains(&o.id)))?;
        Some(format!("service:{}", s.name))
    }

    pub(super) fn apis(&mut self) -> Result<(), ImportError> {
        self.rest_apis()?;
        self.http_apis()
    }

    fn rest_path(&mut self, rid: &str, depth: usize) -> Result<String, ImportError> {
        if self.r.kind_of(rid) != Some("AWS::ApiGateway::Resource") || depth > 64 {
            return Ok(String::new());
        }
        self.used.insert(rid.to_string());
        let part = text(self.get(rid, "PathPart")?.as_ref()).unwrap_or_default();
        let (_, parent) = self.get_refs(rid, "ParentId")?;
        let parent_path = match parent.first() {
            Some(p) => self.rest_path(&p.clone(), depth + 1)?,
            None => String::new(),
        };
        Ok(format!("{parent_path}/{part}"))
    }

    fn rest_apis(&mut self) -> Result<(), ImportError> {
        for aid in self.ids("AWS::ApiGateway::RestApi") {
            let mut api = Api {
                origins: vec![Origin::new(&aid, "AWS::ApiGateway::RestApi")],
                kind: "rest".into(),
                ..Api::default()
            };
            api.name = self.name(&aid, false, 128)?;
            self.used.insert(aid.clone());
            api.endpoint = self
                .get(&aid, "EndpointConfiguration")?
                .and_then(|e| e.get("Types").and_then(|t| text(t.get(0))))
                .map(|t| t.to_ascii_lowercase());
            // routes defined in an OpenAPI body (SAM writes them there)
            let body = self
                .r
                .resources()
                .get(&aid)
                .and_then(|r| r.get("Properties"))
                .and_then(|p| p.get("Body"))
                .cloned();
            if let Some(paths) =
                body.as_ref().and_then(|b| b.get("paths")).and_then(Value::as_object)
            {
                for (path, item) in paths.clone() {
                    for m in METHODS {
                        let Some(integration) =
                            item.get(m).and_then(|x| x.get("x-amazon-apigateway-integration"))
                        else {
                            continue;
                        };
                        let place = format!("Resources.{aid}.Properties.Body.paths.{path}.{m}");
                        let (uri, refs) =
                            self.raw(integration.get("uri").unwrap_or(&Value::Null), &place)?;
                        let method = if m.starts_with("x-") {
                            "ANY".to_string()
                        } else {
                            m.to_ascii_uppercase()
                        };
                        let target = self.integration_target(Some(&uri), &refs);
                        api.routes.push(Route {
                            origin: None,
                            key: format!("{method} {path}"),
                            target,
                            throttle: None,
                            note: None,
                        });
                    }
                }
            }
            for mid in self.ids("AWS::ApiGateway::Method") {
                let (_, api_refs) = self.get_refs(&mid, "RestApiId")?;
                if !api_refs.contains(&aid) {
                    continue;
                }
                self.used.insert(mid.clone());
                let method = text(self.get(&mid, "HttpMethod")?.as_ref())
                    .unwrap_or_else(|| "ANY".into())
                    .to_ascii_uppercase();
                let (_, res_refs) = self.get_refs(&mid, "ResourceId")?;
                let path = match res_refs.first() {
                    Some(r) => self.rest_path(&r.clone(), 0)?,
                    None => String::new(),
                };
                let path = if path.is_empty() { "/".to_string() } else { path };
                let (integration, refs) = self.get_refs(&mid, "Integration")?;
                let uri = integration.as_ref().and_then(|i| i.get("Uri")).cloned();
                let target = self.integration_target(uri.as_ref(), &refs);
                api.routes.push(Route {
                    origin: Some(Origin::new(&mid, "AWS::ApiGateway::Method")),
                    key: format!("{method} {path}"),
                    target,
                    throttle: None,
                    note: None,
                });
            }
            for d in self.ids("AWS::ApiGateway::Deployment") {
                let (_, refs) = self.get_refs(&d, "RestApiId")?;
                if refs.contains(&aid) {
                    self.used.insert(d);
                }
            }
            let mut staged = false;
            for sid in self.ids("AWS::ApiGateway::Stage") {
                let (_, refs) = self.get_refs(&sid, "RestApiId")?;
                if !refs.contains(&aid) {
                    continue;
                }
                self.used.insert(sid.clone());
                if staged {
                    api.notes.push(format!(
                        "{sid}: another stage; slsim models one stage per API (the first)"
                    ));
                    continue;
                }
                staged = true;
                api.origins.push(Origin::new(&sid, "AWS::ApiGateway::Stage"));
                for s in self
                    .get(&sid, "MethodSettings")?
                    .and_then(|m| m.as_array().cloned())
                    .unwrap_or_default()
                {
                    let Some(t) =
                        throttle(s.get("ThrottlingRateLimit"), s.get("ThrottlingBurstLimit"))
                    else {
                        continue;
                    };
                    // "/~1orders~1{id}" is the path /orders/{id}: a leading "/", then "~1" for each "/"
                    let raw_path = text(s.get("ResourcePath")).unwrap_or_else(|| "/*".into());
                    let decoded =
                        raw_path.strip_prefix('/').unwrap_or(&raw_path).replace("~1", "/");
                    let path =
                        if decoded.starts_with('/') { decoded } else { format!("/{decoded}") };
                    let method = text(s.get("HttpMethod")).unwrap_or_else(|| "*".into());
                    if path == "/*" && method == "*" {
                        api.throttle = Some(t);
                    } else {
                        let key = format!("{method} {path}");
                        match api.routes.iter_mut().find(|r| r.key == key) {
                            Some(r) => r.throttle = Some(t),
                            None => api.notes.push(format!(
                                "{sid}: MethodSettings for {key}, a route not found"
                            )),
                        }
                    }
                }
            }
            for pid in self.ids("AWS::ApiGateway::UsagePlan") {
                let (stages, refs) = self.get_refs(&pid, "ApiStages")?;
                if !refs.contains(&aid) {
                    continue;
                }
                self.used.insert(pid.clone());
                let t = self.get(&pid, "Throttle")?;
                let q = self.get(&pid, "Quota")?;
                let quota = q.as_ref().and_then(|q| {
                    let period = match text(q.get("Period"))?.as_str() {
                        "DAY" => "day",
                        "WEEK" => "week",
                        "MONTH" => "month",
                        _ => return None,
                    };
                    Some((int(q.get("Limit"))?, period.to_string()))
                });
                if stages
                    .as_ref()
                    .and_then(Value::as_array)
                    .is_some_and(|a| a.iter().any(|s| s.get("Throttle").is_some()))
                {
                    api.notes.push(format!(
                        "{pid}: per-method throttles of the usage plan are not modelled"
                    ));
                }
                api.usage_plans.push(UsagePlan {
                    origin: Some(Origin::new(&pid, "AWS::ApiGateway::UsagePlan")),
                    name: self.name(&pid, false, 128)?,
                    throttle: t
                        .as_ref()
                        .and_then(|t| throttle(t.get("RateLimit"), t.get("BurstLimit"))),
                    quota,
                });
            }
            self.push_api(api);
        }
        Ok(())
    }

    fn push_api(&mut self, mut api: Api) {
        let before = api.routes.len();
        let mut seen = std::collections::HashSet::new();
        api.routes.retain(|r| seen.insert(r.key.clone()));
        if api.routes.len() < before {
            api.notes.push("duplicate route keys kept once".to_string());
        }
        if api.routes.iter().all(|r| r.target.is_none()) {
            api.notes.push(
                "no route with a Lambda or service integration: the API is left out".to_string(),
            );
            let first = api.origins.first().cloned();
            self.infra.notes.push(format!(
                "{}: no route with a Lambda function or service integration; API left out",
                first.map_or_else(String::new, |o| o.id)
            ));
            return;
        }
        self.infra.apis.push(api);
    }

    fn http_apis(&mut self) -> Result<(), ImportError> {
        for aid in self.ids("AWS::ApiGatewayV2::Api") {
            let protocol =
                text(self.get(&aid, "ProtocolType")?.as_ref()).unwrap_or_else(|| "HTTP".into());
            let kind = if protocol == "WEBSOCKET" { "websocket" } else { "http" };
            let mut api = Api {
                origins: vec![Origin::new(&aid, "AWS::ApiGatewayV2::Api")],
                kind: kind.into(),
                ..Api::default()
            };
            api.name = self.name(&aid, false, 128)?;
            self.used.insert(aid.clone());
            let (quick, quick_refs) = self.get_refs(&aid, "Target")?;
            if quick.is_some() || !quick_refs.is_empty() {
                let target = self.integration_target(quick.as_ref(), &quick_refs);
                api.routes.push(Route {
                    origin: None,
                    key: "$default".into(),
                    target,
                    throttle: None,
                    note: None,
                });
            }
            for rid in self.ids("AWS::ApiGatewayV2::Route") {
                let (_, refs) = self.get_refs(&rid, "ApiId")?;
                if !refs.contains(&aid) {
                    continue;
                }
                self.used.insert(rid.clone());
                let key =
                    text(self.get(&rid, "RouteKey")?.as_ref()).unwrap_or_else(|| "$default".into());
                let (_, trefs) = self.get_refs(&rid, "Target")?;
                let mut target = None;
                if let Some(iid) = trefs
                    .iter()
                    .find(|r| self.r.kind_of(r) == Some("AWS::ApiGatewayV2::Integration"))
                    .cloned()
                {
                    self.used.insert(iid.clone());
                    let (uri, urefs) = self.get_refs(&iid, "IntegrationUri")?;
                    target = self.integration_target(uri.as_ref(), &urefs);
                }
                api.routes.push(Route {
                    origin: Some(Origin::new(&rid, "AWS::ApiGatewayV2::Route")),
                    key,
                    target,
                    throttle: None,
                    note: None,
                });
            }
            let mut staged = false;
            for sid in self.ids("AWS::ApiGatewayV2::Stage") {
                let (_, refs) = self.get_refs(&sid, "ApiId")?;
                if !refs.contains(&aid) {
                    continue;
                }
                self.used.insert(sid.clone());
                if staged {
                    api.notes.push(format!(
                        "{sid}: another stage; slsim models one stage per API (the first)"
                    ));
                    continue;
                }
                staged = true;
                api.origins.push(Origin::new(&sid, "AWS::ApiGatewayV2::Stage"));
                if let Some(d) = self.get(&sid, "DefaultRouteSettings")? {
                    api.throttle =
                        throttle(d.get("ThrottlingRateLimit"), d.get("ThrottlingBurstLimit"));
                }
                if let Some(rs) =
                    self.get(&sid, "RouteSettings")?.and_then(|r| r.as_object().cloned())
                {
                    for (key, s) in rs {
                        let Some(t) =
                            throttle(s.get("ThrottlingRateLimit"), s.get("ThrottlingBurstLimit"))
                        else {
                            continue;
                        };
                        match api.routes.iter_mut().find(|r| r.key == key) {
                            Some(r) => r.throttle = Some(t),
                            None => api
                                .notes
                                .push(format!("{sid}: RouteSettings for {key}, a route not found")),
                        }
                    }
                }
            }
            self.push_api(api);
        }
        Ok(())
    }
}
