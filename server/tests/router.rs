//! The HTTP application driven through its router, without a socket.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use server::catalog::MemoryCatalog;
use server::routes::router;
use server::site::leptos_options;
use server::state::AppState;
use tower::ServiceExt;

/// A sample corpus written once per test into its own temp dir.
fn corpus(connections: usize, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("logdeck-router-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    corpus::generate(
        &corpus::Config {
            connections,
            seed: 7,
        },
        &dir,
        |_, _| {},
    )
    .unwrap();
    dir
}

fn app(data: &std::path::Path, site: &std::path::Path) -> axum::Router {
    let catalog = MemoryCatalog::load(&data.join("inventory.json")).unwrap();
    router(AppState {
        leptos: leptos_options(site),
        catalog: Arc::new(catalog),
        log_dir: data.join("logs"),
    })
}

async fn send(app: &axum::Router, req: Request<Body>) -> (StatusCode, String) {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

#[tokio::test]
async fn page_is_rendered_on_the_server_with_the_first_rows() {
    let data = corpus(120, "page");
    let inventory: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(data.join("inventory.json")).unwrap()).unwrap();
    let app = app(&data, &data.join("no-site"));
    let (status, html) = send(&app, get("/")).await;
    assert_eq!(status, StatusCode::OK);
    for entry in &inventory[..50] {
        assert!(html.contains(&format!("data-connection=\"{}\"", entry["connection_id"])));
    }
    assert!(!html.contains(&format!(
        "data-connection=\"{}\"",
        inventory[50]["connection_id"]
    )));
    assert!(
        html.contains("/pkg/logdeck.js"),
        "hydration script is referenced"
    );
    assert!(html.contains(">120<"), "totals are rendered");
}

#[tokio::test]
async fn server_function_pages_with_a_cursor() {
    let data = corpus(30, "fn");
    let app = app(&data, &data);
    let form = |body: &str| {
        Request::post("/api/fn/connections")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let (status, body) = send(&app, form("limit=20")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page: app::model::ConnectionPage = serde_json::from_str(&body).unwrap();
    assert_eq!(page.rows.len(), 20);
    let next = page.next.expect("a second page");
    let (_, body) = send(&app, form(&format!("after={next}&limit=20"))).await;
    let page2: app::model::ConnectionPage = serde_json::from_str(&body).unwrap();
    assert_eq!(page2.rows.len(), 10);
    assert_eq!(page2.next, None);
    let (status, body) = send(&app, form("limit=0")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("limit must be between"), "{body}");
}

#[tokio::test]
async fn health_readiness_logs_and_not_found() {
    let data = corpus(10, "misc");
    let missing_site = app(&data, &data.join("no-site"));
    assert_eq!(
        send(&missing_site, get("/healthz")).await,
        (StatusCode::OK, "ok".into())
    );
    let (status, body) = send(&missing_site, get("/readyz")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("browser bundle missing"));

    let site = data.join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    for ext in ["js", "wasm", "css"] {
        std::fs::write(site.join("pkg").join(format!("logdeck.{ext}")), "x").unwrap();
    }
    let ready = app(&data, &site);
    let (status, body) = send(&ready, get("/readyz")).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let log = std::fs::read_dir(data.join("logs"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let (status, body) = send(
        &ready,
        get(&format!("/logs/{}", log.file_name().to_string_lossy())),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.len() as u64, log.metadata().unwrap().len());
    let (status, _) = send(&ready, get("/logs/..%2finventory.json")).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "no escape from the log store"
    );
    let (status, _) = send(&ready, get("/logs/../inventory.json")).await;
    assert_ne!(status, StatusCode::OK);

    let (status, html) = send(&ready, get("/no/such/page")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Not found"));
}
