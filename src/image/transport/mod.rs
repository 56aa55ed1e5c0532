//! Moving images between transports (skopeo's and podman's push/save/load/copy): one parser for
//! `TRANSPORT:REFERENCE` strings and one copy routine every command calls.
//!
//! Blobs are streamed, never held whole in memory, and checked against their digest as they
//! flow. Bytes are passed on unchanged whenever both sides can carry them (registry, dir:,
//! oci: and oci-archive: in any pair), so digests are preserved; only layers of the local
//! store, which keeps them unpacked, are re-serialised (byte-exact to their diff_id), and a
//! docker-archive takes layers uncompressed.
//!
//! The generic path is `source::Source` (manifests and blobs) → `image_copy` →
//! `destination::Destination` (has/put blob, put manifest, commit or abort), enum-dispatched.

mod archive_index;
pub mod archive_io;
pub mod archive_load;
pub mod archive_save;
mod blob_cache;
mod blob_stream;
mod compress;
mod copy;
mod dest_archive;
mod dest_docker_archive;
mod destination;
mod dir_files;
mod dir_load;
mod image_copy;
pub mod inspect;
mod local;
mod manifest_out;
mod parallel_gzip;
mod progress;
mod reference;
pub mod remote;
mod remote_answers;
mod remote_upload;
mod source;
mod source_files;
pub mod sync;
mod tar_out;

pub use copy::{CopyOptions, RegistryAccess, RegistryFlags, copy, reference_in_repo};
pub use reference::TransportRef;

/// How layers leaving the local store are compressed (`--compression-format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Zstd,
}

impl Compression {
    pub fn parse(s: &str) -> anyhow::Result<Compression> {
        match s {
            "gzip" => Ok(Compression::Gzip),
            "zstd" | "zstd:chunked" => Ok(Compression::Zstd),
            other => anyhow::bail!("invalid compression format {other:?}: use gzip or zstd"),
        }
    }

    /// `level` if it is one this format accepts (podman's ranges: gzip 1-9, zstd 1-20).
    pub fn check_level(self, level: i32) -> anyhow::Result<i32> {
        let (name, range) = match self {
            Compression::Gzip => ("gzip", 1..=9),
            Compression::Zstd => ("zstd", 1..=20),
        };
        if !range.contains(&level) {
            anyhow::bail!(
                "invalid --compression-level {level}: {name} levels are {} to {}",
                range.start(),
                range.end()
            );
        }
        Ok(level)
    }

    /// The compression a layer media type names, if any.
    pub fn of_media_type(media_type: &str) -> Option<Compression> {
        if media_type.ends_with("gzip") {
            Some(Compression::Gzip)
        } else if media_type.ends_with("zstd") {
            Some(Compression::Zstd)
        } else {
            None
        }
    }
}
