//! Builds web/ with npm into OUT_DIR and writes the table of embedded files. npm installs the
//! locked packages only when node_modules is missing or older than package-lock.json.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web");
    let web = web.canonicalize().unwrap_or_else(|error| {
        panic!(
            "the dashboard sources {} are missing: {error}",
            web.display()
        )
    });
    for input in [
        "src",
        "index.html",
        "build.mjs",
        "tsconfig.json",
        "package.json",
        "package-lock.json",
    ] {
        println!("cargo:rerun-if-changed={}", web.join(input).display());
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("web");

    if needs_install(&web) {
        run(
            npm().args(["ci", "--no-audit", "--no-fund"]),
            &web,
            "npm ci",
        );
    }
    run(
        Command::new("node").args(["node_modules/typescript/bin/tsc", "--noEmit", "-p", "."]),
        &web,
        "type-checking the dashboard (tsc --noEmit)",
    );
    run(
        Command::new("node")
            .arg("build.mjs")
            .arg("--outdir")
            .arg(&out),
        &web,
        "bundling the dashboard (node build.mjs)",
    );
    write_table(&out);
}

/// npm ci records what it installed in node_modules/.package-lock.json.
fn needs_install(web: &Path) -> bool {
    let modified = |path: PathBuf| {
        std::fs::metadata(path)
            .and_then(|meta| meta.modified())
            .ok()
    };
    match (
        modified(web.join("node_modules/.package-lock.json")),
        modified(web.join("package-lock.json")),
    ) {
        (Some(installed), Some(locked)) => installed < locked,
        _ => true,
    }
}

fn npm() -> Command {
    if cfg!(windows) {
        let mut command = Command::new("cmd");
        command.args(["/C", "npm"]);
        command
    } else {
        Command::new("npm")
    }
}

fn run(command: &mut Command, directory: &Path, what: &str) {
    let status = command.current_dir(directory).status().unwrap_or_else(|error| {
        panic!(
            "{what} could not start: {error}. The dashboard is built from web/ with Node.js 20 or later and npm; install them (Debian: apt-get install nodejs npm) and build again"
        )
    });
    assert!(
        status.success(),
        "{what} failed in {} ({status}); its output is above",
        directory.display()
    );
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("txt") => "text/plain; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

fn write_table(out: &Path) {
    let mut names: Vec<String> = std::fs::read_dir(out)
        .unwrap_or_else(|error| panic!("the bundle {} is missing: {error}", out.display()))
        .map(|entry| {
            entry
                .expect("listing the bundle")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    let mut table = String::from("pub(crate) static FILES: &[(&str, &str, &[u8])] = &[\n");
    for name in &names {
        writeln!(
            table,
            "    ({name:?}, {:?}, include_bytes!({:?})),",
            content_type(name),
            out.join(name).display().to_string()
        )
        .expect("writing to a string");
    }
    table.push_str("];\n");
    let table_file = out
        .parent()
        .expect("OUT_DIR/web has a parent")
        .join("files.rs");
    std::fs::write(&table_file, table)
        .unwrap_or_else(|error| panic!("writing {}: {error}", table_file.display()));
}
