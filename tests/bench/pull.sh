#!/usr/bin/env bash
# Pull benchmark: `sudo tests/bench/pull.sh`. Debian 12, as root. Not part of the test suite.
#
# Times a cold `engine pull` of a ~250 MB (uncompressed) six-layer image from a local plain-HTTP
# registry, as the unprivileged test user into a fresh store each run, next to rootless podman
# when it is installed, and next to what this machine can do on the same bytes (sha256 and
# gunzip throughput). Both unpack every layer during the pull (engine in its user namespace
# helper, as the bytes stream in), so the comparison is like for like.
#
# It reuses tests/setup/*.sh: the registry is started like the suite's, in a fresh world-readable
# $W=/tmp/engine-bench.XXXXXX that is stopped and removed on exit, pass or fail.
#
# Switches (environment):
#   ENGINE_BENCH_BIN=PATH    use this engine binary instead of `cargo build --release`
#   ENGINE_BENCH_RUNS=N      pulls per tool (default 3); the table shows median and min
#   ENGINE_BENCH_CACHE=DIR   where the generated image layout is kept between runs
#                            (default /var/tmp/engine-bench; keyed by make_image.py's hash)
#   ENGINE_BENCH_PODMAN=0    skip podman even if it is installed
#   ENGINE_BENCH_PERF=1      also profile one extra engine pull with perf and print the top symbols
#   ENGINE_BENCH_KEEP=1      keep $W for a post-mortem
#
# The machine may be shared: the load average before each run is printed, and the median of
# several runs (with the min next to it) is the figure to quote.
#
# Stores are removed after the last run, not between runs (remove_homes in bench_lib.sh says
# why: removing one run's store just before the next pull made run after run slower, engine 1.6,
# 5.6, 6.4 s, podman 8.6, 10.8, 13.0 s).
set -euo pipefail
export LC_ALL=C

# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

RUNS=$(bench_count ENGINE_BENCH_RUNS 3 1)
CACHE=${ENGINE_BENCH_CACHE:-/var/tmp/engine-bench}
require_root "it starts a registry and runs pulls as $TEST_USER"

# What the benchmark needs; install_packages (host.sh) installs whichever is missing.
# `time` is GNU time, for the peak RSS that bash's builtin cannot report.
TEST_PACKAGES=(docker-registry skopeo uidmap python3 time curl openssl gzip)
USE_PODMAN=$(podman_wanted)

bench_traps

# timed_pull TOOL RUN HOME CMD...: runs CMD as the user under GNU time, checks that it printed
# the image id, and appends "tool run wall rss_kib user sys load" to $W/runs.tsv.
timed_pull() {
    local tool=$1 run=$2 home=$3
    shift 3
    time_as_user "$tool" pull "$run" "$home" "$@"
    grep -qx "$IMAGE_ID" "$home/stdout" ||
        die "$tool pull (run $run) printed '$(head -c 200 "$home/stdout")', not the image id $IMAGE_ID"
    printf '%s\t%s\t%s\t%s\n' "$tool" "$run" "$(cat "$home/time.out")" "$LOAD" >>"$W/runs.tsv"
    log_timed "$tool" "$run" "$home"
}

bench_engine() {
    local run=$1 home
    home=$(new_home "engine-$run")
    timed_pull engine "$run" "$home" "$W/bin/engine" --root "$home/store" pull -q "$IMAGE"
    ENGINE_HOMES+=("$home")
}

bench_podman() {
    local run=$1 home
    home=$(new_home "podman-$run")
    podman_store "$home"
    # --events-backend none: podman would also log a pull event, which is not the work compared.
    timed_pull podman "$run" "$home" podman "${PODMAN_STORE[@]}" --events-backend none \
        pull -q --tls-verify=false "$IMAGE"
    PODMAN_HOMES+=("$home")
}

# best_of N FUNCTION: runs FUNCTION N times and prints the shortest wall time in seconds.
best_of() {
    local n=$1 fn=$2 i start best=""
    for ((i = 0; i < n; i++)); do
        start=$(now_us)
        "$fn"
        local took=$(($(now_us) - start))
        if [[ -z $best ]] || ((took < best)); then best=$took; fi
    done
    printf '%d.%06d\n' $((best / 1000000)) $((best % 1000000))
}

# The single-stream limits, on exactly the layer blobs the pulls transfer.
sha256_pass() { cat "${BLOBS[@]}" | sha256sum >/dev/null; }
openssl_sha256_pass() { cat "${BLOBS[@]}" | openssl dgst -sha256 >/dev/null; }
gunzip_pass() { cat "${BLOBS[@]}" | gzip -dc >/dev/null; }
# GNU gzip has its own, slower inflate; zlib (which podman's Go and engine's zlib-rs compete
# with) is the fairer bar. Python's zlib module is the C library.
zlib_pass() {
    /usr/bin/python3 -c 'import sys, zlib
for path in sys.argv[1:]:
    inflate = zlib.decompressobj(31)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            inflate.decompress(chunk)' "${BLOBS[@]}"
}
diff_id_pass() { cat "${BLOBS[@]}" | gzip -dc | sha256sum >/dev/null; }

measure_limits() {
    # Warm the page cache, as the registry's copy of the blobs is warm for the pulls.
    cat "${BLOBS[@]}" >/dev/null
    {
        printf 'sha256sum\t%s\tcoreutils sha256sum of the compressed blobs\n' "$(best_of 3 sha256_pass)"
        printf 'openssl sha256\t%s\topenssl dgst -sha256 (SHA-NI when the CPU has it)\n' "$(best_of 3 openssl_sha256_pass)"
        printf 'gunzip\t%s\tgzip -dc >/dev/null\n' "$(best_of 3 gunzip_pass)"
        printf 'zlib inflate\t%s\tpython3 zlib.decompressobj, the C zlib\n' "$(best_of 3 zlib_pass)"
        printf 'gunzip | sha256sum\t%s\tdiff_id pipeline: gzip -dc | sha256sum (2 processes)\n' "$(best_of 3 diff_id_pass)"
    } >"$W/limits.tsv"
}

# perf_table ARGS...: perf report's table without its comments and column padding.
perf_table() {
    perf report -i "$W/perf.data" --no-children --stdio -g none "$@" 2>/dev/null |
        grep -v -e '^#' -e '^$' | sed 's/[[:space:]-]*$//' | cut -c1-130
}

# perf_engine: one more engine pull under `perf record`, then the hottest symbols and threads.
perf_engine() {
    command -v perf >/dev/null || { log "  perf is not installed; skipping the profile"; return; }
    local home
    home=$(new_home engine-perf)
    user_prefix "$home"
    perf record -q -F 999 -g -o "$W/perf.data" -- "${AS_USER[@]}" "$W/bin/engine" --root "$home/store" pull -q "$IMAGE" >/dev/null 2>"$W/perf.log" ||
        { tail -n 20 "$W/perf.log" >&2; log "  perf record failed (above)"; return; }
    echo
    echo "perf: one engine pull, share of samples per thread name and hottest symbols (self time)"
    perf_table --sort comm
    perf_table --sort dso,symbol --percent-limit 1 | head -n 25
    rm -rf "$home"
}

phase "packages and user"
install_packages
ensure_test_user "$TEST_USER"

W=$(mktemp -d /tmp/engine-bench.XXXXXX)
chmod 0755 "$W"
mkdir -p "$W/bin" "$W/homes"
: >"$W/pids"
: >"$W/runs.tsv"
log "  work dir $W"

install_engine

phase "image: generate (or reuse) and push"
LAYOUT=$(image_layout)
IMAGE_ID=$(json_field "$LAYOUT.json" image_id)
mapfile -t BLOBS < <(/usr/bin/python3 -c 'import json, sys
for layer in json.load(open(sys.argv[1]))["layers"]:
    print(sys.argv[2] + "/blobs/sha256/" + layer["digest"].split(":", 1)[1])' "$LAYOUT.json" "$LAYOUT")
start_registry bench
REGISTRY="127.0.0.1:$REGISTRY_PORT"
IMAGE="$REGISTRY/bench/big:latest"
skopeo_quiet copy --dest-tls-verify=false "oci:$LAYOUT:latest" "docker://$IMAGE"

tools="engine"
if ((USE_PODMAN)); then tools+=" and podman"; fi
phase "pulls: $RUNS each of $tools, $(nproc) CPUs"
for ((run = 1; run <= RUNS; run++)); do
    # Interleaved, so a burst of load from other jobs hits both tools alike.
    bench_engine "$run"
    if ((USE_PODMAN)); then bench_podman "$run"; fi
done
remove_homes

phase "machine limits"
measure_limits

end_phase
echo
echo "engine pull benchmark: $IMAGE as $TEST_USER, fresh store per run, $(nproc) CPUs, load now $(cut -d' ' -f1-3 /proc/loadavg)"
echo "NOTE: both engine and podman unpack every layer during the pull."
/usr/bin/python3 "$BENCH/summarize.py" "$LAYOUT.json" "$W/runs.tsv" "$W/limits.tsv"

if [[ -n ${ENGINE_BENCH_PERF:-} ]]; then
    phase "perf"
    perf_engine
fi
