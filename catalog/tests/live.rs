//! Task runs created by producers, on SQLite and PostgreSQL.

use catalog::{Catalog, TASK_ID_BASE, on_both};
use model::{LogName, LogState, RunKind, RunStatus, Topic};

on_both!(task_runs_get_their_own_ids_and_finish_once);

async fn task_runs_get_their_own_ids_and_finish_once(c: &Catalog) {
    let labels = vec![("host".to_string(), "ci-7".to_string())];
    let none = vec![];
    // Created concurrently, as by two server processes.
    let (a, b) = tokio::join!(
        c.create_task_run(
            "build",
            Some("make -j2"),
            &labels,
            "hash-a",
            1_700_000_000_000
        ),
        c.create_task_run("test", None, &none, "hash-b", 1_700_000_001_000),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a > TASK_ID_BASE && b > TASK_ID_BASE && a != b);
    let s = c.run_state(a).await.unwrap().unwrap();
    assert_eq!(
        (s.status, s.kind, s.exit_code),
        (RunStatus::Live, RunKind::Task, None)
    );
    assert_eq!(s.producer.as_deref(), Some("hash-a"), "the creator is kept");
    // The run is listed, newest first, with its name where the user goes.
    let run = c.run(a).await.unwrap().unwrap();
    assert_eq!(run.run.username.as_deref(), Some("build"));
    assert_eq!(run.run.updated_at, 1_700_000_000);

    assert!(
        c.finish_task_run(a, RunStatus::Failed, Some(2), 1_700_000_005_000)
            .await
            .unwrap()
    );
    assert!(
        !c.finish_task_run(a, RunStatus::Succeeded, Some(0), 1_700_000_006_000)
            .await
            .unwrap()
    );
    let s = c.run_state(a).await.unwrap().unwrap();
    assert_eq!((s.status, s.exit_code), (RunStatus::Failed, Some(2)));
    for not_an_end in [RunStatus::Live, RunStatus::Imported] {
        assert!(c.finish_task_run(b, not_an_end, Some(0), 0).await.is_err());
    }
    assert_eq!(c.run_state(12345).await.unwrap(), None);

    // Archiving: only ended runs, once; the log is queued for indexing.
    assert_eq!(c.unarchived_task_runs().await.unwrap(), vec![a]);
    assert!(
        !c.record_archived(b, "live/b.log", 0, 1_700_000_007_000)
            .await
            .unwrap(),
        "a live run is not archived"
    );
    let loc = format!("live/{a}.output.log");
    assert!(
        c.record_archived(a, &loc, 42, 1_700_000_007_000)
            .await
            .unwrap()
    );
    assert!(
        !c.record_archived(a, &loc, 42, 1_700_000_008_000)
            .await
            .unwrap(),
        "a second process finds it done"
    );
    assert!(c.unarchived_task_runs().await.unwrap().is_empty());
    let run = c.run(a).await.unwrap().unwrap();
    assert_eq!(run.run.output_log.as_deref(), Some(loc.as_str()));
    assert_eq!(run.run.output_state, LogState::Pending);
    assert_eq!(run.logs.len(), 1);
    assert_eq!(run.logs[0].name, LogName::Output);
    assert_eq!(run.logs[0].state, LogState::Pending);
    let job = c
        .lease_job("w", 60_000, 1_700_000_009_000)
        .await
        .unwrap()
        .expect("a job is queued");
    assert_eq!(
        (job.run_id, job.log, job.location),
        (a, LogName::Output, loc)
    );

    let events = c.events_after(0, 100).await.unwrap();
    let topics: Vec<&str> = events.iter().map(|e| e.topic.name()).collect();
    assert_eq!(topics.iter().filter(|t| **t == "run.started").count(), 2);
    let build = events.iter().find_map(|e| match &e.topic {
        Topic::RunStarted(s) if s.run_id == a => Some(s),
        _ => None,
    });
    assert_eq!(
        build.map(|s| (s.name.as_str(), s.labels.clone())),
        Some(("build", vec![("host".to_string(), "ci-7".to_string())]))
    );
    assert_eq!(topics.iter().filter(|t| **t == "run.finished").count(), 1);
    assert_eq!(topics.iter().filter(|t| **t == "log.sealed").count(), 1);
}

on_both!(tokens_are_created_found_by_hash_and_revoked);

async fn tokens_are_created_found_by_hash_and_revoked(c: &Catalog) {
    use model::{TokenInfo, TokenScope};
    assert!(c.tokens().await.unwrap().is_empty());
    assert!(!c.has_tokens(TokenScope::Producer).await.unwrap());
    assert!(
        c.create_token("ci", "aa11", TokenScope::Producer, 5)
            .await
            .unwrap()
    );
    assert!(
        !c.create_token("ci", "bb22", TokenScope::Inventory, 6)
            .await
            .unwrap(),
        "names are unique"
    );
    assert!(!c.has_tokens(TokenScope::Inventory).await.unwrap());
    assert!(
        c.create_token("service", "cc33", TokenScope::Inventory, 7)
            .await
            .unwrap()
    );
    assert!(c.has_tokens(TokenScope::Inventory).await.unwrap());
    assert_eq!(
        c.token_by_hash("aa11").await.unwrap(),
        Some(("ci".to_string(), TokenScope::Producer))
    );
    assert_eq!(
        c.token_by_hash("cc33").await.unwrap(),
        Some(("service".to_string(), TokenScope::Inventory))
    );
    assert_eq!(c.token_by_hash("bb22").await.unwrap(), None);
    let info = |name: &str, scope, created_ms| TokenInfo {
        name: name.into(),
        scope,
        created_ms,
    };
    assert_eq!(
        c.tokens().await.unwrap(),
        vec![
            info("ci", TokenScope::Producer, 5),
            info("service", TokenScope::Inventory, 7)
        ]
    );
    assert!(c.revoke_token("ci").await.unwrap());
    assert!(!c.revoke_token("ci").await.unwrap());
    assert_eq!(c.token_by_hash("aa11").await.unwrap(), None);
}
