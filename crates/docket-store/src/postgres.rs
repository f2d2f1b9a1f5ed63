//! The scale-out backend: PostgreSQL, shared by several stateless `docket serve` nodes.

use crate::backend::SqlStore;
use crate::sql::Pool;

/// Connects to the store at `url` (a database, or one schema of it with
/// `?options=-csearch_path%3DNAME`).
pub async fn connect(url: &str) -> Result<SqlStore, crate::StoreError> {
    Ok(SqlStore::new(Pool::postgres(url).await?))
}
