//! Every class of bad input gets an error naming the file, the key, the value and what is
//! allowed, and a non-zero exit from the binary: never a panic.

use std::path::Path;
use std::process::Command;

use slsim::config::{self, Override};

const GOOD: &str = r#"
[simulation]
name = "ok"
duration = "1m"
[[lambda.function]]
name = "f"
runtime = "nodejs20.x"
[[workload]]
name = "w"
target = "function:f"
arrivals = { process = "poisson", rate = 1.0 }
duration = "100ms"
"#;

fn error_of(text: &str) -> String {
    match config::load_str(Path::new("bad.toml"), text, &[]) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// GOOD with one line replaced.
fn with(from: &str, to: &str) -> String {
    assert!(GOOD.contains(from), "{from}");
    GOOD.replacen(from, to, 1)
}

fn assert_mentions(err: &str, parts: &[&str]) {
    assert!(err.starts_with("bad.toml"), "names the file: {err}");
    for p in parts {
        assert!(err.contains(p), "error should mention {p:?}:\n{err}");
    }
}

#[test]
fn the_good_scenario_is_valid() {
    config::load_str(Path::new("bad.toml"), GOOD, &[]).unwrap();
}

#[test]
fn unknown_keys_are_named() {
    let e = error_of(&with("runtime = \"nodejs20.x\"", "runtime = \"nodejs20.x\"\nmemory = 512"));
    assert_mentions(
        &e,
        &["lambda.function \"f\"", "unknown key `memory`", "did you mean `memory_size`?"],
    );
}

#[test]
fn wrong_types_name_the_key_path() {
    let e = error_of(&with(
        "runtime = \"nodejs20.x\"",
        "runtime = \"nodejs20.x\"\nmemory_size = \"big\"",
    ));
    assert_mentions(
        &e,
        &["lambda.function \"f\".memory_size", "\"big\" is a string; expected an integer"],
    );
}

#[test]
fn bare_numbers_as_durations_are_told_to_add_a_unit() {
    let e = error_of(&with("duration = \"1m\"", "duration = 60"));
    assert_mentions(&e, &["simulation.duration", "60", "add a unit"]);
    let e = error_of(&with("duration = \"100ms\"", "duration = \"100 msec\""));
    assert_mentions(&e, &["workload \"w\".duration", "msec"]);
}

#[test]
fn out_of_range_values_say_what_is_allowed() {
    for (line, key, allowed) in [
        ("memory_size = 64", "lambda.function \"f\".memory_size", "128..=10240"),
        ("timeout = \"20m\"", "lambda.function \"f\".timeout", "900s"),
        ("ephemeral_storage = 100", "lambda.function \"f\".ephemeral_storage", "512..=10240"),
        ("error_rate = 1.5", "lambda.function \"f\".error_rate", "0.0..=1.0"),
        ("maximum_retry_attempts = 3", "lambda.function \"f\".maximum_retry_attempts", "0..=2"),
        (
            "keep_alive = { dist = \"uniform\", low = \"10m\", high = \"1m\" }",
            "lambda.function \"f\".keep_alive",
            "below low",
        ),
    ] {
        let e = error_of(&with(
            "runtime = \"nodejs20.x\"",
            &format!("runtime = \"nodejs20.x\"\n{line}"),
        ));
        assert_mentions(&e, &[key, allowed]);
    }
    let e = error_of(&with("rate = 1.0", "rate = -5.0"));
    assert_mentions(&e, &["workload \"w\".arrivals.rate", "-5"]);
    let e = error_of(&with("duration = \"1m\"", "duration = \"1m\"\nwarmup = \"2m\""));
    assert_mentions(&e, &["simulation.warmup", "shorter"]);
}

#[test]
fn unknown_names_list_the_known_ones() {
    let e = error_of(&with("\"nodejs20.x\"", "\"cobol85\""));
    assert_mentions(&e, &["lambda.function \"f\".runtime", "cobol85", "python3.12"]);
    let e = error_of(&with("target = \"function:f\"", "target = \"function:g\""));
    assert_mentions(&e, &["workload \"w\".target", "\"g\"", "declared functions: f"]);
    let e = error_of(&with("process = \"poisson\"", "process = \"bursty\""));
    assert_mentions(&e, &["workload \"w\".arrivals.process", "bursty", "poisson"]);
    let e = error_of(&format!("{GOOD}\n[pricing]\nregion = \"mars-1\"\n"));
    assert_mentions(&e, &["pricing.region", "mars-1", "us-east-1"]);
}

#[test]
fn concurrency_rules_are_enforced() {
    let e = error_of(&with(
        "runtime = \"nodejs20.x\"",
        "runtime = \"nodejs20.x\"\nreserved_concurrency = 950",
    ));
    assert_mentions(&e, &["reserved_concurrency", "950", "unreserved_minimum = 100"]);
    let e = error_of(&with(
        "runtime = \"nodejs20.x\"",
        "runtime = \"nodejs20.x\"\nreserved_concurrency = 5\nprovisioned_concurrency = 6",
    ));
    assert_mentions(
        &e,
        &["lambda.function \"f\".provisioned_concurrency", "6", "reserved_concurrency = 5"],
    );
    let dup = GOOD.replace(
        "[[workload]]",
        "[[lambda.function]]\nname = \"f\"\nruntime = \"java21\"\n[[workload]]",
    );
    assert_mentions(&error_of(&dup), &["lambda.function[1].name", "twice"]);
}

#[test]
fn missing_required_settings_are_explained() {
    let e = error_of(&with("runtime = \"nodejs20.x\"", ""));
    assert_mentions(&e, &["lambda.function \"f\".runtime", "init_duration"]);
    let e = error_of(&with("name = \"ok\"\n", ""));
    assert_mentions(&e, &["simulation", "name"]);
}

#[test]
fn features_of_later_releases_are_refused_clearly() {
    let e = error_of(&with("target = \"function:f\"", "target = \"service:web\""));
    assert_mentions(&e, &["workload \"w\".target", "service:web", "no service named"]);
    // a [sweep] section is run by `slsim sweep`, but its mistakes are caught by every command
    let e = error_of(&format!("{GOOD}\n[sweep]\nmode = \"grid\"\n"));
    assert_mentions(&e, &["sweep.parameters", "nothing to sweep"]);
    let e = error_of(&format!("{GOOD}\n[sweep]\nmode = \"all\"\n[sweep.parameters]\nx = [1]\n"));
    assert_mentions(&e, &["sweep.mode", "\"all\"", "\"grid\", \"zip\""]);
}

#[test]
fn all_problems_are_listed_at_once() {
    let text = with(
        "runtime = \"nodejs20.x\"",
        "runtime = \"nodejs20.x\"\nmemory_size = 1\ntimeout = \"0s\"",
    );
    let e = error_of(&text.replace("rate = 1.0", "rate = 0.0"));
    assert_eq!(e.lines().count(), 3, "{e}");
}

#[test]
fn toml_syntax_errors_show_the_line() {
    let e = error_of("[simulation\nname = 1");
    assert_mentions(&e, &["line 1"]);
}

#[test]
fn empirical_file_problems_name_the_file() {
    let e = error_of(&with(
        "duration = \"100ms\"",
        "duration = { dist = \"empirical\", path = \"nope.csv\" }",
    ));
    assert_mentions(&e, &["workload \"w\".duration", "nope.csv"]);
}

#[test]
fn bad_overrides_name_the_flag() {
    let bad: Override = "lambda.function.zzz.memory_size=1024".parse().unwrap();
    let e = config::load_str(Path::new("bad.toml"), GOOD, &[bad]).unwrap_err().to_string();
    assert_mentions(&e, &["--set lambda.function.zzz.memory_size", "zzz", "f"]);
    let ok: Override = "lambda.function.f.memory_size=64".parse().unwrap();
    let e = config::load_str(Path::new("bad.toml"), GOOD, &[ok]).unwrap_err().to_string();
    assert_mentions(&e, &["lambda.function \"f\".memory_size", "64"]);
}

fn slsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_slsim")).args(args).output().expect("the binary runs")
}

#[test]
fn the_binary_exits_2_on_bad_input_without_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, GOOD.replace("rate = 1.0", "rate = \"fast\"")).unwrap();
    let bad = bad.to_str().unwrap();
    for args in [
        vec!["run", bad],
        vec!["validate", bad],
        vec!["run", "/no/such/file.toml"],
        vec!["run", bad, "--set", "novalue"],
        vec!["run", bad, "--threads", "0"],
        vec!["fly"],
    ] {
        let out = slsim(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.is_empty());
    }
    let out = slsim(&["run", bad]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("workload \"w\".arrivals.rate"));
}

#[test]
fn an_unwritable_output_folder_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("ok.toml");
    std::fs::write(&scenario, GOOD).unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "not a folder").unwrap();
    let out =
        slsim(&["run", scenario.to_str().unwrap(), "--out", blocker.join("sub").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot create the output folder"));
}

#[test]
fn references_to_invalid_items_say_so() {
    // f is declared but invalid: the workload's target says so instead of listing none
    let e =
        error_of(&with("runtime = \"nodejs20.x\"", "runtime = \"nodejs20.x\"\nmemory_size = 1"));
    assert_mentions(&e, &["memory_size"]);
    let e = error_of(&with("runtime = \"nodejs20.x\"", "runtime = \"cobol85\""));
    assert_mentions(&e, &["function \"f\" is declared but invalid, see above"]);
    assert!(!e.contains("declared functions: (none)"), "{e}");
    // a queue whose target is missing is invalid, and so named by a workload
    let q = format!(
        "{}\n[[queue]]\nname = \"q\"\nkind = \"sqs\"\ntarget = \"function:nope\"\n",
        with("target = \"function:f\"", "target = \"queue:q\"")
    );
    let e = error_of(&q);
    assert_mentions(
        &e,
        &["declared functions: f", "queue \"q\" is declared but invalid, see above"],
    );
}

#[test]
fn items_are_named_by_name_and_long_values_are_cut() {
    let e =
        error_of(&with("runtime = \"nodejs20.x\"", "runtime = \"nodejs20.x\"\nmemory_size = 1"));
    assert_mentions(&e, &["lambda.function \"f\".memory_size"]);
    let long = "g".repeat(100_000);
    let e = error_of(&with("target = \"function:f\"", &format!("target = \"function:{long}\"")));
    assert_mentions(&e, &["workload \"w\".target", "(100009 characters)", "(100000 characters)"]);
    assert!(e.len() < 1000, "{} bytes", e.len());
    let many: String = (0..30)
        .map(|i| format!("[[lambda.function]]\nname = \"f{i}\"\nruntime = \"nodejs20.x\"\n"))
        .collect();
    let e = error_of(
        &with("[[workload]]", &format!("{many}[[workload]]"))
            .replace("target = \"function:f\"", "target = \"function:g\""),
    );
    assert_mentions(&e, &["declared functions: f, f0,", "and 21 more"]);
}

/// A scenario replaying an azure2019 trace whose files are written to `dir`.
fn azure2019_error(dir: &Path, files: &[(&str, &str)], extra: &str) -> String {
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let text = format!(
        "[simulation]\nname = \"t\"\nduration = \"1h\"\n[[trace]]\nname = \"az\"\n\
         format = \"azure2019\"\ninvocations = \"inv.csv\"\ndurations = \"dur.csv\"\n{extra}"
    );
    match config::load_str(&dir.join("bad.toml"), &text, &[]) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

const INV: &str =
    "HashOwner,HashApp,HashFunction,Trigger,1,2\no,a,aaaa,http,1,2\no,a,bbbb,http,1,2\n";
const DUR: &str = "HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,\
percentile_Average_0,percentile_Average_1,percentile_Average_25,percentile_Average_50,\
percentile_Average_75,percentile_Average_99,percentile_Average_100\n\
o,a,aaaa,10,1,,,5,5,8,10,12,20,30\no,a,bbbb,10,1,,,5,5,8,10,12,20,30\n";

#[test]
fn bad_trace_files_and_templates_are_blamed_on_their_keys() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let e = azure2019_error(d, &[("inv.csv", INV), ("dur.csv", "nothing,useful\n")], "");
    assert!(e.contains("trace \"az\".durations"), "{e}");
    let e = azure2019_error(d, &[("dur.csv", DUR)], "memory = \"nope.csv\"");
    assert!(e.contains("trace \"az\".memory") && e.contains("nope.csv"), "{e}");
    // a bad template value: once, at the template, not once per trace function
    let e = azure2019_error(d, &[], "template = { runtime = \"cobol85\" }");
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains("trace \"az\".template.runtime") && e.contains("cobol85"), "{e}");
    // an unknown format lists the known ones
    let text = "[simulation]\nname = \"t\"\nduration = \"1h\"\n[[trace]]\nname = \"az\"\n\
                format = \"azure2020\"\npath = \"x.csv\"\n";
    let e = config::load_str(&d.join("bad.toml"), text, &[]).unwrap_err().to_string();
    assert!(e.contains("azure2019") && e.contains("azure2021") && e.contains("requests"), "{e}");
}

#[test]
fn seeds_above_i64_can_be_set_and_ranges_can_be_swept() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ok.toml");
    std::fs::write(&file, GOOD).unwrap();
    let out = dir.path().join("out");
    let (file, out) = (file.to_str().unwrap(), out.to_str().unwrap());
    let r = slsim(&[
        "run",
        file,
        "--quiet",
        "--no-charts",
        "--out",
        out,
        "--set",
        "simulation.seed=18446744073709551615",
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let p = slsim::sweep::parse_param("lambda.function.f.memory_size={from=128,to=512,step=128}")
        .unwrap();
    let t: toml::Table = toml::from_str(GOOD).unwrap();
    let spec = slsim::config::sweep::SweepSpec::from_table(&t, &[p]);
    assert!(spec.is_ok(), "{spec:?}");
}
