//! `--network` values and the default mode.

use std::os::unix::fs::PermissionsExt;

use crate::network::NetworkMode;

use super::strings;

#[test]
fn network_values() {
    let cases = [
        ("none", NetworkMode::None),
        ("host", NetworkMode::Host),
        ("pasta", NetworkMode::Pasta { options: vec![] }),
        (
            "pasta:--map-gw,-T,8080",
            NetworkMode::Pasta {
                options: strings(&["--map-gw", "-T", "8080"]),
            },
        ),
        ("slirp4netns", NetworkMode::Slirp4netns { options: vec![] }),
        (
            "slirp4netns:allow_host_loopback=true",
            NetworkMode::Slirp4netns {
                options: strings(&["allow_host_loopback=true"]),
            },
        ),
        ("container:web", NetworkMode::Container { id: "web".into() }),
        (
            "ns:/run/netns/x",
            NetworkMode::Path {
                path: "/run/netns/x".into(),
            },
        ),
    ];
    for (text, want) in cases {
        let got = NetworkMode::parse(text).unwrap();
        assert_eq!(got, want, "{text}");
        assert_eq!(got.to_string(), text, "round trip");
    }
    for (text, want) in [
        ("bridge", "not available rootless"),
        ("ns:relative", "absolute"),
        ("slirp4netns:mtu=1", "68 to 65521"),
        ("container:", "container:NAME"),
        ("none:x", "invalid --network"),
        ("tap", "invalid --network"),
    ] {
        let err = NetworkMode::parse(text).unwrap_err().to_string();
        assert!(err.contains(want), "{text}: {err}");
    }
}

#[test]
fn default_mode_prefers_pasta_then_slirp4netns() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let install = |name: &str| {
        let path = bin.join(name);
        std::fs::write(&path, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    // find_executable also looks in /usr/bin: only meaningful where neither is there.
    let system_has = |name: &str| std::path::Path::new("/usr/bin").join(name).exists();
    let path = Some(bin.as_os_str());
    if !system_has("pasta") && !system_has("slirp4netns") {
        let err = NetworkMode::default_for(None, path)
            .unwrap_err()
            .to_string();
        assert!(err.contains("install the passt package") && err.contains("--network none"));
    }
    install("slirp4netns");
    if !system_has("pasta") {
        assert!(matches!(
            NetworkMode::default_for(None, path).unwrap(),
            NetworkMode::Slirp4netns { .. }
        ));
    }
    install("pasta");
    assert!(matches!(
        NetworkMode::default_for(None, path).unwrap(),
        NetworkMode::Pasta { .. }
    ));
    assert!(matches!(
        NetworkMode::default_for(Some("slirp4netns"), path).unwrap(),
        NetworkMode::Slirp4netns { .. }
    ));
    let err = NetworkMode::default_for(Some("vpnkit"), path)
        .unwrap_err()
        .to_string();
    assert!(err.contains("default_rootless_network_cmd"), "{err}");
}
