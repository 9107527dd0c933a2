//! Provisioned concurrency that follows a schedule or tracks utilisation.

use slsim::engine::SimTime;
use slsim::sim::Simulation;

use crate::common::*;

fn pc_scenario(pc_keys: &str, rate: f64, duration: &str) -> slsim::config::Scenario {
    scenario(&format!(
        r#"
        [simulation]
        name = "pc"
        duration = "{duration}"
        [[lambda.function]]
        name = "f"
        memory_size = 2048
        init_duration = "200ms"
        reserved_concurrency = 200
        {pc_keys}
        [[workload]]
        name = "w"
        target = "function:f"
        arrivals = {{ process = "poisson", rate = {rate} }}
        duration = "100ms"
        "#
    ))
}

#[test]
fn a_schedule_allocates_after_the_delay_and_bills_what_is_configured() {
    let s = pc_scenario(
        r#"provisioned_schedule = [["0s", 0], ["1h", 10], ["2h", 0]]
        provisioned_allocation_delay = "90s""#,
        20.0,
        "3h",
    );
    let mut sim = Simulation::new(&s, 1);
    let before = SimTime::from_secs_f64(3600.0 + 89.0);
    while sim.peek_time().is_some_and(|t| t <= before) {
        sim.step();
    }
    let idle_before = sim.lambda().view(0, sim.now()).environments;
    while sim.peek_time().is_some_and(|t| t <= SimTime::from_secs_f64(3600.0 + 91.0)) {
        sim.step();
    }
    let idle_after = sim.lambda().view(0, sim.now()).environments;
    assert!(
        idle_after >= idle_before + 8,
        "{idle_before} -> {idle_after}: 10 provisioned arrive at 1h30s"
    );
    let out = sim.run();
    let stats = &out.functions[0].1;
    assert!(stats.provisioned_invocations > 0);
    // configured 10 x 2 GB for exactly one hour, from the request (not the allocation)
    assert!((stats.usage.provisioned_configured_gb_s - 10.0 * 2.0 * 3600.0).abs() < 1e-6);
    let sum = summarize(&s);
    let f = only_function(&sum);
    assert_eq!(f64_at(f, "provisioned_concurrency.max"), 10.0);
    assert!((f64_at(f, "provisioned_concurrency.mean") - 10.0 / 3.0).abs() < 1e-9);
}

#[test]
fn target_tracking_scales_out_until_utilisation_is_near_the_target() {
    // ~20 concurrent (200/s x 100 ms), starting from 5 provisioned: utilisation 1.0 until
    // the pool grows to about 20 / 0.7
    let s = pc_scenario(
        "provisioned_concurrency = 5\nprovisioned_autoscaling = { target = 0.7, min = 1, max = 100 }",
        200.0,
        "2h",
    );
    let out = slsim::sim::run(&s, 1);
    let stats = &out.functions[0].1;
    let max = stats.provisioned.max();
    assert!((25..=40).contains(&max), "scaled out to {max}");
    assert!(stats.provisioned_invocations as f64 > 0.8 * stats.invocations as f64);
}

#[test]
fn target_tracking_scales_in_slowly_when_idle() {
    // 50 provisioned for ~2 concurrent: below 90% of the target every minute, so every 15
    // minutes the pool shrinks to ceil(n x u / 0.7)
    let s = pc_scenario(
        "provisioned_concurrency = 50\nprovisioned_autoscaling = { target = 0.7, min = 3, max = 100 }",
        20.0,
        "1h",
    );
    let mut sim = Simulation::new(&s, 1);
    while sim.peek_time().is_some_and(|t| t < SimTime::from_secs_f64(14.0 * 60.0)) {
        sim.step();
    }
    assert_eq!(sim.lambda().stats(0).provisioned.value(), 50, "no change before 15 low minutes");
    let out = sim.run();
    let pc = &out.functions[0].1.provisioned;
    assert!(pc.value() < 10 && pc.value() >= 3, "scaled in to {}", pc.value());
}

#[test]
fn provisioned_plans_are_validated() {
    let err = |keys: &str| function_error(&format!("reserved_concurrency = 20\n{keys}"));
    let e = err(r#"provisioned_schedule = [["1h", 5], ["30m", 2]]"#);
    assert!(e.contains("provisioned_schedule[1]") && e.contains("times must increase"), "{e}");
    let e = err(r#"provisioned_schedule = [["0s", 30]]"#);
    assert!(e.contains("30 exceeds reserved_concurrency = 20"), "{e}");
    let e = err("provisioned_autoscaling = { target = 1.5 }");
    assert!(e.contains("provisioned_autoscaling.target") && e.contains("1.5"), "{e}");
    let e = err("provisioned_schedule = [[\"0s\", 1]]\nprovisioned_autoscaling = { max = 5 }");
    assert!(e.contains("not both"), "{e}");
}
