//! The "Compared with observed" section that `slsim compare` puts into the run's
//! `report.html` (through [`crate::report::html::insert_section`]).

use std::fmt::Write as _;
use std::path::Path;

use super::Comparison;
use super::stats::{MetricStats, num};
use crate::report::html::{escape, inline_svg};

/// The section's id (a second `compare` replaces the section of the first).
pub const ID: &str = "compare-observed";

/// The section: what was compared, one table row per metric, warnings, then the overlay chart
/// (inlined from `svg` when given and readable).
pub fn html(c: &Comparison, svg: Option<&Path>) -> String {
    let mut out = format!("<section id=\"{ID}\">\n<h2>Compared with observed</h2>\n");
    let _ = writeln!(
        out,
        "<p>Overall: <strong>{}</strong> over {} period{} of {} s ({:.0}% of the {} observed).</p>",
        verdict(c.verdict),
        c.periods_compared,
        if c.periods_compared == 1 { "" } else { "s" },
        c.observed.period_s,
        c.overlap * 100.0,
        c.observed.periods,
    );
    let _ = writeln!(
        out,
        "<p class=\"meta\">observed: {} ({}{}); simulated: timeseries.csv from {} s; \
         MAPE over periods with observed &gt; 0; bias = simulated total / observed total - 1</p>",
        escape(&c.observed.file),
        c.observed.kind,
        c.observed.start.as_ref().map(|s| format!(", from {}", escape(s))).unwrap_or_default(),
        c.simulated.offset_s,
    );
    out.push_str(
        "<table id=\"compare-observed-metrics\">\n<tr><th>metric</th><th>verdict</th>\
         <th>periods</th><th>MAPE %</th><th>bias %</th><th>r</th><th>largest gap</th>\
         <th>observed total</th><th>simulated total</th></tr>\n",
    );
    for s in &c.metrics {
        out.push_str(&row(s));
    }
    out.push_str("</table>\n");
    if !c.warnings.is_empty() {
        out.push_str("<ul class=\"meta\">\n");
        for w in &c.warnings {
            let _ = writeln!(out, "<li>{}</li>", escape(w));
        }
        out.push_str("</ul>\n");
    }
    if let Some(svg) = svg.and_then(inline_svg) {
        let _ = writeln!(
            out,
            "<figure id=\"chart-compare-observed\">\n{svg}\n<figcaption>Observed (solid) and \
             simulated (dashed) per period (compare-observed.svg)</figcaption>\n</figure>"
        );
    }
    out.push_str("</section>\n");
    out
}

fn verdict(v: super::Verdict) -> &'static str {
    match v {
        super::Verdict::Close => "close",
        super::Verdict::Fair => "fair",
        super::Verdict::Far => "far",
    }
}

fn row(s: &MetricStats) -> String {
    let opt =
        |v: Option<f64>, digits: usize| v.map_or("-".to_string(), |v| format!("{v:.digits$}"));
    let gap = s.largest_gap.as_ref().map_or("-".to_string(), |g| {
        let when = g.time.clone().unwrap_or_else(|| format!("{} s", g.simulated_s));
        let sign = if g.difference > 0.0 { "+" } else { "" };
        format!("{sign}{} at {}", num(g.difference), escape(&when))
    });
    format!(
        "<tr><td>{}</td><td class=\"{}\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
         <td class=\"n\">{}</td><td class=\"n\">{}</td><td>{gap}</td><td class=\"n\">{}</td>\
         <td class=\"n\">{}</td></tr>\n",
        s.metric,
        if s.verdict == super::Verdict::Far { "fail" } else { "pass" },
        verdict(s.verdict),
        s.periods,
        opt(s.mape_pct, 2),
        opt(s.bias_pct, 2),
        opt(s.correlation, 3),
        num(s.observed_total),
        num(s.simulated_total),
    )
}
