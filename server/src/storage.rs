//! Opening the catalog and the log stores from the command line's options.

use std::path::PathBuf;

use anyhow::Context;
use catalog::Catalog;
use clap::Args;
use logstore::{Limits, LogStores, StoreSpec};

/// Where the catalog and the logs are: shared by `serve` and `import`.
#[derive(Debug, Clone, Args)]
pub struct StorageArgs {
    /// Directory holding the embedded catalog, the inventory and the local
    /// log store (`logs/`).
    #[arg(long, env = "LOGDECK_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Catalog database: `postgres://user@host/db`, or `sqlite:PATH`.
    /// Default: the SQLite file `catalog.db` in the data directory.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// A log store to read from besides the local `logs/` folder:
    /// `s3://bucket[/prefix][?endpoint=…&region=…&allow_http=true]`,
    /// `https://host/prefix`, or a folder. Repeat, or separate with commas
    /// in the environment variable. Nothing outside these is ever fetched.
    #[arg(long = "store", env = "LOGDECK_STORES", value_delimiter = ',')]
    pub stores: Vec<String>,
    /// Largest log read, in MiB.
    #[arg(long, env = "LOGDECK_MAX_LOG_MIB", default_value_t = 64)]
    pub max_log_mib: u64,
    /// Seconds one read of a log from S3 or HTTP may take in all (retries
    /// and body included); a store that hangs or trickles is cut off then.
    /// Redirects are never followed.
    #[arg(long, env = "LOGDECK_STORE_DEADLINE", default_value_t = 30)]
    pub store_deadline: u64,
}

/// File name of the embedded catalog in the data directory.
pub const CATALOG_FILE: &str = "catalog.db";

impl StorageArgs {
    /// The local log store folder.
    pub fn log_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }

    /// The catalog URL: `--database-url`, or the SQLite file in the data dir.
    pub fn catalog_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite:{}", self.data_dir.join(CATALOG_FILE).display()),
        }
    }

    /// Opens (and migrates) the catalog, creating the data dir if needed.
    pub async fn open_catalog(&self) -> anyhow::Result<Catalog> {
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("cannot create data directory {}", self.data_dir.display()))?;
        let url = self.catalog_url();
        Catalog::open(&url)
            .await
            .with_context(|| format!("cannot open the catalog at {}", redact(&url)))
    }

    /// The stores logs may be read from: the local `logs/` folder (created
    /// if missing), then every `--store`.
    pub fn open_stores(&self) -> anyhow::Result<LogStores> {
        let dir = self.log_dir();
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create log directory {}", dir.display()))?;
        let mut specs = vec![StoreSpec::local(&dir)];
        for s in &self.stores {
            specs.push(s.parse().with_context(|| format!("bad --store {s:?}"))?);
        }
        let limits = Limits {
            max_bytes: self.max_log_mib.saturating_mul(1 << 20),
            read_deadline: std::time::Duration::from_secs(self.store_deadline.max(1)),
            ..Limits::default()
        };
        Ok(LogStores::new(specs, limits)?)
    }
}

/// A database URL with any password replaced, for messages.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}
