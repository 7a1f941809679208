//! The calls reader on the real Seattle and Chicago exports, and on hand-made files for each time
//! form, zone rule, coordinate check and error message.

use formats::calls::{
    parse_calls, parse_coordinate_system, read_calls, write_calls, CallRecord, CallsFile,
    CallsOptions, CallsOptionsError, CanonicalColumn, ColumnChoice, ColumnMapping, TimeZone,
};
use formats::FormatError;
use measure::{CoordinateSystem, LonLat, Timestamp};
use std::path::{Path, PathBuf};

fn shared_data(relative: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/"
    ))
    .join(relative)
}

fn options(columns: &str, zone: &str) -> CallsOptions {
    CallsOptions {
        columns: ColumnMapping::parse(columns).expect("a valid mapping"),
        time_zone: TimeZone::parse(zone).expect("a valid zone"),
        ..CallsOptions::default()
    }
}

fn utc(year: i64, month: i64, day: i64, hour: i64, minute: i64, second: i64) -> Timestamp {
    Timestamp::from_civil(year, month, day, hour, minute, second * 1000)
}

#[track_caller]
fn read_ok(text: &str, options: &CallsOptions) -> CallsFile {
    parse_calls(Path::new("calls.csv"), text, options)
        .unwrap_or_else(|error| panic!("reading {text:?}: {error}"))
}

#[track_caller]
fn read_error(text: &str, options: &CallsOptions) -> String {
    match parse_calls(Path::new("calls.csv"), text, options) {
        Ok(file) => panic!("{text:?} was read: {:?}", file.calls),
        Err(error) => error.to_string(),
    }
}

#[track_caller]
fn check_contains(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(message.contains(part), "{message:?} lacks {part:?}");
    }
}

/// One call with time `time` at a point in Seattle.
#[track_caller]
fn one_call(time: &str, zone: &str) -> CallRecord {
    let text = format!("time,lon,lat\n{time},-122.3,47.6\n");
    read_ok(&text, &options("", zone)).calls.remove(0)
}

#[track_caller]
fn check_time(zone: &str, text: &str, at: Timestamp, offset_minutes: i32, time_known: bool) {
    let call = one_call(text, zone);
    assert_eq!(
        (call.at, call.utc_offset_minutes, call.time_of_day_known),
        (at, offset_minutes, time_known),
        "{text} in {zone}: got {:?}",
        call.local()
    );
}

#[test]
fn seattle_2015_reads_every_row_in_local_time() {
    let path = shared_data("seattle-spd-calls/seattle_spd_911_incident_response_2015.csv");
    let options = options(
        "time=At.Scene.Time,lon=Longitude,lat=Latitude,type=Initial.Type.Group,\
         category=Event.Clearance.Group,address=Hundred.Block.Location",
        "America/Los_Angeles",
    );
    let file = read_calls(&path, &options).expect("the Seattle 2015 export reads");
    assert_eq!(file.calls.len(), 91_067);
    assert_eq!(file.skipped, 0);
    assert_eq!(
        file.unknown_columns,
        [
            "Event.Clearance.Code",
            "Event.Clearance.Description",
            "Event.Clearance.SubGroup",
            "Initial.Type.Description",
            "Initial.Type.Subgroup"
        ]
    );
    assert_eq!(
        file.detected_time_form,
        "M/D/YY H:MM (month first), local time, read in America/Los_Angeles"
    );
    let first = &file.calls[0];
    assert_eq!(first.at, utc(2015, 12, 31, 4, 42, 0), "12/30/15 20:42 PST");
    assert_eq!(first.case_type.as_deref(), Some("TRAFFIC RELATED CALLS"));
    assert_eq!(first.category.as_deref(), Some("TRAFFIC RELATED CALLS"));
    assert_eq!(first.address.as_deref(), Some("5 AV S / S MICHIGAN ST"));
    assert_eq!(first.id, None);

    // SOURCE.md: 2015-01-01 00:02 to 2015-12-30 23:57 local, and its bounding box.
    let earliest = file.calls.iter().min_by_key(|call| call.at).expect("calls");
    let latest = file.calls.iter().max_by_key(|call| call.at).expect("calls");
    let local = |call: &CallRecord| {
        let civil = call.local();
        (civil.year, civil.month, civil.day, civil.hour, civil.minute)
    };
    assert_eq!(local(earliest), (2015, 1, 1, 0, 2));
    assert_eq!(local(latest), (2015, 12, 30, 23, 57));
    let lons = file.calls.iter().map(|call| call.location.lon);
    let lats = file.calls.iter().map(|call| call.location.lat);
    let (min_lon, max_lon) = lons.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (min_lat, max_lat) = lats.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    assert_eq!(
        [min_lon, min_lat, max_lon, max_lat].map(|v| (v * 10_000.0).round() / 10_000.0),
        [-122.4194, 47.4577, -122.2375, 47.7732]
    );

    for call in &file.calls {
        let month = call.local().month;
        match month {
            1 | 2 | 12 => assert_eq!(call.utc_offset_minutes, -480, "{:?}", call.local()),
            4..=10 => assert_eq!(call.utc_offset_minutes, -420, "{:?}", call.local()),
            _ => assert!([-480, -420].contains(&call.utc_offset_minutes)),
        }
    }
    // 1:00-1:59 on 2015-11-01 happened twice; the file's 34 such calls take the earlier (PDT).
    let fall_back: Vec<&CallRecord> = file
        .calls
        .iter()
        .filter(|call| {
            let civil = call.local();
            (civil.month, civil.day, civil.hour) == (11, 1, 1)
        })
        .collect();
    assert_eq!(fall_back.len(), 34);
    assert!(fall_back.iter().all(|call| call.utc_offset_minutes == -420));
}

#[test]
fn chicago_reads_all_rows_with_unique_ids() {
    let path = shared_data("chicago-southside-crimes/chicago_southside_crimes_2016.csv");
    let options = options(
        "time=Date,type=Primary Type,id=Case Number,address=Block",
        "America/Chicago",
    );
    let file = read_calls(&path, &options).expect("the Chicago sample reads");
    assert_eq!(file.calls.len(), 1000);
    assert!(
        file.unknown_columns.is_empty(),
        "{:?}",
        file.unknown_columns
    );
    assert_eq!(
        file.detected_time_form,
        "M/D/YYYY h:MM:SS AM/PM (month first), local time, read in America/Chicago"
    );
    let first = &file.calls[0];
    assert_eq!(first.id.as_deref(), Some("HZ242280"));
    assert_eq!(first.at, utc(2016, 4, 27, 18, 44, 0), "01:44 PM CDT");
    assert_eq!(first.utc_offset_minutes, -300);
    assert_eq!(first.case_type.as_deref(), Some("BATTERY"));
    assert_eq!(first.address.as_deref(), Some("073XX S COTTAGE GROVE AVE"));
    assert_eq!(
        first.location,
        LonLat::new(-87.605478606, 41.761772852).unwrap()
    );
    let mut ids: Vec<&str> = file.calls.iter().filter_map(|c| c.id.as_deref()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 1000);
    let local = |call: &CallRecord| {
        let civil = call.local();
        (civil.year, civil.month, civil.day, civil.hour, civil.minute)
    };
    let earliest = file.calls.iter().min_by_key(|call| call.at).expect("calls");
    let latest = file.calls.iter().max_by_key(|call| call.at).expect("calls");
    assert_eq!(local(earliest), (2016, 1, 1, 1, 0));
    assert_eq!(local(latest), (2016, 12, 31, 21, 15));
}

const DENNY_BLAINE_COLUMNS: &str = "time=Original Time Queued,arrived=Arrived Time,\
    id=CAD Event Number,type=Final Call Type,lon=Blurred_Longitude,lat=Blurred_Latitude";

#[test]
fn denny_blaine_arrival_delays_match_source_md() {
    let path = shared_data("seattle-spd-calls/seattle_spd_calls_dennyblaine_2018-2023.csv");
    // The file's Priority column would be read by its name; it goes to 7, so leave it out.
    let options = options(
        &format!("{DENNY_BLAINE_COLUMNS},priority="),
        "America/Los_Angeles",
    );
    let file = read_calls(&path, &options).expect("the Denny Blaine export reads");
    assert_eq!(file.calls.len(), 222);
    assert!(file.calls.iter().all(|call| call.priority.is_none()));
    assert!(file.unknown_columns.contains(&"Priority".to_string()));
    let mut delays: Vec<i64> = file
        .calls
        .iter()
        .filter_map(|call| call.arrived.map(|arrived| (arrived.0 - call.at.0) / 1000))
        .collect();
    assert_eq!(delays.len(), 186);
    delays.sort();
    // SOURCE.md: median 1,623 s, minimum 0 s (13 rows), maximum 47,267 s.
    assert_eq!((delays[92] + delays[93]) / 2, 1623);
    assert_eq!(delays[0], 0);
    assert_eq!(delays.iter().filter(|&&d| d == 0).count(), 13);
    assert_eq!(delays[185], 47_267);
    let first = &file.calls[0];
    assert_eq!(first.id.as_deref(), Some("2023000319821"));
    assert_eq!(
        first.at,
        utc(2023, 11, 5, 1, 8, 26),
        "11/04/2023 6:08:26 PM PDT"
    );
}

#[test]
fn denny_blaine_priority_seven_is_refused_naming_line_and_value() {
    let path = shared_data("seattle-spd-calls/seattle_spd_calls_dennyblaine_2018-2023.csv");
    let expected_start = format!("{}:3:4: ", path.display());
    for columns in [
        format!("{DENNY_BLAINE_COLUMNS},priority=Priority"),
        DENNY_BLAINE_COLUMNS.to_string(),
    ] {
        let error = read_calls(&path, &options(&columns, "America/Los_Angeles"))
            .expect_err("priority 7 is not P1..P4")
            .to_string();
        assert!(error.starts_with(&expected_start), "{error}");
        check_contains(
            &error,
            &["'7'", "P1..P4", "Seattle's go to 7", "--columns priority="],
        );
    }
    let by_name = read_calls(&path, &options(DENNY_BLAINE_COLUMNS, "America/Los_Angeles"))
        .expect_err("priority 7")
        .to_string();
    check_contains(&by_name, &["read as priority because of its name"]);
    // With skip_bad_rows the rows whose priority is 5 or 7 go, the others keep theirs.
    let mut skipping = options(DENNY_BLAINE_COLUMNS, "America/Los_Angeles");
    skipping.skip_bad_rows = true;
    let file = read_calls(&path, &skipping).expect("skipping reads the rest");
    assert_eq!((file.calls.len(), file.skipped), (198, 24));
    assert_eq!(file.skip_reasons.len(), 5);
}

#[test]
fn psap_log_without_locations_is_refused_naming_the_header() {
    let path = shared_data("seattle-spd-calls/seattle_pd_psap_call_log_2020-09.csv");
    let error = read_calls(&path, &options("", "America/Los_Angeles"))
        .expect_err("no coordinates")
        .to_string();
    assert!(
        error.starts_with(&format!("{}:1: ", path.display())),
        "{error}"
    );
    check_contains(
        &error,
        &[
            "no 'lon' column",
            "--columns lon=",
            "'vertex', 'time', 'duration'",
        ],
    );
}

#[test]
fn every_time_form_reads_to_its_instant() {
    let shanghai = "Asia/Shanghai";
    let china = utc(2016, 8, 10, 6, 3, 0);
    // With a fixed zone (the default UTC) the offset in the text is the call's offset.
    check_time("UTC", "2016-08-10T14:03:00+08:00", china, 480, true);
    check_time("UTC", "2016-08-10t14:03:00+0800", china, 480, true);
    check_time("UTC", "2016-08-10T06:03Z", china, 0, true);
    check_time("UTC", "2016-08-10 06:03:00 Z", china, 0, true);
    check_time(shanghai, "2016-08-10 06:03:00 UTC", china, 480, true);
    // With a named zone the zone gives the local calendar.
    check_time(shanghai, "2016-08-10T06:03:00Z", china, 480, true);
    check_time(shanghai, "2016-08-10 14:03", china, 480, true);
    check_time("+08:00", "2016-08-10 14:03", china, 480, true);
    check_time("UTC+8", "2016-08-10T14:03", china, 480, true);
    check_time(shanghai, "2016-08-10 14:03:00", china, 480, true);
    check_time(shanghai, "2016-08-10T14:03:00", china, 480, true);
    check_time(
        shanghai,
        "2016-08-10 14:03:07.25",
        Timestamp(utc(2016, 8, 10, 6, 3, 7).0 + 250),
        480,
        true,
    );
    check_time(
        shanghai,
        "\"2016-08-10T14:03:07,123456\"",
        Timestamp(utc(2016, 8, 10, 6, 3, 7).0 + 123),
        480,
        true,
    );
    check_time(shanghai, "2016/08/10 14:03", china, 480, true);
    check_time(shanghai, "2016/8/10 14:03:00", china, 480, true);
    check_time(shanghai, "2016年08月10日 14:03", china, 480, true);
    check_time(shanghai, "2016年8月10日14:03:00", china, 480, true);
    // US exports, month first.
    let los_angeles = "America/Los_Angeles";
    check_time(
        los_angeles,
        "12/30/15 20:42",
        utc(2015, 12, 31, 4, 42, 0),
        -480,
        true,
    );
    check_time(
        los_angeles,
        "7/4/15 9:05",
        utc(2015, 7, 4, 16, 5, 0),
        -420,
        true,
    );
    check_time(
        "America/Chicago",
        "04/27/2016 01:44:00 PM",
        utc(2016, 4, 27, 18, 44, 0),
        -300,
        true,
    );
    check_time(
        los_angeles,
        "11/04/2023 6:08:26 PM",
        utc(2023, 11, 5, 1, 8, 26),
        -420,
        true,
    );
    check_time(
        los_angeles,
        "9/26/2020 20:37:41",
        utc(2020, 9, 27, 3, 37, 41),
        -420,
        true,
    );
    check_time(
        "UTC",
        "1/2/2020 12:00:00 AM",
        utc(2020, 1, 2, 0, 0, 0),
        0,
        true,
    );
    check_time(
        "UTC",
        "1/2/2020 12:30 pm",
        utc(2020, 1, 2, 12, 30, 0),
        0,
        true,
    );
    check_time("UTC", "1/2/69 10:00", utc(1969, 1, 2, 10, 0, 0), 0, true);
    check_time("UTC", "1/2/68 10:00", utc(2068, 1, 2, 10, 0, 0), 0, true);
}

#[test]
fn a_date_alone_is_local_midnight_without_time_of_day() {
    check_time(
        "Asia/Shanghai",
        "2016-08-10",
        utc(2016, 8, 9, 16, 0, 0),
        480,
        false,
    );
    check_time("UTC", "2016/08/10", utc(2016, 8, 10, 0, 0, 0), 0, false);
    check_time(
        "-07:00",
        "8/10/2016",
        utc(2016, 8, 10, 7, 0, 0),
        -420,
        false,
    );
    check_time(
        "UTC",
        "2016-08-10+08:00",
        utc(2016, 8, 9, 16, 0, 0),
        480,
        false,
    );
    let call = one_call("2016-08-10", "Asia/Shanghai");
    assert_eq!((call.local().day, call.local().hour), (10, 0));
    assert_eq!(call.local_day(), utc(2016, 8, 10, 0, 0, 0).0 / 86_400_000);
}

#[test]
fn daylight_saving_ambiguous_takes_earlier_and_missing_shifts_forward() {
    let los_angeles = "America/Los_Angeles";
    // 2015-11-01 01:30 happened at 08:30 UTC (PDT) and again at 09:30 UTC (PST).
    check_time(
        los_angeles,
        "2015-11-01 01:30",
        utc(2015, 11, 1, 8, 30, 0),
        -420,
        true,
    );
    check_time(
        los_angeles,
        "2015-11-01 01:30-08:00",
        utc(2015, 11, 1, 9, 30, 0),
        -480,
        true,
    );
    check_time(
        los_angeles,
        "2015-11-01 00:59",
        utc(2015, 11, 1, 7, 59, 0),
        -420,
        true,
    );
    check_time(
        los_angeles,
        "2015-11-01 02:00",
        utc(2015, 11, 1, 10, 0, 0),
        -480,
        true,
    );
    // 2015-03-08 02:30 never happened: read as 02:30 PST, which is 03:30 PDT.
    let call = one_call("3/8/2015 2:30", los_angeles);
    assert_eq!(call.at, utc(2015, 3, 8, 10, 30, 0));
    assert_eq!(call.utc_offset_minutes, -420);
    assert_eq!((call.local().hour, call.local().minute), (3, 30));
    check_time(
        los_angeles,
        "2015-03-08 01:59",
        utc(2015, 3, 8, 9, 59, 0),
        -480,
        true,
    );
    check_time(
        los_angeles,
        "2015-03-08 03:00",
        utc(2015, 3, 8, 10, 0, 0),
        -420,
        true,
    );
    // Santiago moved its clocks at midnight: the date alone 2016-08-14 starts at 01:00.
    let call = one_call("2016-08-14", "America/Santiago");
    assert_eq!((call.local().day, call.local().hour), (14, 1));
    assert!(!call.time_of_day_known);
}

#[test]
fn gcj02_and_bd09_are_converted_to_wgs84() {
    // Shenzhen Civic Center as an Amap (GCJ-02) position.
    let text = "time,lon,lat\n2020-01-01 08:00,114.059560,22.543096\n";
    let mut gcj = options("", "Asia/Shanghai");
    gcj.crs = parse_coordinate_system("GCJ-02").expect("a datum");
    assert_eq!(gcj.crs, CoordinateSystem::Gcj02);
    let given = LonLat::new(114.059560, 22.543096).unwrap();
    let converted = read_ok(text, &gcj).calls[0].location;
    let shift = converted.distance_to(given).0;
    assert!((450.0..650.0).contains(&shift), "moved {shift} m");
    let back = measure::wgs84_to_gcj02(converted);
    assert!(back.distance_to(given).0 < 0.01, "{back}");

    let mut bd = options("", "Asia/Shanghai");
    bd.crs = parse_coordinate_system("bd09").expect("a datum");
    let converted = read_ok(text, &bd).calls[0].location;
    assert_eq!(converted, measure::bd09_to_wgs84(given));
    assert!(converted.distance_to(given).0 > 900.0);
    assert!(parse_coordinate_system("utm")
        .expect_err("not a datum")
        .to_string()
        .contains("wgs84, gcj02 or bd09"));
}

#[test]
fn bad_coordinates_say_what_is_wrong() {
    let none = CallsOptions::default();
    let swapped = read_error("time,lon,lat\n2020-01-01 08:00,47.6,-122.3\n", &none);
    assert!(swapped.starts_with("calls.csv:2:3: "), "{swapped}");
    check_contains(
        &swapped,
        &["lon and lat look swapped; check the column mapping (--columns lon=..,lat=..)"],
    );
    let zero = read_error("time,lon,lat\n2020-01-01 08:00,0,0.0\n", &none);
    check_contains(&zero, &["calls.csv:2:2: ", "no location"]);
    let empty = read_error("time,lon,lat\n2020-01-01 08:00,,47.6\n", &none);
    check_contains(&empty, &["calls.csv:2:2: ", "no location: 'lon' is empty"]);
    let word = read_error("time,lon,lat\n2020-01-01 08:00,-122.3,north\n", &none);
    check_contains(
        &word,
        &["calls.csv:2:3: ", "'lat' is 'north', not a number"],
    );
    let nan = read_error("time,lon,lat\n2020-01-01 08:00,NaN,47.6\n", &none);
    check_contains(&nan, &["calls.csv:2:2: ", "not a finite number"]);
    let far = read_error("time,lon,lat\n2020-01-01 08:00,200,100\n", &none);
    check_contains(&far, &["calls.csv:2:3: ", "lon must lie in -180..180"]);
}

#[test]
fn unknown_canonical_column_names_the_nearest_and_all() {
    let error = ColumnMapping::parse("tiem=occ_date").expect_err("no such column");
    assert_eq!(
        error,
        CallsOptionsError::UnknownColumn {
            name: "tiem".into(),
            nearest: "time"
        }
    );
    check_contains(
        &error.to_string(),
        &[
            "did you mean 'time'",
            "id, time, lon, lat, category, type, priority, address, dispatched, arrived, deaths, injuries, loss",
        ],
    );
    let error = ColumnMapping::parse("time=a,adress=b").expect_err("no such column");
    check_contains(&error.to_string(), &["'adress'", "did you mean 'address'"]);
    check_contains(
        &ColumnMapping::parse("time").expect_err("no =").to_string(),
        &["not canonical=source"],
    );
    assert_eq!(
        ColumnMapping::parse("time=a,time=b").expect_err("twice"),
        CallsOptionsError::DuplicateColumn {
            column: CanonicalColumn::Time
        }
    );
}

#[test]
fn mapping_takes_spaces_dots_quotes_and_empty_sources() {
    let mapping = ColumnMapping::parse(
        " time = At.Scene.Time , type=Primary Type,address=\"Block, street\",PRIORITY=",
    )
    .expect("a valid mapping");
    let source = |column| mapping.choice(column).cloned();
    assert_eq!(
        source(CanonicalColumn::Time),
        Some(ColumnChoice::Source("At.Scene.Time".into()))
    );
    assert_eq!(
        source(CanonicalColumn::Type),
        Some(ColumnChoice::Source("Primary Type".into()))
    );
    assert_eq!(
        source(CanonicalColumn::Address),
        Some(ColumnChoice::Source("Block, street".into()))
    );
    assert_eq!(
        source(CanonicalColumn::Priority),
        Some(ColumnChoice::Unmapped)
    );
    assert_eq!(source(CanonicalColumn::Lon), None);
    let text = "\"Block, street\",At.Scene.Time,Lon,LAT,Primary Type,priority\nMain St,2020-01-01 08:00,1,2,THEFT,9\n";
    let file = read_ok(
        text,
        &CallsOptions {
            columns: mapping,
            ..CallsOptions::default()
        },
    );
    let call = &file.calls[0];
    assert_eq!(call.address.as_deref(), Some("Main St"));
    assert_eq!(call.case_type.as_deref(), Some("THEFT"));
    assert_eq!(call.priority, None);
    assert_eq!(file.unknown_columns, ["priority"]);
}

#[test]
fn mapped_column_missing_from_header_lists_the_header() {
    let error = read_error(
        "Date,Longitude,Latitude\n2020-01-01,1,2\n",
        &options("time=Occurred", "UTC"),
    );
    assert!(error.starts_with("calls.csv:1: "), "{error}");
    check_contains(
        &error,
        &[
            "time='Occurred'",
            "no column 'Occurred'",
            "'Date', 'Longitude', 'Latitude'",
        ],
    );
    let error = read_error("When,lon,lat\n2020-01-01,1,2\n", &CallsOptions::default());
    check_contains(
        &error,
        &["no 'time' column", "--columns time=<header name>", "'When'"],
    );
}

#[test]
fn repeated_id_names_both_lines() {
    let text = "id,time,lon,lat\nA1,2020-01-01,1,2\nB2,2020-01-01,1,2\nA1,2020-01-02,1,2\n";
    let error = read_error(text, &CallsOptions::default());
    assert!(error.starts_with("calls.csv:4:1: "), "{error}");
    check_contains(&error, &["'A1'", "line 2", "line 4"]);
    let skipping = CallsOptions {
        skip_bad_rows: true,
        ..CallsOptions::default()
    };
    let file = read_ok(text, &skipping);
    assert_eq!(file.calls.len(), 2);
    assert_eq!(file.calls[0].at, utc(2020, 1, 1, 0, 0, 0));
    // An empty id is no id, and does not collide.
    let file = read_ok(
        "id,time,lon,lat\n,2020-01-01,1,2\n ,2020-01-01,1,2\n",
        &CallsOptions::default(),
    );
    assert!(file.calls.iter().all(|call| call.id.is_none()));
}

#[test]
fn bad_row_is_refused_with_file_line_column_and_expected_form() {
    let text = "id,lon,lat,time\n1,1,2,2020-01-01 08:00\n2,1,2,yesterday\n";
    let error = parse_calls(Path::new("calls.csv"), text, &CallsOptions::default())
        .expect_err("'yesterday' is not a time");
    match &error {
        FormatError::Invalid { at, message } => {
            assert_eq!((at.line, at.column), (3, 4));
            check_contains(
                message,
                &["'time' is 'yesterday'", "RFC 3339", "month first"],
            );
        }
        other => panic!("{other}"),
    }
    let day_first = read_error(
        "time,lon,lat\n25/12/2020 08:00,1,2\n",
        &CallsOptions::default(),
    );
    check_contains(
        &day_first,
        &[
            "calls.csv:2:1: ",
            "no month 25",
            "read month first",
            "'%d/%m/%Y %H:%M'",
        ],
    );
    let no_day = read_error("time,lon,lat\n2021-02-29,1,2\n", &CallsOptions::default());
    check_contains(&no_day, &["no day 29 in month 2 of 2021"]);
    let hour = read_error(
        "time,lon,lat\n2021-02-03 25:00,1,2\n",
        &CallsOptions::default(),
    );
    check_contains(&hour, &["25:00:00 is not a time of day"]);
    let empty = read_error("time,lon,lat\n ,1,2\n", &CallsOptions::default());
    check_contains(&empty, &["calls.csv:2:1: ", "'time' is empty"]);
    let mapped = read_error("When,lon,lat\nsoon,1,2\n", &options("time=When", "UTC"));
    check_contains(&mapped, &["'time' (column 'When') is 'soon'"]);
}

#[test]
fn optional_columns_are_read_and_checked() {
    let text = "id,time,lon,lat,category,type,priority,address,dispatched,arrived,deaths,injuries,loss\n\
        7, 2020-01-01 08:00 ,1,2, traffic ,COLLISION,p2,  Main St 5 ,2020-01-01 08:01,2020-01-01 08:09,1,2.0,1500.5\n\
        8,2020-01-01 09:00,1,2,,,,,,,,,\n";
    let file = read_ok(text, &options("", "+08:00"));
    let full = &file.calls[0];
    assert_eq!(full.id.as_deref(), Some("7"));
    assert_eq!(full.category.as_deref(), Some("traffic"));
    assert_eq!(full.case_type.as_deref(), Some("COLLISION"));
    assert_eq!(full.priority, Some(2));
    assert_eq!(full.address.as_deref(), Some("Main St 5"));
    assert_eq!(full.dispatched, Some(utc(2020, 1, 1, 0, 1, 0)));
    assert_eq!(full.arrived, Some(utc(2020, 1, 1, 0, 9, 0)));
    assert_eq!(
        (full.deaths, full.injuries, full.loss),
        (Some(1), Some(2), Some(1500.5))
    );
    let empty = &file.calls[1];
    assert_eq!(
        (
            &empty.category,
            &empty.case_type,
            empty.priority,
            &empty.address
        ),
        (&None, &None, None, &None)
    );
    assert_eq!((empty.dispatched, empty.arrived), (None, None));
    assert_eq!(
        (empty.deaths, empty.injuries, empty.loss),
        (None, None, None)
    );

    for (priority, level) in [("P1", 1), ("4", 4), ("p3", 3)] {
        let text = format!("time,lon,lat,priority\n2020-01-01,1,2,{priority}\n");
        assert_eq!(
            read_ok(&text, &CallsOptions::default()).calls[0].priority,
            Some(level)
        );
    }
    let header = "time,lon,lat,dispatched,arrived,deaths,loss,priority\n";
    let cases = [
        (
            "2020-01-01 08:00,1,2,2020-01-01 07:59,,,,",
            "2:4: ",
            "'dispatched' '2020-01-01 07:59' is before the call came in",
        ),
        (
            "2020-01-01 08:00,1,2,2020-01-01 08:05,2020-01-01 08:04,,,",
            "2:5: ",
            "'arrived' '2020-01-01 08:04' is before 'dispatched'",
        ),
        (
            "2020-01-01 08:00,1,2,,2020-01-01 07:00,,,",
            "2:5: ",
            "is before 'time' '2020-01-01 08:00'",
        ),
        (
            "2020-01-01 08:00,1,2,,,-1,,",
            "2:6: ",
            "'deaths' is '-1', not a whole number",
        ),
        (
            "2020-01-01 08:00,1,2,,,1.5,,",
            "2:6: ",
            "not a whole number",
        ),
        ("2020-01-01 08:00,1,2,,,,-3,", "2:7: ", "'loss' is '-3'"),
        ("2020-01-01 08:00,1,2,,,,inf,", "2:7: ", "'loss' is 'inf'"),
        (
            "2020-01-01 08:00,1,2,,,,,P5",
            "2:8: ",
            "'priority' is 'P5', not P1..P4",
        ),
        (
            "2020-01-01 08:00,1,2,,,,,high",
            "2:8: ",
            "'priority' is 'high'",
        ),
    ];
    for (row, position, message) in cases {
        let error = read_error(&format!("{header}{row}\n"), &CallsOptions::default());
        check_contains(&error, &[&format!("calls.csv:{position}"), message]);
    }
}

#[test]
fn skip_bad_rows_counts_them_and_keeps_the_first_five_reasons() {
    let mut text = String::from("time,lon,lat\n");
    for row in 0..10 {
        if row % 2 == 0 {
            text.push_str("2020-01-01 08:00,1,2\n");
        } else {
            text.push_str(&format!("never{row},1,2\n"));
        }
    }
    text.push_str("2020-01-01,0,0\n2020-01-01,1,2,3\n");
    let skipping = CallsOptions {
        skip_bad_rows: true,
        ..CallsOptions::default()
    };
    let file = read_ok(&text, &skipping);
    assert_eq!(file.calls.len(), 5);
    assert_eq!(file.skipped, 7);
    assert_eq!(file.skip_reasons.len(), 5);
    assert!(
        file.skip_reasons[0].starts_with("calls.csv:3:1: 'time' is 'never1'"),
        "{:?}",
        file.skip_reasons
    );
    assert!(file.skip_reasons[4].starts_with("calls.csv:11:1: 'time' is 'never9'"));
    // Every row bad: an error, not an empty file.
    let error = read_error("time,lon,lat\nx,1,2\ny,1,2\n", &skipping);
    check_contains(
        &error,
        &[
            "no calls: all 2 rows are bad",
            "calls.csv:2:1: 'time' is 'x'",
        ],
    );
}

#[test]
fn wrong_field_count_names_the_line() {
    let error = read_error(
        "time,lon,lat\n2020-01-01,1,2\n2020-01-01,1\n",
        &CallsOptions::default(),
    );
    assert!(error.starts_with("calls.csv:3: "), "{error}");
    check_contains(&error, &["2 fields but the header has 3"]);
}

#[test]
fn semicolon_and_tab_separated_files_read() {
    let semicolon = read_ok(
        "time;lon;lat;address\n2020-01-01 08:00;114.05;22.54;Shennan Rd, 5\n",
        &CallsOptions::default(),
    );
    assert_eq!(semicolon.calls[0].address.as_deref(), Some("Shennan Rd, 5"));
    assert_eq!(
        semicolon.calls[0].location,
        LonLat::new(114.05, 22.54).unwrap()
    );
    let tab = read_ok(
        "time\tlon\tlat\n2020-01-01 08:00\t114.05\t22.54\n",
        &CallsOptions::default(),
    );
    assert_eq!(tab.calls[0].location, LonLat::new(114.05, 22.54).unwrap());
}

#[test]
fn byte_order_mark_and_blank_lines_are_ignored() {
    let file = read_ok(
        "\u{feff}id,time,lon,lat\r\n\r\nA,2020-01-01 08:00,1,2\r\n",
        &CallsOptions::default(),
    );
    assert_eq!(file.calls[0].id.as_deref(), Some("A"));
    assert!(file.unknown_columns.is_empty());
    // Line numbers count the blank line.
    let error = read_error(
        "\u{feff}time,lon,lat\n\nbad,1,2\n",
        &CallsOptions::default(),
    );
    assert!(error.starts_with("calls.csv:3:1: "), "{error}");
}

#[test]
fn line_numbers_count_crlf_blank_lines_and_quoted_line_breaks() {
    let cases = [
        ("time,lon,lat\r\n2020-01-01,1,2\r\nbad,1,2\r\n", "calls.csv:3:1: "),
        ("time,lon,lat\r\n\r\n2020-01-01,1,2\r\n\r\n\r\nbad,1,2\r\n", "calls.csv:6:1: "),
        ("\n\ntime,lon,lat\nbad,1,2\n", "calls.csv:4:1: "),
        (
            "time,lon,lat,address\n2020-01-01,1,2,\"two\r\nlines\"\n2020-01-01,1,2,\"x\"\nbad,1,2,y\n",
            "calls.csv:5:1: ",
        ),
    ];
    for (text, position) in cases {
        let error = read_error(text, &CallsOptions::default());
        assert!(error.starts_with(position), "{text:?}: {error}");
    }
}

#[test]
fn empty_file_and_header_only_have_no_calls() {
    for text in ["", "\u{feff}", "\n \n"] {
        check_contains(
            &read_error(text, &CallsOptions::default()),
            &["calls.csv:1: ", "the file is empty, so it has no calls"],
        );
    }
    check_contains(
        &read_error("time,lon,lat\n", &CallsOptions::default()),
        &["calls.csv:1: ", "a header but no calls"],
    );
}

#[test]
fn unknown_columns_are_listed_once_in_header_order() {
    let file = read_ok(
        "beat,time,Lng,Latitude,,officer\nC3,2020-01-01,1,2,x,Smith\nC2,2020-01-01,1,2,y,Lee\n",
        &CallsOptions::default(),
    );
    assert_eq!(file.calls.len(), 2);
    assert_eq!(
        file.unknown_columns,
        ["beat", "(unnamed column 5)", "officer"]
    );
}

#[test]
fn long_fields_are_refused() {
    let text = format!(
        "time,lon,lat,address\n2020-01-01,1,2,{}\n",
        "x".repeat(70_000)
    );
    check_contains(
        &read_error(&text, &CallsOptions::default()),
        &[
            "calls.csv:2:4: ",
            "70000 bytes is longer than the limit of 65536 bytes",
        ],
    );
}

#[test]
fn an_unclosed_quote_is_stopped_at_the_row_bound() {
    let mut text = String::from("time,lon,lat\n2020-01-01,1,2\n2020-01-02,1,\"2\n");
    for _ in 0..20_000 {
        text.push_str("2020-01-03,1,2,and more text after the quote that never closes\n");
    }
    let error = read_error(&text, &CallsOptions::default());
    assert!(
        error.starts_with("calls.csv:3: a row (or the header) runs past"),
        "{error}"
    );
    check_contains(&error, &["closing double quote"]);
}

#[test]
fn a_header_must_end_within_a_mebibyte() {
    for text in [
        "\n".repeat(2 << 20),
        format!("time,lon,lat{}", ",x".repeat(600_000)),
    ] {
        let error = read_error(&text, &CallsOptions::default());
        check_contains(
            &error,
            &["calls.csv:1: no header line ends within the first 1048576 bytes"],
        );
    }
}

#[test]
fn text_that_is_not_utf8_names_its_field() {
    let mut bytes = b"time,lon,lat,address\n2020-01-01,1,2,Main\n2020-01-01,1,2,Stra".to_vec();
    bytes.extend([0xDF, b'e', b'\n']);
    let directory = std::env::temp_dir().join(format!("pingan-latin1-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("a temporary directory");
    let path = directory.join("latin1.csv");
    std::fs::write(&path, bytes).expect("written");
    let error = read_calls(&path, &CallsOptions::default()).expect_err("Latin-1 byte");
    let skipping = CallsOptions {
        skip_bad_rows: true,
        ..CallsOptions::default()
    };
    let file = read_calls(&path, &skipping).expect("the UTF-8 row reads");
    std::fs::remove_dir_all(&directory).expect("removed");
    check_contains(
        &error.to_string(),
        &["latin1.csv:3:4: ", "not UTF-8 text; save the file as UTF-8"],
    );
    assert_eq!((file.calls.len(), file.skipped), (1, 1));
}

#[test]
fn given_time_format_replaces_detection() {
    let mut day_first = options("", "Europe/London");
    day_first.time_format = Some("%d/%m/%Y %H:%M".into());
    let file = read_ok(
        "time,lon,lat\n25/12/2020 08:00,1,2\n01/07/2020 08:00,1,2\n",
        &day_first,
    );
    assert_eq!(file.calls[0].at, utc(2020, 12, 25, 8, 0, 0));
    assert_eq!(file.calls[1].at, utc(2020, 7, 1, 7, 0, 0));
    assert_eq!(file.calls[1].utc_offset_minutes, 60);
    assert_eq!(
        file.detected_time_form,
        "the given format '%d/%m/%Y %H:%M', read in Europe/London"
    );
    let error = read_error("time,lon,lat\n2020-12-25 08:00,1,2\n", &day_first);
    check_contains(
        &error,
        &[
            "calls.csv:2:1: ",
            "does not match the time format '%d/%m/%Y %H:%M'",
        ],
    );
    let dates = CallsOptions {
        time_format: Some("%Y%m%d".into()),
        ..CallsOptions::default()
    };
    let call = &read_ok("time,lon,lat\n20201225,1,2\n", &dates).calls[0];
    assert_eq!(
        (call.at, call.time_of_day_known),
        (utc(2020, 12, 25, 0, 0, 0), false)
    );
    let broken = CallsOptions {
        time_format: Some("%Y-%Q".into()),
        ..CallsOptions::default()
    };
    check_contains(
        &read_error("time,lon,lat\n2020,1,2\n", &broken),
        &["'%Y-%Q' is not a chrono strftime format"],
    );
}

#[test]
fn each_row_may_use_another_form_than_the_first() {
    let file = read_ok(
        "time,lon,lat\n2020-01-01T08:00:00+08:00,1,2\n1/1/2020 8:00 AM,1,2\n2020年1月1日 08:00,1,2\n",
        &options("", "Asia/Shanghai"),
    );
    assert_eq!(
        file.detected_time_form,
        "RFC 3339 YYYY-MM-DDTH:MM:SS±HH:MM, with offset, read in Asia/Shanghai"
    );
    assert!(file
        .calls
        .iter()
        .all(|call| call.at == utc(2020, 1, 1, 0, 0, 0)));
}

#[test]
fn time_zones_parse_and_unknown_names_get_suggestions() {
    assert_eq!(TimeZone::parse("UTC"), Ok(TimeZone::UTC));
    assert_eq!(TimeZone::parse("Z"), Ok(TimeZone::UTC));
    assert_eq!(
        TimeZone::parse("+08:00"),
        Ok(TimeZone::Fixed {
            offset_minutes: 480
        })
    );
    assert_eq!(
        TimeZone::parse("-0700"),
        Ok(TimeZone::Fixed {
            offset_minutes: -420
        })
    );
    assert_eq!(
        TimeZone::parse("+5:30"),
        Ok(TimeZone::Fixed {
            offset_minutes: 330
        })
    );
    assert_eq!(
        TimeZone::parse("UTC+8"),
        Ok(TimeZone::Fixed {
            offset_minutes: 480
        })
    );
    assert_eq!(
        TimeZone::parse("asia/shanghai").map(|zone| zone.to_string()),
        Ok("Asia/Shanghai".to_string())
    );
    assert_eq!(TimeZone::parse("-07:00").unwrap().to_string(), "-07:00");
    check_contains(
        &TimeZone::parse("+25:00").expect_err("too far").to_string(),
        &["not a UTC offset"],
    );
    match TimeZone::parse("Asia/Shanghia").expect_err("misspelt") {
        CallsOptionsError::UnknownTimeZone { nearest, .. } => {
            assert_eq!(nearest[0], "Asia/Shanghai", "{nearest:?}")
        }
        other => panic!("{other}"),
    }
    let error = TimeZone::parse("Seattle")
        .expect_err("a city, not a zone")
        .to_string();
    check_contains(
        &error,
        &[
            "unknown time zone 'Seattle' (nearest: ",
            "Asia/Shanghai or America/Los_Angeles",
        ],
    );
    let error = TimeZone::parse("Los_Angeles")
        .expect_err("no region")
        .to_string();
    check_contains(&error, &["America/Los_Angeles"]);
}

#[test]
fn written_calls_read_back_exactly() {
    let call = |id: &str, at: Timestamp, offset: i32| CallRecord {
        id: Some(id.to_string()),
        at,
        utc_offset_minutes: offset,
        time_of_day_known: true,
        location: LonLat::new(-122.3219525, 47.69889818).unwrap(),
        category: None,
        case_type: None,
        priority: None,
        address: None,
        dispatched: None,
        arrived: None,
        deaths: None,
        injuries: None,
        loss: None,
    };
    let calls = vec![
        call("plain", utc(2015, 12, 31, 4, 42, 0), -480),
        CallRecord {
            category: Some("traffic".into()),
            case_type: Some("入室盗窃, \"night\"".into()),
            priority: Some(1),
            address: Some("5XX BLOCK OF NE 96 PL".into()),
            dispatched: Some(Timestamp(utc(2016, 8, 10, 6, 4, 0).0 + 123)),
            arrived: Some(utc(2016, 8, 10, 6, 15, 30)),
            deaths: Some(0),
            injuries: Some(3),
            loss: Some(12_345.67),
            location: LonLat::new(114.059_560_123_456_7, 22.543_096_987_654_3).unwrap(),
            ..call("full", Timestamp(utc(2016, 8, 10, 6, 3, 0).0 + 7), 480)
        },
        CallRecord {
            time_of_day_known: false,
            id: None,
            ..call("", utc(2016, 8, 9, 16, 0, 0), 480)
        },
        call("west", utc(2020, 1, 1, 0, 0, 0), -150),
    ];
    let directory = std::env::temp_dir().join(format!("pingan-calls-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("a temporary directory");
    let path = directory.join("calls.csv");
    write_calls(&path, &calls).expect("written");
    let text = std::fs::read_to_string(&path).expect("readable");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("id,time,lon,lat,category,type,priority,address,dispatched,arrived,deaths,injuries,loss")
    );
    assert_eq!(
        lines.next(),
        Some("plain,2015-12-30T20:42:00-08:00,-122.3219525,47.69889818,,,,,,,,,")
    );
    let back = read_calls(&path, &CallsOptions::default()).expect("read back");
    std::fs::remove_dir_all(&directory).expect("removed");
    assert_eq!(back.calls, calls);
    assert!(back.unknown_columns.is_empty());
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let error = read_calls(
        Path::new("/nonexistent/calls.csv"),
        &CallsOptions::default(),
    )
    .expect_err("no such file");
    assert!(matches!(error, FormatError::Io { .. }));
    check_contains(&error.to_string(), &["/nonexistent/calls.csv"]);
}
