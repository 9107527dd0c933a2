//! Managed runtimes and their default cold-start init times.
//!
//! Figures: mean `Init Duration` of a hello-world ZIP function from the maxday/lambda-perf daily
//! benchmark, data file 2025-12-21, as summarised in `aws-facts.md` 1.3; we take the middle of
//! the 128-1,024 MB range for each architecture. Real functions with dependencies initialise
//! more slowly (package size dominates): set `init_duration` when you know yours.

use crate::config::Architecture;
use crate::engine::SimDuration;

/// (runtime identifiers, x86_64 init ms, arm64 init ms)
const RUNTIMES: &[(&[&str], u64, u64)] = &[
    (&["nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x"], 152, 126),
    (&["python3.9", "python3.10", "python3.11", "python3.12", "python3.13"], 98, 80),
    (&["python3.14"], 125, 110),
    (&["java11", "java17", "java21", "java25"], 240, 215),
    (&["dotnet8", "dotnet9"], 246, 272),
    (&["ruby3.2", "ruby3.3", "ruby3.4"], 225, 218),
    // Custom runtimes: Go and Rust on provided.al2023 (Go is the slower of the two; a Rust
    // function should set init_duration = "15ms").
    (&["provided.al2", "provided.al2023", "go1.x"], 53, 40),
];

/// The default init time of a runtime, or `None` if the runtime is unknown.
pub fn default_init(runtime: &str, arch: Architecture) -> Option<SimDuration> {
    RUNTIMES.iter().find(|(names, _, _)| names.contains(&runtime)).map(|(_, x86, arm)| {
        SimDuration::from_millis(match arch {
            Architecture::X86_64 => *x86,
            Architecture::Arm64 => *arm,
        })
    })
}

/// Every runtime identifier known, for error messages.
pub fn known_runtimes() -> Vec<&'static str> {
    RUNTIMES.iter().flat_map(|(names, _, _)| names.iter().copied()).collect()
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
}
