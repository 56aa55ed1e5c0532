//! Content-addressed blobs, `<root>/blobs/sha256/<hex>`: manifests, configs, compressed layers.
//!
//! A blob only ever appears under its name complete and verified: it is written into this
//! process's tmp dir, synced, hashed, and renamed into place. Two writers of the same blob both
//! rename identical content, so the later rename is harmless.

use super::Store;
use super::tmp::TmpDir;
use crate::util::digest::Digest;
use anyhow::{Context, Result, bail};
use sha2::{Digest as _, Sha256};
use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Large enough that per-chunk writes from a network stream or a JSON serializer do not each
/// become a syscall.
const WRITE_BUFFER: usize = 128 * 1024;

impl Store {
    /// Where the blob `digest` lives (whether or not it is stored).
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.blobs_dir().join(digest.hex())
    }

    pub fn has_blob(&self, digest: &Digest) -> bool {
        fs::symlink_metadata(self.blob_path(digest)).is_ok_and(|m| m.is_file())
    }

    /// Reads a whole blob and checks its digest. Meant for manifests and configs; stream layers
    /// with [`Store::open_blob`] instead.
    pub fn read_blob(&self, digest: &Digest) -> Result<Vec<u8>> {
        let path = self.blob_path(digest);
        let data = fs::read(&path)
            .with_context(|| format!("reading blob {digest} from {}", path.display()))?;
        let actual = Digest::of(&data);
        if actual != *digest {
            bail!(
                "blob {digest} at {} is corrupt (its content hashes to {actual}): remove the images using it and pull them again",
                path.display()
            );
        }
        Ok(data)
    }

    /// Opens a blob for streaming. Not verified here: the reader hashes what it consumes.
    pub fn open_blob(&self, digest: &Digest) -> Result<File> {
        let path = self.blob_path(digest);
        File::open(&path).with_context(|| format!("opening blob {digest} at {}", path.display()))
    }

    /// A writer for a blob whose digest is checked at [`BlobWriter::commit`].
    pub fn new_blob_writer(&self) -> Result<BlobWriter> {
        BlobWriter::create(self.process_tmp()?, self.blobs_dir(), None)
    }

    /// Like [`Store::new_blob_writer`], but I/O errors name the blob being written.
    pub fn new_blob_writer_for(&self, expected: &Digest) -> Result<BlobWriter> {
        BlobWriter::create(
            self.process_tmp()?,
            self.blobs_dir(),
            Some(expected.clone()),
        )
    }

    /// Stores `data` as the blob `expected`; a blob already present is kept as is.
    pub fn put_blob(&self, data: &[u8], expected: &Digest) -> Result<()> {
        let actual = Digest::of(data);
        if actual != *expected {
            bail!(
                "blob digest mismatch: expected {expected}, but the {} bytes given hash to {actual}",
                data.len()
            );
        }
        if self.has_blob(expected) {
            return Ok(());
        }
        let mut writer = self.new_blob_writer_for(expected)?;
        writer.write_all(data)?;
        writer.commit(expected)
    }

    /// Deletes every stored blob no image references and returns how many went. A pull still in
    /// flight loses its fresh blobs too; its `add_image` then reports them as `MissingBlobs` and
    /// the pull fetches them again.
    pub fn gc_blobs(&self) -> Result<usize> {
        let _lock = self.lock_exclusive()?;
        let index = self.read_index()?;
        let referenced = index.referenced_blobs();
        let unreferenced: Vec<Digest> = self
            .stored_blobs()?
            .into_iter()
            .filter(|d| !referenced.contains(d))
            .collect();
        self.delete_blobs(&unreferenced)
    }

    /// Bytes used by all stored blobs.
    pub fn disk_usage(&self) -> Result<u64> {
        let mut total = 0;
        for digest in self.stored_blobs()? {
            let path = self.blob_path(&digest);
            match fs::symlink_metadata(&path) {
                Ok(meta) => total += meta.len(),
                // Removed by a concurrent rmi since the listing.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e).with_context(|| format!("measuring {}", path.display())),
            }
        }
        Ok(total)
    }

    /// The digests of all blob files; names that are not 64 hex digits are not ours and skipped.
    pub(super) fn stored_blobs(&self) -> Result<BTreeSet<Digest>> {
        let dir = self.blobs_dir();
        let entries = fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))?;
        let mut digests = BTreeSet::new();
        for entry in entries {
            let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
            if let Some(name) = entry.file_name().to_str()
                && let Ok(digest) = Digest::parse(&format!("sha256:{name}"))
            {
                digests.insert(digest);
            }
        }
        Ok(digests)
    }

    /// Deletes `digests` (the caller holds the exclusive lock and knows they are unreferenced).
    /// Keeps going past failures so one bad file does not leak the rest; reports the first.
    pub(super) fn delete_blobs<'a>(
        &self,
        digests: impl IntoIterator<Item = &'a Digest>,
    ) -> Result<usize> {
        let mut deleted = 0;
        let mut first_error = None;
        for digest in digests {
            let path = self.blob_path(digest);
            match fs::remove_file(&path) {
                Ok(()) => deleted += 1,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => {
                    first_error.get_or_insert_with(|| {
                        anyhow::Error::new(e).context(format!(
                            "deleting unreferenced blob {digest} at {}",
                            path.display()
                        ))
                    });
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(deleted),
        }
    }
}

/// Streams a blob into the store: hashes while writing to a temp file, and moves it into
/// `blobs/` on a successful [`BlobWriter::commit`]. Dropped uncommitted, it removes its temp file.
#[derive(Debug)]
pub struct BlobWriter {
    file: BufWriter<File>,
    hasher: Sha256,
    written: u64,
    temp: PathBuf,
    blobs_dir: PathBuf,
    /// Named in I/O errors when known up front.
    expected: Option<Digest>,
    committed: bool,
    /// Keeps the tmp dir alive for as long as this writer uses it.
    _tmp: Arc<TmpDir>,
}

impl BlobWriter {
    fn create(tmp: &Arc<TmpDir>, blobs_dir: PathBuf, expected: Option<Digest>) -> Result<Self> {
        let temp = tmp.unique_path("blob");
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(&temp)
            .with_context(|| format!("creating temporary blob file {}", temp.display()))?;
        Ok(BlobWriter::from_parts(
            file,
            temp,
            blobs_dir,
            expected,
            Arc::clone(tmp),
        ))
    }

    fn from_parts(
        file: File,
        temp: PathBuf,
        blobs_dir: PathBuf,
        expected: Option<Digest>,
        tmp: Arc<TmpDir>,
    ) -> Self {
        BlobWriter {
            file: BufWriter::with_capacity(WRITE_BUFFER, file),
            hasher: Sha256::new(),
            written: 0,
            temp,
            blobs_dir,
            expected,
            committed: false,
            _tmp: tmp,
        }
    }

    pub fn bytes_written(&self) -> u64 {
        self.written
    }

    /// Checks the content against `expected` and moves it into the store. On any error the temp
    /// file is gone and nothing was published.
    pub fn commit(mut self, expected: &Digest) -> Result<()> {
        let temp = self.temp.display().to_string();
        self.file
            .flush()
            .and_then(|()| self.file.get_ref().sync_all())
            .with_context(|| format!("writing blob {expected} to {temp}"))?;
        let actual = Digest::from_hasher(self.hasher.clone());
        if actual != *expected {
            bail!(
                "blob digest mismatch: expected {expected}, but the {} bytes received hash to {actual}: the source sent different or corrupt data; try again",
                self.written
            );
        }
        let dest = self.blobs_dir.join(expected.hex());
        fs::rename(&self.temp, &dest)
            .with_context(|| format!("moving blob {expected} from {temp} to {}", dest.display()))?;
        self.committed = true;
        // The index written after this may name the blob, so its directory entry must be durable.
        sync_dir(&self.blobs_dir).with_context(|| {
            format!(
                "syncing {} after adding blob {expected}",
                self.blobs_dir.display()
            )
        })
    }

    fn annotate(&self, err: io::Error) -> io::Error {
        let blob = self
            .expected
            .as_ref()
            .map(|d| format!("{d} "))
            .unwrap_or_default();
        io::Error::new(
            err.kind(),
            format!("writing blob {blob}to {}: {err}", self.temp.display()),
        )
    }
}

impl Write for BlobWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf).map_err(|e| self.annotate(e))?;
        self.hasher.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush().map_err(|e| self.annotate(e))
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store")).unwrap();
        (dir, store)
    }

    fn tmp_files(store: &Store) -> Vec<String> {
        let Ok(entries) = fs::read_dir(store.tmp_dir().unwrap()) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.retain(|n| n != "lock");
        names
    }

    #[test]
    fn commit_publishes_a_verified_blob() {
        let (_dir, store) = open();
        let data = b"{\"schemaVersion\":2}".repeat(10_000);
        let digest = Digest::of(&data);
        let mut w = store.new_blob_writer().unwrap();
        for chunk in data.chunks(777) {
            w.write_all(chunk).unwrap();
        }
        assert_eq!(w.bytes_written(), data.len() as u64);
        assert!(!store.has_blob(&digest), "nothing is visible before commit");
        w.commit(&digest).unwrap();
        assert!(store.has_blob(&digest));
        assert_eq!(store.read_blob(&digest).unwrap(), data);
        assert!(tmp_files(&store).is_empty());
    }

    #[test]
    fn mismatch_publishes_nothing_and_cleans_up() {
        let (_dir, store) = open();
        let claimed = Digest::of(b"what the manifest said");
        let mut w = store.new_blob_writer().unwrap();
        w.write_all(b"what the registry sent").unwrap();
        let err = w.commit(&claimed).unwrap_err().to_string();
        assert!(
            err.contains("digest mismatch") && err.contains(claimed.as_str()),
            "{err}"
        );
        assert!(!store.has_blob(&claimed));
        assert!(tmp_files(&store).is_empty());
        assert!(store.put_blob(b"other", &claimed).is_err());
        assert!(!store.has_blob(&claimed));
    }

    #[test]
    fn abandoned_writer_leaves_nothing() {
        let (_dir, store) = open();
        let mut w = store.new_blob_writer().unwrap();
        w.write_all(&[7; 300_000]).unwrap();
        assert_eq!(tmp_files(&store).len(), 1);
        drop(w);
        assert!(tmp_files(&store).is_empty());
        assert!(store.stored_blobs().unwrap().is_empty());
    }

    #[test]
    fn full_disk_names_blob_and_path_and_leaves_no_file() {
        let (_dir, store) = open();
        let digest = Digest::of(b"layer");
        // /dev/full fails every write with ENOSPC, like a full filesystem.
        let full = OpenOptions::new().write(true).open("/dev/full").unwrap();
        let temp = store.process_tmp().unwrap().unique_path("blob");
        fs::write(&temp, b"").unwrap();
        let tmp = Arc::clone(store.process_tmp().unwrap());
        let mut w = BlobWriter::from_parts(
            full,
            temp.clone(),
            store.blobs_dir(),
            Some(digest.clone()),
            tmp,
        );

        let err = w.write_all(&vec![0; WRITE_BUFFER * 2]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
        let msg = err.to_string();
        assert!(
            msg.starts_with(&format!("writing blob {digest} to {}", temp.display())),
            "{msg}"
        );
        assert!(msg.contains("No space left on device"), "{msg}");
        drop(w);
        assert!(!temp.exists());

        // Small writes sit in the buffer; the failure then surfaces at commit, same message.
        let full = OpenOptions::new().write(true).open("/dev/full").unwrap();
        let temp = store.process_tmp().unwrap().unique_path("blob");
        fs::write(&temp, b"").unwrap();
        let tmp = Arc::clone(store.process_tmp().unwrap());
        let mut w = BlobWriter::from_parts(full, temp.clone(), store.blobs_dir(), None, tmp);
        w.write_all(b"layer").unwrap();
        let msg = format!("{:#}", w.commit(&digest).unwrap_err());
        assert!(
            msg.contains(&format!("writing blob {digest} to {}", temp.display())),
            "{msg}"
        );
        assert!(msg.contains("No space left on device"), "{msg}");
        assert!(!temp.exists());
        assert!(!store.has_blob(&digest));
    }

    #[test]
    fn concurrent_writers_of_one_blob() {
        let (_dir, store) = open();
        let data: Vec<u8> = (0..2_000_000u32).map(|i| (i % 251) as u8).collect();
        let digest = Digest::of(&data);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    let mut w = store.new_blob_writer().unwrap();
                    for chunk in data.chunks(65_536) {
                        w.write_all(chunk).unwrap();
                    }
                    w.commit(&digest).unwrap();
                });
                s.spawn(|| {
                    // Readers never see a partial blob: absent, or complete and valid.
                    if store.has_blob(&digest) {
                        assert_eq!(store.read_blob(&digest).unwrap().len(), data.len());
                    }
                });
            }
        });
        assert_eq!(store.read_blob(&digest).unwrap(), data);
        assert!(tmp_files(&store).is_empty());
    }

    #[test]
    fn corrupt_blob_is_reported() {
        let (_dir, store) = open();
        let digest = Digest::of(b"config");
        store.put_blob(b"config", &digest).unwrap();
        store.put_blob(b"config", &digest).unwrap();
        fs::write(store.blob_path(&digest), b"tampered").unwrap();
        let err = store.read_blob(&digest).unwrap_err().to_string();
        assert!(err.contains("is corrupt"), "{err}");
        assert_eq!(store.disk_usage().unwrap(), b"tampered".len() as u64);
    }
}
