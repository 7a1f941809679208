//! The committed OpenAPI document matches what the server serves; regenerate it with
//! `UPDATE_OPENAPI=1 cargo test -p server --test openapi` and review the diff.

#[test]
fn committed_openapi_document_matches_the_server() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let served = serde_json::to_string_pretty(&server::openapi::document()).unwrap() + "\n";
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &served).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == served,
        "crates/server/openapi.json differs from the served document; run UPDATE_OPENAPI=1 cargo test -p server --test openapi and commit it"
    );
}
