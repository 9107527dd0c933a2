//! Azure Functions 2019 traces: per-minute invocation counts, per-function duration
//! percentiles and memory, joined on `HashFunction`.
//!
//! Streaming: the invocations file has a row per function and a column per minute, so the
//! stream keeps, per function, the byte offset of its next minute cell and reads one column
//! (one cell per function) per minute. Memory: a few words per function, whatever the number
//! of minutes. Within a minute each function generates its arrivals lazily (sorted uniform
//! times by sequential order statistics, or evenly spaced), merged by a heap of one entry per
//! function.
//!
//! Durations: the percentiles 0, 1, 25, 50, 75, 99 and 100 (`percentile_Average_*`) are the
//! knots of a piecewise-linear quantile function, sampled by inversion; a knot missing or
//! smaller than the one before takes the previous value, and every run time is at least 1 ms
//! (two functions of the excerpt have `Average` = 0). `Minimum`/`Maximum` are not used.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use rand::RngExt;
use rand_pcg::Pcg64Mcg;

use super::text::TextReader;
use super::{Prep, Source, Spread, TraceFunction, lambda_memory, lambda_name, row_error};
use crate::engine::SimDuration;

const MINUTE_NS: u64 = 60_000_000_000;
/// Cumulative probabilities of the duration percentiles.
const PROBS: [f64; 7] = [0.0, 0.01, 0.25, 0.5, 0.75, 0.99, 1.0];
const PCT_COLUMNS: [&str; 7] = [
    "percentile_Average_0",
    "percentile_Average_1",
    "percentile_Average_25",
    "percentile_Average_50",
    "percentile_Average_75",
    "percentile_Average_99",
    "percentile_Average_100",
];

/// A piecewise-linear quantile function through the duration percentiles (ms).
#[derive(Debug, Clone, PartialEq)]
pub struct Quantiles(pub [f64; 7]);

impl Quantiles {
    pub fn sample(&self, u: f64) -> SimDuration {
        let q = &self.0;
        let i = PROBS.partition_point(|&p| p <= u).clamp(1, 6);
        let (p0, p1) = (PROBS[i - 1], PROBS[i]);
        let ms = q[i - 1] + (q[i] - q[i - 1]) * ((u - p0) / (p1 - p0)).clamp(0.0, 1.0);
        SimDuration::from_secs_f64(ms.max(1.0) / 1000.0)
    }
}

type Reader = csv::Reader<TextReader<File>>;

fn reader(path: &Path) -> Result<Reader, String> {
    super::text::open_csv(path)
}

fn headers(path: &Path, r: &mut Reader) -> Result<Vec<String>, String> {
    let h = r.headers().map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(h.iter().map(str::to_string).collect())
}

/// Reads the three files once: the functions (good rows of `invocations`), their durations
/// and memory, the row offsets, and the malformed rows.
pub fn prepare(
    invocations: &Path,
    durations: &Path,
    memory: Option<&Path>,
    spread: Spread,
) -> Result<Prep, String> {
    let mut bad_rows = 0u64;
    let mut first_bad: Option<String> = None;
    let mut note = |e: String| {
        bad_rows += 1;
        first_bad.get_or_insert(e);
    };

    // memory: HashFunction -> MB (the per-function variant), or HashApp -> MB (the
    // original per-application file, split evenly over the app's functions below)
    let mut mem = HashMap::new();
    let mut per_app = false;
    if let Some(path) = memory {
        let mut r = reader(path)?;
        let h = headers(path, &mut r)?;
        let col = h.iter().position(|c| c == "AverageAllocatedMb").ok_or_else(|| {
            format!("{}: no AverageAllocatedMb column (header: {})", path.display(), h.join(","))
        })?;
        let id = match h.iter().position(|c| c == "HashFunction") {
            Some(id) => id,
            None => {
                per_app = true;
                h.iter().position(|c| c == "HashApp").ok_or_else(|| {
                    format!(
                        "{}: neither a HashFunction nor a HashApp column (header: {})",
                        path.display(),
                        h.join(",")
                    )
                })?
            }
        };
        for rec in r.records() {
            let rec = rec.map_err(|e| format!("{}: {e}", path.display()))?;
            let line = rec.position().map_or(0, |p| p.line());
            let v = rec.get(col).unwrap_or("");
            match v.trim().parse::<f64>() {
                Ok(mb) if mb.is_finite() && mb >= 0.0 => {
                    mem.entry(rec.get(id).unwrap_or("").to_string()).or_insert(mb);
                }
                _ => note(row_error(
                    path,
                    line,
                    col + 1,
                    "AverageAllocatedMb",
                    v,
                    "is not a size in MB",
                )),
            }
        }
    }

    // durations: HashFunction -> quantiles
    let mut dur = HashMap::new();
    {
        let mut r = reader(durations)?;
        let h = headers(durations, &mut r)?;
        let find = |name: &str| {
            h.iter().position(|c| c == name).ok_or_else(|| {
                format!("{}: no {name} column (header: {})", durations.display(), h.join(","))
            })
        };
        let id = find("HashFunction")?;
        let cols: Vec<usize> = PCT_COLUMNS.iter().map(|c| find(c)).collect::<Result<_, _>>()?;
        'rows: for rec in r.records() {
            let rec = rec.map_err(|e| format!("{}: {e}", durations.display()))?;
            let line = rec.position().map_or(0, |p| p.line());
            let mut q = [0.0f64; 7];
            for (k, &c) in cols.iter().enumerate() {
                let v = rec.get(c).unwrap_or("").trim();
                let x = if v.is_empty() {
                    if k == 0 { 0.0 } else { q[k - 1] }
                } else {
                    match v.parse::<f64>() {
                        Ok(x) if x.is_finite() && x >= 0.0 => x,
                        _ => {
                            note(row_error(
                                durations,
                                line,
                                c + 1,
                                PCT_COLUMNS[k],
                                v,
                                "is not a duration in ms",
                            ));
                            continue 'rows;
                        }
                    }
                };
                q[k] = if k > 0 { x.max(q[k - 1]) } else { x };
            }
            dur.entry(rec.get(id).unwrap_or("").to_string()).or_insert(Quantiles(q));
        }
    }

    // invocations: the functions
    let mut r = reader(invocations)?;
    let h = headers(invocations, &mut r)?;
    if h.len() < 5 || h[..4] != ["HashOwner", "HashApp", "HashFunction", "Trigger"] {
        return Err(format!(
            "{}: line 1: the header must be HashOwner,HashApp,HashFunction,Trigger then minute columns; found {}",
            invocations.display(),
            h.iter().take(5).cloned().collect::<Vec<_>>().join(",")
        ));
    }
    let minutes = (h.len() - 4) as u32;
    let mut rows = 0u64;
    let mut offsets = Vec::new();
    let mut functions = Vec::new();
    let mut apps: Vec<String> = Vec::new();
    let mut quantiles = Vec::new();
    let mut rec = csv::StringRecord::new();
    loop {
        match r.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(format!("{}: {e}", invocations.display())),
        }
        rows += 1;
        let pos = rec.position().cloned().unwrap_or_else(csv::Position::new);
        let line = pos.line();
        if rec.len() != h.len() {
            note(format!(
                "{}: line {line}: {} columns, the header has {}",
                invocations.display(),
                rec.len(),
                h.len()
            ));
            continue;
        }
        let bad_cell = (4..rec.len()).find(|&c| rec[c].parse::<u64>().is_err());
        if let Some(c) = bad_cell {
            note(row_error(
                invocations,
                line,
                c + 1,
                &h[c],
                &rec[c],
                "is not a count of invocations",
            ));
            continue;
        }
        let id = &rec[2];
        let Some(q) = dur.get(id) else {
            note(row_error(
                invocations,
                line,
                3,
                "HashFunction",
                id,
                "has no row in the durations file",
            ));
            continue;
        };
        offsets.push(pos.byte());
        quantiles.push(q.clone());
        let trigger = Some(rec[3].to_string()).filter(|t| !t.is_empty());
        let memory = if per_app { None } else { mem.get(id).map(|&mb| lambda_memory(mb)) };
        functions.push(TraceFunction {
            name: lambda_name(id, 12),
            memory_mb: memory,
            trigger,
            app: Some(rec[1].to_string()),
            owner: Some(rec[0].to_string()),
        });
        apps.push(rec[1].to_string());
    }
    if per_app {
        let mut per: HashMap<&str, u32> = HashMap::new();
        for a in &apps {
            *per.entry(a.as_str()).or_default() += 1;
        }
        for (f, app) in functions.iter_mut().zip(&apps) {
            f.memory_mb =
                mem.get(app).map(|&mb: &f64| lambda_memory(mb / per[app.as_str()] as f64));
        }
    }
    let source = Source::Azure2019 {
        invocations: invocations.to_path_buf(),
        spread,
        rows: offsets,
        minutes,
        durations: quantiles,
    };
    Ok((source, functions, rows, bad_rows, first_bad))
}

/// How a function places its arrivals in the current minute.
#[derive(Clone, Copy, Debug, Default)]
struct Gen {
    count: u64,
    /// Arrivals generated so far this minute.
    k: u64,
    /// Last position in the minute, in [0, 1) (random spreads).
    at: f64,
}

/// Read-ahead shared by all functions of a stream: each function buffers
/// `READ_AHEAD_BYTES / functions` bytes of its row (within [`MIN_BLOCK`, `MAX_BLOCK`]), so a
/// read serves about a hundred minutes of a row in a fleet of 50,000 functions and a whole day
/// of a small trace, in bounded memory.
const READ_AHEAD_BYTES: usize = 16 << 20;
const MIN_BLOCK: usize = 64;
const MAX_BLOCK: usize = 16 << 10;

/// Each function's unread part of its row: a block of the file read ahead.
///
/// The rows are read column by column (a minute at a time), so each function keeps its own
/// block; cells are parsed byte by byte, so a cell may straddle two reads.
struct Rows {
    file: File,
    /// Block size per function.
    block: usize,
    /// `functions x block` bytes.
    buf: Vec<u8>,
    /// File offset just after each function's block.
    next: Vec<u64>,
    /// Unread bytes of each function's block: `pos..len`.
    pos: Vec<u32>,
    len: Vec<u32>,
}

impl Rows {
    fn new(file: File, rows: &[u64]) -> Rows {
        let block = (READ_AHEAD_BYTES / rows.len().max(1)).clamp(MIN_BLOCK, MAX_BLOCK);
        Rows::with_block(file, rows, block)
    }

    fn with_block(file: File, rows: &[u64], block: usize) -> Rows {
        let block = block.max(1);
        Rows {
            file,
            block,
            buf: vec![0; block * rows.len()],
            next: rows.to_vec(),
            pos: vec![0; rows.len()],
            len: vec![0; rows.len()],
        }
    }

    /// Reads function `f`'s next cell as a count: 0 when it is empty or not a count (rows were
    /// checked in validation; a file changed since reads as 0).
    fn cell(&mut self, f: usize) -> std::io::Result<u64> {
        let base = f * self.block;
        let (mut value, mut digits, mut valid) = (0u64, 0u32, true);
        loop {
            let (p, l) = (self.pos[f] as usize, self.len[f] as usize);
            for (i, &c) in self.buf[base + p..base + l].iter().enumerate() {
                match c {
                    b',' | b'\n' | b'\r' => {
                        self.pos[f] = (p + i + 1) as u32;
                        return Ok(if valid && digits > 0 { value } else { 0 });
                    }
                    b'0'..=b'9' => {
                        digits += 1;
                        match value.checked_mul(10).and_then(|v| v.checked_add((c - b'0') as u64)) {
                            Some(v) => value = v,
                            None => valid = false,
                        }
                    }
                    b'+' if digits == 0 => {}
                    _ => valid = false,
                }
            }
            self.file.seek(SeekFrom::Start(self.next[f]))?;
            let n = self.file.read(&mut self.buf[base..base + self.block])?;
            self.next[f] += n as u64;
            self.pos[f] = 0;
            self.len[f] = n as u32;
            if n == 0 {
                // the end of the file ends the cell
                return Ok(if valid && digits > 0 { value } else { 0 });
            }
        }
    }
}

/// The arrivals of an azure2019 trace in time order.
pub struct Stream {
    path: PathBuf,
    rows: Rows,
    spread: Spread,
    gens: Vec<Gen>,
    durations: Vec<Quantiles>,
    minutes: u32,
    /// The next minute to load.
    minute: u32,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
    rng: Pcg64Mcg,
    stop_ns: u64,
}

impl Stream {
    #[allow(clippy::too_many_arguments)]
    pub fn open(
        path: &Path,
        spread: Spread,
        rows: &[u64],
        minutes: u32,
        durations: &[Quantiles],
        rng: Pcg64Mcg,
        start_ns: u64,
        stop_ns: u64,
    ) -> Result<Stream, String> {
        let file = File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut s = Stream {
            path: path.to_path_buf(),
            rows: Rows::new(file, rows),
            spread,
            gens: vec![Gen::default(); rows.len()],
            durations: durations.to_vec(),
            minutes,
            minute: 0,
            heap: BinaryHeap::new(),
            rng,
            stop_ns,
        };
        // skip the four leading columns of each row
        for f in 0..rows.len() {
            for _ in 0..4 {
                s.cell(f)?;
            }
        }
        // minutes wholly before the window are skipped without drawing
        while s.minute < s.minutes && (s.minute as u64 + 1) * MINUTE_NS <= start_ns {
            for f in 0..rows.len() {
                s.cell(f)?;
            }
            s.minute += 1;
        }
        Ok(s)
    }

    /// Reads function `f`'s next cell as a count.
    fn cell(&mut self, f: usize) -> Result<u64, String> {
        self.rows.cell(f).map_err(|e| format!("cannot read {}: {e}", self.path.display()))
    }

    /// The next arrival time of function `f` in minute `m`, if any is left.
    fn draw(&mut self, f: usize, m: u64) -> Option<u64> {
        let g = &mut self.gens[f];
        if g.k >= g.count {
            return None;
        }
        let offset = match self.spread {
            Spread::Even => (g.k as u128 * MINUTE_NS as u128 / g.count as u128) as u64,
            Spread::Uniform | Spread::Poisson => {
                // the next of the sorted uniforms left: 1 - (1 - at) * U^(1/remaining)
                let left = (g.count - g.k) as f64;
                let u: f64 = self.rng.random();
                g.at = 1.0 - (1.0 - g.at) * u.powf(1.0 / left);
                ((g.at * MINUTE_NS as f64) as u64).min(MINUTE_NS - 1)
            }
        };
        g.k += 1;
        Some(m * MINUTE_NS + offset)
    }

    /// Loads minutes until one has arrivals; `false` at the end of the trace or window.
    fn load_minute(&mut self) -> Result<bool, String> {
        while self.heap.is_empty() {
            if self.minute >= self.minutes || self.minute as u64 * MINUTE_NS >= self.stop_ns {
                return Ok(false);
            }
            let m = self.minute as u64;
            for f in 0..self.gens.len() {
                let count = self.cell(f)?;
                self.gens[f] = Gen { count, k: 0, at: 0.0 };
                if let Some(t) = self.draw(f, m) {
                    self.heap.push(Reverse((t, f as u32)));
                }
            }
            self.minute += 1;
        }
        Ok(true)
    }

    pub fn next_arrival(&mut self) -> Result<Option<super::Arrival>, String> {
        if !self.load_minute()? {
            return Ok(None);
        }
        let Some(Reverse((t, f))) = self.heap.pop() else { return Ok(None) };
        let m = t / MINUTE_NS;
        if let Some(n) = self.draw(f as usize, m) {
            self.heap.push(Reverse((n, f)));
        }
        let u: f64 = self.rng.random();
        Ok(Some((t, f, self.durations[f as usize].sample(u))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_between_percentiles() {
        let q = Quantiles([10.0, 10.0, 20.0, 30.0, 40.0, 100.0, 200.0]);
        assert_eq!(q.sample(0.5), SimDuration::from_millis(30));
        assert_eq!(q.sample(0.375), SimDuration::from_millis(25));
        assert_eq!(q.sample(1.0), SimDuration::from_millis(200));
        assert_eq!(Quantiles([0.0; 7]).sample(0.3), SimDuration::from_millis(1));
    }

    #[test]
    fn rows_read_column_by_column_across_block_ends() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inv.csv");
        let text =
            "h\nowner,app,fn,http,12,0,+7,x,18446744073709551616,345\no,a,g,timer,1,2,3,4,5,6";
        std::fs::write(&path, text).unwrap();
        let rows = [2, text.find("o,a,g").unwrap() as u64];
        for block in [1, 3, 7, 4096] {
            let mut r = Rows::with_block(File::open(&path).unwrap(), &rows, block);
            let mut read = |f| r.cell(f).unwrap();
            for _ in 0..4 {
                assert_eq!((read(0), read(1)), (0, 0), "leading columns read as 0");
            }
            let got: Vec<(u64, u64)> = (0..7).map(|_| (read(0), read(1))).collect();
            // not a count, or beyond u64, reads 0; the end of the file ends the last cell
            assert_eq!(
                got,
                [(12, 1), (0, 2), (7, 3), (0, 4), (0, 5), (345, 6), (0, 0)],
                "block {block}"
            );
        }
    }
}
