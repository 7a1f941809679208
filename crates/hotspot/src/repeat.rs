//! Repeat-call places (重复报警地点): addresses and spots that call again and again, so that
//! analysts can send a problem-solving visit instead of one more patrol car.
//!
//! How places form: calls with the same address (normalised: case, whitespace, full-width forms)
//! make one unit; calls without an address make one unit per exact point. With a radius above
//! zero, units then join around anchors: the unit with the most calls (ties: latest call) is the
//! first anchor and takes every unit whose centre lies within the radius of its own; then the
//! next unit not yet taken, and so on. Anchoring (not single linkage) keeps a place within one
//! radius of its anchor, so a dense downtown never chains into one giant place. Neighbours are
//! found through a grid of radius-sized cells on a `LocalProjection`, so the work is
//! O(n log n) plus the units each anchor's 3 × 3 cells hold.
//!
//! A place repeats when some window of `within_days` local calendar days holds `min_calls` of
//! its calls or more. Places rank by their calls in the period, then by latest call.

use crate::stats::{CallSet, LocalDate, StatsError};
use measure::{LocalProjection, LonLat, Meters, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The largest radius a query may use.
pub const MAX_RADIUS: Meters = Meters(1000.0);
/// The longest repeat window, in days (ten years).
pub const MAX_WITHIN_DAYS: u32 = 3650;
/// How many top types a place lists.
pub const TOP_TYPES: usize = 3;

/// Which places count as repeat-call places.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepeatQuery {
    /// Units within this distance of an anchor join its place; 0 for same address only.
    pub radius: Meters,
    /// At least this many calls (2 or more) ...
    pub min_calls: usize,
    /// ... within some window of this many local days (1..=3650).
    pub within_days: u32,
    /// Inclusive local dates; `None` takes the data's first or last date.
    pub from: Option<LocalDate>,
    pub to: Option<LocalDate>,
}

impl Default for RepeatQuery {
    fn default() -> Self {
        RepeatQuery {
            radius: Meters(50.0),
            min_calls: 3,
            within_days: 30,
            from: None,
            to: None,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RepeatError {
    #[error("radius {radius} is outside 0 to {limit} m; give a finite radius in metres")]
    BadRadius { radius: f64, limit: f64 },
    #[error("min_calls {min_calls} is below 2; a repeat takes at least two calls")]
    BadMinCalls { min_calls: usize },
    #[error("within_days {days} is outside 1 to {limit}; give a window of days")]
    BadWithinDays { days: u32, limit: u32 },
    #[error(transparent)]
    Window(#[from] StatsError),
}

/// A case type (or category, for calls without a type) and its calls at a place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeCount {
    pub code: String,
    pub zh: String,
    pub en: String,
    pub calls: usize,
}

/// One repeat-call place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepeatPlace {
    /// Indexes into the call set of every call of the place in the period, oldest first.
    pub calls: Vec<usize>,
    /// The most calls in one window of `within_days` days, and that window's first day.
    pub peak_calls: usize,
    pub peak_from: LocalDate,
    pub first: Timestamp,
    pub last: Timestamp,
    /// Mean position of the place's calls.
    pub centre: LonLat,
    /// The address its calls give most often (as written), if any gives one.
    pub address: Option<String>,
    /// Distinct normalised addresses among its calls.
    pub distinct_addresses: usize,
    /// Up to `TOP_TYPES` types, most calls first.
    pub top_types: Vec<TypeCount>,
}

/// An address as repeat matching compares it: full-width forms made half-width, every
/// whitespace removed, lower case.
pub fn normalise_address(address: &str) -> String {
    let mut normalised = String::with_capacity(address.len());
    for character in address.chars() {
        let character = match character {
            '\u{FF01}'..='\u{FF5E}' => {
                char::from_u32(character as u32 - 0xFEE0).unwrap_or(character)
            }
            character => character,
        };
        if character.is_ascii() {
            if !character.is_ascii_whitespace() {
                normalised.push(character.to_ascii_lowercase());
            }
        } else if !character.is_whitespace() {
            normalised.extend(character.to_lowercase());
        }
    }
    normalised
}

impl RepeatQuery {
    fn check(&self) -> Result<(), RepeatError> {
        if !self.radius.0.is_finite() || self.radius.0 < 0.0 || self.radius.0 > MAX_RADIUS.0 {
            return Err(RepeatError::BadRadius {
                radius: self.radius.0,
                limit: MAX_RADIUS.0,
            });
        }
        if self.min_calls < 2 {
            return Err(RepeatError::BadMinCalls {
                min_calls: self.min_calls,
            });
        }
        if !(1..=MAX_WITHIN_DAYS).contains(&self.within_days) {
            return Err(RepeatError::BadWithinDays {
                days: self.within_days,
                limit: MAX_WITHIN_DAYS,
            });
        }
        Ok(())
    }
}

struct Unit {
    calls: Vec<usize>,
    has_address: bool,
    centre: [f64; 2],
    latest: Timestamp,
}

/// Repeat-call places of the period, most calls first (ties: latest call first).
pub fn repeat_places(set: &CallSet, query: &RepeatQuery) -> Result<Vec<RepeatPlace>, RepeatError> {
    query.check()?;
    let (first, last) = set.date_range().ok_or(StatsError::NoCalls)?;
    let from = query.from.unwrap_or(first).checked()?;
    let to = query.to.unwrap_or(last).checked()?;
    if from > to {
        return Err(StatsError::ReversedWindow { from, to }.into());
    }
    let in_period: Vec<usize> = (0..set.calls.len())
        .filter(|&index| (from..=to).contains(&set.local_date(index)))
        .collect();
    if in_period.is_empty() {
        return Err(StatsError::EmptyWindow {
            from,
            to,
            first,
            last,
        }
        .into());
    }
    let projection = projection_around(set, &in_period);
    let mut xy = vec![[0.0, 0.0]; set.calls.len()];
    for &index in &in_period {
        xy[index] = projection.to_xy(set.calls[index].location);
    }

    let mut unit_of_key: HashMap<UnitKey, usize> = HashMap::new();
    // Exports repeat the same spelling: each spelling is normalised once.
    let mut unit_of_spelling: HashMap<&str, usize> = HashMap::new();
    let mut units: Vec<Unit> = Vec::new();
    for &index in &in_period {
        let call = &set.calls[index];
        let spelling = call.address.as_deref();
        let known = spelling.and_then(|spelling| unit_of_spelling.get(spelling).copied());
        let unit = match known {
            Some(unit) => unit,
            None => {
                let key = match spelling.map(normalise_address) {
                    Some(address) if !address.is_empty() => UnitKey::Address(address),
                    _ => UnitKey::Point(call.location.lon.to_bits(), call.location.lat.to_bits()),
                };
                let has_address = matches!(key, UnitKey::Address(_));
                let next = units.len();
                let unit = *unit_of_key.entry(key).or_insert(next);
                if unit == next {
                    units.push(Unit {
                        calls: Vec::new(),
                        has_address,
                        centre: [0.0, 0.0],
                        latest: call.at,
                    });
                }
                if let (true, Some(spelling)) = (has_address, spelling) {
                    unit_of_spelling.insert(spelling, unit);
                }
                unit
            }
        };
        let unit = &mut units[unit];
        unit.calls.push(index);
        unit.latest = unit.latest.max(call.at);
    }
    for unit in &mut units {
        let n = unit.calls.len() as f64;
        let sum = unit.calls.iter().fold([0.0, 0.0], |sum, index| {
            [sum[0] + xy[*index][0], sum[1] + xy[*index][1]]
        });
        unit.centre = [sum[0] / n, sum[1] / n];
    }

    let places = anchor(&units, query.radius.0);
    let mut result: Vec<RepeatPlace> = places
        .into_iter()
        .filter_map(|members| {
            let mut calls: Vec<usize> = members
                .iter()
                .flat_map(|&unit| units[unit].calls.iter().copied())
                .collect();
            if calls.len() < query.min_calls {
                return None;
            }
            calls.sort_by_key(|&index| (set.calls[index].at, index));
            let (peak_calls, peak_from) = peak(set, &calls, query.within_days);
            let distinct_addresses = members
                .iter()
                .filter(|&&unit| units[unit].has_address)
                .count();
            (peak_calls >= query.min_calls).then(|| {
                describe(
                    set,
                    &projection,
                    &xy,
                    calls,
                    (peak_calls, peak_from),
                    distinct_addresses,
                )
            })
        })
        .collect();
    result.sort_by(|a, b| {
        b.calls
            .len()
            .cmp(&a.calls.len())
            .then(b.last.cmp(&a.last))
            .then(a.calls[0].cmp(&b.calls[0]))
    });
    Ok(result)
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum UnitKey {
    Address(String),
    Point(u64, u64),
}

fn projection_around(set: &CallSet, calls: &[usize]) -> LocalProjection {
    let (mut west, mut east, mut south, mut north) = (180.0f64, -180.0f64, 90.0f64, -90.0f64);
    for &index in calls {
        let location = set.calls[index].location;
        west = west.min(location.lon);
        east = east.max(location.lon);
        south = south.min(location.lat);
        north = north.max(location.lat);
    }
    LocalProjection::around(LonLat {
        lon: (west + east) / 2.0,
        lat: (south + north) / 2.0,
    })
}

/// Units grouped around anchors (see the module's doc); each inner list starts with its anchor.
fn anchor(units: &[Unit], radius: f64) -> Vec<Vec<usize>> {
    if radius <= 0.0 {
        return (0..units.len()).map(|unit| vec![unit]).collect();
    }
    let cell_of = |xy: [f64; 2]| {
        (
            (xy[0] / radius).floor() as i64,
            (xy[1] / radius).floor() as i64,
        )
    };
    let mut cells: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
    for (index, unit) in units.iter().enumerate() {
        cells.entry(cell_of(unit.centre)).or_default().push(index);
    }
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_by(|&a, &b| {
        units[b]
            .calls
            .len()
            .cmp(&units[a].calls.len())
            .then(units[b].latest.cmp(&units[a].latest))
            .then(a.cmp(&b))
    });
    let mut taken = vec![false; units.len()];
    let mut places = Vec::new();
    let radius_squared = radius * radius;
    for anchor in order {
        if taken[anchor] {
            continue;
        }
        taken[anchor] = true;
        let mut members = vec![anchor];
        let centre = units[anchor].centre;
        let (cell_x, cell_y) = cell_of(centre);
        for dx in -1..=1 {
            for dy in -1..=1 {
                let Some(cell) = cells.get_mut(&(cell_x + dx, cell_y + dy)) else {
                    continue;
                };
                cell.retain(|&unit| {
                    if taken[unit] {
                        return false;
                    }
                    let other = units[unit].centre;
                    let (east, north) = (other[0] - centre[0], other[1] - centre[1]);
                    if east * east + north * north <= radius_squared {
                        taken[unit] = true;
                        members.push(unit);
                        return false;
                    }
                    true
                });
            }
        }
        places.push(members);
    }
    places
}

/// The most calls (sorted by time) within one window of `days` local days, and its first day.
fn peak(set: &CallSet, calls: &[usize], days: u32) -> (usize, LocalDate) {
    let mut days_of: Vec<i64> = calls.iter().map(|&index| set.local_date(index).0).collect();
    days_of.sort_unstable();
    let (mut best, mut best_from, mut start) = (0, days_of[0], 0);
    for end in 0..days_of.len() {
        while days_of[end] - days_of[start] >= i64::from(days) {
            start += 1;
        }
        if end - start + 1 > best {
            best = end - start + 1;
            best_from = days_of[start];
        }
    }
    (best, LocalDate(best_from))
}

fn describe(
    set: &CallSet,
    projection: &LocalProjection,
    xy: &[[f64; 2]],
    calls: Vec<usize>,
    (peak_calls, peak_from): (usize, LocalDate),
    distinct_addresses: usize,
) -> RepeatPlace {
    let n = calls.len() as f64;
    let sum = calls.iter().fold([0.0, 0.0], |sum, index| {
        [sum[0] + xy[*index][0], sum[1] + xy[*index][1]]
    });
    let mut addresses: HashMap<&str, usize> = HashMap::new();
    let mut types: HashMap<(u16, Option<u16>), usize> = HashMap::new();
    for &index in &calls {
        if let Some(address) = set.calls[index].address.as_deref().map(str::trim) {
            if !address.is_empty() {
                *addresses.entry(address).or_insert(0) += 1;
            }
        }
        let classification = set.classifications[index];
        *types
            .entry((
                classification.category.0,
                classification.case_type.map(|t| t.0),
            ))
            .or_insert(0) += 1;
    }
    let address = addresses
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(address, _)| address.to_string());
    let mut types: Vec<((u16, Option<u16>), usize)> = types.into_iter().collect();
    types.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let top_types = types
        .into_iter()
        .take(TOP_TYPES)
        .map(|((category, case_type), calls)| {
            let (code, zh, en) = match case_type {
                Some(case_type) => {
                    let t = set.taxonomy.case_type(crate::taxonomy::TypeId(case_type));
                    (t.code.clone(), t.zh.clone(), t.en.clone())
                }
                None => {
                    let c = set.taxonomy.category(crate::taxonomy::CategoryId(category));
                    (c.code.clone(), c.zh.clone(), c.en.clone())
                }
            };
            TypeCount {
                code,
                zh,
                en,
                calls,
            }
        })
        .collect();
    RepeatPlace {
        first: set.calls[calls[0]].at,
        last: set.calls[calls[calls.len() - 1]].at,
        centre: projection.to_lonlat([sum[0] / n, sum[1] / n]),
        address,
        distinct_addresses,
        top_types,
        peak_calls,
        peak_from,
        calls,
    }
}
