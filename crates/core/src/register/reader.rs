use std::fmt;
use std::io::{self, Read, Seek, SeekFrom};

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};
use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};

/// Why a file cannot be read at all.
#[derive(Debug)]
pub enum FileError {
    Io(io::Error),
    /// The bytes are not text in any encoding an export uses.
    Unreadable(String),
    Empty,
    /// The header is malformed or not a layout groundgame knows.
    Header(String),
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::Io(e) => write!(f, "cannot read the file: {e}"),
            FileError::Unreadable(why) => write!(f, "unreadable encoding: {why}"),
            FileError::Empty => f.write_str("the file is empty: it has no header line"),
            FileError::Header(why) => write!(f, "line 1: {why}"),
        }
    }
}

impl std::error::Error for FileError {}

impl From<io::Error> for FileError {
    fn from(e: io::Error) -> Self {
        FileError::Io(e)
    }
}

/// The text encoding an export was found to be in.
pub fn detect_encoding<R: Read + Seek>(input: &mut R) -> Result<&'static Encoding, FileError> {
    input.seek(SeekFrom::Start(0))?;
    let mut buf = vec![0u8; 1 << 16];
    let mut carry: Vec<u8> = Vec::new();
    let mut offset: u64 = 0;
    let mut first = true;
    let mut utf8 = true;
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        if first {
            first = false;
            if let Some((enc, _)) = Encoding::for_bom(chunk) {
                input.seek(SeekFrom::Start(0))?;
                return Ok(enc);
            }
        }
        if let Some(i) = chunk.iter().position(|b| *b == 0) {
            return Err(FileError::Unreadable(format!(
                "a NUL byte at byte {}: this is not a text export (a spreadsheet saved as .xlsx, or UTF-16 without a byte-order mark?)",
                offset + i as u64
            )));
        }
        if utf8 {
            let mut joined = std::mem::take(&mut carry);
            joined.extend_from_slice(chunk);
            match std::str::from_utf8(&joined) {
                Ok(_) => {}
                Err(e) if e.error_len().is_none() => carry = joined[e.valid_up_to()..].to_vec(),
                Err(_) => utf8 = false,
            }
        }
        offset += n as u64;
    }
    input.seek(SeekFrom::Start(0))?;
    if offset == 0 {
        return Err(FileError::Empty);
    }
    Ok(if utf8 && carry.is_empty() { UTF_8 } else { WINDOWS_1252 })
}

/// A delimited export opened for reading: its encoding found, its header read, rows streamed one
/// at a time with the physical line each starts on. Quoted fields may hold commas and newlines.
pub struct TableReader<R: Read> {
    csv: csv::Reader<CrlfToLf<DecodeReaderBytes<R, Vec<u8>>>>,
    pub headers: Vec<String>,
    pub encoding: &'static Encoding,
    pub delimiter: u8,
    record: csv::StringRecord,
}

/// One row: its line and fields.
pub struct Row<'a> {
    pub line: u64,
    pub fields: &'a csv::StringRecord,
}

impl<R: Read + Seek> TableReader<R> {
    pub fn open(mut input: R) -> Result<Self, FileError> {
        let encoding = detect_encoding(&mut input)?;
        let delimiter = sniff_delimiter(&mut input)?;
        let decoder = DecodeReaderBytesBuilder::new()
            .encoding(if encoding == UTF_8 { None } else { Some(encoding) })
            .bom_sniffing(true)
            .strip_bom(true)
            .build(input);
        let mut csv = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(true).from_reader(CrlfToLf::new(decoder));
        let headers: Vec<String> = match csv.headers() {
            Ok(h) => h.iter().map(|s| s.trim().to_owned()).collect(),
            Err(e) => return Err(FileError::Header(e.to_string())),
        };
        if headers.iter().all(|h| h.is_empty()) {
            return Err(FileError::Empty);
        }
        Ok(TableReader { csv, headers, encoding, delimiter, record: csv::StringRecord::new() })
    }
}

impl<R: Read> TableReader<R> {
    /// The next row, `None` at the end. A row the CSV layer cannot read (bad quoting) is an
    /// error naming its line.
    pub fn next_row(&mut self) -> Option<Result<Row<'_>, (u64, String)>> {
        loop {
            match self.csv.read_record(&mut self.record) {
                Ok(false) => return None,
                Ok(true) => {
                    let line = self.record.position().map_or(0, |p| p.line());
                    if self.record.iter().all(|f| f.trim().is_empty()) {
                        continue;
                    }
                    return Some(Ok(Row { line, fields: &self.record }));
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    let reason = match e.kind() {
                        csv::ErrorKind::Io(io) => format!("cannot read the file: {io}"),
                        csv::ErrorKind::Utf8 { .. } => "unreadable encoding".to_owned(),
                        _ => e.to_string(),
                    };
                    return Some(Err((line, reason)));
                }
            }
        }
    }

    /// How far into the input the reader is, in bytes (for progress).
    pub fn byte_offset(&self) -> u64 {
        self.csv.position().byte()
    }
}

/// Turns CRLF line ends into LF, so that the CSV layer counts physical lines the same way for
/// Windows and Unix files (it counts one line short after a CRLF header otherwise).
pub struct CrlfToLf<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    pending_cr: bool,
}

impl<R: Read> CrlfToLf<R> {
    pub fn new(inner: R) -> Self {
        CrlfToLf { inner, buf: vec![0; 1 << 16], start: 0, end: 0, pending_cr: false }
    }
}

impl<R: Read> Read for CrlfToLf<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            if self.start == self.end {
                let n = self.inner.read(&mut self.buf)?;
                if n == 0 {
                    // A CR at the very end stands alone.
                    if std::mem::take(&mut self.pending_cr) {
                        out[0] = b'\r';
                        return Ok(1);
                    }
                    return Ok(0);
                }
                self.start = 0;
                self.end = n;
            }
            let mut w = 0;
            while self.start < self.end && w < out.len() {
                let b = self.buf[self.start];
                if std::mem::take(&mut self.pending_cr) && b != b'\n' {
                    // A lone CR is kept; the byte after it is read on the next turn.
                    out[w] = b'\r';
                    w += 1;
                    continue;
                }
                self.start += 1;
                if b == b'\r' {
                    self.pending_cr = true;
                } else {
                    out[w] = b;
                    w += 1;
                }
            }
            if w > 0 {
                return Ok(w);
            }
        }
    }
}

/// Tab if the header line has more tabs than commas, else comma.
fn sniff_delimiter<R: Read + Seek>(input: &mut R) -> Result<u8, FileError> {
    let mut head = vec![0u8; 8192];
    let n = read_up_to(input, &mut head)?;
    input.seek(SeekFrom::Start(0))?;
    let head = &head[..n];
    // In UTF-16 each ASCII character is one byte beside a zero byte, so counting bytes still works.
    let first_line = head.split(|b| *b == b'\n').next().unwrap_or(head);
    let tabs = first_line.iter().filter(|b| **b == b'\t').count();
    let commas = first_line.iter().filter(|b| **b == b',').count();
    Ok(if tabs > commas { b'\t' } else { b',' })
}

fn read_up_to<R: Read>(input: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let n = input.read(&mut buf[filled..])?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// Header, rows with their lines, and the encoding found.
    type Table = (Vec<String>, Vec<(u64, Vec<String>)>, &'static str);

    fn rows(bytes: &[u8]) -> Table {
        let mut r = TableReader::open(Cursor::new(bytes.to_vec())).unwrap();
        let headers = r.headers.clone();
        let name = r.encoding.name();
        let mut out = Vec::new();
        while let Some(row) = r.next_row() {
            let row = row.unwrap();
            out.push((row.line, row.fields.iter().map(str::to_owned).collect()));
        }
        (headers, out, name)
    }

    #[test]
    fn reads_utf8_with_bom_crlf_and_quoted_newlines() {
        let (h, r, enc) = rows(b"\xEF\xBB\xBFa,b\r\n1,\"x, y\"\r\n2,\"two\r\nlines\"\r\n3,z\r\n");
        assert_eq!(h, ["a", "b"]);
        assert_eq!(enc, "UTF-8");
        assert_eq!(r[0], (2, vec!["1".into(), "x, y".into()]));
        assert_eq!(r[1].1[1], "two\nlines");
        assert_eq!(r[2].0, 5, "the row after a quoted newline starts on line 5");
    }

    #[test]
    fn falls_back_to_windows_1252() {
        let (_, r, enc) = rows(b"a,b\n1,Ren\xe9e\n");
        assert_eq!(enc, "windows-1252");
        assert_eq!(r[0].1[1], "Renée");
    }

    #[test]
    fn crlf_becomes_lf_and_lone_cr_stays() {
        let mut out = String::new();
        CrlfToLf::new("a\r\nb\rc\r".as_bytes()).read_to_string(&mut out).unwrap();
        assert_eq!(out, "a\nb\rc\r");
        let mut one = [0u8; 1];
        let mut r = CrlfToLf::new("x\r\ny".as_bytes());
        let mut got = Vec::new();
        while r.read(&mut one).unwrap() == 1 {
            got.push(one[0]);
        }
        assert_eq!(got, b"x\ny");
    }

    #[test]
    fn detects_tabs() {
        let (h, r, _) = rows(b"a\tb\n1\tx,y\n");
        assert_eq!(h, ["a", "b"]);
        assert_eq!(r[0].1[1], "x,y");
    }

    #[test]
    fn refuses_binary_and_empty_files() {
        assert!(matches!(TableReader::open(Cursor::new(b"PK\x03\x04\x00\x00".to_vec())), Err(FileError::Unreadable(_))));
        assert!(matches!(TableReader::open(Cursor::new(Vec::new())), Err(FileError::Empty)));
    }

    #[test]
    fn reads_utf16_with_bom() {
        let text = "a,b\n1,Zoë\n";
        let mut bytes = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let (_, r, _) = rows(&bytes);
        assert_eq!(r[0].1[1], "Zoë");
    }
}
