//! Commands that move images between transports: `push`, `image copy`, `image sync`,
//! `image delete` and `image inspect --remote`. Each is a thin caller of image::transport.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::Args;

use super::pulling::parse_creds;
use super::{Session, format, image};
use crate::config::auth::AuthFiles;
use crate::config::containers_conf::{ContainersConf, EngineSection};
use crate::config::registries::RegistriesConf;
use crate::image::manifest::Platform;
use crate::image::transport::{
    self, Compression, CopyOptions, RegistryAccess, RegistryFlags, TransportRef,
};
use crate::store::Store;
use crate::util::proc::is_tty;

/// Registry options of one side of a transfer.
#[derive(Args, Debug, Clone)]
pub struct RegistryArgs {
    /// Require HTTPS and verify certificates (false allows plain HTTP and any certificate)
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub tls_verify: Option<bool>,
    /// Credentials USERNAME[:PASSWORD] for the registry
    #[arg(long, value_name = "USERNAME[:PASSWORD]")]
    pub creds: Option<String>,
    /// Use the certificates (*.crt) in this directory instead of certs.d
    #[arg(long, value_name = "DIR")]
    pub cert_dir: Option<PathBuf>,
}

impl RegistryArgs {
    pub(super) fn flags(&self) -> Result<RegistryFlags> {
        Ok(RegistryFlags {
            tls_verify: self.tls_verify,
            credentials: self.creds.as_deref().map(parse_creds).transpose()?,
            cert_dir: self.cert_dir.clone(),
        })
    }
}

/// The flags `push` and `image copy` share.
#[derive(Args, Debug)]
pub struct TransferArgs {
    /// Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)
    #[arg(long, env = "REGISTRY_AUTH_FILE")]
    pub authfile: Option<PathBuf>,
    /// Compress layers leaving the local store with gzip or zstd (default: keep pulled layers as they are, gzip otherwise)
    #[arg(long, value_name = "FORMAT")]
    pub compression_format: Option<String>,
    /// Compression level: gzip 1-9 (default 2, whose layers are about the size of podman's default), zstd 1-20 (default 3)
    #[arg(long, value_name = "LEVEL")]
    pub compression_level: Option<i32>,
    /// Write the digest of the manifest written to this file
    #[arg(long, value_name = "FILE")]
    pub digestfile: Option<PathBuf>,
    /// Print no progress information
    #[arg(short, long)]
    pub quiet: bool,
}

impl TransferArgs {
    /// The compression format and level: the flags, else `defaults` (see Compression::choose).
    fn compression(&self, defaults: &EngineSection) -> Result<(Option<Compression>, Option<i32>)> {
        Compression::choose(
            (self.compression_format.as_deref(), self.compression_level),
            (
                defaults.compression_format.as_deref(),
                defaults.compression_level,
            ),
        )
    }
}

#[derive(Args, Debug)]
pub struct PushArgs {
    /// Local image to push (name or ID)
    #[arg(value_name = "IMAGE", add = super::complete::images())]
    pub image: String,
    /// Where to push: a registry name (HOST/NAME[:TAG]) or TRANSPORT:REFERENCE (default: IMAGE's name)
    #[arg(value_name = "DESTINATION")]
    pub destination: Option<String>,
    #[command(flatten)]
    pub registry: RegistryArgs,
    #[command(flatten)]
    pub transfer: TransferArgs,
}

#[derive(Args, Debug)]
pub struct CopyArgs {
    /// Source: TRANSPORT:REFERENCE (docker://, local:, oci:, oci-archive:, docker-archive:, dir:)
    #[arg(value_name = "SOURCE")]
    pub source: String,
    /// Destination: TRANSPORT:REFERENCE
    #[arg(value_name = "DESTINATION")]
    pub destination: String,
    /// Copy every image of a multi-platform index, not only the one for this machine
    #[arg(short, long)]
    pub all: bool,
    #[command(flatten)]
    pub registries: RegistryPairArgs,
    #[command(flatten)]
    pub transfer: TransferArgs,
}

/// TLS, credentials and CAs for both ends of a copy (skopeo's --src-*/--dest-* flags).
#[derive(Args, Debug)]
pub struct RegistryPairArgs {
    /// Require HTTPS and verified certificates from the source registry
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub src_tls_verify: Option<bool>,
    /// Require HTTPS and verified certificates from the destination registry
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub dest_tls_verify: Option<bool>,
    /// Credentials USERNAME[:PASSWORD] for the source registry
    #[arg(long, value_name = "USERNAME[:PASSWORD]")]
    pub src_creds: Option<String>,
    /// Credentials USERNAME[:PASSWORD] for the destination registry
    #[arg(long, value_name = "USERNAME[:PASSWORD]")]
    pub dest_creds: Option<String>,
    /// CA certificates (*.crt) for the source registry
    #[arg(long, value_name = "DIR")]
    pub src_cert_dir: Option<PathBuf>,
    /// CA certificates (*.crt) for the destination registry
    #[arg(long, value_name = "DIR")]
    pub dest_cert_dir: Option<PathBuf>,
}

impl RegistryPairArgs {
    /// The source's and the destination's registry flags.
    pub fn flags(&self) -> Result<(RegistryFlags, RegistryFlags)> {
        let side = |tls_verify, creds: &Option<String>, cert_dir: &Option<PathBuf>| {
            RegistryArgs {
                tls_verify,
                creds: creds.clone(),
                cert_dir: cert_dir.clone(),
            }
            .flags()
        };
        Ok((
            side(self.src_tls_verify, &self.src_creds, &self.src_cert_dir)?,
            side(self.dest_tls_verify, &self.dest_creds, &self.dest_cert_dir)?,
        ))
    }
}

/// The configuration files registry connections need, loaded once per command.
pub(super) struct Access {
    registries: RegistriesConf,
    auth: AuthFiles,
}

impl Access {
    pub(super) fn load(session: &Session, authfile: Option<PathBuf>) -> Result<Access> {
        Ok(Access {
            registries: RegistriesConf::load(&session.paths)?,
            auth: AuthFiles::new(&session.paths, authfile),
        })
    }

    pub(super) fn get<'a>(&'a self, session: &'a Session) -> RegistryAccess<'a> {
        RegistryAccess {
            paths: &session.paths,
            registries: &self.registries,
            auth: &self.auth,
        }
    }
}

pub fn push(session: &Session, args: PushArgs) -> Result<()> {
    let source = TransportRef::parse_source(&args.image)?;
    let destination = match &args.destination {
        Some(d) => TransportRef::parse_destination(d)?,
        None => match &source {
            TransportRef::Local(name) => {
                TransportRef::parse_destination(name).with_context(|| {
                    format!("pushing {name}: give a DESTINATION such as HOST/NAME:TAG")
                })?
            }
            other => bail!("pushing {other}: give a DESTINATION"),
        },
    };
    // containers.conf's compression keys are for pushes to a registry (podman's meaning):
    // elsewhere layers are copied as they are.
    let defaults = match destination {
        TransportRef::Docker(_) => ContainersConf::load(&session.paths)?.engine,
        _ => EngineSection::default(),
    };
    let (compression, compression_level) = args.transfer.compression(&defaults)?;
    let opts = CopyOptions {
        source: RegistryFlags::default(),
        destination: args.registry.flags()?,
        compression,
        compression_level,
        all: false,
        platform: Platform::host(),
        bars: is_tty(2),
        quiet: args.transfer.quiet,
    };
    run_copy(session, args.transfer, &source, &destination, &opts)
}

pub fn copy(session: &Session, args: CopyArgs) -> Result<()> {
    let source = TransportRef::parse(&args.source)?;
    let destination = TransportRef::parse(&args.destination)?;
    let (source_flags, destination_flags) = args.registries.flags()?;
    let (compression, compression_level) = args.transfer.compression(&EngineSection::default())?;
    let opts = CopyOptions {
        source: source_flags,
        destination: destination_flags,
        compression,
        compression_level,
        all: args.all,
        platform: Platform::host(),
        bars: is_tty(2),
        quiet: args.transfer.quiet,
    };
    run_copy(session, args.transfer, &source, &destination, &opts)
}

fn run_copy(
    session: &Session,
    transfer: TransferArgs,
    source: &TransportRef,
    destination: &TransportRef,
    opts: &CopyOptions,
) -> Result<()> {
    let access = Access::load(session, transfer.authfile)?;
    // Registry-to-registry copies never touch (or create) the local store.
    let needs_store = [source, destination]
        .iter()
        .any(|t| matches!(t, TransportRef::Local(_)));
    let store: Option<Arc<Store>> = match needs_store {
        true => Some(Arc::new(session.open_store()?)),
        false => None,
    };
    let digest = super::runtime()?.block_on(transport::copy(
        &access.get(session),
        store.as_ref(),
        source,
        destination,
        opts,
    ))?;
    if let Some(path) = &transfer.digestfile {
        std::fs::write(path, digest.as_str())
            .with_context(|| format!("writing the digest to {}", path.display()))?;
    }
    Ok(())
}

/// `image inspect`: the local inspect, or with `--remote` a registry's view.
#[derive(Args, Debug)]
pub struct ImageInspectArgs {
    #[command(flatten)]
    pub local: image::InspectArgs,
    /// Inspect images in a registry (docker://HOST/NAME[:TAG]) without pulling them
    #[arg(long)]
    pub remote: bool,
    /// With --remote: print the manifest as the registry sent it
    #[arg(long, requires = "remote")]
    pub raw: bool,
    /// With --remote: print the image's config
    #[arg(long, requires = "remote")]
    pub config: bool,
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)
    #[arg(long, env = "REGISTRY_AUTH_FILE")]
    pub authfile: Option<PathBuf>,
}

pub fn image_inspect(session: &Session, args: ImageInspectArgs) -> Result<()> {
    if !args.remote {
        return image::inspect(session, args.local);
    }
    let access = Access::load(session, args.authfile.clone())?;
    let flags = args.registry.flags()?;
    let runtime = super::runtime()?;
    let mut values = Vec::new();
    let mut out = std::io::stdout().lock();
    for name in &args.local.images {
        let reference = match TransportRef::parse_destination(name)? {
            TransportRef::Docker(r) => r,
            other => {
                bail!("inspect --remote reads registries only; {other} is not docker://HOST/NAME")
            }
        };
        let value = runtime.block_on(async {
            let repo = access
                .get(session)
                .connect(&reference, &flags, false)
                .await?;
            let wanted = transport::reference_in_repo(&reference);
            let image = transport::inspect::fetch(&repo, &wanted, &Platform::host()).await?;
            if args.raw || args.config {
                return Ok::<_, anyhow::Error>(Err(if args.raw {
                    image.raw
                } else {
                    image.config
                }));
            }
            let tags = repo.tags().await?;
            Ok(Ok(transport::inspect::describe(
                &reference.name(),
                &image,
                &tags,
            )?))
        })?;
        match value {
            Ok(json) => values.push(json),
            Err(bytes) => {
                use std::io::Write;
                out.write_all(&bytes)?;
                out.write_all(b"\n")?;
            }
        }
    }
    match args.local.format.as_deref().filter(|f| *f != "json") {
        // skopeo prints each image as one JSON object.
        None => {
            for value in &values {
                use std::io::Write;
                writeln!(out, "{}", serde_json::to_string_pretty(value)?)?;
            }
        }
        Some(template) => format::render_inspect(&values, Some(template), &mut out)?,
    }
    Ok(())
}
