//! A configured store, and which locations it covers.

use std::path::{Path as FsPath, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{BackoffConfig, ClientOptions, RetryConfig};
use url::Url;

use crate::http::HttpStore;
use crate::{Backend, Limits, StoreError};

/// What kind of store a spec names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreKind {
    /// A folder on this machine; covers relative paths.
    Local(PathBuf),
    /// An S3 or S3-compatible bucket, optionally under a key prefix.
    S3,
    /// Plain HTTP(S) under a URL prefix.
    Http,
}

/// A store as configured: `s3://bucket[/prefix][?option=value…]`,
/// `http(s)://host[:port][/prefix]`, or a local folder.
///
/// S3 options are object_store's configuration keys (`endpoint`, `region`,
/// `allow_http`, `access_key_id`, `secret_access_key`, `skip_signature` …);
/// unset ones come from the `AWS_*` environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreSpec {
    kind: StoreKind,
    /// For S3 and HTTP: the prefix URL (no query), path ending in `/`.
    prefix: Option<Url>,
    /// S3 options from the query string.
    options: Vec<(String, String)>,
}

impl std::fmt::Display for StoreSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.kind, &self.prefix) {
            (StoreKind::Local(dir), _) => write!(f, "local folder {}", dir.display()),
            (_, Some(url)) => {
                // Option values may be secrets: name the keys only.
                write!(f, "{url}")?;
                for (i, (k, _)) in self.options.iter().enumerate() {
                    write!(f, "{}{k}=…", if i == 0 { '?' } else { '&' })?;
                }
                Ok(())
            }
            (_, None) => write!(f, "?"),
        }
    }
}

impl FromStr for StoreSpec {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<StoreSpec, StoreError> {
        let err = |reason: &str| StoreError::Config {
            spec: s.to_string(),
            reason: reason.to_string(),
        };
        if !s.contains("://") {
            return Ok(StoreSpec::local(FsPath::new(s)));
        }
        let mut url = Url::parse(s).map_err(|e| err(&e.to_string()))?;
        let kind = match url.scheme() {
            "s3" => StoreKind::S3,
            "http" | "https" => StoreKind::Http,
            "file" => {
                let dir = url
                    .to_file_path()
                    .map_err(|_| err("not a local folder path"))?;
                return Ok(StoreSpec::local(&dir));
            }
            other => {
                return Err(err(&format!(
                    "unsupported scheme {other:?}: use s3, http, https or a folder"
                )));
            }
        };
        if url.host_str().is_none_or(str::is_empty) {
            return Err(err("no host (or bucket) given"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(err(
                "put credentials in options or the environment, not in the URL",
            ));
        }
        let options: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kind == StoreKind::Http && !options.is_empty() {
            return Err(err("HTTP stores take no options"));
        }
        for (k, _) in &options {
            AmazonS3ConfigKey::from_str(k).map_err(|_| err(&format!("unknown S3 option {k:?}")))?;
        }
        url.set_query(None);
        url.set_fragment(None);
        if !url.path().ends_with('/') {
            let p = format!("{}/", url.path());
            url.set_path(&p);
        }
        Ok(StoreSpec {
            kind,
            prefix: Some(url),
            options,
        })
    }
}

impl StoreSpec {
    /// A local folder, covering relative paths.
    pub fn local(dir: &FsPath) -> StoreSpec {
        StoreSpec {
            kind: StoreKind::Local(dir.to_path_buf()),
            prefix: None,
            options: Vec::new(),
        }
    }

    /// What kind of store this is.
    pub fn kind(&self) -> &StoreKind {
        &self.kind
    }

    pub(crate) fn open(&self, limits: &Limits) -> Result<Backend, StoreError> {
        let err = |reason: String| StoreError::Config {
            spec: self.to_string(),
            reason,
        };
        let client = ClientOptions::new()
            .with_connect_timeout(limits.connect_timeout)
            .with_timeout(limits.request_timeout);
        let retry = RetryConfig {
            backoff: BackoffConfig::default(),
            max_retries: limits.max_retries,
            retry_timeout: limits.request_timeout * (limits.max_retries as u32 + 1),
        };
        match (&self.kind, &self.prefix) {
            (StoreKind::Local(dir), _) => {
                if !dir.is_dir() {
                    return Err(err(format!("{} is not a folder", dir.display())));
                }
                Ok(Backend::Object(Arc::new(
                    LocalFileSystem::new_with_prefix(dir).map_err(|e| err(e.to_string()))?,
                )))
            }
            (StoreKind::S3, Some(url)) => {
                let bucket = url.host_str().unwrap_or_default();
                let mut b = AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .with_client_options(client)
                    .with_retry(retry);
                for (k, v) in &self.options {
                    let key = AmazonS3ConfigKey::from_str(k).map_err(|e| err(e.to_string()))?;
                    b = b.with_config(key, v);
                }
                httpclient::install_tls();
                #[allow(clippy::disallowed_methods)] // TLS installed above
                let store = b.build().map_err(|e| err(e.to_string()))?;
                Ok(Backend::Object(Arc::new(store)))
            }
            (StoreKind::Http, Some(url)) => {
                Ok(Backend::Http(HttpStore::new(url, limits).map_err(err)?))
            }
            _ => Err(err("incomplete store".into())),
        }
    }

    /// The object path of `location` in this store: `Ok(None)` when the store
    /// does not cover it, `Err` when it does but the location is unsafe.
    #[cfg(test)]
    pub(crate) fn relative_path(&self, location: &str) -> Result<Option<Path>, String> {
        Ok(self.relative(location)?.map(|r| r.path))
    }

    /// Where `location` is in this store: `Ok(None)` when the store does not
    /// cover it, `Err` when it does but the location is unsafe.
    pub(crate) fn relative(&self, location: &str) -> Result<Option<Relative>, String> {
        match (&self.kind, &self.prefix) {
            (StoreKind::Local(_), _) => {
                if location.contains("://") {
                    return Ok(None);
                }
                if location.starts_with('/') || location.contains('\\') {
                    return Err("a local log location must be a relative path".into());
                }
                Ok(Some(Relative {
                    path: safe_path(location)?,
                    raw: location.to_string(),
                }))
            }
            (kind, Some(prefix)) => {
                let Ok(url) = Url::parse(location) else {
                    return Ok(None);
                };
                // A bucket's public URL names the same object as s3://.
                let s3_path = match kind {
                    StoreKind::S3 => s3_public_url(&url, location),
                    _ => None,
                };
                if let Some((bucket, _)) = &s3_path {
                    if Some(bucket.as_str()) != prefix.host_str() {
                        return Ok(None);
                    }
                } else if url.scheme() != prefix.scheme()
                    || url.host_str() != prefix.host_str()
                    || url.port_or_known_default() != prefix.port_or_known_default()
                {
                    return Ok(None);
                }
                if !url.username().is_empty() || url.password().is_some() {
                    return Err("credentials in a log location are not accepted".into());
                }
                if url.query().is_some() || url.fragment().is_some() {
                    return Err("a log location has no query or fragment".into());
                }
                // The raw text, not the URL parser's normalised path: a `..`
                // that the parser would fold away is refused, not followed.
                let raw_path = match &s3_path {
                    Some((_, key)) => key.as_str(),
                    None => location
                        .split_once("://")
                        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
                        .unwrap_or("/"),
                };
                let Some(raw) = raw_path.strip_prefix(prefix.path()) else {
                    return Ok(None);
                };
                let rest = safe_path(raw)?;
                let path = match kind {
                    // The S3 store's root is the bucket: keep the key prefix.
                    StoreKind::S3 => {
                        let key_prefix = safe_path(prefix.path().trim_matches('/'))
                            .unwrap_or_else(|_| Path::from(""));
                        key_prefix.parts().chain(rest.parts()).collect()
                    }
                    // The HTTP store's root is the prefix URL.
                    _ => rest,
                };
                Ok(Some(Relative {
                    path,
                    raw: raw.to_string(),
                }))
            }
            _ => Ok(None),
        }
    }
}

/// Where a location lies inside a store.
#[derive(Debug)]
pub(crate) struct Relative {
    /// The object's path.
    pub path: Path,
    /// The same, as written in the location after the store's prefix
    /// (percent-encoded as it was).
    pub raw: String,
}

/// The bucket and `/key` of an S3 object named by its public URL, in
/// virtual-hosted style (`https://BUCKET.s3[.REGION].amazonaws.com/KEY`,
/// `s3-REGION` too) or path style (`https://s3[.REGION].amazonaws.com/BUCKET/KEY`).
fn s3_public_url(url: &Url, location: &str) -> Option<(String, String)> {
    if !matches!(url.scheme(), "https" | "http") {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let service = host.strip_suffix(".amazonaws.com")?;
    let is_endpoint = |s: &str| {
        s == "s3"
            || s.strip_prefix("s3.")
                .is_some_and(|r| !r.is_empty() && !r.contains('.'))
            || s.strip_prefix("s3-")
                .is_some_and(|r| !r.is_empty() && !r.contains('.'))
    };
    // The raw path, as the caller checks it.
    let raw = location
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or("/");
    if is_endpoint(service) {
        let rest = raw.strip_prefix('/')?;
        let (bucket, key) = rest.split_once('/')?;
        return (!bucket.is_empty()).then(|| (bucket.to_string(), format!("/{key}")));
    }
    let (bucket, endpoint) = service.split_once(".s3")?;
    let endpoint = format!("s3{endpoint}");
    (is_endpoint(&endpoint) && !bucket.is_empty()).then(|| (bucket.to_string(), raw.to_string()))
}

/// A relative, percent-encoded path with no empty, `.` or `..` segments.
fn safe_path(p: &str) -> Result<Path, String> {
    if p.is_empty() {
        return Err("empty path".into());
    }
    for seg in p.split('/') {
        let decoded = percent_decode(seg)?;
        if decoded.is_empty()
            || decoded == "."
            || decoded == ".."
            || decoded.contains(['/', '\\', '\0'])
        {
            return Err(format!("path segment {seg:?} is not allowed"));
        }
    }
    Path::from_url_path(p).map_err(|e| e.to_string())
}

fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("bad percent escape in {s:?}"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("{s:?} is not UTF-8 once decoded"))
}

impl StoreSpec {
    /// The object path of a folder `location` (ending in `/`, or the
    /// store's own prefix) in this store, as [`StoreSpec::relative`] finds
    /// an object's: `Ok(None)` when the store does not cover it.
    pub(crate) fn folder(&self, location: &str) -> Result<Option<Path>, String> {
        let Some(inner) = location.strip_suffix('/') else {
            return Err(format!("{location:?} is not a folder: end it with `/`"));
        };
        let own = match (&self.kind, &self.prefix) {
            (StoreKind::Local(_), _) => inner.is_empty() || inner == ".",
            (_, Some(prefix)) => prefix.as_str().trim_end_matches('/') == inner,
            _ => false,
        };
        if own {
            return Ok(Some(self.root()));
        }
        Ok(self.relative(inner)?.map(|r| r.path))
    }

    /// The object path of the store's own prefix: an S3 store's key prefix
    /// (its root is the bucket); the root of the others.
    fn root(&self) -> Path {
        match (&self.kind, &self.prefix) {
            (StoreKind::S3, Some(prefix)) => {
                safe_path(prefix.path().trim_matches('/')).unwrap_or_else(|_| Path::from(""))
            }
            _ => Path::from(""),
        }
    }

    /// The location of the object at `path` in this store, as a log or
    /// inventory names it.
    pub(crate) fn location_of(&self, path: &Path) -> String {
        match (&self.kind, &self.prefix) {
            (StoreKind::S3, Some(prefix)) => {
                format!("s3://{}/{path}", prefix.host_str().unwrap_or_default())
            }
            (StoreKind::Http, Some(prefix)) => format!("{prefix}{path}"),
            _ => path.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(spec: &str, loc: &str) -> Result<Option<String>, String> {
        let spec: StoreSpec = spec.parse().unwrap();
        spec.relative_path(loc).map(|p| p.map(|p| p.to_string()))
    }

    #[test]
    fn local_paths_stay_inside() {
        assert_eq!(
            rel("/data/logs", "client1.txt"),
            Ok(Some("client1.txt".into()))
        );
        assert_eq!(rel("/data/logs", "a/b.txt"), Ok(Some("a/b.txt".into())));
        for bad in [
            "../etc/passwd",
            "a/../../x",
            "/etc/passwd",
            "a//b",
            "./a",
            "a\\..\\b",
            "%2e%2e/x",
            "a/%2E%2E/b",
            "a%2f..%2fb",
            "",
        ] {
            assert!(rel("/data/logs", bad).is_err(), "{bad}");
        }
        assert_eq!(rel("/data/logs", "https://evil.example/x"), Ok(None));
    }

    #[test]
    fn urls_must_match_scheme_host_port_and_prefix() {
        let s = "https://bucket.s3.amazonaws.com/logs";
        assert_eq!(
            rel(s, "https://bucket.s3.amazonaws.com/logs/client1.txt"),
            Ok(Some("client1.txt".into()))
        );
        assert_eq!(
            rel(s, "https://bucket.s3.amazonaws.com:443/logs/x.txt"),
            Ok(Some("x.txt".into()))
        );
        for other in [
            "https://bucket.s3.amazonaws.com/other/client1.txt",
            "https://bucket.s3.amazonaws.com/logsX/client1.txt",
            "http://bucket.s3.amazonaws.com/logs/client1.txt",
            "https://bucket.s3.amazonaws.com:8443/logs/client1.txt",
            "https://evil.example/logs/client1.txt",
            "https://bucket.s3.amazonaws.com.evil.example/logs/client1.txt",
            "s3://bucket/logs/client1.txt",
            "client1.txt",
        ] {
            assert_eq!(rel(s, other), Ok(None), "{other}");
        }
        for unsafe_ in [
            "https://bucket.s3.amazonaws.com/logs/../secret",
            "https://bucket.s3.amazonaws.com/logs/%2e%2e/secret",
            "https://bucket.s3.amazonaws.com/logs/a?x=1",
            "https://bucket.s3.amazonaws.com/logs/a#frag",
            "https://user:pw@bucket.s3.amazonaws.com/logs/a",
            "https://bucket.s3.amazonaws.com/logs/",
        ] {
            assert!(rel(s, unsafe_).is_err(), "{unsafe_}");
        }
    }

    #[test]
    fn s3_keys_keep_their_prefix() {
        assert_eq!(
            rel("s3://b/prefix/deep", "s3://b/prefix/deep/c1.txt"),
            Ok(Some("prefix/deep/c1.txt".into()))
        );
        assert_eq!(rel("s3://b", "s3://b/c1.txt"), Ok(Some("c1.txt".into())));
        assert_eq!(rel("s3://b", "s3://other/c1.txt"), Ok(None));
    }

    #[test]
    fn specs_are_checked() {
        for bad in [
            "ftp://x/y",
            "s3://",
            "https://u:p@h/x",
            "s3://b?no_such_option=1",
            "https://h/x?endpoint=y",
        ] {
            assert!(bad.parse::<StoreSpec>().is_err(), "{bad}");
        }
        let s: StoreSpec = "s3://b/p?endpoint=http://127.0.0.1:9&secret_access_key=hunter2"
            .parse()
            .unwrap();
        assert!(!s.to_string().contains("hunter2"), "{s}");
    }
}
