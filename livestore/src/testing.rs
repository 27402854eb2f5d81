//! For tests that run against a real Redis: where it is, a key prefix of
//! their own, and removing their keys afterwards.

use std::sync::atomic::{AtomicU64, Ordering};

/// The tests' Redis: `LOGDECK_TEST_REDIS`, else the local default.
pub fn redis_url() -> String {
    std::env::var("LOGDECK_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// The tests' Redis URL if it answers a PING, or `None` after reporting it
/// missing (see [`testenv::missing`]):
/// `let Some(url) = testing::redis().await else { return };`.
pub async fn redis() -> Option<String> {
    let url = redis_url();
    let ping = async {
        let client = redis::Client::open(url.as_str())?;
        let mut conn = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING").query_async::<String>(&mut conn).await
    };
    let why = match tokio::time::timeout(std::time::Duration::from_secs(10), ping).await {
        Ok(Ok(_)) => return Some(url),
        Ok(Err(e)) => e.to_string(),
        Err(_) => "no answer within 10 s".to_string(),
    };
    testenv::missing(
        &format!("Redis at {url}"),
        why,
        "start it (see README) or set LOGDECK_TEST_REDIS",
    );
    None
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
