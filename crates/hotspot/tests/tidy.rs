//! The analyses stay pure: no async runtime, web framework or database may creep in.

#[test]
fn core_manifest_has_no_io_dependencies() {
    let manifest = include_str!("../Cargo.toml");
    for forbidden in ["tokio", "axum", "sqlx", "clap", "reqwest"] {
        assert!(
            !manifest.contains(forbidden),
            "crates/hotspot/Cargo.toml names {forbidden}; I/O belongs in the cli or server crate"
        );
    }
}
