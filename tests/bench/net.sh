#!/usr/bin/env bash
# Network benchmark: `sudo tests/bench/net.sh`. Debian 12, as root. Not part of the test suite.
#
# A detached container serves files with busybox httpd on a port published on 127.0.0.1; the
# host downloads a 100 MB file through it (throughput, median MB/s) and then fetches a small
# file over and over, one connection per request (connection rate, requests/s). For engine with
# --network pasta and slirp4netns, and rootless podman with the same modes where it has them
# (podman 4.3 has no pasta; its slirp4netns publishes ports through rootlessport), all as the
# unprivileged test user; busybox httpd on the host itself gives the ceiling.
# Targets: engine no worse than podman in the same mode.
#
# IMAGE is the suite's busybox fixture (tests/fixtures/build_images.py), pushed to a local
# plain-HTTP registry in a fresh world-readable $W=/tmp/engine-bench-net.XXXXXX, which is
# stopped and removed on exit, pass or fail. All traffic stays on this machine.
#
# Switches (environment):
#   ENGINE_BENCH_BIN=PATH        use this engine binary instead of `cargo build --release`
#   ENGINE_BENCH_DOWNLOADS=N     downloads of the 100 MB file per setup (default 5)
#   ENGINE_BENCH_RATE_SECONDS=S  seconds of small requests per setup (default 10)
#   ENGINE_BENCH_PODMAN=0        skip podman even if it is installed
#   ENGINE_BENCH_KEEP=1          keep $W for a post-mortem
set -euo pipefail
export LC_ALL=C

# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

DOWNLOADS=$(bench_count ENGINE_BENCH_DOWNLOADS 5 1)
RATE_SECONDS=$(bench_count ENGINE_BENCH_RATE_SECONDS 10 1)
require_root "it starts a registry and runs containers as $TEST_USER"

# passt (pasta) and slirp4netns: the helpers measured; busybox-static: the fixture image and
# the ceiling's httpd.
TEST_PACKAGES=(docker-registry skopeo uidmap python3 busybox-static passt slirp4netns)
USE_PODMAN=$(podman_wanted)
MODES=(pasta slirp4netns)
# The container's port, unprivileged so the ceiling's httpd can use it as well.
SERVE_PORT=8080

bench_traps

# container_cmd TOOL HOME: sets CMD to the command line of TOOL as the test user in HOME.
container_cmd() {
    local tool=$1 home=$2
    user_prefix "$home"
    if [[ $tool == engine ]]; then
        CMD=("${AS_USER[@]}" "$W/bin/engine")
    else
        podman_store "$home"
        CMD=("${AS_USER[@]}" podman "${PODMAN_STORE[@]}")
    fi
}

# serve TOOL HOME MODE PORT: starts the httpd container, published on 127.0.0.1:PORT, and waits
# until it answers. Fails (status 1, reason in $W/serve.err) when TOOL lacks MODE.
serve() {
    local tool=$1 home=$2 mode=$3 port=$4
    container_cmd "$tool" "$home"
    "${CMD[@]}" run -d --name "bench-$mode" --network "$mode" -p "127.0.0.1:$port:$SERVE_PORT" \
        -v "$W/www:/www:ro" "$IMAGE" busybox httpd -f -p "$SERVE_PORT" -h /www >/dev/null 2>"$W/serve.err" ||
        return 1
    wait_until 20 "the $tool $mode container to answer on port $port" \
        /usr/bin/python3 "$BENCH/http_load.py" rate 127.0.0.1 "$port" /small.txt 0.01 ||
        die "$tool --network $mode: no answer on 127.0.0.1:$port"
}

unserve() {
    local tool=$1 home=$2 mode=$3
    container_cmd "$tool" "$home"
    "${CMD[@]}" rm -f "bench-$mode" >/dev/null 2>&1 || log "  $tool rm -f bench-$mode failed"
}

# measure LABEL PORT: one result row, "LABEL MB/s requests/s", into $W/results.
measure() {
    local label=$1 port=$2 mbps rps
    mbps=$(/usr/bin/python3 "$BENCH/http_load.py" throughput 127.0.0.1 "$port" /big "$DOWNLOADS") ||
        die "$label: the downloads failed"
    rps=$(/usr/bin/python3 "$BENCH/http_load.py" rate 127.0.0.1 "$port" /small.txt "$RATE_SECONDS") ||
        die "$label: the small requests failed"
    printf '%-28s %10s %12s\n' "$label" "$mbps" "$rps" >>"$W/results"
    log "  $label: $mbps MB/s, $rps requests/s"
}

phase "packages, user and host"
install_packages
ensure_test_user "$TEST_USER"
# /dev/net/tun mode 0666 (a fresh machine has 0600), / mounted shared.
fix_up_host

W=$(mktemp -d /tmp/engine-bench-net.XXXXXX)
chmod 0755 "$W"
mkdir -p "$W/bin" "$W/homes" "$W/www"
: >"$W/pids"
: >"$W/results"
log "  work dir $W"
install_engine

phase "files: a 100 MB file and a small one, served read-only"
head -c $((100 * 1024 * 1024)) /dev/urandom >"$W/www/big"
echo "small" >"$W/www/small.txt"
chmod -R a+rX "$W/www"

phase "image: build the fixture busybox, push it, pull it into the stores"
/usr/bin/python3 "$REPO/tests/fixtures/build_images.py" "$W/images" >/dev/null
start_registry bench
REGISTRY="127.0.0.1:$REGISTRY_PORT"
IMAGE="$REGISTRY/engine-test/busybox:latest"
skopeo_quiet copy --dest-tls-verify=false "oci:$W/images/busybox:latest" "docker://$IMAGE"
HOME_NET=$(new_home net)
container_cmd engine "$HOME_NET"
"${CMD[@]}" pull -q "$IMAGE" >/dev/null || die "engine pull $IMAGE failed"
if ((USE_PODMAN)); then
    container_cmd podman "$HOME_NET"
    "${CMD[@]}" pull -q --tls-verify=false "$IMAGE" >/dev/null || die "podman pull $IMAGE failed"
fi

phase "ceiling: busybox httpd on the host, no container"
port=$(free_port)
/bin/busybox httpd -f -p "127.0.0.1:$port" -h "$W/www" &
echo $! >>"$W/pids"
wait_until 10 "the host's httpd" /usr/bin/python3 "$BENCH/http_load.py" rate 127.0.0.1 "$port" /small.txt 0.01 ||
    die "the host's busybox httpd does not answer"
measure "host (no container)" "$port"
kill "$(tail -n 1 "$W/pids")"

for mode in "${MODES[@]}"; do
    tools=(engine)
    if ((USE_PODMAN)); then tools+=(podman); fi
    for tool in "${tools[@]}"; do
        phase "$tool --network $mode: $DOWNLOADS downloads, ${RATE_SECONDS}s of small requests"
        port=$(free_port)
        if ! serve "$tool" "$HOME_NET" "$mode" "$port"; then
            log "  $tool has no --network $mode: $(head -n 1 "$W/serve.err")"
            printf '%-28s %10s %12s\n' "$tool $mode" "n/a" "n/a" >>"$W/results"
            continue
        fi
        measure "$tool $mode" "$port"
        unserve "$tool" "$HOME_NET" "$mode"
    done
done

end_phase
echo
echo "network benchmark: a port published on 127.0.0.1, $(nproc) CPUs, load now $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$("$W/bin/engine" --version 2>/dev/null | head -n 1); pasta $(dpkg-query -W -f '${Version}' passt 2>/dev/null); slirp4netns $(dpkg-query -W -f '${Version}' slirp4netns 2>/dev/null)"
if ((USE_PODMAN)); then podman --version; fi
printf '%-28s %10s %12s\n' "setup" "MB/s" "requests/s"
cat "$W/results"
echo "(MB/s: median of $DOWNLOADS downloads of 100 MB; requests/s: one connection per request, sequential)"
if ((USE_PODMAN)); then podman_reset "$HOME_NET"; fi
