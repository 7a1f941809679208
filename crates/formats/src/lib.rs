//! Files pingan reads and writes: point lists (CSV, GeoJSON) and the like. Every read error names
//! the file, the line and the column, so a planner can fix the file without guessing.

pub mod calls;
pub mod geojson;
pub mod instance;
pub mod points;
pub mod suggest;

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in a file something is wrong. Lines and columns count from 1; column 0 means "the whole
/// line".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePosition {
    pub file: PathBuf,
    pub line: u64,
    pub column: u64,
}

impl fmt::Display for FilePosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.column == 0 {
            write!(f, "{}:{}", self.file.display(), self.line)
        } else {
            write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("cannot read {}: {source}", file.display())]
    Io {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", file.display())]
    Write {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{at}: {message}")]
    Invalid { at: FilePosition, message: String },
}

impl FormatError {
    pub fn invalid(file: &Path, line: u64, column: u64, message: impl Into<String>) -> Self {
        FormatError::Invalid {
            at: FilePosition {
                file: file.to_path_buf(),
                line,
                column,
            },
            message: message.into(),
        }
    }
}
