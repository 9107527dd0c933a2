//! The closed set of events of a run, one enum per platform model wrapped in [`Event`].
//!
//! Defined below the models so that each model can schedule its own events and those of the
//! models it calls without importing the run that dispatches them.

/// An execution environment of a Lambda function (its slot in the function's pool).
pub type EnvId = u32;

/// Every event of a run: a closed set, matched exhaustively.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The next request of a workload arrives.
    RequestArrived {
        workload: u32,
    },
    /// The next request of a replayed trace arrives.
    TraceArrived {
        trace: u32,
    },
    Lambda(LambdaEvent),
    Esm(EsmEvent),
    Api(ApiEvent),
    Service(ServiceEvent),
}

/// Events of the Lambda model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LambdaEvent {
    /// An invocation ended (completed, failed or timed out); its environment is free.
    InvocationFinished { function: u32, env: EnvId },
    /// The earliest idle expiry of a function may have come. Stale unless `generation` is the
    /// function's current one.
    IdleExpiryDue { function: u32, generation: u32 },
    /// The earliest waiting asynchronous event of a function is due (same staleness rule).
    AsyncEventDue { function: u32, generation: u32 },
    /// The earliest pre-warm of a function is due (same staleness rule).
    PrewarmDue { function: u32, generation: u32 },
    /// A scheduled action sets a function's provisioned concurrency.
    ProvisionedSet { function: u32, target: u32 },
    /// Provisioned environments requested earlier are ready, up to `up_to`.
    ProvisionedReady { function: u32, up_to: u32 },
    /// A minute of target tracking on provisioned-concurrency utilisation.
    ProvisioningTick { function: u32 },
}

/// Events of the event-source mappings. A timer event is stale unless its time is the one its
/// timer is armed for (`esm::Timer`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EsmEvent {
    /// A deadline of a source may have come: visibility timeouts, a batching window, a poller
    /// added, the end of a throttle backoff.
    SourceDue { source: u32 },
    /// A stream lane's next poll, batching-window end or retry may have come.
    LaneDue { source: u32, lane: u32 },
}

/// Events of the API Gateway model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiEvent {
    /// The authorizer of a waiting request answered: start its integration.
    AuthorizerAnswered { slot: u32 },
    /// A WebSocket connection sends its next message, or closes if that is past its end.
    MessageDue { connection: u32 },
}

/// Events of the service model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceEvent {
    /// A request finished on a task; `slot` is where the task holds it.
    RequestDone { service: u32, task: u32, slot: u32 },
    /// Target tracking evaluates its metric.
    ScalingTick { service: u32 },
    /// Entry `index` of the service's `capacity_schedule` takes effect.
    ScheduledCapacity { service: u32, index: u32 },
    /// A draining task's deregistration delay has passed: what it still holds is cut.
    DeregistrationDelayOver { service: u32, task: u32 },
    /// Entry `index` of the service's `resize_schedule` takes effect.
    ScheduledResize { service: u32, index: u32 },
    /// A Fargate Spot task gets its two-minute warning.
    SpotWarning { service: u32, task: u32 },
    /// A warned Spot task is stopped.
    SpotStop { service: u32, task: u32 },
    /// An ECS-on-EC2 container instance may have been empty for `scale_in_after`.
    InstanceIdle { service: u32, instance: u32 },
}
