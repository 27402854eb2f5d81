//! The run list against a reference model, on SQLite and PostgreSQL.
//!
//! Each case generates an inventory unlike the sample corpus — nulls in
//! every optional field, ties in time and in every sort key, runs with and
//! without indexed logs, non-ASCII, mixed-case and wildcard-laden
//! usernames, NUL — imports it, indexes some of its logs with generated
//! summaries and templates, bookmarks some runs, and then walks every page
//! of generated queries (filters, a search by username, IP or id, a
//! template) through the router (`GET /api/runs`), comparing the walk with
//! the same query computed in memory: every run exactly once, in order,
//! nothing extra, and the first page's count of matches. proptest shrinks a
//! failure to a small inventory and query.
//!
//! `LOGDECK_MODEL_CASES` sets the number of cases per engine (default 96).

mod support;

use std::collections::{BTreeSet, HashMap};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use catalog::Catalog;
use model::{Level, LogSummary, MatchCount, MetricStats, RunPage, Sort, TemplateCount};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};

/// One generated run, as the inventory writes it and as indexing leaves it.
#[derive(Debug, Clone)]
struct GenRun {
    id: i64,
    /// As written in the inventory (maybe blank, `"null"`, padded, with NUL).
    username: Option<String>,
    /// The IP address, from a small set (shared prefixes, both cases).
    ip: &'static str,
    /// Minute of the day from a small set (ties), or no `last_updated`.
    minute: Option<u32>,
    version: Option<String>,
    /// The client log: absent, or present and maybe indexed as (lines,
    /// errors, p95 latency).
    client: Option<Option<(u64, u64, Option<f64>)>>,
    /// The server log: absent, or present and maybe indexed as (lines, errors).
    server: Option<Option<(u64, u64)>>,
    /// Which of [`TEMPLATES`] the client and the server log have (bit i:
    /// template i), when indexed.
    templates: (u8, u8),
    bookmarked: bool,
}

/// Templates the logs may have (NUL and non-ASCII included; one level's
/// template text also appears at the other level).
const TEMPLATES: &[(Level, &str)] = &[
    (Level::Error, "disk <*> full"),
    (Level::Warning, "disk <*> full"),
    (Level::Error, "Ünï <*> 😀 & more"),
    (Level::Error, "nul \0 here"),
    (Level::Warning, "slow frame <*>"),
];

const IPS: &[&str] = &[
    "10.0.0.1",
    "10.0.0.12",
    "10.0.1.1",
    "192.168.0.10",
    "fe80::1",
    "FE80::A2",
    "",
];

/// One query of the run list.
#[derive(Debug, Clone)]
struct GenQuery {
    sort: Sort,
    limit: u32,
    has_errors: bool,
    missing_client: bool,
    missing_server: bool,
    version: Option<String>,
    bookmarked: bool,
    user: Option<String>,
    /// An index into [`TEMPLATES`], or one no log has.
    template: Option<(Level, &'static str)>,
}

const NAMES: &[&str] = &[
    "Noah.Smith@Example.com",
    "noah",
    "ÄNNA@Müller.de",
    "anna",
    "a%b_c\\d",
    "Ωmega Ω",
    "x",
    "İstanbul",
    "émile@x.fr",
    "ab\0cd",
    "  padded@x  ",
    "null",
    "",
    "   ",
];

/// Characters terms and random names are made of: cases, wildcards,
/// escapes, quotes, non-ASCII, NUL.
const ALPHABET: &[char] = &[
    'a', 'A', 'b', 'B', 'n', '%', '_', '\\', '"', '\'', ' ', 'é', 'É', 'ß', 'Ω', 'ω', '\0', '@',
    '.',
];

fn text_from(alphabet: &'static [char], len: std::ops::Range<usize>) -> BoxedStrategy<String> {
    prop::collection::vec(prop::sample::select(alphabet), len)
        .prop_map(|cs| cs.into_iter().collect())
        .boxed()
}

fn username() -> BoxedStrategy<Option<String>> {
    prop_oneof![
        2 => Just(None),
        6 => prop::sample::select(NAMES).prop_map(|s| Some(s.to_string())),
        3 => text_from(ALPHABET, 1..7).prop_map(Some),
    ]
    .boxed()
}

fn gen_run(id: i64) -> impl Strategy<Value = GenRun> {
    let indexed_client = prop_oneof![
        Just(None),
        (
            0u64..4,
            0u64..4,
            prop::option::of(prop::sample::select(&[0.0, 0.25, 0.5][..]))
        )
            .prop_map(|(l, e, p)| Some((l.max(e), e, p))),
    ];
    let indexed_server = prop_oneof![
        Just(None),
        (0u64..4, 0u64..3).prop_map(|(l, e)| Some((l.max(e), e))),
    ];
    (
        username(),
        prop::option::of(prop::sample::select(&[0u32, 1, 2, 700][..])),
        prop::option::of(prop::sample::select(&["v1", "v2", "Ünï"][..])),
        prop::option::of(indexed_client),
        prop::option::of(indexed_server),
        prop::bool::weighted(0.25),
        prop::sample::select(IPS),
        (0u8..32, 0u8..32),
    )
        .prop_map(
            move |(username, minute, version, client, server, bookmarked, ip, templates)| GenRun {
                id,
                username,
                ip,
                minute,
                version: version.map(str::to_string),
                client,
                server,
                templates,
                bookmarked,
            },
        )
}

fn gen_runs() -> impl Strategy<Value = Vec<GenRun>> {
    // Distinct ids, in no particular order.
    prop::collection::btree_set(1i64..400, 0..45).prop_flat_map(|ids| {
        let runs: Vec<_> = ids.into_iter().map(gen_run).collect();
        runs.prop_shuffle()
    })
}

fn term() -> BoxedStrategy<String> {
    prop_oneof![
        4 => text_from(ALPHABET, 1..4),
        2 => prop::sample::select(&[
            "%", "_", "\\", "\0", "zzqx", "NOAH", "ä", "ÄnNa", "müller", "İ", "i̇", "ω", "a%b",
            "b_c", "\"", " noah ", "@example.com", "x",
        ][..])
        .prop_map(str::to_string),
        // The start of an IP, in either case.
        2 => (prop::sample::select(IPS), 1usize..9, any::<bool>()).prop_map(|(ip, len, upper)| {
            let piece = &ip[..len.min(ip.len())];
            if upper { piece.to_uppercase() } else { piece.to_string() }
        }),
        // A connection id (the ids are 1..400), maybe as `#id`.
        2 => (1i64..400, any::<bool>()).prop_map(|(id, hash)| {
            if hash { format!("#{id}") } else { id.to_string() }
        }),
        // A piece of a name, in another case.
        2 => (prop::sample::select(NAMES), 0usize..12, 1usize..4).prop_map(|(n, at, len)| {
            let cs: Vec<char> = n.chars().collect();
            let at = at.min(cs.len());
            let piece: String = cs[at..(at + len).min(cs.len())].iter().collect();
            if at % 2 == 0 { piece.to_uppercase() } else { piece }
        }),
    ]
    .boxed()
}

fn gen_query() -> impl Strategy<Value = GenQuery> {
    (
        prop::sample::select(Sort::ALL),
        prop::sample::select(&[1u32, 2, 3, 7, 100][..]),
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.2),
        prop::option::weighted(0.2, prop::sample::select(&["v1", "v2", "Ünï", "v3"][..])),
        prop::bool::weighted(0.15),
        prop::option::weighted(0.6, term()),
        prop::option::weighted(
            0.3,
            prop_oneof![
                4 => prop::sample::select(TEMPLATES),
                1 => Just((Level::Error, "no such template")),
            ],
        ),
    )
        .prop_map(
            |(
                sort,
                limit,
                has_errors,
                missing_client,
                missing_server,
                version,
                bookmarked,
                user,
                template,
            )| {
                GenQuery {
                    sort,
                    limit,
                    has_errors,
                    missing_client,
                    missing_server,
                    version: version.map(str::to_string),
                    bookmarked,
                    user,
                    template,
                }
            },
        )
}

// ---- the reference model -------------------------------------------------

/// A username as the catalog keeps it: NUL replaced, trimmed, and blank,
/// `null` or `None` meaning none.
fn stored_name(raw: &Option<String>) -> Option<String> {
    let s = raw.as_deref()?.replace('\0', "\u{FFFD}");
    let t = s.trim();
    (!t.is_empty() && t != "null" && t != "None").then(|| t.to_string())
}

fn fold(s: &str) -> String {
    s.replace('\0', "\u{FFFD}").to_lowercase()
}

/// Whether a search for `term` (trimmed, not blank) finds run `r`: the
/// term is a piece of its username (case folded), the start of its IP (a
/// term of hex digits, dots and colons, with a digit and a dot or colon;
/// either case), or its id (digits, maybe after `#`).
fn searched(r: &GenRun, term: &str) -> bool {
    let by_name = stored_name(&r.username).is_some_and(|n| fold(&n).contains(&fold(term)));
    let ip_like = term
        .chars()
        .all(|c| c.is_ascii_hexdigit() || c == '.' || c == ':')
        && term.contains(['.', ':'])
        && term.chars().any(|c| c.is_ascii_digit());
    let by_ip = ip_like && r.ip.to_lowercase().starts_with(&term.to_lowercase());
    let digits = term.strip_prefix('#').unwrap_or(term);
    let by_id = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && digits.parse::<i64>() == Ok(r.id);
    by_name || by_ip || by_id
}

/// Whether an indexed log of `r` has the template.
fn has_template(r: &GenRun, t: (Level, &str)) -> bool {
    let Some(i) = TEMPLATES.iter().position(|x| *x == t) else {
        return false;
    };
    let client = r.client.flatten().is_some() && r.templates.0 & (1 << i) != 0;
    let server = r.server.flatten().is_some() && r.templates.1 & (1 << i) != 0;
    client || server
}

/// A run's sort keys as the model computes them.
struct Keys {
    updated_at: i64,
    errors: i64,
    error_pct: f64,
    p95: f64,
}

fn keys(r: &GenRun) -> Keys {
    let client = r.client.flatten();
    let server = r.server.flatten();
    let indexed = client.is_some() || server.is_some();
    let lines = client.map_or(0, |c| c.0) + server.map_or(0, |s| s.0);
    let errors = client.map_or(0, |c| c.1) + server.map_or(0, |s| s.1);
    Keys {
        updated_at: r.minute.map_or(0, |m| 1_593_561_600 + i64::from(m) * 60),
        errors: errors as i64,
        error_pct: if indexed {
            model::percent(errors, lines)
        } else {
            -1.0
        },
        p95: client.and_then(|c| c.2).unwrap_or(-1.0),
    }
}

/// The ids the query should list, in order.
fn expected(runs: &[GenRun], q: &GenQuery) -> Vec<i64> {
    let term = q.user.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let version = q
        .version
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let mut rows: Vec<(&GenRun, Keys)> = runs
        .iter()
        .map(|r| (r, keys(r)))
        .filter(|(r, k)| {
            (!q.has_errors || k.errors > 0)
                && (!q.missing_client || r.client.is_none())
                && (!q.missing_server || r.server.is_none())
                && version.is_none_or(|v| r.version.as_deref() == Some(v))
                && (!q.bookmarked || r.bookmarked)
                && term.is_none_or(|t| searched(r, t))
                && q.template.is_none_or(|t| has_template(r, t))
        })
        .collect();
    rows.sort_by(|(a, ka), (b, kb)| {
        let by_key = match q.sort {
            Sort::Newest => kb.updated_at.cmp(&ka.updated_at),
            Sort::Oldest => ka.updated_at.cmp(&kb.updated_at),
            Sort::Errors => kb.error_pct.total_cmp(&ka.error_pct),
            Sort::LatencyP95 => kb.p95.total_cmp(&ka.p95),
        };
        let by_id = if q.sort == Sort::Oldest {
            a.id.cmp(&b.id)
        } else {
            b.id.cmp(&a.id)
        };
        by_key.then(by_id)
    });
    rows.into_iter().map(|(r, _)| r.id).collect()
}

// ---- the system under test ------------------------------------------------

struct Engine {
    name: &'static str,
    catalog: Catalog,
    /// Routers over the same catalog with different search limits, so that
    /// every search plan (ids, walk) runs on small inventories.
    apps: Vec<(String, axum::Router)>,
    _data: tempfile::TempDir,
}

/// Search limits the routers use: the defaults, always walking the list,
/// and a mix that changes plan at a few matches.
const LIMITS: [catalog::SearchLimits; 3] = [
    catalog::SearchLimits {
        dense_runs: 5000,
        many_names: 1000,
        count_cap: 10_000,
        estimate_from: i64::MAX,
    },
    catalog::SearchLimits {
        dense_runs: 1,
        many_names: 0,
        count_cap: 1,
        estimate_from: i64::MAX,
    },
    catalog::SearchLimits {
        dense_runs: 3,
        many_names: 2,
        count_cap: 4,
        estimate_from: i64::MAX,
    },
];

async fn engine(name: &'static str, db: &catalog::testing::TestDb) -> Engine {
    let data = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(data.path().join("logs")).unwrap();
    let mut apps = Vec::new();
    for (i, limits) in LIMITS.into_iter().enumerate() {
        let dir = data.path().join(format!("app{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        let stores = logstore::LogStores::local(&data.path().join("logs")).unwrap();
        let live = server::live::Live::open(
            &dir,
            None,
            "",
            server::live::Tokens::new(Vec::<String>::new()),
        )
        .await
        .unwrap();
        let state = server::state::AppState::new(
            server::site::leptos_options(&dir.join("no-site")),
            db.catalog.clone().with_search_limits(limits),
            stores,
            live,
        );
        apps.push((format!("{name} {limits:?}"), server::routes::router(state)));
    }
    Engine {
        name,
        catalog: db.catalog.clone(),
        apps,
        _data: data,
    }
}

/// [`support::send`], without the headers.
async fn call(app: &axum::Router, req: Request<Body>) -> (StatusCode, Vec<u8>) {
    let (status, _, body) = support::send(app, req).await;
    (status, body)
}

/// Empties the catalog's tables so a case starts from nothing.
async fn reset(cat: &Catalog) {
    for table in [
        "bookmarks",
        "jobs",
        "logs",
        "template_totals",
        "log_templates",
        "runs",
    ] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(cat.pool())
            .await
            .unwrap();
    }
}

fn summary(lines: u64, errors: u64, p95: Option<f64>, templates: u8) -> LogSummary {
    LogSummary {
        lines,
        errors,
        info: lines - errors,
        templates: TEMPLATES
            .iter()
            .enumerate()
            .filter(|(i, _)| templates & (1 << i) != 0)
            .map(|(i, &(level, template))| TemplateCount {
                level,
                template: template.to_string(),
                count: i as u64 + 1,
                example: template.to_string(),
                first_line: 1,
            })
            .collect(),
        latency: MetricStats {
            count: p95.is_some() as u64,
            p95,
            p50: p95,
            ..MetricStats::default()
        },
        ..LogSummary::default()
    }
}

/// Imports `runs` through the inventory path, indexes what they say is
/// indexed, and bookmarks through the API.
async fn load(e: &Engine, runs: &[GenRun]) {
    reset(&e.catalog).await;
    let inventory: Vec<Value> = runs
        .iter()
        .map(|r| {
            json!({
                "connection_id": r.id,
                "username": r.username,
                "ip": r.ip,
                "last_updated": r.minute.map(|m| format!("07/01/2020, {:02}:{:02}", m / 60, m % 60)),
                "version": r.version,
                "client_logs": r.client.map(|_| format!("client{}.txt", r.id)),
                "server_logs": r.server.map(|_| format!("server{}.txt", r.id)),
            })
        })
        .collect();
    let bytes = serde_json::to_vec(&inventory).unwrap();
    let report = server::import::import_bytes(&e.catalog, &bytes, |_, _| {})
        .await
        .unwrap();
    assert_eq!(report.rows as usize, runs.len(), "{}: import", e.name);

    let by_id: HashMap<i64, &GenRun> = runs.iter().map(|r| (r.id, r)).collect();
    while let Some(job) = e
        .catalog
        .lease_job("model", 60_000, catalog::now_ms())
        .await
        .unwrap()
    {
        let r = by_id[&job.run_id];
        let s = match job.log {
            model::LogName::Client => r
                .client
                .flatten()
                .map(|(l, er, p)| summary(l, er, p, r.templates.0)),
            model::LogName::Server => r
                .server
                .flatten()
                .map(|(l, er)| summary(l, er, None, r.templates.1)),
            model::LogName::Output => None,
        };
        if let Some(s) = s {
            let done = e
                .catalog
                .complete_job(&job, &s, catalog::now_ms())
                .await
                .unwrap();
            assert_eq!(done, catalog::JobOutcome::Done);
        }
    }
    for r in runs.iter().filter(|r| r.bookmarked) {
        let req = Request::put(format!("/api/runs/{}/bookmark", r.id))
            .body(Body::empty())
            .unwrap();
        let (status, body) = call(&e.apps[0].1, req).await;
        assert_eq!(
            status,
            StatusCode::NO_CONTENT,
            "{}",
            String::from_utf8_lossy(&body)
        );
    }
}

fn uri(q: &GenQuery, after: Option<&str>) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("sort", q.sort.as_str());
    s.append_pair("limit", &q.limit.to_string());
    if q.has_errors {
        s.append_pair("has_errors", "true");
    }
    let missing: Vec<&str> = [
        q.missing_client.then_some("client"),
        q.missing_server.then_some("server"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !missing.is_empty() {
        s.append_pair("missing", &missing.join(","));
    }
    if let Some(v) = &q.version {
        s.append_pair("version", v);
    }
    if q.bookmarked {
        s.append_pair("bookmarked", "true");
    }
    // An empty parameter is refused (leaving it out is the default).
    if let Some(u) = q.user.as_ref().filter(|u| !u.is_empty()) {
        s.append_pair("user", u);
    }
    if let Some((level, t)) = q.template {
        s.append_pair("template", t);
        if level != Level::Error {
            s.append_pair("template_level", level.as_str());
        }
    }
    if let Some(a) = after {
        s.append_pair("after", a);
    }
    format!("/api/runs?{}", s.finish())
}

/// Walks every page of `q`; the ids in the order served, and the first
/// page's count.
async fn walk(
    name: &str,
    app: &axum::Router,
    q: &GenQuery,
) -> Result<(Vec<i64>, Option<MatchCount>), TestCaseError> {
    let mut ids = Vec::new();
    let mut matches = None;
    let mut after: Option<String> = None;
    for _ in 0..1000 {
        let u = uri(q, after.as_deref());
        let (status, body) = call(app, Request::get(&u).body(Body::empty()).unwrap()).await;
        prop_assert_eq!(
            status,
            StatusCode::OK,
            "{}: {} answered {}",
            name,
            u,
            String::from_utf8_lossy(&body)
        );
        let page: RunPage = serde_json::from_slice(&body).unwrap();
        prop_assert!(page.rows.len() <= q.limit as usize);
        prop_assert!(
            !page.rows.is_empty() || (after.is_none() && page.next.is_none()),
            "{}: an empty page in the middle of {}",
            name,
            u
        );
        if after.is_none() {
            matches = page.matches;
        } else {
            prop_assert_eq!(page.matches, None, "{}: a count on a later page", name);
        }
        ids.extend(page.rows.iter().map(|r| r.id));
        match page.next {
            Some(n) => after = Some(n),
            None => return Ok((ids, matches)),
        }
    }
    Err(TestCaseError::fail(format!("{name}: more than 1000 pages")))
}

fn check(
    rt: &tokio::runtime::Runtime,
    e: &Engine,
    runs: &[GenRun],
    queries: &[GenQuery],
) -> Result<(), TestCaseError> {
    rt.block_on(async {
        load(e, runs).await;
        for q in queries {
            let want = expected(runs, q);
            let narrowed = q.has_errors
                || q.missing_client
                || q.missing_server
                || q.version.is_some()
                || q.bookmarked
                || q.user.as_deref().is_some_and(|u| !u.trim().is_empty())
                || q.template.is_some();
            for ((name, app), limits) in e.apps.iter().zip(LIMITS) {
                let (got, matches) = walk(name, app, q).await?;
                let distinct: BTreeSet<i64> = got.iter().copied().collect();
                prop_assert_eq!(distinct.len(), got.len(), "{}: a run listed twice", name);
                prop_assert_eq!(&got, &want, "{}: {:?}", name, q);
                let cap = limits.count_cap as usize;
                let count = narrowed.then_some(MatchCount::counted(want.len() as u64, cap as u64));
                prop_assert_eq!(matches, count, "{}: the count of {:?}", name, q);
            }
        }
        Ok(())
    })
}

fn cases() -> u32 {
    std::env::var("LOGDECK_MODEL_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(96)
}

fn run_model(
    name: &'static str,
    open: fn() -> futures::future::BoxFuture<'static, Option<catalog::testing::TestDb>>,
) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let Some(db) = rt.block_on(open()) else {
        return;
    };
    let e = rt.block_on(engine(name, &db));
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (gen_runs(), prop::collection::vec(gen_query(), 1..10));
    let result = runner.run(&strategy, |(runs, queries)| check(&rt, &e, &runs, &queries));
    rt.block_on(db.drop_schema());
    if let Err(err) = result {
        panic!("{name}: {err}");
    }
}

#[test]
fn run_list_matches_the_model_on_sqlite() {
    run_model("sqlite", || {
        Box::pin(async { Some(catalog::testing::sqlite().await) })
    });
}

#[test]
fn run_list_matches_the_model_on_postgres() {
    run_model("postgres", || Box::pin(catalog::testing::postgres()));
}
