//! Point files as spreadsheets and newcomers write them: semicolons or tabs, a byte order mark,
//! CRLF line ends, blank lines, and lat,lon where lon,lat belongs (issue 15).

use formats::points::{parse_points_csv, parse_tagged_points_csv, read_points};
use measure::LonLat;
use std::path::{Path, PathBuf};

fn temporary(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("pingan-points-{}-{name}", std::process::id()))
}

fn read_file(name: &str, bytes: &[u8]) -> Result<Vec<formats::points::NamedPoint>, String> {
    let file = temporary(name);
    std::fs::write(&file, bytes).unwrap();
    let result =
        read_points(&file).map_err(|e| e.to_string().replace(&file.display().to_string(), "FILE"));
    std::fs::remove_file(&file).ok();
    result
}

fn error(text: &str) -> String {
    parse_points_csv(Path::new("stations.csv"), text)
        .unwrap_err()
        .to_string()
}

#[test]
fn semicolon_and_tab_separated_files_are_read_issue_15() {
    let expected = vec![
        (String::from("HD-01"), 8.6931, 49.4094, Some(2.0)),
        (String::from("HD 02"), 8.7, 49.41, Some(0.5)),
    ];
    let semicolons = read_file(
        "semicolons.csv",
        b"\xEF\xBB\xBFid;lon;lat;weight\r\nHD-01;8.6931;49.4094;2\r\nHD 02;8.7;49.41;0.5\r\n",
    )
    .unwrap();
    let tabs = read_file(
        "tabs.csv",
        b"id\tlon\tlat\tweight\nHD-01\t8.6931\t49.4094\t2\nHD 02\t8.7\t49.41\t0.5\n",
    )
    .unwrap();
    for points in [semicolons, tabs] {
        let read: Vec<_> = points
            .into_iter()
            .map(|p| (p.id, p.position.lon, p.position.lat, p.weight))
            .collect();
        assert_eq!(read, expected);
    }
    // Spreadsheets that separate by ';' often write decimal commas.
    assert_eq!(
        error("id;lon;lat\nHD-01;8,6931;49,4094\n"),
        "stations.csv:2:2: 'lon' is '8,6931', not a number; write decimals with a point (8.6931)"
    );
    // A comma in the header keeps commas as the separator, even with semicolons in names.
    let mixed = parse_points_csv(
        Path::new("stations.csv"),
        "id,lon,lat\n\"A;B\",8.69,49.41\n",
    )
    .unwrap();
    assert_eq!(mixed[0].id, "A;B");
    // Tagged points share the reader.
    let places = parse_tagged_points_csv(
        Path::new("places.csv"),
        "id;lon;lat;kind\nKP-1;8.69;49.41;key_place\n",
        "kind",
        &["key_place"],
    )
    .unwrap();
    assert_eq!(places[0].tag, "key_place");
}

#[test]
fn swapped_coordinates_are_named_with_file_line_and_column_issue_15() {
    assert_eq!(
        error("id,lon,lat\nHD-01,8.6931,49.4094\nSZ-01,22.5405,114.0246\n"),
        "stations.csv:3:3: lon 22.5405 and lat 114.0246: lon and lat look swapped (the header order is id,lon,lat); a latitude lies in -90..90, so swap the values or the column names"
    );
    // The header names the columns lat,lon but the values are lon,lat.
    assert_eq!(
        error("id,lat,lon\nSZ-01,114.0246,22.5405\n"),
        "stations.csv:2:2: lon 22.5405 and lat 114.0246: lon and lat look swapped (the header order is id,lat,lon); a latitude lies in -90..90, so swap the values or the column names"
    );
    // Out of range both ways: no swap hint.
    assert_eq!(
        error("id,lon,lat\nA,249.4,98.69\n"),
        "stations.csv:2:2: (249.4, 98.69) is not a longitude,latitude pair: longitude must lie in -180..180 and latitude in -90..90"
    );
}

#[test]
fn line_numbers_count_crlf_and_blank_lines_issue_15() {
    // Lines: 1 blank, 2 header, 3 A, 4 blank, 5 blank, 6 B, 7 blank, 8 bad.
    let crlf = "\r\nid,lon,lat\r\nA,8.69,49.41\r\n\r\n\r\nB,8.70,49.40\r\n\r\nC,8.71,north\r\n";
    assert_eq!(
        read_file("crlf.csv", crlf.as_bytes()).unwrap_err(),
        "FILE:8:3: 'lat' is 'north', not a number"
    );
    let with_bom = [b"\xEF\xBB\xBF".as_slice(), crlf.as_bytes()].concat();
    assert_eq!(
        read_file("bom-crlf.csv", &with_bom).unwrap_err(),
        "FILE:8:3: 'lat' is 'north', not a number"
    );
    let lf = crlf.replace("\r\n", "\n");
    assert_eq!(
        read_file("lf.csv", lf.as_bytes()).unwrap_err(),
        "FILE:8:3: 'lat' is 'north', not a number"
    );
    // Row-shape errors and duplicates use the same count.
    assert_eq!(
        read_file("short-row.csv", b"id,lon,lat\r\nA,8.69,49.41\r\n\r\nB,8.7\r\n").unwrap_err(),
        "FILE:4: the row has 2 fields but the header has 3; a value holding the separator needs double quotes"
    );
    assert_eq!(
        read_file(
            "twice.csv",
            b"id,lon,lat\r\nA,8.69,49.41\r\n\r\nA,8.7,49.4\r\n"
        )
        .unwrap_err(),
        "FILE:4:1: id 'A' appears twice"
    );
    assert_eq!(
        read_file("blank.csv", b"\r\n \r\n").unwrap_err(),
        "FILE:1: the file is empty; expected a header id,lon,lat[,weight] and one point per line"
    );
    let good = read_file("good-crlf.csv", crlf.replace(",north", ",49.42").as_bytes()).unwrap();
    assert_eq!(good.len(), 3);
    assert_eq!(good[2].position, LonLat::new(8.71, 49.42).unwrap());
}

#[test]
fn geojson_points_skip_a_bom_and_name_swapped_coordinates_issue_15() {
    let feature = |lon: f64, lat: f64| {
        format!(
            r#"{{"type":"Feature","geometry":{{"type":"Point","coordinates":[{lon},{lat}]}},"properties":{{"id":"P"}}}}"#
        )
    };
    let collection = |feature: String| {
        format!("\u{feff}{{\"type\":\"FeatureCollection\",\"features\":[{feature}]}}")
    };
    let points = read_file(
        "points.geojson",
        collection(feature(8.69, 49.41)).as_bytes(),
    )
    .unwrap();
    assert_eq!(points[0].position, LonLat::new(8.69, 49.41).unwrap());
    assert_eq!(
        read_file(
            "swapped.geojson",
            collection(feature(22.5405, 114.0246)).as_bytes()
        )
        .unwrap_err(),
        "FILE:0: feature 0: coordinates [22.5405, 114.0246]: lon and lat look swapped (GeoJSON gives [lon, lat]); a latitude lies in -90..90, so swap the two numbers"
    );
}
