//! The simulator and the scenario generator stay pure cores: no async runtime, web framework,
//! database or argument parser may creep in.

#[test]
fn core_manifests_have_no_io_dependencies() {
    for (crate_name, manifest) in [
        ("sim", include_str!("../Cargo.toml")),
        ("scenario", include_str!("../../scenario/Cargo.toml")),
    ] {
        for forbidden in ["tokio", "axum", "sqlx", "clap", "reqwest"] {
            assert!(
                !manifest.contains(forbidden),
                "crates/{crate_name}/Cargo.toml names {forbidden}; I/O belongs in the cli or server crate"
            );
        }
    }
}
