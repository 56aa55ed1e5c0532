//! Images: references and short names, the registry client, manifests, and pulling.

pub(crate) mod bounded_body;
pub mod changes;
pub mod fetch;
pub mod history;
pub mod import;
pub mod manifest;
pub mod new_image;
pub mod pull;
pub mod reference;
pub mod registry;
pub mod shortnames;
pub(crate) mod token;
pub mod transport;

use anyhow::{Result, bail};

use crate::store::ImageRecord;
use pull::{PullContext, PullOptions};

/// When `run`/`create`/`pull --policy` contact the registry (podman's `--pull`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullPolicy {
    /// Always pull; layers already stored are not downloaded again.
    Always,
    /// Pull only when no local image matches (the default for `run`).
    Missing,
    /// Never pull; a missing image is an error.
    Never,
    /// Pull when the registry's manifest differs from the local one.
    Newer,
}

impl PullPolicy {
    pub fn parse(s: &str) -> Result<PullPolicy> {
        match s {
            "always" => Ok(PullPolicy::Always),
            "missing" | "ifmissing" | "ifnotpresent" => Ok(PullPolicy::Missing),
            "never" => Ok(PullPolicy::Never),
            "newer" | "ifnewer" => Ok(PullPolicy::Newer),
            other => bail!("invalid pull policy {other:?}: use always, missing, never or newer"),
        }
    }
}

/// Returns a local image for `input`, pulling it as `policy` says.
pub async fn ensure_image(
    ctx: &PullContext<'_>,
    input: &str,
    policy: PullPolicy,
    opts: &PullOptions,
) -> Result<ImageRecord> {
    let local = ctx.store.find_image(input)?;
    match (policy, local) {
        (PullPolicy::Always, _) => pull::pull(ctx, input, opts).await,
        (PullPolicy::Missing, Some(image)) => Ok(image),
        (PullPolicy::Missing, None) => pull::pull(ctx, input, opts).await,
        (PullPolicy::Never, Some(image)) => Ok(image),
        (PullPolicy::Never, None) => {
            bail!(
                "image {input} is not in the local store and the pull policy is \"never\"; pull it first or use --pull=missing"
            )
        }
        (PullPolicy::Newer, None) => pull::pull(ctx, input, opts).await,
        (PullPolicy::Newer, Some(image)) => match pull::pull(ctx, input, opts).await {
            Ok(image) => Ok(image),
            // podman keeps using the local image when the registry cannot be asked.
            Err(e) => {
                eprintln!(
                    "WARNING: could not check {input} for a newer image ({e:#}); using the local one"
                );
                Ok(image)
            }
        },
    }
}
