//! Reads through real stores: a moto S3 server, a local HTTP server, a
//! folder; and proves that nothing outside them can be read.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use logstore::{Limits, LogStores, StoreError, StoreSpec};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{ObjectStoreExt, PutPayload};

use testenv::moto::{Moto, S3_OPTIONS};

async fn moto() -> Option<Moto> {
    Moto::start()
}

fn log_text(lines: usize) -> Vec<u8> {
    (0..lines)
        .map(|i| {
            format!(
                "21:02:13:{:06} | INFO    | main.c | f:1 | Latency: 0.0{i:04}\n",
                i % 1_000_000
            )
        })
        .collect::<String>()
        .into_bytes()
}

async fn read_range(
    stores: &LogStores,
    loc: &str,
    range: std::ops::Range<u64>,
) -> Result<Vec<u8>, StoreError> {
    use futures::StreamExt;
    let mut r = stores.open(loc, Some(range)).await?;
    let mut out = Vec::new();
    while let Some(c) = r.stream.next().await {
        out.extend_from_slice(&c?);
    }
    Ok(out)
}

#[tokio::test]
async fn s3_reads_whole_logs_and_ranges_within_its_prefix_only() {
    let Some(moto) = moto().await else {
        return;
    };
    httpclient::client()
        .put(format!("{}/logs-bucket", moto.endpoint))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    httpclient::install_tls();
    #[allow(clippy::disallowed_methods)] // TLS installed above
    let writer = AmazonS3Builder::new()
        .with_endpoint(&moto.endpoint)
        .with_bucket_name("logs-bucket")
        .with_region("us-east-1")
        .with_access_key_id("test")
        .with_secret_access_key("test")
        .with_allow_http(true)
        .build()
        .unwrap();
    let body = log_text(2000);
    writer
        .put(
            &Path::from("archive/client1.txt"),
            PutPayload::from(body.clone()),
        )
        .await
        .unwrap();
    writer
        .put(
            &Path::from("secret/keys.txt"),
            PutPayload::from_static(b"no"),
        )
        .await
        .unwrap();

    let spec: StoreSpec = format!(
        "s3://logs-bucket/archive?endpoint={}&{S3_OPTIONS}",
        moto.endpoint
    )
    .parse()
    .unwrap();
    let stores = LogStores::new(vec![spec.clone()], Limits::default()).unwrap();

    let got = stores
        .read("s3://logs-bucket/archive/client1.txt")
        .await
        .unwrap();
    assert_eq!(got.as_ref(), body.as_slice());
    let part = read_range(&stores, "s3://logs-bucket/archive/client1.txt", 10..70)
        .await
        .unwrap();
    assert_eq!(part, body[10..70].to_vec());
    // A range past the end is cut to the end; one starting past it is refused.
    let n = body.len() as u64;
    assert_eq!(
        read_range(
            &stores,
            "s3://logs-bucket/archive/client1.txt",
            n - 5..n + 100
        )
        .await
        .unwrap(),
        body[body.len() - 5..].to_vec()
    );
    assert!(matches!(
        read_range(
            &stores,
            "s3://logs-bucket/archive/client1.txt",
            n + 1..n + 2
        )
        .await,
        Err(StoreError::BadRange { .. })
    ));

    // The bucket's public URLs, both styles, name the same objects.
    for public in [
        "https://logs-bucket.s3.amazonaws.com/archive/client1.txt",
        "https://logs-bucket.s3.us-east-1.amazonaws.com/archive/client1.txt",
        "https://s3.amazonaws.com/logs-bucket/archive/client1.txt",
        "https://s3.us-east-1.amazonaws.com/logs-bucket/archive/client1.txt",
    ] {
        let got = stores.read(public).await.unwrap();
        assert_eq!(got.as_ref(), body.as_slice(), "{public}");
    }
    for outside in [
        "https://logs-bucket.s3.amazonaws.com/secret/keys.txt",
        "https://other-bucket.s3.amazonaws.com/archive/client1.txt",
        "https://s3.amazonaws.com/other-bucket/archive/client1.txt",
        "https://logs-bucket.s3.amazonaws.com.evil.example/archive/client1.txt",
    ] {
        assert!(
            matches!(stores.read(outside).await, Err(StoreError::NotAllowed(_))),
            "{outside}"
        );
    }

    let missing = stores
        .read("s3://logs-bucket/archive/nope.txt")
        .await
        .unwrap_err();
    assert!(matches!(missing, StoreError::NotFound(_)), "{missing}");
    assert!(missing.is_permanent());
    for outside in [
        "s3://logs-bucket/secret/keys.txt",
        "s3://other-bucket/archive/client1.txt",
    ] {
        assert!(
            matches!(stores.read(outside).await, Err(StoreError::NotAllowed(_))),
            "{outside}"
        );
    }
    for escape in [
        "s3://logs-bucket/archive/../secret/keys.txt",
        "s3://logs-bucket/archive/%2E%2E/secret/keys.txt",
    ] {
        assert!(
            matches!(
                stores.read(escape).await,
                Err(StoreError::BadLocation { .. })
            ),
            "{escape}"
        );
    }

    let small = LogStores::new(
        vec![spec],
        Limits {
            max_bytes: 1000,
            ..Limits::default()
        },
    )
    .unwrap();
    let err = small
        .read("s3://logs-bucket/archive/client1.txt")
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::TooLarge { size, cap: 1000, .. } if size == n),
        "{err}"
    );
}

/// Serves a folder over HTTP (with Range support) on a free port.
async fn http_server(dir: &std::path::Path) -> SocketAddr {
    let app = axum::Router::new().nest_service("/pub", tower_http::services::ServeDir::new(dir));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

#[tokio::test]
async fn http_prefix_is_read_and_nothing_else_is() {
    let served = tempfile::tempdir().unwrap();
    let body = log_text(300);
    std::fs::write(served.path().join("server7.txt"), &body).unwrap();
    let addr = http_server(served.path()).await;
    let spec: StoreSpec = format!("http://{addr}/pub/").parse().unwrap();
    let stores = LogStores::new(vec![spec], Limits::default()).unwrap();

    let loc = format!("http://{addr}/pub/server7.txt");
    assert_eq!(stores.read(&loc).await.unwrap().as_ref(), body.as_slice());
    assert_eq!(
        read_range(&stores, &loc, 100..200).await.unwrap(),
        body[100..200].to_vec()
    );
    assert!(matches!(
        stores.read(&format!("http://{addr}/pub/none.txt")).await,
        Err(StoreError::NotFound(_))
    ));
    // Same host, other path; other port; other host: never fetched.
    for other in [
        format!("http://{addr}/private/x.txt"),
        format!("http://127.0.0.1:{}/pub/server7.txt", addr.port() + 1),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "file:///etc/passwd".to_string(),
    ] {
        assert!(
            matches!(stores.read(&other).await, Err(StoreError::NotAllowed(_))),
            "{other}"
        );
    }
}

#[tokio::test]
async fn a_silent_server_times_out_as_a_transient_error() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let limits = Limits {
        request_timeout: Duration::from_millis(300),
        max_retries: 1,
        ..Limits::default()
    };
    let stores = LogStores::new(vec![format!("http://{addr}/").parse().unwrap()], limits).unwrap();
    let started = Instant::now();
    let err = stores
        .read(&format!("http://{addr}/x.txt"))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        matches!(
            err,
            StoreError::Unavailable { .. } | StoreError::TimedOut { .. }
        ),
        "{err}"
    );
    assert!(!err.is_permanent());
}

/// What the hostile origin below saw and how it answers.
#[derive(Clone, Default)]
struct Origin {
    /// Paths requested, as sent (nothing merged or decoded).
    seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

/// An origin that redirects, ignores `Range`, trickles and hangs, and
/// records every path it is asked for.
async fn hostile_origin(body: Vec<u8>) -> (SocketAddr, Origin) {
    use axum::http::{StatusCode, Uri, header};
    use axum::response::IntoResponse;
    let origin = Origin::default();
    let o = origin.clone();
    let app = axum::Router::new().fallback(move |uri: Uri| {
        let o = o.clone();
        let body = body.clone();
        async move {
            o.seen.lock().unwrap().push(uri.path().to_string());
            match uri.path() {
                "/pub/same-host.txt" => {
                    (StatusCode::FOUND, [(header::LOCATION, "/secret.txt")]).into_response()
                }
                "/pub/other-host.txt" => (
                    StatusCode::MOVED_PERMANENTLY,
                    [(header::LOCATION, "http://169.254.169.254/latest/meta-data/")],
                )
                    .into_response(),
                "/pub/prefix-sibling.txt" => (
                    StatusCode::TEMPORARY_REDIRECT,
                    [(header::LOCATION, "/pub/log.txt")],
                )
                    .into_response(),
                // Ignores Range: always the whole object.
                "/pub/log.txt" => (StatusCode::OK, body).into_response(),
                // Announces 1,000 bytes, then sends one every 100 ms.
                "/pub/trickle.txt" => {
                    let stream = futures::stream::unfold(0, |i| async move {
                        if i > 0 {
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                        (i < 1000).then(|| {
                            (
                                Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"x")),
                                i + 1,
                            )
                        })
                    });
                    (
                        [(header::CONTENT_LENGTH, "1000")],
                        axum::body::Body::from_stream(stream),
                    )
                        .into_response()
                }
                _ => StatusCode::NOT_FOUND.into_response(),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, origin)
}

#[tokio::test]
async fn redirects_are_refused_not_followed() {
    let (addr, origin) = hostile_origin(log_text(10)).await;
    let stores = LogStores::new(
        vec![format!("http://{addr}/pub").parse().unwrap()],
        Limits::default(),
    )
    .unwrap();
    for name in ["same-host.txt", "other-host.txt", "prefix-sibling.txt"] {
        let err = stores
            .read(&format!("http://{addr}/pub/{name}"))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Refused { .. }), "{name}: {err}");
        assert!(err.is_permanent(), "{name}");
        assert!(err.to_string().contains("not followed"), "{err}");
    }
    let seen = origin.seen.lock().unwrap().clone();
    assert!(
        seen.iter()
            .all(|p| p.starts_with("/pub/") && !p.starts_with("/pub//")),
        "{seen:?}"
    );
    assert!(!seen.iter().any(|p| p == "/secret.txt"), "{seen:?}");
}

#[tokio::test]
async fn an_origin_that_ignores_range_is_cut_to_the_range() {
    let body = log_text(500);
    let (addr, origin) = hostile_origin(body.clone()).await;
    // The prefix written without a trailing slash, as people do.
    let stores = LogStores::new(
        vec![format!("http://{addr}/pub").parse().unwrap()],
        Limits::default(),
    )
    .unwrap();
    let loc = format!("http://{addr}/pub/log.txt");
    for range in [0..10, 100..2000, 5000..body.len() as u64] {
        assert_eq!(
            read_range(&stores, &loc, range.clone()).await.unwrap(),
            body[range.start as usize..range.end as usize].to_vec(),
            "{range:?}"
        );
    }
    assert_eq!(stores.read(&loc).await.unwrap().as_ref(), body.as_slice());
    // Exactly the object's path: no `//`, which an origin need not merge.
    let seen = origin.seen.lock().unwrap().clone();
    assert!(seen.iter().all(|p| p == "/pub/log.txt"), "{seen:?}");
}

#[tokio::test]
async fn a_trickling_origin_cannot_outlast_the_deadline() {
    let (addr, _) = hostile_origin(Vec::new()).await;
    let limits = Limits {
        read_deadline: Duration::from_secs(1),
        ..Limits::default()
    };
    let stores =
        LogStores::new(vec![format!("http://{addr}/pub/").parse().unwrap()], limits).unwrap();
    let started = Instant::now();
    let err = stores
        .read(&format!("http://{addr}/pub/trickle.txt"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::TimedOut { .. }), "{err}");
    assert!(!err.is_permanent());
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn local_paths_cannot_leave_the_folder() {
    let root = tempfile::tempdir().unwrap();
    let store = root.path().join("logs");
    std::fs::create_dir(&store).unwrap();
    std::fs::write(store.join("client1.txt"), b"hello\n").unwrap();
    std::fs::write(root.path().join("secret.txt"), b"secret\n").unwrap();
    let stores = LogStores::local(&store).unwrap();
    assert_eq!(
        stores.read("client1.txt").await.unwrap().as_ref(),
        b"hello\n"
    );
    for escape in [
        "../secret.txt",
        "%2e%2e/secret.txt",
        "a/../../secret.txt",
        "/etc/passwd",
        "..\\secret.txt",
    ] {
        let err = stores.read(escape).await.unwrap_err();
        assert!(
            matches!(err, StoreError::BadLocation { .. }),
            "{escape}: {err}"
        );
    }
    assert!(matches!(
        stores.read("nope.txt").await,
        Err(StoreError::NotFound(_))
    ));
    // Links: to a file or a folder outside the store, refused whatever the
    // name; to a file inside, read.
    std::fs::create_dir(root.path().join("outside")).unwrap();
    std::fs::write(root.path().join("outside/x.txt"), b"secret\n").unwrap();
    std::os::unix::fs::symlink(root.path().join("secret.txt"), store.join("evil.txt")).unwrap();
    std::os::unix::fs::symlink(root.path().join("outside"), store.join("dir")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", store.join("passwd")).unwrap();
    std::os::unix::fs::symlink(store.join("client1.txt"), store.join("alias.txt")).unwrap();
    for escape in ["evil.txt", "dir/x.txt", "passwd"] {
        let err = stores.read(escape).await.unwrap_err();
        assert!(
            matches!(&err, StoreError::BadLocation { reason, .. } if reason.contains("out of the store")),
            "{escape}: {err}"
        );
        assert!(
            stores.open(escape, Some(0..3)).await.is_err(),
            "{escape} by range"
        );
    }
    assert_eq!(stores.read("alias.txt").await.unwrap().as_ref(), b"hello\n");
    assert!(matches!(
        stores.read("https://example.com/x").await,
        Err(StoreError::NotAllowed(_))
    ));
}

#[tokio::test]
async fn archived_logs_are_written_to_s3_and_to_a_folder_and_read_back() {
    let Some(moto) = moto().await else {
        return;
    };
    httpclient::client()
        .put(format!("{}/archive-bucket", moto.endpoint))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let s3: StoreSpec = format!(
        "s3://archive-bucket/logdeck?endpoint={}&{S3_OPTIONS}",
        moto.endpoint
    )
    .parse()
    .unwrap();
    let stores = LogStores::new(vec![StoreSpec::local(dir.path()), s3], Limits::default()).unwrap();
    let body = bytes::Bytes::from(log_text(500));
    for loc in [
        "s3://archive-bucket/logdeck/live/7.output.log",
        "live/7.output.log",
    ] {
        stores.put(loc, body.clone()).await.unwrap();
        assert_eq!(stores.read(loc).await.unwrap(), body, "{loc}");
        // Writing again replaces.
        stores
            .put(loc, bytes::Bytes::from_static(b"x\n"))
            .await
            .unwrap();
        assert_eq!(stores.read(loc).await.unwrap().as_ref(), b"x\n");
    }
    assert!(dir.path().join("live/7.output.log").exists());
    // Nowhere outside the stores.
    assert!(matches!(
        stores.put("s3://other-bucket/x.log", body.clone()).await,
        Err(StoreError::NotAllowed(_))
    ));
    assert!(
        stores.put("../escape.log", body).await.is_err(),
        "a local path cannot leave its folder"
    );
}
