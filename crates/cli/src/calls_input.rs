//! The calls file every analysis command reads (`stats`, `hotspots`): the same flags, the same
//! notices about what was read and what was left aside.

use anyhow::{bail, Context, Result};
use clap::Args;
use formats::calls::{
    parse_coordinate_system, read_calls, CallRecord, CallsOptions, ColumnMapping, TimeZone,
};
use std::path::PathBuf;

#[derive(Args, Clone)]
pub struct CallsInput {
    /// Calls CSV (shared/formats/calls.md): time, lon, lat and optional id, category, type,
    /// priority, address, dispatched, arrived, deaths, injuries, loss.
    #[arg(long)]
    pub calls: PathBuf,
    /// Map the file's own column names: canonical=source,... (time=occ_date,type=final_case_type);
    /// 'priority=' leaves a column out.
    #[arg(long, default_value = "")]
    pub columns: String,
    /// Time zone of times written without an offset: an IANA name (Asia/Shanghai,
    /// America/Los_Angeles) or a fixed offset (+08:00).
    #[arg(long, visible_alias = "time-zone", default_value = "UTC")]
    pub timezone: String,
    /// Datum of the file's coordinates: wgs84, gcj02 or bd09 (converted to WGS-84).
    #[arg(long, default_value = "wgs84")]
    pub crs: String,
    /// A strftime format for every time column, instead of detecting the form
    /// ('%d/%m/%Y %H:%M' for day-first dates).
    #[arg(long)]
    pub time_format: Option<String>,
    /// Skip unreadable rows (counted, the first reasons printed) instead of refusing the file.
    #[arg(long)]
    pub skip_bad_rows: bool,
}

impl CallsInput {
    pub fn options(&self) -> Result<CallsOptions> {
        Ok(CallsOptions {
            columns: ColumnMapping::parse(&self.columns).context("--columns")?,
            time_zone: TimeZone::parse(&self.timezone).context("--timezone")?,
            crs: parse_coordinate_system(&self.crs).context("--crs")?,
            time_format: self.time_format.clone(),
            skip_bad_rows: self.skip_bad_rows,
        })
    }

    /// Reads the calls, saying on standard error what was read, skipped and left aside.
    pub fn read(&self) -> Result<Vec<CallRecord>> {
        let options = self.options()?;
        let file = read_calls(&self.calls, &options)?;
        eprintln!(
            "read {} calls from {} (times: {})",
            file.calls.len(),
            self.calls.display(),
            file.detected_time_form
        );
        if file.skipped > 0 {
            eprintln!("skipped {} bad rows; the first:", file.skipped);
            for reason in &file.skip_reasons {
                eprintln!("  {reason}");
            }
        }
        if !file.unknown_columns.is_empty() {
            eprintln!(
                "columns not used: {} (map one with --columns NAME=COLUMN)",
                file.unknown_columns.join(", ")
            );
        }
        if file.calls.is_empty() {
            bail!(
                "{} holds no readable call; check --columns and --time-format",
                self.calls.display()
            );
        }
        Ok(file.calls)
    }
}

/// A local calendar date `YYYY-MM-DD` as local days since 1970-01-01 (`hotspot::stats::LocalDate`).
pub fn parse_local_date(flag: &str, text: &str) -> Result<i64> {
    match hotspot::stats::LocalDate::parse(text) {
        Ok(date) if text.contains('-') => Ok(date.0),
        _ => bail!("{flag} '{text}' is not a date: write YYYY-MM-DD, e.g. 2015-06-01"),
    }
}

/// Local days since 1970-01-01 as `YYYY-MM-DD`.
pub fn format_local_date(day: i64) -> String {
    hotspot::stats::LocalDate(day).to_string()
}
