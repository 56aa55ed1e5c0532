//! Registry-only commands: `image delete docker://...` and `image sync`.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;

use super::Session;
use super::transport::{Access, RegistryArgs, RegistryPairArgs};
use crate::image::manifest::Platform;
use crate::image::reference::Reference;
use crate::image::transport::{self, CopyOptions, TransportRef};
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
    let reference = registry_reference(&args.image, "image delete")?;
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
    /// Source transport: docker (a repository; every tag, or the one named)
    #[arg(long, value_name = "TRANSPORT", default_value = "docker")]
    pub src: String,
    /// Destination transport: docker (a registry namespace the repository is copied under)
    #[arg(long, value_name = "TRANSPORT", default_value = "docker")]
    pub dest: String,
    /// Source repository, HOST/NAME[:TAG]
    #[arg(value_name = "SOURCE")]
    pub source: String,
    /// Destination registry and namespace, HOST[/NAMESPACE]
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

/// Copies the tags of a repository to another registry as skopeo sync does: SOURCE
/// `host/a/b` with DESTINATION `other/ns` gives `other/ns/b:TAG` for every tag.
pub fn sync(session: &Session, args: SyncArgs) -> Result<()> {
    if args.src != "docker" || args.dest != "docker" {
        bail!(
            "image sync --src {} --dest {}: only --src docker --dest docker is available; use `engine image copy` for other transports",
            args.src,
            args.dest
        );
    }
    let source = registry_reference(&args.source, "image sync")?;
    let last = source.path.rsplit('/').next().unwrap_or(&source.path);
    let target = format!("{}/{last}", args.destination.trim_end_matches('/'));
    let target = registry_reference(&target, "image sync")?;
    let (source_flags, destination_flags) = args.registries.flags()?;
    let opts = CopyOptions {
        source: source_flags,
        destination: destination_flags,
        compression: None,
        all: args.all,
        platform: Platform::host(),
        bars: is_tty(2),
        quiet: args.quiet,
    };
    let access = Access::load(session, args.authfile.clone())?;
    let access = access.get(session);
    super::runtime()?.block_on(async {
        // A tag written in SOURCE syncs that tag only; otherwise every tag of the repository.
        let tags = match args
            .source
            .rsplit('/')
            .next()
            .is_some_and(|s| s.contains(':'))
        {
            true => vec![transport::reference_in_repo(&source)],
            false => {
                let repo = access.connect(&source, &opts.source, false).await?;
                repo.tags().await?
            }
        };
        for tag in tags {
            let from = TransportRef::Docker(source.with_tag(&tag)?);
            let to = TransportRef::Docker(target.with_tag(&tag)?);
            if !opts.quiet {
                eprintln!("Copying {from} to {to}");
            }
            transport::copy(&access, None, &from, &to, &opts).await?;
        }
        Ok(())
    })
}

fn registry_reference(input: &str, command: &str) -> Result<Reference> {
    let plain = input.strip_prefix("docker://").unwrap_or(input);
    match TransportRef::parse(&format!("docker://{plain}"))? {
        TransportRef::Docker(r) => Ok(r),
        _ => bail!("{command}: {input:?} is not a registry reference (docker://HOST/NAME[:TAG])"),
    }
}
