//! CloudWatch-style invocation logs: the `START`, `END` and `REPORT` lines Lambda writes for
//! every invocation, as `slsim run --logs` streams them to `logs/<function>.log`.
//!
//! One file per function, as CloudWatch keeps one log group per function
//! (`/aws/lambda/<function>`): each line is a timestamp, a tab, then the message exactly as
//! Lambda writes it (docs/src/facts.md §1.7), so tools that parse REPORT lines read the file
//! unchanged. Simulated time 0 is [`EPOCH`]; timestamps have millisecond precision.
//!
//! ```text
//! 2026-01-01T00:00:00.120Z  START RequestId: <id> Version: $LATEST
//! 2026-01-01T00:00:04.277Z  END RequestId: <id>
//! 2026-01-01T00:00:04.277Z  REPORT RequestId: <id>  Duration: 4157.16 ms  Billed Duration: 4158 ms ...
//! ```
//!
//! Lines are written as the simulation processes events, which it does in time order: START
//! when the invocation starts (its arrival; on a cold start AWS stamps START after Init, which
//! would break the file's time order), END and REPORT when it ends. Nothing is kept per request:
//! the environment running an invocation carries the few numbers its REPORT needs
//! ([`LoggedRequest`]), and lines go through a `BufWriter` into a temporary file renamed into
//! place by [`LogSink::finish`]. The first I/O error stops the writing and is returned there.

use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

use crate::config::FunctionConfig;
use crate::engine::derive_seed;
use crate::engine::{NANOS_PER_SEC, SimDuration, SimTime};

/// The wall-clock time of simulated time 0.
pub const EPOCH: &str = "2026-01-01T00:00:00Z";
/// [`EPOCH`] in days since 1970-01-01.
const EPOCH_DAYS: u64 = 20_454;

/// How an invocation ended, as its REPORT line's `Status` field says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Success,
    /// The function failed (`error_rate`): `Status: error`.
    Error,
    /// Stopped at the function's timeout: `Status: timeout`.
    Timeout,
}

impl Status {
    pub fn of(timed_out: bool, error: bool) -> Status {
        match (timed_out, error) {
            (true, _) => Status::Timeout,
            (false, true) => Status::Error,
            (false, false) => Status::Success,
        }
    }
}

/// The share of invocations logged: a probability in (0, 1].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SampleRate(f64);

impl SampleRate {
    /// Every invocation.
    pub const ALL: SampleRate = SampleRate(1.0);

    pub fn new(p: f64) -> Result<SampleRate, String> {
        if p > 0.0 && p <= 1.0 {
            Ok(SampleRate(p))
        } else {
            Err(format!("{p} is not a probability in (0, 1]; e.g. 0.01 logs one invocation in 100"))
        }
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

impl std::str::FromStr for SampleRate {
    type Err = String;
    fn from_str(s: &str) -> Result<SampleRate, String> {
        let p: f64 = s.trim().parse().map_err(|_| format!("\"{s}\" is not a number"))?;
        SampleRate::new(p)
    }
}

/// What an environment remembers of the logged invocation it runs, for the REPORT line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoggedRequest {
    /// The function's invocation sequence number (counting every invocation, logged or not).
    pub seq: u64,
    pub init: SimDuration,
    pub cold: bool,
    /// The cold start was a SnapStart restore (REPORT then says `Restore Duration`).
    pub restore: bool,
    /// Extensions' post-invocation time, after the handler (billed, not in `Duration`).
    pub post: SimDuration,
    pub status: Status,
}

// Lines are built byte by byte into a reused buffer: a full log writes three lines per
// invocation, and the same lines through `write!` took about 7 times the instructions.

/// Appends `v` in decimal, zero-padded to `width` digits.
fn put_dec(buf: &mut Vec<u8>, mut v: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let start = i.min(digits.len() - width.min(digits.len()));
    buf.extend_from_slice(&digits[start..]);
}

/// Appends a duration in units of `unit` nanoseconds with two decimals, rounded half up.
fn put_2_decimals(buf: &mut Vec<u8>, d: SimDuration, unit: u64) {
    let hundredths = d.0.saturating_add(unit / 200) / (unit / 100);
    put_dec(buf, hundredths / 100, 1);
    buf.push(b'.');
    put_dec(buf, hundredths % 100, 2);
}

/// A duration in milliseconds with two decimals (`4157.16`), rounded to the nearest 10 us.
fn put_ms2(buf: &mut Vec<u8>, d: SimDuration) {
    put_2_decimals(buf, d, 1_000_000);
}

/// A timestamp `2026-01-01T00:00:00.120Z`: simulated time after [`EPOCH`], to the millisecond
/// (truncated, so time order is kept).
#[derive(Clone, Copy, Debug)]
pub struct Timestamp(pub SimTime);

impl Timestamp {
    /// The timestamp's 24 ASCII bytes.
    fn bytes(self) -> [u8; 24] {
        let ms = self.0.0 / 1_000_000;
        let secs = ms / 1000;
        let (y, m, d) = civil_from_days(EPOCH_DAYS + secs / 86_400);
        let s = secs % 86_400;
        let mut b = *b"0000-00-00T00:00:00.000Z";
        let mut digits = |at: usize, width: usize, mut v: u64| {
            for i in (at..at + width).rev() {
                b[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        digits(0, 4, y);
        digits(5, 2, m);
        digits(8, 2, d);
        digits(11, 2, s / 3600);
        digits(14, 2, s / 60 % 60);
        digits(17, 2, s % 60);
        digits(20, 3, ms % 1000);
        b
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(std::str::from_utf8(&self.bytes()).map_err(|_| fmt::Error)?)
    }
}

/// The (year, month, day) of a day counted from 1970-01-01, in the proleptic Gregorian
/// calendar (Howard Hinnant's `civil_from_days`, for days on or after 1970-01-01).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468; // days since 0000-03-01
    let era = z / 146_097;
    let doe = z - era * 146_097; // day of the 400-year era
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of the year starting in March
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + u64::from(m <= 2), m, d)
}

/// A deterministic, UUID-shaped request id (version 4 layout), hashed from a per-function key
/// and the invocation's sequence number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestId(u64, u64);

impl RequestId {
    pub fn new(key: u64, seq: u64) -> RequestId {
        let hi = derive_seed(key, seq.wrapping_mul(2));
        let lo = derive_seed(key, seq.wrapping_mul(2).wrapping_add(1));
        let hi = (hi & !0xF000) | 0x4000; // version 4
        let lo = (lo & !(0b11 << 62)) | (0b10 << 62); // RFC 4122 variant
        RequestId(hi, lo)
    }

    /// The id's 36 ASCII bytes: `8-4-4-4-12` lowercase hex digits.
    fn bytes(self) -> [u8; 36] {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        // where the 32 digits go, around the dashes at 8, 13, 18 and 23
        const AT: [usize; 32] = [
            0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17, 19, 20, 21, 22, 24, 25, 26, 27,
            28, 29, 30, 31, 32, 33, 34, 35,
        ];
        let mut b = [b'-'; 36];
        for k in 0..16 {
            b[AT[k]] = HEX[(self.0 >> (60 - 4 * k)) as usize & 0xF];
            b[AT[16 + k]] = HEX[(self.1 >> (60 - 4 * k)) as usize & 0xF];
        }
        b
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(std::str::from_utf8(&self.bytes()).map_err(|_| fmt::Error)?)
    }
}

/// The configuration figures a function's REPORT lines show.
#[derive(Clone, Copy, Debug)]
pub struct ReportConfig {
    pub memory_mb: u32,
    pub max_memory_used_mb: u32,
}

/// Appends `START RequestId: <id> Version: <version>`, timestamped.
pub fn start_line(buf: &mut Vec<u8>, at: SimTime, id: RequestId, version: &str) {
    buf.extend_from_slice(&Timestamp(at).bytes());
    buf.extend_from_slice(b"\tSTART RequestId: ");
    buf.extend_from_slice(&id.bytes());
    buf.extend_from_slice(b" Version: ");
    buf.extend_from_slice(version.as_bytes());
    buf.push(b'\n');
}

/// Appends the lines written when an invocation ends at `at` after `handler` in the handler:
/// END and REPORT, preceded on a timeout by Lambda's `Task timed out after X seconds` line
/// (whose message carries its own timestamp and the request id, as Lambda writes it).
pub fn end_lines(
    buf: &mut Vec<u8>,
    at: SimTime,
    id: RequestId,
    req: &LoggedRequest,
    handler: SimDuration,
    cfg: ReportConfig,
) {
    let (ts, id) = (Timestamp(at).bytes(), id.bytes());
    if req.status == Status::Timeout {
        buf.extend_from_slice(&ts);
        buf.push(b'\t');
        buf.extend_from_slice(&ts);
        buf.push(b' ');
        buf.extend_from_slice(&id);
        buf.extend_from_slice(b" Task timed out after ");
        put_2_decimals(buf, handler, NANOS_PER_SEC);
        buf.extend_from_slice(b" seconds\n");
    }
    buf.extend_from_slice(&ts);
    buf.extend_from_slice(b"\tEND RequestId: ");
    buf.extend_from_slice(&id);
    buf.push(b'\n');
    // Billed Duration includes init on cold starts (AWS bills INIT since 2025-08-01), as the
    // model bills it; each field ends with a tab, as in Lambda's own lines.
    buf.extend_from_slice(&ts);
    buf.extend_from_slice(b"\tREPORT RequestId: ");
    buf.extend_from_slice(&id);
    buf.extend_from_slice(b"\tDuration: ");
    put_ms2(buf, handler);
    buf.extend_from_slice(b" ms\tBilled Duration: ");
    put_dec(buf, (req.init + handler + req.post).ceil_millis(), 1);
    buf.extend_from_slice(b" ms\tMemory Size: ");
    put_dec(buf, cfg.memory_mb.into(), 1);
    buf.extend_from_slice(b" MB\tMax Memory Used: ");
    put_dec(buf, cfg.max_memory_used_mb.min(cfg.memory_mb).into(), 1);
    buf.extend_from_slice(b" MB\t");
    if req.cold && req.restore {
        // SnapStart: the restore replaces init (slsim bills all of it, see phases.rs)
        buf.extend_from_slice(b"Restore Duration: ");
        put_ms2(buf, req.init);
        buf.extend_from_slice(b" ms\tBilled Restore Duration: ");
        put_dec(buf, req.init.ceil_millis(), 1);
        buf.extend_from_slice(b" ms\t");
    } else if req.cold {
        buf.extend_from_slice(b"Init Duration: ");
        put_ms2(buf, req.init);
        buf.extend_from_slice(b" ms\t");
    }
    buf.extend_from_slice(match req.status {
        Status::Success => b"\n".as_slice(),
        Status::Error => b"Status: error\n",
        Status::Timeout => b"Status: timeout\n",
    });
}

/// `Max Memory Used`, estimated: slsim has no memory model, so this is a fixed baseline per
/// runtime, roughly what a small function reports (the runtime and its libraries loaded),
/// capped at the memory size. It does not depend on the request.
pub fn estimated_max_memory_used_mb(runtime: Option<&str>, memory_mb: u32) -> u32 {
    let rt = runtime.unwrap_or("");
    let baseline = if rt.starts_with("nodejs") {
        70
    } else if rt.starts_with("python") || rt.starts_with("ruby") {
        40
    } else if rt.starts_with("java") {
        100
    } else if rt.starts_with("dotnet") {
        65
    } else if rt.starts_with("provided") || rt.starts_with("go") {
        20
    } else {
        70 // no runtime given: a mid-range guess
    };
    baseline.min(memory_mb)
}

/// An error writing the logs: the file and what went wrong.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct LogError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

impl super::LambdaModel {
    /// Streams the invocation logs of this model to `sink`; its sampling and request ids are
    /// seeded by `seed`, a stream of their own so the simulation draws exactly what it would
    /// draw without logs.
    pub fn attach_logs(&mut self, mut sink: LogSink, seed: u64) {
        assert_eq!(sink.functions.len(), self.functions.len(), "one log per function");
        sink.seed(seed);
        self.logs = Some(sink);
    }

    /// Detaches the log sink, to [`finish`](LogSink::finish) it.
    pub fn take_logs(&mut self) -> Option<LogSink> {
        self.logs.take()
    }
}

/// One function's log file and state.
struct FunctionLog {
    out: BufWriter<File>,
    path: PathBuf,
    /// The temporary file being written; `None` once renamed into place.
    tmp: Option<PathBuf>,
    /// Sampling stream of this function, apart from the model's streams.
    rng: Pcg64Mcg,
    /// Key of the request ids.
    id_key: u64,
    next_seq: u64,
    version: String,
    report: ReportConfig,
}

impl Drop for FunctionLog {
    fn drop(&mut self) {
        // not finished (an error, or a run stopped early): leave no temporary file behind
        if let Some(tmp) = self.tmp.take() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// Where the Lambda model writes its invocation logs, one file per function.
pub struct LogSink {
    functions: Vec<FunctionLog>,
    /// The lines being written (reused: no allocation per line).
    line: Vec<u8>,
    /// An invocation is logged when a uniform `u64` draw is below this; `None`: all are.
    threshold: Option<u64>,
    error: Option<LogError>,
}

impl LogSink {
    /// Creates `dir/<function>.log` (under temporary names) for every function. Each invocation
    /// is logged with probability `sample`.
    pub fn create(
        dir: &Path,
        functions: &[FunctionConfig],
        sample: SampleRate,
    ) -> Result<Self, LogError> {
        std::fs::create_dir_all(dir)
            .map_err(|source| LogError { path: dir.to_path_buf(), source })?;
        let mut logs = Vec::with_capacity(functions.len());
        for cfg in functions {
            // a version of an aliased function (`NAME:2`) logs to `NAME.2.log`
            let path = dir.join(format!("{}.log", cfg.name.replace(':', ".")));
            let tmp = crate::files::temp_path(&path, "");
            let file =
                File::create(&tmp).map_err(|source| LogError { path: path.clone(), source })?;
            logs.push(FunctionLog {
                out: BufWriter::with_capacity(1 << 16, file),
                path,
                tmp: Some(tmp),
                rng: Pcg64Mcg::seed_from_u64(0),
                id_key: 0,
                next_seq: 0,
                // an alias's version, or: provisioned concurrency runs on a published version
                version: match cfg.name.split_once(':') {
                    Some((_, v)) => v.to_string(),
                    None if cfg.provisioned_max > 0 => "1".to_string(),
                    None => "$LATEST".to_string(),
                },
                report: ReportConfig {
                    memory_mb: cfg.memory_mb,
                    max_memory_used_mb: estimated_max_memory_used_mb(
                        cfg.runtime.as_deref(),
                        cfg.memory_mb,
                    ),
                },
            });
        }
        // sample * 2^64, below 2^64 for sample < 1. Comparing one uniform draw per invocation
        // with it nests the samples: what 1% logs, 2% logs too (same seed).
        let p = sample.get();
        let threshold = (p < 1.0).then_some((p * 18_446_744_073_709_551_616.0) as u64);
        Ok(LogSink { functions: logs, line: Vec::with_capacity(512), threshold, error: None })
    }

    /// Seeds the sampling streams and request ids from the run's log seed.
    fn seed(&mut self, seed: u64) {
        for (i, f) in self.functions.iter_mut().enumerate() {
            let s = derive_seed(seed, i as u64);
            f.rng = Pcg64Mcg::seed_from_u64(s);
            f.id_key = derive_seed(s, 0x1D);
        }
    }

    /// An invocation of `function` starts at `now`: decides whether it is logged and if so
    /// writes its START line. What the environment must keep for the REPORT line comes back
    /// (`req` with its sequence number filled in).
    #[inline]
    pub(crate) fn started(
        &mut self,
        function: u32,
        now: SimTime,
        mut req: LoggedRequest,
    ) -> Option<LoggedRequest> {
        let f = &mut self.functions[function as usize];
        let seq = f.next_seq;
        f.next_seq += 1;
        if let Some(t) = self.threshold
            && f.rng.next_u64() >= t
        {
            return None;
        }
        if self.error.is_none() {
            self.line.clear();
            start_line(&mut self.line, now, RequestId::new(f.id_key, seq), &f.version);
            self.write_line(function);
        }
        req.seq = seq;
        Some(req)
    }

    /// A logged invocation of `function` ends at `now`; its handler started at `ready_at`.
    pub(crate) fn finished(
        &mut self,
        function: u32,
        now: SimTime,
        ready_at: SimTime,
        req: &LoggedRequest,
    ) {
        if self.error.is_some() {
            return;
        }
        let f = &self.functions[function as usize];
        let id = RequestId::new(f.id_key, req.seq);
        self.line.clear();
        let handler = SimDuration(now.saturating_since(ready_at).0.saturating_sub(req.post.0));
        end_lines(&mut self.line, now, id, req, handler, f.report);
        self.write_line(function);
    }

    /// Writes the line buffer to `function`'s file; keeps the first error.
    fn write_line(&mut self, function: u32) {
        let f = &mut self.functions[function as usize];
        if let Err(source) = f.out.write_all(&self.line) {
            self.error.get_or_insert(LogError { path: f.path.clone(), source });
        }
    }

    /// Flushes every file and renames it into place; returns the files, or the first error
    /// (then no temporary file is left behind).
    pub fn finish(mut self) -> Result<Vec<PathBuf>, LogError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let mut written = Vec::with_capacity(self.functions.len());
        for f in &mut self.functions {
            let err = |source| LogError { path: f.path.clone(), source };
            f.out.flush().map_err(err)?;
            if let Some(tmp) = &f.tmp {
                std::fs::rename(tmp, &f.path).map_err(err)?;
                f.tmp = None;
            }
            written.push(f.path.clone());
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A warm, successful invocation with no extensions.
    fn plain() -> LoggedRequest {
        LoggedRequest {
            seq: 0,
            init: SimDuration::ZERO,
            cold: false,
            restore: false,
            post: SimDuration::ZERO,
            status: Status::Success,
        }
    }

    fn line(write: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut buf = Vec::new();
        write(&mut buf);
        String::from_utf8(buf).unwrap()
    }

    fn ms(ms: f64) -> SimDuration {
        SimDuration::from_secs_f64(ms / 1000.0)
    }

    /// Days from 1970-01-01 of a civil date (Hinnant's `days_from_civil`), to check against.
    fn days_from_civil(y: u64, m: u64, d: u64) -> u64 {
        let y = if m <= 2 { y - 1 } else { y };
        let era = y / 400;
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    #[test]
    fn numbers_are_written_as_fmt_would() {
        let s = |f: &dyn Fn(&mut Vec<u8>)| line(f);
        for (v, width) in [(0, 1), (0, 2), (7, 3), (12_345, 2), (2026, 4), (u64::MAX, 1)] {
            assert_eq!(s(&|b| put_dec(b, v, width)), format!("{v:0width$}"));
        }
        assert_eq!(s(&|b| put_ms2(b, SimDuration::ZERO)), "0.00");
        assert_eq!(s(&|b| put_ms2(b, SimDuration::from_secs(900))), "900000.00");
        assert_eq!(s(&|b| put_2_decimals(b, SimDuration::from_secs(900), NANOS_PER_SEC)), "900.00");
        assert_eq!(s(&|b| put_2_decimals(b, ms(2_994.9), NANOS_PER_SEC)), "2.99");
        assert_eq!(s(&|b| put_2_decimals(b, ms(2_995.0), NANOS_PER_SEC)), "3.00");
        let id = RequestId::new(3, 4);
        assert_eq!(
            id.to_string(),
            format!(
                "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
                id.0 >> 32,
                id.0 >> 16 & 0xFFFF,
                id.0 & 0xFFFF,
                id.1 >> 48,
                id.1 & 0xFFFF_FFFF_FFFF
            )
        );
    }

    #[test]
    fn the_epoch_is_2026_01_01() {
        assert_eq!(days_from_civil(2026, 1, 1), EPOCH_DAYS);
        assert_eq!(Timestamp(SimTime::ZERO).to_string(), "2026-01-01T00:00:00.000Z");
        assert_eq!(format!("{}Z", &Timestamp(SimTime::ZERO).to_string()[..19]), EPOCH);
    }

    #[test]
    fn timestamps_count_days_months_and_leap_years() {
        let at = |secs: f64| Timestamp(SimTime::from_secs_f64(secs)).to_string();
        assert_eq!(at(0.120), "2026-01-01T00:00:00.120Z");
        assert_eq!(at(0.1209), "2026-01-01T00:00:00.120Z", "truncated, not rounded");
        assert_eq!(at(86_399.999), "2026-01-01T23:59:59.999Z");
        assert_eq!(at(3_723.004), "2026-01-01T01:02:03.004Z");
        let day = 86_400.0;
        assert_eq!(at(31.0 * day), "2026-02-01T00:00:00.000Z");
        assert_eq!(at(59.0 * day), "2026-03-01T00:00:00.000Z", "2026 is not a leap year");
        assert_eq!(at(365.0 * day), "2027-01-01T00:00:00.000Z");
        // 2028 is a leap year: Feb 29 exists
        assert_eq!(at((730.0 + 59.0) * day), "2028-02-29T00:00:00.000Z");
        assert_eq!(at((730.0 + 60.0) * day), "2028-03-01T00:00:00.000Z");
        // u64 nanoseconds end in 2610
        assert!(Timestamp(SimTime::MAX).to_string().starts_with("2610-"));
    }

    #[test]
    fn civil_dates_round_trip_day_by_day() {
        let mut prev = civil_from_days(EPOCH_DAYS - 1);
        for days in EPOCH_DAYS..EPOCH_DAYS + 250_000 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            let next_day = (y, m, d) == (prev.0, prev.1, prev.2 + 1);
            let next_month = d == 1 && (y, m) == (prev.0, prev.1 + 1);
            let next_year = (m, d) == (1, 1) && y == prev.0 + 1 && prev.1 == 12 && prev.2 == 31;
            assert!(next_day || next_month || next_year, "{prev:?} -> {:?}", (y, m, d));
            prev = (y, m, d);
        }
    }

    #[test]
    fn request_ids_are_uuid_shaped_deterministic_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for key in [1, 2] {
            for seq in 0..10_000 {
                let id = RequestId::new(key, seq).to_string();
                assert!(is_uuid_v4(&id), "{id}");
                assert!(seen.insert(id));
            }
        }
        assert_eq!(RequestId::new(7, 3), RequestId::new(7, 3));
    }

    #[test]
    fn start_and_end_lines_match_lambda() {
        let id = RequestId::new(1, 0);
        let start = line(|b| start_line(b, SimTime::from_secs_f64(0.12), id, "$LATEST"));
        assert_eq!(
            start,
            format!("2026-01-01T00:00:00.120Z\tSTART RequestId: {id} Version: $LATEST\n")
        );
        let req = LoggedRequest {
            seq: 0,
            init: SimDuration::ZERO,
            cold: false,
            restore: false,
            post: SimDuration::ZERO,
            status: Status::Success,
        };
        let cfg = ReportConfig { memory_mb: 128, max_memory_used_mb: 40 };
        let end = line(|b| end_lines(b, SimTime::from_secs_f64(1.0), id, &req, ms(15.74), cfg));
        let lines: Vec<&str> = end.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0], format!("2026-01-01T00:00:01.000Z\tEND RequestId: {id}"));
    }

    #[test]
    fn restores_and_extension_time_show_as_aws_reports_them() {
        let cfg = ReportConfig { memory_mb: 512, max_memory_used_mb: 90 };
        let req = LoggedRequest {
            seq: 0,
            init: ms(300.0),
            cold: true,
            restore: true,
            post: ms(20.0),
            status: Status::Success,
        };
        let mut buf = Vec::new();
        let id = RequestId::new(1, 0);
        end_lines(&mut buf, SimTime::from_secs_f64(1.0), id, &req, ms(100.0), cfg);
        let text = String::from_utf8(buf).unwrap();
        let report = text.lines().nth(1).unwrap();
        // billed: restore + handler + extensions
        assert!(report.contains("\tDuration: 100.00 ms\tBilled Duration: 420 ms\t"), "{report}");
        assert!(
            report.contains("\tRestore Duration: 300.00 ms\tBilled Restore Duration: 300 ms\t")
        );
        assert!(!report.contains("Init Duration"));
    }

    #[test]
    fn report_lines_match_lambdas_fields_order_and_tabs() {
        let id = RequestId::new(1, 0);
        let at = SimTime::from_secs_f64(5.0);
        let cfg = ReportConfig { memory_mb: 256, max_memory_used_mb: 99 };
        let report = |req: LoggedRequest, handler| {
            line(|b| end_lines(b, at, id, &req, handler, cfg)).lines().last().unwrap().to_owned()
        };
        // docs/src/facts.md §1.7: a cold start (Init Duration last, every field followed by a
        // tab); Billed Duration = ceil(init + handler) = ceil(841.60 + 4157.16)
        let cold = LoggedRequest {
            seq: 0,
            init: ms(841.6),
            cold: true,
            restore: false,
            post: SimDuration::ZERO,
            status: Status::Success,
        };
        assert_eq!(
            report(cold, ms(4157.16)),
            format!(
                "2026-01-01T00:00:05.000Z\tREPORT RequestId: {id}\tDuration: 4157.16 ms\t\
                 Billed Duration: 4999 ms\tMemory Size: 256 MB\tMax Memory Used: 99 MB\t\
                 Init Duration: 841.60 ms\t"
            )
        );
        // warm: no Init Duration; billed is the handler time rounded up to 1 ms
        let warm = LoggedRequest { init: SimDuration::ZERO, cold: false, ..cold };
        assert_eq!(
            report(warm, ms(15.74)),
            format!(
                "2026-01-01T00:00:05.000Z\tREPORT RequestId: {id}\tDuration: 15.74 ms\t\
                 Billed Duration: 16 ms\tMemory Size: 256 MB\tMax Memory Used: 99 MB\t"
            )
        );
        // two decimals, rounded to the nearest 10 us; whole milliseconds bill as they are
        assert!(report(warm, SimDuration(1_234_999)).contains("\tDuration: 1.23 ms\t"));
        assert!(report(warm, SimDuration(1_235_000)).contains("\tDuration: 1.24 ms\t"));
        assert!(report(warm, ms(7.0)).contains("\tDuration: 7.00 ms\tBilled Duration: 7 ms\t"));
        // the estimate never exceeds the memory size
        let small = ReportConfig { memory_mb: 128, max_memory_used_mb: 500 };
        let l = line(|b| end_lines(b, at, id, &warm, ms(1.0), small));
        assert!(l.contains("\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t"), "{l}");
    }

    #[test]
    fn timeouts_and_errors_carry_their_status() {
        let id = RequestId::new(1, 0);
        let at = SimTime::from_secs_f64(3.2);
        let cfg = ReportConfig { memory_mb: 128, max_memory_used_mb: 40 };
        let req = LoggedRequest {
            seq: 0,
            init: ms(200.0),
            cold: true,
            restore: false,
            post: SimDuration::ZERO,
            status: Status::Timeout,
        };
        let out = line(|b| end_lines(b, at, id, &req, SimDuration::from_secs(3), cfg));
        let lines: Vec<&str> = out.lines().collect();
        let ts = "2026-01-01T00:00:03.200Z";
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0], format!("{ts}\t{ts} {id} Task timed out after 3.00 seconds"));
        assert_eq!(lines[1], format!("{ts}\tEND RequestId: {id}"));
        assert!(
            lines[2].ends_with("\tDuration: 3000.00 ms\tBilled Duration: 3200 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\tInit Duration: 200.00 ms\tStatus: timeout"),
            "{}",
            lines[2]
        );
        let req = LoggedRequest {
            seq: 0,
            init: SimDuration::ZERO,
            cold: false,
            restore: false,
            post: SimDuration::ZERO,
            status: Status::Error,
        };
        let out = line(|b| end_lines(b, at, id, &req, ms(12.0), cfg));
        assert_eq!(out.lines().count(), 2);
        assert!(out.ends_with("\tMax Memory Used: 40 MB\tStatus: error\n"), "{out}");
    }

    #[test]
    fn memory_estimates_follow_the_runtime_and_the_memory_size() {
        assert_eq!(estimated_max_memory_used_mb(Some("nodejs20.x"), 1024), 70);
        assert_eq!(estimated_max_memory_used_mb(Some("python3.12"), 1024), 40);
        assert_eq!(estimated_max_memory_used_mb(Some("java21"), 1024), 100);
        assert_eq!(estimated_max_memory_used_mb(Some("provided.al2023"), 128), 20);
        assert_eq!(estimated_max_memory_used_mb(None, 128), 70);
        assert_eq!(estimated_max_memory_used_mb(Some("java21"), 64), 64);
    }

    fn functions() -> Vec<FunctionConfig> {
        let toml = r#"
            [simulation]
            name = "t"
            duration = "1s"
            [[lambda.function]]
            name = "f"
            runtime = "python3.12"
            [[lambda.function]]
            name = "g"
            runtime = "nodejs20.x"
            provisioned_concurrency = 1
            reserved_concurrency = 2
            [[workload]]
            name = "w"
            target = "function:f"
            arrivals = { process = "constant", rate = 1.0 }
            duration = "10ms"
        "#;
        crate::config::load_str(Path::new("t.toml"), toml, &[]).unwrap().lambda.functions
    }

    fn one_invocation(sink: &mut LogSink, function: u32, at: f64) {
        let t = SimTime::from_secs_f64(at);
        let req = sink.started(function, t, plain()).unwrap();
        sink.finished(function, t + ms(5.0), t, &req);
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn the_sink_writes_one_file_per_function_renamed_into_place() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("logs");
        let mut sink = LogSink::create(&logs, &functions(), SampleRate::ALL).unwrap();
        sink.seed(1);
        assert_eq!(names(&logs).len(), 2);
        assert!(names(&logs).iter().all(|n| n.starts_with('.') && n.contains(".tmp")));
        one_invocation(&mut sink, 0, 0.0);
        one_invocation(&mut sink, 1, 0.5);
        one_invocation(&mut sink, 0, 1.0);
        let written = sink.finish().unwrap();
        assert_eq!(written, vec![logs.join("f.log"), logs.join("g.log")]);
        assert_eq!(names(&logs), ["f.log", "g.log"]);
        let f = std::fs::read_to_string(logs.join("f.log")).unwrap();
        assert_eq!(f.lines().count(), 6);
        assert!(f.lines().next().unwrap().ends_with(" Version: $LATEST"));
        // with provisioned concurrency the function is invoked through a published version
        let g = std::fs::read_to_string(logs.join("g.log")).unwrap();
        assert!(g.lines().next().unwrap().ends_with(" Version: 1"), "{g}");
        assert!(g.contains("\tMax Memory Used: 70 MB\t"));
    }

    #[test]
    fn sampling_nests_and_keeps_sequence_numbers() {
        let draw = |p: f64| {
            let dir = tempfile::tempdir().unwrap();
            let mut sink =
                LogSink::create(dir.path(), &functions(), SampleRate::new(p).unwrap()).unwrap();
            sink.seed(9);
            let t = SimTime::ZERO;
            let seqs: Vec<u64> =
                (0..20_000).filter_map(|_| sink.started(0, t, plain())).map(|r| r.seq).collect();
            seqs
        };
        let (one, two, all) = (draw(0.01), draw(0.02), draw(1.0));
        assert_eq!(all, (0..20_000).collect::<Vec<u64>>());
        assert!(one.iter().all(|s| two.contains(s)), "the 1% sample is within the 2% one");
        // binomial(20,000, 0.01): mean 200, sd 14
        assert!((140..=260).contains(&one.len()), "{}", one.len());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_write_error_is_returned_with_the_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("logs");
        let mut sink = LogSink::create(&logs, &functions(), SampleRate::ALL).unwrap();
        sink.seed(1);
        // a disk that is always full
        let full = File::options().write(true).open("/dev/full").unwrap();
        sink.functions[1].out = BufWriter::with_capacity(1024, full);
        for i in 0..100 {
            one_invocation(&mut sink, 0, i as f64);
            one_invocation(&mut sink, 1, i as f64);
        }
        assert!(sink.error.is_some(), "the error is seen while running");
        let e = sink.finish().unwrap_err();
        assert_eq!(e.path, logs.join("g.log"));
        assert!(
            e.to_string().starts_with(&format!("cannot write {}: ", logs.join("g.log").display()))
        );
        assert!(names(&logs).is_empty(), "{:?}", names(&logs));
    }

    #[test]
    fn sample_rates_are_probabilities() {
        assert_eq!("0.01".parse::<SampleRate>().unwrap().get(), 0.01);
        assert_eq!("1".parse::<SampleRate>(), Ok(SampleRate::ALL));
        for bad in ["0", "-0.5", "1.5", "NaN", "inf", "often"] {
            assert!(bad.parse::<SampleRate>().is_err(), "{bad}");
        }
    }

    /// Hex groups of 8-4-4-4-12 digits with the version nibble 4 and the variant nibble 8, 9,
    /// a or b.
    fn is_uuid_v4(s: &str) -> bool {
        let groups: Vec<&str> = s.split('-').collect();
        let lens: Vec<usize> = groups.iter().map(|g| g.len()).collect();
        let hex = |g: &&str| g.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        lens == [8, 4, 4, 4, 12]
            && groups.iter().all(hex)
            && groups[2].starts_with('4')
            && groups[3].starts_with(['8', '9', 'a', 'b'])
    }
}
