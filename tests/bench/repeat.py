#!/usr/bin/env python3
"""Time commands many times, interleaved, then measure their peak RSS.

Usage: repeat.py --plan PLAN --out RUNS_TSV --logs DIR [--warmups N] [--runs N] [--rss-runs N]

  PLAN      one command a line: LABEL, then its argv, tab-separated (no shell involved)
  RUNS_TSV  appended, a row per recorded run: LABEL, kind, run, wall s, peak RSS KiB, user s,
            sys s, load average before the run. kind `time` rows have wall, user and sys (no
            RSS); kind `rss` rows have the RSS (and a wall time inflated by GNU time)
  DIR       DIR/LABEL.log collects each command's stdout and stderr (shown when one fails)

Every round runs each command once, starting from a different one each round, so a burst of
load from other jobs hits all of them alike. First --warmups rounds, not recorded; then --runs
timed rounds: a posix_spawn and a wait4, the wall clock read around them, user and sys from
wait4's rusage (the command's and its waited-for descendants'). Then --rss-runs rounds under
`/usr/bin/time -f %M`, for the peak RSS only: ru_maxrss counts the memory a process had when it
called exec, so a command spawned straight from this Python process (~11 MiB) would report at
least that, while a child of GNU time starts from GNU time's ~2 MiB. GNU time would add about
a millisecond of fork and exec to every timed run, hence the separate rounds. The figure is the
largest resident set of the command and of the descendants it waited for (for engine: its
re-executed helpers, the same binary; the container's `true` is far smaller), as
`/usr/bin/time -v` prints it.

A single cold run where a millisecond does not matter (a pull) is `--runs 0 --rss-runs 1`.

A command that exits non-zero stops everything (exit status 1): a benchmark of a failing
command is no benchmark.
"""

import argparse
import os
import sys
import time

GNU_TIME = "/usr/bin/time"


def read_plan(path):
    plan = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 2 or not fields[0]:
                sys.exit(f"repeat.py: {path}:{number}: expected LABEL<TAB>PROGRAM[<TAB>ARG...]")
            plan.append((fields[0], fields[1:]))
    if not plan:
        sys.exit(f"repeat.py: {path} has no commands")
    return plan


def load_average():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def spawn(argv, log_path):
    """Runs argv with stdout and stderr appended to log_path; returns (wall s, exit code, rusage)."""
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ]
    start = time.perf_counter_ns()
    pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    wall = (time.perf_counter_ns() - start) / 1e9
    return wall, os.waitstatus_to_exitcode(status), usage


def tail(path, lines=20):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError as e:
        return f"(cannot read {path}: {e.strerror})\n"


class Runner:
    def __init__(self, plan, logs):
        self.plan = plan
        self.logs = logs
        self.rss_path = os.path.join(logs, "rss")
        self.rows = []

    def round(self, number, kind, run):
        """Runs every command once; records them as run `run` of `kind` unless run is None."""
        shift = number % len(self.plan)
        for label, argv in self.plan[shift:] + self.plan[:shift]:
            log_path = os.path.join(self.logs, label + ".log")
            if kind == "rss":
                argv = [GNU_TIME, "-f", "%M", "-o", self.rss_path, "--"] + argv
            load = load_average()
            wall, code, usage = spawn(argv, log_path)
            if code != 0:
                sys.stderr.write(tail(log_path))
                sys.exit(f"repeat.py: {label} exited with {code}: {' '.join(argv)} (its output above)")
            if run is None:
                continue
            rss = ""
            if kind == "rss":
                with open(self.rss_path) as f:
                    rss = f.read().split()[-1]
            self.rows.append(
                f"{label}\t{kind}\t{run}\t{wall:.6f}\t{rss}\t"
                f"{usage.ru_utime:.6f}\t{usage.ru_stime:.6f}\t{load}\n"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--logs", required=True)
    parser.add_argument("--warmups", type=int, default=0)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--rss-runs", type=int, default=0)
    args = parser.parse_args()
    if min(args.warmups, args.runs, args.rss_runs) < 0 or args.runs + args.rss_runs == 0:
        sys.exit("repeat.py: --warmups, --runs and --rss-runs must be >= 0, and --runs or --rss-runs > 0")
    if args.rss_runs and not os.access(GNU_TIME, os.X_OK):
        sys.exit(f"repeat.py: {GNU_TIME} is missing: apt-get install time")

    runner = Runner(read_plan(args.plan), args.logs)
    number = 0
    for _ in range(args.warmups):
        runner.round(number, "time", None)
        number += 1
    for run in range(1, args.runs + 1):
        runner.round(number, "time", run)
        number += 1
    for run in range(1, args.rss_runs + 1):
        runner.round(number, "rss", run)
        number += 1
    with open(args.out, "a") as f:
        f.writelines(runner.rows)


if __name__ == "__main__":
    main()
