//! Scheduled vertical resizing of EC2 instances (`resize_schedule`).
//!
//! An EBS-backed instance changes type by stop -> change type -> start (docs/src/facts.md §4.2,
//! EC2-RESIZE). slsim deregisters it first, as one does behind a load balancer: it takes no
//! new requests and finishes what it holds (cut at `deregistration_delay` if one applies),
//! then stops. It starts again at once with the new type: it serves after `startup` (boot and
//! application start) plus `health_check_delay`, and it is billed as a new start (per second,
//! 60 s minimum) at the new type's price. Requests that arrive while no instance serves get
//! 503, as from a load balancer with no healthy target.

use super::{Cx, Service};
pub use crate::config::settings::Resize;
use crate::engine::SimTime;

/// The size and price of the instances a service launches now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Size {
    pub vcpu: f64,
    pub memory_mb: u32,
    pub usd_per_hour: f64,
}

impl Service {
    /// Entry `index` of the service's `resize_schedule`: every running instance is drained and
    /// restarted with the new type.
    pub(super) fn resize(&mut self, index: usize, now: SimTime, cx: &mut Cx) {
        let r = &self.cfg.resize_schedule[index];
        self.size = Size { vcpu: r.vcpu, memory_mb: r.memory_mb, usd_per_hour: r.usd_per_hour };
        for t in 0..self.tasks.len() {
            let task = &self.tasks[t];
            if task.gone || task.draining {
                continue;
            }
            self.tasks[t].resizing = true;
            self.begin_drain(t, now, cx);
        }
    }

    /// A resized instance stopped at `now`: it starts again with the service's current size.
    pub(super) fn restart(&mut self, now: SimTime, cx: &mut Cx) {
        self.launch(1, now, cx);
    }
}
