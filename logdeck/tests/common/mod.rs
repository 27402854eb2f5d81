//! Helpers shared by the command-line tests.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::PathBuf;
use std::process::{Command, Output};

/// The `logdeck` binary under test.
pub fn logdeck() -> Command {
    Command::new(env!("CARGO_BIN_EXE_logdeck"))
}

/// A fresh, empty directory path unique to this test process.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("logdeck-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Runs `cmd`, asserts it fails and that stderr says `needle`; returns its output.
pub fn assert_fails_with(cmd: &mut Command, needle: &str) -> Output {
    let out = cmd.output().expect("logdeck runs");
    assert!(!out.status.success(), "expected failure: {cmd:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(needle), "stderr lacks {needle:?}: {stderr}");
    out
}
