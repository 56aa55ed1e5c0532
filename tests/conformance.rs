//! The OCI runtime-tools validation suite (tests/conformance/runtime-tools.sh), run as root
//! against crun and against `engine oci` on the same machine: the built-in runtime must pass
//! at least as many of its checks as crun. The failure message names the checks engine fails
//! and crun passes.
//!
//! The harness (tests/setup/host.sh) installs the packages the build needs, so a suite that
//! cannot be built fails the test rather than skipping it.
//! Takes some 4 minutes on a 2-core machine: the build once (about 35 s, cached in
//! RTOOLS_CACHE, default /var/cache/engine-runtime-tools), then 1.5 to 2 minutes per runtime
//! (tests with a failed check run a second time, see `retry_failed` in the script).

// Only `env()` is used here.
#[allow(unused_imports)]
mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use common::env;

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/runtime-tools.sh")
}

/// A runtime's results: checks passed, checks run, and the `test: description` of each failed
/// check.
#[derive(Debug)]
struct Results {
    passed: usize,
    total: usize,
    failed: BTreeSet<String>,
}

/// Parses the script's report: `# test: NAME (N ms)` headers, TAP points, the summary line.
fn parse(name: &str, report: &str) -> Results {
    let mut test = String::new();
    let mut failed = BTreeSet::new();
    let mut summary = None;
    for line in report.lines() {
        if let Some(rest) = line.strip_prefix("# test: ") {
            test = rest.split(' ').next().unwrap_or_default().to_string();
        } else if let Some(point) = line.strip_prefix("not ok") {
            // Drop the point's number: the same check has different numbers in two runs.
            let description = point.trim_start_matches(|c: char| c.is_ascii_digit() || c == ' ');
            let description = description.trim_start_matches("- ");
            // Long diagnostics (stderr of the runtime) differ between runs: keep the head.
            let head: String = description.chars().take(120).collect();
            failed.insert(format!("{test}: {head}"));
        } else if let Some(rest) = line.strip_prefix(&format!("{name}: passed ")) {
            let mut words = rest.split(' ');
            let passed = words.next().and_then(|n| n.parse().ok());
            let total = words.nth(1).and_then(|n| n.parse().ok());
            summary = passed.zip(total);
        }
    }
    let (passed, total) =
        summary.unwrap_or_else(|| panic!("no '{name}: passed N of M' line in:\n{report}"));
    Results {
        passed,
        total,
        failed,
    }
}

fn run_suite(name: &str, runtime: &[&str]) -> Results {
    let out = Command::new("bash")
        .arg(script())
        .args(["run", name])
        .args(runtime)
        .output()
        .expect("run runtime-tools.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "runtime-tools.sh run {name} failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    parse(name, &stdout)
}

/// Builds the suite (or finds it cached).
fn build_suite() {
    let out = Command::new("bash")
        .arg(script())
        .arg("build")
        .output()
        .expect("run runtime-tools.sh build");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "runtime-tools.sh build failed (exit {:?}; tests/setup/host.sh installs its packages): {stderr}",
        out.status.code()
    );
}

#[test]
fn engine_passes_at_least_as_many_runtime_tools_checks_as_crun() {
    build_suite();
    let engine = env().bin.display().to_string();
    let crun = run_suite("crun", &["crun"]);
    let ours = run_suite("engine", &[engine.as_str(), "oci"]);
    let only_ours: Vec<&String> = ours.failed.difference(&crun.failed).collect();
    eprintln!(
        "runtime-tools: crun passed {} of {}, engine {} of {}",
        crun.passed, crun.total, ours.passed, ours.total
    );
    assert!(
        ours.passed >= crun.passed,
        "engine passed {} runtime-tools checks, crun {}; engine fails these that crun passes:\n{}",
        ours.passed,
        crun.passed,
        only_ours
            .iter()
            .map(|c| format!("  {c}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_report_parser_reads_points_and_the_summary() {
    let report = "# test: kill (10 ms)\nok 1 - a\nnot ok 2 - signal sent\n\
                  # test: hooks (5 ms)\nnot ok - hooks failed (status 1): boom\n\
                  x: passed 1 of 3 (0 skipped)\n";
    let results = parse("x", report);
    assert_eq!((results.passed, results.total), (1, 3));
    let failed: Vec<&str> = results.failed.iter().map(String::as_str).collect();
    assert_eq!(
        failed,
        ["hooks: hooks failed (status 1): boom", "kill: signal sent"]
    );
}
