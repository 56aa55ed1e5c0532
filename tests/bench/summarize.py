#!/usr/bin/env python3
"""Print the pull benchmark's table from the files tests/bench/pull.sh writes.

Usage: summarize.py IMAGE_JSON RUNS_TSV LIMITS_TSV

  IMAGE_JSON  make_image.py's summary (compressed and uncompressed layer bytes)
  RUNS_TSV    tool, run, wall s, peak RSS KiB, user s, sys s, load average before the run
  LIMITS_TSV  name, best wall s over the compressed bytes, description

Throughput is always compressed (transferred) megabytes, 10^6 bytes, per wall second, so the
pulls and the single-stream limits compare on the same bytes.
"""

import json
import statistics
import sys
from collections import defaultdict

MB = 1e6

WHAT = {
    "engine": "download, verify digest and diff_id, unpack in the user namespace",
    "podman": "download + verify + UNPACK layers into overlay dirs (rootless)",
}


def read_tsv(path):
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def main():
    image_json, runs_tsv, limits_tsv = sys.argv[1:]
    with open(image_json) as f:
        image = json.load(f)
    compressed = image["compressed"]

    runs = defaultdict(list)
    for tool, _run, wall, rss_kib, user, system, _load in read_tsv(runs_tsv):
        runs[tool].append((float(wall), int(rss_kib), float(user) + float(system)))
    limits = {name: float(seconds) for name, seconds, _ in read_tsv(limits_tsv)}
    limit_what = {name: what for name, _, what in read_tsv(limits_tsv)}

    print(
        f"image: {len(image['layers'])} gzip layers, {compressed / MB:.1f} MB compressed, "
        f"{image['uncompressed'] / MB:.1f} MB uncompressed"
    )
    print()
    header = f"{'tool':<8} {'runs':>4} {'median s':>9} {'min s':>7} {'MB/s':>7} {'CPU s':>6} {'peak RSS':>9}  what it does"
    print(header)
    print("-" * len(header))
    medians = {}
    for tool, samples in runs.items():
        walls = [w for w, _, _ in samples]
        median = statistics.median(walls)
        medians[tool] = median
        cpu = statistics.median(c for _, _, c in samples)
        rss = max(r for _, r, _ in samples) / 1024
        print(
            f"{tool:<8} {len(walls):>4} {median:>9.2f} {min(walls):>7.2f} {compressed / MB / median:>7.1f} "
            f"{cpu:>6.2f} {rss:>6.0f} MiB  {WHAT.get(tool, '')}"
        )
    for tool, samples in runs.items():
        busy = statistics.median(c / w for w, _, c in samples)
        print(f"  {tool}: {busy:.2f} CPUs busy on average (CPU s / wall s)")
    print()
    print("machine limits on the same compressed bytes (best of 3, one stream, page cache warm):")
    for name, seconds in limits.items():
        print(f"  {name:<22} {compressed / MB / seconds:>7.1f} MB/s  ({limit_what[name]})")
    print()
    if "engine" in medians:
        engine_mbs = compressed / MB / medians["engine"]
        if "podman" in medians:
            print(
                f"engine/podman wall time: {medians['engine'] / medians['podman']:.2f} "
                "(both unpack every layer)"
            )
        for name, seconds in limits.items():
            print(f"engine vs {name}: {engine_mbs / (compressed / MB / seconds):.2f}x")
    print("(MB/s = compressed MB / median wall s; CPU s = median user+sys; peak RSS = max over runs)")


if __name__ == "__main__":
    main()
