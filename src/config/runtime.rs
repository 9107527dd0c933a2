//! Managed runtimes: their default cold-start init times and whether they have SnapStart.
//!
//! Init figures: mean `Init Duration` of a hello-world ZIP function from the maxday/lambda-perf
//! daily benchmark, data file 2025-12-21, as summarised in `docs/src/facts.md` §1.3; we take
//! the middle of the 128-1,024 MB range for each architecture. Identifiers the benchmark does not
//! cover take the figure of their nearest measured sibling (noted in the table). Real functions
//! with dependencies initialise more slowly (package size dominates, see [`package_init`]): set
//! `init_duration` when you know yours.
//!
//! SnapStart (docs/src/facts.md §1.3): Java 11+ since 2022-11-28, free of charge; Python 3.12+
//! and .NET 8+ since 2024-11-18, priced (snapshot cache and restores, `pricing.rs`).

use crate::config::Architecture;
use crate::engine::SimDuration;

/// Whether a runtime can use SnapStart, and whether it costs extra.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapStartSupport {
    Unsupported,
    /// Java: no cache or restore charge.
    Free,
    /// Python and .NET: snapshot cache per GB-s and restores per GB.
    Priced,
}

struct Runtime {
    ids: &'static [&'static str],
    /// Mean hello-world Init Duration, ms.
    x86_ms: u64,
    arm_ms: u64,
    snap_start: SnapStartSupport,
}

use SnapStartSupport::{Free, Priced, Unsupported};

const RUNTIMES: &[Runtime] = &[
    // Node.js 20/22/24 measured: 142-162 / 118-134. 18.x (deprecated) assumed alike.
    Runtime {
        ids: &["nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x"],
        x86_ms: 152,
        arm_ms: 126,
        snap_start: Unsupported,
    },
    // Python 3.11-3.13 measured: 85-110 / 69-91. 3.9 and 3.10 assumed alike. SnapStart from
    // 3.12, so the family is split.
    Runtime {
        ids: &["python3.9", "python3.10", "python3.11"],
        x86_ms: 98,
        arm_ms: 80,
        snap_start: Unsupported,
    },
    Runtime { ids: &["python3.12", "python3.13"], x86_ms: 98, arm_ms: 80, snap_start: Priced },
    // Python 3.14: 108-142, one range for both architectures.
    Runtime { ids: &["python3.14"], x86_ms: 125, arm_ms: 125, snap_start: Priced },
    // Java 17/21/25 without SnapStart measured: 208-272 / 184-245. Java 11 assumed alike;
    // Java 8 too, and it has no SnapStart (Java 11+).
    Runtime { ids: &["java8.al2"], x86_ms: 240, arm_ms: 215, snap_start: Unsupported },
    Runtime {
        ids: &["java11", "java17", "java21", "java25"],
        x86_ms: 240,
        arm_ms: 215,
        snap_start: Free,
    },
    // .NET 8 managed (JIT): 246 / 260-284; dotnet9 is not in the benchmark, assumed alike.
    // Native AOT .NET runs on provided.al2023 (81-89 / 58-78): set init_duration.
    Runtime { ids: &["dotnet8", "dotnet9"], x86_ms: 246, arm_ms: 272, snap_start: Priced },
    // Ruby 3.2-3.4: 210-240 / 190-245.
    Runtime {
        ids: &["ruby3.2", "ruby3.3", "ruby3.4"],
        x86_ms: 225,
        arm_ms: 218,
        snap_start: Unsupported,
    },
    // Custom runtimes: Go on provided.al2023 (51-55 / 39-42). Rust and C++ are far faster
    // (10-16 / 10-14): such a function should set init_duration = "15ms".
    Runtime {
        ids: &["provided.al2", "provided.al2023", "go1.x"],
        x86_ms: 53,
        arm_ms: 40,
        snap_start: Unsupported,
    },
];

fn find(runtime: &str) -> Option<&'static Runtime> {
    RUNTIMES.iter().find(|r| r.ids.contains(&runtime))
}

/// The default init time of a runtime, or `None` if the runtime is unknown.
pub fn default_init(runtime: &str, arch: Architecture) -> Option<SimDuration> {
    find(runtime).map(|r| {
        SimDuration::from_millis(match arch {
            Architecture::X86_64 => r.x86_ms,
            Architecture::Arm64 => r.arm_ms,
        })
    })
}

/// Unzipped deployment package limit, layers included (docs/src/facts.md §1.1: 250 MB).
pub const MAX_PACKAGE_MB: u32 = 250;

/// Measured Init Duration by unzipped package size: (MB, ms), Node.js 20 at 256 MB,
/// us-east-1, 2023 (adriantanasa gists, docs/src/facts.md §1.3), the middle of each measured
/// range: 170-240 ms at 1 KB (here 0 MB), ~300 ms at 1-2 MB, 400-470 at 8, 650-700 at 16, ~1.3 s at
/// 32, 3.1-3.2 s at 64.
const PACKAGE_POINTS: [(u32, f64); 7] =
    [(0, 205.0), (1, 300.0), (2, 300.0), (8, 435.0), (16, 675.0), (32, 1300.0), (64, 3150.0)];

/// Init time a package of `mb` unzipped megabytes adds to the runtime's hello-world init.
///
/// Model: piecewise-linear interpolation of the measured points, minus the 1 KB point (what
/// the hello-world figure of the runtime table already covers). Beyond the last point (64 MB)
/// the last segment's slope continues (57.8 ms per MB), so 250 MB adds about 13.7 s; nothing
/// was measured there, and slsim does not model Lambda's 10 s INIT limit. The curve was
/// measured on Node.js only; it is applied to every runtime, with no dependence on memory or
/// architecture. Over 0-64 MB it averages 46 ms per MB, but it is convex: 20-30 ms per MB
/// between 2 and 16 MB, 58 ms per MB between 32 and 64 MB.
pub fn package_init(mb: u32) -> SimDuration {
    let base = PACKAGE_POINTS[0].1;
    let ms = match PACKAGE_POINTS.windows(2).find(|w| mb <= w[1].0) {
        Some(w) => {
            let ((x0, y0), (x1, y1)) = (w[0], w[1]);
            y0 + (y1 - y0) * (mb - x0) as f64 / (x1 - x0) as f64
        }
        None => {
            let [.., (x0, y0), (x1, y1)] = PACKAGE_POINTS;
            y1 + (y1 - y0) / (x1 - x0) as f64 * (mb - x1) as f64
        }
    };
    SimDuration::from_secs_f64((ms - base) / 1e3)
}

/// Default SnapStart Restore Duration. AWS publishes no figure (it says restores make cold
/// starts "sub-second") and docs/src/facts.md has no measurement, so this is an assumption: a
/// few hundred milliseconds, taken constant. Set `restore_duration` from the `Restore Duration` of
/// your function's REPORT lines.
pub const DEFAULT_RESTORE: SimDuration = SimDuration::from_millis(300);

/// Whether `runtime` has SnapStart, or `None` if the runtime is unknown.
pub fn snap_start(runtime: &str) -> Option<SnapStartSupport> {
    find(runtime).map(|r| r.snap_start)
}

/// Every runtime identifier known, for error messages.
pub fn known_runtimes() -> Vec<&'static str> {
    RUNTIMES.iter().flat_map(|r| r.ids.iter().copied()).collect()
}

/// The runtime identifiers that have SnapStart, for error messages.
pub fn snap_start_runtimes() -> Vec<&'static str> {
    RUNTIMES
        .iter()
        .filter(|r| r.snap_start != Unsupported)
        .flat_map(|r| r.ids.iter().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_and_java_defaults_follow_the_benchmark() {
        let node = default_init("nodejs20.x", Architecture::X86_64).unwrap();
        assert!((142..=162).contains(&(node.0 / 1_000_000)));
        let java = default_init("java21", Architecture::Arm64).unwrap();
        assert!((184..=245).contains(&(java.0 / 1_000_000)));
        assert!(default_init("cobol", Architecture::X86_64).is_none());
    }

    #[test]
    fn every_default_lies_in_its_measured_range() {
        // (runtime, x86 range, arm range) from docs/src/facts.md §1.3
        type Ms = (u64, u64);
        let measured: &[(&str, Ms, Ms)] = &[
            ("provided.al2023", (51, 55), (39, 42)),
            ("python3.12", (85, 110), (69, 91)),
            ("python3.14", (108, 142), (108, 142)),
            ("nodejs22.x", (142, 162), (118, 134)),
            ("java17", (208, 272), (184, 245)),
            ("dotnet8", (246, 246), (260, 284)),
            ("ruby3.3", (210, 240), (190, 245)),
        ];
        for &(rt, x86, arm) in measured {
            let ms = |a| default_init(rt, a).unwrap().0 / 1_000_000;
            assert!((x86.0..=x86.1).contains(&ms(Architecture::X86_64)), "{rt} x86");
            assert!((arm.0..=arm.1).contains(&ms(Architecture::Arm64)), "{rt} arm64");
        }
    }

    fn package_ms(mb: u32) -> f64 {
        package_init(mb).as_millis_f64()
    }

    #[test]
    fn package_init_passes_through_the_measured_points() {
        // measured total minus the 1 KB point (205 ms)
        for (mb, extra) in [(0, 0.0), (1, 95.0), (2, 95.0), (8, 230.0), (16, 470.0)] {
            assert_eq!(package_ms(mb), extra, "{mb} MB");
        }
        assert_eq!(package_ms(32), 1095.0);
        assert_eq!(package_ms(64), 2945.0);
        // each measured total, on the 1 KB baseline, lies in its measured range
        for (mb, lo, hi) in [(8, 400.0, 470.0), (16, 650.0, 700.0), (64, 3100.0, 3200.0)] {
            let total = 205.0 + package_ms(mb);
            assert!((lo..=hi).contains(&total), "{mb} MB: {total}");
        }
    }

    #[test]
    fn package_init_interpolates_between_points_and_extrapolates_past_64_mb() {
        assert_eq!(package_ms(4), 95.0 + 135.0 * 2.0 / 6.0); // a third of the way 2 -> 8 MB
        assert_eq!(package_ms(24), 470.0 + 625.0 / 2.0);
        let slope = (3150.0 - 1300.0) / 32.0;
        assert!((package_ms(MAX_PACKAGE_MB) - (2945.0 + slope * 186.0)).abs() < 1e-6);
        // never decreasing
        for mb in 0..MAX_PACKAGE_MB {
            assert!(package_init(mb + 1) >= package_init(mb), "{mb} MB");
        }
    }

    #[test]
    fn snap_start_is_java_11_python_3_12_and_dotnet_8_onwards() {
        for rt in ["java11", "java17", "java21", "java25"] {
            assert_eq!(snap_start(rt), Some(SnapStartSupport::Free), "{rt}");
        }
        for rt in ["python3.12", "python3.13", "python3.14", "dotnet8"] {
            assert_eq!(snap_start(rt), Some(SnapStartSupport::Priced), "{rt}");
        }
        for rt in ["java8.al2", "python3.11", "nodejs20.x", "ruby3.4", "provided.al2023"] {
            assert_eq!(snap_start(rt), Some(SnapStartSupport::Unsupported), "{rt}");
        }
        assert_eq!(snap_start("cobol"), None);
        assert!(!snap_start_runtimes().contains(&"nodejs20.x"));
    }
}
