//! Reads logs from the stores logdeck is configured to read, and from
//! nowhere else.
//!
//! A log's location is a URL (`s3://bucket/key`, `https://host/path`) or a
//! relative path in the local store. A location is served only when it lies
//! under one of the configured stores: same scheme, host and port, and a path
//! under the store's path at a segment boundary, with no `.`/`..` segments,
//! credentials, query or fragment. So a request can never make the server
//! fetch another URL, and a local path can never leave the store's folder.

mod spec;

use std::ops::Range;
use std::path::Path as FsPath;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt};
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt};

pub use spec::{StoreKind, StoreSpec};

/// Largest log read by default (logs rotate at 5 MB; this leaves room).
pub const DEFAULT_MAX_BYTES: u64 = 64 << 20;

/// Why a log could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No configured store covers the location.
    #[error("{0:?} is not in a configured log store")]
    NotAllowed(String),
    /// The location is malformed or tries to leave its store.
    #[error("invalid log location {location:?}: {reason}")]
    BadLocation {
        /// The location.
        location: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The store has no such object.
    #[error("log not found: {0}")]
    NotFound(String),
    /// The object is larger than the configured cap.
    #[error("log {location} is {size} bytes; the limit is {cap}")]
    TooLarge {
        /// The location.
        location: String,
        /// Its size.
        size: u64,
        /// The cap.
        cap: u64,
    },
    /// The requested byte range does not fit the object.
    #[error("range not satisfiable for {location} ({size} bytes)")]
    BadRange {
        /// The location.
        location: String,
        /// Its size.
        size: u64,
    },
    /// The store failed (network, timeout, permissions …).
    #[error("reading {location} failed: {source}")]
    Backend {
        /// The location.
        location: String,
        /// The store's error.
        source: object_store::Error,
    },
    /// Writing a local file to disk failed.
    #[error("writing {location} failed: {source}")]
    Write {
        /// The location.
        location: String,
        /// The file system's error.
        source: std::io::Error,
    },
    /// A store in the configuration is unusable.
    #[error("log store {spec:?}: {reason}")]
    Config {
        /// The store as configured.
        spec: String,
        /// Why it cannot be used.
        reason: String,
    },
}

impl StoreError {
    /// Whether retrying cannot help (missing, forbidden, too large, malformed).
    pub fn is_permanent(&self) -> bool {
        match self {
            StoreError::Backend { source, .. } => matches!(
                source,
                object_store::Error::PermissionDenied { .. }
                    | object_store::Error::Unauthenticated { .. }
                    | object_store::Error::InvalidPath { .. }
            ),
            StoreError::Write { .. } => false,
            _ => true,
        }
    }

    fn backend(location: &str, source: object_store::Error) -> StoreError {
        match source {
            object_store::Error::NotFound { .. } => StoreError::NotFound(location.to_string()),
            source => StoreError::Backend {
                location: location.to_string(),
                source,
            },
        }
    }
}

/// Timeouts, retries and size cap for reading logs.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connection set-up, per attempt.
    pub connect_timeout: Duration,
    /// Whole request, per attempt.
    pub request_timeout: Duration,
    /// Retries of a failed request (5xx, connection errors).
    pub max_retries: usize,
    /// Largest object read.
    pub max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            max_retries: 3,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

/// One configured store.
struct Store {
    spec: StoreSpec,
    inner: Arc<dyn ObjectStore>,
}

/// The stores logdeck may read from.
pub struct LogStores {
    stores: Vec<Store>,
    limits: Limits,
}

impl std::fmt::Debug for LogStores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.stores.iter().map(|s| s.spec.to_string()))
            .finish()
    }
}

/// A location resolved to a store and an object path in it.
#[derive(Debug)]
pub struct Resolved {
    store: usize,
    /// The object's path inside its store.
    pub path: Path,
}

/// An open log: its size and a stream of the requested bytes.
pub struct LogRead {
    /// Size of the whole object.
    pub size: u64,
    /// The bytes this read returns.
    pub range: Range<u64>,
    /// The bytes, in order.
    pub stream: BoxStream<'static, Result<Bytes, StoreError>>,
}

impl LogStores {
    /// Opens the configured stores. A local folder must exist.
    pub fn new(specs: Vec<StoreSpec>, limits: Limits) -> Result<LogStores, StoreError> {
        let stores = specs
            .into_iter()
            .map(|spec| {
                let inner = spec.open(&limits)?;
                Ok(Store { spec, inner })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(LogStores { stores, limits })
    }

    /// Just a local folder.
    pub fn local(dir: &FsPath) -> Result<LogStores, StoreError> {
        LogStores::new(vec![StoreSpec::local(dir)], Limits::default())
    }

    /// The stores, as configured.
    pub fn specs(&self) -> impl Iterator<Item = &StoreSpec> {
        self.stores.iter().map(|s| &s.spec)
    }

    /// The limits reads obey.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Finds the store covering `location` and the object's path in it.
    pub fn resolve(&self, location: &str) -> Result<Resolved, StoreError> {
        let mut first_err = None;
        for (i, store) in self.stores.iter().enumerate() {
            match store.spec.relative_path(location) {
                Ok(Some(path)) => return Ok(Resolved { store: i, path }),
                Ok(None) => {}
                Err(reason) => {
                    first_err.get_or_insert(StoreError::BadLocation {
                        location: location.to_string(),
                        reason,
                    });
                }
            }
        }
        Err(first_err.unwrap_or_else(|| StoreError::NotAllowed(location.to_string())))
    }

    /// Opens `location` for reading, the whole object or `range` of it,
    /// refusing objects over the size cap.
    pub async fn open(
        &self,
        location: &str,
        range: Option<Range<u64>>,
    ) -> Result<LogRead, StoreError> {
        let resolved = self.resolve(location)?;
        let store = &self.stores[resolved.store].inner;
        let meta = store
            .head(&resolved.path)
            .await
            .map_err(|e| StoreError::backend(location, e))?;
        let size = meta.size;
        if size > self.limits.max_bytes {
            return Err(StoreError::TooLarge {
                location: location.to_string(),
                size,
                cap: self.limits.max_bytes,
            });
        }
        let range = match range {
            None => 0..size,
            Some(r) if r.start < r.end && r.start < size => r.start..r.end.min(size),
            Some(r) if r.start == r.end && r.start <= size => r,
            Some(_) => {
                return Err(StoreError::BadRange {
                    location: location.to_string(),
                    size,
                });
            }
        };
        if range.is_empty() {
            return Ok(LogRead {
                size,
                range,
                stream: futures::stream::empty().boxed(),
            });
        }
        let options = GetOptions {
            range: (range != (0..size)).then(|| GetRange::Bounded(range.clone())),
            ..GetOptions::default()
        };
        let got = store
            .get_opts(&resolved.path, options)
            .await
            .map_err(|e| StoreError::backend(location, e))?;
        let owned = location.to_string();
        let cap = self.limits.max_bytes;
        // The object may have grown since `head`: keep to the cap regardless.
        let mut seen = 0u64;
        let stream = got
            .into_stream()
            .map(move |chunk| {
                let chunk = chunk.map_err(|e| StoreError::backend(&owned, e))?;
                seen += chunk.len() as u64;
                if seen > cap {
                    return Err(StoreError::TooLarge {
                        location: owned.clone(),
                        size: seen,
                        cap,
                    });
                }
                Ok(chunk)
            })
            .boxed();
        Ok(LogRead {
            size,
            range,
            stream,
        })
    }

    /// Writes `bytes` as the object at `location` (replacing it), in the
    /// store that covers it.
    pub async fn put(&self, location: &str, bytes: Bytes) -> Result<(), StoreError> {
        let resolved = self.resolve(location)?;
        let store = &self.stores[resolved.store].inner;
        store
            .put(&resolved.path, bytes.into())
            .await
            .map_err(|e| StoreError::backend(location, e))?;
        // A local folder's file must be on disk before its source is let go.
        if let StoreKind::Local(dir) = self.stores[resolved.store].spec.kind() {
            let file = dir.join(resolved.path.as_ref());
            let synced = tokio::task::spawn_blocking(move || {
                std::fs::File::open(&file)?.sync_all()?;
                match file.parent() {
                    Some(p) => std::fs::File::open(p)?.sync_all(),
                    None => Ok(()),
                }
            })
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)));
            synced.map_err(|source| StoreError::Write {
                location: location.to_string(),
                source,
            })?;
        }
        Ok(())
    }

    /// Reads a whole log into memory.
    pub async fn read(&self, location: &str) -> Result<Bytes, StoreError> {
        let mut read = self.open(location, None).await?;
        let mut out = Vec::with_capacity(read.size as usize);
        while let Some(chunk) = read.stream.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out.into())
    }
}
