//! Files written so that an interrupted run never leaves a half-written file under a real
//! name: each is written under a temporary name in the same folder and renamed into place.

use std::io;
use std::path::{Path, PathBuf};

/// The temporary name `path` is written under before the rename:
/// `.<name>.<pid>-<n>-<clock>.tmp<suffix>` in the same folder (so the rename stays on one file
/// system). The counter keeps threads of one process apart, the clock processes of other hosts
/// that share the folder (sweep shards on a network file system) and happen to have the pid.
pub fn temp_path(path: &Path, suffix: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let clock = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.{}-{n}-{clock:x}.tmp{suffix}", std::process::id()))
}

/// Writes `bytes` to `path` atomically (temporary file + rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = temp_path(path, "");
    std::fs::write(&tmp, bytes).and_then(|_| std::fs::rename(&tmp, path)).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Writes `path` atomically (temporary file + rename), streaming through `write` (buffered).
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn io::Write) -> io::Result<()>,
) -> io::Result<()> {
    use std::io::Write;
    let tmp = temp_path(path, "");
    let result = std::fs::File::create(&tmp).and_then(|f| {
        let mut w = io::BufWriter::new(f);
        write(&mut w)?;
        w.flush()?;
        w.into_inner().map_err(io::IntoInnerError::into_error)?.sync_all()
    });
    result.and_then(|_| std::fs::rename(&tmp, path)).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// `summary.json`, pretty-printed with a final newline.
pub fn write_json(path: &Path, value: &serde_json::Value) -> io::Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}
