#!/usr/bin/env python3
"""HTTP load for tests/bench/net.sh: throughput of large downloads and the rate of small requests,
each on a new connection, against a published port.

Usage:
  http_load.py throughput HOST PORT PATH COUNT   median MB/s over COUNT downloads of PATH
  http_load.py rate HOST PORT PATH SECONDS       requests/s, one connection each, for SECONDS

Prints one number. Exits 1 with a message when a request fails (no answer, not 200, short body).
"""

import socket
import statistics
import sys
import time

CHUNK = 1 << 20


def get(host, port, path):
    """One GET on a new connection; returns the body's length (checked against Content-Length)."""
    with socket.create_connection((host, port), timeout=30) as conn:
        conn.sendall(f"GET {path} HTTP/1.0\r\nHost: bench\r\n\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            data = conn.recv(4096)
            if not data:
                sys.exit(f"{host}:{port}{path}: the connection closed before the headers ended")
            head += data
        head, body_start = head.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        if " 200 " not in lines[0] + " ":
            sys.exit(f"{host}:{port}{path}: {lines[0]}")
        length = next(
            (int(l.split(":", 1)[1]) for l in lines if l.lower().startswith("content-length:")),
            None,
        )
        got = len(body_start)
        while True:
            data = conn.recv(CHUNK)
            if not data:
                break
            got += len(data)
        if length is not None and got != length:
            sys.exit(f"{host}:{port}{path}: {got} of {length} bytes")
        return got


def throughput(host, port, path, count):
    speeds = []
    for _ in range(count):
        start = time.monotonic()
        size = get(host, port, path)
        speeds.append(size / (time.monotonic() - start) / 1e6)
    return statistics.median(speeds)


def rate(host, port, path, seconds):
    done = 0
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        get(host, port, path)
        done += 1
    return done / (time.monotonic() - start)


def main():
    if len(sys.argv) != 6 or sys.argv[1] not in ("throughput", "rate"):
        sys.exit(__doc__)
    mode, host, port, path, amount = sys.argv[1:]
    if mode == "throughput":
        print(f"{throughput(host, int(port), path, int(amount)):.1f}")
    else:
        print(f"{rate(host, int(port), path, float(amount)):.0f}")


if __name__ == "__main__":
    main()
