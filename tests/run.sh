#!/usr/bin/env bash
# Runs the whole test suite: `sudo tests/run.sh` (CI: .ci/run). Debian 12, as root.
#
# It installs the missing Debian packages, creates the test user `enginetest` (with subuid and
# subgid ranges), applies the host fix-ups of a fresh machine, builds the crate, starts two
# local registries on 127.0.0.1 (plain HTTP; TLS with a fresh test CA and htpasswd auth),
# builds and pushes the fixture images, then runs `cargo test --all-targets` with the ENGINE_TEST_*
# variables below, which tests/common/mod.rs reads. Everything it starts lives in a fresh
# world-readable $W=/tmp/engine-tests.XXXXXX and is stopped and removed on exit, pass or fail.
# The exit status is cargo's. Re-running is safe: host steps check before they change anything.
#
# Switches (environment):
#   ENGINE_TEST_SETUP_ONLY=1   stop after the setup and print the exports and the command that
#                              stops the registries; run `cargo test` yourself (as root) after
#                              pasting the exports. Rebuilt? `cp target/debug/engine $W/bin/`.
#   ENGINE_TEST_PREBUILT=PATH  use this engine binary instead of `cargo build`.
#   ENGINE_TEST_KEEP=1         keep $W (and the tests' homes) for a post-mortem.
#   ENGINE_TEST_FUZZ_SECONDS=N after the tests, run each fuzz target N s (default 15; 0 skips):
#                              tests/fuzz/run.sh, only in a full run (no arguments).
#   ENGINE_TEST_WRITE_REPORT=1 after a passing full run, rewrite SECURITY.md from the rows the
#                              tests and the fuzz run recorded in $W/report (tests/security/report.sh).
# Arguments replace `--all-targets` as cargo test's, e.g. `tests/run.sh --test pull -- --nocapture`.
#
# Variables for the tests (the contract with tests/common/mod.rs):
#   ENGINE_TEST_BIN              $W/bin/engine, a copy the test user can execute
#   ENGINE_TEST_USER             enginetest (tests run as root and switch to it with runuser)
#   ENGINE_TEST_WORK             $W (tests' homes go to $W/homes)
#   ENGINE_TEST_REGISTRY         127.0.0.1:PORT, plain HTTP, no auth, deletes enabled
#   ENGINE_TEST_REGISTRY_DIR     its storage root (docker/registry/v2/... below it)
#   ENGINE_TEST_REGISTRY_LOG     its log (access log included)
#   ENGINE_TEST_TLS_REGISTRY     127.0.0.1:PORT (also valid as localhost:PORT), TLS + basic auth
#   ENGINE_TEST_TLS_REGISTRY_DIR its storage root
#   ENGINE_TEST_CA               $W/ca.crt, the CA that signed the TLS registry's certificate
#   ENGINE_TEST_REG_USER/_PASS   the TLS registry's credentials (tester / random)
#   ENGINE_TEST_FIXTURES         $W/fixtures.json, digests of every pushed image (see
#                                tests/setup/record_fixtures.py for the format)
#   ENGINE_TEST_REPORT_DIR       $W/report, where security tests record rows for SECURITY.md
#                                (tests/common/report.rs)
set -euo pipefail
export LC_ALL=C

# shellcheck source-path=SCRIPTDIR/..
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TEST_USER=enginetest
source "$REPO/tests/setup/common.sh"
source "$REPO/tests/setup/host.sh"
source "$REPO/tests/setup/tls.sh"
source "$REPO/tests/setup/registry.sh"
source "$REPO/tests/setup/images.sh"

((EUID == 0)) || die "run as root (it installs packages, creates a user, starts registries): sudo tests/run.sh"
cd "$REPO"

# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n ${W:-} && -d $W ]]; then
        stop_registries
        if [[ -n ${ENGINE_TEST_KEEP:-} ]]; then
            log "kept $W (ENGINE_TEST_KEEP is set)"
        else
            # A test that died mid-mount may leave something mounted below $W.
            findmnt -rn -o TARGET | grep "^$W/" | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
            rm -rf "$W" || log "could not remove $W"
        fi
    fi
    end_phase
    log "finished with status $status after $(seconds_since "$RUN_STARTED")"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

phase "packages"
install_packages

phase "host: user $TEST_USER, devices, mounts"
ensure_test_user "$TEST_USER"
fix_up_host

W=$(mktemp -d /tmp/engine-tests.XXXXXX)
chmod 0755 "$W"
mkdir -p "$W/bin" "$W/homes"
: >"$W/pids"
log "  work dir $W"

cargo_locked=()
[[ -f Cargo.lock ]] && cargo_locked=(--locked)
if [[ -n ${ENGINE_TEST_PREBUILT:-} ]]; then
    phase "build: using $ENGINE_TEST_PREBUILT"
    install -m 0755 "$ENGINE_TEST_PREBUILT" "$W/bin/engine"
else
    phase "build: cargo build --all-targets"
    find_cargo "install Rust with rustup"
    cargo build --all-targets "${cargo_locked[@]}"
    # The checkout may be unreadable to the test user; the tests run this copy.
    install -m 0755 "${CARGO_TARGET_DIR:-target}/debug/engine" "$W/bin/engine"
fi

phase "registries"
make_test_pki "$W/tls"
install -m 0644 "$W/tls/ca.crt" "$W/ca.crt"
mkdir -p "$W/cert-dir" # skopeo --cert-dir: CA only (a *.cert/*.key pair would be a client cert)
install -m 0644 "$W/tls/ca.crt" "$W/cert-dir/ca.crt"
REG_USER=tester
REG_PASS=$(openssl rand -hex 12)
start_registry plain
PLAIN="127.0.0.1:$REGISTRY_PORT"
PLAIN_DIR=$REGISTRY_STORAGE
start_registry tls "$W/tls" "$REG_USER" "$REG_PASS"
TLS="127.0.0.1:$REGISTRY_PORT"
TLS_DIR=$REGISTRY_STORAGE

phase "images: build and push"
build_images
push_images "$PLAIN" "$TLS" "$REG_USER" "$REG_PASS" "$W/cert-dir"
/usr/bin/python3 "$REPO/tests/setup/record_fixtures.py" "$W/fixtures.json" "$W/images/build.json" \
    "$PLAIN" "$TLS" "$REG_USER:$REG_PASS" "$W/cert-dir"
chmod -R a+rX "$W/images" "$W/fixtures.json"

export ENGINE_TEST_BIN="$W/bin/engine"
export ENGINE_TEST_USER=$TEST_USER
export ENGINE_TEST_WORK=$W
export ENGINE_TEST_REGISTRY=$PLAIN
export ENGINE_TEST_REGISTRY_DIR=$PLAIN_DIR
export ENGINE_TEST_REGISTRY_LOG="$W/registry-plain.log"
export ENGINE_TEST_TLS_REGISTRY=$TLS
export ENGINE_TEST_TLS_REGISTRY_DIR=$TLS_DIR
export ENGINE_TEST_CA="$W/ca.crt"
export ENGINE_TEST_REG_USER=$REG_USER
export ENGINE_TEST_REG_PASS=$REG_PASS
export ENGINE_TEST_FIXTURES="$W/fixtures.json"
export ENGINE_TEST_REPORT_DIR="$W/report"

if [[ -n ${ENGINE_TEST_SETUP_ONLY:-} ]]; then
    trap - EXIT INT TERM
    end_phase
    echo "# The test environment is up. Paste these, then run cargo test as root:"
    for var in BIN USER WORK REGISTRY REGISTRY_DIR REGISTRY_LOG TLS_REGISTRY TLS_REGISTRY_DIR \
        CA REG_USER REG_PASS FIXTURES REPORT_DIR; do
        var=ENGINE_TEST_$var
        printf 'export %s=%q\n' "$var" "${!var}"
    done
    echo "# To stop the registries and remove everything:"
    echo "kill \$(cat $W/pids) 2>/dev/null; rm -rf $W"
    log "setup took $(seconds_since "$RUN_STARTED")"
    exit 0
fi

test_args=("$@")
((${#test_args[@]} > 0)) || test_args=(--all-targets)
phase "tests: cargo test ${test_args[*]}"
find_cargo "install Rust with rustup"
set +e
cargo test --no-fail-fast "${cargo_locked[@]}" "${test_args[@]}"
status=$?
set -e

fuzz_seconds=${ENGINE_TEST_FUZZ_SECONDS:-15}
if (($# == 0 && fuzz_seconds > 0)); then
    phase "fuzz: tests/fuzz/run.sh $fuzz_seconds"
    # An unoptimized build: a cold release build of the targets takes a quarter of an hour here.
    FUZZ_PROFILE=dev "$REPO/tests/fuzz/run.sh" "$fuzz_seconds" || status=1
fi
if [[ -n ${ENGINE_TEST_WRITE_REPORT:-} ]]; then
    phase "report: SECURITY.md"
    if ((status == 0 && $# == 0)); then
        "$REPO/tests/security/report.sh" "$ENGINE_TEST_REPORT_DIR"
    else
        log "  SECURITY.md not rewritten: it needs a full run (no arguments) that passed"
    fi
fi
exit "$status"
