//! CSV bodies with a declared column list, separator and text encoding.
//!
//! Generated code describes a CSV body with a [`CsvFormat`] (separator,
//! header line, encodings, file name) and a row type implementing
//! [`CsvRow`] (column names, which columns may be left out, and conversion
//! to and from text fields). This module then:
//!
//! * writes rows with [`encode_rows`]: no quoting at all, because the formats
//!   it is made for have no escaping; a field that contains the separator, a
//!   `"`, `\r` or `\n` (or, for Windows-1252, a character that encoding
//!   cannot represent) is refused with [`CsvError::Field`] before anything is
//!   produced, so nothing malformed is ever sent;
//! * reads rows with [`decode_rows`] (a whole body) or [`CsvStream`] (rows as
//!   the bytes arrive, memory bounded by the largest record). Reading accepts
//!   standard `"` quoting, `\n` and `\r\n` line ends, blank lines, a UTF-8 byte
//!   order mark, and decides the text encoding record by record;
//! * takes what a caller wants to upload as [`CsvInput`]: rows, bytes made
//!   by the caller (sent unchanged), or a file path.
//!
//! ```
//! use pasarela_runtime::csv::{self, CsvFieldError, CsvFormat, CsvRow, TextEncoding};
//! use std::borrow::Cow;
//!
//! #[derive(Debug, PartialEq)]
//! struct Line { id: String, amount: pasarela_runtime::Decimal, note: Option<String> }
//!
//! impl CsvRow for Line {
//!     const COLUMNS: &'static [&'static str] = &["Id", "Amount", "Note"];
//!     const OMITTABLE: &'static [usize] = &[2];
//!     fn to_fields(&self) -> Vec<String> {
//!         vec![self.id.clone(), self.amount.to_string(), self.note.clone().unwrap_or_default()]
//!     }
//!     fn from_fields(fields: &[Cow<'_, str>]) -> Result<Self, CsvFieldError> {
//!         Ok(Line {
//!             id: csv::field_required(fields, 0, "Id")?,
//!             amount: csv::field_parse_required(fields, 1, "Amount")?,
//!             note: csv::field_text(fields, 2),
//!         })
//!     }
//! }
//!
//! static FORMAT: CsvFormat = CsvFormat {
//!     separator: b';',
//!     header: false,
//!     encodings: &[TextEncoding::Utf8, TextEncoding::Windows1252],
//!     file_name: "lines.csv",
//! };
//!
//! let rows = vec![Line { id: "7".into(), amount: "1322.10".parse().unwrap(), note: None }];
//! let bytes = csv::encode_rows(&rows, &FORMAT).unwrap();
//! assert_eq!(&bytes[..], b"7;1322.10\n");
//! assert_eq!(csv::decode_rows::<Line>(&bytes, &FORMAT).unwrap(), rows);
//! ```

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use encoding_rs::WINDOWS_1252;
use futures_util::stream::{Stream, StreamExt};

use crate::serde_util::excerpt;

/// How many characters of a field value a parse error quotes.
const VALUE_CHARS: usize = 40;

/// The UTF-8 byte order mark.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A text encoding a CSV body may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8.
    Utf8,
    /// Windows-1252 (the WHATWG definition, a superset of ISO-8859-1 for
    /// printable characters).
    Windows1252,
}

/// How a CSV body is laid out.
#[derive(Debug)]
pub struct CsvFormat {
    /// The field separator, e.g. `b';'`.
    pub separator: u8,
    /// Whether the body starts with a header line (the column names).
    pub header: bool,
    /// The encodings a body may use, in the order they are tried when
    /// reading: each record is read with the first encoding that decodes it
    /// without error (so `[Utf8, Windows1252]` means UTF-8 when the record's
    /// bytes are valid UTF-8, else Windows-1252; no replacement character is
    /// ever inserted). Writing always uses the first one (UTF-8 when the list
    /// is empty).
    pub encodings: &'static [TextEncoding],
    /// The file name used when the body is sent as a multipart file part.
    pub file_name: &'static str,
}

impl CsvFormat {
    fn write_encoding(&self) -> TextEncoding {
        self.encodings
            .first()
            .copied()
            .unwrap_or(TextEncoding::Utf8)
    }

    fn read_encodings(&self) -> &'static [TextEncoding] {
        if self.encodings.is_empty() {
            &[TextEncoding::Utf8]
        } else {
            self.encodings
        }
    }
}

/// A row type of a CSV body: its columns and its conversion to and from text
/// fields. Generated for every CSV row schema.
pub trait CsvRow: Sized {
    /// The column names, in order (used in error messages and header lines).
    const COLUMNS: &'static [&'static str];
    /// Indexes (into [`COLUMNS`](CsvRow::COLUMNS)) of the columns that may be
    /// absent from a record, all together: a record has either every column
    /// or every column but these.
    const OMITTABLE: &'static [usize];
    /// The row's fields as text, one per column; `""` for an absent value.
    fn to_fields(&self) -> Vec<String>;
    /// Builds a row from text fields aligned to
    /// [`COLUMNS`](CsvRow::COLUMNS) (omitted columns are `""`). Fields
    /// borrow from the body where they can (UTF-8, or ASCII in another
    /// encoding), so only the values the row keeps are copied.
    fn from_fields(fields: &[Cow<'_, str>]) -> Result<Self, CsvFieldError>;
}

/// A field of a CSV record that does not make a valid value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct CsvFieldError {
    /// The column's name.
    pub column: String,
    /// What is wrong, e.g. `is required`.
    pub message: String,
}

/// The field at `index` as text; `None` when it is missing or empty. The
/// content is kept as is, except for a trailing `\r` (left by a `\r\n` line
/// end), which is removed.
pub fn field_text(fields: &[Cow<'_, str>], index: usize) -> Option<String> {
    let raw = fields.get(index)?;
    let text = raw.strip_suffix('\r').unwrap_or(raw);
    if text.is_empty() {
        None
    } else {
        Some(text.to_owned())
    }
}

/// The field at `index` as text, which must not be missing or empty.
pub fn field_required(
    fields: &[Cow<'_, str>],
    index: usize,
    column: &str,
) -> Result<String, CsvFieldError> {
    field_text(fields, index).ok_or_else(|| CsvFieldError {
        column: column.to_owned(),
        message: "is required".to_owned(),
    })
}

/// The field at `index` parsed as `T` (after trimming ASCII whitespace);
/// `None` when it is missing or empty.
pub fn field_parse<T: FromStr>(
    fields: &[Cow<'_, str>],
    index: usize,
    column: &str,
) -> Result<Option<T>, CsvFieldError>
where
    T::Err: fmt::Display,
{
    let Some(raw) = fields.get(index) else {
        return Ok(None);
    };
    let text = raw.trim_matches(|c: char| c.is_ascii_whitespace());
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<T>().map(Some).map_err(|e| CsvFieldError {
        column: column.to_owned(),
        message: format!("`{}` is not a valid value: {e}", excerpt(text, VALUE_CHARS)),
    })
}

/// The field at `index` parsed as `T` (after trimming ASCII whitespace);
/// it must not be missing or empty.
pub fn field_parse_required<T: FromStr>(
    fields: &[Cow<'_, str>],
    index: usize,
    column: &str,
) -> Result<T, CsvFieldError>
where
    T::Err: fmt::Display,
{
    field_parse(fields, index, column)?.ok_or_else(|| CsvFieldError {
        column: column.to_owned(),
        message: "is required".to_owned(),
    })
}

/// A CSV body could not be written or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsvError {
    /// A value cannot be written in this format. Nothing was produced (and
    /// so nothing was sent).
    #[error("{}.{column}: {reason}", row_path(*.row))]
    Field {
        /// The 0-based index of the row among the rows given (`rows[0]` is
        /// the first, as in validation errors); `None` for the header line.
        row: Option<usize>,
        /// The column's name.
        column: String,
        /// Why, e.g. `contains ';', which this CSV format cannot carry`.
        reason: String,
    },
    /// A record cannot be read: wrong number of fields, a field that does
    /// not make a valid value (the message names the column), or bytes that
    /// none of the format's encodings can decode.
    #[error("rows[{row}]: {message}")]
    Record {
        /// The 0-based index of the record among the data records (the
        /// header line and blank lines are not counted), counted as
        /// validation errors count list items.
        row: usize,
        /// What is wrong.
        message: String,
    },
    /// The data could not be read: a caller's file (the message names the
    /// path) or a body stream that failed.
    #[error("{0}")]
    Io(String),
}

/// `rows[3]` for a row, `header` for the header line.
fn row_path(row: Option<usize>) -> String {
    match row {
        Some(i) => format!("rows[{i}]"),
        None => "header".to_owned(),
    }
}

// ---------------------------------------------------------------------------
// Writing

/// Writes `rows` in `format`: a header line first when the format has one,
/// then one line per row, each ending with `\n`.
///
/// No quoting or escaping is ever added: a field containing the separator,
/// `"`, `\r` or `\n`, or a character the format's (first) encoding cannot
/// represent, is refused with [`CsvError::Field`] and nothing is produced.
/// When every [omittable](CsvRow::OMITTABLE) column of a row is empty, those
/// columns are left out of that row (so a row whose two trailing optional
/// columns are empty has two fields fewer).
pub fn encode_rows<R: CsvRow>(rows: &[R], format: &CsvFormat) -> Result<Bytes, CsvError> {
    let columns = R::COLUMNS;
    let omittable = omittable_indexes::<R>();
    let encoding = format.write_encoding();
    let mut out = Vec::with_capacity(rows.len().saturating_mul(columns.len() * 8) + 64);

    if format.header {
        let fields: Vec<&str> = columns.to_vec();
        write_record(&mut out, None, &fields, columns, format, encoding)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let fields = row.to_fields();
        if fields.len() != columns.len() {
            return Err(CsvError::Record {
                row: i,
                message: format!(
                    "the row gave {} fields, but the format has {} columns",
                    fields.len(),
                    columns.len()
                ),
            });
        }
        let omit = !omittable.is_empty() && omittable.iter().all(|&c| fields[c].is_empty());
        let kept: Vec<&str> = fields
            .iter()
            .enumerate()
            .filter(|(c, _)| !(omit && omittable.contains(c)))
            .map(|(_, f)| f.as_str())
            .collect();
        let names: Vec<&str> = columns
            .iter()
            .enumerate()
            .filter(|(c, _)| !(omit && omittable.contains(c)))
            .map(|(_, n)| *n)
            .collect();
        write_record(&mut out, Some(i), &kept, &names, format, encoding)?;
    }
    Ok(Bytes::from(out))
}

/// The valid, distinct omittable column indexes of `R`, in order.
fn omittable_indexes<R: CsvRow>() -> Vec<usize> {
    let mut v: Vec<usize> = R::OMITTABLE
        .iter()
        .copied()
        .filter(|&i| i < R::COLUMNS.len())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn write_record(
    out: &mut Vec<u8>,
    row: Option<usize>,
    fields: &[&str],
    names: &[&str],
    format: &CsvFormat,
    encoding: TextEncoding,
) -> Result<(), CsvError> {
    for (i, field) in fields.iter().enumerate() {
        let column = names.get(i).copied().unwrap_or_default();
        let bad = |reason: String| CsvError::Field {
            row,
            column: column.to_owned(),
            reason,
        };
        if let Some(c) = field.chars().find(|&c| {
            c == '"'
                || c == '\r'
                || c == '\n'
                || (format.separator.is_ascii() && c == char::from(format.separator))
        }) {
            return Err(bad(format!(
                "contains {c:?}, which this CSV format cannot carry"
            )));
        }
        let bytes = encode_field(field, encoding).map_err(|c| {
            bad(format!(
                "contains {c:?} (U+{:04X}), which Windows-1252 cannot represent",
                u32::from(c)
            ))
        })?;
        if !format.separator.is_ascii() && bytes.contains(&format.separator) {
            return Err(bad(format!(
                "contains the separator byte 0x{:02X}, which this CSV format cannot carry",
                format.separator
            )));
        }
        if i > 0 {
            out.push(format.separator);
        }
        out.extend_from_slice(&bytes);
    }
    out.push(b'\n');
    Ok(())
}

/// Encodes one field; `Err(c)` names the first character the encoding
/// cannot represent.
fn encode_field(field: &str, encoding: TextEncoding) -> Result<Cow<'_, [u8]>, char> {
    match encoding {
        TextEncoding::Utf8 => Ok(Cow::Borrowed(field.as_bytes())),
        TextEncoding::Windows1252 => {
            let (bytes, _, had_errors) = WINDOWS_1252.encode(field);
            if !had_errors {
                return Ok(bytes);
            }
            let mut buf = [0u8; 4];
            for c in field.chars() {
                let (_, _, bad) = WINDOWS_1252.encode(c.encode_utf8(&mut buf));
                if bad {
                    return Err(c);
                }
            }
            Err(char::REPLACEMENT_CHARACTER)
        }
    }
}

// ---------------------------------------------------------------------------
// Reading

/// What one step of the record reader produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// A complete record is available in [`RecordReader::fields`].
    Record,
    /// All input given was consumed without completing a record.
    NeedInput,
    /// The end of the data (after an empty input).
    End,
}

/// An incremental record reader over `csv-core`: its buffers grow to the
/// largest record and are reused.
struct RecordReader {
    core: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    out_len: usize,
    ends_len: usize,
}

impl RecordReader {
    fn new(separator: u8) -> Self {
        RecordReader {
            core: csv_core::ReaderBuilder::new()
                .delimiter(separator)
                .terminator(csv_core::Terminator::CRLF)
                .quoting(true)
                .double_quote(true)
                .build(),
            out: vec![0; 1024],
            ends: vec![0; 16],
            out_len: 0,
            ends_len: 0,
        }
    }

    /// Reads from `input` (empty means: no more data); returns what happened
    /// and how many bytes were consumed.
    fn read(&mut self, mut input: &[u8]) -> (Step, usize) {
        let start = input.len();
        loop {
            let (result, nin, nout, nend) = self.core.read_record(
                input,
                &mut self.out[self.out_len..],
                &mut self.ends[self.ends_len..],
            );
            input = &input[nin..];
            self.out_len += nout;
            self.ends_len += nend;
            match result {
                csv_core::ReadRecordResult::InputEmpty => {
                    return (Step::NeedInput, start - input.len());
                }
                csv_core::ReadRecordResult::OutputFull => {
                    let len = self.out.len().max(64) * 2;
                    self.out.resize(len, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    let len = self.ends.len().max(8) * 2;
                    self.ends.resize(len, 0);
                }
                csv_core::ReadRecordResult::Record => {
                    return (Step::Record, start - input.len());
                }
                csv_core::ReadRecordResult::End => return (Step::End, start - input.len()),
            }
        }
    }

    /// The raw fields of the record just read; clears it for the next one.
    fn take_fields(&mut self) -> Vec<&[u8]> {
        let mut fields = Vec::with_capacity(self.ends_len);
        let mut begin = 0;
        for &end in &self.ends[..self.ends_len] {
            let end = end.min(self.out_len);
            fields.push(&self.out[begin.min(end)..end]);
            begin = end;
        }
        self.out_len = 0;
        self.ends_len = 0;
        fields
    }
}

/// Turns raw records into rows: header and blank-record skipping, row
/// numbering.
#[derive(Debug)]
struct RowDecoder {
    header_pending: bool,
    rows: usize,
}

impl RowDecoder {
    fn new(format: &CsvFormat) -> Self {
        RowDecoder {
            header_pending: format.header,
            rows: 0,
        }
    }

    /// The row of one raw record; `None` for the header or a blank record
    /// (a single field of nothing but ASCII whitespace).
    fn decode<R: CsvRow>(
        &mut self,
        raw: &[&[u8]],
        format: &CsvFormat,
    ) -> Option<Result<R, CsvError>> {
        if let [only] = raw {
            if only.iter().all(u8::is_ascii_whitespace) {
                return None;
            }
        }
        if self.header_pending {
            self.header_pending = false;
            return None;
        }
        let index = self.rows;
        self.rows += 1;
        Some(decode_record::<R>(raw, format, index))
    }
}

fn decode_record<R: CsvRow>(raw: &[&[u8]], format: &CsvFormat, row: usize) -> Result<R, CsvError> {
    let record_error = |message: String| CsvError::Record { row, message };
    let texts = decode_fields(raw, format).ok_or_else(|| {
        record_error(format!(
            "the record cannot be decoded as {}",
            describe_encodings(format.read_encodings())
        ))
    })?;
    let columns = R::COLUMNS.len();
    if texts.len() == columns {
        return R::from_fields(&texts).map_err(|e| record_error(e.to_string()));
    }
    let omittable = omittable_indexes::<R>();
    let short = columns - omittable.len();
    let fields: Vec<Cow<'_, str>> = if !omittable.is_empty() && texts.len() == short {
        let mut given = texts.into_iter();
        (0..columns)
            .map(|c| {
                if omittable.contains(&c) {
                    Cow::Borrowed("")
                } else {
                    given.next().unwrap_or_default()
                }
            })
            .collect()
    } else {
        let expected = if omittable.is_empty() {
            format!("expected {columns} fields")
        } else {
            format!("expected {columns} or {short} fields")
        };
        return Err(record_error(format!("{expected}, found {}", texts.len())));
    };
    R::from_fields(&fields).map_err(|e| record_error(e.to_string()))
}

/// Decodes a record's fields with the first of the format's encodings that
/// decodes every field without error.
fn decode_fields<'a>(raw: &[&'a [u8]], format: &CsvFormat) -> Option<Vec<Cow<'a, str>>> {
    format.read_encodings().iter().find_map(|enc| match enc {
        TextEncoding::Utf8 => raw
            .iter()
            .map(|f| std::str::from_utf8(f).ok().map(Cow::Borrowed))
            .collect(),
        TextEncoding::Windows1252 => raw
            .iter()
            .map(|f| WINDOWS_1252.decode_without_bom_handling_and_without_replacement(f))
            .collect(),
    })
}

fn describe_encodings(encodings: &[TextEncoding]) -> String {
    encodings
        .iter()
        .map(|e| match e {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Windows1252 => "Windows-1252",
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Reads every row of a CSV body (a leading UTF-8 byte order mark is
/// ignored). Stops at the first record that cannot be read.
///
/// Records end with `\n` or `\r\n`; blank lines are skipped; the first line
/// is skipped when the format has a header. A record has either every
/// column, or every column but the [omittable](CsvRow::OMITTABLE) ones (which
/// are then read as `""`); any other field count is a [`CsvError::Record`].
/// Fields may be quoted with `"` (a `""` inside is one `"`).
pub fn decode_rows<R: CsvRow>(bytes: &[u8], format: &CsvFormat) -> Result<Vec<R>, CsvError> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let mut reader = RecordReader::new(format.separator);
    let mut decoder = RowDecoder::new(format);
    let mut rows = Vec::new();
    let mut input = bytes;
    loop {
        let (step, n) = reader.read(input);
        input = &input[n..];
        match step {
            Step::Record => {
                let raw = reader.take_fields();
                if let Some(row) = decoder.decode::<R>(&raw, format) {
                    rows.push(row?);
                }
            }
            // `input` is now empty, which tells the reader the data ended.
            Step::NeedInput => {}
            Step::End => return Ok(rows),
        }
    }
}

// ---------------------------------------------------------------------------
// Input

/// A CSV body to upload: rows to encode, bytes the caller made (sent
/// unchanged), or the path of a file to read (also sent unchanged).
///
/// `Debug` shows how many rows or bytes there are, or the path, never the
/// content.
#[derive(Clone)]
pub enum CsvInput<R> {
    /// Rows, encoded with [`encode_rows`] when the request is prepared.
    Rows(Vec<R>),
    /// A complete CSV body, sent as is.
    Bytes(Bytes),
    /// A file whose content is sent as is.
    Path(PathBuf),
}

impl<R> fmt::Debug for CsvInput<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CsvInput::Rows(rows) => write!(f, "Rows({} rows)", rows.len()),
            CsvInput::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            CsvInput::Path(p) => f.debug_tuple("Path").field(p).finish(),
        }
    }
}

impl<R> From<Vec<R>> for CsvInput<R> {
    fn from(rows: Vec<R>) -> Self {
        CsvInput::Rows(rows)
    }
}

impl<R> From<Bytes> for CsvInput<R> {
    fn from(bytes: Bytes) -> Self {
        CsvInput::Bytes(bytes)
    }
}

impl<R> From<PathBuf> for CsvInput<R> {
    fn from(path: PathBuf) -> Self {
        CsvInput::Path(path)
    }
}

impl<R> From<&Path> for CsvInput<R> {
    fn from(path: &Path) -> Self {
        CsvInput::Path(path.to_path_buf())
    }
}

impl<R: CsvRow> CsvInput<R> {
    /// The bytes to send: rows are encoded with [`encode_rows`]; bytes are
    /// returned unchanged; a file is read (a failure is [`CsvError::Io`],
    /// naming the path) and its content returned unchanged.
    pub async fn into_bytes(self, format: &CsvFormat) -> Result<Bytes, CsvError> {
        match self {
            CsvInput::Rows(rows) => encode_rows(&rows, format),
            CsvInput::Bytes(bytes) => Ok(bytes),
            CsvInput::Path(path) => tokio::fs::read(&path).await.map(Bytes::from).map_err(|e| {
                CsvError::Io(format!(
                    "could not read the CSV file {}: {e}",
                    path.display()
                ))
            }),
        }
    }
}

// ---------------------------------------------------------------------------
// Streaming

/// A source of body chunks; an error is already described as text.
pub(crate) type ChunkStream = Pin<Box<dyn Stream<Item = Result<Bytes, String>> + Send>>;

/// A cell made safe to open in a spreadsheet: a value starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so that a
/// spreadsheet shows it as text instead of running it as a formula ("CSV
/// injection"); any other value is returned as it is.
///
/// Opt-in, for fields filled from untrusted input (a name, a note) in files
/// that people will open: rows are written exactly as given by default,
/// because a phone number (`+54…`) or a negative amount starts with such a
/// character too, and the `'` is sent to the server as part of the value.
pub fn guard_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => std::borrow::Cow::Owned(format!("'{cell}")),
        _ => std::borrow::Cow::Borrowed(cell),
    }
}

/// Longest CSV record a [`CsvStream`] reads before it stops with an error.
/// Streamed exports are not bounded as a whole (that is their point), but
/// each record is, so memory stays bounded whatever the server sends.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// CSV rows read as the body arrives.
///
/// Memory is bounded by the largest record (plus one network chunk), not by
/// the size of the body. Call [`next`](CsvStream::next) until it returns
/// `None`:
///
/// * a record that cannot be read gives `Some(Err(CsvError::Record { .. }))`
///   and reading goes on with the next record;
/// * a body that fails to arrive gives `Some(Err(CsvError::Io(..)))`, after
///   which the stream ends. When the stream came from
///   [`StreamingResponse::into_csv_stream`](crate::StreamingResponse::into_csv_stream),
///   waiting longer than the client's per-attempt timeout for any one chunk
///   counts as such a failure (the whole download may take longer).
pub struct CsvStream<R> {
    source: ChunkStream,
    /// Bytes of the record being read so far.
    record_bytes: usize,
    pending: Bytes,
    reader: RecordReader,
    format: &'static CsvFormat,
    rows: RowDecoder,
    started: bool,
    eof: bool,
    done: bool,
    file_name: Option<String>,
    idle_timeout: Option<Duration>,
    _row: PhantomData<fn() -> R>,
}

impl<R> fmt::Debug for CsvStream<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsvStream")
            .field("file_name", &self.file_name)
            .field("rows_read", &self.rows.rows)
            .field("buffered", &self.pending.len())
            .field("finished", &self.done)
            .finish()
    }
}

impl<R: CsvRow> CsvStream<R> {
    /// Reads rows in `format` from any stream of byte chunks (a leading
    /// UTF-8 byte order mark is ignored; no `OK:`/`ERROR:` result grammar is
    /// applied). Useful in tests and benchmarks, or to read a CSV file as it
    /// is being produced.
    pub fn from_stream<S, E>(stream: S, format: &'static CsvFormat) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: fmt::Display,
    {
        let source: ChunkStream = Box::pin(stream.map(|r| r.map_err(|e| e.to_string())));
        Self::new(source, Bytes::new(), format, None, None)
    }

    /// `head`: bytes already read from the body, parsed before `source`.
    pub(crate) fn new(
        source: ChunkStream,
        head: Bytes,
        format: &'static CsvFormat,
        file_name: Option<String>,
        idle_timeout: Option<Duration>,
    ) -> Self {
        CsvStream {
            source,
            record_bytes: 0,
            pending: head,
            reader: RecordReader::new(format.separator),
            format,
            rows: RowDecoder::new(format),
            started: false,
            eof: false,
            done: false,
            file_name,
            idle_timeout,
            _row: PhantomData,
        }
    }

    /// The next row, `None` at the end of the body.
    pub async fn next(&mut self) -> Option<Result<R, CsvError>> {
        loop {
            if self.done {
                return None;
            }
            if !self.started {
                // Enough bytes to recognise a byte order mark.
                if self.pending.len() < BOM.len() && !self.eof {
                    if let Err(e) = self.fetch().await {
                        return Some(Err(e));
                    }
                    continue;
                }
                self.started = true;
                if self.pending.starts_with(BOM) {
                    self.pending.advance(BOM.len());
                }
            }
            if !self.pending.is_empty() || self.eof {
                let input: &[u8] = if self.eof { &[] } else { &self.pending };
                let (step, n) = self.reader.read(input);
                self.pending.advance(n.min(self.pending.len()));
                self.record_bytes = self.record_bytes.saturating_add(n);
                if step == Step::NeedInput && self.record_bytes > MAX_RECORD_BYTES {
                    self.done = true;
                    return Some(Err(CsvError::Io(format!(
                        "a CSV record is longer than {MAX_RECORD_BYTES} bytes; the stream was stopped (a body that never ends a record would otherwise grow without bound)"
                    ))));
                }
                match step {
                    Step::Record => {
                        self.record_bytes = 0;
                        let raw = self.reader.take_fields();
                        match self.rows.decode::<R>(&raw, self.format) {
                            Some(item) => return Some(item),
                            None => continue,
                        }
                    }
                    Step::End => {
                        self.done = true;
                        return None;
                    }
                    Step::NeedInput => {}
                }
            }
            if let Err(e) = self.fetch().await {
                return Some(Err(e));
            }
        }
    }

    /// Appends the next chunk to `pending`, or notes the end of the body.
    /// On failure the stream is finished.
    async fn fetch(&mut self) -> Result<(), CsvError> {
        if self.eof {
            return Ok(());
        }
        let next = match self.idle_timeout {
            Some(limit) => match tokio::time::timeout(limit, self.source.next()).await {
                Ok(next) => next,
                Err(_) => Some(Err(format!(
                    "no data arrived for {} ms while reading the body",
                    limit.as_millis()
                ))),
            },
            None => self.source.next().await,
        };
        match next {
            Some(Ok(chunk)) => {
                if self.pending.is_empty() {
                    self.pending = chunk;
                } else if !chunk.is_empty() {
                    let mut joined = BytesMut::with_capacity(self.pending.len() + chunk.len());
                    joined.extend_from_slice(&self.pending);
                    joined.extend_from_slice(&chunk);
                    self.pending = joined.freeze();
                }
                Ok(())
            }
            Some(Err(message)) => {
                self.done = true;
                Err(CsvError::Io(format!(
                    "the CSV body could not be read: {message}"
                )))
            }
            None => {
                self.eof = true;
                Ok(())
            }
        }
    }

    /// The file name the server gave (from `Content-Disposition`), if any.
    pub fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// How many data records have been read so far (rows returned, and
    /// records that could not be read); the header line and blank lines are
    /// not counted.
    pub fn rows_read(&self) -> usize {
        self.rows.rows
    }
}
