//! Step-by-step lifecycle of execution environments: step the simulation, assert the state.

use slsim::engine::{SimDuration, SimTime};
use slsim::lambda::{FunctionView, LambdaEvent};
use slsim::sim::{Event, Simulation};

use crate::common::*;

fn secs(s: f64) -> SimTime {
    SimTime::from_secs_f64(s)
}

fn view(sim: &Simulation) -> FunctionView {
    sim.lambda().view(0, sim.now())
}

/// Requests at 0 s and 2 s, each 500 ms after a 200 ms init, keep-alive 1 s.
fn two_requests(keep_alive: &str) -> Simulation {
    let s = scenario(&format!(
        r#"
        [simulation]
        name = "life"
        duration = "4s"
        [[lambda.function]]
        name = "f"
        init_duration = "200ms"
        keep_alive = "{keep_alive}"
        [[workload]]
        name = "w"
        target = "function:f"
        arrivals = {{ process = "constant", rate = 0.5 }}
        duration = "500ms"
        "#
    ));
    Simulation::new(&s, 1)
}

#[test]
fn cold_start_then_idle_then_expiry_then_cold_again() {
    let mut sim = two_requests("1s");
    let empty = FunctionView { environments: 0, idle_on_demand: 0, in_flight: 0, initialising: 0 };
    assert_eq!(view(&sim), empty);

    // t=0: the first request finds no environment: cold start (init + run)
    assert_eq!(sim.step(), Some((secs(0.0), Event::RequestArrived { workload: 0 })));
    assert_eq!(
        view(&sim),
        FunctionView { environments: 1, idle_on_demand: 0, in_flight: 1, initialising: 1 }
    );
    assert_eq!(sim.lambda().stats(0).cold_starts, 1);
    // init runs until 0.2 s, then the handler: the phase needs no event of its own
    assert_eq!(sim.lambda().view(0, secs(0.1999)).initialising, 1);
    assert_eq!(sim.lambda().view(0, secs(0.2)).initialising, 0);
    assert_eq!(sim.lambda().view(0, secs(0.2)).in_flight, 1);

    // t=0.7: it ends; the environment idles until 1.7
    let (t, e) = sim.step().unwrap();
    assert_eq!(t, secs(0.7));
    assert!(matches!(e, Event::Lambda(LambdaEvent::InvocationFinished { function: 0, .. })));
    assert_eq!(
        view(&sim),
        FunctionView { environments: 1, idle_on_demand: 1, in_flight: 0, initialising: 0 }
    );

    // t=1.7: keep-alive expired: reclaimed by the single reaper event
    let (t, e) = sim.step().unwrap();
    assert_eq!(t, secs(1.7));
    assert!(matches!(e, Event::Lambda(LambdaEvent::IdleExpiryDue { function: 0, .. })));
    assert_eq!(view(&sim), empty);

    // t=2: the second request is cold again
    assert_eq!(sim.step().unwrap().0, secs(2.0));
    assert_eq!(sim.lambda().stats(0).cold_starts, 2);
    assert_eq!(sim.step().unwrap().0, secs(2.7));
    // reclaimed at 3.7, still inside the run (4 s); then nothing is left
    assert_eq!(sim.step().unwrap().0, secs(3.7));
    assert_eq!(view(&sim), empty);
    assert_eq!(sim.step(), None);
    let out = sim.finish();
    assert_eq!(out.functions[0].1.invocations, 2);
}

#[test]
fn idle_environments_are_not_reaped_after_the_run_ends() {
    // keep-alive 1.5 s: the environment is reused at 2 s and would expire at 4 s, the run's end
    let mut sim = two_requests("1500ms");
    let mut last = SimTime::ZERO;
    while let Some((t, _)) = sim.step() {
        last = t;
    }
    assert_eq!(last, secs(2.5), "the last event is the last invocation's end");
    assert_eq!(sim.lambda().stats(0).cold_starts, 1);
    assert_eq!(view(&sim).environments, 1);
}

#[test]
fn warm_reuse_within_keep_alive() {
    let mut sim = two_requests("10m");
    while sim.step().is_some() {}
    let stats = sim.lambda().stats(0);
    assert_eq!((stats.invocations, stats.cold_starts), (2, 1));
    // warm request: latency is the run time only; cold: init + run
    assert_eq!(stats.latency.max(), SimDuration::from_millis(700).0);
    assert_eq!(stats.latency.quantile(0.01), 500_000_000.0);
}

#[test]
fn provisioned_environments_exist_from_the_start_and_never_cold_start() {
    let s = scenario(
        r#"
        [simulation]
        name = "pc"
        duration = "10s"
        [[lambda.function]]
        name = "f"
        runtime = "java21"
        reserved_concurrency = 10
        provisioned_concurrency = 3
        keep_alive = "1s"
        [[workload]]
        name = "w"
        target = "function:f"
        arrivals = { process = "constant", rate = 5.0 }
        duration = "300ms"
        "#,
    );
    let mut sim = Simulation::new(&s, 1);
    assert_eq!(view(&sim).environments, 3, "provisioned environments are initialised at start");
    while sim.step().is_some() {}
    assert_eq!(view(&sim).environments, 3, "provisioned environments are never reclaimed");
    let stats = sim.lambda().stats(0);
    assert_eq!(stats.invocations, 50);
    assert_eq!(stats.cold_starts, 0);
    assert_eq!(stats.provisioned_invocations, 50);
}

#[test]
fn provisioned_overflow_spills_to_on_demand_within_the_reservation() {
    // 4 at once (constant 4 per 100 ms would be 40/s; use 20 per second of 1 s work = 20
    // concurrent): 2 provisioned, 8 more on demand, the rest throttled by the reservation of 10.
    let s = scenario(
        r#"
        [simulation]
        name = "pc"
        duration = "5s"
        [[lambda.function]]
        name = "f"
        init_duration = "0s"
        reserved_concurrency = 10
        provisioned_concurrency = 2
        timeout = "10s"
        [[workload]]
        name = "w"
        target = "function:f"
        arrivals = { process = "constant", rate = 20.0 }
        duration = "1s"
        "#,
    );
    let f = only_function(&summarize(&s)).clone();
    assert_eq!(f64_at(&f, "concurrency.max"), 10.0);
    assert!(f64_at(&f, "throttles") > 0.0);
    assert_eq!(f64_at(&f, "invocations") + f64_at(&f, "throttles"), 100.0);
    assert!(f64_at(&f, "provisioned_invocations") > 0.0);
    assert!(f64_at(&f, "provisioned_invocations") < f64_at(&f, "invocations"));
}

#[test]
fn timeouts_are_stopped_billed_to_the_timeout_and_reset_the_environment() {
    let s = scenario(
        r#"
        [simulation]
        name = "timeout"
        duration = "10s"
        [[lambda.function]]
        name = "f"
        memory_size = 2048
        init_duration = "0s"
        timeout = "1s"
        [[workload]]
        name = "w"
        target = "function:f"
        arrivals = { process = "constant", rate = 0.5 }
        duration = "5s"
        "#,
    );
    let f = only_function(&summarize(&s)).clone();
    assert_eq!(f64_at(&f, "invocations"), 5.0);
    assert_eq!(f64_at(&f, "timeouts"), 5.0);
    assert_eq!(f64_at(&f, "completed"), 0.0);
    // each billed for exactly 1 s at 2 GB
    assert_eq!(f64_at(&f, "billed_gb_seconds"), 10.0);
    // a timeout resets the environment, so every request is a cold start
    assert_eq!(f64_at(&f, "cold_starts"), 5.0);
}

#[test]
fn errors_follow_the_error_rate_and_are_left_out_of_latency() {
    let s = scenario(
        r#"
        [simulation]
        name = "errors"
        duration = "1000s"
        [[lambda.function]]
        name = "f"
        init_duration = "0s"
        error_rate = 0.25
        [[workload]]
        name = "w"
        target = "function:f"
        arrivals = { process = "poisson", rate = 40.0 }
        duration = "10ms"
        "#,
    );
    let f = only_function(&summarize(&s)).clone();
    let n = f64_at(&f, "invocations");
    let share = f64_at(&f, "errors") / n;
    // 40,000 Bernoulli(0.25) trials: sd 0.0022
    assert!((share - 0.25).abs() < 0.01, "{share}");
    assert_eq!(f64_at(&f, "completed") + f64_at(&f, "errors"), n);
}

#[test]
fn cpu_bound_work_scales_with_memory_up_to_six_vcpus() {
    let run = |memory: u32, threads: u32, cpu_bound: f64| {
        let s = scenario(&format!(
            r#"
            [simulation]
            name = "cpu"
            duration = "10s"
            [[lambda.function]]
            name = "f"
            memory_size = {memory}
            init_duration = "0s"
            timeout = "900s"
            [[workload]]
            name = "w"
            target = "function:f"
            arrivals = {{ process = "constant", rate = 1.0 }}
            duration = "1s"
            cpu_bound = {cpu_bound}
            threads = {threads}
            "#
        ));
        f64_at(only_function(&summarize(&s)), "latency_ms.max")
    };
    // d (1 - c) + d c / min(vcpu, threads), vcpu = memory / 1769, at most 6
    let expect = |memory: f64, threads: f64, c: f64| {
        1000.0 * ((1.0 - c) + c / (memory / 1769.0).min(6.0).min(threads))
    };
    for (m, t, c) in [
        (1769, 1, 1.0),
        (885, 1, 1.0),
        (3538, 2, 1.0),
        (3538, 1, 1.0),
        (10240, 8, 1.0),
        (512, 1, 0.5),
        (512, 1, 0.0),
    ] {
        let got = run(m, t, c);
        let want = expect(m as f64, t as f64, c);
        assert!(
            (got - want).abs() < 1e-3,
            "memory {m}, threads {t}, cpu_bound {c}: {got} ms, expected {want}"
        );
    }
}

#[test]
fn warmup_is_left_out_of_the_metrics() {
    let s = scenario(
        r#"
        [simulation]
        name = "warm"
        duration = "100s"
        warmup = "30s"
        [[lambda.function]]
        name = "f"
        init_duration = "1s"
        [[workload]]
        name = "w"
        target = "function:f"
        arrivals = { process = "constant", rate = 10.0 }
        duration = "50ms"
        "#,
    );
    let sum = summarize(&s);
    let f = only_function(&sum);
    assert_eq!(f64_at(f, "invocations"), 700.0);
    assert_eq!(f64_at(f, "cold_starts"), 0.0, "the only cold start happened in the warm-up");
    assert_eq!(f64_at(&sum, "measured_seconds"), 70.0);
}
