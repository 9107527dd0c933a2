//! `slsim import cfn TEMPLATE`: a CloudFormation template (JSON or YAML; SAM after transform,
//! `cdk synth` output and `serverless package` output are plain CloudFormation) to a scenario.
//!
//! ```text
//! YAML (short tags) --.
//!                     +--> JSON-like tree --> resolve (Ref, GetAtt, Sub, If, ...) --> map --> Infra --> TOML
//! JSON ---------------'
//! ```
//!
//! YAML is read with `serde_norway` (a maintained fork of serde_yaml): its `Value::Tagged`
//! keeps the short-form tags (`!Ref`, `!GetAtt`, `!Sub`...), which plain serde_yaml 0.9 keeps too
//! but no longer receives fixes. Each tag becomes the long form (`!Ref x` -> `{"Ref": x}`,
//! `!GetAtt a.b` -> `{"Fn::GetAtt": ["a", "b"]}`, `!X v` -> `{"Fn::X": v}`), so one resolver
//! handles both syntaxes.

mod api;
mod ecs;
mod map;
pub mod resolve;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::infra::{self, Infra};
use super::{ImportError, Output};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The template: CloudFormation JSON or YAML (SAM after transform, `cdk synth` output).
    pub template: PathBuf,
    /// A template parameter's value (repeatable); parameters not given take their `Default`.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    #[command(flatten)]
    pub usage: super::usage::UsageArgs,
}

/// Reads the template and writes the scenario; `stem` names the scenario (`simulation.name`).
pub fn import(args: &Args, stem: &str) -> Result<Output, ImportError> {
    let (infra, output) = structure(&args.template, &args.params, stem, None)?;
    super::usage::with_traffic(&infra, output, &args.usage, stem, |t| {
        structure(&args.template, &args.params, stem, Some(t)).map(|(_, o)| o)
    })
}

/// The structure of a template: the infrastructure model (for composing with traffic from
/// another import) and the scenario written from it. `params` are `NAME=VALUE` strings.
pub fn structure(
    template: &Path,
    params: &[String],
    stem: &str,
    traffic: Option<&super::usage::Traffic>,
) -> Result<(Infra, Output), ImportError> {
    let text = super::read_text(template, "the template")?;
    let mut overrides = BTreeMap::new();
    for p in params {
        let Some((k, v)) = p.split_once('=') else {
            return Err(ImportError::new(template, format!("--param {p}"), "expected NAME=VALUE"));
        };
        overrides.insert(k.trim().to_string(), v.to_string());
    }
    let root = parse(template, &text)?;
    let infra = map::map(template, &root, &overrides, stem)?;
    let header = vec![
        format!("Imported by `slsim import cfn` from {}.", template.display()),
        "Structure only: memory, timeouts, concurrency, mappings, routes, throttles and capacity as the \
         template sets them; AWS defaults where it sets nothing."
            .to_string(),
        "Parameters take their Default unless given with --param NAME=VALUE.".to_string(),
    ];
    finish(template, "Resources", "unresolved", infra, &header, stem, traffic)
}

/// The scenario of an infrastructure model, checked (with the traffic's data files) and with
/// the one-line count for the terminal; shared by `import cfn` and `import terraform`. `place`
/// is where a model with nothing to simulate is reported; `unknown` names the values that
/// could not be resolved ("unresolved", "unknown").
pub(crate) fn finish(
    file: &Path,
    place: &str,
    unknown: &str,
    infra: Infra,
    header: &[String],
    stem: &str,
    traffic: Option<&super::usage::Traffic>,
) -> Result<(Infra, Output), ImportError> {
    let scenario =
        infra::write_scenario(&infra, header, &infra::clean_name(stem, true, 128), traffic)
            .map_err(|m| ImportError::new(file, place, m))?;
    check(file, &scenario, traffic.map_or(&[][..], |t| &t.files))?;
    let messages = vec![format!(
        "{}: {} function(s), {} queue(s), {} API(s), {} service(s); {} resource(s) not modelled; {} {unknown} value(s)",
        file.display(),
        infra.functions.len(),
        infra.queues.len(),
        infra.apis.len(),
        infra.services.len(),
        infra.unmodelled.len(),
        infra.notes.len()
    )];
    Ok((infra, Output { scenario, files: Vec::new(), messages }))
}

/// Maps a CloudFormation-shaped tree (as `import terraform` builds) to the infrastructure model.
pub(crate) fn map_template(
    file: &Path,
    root: &Value,
    overrides: &BTreeMap<String, String>,
    stem: &str,
) -> Result<Infra, ImportError> {
    map::map(file, root, overrides, stem)
}

/// The scenario written must load; a template value slsim refuses (an instance type it does not
/// price, a runtime setting it does not allow) is reported here rather than written.
/// `files` are the data files the scenario refers to (written to a temporary folder for the
/// check).
pub(crate) fn check(
    file: &Path,
    scenario: &str,
    files: &[(String, Vec<u8>)],
) -> Result<(), ImportError> {
    let dir = tempfile::tempdir()
        .map_err(|e| ImportError::new(file, "", format!("cannot make a temporary folder: {e}")))?;
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes)
            .map_err(|e| ImportError::new(file, "", format!("cannot write {name}: {e}")))?;
    }
    let path = dir.path().join("imported.toml");
    crate::config::load_str(&path, scenario, &[]).map(|_| ()).map_err(|e| {
        let what = if files.is_empty() {
            "the scenario built from it does not validate (change the value in the template or \
             edit the scenario by hand)"
        } else {
            "the scenario built from it and the --usage traffic does not validate (check the \
             --usage files, or the value in the template)"
        };
        ImportError::new(file, "", format!("{what}:\n{e}"))
    })
}

/// Parses JSON (the text starts with `{`) or YAML into one JSON-like tree.
pub fn parse(file: &Path, text: &str) -> Result<Value, ImportError> {
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text).map_err(|e| {
            ImportError::new(
                file,
                format!("line {} column {}", e.line(), e.column()),
                format!("not valid JSON: {e}"),
            )
        });
    }
    let y: serde_norway::Value = serde_norway::from_str(text).map_err(|e| {
        let place = e
            .location()
            .map(|l| format!("line {} column {}", l.line(), l.column()))
            .unwrap_or_default();
        ImportError::new(file, place, format!("not valid YAML: {e}"))
    })?;
    let v = from_yaml(y).map_err(|m| ImportError::new(file, "", m))?;
    if !v.is_object() {
        return Err(ImportError::new(file, "", "a template is a mapping with a Resources section"));
    }
    Ok(v)
}

fn from_yaml(y: serde_norway::Value) -> Result<Value, String> {
    use serde_norway::Value as Y;
    Ok(match y {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64().and_then(serde_json::Number::from_f64).map_or(Value::Null, Value::Number)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(s) => Value::Array(s.into_iter().map(from_yaml).collect::<Result<_, _>>()?),
        Y::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let k = match from_yaml(k)? {
                    Value::String(s) => s,
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                out.insert(k, from_yaml(v)?);
            }
            Value::Object(out)
        }
        Y::Tagged(t) => {
            let tag = t.tag.to_string();
            let name = tag.trim_start_matches('!');
            let inner = from_yaml(t.value)?;
            let (key, arg) = match name {
                "Ref" => ("Ref".to_string(), inner),
                "Condition" => ("Condition".to_string(), inner),
                "GetAtt" => {
                    let arg = match inner {
                        Value::String(s) => match s.split_once('.') {
                            Some((a, b)) => {
                                Value::Array(vec![Value::String(a.into()), Value::String(b.into())])
                            }
                            None => {
                                return Err(format!("!GetAtt {s}: expected LogicalId.Attribute"));
                            }
                        },
                        other => other,
                    };
                    ("Fn::GetAtt".to_string(), arg)
                }
                "Sub" | "Join" | "Select" | "If" | "Equals" | "Not" | "And" | "Or"
                | "FindInMap" | "Base64" | "Split" | "ImportValue" | "GetAZs" | "Cidr"
                | "Length" | "ToJsonString" | "Transform" => (format!("Fn::{name}"), inner),
                other => {
                    return Err(format!(
                        "unknown YAML tag !{other}; CloudFormation's short forms are !Ref, !GetAtt, !Sub, !Join, !Select, !If, !Equals, !Not, !And, !Or, !FindInMap, !Base64, !Split, !ImportValue, !GetAZs, !Condition"
                    ));
                }
            };
            let mut m = Map::new();
            m.insert(key, arg);
            Value::Object(m)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_tags_become_long_forms() {
        let v = parse(
            Path::new("t.yaml"),
            "Resources:\n  A:\n    Type: X\n    Properties:\n      N: !Ref P\n      G: !GetAtt Q.Arn\n      S: !Sub '${AWS::Region}-x'\n      J: !Join [',', [a, !Ref P]]\n",
        )
        .unwrap();
        let p = &v["Resources"]["A"]["Properties"];
        assert_eq!(p["N"], serde_json::json!({"Ref": "P"}));
        assert_eq!(p["G"], serde_json::json!({"Fn::GetAtt": ["Q", "Arn"]}));
        assert_eq!(p["S"], serde_json::json!({"Fn::Sub": "${AWS::Region}-x"}));
        assert_eq!(p["J"], serde_json::json!({"Fn::Join": [",", ["a", {"Ref": "P"}]]}));
    }

    #[test]
    fn bad_yaml_names_the_line() {
        let e = parse(Path::new("t.yaml"), "Resources:\n  A:\n    Type: [unclosed\n").unwrap_err();
        assert!(e.place.starts_with("line "), "{e}");
        let e = parse(Path::new("t.json"), "{\n  \"Resources\": {,\n}").unwrap_err();
        assert_eq!(e.place, "line 2 column 17");
    }
}
