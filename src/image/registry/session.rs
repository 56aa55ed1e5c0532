//! Connecting to a registry: the `/v2/` ping (HTTPS first, plain HTTP for insecure endpoints),
//! the authentication challenge, a bearer token fetched with bounds (see [`token`]), and the
//! oci-client that streams blobs with the resulting credentials, renewed with the token.

use std::time::{Duration, Instant};

use anyhow::Result;
use oci_client::errors::OciDistributionError;
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, RegistryOperation};

use super::{
    Endpoint, FailureKind, Registry, RegistryError, build_client, classify, oci_reference,
    reqwest_client,
};
use crate::image::token::{self, Challenge, TokenFailure};

/// The oci-client and the credentials it holds; replaced when a bearer token nears its end.
pub(super) struct Session {
    pub(super) client: Client,
    pub(super) auth: RegistryAuth,
    /// When the bearer token should be renewed; None without one.
    pub(super) renew_at: Option<Instant>,
}

/// Tokens are renewed this long before the token server says they expire.
const TOKEN_MARGIN: Duration = Duration::from_secs(20);

impl Registry {
    /// Connects to `endpoint` and authenticates for pulling from `repository`. For an insecure
    /// endpoint, HTTPS without verification is tried first and plain HTTP second, as podman does.
    pub async fn connect(endpoint: &Endpoint, repository: &str) -> Result<Registry> {
        let what = format!("pinging registry {}", endpoint.host);
        match Registry::connect_over(endpoint, repository, false).await {
            Ok(registry) => Ok(registry),
            Err(Attempt::Unreachable(e)) if endpoint.insecure => {
                match Registry::connect_over(endpoint, repository, true).await {
                    Ok(registry) => Ok(registry),
                    // Plain HTTP connected but the server then fell silent: that is the news.
                    Err(Attempt::Unreachable(plain)) if plain.is_timeout() => {
                        Err(
                            classify(endpoint, OciDistributionError::RequestError(plain), &what)
                                .into(),
                        )
                    }
                    // Neither scheme reached it: the HTTPS failure is the one users care about.
                    Err(Attempt::Unreachable(_)) => {
                        Err(classify(endpoint, OciDistributionError::RequestError(e), &what).into())
                    }
                    // Plain HTTP reached the registry, which refused us (credentials): say so.
                    Err(Attempt::Failed(refused)) => Err(refused),
                }
            }
            Err(Attempt::Unreachable(e)) => {
                Err(classify(endpoint, OciDistributionError::RequestError(e), &what).into())
            }
            Err(Attempt::Failed(e)) => Err(e),
        }
    }

    /// Pings `/v2/` over one scheme, gets a token if the registry wants one, and sets up the
    /// blob client with the resulting credentials.
    async fn connect_over(
        endpoint: &Endpoint,
        repository: &str,
        http: bool,
    ) -> Result<Registry, Attempt> {
        let web = reqwest_client(endpoint).map_err(Attempt::Failed)?;
        let scheme = if http { "http" } else { "https" };
        let ping = web
            .get(format!("{scheme}://{}/v2/", endpoint.host))
            .send()
            .await
            .map_err(Attempt::Unreachable)?;
        let challenge = ping
            .headers()
            .get(reqwest::header::WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .map_or(Challenge::None, token::parse_challenge);
        drop(ping);
        let mut registry = Registry {
            endpoint: endpoint.clone(),
            http,
            web,
            challenge,
            repository: repository.to_string(),
            session: tokio::sync::Mutex::new(Session {
                client: build_client(endpoint, http).map_err(Attempt::Failed)?,
                auth: RegistryAuth::Anonymous,
                renew_at: None,
            }),
        };
        let session = registry.new_session().await.map_err(Attempt::Failed)?;
        registry.session = tokio::sync::Mutex::new(session);
        Ok(registry)
    }

    /// A fresh oci-client holding the credentials the challenge calls for (a new token for a
    /// bearer registry). oci-client is given the token ready-made, so it never fetches one
    /// itself (its token reads are unbounded).
    async fn new_session(&self) -> Result<Session> {
        let mut renew_at = None;
        let auth = match (&self.challenge, &self.endpoint.credentials) {
            (Challenge::Bearer { realm, service }, credentials) => {
                let token = token::fetch(
                    &self.web,
                    realm,
                    service.as_deref(),
                    &self.repository,
                    "pull",
                    credentials.as_ref(),
                )
                .await
                .map_err(|failure| self.token_error(failure, realm))?;
                renew_at = Some(Instant::now() + token.lifetime.saturating_sub(TOKEN_MARGIN));
                RegistryAuth::Bearer(token.value)
            }
            (_, Some(c)) => RegistryAuth::Basic(c.username.clone(), c.password.clone()),
            (_, None) => RegistryAuth::Anonymous,
        };
        let client = build_client(&self.endpoint, self.http)?;
        let probe = oci_reference(&self.endpoint.host, &self.repository, "latest");
        client
            .auth(&probe, &auth, RegistryOperation::Pull)
            .await
            .map_err(|e| self.describe(e, &format!("pinging registry {}", self.endpoint.host)))?;
        Ok(Session {
            client,
            auth,
            renew_at,
        })
    }

    /// The blob client and credentials, with a bearer token renewed first if it is about to
    /// expire (a long pull outlives a token).
    pub(super) async fn session(&self) -> Result<(Client, RegistryAuth)> {
        let mut session = self.session.lock().await;
        if session.renew_at.is_some_and(|at| Instant::now() >= at) {
            *session = self.new_session().await?;
        }
        Ok((session.client.clone(), session.auth.clone()))
    }

    fn token_error(&self, failure: TokenFailure, realm: &str) -> anyhow::Error {
        let what = format!("getting a token for {} from {realm}", self.endpoint.host);
        match failure {
            TokenFailure::Unreachable(e) => {
                classify(&self.endpoint, OciDistributionError::RequestError(e), &what).into()
            }
            TokenFailure::Refused(code) => classify(
                &self.endpoint,
                OciDistributionError::ServerError {
                    code,
                    url: realm.to_string(),
                    message: String::new(),
                },
                &what,
            )
            .into(),
            TokenFailure::Bad(problem) => RegistryError {
                kind: FailureKind::Other,
                message: format!("{what}: {problem}; refusing it"),
            }
            .into(),
        }
    }
}

/// How one scheme's connection attempt failed.
enum Attempt {
    /// Nothing answered over this scheme: the other may work.
    Unreachable(reqwest::Error),
    Failed(anyhow::Error),
}
