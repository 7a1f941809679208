//! The README's first command, in a real browser: `pingan demo` on the bundled city, then headless
//! Chromium (web/tests/dashboard.mjs, playwright-core) loads the dashboard, sees the map drawn
//! from pingan's own tiles, sees a call made through the API appear within 2 seconds, dispatches
//! it in the panel and sees the unit's status change. The screenshot lands in
//! target/dashboard.png.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Stops the demo however the test ends.
struct Demo(Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_demo_dashboard_works_in_headless_chromium() {
    let root = repository();
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string());
    assert!(
        Path::new(&chromium).exists(),
        "{chromium} is missing: install Debian's chromium (apt-get install chromium), as .ci/run does"
    );
    assert!(
        root.join("web/node_modules/playwright-core").exists(),
        "web/node_modules has no playwright-core: the dashboard build (crates/dashboard) runs npm ci in web/"
    );
    let out = std::env::temp_dir().join(format!("pingan-dashboard-test-{}", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_pingan"))
        .current_dir(&root)
        .args(["demo", "--listen", "127.0.0.1:0", "--calls-per-hour", "0"])
        .args(["--auto-dispatch", "off", "--out"])
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("pingan demo starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let demo = Demo(child);
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut url = None;
    let mut token = None;
    while url.is_none() || token.is_none() {
        let line = received
            .recv_timeout(Duration::from_secs(300))
            .expect("the demo prints its address and token within 5 minutes");
        let line = line.trim();
        if let Some(token_text) = line.strip_prefix("dispatcher token: ") {
            token = Some(token_text.to_string());
        } else if line.starts_with("http://") {
            url = line.split("/?token=").next().map(str::to_string);
        }
    }
    let screenshot = root.join("target/dashboard.png");
    let test = Command::new("node")
        .current_dir(root.join("web"))
        .arg("tests/dashboard.mjs")
        .env("PINGAN_URL", url.unwrap())
        .env("PINGAN_TOKEN", token.unwrap())
        .env("PINGAN_SCREENSHOT", &screenshot)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node runs (Node.js 18 or later is needed for the dashboard)");
    drop(demo);
    let _ = std::fs::remove_dir_all(&out);
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&test.stdout),
        String::from_utf8_lossy(&test.stderr)
    );
    assert!(test.status.success(), "the browser test failed:\n{report}");
    eprintln!("{report}");
    assert!(
        std::fs::metadata(&screenshot).is_ok_and(|m| m.len() > 10_000),
        "no screenshot at {}:\n{report}",
        screenshot.display()
    );
}
