#!/usr/bin/env python3
"""Generate the pull benchmark's image: a ~250 MB (uncompressed) OCI image layout, tag `latest`.

Usage: make_image.py OUT_DIR

Six gzip layers shaped like a real distro-based image rather than a synthetic blob: real shared
libraries, executables, Python sources and /usr/share text copied from this host (compressible
2-4x, many small files), a layer of incompressible random "assets", and a small app layer on top.
Varied sizes matter: one huge layer alone would hide per-layer costs and the parallel downloads.

Stdlib only; tar and gzip are streamed through temp files, so memory stays small. Fixed mtimes,
owners, entry order, gzip headers and a seeded generator make it repeatable on one host (the
host's files differ between machines, so digests do too). Prints a JSON summary on stdout.
"""

import hashlib
import io
import json
import os
import platform
import random
import stat
import sys
import tarfile
import zlib

CREATED = "2024-01-01T00:00:00Z"
MTIME = 1704067200  # CREATED as a Unix time
MIB = 1024 * 1024
# gzip level 6 is what docker, buildah and skopeo (Go's compress/gzip default) produce.
GZIP_LEVEL = 6
SEED = 20240101

MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"

# Files that are already compressed: the "text" layer skips them so it stays compressible.
COMPRESSED_SUFFIXES = (".gz", ".xz", ".bz2", ".zst", ".lz4", ".zip", ".jar", ".png", ".jpg", ".woff2")

# uname -m -> OCI architecture
ARCHES = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "ppc64le": "ppc64le", "s390x": "s390x"}


class HashingFile:
    """A binary file that also hashes and counts what is written to it."""

    def __init__(self, path):
        self.file = open(path, "wb")
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data):
        self.file.write(data)
        self.sha.update(data)
        self.size += len(data)
        return len(data)

    def close(self):
        self.file.close()


class GzipLayerSink:
    """What tarfile writes into: hashes the raw tar (the diff_id) and gzips it to a blob file."""

    def __init__(self, blob):
        self.blob = blob
        self.diff = hashlib.sha256()
        self.raw_size = 0
        # wbits 31: a gzip wrapper with mtime 0 and no file name, so the bytes are repeatable.
        self.deflate = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)

    def write(self, data):
        self.diff.update(data)
        self.raw_size += len(data)
        self.blob.write(self.deflate.compress(data))
        return len(data)

    def finish(self):
        self.blob.write(self.deflate.flush())


class LayerWriter:
    """One layer being written: add entries, then finish() gives its descriptor and diff_id."""

    def __init__(self, layout):
        self.layout = layout
        self.tmp = os.path.join(layout.root, "layer.tmp")
        self.blob = HashingFile(self.tmp)
        self.sink = GzipLayerSink(self.blob)
        self.tar = tarfile.open(fileobj=self.sink, mode="w|", format=tarfile.PAX_FORMAT)
        self.dirs = set()

    def _info(self, name, kind, mode, size=0):
        info = tarfile.TarInfo(name)
        info.type, info.mode, info.size, info.mtime = kind, mode, size, MTIME
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    def parents(self, name):
        """Directory entries for every missing parent of name, as a real layer has."""
        parts = name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in self.dirs:
                self.dirs.add(d)
                self.tar.addfile(self._info(d, tarfile.DIRTYPE, 0o755))

    def data(self, name, payload, mode=0o644):
        self.parents(name)
        self.tar.addfile(self._info(name, tarfile.REGTYPE, mode, len(payload)), io.BytesIO(payload))

    def host_file(self, path, st):
        """Copies a host file or symlink; returns the bytes it adds (0 if unreadable)."""
        name = path.lstrip("/")
        if stat.S_ISLNK(st.st_mode):
            self.parents(name)
            info = self._info(name, tarfile.SYMTYPE, 0o777)
            info.linkname = os.readlink(path)
            self.tar.addfile(info)
            return 0
        try:
            f = open(path, "rb")
        except OSError:
            return 0
        with f:
            self.parents(name)
            self.tar.addfile(self._info(name, tarfile.REGTYPE, stat.S_IMODE(st.st_mode), st.st_size), f)
        return st.st_size

    def finish(self):
        self.tar.close()
        self.sink.finish()
        self.blob.close()
        digest = "sha256:" + self.blob.sha.hexdigest()
        os.replace(self.tmp, self.layout.blob_path(digest))
        desc = {"mediaType": MT_LAYER_GZIP, "digest": digest, "size": self.blob.size}
        return desc, "sha256:" + self.sink.diff.hexdigest(), self.sink.raw_size


class Layout:
    """An OCI image layout directory: blobs/sha256/*, oci-layout, index.json."""

    def __init__(self, root):
        self.root = root
        os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)

    def blob_path(self, digest):
        return os.path.join(self.root, "blobs", "sha256", digest.split(":", 1)[1])

    def put_json(self, media_type, value):
        data = json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        with open(self.blob_path(digest), "wb") as f:
            f.write(data)
        return {"mediaType": media_type, "digest": digest, "size": len(data)}

    def tag(self, name, manifest_desc):
        with open(os.path.join(self.root, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)
        entry = dict(manifest_desc, annotations={"org.opencontainers.image.ref.name": name})
        index = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": [entry]}
        with open(os.path.join(self.root, "index.json"), "w") as f:
            json.dump(index, f, sort_keys=True)


def host_files(roots, want):
    """(path, stat) of the regular files and symlinks under roots, in a fixed (sorted) order."""
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                if (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)) and want(path):
                    yield path, st


def not_compressed(path):
    return not path.endswith(COMPRESSED_SUFFIXES)


def copy_layer(layout, roots, budget, want=lambda path: True):
    """Host files under roots until budget bytes. A file that would overshoot is skipped (a
    100 MB libLLVM would otherwise make the layer twice as big as planned)."""
    layer = LayerWriter(layout)
    total = 0
    for path, st in host_files(roots, want):
        if total + st.st_size <= budget:
            total += layer.host_file(path, st)
        if total >= budget * 0.98:
            break
    return layer.finish()


def random_layer(layout, rng, files, each):
    """Incompressible content, like pre-compressed assets or model weights."""
    layer = LayerWriter(layout)
    for i in range(files):
        layer.data(f"opt/assets/blob-{i:02d}.bin", rng.randbytes(each))
    return layer.finish()


def app_layer(layout, rng):
    """A small top layer: config files plus a little binary, as an application layer is."""
    layer = LayerWriter(layout)
    layer.data("etc/app/app.conf", b"".join(b"option_%d = %d\n" % (i, i * 7) for i in range(2000)))
    layer.data("usr/local/bin/app", rng.randbytes(2 * MIB) + b"\0" * MIB, mode=0o755)
    layer.data("etc/motd", b"engine pull benchmark image\n")
    return layer.finish()


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[2])
    layout = Layout(sys.argv[1])
    rng = random.Random(SEED)
    # Debian's multiarch directory holds the shared libraries; other distributions use /usr/lib64.
    libdir = next(d for d in (f"/usr/lib/{platform.machine()}-linux-gnu", "/usr/lib64", "/usr/lib") if os.path.isdir(d))
    python = sorted(p for p in os.listdir("/usr/lib") if p.startswith("python3"))
    # (history comment, builder): sizes in uncompressed MiB add up to ~250 MB.
    plan = [
        ("shared libraries", lambda: copy_layer(layout, [libdir], 90 * MIB)),
        ("executables", lambda: copy_layer(layout, ["/usr/bin", "/usr/sbin"], 40 * MIB)),
        ("python", lambda: copy_layer(layout, [f"/usr/lib/{p}" for p in python], 40 * MIB)),
        ("text", lambda: copy_layer(layout, ["/usr/share"], 30 * MIB, not_compressed)),
        ("random assets", lambda: random_layer(layout, rng, 8, 4 * MIB)),
        ("app", lambda: app_layer(layout, rng)),
    ]
    layers, diff_ids, raw_sizes = [], [], []
    for _, build in plan:
        desc, diff_id, raw = build()
        layers.append(desc)
        diff_ids.append(diff_id)
        raw_sizes.append(raw)

    config = {
        "created": CREATED,
        "architecture": ARCHES.get(platform.machine(), platform.machine()),
        "os": "linux",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": CREATED, "comment": comment} for comment, _ in plan],
    }
    config_desc = layout.put_json(MT_CONFIG, config)
    manifest = {"schemaVersion": 2, "mediaType": MT_MANIFEST, "config": config_desc, "layers": layers}
    layout.tag("latest", layout.put_json(MT_MANIFEST, manifest))
    json.dump(
        {
            "image_id": config_desc["digest"].split(":", 1)[1],
            "layers": [
                {"comment": c, "digest": d["digest"], "compressed": d["size"], "uncompressed": r}
                for (c, _), d, r in zip(plan, layers, raw_sizes)
            ],
            "compressed": sum(d["size"] for d in layers),
            "uncompressed": sum(raw_sizes),
        },
        sys.stdout,
        indent=1,
    )
    print()


if __name__ == "__main__":
    main()
