use super::*;
use std::fs;
use tempfile::TempDir;

/// A fake `/etc/containers` and user config dir.
struct Dirs {
    tmp: TempDir,
}

impl Dirs {
    fn new() -> Dirs {
        Dirs {
            tmp: tempfile::tempdir().unwrap(),
        }
    }
    fn system(&self) -> PathBuf {
        self.tmp.path().join("etc/containers")
    }
    fn user(&self) -> PathBuf {
        self.tmp.path().join("home/.config/containers")
    }
    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.tmp.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
        path
    }
    fn load(&self) -> Result<RegistriesConf> {
        RegistriesConf::load_from(&self.system(), Some(&self.user()), None)
    }
}

fn conf(text: &str) -> RegistriesConf {
    let dirs = Dirs::new();
    let file = dirs.write("r.conf", text);
    RegistriesConf::load_from(&dirs.system(), None, Some(&file)).unwrap()
}

fn names(sources: &[PullSource]) -> Vec<&str> {
    sources.iter().map(|s| s.name.as_str()).collect()
}

#[test]
fn missing_files_give_defaults() {
    let dirs = Dirs::new();
    let c = dirs.load().unwrap();
    assert!(c.registries.is_empty() && c.unqualified_search_registries.is_empty());
    assert_eq!(c.short_name_mode, ShortNameMode::Permissive);
    assert_eq!(c.credential_helpers, ["containers-auth.json"]);
    assert!(c.files.is_empty());
}

#[test]
fn drop_ins_override_in_order() {
    let dirs = Dirs::new();
    dirs.write(
        "etc/containers/registries.conf",
        r#"
unqualified-search-registries = ["registry.fedoraproject.org", "docker.io"]
short-name-mode = "enforcing"
[aliases]
"fedora" = "registry.fedoraproject.org/fedora"
"bad" = "quay.io/wrong/bad"
[[registry]]
location = "quay.io"
insecure = true
[[registry]]
location = "keep.io"
"#,
    );
    dirs.write(
        "etc/containers/registries.conf.d/20-second.conf",
        r#"
unqualified-search-registries = ["quay.io"]
[[registry]]
location = "quay.io"
"#,
    );
    dirs.write(
        "etc/containers/registries.conf.d/10-first.conf",
        r#"
unqualified-search-registries = ["first.io"]
short-name-mode = "disabled"
"#,
    );
    dirs.write(
        "home/.config/containers/registries.conf.d/50-user.conf",
        r#"
[aliases]
"bad" = ""
"alpine" = "docker.io/alpine"
"#,
    );
    let c = dirs.load().unwrap();
    assert_eq!(c.unqualified_search_registries, ["quay.io"]);
    assert_eq!(c.short_name_mode, ShortNameMode::Disabled);
    let quay = c.find("quay.io/x/y").unwrap();
    assert!(!quay.insecure, "the later drop-in replaced the whole entry");
    assert!(quay.origin.ends_with("20-second.conf"));
    assert!(c.find("keep.io/a").is_some(), "other entries survive");
    assert_eq!(
        c.aliases.get("fedora").unwrap(),
        "registry.fedoraproject.org/fedora"
    );
    assert_eq!(c.aliases.get("alpine").unwrap(), "docker.io/library/alpine");
    assert!(
        !c.aliases.contains_key("bad"),
        "an empty value erases the alias"
    );
    let loaded: Vec<_> = c
        .files
        .iter()
        .map(|f| f.file_name().unwrap().to_owned())
        .collect();
    assert_eq!(
        loaded,
        [
            "registries.conf",
            "10-first.conf",
            "20-second.conf",
            "50-user.conf"
        ]
    );
}

#[test]
fn user_file_replaces_system_file_and_system_drop_ins() {
    let dirs = Dirs::new();
    dirs.write(
        "etc/containers/registries.conf",
        "unqualified-search-registries = [\"sys.io\"]\n",
    );
    dirs.write(
        "etc/containers/registries.conf.d/a.conf",
        "short-name-mode = \"enforcing\"\n",
    );
    dirs.write(
        "home/.config/containers/registries.conf",
        "[[registry]]\nlocation = \"u.io\"\n",
    );
    dirs.write(
        "home/.config/containers/registries.conf.d/b.conf",
        "unqualified-search-registries = [\"user.io\"]\n",
    );
    let c = dirs.load().unwrap();
    assert_eq!(c.unqualified_search_registries, ["user.io"]);
    assert_eq!(c.short_name_mode, ShortNameMode::Permissive);
    assert_eq!(c.files.len(), 2);
    assert!(c.find("u.io/x").is_some());
}

#[test]
fn override_file_is_read_alone_and_must_exist() {
    let dirs = Dirs::new();
    dirs.write(
        "etc/containers/registries.conf.d/a.conf",
        "short-name-mode = \"enforcing\"\n",
    );
    let only = dirs.write(
        "only.conf",
        "unqualified-search-registries = [\"only.io\"]\n",
    );
    let c = RegistriesConf::load_from(&dirs.system(), Some(&dirs.user()), Some(&only)).unwrap();
    assert_eq!(c.unqualified_search_registries, ["only.io"]);
    assert_eq!(c.short_name_mode, ShortNameMode::Permissive, "no drop-ins");
    let missing = dirs.tmp.path().join("nope.conf");
    let err = RegistriesConf::load_from(&dirs.system(), None, Some(&missing)).unwrap_err();
    assert!(
        err.to_string().contains("nope.conf does not exist"),
        "{err}"
    );
}

#[test]
fn v1_format_is_refused() {
    let dirs = Dirs::new();
    dirs.write(
        "etc/containers/registries.conf",
        "[registries.search]\nregistries = ['docker.io']\n",
    );
    let msg = dirs.load().unwrap_err().to_string();
    assert!(msg.contains("V1") && msg.contains("convert"), "{msg}");
    assert!(msg.contains("etc/containers/registries.conf"), "{msg}");
}

#[test]
fn toml_errors_name_file_line_and_key() {
    let dirs = Dirs::new();
    dirs.write(
        "etc/containers/registries.conf.d/x.conf",
        "\n\n[[registry]\nlocation = 1\n",
    );
    let msg = dirs.load().unwrap_err().to_string();
    assert!(msg.contains("x.conf, line 3"), "{msg}");

    let dirs = Dirs::new();
    dirs.write(
        "etc/containers/registries.conf",
        "[[registry]]\nlocation = \"a.io\"\ninsecure = \"yes\"\n",
    );
    let msg = dirs.load().unwrap_err().to_string();
    assert!(msg.contains("line 3, key `registry.insecure`"), "{msg}");

    let dirs = Dirs::new();
    dirs.write(
        "etc/containers/registries.conf",
        "short-name-mode = \"sometimes\"\n",
    );
    let msg = dirs.load().unwrap_err().to_string();
    assert!(
        msg.contains("key `short-name-mode`") && msg.contains("enforcing"),
        "{msg}"
    );
}

#[test]
fn unknown_keys_are_ignored() {
    let c = conf("some-future-key = 1\n[[registry]]\nlocation = \"a.io\"\nfuture = true\n");
    assert_eq!(c.registries.len(), 1);
}

#[test]
fn prefix_matches_on_boundaries_and_longest_wins() {
    let c = conf(
        r#"
[[registry]]
location = "example.com"
[[registry]]
prefix = "example.com/foo"
location = "mirror.example.net/foo"
"#,
    );
    assert_eq!(c.find("example.com/foo").unwrap().prefix, "example.com/foo");
    assert_eq!(
        c.find("example.com/foo/bar").unwrap().prefix,
        "example.com/foo"
    );
    assert_eq!(c.find("example.com/foobar").unwrap().prefix, "example.com");
    assert!(
        c.find("example.com:5000/foo").is_none(),
        "a port is another registry"
    );
    assert!(c.find("example.company/x").is_none());
    assert!(c.find("other.io/foo").is_none());
}

#[test]
fn wildcard_matches_subdomains_only() {
    let c = conf("[[registry]]\nprefix = \"*.example.com\"\ninsecure = true\n");
    assert!(c.find("a.example.com/x").is_some());
    assert!(c.find("b.a.example.com:5000/x").is_some());
    assert!(c.find("example.com/x").is_none());
    assert!(c.find("badexample.com/x").is_none());
    assert!(c.find("other.io/a.example.com").is_none());
    assert!(c.is_insecure("reg.example.com"));
    assert!(!c.is_insecure("example.com"));
    let sources = c.pull_sources("a.example.com/x", false).unwrap();
    assert_eq!(names(&sources), ["a.example.com/x"]);
    assert!(sources[0].insecure);
}

#[test]
fn location_rewrite_and_mirror_rules() {
    let c = conf(
        r#"
[[registry]]
prefix = "example.com/foo"
location = "internal.example.net/bar"
insecure = true
[[registry.mirror]]
location = "m1.local:5000/foo"
insecure = true
[[registry.mirror]]
location = "m2.local"
pull-from-mirror = "digest-only"
[[registry.mirror]]
location = "m3.local"
pull-from-mirror = "tag-only"
"#,
    );
    let by_tag = c.pull_sources("example.com/foo/app", false).unwrap();
    assert_eq!(
        names(&by_tag),
        [
            "m1.local:5000/foo/app",
            "m3.local/app",
            "internal.example.net/bar/app"
        ]
    );
    assert_eq!(
        by_tag.iter().map(|s| s.mirror).collect::<Vec<_>>(),
        [true, true, false]
    );
    assert_eq!(
        by_tag.iter().map(|s| s.insecure).collect::<Vec<_>>(),
        [true, false, true]
    );
    let by_digest = c.pull_sources("example.com/foo/app", true).unwrap();
    assert_eq!(
        names(&by_digest),
        [
            "m1.local:5000/foo/app",
            "m2.local/app",
            "internal.example.net/bar/app"
        ]
    );
}

#[test]
fn mirror_by_digest_only_limits_all_mirrors() {
    let c = conf(
        r#"
[[registry]]
location = "docker.io"
mirror-by-digest-only = true
[[registry.mirror]]
location = "mirror.gcr.io"
"#,
    );
    let by_tag = c.pull_sources("docker.io/library/busybox", false).unwrap();
    assert_eq!(names(&by_tag), ["docker.io/library/busybox"]);
    let by_digest = c.pull_sources("docker.io/library/busybox", true).unwrap();
    assert_eq!(
        names(&by_digest),
        ["mirror.gcr.io/library/busybox", "docker.io/library/busybox"]
    );
}

#[test]
fn unmatched_name_is_its_own_single_source() {
    let c = conf("");
    let sources = c.pull_sources("quay.io/a/b", false).unwrap();
    assert_eq!(
        sources,
        [PullSource {
            name: "quay.io/a/b".into(),
            insecure: false,
            mirror: false
        }]
    );
}

#[test]
fn blocked_registry_refuses_with_file_name() {
    let c = conf("[[registry]]\nlocation = \"evil.io\"\nblocked = true\n");
    let msg = c.pull_sources("evil.io/x", false).unwrap_err().to_string();
    assert!(
        msg.contains("evil.io is blocked") && msg.contains("r.conf"),
        "{msg}"
    );
    assert!(msg.contains("blocked = true"), "{msg}");
}

#[test]
fn invalid_entries_are_refused() {
    let cases = [
        ("[[registry]]\nlocation = \"https://a.io\"\n", "URL scheme"),
        ("[[registry]]\nprefix = \"a.io/x\"\n", "has no location"),
        (
            "[[registry]]\ninsecure = true\n",
            "neither prefix nor location",
        ),
        ("[[registry]]\nprefix = \"*.a.io/x\"\n", "*.example.com"),
        (
            "[[registry]]\nlocation = \"a.io\"\npull-from-mirror = \"all\"\n",
            "only valid in a [[registry.mirror]]",
        ),
        (
            "[[registry]]\nlocation = \"a.io\"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = \"m.io\"\npull-from-mirror = \"tag-only\"\n",
            "keep only one",
        ),
        (
            "[[registry]]\nlocation = \"a.io\"\n[[registry.mirror]]\ninsecure = true\n",
            "has no location",
        ),
        (
            "[[registry]]\nprefix = \"x.io\"\nlocation = \"a.io\"\n[[registry]]\nprefix = \"y.io\"\nlocation = \"a.io\"\ninsecure = true\n",
            "conflicting",
        ),
        (
            "unqualified-search-registries = [\"docker.io/library\"]\n",
            "not a host[:port]",
        ),
        (
            "[aliases]\n\"quay.io/x\" = \"quay.io/x\"\n",
            "must not contain a registry",
        ),
    ];
    for (text, expected) in cases {
        let dirs = Dirs::new();
        let file = dirs.write("r.conf", text);
        let err = RegistriesConf::load_from(&dirs.system(), None, Some(&file)).unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains(expected), "{text:?}: {msg}");
        assert!(msg.contains("r.conf"), "{text:?}: {msg}");
    }
}

#[test]
fn first_entry_wins_within_one_file() {
    let c = conf(
        "[[registry]]\nprefix = \"a.io\"\nlocation = \"one.io\"\n[[registry]]\nprefix = \"a.io\"\nlocation = \"two.io\"\n",
    );
    assert_eq!(c.find("a.io/x").unwrap().location, "one.io");
}

#[test]
fn trailing_slashes_are_dropped() {
    let c = conf(
        "unqualified-search-registries = [\"quay.io/\"]\n[[registry]]\nlocation = \"a.io/ns/\"\n",
    );
    assert_eq!(c.unqualified_search_registries, ["quay.io"]);
    assert_eq!(c.registries[0].prefix, "a.io/ns");
}

#[test]
fn alias_cache_wins_over_config() {
    let dirs = Dirs::new();
    let paths = Paths::sandbox(dirs.tmp.path());
    dirs.write(
        "etc/containers/registries.conf",
        "[aliases]\n\"alpine\" = \"docker.io/library/alpine\"\n\"fedora\" = \"registry.fedoraproject.org/fedora\"\n\"ubi\" = \"registry.access.redhat.com/ubi9\"\n",
    );
    shortnames::record_alias(&paths, "alpine", "quay.io/libpod/alpine").unwrap();
    dirs.write(
        "home/.cache/containers/short-name-aliases.conf",
        &format!(
            "{}\"ubi\" = \"\"\n",
            fs::read_to_string(
                dirs.tmp
                    .path()
                    .join("home/.cache/containers/short-name-aliases.conf")
            )
            .unwrap()
        ),
    );
    let c = RegistriesConf::load_with(&paths, None).unwrap();
    assert_eq!(c.aliases["alpine"], "quay.io/libpod/alpine");
    assert_eq!(c.aliases["fedora"], "registry.fedoraproject.org/fedora");
    assert!(
        !c.aliases.contains_key("ubi"),
        "an empty cache value masks the config alias"
    );
}

#[test]
fn root_ignores_user_files() {
    let dirs = Dirs::new();
    let mut paths = Paths::sandbox(dirs.tmp.path());
    paths.rootless = false;
    dirs.write(
        "etc/containers/registries.conf",
        "unqualified-search-registries = [\"sys.io\"]\n",
    );
    dirs.write(
        "home/.config/containers/registries.conf",
        "unqualified-search-registries = [\"user.io\"]\n",
    );
    // Root's alias cache lives in /var/cache; only check the file choice here.
    let c = RegistriesConf::load_from(
        &paths.system_config_dir,
        paths.user_config_dir().as_deref(),
        None,
    )
    .unwrap();
    assert_eq!(c.unqualified_search_registries, ["sys.io"]);
}

#[test]
fn shipped_example_is_valid_and_means_what_it_says() {
    let dirs = Dirs::new();
    let file = dirs.write("r.conf", include_str!("../../../config/registries.conf"));
    let c = RegistriesConf::load_from(&dirs.system(), None, Some(&file)).unwrap();
    assert_eq!(c.unqualified_search_registries, ["docker.io", "quay.io"]);
    let by_digest = c
        .pull_sources("registry.example.com/team/app", true)
        .unwrap();
    assert_eq!(
        names(&by_digest),
        [
            "mirror-a.example.net/team/app",
            "mirror-b.example.net/team/app",
            "internal.example.net:5000/mirror/team/app"
        ]
    );
    assert!(c.is_insecure("dev.example.org"));
    assert!(
        c.pull_sources("untrusted.example.invalid/x", false)
            .is_err()
    );
}
