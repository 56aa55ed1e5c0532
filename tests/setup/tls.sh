# shellcheck shell=bash
# Test PKI for the TLS registry (sourced by tests/run.sh). Fresh keys every run.

# make_test_pki DIR: writes DIR/ca.crt (a CA) and DIR/server.{crt,key} for 127.0.0.1 and
# localhost, signed by it. P-256 keys: fast to generate, accepted by Go and rustls alike.
make_test_pki() {
    local dir=$1
    mkdir -p "$dir"
    (
        cd "$dir"
        umask 077
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -keyout ca.key -out ca.crt -days 3 -subj "/CN=engine test CA" \
            -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign"
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -keyout server.key -out server.csr -subj "/CN=localhost"
        # rustls/webpki check the SAN only (never the CN) and want a non-CA leaf for serverAuth.
        cat >server.ext <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
EOF
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
            -out server.crt -days 3 -extfile server.ext
        chmod 0644 ca.crt server.crt
    ) >"$dir/openssl.log" 2>&1 || {
        cat "$dir/openssl.log" >&2
        die "could not create the test certificates in $dir (openssl output above)"
    }
}
