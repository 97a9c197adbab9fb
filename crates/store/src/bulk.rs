//! Bulk writes. Rows are turned into [`Arg`]s once; SQLite receives them as multi-row INSERTs
//! inside the caller's transaction, PostgreSQL as one COPY in text format.

use std::fmt::Write as _;

use anyhow::Context;

use crate::db::{Arg, Tx};
use crate::error::Result;

/// A row for a bulk write: its table, columns (campaign_id first) and values.
pub(crate) trait BulkRow {
    const TABLE: &'static str;
    const COLUMNS: &'static [&'static str];
    /// Pushes this row's values, in the order of `COLUMNS` after `campaign_id`.
    fn push_args(self, out: &mut Vec<Arg>);
}

/// Rows per INSERT statement on SQLite.
const SQLITE_ROWS_PER_STATEMENT: usize = 256;

pub(crate) async fn insert<R: BulkRow>(tx: &mut Tx, campaign_id: i64, rows: Vec<R>) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let width = R::COLUMNS.len();
    match tx {
        Tx::Sqlite(_) => {
            let mut rows = rows.into_iter().peekable();
            while rows.peek().is_some() {
                let mut args = Vec::with_capacity(SQLITE_ROWS_PER_STATEMENT * width);
                let mut n = 0;
                for row in rows.by_ref().take(SQLITE_ROWS_PER_STATEMENT) {
                    args.push(Arg::Int(Some(campaign_id)));
                    row.push_args(&mut args);
                    n += 1;
                }
                debug_assert_eq!(args.len(), n * width);
                tx.execute(&insert_sql(R::TABLE, R::COLUMNS, n), args)
                    .await
                    .with_context(|| format!("Failed to insert {n} rows into {}", R::TABLE))?;
            }
        }
        Tx::Postgres(pg) => {
            let mut text = String::with_capacity(rows.len() * 128);
            let mut args = Vec::with_capacity(width);
            for row in rows {
                args.clear();
                args.push(Arg::Int(Some(campaign_id)));
                row.push_args(&mut args);
                copy_line(&mut text, &args);
            }
            let sql = format!("COPY {} ({}) FROM STDIN", R::TABLE, R::COLUMNS.join(", "));
            let mut copy = pg
                .copy_in_raw(&sql)
                .await
                .with_context(|| format!("Failed to start COPY into {}", R::TABLE))?;
            copy.send(text.into_bytes())
                .await
                .with_context(|| format!("Failed to COPY into {}", R::TABLE))?;
            copy.finish()
                .await
                .with_context(|| format!("Failed to finish COPY into {}", R::TABLE))?;
        }
    }
    Ok(())
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
        copy_line(
            &mut out,
            &[
                Arg::Int(Some(3)),
                Arg::Text(Some("a\tb\\c\nd".into())),
                Arg::Text(None),
                Arg::Real(Some(52.5)),
            ],
        );
        assert_eq!(out, "3\ta\\tb\\\\c\\nd\t\\N\t52.5\n");
    }

    #[test]
    fn insert_sql_numbers_every_placeholder() {
        assert_eq!(
            insert_sql("t", &["a", "b"], 2),
            "INSERT INTO t (a, b) VALUES ($1,$2),($3,$4)"
        );
    }
}
