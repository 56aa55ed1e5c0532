//! Shell completion through the real shells: the committed scripts are sourced into bash, zsh
//! and fish, which call the engine binary (found in `$PATH`, as for a user) the way they do on
//! Tab, and the words they would offer are checked, including names from a real store.
//!
//! zsh's completion system needs a terminal; its `compdef` and `_describe` are replaced by
//! functions printing what they are given, so the script itself runs unchanged. fish completes
//! non-interactively with `complete -C`.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;

use engine::store::{ImageRecord, Store};
use engine::util::digest::Digest;

const BIN: &str = env!("CARGO_BIN_EXE_engine");

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A store holding the container `web`, the volume `data` and the image busybox (also named
/// localhost/mine:1), and a `$PATH` directory where `engine` and `docker` are this binary.
struct World {
    dir: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        let world = World { dir };
        let bin = world.bin_dir();
        std::fs::create_dir(&bin).unwrap();
        for name in ["engine", "docker"] {
            symlink(BIN, bin.join(name)).unwrap();
        }
        let rootfs = world.dir.path().join("rootfs");
        std::fs::create_dir(&rootfs).unwrap();
        world.engine(&["volume", "create", "data"]);
        // The command cannot run in an empty root: the container stays, exited.
        let out = Command::new(BIN)
            .args([
                "--root",
                world.root().to_str().unwrap(),
                "run",
                "--name",
                "web",
                "--rootfs",
            ])
            .arg(&rootfs)
            .arg("true")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(127), "{out:?}");
        add_image(
            &world.root(),
            &["docker.io/library/busybox:latest", "localhost/mine:1"],
        );
        world
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    fn bin_dir(&self) -> PathBuf {
        self.dir.path().join("bin")
    }

    fn engine(&self, args: &[&str]) {
        let out = Command::new(BIN)
            .arg("--root")
            .arg(self.root())
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "engine {args:?}: {out:?}");
    }

    /// `shell -c script` with only this world's `$PATH` and home, plus `env`.
    fn shell(&self, shell: &str, args: &[&str], env: &[(&str, &Path)]) -> String {
        let path = format!("{}:/usr/bin:/bin", self.bin_dir().display());
        let out = Command::new(shell)
            .args(args)
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.dir.path())
            .envs(env.iter().map(|(k, v)| (*k, v.as_os_str())))
            .output()
            .unwrap_or_else(|e| panic!("{shell} is not installed ({e}): apt-get install {shell}"));
        assert!(out.status.success(), "{shell} {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    }

    /// What bash offers for the command line `words`, the last being completed.
    fn bash(&self, script: &Path, words: &[&str], env: &[(&str, &Path)]) -> Vec<String> {
        let function = if words[0] == "docker" {
            "_clap_complete_docker"
        } else {
            "_clap_complete_engine"
        };
        let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let script = format!(
            "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_TYPE=9\n\
             {function} {} \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display(),
            quoted.join(" "),
            words.len() - 1,
            words[0],
        );
        lines(&self.shell("bash", &["--norc", "--noprofile", "-c", &script], env))
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// Adds an image without layers (config and manifest blobs only) named `names`.
fn add_image(root: &Path, names: &[&str]) {
    let store = Store::open(root).unwrap();
    let put = |data: &[u8]| {
        let digest = Digest::of(data);
        store.put_blob(data, &digest).unwrap();
        digest
    };
    let config = put(b"{\"architecture\":\"amd64\",\"os\":\"linux\"}");
    let manifest = put(format!("{{\"config\":\"{config}\"}}").as_bytes());
    store
        .add_image(ImageRecord {
            id: config.hex().to_string(),
            names: names.iter().map(|s| s.to_string()).collect(),
            digests: Vec::new(),
            manifest_digest: manifest,
            manifest_media_type: "application/vnd.oci.image.manifest.v1+json".into(),
            config_digest: config,
            layers: Vec::new(),
            created: None,
            pulled: "2026-01-01T00:00:00Z".into(),
            architecture: "amd64".into(),
            os: "linux".into(),
            variant: None,
            size: 0,
        })
        .unwrap();
}

fn committed(file: &str) -> PathBuf {
    repo().join("completions").join(file)
}

#[track_caller]
fn assert_offers(offered: &[String], wanted: &[&str]) {
    for word in wanted {
        assert!(
            offered.iter().any(|o| o == word),
            "{word:?} not offered: {offered:?}"
        );
    }
}

#[track_caller]
fn assert_not_offered(offered: &[String], unwanted: &[&str]) {
    for word in unwanted {
        assert!(
            !offered.iter().any(|o| o == word),
            "{word:?} offered: {offered:?}"
        );
    }
}

#[test]
fn bash_offers_commands_flags_and_values() {
    let world = World::new();
    let script = committed("engine.bash");
    let commands = world.bash(&script, &["engine", ""], &[]);
    assert_offers(
        &commands,
        &[
            "run",
            "ps",
            "rm",
            "images",
            "volume",
            "info",
            "generate",
            "completion",
            "--root",
        ],
    );
    assert_not_offered(&commands, &["__quadlet", "__unpack-layer"]);
    assert_eq!(world.bash(&script, &["engine", "gen"], &[]), ["generate"]);
    assert_eq!(
        world.bash(
            &script,
            &["engine", "generate", "systemd", "--restart-p"],
            &[]
        ),
        ["--restart-policy"]
    );
    let policies = world.bash(
        &script,
        &["engine", "generate", "systemd", "--restart-policy", ""],
        &[],
    );
    assert_offers(&policies, &["no", "on-failure", "always"]);
    assert_eq!(
        world.bash(&script, &["engine", "completion", "z"], &[]),
        ["zsh"]
    );
}

#[test]
fn bash_offers_live_containers_images_and_volumes() {
    let world = World::new();
    let script = committed("engine.bash");
    let root = world.root().display().to_string();
    let with_root = |words: &[&str]| {
        let mut all = vec!["engine", "--root", &root];
        all.extend_from_slice(words);
        world.bash(&script, &all, &[])
    };
    assert_offers(&with_root(&["rm", ""]), &["web"]);
    assert_eq!(with_root(&["container", "rm", "w"]), ["web"]);
    assert_offers(
        &with_root(&["rmi", ""]),
        &[
            "docker.io/library/busybox:latest",
            "busybox:latest",
            "localhost/mine:1",
        ],
    );
    assert_eq!(with_root(&["tag", "local"]), ["localhost/mine:1"]);
    assert_eq!(with_root(&["run", "busy"]), ["busybox:latest"]);
    assert_eq!(with_root(&["volume", "rm", "d"]), ["data"]);
    assert_eq!(with_root(&["generate", "systemd", "w"]), ["web"]);

    // ENGINE_ROOT works as well as --root.
    let by_env = world.bash(
        &script,
        &["engine", "rm", "we"],
        &[("ENGINE_ROOT", world.root().as_path())],
    );
    assert_eq!(by_env, ["web"]);
    // Completing for a store that does not exist offers no names and creates nothing.
    let missing = world.dir.path().join("no-store");
    let none = world.bash(
        &script,
        &["engine", "--root", missing.to_str().unwrap(), "rm", "w"],
        &[],
    );
    assert_eq!(none, Vec::<String>::new());
    assert!(!missing.exists());
}

#[test]
fn container_ids_complete_once_a_prefix_is_typed() {
    let world = World::new();
    let out = Command::new(BIN)
        .args(["--root", world.root().to_str().unwrap(), "ps", "-aq"])
        .output()
        .unwrap();
    let id = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert_eq!(id.len(), 12, "{id:?}");
    let root = world.root().display().to_string();
    let offered = world.bash(
        &committed("engine.bash"),
        &["engine", "--root", &root, "rm", &id[..4]],
        &[],
    );
    assert_eq!(offered, [id]);
}

#[test]
fn the_docker_name_gets_its_own_script() {
    let world = World::new();
    let script = world.dir.path().join("docker.bash");
    let out = Command::new(world.bin_dir().join("docker"))
        .args(["completion", "bash"])
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::write(&script, &out.stdout).unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("-F _clap_complete_docker docker"), "{text}");
    let offered = world.bash(
        &script,
        &["docker", "volume", "rm", ""],
        &[("ENGINE_ROOT", world.root().as_path())],
    );
    assert_offers(&offered, &["data"]);
}

#[test]
fn zsh_offers_commands_and_live_names() {
    let world = World::new();
    let root = world.root().display().to_string();
    // compdef registers, _describe displays: stand-ins that print the candidates instead.
    let script = format!(
        "compdef() {{ : }}\n\
         _describe() {{ shift 2; local name=$1; print -rl -- \"${{(@P)name}}\" }}\n\
         source '{}'\n\
         words=(engine --root '{root}' rm w); CURRENT=5; _clap_dynamic_completer_engine\n\
         words=(engine --root '{root}' rmi busy); CURRENT=5; _clap_dynamic_completer_engine\n\
         words=(engine vol); CURRENT=2; _clap_dynamic_completer_engine",
        committed("_engine").display()
    );
    let offered = lines(&world.shell("zsh", &["-f", "-c", &script], &[]));
    assert_eq!(offered.len(), 3, "{offered:?}");
    assert!(offered[0].starts_with("web:"), "{offered:?}");
    assert!(offered[1].starts_with("busybox\\:latest:"), "{offered:?}");
    assert_eq!(offered[2], "volume:Manage volumes");
}

#[test]
fn fish_offers_commands_and_live_names() {
    let world = World::new();
    let root = world.root().display().to_string();
    let script = format!(
        "source '{}'\n\
         complete -C'engine --root {root} rm '\n\
         complete -C'engine --root {root} volume inspect d'\n\
         complete -C'engine ima'",
        committed("engine.fish").display()
    );
    let offered = lines(&world.shell("fish", &["--no-config", "-c", &script], &[]));
    let words: Vec<&str> = offered
        .iter()
        .map(|l| l.split('\t').next().unwrap_or_default())
        .collect();
    assert!(words.contains(&"web"), "{offered:?}");
    assert!(words.contains(&"data"), "{offered:?}");
    assert!(
        words.contains(&"images") && words.contains(&"image"),
        "{offered:?}"
    );
    let web = offered.iter().find(|l| l.starts_with("web\t")).unwrap();
    assert!(
        web.contains("not running"),
        "the description says the state: {web}"
    );
}
