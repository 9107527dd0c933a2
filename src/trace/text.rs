//! Trace files are CSV text: [`TextReader`] passes a file through and stops at the first sign
//! that it is not, with an error naming the line, what was found and what is allowed.
//!
//! A compressed archive, a spreadsheet or a database file given as a trace would otherwise be
//! read whole in search of a line end (a file without one is one enormous record) or fail deep
//! in the CSV parser with a message about fields. The checks cost one pass over the bytes as
//! they stream by; nothing is held beyond the reader's own buffer.
//!
//! Refused: a NUL byte (no text file has one; most binary formats do early), bytes that are
//! not UTF-8, and a line longer than [`MAX_LINE_BYTES`] (a row of the 2019 dataset's
//! invocations file, the widest trace row, is about 3 KB to 12 KB).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Opens a trace file as CSV with a header row, rows of any width, read through a
/// [`TextReader`].
pub fn open_csv(path: &Path) -> Result<csv::Reader<TextReader<File>>, String> {
    let f = File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(csv::ReaderBuilder::new().flexible(true).from_reader(TextReader::new(f)))
}

/// The longest line a trace file may have, in bytes.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Reads a trace file, refusing what is not text (see the module docs).
pub struct TextReader<R> {
    inner: R,
    /// The line being read (1-based) and the bytes of it read so far.
    line: u64,
    in_line: usize,
    /// The first bytes of a UTF-8 sequence cut by the end of the previous read.
    pending: Vec<u8>,
    /// Bytes passed on so far (the file's signature is looked at once, at 0).
    seen: u64,
}

impl<R: Read> TextReader<R> {
    pub fn new(inner: R) -> TextReader<R> {
        TextReader { inner, line: 1, in_line: 0, pending: Vec::new(), seen: 0 }
    }

    fn refuse(&self, what: String) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, format!("line {}: {what}", self.line))
    }

    /// Checks `bytes`, the next bytes of the file, updating the line count.
    fn check(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.seen == 0
            && let Some(kind) = signature(bytes)
        {
            return Err(self.refuse(format!(
                "the file is {kind}, not text; a trace is a CSV text file (unpack it first)"
            )));
        }
        self.seen += bytes.len() as u64;
        let start = self.finish_pending(bytes)?;
        let rest = &bytes[start..];
        if let Err(e) = std::str::from_utf8(rest) {
            let at = e.valid_up_to();
            self.lines(&rest[..at])?;
            match e.error_len() {
                // a sequence cut by the end of this read: completed by the next
                None => self.pending.extend_from_slice(&rest[at..]),
                Some(_) => {
                    return Err(self.refuse(format!(
                        "byte {} of the line is 0x{:02x}, which is not UTF-8 text; a trace is a CSV text file in UTF-8",
                        self.in_line + 1,
                        rest[at]
                    )));
                }
            }
            return Ok(());
        }
        self.lines(rest)
    }

    /// Completes a UTF-8 sequence cut by the previous read; returns the bytes of `bytes` used.
    fn finish_pending(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.pending.is_empty() {
            return Ok(0);
        }
        let want = match self.pending[0] {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            _ => 4,
        };
        let take = (want - self.pending.len()).min(bytes.len());
        self.pending.extend_from_slice(&bytes[..take]);
        if self.pending.len() < want {
            return Ok(take);
        }
        if std::str::from_utf8(&self.pending).is_err() {
            return Err(self.refuse(format!(
                "bytes {:02x?} are not UTF-8 text; a trace is a CSV text file in UTF-8",
                self.pending
            )));
        }
        self.in_line += want;
        self.pending.clear();
        Ok(take)
    }

    /// Counts lines in valid UTF-8 `text`, refusing NUL and overlong lines.
    fn lines(&mut self, text: &[u8]) -> io::Result<()> {
        for &b in text {
            match b {
                b'\n' => {
                    self.line += 1;
                    self.in_line = 0;
                }
                0 => {
                    return Err(self.refuse(format!(
                        "byte {} of the line is NUL (0x00): this is not a text file; a trace is a CSV text file",
                        self.in_line + 1
                    )));
                }
                _ => {
                    self.in_line += 1;
                    if self.in_line > MAX_LINE_BYTES {
                        return Err(self.refuse(format!(
                            "the line is longer than {MAX_LINE_BYTES} bytes (1 MiB); a trace is a CSV file with lines up to 1 MiB"
                        )));
                    }
                }
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for TextReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !self.pending.is_empty() {
            return Err(self.refuse(format!(
                "the file ends inside a UTF-8 sequence ({:02x?}); a trace is a CSV text file in UTF-8",
                self.pending
            )));
        }
        self.check(&buf[..n])?;
        Ok(n)
    }
}

/// What a file starting with `head` is, when its signature is a known binary format.
fn signature(head: &[u8]) -> Option<&'static str> {
    const KNOWN: [(&[u8], &str); 7] = [
        (&[0x1f, 0x8b], "gzip-compressed"),
        (b"PK\x03\x04", "a zip archive (or an .xlsx spreadsheet)"),
        (b"Rar!", "a RAR archive"),
        (b"7z\xbc\xaf", "a 7-Zip archive"),
        (&[0x28, 0xb5, 0x2f, 0xfd], "zstd-compressed"),
        (b"BZh", "bzip2-compressed"),
        (b"PAR1", "a Parquet file"),
    ];
    KNOWN.iter().find(|(magic, _)| head.starts_with(magic)).map(|(_, kind)| *kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `bytes` through a guard in reads of `chunk` bytes.
    fn read(bytes: &[u8], chunk: usize) -> Result<usize, String> {
        let mut r = TextReader::new(bytes);
        let mut buf = vec![0; chunk];
        let mut total = 0;
        loop {
            match r.read(&mut buf) {
                Ok(0) => return Ok(total),
                Ok(n) => total += n,
                Err(e) => return Err(e.to_string()),
            }
        }
    }

    #[test]
    fn text_passes_whole_in_any_chunking() {
        let text = "name,city\nZoë,Zürich\n日本,東京\n🙂,x\n".as_bytes();
        for chunk in [1, 2, 3, 5, 8192] {
            assert_eq!(read(text, chunk), Ok(text.len()), "chunk {chunk}");
        }
    }

    #[test]
    fn nul_bytes_are_refused_with_their_line() {
        let e = read(b"a,b\n1,2\n3\x004\n", 8192).unwrap_err();
        assert_eq!(
            e,
            "line 3: byte 2 of the line is NUL (0x00): this is not a text file; a trace is a CSV text file"
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_are_refused() {
        let e = read(b"a,b\n\xff\xfe,2\n", 8192).unwrap_err();
        assert!(e.starts_with("line 2: byte 1 of the line is 0xff, which is not UTF-8"), "{e}");
        // a sequence cut at the end of the file
        let e = read("a,é".as_bytes().split_last().unwrap().1, 1).unwrap_err();
        assert!(e.starts_with("line 1: the file ends inside a UTF-8 sequence"), "{e}");
        // a bad continuation after a read boundary
        let e = read(b"ab\xc3(", 3).unwrap_err();
        assert!(e.starts_with("line 1: bytes [c3, 28] are not UTF-8"), "{e}");
    }

    #[test]
    fn an_overlong_line_is_refused_without_reading_on() {
        let mut bytes = b"a,b\n".to_vec();
        bytes.resize(4 + MAX_LINE_BYTES + 1, b'x');
        bytes.extend_from_slice(&[0xff; 100]);
        let e = read(&bytes, 8192).unwrap_err();
        assert!(e.starts_with("line 2: the line is longer than 1048576 bytes"), "{e}");
        // exactly the limit passes
        bytes.truncate(4 + MAX_LINE_BYTES);
        bytes.push(b'\n');
        assert_eq!(read(&bytes, 8192), Ok(bytes.len()));
    }

    #[test]
    fn known_binary_formats_are_named() {
        let e = read(&[0x1f, 0x8b, 8, 0, 0, 0], 8192).unwrap_err();
        assert_eq!(
            e,
            "line 1: the file is gzip-compressed, not text; a trace is a CSV text file (unpack it first)"
        );
        assert!(read(b"PK\x03\x04rest", 8192).unwrap_err().contains("zip archive"));
    }
}
