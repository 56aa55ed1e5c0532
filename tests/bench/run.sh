#!/usr/bin/env bash
# Container start benchmark: `sudo tests/bench/run.sh`. Debian 12, as root. Not part of the test suite.
#
# Times `engine run --rm --network none IMAGE true` with the image already in the store, as the
# unprivileged test user in a fresh home, next to rootless `podman run` of the same image (when
# podman is installed) and next to the floor: `crun run` of a prepared bundle (crun's rootless
# spec, a plain busybox rootfs directory, no overlay, no image store), once with only the user's
# own id mapped (no newuidmap) and once with the subordinate ids engine maps. Then cold pulls,
# unpacking included, of the ~250 MB image make_image.py generates, engine next to podman.
# Prints medians, p90, peak RSS, and the targets: engine run <= 1/5 of podman's, <= 2x the crun
# floor, peak RSS < 20 MiB; engine pull <= 1/2 of podman's.
#
# IMAGE is the suite's busybox fixture (tests/fixtures/build_images.py), pushed to a local
# plain-HTTP registry started like the suite's (tests/setup/*.sh) in a fresh world-readable
# $W=/tmp/engine-bench-run.XXXXXX that is stopped and removed on exit, pass or fail.
#
# Switches (environment):
#   ENGINE_BENCH_BIN=PATH       use this engine binary instead of `cargo build --release`
#   ENGINE_BENCH_WARMUPS=N      untimed warm-up runs per tool first (default 3)
#   ENGINE_BENCH_RUNS=N         timed runs per tool (default 20)
#   ENGINE_BENCH_RSS_RUNS=N     runs per tool under GNU time, for the peak RSS (default 3)
#   ENGINE_BENCH_PULL_RUNS=N    cold pulls per tool (default 3, so the median passes over a
#                               first pull slowed by files removed just before, see
#                               remove_homes; 0 skips the pulls, about a minute;
#                               tests/bench/pull.sh has the throughput details)
#   ENGINE_BENCH_CACHE=DIR      where the generated pull image is kept between runs, shared
#                               with pull.sh (default /var/tmp/engine-bench)
#   ENGINE_BENCH_PODMAN=0       skip podman even if it is installed
#   ENGINE_BENCH_PROFILE=1      then profile engine run: strace -c of one run, a timeline of its
#                               processes, namespaces and pivot_root (perf sched tracepoints),
#                               and its CPU time per process and syscall over 10 runs (perf)
#   ENGINE_BENCH_KEEP=1         keep $W for a post-mortem
#
# The machine may be shared: runs are interleaved (each round runs every tool once), the load
# average is recorded, and the median is the figure to quote.
set -euo pipefail
export LC_ALL=C

# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

RUNS=$(bench_count ENGINE_BENCH_RUNS 20 1)
WARMUPS=$(bench_count ENGINE_BENCH_WARMUPS 3)
RSS_RUNS=$(bench_count ENGINE_BENCH_RSS_RUNS 3)
PULL_RUNS=$(bench_count ENGINE_BENCH_PULL_RUNS 3)
CACHE=${ENGINE_BENCH_CACHE:-/var/tmp/engine-bench}
require_root "it starts a registry and runs containers as $TEST_USER"

# What the benchmark needs; install_packages (host.sh) installs whichever is missing.
# busybox-static: the fixture image and the floor's rootfs are made of /bin/busybox; `time` is
# GNU time, for the peak RSS (see repeat.py).
TEST_PACKAGES=(docker-registry skopeo uidmap python3 busybox-static crun time curl openssl)
USE_PODMAN=$(podman_wanted)

bench_traps

# layout_image_id DIR: the image id (config digest, hex) of the `latest` tag of an OCI layout,
# which `pull -q` prints.
layout_image_id() {
    /usr/bin/python3 -c 'import json, sys
blobs = sys.argv[1] + "/blobs/sha256/"
index = json.load(open(sys.argv[1] + "/index.json"))
manifest = json.load(open(blobs + index["manifests"][0]["digest"].split(":", 1)[1]))
print(manifest["config"]["digest"].split(":", 1)[1])' "$1"
}

# pull_into HOME TOOL IMAGE ID: an untimed pull of IMAGE into TOOL's store in HOME, checked.
pull_into() {
    local home=$1 tool=$2 image=$3 id=$4 out
    if [[ $tool == engine ]]; then
        out=$(as_user "$home" "$W/bin/engine" pull -q "$image" 2>"$W/pull.err") ||
            { cat "$W/pull.err" >&2; die "engine pull $image failed (above)"; }
    else
        podman_store "$home"
        out=$(as_user "$home" podman "${PODMAN_STORE[@]}" pull -q --tls-verify=false "$image" 2>"$W/pull.err") ||
            { cat "$W/pull.err" >&2; die "podman pull $image failed (above)"; }
    fi
    [[ $out == "$id" ]] || die "$tool pull $image printed '$out', not the image id $id"
}

# crun_bundle HOME NAME [--map ...]: HOME/NAME, a bundle whose rootfs is /bin/busybox and its
# sh and true links, config.json from `crun spec --rootless` (as the user: the spec depends on
# who asks) turned into the floor container by crun_bundle.py.
crun_bundle() {
    local home=$1 dir="$1/$2"
    shift 2
    mkdir -p "$dir/rootfs/bin"
    cp /bin/busybox "$dir/rootfs/bin/busybox"
    ln -s busybox "$dir/rootfs/bin/sh"
    ln -s busybox "$dir/rootfs/bin/true"
    chown -R "$TEST_USER:" "$dir"
    as_user "$home" crun spec --rootless --bundle "$dir"
    /usr/bin/python3 "$BENCH/crun_bundle.py" "$dir/config.json" "$@"
}

# subid_map: crun_bundle.py's --map arguments, the test user's ids and first subordinate ranges.
subid_map() {
    local uid gid subuid subgid
    uid=$(id -u "$TEST_USER")
    gid=$(id -g "$TEST_USER")
    subuid=$(awk -F: -v u="$TEST_USER" '$1 == u { print $2, $3; exit }' /etc/subuid)
    subgid=$(awk -F: -v u="$TEST_USER" '$1 == u { print $2, $3; exit }' /etc/subgid)
    [[ -n $subuid && -n $subgid ]] || die "$TEST_USER has no range in /etc/subuid or /etc/subgid"
    # shellcheck disable=SC2086 # "START COUNT", split on purpose
    echo --map "$uid" "$gid" $subuid $subgid
}

# repeat_as_user HOME PLAN WARMUPS RUNS RSS_RUNS: repeat.py as the test user; its rows go to
# $W/runs.tsv.
repeat_as_user() {
    local home=$1 plan=$2 warmups=$3 runs=$4 rss_runs=$5
    as_user "$home" mkdir -p "$home/logs"
    as_user "$home" /usr/bin/python3 "$W/bin/repeat.py" --plan "$plan" --out "$home/runs.tsv" \
        --logs "$home/logs" --warmups "$warmups" --runs "$runs" --rss-runs "$rss_runs" ||
        die "timing $plan failed (above)"
    cat "$home/runs.tsv" >>"$W/runs.tsv"
    rm -f "$home/runs.tsv"
}

# plan_line LABEL ARGV...: one line of a repeat.py plan.
plan_line() {
    local IFS=$'\t'
    printf '%s\n' "$*"
}

bench_pulls() {
    local layout id image run home
    layout=$(image_layout)
    id=$(json_field "$layout.json" image_id)
    image="$REGISTRY/bench/big:latest"
    skopeo_quiet copy --dest-tls-verify=false "oci:$layout:latest" "docker://$image"
    for ((run = 1; run <= PULL_RUNS; run++)); do
        # Interleaved, so a burst of load from other jobs hits both tools alike.
        home=$(new_home "pe$run")
        plan_line engine-pull "$W/bin/engine" pull -q "$image" >"$W/plan-pull"
        repeat_as_user "$home" "$W/plan-pull" 0 0 1
        grep -qx "$id" "$home/logs/engine-pull.log" || die "engine pull printed no image id $id"
        log "  engine pull $run: $(printf '%.2f' "$(tail -n 1 "$W/runs.tsv" | cut -f4)") s"
        ENGINE_HOMES+=("$home")
        if ((USE_PODMAN)); then
            home=$(new_home "pp$run")
            podman_store "$home"
            plan_line podman-pull podman "${PODMAN_STORE[@]}" pull -q --tls-verify=false "$image" >"$W/plan-pull"
            repeat_as_user "$home" "$W/plan-pull" 0 0 1
            grep -qx "$id" "$home/logs/podman-pull.log" || die "podman pull printed no image id $id"
            log "  podman pull $run: $(printf '%.2f' "$(tail -n 1 "$W/runs.tsv" | cut -f4)") s"
            PODMAN_HOMES+=("$home")
        fi
    done
    remove_homes
}

# profile_engine HOME: where engine run's time goes (ENGINE_BENCH_PROFILE=1).
profile_engine() {
    local home=$1
    local run=("$W/bin/engine" run --rm --network none "$IMAGE" true)
    user_env "$home"
    if command -v strace >/dev/null; then
        echo
        echo "strace -f -c of one engine run (wall time in syscalls; wait4 is waiting for children):"
        # strace runs as root and switches to the user itself (-u): traced by the user, the
        # setuid newuidmap would run without its privilege and fail.
        strace -f -c -o "$W/strace.txt" -u "$TEST_USER" env -i -C "$home" "${USER_ENV[@]}" "${run[@]}"
        head -n 22 "$W/strace.txt"
    fi
    command -v perf >/dev/null || { log "  perf is not installed; no timeline nor profile"; return; }
    user_prefix "$home"
    echo
    echo "timeline of one engine run, ms since runuser started (perf sched tracepoints; the exec"
    echo "of the setuid newuidmap/newgidmap is not reported, their fork is):"
    perf record -q -o "$W/sched.data" -e sched:sched_process_exec -e sched:sched_process_fork \
        -e sched:sched_process_exit -e syscalls:sys_enter_unshare -e syscalls:sys_enter_pivot_root \
        -e syscalls:sys_enter_seccomp -e syscalls:sys_enter_wait4 -- "${AS_USER[@]}" "${run[@]}"
    perf script -i "$W/sched.data" -F comm,pid,time,event,trace 2>/dev/null |
        awk '{ if (!start) start = $3 + 0; printf "%8.2f  ", ($3 - start) * 1000; $3 = ""; print substr($0, 1, 120) }'

    echo
    echo "CPU time per process name and syscall (or page fault, other kernel work, user space), ms"
    echo "per run over 10 runs (perf record; \"exe\" is engine re-executed as its namespace helpers):"
    plan_line engine "${run[@]}" >"$W/plan-profile"
    as_user "$home" mkdir -p "$home/logs"
    perf record -q -F 2999 -g -o "$W/perf.data" -- "${AS_USER[@]}" /usr/bin/python3 "$W/bin/repeat.py" \
        --plan "$W/plan-profile" --out "$home/profile.tsv" --logs "$home/logs" --runs 10 >/dev/null
    # Each sample's process name and its innermost syscall entry point or page fault; else
    # "kernel" or "user" by its leaf address. Stack lines start with a tab, headers do not.
    perf script -i "$W/perf.data" -F comm,ip,sym 2>/dev/null |
        awk -v per_sample="$(awk 'BEGIN { print 1000 / 2999 / 10 }')" '
        function flush() { if (comm != "") total[comm "  " (where != "" ? where : leaf)]++; comm = "" }
        /^\t/ {
            if (leaf == "") leaf = ($1 ~ /^ffffffff/) ? "kernel (other)" : "user"
            if (where == "" && match($0, /(__x64_sys_[a-z0-9_]+|asm_exc_page_fault)/)) where = substr($0, RSTART, RLENGTH)
            next
        }
        /^$/ { flush(); next }
        { flush(); comm = $0; sub(/ +$/, "", comm); where = ""; leaf = "" }
        END { flush(); for (k in total) printf "%8.2f  %s\n", total[k] * per_sample, k }' |
        sed 's/__x64_sys_//; s/asm_exc_page_fault/page fault/' | sort -rn | head -n 20
}

phase "packages, user and host"
install_packages
ensure_test_user "$TEST_USER"
# Rootless containers need / mounted shared (and crun a cgroup layout it accepts): the suite's
# idempotent fix-ups of a fresh machine.
fix_up_host

W=$(mktemp -d /tmp/engine-bench-run.XXXXXX)
chmod 0755 "$W"
mkdir -p "$W/bin" "$W/homes"
: >"$W/pids"
: >"$W/runs.tsv"
# The checkout may be unreadable to the test user; it runs these copies.
install -m 0755 "$BENCH/repeat.py" "$W/bin/repeat.py"
log "  work dir $W"

install_engine

phase "image: build the fixture busybox and push it"
/usr/bin/python3 "$REPO/tests/fixtures/build_images.py" "$W/images" >/dev/null
start_registry bench
REGISTRY="127.0.0.1:$REGISTRY_PORT"
IMAGE="$REGISTRY/engine-test/busybox:latest"
IMAGE_ID=$(layout_image_id "$W/images/busybox")
skopeo_quiet copy --dest-tls-verify=false "oci:$W/images/busybox:latest" "docker://$IMAGE"

phase "prepare: pull $IMAGE into the stores, make the crun bundles"
HOME_RUN=$(new_home run)
pull_into "$HOME_RUN" engine "$IMAGE" "$IMAGE_ID"
crun_bundle "$HOME_RUN" floor
# shellcheck disable=SC2046 # subid_map prints separate arguments
crun_bundle "$HOME_RUN" floor-subids $(subid_map)
CRUN=(crun --root "$HOME_RUN/run/crun" run)
{
    plan_line engine "$W/bin/engine" run --rm --network none "$IMAGE" true
    plan_line crun "${CRUN[@]}" --bundle "$HOME_RUN/floor" bench-floor
    plan_line crun-subids "${CRUN[@]}" --bundle "$HOME_RUN/floor-subids" bench-floor-subids
} >"$W/plan-run"
if ((USE_PODMAN)); then
    pull_into "$HOME_RUN" podman "$IMAGE" "$IMAGE_ID"
    podman_store "$HOME_RUN"
    plan_line podman podman "${PODMAN_STORE[@]}" run --rm --network none "$IMAGE" true >>"$W/plan-run"
fi

phase "runs: $WARMUPS warm-ups, $RUNS timed rounds and $RSS_RUNS under GNU time of $(cut -f1 "$W/plan-run" | paste -sd' '), $(nproc) CPUs"
repeat_as_user "$HOME_RUN" "$W/plan-run" "$WARMUPS" "$RUNS" "$RSS_RUNS"

if ((PULL_RUNS > 0)); then
    phase "pulls: $PULL_RUNS cold pulls each, unpacking included"
    bench_pulls
fi

end_phase
echo
echo "engine run benchmark: $IMAGE as $TEST_USER, $(nproc) CPUs, load now $(cut -d' ' -f1-3 /proc/loadavg)"
# Store writes (fsync, inode allocation) cost differently per filesystem: say which one.
echo "$("$W/bin/engine" --version 2>/dev/null | head -n 1); stores on $(findmnt -n -o FSTYPE -T "$W") ($(findmnt -n -o TARGET -T "$W"))"
/usr/bin/python3 "$BENCH/summarize_run.py" "$W/runs.tsv"

if [[ -n ${ENGINE_BENCH_PROFILE:-} ]]; then
    phase "profile"
    profile_engine "$HOME_RUN"
fi

if ((USE_PODMAN)); then podman_reset "$HOME_RUN"; fi
