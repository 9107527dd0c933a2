//! `[[queue]]`: event-source mappings and their queues or streams.

use std::collections::HashSet;

use super::Checker;
use super::workloads::{Target, resolve_function};
use crate::config::raw::*;
use crate::config::*;

/// Every `[[queue]]`: names unique, each checked by [`validate_queue`].
pub(super) fn validate_queues(
    c: &mut Checker,
    raw: &[RawQueue],
    functions: &[FunctionConfig],
) -> Vec<QueueConfig> {
    let index = super::workloads::function_index(functions);
    let mut names = HashSet::new();
    let mut out = Vec::new();
    for (i, q) in raw.iter().enumerate() {
        let idx = i;
        let i = &super::item_key("queue", i, &q.name);
        if !names.insert(q.name.as_str()) {
            let msg = format!("\"{}\" is declared twice; queue names must be unique", q.name);
            c.bad(format!("queue[{idx}].name"), msg);
        }
        out.extend(validate_queue(c, i, q, functions, &index));
    }
    out
}

/// One queue: the mapping's batch and scaling settings (docs/src/facts.md §1.5) and the queue's
/// own (SQS and Kinesis quotas). A key of another kind of source is refused, not ignored.
fn validate_queue(
    c: &mut Checker,
    i: &str,
    q: &RawQueue,
    functions: &[FunctionConfig],
    index: &super::workloads::FunctionIndex,
) -> Option<QueueConfig> {
    let key = |k: &str| format!("{i}.{k}");
    let name_ok = !q.name.is_empty()
        && q.name.len() <= 80
        && q.name.chars().all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch));
    if !name_ok {
        let msg = "is not a queue name: 1-80 letters, digits, '-', '_' or '.'";
        c.bad(key("name"), format!("\"{}\" {msg}", q.name));
    }
    let kind = match q.kind {
        RawQueueKind::Sqs => QueueKind::Sqs,
        RawQueueKind::SqsFifo => QueueKind::SqsFifo,
        RawQueueKind::Kinesis => QueueKind::Kinesis,
        RawQueueKind::DynamodbStream => QueueKind::DynamodbStream,
    };
    refuse_keys_of_other_kinds(c, i, q, kind);
    let function = match q.target.as_deref() {
        Some(t) => match t.split_once(':') {
            Some(("function", name)) => {
                match resolve_function(c, key("target"), t, name, functions, index) {
                    Some(Target::Function(f)) => Some(f),
                    _ => None,
                }
            }
            _ => {
                let msg = "is not allowed; a mapping invokes a function: \"function:NAME\"";
                c.bad(key("target"), format!("\"{t}\" {msg}"));
                None
            }
        },
        None => {
            let msg = "missing: set target = \"function:NAME\", the function the mapping invokes";
            c.bad(key("target"), msg);
            None
        }
    };
    let fifo = kind == QueueKind::SqsFifo;
    let (default_batch, max_batch, why) = match kind {
        QueueKind::Sqs => (10, 10_000, ""),
        QueueKind::SqsFifo => (10, 10, " (FIFO queues)"),
        QueueKind::Kinesis | QueueKind::DynamodbStream => (100, 10_000, ""),
    };
    let batch_size = c.int(&key("batch_size"), q.batch_size, default_batch, 1, max_batch, why);
    let batch_window = c.duration(&key("batch_window"), q.batch_window, 0, 0, 300);
    if fifo && batch_window > SimDuration::ZERO {
        let msg = "a batching window is not supported for FIFO queues; remove it";
        c.bad(key("batch_window"), format!("\"{batch_window}\": {msg}"));
    }
    if kind == QueueKind::Sqs && batch_size > 10 && batch_window < SimDuration::from_secs(1) {
        let msg = "a batch of more than 10 messages needs batch_window of at least \"1s\"";
        c.bad(
            key("batch_window"),
            format!("\"{batch_window}\" with batch_size = {batch_size}: {msg}"),
        );
    }
    let maximum_concurrency = q
        .maximum_concurrency
        .map(|m| c.int(&key("maximum_concurrency"), Some(m), 2, 2, 1000, " concurrent batches"));
    let shards = c.int(&key("shards"), q.shards, 1, 1, 10_000, "");
    let parallelization_factor =
        c.int(&key("parallelization_factor"), q.parallelization_factor, 1, 1, 10, "");
    // AWS refuses a mapping whose queue hides messages for less than the function may run,
    // and recommends six times the timeout plus the batching window (docs/src/facts.md §1.5).
    let timeout = function.map_or(SimDuration::from_secs(3), |f| functions[f].timeout);
    let recommended = SimDuration(timeout.0 * 6 + batch_window.0);
    let visibility_timeout = q.visibility_timeout.map_or(recommended, |v| v.0);
    let vt_ok =
        visibility_timeout >= timeout && visibility_timeout <= SimDuration::from_secs(43_200);
    if kind.is_sqs() && !vt_ok {
        c.bad(
            key("visibility_timeout"),
            format!(
                "\"{visibility_timeout}\" is out of range; allowed the function's timeout \
                 (\"{timeout}\")..=\"12h\" (AWS recommends 6 x the timeout + batch_window = \
                 \"{recommended}\")"
            ),
        );
    }
    let max_receive_count =
        q.max_receive_count.map(|m| c.int(&key("max_receive_count"), Some(m), 1, 1, 1000, ""));
    let retention = match kind {
        QueueKind::Sqs | QueueKind::SqsFifo => {
            c.duration(&key("retention"), q.retention, 4 * 86_400, 60, 14 * 86_400)
        }
        QueueKind::Kinesis => {
            c.duration(&key("retention"), q.retention, 86_400, 86_400, 31_536_000)
        }
        QueueKind::DynamodbStream => {
            if let Some(r) = q.retention.filter(|r| r.0 != SimDuration::from_secs(86_400)) {
                let msg = "DynamoDB streams keep records for 24 hours; remove retention";
                c.bad(key("retention"), format!("\"{}\": {msg}", r.0));
            }
            SimDuration::from_secs(86_400)
        }
    };
    let message_groups = c.int(&key("message_groups"), q.message_groups, 1, 1, 100_000, "");
    let maximum_retry_attempts = match q.maximum_retry_attempts {
        None | Some(-1) => None,
        Some(n) => {
            let why = " (or -1: until the records expire)";
            Some(c.int(&key("maximum_retry_attempts"), Some(n), 0, 0, 10_000, why))
        }
    };
    let maximum_record_age = q
        .maximum_record_age
        .map(|_| c.duration(&key("maximum_record_age"), q.maximum_record_age, 60, 60, 604_800));
    Some(QueueConfig {
        name: q.name.clone(),
        kind,
        function: function?,
        batch_size,
        batch_window,
        maximum_concurrency,
        shards,
        parallelization_factor,
        visibility_timeout,
        max_receive_count,
        retention,
        message_groups,
        maximum_retry_attempts,
        maximum_record_age,
    })
}

/// Keys that exist for other kinds of source only.
fn refuse_keys_of_other_kinds(c: &mut Checker, i: &str, q: &RawQueue, kind: QueueKind) {
    let sqs = [
        ("maximum_concurrency", q.maximum_concurrency.is_some()),
        ("visibility_timeout", q.visibility_timeout.is_some()),
        ("max_receive_count", q.max_receive_count.is_some()),
    ];
    let fifo = [("message_groups", q.message_groups.is_some())];
    let stream = [
        ("shards", q.shards.is_some()),
        ("parallelization_factor", q.parallelization_factor.is_some()),
        ("maximum_retry_attempts", q.maximum_retry_attempts.is_some()),
        ("maximum_record_age", q.maximum_record_age.is_some()),
    ];
    for (applies, kinds, keys) in [
        (kind.is_sqs(), "sqs and sqs-fifo", &sqs[..]),
        (kind == QueueKind::SqsFifo, "sqs-fifo", &fifo[..]),
        (kind.is_stream(), "kinesis and dynamodb-stream", &stream[..]),
    ] {
        for &(k, present) in keys.iter().filter(|_| !applies) {
            if present {
                let msg = format!("applies only to kind {kinds}, not to \"{}\"", kind.as_str());
                c.bad(format!("{i}.{k}"), msg);
            }
        }
    }
}
