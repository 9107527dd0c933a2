//! The README and the book are self-contained: every relative link resolves to a file of the
//! repository, and nothing points at a file outside it.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn markdown_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() && p.file_name().is_some_and(|n| n != "book") {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "md") {
                out.push(p);
            }
        }
    }
    let mut files = vec![root().join("README.md")];
    walk(&root().join("docs"), &mut files);
    files.sort();
    files
}

/// The targets of `[text](target)` and `![alt](target)` links outside code.
fn link_targets(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // inline code may hold `](...)` that is not a link
        let prose: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        let mut rest = prose.as_str();
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let end = after.find(')').unwrap_or(after.len());
            out.push(after[..end].split_whitespace().next().unwrap_or_default().to_string());
            rest = &after[end..];
        }
    }
    out
}

#[test]
fn every_relative_link_resolves() {
    let mut broken = Vec::new();
    let files = markdown_files();
    assert!(files.len() > 10, "found only {} Markdown files", files.len());
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable");
        for target in link_targets(&text) {
            if target.is_empty()
                || target.starts_with('#')
                || target.contains("://")
                || target.starts_with("mailto:")
            {
                continue;
            }
            let path = target.split('#').next().unwrap_or_default();
            let resolved = file.parent().expect("in a folder").join(path);
            if !resolved.exists() {
                broken.push(format!("{}: {target}", file.display()));
            } else if !resolved.canonicalize().is_ok_and(|p| p.starts_with(root())) {
                broken.push(format!("{}: {target} is outside the repository", file.display()));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn nothing_points_outside_the_repository() {
    // spelled in pieces, so that this test is not itself a file that names them
    let needles = [
        ["..", "/shared"].concat(),
        ["SCENARIO", ".md"].concat(),
        ["shared", " folder"].concat(),
        ["aws", "-facts"].concat(),
    ];
    let mut found = Vec::new();
    let mut stack = vec![root()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if p.is_dir() {
                if !["target", ".git", "output", "book", ".venv"].contains(&name.as_str()) {
                    stack.push(p);
                }
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&p) else { continue };
            for n in &needles {
                if text.contains(n.as_str()) {
                    found.push(format!("{}: mentions {n}", p.display()));
                }
            }
        }
    }
    found.sort();
    assert!(found.is_empty(), "references to files outside the repository:\n{}", found.join("\n"));
}

#[test]
fn the_link_reader_finds_links_outside_code() {
    let t = link_targets(
        "see [a](x.md) and ![img](images/y.png#z)\n`[no](code.md)`\n```\n[no](b.md)\n```",
    );
    assert_eq!(t, ["x.md", "images/y.png#z"]);
}

/// mdBook (pinned 0.5.4, installed by `.ci/run`) builds the book without a warning. Skipped with
/// a notice when `mdbook` is not on PATH.
#[test]
fn the_book_builds() {
    let found = std::process::Command::new("mdbook").arg("--version").output();
    let Ok(version) = found else {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED the_book_builds: no mdbook on PATH \
             (cargo install mdbook --version 0.5.4 --locked)"
        );
        return;
    };
    let version = String::from_utf8_lossy(&version.stdout);
    assert!(version.contains("0.5."), "mdbook 0.5 expected, found {version}");
    let tmp = tempfile::tempdir().expect("temporary folder");
    let out = std::process::Command::new("mdbook")
        .args(["build", "docs", "--dest-dir"])
        .arg(tmp.path())
        .current_dir(root())
        .output()
        .expect("mdbook runs");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "mdbook build failed:\n{log}");
    assert!(!log.contains("WARN") && !log.contains("ERROR"), "mdbook warned:\n{log}");
    for page in ["index.html", "reference/scenario.html", "reference/outputs.html", "facts.html"] {
        assert!(tmp.path().join(page).is_file(), "the book has no {page}");
    }
}
