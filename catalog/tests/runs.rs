//! Import, keyset pages, search, filters and totals, on SQLite and PostgreSQL.

use catalog::on_both;

use catalog::{Catalog, CatalogError, InventoryRow};
use model::{LogState, RunQuery, Sort};

fn row(id: i64, user: Option<&str>, minute: i64) -> InventoryRow {
    InventoryRow {
        connection_id: id,
        username: user.map(str::to_string),
        ip: format!("10.0.{}.{}", id / 256 % 256, id % 256),
        last_updated: String::new(),
        updated_at: 1_600_000_000 + minute * 60,
        version: Some(if id % 3 == 0 {
            "AAAA".into()
        } else {
            "BBBB".into()
        }),
        client_logs: (id % 5 == 0).then(|| format!("client{id}.txt")),
        server_logs: (id % 50 != 7).then(|| format!("server{id}.txt")),
    }
}

/// 1,234 runs; several share a minute so ties on the sort key are common.
fn inventory() -> Vec<InventoryRow> {
    (1..=1234)
        .map(|id| {
            let user = match id % 9 {
                0 => None,
                1 => Some("Noah.Smith@Example.com"),
                2 => Some("ana_p%50@example.org"),
                _ => Some("someone@example.net"),
            };
            row(id, user, id / 4)
        })
        .collect()
}

async fn all_pages(cat: &Catalog, mut q: RunQuery) -> Vec<i64> {
    let mut ids = Vec::new();
    loop {
        let page = cat.list_runs(&q).await.unwrap();
        assert!(page.rows.len() <= q.limit as usize);
        ids.extend(page.rows.iter().map(|r| r.id));
        match page.next {
            Some(next) => q.after = Some(next),
            None => return ids,
        }
    }
}

fn query(limit: u32) -> RunQuery {
    RunQuery {
        limit,
        ..RunQuery::default()
    }
}

async fn pages_cover_every_run_once_in_order(cat: &Catalog) {
    let stats = cat.upsert_runs(&inventory(), 1).await.unwrap();
    assert_eq!((stats.inserted, stats.updated), (1234, 0));
    // Every present log is queued once.
    let logs = inventory()
        .iter()
        .map(|r| r.client_logs.is_some() as u64 + r.server_logs.is_some() as u64)
        .sum::<u64>();
    assert_eq!(stats.jobs_queued, logs);

    let mut expected: Vec<(i64, i64)> = inventory()
        .iter()
        .map(|r| (r.updated_at, r.connection_id))
        .collect();
    expected.sort_by(|a, b| b.cmp(a));
    let newest = all_pages(cat, query(100)).await;
    assert_eq!(newest, expected.iter().map(|e| e.1).collect::<Vec<_>>());

    let oldest = all_pages(
        cat,
        RunQuery {
            sort: Sort::Oldest,
            ..query(77)
        },
    )
    .await;
    let mut reversed = newest.clone();
    reversed.reverse();
    assert_eq!(oldest, reversed);

    let first = cat.list_runs(&query(3)).await.unwrap();
    let r = &first.rows[0];
    assert_eq!(r.id, 1234);
    assert_eq!(r.client_state, LogState::Missing);
    assert_eq!(r.server_state, LogState::Pending);
    assert_eq!(r.lines, None);
    assert!(!r.bookmarked);

    let t = cat.totals().await.unwrap();
    assert_eq!(t.connections, 1234);
    assert_eq!(t.client_logs, 1234 / 5);
    assert_eq!(t.users, 3);
}

async fn reimport_updates_and_requeues_only_what_changed(cat: &Catalog) {
    let mut rows = inventory();
    cat.upsert_runs(&rows, 1).await.unwrap();
    let before = cat.job_status().await.unwrap();
    // Move one log, rename one user, leave the rest.
    rows[9].server_logs = Some("elsewhere/server10.txt".into());
    rows[10].username = Some("renamed@example.com".into());
    rows[4].client_logs = None; // id 5 loses its client log
    let stats = cat.upsert_runs(&rows, 2).await.unwrap();
    assert_eq!((stats.inserted, stats.updated), (0, 1234));
    assert_eq!(stats.jobs_queued, 1);
    let after = cat.job_status().await.unwrap();
    assert_eq!(after.queued, before.queued - 1);

    let d = cat.run(10).await.unwrap().unwrap();
    assert_eq!(d.run.server_log.as_deref(), Some("elsewhere/server10.txt"));
    let d = cat.run(5).await.unwrap().unwrap();
    assert_eq!(d.run.client_state, LogState::Missing);
    assert_eq!(d.logs[0].state, LogState::Missing);
    let found = cat
        .list_runs(&RunQuery {
            user: Some("RENAMED".into()),
            ..query(10)
        })
        .await
        .unwrap();
    assert_eq!(
        found.rows.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![11]
    );
    assert!(cat.run(999_999).await.unwrap().is_none());
}

async fn search_is_case_insensitive_substring_over_all_rows(cat: &Catalog) {
    cat.upsert_runs(&inventory(), 1).await.unwrap();
    let noah = |r: &InventoryRow| r.username.as_deref() == Some("Noah.Smith@Example.com");
    let expected: Vec<i64> = {
        let mut v: Vec<_> = inventory()
            .into_iter()
            .filter(noah)
            .map(|r| (r.updated_at, r.connection_id))
            .collect();
        v.sort_by(|a, b| b.cmp(a));
        v.into_iter().map(|x| x.1).collect()
    };
    for term in ["noah", "NOAH.SMITH@example.COM", "h.sm", "ah", " noah "] {
        let got = all_pages(
            cat,
            RunQuery {
                user: Some(term.into()),
                ..query(25)
            },
        )
        .await;
        assert_eq!(got, expected, "search {term:?}");
    }
    // Wildcards are literal.
    let pct = all_pages(
        cat,
        RunQuery {
            user: Some("%5".into()),
            ..query(500)
        },
    )
    .await;
    assert_eq!(
        pct.len(),
        inventory()
            .iter()
            .filter(|r| r.connection_id % 9 == 2)
            .count()
    );
    let under = all_pages(
        cat,
        RunQuery {
            user: Some("a_p".into()),
            ..query(500)
        },
    )
    .await;
    assert_eq!(under.len(), pct.len());
    assert!(
        all_pages(
            cat,
            RunQuery {
                user: Some("a%p".into()),
                ..query(500)
            }
        )
        .await
        .is_empty()
    );
    assert!(
        all_pages(
            cat,
            RunQuery {
                user: Some("nobody-at-all".into()),
                ..query(500)
            }
        )
        .await
        .is_empty()
    );
    // Quotes cannot break out of the search.
    assert!(
        all_pages(
            cat,
            RunQuery {
                user: Some("\"noah\" OR \"x".into()),
                ..query(500)
            }
        )
        .await
        .is_empty()
    );
    // Combined with a filter and a sort.
    let with_version = all_pages(
        cat,
        RunQuery {
            user: Some("noah".into()),
            version: Some("BBBB".into()),
            sort: Sort::Oldest,
            ..query(7)
        },
    )
    .await;
    assert!(!with_version.is_empty());
    assert!(with_version.iter().all(|id| id % 3 != 0 && id % 9 == 1));
    assert!(with_version.windows(2).all(|w| w[0] < w[1]), "oldest first");
}

async fn filters(cat: &Catalog) {
    cat.upsert_runs(&inventory(), 1).await.unwrap();
    let missing_client = all_pages(
        cat,
        RunQuery {
            missing_client: true,
            ..query(500)
        },
    )
    .await;
    assert_eq!(missing_client.len(), 1234 - 1234 / 5);
    let missing_server = all_pages(
        cat,
        RunQuery {
            missing_server: true,
            ..query(500)
        },
    )
    .await;
    assert!(missing_server.iter().all(|id| id % 50 == 7));
    assert_eq!(
        missing_server.len(),
        inventory()
            .iter()
            .filter(|r| r.server_logs.is_none())
            .count()
    );
    assert!(
        all_pages(
            cat,
            RunQuery {
                has_errors: true,
                ..query(500)
            }
        )
        .await
        .is_empty()
    );

    assert!(
        cat.set_bookmark(17, "look at this", "ana", 5)
            .await
            .unwrap()
    );
    assert!(cat.set_bookmark(18, "", "ben", 6).await.unwrap());
    assert!(!cat.set_bookmark(99_999, "", "ben", 6).await.unwrap());
    let marked = all_pages(
        cat,
        RunQuery {
            bookmarked: true,
            ..query(500)
        },
    )
    .await;
    assert_eq!(marked, vec![18, 17]);
    assert_eq!(
        cat.run(17).await.unwrap().unwrap().bookmark_note.as_deref(),
        Some("look at this")
    );
    let who: Vec<(i64, Option<String>)> = cat
        .bookmarks()
        .await
        .unwrap()
        .into_iter()
        .map(|b| (b.run_id, b.created_by))
        .collect();
    assert_eq!(who, [(18, Some("ben".into())), (17, Some("ana".into()))]);
    let all = all_pages(cat, query(500)).await;
    assert_eq!(all.len(), 1234);
    let page = cat
        .list_runs(&RunQuery {
            bookmarked: true,
            ..query(1)
        })
        .await
        .unwrap();
    assert!(page.rows[0].bookmarked);
    assert!(cat.remove_bookmark(18).await.unwrap());
    assert!(!cat.remove_bookmark(18).await.unwrap());
    assert_eq!(cat.bookmarks().await.unwrap().len(), 1);
}

async fn bad_parameters_are_bad_requests(cat: &Catalog) {
    cat.upsert_runs(&inventory()[..10], 1).await.unwrap();
    for q in [
        query(0),
        query(501),
        RunQuery {
            after: Some("garbage".into()),
            ..query(10)
        },
    ] {
        match cat.list_runs(&q).await {
            Err(CatalogError::BadRequest(msg)) => assert!(!msg.is_empty()),
            other => panic!("{q:?} gave {other:?}"),
        }
    }
    // A well-formed cursor of another order does not fit the list: a
    // conflict, not a malformed request.
    let other_order = RunQuery {
        after: Some("errors~1.5~3".into()),
        ..query(10)
    };
    assert!(matches!(
        cat.list_runs(&other_order).await,
        Err(CatalogError::Conflict(_))
    ));
}

/// A list found walking an order's index, with statistics and more
/// entries than `estimate_from`, has its count estimated from the walk
/// (said to be an estimate, and near the truth on evenly spread runs); a
/// page that is not full counts exactly, as does a walk without
/// statistics.
async fn counts_are_estimated_where_counting_costs_more_than_the_page(cat: &Catalog) {
    cat.upsert_runs(&inventory(), 1).await.unwrap();
    let limits = catalog::SearchLimits {
        // Every term with matches walks the list.
        dense_runs: 1,
        many_names: 0,
        count_cap: 10_000,
        estimate_from: 100,
    };
    let count = |cat: Catalog, q: RunQuery| async move {
        cat.with_search_limits(limits)
            .list_runs(&q)
            .await
            .unwrap()
            .matches
            .unwrap()
    };
    let someone = RunQuery {
        user: Some("someone".into()),
        ..query(50)
    };
    // No statistics yet: counted.
    let m = count(cat.clone(), someone.clone()).await;
    let users = |u: &str, rows: &[InventoryRow]| {
        rows.iter()
            .filter(|r| r.username.as_deref().is_some_and(|n| n.contains(u)))
            .count() as u64
    };
    let truth = users("someone", &inventory());
    assert_eq!((m.runs, m.estimate), (truth, false));

    cat.analyze().await.unwrap();
    let near = |m: model::MatchCount, truth: u64| {
        assert!(m.estimate, "{m:?} is an estimate");
        let (lo, hi) = (truth * 3 / 4, truth * 5 / 4);
        assert!((lo..=hi).contains(&m.runs), "{m:?} is near {truth}");
        assert!(m.to_string().starts_with("about "));
    };
    // A full page: the page's own walk; a page of one: the walk's start.
    near(count(cat.clone(), someone.clone()).await, truth);
    near(
        count(
            cat.clone(),
            RunQuery {
                limit: 1,
                ..someone.clone()
            },
        )
        .await,
        truth,
    );
    // Sorted by errors, through that order's index.
    near(
        count(
            cat.clone(),
            RunQuery {
                sort: Sort::Errors,
                ..someone.clone()
            },
        )
        .await,
        truth,
    );
    // A filter alone walks its partial index: about its entries.
    let no_client_runs: Vec<InventoryRow> = inventory()
        .into_iter()
        .filter(|r| r.client_logs.is_none())
        .collect();
    let no_client = no_client_runs.len() as u64;
    near(
        count(
            cat.clone(),
            RunQuery {
                missing_client: true,
                ..query(100)
            },
        )
        .await,
        no_client,
    );
    // A search within that filter.
    near(
        count(
            cat.clone(),
            RunQuery {
                missing_client: true,
                ..someone.clone()
            },
        )
        .await,
        users("someone", &no_client_runs),
    );
    // A page that holds every match counts them.
    let noah = count(
        cat.clone(),
        RunQuery {
            user: Some("noah".into()),
            ..query(500)
        },
    )
    .await;
    assert_eq!(
        (noah.runs, noah.estimate),
        (users("Noah", &inventory()), false)
    );
    // Below `estimate_from`, counted.
    let exact = cat
        .clone()
        .with_search_limits(catalog::SearchLimits {
            estimate_from: 2000,
            ..limits
        })
        .list_runs(&someone)
        .await
        .unwrap()
        .matches
        .unwrap();
    assert_eq!((exact.runs, exact.estimate), (truth, false));
}

/// Matches gathered in one part of the order (an address range the older
/// runs had, a user who stopped): the page's walk sees none of them or all
/// of them, yet the estimate is near the count.
async fn estimates_hold_where_matches_cluster_in_the_order(cat: &Catalog) {
    // 6,400 runs: the newest 1,600 from one domain with the lowest ids, the
    // older from another with ids in a block millions up, the oldest of
    // them nearly a trillion up (ids evenly over their range would find
    // almost none of the runs).
    let runs: Vec<InventoryRow> = (1..=6400)
        .map(|i| {
            let (id, user) = match i {
                1 => (900_000_000_000, "old@past.example"),
                ..=4800 => (5_000_000 + i, "old@past.example"),
                _ => (i - 4800, "fresh@new.example"),
            };
            row(id, Some(user), i)
        })
        .collect();
    cat.upsert_runs(&runs, 1).await.unwrap();
    cat.analyze().await.unwrap();
    let cat = cat.clone().with_search_limits(catalog::SearchLimits {
        dense_runs: 1,
        many_names: 0,
        count_cap: 10_000,
        estimate_from: 100,
    });
    for (term, truth) in [
        ("past.example", 4800u64),
        ("new.example", 1600),
        ("example", 6400),
    ] {
        for (limit, sort) in [(100, Sort::Newest), (1, Sort::Newest), (100, Sort::Oldest)] {
            let q = RunQuery {
                user: Some(term.into()),
                sort,
                ..query(limit)
            };
            let m = cat.list_runs(&q).await.unwrap().matches.unwrap();
            let (lo, hi) = (truth * 4 / 5, truth * 6 / 5);
            assert!(
                m.estimate && (lo..=hi).contains(&m.runs),
                "{term} ({limit}, {sort:?}): {m:?} is near {truth}"
            );
        }
    }
}

/// Several steps of an import (each one transaction; on PostgreSQL two in
/// flight at once) end as if applied one after the other in order: an id
/// in two steps has the later step's fields, a step that updates runs
/// already there requeues only what moved, progress counts whole steps.
async fn an_import_in_steps_ends_as_the_steps_applied_in_order(cat: &Catalog) {
    use std::collections::BTreeMap;
    let step = cat.tx_rows();
    // Runs there before, with their logs' jobs queued.
    let before: Vec<InventoryRow> = (1..=300)
        .map(|id| row(id, Some("early@example.com"), id))
        .collect();
    cat.upsert_runs(&before, 1).await.unwrap();
    // Four steps: fresh ids; the second repeats ids of the first (and one
    // twice in itself: the first entry counts); the third updates runs that
    // were there before, moving the server log of one; the last is short.
    let mut rows = Vec::new();
    for i in 0..step as i64 {
        rows.push(row(100_000 + i, Some("first@example.com"), 10_000 + i));
    }
    for i in 0..step as i64 {
        let id = if i < 40 { 100_000 + i * 7 } else { 200_000 + i };
        rows.push(row(id, Some("second@example.com"), 20_000 + i));
    }
    rows[step + 50] = row(100_000 + 14, Some("twice-first@example.com"), 1);
    rows[step + 51] = row(100_000 + 14, Some("twice-second@example.com"), 2);
    for i in 0..step as i64 {
        let id = if i < 300 { i + 1 } else { 300_000 + i };
        rows.push(row(id, Some("third@example.com"), 30_000 + i));
    }
    rows[2 * step + 9].server_logs = Some("moved/server10.txt".into());
    for i in 0..123 {
        rows.push(row(400_000 + i, None, 40_000 + i));
    }
    // The reference: each step's first entry of an id, steps in order.
    let mut model: BTreeMap<i64, &InventoryRow> =
        before.iter().map(|r| (r.connection_id, r)).collect();
    let (mut inserted, mut queued) = (0, 0);
    let logs = |r: &InventoryRow| [r.client_logs.clone(), r.server_logs.clone()];
    for chunk in rows.chunks(step) {
        let mut seen = std::collections::HashSet::new();
        for r in chunk.iter().filter(|r| seen.insert(r.connection_id)) {
            let was = model.insert(r.connection_id, r).map(logs);
            inserted += u64::from(was.is_none());
            let old = was.unwrap_or_default();
            queued += logs(r)
                .iter()
                .zip(&old)
                .filter(|(new, old)| new.is_some() && new != old)
                .count() as u64;
        }
    }
    let mut progress = Vec::new();
    let stats = cat
        .upsert_runs_in_steps(&rows, 2, |done| progress.push(done))
        .await
        .unwrap();
    assert_eq!(progress, vec![step, 2 * step, 3 * step, 3 * step + 123]);
    assert_eq!((stats.inserted, stats.jobs_queued), (inserted, queued));
    assert_eq!(cat.totals().await.unwrap().connections, model.len() as i64);
    for id in [
        1, 10, 150, 300, 100_000, 100_007, 100_014, 100_013, 200_040, 300_300, 400_122,
    ] {
        let want = model[&id];
        let got = cat.run(id).await.unwrap().unwrap().run;
        assert_eq!(
            (
                got.username.as_deref(),
                got.updated_at,
                got.server_log.as_deref()
            ),
            (
                want.username.as_deref(),
                want.updated_at,
                want.server_logs.as_deref()
            ),
            "run {id}"
        );
    }
}

/// A step that fails stops the import there: the steps before it are
/// written, the one after it (on PostgreSQL already writing beside it) is
/// not, and the error says how many rows went in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_that_fails_keeps_exactly_the_steps_before() {
    // PostgreSQL refuses a NUL in text, which makes a step fail there;
    // SQLite keeps it.
    let Some(db) = catalog::testing::postgres().await else {
        return;
    };
    let cat = &db.catalog;
    let step = cat.tx_rows();
    let mut rows: Vec<InventoryRow> = (0..4 * step as i64)
        .map(|i| row(1_000 + i, None, i))
        .collect();
    // The third step fails.
    rows[2 * step + 5].ip = "10.0.0.1\0".into();
    let mut progress = Vec::new();
    let err = cat
        .upsert_runs_in_steps(&rows, 1, |done| progress.push(done))
        .await
        .unwrap_err();
    assert_eq!(err.written, 2 * step, "{err}");
    assert_eq!(progress, vec![step, 2 * step]);
    assert_eq!(cat.totals().await.unwrap().connections, 2 * step as i64);
    assert!(
        cat.run(rows[2 * step].connection_id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        cat.run(rows[3 * step].connection_id)
            .await
            .unwrap()
            .is_none()
    );
    // Importing again finishes it.
    rows[2 * step + 5].ip = "10.0.0.1".into();
    cat.upsert_runs(&rows, 2).await.unwrap();
    assert_eq!(cat.totals().await.unwrap().connections, 4 * step as i64);
    db.drop_schema().await;
}

on_both!(
    an_import_in_steps_ends_as_the_steps_applied_in_order,
    counts_are_estimated_where_counting_costs_more_than_the_page,
    estimates_hold_where_matches_cluster_in_the_order,
    pages_cover_every_run_once_in_order,
    reimport_updates_and_requeues_only_what_changed,
    search_is_case_insensitive_substring_over_all_rows,
    filters,
    bad_parameters_are_bad_requests,
);

/// An import in one process while another (a serving process, indexing and
/// bookmarking) writes to the same SQLite file: every batch goes in, none
/// meets "database is locked".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_beside_a_writing_server_is_never_locked_out() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
    let db = catalog::testing::sqlite().await;
    let server = Catalog::open(&db.url).await.unwrap();
    server.upsert_runs(&inventory()[..100], 1).await.unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let writes = Arc::new(AtomicI64::new(0));
    let writer = {
        let (stop, writes) = (stop.clone(), writes.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let id = 1 + writes.load(Ordering::Relaxed) % 100;
                server.set_bookmark(id, "busy", "load", id).await.unwrap();
                server.remove_bookmark(id).await.unwrap();
                writes.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let importer = Catalog::open(&db.url).await.unwrap();
    let mut imported = 0;
    // Batches until the other process has written often in between.
    while imported < 40 || (writes.load(Ordering::Relaxed) < 200 && imported < 2000) {
        let rows: Vec<InventoryRow> = (0..50)
            .map(|i| row(10_000 + imported * 50 + i, Some("importer@example.com"), i))
            .collect();
        importer.upsert_runs(&rows, 2).await.unwrap();
        imported += 1;
    }
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    let writes = writes.load(Ordering::Relaxed);
    assert!(writes >= 40, "the other process wrote only {writes} times");
    assert_eq!(
        importer.totals().await.unwrap().connections,
        100 + imported * 50
    );
    db.drop_schema().await;
}

/// A catalog migrated from before folded names: the SQL `lower()` of the
/// migration is redone in Rust when the catalog is next opened, once, for
/// the names it got wrong.
async fn migrated_names_are_folded_again_on_open(db: catalog::testing::TestDb) {
    let cat = &db.catalog;
    cat.upsert_runs(
        &[
            row(1, Some("ÄNNA@Müller.de"), 1),
            row(2, Some("plain@x"), 2),
        ],
        1,
    )
    .await
    .unwrap();
    // As the migration leaves them where lower() knows ASCII only.
    for sql in [
        "UPDATE usernames SET folded = 'Änna@mÜller.de' WHERE username = 'ÄNNA@Müller.de'",
        "UPDATE runs SET username_folded = 'Änna@mÜller.de' WHERE id = 1",
        "INSERT INTO catalog_meta (key, value) VALUES ('fold_usernames', 'pending')",
    ] {
        sqlx::query(sql).execute(cat.pool()).await.unwrap();
    }
    // Through the name list, and walking each run's own folded name.
    let search = |c: Catalog, walk: bool| async move {
        let limits = catalog::SearchLimits {
            dense_runs: if walk { 1 } else { 5000 },
            ..catalog::SearchLimits::default()
        };
        let page = c
            .with_search_limits(limits)
            .list_runs(&RunQuery {
                user: Some("änna@MÜLLER".into()),
                ..query(10)
            })
            .await
            .unwrap();
        page.rows.iter().map(|r| r.id).collect::<Vec<_>>()
    };
    assert!(search(cat.clone(), false).await.is_empty(), "stale names");
    let reopened = Catalog::open(&db.url).await.unwrap();
    assert_eq!(search(reopened.clone(), false).await, vec![1]);
    assert_eq!(search(reopened.clone(), true).await, vec![1]);
    reopened.close().await;
    db.drop_schema().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrated_names_are_folded_again_on_open_sqlite() {
    migrated_names_are_folded_again_on_open(catalog::testing::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrated_names_are_folded_again_on_open_postgres() {
    if let Some(db) = catalog::testing::postgres().await {
        migrated_names_are_folded_again_on_open(db).await;
    }
}

/// The template filter follows what indexing, moving a log and opening an
/// older catalog do: a log's templates are filed when it is indexed, taken
/// out when the inventory moves it, and filed from the stored summaries
/// when a catalog made before the filter is opened.
async fn the_template_filter_follows_the_logs(db: catalog::testing::TestDb) {
    use model::{Level, LogSummary, TemplateCount, TemplateRef};
    let cat = &db.catalog;
    let runs: Vec<InventoryRow> = (1..=6).map(|id| row(id, Some("ann"), id)).collect();
    cat.upsert_runs(&runs, 1).await.unwrap();
    let disk = TemplateRef {
        level: Level::Error,
        template: "disk <*> full".into(),
    };
    // Runs 2 and 4 have it in their server log, run 4 at WARNING too.
    while let Some(job) = cat.lease_job("t", 60_000, 1).await.unwrap() {
        let mut templates = Vec::new();
        if job.log == model::LogName::Server && job.run_id % 2 == 0 && job.run_id <= 4 {
            templates.push(TemplateCount {
                level: Level::Error,
                template: disk.template.clone(),
                count: 2,
                example: "disk 7 full".into(),
                first_line: 3,
            });
        }
        if job.run_id == 4 && job.log == model::LogName::Server {
            templates.push(TemplateCount {
                level: Level::Warning,
                template: disk.template.clone(),
                count: 1,
                example: "disk 9 full".into(),
                first_line: 9,
            });
        }
        let summary = LogSummary {
            lines: 10,
            errors: templates.len() as u64,
            templates,
            ..LogSummary::default()
        };
        cat.complete_job(&job, &summary, 2).await.unwrap();
    }
    let with = |c: Catalog, t: TemplateRef| async move {
        let page = c
            .list_runs(&RunQuery {
                template: Some(t),
                ..query(10)
            })
            .await
            .unwrap();
        let ids: Vec<i64> = page.rows.iter().map(|r| r.id).collect();
        (ids, page.matches.map(|m| m.runs))
    };
    assert_eq!(with(cat.clone(), disk.clone()).await, (vec![4, 2], Some(2)));
    let warning = TemplateRef {
        level: Level::Warning,
        ..disk.clone()
    };
    assert_eq!(with(cat.clone(), warning.clone()).await, (vec![4], Some(1)));
    let none = TemplateRef {
        template: "disk <*> ful".into(),
        ..disk.clone()
    };
    assert_eq!(with(cat.clone(), none).await, (vec![], Some(0)));
    let info = TemplateRef {
        level: Level::Info,
        ..disk.clone()
    };
    assert!(matches!(
        cat.list_runs(&RunQuery {
            template: Some(info),
            ..query(10)
        })
        .await,
        Err(CatalogError::BadRequest(_))
    ));

    // Run 2's server log moves: it is no longer indexed, nor listed.
    let mut moved = row(2, Some("ann"), 2);
    moved.server_logs = Some("elsewhere/server2.txt".into());
    cat.upsert_runs(&[moved], 3).await.unwrap();
    assert_eq!(with(cat.clone(), disk.clone()).await, (vec![4], Some(1)));

    // A catalog from before the filter: its summaries are filed on open.
    for sql in [
        "DELETE FROM log_templates",
        "INSERT INTO catalog_meta (key, value) VALUES ('index_log_templates', 'pending')",
    ] {
        sqlx::query(sql).execute(cat.pool()).await.unwrap();
    }
    // Until it is reopened the list finds nothing (the count comes from the
    // totals, which that catalog already had).
    assert_eq!(with(cat.clone(), disk.clone()).await.0, Vec::<i64>::new());
    let reopened = Catalog::open(&db.url).await.unwrap();
    assert_eq!(
        with(reopened.clone(), disk.clone()).await,
        (vec![4], Some(1))
    );
    assert_eq!(with(reopened.clone(), warning).await, (vec![4], Some(1)));
    reopened.close().await;
    db.drop_schema().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_template_filter_follows_the_logs_sqlite() {
    the_template_filter_follows_the_logs(catalog::testing::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_template_filter_follows_the_logs_postgres() {
    if let Some(db) = catalog::testing::postgres().await {
        the_template_filter_follows_the_logs(db).await;
    }
}

/// Each run's decode, encode and size quantiles, as its logs are indexed:
/// each metric from the log that has more of it; and for a catalog made
/// before the columns, filled from the stored summaries on open.
async fn session_metrics_follow_the_logs(db: catalog::testing::TestDb) {
    use model::{LogSummary, MetricStats};
    let stats = |count: u64, p50: f64| MetricStats {
        count,
        p50: Some(p50),
        p95: Some(p50 * 3.0),
        ..MetricStats::default()
    };
    let cat = &db.catalog;
    let runs: Vec<InventoryRow> = (1..=3)
        .map(|id| InventoryRow {
            client_logs: Some(format!("client{id}.txt")),
            ..row(id, Some("ann"), id)
        })
        .collect();
    cat.upsert_runs(&runs, 1).await.unwrap();
    // Clients decode, servers encode; run 3's client logged a few encodes
    // too, fewer than its server.
    while let Some(job) = cat.lease_job("t", 60_000, 1).await.unwrap() {
        let id = job.run_id as f64;
        let mut summary = LogSummary {
            lines: 10,
            ..LogSummary::default()
        };
        match job.log {
            model::LogName::Client => {
                summary.decode_time = stats(50, 0.001 * id);
                if job.run_id == 3 {
                    summary.encode_time = stats(2, 9.0);
                }
            }
            _ => {
                summary.encode_time = stats(40, 0.002 * id);
                summary.encode_size = stats(40, 1000.0 * id);
            }
        }
        cat.complete_job(&job, &summary, 2).await.unwrap();
    }
    use sqlx::Row;
    type Quantiles = Vec<(
        i64,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
    )>;
    let read = |c: Catalog| async move {
        let rows = sqlx::query(
            "SELECT id, decode_p50, decode_p95, encode_p50, encode_p95, size_p50 FROM runs ORDER BY id",
        )
        .fetch_all(c.pool())
        .await
        .unwrap();
        rows.iter()
            .map(|r| {
                (
                    r.try_get::<i64, _>("id").unwrap(),
                    r.try_get("decode_p50").unwrap(),
                    r.try_get("decode_p95").unwrap(),
                    r.try_get("encode_p50").unwrap(),
                    r.try_get("encode_p95").unwrap(),
                    r.try_get("size_p50").unwrap(),
                )
            })
            .collect::<Quantiles>()
    };
    let close = |a: &Quantiles, b: &Quantiles| {
        a.len() == b.len()
            && a.iter().zip(b).all(|(x, y)| {
                let f = |p: Option<f64>, q: Option<f64>| match (p, q) {
                    (Some(p), Some(q)) => (p - q).abs() < 1e-12,
                    (None, None) => true,
                    _ => false,
                };
                x.0 == y.0
                    && f(x.1, y.1)
                    && f(x.2, y.2)
                    && f(x.3, y.3)
                    && f(x.4, y.4)
                    && f(x.5, y.5)
            })
    };
    let want: Quantiles = (1..=3)
        .map(|id| {
            let i = id as f64;
            (
                id,
                Some(0.001 * i),
                Some(0.003 * i),
                Some(0.002 * i),
                Some(0.006 * i),
                Some(1000.0 * i),
            )
        })
        .collect();
    let got = read(cat.clone()).await;
    assert!(close(&got, &want), "{got:?}");

    // A catalog from before the columns: they are filled on open.
    for sql in [
        "UPDATE runs SET decode_p50 = NULL, decode_p95 = NULL, encode_p50 = NULL, encode_p95 = NULL, size_p50 = NULL, size_p95 = NULL",
        "INSERT INTO catalog_meta (key, value) VALUES ('fill_session_metrics', 'pending')",
    ] {
        sqlx::query(sql).execute(cat.pool()).await.unwrap();
    }
    let reopened = Catalog::open(&db.url).await.unwrap();
    let got = read(reopened.clone()).await;
    assert!(close(&got, &want), "{got:?}");
    let marker = sqlx::query("SELECT value FROM catalog_meta WHERE key = 'fill_session_metrics'")
        .fetch_optional(reopened.pool())
        .await
        .unwrap();
    assert!(marker.is_none());
    reopened.close().await;
    db.drop_schema().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_metrics_follow_the_logs_sqlite() {
    session_metrics_follow_the_logs(catalog::testing::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_metrics_follow_the_logs_postgres() {
    if let Some(db) = catalog::testing::postgres().await {
        session_metrics_follow_the_logs(db).await;
    }
}

/// The audit trail pages newest first, cleans what it is given, and is
/// there again after the catalog is opened anew.
async fn the_audit_trail_pages_newest_first_and_outlives_a_restart(db: catalog::testing::TestDb) {
    use catalog::audit::AuditNote;
    use model::AuditAction;
    let cat = &db.catalog;
    for i in 0..7i64 {
        let note = AuditNote {
            actor: if i % 2 == 0 { "ana" } else { "ben" },
            action: if i == 3 {
                AuditAction::TokenCreate
            } else {
                AuditAction::Bookmark
            },
            target: Some(format!("run {i}")),
            address: Some("10.0.0.9".into()),
            detail: (i == 3).then(|| "odd\0note".into()),
        };
        cat.audit(&note, 100 + i).await.unwrap();
    }
    let reopened = Catalog::open(&db.url).await.unwrap();
    let (mut seen, mut before) = (Vec::new(), None);
    loop {
        let page = reopened.audit_page(before, 3).await.unwrap();
        assert!(page.entries.len() <= 3);
        seen.extend(page.entries);
        match page.next {
            Some(n) => before = Some(n),
            None => break,
        }
    }
    let targets: Vec<String> = seen.iter().filter_map(|e| e.target.clone()).collect();
    assert_eq!(
        targets,
        (0..7).rev().map(|i| format!("run {i}")).collect::<Vec<_>>()
    );
    assert!(
        seen.windows(2)
            .all(|w| w[0].id > w[1].id && w[0].at_ms > w[1].at_ms)
    );
    let token = &seen[3];
    assert_eq!(
        (token.actor.as_str(), token.action),
        ("ben", AuditAction::TokenCreate)
    );
    assert_eq!(token.address.as_deref(), Some("10.0.0.9"));
    assert!(!token.detail.as_deref().unwrap().contains('\0'));
    assert!(reopened.audit_page(None, 0).await.is_err());
    reopened.close().await;
    db.drop_schema().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_trail_pages_newest_first_and_outlives_a_restart_sqlite() {
    the_audit_trail_pages_newest_first_and_outlives_a_restart(catalog::testing::sqlite().await)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_trail_pages_newest_first_and_outlives_a_restart_postgres() {
    if let Some(db) = catalog::testing::postgres().await {
        the_audit_trail_pages_newest_first_and_outlives_a_restart(db).await;
    }
}

/// Sessions: found until they expire, renewed, ended; only by their hash.
async fn sessions_expire_renew_and_end(cat: &Catalog) {
    use catalog::sessions::Session;
    let s = Session {
        name: "ana".into(),
        role: Some(model::Role::Editor),
        created_ms: 1_000,
        expires_ms: 5_000,
    };
    cat.create_session("h1", &s).await.unwrap();
    cat.create_session(
        "h2",
        &Session {
            role: None,
            ..s.clone()
        },
    )
    .await
    .unwrap();
    assert_eq!(cat.session("h1", 4_999).await.unwrap(), Some(s.clone()));
    assert_eq!(cat.session("h1", 5_000).await.unwrap(), None, "expired");
    assert_eq!(cat.session("nope", 0).await.unwrap(), None);
    assert_eq!(cat.session("h2", 0).await.unwrap().unwrap().role, None);
    cat.renew_session("h1", 9_000).await.unwrap();
    assert_eq!(
        cat.session("h1", 8_000).await.unwrap().unwrap().expires_ms,
        9_000
    );
    assert!(cat.end_session("h1", 6_000).await.unwrap());
    assert_eq!(cat.session("h1", 0).await.unwrap(), None);
    // Ending one clears the expired ones too.
    assert_eq!(cat.session("h2", 0).await.unwrap(), None);
    assert!(!cat.end_session("h1", 6_000).await.unwrap());
}

on_both!(sessions_expire_renew_and_end);
