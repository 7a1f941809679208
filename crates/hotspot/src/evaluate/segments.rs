//! Street-segment hotspots: the road segments with the most calls per kilometre, a second view
//! beside the lattice for patrols that walk streets rather than squares.

use super::{check, EvaluateError};
use serde::Serialize;

/// How calls on segments are weighed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SegmentSettings {
    /// Segments shorter than this count as this long (metres, 1..=10 000), so a 3 m stub with
    /// one call does not outrank a busy block.
    pub min_length_m: f64,
    /// Weight of a call: 2^(-age / half-life); none weighs every call 1.
    pub half_life_days: Option<f64>,
}

/// One ranked segment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SegmentHotspot {
    /// Index into the caller's segment list.
    pub segment: usize,
    /// 1 = the most calls per km.
    pub rank: usize,
    /// (Decay-weighted) calls per km of max(length, min length).
    pub score: f64,
}

/// Ranks road segments by calls per km. The caller (the CLI) snaps each call to its nearest road
/// segment (`call_segment[i]`, none when too far from any road) and gives each call's age in days
/// before the forecast period (`call_age_days[i]`, ≥ 0, only read with a half-life); it then
/// buffers the top segments' geometry into polygons for the forecast file. Only segments with at
/// least one call are ranked; ties go to the lower segment index.
pub fn rank_segments(
    segment_lengths_m: &[f64],
    call_segment: &[Option<usize>],
    call_age_days: &[f64],
    settings: SegmentSettings,
) -> Result<Vec<SegmentHotspot>, EvaluateError> {
    let min_length_m = check(
        "minimum segment length (m)",
        settings.min_length_m,
        1.0,
        10_000.0,
    )?;
    let half_life = settings
        .half_life_days
        .map(|days| check("segment half-life (days)", days, 0.1, 36_500.0))
        .transpose()?;
    if half_life.is_some() && call_age_days.len() != call_segment.len() {
        return Err(EvaluateError::Input(format!(
            "{} call ages for {} calls: give one age per call (or no half-life)",
            call_age_days.len(),
            call_segment.len()
        )));
    }
    for (segment, length) in segment_lengths_m.iter().enumerate() {
        if !(length.is_finite() && *length >= 0.0) {
            return Err(EvaluateError::Input(format!(
                "segment {segment} has length {length} m; lengths must be finite and not negative"
            )));
        }
    }
    let mut weights = vec![0.0; segment_lengths_m.len()];
    for (call, segment) in call_segment.iter().enumerate() {
        let Some(segment) = *segment else { continue };
        let Some(slot) = weights.get_mut(segment) else {
            return Err(EvaluateError::Input(format!(
                "call {call} is on segment {segment}, but there are only {} segments",
                segment_lengths_m.len()
            )));
        };
        *slot += match half_life {
            None => 1.0,
            Some(half_life) => {
                let age = call_age_days[call];
                if !(age.is_finite() && age >= 0.0) {
                    return Err(EvaluateError::Input(format!(
                        "call {call} is {age} days old; ages must be finite and not negative"
                    )));
                }
                (-age / half_life).exp2()
            }
        };
    }
    let mut ranked: Vec<(usize, f64)> = weights
        .iter()
        .enumerate()
        .filter(|(_, weight)| **weight > 0.0)
        .map(|(segment, weight)| {
            let km = segment_lengths_m[segment].max(min_length_m) / 1000.0;
            (segment, weight / km)
        })
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(ranked
        .into_iter()
        .enumerate()
        .map(|(index, (segment, score))| SegmentHotspot {
            segment,
            rank: index + 1,
            score,
        })
        .collect())
}
