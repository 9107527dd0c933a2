//! Traces of individual requests, rows in any order: `azure2021`
//! (`app,func,end_timestamp,duration`, start = end - duration, seconds) and `requests`
//! (`timestamp` seconds required, `function` and `duration_ms` optional).
//!
//! Bounded-memory sort: the file is read in chunks of at most `chunk_rows` rows
//! ([`DEFAULT_CHUNK_ROWS`](super::DEFAULT_CHUNK_ROWS) by default); each chunk is sorted by
//! (time, function, run time) and, when the file holds more than one chunk, written as a run
//! of fixed 20-byte records to an anonymous temporary file (in the system temp folder,
//! deleted when closed). The runs are then merged lazily with a heap of one record per run. A
//! file smaller than one chunk is sorted in memory and never touches the disk.
//!
//! Without `duration_ms`, a `requests` row runs 100 ms. A start before 0 (an azure2021
//! request that began before the trace did) is replayed at 0.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::{Arrival, Format, Source, lambda_name, row_error};
use crate::engine::SimDuration;

/// Run time of a `requests` row without `duration_ms`.
pub const DEFAULT_WORK: SimDuration = SimDuration::from_millis(100);

/// Which column holds what.
struct Columns {
    time: usize,
    app: Option<usize>,
    function: Option<usize>,
    duration: Option<usize>,
    width: usize,
}

fn columns(path: &Path, format: Format, h: &csv::StringRecord) -> Result<Columns, String> {
    let find = |n: &str| h.iter().position(|c| c.trim() == n);
    let header = h.iter().collect::<Vec<_>>().join(",");
    let missing =
        |n: &str| format!("{}: line 1: no `{n}` column (header: {header})", path.display());
    Ok(match format {
        Format::Azure2021 => Columns {
            time: find("end_timestamp").ok_or_else(|| missing("end_timestamp"))?,
            app: Some(find("app").ok_or_else(|| missing("app"))?),
            function: Some(find("func").ok_or_else(|| missing("func"))?),
            duration: Some(find("duration").ok_or_else(|| missing("duration"))?),
            width: h.len(),
        },
        _ => Columns {
            time: find("timestamp").ok_or_else(|| missing("timestamp"))?,
            app: None,
            function: find("function"),
            duration: find("duration_ms"),
            width: h.len(),
        },
    })
}

/// One parsed row: start (trace ns), trace id, run time.
fn parse_row(
    path: &Path,
    h: &csv::StringRecord,
    c: &Columns,
    format: Format,
    rec: &csv::StringRecord,
) -> Result<(u64, String, SimDuration), String> {
    let line = rec.position().map_or(0, |p| p.line());
    if rec.len() != c.width {
        return Err(format!(
            "{}: line {line}: {} columns, the header has {}",
            path.display(),
            rec.len(),
            c.width
        ));
    }
    let num = |col: usize, what: &str| -> Result<f64, String> {
        let v = &rec[col];
        match v.trim().parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
            _ => Err(row_error(path, line, col + 1, &h[col], v, what)),
        }
    };
    let t = num(c.time, "is not a time in seconds (a number >= 0)")?;
    let (start, work) = match format {
        Format::Azure2021 => {
            let d = num(c.duration.unwrap_or(0), "is not a duration in seconds (a number >= 0)")?;
            ((t - d).max(0.0), SimDuration::from_secs_f64(d))
        }
        _ => {
            let work = match c.duration {
                Some(col) if !rec[col].trim().is_empty() => SimDuration::from_secs_f64(
                    num(col, "is not a duration in ms (a number >= 0)")? / 1e3,
                ),
                _ => DEFAULT_WORK,
            };
            (t, work)
        }
    };
    let id = match (c.app, c.function) {
        (Some(a), Some(f)) => format!("{}/{}", &rec[a], &rec[f]),
        (None, Some(f)) => rec[f].to_string(),
        _ => String::new(),
    };
    Ok(((start * 1e9).round() as u64, id, work))
}

fn open(path: &Path) -> Result<csv::Reader<super::text::TextReader<File>>, String> {
    super::text::open_csv(path)
}

/// The stable short name of a trace id.
fn name_of(format: Format, id: &str, trace: &str) -> String {
    match format {
        Format::Azure2021 => {
            let (app, func) = id.split_once('/').unwrap_or(("", id));
            format!("{}-{}", lambda_name(app, 8), lambda_name(func, 12))
        }
        _ if id.is_empty() => lambda_name(trace, 64),
        _ => lambda_name(id, 64),
    }
}

/// Reads the file once: its functions (in order of first appearance), rows and bad rows.
pub fn prepare(path: &Path, format: Format, trace: &str) -> Result<super::Prep, String> {
    let mut r = open(path)?;
    let h = r.headers().map_err(|e| format!("{}: {e}", path.display()))?.clone();
    let c = columns(path, format, &h)?;
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut order = Vec::new();
    let (mut rows, mut bad, mut first_bad) = (0u64, 0u64, None);
    let mut rec = csv::StringRecord::new();
    loop {
        match r.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
        rows += 1;
        match parse_row(path, &h, &c, format, &rec) {
            Ok((_, id, _)) => {
                if !ids.contains_key(&id) {
                    ids.insert(id.clone(), order.len() as u32);
                    order.push(id);
                }
            }
            Err(e) => {
                bad += 1;
                first_bad.get_or_insert(e);
            }
        }
    }
    let functions = order
        .iter()
        .map(|id| super::TraceFunction {
            name: name_of(format, id, trace),
            app: (format == Format::Azure2021)
                .then(|| id.split_once('/').map_or("", |(app, _)| app).to_string()),
            ..super::TraceFunction::default()
        })
        .collect();
    let source = Source::Records {
        path: path.to_path_buf(),
        format,
        ids: order,
        chunk_rows: super::DEFAULT_CHUNK_ROWS,
    };
    Ok((source, functions, rows, bad, first_bad))
}

/// Calls `each` with every row of the file, parsed (start ns, trace id, run time) or the
/// error naming its line and column.
pub fn for_each_row(
    path: &Path,
    format: Format,
    mut each: impl FnMut(Result<(u64, String, SimDuration), String>),
) -> Result<(), String> {
    let mut r = open(path)?;
    let h = r.headers().map_err(|e| format!("{}: {e}", path.display()))?.clone();
    let c = columns(path, format, &h)?;
    let mut rec = csv::StringRecord::new();
    loop {
        match r.read_record(&mut rec) {
            Ok(false) => return Ok(()),
            Ok(true) => each(parse_row(path, &h, &c, format, &rec)),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
    }
}

/// A sorted row: (start ns, function, run time ns).
type Row = (u64, u32, u64);
const ROW_BYTES: usize = 20;

/// A sorted run spilled to a temporary file.
struct Run {
    reader: BufReader<File>,
}

impl Run {
    fn next(&mut self) -> Result<Option<Row>, String> {
        let mut b = [0u8; ROW_BYTES];
        match self.reader.read_exact(&mut b) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(format!("cannot read a sorted run of the trace: {e}")),
        }
        let t = u64::from_le_bytes(b[0..8].try_into().expect("8 bytes"));
        let f = u32::from_le_bytes(b[8..12].try_into().expect("4 bytes"));
        let d = u64::from_le_bytes(b[12..20].try_into().expect("8 bytes"));
        Ok(Some((t, f, d)))
    }
}

/// The rows of a trace in time order.
pub struct Stream {
    /// Rows of a trace that fits one chunk, sorted, consumed from the back.
    memory: Vec<Row>,
    runs: Vec<Run>,
    heap: BinaryHeap<Reverse<(Row, usize)>>,
}

fn spill(chunk: &mut Vec<Row>) -> Result<Run, String> {
    let io = |e: std::io::Error| {
        format!("cannot write a sorted run of the trace to a temporary file: {e}")
    };
    chunk.sort_unstable();
    let mut w = BufWriter::new(tempfile::tempfile().map_err(io)?);
    for &(t, f, d) in chunk.iter() {
        w.write_all(&t.to_le_bytes()).map_err(io)?;
        w.write_all(&f.to_le_bytes()).map_err(io)?;
        w.write_all(&d.to_le_bytes()).map_err(io)?;
    }
    let mut file = w.into_inner().map_err(|e| io(e.into_error()))?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    chunk.clear();
    Ok(Run { reader: BufReader::new(file) })
}

impl Stream {
    pub fn open(
        path: &Path,
        format: Format,
        ids: &[String],
        chunk_rows: usize,
    ) -> Result<Stream, String> {
        let index: HashMap<&str, u32> =
            ids.iter().enumerate().map(|(i, id)| (id.as_str(), i as u32)).collect();
        let mut r = open(path)?;
        let h = r.headers().map_err(|e| format!("{}: {e}", path.display()))?.clone();
        let c = columns(path, format, &h)?;
        let chunk_rows = chunk_rows.max(1);
        let mut chunk: Vec<Row> = Vec::new();
        let mut runs = Vec::new();
        let mut rec = csv::StringRecord::new();
        loop {
            match r.read_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => return Err(format!("{}: {e}", path.display())),
            }
            // bad rows were counted in validation; here they are skipped
            let Ok((t, id, work)) = parse_row(path, &h, &c, format, &rec) else { continue };
            let Some(&f) = index.get(id.as_str()) else { continue };
            chunk.push((t, f, work.0));
            if chunk.len() >= chunk_rows {
                runs.push(spill(&mut chunk)?);
            }
        }
        if runs.is_empty() {
            chunk.sort_unstable_by(|a, b| b.cmp(a));
            return Ok(Stream { memory: chunk, runs, heap: BinaryHeap::new() });
        }
        if !chunk.is_empty() {
            runs.push(spill(&mut chunk)?);
        }
        let mut heap = BinaryHeap::new();
        for (i, run) in runs.iter_mut().enumerate() {
            if let Some(row) = run.next()? {
                heap.push(Reverse((row, i)));
            }
        }
        Ok(Stream { memory: Vec::new(), runs, heap })
    }

    /// Sorted runs spilled to disk (0 when the trace was sorted in memory).
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    pub fn next_arrival(&mut self) -> Result<Option<Arrival>, String> {
        if let Some((t, f, d)) = self.memory.pop() {
            return Ok(Some((t, f, SimDuration(d))));
        }
        let Some(Reverse(((t, f, d), i))) = self.heap.pop() else { return Ok(None) };
        if let Some(row) = self.runs[i].next()? {
            self.heap.push(Reverse((row, i)));
        }
        Ok(Some((t, f, SimDuration(d))))
    }
}
