# shellcheck shell=bash
# Test images for tests/run.sh (sourced): build OCI layouts, push them, record their digests.

# skopeo with its output in $W/skopeo.log, shown on failure. --insecure-policy: whatever the
# host's /etc/containers/policy.json says must not matter to the fixtures.
skopeo_quiet() {
    skopeo --insecure-policy "$@" >>"$W/skopeo.log" 2>&1 || {
        tail -n 20 "$W/skopeo.log" >&2
        die "skopeo $* failed (log above, full log: $W/skopeo.log)"
    }
}

# in_background CMD...: runs CMD as a job; its failure must not run run.sh's cleanup trap,
# which a subshell inherits and would run while the other jobs still need the registries.
in_background() {
    (
        trap - EXIT INT TERM
        "$@"
    ) &
}

build_images() {
    /usr/bin/python3 "$REPO/tests/fixtures/build_images.py" "$W/images" >/dev/null
    # zstd copy of busybox. Pushing it straight to a registry that holds the gzip blobs makes
    # skopeo 1.9 reuse them silently; a separate layout pushed with --preserve-digests does not.
    skopeo_quiet copy --dest-compress --dest-compress-format zstd \
        "oci:$W/images/busybox:latest" "oci:$W/images/busybox-zstd:latest"
}

# push_images PLAIN TLS USER PASS CERT_DIR: the fixture set described in fixtures.json.
# Independent pushes run in parallel; each only waits on the local disk and registry.
push_images() {
    local plain=$1 tls=$2 user=$3 pass=$4 cert_dir=$5 pids=() pid
    local to_plain=(copy --dest-tls-verify=false)
    local to_tls=(copy --dest-creds "$user:$pass" --dest-cert-dir "$cert_dir")
    in_background skopeo_quiet "${to_plain[@]}" \
        "oci:$W/images/busybox:latest" "docker://$plain/engine-test/busybox:latest"
    pids+=($!)
    in_background skopeo_quiet "${to_plain[@]}" \
        "oci:$W/images/big:latest" "docker://$plain/engine-test/big:latest"
    pids+=($!)
    in_background skopeo_quiet "${to_tls[@]}" \
        "oci:$W/images/busybox:latest" "docker://$tls/engine-test/busybox:latest"
    pids+=($!)
    in_background skopeo_quiet "${to_tls[@]}" --all \
        "oci:$W/images/multi:latest" "docker://$tls/engine-test/multi:latest"
    pids+=($!)
    local failed=0
    for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
    ((failed == 0)) || die "pushing the fixture images failed (see above)"

    # These share blobs with busybox:latest, now in the registry, so they are quick.
    skopeo_quiet "${to_plain[@]}" --format v2s2 "oci:$W/images/busybox:latest" \
        "docker://$plain/engine-test/busybox:v2s2"
    skopeo_quiet "${to_plain[@]}" --preserve-digests "oci:$W/images/busybox-zstd:latest" \
        "docker://$plain/engine-test/busybox:zstd"
    skopeo_quiet "${to_plain[@]}" "oci:$W/images/other:latest" "docker://$plain/engine-test/other:latest"
    skopeo_quiet "${to_plain[@]}" --all "oci:$W/images/multi:latest" "docker://$plain/engine-test/multi:latest"
}
