//! An image archive (docker-archive or oci-archive, a plain tar) opened for random access: one
//! pass records where each member's bytes are, refusing members whose path leaves the archive,
//! then members are read by name, in whatever order the manifest needs them.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};

use crate::image::manifest::{Compression, sniff_compression};

/// Members larger than this are not JSON documents (manifest.json, index.json, configs).
const MAX_DOCUMENT: u64 = 8 << 20;

enum Member {
    File {
        offset: u64,
        size: u64,
    },
    /// A symbolic or hard link to another member (docker writes these for repeated layers).
    Link(String),
}

pub struct ArchiveIndex {
    path: PathBuf,
    members: BTreeMap<String, Member>,
    /// An OCI layout directory rather than a tar: members are its files.
    directory: bool,
}

impl ArchiveIndex {
    /// A tar file, or an OCI layout directory.
    pub fn open(path: &Path) -> Result<ArchiveIndex> {
        match path.is_dir() {
            true => Ok(ArchiveIndex {
                path: path.to_path_buf(),
                members: BTreeMap::new(),
                directory: true,
            }),
            false => Self::open_tar(path),
        }
    }

    fn open_tar(path: &Path) -> Result<ArchiveIndex> {
        let name = path.display();
        let file = File::open(path).with_context(|| format!("opening archive {name}"))?;
        let total = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut archive = tar::Archive::new(file);
        let mut members = BTreeMap::new();
        let entries = archive
            .entries_with_seek()
            .with_context(|| format!("reading archive {name}"))?;
        for entry in entries {
            let entry = entry
                .map_err(|e| anyhow!("archive {name} is truncated or not a tar archive ({e})"))?;
            let raw = entry.path().map_err(|e| {
                anyhow!("archive {name} has a member with an unreadable name ({e})")
            })?;
            let Some(member) = normalise(&raw) else {
                bail!(
                    "archive {name}: member {:?} points outside the archive; refusing it",
                    raw.display().to_string()
                );
            };
            let kind = entry.header().entry_type();
            let record = if kind.is_file() {
                let (offset, size) = (entry.raw_file_position(), entry.size());
                if offset.saturating_add(size) > total {
                    bail!(
                        "archive {name} is truncated: member {member} ends past the end of the file"
                    );
                }
                Member::File { offset, size }
            } else if kind.is_symlink() || kind.is_hard_link() {
                let target = entry
                    .link_name()
                    .ok()
                    .flatten()
                    .ok_or_else(|| anyhow!("archive {name}: link {member} has no target"))?;
                // Symlink targets are relative to the link's directory; hard links to the root.
                let base = match kind.is_symlink() {
                    true => Path::new(&member)
                        .parent()
                        .map(Path::to_path_buf)
                        .unwrap_or_default(),
                    false => PathBuf::new(),
                };
                let Some(resolved) = normalise(&base.join(&target)) else {
                    bail!("archive {name}: link {member} points outside the archive; refusing it");
                };
                Member::Link(resolved)
            } else {
                continue;
            };
            members.insert(member, record);
        }
        Ok(ArchiveIndex {
            path: path.to_path_buf(),
            members,
            directory: false,
        })
    }

    pub fn contains(&self, member: &str) -> bool {
        match self.directory {
            true => self.dir_member(member).is_ok(),
            false => normalise(Path::new(member)).is_some_and(|m| self.members.contains_key(&m)),
        }
    }

    /// A regular file of the layout directory; symbolic links are refused so that nothing
    /// outside the directory is read.
    fn dir_member(&self, member: &str) -> Result<PathBuf> {
        let relative = normalise(Path::new(member)).ok_or_else(|| {
            anyhow!(
                "{}: {member:?} points outside the directory",
                self.path.display()
            )
        })?;
        let path = self.path.join(&relative);
        let mut walked = self.path.clone();
        for part in relative.split('/') {
            walked.push(part);
            let meta = std::fs::symlink_metadata(&walked)
                .map_err(|_| anyhow!("layout {} has no file {member}", self.path.display()))?;
            if meta.file_type().is_symlink() {
                bail!(
                    "layout {}: {member} is a symbolic link; refusing it",
                    self.path.display()
                );
            }
        }
        Ok(path)
    }

    /// A member's bytes as a reader, and its size.
    pub fn open_member(&self, member: &str) -> Result<(impl Read + use<>, u64)> {
        if self.directory {
            let path = self.dir_member(member)?;
            let file = File::open(&path).with_context(|| format!("opening {}", path.display()))?;
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            return Ok((file.take(size), size));
        }
        let (offset, size) = self.locate(member)?;
        let mut file = File::open(&self.path)
            .with_context(|| format!("opening archive {}", self.path.display()))?;
        file.seek(SeekFrom::Start(offset))
            .with_context(|| format!("reading {member} in archive {}", self.path.display()))?;
        Ok((file.take(size), size))
    }

    /// A layer member as a plain tar: the first bytes decide its compression, as
    /// containers/image does (docker-archives carry plain tars, though some tools write gzip or
    /// zstd there; OCI layouts any of them).
    pub fn open_layer(&self, member: &str) -> Result<Box<dyn Read + Send>> {
        self.sniffed_layer(member).map(|(tar, _)| tar)
    }

    /// The size of a layer member as a plain tar: its own size when it is one (as docker
    /// writes), otherwise counted by decompressing it once.
    pub fn layer_size(&self, member: &str) -> Result<u64> {
        let (mut tar, plain_size) = self.sniffed_layer(member)?;
        match plain_size {
            Some(size) => Ok(size),
            None => std::io::copy(&mut tar, &mut std::io::sink()).with_context(|| {
                format!(
                    "decompressing {member} in archive {}: the archive is damaged",
                    self.path.display()
                )
            }),
        }
    }

    /// The layer member decompressed, and its size when it was not compressed.
    fn sniffed_layer(&self, member: &str) -> Result<(Box<dyn Read + Send>, Option<u64>)> {
        let (reader, size) = self.open_member(member)?;
        let (compression, reader) = sniffed(reader)
            .with_context(|| format!("reading {member} in archive {}", self.path.display()))?;
        Ok(match compression {
            Compression::None => (Box::new(reader), Some(size)),
            Compression::Gzip => (Box::new(flate2::read::MultiGzDecoder::new(reader)), None),
            Compression::Zstd => {
                let decoder = zstd::stream::read::Decoder::new(reader).context("starting zstd")?;
                (Box::new(decoder), None)
            }
        })
    }

    /// A small member (a JSON document) in memory.
    pub fn read_member(&self, member: &str) -> Result<Vec<u8>> {
        let (mut reader, size) = self.open_member(member)?;
        if size > MAX_DOCUMENT {
            bail!(
                "archive {}: {member} is {size} bytes, too large for a manifest or config",
                self.path.display()
            );
        }
        let mut bytes = Vec::with_capacity(size as usize);
        reader
            .read_to_end(&mut bytes)
            .with_context(|| format!("reading {member} in archive {}", self.path.display()))?;
        Ok(bytes)
    }

    fn locate(&self, member: &str) -> Result<(u64, u64)> {
        let mut name = normalise(Path::new(member)).ok_or_else(|| {
            anyhow!(
                "archive {}: {member:?} points outside the archive",
                self.path.display()
            )
        })?;
        // Links may chain; a loop is cut after a few hops.
        for _ in 0..8 {
            match self.members.get(&name) {
                Some(Member::File { offset, size }) => return Ok((*offset, *size)),
                Some(Member::Link(target)) => name = target.clone(),
                None => bail!("archive {} has no member {member}", self.path.display()),
            }
        }
        bail!(
            "archive {}: {member} is a loop of links",
            self.path.display()
        )
    }
}

/// The member path with `.` removed; None when it is absolute or `..` climbs out.
fn normalise(path: &Path) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(p) => parts.push(p.to_str()?.to_string()),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The compression `reader`'s first bytes name, and `reader` again from its start.
fn sniffed(mut reader: impl Read + Send + 'static) -> Result<(Compression, impl Read + Send)> {
    let mut head = [0u8; 4];
    let mut n = 0;
    // Four bytes, unless the stream is shorter (a read may return fewer than asked).
    while n < head.len() {
        match reader.read(&mut head[n..]).context("reading a layer")? {
            0 => break,
            read => n += read,
        }
    }
    let compression = sniff_compression(&head[..n]);
    Ok((
        compression,
        std::io::Cursor::new(head[..n].to_vec()).chain(reader),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_with(members: &[(&str, &[u8])]) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        let mut builder = tar::Builder::new(file.reopen().unwrap());
        for (name, data) in members {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            // set_path refuses `..`, which is exactly what a hostile archive contains.
            header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
            header.set_cksum();
            builder.append(&header, *data).unwrap();
        }
        builder.finish().unwrap();
        file
    }

    #[test]
    fn members_are_read_by_name_in_any_order() {
        let file = tar_with(&[("./b.json", b"{}"), ("dir/a.tar", b"layer")]);
        let index = ArchiveIndex::open(file.path()).unwrap();
        assert_eq!(index.read_member("dir/a.tar").unwrap(), b"layer");
        assert_eq!(index.read_member("b.json").unwrap(), b"{}");
        assert!(index.contains("./dir/a.tar"));
        let err = index.read_member("c.json").unwrap_err().to_string();
        assert!(err.contains("no member c.json"), "{err}");
    }

    #[test]
    fn members_escaping_the_archive_are_refused() {
        let file = tar_with(&[("../evil", b"x")]);
        let err = ArchiveIndex::open(file.path()).err().unwrap().to_string();
        assert!(err.contains("outside the archive"), "{err}");
    }

    #[test]
    fn a_truncated_archive_is_refused() {
        let file = tar_with(&[("manifest.json", &[b'x'; 4000])]);
        let len = std::fs::metadata(file.path()).unwrap().len();
        let cut = std::fs::OpenOptions::new()
            .write(true)
            .open(file.path())
            .unwrap();
        cut.set_len(len / 3).unwrap();
        let err = ArchiveIndex::open(file.path()).err().unwrap().to_string();
        assert!(err.contains("truncated"), "{err}");
    }
}
