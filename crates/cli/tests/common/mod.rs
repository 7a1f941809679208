//! Shared by the command tests: the real `pingan` binary, run and judged by its exit status.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// A temporary folder of this test process, named after `what`.
pub fn work_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pingan-{what}-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn pingan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pingan"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Runs `pingan args`, which must succeed; its standard output.
#[track_caller]
pub fn succeed(args: &[&str]) -> String {
    let output = pingan(args);
    assert!(
        output.status.success(),
        "pingan {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Runs `pingan args`, which must fail; its standard error.
#[track_caller]
pub fn fail(args: &[&str]) -> String {
    let output = pingan(args);
    assert!(
        !output.status.success(),
        "pingan {args:?} should have failed"
    );
    String::from_utf8(output.stderr).unwrap()
}
