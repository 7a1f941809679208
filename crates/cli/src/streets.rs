//! Street hotspots for `pingan hotspots --streets`: calls snapped to the city's street blocks,
//! blocks ranked by calls per km, written as buffered outlines in the forecast format.

use anyhow::{Context, Result};
use formats::calls::CallRecord;
use hotspot::evaluate::{rank_segments, SegmentSettings};
use hotspot::forecast::Window;
use measure::{LonLat, Meters};
use roadnet::{Profile, RoadNetwork};
use serde_json::json;
use std::path::Path;

/// Half the width of a block's outline in the file, metres.
const BUFFER_METRES: f64 = 12.0;
/// Blocks shorter than this count as this long, so a stub with one call cannot lead.
const MIN_BLOCK_METRES: f64 = 50.0;

pub fn street_hotspots(
    graph_file: &Path,
    output: &Path,
    calls: &[CallRecord],
    window: Window,
    top: usize,
) -> Result<()> {
    let network = RoadNetwork::load(graph_file)
        .with_context(|| format!("--streets {}", graph_file.display()))?;
    let graph = network.graph(Profile::Car)?;
    let blocks = roadnet::street_blocks(graph);
    let limit = Meters(100.0);
    let mut call_block = Vec::new();
    let mut call_age = Vec::new();
    let mut off_road = 0usize;
    for call in calls {
        let day = crate::hotspots::event_day(call);
        if day < window.train_from || day >= window.until {
            continue;
        }
        match roadnet::snap(graph, call.location, limit) {
            Ok(snap) => {
                let (a, b) = snap.segment_nodes();
                call_block.push(blocks.block_of(a, b));
            }
            Err(_) => {
                off_road += 1;
                call_block.push(None);
            }
        }
        call_age.push(window.until - day);
    }
    let lengths: Vec<f64> = blocks.blocks.iter().map(|block| block.meters).collect();
    let ranked = rank_segments(
        &lengths,
        &call_block,
        &call_age,
        SegmentSettings {
            min_length_m: MIN_BLOCK_METRES,
            half_life_days: None,
        },
    )?;
    let mut calls_on = vec![0usize; blocks.blocks.len()];
    for block in call_block.iter().flatten() {
        calls_on[*block] += 1;
    }
    let projection = graph.projection();
    let features: Vec<_> = ranked
        .iter()
        .take(top)
        .map(|hotspot| {
            let block = &blocks.blocks[hotspot.segment];
            let line: Vec<[f64; 2]> = block
                .nodes
                .iter()
                .map(|node| projection.to_xy(graph.position(*node)))
                .collect();
            let ring: Vec<[f64; 2]> = buffer_outline(&line, BUFFER_METRES)
                .into_iter()
                .map(|xy| {
                    let point: LonLat = projection.to_lonlat(xy);
                    [point.lon, point.lat]
                })
                .collect();
            json!({
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {
                    "rank": hotspot.rank,
                    "score": hotspot.score,
                    "id": hotspot.segment,
                    "name": network.road(block.road).name,
                    "calls": calls_on[hotspot.segment],
                    "metres": (block.meters * 10.0).round() / 10.0,
                },
            })
        })
        .collect();
    let document = json!({
        "type": "FeatureCollection",
        "forecast": {
            "train_from": crate::calls_input::format_local_date(window.train_from as i64),
            "train_until": crate::calls_input::format_local_date(window.until as i64),
            "horizon_days": window.horizon_days,
            "method": "street blocks by calls per km",
            "buffer_metres": BUFFER_METRES,
        },
        "features": features,
    });
    formats::geojson::write(output, &document)?;
    println!(
        "street hotspots: {} of {} blocks flagged ({} training calls on a road, {} farther than {} from any) -> {}",
        features.len(),
        blocks.blocks.len(),
        call_block.iter().flatten().count(),
        off_road,
        limit,
        output.display()
    );
    Ok(())
}

/// A closed outline `half_width` either side of a polyline (mitred joins, capped at twice the
/// width so a sharp bend does not spike).
fn buffer_outline(line: &[[f64; 2]], half_width: f64) -> Vec<[f64; 2]> {
    let normal = |a: [f64; 2], b: [f64; 2]| {
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let length = (dx * dx + dy * dy).sqrt().max(1e-9);
        [-dy / length, dx / length]
    };
    let offsets: Vec<[f64; 2]> = (0..line.len())
        .map(|i| {
            let before = (i > 0).then(|| normal(line[i - 1], line[i]));
            let after = (i + 1 < line.len()).then(|| normal(line[i], line[i + 1]));
            match (before, after) {
                (Some(n1), Some(n2)) => {
                    let sum = [n1[0] + n2[0], n1[1] + n2[1]];
                    let length = (sum[0] * sum[0] + sum[1] * sum[1]).sqrt().max(1e-9);
                    let cos_half = (length / 2.0).max(0.5);
                    [sum[0] / length / cos_half, sum[1] / length / cos_half]
                }
                (Some(n), None) | (None, Some(n)) => n,
                (None, None) => [0.0, 0.0],
            }
        })
        .collect();
    let mut ring: Vec<[f64; 2]> = line
        .iter()
        .zip(&offsets)
        .map(|(p, n)| [p[0] + n[0] * half_width, p[1] + n[1] * half_width])
        .collect();
    ring.extend(
        line.iter()
            .zip(&offsets)
            .rev()
            .map(|(p, n)| [p[0] - n[0] * half_width, p[1] - n[1] * half_width]),
    );
    if let Some(first) = ring.first().copied() {
        ring.push(first);
    }
    ring
}
