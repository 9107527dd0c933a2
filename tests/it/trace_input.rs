//! Trace files that are not text (issue 16): every trace format, and `slsim trace inspect`,
//! refuses a binary file or an overlong line at once, naming the file, the line, what was
//! found and what is allowed, without reading the rest.

use std::path::Path;

use slsim::config;

const DURATIONS: &str = "HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,\
percentile_Average_0,percentile_Average_1,percentile_Average_25,percentile_Average_50,\
percentile_Average_75,percentile_Average_99,percentile_Average_100\n\
o,a,aaaa,10,1,,,5,5,8,10,12,20,30\n";
const INVOCATIONS: &str = "HashOwner,HashApp,HashFunction,Trigger,1,2\no,a,aaaa,http,1,2\n";
const MEMORY: &str = "HashOwner,HashApp,SampleCount,AverageAllocatedMb\no,a,1,200\n";

/// Writes `files` and a scenario with `trace`, loads it and returns the error.
fn refused(dir: &Path, trace: &str, files: &[(&str, &[u8])]) -> String {
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let text = format!(
        "[simulation]\nname = \"t\"\nduration = \"1h\"\n\n[[trace]]\nname = \"t\"\n{trace}\n\
         template = {{ runtime = \"python3.12\" }}\n"
    );
    let path = dir.join("scenario.toml");
    std::fs::write(&path, text).unwrap();
    match config::load(&path, &[]) {
        Ok(_) => panic!("{trace} with {files:?} was accepted"),
        Err(e) => e.to_string(),
    }
}

/// A gzip header then binary bytes, a NUL in the second line, and a 2 MiB line.
fn bad_files(header: &str) -> [(&'static str, Vec<u8>, &'static str); 3] {
    let gzip = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xfe];
    let nul = format!("{header}\n1\0,2\n").into_bytes();
    let mut long = format!("{header}\n").into_bytes();
    long.resize(long.len() + (2 << 20), b'7');
    [
        (
            "gzip",
            gzip,
            "line 1: the file is gzip-compressed, not text; a trace is a CSV text file (unpack it first)",
        ),
        (
            "nul",
            nul,
            "line 2: byte 2 of the line is NUL (0x00): this is not a text file; a trace is a CSV text file",
        ),
        (
            "long",
            long,
            "line 2: the line is longer than 1048576 bytes (1 MiB); a trace is a CSV file with lines up to 1 MiB",
        ),
    ]
}

#[test]
fn azure2021_and_requests_traces_refuse_files_that_are_not_text() {
    let dir = tempfile::tempdir().unwrap();
    for (format, header) in
        [("azure2021", "app,func,end_timestamp,duration"), ("requests", "timestamp,duration_ms")]
    {
        for (what, bytes, want) in bad_files(header) {
            let trace = format!("format = \"{format}\"\npath = \"r.csv\"");
            let e = refused(dir.path(), &trace, &[("r.csv", &bytes)]);
            assert!(e.contains(&format!("r.csv: {want}")), "{format} {what}: {e}");
            assert!(e.contains("trace \"t\".path"), "{format} {what}: {e}");
        }
    }
}

#[test]
fn each_azure2019_file_refuses_what_is_not_text() {
    let dir = tempfile::tempdir().unwrap();
    let trace = "format = \"azure2019\"\ninvocations = \"inv.csv\"\ndurations = \"dur.csv\"\n\
                 memory = \"mem.csv\"";
    for (file, key, header) in [
        ("inv.csv", "invocations", "HashOwner,HashApp,HashFunction,Trigger,1,2"),
        ("dur.csv", "durations", DURATIONS.lines().next().unwrap()),
        ("mem.csv", "memory", MEMORY.lines().next().unwrap()),
    ] {
        for (what, bytes, want) in bad_files(header) {
            let mut files: Vec<(&str, &[u8])> = vec![
                ("inv.csv", INVOCATIONS.as_bytes()),
                ("dur.csv", DURATIONS.as_bytes()),
                ("mem.csv", MEMORY.as_bytes()),
            ];
            files.retain(|f| f.0 != file);
            files.push((file, &bytes));
            let e = refused(dir.path(), trace, &files);
            assert!(e.contains(&format!("{file}: {want}")), "{file} {what}: {e}");
            assert!(e.contains(&format!("trace \"t\".{key}")), "{file} {what}: {e}");
        }
    }
}

#[test]
fn trace_inspect_refuses_a_binary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv.gz");
    std::fs::write(&path, [0x1f, 0x8b, 8, 0, 0, 0]).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_slsim"))
        .args(["trace", "inspect", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("t.csv.gz: line 1: the file is gzip-compressed"), "{err}");
}
