//! Indexing jobs: leasing, expiry, completion exactly once, retries, failures,
//! template totals and the event feed, on SQLite and PostgreSQL.

use catalog::on_both;

use catalog::{Catalog, InventoryRow, Job, JobOutcome};
use model::{
    Level, LogName, LogState, LogSummary, MetricStats, RunQuery, Sort, TemplateCount, Topic,
};

fn runs(n: i64) -> Vec<InventoryRow> {
    (1..=n)
        .map(|id| InventoryRow {
            connection_id: id,
            username: Some(format!("user{id}@example.com")),
            ip: "10.0.0.1".into(),
            last_updated: String::new(),
            updated_at: id,
            version: None,
            client_logs: Some(format!("client{id}.txt")),
            server_logs: Some(format!("server{id}.txt")),
        })
        .collect()
}

fn template(level: Level, text: &str, count: u64) -> TemplateCount {
    TemplateCount {
        level,
        template: text.into(),
        count,
        example: text.into(),
        first_line: 1,
    }
}

fn summary(lines: u64, errors: u64, p50: f64, templates: Vec<TemplateCount>) -> LogSummary {
    LogSummary {
        bytes: lines * 80,
        lines,
        parsed: lines,
        errors,
        info: lines - errors,
        latency: MetricStats {
            count: 3,
            p50: Some(p50),
            p95: Some(p50 * 2.0),
            ..MetricStats::default()
        },
        templates,
        sparkline: vec![1.0, 2.0],
        ..LogSummary::default()
    }
}

async fn a_job_survives_its_worker_and_completes_once(cat: &Catalog) {
    cat.upsert_runs(&runs(1), 0).await.unwrap();
    let lease = 30_000;
    let a = cat
        .lease_job("worker-a", lease, 1_000)
        .await
        .unwrap()
        .unwrap();
    let b = cat
        .lease_job("worker-b", lease, 1_000)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(a.id, b.id, "two workers never hold the same job");
    assert!(
        cat.lease_job("worker-c", lease, 1_000)
            .await
            .unwrap()
            .is_none()
    );

    // Worker A dies holding its job. Before the lease expires nobody takes it;
    // after, worker C does.
    assert!(
        cat.lease_job("worker-c", lease, 1_000 + lease - 1)
            .await
            .unwrap()
            .is_none()
    );
    let c = cat
        .lease_job("worker-c", lease, 1_000 + lease + 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((c.id, c.attempts), (a.id, 2));

    let s = summary(
        100,
        5,
        0.03,
        vec![template(Level::Error, "disk <n> full", 5)],
    );
    assert_eq!(
        cat.complete_job(&c, &s, 40_000).await.unwrap(),
        JobOutcome::Done
    );
    // The dead worker coming back late cannot complete it again.
    assert_eq!(
        cat.complete_job(&a, &s, 41_000).await.unwrap(),
        JobOutcome::LeaseLost
    );
    assert_eq!(
        cat.fail_job(&a, "late", false, 41_000).await.unwrap(),
        JobOutcome::LeaseLost
    );
    assert_eq!(
        cat.complete_job(&c, &s, 42_000).await.unwrap(),
        JobOutcome::LeaseLost
    );

    let events = cat.events_after(0, 100).await.unwrap();
    let indexed: Vec<_> = events
        .iter()
        .filter(|e| matches!(e.topic, Topic::LogIndexed(_)))
        .collect();
    assert_eq!(indexed.len(), 1, "{events:?}");
    assert_eq!(indexed[0].topic.run_id(), 1);

    let status = cat.job_status().await.unwrap();
    assert_eq!(
        (status.queued, status.running, status.done, status.failed),
        (0, 1, 1, 0)
    );
}

async fn summaries_feed_the_run_columns_and_totals(cat: &Catalog) {
    cat.upsert_runs(&runs(3), 0).await.unwrap();
    let mut done = 0;
    while let Some(job) = cat.lease_job("w", 60_000, 10).await.unwrap() {
        let (lines, errors, templates) = match (job.run_id, job.log) {
            (1, LogName::Client) => (
                100,
                10,
                vec![
                    template(Level::Error, "a", 6),
                    template(Level::Error, "b", 4),
                ],
            ),
            (1, LogName::Server) => (100, 0, vec![]),
            (2, LogName::Client) => (50, 1, vec![template(Level::Error, "a", 1)]),
            (2, LogName::Server) => (
                50,
                1,
                vec![
                    template(Level::Error, "a", 1),
                    template(Level::Warning, "w", 3),
                ],
            ),
            (3, _) => (10, 0, vec![]),
            _ => unreachable!(),
        };
        let p50 = job.run_id as f64 / 100.0;
        let out = cat
            .complete_job(&job, &summary(lines, errors, p50, templates), 20)
            .await
            .unwrap();
        assert_eq!(out, JobOutcome::Done);
        done += 1;
    }
    assert_eq!(done, 6);

    let d = cat.run(1).await.unwrap().unwrap();
    assert_eq!((d.run.lines, d.run.errors), (Some(200), Some(10)));
    assert_eq!(d.run.error_pct, Some(5.0));
    assert_eq!(d.run.latency_p50, Some(0.01));
    assert_eq!(d.run.client_state, LogState::Indexed);
    assert_eq!(d.run.sparkline, vec![1.0, 2.0]);
    assert_eq!(d.logs[0].summary.as_ref().unwrap().errors, 10);

    let by_errors = cat
        .list_runs(&RunQuery {
            sort: Sort::Errors,
            limit: 2,
            ..RunQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        by_errors.rows.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![1, 2]
    );
    let rest = cat
        .list_runs(&RunQuery {
            sort: Sort::Errors,
            limit: 2,
            after: by_errors.next,
            ..RunQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(rest.rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![3]);
    let by_p95 = cat
        .list_runs(&RunQuery {
            sort: Sort::LatencyP95,
            limit: 10,
            ..RunQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        by_p95.rows.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![3, 2, 1]
    );
    let with_errors = cat
        .list_runs(&RunQuery {
            has_errors: true,
            limit: 10,
            ..RunQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(with_errors.rows.len(), 2);

    // "a": 6 + 1 + 1 lines, in runs 1 and 2 (run 2 has it in both logs: once).
    let top = cat.top_templates(Level::Error, 10).await.unwrap();
    assert_eq!(top[0].template, "a");
    assert_eq!((top[0].count, top[0].runs), (8, 2));
    assert_eq!(
        (top[1].template.as_str(), top[1].count, top[1].runs),
        ("b", 4, 1)
    );
    assert_eq!(
        cat.top_templates(Level::Warning, 10).await.unwrap().len(),
        1
    );

    let t = cat.totals().await.unwrap();
    assert_eq!((t.indexed_logs, t.errors), (6, 12));

    // A task whose output happens to carry `Latency:` lines is no session:
    // it stays out of the sessions' scatter and histogram.
    let (task, job) = archived_task(cat).await;
    // Its errors are no session's either: the most common errors stay.
    let before = cat.top_templates(Level::Error, 10).await.unwrap();
    cat.complete_job(
        &job,
        &summary(10, 9, 39.0, vec![template(Level::Error, "a", 500)]),
        24,
    )
    .await
    .unwrap();
    let indexed = cat.run(task).await.unwrap().unwrap().run;
    assert_eq!(indexed.latency_p50, Some(39.0), "the task has figures");
    assert_eq!(cat.top_templates(Level::Error, 10).await.unwrap(), before);

    let evl = cat.errors_vs_latency(false).await.unwrap();
    assert_eq!(evl.runs, 3);
    assert_eq!(evl.points.len(), 3);
    assert!(evl.spearman.is_some());
    let h = cat.latency_histogram(4, false).await.unwrap();
    assert_eq!(h.runs, 3);
    assert_eq!(h.buckets.iter().map(|b| b.count).sum::<u64>(), 3);
    // Asked for, the task counts too.
    let with = cat.errors_vs_latency(true).await.unwrap();
    assert_eq!(with.runs, 4);
    assert!(
        with.points
            .iter()
            .any(|p| p.run_id == task && p.latency_p50 == 39.0)
    );
    assert_eq!(cat.latency_histogram(4, true).await.unwrap().runs, 4);
}

async fn reindexing_replaces_template_counts(cat: &Catalog) {
    let mut inv = runs(1);
    inv[0].server_logs = None;
    cat.upsert_runs(&inv, 0).await.unwrap();
    let job = cat.lease_job("w", 60_000, 10).await.unwrap().unwrap();
    cat.complete_job(
        &job,
        &summary(10, 3, 0.1, vec![template(Level::Error, "x", 3)]),
        11,
    )
    .await
    .unwrap();
    // The log moves: re-imported, re-indexed with other content.
    inv[0].client_logs = Some("moved/client1.txt".into());
    assert_eq!(cat.upsert_runs(&inv, 12).await.unwrap().jobs_queued, 1);
    let job = cat.lease_job("w", 60_000, 13).await.unwrap().unwrap();
    assert_eq!(job.location, "moved/client1.txt");
    cat.complete_job(
        &job,
        &summary(10, 1, 0.1, vec![template(Level::Error, "y", 1)]),
        14,
    )
    .await
    .unwrap();
    let top = cat.top_templates(Level::Error, 10).await.unwrap();
    assert_eq!(
        top.iter()
            .map(|t| (t.template.as_str(), t.count, t.runs))
            .collect::<Vec<_>>(),
        vec![("y", 1, 1)]
    );
}

async fn failures_retry_with_backoff_then_stick(cat: &Catalog) {
    let mut inv = runs(2);
    inv[0].server_logs = None;
    inv[1].server_logs = None;
    cat.upsert_runs(&inv, 0).await.unwrap();
    // A transient failure is retried after a delay.
    let job = cat.lease_job("w", 60_000, 0).await.unwrap().unwrap();
    let out = cat
        .fail_job(&job, "connection reset", false, 100)
        .await
        .unwrap();
    assert_eq!(out, JobOutcome::Retrying { after_ms: 1000 });
    let other = cat.lease_job("w", 60_000, 100).await.unwrap().unwrap();
    assert_ne!(other.id, job.id, "not due yet");
    let again = cat.lease_job("w", 60_000, 1_100).await.unwrap().unwrap();
    assert_eq!((again.id, again.attempts), (job.id, 2));
    // A permanent failure sticks, with its reason, and is reported.
    let out = cat
        .fail_job(&again, "404 Not Found: client1.txt", true, 1_200)
        .await
        .unwrap();
    assert_eq!(out, JobOutcome::Failed);
    let d = cat.run(job.run_id).await.unwrap().unwrap();
    assert_eq!(d.run.client_state, LogState::Failed);
    assert_eq!(
        d.logs[0].reason.as_deref(),
        Some("404 Not Found: client1.txt")
    );
    let status = cat.job_status().await.unwrap();
    assert_eq!(status.failed, 1);
    assert_eq!(
        status.recent_failures[0].reason,
        "404 Not Found: client1.txt"
    );
    assert!(
        cat.events_after(0, 10)
            .await
            .unwrap()
            .iter()
            .any(|e| matches!(e.topic, Topic::IndexFailed(_)))
    );
    // Re-importing retries failed jobs.
    assert_eq!(cat.upsert_runs(&inv, 2_000).await.unwrap().jobs_queued, 1);

    // Running out of attempts fails for good too.
    cat.fail_job(&other, "timeout", false, 2_000).await.unwrap();
    let mut now = 2_000;
    let mut last = JobOutcome::Done;
    for _ in 0..10 {
        now += 400_000;
        let Some(j) = cat.lease_job("w", 60_000, now).await.unwrap() else {
            break;
        };
        if j.id != other.id {
            cat.complete_job(&j, &summary(1, 0, 0.1, vec![]), now)
                .await
                .unwrap();
            continue;
        }
        last = cat.fail_job(&j, "timeout", false, now).await.unwrap();
    }
    assert_eq!(last, JobOutcome::Failed);
}

async fn events_replay_from_any_seq(cat: &Catalog) {
    let mut inv = runs(5);
    for r in &mut inv {
        r.server_logs = None;
    }
    cat.upsert_runs(&inv, 0).await.unwrap();
    while let Some(j) = cat.lease_job("w", 60_000, 1).await.unwrap() {
        // A log without latency points leaves the run's latency unknown.
        let s = if j.run_id == 3 {
            LogSummary::default()
        } else {
            summary(1, 0, 0.1, vec![])
        };
        assert_eq!(cat.complete_job(&j, &s, 2).await.unwrap(), JobOutcome::Done);
    }
    assert_eq!(cat.run(3).await.unwrap().unwrap().run.latency_p50, None);
    let all = cat.events_after(0, 100).await.unwrap();
    // The runs' arrival (one event for the batch), then each log indexed.
    assert_eq!(all.len(), 6);
    match &all[0].topic {
        model::Topic::RunsAdded(a) => assert_eq!(a.count, 5),
        other => panic!("{other:?}"),
    }
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
    let tail = cat.events_after(all[2].seq, 100).await.unwrap();
    assert_eq!(tail, all[3..].to_vec());
    assert_eq!(
        cat.events_after(all[0].seq, 2).await.unwrap(),
        all[1..3].to_vec()
    );
    assert!(cat.events_after(0, 0).await.is_err());
}

on_both!(
    a_job_survives_its_worker_and_completes_once,
    summaries_feed_the_run_columns_and_totals,
    reindexing_replaces_template_counts,
    failures_retry_with_backoff_then_stick,
    events_replay_from_any_seq,
);

/// A finished task run whose output was archived, and the indexing job
/// for it, leased.
async fn archived_task(cat: &Catalog) -> (i64, Job) {
    let task = cat
        .create_task_run("bench", None, &[], "producer", 20)
        .await
        .unwrap();
    cat.finish_task_run(task, model::RunStatus::Succeeded, Some(0), 21)
        .await
        .unwrap();
    assert!(
        cat.record_archived(task, "live/t.log", 10, 22)
            .await
            .unwrap()
    );
    let job = cat.lease_job("w", 60_000, 23).await.unwrap().unwrap();
    assert_eq!(job.run_id, task);
    (task, job)
}

/// A catalog from before tasks' output left the templates: on open, what
/// it counted for them is taken out again, on both engines.
async fn counted_task_templates_leave_on_open(db: catalog::testing::TestDb) {
    let cat = &db.catalog;
    let (_, job) = archived_task(cat).await;
    let s = summary(10, 7, 0.1, vec![template(Level::Error, "task says no", 7)]);
    cat.complete_job(&job, &s, 24).await.unwrap();
    assert!(
        cat.top_templates(Level::Error, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // As that catalog had it: counted, filed, and the migration's marker.
    for sql in [
        "INSERT INTO template_totals (level, template, count, runs) VALUES ('ERROR', 'task says no', 7, 1)",
        "INSERT INTO catalog_meta (key, value) VALUES ('drop_task_templates', 'pending')",
    ] {
        sqlx::query(sql).execute(cat.pool()).await.unwrap();
    }
    assert_eq!(cat.top_templates(Level::Error, 10).await.unwrap().len(), 1);
    let reopened = Catalog::open(&db.url).await.unwrap();
    assert!(
        reopened
            .top_templates(Level::Error, 10)
            .await
            .unwrap()
            .is_empty()
    );
    reopened.close().await;
    db.drop_schema().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counted_task_templates_leave_on_open_sqlite() {
    counted_task_templates_leave_on_open(catalog::testing::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counted_task_templates_leave_on_open_postgres() {
    if let Some(db) = catalog::testing::postgres().await {
        counted_task_templates_leave_on_open(db).await;
    }
}
