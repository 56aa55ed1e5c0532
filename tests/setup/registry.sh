# shellcheck shell=bash
# Local docker-registry (distribution 2.8) instances for tests/run.sh (sourced).
#
# Each instance gets $W/registry-NAME/{config.yml,storage/} and logs to $W/registry-NAME.log.
# Only 127.0.0.1 is ever bound. PIDs are appended to $W/pids for the cleanup trap.

# free_port: a port the kernel just handed out on 127.0.0.1 (racy, hence the retries below).
free_port() {
    /usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# write_registry_config FILE PORT STORAGE [TLS_DIR HTPASSWD]
write_registry_config() {
    local file=$1 port=$2 storage=$3 tls_dir=${4:-} htpasswd=${5:-}
    {
        cat <<EOF
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: $storage
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$port
  secret: $(openssl rand -hex 16)
  headers:
    X-Content-Type-Options: [nosniff]
EOF
        if [[ -n $tls_dir ]]; then
            cat <<EOF
  tls:
    certificate: $tls_dir/server.crt
    key: $tls_dir/server.key
auth:
  htpasswd:
    realm: engine-test
    path: $htpasswd
EOF
        fi
    } >"$file"
}

# registry_answers PORT [CA USER:PASS]: GET /v2/ returns 200 (with credentials if given).
registry_answers() {
    local port=$1 ca=${2:-} creds=${3:-}
    if [[ -n $ca ]]; then
        curl -fsS --noproxy '*' -o /dev/null --max-time 2 --cacert "$ca" -u "$creds" \
            "https://127.0.0.1:$port/v2/"
    else
        curl -fsS --noproxy '*' -o /dev/null --max-time 2 "http://127.0.0.1:$port/v2/"
    fi
}

# start_registry NAME [TLS_DIR USER PASS]: starts an instance and waits until it answers.
# Sets REGISTRY_PORT and REGISTRY_STORAGE.
# shellcheck disable=SC2034 # those two are results for the caller
start_registry() {
    local name=$1 tls_dir=${2:-} user=${3:-} pass=${4:-}
    local dir="$W/registry-$name" log="$W/registry-$name.log" attempt pid port
    local probe_args=()
    mkdir -p "$dir/storage"
    if [[ -n $tls_dir ]]; then
        htpasswd -Bbn "$user" "$pass" >"$dir/htpasswd"
        probe_args=("$tls_dir/ca.crt" "$user:$pass")
    fi
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        write_registry_config "$dir/config.yml" "$port" "$dir/storage" \
            "$tls_dir" "${tls_dir:+$dir/htpasswd}"
        # setsid: a developer's Ctrl-C after ENGINE_TEST_SETUP_ONLY=1 must not reach it.
        setsid docker-registry serve "$dir/config.yml" </dev/null >>"$log" 2>&1 &
        pid=$!
        echo "$pid" >>"$W/pids"
        local deadline=$((SECONDS + 15))
        while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
            if registry_answers "$port" "${probe_args[@]}" 2>/dev/null; then
                REGISTRY_PORT=$port
                REGISTRY_STORAGE="$dir/storage"
                log "  registry $name: 127.0.0.1:$port (pid $pid, log $log)"
                return
            fi
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid"
            tail -n 30 "$log" >&2
            die "registry $name did not answer /v2/ within 15s (log above, full log: $log)"
        fi
        grep -q 'address already in use' "$log" || {
            tail -n 30 "$log" >&2
            die "registry $name exited at startup (log above, full log: $log)"
        }
        log "  registry $name: port $port was taken, attempt $attempt, retrying"
    done
    die "registry $name: no free port after 5 attempts (log: $log)"
}

# stop_registries: stops every instance listed in $W/pids and waits (5 s at most) for them.
stop_registries() {
    local pid stopping=()
    [[ -f $W/pids ]] || return 0
    while read -r pid; do
        # Only signal our own registries, even if the pid was recycled since.
        if [[ $(cat "/proc/$pid/comm" 2>/dev/null) == docker-registry ]]; then
            kill "$pid" 2>/dev/null && stopping+=("$pid")
        fi
    done <"$W/pids"
    local deadline=$((SECONDS + 5))
    for pid in "${stopping[@]}"; do
        while [[ -e /proc/$pid ]] && ((SECONDS < deadline)); do sleep 0.05; done
    done
}
