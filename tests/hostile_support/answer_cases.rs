//! Hostile registry answers from a server the test runs on 127.0.0.1: a wrong Content-Type, a
//! Content-Length that lies, a blob that is not what its digest says, redirects to another host
//! (credentials must not follow), a server that stalls or never answers, a huge token.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::common::report;
use crate::hostile_support::image::{Content, OCI_INDEX, good_image, sha256};
use crate::hostile_support::{FakeRegistry, assert_refused};
use crate::http_front::{HttpFront, Reply, Request, Response};
use crate::pull_support::assert_engine_error_any;

const AREA: &str = "hostile registry";
const USER: &str = "hostile-user";
const PASS: &str = "hostile-pass";
/// Seconds: the engine's connect and read timeouts in the stall tests.
const TIMEOUT: &str = "2";

fn is_manifest_of(request: &Request, repository: &str) -> bool {
    request
        .path()
        .starts_with(&format!("/v2/{repository}/manifests/"))
}

#[test]
fn manifest_with_a_wrong_content_type_is_refused() {
    let fake = FakeRegistry::start(|request, content| {
        let label = if is_manifest_of(request, "hostile/html") {
            "text/html"
        } else if is_manifest_of(request, "hostile/as-index") {
            OCI_INDEX
        } else {
            return None;
        };
        Some(content.answer(request).with("Content-Type", label))
    });
    let sb = fake.sandbox();
    for (repository, case, words) in [
        (
            "hostile/html",
            "a valid manifest served as text/html",
            &["\"text/html\"", "not a manifest type"][..],
        ),
        (
            "hostile/as-index",
            "an image manifest labelled as an index",
            &["mislabels"],
        ),
    ] {
        let reference = fake.add(repository, &good_image(repository));
        assert_refused(&fake, &sb, (AREA, case), &reference, &[], words);
    }
}

#[test]
fn content_length_that_lies_is_refused() {
    let fake = FakeRegistry::start(|request, content| {
        let path = request.path();
        let answer = || content.answer(request);
        let body_len = || match answer() {
            Reply::Respond(Response { body, .. }) => body.len(),
            _ => 0,
        };
        if path.contains("/hostile/short/blobs/") && !is_config(content, request) {
            let shorter = (body_len() - 10).to_string();
            return Some(answer().with("Content-Length", &shorter));
        }
        if path.contains("/hostile/long/blobs/") && !is_config(content, request) {
            let longer = (body_len() + 1000).to_string();
            return Some(answer().with("Content-Length", &longer));
        }
        if is_manifest_of(request, "hostile/short-manifest") {
            let shorter = (body_len() - 10).to_string();
            return Some(answer().with("Content-Length", &shorter));
        }
        None
    });
    let sb = fake.sandbox();
    for (repository, case, words) in [
        (
            "hostile/short",
            "layer answer whose Content-Length is 10 bytes short",
            &["layer"][..],
        ),
        (
            "hostile/long",
            "layer answer whose Content-Length is 1000 bytes long",
            &["layer", "broke off"],
        ),
        (
            "hostile/short-manifest",
            "manifest answer whose Content-Length is 10 bytes short",
            &["manifest"],
        ),
    ] {
        let image = good_image(repository);
        let layer = sha256(&image.layers[0].blob);
        let reference = fake.add(repository, &image);
        let mut words = words.to_vec();
        if repository != "hostile/short-manifest" {
            words.push(&layer);
        }
        assert_refused(&fake, &sb, (AREA, case), &reference, &[], &words);
    }
}

/// Configs are the small JSON blobs; layers are gzip.
fn is_config(content: &Content, request: &Request) -> bool {
    matches!(content.answer(request), Reply::Respond(Response { body, .. }) if body.first() == Some(&b'{'))
}

#[test]
fn config_that_differs_from_its_digest_is_refused() {
    let fake = FakeRegistry::start(|_, _| None);
    let sb = fake.sandbox();
    let image = good_image("config-lies");
    let (config, _) = image.bytes();
    let digest = sha256(&config);
    let reference = fake.add("hostile/config-lies", &image);
    let mut other = config.clone();
    other[1] ^= 0x20;
    fake.content.lock().unwrap().set_blob(&digest, other);
    assert_refused(
        &fake,
        &sb,
        (AREA, "config blob whose bytes differ from its digest"),
        &reference,
        &[],
        &[&digest, "content hashes to", "refusing it"],
    );
}

/// Blobs redirected to `localhost:PORT2` (another host than 127.0.0.1:PORT): the pull works and
/// the other host never sees the credentials or the token, which the registry demanded.
#[test]
fn credentials_do_not_follow_a_redirect_to_another_host() {
    for bearer in [false, true] {
        let content = Content::shared();
        let held = Arc::clone(&content);
        let blob_host = HttpFront::start(None, move |request| {
            let digest = request.path().trim_start_matches('/');
            let forged = Request::get(&format!("/v2/any/blobs/{digest}"));
            held.lock().unwrap().answer(&forged)
        });
        let blob_port = blob_host.port();
        let own_addr: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
        let addr = Arc::clone(&own_addr);
        let fake = FakeRegistry::start(move |request, _| {
            let realm = format!("http://{}/token", addr.get()?);
            guard(request, bearer, &realm).or_else(|| {
                let (_, digest) = request.path().split_once("/blobs/")?;
                Some(Reply::status(307, "").with(
                    "Location",
                    &format!("http://localhost:{blob_port}/{digest}"),
                ))
            })
        });
        own_addr.set(fake.server.addr().to_string()).unwrap();
        let image = good_image("redirected");
        let reference = fake.add("hostile/redirect", &image);
        content
            .lock()
            .unwrap()
            .add_image("hostile/redirect", &image);
        let sb = fake.sandbox();
        let creds = format!("{USER}:{PASS}");
        let out = sb
            .engine_cmd(&["pull", "-q", "--creds", &creds, &reference])
            .run();
        out.ok();
        let sent: Vec<_> = fake.server.request_log();
        assert!(
            sent.iter()
                .any(|r| r.path().contains("/manifests/") && r.authorization().is_some()),
            "the registry got no credentials: {sent:?}"
        );
        let seen = blob_host.request_log();
        assert!(!seen.is_empty(), "no blob was fetched from the other host");
        assert!(
            seen.iter().all(|r| r.authorization().is_none()),
            "credentials followed the redirect to localhost:{blob_port}: {seen:?}"
        );
        let scheme = if bearer { "bearer token" } else { "basic auth" };
        report::record(
            "hostile",
            AREA,
            &format!("blob redirected to another host ({scheme} configured)"),
            "pulled; the other host received no Authorization header",
        );
    }
}

/// The registry's side of authentication: Basic credentials, or a bearer token from `realm`.
fn guard(request: &Request, bearer: bool, realm: &str) -> Option<Reply> {
    let basic = format!("Basic {}", BASE64.encode(format!("{USER}:{PASS}")));
    if request.path() == "/token" {
        return Some(match request.authorization() == Some(basic.as_str()) {
            true => Reply::ok(
                "application/json",
                r#"{"token":"tok-123","expires_in":300}"#,
            ),
            false => Reply::status(401, "{}"),
        });
    }
    let (expected, challenge) = match bearer {
        true => (
            "Bearer tok-123".to_string(),
            format!("Bearer realm=\"{realm}\",service=\"fake\""),
        ),
        false => (basic, "Basic realm=\"fake\"".to_string()),
    };
    (request.authorization() != Some(expected.as_str()))
        .then(|| Reply::status(401, "{}").with("WWW-Authenticate", &challenge))
}

#[test]
fn stalled_or_silent_servers_time_out() {
    let fake = FakeRegistry::start(|request, content| {
        let path = request.path();
        if path.contains("/hostile/stall/blobs/") && !is_config(content, request) {
            return Some(Reply::StallAfterHeaders {
                content_length: 100_000,
            });
        }
        if is_manifest_of(request, "hostile/silent") {
            return Some(Reply::Silent);
        }
        None
    });
    let sb = fake.sandbox();
    for (repository, case) in [
        ("hostile/stall", "layer answer stalling after its headers"),
        ("hostile/silent", "manifest request never answered"),
    ] {
        let reference = fake.add(repository, &good_image(repository));
        let start = Instant::now();
        let line = assert_refused(
            &fake,
            &sb,
            (AREA, &format!("{case} (timeout set to {TIMEOUT} s)")),
            &reference,
            &[("ENGINE_REGISTRY_TIMEOUT", TIMEOUT)],
            &[],
        );
        let lower = line.to_lowercase();
        assert!(
            (lower.contains("timed out") || lower.contains("in time"))
                && line.contains("ENGINE_REGISTRY_TIMEOUT"),
            "the error must say it timed out and name the knob: {line}"
        );
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{case} took too long"
        );
    }

    // A registry that accepts connections and never says a word.
    let silent = HttpFront::start(None, |_| Reply::Silent);
    let sb = FakeRegistry::start(|_, _| None).sandbox();
    let reference = format!("{}/hostile/mute:latest", silent.addr());
    let out = sb
        .engine_cmd(&["pull", "-q", "--tls-verify=false", &reference])
        .env("ENGINE_REGISTRY_TIMEOUT", TIMEOUT)
        .timeout(Duration::from_secs(60))
        .run();
    let line = assert_engine_error_any(&out, &[silent.addr()], &["in time", "timed out"]);
    report::record(
        "hostile",
        AREA,
        "server accepting connections and never answering",
        &format!("refused, exit 125: {line}"),
    );
}

#[test]
fn huge_token_answers_are_refused() {
    let own_addr: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
    let addr = Arc::clone(&own_addr);
    let fake = FakeRegistry::start(move |request, _| {
        let realm = format!("http://{}/token", addr.get()?);
        match request.path() {
            "/token" if request.target.contains("declared") => {
                Some(Reply::ok("application/json", "{}").with("Content-Length", "10000000000"))
            }
            "/token" => Some(Reply::Endless {
                content_type: "application/json".into(),
                total: 256 << 20,
            }),
            _ if request.authorization().is_none() => Some(Reply::status(401, "{}").with(
                "WWW-Authenticate",
                &format!("Bearer realm=\"{realm}\",service=\"fake\""),
            )),
            _ => None,
        }
    });
    own_addr.set(fake.server.addr().to_string()).unwrap();
    let sb = fake.sandbox();
    for (repository, case, words) in [
        (
            "hostile/endless",
            "token answer of 256 MiB without Content-Length",
            &["token", "larger than the 1048576-byte limit"][..],
        ),
        (
            "hostile/declared",
            "token answer declaring 10 GB",
            &["token", "declares 10000000000 bytes"],
        ),
    ] {
        let reference = fake.reference(repository);
        let out = crate::hostile_support::pull(&sb, &reference, &[]);
        let line = crate::pull_support::assert_engine_error(&out, words);
        report::record("hostile", AREA, case, &format!("refused, exit 125: {line}"));
    }
}
