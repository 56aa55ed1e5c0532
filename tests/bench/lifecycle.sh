#!/usr/bin/env bash
# Container lifecycle benchmark: `sudo tests/bench/lifecycle.sh`. Debian 12, as root. Not part of
# the test suite.
#
# Times, as the unprivileged test user in a fresh home with the suite's busybox fixture already
# in the store (IMAGE, pushed to a local plain-HTTP registry started like the suite's):
#   ps-N       `ps -a` with N containers present (created, not started), N in ENGINE_BENCH_COUNTS
#   cycle      `create IMAGE sleep 1000` + `start` + `rm -f -t 0`
#   detached   `run -d IMAGE sh -c 'trap "exit 0" TERM; ...'` + `stop` + `rm`
# for engine and, side by side, rootless podman when it is installed (the same image pulled from
# the same registry into its own store in the same home; `--network none` for both, so that
# no network helper is timed). A cycle is one `sh -c` running the three commands, the same shell for both tools.
# Prints medians, podman/engine ratios, and issue 4's targets: `ps -a` with 1000 containers
# under 50 ms and at least 10x faster than podman's; every cycle at least 3x faster than podman.
#
# Switches (environment):
#   ENGINE_BENCH_BIN=PATH      use this engine binary instead of `cargo build --release`
#   ENGINE_BENCH_COUNTS="..."  container counts for ps, ascending (default "0 100 1000")
#   ENGINE_BENCH_WARMUPS=N     untimed warm-up rounds per benchmark (default 2)
#   ENGINE_BENCH_RUNS=N        timed rounds per benchmark (default 10)
#   ENGINE_BENCH_PODMAN=0      skip podman even if it is installed
#   ENGINE_BENCH_KEEP=1        keep $W for a post-mortem
#
# Rounds are interleaved (each round runs every tool once, tests/bench/repeat.py), the load
# average is recorded, and the median is the figure to quote: the machine may be shared.
set -euo pipefail
export LC_ALL=C

# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

COUNTS=${ENGINE_BENCH_COUNTS:-0 100 1000}
WARMUPS=$(bench_count ENGINE_BENCH_WARMUPS 2)
RUNS=$(bench_count ENGINE_BENCH_RUNS 10 1)
previous=-1
for count in $COUNTS; do
    if [[ ! $count =~ ^[0-9]+$ ]] || ((count <= previous)); then
        die "ENGINE_BENCH_COUNTS must be ascending numbers, not '$COUNTS'"
    fi
    previous=$count
done
require_root "it starts a registry and runs containers as $TEST_USER"

TEST_PACKAGES=(docker-registry skopeo uidmap python3 busybox-static)
USE_PODMAN=$(podman_wanted)

bench_traps

# tool_argv TOOL: sets TOOL_ARGV to the command that runs TOOL as the benchmark sees it.
tool_argv() {
    case $1 in
    engine) TOOL_ARGV=("$W/bin/engine") ;;
    podman)
        podman_store "$HOME_B"
        TOOL_ARGV=(podman "${PODMAN_STORE[@]}")
        ;;
    esac
}

TOOLS=(engine)
if ((USE_PODMAN)); then TOOLS+=(podman); fi

# pull_image: IMAGE into every tool's store, untimed; both must report the same image ID.
pull_image() {
    local tool id first=""
    for tool in "${TOOLS[@]}"; do
        tool_argv "$tool"
        local args=(pull -q)
        [[ $tool == podman ]] && args+=(--tls-verify=false)
        id=$(as_user "$HOME_B" "${TOOL_ARGV[@]}" "${args[@]}" "$IMAGE" 2>"$W/pull.err") ||
            { cat "$W/pull.err" >&2; die "$tool pull $IMAGE failed (above)"; }
        [[ -z $first || $id == "$first" ]] || die "$tool pulled image $id, engine pulled $first"
        first=$id
    done
}

# add_containers FROM TO: creates containers c<FROM+1>..c<TO> (not started) in every tool's
# store, as many at a time as there are CPUs, and checks that `ps -a` counts TO.
add_containers() {
    local from=$1 to=$2 tool listed
    ((to > from)) || return 0
    for tool in "${TOOLS[@]}"; do
        tool_argv "$tool"
        seq "$((from + 1))" "$to" |
            as_user "$HOME_B" xargs -P "$(nproc)" -I '{}' \
                "${TOOL_ARGV[@]}" create --network none --name 'c{}' "$IMAGE" true \
                >/dev/null 2>"$W/create.err" ||
            { tail -n 20 "$W/create.err" >&2; die "$tool create failed (above)"; }
        listed=$(as_user "$HOME_B" "${TOOL_ARGV[@]}" ps -a -q | wc -l)
        ((listed == to)) || die "$tool ps -a lists $listed containers, not $to"
    done
}

# The cycles, as `sh -c CYCLE sh IMAGE TOOL_ARGV...`; set -e: a failing step fails the run.
# One line each: repeat.py's plan has a command a line.
# shellcheck disable=SC2016 # expanded by that sh, not here
CREATE_START_RM='set -e; image=$1; shift; id=$("$@" create --network none "$image" sleep 1000); '\
'"$@" start "$id" >/dev/null; "$@" rm -f -t 0 "$id" >/dev/null'
# shellcheck disable=SC2016 # likewise
RUN_STOP_RM='set -e; image=$1; shift; '\
'id=$("$@" run -d --network none "$image" sh -c "trap \"exit 0\" TERM; sleep 1000 & wait"); '\
'"$@" stop "$id" >/dev/null; "$@" rm "$id" >/dev/null'

# time_plan NAME ARGV...: times ARGV for every tool (TOOL_ARGV spliced in where ARGV says
# TOOL) as benchmark NAME; the rows go to $W/runs.tsv with labels TOOL.NAME.
time_plan() {
    local name=$1 tool arg line
    shift
    : >"$W/plan"
    for tool in "${TOOLS[@]}"; do
        tool_argv "$tool"
        line=()
        for arg in "$@"; do
            if [[ $arg == TOOL ]]; then line+=("${TOOL_ARGV[@]}"); else line+=("$arg"); fi
        done
        (
            IFS=$'\t'
            printf '%s\t%s\n' "$tool.$name" "${line[*]}"
        ) >>"$W/plan"
    done
    as_user "$HOME_B" mkdir -p "$HOME_B/logs"
    as_user "$HOME_B" /usr/bin/python3 "$W/bin/repeat.py" --plan "$W/plan" \
        --out "$HOME_B/runs.tsv" --logs "$HOME_B/logs" --warmups "$WARMUPS" --runs "$RUNS" ||
        die "timing $name failed (above)"
    cat "$HOME_B/runs.tsv" >>"$W/runs.tsv"
    rm -f "$HOME_B/runs.tsv"
}

phase "packages, user and host"
install_packages
ensure_test_user "$TEST_USER"
fix_up_host

W=$(mktemp -d /tmp/engine-bench-lifecycle.XXXXXX)
chmod 0755 "$W"
mkdir -p "$W/bin" "$W/homes"
: >"$W/pids"
: >"$W/runs.tsv"
install -m 0755 "$BENCH/repeat.py" "$W/bin/repeat.py"
log "  work dir $W"

install_engine

phase "image: build the fixture busybox and push it"
/usr/bin/python3 "$REPO/tests/fixtures/build_images.py" "$W/images" >/dev/null
start_registry bench
REGISTRY="127.0.0.1:$REGISTRY_PORT"
IMAGE="$REGISTRY/engine-test/busybox:latest"
skopeo_quiet copy --dest-tls-verify=false "oci:$W/images/busybox:latest" "docker://$IMAGE"
# podman's runroot goes below the home and may be 50 characters at most: a short name.
HOME_B=$(new_home lc)
pull_image

phase "cycles: $WARMUPS warm-ups and $RUNS timed rounds of ${TOOLS[*]}, $(nproc) CPUs"
time_plan create-start-rm /bin/sh -c "$CREATE_START_RM" sh "$IMAGE" TOOL
time_plan run-stop-rm /bin/sh -c "$RUN_STOP_RM" sh "$IMAGE" TOOL

present=0
for count in $COUNTS; do
    phase "ps -a with $count containers"
    add_containers "$present" "$count"
    present=$count
    time_plan "ps-$count" TOOL ps -a
done

end_phase
echo
echo "engine lifecycle benchmark: $IMAGE as $TEST_USER, $(nproc) CPUs, load now $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$("$W/bin/engine" --version 2>/dev/null | head -n 1); stores on $(findmnt -n -o FSTYPE -T "$W") ($(findmnt -n -o TARGET -T "$W"))"
# The table: per benchmark, each tool's median and spread, podman/engine, and the target.
/usr/bin/python3 - "$W/runs.tsv" <<'EOF'
import statistics
import sys
from collections import defaultdict

walls = defaultdict(list)
loads = []
with open(sys.argv[1]) as f:
    for row in f:
        label, kind, _run, wall, _rss, _user, _sys, load = row.rstrip("\n").split("\t")
        if kind == "time":
            walls[label].append(float(wall))
            loads.append(float(load))

benchmarks = []
for label in walls:
    name = label.split(".", 1)[1]
    if name not in benchmarks:
        benchmarks.append(name)

def describe(name):
    if name.startswith("ps-"):
        return f"ps -a, {name[3:]} containers"
    return {"create-start-rm": "create + start + rm -f", "run-stop-rm": "run -d + stop + rm"}[name]

def target(name, engine, ratio):
    """(text, met) for issue 4's goal for this benchmark, or None."""
    if name == "ps-1000":
        met = engine < 0.050 and (ratio is None or ratio >= 10)
        return "< 50 ms, >= 10x podman", met
    if not name.startswith("ps-"):
        return ">= 3x podman", ratio is None or ratio >= 3
    return None

print()
print(f"{'benchmark':<28}{'engine ms':>11}{'(p90)':>9}{'podman ms':>11}{'(p90)':>9}{'podman/engine':>15}  target")
failed = []
for name in benchmarks:
    cells = {}
    for tool in ("engine", "podman"):
        samples = sorted(walls.get(f"{tool}.{name}", []))
        if samples:
            p90 = samples[min(len(samples) - 1, round(0.9 * (len(samples) - 1)))]
            cells[tool] = (statistics.median(samples), p90)
    engine = cells["engine"][0]
    ratio = cells["podman"][0] / engine if "podman" in cells else None
    goal = target(name, engine, ratio)
    line = f"{describe(name):<28}{engine * 1000:>11.1f}{cells['engine'][1] * 1000:>9.1f}"
    if "podman" in cells:
        line += f"{cells['podman'][0] * 1000:>11.1f}{cells['podman'][1] * 1000:>9.1f}{ratio:>14.1f}x"
    else:
        line += f"{'-':>11}{'':>9}{'-':>15}"
    if goal:
        text, met = goal
        line += f"  {text}: {'met' if met else 'MISSED'}"
        if not met:
            failed.append(describe(name))
    print(line)
print()
print(f"median load average before a run: {statistics.median(loads):.2f}" if loads else "no runs")
if "podman" not in {label.split('.', 1)[0] for label in walls}:
    print("podman not measured: the ratio targets are unchecked")
print("targets missed: " + ", ".join(failed) if failed else "every target checked was met")
EOF

if ((USE_PODMAN)); then podman_reset "$HOME_B"; fi
