//! What opens `report.html`, before any table: the verdicts (the side-by-side comparison's
//! line, the SLO checks' outcome) and the warnings, so that the page says what to conclude
//! first and the tables and charts back it up.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value as Json;

use super::escape;
use crate::report::comparison::{self, Compared};
use crate::slo::{Check, Slo};

/// The verdicts of a run: the comparison's line when platforms are compared, the SLO checks'
/// outcome when the scenario has `[slo]`, and each fleet's line (`traces.NAME.fleet`);
/// nothing when there is none of these.
pub(super) fn run_verdicts(
    options: &[Compared],
    slo: Option<(&Slo, &[Check])>,
    summary: &crate::summary::Summary,
) -> String {
    let mut lines = Vec::new();
    if !options.is_empty() {
        lines
            .push(format!("<p><b>side by side:</b> {}</p>", escape(&comparison::verdict(options))));
    }
    if let Some((slo, checks)) = slo {
        lines.push(slo_verdict(slo, checks));
    }
    for (name, t) in summary.get("traces").and_then(Json::as_object).into_iter().flatten() {
        if let Some(f) = t.get("fleet").filter(|f| f.is_object()) {
            let line = crate::report::table::fleet_line(name, f);
            lines.push(format!("<p>{}</p>", escape(line.trim_end())));
        }
    }
    if lines.is_empty() {
        return String::new();
    }
    format!("<section id=\"verdicts\">\n{}\n</section>\n", lines.join("\n"))
}

/// `SLOs: meets every objective (3 checked: ...)` or `SLOs: fails 1 of 3: p95_ms of
/// function:f 3,412 ms > 3,000 ms`.
fn slo_verdict(slo: &Slo, checks: &[Check]) -> String {
    let failing: Vec<&Check> = checks.iter().filter(|c| !c.pass()).collect();
    if failing.is_empty() {
        return format!(
            "<p class=\"pass\"><b>SLOs:</b> meets every objective ({} checked: {}; judged by \
             the mean over replications)</p>",
            checks.len(),
            escape(&slo.describe())
        );
    }
    let misses: Vec<String> =
        failing.iter().map(|c| format!("{} {}", c.what(), c.verdict())).collect();
    format!(
        "<p class=\"fail\"><b>SLOs:</b> fails {} of {}: {}</p>",
        failing.len(),
        checks.len(),
        escape(&misses.join("; "))
    )
}

/// At most this many warnings are listed on a page (the rest are in `summary.json`, or in
/// the points' summaries for a sweep).
const MAX_SWEEP_WARNINGS: usize = 20;

/// `summary.json`'s warnings; nothing when there are none.
pub(super) fn warnings_block(summary: &crate::summary::Summary) -> String {
    let Some(ws) = summary["warnings"].as_array().filter(|ws| !ws.is_empty()) else {
        return String::new();
    };
    let mut items: Vec<String> = ws
        .iter()
        .take(MAX_SWEEP_WARNINGS)
        .map(|w| {
            format!(
                "<li><code>{}</code>: {}</li>",
                escape(w["kind"].as_str().unwrap_or("")),
                escape(w["message"].as_str().unwrap_or(""))
            )
        })
        .collect();
    if ws.len() > MAX_SWEEP_WARNINGS {
        items.push(format!(
            "<li>{} more: see <code>warnings</code> in summary.json</li>",
            ws.len() - MAX_SWEEP_WARNINGS
        ));
    }
    block(&items)
}

/// The warnings of a sweep's points (read from `dir/points/`): each (component, kind) once,
/// with the message of the first point where it fired and the points where it did.
pub(super) fn sweep_warnings(dir: &Path) -> String {
    let Ok(manifest) = crate::sweep::read_manifest(dir) else { return String::new() };
    let Ok(points) = crate::sweep::load_points(dir, &manifest) else { return String::new() };
    // (component, kind, message, points)
    let mut seen: Vec<(&Json, &Json, &str, Vec<u64>)> = Vec::new();
    // where each (component, kind) is in `seen`: a fleet's many warnings stay linear
    let mut at_index: std::collections::HashMap<(String, String), usize> =
        std::collections::HashMap::new();
    for (i, (_, summary)) in points.iter().enumerate() {
        // the point's number, as the points table shows it
        let i = manifest["points"][i]["point"].as_u64().unwrap_or(i as u64);
        for w in summary["warnings"].as_array().into_iter().flatten() {
            let (c, k) = (&w["component"], &w["kind"]);
            match at_index.entry((c.to_string(), k.to_string())) {
                std::collections::hash_map::Entry::Occupied(e) => seen[*e.get()].3.push(i),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(seen.len());
                    seen.push((c, k, w["message"].as_str().unwrap_or(""), vec![i]));
                }
            }
        }
    }
    if seen.is_empty() {
        return String::new();
    }
    let mut items: Vec<String> = seen
        .iter()
        .take(MAX_SWEEP_WARNINGS)
        .map(|(_, kind, message, at)| {
            let list: Vec<String> = at.iter().map(u64::to_string).collect();
            let which = if at.len() == points.len() {
                "every point".to_string()
            } else {
                format!("point{} {}", if at.len() == 1 { "" } else { "s" }, list.join(", "))
            };
            format!(
                "<li><code>{}</code> at {}: {} <span class=\"meta\">(figures of point {})</span></li>",
                escape(kind.as_str().unwrap_or("")),
                escape(&which),
                escape(message),
                at[0]
            )
        })
        .collect();
    if seen.len() > MAX_SWEEP_WARNINGS {
        items.push(format!(
            "<li>{} more: see each point's <code>warnings</code> in points/</li>",
            seen.len() - MAX_SWEEP_WARNINGS
        ));
    }
    block(&items)
}

fn block(items: &[String]) -> String {
    let mut out = String::from(
        "<div id=\"warnings\" style=\"border-left:4px solid #c60;background:#fff4e5;\
         padding:0.3em 1em;margin:0.5em 0\">\n<strong>Warnings</strong>\n<ul>\n",
    );
    for i in items {
        let _ = writeln!(out, "{i}");
    }
    out.push_str("</ul>\n</div>\n");
    out
}
