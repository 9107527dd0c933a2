//! Reading Lambda REPORT records from log exports, one file at a time, streaming.
//!
//! ```text
//! file --first non-blank byte '{' and an `events` key (or a multi-line JSON document)?
//!   |-- yes: `aws logs filter-log-events` JSON: each event's `message`, stamped `timestamp`
//!   '-- no:  lines (at most MAX_LINE bytes each):
//!              [TIMESTAMP [STREAM]] REPORT RequestId: ...   (slsim --logs, aws logs tail, plain)
//!              [TIMESTAMP [STREAM]] {"type": "platform.report", ...}   (JSON-format logs)
//!              anything else: skipped and counted
//! ```
//!
//! A message is a REPORT record when it holds `REPORT RequestId:` (the text format) or is a
//! JSON object whose `type` is `platform.report` (the JSON log format). Only the records are
//! kept: memory grows with their number, not with the files' size.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde::Deserialize;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::import::{ImportError, time};

/// The longest line read (1 MB): longer ones are an error (Lambda cuts log events at 256 KB).
pub const MAX_LINE: usize = 1 << 20;

/// How an invocation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Success,
    /// `Status: error` (text) or `"status": "error"` / `"failure"` (JSON).
    Error,
    /// `Status: timeout`.
    Timeout,
}

/// One REPORT record.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Index into [`Reader::functions`].
    pub function: u32,
    /// When the record was written (the invocation's end), ms since the Unix epoch; `None`
    /// for a line without a timestamp.
    pub end_ms: Option<f64>,
    pub duration_ms: f64,
    pub billed_ms: Option<f64>,
    pub memory_mb: u32,
    pub max_memory_mb: Option<u32>,
    /// `Init Duration` (or SnapStart's `Restore Duration`): the invocation was a cold start.
    pub init_ms: Option<f64>,
    pub restore: bool,
    pub status: Status,
    /// Where it was read: index into [`Reader::per_file`] and its place (`line 12`,
    /// `events[3]`), for errors found after reading.
    pub file: u32,
    pub place: u64,
    pub in_events: bool,
}

impl Report {
    /// `line N` or `events[N]`.
    pub fn place(&self) -> String {
        if self.in_events {
            format!("events[{}]", self.place)
        } else {
            format!("line {}", self.place)
        }
    }
}

/// The fields of a message, before the function is known.
struct Fields {
    end_ms: Option<f64>,
    function: Option<String>,
    report: Report,
}

/// Reads files into REPORT records.
#[derive(Debug, Default)]
pub struct Reader {
    /// `--function`: every record belongs to it.
    pub forced: Option<String>,
    /// Function names (sanitised), in order of first appearance.
    pub functions: Vec<String>,
    pub reports: Vec<Report>,
    /// Lines (or events) that are not REPORT records.
    pub skipped: u64,
    /// Per file: its path and its REPORT records.
    pub per_file: Vec<(String, u64)>,
}

impl Reader {
    pub fn new(forced: Option<&str>) -> Reader {
        Reader { forced: forced.map(|f| crate::trace::lambda_name(f, 64)), ..Reader::default() }
    }

    fn function_index(&mut self, name: &str) -> u32 {
        if let Some(i) = self.functions.iter().position(|f| f == name) {
            return i as u32;
        }
        self.functions.push(name.to_string());
        (self.functions.len() - 1) as u32
    }

    fn push(&mut self, path: &Path, fields: Fields, place: u64, in_events: bool) {
        let name = match (&self.forced, &fields.function) {
            (Some(f), _) => f.clone(),
            (None, Some(f)) => crate::trace::lambda_name(f, 64),
            (None, None) => crate::trace::lambda_name(&file_stem(path), 64),
        };
        let mut report = fields.report;
        report.function = self.function_index(&name);
        report.end_ms = fields.end_ms;
        report.file = self.per_file.len() as u32;
        report.place = place;
        report.in_events = in_events;
        self.reports.push(report);
    }

    /// Reads one file (a filter-log-events page or a log file).
    pub fn read_file(&mut self, path: &Path) -> Result<(), ImportError> {
        let before = self.reports.len();
        let err = |place: String, msg: String| ImportError::new(path, place, msg);
        let file = File::open(path).map_err(|e| err(String::new(), format!("cannot read: {e}")))?;
        let mut r = BufReader::new(file);
        let first = first_line(&mut r).map_err(|e| err(String::new(), e))?;
        let t = first.trim();
        let document = t.starts_with('{')
            && match serde_json::from_str::<serde_json::Value>(t) {
                Ok(v) => v.get("events").is_some(),
                Err(_) => true, // a JSON document over several lines
            };
        if document {
            let file =
                File::open(path).map_err(|e| err(String::new(), format!("cannot read: {e}")))?;
            self.read_events(path, BufReader::new(file))?;
        } else {
            let file =
                File::open(path).map_err(|e| err(String::new(), format!("cannot read: {e}")))?;
            self.read_lines(path, BufReader::new(file))?;
        }
        let n = (self.reports.len() - before) as u64;
        self.per_file.push((path.display().to_string(), n));
        Ok(())
    }

    fn read_lines(&mut self, path: &Path, mut r: impl BufRead) -> Result<(), ImportError> {
        let mut buf = Vec::new();
        let mut no = 0u64;
        loop {
            buf.clear();
            let n =
                r.by_ref().take(MAX_LINE as u64 + 1).read_until(b'\n', &mut buf).map_err(|e| {
                    ImportError::new(path, format!("line {}", no + 1), e.to_string())
                })?;
            if n == 0 {
                return Ok(());
            }
            no += 1;
            let place = || format!("line {no}");
            if buf.len() > MAX_LINE && buf.last() != Some(&b'\n') {
                return Err(ImportError::new(
                    path,
                    place(),
                    format!("longer than {} MB: not a log line", MAX_LINE >> 20),
                ));
            }
            if buf.contains(&0) {
                return Err(ImportError::new(
                    path,
                    place(),
                    "binary data (a NUL byte): expected log text (REPORT lines), JSON-format log \
                     lines or aws logs filter-log-events JSON",
                ));
            }
            let line = String::from_utf8_lossy(&buf);
            match parse_message(line.trim_end_matches(['\n', '\r']), None) {
                Ok(Some(fields)) => self.push(path, fields, no, false),
                Ok(None) => self.skipped += 1,
                Err(e) => return Err(ImportError::new(path, place(), e)),
            }
        }
    }

    fn read_events(&mut self, path: &Path, r: impl Read) -> Result<(), ImportError> {
        let mut ctx = Events { reader: self, path, index: 0, failed: None };
        let mut de = serde_json::Deserializer::from_reader(r);
        let result = Page(&mut ctx).deserialize(&mut de).and_then(|found| {
            de.end()?;
            Ok(found)
        });
        if let Some(e) = ctx.failed {
            return Err(e);
        }
        match result {
            Ok(true) => Ok(()),
            Ok(false) => Err(ImportError::new(
                path,
                "",
                "no `events` array: expected the JSON of aws logs filter-log-events \
                 ({\"events\": [{\"timestamp\": ..., \"message\": ...}], ...})",
            )),
            Err(e) => Err(ImportError::new(
                path,
                format!("line {}, column {}", e.line(), e.column()),
                format!(
                    "{}: expected the JSON of aws logs filter-log-events ({{\"events\": \
                     [{{\"timestamp\": MS, \"message\": TEXT}}, ...]}})",
                    without_position(&e)
                ),
            )),
        }
    }
}

/// serde's message without its trailing ` at line L column C` (the place says it).
fn without_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The first line (capped), without consuming more than needed to decide the format.
fn first_line(r: &mut impl BufRead) -> Result<String, String> {
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = r
            .by_ref()
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut buf)
            .map_err(|e| format!("cannot read: {e}"))?;
        if n == 0 {
            return Err("empty file: no REPORT line".into());
        }
        let s = String::from_utf8_lossy(&buf).into_owned();
        if !s.trim().is_empty() {
            return Ok(s);
        }
    }
}

/// A file's stem: `orders.log` gives `orders`, `logs/api.2.log` gives `api.2`; a page number
/// at the end is dropped (`orders.page1.json`, `orders-page2.json` and `orders_page10.json`
/// give `orders`), so the pages of one export name one function.
pub fn file_stem(path: &Path) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let lower = stem.to_ascii_lowercase();
    let digits = lower.len() - lower.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let rest = &lower[..lower.len() - digits];
    if digits > 0 && rest.ends_with("page") {
        let before = &stem[..rest.len() - 4];
        if let Some(name) = before.strip_suffix(['.', '-', '_'])
            && !name.is_empty()
        {
            return name.to_string();
        }
    }
    stem
}

/// One filter-log-events event (other keys ignored).
#[derive(Deserialize)]
struct Event {
    timestamp: Option<i64>,
    message: Option<String>,
}

struct Events<'r, 'p> {
    reader: &'r mut Reader,
    path: &'p Path,
    index: u64,
    /// A record's error (serde's error carries no file or place of ours).
    failed: Option<ImportError>,
}

/// The page object: returns whether it had an `events` key.
struct Page<'a, 'r, 'p>(&'a mut Events<'r, 'p>);

impl<'de> DeserializeSeed<'de> for Page<'_, '_, '_> {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Page<'_, '_, '_> {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object with an `events` array")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "events" {
                map.next_value_seed(EventList(&mut *self.0))?;
                found = true;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

struct EventList<'a, 'r, 'p>(&'a mut Events<'r, 'p>);

impl<'de> DeserializeSeed<'de> for EventList<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for EventList<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of log events")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let ctx = self.0;
        while let Some(ev) = seq.next_element::<Event>()? {
            let place = format!("events[{}]", ctx.index);
            ctx.index += 1;
            let Some(message) = ev.message else {
                ctx.reader.skipped += 1;
                continue;
            };
            let stamp = ev.timestamp.map(|t| t as f64);
            match parse_message(message.trim_end_matches(['\n', '\r']), stamp) {
                Ok(Some(fields)) => ctx.reader.push(ctx.path, fields, ctx.index - 1, true),
                Ok(None) => ctx.reader.skipped += 1,
                Err(e) => {
                    ctx.failed = Some(ImportError::new(ctx.path, place, e));
                    return Err(serde::de::Error::custom("stopped"));
                }
            }
        }
        Ok(())
    }
}

/// A message (or a line) as a REPORT record: `Ok(None)` when it is none; `stamp` is the
/// event's time when the export gives one (filter-log-events), else a timestamp prefix is
/// looked for.
fn parse_message(line: &str, stamp: Option<f64>) -> Result<Option<Fields>, String> {
    if let Some(i) = line.find("REPORT RequestId:") {
        let end_ms = stamp.or_else(|| prefix_time(&line[..i]));
        let report = text_report(&line[i..])?;
        return Ok(Some(Fields { end_ms, function: None, report }));
    }
    if line.contains("platform.report")
        && let Some(i) = line.find('{')
    {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&line[i..]) else {
            return Ok(None);
        };
        if v.get("type").and_then(|t| t.as_str()) != Some("platform.report") {
            return Ok(None);
        }
        let record_time = v.get("time").and_then(|t| t.as_str()).and_then(time::parse);
        let end_ms = stamp.or_else(|| prefix_time(&line[..i])).or(record_time.map(|t| t as f64));
        let (function, report) = json_report(&v)?;
        return Ok(Some(Fields { end_ms, function, report }));
    }
    Ok(None)
}

/// The timestamp at the start of a line's prefix (`2026-01-01T00:00:00.918Z\t`,
/// `2026-03-02T14:05:00.120000+00:00 STREAM `, `2026-03-02 14:05:00.120 `), if any.
fn prefix_time(prefix: &str) -> Option<f64> {
    let mut words = prefix.split_whitespace();
    let first = words.next()?;
    if let Some(t) = time::parse(first) {
        return Some(t as f64);
    }
    let second = words.next()?;
    time::parse(&format!("{first} {second}")).map(|t| t as f64)
}

/// The value of `KEY: VALUE` in a REPORT message, where KEY is not the tail of a longer key
/// (`Duration` is not `Billed Duration`, `Init Duration` or `Restore Duration`).
fn field<'a>(msg: &'a str, key: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(i) = msg.get(from..).and_then(|m| m.find(key)) {
        let at = from + i;
        let after = at + key.len();
        let head = &msg[..at];
        let separated = head.is_empty() || head.ends_with([' ', '\t']);
        let prev = head.trim_end().rsplit([' ', '\t']).next().unwrap_or("");
        if separated
            && !matches!(prev, "Billed" | "Init" | "Restore")
            && let Some(rest) = msg[after..].strip_prefix(':')
        {
            return Some(rest.split_whitespace().next().unwrap_or(""));
        }
        from = after;
    }
    None
}

fn number(msg: &str, key: &str, unit: &str) -> Result<Option<f64>, String> {
    match field(msg, key) {
        None => Ok(None),
        Some(v) => match v.parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => Ok(Some(x)),
            _ => Err(format!("REPORT `{key}: {v}` is not a number of {unit} (>= 0)")),
        },
    }
}

fn memory(v: f64) -> u32 {
    v.round().clamp(0.0, f64::from(u32::MAX)) as u32
}

/// A text REPORT message: `REPORT RequestId: ID\tDuration: 4157.16 ms\tBilled Duration: ...`.
fn text_report(msg: &str) -> Result<Report, String> {
    let missing = |k: &str| {
        format!(
            "REPORT line without `{k}` (a REPORT line needs `Duration: N ms` and `Memory Size: \
             N MB`)"
        )
    };
    let duration_ms = number(msg, "Duration", "ms")?.ok_or_else(|| missing("Duration"))?;
    let memory_mb = number(msg, "Memory Size", "MB")?.ok_or_else(|| missing("Memory Size"))?;
    let init = number(msg, "Init Duration", "ms")?;
    let restore = number(msg, "Restore Duration", "ms")?;
    let status = match field(msg, "Status") {
        Some("timeout") => Status::Timeout,
        Some("error") | Some("failure") => Status::Error,
        _ => Status::Success,
    };
    Ok(Report {
        function: 0,
        end_ms: None,
        duration_ms,
        billed_ms: number(msg, "Billed Duration", "ms")?,
        memory_mb: memory(memory_mb),
        max_memory_mb: number(msg, "Max Memory Used", "MB")?.map(memory),
        init_ms: init.or(restore),
        restore: init.is_none() && restore.is_some(),
        status,
        file: 0,
        place: 0,
        in_events: false,
    })
}

/// A JSON-format `platform.report` record: the function's name (when the record gives one)
/// and the report.
fn json_report(v: &serde_json::Value) -> Result<(Option<String>, Report), String> {
    let record = v.get("record").ok_or("platform.report without `record`")?;
    let metrics = record.get("metrics").ok_or("platform.report without `record.metrics`")?;
    let num = |k: &str| -> Result<Option<f64>, String> {
        match metrics.get(k) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(x) => match x.as_f64() {
                Some(n) if n.is_finite() && n >= 0.0 => Ok(Some(n)),
                _ => Err(format!("record.metrics.{k} = {x} is not a number >= 0")),
            },
        }
    };
    let need = |k: &str| {
        format!(
            "platform.report without `record.metrics.{k}` (needed: durationMs and memorySizeMB)"
        )
    };
    let duration_ms = num("durationMs")?.ok_or_else(|| need("durationMs"))?;
    let memory_mb = num("memorySizeMB")?.ok_or_else(|| need("memorySizeMB"))?;
    let init = num("initDurationMs")?;
    let restore = num("restoreDurationMs")?;
    let status = match record.get("status").and_then(|s| s.as_str()) {
        Some("timeout") => Status::Timeout,
        Some("error") | Some("failure") => Status::Error,
        _ => Status::Success,
    };
    let function = record
        .get("functionName")
        .or_else(|| v.get("functionName"))
        .and_then(|f| f.as_str())
        .map(str::to_string);
    let report = Report {
        function: 0,
        end_ms: None,
        duration_ms,
        billed_ms: num("billedDurationMs")?,
        memory_mb: memory(memory_mb),
        max_memory_mb: num("maxMemoryUsedMB")?.map(memory),
        init_ms: init.or(restore),
        restore: init.is_none() && restore.is_some(),
        status,
        file: 0,
        place: 0,
        in_events: false,
    };
    Ok((function, report))
}
