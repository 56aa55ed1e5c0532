#!/usr/bin/env bash
# Writes SECURITY.md from the rows a test run recorded: `tests/security/report.sh [REPORT_DIR]`.
#
# REPORT_DIR (default $ENGINE_TEST_REPORT_DIR) holds what tests/common/report.rs appended,
# one TSV per suite (area, case, outcome): hostile.tsv (hostile images and registries),
# security.tsv (hostile containers), reliability.tsv (stress and crash trials), and fuzz.tsv
# from tests/fuzz/run.sh (target, seconds, executions, edges, corpus, crashes). Every row goes
# into the report; a suite without a file is reported as not run. The usual way to refresh it:
#   sudo ENGINE_TEST_WRITE_REPORT=1 tests/run.sh
set -euo pipefail
export LC_ALL=C

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DIR=${1:-${ENGINE_TEST_REPORT_DIR:-}}
[[ -n $DIR && -d $DIR ]] || {
    echo "usage: tests/security/report.sh REPORT_DIR (or set ENGINE_TEST_REPORT_DIR): a directory of <suite>.tsv rows" >&2
    exit 2
}
OUT=${SECURITY_MD:-$REPO/SECURITY.md}

# One table per area of a suite, sorted so that a refreshed report diffs well (tests run in
# parallel and record in any order); a row recorded twice (a test run twice) shows once.
suite_tables() {
    local file=$1
    if [[ ! -s $file ]]; then
        echo "_Not run in the run that produced this report._"
        return
    fi
    awk -F'\t' '
        function cell(s) { gsub(/\|/, "\\|", s); return s }
        !($1 in seen) { seen[$1] = 1; order[++areas] = $1 }
        { rows[$1] = rows[$1] "| " cell($2) " | " cell($3) " |\n"; count[$1]++; total++ }
        END {
            printf "%d cases in %d areas.\n", total, areas
            for (i = 1; i <= areas; i++) {
                a = order[i]
                printf "\n**%s** (%d)\n\n| Tried | Result |\n|---|---|\n%s", cell(a), count[a], rows[a]
            }
        }' < <(sort -t $'\t' -k1,1 -k2,2 "$file" | uniq)
}

fuzz_table() {
    local file=$1
    if [[ ! -s $file ]]; then
        echo "_Not run in the run that produced this report._"
        return
    fi
    awk -F'\t' '
        BEGIN { print "| Target | Seconds | Executions | Edges covered | Corpus | Crashes |"; print "|---|--:|--:|--:|--:|--:|" }
        { printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6; s += $2; e += $3; c += $6 }
        END { printf "| **all** | %d | %d | | | %d |\n", s, e, c }' "$file"
}

commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null | head -1)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$REPO/Cargo.toml" | head -1)

{
    cat <<EOF
# Security

\`engine\` runs untrusted images for unprivileged users, so it is a security boundary: an
image, a registry or a container must not reach the host, the user's files or the engine
itself. This file says how it defends, what was tried against it and with what result, how
to reproduce that, and how to report a vulnerability.

## What is defended, and how

- **User namespace.** Rootless containers run in a user namespace mapping the user's
  subordinate ids: root in a container is an unprivileged id on the host, and what it can
  reach is what the user can.
- **Unpack confinement.** Layers are unpacked by the engine's own unpacker
  (\`src/rootfs/unpack*\`), never by the tar library: names with \`..\` refuse the layer,
  absolute names are taken relative to the layer, every parent directory is resolved with
  \`openat2(RESOLVE_IN_ROOT)\` so links the layer planted stay inside it, and the last
  component is created with \`*at()\` calls that never follow it. The unpacker runs as a
  separate process inside the user namespace. Manifests and configs are capped at 4 MiB.
- **Digests everywhere.** Manifests, configs and layers are hashed as they arrive and
  refused when the digest (and, for layers, the uncompressed diff_id) differs from the one
  the manifest or config names; nothing enters the store before it is verified.
- **Seccomp and capabilities.** Containers get podman's default seccomp profile and
  capability set, compiled to BPF by the engine; \`no-new-privileges\` is honoured by \`run\`
  and \`exec\`; podman's masked and read-only \`/proc\` and \`/sys\` paths stay masked.
- **The engine binary.** The process that becomes a container's init runs the binary from a
  read-only bind mount, and \`exec\` helpers from a sealed in-memory copy, so
  \`/proc/self/exe\` cannot be used to rewrite it (the class of CVE-2019-5736).
- **Descriptor hygiene.** Every descriptor above stderr is close-on-exec before a container
  process starts, and working directories are resolved inside the container (the class of
  CVE-2024-21626); \`cp\` and mount targets resolve paths inside the container's root (the
  classes of CVE-2018-15664 and CVE-2021-30465).

## What was tried

Produced by \`tests/security/report.sh\` from the rows the tests recorded (engine $version,
commit $commit${dirty:+ with local changes}, kernel $(uname -r), $(date -u +%Y-%m-%d)). Each
test records what it tried and how the engine answered; a test whose check fails fails the
run, and \`tests/run.sh\` rewrites this file only after a full run that passed.

### Hostile images and registries

EOF
    suite_tables "$DIR/hostile.tsv"
    printf '\n### Hostile containers\n\n'
    suite_tables "$DIR/security.tsv"
    printf '\n### Crashes, stress and concurrency\n\n'
    suite_tables "$DIR/reliability.tsv"
    cat <<'EOF'

### Fuzzing

Coverage-guided (cargo fuzz: libFuzzer with AddressSanitizer) on the image reference parser,
registries.conf and the short-name alias cache, policy.json, auth.json, containers.conf,
storage.conf, manifests, indexes and image configs, seccomp profiles (converted and compiled
to BPF), and the layer unpacker (arbitrary bytes as a tar into a fresh root; anything created
next to the root fails the target). Each crash found is fixed, becomes a unit test, and its
input joins the target's seeds in `fuzz/seeds/`.

EOF
    fuzz_table "$DIR/fuzz.tsv"
    cat <<'EOF'

## Reproducing

As root on Debian 12 (the scripts install what they need):

```sh
sudo tests/run.sh                                    # the whole suite, fuzzing 15 s per target
sudo tests/run.sh --test hostile                     # one suite: hostile, security, ...
tests/fuzz/run.sh 600                                # every fuzz target for 10 minutes
FUZZ_TARGETS=unpack tests/fuzz/run.sh 3600           # one target for an hour
sudo ENGINE_TEST_WRITE_REPORT=1 tests/run.sh         # run everything and rewrite this file
tests/security/report.sh DIR                         # rewrite it from the rows in DIR
```

A fuzz crash leaves its input in `fuzz/artifacts/TARGET/`; replay it with
`RUSTC_BOOTSTRAP=1 cargo fuzz run TARGET fuzz/artifacts/TARGET/crash-...` in `fuzz/`.

## Reporting a vulnerability

Please report it privately to the maintainers, not in a public issue: use the repository's
private vulnerability reporting ("Report a vulnerability" under Security) with the engine
version or commit, the host (distribution, kernel, rootless or root) and the smallest image,
command or input that shows the problem. We confirm receipt within a few days, agree a
disclosure date with you, and credit you in the fix unless you prefer otherwise.
EOF
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "wrote $OUT"
