//! One registry endpoint: TLS choice, credentials, and errors turned into one line that names
//! the registry, the cause and the fix. Blobs stream through oci-client; the ping, tokens and
//! manifests, whose answers are read whole, are the engine's own requests with size bounds
//! (session.rs, manifests.rs).

mod manifests;
mod session;

use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use oci_client::Client;
use oci_client::client::{Certificate, CertificateEncoding, ClientConfig, ClientProtocol};
use oci_client::errors::OciDistributionError;

use crate::config::auth::Credentials;
use crate::image::token::Challenge;
use crate::util::digest::Digest;
use crate::util::limits;
use session::Session;

/// Media types we ask for and understand, most preferred first.
pub const MANIFEST_MEDIA_TYPES: &[&str] = &[
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

const USER_AGENT: &str = concat!("engine/", env!("CARGO_PKG_VERSION"));

/// How to reach one registry host.
#[derive(Clone, Debug, Default)]
pub struct Endpoint {
    /// `host[:port]` as written in references.
    pub host: String,
    /// Plain HTTP and unverified TLS allowed (registries.conf `insecure` or `--tls-verify=false`).
    pub insecure: bool,
    /// Extra CA certificates for this host (containers-certs.d).
    pub ca_files: Vec<PathBuf>,
    pub credentials: Option<Credentials>,
}

/// Why a registry request failed, as far as callers need to decide what to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The repository, tag or blob does not exist there: try the next candidate.
    NotFound,
    /// Credentials missing or refused.
    Unauthorized,
    /// Could not talk to the registry at all.
    Unreachable,
    /// Anything else (bad answer, digest mismatch...).
    Other,
}

/// A registry failure with its kind, printed as one line.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct RegistryError {
    pub kind: FailureKind,
    pub message: String,
}

/// An authenticated connection to one registry endpoint for one repository.
pub struct Registry {
    endpoint: Endpoint,
    /// Plain HTTP was needed (insecure endpoints only).
    http: bool,
    /// Requests whose answers are read whole (manifests, tokens) go through this client, with
    /// size bounds; blobs are streamed by oci-client.
    web: reqwest::Client,
    challenge: Challenge,
    repository: String,
    session: tokio::sync::Mutex<Session>,
}

impl Registry {
    /// Opens a stream of the blob's bytes. The caller verifies the digest as bytes arrive.
    pub async fn blob_stream(
        &self,
        repository: &str,
        digest: &Digest,
        size: u64,
    ) -> Result<oci_client::client::SizedStream> {
        let reference = oci_reference(&self.endpoint.host, repository, digest.as_str());
        let descriptor = oci_client::manifest::OciDescriptor {
            digest: digest.to_string(),
            size: size as i64,
            ..Default::default()
        };
        let (client, _) = self.session().await?;
        client
            .pull_blob_stream(&reference, &descriptor)
            .await
            .map_err(|e| {
                self.describe(
                    e,
                    &format!(
                        "fetching blob {digest} from {}/{repository}",
                        self.endpoint.host
                    ),
                )
                .into()
            })
    }

    pub fn host(&self) -> &str {
        &self.endpoint.host
    }

    /// Turns an oci-client error into one line naming what failed, why, and the fix.
    pub fn describe(&self, err: OciDistributionError, what: &str) -> RegistryError {
        classify(&self.endpoint, err, what)
    }
}

/// Checks credentials against a registry the way `docker login` does: a request to `/v2/` that
/// must not be refused, and for token registries a token request with the credentials.
pub async fn verify_login(endpoint: &Endpoint) -> Result<()> {
    let Some(creds) = &endpoint.credentials else {
        bail!("no credentials given for {}", endpoint.host);
    };
    // Token registries check credentials when the token is requested.
    let registry = Registry::connect(endpoint, "library/engine-login-check").await?;
    let scheme = if registry.http { "http" } else { "https" };
    let http = reqwest_client(endpoint)?;
    let url = format!("{scheme}://{}/v2/", endpoint.host);
    let response = http
        .get(&url)
        .basic_auth(&creds.username, Some(&creds.password))
        .send()
        .await
        .map_err(|e| {
            classify(
                endpoint,
                OciDistributionError::RequestError(e),
                "logging in",
            )
        })?;
    match response.status().as_u16() {
        401 | 403 => {
            // A bearer registry answers 401 to Basic on /v2/ by design; its token request
            // (made with the credentials by connect above) already validated them.
            let bearer = response
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.to_ascii_lowercase().starts_with("bearer"));
            if bearer {
                return Ok(());
            }
            bail!(
                "logging in to {}: invalid username or password (the registry answered {})",
                endpoint.host,
                response.status()
            )
        }
        s if (200..300).contains(&s) => Ok(()),
        s => bail!(
            "logging in to {}: the registry answered HTTP {s} to /v2/",
            endpoint.host
        ),
    }
}

fn oci_reference(host: &str, repository: &str, tag_or_digest: &str) -> oci_client::Reference {
    if tag_or_digest.starts_with("sha256:") {
        oci_client::Reference::with_digest(
            host.to_string(),
            repository.to_string(),
            tag_or_digest.to_string(),
        )
    } else {
        oci_client::Reference::with_tag(
            host.to_string(),
            repository.to_string(),
            tag_or_digest.to_string(),
        )
    }
}

fn load_certificates(endpoint: &Endpoint) -> Result<Vec<Certificate>> {
    endpoint
        .ca_files
        .iter()
        .map(|path| {
            let data = std::fs::read(path)
                .with_context(|| format!("reading CA certificate {} for {}", path.display(), endpoint.host))?;
            reqwest::Certificate::from_pem(&data).map_err(|e| {
                anyhow!(
                    "CA certificate {} for {} is not a valid PEM certificate ({e}); replace or remove it",
                    path.display(),
                    endpoint.host
                )
            })?;
            Ok(Certificate { encoding: CertificateEncoding::Pem, data })
        })
        .collect()
}

/// Makes ring the process's TLS provider (see Cargo.toml for why not aws-lc); every client is
/// built after this. Installing twice is harmless: the first provider stays.
pub(crate) fn install_tls_provider() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

fn build_client(endpoint: &Endpoint, http: bool) -> Result<Client> {
    install_tls_provider();
    let timeouts = limits::registry_timeouts()?;
    let config = ClientConfig {
        protocol: if http {
            ClientProtocol::Http
        } else {
            ClientProtocol::Https
        },
        accept_invalid_certificates: endpoint.insecure,
        extra_root_certificates: load_certificates(endpoint)?,
        platform_resolver: None,
        connect_timeout: Some(timeouts.connect),
        read_timeout: Some(timeouts.read),
        user_agent: USER_AGENT,
        ..Default::default()
    };
    let client = Client::try_from(config)
        .map_err(|e| anyhow!("setting up the HTTP client for {}: {e}", endpoint.host))?;
    Ok(client)
}

/// The HTTP client for `endpoint`: its CAs, TLS choice and the registry timeouts.
pub(crate) fn reqwest_client(endpoint: &Endpoint) -> Result<reqwest::Client> {
    install_tls_provider();
    let timeouts = limits::registry_timeouts()?;
    let mut builder = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(timeouts.connect)
        .read_timeout(timeouts.read)
        .tls_danger_accept_invalid_certs(endpoint.insecure);
    for cert in load_certificates(endpoint)? {
        builder = builder.add_root_certificate(
            reqwest::Certificate::from_pem(&cert.data).expect("validated by load_certificates"),
        );
    }
    builder
        .build()
        .map_err(|e| anyhow!("setting up the HTTP client for {}: {e}", endpoint.host))
}

/// Maps an oci-client error onto a kind and a message with a fix.
fn classify(endpoint: &Endpoint, err: OciDistributionError, what: &str) -> RegistryError {
    let host = &endpoint.host;
    let login_hint = if endpoint.credentials.is_some() {
        format!("the credentials were refused; check them or run `engine login {host}` again")
    } else {
        format!("authentication required; run `engine login {host}` first")
    };
    let (kind, message) = match &err {
        OciDistributionError::ImageManifestNotFoundError(_) => (
            FailureKind::NotFound,
            format!("{what}: manifest unknown (no such tag or digest)"),
        ),
        OciDistributionError::AuthenticationFailure(_)
        | OciDistributionError::UnauthorizedError { .. } => {
            (FailureKind::Unauthorized, format!("{what}: {login_hint}"))
        }
        OciDistributionError::RegistryError { envelope, .. } => {
            let codes: Vec<String> = envelope
                .errors
                .iter()
                .map(|e| format!("{:?}", e.code))
                .collect();
            let detail: Vec<String> = envelope.errors.iter().map(|e| e.message.clone()).collect();
            let joined = codes.join(",").to_ascii_uppercase();
            if joined.contains("UNAUTHORIZED") || joined.contains("DENIED") {
                (FailureKind::Unauthorized, format!("{what}: {login_hint}"))
            } else if joined.contains("UNKNOWN") {
                (
                    FailureKind::NotFound,
                    format!("{what}: {}", detail.join("; ")),
                )
            } else {
                (
                    FailureKind::Other,
                    format!("{what}: registry error: {}", detail.join("; ")),
                )
            }
        }
        OciDistributionError::ServerError { code, message, .. } => match code {
            401 | 403 => (FailureKind::Unauthorized, format!("{what}: {login_hint}")),
            404 => (
                FailureKind::NotFound,
                format!("{what}: not found (HTTP 404)"),
            ),
            _ => (
                FailureKind::Other,
                format!(
                    "{what}: the registry answered HTTP {code}: {}",
                    message.trim()
                ),
            ),
        },
        OciDistributionError::RequestError(e) => {
            let chain = error_chain(e);
            let lower = chain.to_ascii_lowercase();
            let message = if lower.contains("dns error") || lower.contains("failed to lookup") {
                format!("{what}: cannot resolve host {host} ({chain}); check the name and your DNS")
            } else if lower.contains("certificate") || lower.contains("unknownissuer") {
                format!(
                    "{what}: TLS certificate of {host} is not trusted ({chain}); put its CA in \
                     ~/.config/containers/certs.d/{host}/ca.crt, or use --tls-verify=false only if you trust the network"
                )
            } else if lower.contains("connection refused") {
                format!(
                    "{what}: connection refused by {host}; is the registry running at that address?"
                )
            } else if e.is_timeout() {
                format!(
                    "{what}: {host} did not answer in time ({chain}); for a slow registry raise \
                     {} (seconds)",
                    limits::TIMEOUT_VAR
                )
            } else if lower.contains("http/")
                || lower.contains("invalid http")
                || lower.contains("corrupt")
            {
                format!(
                    "{what}: {host} does not speak HTTPS ({chain}); if it is a plain-HTTP registry, mark it \
                     `insecure = true` in registries.conf or use --tls-verify=false"
                )
            } else {
                format!("{what}: cannot reach {host}: {chain}")
            };
            return RegistryError {
                kind: FailureKind::Unreachable,
                message,
            };
        }
        OciDistributionError::DigestError(d) => (
            FailureKind::Other,
            format!("{what}: digest check failed: {d}"),
        ),
        other => (FailureKind::Other, format!("{what}: {other}")),
    };
    RegistryError { kind, message }
}

/// An error and its sources in one line, without repeats.
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}
