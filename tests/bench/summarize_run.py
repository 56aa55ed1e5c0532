#!/usr/bin/env python3
"""Print the run benchmark's table from the runs tests/bench/run.sh recorded (repeat.py's TSV).

Usage: summarize_run.py RUNS_TSV   (the rows tests/bench/repeat.py appends)

Labels it knows (others are printed without a description): engine, podman, crun,
crun-subids (the run benchmark) and engine-pull, podman-pull (cold pull including unpack).
Then the targets: engine run <= 1/5 of podman's median and <= 2x the crun floor's, engine's
peak RSS < 20 MiB, engine pull <= 1/2 of podman's median.
"""

import statistics
import sys
from collections import defaultdict

KIB_PER_MIB = 1024

WHAT = {
    "engine": "engine run --rm --network none IMAGE true (image in the store)",
    "podman": "podman run --rm --network none IMAGE true (image in the store)",
    "crun": "floor: crun run of a bundle, `crun spec --rootless` (own uid only), plain rootfs dir",
    "crun-subids": "crun run as above, with engine's id mappings (newuidmap/newgidmap)",
    "engine-pull": "cold engine pull of the ~250 MB image, unpacking included",
    "podman-pull": "cold podman pull of the same, unpacking included",
}

# (description, numerator label, denominator label, goal as a ratio)
RATIO_TARGETS = [
    ("engine run / podman run", "engine", "podman", 1 / 5),
    ("engine run / crun floor", "engine", "crun", 2.0),
    ("engine pull / podman pull", "engine-pull", "podman-pull", 1 / 2),
]
RSS_TARGET_MIB = 20


class Samples:
    """One label's runs: timed ones (wall, CPU) and GNU time ones (peak RSS)."""

    def __init__(self):
        self.timed, self.under_time = [], []

    def add(self, kind, wall, rss_kib, user, system, load):
        run = (float(wall), float(user) + float(system), float(load), int(rss_kib or 0))
        (self.under_time if kind == "rss" else self.timed).append(run)

    @property
    def walls(self):
        # A label measured only under GNU time (a single cold pull) keeps those wall times:
        # GNU time's millisecond is noise next to seconds.
        return [wall for wall, _, _, _ in self.timed or self.under_time]

    @property
    def cpu(self):
        return statistics.median(cpu for _, cpu, _, _ in self.timed or self.under_time)

    @property
    def load(self):
        return statistics.median(load for _, _, load, _ in self.timed or self.under_time)

    @property
    def peak_rss_mib(self):
        """None when no run was under GNU time."""
        if not self.under_time:
            return None
        return max(rss for _, _, _, rss in self.under_time) / KIB_PER_MIB

    @property
    def median(self):
        return statistics.median(self.walls)

    @property
    def p90(self):
        walls = self.walls
        if len(walls) < 2:
            return walls[0]
        return statistics.quantiles(walls, n=10, method="inclusive")[8]


def read_runs(path):
    runs = defaultdict(Samples)
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 8 or fields[1] not in ("time", "rss"):
                sys.exit(f"summarize_run.py: {path}:{number}: expected repeat.py's 8 tab-separated fields")
            label, kind, _run, *values = fields
            runs[label].add(kind, *values)
    # The order of WHAT, whatever order the interleaved rounds recorded them in.
    order = list(WHAT) + sorted(set(runs) - set(WHAT))
    return {label: runs[label] for label in order if label in runs}


def duration(seconds):
    """Milliseconds below a second, where container starts live; seconds above (pulls)."""
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def rss_text(mib):
    return "-" if mib is None else f"{mib:.1f} MiB"


def print_table(runs):
    header = f"{'':<12} {'runs':>4} {'median':>10} {'p90':>10} {'min':>10} {'CPU':>10} {'peak RSS':>10}  what"
    print(header)
    print("-" * len(header))
    for label, s in runs.items():
        print(
            f"{label:<12} {len(s.walls):>4} {duration(s.median):>10} {duration(s.p90):>10} "
            f"{duration(min(s.walls)):>10} {duration(s.cpu):>10} {rss_text(s.peak_rss_mib):>10}  "
            f"{WHAT.get(label, '')}"
        )
    print()
    print("median, p90, min = wall time (the median is the figure to quote); CPU = median user+sys")
    print("of the process and the descendants it waited for (not podman's conmon, which detaches);")
    print("peak RSS = the largest over the runs under GNU time of the process or a waited-for")
    print("descendant (the figure /usr/bin/time -v prints). Median load average before the runs:")
    print("  " + ", ".join(f"{label} {s.load:.2f}" for label, s in runs.items()))


def print_targets(runs):
    print()
    header = f"{'target':<28} {'measured':>10} {'goal':>10}  verdict"
    print(header)
    print("-" * len(header))
    for what, top, bottom, goal in RATIO_TARGETS:
        if top not in runs or bottom not in runs:
            print(f"{what:<28} {'-':>10} {'<= ' + format(goal, '.2f'):>10}  not measured")
            continue
        ratio = runs[top].median / runs[bottom].median
        verdict = "met" if ratio <= goal else f"NOT met ({ratio / goal:.1f}x over)"
        print(f"{what:<28} {ratio:>10.2f} {'<= ' + format(goal, '.2f'):>10}  {verdict}")
    rss = runs["engine"].peak_rss_mib if "engine" in runs else None
    if rss is None:
        print(f"{'engine run peak RSS':<28} {'-':>10} {'< ' + str(RSS_TARGET_MIB) + ' MiB':>10}  not measured")
    else:
        verdict = "met" if rss < RSS_TARGET_MIB else "NOT met"
        print(f"{'engine run peak RSS':<28} {rss_text(rss):>10} {'< ' + str(RSS_TARGET_MIB) + ' MiB':>10}  {verdict}")
    if "crun-subids" in runs and "engine" in runs:
        ratio = runs["engine"].median / runs["crun-subids"].median
        print(f"(engine run / crun with engine's id mappings: {ratio:.2f})")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: summarize_run.py RUNS_TSV")
    runs = read_runs(sys.argv[1])
    if not runs:
        sys.exit(f"summarize_run.py: {sys.argv[1]} holds no runs")
    print_table(runs)
    print_targets(runs)


if __name__ == "__main__":
    main()
