//! Live runs: the live store that keeps their lines, the producers' tokens,
//! and the rules they share. Producers stream lines in and viewers follow
//! them through [`crate::api::live`]; [`crate::archive`] moves a finished
//! log to a store, and [`crate::reaper`] seals silent runs.

pub mod batches;
pub mod guesses;
pub mod tokens;

use livestore::{LiveError, LiveStore, LogKey};
use model::LogName;

pub use tokens::Tokens;

/// Largest websocket message a producer may send, in bytes.
pub const MAX_FRAME: usize = 4 << 20;

/// The live side of the server.
pub struct Live {
    /// Where live lines are kept.
    pub store: LiveStore,
    /// Who may produce.
    pub tokens: Tokens,
    /// A live run with no producer connected and no line for this long is
    /// sealed as `lost`.
    pub silence: std::time::Duration,
    /// Location prefix finished logs are archived under (empty: the local
    /// log folder).
    pub archive_to: String,
    /// Encoded `lines` messages shared by viewers.
    pub batches: batches::Batches,
    /// Lines of archived logs, by location (archived logs never change).
    archived_lines: moka::future::Cache<String, u64>,
    /// Viewer sockets open now.
    pub viewers: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// An open viewer socket, counted in [`Live::viewers`] while it lives.
pub struct Viewing(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl Viewing {
    /// Counts a viewer in `live`.
    pub fn new(live: &Live) -> Viewing {
        live.viewers
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Viewing(live.viewers.clone())
    }
}

impl Drop for Viewing {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Default of [`Live::silence`].
pub const DEFAULT_SILENCE: std::time::Duration = std::time::Duration::from_secs(600);

/// The Redis key prefix of a catalog's live logs: run ids are the
/// catalog's own, so keys carry its identity (see `Catalog::identity`).
pub fn redis_prefix(catalog_id: &str) -> String {
    format!("logdeck:live:{catalog_id}")
}

impl Live {
    /// The live store the configuration names: Redis Streams for a
    /// `redis://` URL (keys under [`redis_prefix`] of `catalog_id`), else
    /// files under `live/` in `data_dir`.
    pub async fn open(
        data_dir: &std::path::Path,
        redis_url: Option<&str>,
        catalog_id: &str,
        tokens: Tokens,
    ) -> Result<Live, livestore::LiveError> {
        let store = match redis_url {
            Some(url) => LiveStore::Redis(
                livestore::RedisStore::connect(url, &redis_prefix(catalog_id)).await?,
            ),
            None => LiveStore::Embedded(livestore::EmbeddedStore::open(data_dir.join("live"))?),
        };
        Ok(Live::new(store, tokens))
    }

    /// The live side over `store`, with the defaults.
    pub fn new(store: LiveStore, tokens: Tokens) -> Live {
        Live {
            store,
            tokens,
            silence: DEFAULT_SILENCE,
            archive_to: String::new(),
            batches: Default::default(),
            archived_lines: moka::future::Cache::new(10_000),
            viewers: Default::default(),
        }
    }

    /// The number of lines of the archived log at `location`, counted once
    /// (by one caller, however many ask at once) and then remembered.
    pub async fn archived_lines(
        &self,
        stores: &logstore::LogStores,
        location: &str,
    ) -> Result<u64, crate::archive::ArchiveError> {
        self.archived_lines
            .try_get_with(
                location.to_string(),
                crate::archive::count_lines(stores, location),
            )
            .await
            .map_err(|e| crate::archive::ArchiveError::Inconsistent(e.to_string()))
    }
}

/// The live-store key of a task run's output, the one log a task streams.
pub fn output_key(run: i64) -> Result<LogKey, LiveError> {
    LogKey::new(run, LogName::Output.as_str())
}
