#!/usr/bin/env python3
"""Writes the layer unpacker's seed tars to fuzz/seeds/unpack/ (run from the repository root).

Small on purpose: each is one feature of layers (files, links, whiteouts, devices, pax and GNU
long names) or one known escape attempt, so the fuzzer starts from every code path of the
unpacker. The archives end right after their two end-of-archive blocks (Python pads to 10 KiB).
"""
import io
import os
import tarfile

OUT = "fuzz/seeds/unpack"


def member(name, kind=tarfile.REGTYPE, data=b"", **fields):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    info.mode = fields.pop("mode", 0o755 if kind == tarfile.DIRTYPE else 0o644)
    info.mtime = 1_700_000_000
    for key, value in fields.items():
        setattr(info, key, value)
    return info, data


def write(name, members, fmt=tarfile.USTAR_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data else None)
    raw = buf.getvalue().rstrip(b"\0")
    padded = (len(raw) + 511) // 512 * 512
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(raw.ljust(padded, b"\0") + b"\0" * 1024)


os.makedirs(OUT, exist_ok=True)
write("files.tar", [
    member("etc/", tarfile.DIRTYPE),
    member("etc/hostname", data=b"layer\n", uid=1000, gid=1000),
    member("bin/", tarfile.DIRTYPE, mode=0o555),
    member("bin/sh", data=b"#!fake\n", mode=0o4755),
])
write("links.tar", [
    member("a", data=b"x"),
    member("hard", tarfile.LNKTYPE, linkname="a"),
    member("soft", tarfile.SYMTYPE, linkname="a"),
    member("dir/", tarfile.DIRTYPE),
    member("dir/up", tarfile.SYMTYPE, linkname="../a"),
])
write("whiteouts.tar", [
    member("d/", tarfile.DIRTYPE),
    member("d/.wh..wh..opq"),
    member(".wh.gone"),
    member("d/.wh.file"),
])
write("nodes.tar", [
    member("dev/", tarfile.DIRTYPE),
    member("dev/null", tarfile.CHRTYPE, devmajor=1, devminor=3, mode=0o666),
    member("dev/loop0", tarfile.BLKTYPE, devmajor=7, devminor=0),
    member("fifo", tarfile.FIFOTYPE),
])
write("escape-dotdot.tar", [member("../escaped", data=b"x")])
write("escape-absolute.tar", [member("/abs/file", data=b"x")])
# The escapes climb one level only, so that a broken unpacker writes next to its root, where the
# fuzz target and tests/fuzz_smoke.rs look; the absolute one names a directory no host has.
write("escape-symlink-dir.tar", [
    member("out", tarfile.SYMTYPE, linkname=".."),
    member("out/escaped", data=b"x"),
])
write("escape-symlink-absolute.tar", [
    member("out", tarfile.SYMTYPE, linkname="/nonexistent-engine-fuzz"),
    member("out/escaped", data=b"x"),
])
write("escape-symlink-chain.tar", [
    member("a", tarfile.SYMTYPE, linkname="b"),
    member("b", tarfile.SYMTYPE, linkname="c"),
    member("c", tarfile.SYMTYPE, linkname=".."),
    member("a/escaped", data=b"x"),
])
write("escape-hardlink.tar", [member("h", tarfile.LNKTYPE, linkname="../canary")])
write("escape-hardlink-via-symlink.tar", [
    member("up", tarfile.SYMTYPE, linkname=".."),
    member("h", tarfile.LNKTYPE, linkname="up/canary"),
    member("h", data=b"overwritten"),
])
write("replace-kinds.tar", [
    member("x", data=b"file"),
    member("x/", tarfile.DIRTYPE),
    member("x", data=b"file again"),
    member("x", data=b"duplicate"),
])
write("pax-long.tar", [
    member("p/" + "n" * 150 + "/file", data=b"long", pax_headers={"user.note": "x"}),
], fmt=tarfile.PAX_FORMAT)
write("gnu-long.tar", [member("g/" + "m" * 120, data=b"gnu")], fmt=tarfile.GNU_FORMAT)
