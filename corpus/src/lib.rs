//! `corpus` — a deterministic generator of realistic streaming-session logs
//! and their inventory, in the formats of `docs/formats.md`.
//!
//! Every connection of the simulated service has an [`InventoryEntry`] and up
//! to two logs: a **server** log (Windows VM, millisecond time stamps) and a
//! **client** log (Linux/macOS, microsecond time stamps). Lines look like
//!
//! ```text
//! 21:02:13:123 | INFO    | main.c          |                      SendVideo:307   | Average Encode Time: 0.006012
//! ```
//!
//! in the three padding layouts the protocol used over time (chosen by each
//! log's build). Logs carry the four metrics (latency, decode time, encode
//! time and size) at their real rates, the `Longest Encode …` look-alikes,
//! chatter, templated warnings and errors (denser, in bursts and with higher
//! latency in the ~12 % of degraded sessions), sessions crossing midnight,
//! 5 MB rotation, and a handful of damaged files (CRLF, invalid UTF-8, a
//! truncated last line, continuation lines, empty files).
//!
//! Everything is seeded: the same [`Config`] always produces byte-identical
//! output (ChaCha8, stable across `rand` versions).
//!
//! ```no_run
//! let summary = corpus::generate(&corpus::Config::default(), std::path::Path::new("/tmp/corpus"), |_, _| {})?;
//! println!("{} files, {} bytes", summary.files, summary.bytes);
//! # Ok::<(), std::io::Error>(())
//! ```

mod builds;
mod damage;
mod inventory;
mod large;
mod layout;
mod logs;
mod messages;
mod rng;
mod session;
mod text;
mod timeline;
mod users;

#[cfg(test)]
mod tests;

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Name of the inventory file written by [`generate`].
pub const INVENTORY_FILE: &str = "inventory.json";
/// Folder (the "local store") holding the log files written by [`generate`];
/// the file names in the inventory are relative to it.
pub const LOGS_DIR: &str = "logs";
/// Logs are rotated at this size, so no log file is larger.
pub const MAX_LOG_BYTES: usize = 5 * 1024 * 1024;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Number of connections (inventory entries).
    pub connections: usize,
    /// Seed of every random choice.
    pub seed: u64,
}

impl Default for Config {
    /// 1000 connections, seed 42.
    fn default() -> Self {
        Config {
            connections: 1000,
            seed: 42,
        }
    }
}

/// One connection in the inventory (field names as in the known data set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryEntry {
    /// Unique id of the connection.
    pub connection_id: u64,
    /// The user's e-mail; missing in about 1 in 9 entries.
    pub username: Option<String>,
    /// IP of the server VM, e.g. `52.237.153.167`.
    pub ip: String,
    /// When the logs were received, `MM/DD/YYYY, HH:MM` (UTC).
    pub last_updated: String,
    /// 16-character build id of the protocol; missing in a few percent.
    pub version: Option<String>,
    /// File name of the client log in the logs folder; missing in ~80 %.
    pub client_logs: Option<String>,
    /// File name of the server log in the logs folder; missing in ~2 %.
    pub server_logs: Option<String>,
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Number of connections (inventory entries).
    pub connections: usize,
    /// Number of log files written (empty damaged files included; the
    /// inventory file is not counted).
    pub files: usize,
    /// Total bytes written: all log files plus the inventory file.
    pub bytes: u64,
}

/// Writes `<out>/inventory.json` (a JSON array, newest first, pretty) and the
/// log files into `<out>/logs/`. `progress(done, total)` is called after each
/// connection.
///
/// Directories are created as needed; existing files with the same names are
/// overwritten, other files are left alone.
pub fn generate(
    config: &Config,
    out: &Path,
    mut progress: impl FnMut(usize, usize),
) -> std::io::Result<Summary> {
    let plans = inventory::plan(config);
    let logs_dir = out.join(LOGS_DIR);
    fs::create_dir_all(&logs_dir)?;

    let mut inv = BufWriter::new(File::create(out.join(INVENTORY_FILE))?);
    let entries: Vec<&InventoryEntry> = plans.iter().map(|p| &p.entry).collect();
    serde_json::to_writer_pretty(&mut inv, &entries)?;
    inv.write_all(b"\n")?;
    inv.flush()?;
    let mut bytes = fs::metadata(out.join(INVENTORY_FILE))?.len();

    let mut files = 0;
    let mut buf = Vec::with_capacity(1 << 20);
    let mut scratch = Vec::new();
    let total = plans.len();
    for (i, plan) in plans.iter().enumerate() {
        let tl = logs::timeline(config.seed, plan);
        for (name, side) in [
            (&plan.entry.server_logs, logs::Side::Server),
            (&plan.entry.client_logs, logs::Side::Client),
        ] {
            if let Some(name) = name {
                logs::render(config.seed, plan, &tl, side, &mut buf, &mut scratch);
                let mut f = BufWriter::with_capacity(1 << 16, File::create(logs_dir.join(name))?);
                f.write_all(&buf)?;
                f.flush()?;
                files += 1;
                bytes += buf.len() as u64;
            }
        }
        progress(i + 1, total);
    }
    Ok(Summary {
        connections: total,
        files,
        bytes,
    })
}

/// The inventory alone (cheap, no logs): the same entries, in the same
/// order (newest first), as [`generate`] writes.
pub fn inventory(config: &Config) -> Vec<InventoryEntry> {
    inventory::plan(config)
        .into_iter()
        .map(|p| p.entry)
        .collect()
}

/// One large log of about `bytes` bytes (at most one line more), for
/// benchmarks and tests: consecutive well-formed sessions, mostly in the
/// newest layout mixed with the older ones, with the realistic mix of levels
/// and metric lines. Even seeds give a server-style log (ms time stamps),
/// odd seeds a client-style log (µs time stamps). No rotation, no damage.
pub fn large_log(seed: u64, bytes: usize) -> Vec<u8> {
    large::large_log(seed, bytes)
}
