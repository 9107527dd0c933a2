//! The discrete-event engine: integer time and a totally ordered event queue.
//!
//! It knows nothing of Lambda, ECS or EC2. A platform model owns an [`EventQueue`] of its own
//! closed event enum, pops the next event, handles it, and schedules follow-ups. The queue is
//! the only place simulated time advances.

mod queue;
mod seed;
mod time;

pub use queue::{EventQueue, ScheduleError};
pub use seed::derive_seed;
pub use time::{NANOS_PER_SEC, SimDuration, SimTime};
