//! `logdeck serve`: generate sample data on first start, load the catalog,
//! serve the dashboard until Ctrl-C or SIGTERM.

use std::sync::Arc;

use anyhow::Context;

use crate::catalog::MemoryCatalog;
use crate::cli::ServeArgs;
use crate::cmd::sample;
use crate::routes::router;
use crate::site;
use crate::state::AppState;

/// Name of the inventory file in the data directory.
pub const INVENTORY_FILE: &str = "inventory.json";

/// Runs the server.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let inventory = args.data_dir.join(INVENTORY_FILE);
    if !inventory.exists() {
        if args.no_sample {
            anyhow::bail!(
                "no {} in {} (and --no-sample given)",
                INVENTORY_FILE,
                args.data_dir.display()
            );
        }
        println!(
            "logdeck: {} has no inventory; generating a sample corpus of {} connections…",
            args.data_dir.display(),
            args.sample_connections
        );
        let out = args.data_dir.clone();
        let n = args.sample_connections;
        tokio::task::spawn_blocking(move || {
            sample::generate(&out, n, corpus::Config::default().seed, false)
        })
        .await??;
    }
    let catalog = MemoryCatalog::load(&inventory)?;
    let root = site::resolve_root(args.site_root.as_deref());
    let missing = site::bundle_missing(&root);
    if !missing.is_empty() {
        tracing::warn!(
            site_root = %root.display(),
            "browser bundle not found ({}); the page will render but not hydrate. Build it with `cargo xtask build --release`",
            missing.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        );
    }
    let state = AppState {
        leptos: site::leptos_options(&root),
        catalog: Arc::new(catalog),
        log_dir: args.data_dir.join("logs"),
    };
    let connections = app::api::Catalog::totals(&*state.catalog).connections;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    println!("logdeck: serving {connections} connections on http://{addr}");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("server error")?;
    println!("logdeck: stopped");
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
