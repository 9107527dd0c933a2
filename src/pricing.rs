//! Price tables as data, each figure with its date and source.
//!
//! Only list prices live here; the arithmetic that turns simulated usage into dollars is in
//! `lambda::billing`. Sources are the keys of `docs/src/facts.md` §7 (L-PRICE: the AWS
//! Lambda pricing page, full text as of 2026; BLOG-TIER: "Introducing tiered pricing for AWS
//! Lambda", 2022; PRICELIST: AWS Price List API values).

/// One volume tier: the price per unit (GB-s, request) applies to monthly usage up to
/// `up_to` units (cumulative).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tier {
    pub up_to: f64,
    pub usd_per_unit: f64,
}

/// Lambda prices of one region and architecture.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ArchPrices {
    /// On-demand duration, tiered by monthly GB-s (BLOG-TIER, PRICELIST).
    pub duration_tiers: [Tier; 3],
    /// Provisioned concurrency, per configured GB-s (L-PRICE, PRICELIST).
    pub provisioned_gb_s: f64,
    /// Duration of invocations served by provisioned environments, per GB-s (L-PRICE).
    pub provisioned_duration_gb_s: f64,
}

/// The Lambda price table of one region.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LambdaPrices {
    pub region: &'static str,
    /// When the figures were read and from where.
    pub as_of: &'static str,
    pub source: &'static str,
    /// Per request, both architectures (L-PRICE: $0.20 per 1M).
    pub usd_per_request: f64,
    pub x86_64: ArchPrices,
    pub arm64: ArchPrices,
    /// Ephemeral storage above 512 MB, per GB-s of billed duration (L-PRICE).
    pub ephemeral_gb_s: f64,
    /// Monthly free tier, shared by both architectures (L-PRICE).
    pub free_requests: u64,
    pub free_gb_s: f64,
    /// SnapStart for Python and .NET (Java SnapStart is free), since 2024-11-18: snapshot cache
    /// per GB-s of memory size, charged per published version for at least `snap_start_min_cache_s`,
    /// and restores per GB restored (L-PRICE, SNAP-GA; docs/src/facts.md §1.3 and the "Snap"
    /// example of §1.6). No free tier; one price for both architectures.
    pub snap_start_cache_gb_s: f64,
    pub snap_start_min_cache_s: f64,
    pub snap_start_restore_gb: f64,
}

pub const US_EAST_1: LambdaPrices = LambdaPrices {
    region: "us-east-1",
    as_of: "2026 (tiers since 2022; SnapStart charges since 2024-11-18; \
            INIT billed since 2025-08-01)",
    source: "AWS Lambda pricing page (L-PRICE), AWS Compute Blog tiered pricing (BLOG-TIER), \
             AWS Price List API (PRICELIST); see the book's AWS facts chapter, §1.6",
    usd_per_request: 0.20 / 1_000_000.0,
    x86_64: ArchPrices {
        duration_tiers: [
            Tier { up_to: 6e9, usd_per_unit: 0.0000166667 },
            Tier { up_to: 15e9, usd_per_unit: 0.000015 },
            Tier { up_to: f64::INFINITY, usd_per_unit: 0.0000133334 },
        ],
        provisioned_gb_s: 0.0000041667,
        provisioned_duration_gb_s: 0.0000097222,
    },
    arm64: ArchPrices {
        duration_tiers: [
            Tier { up_to: 7.5e9, usd_per_unit: 0.0000133334 },
            Tier { up_to: 18.75e9, usd_per_unit: 0.0000120001 },
            Tier { up_to: f64::INFINITY, usd_per_unit: 0.0000106667 },
        ],
        provisioned_gb_s: 0.0000033334,
        provisioned_duration_gb_s: 0.0000077778,
    },
    ephemeral_gb_s: 0.0000000309,
    free_requests: 1_000_000,
    free_gb_s: 400_000.0,
    snap_start_cache_gb_s: 0.0000015046,
    snap_start_min_cache_s: 3.0 * 3600.0,
    snap_start_restore_gb: 0.0001397998,
};

const REGIONS: &[LambdaPrices] = &[US_EAST_1];

/// The price table of `region`, or `None` if slsim has none for it.
pub fn lambda_prices(region: &str) -> Option<&'static LambdaPrices> {
    REGIONS.iter().find(|p| p.region == region)
}

pub fn known_regions() -> Vec<&'static str> {
    REGIONS.iter().map(|p| p.region).collect()
}

impl ArchPrices {
    /// Cost of `gb_s` of on-demand duration in one month, walking the volume tiers from zero.
    pub fn tiered_duration_cost(&self, gb_s: f64) -> f64 {
        tiered_cost(gb_s, &self.duration_tiers)
    }
}

/// Cost of `volume` units in one month, walking the volume tiers from zero.
pub fn tiered_cost(volume: f64, tiers: &[Tier]) -> f64 {
    let mut cost = 0.0;
    let mut below = 0.0;
    for tier in tiers {
        if volume <= below {
            break;
        }
        cost += (volume.min(tier.up_to) - below) * tier.usd_per_unit;
        below = tier.up_to;
    }
    cost
}

/// API Gateway request prices of one region (AG-PRICE, AG-WP, infracost #498; docs/src/facts.md
/// §2.4, read 2026). Tiers apply to the monthly number of requests per account and region.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ApiPrices {
    pub as_of: &'static str,
    /// REST APIs: per request, by monthly volume.
    pub rest: [Tier; 4],
    /// HTTP APIs: per request metered in 512 KB units, by monthly volume.
    pub http: [Tier; 2],
    /// WebSocket APIs: per message metered in 32 KB units, by monthly volume.
    pub websocket_messages: [Tier; 2],
    pub websocket_connection_minute: f64,
    /// Free tier (first 12 months only): 1M REST and 1M HTTP calls, 1M WebSocket messages and
    /// 750,000 connection minutes a month.
    pub free_rest: u64,
    pub free_http: u64,
    pub free_messages: u64,
    pub free_connection_minutes: u64,
}

pub const API_US_EAST_1: ApiPrices = ApiPrices {
    as_of: "2026 (the book's AWS facts chapter §2.4: AG-PRICE, AG-WP whitepaper, infracost #498)",
    rest: [
        Tier { up_to: 333e6, usd_per_unit: 3.50e-6 },
        Tier { up_to: 1e9, usd_per_unit: 2.80e-6 },
        Tier { up_to: 20e9, usd_per_unit: 2.38e-6 },
        Tier { up_to: f64::INFINITY, usd_per_unit: 1.51e-6 },
    ],
    http: [
        Tier { up_to: 300e6, usd_per_unit: 1.00e-6 },
        Tier { up_to: f64::INFINITY, usd_per_unit: 0.90e-6 },
    ],
    // infracost #462, amnic (docs/src/facts.md §2.4)
    websocket_messages: [
        Tier { up_to: 1e9, usd_per_unit: 1.00e-6 },
        Tier { up_to: f64::INFINITY, usd_per_unit: 0.80e-6 },
    ],
    websocket_connection_minute: 0.25e-6,
    free_rest: 1_000_000,
    free_http: 1_000_000,
    free_messages: 1_000_000,
    free_connection_minutes: 750_000,
};

/// Fargate Spot (docs/src/facts.md §3.2, FG-SPOT: AWS Compute Blog "Deep dive into Fargate Spot
/// to run your ECS tasks for up to 70% less"; fortem.dev; infra.furybee). The Spot price varies,
/// 50-70 % below on-demand; slsim takes the blog's "up to 70 %" as the default discount
/// (e.g. $0.01214 per vCPU-hour and $0.001334 per GB-hour against $0.04048 and $0.004445).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FargateSpotPrices {
    pub as_of: &'static str,
    /// Share of the on-demand price saved, by default.
    pub discount: f64,
    /// The range sources report.
    pub discount_range: (f64, f64),
}

pub const FARGATE_SPOT: FargateSpotPrices = FargateSpotPrices {
    as_of: "2026 (the book's AWS facts chapter §3.2: FG-SPOT, fortem.dev, infra.furybee)",
    discount: 0.70,
    discount_range: (0.50, 0.70),
};

/// Application Load Balancer, us-east-1 (docs/src/facts.md §4.5: ELB pricing page text,
/// cloud-horizons 2026-05, vantage handbook; read 2026). An LCU is the largest of four dimensions,
/// each metered per hour.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AlbPrices {
    pub as_of: &'static str,
    /// Per load-balancer hour.
    pub usd_per_hour: f64,
    /// Per LCU-hour.
    pub usd_per_lcu_hour: f64,
    /// One LCU is 25 new connections a second,
    pub new_connections_per_s: f64,
    /// or 3,000 active connections a minute,
    pub active_connections: f64,
    /// or 1 GB processed an hour (EC2, IP and container targets; 0.4 GB for Lambda targets),
    pub gb_per_hour: f64,
    /// or 1,000 rule evaluations a second, the first `free_rules` rules of each request free.
    pub rule_evaluations_per_s: f64,
    pub free_rules: u32,
}

pub const ALB_US_EAST_1: AlbPrices = AlbPrices {
    as_of: "2026 (the book's AWS facts chapter §4.5)",
    usd_per_hour: 0.0225,
    usd_per_lcu_hour: 0.008,
    new_connections_per_s: 25.0,
    active_connections: 3000.0,
    gb_per_hour: 1.0,
    rule_evaluations_per_s: 1000.0,
    free_rules: 10,
};

/// Burstable T3 instances in Unlimited mode, their default (docs/src/facts.md §4.1: the repo
/// price tables and coddykit.com; the EC2 on-demand pricing page, "T2/T3/T4g Unlimited Mode
/// Pricing", read 2026): each earns CPU credits at a baseline share of its vCPUs and may run
/// above it; CPU used beyond the baseline (surplus credits not paid back) is charged per
/// vCPU-hour (Linux; T4g $0.04, not in slsim's table).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BurstablePrices {
    pub as_of: &'static str,
    /// Per vCPU-hour of CPU above the baseline.
    pub usd_per_surplus_vcpu_hour: f64,
    /// Baseline utilisation per vCPU of each size.
    pub baselines: [(&'static str, f64); 5],
}

pub const T3_UNLIMITED: BurstablePrices = BurstablePrices {
    as_of: "2026 (the book's AWS facts chapter §4.1; EC2 on-demand pricing page, T2/T3/T4g Unlimited Mode Pricing)",
    usd_per_surplus_vcpu_hour: 0.05,
    baselines: [
        ("t3.micro", 0.10),
        ("t3.small", 0.20),
        ("t3.medium", 0.20),
        ("t3.large", 0.30),
        ("t3.xlarge", 0.40),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_apply_to_cumulative_volume() {
        let x86 = US_EAST_1.x86_64;
        assert_eq!(x86.tiered_duration_cost(0.0), 0.0);
        assert!((x86.tiered_duration_cost(1e6) - 16.6667).abs() < 1e-9);
        // 10B GB-s: 6B at tier 1, 4B at tier 2
        let expected = 6e9 * 0.0000166667 + 4e9 * 0.000015;
        assert!((x86.tiered_duration_cost(10e9) - expected).abs() < 1e-3);
        // 20B: 6B + 9B + 5B
        let expected = 6e9 * 0.0000166667 + 9e9 * 0.000015 + 5e9 * 0.0000133334;
        assert!((x86.tiered_duration_cost(20e9) - expected).abs() < 1e-3);
    }

    #[test]
    fn arm_is_twenty_percent_cheaper_per_gb_second() {
        let ratio = US_EAST_1.arm64.duration_tiers[0].usd_per_unit
            / US_EAST_1.x86_64.duration_tiers[0].usd_per_unit;
        assert!((ratio - 0.8).abs() < 1e-4);
    }

    #[test]
    fn api_gateway_tier_examples_of_the_fact_sheet() {
        // REST 1B a month: 333 x 3.5 + 667 x 2.8 = $3,033.10; HTTP 1B: 300 + 700 x 0.9 = $930;
        // REST 21B: $49,763.10 (docs/src/facts.md §2.4)
        assert!((tiered_cost(1e9, &API_US_EAST_1.rest) - 3033.10).abs() < 1e-6);
        assert!((tiered_cost(1e9, &API_US_EAST_1.http) - 930.0).abs() < 1e-6);
        assert!((tiered_cost(21e9, &API_US_EAST_1.rest) - 49_763.10).abs() < 1e-3);
        assert!((tiered_cost(5e6, &API_US_EAST_1.rest) - 17.50).abs() < 1e-9);
        assert!((tiered_cost(216e6, &API_US_EAST_1.http) - 216.0).abs() < 1e-9);
    }

    #[test]
    fn unknown_region_has_no_table() {
        assert!(lambda_prices("us-east-1").is_some());
        assert!(lambda_prices("mars-north-1").is_none());
    }
}
