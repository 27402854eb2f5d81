//! `cargo xtask build [--release]`: builds the browser bundle and the server
//! with nothing but cargo (and, for release, the pinned `wasm-opt` from npm).
//!
//! Steps: compile `frontend` to wasm32, run wasm-bindgen (the library pinned
//! to the same version as the `wasm-bindgen` crate), optimise with
//! `wasm-opt -Oz` in release, copy CSS and `public/`, publish the bundle
//! under a content-hashed name with brotli and gzip copies beside it
//! ([`publish`]), build the server.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

/// Base name of the bundle files.
const NAME: &str = "logdeck";

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Build tasks for logdeck")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Build the browser bundle into target/site and the logdeck server.
    Build {
        /// Optimised build (wasm-release profile + wasm-opt, release server).
        #[arg(long)]
        release: bool,
        /// Build only the browser bundle.
        #[arg(long)]
        site_only: bool,
    },
}

fn main() -> anyhow::Result<()> {
    let Task::Build { release, site_only } = Cli::parse().task;
    let root = workspace_root()?;
    let site = root.join("target/site");
    let started = Instant::now();
    build_wasm(&root, release)?;
    let input = wasm_input(&root, release);
    let stamp_file = site.join("pkg/.built-from");
    let stamp = stamp_of(&input, release)?;
    if std::fs::read_to_string(&stamp_file).ok().as_deref() == Some(stamp.as_str())
        && bundle_present(&site)
    {
        eprintln!("xtask: wasm unchanged, keeping the processed bundle");
    } else {
        bindgen(&input, &site)?;
        if release {
            wasm_opt(&root, &site.join("pkg").join(format!("{NAME}.wasm")))?;
        }
        std::fs::write(&stamp_file, &stamp)?;
    }
    copy_assets(&root, &site)?;
    let name = publish(&site.join("pkg"), release)?;
    report_size(&site.join("pkg"), &name)?;
    if !site_only {
        let mut cmd = cargo();
        cmd.args(["build", "-p", "logdeck", "--bin", "logdeck"]);
        if release {
            cmd.arg("--release");
        }
        run(cmd.current_dir(&root))?;
    }
    eprintln!("xtask: done in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn workspace_root() -> anyhow::Result<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    Ok(dir
        .parent()
        .context("xtask has no parent directory")?
        .to_path_buf())
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed: {status}");
    }
    Ok(())
}

fn wasm_profile(release: bool) -> &'static str {
    if release { "wasm-release" } else { "dev" }
}

fn build_wasm(root: &Path, release: bool) -> anyhow::Result<()> {
    eprintln!(
        "xtask: compiling frontend to wasm ({})",
        wasm_profile(release)
    );
    let mut cmd = cargo();
    cmd.current_dir(root).args([
        "build",
        "-p",
        "frontend",
        "--lib",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        wasm_profile(release),
    ]);
    run(&mut cmd)
}

/// Where the wasm is compiled: `CARGO_TARGET_DIR` when set (cargo, which
/// inherits it, compiles there; a bundle built beside another build of the
/// workspace then waits for neither's lock), else `target/`. The bundle
/// itself always goes to `target/site`.
fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root.join(dir),
        _ => root.join("target"),
    }
}

fn wasm_input(root: &Path, release: bool) -> PathBuf {
    let dir = if release { "wasm-release" } else { "debug" };
    target_dir(root)
        .join("wasm32-unknown-unknown")
        .join(dir)
        .join("frontend.wasm")
}

/// Identifies the compiled wasm (size, modification time, profile), so an
/// unchanged module skips wasm-bindgen and wasm-opt.
fn stamp_of(input: &Path, release: bool) -> anyhow::Result<String> {
    let meta = std::fs::metadata(input).with_context(|| format!("{} missing", input.display()))?;
    let mtime = meta
        .modified()?
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    Ok(format!(
        "{} {} {}",
        meta.len(),
        mtime,
        wasm_profile(release)
    ))
}

fn bundle_present(site: &Path) -> bool {
    ["js", "wasm"]
        .iter()
        .all(|ext| site.join("pkg").join(format!("{NAME}.{ext}")).is_file())
}

fn bindgen(input: &Path, site: &Path) -> anyhow::Result<()> {
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg)?;
    eprintln!(
        "xtask: wasm-bindgen {} -> {}",
        input.display(),
        pkg.display()
    );
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(input)
        .out_name(NAME)
        .web(true)?
        .generate(&pkg)
        .context("wasm-bindgen failed")?;
    // Leptos loads `<name>.wasm` (LEPTOS_OUTPUT_NAME is set at compile time).
    std::fs::rename(
        pkg.join(format!("{NAME}_bg.wasm")),
        pkg.join(format!("{NAME}.wasm")),
    )?;
    Ok(())
}

/// Runs `wasm-opt -Oz` from the npm package `binaryen` (pinned in
/// package.json); Debian's older binaryen produces a broken module.
fn wasm_opt(root: &Path, wasm: &Path) -> anyhow::Result<()> {
    let bin = root.join("node_modules/.bin/wasm-opt");
    if !bin.exists() {
        bail!(
            "{} not found: run `npm ci` in {} first (the run and test scripts do)",
            bin.display(),
            root.display()
        );
    }
    eprintln!("xtask: wasm-opt -Oz");
    let tmp = wasm.with_extension("opt.wasm");
    run(Command::new(&bin)
        .arg("-Oz")
        .arg("--enable-bulk-memory")
        .arg("--enable-nontrapping-float-to-int")
        .arg("--enable-sign-ext")
        .arg("--enable-mutable-globals")
        .arg(wasm)
        .arg("-o")
        .arg(&tmp))?;
    std::fs::rename(&tmp, wasm)?;
    Ok(())
}

fn copy_assets(root: &Path, site: &Path) -> anyhow::Result<()> {
    std::fs::copy(
        root.join("style/main.css"),
        site.join("pkg").join(format!("{NAME}.css")),
    )
    .context("copying style/main.css")?;
    copy_dir(&root.join("public"), site)
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            std::fs::create_dir_all(&target)?;
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Copies `logdeck.{js,wasm,css}` to `logdeck.HASH.*` (HASH from their
/// contents, so a changed bundle gets new names and a browser may keep a
/// fetched one for good), writes a brotli (`.br`) and a gzip (`.gz`) copy of
/// each, removes the names of earlier builds, and records the name in
/// `pkg/bundle`, which the server reads at start. Returns the name.
fn publish(pkg: &Path, release: bool) -> anyhow::Result<String> {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    let mut files = Vec::new();
    for ext in BUNDLE {
        let bytes = std::fs::read(pkg.join(format!("{NAME}.{ext}")))
            .with_context(|| format!("reading {NAME}.{ext}"))?;
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
        files.push((ext, bytes));
    }
    let digest = hash.finalize();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let name = format!("{NAME}.{hex}");
    let done = BUNDLE
        .iter()
        .all(|ext| pkg.join(format!("{name}.{ext}.br")).is_file());
    if !done {
        eprintln!("xtask: publishing {name}.{{js,wasm,css}} with brotli and gzip copies");
        // Brotli's best quality takes seconds on the release module; a
        // debug module is ten times larger and only served locally.
        let quality = if release { 11 } else { 5 };
        for (ext, bytes) in &files {
            let path = pkg.join(format!("{name}.{ext}"));
            std::fs::write(&path, bytes)?;
            std::fs::write(path.with_extension(format!("{ext}.gz")), gzip(bytes)?)?;
            std::fs::write(
                path.with_extension(format!("{ext}.br")),
                brotli_of(bytes, quality)?,
            )?;
        }
    }
    for entry in std::fs::read_dir(pkg)? {
        let file = entry?.file_name();
        let file = file.to_string_lossy();
        let stale = file
            .strip_prefix(&format!("{NAME}."))
            .and_then(|rest| rest.split_once('.'))
            .is_some_and(|(h, _)| h.len() == hex.len() && h != hex);
        if stale {
            std::fs::remove_file(pkg.join(&*file))?;
        }
    }
    std::fs::write(pkg.join("bundle"), format!("{name}\n"))?;
    Ok(name)
}

/// The files of the bundle, by extension.
const BUNDLE: [&str; 3] = ["js", "wasm", "css"];

fn gzip(bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes)?;
    Ok(gz.finish()?)
}

fn brotli_of(bytes: &[u8], quality: u32) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: quality as i32,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(out)
}

/// Prints what each file of the bundle costs on the wire.
fn report_size(pkg: &Path, name: &str) -> anyhow::Result<()> {
    for ext in BUNDLE {
        let size = |suffix: &str| {
            std::fs::metadata(pkg.join(format!("{name}.{ext}{suffix}")))
                .map(|m| m.len() as f64 / 1024.0)
        };
        eprintln!(
            "xtask: {name}.{ext}: {:.0} KB, {:.0} KB gzip, {:.0} KB brotli",
            size("")?,
            size(".gz")?,
            size(".br")?
        );
    }
    Ok(())
}
