//! `pingan stats`: the figures a bureau reports from a calls file: counts by case type, area and
//! time with 环比/同比, traffic accidents' four indices, response KPIs, calls per workstation per
//! day, days since the last case of a kind, and repeat-call places (重复警情).

use crate::calls_input::CallsInput;
use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use dispatch::{JurisdictionLevel, JurisdictionTree, PlaceKind};
use formats::calls::CallRecord;
use hotspot::repeat::{repeat_places, RepeatQuery};
use hotspot::stats::{
    calls_per_workstation_per_day, days_since_last, response_kpis, stats, traffic_accidents,
    AreaLevel, CallAreas, CallSet, Compare, GroupBy, LocalDate, ResponseTargets, StatsFilter,
    StatsQuery, StatsTable,
};
use hotspot::taxonomy::{Classifier, Selector, Taxonomy};
use measure::Meters;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Report {
    /// Calls by --by, with --compare.
    Counts,
    /// Traffic accidents' four indices: accidents, deaths, injuries, direct loss.
    Accidents,
    /// Call to arrival: mean, median, p90, shares within 1/3/5 minutes and each priority's target.
    Response,
    /// Calls per workstation per day (needs --deployment).
    WorkstationDays,
    /// Days since the last call of --what, per area (--by jurisdiction|workstation|grid) or overall.
    DaysSince,
    /// Repeat-call places (重复警情): --min-calls or more within --within-days, --radius apart.
    Repeat,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum By {
    None,
    Type,
    Category,
    Group,
    Jurisdiction,
    Workstation,
    Grid,
    Hour,
    Weekday,
    HourOfWeek,
    Month,
    Day,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Period {
    /// 环比: the period of the same length just before.
    Previous,
    /// 同比: the same calendar window a year earlier.
    Year,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

#[derive(Args)]
#[command(after_help = formats::calls::READING_RULES_HELP)]
pub struct StatsArgs {
    #[command(flatten)]
    pub input: CallsInput,
    #[arg(long, value_enum, default_value_t = Report::Counts)]
    pub report: Report,
    /// First local date counted (YYYY-MM-DD); default the first call's.
    #[arg(long)]
    pub from: Option<String>,
    /// Last local date counted, inclusive; default the last call's.
    #[arg(long)]
    pub to: Option<String>,
    #[arg(long, value_enum, default_value_t = By::Type)]
    pub by: By,
    #[arg(long, value_enum)]
    pub compare: Option<Period>,
    /// Only these case types, categories or groups (codes or names, comma separated: 两抢,burglary).
    #[arg(long)]
    pub what: Option<String>,
    /// Case types: default (110 practice), seattle, chicago, or a TOML file mapping a source's
    /// own codes.
    #[arg(long, default_value = "default")]
    pub taxonomy: String,
    /// A deployment TOML: calls are located in its police stations, workstations and grids, and
    /// count as key-place calls within --key-place-metres of its key places.
    #[arg(long)]
    pub deployment: Option<PathBuf>,
    #[arg(long, default_value_t = 100.0)]
    pub key_place_metres: f64,
    /// Repeat places: calls this close (metres) are one place; 0 joins only equal addresses and
    /// points.
    #[arg(long, default_value_t = 50.0)]
    pub radius: f64,
    #[arg(long, default_value_t = 3)]
    pub min_calls: usize,
    #[arg(long, default_value_t = 30)]
    pub within_days: u32,
    /// Rows of a repeat report (the highest first).
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write here instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

fn group_by(by: By) -> GroupBy {
    match by {
        By::None => GroupBy::None,
        By::Type => GroupBy::Type,
        By::Category => GroupBy::Category,
        By::Group => GroupBy::Group,
        By::Jurisdiction => GroupBy::Jurisdiction,
        By::Workstation => GroupBy::Workstation,
        By::Grid => GroupBy::Grid,
        By::Hour => GroupBy::Hour,
        By::Weekday => GroupBy::Weekday,
        By::HourOfWeek => GroupBy::HourOfWeek,
        By::Month => GroupBy::Month,
        By::Day => GroupBy::Day,
    }
}

fn load_taxonomy(name: &str) -> Result<Taxonomy> {
    if let Some(builtin) = Taxonomy::builtin(name) {
        return Ok(builtin);
    }
    let path = PathBuf::from(name);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!("--taxonomy '{name}' is neither default, seattle, chicago nor a readable TOML file")
    })?;
    Ok(Taxonomy::from_toml(&text, name)?)
}

fn selectors(taxonomy: &Taxonomy, what: &Option<String>) -> Result<Vec<Selector>> {
    let Some(text) = what else {
        return Ok(Vec::new());
    };
    text.split([',', '，'])
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| {
            taxonomy.selector(name).with_context(|| {
                let near = taxonomy.nearest_name(name).or_else(|| {
                    let mut names: Vec<&str> = Vec::new();
                    for category in taxonomy.categories() {
                        names.extend([category.code.as_str(), &category.zh, &category.en]);
                    }
                    for case_type in taxonomy.types() {
                        names.extend([case_type.code.as_str(), &case_type.zh, &case_type.en]);
                    }
                    for group in taxonomy.groups() {
                        names.extend([group.code.as_str(), &group.zh, &group.en]);
                    }
                    formats::suggest::nearest_name(name, &names).map(str::to_string)
                });
                match near {
                    Some(near) => format!(
                        "--what '{name}' is no case type, category or group; did you mean '{near}'?"
                    ),
                    None => format!(
                        "--what '{name}' is no case type, category or group of the taxonomy"
                    ),
                }
            })
        })
        .collect()
}

/// Which police station, workstation and grid each call falls in, and whether it is near a key
/// place, by the deployment's jurisdiction tree.
fn locate_calls(
    path: &PathBuf,
    calls: &[CallRecord],
    key_place_metres: f64,
) -> Result<Vec<CallAreas>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the deployment {}", path.display()))?;
    let deployment = scenario::Deployment::from_toml(&text, &path.display().to_string())?;
    let mut tree = JurisdictionTree::default();
    for jurisdiction in deployment.jurisdictions()? {
        tree.add(jurisdiction)?;
    }
    let key_places: Vec<measure::LonLat> = deployment
        .places
        .iter()
        .filter(|place| {
            matches!(
                place.kind,
                PlaceKind::CrowdedPlace | PlaceKind::KeyUnit | PlaceKind::VitalSite
            )
        })
        .map(|place| place.shape.label_point())
        .collect();
    let name_at = |chain: &[&dispatch::Jurisdiction], level: JurisdictionLevel| {
        chain
            .iter()
            .find(|jurisdiction| jurisdiction.level == level)
            .map(|jurisdiction| jurisdiction.id.to_string())
    };
    Ok(calls
        .iter()
        .map(|call| {
            let chain = tree.locate(call.location);
            CallAreas {
                jurisdiction: name_at(&chain, JurisdictionLevel::PoliceStation),
                workstation: name_at(&chain, JurisdictionLevel::Workstation),
                grid: name_at(&chain, JurisdictionLevel::PatrolGrid),
                key_place: key_places
                    .iter()
                    .any(|place| place.distance_to(call.location) <= Meters(key_place_metres)),
            }
        })
        .collect())
}

fn write_out(args: &StatsArgs, text: String) -> Result<()> {
    match &args.output {
        Some(path) => {
            std::fs::write(path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("-> {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}

fn to_json(value: &impl Serialize) -> Result<String> {
    Ok(serde_json::to_string_pretty(value)? + "\n")
}

pub fn run(args: StatsArgs) -> Result<()> {
    if !(0.0..=5_000.0).contains(&args.key_place_metres) {
        bail!(
            "--key-place-metres {} is outside 0..5000",
            args.key_place_metres
        );
    }
    let calls = args.input.read()?;
    let taxonomy = load_taxonomy(&args.taxonomy)?;
    let mut classifier = Classifier::new(&taxonomy);
    let classifications = classifier.classify_all(&calls);
    let unmapped = classifier.unmapped();
    if !unmapped.is_empty() {
        let count: u64 = unmapped.iter().map(|value| value.calls).sum();
        let examples: Vec<String> = unmapped
            .iter()
            .take(5)
            .map(|value| {
                format!(
                    "{} ({})",
                    value
                        .case_type
                        .as_deref()
                        .or(value.category.as_deref())
                        .unwrap_or("no type"),
                    value.calls
                )
            })
            .collect();
        eprintln!(
            "{count} calls have a type the taxonomy does not map and count as other: {}; map them in a --taxonomy file",
            examples.join(", ")
        );
    }
    let areas = match &args.deployment {
        Some(path) => Some(locate_calls(path, &calls, args.key_place_metres)?),
        None => None,
    };
    let set = CallSet::new(&calls, &classifications, areas.as_deref(), &taxonomy)?;
    let query = StatsQuery {
        from: args
            .from
            .as_deref()
            .map(LocalDate::parse)
            .transpose()
            .context("--from")?,
        to: args
            .to
            .as_deref()
            .map(LocalDate::parse)
            .transpose()
            .context("--to")?,
        by: group_by(args.by),
        compare: args.compare.map(|period| match period {
            Period::Previous => Compare::Previous,
            Period::Year => Compare::Year,
        }),
        filter: StatsFilter {
            what: selectors(&taxonomy, &args.what)?,
            ..StatsFilter::default()
        },
    };
    let text = match args.report {
        Report::Counts => {
            let table = stats(&set, &query)?;
            match args.format {
                Format::Table => counts_table(&table),
                Format::Csv => table.to_csv(),
                Format::Json => to_json(&table)?,
            }
        }
        Report::Accidents => {
            let table = traffic_accidents(&set, &query)?;
            match args.format {
                Format::Json => to_json(&table)?,
                Format::Csv | Format::Table => {
                    let mut text = String::from("key,label,accidents,deaths,injuries,loss,previous_accidents,previous_deaths,previous_injuries,previous_loss\n");
                    let previous = |figures: Option<hotspot::stats::AccidentFigures>| {
                        figures.map_or(",,,".to_string(), |f| {
                            format!("{},{},{},{:.0}", f.accidents, f.deaths, f.injuries, f.loss)
                        })
                    };
                    text.push_str(&format!(
                        "total,,{},{},{},{:.0},{}\n",
                        table.total.accidents,
                        table.total.deaths,
                        table.total.injuries,
                        table.total.loss,
                        previous(table.previous_total)
                    ));
                    for row in &table.rows {
                        text.push_str(&format!(
                            "{},{},{},{},{},{:.0},{}\n",
                            csv_field(&row.key),
                            csv_field(&row.label_zh),
                            row.current.accidents,
                            row.current.deaths,
                            row.current.injuries,
                            row.current.loss,
                            previous(row.previous)
                        ));
                    }
                    text
                }
            }
        }
        Report::Response => {
            let kpis = response_kpis(&set, &query, &ResponseTargets::default())?;
            match args.format {
                Format::Json => to_json(&kpis)?,
                Format::Csv | Format::Table => {
                    let seconds = |value: Option<measure::Seconds>| {
                        value.map_or("–".to_string(), |s| format!("{:.0} s", s.0))
                    };
                    let mut text = format!(
                        "calls {} ({} with an arrival time, {} without)\ncall to arrival: mean {}, median {}, p90 {}\n",
                        kpis.calls,
                        kpis.with_arrival,
                        kpis.without_arrival,
                        seconds(kpis.mean),
                        seconds(kpis.median),
                        seconds(kpis.p90),
                    );
                    for within in &kpis.within {
                        text.push_str(&format!(
                            "within {:.0} min: {} calls ({})\n",
                            within.limit.minutes(),
                            within.calls,
                            percent(within.share)
                        ));
                    }
                    for priority in kpis.by_priority.iter().filter(|p| p.calls > 0) {
                        text.push_str(&format!(
                            "P{}: {} calls, median {}, within its target {}: {}\n",
                            priority.priority,
                            priority.calls,
                            seconds(priority.median),
                            seconds(priority.target),
                            priority
                                .within_target
                                .as_ref()
                                .map_or("–".to_string(), |w| percent(w.share))
                        ));
                    }
                    if let Some(key) = &kpis.key_place {
                        text.push_str(&format!(
                            "key places: {} calls, within {:.0} s: {}\n",
                            kpis.key_place_calls,
                            key.limit.0,
                            percent(key.share)
                        ));
                    }
                    text
                }
            }
        }
        Report::WorkstationDays => {
            if areas.is_none() {
                bail!("--report workstation-days needs --deployment D.toml to know each call's workstation");
            }
            let daily = calls_per_workstation_per_day(&set, &query)?;
            match args.format {
                Format::Json => to_json(&daily)?,
                Format::Csv | Format::Table => {
                    let mut text =
                        String::from("workstation,calls,mean_per_day,busiest_day,busiest_calls\n");
                    for row in &daily.rows {
                        text.push_str(&format!(
                            "{},{},{:.2},{},{}\n",
                            csv_field(&row.workstation),
                            row.total,
                            row.mean_per_day,
                            row.busiest.0,
                            row.busiest.1
                        ));
                    }
                    text
                }
            }
        }
        Report::DaysSince => {
            let what = match query.filter.what.as_slice() {
                [one] => *one,
                _ => bail!("--report days-since needs one --what (a case type, category or group, e.g. 抢劫)"),
            };
            let level = match args.by {
                By::Jurisdiction => Some(AreaLevel::Jurisdiction),
                By::Workstation => Some(AreaLevel::Workstation),
                By::Grid => Some(AreaLevel::Grid),
                _ => None,
            };
            let as_of = query
                .to
                .or(set.date_range().map(|range| range.1))
                .context("no calls")?;
            let since = days_since_last(&set, what, as_of, level)?;
            match args.format {
                Format::Json => to_json(&since)?,
                Format::Csv | Format::Table => {
                    let mut text = format!("area,last,days_since (as of {as_of})\n");
                    for row in &since {
                        text.push_str(&format!(
                            "{},{},{}\n",
                            csv_field(&row.area),
                            row.last.map_or(String::new(), |date| date.to_string()),
                            row.days.map_or(String::new(), |days| days.to_string())
                        ));
                    }
                    text
                }
            }
        }
        Report::Repeat => {
            let places = repeat_places(
                &set,
                &RepeatQuery {
                    radius: Meters(args.radius),
                    min_calls: args.min_calls,
                    within_days: args.within_days,
                    from: query.from,
                    to: query.to,
                },
            )?;
            let shown = &places[..places.len().min(args.top)];
            match args.format {
                Format::Json => to_json(&shown)?,
                Format::Csv | Format::Table => {
                    let mut text = if args.format == Format::Table {
                        format!(
                            "{} places with {} or more calls within {} days ({} m apart); the top {}:\n",
                            places.len(),
                            args.min_calls,
                            args.within_days,
                            args.radius,
                            shown.len()
                        )
                    } else {
                        String::new()
                    };
                    text.push_str(
                        "rank,calls,peak_calls,peak_from,lon,lat,address,first,last,top_types\n",
                    );
                    for (rank, place) in shown.iter().enumerate() {
                        let types: Vec<String> = place
                            .top_types
                            .iter()
                            .map(|count| format!("{} {}", count.zh, count.calls))
                            .collect();
                        text.push_str(&format!(
                            "{},{},{},{},{:.6},{:.6},{},{},{},{}\n",
                            rank + 1,
                            place.calls.len(),
                            place.peak_calls,
                            place.peak_from,
                            place.centre.lon,
                            place.centre.lat,
                            csv_field(place.address.as_deref().unwrap_or("")),
                            place.first.rfc3339(),
                            place.last.rfc3339(),
                            csv_field(&types.join("; "))
                        ));
                    }
                    text
                }
            }
        }
    };
    write_out(&args, text)
}

fn percent(share: Option<f64>) -> String {
    share.map_or("–".to_string(), |share| format!("{:.1} %", share * 100.0))
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The counts as a table a person reads: key, name, calls, share, per day, and the comparison.
fn counts_table(table: &StatsTable) -> String {
    let compare = table.previous_window.is_some();
    let mut text = format!(
        "{} to {} ({} days): {} calls, {:.1} a day",
        table.window.from, table.window.to, table.window.days, table.total, table.per_day
    );
    if let (Some(previous), Some(total)) = (&table.previous_window, table.previous_total) {
        text.push_str(&format!(
            "; {} to {}: {} calls ({}){}",
            previous.from,
            previous.to,
            total,
            change(table.total_change),
            if table.previous_window_covered {
                ""
            } else {
                ", partly before the first call"
            }
        ));
    }
    text.push('\n');
    if table.time_of_day_unknown > 0 {
        text.push_str(&format!(
            "{} calls have a date alone and are left out of hour rows\n",
            table.time_of_day_unknown
        ));
    }
    let label_width = table
        .rows
        .iter()
        .map(|row| display_width(&row.label_zh))
        .max()
        .unwrap_or(4)
        .max(4);
    let key_width = table
        .rows
        .iter()
        .map(|row| row.key.len())
        .max()
        .unwrap_or(3)
        .max(3);
    text.push_str(&format!(
        "{:key_width$}  {}  {:>8}  {:>7}  {:>8}",
        "key",
        pad("name", label_width),
        "calls",
        "share",
        "per day"
    ));
    if compare {
        text.push_str(&format!("  {:>8}  {:>8}", "before", "change"));
    }
    text.push('\n');
    for row in &table.rows {
        text.push_str(&format!(
            "{:key_width$}  {}  {:>8}  {:>6.1}%  {:>8.2}",
            row.key,
            pad(&row.label_zh, label_width),
            row.calls,
            row.share * 100.0,
            row.per_day
        ));
        if compare {
            text.push_str(&format!(
                "  {:>8}  {:>8}",
                row.previous.map_or("–".to_string(), |n| n.to_string()),
                change(row.change)
            ));
        }
        text.push('\n');
    }
    text
}

fn change(change: Option<f64>) -> String {
    change.map_or("–".to_string(), |change| {
        format!("{:+.1}%", change * 100.0)
    })
}

/// Columns a terminal gives a text: two for CJK characters, one for the rest.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            if ('\u{2E80}'..='\u{FFEF}').contains(&c) {
                2
            } else {
                1
            }
        })
        .sum()
}

fn pad(text: &str, width: usize) -> String {
    format!(
        "{text}{}",
        " ".repeat(width.saturating_sub(display_width(text)))
    )
}
