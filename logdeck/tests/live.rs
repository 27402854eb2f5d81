//! Live streaming end to end over real sockets, on the embedded store and on
//! Redis (`LOGDECK_TEST_REDIS`, default `redis://127.0.0.1:6379`): a
//! producer whose connections are cut again and again, a server restarted
//! mid-stream, and several viewers that must each get every line exactly
//! once, in order.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use catalog::Catalog;
use client::producer::{self, Feed, Target};
use client::tail::{End, Follow, follow};
use livestore::testing;
use logstore::LogStores;
use model::RunStatus;
use model::live::{IngestMsg, Line, NewLiveRun, Stream};
use server::live::{Live, Tokens};
use server::routes::router;
use server::site::leptos_options;
use server::state::AppState;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const TOKEN: &str = "test-token";

#[derive(Clone, Copy, Debug)]
enum Kind {
    Embedded,
    Redis,
}

/// A server on a real socket; dropping the handle's task kills it (and every
/// connection it holds), like a crash.
struct Server {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

async fn start(data: &Path, kind: Kind, prefix: &str, port: u16) -> Server {
    start_with(data, kind, prefix, port, server::live::DEFAULT_SILENCE).await
}

async fn start_with(data: &Path, kind: Kind, prefix: &str, port: u16, silence: Duration) -> Server {
    let url = format!("sqlite:{}", data.join("catalog.db").display());
    start_on(&url, data, kind, prefix, port, silence, Default::default()).await
}

/// A server on the catalog at `catalog_url`, its log stores held to
/// `limits`.
async fn start_on(
    catalog_url: &str,
    data: &Path,
    kind: Kind,
    prefix: &str,
    port: u16,
    silence: Duration,
    limits: logstore::Limits,
) -> Server {
    let catalog = Catalog::open(catalog_url).await.unwrap();
    std::fs::create_dir_all(data.join("logs")).unwrap();
    let stores =
        LogStores::new(vec![logstore::StoreSpec::local(&data.join("logs"))], limits).unwrap();
    let live = match kind {
        Kind::Embedded => Live::open(data, None, "", Tokens::new([TOKEN.to_string()]))
            .await
            .unwrap(),
        Kind::Redis => {
            let url = testing::redis_url();
            Live::new(
                livestore::LiveStore::Redis(
                    livestore::RedisStore::connect(&url, prefix).await.unwrap(),
                ),
                Tokens::new([TOKEN.to_string()]),
            )
        }
    };
    let mut live = live;
    live.silence = silence;
    let state = AppState::new(leptos_options(&data.join("no-site")), catalog, stores, live);
    let reaper = server::reaper::spawn(state.clone());
    let workers = state.indexer.spawn(1);
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let _reaper = AbortOnDrop(reaper);
        let _workers: Vec<_> = workers.into_iter().map(AbortOnDrop).collect();
        let conns = state.conns.clone();
        let limits = server::listen::Limits::default();
        server::listen::serve(
            listener,
            router(state),
            std::future::pending(),
            limits,
            conns,
        )
        .await;
    });
    Server { addr, task }
}

/// Stops a task when dropped (the reaper goes with its server).
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A TCP relay whose connections can all be cut at once: a network cut.
struct Relay {
    addr: SocketAddr,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    async fn start(upstream: Arc<Mutex<SocketAddr>>) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let held = conns.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut down, _)) = listener.accept().await else {
                    return;
                };
                let to = *upstream.lock().unwrap();
                let task = tokio::spawn(async move {
                    if let Ok(mut up) = TcpStream::connect(to).await {
                        let _ = tokio::io::copy_bidirectional(&mut down, &mut up).await;
                    }
                });
                held.lock().unwrap().push(task);
            }
        });
        Relay { addr, conns }
    }

    fn cut(&self) {
        for c in self.conns.lock().unwrap().drain(..) {
            c.abort();
        }
    }
}

fn text_of(seq: u64) -> String {
    match seq % 5 {
        0 => String::new(),
        1 => format!("{seq:08} INFO step {seq} done | ü ✓"),
        2 => format!("{seq:08} \x1b[31mred\x1b[0m <b>not html</b>"),
        3 => "x".repeat((seq % 300) as usize),
        _ => format!("{seq:08} WARNING retrying"),
    }
}

/// Line `seq` as the test program prints it.
fn feed_line(seq: u64) -> Feed {
    let stream = if seq.is_multiple_of(7) {
        Stream::Err
    } else {
        Stream::Out
    };
    Feed::Line {
        stream,
        time_us: seq as i64,
        text: text_of(seq),
    }
}

/// Feeds `n` lines at a steady pace, then the exit code.
async fn produce(tx: mpsc::Sender<Feed>, n: u64) {
    for seq in 1..=n {
        tx.send(feed_line(seq)).await.unwrap();
        if seq.is_multiple_of(200) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    tx.send(Feed::Done { exit_code: Some(3) }).await.unwrap();
}

/// Feeds `n` lines at about `per_sec` a second (a few every 10 ms), then
/// the exit code.
async fn produce_paced(tx: mpsc::Sender<Feed>, n: u64, per_sec: u64) {
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    let per_tick = (per_sec / 100).max(1);
    let mut seq = 0;
    while seq < n {
        tick.tick().await;
        for _ in 0..per_tick.min(n - seq) {
            seq += 1;
            tx.send(feed_line(seq)).await.unwrap();
        }
    }
    tx.send(Feed::Done { exit_code: Some(3) }).await.unwrap();
}

fn target(addr: SocketAddr) -> Target {
    Target {
        server: format!("http://{addr}/").parse().unwrap(),
        token: TOKEN.into(),
        run: NewLiveRun {
            name: "no-loss test".into(),
            command: Some("produce".into()),
            labels: vec![("suite".into(), "live".into())],
        },
    }
}

/// Follows the run until sealed; returns every line received.
async fn watch(addr: SocketAddr, run: i64) -> Vec<Line> {
    watch_from(addr, run, None).await
}

/// Follows the run from seq `from` until sealed.
async fn watch_from(addr: SocketAddr, run: i64, from: Option<u64>) -> Vec<Line> {
    let server: url::Url = format!("http://{addr}/").parse().unwrap();
    let mut got = Vec::new();
    let what = Follow {
        server: &server,
        run,
        log: "output",
        from,
        last: None,
        follow: true,
        token: None,
    };
    let end = follow(what, |l| got.push(l.clone()), |_| {}).await.unwrap();
    assert_eq!(end, End::Sealed);
    got
}

fn check_complete(got: &[Line], n: u64, who: &str) {
    assert_eq!(got.len() as u64, n, "{who}: line count");
    for (i, l) in got.iter().enumerate() {
        let seq = i as u64 + 1;
        assert_eq!(l.seq, seq, "{who}: order");
        assert_eq!(l.text, text_of(seq), "{who}: text of {seq}");
        assert_eq!(
            l.stream == Stream::Err,
            seq.is_multiple_of(7),
            "{who}: stream of {seq}"
        );
    }
}

/// Waits for the run the producer creates (the first task run id).
async fn first_run(addr: SocketAddr) -> i64 {
    let url = format!("http://{addr}/api/runs?limit=1");
    let http = httpclient::client();
    for _ in 0..200 {
        if let Ok(r) = http.get(&url).send().await
            && let Ok(t) = r.text().await
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&t)
            && let Some(id) = v["rows"][0]["id"].as_i64()
        {
            return id;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no run appeared");
}

fn prefix() -> String {
    testing::unique_prefix("live")
}

async fn cuts_lose_nothing(kind: Kind) {
    const N: u64 = 30_000;
    let data = tempfile::tempdir().unwrap();
    let prefix = prefix();
    let server = start(data.path(), kind, &prefix, 0).await;
    let relay = Relay::start(Arc::new(Mutex::new(server.addr))).await;
    let (tx, rx) = mpsc::channel(1024);
    // What the producer heard on each failed attempt, shown if it hangs.
    let retries: Arc<Mutex<Vec<String>>> = Arc::default();
    let heard = retries.clone();
    let producer = tokio::spawn(producer::stream(target(relay.addr), rx, move |m| {
        heard.lock().unwrap().push(m.to_owned())
    }));
    tokio::spawn(produce(tx, N));
    let run = first_run(server.addr).await;
    // Three viewers straight to the server, one through the relay (its
    // connection is cut too, and it resumes).
    let viewers: Vec<_> = [server.addr, server.addr, server.addr, relay.addr]
        .into_iter()
        .map(|a| tokio::spawn(watch(a, run)))
        .collect();
    // A cut every 120 ms, once the server has stored more since the last
    // one: on a loaded machine (the embedded store syncs each batch to
    // disk) a connection cut on the clock alone may never live long enough
    // to store a line. The cuts end with the run.
    let server_addr = server.addr;
    let cutter = tokio::spawn(async move {
        let mut stored_at_cut = 0;
        loop {
            tokio::time::sleep(Duration::from_millis(120)).await;
            let Some(now) = stored(server_addr, run).await else {
                return;
            };
            if now > stored_at_cut {
                relay.cut();
                stored_at_cut = now;
            }
        }
    });
    let Ok(report) = tokio::time::timeout(Duration::from_secs(120), producer).await else {
        let stored = stored(server.addr, run).await.unwrap_or(N);
        let retries = retries.lock().unwrap().clone();
        let last: Vec<_> = retries.iter().rev().take(20).collect();
        panic!(
            "the producer did not finish in 120 s; the server has {stored} of {N} lines; \
             {} failed attempts, the last: {last:#?}",
            retries.len(),
        );
    };
    let report = report.unwrap().unwrap();
    cutter.abort();
    assert_eq!(report.lines, N);
    assert!(
        report.connections > 3,
        "the relay cut the producer: {report:?}"
    );
    for (i, v) in viewers.into_iter().enumerate() {
        let got = tokio::time::timeout(Duration::from_secs(60), v)
            .await
            .unwrap()
            .unwrap();
        check_complete(&got, N, &format!("viewer {i}"));
    }
    // The run is recorded as finished with the program's exit code.
    let detail = httpclient::client()
        .get(format!("http://{}/api/runs/{run}", server.addr))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let detail: serde_json::Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["run"]["id"], run);
    assert_eq!(detail["run"]["status"], "failed");
    assert_eq!(detail["run"]["exit_code"], 3);
    check_archived(server.addr, run, N).await;
    server.task.abort();
    testing::drop_keys(&prefix);
}

/// The last line the server has stored of the run's output, as it tells a
/// producer before it connects; `None` once the run has finished (the
/// server then refuses producers).
async fn stored(addr: SocketAddr, run: i64) -> Option<u64> {
    let url = format!("http://{addr}/api/live/runs/{run}/logs/output/ingest");
    let res = httpclient::client()
        .get(url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    if res.status() == reqwest::StatusCode::CONFLICT {
        return None;
    }
    let text = res.text().await.unwrap();
    match serde_json::from_str::<IngestMsg>(&text) {
        Ok(IngestMsg::Ready { last_seq }) => Some(last_seq),
        other => panic!("unexpected answer {text:?}: {other:?}"),
    }
}

/// The answer to a GET of `url`, as text.
async fn get_text(url: String) -> String {
    httpclient::client()
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The JSON answer to a GET of `url`.
async fn get_json(url: String) -> serde_json::Value {
    let text = get_text(url).await;
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// The run's detail once its output is archived and indexed.
async fn indexed(addr: SocketAddr, run: i64) -> serde_json::Value {
    let mut detail = serde_json::Value::Null;
    for _ in 0..300 {
        detail = get_json(format!("http://{addr}/api/runs/{run}")).await;
        if detail["run"]["output_state"] == "indexed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(detail["run"]["output_state"], "indexed", "{detail}");
    detail
}

/// The run's output is archived, indexed, gone from the live store, and
/// still served by the live endpoint with the same seqs.
async fn check_archived(addr: SocketAddr, run: i64, n: u64) {
    let detail = indexed(addr, run).await;
    assert_eq!(
        detail["run"]["output_log"],
        format!("live/{run}.output.log")
    );
    assert_eq!(detail["logs"][0]["name"], "output");
    // The summary counts the lines that are not blank.
    let counted = (1..=n).filter(|&s| !text_of(s).is_empty()).count();
    assert_eq!(detail["logs"][0]["summary"]["lines"], counted);
    let raw = httpclient::client()
        .get(format!("http://{addr}/api/runs/{run}/logs/output/raw"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let expected: String = (1..=n).map(|s| text_of(s) + "\n").collect();
    assert!(raw == expected, "the archived text is the lines in order");
    check_complete(&watch(addr, run).await, n, "viewer of the archive");
    let tail = watch_from(addr, run, Some(n - 9)).await;
    assert_eq!(tail.len(), 10);
    assert_eq!(tail[0].seq, n - 9);
    assert_eq!(tail[9].text, text_of(n));
    // The events tell of the sealed log.
    let events = httpclient::client()
        .get(format!("http://{addr}/api/events?after=0&limit=1000"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(events.contains("log.sealed"), "{events}");
}

async fn a_server_restart_loses_nothing(kind: Kind) {
    const N: u64 = 20_000;
    let data = tempfile::tempdir().unwrap();
    let prefix = prefix();
    let first = start(data.path(), kind, &prefix, 0).await;
    let port = first.addr.port();
    let upstream = Arc::new(Mutex::new(first.addr));
    let relay = Relay::start(upstream.clone()).await;
    let (tx, rx) = mpsc::channel(1024);
    // A small memory bound: what piles up while the server is down goes to
    // the spool file and comes back.
    let spool_dir = tempfile::tempdir().unwrap();
    let spool = producer::SpoolConfig {
        memory_bytes: 16 << 10,
        max_bytes: 1 << 30,
        dir: spool_dir.path().to_path_buf(),
    };
    let producer = tokio::spawn(producer::stream_with(target(relay.addr), spool, rx, |_| {}));
    tokio::spawn(produce(tx, N));
    let run = first_run(first.addr).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    // Crash: the server and every connection to it go away at once.
    first.task.abort();
    relay.cut();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = start(data.path(), kind, &prefix, port).await;
    let report = tokio::time::timeout(Duration::from_secs(120), producer)
        .await
        .expect("producer finishes")
        .unwrap()
        .unwrap();
    assert_eq!(report.lines, N);
    assert!(report.connections >= 2);
    assert!(report.spilled > 0, "the outage filled memory: {report:?}");
    assert_eq!(
        std::fs::read_dir(spool_dir.path()).unwrap().count(),
        0,
        "the spool file is gone once everything is stored"
    );
    let got = watch(second.addr, run).await;
    check_complete(&got, N, "viewer after restart");
    second.task.abort();
    testing::drop_keys(&prefix);
}

/// How long the outage test keeps the server down: `LOGDECK_TEST_OUTAGE_SECS`
/// (default 6; a soak sets 60 or more). What is checked is about lines, not
/// time: longer than the memory spool holds, so the outage's lines wait on
/// disk, and longer than the producer's longest backoff.
fn outage() -> Duration {
    let secs = std::env::var("LOGDECK_TEST_OUTAGE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6u64);
    Duration::from_secs(secs.max(1))
}

/// The server is down for a while ([`outage`]) while the program keeps
/// printing (500 lines a second, through a 16 KiB memory spool into its
/// file): when it is back, every line arrives, once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_of_the_server_loses_nothing() {
    const PER_SEC: u64 = 500;
    let down = outage();
    let during = PER_SEC * down.as_secs();
    // Three seconds before the outage and about three after it.
    let n = during + 6 * PER_SEC;
    let data = tempfile::tempdir().unwrap();
    let first = start(data.path(), Kind::Embedded, "unused", 0).await;
    let port = first.addr.port();
    let relay = Relay::start(Arc::new(Mutex::new(first.addr))).await;
    let spool_dir = tempfile::tempdir().unwrap();
    let spool = producer::SpoolConfig {
        memory_bytes: 16 << 10,
        max_bytes: 1 << 30,
        dir: spool_dir.path().to_path_buf(),
    };
    let (tx, rx) = mpsc::channel(1024);
    let producer = tokio::spawn(producer::stream_with(target(relay.addr), spool, rx, |_| {}));
    let started = std::time::Instant::now();
    tokio::spawn(produce_paced(tx, n, PER_SEC));
    let run = first_run(first.addr).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    // Down: the server and every connection to it go away.
    first.task.abort();
    relay.cut();
    tokio::time::sleep(down).await;
    let second = start(data.path(), Kind::Embedded, "unused", port).await;
    let report = tokio::time::timeout(Duration::from_secs(60) + down, producer)
        .await
        .expect("producer finishes")
        .unwrap()
        .unwrap();
    assert!(started.elapsed() >= down + Duration::from_secs(3));
    assert_eq!(report.lines, n);
    assert!(
        report.spilled > during / 2,
        "the outage's {during} lines waited on disk: {report:?}"
    );
    check_complete(&watch(second.addr, run).await, n, "viewer after the outage");
    second.task.abort();
}

/// Two server processes (here: two servers in one process, each with its
/// own catalog pool, Redis connections, reader and workers) sharing Redis,
/// a PostgreSQL catalog and the log folder serve the same run: a producer
/// on one, viewers on both, one archive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_sharing_redis_and_postgres_serve_the_same_run() {
    const N: u64 = 5_000;
    let data = tempfile::tempdir().unwrap();
    let prefix = prefix();
    if testing::redis().await.is_none() {
        return;
    }
    let Some(db) = catalog::testing::postgres().await else {
        return;
    };
    let silence = server::live::DEFAULT_SILENCE;
    let one = || {
        let limits = Default::default();
        start_on(
            &db.url,
            data.path(),
            Kind::Redis,
            &prefix,
            0,
            silence,
            limits,
        )
    };
    let (a, b) = (one().await, one().await);
    let (tx, rx) = mpsc::channel(1024);
    let producer = tokio::spawn(producer::stream(target(a.addr), rx, |_| {}));
    tokio::spawn(produce(tx, N));
    let run = first_run(b.addr).await;
    let viewers: Vec<_> = [b.addr, b.addr, a.addr]
        .into_iter()
        .map(|addr| tokio::spawn(watch(addr, run)))
        .collect();
    let report = tokio::time::timeout(Duration::from_secs(60), producer)
        .await
        .expect("producer finishes")
        .unwrap()
        .unwrap();
    assert_eq!(report.lines, N);
    for (i, v) in viewers.into_iter().enumerate() {
        let got = tokio::time::timeout(Duration::from_secs(60), v)
            .await
            .unwrap()
            .unwrap();
        check_complete(&got, N, &format!("viewer {i}"));
    }
    check_archived(b.addr, run, N).await;
    check_complete(&watch(a.addr, run).await, N, "viewer of the archive on a");
    let events = httpclient::client()
        .get(format!("http://{}/api/events?after=0&limit=1000", a.addr))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let events: Vec<serde_json::Value> = serde_json::from_str(&events).unwrap();
    let sealed = events.iter().filter(|e| e["topic"] == "log.sealed").count();
    assert_eq!(sealed, 1, "archived once: {events:?}");
    a.task.abort();
    b.task.abort();
    testing::drop_keys(&prefix);
    db.drop_schema().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cuts_lose_nothing_embedded() {
    cuts_lose_nothing(Kind::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cuts_lose_nothing_redis() {
    if testing::redis().await.is_some() {
        cuts_lose_nothing(Kind::Redis).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restart_loses_nothing_embedded() {
    a_server_restart_loses_nothing(Kind::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restart_loses_nothing_redis() {
    if testing::redis().await.is_some() {
        a_server_restart_loses_nothing(Kind::Redis).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn producers_need_the_token_and_viewers_cannot_write() {
    let data = tempfile::tempdir().unwrap();
    let server = start(data.path(), Kind::Embedded, "unused", 0).await;
    let base = format!("http://{}", server.addr);
    let http = httpclient::client();
    let body = r#"{"name":"x"}"#;
    let post = |auth: Option<&str>| {
        let mut r = http
            .post(format!("{base}/api/live/runs"))
            .header("content-type", "application/json")
            .body(body);
        if let Some(a) = auth {
            r = r.header("authorization", a);
        }
        r.send()
    };
    assert_eq!(post(None).await.unwrap().status(), 401);
    assert_eq!(post(Some("Bearer nope")).await.unwrap().status(), 401);
    let run = created_run(post(Some(&format!("Bearer {TOKEN}"))).await.unwrap()).await;
    // The ingest socket without a token is refused before upgrading.
    let ws = ingest_url(server.addr, run);
    match tokio_tungstenite::connect_async(ws.as_str()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 401),
        other => panic!("expected 401, got {:?}", other.map(|_| ())),
    }
    // Malformed and oversized frames close the producer's socket with a
    // code and a reason; the next connection works.
    for (frame, code) in [
        ("not json".to_string(), model::live::close::BAD_MESSAGE),
        (
            r#"{"type":"lines","lines":[{"seq":2,"t":0,"s":"o","x":"a"},{"seq":1,"t":0,"s":"o","x":"b"}]}"#.to_string(),
            model::live::close::BAD_MESSAGE,
        ),
        ("x".repeat(server::live::MAX_FRAME + 1), model::live::close::TOO_BIG),
    ] {
        use futures::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::Message;
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut req = ws.as_str().into_client_request().unwrap();
        req.headers_mut()
            .insert("authorization", format!("Bearer {TOKEN}").parse().unwrap());
        let (mut p, _) = tokio_tungstenite::connect_async(req).await.unwrap();
        let ready = p.next().await.unwrap().unwrap();
        assert_eq!(ready.into_text().unwrap().as_str(), r#"{"type":"ready","last_seq":0}"#);
        let _ = p.send(Message::Text(frame.into())).await;
        let mut closed = None;
        while let Some(Ok(m)) = p.next().await {
            if let Message::Close(Some(f)) = m {
                closed = Some((u16::from(f.code), f.reason.to_string()));
                break;
            }
        }
        let (got, reason) = closed.expect("a close frame");
        assert_eq!(got, code, "{reason}");
        assert!(!reason.is_empty());
    }
    // A viewer's frames are not lines: nothing reaches the log.
    let view = format!("ws://{}/api/runs/{run}/logs/output/live", server.addr);
    let (mut v, _) = tokio_tungstenite::connect_async(view.as_str())
        .await
        .unwrap();
    use futures::SinkExt;
    let fake = r#"{"type":"lines","lines":[{"seq":1,"t":0,"s":"o","x":"forged"}]}"#;
    v.send(tokio_tungstenite::tungstenite::Message::Text(fake.into()))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let key = livestore::LogKey::new(run, "output").unwrap();
    let live = livestore::LiveStore::Embedded(
        livestore::EmbeddedStore::open(data.path().join("live")).unwrap(),
    );
    assert_eq!(live.progress(&key).await.unwrap(), None);
    // Bad requests get 4xx with a reason, before upgrading.
    let refused = |path: String| async move {
        match tokio_tungstenite::connect_async(format!("ws://{}{path}", server.addr)).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(res)) => res.status().as_u16(),
            other => panic!("{path}: expected a refusal, got {:?}", other.map(|_| ())),
        }
    };
    assert_eq!(
        refused(format!("/api/runs/{run}/logs/output/live?from=")).await,
        400
    );
    assert_eq!(
        refused(format!("/api/runs/{run}/logs/output/live?from=x")).await,
        400
    );
    assert_eq!(
        refused(format!("/api/runs/{run}/logs/Bad..Name/live")).await,
        400
    );
    assert_eq!(
        refused("/api/runs/424242/logs/output/live".into()).await,
        404
    );
    server.task.abort();
}

/// The id of the run a `POST /api/live/runs` answer created.
async fn created_run(res: reqwest::Response) -> i64 {
    assert_eq!(res.status(), 201);
    let created: serde_json::Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();
    created["run"].as_i64().unwrap()
}

/// The producer's websocket of `run`'s output.
fn ingest_url(addr: SocketAddr, run: i64) -> String {
    format!("ws://{addr}/api/live/runs/{run}/logs/output/ingest")
}

/// Reads server-sent events from `res` until `n` have arrived: (id, topic).
async fn sse_events(res: reqwest::Response, n: usize) -> Vec<(i64, String)> {
    use futures::StreamExt;
    let mut body = res.bytes_stream();
    let mut text = String::new();
    let mut out = Vec::new();
    while out.len() < n {
        let chunk = tokio::time::timeout(Duration::from_secs(10), body.next())
            .await
            .expect("an event within 10 s")
            .expect("the stream stays open")
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
            };
            if let (Some(id), Some(topic)) = (field("id:"), field("event:")) {
                out.push((id.parse().unwrap(), topic));
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_feed_streams_new_events_and_resumes() {
    let data = tempfile::tempdir().unwrap();
    let server = start(data.path(), Kind::Embedded, "unused", 0).await;
    let base = format!("http://{}", server.addr);
    let http = httpclient::client();
    let create = |name: &'static str| {
        http.post(format!("{base}/api/live/runs"))
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("content-type", "application/json")
            .body(format!(r#"{{"name":"{name}"}}"#))
            .send()
    };
    assert_eq!(create("first").await.unwrap().status(), 201);
    // Asked for anything but an event stream, the feed answers what is
    // stored now, as JSON, and ends.
    let stored = http
        .get(format!("{base}/api/events/stream?after=0"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let stored: Vec<serde_json::Value> = serde_json::from_slice(&stored).unwrap();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0]["topic"], "run.started");
    let sse = "text/event-stream";
    let feed = http
        .get(format!("{base}/api/events/stream?after=0"))
        .header("accept", sse)
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), 200);
    assert!(
        feed.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    // The stored event first, then one that happens while connected.
    let reader = tokio::spawn(sse_events(feed, 2));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(create("second").await.unwrap().status(), 201);
    let got = reader.await.unwrap();
    assert_eq!(
        got.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>(),
        ["run.started", "run.started"]
    );
    assert!(got[0].0 < got[1].0);
    // Reconnecting with Last-Event-ID replays only what came after it.
    let again = http
        .get(format!("{base}/api/events/stream"))
        .header("accept", sse)
        .header("last-event-id", got[0].0.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(sse_events(again, 1).await[0].0, got[1].0);
    // `after=now` skips what is stored and gets only what happens next.
    let now = http
        .get(format!("{base}/api/events/stream?after=now"))
        .header("accept", sse)
        .send()
        .await
        .unwrap();
    assert_eq!(now.status(), 200);
    let reader = tokio::spawn(sse_events(now, 1));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(create("third").await.unwrap().status(), 201);
    let fresh = reader.await.unwrap();
    assert!(fresh[0].0 > got[1].0, "{fresh:?} came after {got:?}");
    let bad = http
        .get(format!("{base}/api/events/stream?after=-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    server.task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_run_is_sealed_as_lost_and_a_connected_one_is_not() {
    let data = tempfile::tempdir().unwrap();
    let server = start_with(
        data.path(),
        Kind::Embedded,
        "unused",
        0,
        Duration::from_secs(1),
    )
    .await;
    // A producer that sends two lines and then stays connected, silent.
    let (tx, rx) = mpsc::channel(16);
    let quiet = tokio::spawn(producer::stream(target(server.addr), rx, |_| {}));
    for seq in 1..=2 {
        tx.send(Feed::Line {
            stream: Stream::Out,
            time_us: seq,
            text: text_of(seq as u64),
        })
        .await
        .unwrap();
    }
    let connected = first_run(server.addr).await;
    // A run whose producer never connects.
    let body = httpclient::client()
        .post(format!("http://{}/api/live/runs", server.addr))
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/json")
        .body(r#"{"name":"gone"}"#)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let gone = serde_json::from_str::<serde_json::Value>(&body).unwrap()["run"]
        .as_i64()
        .unwrap();
    // Its viewers are told the log is complete once it is declared lost.
    let got = tokio::time::timeout(Duration::from_secs(15), watch(server.addr, gone))
        .await
        .expect("the silent run is sealed");
    assert!(got.is_empty());
    let data_catalog = Catalog::open(&format!(
        "sqlite:{}",
        data.path().join("catalog.db").display()
    ))
    .await
    .unwrap();
    assert_eq!(
        data_catalog.run_state(gone).await.unwrap().unwrap().status,
        RunStatus::Lost
    );
    // A lost run's lines are archived like any other's.
    let mut archived = None;
    for _ in 0..100 {
        archived = data_catalog
            .run_state(gone)
            .await
            .unwrap()
            .unwrap()
            .output_log;
        if archived.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(archived, Some(format!("live/{gone}.output.log")));
    // Three silences later the connected one is still live.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        data_catalog
            .run_state(connected)
            .await
            .unwrap()
            .unwrap()
            .status,
        RunStatus::Live
    );
    tx.send(Feed::Done { exit_code: Some(0) }).await.unwrap();
    let report = quiet.await.unwrap().unwrap();
    assert_eq!(report.lines, 2);
    assert_eq!(
        data_catalog
            .run_state(connected)
            .await
            .unwrap()
            .unwrap()
            .status,
        RunStatus::Succeeded
    );
    server.task.abort();
}

/// A server whose Redis keys carry its catalog's identity, as `serve`
/// names them, under `base` (so the test can remove them).
async fn start_identified(data: &Path, base: &str) -> Server {
    std::fs::create_dir_all(data).unwrap();
    let url = format!("sqlite:{}", data.join("catalog.db").display());
    let id = Catalog::open(&url).await.unwrap().identity().await.unwrap();
    let prefix = format!("{base}:{}", server::live::redis_prefix(&id));
    start_on(
        &url,
        data,
        Kind::Redis,
        &prefix,
        0,
        server::live::DEFAULT_SILENCE,
        Default::default(),
    )
    .await
}

/// Streams `n` lines as one run through `addr`; the run and what a viewer
/// of it got.
async fn stream_one(addr: SocketAddr, n: u64) -> (i64, Vec<Line>) {
    let (tx, rx) = mpsc::channel(1024);
    let producer = tokio::spawn(producer::stream(target(addr), rx, |_| {}));
    tokio::spawn(produce(tx, n));
    let report = tokio::time::timeout(Duration::from_secs(60), producer)
        .await
        .expect("producer finishes")
        .unwrap()
        .unwrap();
    assert_eq!(report.lines, n);
    (report.run, watch(addr, report.run).await)
}

/// Catalogs that share one Redis never meet there: two fresh data
/// directories (the same run ids), and a restored backup of one of them
/// (the same identity too), each stream a run and every line of each
/// arrives, once, in its own run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalogs_sharing_redis_never_mix_their_runs() {
    if testing::redis().await.is_none() {
        return;
    }
    let base = prefix();
    let dirs = tempfile::tempdir().unwrap();
    let (a_dir, b_dir, restored) = (
        dirs.path().join("a"),
        dirs.path().join("b"),
        dirs.path().join("restored"),
    );
    let a = start_identified(&a_dir, &base).await;
    // A backup of a's catalog, taken before its run.
    std::fs::create_dir_all(&restored).unwrap();
    let backup = Catalog::open(&format!("sqlite:{}", a_dir.join("catalog.db").display()))
        .await
        .unwrap();
    sqlx::query(&format!(
        "VACUUM INTO '{}'",
        restored.join("catalog.db").display()
    ))
    .execute(backup.pool())
    .await
    .unwrap();
    backup.close().await;

    let (run_a, got_a) = stream_one(a.addr, 3000).await;
    check_complete(&got_a, 3000, "a's viewer");
    check_archived(a.addr, run_a, 3000).await;

    let b = start_identified(&b_dir, &base).await;
    let (run_b, got_b) = stream_one(b.addr, 2000).await;
    assert_eq!(
        run_b, run_a,
        "a fresh catalog numbers its runs the same way"
    );
    check_complete(&got_b, 2000, "b's viewer");

    // Same identity, same next id: that id is given up, the next one used.
    let r = start_identified(&restored, &base).await;
    let (run_r, got_r) = stream_one(r.addr, 1000).await;
    assert_ne!(run_r, run_a);
    check_complete(&got_r, 1000, "the restored catalog's viewer");
    // a's archived run is untouched.
    check_complete(&watch(a.addr, run_a).await, 3000, "a's viewer, afterwards");
    for s in [a, b, r] {
        s.task.abort();
    }
    testing::drop_keys(&base);
}

/// A server on the embedded stores, its catalog, and a token created in it
/// under `name` (besides the configured [`TOKEN`]).
async fn start_with_created_token(name: &str) -> (tempfile::TempDir, Server, Catalog, String) {
    let data = tempfile::tempdir().unwrap();
    let server = start(data.path(), Kind::Embedded, "unused", 0).await;
    let url = format!("sqlite:{}", data.path().join("catalog.db").display());
    let catalog = Catalog::open(&url).await.unwrap();
    let token = server::live::tokens::new_token();
    let hash = server::live::tokens::token_hash(&token);
    assert!(
        catalog
            .create_token(name, &hash, model::TokenScope::Producer, 1)
            .await
            .unwrap()
    );
    (data, server, catalog, token)
}

/// Revoking a token ends the producers connected with it within a second;
/// the producer says why and gives up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_closes_its_open_producer() {
    let (_data, server, catalog, token) = start_with_created_token("ci").await;
    let (tx, rx) = mpsc::channel(1024);
    let mut t = target(server.addr);
    t.token = token;
    let producer = tokio::spawn(producer::stream(t, rx, |_| {}));
    // Lines keep coming; the program never ends.
    let feeding = tokio::spawn(async move {
        for seq in 1.. {
            if tx.send(feed_line(seq)).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    let run = first_run(server.addr).await;
    // Revoke once lines are stored: the producer's socket is up (a producer
    // that connects after the revocation is refused with a 401 instead).
    let url: url::Url = format!("http://{}/", server.addr).parse().unwrap();
    for _ in 0..250 {
        let mut got = 0;
        let what = Follow {
            server: &url,
            run,
            log: "output",
            from: None,
            last: Some(1),
            follow: false,
            token: None,
        };
        let _ = follow(what, |_| got += 1, |_| {}).await;
        if got > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(catalog.revoke_token("ci").await.unwrap());
    let revoked = std::time::Instant::now();
    let ended = tokio::time::timeout(Duration::from_secs(5), producer)
        .await
        .expect("the producer stops")
        .unwrap();
    let err = ended.expect_err("a revoked producer fails");
    assert!(
        revoked.elapsed() < Duration::from_millis(1500),
        "took {:?}",
        revoked.elapsed()
    );
    assert!(err.to_string().contains("no longer valid"), "{err}");
    feeding.abort();
    assert!(run > 0);
    server.task.abort();
}

/// A valid token may not write into a run another token created: the
/// socket is closed with 4403 before anything is read from it, and the
/// creator's log is untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_writes_only_into_runs_it_created() {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let (_data, server, _, other) = start_with_created_token("other").await;
    let created = httpclient::client()
        .post(format!("http://{}/api/live/runs", server.addr))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body(r#"{"name":"mine"}"#)
        .send()
        .await
        .unwrap();
    let run = created_run(created).await;
    let ws = ingest_url(server.addr, run);
    let connect = |token: String| {
        let mut req = ws.as_str().into_client_request().unwrap();
        req.headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        tokio_tungstenite::connect_async(req)
    };
    let forged = r#"{"type":"lines","lines":[{"seq":1,"t":0,"s":"o","x":"forged"}]}"#;
    let (mut intruder, _) = connect(other).await.unwrap();
    let _ = intruder.send(Message::Text(forged.into())).await;
    let mut closed = None;
    while let Some(Ok(m)) = intruder.next().await {
        match m {
            Message::Close(Some(f)) => {
                closed = Some((u16::from(f.code), f.reason.to_string()));
                break;
            }
            Message::Text(t) => panic!("the intruder was answered: {t}"),
            _ => {}
        }
    }
    let (code, reason) = closed.expect("a close frame");
    assert_eq!(code, model::live::close::FORBIDDEN, "{reason}");
    assert!(reason.contains("another producer token"), "{reason}");
    // The creator finds its log empty and writes line 1 itself.
    let (mut mine, _) = connect(TOKEN.to_string()).await.unwrap();
    let ready = mine.next().await.unwrap().unwrap();
    assert_eq!(
        ready.into_text().unwrap().as_str(),
        r#"{"type":"ready","last_seq":0}"#
    );
    let line = r#"{"type":"lines","lines":[{"seq":1,"t":0,"s":"o","x":"mine"}]}"#;
    mine.send(Message::Text(line.into())).await.unwrap();
    let ack = mine.next().await.unwrap().unwrap();
    assert_eq!(
        ack.into_text().unwrap().as_str(),
        r#"{"type":"ack","seq":1}"#
    );
    server.task.abort();
}

/// Guessing tokens costs time: after the limit of wrong tokens from one
/// address, every token it presents (the right one too) gets 429 with
/// `Retry-After`, and the failures show on `/metrics`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_tokens_are_limited_per_client_address() {
    let data = tempfile::tempdir().unwrap();
    let server = start(data.path(), Kind::Embedded, "unused", 0).await;
    let http = httpclient::client();
    let post = |token: &str| {
        http.post(format!("http://{}/api/live/runs", server.addr))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(r#"{"name":"guess"}"#)
            .send()
    };
    for i in 0..server::live::guesses::LIMIT {
        let res = post(&format!("guess-{i}")).await.unwrap();
        assert_eq!(res.status(), 401, "attempt {i}");
    }
    let refused = post("one-more").await.unwrap();
    assert_eq!(refused.status(), 429);
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("too many wrong tokens")
    );
    assert_eq!(
        post(TOKEN).await.unwrap().status(),
        429,
        "the right one too"
    );
    // A wrong token is no Host exemption either, and still counts.
    let rebound = http
        .get(format!("http://{}/api/runs", server.addr))
        .header("host", "evil.example")
        .bearer_auth("another-guess")
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), 421);
    let metrics = get_text(format!("http://{}/metrics", server.addr)).await;
    let value = |name: &str| -> u64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} missing"))
            .parse()
            .unwrap()
    };
    assert_eq!(
        value("logdeck_token_failures_total"),
        u64::from(server::live::guesses::LIMIT)
    );
    assert!(value("logdeck_token_refusals_total") >= 3);
    assert!(value("logdeck_connections_open") >= 1);
    server.task.abort();
}

/// A live log over the whole-log limit stays readable once archived: the
/// viewer and `tail` get every line, `raw` the whole text, `lines` any
/// page, and indexing covers the part within the limit and says how much
/// it skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_over_the_whole_log_limit_stays_readable_once_archived() {
    const N: u64 = 30_000;
    let data = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", data.path().join("catalog.db").display());
    let limits = logstore::Limits {
        max_bytes: 256 << 10,
        ..Default::default()
    };
    let server = start_on(
        &url,
        data.path(),
        Kind::Embedded,
        "unused",
        0,
        server::live::DEFAULT_SILENCE,
        limits,
    )
    .await;
    let addr = server.addr;
    let (tx, rx) = mpsc::channel(1024);
    let producer = tokio::spawn(producer::stream(target(addr), rx, |_| {}));
    tokio::spawn(produce(tx, N));
    let report = producer.await.unwrap().unwrap();
    assert_eq!(report.lines, N);
    let run = first_run(addr).await;
    let detail = indexed(addr, run).await;
    let expected: String = (1..=N).map(|s| text_of(s) + "\n").collect();
    assert!(
        expected.len() > 4 * (256 << 10),
        "the log is over the limit"
    );
    let summary = &detail["logs"][0]["summary"];
    let skipped = summary["skipped_bytes"].as_u64().unwrap();
    assert_eq!(summary["bytes"].as_u64().unwrap(), expected.len() as u64);
    assert!(
        skipped > 0 && skipped <= expected.len() as u64 - (200 << 10),
        "{summary}"
    );
    let raw = httpclient::client()
        .get(format!("http://{addr}/api/runs/{run}/logs/output/raw"))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 200);
    assert!(raw.text().await.unwrap() == expected);
    let lines = |query: String| {
        get_json(format!(
            "http://{addr}/api/runs/{run}/logs/output/lines?{query}"
        ))
    };
    let page = lines(format!("from={}&limit=3", N - 4)).await;
    assert_eq!(page["total"], N, "{page}");
    assert_eq!(page["lines"][0]["n"], N - 4);
    assert_eq!(page["lines"][0]["text"], text_of(N - 4));
    assert_eq!(page["next"], N - 1);
    let found = lines(format!("q={:08}%20warning", N - 1)).await;
    assert_eq!(found["lines"][0]["n"], N - 1, "{found}");
    check_complete(&watch(addr, run).await, N, "viewer of the big archive");
    let tail = watch_from(addr, run, Some(N - 9)).await;
    assert_eq!(tail.len(), 10);
    server.task.abort();
}

/// Many viewers of a busy log each get every line in order, in messages
/// paced by the viewers' shared tick: about one a tick, not one for every
/// append of the producer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_viewers_get_every_line_in_one_message_a_tick() {
    use futures::StreamExt;
    use server::api::live::viewer::{MANY, TICK};
    use tokio_tungstenite::tungstenite::Message;
    const N: u64 = 1500;
    let data = tempfile::tempdir().unwrap();
    let server = start(data.path(), Kind::Embedded, "", 0).await;
    let (tx, rx) = mpsc::channel(1024);
    let producer = tokio::spawn(producer::stream(target(server.addr), rx, |_| {}));
    tx.send(feed_line(1)).await.unwrap();
    let run = first_run(server.addr).await;
    let url = format!(
        "ws://{}/api/runs/{run}/logs/output/live?from=1",
        server.addr
    );
    let viewers: Vec<_> = (0..MANY + 8)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                let (ws, _) = tokio_tungstenite::connect_async(url.as_str())
                    .await
                    .unwrap();
                let (_tx, mut rx) = ws.split();
                let (mut next, mut messages) = (1, 0u32);
                let mut first_at = None;
                while let Some(Ok(m)) = rx.next().await {
                    let Message::Text(t) = m else { continue };
                    match model::live::ViewerMsg::from_json(t.as_str()).unwrap() {
                        model::live::ViewerMsg::Lines { lines } => {
                            first_at.get_or_insert_with(std::time::Instant::now);
                            messages += 1;
                            for l in lines {
                                assert_eq!(l.seq, next, "in order, none lost or repeated");
                                assert_eq!(l.text, text_of(next));
                                next += 1;
                            }
                        }
                        model::live::ViewerMsg::Sealed { .. } => break,
                        model::live::ViewerMsg::Start { .. } => {}
                        other => panic!("unexpected {other:?}"),
                    }
                }
                (next - 1, messages, first_at.unwrap().elapsed())
            })
        })
        .collect();
    // Every viewer connected, then about 100 appends a second.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    for seq in 2..=N {
        if seq % 10 == 2 {
            tick.tick().await;
        }
        tx.send(feed_line(seq)).await.unwrap();
    }
    tx.send(Feed::Done { exit_code: Some(0) }).await.unwrap();
    producer.await.unwrap().unwrap();
    for v in viewers {
        let (got, messages, took) = tokio::time::timeout(Duration::from_secs(60), v)
            .await
            .expect("every viewer sees the seal")
            .unwrap();
        assert_eq!(got, N);
        let ticks = (took.as_millis() / TICK.as_millis()) as u32;
        assert!(
            messages <= ticks + 3,
            "{messages} messages of lines in {took:?}: more than one a tick"
        );
    }
    server.task.abort();
}
