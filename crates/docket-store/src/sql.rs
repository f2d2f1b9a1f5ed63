//! The dialect layer: one way to run a statement on either backend.
//!
//! The store's SQL is written once, in the dialect SQLite and PostgreSQL share (`$1` parameters,
//! `RETURNING`, `ON CONFLICT`). What differs is handled here, in ordinary code the compiler and
//! the IDE can see through: the pool and transaction types, how a timestamp is stored (INTEGER
//! microseconds in SQLite, `timestamptz` in PostgreSQL), the outbox lease's row locking and the
//! migrations. A statement's parameters are kept as [`Value`]s and bound to the backend's own
//! argument type when it runs; a result [`Row`] decodes a column into any type both backends
//! can decode, through [`Column`].

use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;

use jiff::Timestamp;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, PgPool, Postgres, Row as _, Sqlite, SqlitePool};

use crate::{Backend, StoreError};

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A connection pool to one of the two backends.
#[derive(Debug, Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Pool {
    /// Opens (creating if missing) one SQLite file in WAL mode with foreign keys on, a busy
    /// timeout and full fsync on commit: a success answer means the data is on disk.
    pub(crate) async fn sqlite(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Ok(Pool::Sqlite(pool))
    }

    /// Connects to a PostgreSQL database (or one schema of it, with
    /// `?options=-csearch_path%3DNAME`), shared by several stateless nodes.
    pub(crate) async fn postgres(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        Ok(Pool::Postgres(pool))
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Brings the schema up to date with this backend's migrations.
    pub(crate) async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Pool::Sqlite(pool) => SQLITE_MIGRATOR.run(pool).await?,
            Pool::Postgres(pool) => POSTGRES_MIGRATOR.run(pool).await?,
        }
        Ok(())
    }

    /// Opens a transaction: nothing it does is seen by others until [`Tx::commit`].
    ///
    /// On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`): a transaction that reads
    /// and then writes would otherwise fail at once with SQLITE_BUSY when another writer
    /// committed in between (WAL cannot upgrade a stale snapshot, and no busy timeout helps),
    /// which concurrent requests turned into errors. Waiting for the lock honours the timeout.
    pub(crate) async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Pool::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// The row-locking clause that lets two workers lease different rows of one queue: PostgreSQL
    /// skips rows another transaction holds; SQLite has one writer, so needs none.
    pub(crate) fn skip_locked(&self) -> &'static str {
        match self {
            Pool::Sqlite(_) => "",
            Pool::Postgres(_) => "FOR UPDATE SKIP LOCKED",
        }
    }

    /// The clause that locks a row read inside a transaction until it ends: PostgreSQL needs
    /// it; SQLite's transactions take the write lock when they begin (see `begin`).
    pub(crate) fn for_update(&self) -> &'static str {
        match self {
            Pool::Sqlite(_) => "",
            Pool::Postgres(_) => " FOR UPDATE",
        }
    }

    pub(crate) async fn close(&self) {
        match self {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

/// An open transaction on either backend. Dropped without [`Tx::commit`], it rolls back.
#[derive(Debug)]
pub(crate) enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    /// True on PostgreSQL, for the few statements the two dialects write differently.
    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self, Tx::Postgres(_))
    }

    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

/// Where a statement runs: straight on the pool (one statement, its own transaction) or inside
/// an open transaction.
pub(crate) enum On<'a> {
    Pool(&'a Pool),
    Tx(&'a mut Tx),
}

impl<'a> From<&'a Pool> for On<'a> {
    fn from(pool: &'a Pool) -> Self {
        On::Pool(pool)
    }
}

impl<'a> From<&'a mut Tx> for On<'a> {
    fn from(tx: &'a mut Tx) -> Self {
        On::Tx(tx)
    }
}

/// A statement parameter, kept with its Rust type so that a NULL is typed as PostgreSQL expects.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(Option<bool>),
    Bytes(Option<Vec<u8>>),
    Json(Option<serde_json::Value>),
    Time(Option<Timestamp>),
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Value::Int(Some(value))
    }
}
impl From<Option<i64>> for Value {
    fn from(value: Option<i64>) -> Self {
        Value::Int(value)
    }
}
impl From<&i64> for Value {
    fn from(value: &i64) -> Self {
        Value::Int(Some(*value))
    }
}
impl From<docket_core::CallId> for Value {
    fn from(id: docket_core::CallId) -> Self {
        Value::Int(Some(id.0))
    }
}
impl From<Option<docket_core::CallId>> for Value {
    fn from(id: Option<docket_core::CallId>) -> Self {
        Value::Int(id.map(|id| id.0))
    }
}
impl From<docket_core::SubmissionId> for Value {
    fn from(id: docket_core::SubmissionId) -> Self {
        Value::Int(Some(id.0))
    }
}
impl From<Option<docket_core::SubmissionId>> for Value {
    fn from(id: Option<docket_core::SubmissionId>) -> Self {
        Value::Int(id.map(|id| id.0))
    }
}
impl From<docket_core::UserId> for Value {
    fn from(id: docket_core::UserId) -> Self {
        Value::Int(Some(id.0))
    }
}
impl From<Option<docket_core::UserId>> for Value {
    fn from(id: Option<docket_core::UserId>) -> Self {
        Value::Int(id.map(|id| id.0))
    }
}
impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Value::Bool(Some(value))
    }
}
impl From<String> for Value {
    fn from(value: String) -> Self {
        Value::Text(Some(value))
    }
}
impl From<&String> for Value {
    fn from(value: &String) -> Self {
        Value::Text(Some(value.clone()))
    }
}
impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::Text(Some(value.to_owned()))
    }
}
impl From<Option<String>> for Value {
    fn from(value: Option<String>) -> Self {
        Value::Text(value)
    }
}
impl From<&Option<String>> for Value {
    fn from(value: &Option<String>) -> Self {
        Value::Text(value.clone())
    }
}
impl From<Option<&str>> for Value {
    fn from(value: Option<&str>) -> Self {
        Value::Text(value.map(str::to_owned))
    }
}
impl From<&Vec<u8>> for Value {
    fn from(value: &Vec<u8>) -> Self {
        Value::Bytes(Some(value.clone()))
    }
}
impl From<Vec<u8>> for Value {
    fn from(value: Vec<u8>) -> Self {
        Value::Bytes(Some(value))
    }
}
impl From<&[u8]> for Value {
    fn from(value: &[u8]) -> Self {
        Value::Bytes(Some(value.to_vec()))
    }
}
impl From<Timestamp> for Value {
    fn from(value: Timestamp) -> Self {
        Value::Time(Some(value))
    }
}
impl From<Option<Timestamp>> for Value {
    fn from(value: Option<Timestamp>) -> Self {
        Value::Time(value)
    }
}
impl<T: serde::Serialize> From<Json<T>> for Value {
    /// Our stored documents are plain structs with string keys, so they always serialise.
    fn from(Json(value): Json<T>) -> Self {
        Value::Json(Some(
            serde_json::to_value(value).unwrap_or(serde_json::Value::Null),
        ))
    }
}

/// A statement and its parameters, run by `execute` or one of the `fetch` methods.
#[must_use = "a statement does nothing until it is run"]
pub(crate) struct Query {
    sql: Cow<'static, str>,
    values: Vec<Value>,
}

/// A statement. Its text is one of the store's constants or built from them with `format!`,
/// never from input: input goes in through [`Query::bind`].
pub(crate) fn query(sql: impl Into<Cow<'static, str>>) -> Query {
    Query {
        sql: sql.into(),
        values: Vec::new(),
    }
}

/// A statement whose rows are one column each, decoded as `T`.
pub(crate) fn query_scalar<T: Column>(sql: impl Into<Cow<'static, str>>) -> Scalar<T> {
    Scalar {
        query: query(sql),
        column: std::marker::PhantomData,
    }
}

fn sqlite_args(values: Vec<Value>) -> Result<sqlx::sqlite::SqliteArguments, sqlx::Error> {
    use sqlx::Arguments as _;
    let mut args = sqlx::sqlite::SqliteArguments::default();
    for value in values {
        match value {
            Value::Int(v) => args.add(v),
            Value::Text(v) => args.add(v),
            Value::Bool(v) => args.add(v),
            Value::Bytes(v) => args.add(v),
            Value::Json(v) => args.add(v.map(Json)),
            Value::Time(v) => args.add(v.map(|at| at.as_microsecond())),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(args)
}

fn postgres_args(values: Vec<Value>) -> Result<sqlx::postgres::PgArguments, sqlx::Error> {
    use sqlx::Arguments as _;
    let mut args = sqlx::postgres::PgArguments::default();
    for value in values {
        match value {
            Value::Int(v) => args.add(v),
            Value::Text(v) => args.add(v),
            Value::Bool(v) => args.add(v),
            Value::Bytes(v) => args.add(v),
            Value::Json(v) => args.add(v.map(Json)),
            Value::Time(v) => args.add(v.map(jiff_sqlx::ToSqlx::to_sqlx)),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(args)
}

impl Query {
    pub(crate) fn bind(mut self, value: impl Into<Value>) -> Self {
        self.values.push(value.into());
        self
    }

    /// Runs the statement; the number of rows it changed.
    pub(crate) async fn execute<'a>(self, on: impl Into<On<'a>>) -> Result<u64, StoreError> {
        let sql = AssertSqlSafe(self.sql);
        let affected = match on.into() {
            On::Pool(Pool::Sqlite(pool)) => sqlx::query_with(sql, sqlite_args(self.values)?)
                .execute(pool)
                .await?
                .rows_affected(),
            On::Tx(Tx::Sqlite(tx)) => sqlx::query_with(sql, sqlite_args(self.values)?)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
            On::Pool(Pool::Postgres(pool)) => sqlx::query_with(sql, postgres_args(self.values)?)
                .execute(pool)
                .await?
                .rows_affected(),
            On::Tx(Tx::Postgres(tx)) => sqlx::query_with(sql, postgres_args(self.values)?)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
        };
        Ok(affected)
    }

    pub(crate) async fn fetch_all<'a>(self, on: impl Into<On<'a>>) -> Result<Vec<Row>, StoreError> {
        let sql = AssertSqlSafe(self.sql);
        let rows = match on.into() {
            On::Pool(Pool::Sqlite(pool)) => {
                let rows = sqlx::query_with(sql, sqlite_args(self.values)?)
                    .fetch_all(pool)
                    .await?;
                rows.into_iter().map(Row::Sqlite).collect()
            }
            On::Tx(Tx::Sqlite(tx)) => {
                let rows = sqlx::query_with(sql, sqlite_args(self.values)?)
                    .fetch_all(&mut **tx)
                    .await?;
                rows.into_iter().map(Row::Sqlite).collect()
            }
            On::Pool(Pool::Postgres(pool)) => {
                let rows = sqlx::query_with(sql, postgres_args(self.values)?)
                    .fetch_all(pool)
                    .await?;
                rows.into_iter().map(Row::Postgres).collect()
            }
            On::Tx(Tx::Postgres(tx)) => {
                let rows = sqlx::query_with(sql, postgres_args(self.values)?)
                    .fetch_all(&mut **tx)
                    .await?;
                rows.into_iter().map(Row::Postgres).collect()
            }
        };
        Ok(rows)
    }

    pub(crate) async fn fetch_optional<'a>(
        self,
        on: impl Into<On<'a>>,
    ) -> Result<Option<Row>, StoreError> {
        let sql = AssertSqlSafe(self.sql);
        let row = match on.into() {
            On::Pool(Pool::Sqlite(pool)) => sqlx::query_with(sql, sqlite_args(self.values)?)
                .fetch_optional(pool)
                .await?
                .map(Row::Sqlite),
            On::Tx(Tx::Sqlite(tx)) => sqlx::query_with(sql, sqlite_args(self.values)?)
                .fetch_optional(&mut **tx)
                .await?
                .map(Row::Sqlite),
            On::Pool(Pool::Postgres(pool)) => sqlx::query_with(sql, postgres_args(self.values)?)
                .fetch_optional(pool)
                .await?
                .map(Row::Postgres),
            On::Tx(Tx::Postgres(tx)) => sqlx::query_with(sql, postgres_args(self.values)?)
                .fetch_optional(&mut **tx)
                .await?
                .map(Row::Postgres),
        };
        Ok(row)
    }

    pub(crate) async fn fetch_one<'a>(self, on: impl Into<On<'a>>) -> Result<Row, StoreError> {
        self.fetch_optional(on)
            .await?
            .ok_or(StoreError::Database(sqlx::Error::RowNotFound))
    }
}

/// A statement read one column at a time; see [`query_scalar`].
#[must_use = "a statement does nothing until it is run"]
pub(crate) struct Scalar<T> {
    query: Query,
    column: std::marker::PhantomData<T>,
}

impl<T: Column> Scalar<T> {
    pub(crate) fn bind(mut self, value: impl Into<Value>) -> Self {
        self.query = self.query.bind(value);
        self
    }

    pub(crate) async fn fetch_all<'a>(self, on: impl Into<On<'a>>) -> Result<Vec<T>, StoreError> {
        self.query
            .fetch_all(on)
            .await?
            .iter()
            .map(|row| row.first())
            .collect()
    }

    pub(crate) async fn fetch_optional<'a>(
        self,
        on: impl Into<On<'a>>,
    ) -> Result<Option<T>, StoreError> {
        self.query
            .fetch_optional(on)
            .await?
            .map(|row| row.first())
            .transpose()
    }

    pub(crate) async fn fetch_one<'a>(self, on: impl Into<On<'a>>) -> Result<T, StoreError> {
        self.query.fetch_one(on).await?.first()
    }
}

/// A result row from either backend.
pub(crate) enum Row {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

impl Row {
    /// The named column, decoded as `T`.
    pub(crate) fn get<T: Column>(&self, column: &str) -> Result<T, StoreError> {
        Ok(match self {
            Row::Sqlite(row) => T::sqlite(row, column)?,
            Row::Postgres(row) => T::postgres(row, column)?,
        })
    }

    fn first<T: Column>(&self) -> Result<T, StoreError> {
        Ok(match self {
            Row::Sqlite(row) => T::sqlite(row, 0usize)?,
            Row::Postgres(row) => T::postgres(row, 0usize)?,
        })
    }
}

/// A column type both backends can decode.
pub(crate) trait Column: Sized {
    fn sqlite<I: sqlx::ColumnIndex<SqliteRow>>(
        row: &SqliteRow,
        column: I,
    ) -> Result<Self, sqlx::Error>;
    fn postgres<I: sqlx::ColumnIndex<PgRow>>(row: &PgRow, column: I) -> Result<Self, sqlx::Error>;
}

/// Implements [`Column`] for types that both sqlx drivers decode themselves.
trait Native:
    for<'r> sqlx::Decode<'r, Sqlite>
    + sqlx::Type<Sqlite>
    + for<'r> sqlx::Decode<'r, Postgres>
    + sqlx::Type<Postgres>
{
}
impl Native for i64 {}
impl Native for i32 {}
impl Native for bool {}
impl Native for String {}
impl Native for Vec<u8> {}
impl<T: serde::de::DeserializeOwned + 'static> Native for Json<T> {}
impl<T: Native> Native for Option<T> {}

impl<T: Native> Column for T {
    fn sqlite<I: sqlx::ColumnIndex<SqliteRow>>(
        row: &SqliteRow,
        column: I,
    ) -> Result<Self, sqlx::Error> {
        row.try_get(column)
    }
    fn postgres<I: sqlx::ColumnIndex<PgRow>>(row: &PgRow, column: I) -> Result<Self, sqlx::Error> {
        row.try_get(column)
    }
}

/// A timestamp, stored by each backend in its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct At(pub Timestamp);

fn from_micros(micros: i64) -> Result<Timestamp, sqlx::Error> {
    Timestamp::from_microsecond(micros).map_err(|error| sqlx::Error::Decode(Box::new(error)))
}

impl Column for At {
    fn sqlite<I: sqlx::ColumnIndex<SqliteRow>>(
        row: &SqliteRow,
        column: I,
    ) -> Result<Self, sqlx::Error> {
        Ok(At(from_micros(row.try_get(column)?)?))
    }
    fn postgres<I: sqlx::ColumnIndex<PgRow>>(row: &PgRow, column: I) -> Result<Self, sqlx::Error> {
        Ok(At(row
            .try_get::<jiff_sqlx::Timestamp, _>(column)?
            .to_jiff()))
    }
}

impl Column for Option<At> {
    fn sqlite<I: sqlx::ColumnIndex<SqliteRow>>(
        row: &SqliteRow,
        column: I,
    ) -> Result<Self, sqlx::Error> {
        row.try_get::<Option<i64>, _>(column)?
            .map(|micros| from_micros(micros).map(At))
            .transpose()
    }
    fn postgres<I: sqlx::ColumnIndex<PgRow>>(row: &PgRow, column: I) -> Result<Self, sqlx::Error> {
        Ok(row
            .try_get::<Option<jiff_sqlx::Timestamp>, _>(column)?
            .map(|at| At(at.to_jiff())))
    }
}

// Typed ids are stored as their integer.
impl Column for docket_core::CallId {
    fn sqlite<I: sqlx::ColumnIndex<SqliteRow>>(
        row: &SqliteRow,
        column: I,
    ) -> Result<Self, sqlx::Error> {
        row.try_get::<i64, _>(column).map(docket_core::CallId)
    }
    fn postgres<I: sqlx::ColumnIndex<PgRow>>(row: &PgRow, column: I) -> Result<Self, sqlx::Error> {
        row.try_get::<i64, _>(column).map(docket_core::CallId)
    }
}
impl Column for Option<docket_core::CallId> {
    fn sqlite<I: sqlx::ColumnIndex<SqliteRow>>(
        row: &SqliteRow,
        column: I,
    ) -> Result<Self, sqlx::Error> {
        Ok(row
            .try_get::<Option<i64>, _>(column)?
            .map(docket_core::CallId))
    }
    fn postgres<I: sqlx::ColumnIndex<PgRow>>(row: &PgRow, column: I) -> Result<Self, sqlx::Error> {
        Ok(row
            .try_get::<Option<i64>, _>(column)?
            .map(docket_core::CallId))
    }
}
impl Column for docket_core::SubmissionId {
    fn sqlite<I: sqlx::ColumnIndex<SqliteRow>>(
        row: &SqliteRow,
        column: I,
    ) -> Result<Self, sqlx::Error> {
        row.try_get::<i64, _>(column).map(docket_core::SubmissionId)
    }
    fn postgres<I: sqlx::ColumnIndex<PgRow>>(row: &PgRow, column: I) -> Result<Self, sqlx::Error> {
        row.try_get::<i64, _>(column).map(docket_core::SubmissionId)
    }
}
impl Column for Option<docket_core::SubmissionId> {
    fn sqlite<I: sqlx::ColumnIndex<SqliteRow>>(
        row: &SqliteRow,
        column: I,
    ) -> Result<Self, sqlx::Error> {
        Ok(row
            .try_get::<Option<i64>, _>(column)?
            .map(docket_core::SubmissionId))
    }
    fn postgres<I: sqlx::ColumnIndex<PgRow>>(row: &PgRow, column: I) -> Result<Self, sqlx::Error> {
        Ok(row
            .try_get::<Option<i64>, _>(column)?
            .map(docket_core::SubmissionId))
    }
}
impl Column for docket_core::UserId {
    fn sqlite<I: sqlx::ColumnIndex<SqliteRow>>(
        row: &SqliteRow,
        column: I,
    ) -> Result<Self, sqlx::Error> {
        row.try_get::<i64, _>(column).map(docket_core::UserId)
    }
    fn postgres<I: sqlx::ColumnIndex<PgRow>>(row: &PgRow, column: I) -> Result<Self, sqlx::Error> {
        row.try_get::<i64, _>(column).map(docket_core::UserId)
    }
}
impl Column for Option<docket_core::UserId> {
    fn sqlite<I: sqlx::ColumnIndex<SqliteRow>>(
        row: &SqliteRow,
        column: I,
    ) -> Result<Self, sqlx::Error> {
        Ok(row
            .try_get::<Option<i64>, _>(column)?
            .map(docket_core::UserId))
    }
    fn postgres<I: sqlx::ColumnIndex<PgRow>>(row: &PgRow, column: I) -> Result<Self, sqlx::Error> {
        Ok(row
            .try_get::<Option<i64>, _>(column)?
            .map(docket_core::UserId))
    }
}
