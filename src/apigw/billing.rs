//! API Gateway's request charges: monthly volume tiers per API type over the account's APIs,
//! shared out to APIs in proportion to their billed units.

use crate::config::ApiType;
use crate::pricing::{ApiPrices, tiered_cost};

/// The request cost of each API (same order as `metered`: each API's type and billed units).
/// `month` as in [`crate::lambda::billing::bill`]; `free_tier` takes off the 12-month free
/// tier (1M REST and 1M HTTP calls a month).
pub fn bill(
    prices: &ApiPrices,
    free_tier: bool,
    month: f64,
    metered: &[(ApiType, u64)],
) -> Vec<f64> {
    let total = |t: ApiType| -> f64 {
        metered.iter().filter(|(ty, _)| *ty == t).map(|(_, n)| *n as f64).sum()
    };
    let cost_of = |t: ApiType| -> f64 {
        let (tiers, free): (&[_], u64) = match t {
            ApiType::Rest => (&prices.rest, prices.free_rest),
            ApiType::Http => (&prices.http, prices.free_http),
        };
        let free = if free_tier { free as f64 } else { 0.0 };
        tiered_cost((total(t) * month - free).max(0.0), tiers) / month
    };
    let (rest, http) = (cost_of(ApiType::Rest), cost_of(ApiType::Http));
    metered
        .iter()
        .map(|&(t, n)| {
            let (cost, all) = match t {
                ApiType::Rest => (rest, total(ApiType::Rest)),
                ApiType::Http => (http, total(ApiType::Http)),
            };
            if all > 0.0 { cost * n as f64 / all } else { 0.0 }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::API_US_EAST_1;

    #[test]
    fn the_pricing_examples_and_tier_totals() {
        // REST example: 5M calls = $17.50; HTTP: 216M = $216; REST 1B = $3,033.10
        let c = bill(&API_US_EAST_1, false, 1.0, &[(ApiType::Rest, 5_000_000)]);
        assert!((c[0] - 17.50).abs() < 1e-9);
        let c = bill(&API_US_EAST_1, false, 1.0, &[(ApiType::Http, 216_000_000)]);
        assert!((c[0] - 216.0).abs() < 1e-6);
        // two REST APIs share the tiers: 600M + 400M = 1B, split 60/40
        let c = bill(
            &API_US_EAST_1,
            false,
            1.0,
            &[(ApiType::Rest, 600_000_000), (ApiType::Rest, 400_000_000)],
        );
        assert!((c[0] + c[1] - 3033.10).abs() < 1e-6);
        assert!((c[0] / (c[0] + c[1]) - 0.6).abs() < 1e-12);
    }

    #[test]
    fn free_tier_and_monthly_mode() {
        let c = bill(&API_US_EAST_1, true, 1.0, &[(ApiType::Http, 3_000_000)]);
        assert!((c[0] - 2.0).abs() < 1e-9);
        // a day of 20M REST calls priced in a 30-day month of the same traffic: 600M a month
        // = 333M x 3.5 + 267M x 2.8 = $1,913.10, a thirtieth of it
        let c = bill(&API_US_EAST_1, false, 30.0, &[(ApiType::Rest, 20_000_000)]);
        assert!((c[0] - 1913.10 / 30.0).abs() < 1e-6);
    }
}
