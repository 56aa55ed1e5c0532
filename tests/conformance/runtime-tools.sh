#!/usr/bin/env bash
# The OCI runtime-tools validation suite, built offline from Debian's packages and run against
# any runc-compatible runtime.
#
#   runtime-tools.sh build                    build the suite into the cache (exit 3: cannot)
#   runtime-tools.sh run NAME CMD [ARG...]    run it against the runtime command CMD ARG...
#
# `run` invokes `CMD ARG... --root STATE create|start|state|kill|delete ...` (so `crun`, `runc`
# and `/path/engine oci` all work), prints every test's TAP stream under a `# test: NAME` line,
# then `NAME: passed N of M (S skipped)` (see `checks` for what a check is). TESTS="a b" limits the run to those tests; JOBS (default 3) runs that
# many tests at once; RTOOLS_CACHE (default /var/cache/engine-runtime-tools) holds the build.
#
# Where the suite comes from: Debian's golang-github-opencontainers-runtime-tools-dev leaves
# out validation/, so the source package (from the trixie archive, through a private apt
# configuration that leaves the system's untouched) supplies it, Debian's golang-* packages
# supply the libraries (GO111MODULE=off, GOPATH=/usr/share/gocode), and tap/ here stands in for
# github.com/mndrix/tap-go, which Debian does not package. Nothing else is downloaded.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${RTOOLS_CACHE:-/var/cache/engine-runtime-tools}
SOURCE_PACKAGE=golang-github-opencontainers-runtime-tools
BUILD_PACKAGES=(golang-go golang-github-opencontainers-runtime-tools-dev golang-github-google-uuid-dev xz-utils)
IMPORT=github.com/opencontainers/runtime-tools

log() { printf '%s\n' "$*" >&2; }
cannot_build() {
    log "runtime-tools.sh: cannot build the suite: $*"
    exit 3
}

install_build_packages() {
    local missing=() pkg
    for pkg in "${BUILD_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    ((${#missing[@]} == 0)) && return
    ((EUID == 0)) || cannot_build "packages ${missing[*]} are missing; install them as root"
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || {
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    } || cannot_build "apt-get install ${missing[*]} failed"
}

# fetch_source DIR: the upstream tarball of the source package, unpacked into DIR.
fetch_source() {
    local dir=$1 apt=$CACHE/apt tarball
    mkdir -p "$apt/lists/partial" "$apt/archives"
    # bookworm's source package is not on the mirror; trixie's is the same suite, newer.
    echo "deb-src http://deb.debian.org/debian trixie main" >"$apt/sources.list"
    local options=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/nonexistent
        -o "Dir::State::Lists=$apt/lists" -o APT::Sandbox::User=root)
    apt-get "${options[@]}" -qq update >/dev/null || cannot_build "apt-get update of the deb-src list failed"
    # The .dsc may be missing from the mirror; apt still verifies the tarball's checksum.
    (cd "$apt/archives" && apt-get "${options[@]}" -qq source --download-only "$SOURCE_PACKAGE" >/dev/null 2>&1) || true
    tarball=$(ls "$apt/archives/${SOURCE_PACKAGE}_"*.orig.tar.* 2>/dev/null | sort -V | tail -1)
    [[ -n $tarball ]] || cannot_build "apt-get source $SOURCE_PACKAGE fetched no upstream tarball"
    mkdir -p "$dir"
    tar -xf "$tarball" -C "$dir" --strip-components=1
    [[ -d $dir/validation ]] || cannot_build "$tarball has no validation/ directory"
    basename "$tarball" >"$CACHE/source-version"
}

build() {
    local stamp=$CACHE/bin/.built tapsum
    tapsum=$(cat "$HERE/tap/tap.go" "$0" | sha256sum | cut -c1-16)
    if [[ -f $stamp && $(cat "$stamp") == "$tapsum" ]]; then return; fi
    command -v dpkg-query >/dev/null || cannot_build "not a Debian system (no dpkg-query)"
    install_build_packages
    mkdir -p "$CACHE" || cannot_build "cannot create $CACHE"
    local gopath=$CACHE/gopath
    rm -rf "$gopath" "$CACHE/bin"
    [[ -d $CACHE/source/validation ]] || { rm -rf "$CACHE/source" && fetch_source "$CACHE/source"; }
    mkdir -p "$gopath/src/github.com/opencontainers" "$gopath/src/github.com/mndrix" "$CACHE/bin"
    ln -s "$CACHE/source" "$gopath/src/$IMPORT"
    cp -r "$HERE/tap" "$gopath/src/github.com/mndrix/tap-go"
    log "building the validation suite ($(cat "$CACHE/source-version"))"
    (
        cd "$gopath/src/$IMPORT"
        export GO111MODULE=off GOPATH=$gopath:/usr/share/gocode GOPROXY=off GOFLAGS= GOCACHE=$CACHE/gocache
        # runtimetest runs inside the test containers' busybox root: it must be static.
        CGO_ENABLED=0 go build -tags "netgo osusergo" -o "$CACHE/bin/runtimetest" ./cmd/runtimetest
        go build -o "$CACHE/bin/" ./validation/...
    ) >&2 || cannot_build "go build failed (see above)"
    cp "$CACHE/source/rootfs-$(go env GOARCH).tar.gz" "$CACHE/bin/"
    echo "$tapsum" >"$stamp"
}

tests() {
    local t
    if [[ -n ${TESTS:-} ]]; then
        printf '%s\n' $TESTS
        return
    fi
    for t in "$CACHE"/bin/*; do
        if [[ -x $t && $(basename "$t") != runtimetest ]]; then basename "$t"; fi
    done
}

# run_one TEST WORK: runs one validation binary with RUNTIME set: its TAP in WORK/TEST.tap,
# stderr in .err, exit status in .rc, time in .ms.
run_one() {
    local test=$1 work=$2 started rc=0
    started=$(date +%s%N)
    # The suite makes its bundles under TMPDIR and reads rootfs-*.tar.gz and runtimetest
    # from the current directory.
    (cd "$CACHE/bin" && TMPDIR=$work/tmp RUNTIME=$work/runtime \
        timeout --kill-after=5 "${RTOOLS_TIMEOUT:-60}" "./$test") >"$work/$test.tap" 2>"$work/$test.err" || rc=$?
    echo "$rc" >"$work/$test.rc"
    echo $((($(date +%s%N) - started) / 1000000)) >"$work/$test.ms"
}

# retry_failed WORK: runs each test with a failed check once more, one at a time, and keeps the
# run that passed more. Some checks race the runtime (killsig signals a shell that may not have
# set its trap yet): a second chance, the same for every runtime, keeps them from deciding.
retry_failed() {
    local work=$1 test again=$1/again
    mkdir -p "$again/tmp"
    for test in $(tests); do
        checks "$test" "$work" | grep -q '^not ok' || continue
        run_one "$test" "$again"
        if (($(passes "$test" "$again") > $(passes "$test" "$work"))); then
            cp "$again/$test".* "$work/"
        fi
    done
}

passes() {
    checks "$1" "$2" | grep -cE '^ok( [0-9]+)? -' || true
}

# cleanup WORK CMD...: deletes the containers and unmounts what the run left behind.
cleanup() {
    local work=$1 id mnt
    shift
    for id in $("$work/runtime" list -q 2>/dev/null); do
        "$work/runtime" delete --force "$id" >/dev/null 2>&1 || true
    done
    for mnt in $(findmnt -rn -o TARGET | grep "^$work/" | sort -r || true); do
        umount -l "$mnt" 2>/dev/null || true
    done
    rm -rf "$work/tmp" "$work/again/tmp" "$work/state" 2>/dev/null || true
}

# The checks of one test: its TAP points, plus a failed one when it exited non-zero (the suite's
# Fatal, after the points of the container it ran). A test without points (the life-cycle
# ones report only errors, the *_fail ones only a runtime that did not fail) is one check:
# passed when it exited 0 without an "error" diagnostic.
checks() {
    local test=$1 work=$2 rc points why
    rc=$(cat "$work/$test.rc")
    points=$(grep -E '^(not )?ok [0-9]+' "$work/$test.tap" || true)
    why=$(tr '\n' ' ' <"$work/$test.err" | cut -c1-300)
    if [[ -n $points ]]; then
        echo "$points"
        if ((rc != 0)); then echo "not ok - $test exited with status $rc: $why"; fi
    elif ((rc == 0)) && ! grep -q '"error"' "$work/$test.tap"; then
        echo "ok - $test completed"
    else
        echo "not ok - $test failed (status $rc): $why $(grep -A3 '"error"' "$work/$test.tap" | tr '\n' ' ' | cut -c1-300)"
    fi
}

report() {
    local name=$1 work=$2 test passed=0 total=0 skipped=0 lines
    for test in $(tests); do
        echo "# test: $test ($(cat "$work/$test.ms") ms)"
        lines=$(checks "$test" "$work")
        echo "$lines"
        total=$((total + $(grep -c . <<<"$lines")))
        passed=$((passed + $(grep -cE '^ok( [0-9]+)? -' <<<"$lines" || true)))
        skipped=$((skipped + $(grep -cE '^ok [0-9]+ # SKIP' <<<"$lines" || true)))
    done
    echo "$name: passed $passed of $total ($skipped skipped)"
}

run() {
    (($# >= 2)) || { log "usage: runtime-tools.sh run NAME CMD [ARG...]"; exit 2; }
    local name=$1
    shift
    build
    local work
    work=$(mktemp -d "${TMPDIR:-/tmp}/runtime-tools.$name.XXXXXX")
    chmod 755 "$work"
    mkdir -p "$work/tmp" "$work/state"
    printf '#!/bin/sh\nexec' >"$work/runtime"
    printf ' %q' "$@" --root "$work/state" >>"$work/runtime"
    printf ' "$@"\n' >>"$work/runtime"
    chmod 755 "$work/runtime"
    mkdir -p "$work/again" && ln -s ../runtime "$work/again/runtime"
    export CACHE work
    export -f run_one
    # The cgroup tests share cgroup paths (/cgrouptest): they run one at a time, after the rest.
    local serial='cgroup|resources'
    { tests | grep -vE "$serial" || true; } | xargs -P "${JOBS:-3}" -I{} bash -c 'run_one "$1" "$work"' _ {}
    { tests | grep -E "$serial" || true; } | xargs -P 1 -I{} bash -c 'run_one "$1" "$work"' _ {}
    retry_failed "$work"
    cleanup "$work"
    report "$name" "$work"
    [[ -n ${RTOOLS_KEEP:-} ]] || rm -rf "$work"
}

case ${1:-} in
    build) build ;;
    run) shift && run "$@" ;;
    *) log "usage: runtime-tools.sh build | run NAME CMD [ARG...]" && exit 2 ;;
esac
