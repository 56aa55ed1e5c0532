# shellcheck shell=bash
# Logging, timing and toolchain helpers for tests/run.sh and tests/bench/*.sh (sourced, not
# executed).

# Microseconds since the epoch (bash 5; the separator follows the locale).
now_us() { echo "${EPOCHREALTIME//[.,]/}"; }

# seconds_since START_US: elapsed time as "12.3s".
seconds_since() {
    local tenths=$((($(now_us) - $1) / 100000))
    echo "$((tenths / 10)).$((tenths % 10))s"
}

RUN_STARTED=$(now_us)
PHASE_STARTED=$RUN_STARTED
PHASE_NAME=""

log() { printf '[tests/run.sh] %s\n' "$*" >&2; }

die() {
    log "error: $*"
    exit 1
}

# end_phase: reports how long the current phase took.
end_phase() {
    [[ -z $PHASE_NAME ]] || log "  ($PHASE_NAME: $(seconds_since "$PHASE_STARTED"))"
    PHASE_NAME=""
}

# phase NAME: ends the current phase, then starts NAME.
phase() {
    end_phase
    PHASE_NAME=$1
    PHASE_STARTED=$(now_us)
    log "$1"
}

# wait_until SECONDS DESCRIPTION CMD...: retries CMD every 0.1 s until it succeeds.
wait_until() {
    local seconds=$1 what=$2
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || { log "timed out after ${seconds}s waiting for $what"; return 1; }
        sleep 0.1
    done
}

# find_cargo FIX: puts cargo in PATH, or dies telling the user FIX. cargo is usually in
# ~/.cargo/bin, which sudo's secure_path drops: look in root's, then in the sudo caller's (whose
# rustup then needs its own RUSTUP_HOME).
find_cargo() {
    command -v cargo >/dev/null && return
    local home
    if [[ -x ${CARGO_HOME:-$HOME/.cargo}/bin/cargo ]]; then
        PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
    elif [[ -n ${SUDO_USER:-} ]] && home=$(getent passwd "$SUDO_USER" | cut -d: -f6) &&
        [[ -x $home/.cargo/bin/cargo ]]; then
        PATH="$home/.cargo/bin:$PATH"
        export CARGO_HOME="$home/.cargo" RUSTUP_HOME="${RUSTUP_HOME:-$home/.rustup}"
    else
        die "cargo is not in PATH nor in ~/.cargo/bin: $1"
    fi
}
