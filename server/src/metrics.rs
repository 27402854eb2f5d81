//! Prometheus metrics at `/metrics`.

use std::fmt::Write;
use std::sync::atomic::Ordering;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use model::JobState;

use crate::state::AppState;

/// Counts every response by status class.
pub async fn count(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let class = (res.status().as_u16() / 100).clamp(1, 5) as usize - 1;
    s.http.by_class[class].fetch_add(1, Ordering::Relaxed);
    res
}

/// `GET /metrics`
#[utoipa::path(get, path = "/metrics", summary = "Prometheus metrics",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics(
    State(s): State<AppState>,
    _: crate::api::query::Query<crate::api::query::NoParams>,
) -> Response {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP logdeck_http_responses_total HTTP responses by status class."
    );
    let _ = writeln!(out, "# TYPE logdeck_http_responses_total counter");
    for (i, c) in s.http.by_class.iter().enumerate() {
        let _ = writeln!(
            out,
            "logdeck_http_responses_total{{class=\"{}xx\"}} {}",
            i + 1,
            c.load(Ordering::Relaxed)
        );
    }
    let c = &s.conns;
    let g = &s.live.tokens.guesses;
    for (name, kind, help, v) in [
        (
            "logdeck_identity_headers_ignored_total",
            "counter",
            "Identity headers (--auth proxy) ignored for not coming from a trusted proxy.",
            s.http.untrusted_identities(),
        ),
        (
            "logdeck_connections_open",
            "gauge",
            "Connections open now, upgraded ones included.",
            c.open.load(Ordering::Relaxed),
        ),
        (
            "logdeck_connections_accepted_total",
            "counter",
            "Connections accepted.",
            c.accepted.load(Ordering::Relaxed),
        ),
        (
            "logdeck_connections_refused_total",
            "counter",
            "Connections refused (503) because the limit of open connections was reached.",
            c.refused.load(Ordering::Relaxed),
        ),
        (
            "logdeck_connections_first_byte_timeouts_total",
            "counter",
            "Connections closed for sending nothing in time.",
            c.first_byte_timeouts.load(Ordering::Relaxed),
        ),
        (
            "logdeck_connections_idle_closed_total",
            "counter",
            "Connections closed for idleness.",
            c.idle_closed.load(Ordering::Relaxed),
        ),
        (
            "logdeck_request_bodies_too_slow_total",
            "counter",
            "Request bodies cut off for not arriving in time.",
            c.slow_bodies.load(Ordering::Relaxed),
        ),
        (
            "logdeck_viewers",
            "gauge",
            "Viewer websockets open now.",
            s.live.viewers.load(Ordering::Relaxed),
        ),
        (
            "logdeck_log_scans_running",
            "gauge",
            "Searches of a whole log running now (at most one per core; the rest wait).",
            (std::thread::available_parallelism().map_or(2, |n| n.get())
                - s.scans.available_permits()) as u64,
        ),
        (
            "logdeck_token_failures_total",
            "counter",
            "Wrong producer tokens presented.",
            g.failures.load(Ordering::Relaxed),
        ),
        (
            "logdeck_token_refusals_total",
            "counter",
            "Token checks refused (429) for a client that presented too many wrong tokens.",
            g.refused.load(Ordering::Relaxed),
        ),
        (
            "logdeck_token_failure_clients",
            "gauge",
            "Client addresses with wrong tokens remembered.",
            g.tracked() as u64,
        ),
    ] {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}"
        );
    }
    let st = &s.indexer.stats;
    for (name, help, v) in [
        (
            "logdeck_index_jobs_done_total",
            "Logs indexed by this process.",
            &st.done,
        ),
        (
            "logdeck_index_attempts_retried_total",
            "Indexing attempts that failed and were rescheduled.",
            &st.retried,
        ),
        (
            "logdeck_index_jobs_failed_total",
            "Logs that failed to index for good in this process.",
            &st.failed,
        ),
        (
            "logdeck_index_bytes_total",
            "Bytes of logs parsed by this process.",
            &st.bytes,
        ),
    ] {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
            v.load(Ordering::Relaxed)
        );
    }
    let _ = writeln!(
        out,
        "# HELP logdeck_log_cache_bytes Bytes of parsed logs held in memory.\n# TYPE logdeck_log_cache_bytes gauge\nlogdeck_log_cache_bytes {}",
        s.logs.size()
    );
    match s.catalog.job_status().await {
        Ok(j) => {
            let _ = writeln!(
                out,
                "# HELP logdeck_jobs Indexing jobs in the catalog by state.\n# TYPE logdeck_jobs gauge"
            );
            for &state in JobState::ALL {
                let n = j.count(state);
                let _ = writeln!(out, "logdeck_jobs{{state=\"{state}\"}} {n}");
            }
            let _ = writeln!(
                out,
                "# HELP logdeck_catalog_up Whether the catalog answered.\n# TYPE logdeck_catalog_up gauge\nlogdeck_catalog_up 1"
            );
        }
        Err(e) => {
            tracing::warn!(error = %e, "metrics: catalog unavailable");
            let _ = writeln!(
                out,
                "# HELP logdeck_catalog_up Whether the catalog answered.\n# TYPE logdeck_catalog_up gauge\nlogdeck_catalog_up 0"
            );
        }
    }
    if !s.sources.is_empty() {
        match s.sources.status(&s.catalog).await {
            Ok(sources) => write_sources(&mut out, &sources),
            Err(e) => tracing::warn!(error = %e, "metrics: cannot read the sources' status"),
        }
    }
    let mut res = out.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    res
}

/// Each inventory source's counts, as every server recorded them, labelled
/// by the source's name.
fn write_sources(out: &mut String, sources: &[model::SourceStatus]) {
    type Series = (
        &'static str,
        &'static str,
        &'static str,
        fn(&model::SourceStatus) -> f64,
    );
    let series: [Series; 8] = [
        (
            "logdeck_source_rows_total",
            "counter",
            "Inventory entries read from the source.",
            |s| s.rows as f64,
        ),
        (
            "logdeck_source_added_total",
            "counter",
            "Runs new to the catalog from the source.",
            |s| s.added as f64,
        ),
        (
            "logdeck_source_skipped_total",
            "counter",
            "Invalid entries skipped.",
            |s| s.skipped as f64,
        ),
        (
            "logdeck_source_files_total",
            "counter",
            "Inventory files imported (or changed inventories read).",
            |s| s.files as f64,
        ),
        (
            "logdeck_source_errors_total",
            "counter",
            "Polls that failed.",
            |s| s.errors as f64,
        ),
        (
            "logdeck_source_up",
            "gauge",
            "Whether the last poll succeeded.",
            |s| f64::from(u8::from(s.polled_ms.is_some() && s.polled_ms == s.ok_ms)),
        ),
        (
            "logdeck_source_last_success_timestamp_seconds",
            "gauge",
            "When a poll last succeeded.",
            |s| s.ok_ms.map_or(f64::NAN, |ms| ms as f64 / 1000.0),
        ),
        (
            "logdeck_source_lag_seconds",
            "gauge",
            "From the newest inventory file's upload to its runs being in the catalog.",
            |s| s.lag_ms.map_or(f64::NAN, |ms| ms as f64 / 1000.0),
        ),
    ];
    for (name, kind, help, value) in series {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for src in sources {
            let _ = writeln!(
                out,
                "{name}{{source=\"{}\"}} {}",
                label(&src.name),
                value(src)
            );
        }
    }
}

/// A label value as the text format writes it.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
