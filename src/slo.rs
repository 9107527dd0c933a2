//! Checking service-level objectives against a summary's figures (the objectives themselves,
//! `[slo]`, are read and validated in [`crate::config::slo`]).

use serde_json::{Value as Json, json};

pub use crate::config::slo::*;

impl Slo {
    /// Every check of the objectives against one summary's figures, in a stable order: by
    /// objective, then component (functions, APIs, services, each in the summary's order).
    /// `figure` gives the mean and 95% CI half-width of a dotted summary path;
    /// `conservative` judges by mean + half-width.
    pub fn evaluate(
        &self,
        components: &Components,
        figure: &dyn Fn(&str) -> Option<(f64, f64)>,
        conservative: bool,
    ) -> Vec<Check> {
        let bound = |(m, c): (f64, f64)| if conservative { m + c } else { m };
        let mut checks = Vec::new();
        for &(key, limit) in &self.limits {
            if key == SloKey::CostUsd {
                let value = figure("cost_usd.total").map(bound);
                checks.push(Check { key, component: None, value, limit });
                continue;
            }
            for &kind in key.applies_to() {
                for name in components.of(kind) {
                    if let Some(refs) = &self.components
                        && !refs.iter().any(|r| r.matches(kind, name))
                    {
                        continue;
                    }
                    let value = measure(key, kind, name, figure, conservative);
                    checks.push(Check {
                        key,
                        component: Some(format!("{}:{name}", kind.as_str())),
                        value,
                        limit,
                    });
                }
            }
            // a component named in `components` that this summary lacks fails, visibly
            for r in self.components.iter().flatten() {
                if key.applies_to().contains(&r.kind)
                    && !components.of(r.kind).iter().any(|n| r.matches(r.kind, n))
                {
                    checks.push(Check {
                        key,
                        component: Some(format!("{}:{}", r.kind.as_str(), r.name)),
                        value: None,
                        limit,
                    });
                }
            }
        }
        checks
    }
}

/// The value of one objective for one component: a figure of the summary, or a ratio of two.
/// For a ratio of counts the conservative bound is (count + its half-width) / requests.
fn measure(
    key: SloKey,
    kind: Kind,
    name: &str,
    figure: &dyn Fn(&str) -> Option<(f64, f64)>,
    conservative: bool,
) -> Option<f64> {
    let at = |leaf: &str| figure(&format!("{}.{name}.{leaf}", kind.block()));
    let bound = |(m, c): (f64, f64)| if conservative { m + c } else { m };
    if let Some(q) = key.latency() {
        return at(&format!("latency_ms.{q}")).map(bound);
    }
    let ratio = |parts: &[&str], of: &str| -> Option<f64> {
        let mut num = 0.0;
        for p in parts {
            num += bound(at(p)?);
        }
        let den = at(of)?.0;
        Some(if den > 0.0 { num / den } else { 0.0 })
    };
    match (key, kind) {
        (SloKey::ThrottleRatio, Kind::Function) => at("throttle_ratio").map(bound),
        (SloKey::ColdStartRatio, Kind::Function) => at("cold_start_ratio").map(bound),
        (SloKey::ThrottleRatio, Kind::Api) => ratio(&["throttles"], "requests"),
        (SloKey::ErrorRatio, Kind::Function) => ratio(&["errors", "timeouts"], "invocations"),
        (SloKey::ErrorRatio, Kind::Api) => ratio(&["errors", "timeouts"], "requests"),
        (SloKey::RejectedRatio, Kind::Service) => ratio(&["rejected"], "requests"),
        _ => None,
    }
}

/// The components of one summary, in its order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Components {
    pub functions: Vec<String>,
    pub apis: Vec<String>,
    pub services: Vec<String>,
}

impl Components {
    pub fn of_summary(summary: &Json) -> Components {
        let names = |block: &str| -> Vec<String> {
            summary
                .get(block)
                .and_then(Json::as_object)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default()
        };
        Components {
            functions: names("functions"),
            apis: names("apis"),
            services: names("services"),
        }
    }

    fn of(&self, kind: Kind) -> &[String] {
        match kind {
            Kind::Function => &self.functions,
            Kind::Api => &self.apis,
            Kind::Service => &self.services,
        }
    }
}

/// One objective checked for one component (or the total cost).
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub key: SloKey,
    /// `function:api`; `None` for `cost_usd`.
    pub component: Option<String>,
    /// The figure judged (the mean, or mean + CI half-width); `None`: the summary lacks it.
    pub value: Option<f64>,
    pub limit: f64,
}

impl Check {
    pub fn pass(&self) -> bool {
        self.value.is_some_and(|v| v <= self.limit)
    }

    /// `p99_ms of function:f` / `cost_usd`.
    pub fn what(&self) -> String {
        match &self.component {
            Some(c) => format!("{} of {c}", self.key.as_str()),
            None => self.key.as_str().to_string(),
        }
    }

    /// `812.3 ms > 300.0 ms`, or `absent`.
    pub fn verdict(&self) -> String {
        match self.value {
            Some(v) => format!(
                "{} {} {}",
                self.key.format(v),
                if v <= self.limit { "<=" } else { ">" },
                self.key.format(self.limit)
            ),
            None => format!("no such component (limit {})", self.key.format(self.limit)),
        }
    }

    pub fn to_json(&self) -> Json {
        json!({
            "slo": self.key.as_str(),
            "component": self.component,
            "value": self.value,
            "limit": self.limit,
            "pass": self.pass(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::raw::RawSlo;

    fn names() -> Names {
        Names {
            functions: vec!["api".into(), "w-0".into(), "w-1".into()],
            copy_groups: vec!["w".into()],
            apis: vec!["shop".into()],
            services: vec![],
            invalid: vec![],
        }
    }

    #[test]
    fn limits_are_checked_and_listed() {
        let raw = RawSlo {
            p99_ms: Some(0.0),
            throttle_ratio: Some(1.5),
            rejected_ratio: Some(0.01),
            components: Some(vec!["function:nope".into(), "queue:x".into(), "api".into()]),
            ..RawSlo::default()
        };
        let problems = Slo::from_raw(&raw, &names()).unwrap_err();
        let text: Vec<String> =
            problems.iter().map(|p| format!("{}: {}", p.key, p.message)).collect();
        let text = text.join("\n");
        assert!(text.contains("slo.p99_ms: 0 is not allowed; use milliseconds above 0"), "{text}");
        assert!(
            text.contains("slo.throttle_ratio: 1.5 is not allowed; use a ratio in 0..=1"),
            "{text}"
        );
        assert!(text.contains("slo.components[0]: \"function:nope\" names no function; the scenario's functions: api, w-0, w-1, w"), "{text}");
        assert!(text.contains("slo.components[1]: \"queue:x\": \"queue\" is not a kind"), "{text}");
        assert!(text.contains("slo.components[2]: \"api\" is not KIND:NAME"), "{text}");
        // a limit for a kind the scenario lacks (checked once the components are right)
        let raw = RawSlo { rejected_ratio: Some(0.01), ..RawSlo::default() };
        let problems = Slo::from_raw(&raw, &names()).unwrap_err();
        assert_eq!(problems[0].key, "slo.rejected_ratio");
        assert!(problems[0].message.starts_with("applies to services, and the scenario has none"));
        let empty = Slo::from_raw(&RawSlo::default(), &names()).unwrap_err();
        assert!(empty[0].message.contains("sets no limit"), "{empty:?}");
    }

    #[test]
    fn checks_cover_each_component_and_the_cost() {
        let raw = RawSlo {
            p99_ms: Some(300.0),
            throttle_ratio: Some(0.01),
            cost_usd: Some(2.0),
            ..RawSlo::default()
        };
        let slo = Slo::from_raw(&raw, &names()).unwrap();
        let comps = Components {
            functions: vec!["api".into()],
            apis: vec!["shop".into()],
            services: vec![],
        };
        let figures = |p: &str| -> Option<(f64, f64)> {
            match p {
                "functions.api.latency_ms.p99" => Some((250.0, 60.0)),
                "apis.shop.latency_ms.p99" => Some((320.0, 5.0)),
                "functions.api.throttle_ratio" => Some((0.0, 0.0)),
                "apis.shop.throttles" => Some((30.0, 10.0)),
                "apis.shop.requests" => Some((4000.0, 1.0)),
                "cost_usd.total" => Some((1.5, 0.1)),
                _ => None,
            }
        };
        let checks = slo.evaluate(&comps, &figures, false);
        let got: Vec<(String, Option<f64>, bool)> =
            checks.iter().map(|c| (c.what(), c.value, c.pass())).collect();
        assert_eq!(
            got,
            [
                ("p99_ms of function:api".to_string(), Some(250.0), true),
                ("p99_ms of api:shop".to_string(), Some(320.0), false),
                ("throttle_ratio of function:api".to_string(), Some(0.0), true),
                ("throttle_ratio of api:shop".to_string(), Some(0.0075), true),
                ("cost_usd".to_string(), Some(1.5), true),
            ]
        );
        // conservative: the function's p99 and the API's throttles tip over
        let checks = slo.evaluate(&comps, &figures, true);
        let failing: Vec<String> = checks.iter().filter(|c| !c.pass()).map(Check::what).collect();
        assert_eq!(failing, ["p99_ms of function:api", "p99_ms of api:shop"]);
        assert_eq!(checks[3].value, Some(0.01)); // (30 + 10) / 4000, still at the limit
        assert_eq!(checks[1].verdict(), "325.0 ms > 300.0 ms");
    }

    #[test]
    fn named_components_narrow_and_copies_expand() {
        let raw = RawSlo {
            p50_ms: Some(100.0),
            components: Some(vec!["function:w".into()]),
            ..RawSlo::default()
        };
        let slo = Slo::from_raw(&raw, &names()).unwrap();
        let comps = Components {
            functions: vec!["api".into(), "w-0".into(), "w-1".into(), "w-x".into()],
            ..Components::default()
        };
        let checks = slo.evaluate(&comps, &|_| Some((1.0, 0.0)), false);
        let what: Vec<String> = checks.iter().map(Check::what).collect();
        assert_eq!(what, ["p50_ms of function:w-0", "p50_ms of function:w-1"]);
        // a named component missing from a summary fails
        let checks = slo.evaluate(&Components::default(), &|_| Some((1.0, 0.0)), false);
        assert_eq!(checks.len(), 1);
        assert!(!checks[0].pass());
        assert_eq!(Slo::from_json(&slo.to_json()).map(|s| s.limits), Some(slo.limits.clone()));
    }
}
