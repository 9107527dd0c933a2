//! Outputs of a run: `summary.json`, `timeseries.csv`, PNG charts and the terminal table.
//!
//! Every file is written under a temporary name in the same folder and renamed into place, so
//! an interrupted run never leaves a half-written file under a real name.

pub mod chart;
pub mod html;
pub mod table;

use std::io;
use std::path::{Path, PathBuf};

use crate::metrics::{Histogram, MinuteRow};

/// The temporary name `path` is written under before the rename: `.<name>.<pid>.tmp<suffix>`
/// in the same folder (so the rename stays on one file system).
pub fn temp_path(path: &Path, suffix: &str) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp{suffix}", std::process::id()))
}

/// Writes `bytes` to `path` atomically (temporary file + rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = temp_path(path, "");
    std::fs::write(&tmp, bytes).and_then(|_| std::fs::rename(&tmp, path)).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// `summary.json`, pretty-printed with a final newline.
pub fn write_json(path: &Path, value: &serde_json::Value) -> io::Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}

/// `timeseries.csv`: one row per simulated minute.
pub fn write_timeseries(path: &Path, rows: &[MinuteRow]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.serialize(row).map_err(io::Error::other)?;
    }
    let bytes = w.into_inner().map_err(|e| io::Error::other(e.to_string()))?;
    write_atomic(path, &bytes)
}

/// Draws the run's charts into `dir` (`queues.png` too if the scenario has `queues`,
/// `api.png` if it has APIs, `compare.png` if `platforms` are compared); returns the files
/// written.
pub fn write_charts(
    dir: &Path,
    title: &str,
    rows: &[MinuteRow],
    latencies: &[(String, &Histogram)],
    queues: bool,
    apis: bool,
    platforms: &[(String, f64, f64)],
) -> Result<Vec<PathBuf>, chart::ChartError> {
    let curves: Vec<chart::LatencyCurve> = latencies
        .iter()
        .map(|(name, h)| chart::LatencyCurve {
            name: name.clone(),
            points: h.cdf().into_iter().map(|(ns, share)| (ns / 1e6, share)).collect(),
        })
        .collect();
    type Draw<'a> = Box<dyn Fn(&Path) -> Result<(), chart::ChartError> + 'a>;
    let mut charts: Vec<(&str, Draw)> = vec![
        (
            "requests.png",
            Box::new(|p| {
                chart::requests_over_time(p, &format!("{title}: requests per minute"), rows)
            }),
        ),
        (
            "concurrency.png",
            Box::new(|p| {
                chart::concurrency_over_time(
                    p,
                    &format!("{title}: concurrency and environments"),
                    rows,
                )
            }),
        ),
        (
            "latency_cdf.png",
            Box::new(|p| chart::latency_cdf(p, &format!("{title}: latency CDF"), &curves)),
        ),
    ];
    if queues {
        charts.push((
            "queues.png",
            Box::new(|p| {
                chart::queues_over_time(p, &format!("{title}: queue backlog and age"), rows)
            }),
        ));
    }
    if apis {
        charts.push((
            "api.png",
            Box::new(|p| chart::api_over_time(p, &format!("{title}: API Gateway requests"), rows)),
        ));
    }
    if !platforms.is_empty() {
        charts.push((
            "compare.png",
            Box::new(|p| {
                chart::compare_platforms(
                    p,
                    &format!("{title}: cost and p99 by platform"),
                    platforms,
                )
            }),
        ));
    }
    let mut written = Vec::new();
    for (name, draw) in charts {
        let path = dir.join(name);
        // plotters picks the image format from the extension, so the temporary name keeps it
        let tmp = temp_path(&path, ".png");
        draw(&tmp)?;
        std::fs::rename(&tmp, &path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            chart::ChartError { path: path.display().to_string(), message: e.to_string() }
        })?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_leaves_only_the_final_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.json");
        write_atomic(&path, b"{}\n").unwrap();
        write_atomic(&path, b"{\"a\":1}\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{\"a\":1}\n");
        let names: Vec<_> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }
}
