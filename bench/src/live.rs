//! `logdeck bench-live`: measures live streaming on loopback with a server
//! in this process: one producer's ingest rate, producer → viewer latency
//! at a steady rate, and many viewers of one stream (in this process, or
//! with `--viewers-apart` in a child `logdeck bench-viewers`, over several
//! rounds).

use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use model::live::{NewLiveRun, Stream};
use tokio::sync::mpsc;

use client::producer::{self, Feed, Target};
use client::tail::{End, Follow, follow};
use server::live::{Live, Tokens};

/// Options of `logdeck bench-live`.
#[derive(Debug, Clone, Args)]
pub struct BenchLiveArgs {
    /// Use Redis Streams at this URL instead of the embedded store.
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: Option<String>,
    /// Lines for the ingest-rate figure.
    #[arg(long, default_value_t = 1_000_000)]
    pub lines: u64,
    /// Lines per second for the latency figures.
    #[arg(long, default_value_t = 1000)]
    pub rate: u64,
    /// Seconds the latency figures run.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Viewers of one stream for the last figure (1: skip it).
    #[arg(long, default_value_t = 1000)]
    pub viewers: usize,
    /// Run the many viewers in a second process (`logdeck bench-viewers`),
    /// as browsers and `logdeck tail`s are: their work is then not the
    /// server's runtime's, and the figure is the server's alone.
    #[arg(long)]
    pub viewers_apart: bool,
    /// Times to measure the many-viewer figure; the last line says in how
    /// many of them p99 was under the goal.
    #[arg(long, default_value_t = 1)]
    pub rounds: u32,
}

/// Options of `logdeck bench-viewers`, the second process of
/// `bench-live --viewers-apart`.
#[derive(Debug, Clone, Args)]
pub struct ViewersArgs {
    /// The server.
    #[arg(long)]
    pub server: url::Url,
    /// The live run to follow.
    #[arg(long)]
    pub run: i64,
    /// Viewers to open.
    #[arg(long)]
    pub viewers: usize,
    /// Lines each viewer expects before the run is sealed.
    #[arg(long)]
    pub lines: u64,
}

/// The goal of the many-viewer figure: producer → viewer p99, ms.
const VIEWER_P99_GOAL_MS: f64 = 50.0;

const TOKEN: &str = "bench";

/// Runs the benchmarks and prints one line per figure.
pub async fn run(args: BenchLiveArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir().context("scratch directory")?;
    let catalog = catalog::Catalog::open(&format!(
        "sqlite:{}",
        dir.path().join("catalog.db").display()
    ))
    .await?;
    std::fs::create_dir_all(dir.path().join("logs"))?;
    let stores = logstore::LogStores::local(&dir.path().join("logs"))?;
    let live = match &args.redis_url {
        Some(url) => {
            let prefix = format!("logdeck-bench:{}", std::process::id());
            Live::new(
                livestore::LiveStore::Redis(livestore::RedisStore::connect(url, &prefix).await?),
                Tokens::new([TOKEN.to_string()]),
            )
        }
        None => Live::open(dir.path(), None, "", Tokens::new([TOKEN.to_string()])).await?,
    };
    println!("live store: {}", live.store.kind());
    let connected = live.viewers.clone();
    let state = server::state::AppState::new(
        server::site::leptos_options(&dir.path().join("no-site")),
        catalog.clone(),
        stores,
        live,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    // The accept loop `logdeck serve` runs (its socket options, limits and
    // watchdogs), not axum's plain one: the figures are the server's.
    let open_files = server::listen::raise_open_files().unwrap_or(1024);
    let limits = server::listen::Limits {
        max_connections: server::listen::connections_that_fit(open_files),
        ..Default::default()
    };
    let conns = state.conns.clone();
    tokio::spawn(server::listen::serve(
        listener,
        server::routes::router(state),
        std::future::pending(),
        limits,
        conns,
    ));
    let server: url::Url = format!("http://{addr}/").parse()?;

    let run = ingest_rate(&server, args.lines).await?;
    archived(&catalog, run, args.lines).await?;
    let on = Connected(connected);
    latency(&server, &on, args.rate, args.seconds, 1, Place::InProcess).await?;
    if args.viewers > 1 {
        let place = if args.viewers_apart {
            Place::Apart
        } else {
            Place::InProcess
        };
        let mut met = 0;
        for _ in 0..args.rounds.max(1) {
            let before = cpu_seconds();
            let wall = Instant::now();
            let figure =
                latency(&server, &on, args.rate, args.seconds, args.viewers, place).await?;
            met += u32::from(figure.p99_ms < VIEWER_P99_GOAL_MS && figure.complete == args.viewers);
            println!(
                "many viewers: this process ({}) used {:.1} CPU-seconds in {:.1} s; peak memory {} MiB",
                match place {
                    Place::InProcess => "server and viewers together",
                    Place::Apart => "the server; the viewers ran in another",
                },
                cpu_seconds() - before,
                wall.elapsed().as_secs_f64(),
                peak_rss_mib()
            );
        }
        println!(
            "many viewers: p99 under {VIEWER_P99_GOAL_MS} ms with every line to every viewer in {met} of {} rounds",
            args.rounds.max(1)
        );
    }
    Ok(())
}

/// User + system CPU time of this process so far.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we pass.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

/// Peak resident memory of this process (Linux `VmHWM`).
fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

fn target(server: &url::Url, name: &str) -> Target {
    Target {
        server: server.clone(),
        token: TOKEN.into(),
        run: NewLiveRun {
            name: name.into(),
            command: None,
            labels: vec![],
        },
    }
}

fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// A 100-byte line.
fn line_text(i: u64) -> String {
    let mut s = format!(
        "{i:012} INFO worker step finished, bytes={} ",
        i * 7919 % 100_000
    );
    while s.len() < 100 {
        s.push('x');
    }
    s
}

/// One producer sending `n` lines of 100 bytes as fast as it can; the clock
/// stops when the server has acknowledged the last one.
async fn ingest_rate(server: &url::Url, n: u64) -> anyhow::Result<i64> {
    let (tx, rx) = mpsc::channel(65_536);
    let start = Instant::now();
    let up = tokio::spawn(producer::stream(target(server, "bench-ingest"), rx, |_| {}));
    for i in 1..=n {
        tx.send(Feed::Line {
            stream: Stream::Out,
            time_us: now_us(),
            text: line_text(i),
        })
        .await?;
    }
    tx.send(Feed::Done { exit_code: Some(0) }).await?;
    let report = up.await??;
    let secs = start.elapsed().as_secs_f64();
    anyhow::ensure!(
        report.lines == n,
        "only {} of {n} lines acknowledged",
        report.lines
    );
    println!(
        "ingest, one producer: {n} lines of 100 bytes in {secs:.2} s = {:.0} lines/s ({:.1} MB/s)",
        n as f64 / secs,
        n as f64 * 100.0 / secs / 1e6
    );
    Ok(report.run)
}

/// Waits until run `run` is archived (so its archiving does not share the
/// cores with the next figure); prints how long that took after the end.
async fn archived(catalog: &catalog::Catalog, run: i64, n: u64) -> anyhow::Result<()> {
    let start = Instant::now();
    loop {
        let st = catalog
            .run_state(run)
            .await?
            .context("the ingest run is gone")?;
        if st.output_log.is_some() {
            break;
        }
        anyhow::ensure!(
            start.elapsed() < std::time::Duration::from_secs(600),
            "the ingest run was not archived within 10 minutes"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    println!(
        "archive, one producer's log: {n} lines written to the log store {:.2} s after the end",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Where the viewers of a latency figure run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    InProcess,
    /// A child `logdeck bench-viewers`.
    Apart,
}

/// What the viewers of one figure saw.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Seen {
    /// Viewers that got every line and then the seal.
    complete: usize,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

impl Seen {
    /// From every viewer's delays, in microseconds.
    fn of(mut delays: Vec<u32>, complete: usize) -> Seen {
        delays.sort_unstable();
        let pct = |p: f64| {
            delays
                .get(((delays.len() as f64 - 1.0) * p) as usize)
                .map_or(0.0, |&v| f64::from(v) / 1000.0)
        };
        Seen {
            complete,
            p50_ms: pct(0.5),
            p99_ms: pct(0.99),
            max_ms: pct(1.0),
        }
    }
}

/// `viewers` followers of `run` from its first line, each keeping its
/// delays (capture time → its callback, µs); a viewer is complete when it
/// saw `total` lines and then the seal.
async fn follow_all(
    server: &url::Url,
    run: i64,
    viewers: usize,
    total: u64,
) -> anyhow::Result<Seen> {
    let mut tasks = Vec::new();
    for _ in 0..viewers {
        let server = server.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::with_capacity(total as usize);
            let end = follow(
                Follow {
                    server: &server,
                    run,
                    log: "output",
                    from: Some(1),
                    last: None,
                    follow: true,
                    token: None,
                },
                |l| mine.push((now_us() - l.time_us).clamp(0, u32::MAX as i64) as u32),
                |_| {},
            )
            .await;
            let complete = end.ok() == Some(End::Sealed) && mine.len() as u64 == total;
            (mine, complete)
        }));
    }
    let mut delays = Vec::new();
    let mut complete = 0;
    for t in tasks {
        let (mine, done) = t.await?;
        delays.extend(mine);
        complete += usize::from(done);
    }
    Ok(Seen::of(delays, complete))
}

/// `logdeck bench-viewers`: follows a run with many viewers, says `ready`
/// once they are connecting (the parent then waits until the server
/// counts them all), and prints what they saw as one JSON line.
pub async fn viewers(args: ViewersArgs) -> anyhow::Result<()> {
    let seen = tokio::spawn({
        let server = args.server.clone();
        async move { follow_all(&server, args.run, args.viewers, args.lines).await }
    });
    println!("ready");
    let seen = seen.await??;
    println!("{}", serde_json::to_string(&seen)?);
    Ok(())
}

/// The server's count of connected viewers.
struct Connected(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl Connected {
    /// Waits until the server counts no viewer: the viewers of the figure
    /// before have gone (their sockets close a moment after their process
    /// ends), so [`Connected::wait_for`] counts only the next figure's.
    async fn wait_for_none(&self) -> anyhow::Result<()> {
        let start = Instant::now();
        loop {
            let now = self.0.load(std::sync::atomic::Ordering::Relaxed);
            if now == 0 {
                return Ok(());
            }
            anyhow::ensure!(
                start.elapsed() < Duration::from_secs(120),
                "{now} viewers of the figure before still connected after two minutes"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Waits until `n` viewers are connected: the clock of a figure starts
    /// when its viewers are watching, not while they connect.
    async fn wait_for(&self, n: usize) -> anyhow::Result<()> {
        let start = Instant::now();
        loop {
            let now = self.0.load(std::sync::atomic::Ordering::Relaxed);
            if now >= n as u64 {
                return Ok(());
            }
            anyhow::ensure!(
                start.elapsed() < Duration::from_secs(120),
                "only {now} of {n} viewers connected within two minutes"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// A producer at `rate` lines/s for `seconds`, `viewers` viewers following
/// from the start; latency is capture time → the viewer's callback.
async fn latency(
    server: &url::Url,
    connected: &Connected,
    rate: u64,
    seconds: u64,
    viewers: usize,
    place: Place,
) -> anyhow::Result<Seen> {
    let what = match (viewers, place) {
        (1, _) => "one viewer",
        (_, Place::InProcess) => "many viewers",
        (_, Place::Apart) => "many viewers in another process",
    };
    // Each figure's run has a name of its own: the run to follow is the
    // newest task run with it (not an earlier round's, archived by now).
    static FIGURES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let name = format!(
        "{what} #{}",
        FIGURES.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1
    );
    let (tx, rx) = mpsc::channel(65_536);
    let up = tokio::spawn(producer::stream(target(server, &name), rx, |_| {}));
    // The run id: the producer creates it; the newest task run.
    let http = httpclient::client();
    let run = loop {
        let body = http
            .get(server.join("api/runs?limit=1")?)
            .send()
            .await?
            .text()
            .await?;
        let v: serde_json::Value = serde_json::from_str(&body)?;
        let id = v["rows"][0]["id"].as_i64().unwrap_or(0);
        if id > catalog::TASK_ID_BASE && v["rows"][0]["username"].as_str() == Some(&name) {
            break id;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let total = rate * seconds;
    connected.wait_for_none().await?;
    let seen: tokio::task::JoinHandle<anyhow::Result<Seen>> = match place {
        Place::InProcess => {
            let server = server.clone();
            tokio::spawn(async move { follow_all(&server, run, viewers, total).await })
        }
        Place::Apart => {
            use tokio::io::AsyncBufReadExt;
            let mut child = tokio::process::Command::new(std::env::current_exe()?)
                .arg("bench-viewers")
                .args(["--server", server.as_str()])
                .args(["--run", &run.to_string()])
                .args(["--viewers", &viewers.to_string()])
                .args(["--lines", &total.to_string()])
                .stdout(std::process::Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .context("starting logdeck bench-viewers")?;
            let mut out =
                tokio::io::BufReader::new(child.stdout.take().context("its output")?).lines();
            match out.next_line().await? {
                Some(l) if l == "ready" => {}
                other => anyhow::bail!("logdeck bench-viewers did not start: {other:?}"),
            }
            tokio::spawn(async move {
                let line = out
                    .next_line()
                    .await?
                    .context("logdeck bench-viewers said nothing")?;
                let status = child.wait().await?;
                anyhow::ensure!(status.success(), "logdeck bench-viewers failed: {status}");
                Ok(serde_json::from_str(&line)?)
            })
        }
    };
    connected.wait_for(viewers).await?;
    let start = Instant::now();
    let mut ticker = tokio::time::interval(Duration::from_millis(10));
    let per_tick = (rate / 100).max(1);
    let mut sent = 0u64;
    while sent < total {
        ticker.tick().await;
        for _ in 0..per_tick.min(total - sent) {
            sent += 1;
            tx.send(Feed::Line {
                stream: Stream::Out,
                time_us: now_us(),
                text: line_text(sent),
            })
            .await?;
        }
    }
    tx.send(Feed::Done { exit_code: Some(0) }).await?;
    up.await??;
    let elapsed = start.elapsed().as_secs_f64();
    let seen = seen.await??;
    println!(
        "latency, {what}: {viewers} viewer(s), {total} lines at {rate} lines/s over {elapsed:.1} s; \
         {}/{viewers} viewers got every line; producer → viewer p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        seen.complete, seen.p50_ms, seen.p99_ms, seen.max_ms
    );
    Ok(seen)
}
