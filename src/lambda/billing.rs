//! Lambda billing: simulated usage -> dollars, as the pricing page computes them.
//!
//! Per invocation the model adds billed duration (init or SnapStart restore on cold starts +
//! handler + extensions' post-invocation time, rounded up to 1 ms, since INIT is billed for all
//! functions from 2025-08-01) times memory, in exact integer MB-milliseconds. Here the account-level rules apply: the free tier (1M requests and
//! 400,000 GB-s a month, when `pricing.free_tier = true`) and the duration volume tiers act on
//! the totals of the simulated period, which is treated as one billing month starting at zero
//! usage. Account-level amounts are then shared out to functions in proportion to their usage.
//!
//! SnapStart (Python and .NET; Java's is free) adds the snapshot cache, memory size x the
//! measured window (at least 3 hours: slsim treats the function as one published version,
//! cached for the whole simulated period), and each measured restore, memory size in GB. The
//! pricing page's "Snap" example prices exactly these: 1 GB cached for a 31-day month and
//! one restore of 1 GB per cold start.
//!
//! Free tier details follow the pricing page's worked examples (docs/src/facts.md §1.6): it
//! reduces billable requests and on-demand duration; provisioned concurrency and the duration of
//! invocations served by provisioned environments are never free (example PC-1). The free
//! GB-s are split between x86_64 and arm64 in proportion to their usage.

use crate::config::{Architecture, FunctionConfig};
use crate::pricing::{ArchPrices, LambdaPrices};

/// MB-milliseconds per GB-second.
const MB_MS_PER_GB_S: f64 = 1024.0 * 1000.0;

/// What one function used in the simulated period.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Usage {
    pub architecture: Option<Architecture>,
    pub requests: u64,
    /// Billed duration x memory of invocations on on-demand environments.
    pub on_demand_mb_ms: u128,
    /// Billed duration x memory of invocations on provisioned environments.
    pub provisioned_mb_ms: u128,
    /// Billed duration x ephemeral storage above 512 MB.
    pub ephemeral_mb_ms: u128,
    /// Provisioned environments x memory x configured time (rounded up to 5 minutes).
    pub provisioned_configured_gb_s: f64,
    /// Cold starts that restored a SnapStart snapshot (priced or not).
    pub restores: u64,
    /// Memory size in MB when SnapStart is on and priced (what is cached and restored);
    /// 0 when SnapStart is off or free (Java).
    pub snap_start_priced_mb: u32,
    /// Seconds the snapshot is cached: the measured window (the minimum applies in [`bill`]).
    pub snap_start_cached_s: f64,
}

impl Usage {
    /// Nothing used yet by a function configured as `cfg`.
    pub fn of(cfg: &FunctionConfig) -> Usage {
        let priced = cfg.snap_start.as_ref().is_some_and(|s| s.priced);
        Usage {
            architecture: Some(cfg.architecture),
            snap_start_priced_mb: if priced { cfg.memory_mb } else { 0 },
            ..Usage::default()
        }
    }

    /// SnapStart cache and restore charges.
    pub fn snap_start_cost(&self, prices: &LambdaPrices) -> f64 {
        let gb = self.snap_start_priced_mb as f64 / 1024.0;
        let cached_s = self.snap_start_cached_s.max(prices.snap_start_min_cache_s);
        gb * cached_s * prices.snap_start_cache_gb_s
            + self.restores as f64 * gb * prices.snap_start_restore_gb
    }

    pub fn on_demand_gb_s(&self) -> f64 {
        self.on_demand_mb_ms as f64 / MB_MS_PER_GB_S
    }
    pub fn provisioned_gb_s(&self) -> f64 {
        self.provisioned_mb_ms as f64 / MB_MS_PER_GB_S
    }
    /// All billed duration in GB-s, on-demand and provisioned.
    pub fn billed_gb_s(&self) -> f64 {
        (self.on_demand_mb_ms + self.provisioned_mb_ms) as f64 / MB_MS_PER_GB_S
    }
}

/// One function's share of the bill, in US dollars.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct Cost {
    pub requests: f64,
    pub duration: f64,
    /// Provisioned concurrency: configured GB-s plus the duration served on it.
    pub provisioned: f64,
    pub ephemeral_storage: f64,
    /// SnapStart snapshot cache and restores (Python and .NET).
    pub snap_start: f64,
    pub total: f64,
}

pub fn arch_prices(prices: &LambdaPrices, arch: Architecture) -> &ArchPrices {
    match arch {
        Architecture::X86_64 => &prices.x86_64,
        Architecture::Arm64 => &prices.arm64,
    }
}

/// The bill of every function (same order as `usages`). `month` is how many times the
/// simulated period fits in the billing month that the free tier and volume tiers apply to:
/// 1 when the period is taken as the month, `30 d / period` to price the period within a
/// month of the same traffic (usage scaled up, priced, and the cost scaled back).
pub fn bill(prices: &LambdaPrices, free_tier: bool, month: f64, usages: &[Usage]) -> Vec<Cost> {
    let total_requests: u64 = usages.iter().map(|u| u.requests).sum();
    let free_requests = if free_tier { prices.free_requests as f64 } else { 0.0 };
    let billable_requests = (total_requests as f64 * month - free_requests).max(0.0) / month;
    let requests_cost = billable_requests * prices.usd_per_request;

    let arch_gb_s = |arch| -> f64 {
        usages.iter().filter(|u| u.architecture == Some(arch)).map(Usage::on_demand_gb_s).sum()
    };
    let (x86, arm) = (arch_gb_s(Architecture::X86_64), arch_gb_s(Architecture::Arm64));
    let free = if free_tier { prices.free_gb_s.min((x86 + arm) * month) } else { 0.0 };
    let duration_cost = |arch: Architecture, gb_s: f64| -> f64 {
        if gb_s <= 0.0 {
            return 0.0;
        }
        let monthly = gb_s * month;
        let free_share = free * gb_s / (x86 + arm);
        arch_prices(prices, arch).tiered_duration_cost(monthly - free_share) / month
    };
    let x86_cost = duration_cost(Architecture::X86_64, x86);
    let arm_cost = duration_cost(Architecture::Arm64, arm);

    usages
        .iter()
        .map(|u| {
            let arch = u.architecture.unwrap_or(Architecture::X86_64);
            let p = arch_prices(prices, arch);
            let share = |part: f64, whole: f64| if whole > 0.0 { part / whole } else { 0.0 };
            let requests = requests_cost * share(u.requests as f64, total_requests as f64);
            let duration = match arch {
                Architecture::X86_64 => x86_cost * share(u.on_demand_gb_s(), x86),
                Architecture::Arm64 => arm_cost * share(u.on_demand_gb_s(), arm),
            };
            let provisioned = u.provisioned_configured_gb_s * p.provisioned_gb_s
                + u.provisioned_gb_s() * p.provisioned_duration_gb_s;
            let ephemeral_storage =
                u.ephemeral_mb_ms as f64 / MB_MS_PER_GB_S * prices.ephemeral_gb_s;
            let snap_start = u.snap_start_cost(prices);
            Cost {
                requests,
                duration,
                provisioned,
                ephemeral_storage,
                snap_start,
                total: requests + duration + provisioned + ephemeral_storage + snap_start,
            }
        })
        .collect()
}

/// List-price cost of one invocation (no free tier, first volume tier): for per-minute rows.
pub fn list_price(
    prices: &LambdaPrices,
    arch: Architecture,
    billed_mb_ms: u64,
    on_pc: bool,
    ephemeral_extra_mb: u32,
    billed_ms: u64,
) -> f64 {
    let p = arch_prices(prices, arch);
    let gb_s = billed_mb_ms as f64 / MB_MS_PER_GB_S;
    let rate = if on_pc { p.provisioned_duration_gb_s } else { p.duration_tiers[0].usd_per_unit };
    prices.usd_per_request
        + gb_s * rate
        + (billed_ms as f64 * ephemeral_extra_mb as f64 / MB_MS_PER_GB_S) * prices.ephemeral_gb_s
}

/// List price of one cold start of `cfg`: a SnapStart restore when priced, else nothing.
pub fn restore_list_price(prices: &LambdaPrices, cfg: &FunctionConfig) -> f64 {
    match &cfg.snap_start {
        Some(s) if s.priced => cfg.memory_mb as f64 / 1024.0 * prices.snap_start_restore_gb,
        _ => 0.0,
    }
}

/// SnapStart cache of `cfg` per second, for the per-minute rows (no 3-hour minimum there).
pub fn snap_start_cache_per_second(prices: &LambdaPrices, cfg: &FunctionConfig) -> f64 {
    match &cfg.snap_start {
        Some(s) if s.priced => cfg.memory_mb as f64 / 1024.0 * prices.snap_start_cache_gb_s,
        _ => 0.0,
    }
}

/// Configured provisioned GB-s for `pcs` environments of `memory_mb` over `seconds`, with the
/// configured time rounded up to 5 minutes.
pub fn provisioned_configured_gb_s(pcs: u32, memory_mb: u32, seconds: f64) -> f64 {
    let billed_s = (seconds / 300.0).ceil() * 300.0;
    pcs as f64 * memory_mb as f64 / 1024.0 * billed_s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::US_EAST_1;

    fn usage(arch: Architecture, requests: u64, ms_each: u64, mb: u32) -> Usage {
        Usage {
            architecture: Some(arch),
            requests,
            on_demand_mb_ms: requests as u128 * ms_each as u128 * mb as u128,
            ..Usage::default()
        }
    }

    fn cents(x: f64) -> f64 {
        (x * 100.0).round() / 100.0
    }

    #[test]
    fn pricing_page_example_1_mobile_backend() {
        // 3M requests, 120 ms, 1,536 MB, free tier: $2.33 + $0.40 = $2.73
        let c = bill(&US_EAST_1, true, 1.0, &[usage(Architecture::X86_64, 3_000_000, 120, 1536)]);
        assert_eq!(cents(c[0].duration), 2.33);
        assert_eq!(cents(c[0].requests), 0.40);
        assert_eq!(cents(c[0].total), 2.73);
    }

    #[test]
    fn pricing_page_example_2_without_free_tier() {
        let c = bill(&US_EAST_1, false, 1.0, &[usage(Architecture::X86_64, 7_440_000, 2000, 1024)]);
        assert_eq!(cents(c[0].requests), 1.49);
        assert_eq!(cents(c[0].duration), 248.00);
        assert_eq!(cents(c[0].total), 249.49);
    }

    #[test]
    fn free_tier_is_shared_across_functions_and_architectures() {
        let a = usage(Architecture::X86_64, 600_000, 1000, 1024); // 600,000 GB-s
        let b = usage(Architecture::Arm64, 600_000, 1000, 1024);
        let c = bill(&US_EAST_1, true, 1.0, &[a, b]);
        // 1.2M requests, 1M free: 200,000 billable, half each
        assert!((c[0].requests - 0.02).abs() < 1e-12 && (c[1].requests - 0.02).abs() < 1e-12);
        // 1.2M GB-s, 400,000 free, 200,000 off each architecture
        assert!((c[0].duration - 400_000.0 * 0.0000166667).abs() < 1e-9);
        assert!((c[1].duration - 400_000.0 * 0.0000133334).abs() < 1e-9);
    }

    #[test]
    fn pricing_page_snap_example_cache_and_restores() {
        // telemetry (example 2) + SnapStart with 1% restores: 1 GB cached for 31 days,
        // 74,400 restores of 1 GB: $4.03 + $10.40; total $263.92
        let mut u = usage(Architecture::X86_64, 7_440_000, 2000, 1024);
        u.snap_start_priced_mb = 1024;
        u.snap_start_cached_s = 31.0 * 86_400.0;
        u.restores = 74_400;
        let cache = 2_678_400.0 * 0.0000015046;
        let restore = 74_400.0 * 0.0001397998;
        assert_eq!((cents(cache), cents(restore)), (4.03, 10.40));
        let c = bill(&US_EAST_1, false, 1.0, &[u.clone()]);
        assert!((c[0].snap_start - (cache + restore)).abs() < 1e-9);
        assert_eq!(cents(c[0].total), 263.92);
        // Java SnapStart (not priced) costs nothing extra, restores or not
        let java = Usage { snap_start_priced_mb: 0, ..u.clone() };
        assert_eq!(bill(&US_EAST_1, false, 1.0, &[java])[0].snap_start, 0.0);
        // the cache is billed for at least 3 hours
        let short = Usage { snap_start_cached_s: 60.0, restores: 0, ..u };
        let c = bill(&US_EAST_1, false, 1.0, &[short]);
        assert!((c[0].snap_start - 10_800.0 * 0.0000015046).abs() < 1e-12);
    }

    #[test]
    fn monthly_mode_prices_the_period_within_a_month_of_the_same_traffic() {
        // 15 days of 3M requests x 120 ms at 1,536 MB, free tier: the month has 6M requests
        // and 1,080,000 GB-s: (6M - 1M) x $0.20/M + 680,000 GB-s x $0.0000166667, halved
        let c = bill(&US_EAST_1, true, 2.0, &[usage(Architecture::X86_64, 3_000_000, 120, 1536)]);
        assert!((c[0].requests - 0.50).abs() < 1e-12);
        assert!((c[0].duration - 680_000.0 * 0.0000166667 / 2.0).abs() < 1e-9);
    }

    #[test]
    fn provisioned_time_rounds_up_to_five_minutes() {
        assert_eq!(provisioned_configured_gb_s(1, 1024, 1.0), 300.0);
        assert_eq!(provisioned_configured_gb_s(100, 1536, 8.0 * 3600.0), 4_320_000.0);
    }
}
