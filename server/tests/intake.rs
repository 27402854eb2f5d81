//! New sessions arriving by themselves, on both catalog engines: entries
//! sent to `POST /api/inventory`, an inventory URL polled with its
//! validators, an S3 prefix (moto, written by boto3) whose files two
//! servers import once, and logs uploaded after their entries.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use catalog::testing::TestDb;
use catalog::{Catalog, now_ms};
use logstore::LogStores;
use model::{LogState, TokenScope};
use serde_json::Value;
use server::indexer::Indexer;
use server::live::tokens::{new_token, token_hash};
use server::routes::router;
use server::site::leptos_options;
use server::sources::prefix::PrefixState;
use server::sources::url::UrlState;
use server::sources::{Context, SourceSpec};
use server::state::AppState;
use support::send;
use testenv::moto::{Moto, S3_OPTIONS};

/// Runs `test` on SQLite, then on PostgreSQL when it is there.
macro_rules! on_both_dbs {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let db = ::catalog::testing::sqlite().await;
                    super::$name(&db).await;
                    db.drop_schema().await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let Some(db) = ::catalog::testing::postgres().await else {
                        return;
                    };
                    super::$name(&db).await;
                    db.drop_schema().await;
                }
            }
        )*
    };
}

on_both_dbs!(
    pushed_entries_are_written_or_reported_with_a_token_that_may_do_only_that,
    an_inventory_url_costs_one_304_while_unchanged_and_writes_only_what_changed,
    an_s3_prefix_is_imported_once_by_two_servers_even_out_of_order,
    a_log_uploaded_after_its_entry_is_awaited_then_indexed,
);

async fn state(catalog: &Catalog, dir: &std::path::Path) -> AppState {
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let live = server::live::Live::open(dir, None, "", server::live::Tokens::new([]))
        .await
        .unwrap();
    AppState::new(
        leptos_options(&dir.join("no-site")),
        catalog.clone(),
        LogStores::local(&logs).unwrap(),
        live,
    )
}

fn push(token: &str, content_type: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post("/api/inventory")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(body.into())
        .unwrap()
}

async fn pushed_entries_are_written_or_reported_with_a_token_that_may_do_only_that(db: &TestDb) {
    let c = &db.catalog;
    let dir = tempfile::tempdir().unwrap();
    let mut state = state(c, dir.path()).await;
    state.inventory_limit = 4096;
    let app = router(state.clone());
    let (feed, producer) = (new_token(), new_token());
    c.create_token("svc", &token_hash(&feed), TokenScope::Inventory, 1)
        .await
        .unwrap();
    c.create_token("ci", &token_hash(&producer), TokenScope::Producer, 1)
        .await
        .unwrap();
    let seq = c.last_event_seq().await.unwrap();

    let lines = "{\"connection_id\": 7, \"username\": \"a@x.org\", \"ip\": \"10.0.0.1\", \
                 \"last_updated\": \"12/06/2026, 10:00\", \"server_logs\": \"s7.txt\"}\n\
                 {\"connection_id\": \"eight\"}\n\
                 {\"connection_id\": 9, \"last_updated\": \"12/06/2026, 10:05\"}\n";
    let (status, _, body) = send(&app, push(&feed, "application/x-ndjson", lines)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let report: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(report["rows"], 2);
    assert_eq!(report["added"], 2);
    assert_eq!(report["updated"], 0);
    assert_eq!(report["jobs_queued"], 1);
    assert_eq!(report["skipped"][0]["line"], 2);
    assert!(
        report["skipped"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("eight")
    );
    // A new run is an event on the feed: one per batch, counting them.
    let events = c.events_after(seq, 100).await.unwrap();
    let added: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.topic {
            model::Topic::RunsAdded(a) => Some(a.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(added.len(), 1);
    assert_eq!((added[0].count, added[0].run_id), (2, 9));

    // Sending the same entry again (as CSV) updates it in place.
    let csv = "connection_id,username,ip,last_updated\n7,b@x.org,10.0.0.2,12/06/2026, 10:00\n";
    let (status, _, body) = send(&app, push(&feed, "text/csv", csv)).await;
    assert_eq!(status, StatusCode::OK);
    let report: Value = serde_json::from_slice(&body).unwrap();
    // The unquoted comma makes a fifth field: reported, not written.
    assert_eq!(
        (
            report["rows"].as_u64(),
            report["skipped"].as_array().map(Vec::len)
        ),
        (Some(0), Some(1))
    );
    let csv = "connection_id,username,ip,last_updated\n7,b@x.org,10.0.0.2,\"12/06/2026, 10:00\"\n";
    let (_, _, body) = send(&app, push(&feed, "text/csv", csv)).await;
    let report: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (report["added"].as_u64(), report["updated"].as_u64()),
        (Some(0), Some(1))
    );
    let run = c.run(7).await.unwrap().unwrap().run;
    assert_eq!(run.username.as_deref(), Some("b@x.org"));

    // What else is refused, and how.
    let json = "[{\"connection_id\": 10}]";
    let (status, _, body) = send(&app, push(&producer, "application/json", json)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(String::from_utf8_lossy(&body).contains("scope inventory"));
    let (status, _, _) = send(&app, push("ldk_wrong", "application/json", json)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = send(&app, push(&feed, "application/xml", json)).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, _, _) = send(
        &app,
        push(&feed, "application/json", "[{\"connection_id\": 1}"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let big = format!("[{}]", vec!["{\"connection_id\": 11}"; 400].join(","));
    let (status, _, body) = send(&app, push(&feed, "application/json", big)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(String::from_utf8_lossy(&body).contains("smaller batches"));
    assert!(c.run(10).await.unwrap().is_none() && c.run(11).await.unwrap().is_none());

    // Behind sign-in, an inventory token still sends entries and reads
    // nothing (a producer token's holder reads, as a viewer).
    use server::auth::{Auth, AuthMode, RoleMap, proxy::Proxy};
    state.auth = Arc::new(Auth {
        mode: AuthMode::Proxy(Proxy {
            user_header: "x-forwarded-user".parse().unwrap(),
            groups_header: None,
            trusted: vec![server::auth::proxy::parse_net("10.9.0.0/16").unwrap()],
            roles: RoleMap {
                groups: Vec::new(),
                default: Some(model::Role::Viewer),
            },
        }),
    });
    let signed = router(state);
    let json = "[{\"connection_id\": 12}]";
    let (status, _, _) = send(&signed, push(&feed, "application/json", json)).await;
    assert_eq!(status, StatusCode::OK);
    for (token, want) in [
        (&feed, StatusCode::UNAUTHORIZED),
        (&producer, StatusCode::OK),
    ] {
        let read = Request::get("/api/runs/12")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(&signed, read).await.0, want);
    }
}

fn ctx(catalog: &Catalog, owner: &str) -> Context {
    let dir = std::env::temp_dir();
    Context {
        catalog: catalog.clone(),
        indexer: Indexer::new(catalog.clone(), Arc::new(LogStores::local(&dir).unwrap())),
        limit: 1 << 20,
        owner: owner.into(),
    }
}

/// An inventory server: its body can change; it answers with an ETag and
/// honours `If-None-Match`; it counts its answers by status.
#[derive(Clone, Default)]
struct Origin {
    body: Arc<std::sync::Mutex<String>>,
    full: Arc<AtomicUsize>,
    not_modified: Arc<AtomicUsize>,
}

async fn origin(o: Origin) -> String {
    use axum::http::HeaderMap;
    use axum::response::IntoResponse;
    let serve = move |headers: HeaderMap| {
        let o = o.clone();
        async move {
            let body = o.body.lock().unwrap().clone();
            let etag = format!("\"{:x}\"", {
                use std::hash::{Hash, Hasher};
                let mut h = std::collections::hash_map::DefaultHasher::new();
                body.hash(&mut h);
                h.finish()
            });
            if headers
                .get(header::IF_NONE_MATCH)
                .is_some_and(|v| v.to_str().unwrap() == etag)
            {
                o.not_modified.fetch_add(1, Ordering::SeqCst);
                return StatusCode::NOT_MODIFIED.into_response();
            }
            o.full.fetch_add(1, Ordering::SeqCst);
            ([(header::ETAG, etag)], body).into_response()
        }
    };
    let app = axum::Router::new()
        .route("/inventory.csv", axum::routing::get(serve))
        .route(
            "/moved.csv",
            axum::routing::get(|| async {
                axum::response::Redirect::temporary("http://169.254.169.254/latest/meta-data")
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

async fn an_inventory_url_costs_one_304_while_unchanged_and_writes_only_what_changed(db: &TestDb) {
    let c = &db.catalog;
    let o = Origin::default();
    *o.body.lock().unwrap() = "connection_id,username,last_updated\n\
                               1,a@x,\"12/06/2026, 10:00\"\n2,b@x,\"12/06/2026, 10:01\"\n"
        .into();
    let base = origin(o.clone()).await;
    let spec: SourceSpec = format!("{base}/inventory.csv?key=secret").parse().unwrap();
    let name = spec.name();
    assert!(!name.contains("secret"), "{name}");
    let server::sources::Location::Url(url) = &spec.location else {
        panic!("not a URL source")
    };
    let src = UrlState::new().unwrap();
    let ctx = ctx(c, "one");
    let p = src.poll(&ctx, &name, url).await.unwrap();
    assert_eq!((p.report.rows, p.report.added, p.report.files), (2, 2, 1));
    c.record_poll(&name, now_ms(), &p.report, p.cursor.as_deref(), None)
        .await
        .unwrap();
    for _ in 0..3 {
        let p = src.poll(&ctx, &name, url).await.unwrap();
        assert_eq!(p.report.rows, 0);
        assert!(p.cursor.is_none());
    }
    assert_eq!(o.not_modified.load(Ordering::SeqCst), 3);
    assert_eq!(o.full.load(Ordering::SeqCst), 1);
    // One entry changed, one new, one bad: two written, one reported.
    *o.body.lock().unwrap() = "connection_id,username,last_updated\n\
                               1,a@x,\"12/06/2026, 10:00\"\n2,c@x,\"12/06/2026, 10:01\"\n\
                               3,d@x,\"12/06/2026, 10:02\"\nfour,e@x,\n"
        .into();
    let p = src.poll(&ctx, &name, url).await.unwrap();
    assert_eq!((p.report.rows, p.report.added, p.report.skipped), (2, 1, 1));
    assert!(
        p.problem.as_deref().unwrap().contains("line 5"),
        "{:?}",
        p.problem
    );
    assert_eq!(
        c.run(2).await.unwrap().unwrap().run.username.as_deref(),
        Some("c@x")
    );
    // A redirect is reported, not followed.
    let moved: SourceSpec = format!("{base}/moved.csv").parse().unwrap();
    let server::sources::Location::Url(moved_url) = &moved.location else {
        panic!()
    };
    let e = src.poll(&ctx, &moved.name(), moved_url).await.unwrap_err();
    assert!(e.to_string().contains("not followed"), "{e}");
    // Too large for the server's limit.
    let small = Context {
        limit: 16,
        ..ctx.clone()
    };
    let fresh = UrlState::new().unwrap();
    let e = fresh.poll(&small, &name, url).await.unwrap_err();
    assert!(e.to_string().contains("--max-inventory-mib"), "{e}");
    // An inventory with no entries yet is read once, then costs 304s too.
    let empty = Origin::default();
    let spec: SourceSpec = format!("{}/inventory.csv", origin(empty.clone()).await)
        .parse()
        .unwrap();
    let server::sources::Location::Url(url) = &spec.location else {
        panic!()
    };
    let src = UrlState::new().unwrap();
    let p = src.poll(&ctx, &spec.name(), url).await.unwrap();
    assert_eq!((p.report.rows, p.report.files), (0, 1));
    c.record_poll(&spec.name(), now_ms(), &p.report, p.cursor.as_deref(), None)
        .await
        .unwrap();
    let p = src.poll(&ctx, &spec.name(), url).await.unwrap();
    assert_eq!(p.report.files, 0);
    assert_eq!(
        (
            empty.full.load(Ordering::SeqCst),
            empty.not_modified.load(Ordering::SeqCst)
        ),
        (1, 1)
    );
}

async fn an_s3_prefix_is_imported_once_by_two_servers_even_out_of_order(db: &TestDb) {
    let Some(moto) = Moto::start() else { return };
    moto.create_bucket("svc");
    let entry = |id: i64, minute: u32| {
        format!(
            "{{\"connection_id\": {id}, \"username\": \"u{id}@x\", \"last_updated\": \"12/06/2026, 10:{minute:02}\", \"client_logs\": \"s3://svc/logs/c{id}.txt\"}}\n"
        )
    };
    let file = |ids: std::ops::Range<i64>| -> Vec<u8> {
        ids.map(|i| entry(i, (i % 60) as u32))
            .collect::<String>()
            .into_bytes()
    };
    let (a, b) = (file(1..201), file(201..401));
    moto.put(
        "svc",
        &[
            ("inventory/2026-12-06T1000.jsonl", &a),
            ("inventory/2026-12-06T1005.jsonl", &b),
            ("elsewhere/x.jsonl", b"{}"),
        ],
    );
    let source = format!(
        "s3://svc/inventory/?endpoint={}&{S3_OPTIONS}",
        moto.endpoint
    );
    let spec: SourceSpec = source.parse().unwrap();
    let name = spec.name();
    let server::sources::Location::Prefix { store, prefix } = spec.location.clone() else {
        panic!()
    };
    // Two servers on one catalog, each with its own connection.
    let other = Catalog::open(&db.url).await.unwrap();
    let (one, two) = (ctx(&db.catalog, "one"), ctx(&other, "two"));
    let (s1, s2) = (
        PrefixState::new(store.clone(), 1 << 20).unwrap(),
        PrefixState::new(store.clone(), 1 << 20).unwrap(),
    );
    let (p1, p2) = tokio::join!(
        s1.poll(&one, &name, &prefix, true),
        s2.poll(&two, &name, &prefix, true)
    );
    let (p1, p2) = (p1.unwrap(), p2.unwrap());
    assert_eq!(p1.report.files + p2.report.files, 2, "each file once");
    assert_eq!(p1.report.added + p2.report.added, 400);
    assert!(p1.report.lag_ms.or(p2.report.lag_ms).is_some());
    for p in [&p1, &p2] {
        db.catalog
            .record_poll(
                &name,
                now_ms(),
                &p.report,
                p.cursor.as_deref(),
                p.problem.as_deref(),
            )
            .await
            .unwrap();
    }
    assert_eq!(db.catalog.totals().await.unwrap().connections, 400);
    // A prefix this small is listed whole on every poll.
    assert!(s1.lists_all(1) && s2.lists_all(7));
    // Later: a file after the cursor, one uploaded late whose key sorts
    // before it, and one that is not an inventory at all.
    moto.put(
        "svc",
        &[
            ("inventory/2026-12-06T1010.jsonl", &file(401..411)),
            ("inventory/2026-12-06T0955.jsonl", &file(411..416)),
            ("inventory/2026-12-06T1011.csv", b"user,ip\nx,y\n"),
        ],
    );
    let p = s1.poll(&one, &name, &prefix, false).await.unwrap();
    assert_eq!(
        (p.report.files, p.report.added),
        (1, 10),
        "from the cursor on"
    );
    assert!(
        p.problem.as_deref().unwrap().contains("connection_id"),
        "{:?}",
        p.problem
    );
    db.catalog
        .record_poll(
            &name,
            now_ms(),
            &p.report,
            p.cursor.as_deref(),
            p.problem.as_deref(),
        )
        .await
        .unwrap();
    let p = s2.poll(&two, &name, &prefix, true).await.unwrap();
    assert_eq!(
        (p.report.files, p.report.added),
        (1, 5),
        "the late one, on a full listing"
    );
    let p = s1.poll(&one, &name, &prefix, true).await.unwrap();
    assert_eq!(p.report.files, 0, "nothing twice");
    assert_eq!(db.catalog.totals().await.unwrap().connections, 415);
    let (recorded, cursor) = db.catalog.source(&name).await.unwrap();
    assert_eq!((recorded.files, recorded.added), (3, 410));
    assert!(cursor.unwrap().ends_with("2026-12-06T1011.csv"));
    other.close().await;
}

async fn a_log_uploaded_after_its_entry_is_awaited_then_indexed(db: &TestDb) {
    let c = &db.catalog;
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let stores = Arc::new(LogStores::local(&logs).unwrap());
    let inventory = b"[{\"connection_id\": 5, \"last_updated\": \"12/06/2026, 10:00\", \"server_logs\": \"s5.txt\", \"client_logs\": \"c5.txt\"}]";
    server::import::import_bytes(c, inventory, |_, _| {})
        .await
        .unwrap();
    let indexer = Indexer::new(c.clone(), stores.clone()).with_late_window(3_600_000);
    indexer.drain("w").await.unwrap();
    let detail = c.run(5).await.unwrap().unwrap();
    assert_eq!(detail.run.server_state, LogState::Awaited);
    assert_eq!(detail.run.client_state, LogState::Awaited);
    assert!(reason(&detail, model::LogName::Server).contains("not yet uploaded"));
    // Not due yet: nothing is tried again at once.
    assert_eq!(indexer.drain("w").await.unwrap(), 0);
    // Uploaded now; once due, it is indexed.
    std::fs::write(
        logs.join("s5.txt"),
        "21:02:13:000001 | INFO    | main.c | f:1 | Latency: 0.0100\n",
    )
    .unwrap();
    // Past its window (1 ms here), the client log that never came fails,
    // saying why; the server log, there by then, is indexed.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let late = Indexer::new(c.clone(), stores).with_late_window(1);
    let due = now_ms() + server::indexer::DEFAULT_LATE_MS;
    while let Some(job) = c.lease_job("w", 60_000, due).await.unwrap() {
        late.run(job).await;
    }
    let detail = c.run(5).await.unwrap().unwrap();
    assert_eq!(detail.run.server_state, LogState::Indexed);
    assert_eq!(detail.run.client_state, LogState::Failed);
    let why = reason(&detail, model::LogName::Client);
    assert!(why.contains("not uploaded within 1 ms"), "{why}");
}

/// Why log `name` of a run is in its state.
fn reason(detail: &model::RunDetail, name: model::LogName) -> String {
    let log = detail.logs.iter().find(|l| l.name == name).unwrap();
    log.reason.clone().unwrap_or_default()
}
