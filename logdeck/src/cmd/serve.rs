//! `logdeck serve`: open the catalog (importing sample data on first start),
//! start the indexing workers, serve the dashboard until Ctrl-C or SIGTERM.

use anyhow::Context;
use catalog::Catalog;

use crate::cli::ServeArgs;
use crate::cmd::import::print_report;
use crate::cmd::sample;
use server::import::import_bytes;
use server::routes::router;
use server::site;
use server::state::AppState;

/// Runs the server.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let auth = args.auth.build(args.listen, &args.public_urls)?;
    let catalog = args.storage.open_catalog().await?;
    let stores = args.storage.open_stores()?;
    first_start(&args, &catalog).await?;
    // The usernames searches look in, read now rather than by the first
    // search (about a second for half a million names).
    let names = catalog.clone();
    tokio::spawn(async move {
        if let Err(e) = names.load_names().await {
            tracing::warn!(error = %e, "cannot read the usernames for search yet; the first search will");
        }
    });
    let root = site::resolve_root(args.site_root.as_deref());
    let options = site::leptos_options(&root);
    let missing = site::bundle_missing(&options);
    if !missing.is_empty() {
        tracing::warn!(
            site_root = %root.display(),
            "browser bundle not found ({}); the page will render but not hydrate. Build it with `cargo xtask build --release`",
            missing.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        );
    }
    let tokens = server::live::Tokens::new(args.ingest_tokens.clone());
    if tokens.is_empty() {
        tracing::info!(
            "no --ingest-token configured: producers need a token made with `logdeck token create`"
        );
    }
    let catalog_id = catalog
        .identity()
        .await
        .context("cannot read the catalog's identity")?;
    let live = server::live::Live::open(
        &args.storage.data_dir,
        args.redis_url.as_deref(),
        &catalog_id,
        tokens,
    )
    .await
    .context("cannot open the live store")?;
    let mut live = live;
    live.silence = std::time::Duration::from_secs(args.live_silence.max(1));
    if let Some(prefix) = &args.archive_to {
        live.archive_to =
            server::archive::check_prefix(&stores, prefix).map_err(anyhow::Error::msg)?;
    }
    let live_kind = live.store.kind();
    let mut state = AppState::new(options, catalog.clone(), stores, live);
    state.public_hosts = std::sync::Arc::new(server::edge::public_hosts(&args.public_urls));
    state.population = args.population.rules();
    state.auth = std::sync::Arc::new(auth);
    state.inventory_limit = (args.intake.max_inventory_mib << 20) as usize;
    state.indexer = state
        .indexer
        .with_late_window(args.intake.late_logs.as_millis() as i64);
    state.sources = std::sync::Arc::new(
        server::sources::Sources::new(
            args.intake.sources.clone(),
            args.intake.source_interval,
            state.inventory_limit,
        )
        .map_err(anyhow::Error::msg)?,
    );
    state.indexer.spawn(args.workers);
    state.sources.spawn(server::sources::Context {
        catalog: catalog.clone(),
        indexer: state.indexer.clone(),
        limit: state.inventory_limit,
        owner: format!(
            "{}:{}:{:x}",
            std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into()),
            std::process::id(),
            catalog::now_ms()
        ),
    });
    for w in state.sources.iter() {
        println!(
            "logdeck: polling the inventory source {} every {} s",
            w.name,
            w.every.as_secs_f64()
        );
    }
    server::population::spawn(
        catalog.clone(),
        state.population,
        state.indexer.stats.clone(),
    );
    server::reaper::spawn(state.clone());
    let totals = catalog.totals().await?;
    let jobs = catalog.job_status().await?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    println!(
        "logdeck: serving {} runs on http://{addr} (catalog: {}; live store: {live_kind}; {} logs waiting to be indexed by {} workers)",
        totals.connections,
        server::storage::redact(&args.storage.catalog_url()),
        jobs.queued + jobs.running,
        args.workers
    );
    let open_files = server::listen::raise_open_files().unwrap_or_else(|e| {
        tracing::warn!(error = %e, "cannot read the open-file limit; assuming 1024");
        1024
    });
    let limits = args.connections.limits(open_files);
    if limits.max_connections < args.connections.max_connections {
        tracing::warn!(
            open_files,
            "at most {} connections fit under the open-file limit (asked for {}); raise `ulimit -n` for more",
            limits.max_connections,
            args.connections.max_connections
        );
    }
    let conns = state.conns.clone();
    server::listen::serve(listener, router(state), shutdown_signal(), limits, conns).await;
    catalog.close().await;
    println!("logdeck: stopped");
    Ok(())
}

/// With an empty catalog: imports `inventory.json` from the data directory,
/// generating the sample corpus there first if there is none.
async fn first_start(args: &ServeArgs, catalog: &Catalog) -> anyhow::Result<()> {
    if !catalog.is_empty().await? {
        return Ok(());
    }
    let data_dir = &args.storage.data_dir;
    let inventory = data_dir.join(corpus::INVENTORY_FILE);
    if !inventory.exists() {
        if args.no_sample {
            println!(
                "logdeck: the catalog is empty; import an inventory with `logdeck import FILE --data-dir {}`",
                data_dir.display()
            );
            return Ok(());
        }
        println!(
            "logdeck: {} has no inventory; generating a sample corpus of {} connections…",
            data_dir.display(),
            args.sample_connections
        );
        let out = data_dir.clone();
        let n = args.sample_connections;
        tokio::task::spawn_blocking(move || {
            sample::generate(&out, n, corpus::Config::default().seed, false)
        })
        .await??;
    }
    println!(
        "logdeck: importing {} into the empty catalog…",
        inventory.display()
    );
    let bytes = std::fs::read(&inventory)
        .with_context(|| format!("cannot read {}", inventory.display()))?;
    let report = import_bytes(catalog, &bytes, |_, _| {}).await?;
    if report.rows == 0
        && let Some(first) = report.skipped.first()
    {
        anyhow::bail!(
            "no entry of {} could be imported ({first}{})",
            inventory.display(),
            if report.skipped.len() > 1 {
                format!(", and {} more", report.skipped.len() - 1)
            } else {
                String::new()
            }
        );
    }
    print_report(&inventory.display().to_string(), &report);
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
