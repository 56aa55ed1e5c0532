//! The registry's authentication challenge and bearer tokens (the Docker registry token
//! protocol), fetched by the engine itself so a token answer is bounded in size and time; the
//! registry client is then handed the token.

use std::time::Duration;

use reqwest::Url;

use crate::config::auth::Credentials;
use crate::image::bounded_body::{self, BodyError};
use crate::util::limits::MAX_TOKEN_BYTES;

/// What `/v2/` asked for in `WWW-Authenticate`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Challenge {
    /// No challenge: anonymous access, or Basic credentials sent as they are.
    None,
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
    },
}

/// A token and how long the token server says it lasts.
pub struct Token {
    pub value: String,
    pub lifetime: Duration,
}

/// Why no token was obtained.
pub enum TokenFailure {
    /// The token server could not be reached or stopped answering.
    Unreachable(reqwest::Error),
    /// It answered with this status (401/403: the credentials were refused).
    Refused(u16),
    /// Anything else wrong with its answer, as a phrase for the message.
    Bad(String),
}

/// Tokens without `expires_in` last 60 seconds (the token protocol's default).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(60);

/// Parses a `WWW-Authenticate` value such as `Bearer realm="https://auth/token",service="reg"`.
pub fn parse_challenge(header: &str) -> Challenge {
    let (scheme, rest) = header
        .trim()
        .split_once(char::is_whitespace)
        .unwrap_or((header.trim(), ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Challenge::Basic;
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Challenge::None;
    }
    let params = parse_params(rest);
    let get = |key: &str| {
        params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.clone())
    };
    match get("realm") {
        Some(realm) => Challenge::Bearer {
            realm,
            service: get("service"),
        },
        None => Challenge::None,
    }
}

/// `key="quoted, value",key2=token` pairs; a backslash escapes the next character in quotes.
fn parse_params(text: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if key.is_empty() {
            return params;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => value.extend(chars.next()),
                    c => value.push(c),
                }
            }
        } else {
            value = chars.by_ref().take_while(|c| *c != ',').collect();
        }
        params.push((key.trim().to_string(), value.trim().to_string()));
    }
}

/// Asks the token server in `realm` for a token granting `actions` ("pull", "pull,push") on
/// `repository`, with the credentials if any. The answer is read with a size bound, and the client's timeouts apply.
pub async fn fetch(
    http: &reqwest::Client,
    realm: &str,
    service: Option<&str>,
    repository: &str,
    actions: &str,
    credentials: Option<&Credentials>,
) -> Result<Token, TokenFailure> {
    let mut url = Url::parse(realm)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| {
            TokenFailure::Bad(format!("its token realm {realm:?} is not an HTTP URL"))
        })?;
    url.query_pairs_mut()
        .append_pair("scope", &format!("repository:{repository}:{actions}"));
    if let Some(service) = service {
        url.query_pairs_mut().append_pair("service", service);
    }
    let mut request = http.get(url);
    if let Some(c) = credentials {
        request = request.basic_auth(&c.username, Some(&c.password));
    }
    let response = request.send().await.map_err(TokenFailure::Unreachable)?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(TokenFailure::Refused(status));
    }
    let body = match bounded_body::read(response, MAX_TOKEN_BYTES).await {
        Ok(body) => body,
        Err(BodyError::Read(e)) => return Err(TokenFailure::Unreachable(e)),
        Err(e @ BodyError::TooLarge { .. }) => {
            return Err(TokenFailure::Bad(format!(
                "its token answer {} the {MAX_TOKEN_BYTES}-byte limit",
                e.size_phrase()
            )));
        }
    };
    parse_token(&body)
}

#[derive(serde::Deserialize)]
struct TokenAnswer {
    token: Option<String>,
    access_token: Option<String>,
    expires_in: Option<u64>,
}

fn parse_token(body: &[u8]) -> Result<Token, TokenFailure> {
    let answer: TokenAnswer = serde_json::from_slice(body)
        .map_err(|e| TokenFailure::Bad(format!("its token answer is not valid JSON ({e})")))?;
    let value = answer
        .token
        .or(answer.access_token)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| TokenFailure::Bad("its token answer holds no token".to_string()))?;
    if value.bytes().any(|b| b.is_ascii_control() || b == b' ') {
        return Err(TokenFailure::Bad(
            "its token holds spaces or control characters".to_string(),
        ));
    }
    let lifetime = answer
        .expires_in
        .filter(|s| *s > 0)
        .map_or(DEFAULT_LIFETIME, Duration::from_secs);
    Ok(Token { value, lifetime })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges() {
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a,b:pull""#
            ),
            Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
            }
        );
        assert_eq!(
            parse_challenge(r#"bearer realm=http://x/t , service="a\"b""#),
            Challenge::Bearer {
                realm: "http://x/t".into(),
                service: Some("a\"b".into()),
            }
        );
        assert_eq!(
            parse_challenge(r#"Basic realm="Registry""#),
            Challenge::Basic
        );
        assert_eq!(parse_challenge("Bearer service=x"), Challenge::None);
        assert_eq!(parse_challenge("Negotiate"), Challenge::None);
        assert_eq!(parse_challenge(""), Challenge::None);
    }

    #[test]
    fn token_answers() {
        let t = parse_token(br#"{"token":"abc","expires_in":300}"#)
            .ok()
            .unwrap();
        assert_eq!((t.value.as_str(), t.lifetime.as_secs()), ("abc", 300));
        let t = parse_token(br#"{"access_token":"xyz"}"#).ok().unwrap();
        assert_eq!((t.value.as_str(), t.lifetime), ("xyz", DEFAULT_LIFETIME));
        for bad in [
            &br#"{"token":""}"#[..],
            b"{}",
            b"<html>",
            br#"{"token":"a\nb"}"#,
        ] {
            assert!(matches!(parse_token(bad), Err(TokenFailure::Bad(_))));
        }
    }
}
