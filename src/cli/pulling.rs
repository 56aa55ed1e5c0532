//! The registry flags `pull` and `run` share, and turning them into a stored image.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;

use super::{Session, is_tty};
use crate::config::auth::{AuthFiles, Credentials};
use crate::config::registries::RegistriesConf;
use crate::image::manifest::Platform;
use crate::image::pull::{PullContext, PullOptions};
use crate::image::{PullPolicy, ensure_image};
use crate::store::{ImageRecord, Store};

#[derive(Args, Debug, Clone)]
pub struct PullFlags {
    /// Platform to pull from a manifest list: OS/ARCH[/VARIANT] (default: this machine)
    #[arg(long)]
    pub platform: Option<String>,
    /// Architecture to pull (overrides the one of --platform)
    #[arg(long)]
    pub arch: Option<String>,
    /// Operating system to pull (overrides the one of --platform)
    #[arg(long)]
    pub os: Option<String>,
    /// Architecture variant to pull, e.g. v7 or v8
    #[arg(long)]
    pub variant: Option<String>,
    /// Require HTTPS and verify certificates (false allows plain HTTP and any certificate)
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub tls_verify: Option<bool>,
    /// Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)
    #[arg(long, env = "REGISTRY_AUTH_FILE")]
    pub authfile: Option<PathBuf>,
    /// Use the certificates (*.crt) in this directory instead of certs.d
    #[arg(long, value_name = "DIR")]
    pub cert_dir: Option<PathBuf>,
    /// Credentials USERNAME[:PASSWORD] for the registry
    #[arg(long, value_name = "USERNAME[:PASSWORD]")]
    pub creds: Option<String>,
}

impl PullFlags {
    fn platform(&self) -> Result<Platform> {
        let mut platform = match &self.platform {
            Some(p) => Platform::parse(p)?,
            None => Platform::host(),
        };
        if let Some(os) = &self.os {
            platform.os = os.clone();
        }
        if let Some(arch) = &self.arch {
            platform = Platform::parse(&format!("{}/{arch}", platform.os))?;
        }
        if let Some(variant) = &self.variant {
            platform.variant = Some(variant.clone());
        }
        Ok(platform)
    }
}

/// Returns the local image for `image`, pulling it as `policy` says (always, missing, never,
/// newer). `quiet` drops the progress display and status lines.
pub fn ensure(
    session: &Session,
    store: &Store,
    image: &str,
    policy: &str,
    flags: &PullFlags,
    signature_policy: Option<PathBuf>,
    quiet: bool,
) -> Result<ImageRecord> {
    let policy = PullPolicy::parse(policy)?;
    // A local image that may be used as is needs no registry, config files or async runtime.
    if matches!(policy, PullPolicy::Missing | PullPolicy::Never)
        && let Some(local) = store.find_image(image)?
    {
        return Ok(local);
    }
    let registries = RegistriesConf::load(&session.paths)?;
    let auth = AuthFiles::new(&session.paths, flags.authfile.clone());
    let ctx = PullContext {
        paths: &session.paths,
        registries: &registries,
        auth: &auth,
        store,
    };
    let opts = PullOptions {
        platform: flags.platform()?,
        tls_verify: flags.tls_verify,
        credentials: flags.creds.as_deref().map(parse_creds).transpose()?,
        signature_policy,
        cert_dir: flags.cert_dir.clone(),
        progress: !quiet && is_tty(2),
        verbose: !quiet,
    };
    super::runtime()?.block_on(ensure_image(&ctx, image, policy, &opts))
}

/// `USER[:PASS]`; a missing password is read from the terminal, as podman does.
pub fn parse_creds(s: &str) -> Result<Credentials> {
    let (username, password) = match s.split_once(':') {
        Some((u, p)) => (u.to_string(), p.to_string()),
        None => (
            s.to_string(),
            rpassword::prompt_password("Password: ").context("reading the password")?,
        ),
    };
    if username.is_empty() {
        bail!("--creds {s:?} has an empty username; use --creds USERNAME:PASSWORD");
    }
    Ok(Credentials { username, password })
}
