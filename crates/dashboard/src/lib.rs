//! The command map's web dashboard (web/), built by build.rs with npm and embedded in the binary,
//! so that `pingan serve` and `pingan demo` serve it on a network with no internet and no files
//! beside the binary.

include!(concat!(env!("OUT_DIR"), "/files.rs"));

/// One file of the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asset {
    pub name: &'static str,
    pub bytes: &'static [u8],
    pub content_type: &'static str,
    /// The name carries a hash of the content (every file but index.html), so it may be cached
    /// for good.
    pub immutable: bool,
}

/// The file at a request path: `/` is index.html, `/app-HASH.js` the bundle, and so on.
pub fn asset(path: &str) -> Option<Asset> {
    let name = match path.trim_start_matches('/') {
        "" => "index.html",
        name => name,
    };
    FILES
        .iter()
        .find(|(file, _, _)| *file == name)
        .map(|&(name, content_type, bytes)| Asset {
            name,
            bytes,
            content_type,
            immutable: name != "index.html",
        })
}

/// Every file of the dashboard, index.html included.
pub fn assets() -> impl Iterator<Item = Asset> {
    FILES.iter().filter_map(|(name, _, _)| asset(name))
}
