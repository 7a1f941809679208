//! Checks on what callers send before it can reach the event log: ids, free text and area
//! polygons. PostgreSQL refuses a NUL in a text column, and whatever enters the log is replayed
//! on every restart, so text is refused here with a 400 rather than failing later in the writer.

use crate::error::ApiError;
use axum::http::StatusCode;
use measure::LonLat;

/// Ids are at most this many characters.
pub const MAX_ID_CHARS: usize = 64;
/// Names, labels, addresses and phone numbers are at most this many characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Notes (of a call or added later) are at most this many characters.
pub const MAX_NOTE_CHARS: usize = 4000;
/// An area ring has at most this many corners: the self-intersection check is quadratic.
pub const MAX_AREA_CORNERS: usize = 2000;
/// A place's must-patrol line has at most this many points.
pub const MAX_LINE_POINTS: usize = 10_000;

/// The rule in words, for error messages.
pub const ID_RULE: &str =
    "1 to 64 characters: letters (any script, e.g. 派出所), digits and - _ . :";

/// The start of a long input, for messages that name it without echoing 100 KB back.
fn shown(text: &str) -> String {
    let mut start: String = text.chars().take(40).collect();
    if start.len() < text.len() {
        start.push('…');
    }
    start.escape_debug().to_string()
}

/// Refuses an id outside [`ID_RULE`]; `what` names it, e.g. "unit id".
pub fn id(what: &str, text: &str) -> Result<(), ApiError> {
    let n_chars = text.chars().count();
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':');
    if (1..=MAX_ID_CHARS).contains(&n_chars) && text.chars().all(allowed) {
        return Ok(());
    }
    Err(ApiError::bad_request(
        "invalid_id",
        format!(
            "{what} '{}' ({n_chars} characters) is not a valid id; ids are {ID_RULE}",
            shown(text)
        ),
    ))
}

/// Refuses one-line text (a name, label, address or phone number) with a control character or
/// longer than [`MAX_NAME_CHARS`]; `what` names the field.
pub fn line(what: &str, text: &str) -> Result<(), ApiError> {
    checked_text(what, text, MAX_NAME_CHARS, false)
}

/// As [`line`] for notes, which may hold line breaks and tabs, up to [`MAX_NOTE_CHARS`].
pub fn note(what: &str, text: &str) -> Result<(), ApiError> {
    checked_text(what, text, MAX_NOTE_CHARS, true)
}

fn checked_text(what: &str, text: &str, limit: usize, multiline: bool) -> Result<(), ApiError> {
    let n_chars = text.chars().count();
    if n_chars > limit {
        return Err(ApiError::bad_request(
            "invalid_text",
            format!("{what} is {n_chars} characters long; the limit is {limit}"),
        ));
    }
    let forbidden = |c: char| c.is_control() && !(multiline && matches!(c, '\n' | '\t'));
    if let Some((index, c)) = text.chars().enumerate().find(|(_, c)| forbidden(*c)) {
        let allowed = if multiline {
            "only line breaks (\\n) and tabs (\\t) are allowed"
        } else {
            "this field takes one line of printable text"
        };
        return Err(ApiError::bad_request(
            "invalid_text",
            format!(
                "{what} holds the control character U+{:04X} at character {}; {allowed}",
                c as u32,
                index + 1
            ),
        ));
    }
    Ok(())
}

fn invalid_area(message: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_area", message)
}

/// The ring without its closing corner, as (x, y) = (lon, lat).
fn corners(ring: &[LonLat]) -> Vec<(f64, f64)> {
    let mut points: Vec<(f64, f64)> = ring.iter().map(|p| (p.lon, p.lat)).collect();
    if points.len() > 1 && points.first() == points.last() {
        points.pop();
    }
    points
}

fn cross(o: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
}

fn on_segment(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> bool {
    cross(a, b, p) == 0.0
        && p.0 >= a.0.min(b.0)
        && p.0 <= a.0.max(b.0)
        && p.1 >= a.1.min(b.1)
        && p.1 <= a.1.max(b.1)
}

/// Whether segments ab and cd share any point (crossing, touching or overlapping).
fn segments_meet(a: (f64, f64), b: (f64, f64), c: (f64, f64), d: (f64, f64)) -> bool {
    let (d1, d2) = (cross(c, d, a), cross(c, d, b));
    let (d3, d4) = (cross(a, b, c), cross(a, b, d));
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        return true;
    }
    on_segment(a, c, d) || on_segment(b, c, d) || on_segment(c, a, b) || on_segment(d, a, b)
}

/// Refuses a ring with too many corners, a repeated corner, or two edges that cross or touch
/// other than where neighbours join: the point-in-polygon test of such an area answers nonsense.
pub fn simple_ring(ring: &[LonLat]) -> Result<(), ApiError> {
    let points = corners(ring);
    if points.len() > MAX_AREA_CORNERS {
        return Err(invalid_area(format!(
            "the area has {} corners; the limit is {MAX_AREA_CORNERS}: simplify the outline",
            points.len()
        )));
    }
    let n = points.len();
    if n < 3 {
        return Ok(()); // Area::new says what is wrong with fewer than 3 corners.
    }
    for i in 0..n {
        let (a, b) = (points[i], points[(i + 1) % n]);
        if a == b {
            return Err(invalid_area(format!(
                "area corners {i} and {} are the same point {a:?}; give each corner once",
                (i + 1) % n
            )));
        }
        for j in i + 1..n {
            let adjacent = j == i + 1 || (i == 0 && j == n - 1);
            let (c, d) = (points[j], points[(j + 1) % n]);
            let meet = if adjacent {
                // Neighbours share one corner; they may not fold back over each other.
                let (shared, other_first, other_second) =
                    if j == i + 1 { (b, a, d) } else { (a, b, c) };
                cross(shared, other_first, other_second) == 0.0
                    && (other_first.0 - shared.0) * (other_second.0 - shared.0)
                        + (other_first.1 - shared.1) * (other_second.1 - shared.1)
                        > 0.0
            } else {
                segments_meet(a, b, c, d)
            };
            if meet {
                return Err(invalid_area(format!(
                    "the area's edge from corner {i} meets its edge from corner {j}: the outline crosses itself; give the corners in order around the boundary"
                )));
            }
        }
    }
    Ok(())
}

fn perp(v: (f64, f64), w: (f64, f64)) -> f64 {
    v.0 * w.1 - v.1 * w.0
}

/// Twice the signed area: positive when the ring runs counter-clockwise.
fn signed_area(points: &[(f64, f64)]) -> f64 {
    let n = points.len();
    (0..n)
        .map(|i| {
            let (a, b) = (points[i], points[(i + 1) % n]);
            a.0 * b.1 - b.0 * a.1
        })
        .sum()
}

/// Strictly inside: on the boundary counts as outside.
fn strictly_inside(point: (f64, f64), ring: &[(f64, f64)]) -> bool {
    let n = ring.len();
    if (0..n).any(|i| on_segment(point, ring[i], ring[(i + 1) % n])) {
        return false;
    }
    let mut inside = false;
    for i in 0..n {
        let (a, b) = (ring[i], ring[(i + 1) % n]);
        if (a.1 > point.1) != (b.1 > point.1) {
            let crossing = a.0 + (point.1 - a.1) * (b.0 - a.0) / (b.1 - a.1);
            if point.0 < crossing {
                inside = !inside;
            }
        }
    }
    inside
}

/// Whether the interiors of two simple rings share area; sharing edges or corners is fine.
///
/// Every edge of one ring is cut where the other ring's edges meet it; just inside the first ring
/// beside each piece lies a point of the overlap whenever the overlap's boundary runs along that
/// piece, and the overlap's boundary runs along one ring or the other.
pub fn rings_overlap(first: &[LonLat], second: &[LonLat]) -> bool {
    let (first, second) = (corners(first), corners(second));
    if first.len() < 3 || second.len() < 3 {
        return false;
    }
    pieces_inside(&first, &second) || pieces_inside(&second, &first)
}

/// Whether a point just inside `ring` beside some piece of its edges lies strictly inside `other`.
fn pieces_inside(ring: &[(f64, f64)], other: &[(f64, f64)]) -> bool {
    // About a centimetre in degrees: far below any jurisdiction's width.
    const INWARD: f64 = 1e-7;
    let orientation = signed_area(ring).signum();
    let n = ring.len();
    let m = other.len();
    for i in 0..n {
        let (a, b) = (ring[i], ring[(i + 1) % n]);
        let direction = (b.0 - a.0, b.1 - a.1);
        let length_squared = direction.0 * direction.0 + direction.1 * direction.1;
        if length_squared == 0.0 {
            continue;
        }
        let along = |p: (f64, f64)| {
            ((p.0 - a.0) * direction.0 + (p.1 - a.1) * direction.1) / length_squared
        };
        let mut cuts = vec![0.0, 1.0];
        for j in 0..m {
            let (c, d) = (other[j], other[(j + 1) % m]);
            for corner in [c, d] {
                if on_segment(corner, a, b) {
                    cuts.push(along(corner));
                }
            }
            let other_direction = (d.0 - c.0, d.1 - c.1);
            let denominator = perp(direction, other_direction);
            if denominator != 0.0 {
                let offset = (c.0 - a.0, c.1 - a.1);
                let t = perp(offset, other_direction) / denominator;
                let u = perp(offset, direction) / denominator;
                if (0.0..=1.0).contains(&t) && (0.0..=1.0).contains(&u) {
                    cuts.push(t);
                }
            }
        }
        cuts.retain(|t| (0.0..=1.0).contains(t));
        cuts.sort_by(f64::total_cmp);
        let length = length_squared.sqrt();
        // The inward normal: left of the edge for a counter-clockwise ring.
        let normal = (
            -direction.1 / length * orientation,
            direction.0 / length * orientation,
        );
        for window in cuts.windows(2) {
            if window[1] - window[0] <= 1e-12 {
                continue;
            }
            let t = (window[0] + window[1]) / 2.0;
            let probe = (
                a.0 + direction.0 * t + normal.0 * INWARD,
                a.1 + direction.1 * t + normal.1 * INWARD,
            );
            if strictly_inside(probe, other) {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(points: &[(f64, f64)]) -> Vec<LonLat> {
        points
            .iter()
            .map(|&(lon, lat)| LonLat { lon, lat })
            .collect()
    }

    #[test]
    fn ids_follow_the_rule() {
        for good in ["car-1", "WS.Alt:2", "派出所_7", "a"] {
            assert!(id("unit id", good).is_ok(), "{good}");
        }
        let long = "x".repeat(65);
        for bad in ["", "a/b", "a b", "x\u{0}", long.as_str()] {
            let error = id("unit id", bad).unwrap_err();
            assert_eq!(error.code, "invalid_id", "{bad}");
            assert!(
                error.message.contains("1 to 64 characters"),
                "{}",
                error.message
            );
        }
    }

    #[test]
    fn text_refuses_control_characters_but_notes_keep_line_breaks() {
        assert!(line("label", "x\u{0}")
            .unwrap_err()
            .message
            .contains("U+0000"));
        assert!(line("label", "a\nb").is_err());
        assert!(note("note", "a\nb\tc").is_ok());
        assert!(note("note", "a\u{1b}[31m").is_err());
        assert!(line("name", &"名".repeat(MAX_NAME_CHARS)).is_ok());
        assert!(line("name", &"名".repeat(MAX_NAME_CHARS + 1))
            .unwrap_err()
            .message
            .contains("limit is 200"));
    }

    #[test]
    fn rings_that_cross_themselves_are_refused() {
        let square = ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]);
        assert!(simple_ring(&square).is_ok());
        let bow_tie = ring(&[(0.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, 1.0)]);
        assert!(simple_ring(&bow_tie).is_err());
        let touching = ring(&[(0.0, 0.0), (2.0, 0.0), (1.0, 0.0), (1.0, 1.0)]);
        assert!(simple_ring(&touching).is_err());
        let repeated = ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 0.0), (0.0, 1.0)]);
        assert!(simple_ring(&repeated).is_err());
    }

    #[test]
    fn overlap_needs_shared_area_not_a_shared_edge() {
        let west = ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]);
        let east = ring(&[(1.0, 0.0), (2.0, 0.0), (2.0, 1.0), (1.0, 1.0)]);
        let across = ring(&[(0.5, 0.2), (1.5, 0.2), (1.5, 0.8), (0.5, 0.8)]);
        let inner = ring(&[(0.2, 0.2), (0.4, 0.2), (0.4, 0.4), (0.2, 0.4)]);
        let clockwise_copy = ring(&[(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0)]);
        assert!(!rings_overlap(&west, &east));
        assert!(rings_overlap(&west, &across));
        assert!(rings_overlap(&west, &inner));
        assert!(rings_overlap(&inner, &west));
        assert!(rings_overlap(&west, &clockwise_copy));
    }
}
