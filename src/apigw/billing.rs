//! API Gateway's request charges: monthly volume tiers per API type over the account's APIs,
//! shared out to APIs in proportion to their billed units.

use crate::config::ApiType;
use crate::pricing::{ApiPrices, tiered_cost};

/// What one API used in the simulated period.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ApiUsage {
    pub api_type: ApiType,
    /// Billed requests (HTTP: 512 KB units) or WebSocket messages (32 KB units).
    pub units: u64,
    pub connection_minutes: u64,
}

/// The (requests or messages, connection minutes) cost of each API, in `usages`' order.
/// `month` as in [`crate::lambda::billing::bill`]; `free_tier` takes off the 12-month free
/// tier. Tiers act on the account's total of each API type, shared out by usage.
pub fn bill(
    prices: &ApiPrices,
    free_tier: bool,
    month: f64,
    usages: &[ApiUsage],
) -> Vec<(f64, f64)> {
    let total = |t: ApiType| -> f64 {
        usages.iter().filter(|u| u.api_type == t).map(|u| u.units as f64).sum()
    };
    let free = |n: u64| if free_tier { n as f64 } else { 0.0 };
    let monthly = |volume: f64, free: f64, tiers: &[_]| {
        tiered_cost((volume * month - free).max(0.0), tiers) / month
    };
    let cost_of = |t: ApiType| -> f64 {
        match t {
            ApiType::Rest => monthly(total(t), free(prices.free_rest), &prices.rest),
            ApiType::Http => monthly(total(t), free(prices.free_http), &prices.http),
            ApiType::WebSocket => {
                monthly(total(t), free(prices.free_messages), &prices.websocket_messages)
            }
        }
    };
    let minutes: f64 = usages.iter().map(|u| u.connection_minutes as f64).sum();
    let minutes_cost = (minutes * month - free(prices.free_connection_minutes)).max(0.0) / month
        * prices.websocket_connection_minute;
    let share = |part: f64, whole: f64| if whole > 0.0 { part / whole } else { 0.0 };
    usages
        .iter()
        .map(|u| {
            let units = cost_of(u.api_type) * share(u.units as f64, total(u.api_type));
            (units, minutes_cost * share(u.connection_minutes as f64, minutes))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::API_US_EAST_1;

    fn usage(api_type: ApiType, units: u64) -> ApiUsage {
        ApiUsage { api_type, units, connection_minutes: 0 }
    }

    #[test]
    fn the_pricing_examples_and_tier_totals() {
        // REST example: 5M calls = $17.50; HTTP: 216M = $216; REST 1B = $3,033.10
        let c = bill(&API_US_EAST_1, false, 1.0, &[usage(ApiType::Rest, 5_000_000)]);
        assert!((c[0].0 - 17.50).abs() < 1e-9);
        let c = bill(&API_US_EAST_1, false, 1.0, &[usage(ApiType::Http, 216_000_000)]);
        assert!((c[0].0 - 216.0).abs() < 1e-6);
        // two REST APIs share the tiers: 600M + 400M = 1B, split 60/40
        let c = bill(
            &API_US_EAST_1,
            false,
            1.0,
            &[usage(ApiType::Rest, 600_000_000), usage(ApiType::Rest, 400_000_000)],
        );
        assert!((c[0].0 + c[1].0 - 3033.10).abs() < 1e-6);
        assert!((c[0].0 / (c[0].0 + c[1].0) - 0.6).abs() < 1e-12);
    }

    #[test]
    fn free_tier_and_monthly_mode() {
        let c = bill(&API_US_EAST_1, true, 1.0, &[usage(ApiType::Http, 3_000_000)]);
        assert!((c[0].0 - 2.0).abs() < 1e-9);
        // a day of 20M REST calls priced in a 30-day month of the same traffic: 600M a month
        // = 333M x 3.5 + 267M x 2.8 = $1,913.10, a thirtieth of it
        let c = bill(&API_US_EAST_1, false, 30.0, &[usage(ApiType::Rest, 20_000_000)]);
        assert!((c[0].0 - 1913.10 / 30.0).abs() < 1e-6);
    }

    #[test]
    fn websocket_messages_and_connection_minutes() {
        // 2M messages and 4M connection minutes, no free tier: $2.00 + $1.00
        let ws = ApiUsage {
            api_type: ApiType::WebSocket,
            units: 2_000_000,
            connection_minutes: 4_000_000,
        };
        let c = bill(&API_US_EAST_1, false, 1.0, &[ws]);
        assert!((c[0].0 - 2.0).abs() < 1e-9 && (c[0].1 - 1.0).abs() < 1e-9);
        // free tier: 1M messages and 750,000 minutes off
        let c = bill(&API_US_EAST_1, true, 1.0, &[ws]);
        assert!((c[0].0 - 1.0).abs() < 1e-9 && (c[0].1 - 3_250_000.0 * 0.25e-6).abs() < 1e-9);
    }
}
