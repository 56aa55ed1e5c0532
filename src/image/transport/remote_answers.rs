//! Reading a registry's answers for [`RemoteRepo`](super::remote::RemoteRepo): headers, bounded
//! bodies, pagination links, and one-line errors that name the operation, the status, the
//! registry's own messages and the fix.

use anyhow::{Result, anyhow};
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use reqwest::{Response, StatusCode};

use crate::image::bounded_body::{self, BodyError};
// The same ceiling as pull's, for manifests and configs alike (both are 4 MiB there).
use crate::image::manifest::MAX_MANIFEST_BYTES;
use crate::image::registry::{Endpoint, error_chain};
use crate::image::token::TokenFailure;

pub(super) fn header(value: &str) -> Result<HeaderValue> {
    HeaderValue::from_str(value).map_err(|_| {
        anyhow!("the registry credentials contain characters HTTP headers cannot carry")
    })
}

pub(super) fn content_type(response: &Response) -> String {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or(v).trim().to_string())
        .unwrap_or_default()
}

/// `Link: </v2/...?last=x&n=y>; rel="next"`
pub(super) fn next_link(response: &Response) -> Option<String> {
    let link = response.headers().get("link")?.to_str().ok()?;
    let start = link.find('<')? + 1;
    let end = link.find('>')?;
    link.contains("rel=\"next\"")
        .then(|| link[start..end].to_string())
}

/// Reads a manifest or config answer, refusing one over [`MAX_MANIFEST_BYTES`] without holding
/// more than that in memory.
pub(super) async fn read_small(response: Response, what: &str, kind: &str) -> Result<Vec<u8>> {
    bounded_body::read(response, MAX_MANIFEST_BYTES)
        .await
        .map_err(|e| match e {
            BodyError::Read(e) => anyhow!("{what}: {}", error_chain(&e)),
            too_large => anyhow!(
                "{what}: the {kind} {} the {MAX_MANIFEST_BYTES}-byte limit; refusing it",
                too_large.size_phrase()
            ),
        })
}

pub(super) fn token_error(
    endpoint: &Endpoint,
    realm: &str,
    failure: TokenFailure,
) -> anyhow::Error {
    let what = format!("getting a token for {} from {realm}", endpoint.host);
    match failure {
        TokenFailure::Unreachable(e) => anyhow!("{what}: {}", error_chain(&e)),
        TokenFailure::Refused(401 | 403) => anyhow!("{what}: {}", auth_hint(endpoint, "refused")),
        TokenFailure::Refused(code) => anyhow!("{what}: the token server answered HTTP {code}"),
        TokenFailure::Bad(problem) => anyhow!("{what}: {problem}; refusing it"),
    }
}

pub(super) fn auth_hint(endpoint: &Endpoint, cause: &str) -> String {
    let host = &endpoint.host;
    if endpoint.credentials.is_some() {
        format!(
            "{cause}: the credentials were refused; check them or run `engine login {host}` again"
        )
    } else {
        format!("{cause}: authentication required; run `engine login {host}` first")
    }
}

pub(super) async fn expect(response: Response, ok: &[StatusCode], what: &str) -> Result<Response> {
    if ok.contains(&response.status()) {
        Ok(response)
    } else {
        Err(status_error(response, what).await)
    }
}

/// One line from an error answer: the status and the registry's own error messages.
pub(super) async fn status_error(response: Response, what: &str) -> anyhow::Error {
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    let detail = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("errors").and_then(|e| e.as_array()).cloned())
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| {
                    e.get("message")
                        .and_then(|m| m.as_str())
                        .map(str::to_string)
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default();
    let hint = match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            " (access refused; check your credentials with `engine login`)"
        }
        StatusCode::NOT_FOUND => " (not found)",
        _ => "",
    };
    match detail.is_empty() {
        true => anyhow!("{what}: the registry answered {status}{hint}"),
        false => anyhow!("{what}: the registry answered {status}{hint}: {detail}"),
    }
}
