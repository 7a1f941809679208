//! The embedded dashboard is whole: index.html names the hashed bundle, which is there with the
//! right content type, and the bundle names MapLibre's worker, which is there too.

use dashboard::{asset, assets};

/// The values of `attribute="…"` in `html`.
fn attribute_values<'a>(html: &'a str, attribute: &str) -> Vec<&'a str> {
    let needle = format!("{attribute}=\"");
    html.match_indices(&needle)
        .map(|(at, _)| {
            let rest = &html[at + needle.len()..];
            &rest[..rest.find('"').expect("attribute values are closed")]
        })
        .collect()
}

#[test]
fn index_names_the_bundle_and_every_named_file_is_embedded() {
    let index = asset("/").expect("/ is the dashboard page");
    assert_eq!(index.content_type, "text/html; charset=utf-8");
    assert!(!index.immutable, "index.html changes with every build");
    assert_eq!(asset("/index.html"), Some(index));
    let html = std::str::from_utf8(index.bytes).unwrap();
    assert!(!html.contains("{{"), "a placeholder was left in index.html");

    let scripts = attribute_values(html, "src");
    let styles = attribute_values(html, "href");
    assert_eq!(scripts.len(), 1, "one script: {scripts:?}");
    assert!(scripts[0].starts_with("app-") && scripts[0].ends_with(".js"));
    assert!(styles.iter().any(|name| name.ends_with(".css")));
    for name in scripts.iter().chain(&styles) {
        assert!(
            !name.contains("//"),
            "{name} would be fetched from another server"
        );
        let file = asset(&format!("/{name}")).unwrap_or_else(|| panic!("{name} is not embedded"));
        assert!(file.immutable);
        let expected = if name.ends_with(".js") {
            "text/javascript; charset=utf-8"
        } else {
            "text/css; charset=utf-8"
        };
        assert_eq!(file.content_type, expected, "{name}");
        assert!(file.bytes.len() > 1000, "{name} is nearly empty");
    }
}

#[test]
fn the_bundle_names_the_maplibre_worker_it_loads() {
    let worker = assets()
        .find(|file| file.name.starts_with("maplibre-gl-worker-") && file.name.ends_with(".mjs"))
        .expect("MapLibre's worker is embedded");
    assert_eq!(worker.content_type, "text/javascript; charset=utf-8");
    let app = assets()
        .find(|file| file.name.starts_with("app-") && file.name.ends_with(".js"))
        .unwrap();
    let app_text = std::str::from_utf8(app.bytes).unwrap();
    assert!(
        app_text.contains(worker.name),
        "app.js does not name {}, so the map would have no worker",
        worker.name
    );
}

#[test]
fn unknown_paths_are_not_assets() {
    assert_eq!(asset("/api/units"), None);
    assert_eq!(asset("/app.js"), None);
    assert_eq!(asset("/../Cargo.toml"), None);
}
