//! The tar-split file `layers/<chain>/tar-split`: a zstd stream of records that, replayed in
//! order, give back the layer's uncompressed tar byte for byte.
//!
//! ```text
//! file    = MAGIC record* END
//! record  = RAW  len:varint bytes[len]            bytes of the stream kept verbatim
//!         | FILE size:varint plen:varint path[plen]  `size` bytes of the file at `path`
//! ```
//! `path` is relative to the layer's `diff/`, as the unpacker resolved the entry (symlinked
//! parents resolve inside the layer). Varints are LEB128. The explicit END record makes a
//! truncated file an error rather than a short tar.

use std::io::{self, Read, Write};

use anyhow::{Result, bail};

const MAGIC: &[u8; 8] = b"tsplit1\n";
const RAW: u8 = 1;
const FILE: u8 = 2;
const END: u8 = 0;
/// A record never claims more than this for a path: the unpacker's paths are far shorter.
const MAX_PATH: u64 = 64 << 10;
/// Raw records are read in chunks of at most this size, whatever their declared length.
const MAX_RAW_CHUNK: u64 = 1 << 20;

/// One step of the replay.
#[derive(Debug, PartialEq, Eq)]
pub enum Record {
    Raw(Vec<u8>),
    File { size: u64, path: Vec<u8> },
}

/// Writes records as the unpacker produces them.
pub struct SplitWriter<W: Write> {
    out: W,
}

impl<W: Write> SplitWriter<W> {
    pub fn new(mut out: W) -> io::Result<Self> {
        out.write_all(MAGIC)?;
        Ok(SplitWriter { out })
    }

    pub fn raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        self.out.write_all(&[RAW])?;
        write_varint(&mut self.out, bytes.len() as u64)?;
        self.out.write_all(bytes)
    }

    pub fn file(&mut self, size: u64, path: &[u8]) -> io::Result<()> {
        self.out.write_all(&[FILE])?;
        write_varint(&mut self.out, size)?;
        write_varint(&mut self.out, path.len() as u64)?;
        self.out.write_all(path)
    }

    /// Writes the END record and returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(&[END])?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Reads records back; `None` after the END record.
pub struct SplitReader<R: Read> {
    input: R,
    /// What is left of a long RAW record, handed out in chunks.
    raw_left: u64,
}

impl<R: Read> SplitReader<R> {
    pub fn new(mut input: R) -> Result<Self> {
        let mut magic = [0u8; 8];
        input.read_exact(&mut magic)?;
        if &magic != MAGIC {
            bail!("not a tar-split file (unknown format)");
        }
        Ok(SplitReader { input, raw_left: 0 })
    }

    pub fn next_record(&mut self) -> Result<Option<Record>> {
        if self.raw_left > 0 {
            return self.raw_chunk().map(Some);
        }
        let mut tag = [0u8; 1];
        self.input.read_exact(&mut tag)?;
        match tag[0] {
            END => Ok(None),
            RAW => {
                self.raw_left = read_varint(&mut self.input)?;
                self.raw_chunk().map(Some)
            }
            FILE => {
                let size = read_varint(&mut self.input)?;
                let len = read_varint(&mut self.input)?;
                if len == 0 || len > MAX_PATH {
                    bail!("tar-split record names a path of {len} bytes; the file is corrupt");
                }
                let mut path = vec![0u8; len as usize];
                self.input.read_exact(&mut path)?;
                Ok(Some(Record::File { size, path }))
            }
            other => bail!("unknown tar-split record type {other}; the file is corrupt"),
        }
    }

    fn raw_chunk(&mut self) -> Result<Record> {
        let len = self.raw_left.min(MAX_RAW_CHUNK);
        let mut bytes = vec![0u8; len as usize];
        self.input.read_exact(&mut bytes)?;
        self.raw_left -= len;
        Ok(Record::Raw(bytes))
    }
}

fn write_varint(out: &mut impl Write, mut value: u64) -> io::Result<()> {
    let mut buf = [0u8; 10];
    let mut n = 0;
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            buf[n] = byte;
            n += 1;
            break;
        }
        buf[n] = byte | 0x80;
        n += 1;
    }
    out.write_all(&buf[..n])
}

fn read_varint(input: &mut impl Read) -> Result<u64> {
    let mut value: u64 = 0;
    for shift in (0..64).step_by(7) {
        let mut byte = [0u8; 1];
        input.read_exact(&mut byte)?;
        value |= u64::from(byte[0] & 0x7f) << shift;
        if byte[0] & 0x80 == 0 {
            return Ok(value);
        }
    }
    bail!("tar-split varint is too long; the file is corrupt")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        let mut w = SplitWriter::new(Vec::new()).unwrap();
        w.raw(b"header").unwrap();
        w.raw(b"").unwrap();
        w.file(u64::MAX, b"usr/bin/x").unwrap();
        w.raw(&[0u8; 300]).unwrap();
        let bytes = w.finish().unwrap();
        let mut r = SplitReader::new(&bytes[..]).unwrap();
        assert_eq!(
            r.next_record().unwrap(),
            Some(Record::Raw(b"header".to_vec()))
        );
        assert_eq!(
            r.next_record().unwrap(),
            Some(Record::File {
                size: u64::MAX,
                path: b"usr/bin/x".to_vec()
            })
        );
        assert_eq!(r.next_record().unwrap(), Some(Record::Raw(vec![0; 300])));
        assert_eq!(r.next_record().unwrap(), None);
    }

    #[test]
    fn truncated_or_foreign_files_are_errors() {
        let mut w = SplitWriter::new(Vec::new()).unwrap();
        w.raw(b"header").unwrap();
        let bytes = w.finish().unwrap();
        let mut r = SplitReader::new(&bytes[..bytes.len() - 1]).unwrap();
        r.next_record().unwrap();
        assert!(r.next_record().is_err(), "no END record");
        assert!(SplitReader::new(&b"not a split file"[..]).is_err());
    }
}
