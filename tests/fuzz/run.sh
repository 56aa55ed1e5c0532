#!/usr/bin/env bash
# Builds the fuzz targets in fuzz/ (cargo fuzz, libFuzzer + AddressSanitizer) and runs each for
# a fixed time: `tests/fuzz/run.sh [SECONDS]` (default 60 per target; tests/run.sh uses 15).
#
# Each target starts from its committed seeds (fuzz/seeds/TARGET) plus what earlier local runs
# found (fuzz/corpus/TARGET, not committed). Per target it prints executions, coverage (edges
# and features), corpus size and crashes; a crash leaves its input in fuzz/artifacts/TARGET/
# and makes the exit status 1 once every target has run. Reproduce one with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run TARGET fuzz/artifacts/TARGET/crash-...
#
# Environment:
#   FUZZ_TARGETS="a b"       run only these targets (names: `ls fuzz/fuzz_targets`)
#   FUZZ_PROFILE=dev         build without optimizations (`cargo fuzz build --dev`): a cold build
#                            takes minutes instead of a quarter of an hour, executions are
#                            slower; tests/run.sh uses it for its short CI run. Default: release.
#   ENGINE_TEST_REPORT_DIR   also write the summary to $ENGINE_TEST_REPORT_DIR/fuzz.tsv
#                            (target, seconds, executions, edges, corpus, crashes) for SECURITY.md
#
# cargo fuzz needs nightly-only rustc flags; this machine has the stable toolchain only, so the
# build sets RUSTC_BOOTSTRAP=1, which lets stable rustc accept them. cargo-fuzz is installed
# with `cargo install --locked cargo-fuzz` when missing.
set -euo pipefail
export LC_ALL=C

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SECONDS_PER_TARGET=${1:-60}
[[ $SECONDS_PER_TARGET =~ ^[1-9][0-9]*$ ]] ||
    { echo "usage: tests/fuzz/run.sh [SECONDS per target, default 60]" >&2; exit 2; }
cd "$REPO/fuzz"

export PATH="$HOME/.cargo/bin:$PATH"
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz (cargo install --locked cargo-fuzz)"
    cargo install --locked cargo-fuzz
fi

export RUSTC_BOOTSTRAP=1
profile=${FUZZ_PROFILE:-release}
case $profile in
    release) build_flags=() profile_dir=release ;;
    dev) build_flags=(--dev) profile_dir=debug ;;
    *) echo "FUZZ_PROFILE=$profile: use release or dev" >&2; exit 2 ;;
esac
echo "== building the fuzz targets ($profile, AddressSanitizer)"
build_started=$SECONDS
cargo fuzz build "${build_flags[@]}"
echo "   built in $((SECONDS - build_started)) s"

triple=$(rustc -vV | sed -n 's/^host: //p')
bin_dir="$REPO/fuzz/target/$triple/$profile_dir"
read -r -a targets <<<"${FUZZ_TARGETS:-$(cargo fuzz list | tr '\n' ' ')}"

# The file-reading targets and the unpacker work below TMPDIR, by default in memory (/dev/shm:
# files are written on every execution); libFuzzer exits without running destructors, so the
# whole directory goes at the end.
base=${TMPDIR:-/tmp}
[[ -z ${TMPDIR:-} && -d /dev/shm && -w /dev/shm ]] && base=/dev/shm
scratch=$(mktemp -d "$base/engine-fuzz.XXXXXX")
trap 'chmod -R u+rwX "$scratch" 2>/dev/null; rm -rf "$scratch"' EXIT

summary="$scratch/summary.tsv"
crashed=()
printf '%-16s %8s %12s %8s %8s %8s %s\n' TARGET SECONDS EXECUTIONS EDGES FEATURES CORPUS CRASHES
for target in "${targets[@]}"; do
    [[ -x $bin_dir/$target ]] || { echo "no fuzz target $target (see fuzz/fuzz_targets)" >&2; exit 2; }
    mkdir -p "corpus/$target" "artifacts/$target" "$scratch/tmp-$target"
    log="$scratch/$target.log"
    before=$(find "artifacts/$target" -type f | wc -l)
    started=$SECONDS
    status=0
    TMPDIR="$scratch/tmp-$target" "$bin_dir/$target" \
        -max_total_time="$SECONDS_PER_TARGET" -timeout=20 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="artifacts/$target/" \
        "corpus/$target" "seeds/$target" >"$log" 2>&1 || status=$?
    elapsed=$((SECONDS - started))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    # The last status line, e.g. `#123456 DONE cov: 812 ft: 2301 corp: 140/9Kb ...`.
    last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    edges=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    features=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corpus=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
    crashes=$(($(find "artifacts/$target" -type f | wc -l) - before))
    if ((status != 0)); then
        ((crashes > 0)) || crashes=1
        crashed+=("$target")
    fi
    printf '%-16s %8s %12s %8s %8s %8s %s\n' "$target" "$elapsed" "${execs:-?}" "${edges:-?}" \
        "${features:-?}" "${corpus:-?}" "$crashes"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$elapsed" "${execs:-0}" "${edges:-0}" \
        "${corpus:-0}" "$crashes" >>"$summary"
    if ((status != 0)); then
        echo "   $target failed (status $status); the end of its log:" >&2
        grep -v '^#' "$log" | tail -25 | sed 's/^/   | /' >&2
    fi
done

if [[ -n ${ENGINE_TEST_REPORT_DIR:-} ]]; then
    mkdir -p "$ENGINE_TEST_REPORT_DIR"
    cp "$summary" "$ENGINE_TEST_REPORT_DIR/fuzz.tsv"
fi
if ((${#crashed[@]} > 0)); then
    echo "crashes in: ${crashed[*]} (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
echo "no crashes in ${#targets[@]} targets, $SECONDS_PER_TARGET s each"
