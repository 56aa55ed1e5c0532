//! Manifests, fetched by the engine itself so that the answer is bounded in size: a registry
//! (or whatever answers in its place) must not make us buffer gigabytes, nor stream forever.

use anyhow::{Result, bail};
use oci_client::errors::{OciDistributionError, OciEnvelope};
use oci_client::secrets::RegistryAuth;

use super::{MANIFEST_MEDIA_TYPES, Registry};
use crate::image::bounded_body::{self, BodyError};
use crate::image::manifest::MAX_MANIFEST_BYTES;
use crate::image::token::Challenge;
use crate::util::digest::Digest;

/// What is kept of an error answer's body for the message.
const ERROR_BODY_BYTES: usize = 64 << 10;

impl Registry {
    /// Fetches a manifest by tag or digest; returns its bytes, verified digest and the
    /// Content-Type the registry sent. The answer is refused past [`MAX_MANIFEST_BYTES`].
    pub async fn manifest(
        &self,
        repository: &str,
        tag_or_digest: &str,
    ) -> Result<(Vec<u8>, Digest, Option<String>)> {
        let what = format!(
            "reading manifest {tag_or_digest} in {}/{repository}",
            self.endpoint.host
        );
        let (bytes, announced, content_type) = self
            .fetch_manifest(repository, tag_or_digest, &what)
            .await?;
        let computed = Digest::of(&bytes);
        if tag_or_digest.starts_with("sha256:") && computed.as_str() != tag_or_digest {
            bail!(
                "{what}: the registry sent a manifest whose digest is {computed}, not {tag_or_digest}; refusing it"
            );
        }
        if let Some(digest) = announced
            && digest.starts_with("sha256:")
            && digest != computed.as_str()
        {
            bail!(
                "{what}: the registry announced digest {digest} but the manifest hashes to {computed}; refusing it"
            );
        }
        Ok((bytes, computed, content_type))
    }

    async fn fetch_manifest(
        &self,
        repository: &str,
        tag_or_digest: &str,
        what: &str,
    ) -> Result<(Vec<u8>, Option<String>, Option<String>)> {
        let (_, auth) = self.session().await?;
        let scheme = if self.http { "http" } else { "https" };
        let url = format!(
            "{scheme}://{}/v2/{repository}/manifests/{tag_or_digest}",
            self.endpoint.host
        );
        let mut request = self
            .web
            .get(&url)
            .header(reqwest::header::ACCEPT, MANIFEST_MEDIA_TYPES.join(", "));
        request = match &auth {
            RegistryAuth::Bearer(token) => request.bearer_auth(token),
            RegistryAuth::Basic(user, pass) if self.challenge == Challenge::Basic => {
                request.basic_auth(user, Some(pass))
            }
            _ => request,
        };
        let response = request
            .send()
            .await
            .map_err(|e| self.describe(OciDistributionError::RequestError(e), what))?;
        let status = response.status();
        if status != reqwest::StatusCode::OK {
            let body = bounded_body::read_prefix(response, ERROR_BODY_BYTES).await;
            return Err(self
                .describe(status_error(status, &body, &url), what)
                .into());
        }
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let announced = header("docker-content-digest");
        let content_type = header("content-type");
        let bytes = match bounded_body::read(response, MAX_MANIFEST_BYTES).await {
            Ok(bytes) => bytes,
            Err(BodyError::Read(e)) => {
                return Err(self
                    .describe(OciDistributionError::RequestError(e), what)
                    .into());
            }
            Err(e @ BodyError::TooLarge { .. }) => bail!(
                "{what}: the registry's answer {} the {MAX_MANIFEST_BYTES}-byte limit for manifests; refusing it",
                e.size_phrase()
            ),
        };
        Ok((bytes, announced, content_type))
    }
}

/// The error for a non-200 answer, as oci-client reports it (so [`classify`] words it).
fn status_error(status: reqwest::StatusCode, body: &[u8], url: &str) -> OciDistributionError {
    let url = url.to_string();
    match status.as_u16() {
        401 => OciDistributionError::UnauthorizedError { url },
        code @ 400..=499 => match serde_json::from_slice::<OciEnvelope>(body) {
            Ok(envelope) => OciDistributionError::RegistryError { envelope, url },
            Err(_) => OciDistributionError::ServerError {
                code,
                url,
                message: excerpt(body),
            },
        },
        code => OciDistributionError::ServerError {
            code,
            url,
            message: excerpt(body),
        },
    }
}

/// The start of an error page, on one line, for a message.
fn excerpt(body: &[u8]) -> String {
    const SHOWN: usize = 200;
    let text = String::from_utf8_lossy(body);
    let words: Vec<&str> = text.split_whitespace().collect();
    let line = words.join(" ");
    match line.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}...", &line[..cut]),
        None => line,
    }
}
