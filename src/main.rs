//! The `slsim` command line: parse, load, validate, run, export. Everything else is library code.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use slsim::app::{self, RunOptions};
use slsim::config::{self, Override};
use slsim::lambda::logs::SampleRate;
use slsim::report::table;

/// slsim: simulate serverless capacity, latency and cost (AWS Lambda) from a scenario file.
#[derive(Parser)]
#[command(name = "slsim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate a scenario; write summary.json, functions.csv, timeseries.csv, charts (and logs), print a table.
    Run(RunArgs),
    /// Run every point of the scenario's [sweep] section (and --param lists) in parallel;
    /// write sweep.csv, each point's summary and the sweep's charts.
    Sweep(SweepArgs),
    /// Combine the output folders of `slsim sweep --shard I/N` runs into what one unsharded
    /// run writes, byte for byte.
    Merge(MergeArgs),
    /// From a finished sweep's folder, print the cheapest point meeting the scenario's [slo]
    /// (and --slo), the runner-up and why the others fail; write recommendation.json.
    /// Exit code 0: a point meets every SLO; 1: none does; 2: bad input.
    Recommend(RecommendArgs),
    /// Check a scenario and list every problem in it, without running it.
    Validate(ScenarioArgs),
    /// Work with trace files.
    #[command(subcommand)]
    Trace(TraceCommand),
    /// Write a scenario (and the data files it needs) from what you already have: Lambda
    /// REPORT logs, CloudWatch metrics, Power Tuning results, CloudFormation or Terraform.
    /// Works offline on exported files.
    Import(ImportArgs),
    /// Compare observed figures (observed.csv from `slsim import`, REPORT logs or CloudWatch
    /// exports) with a run's timeseries.csv, period by period; write compare.json, an overlay
    /// chart and a section of report.html, print a verdict. Exit code 0: compared; 2: bad input (nothing written); 1: cannot write.
    Compare(slsim::compare::Args),
    /// Print the JSON Schema (draft-07) of the scenario format, for editors: save it and put
    /// `#:schema ./slsim.schema.json` on a scenario's first line (Even Better TOML, taplo).
    Schema {
        /// Write the schema to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Print a shell completion script: e.g. `slsim completions bash > ~/.local/share/bash-completion/completions/slsim`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `slsim man > slsim.1 && man ./slsim.1`.
    Man,
}

#[derive(Subcommand)]
enum TraceCommand {
    /// Print what trace files hold: format (from the header), functions, invocations, span,
    /// rate over time, busiest functions, durations, triggers.
    Inspect {
        /// Trace CSV files (azure2019 invocations/durations/memory, azure2021, requests).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Args)]
struct ImportArgs {
    #[command(subcommand)]
    what: ImportCommand,
    /// The scenario to write; data files are written beside it, named after it.
    #[arg(long, global = true, value_name = "FILE", default_value = "imported.toml")]
    out: PathBuf,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Lambda REPORT lines (`aws logs filter-log-events` JSON, saved log text, JSON-format
    /// `platform.report` records): functions, run times, init times, arrivals as a trace.
    Logs(slsim::import::logs::Args),
    /// CloudWatch metric data (`aws cloudwatch get-metric-data` with --queries, or
    /// `get-metric-statistics`): traffic over time and run-time distributions.
    Cloudwatch(slsim::import::cloudwatch::Args),
    /// AWS Lambda Power Tuning results: fits `cpu_bound` and the run time on one vCPU.
    PowerTuning(slsim::import::power_tuning::Args),
    /// A CloudFormation template (JSON or YAML; SAM after transform, `cdk synth` output).
    Cfn(slsim::import::cfn::Args),
    /// A Terraform plan or state as JSON (`terraform show -json`).
    Terraform(slsim::import::terraform::Args),
}

#[derive(Args)]
struct ScenarioArgs {
    /// The scenario file (TOML; `slsim schema` describes its keys, and so does the book's
    /// scenario reference).
    file: PathBuf,
    /// Override one value before validation, e.g. --set lambda.function.api.memory_size=2048
    /// or --set workload.uploads.arrivals.rate=50 (repeatable; items are named by `name`).
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_override)]
    set: Vec<Override>,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// Output folder [default: output/<simulation.name>/].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Master random seed, overriding simulation.seed.
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Worker threads for replications [default: one per core]. Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    threads: Option<u16>,
    /// Skip drawing the PNG charts.
    #[arg(long)]
    no_charts: bool,
    /// Write CloudWatch-style START, END and REPORT lines of every invocation to
    /// logs/<function>.log in the output folder (first replication only).
    #[arg(long)]
    logs: bool,
    /// Log a random sample of invocations instead, each with probability P in (0, 1], e.g.
    /// 0.01; implies --logs. Sampling leaves the results unchanged.
    #[arg(long, value_name = "P")]
    logs_sample: Option<SampleRate>,
    /// Skip malformed trace rows (counted in the summary's `traces` block) instead of
    /// stopping at the first one.
    #[arg(long)]
    skip_bad_rows: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args)]
struct SweepArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// Sweep a key over values, adding to or replacing [sweep.parameters]: e.g.
    /// --param lambda.function.api.memory_size=512,1024,2048 (repeatable).
    #[arg(long = "param", value_name = "KEY=V1,V2,...", value_parser = slsim::sweep::parse_param)]
    param: Vec<Override>,
    /// Output folder [default: output/<simulation.name>/].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Master random seed, overriding simulation.seed (every point uses it).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Worker threads [default: one per core]. Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    threads: Option<u16>,
    /// Skip points whose results are already in the output folder (from an interrupted run).
    #[arg(long)]
    resume: bool,
    /// Run a deterministic share of the points: those whose index is I modulo N. `auto/N` takes
    /// I from AWS_BATCH_JOB_ARRAY_INDEX, SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    shard: Option<slsim::sweep::ShardArg>,
    /// Skip drawing the charts.
    #[arg(long)]
    no_charts: bool,
    /// Print nothing but errors (and no progress bar).
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args)]
struct RecommendArgs {
    /// The scenario whose sweep ran (for its [slo] and simulation.name).
    file: PathBuf,
    /// The sweep's output folder [default: output/<simulation.name>/].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// An objective, adding to or replacing a key of [slo]: e.g. --slo p99_ms=250,
    /// --slo throttle_ratio=0.001, --slo p95_ms=none (drops it),
    /// --slo components=function:api,service:web (repeatable).
    #[arg(long = "slo", value_name = "KEY=VALUE")]
    slo: Vec<String>,
    /// Judge each figure by the upper end of its 95% confidence interval (mean + half-width)
    /// instead of the mean: a point passes only if it meets the SLOs with that confidence.
    #[arg(long)]
    conservative: bool,
    /// How to choose among the points meeting the SLOs: cost (the cheapest; points within
    /// 0.5% of its cost, or within the 95% CI of their paired cost difference, are tied, and
    /// the tie goes to the better latency objective, then the smaller resource), speed (the
    /// lowest latency objective), balanced (see --balance).
    #[arg(long, value_enum, default_value_t = StrategyArg::Cost)]
    strategy: StrategyArg,
    /// With --strategy balanced: the weight W of cost against latency, 0..=1; the point with
    /// the lowest W x cost + (1 - W) x latency wins, each normalised min-max over the passing
    /// points (1 = cost alone, 0 = latency alone).
    #[arg(long, value_name = "W", default_value_t = 0.5, value_parser = parse_balance)]
    balance: f64,
    /// Print nothing but errors (the exit code tells whether a point meets the SLOs).
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args)]
struct MergeArgs {
    /// Output folders of the shards (each written by `slsim sweep --shard I/N`).
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Where to write the merged sweep (may be one of the shard folders).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Skip drawing the charts.
    #[arg(long)]
    no_charts: bool,
}

/// `slsim recommend --strategy`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum StrategyArg {
    Cost,
    Speed,
    Balanced,
}

fn parse_balance(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(w) if (0.0..=1.0).contains(&w) => Ok(w),
        _ => Err(format!("\"{s}\" is not a weight between 0 and 1 (e.g. --balance 0.5)")),
    }
}

fn parse_shard(s: &str) -> Result<slsim::sweep::ShardArg, String> {
    s.parse()
}

fn parse_override(s: &str) -> Result<Override, String> {
    s.parse()
}

/// Warnings printed after a run; the rest are in `summary.json`.
const MAX_TERMINAL_WARNINGS: usize = 20;
/// Exit codes: 0 success, 1 a failure while running or writing, 2 bad input (scenario or flags).
const EXIT_FAILURE: u8 = 1;
const EXIT_BAD_INPUT: u8 = 2;
/// `slsim recommend`: no point of the sweep meets every SLO (an answer, not a crash; writing
/// recommendation.json failing is [`EXIT_FAILURE`] too).
const EXIT_NONE_MEETS: u8 = 1;

fn main() -> ExitCode {
    restore_sigpipe();
    let cli = Cli::parse();
    match cli.command {
        Command::Schema { out: None } => {
            print!("{}", config::schema::schema_text());
            ExitCode::SUCCESS
        }
        Command::Schema { out: Some(path) } => {
            match slsim::files::write_atomic(&path, config::schema::schema_text().as_bytes()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: cannot write {}: {e}", path.display());
                    ExitCode::from(EXIT_FAILURE)
                }
            }
        }
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "slsim", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut page = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut page) {
                Ok(()) => {
                    use std::io::Write;
                    let _ = std::io::stdout().write_all(&page);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: cannot render the man page: {e}");
                    ExitCode::from(EXIT_FAILURE)
                }
            }
        }
        Command::Import(args) => import(args),
        Command::Compare(args) => compare(&args),
        Command::Trace(TraceCommand::Inspect { files }) => {
            let mut code = ExitCode::SUCCESS;
            for f in &files {
                match slsim::trace::inspect::inspect(f) {
                    Ok(text) => print!("{text}"),
                    Err(e) => {
                        eprintln!("error: {e}");
                        code = ExitCode::from(EXIT_BAD_INPUT);
                    }
                }
            }
            code
        }
        Command::Validate(mut args) => match config::load(&args.file, &{
            config::take_seed(&mut args.set);
            args.set
        })
        .map_err(|e| e.to_string())
        .and_then(|s| slsim::trace::check_rows(&s.traces, false).map(|()| s))
        {
            Ok(s) => {
                println!(
                    "{}: valid ({} function(s), {} workload(s), {} trace(s), {} simulated, {} replication(s))",
                    args.file.display(),
                    s.lambda.functions.len(),
                    s.workloads.len(),
                    s.traces.len(),
                    s.duration,
                    s.replications
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(EXIT_BAD_INPUT)
            }
        },
        Command::Sweep(args) => sweep(args),
        Command::Recommend(args) => recommend(args),
        Command::Merge(args) if args.dirs.iter().any(|d| !d.join("sweep.json").is_file()) => {
            for d in args.dirs.iter().filter(|d| !d.join("sweep.json").is_file()) {
                eprintln!(
                    "error: {} holds no sweep.json: give the output folders of slsim sweep --shard I/N",
                    d.display()
                );
            }
            ExitCode::from(EXIT_BAD_INPUT)
        }
        Command::Merge(args) => match app::merge(&args.dirs, &args.out, !args.no_charts) {
            Ok((points, files)) => {
                println!("merged {points} points into {}", args.out.display());
                for f in files {
                    println!("wrote {}", f.display());
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::from(EXIT_FAILURE)
            }
        },
        Command::Run(mut args) => {
            let set_seed = config::take_seed(&mut args.scenario.set);
            let mut scenario = match config::load(&args.scenario.file, &args.scenario.set) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::from(EXIT_BAD_INPUT);
                }
            };
            if let Err(e) = slsim::trace::check_rows(&scenario.traces, args.skip_bad_rows) {
                eprintln!("{}: {e}", args.scenario.file.display());
                return ExitCode::from(EXIT_BAD_INPUT);
            }
            if let Some(seed) = args.seed.or(set_seed) {
                scenario.seed = seed;
            }
            let opts = RunOptions {
                out_dir: args.out,
                charts: !args.no_charts,
                threads: args.threads.map(usize::from),
                logs: args.logs_sample.or(args.logs.then_some(SampleRate::ALL)),
                progress: !args.quiet,
            };
            match app::run_scenario(&scenario, &opts) {
                Ok(report) => {
                    if !args.quiet {
                        if scenario.has_sweep {
                            eprintln!(
                                "note: ran the scenario as written; `slsim sweep {}` runs the points of its [sweep]",
                                args.scenario.file.display()
                            );
                        }
                        print!("{}", table::render(&report.summary));
                        println!("wrote {}", report.out_dir.display());
                        let secs = report.elapsed.as_secs_f64().max(1e-9);
                        eprintln!(
                            "simulated {} requests ({} events) in {:.3} s: {:.2}M requests/s",
                            report.requests,
                            report.events,
                            secs,
                            report.requests as f64 / secs / 1e6
                        );
                    }
                    // even with --quiet, as cargo prints its warnings; never an exit code
                    // a fleet can warn about thousands of functions: the first ones here,
                    // every one in summary.json
                    let messages = app::warning_messages(&report.summary);
                    for message in messages.iter().take(MAX_TERMINAL_WARNINGS) {
                        eprintln!("warning: {message}");
                    }
                    if messages.len() > MAX_TERMINAL_WARNINGS {
                        eprintln!(
                            "warning: {} more warnings: see `warnings` in {}",
                            messages.len() - MAX_TERMINAL_WARNINGS,
                            report.out_dir.join("summary.json").display()
                        );
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::from(EXIT_FAILURE)
                }
            }
        }
    }
}

fn sweep(mut args: SweepArgs) -> ExitCode {
    let set_seed = config::take_seed(&mut args.scenario.set);
    let shard = match args.shard.map(|s| s.resolve(|k| std::env::var(k).ok())).transpose() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let prepared = match slsim::sweep::prepare(
        &args.scenario.file,
        &args.scenario.set,
        &args.param,
        args.seed.or(set_seed),
    ) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let opts = slsim::sweep::SweepOptions {
        out_dir: args.out,
        threads: args.threads.map(usize::from),
        resume: args.resume,
        shard,
        charts: !args.no_charts,
        progress: !args.quiet,
    };
    match app::sweep(&prepared, &opts) {
        Ok(report) => {
            if !args.quiet {
                let shard =
                    shard.map(|s| format!(" (shard {}/{})", s.index, s.count)).unwrap_or_default();
                eprintln!(
                    "{} of {} points{shard}: {} simulated, {} already done, in {:.1} s",
                    report.in_shard,
                    report.total,
                    report.ran,
                    report.resumed,
                    report.elapsed.as_secs_f64()
                );
                if report.files.is_empty() {
                    println!(
                        "wrote the points of this shard to {}; combine the shards with slsim merge",
                        report.out_dir.display()
                    );
                } else {
                    if let Ok(text) = slsim::report::sweep_outputs::summary_table(&report.out_dir) {
                        print!("{text}");
                    }
                    println!("wrote {}", report.out_dir.display());
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

fn import(args: ImportArgs) -> ExitCode {
    use slsim::import;
    let stem = import::stem(&args.out);
    let output = match &args.what {
        ImportCommand::Logs(a) => import::logs::import(a, &stem),
        ImportCommand::Cloudwatch(a) => import::cloudwatch::import(a, &stem),
        ImportCommand::PowerTuning(a) => import::power_tuning::import(a, &stem),
        ImportCommand::Cfn(a) => import::cfn::import(a, &stem),
        ImportCommand::Terraform(a) => import::terraform::import(a, &stem),
    };
    let output = match output {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    if let Err(e) = import::write_output(&args.out, &output) {
        eprintln!("error: cannot write {}: {e}", args.out.display());
        return ExitCode::from(EXIT_FAILURE);
    }
    for m in &output.messages {
        println!("{m}");
    }
    println!("wrote {}", args.out.display());
    ExitCode::SUCCESS
}

fn compare(args: &slsim::compare::Args) -> ExitCode {
    use slsim::compare::{self, CompareError};
    match compare::run(args) {
        Ok(done) => {
            for line in &done.lines {
                println!("{line}");
            }
            for f in &done.files {
                println!("wrote {}", f.display());
            }
            ExitCode::SUCCESS
        }
        Err(e @ CompareError::Input(_)) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
        Err(e @ CompareError::Io(_)) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

fn recommend(args: RecommendArgs) -> ExitCode {
    let (scenario, slo) = match slsim::recommend::load_slo(&args.file, &args.slo) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let dir = args.out.unwrap_or_else(|| app::default_out_dir(&scenario));
    let manifest = match slsim::sweep::read_manifest(&dir) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e:#}; run slsim sweep {} first", args.file.display());
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    if let Some(name) = manifest["scenario"].as_str()
        && name != scenario.name
    {
        eprintln!(
            "error: {} holds a sweep of the scenario \"{name}\", not of \"{}\" ({}); give --out",
            dir.display(),
            scenario.name,
            args.file.display()
        );
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    use slsim::recommend::Strategy;
    let strategy = match args.strategy {
        StrategyArg::Cost => Strategy::Cost,
        StrategyArg::Speed => Strategy::Speed,
        StrategyArg::Balanced => Strategy::Balanced(args.balance),
    };
    let rec =
        match slsim::recommend::from_manifest(&dir, &manifest, &slo, args.conservative, strategy) {
            Ok((rec, _)) => rec,
            Err(e) => {
                eprintln!(
                    "error: {e:#}; is the sweep finished? (slsim sweep --resume completes it, \
                 slsim merge gathers shards)"
                );
                return ExitCode::from(EXIT_BAD_INPUT);
            }
        };
    let path = match slsim::recommend::write(&dir, &rec) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    if !args.quiet {
        print!("{}", rec.render());
        println!("wrote {}", path.display());
    }
    if rec.best().is_some() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_NONE_MEETS) }
}

/// Dies quietly when the reader of standard output goes away (`slsim ... | head`), as other
/// command-line tools do, instead of panicking on the failed write.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: resetting a signal's disposition to its default at start-up, before any thread
    // exists, has no memory-safety preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
