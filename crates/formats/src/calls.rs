//! Calls for service from real exports, in the shape of `shared/formats/calls.md`: one CSV with
//! a header, a real export's own column names mapped onto ours, times in the city's local time
//! or with an offset, coordinates in WGS-84, GCJ-02 or BD-09.
//!
//! How values are read (the `--help` of commands that take calls repeats the first points):
//! - Columns: `--columns time=At.Scene.Time,type=Primary Type` maps our canonical columns onto the
//!   header's names. A canonical column left out of the mapping uses a header column of its own
//!   name (any case; `lon` also takes `longitude`/`lng`, `lat` also `latitude`); `priority=` with
//!   nothing after `=` leaves a column unmapped, so the calls have no value there. Header columns
//!   nobody uses are listed in [`CallsFile::unknown_columns`], not refused.
//! - Times: RFC 3339 (`2016-08-10T14:03:00+08:00`; `Z` or ` UTC` for UTC),
//!   `YYYY-MM-DD HH:MM[:SS[.fff]]` (also with `T`),
//!   `YYYY/MM/DD HH:MM[:SS]`, `YYYY年MM月DD日 HH:MM[:SS]`, the US forms `M/D/YY H:MM`,
//!   `M/D/YYYY H:MM[:SS]` and `MM/DD/YYYY hh:mm:ss AM/PM`, or a date alone (`YYYY-MM-DD`, any of
//!   the date forms above; the call then has no time of day and `at` is the local midnight).
//!   **Slash dates are read month first** (`04/05/2016` is April 5th) unless
//!   [`CallsOptions::time_format`] gives a chrono strftime format, which then replaces detection.
//!   Two-digit years: 69..99 are 1969..1999, 00..68 are 2000..2068 (as chrono's `%y`).
//!   Fractions of a second below the millisecond are dropped.
//! - A time without offset is local time of [`CallsOptions::time_zone`]. In a named zone, a local
//!   time that occurs twice (clocks going back) is the earlier instant; one that never occurs
//!   (clocks going forward) is read as if the clock had not yet moved: 02:30 on a spring-forward
//!   night in Seattle is 02:30 PST, which is 03:30 PDT.
//! - [`CallRecord::utc_offset_minutes`]: with a named zone, the zone's real offset at the call;
//!   with a fixed offset (the default is UTC), the offset written in the time if it has one,
//!   else the fixed offset. So a file written by [`write_calls`] reads back exactly with the default.
//! - Coordinates: finite numbers in range, converted from [`CallsOptions::crs`] to WGS-84; (0, 0)
//!   is refused as "no location", and a pair that is only valid swapped says so.
//! - A bad row is an error naming file:line:column (column = 1-based field in the header), or,
//!   with [`CallsOptions::skip_bad_rows`], is skipped and counted.

use crate::FormatError;
use chrono::{
    DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta,
    TimeZone as _,
};
use measure::{CoordinateSystem, LonLat, Timestamp};
use std::collections::HashMap;
use std::fmt;
use std::io::{BufRead, Read};
use std::path::Path;
use std::str::FromStr;

/// One call as read from a file. Times are instants (UTC); `utc_offset_minutes` keeps the city's
/// local calendar (local time = `at` + offset), which statistics by hour, weekday and month use.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    /// The call's id in its own system, if the file has an id column.
    pub id: Option<String>,
    /// When the call came in. For a date alone: the local midnight that starts that day.
    pub at: Timestamp,
    /// Minutes east of UTC of the city's local time at `at` (daylight saving included).
    pub utc_offset_minutes: i32,
    /// False when the file gave a date alone: hour-of-day figures leave the call out.
    pub time_of_day_known: bool,
    /// WGS-84 (converted on reading when the file is GCJ-02 or BD-09).
    pub location: LonLat,
    /// Broad class as the file gives it (criminal, public_order, ... or a free word).
    pub category: Option<String>,
    /// Detailed case type as the source names it (`BURGLARY`, `入室盗窃`).
    pub case_type: Option<String>,
    /// 1..=4 for P1..P4.
    pub priority: Option<u8>,
    pub address: Option<String>,
    pub dispatched: Option<Timestamp>,
    pub arrived: Option<Timestamp>,
    /// Traffic accidents: people killed, people injured, direct loss in yuan.
    pub deaths: Option<u32>,
    pub injuries: Option<u32>,
    pub loss: Option<f64>,
}

impl CallRecord {
    /// The local time of the call as a UTC-free calendar value: shift by the offset and read the
    /// civil fields (`Timestamp::civil`).
    pub fn local(&self) -> measure::CivilTime {
        Timestamp(self.at.0 + i64::from(self.utc_offset_minutes) * 60_000).civil()
    }

    /// Local days since 1970-01-01 (the calendar day of the call in the city).
    pub fn local_day(&self) -> i64 {
        (self.at.0 + i64::from(self.utc_offset_minutes) * 60_000).div_euclid(86_400_000)
    }
}

/// A file with more data rows than this is refused: the reader keeps every call in memory.
pub const MAX_CALL_ROWS: u64 = 20_000_000;
/// A field longer than this (in bytes) is refused: no real column needs it, and it bounds memory.
pub const MAX_FIELD_BYTES: usize = 64 * 1024;
/// The first line (the header) may not be longer than this.
const MAX_HEADER_BYTES: u64 = 1024 * 1024;
/// How many skip reasons [`CallsFile::skip_reasons`] keeps.
const KEPT_SKIP_REASONS: usize = 5;

/// The columns of the canonical calls file, in the order [`write_calls`] writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CanonicalColumn {
    Id,
    Time,
    Lon,
    Lat,
    Category,
    Type,
    Priority,
    Address,
    Dispatched,
    Arrived,
    Deaths,
    Injuries,
    Loss,
}

impl CanonicalColumn {
    pub const ALL: [CanonicalColumn; 13] = [
        CanonicalColumn::Id,
        CanonicalColumn::Time,
        CanonicalColumn::Lon,
        CanonicalColumn::Lat,
        CanonicalColumn::Category,
        CanonicalColumn::Type,
        CanonicalColumn::Priority,
        CanonicalColumn::Address,
        CanonicalColumn::Dispatched,
        CanonicalColumn::Arrived,
        CanonicalColumn::Deaths,
        CanonicalColumn::Injuries,
        CanonicalColumn::Loss,
    ];

    /// The name in the canonical header and in `--columns`.
    pub fn name(self) -> &'static str {
        match self {
            CanonicalColumn::Id => "id",
            CanonicalColumn::Time => "time",
            CanonicalColumn::Lon => "lon",
            CanonicalColumn::Lat => "lat",
            CanonicalColumn::Category => "category",
            CanonicalColumn::Type => "type",
            CanonicalColumn::Priority => "priority",
            CanonicalColumn::Address => "address",
            CanonicalColumn::Dispatched => "dispatched",
            CanonicalColumn::Arrived => "arrived",
            CanonicalColumn::Deaths => "deaths",
            CanonicalColumn::Injuries => "injuries",
            CanonicalColumn::Loss => "loss",
        }
    }

    /// The column of that name, in any case.
    pub fn from_name(name: &str) -> Option<CanonicalColumn> {
        let name = name.trim();
        Self::ALL
            .into_iter()
            .find(|column| column.name().eq_ignore_ascii_case(name))
    }

    /// Other header names taken for an unmapped column, after its own name.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            CanonicalColumn::Lon => &["longitude", "lng"],
            CanonicalColumn::Lat => &["latitude"],
            _ => &[],
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    fn required(self) -> bool {
        matches!(
            self,
            CanonicalColumn::Time | CanonicalColumn::Lon | CanonicalColumn::Lat
        )
    }
}

impl fmt::Display for CanonicalColumn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn canonical_names() -> String {
    CanonicalColumn::ALL.map(CanonicalColumn::name).join(", ")
}

/// Errors in the options of a calls reader (`--columns`, `--time-zone`, `--crs`), before any file
/// is opened.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CallsOptionsError {
    #[error(
        "'{name}' is not a calls column (did you mean '{nearest}'?); the columns are {}",
        canonical_names()
    )]
    UnknownColumn { name: String, nearest: &'static str },
    #[error("'{pair}' is not canonical=source; write e.g. --columns 'time=occ_date,type=Primary Type' (double quotes around a name with a comma)")]
    BadPair { pair: String },
    #[error("--columns maps '{column}' twice; give each canonical column once")]
    DuplicateColumn { column: CanonicalColumn },
    #[error("unknown time zone '{name}' (nearest: {}); give an IANA name such as Asia/Shanghai or America/Los_Angeles, or an offset such as +08:00 or UTC", nearest.join(", "))]
    UnknownTimeZone { name: String, nearest: Vec<String> },
    #[error("'{text}' is not a UTC offset: write +HH:MM or -HH:MM within ±18:00 (e.g. +08:00, -07:00), or UTC")]
    BadOffset { text: String },
    #[error("'{text}' is not a coordinate system; use wgs84, gcj02 or bd09")]
    UnknownCoordinateSystem { text: String },
}

/// For one canonical column: the header column that feeds it, or none on purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnChoice {
    /// The header name (matched exactly first, then in any case).
    Source(String),
    /// `--columns priority=`: the column is not read even if the header has one of its name.
    Unmapped,
}

/// Which header column feeds each canonical column. Canonical columns not given here use a header
/// column of their own name (any case), if there is one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ColumnMapping {
    choices: [Option<ColumnChoice>; 13],
}

impl ColumnMapping {
    /// Parses `canonical=source` pairs separated by commas: `time=occ_date,type=Primary Type`.
    /// Source names may hold spaces and dots; a name holding a comma goes in double quotes
    /// (`type="Type, primary"`, `""` for a quote inside). An empty source leaves the column
    /// unmapped. Blank text is the empty mapping.
    pub fn parse(text: &str) -> Result<ColumnMapping, CallsOptionsError> {
        let mut mapping = ColumnMapping::default();
        if text.trim().is_empty() {
            return Ok(mapping);
        }
        for pair in split_outside_quotes(text) {
            let bad_pair = || CallsOptionsError::BadPair {
                pair: pair.trim().to_string(),
            };
            let (canonical, source) = pair.split_once('=').ok_or_else(bad_pair)?;
            let canonical = canonical.trim();
            if canonical.is_empty() {
                return Err(bad_pair());
            }
            let column = CanonicalColumn::from_name(canonical).ok_or_else(|| {
                CallsOptionsError::UnknownColumn {
                    name: canonical.to_string(),
                    nearest: nearest(canonical, CanonicalColumn::ALL.map(CanonicalColumn::name))
                        .unwrap_or("time"),
                }
            })?;
            if mapping.choices[column.index()].is_some() {
                return Err(CallsOptionsError::DuplicateColumn { column });
            }
            let source = unquote(source.trim()).ok_or_else(bad_pair)?;
            mapping.set(column, &source);
        }
        Ok(mapping)
    }

    /// Maps `column` to the header column `source`; an empty `source` leaves it unmapped.
    pub fn set(&mut self, column: CanonicalColumn, source: &str) {
        let source = source.trim();
        self.choices[column.index()] = Some(if source.is_empty() {
            ColumnChoice::Unmapped
        } else {
            ColumnChoice::Source(source.to_string())
        });
    }

    /// What the mapping says for `column`; `None` when it says nothing (the column's own name is
    /// then looked for in the header).
    pub fn choice(&self, column: CanonicalColumn) -> Option<&ColumnChoice> {
        self.choices[column.index()].as_ref()
    }
}

impl FromStr for ColumnMapping {
    type Err = CallsOptionsError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ColumnMapping::parse(text)
    }
}

fn split_outside_quotes(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut in_quotes = false;
    let mut start = 0;
    for (index, character) in text.char_indices() {
        match character {
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => {
                pieces.push(&text[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    pieces.push(&text[start..]);
    pieces
}

/// `"a ""b"""` → `a "b"`; a name without quotes is kept; a stray quote is refused.
fn unquote(text: &str) -> Option<String> {
    if let Some(inner) = text
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    {
        if inner.replace("\"\"", "").contains('"') {
            return None;
        }
        Some(inner.replace("\"\"", "\""))
    } else if text.contains('"') {
        None
    } else {
        Some(text.to_string())
    }
}

/// The candidate with the smallest edit distance to `name` (any case).
fn nearest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let name = name.to_lowercase();
    candidates
        .into_iter()
        .min_by_key(|candidate| strsim::levenshtein(&name, &candidate.to_lowercase()))
}

/// The time zone of times written without an offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeZone {
    /// A fixed offset east of UTC (`+08:00`, `UTC`).
    Fixed { offset_minutes: i32 },
    /// An IANA zone, with its daylight saving rules (from the tz database bundled by chrono-tz,
    /// so it works offline).
    Named(chrono_tz::Tz),
}

impl Default for TimeZone {
    fn default() -> Self {
        TimeZone::UTC
    }
}

impl TimeZone {
    pub const UTC: TimeZone = TimeZone::Fixed { offset_minutes: 0 };

    /// Parses an IANA name (`Asia/Shanghai`, any case), `UTC`/`Z`, or an offset `+08:00`,
    /// `-0700`, `+8`, `UTC+08:00` (east of UTC is positive).
    pub fn parse(text: &str) -> Result<TimeZone, CallsOptionsError> {
        let text = text.trim();
        if ["utc", "z", "gmt"].contains(&text.to_ascii_lowercase().as_str()) {
            return Ok(TimeZone::UTC);
        }
        let offset_text = text
            .strip_prefix("UTC")
            .or_else(|| text.strip_prefix("utc"))
            .unwrap_or(text);
        if offset_text.starts_with(['+', '-']) {
            return parse_zone_offset(offset_text)
                .map(|offset_minutes| TimeZone::Fixed { offset_minutes })
                .ok_or_else(|| CallsOptionsError::BadOffset {
                    text: text.to_string(),
                });
        }
        if let Ok(zone) = text.parse::<chrono_tz::Tz>() {
            return Ok(TimeZone::Named(zone));
        }
        if let Some(zone) = chrono_tz::TZ_VARIANTS
            .iter()
            .find(|zone| zone.name().eq_ignore_ascii_case(text))
        {
            return Ok(TimeZone::Named(*zone));
        }
        Err(CallsOptionsError::UnknownTimeZone {
            name: text.to_string(),
            nearest: nearest_zone_names(text, 3),
        })
    }
}

impl FromStr for TimeZone {
    type Err = CallsOptionsError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        TimeZone::parse(text)
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeZone::Fixed { offset_minutes: 0 } => f.write_str("UTC"),
            TimeZone::Fixed { offset_minutes } => {
                let sign = if *offset_minutes < 0 { '-' } else { '+' };
                let minutes = offset_minutes.unsigned_abs();
                write!(f, "{sign}{:02}:{:02}", minutes / 60, minutes % 60)
            }
            TimeZone::Named(zone) => f.write_str(zone.name()),
        }
    }
}

/// `+08:00`, `+0800`, `+08`, `+8` → minutes east; at most ±18:00.
fn parse_zone_offset(text: &str) -> Option<i32> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit() || b == b':') {
        return None;
    }
    let (hours, minutes) = match rest.split_once(':') {
        Some((hours, minutes)) if minutes.len() == 2 => (hours, minutes),
        Some(_) => return None,
        None if rest.len() == 4 => (&rest[..2], &rest[2..]),
        None if rest.len() <= 2 => (rest, "0"),
        None => return None,
    };
    if hours.is_empty() || hours.len() > 2 {
        return None;
    }
    let hours: i32 = hours.parse().ok()?;
    let minutes: i32 = minutes.parse().ok()?;
    let total = hours * 60 + minutes;
    (minutes < 60 && total <= 18 * 60).then_some(sign * total)
}

fn nearest_zone_names(name: &str, count: usize) -> Vec<String> {
    let name = name.to_lowercase();
    let mut scored: Vec<(usize, &'static str)> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|zone| {
            let full = zone.name().to_lowercase();
            let city = full.rsplit('/').next().unwrap_or(&full).to_string();
            let distance =
                strsim::levenshtein(&name, &full).min(strsim::levenshtein(&name, &city) + 1);
            (distance, zone.name())
        })
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(count)
        .map(|(_, name)| name.to_string())
        .collect()
}

/// Parses `--crs`: `wgs84`, `gcj02`, `bd09` (any case, dashes allowed: `GCJ-02`).
pub fn parse_coordinate_system(text: &str) -> Result<CoordinateSystem, CallsOptionsError> {
    match text
        .trim()
        .to_ascii_lowercase()
        .replace(['-', '_'], "")
        .as_str()
    {
        "wgs84" => Ok(CoordinateSystem::Wgs84),
        "gcj02" => Ok(CoordinateSystem::Gcj02),
        "bd09" => Ok(CoordinateSystem::Bd09),
        _ => Err(CallsOptionsError::UnknownCoordinateSystem {
            text: text.to_string(),
        }),
    }
}

/// How to read a calls file. The default: columns by their own names, UTC, WGS-84, times
/// detected, the first bad row refuses the file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CallsOptions {
    pub columns: ColumnMapping,
    /// The zone of times written without an offset.
    pub time_zone: TimeZone,
    /// The datum of the file's lon/lat; calls come out in WGS-84.
    pub crs: CoordinateSystem,
    /// A chrono strftime format (`%d/%m/%Y %H:%M`) for every time column, replacing detection: a
    /// format with `%z` gives instants, one with a time of day local times, one with a date alone
    /// dates.
    pub time_format: Option<String>,
    /// Skip bad rows (counted, the first reasons kept) instead of refusing the file.
    pub skip_bad_rows: bool,
}

/// What a calls file held.
#[derive(Debug, Clone, PartialEq)]
pub struct CallsFile {
    /// The calls read, in file order.
    pub calls: Vec<CallRecord>,
    /// How many rows were skipped as bad (only with `skip_bad_rows`).
    pub skipped: usize,
    /// The first few reasons for skipping, each starting with file:line:column.
    pub skip_reasons: Vec<String>,
    /// Header columns that feed no canonical column, in header order.
    pub unknown_columns: Vec<String>,
    /// The form of the file's first time value, e.g. `M/D/YY H:MM (month first), local time of
    /// America/Los_Angeles`, or the given format.
    pub detected_time_form: String,
}

/// Reads a calls file (streamed: the file is not held in memory, only its calls).
pub fn read_calls(path: &Path, options: &CallsOptions) -> Result<CallsFile, FormatError> {
    let file = std::fs::File::open(path).map_err(|source| FormatError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    read_calls_from(
        path,
        std::io::BufReader::with_capacity(1 << 16, file),
        options,
        Limits::default(),
    )
}

/// Parses calls CSV text; `path_for_errors` only names the file in errors.
pub fn parse_calls(
    path_for_errors: &Path,
    text: &str,
    options: &CallsOptions,
) -> Result<CallsFile, FormatError> {
    read_calls_from(path_for_errors, text.as_bytes(), options, Limits::default())
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    max_rows: u64,
    max_field_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_rows: MAX_CALL_ROWS,
            max_field_bytes: MAX_FIELD_BYTES,
        }
    }
}

fn read_calls_from<R: BufRead>(
    path: &Path,
    mut input: R,
    options: &CallsOptions,
    limits: Limits,
) -> Result<CallsFile, FormatError> {
    let io_error = |source| FormatError::Io {
        file: path.to_path_buf(),
        source,
    };
    if let Some(format) = &options.time_format {
        check_time_format(format).map_err(|message| FormatError::invalid(path, 1, 0, message))?;
    }
    // The first non-blank line decides the separator; the bytes read for it go back in front.
    let mut prefix = Vec::new();
    let header_line = loop {
        let start = prefix.len();
        let read = (&mut input)
            .take(MAX_HEADER_BYTES)
            .read_until(b'\n', &mut prefix)
            .map_err(io_error)?;
        if read == 0 {
            break None;
        }
        if prefix.len() as u64 >= MAX_HEADER_BYTES {
            return Err(FormatError::invalid(
                path,
                1,
                0,
                format!("no header line ends within the first {MAX_HEADER_BYTES} bytes; is this a CSV file with a header?"),
            ));
        }
        if start == 0 && prefix.starts_with(b"\xEF\xBB\xBF") {
            prefix.drain(..3);
        }
        if prefix[start.min(prefix.len())..]
            .iter()
            .any(|b| !b.is_ascii_whitespace())
        {
            break Some(prefix[start.min(prefix.len())..].to_vec());
        }
    };
    let Some(header_line) = header_line else {
        return Err(FormatError::invalid(
            path,
            1,
            0,
            "the file is empty, so it has no calls; expected a header (e.g. time,lon,lat) and one call per line",
        ));
    };
    let delimiter = detect_delimiter(&header_line);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .from_reader(LineTracker::new(
            std::io::Cursor::new(prefix).chain(input),
            2 * MAX_HEADER_BYTES as usize,
        ));
    let csv_error = |error: csv::Error| match error.into_kind() {
        csv::ErrorKind::Io(source) => {
            match source
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<RowTooLong>())
            {
                Some(too_long) => FormatError::invalid(
                    path,
                    too_long.line,
                    0,
                    format!(
                        "a row (or the header) runs past {} bytes; is a closing double quote missing?",
                        too_long.limit
                    ),
                ),
                None => io_error(source),
            }
        }
        other => FormatError::invalid(path, 0, 0, format!("broken CSV: {other:?}")),
    };
    let header_record = reader.byte_headers().map_err(csv_error)?.clone();
    let header_line_number = reader
        .get_mut()
        .line_of_record_at(header_record.position().map_or(0, |p| p.byte()));
    // A row may hold every field at its longest, plus quotes and what the csv crate reads ahead.
    reader.get_mut().max_window =
        (header_record.len() + 1) * (limits.max_field_bytes + 3) + (64 << 10);
    let next_record_at = reader.position().byte();
    reader.get_mut().next_record_at = next_record_at;
    let mut header = Vec::with_capacity(header_record.len());
    for (index, name) in header_record.iter().enumerate() {
        let column = index as u64 + 1;
        if name.len() > limits.max_field_bytes {
            return Err(FormatError::invalid(
                path,
                header_line_number,
                column,
                format!(
                    "a header name of {} bytes is longer than the limit of {} bytes; is this a calls file?",
                    name.len(),
                    limits.max_field_bytes
                ),
            ));
        }
        let name = std::str::from_utf8(name).map_err(|_| {
            FormatError::invalid(
                path,
                header_line_number,
                column,
                "the header name is not UTF-8 text; save the file as UTF-8",
            )
        })?;
        header.push(name.trim().to_string());
    }
    let layout = resolve_columns(path, header_line_number, &header, &options.columns)?;

    let mut calls = Vec::new();
    let mut skipped = 0;
    let mut skip_reasons = Vec::new();
    let mut seen_ids: HashMap<String, u64> = HashMap::new();
    let mut detected_time_form = None;
    let mut rows = 0u64;
    let mut record = csv::ByteRecord::new();
    while reader.read_byte_record(&mut record).map_err(csv_error)? {
        rows += 1;
        let line = reader
            .get_mut()
            .line_of_record_at(record.position().map_or(0, |p| p.byte()));
        let next_record_at = reader.position().byte();
        reader.get_mut().next_record_at = next_record_at;
        if rows > limits.max_rows {
            return Err(FormatError::invalid(
                path,
                line,
                0,
                format!(
                    "more than {} calls in one file; split it (by month, say) and read the parts",
                    limits.max_rows
                ),
            ));
        }
        if let Some((index, field)) = record
            .iter()
            .enumerate()
            .find(|(_, field)| field.len() > limits.max_field_bytes)
        {
            return Err(FormatError::invalid(
                path,
                line,
                index as u64 + 1,
                format!(
                    "a field of {} bytes is longer than the limit of {} bytes; is a closing double quote missing?",
                    field.len(),
                    limits.max_field_bytes
                ),
            ));
        }
        let mut fields: Vec<&str> = Vec::with_capacity(record.len());
        let row = RowReader {
            path,
            line,
            layout: &layout,
            options,
        };
        let mut outcome = Ok(());
        for (index, field) in record.iter().enumerate() {
            match std::str::from_utf8(field) {
                Ok(text) => fields.push(text),
                Err(_) => {
                    outcome = Err(row.error(
                        index,
                        "this field is not UTF-8 text; save the file as UTF-8".to_string(),
                    ));
                    break;
                }
            }
        }
        let outcome = outcome.and_then(|()| {
            if detected_time_form.is_none() {
                detected_time_form = row.time_form(&fields);
            }
            row.read(&fields)
        });
        let outcome = outcome.and_then(|call| {
            if let (Some(id), Some(id_column)) = (&call.id, layout.column(CanonicalColumn::Id)) {
                if let Some(first_line) = seen_ids.get(id) {
                    return Err(row.error(
                        id_column,
                        format!("id '{id}' appears twice: on line {first_line} and on line {line}; ids must be unique"),
                    ));
                }
                seen_ids.insert(id.clone(), line);
            }
            Ok(call)
        });
        match outcome {
            Ok(call) => calls.push(call),
            Err(error) if options.skip_bad_rows => {
                skipped += 1;
                if skip_reasons.len() < KEPT_SKIP_REASONS {
                    skip_reasons.push(error.to_string());
                }
            }
            Err(error) => return Err(error),
        }
    }
    if rows == 0 {
        return Err(FormatError::invalid(
            path,
            header_line_number,
            0,
            "the file has a header but no calls",
        ));
    }
    if calls.is_empty() {
        return Err(FormatError::invalid(
            path,
            header_line_number,
            0,
            format!(
                "the file has no calls: all {rows} rows are bad; the first reasons: {}",
                skip_reasons.join("; ")
            ),
        ));
    }
    let time_form = match &options.time_format {
        Some(format) => format!("the given format '{format}'"),
        None => detected_time_form.unwrap_or_else(|| "none".to_string()),
    };
    Ok(CallsFile {
        calls,
        skipped,
        skip_reasons,
        unknown_columns: layout.unknown_columns(&header),
        detected_time_form: format!("{time_form}, read in {}", options.time_zone),
    })
}

/// Counts lines itself: the csv crate's `Position::line` lags by one after CRLF line ends and
/// blank lines, because a record's position is taken before the line ends that precede it are
/// skipped. Keeps only the bytes read ahead of the current record.
struct LineTracker<R> {
    inner: R,
    /// Reading stops with [`RowTooLong`] when the current row and the bytes read ahead of it
    /// pass this: the csv crate would otherwise buffer an unclosed quote to the end of the file.
    max_window: usize,
    /// Where the csv crate will start the next row: the end of the last row it returned.
    next_record_at: u64,
    /// Bytes from offset `window_start` up to what `inner` has handed out.
    window: std::collections::VecDeque<u8>,
    window_start: u64,
    newlines_before_window: u64,
}

impl<R: Read> LineTracker<R> {
    fn new(inner: R, max_window: usize) -> Self {
        LineTracker {
            inner,
            max_window,
            next_record_at: 0,
            window: std::collections::VecDeque::new(),
            window_start: 0,
            newlines_before_window: 0,
        }
    }

    /// The 1-based line of the record the csv crate places at byte `offset`: past the line
    /// ends that start there. Offsets must not decrease from call to call.
    fn line_of_record_at(&mut self, offset: u64) -> u64 {
        let dropped = (offset.saturating_sub(self.window_start) as usize).min(self.window.len());
        self.newlines_before_window += self
            .window
            .drain(..dropped)
            .filter(|&byte| byte == b'\n')
            .count() as u64;
        self.window_start += dropped as u64;
        self.line_at(offset)
    }

    /// Like `line_of_record_at`, without forgetting bytes; `offset` must lie in the window.
    fn line_at(&self, offset: u64) -> u64 {
        let before = (offset.saturating_sub(self.window_start) as usize).min(self.window.len());
        let newlines_before = self
            .window
            .iter()
            .take(before)
            .filter(|&&byte| byte == b'\n')
            .count() as u64;
        let skipped_newlines = self
            .window
            .iter()
            .skip(before)
            .take_while(|&&byte| byte == b'\n' || byte == b'\r')
            .filter(|&&byte| byte == b'\n')
            .count() as u64;
        1 + self.newlines_before_window + newlines_before + skipped_newlines
    }
}

impl<R: Read> Read for LineTracker<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buffer)?;
        if self.window.len() + read > self.max_window {
            return Err(std::io::Error::other(RowTooLong {
                line: self.line_at(self.next_record_at),
                limit: self.max_window,
            }));
        }
        self.window.extend(&buffer[..read]);
        Ok(read)
    }
}

#[derive(Debug)]
struct RowTooLong {
    /// Where the row began.
    line: u64,
    limit: usize,
}

impl fmt::Display for RowTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: a row runs past {} bytes",
            self.line, self.limit
        )
    }
}

impl std::error::Error for RowTooLong {}

/// A comma unless the header has none but has semicolons or tabs (exports from spreadsheets in
/// many locales).
fn detect_delimiter(header_line: &[u8]) -> u8 {
    if header_line.contains(&b',') {
        return b',';
    }
    let semicolons = header_line.iter().filter(|&&b| b == b';').count();
    let tabs = header_line.iter().filter(|&&b| b == b'\t').count();
    match (semicolons, tabs) {
        (0, 0) => b',',
        (semicolons, tabs) if semicolons >= tabs => b';',
        _ => b'\t',
    }
}

/// Which header field feeds each canonical column.
struct Layout {
    columns: [Option<usize>; 13],
    /// True when the column was found by its own name rather than by the mapping.
    by_own_name: [bool; 13],
    header: Vec<String>,
}

impl Layout {
    fn column(&self, column: CanonicalColumn) -> Option<usize> {
        self.columns[column.index()]
    }

    fn unknown_columns(&self, header: &[String]) -> Vec<String> {
        header
            .iter()
            .enumerate()
            .filter(|(index, _)| !self.columns.contains(&Some(*index)))
            .map(|(index, name)| {
                if name.is_empty() {
                    format!("(unnamed column {})", index + 1)
                } else {
                    name.clone()
                }
            })
            .collect()
    }

    /// `'time'`, or `'time' (column 'At.Scene.Time')` when the header calls it otherwise.
    fn label(&self, column: CanonicalColumn) -> String {
        match self.column(column) {
            Some(index) if !self.header[index].eq_ignore_ascii_case(column.name()) => {
                format!("'{column}' (column '{}')", self.header[index])
            }
            _ => format!("'{column}'"),
        }
    }
}

fn resolve_columns(
    path: &Path,
    header_line: u64,
    header: &[String],
    mapping: &ColumnMapping,
) -> Result<Layout, FormatError> {
    let listed = || {
        header
            .iter()
            .map(|name| format!("'{name}'"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let find = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .or_else(|| header.iter().position(|h| h.eq_ignore_ascii_case(name)))
    };
    let mut columns = [None; 13];
    let mut by_own_name = [false; 13];
    for column in CanonicalColumn::ALL {
        columns[column.index()] = match mapping.choice(column) {
            Some(ColumnChoice::Source(name)) => Some(find(name).ok_or_else(|| {
                let suggestion = nearest(name, header.iter().map(String::as_str))
                    .map(|near| format!(" (nearest: '{near}')"))
                    .unwrap_or_default();
                FormatError::invalid(
                    path,
                    header_line,
                    0,
                    format!(
                        "--columns maps {column}='{name}', but the header has no column '{name}'{suggestion}; the header's columns are {}",
                        listed()
                    ),
                )
            })?),
            Some(ColumnChoice::Unmapped) => None,
            None => {
                let found = std::iter::once(column.name())
                    .chain(column.aliases().iter().copied())
                    .find_map(find);
                by_own_name[column.index()] = found.is_some();
                found
            }
        };
        if column.required() && columns[column.index()].is_none() {
            return Err(FormatError::invalid(
                path,
                header_line,
                0,
                format!(
                    "the header has no '{column}' column; every call needs time, lon and lat: name the file's column with --columns {column}=<header name>; the header's columns are {}",
                    listed()
                ),
            ));
        }
    }
    Ok(Layout {
        columns,
        by_own_name,
        header: header.to_vec(),
    })
}

/// The reading rules in a few lines, for the `--help` of commands that read calls.
pub const READING_RULES_HELP: &str = "\
Columns: --columns canonical=source,... maps the file's header names (e.g. \
time=At.Scene.Time,type=Primary Type); canonical columns: id, time, lon, lat, category, type, \
priority, address, dispatched, arrived, deaths, injuries, loss. Unmapped columns are taken by \
their own name; 'priority=' leaves one out. \
Times: RFC 3339, YYYY-MM-DD HH:MM[:SS], YYYY/MM/DD HH:MM[:SS], YYYY年MM月DD日 HH:MM[:SS], \
M/D/YY H:MM, M/D/YYYY h:mm:ss AM/PM, or a date alone. Slash dates are read MONTH FIRST (US); \
give --time-format '%d/%m/%Y %H:%M' for day-first dates. Times without offset are local time of \
--time-zone (IANA name or +HH:MM); a repeated hour (clocks back) is the earlier one, a skipped \
hour (clocks forward) is read as if the clock had not moved yet. \
Coordinates: --crs wgs84|gcj02|bd09; (0, 0) counts as no location.";

const TIME_FORMS: &str = "RFC 3339 (2016-08-10T14:03:00+08:00), YYYY-MM-DD HH:MM[:SS], \
YYYY/MM/DD HH:MM[:SS], YYYY年MM月DD日 HH:MM[:SS], M/D/YYYY H:MM[:SS] [AM/PM] (month first), \
M/D/YY H:MM, or a date alone such as YYYY-MM-DD; for another form give a time format (chrono \
strftime, e.g. '%d/%m/%Y %H:%M')";

/// Reads one data row.
struct RowReader<'a> {
    path: &'a Path,
    line: u64,
    layout: &'a Layout,
    options: &'a CallsOptions,
}

impl RowReader<'_> {
    fn error(&self, index: usize, message: String) -> FormatError {
        FormatError::invalid(self.path, self.line, index as u64 + 1, message)
    }

    /// The trimmed text of `column` with its field index; `None` when unmapped or empty.
    fn value<'f>(&self, fields: &[&'f str], column: CanonicalColumn) -> Option<(usize, &'f str)> {
        let index = self.layout.column(column)?;
        let text = fields.get(index)?.trim();
        (!text.is_empty()).then_some((index, text))
    }

    fn time_form(&self, fields: &[&str]) -> Option<String> {
        if self.options.time_format.is_some() || fields.len() != self.layout.header.len() {
            return None;
        }
        let (_, text) = self.value(fields, CanonicalColumn::Time)?;
        let written = parse_written_time(text).ok()?;
        Some(written.shape?.describe())
    }

    fn read(&self, fields: &[&str]) -> Result<CallRecord, FormatError> {
        let expected = self.layout.header.len();
        if fields.len() != expected {
            return Err(FormatError::invalid(
                self.path,
                self.line,
                0,
                format!(
                    "the row has {} fields but the header has {expected}; a value holding the separator needs double quotes",
                    fields.len()
                ),
            ));
        }
        let time_index = self.layout.column(CanonicalColumn::Time).unwrap_or(0);
        let (time_index, time_text) =
            self.value(fields, CanonicalColumn::Time).ok_or_else(|| {
                self.error(
                    time_index,
                    format!(
                        "{} is empty; every call needs a time",
                        self.layout.label(CanonicalColumn::Time)
                    ),
                )
            })?;
        let when = self.time(CanonicalColumn::Time, time_index, time_text)?;
        let location = self.location(fields)?;
        let text = |column| self.value(fields, column).map(|(_, text)| text.to_string());
        let priority = match self.value(fields, CanonicalColumn::Priority) {
            Some((index, text)) => Some(self.priority(index, text)?),
            None => None,
        };
        let count = |column| match self.value(fields, column) {
            Some((index, text)) => self.count(column, index, text).map(Some),
            None => Ok(None),
        };
        let deaths = count(CanonicalColumn::Deaths)?;
        let injuries = count(CanonicalColumn::Injuries)?;
        let loss = match self.value(fields, CanonicalColumn::Loss) {
            Some((index, text)) => Some(self.loss(index, text)?),
            None => None,
        };
        let later_time = |column| match self.value(fields, column) {
            Some((index, text)) => self
                .time(column, index, text)
                .map(|resolved| Some((index, text, resolved.at))),
            None => Ok(None),
        };
        let dispatched = later_time(CanonicalColumn::Dispatched)?;
        let arrived = later_time(CanonicalColumn::Arrived)?;
        let call_text = time_text;
        if let Some((index, text, at)) = dispatched {
            if at < when.at {
                return Err(self.error(
                    index,
                    format!(
                        "{} '{text}' is before the call came in ('{call_text}'); check the column mapping and the time zone",
                        self.layout.label(CanonicalColumn::Dispatched)
                    ),
                ));
            }
        }
        if let Some((index, text, at)) = arrived {
            let (earlier_label, earlier_text, earlier_at) = match dispatched {
                Some((_, text, at)) => (self.layout.label(CanonicalColumn::Dispatched), text, at),
                None => (self.layout.label(CanonicalColumn::Time), call_text, when.at),
            };
            if at < earlier_at {
                return Err(self.error(
                    index,
                    format!(
                        "{} '{text}' is before {earlier_label} '{earlier_text}'; check the column mapping and the time zone",
                        self.layout.label(CanonicalColumn::Arrived)
                    ),
                ));
            }
        }
        Ok(CallRecord {
            id: text(CanonicalColumn::Id),
            at: when.at,
            utc_offset_minutes: when.utc_offset_minutes,
            time_of_day_known: when.time_of_day_known,
            location,
            category: text(CanonicalColumn::Category),
            case_type: text(CanonicalColumn::Type),
            priority,
            address: text(CanonicalColumn::Address),
            dispatched: dispatched.map(|(_, _, at)| at),
            arrived: arrived.map(|(_, _, at)| at),
            deaths,
            injuries,
            loss,
        })
    }

    fn time(
        &self,
        column: CanonicalColumn,
        index: usize,
        text: &str,
    ) -> Result<ResolvedTime, FormatError> {
        let label = self.layout.label(column);
        let written = match &self.options.time_format {
            Some(format) => parse_with_format(text, format)
                .map_err(|problem| self.error(index, format!("{label} is '{text}': {problem}")))?,
            None => parse_written_time(text).map_err(|problem| {
                let message = match problem {
                    TimeProblem::Unrecognised => format!(
                        "{label} is '{text}', not a time in a known form; expected {TIME_FORMS}"
                    ),
                    TimeProblem::Invalid(why) => format!("{label} is '{text}': {why}"),
                };
                self.error(index, message)
            })?,
        };
        resolve(&written, self.options.time_zone).ok_or_else(|| {
            self.error(
                index,
                format!("{label} is '{text}', outside the range of dates pingan can hold"),
            )
        })
    }

    fn location(&self, fields: &[&str]) -> Result<LonLat, FormatError> {
        let coordinate = |column: CanonicalColumn| -> Result<(usize, f64), FormatError> {
            let index = self.layout.column(column).unwrap_or(0);
            let label = self.layout.label(column);
            let (index, text) = self.value(fields, column).ok_or_else(|| {
                self.error(
                    index,
                    format!("no location: {label} is empty; every call needs lon and lat"),
                )
            })?;
            let number: f64 = text
                .parse()
                .map_err(|_| self.error(index, format!("{label} is '{text}', not a number")))?;
            if !number.is_finite() {
                return Err(self.error(index, format!("{label} is '{text}', not a finite number")));
            }
            Ok((index, number))
        };
        let (lon_index, lon) = coordinate(CanonicalColumn::Lon)?;
        let (lat_index, lat) = coordinate(CanonicalColumn::Lat)?;
        if lon == 0.0 && lat == 0.0 {
            return Err(self.error(
                lon_index,
                "no location: (0, 0) is how exports mark a call without coordinates".to_string(),
            ));
        }
        let in_range =
            |lon: f64, lat: f64| (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat);
        if !in_range(lon, lat) {
            let message = if in_range(lat, lon) {
                format!("lon {lon} and lat {lat}: lon and lat look swapped; check the column mapping (--columns lon=..,lat=..)")
            } else {
                format!("({lon}, {lat}) is not a position: lon must lie in -180..180 and lat in -90..90")
            };
            let index = if (-90.0..=90.0).contains(&lat) {
                lon_index
            } else {
                lat_index
            };
            return Err(self.error(index, message));
        }
        let point = LonLat { lon, lat };
        let converted = self.options.crs.to_wgs84(point);
        LonLat::new(converted.lon, converted.lat).map_err(|error| {
            self.error(
                lon_index,
                format!(
                    "({lon}, {lat}) in {:?} leaves the globe in WGS-84: {error}",
                    self.options.crs
                ),
            )
        })
    }

    fn priority(&self, index: usize, text: &str) -> Result<u8, FormatError> {
        let digits = text.strip_prefix(['p', 'P']).unwrap_or(text);
        match digits.parse::<u8>() {
            Ok(level @ 1..=4) => Ok(level),
            _ => {
                let found_by_name = if self.layout.by_own_name[CanonicalColumn::Priority.index()] {
                    format!(
                        " (the column '{}' was read as priority because of its name)",
                        self.layout.header[index]
                    )
                } else {
                    String::new()
                };
                Err(self.error(
                    index,
                    format!(
                        "{} is '{text}', not P1..P4 (or 1..4){found_by_name}; some exports number priorities past 4 (Seattle's go to 7): leave the column unmapped with --columns priority= (the calls then have no priority, which is fine)",
                        self.layout.label(CanonicalColumn::Priority)
                    ),
                ))
            }
        }
    }

    fn count(&self, column: CanonicalColumn, index: usize, text: &str) -> Result<u32, FormatError> {
        if let Ok(count) = text.parse::<u32>() {
            return Ok(count);
        }
        // Spreadsheets and data frames often write whole numbers as 2.0.
        match text.parse::<f64>() {
            Ok(number)
                if number >= 0.0 && number.fract() == 0.0 && number <= f64::from(u32::MAX) =>
            {
                Ok(number as u32)
            }
            _ => Err(self.error(
                index,
                format!(
                    "{} is '{text}', not a whole number of people (0 or more)",
                    self.layout.label(column)
                ),
            )),
        }
    }

    fn loss(&self, index: usize, text: &str) -> Result<f64, FormatError> {
        match text.parse::<f64>() {
            Ok(loss) if loss.is_finite() && loss >= 0.0 => Ok(loss),
            _ => Err(self.error(
                index,
                format!(
                    "{} is '{text}', not an amount in yuan (a finite number, 0 or more)",
                    self.layout.label(CanonicalColumn::Loss)
                ),
            )),
        }
    }
}

/// A time as written: a calendar date, maybe a time of day, maybe an offset.
#[derive(Debug, Clone, Copy)]
struct WrittenTime {
    date: NaiveDate,
    clock: Option<NaiveTime>,
    offset_seconds: Option<i32>,
    /// How it was written; `None` for a time read with a given format.
    shape: Option<TimeShape>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateStyle {
    Iso,
    SlashYearFirst,
    Chinese,
    MonthFirst { two_digit_year: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ClockStyle {
    t_separator: bool,
    seconds: bool,
    fraction: bool,
    twelve_hour: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TimeShape {
    date: DateStyle,
    clock: Option<ClockStyle>,
    offset: bool,
}

impl TimeShape {
    fn describe(self) -> String {
        let mut text = match self.date {
            DateStyle::Iso => "YYYY-MM-DD",
            DateStyle::SlashYearFirst => "YYYY/MM/DD",
            DateStyle::Chinese => "YYYY年MM月DD日",
            DateStyle::MonthFirst {
                two_digit_year: true,
            } => "M/D/YY",
            DateStyle::MonthFirst {
                two_digit_year: false,
            } => "M/D/YYYY",
        }
        .to_string();
        match self.clock {
            Some(clock) => {
                text.push(if clock.t_separator { 'T' } else { ' ' });
                text.push_str(if clock.twelve_hour { "h:MM" } else { "H:MM" });
                if clock.seconds {
                    text.push_str(":SS");
                }
                if clock.fraction {
                    text.push_str(".fff");
                }
                if clock.twelve_hour {
                    text.push_str(" AM/PM");
                }
            }
            None => text.push_str(" (date alone)"),
        }
        if self.offset {
            text.push_str("±HH:MM");
        }
        if matches!(self.date, DateStyle::MonthFirst { .. }) {
            text.push_str(" (month first)");
        }
        if self.date == DateStyle::Iso && self.clock.is_some() && self.offset {
            text = format!("RFC 3339 {text}");
        }
        text.push_str(if self.offset {
            ", with offset"
        } else {
            ", local time"
        });
        text
    }
}

enum TimeProblem {
    Unrecognised,
    Invalid(String),
}

struct Scanner<'a> {
    rest: &'a str,
}

impl Scanner<'_> {
    /// Between `min` and `max` ASCII digits, with how many there were.
    fn number(&mut self, min: usize, max: usize) -> Option<(u32, usize)> {
        let count = self
            .rest
            .bytes()
            .take(max)
            .take_while(u8::is_ascii_digit)
            .count();
        if count < min {
            return None;
        }
        let value = self.rest[..count].parse().ok()?;
        self.rest = &self.rest[count..];
        Some((value, count))
    }

    fn eat(&mut self, prefix: &str) -> bool {
        match self.rest.get(..prefix.len()) {
            Some(head) if head.eq_ignore_ascii_case(prefix) => {
                self.rest = &self.rest[prefix.len()..];
                true
            }
            _ => false,
        }
    }

    fn skip_spaces(&mut self) -> bool {
        let trimmed = self.rest.trim_start();
        let skipped = trimmed.len() != self.rest.len();
        self.rest = trimmed;
        skipped
    }

    fn done(&self) -> bool {
        self.rest.is_empty()
    }

    fn peek(&self) -> Option<char> {
        self.rest.chars().next()
    }

    /// `Z`, `UTC`, `+08:00`, `+0800`, `+08` → seconds east.
    fn offset(&mut self) -> Option<i32> {
        if self.eat("UTC") || self.eat("GMT") || self.eat("Z") {
            return Some(0);
        }
        let sign = if self.eat("+") {
            1
        } else if self.eat("-") {
            -1
        } else {
            return None;
        };
        let (hours, _) = self.number(2, 2)?;
        let minutes = if self.eat(":") {
            self.number(2, 2)?.0
        } else {
            self.number(2, 2).map_or(0, |(minutes, _)| minutes)
        };
        (hours < 24 && minutes < 60).then(|| sign * (hours as i32 * 3600 + minutes as i32 * 60))
    }
}

/// Reads the forms listed in the module docs, deciding the form from the text's shape.
fn parse_written_time(text: &str) -> Result<WrittenTime, TimeProblem> {
    use TimeProblem::{Invalid, Unrecognised};
    let mut scanner = Scanner { rest: text.trim() };
    let (first, first_digits) = scanner.number(1, 4).ok_or(Unrecognised)?;
    let (year, month, day, style) = if first_digits == 4 {
        let (style, between, after) = if scanner.eat("-") {
            (DateStyle::Iso, "-", "")
        } else if scanner.eat("/") {
            (DateStyle::SlashYearFirst, "/", "")
        } else if scanner.eat("年") {
            (DateStyle::Chinese, "月", "日")
        } else {
            return Err(Unrecognised);
        };
        let (month, _) = scanner.number(1, 2).ok_or(Unrecognised)?;
        if !scanner.eat(between) {
            return Err(Unrecognised);
        }
        let (day, _) = scanner.number(1, 2).ok_or(Unrecognised)?;
        if !after.is_empty() && !scanner.eat(after) {
            return Err(Unrecognised);
        }
        (first as i32, month, day, style)
    } else if first_digits <= 2 && scanner.eat("/") {
        let (day, _) = scanner.number(1, 2).ok_or(Unrecognised)?;
        if !scanner.eat("/") {
            return Err(Unrecognised);
        }
        let (year, year_digits) = scanner.number(2, 4).ok_or(Unrecognised)?;
        let year = match year_digits {
            2 if year < 69 => 2000 + year as i32,
            2 => 1900 + year as i32,
            4 => year as i32,
            _ => return Err(Unrecognised),
        };
        (
            year,
            first,
            day,
            DateStyle::MonthFirst {
                two_digit_year: year_digits == 2,
            },
        )
    } else {
        return Err(Unrecognised);
    };
    let month_first_hint = if matches!(style, DateStyle::MonthFirst { .. }) {
        " (slash dates are read month first, M/D/Y; for day-first dates give a time format such as '%d/%m/%Y %H:%M')"
    } else {
        ""
    };
    if !(1..=12).contains(&month) {
        return Err(Invalid(format!(
            "there is no month {month}{month_first_hint}"
        )));
    }
    let date = NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
        Invalid(format!(
            "there is no day {day} in month {month} of {year}{month_first_hint}"
        ))
    })?;
    let date_alone = |offset_seconds| WrittenTime {
        date,
        clock: None,
        offset_seconds,
        shape: Some(TimeShape {
            date: style,
            clock: None,
            offset: offset_seconds.is_some(),
        }),
    };
    if scanner.done() {
        return Ok(date_alone(None));
    }
    // A date with an offset (XML Schema's `2015-12-30-08:00`), as write_calls writes dates alone.
    if style == DateStyle::Iso && matches!(scanner.peek(), Some('+' | '-' | 'Z' | 'z')) {
        let offset = scanner.offset().ok_or(Unrecognised)?;
        return if scanner.done() {
            Ok(date_alone(Some(offset)))
        } else {
            Err(Unrecognised)
        };
    }
    let t_separator = style == DateStyle::Iso && scanner.eat("T");
    if !t_separator && !scanner.skip_spaces() && style != DateStyle::Chinese {
        return Err(Unrecognised);
    }
    let (hour, _) = scanner.number(1, 2).ok_or(Unrecognised)?;
    if !scanner.eat(":") {
        return Err(Unrecognised);
    }
    let (minute, _) = scanner.number(2, 2).ok_or(Unrecognised)?;
    let mut second = 0;
    let mut millis = 0;
    let mut fraction = false;
    let seconds = scanner.eat(":");
    if seconds {
        second = scanner.number(2, 2).ok_or(Unrecognised)?.0;
        if scanner.eat(".") || scanner.eat(",") {
            let (digits, count) = scanner.number(1, 9).ok_or(Unrecognised)?;
            millis = match count {
                1 => digits * 100,
                2 => digits * 10,
                3 => digits,
                _ => digits / 10u32.pow(count as u32 - 3),
            };
            fraction = true;
        }
    }
    scanner.skip_spaces();
    let half = if scanner.eat("AM") || scanner.eat("A.M.") {
        Some(false)
    } else if scanner.eat("PM") || scanner.eat("P.M.") {
        Some(true)
    } else {
        None
    };
    scanner.skip_spaces();
    let offset_seconds = if scanner.done() {
        None
    } else {
        Some(scanner.offset().ok_or(Unrecognised)?)
    };
    if !scanner.done() {
        return Err(Unrecognised);
    }
    let hour = match half {
        Some(_) if !(1..=12).contains(&hour) => {
            return Err(Invalid(format!(
                "hour {hour} with AM/PM; a 12-hour clock runs from 1 to 12"
            )))
        }
        Some(afternoon) => hour % 12 + if afternoon { 12 } else { 0 },
        None => hour,
    };
    let clock = NaiveTime::from_hms_milli_opt(hour, minute, second, millis).ok_or_else(|| {
        Invalid(format!(
            "{hour:02}:{minute:02}:{second:02} is not a time of day"
        ))
    })?;
    Ok(WrittenTime {
        date,
        clock: Some(clock),
        offset_seconds,
        shape: Some(TimeShape {
            date: style,
            clock: Some(ClockStyle {
                t_separator,
                seconds,
                fraction,
                twelve_hour: half.is_some(),
            }),
            offset: offset_seconds.is_some(),
        }),
    })
}

/// Refuses a strftime format chrono cannot use.
fn check_time_format(format: &str) -> Result<(), String> {
    use chrono::format::{Item, StrftimeItems};
    if StrftimeItems::new(format).any(|item| matches!(item, Item::Error)) {
        return Err(format!(
            "the time format '{format}' is not a chrono strftime format (e.g. '%d/%m/%Y %H:%M')"
        ));
    }
    Ok(())
}

/// Reads `text` with a given strftime format: with an offset, else a local date and time, else a
/// date alone.
fn parse_with_format(text: &str, format: &str) -> Result<WrittenTime, String> {
    if let Ok(instant) = DateTime::parse_from_str(text, format) {
        let local = instant.naive_local();
        return Ok(WrittenTime {
            date: local.date(),
            clock: Some(local.time()),
            offset_seconds: Some(instant.offset().local_minus_utc()),
            shape: None,
        });
    }
    if let Ok(local) = NaiveDateTime::parse_from_str(text, format) {
        return Ok(WrittenTime {
            date: local.date(),
            clock: Some(local.time()),
            offset_seconds: None,
            shape: None,
        });
    }
    match NaiveDate::parse_from_str(text, format) {
        Ok(date) => Ok(WrittenTime {
            date,
            clock: None,
            offset_seconds: None,
            shape: None,
        }),
        Err(error) => Err(format!(
            "does not match the time format '{format}' ({error})"
        )),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ResolvedTime {
    at: Timestamp,
    utc_offset_minutes: i32,
    time_of_day_known: bool,
}

/// The instant of a written time, by the rules of the module docs; `None` out of chrono's range.
fn resolve(written: &WrittenTime, zone: TimeZone) -> Option<ResolvedTime> {
    let local = written.date.and_time(written.clock.unwrap_or_default());
    let (utc, offset_seconds) = match (written.offset_seconds, zone) {
        (Some(offset), TimeZone::Fixed { .. }) => (
            local.checked_sub_signed(TimeDelta::seconds(offset.into()))?,
            offset,
        ),
        (Some(offset), TimeZone::Named(zone)) => {
            let utc = local.checked_sub_signed(TimeDelta::seconds(offset.into()))?;
            (
                utc,
                zone.offset_from_utc_datetime(&utc).fix().local_minus_utc(),
            )
        }
        (None, TimeZone::Fixed { offset_minutes }) => (
            local.checked_sub_signed(TimeDelta::minutes(offset_minutes.into()))?,
            offset_minutes * 60,
        ),
        (None, TimeZone::Named(zone)) => {
            let utc = local_to_utc(zone, local)?;
            (
                utc,
                zone.offset_from_utc_datetime(&utc).fix().local_minus_utc(),
            )
        }
    };
    Some(ResolvedTime {
        at: Timestamp(utc.and_utc().timestamp_millis()),
        utc_offset_minutes: offset_seconds / 60,
        time_of_day_known: written.clock.is_some(),
    })
}

/// A local time in a zone as UTC: the earlier instant when it occurs twice; when it never occurs,
/// the offset from before the clocks moved.
fn local_to_utc(zone: chrono_tz::Tz, local: NaiveDateTime) -> Option<NaiveDateTime> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(instant) => Some(instant.naive_utc()),
        LocalResult::Ambiguous(first, second) => Some(first.naive_utc().min(second.naive_utc())),
        LocalResult::None => {
            let before = (1..=48).find_map(|hours| {
                let earlier = local.checked_sub_signed(TimeDelta::hours(hours))?;
                zone.from_local_datetime(&earlier).earliest()
            })?;
            let offset = before.offset().fix().local_minus_utc();
            local.checked_sub_signed(TimeDelta::seconds(offset.into()))
        }
    }
}

/// Writes calls in the canonical form: header
/// `id,time,lon,lat,category,type,priority,address,dispatched,arrived,deaths,injuries,loss`, times
/// in RFC 3339 with the call's own offset (`2015-12-30T20:42:00-08:00`; milliseconds only when
/// not zero), a date alone as `2015-12-30-08:00`, priorities as `P1`..`P4`, empty fields for
/// `None`. Read back with the default options, the calls come out equal, except that text is
/// trimmed on reading (so `Some("")` comes back `None`) and a date alone whose `at` is not the
/// local midnight (a zone whose clocks moved at midnight) comes back at that midnight.
pub fn write_calls(path: &Path, calls: &[CallRecord]) -> Result<(), FormatError> {
    let write_error = |source| FormatError::Write {
        file: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::create(path).map_err(write_error)?;
    let mut writer = csv::Writer::from_writer(std::io::BufWriter::new(file));
    let csv_error = |error: csv::Error| write_error(std::io::Error::other(error));
    writer
        .write_record(CanonicalColumn::ALL.map(CanonicalColumn::name))
        .map_err(csv_error)?;
    for (index, call) in calls.iter().enumerate() {
        let time = |at: Timestamp, date_alone: bool| {
            format_time(at, call.utc_offset_minutes, date_alone).ok_or_else(|| {
                write_error(std::io::Error::other(format!(
                    "call {} (id {:?}): time {} ms with offset {} min cannot be written",
                    index + 1,
                    call.id,
                    at.0,
                    call.utc_offset_minutes
                )))
            })
        };
        let optional_time = |at: Option<Timestamp>| match at {
            Some(at) => time(at, false),
            None => Ok(String::new()),
        };
        let optional = |value: Option<String>| value.unwrap_or_default();
        let record = [
            optional(call.id.clone()),
            time(call.at, !call.time_of_day_known)?,
            call.location.lon.to_string(),
            call.location.lat.to_string(),
            optional(call.category.clone()),
            optional(call.case_type.clone()),
            optional(call.priority.map(|level| format!("P{level}"))),
            optional(call.address.clone()),
            optional_time(call.dispatched)?,
            optional_time(call.arrived)?,
            optional(call.deaths.map(|n| n.to_string())),
            optional(call.injuries.map(|n| n.to_string())),
            optional(call.loss.map(|n| n.to_string())),
        ];
        writer.write_record(&record).map_err(csv_error)?;
    }
    writer
        .into_inner()
        .map_err(|error| write_error(std::io::Error::other(error.to_string())))?
        .into_inner()
        .map_err(|error| write_error(error.into_error()))?
        .sync_all()
        .map_err(write_error)
}

fn format_time(at: Timestamp, offset_minutes: i32, date_alone: bool) -> Option<String> {
    let offset = FixedOffset::east_opt(offset_minutes.checked_mul(60)?)?;
    let instant = DateTime::from_timestamp_millis(at.0)?.with_timezone(&offset);
    let format = if date_alone {
        "%Y-%m-%d%:z"
    } else if at.0.rem_euclid(1000) != 0 {
        "%Y-%m-%dT%H:%M:%S%.3f%:z"
    } else {
        "%Y-%m-%dT%H:%M:%S%:z"
    };
    Some(instant.format(format).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limited(text: &str, limits: Limits) -> Result<CallsFile, FormatError> {
        read_calls_from(
            Path::new("calls.csv"),
            text.as_bytes(),
            &CallsOptions::default(),
            limits,
        )
    }

    #[test]
    fn more_rows_than_the_limit_are_refused_even_when_skipping() {
        let limits = Limits {
            max_rows: 2,
            max_field_bytes: MAX_FIELD_BYTES,
        };
        let two = "time,lon,lat\n2020-01-01,1,2\n2020-01-02,1,2\n";
        assert_eq!(
            limited(two, limits).map(|file| file.calls.len()).ok(),
            Some(2)
        );
        let three = format!("{two}2020-01-03,1,2\n");
        let error = limited(&three, limits).expect_err("3 rows > 2").to_string();
        assert!(
            error.starts_with("calls.csv:4: more than 2 calls in one file; split it"),
            "{error}"
        );
        assert_eq!(MAX_CALL_ROWS, 20_000_000);
    }

    #[test]
    fn header_names_are_bounded_too() {
        let limits = Limits {
            max_rows: MAX_CALL_ROWS,
            max_field_bytes: 8,
        };
        let error = limited("time,lon,lat,description\n2020-01-01,1,2,x\n", limits)
            .expect_err("a long header name")
            .to_string();
        assert!(
            error.starts_with("calls.csv:1:4: a header name of 11 bytes"),
            "{error}"
        );
    }
}
