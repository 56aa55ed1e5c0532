#!/usr/bin/env python3
"""Turn the config.json of `crun spec --rootless` into the run benchmark's floor container.

Usage: crun_bundle.py CONFIG_JSON [--map UID GID SUBUID SUBUID_COUNT SUBGID SUBGID_COUNT]

The process becomes `/bin/true` without a terminal (the benchmark has none), in its own network
namespace like `--network none`. Without --map the spec keeps crun's rootless default, the
caller's own id mapped to root and nothing else: no newuidmap, the true floor. With --map it
gets the mappings engine and podman use, 0 = the user and 1.. = the subordinate range, which
crun sets up with newuidmap/newgidmap as they do.
"""

import argparse
import json


def mappings(own_id, start, count):
    return [
        {"containerID": 0, "hostID": own_id, "size": 1},
        {"containerID": 1, "hostID": start, "size": count},
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config")
    parser.add_argument("--map", nargs=6, type=int, metavar="ID")
    args = parser.parse_args()

    with open(args.config) as f:
        spec = json.load(f)
    spec["process"]["terminal"] = False
    spec["process"]["args"] = ["/bin/true"]
    namespaces = spec["linux"].setdefault("namespaces", [])
    if not any(ns.get("type") == "network" for ns in namespaces):
        namespaces.append({"type": "network"})
    if args.map:
        uid, gid, subuid, subuid_count, subgid, subgid_count = args.map
        spec["linux"]["uidMappings"] = mappings(uid, subuid, subuid_count)
        spec["linux"]["gidMappings"] = mappings(gid, subgid, subgid_count)
    with open(args.config, "w") as f:
        json.dump(spec, f, indent=2)


if __name__ == "__main__":
    main()
