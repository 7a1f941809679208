//! Statistics of past calls (警情统计): counts by case type, area and period with 环比 and 同比,
//! days since the last case of a kind, the four traffic-accident indices, calls per workstation
//! per day and response KPIs. Pure functions over calls already classified and located.

use crate::taxonomy::{CategoryId, Classification, Selector, Taxonomy, TypeId};
use formats::calls::CallRecord;
use measure::{Seconds, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

const MILLIS_PER_DAY: i64 = 86_400_000;
/// 0001-01-01 and 9999-12-31 as days since 1970-01-01.
const FIRST_DAY: i64 = -719_162;
const LAST_DAY: i64 = 2_932_896;
/// The widest UTC offset of any time zone, 18 hours.
const MAX_OFFSET_MINUTES: i32 = 18 * 60;

/// The longest window a query may ask for, in days (a century).
pub const MAX_WINDOW_DAYS: i64 = 36_525;
/// The most cells (workstations × days) a daily table may hold.
pub const MAX_DAILY_CELLS: usize = 10_000_000;

/// A calendar date in the city's local time, as days since 1970-01-01. Serialised as
/// `YYYY-MM-DD`; read from that or from the day number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDate(pub i64);

impl LocalDate {
    /// The date of a year, month (1..=12) and day (1..=31 as the month allows), year 1..=9999.
    pub fn from_ymd(year: i64, month: i64, day: i64) -> Result<LocalDate, StatsError> {
        if !(1..=9999).contains(&year)
            || !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
        {
            return Err(StatsError::BadDate {
                text: format!("{year:04}-{month:02}-{day:02}"),
            });
        }
        Ok(LocalDate(
            Timestamp::from_civil(year, month, day, 0, 0, 0).0 / MILLIS_PER_DAY,
        ))
    }

    /// Year, month (1..=12), day (1..=31).
    pub fn ymd(self) -> (i64, i64, i64) {
        let civil = Timestamp(self.0 * MILLIS_PER_DAY).civil();
        (civil.year, civil.month, civil.day)
    }

    /// `YYYY-MM-DD`, or a day number since 1970-01-01.
    pub fn parse(text: &str) -> Result<LocalDate, StatsError> {
        let text = text.trim();
        let bad = || StatsError::BadDate {
            text: text.to_string(),
        };
        if let Ok(days) = text.parse::<i64>() {
            return LocalDate(days).checked().map_err(|_| bad());
        }
        let parts: Vec<&str> = text.split('-').collect();
        if parts.len() != 3 || parts[0].len() != 4 {
            return Err(bad());
        }
        let number = |part: &str| part.parse::<i64>().map_err(|_| bad());
        LocalDate::from_ymd(number(parts[0])?, number(parts[1])?, number(parts[2])?)
            .map_err(|_| bad())
    }

    /// The date itself when it lies in years 1..=9999, the range every figure works in.
    pub fn checked(self) -> Result<LocalDate, StatsError> {
        if (FIRST_DAY..=LAST_DAY).contains(&self.0) {
            Ok(self)
        } else {
            Err(StatsError::BadDate {
                text: format!("day {}", self.0),
            })
        }
    }

    /// ISO weekday: 1 = Monday .. 7 = Sunday (1970-01-01 was a Thursday).
    pub fn weekday(self) -> u8 {
        ((self.0 + 3).rem_euclid(7) + 1) as u8
    }

    /// The same month and day a year earlier; 29 February becomes 28 February.
    pub fn year_earlier(self) -> LocalDate {
        let (year, month, day) = self.ymd();
        let day = day.min(days_in_month(year - 1, month));
        LocalDate(Timestamp::from_civil(year - 1, month, day, 0, 0, 0).0 / MILLIS_PER_DAY)
    }

    /// The same month and day a year later; 29 February becomes 28 February.
    fn year_later(self) -> LocalDate {
        let (year, month, day) = self.ymd();
        let day = day.min(days_in_month(year + 1, month));
        LocalDate(Timestamp::from_civil(year + 1, month, day, 0, 0, 0).0 / MILLIS_PER_DAY)
    }

    fn is_last_of_month(self) -> bool {
        let (year, month, day) = self.ymd();
        day == days_in_month(year, month)
    }
}

impl fmt::Display for LocalDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = self.ymd();
        write!(f, "{year:04}-{month:02}-{day:02}")
    }
}

impl Serialize for LocalDate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for LocalDate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Days(i64),
            Text(String),
        }
        match Either::deserialize(deserializer)? {
            Either::Days(days) => {
                LocalDate::parse(&days.to_string()).map_err(serde::de::Error::custom)
            }
            Either::Text(text) => LocalDate::parse(&text).map_err(serde::de::Error::custom),
        }
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Where a call lies among the city's areas; the caller locates calls (dispatch's jurisdiction
/// tree) and hands the result in, one per call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallAreas {
    /// Police station (派出所).
    pub jurisdiction: Option<String>,
    pub workstation: Option<String>,
    /// Patrol grid (网格).
    pub grid: Option<String>,
    /// At a key place (重点部位), where the 1-minute rule applies.
    pub key_place: bool,
}

/// One level of the area hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaLevel {
    Jurisdiction,
    Workstation,
    Grid,
}

impl AreaLevel {
    fn of(self, areas: &CallAreas) -> Option<&str> {
        match self {
            AreaLevel::Jurisdiction => areas.jurisdiction.as_deref(),
            AreaLevel::Workstation => areas.workstation.as_deref(),
            AreaLevel::Grid => areas.grid.as_deref(),
        }
    }
    fn name(self) -> &'static str {
        match self {
            AreaLevel::Jurisdiction => "jurisdiction",
            AreaLevel::Workstation => "workstation",
            AreaLevel::Grid => "grid",
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum StatsError {
    #[error(
        "{calls} calls but {classifications} classifications; classify every call once, in order"
    )]
    ClassificationsMismatch {
        calls: usize,
        classifications: usize,
    },
    #[error("{calls} calls but {areas} area records; locate every call once, in order")]
    AreasMismatch { calls: usize, areas: usize },
    #[error("call {index} has a classification outside this taxonomy (category {category}, type {case_type:?}); classify the calls with the same taxonomy")]
    ForeignClassification {
        index: usize,
        category: u16,
        case_type: Option<u16>,
    },
    #[error("call {index}: {reason}; fix or drop that row")]
    InvalidCall { index: usize, reason: String },
    #[error("there are no calls to count")]
    NoCalls,
    #[error("no call falls in {from} to {to}; the calls run from {first} to {last}")]
    EmptyWindow {
        from: LocalDate,
        to: LocalDate,
        first: LocalDate,
        last: LocalDate,
    },
    #[error("the window starts {from}, after its end {to}; give the earlier date first")]
    ReversedWindow { from: LocalDate, to: LocalDate },
    #[error("the window {from} to {to} spans {days} days, more than the limit of {limit}; ask for a shorter period")]
    WindowTooLong {
        from: LocalDate,
        to: LocalDate,
        days: i64,
        limit: i64,
    },
    #[error("`{text}` is no date; write YYYY-MM-DD (for example 2015-03-01)")]
    BadDate { text: String },
    #[error("figures by or for {level} need the calls' areas; locate the calls first")]
    AreasNeeded { level: &'static str },
    #[error("a daily table of {workstations} workstations over {days} days has more than {limit} cells; ask for a shorter window or one jurisdiction")]
    TooManyCells {
        workstations: usize,
        days: i64,
        limit: usize,
    },
    #[error(
        "the response target `{what}` is {value} s; give a positive, finite number of seconds"
    )]
    BadTarget { what: String, value: f64 },
}

/// Calls with their classifications (one per call, same order), their areas if located, and the
/// taxonomy that classified them.
#[derive(Debug, Clone)]
pub struct CallSet<'a> {
    pub(crate) calls: &'a [CallRecord],
    pub(crate) classifications: &'a [Classification],
    pub(crate) areas: Option<&'a [CallAreas]>,
    pub(crate) taxonomy: &'a Taxonomy,
    local_days: Vec<i64>,
}

impl<'a> CallSet<'a> {
    /// Checks that classifications (and areas) match the calls one for one.
    pub fn new(
        calls: &'a [CallRecord],
        classifications: &'a [Classification],
        areas: Option<&'a [CallAreas]>,
        taxonomy: &'a Taxonomy,
    ) -> Result<CallSet<'a>, StatsError> {
        if calls.len() != classifications.len() {
            return Err(StatsError::ClassificationsMismatch {
                calls: calls.len(),
                classifications: classifications.len(),
            });
        }
        if let Some(areas) = areas {
            if areas.len() != calls.len() {
                return Err(StatsError::AreasMismatch {
                    calls: calls.len(),
                    areas: areas.len(),
                });
            }
        }
        let (n_categories, n_types) = (taxonomy.categories().len(), taxonomy.types().len());
        for (index, classification) in classifications.iter().enumerate() {
            let type_ok = classification.case_type.is_none_or(|case_type| {
                usize::from(case_type.0) < n_types
                    && taxonomy.case_type(case_type).category == classification.category
            });
            if usize::from(classification.category.0) >= n_categories || !type_ok {
                return Err(StatsError::ForeignClassification {
                    index,
                    category: classification.category.0,
                    case_type: classification.case_type.map(|t| t.0),
                });
            }
        }
        let mut local_days = Vec::with_capacity(calls.len());
        for (index, call) in calls.iter().enumerate() {
            if call.utc_offset_minutes.abs() > MAX_OFFSET_MINUTES {
                return Err(StatsError::InvalidCall {
                    index,
                    reason: format!(
                        "UTC offset {} minutes is beyond ±{MAX_OFFSET_MINUTES}",
                        call.utc_offset_minutes
                    ),
                });
            }
            let day = call
                .at
                .0
                .checked_add(i64::from(call.utc_offset_minutes) * 60_000)
                .map(|local| local.div_euclid(MILLIS_PER_DAY))
                .filter(|day| (FIRST_DAY..=LAST_DAY).contains(day));
            let valid_times = [call.dispatched, call.arrived]
                .iter()
                .flatten()
                .all(|time| (FIRST_DAY..=LAST_DAY).contains(&time.0.div_euclid(MILLIS_PER_DAY)));
            match day {
                Some(day) if valid_times => local_days.push(day),
                _ => {
                    return Err(StatsError::InvalidCall {
                        index,
                        reason: "a time lies outside the years 1 to 9999".to_string(),
                    })
                }
            }
        }
        Ok(CallSet {
            calls,
            classifications,
            areas,
            taxonomy,
            local_days,
        })
    }

    pub fn calls(&self) -> &'a [CallRecord] {
        self.calls
    }
    pub fn classifications(&self) -> &'a [Classification] {
        self.classifications
    }
    pub fn areas(&self) -> Option<&'a [CallAreas]> {
        self.areas
    }
    pub fn taxonomy(&self) -> &'a Taxonomy {
        self.taxonomy
    }

    /// The local date of call `index`.
    pub fn local_date(&self, index: usize) -> LocalDate {
        LocalDate(self.local_days[index])
    }

    /// The first and last local dates of the calls, or `None` without calls.
    pub fn date_range(&self) -> Option<(LocalDate, LocalDate)> {
        let first = self.local_days.iter().min()?;
        let last = self.local_days.iter().max()?;
        Some((LocalDate(*first), LocalDate(*last)))
    }

    fn areas_for(&self, level: AreaLevel) -> Result<&'a [CallAreas], StatsError> {
        self.areas.ok_or(StatsError::AreasNeeded {
            level: level.name(),
        })
    }
}

/// What a row of a table is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// One row: every call.
    #[default]
    None,
    Type,
    Category,
    /// One row per named group; a call may count in several groups, or in none.
    Group,
    Jurisdiction,
    Workstation,
    Grid,
    /// Local hour 0..=23; calls without a time of day are left out.
    Hour,
    /// ISO weekday, Monday first.
    Weekday,
    /// 168 rows, Monday 00h to Sunday 23h; calls without a time of day are left out.
    HourOfWeek,
    /// Calendar months of the window.
    Month,
    /// Days of the window.
    Day,
}

/// Which earlier period a window is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    /// 环比: the period of the same length just before: as many whole months when the window
    /// is whole calendar months (March compares with February), else as many days.
    Previous,
    /// 同比: the same calendar window a year earlier. The start keeps its month and day (29
    /// February becomes 28 February); an end on the last day of a month ends on that month's
    /// last day a year earlier, so whole months compare with whole months.
    Year,
}

/// Which calls count.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatsFilter {
    /// A call counts if any selector names it; empty means every call.
    pub what: Vec<Selector>,
    pub jurisdiction: Option<String>,
    pub workstation: Option<String>,
    pub grid: Option<String>,
    /// Only calls at key places.
    pub key_place_only: bool,
}

impl StatsFilter {
    fn check(&self, set: &CallSet) -> Result<(), StatsError> {
        let needs_areas = self.jurisdiction.is_some()
            || self.workstation.is_some()
            || self.grid.is_some()
            || self.key_place_only;
        if needs_areas && set.areas.is_none() {
            return Err(StatsError::AreasNeeded {
                level: "an area filter",
            });
        }
        Ok(())
    }

    fn keeps(&self, set: &CallSet, index: usize) -> bool {
        let classification = set.classifications[index];
        if !self.what.is_empty()
            && !self
                .what
                .iter()
                .any(|&selector| set.taxonomy.selects(selector, classification))
        {
            return false;
        }
        if let Some(areas) = set.areas {
            let areas = &areas[index];
            let equal = |wanted: &Option<String>, have: &Option<String>| {
                wanted.is_none() || wanted.as_deref() == have.as_deref()
            };
            if !equal(&self.jurisdiction, &areas.jurisdiction)
                || !equal(&self.workstation, &areas.workstation)
                || !equal(&self.grid, &areas.grid)
                || (self.key_place_only && !areas.key_place)
            {
                return false;
            }
        }
        true
    }
}

/// A statistics question: a window of local dates (inclusive; `None` takes the data's first or
/// last date), rows, an optional comparison and a filter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatsQuery {
    pub from: Option<LocalDate>,
    pub to: Option<LocalDate>,
    pub by: GroupBy,
    pub compare: Option<Compare>,
    pub filter: StatsFilter,
}

/// Inclusive local dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    pub from: LocalDate,
    pub to: LocalDate,
    pub days: i64,
}

impl Window {
    fn new(from: LocalDate, to: LocalDate) -> Window {
        Window {
            from,
            to,
            days: to.0 - from.0 + 1,
        }
    }
    fn holds(&self, day: i64) -> bool {
        (self.from.0..=self.to.0).contains(&day)
    }

    /// The window a comparison looks at.
    pub fn earlier(&self, compare: Compare) -> Window {
        match compare {
            Compare::Previous if self.from.ymd().2 == 1 && self.to.is_last_of_month() => {
                let months = month_index(self.to) - month_index(self.from) + 1;
                let first = month_index(self.from) - months;
                let (year, month) = (first.div_euclid(12), first.rem_euclid(12) + 1);
                let from = Timestamp::from_civil(year, month, 1, 0, 0, 0).0 / MILLIS_PER_DAY;
                Window::new(LocalDate(from), LocalDate(self.from.0 - 1))
            }
            Compare::Previous => Window::new(
                LocalDate(self.from.0 - self.days),
                LocalDate(self.from.0 - 1),
            ),
            Compare::Year => {
                let from = self.from.year_earlier();
                let to = if self.to.is_last_of_month() {
                    let (year, month, _) = self.to.ymd();
                    LocalDate(
                        Timestamp::from_civil(
                            year - 1,
                            month,
                            days_in_month(year - 1, month),
                            0,
                            0,
                            0,
                        )
                        .0 / MILLIS_PER_DAY,
                    )
                } else {
                    self.to.year_earlier()
                };
                Window::new(from, to)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatsRow {
    /// Stable key: a code, an area name, `07` (hour), `1` (ISO weekday), `1-07`, `2015-03`, a date.
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    pub calls: u64,
    /// Of the window's calls that this grouping can place (hour rows: those with a time of day).
    pub share: f64,
    pub per_day: f64,
    /// The comparison window's calls for the same key. Month and day rows take the matching
    /// period of the comparison window (a year earlier, or shifted by the window's length; under
    /// 同比 a 29 February counts with 28 February).
    pub previous: Option<u64>,
    /// (calls − previous) / previous; `None` without a comparison or when previous is 0.
    pub change: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatsTable {
    pub by: GroupBy,
    pub window: Window,
    pub previous_window: Option<Window>,
    /// The calls' first and last local dates (all calls, before any filter).
    pub data_first: LocalDate,
    pub data_last: LocalDate,
    /// False when the comparison window starts before the first call: its counts are partial.
    pub previous_window_covered: bool,
    pub total: u64,
    pub per_day: f64,
    pub previous_total: Option<u64>,
    pub total_change: Option<f64>,
    /// Calls of the window without a time of day, left out of hour rows.
    pub time_of_day_unknown: u64,
    pub rows: Vec<StatsRow>,
}

impl StatsTable {
    /// The table as CSV: `key,label_zh,label_en,calls,share,per_day` and, with a comparison,
    /// `previous,change`; the first row is the total (key `total`).
    pub fn to_csv(&self) -> String {
        let compare = self.previous_window.is_some();
        let mut text = String::from("key,label_zh,label_en,calls,share,per_day");
        if compare {
            text.push_str(",previous,change");
        }
        text.push('\n');
        let optional_count = |n: Option<u64>| n.map_or(String::new(), |n| n.to_string());
        let optional_ratio = |r: Option<f64>| r.map_or(String::new(), |r| format!("{r:.4}"));
        text.push_str(&format!(
            "total,合计,Total,{},1,{:.4}",
            self.total, self.per_day
        ));
        if compare {
            text.push_str(&format!(
                ",{},{}",
                optional_count(self.previous_total),
                optional_ratio(self.total_change)
            ));
        }
        text.push('\n');
        for row in &self.rows {
            text.push_str(&format!(
                "{},{},{},{},{:.4},{:.4}",
                csv_field(&row.key),
                csv_field(&row.label_zh),
                csv_field(&row.label_en),
                row.calls,
                row.share,
                row.per_day
            ));
            if compare {
                text.push_str(&format!(
                    ",{},{}",
                    optional_count(row.previous),
                    optional_ratio(row.change)
                ));
            }
            text.push('\n');
        }
        text
    }
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn change(now: f64, before: Option<f64>) -> Option<f64> {
    before
        .filter(|&before| before > 0.0)
        .map(|before| (now - before) / before)
}

struct ResolvedWindows {
    window: Window,
    previous: Option<Window>,
    first: LocalDate,
    last: LocalDate,
}

fn resolve(
    set: &CallSet,
    from: Option<LocalDate>,
    to: Option<LocalDate>,
    compare: Option<Compare>,
) -> Result<ResolvedWindows, StatsError> {
    let (first, last) = set.date_range().ok_or(StatsError::NoCalls)?;
    let from = from.unwrap_or(first).checked()?;
    let to = to.unwrap_or(last).checked()?;
    if from > to {
        return Err(StatsError::ReversedWindow { from, to });
    }
    let window = Window::new(from, to);
    if window.days > MAX_WINDOW_DAYS {
        return Err(StatsError::WindowTooLong {
            from,
            to,
            days: window.days,
            limit: MAX_WINDOW_DAYS,
        });
    }
    if !set.local_days.iter().any(|&day| window.holds(day)) {
        return Err(StatsError::EmptyWindow {
            from,
            to,
            first,
            last,
        });
    }
    Ok(ResolvedWindows {
        window,
        previous: compare.map(|compare| window.earlier(compare)),
        first,
        last,
    })
}

/// Labels of one row.
struct RowLabel {
    key: String,
    zh: String,
    en: String,
}

const WEEKDAYS_ZH: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
const WEEKDAYS_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// The rows of a grouping and how a call finds its row.
struct Rows {
    by: GroupBy,
    labels: Vec<RowLabel>,
    /// Area groupings: each call's row.
    area_rows: Vec<usize>,
    /// Month and day groupings: the first month (year × 12 + month − 1) or day of the window.
    first_period: i64,
    /// Map a comparison call's date into the current window's frame.
    compare: Option<Compare>,
    /// Days from the comparison window's start to the window's (day rows under 环比).
    previous_shift_days: i64,
    /// The window starts on a month's first day and ends on a month's last.
    whole_months: bool,
    /// Group grouping: for each type and each category (no type), its groups.
    groups_of_type: Vec<Vec<usize>>,
    groups_of_category: Vec<Vec<usize>>,
}

fn month_index(day: LocalDate) -> i64 {
    let (year, month, _) = day.ymd();
    year * 12 + month - 1
}

impl Rows {
    fn new(
        set: &CallSet,
        by: GroupBy,
        window: Window,
        compare: Option<Compare>,
    ) -> Result<Rows, StatsError> {
        let taxonomy = set.taxonomy;
        let mut rows = Rows {
            by,
            labels: Vec::new(),
            area_rows: Vec::new(),
            first_period: 0,
            compare,
            previous_shift_days: compare
                .map_or(0, |compare| window.from.0 - window.earlier(compare).from.0),
            whole_months: window.from.ymd().2 == 1 && window.to.is_last_of_month(),
            groups_of_type: Vec::new(),
            groups_of_category: Vec::new(),
        };
        let label = |key: String, zh: String, en: String| RowLabel { key, zh, en };
        match by {
            GroupBy::None => rows
                .labels
                .push(label("all".into(), "全部".into(), "All".into())),
            GroupBy::Type => {
                for case_type in taxonomy.types() {
                    rows.labels.push(label(
                        case_type.code.clone(),
                        case_type.zh.clone(),
                        case_type.en.clone(),
                    ));
                }
                // Calls placed in a category without a type get their category's row.
                for category in taxonomy.categories() {
                    rows.labels.push(label(
                        category.code.clone(),
                        category.zh.clone(),
                        category.en.clone(),
                    ));
                }
            }
            GroupBy::Category => {
                for category in taxonomy.categories() {
                    rows.labels.push(label(
                        category.code.clone(),
                        category.zh.clone(),
                        category.en.clone(),
                    ));
                }
            }
            GroupBy::Group => {
                for group in taxonomy.groups() {
                    rows.labels.push(label(
                        group.code.clone(),
                        group.zh.clone(),
                        group.en.clone(),
                    ));
                }
                rows.groups_of_type = (0..taxonomy.types().len())
                    .map(|index| {
                        (0..taxonomy.groups().len())
                            .filter(|&group| {
                                taxonomy.in_group(
                                    crate::taxonomy::GroupId(group as u16),
                                    Classification {
                                        category: taxonomy.case_type(TypeId(index as u16)).category,
                                        case_type: Some(TypeId(index as u16)),
                                    },
                                )
                            })
                            .collect()
                    })
                    .collect();
                rows.groups_of_category = (0..taxonomy.categories().len())
                    .map(|index| {
                        (0..taxonomy.groups().len())
                            .filter(|&group| {
                                taxonomy.in_group(
                                    crate::taxonomy::GroupId(group as u16),
                                    Classification {
                                        category: CategoryId(index as u16),
                                        case_type: None,
                                    },
                                )
                            })
                            .collect()
                    })
                    .collect();
            }
            GroupBy::Jurisdiction | GroupBy::Workstation | GroupBy::Grid => {
                let level = match by {
                    GroupBy::Jurisdiction => AreaLevel::Jurisdiction,
                    GroupBy::Workstation => AreaLevel::Workstation,
                    _ => AreaLevel::Grid,
                };
                let areas = set.areas_for(level)?;
                let mut index_of: HashMap<Option<&str>, usize> = HashMap::new();
                for call_areas in areas {
                    let name = level.of(call_areas);
                    let next = index_of.len();
                    let row = *index_of.entry(name).or_insert_with(|| {
                        rows.labels.push(match name {
                            Some(name) => label(name.into(), name.into(), name.into()),
                            None => label(String::new(), "未定位".into(), "unlocated".into()),
                        });
                        next
                    });
                    rows.area_rows.push(row);
                }
            }
            GroupBy::Hour => {
                for hour in 0..24 {
                    rows.labels.push(label(
                        format!("{hour:02}"),
                        format!("{hour}时"),
                        format!("{hour:02}h"),
                    ));
                }
            }
            GroupBy::Weekday => {
                for weekday in 0..7 {
                    rows.labels.push(label(
                        format!("{}", weekday + 1),
                        WEEKDAYS_ZH[weekday].into(),
                        WEEKDAYS_EN[weekday].into(),
                    ));
                }
            }
            GroupBy::HourOfWeek => {
                for weekday in 0..7 {
                    for hour in 0..24 {
                        rows.labels.push(label(
                            format!("{}-{hour:02}", weekday + 1),
                            format!("{} {hour}时", WEEKDAYS_ZH[weekday]),
                            format!("{} {hour:02}h", WEEKDAYS_EN[weekday]),
                        ));
                    }
                }
            }
            GroupBy::Month => {
                rows.first_period = month_index(window.from);
                for index in rows.first_period..=month_index(window.to) {
                    let (year, month) = (index.div_euclid(12), index.rem_euclid(12) + 1);
                    rows.labels.push(label(
                        format!("{year:04}-{month:02}"),
                        format!("{year}年{month}月"),
                        format!("{year:04}-{month:02}"),
                    ));
                }
            }
            GroupBy::Day => {
                rows.first_period = window.from.0;
                for day in window.from.0..=window.to.0 {
                    let date = LocalDate(day).to_string();
                    rows.labels.push(label(date.clone(), date.clone(), date));
                }
            }
        }
        Ok(rows)
    }

    /// Whether the grouping needs a time of day.
    fn by_hour(&self) -> bool {
        matches!(self.by, GroupBy::Hour | GroupBy::HourOfWeek)
    }

    /// The rows call `index` counts in; `earlier` when it lies in the comparison window.
    fn rows_of(&self, set: &CallSet, index: usize, earlier: bool, out: &mut Vec<usize>) {
        out.clear();
        let classification = set.classifications[index];
        let n_types = set.taxonomy.types().len();
        match self.by {
            GroupBy::None => out.push(0),
            GroupBy::Type => out.push(match classification.case_type {
                Some(case_type) => usize::from(case_type.0),
                None => n_types + usize::from(classification.category.0),
            }),
            GroupBy::Category => out.push(usize::from(classification.category.0)),
            GroupBy::Group => out.extend_from_slice(match classification.case_type {
                Some(case_type) => &self.groups_of_type[usize::from(case_type.0)],
                None => &self.groups_of_category[usize::from(classification.category.0)],
            }),
            GroupBy::Jurisdiction | GroupBy::Workstation | GroupBy::Grid => {
                out.push(self.area_rows[index])
            }
            GroupBy::Hour | GroupBy::HourOfWeek => {
                let call = &set.calls[index];
                if call.time_of_day_known {
                    let hour = call.local().hour as usize;
                    out.push(if self.by == GroupBy::Hour {
                        hour
                    } else {
                        (usize::from(set.local_date(index).weekday()) - 1) * 24 + hour
                    });
                }
            }
            GroupBy::Weekday => out.push(usize::from(set.local_date(index).weekday()) - 1),
            GroupBy::Month => {
                let own = month_index(set.local_date(index));
                let period = match (earlier, self.compare) {
                    (false, _) | (true, None) => own,
                    (true, Some(Compare::Year)) => own + 12,
                    // Whole-month windows compare month for month; others shift by days.
                    (true, Some(Compare::Previous)) if self.whole_months => {
                        own + self.labels.len() as i64
                    }
                    (true, Some(Compare::Previous)) => month_index(LocalDate(
                        set.local_date(index).0 + self.previous_shift_days,
                    )),
                };
                self.push_period(period, out);
            }
            GroupBy::Day => {
                let date = set.local_date(index);
                let period = match (earlier, self.compare) {
                    (false, _) | (true, None) => date.0,
                    (true, Some(Compare::Year)) => date.year_later().0,
                    (true, Some(Compare::Previous)) => date.0 + self.previous_shift_days,
                };
                self.push_period(period, out);
            }
        }
    }

    fn push_period(&self, period: i64, out: &mut Vec<usize>) {
        let row = period - self.first_period;
        if row >= 0 && (row as usize) < self.labels.len() {
            out.push(row as usize);
        }
    }
}

/// Walks the calls of both windows that pass the filter and hands each (row, earlier, call) on.
fn walk(
    set: &CallSet,
    windows: &ResolvedWindows,
    filter: &StatsFilter,
    rows: &Rows,
    mut visit: impl FnMut(usize, bool, usize),
) {
    let mut out = Vec::with_capacity(8);
    for index in 0..set.calls.len() {
        let day = set.local_days[index];
        let earlier = if windows.window.holds(day) {
            false
        } else if windows.previous.is_some_and(|previous| previous.holds(day)) {
            true
        } else {
            continue;
        };
        if !filter.keeps(set, index) {
            continue;
        }
        rows.rows_of(set, index, earlier, &mut out);
        for &row in &out {
            visit(row, earlier, index);
        }
    }
}

/// Calls counted by `query.by` in the window, with the comparison if asked.
pub fn stats(set: &CallSet, query: &StatsQuery) -> Result<StatsTable, StatsError> {
    query.filter.check(set)?;
    let windows = resolve(set, query.from, query.to, query.compare)?;
    let rows = Rows::new(set, query.by, windows.window, query.compare)?;
    let n_rows = rows.labels.len();
    let mut current = vec![0u64; n_rows];
    let mut previous = vec![0u64; n_rows];
    let (mut total, mut previous_total, mut time_of_day_unknown) = (0u64, 0u64, 0u64);
    let mut out = Vec::with_capacity(8);
    for index in 0..set.calls.len() {
        let day = set.local_days[index];
        let earlier = if windows.window.holds(day) {
            false
        } else if windows.previous.is_some_and(|window| window.holds(day)) {
            true
        } else {
            continue;
        };
        if !query.filter.keeps(set, index) {
            continue;
        }
        if earlier {
            previous_total += 1;
        } else {
            total += 1;
            if !set.calls[index].time_of_day_known {
                time_of_day_unknown += 1;
            }
        }
        rows.rows_of(set, index, earlier, &mut out);
        let counts = if earlier { &mut previous } else { &mut current };
        for &row in &out {
            counts[row] += 1;
        }
    }
    let share_base = if rows.by_hour() {
        total - time_of_day_unknown
    } else {
        total
    };
    let days = windows.window.days as f64;
    let compared = windows.previous.is_some();
    let keep_empty = matches!(
        query.by,
        GroupBy::None
            | GroupBy::Hour
            | GroupBy::Weekday
            | GroupBy::HourOfWeek
            | GroupBy::Month
            | GroupBy::Day
    );
    let mut table_rows: Vec<StatsRow> = rows
        .labels
        .into_iter()
        .enumerate()
        .filter(|(row, _)| keep_empty || current[*row] > 0 || previous[*row] > 0)
        .map(|(row, label)| {
            let calls = current[row];
            let before = compared.then_some(previous[row]);
            StatsRow {
                key: label.key,
                label_zh: label.zh,
                label_en: label.en,
                calls,
                share: if share_base > 0 {
                    calls as f64 / share_base as f64
                } else {
                    0.0
                },
                per_day: calls as f64 / days,
                previous: before,
                change: change(calls as f64, before.map(|b| b as f64)),
            }
        })
        .collect();
    if !keep_empty {
        table_rows.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.key.cmp(&b.key)));
    }
    let previous_total = compared.then_some(previous_total);
    Ok(StatsTable {
        by: query.by,
        window: windows.window,
        previous_window: windows.previous,
        data_first: windows.first,
        data_last: windows.last,
        previous_window_covered: windows
            .previous
            .is_none_or(|previous| previous.from >= windows.first),
        total,
        per_day: total as f64 / days,
        previous_total,
        total_change: change(total as f64, previous_total.map(|t| t as f64)),
        time_of_day_unknown,
        rows: table_rows,
    })
}

/// How long an area has gone without a kind of case ("246 days without a robbery").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SinceLast {
    /// The area's name; `all` when asked for the whole city.
    pub area: String,
    /// The local date of the latest such call on or before the as-of date.
    pub last: Option<LocalDate>,
    /// Days from `last` to the as-of date; `None` when the data holds no such call there.
    pub days: Option<i64>,
}

/// For every area named in the calls at `level` (or the whole city when `level` is `None`), the
/// days since the last call that `what` selects, on or before `as_of`. Longest first; areas with
/// none come first of all.
pub fn days_since_last(
    set: &CallSet,
    what: Selector,
    as_of: LocalDate,
    level: Option<AreaLevel>,
) -> Result<Vec<SinceLast>, StatsError> {
    as_of.checked()?;
    let areas = match level {
        Some(level) => Some(set.areas_for(level)?),
        None => None,
    };
    let mut last: HashMap<&str, Option<i64>> = HashMap::new();
    for index in 0..set.calls.len() {
        let area = match (level, areas) {
            (Some(level), Some(areas)) => match level.of(&areas[index]) {
                Some(area) => area,
                None => continue,
            },
            _ => "all",
        };
        let entry = last.entry(area).or_insert(None);
        let day = set.local_days[index];
        if day <= as_of.0 && set.taxonomy.selects(what, set.classifications[index]) {
            *entry = Some(entry.map_or(day, |latest: i64| latest.max(day)));
        }
    }
    if level.is_none() && last.is_empty() {
        last.insert("all", None);
    }
    let mut result: Vec<SinceLast> = last
        .into_iter()
        .map(|(area, day)| SinceLast {
            area: area.to_string(),
            last: day.map(LocalDate),
            days: day.map(|day| as_of.0 - day),
        })
        .collect();
    result.sort_by(|a, b| {
        b.days
            .is_none()
            .cmp(&a.days.is_none())
            .then(b.days.cmp(&a.days))
            .then_with(|| a.area.cmp(&b.area))
    });
    Ok(result)
}

/// The four traffic-accident indices (交通事故四项指数).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct AccidentFigures {
    /// 发生数: accident calls.
    pub accidents: u64,
    /// 死亡人数.
    pub deaths: u64,
    /// 受伤人数.
    pub injuries: u64,
    /// 直接财产损失, yuan.
    pub loss: f64,
}

impl AccidentFigures {
    fn add(&mut self, call: &CallRecord) {
        self.accidents += 1;
        self.deaths += u64::from(call.deaths.unwrap_or(0));
        self.injuries += u64::from(call.injuries.unwrap_or(0));
        self.loss += call
            .loss
            .filter(|loss| loss.is_finite() && *loss >= 0.0)
            .unwrap_or(0.0);
    }
}

/// Change ratios of the four indices; `None` where the earlier figure is 0.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct AccidentChange {
    pub accidents: Option<f64>,
    pub deaths: Option<f64>,
    pub injuries: Option<f64>,
    pub loss: Option<f64>,
}

impl AccidentChange {
    fn between(now: &AccidentFigures, before: &AccidentFigures) -> AccidentChange {
        AccidentChange {
            accidents: change(now.accidents as f64, Some(before.accidents as f64)),
            deaths: change(now.deaths as f64, Some(before.deaths as f64)),
            injuries: change(now.injuries as f64, Some(before.injuries as f64)),
            loss: change(now.loss, Some(before.loss)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccidentRow {
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    pub current: AccidentFigures,
    pub previous: Option<AccidentFigures>,
    pub change: Option<AccidentChange>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccidentTable {
    pub window: Window,
    pub previous_window: Option<Window>,
    pub total: AccidentFigures,
    pub previous_total: Option<AccidentFigures>,
    pub change: Option<AccidentChange>,
    /// Accident calls of the window with none of deaths, injuries or loss recorded.
    pub without_figures: u64,
    /// Accident calls of the window whose loss was negative or not a number (counted as 0).
    pub invalid_loss: u64,
    pub rows: Vec<AccidentRow>,
}

/// The four accident indices over calls of the taxonomy's accident types, in the query's window
/// and comparison, by the query's rows (the query's `what` filter narrows further).
pub fn traffic_accidents(set: &CallSet, query: &StatsQuery) -> Result<AccidentTable, StatsError> {
    query.filter.check(set)?;
    let windows = resolve(set, query.from, query.to, query.compare)?;
    let rows = Rows::new(set, query.by, windows.window, query.compare)?;
    let accident_types = set.taxonomy.accident_types();
    let is_accident = |index: usize| {
        set.classifications[index]
            .case_type
            .is_some_and(|case_type| accident_types.contains(&case_type))
    };
    let n_rows = rows.labels.len();
    let mut current = vec![AccidentFigures::default(); n_rows];
    let mut previous = vec![AccidentFigures::default(); n_rows];
    walk(
        set,
        &windows,
        &query.filter,
        &rows,
        |row, earlier, index| {
            if is_accident(index) {
                let figures = if earlier { &mut previous } else { &mut current };
                figures[row].add(&set.calls[index]);
            }
        },
    );
    // Totals apart from the rows: a call may sit in several rows (groups) or in none (hours).
    let mut total = AccidentFigures::default();
    let mut previous_total = AccidentFigures::default();
    let (mut without_figures, mut invalid_loss) = (0u64, 0u64);
    for (index, call) in set.calls.iter().enumerate() {
        if !is_accident(index) || !query.filter.keeps(set, index) {
            continue;
        }
        let day = set.local_days[index];
        if windows.window.holds(day) {
            total.add(call);
            without_figures +=
                u64::from(call.deaths.is_none() && call.injuries.is_none() && call.loss.is_none());
            invalid_loss += u64::from(
                call.loss
                    .is_some_and(|loss| !loss.is_finite() || loss < 0.0),
            );
        } else if windows.previous.is_some_and(|window| window.holds(day)) {
            previous_total.add(call);
        }
    }
    let compared = windows.previous.is_some();
    let keep_empty = matches!(
        query.by,
        GroupBy::None
            | GroupBy::Hour
            | GroupBy::Weekday
            | GroupBy::HourOfWeek
            | GroupBy::Month
            | GroupBy::Day
    );
    let mut table_rows: Vec<AccidentRow> = rows
        .labels
        .into_iter()
        .enumerate()
        .filter(|(row, _)| {
            keep_empty || current[*row].accidents > 0 || previous[*row].accidents > 0
        })
        .map(|(row, label)| AccidentRow {
            key: label.key,
            label_zh: label.zh,
            label_en: label.en,
            current: current[row],
            previous: compared.then_some(previous[row]),
            change: compared.then(|| AccidentChange::between(&current[row], &previous[row])),
        })
        .collect();
    if !keep_empty {
        table_rows.sort_by(|a, b| {
            b.current
                .accidents
                .cmp(&a.current.accidents)
                .then_with(|| a.key.cmp(&b.key))
        });
    }
    Ok(AccidentTable {
        window: windows.window,
        previous_window: windows.previous,
        total,
        previous_total: compared.then_some(previous_total),
        change: compared.then(|| AccidentChange::between(&total, &previous_total)),
        without_figures,
        invalid_loss,
        rows: table_rows,
    })
}

/// One workstation's calls per day of the window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkstationDays {
    /// The workstation; empty for calls no workstation holds.
    pub workstation: String,
    /// Calls on each day of the window, in order.
    pub calls: Vec<u64>,
    pub total: u64,
    pub mean_per_day: f64,
    /// The busiest day and its calls.
    pub busiest: (LocalDate, u64),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkstationDaily {
    pub window: Window,
    /// Busiest workstation (by total) first.
    pub rows: Vec<WorkstationDays>,
}

/// Calls per workstation per day in the query's window (its filter applies; `by` and `compare`
/// are not used).
pub fn calls_per_workstation_per_day(
    set: &CallSet,
    query: &StatsQuery,
) -> Result<WorkstationDaily, StatsError> {
    query.filter.check(set)?;
    let windows = resolve(set, query.from, query.to, None)?;
    let rows = Rows::new(set, GroupBy::Workstation, windows.window, None)?;
    let days = windows.window.days;
    let cells = rows.labels.len().saturating_mul(days as usize);
    if cells > MAX_DAILY_CELLS {
        return Err(StatsError::TooManyCells {
            workstations: rows.labels.len(),
            days,
            limit: MAX_DAILY_CELLS,
        });
    }
    let mut counts = vec![vec![0u64; days as usize]; rows.labels.len()];
    walk(set, &windows, &query.filter, &rows, |row, _, index| {
        counts[row][(set.local_days[index] - windows.window.from.0) as usize] += 1;
    });
    let mut result: Vec<WorkstationDays> = rows
        .labels
        .into_iter()
        .zip(counts)
        .map(|(label, calls)| {
            let total: u64 = calls.iter().sum();
            let (busiest_day, busiest_calls) = calls
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
                .map(|(day, &n)| (day, n))
                .unwrap_or((0, 0));
            WorkstationDays {
                workstation: label.key,
                total,
                mean_per_day: total as f64 / days as f64,
                busiest: (
                    LocalDate(windows.window.from.0 + busiest_day as i64),
                    busiest_calls,
                ),
                calls,
            }
        })
        .filter(|row| row.total > 0)
        .collect();
    result.sort_by(|a, b| {
        b.total
            .cmp(&a.total)
            .then_with(|| a.workstation.cmp(&b.workstation))
    });
    Ok(WorkstationDaily {
        window: windows.window,
        rows: result,
    })
}

/// Response targets, call to arrival.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseTargets {
    /// P1..P4's own targets; `None` for a priority without one.
    pub priority: [Option<Seconds>; 4],
    /// Calls at key places: the 1-minute rule.
    pub key_place: Seconds,
    /// The limits whose shares every report shows (1, 3 and 5 minutes).
    pub thresholds: Vec<Seconds>,
}

impl Default for ResponseTargets {
    fn default() -> Self {
        ResponseTargets {
            priority: [
                Some(Seconds(180.0)),
                Some(Seconds(300.0)),
                Some(Seconds(900.0)),
                None,
            ],
            key_place: Seconds(60.0),
            thresholds: vec![Seconds(60.0), Seconds(180.0), Seconds(300.0)],
        }
    }
}

impl ResponseTargets {
    fn check(&self) -> Result<(), StatsError> {
        let bad = |what: String, value: Seconds| {
            (!value.0.is_finite() || value.0 <= 0.0).then_some(StatsError::BadTarget {
                what,
                value: value.0,
            })
        };
        for (index, target) in self.priority.iter().enumerate() {
            if let Some(error) = target.and_then(|t| bad(format!("P{}", index + 1), t)) {
                return Err(error);
            }
        }
        if let Some(error) = bad("key place".into(), self.key_place) {
            return Err(error);
        }
        for threshold in &self.thresholds {
            if let Some(error) = bad("threshold".into(), *threshold) {
                return Err(error);
            }
        }
        Ok(())
    }
}

/// Calls within a limit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WithinShare {
    pub limit: Seconds,
    pub calls: u64,
    /// Of calls with an arrival; `None` without any.
    pub share: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriorityKpi {
    /// 1..=4.
    pub priority: u8,
    pub calls: u64,
    pub with_arrival: u64,
    pub target: Option<Seconds>,
    /// Arrivals within the target (`None` when the priority has none).
    pub within_target: Option<WithinShare>,
    pub median: Option<Seconds>,
}

/// Response KPIs of a window, call (`at`) to first arrival. Percentiles by nearest rank: the
/// p-th of n sorted times is the one at rank ⌈p·n⌉ (1-based), so the median of an even count
/// is the lower middle value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseKpis {
    pub window: Window,
    pub calls: u64,
    pub with_arrival: u64,
    pub without_arrival: u64,
    /// Arrival recorded before the call: left out of every figure.
    pub arrival_before_call: u64,
    pub mean: Option<Seconds>,
    pub median: Option<Seconds>,
    pub p90: Option<Seconds>,
    /// One per threshold, in the targets' order.
    pub within: Vec<WithinShare>,
    pub by_priority: Vec<PriorityKpi>,
    /// Calls without a priority 1..=4.
    pub without_priority: u64,
    /// Key-place calls against the key-place limit.
    pub key_place_calls: u64,
    pub key_place: Option<WithinShare>,
}

/// The p-th value (0 < p ≤ 1) of sorted values by nearest rank.
pub fn nearest_rank(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

fn within(sorted_millis: &[i64], limit: Seconds) -> WithinShare {
    let limit_millis = (limit.0 * 1000.0).round() as i64;
    let calls = sorted_millis.partition_point(|&millis| millis <= limit_millis) as u64;
    WithinShare {
        limit,
        calls,
        share: (!sorted_millis.is_empty()).then(|| calls as f64 / sorted_millis.len() as f64),
    }
}

fn seconds(millis: i64) -> Seconds {
    Seconds(millis as f64 / 1000.0)
}

/// Response KPIs over the query's window and filter (`by` and `compare` are not used).
pub fn response_kpis(
    set: &CallSet,
    query: &StatsQuery,
    targets: &ResponseTargets,
) -> Result<ResponseKpis, StatsError> {
    targets.check()?;
    query.filter.check(set)?;
    let windows = resolve(set, query.from, query.to, None)?;
    let mut times: Vec<i64> = Vec::new();
    let mut by_priority: [Vec<i64>; 4] = Default::default();
    let mut priority_calls = [0u64; 4];
    let mut key_place_times: Vec<i64> = Vec::new();
    let (mut calls, mut without_arrival, mut arrival_before_call) = (0u64, 0u64, 0u64);
    let (mut without_priority, mut key_place_calls) = (0u64, 0u64);
    for (index, call) in set.calls.iter().enumerate() {
        if !windows.window.holds(set.local_days[index]) || !query.filter.keeps(set, index) {
            continue;
        }
        calls += 1;
        let priority = call
            .priority
            .filter(|p| (1..=4).contains(p))
            .map(|p| usize::from(p) - 1);
        match priority {
            Some(p) => priority_calls[p] += 1,
            None => without_priority += 1,
        }
        let key_place = set.areas.is_some_and(|areas| areas[index].key_place);
        key_place_calls += u64::from(key_place);
        let Some(arrived) = call.arrived else {
            without_arrival += 1;
            continue;
        };
        let millis = arrived.0 - call.at.0;
        if millis < 0 {
            arrival_before_call += 1;
            continue;
        }
        times.push(millis);
        if let Some(p) = priority {
            by_priority[p].push(millis);
        }
        if key_place {
            key_place_times.push(millis);
        }
    }
    times.sort_unstable();
    key_place_times.sort_unstable();
    let mean = (!times.is_empty()).then(|| {
        Seconds(times.iter().map(|&t| t as f64).sum::<f64>() / times.len() as f64 / 1000.0)
    });
    let by_priority = by_priority
        .iter_mut()
        .enumerate()
        .map(|(index, priority_times)| {
            priority_times.sort_unstable();
            let target = targets.priority[index];
            PriorityKpi {
                priority: index as u8 + 1,
                calls: priority_calls[index],
                with_arrival: priority_times.len() as u64,
                target,
                within_target: target.map(|target| within(priority_times, target)),
                median: nearest_rank(priority_times, 0.5).map(seconds),
            }
        })
        .collect();
    Ok(ResponseKpis {
        window: windows.window,
        calls,
        with_arrival: times.len() as u64,
        without_arrival,
        arrival_before_call,
        mean,
        median: nearest_rank(&times, 0.5).map(seconds),
        p90: nearest_rank(&times, 0.9).map(seconds),
        within: targets
            .thresholds
            .iter()
            .map(|&limit| within(&times, limit))
            .collect(),
        by_priority,
        without_priority,
        key_place_calls,
        key_place: set
            .areas
            .map(|_| within(&key_place_times, targets.key_place)),
    })
}
