//! Schema migrations, embedded in the binary, one set per engine.

use std::borrow::Cow;

use futures_core::future::BoxFuture;
use sqlx::AnyPool;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

use crate::Backend;

/// Migrations in order: (version, description, SQLite, PostgreSQL).
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "runs, logs, templates, jobs, events, bookmarks",
        include_str!("../migrations/sqlite/0001_init.sql"),
        include_str!("../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "live runs",
        include_str!("../migrations/sqlite/0002_live.sql"),
        include_str!("../migrations/postgres/0002_live.sql"),
    ),
    (
        3,
        "producer tokens",
        include_str!("../migrations/sqlite/0003_tokens.sql"),
        include_str!("../migrations/postgres/0003_tokens.sql"),
    ),
    (
        4,
        "archived task output",
        include_str!("../migrations/shared/0004_archive.sql"),
        include_str!("../migrations/shared/0004_archive.sql"),
    ),
    (
        5,
        "typed sort keys, filtered orders, folded usernames, due jobs",
        include_str!("../migrations/shared/0005_orders.sql"),
        include_str!("../migrations/shared/0005_orders.sql"),
    ),
    (
        6,
        "distinct usernames, catalog identity",
        include_str!("../migrations/sqlite/0006_usernames.sql"),
        include_str!("../migrations/postgres/0006_usernames.sql"),
    ),
    (
        7,
        "search by ip, runs by template",
        include_str!("../migrations/sqlite/0007_find.sql"),
        include_str!("../migrations/postgres/0007_find.sql"),
    ),
    (
        8,
        "each session's metric quantiles",
        include_str!("../migrations/shared/0008_session_metrics.sql"),
        include_str!("../migrations/shared/0008_session_metrics.sql"),
    ),
    (
        9,
        "builds, outlier sessions, user history",
        include_str!("../migrations/shared/0009_population.sql"),
        include_str!("../migrations/shared/0009_population.sql"),
    ),
    (
        10,
        "the producer that created each task run",
        include_str!("../migrations/shared/0010_producers.sql"),
        include_str!("../migrations/shared/0010_producers.sql"),
    ),
    (
        11,
        "tasks' output out of the error templates",
        include_str!("../migrations/shared/0011_task_templates.sql"),
        include_str!("../migrations/shared/0011_task_templates.sql"),
    ),
    (
        12,
        "the audit trail, who made each bookmark",
        include_str!("../migrations/sqlite/0012_audit.sql"),
        include_str!("../migrations/postgres/0012_audit.sql"),
    ),
    (
        13,
        "signed-in sessions",
        include_str!("../migrations/shared/0013_sessions.sql"),
        include_str!("../migrations/shared/0013_sessions.sql"),
    ),
    (
        14,
        "token scopes, inventory sources",
        include_str!("../migrations/shared/0014_sources.sql"),
        include_str!("../migrations/shared/0014_sources.sql"),
    ),
    (
        15,
        "one username index, no trigram index of usernames",
        include_str!("../migrations/sqlite/0015_fewer_indexes.sql"),
        include_str!("../migrations/postgres/0015_fewer_indexes.sql"),
    ),
    (
        16,
        "a fixed sample of the runs for estimated counts",
        include_str!("../migrations/shared/0016_sample.sql"),
        include_str!("../migrations/shared/0016_sample.sql"),
    ),
    (
        17,
        "job indexes of running and failed jobs only; no reference from logs to runs",
        include_str!("../migrations/sqlite/0017_lighter_import.sql"),
        include_str!("../migrations/postgres/0017_lighter_import.sql"),
    ),
    (
        18,
        "indexes of the orders by a metric carry what a search tests",
        include_str!("../migrations/sqlite/0018_covering_orders.sql"),
        include_str!("../migrations/postgres/0018_covering_orders.sql"),
    ),
];

#[derive(Debug)]
struct Embedded(Backend);

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(self) -> BoxFuture<'s, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async move {
            Ok(MIGRATIONS
                .iter()
                .map(|&(version, description, sqlite, postgres)| {
                    let sql = match self.0 {
                        Backend::Sqlite => sqlite,
                        Backend::Postgres => postgres,
                    };
                    Migration::new(
                        version,
                        Cow::Borrowed(description),
                        MigrationType::Simple,
                        Cow::Borrowed(sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

/// Brings the schema up to date; safe to run from several processes at once
/// (the migrator takes a database lock).
pub(crate) async fn run(
    pool: &AnyPool,
    backend: Backend,
) -> Result<(), sqlx::migrate::MigrateError> {
    Migrator::new(Embedded(backend)).await?.run(pool).await
}
