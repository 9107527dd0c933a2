//! Service-level objectives (`[slo]`) as a scenario states them: upper limits on latency, throttling, cold starts, errors,
//! rejections and cost, and the components they apply to; checked against a summary's figures.
//!
//! ```toml
//! [slo]
//! p99_ms = 300                 # every component's latency_ms.p99 at most 300 ms
//! throttle_ratio = 0.001       # functions' throttle_ratio; APIs' throttles / requests
//! cold_start_ratio = 0.01      # functions' cold_start_ratio
//! cost_usd = 25.0              # cost_usd.total for the simulated period
//! components = ["function:api", "service:web"]   # optional: only these (default: all)
//! ```
//!
//! Every limit is an upper bound: a figure meets it when it is at most the limit. A limit applies
//! to each component of the summary that has the figure (see [`SloKey::applies_to`]); `cost_usd`
//! applies to the total. The figures are the summary's means over replications; the
//! conservative basis takes the upper end of their 95% confidence interval instead.

use serde_json::Value as Json;

use crate::config::raw::RawSlo;
use crate::problem::Problem;

/// One kind of objective, in the order they are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SloKey {
    P50Ms,
    P90Ms,
    P95Ms,
    P99Ms,
    MeanMs,
    ThrottleRatio,
    ColdStartRatio,
    ErrorRatio,
    RejectedRatio,
    CostUsd,
}

pub const ALL_KEYS: [SloKey; 10] = [
    SloKey::P50Ms,
    SloKey::P90Ms,
    SloKey::P95Ms,
    SloKey::P99Ms,
    SloKey::MeanMs,
    SloKey::ThrottleRatio,
    SloKey::ColdStartRatio,
    SloKey::ErrorRatio,
    SloKey::RejectedRatio,
    SloKey::CostUsd,
];

/// What a component is in the summary: a function, an API or a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Function,
    Api,
    Service,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Function => "function",
            Kind::Api => "api",
            Kind::Service => "service",
        }
    }

    /// The summary's block of this kind.
    pub fn block(self) -> &'static str {
        match self {
            Kind::Function => "functions",
            Kind::Api => "apis",
            Kind::Service => "services",
        }
    }

    const ALL: [Kind; 3] = [Kind::Function, Kind::Api, Kind::Service];
}

impl SloKey {
    pub fn as_str(self) -> &'static str {
        match self {
            SloKey::P50Ms => "p50_ms",
            SloKey::P90Ms => "p90_ms",
            SloKey::P95Ms => "p95_ms",
            SloKey::P99Ms => "p99_ms",
            SloKey::MeanMs => "mean_ms",
            SloKey::ThrottleRatio => "throttle_ratio",
            SloKey::ColdStartRatio => "cold_start_ratio",
            SloKey::ErrorRatio => "error_ratio",
            SloKey::RejectedRatio => "rejected_ratio",
            SloKey::CostUsd => "cost_usd",
        }
    }

    pub fn parse(s: &str) -> Option<SloKey> {
        ALL_KEYS.into_iter().find(|k| k.as_str() == s)
    }

    /// A latency quantile of `latency_ms`, for the latency objectives.
    pub(crate) fn latency(self) -> Option<&'static str> {
        match self {
            SloKey::P50Ms => Some("p50"),
            SloKey::P90Ms => Some("p90"),
            SloKey::P95Ms => Some("p95"),
            SloKey::P99Ms => Some("p99"),
            SloKey::MeanMs => Some("mean"),
            _ => None,
        }
    }

    pub fn is_ratio(self) -> bool {
        matches!(
            self,
            SloKey::ThrottleRatio
                | SloKey::ColdStartRatio
                | SloKey::ErrorRatio
                | SloKey::RejectedRatio
        )
    }

    /// The kinds of component the objective applies to (none: `cost_usd`, the total).
    pub fn applies_to(self) -> &'static [Kind] {
        match self {
            _ if self.latency().is_some() => &Kind::ALL,
            SloKey::ThrottleRatio | SloKey::ErrorRatio => &[Kind::Function, Kind::Api],
            SloKey::ColdStartRatio => &[Kind::Function],
            SloKey::RejectedRatio => &[Kind::Service],
            _ => &[],
        }
    }

    /// What is measured, for messages and the book (docs/src/reference/scenario.md).
    pub fn meaning(self) -> &'static str {
        match self {
            SloKey::P50Ms => "latency_ms.p50 of every function, API and service",
            SloKey::P90Ms => "latency_ms.p90 of every function, API and service",
            SloKey::P95Ms => "latency_ms.p95 of every function, API and service",
            SloKey::P99Ms => "latency_ms.p99 of every function, API and service",
            SloKey::MeanMs => "latency_ms.mean of every function, API and service",
            SloKey::ThrottleRatio => "functions' throttle_ratio; APIs' throttles / requests",
            SloKey::ColdStartRatio => "functions' cold_start_ratio",
            SloKey::ErrorRatio => {
                "functions' (errors + timeouts) / invocations; APIs' (errors + timeouts) / requests"
            }
            SloKey::RejectedRatio => "services' rejected / requests",
            SloKey::CostUsd => "cost_usd.total, for the simulated period",
        }
    }

    /// A value of this objective for people: `412.3 ms`, `0.120%`, `$1.2345`.
    pub fn format(self, v: f64) -> String {
        if self.latency().is_some() {
            format!("{v:.1} ms")
        } else if self.is_ratio() {
            format!("{}%", trim_float(100.0 * v, 4))
        } else {
            format!("${}", trim_float(v, 4))
        }
    }
}

/// `v` with up to `digits` decimals, trailing zeros dropped (`0.1`, `12`, `0.0012`).
fn trim_float(v: f64, digits: usize) -> String {
    let s = format!("{v:.digits$}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

/// A component named in `components`: `function:api`, `api:shop`, `service:web`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentRef {
    pub kind: Kind,
    pub name: String,
    /// The name is a `copies = N` function: it stands for `NAME-0` .. `NAME-(N-1)`.
    pub copies: bool,
}

impl ComponentRef {
    pub(crate) fn matches(&self, kind: Kind, name: &str) -> bool {
        kind == self.kind
            && (name == self.name
                || (self.copies
                    && name
                        .strip_prefix(self.name.as_str())
                        .and_then(|r| r.strip_prefix('-'))
                        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))))
    }
}

/// Validated `[slo]`: at least one limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Slo {
    /// Limits in [`ALL_KEYS`] order.
    pub limits: Vec<(SloKey, f64)>,
    /// Only these components; `None`: every function, API and service.
    pub components: Option<Vec<ComponentRef>>,
    /// The section as written (normalised), for the sweep's manifest and the recommendation.
    pub raw: RawSlo,
}

/// The names a scenario gives its components, to check `components` against.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub functions: Vec<String>,
    /// Names of `copies = N` groups.
    pub copy_groups: Vec<String>,
    pub apis: Vec<String>,
    pub services: Vec<String>,
    /// Components declared in the scenario but invalid (`function:NAME`, ...): reported
    /// already, so a reference to one says so rather than listing the valid ones.
    pub invalid: Vec<String>,
}

impl RawSlo {
    fn limit(&self, key: SloKey) -> Option<f64> {
        match key {
            SloKey::P50Ms => self.p50_ms,
            SloKey::P90Ms => self.p90_ms,
            SloKey::P95Ms => self.p95_ms,
            SloKey::P99Ms => self.p99_ms,
            SloKey::MeanMs => self.mean_ms,
            SloKey::ThrottleRatio => self.throttle_ratio,
            SloKey::ColdStartRatio => self.cold_start_ratio,
            SloKey::ErrorRatio => self.error_ratio,
            SloKey::RejectedRatio => self.rejected_ratio,
            SloKey::CostUsd => self.cost_usd,
        }
    }

    /// Sets one limit (`--slo KEY=VALUE`).
    pub fn set_limit(&mut self, key: SloKey, v: Option<f64>) {
        let slot = match key {
            SloKey::P50Ms => &mut self.p50_ms,
            SloKey::P90Ms => &mut self.p90_ms,
            SloKey::P95Ms => &mut self.p95_ms,
            SloKey::P99Ms => &mut self.p99_ms,
            SloKey::MeanMs => &mut self.mean_ms,
            SloKey::ThrottleRatio => &mut self.throttle_ratio,
            SloKey::ColdStartRatio => &mut self.cold_start_ratio,
            SloKey::ErrorRatio => &mut self.error_ratio,
            SloKey::RejectedRatio => &mut self.rejected_ratio,
            SloKey::CostUsd => &mut self.cost_usd,
        };
        *slot = v;
    }
}

/// The keys `[slo]` accepts, for messages.
pub fn allowed_keys() -> String {
    let mut keys: Vec<&str> = ALL_KEYS.iter().map(|k| k.as_str()).collect();
    keys.push("components");
    keys.join(", ")
}

impl Slo {
    /// Checks `[slo]` against the scenario's components; every problem is listed, its key
    /// under `slo.`.
    pub fn from_raw(raw: &RawSlo, names: &Names) -> Result<Slo, Vec<Problem>> {
        let problems = std::cell::RefCell::new(Vec::new());
        let bad = |key: &str, message: String| {
            let key = if key.is_empty() { "slo".to_string() } else { format!("slo.{key}") };
            problems.borrow_mut().push(Problem { key, message });
        };
        let mut limits = Vec::new();
        for key in ALL_KEYS {
            let Some(v) = raw.limit(key) else { continue };
            let ok = if key.is_ratio() {
                (0.0..=1.0).contains(&v)
            } else if key == SloKey::CostUsd {
                v.is_finite() && v >= 0.0
            } else {
                v.is_finite() && v > 0.0
            };
            if !ok {
                let allowed = if key.is_ratio() {
                    "a ratio in 0..=1 (0.001 = 0.1%)"
                } else if key == SloKey::CostUsd {
                    "a budget in US dollars, 0 or more"
                } else {
                    "milliseconds above 0"
                };
                bad(key.as_str(), format!("{v} is not allowed; use {allowed}"));
                continue;
            }
            limits.push((key, v));
        }
        if limits.is_empty() && problems.borrow().is_empty() {
            bad(
                "",
                format!(
                    "sets no limit; give at least one of {}",
                    ALL_KEYS.map(|k| k.as_str()).join(", ")
                ),
            );
        }
        let components = raw.components.as_ref().map(|list| {
            if list.is_empty() {
                bad(
                    "components",
                    "is empty; leave it out to apply the SLOs to every component, or name some \
                     (e.g. [\"function:api\", \"service:web\"])"
                        .into(),
                );
            }
            let mut refs: Vec<ComponentRef> = Vec::new();
            for (i, item) in list.iter().enumerate() {
                let at = format!("components[{i}]");
                let Some((kind, name)) = item.split_once(':') else {
                    bad(
                        &at,
                        format!(
                            "\"{item}\" is not KIND:NAME; use function:NAME, api:NAME or service:NAME"
                        ),
                    );
                    continue;
                };
                let (kind, known, groups): (Kind, &[String], &[String]) = match kind {
                    "function" => (Kind::Function, &names.functions, &names.copy_groups),
                    "api" => (Kind::Api, &names.apis, &[]),
                    "service" => (Kind::Service, &names.services, &[]),
                    other => {
                        bad(
                            &at,
                            format!(
                                "\"{item}\": \"{other}\" is not a kind of component; use function, api or service"
                            ),
                        );
                        continue;
                    }
                };
                let copies = groups.iter().any(|g| g == name);
                if !copies && !known.iter().any(|n| n == name) {
                    if names.invalid.iter().any(|i| i == item) {
                        bad(
                            &at,
                            format!(
                                "\"{item}\": {} \"{name}\" is declared but invalid, see above",
                                kind.as_str()
                            ),
                        );
                        continue;
                    }
                    let mut all: Vec<&str> = known.iter().map(String::as_str).collect();
                    all.extend(groups.iter().map(String::as_str));
                    let listed = if all.is_empty() {
                        format!("the scenario has no {}", kind.block())
                    } else {
                        format!("the scenario's {}: {}", kind.block(), list_some(&all))
                    };
                    bad(&at, format!("\"{item}\" names no {}; {listed}", kind.as_str()));
                    continue;
                }
                let r = ComponentRef { kind, name: name.to_string(), copies };
                if refs.contains(&r) {
                    bad(&at, format!("\"{item}\" is listed twice"));
                    continue;
                }
                refs.push(r);
            }
            refs
        });
        // a limit that applies to nothing is almost surely a mistake (a rejected_ratio for a
        // scenario without services)
        let present = |kind: Kind| match &components {
            Some(refs) => refs.iter().any(|r| r.kind == kind),
            None => match kind {
                Kind::Function => !names.functions.is_empty(),
                Kind::Api => !names.apis.is_empty(),
                Kind::Service => !names.services.is_empty(),
            },
        };
        let components_ok = problems.borrow().iter().all(|p| !p.key.starts_with("slo.components"));
        for (key, _) in limits.iter().filter(|_| components_ok) {
            let kinds = key.applies_to();
            if !kinds.is_empty() && !kinds.iter().any(|k| present(*k)) {
                let scope =
                    if components.is_some() { "slo.components names" } else { "the scenario has" };
                bad(
                    key.as_str(),
                    format!(
                        "applies to {}, and {scope} none; remove it or name such a component",
                        kinds.iter().map(|k| k.block()).collect::<Vec<_>>().join(" or ")
                    ),
                );
            }
        }
        let problems = problems.into_inner();
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Slo { limits, components, raw: raw.clone() })
    }

    /// The section as JSON (the keys of `[slo]`), for manifests and `recommendation.json`.
    pub fn to_json(&self) -> Json {
        serde_json::to_value(&self.raw).unwrap_or(Json::Null)
    }

    /// Reads [`Slo::to_json`] back (from a sweep's manifest); the components are not checked
    /// against a scenario again, as they were when the sweep was prepared.
    pub fn from_json(v: &Json) -> Option<Slo> {
        let raw: RawSlo = serde_json::from_value(v.clone()).ok()?;
        let mut limits = Vec::new();
        for key in ALL_KEYS {
            if let Some(v) = raw.limit(key) {
                limits.push((key, v));
            }
        }
        if limits.is_empty() {
            return None;
        }
        let components = raw.components.as_ref().map(|list| {
            list.iter()
                .filter_map(|item| {
                    let (kind, name) = item.split_once(':')?;
                    let kind = Kind::ALL.into_iter().find(|k| k.as_str() == kind)?;
                    // without the scenario a `copies` group cannot be told from a function, so a
                    // function's name also covers NAME-0, NAME-1, ...
                    Some(ComponentRef {
                        kind,
                        name: name.to_string(),
                        copies: kind == Kind::Function,
                    })
                })
                .collect::<Vec<_>>()
        });
        if components
            .as_ref()
            .is_some_and(|c| c.len() != raw.components.as_ref().map_or(0, Vec::len))
        {
            return None;
        }
        Some(Slo { limits, components, raw })
    }

    /// The limit of `key`, if set.
    pub fn limit(&self, key: SloKey) -> Option<f64> {
        self.limits.iter().find(|l| l.0 == key).map(|l| l.1)
    }

    /// `p99_ms <= 300 ms, throttle_ratio <= 0.1%` for messages.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self
            .limits
            .iter()
            .map(|(k, v)| format!("{} <= {}", k.as_str(), k.format(*v)))
            .collect();
        if let Some(c) = &self.raw.components {
            parts.push(format!("for {}", c.join(", ")))
        }
        parts.join(", ")
    }
}

/// Up to 12 names, then how many more.
fn list_some(names: &[&str]) -> String {
    let mut s = names.iter().take(12).copied().collect::<Vec<_>>().join(", ");
    if names.len() > 12 {
        s.push_str(&format!(", ... ({} in all)", names.len()));
    }
    s
}
