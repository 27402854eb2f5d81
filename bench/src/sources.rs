//! `logdeck bench-sources`: new sessions from an S3 prefix, end to end. A
//! server in this process polls the prefix (`--source`) on an S3 server
//! (moto, started here unless `--s3-endpoint` names one) over the catalog
//! given (`--data-dir` for SQLite, `--database-url` for PostgreSQL), and
//! answers `/api/runs` over loopback HTTP:
//!
//! - **lag**: inventory files written one at a time, at random moments of
//!   the poll cycle; for each, the time from the end of its upload until
//!   `GET /api/runs/{id}` answers its newest run. Goal: p99 under the poll
//!   interval plus 2 s.
//! - **rate**: files of `--file-rows` entries written at a pace of
//!   `--target-per-min` runs for `--seconds`, while a reader loads the
//!   first 100-row page of the newest-first list without pause. The rate
//!   is the runs written over the time until the last is answered. Goals:
//!   100,000 runs a minute, pages p99 under 10 ms.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;
use logstore::{Limits, LogStores, StoreSpec};
use server::state::AppState;
use server::storage::StorageArgs;

/// Options of `logdeck bench-sources`.
#[derive(Debug, Clone, Args)]
pub struct BenchSourcesArgs {
    /// Catalog (a scratch data dir or database: runs are added to it).
    #[command(flatten)]
    pub storage: StorageArgs,
    /// An S3 endpoint to write to (default: a moto server started here).
    #[arg(long)]
    pub s3_endpoint: Option<String>,
    /// Seconds between polls of the prefix.
    #[arg(long, default_value_t = 2.0)]
    pub interval: f64,
    /// Files written one at a time for the lag figure.
    #[arg(long, default_value_t = 40)]
    pub lag_files: usize,
    /// Seconds the rate is measured over.
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    /// Runs a minute written during the rate figure.
    #[arg(long, default_value_t = 120_000)]
    pub target_per_min: u64,
    /// Entries per file during the rate figure.
    #[arg(long, default_value_t = 5_000)]
    pub file_rows: u64,
    /// Runs in the catalog before the figures (imported when it has fewer).
    #[arg(long, default_value_t = 100_000)]
    pub base: u64,
}

/// Deterministic xorshift numbers, so runs compare.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// `n` JSON Lines entries from id `first`, newer than every earlier one.
fn entries(first: i64, n: u64, rng: &mut Rng) -> Vec<u8> {
    let now = catalog::now_ms() / 1000;
    let mut out = String::with_capacity(n as usize * 160);
    for i in 0..n as i64 {
        let id = first + i;
        let user = rng.next() % 50_000;
        out.push_str(&format!(
            "{{\"connection_id\": {id}, \"username\": \"user{user}@example.org\", \"ip\": \"10.{}.{}.{}\", \"last_updated\": \"{}\", \"version\": \"V{}\"}}\n",
            rng.next() % 256,
            rng.next() % 256,
            rng.next() % 256,
            model::time::iso(now + 60),
            rng.next() % 8
        ));
    }
    out.into_bytes()
}

/// The value at quantile `q` of sorted `v`.
fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v[((v.len() - 1) as f64 * q).round() as usize]
}

/// Runs the benchmark and prints each figure beside its goal.
pub async fn run(args: BenchSourcesArgs) -> anyhow::Result<()> {
    let moto;
    let endpoint = match &args.s3_endpoint {
        Some(e) => e.clone(),
        None => {
            moto = testenv::moto::Moto::start().context(
                "no S3 server: install moto (`. scripts/setup.sh && setup_moto`) or give --s3-endpoint",
            )?;
            moto.endpoint.clone()
        }
    };
    let bucket = format!("bench-{:x}", catalog::now_ms());
    let client = httpclient::client();
    client
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await?
        .error_for_status()
        .context("cannot create the bucket")?;
    let spec = format!(
        "s3://{bucket}/inventory/?endpoint={endpoint}&{}",
        testenv::moto::S3_OPTIONS
    );
    let store: StoreSpec = spec.parse()?;
    let writer = LogStores::new(vec![store], Limits::default())?;

    let catalog = args.storage.open_catalog().await?;
    let backend = if args.storage.database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let have = catalog.totals().await?.connections as u64;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    if have < args.base {
        eprintln!("bench: importing {} runs first…", args.base - have);
        let started = Instant::now();
        let mut next = 1_000_000_000 + have as i64;
        while next < 1_000_000_000 + args.base as i64 {
            let n = (1_000_000_000 + args.base as i64 - next).min(50_000) as u64;
            server::import::import_bytes(&catalog, &entries(next, n, &mut rng), |_, _| {}).await?;
            next += n as i64;
        }
        eprintln!(
            "bench: imported in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let base_ids = 2_000_000_000 + (catalog::now_ms() % 1_000_000) * 1000;

    // The server: the catalog, the source, the API on loopback.
    let dir = tempfile::tempdir()?;
    std::fs::create_dir_all(dir.path().join("logs"))?;
    let live = server::live::Live::open(dir.path(), None, "", server::live::Tokens::new([]))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut state = AppState::new(
        server::site::leptos_options(&dir.path().join("no-site")),
        catalog.clone(),
        LogStores::local(&dir.path().join("logs"))?,
        live,
    );
    let interval = Duration::from_secs_f64(args.interval.max(0.05));
    state.sources = Arc::new(
        server::sources::Sources::new(
            vec![spec.parse().map_err(anyhow::Error::msg)?],
            interval,
            state.inventory_limit,
        )
        .map_err(anyhow::Error::msg)?,
    );
    let pollers = state.sources.spawn(server::sources::Context {
        catalog: catalog.clone(),
        indexer: state.indexer.clone(),
        limit: state.inventory_limit,
        owner: "bench".into(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = server::routes::router(state);
    tokio::spawn(async move { axum::serve(listener, app).await });
    let api = format!("http://{addr}");

    println!(
        "bench-sources on {backend}, {} runs in the catalog, polling every {:.1} s",
        catalog.totals().await?.connections,
        interval.as_secs_f64()
    );

    // Lag: one file at a time, at random moments of the poll cycle.
    let mut lags = Vec::new();
    for f in 0..args.lag_files {
        let wait = rng.next() % (interval.as_millis() as u64).max(1);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        let first = base_ids + (f as i64) * 10;
        let body = entries(first, 10, &mut rng);
        let key = format!("s3://{bucket}/inventory/lag-{f:05}.jsonl");
        writer.put(&key, body.into()).await?;
        let written = Instant::now();
        let url = format!("{api}/api/runs/{}", first + 9);
        loop {
            if client.get(&url).send().await?.status().is_success() {
                break;
            }
            anyhow::ensure!(
                written.elapsed() < interval * 10 + Duration::from_secs(30),
                "run {} never appeared",
                first + 9
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        lags.push(written.elapsed().as_secs_f64());
    }
    lags.sort_by(f64::total_cmp);
    let goal = interval.as_secs_f64() + 2.0;
    let p99 = quantile(&lags, 0.99);
    println!(
        "lag, file uploaded → run in /api/runs ({} files): p50 {:.2} s, p99 {:.2} s, max {:.2} s — goal p99 < {:.1} s: {}",
        lags.len(),
        quantile(&lags, 0.5),
        p99,
        lags.last().copied().unwrap_or(f64::NAN),
        goal,
        if p99 < goal { "met" } else { "NOT met" }
    );

    // Rate: files at the target pace, pages read all along.
    let reading = Arc::new(AtomicBool::new(true));
    let reader = {
        let (client, api, reading) = (client.clone(), api.clone(), reading.clone());
        tokio::spawn(async move {
            let mut times = Vec::new();
            while reading.load(Ordering::Relaxed) {
                let t = Instant::now();
                let ok = client
                    .get(format!("{api}/api/runs?limit=100"))
                    .send()
                    .await
                    .map(|r| r.status().is_success());
                if matches!(ok, Ok(true)) {
                    times.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            times
        })
    };
    let files = (args.target_per_min * args.seconds / 60 / args.file_rows).max(1);
    let every = Duration::from_secs(args.seconds) / files as u32;
    let first_id = base_ids + 1_000_000;
    let started = Instant::now();
    let mut last = first_id;
    for f in 0..files {
        let due = started + every * f as u32;
        tokio::time::sleep_until(due.into()).await;
        let first = first_id + (f * args.file_rows) as i64;
        let body = entries(first, args.file_rows, &mut rng);
        writer
            .put(
                &format!("s3://{bucket}/inventory/rate-{f:06}.jsonl"),
                body.into(),
            )
            .await?;
        last = first + args.file_rows as i64 - 1;
    }
    let url = format!("{api}/api/runs/{last}");
    while !client.get(&url).send().await?.status().is_success() {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(args.seconds * 5 + 60),
            "the last run never appeared"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = started.elapsed().as_secs_f64();
    reading.store(false, Ordering::Relaxed);
    let mut pages = reader.await?;
    pages.sort_by(f64::total_cmp);
    let rate = (files * args.file_rows) as f64 / took * 60.0;
    println!(
        "rate: {} runs in {} files in {:.1} s = {:.0} runs a minute — goal 100,000: {}",
        files * args.file_rows,
        files,
        took,
        rate,
        if rate >= 100_000.0 { "met" } else { "NOT met" }
    );
    let page_p99 = quantile(&pages, 0.99);
    println!(
        "100-row pages meanwhile ({} reads): p50 {:.2} ms, p99 {:.2} ms — goal p99 < 10 ms: {}",
        pages.len(),
        quantile(&pages, 0.5),
        page_p99,
        if page_p99 < 10.0 { "met" } else { "NOT met" }
    );
    pollers.iter().for_each(|p| p.abort());
    catalog.close().await;
    Ok(())
}
