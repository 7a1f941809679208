//! Named points: stations, demand points, key places. CSV with header `id,lon,lat` and an
//! optional `weight`, or GeoJSON Point features with an `id` property.
//!
//! The CSV may start with a byte order mark and be separated by `;` or tabs (spreadsheet exports
//! in many locales): a header without a comma but with semicolons or tabs decides. Errors name
//! file:line:column with lines counted in the text itself, CRLF and blank lines included.

use crate::{geojson, FormatError};
use measure::LonLat;
use std::collections::HashSet;
use std::path::Path;

#[derive(Debug, Clone, PartialEq)]
pub struct NamedPoint {
    pub id: String,
    pub position: LonLat,
    /// How much the point matters (calls, people); `None` when the file has no weight column.
    pub weight: Option<f64>,
}

/// Reads points from `.csv` or `.geojson`/`.json`, chosen by the file's extension.
pub fn read_points(path: &Path) -> Result<Vec<NamedPoint>, FormatError> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("geojson") | Some("json") => geojson::read_point_features(path),
        _ => read_points_csv(path),
    }
}

/// Reads a CSV with header `id,lon,lat` and an optional `weight` column (any column order).
pub fn read_points_csv(path: &Path) -> Result<Vec<NamedPoint>, FormatError> {
    let text = std::fs::read_to_string(path).map_err(|source| FormatError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    parse_points_csv(path, &text)
}

/// Parses point CSV text; `path` only names the file in errors.
pub fn parse_points_csv(path: &Path, text: &str) -> Result<Vec<NamedPoint>, FormatError> {
    Ok(parse_rows(path, text, None)?
        .into_iter()
        .map(|tagged| tagged.point)
        .collect())
}

/// A point with a kind from a fixed list, e.g. a key place (`key_place`, `must_visit`).
#[derive(Debug, Clone, PartialEq)]
pub struct TaggedPoint {
    pub point: NamedPoint,
    /// One of the allowed tags, as written in the file.
    pub tag: String,
    /// The optional `name` column; empty when absent.
    pub name: String,
}

/// Reads a CSV with header `id,lon,lat,<tag_column>` and optional `weight` and `name` columns;
/// every tag must be one of `allowed`.
pub fn read_tagged_points_csv(
    path: &Path,
    tag_column: &str,
    allowed: &[&str],
) -> Result<Vec<TaggedPoint>, FormatError> {
    let text = std::fs::read_to_string(path).map_err(|source| FormatError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    parse_rows(path, &text, Some((tag_column, allowed)))
}

/// Parses tagged point CSV text; `path` only names the file in errors.
pub fn parse_tagged_points_csv(
    path: &Path,
    text: &str,
    tag_column: &str,
    allowed: &[&str],
) -> Result<Vec<TaggedPoint>, FormatError> {
    parse_rows(path, text, Some((tag_column, allowed)))
}

/// A comma unless the header has none but has semicolons or tabs.
fn detect_separator(header_line: &str) -> u8 {
    if header_line.contains(',') {
        return b',';
    }
    let semicolons = header_line.matches(';').count();
    let tabs = header_line.matches('\t').count();
    match (semicolons, tabs) {
        (0, 0) => b',',
        (semicolons, tabs) if semicolons >= tabs => b';',
        _ => b'\t',
    }
}

/// The 1-based line of the record the csv crate places at byte `offset` of `text`. The crate's
/// own `Position::line` lags after CRLF line ends and blank lines: a record's position is taken
/// before the line ends that precede it, so those are skipped here before counting.
fn line_of_record_at(text: &str, offset: u64) -> u64 {
    let bytes = text.as_bytes();
    let mut start = (offset as usize).min(bytes.len());
    while start < bytes.len() && (bytes[start] == b'\n' || bytes[start] == b'\r') {
        start += 1;
    }
    1 + bytes[..start].iter().filter(|&&byte| byte == b'\n').count() as u64
}

fn parse_rows(
    path: &Path,
    text: &str,
    tag: Option<(&str, &[&str])>,
) -> Result<Vec<TaggedPoint>, FormatError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let expected = match tag {
        Some((column, _)) => format!("id,lon,lat,{column}[,name][,weight]"),
        None => "id,lon,lat[,weight]".to_string(),
    };
    let Some((header_index, header_line)) = text
        .lines()
        .enumerate()
        .find(|(_, line)| !line.trim().is_empty())
    else {
        return Err(FormatError::invalid(
            path,
            1,
            0,
            format!("the file is empty; expected a header {expected} and one point per line"),
        ));
    };
    let header_line_number = header_index as u64 + 1;
    let separator = detect_separator(header_line);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .delimiter(separator)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| {
            FormatError::invalid(
                path,
                header_line_number,
                0,
                format!("unreadable header: {e}"),
            )
        })?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let missing = |name: &str| {
        FormatError::invalid(
            path,
            header_line_number,
            0,
            format!("the header has no '{name}' column; expected {expected}"),
        )
    };
    let id_column = column("id").ok_or_else(|| missing("id"))?;
    let lon_column = column("lon").ok_or_else(|| missing("lon"))?;
    let lat_column = column("lat").ok_or_else(|| missing("lat"))?;
    let weight_column = column("weight");
    let tag_column = match tag {
        Some((name, _)) => Some(column(name).ok_or_else(|| missing(name))?),
        None => None,
    };
    let name_column = tag.and_then(|_| column("name"));
    let header_order = headers.iter().collect::<Vec<_>>().join(",");

    let mut points = Vec::new();
    let mut seen = HashSet::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e
                .position()
                .map(|p| line_of_record_at(text, p.byte()))
                .unwrap_or(0);
            let message = match e.kind() {
                csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => format!(
                    "the row has {len} fields but the header has {expected_len}; a value holding the separator needs double quotes"
                ),
                _ => format!("broken CSV row: {e}"),
            };
            FormatError::invalid(path, line, 0, message)
        })?;
        let line = record
            .position()
            .map(|p| line_of_record_at(text, p.byte()))
            .unwrap_or(0);
        let field = |index: usize, name: &str| {
            record
                .get(index)
                .filter(|value| !value.is_empty())
                .ok_or_else(|| {
                    FormatError::invalid(path, line, index as u64 + 1, format!("'{name}' is empty"))
                })
        };
        let number = |index: usize, name: &str| -> Result<f64, FormatError> {
            let value = field(index, name)?;
            value
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    let decimal_point = value.replace(',', ".");
                    let hint = if decimal_point.parse::<f64>().is_ok_and(f64::is_finite) {
                        format!("; write decimals with a point ({decimal_point})")
                    } else {
                        String::new()
                    };
                    FormatError::invalid(
                        path,
                        line,
                        index as u64 + 1,
                        format!("'{name}' is '{value}', not a number{hint}"),
                    )
                })
        };
        let id = field(id_column, "id")?.to_string();
        let lon = number(lon_column, "lon")?;
        let lat = number(lat_column, "lat")?;
        let position = LonLat::new(lon, lat).map_err(|e| {
            if LonLat::new(lat, lon).is_ok() {
                FormatError::invalid(
                    path,
                    line,
                    lat_column as u64 + 1,
                    format!("lon {lon} and lat {lat}: lon and lat look swapped (the header order is {header_order}); a latitude lies in -90..90, so swap the values or the column names"),
                )
            } else {
                FormatError::invalid(path, line, lon_column as u64 + 1, e.to_string())
            }
        })?;
        let weight = match weight_column {
            Some(index) => {
                let weight = number(index, "weight")?;
                if weight < 0.0 {
                    return Err(FormatError::invalid(
                        path,
                        line,
                        index as u64 + 1,
                        format!("weight {weight} is negative"),
                    ));
                }
                Some(weight)
            }
            None => None,
        };
        if !seen.insert(id.clone()) {
            return Err(FormatError::invalid(
                path,
                line,
                id_column as u64 + 1,
                format!("id '{id}' appears twice"),
            ));
        }
        let tag = match (tag, tag_column) {
            (Some((name, allowed)), Some(index)) => {
                let value = field(index, name)?;
                if !allowed.contains(&value) {
                    return Err(FormatError::invalid(
                        path,
                        line,
                        index as u64 + 1,
                        format!("'{name}' is '{value}'; use one of {}", allowed.join(", ")),
                    ));
                }
                value.to_string()
            }
            _ => String::new(),
        };
        let name = name_column
            .and_then(|index| record.get(index))
            .unwrap_or_default()
            .to_string();
        points.push(TaggedPoint {
            point: NamedPoint {
                id,
                position,
                weight,
            },
            tag,
            name,
        });
    }
    if points.is_empty() {
        return Err(FormatError::invalid(
            path,
            header_line_number,
            0,
            "the file has a header but no points",
        ));
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<NamedPoint>, FormatError> {
        parse_points_csv(Path::new("stations.csv"), text)
    }

    #[test]
    fn reads_points_with_and_without_weight() {
        let points = parse("id,lon,lat\nA,8.69,49.41\nB, 8.70 ,49.40\n").unwrap();
        assert_eq!(points.len(), 2);
        assert_eq!(
            points[1].position,
            LonLat {
                lon: 8.70,
                lat: 49.40
            }
        );
        assert_eq!(points[0].weight, None);
        let weighted = parse("lat,lon,id,weight\n49.41,8.69,A,2.5\n").unwrap();
        assert_eq!(weighted[0].weight, Some(2.5));
        assert_eq!(weighted[0].position.lon, 8.69);
    }

    #[track_caller]
    fn check_error(text: &str, expected: &str) {
        let message = parse(text).unwrap_err().to_string();
        assert_eq!(message, expected);
    }

    #[test]
    fn tagged_points_check_their_tag() {
        let kinds = ["key_place", "must_visit"];
        let text = "id,name,lon,lat,kind\nKP-1,Station square,8.69,49.41,key_place\nMV-1,,8.70,49.40,must_visit\n";
        let places =
            parse_tagged_points_csv(Path::new("places.csv"), text, "kind", &kinds).unwrap();
        assert_eq!(places.len(), 2);
        assert_eq!(
            (places[0].tag.as_str(), places[0].name.as_str()),
            ("key_place", "Station square")
        );
        assert_eq!(
            (places[1].tag.as_str(), places[1].name.as_str()),
            ("must_visit", "")
        );
        let wrong = parse_tagged_points_csv(
            Path::new("places.csv"),
            "id,lon,lat,kind\nKP-1,8.69,49.41,school\n",
            "kind",
            &kinds,
        )
        .unwrap_err();
        assert_eq!(
            wrong.to_string(),
            "places.csv:2:4: 'kind' is 'school'; use one of key_place, must_visit"
        );
        let missing = parse_tagged_points_csv(
            Path::new("places.csv"),
            "id,lon,lat\nKP-1,8.69,49.41\n",
            "kind",
            &kinds,
        )
        .unwrap_err();
        assert_eq!(
            missing.to_string(),
            "places.csv:1: the header has no 'kind' column; expected id,lon,lat,kind[,name][,weight]"
        );
    }

    #[test]
    fn errors_name_file_line_and_column() {
        check_error(
            "id,lon,lat\nA,8.69,north\n",
            "stations.csv:2:3: 'lat' is 'north', not a number",
        );
        check_error(
            "id,lon,lat\nA,8.69,49.4\nA,8.7,49.4\n",
            "stations.csv:3:1: id 'A' appears twice",
        );
        check_error(
            "name,lon,lat\nA,8.69,49.4\n",
            "stations.csv:1: the header has no 'id' column; expected id,lon,lat[,weight]",
        );
        check_error(
            "id,lon,lat\nA,249.4,8.69\n",
            "stations.csv:2:2: (249.4, 8.69) is not a longitude,latitude pair: longitude must lie in -180..180 and latitude in -90..90",
        );
        check_error(
            "id,lon,lat,weight\nA,8.6,49.4,-1\n",
            "stations.csv:2:4: weight -1 is negative",
        );
        check_error(
            "id,lon,lat\nA,8.6\n",
            "stations.csv:2: the row has 2 fields but the header has 3; a value holding the separator needs double quotes",
        );
        check_error(
            "id,lon,lat\n",
            "stations.csv:1: the file has a header but no points",
        );
    }
}
