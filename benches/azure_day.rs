//! A synthetic day in the Azure Functions 2019 format (invocations.csv, durations.csv,
//! memory.csv, as `format = "azure2019"` reads them), for replaying a whole fleet day
//! (benches/azure-day.toml). Not a timed benchmark: a generator run through cargo's bench
//! machinery so it needs no binary target of its own.
//!
//! ```text
//! cargo bench --bench azure_day -- --functions 50000 --out target/azure-day [--seed 1] [--minutes 1440]
//! ```
//!
//! Deterministic: the same arguments write the same bytes. 50,000 functions take a few
//! seconds and about 120 MB of disk (invocations.csv dominates: one cell per function per
//! minute).
//!
//! What the numbers rest on. M. Shahrad et al., "Serverless in the Wild: Characterizing and
//! Optimizing the Serverless Workload at a Large Cloud Provider", USENIX ATC 2020:
//! - Invocation rates (the paper's Figure 5, invocations per day per function and per app):
//!   the paper reports that most functions are invoked very infrequently while the invocation
//!   frequencies span 8 orders of magnitude. It gives that shape, not a fitted law. Here the
//!   daily rate of a function is lognormal with a median of 30 a day and a log standard
//!   deviation of 2.5 (natural log): +-3.7 standard deviations span 10^8, and half of the
//!   functions see about one call an hour or less. Median and spread are our choice.
//! - Bursty minutes: the paper shows invocation patterns that are bursty and hard to predict
//!   (a shape only). Here each minute of a function has a 5 % chance of running at 3 times
//!   its rate; both numbers are ours. A minute's count is Poisson at that minute's rate.
//! - Run times (the paper's Figure 7, average execution time per function): half of the
//!   functions run for less than 1 s on average, so the average run time here is lognormal
//!   with a median of 1 s; its log standard deviation (1.5) and the percentiles within a
//!   function (0.1, 0.2, 0.6, 1, 1.6, 5 and 10 times the average for the 0th, 1st, 25th, 50th,
//!   75th, 99th and 100th) are ours.
//! - Memory (the paper's Figure 8, memory per application): the dataset measures memory per
//!   application, so memory.csv has one row per app (the original per-app layout). The sizes
//!   (128, 150, 200, 300 or 500 MB, equally likely) are ours, not the paper's distribution.
//! - Triggers: the seven trigger groups of the dataset's description; the shares here (half
//!   http) are ours, not the paper's Figure 3.
//! - Apps and owners: 4 functions per app and 10 per owner, our choice.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, LogNormal, Poisson};
use rand_pcg::Pcg64Mcg;

/// What to write.
struct Args {
    functions: u32,
    minutes: u32,
    seed: u64,
    out: PathBuf,
}

const USAGE: &str =
    "usage: cargo bench --bench azure_day -- --functions N --out DIR [--seed S] [--minutes M]";

fn parse() -> Result<Args, String> {
    let mut args = Args {
        functions: 50_000,
        minutes: 1440,
        seed: 1,
        out: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/azure-day"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |what: &str| it.next().ok_or_else(|| format!("{a} needs {what}"));
        match a.as_str() {
            // cargo bench passes --bench to every bench target
            "--bench" => {}
            "--functions" => {
                let v = value("a count")?;
                args.functions = v.parse().map_err(|_| format!("--functions {v}: not a count"))?;
            }
            "--minutes" => {
                let v = value("a count")?;
                args.minutes = match v.parse() {
                    Ok(m) if (1..=100_000).contains(&m) => m,
                    _ => return Err(format!("--minutes {v}: allowed 1..=100000")),
                };
            }
            "--seed" => {
                let v = value("a number")?;
                args.seed = v.parse().map_err(|_| format!("--seed {v}: not a number"))?;
            }
            "--out" => args.out = PathBuf::from(value("a folder")?),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    Ok(args)
}

/// Trigger groups of the dataset and our shares of functions (percent).
const TRIGGERS: [(&str, u32); 7] = [
    ("http", 50),
    ("queue", 15),
    ("timer", 15),
    ("event", 10),
    ("storage", 5),
    ("orchestration", 3),
    ("others", 2),
];
const MEMORY_MB: [u32; 5] = [128, 150, 200, 300, 500];
/// Multiples of the average run time at the percentiles 0, 1, 25, 50, 75, 99 and 100.
const SPREAD: [f64; 7] = [0.1, 0.2, 0.6, 1.0, 1.6, 5.0, 10.0];

fn trigger(rng: &mut Pcg64Mcg) -> &'static str {
    let mut pick = rng.random_range(0..100u32);
    for (name, share) in TRIGGERS {
        if pick < share {
            return name;
        }
        pick -= share;
    }
    "others"
}

/// A Poisson count at `rate` (0 for a rate of 0).
fn poisson(rate: f64, rng: &mut Pcg64Mcg) -> u64 {
    match Poisson::new(rate) {
        Ok(p) => p.sample(rng) as u64,
        Err(_) => 0,
    }
}

fn write(args: &Args) -> std::io::Result<u64> {
    std::fs::create_dir_all(&args.out)?;
    let create = |name: &str| File::create(args.out.join(name)).map(BufWriter::new);
    let (mut inv, mut dur, mut mem) =
        (create("invocations.csv")?, create("durations.csv")?, create("memory.csv")?);
    write!(inv, "HashOwner,HashApp,HashFunction,Trigger")?;
    for m in 1..=args.minutes {
        write!(inv, ",{m}")?;
    }
    writeln!(inv)?;
    writeln!(
        dur,
        "HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,percentile_Average_0,percentile_Average_1,percentile_Average_25,percentile_Average_50,percentile_Average_75,percentile_Average_99,percentile_Average_100"
    )?;
    writeln!(
        mem,
        "HashOwner,HashApp,SampleCount,AverageAllocatedMb,AverageAllocatedMb_pct1,AverageAllocatedMb_pct5,AverageAllocatedMb_pct25,AverageAllocatedMb_pct50,AverageAllocatedMb_pct75,AverageAllocatedMb_pct95,AverageAllocatedMb_pct99,AverageAllocatedMb_pct100"
    )?;
    let mut rng = Pcg64Mcg::seed_from_u64(args.seed);
    let per_day = LogNormal::new(30f64.ln(), 2.5).map_err(std::io::Error::other)?;
    let run_time_ms = LogNormal::new(1000f64.ln(), 1.5).map_err(std::io::Error::other)?;
    let mut total = 0u64;
    let mut row = String::new();
    for f in 0..args.functions {
        let (owner, app) = (format!("o{:06}", f / 10), format!("a{:06}", f / 4));
        let per_minute = per_day.sample(&mut rng) / 1440.0;
        let trig = trigger(&mut rng);
        row.clear();
        let mut count = 0u64;
        for _ in 0..args.minutes {
            let burst = if rng.random::<f64>() < 0.05 { 3.0 } else { 1.0 };
            let k = poisson(per_minute * burst, &mut rng);
            count += k;
            row.push(',');
            row.push_str(&k.to_string());
        }
        total += count;
        writeln!(inv, "{owner},{app},f{f:08},{trig}{row}")?;
        let avg = run_time_ms.sample(&mut rng);
        let q = SPREAD.map(|x| avg * x);
        write!(dur, "{owner},{app},f{f:08},{avg:.1},{count},{:.1},{:.1}", q[0], q[6])?;
        for x in q {
            write!(dur, ",{x:.1}")?;
        }
        writeln!(dur)?;
        if f % 4 == 0 {
            let mb = MEMORY_MB[rng.random_range(0..MEMORY_MB.len())];
            write!(mem, "{owner},{app},100,{mb}")?;
            for _ in 0..8 {
                write!(mem, ",{mb}")?;
            }
            writeln!(mem)?;
        }
    }
    for mut w in [inv, dur, mem] {
        w.flush()?;
    }
    Ok(total)
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match write(&args) {
        Ok(total) => {
            println!(
                "{} functions x {} minutes, {total} invocations, in {}",
                args.functions,
                args.minutes,
                args.out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot write {}: {e}", args.out.display());
            ExitCode::FAILURE
        }
    }
}
