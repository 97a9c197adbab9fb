use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{ConnectOptions, FromRow, PgPool, Postgres, Sqlite, SqlitePool, Transaction};

use crate::error::Result;

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database location: a SQLite file path (or `sqlite:` URL), or a `postgres://` URL. Its
/// `Debug` and `Display` never show a password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(s: impl Into<String>) -> Self {
        DatabaseUrl(s.into())
    }

    pub fn backend(&self) -> Backend {
        if self.0.starts_with("postgres://") || self.0.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.split_once("://") {
            Some((scheme, rest)) if rest.contains('@') => {
                let (creds, host) = rest.rsplit_once('@').expect("checked");
                let user = creds.split(':').next().unwrap_or("");
                write!(f, "{scheme}://{user}:***@{host}")
            }
            _ => f.write_str(&self.0),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

#[derive(Clone)]
enum Pool {
    /// Readers, and the one connection writers take turns on: SQLite has one writer at a time in
    /// any case, and a connection that made every change keeps its page cache, where a commit on
    /// one connection of a pool throws away the caches of the others.
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
        /// The database file (none for an in-memory database).
        path: Option<std::path::PathBuf>,
    },
    Postgres(PgPool),
}

/// A connection pool to one groundgame database, migrated to the current schema.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    /// SQLite has one writer at a time: writers of this process queue here, in order, rather than
    /// in SQLite's busy handler, which sleeps in growing steps and leaves long tails.
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// How long a writer waits for another process to finish writing.
    write_wait: Duration,
    /// The database as it is named in messages (no password).
    name: String,
    /// The changes this process hears, for the committee room.
    changes: std::sync::Arc<crate::changes::Changes>,
}

/// How SQLite makes a commit durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// A commit is on disk before it is acknowledged (`synchronous = FULL`): an answer the phone
    /// was told is stored survives a power cut.
    #[default]
    Full,
    /// The last commits can be lost on power loss (`synchronous = NORMAL`), though never on a
    /// crash of the process. Only for measuring what durability costs.
    Normal,
}

/// How a store is opened.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub durability: Durability,
    /// How long one try to take SQLite's lock waits in SQLite's busy handler.
    pub busy_timeout: Duration,
    /// How long a writer waits in all for another process to finish writing, saying so as it
    /// waits, before it gives up.
    pub write_wait: Duration,
    /// Connections each process keeps to PostgreSQL.
    pub postgres_connections: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            durability: Durability::Full,
            busy_timeout: Duration::from_secs(10),
            write_wait: Duration::from_secs(600),
            postgres_connections: 8,
        }
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Opens (creating a SQLite file on first use) and migrates the database.
    pub async fn open(url: &DatabaseUrl) -> Result<Store> {
        Self::open_with(url, &StoreOptions::default()).await
    }

    /// Opens and migrates the database with these options.
    #[tracing::instrument(skip_all, fields(database = %url))]
    pub async fn open_with(url: &DatabaseUrl, settings: &StoreOptions) -> Result<Store> {
        let durability = settings.durability;
        let pool = match url.backend() {
            Backend::Sqlite => {
                let s = url.expose();
                let options = if s.starts_with("sqlite:") {
                    SqliteConnectOptions::from_str(s).with_context(|| format!("Failed to read the SQLite URL {url}"))?
                } else {
                    SqliteConnectOptions::new().filename(s)
                };
                let in_memory = s.contains(":memory:") || s.contains("mode=memory");
                let options = options
                    .create_if_missing(true)
                    .journal_mode(if in_memory { SqliteJournalMode::Memory } else { SqliteJournalMode::Wal })
                    .synchronous(match durability {
                        Durability::Full => SqliteSynchronous::Full,
                        Durability::Normal => SqliteSynchronous::Normal,
                    })
                    .foreign_keys(true)
                    .busy_timeout(settings.busy_timeout)
                    // Bulk statements over a whole register are slow by nature: not a warning.
                    .log_slow_statements(log::LevelFilter::Debug, Duration::from_secs(1))
                    .pragma("temp_store", "memory");
                // The writer keeps a large page cache; readers a small one, which every commit empties
                // (emptying a large one on every commit costs more than it saves).
                let write = SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(options.clone().pragma("cache_size", "-65536"))
                    .await
                    .with_context(|| format!("Failed to open the SQLite database {url}"))?;
                SQLITE_MIGRATIONS.run(&write).await.context("Failed to migrate the SQLite database")?;
                // An in-memory database lives in its one connection.
                let read = if in_memory {
                    write.clone()
                } else {
                    SqlitePoolOptions::new()
                        .max_connections(4)
                        .connect_with(options.clone().pragma("cache_size", "-4096"))
                        .await
                        .with_context(|| format!("Failed to open the SQLite database {url}"))?
                };
                let path = (!in_memory).then(|| options.get_filename().to_path_buf());
                Pool::Sqlite { read, write, path }
            }
            Backend::Postgres => {
                // No JIT compilation: every query here reads a campaign's rows by an index, and
                // on a table of 47 million electors the planner's cost estimates pass the JIT
                // threshold and spend more compiling (7 ms and up) than the query takes.
                let options = PgConnectOptions::from_str(url.expose())
                    .with_context(|| format!("Failed to read the PostgreSQL URL {url}"))?
                    .options([("jit", "off")]);
                let pool = PgPoolOptions::new()
                    .max_connections(settings.postgres_connections.max(2))
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await
                    .with_context(|| format!("Failed to connect to PostgreSQL at {url}"))?;
                POSTGRES_MIGRATIONS.run(&pool).await.context("Failed to migrate the PostgreSQL database")?;
                Pool::Postgres(pool)
            }
        };
        let store =
            Store { pool, writer: Default::default(), write_wait: settings.write_wait, name: url.to_string(), changes: Default::default() };
        let mut tx = store.begin_write().await?;
        crate::progress::build_missing(&mut tx).await?;
        tx.commit().await?;
        Ok(store)
    }

    /// Begins a transaction. Every repository call takes one; the caller commits.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match &self.pool {
            Pool::Sqlite { read, .. } => Tx::Sqlite(read.begin().await.context("Failed to begin a SQLite transaction")?),
            Pool::Postgres(p) => Tx::Postgres(p.begin().await.context("Failed to begin a PostgreSQL transaction")?),
        })
    }

    /// One read outside any transaction: for the hot path of every request (the session), where
    /// BEGIN and COMMIT would be most of the cost.
    pub async fn fetch_optional<T: Record>(&self, sql: &str, args: Vec<Arg>) -> Result<Option<T>> {
        Ok(match &self.pool {
            Pool::Sqlite { read, .. } => bind_all!(sqlx::query_as::<_, T>(sql), args).fetch_optional(read).await?,
            Pool::Postgres(p) => bind_all!(sqlx::query_as::<_, T>(sql), args).fetch_optional(p).await?,
        })
    }

    /// Begins a transaction that will write. On SQLite the writers of this process take turns (in
    /// arrival order) and the transaction takes the write lock at once (`BEGIN IMMEDIATE`), so
    /// concurrent writers neither fail to upgrade a read nor sleep in the busy handler.
    pub async fn begin_write(&self) -> Result<WriteTx> {
        Ok(match &self.pool {
            Pool::Sqlite { write: p, .. } => {
                let turn = self.writer.clone().lock_owned().await;
                // BEGIN runs in a task of its own: were the caller cancelled (a client hanging up)
                // while it waits for the lock, the transaction it opens would otherwise be left open
                // on a pooled connection, holding the write lock for ever. In a task it completes,
                // and is rolled back when dropped.
                // Another process (a server, an import, a command) may hold the lock: wait for it
                // in turns of SQLite's busy timeout, saying what is awaited, up to `write_wait`.
                let started = std::time::Instant::now();
                let mut said = false;
                let tx = loop {
                    let pool = p.clone();
                    let begun = tokio::spawn(async move { pool.begin_with("BEGIN IMMEDIATE").await })
                        .await
                        .context("The task beginning a SQLite write transaction failed")?;
                    match begun {
                        Ok(tx) => break tx,
                        Err(e) if is_busy(&e) && started.elapsed() < self.write_wait => {
                            if !said {
                                tracing::warn!(
                                    "waiting for another groundgame process (a server, an import or another command) to finish writing to {}",
                                    self.name
                                );
                                said = true;
                            }
                        }
                        Err(e) if is_busy(&e) => {
                            return Err(anyhow::anyhow!(
                                "{} stayed locked by another process for {} s: try again when it has finished",
                                self.name,
                                started.elapsed().as_secs()
                            )
                            .into())
                        }
                        Err(e) => return Err(anyhow::Error::new(e).context("Failed to begin a SQLite write transaction").into()),
                    }
                };
                if said {
                    tracing::warn!("{} is free again: going on", self.name);
                }
                WriteTx { tx: Tx::Sqlite(tx), _turn: Some(turn), changes: self.changes.clone(), told: Vec::new() }
            }
            Pool::Postgres(p) => WriteTx {
                tx: Tx::Postgres(p.begin().await.context("Failed to begin a PostgreSQL transaction")?),
                _turn: None,
                changes: self.changes.clone(),
                told: Vec::new(),
            },
        })
    }

    /// Copies the whole database to `output` while servers go on using it: SQLite's online
    /// backup API in one step, which reads one consistent snapshot (writers are not held up; in
    /// WAL mode they never wait for a reader). The copy is checked (`integrity_check`), made a
    /// plain file with no write-ahead log, and only then put at `output`: a backup is whole or
    /// absent. Returns its size in bytes. PostgreSQL is backed up with its own tools.
    pub async fn backup_to(&self, output: &std::path::Path) -> Result<u64> {
        let source = match &self.pool {
            Pool::Sqlite { path: Some(p), .. } => p.clone(),
            Pool::Sqlite { path: None, .. } => return Err(crate::Error::Invalid("an in-memory database has nothing to back up".into())),
            Pool::Postgres(_) => {
                return Err(crate::Error::Invalid(
                    "PostgreSQL is backed up with its own tools (pg_dump, or a base backup with WAL archiving): see docs/OPERATIONS.md"
                        .into(),
                ))
            }
        };
        let output = output.to_path_buf();
        tokio::task::spawn_blocking(move || -> anyhow::Result<u64> {
            use rusqlite::{backup::Backup, Connection, OpenFlags};
            let partial = std::path::PathBuf::from(format!("{}.partial", output.display()));
            let _ = std::fs::remove_file(&partial);
            let src = Connection::open_with_flags(&source, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .with_context(|| format!("Failed to open {} to back it up", source.display()))?;
            src.busy_timeout(Duration::from_secs(30))?;
            let mut dst = Connection::open(&partial).with_context(|| format!("Failed to create {}", partial.display()))?;
            {
                // All pages in one step: one snapshot, however busy the writers are (a copy made in
                // several steps starts again whenever another connection writes).
                use rusqlite::backup::StepResult;
                let backup = Backup::new(&src, &mut dst)?;
                let started = std::time::Instant::now();
                loop {
                    match backup.step(-1).context("The backup failed")? {
                        StepResult::Done => break,
                        _ if started.elapsed() > Duration::from_secs(600) => {
                            anyhow::bail!("the database stayed locked for 10 minutes: no backup was made")
                        }
                        _ => std::thread::sleep(Duration::from_millis(50)),
                    }
                }
            }
            let check: String = dst.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
            anyhow::ensure!(check == "ok", "the backup does not check out ({check}): nothing was written to {}", output.display());
            let _: String = dst.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
            dst.close().map_err(|(_, e)| e)?;
            std::fs::File::open(&partial)?.sync_all()?;
            std::fs::rename(&partial, &output).with_context(|| format!("Failed to put the backup at {}", output.display()))?;
            Ok(std::fs::metadata(&output)?.len())
        })
        .await
        .context("The backup task failed")?
        .map_err(crate::Error::Internal)
    }

    /// Gives back the space of deleted rows so that their bytes leave the database's files:
    /// SQLite rebuilds the file (VACUUM) and empties its write-ahead log; PostgreSQL vacuums the
    /// tables named, so their dead rows' space is reused (VACUUM FULL, which rewrites a table
    /// and locks it meanwhile, is for a maintenance window: docs/OPERATIONS.md). Returns whether
    /// SQLite's log could be emptied (a reader of another process can hold it; it empties at
    /// the next checkpoint).
    pub async fn reclaim(&self, tables: &[&str]) -> Result<bool> {
        match &self.pool {
            Pool::Sqlite { write, .. } => {
                let _turn = self.writer.lock().await;
                sqlx::query("VACUUM").execute(write).await.context("Failed to vacuum the SQLite database")?;
                let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                    .fetch_one(write)
                    .await
                    .context("Failed to checkpoint the SQLite database")?;
                Ok(busy == 0)
            }
            Pool::Postgres(p) => {
                for t in tables {
                    sqlx::query(&format!("VACUUM (ANALYZE) {t}")).execute(p).await.with_context(|| format!("Failed to vacuum {t}"))?;
                }
                Ok(true)
            }
        }
    }

    /// The database as a health check and the metrics see it: one query, so that it answers only
    /// when the database does.
    pub async fn health(&self) -> Result<DatabaseHealth> {
        let sql = "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM _sqlx_migrations WHERE success";
        let (backend, migrator, version, pool_size, idle) = match &self.pool {
            Pool::Sqlite { read, .. } => {
                let (v,): (i64,) = sqlx::query_as(sql).fetch_one(read).await.context("Failed to read the schema version")?;
                ("sqlite", &SQLITE_MIGRATIONS, v, read.size(), read.num_idle())
            }
            Pool::Postgres(p) => {
                let (v,): (i64,) = sqlx::query_as(sql).fetch_one(p).await.context("Failed to read the schema version")?;
                ("postgresql", &POSTGRES_MIGRATIONS, v, p.size(), p.num_idle())
            }
        };
        let expected = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        Ok(DatabaseHealth {
            backend,
            schema_version: version,
            expected_schema_version: expected,
            connections: pool_size,
            idle_connections: idle as u32,
        })
    }

    /// The changes written from now on, by this process or (on PostgreSQL) any other.
    pub fn watch(&self) -> tokio::sync::broadcast::Receiver<crate::changes::Change> {
        match &self.pool {
            Pool::Postgres(p) => self.changes.subscribe(Some(p)),
            Pool::Sqlite { .. } => self.changes.subscribe(None),
        }
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite { read, write, .. } => {
                read.close().await;
                write.close().await;
            }
            Pool::Postgres(p) => p.close().await,
        }
    }
}

/// What [`Store::health`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseHealth {
    /// `sqlite` or `postgresql`.
    pub backend: &'static str,
    /// The newest migration the database has.
    pub schema_version: i64,
    /// The newest migration this build knows: another version means another build migrated it
    /// (newer) or this one has not yet (older).
    pub expected_schema_version: i64,
    /// Connections this process holds open (readers, on SQLite), and how many of them are idle.
    pub connections: u32,
    pub idle_connections: u32,
}

/// A value bound to a query. NULLs are typed, as PostgreSQL needs to know what they are.
#[derive(Debug, Clone)]
pub enum Arg {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
    Bool(bool),
    Bytes(Vec<u8>),
}

/// `$k, $k+1, ...` for a list of values after the arguments `a`, for `IN (...)`, and the
/// arguments with the values.
pub(crate) fn in_list<T: Into<Arg>>(values: impl IntoIterator<Item = T>, mut a: Vec<Arg>) -> (String, Vec<Arg>) {
    let list: Vec<String> = values
        .into_iter()
        .map(|v| {
            a.push(v.into());
            format!("${}", a.len())
        })
        .collect();
    (list.join(", "), a)
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}
impl From<f64> for Arg {
    fn from(v: f64) -> Self {
        Arg::Real(Some(v))
    }
}
impl From<Option<f64>> for Arg {
    fn from(v: Option<f64>) -> Self {
        Arg::Real(v)
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(Some(v))
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(Some(v.to_owned()))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Arg::Text(v.map(str::to_owned))
    }
}
impl From<Vec<u8>> for Arg {
    fn from(v: Vec<u8>) -> Self {
        Arg::Bytes(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}

/// Builds a `Vec<Arg>` from values of mixed types.
#[macro_export]
macro_rules! args {
    ($($v:expr),* $(,)?) => { vec![$($crate::db::Arg::from($v)),*] };
}

/// Binds `Arg`s, in order, to an sqlx query of either backend.
macro_rules! bind_all {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for a in $args {
            q = match a {
                $crate::db::Arg::Int(v) => q.bind(v),
                $crate::db::Arg::Real(v) => q.bind(v),
                $crate::db::Arg::Text(v) => q.bind(v),
                $crate::db::Arg::Bool(v) => q.bind(v),
                $crate::db::Arg::Bytes(v) => q.bind(v),
            };
        }
        q
    }};
}
pub(crate) use bind_all;

/// A row type that decodes from both backends (`#[derive(sqlx::FromRow)]` structs and tuples).
pub trait Record: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Record for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

/// A transaction on either backend. SQL written for it uses `$1`-style placeholders and the
/// common dialect of SQLite and PostgreSQL (`ON CONFLICT`, `RETURNING`, `CAST(.. AS BIGINT)`).
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    pub async fn execute(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64> {
        Ok(match self {
            Tx::Sqlite(tx) => bind_all!(sqlx::query(sql), args).execute(&mut **tx).await?.rows_affected(),
            Tx::Postgres(tx) => bind_all!(sqlx::query(sql), args).execute(&mut **tx).await?.rows_affected(),
        })
    }

    pub async fn fetch_all<T: Record>(&mut self, sql: &str, args: Vec<Arg>) -> Result<Vec<T>> {
        Ok(match self {
            Tx::Sqlite(tx) => bind_all!(sqlx::query_as::<_, T>(sql), args).fetch_all(&mut **tx).await?,
            Tx::Postgres(tx) => bind_all!(sqlx::query_as::<_, T>(sql), args).fetch_all(&mut **tx).await?,
        })
    }

    pub async fn fetch_optional<T: Record>(&mut self, sql: &str, args: Vec<Arg>) -> Result<Option<T>> {
        Ok(match self {
            Tx::Sqlite(tx) => bind_all!(sqlx::query_as::<_, T>(sql), args).fetch_optional(&mut **tx).await?,
            Tx::Postgres(tx) => bind_all!(sqlx::query_as::<_, T>(sql), args).fetch_optional(&mut **tx).await?,
        })
    }

    pub async fn fetch_one<T: Record>(&mut self, sql: &str, args: Vec<Arg>) -> Result<T> {
        Ok(match self {
            Tx::Sqlite(tx) => bind_all!(sqlx::query_as::<_, T>(sql), args).fetch_one(&mut **tx).await?,
            Tx::Postgres(tx) => bind_all!(sqlx::query_as::<_, T>(sql), args).fetch_one(&mut **tx).await?,
        })
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Tx::Postgres(_))
    }

    /// Holds `key` until the transaction ends, against every other transaction that takes it, on
    /// any server. On SQLite a write transaction holds the whole database already.
    pub async fn hold(&mut self, key: &str) -> Result<()> {
        if let Tx::Postgres(tx) = self {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))").bind(key).execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Holds the campaign's next id of `table` until the transaction ends. An insert that numbers
    /// a campaign's rows as MAX(id) + 1 takes this first, so two at once (on any servers) never
    /// take the same number.
    pub async fn hold_next_id(&mut self, table: &str, campaign_id: i64) -> Result<()> {
        self.hold(&format!("next id of {table} in campaign {campaign_id}")).await
    }

    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await.context("Failed to commit")?,
            Tx::Postgres(tx) => tx.commit().await.context("Failed to commit")?,
        }
        Ok(())
    }
}

/// A write transaction: a [`Tx`] that holds this process's turn to write until it is committed or
/// dropped (rolled back).
pub struct WriteTx {
    tx: Tx,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    changes: std::sync::Arc<crate::changes::Changes>,
    /// Changes to tell this process's watchers once committed.
    told: Vec<crate::changes::Change>,
}

impl WriteTx {
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        // This process hears its own changes at once; on PostgreSQL every server process (this
        // one again, a moment later) hears them from the NOTIFY sent inside the transaction.
        for change in self.told {
            self.changes.tell(change);
        }
        Ok(())
    }

    /// Tells whoever watches the campaign, once (and only if) this transaction commits.
    pub async fn announce(&mut self, change: crate::changes::Change) -> Result<()> {
        if self.told.contains(&change) {
            return Ok(());
        }
        if let Tx::Postgres(_) = self.tx {
            let (sql, payload) = crate::changes::notify(&change);
            self.tx.execute(sql, crate::args![payload]).await?;
        }
        self.told.push(change);
        Ok(())
    }
}

impl std::ops::Deref for WriteTx {
    type Target = Tx;
    fn deref(&self) -> &Tx {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Tx {
        &mut self.tx
    }
}

/// Whether SQLite said its lock is held by someone else.
fn is_busy(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.code().is_some_and(|c| c == "5" || c == "517" || c == "261") || d.message().contains("database is locked")
        }
        _ => false,
    }
}

/// A time as stored: RFC 3339 in UTC to the millisecond, so that text order is time order.
pub fn time_text(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The time now, as stored: RFC 3339 in UTC.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_hide_passwords() {
        let url = DatabaseUrl::new("postgres://gg:s3cret@localhost:5432/gg");
        assert_eq!(url.to_string(), "postgres://gg:***@localhost:5432/gg");
        assert!(!format!("{url:?}").contains("s3cret"));
        assert_eq!(url.backend(), Backend::Postgres);
        assert_eq!(DatabaseUrl::new("groundgame.db").backend(), Backend::Sqlite);
    }
}
