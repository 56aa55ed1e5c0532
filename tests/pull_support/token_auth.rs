//! A registry that wants bearer tokens, as Docker Hub, quay.io or GitLab do: a front that answers
//! 401 with a `WWW-Authenticate: Bearer realm=...` challenge to every /v2/ request without a token
//! valid for its repository, and a token server that hands out tokens for Basic credentials.
//! Requests with a good token go on to a plain registry (which needs no auth itself).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::http_front::{HttpFront, Reply, Request, Response};

pub const SERVICE: &str = "test-registry";

pub struct TokenRegistry {
    registry: HttpFront,
    token_server: HttpFront,
    grants: Arc<Grants>,
}

/// What the token server handed out, shared with the registry front that checks it.
#[derive(Default)]
struct Grants {
    /// token -> the repository it may pull.
    tokens: Mutex<HashMap<String, String>>,
    issued: AtomicUsize,
    refused: AtomicUsize,
}

impl TokenRegistry {
    /// A token-protected view of `upstream` ("HOST:PORT", plain HTTP) accepting `user`/`pass`.
    pub fn start(upstream: &str, user: &str, pass: &str) -> TokenRegistry {
        let grants = Arc::new(Grants::default());
        let expected = format!("Basic {}", BASE64.encode(format!("{user}:{pass}")));
        let for_tokens = Arc::clone(&grants);
        let token_server = HttpFront::start(None, move |request| {
            Reply::Respond(issue_token(request, &expected, &for_tokens))
        });
        let realm = format!("http://{}/token", token_server.addr());
        let for_registry = Arc::clone(&grants);
        let registry = HttpFront::start(Some(upstream), move |request| {
            check_token(request, &realm, &for_registry)
        });
        TokenRegistry {
            registry,
            token_server,
            grants,
        }
    }

    /// "127.0.0.1:PORT" of the registry front.
    pub fn addr(&self) -> &str {
        self.registry.addr()
    }

    /// How many requests reached the token server.
    pub fn token_requests(&self) -> usize {
        self.token_server.requests().len()
    }

    /// How many tokens it issued, and how many requests it refused.
    pub fn issued(&self) -> usize {
        self.grants.issued.load(Ordering::SeqCst)
    }

    pub fn refused(&self) -> usize {
        self.grants.refused.load(Ordering::SeqCst)
    }

    /// Every request the registry front received, as "METHOD TARGET".
    pub fn registry_requests(&self) -> Vec<String> {
        self.registry.requests()
    }
}

/// GET /token?service=...&scope=repository:REPO:pull with Basic credentials.
fn issue_token(request: &Request, expected_auth: &str, grants: &Grants) -> Response {
    let refuse = |status: u16, code: &str, message: &str| {
        grants.refused.fetch_add(1, Ordering::SeqCst);
        error_response(status, code, message)
    };
    if request.method != "GET" || request.path() != "/token" {
        return refuse(404, "NOT_FOUND", "the token endpoint is GET /token");
    }
    if request.header("Authorization") != Some(expected_auth) {
        return refuse(401, "UNAUTHORIZED", "invalid username or password");
    }
    if request.query("service").as_deref() != Some(SERVICE) {
        return refuse(400, "INVALID_REQUEST", "unknown or missing service");
    }
    let scope = request.query("scope").unwrap_or_default();
    let Some(repository) = pull_scope_repository(&scope) else {
        return refuse(400, "INVALID_REQUEST", "missing or malformed pull scope");
    };
    let n = grants.issued.fetch_add(1, Ordering::SeqCst);
    let token = format!("test-token-{}-{n}", std::process::id());
    grants
        .tokens
        .lock()
        .expect("token table")
        .insert(token.clone(), repository);
    let body = serde_json::json!({"token": token, "expires_in": 300}).to_string();
    Response::new(200, "application/json", body)
}

/// "repository:engine-test/busybox:pull" (or "...:pull,push") -> "engine-test/busybox".
fn pull_scope_repository(scope: &str) -> Option<String> {
    let (repository, actions) = scope.strip_prefix("repository:")?.rsplit_once(':')?;
    let pulls = actions.split(',').any(|a| a == "pull");
    (pulls && !repository.is_empty()).then(|| repository.to_string())
}

/// Forwards requests bearing a token granted for their repository; challenges the others.
fn check_token(request: &Request, realm: &str, grants: &Grants) -> Reply {
    let repository = repository_of(request.path());
    let granted = request
        .header("Authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|token| {
            grants
                .tokens
                .lock()
                .expect("token table")
                .get(token)
                .cloned()
        });
    let allowed = match (&granted, &repository) {
        (Some(token_repo), Some(repo)) => token_repo == repo,
        // /v2/ itself: any valid token will do.
        (Some(_), None) => true,
        (None, _) => false,
    };
    if allowed {
        return Reply::Forward;
    }
    let mut challenge = format!("Bearer realm=\"{realm}\",service=\"{SERVICE}\"");
    if let Some(repo) = repository {
        challenge.push_str(&format!(",scope=\"repository:{repo}:pull\""));
    }
    Reply::Respond(
        error_response(401, "UNAUTHORIZED", "authentication required")
            .with_header("WWW-Authenticate", &challenge),
    )
}

/// "/v2/engine-test/busybox/manifests/latest" -> "engine-test/busybox"; None for "/v2/".
fn repository_of(path: &str) -> Option<String> {
    let rest = path.strip_prefix("/v2/")?;
    ["/manifests/", "/blobs/", "/tags/"]
        .iter()
        .find_map(|kind| rest.split_once(kind).map(|(repo, _)| repo.to_string()))
}

fn error_response(status: u16, code: &str, message: &str) -> Response {
    let body = serde_json::json!({"errors": [{"code": code, "message": message}]}).to_string();
    Response::new(status, "application/json", body)
}
