# shellcheck shell=bash
# Helpers shared by the benchmarks in tests/bench/. Each script starts with
#   source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
# which loads the test harness's setup functions (tests/setup/*.sh: log/die/phase, packages,
# registry, images) and sets REPO (the checkout), BENCH ($REPO/tests/bench) and TEST_USER.
#
# The caller then sets W (its fresh world-readable work dir, with $W/homes and $W/bin), and
# before new_home, REGISTRY (127.0.0.1:PORT, plain HTTP); before image_layout, CACHE.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH="$REPO/tests/bench"
TEST_USER=enginetest
# shellcheck source-path=SCRIPTDIR/../..
source "$REPO/tests/setup/common.sh"
source "$REPO/tests/setup/host.sh"
source "$REPO/tests/setup/registry.sh"
source "$REPO/tests/setup/images.sh"

# The harness's helpers log as tests/run.sh; say which benchmark is talking.
log() { printf '[tests/bench/%s] %s\n' "$(basename "$0")" "$*" >&2; }

# bench_count NAME DEFAULT [MIN]: the whole number in environment variable NAME (DEFAULT when
# unset), at least MIN (default 0); dies naming the variable otherwise.
bench_count() {
    local name=$1 value=${!1:-$2} min=${3:-0}
    if [[ ! $value =~ ^[0-9]+$ ]] || ((value < min)); then
        die "$name must be a whole number of at least $min, not '$value'"
    fi
    echo "$value"
}

# podman_wanted: 1 when podman is installed and ENGINE_BENCH_PODMAN is not 0, else 0.
podman_wanted() {
    if [[ ${ENGINE_BENCH_PODMAN:-1} != 0 ]] && command -v podman >/dev/null; then echo 1; else echo 0; fi
}

# require_root WHAT: dies unless run as root, saying why root is needed.
require_root() {
    ((EUID == 0)) || die "run as root ($1): sudo $0"
}

# install_engine: $W/bin/engine from $ENGINE_BENCH_BIN, or from a fresh release build. A copy,
# because the checkout may be unreadable to the test user.
install_engine() {
    if [[ -n ${ENGINE_BENCH_BIN:-} ]]; then
        phase "build: using $ENGINE_BENCH_BIN"
        install -m 0755 "$ENGINE_BENCH_BIN" "$W/bin/engine"
    else
        phase "build: cargo build --release"
        find_cargo "install Rust with rustup, or set ENGINE_BENCH_BIN=PATH"
        (cd "$REPO" && cargo build --release --locked)
        install -m 0755 "${CARGO_TARGET_DIR:-$REPO/target}/release/engine" "$W/bin/engine"
    fi
}

# new_home NAME: a fresh home for the test user, as its login would have it: XDG dirs,
# XDG_RUNTIME_DIR mode 0700, a registries.conf marking the registry insecure (plain HTTP) and a
# policy.json accepting anything. Prints its path. Keep NAME short: podman refuses a runroot
# longer than 50 characters, and its runroot goes below the home.
new_home() {
    local home="$W/homes/$1"
    rm -rf "$home"
    mkdir -p "$home"/{.config/containers,.local/share,.cache,run}
    cat >"$home/.config/containers/registries.conf" <<EOF
[[registry]]
location = "$REGISTRY"
insecure = true
EOF
    echo '{"default": [{"type": "insecureAcceptAnything"}]}' >"$home/.config/containers/policy.json"
    chown -R "$TEST_USER:" "$home"
    chmod 0700 "$home/run"
    echo "$home"
}

# user_env HOME: sets USER_ENV to the environment of the test user's login in HOME (for
# runuser below, and for strace -u, which switches users itself).
user_env() {
    local home=$1
    USER_ENV=(HOME="$home" USER="$TEST_USER" LOGNAME="$TEST_USER" PATH=/usr/sbin:/usr/bin:/sbin:/bin
        XDG_CONFIG_HOME="$home/.config" XDG_DATA_HOME="$home/.local/share"
        XDG_CACHE_HOME="$home/.cache" XDG_RUNTIME_DIR="$home/run")
}

# user_prefix HOME: sets AS_USER to the command prefix that runs a program as the test user in
# HOME, with only a login's environment (an array, so perf can exec it too).
user_prefix() {
    user_env "$1"
    AS_USER=(runuser -u "$TEST_USER" -- env -i -C "$1" "${USER_ENV[@]}")
}

# as_user HOME CMD...: CMD as the test user in HOME.
as_user() {
    user_prefix "$1"
    shift
    "${AS_USER[@]}" "$@"
}

# time_as_user TOOL WHAT RUN HOME CMD...: CMD as the test user in HOME under GNU time (wall s,
# peak RSS KiB, user s, sys s to HOME/time.out; its output to HOME/stdout and HOME/stderr), after
# setting LOAD to the load average; dies with the end of stderr when CMD fails.
time_as_user() {
    local tool=$1 what=$2 run=$3 home=$4
    shift 4
    LOAD=$(cut -d' ' -f1 /proc/loadavg)
    if ! as_user "$home" /usr/bin/time -o "$home/time.out" -f '%e\t%M\t%U\t%S' "$@" \
        >"$home/stdout" 2>"$home/stderr"; then
        tail -n 20 "$home/stderr" >&2
        die "$tool $what (run $run) failed: $* (stderr above)"
    fi
}

# log_timed TOOL RUN HOME: one line on the run time_as_user measured.
log_timed() {
    local time_out="$3/time.out"
    log "  $1 run $2: $(cut -f1 "$time_out") s, peak RSS $(($(cut -f2 "$time_out") / 1024)) MiB (load before: $LOAD)"
}

# podman_store HOME: sets PODMAN_STORE to the storage flags that keep podman's store in HOME.
# Podman refuses a runroot longer than 50 characters: keep it short.
podman_store() {
    PODMAN_STORE=(--root "$1/storage" --runroot "$1/r" --storage-driver overlay)
}

# Rootless podman starts a "pause" process (catatonit) per XDG_RUNTIME_DIR to keep its user
# namespace; `system reset` stops it, this is the safety net. Only pids recorded in our homes,
# and only if they still are catatonit (the test user may run other jobs' processes).
stop_podman_pause_processes() {
    local file pid
    for file in "$W"/homes/*/run/libpod/tmp/pause.pid; do
        [[ -f $file ]] || continue
        pid=$(cat "$file")
        if [[ $pid =~ ^[0-9]+$ && $(cat "/proc/$pid/comm" 2>/dev/null) == catatonit ]]; then
            kill "$pid" 2>/dev/null || true
        fi
    done
}

# podman_reset HOME: removes podman's store in HOME. The unpacked layers may hold files owned by
# subordinate ids, and the overlay dir stays mounted in the pause process's namespace (a plain
# `podman unshare rm -rf` gets EBUSY): `system reset` unmounts, removes the store as the user,
# and stops the pause process.
podman_reset() {
    local home=$1
    podman_store "$home"
    as_user "$home" podman "${PODMAN_STORE[@]}" system reset -f >>"$W/podman-reset.log" 2>&1 ||
        log "  podman system reset failed (see $W/podman-reset.log); removing as root"
    stop_podman_pause_processes
}

# remove_homes: removes the homes (and stores) of ENGINE_HOMES and PODMAN_HOMES, once every
# run is timed. Not between runs: ext4 without a journal (this machine's root; with one, the
# check is skipped) passes over inodes freed in the last minute (five, while their inode table
# block is still dirty) when it allocates new ones, reading each one's block, so a pull right
# after removing the previous run's 250 MB tree spent most of its time in ext4's inode
# allocator, and the writeback of a removal competes with the next run. Either way the
# benchmark would measure its own clean-up; for the same reason, start a pull benchmark a few
# minutes after any test or benchmark run removed its files.
ENGINE_HOMES=()
PODMAN_HOMES=()
remove_homes() {
    local home
    for home in "${PODMAN_HOMES[@]}"; do
        podman_reset "$home"
        rm -rf "$home"
    done
    for home in "${ENGINE_HOMES[@]}"; do
        rm -rf "$home" 2>/dev/null || log "  could not remove $home entirely"
    done
    ENGINE_HOMES=()
    PODMAN_HOMES=()
}

# image_layout: prints the path of the ~250 MB OCI layout make_image.py generates, generating
# it on a cache miss. The key is make_image.py's hash, so editing the generator regenerates;
# stale ones are removed. pull.sh keeps the same layout in the same $CACHE.
image_layout() {
    local key dir
    key=$(sha256sum "$BENCH/make_image.py" | cut -c1-12)
    dir="$CACHE/big-$key"
    if [[ ! -f $dir.json || ! -f $dir/index.json ]]; then
        log "  generating the image into $dir (once per generator version, ~30 s)"
        mkdir -p "$CACHE"
        chmod 0700 "$CACHE"
        find "$CACHE" -mindepth 1 -maxdepth 1 -name 'big-*' -exec rm -rf {} +
        /usr/bin/python3 "$BENCH/make_image.py" "$dir.tmp" >"$dir.json.tmp"
        mv "$dir.tmp" "$dir"
        mv "$dir.json.tmp" "$dir.json"
    else
        log "  using the cached image $dir"
    fi
    echo "$dir"
}

# json_field FILE KEY: a top-level string of a JSON file.
json_field() {
    /usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

# bench_cleanup: the benchmarks' EXIT trap: stops the registries and podman's leftovers, removes
# $W unless ENGINE_BENCH_KEEP is set, and reports how the run ended.
# shellcheck disable=SC2317 # invoked by the EXIT trap
bench_cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n ${W:-} && -d $W ]]; then
        stop_registries
        stop_podman_pause_processes
        if [[ -n ${ENGINE_BENCH_KEEP:-} ]]; then
            log "kept $W (ENGINE_BENCH_KEEP is set)"
        else
            rm -rf "$W" || log "could not remove $W"
        fi
    fi
    end_phase
    log "finished with status $status after $(seconds_since "$RUN_STARTED")"
    exit "$status"
}

# bench_traps: cleans up on exit, and exits (running the cleanup) on ^C or TERM.
bench_traps() {
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}
