//! `cargo xtask build [--release]`: builds the browser bundle and the server
//! with nothing but cargo (and, for release, the pinned `wasm-opt` from npm).
//!
//! Steps: compile `frontend` to wasm32, run wasm-bindgen (the library pinned
//! to the same version as the `wasm-bindgen` crate), optimise with
//! `wasm-opt -Oz` in release, copy CSS and `public/`, build the server.

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
    report_size(&site.join("pkg").join(format!("{NAME}.wasm")))?;
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

fn wasm_input(root: &Path, release: bool) -> PathBuf {
    let dir = if release { "wasm-release" } else { "debug" };
    root.join("target/wasm32-unknown-unknown")
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

fn report_size(wasm: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(wasm)?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&bytes)?;
    let gz = gz.finish()?;
    eprintln!(
        "xtask: {} is {:.0} KB ({:.0} KB gzip)",
        wasm.display(),
        bytes.len() as f64 / 1024.0,
        gz.len() as f64 / 1024.0
    );
    Ok(())
}
