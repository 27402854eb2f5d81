//! Opening the catalog and the log stores from the command line's options.

use std::path::PathBuf;

use anyhow::Context;
use catalog::Catalog;
use logstore::{Limits, LogStores, StoreSpec};

use crate::cli::StorageArgs;

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
