//! The committed shell completions and man pages are generated from the command definitions;
//! these tests fail when they are stale (regenerate with `ENGINE_UPDATE_DOCS=1 cargo test --test docs`)
//! and check that every page renders without groff warnings.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn updating() -> bool {
    std::env::var_os("ENGINE_UPDATE_DOCS").is_some()
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        std::fs::read(e.path()).unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Generates into a temp dir and compares with the committed directory, or updates it.
fn check_generated(name: &str, generate: fn(&Path) -> anyhow::Result<()>) {
    let committed = repo().join(name);
    if updating() {
        let _ = std::fs::remove_dir_all(&committed);
        generate(&committed).unwrap();
        return;
    }
    let fresh = tempfile::tempdir().unwrap();
    generate(fresh.path()).unwrap();
    let (want, have) = (files(fresh.path()), files(&committed));
    let names = |v: &[(String, Vec<u8>)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&have),
        names(&want),
        "{name}/ lists other files than the commands define; run ENGINE_UPDATE_DOCS=1 cargo test --test docs"
    );
    for ((file, have), (_, want)) in have.iter().zip(&want) {
        assert!(
            have == want,
            "{name}/{file} is stale; run ENGINE_UPDATE_DOCS=1 cargo test --test docs"
        );
    }
}

#[test]
fn completions_are_current() {
    check_generated("completions", engine::cli::write_completions);
}

#[test]
fn man_pages_are_current() {
    check_generated("man", engine::cli::write_man_pages);
}

#[test]
fn every_command_has_a_man_page_with_examples() {
    if updating() {
        return; // the pages are being rewritten by the other tests of this run
    }
    let pages = files(&repo().join("man"));
    for required in [
        "engine.1",
        "engine-run.1",
        "engine-info.1",
        "engine-generate-systemd.1",
    ] {
        assert!(
            pages.iter().any(|(name, _)| name == required),
            "man/{required} is missing"
        );
    }
    // Every page, so that a new command cannot land without examples in docs.rs examples().
    for (page, text) in &pages {
        let text = String::from_utf8_lossy(text);
        assert!(
            text.contains(".SH EXAMPLES"),
            "man/{page} has no examples: add them to examples() in src/cli/docs.rs"
        );
        assert!(text.contains(".SH OPTIONS"), "man/{page} has no options");
        assert!(
            text.contains(".SH DESCRIPTION"),
            "man/{page} has no description"
        );
    }
}

#[test]
fn man_pages_render_without_warnings() {
    if updating() {
        return; // the pages are being rewritten by the other tests of this run
    }
    let Ok(status) = Command::new("man").arg("--version").output() else {
        panic!("`man` is not installed: install man-db (tests/run.sh does)");
    };
    assert!(status.status.success());
    for (file, _) in files(&repo().join("man")) {
        let out = Command::new("man")
            .args(["--warnings=all", "-l"])
            .arg(repo().join("man").join(&file))
            .env("MANWIDTH", "80")
            .env("MAN_KEEP_FORMATTING", "0")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.trim().is_empty(),
            "man -l man/{file}: {stderr}"
        );
        assert!(!out.stdout.is_empty(), "man/{file} renders empty");
    }
}

#[test]
fn completion_command_prints_the_generated_script() {
    let out = Command::new(env!("CARGO_BIN_EXE_engine"))
        .args(["completion", "bash"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let fresh = tempfile::tempdir().unwrap();
    engine::cli::write_completions(fresh.path()).unwrap();
    let want = std::fs::read(fresh.path().join("engine.bash")).unwrap();
    // A byte-array diff of a whole script is unreadable: say what differs instead.
    assert!(
        out.stdout == want,
        "`engine completion bash` differs from what write_completions generates"
    );
}
