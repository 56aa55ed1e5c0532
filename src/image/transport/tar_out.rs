//! An image archive (a plain tar) written as blobs arrive: each member gets a placeholder
//! header, its bytes, then the real header (name and size known only at the end, e.g. a
//! layer's diff_id after decompressing it) is written back over the placeholder. The tar goes
//! to a temporary name beside its path and is renamed into place by `finish`; dropped
//! unfinished, it is removed.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::util::fs::temp_sibling;

const BLOCK: u64 = 512;

pub struct TarOut {
    out: BufWriter<File>,
    temp: PathBuf,
    path: PathBuf,
    finished: bool,
}

/// Counts what is written to the member being added.
pub struct MemberWriter<'a> {
    out: &'a mut BufWriter<File>,
    pub written: u64,
}

impl Write for MemberWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl TarOut {
    pub fn create(path: &Path) -> Result<TarOut> {
        let temp = temp_sibling(path);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .with_context(|| format!("creating {}", path.display()))?;
        Ok(TarOut {
            out: BufWriter::with_capacity(1 << 20, file),
            temp,
            path: path.to_path_buf(),
            finished: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Starts a member: writes its placeholder header; returns where it is.
    pub fn begin(&mut self) -> Result<u64> {
        let at = self.position()?;
        self.out
            .write_all(&[0; BLOCK as usize])
            .with_context(|| format!("writing {}", self.path.display()))?;
        Ok(at)
    }

    /// Where the member's bytes go, between `begin` and `end`.
    pub fn member(&mut self) -> MemberWriter<'_> {
        MemberWriter {
            out: &mut self.out,
            written: 0,
        }
    }

    /// Ends the member begun at `header_at`: pads it and writes its real header.
    pub fn end(&mut self, header_at: u64, name: &str, size: u64) -> Result<()> {
        let path = self.path.display().to_string();
        let what = || format!("writing {name} to {path}");
        let padding = (BLOCK - size % BLOCK) % BLOCK;
        self.out
            .write_all(&vec![0; padding as usize])
            .with_context(what)?;
        let end = self.position()?;
        if end != header_at + BLOCK + size + padding {
            anyhow::bail!(
                "{}: member size {size} does not match what was written",
                what()
            );
        }
        let mut header = tar::Header::new_ustar();
        header.set_size(size);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_path(name).with_context(what)?;
        header.set_cksum();
        self.out
            .seek(SeekFrom::Start(header_at))
            .with_context(what)?;
        self.out.write_all(header.as_bytes()).with_context(what)?;
        self.out.seek(SeekFrom::Start(end)).with_context(what)?;
        Ok(())
    }

    /// A member held in memory (manifest.json, index.json, a config).
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        let at = self.begin()?;
        self.out
            .write_all(bytes)
            .with_context(|| format!("writing {}", self.path.display()))?;
        self.end(at, name, bytes.len() as u64)
    }

    fn position(&mut self) -> Result<u64> {
        self.out
            .stream_position()
            .with_context(|| format!("writing {}", self.path.display()))
    }

    /// Ends the archive and renames it into place.
    pub fn finish(mut self) -> Result<()> {
        let what = || format!("writing {}", self.path.display());
        self.out
            .write_all(&[0; 2 * BLOCK as usize])
            .with_context(what)?;
        self.out.flush().with_context(what)?;
        self.out.get_ref().sync_all().with_context(what)?;
        fs::rename(&self.temp, &self.path)
            .with_context(|| format!("moving the archive to {}", self.path.display()))?;
        self.finished = true;
        Ok(())
    }
}

impl Drop for TarOut {
    fn drop(&mut self) {
        if !self.finished {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn members_named_after_their_bytes_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.tar");
        let mut tar = TarOut::create(&path).unwrap();
        tar.add("manifest.json", b"[]").unwrap();
        let at = tar.begin().unwrap();
        let mut member = tar.member();
        member.write_all(&[1u8; 1000]).unwrap();
        let size = member.written;
        tar.end(at, "late-name.tar", size).unwrap();
        assert!(!path.exists(), "nothing at the final name before finish");
        tar.finish().unwrap();
        let mut archive = tar::Archive::new(File::open(&path).unwrap());
        let mut seen = Vec::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            seen.push((entry.path().unwrap().display().to_string(), data.len()));
        }
        assert_eq!(
            seen,
            [("manifest.json".into(), 2), ("late-name.tar".into(), 1000)]
        );
    }

    #[test]
    fn an_unfinished_archive_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.tar");
        let mut tar = TarOut::create(&path).unwrap();
        tar.add("x", b"data").unwrap();
        drop(tar);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
