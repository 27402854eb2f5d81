//! The HTTP application driven through its router (no socket), over a sample
//! corpus imported and indexed into SQLite and into PostgreSQL.

mod support;

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use catalog::{Catalog, on_both};
use logstore::LogStores;
use model::{Level, LinePage, RunDetail, RunPage, Series};
use serde_json::Value;
use server::import::import_bytes;
use server::routes::router;
use server::site::leptos_options;
use server::state::AppState;
use support::send;

struct Fixture {
    app: axum::Router,
    state: AppState,
    data: tempfile::TempDir,
    inventory: Vec<Value>,
}

impl Fixture {
    fn logs(&self) -> PathBuf {
        self.data.path().join("logs")
    }

    /// An inventory entry with a client log and one without.
    fn with_and_without_client(&self) -> (i64, i64) {
        let with = self
            .inventory
            .iter()
            .find(|e| !e["client_logs"].is_null())
            .unwrap();
        let without = self
            .inventory
            .iter()
            .find(|e| e["client_logs"].is_null())
            .unwrap();
        (
            with["connection_id"].as_i64().unwrap(),
            without["connection_id"].as_i64().unwrap(),
        )
    }
}

async fn fixture(catalog: &Catalog, connections: usize, site: Option<&Path>) -> Fixture {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let data = tempfile::tempdir().unwrap();
    corpus::generate(
        &corpus::Config {
            connections,
            seed: 7,
        },
        data.path(),
        |_, _| {},
    )
    .unwrap();
    let bytes = std::fs::read(data.path().join("inventory.json")).unwrap();
    let inventory: Vec<Value> = serde_json::from_slice(&bytes).unwrap();
    let report = import_bytes(catalog, &bytes, |_, _| {}).await.unwrap();
    assert_eq!(report.rows as usize, connections);
    let stores = LogStores::local(&data.path().join("logs")).unwrap();
    let site = site
        .map(Path::to_path_buf)
        .unwrap_or_else(|| data.path().join("no-site"));
    let live = server::live::Live::open(
        data.path(),
        None,
        "",
        server::live::Tokens::new(["router-test".to_string()]),
    )
    .await
    .unwrap();
    let state = AppState::new(leptos_options(&site), catalog.clone(), stores, live);
    let indexed = state.indexer.drain("test").await.unwrap();
    assert_eq!(indexed as u64, report.stats.jobs_queued);
    Fixture {
        app: router(state.clone()),
        state,
        data,
        inventory,
    }
}

async fn get_json(app: &axum::Router, uri: &str) -> (StatusCode, Value) {
    let (status, _, body) = send(app, get(uri)).await;
    let v = serde_json::from_slice(&body)
        .unwrap_or_else(|e| panic!("{uri}: not JSON ({e}): {}", String::from_utf8_lossy(&body)));
    (status, v)
}

async fn ok<T: serde::de::DeserializeOwned>(app: &axum::Router, uri: &str) -> T {
    let (status, v) = get_json(app, uri).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {v}");
    serde_json::from_value(v).unwrap()
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

async fn page_is_rendered_on_the_server_and_links_logs(cat: &Catalog) {
    let f = fixture(cat, 120, None).await;
    let (status, _, html) = send(&f.app, get("/")).await;
    let html = String::from_utf8(html).unwrap();
    assert_eq!(status, StatusCode::OK);
    // The table is virtualised: the server renders the rows of the first screen.
    let page: RunPage = ok(&f.app, "/api/runs?limit=30").await;
    for r in &page.rows {
        assert!(
            html.contains(&format!("data-connection=\"{}\"", r.id)),
            "row {} is not in the page; its table reads: {}",
            r.id,
            html.find("runs-pane")
                .and_then(|i| html.get(i..(i + 600).min(html.len())))
                .unwrap_or("(no table)")
        );
    }
    assert!(
        html.contains("/pkg/logdeck.js"),
        "hydration script is referenced"
    );
    assert!(html.contains(">120<"), "totals are rendered");
    let (with, _) = f.with_and_without_client();
    assert!(
        html.contains(&format!("/api/runs/{with}/logs/client/raw"))
            || !page.rows.iter().any(|r| r.id == with)
    );
}

async fn runs_page_filter_and_sort(cat: &Catalog) {
    let f = fixture(cat, 150, None).await;
    let mut seen = Vec::new();
    let mut uri = "/api/runs?limit=40".to_string();
    loop {
        let p: RunPage = ok(&f.app, &uri).await;
        seen.extend(p.rows.iter().map(|r| r.id));
        match p.next {
            Some(n) => uri = format!("/api/runs?limit=40&after={}", urlencode(&n)),
            None => break,
        }
    }
    let mut expected: Vec<i64> = f
        .inventory
        .iter()
        .map(|e| e["connection_id"].as_i64().unwrap())
        .collect();
    expected.sort_unstable();
    let mut sorted = seen.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, expected, "every run once");

    // Everything was indexed: error counts and latency are known.
    let p: RunPage = ok(&f.app, "/api/runs?sort=errors&limit=10").await;
    assert!(p.rows.windows(2).all(|w| w[0].error_pct >= w[1].error_pct));
    assert!(p.rows[0].errors.unwrap() > 0);
    let p: RunPage = ok(&f.app, "/api/runs?sort=latency_p95&limit=5&missing=server").await;
    assert!(p.rows.iter().all(|r| r.server_log.is_none()));
    let p: RunPage = ok(&f.app, "/api/runs?has_errors=true&limit=500").await;
    assert!(!p.rows.is_empty() && p.rows.iter().all(|r| r.errors.unwrap() > 0));

    // A user whose rows are deep in the list is found by search.
    let last = f
        .inventory
        .iter()
        .rev()
        .find(|e| e["username"].is_string())
        .unwrap();
    let user = last["username"].as_str().unwrap();
    let term = &user[..user.find('@').unwrap()].to_uppercase();
    let p: RunPage = ok(
        &f.app,
        &format!("/api/runs?user={}&limit=500", urlencode(term)),
    )
    .await;
    assert!(
        p.rows
            .iter()
            .any(|r| r.id == last["connection_id"].as_i64().unwrap())
    );
    assert!(p.rows.iter().all(|r| {
        r.username
            .as_deref()
            .unwrap()
            .to_lowercase()
            .contains(&term.to_lowercase())
    }));
}

async fn bad_requests_say_what_is_wrong(cat: &Catalog) {
    let f = fixture(cat, 10, None).await;
    for (uri, needle) in [
        (
            "/api/runs?limit=0",
            "limit must be an integer from 1 to 500",
        ),
        ("/api/runs?limit=ten", "limit must be an integer"),
        ("/api/runs?sort=bogus", "sort must be one of newest"),
        (
            "/api/runs?after=garbage",
            "after must be the `next` of the page before",
        ),
        (
            "/api/runs?user=",
            "user has no value; leave the parameter out",
        ),
        ("/api/runs?has_errors", "has_errors has no value"),
        ("/api/runs?has_errors=1", "has_errors must be true or false"),
        ("/api/runs?limit=%207", "limit must be an integer"),
        (
            "/api/runs?template_level=error&template=x",
            "template_level must be ERROR or WARNING",
        ),
        (
            "/api/runs/1/logs/client/lines?level=error",
            "level must be levels among DEBUG, INFO, WARNING and ERROR",
        ),
        (
            "/api/runs/1/logs/client/series?from=.5",
            "from must be a number",
        ),
        ("/api/audit?before=0", "before must be an integer from 1"),
        (
            "/api/events/stream?after=-1",
            "after must be now or an integer",
        ),
        ("/api/runs?missing=both", "missing must be client, server"),
        ("/api/runs?colour=red", "unknown parameter \"colour\""),
        ("/api/runs?limit=5&limit=6", "given twice"),
        ("/api/runs/abc", "id must be an integer from 1 to"),
        ("/api/runs/0", "id must be an integer from 1 to"),
        ("/api/runs/+3", "id must be an integer from 1 to"),
        (
            "/api/runs/1/logs/middle/series",
            "log must be one of client, server, output, not \"middle\"",
        ),
        // The websockets' paths are read by the same extractors: JSON too.
        (
            "/api/runs/abc/logs/output/live",
            "id must be an integer from 1 to",
        ),
        (
            "/api/live/runs/-4/logs/output/ingest",
            "id must be an integer from 1 to",
        ),
        (
            "/api/live/runs/4/logs/stdout/ingest",
            "log must be one of client, server, output",
        ),
        ("/api/events?limit=0", "limit must be an integer"),
        (
            "/api/analytics/templates?level=INFO",
            "level must be ERROR or WARNING",
        ),
    ] {
        let (status, v) = get_json(&f.app, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {v}");
        let msg = v["error"].as_str().unwrap();
        assert!(msg.contains(needle), "{uri}: {msg}");
    }
    let (status, v) = get_json(&f.app, "/api/runs/999999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(v["error"], "no run 999999999");
    let (status, v) = get_json(&f.app, "/api/no/such/thing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(v["error"].as_str().unwrap().contains("openapi"));
}

async fn a_run_its_series_lines_and_raw_log(cat: &Catalog) {
    let f = fixture(cat, 40, None).await;
    let (with, without) = f.with_and_without_client();
    let d: RunDetail = ok(&f.app, &format!("/api/runs/{with}")).await;
    let client = &d.logs[0];
    let file = f.logs().join(client.location.as_ref().unwrap());
    let bytes = std::fs::read(&file).unwrap();
    let expected = logparse::parse(&bytes);
    let summary = client.summary.as_ref().unwrap();
    assert_eq!(summary.lines, expected.lines);
    assert_eq!(summary.errors, expected.level(logparse::Level::Error));

    let full: Series = ok(
        &f.app,
        &format!("/api/runs/{with}/logs/client/series?metric=latency&full=true"),
    )
    .await;
    let points = expected.points(logparse::Metric::Latency);
    assert_eq!(full.points.len(), points.len());
    assert_eq!(full.total as usize, points.len());
    assert!(!full.downsampled);
    assert_eq!(
        full.stats.p50,
        expected.stats(logparse::Metric::Latency).p50
    );
    if points.len() > 20 {
        let small: Series = ok(
            &f.app,
            &format!("/api/runs/{with}/logs/client/series?metric=latency&width=10"),
        )
        .await;
        assert!(small.downsampled && small.points.len() <= 20);
        let max = points.iter().map(|p| p.v).fold(f64::MIN, f64::max);
        assert!(
            small.points.iter().any(|p| p[1] == max),
            "the peak survives"
        );
    }
    let (status, v) = get_json(&f.app, &format!("/api/runs/{without}/logs/client/series")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        v["error"].as_str().unwrap().contains("has no client log"),
        "{v}"
    );

    // Lines: paging by number, level filter, search.
    let page: LinePage = ok(
        &f.app,
        &format!("/api/runs/{with}/logs/client/lines?from=1&limit=25"),
    )
    .await;
    assert_eq!(page.lines.len(), 25.min(page.total as usize));
    assert_eq!(page.lines[0].n, 1);
    let text = String::from_utf8_lossy(&bytes);
    assert_eq!(
        page.lines[3].text,
        text.split('\n').nth(3).unwrap().trim_end_matches('\r')
    );
    if let Some(next) = page.next {
        let more: LinePage = ok(
            &f.app,
            &format!("/api/runs/{with}/logs/client/lines?from={next}&limit=5"),
        )
        .await;
        assert_eq!(more.lines[0].n, next);
    }
    let errs: LinePage = ok(
        &f.app,
        &format!("/api/runs/{with}/logs/client/lines?level=ERROR&limit=5000"),
    )
    .await;
    assert!(errs.lines.iter().all(|l| l.level == Some(Level::Error)));
    assert_eq!(
        errs.lines.len() as u64,
        expected.level(logparse::Level::Error).min(5000)
    );
    let hits: LinePage = ok(
        &f.app,
        &format!("/api/runs/{with}/logs/client/lines?q=LATENCY&limit=3"),
    )
    .await;
    assert!(
        hits.lines
            .iter()
            .all(|l| l.text.to_lowercase().contains("latency"))
    );
    // With context: every line within 2 of a match, once, in order, the
    // matches unmarked and the rest marked as context.
    let around: LinePage = ok(
        &f.app,
        &format!("/api/runs/{with}/logs/client/lines?level=ERROR&context=2&limit=5000"),
    )
    .await;
    let matches: std::collections::BTreeSet<u64> = errs.lines.iter().map(|l| l.n).collect();
    let want: Vec<u64> = (1..=page.total)
        .filter(|n| matches.iter().any(|m| n.abs_diff(*m) <= 2))
        .collect();
    let got: Vec<u64> = around.lines.iter().map(|l| l.n).collect();
    assert_eq!(got, want);
    assert!(
        around
            .lines
            .iter()
            .all(|l| l.context != matches.contains(&l.n))
    );
    let (status, _) = get_json(
        &f.app,
        &format!("/api/runs/{with}/logs/client/lines?q=x&context=51"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Each point of a series names the line it was read from.
    let lines: Vec<&str> = text.split('\n').collect();
    assert_eq!(full.lines.len(), full.points.len());
    for n in full.lines.iter().take(50) {
        assert!(lines[*n as usize - 1].contains("Latency:"), "line {n}");
    }

    // Raw: whole, a range, a bad range.
    let (status, h, body) = send(&f.app, get(&format!("/api/runs/{with}/logs/client/raw"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, bytes);
    assert_eq!(h[header::CONTENT_TYPE], "text/plain; charset=utf-8");
    let req = Request::get(format!("/api/runs/{with}/logs/client/raw"))
        .header(header::RANGE, "bytes=10-19")
        .body(Body::empty())
        .unwrap();
    let (status, h, body) = send(&f.app, req).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(body, bytes[10..20].to_vec());
    assert_eq!(
        h[header::CONTENT_RANGE],
        format!("bytes 10-19/{}", bytes.len())
    );
    let req = Request::get(format!("/api/runs/{with}/logs/client/raw"))
        .header(header::RANGE, format!("bytes={}-", bytes.len() + 5))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&f.app, req).await.0, StatusCode::RANGE_NOT_SATISFIABLE);
    let (_, h, _) = send(
        &f.app,
        get(&format!("/api/runs/{with}/logs/client/raw?download=true")),
    )
    .await;
    assert!(
        h[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
}

async fn analytics_jobs_events_bookmarks_metrics(cat: &Catalog) {
    let f = fixture(cat, 80, None).await;
    let jobs: Value = ok(&f.app, "/api/jobs").await;
    assert_eq!(jobs["queued"], 0);
    assert_eq!(jobs["running"], 0);
    let logs = f
        .inventory
        .iter()
        .map(|e| !e["client_logs"].is_null() as i64 + !e["server_logs"].is_null() as i64)
        .sum::<i64>();
    assert_eq!(
        jobs["done"].as_i64().unwrap() + jobs["failed"].as_i64().unwrap(),
        logs
    );

    let events: Vec<Value> = ok(&f.app, "/api/events?limit=1000").await;
    assert_eq!(
        events
            .iter()
            .filter(|e| e["topic"] == "log.indexed")
            .count() as i64,
        jobs["done"].as_i64().unwrap()
    );

    let top: Vec<Value> = ok(&f.app, "/api/analytics/templates?level=ERROR&limit=5").await;
    assert!(!top.is_empty());
    assert!(
        top.windows(2)
            .all(|w| w[0]["count"].as_i64() >= w[1]["count"].as_i64())
    );
    assert!(top[0]["runs"].as_i64().unwrap() >= 1);
    let evl: Value = ok(&f.app, "/api/analytics/errors-vs-latency").await;
    assert!(evl["runs"].as_i64().unwrap() > 0);
    assert!(evl["spearman"].is_number() || evl["spearman"].is_null());
    // Tasks on request (this catalog has none); a flag that is no boolean
    // is a 400.
    let with: Value = ok(&f.app, "/api/analytics/errors-vs-latency?tasks=true").await;
    assert_eq!(with["runs"], evl["runs"]);
    let (status, _, _) = send(
        &f.app,
        Request::get("/api/analytics/errors-vs-latency?tasks=maybe")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let h: Value = ok(&f.app, "/api/analytics/latency-histogram?buckets=10").await;
    assert_eq!(
        h["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["count"].as_i64().unwrap())
            .sum::<i64>(),
        h["runs"].as_i64().unwrap()
    );
    let totals: Value = ok(&f.app, "/api/totals").await;
    assert_eq!(totals["connections"], 80);

    let id = f.inventory[5]["connection_id"].as_i64().unwrap();
    let put = Request::put(format!("/api/runs/{id}/bookmark"))
        .body(Body::from(r#"{"note": "spiky"}"#))
        .unwrap();
    assert_eq!(send(&f.app, put).await.0, StatusCode::NO_CONTENT);
    let bad = Request::put(format!("/api/runs/{id}/bookmark"))
        .body(Body::from("{nope"))
        .unwrap();
    assert_eq!(send(&f.app, bad).await.0, StatusCode::BAD_REQUEST);
    let marked: RunPage = ok(&f.app, "/api/runs?bookmarked=true").await;
    assert_eq!(
        marked.rows.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![id]
    );
    let list: Vec<Value> = ok(&f.app, "/api/bookmarks").await;
    assert_eq!(list[0]["note"], "spiky");
    let del = Request::delete(format!("/api/runs/{id}/bookmark"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&f.app, del).await.0, StatusCode::NO_CONTENT);
    let del = Request::delete(format!("/api/runs/{id}/bookmark"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&f.app, del).await.0, StatusCode::NOT_FOUND);

    let (status, _, body) = send(&f.app, get("/metrics")).await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(body).unwrap();
    assert!(
        text.contains(&format!("logdeck_index_jobs_done_total {}", jobs["done"])),
        "{text}"
    );
    assert!(text.contains("logdeck_catalog_up 1"));
    let doc: Value = ok(&f.app, "/api/openapi.json").await;
    assert_eq!(doc["openapi"], "3.1.0");
    let _ = &f.state;
}

async fn server_functions_page_with_a_cursor(cat: &Catalog) {
    let f = fixture(cat, 30, None).await;
    let form = |body: &str| {
        Request::post("/api/fn/runs")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let (status, _, body) = send(&f.app, form("query[limit]=20")).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let page: RunPage = serde_json::from_slice(&body).unwrap();
    assert_eq!(page.rows.len(), 20);
    let next = page.next.expect("a second page");
    let (_, _, body) = send(
        &f.app,
        form(&format!(
            "query[limit]=20&query[after]={}",
            urlencode(&next)
        )),
    )
    .await;
    let page2: RunPage = serde_json::from_slice(&body).unwrap();
    assert_eq!(page2.rows.len(), 10);
    assert_eq!(page2.next, None);
    // Arguments the function refuses are a 400 with the JSON error too.
    let (status, _, body) = send(&f.app, form("query[limit]=0")).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["error"], "limit must be between 1 and 500, not 0");
    let (status, _, body) = send(&f.app, form("query[after]=newest~x~1&query[limit]=5")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        v["error"].as_str().unwrap().contains("invalid cursor"),
        "{v}"
    );
    // A body that is not the function's arguments is the client's fault:
    // 400 with the JSON error every other endpoint answers.
    for (garbage, reason) in [
        ("query[limit]=x", "invalid digit"),
        ("%%%", "missing field `query`"),
        ("query[sort]=sideways", "must be one of"),
        ("", "missing field `query`"),
    ] {
        let (status, headers, body) = send(&f.app, form(garbage)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{garbage:?}");
        assert_eq!(headers[header::CONTENT_TYPE], "application/json");
        let v: Value = serde_json::from_slice(&body).unwrap();
        let error = v["error"].as_str().unwrap();
        assert!(error.contains(reason), "{garbage:?}: {error}");
    }
}

async fn health_readiness_and_not_found(cat: &Catalog) {
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(site.path().join("pkg")).unwrap();
    for ext in ["js", "wasm", "css"] {
        std::fs::write(site.path().join("pkg").join(format!("logdeck.{ext}")), "x").unwrap();
    }
    let f = fixture(cat, 10, Some(site.path())).await;
    assert_eq!(send(&f.app, get("/healthz")).await.2, b"ok");
    let (status, v) = get_json(&f.app, "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, _, html) = send(&f.app, get("/no/such/page")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(String::from_utf8_lossy(&html).contains("Not found"));

    let missing = fixture(cat, 1, None).await;
    let (status, v) = get_json(&missing.app, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        v["reason"]
            .as_str()
            .unwrap()
            .contains("browser bundle missing")
    );
}

async fn locations_outside_the_stores_are_never_read(cat: &Catalog) {
    let f = fixture(cat, 5, None).await;
    std::fs::write(
        f.data.path().join("secret.txt"),
        "00:00:00:000 | ERROR | a | b:1 | TOPSECRET\n",
    )
    .unwrap();
    let rows = br#"[{"connection_id": 900001, "ip": "1.1.1.1", "client_logs": "https://169.254.169.254/latest/meta-data", "server_logs": "../secret.txt"}]"#;
    import_bytes(cat, rows, |_, _| {}).await.unwrap();
    f.state.indexer.drain("test").await.unwrap();
    let d: RunDetail = ok(&f.app, "/api/runs/900001").await;
    assert_eq!(d.logs[0].state, model::LogState::Failed);
    assert!(
        d.logs[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("not in a configured log store"),
        "{:?}",
        d.logs[0].reason
    );
    assert_eq!(d.logs[1].state, model::LogState::Failed);
    assert!(
        d.logs[1]
            .reason
            .as_deref()
            .unwrap()
            .contains("invalid log location"),
        "{:?}",
        d.logs[1].reason
    );
    for log in ["client", "server"] {
        let (status, _, body) =
            send(&f.app, get(&format!("/api/runs/900001/logs/{log}/raw"))).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{}",
            String::from_utf8_lossy(&body)
        );
        assert!(!String::from_utf8_lossy(&body).contains("TOPSECRET"));
    }
    let jobs: Value = ok(&f.app, "/api/jobs").await;
    assert_eq!(jobs["failed"], 2);
    assert_eq!(jobs["recent_failures"].as_array().unwrap().len(), 2);

    // A failed log is queued again on request (pending until a worker takes
    // it), and fails again for the same reason; only a failed one can be.
    let put = |uri: &str| Request::put(uri).body(Body::empty()).unwrap();
    let (status, _, body) = send(&f.app, put("/api/runs/900001/logs/server/retry")).await;
    assert_eq!(
        status,
        StatusCode::ACCEPTED,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let d: RunDetail = ok(&f.app, "/api/runs/900001").await;
    assert_eq!(d.logs[1].state, model::LogState::Pending);
    assert_eq!(d.run.server_state, model::LogState::Pending);
    let jobs: Value = ok(&f.app, "/api/jobs").await;
    assert_eq!(
        (jobs["failed"].as_i64(), jobs["queued"].as_i64()),
        (Some(1), Some(1))
    );
    let (status, v) = {
        let (status, _, body) = send(&f.app, put("/api/runs/900001/logs/server/retry")).await;
        (status, serde_json::from_slice::<Value>(&body).unwrap())
    };
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert!(
        v["error"].as_str().unwrap().contains("has not failed"),
        "{v}"
    );
    f.state.indexer.drain("test").await.unwrap();
    let d: RunDetail = ok(&f.app, "/api/runs/900001").await;
    assert_eq!(d.logs[1].state, model::LogState::Failed);
    // Failed again: retrying at once is refused for a while, so no client
    // can make the server fetch a log in a loop.
    let (status, headers, _) = send(&f.app, put("/api/runs/900001/logs/server/retry")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers[header::RETRY_AFTER], "10");
    assert!(
        d.logs[1]
            .reason
            .as_deref()
            .unwrap()
            .contains("invalid log location")
    );
    for (uri, want) in [
        ("/api/runs/424242/logs/client/retry", StatusCode::NOT_FOUND),
        (
            "/api/runs/900001/logs/middle/retry",
            StatusCode::BAD_REQUEST,
        ),
    ] {
        assert_eq!(send(&f.app, put(uri)).await.0, want, "{uri}");
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn the_edge_refuses_foreign_hosts_and_sets_its_policies(cat: &Catalog) {
    let f = fixture(cat, 10, None).await;
    let with_host = |method: &str, uri: &str, host: &str| {
        Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, host)
            .body(Body::empty())
            .unwrap()
    };
    // A rebinding page's name is refused, for reads and for writes.
    for (method, uri) in [
        ("GET", "/"),
        ("GET", "/api/runs"),
        ("PUT", "/api/runs/1/bookmark"),
    ] {
        let (status, _, body) = send(&f.app, with_host(method, uri, "attacker.example:3000")).await;
        assert_eq!(status, StatusCode::MISDIRECTED_REQUEST, "{method} {uri}");
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert!(v["error"].as_str().unwrap().contains("--public-url"), "{v}");
    }
    // An `Authorization` header a page can add is no exemption; a valid
    // producer token is (a page cannot know one).
    for auth in ["x", "Bearer wrong-token", "Basic cm91dGVyLXRlc3Q="] {
        let mut req = with_host("PUT", "/api/runs/1/bookmark", "attacker.example");
        req.headers_mut()
            .insert(header::AUTHORIZATION, auth.parse().unwrap());
        let (status, _, _) = send(&f.app, req).await;
        assert_eq!(status, StatusCode::MISDIRECTED_REQUEST, "{auth}");
    }
    assert!(cat.bookmarks().await.unwrap().is_empty());
    let mut req = with_host("GET", "/api/totals", "producers.example");
    req.headers_mut()
        .insert(header::AUTHORIZATION, "Bearer router-test".parse().unwrap());
    assert_eq!(send(&f.app, req).await.0, StatusCode::OK);
    // A page of another origin may not open a viewer socket or change
    // anything, whatever Host it reaches; the server's own page may.
    let from = |method: &str, uri: &str, origin: &str| {
        let mut req = with_host(method, uri, "127.0.0.1:3000");
        req.headers_mut()
            .insert(header::ORIGIN, origin.parse().unwrap());
        req
    };
    let upgrade = |mut req: Request<Body>| {
        for (k, v) in [
            ("connection", "upgrade"),
            ("upgrade", "websocket"),
            ("sec-websocket-version", "13"),
            ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ] {
            req.headers_mut().insert(k, v.parse().unwrap());
        }
        req
    };
    for origin in ["http://evil.example", "http://127.0.0.1:3001", "null"] {
        let ws = upgrade(from("GET", "/api/runs/1/logs/output/live", origin));
        let (status, _, body) = send(&f.app, ws).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{origin}");
        assert!(String::from_utf8_lossy(&body).contains("--public-url"));
        let put = from("PUT", "/api/runs/1/bookmark", origin);
        assert_eq!(send(&f.app, put).await.0, StatusCode::FORBIDDEN, "{origin}");
        // Reading is not changing anything.
        let read = from("GET", "/api/totals", origin);
        assert_eq!(send(&f.app, read).await.0, StatusCode::OK, "{origin}");
    }
    assert!(cat.bookmarks().await.unwrap().is_empty());
    let (_, page) = get_json(&f.app, "/api/runs?limit=1").await;
    let id = page["rows"][0]["id"].as_i64().unwrap();
    let own = from(
        "PUT",
        &format!("/api/runs/{id}/bookmark"),
        "http://127.0.0.1:3000",
    );
    assert_eq!(send(&f.app, own).await.0, StatusCode::NO_CONTENT);
    assert_eq!(cat.bookmarks().await.unwrap().len(), 1);
    for host in ["127.0.0.1:3000", "localhost:3000", "[::1]:3000"] {
        let (status, _, _) = send(&f.app, with_host("GET", "/api/totals", host)).await;
        assert_eq!(status, StatusCode::OK, "{host}");
    }

    // The page, and the not-found page: their scripts carry the nonce the
    // policy names.
    let mut headers = Default::default();
    for (path, want) in [
        ("/no/such/page", StatusCode::NOT_FOUND),
        ("/", StatusCode::OK),
    ] {
        let (status, h, html) = send(&f.app, with_host("GET", path, "127.0.0.1:3000")).await;
        assert_eq!(status, want, "{path}");
        let html = String::from_utf8(html).unwrap();
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|r| r.split('\'').next())
            .unwrap_or_else(|| panic!("{path}: no nonce in {csp}"));
        assert!(nonce.len() >= 16, "{csp}");
        assert!(
            html.contains(&format!("nonce=\"{nonce}\"")),
            "{path}: the scripts carry the nonce"
        );
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'self'"),
            "{csp}"
        );
        headers = h;
    }
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(headers.contains_key(header::REFERRER_POLICY));
    // Every other answer forbids framing too.
    let (_, headers, _) = send(&f.app, get("/api/totals")).await;
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");

    // Errors are JSON and echo little of a huge input.
    let huge = "x".repeat(60_000);
    for uri in [
        format!("/api/runs?sort={huge}"),
        format!("/api/runs?{huge}=1"),
        format!("/api/runs?after={huge}"),
    ] {
        let (status, v) = get_json(&f.app, &uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            v["error"].as_str().unwrap().chars().count() <= 301,
            "{}",
            &v.to_string()[..200]
        );
    }
    let (status, v) = get_json(&f.app, &format!("/api/runs?user={}", "a".repeat(300))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");

    // A live run's command and labels are capped.
    let post = |body: Value| {
        Request::post("/api/live/runs")
            .header(header::AUTHORIZATION, "Bearer router-test")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let (status, _, _) = send(
        &f.app,
        post(serde_json::json!({"name": "big", "command": "y".repeat(1_500_000), "labels": []})),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    for body in [
        serde_json::json!({"name": "y", "command": "y".repeat(2001), "labels": []}),
        serde_json::json!({"name": "n".repeat(201), "labels": []}),
        serde_json::json!({"name": " \u{3000}\t", "labels": []}),
        serde_json::json!({"labels": []}),
        serde_json::json!([]),
        serde_json::json!({"name": "x", "labels": [["k", "v", "w"]]}),
        serde_json::json!({"name": "labels", "labels": (0..33).map(|i| [format!("k{i}"), "v".to_string()]).collect::<Vec<_>>()}),
        serde_json::json!({"name": "label", "labels": [["k", "v".repeat(257)]]}),
    ] {
        let (status, _, body) = send(&f.app, post(body)).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{}",
            String::from_utf8_lossy(&body)
        );
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert!(v["error"].is_string());
    }
    // A producer (with its token) may name the server as it likes.
    let mut req = post(
        serde_json::json!({"name": "ok", "command": "make -j2", "labels": [["host", "ci-7"]]}),
    );
    req.headers_mut()
        .insert(header::HOST, "ci-gateway.internal:3000".parse().unwrap());
    let (status, _, body) = send(&f.app, req).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&body)
    );
}

/// The bundle goes out as the brotli or gzip copy the build wrote, under
/// its hashed name for good; the page links that name; the page and JSON
/// are compressed as sent; an event stream is not (it must flush).
async fn the_bundle_and_answers_go_out_compressed(cat: &Catalog) {
    use http_body_util::BodyExt;
    use std::io::Read;
    use tower::ServiceExt;
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let name = "logdeck.0123456789abcdef";
    std::fs::write(pkg.join("bundle"), format!("{name}\n")).unwrap();
    for ext in ["js", "wasm", "css"] {
        for (suffix, body) in [("", "plain"), (".br", "brotli"), (".gz", "gzip")] {
            std::fs::write(
                pkg.join(format!("{name}.{ext}{suffix}")),
                format!("{body} {ext}"),
            )
            .unwrap();
        }
        std::fs::write(pkg.join(format!("logdeck.{ext}")), "unhashed").unwrap();
    }
    let f = fixture(cat, 20, Some(site.path())).await;
    let fetch = |uri: &str, accept: &str| {
        let req = Request::get(uri)
            .header(header::ACCEPT_ENCODING, accept)
            .body(Body::empty())
            .unwrap();
        let app = f.app.clone();
        async move {
            let res = app.oneshot(req).await.unwrap();
            let (parts, body) = res.into_parts();
            let head = |h| {
                parts
                    .headers
                    .get(h)
                    .map(|v: &axum::http::HeaderValue| v.to_str().unwrap().to_string())
                    .unwrap_or_default()
            };
            let (enc, cache, kind) = (
                head(header::CONTENT_ENCODING),
                head(header::CACHE_CONTROL),
                head(header::CONTENT_TYPE),
            );
            let bytes = body.collect().await.unwrap().to_bytes().to_vec();
            (parts.status, enc, cache, kind, bytes)
        }
    };
    for (accept, enc, body) in [
        ("br, gzip", "br", "brotli wasm"),
        ("gzip", "gzip", "gzip wasm"),
        ("identity", "", "plain wasm"),
    ] {
        let (status, got, cache, kind, bytes) = fetch(&format!("/pkg/{name}.wasm"), accept).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            (got.as_str(), bytes.as_slice()),
            (enc, body.as_bytes()),
            "{accept}"
        );
        assert_eq!(cache, server::assets::IMMUTABLE);
        assert_eq!(kind, "application/wasm");
    }
    let (_, _, cache, _, _) = fetch("/pkg/logdeck.js", "br").await;
    assert_eq!(
        cache,
        server::assets::REVALIDATE,
        "an unhashed name may change"
    );
    let (status, ..) = fetch(&format!("/pkg/{name}.map"), "br").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The page links the hashed names and is itself compressed.
    let (status, enc, _, _, bytes) = fetch("/", "gzip").await;
    assert_eq!((status, enc.as_str()), (StatusCode::OK, "gzip"));
    let mut html = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut html)
        .unwrap();
    assert!(html.contains(&format!("/pkg/{name}.js")), "script");
    assert!(html.contains(&format!("/pkg/{name}.wasm")), "module");
    assert!(
        html.contains(&format!("href=\"/pkg/{name}.css\"")),
        "stylesheet"
    );
    let (status, v) = get_json(&f.app, "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{v}");

    // JSON, brotli, decodes to what an uncompressed request gets.
    let (status, enc, _, _, bytes) = fetch("/api/runs?limit=20", "br").await;
    assert_eq!((status, enc.as_str()), (StatusCode::OK, "br"));
    let mut json = Vec::new();
    brotli::BrotliDecompress(&mut &bytes[..], &mut json).unwrap();
    let plain = send(&f.app, get("/api/runs?limit=20")).await.2;
    let strip_seq = |b: &[u8]| {
        let mut v: Value = serde_json::from_slice(b).unwrap();
        v["event_seq"] = Value::Null;
        v
    };
    assert_eq!(strip_seq(&json), strip_seq(&plain));

    // An event stream is never compressed: each event must go out at once.
    let req = Request::get("/api/events/stream")
        .header(header::ACCEPT, "text/event-stream")
        .header(header::ACCEPT_ENCODING, "gzip, br")
        .body(Body::empty())
        .unwrap();
    let res = f.app.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get(header::CONTENT_ENCODING).is_none());
}

/// An export holds every run of the view, in the list's order, in both
/// formats; what it cannot do is a 400 that says why.
async fn the_view_exports_as_csv_and_json_lines(cat: &Catalog) {
    let f = fixture(cat, 700, None).await;
    let paged = |q: &'static str| {
        let app = f.app.clone();
        async move {
            let mut ids = Vec::new();
            let mut uri = format!("/api/runs?limit=500&{q}");
            loop {
                let p: RunPage = ok(&app, &uri).await;
                ids.extend(p.rows.iter().map(|r| r.id));
                match p.next {
                    Some(n) => uri = format!("/api/runs?limit=500&{q}&after={}", urlencode(&n)),
                    None => return ids,
                }
            }
        }
    };
    let all = paged("").await;
    assert_eq!(all.len(), 700);
    let (status, headers, body) = send(&f.app, get("/api/runs/export")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(
        headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("logdeck-runs.csv")
    );
    let mut csv = csv::Reader::from_reader(&body[..]);
    assert_eq!(&csv.headers().unwrap()[0], "id");
    let ids: Vec<i64> = csv
        .records()
        .map(|r| r.unwrap()[0].parse().unwrap())
        .collect();
    assert_eq!(ids, all, "every run, in the list's order, across pages");

    let filtered = paged("has_errors=true&sort=errors").await;
    assert!(!filtered.is_empty());
    let (status, headers, body) = send(
        &f.app,
        get("/api/runs/export?format=jsonl&has_errors=true&sort=errors"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/x-ndjson");
    let runs: Vec<model::Run> = body
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(runs.iter().map(|r| r.id).collect::<Vec<_>>(), filtered);
    assert!(runs.iter().all(|r| r.errors.unwrap_or(0) > 0));

    let (status, _, body) = send(&f.app, get("/api/runs/export?user=no-such-user")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(csv::Reader::from_reader(&body[..]).records().count(), 0);

    for (q, says) in [
        ("format=xml", "format must be one of"),
        ("limit=10", "leave limit out"),
        ("sort=sideways", "sort"),
        ("after=garbage", "the `next` of the page before"),
    ] {
        let (status, v) = get_json(&f.app, &format!("/api/runs/export?{q}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}: {v}");
        assert!(v["error"].as_str().unwrap().contains(says), "{q}: {v}");
    }
}

on_both!(
    the_view_exports_as_csv_and_json_lines,
    the_bundle_and_answers_go_out_compressed,
    page_is_rendered_on_the_server_and_links_logs,
    runs_page_filter_and_sort,
    bad_requests_say_what_is_wrong,
    a_run_its_series_lines_and_raw_log,
    analytics_jobs_events_bookmarks_metrics,
    server_functions_page_with_a_cursor,
    health_readiness_and_not_found,
    locations_outside_the_stores_are_never_read,
    the_edge_refuses_foreign_hosts_and_sets_its_policies,
);

/// The document check fails on what the document does not describe: a
/// field it lacks, a wrong type, a status it does not list.
#[test]
fn the_document_check_can_fail() {
    use axum::http::{HeaderMap, HeaderValue, Method};
    let mut json = HeaderMap::new();
    json.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let check = |uri: &str, status: u16, body: &str| {
        let (uri, body, json) = (uri.to_string(), body.as_bytes().to_vec(), json.clone());
        std::panic::catch_unwind(move || {
            support::openapi::check_answer(
                &Method::GET,
                &uri,
                StatusCode::from_u16(status).unwrap(),
                &json,
                &body,
            )
        })
        .is_ok()
    };
    let totals = r#"{"connections":1,"client_logs":1,"server_logs":1,"users":1,"indexed_logs":1,"errors":0,"warnings":0}"#;
    assert!(check("/api/totals", 200, totals));
    assert!(!check(
        "/api/totals",
        200,
        &totals.replace(r#""users":1"#, r#""users":"1""#)
    ));
    assert!(!check(
        "/api/totals",
        200,
        &totals.replace('}', r#","extra":1}"#)
    ));
    assert!(!check("/api/totals", 200, r#"{"connections":1}"#));
    assert!(!check("/api/totals", 201, totals));
    assert!(check("/api/totals", 503, r#"{"error":"down"}"#));
    assert!(!check("/api/totals", 503, r#"{"message":"down"}"#));
}

/// The operations and what each needs, from the README's table.
fn readme_roles() -> std::collections::BTreeMap<String, String> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let table = readme
        .split("<!-- roles -->")
        .nth(1)
        .and_then(|t| t.split("<!-- /roles -->").next())
        .expect("the README has a roles table between <!-- roles --> markers");
    table
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let op = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            Some((op.to_string(), cells.get(2)?.to_string()))
        })
        .collect()
}

/// Every operation of the OpenAPI document, asked as no one, a viewer, an
/// editor and an admin (named by a trusted proxy), answers as the README's
/// table says, which is what the document says; a name from an untrusted
/// address is no one; changes land in the audit trail with who and where.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_answers_each_role_as_the_readme_says() {
    use model::Role;
    use server::auth::{
        Auth, AuthMode, RoleMap,
        proxy::{Proxy, parse_net},
    };
    let db = catalog::testing::sqlite().await;
    let f = fixture(&db.catalog, 20, None).await;
    let mut state = f.state.clone();
    state.auth = std::sync::Arc::new(Auth {
        mode: AuthMode::Proxy(Proxy {
            user_header: "x-forwarded-user".parse().unwrap(),
            groups_header: Some("x-forwarded-groups".parse().unwrap()),
            trusted: vec![parse_net("10.9.0.0/16").unwrap()],
            roles: RoleMap {
                groups: vec![("qa".into(), Role::Editor), ("ops".into(), Role::Admin)],
                default: Some(Role::Viewer),
            },
        }),
    });
    let app = router(state);
    let table = readme_roles();
    let doc = support::openapi::document();
    let mut documented = std::collections::BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let need = op["x-role"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no x-role"));
            documented.insert(
                format!("{} {path}", method.to_uppercase()),
                need.to_string(),
            );
        }
    }
    assert_eq!(
        documented, table,
        "the README's roles table and the document differ"
    );

    let run = f.inventory[0]["connection_id"].as_i64().unwrap();
    let user = f.inventory[0]["username"].as_str().unwrap().to_string();
    // (who, the proxy's user and groups headers, their role)
    type Person<'a> = (&'a str, Option<(&'a str, &'a str)>, Option<Role>);
    let people: [Person; 4] = [
        ("no one", None, None),
        ("viewer", Some(("vi", "")), Some(Role::Viewer)),
        ("editor", Some(("ed", "x, qa")), Some(Role::Editor)),
        ("admin", Some(("ad", "ops")), Some(Role::Admin)),
    ];
    let request =
        |method: &str, uri: &str, person: Option<(&str, &str)>, from: [u8; 4], body: &str| {
            let mut req = Request::builder().method(method).uri(uri);
            if let Some((name, groups)) = person {
                req = req
                    .header("x-forwarded-user", name)
                    .header("x-forwarded-groups", groups);
            }
            let mut req = req.body(Body::from(body.to_string())).unwrap();
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                    from, 40000,
                ))));
            req
        };
    for (op, need) in &table {
        let (method, path) = op.split_once(' ').unwrap();
        let uri = path
            .replace("{id}", &run.to_string())
            .replace("{log}", "server")
            .replace(
                "{name}",
                &urlencode(if path.contains("tokens") {
                    "no-such-token"
                } else {
                    &user
                }),
            );
        let body = if op == "POST /api/tokens" {
            r#"{"name": "made"}"#
        } else {
            ""
        };
        // Websockets and the event stream: the status only (a stream does
        // not end).
        let socket =
            path.ends_with("/live") || path.ends_with("/ingest") || path.ends_with("/stream");
        for (who, person, role) in &people {
            let req = request(method, &uri, *person, [10, 9, 0, 1], body);
            let status = if socket {
                use tower::ServiceExt;
                app.clone().oneshot(req).await.unwrap().status()
            } else {
                send(&app, req).await.0
            };
            let refused = matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN);
            let expected = match need.as_str() {
                "anyone" => None,
                // Without a token the producer's operations refuse anyone,
                // and so does sending inventory entries: no person may.
                "producer" if method == "POST" => Some(StatusCode::UNAUTHORIZED),
                "inventory" => Some(StatusCode::UNAUTHORIZED),
                "producer" => None,
                word => {
                    let needed: Role = word.parse().unwrap();
                    match role {
                        None => Some(StatusCode::UNAUTHORIZED),
                        Some(r) if !r.allows(needed) => Some(StatusCode::FORBIDDEN),
                        Some(_) => None,
                    }
                }
            };
            match expected {
                Some(want) => assert_eq!(status, want, "{op} as {who}"),
                None if need != "producer" => assert!(!refused, "{op} as {who}: {status}"),
                None => {}
            }
        }
    }
    // The page needs a viewer too; its bundle and health probes do not.
    for (uri, who, want) in [
        ("/", None, StatusCode::UNAUTHORIZED),
        ("/", Some(("vi", "")), StatusCode::OK),
        ("/healthz", None, StatusCode::OK),
    ] {
        let (status, _, _) = send(&app, request("GET", uri, who, [10, 9, 0, 1], "")).await;
        assert_eq!(status, want, "{uri} as {who:?}");
    }
    // A name from an address that is not the proxy's is no one's.
    let forged = request("GET", "/api/audit", Some(("ad", "ops")), [10, 10, 0, 1], "");
    assert_eq!(send(&app, forged).await.0, StatusCode::UNAUTHORIZED);
    // Who changed what, and from where.
    let (status, _, body) = send(
        &app,
        request("GET", "/api/audit", Some(("ad", "ops")), [10, 9, 0, 1], ""),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let page: model::AuditPage = serde_json::from_slice(&body).unwrap();
    let seen: Vec<(String, String, Option<String>)> = page
        .entries
        .iter()
        .map(|e| (e.actor.clone(), e.action.to_string(), e.address.clone()))
        .collect();
    let at = Some("10.9.0.1".to_string());
    assert!(
        seen.contains(&("ed".into(), "bookmark".into(), at.clone())),
        "{seen:?}"
    );
    assert!(
        seen.contains(&("ad".into(), "token.create".into(), at.clone())),
        "{seen:?}"
    );
    assert!(!seen.iter().any(|s| s.0 == "vi"), "{seen:?}");
    let marked: Vec<model::Bookmark> = serde_json::from_slice(
        &send(
            &app,
            request("GET", "/api/bookmarks", Some(("vi", "")), [10, 9, 0, 1], ""),
        )
        .await
        .2,
    )
    .unwrap();
    assert_eq!(
        marked
            .iter()
            .map(|b| b.created_by.as_deref())
            .collect::<Vec<_>>(),
        [Some("ad")]
    );
    db.drop_schema().await;
}

/// With `--auth oidc`, a session cookie is a person until the session ends:
/// used past half its life it is renewed; ended or made up, the API says
/// 401 and the page sends the browser to sign in (and back). Refused
/// sign-ins from one address are limited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_identify_until_they_end_and_failed_sign_ins_are_limited() {
    use catalog::sessions::Session;
    use model::Role;
    use server::auth::oidc::{Oidc, OidcConfig, session_hash};
    use server::auth::{Auth, AuthMode, RoleMap};
    let db = catalog::testing::sqlite().await;
    let f = fixture(&db.catalog, 5, None).await;
    let mut state = f.state.clone();
    let hour = std::time::Duration::from_secs(3600);
    let oidc = Oidc::new(OidcConfig {
        issuer: "http://127.0.0.1:9/".parse().unwrap(),
        client_id: "logdeck".into(),
        client_secret: None,
        public_url: "http://127.0.0.1:3000".parse().unwrap(),
        scopes: vec![],
        name_claim: "preferred_username".into(),
        groups_claim: "groups".into(),
        roles: RoleMap::default(),
        session: hour,
    })
    .unwrap();
    state.auth = std::sync::Arc::new(Auth {
        mode: AuthMode::Oidc(std::sync::Arc::new(oidc)),
    });
    let app = router(state);
    let now = catalog::now_ms();
    let session = |expires_ms| Session {
        name: "ana".into(),
        role: Some(Role::Editor),
        created_ms: now,
        expires_ms,
    };
    // Fresh, nearly over, and over.
    for (secret, expires) in [
        ("fresh", now + 3_500_000),
        ("late", now + 600_000),
        ("over", now - 1),
    ] {
        db.catalog
            .create_session(&session_hash(secret), &session(expires))
            .await
            .unwrap();
    }
    let with = |uri: &str, secret: &str| {
        Request::get(uri)
            .header(
                header::COOKIE,
                format!("theme=dark; logdeck_session={secret}"),
            )
            .body(Body::empty())
            .unwrap()
    };
    let (status, _, body) = send(&app, with("/api/me", "fresh")).await;
    assert_eq!(status, StatusCode::OK);
    let me: model::Me = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (me.name.as_str(), me.role, me.can_sign_out),
        ("ana", Role::Editor, true)
    );
    // Used past half its life: renewed to a whole one.
    assert_eq!(
        send(&app, with("/api/totals", "late")).await.0,
        StatusCode::OK
    );
    let renewed = db
        .catalog
        .session(&session_hash("late"), now)
        .await
        .unwrap()
        .unwrap();
    assert!(renewed.expires_ms >= now + 3_500_000, "{renewed:?}");
    // Over, or made up: no one.
    for secret in ["over", "made-up"] {
        assert_eq!(
            send(&app, with("/api/totals", secret)).await.0,
            StatusCode::UNAUTHORIZED
        );
        let (status, headers, _) = send(&app, with("/?run=3&log=client", secret)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{secret}");
        assert_eq!(
            headers[header::LOCATION],
            "/auth/sign-in?next=%2F%3Frun%3D3%26log%3Dclient"
        );
    }
    // Answers to sign-ins never started here: refused and recorded, until
    // the address has failed too often; then 429 with Retry-After, and the
    // audit trail stops growing for it.
    let limit = server::live::guesses::LIMIT;
    for i in 0..limit + 5 {
        let mut req = Request::get(format!("/auth/callback?code=c{i}&state=s{i}"))
            .body(Body::empty())
            .unwrap();
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                [10, 0, 0, 7],
                40000,
            ))));
        let (status, headers, _) = send(&app, req).await;
        if i < limit {
            assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {i}");
        } else {
            assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "attempt {i}");
            assert!(headers.contains_key(header::RETRY_AFTER));
        }
    }
    let trail = db.catalog.audit_page(None, 500).await.unwrap();
    let failed = trail
        .entries
        .iter()
        .filter(|e| e.action == model::AuditAction::SignInFailed)
        .count();
    assert_eq!(failed as u32, limit);
    db.drop_schema().await;
}
