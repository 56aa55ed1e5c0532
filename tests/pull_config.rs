//! How the user's configuration steers `engine pull`: registries.conf (mirrors, prefixes,
//! blocked registries, short names, syntax errors) and policy.json. Two real endpoints make
//! the mirror tests meaningful: the TLS registry needs credentials, its plain twin does not,
//! so a pull without credentials succeeds only if it came from the mirror.

mod common;
mod pull_support;

use common::{Out, Sandbox, env, fixture_str};
use pull_support::proxy::Proxy;
use pull_support::store::{self, assert_blobs_intact};
use pull_support::{
    assert_engine_error, assert_nothing_stored, assert_pulled, closed_port, lines,
    registries_conf_with,
};

fn pull(sb: &Sandbox, args: &[&str]) -> Out {
    sb.engine(&[&["pull"], args].concat())
}

/// The names `images` lists, "REPOSITORY:TAG" each.
fn image_names(sb: &Sandbox) -> Vec<String> {
    let out = sb.engine(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    lines(out.ok()).into_iter().map(str::to_string).collect()
}

fn tls_creds() -> String {
    format!("{}:{}", env().reg_user, env().reg_pass)
}

// --- mirrors and prefixes ---

#[test]
fn mirror_serves_a_tls_registry_image_without_credentials() {
    let sb = Sandbox::new();
    let (tls, plain) = (&env().tls_registry, &env().registry);
    registries_conf_with(
        &sb,
        &format!(
            "[[registry]]\nlocation = \"{tls}\"\n\n[[registry.mirror]]\nlocation = \"{plain}\"\ninsecure = true\n"
        ),
    );
    let reference = fixture_str("tls/busybox:latest", "reference");
    let out = pull(&sb, &[reference]);
    assert_pulled(&out, fixture_str("tls/busybox:latest", "image_id"));
    out.stderr_has(&format!("Trying to pull {reference}..."));
    assert!(
        image_names(&sb).contains(&reference.to_string()),
        "stored under the name the user gave"
    );
    assert_blobs_intact(&store::root(&sb));
}

#[test]
fn mirror_lacking_the_image_falls_back_to_the_primary() {
    let proxy = Proxy::start(&env().registry);
    let sb = Sandbox::new();
    let tls = &env().tls_registry;
    let mirror = format!("{}/no-such-namespace", proxy.addr());
    registries_conf_with(
        &sb,
        &format!(
            "[[registry]]\nlocation = \"{tls}\"\n\n[[registry.mirror]]\nlocation = \"{mirror}\"\ninsecure = true\n"
        ),
    );
    let reference = fixture_str("tls/busybox:latest", "reference");
    assert_pulled(
        &pull(&sb, &["--creds", &tls_creds(), reference]),
        fixture_str("tls/busybox:latest", "image_id"),
    );
    let asked = "GET /v2/no-such-namespace/engine-test/busybox/manifests/latest";
    assert!(
        proxy.requests().iter().any(|r| r == asked),
        "the mirror was not tried first: {:#?}",
        proxy.requests()
    );
}

#[test]
fn dead_mirror_falls_back_to_the_primary() {
    let sb = Sandbox::new();
    let tls = &env().tls_registry;
    let dead = format!("127.0.0.1:{}", closed_port());
    registries_conf_with(
        &sb,
        &format!(
            "[[registry]]\nlocation = \"{tls}\"\n\n[[registry.mirror]]\nlocation = \"{dead}\"\ninsecure = true\n"
        ),
    );
    let reference = fixture_str("tls/busybox:latest", "reference");
    assert_pulled(
        &pull(&sb, &["--creds", &tls_creds(), reference]),
        fixture_str("tls/busybox:latest", "image_id"),
    );
}

#[test]
fn prefix_with_a_fake_host_is_pulled_from_its_location_and_mirror() {
    let plain = &env().registry;
    let id = fixture_str("busybox:latest", "image_id");

    // location rewrites the fake host to the plain registry.
    let sb = Sandbox::new();
    registries_conf_with(
        &sb,
        &format!(
            "[[registry]]\nprefix = \"mirrored.test\"\nlocation = \"{plain}\"\ninsecure = true\n"
        ),
    );
    assert_pulled(
        &pull(&sb, &["mirrored.test/engine-test/busybox:latest"]),
        id,
    );
    assert_eq!(
        image_names(&sb),
        ["mirrored.test/engine-test/busybox:latest"]
    );

    // The location is dead, its mirror is not.
    let sb = Sandbox::new();
    let dead = format!("127.0.0.1:{}", closed_port());
    registries_conf_with(
        &sb,
        &format!(
            "[[registry]]\nprefix = \"mirrored.test\"\nlocation = \"{dead}\"\ninsecure = true\n\n\
             [[registry.mirror]]\nlocation = \"{plain}\"\ninsecure = true\n"
        ),
    );
    assert_pulled(
        &pull(&sb, &["mirrored.test/engine-test/busybox:latest"]),
        id,
    );
    assert_eq!(
        image_names(&sb),
        ["mirrored.test/engine-test/busybox:latest"]
    );
}

#[test]
fn digest_only_mirror_is_skipped_for_tags() {
    let plain = &env().registry;
    let dead = format!("127.0.0.1:{}", closed_port());
    let sb = Sandbox::new();
    registries_conf_with(
        &sb,
        &format!(
            "[[registry]]\nprefix = \"mirrored.test\"\nlocation = \"{dead}\"\ninsecure = true\n\n\
             [[registry.mirror]]\nlocation = \"{plain}\"\ninsecure = true\npull-from-mirror = \"digest-only\"\n"
        ),
    );
    let out = pull(&sb, &["mirrored.test/engine-test/busybox:latest"]);
    assert_engine_error(&out, &["connection refused"]);
    let digest = fixture_str("busybox:latest", "manifest_digest");
    let by_digest = format!("mirrored.test/engine-test/busybox@{digest}");
    assert_pulled(
        &pull(&sb, &[&by_digest]),
        fixture_str("busybox:latest", "image_id"),
    );
}

#[test]
fn blocked_registry_is_refused() {
    let sb = Sandbox::new();
    let plain = &env().registry;
    sb.registries_conf(&format!(
        "[[registry]]\nlocation = \"{plain}\"\ninsecure = true\nblocked = true\n"
    ));
    let out = pull(&sb, &[fixture_str("busybox:latest", "reference")]);
    assert_engine_error(&out, &["blocked", plain]);
    assert_nothing_stored(&sb);
}

#[test]
fn registries_conf_syntax_error_names_file_and_line() {
    let sb = Sandbox::new();
    let plain = &env().registry;
    // Line 3 lacks a closing bracket.
    let path = sb.registries_conf(&format!(
        "unqualified-search-registries = [\"{plain}\"]\n\n[[registry]\nlocation = \"{plain}\"\n"
    ));
    let out = pull(&sb, &[fixture_str("busybox:latest", "reference")]);
    let line = assert_engine_error(&out, &[&path.display().to_string()]);
    assert!(
        line.contains("line 3") || line.contains("registries.conf:3"),
        "the error must name line 3\n{out}"
    );
    assert_nothing_stored(&sb);
}

// --- policy.json ---

#[test]
fn policy_reject_stores_nothing() {
    let sb = Sandbox::new();
    let path = sb.write_file(
        ".config/containers/policy.json",
        r#"{"default": [{"type": "reject"}]}"#,
    );
    let out = pull(&sb, &[fixture_str("busybox:latest", "reference")]);
    assert_engine_error(&out, &["reject", &path.display().to_string()]);
    assert_nothing_stored(&sb);
}

#[test]
fn policy_scope_for_one_repository_wins_over_the_default() {
    let sb = Sandbox::new();
    let plain = &env().registry;
    sb.write_file(
        ".config/containers/policy.json",
        format!(
            r#"{{"default": [{{"type": "insecureAcceptAnything"}}],
                "transports": {{"docker": {{"{plain}/engine-test/busybox": [{{"type": "reject"}}]}}}}}}"#
        ),
    );
    assert_engine_error(
        &pull(&sb, &[fixture_str("busybox:latest", "reference")]),
        &["reject"],
    );
    assert_pulled(
        &pull(&sb, &[fixture_str("other:latest", "reference")]),
        fixture_str("other:latest", "image_id"),
    );
}

#[test]
fn policy_signed_by_fails_closed() {
    let sb = Sandbox::new();
    sb.write_file(
        ".config/containers/policy.json",
        r#"{"default": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/nonexistent/key.gpg"}]}"#,
    );
    let out = pull(&sb, &[fixture_str("busybox:latest", "reference")]);
    assert_engine_error(&out, &["signature"]);
    assert_nothing_stored(&sb);
}

#[test]
fn signature_policy_flag_overrides_the_users_policy() {
    let sb = Sandbox::new();
    let rejecting = sb.write_file("reject-policy.json", r#"{"default": [{"type": "reject"}]}"#);
    let rejecting = rejecting.display().to_string();
    let reference = fixture_str("busybox:latest", "reference");
    assert_engine_error(
        &pull(&sb, &["--signature-policy", &rejecting, reference]),
        &["reject"],
    );
    assert_nothing_stored(&sb);
    assert_pulled(
        &pull(&sb, &[reference]),
        fixture_str("busybox:latest", "image_id"),
    );
}

// --- short names ---

#[test]
fn short_name_uses_the_only_search_registry() {
    let plain = &env().registry;
    let id = fixture_str("busybox:latest", "image_id");
    let full = format!("{plain}/engine-test/busybox:latest");
    for mode in ["permissive", "enforcing"] {
        let sb = Sandbox::new();
        sb.registries_conf(&format!(
            "unqualified-search-registries = [\"{plain}\"]\nshort-name-mode = \"{mode}\"\n\n\
             [[registry]]\nlocation = \"{plain}\"\ninsecure = true\n"
        ));
        let out = pull(&sb, &["engine-test/busybox"]);
        assert_pulled(&out, id);
        out.stderr_has(&format!("Trying to pull {full}..."));
        assert_eq!(image_names(&sb), [full.as_str()], "mode {mode}");
    }
}

#[test]
fn short_name_alias_wins_and_no_search_registry_is_an_error() {
    let sb = Sandbox::new();
    let plain = &env().registry;
    sb.registries_conf(&format!(
        "unqualified-search-registries = []\n\n[[registry]]\nlocation = \"{plain}\"\ninsecure = true\n\n\
         [aliases]\n\"mybox\" = \"{plain}/engine-test/busybox\"\n"
    ));
    let full = format!("{plain}/engine-test/busybox:latest");
    let out = pull(&sb, &["mybox"]);
    assert_pulled(&out, fixture_str("busybox:latest", "image_id"));
    out.stderr_has(&format!("Trying to pull {full}..."));
    assert_eq!(image_names(&sb), [full]);

    // Without an alias and with nothing to search, a short name cannot be resolved.
    let out = pull(&sb, &["engine-test/other"]);
    assert_engine_error(&out, &["engine-test/other"]);
}

#[test]
fn enforcing_mode_without_a_tty_lists_the_ambiguous_candidates() {
    let sb = Sandbox::new();
    let (plain, tls) = (&env().registry, &env().tls_registry);
    sb.registries_conf(&format!(
        "unqualified-search-registries = [\"{plain}\", \"{tls}\"]\nshort-name-mode = \"enforcing\"\n\n\
         [[registry]]\nlocation = \"{plain}\"\ninsecure = true\n"
    ));
    let out = pull(&sb, &["engine-test/busybox"]);
    assert_engine_error(
        &out,
        &[
            &format!("{plain}/engine-test/busybox"),
            &format!("{tls}/engine-test/busybox"),
        ],
    );
    assert!(
        !out.stderr.contains("Trying to pull"),
        "an ambiguous short name must not be pulled\n{out}"
    );
    assert_nothing_stored(&sb);
}

#[test]
fn permissive_mode_tries_search_registries_in_order() {
    let sb = Sandbox::new();
    let (plain, tls) = (&env().registry, &env().tls_registry);
    sb.registries_conf(&format!(
        "unqualified-search-registries = [\"{tls}\", \"{plain}\"]\nshort-name-mode = \"permissive\"\n\n\
         [[registry]]\nlocation = \"{plain}\"\ninsecure = true\n"
    ));
    // The TLS registry has no engine-test/other: it is skipped for the plain one.
    let out = pull(&sb, &["--creds", &tls_creds(), "engine-test/other"]);
    assert_pulled(&out, fixture_str("other:latest", "image_id"));
    let first = out
        .stderr
        .find(&format!("Trying to pull {tls}/engine-test/other:latest..."));
    let second = out.stderr.find(&format!(
        "Trying to pull {plain}/engine-test/other:latest..."
    ));
    assert!(
        matches!((first, second), (Some(a), Some(b)) if a < b),
        "expected TLS then plain\n{out}"
    );
    assert_eq!(
        image_names(&sb),
        [format!("{plain}/engine-test/other:latest")]
    );
}

/// On a terminal, an ambiguous short name is a prompt; the choice is pulled and recorded in the
/// user's alias cache, so the next pull resolves it without asking (podman's behaviour).
#[test]
fn prompted_short_name_choice_is_recorded_as_an_alias() {
    let sb = Sandbox::new();
    let (plain, tls) = (&env().registry, &env().tls_registry);
    sb.registries_conf(&format!(
        "unqualified-search-registries = [\"{tls}\", \"{plain}\"]\nshort-name-mode = \"enforcing\"\n\n\
         [[registry]]\nlocation = \"{plain}\"\ninsecure = true\n"
    ));
    // `script` gives the engine a real pseudo-terminal; the answer "2" picks the plain registry.
    let bin = env().bin.display().to_string();
    let out = sb.sh_as_user(&format!(
        "printf '2\\n' | script -qec '{bin} pull -q engine-test/busybox' /dev/null"
    ));
    out.ok();
    assert!(
        out.stdout
            .contains(fixture_str("busybox:latest", "image_id")),
        "{out}"
    );
    let cache = std::fs::read_to_string(sb.cache_dir().join("containers/short-name-aliases.conf"))
        .unwrap_or_else(|e| panic!("no alias cache written: {e}\n{out}"));
    assert!(
        cache.contains(&format!(
            "\"engine-test/busybox\" = \"{plain}/engine-test/busybox\""
        )),
        "{cache}"
    );
    // No terminal now: enforcing mode would refuse an ambiguous name, but the alias resolves it.
    let again = pull(&sb, &["engine-test/busybox"]);
    assert_pulled(&again, fixture_str("busybox:latest", "image_id"));
}
