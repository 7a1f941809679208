//! A self-contained HTML report of a simulation (inline SVG charts, no scripts, no internet), for
//! planners to open from a file share on a police network.

use crate::stats::{Comparison, Distribution, Summary};
use std::fmt::Write;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn minutes(seconds: f64) -> String {
    format!("{:.1}", seconds / 60.0)
}

fn distribution_cells(d: &Distribution) -> String {
    format!(
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}%</td><td>{:.1}%</td><td>{:.1}%</td>",
        d.n,
        minutes(d.mean.0),
        minutes(d.median.0),
        minutes(d.p90.0),
        d.within[0] * 100.0,
        d.within[1] * 100.0,
        d.within[2] * 100.0
    )
}

const HEAD: &str = "<th>calls</th><th>mean (min)</th><th>median (min)</th><th>p90 (min)</th><th>≤1 min</th><th>≤3 min</th><th>≤5 min</th>";

/// Vertical bars with labels under them; `values` are drawn to scale of their maximum.
fn bar_chart(values: &[(String, f64)], unit: &str, width: f64, height: f64) -> String {
    let max = values.iter().map(|v| v.1).fold(0.0, f64::max).max(1e-9);
    let n = values.len().max(1) as f64;
    let (left, bottom, top) = (40.0, 30.0, 10.0);
    let bar = (width - left) / n;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-size="10" font-family="sans-serif">"#
    );
    let plot = height - bottom - top;
    for (index, (label, value)) in values.iter().enumerate() {
        let h = plot * value / max;
        let x = left + index as f64 * bar;
        let _ = write!(
            svg,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#3b6ea5"><title>{}: {:.2} {}</title></rect>"##,
            x + 1.0,
            top + plot - h,
            (bar - 2.0).max(1.0),
            h,
            escape(label),
            value,
            unit
        );
        if values.len() <= 40 || index % 5 == 0 {
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                x + bar / 2.0,
                height - bottom + 12.0,
                escape(label)
            );
        }
    }
    let _ = write!(
        svg,
        r##"<line x1="{left}" y1="{:.1}" x2="{width}" y2="{:.1}" stroke="#333"/><text x="2" y="{:.1}">{:.1}</text><text x="2" y="{:.1}">{unit}</text></svg>"##,
        top + plot,
        top + plot,
        top + 8.0,
        max,
        top + plot
    );
    svg
}

/// The report: totals, a histogram of call-to-arrival, tables per priority, workstation and grid,
/// queue waits, utilisation, validation and the comparison if there is one.
pub fn html(title: &str, summary: &Summary, comparison: Option<&Comparison>) -> String {
    let mut page = String::new();
    let _ = write!(
        page,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{0}</title><style>body{{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}}table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}th{{background:#eef}}</style></head><body><h1>{0}</h1>",
        escape(title)
    );
    let _ = write!(
        page,
        "<p>{} calls over {:.1} days: {} served, {} abandoned in the queue, {} with no suitable unit, {} off the map; {} units called off for P1 calls. {} simulated events, {} dispatches.</p>",
        summary.n_calls,
        summary.horizon.0 / 86_400.0,
        summary.served,
        summary.abandoned_in_queue,
        summary.no_suitable_unit,
        summary.off_map,
        summary.preempted,
        summary.events,
        summary.dispatches
    );
    page.push_str("<h2>Call to first arrival</h2>");
    let bins: Vec<(String, f64)> = summary
        .histogram
        .iter()
        .enumerate()
        .map(|(minute, &n)| {
            let label = if minute == 30 {
                "30+".to_string()
            } else {
                minute.to_string()
            };
            (label, n as f64)
        })
        .collect();
    page.push_str(&bar_chart(&bins, "calls", 900.0, 220.0));
    let _ = write!(page, "<table><tr><th>priority</th>{HEAD}</tr>");
    if let Some(all) = &summary.response {
        let _ = write!(page, "<tr><th>all</th>{}</tr>", distribution_cells(all));
    }
    for (priority, d) in &summary.by_priority {
        if let Some(d) = d {
            let _ = write!(
                page,
                "<tr><th>{priority}</th>{}</tr>",
                distribution_cells(d)
            );
        }
    }
    page.push_str("</table>");
    let shares: Vec<(String, f64)> = summary
        .by_priority
        .iter()
        .filter_map(|(p, d)| d.map(|d| (p, d)))
        .flat_map(|(p, d)| {
            [1, 3, 5]
                .iter()
                .zip(d.within)
                .map(move |(m, share)| (format!("{p} ≤{m}"), share * 100.0))
        })
        .collect();
    page.push_str("<h3>Share within 1, 3 and 5 minutes, by priority</h3>");
    page.push_str(&bar_chart(&shares, "%", 900.0, 200.0));

    page.push_str("<h2>By workstation of the first unit on scene</h2>");
    let _ = write!(page, "<table><tr><th>workstation</th>{HEAD}</tr>");
    for (station, d) in &summary.by_workstation {
        let _ = write!(
            page,
            "<tr><th>{}</th>{}</tr>",
            escape(station),
            distribution_cells(d)
        );
    }
    page.push_str("</table>");

    page.push_str("<h2>Queue</h2>");
    let _ = write!(
        page,
        "<p>{:.1}% of dispatched calls waited for a free unit.",
        summary.queued_share * 100.0
    );
    if let Some(wait) = &summary.queue_wait {
        let _ = write!(
            page,
            " Their wait: mean {} min, median {} min, p90 {} min.",
            minutes(wait.mean.0),
            minutes(wait.median.0),
            minutes(wait.p90.0)
        );
    }
    page.push_str("</p><h2>Unit utilisation</h2>");
    let _ = write!(
        page,
        "<p>Mean {:.1}% (dispatch to back at rest).</p>",
        summary.mean_utilisation * 100.0
    );
    let bars: Vec<(String, f64)> = summary
        .utilisation
        .iter()
        .map(|(id, _, u)| (id.to_string(), u * 100.0))
        .collect();
    page.push_str(&bar_chart(&bars, "%", 900.0, 200.0));

    if let Some(validation) = &summary.validation {
        let _ = write!(
            page,
            "<h2>Validation against recorded travel times</h2><p>{} calls with recorded dispatch and arrival: median error (simulated − recorded) {} min, p90 absolute error {} min.</p><table><tr><th>area</th><th>calls</th><th>median error (min)</th><th>p90 |error| (min)</th></tr>",
            validation.n,
            minutes(validation.median_error.0),
            minutes(validation.p90_abs_error.0)
        );
        for (area, n, median, p90) in &validation.by_area {
            let _ = write!(
                page,
                "<tr><th>{}</th><td>{n}</td><td>{}</td><td>{}</td></tr>",
                escape(area),
                minutes(median.0),
                minutes(p90.0)
            );
        }
        page.push_str("</table>");
    }

    if let Some(comparison) = comparison {
        let _ = write!(
            page,
            "<h2>Comparison over {} seeds</h2><p>Other minus baseline, each seed on the same calls; ± is the 95% confidence half-width.</p><table><tr><th>figure</th><th>baseline</th><th>other</th><th>difference</th></tr>",
            comparison.seeds.len()
        );
        for metric in &comparison.metrics {
            let _ = write!(
                page,
                "<tr><th>{}</th><td>{:.2}</td><td>{:.2}</td><td>{:+.2} ± {:.2}</td></tr>",
                escape(metric.name),
                metric.baseline,
                metric.other,
                metric.difference,
                metric.half_width
            );
        }
        page.push_str("</table>");
    }

    page.push_str("<h2>By patrol grid</h2>");
    let _ = write!(page, "<table><tr><th>grid</th>{HEAD}</tr>");
    for (grid, d) in &summary.by_grid {
        let _ = write!(
            page,
            "<tr><th>{}</th>{}</tr>",
            escape(grid),
            distribution_cells(d)
        );
    }
    page.push_str("</table></body></html>\n");
    page
}
