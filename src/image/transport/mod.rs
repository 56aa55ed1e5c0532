//! Moving images between transports (skopeo's and podman's push/save/load/copy): one parser for
//! `TRANSPORT:REFERENCE` strings and one copy routine every command calls.
//!
//! Blobs are streamed, never held whole in memory. Bytes are passed on unchanged whenever both
//! sides can carry them (registry to registry, a pulled layer the destination already has), so
//! digests are preserved; only layers of the local store, which keeps them unpacked, are
//! re-serialised (byte-exact to their diff_id) and compressed on the way out.

mod archive_index;
pub mod archive_load;
pub mod archive_save;
mod blob_cache;
mod compress;
mod copy;
pub mod inspect;
mod local;
mod manifest_out;
mod progress;
mod reference;
pub mod remote;
mod remote_upload;

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
