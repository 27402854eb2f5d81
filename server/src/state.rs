//! Shared application state handed to every handler.

use std::sync::Arc;

use app::api::SharedSource;
use axum::extract::FromRef;
use catalog::Catalog;
use leptos::prelude::LeptosOptions;
use logstore::LogStores;

use crate::indexer::Indexer;
use crate::live::Live;
use crate::logcache::LogCache;

/// Everything a request handler may need.
#[derive(Clone)]
pub struct AppState {
    /// Leptos rendering options (site root, output name).
    pub leptos: LeptosOptions,
    /// The catalog of runs, logs, jobs and events.
    pub catalog: Catalog,
    /// The stores logs may be read from.
    pub stores: Arc<LogStores>,
    /// Parsed logs recently asked for.
    pub logs: Arc<LogCache>,
    /// The indexing workers' bell and counters.
    pub indexer: Indexer,
    /// What the page's server functions read from.
    pub source: SharedSource,
    /// Request counters for `/metrics`.
    pub http: Arc<HttpStats>,
    /// Live runs: their store and the producers' tokens.
    pub live: Arc<Live>,
    /// The event feed's watch on the catalog.
    pub events: Arc<crate::events::EventHub>,
    /// Host names the server answers to besides IP addresses and
    /// `localhost` (from `--public-url`).
    pub public_hosts: Arc<Vec<String>>,
    /// How builds are compared and outliers found.
    pub population: model::PopulationRules,
    /// Connection counts of the accept loop ([`crate::listen`]).
    pub conns: Arc<crate::listen::ConnStats>,
    /// Logs retried lately (see [`RETRY_COOLDOWN`]).
    pub retried: moka::future::Cache<(i64, model::LogName), ()>,
    /// Turns for scans of a whole log (`lines?q=`), which run on the
    /// blocking pool: one per core.
    pub scans: Arc<tokio::sync::Semaphore>,
    /// How people are authenticated.
    pub auth: Arc<crate::auth::Auth>,
    /// Turns for inventory pushes, whose bodies are read whole: two.
    pub pushes: Arc<tokio::sync::Semaphore>,
    /// Largest inventory body or source file read, in bytes.
    pub inventory_limit: usize,
    /// The inventory sources this server polls.
    pub sources: Arc<crate::sources::Sources>,
}

impl AppState {
    /// State over an open catalog, log stores and live store, with an empty
    /// cache.
    pub fn new(leptos: LeptosOptions, catalog: Catalog, stores: LogStores, live: Live) -> AppState {
        let stores = Arc::new(stores);
        let indexer = Indexer::new(catalog.clone(), stores.clone());
        AppState {
            leptos,
            source: Arc::new(crate::page_data::CatalogSource::new(catalog.clone())),
            logs: Arc::new(LogCache::new(
                stores.clone(),
                crate::logcache::DEFAULT_BUDGET,
            )),
            catalog,
            stores,
            indexer,
            http: Arc::default(),
            live: Arc::new(live),
            events: Arc::default(),
            public_hosts: Arc::default(),
            population: model::PopulationRules::default(),
            conns: Arc::default(),
            retried: moka::future::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(RETRY_COOLDOWN)
                .build(),
            scans: Arc::new(tokio::sync::Semaphore::new(scan_slots())),
            auth: Arc::default(),
            pushes: Arc::new(tokio::sync::Semaphore::new(2)),
            inventory_limit: DEFAULT_INVENTORY_LIMIT,
            sources: Arc::default(),
        }
    }
}

/// Largest inventory body or source file read by default: 64 MiB (about
/// 250,000 entries).
pub const DEFAULT_INVENTORY_LIMIT: usize = 64 << 20;

/// Scans of a whole log that may run at once: one per core.
pub fn scan_slots() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Time between two retries of one log's indexing: with at most one in
/// flight, no client can make the server fetch a log more often than this.
pub const RETRY_COOLDOWN: std::time::Duration = std::time::Duration::from_secs(10);

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

/// Requests answered, by status class (1xx … 5xx), and identity headers
/// ignored, for `/metrics`.
#[derive(Debug, Default)]
pub struct HttpStats {
    pub(crate) by_class: [std::sync::atomic::AtomicU64; 5],
    untrusted_identities: std::sync::atomic::AtomicU64,
}

impl HttpStats {
    /// Counts a proxy's identity header that came from elsewhere; the count
    /// so far, this one included.
    pub fn untrusted_identity(&self) -> u64 {
        self.untrusted_identities
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1
    }

    /// Identity headers ignored for not coming from a trusted proxy.
    pub fn untrusted_identities(&self) -> u64 {
        self.untrusted_identities
            .load(std::sync::atomic::Ordering::Relaxed)
    }
}
