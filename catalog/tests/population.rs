//! Builds compared, outlier sessions and a user's history, on SQLite and
//! PostgreSQL, on synthetic sessions whose truth is known: a planted
//! regression, planted outliers, and builds all drawn from one
//! distribution. Sessions go in the way real ones do: imported, then their
//! logs' summaries stored by indexing jobs.

use catalog::on_both;

use catalog::{Catalog, InventoryRow};
use model::{LogSummary, Measure, MetricStats, PopulationRules, RunQuery, Verdict};
use popstats::testing::Rng;

/// A session: its latency and decode time (median, p95), seconds.
#[derive(Clone, Copy)]
struct Session {
    latency: (f64, f64),
    decode: (f64, f64),
    errors: u64,
}

/// A session drawn from the common distribution, latency scaled by `scale`.
fn draw(rng: &mut Rng, scale: f64) -> Session {
    let lat = 0.060 * (0.15 * rng.normal()).exp() * scale;
    let dec = 0.004 * (0.15 * rng.normal()).exp();
    Session {
        latency: (lat, lat * (1.6 + 0.1 * rng.unit())),
        decode: (dec, dec * (1.5 + 0.1 * rng.unit())),
        errors: if rng.unit() < 0.3 { 1 } else { 0 },
    }
}

fn stats(count: u64, (p50, p95): (f64, f64)) -> MetricStats {
    MetricStats {
        count,
        p50: Some(p50),
        p95: Some(p95),
        ..MetricStats::default()
    }
}

/// Imports the sessions as runs of their builds (one client log each, a
/// build's sessions an hour after the previous build's, user `ann` on
/// every fifth) and indexes them.
async fn load(cat: &Catalog, builds: &[(&str, Vec<Session>)]) -> Vec<Vec<i64>> {
    let mut rows = Vec::new();
    let mut ids = Vec::new();
    let mut sessions = std::collections::HashMap::new();
    let mut id = 0;
    for (b, (version, list)) in builds.iter().enumerate() {
        let mut these = Vec::new();
        for (k, s) in list.iter().enumerate() {
            id += 1;
            these.push(id);
            sessions.insert(id, *s);
            rows.push(InventoryRow {
                connection_id: id,
                username: Some(if id % 5 == 0 {
                    "ann".into()
                } else {
                    format!("u{id}")
                }),
                ip: "10.0.0.1".into(),
                last_updated: String::new(),
                updated_at: 1_700_000_000 + b as i64 * 3600 + k as i64,
                version: Some(version.to_string()),
                client_logs: Some(format!("c{id}.txt")),
                server_logs: None,
            });
        }
        ids.push(these);
    }
    cat.upsert_runs(&rows, 1).await.unwrap();
    while let Some(job) = cat.lease_job("t", 60_000, 2).await.unwrap() {
        let s = sessions[&job.run_id];
        let summary = LogSummary {
            lines: 100,
            errors: s.errors,
            latency: stats(50, s.latency),
            decode_time: stats(50, s.decode),
            ..LogSummary::default()
        };
        cat.complete_job(&job, &summary, 3).await.unwrap();
    }
    ids
}

fn rules() -> PopulationRules {
    PopulationRules::default()
}

async fn a_planted_regression_is_flagged_on_its_metric(cat: &Catalog) {
    let mut rng = Rng(7);
    let mut build = |scale: f64| (0..120).map(|_| draw(&mut rng, scale)).collect::<Vec<_>>();
    let builds = [
        ("1.0", build(1.0)),
        ("1.1", build(1.0)),
        // Latency 40 % higher.
        ("1.2", build(1.4)),
        // And back.
        ("1.3", build(1.0)),
        // Too few to say.
        ("1.4", (0..5).map(|_| draw(&mut rng, 3.0)).collect()),
    ];
    load(cat, &builds).await;
    assert_eq!(cat.stale_builds(&rules()).await.unwrap().len(), 5);
    assert_eq!(cat.refresh_builds(&rules(), 4).await.unwrap(), 5);
    assert!(cat.stale_builds(&rules()).await.unwrap().is_empty());

    let report = cat.builds_report(None, &rules()).await.unwrap();
    let verdicts: Vec<(&str, Verdict)> = report
        .builds
        .iter()
        .map(|b| (b.version.as_str(), b.verdict))
        .collect();
    // Worse first, then the newest.
    assert_eq!(
        verdicts,
        [
            ("1.2", Verdict::Worse),
            ("1.4", Verdict::TooFew),
            ("1.3", Verdict::Better),
            ("1.1", Verdict::Same),
            ("1.0", Verdict::Baseline),
        ]
    );
    let worse = &report.builds[0];
    assert_eq!(worse.baseline.as_deref(), Some("1.1"));
    assert_eq!(worse.sessions, 120);
    assert_eq!(worse.measured, 120);
    for m in &worse.measures {
        // No session logged encoding: nothing to compare.
        if matches!(
            m.measure,
            Measure::EncodeP50 | Measure::EncodeP95 | Measure::SizeP50 | Measure::SizeP95
        ) {
            assert_eq!((m.sessions, m.comparison, m.median), (0, None, None));
            continue;
        }
        let c = m.comparison.expect("compared");
        let latency = matches!(m.measure, Measure::LatencyP50 | Measure::LatencyP95);
        assert_eq!(c.worse, latency, "{:?}: {c:?}", m.measure);
        if latency {
            assert!(c.cliffs_delta > 0.8 && c.p_adjusted < 1e-6, "{c:?}");
            // Median 60 ms × 0.4 higher, within the spread of the draw.
            let want = if m.measure == Measure::LatencyP50 {
                0.024
            } else {
                0.04
            };
            assert!((c.median_change - want).abs() < want * 0.35, "{c:?}");
        }
        assert_eq!(m.sessions, 120);
        assert_eq!(m.bars.iter().sum::<u64>(), 120);
    }
    // Every build × measure with values compared but the too-few one's.
    assert_eq!(report.comparisons, 3 * 5);
    assert_eq!(report.updating, 0);

    // Against a picked baseline.
    let picked = cat.builds_report(Some("1.0"), &rules()).await.unwrap();
    let of = |v: &str| {
        picked
            .builds
            .iter()
            .find(|b| b.version == v)
            .unwrap()
            .verdict
    };
    assert_eq!(of("1.0"), Verdict::Baseline);
    assert_eq!(of("1.2"), Verdict::Worse);
    assert_eq!(of("1.3"), Verdict::Same);
    assert_eq!(of("1.1"), Verdict::Same);
    assert!(matches!(
        cat.builds_report(Some("nope"), &rules()).await,
        Err(catalog::CatalogError::NotFound(_))
    ));

    // Indexing a log again makes its build stale, and only it.
    let q = RunQuery {
        version: Some("1.3".into()),
        limit: 1,
        ..RunQuery::default()
    };
    let run = cat.list_runs(&q).await.unwrap().rows[0].id;
    cat.upsert_runs(
        &[InventoryRow {
            connection_id: run,
            username: None,
            ip: "10.0.0.1".into(),
            last_updated: String::new(),
            updated_at: 1_700_000_000 + 3 * 3600,
            version: Some("1.3".into()),
            client_logs: Some("moved.txt".into()),
            server_logs: None,
        }],
        6,
    )
    .await
    .unwrap();
    assert_eq!(cat.stale_builds(&rules()).await.unwrap(), ["1.3"]);
}

async fn with_no_effect_no_build_is_flagged(cat: &Catalog) {
    // Four seeds of ten builds each, every session from one distribution:
    // no build may be flagged (Holm keeps the chance of any false finding
    // in a report at alpha), against the build before or a picked one,
    // and the raw p-values must be about uniform.
    let mut builds: Vec<(String, Vec<Session>)> = Vec::new();
    for seed in [2024, 7, 99, 31337] {
        let mut rng = Rng(seed);
        for b in 0..10 {
            let sessions = (0..40).map(|_| draw(&mut rng, 1.0)).collect();
            builds.push((format!("s{seed}-b{b:02}"), sessions));
        }
    }
    let named: Vec<(&str, Vec<Session>)> = builds
        .iter()
        .map(|(v, s)| (v.as_str(), s.clone()))
        .collect();
    load(cat, &named).await;
    cat.refresh_builds(&rules(), 4).await.unwrap();
    for baseline in [None, Some("s2024-b00"), Some("s99-b05")] {
        let report = cat.builds_report(baseline, &rules()).await.unwrap();
        assert_eq!(report.comparisons, 39 * 5);
        let flagged: Vec<&str> = report
            .builds
            .iter()
            .filter(|b| matches!(b.verdict, Verdict::Worse | Verdict::Better))
            .map(|b| b.version.as_str())
            .collect();
        assert!(flagged.is_empty(), "{baseline:?}: {flagged:?}");
        if baseline.is_some() {
            // Every comparison shares the one baseline: their p-values
            // move together, and say nothing about uniformity.
            continue;
        }
        let mut ps: Vec<f64> = report
            .builds
            .iter()
            .flat_map(|b| &b.measures)
            .filter_map(|m| m.comparison)
            .map(|c| c.p)
            .collect();
        ps.sort_by(f64::total_cmp);
        // 195 comparisons of neighbours: about 10 at or below 0.05, and a
        // median p near 0.5 (neighbours share a sample, so the margins
        // are wide).
        let below = ps.iter().filter(|p| **p <= 0.05).count();
        let median = ps[ps.len() / 2];
        assert!(
            (2..=25).contains(&below) && (0.35..=0.65).contains(&median),
            "{below} of {} raw p-values at or below 0.05, median {median}",
            ps.len()
        );
    }
}

async fn planted_outliers_are_found_and_explained(cat: &Catalog) {
    // A fifth of one build's sessions have a p95 latency ten times the
    // rest: the median and MAD barely move, so every one is found and no
    // other session is.
    let mut rng = Rng(99);
    let mut sessions: Vec<Session> = (0..200).map(|_| draw(&mut rng, 1.0)).collect();
    for s in sessions.iter_mut().step_by(5) {
        s.latency.1 *= 10.0;
    }
    let other: Vec<Session> = (0..50).map(|_| draw(&mut rng, 1.0)).collect();
    let ids = load(cat, &[("2.0", sessions), ("2.1", other)]).await;
    cat.refresh_builds(&rules(), 4).await.unwrap();
    let planted: Vec<i64> = ids[0].iter().copied().step_by(5).collect();

    let mut q = RunQuery {
        outliers: true,
        sort: model::Sort::Oldest,
        limit: 500,
        ..RunQuery::default()
    };
    let page = cat.list_runs(&q).await.unwrap();
    let found: Vec<i64> = page.rows.iter().map(|r| r.id).collect();
    assert_eq!(found, planted);
    assert_eq!(page.matches.unwrap().runs, 40);
    assert!(
        page.rows
            .iter()
            .all(|r| r.outlier == Some(Measure::LatencyP95))
    );
    // Every order walks its own index and finds the same runs.
    for sort in [
        model::Sort::Newest,
        model::Sort::Errors,
        model::Sort::LatencyP95,
    ] {
        q.sort = sort;
        let mut got: Vec<i64> = cat
            .list_runs(&q)
            .await
            .unwrap()
            .rows
            .iter()
            .map(|r| r.id)
            .collect();
        got.sort();
        assert_eq!(got, planted, "{sort:?}");
    }

    let detail = cat.run(planted[3]).await.unwrap().unwrap();
    let note = detail.outlier.expect("an outlier says why");
    assert_eq!(note.measure, Measure::LatencyP95);
    assert_eq!(note.version, "2.0");
    assert!(note.score >= rules().outlier_score, "{note:?}");
    // The median of the clean sessions' p95 (60 ms × ~1.65), not pulled up.
    assert!((note.median - 0.099).abs() < 0.01, "{note:?}");
    assert!(cat.run(ids[0][1]).await.unwrap().unwrap().outlier.is_none());
    let report = cat.builds_report(None, &rules()).await.unwrap();
    let b = report.builds.iter().find(|b| b.version == "2.0").unwrap();
    assert_eq!(b.outliers, 40);

    // A stricter threshold, once applied, unflags what falls below it.
    let strict = PopulationRules {
        outlier_score: 1e6,
        ..rules()
    };
    assert_eq!(cat.stale_builds(&strict).await.unwrap().len(), 2);
    cat.refresh_builds(&strict, 5).await.unwrap();
    q.sort = model::Sort::Newest;
    assert!(cat.list_runs(&q).await.unwrap().rows.is_empty());
    assert!(
        cat.run(planted[0])
            .await
            .unwrap()
            .unwrap()
            .outlier
            .is_none()
    );
}

async fn a_users_history_is_their_sessions_in_order(cat: &Catalog) {
    let mut rng = Rng(5);
    let a: Vec<Session> = (0..30).map(|_| draw(&mut rng, 1.0)).collect();
    let b: Vec<Session> = (0..30).map(|_| draw(&mut rng, 2.0)).collect();
    let ids = load(cat, &[("3.0", a), ("3.1", b)]).await;
    cat.refresh_builds(&rules(), 4).await.unwrap();
    let h = cat.user_history("ann").await.unwrap().unwrap();
    let want: Vec<i64> = ids.concat().into_iter().filter(|id| id % 5 == 0).collect();
    assert_eq!(h.points.iter().map(|p| p.run_id).collect::<Vec<_>>(), want);
    assert_eq!(h.sessions, want.len() as u64);
    assert_eq!(h.builds, ["3.0", "3.1"]);
    assert!(h.points.windows(2).all(|w| w[0].at <= w[1].at));
    let lat = Measure::LatencyP95.index();
    let first = h.points.first().unwrap().values[lat].unwrap();
    let last = h.points.last().unwrap().values[lat].unwrap();
    assert!(last > first, "{first} -> {last}");
    assert!(cat.user_history("nobody").await.unwrap().is_none());
    assert!(cat.user_history("ANN").await.unwrap().is_none());
    assert!(cat.user_history("a\0n").await.unwrap().is_none());
}

on_both!(
    a_planted_regression_is_flagged_on_its_metric,
    with_no_effect_no_build_is_flagged,
    planted_outliers_are_found_and_explained,
    a_users_history_is_their_sessions_in_order,
);
