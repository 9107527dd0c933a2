//! The time an invocation holds its environment outside the handler: init before it on a cold
//! start, and the extensions' work after it.
//!
//! ```text
//!  cold:  |-- init (function + extensions) --|--- handler ---|-- post-invocation --|
//!  warm:                                     |--- handler ---|-- post-invocation --|
//!         ^ arrival            client's response (latency) ^    environment free ^
//! ```
//!
//! - **Init** is the function's init (`init_duration`, or the runtime default plus the package
//!   size) plus each extension's `init`: an extension's `init` is what it *adds* to Init
//!   (docs/src/facts.md §1.3), so they sum.
//! - **SnapStart**: a cold start restores the snapshot taken after Init at publication, so
//!   `restore_duration` replaces all of the above: function, package and extensions' init.
//!   The restore is billed as duration like init; that is an upper bound, since AWS bills
//!   only the runtime-load and after-restore-hook part of it ("Billed Restore Duration"),
//!   not the snapshot fetch (AWS Lambda Developer Guide, "Monitoring for Lambda SnapStart").
//! - **Post-invocation**: after the handler returns, extensions may keep working (flushing
//!   telemetry). They are separate processes that all receive the invoke event, and the
//!   invoke phase ends when the last one signals it is done, so this is the *longest* of the
//!   extensions' `post_invocation` times. The environment stays busy (it counts in
//!   concurrency and cannot take a request) and the time is billed
//!   (`PostRuntimeExtensionsDuration`, docs/src/facts.md §1.3 and §1.6), but the client's
//!   latency ends when the handler returns.
//! - **Timeouts**: the function timeout bounds the whole invoke phase, handler and extensions
//!   (AWS Lambda Developer Guide, "Lambda execution environment lifecycle"). A handler that
//!   reaches the timeout is stopped there and no post-invocation time runs: the environment is
//!   reset at once (the Shutdown phase extensions then get is not modelled). A handler that
//!   returns in time but whose extensions would run past the timeout has them cut at the
//!   timeout, and the environment is reset as after any timeout; the client already has its
//!   response, so the invocation counts as completed, not as a timeout.
//!
//! Nothing here allocates: sampling walks the function's extension list.

use rand::Rng;

use crate::config::FunctionConfig;
use crate::engine::SimDuration;

/// Time from a cold start's arrival until its handler starts.
#[inline]
pub fn cold_start<R: Rng + ?Sized>(cfg: &FunctionConfig, rng: &mut R) -> SimDuration {
    if let Some(snap) = &cfg.snap_start {
        return snap.restore.sample(rng);
    }
    let mut init = cfg.init.sample(rng);
    for x in &cfg.extensions {
        init = init + x.init.sample(rng);
    }
    init
}

/// The extensions' work after a handler that ran for `handler`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PostInvocation {
    pub time: SimDuration,
    /// The extensions were stopped at the timeout: the environment is reset.
    pub cut: bool,
}

/// Post-invocation time of one invocation; `timed_out` if its handler reached the timeout.
#[inline]
pub fn post_invocation<R: Rng + ?Sized>(
    cfg: &FunctionConfig,
    handler: SimDuration,
    timed_out: bool,
    rng: &mut R,
) -> PostInvocation {
    let none = PostInvocation { time: SimDuration::ZERO, cut: false };
    if timed_out || cfg.extensions.is_empty() {
        return none;
    }
    let longest =
        cfg.extensions.iter().map(|x| x.post_invocation.sample(rng)).max().unwrap_or_default();
    let left = SimDuration(cfg.timeout.0.saturating_sub(handler.0));
    if longest > left {
        PostInvocation { time: left, cut: true }
    } else {
        PostInvocation { time: longest, ..none }
    }
}

/// Running totals of the phases over measured invocations, for mean figures in the summary.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PhaseStats {
    /// Init (or restore) time of cold starts, in nanoseconds.
    pub cold_start_ns: u128,
    /// Post-invocation time of all invocations, in nanoseconds.
    pub post_invocation_ns: u128,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Architecture, Extension};
    use crate::dist::Dist;
    use rand::SeedableRng;

    fn ms(n: u64) -> SimDuration {
        SimDuration::from_millis(n)
    }

    fn function(init_ms: u64, extensions: &[(u64, u64)]) -> FunctionConfig {
        FunctionConfig {
            name: "f".into(),
            label: None,
            runtime: None,
            architecture: Architecture::X86_64,
            memory_mb: 1024,
            memory_given: true,
            timeout: SimDuration::from_secs(3),
            ephemeral_mb: 512,
            reserved: None,
            provisioned: 0,
            provisioned_plan: crate::config::ProvisionedPlan::Constant,
            provisioned_max: 0,
            provisioned_allocation_delay: SimDuration::from_secs(90),
            keep_alive: Dist::Constant(SimDuration::from_secs(600)),
            keep_alive_policy: crate::config::KeepAlivePolicyConfig::Fixed,
            init: Dist::Constant(ms(init_ms)),
            package_mb: 0,
            snap_start: None,
            extensions: extensions
                .iter()
                .enumerate()
                .map(|(i, &(init, post))| Extension {
                    name: format!("x{i}"),
                    init: Dist::Constant(ms(init)),
                    post_invocation: Dist::Constant(ms(post)),
                })
                .collect(),
            error_rate: 0.0,
            maximum_retry_attempts: 2,
            maximum_event_age: SimDuration::from_secs(21_600),
            on_failure: None,
        }
    }

    #[test]
    fn extension_inits_add_and_post_invocation_is_the_longest() {
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(1);
        let f = function(200, &[(120, 15), (30, 40)]);
        assert_eq!(cold_start(&f, &mut rng), ms(350));
        let post = post_invocation(&f, ms(100), false, &mut rng);
        assert_eq!(post, PostInvocation { time: ms(40), cut: false });
        // no extensions: nothing after the handler
        let plain = function(200, &[]);
        assert_eq!(cold_start(&plain, &mut rng), ms(200));
        assert_eq!(post_invocation(&plain, ms(100), false, &mut rng).time, SimDuration::ZERO);
    }

    #[test]
    fn a_snap_start_restore_replaces_function_and_extension_init() {
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(1);
        let mut f = function(2000, &[(120, 15)]);
        f.snap_start =
            Some(crate::config::SnapStart { restore: Dist::Constant(ms(250)), priced: true });
        assert_eq!(cold_start(&f, &mut rng), ms(250));
        // the extensions still work after each invocation
        assert_eq!(post_invocation(&f, ms(100), false, &mut rng).time, ms(15));
    }

    #[test]
    fn the_timeout_bounds_handler_and_extensions_together() {
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(1);
        let f = function(0, &[(0, 500)]); // timeout 3 s
        // stopped handler: no post-invocation time
        let post = post_invocation(&f, ms(3000), true, &mut rng);
        assert_eq!(post, PostInvocation { time: SimDuration::ZERO, cut: false });
        // the extension would end at 3.1 s: cut at 3 s
        let post = post_invocation(&f, ms(2600), false, &mut rng);
        assert_eq!(post, PostInvocation { time: ms(400), cut: true });
        // ending exactly at the timeout is in time
        let post = post_invocation(&f, ms(2500), false, &mut rng);
        assert_eq!(post, PostInvocation { time: ms(500), cut: false });
    }
}
