//! `pingan cover`: who is inside the rapid-response circles (快反圈) today, on a coverage
//! instance: weight covered within 1, 3 and 5 minutes, the uncovered points, and a
//! self-contained HTML report (map, coverage curve, histogram) that needs no internet.

use crate::site::plan_instance;
use anyhow::{bail, Context};
use formats::geojson;
use formats::instance::CoverageInstance;
use measure::{LocalProjection, LonLat};
use serde_json::{json, Map, Value};
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct CoverArgs {
    /// Coverage-instance directory holding demand.csv, sites.csv and cost.csv.
    #[arg(long, value_name = "DIR")]
    pub instance: PathBuf,
    /// Site ids to treat as open, comma-separated (default: the fixed sites, i.e. today's
    /// stations). Pass the "selected" list of `pingan site` to see a plan's coverage.
    #[arg(long, value_delimiter = ',')]
    pub open: Vec<String>,
    /// Time limits in minutes, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1.0, 3.0, 5.0])]
    pub minutes: Vec<f64>,
    /// Write a self-contained HTML report (map and charts) to this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write the demand points with their time to the nearest open site as GeoJSON.
    #[arg(long, value_name = "FILE")]
    pub geojson: Option<PathBuf>,
    /// How many uncovered points to list, heaviest first.
    #[arg(long, default_value_t = 20)]
    pub list: usize,
}

/// Coverage of one set of open sites.
struct Coverage {
    open: Vec<usize>,
    /// Seconds from each demand point to its nearest open site (`None`: no open site reaches).
    nearest: Vec<Option<f64>>,
    total_weight: f64,
}

impl Coverage {
    fn covered(&self, files: &CoverageInstance, seconds: f64) -> (f64, usize) {
        let mut weight = 0.0;
        let mut points = 0;
        for (point, nearest) in files.demand.iter().zip(&self.nearest) {
            if nearest.is_some_and(|time| time <= seconds) {
                weight += point.weight;
                points += 1;
            }
        }
        (weight, points)
    }
}

pub fn run(args: CoverArgs) -> anyhow::Result<()> {
    let mut minutes = args.minutes.clone();
    if minutes.is_empty() || minutes.iter().any(|m| !(m.is_finite() && *m > 0.0)) {
        bail!("--minutes needs positive numbers, e.g. --minutes 1,3,5");
    }
    minutes.sort_by(f64::total_cmp);
    let files = formats::instance::read_instance(&args.instance)?;
    let instance = plan_instance(&files)
        .with_context(|| format!("{} is not a valid instance", args.instance.display()))?;
    let open: Vec<usize> = if args.open.is_empty() {
        (0..files.sites.len())
            .filter(|&site| files.sites[site].fixed)
            .collect()
    } else {
        args.open
            .iter()
            .map(|id| {
                instance.site_index(id.trim()).with_context(|| {
                    format!(
                        "--open names site '{id}', which is not in {}",
                        args.instance.join("sites.csv").display()
                    )
                })
            })
            .collect::<anyhow::Result<_>>()?
    };
    if open.is_empty() {
        bail!(
            "no site is open: {} marks no site fixed=1; name the open sites with --open ID,ID",
            args.instance.join("sites.csv").display()
        );
    }
    let mut is_open = vec![false; files.sites.len()];
    open.iter().for_each(|&site| is_open[site] = true);
    let nearest = (0..files.demand.len())
        .map(|demand| {
            let (sites, seconds) = instance.sites_reaching(demand);
            sites
                .iter()
                .zip(seconds)
                .find(|(site, _)| is_open[**site as usize])
                .map(|(_, &time)| time)
        })
        .collect();
    let coverage = Coverage {
        open,
        nearest,
        total_weight: instance.total_weight(),
    };

    let limits: Vec<Value> = minutes
        .iter()
        .map(|&limit| {
            let (weight, points) = coverage.covered(&files, limit * 60.0);
            json!({
                "minutes": limit,
                "covered_weight": weight,
                "share": share(weight, coverage.total_weight),
                "points": points,
            })
        })
        .collect();
    let widest = minutes.last().copied().expect("checked non-empty") * 60.0;
    let mut uncovered: Vec<usize> = (0..files.demand.len())
        .filter(|&demand| !coverage.nearest[demand].is_some_and(|time| time <= widest))
        .collect();
    uncovered.sort_by(|a, b| {
        files.demand[*b]
            .weight
            .total_cmp(&files.demand[*a].weight)
            .then(a.cmp(b))
    });
    let listed: Vec<Value> = uncovered
        .iter()
        .take(args.list)
        .map(|&demand| {
            json!({
                "id": files.demand[demand].id,
                "weight": files.demand[demand].weight,
                "seconds": coverage.nearest[demand],
            })
        })
        .collect();
    let unreached = coverage
        .nearest
        .iter()
        .filter(|time| time.is_none())
        .count();
    let line = json!({
        "open_sites": coverage.open.len(),
        "total_weight": coverage.total_weight,
        "limits": limits,
        "uncovered_points": uncovered.len(),
        "unreached_points": unreached,
        "uncovered": listed,
    });
    println!("{line}");

    if let Some(path) = &args.geojson {
        let features = files
            .demand
            .iter()
            .zip(&coverage.nearest)
            .map(|(point, nearest)| {
                let mut properties = Map::new();
                properties.insert("id".into(), json!(point.id));
                properties.insert("weight".into(), json!(point.weight));
                properties.insert("seconds".into(), json!(nearest));
                for &limit in &minutes {
                    properties.insert(
                        format!("within_{limit}_min"),
                        json!(nearest.is_some_and(|time| time <= limit * 60.0)),
                    );
                }
                geojson::feature(
                    json!({"type": "Point", "coordinates": geojson::position(point.position)}),
                    properties,
                )
            })
            .collect();
        geojson::write(path, &geojson::feature_collection(features))?;
    }
    if let Some(path) = &args.html {
        let report = html_report(&args, &files, &coverage, &minutes, &uncovered);
        std::fs::write(path, report)
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
    }
    Ok(())
}

fn share(part: f64, total: f64) -> f64 {
    if total > 0.0 {
        part / total
    } else {
        0.0
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const COLORS: [&str; 4] = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59"];
const OUTSIDE: &str = "#d73027";

/// The color of a point: the first limit it meets, red beyond all.
fn color(nearest: Option<f64>, minutes: &[f64]) -> &'static str {
    match nearest {
        Some(time) => minutes
            .iter()
            .position(|&limit| time <= limit * 60.0)
            .map(|index| COLORS[index.min(COLORS.len() - 1)])
            .unwrap_or(OUTSIDE),
        None => OUTSIDE,
    }
}

fn html_report(
    args: &CoverArgs,
    files: &CoverageInstance,
    coverage: &Coverage,
    minutes: &[f64],
    uncovered: &[usize],
) -> String {
    let mut html = String::new();
    let title = format!("Coverage of {}", args.instance.display());
    let _ = write!(
        html,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title><style>\
         body{{font-family:sans-serif;margin:2em;max-width:1100px}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}svg{{background:#fafafa;border:1px solid #ddd}}\
         .charts{{display:flex;gap:2em;flex-wrap:wrap}}</style></head><body><h1>{}</h1>",
        escape(&title),
        escape(&title)
    );
    let _ = write!(
        html,
        "<p>{} open sites, {} demand points, total weight {:.1}.</p><table><tr><th>within</th><th>weight covered</th><th>share</th><th>points</th></tr>",
        coverage.open.len(),
        files.demand.len(),
        coverage.total_weight
    );
    for &limit in minutes {
        let (weight, points) = coverage.covered(files, limit * 60.0);
        let _ = write!(
            html,
            "<tr><td>{limit} min</td><td>{weight:.1}</td><td>{:.1} %</td><td>{points}</td></tr>",
            100.0 * share(weight, coverage.total_weight)
        );
    }
    html.push_str("</table>");

    html.push_str("<h2>Map</h2>");
    html.push_str(&map_svg(files, coverage, minutes));
    let _ = write!(html, "<p>");
    for (index, &limit) in minutes.iter().enumerate() {
        let _ = write!(
            html,
            "<span style=\"color:{}\">&#9679;</span> within {limit} min &nbsp; ",
            COLORS[index.min(COLORS.len() - 1)]
        );
    }
    let _ = write!(
        html,
        "<span style=\"color:{OUTSIDE}\">&#9679;</span> beyond &nbsp; &#9632; open site</p>"
    );

    html.push_str("<div class=\"charts\"><div><h2>Coverage against minutes</h2>");
    html.push_str(&curve_svg(files, coverage, minutes));
    html.push_str("</div><div><h2>Time to the nearest open site</h2>");
    html.push_str(&histogram_svg(files, coverage));
    html.push_str("</div></div>");

    let _ = write!(
        html,
        "<h2>Uncovered within {} min ({} points, heaviest first)</h2><table><tr><th>id</th><th>weight</th><th>seconds to nearest</th></tr>",
        minutes.last().expect("checked non-empty"),
        uncovered.len()
    );
    for &demand in uncovered.iter().take(100) {
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&files.demand[demand].id),
            files.demand[demand].weight,
            coverage.nearest[demand]
                .map(|time| format!("{time:.0}"))
                .unwrap_or_else(|| "unreachable".into())
        );
    }
    html.push_str("</table></body></html>\n");
    html
}

fn map_svg(files: &CoverageInstance, coverage: &Coverage, minutes: &[f64]) -> String {
    let (width, height) = (800.0, 600.0);
    let all: Vec<LonLat> = files
        .demand
        .iter()
        .map(|point| point.position)
        .chain(files.sites.iter().map(|site| site.position))
        .collect();
    let centre = LonLat {
        lon: all.iter().map(|p| p.lon).sum::<f64>() / all.len() as f64,
        lat: all.iter().map(|p| p.lat).sum::<f64>() / all.len() as f64,
    };
    let projection = LocalProjection::around(centre);
    let xy: Vec<[f64; 2]> = all.iter().map(|&p| projection.to_xy(p)).collect();
    let (mut min_x, mut max_x, mut min_y, mut max_y) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for [x, y] in &xy {
        min_x = min_x.min(*x);
        max_x = max_x.max(*x);
        min_y = min_y.min(*y);
        max_y = max_y.max(*y);
    }
    let scale =
        ((width - 20.0) / (max_x - min_x).max(1.0)).min((height - 20.0) / (max_y - min_y).max(1.0));
    let place = |[x, y]: [f64; 2]| {
        (
            10.0 + (x - min_x) * scale,
            height - 10.0 - (y - min_y) * scale,
        )
    };
    let mut svg =
        format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\">");
    for (demand, nearest) in coverage.nearest.iter().enumerate() {
        let (x, y) = place(xy[demand]);
        let _ = write!(
            svg,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2\" fill=\"{}\"/>",
            color(*nearest, minutes)
        );
    }
    for &site in &coverage.open {
        let (x, y) = place(xy[files.demand.len() + site]);
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"7\" height=\"7\" fill=\"#222\"><title>{}</title></rect>",
            x - 3.5,
            y - 3.5,
            escape(&files.sites[site].id)
        );
    }
    let bar = 1000.0 * scale;
    let _ = write!(
        svg,
        "<line x1=\"10\" y1=\"{0}\" x2=\"{1:.1}\" y2=\"{0}\" stroke=\"#000\" stroke-width=\"2\"/><text x=\"12\" y=\"{2}\" font-size=\"11\">1 km</text></svg>",
        height - 4.0,
        10.0 + bar,
        height - 8.0
    );
    svg
}

/// Axes with ticks for a chart of `width` x `height` inside a margin.
fn axes(svg: &mut String, x_label: &str, y_label: &str, x_max: f64, y_max: f64, y_percent: bool) {
    let _ = write!(
        svg,
        "<line x1=\"50\" y1=\"250\" x2=\"470\" y2=\"250\" stroke=\"#000\"/><line x1=\"50\" y1=\"20\" x2=\"50\" y2=\"250\" stroke=\"#000\"/>\
         <text x=\"260\" y=\"290\" font-size=\"12\" text-anchor=\"middle\">{x_label}</text>\
         <text x=\"12\" y=\"135\" font-size=\"12\" transform=\"rotate(-90 12 135)\" text-anchor=\"middle\">{y_label}</text>"
    );
    for tick in 0..=5 {
        let fraction = tick as f64 / 5.0;
        let x = 50.0 + 420.0 * fraction;
        let y = 250.0 - 230.0 * fraction;
        let _ = write!(
            svg,
            "<text x=\"{x:.0}\" y=\"266\" font-size=\"10\" text-anchor=\"middle\">{:.1}</text>",
            x_max * fraction
        );
        let label = if y_percent {
            format!("{:.0}%", 100.0 * y_max * fraction)
        } else {
            format!("{:.0}", y_max * fraction)
        };
        let _ = write!(
            svg,
            "<text x=\"46\" y=\"{:.0}\" font-size=\"10\" text-anchor=\"end\">{label}</text><line x1=\"50\" y1=\"{y:.0}\" x2=\"470\" y2=\"{y:.0}\" stroke=\"#eee\"/>",
            y + 3.0
        );
    }
}

fn curve_svg(files: &CoverageInstance, coverage: &Coverage, minutes: &[f64]) -> String {
    let x_max = (minutes.last().expect("checked non-empty") * 2.0).max(10.0);
    let mut svg =
        String::from("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"490\" height=\"300\">");
    axes(&mut svg, "minutes", "weight covered", x_max, 1.0, true);
    let steps = 200;
    let points: Vec<String> = (0..=steps)
        .map(|step| {
            let limit = x_max * step as f64 / steps as f64;
            let (weight, _) = coverage.covered(files, limit * 60.0);
            let fraction = share(weight, coverage.total_weight);
            format!(
                "{:.1},{:.1}",
                50.0 + 420.0 * step as f64 / steps as f64,
                250.0 - 230.0 * fraction
            )
        })
        .collect();
    let _ = write!(
        svg,
        "<polyline fill=\"none\" stroke=\"#2166ac\" stroke-width=\"2\" points=\"{}\"/>",
        points.join(" ")
    );
    for &limit in minutes {
        let x = 50.0 + 420.0 * limit / x_max;
        let _ = write!(
            svg,
            "<line x1=\"{x:.1}\" y1=\"20\" x2=\"{x:.1}\" y2=\"250\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>"
        );
    }
    svg.push_str("</svg>");
    svg
}

fn histogram_svg(files: &CoverageInstance, coverage: &Coverage) -> String {
    const BIN: f64 = 30.0;
    const BINS: usize = 20;
    // The last bar holds everything beyond 10 minutes and the unreachable points.
    let mut weights = [0.0f64; BINS + 1];
    for (point, nearest) in files.demand.iter().zip(&coverage.nearest) {
        let bin = nearest
            .map(|time| ((time / BIN) as usize).min(BINS))
            .unwrap_or(BINS);
        weights[bin] += point.weight;
    }
    let y_max = weights.iter().copied().fold(0.0, f64::max).max(1e-9);
    let mut svg =
        String::from("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"490\" height=\"300\">");
    axes(
        &mut svg,
        "minutes to the nearest open site (last bar: beyond 10 or unreachable)",
        "weight",
        (BINS + 1) as f64 * BIN / 60.0,
        y_max,
        false,
    );
    let bar_width = 420.0 / (BINS + 1) as f64;
    for (bin, &weight) in weights.iter().enumerate() {
        let bar_height = 230.0 * weight / y_max;
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bar_height:.1}\" fill=\"{}\"/>",
            50.0 + bar_width * bin as f64 + 1.0,
            250.0 - bar_height,
            bar_width - 2.0,
            if bin == BINS { OUTSIDE } else { "#4393c3" }
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use formats::instance::{InstanceDemand, InstanceSite};

    #[test]
    fn counts_weight_within_each_limit_and_reports_offline() {
        let position = LonLat::new(116.4, 39.9).unwrap();
        let files = CoverageInstance {
            demand: [("a", 1.0, 50.0), ("b", 2.0, 150.0), ("c", 4.0, 400.0)]
                .iter()
                .map(|&(id, weight, _)| InstanceDemand {
                    id: id.into(),
                    position,
                    weight,
                })
                .chain([InstanceDemand {
                    id: "d".into(),
                    position: LonLat::new(116.41, 39.91).unwrap(),
                    weight: 8.0,
                }])
                .collect(),
            sites: vec![InstanceSite {
                id: "s".into(),
                position,
                fixed: true,
            }],
            costs: Vec::new(),
        };
        let coverage = Coverage {
            open: vec![0],
            nearest: vec![Some(50.0), Some(150.0), Some(400.0), None],
            total_weight: 15.0,
        };
        assert_eq!(coverage.covered(&files, 60.0), (1.0, 1));
        assert_eq!(coverage.covered(&files, 180.0), (3.0, 2));
        assert_eq!(coverage.covered(&files, 300.0), (3.0, 2));
        let args = CoverArgs {
            instance: PathBuf::from("city"),
            open: Vec::new(),
            minutes: vec![1.0, 3.0, 5.0],
            html: None,
            geojson: None,
            list: 20,
        };
        let html = html_report(&args, &files, &coverage, &args.minutes, &[3, 2]);
        assert_eq!(html.matches("<svg").count(), 3);
        assert!(html.contains("<td>3 min</td><td>3.0</td><td>20.0 %</td><td>2</td>"));
        assert!(html.contains("<td>d</td><td>8</td><td>unreachable</td>"));
        // Self-contained: no scripts, styles or images fetched from anywhere.
        assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href="));
    }
}
