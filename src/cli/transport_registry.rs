//! Registry-only commands: `image delete docker://...` and `image sync`.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::Session;
use super::transport::{Access, RegistryArgs, RegistryPairArgs};
use crate::image::manifest::Platform;
use crate::image::transport::sync::{self, SyncSide};
use crate::image::transport::{self, CopyOptions};
use crate::util::proc::is_tty;

#[derive(Args, Debug)]
pub struct DeleteArgs {
    /// Image in a registry: docker://HOST/NAME[:TAG|@DIGEST]
    #[arg(value_name = "IMAGE")]
    pub image: String,
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)
    #[arg(long, env = "REGISTRY_AUTH_FILE")]
    pub authfile: Option<PathBuf>,
}

/// Deletes the manifest a registry reference names (by digest: registries delete manifests,
/// not tags, so every tag pointing to it goes too, as with skopeo delete).
pub fn delete(session: &Session, args: DeleteArgs) -> Result<()> {
    let reference = sync::registry_reference(&args.image, "image delete")?;
    let access = Access::load(session, args.authfile.clone())?;
    let flags = args.registry.flags()?;
    super::runtime()?.block_on(async {
        let repo = access
            .get(session)
            .connect(&reference, &flags, true)
            .await?;
        let digest = match &reference.digest {
            Some(d) => d.clone(),
            None => {
                repo.manifest(&transport::reference_in_repo(&reference))
                    .await?
                    .2
            }
        };
        repo.delete_manifest(&digest).await
    })
}

#[derive(Args, Debug)]
pub struct SyncArgs {
    /// Source transport: docker (a repository; every tag, or the one named) or dir (a dir: image or a directory of them)
    #[arg(long, value_name = "TRANSPORT", default_value = "docker")]
    pub src: String,
    /// Destination transport: docker (a registry namespace) or dir (a directory; one NAME:TAG dir: image per image)
    #[arg(long, value_name = "TRANSPORT", default_value = "docker")]
    pub dest: String,
    /// Source: a repository HOST/NAME[:TAG], or a directory
    #[arg(value_name = "SOURCE")]
    pub source: String,
    /// Destination: a registry and namespace HOST[/NAMESPACE], or a directory
    #[arg(value_name = "DESTINATION")]
    pub destination: String,
    /// Copy every image of multi-platform indexes
    #[arg(short, long)]
    pub all: bool,
    #[command(flatten)]
    pub registries: RegistryPairArgs,
    /// Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)
    #[arg(long, env = "REGISTRY_AUTH_FILE")]
    pub authfile: Option<PathBuf>,
    /// Print no progress information
    #[arg(short, long)]
    pub quiet: bool,
}

/// Copies a repository's tags (or a tree of dir: images) as skopeo sync does: SOURCE
/// `host/a/b` with DESTINATION `other/ns` gives `other/ns/b:TAG` for every tag, and with
/// `--dest dir` the dir: images `DESTINATION/b:TAG`.
pub fn sync(session: &Session, args: SyncArgs) -> Result<()> {
    let (src, dest) = (SyncSide::parse(&args.src)?, SyncSide::parse(&args.dest)?);
    let (source_flags, destination_flags) = args.registries.flags()?;
    let opts = CopyOptions {
        source: source_flags,
        destination: destination_flags,
        compression: None,
        compression_level: None,
        all: args.all,
        platform: Platform::host(),
        bars: is_tty(2),
        quiet: args.quiet,
    };
    let access = Access::load(session, args.authfile.clone())?;
    let access = access.get(session);
    super::runtime()?.block_on(async {
        let copies = sync::plan(
            &access,
            &opts.source,
            src,
            &args.source,
            dest,
            &args.destination,
        )
        .await?;
        for (from, to) in &copies {
            if !opts.quiet {
                eprintln!("Copying {from} to {to}");
            }
            transport::copy(&access, None, from, to, &opts).await?;
        }
        if !opts.quiet {
            eprintln!("Synced {} images", copies.len());
        }
        Ok(())
    })
}
