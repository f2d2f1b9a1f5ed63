//! A fresh database for each test: a new SQLite file in a temporary folder, or a new PostgreSQL
//! schema that is dropped when the test ends (pass or fail).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Connection;
use sqlx::postgres::PgConnection;

/// The PostgreSQL server tests use, unless `DOCKET_TEST_POSTGRES_URL` names another.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// One test's database.
#[derive(Debug)]
pub enum TestDb {
    Sqlite {
        url: String,
        _dir: tempfile::TempDir,
    },
    Postgres {
        url: String,
        admin_url: String,
        schema: String,
    },
}

impl TestDb {
    /// A new SQLite database file.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = format!("sqlite://{}", dir.path().join("docket.db").display());
        TestDb::Sqlite { url, _dir: dir }
    }

    /// A new schema on the test PostgreSQL server, or `None` (with a note) when the server is not
    /// reachable and `DOCKET_REQUIRE_POSTGRES=1` is not set. With it set, unreachable is a failure.
    pub async fn postgres() -> Option<Self> {
        let admin_url = std::env::var("DOCKET_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
        let mut connection = match PgConnection::connect(&admin_url).await {
            Ok(connection) => connection,
            Err(error) => {
                if crate::required("DOCKET_REQUIRE_POSTGRES") {
                    panic!(
                        "PostgreSQL is required (DOCKET_REQUIRE_POSTGRES=1) but {admin_url} is unreachable: {error}"
                    );
                }
                static ONCE: OnceLock<()> = OnceLock::new();
                ONCE.get_or_init(|| {
                    crate::announce_skip(
                        "the PostgreSQL half of the tests",
                        &format!("{admin_url} is unreachable ({error}). Run scripts/test, or set DOCKET_TEST_POSTGRES_URL."),
                    )
                });
                return None;
            }
        };
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let schema = format!(
            "docket_test_{}_{}_{}",
            std::process::id(),
            nanos,
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&mut connection)
            .await
            .expect("create the test schema");
        let _ = connection.close().await;
        let separator = if admin_url.contains('?') { '&' } else { '?' };
        let url = format!("{admin_url}{separator}options=-c%20search_path%3D{schema}");
        Some(TestDb::Postgres {
            url,
            admin_url,
            schema,
        })
    }

    /// The URL Docket opens.
    pub fn url(&self) -> &str {
        match self {
            TestDb::Sqlite { url, .. } | TestDb::Postgres { url, .. } => url,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let TestDb::Postgres {
            admin_url, schema, ..
        } = self
        else {
            return;
        };
        let (admin_url, schema) = (admin_url.clone(), schema.clone());
        // Drop runs inside the test's runtime, which cannot be blocked on: use a thread of our own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut connection = PgConnection::connect(&admin_url).await.ok()?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS {schema} CASCADE"
                )))
                .execute(&mut connection)
                .await
                .ok()?;
                connection.close().await.ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(()))) {
            crate::announce_skip(
                "dropping a test schema",
                "it was left behind on the test server",
            );
        }
    }
}

/// What a state change would touch, per table: the columns a request could change, as text.
/// Session activity (`last_seen_at`) is left out: reading a page touches it.
const FINGERPRINT: &[(&str, &str)] = &[
    ("users", "id, email, password_hash, confirmed_at"),
    ("sessions", "id, user_id"),
    ("email_tokens", "id, used_at, attempts"),
    ("outbox", "id, status, attempts, to_address, template"),
    ("calls", "id, updated_at"),
    (
        "submissions",
        "id, state, draft, revisions, late, updated_at",
    ),
    ("revisions", "id, submission_id"),
    ("submission_members", "submission_id, email"),
    ("assets", "id"),
    ("call_staff", "call_id, email, role"),
    (
        "mail_templates",
        "call_id, kind, subject, body_text, body_html",
    ),
    ("inbound_messages", "id, outcome, submission_id"),
    ("jobs", "id, status"),
    ("audit_events", "id, action"),
    ("site_admins", "email"),
];

impl TestDb {
    /// Every row a request could change, as text, table by table: equal before and after a
    /// request means the request changed nothing stored.
    pub async fn fingerprint(&self) -> Vec<String> {
        let queries = FINGERPRINT.iter().map(|(table, columns)| {
            let text: Vec<String> = columns
                .split(", ")
                .map(|column| format!("COALESCE(CAST({column} AS TEXT), '-')"))
                .collect();
            let query = format!(
                "SELECT '{table}: ' || {} FROM {table} ORDER BY 1",
                text.join(" || '|' || ")
            );
            query
        });
        let mut rows = Vec::new();
        match self {
            TestDb::Sqlite { url, .. } => {
                let mut connection = sqlx::sqlite::SqliteConnection::connect(url)
                    .await
                    .expect("open the test database");
                for query in queries {
                    let found: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(query))
                        .fetch_all(&mut connection)
                        .await
                        .expect("read the table");
                    rows.extend(found);
                }
                let _ = connection.close().await;
            }
            TestDb::Postgres { url, .. } => {
                let mut connection = PgConnection::connect(url)
                    .await
                    .expect("open the test database");
                for query in queries {
                    let found: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(query))
                        .fetch_all(&mut connection)
                        .await
                        .expect("read the table");
                    rows.extend(found);
                }
                let _ = connection.close().await;
            }
        }
        rows
    }
}
