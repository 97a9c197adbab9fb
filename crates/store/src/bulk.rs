//! Bulk writes and reads inside the caller's transaction. On SQLite one prepared statement is
//! stepped for every row through SQLite's own API (the async driver's cost per statement is ten
//! times SQLite's own work); on PostgreSQL rows go as one COPY in text format, or as multi-row
//! statements, and bulk reads through a cursor.

use std::fmt::Write as _;

use anyhow::Context;

use crate::db::{Arg, Tx};
use crate::error::Result;

/// A row for a bulk write: its table, columns (campaign_id first for a campaign's rows) and values.
pub(crate) trait BulkRow {
    const TABLE: &'static str;
    const COLUMNS: &'static [&'static str];
    /// Pushes this row's values, in the order of `COLUMNS` (after `campaign_id` for a campaign's rows).
    fn push_args(self, out: &mut Vec<Arg>);
}

/// Runs `f` with SQLite's own connection beneath the transaction, locked for the call.
async fn with_sqlite<T>(
    sqlite: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    f: impl FnOnce(&rusqlite::Connection) -> Result<T>,
) -> Result<T> {
    let mut handle = sqlite.lock_handle().await.context("Failed to lock the SQLite connection")?;
    let raw = handle.as_raw_handle();
    // SAFETY: the handle is locked for this scope, so nothing else uses the connection;
    // `from_handle` borrows it without taking ownership, and the wrapper (and every statement `f`
    // prepared on it) is dropped before the lock is released.
    let conn = unsafe { rusqlite::Connection::from_handle(raw.as_ptr()) }.context("Failed to use the SQLite connection")?;
    // SQLite's own API blocks the thread for as long as the work takes (a committee room's count,
    // an import). On the server's runtime the thread first hands its other tasks to another, so
    // every other request goes on meanwhile; a single-threaded runtime (tests, the command line)
    // simply waits.
    let out = match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(|| f(&conn)),
        _ => f(&conn),
    };
    drop(conn);
    out
}

/// On SQLite, runs one prepared statement (an `INSERT .. ON CONFLICT`) for each row of arguments
/// through SQLite's own API, and says for each row whether it wrote anything. `None` on
/// PostgreSQL, where one multi-row statement is the fast way.
pub(crate) async fn sqlite_insert_each(tx: &mut Tx, sql: &str, rows: Vec<Vec<Arg>>) -> Result<Option<Vec<bool>>> {
    let Tx::Sqlite(sqlite) = tx else { return Ok(None) };
    with_sqlite(sqlite, |conn| {
        let mut written = Vec::with_capacity(rows.len());
        let mut stmt = conn.prepare(sql).context("Failed to prepare an insert")?;
        for row in rows {
            bind_sqlite(&mut stmt, row).context("Failed to bind a value")?;
            written.push(stmt.raw_execute().map_err(sqlite_error).context("Failed to insert")? > 0);
        }
        Ok(written)
    })
    .await
    .map(Some)
}

/// The `VALUES` list of a multi-row statement, `($1, $2), ($3, $4)`, and its arguments.
fn values_of(rows: &[Vec<Arg>], width: usize) -> (String, Vec<Arg>) {
    let mut values = Vec::with_capacity(rows.len());
    let mut a: Vec<Arg> = Vec::with_capacity(rows.len() * width);
    for row in rows {
        let n = a.len();
        values.push(format!("({})", (1..=width).map(|i| format!("${}", n + i)).collect::<Vec<_>>().join(", ")));
        a.extend(row.iter().cloned());
    }
    (values.join(", "), a)
}

/// Inserts rows, each a full row of `into`'s columns, with `ON CONFLICT {on_conflict}`: on SQLite a
/// prepared statement stepped for each row, on PostgreSQL multi-row statements.
pub(crate) async fn upsert(tx: &mut Tx, into: &str, on_conflict: &str, rows: Vec<Vec<Arg>>) -> Result<()> {
    let Some(width) = rows.first().map(Vec::len) else { return Ok(()) };
    let one = format!("INSERT INTO {into} VALUES {} ON CONFLICT {on_conflict}", values_of(&rows[..1], width).0);
    if sqlite_insert_each(tx, &one, rows.clone()).await?.is_some() {
        return Ok(());
    }
    for chunk in rows.chunks((60_000 / width).max(1)) {
        let (values, a) = values_of(chunk, width);
        tx.execute(&format!("INSERT INTO {into} VALUES {values} ON CONFLICT {on_conflict}"), a).await?;
    }
    Ok(())
}

/// Inserts rows whose first two columns, `campaign_id` and a text `id`, are the table's primary
/// key, unless already there, and says of each whether it was new (the same key twice in `rows`
/// is new the first time only): on SQLite a prepared statement stepped for each row, on
/// PostgreSQL multi-row statements whose `RETURNING` names the new keys.
pub(crate) async fn insert_new(tx: &mut Tx, table: &str, columns: &[&str], rows: Vec<Vec<Arg>>) -> Result<Vec<bool>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let width = columns.len();
    let names = columns.join(", ");
    if matches!(tx, Tx::Sqlite(_)) {
        let one =
            format!("INSERT INTO {table} ({names}) VALUES {} ON CONFLICT (campaign_id, id) DO NOTHING", values_of(&rows[..1], width).0);
        return Ok(sqlite_insert_each(tx, &one, rows).await?.unwrap_or_default());
    }
    let keys: Vec<Option<(i64, String)>> = rows
        .iter()
        .map(|r| match (&r[0], &r[1]) {
            (Arg::Int(Some(c)), Arg::Text(Some(id))) => Some((*c, id.clone())),
            _ => None,
        })
        .collect();
    let mut new: std::collections::HashSet<(i64, String)> = std::collections::HashSet::new();
    for chunk in rows.chunks((60_000 / width).max(1)) {
        let (values, a) = values_of(chunk, width);
        let sql =
            format!("INSERT INTO {table} ({names}) VALUES {values} ON CONFLICT (campaign_id, id) DO NOTHING RETURNING campaign_id, id");
        let returned: Vec<(i64, String)> = tx.fetch_all(&sql, a).await?;
        new.extend(returned);
    }
    Ok(keys.into_iter().map(|k| k.is_some_and(|k| new.remove(&k))).collect())
}

/// Writes rows; `campaign_id`, when given, is the first column of every row.
pub(crate) async fn insert<R: BulkRow>(tx: &mut Tx, campaign_id: Option<i64>, rows: Vec<R>) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let width = R::COLUMNS.len();
    let mut args = Vec::with_capacity(width);
    match tx {
        Tx::Sqlite(sqlite) => {
            with_sqlite(sqlite, |conn| {
                let mut stmt = conn
                    .prepare(&insert_sql(R::TABLE, R::COLUMNS, 1))
                    .with_context(|| format!("Failed to prepare the insert into {}", R::TABLE))?;
                for row in rows {
                    args.clear();
                    if let Some(id) = campaign_id {
                        args.push(Arg::Int(Some(id)));
                    }
                    row.push_args(&mut args);
                    bind_sqlite(&mut stmt, args.drain(..)).with_context(|| format!("Failed to bind a value for {}", R::TABLE))?;
                    stmt.raw_execute().map_err(sqlite_error).with_context(|| format!("Failed to insert into {}", R::TABLE))?;
                }
                Ok(())
            })
            .await?;
        }
        Tx::Postgres(pg) => {
            let mut text = String::with_capacity(rows.len() * 128);
            for row in rows {
                args.clear();
                if let Some(id) = campaign_id {
                    args.push(Arg::Int(Some(id)));
                }
                row.push_args(&mut args);
                copy_line(&mut text, &args);
            }
            let sql = format!("COPY {} ({}) FROM STDIN", R::TABLE, R::COLUMNS.join(", "));
            let mut copy = pg.copy_in_raw(&sql).await.with_context(|| format!("Failed to start COPY into {}", R::TABLE))?;
            copy.send(text.into_bytes()).await.with_context(|| format!("Failed to COPY into {}", R::TABLE))?;
            copy.finish().await.with_context(|| format!("Failed to finish COPY into {}", R::TABLE))?;
        }
    }
    Ok(())
}

/// One row of a bulk read, from either backend.
pub(crate) enum ScanRow<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a sqlx::postgres::PgRow),
}

impl ScanRow<'_> {
    pub fn int(&self, i: usize) -> Result<i64> {
        Ok(self.opt_int(i)?.ok_or_else(|| anyhow::anyhow!("column {i} is NULL"))?)
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        Ok(match self {
            ScanRow::Sqlite(r) => r.get(i).map_err(sqlite_error)?,
            ScanRow::Postgres(r) => sqlx::Row::try_get(*r, i)?,
        })
    }

    pub fn text(&self, i: usize) -> Result<String> {
        Ok(self.opt_text(i)?.ok_or_else(|| anyhow::anyhow!("column {i} is NULL"))?)
    }

    pub fn real(&self, i: usize) -> Result<f64> {
        Ok(match self {
            ScanRow::Sqlite(r) => r.get(i).map_err(sqlite_error)?,
            ScanRow::Postgres(r) => sqlx::Row::try_get(*r, i)?,
        })
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>> {
        Ok(match self {
            ScanRow::Sqlite(r) => r.get(i).map_err(sqlite_error)?,
            ScanRow::Postgres(r) => sqlx::Row::try_get(*r, i)?,
        })
    }
}

/// Queries to read together: on SQLite all of them in one turn of SQLite's own API beneath the
/// transaction (the async driver would hand each row to another thread), each text prepared once
/// however often it is added; on PostgreSQL one after another.
pub(crate) struct Reads {
    sqlite: bool,
    queries: Vec<(String, Vec<Arg>)>,
}

impl Reads {
    /// Reads for this transaction's backend.
    pub fn new(tx: &Tx) -> Reads {
        Reads { sqlite: matches!(tx, Tx::Sqlite(_)), queries: Vec::new() }
    }

    /// Adds a query; its rows come to the reader with the number returned.
    pub fn add(&mut self, sql: String, args: Vec<Arg>) -> usize {
        self.queries.push((sql, args));
        self.queries.len() - 1
    }

    /// How many queries have been added.
    pub fn len(&self) -> usize {
        self.queries.len()
    }

    /// The inside of `IN (...)` for a list of values, its arguments pushed onto `args`. On
    /// SQLite the list is one JSON array read by `json_each`, so that the query's text is the
    /// same whatever the list's length and its statement is prepared once; on PostgreSQL a
    /// placeholder for each value (`NULL` for none, as `IN ()` is not SQL).
    pub fn list<T: Into<Arg>>(&self, values: impl IntoIterator<Item = T>, args: &mut Vec<Arg>) -> String {
        if self.sqlite {
            let mut json = String::from("[");
            for (i, v) in values.into_iter().enumerate() {
                if i > 0 {
                    json.push(',');
                }
                match v.into() {
                    Arg::Int(Some(n)) => {
                        let _ = write!(json, "{n}");
                    }
                    Arg::Real(Some(n)) => json.push_str(&serde_json::Value::from(n).to_string()),
                    Arg::Bool(b) => json.push_str(if b { "1" } else { "0" }),
                    Arg::Text(Some(t)) => json.push_str(&serde_json::Value::String(t).to_string()),
                    // NULL is in no list, as in SQL; bytes are never listed.
                    Arg::Int(None) | Arg::Real(None) | Arg::Text(None) | Arg::Bytes(_) => json.push_str("null"),
                }
            }
            json.push(']');
            args.push(Arg::Text(Some(json)));
            return format!("SELECT value FROM json_each(${})", args.len());
        }
        let (list, a) = crate::db::in_list(values, std::mem::take(args));
        *args = a;
        if list.is_empty() {
            "NULL".into()
        } else {
            list
        }
    }
}

/// Runs the reads, handing each row to `each` with its query's number.
pub(crate) async fn read(tx: &mut Tx, reads: Reads, mut each: impl FnMut(usize, ScanRow<'_>) -> Result<()>) -> Result<()> {
    match tx {
        Tx::Sqlite(sqlite) => {
            with_sqlite(sqlite, |conn| {
                conn.set_prepared_statement_cache_capacity(32);
                for (i, (sql, args)) in reads.queries.into_iter().enumerate() {
                    let mut stmt = conn.prepare_cached(&sql).map_err(sqlite_error).context("Failed to prepare a read")?;
                    bind_sqlite(&mut stmt, args)?;
                    let mut rows = stmt.raw_query();
                    while let Some(row) = rows.next().map_err(sqlite_error)? {
                        each(i, ScanRow::Sqlite(row))?;
                    }
                }
                Ok(())
            })
            .await
        }
        Tx::Postgres(pg) => {
            use futures_util::TryStreamExt;
            for (i, (sql, args)) in reads.queries.into_iter().enumerate() {
                let mut rows = crate::db::bind_all!(sqlx::query(&sql), args).fetch(&mut **pg);
                while let Some(row) = rows.try_next().await? {
                    each(i, ScanRow::Postgres(&row))?;
                }
            }
            Ok(())
        }
    }
}

/// Rows to write with `INSERT .. ON CONFLICT`, each a full row of `into`'s columns.
pub(crate) struct Upsert {
    pub into: &'static str,
    pub on_conflict: &'static str,
    pub rows: Vec<Vec<Arg>>,
}

/// Writes several sets of rows: on SQLite in one turn of SQLite's own API, on PostgreSQL as
/// multi-row statements.
pub(crate) async fn write(tx: &mut Tx, upserts: Vec<Upsert>) -> Result<()> {
    let upserts: Vec<Upsert> = upserts.into_iter().filter(|u| !u.rows.is_empty()).collect();
    if upserts.is_empty() {
        return Ok(());
    }
    if let Tx::Sqlite(sqlite) = tx {
        return with_sqlite(sqlite, |conn| {
            for u in upserts {
                let width = u.rows[0].len();
                let placeholders: Vec<String> = (1..=width).map(|i| format!("${i}")).collect();
                let sql = format!("INSERT INTO {} VALUES ({}) ON CONFLICT {}", u.into, placeholders.join(", "), u.on_conflict);
                let mut stmt = conn.prepare(&sql).map_err(sqlite_error).with_context(|| format!("Failed to prepare {sql}"))?;
                for row in u.rows {
                    bind_sqlite(&mut stmt, row)?;
                    stmt.raw_execute().map_err(sqlite_error).with_context(|| format!("Failed to write into {}", u.into))?;
                }
            }
            Ok(())
        })
        .await;
    }
    for u in upserts {
        upsert(tx, u.into, u.on_conflict, u.rows).await?;
    }
    Ok(())
}

/// Reads many rows one at a time without holding them all: through SQLite's own API on the
/// transaction's connection, or a PostgreSQL cursor.
pub(crate) async fn scan(tx: &mut Tx, sql: &str, args: Vec<Arg>, mut each: impl FnMut(ScanRow<'_>) -> Result<()>) -> Result<()> {
    match tx {
        Tx::Sqlite(sqlite) => {
            with_sqlite(sqlite, |conn| {
                let mut stmt = conn.prepare(sql).map_err(sqlite_error).context("Failed to prepare a bulk read")?;
                bind_sqlite(&mut stmt, args)?;
                let mut rows = stmt.raw_query();
                while let Some(row) = rows.next().map_err(sqlite_error)? {
                    each(ScanRow::Sqlite(row))?;
                }
                Ok(())
            })
            .await?;
        }
        Tx::Postgres(pg) => {
            use futures_util::TryStreamExt;
            let mut rows = crate::db::bind_all!(sqlx::query(sql), args).fetch(&mut **pg);
            while let Some(row) = rows.try_next().await? {
                each(ScanRow::Postgres(&row))?;
            }
        }
    }
    Ok(())
}

/// Binds values, in order, to a statement through SQLite's own API. SQLite numbers `$N`
/// placeholders in the order they first appear in the text, not by N: a query must use `$1`,
/// `$2`, ... in that order (checked in debug builds).
fn bind_sqlite(stmt: &mut rusqlite::Statement<'_>, args: impl IntoIterator<Item = Arg>) -> Result<()> {
    #[cfg(debug_assertions)]
    for i in 1..=stmt.parameter_count() {
        let name = stmt.parameter_name(i).unwrap_or_default().to_owned();
        debug_assert_eq!(name, format!("${i}"), "placeholders out of order in {:?}", stmt.expanded_sql());
    }
    for (i, a) in args.into_iter().enumerate() {
        match a {
            Arg::Int(v) => stmt.raw_bind_parameter(i + 1, v),
            Arg::Real(v) => stmt.raw_bind_parameter(i + 1, v),
            Arg::Text(v) => stmt.raw_bind_parameter(i + 1, v),
            Arg::Bool(v) => stmt.raw_bind_parameter(i + 1, v),
            Arg::Bytes(v) => stmt.raw_bind_parameter(i + 1, v),
        }
        .map_err(sqlite_error)?;
    }
    Ok(())
}

fn sqlite_error(e: rusqlite::Error) -> anyhow::Error {
    anyhow::Error::new(e)
}

fn insert_sql(table: &str, columns: &[&str], rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut p = 1;
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ",(" });
        for c in 0..columns.len() {
            if c > 0 {
                sql.push(',');
            }
            let _ = write!(sql, "${p}");
            p += 1;
        }
        sql.push(')');
    }
    sql
}

/// One line of COPY text format: tab-separated, `\N` for NULL, backslash escapes.
fn copy_line(out: &mut String, args: &[Arg]) {
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        match a {
            Arg::Int(Some(v)) => {
                let _ = write!(out, "{v}");
            }
            Arg::Real(Some(v)) => {
                let _ = write!(out, "{v:?}");
            }
            Arg::Bool(v) => out.push(if *v { 't' } else { 'f' }),
            Arg::Bytes(b) => {
                out.push_str("\\\\x");
                for byte in b {
                    let _ = write!(out, "{byte:02x}");
                }
            }
            Arg::Text(Some(s)) => {
                for c in s.chars() {
                    match c {
                        '\\' => out.push_str("\\\\"),
                        '\t' => out.push_str("\\t"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        c => out.push(c),
                    }
                }
            }
            Arg::Int(None) | Arg::Real(None) | Arg::Text(None) => out.push_str("\\N"),
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_what_it_must() {
        let mut out = String::new();
        copy_line(&mut out, &[Arg::Int(Some(3)), Arg::Text(Some("a\tb\\c\nd".into())), Arg::Text(None), Arg::Real(Some(52.5))]);
        assert_eq!(out, "3\ta\\tb\\\\c\\nd\t\\N\t52.5\n");
    }

    #[test]
    fn insert_sql_numbers_every_placeholder() {
        assert_eq!(insert_sql("t", &["a", "b"], 2), "INSERT INTO t (a, b) VALUES ($1,$2),($3,$4)");
    }
}
