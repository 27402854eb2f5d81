//! For tests that run against a real Redis: where it is, a key prefix of
//! their own, and removing their keys afterwards.

use std::sync::atomic::{AtomicU64, Ordering};

/// The tests' Redis: `LOGDECK_TEST_REDIS`, else the local default.
pub fn redis_url() -> String {
    std::env::var("LOGDECK_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A key prefix no other test (in this or another process) uses.
pub fn unique_prefix(name: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "logdeck-test-{name}:{}:{nanos}:{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Deletes every key under `prefix`. Failures are ignored: cleaning up
/// must not fail a test.
pub fn drop_keys(prefix: &str) {
    let Ok(mut c) = redis::Client::open(redis_url()).and_then(|c| c.get_connection()) else {
        return;
    };
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}:*"))
        .query(&mut c)
        .unwrap_or_default();
    if !keys.is_empty() {
        let _: Result<(), _> = redis::cmd("DEL").arg(keys).query(&mut c);
    }
}
