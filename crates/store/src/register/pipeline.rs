//! Reading an export on its own thread: the file is parsed while the database writes the previous
//! batch, and at most a few batches are ever held in memory, so a file of millions of rows imports
//! in bounded memory.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::Context;
use groundgame_core::register::absent::{parse_absent_voter, AbsentVoter};
use groundgame_core::register::layout::{Field, Format, Layout, Mapping};
use groundgame_core::register::reader::TableReader;
use groundgame_core::register::record::{RecordParser, UnknownMarkers};
use groundgame_core::register::RowError;
use tokio::sync::mpsc;

use super::Parsed;
use crate::error::{Error, Result};

/// Records per message between the reading thread and the importer.
const BATCH: usize = 2048;
/// Messages in flight: bounds memory whatever the file's size.
const IN_FLIGHT: usize = 4;

/// A register export, opened and recognised, ready to read.
pub struct RegisterFile {
    reader: TableReader<BufReader<File>>,
    parser: RecordParser,
    /// The file's size in bytes, for progress.
    pub size: u64,
}

impl RegisterFile {
    /// Opens an export and recognises its layout from the header (or `mapping`).
    pub fn open(path: &Path, mapping: &Mapping, unknown_markers: UnknownMarkers) -> Result<RegisterFile> {
        Self::open_named(path, &path.display().to_string(), mapping, unknown_markers)
    }

    /// Opens an export kept at `path` that its user knows as `name` (an upload kept in a temporary
    /// file is named as it was uploaded): errors speak of `name`.
    pub fn open_named(path: &Path, name: &str, mapping: &Mapping, unknown_markers: UnknownMarkers) -> Result<RegisterFile> {
        let file = File::open(path).with_context(|| format!("Failed to open {name}"))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let reader = TableReader::open(BufReader::with_capacity(1 << 16, file)).map_err(|e| Error::Invalid(format!("{name}: {e}")))?;
        let layout = Layout::for_register(&reader.headers, mapping).map_err(|e| Error::Invalid(format!("{name}: line 1: {e}")))?;
        Ok(RegisterFile { reader, parser: RecordParser::new(layout, unknown_markers), size })
    }

    pub fn format(&self) -> Format {
        self.parser.layout().format
    }

    pub fn encoding(&self) -> &'static str {
        self.reader.encoding.name()
    }

    /// The header name of the elector number column, to name it in errors.
    pub fn number_column(&self) -> Option<String> {
        self.parser.layout().column_name(Field::ElectorNumber).map(str::to_owned)
    }

    /// Starts reading on a thread of its own. Rows in error are also written to `rejects` (a CSV
    /// with the line, column and reason before the row's own fields) when one is given. `progress`
    /// counts the bytes read.
    pub fn spawn(
        self,
        rejects: Option<PathBuf>,
        progress: Arc<AtomicU64>,
    ) -> (mpsc::Receiver<Vec<Parsed>>, std::thread::JoinHandle<Result<u64>>) {
        let (tx, rx) = mpsc::channel(IN_FLIGHT);
        let handle = std::thread::Builder::new()
            .name("register-reader".into())
            .spawn(move || self.run(tx, rejects, progress))
            .expect("can start a thread");
        (rx, handle)
    }

    /// The next row, parsed; rows in error are also written to the rejects file.
    fn next_parsed(&mut self, rejects: &mut Option<csv::Writer<File>>) -> Option<Result<Parsed>> {
        let row = self.reader.next_row()?;
        let item = match row {
            Ok(row) => match self.parser.parse(&row) {
                Ok(r) => Parsed::Record(super::Read::new(r)),
                Err(e) => Parsed::Invalid(e),
            },
            Err((line, reason)) if reason.starts_with("cannot read") => Parsed::Fatal(format!("line {line}: {reason}")),
            Err((line, reason)) => Parsed::Invalid(RowError { line, column: None, reason, raw: Vec::new() }),
        };
        if let (Parsed::Invalid(e), Some(w)) = (&item, rejects.as_mut()) {
            if let Err(e) = write_reject(w, e) {
                return Some(Err(e));
            }
        }
        Some(Ok(item))
    }

    fn rejects_writer(&self, rejects: Option<PathBuf>) -> Result<Option<csv::Writer<File>>> {
        let Some(path) = rejects else { return Ok(None) };
        let mut w = csv::Writer::from_path(&path).with_context(|| format!("Failed to create {}", path.display()))?;
        let mut header = vec!["line".to_owned(), "column".to_owned(), "reason".to_owned()];
        header.extend(self.reader.headers.iter().cloned());
        w.write_record(&header).context("Failed to write the rejects file")?;
        Ok(Some(w))
    }

    fn run(mut self, tx: mpsc::Sender<Vec<Parsed>>, rejects: Option<PathBuf>, progress: Arc<AtomicU64>) -> Result<u64> {
        let mut rejects = self.rejects_writer(rejects)?;
        let mut batch = Vec::with_capacity(BATCH);
        let mut rows = 0u64;
        while let Some(item) = self.next_parsed(&mut rejects) {
            let item = item?;
            let fatal = matches!(item, Parsed::Fatal(_));
            rows += 1;
            batch.push(item);
            if batch.len() >= BATCH || fatal {
                progress.store(self.reader.byte_offset(), Ordering::Relaxed);
                if tx.blocking_send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))).is_err() {
                    // The importer stopped (it failed or was cancelled): nothing more to do.
                    return Ok(rows);
                }
            }
            if fatal {
                return Ok(rows);
            }
        }
        progress.store(self.reader.byte_offset(), Ordering::Relaxed);
        if !batch.is_empty() {
            let _ = tx.blocking_send(batch);
        }
        if let Some(mut w) = rejects {
            w.flush().context("Failed to write the rejects file")?;
        }
        Ok(rows)
    }

    /// Reads the whole file into memory (for notices of alteration, which are small).
    pub fn read_all(mut self, rejects: Option<PathBuf>) -> Result<Vec<Parsed>> {
        let mut rejects = self.rejects_writer(rejects)?;
        let mut out = Vec::new();
        while let Some(item) = self.next_parsed(&mut rejects) {
            let item = item?;
            let fatal = matches!(item, Parsed::Fatal(_));
            out.push(item);
            if fatal {
                break;
            }
        }
        if let Some(mut w) = rejects {
            w.flush().context("Failed to write the rejects file")?;
        }
        Ok(out)
    }
}

fn write_reject(w: &mut csv::Writer<File>, e: &RowError) -> Result<()> {
    let mut record = vec![e.line.to_string(), e.column.clone().unwrap_or_default(), e.reason.clone()];
    // The rejects file is opened in a spreadsheet: no cell of the council's file may run there.
    record.extend(e.raw.iter().map(|c| groundgame_core::csv_cell::safe(c).into_owned()));
    w.write_record(&record).context("Failed to write the rejects file")?;
    Ok(())
}

/// An absent voters list, read whole (such lists are small).
pub struct AbsentVotersFile {
    /// Every row, parsed or with its error.
    pub rows: Vec<std::result::Result<AbsentVoter, RowError>>,
    /// The header name of the elector number column, to name it in errors.
    pub number_column: Option<String>,
}

/// Reads an absent voters list.
pub fn read_absent_voters(path: &Path, mapping: &Mapping) -> Result<AbsentVotersFile> {
    let file = File::open(path).with_context(|| format!("Failed to open {}", path.display()))?;
    let mut reader = TableReader::open(BufReader::new(file)).map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
    let layout =
        Layout::for_absent_voters(&reader.headers, mapping).map_err(|e| Error::Invalid(format!("{}: line 1: {e}", path.display())))?;
    let mut rows = Vec::new();
    while let Some(row) = reader.next_row() {
        rows.push(match row {
            Ok(row) => parse_absent_voter(&layout, &row),
            Err((line, reason)) => Err(RowError { line, column: None, reason, raw: Vec::new() }),
        });
    }
    Ok(AbsentVotersFile { rows, number_column: layout.column_name(Field::ElectorNumber).map(str::to_owned) })
}

/// Imports an opened register file as the campaign's new register in one transaction, in this
/// process's turn to write: read on its own thread while the database writes. With
/// `options.dry_run`, works out what it would do in a read transaction and writes nothing.
/// `progress` counts the bytes read (for progress bars).
pub async fn import_file(
    store: &crate::Store,
    campaign: &crate::campaigns::Campaign,
    file: RegisterFile,
    options: super::ImportOptions<'_>,
    rejects: Option<PathBuf>,
    progress: Arc<AtomicU64>,
) -> Result<super::ImportReport> {
    let (rows, reader) = file.spawn(rejects, progress);
    let result = if options.dry_run {
        let mut tx = store.begin().await?;
        let result = super::import_register(&mut tx, campaign, rows, options).await;
        drop(tx);
        result
    } else {
        let mut tx = store.begin_write().await?;
        match super::import_register(&mut tx, campaign, rows, options).await {
            Ok(report) => tx.commit().await.map(|_| report),
            Err(e) => Err(e),
        }
    };
    let read = reader.join().map_err(|_| Error::Internal(anyhow::anyhow!("the register reader stopped unexpectedly")))?;
    let report = result?;
    read?;
    Ok(report)
}
