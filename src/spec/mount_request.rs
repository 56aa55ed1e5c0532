//! `-v`, `--mount` and `--tmpfs`: the flags' grammar, parsed into mount requests.
//!
//! Named and anonymous volumes come out as a [`VolumeRequest`]: the caller owns the volume store,
//! creates or finds the volume, then turns the request into a [`MountRequest`] with
//! [`VolumeRequest::resolved`].

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use super::mount_options::{
    BindFlags, PROPAGATIONS, check_volume_name, clean_destination, host_path, parse_bool,
    tmpfs_options_with_defaults,
};

/// One user-requested mount, ready to be written into the spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MountRequest {
    /// A host path. `recursive` = `rbind` (the default) rather than `bind`.
    Bind {
        source: PathBuf,
        destination: String,
        read_only: bool,
        recursive: bool,
        /// `z`/`Z`: accepted for compatibility; there is no SELinux labelling here.
        relabel: Option<char>,
        /// Propagation and nosuid/nodev/noexec-style flags, already validated.
        options: Vec<String>,
    },
    /// A volume whose directory the caller resolved.
    Volume {
        name: String,
        source: PathBuf,
        destination: String,
        read_only: bool,
        relabel: Option<char>,
        options: Vec<String>,
    },
    /// A fresh tmpfs; `options` is the final option list (defaults merged in).
    Tmpfs {
        destination: String,
        options: Vec<String>,
    },
}

impl MountRequest {
    pub fn destination(&self) -> &str {
        match self {
            MountRequest::Bind { destination, .. }
            | MountRequest::Volume { destination, .. }
            | MountRequest::Tmpfs { destination, .. } => destination,
        }
    }
}

/// A volume mount whose source the caller must still find or create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VolumeRequest {
    /// `None` = anonymous volume (`-v /data`).
    pub name: Option<String>,
    pub destination: String,
    pub read_only: bool,
    pub relabel: Option<char>,
    /// `nocopy` / `volume-nocopy`: do not copy the image's content into a new volume.
    pub no_copy: bool,
    pub options: Vec<String>,
}

impl VolumeRequest {
    pub fn resolved(self, name: String, source: PathBuf) -> MountRequest {
        MountRequest::Volume {
            name,
            source,
            destination: self.destination,
            read_only: self.read_only,
            relabel: self.relabel,
            options: self.options,
        }
    }
}

/// What `-v` or `--mount` produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParsedMount {
    Ready(MountRequest),
    Volume(VolumeRequest),
}

/// `-v [SRC:]DST[:OPTIONS]`. SRC absolute (or starting with `.`) = bind mount of a host path,
/// SRC otherwise = named volume, no SRC = anonymous volume.
pub fn parse_volume_flag(value: &str) -> Result<ParsedMount> {
    let ctx = || format!("-v {value:?}");
    let parts: Vec<&str> = value.split(':').collect();
    let (source, destination, options) = match parts.as_slice() {
        [dst] => (None, *dst, ""),
        // `/dst:ro` is an anonymous volume with options, `src:/dst` a mount.
        [first, second] if !second.starts_with('/') && first.starts_with('/') => {
            (None, *first, *second)
        }
        [src, dst] => (Some(*src), *dst, ""),
        [src, dst, opts] => (Some(*src), *dst, *opts),
        _ => bail!(
            "{}: too many ':' separated fields: use SOURCE:DESTINATION[:OPTIONS]",
            ctx()
        ),
    };
    let destination = clean_destination(destination).with_context(ctx)?;
    let mut flags = BindFlags::default();
    for opt in options.split(',').filter(|o| !o.is_empty()) {
        flags.apply(opt).with_context(ctx)?;
    }
    match source {
        Some(src) if src.starts_with('/') || src.starts_with('.') => {
            let source = host_path(src).with_context(ctx)?;
            flags.into_bind(source, destination).with_context(ctx)
        }
        Some(name) => {
            check_volume_name(name).with_context(ctx)?;
            flags
                .into_volume(Some(name.to_string()), destination)
                .with_context(ctx)
        }
        None => flags.into_volume(None, destination).with_context(ctx),
    }
}

/// `--mount type=bind|volume|tmpfs,source=..,target=..,...` (docker's and podman's keys).
pub fn parse_mount_flag(value: &str) -> Result<ParsedMount> {
    let ctx = || format!("--mount {value:?}");
    let mut kind = "volume"; // docker's default when type= is missing
    let mut source = None;
    let mut destination = None;
    let mut flags = BindFlags::default();
    let mut tmpfs_options = Vec::new();
    let mut tmpfs_keys = Vec::new();
    for field in value.split(',').filter(|f| !f.is_empty()) {
        let (key, val) = match field.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (field, None),
        };
        let need = || -> Result<&str> {
            val.filter(|v| !v.is_empty())
                .with_context(|| format!("{}: key {key:?} needs a value, as in {key}=VALUE", ctx()))
        };
        match key {
            "type" => kind = need()?,
            "source" | "src" => source = Some(need()?),
            "target" | "destination" | "dst" => destination = Some(need()?),
            "readonly" | "ro" => flags.set_read_only(parse_bool(key, val).with_context(ctx)?),
            "rw" => flags.set_read_only(!parse_bool(key, val).with_context(ctx)?),
            "bind-propagation" => match need()? {
                p if PROPAGATIONS.contains(&p) => flags.apply(p).with_context(ctx)?,
                other => bail!(
                    "{}: bind-propagation={other:?}: use one of {}",
                    ctx(),
                    PROPAGATIONS.join(", ")
                ),
            },
            "bind-nonrecursive" => flags.recursive = Some(!parse_bool(key, val).with_context(ctx)?),
            "relabel" => match need()? {
                "shared" => flags.apply("z").with_context(ctx)?,
                "private" => flags.apply("Z").with_context(ctx)?,
                other => bail!(
                    "{}: relabel={other:?}: use relabel=shared or relabel=private",
                    ctx()
                ),
            },
            "volume-nocopy" => flags.no_copy = parse_bool(key, val).with_context(ctx)?,
            "tmpfs-size" | "tmpfs-mode" => {
                tmpfs_keys.push(key);
                let option = key.trim_start_matches("tmpfs-");
                tmpfs_options.push(format!("{option}={}", need()?));
            }
            // Docker Desktop's file-sharing hint; meaningless on Linux.
            "consistency" => {}
            "nosuid" | "suid" | "nodev" | "dev" | "noexec" | "exec" if val.is_none() => {
                flags.apply(key).with_context(ctx)?;
                tmpfs_options.push(key.to_string());
            }
            _ => bail!(
                "{}: unknown key {key:?}: use type, source, target, readonly, bind-propagation, \
                 bind-nonrecursive, relabel, volume-nocopy, tmpfs-size or tmpfs-mode",
                ctx()
            ),
        }
    }
    let destination = destination
        .with_context(|| format!("{}: no target: add target=/path/in/container", ctx()))?;
    let destination = clean_destination(destination).with_context(ctx)?;
    if kind != "tmpfs" && !tmpfs_keys.is_empty() {
        bail!(
            "{}: {} apply to type=tmpfs only: remove them",
            ctx(),
            tmpfs_keys.join(", ")
        );
    }
    match kind {
        "bind" => {
            let src = source
                .with_context(|| format!("{}: a bind mount needs source=/host/path", ctx()))?;
            let src = host_path(src).with_context(ctx)?;
            flags.into_bind(src, destination).with_context(ctx)
        }
        "volume" => {
            if let Some(name) = source {
                check_volume_name(name).with_context(ctx)?;
            }
            flags
                .into_volume(source.map(str::to_string), destination)
                .with_context(ctx)
        }
        "tmpfs" => {
            if source.is_some() {
                bail!("{}: a tmpfs has no source: remove source=", ctx());
            }
            if flags.read_only == Some(true) {
                tmpfs_options.push("ro".to_string());
            }
            let options = tmpfs_options_with_defaults(&tmpfs_options).with_context(ctx)?;
            Ok(ParsedMount::Ready(MountRequest::Tmpfs {
                destination,
                options,
            }))
        }
        other => bail!(
            "{}: unsupported type {other:?}: use type=bind, type=volume or type=tmpfs",
            ctx()
        ),
    }
}

/// `--tmpfs DEST[:OPTIONS]`, e.g. `/run:rw,size=64m,mode=1777`.
pub fn parse_tmpfs_flag(value: &str) -> Result<MountRequest> {
    let ctx = || format!("--tmpfs {value:?}");
    let (dest, opts) = value.split_once(':').unwrap_or((value, ""));
    let destination = clean_destination(dest).with_context(ctx)?;
    let user: Vec<String> = opts
        .split(',')
        .filter(|o| !o.is_empty())
        .map(str::to_string)
        .collect();
    let options = tmpfs_options_with_defaults(&user).with_context(ctx)?;
    Ok(MountRequest::Tmpfs {
        destination,
        options,
    })
}
