//! logdeck's catalog: runs, their logs and summaries, indexing jobs, events
//! and bookmarks, in SQLite (the embedded default, one file) or PostgreSQL.
//!
//! Both engines run the same statements through sqlx's `Any` driver, written
//! with `$N` placeholders, which both accept; where the engines differ
//! (search, job leasing, schema) the [`Backend`] picks the statement.
//! Pagination is by keyset everywhere: a cursor names the last row seen.

pub mod analytics;
pub mod audit;
mod bookmarks;
pub use bookmarks::MAX_NOTE;
mod builds;
pub mod sessions;
pub use builds::BARS;
mod cursor;
mod estimate;
mod events;
mod history;
pub use events::MAX_EVENTS;
pub use history::MAX_HISTORY;
mod import;
pub mod inventory;
mod jobs;
mod live;
pub use live::{RunState, TASK_ID_BASE};
mod migrate;
mod names;
mod runs;
mod search;
mod session_metrics;
pub mod sources;
pub use search::{MAX_TERM_CHARS, SearchLimits, fold};
pub use templates::template_key;
mod sql;
mod templates;
#[cfg(feature = "testing")]
pub mod testing;
mod time;
mod tokens;
mod upsert;

/// Text as the catalog stores it: PostgreSQL refuses NUL characters in
/// text, so they become U+FFFD (as invalid UTF-8 already does).
pub fn clean_text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains('\0') {
        std::borrow::Cow::Owned(s.replace('\0', "\u{FFFD}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Connection};

pub use cursor::CursorError;
pub use import::UpsertStopped;
pub use inventory::{InventoryRow, RowError};
pub use jobs::{Job, JobOutcome};
pub use runs::UpsertStats;
pub use time::{now_ms, parse_last_updated};

/// Which engine holds the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file (the embedded default).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// The engine a database URL names.
    pub fn of_url(url: &str) -> Result<Backend, CatalogError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(CatalogError::Url(format!(
                "unsupported database URL {url:?}: use sqlite:PATH or postgres://…"
            )))
        }
    }
}

/// What can go wrong talking to the catalog.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The database URL is not usable.
    #[error("{0}")]
    Url(String),
    /// The database answered with an error or could not be reached.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// The database server took a connection but never answered.
    #[error("no answer from the database server within {0:?}")]
    NoAnswer(Duration),
    /// The schema could not be brought up to date.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A request parameter is invalid (answered with 400).
    #[error("{0}")]
    BadRequest(String),
    /// A well-formed request names something that is not there (404).
    #[error("{0}")]
    NotFound(String),
    /// A well-formed request that does not fit what it continues, such as
    /// a page's cursor given for another order (409).
    #[error("{0}")]
    Conflict(String),
    /// A stored value could not be read back.
    #[error("corrupt catalog row: {0}")]
    Corrupt(String),
}

impl From<CursorError> for CatalogError {
    fn from(e: CursorError) -> Self {
        match e {
            CursorError::Malformed(_) => CatalogError::BadRequest(e.to_string()),
            CursorError::WrongSort { .. } => CatalogError::Conflict(e.to_string()),
        }
    }
}

/// See [`Catalog::begin_write`].
pub(crate) async fn begin_write(
    pool: &AnyPool,
    backend: Backend,
) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
    match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => pool.begin().await,
    }
}

/// Whether a migration left work for the server to do on open (what SQL
/// alone cannot): its marker row `key` in `catalog_meta`, dropped with
/// [`marker_done`] once the work is done.
pub(crate) async fn marker_pending(pool: &AnyPool, key: &str) -> Result<bool, sqlx::Error> {
    let row = sqlx::query("SELECT value FROM catalog_meta WHERE key = $1")
        .bind(key)
        .fetch_optional(pool)
        .await?;
    Ok(row.is_some())
}

/// Drops marker `key` (in the transaction that finished the work, when it
/// is one).
pub(crate) async fn marker_done<'e, E>(ex: E, key: &str) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("DELETE FROM catalog_meta WHERE key = $1")
        .bind(key)
        .execute(ex)
        .await?;
    Ok(())
}

/// A handle on the catalog; cheap to clone.
#[derive(Clone)]
pub struct Catalog {
    pool: AnyPool,
    backend: Backend,
    search: SearchLimits,
    /// The usernames in memory, shared by the clones.
    names: std::sync::Arc<names::Names>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("backend", &self.backend)
            .finish()
    }
}

/// How long opening a PostgreSQL catalog waits for the server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl Catalog {
    /// Opens (creating a SQLite file if needed) and migrates the catalog at
    /// `url`: `sqlite:PATH` or `postgres://…`.
    pub async fn open(url: &str) -> Result<Catalog, CatalogError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let url = match backend {
            // Create the file on first use.
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)?
            .log_statements(log::LevelFilter::Trace)
            .log_slow_statements(log::LevelFilter::Warn, Duration::from_millis(500));
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // WAL lets readers work while a writer commits;
                            // NORMAL sync is durable across process crashes.
                            // Pages are read through a memory map (no copy
                            // into each connection's cache), a writer keeps
                            // up to 32 MiB of them, and the log is copied
                            // back every 16 MiB rather than every 4: an
                            // import touches the username and IP indexes at
                            // random, and each copy-back waits on the disk.
                            for pragma in [
                                "PRAGMA journal_mode = WAL",
                                "PRAGMA synchronous = NORMAL",
                                "PRAGMA busy_timeout = 10000",
                                "PRAGMA foreign_keys = ON",
                                "PRAGMA mmap_size = 4294967296",
                                "PRAGMA cache_size = -32768",
                                "PRAGMA wal_autocheckpoint = 4096",
                            ] {
                                sqlx::query(pragma).execute(&mut *conn).await?;
                            }
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => {
                // One connection first: the pool retries a refused
                // connection until its acquire timeout and then says only
                // that it timed out, not why.
                match tokio::time::timeout(CONNECT_TIMEOUT, options.connect()).await {
                    Ok(first) => first?.close().await?,
                    Err(_) => {
                        return Err(CatalogError::NoAnswer(CONNECT_TIMEOUT));
                    }
                }
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(CONNECT_TIMEOUT)
                    .connect_with(options)
                    .await?
            }
        };
        migrate::run(&pool, backend).await?;
        search::fold_migrated_usernames(&pool, backend).await?;
        templates::file_migrated_templates(&pool, backend).await?;
        templates::drop_task_templates(&pool, backend).await?;
        session_metrics::fill_migrated(&pool, backend).await?;
        Ok(Catalog {
            pool,
            backend,
            search: SearchLimits::default(),
            names: Default::default(),
        })
    }

    /// Starts a transaction that will write. In SQLite it takes the write
    /// lock at once (`BEGIN IMMEDIATE`), waiting up to the busy timeout for
    /// it: a transaction that read first and then asked for the lock would
    /// fail at once ("database is locked") whenever another process had
    /// written in between.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        begin_write(&self.pool, self.backend).await
    }

    /// This catalog's identity: random, made when it was created, and the
    /// same for every process that opens it. What it keeps elsewhere (live
    /// logs in a shared Redis) is named with it, so two catalogs never meet.
    pub async fn identity(&self) -> Result<String, CatalogError> {
        use sqlx::Row;
        let row = sqlx::query("SELECT value FROM catalog_meta WHERE key = 'catalog_id'")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("value")?)
    }

    /// Reads the usernames search looks in (each search reads those added
    /// since); a server calls it at start.
    pub async fn load_names(&self) -> Result<(), CatalogError> {
        self.names.catch_up(&self.pool).await
    }

    /// The same catalog with other search plan limits (tests use small
    /// ones so that every plan runs on small data).
    pub fn with_search_limits(mut self, limits: SearchLimits) -> Catalog {
        self.search = limits;
        self
    }

    /// The engine behind this catalog.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool, for statements this crate does not offer.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
