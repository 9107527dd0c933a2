//! Scheduled vertical resizing of EC2 instances (`resize_schedule`).
//!
//! An EBS-backed instance changes type by stop -> change type -> start (aws-facts 4.2,
//! EC2-RESIZE). slsim deregisters it first, as one does behind a load balancer: it takes no
//! new requests and finishes what it holds (cut at `deregistration_delay` if one applies),
//! then stops. It starts again at once with the new type: it serves after `startup` (boot and
//! application start) plus `health_check_delay`, and it is billed as a new start (per second,
//! 60 s minimum) at the new type's price. Requests that arrive while no instance serves get
//! 503, as from a load balancer with no healthy target.

use super::{LaunchBucket, Service, ServiceModel};
use crate::engine::SimTime;
use crate::sim::Event;

/// From `at` on, the service's instances are of `instance_type`.
#[derive(Debug, Clone, PartialEq)]
pub struct Resize {
    pub at: SimTime,
    pub instance_type: String,
    pub vcpu: f64,
    pub memory_mb: u32,
    pub usd_per_hour: f64,
}

/// The size and price of the instances a service launches now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Size {
    pub vcpu: f64,
    pub memory_mb: u32,
    pub usd_per_hour: f64,
}

impl ServiceModel {
    /// Entry `index` of the service's `resize_schedule`: every running instance is drained and
    /// restarted with the new type.
    pub(super) fn resize(
        &mut self,
        service: usize,
        index: usize,
        now: SimTime,
        queue: &mut crate::engine::EventQueue<Event>,
    ) {
        let s = &mut self.services[service];
        let r = &s.cfg.resize_schedule[index];
        s.size = Size { vcpu: r.vcpu, memory_mb: r.memory_mb, usd_per_hour: r.usd_per_hour };
        for t in 0..s.tasks.len() {
            let task = &s.tasks[t];
            if task.gone || task.draining {
                continue;
            }
            s.tasks[t].resizing = true;
            s.begin_drain(t, now, queue, &mut self.rng, &mut self.launches);
        }
    }
}

impl Service {
    /// A resized instance stopped at `now`: it starts again with the service's current size.
    pub(super) fn restart(
        &mut self,
        now: SimTime,
        rng: &mut rand_pcg::Pcg64Mcg,
        bucket: &mut LaunchBucket,
    ) {
        self.launch(1, now, rng, bucket);
    }
}
