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

    /// `level` if it is one this format accepts (podman's ranges: gzip 1-9, zstd 1-20);
    /// `setting` names where it was given, for the error.
    fn check_level(self, level: i32, setting: &str) -> anyhow::Result<i32> {
        let (name, range) = match self {
            Compression::Gzip => ("gzip", 1..=9),
            Compression::Zstd => ("zstd", 1..=20),
        };
        if !range.contains(&level) {
            anyhow::bail!(
                "{setting} {level} is out of range: {name} levels are {} to {}",
                range.start(),
                range.end()
            );
        }
        Ok(level)
    }

    /// The format and level a push compresses with: the flags (`--compression-format`,
    /// `--compression-level`), else the configured defaults (containers.conf's `[engine]`
    /// `compression_format` and `compression_level`, as in podman). The configured level goes
    /// with the configured format: a flag choosing another format drops it. Levels are checked
    /// against the format that applies (gzip unless zstd was chosen).
    pub fn choose(
        flags: (Option<&str>, Option<i32>),
        configured: (Option<&str>, Option<i32>),
    ) -> anyhow::Result<(Option<Compression>, Option<i32>)> {
        use anyhow::Context;
        const CONF: &str = "containers.conf [engine]";
        let conf_format = || {
            configured
                .0
                .map(|f| {
                    Compression::parse(f).with_context(|| format!("{CONF} compression_format"))
                })
                .transpose()
        };
        let format = match flags.0 {
            Some(flag) => Some(Compression::parse(flag)?),
            None => conf_format()?,
        };
        let effective = format.unwrap_or(Compression::Gzip);
        let level = match (flags.1, configured.1) {
            (Some(flag), _) => Some(effective.check_level(flag, "--compression-level")?),
            (None, Some(conf)) if conf_format()?.unwrap_or(Compression::Gzip) == effective => {
                Some(effective.check_level(conf, &format!("{CONF} compression_level"))?)
            }
            _ => None,
        };
        Ok((format, level))
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

#[cfg(test)]
mod tests {
    use super::Compression::{self, Gzip, Zstd};

    fn error(flags: (Option<&str>, Option<i32>), conf: (Option<&str>, Option<i32>)) -> String {
        format!("{:#}", Compression::choose(flags, conf).unwrap_err())
    }

    #[test]
    fn flags_win_over_the_configured_defaults() {
        let conf = (Some("zstd"), Some(19));
        assert_eq!(
            Compression::choose((None, None), (None, None)).unwrap(),
            (None, None)
        );
        assert_eq!(
            Compression::choose((None, None), conf).unwrap(),
            (Some(Zstd), Some(19))
        );
        assert_eq!(
            Compression::choose((Some("zstd:chunked"), Some(5)), conf).unwrap(),
            (Some(Zstd), Some(5))
        );
        assert_eq!(
            Compression::choose((None, Some(7)), (None, None)).unwrap(),
            (None, Some(7))
        );
    }

    #[test]
    fn the_configured_level_goes_with_the_configured_format() {
        // zstd's 19 is meaningless for gzip: another format on the command line drops it.
        let conf = (Some("zstd"), Some(19));
        assert_eq!(
            Compression::choose((Some("gzip"), None), conf).unwrap(),
            (Some(Gzip), None)
        );
        assert_eq!(
            Compression::choose((Some("zstd"), None), conf).unwrap(),
            (Some(Zstd), Some(19))
        );
        // No configured format means gzip, so a configured level applies to a gzip flag.
        assert_eq!(
            Compression::choose((Some("gzip"), None), (None, Some(4))).unwrap(),
            (Some(Gzip), Some(4))
        );
    }

    #[test]
    fn errors_name_the_setting_at_fault() {
        let flag = error((None, Some(10)), (None, None));
        assert!(
            flag.contains("--compression-level 10 is out of range: gzip levels are 1 to 9"),
            "{flag}"
        );
        let conf = error((None, None), (None, Some(0)));
        assert!(
            conf.contains("containers.conf [engine] compression_level 0"),
            "{conf}"
        );
        let conf = error((None, None), (Some("lz4"), None));
        assert!(
            conf.contains("containers.conf [engine] compression_format"),
            "{conf}"
        );
        assert!(conf.contains("\"lz4\": use gzip or zstd"), "{conf}");
        let zstd = error((Some("zstd"), Some(21)), (None, None));
        assert!(zstd.contains("zstd levels are 1 to 20"), "{zstd}");
    }
}
