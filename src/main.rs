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
    /// Simulate a scenario; write summary.json, timeseries.csv, charts (and logs), print a table.
    Run(RunArgs),
    /// Check a scenario and list every problem in it, without running it.
    Validate(ScenarioArgs),
    /// Work with trace files.
    #[command(subcommand)]
    Trace(TraceCommand),
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
struct ScenarioArgs {
    /// The scenario file (TOML; see SCENARIO.md for the keys).
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

fn parse_override(s: &str) -> Result<Override, String> {
    s.parse()
}

/// Exit codes: 0 success, 1 a failure while running or writing, 2 bad input (scenario or flags).
const EXIT_FAILURE: u8 = 1;
const EXIT_BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
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
        Command::Validate(args) => match config::load(&args.file, &args.set)
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
        Command::Run(args) => {
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
            if let Some(seed) = args.seed {
                scenario.seed = seed;
            }
            let opts = RunOptions {
                out_dir: args.out,
                charts: !args.no_charts,
                threads: args.threads.map(usize::from),
                logs: args.logs_sample.or(args.logs.then_some(SampleRate::ALL)),
            };
            match app::run_scenario(&scenario, &opts) {
                Ok(report) => {
                    if !args.quiet {
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
