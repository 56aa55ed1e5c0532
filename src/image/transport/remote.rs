//! One repository on a registry, spoken to over the distribution API with reqwest: what `pull`
//! needs plus uploads, mounts, manifest PUT/DELETE and tag lists. oci-client is used only to
//! obtain credentials (its bearer-token flow); its upload calls buffer or chunk blobs in memory,
//! while ours stream a body of unknown length in one PATCH (as containers/image does).

use anyhow::{Context, Result, anyhow, bail};
use bytes::Bytes;
use futures_util::{Stream, TryStreamExt};
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, LOCATION, WWW_AUTHENTICATE,
};
use reqwest::{Method, RequestBuilder, Response, StatusCode, Url};

use super::remote_answers::{
    auth_hint, content_type, expect, header, next_link, read_small, status_error, token_error,
};
use crate::image::registry::{Endpoint, MANIFEST_MEDIA_TYPES, error_chain, reqwest_client};
use crate::image::token::{self, Challenge};
use crate::util::digest::Digest;

/// An authenticated connection to `host/repository`.
pub struct RemoteRepo {
    http: reqwest::Client,
    /// `scheme://host/v2/repository/`
    base: Url,
    pub host: String,
    pub repository: String,
    authorization: Option<HeaderValue>,
}

impl RemoteRepo {
    /// Connects and authenticates for pulling, or for pulling and pushing. An insecure endpoint
    /// tries HTTPS without verification first and plain HTTP second, as podman does.
    pub async fn connect(endpoint: &Endpoint, repository: &str, push: bool) -> Result<RemoteRepo> {
        let https = Self::connect_with(endpoint, repository, push, "https").await;
        match https {
            Err(e) if endpoint.insecure && e.to_string().contains("cannot reach") => {
                Self::connect_with(endpoint, repository, push, "http")
                    .await
                    .map_err(|_| e)
            }
            other => other,
        }
    }

    async fn connect_with(
        endpoint: &Endpoint,
        repository: &str,
        push: bool,
        scheme: &str,
    ) -> Result<RemoteRepo> {
        let host = &endpoint.host;
        let http = reqwest_client(endpoint)?;
        let what = format!("connecting to {host}/{repository}");
        let ping = http
            .get(format!("{scheme}://{host}/v2/"))
            .send()
            .await
            .map_err(|e| anyhow!("{what}: cannot reach {host}: {}", error_chain(&e)))?;
        let challenge = ping
            .headers()
            .get(WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .map_or(Challenge::None, token::parse_challenge);
        drop(ping);
        let authorization = match (challenge, &endpoint.credentials) {
            // The engine's own token flow: its answer is bounded in size and time.
            (Challenge::Bearer { realm, service }, credentials) => {
                let actions = if push { "pull,push" } else { "pull" };
                let token = token::fetch(
                    &http,
                    &realm,
                    service.as_deref(),
                    repository,
                    actions,
                    credentials.as_ref(),
                )
                .await
                .map_err(|failure| token_error(endpoint, &realm, failure))?;
                Some(header(&format!("Bearer {}", token.value))?)
            }
            (_, Some(c)) => {
                use base64::Engine as _;
                let raw = format!("{}:{}", c.username, c.password);
                let encoded = base64::engine::general_purpose::STANDARD.encode(raw);
                Some(header(&format!("Basic {encoded}"))?)
            }
            (_, None) => None,
        };
        let base = Url::parse(&format!("{scheme}://{host}/v2/{repository}/"))
            .map_err(|e| anyhow!("invalid registry address {host}/{repository}: {e}"))?;
        let repo = RemoteRepo {
            http,
            base,
            host: host.clone(),
            repository: repository.to_string(),
            authorization,
        };
        // One request that needs the credentials, so refusals show up here as one clear line.
        let ping = repo.request(Method::GET, repo.url("/v2/")?).send().await;
        let ping = ping.map_err(|e| anyhow!("{what}: cannot reach {host}: {}", error_chain(&e)))?;
        if matches!(
            ping.status(),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
        ) {
            bail!("{what}: {}", auth_hint(endpoint, "access refused"));
        }
        Ok(repo)
    }

    pub fn name(&self) -> String {
        format!("{}/{}", self.host, self.repository)
    }

    pub(super) fn url(&self, relative: &str) -> Result<Url> {
        self.base
            .join(relative)
            .map_err(|e| anyhow!("building a URL for {}: {e}", self.name()))
    }

    pub(super) fn request(&self, method: Method, url: Url) -> RequestBuilder {
        let builder = self.http.request(method, url);
        match &self.authorization {
            Some(value) => builder.header(AUTHORIZATION, value.clone()),
            None => builder,
        }
    }

    pub(super) async fn send(&self, builder: RequestBuilder, what: &str) -> Result<Response> {
        builder
            .send()
            .await
            .map_err(|e| anyhow!("{what}: cannot reach {}: {}", self.host, error_chain(&e)))
    }

    /// A manifest by tag or digest: its bytes, media type and (verified) digest.
    pub async fn manifest(&self, reference: &str) -> Result<(Vec<u8>, String, Digest)> {
        let what = format!("reading manifest {reference} of {}", self.name());
        let request = self
            .request(Method::GET, self.url(&format!("manifests/{reference}"))?)
            .header(ACCEPT, MANIFEST_MEDIA_TYPES.join(", "));
        let response = expect(self.send(request, &what).await?, &[StatusCode::OK], &what).await?;
        let media_type = content_type(&response);
        let bytes = read_small(response, &what, "manifest").await?;
        let digest = Digest::of(&bytes);
        if reference.starts_with("sha256:") && digest.as_str() != reference {
            bail!("{what}: the registry sent a manifest hashing to {digest}; refusing it");
        }
        Ok((bytes.to_vec(), media_type, digest))
    }

    /// The blob's size if the repository has it (HEAD).
    pub async fn blob_size(&self, digest: &Digest) -> Result<Option<u64>> {
        let what = format!("checking blob {digest} in {}", self.name());
        let request = self.request(Method::HEAD, self.url(&format!("blobs/{digest}"))?);
        let response = self.send(request, &what).await?;
        match response.status() {
            StatusCode::NOT_FOUND => Ok(None),
            s if s.is_success() => Ok(Some(response.content_length().unwrap_or(0))),
            _ => Err(status_error(response, &what).await),
        }
    }

    /// A blob's bytes as a stream (the caller verifies the digest).
    pub async fn blob(
        &self,
        digest: &Digest,
    ) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static> {
        let what = format!("fetching blob {digest} from {}", self.name());
        let request = self.request(Method::GET, self.url(&format!("blobs/{digest}"))?);
        let response = expect(self.send(request, &what).await?, &[StatusCode::OK], &what).await?;
        Ok(response.bytes_stream().map_err(std::io::Error::other))
    }

    /// A small blob (a config) in memory, digest checked.
    pub async fn small_blob(&self, digest: &Digest) -> Result<Vec<u8>> {
        let what = format!("fetching blob {digest} from {}", self.name());
        let request = self.request(Method::GET, self.url(&format!("blobs/{digest}"))?);
        let response = expect(self.send(request, &what).await?, &[StatusCode::OK], &what).await?;
        let bytes = read_small(response, &what, "config").await?;
        if Digest::of(&bytes) != *digest {
            bail!("{what}: the registry sent other bytes than the digest names; refusing them");
        }
        Ok(bytes)
    }

    /// Stores a manifest under a tag or its digest; returns its digest.
    pub async fn put_manifest(
        &self,
        reference: &str,
        bytes: &[u8],
        media_type: &str,
    ) -> Result<Digest> {
        let what = format!("writing manifest {reference} to {}", self.name());
        let request = self
            .request(Method::PUT, self.url(&format!("manifests/{reference}"))?)
            .header(CONTENT_TYPE, media_type)
            .body(bytes.to_vec());
        expect(
            self.send(request, &what).await?,
            &[StatusCode::CREATED, StatusCode::OK],
            &what,
        )
        .await?;
        Ok(Digest::of(bytes))
    }

    /// Deletes a manifest by digest (registries refuse deleting tags).
    pub async fn delete_manifest(&self, digest: &Digest) -> Result<()> {
        let what = format!("deleting manifest {digest} from {}", self.name());
        let request = self.request(Method::DELETE, self.url(&format!("manifests/{digest}"))?);
        let response = self.send(request, &what).await?;
        if response.status() == StatusCode::METHOD_NOT_ALLOWED {
            bail!(
                "{what}: the registry does not allow deletions (for distribution, set REGISTRY_STORAGE_DELETE_ENABLED=true)"
            );
        }
        expect(response, &[StatusCode::ACCEPTED, StatusCode::OK], &what).await?;
        Ok(())
    }

    /// Every tag of the repository, following `Link` pagination.
    pub async fn tags(&self) -> Result<Vec<String>> {
        #[derive(serde::Deserialize)]
        struct TagList {
            tags: Option<Vec<String>>,
        }
        let what = format!("listing the tags of {}", self.name());
        let mut url = self.url("tags/list")?;
        let mut tags = Vec::new();
        loop {
            let response = self
                .send(self.request(Method::GET, url.clone()), &what)
                .await?;
            let response = expect(response, &[StatusCode::OK], &what).await?;
            let next = next_link(&response).and_then(|link| url.join(&link).ok());
            let list: TagList = response
                .json()
                .await
                .with_context(|| format!("{what}: malformed answer"))?;
            tags.extend(list.tags.unwrap_or_default());
            match next {
                Some(n) => url = n,
                None => return Ok(tags),
            }
        }
    }

    pub(super) fn location(&self, response: &Response, what: &str) -> Result<Url> {
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| anyhow!("{what}: the registry sent no upload location"))?;
        self.base.join(location).map_err(|e| {
            anyhow!("{what}: the registry sent an invalid location {location:?} ({e})")
        })
    }
}
