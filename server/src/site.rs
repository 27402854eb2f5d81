//! Locating the built browser bundle and describing it to Leptos.
//!
//! `cargo xtask build` publishes the bundle as `pkg/logdeck.HASH.{js,wasm,css}`
//! (HASH from the contents, with `.br` and `.gz` copies) and names it in
//! `pkg/bundle`. The page links those names, so a browser may keep them for
//! good ([`crate::assets`]). A site without `pkg/bundle` (an older build, or
//! a test) is served as `pkg/logdeck.*` without that promise.

use std::path::{Path, PathBuf};

use leptos::prelude::LeptosOptions;

/// Base name of the bundle files before hashing: `pkg/logdeck.js`, …
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

/// The bundle's published name (`logdeck.HASH`) from `pkg/bundle`, if the
/// file is there and names files of the form the build writes.
fn hashed_name(root: &Path) -> Option<String> {
    let text = std::fs::read_to_string(root.join("pkg").join("bundle")).ok()?;
    let name = text.trim();
    let hash = name.strip_prefix(OUTPUT_NAME)?.strip_prefix('.')?;
    (!hash.is_empty() && hash.bytes().all(|b| b.is_ascii_hexdigit())).then(|| name.to_string())
}

/// Leptos options for a site root; the output name is the published one
/// when there is one.
pub fn leptos_options(root: &Path) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(hashed_name(root).unwrap_or_else(|| OUTPUT_NAME.to_string()))
        .site_root(root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .build()
}

/// The bundle's hashed name, as `options` were given it (`None`: the
/// unhashed `logdeck`).
pub fn published(options: &LeptosOptions) -> Option<&str> {
    Some(&*options.output_name).filter(|n| *n != OUTPUT_NAME)
}

/// The bundle files the page loads (as `options` name them) that are not
/// there.
pub fn bundle_missing(options: &LeptosOptions) -> Vec<PathBuf> {
    let pkg = Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    ["js", "wasm", "css"]
        .iter()
        .map(|ext| pkg.join(format!("{}.{ext}", options.output_name)))
        .filter(|p| !p.is_file())
        .collect()
}
