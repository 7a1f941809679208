//! A city's road network: the graphs of all profiles and the street table, with the versioned,
//! checksummed graph file that `pingan import` writes and every other command loads.

use crate::graph::{ProfileGraph, Road};
use crate::profile::Profile;
use measure::LonLat;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The file starts with these bytes, so a foreign file is recognised at once.
const MAGIC: &[u8; 8] = b"PINGANRG";
/// Bump when the stored layout changes; older files are then refused with a clear message.
pub const GRAPH_FILE_VERSION: u32 = 2;
const HEADER_LEN: usize = 8 + 4 + 8 + 4;

#[derive(Debug, thiserror::Error)]
pub enum GraphFileError {
    #[error("cannot read graph file {}: {source}", file.display())]
    Io {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write graph file {}: {source}", file.display())]
    Write {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a pingan graph file; build one with `pingan import CITY.osm.pbf -o CITY.graph`", file.display())]
    Foreign { file: PathBuf },
    #[error("{} is a version {found} graph file but this pingan reads version {expected}; rebuild it with `pingan import`", file.display())]
    Version {
        file: PathBuf,
        found: u32,
        expected: u32,
    },
    #[error("{} is truncated ({found} of {expected} bytes); rebuild it with `pingan import`", file.display())]
    Truncated {
        file: PathBuf,
        found: u64,
        expected: u64,
    },
    #[error("{} is corrupt ({reason}); rebuild it with `pingan import`", file.display())]
    Corrupt { file: PathBuf, reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the graph has no {profile} profile (it has {available}); re-import with a current pingan")]
pub struct MissingProfile {
    pub profile: Profile,
    pub available: String,
}

/// Water drawn on the base map: a lake or river area (closed ring), or a river line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Water {
    pub area: bool,
    pub name: String,
    pub points: Vec<LonLat>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RoadNetwork {
    /// The file the network was imported from.
    pub source: String,
    pub roads: Vec<Road>,
    /// Water from the extract, for the base map only.
    pub water: Vec<Water>,
    graphs: Vec<ProfileGraph>,
}

fn bincode_config() -> impl bincode::config::Config {
    bincode::config::standard().with_fixed_int_encoding()
}

impl RoadNetwork {
    pub(crate) fn new(
        source: String,
        roads: Vec<Road>,
        water: Vec<Water>,
        graphs: Vec<ProfileGraph>,
    ) -> Self {
        RoadNetwork {
            source,
            roads,
            water,
            graphs,
        }
    }

    pub fn graph(&self, profile: Profile) -> Result<&ProfileGraph, MissingProfile> {
        self.graphs
            .iter()
            .find(|g| g.profile == profile)
            .ok_or_else(|| MissingProfile {
                profile,
                available: self
                    .graphs
                    .iter()
                    .map(|g| g.profile.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    pub fn graphs(&self) -> &[ProfileGraph] {
        &self.graphs
    }

    pub fn road(&self, id: u32) -> &Road {
        &self.roads[id as usize]
    }

    /// Writes the network atomically: a crash mid-write leaves the old file in place.
    pub fn save(&self, file: &Path) -> Result<(), GraphFileError> {
        let payload = bincode::serde::encode_to_vec(self, bincode_config())
            .expect("road networks always serialise");
        let write_error = |source| GraphFileError::Write {
            file: file.to_path_buf(),
            source,
        };
        let temporary = file.with_extension("graph.partial");
        let mut out =
            std::io::BufWriter::new(std::fs::File::create(&temporary).map_err(write_error)?);
        out.write_all(MAGIC).map_err(write_error)?;
        out.write_all(&GRAPH_FILE_VERSION.to_le_bytes())
            .map_err(write_error)?;
        out.write_all(&(payload.len() as u64).to_le_bytes())
            .map_err(write_error)?;
        out.write_all(&crc32fast::hash(&payload).to_le_bytes())
            .map_err(write_error)?;
        out.write_all(&payload).map_err(write_error)?;
        out.into_inner()
            .map_err(|e| write_error(e.into_error()))?
            .sync_all()
            .map_err(write_error)?;
        std::fs::rename(&temporary, file).map_err(write_error)
    }

    pub fn load(file: &Path) -> Result<RoadNetwork, GraphFileError> {
        let bytes = std::fs::read(file).map_err(|source| GraphFileError::Io {
            file: file.to_path_buf(),
            source,
        })?;
        Self::from_bytes(file, &bytes)
    }

    /// Decodes a graph file's bytes; `file` only names it in errors.
    pub fn from_bytes(file: &Path, bytes: &[u8]) -> Result<RoadNetwork, GraphFileError> {
        let file = file.to_path_buf();
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(GraphFileError::Foreign { file });
        }
        if bytes.len() < HEADER_LEN {
            return Err(GraphFileError::Truncated {
                file,
                found: bytes.len() as u64,
                expected: HEADER_LEN as u64,
            });
        }
        let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
        if version != GRAPH_FILE_VERSION {
            return Err(GraphFileError::Version {
                file,
                found: version,
                expected: GRAPH_FILE_VERSION,
            });
        }
        let length = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
        let checksum = u32::from_le_bytes(bytes[20..24].try_into().expect("4 bytes"));
        let payload = &bytes[HEADER_LEN..];
        let expected = HEADER_LEN as u64 + length;
        if (bytes.len() as u64) < expected {
            return Err(GraphFileError::Truncated {
                file,
                found: bytes.len() as u64,
                expected,
            });
        }
        let payload = &payload[..length as usize];
        if crc32fast::hash(payload) != checksum {
            return Err(GraphFileError::Corrupt {
                file,
                reason: "checksum mismatch".into(),
            });
        }
        let (mut network, _): (RoadNetwork, usize) =
            bincode::serde::decode_from_slice(payload, bincode_config()).map_err(|e| {
                GraphFileError::Corrupt {
                    file: file.clone(),
                    reason: e.to_string(),
                }
            })?;
        network.graphs.iter_mut().for_each(ProfileGraph::prepare);
        Ok(network)
    }
}
