//! Fresh, empty catalogs on each engine for tests (feature `testing`).

use crate::Catalog;

/// A catalog that lives as long as the test: a SQLite file in a temporary
/// folder, or a PostgreSQL schema of its own (dropped at the end).
pub struct TestDb {
    /// The catalog.
    pub catalog: Catalog,
    /// Its URL, to open it again (as another process would).
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    schema: Option<String>,
}

impl TestDb {
    /// Closes the catalog and drops its PostgreSQL schema.
    pub async fn drop_schema(self) {
        self.catalog.close().await;
        if let Some(schema) = self.schema {
            let mut admin = admin()
                .await
                .expect("PostgreSQL answered when the schema was made");
            sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .execute(&mut admin)
                .await
                .unwrap();
        }
    }
}

/// The PostgreSQL server the tests use: `LOGDECK_TEST_PG`, or the local one.
pub fn pg_url() -> String {
    std::env::var("LOGDECK_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// A connection to the test database, or `None` after reporting it missing
/// (see [`testenv::missing`]). One connection, not a pool: a pool retries a
/// refused connection until its timeout.
async fn admin() -> Option<sqlx::PgConnection> {
    use sqlx::Connection;
    let connect = sqlx::PgConnection::connect(&pg_url());
    let why = match tokio::time::timeout(std::time::Duration::from_secs(10), connect).await {
        Ok(Ok(conn)) => return Some(conn),
        Ok(Err(e)) => e.to_string(),
        Err(_) => "no answer within 10 s".to_string(),
    };
    testenv::missing(
        &format!("PostgreSQL at {}", pg_url()),
        why,
        "start it (see README) or set LOGDECK_TEST_PG",
    );
    None
}

/// A catalog in a SQLite file in a temporary folder.
pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("catalog.db").display());
    TestDb {
        catalog: Catalog::open(&url).await.unwrap(),
        url,
        _dir: Some(dir),
        schema: None,
    }
}

/// A catalog in a new schema of the test PostgreSQL database, or `None`
/// when PostgreSQL is not there and the test should skip (see
/// [`testenv::missing`]): `let Some(db) = postgres().await else { return };`.
pub async fn postgres() -> Option<TestDb> {
    let mut admin = admin().await?;
    // Extensions are per database; create it once, outside the test schemas.
    let _ = sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
        .execute(&mut admin)
        .await;
    let schema = format!(
        "ld_test_{}_{}",
        std::process::id(),
        SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    for sql in [
        format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
        format!("CREATE SCHEMA {schema}"),
    ] {
        sqlx::query(&sql).execute(&mut admin).await.unwrap();
    }
    let sep = if pg_url().contains('?') { '&' } else { '?' };
    let url = format!("{}{sep}options[search_path]={schema},public", pg_url());
    Some(TestDb {
        catalog: Catalog::open(&url).await.unwrap(),
        url,
        _dir: None,
        schema: Some(schema),
    })
}

static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Defines, for each named `async fn(&Catalog)`, a module with a `sqlite`
/// and a `postgres` test running it (the latter skips without PostgreSQL).
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let db = ::catalog::testing::sqlite().await;
                    super::$name(&db.catalog).await;
                    db.drop_schema().await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let Some(db) = ::catalog::testing::postgres().await else {
                        return;
                    };
                    super::$name(&db.catalog).await;
                    db.drop_schema().await;
                }
            }
        )*
    };
}
