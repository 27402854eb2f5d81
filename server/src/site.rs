//! Locating the built browser bundle and describing it to Leptos.

use std::path::{Path, PathBuf};

use leptos::prelude::LeptosOptions;

/// Base name of the bundle files: `pkg/logdeck.js`, `.wasm`, `.css`.
pub const OUTPUT_NAME: &str = "logdeck";

/// The site root to use: the configured one, else `site/` in the target
/// directory the running binary was built into, else `target/site`.
pub fn resolve_root(configured: Option<&Path>) -> PathBuf {
    if let Some(p) = configured {
        return p.to_path_buf();
    }
    let beside_binary = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent()?.parent().map(|target| target.join("site")));
    match beside_binary {
        Some(p) if p.join("pkg").is_dir() => p,
        _ => PathBuf::from("target/site"),
    }
}

/// Leptos options for a site root.
pub fn leptos_options(root: &Path) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(OUTPUT_NAME)
        .site_root(root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .build()
}

/// Whether the bundle files the page loads are present.
pub fn bundle_missing(root: &Path) -> Vec<PathBuf> {
    ["js", "wasm", "css"]
        .iter()
        .map(|ext| root.join("pkg").join(format!("{OUTPUT_NAME}.{ext}")))
        .filter(|p| !p.is_file())
        .collect()
}
