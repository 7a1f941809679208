//! Statistics of past calls: every figure on the real Seattle 2015 file against a count made
//! plainly from the raw rows, and the calendar, accident and KPI rules on hand-made calls.

mod seattle_calls;

use formats::calls::CallRecord;
use hotspot::stats::{
    calls_per_workstation_per_day, days_since_last, response_kpis, stats, traffic_accidents,
    AreaLevel, CallAreas, CallSet, Compare, GroupBy, LocalDate, ResponseTargets, StatsError,
    StatsFilter, StatsQuery, StatsTable, Window,
};
use hotspot::taxonomy::{Classification, Classifier, Selector, Taxonomy};
use measure::{LonLat, Seconds, Timestamp};
use seattle_calls::Row;
use std::sync::OnceLock;

fn date(year: i64, month: i64, day: i64) -> LocalDate {
    LocalDate::from_ymd(year, month, day).unwrap()
}

fn seattle_taxonomy() -> &'static Taxonomy {
    static TAXONOMY: OnceLock<Taxonomy> = OnceLock::new();
    TAXONOMY.get_or_init(|| Taxonomy::builtin("seattle").unwrap())
}

fn seattle_classifications() -> &'static [Classification] {
    static CLASSIFICATIONS: OnceLock<Vec<Classification>> = OnceLock::new();
    CLASSIFICATIONS
        .get_or_init(|| Classifier::new(seattle_taxonomy()).classify_all(seattle_calls::calls()))
}

/// Areas laid by a plain rule: north or south of latitude 47.62, workstations in bands of
/// 0.05° longitude, key places on Pike Street.
fn seattle_areas() -> &'static [CallAreas] {
    static AREAS: OnceLock<Vec<CallAreas>> = OnceLock::new();
    AREAS.get_or_init(|| seattle_calls::rows().iter().map(area_of).collect())
}

fn area_of(row: &Row) -> CallAreas {
    CallAreas {
        jurisdiction: Some(if row.lat >= 47.62 { "north" } else { "south" }.to_string()),
        workstation: Some(workstation_of(row)),
        grid: None,
        key_place: row.address.contains("PIKE ST"),
    }
}

fn workstation_of(row: &Row) -> String {
    format!("band{}", ((row.lon + 122.45) / 0.05).floor() as i64)
}

fn seattle(with_areas: bool) -> CallSet<'static> {
    CallSet::new(
        seattle_calls::calls(),
        seattle_classifications(),
        with_areas.then(seattle_areas),
        seattle_taxonomy(),
    )
    .unwrap()
}

fn selector(name: &str) -> Selector {
    seattle_taxonomy().selector(name).unwrap()
}

/// Day of week by Sakamoto's method, ISO numbering (1 = Monday).
fn iso_weekday(year: i64, month: i64, day: i64) -> i64 {
    let offsets = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
    let year = if month < 3 { year - 1 } else { year };
    let sunday_first =
        (year + year / 4 - year / 100 + year / 400 + offsets[(month - 1) as usize] + day) % 7;
    if sunday_first == 0 {
        7
    } else {
        sunday_first
    }
}

#[track_caller]
fn row<'t>(table: &'t StatsTable, key: &str) -> &'t hotspot::stats::StatsRow {
    table
        .rows
        .iter()
        .find(|row| row.key == key)
        .unwrap_or_else(|| panic!("no row {key}"))
}

fn count(rows: impl Fn(&Row) -> bool) -> u64 {
    seattle_calls::rows().iter().filter(|row| rows(row)).count() as u64
}

#[test]
fn seattle_by_type_in_september_matches_direct_counts() {
    let table = stats(
        &seattle(false),
        &StatsQuery {
            from: Some(date(2015, 9, 1)),
            to: Some(date(2015, 9, 30)),
            by: GroupBy::Type,
            ..Default::default()
        },
    )
    .unwrap();
    let september = |groups: &[&str]| {
        count(|row| row.month == 9 && groups.contains(&row.clearance_group.as_str()))
    };
    assert_eq!(table.total, count(|row| row.month == 9));
    assert_eq!(table.window.days, 30);
    assert_eq!(row(&table, "burglary").calls, september(&["BURGLARY"]));
    assert_eq!(
        row(&table, "theft_from_vehicle").calls,
        september(&["CAR PROWL"])
    );
    assert_eq!(
        row(&table, "vehicle_theft").calls,
        september(&["AUTO THEFTS"])
    );
    assert_eq!(
        row(&table, "other_theft").calls,
        september(&["OTHER PROPERTY", "SHOPLIFTING", "BIKE"])
    );
    assert_eq!(
        row(&table, "accident").calls,
        september(&[
            "MOTOR VEHICLE COLLISION INVESTIGATION",
            "ACCIDENT INVESTIGATION"
        ])
    );
    // Calls placed in a category without a type have their category's row.
    assert_eq!(
        row(&table, "other").calls,
        september(&["FALSE ALARMS", "FALSE ALACAD"])
    );
    let burglary = row(&table, "burglary");
    assert_eq!(burglary.label_zh, "入室盗窃");
    assert!((burglary.per_day - burglary.calls as f64 / 30.0).abs() < 1e-12);
    assert!((burglary.share - burglary.calls as f64 / table.total as f64).abs() < 1e-12);
    assert_eq!(
        table.rows.iter().map(|row| row.calls).sum::<u64>(),
        table.total
    );
    assert!(table
        .rows
        .windows(2)
        .all(|pair| pair[0].calls >= pair[1].calls));
    assert_eq!((burglary.previous, burglary.change), (None, None));
}

#[test]
fn seattle_by_month_and_day_match_direct_counts() {
    let set = seattle(false);
    let table = stats(
        &set,
        &StatsQuery {
            by: GroupBy::Month,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        (table.data_first, table.data_last),
        (date(2015, 1, 1), date(2015, 12, 30))
    );
    assert_eq!(table.total, 91_067);
    assert_eq!(table.rows.len(), 12);
    for month in 1..=12 {
        let key = format!("2015-{month:02}");
        assert_eq!(
            row(&table, &key).calls,
            count(|row| row.month == month),
            "{key}"
        );
    }
    assert_eq!(row(&table, "2015-03").label_zh, "2015年3月");
    let days = stats(
        &set,
        &StatsQuery {
            from: Some(date(2015, 7, 1)),
            to: Some(date(2015, 7, 31)),
            by: GroupBy::Day,
            filter: StatsFilter {
                what: vec![selector("disturbance")],
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(days.rows.len(), 31);
    assert_eq!(
        row(&days, "2015-07-04").calls,
        count(|row| {
            row.month == 7
                && row.day == 4
                && ["DISTURBANCES", "THREATS, HARASSMENT"].contains(&row.clearance_group.as_str())
        })
    );
}

#[test]
fn seattle_by_hour_weekday_and_hour_of_week_match_direct_counts() {
    let set = seattle(false);
    let query = |by| StatsQuery {
        by,
        ..Default::default()
    };
    let hours = stats(&set, &query(GroupBy::Hour)).unwrap();
    assert_eq!(hours.rows.len(), 24);
    for hour in 0..24 {
        assert_eq!(
            row(&hours, &format!("{hour:02}")).calls,
            count(|row| row.hour == hour)
        );
    }
    assert_eq!(hours.time_of_day_unknown, 0);
    let weekdays = stats(&set, &query(GroupBy::Weekday)).unwrap();
    for weekday in 1..=7 {
        assert_eq!(
            row(&weekdays, &weekday.to_string()).calls,
            count(|row| iso_weekday(row.year, row.month, row.day) == weekday)
        );
    }
    assert_eq!(row(&weekdays, "1").label_zh, "周一");
    let week = stats(&set, &query(GroupBy::HourOfWeek)).unwrap();
    assert_eq!(week.rows.len(), 168);
    assert_eq!(week.rows.iter().map(|row| row.calls).sum::<u64>(), 91_067);
    for (weekday, hour) in [(5, 22), (1, 0), (7, 23), (3, 8)] {
        let key = format!("{weekday}-{hour:02}");
        assert_eq!(
            row(&week, &key).calls,
            count(|row| iso_weekday(row.year, row.month, row.day) == weekday && row.hour == hour),
            "{key}"
        );
    }
}

#[test]
fn seattle_compared_with_the_previous_period_and_the_year_before() {
    let set = seattle(false);
    let june = |compare| StatsQuery {
        from: Some(date(2015, 6, 1)),
        to: Some(date(2015, 6, 30)),
        by: GroupBy::Type,
        compare: Some(compare),
        filter: StatsFilter {
            what: vec![selector("侵财类")],
            ..Default::default()
        },
    };
    let property = [
        "ROBBERY",
        "BURGLARY",
        "AUTO THEFTS",
        "CAR PROWL",
        "OTHER PROPERTY",
        "SHOPLIFTING",
        "BIKE",
        "FRAUD CALLS",
    ];
    let table = stats(&set, &june(Compare::Previous)).unwrap();
    assert_eq!(
        table.previous_window,
        Some(Window {
            from: date(2015, 5, 1),
            to: date(2015, 5, 31),
            days: 31
        })
    );
    let in_month = |month: i64, groups: &[&str]| {
        count(|row| row.month == month && groups.contains(&row.clearance_group.as_str()))
    };
    assert_eq!(table.total, in_month(6, &property));
    assert_eq!(table.previous_total, Some(in_month(5, &property)));
    let burglary = row(&table, "burglary");
    let (now, before) = (in_month(6, &["BURGLARY"]), in_month(5, &["BURGLARY"]));
    assert_eq!((burglary.calls, burglary.previous), (now, Some(before)));
    let expected = (now as f64 - before as f64) / before as f64;
    assert!((burglary.change.unwrap() - expected).abs() < 1e-12);
    assert!(table.previous_window_covered);
    assert!(table.rows.iter().all(|row| !row.key.contains("assault")));

    // 30 days that are not a whole month compare with the 30 days before.
    let days = stats(
        &set,
        &StatsQuery {
            from: Some(date(2015, 6, 2)),
            to: Some(date(2015, 7, 1)),
            compare: Some(Compare::Previous),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        days.previous_window.map(|w| (w.from, w.to)),
        Some((date(2015, 5, 3), date(2015, 6, 1)))
    );
    assert_eq!(
        days.previous_total,
        Some(count(
            |row| (row.month == 5 && row.day >= 3) || (row.month == 6 && row.day == 1)
        ))
    );

    // A quarter of whole months compares month for month with the quarter before.
    let quarter = stats(
        &set,
        &StatsQuery {
            from: Some(date(2015, 4, 1)),
            to: Some(date(2015, 6, 30)),
            by: GroupBy::Month,
            compare: Some(Compare::Previous),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        quarter.previous_window.map(|w| (w.from, w.to)),
        Some((date(2015, 1, 1), date(2015, 3, 31)))
    );
    for (month, before) in [(4, 1), (5, 2), (6, 3)] {
        let row = row(&quarter, &format!("2015-{month:02}"));
        assert_eq!(row.calls, count(|r| r.month == month));
        assert_eq!(row.previous, Some(count(|r| r.month == before)));
    }

    let year = stats(&set, &june(Compare::Year)).unwrap();
    assert_eq!(
        year.previous_window.map(|w| (w.from, w.to)),
        Some((date(2014, 6, 1), date(2014, 6, 30)))
    );
    assert_eq!(year.previous_total, Some(0));
    assert_eq!(year.total_change, None);
    assert!(!year.previous_window_covered);
}

#[test]
fn seattle_by_group_counts_a_call_in_each_of_its_groups() {
    let table = stats(
        &seattle(false),
        &StatsQuery {
            by: GroupBy::Group,
            ..Default::default()
        },
    )
    .unwrap();
    let year = |groups: &[&str]| count(|row| groups.contains(&row.clearance_group.as_str()));
    assert_eq!(row(&table, "two_robberies").calls, year(&["ROBBERY"]));
    assert_eq!(
        row(&table, "four_preventable").calls,
        year(&["BURGLARY", "AUTO THEFTS"])
    );
    assert_eq!(
        row(&table, "thefts").calls,
        year(&[
            "BURGLARY",
            "AUTO THEFTS",
            "CAR PROWL",
            "OTHER PROPERTY",
            "SHOPLIFTING",
            "BIKE"
        ])
    );
    assert_eq!(row(&table, "four_preventable").label_zh, "四类可防性案件");
}

#[test]
fn seattle_by_area_days_since_last_and_workstation_days_match_direct_counts() {
    let set = seattle(true);
    let table = stats(
        &set,
        &StatsQuery {
            by: GroupBy::Jurisdiction,
            filter: StatsFilter {
                what: vec![selector("burglary")],
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .unwrap();
    let burglary_in =
        |north: bool| count(|row| row.clearance_group == "BURGLARY" && (row.lat >= 47.62) == north);
    assert_eq!(row(&table, "north").calls, burglary_in(true));
    assert_eq!(row(&table, "south").calls, burglary_in(false));
    assert_eq!(table.rows.len(), 2);

    let key_places = stats(
        &set,
        &StatsQuery {
            filter: StatsFilter {
                key_place_only: true,
                jurisdiction: Some("south".into()),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        key_places.total,
        count(|row| row.address.contains("PIKE ST") && row.lat < 47.62)
    );

    let as_of = date(2015, 12, 31);
    let since = days_since_last(
        &set,
        selector("homicide"),
        as_of,
        Some(AreaLevel::Jurisdiction),
    )
    .unwrap();
    assert_eq!(since.len(), 2);
    for entry in &since {
        let north = entry.area == "north";
        let latest = seattle_calls::rows()
            .iter()
            .filter(|row| row.clearance_group == "HOMICIDE" && (row.lat >= 47.62) == north)
            .map(|row| date(row.year, row.month, row.day))
            .max();
        assert_eq!(entry.last, latest, "{}", entry.area);
        assert_eq!(entry.days, latest.map(|latest| as_of.0 - latest.0));
    }
    assert!(since[0].days >= since[1].days);
    // Before the first call of a kind, an area has gone without it for as long as the data says.
    let early = days_since_last(&set, selector("homicide"), date(2015, 1, 1), None).unwrap();
    assert_eq!(early[0].area, "all");
    let first_day =
        count(|row| row.clearance_group == "HOMICIDE" && row.month == 1 && row.day == 1);
    assert_eq!(early[0].days.is_some(), first_day > 0);

    let daily = calls_per_workstation_per_day(
        &set,
        &StatsQuery {
            from: Some(date(2015, 7, 1)),
            to: Some(date(2015, 7, 31)),
            ..Default::default()
        },
    )
    .unwrap();
    let busiest = &daily.rows[0];
    let in_july_at =
        |row: &Row, workstation: &str| row.month == 7 && workstation_of(row) == workstation;
    assert_eq!(
        busiest.total,
        count(|row| in_july_at(row, &busiest.workstation))
    );
    assert_eq!(busiest.calls.len(), 31);
    assert_eq!(
        busiest.calls[3],
        count(|row| in_july_at(row, &busiest.workstation) && row.day == 4)
    );
    let (busiest_day, busiest_calls) = busiest.busiest;
    assert_eq!(busiest_calls, *busiest.calls.iter().max().unwrap());
    assert_eq!(
        busiest.calls[(busiest_day.0 - date(2015, 7, 1).0) as usize],
        busiest_calls
    );
    assert_eq!(
        daily.rows.iter().map(|row| row.total).sum::<u64>(),
        count(|row| row.month == 7)
    );
}

#[test]
fn an_empty_window_says_which_dates_hold_calls() {
    let set = seattle(false);
    let error = stats(
        &set,
        &StatsQuery {
            from: Some(date(2016, 1, 1)),
            to: Some(date(2016, 1, 31)),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        error,
        StatsError::EmptyWindow {
            from: date(2016, 1, 1),
            to: date(2016, 1, 31),
            first: date(2015, 1, 1),
            last: date(2015, 12, 30),
        }
    );
    assert!(error
        .to_string()
        .contains("the calls run from 2015-01-01 to 2015-12-30"));
    let reversed = stats(
        &set,
        &StatsQuery {
            from: Some(date(2015, 3, 1)),
            to: Some(date(2015, 2, 1)),
            ..Default::default()
        },
    );
    assert!(matches!(reversed, Err(StatsError::ReversedWindow { .. })));
    let no_areas = stats(
        &set,
        &StatsQuery {
            by: GroupBy::Workstation,
            ..Default::default()
        },
    );
    assert_eq!(
        no_areas.unwrap_err(),
        StatsError::AreasNeeded {
            level: "workstation"
        }
    );
    let calls = seattle_calls::calls();
    let short = CallSet::new(
        calls,
        &seattle_classifications()[1..],
        None,
        seattle_taxonomy(),
    );
    assert!(matches!(
        short,
        Err(StatsError::ClassificationsMismatch { .. })
    ));
    assert_eq!(
        LocalDate::parse("2015-02-29"),
        Err(StatsError::BadDate {
            text: "2015-02-29".into()
        })
    );
    assert_eq!(LocalDate::parse("16495"), Ok(date(2015, 3, 1)));
    let far = stats(
        &set,
        &StatsQuery {
            to: Some(LocalDate(i64::MAX)),
            ..Default::default()
        },
    );
    assert!(matches!(far, Err(StatsError::BadDate { .. })), "{far:?}");

    let taxonomy = Taxonomy::default_110();
    let mut hostile = vec![call_at(2020, 1, 1, 0, 0, "fighting"); 3];
    hostile[1].utc_offset_minutes = 100_000;
    hostile[2].at = Timestamp(i64::MAX - 1);
    let classifications = classify(&taxonomy, &hostile);
    let error = CallSet::new(&hostile, &classifications, None, &taxonomy).unwrap_err();
    assert!(
        matches!(error, StatsError::InvalidCall { index: 1, .. }),
        "{error}"
    );
    let error = CallSet::new(&hostile[2..], &classifications[2..], None, &taxonomy).unwrap_err();
    assert!(
        matches!(error, StatsError::InvalidCall { index: 0, .. }),
        "{error}"
    );
    assert_eq!(date(2016, 2, 29).to_string(), "2016-02-29");
}

/// A call at a local time in Beijing (UTC+8).
fn call_at(year: i64, month: i64, day: i64, hour: i64, minute: i64, case_type: &str) -> CallRecord {
    let local = Timestamp::from_civil(year, month, day, hour, minute, 0);
    CallRecord {
        id: None,
        at: Timestamp(local.0 - 8 * 3_600_000),
        utc_offset_minutes: 480,
        time_of_day_known: true,
        location: LonLat::new(114.05, 22.54).unwrap(),
        category: None,
        case_type: Some(case_type.to_string()),
        priority: None,
        address: None,
        dispatched: None,
        arrived: None,
        deaths: None,
        injuries: None,
        loss: None,
    }
}

fn classify(taxonomy: &Taxonomy, calls: &[CallRecord]) -> Vec<Classification> {
    calls.iter().map(|call| taxonomy.classify(call)).collect()
}

#[test]
fn year_on_year_windows_across_a_leap_year() {
    let window = |from: LocalDate, to: LocalDate| Window {
        from,
        to,
        days: to.0 - from.0 + 1,
    };
    let earlier = |from, to| {
        let previous = window(from, to).earlier(Compare::Year);
        (previous.from, previous.to)
    };
    // February of a leap year against the whole February before, and the reverse.
    assert_eq!(
        earlier(date(2016, 2, 1), date(2016, 2, 29)),
        (date(2015, 2, 1), date(2015, 2, 28))
    );
    assert_eq!(
        earlier(date(2017, 2, 1), date(2017, 2, 28)),
        (date(2016, 2, 1), date(2016, 2, 29))
    );
    assert_eq!(
        earlier(date(2016, 2, 29), date(2016, 3, 10)),
        (date(2015, 2, 28), date(2015, 3, 10))
    );
    assert_eq!(
        earlier(date(2017, 2, 10), date(2017, 2, 27)),
        (date(2016, 2, 10), date(2016, 2, 27))
    );
    assert_eq!(
        earlier(date(2016, 1, 1), date(2016, 12, 31)),
        (date(2015, 1, 1), date(2015, 12, 31))
    );
    // 环比 of a whole month is the whole month before, whatever its length.
    let previous = window(date(2016, 3, 1), date(2016, 3, 31)).earlier(Compare::Previous);
    assert_eq!(
        (previous.from, previous.to),
        (date(2016, 2, 1), date(2016, 2, 29))
    );

    let taxonomy = Taxonomy::default_110();
    let calls = vec![
        call_at(2016, 2, 28, 10, 0, "抢劫"),
        call_at(2016, 2, 29, 10, 0, "抢劫"),
        call_at(2016, 2, 29, 23, 30, "抢劫"),
        call_at(2017, 2, 28, 9, 0, "抢劫"),
        call_at(2017, 2, 3, 9, 0, "抢劫"),
        // 2017-03-01 00:30 in Beijing is still 28 February in UTC: the local date counts.
        call_at(2017, 3, 1, 0, 30, "抢劫"),
    ];
    let classifications = classify(&taxonomy, &calls);
    let set = CallSet::new(&calls, &classifications, None, &taxonomy).unwrap();
    let table = stats(
        &set,
        &StatsQuery {
            from: Some(date(2017, 2, 1)),
            to: Some(date(2017, 2, 28)),
            by: GroupBy::Day,
            compare: Some(Compare::Year),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!((table.total, table.previous_total), (2, Some(3)));
    assert_eq!(table.total_change, Some((2.0 - 3.0) / 3.0));
    // Under 同比 the leap day counts with 28 February.
    assert_eq!(row(&table, "2017-02-28").calls, 1);
    assert_eq!(row(&table, "2017-02-28").previous, Some(3));
    assert_eq!(row(&table, "2017-02-03").previous, Some(0));
    assert_eq!(row(&table, "2017-02-03").change, None);
    let months = stats(
        &set,
        &StatsQuery {
            from: Some(date(2017, 2, 1)),
            to: Some(date(2017, 3, 31)),
            by: GroupBy::Month,
            compare: Some(Compare::Year),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        (
            row(&months, "2017-02").calls,
            row(&months, "2017-02").previous
        ),
        (2, Some(3))
    );
    assert_eq!(
        (
            row(&months, "2017-03").calls,
            row(&months, "2017-03").previous
        ),
        (1, Some(0))
    );
}

#[test]
fn hour_figures_leave_out_calls_without_a_time_of_day() {
    let taxonomy = Taxonomy::default_110();
    let mut calls = vec![
        call_at(2020, 5, 4, 7, 15, "burglary"),
        call_at(2020, 5, 4, 7, 45, "burglary"),
        call_at(2020, 5, 10, 23, 59, "burglary"),
        call_at(2020, 5, 5, 0, 0, "burglary"),
    ];
    calls[3].time_of_day_known = false;
    let classifications = classify(&taxonomy, &calls);
    let set = CallSet::new(&calls, &classifications, None, &taxonomy).unwrap();
    let hours = stats(
        &set,
        &StatsQuery {
            by: GroupBy::HourOfWeek,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!((hours.total, hours.time_of_day_unknown), (4, 1));
    // 2020-05-04 was a Monday, 2020-05-10 a Sunday.
    assert_eq!(row(&hours, "1-07").calls, 2);
    assert_eq!(row(&hours, "1-07").share, 2.0 / 3.0);
    assert_eq!(row(&hours, "7-23").calls, 1);
    assert_eq!(hours.rows.iter().map(|row| row.calls).sum::<u64>(), 3);
    let weekdays = stats(
        &set,
        &StatsQuery {
            by: GroupBy::Weekday,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(row(&weekdays, "2").calls, 1);
}

#[test]
fn the_four_accident_indices_and_their_change() {
    let taxonomy = Taxonomy::default_110();
    let accident = |month, day, deaths, injuries, loss| {
        let mut call = call_at(2016, month, day, 12, 0, "交通事故");
        (call.deaths, call.injuries, call.loss) = (deaths, injuries, loss);
        call
    };
    let mut robbery = call_at(2016, 2, 3, 12, 0, "robbery");
    robbery.deaths = Some(5);
    let calls = vec![
        accident(1, 10, Some(1), Some(2), Some(3000.0)),
        accident(1, 31, Some(0), Some(1), Some(500.0)),
        accident(2, 1, Some(1), Some(4), Some(10_000.0)),
        accident(2, 29, None, Some(1), Some(f64::NAN)),
        accident(2, 15, None, None, None),
        robbery,
    ];
    let classifications = classify(&taxonomy, &calls);
    let set = CallSet::new(&calls, &classifications, None, &taxonomy).unwrap();
    let table = traffic_accidents(
        &set,
        &StatsQuery {
            from: Some(date(2016, 2, 1)),
            to: Some(date(2016, 2, 29)),
            by: GroupBy::Month,
            compare: Some(Compare::Previous),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        (
            table.total.accidents,
            table.total.deaths,
            table.total.injuries,
            table.total.loss
        ),
        (3, 1, 5, 10_000.0)
    );
    let previous = table.previous_total.unwrap();
    assert_eq!(
        (
            previous.accidents,
            previous.deaths,
            previous.injuries,
            previous.loss
        ),
        (2, 1, 3, 3500.0)
    );
    let change = table.change.unwrap();
    assert_eq!(change.accidents, Some(0.5));
    assert_eq!(change.deaths, Some(0.0));
    assert!((change.injuries.unwrap() - 2.0 / 3.0).abs() < 1e-12);
    assert!((change.loss.unwrap() - 6500.0 / 3500.0).abs() < 1e-12);
    assert_eq!((table.without_figures, table.invalid_loss), (1, 1));
    assert_eq!(table.rows.len(), 1);
    assert_eq!(table.rows[0].current, table.total);
    assert_eq!(table.rows[0].previous, table.previous_total);

    // On Seattle, the accident count is the collisions the officers closed (closed as such from
    // July 2015 on).
    let september = traffic_accidents(
        &seattle(false),
        &StatsQuery {
            from: Some(date(2015, 9, 1)),
            to: Some(date(2015, 9, 30)),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        september.total.accidents,
        count(|row| {
            row.month == 9
                && [
                    "MOTOR VEHICLE COLLISION INVESTIGATION",
                    "ACCIDENT INVESTIGATION",
                ]
                .contains(&row.clearance_group.as_str())
        })
    );
    assert!(september.total.accidents > 1000);
    assert_eq!(september.without_figures, september.total.accidents);
}

#[test]
fn response_kpis_by_nearest_rank_and_per_priority_targets() {
    let taxonomy = Taxonomy::default_110();
    // Call to arrival, in seconds, with each call's priority.
    let responses: [(i64, Option<u8>); 10] = [
        (30, Some(1)),
        (60, Some(1)),
        (90, Some(2)),
        (120, Some(1)),
        (200, Some(1)),
        (250, Some(2)),
        (400, Some(2)),
        (500, Some(3)),
        (700, Some(4)),
        (1000, None),
    ];
    let mut calls: Vec<CallRecord> = responses
        .iter()
        .enumerate()
        .map(|(index, &(seconds, priority))| {
            let mut call = call_at(2021, 6, 1 + index as i64, 10, 0, "fighting");
            call.arrived = Some(Timestamp(call.at.0 + seconds * 1000));
            call.priority = priority;
            call
        })
        .collect();
    let mut no_arrival = call_at(2021, 6, 20, 10, 0, "fighting");
    no_arrival.priority = Some(1);
    calls.push(no_arrival);
    let mut before_call = call_at(2021, 6, 21, 10, 0, "fighting");
    before_call.arrived = Some(Timestamp(before_call.at.0 - 5000));
    calls.push(before_call);
    let classifications = classify(&taxonomy, &calls);
    let areas: Vec<CallAreas> = (0..calls.len())
        .map(|index| CallAreas {
            key_place: index < 3,
            ..Default::default()
        })
        .collect();
    let set = CallSet::new(&calls, &classifications, Some(&areas), &taxonomy).unwrap();
    let kpis = response_kpis(&set, &StatsQuery::default(), &ResponseTargets::default()).unwrap();
    assert_eq!(
        (
            kpis.calls,
            kpis.with_arrival,
            kpis.without_arrival,
            kpis.arrival_before_call
        ),
        (12, 10, 1, 1)
    );
    // Nearest rank: the median of 10 is the 5th value, the 90th percentile the 9th.
    assert_eq!(kpis.median, Some(Seconds(200.0)));
    assert_eq!(kpis.p90, Some(Seconds(700.0)));
    assert_eq!(kpis.mean, Some(Seconds(335.0)));
    let within: Vec<(f64, u64, Option<f64>)> = kpis
        .within
        .iter()
        .map(|w| (w.limit.0, w.calls, w.share))
        .collect();
    assert_eq!(
        within,
        [
            (60.0, 2, Some(0.2)),
            (180.0, 4, Some(0.4)),
            (300.0, 6, Some(0.6))
        ]
    );
    let p1 = &kpis.by_priority[0];
    assert_eq!((p1.calls, p1.with_arrival), (5, 4));
    assert_eq!(p1.within_target.unwrap().calls, 3);
    assert_eq!(p1.within_target.unwrap().share, Some(0.75));
    assert_eq!(p1.median, Some(Seconds(60.0)));
    let p2 = &kpis.by_priority[1];
    assert_eq!(
        (p2.within_target.unwrap().calls, p2.median),
        (2, Some(Seconds(250.0)))
    );
    assert_eq!(kpis.by_priority[2].within_target.unwrap().calls, 1);
    assert_eq!(kpis.by_priority[3].within_target, None);
    assert_eq!(kpis.without_priority, 2);
    assert_eq!(kpis.key_place_calls, 3);
    let key_place = kpis.key_place.unwrap();
    assert_eq!((key_place.calls, key_place.share), (2, Some(2.0 / 3.0)));

    let bad = ResponseTargets {
        key_place: Seconds(f64::NAN),
        ..Default::default()
    };
    assert!(matches!(
        response_kpis(&set, &StatsQuery::default(), &bad),
        Err(StatsError::BadTarget { .. })
    ));
}

const DENNY_BLAINE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/seattle-spd-calls/seattle_spd_calls_dennyblaine_2018-2023.csv"
);

/// `MM/DD/YYYY h:mm:ss AM`, local time, as milliseconds of a local-time clock.
fn local_millis(text: &str) -> i64 {
    let (date, rest) = text.trim().split_once(' ').unwrap();
    let (clock, half) = rest.split_once(' ').unwrap();
    let date: Vec<i64> = date.split('/').map(|p| p.parse().unwrap()).collect();
    let clock: Vec<i64> = clock.split(':').map(|p| p.parse().unwrap()).collect();
    let hour = clock[0] % 12 + if half == "PM" { 12 } else { 0 };
    Timestamp::from_civil(date[2], date[0], date[1], hour, clock[1], clock[2] * 1000).0
}

#[test]
fn response_kpis_on_real_seattle_queue_and_arrival_times_match_a_plain_count() {
    let text = std::fs::read_to_string(DENNY_BLAINE).unwrap();
    let mut lines = text.lines();
    let header = seattle_calls::split_csv(lines.next().unwrap());
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (queued, arrived, priority, lon, lat, final_type) = (
        column("Original Time Queued"),
        column("Arrived Time"),
        column("Priority"),
        column("Blurred_Longitude"),
        column("Blurred_Latitude"),
        column("Final Call Type"),
    );
    let rows: Vec<Vec<String>> = lines.map(seattle_calls::split_csv).collect();
    assert_eq!(rows.len(), 222);
    // Both times share one clock, so the fixed offset leaves every response time as written.
    let calls: Vec<CallRecord> = rows
        .iter()
        .map(|fields| CallRecord {
            id: None,
            at: Timestamp(local_millis(&fields[queued]) + 8 * 3_600_000),
            utc_offset_minutes: -480,
            time_of_day_known: true,
            location: LonLat::new(fields[lon].parse().unwrap(), fields[lat].parse().unwrap())
                .unwrap(),
            category: None,
            case_type: Some(fields[final_type].clone()),
            priority: fields[priority].parse().ok(),
            address: None,
            dispatched: None,
            arrived: (!fields[arrived].trim().is_empty())
                .then(|| Timestamp(local_millis(&fields[arrived]) + 8 * 3_600_000)),
            deaths: None,
            injuries: None,
            loss: None,
        })
        .collect();
    let taxonomy = Taxonomy::builtin("seattle").unwrap();
    let classifications = classify(&taxonomy, &calls);
    let set = CallSet::new(&calls, &classifications, None, &taxonomy).unwrap();
    let kpis = response_kpis(&set, &StatsQuery::default(), &ResponseTargets::default()).unwrap();

    // The same figures, counted plainly from the rows.
    let mut seconds: Vec<i64> = Vec::new();
    let mut p1: Vec<i64> = Vec::new();
    for fields in &rows {
        if fields[arrived].trim().is_empty() {
            continue;
        }
        let time = (local_millis(&fields[arrived]) - local_millis(&fields[queued])) / 1000;
        seconds.push(time);
        if fields[priority] == "1" {
            p1.push(time);
        }
    }
    seconds.sort();
    let n = seconds.len();
    assert_eq!(n, 186);
    assert_eq!(
        (kpis.calls, kpis.with_arrival, kpis.without_arrival),
        (222, 186, 36)
    );
    assert_eq!(kpis.arrival_before_call, 0);
    // Nearest rank: the 93rd and the 168th of 186.
    assert_eq!(kpis.median, Some(Seconds(seconds[92] as f64)));
    assert_eq!(kpis.p90, Some(Seconds(seconds[167] as f64)));
    let mean = seconds.iter().sum::<i64>() as f64 / n as f64;
    assert!((kpis.mean.unwrap().0 - mean).abs() < 1e-9);
    let within_five = seconds.iter().filter(|&&s| s <= 300).count() as u64;
    assert_eq!(kpis.within[2].calls, within_five);
    assert_eq!(kpis.within[2].share, Some(within_five as f64 / n as f64));
    let p1_kpi = &kpis.by_priority[0];
    assert_eq!(
        p1_kpi.calls,
        rows.iter().filter(|fields| fields[priority] == "1").count() as u64
    );
    assert_eq!(p1_kpi.with_arrival, p1.len() as u64);
    assert_eq!(
        p1_kpi.within_target.unwrap().calls,
        p1.iter().filter(|&&s| s <= 180).count() as u64
    );
    // SPD priorities run to 7; those above 4 have no target here.
    assert_eq!(
        kpis.without_priority,
        rows.iter()
            .filter(|fields| !["1", "2", "3", "4"].contains(&fields[priority].as_str()))
            .count() as u64
    );
    assert_eq!(kpis.key_place, None);
}
