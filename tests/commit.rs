//! `commit`, `export` and `import` for real, as the unprivileged test user, on the busybox
//! fixture image: a container's changes (created, changed and deleted files, a directory
//! replaced whole) become an image that runs with them; `--change` edits the config; a
//! container's filesystem exported and imported again runs; bad input fails with one line.

mod common;
mod pull_support;
mod run_support;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::Digest as _;

use common::Sandbox;
use pull_support::assert_engine_error;
use run_support::{busybox, sandbox};

/// Creates the container `name` from busybox and runs `script` in it to completion.
fn container_after(sb: &Sandbox, name: &str, script: &str) {
    sb.engine(&["run", "--name", name, busybox(), "sh", "-c", script])
        .ok();
}

/// `engine run --rm IMAGE sh -c SCRIPT`'s stdout.
fn output_of(sb: &Sandbox, image: &str, script: &str) -> String {
    sb.engine(&["run", "--rm", image, "sh", "-c", script])
        .ok()
        .stdout
        .clone()
}

/// `engine export NAME` to stdout, as the test user; the archive's bytes.
fn export_to_stdout(sb: &Sandbox, name: &str) -> Vec<u8> {
    let path = sb.home().join(format!("{name}-stdout.tar"));
    let script = format!(
        "{} export {name} > {}",
        common::env().bin.display(),
        path.display()
    );
    sb.sh_as_user(&script).ok();
    std::fs::read(&path).expect("the exported archive")
}

/// The stored layer `diff_id` rebuilt as its tar, the way push and save read it (the hidden
/// `__layer-tar` child, in the user namespace).
fn layer_tar(sb: &Sandbox, diff_id: &str) -> Vec<u8> {
    let layers = sb.data_dir().join("engine/layers");
    let dirs = std::fs::read_dir(&layers).expect("the store's layers");
    let layer = dirs
        .flatten()
        .map(|e| e.path())
        .find(|dir| {
            std::fs::read_to_string(dir.join("layer.json"))
                .is_ok_and(|meta| meta.contains(&format!("\"diff_id\": \"{diff_id}\"")))
        })
        .unwrap_or_else(|| panic!("no layer with diff_id {diff_id} in {}", layers.display()));
    let out = sb.home().join("layer.tar");
    let bin = common::env().bin.display();
    let script = format!(
        "{bin} unshare {bin} __layer-tar {diff} {split} > {out}",
        diff = layer.join("diff").display(),
        split = layer.join("tar-split").display(),
        out = out.display(),
    );
    sb.sh_as_user(&script).ok();
    let tar = std::fs::read(&out).expect("the rebuilt layer");
    let hex: String = sha2::Sha256::digest(&tar)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let digest = format!("sha256:{hex}");
    assert_eq!(
        digest, diff_id,
        "the rebuilt tar hashes to the layer's diff_id"
    );
    tar
}

/// Entry name (without a leading `./` or `/`) → file content, for a tar archive.
fn tar_files(tar: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = tar::Archive::new(tar);
    let mut files = BTreeMap::new();
    for entry in archive.entries().expect("a tar archive") {
        let mut entry = entry.expect("a tar entry");
        let name = entry.path().expect("an entry name").display().to_string();
        let name = name.trim_start_matches("./").trim_start_matches('/');
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("entry data");
        files.insert(name.trim_end_matches('/').to_string(), data);
    }
    files
}

/// What a container changes: created, changed and deleted files, a deleted directory, and a
/// directory of the image deleted then made again (overlay marks it opaque).
const CHANGES: &str = "echo created > /created \
    && echo appended >> /etc/motd \
    && rm /etc/group \
    && rm -r /home/app \
    && rm -r /data/opaque && mkdir /data/opaque && echo only > /data/opaque/only \
    && mkdir -p /new/dir && echo deep > /new/dir/file";

/// Checks, in a container of `image`, that CHANGES are there.
const CHECK: &str = "cat /created; tail -n1 /etc/motd; \
    test -e /etc/group || echo group-deleted; \
    test -e /home/app || echo app-deleted; \
    ls /data/opaque; cat /new/dir/file; test -e /data/hard && echo image-files-kept";
const CHECK_OUTPUT: &str =
    "created\nappended\ngroup-deleted\napp-deleted\nonly\ndeep\nimage-files-kept\n";

#[test]
fn a_committed_image_has_the_containers_changes() {
    let sb = sandbox();
    container_after(&sb, "changed", CHANGES);
    let out = sb.engine(&["commit", "changed", "committed"]);
    let id = out.ok().stdout.trim().to_string();
    assert_eq!(id.len(), 64, "commit prints the new image ID\n{out}");
    assert_eq!(output_of(&sb, "committed", CHECK), CHECK_OUTPUT);
    // On top of the image's layers, with one more history entry.
    let inspect = sb.engine(&["image", "inspect", "localhost/committed:latest"]);
    let image: Value = serde_json::from_str(&inspect.ok().stdout).expect("inspect JSON");
    let layers = image[0]["RootFS"]["Layers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        layers.len(),
        4,
        "busybox's 3 layers and the new one\n{inspect}"
    );
    // The new layer holds the changes only, deletions as OCI whiteouts.
    let new_layer = layer_tar(&sb, layers[3].as_str().unwrap_or_default());
    let entries = tar_files(&new_layer);
    for marker in ["etc/.wh.group", "home/.wh.app", "data/opaque/.wh..wh..opq"] {
        assert!(
            entries.contains_key(marker),
            "{marker} in {:?}",
            entries.keys()
        );
    }
    assert_eq!(
        entries.get("new/dir/file").map(Vec::as_slice),
        Some(&b"deep\n"[..])
    );
    for absent in ["bin/busybox", "etc/group", "etc/hosts", "data/opaque/new"] {
        assert!(
            !entries.contains_key(absent),
            "{absent} in {:?}",
            entries.keys()
        );
    }
    // Pulled layers come back byte for byte too.
    layer_tar(&sb, layers[0].as_str().unwrap_or_default());
    // Committed again, the container gives a layer with the same content: a new image
    // that runs the same.
    sb.engine(&["commit", "changed", "again:v2"]).ok();
    assert_eq!(output_of(&sb, "again:v2", CHECK), CHECK_OUTPUT);
}

#[test]
fn changes_edit_the_config() {
    let sb = sandbox();
    container_after(&sb, "base", "echo created > /created");
    sb.engine(&[
        "commit",
        "--change",
        "CMD [\"cat\", \"/created\"]",
        "-c",
        "ENV=FOO=bar",
        "-c",
        "LABEL stage=test",
        "--author",
        "Tester",
        "-m",
        "a message",
        "base",
        "changed",
    ])
    .ok();
    let inspect = sb.engine(&["image", "inspect", "changed"]);
    let image: Value = serde_json::from_str(&inspect.ok().stdout).expect("inspect JSON");
    let config = &image[0]["Config"];
    assert_eq!(
        config["Cmd"],
        serde_json::json!(["cat", "/created"]),
        "{inspect}"
    );
    let env = config["Env"].to_string();
    assert!(
        env.contains("FOO=bar") && env.contains("PATH="),
        "{inspect}"
    );
    assert_eq!(config["Labels"]["stage"], "test", "{inspect}");
    assert_eq!(image[0]["Author"], "Tester", "{inspect}");
    let out = sb.engine(&["run", "--rm", "changed"]);
    assert_eq!(out.ok().stdout, "created\n");
    let bad = sb.engine(&["commit", "-c", "RUN true", "base", "bad"]);
    assert_engine_error(&bad, &["--change", "RUN"]);
}

#[test]
fn history_shows_the_commit_on_top_of_the_base_image() {
    let sb = sandbox();
    container_after(&sb, "base", "echo created > /created");
    let id = sb
        .engine(&["commit", "-m", "a message", "base", "changed"])
        .ok()
        .stdout
        .trim()
        .to_string();
    let base_id = common::fixture_str("busybox:latest", "image_id");
    let out = sb.engine(&["history", "--format", "json", "changed"]);
    let rows: Value = serde_json::from_str(&out.ok().stdout).expect("history JSON");
    let rows = rows.as_array().cloned().unwrap_or_default();
    let inspect = sb.engine(&["image", "inspect", "changed"]);
    let image: Value = serde_json::from_str(&inspect.ok().stdout).expect("inspect JSON");
    let entries = image[0]["History"].as_array().map_or(0, Vec::len);
    assert_eq!(rows.len(), entries, "one row per history entry\n{out}");
    // Newest first: the commit (its message, the size of its layer), then busybox's entries,
    // the first of them shown with busybox's ID (its top layer is busybox's image).
    assert_eq!(rows[0]["id"], id.as_str(), "{out}");
    assert_eq!(rows[0]["comment"], "a message", "{out}");
    let layers = image[0]["RootFS"]["Layers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let new_layer = layer_tar(&sb, layers[layers.len() - 1].as_str().unwrap_or_default());
    assert_eq!(rows[0]["size"], new_layer.len() as u64, "{out}");
    assert_eq!(rows[1]["id"], base_id, "{out}");
    assert!(rows[2..].iter().all(|r| r["id"] == "<missing>"), "{out}");
    // The table and -q, as podman prints them.
    let table = sb
        .engine(&["image", "history", "changed"])
        .ok()
        .stdout
        .clone();
    let mut lines = table.lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap_or_default()
        .split("  ")
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        header.iter().map(|c| c.trim()).collect::<Vec<_>>(),
        ["ID", "CREATED", "CREATED BY", "SIZE", "COMMENT"],
        "{table}"
    );
    let top = lines.next().unwrap_or_default();
    assert!(
        top.starts_with(&id[..12]) && top.trim_end().ends_with("a message"),
        "{table}"
    );
    let quiet = sb.engine(&["history", "-q", "changed"]).ok().stdout.clone();
    let ids: Vec<&str> = quiet.lines().collect();
    assert_eq!(ids[..2], [&id[..12], &base_id[..12]], "{quiet}");
    assert_eq!(ids.len(), entries, "{quiet}");
    assert_engine_error(
        &sb.engine(&["history", "nosuch"]),
        &["nosuch", "engine images"],
    );
}

#[test]
fn diff_lists_added_changed_and_deleted_files() {
    let sb = sandbox();
    // /data/opaque made again: the image's /data/opaque/new is gone, /data/opaque/mine is new.
    container_after(
        &sb,
        "changed",
        "echo x > /etc/passwd; touch /etc/newf; rm /bin/ls; mkdir -p /new/deep; touch /new/deep/f; \
         rm -r /data/opaque; mkdir /data/opaque; touch /data/opaque/mine",
    );
    let out = sb.engine(&["diff", "changed"]);
    assert_eq!(
        out.ok().stdout,
        "C /bin\nD /bin/ls\nC /data\nC /data/opaque\nA /data/opaque/mine\nD /data/opaque/new\n\
         C /etc\nA /etc/newf\nC /etc/passwd\nA /new\nA /new/deep\nA /new/deep/f\n",
        "{out}"
    );
    let out = sb.engine(&["container", "diff", "--format", "json", "changed"]);
    let grouped: Value = serde_json::from_str(&out.ok().stdout).expect("diff JSON");
    assert_eq!(
        grouped,
        serde_json::json!({
            "changed": ["/bin", "/data", "/data/opaque", "/etc", "/etc/passwd"],
            "added": ["/data/opaque/mine", "/etc/newf", "/new", "/new/deep", "/new/deep/f"],
            "deleted": ["/bin/ls", "/data/opaque/new"],
        }),
        "{out}"
    );
    // A container that changed nothing lists at most /etc, where the runtime made mount
    // points for files the image lacks (those are not its changes, as in podman).
    container_after(&sb, "untouched", "true");
    let out = sb.engine(&["diff", "untouched"]);
    let listed = out.ok().stdout.clone();
    assert!(listed.lines().all(|l| l == "C /etc"), "{out}");
    for (args, error) in [
        (&["diff", "nosuch"][..], "no such container or image"),
        (&["container", "diff", busybox()][..], "no such container"),
        (&["image", "diff", "changed"][..], "no such image"),
    ] {
        assert_engine_error(&sb.engine(args), &[error]);
    }
}

/// `diff A B` compares two filesystems entry by entry, whatever each is: containers, an image.
#[test]
fn diff_of_two_containers_or_images_compares_their_files() {
    let sb = sandbox();
    container_after(
        &sb,
        "one",
        "echo x > /etc/passwd; touch /etc/newf; rm /bin/ls",
    );
    container_after(&sb, "two", "true");
    let listed = |args: &[&str]| {
        let out = sb.engine(args);
        out.ok().stdout.clone()
    };
    let one_over_two = "C /bin\nD /bin/ls\nC /etc\nA /etc/newf\nC /etc/passwd\n";
    assert_eq!(listed(&["diff", "one", "two"]), one_over_two);
    assert_eq!(
        listed(&["container", "diff", "two", "one"]),
        "C /bin\nA /bin/ls\nC /etc\nD /etc/newf\nC /etc/passwd\n"
    );
    // Against its own image: what the one-argument diff says.
    assert_eq!(
        listed(&["diff", "one", busybox()]),
        listed(&["diff", "one"])
    );
    sb.engine(&["commit", "one", "committed"]).ok();
    assert_eq!(
        listed(&["image", "diff", "committed", busybox()]),
        one_over_two
    );
    assert_eq!(listed(&["image", "diff", busybox(), busybox()]), "");
    // The vfs driver keeps no upper directory: its copy is compared with the image.
    let script = "touch /etc/newf; rm /bin/ls";
    let run = [
        "--storage-driver",
        "vfs",
        "run",
        "--name",
        "copied",
        busybox(),
    ];
    sb.engine(&[&run[..], &["sh", "-c", script]].concat()).ok();
    assert_eq!(
        listed(&["diff", "copied"]),
        "C /bin\nD /bin/ls\nC /etc\nA /etc/newf\n"
    );
    // With IDs of its own, a container's files are stored with shifted owners: they are not
    // compared (every file would differ), and a warning says so.
    let run = ["run", "--userns=auto", "--name", "auto", busybox()];
    sb.engine(&[&run[..], &["touch", "/etc/newf"]].concat())
        .ok();
    let out = sb.engine(&["diff", "auto", busybox()]);
    assert_eq!(out.ok().stdout, "C /etc\nA /etc/newf\n", "{out}");
    out.stderr_has("owners are not compared");
    assert_engine_error(
        &sb.engine(&["image", "diff", "committed", "nosuch"]),
        &["no such image \"nosuch\""],
    );
}

/// An image's diff is its top layer's changes to the layers below, as podman lists them: the
/// fixture's top layer deletes /data/gone, makes /data/opaque again (hiding old1 and old2)
/// with a new file in it, and adds /etc/motd.
#[test]
fn diff_of_an_image_lists_its_top_layers_changes() {
    let sb = sandbox();
    let expected = "C /data\nD /data/gone\nC /data/opaque\nA /data/opaque/new\n\
                    D /data/opaque/old1\nD /data/opaque/old2\nC /etc\nA /etc/motd\n";
    for command in [&["diff"][..], &["image", "diff"][..]] {
        let out = sb.engine(&[command, &[busybox()]].concat());
        assert_eq!(out.ok().stdout, expected, "{out}");
    }
    // A committed container's image: its top layer is the container's changes.
    container_after(&sb, "base", "echo hi > /hello; rm /etc/motd");
    sb.engine(&["commit", "base", "committed"]).ok();
    let out = sb.engine(&["image", "diff", "--format", "json", "committed"]);
    let grouped: Value = serde_json::from_str(&out.ok().stdout).expect("diff JSON");
    assert_eq!(
        grouped,
        serde_json::json!({"changed": ["/etc"], "added": ["/hello"], "deleted": ["/etc/motd"]}),
        "{out}"
    );
}

#[test]
fn export_then_import_gives_the_same_files() {
    let sb = sandbox();
    container_after(&sb, "exported", CHANGES);
    let tar_path = sb.home().join("fs.tar");
    let tar_arg = tar_path.display().to_string();
    sb.engine(&["export", "-o", &tar_arg, "exported"]).ok();
    let stdout_tar = export_to_stdout(&sb, "exported");
    let exported = std::fs::read(&tar_path).expect("the exported tar");
    assert_eq!(
        tar_files(&stdout_tar).keys().collect::<Vec<_>>(),
        tar_files(&exported).keys().collect::<Vec<_>>(),
        "export to stdout and to -o write the same archive"
    );
    let files = tar_files(&exported);
    assert_eq!(
        files.get("created").map(Vec::as_slice),
        Some(&b"created\n"[..])
    );
    assert!(!files.contains_key("etc/group") && files.contains_key("bin/busybox"));
    assert!(
        !files.keys().any(|k| k.contains(".wh.")),
        "a filesystem has no whiteouts"
    );

    let out = sb.engine(&[
        "import",
        "--change",
        "CMD [\"/bin/sh\"]",
        &tar_arg,
        "imported",
    ]);
    let id = out.ok().stdout.trim().to_string();
    assert!(id.trim_start_matches("sha256:").len() == 64, "{out}");
    assert_eq!(output_of(&sb, "imported", CHECK), CHECK_OUTPUT);

    // Gzip-compressed, from stdin.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&exported).expect("gzip");
    let gz = gz.finish().expect("gzip");
    sb.engine_with_stdin(&["import", "-", "from-stdin"], gz)
        .ok();
    assert_eq!(output_of(&sb, "from-stdin", CHECK), CHECK_OUTPUT);
}

#[test]
fn a_running_container_exports() {
    let sb = sandbox();
    sb.engine(&[
        "run",
        "-d",
        "--name",
        "live",
        busybox(),
        "sh",
        "-c",
        "echo live > /live; sleep 600",
    ])
    .ok();
    let deadline = Instant::now() + Duration::from_secs(30);
    let files = loop {
        let files = tar_files(&export_to_stdout(&sb, "live"));
        if files.contains_key("live") || Instant::now() > deadline {
            break files;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(files.get("live").map(Vec::as_slice), Some(&b"live\n"[..]));
    assert!(
        !files.keys().any(|k| k.starts_with("proc/")),
        "the container's mounts are not part of its filesystem"
    );
    sb.engine(&["commit", "--pause", "live", "from-live"]).ok();
    assert_eq!(output_of(&sb, "from-live", "cat /live"), "live\n");
    sb.engine(&["rm", "-f", "live"]).ok();
}

#[test]
fn bad_input_fails_with_one_line() {
    let sb = sandbox();
    let not_tar = sb.write_file("not.tar", vec![b'x'; 4096]);
    let out = sb.engine(&["import", &not_tar.display().to_string(), "bad"]);
    assert_engine_error(&out, &["import", "tar"]);
    let out = sb.engine_with_stdin(&["import", "-"], Vec::new());
    assert_engine_error(&out, &["empty"]);
    let out = sb.engine(&["import", "/nonexistent/file.tar"]);
    assert_engine_error(&out, &["/nonexistent/file.tar"]);
    let out = sb.engine(&["commit", "no-such-container", "x"]);
    assert_engine_error(&out, &["no-such-container"]);
    let out = sb.sh_as_user(&format!(
        "{} export no-such-container > /dev/null",
        common::env().bin.display()
    ));
    assert_engine_error(&out, &["no-such-container"]);
    assert_eq!(sb.engine(&["images", "-q"]).ok().stdout.lines().count(), 1);
}
