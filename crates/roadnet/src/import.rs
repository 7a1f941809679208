//! OpenStreetMap import: reads a `.osm.pbf`, keeps the ways each profile may use, and builds one
//! routing graph per profile restricted to its largest strongly connected part.

use crate::graph::{EdgeInput, ProfileGraph, Road};
use crate::network::RoadNetwork;
use crate::network::Water;
use crate::profile::{way_access, Profile, WayAccess, WayTags};
use crate::scc::largest_strongly_connected;
use measure::LonLat;
use osmpbf::{BlobDecode, BlobReader, Element};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {}: {message}; is it an OpenStreetMap .osm.pbf file?", file.display())]
    Pbf { file: PathBuf, message: String },
    #[error("{} is truncated (ends in the middle of a block at byte {length}); download or copy it again", file.display())]
    Truncated { file: PathBuf, length: u64 },
    #[error("{} is not an OpenStreetMap PBF file ({reason}); give a .osm.pbf extract", file.display())]
    NotPbf { file: PathBuf, reason: String },
    #[error("{} has no roads a {profile} can use; is it a road extract (ways tagged highway=*)?", file.display())]
    NoRoads { file: PathBuf, profile: Profile },
}

/// What the importer is doing, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStage {
    ReadingWays,
    ReadingNodes,
    Contracting(Profile),
}

/// Import progress: `done` of `total` units of the stage's work.
pub type Progress<'a> = &'a (dyn Fn(ImportStage, usize, usize) + Sync);

struct Way {
    refs: Vec<i64>,
    access: [Option<WayAccess>; 3],
    road: Road,
}

struct WaterWay {
    refs: Vec<i64>,
    area: bool,
    name: String,
}

/// Whether a way without `highway` is water to draw on the base map: `Some(true)` for an area,
/// `Some(false)` for a river or canal line.
fn water_kind<'a>(tags: impl Iterator<Item = (&'a str, &'a str)>) -> Option<bool> {
    let mut kind = None;
    for (key, value) in tags {
        match (key, value) {
            ("natural", "water")
            | ("waterway", "riverbank")
            | ("landuse", "reservoir" | "basin") => kind = Some(true),
            ("waterway", "river" | "canal" | "stream") if kind.is_none() => kind = Some(false),
            _ => {}
        }
    }
    kind
}

/// The PBF format caps a block header at 64 KiB and a block at 32 MiB.
const MAX_BLOCK_HEADER_BYTES: u64 = 64 * 1024;
const MAX_BLOCK_BYTES: u64 = 32 * 1024 * 1024;

/// Walks the block frames of `file` (length, header, data) without decoding them, so that a file
/// cut short or a file of another kind gets a message saying so instead of a decoder's error.
fn check_pbf_frames(file: &Path) -> Result<(), ImportError> {
    use std::io::{Read, Seek, SeekFrom};
    let io_error = |e: std::io::Error| ImportError::Pbf {
        file: file.to_path_buf(),
        message: e.to_string(),
    };
    let not_pbf = |reason: String| ImportError::NotPbf {
        file: file.to_path_buf(),
        reason,
    };
    let mut reader = std::io::BufReader::new(std::fs::File::open(file).map_err(io_error)?);
    let length = reader.get_ref().metadata().map_err(io_error)?.len();
    let truncated = ImportError::Truncated {
        file: file.to_path_buf(),
        length,
    };
    if length == 0 {
        return Err(not_pbf("it is empty".into()));
    }
    let mut position = 0u64;
    while position < length {
        if length - position < 4 {
            return Err(truncated);
        }
        let mut size = [0u8; 4];
        reader.read_exact(&mut size).map_err(io_error)?;
        let header_size = u64::from(u32::from_be_bytes(size));
        if header_size > MAX_BLOCK_HEADER_BYTES {
            if position == 0 {
                reader.seek(SeekFrom::Start(0)).map_err(io_error)?;
                let mut start = Vec::new();
                reader
                    .by_ref()
                    .take(24)
                    .read_to_end(&mut start)
                    .map_err(io_error)?;
                return Err(not_pbf(describe_start(&start)));
            }
            return Err(ImportError::Pbf {
                file: file.to_path_buf(),
                message: format!("the block at byte {position} has a {header_size}-byte header (the format allows {MAX_BLOCK_HEADER_BYTES})"),
            });
        }
        if position + 4 + header_size > length {
            return Err(truncated);
        }
        let mut header = vec![0u8; header_size as usize];
        reader.read_exact(&mut header).map_err(io_error)?;
        let Some((kind, data_size)) = parse_block_header(&header) else {
            return Err(if position == 0 {
                not_pbf("its first bytes are not a PBF block header".into())
            } else {
                ImportError::Pbf {
                    file: file.to_path_buf(),
                    message: format!("the block header at byte {position} is unreadable"),
                }
            });
        };
        if position == 0 && kind != b"OSMHeader" {
            return Err(not_pbf(format!(
                "its first block is '{}', not 'OSMHeader'",
                String::from_utf8_lossy(&kind)
            )));
        }
        if data_size > MAX_BLOCK_BYTES {
            return Err(ImportError::Pbf {
                file: file.to_path_buf(),
                message: format!("the block at byte {position} claims {data_size} bytes (the format allows {MAX_BLOCK_BYTES})"),
            });
        }
        let end = position + 4 + header_size + data_size;
        if end > length {
            return Err(truncated);
        }
        reader.seek(SeekFrom::Start(end)).map_err(io_error)?;
        position = end;
    }
    Ok(())
}

/// What the first bytes of a file that is not a PBF look like, for the error message.
fn describe_start(start: &[u8]) -> String {
    // The cut after 24 bytes may split a character: an incomplete last one is fine.
    let text = match std::str::from_utf8(start) {
        Ok(text) => Some(text),
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&start[..e.valid_up_to()]).ok(),
        Err(_) => None,
    };
    match text {
        Some(text) if text.chars().all(|c| !c.is_control() || c.is_whitespace()) => {
            let shown: String = text
                .trim_start_matches('\u{feff}')
                .chars()
                .take(16)
                .map(|c| if c.is_whitespace() { ' ' } else { c })
                .collect();
            format!("it starts with the text '{}'", shown.trim())
        }
        _ => "its first bytes are not a PBF block header".to_string(),
    }
}

/// The `type` and `datasize` fields of a protobuf `BlobHeader`; `None` if it is not one.
fn parse_block_header(mut bytes: &[u8]) -> Option<(Vec<u8>, u64)> {
    fn varint(bytes: &mut &[u8]) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = bytes.split_first()?;
            *bytes = rest;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }
    let (mut kind, mut data_size) = (None, None);
    while !bytes.is_empty() {
        let key = varint(&mut bytes)?;
        match (key >> 3, key & 7) {
            (3, 0) => data_size = Some(varint(&mut bytes)?),
            (_, 0) => {
                varint(&mut bytes)?;
            }
            (field, 2) => {
                let size = usize::try_from(varint(&mut bytes)?).ok()?;
                let value = bytes.get(..size)?;
                if field == 1 {
                    kind = Some(value.to_vec());
                }
                bytes = &bytes[size..];
            }
            (_, 1) => bytes = bytes.get(8..)?,
            (_, 5) => bytes = bytes.get(4..)?,
            _ => return None,
        }
    }
    Some((kind?, data_size?))
}

fn read_blobs(file: &Path) -> Result<Vec<osmpbf::Blob>, ImportError> {
    check_pbf_frames(file)?;
    let error = |e: osmpbf::Error| ImportError::Pbf {
        file: file.to_path_buf(),
        message: e.to_string(),
    };
    BlobReader::from_path(file)
        .map_err(error)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(error)
}

fn read_ways(
    file: &Path,
    blobs: &[osmpbf::Blob],
    progress: Progress,
) -> Result<(Vec<Way>, Vec<WaterWay>), ImportError> {
    let done = std::sync::atomic::AtomicUsize::new(0);
    let per_blob: Vec<(Vec<Way>, Vec<WaterWay>)> = blobs
        .par_iter()
        .map(|blob| {
            let mut ways = Vec::new();
            let mut water = Vec::new();
            if let BlobDecode::OsmData(block) = blob.decode()? {
                for element in block.elements() {
                    let Element::Way(way) = element else { continue };
                    let Some(tags) = WayTags::from_pairs(way.tags()) else {
                        if let Some(area) = water_kind(way.tags()) {
                            let name = way
                                .tags()
                                .find(|(k, _)| *k == "name")
                                .map(|(_, v)| v.to_string());
                            water.push(WaterWay {
                                refs: way.refs().collect(),
                                area,
                                name: name.unwrap_or_default(),
                            });
                        }
                        continue;
                    };
                    if tags.area == Some("yes") && tags.highway == "pedestrian" {
                        continue; // a plaza outline, not a street to walk along
                    }
                    let access = Profile::ALL.map(|profile| way_access(profile, &tags));
                    if access.iter().all(Option::is_none) {
                        continue;
                    }
                    let name = way
                        .tags()
                        .find(|(k, _)| *k == "name")
                        .map(|(_, v)| v.to_string())
                        .unwrap_or_default();
                    ways.push(Way {
                        refs: way.refs().collect(),
                        access,
                        road: Road {
                            class: tags.road_class(),
                            name,
                        },
                    });
                }
            }
            let finished = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress(ImportStage::ReadingWays, finished, blobs.len());
            Ok((ways, water))
        })
        .collect::<Result<_, osmpbf::Error>>()
        .map_err(|e| ImportError::Pbf {
            file: file.to_path_buf(),
            message: e.to_string(),
        })?;
    let (ways, water): (Vec<Vec<Way>>, Vec<Vec<WaterWay>>) = per_blob.into_iter().unzip();
    Ok((
        ways.into_iter().flatten().collect(),
        water.into_iter().flatten().collect(),
    ))
}

/// Coordinates of the wanted nodes (sorted ids); `None` where the file lacks the node.
fn read_nodes(
    file: &Path,
    blobs: &[osmpbf::Blob],
    wanted: &[i64],
    progress: Progress,
) -> Result<Vec<Option<LonLat>>, ImportError> {
    let done = std::sync::atomic::AtomicUsize::new(0);
    let found: Vec<Vec<(usize, LonLat)>> = blobs
        .par_iter()
        .map(|blob| {
            let mut found = Vec::new();
            let mut keep = |id: i64, lon: f64, lat: f64| {
                if let Ok(index) = wanted.binary_search(&id) {
                    found.push((index, LonLat { lon, lat }));
                }
            };
            if let BlobDecode::OsmData(block) = blob.decode()? {
                for element in block.elements() {
                    match element {
                        Element::Node(node) => keep(node.id(), node.lon(), node.lat()),
                        Element::DenseNode(node) => keep(node.id(), node.lon(), node.lat()),
                        _ => {}
                    }
                }
            }
            let finished = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress(ImportStage::ReadingNodes, finished, blobs.len());
            Ok(found)
        })
        .collect::<Result<_, osmpbf::Error>>()
        .map_err(|e| ImportError::Pbf {
            file: file.to_path_buf(),
            message: e.to_string(),
        })?;
    let mut coordinates = vec![None; wanted.len()];
    for (index, position) in found.into_iter().flatten() {
        coordinates[index] = Some(position);
    }
    Ok(coordinates)
}

/// The roads of an OSM file as every profile sees them, before the graphs are laid out.
pub struct OsmRoads {
    source: PathBuf,
    ways: Vec<Way>,
    way_road: Vec<u32>,
    roads: Vec<Road>,
    node_ids: Vec<i64>,
    coordinates: Vec<Option<LonLat>>,
    water: Vec<Water>,
}

impl OsmRoads {
    pub fn way_count(&self) -> usize {
        self.ways.len()
    }
}

/// Reads the routable ways of `file` and their nodes' coordinates.
pub fn read_osm(file: &Path, progress: Progress) -> Result<OsmRoads, ImportError> {
    let blobs = read_blobs(file)?;
    let (ways, water_ways) = read_ways(file, &blobs, progress)?;
    let mut node_ids: Vec<i64> = ways
        .iter()
        .flat_map(|w| w.refs.iter().copied())
        .chain(water_ways.iter().flat_map(|w| w.refs.iter().copied()))
        .collect();
    node_ids.sort_unstable();
    node_ids.dedup();
    let coordinates = read_nodes(file, &blobs, &node_ids, progress)?;

    let mut road_ids: HashMap<Road, u32> = HashMap::new();
    let mut roads: Vec<Road> = Vec::new();
    let way_road: Vec<u32> = ways
        .iter()
        .map(|way| {
            *road_ids.entry(way.road.clone()).or_insert_with(|| {
                roads.push(way.road.clone());
                roads.len() as u32 - 1
            })
        })
        .collect();
    let position = |id: &i64| {
        coordinates[node_ids
            .binary_search(id)
            .expect("every way node was requested")]
    };
    let water = water_ways
        .into_iter()
        .filter_map(|way| {
            let points: Vec<LonLat> = way.refs.iter().filter_map(position).collect();
            let closed = way.refs.first() == way.refs.last() && points.len() == way.refs.len();
            let usable = if way.area {
                closed && points.len() >= 4
            } else {
                points.len() >= 2
            };
            usable.then_some(Water {
                area: way.area,
                name: way.name,
                points,
            })
        })
        .collect();
    Ok(OsmRoads {
        source: file.to_path_buf(),
        ways,
        way_road,
        roads,
        node_ids,
        coordinates,
        water,
    })
}

/// Lays out one profile's graph (largest strongly connected part) and contracts it.
pub fn build_profile(
    roads: &OsmRoads,
    profile: Profile,
    progress: Progress,
) -> Result<ProfileGraph, ImportError> {
    let slot = Profile::ALL
        .iter()
        .position(|&p| p == profile)
        .expect("ALL lists every profile");
    let (nodes, edges) = profile_edges(
        slot,
        &roads.ways,
        &roads.way_road,
        &roads.node_ids,
        &roads.coordinates,
    );
    if edges.is_empty() {
        return Err(ImportError::NoRoads {
            file: roads.source.clone(),
            profile,
        });
    }
    let (nodes, edges) = keep_largest_component(nodes, edges);
    let contracting =
        |done: usize, total: usize| progress(ImportStage::Contracting(profile), done, total);
    Ok(ProfileGraph::build(profile, nodes, edges, &contracting))
}

/// Builds the graphs of all profiles, in parallel.
pub fn build_network(roads: OsmRoads, progress: Progress) -> Result<RoadNetwork, ImportError> {
    let graphs = Profile::ALL
        .par_iter()
        .map(|&profile| build_profile(&roads, profile, progress))
        .collect::<Result<Vec<_>, _>>()?;
    let source = roads
        .source
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(RoadNetwork::new(source, roads.roads, roads.water, graphs))
}

/// Imports `file` into a road network with a graph for every profile.
pub fn import_pbf(file: &Path, progress: Progress) -> Result<RoadNetwork, ImportError> {
    build_network(read_osm(file, progress)?, progress)
}

/// The nodes (OSM id, position) and edges a profile may use; edges refer to positions in the
/// returned node list.
fn profile_edges(
    slot: usize,
    ways: &[Way],
    way_road: &[u32],
    wanted: &[i64],
    coordinates: &[Option<LonLat>],
) -> (Vec<(i64, LonLat)>, Vec<EdgeInput>) {
    let mut local = vec![u32::MAX; wanted.len()];
    let mut nodes: Vec<(i64, LonLat)> = Vec::new();
    let mut edges = Vec::new();
    let mut node_of = |global: usize, position: LonLat| {
        if local[global] == u32::MAX {
            local[global] = nodes.len() as u32;
            nodes.push((wanted[global], position));
        }
        local[global]
    };
    for (way, &road) in ways.iter().zip(way_road) {
        let Some(access) = way.access[slot] else {
            continue;
        };
        let meters_per_milli = access.speed_kmh / 3.6 / 1000.0;
        let mut previous: Option<(usize, LonLat)> = None;
        for id in &way.refs {
            let global = wanted
                .binary_search(id)
                .expect("every way node was requested");
            // A node missing from the extract cuts the way: joining across it would invent a road.
            let Some(position) = coordinates[global] else {
                previous = None;
                continue;
            };
            if let Some((previous_global, previous_position)) = previous {
                let meters = previous_position.distance_to(position).0;
                let millis = ((meters / meters_per_milli).round() as u32).max(1);
                let (tail, head) = (
                    node_of(previous_global, previous_position),
                    node_of(global, position),
                );
                let edge = |tail, head| EdgeInput {
                    tail,
                    head,
                    millis,
                    meters: meters as f32,
                    road,
                };
                if access.forward {
                    edges.push(edge(tail, head));
                }
                if access.backward {
                    edges.push(edge(head, tail));
                }
            }
            previous = Some((global, position));
        }
    }
    (nodes, edges)
}

/// Keeps the largest strongly connected part and renumbers nodes along a Hilbert curve, so that
/// nodes near each other on the map are near each other in memory.
fn keep_largest_component(
    nodes: Vec<(i64, LonLat)>,
    edges: Vec<EdgeInput>,
) -> (Vec<(i64, LonLat)>, Vec<EdgeInput>) {
    let pairs: Vec<(u32, u32)> = edges.iter().map(|e| (e.tail, e.head)).collect();
    let kept = largest_strongly_connected(nodes.len(), &pairs);
    let mut order: Vec<u32> = (0..nodes.len() as u32)
        .filter(|&v| kept[v as usize])
        .collect();
    let (mut min, mut max) = ([f64::MAX; 2], [f64::MIN; 2]);
    for &v in &order {
        let p = nodes[v as usize].1;
        min = [min[0].min(p.lon), min[1].min(p.lat)];
        max = [max[0].max(p.lon), max[1].max(p.lat)];
    }
    let cell = |value: f64, low: f64, high: f64| {
        (((value - low) / (high - low).max(1e-12)) * 65535.0) as u32
    };
    order.sort_by_cached_key(|&v| {
        let p = nodes[v as usize].1;
        hilbert_index(cell(p.lon, min[0], max[0]), cell(p.lat, min[1], max[1]))
    });
    let mut new_id = vec![u32::MAX; nodes.len()];
    for (new, &old) in order.iter().enumerate() {
        new_id[old as usize] = new as u32;
    }
    let kept_nodes = order.iter().map(|&old| nodes[old as usize]).collect();
    let kept_edges = edges
        .into_iter()
        .filter(|e| kept[e.tail as usize] && kept[e.head as usize])
        .map(|e| EdgeInput {
            tail: new_id[e.tail as usize],
            head: new_id[e.head as usize],
            ..e
        })
        .collect();
    (kept_nodes, kept_edges)
}

/// Position of cell (x, y) on the Hilbert curve over a 2^16 × 2^16 grid.
fn hilbert_index(mut x: u32, mut y: u32) -> u64 {
    let mut index = 0u64;
    let mut s = 1u32 << 15;
    while s > 0 {
        let rx = u32::from(x & s > 0);
        let ry = u32::from(y & s > 0);
        index += (s as u64) * (s as u64) * ((3 * rx) ^ ry) as u64;
        if ry == 0 {
            if rx == 1 {
                x = 0xFFFF - x;
                y = 0xFFFF - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s >>= 1;
    }
    index
}
