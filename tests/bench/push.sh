#!/usr/bin/env bash
# Push benchmark: `sudo tests/bench/push.sh`. Debian 12, as root. Not part of the test suite.
#
# Times `engine push` of the ~250 MB (uncompressed) six-layer image of make_image.py from the
# local store to a local plain-HTTP registry, as the unprivileged test user, next to rootless
# podman when it is installed. Each tool first pulls the image (untimed) from a "source"
# registry into a fresh store, then pushes it to a repository of a second, "target" registry:
# a different host, so neither tool can mount or skip a blob, and both reproduce every layer
# from their store, gzip it and upload it (the work `push` of a built image does). The stores
# are removed after the last run (remove_homes in bench_lib.sh says why).
#
# Switches (environment), as for pull.sh:
#   ENGINE_BENCH_BIN=PATH    use this engine binary instead of `cargo build --release`
#   ENGINE_BENCH_RUNS=N      pushes per tool (default 3); the table shows median and min
#   ENGINE_BENCH_CACHE=DIR   where the generated image layout is kept (default /var/tmp/engine-bench)
#   ENGINE_BENCH_PODMAN=0    skip podman even if it is installed
#   ENGINE_BENCH_KEEP=1      keep $W for a post-mortem
#   ENGINE_BENCH_PUSH_FLAGS  extra flags for engine's push, e.g. "--compression-level 1"; the
#                            table's "pushed MB" column shows what they cost in size
set -euo pipefail
export LC_ALL=C

# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

RUNS=$(bench_count ENGINE_BENCH_RUNS 3 1)
CACHE=${ENGINE_BENCH_CACHE:-/var/tmp/engine-bench}
require_root "it starts registries and runs pushes as $TEST_USER"

TEST_PACKAGES=(docker-registry skopeo uidmap python3 time curl openssl gzip)
USE_PODMAN=$(podman_wanted)

bench_traps

# timed_push TOOL RUN HOME TARGET CMD...: runs CMD as the user under GNU time, checks that the
# target registry then serves TARGET's manifest, and appends "tool run wall rss_kib user sys
# load pushed_bytes" to $W/runs.tsv (pushed_bytes: the layers' compressed sizes, summed, so
# the table shows whether a tool wins by compressing less).
timed_push() {
    local tool=$1 run=$2 home=$3 target=$4
    shift 4
    time_as_user "$tool" push "$run" "$home" "$@"
    local repo=${target#*/} tag=${target##*:}
    repo=${repo%:*}
    curl -fsS --noproxy '*' -H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
        -o "$home/manifest.json" "http://$TARGET_REGISTRY/v2/$repo/manifests/$tag" ||
        die "$tool push (run $run) succeeded but $target is not in the registry"
    local pushed
    pushed=$(/usr/bin/python3 -c 'import json, sys
print(sum(layer["size"] for layer in json.load(open(sys.argv[1]))["layers"]))' "$home/manifest.json")
    printf '%s\t%s\t%s\t%s\t%s\n' "$tool" "$run" "$(cat "$home/time.out")" "$LOAD" "$pushed" >>"$W/runs.tsv"
    log_timed "$tool" "$run" "$home"
}

bench_engine() {
    local run=$1 home target
    home=$(new_home "engine-$run")
    as_user "$home" "$W/bin/engine" --root "$home/store" pull -q "$IMAGE" >/dev/null
    target="$TARGET_REGISTRY/bench/engine-$run:latest"
    local flags
    read -ra flags <<<"${ENGINE_BENCH_PUSH_FLAGS:-}"
    timed_push engine "$run" "$home" "$target" "$W/bin/engine" --root "$home/store" \
        push -q --tls-verify=false "${flags[@]}" "$IMAGE" "$target"
    ENGINE_HOMES+=("$home")
}

bench_podman() {
    local run=$1 home target
    home=$(new_home "podman-$run")
    podman_store "$home"
    as_user "$home" podman "${PODMAN_STORE[@]}" --events-backend none pull -q --tls-verify=false "$IMAGE" >/dev/null
    target="$TARGET_REGISTRY/bench/podman-$run:latest"
    timed_push podman "$run" "$home" "$target" podman "${PODMAN_STORE[@]}" --events-backend none \
        push -q --tls-verify=false "$IMAGE" "$target"
    PODMAN_HOMES+=("$home")
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

phase "image: generate (or reuse) and push to the source registry"
LAYOUT=$(image_layout)
start_registry source
REGISTRY="127.0.0.1:$REGISTRY_PORT"
IMAGE="$REGISTRY/bench/big:latest"
skopeo_quiet copy --dest-tls-verify=false "oci:$LAYOUT:latest" "docker://$IMAGE"
start_registry target
TARGET_REGISTRY="127.0.0.1:$REGISTRY_PORT"
# new_home marks $REGISTRY insecure; the target is reached with --tls-verify=false.

tools="engine"
if ((USE_PODMAN)); then tools+=" and podman"; fi
phase "pushes: $RUNS each of $tools, $(nproc) CPUs"
for ((run = 1; run <= RUNS; run++)); do
    bench_engine "$run"
    if ((USE_PODMAN)); then bench_podman "$run"; fi
done
remove_homes

end_phase
echo
echo "engine push benchmark: $IMAGE pushed to $TARGET_REGISTRY as $TEST_USER, fresh store per run, $(nproc) CPUs, load now $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$LAYOUT.json" "$W/runs.tsv" <<'PY'
import json, statistics, sys
from collections import defaultdict
image = json.load(open(sys.argv[1]))
runs = defaultdict(list)
for line in open(sys.argv[2]):
    tool, _run, wall, rss, user, system, _load, pushed = line.rstrip("\n").split("\t")
    runs[tool].append((float(wall), int(rss), float(user) + float(system), int(pushed)))
mb = image["uncompressed"] / 1e6
print(f"image: {len(image['layers'])} layers, {mb:.1f} MB uncompressed")
print(f"{'tool':<8} {'runs':>4} {'median s':>9} {'min s':>7} {'MB/s':>7} {'CPU s':>6} {'peak RSS':>9} {'pushed MB':>10}")
medians = {}
for tool, samples in runs.items():
    walls = [w for w, _, _, _ in samples]
    medians[tool] = statistics.median(walls)
    cpu = statistics.median(c for _, _, c, _ in samples)
    rss = max(r for _, r, _, _ in samples) / 1024
    pushed = max(p for _, _, _, p in samples) / 1e6
    print(f"{tool:<8} {len(walls):>4} {medians[tool]:>9.2f} {min(walls):>7.2f} {mb / medians[tool]:>7.1f} {cpu:>6.2f} {rss:>7.0f} MiB {pushed:>10.1f}")
if "podman" in medians:
    print(f"engine / podman median wall time: {medians['engine'] / medians['podman']:.2f} (target: at most 0.50)")
PY
