//! The embedded backend: one SQLite file in WAL mode with foreign keys on, a busy timeout and
//! full fsync on commit (a success answer means the data is on disk).

use crate::backend::SqlStore;
use crate::sql::Pool;

/// Opens (creating if missing) the store at `url` (`sqlite://docket.db`, `sqlite::memory:`).
pub async fn connect(url: &str) -> Result<SqlStore, crate::StoreError> {
    Ok(SqlStore::new(Pool::sqlite(url).await?))
}
