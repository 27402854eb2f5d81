//! The accept loop over a real socket: a client that sends half a request
//! header and waits is disconnected; whole requests are answered.

use std::time::{Duration, Instant};

use axum::routing::get;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn half_a_header_is_cut_off_and_whole_requests_are_answered() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route("/", get(|| async { "ok" }));
    let limits = server::listen::Limits {
        header: Duration::from_millis(300),
        ..Default::default()
    };
    tokio::spawn(server::listen::serve(
        listener,
        app,
        std::future::pending(),
        limits,
        Default::default(),
    ));

    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .await
        .unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut rest)).await;
    assert!(
        read.is_ok(),
        "the half-sent request is still open after 5 s"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "closed after {:?}",
        started.elapsed()
    );

    let mut ok = tokio::net::TcpStream::connect(addr).await.unwrap();
    ok.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    ok.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("ok"), "{answer}");
}

/// Serves a small app with `limits` on a free port: `/` answers `ok`,
/// `/echo` reads its body, `/who` says the client's address.
async fn serve_small(
    limits: server::listen::Limits,
) -> (
    std::net::SocketAddr,
    std::sync::Arc<server::listen::ConnStats>,
) {
    use axum::extract::ConnectInfo;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .route("/", get(|| async { "ok" }))
        .route(
            "/echo",
            axum::routing::post(|body: axum::body::Bytes| async move { body }),
        )
        .route(
            "/who",
            get(
                |ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>| async move {
                    peer.ip().to_string()
                },
            ),
        );
    let stats = std::sync::Arc::new(server::listen::ConnStats::default());
    tokio::spawn(server::listen::serve(
        listener,
        app,
        std::future::pending(),
        limits,
        stats.clone(),
    ));
    (addr, stats)
}

/// Waits for the server to close `conn`; how long that took.
async fn closed_within(conn: &mut tokio::net::TcpStream, limit: Duration) -> Duration {
    let started = Instant::now();
    let mut rest = Vec::new();
    tokio::time::timeout(limit, conn.read_to_end(&mut rest))
        .await
        .expect("the server closes the connection")
        .ok();
    started.elapsed()
}

#[tokio::test]
async fn silent_and_idle_connections_are_closed_and_busy_ones_are_not() {
    let limits = server::listen::Limits {
        first_byte: Duration::from_millis(300),
        idle: Duration::from_millis(500),
        ..Default::default()
    };
    let (addr, stats) = serve_small(limits).await;
    // Connects and sends nothing.
    let mut silent = tokio::net::TcpStream::connect(addr).await.unwrap();
    let took = closed_within(&mut silent, Duration::from_secs(5)).await;
    assert!(took < Duration::from_secs(2), "{took:?}");
    // A kept-alive connection, idle after its answer.
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    let took = closed_within(&mut idle, Duration::from_secs(5)).await;
    assert!(took < Duration::from_secs(2), "{took:?}");
    // One that keeps asking stays open past the idle limit.
    let mut busy = tokio::net::TcpStream::connect(addr).await.unwrap();
    for _ in 0..4 {
        busy.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 512];
        let n = busy.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    use std::sync::atomic::Ordering;
    assert!(stats.first_byte_timeouts.load(Ordering::Relaxed) >= 1);
    assert!(stats.idle_closed.load(Ordering::Relaxed) >= 1);
}

#[tokio::test]
async fn a_trickling_body_is_cut_off_at_the_body_limit() {
    let limits = server::listen::Limits {
        body: Duration::from_millis(600),
        idle: Duration::from_secs(30),
        ..Default::default()
    };
    let (addr, stats) = serve_small(limits).await;
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let trickle = async {
        for _ in 0..100 {
            if slow.write_all(b"x").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(3), trickle).await;
    let mut answer = vec![0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(3), slow.read(&mut answer))
        .await
        .expect("an answer")
        .unwrap_or(0);
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 4"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_eq!(
        stats.slow_bodies.load(std::sync::atomic::Ordering::Relaxed),
        1
    );
}

#[tokio::test]
async fn past_the_connection_cap_new_connections_get_503_and_a_freed_slot_is_reused() {
    let limits = server::listen::Limits {
        max_connections: 2,
        ..Default::default()
    };
    let (addr, stats) = serve_small(limits).await;
    let ask = |path: &'static str| async move {
        let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
        c.write_all(
            format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
        let mut answer = String::new();
        let _ = c.read_to_string(&mut answer).await;
        answer
    };
    let who = ask("/who").await;
    assert!(who.ends_with("127.0.0.1"), "{who}");
    let a = tokio::net::TcpStream::connect(addr).await.unwrap();
    let b = tokio::net::TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let refused = ask("/").await;
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    assert!(refused.contains("too many open connections"), "{refused}");
    drop((a, b));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let ok = ask("/").await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert_eq!(stats.refused.load(std::sync::atomic::Ordering::Relaxed), 1);
}

#[tokio::test]
async fn an_idle_http2_connection_is_closed_too() {
    let limits = server::listen::Limits {
        idle: Duration::from_millis(500),
        ..Default::default()
    };
    let (addr, stats) = serve_small(limits).await;
    let mut h2 = tokio::net::TcpStream::connect(addr).await.unwrap();
    // The client preface (prior knowledge) and an empty SETTINGS frame.
    h2.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
        .await
        .unwrap();
    let mut frame = [0u8; 9];
    h2.read_exact(&mut frame).await.unwrap();
    assert_eq!(frame[3], 4, "the server's SETTINGS");
    let took = closed_within(&mut h2, Duration::from_secs(5)).await;
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert!(stats.idle_closed.load(std::sync::atomic::Ordering::Relaxed) >= 1);
}
