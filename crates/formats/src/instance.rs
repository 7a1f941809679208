//! The coverage-instance directory (demand.csv, sites.csv, cost.csv), so that pingan and other
//! siting tools can solve the same numbers and compare answers. See
//! shared/formats/coverage-instance.md; errors name the file, line and column.

use crate::FormatError;
use measure::{LonLat, Seconds};
use std::collections::HashMap;
use std::io::{BufRead, Read, Write};
use std::path::Path;

pub const DEMAND_FILE: &str = "demand.csv";
pub const SITES_FILE: &str = "sites.csv";
pub const COST_FILE: &str = "cost.csv";

#[derive(Debug, Clone, PartialEq)]
pub struct InstanceDemand {
    pub id: String,
    pub position: LonLat,
    /// How much the point matters; at least 0.
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InstanceSite {
    pub id: String,
    pub position: LonLat,
    /// An existing station that stays open and counts toward p.
    pub fixed: bool,
}

/// Travel time from `sites[site]` to `demand[demand]` (indices into the instance's lists).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InstanceCost {
    pub demand: usize,
    pub site: usize,
    pub seconds: Seconds,
}

/// A coverage instance as the three files hold it. Pairs not in `costs` are unreachable.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CoverageInstance {
    pub demand: Vec<InstanceDemand>,
    pub sites: Vec<InstanceSite>,
    pub costs: Vec<InstanceCost>,
}

/// Reads `directory/{demand,sites,cost}.csv`.
pub fn read_instance(directory: &Path) -> Result<CoverageInstance, FormatError> {
    let open = |name: &str| {
        let path = directory.join(name);
        std::fs::File::open(&path)
            .map(|file| {
                (
                    std::io::BufReader::with_capacity(1 << 20, file),
                    path.clone(),
                )
            })
            .map_err(|source| FormatError::Io { file: path, source })
    };
    let (file, path) = open(DEMAND_FILE)?;
    let demand = parse_demand(&path, file)?;
    let (file, path) = open(SITES_FILE)?;
    let sites = parse_sites(&path, file)?;
    let (file, path) = open(COST_FILE)?;
    let costs = parse_costs(&path, file, &demand, &sites)?;
    Ok(CoverageInstance {
        demand,
        sites,
        costs,
    })
}

/// Writes the three files into `directory`, creating it if needed. Numbers are written in
/// Rust's shortest round-trip form, so reading them back gives the same values.
pub fn write_instance(directory: &Path, instance: &CoverageInstance) -> Result<(), FormatError> {
    std::fs::create_dir_all(directory).map_err(|source| FormatError::Write {
        file: directory.to_path_buf(),
        source,
    })?;
    let write = |name: &str, fill: &dyn Fn(&mut dyn Write) -> std::io::Result<()>| {
        let path = directory.join(name);
        let result = std::fs::File::create(&path).and_then(|file| {
            let mut writer = std::io::BufWriter::with_capacity(1 << 20, file);
            fill(&mut writer)?;
            writer.flush()
        });
        result.map_err(|source| FormatError::Write { file: path, source })
    };
    write(DEMAND_FILE, &|out| {
        writeln!(out, "id,lon,lat,weight")?;
        for point in &instance.demand {
            writeln!(
                out,
                "{},{},{},{}",
                quoted(&point.id),
                point.position.lon,
                point.position.lat,
                point.weight
            )?;
        }
        Ok(())
    })?;
    write(SITES_FILE, &|out| {
        writeln!(out, "id,lon,lat,fixed")?;
        for site in &instance.sites {
            writeln!(
                out,
                "{},{},{},{}",
                quoted(&site.id),
                site.position.lon,
                site.position.lat,
                u8::from(site.fixed)
            )?;
        }
        Ok(())
    })?;
    write(COST_FILE, &|out| {
        writeln!(out, "demand_id,site_id,seconds")?;
        for cost in &instance.costs {
            writeln!(
                out,
                "{},{},{}",
                quoted(&instance.demand[cost.demand].id),
                quoted(&instance.sites[cost.site].id),
                cost.seconds.0
            )?;
        }
        Ok(())
    })
}

fn quoted(id: &str) -> String {
    if id.contains([',', '"', '\n', '\r']) || id.trim() != id {
        format!("\"{}\"", id.replace('"', "\"\""))
    } else {
        id.to_string()
    }
}

/// Column positions found in a header, by name (any order, any case).
struct Columns<'a> {
    path: &'a Path,
    headers: Vec<Vec<u8>>,
    expected: String,
}

impl Columns<'_> {
    fn find(&self, name: &str) -> Result<usize, FormatError> {
        self.headers
            .iter()
            .position(|header| header.trim_ascii().eq_ignore_ascii_case(name.as_bytes()))
            .ok_or_else(|| {
                FormatError::invalid(
                    self.path,
                    1,
                    0,
                    format!(
                        "the header has no '{name}' column; expected {}",
                        self.expected
                    ),
                )
            })
    }
}

/// One data row with its line, for errors that point at a cell.
struct Cells<'a> {
    path: &'a Path,
    record: &'a Fields,
    line: u64,
}

impl<'a> Cells<'a> {
    fn text(&self, index: usize, name: &str) -> Result<&'a str, FormatError> {
        let raw = self.record.get(index).unwrap_or_default();
        let value = std::str::from_utf8(raw)
            .map_err(|_| self.error(index, format!("'{name}' is not UTF-8 text")))?
            .trim();
        if value.is_empty() {
            return Err(self.error(index, format!("'{name}' is empty")));
        }
        Ok(value)
    }

    fn number(&self, index: usize, name: &str) -> Result<f64, FormatError> {
        let value = self.text(index, name)?;
        value
            .parse::<f64>()
            .ok()
            .filter(|number| number.is_finite())
            .ok_or_else(|| self.error(index, format!("'{name}' is '{value}', not a number")))
    }

    fn non_negative(&self, index: usize, name: &str) -> Result<f64, FormatError> {
        let number = self.number(index, name)?;
        if number < 0.0 {
            return Err(self.error(
                index,
                format!("{name} {number} is negative; it must be at least 0"),
            ));
        }
        Ok(number)
    }

    fn position(&self, lon: usize, lat: usize) -> Result<LonLat, FormatError> {
        let (lon_value, lat_value) = (self.number(lon, "lon")?, self.number(lat, "lat")?);
        LonLat::new(lon_value, lat_value).map_err(|error| self.error(lon, error.to_string()))
    }

    fn error(&self, index: usize, message: String) -> FormatError {
        FormatError::invalid(self.path, self.line, index as u64 + 1, message)
    }
}

/// The fields of one CSV line, unquoted.
#[derive(Default)]
struct Fields {
    text: Vec<u8>,
    ends: Vec<usize>,
}

impl Fields {
    fn get(&self, index: usize) -> Option<&[u8]> {
        let end = *self.ends.get(index)?;
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        Some(&self.text[start..end])
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.len()).map(|index| self.get(index).expect("index in range"))
    }

    /// Splits one line (RFC 4180 quoting, no field spanning lines).
    fn split(&mut self, line: &[u8]) -> Result<(), String> {
        self.text.clear();
        self.ends.clear();
        let mut position = 0;
        loop {
            if line.get(position) == Some(&b'"') {
                position += 1;
                loop {
                    match line.get(position) {
                        None => {
                            return Err(format!(
                                "field {} opens a quote that this line never closes (fields cannot span lines)",
                                self.ends.len() + 1
                            ))
                        }
                        Some(b'"') if line.get(position + 1) == Some(&b'"') => {
                            self.text.push(b'"');
                            position += 2;
                        }
                        Some(b'"') => {
                            position += 1;
                            break;
                        }
                        Some(&byte) => {
                            self.text.push(byte);
                            position += 1;
                        }
                    }
                }
                if !matches!(line.get(position), None | Some(b',')) {
                    return Err(format!(
                        "field {} has text after its closing quote",
                        self.ends.len() + 1
                    ));
                }
            } else {
                let length = line[position..]
                    .iter()
                    .position(|&byte| byte == b',')
                    .unwrap_or(line.len() - position);
                self.text
                    .extend_from_slice(&line[position..position + length]);
                position += length;
            }
            self.ends.push(self.text.len());
            if position >= line.len() {
                return Ok(());
            }
            position += 1; // the comma
        }
    }
}

/// Runs `row` on every data line of a CSV whose header names `names` (any order), counting
/// lines itself so that errors point at the real line, blank lines included.
fn each_record(
    path: &Path,
    reader: impl Read,
    names: &[&str],
    mut row: impl FnMut(&[usize], &Cells) -> Result<(), FormatError>,
) -> Result<usize, FormatError> {
    let mut reader = std::io::BufReader::with_capacity(1 << 16, reader);
    let mut line = Vec::new();
    let mut line_number = 0u64;
    let mut read_line = |line: &mut Vec<u8>| -> Result<bool, FormatError> {
        line.clear();
        let n = reader
            .read_until(b'\n', line)
            .map_err(|source| FormatError::Io {
                file: path.to_path_buf(),
                source,
            })?;
        while matches!(line.last(), Some(b'\n' | b'\r')) {
            line.pop();
        }
        Ok(n > 0)
    };
    let expected = names.join(",");
    if !read_line(&mut line)? {
        return Err(FormatError::invalid(
            path,
            1,
            0,
            format!("the file is empty; expected the header {expected}"),
        ));
    }
    line_number += 1;
    let mut fields = Fields::default();
    fields
        .split(line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&line))
        .map_err(|message| FormatError::invalid(path, 1, 0, message))?;
    let columns = Columns {
        path,
        headers: fields.iter().map(<[u8]>::to_vec).collect(),
        expected,
    };
    let indices = names
        .iter()
        .map(|name| columns.find(name))
        .collect::<Result<Vec<_>, _>>()?;
    let n_columns = columns.headers.len();
    let mut count = 0;
    while read_line(&mut line)? {
        line_number += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        fields
            .split(&line)
            .map_err(|message| FormatError::invalid(path, line_number, 0, message))?;
        if fields.len() != n_columns {
            return Err(FormatError::invalid(
                path,
                line_number,
                0,
                format!(
                    "the line has {} fields but the header has {n_columns}",
                    fields.len()
                ),
            ));
        }
        let cells = Cells {
            path,
            record: &fields,
            line: line_number,
        };
        row(&indices, &cells)?;
        count += 1;
    }
    Ok(count)
}

fn duplicate(cells: &Cells, index: usize, kind: &str, id: &str, first_line: u64) -> FormatError {
    cells.error(
        index,
        format!("{kind} id '{id}' appears twice (first on line {first_line}); ids must be unique"),
    )
}

/// Parses demand.csv (`id,lon,lat,weight`); `path` only names the file in errors.
pub fn parse_demand(path: &Path, reader: impl Read) -> Result<Vec<InstanceDemand>, FormatError> {
    let mut demand = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let count = each_record(
        path,
        reader,
        &["id", "lon", "lat", "weight"],
        |indices, cells| {
            let &[id_column, lon, lat, weight] = indices else {
                unreachable!("four names, four columns")
            };
            let id = cells.text(id_column, "id")?;
            if let Some(&first_line) = seen.get(id) {
                return Err(duplicate(cells, id_column, "demand", id, first_line));
            }
            let position = cells.position(lon, lat)?;
            let weight = cells.non_negative(weight, "weight")?;
            seen.insert(id.to_string(), cells.line);
            demand.push(InstanceDemand {
                id: id.to_string(),
                position,
                weight,
            });
            Ok(())
        },
    )?;
    if count == 0 {
        return Err(FormatError::invalid(
            path,
            1,
            0,
            "the file has a header but no demand points",
        ));
    }
    Ok(demand)
}

/// Parses sites.csv (`id,lon,lat,fixed` with fixed 0 or 1).
pub fn parse_sites(path: &Path, reader: impl Read) -> Result<Vec<InstanceSite>, FormatError> {
    let mut sites = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let count = each_record(
        path,
        reader,
        &["id", "lon", "lat", "fixed"],
        |indices, cells| {
            let &[id_column, lon, lat, fixed_column] = indices else {
                unreachable!("four names, four columns")
            };
            let id = cells.text(id_column, "id")?;
            if let Some(&first_line) = seen.get(id) {
                return Err(duplicate(cells, id_column, "site", id, first_line));
            }
            let position = cells.position(lon, lat)?;
            let fixed = match cells.text(fixed_column, "fixed")? {
                "0" => false,
                "1" => true,
                other => {
                    return Err(cells.error(
                        fixed_column,
                        format!(
                        "'fixed' is '{other}'; it must be 0 (candidate) or 1 (existing station)"
                    ),
                    ))
                }
            };
            seen.insert(id.to_string(), cells.line);
            sites.push(InstanceSite {
                id: id.to_string(),
                position,
                fixed,
            });
            Ok(())
        },
    )?;
    if count == 0 {
        return Err(FormatError::invalid(
            path,
            1,
            0,
            "the file has a header but no sites",
        ));
    }
    Ok(sites)
}

/// Parses cost.csv (`demand_id,site_id,seconds`) against the ids already read. A file with only
/// a header is valid: every pair is then unreachable.
pub fn parse_costs(
    path: &Path,
    reader: impl Read,
    demand: &[InstanceDemand],
    sites: &[InstanceSite],
) -> Result<Vec<InstanceCost>, FormatError> {
    let demand_index: HashMap<&str, usize> = demand
        .iter()
        .enumerate()
        .map(|(index, point)| (point.id.as_str(), index))
        .collect();
    let site_index: HashMap<&str, usize> = sites
        .iter()
        .enumerate()
        .map(|(index, site)| (site.id.as_str(), index))
        .collect();
    let mut costs = Vec::new();
    let mut lines = Vec::new();
    each_record(
        path,
        reader,
        &["demand_id", "site_id", "seconds"],
        |indices, cells| {
            let &[demand_column, site_column, seconds_column] = indices else {
                unreachable!("three names, three columns")
            };
            let demand_id = cells.text(demand_column, "demand_id")?;
            let demand = *demand_index.get(demand_id).ok_or_else(|| {
                cells.error(
                    demand_column,
                    format!("demand_id '{demand_id}' is not in {DEMAND_FILE}"),
                )
            })?;
            let site_id = cells.text(site_column, "site_id")?;
            let site = *site_index.get(site_id).ok_or_else(|| {
                cells.error(
                    site_column,
                    format!("site_id '{site_id}' is not in {SITES_FILE}"),
                )
            })?;
            let seconds = cells.non_negative(seconds_column, "seconds")?;
            costs.push(InstanceCost {
                demand,
                site,
                seconds: Seconds(seconds),
            });
            lines.push(cells.line);
            Ok(())
        },
    )?;
    let mut order: Vec<usize> = (0..costs.len()).collect();
    order.sort_unstable_by_key(|&index| (costs[index].demand, costs[index].site, lines[index]));
    for pair in order.windows(2) {
        let (first, second) = (&costs[pair[0]], &costs[pair[1]]);
        if first.demand == second.demand && first.site == second.site {
            return Err(FormatError::invalid(
                path,
                lines[pair[1]],
                0,
                format!(
                    "the pair demand '{}' / site '{}' appears twice (first on line {}); list each pair once",
                    demand[first.demand].id, sites[first.site].id, lines[pair[0]]
                ),
            ));
        }
    }
    Ok(costs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMAND: &str = "id,lon,lat,weight\nd1,116.40,39.90,3\nd2,116.41,39.91,0\n";
    const SITES: &str = "id,lon,lat,fixed\ns1,116.40,39.91,1\ns2,116.42,39.90,0\n";

    fn demand() -> Vec<InstanceDemand> {
        parse_demand(Path::new("demand.csv"), DEMAND.as_bytes()).unwrap()
    }
    fn sites() -> Vec<InstanceSite> {
        parse_sites(Path::new("sites.csv"), SITES.as_bytes()).unwrap()
    }

    #[track_caller]
    fn check_demand_error(text: &str, expected: &str) {
        let error = parse_demand(Path::new("demand.csv"), text.as_bytes()).unwrap_err();
        assert_eq!(error.to_string(), expected);
    }
    #[track_caller]
    fn check_sites_error(text: &str, expected: &str) {
        let error = parse_sites(Path::new("sites.csv"), text.as_bytes()).unwrap_err();
        assert_eq!(error.to_string(), expected);
    }
    #[track_caller]
    fn check_cost_error(text: &str, expected: &str) {
        let error =
            parse_costs(Path::new("cost.csv"), text.as_bytes(), &demand(), &sites()).unwrap_err();
        assert_eq!(error.to_string(), expected);
    }

    #[test]
    fn reads_the_three_files() {
        let demand = demand();
        assert_eq!(demand.len(), 2);
        assert_eq!(demand[0].weight, 3.0);
        assert_eq!(demand[1].position, LonLat::new(116.41, 39.91).unwrap());
        let sites = sites();
        assert!(sites[0].fixed && !sites[1].fixed);
        let costs = parse_costs(
            Path::new("cost.csv"),
            "demand_id,site_id,seconds\nd2,s1,12.5\nd1,s2,0\n".as_bytes(),
            &demand,
            &sites,
        )
        .unwrap();
        assert_eq!(
            costs,
            vec![
                InstanceCost {
                    demand: 1,
                    site: 0,
                    seconds: Seconds(12.5)
                },
                InstanceCost {
                    demand: 0,
                    site: 1,
                    seconds: Seconds(0.0)
                }
            ]
        );
        // Columns in any order.
        let reordered = parse_demand(
            Path::new("d.csv"),
            "weight,lat,lon,id\n2,39.9,116.4,x\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(reordered[0].id, "x");
        assert_eq!(reordered[0].position.lon, 116.4);
    }

    #[test]
    fn malformed_files_name_file_line_and_column() {
        check_demand_error(
            "id,lon,lat,weight\nd1,116.4,39.9,1\nd1,116.4,39.9,2\n",
            "demand.csv:3:1: demand id 'd1' appears twice (first on line 2); ids must be unique",
        );
        check_demand_error(
            "id,lon,lat,weight\nd1,116.4,39.9,-2\n",
            "demand.csv:2:4: weight -2 is negative; it must be at least 0",
        );
        check_demand_error(
            "id,lon,lat,weight\nd1,116.4,39.9,many\n",
            "demand.csv:2:4: 'weight' is 'many', not a number",
        );
        check_demand_error(
            "id,lon,lat,weight\nd1,east,39.9,1\n",
            "demand.csv:2:2: 'lon' is 'east', not a number",
        );
        check_demand_error(
            "id,lon,lat\nd1,116.4,39.9\n",
            "demand.csv:1: the header has no 'weight' column; expected id,lon,lat,weight",
        );
        check_demand_error(
            "id,lon,lat,weight\nd1,116.4,39.9\n",
            "demand.csv:2: the line has 3 fields but the header has 4",
        );
        check_demand_error(
            "id,lon,lat,weight\nd1,116.4,39.9,1\n\"d2,116.4,39.9,1\n",
            "demand.csv:3: field 1 opens a quote that this line never closes (fields cannot span lines)",
        );
        check_demand_error(
            "id,lon,lat,weight\n",
            "demand.csv:1: the file has a header but no demand points",
        );
        check_sites_error(
            "id,lon,lat,fixed\ns1,116.4,39.9,yes\n",
            "sites.csv:2:4: 'fixed' is 'yes'; it must be 0 (candidate) or 1 (existing station)",
        );
        check_sites_error(
            "id,lon,lat,fixed\ns1,116.4,39.9,0\n\ns1,116.5,39.9,1\n",
            "sites.csv:4:1: site id 's1' appears twice (first on line 2); ids must be unique",
        );
        check_cost_error(
            "demand_id,site_id,seconds\nd1,s1,10\nd9,s1,10\n",
            "cost.csv:3:1: demand_id 'd9' is not in demand.csv",
        );
        check_cost_error(
            "demand_id,site_id,seconds\nd1,s7,10\n",
            "cost.csv:2:2: site_id 's7' is not in sites.csv",
        );
        check_cost_error(
            "demand_id,site_id,seconds\nd1,s1,-1\n",
            "cost.csv:2:3: seconds -1 is negative; it must be at least 0",
        );
        check_cost_error(
            "demand_id,site_id,seconds\nd1,s1,fast\n",
            "cost.csv:2:3: 'seconds' is 'fast', not a number",
        );
        check_cost_error(
            "demand_id,site_id,seconds\nd1,s1,10\nd2,s1,5\nd1,s1,11\n",
            "cost.csv:4: the pair demand 'd1' / site 's1' appears twice (first on line 2); list each pair once",
        );
    }

    #[test]
    fn writes_what_it_reads() {
        let directory =
            std::env::temp_dir().join(format!("pingan-instance-round-trip-{}", std::process::id()));
        let instance = CoverageInstance {
            demand: vec![
                InstanceDemand {
                    id: "a,1".into(),
                    position: LonLat::new(116.123456789, 39.5).unwrap(),
                    weight: 0.1 + 0.2,
                },
                InstanceDemand {
                    id: "b".into(),
                    position: LonLat::new(-0.5, 51.5).unwrap(),
                    weight: 0.0,
                },
            ],
            sites: vec![InstanceSite {
                id: "s\"1\"".into(),
                position: LonLat::new(116.2, 39.6).unwrap(),
                fixed: true,
            }],
            costs: vec![InstanceCost {
                demand: 1,
                site: 0,
                seconds: Seconds(1.0 / 3.0),
            }],
        };
        write_instance(&directory, &instance).unwrap();
        let back = read_instance(&directory).unwrap();
        std::fs::remove_dir_all(&directory).unwrap();
        assert_eq!(back, instance);
        let missing = read_instance(&directory).unwrap_err().to_string();
        assert!(missing.starts_with("cannot read "), "{missing}");
        assert!(missing.contains("demand.csv"), "{missing}");
    }
}
