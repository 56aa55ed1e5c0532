# shellcheck shell=bash
# Host preparation for tests/run.sh (sourced): packages, the test user, device modes, mounts.
# Every step checks first, so a second run changes nothing.

# Debian packages the suite needs. Never podman: the suite must not depend on it.
TEST_PACKAGES=(
    uidmap docker-registry skopeo busybox-static apache2-utils openssl python3 passt xxhash
    slirp4netns fuse-overlayfs crun runc catatonit util-linux procps curl ca-certificates man-db groff-base zsh fish systemd
    golang-go golang-github-opencontainers-runtime-tools-dev golang-github-google-uuid-dev xz-utils
    g++ # libFuzzer, built by cargo fuzz (tests/fuzz/run.sh)
)

install_packages() {
    local missing=() pkg
    for pkg in "${TEST_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$pkg")
    done
    if ((${#missing[@]} == 0)); then
        log "  all ${#TEST_PACKAGES[@]} packages already installed"
        return
    fi
    log "  installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
}

# ensure_test_user NAME: a normal login user with a home and subordinate id ranges.
ensure_test_user() {
    local user=$1
    if ! id "$user" >/dev/null 2>&1; then
        useradd --create-home --shell /bin/bash "$user"
        log "  created user $user"
    fi
    ensure_subids "$user" /etc/subuid
    ensure_subids "$user" /etc/subgid
}

# ensure_subids USER FILE: gives USER 65536 ids after every range already in FILE (at least
# 200000), unless it has a range. useradd adds one by itself on some configurations.
ensure_subids() {
    local user=$1 file=$2 start
    touch "$file"
    if grep -q "^$user:" "$file"; then
        return
    fi
    start=$(awk -F: 'BEGIN { end = 200000 } NF == 3 && $2 + $3 > end { end = $2 + $3 } END { print end }' "$file")
    echo "$user:$start:65536" >>"$file"
    log "  $file: $user:$start:65536"
}

# The fix-ups machine.md describes for a fresh machine; all idempotent.
fix_up_host() {
    local dev
    for dev in /dev/net/tun /dev/fuse; do
        # Rootless networking (pasta, slirp4netns) and fuse-overlayfs open these as the user.
        if [[ -e $dev ]]; then chmod 0666 "$dev"; fi
    done
    # Rootless engines need mount propagation; a fresh machine mounts / private.
    mount --make-rshared /
    move_hugetlb_to_v1
}

# On a hybrid cgroup host whose cgroup2 side holds the hugetlb controller, crun refuses every
# container ("cgroups in hybrid mode not supported"). Binding hugetlb to a v1 hierarchy moves it.
move_hugetlb_to_v1() {
    local v2=/sys/fs/cgroup/unified/cgroup.controllers v1=/sys/fs/cgroup/hugetlb
    [[ -f $v2 ]] && grep -qw hugetlb "$v2" || return 0
    mountpoint -q "$v1" && return 0
    mkdir -p "$v1"
    mount -t cgroup -o hugetlb cgroup "$v1"
    log "  mounted a cgroup v1 hugetlb hierarchy on $v1 (crun refuses hybrid hosts otherwise)"
}
