//! Statistics and repeat-call speed on a year of real calls (Seattle SPD 2015, 91,067 calls):
//! classification, tables by type and by month, 同比 by type, and repeat places at several
//! radii. Median of 10 runs each.
//!
//! `cargo bench -p hotspot --bench stats`

#[path = "../tests/seattle_calls/mod.rs"]
mod seattle_calls;

use hotspot::repeat::{repeat_places, RepeatQuery};
use hotspot::stats::{
    response_kpis, stats, traffic_accidents, CallSet, Compare, GroupBy, LocalDate, ResponseTargets,
    StatsQuery,
};
use hotspot::taxonomy::{Classifier, Taxonomy};
use measure::Meters;
use std::time::{Duration, Instant};

#[allow(clippy::disallowed_methods)]
fn stopwatch() -> Instant {
    Instant::now()
}

/// Runs `work` 10 times and prints the median; returns the last run's figure for the line.
fn median_of_10<T>(name: &str, mut work: impl FnMut() -> T, describe: impl Fn(&T) -> String) {
    let mut samples: Vec<Duration> = Vec::with_capacity(10);
    let mut last = None;
    for _ in 0..10 {
        let start = stopwatch();
        let result = std::hint::black_box(work());
        samples.push(start.elapsed());
        last = Some(result);
    }
    samples.sort();
    let median = samples[4].as_secs_f64() * 1000.0;
    let max = samples[9].as_secs_f64() * 1000.0;
    let what = last.as_ref().map(&describe).unwrap_or_default();
    println!("{name:<36} median {median:>8.2} ms  max {max:>8.2} ms  {what}");
}

fn main() {
    let calls = seattle_calls::calls();
    let taxonomy = Taxonomy::builtin("seattle").expect("built in");
    println!("Seattle SPD 2015: {} calls", calls.len());
    median_of_10(
        "classify (seattle.toml)",
        || Classifier::new(&taxonomy).classify_all(calls),
        |classified| format!("{} classified", classified.len()),
    );
    let classifications = Classifier::new(&taxonomy).classify_all(calls);
    median_of_10(
        "CallSet::new",
        || CallSet::new(calls, &classifications, None, &taxonomy).map(|set| set.date_range()),
        |range| format!("{range:?}"),
    );
    let set = CallSet::new(calls, &classifications, None, &taxonomy).expect("one per call");
    let table = |by, compare| StatsQuery {
        by,
        compare,
        ..Default::default()
    };
    for (name, query) in [
        ("stats by=type", table(GroupBy::Type, None)),
        ("stats by=month", table(GroupBy::Month, None)),
        (
            "stats by=type compare=year",
            table(GroupBy::Type, Some(Compare::Year)),
        ),
        ("stats by=hour_of_week", table(GroupBy::HourOfWeek, None)),
        ("stats by=group", table(GroupBy::Group, None)),
        (
            "stats by=day June compare=previous",
            StatsQuery {
                from: LocalDate::parse("2015-06-01").ok(),
                to: LocalDate::parse("2015-06-30").ok(),
                by: GroupBy::Day,
                compare: Some(Compare::Previous),
                ..Default::default()
            },
        ),
    ] {
        median_of_10(
            name,
            || stats(&set, &query).expect("a window with calls"),
            |table| format!("{} rows, {} calls", table.rows.len(), table.total),
        );
    }
    median_of_10(
        "traffic_accidents by=month",
        || traffic_accidents(&set, &table(GroupBy::Month, None)).expect("a window"),
        |table| format!("{} accidents", table.total.accidents),
    );
    median_of_10(
        "response_kpis",
        || {
            response_kpis(&set, &StatsQuery::default(), &ResponseTargets::default())
                .expect("a window")
        },
        |kpis| format!("{} calls, {} with arrival", kpis.calls, kpis.with_arrival),
    );
    for (radius, min_calls, within_days) in
        [(0.0, 3, 30), (50.0, 3, 30), (100.0, 5, 30), (1000.0, 5, 7)]
    {
        let query = RepeatQuery {
            radius: Meters(radius),
            min_calls,
            within_days,
            from: None,
            to: None,
        };
        median_of_10(
            &format!("repeat r={radius} m k={min_calls} D={within_days}"),
            || repeat_places(&set, &query).expect("a valid query"),
            |places| {
                format!(
                    "{} places, top {} calls",
                    places.len(),
                    places.first().map_or(0, |place| place.calls.len())
                )
            },
        );
    }
}
