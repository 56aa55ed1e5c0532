#!/usr/bin/env python3
"""Write fixtures.json: what the registries actually serve, as read back with skopeo.

Usage: record_fixtures.py OUT_JSON BUILD_JSON PLAIN_REGISTRY TLS_REGISTRY USER:PASS CERT_DIR

fixtures.json:
  {"native_arch": "amd64", "other_arch": "arm64",
   "images": {KEY: IMAGE}}
KEY is "NAME:TAG" for the plain registry and "tls/NAME:TAG" for the TLS one. IMAGE:
  registry, repo ("engine-test/NAME"), tag, reference ("REGISTRY/REPO:TAG"), tls (bool),
  manifest_digest, media_type, config_digest, image_id (config digest hex),
  layers [digest], layer_media_types [type], diff_ids [digest], arch, os, variant (or null),
  and for an index: "instances" {ARCH: IMAGE-like dict of that platform's manifest};
  the top-level config/layer fields then describe the native instance.
"""

import hashlib
import json
import subprocess
import sys

PLAIN_IMAGES = ["busybox:latest", "busybox:v2s2", "busybox:zstd", "other:latest", "multi:latest", "big:latest"]
TLS_IMAGES = ["busybox:latest", "multi:latest"]
INDEX_TYPES = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
}


class Registry:
    def __init__(self, host, tls_args):
        self.host = host
        self.tls_args = tls_args

    def fetch(self, repo, ref, config=False):
        """Raw manifest (or config) bytes of REPO at ref (":tag" or "@digest")."""
        cmd = ["skopeo", "--insecure-policy", "inspect", "--raw", *self.tls_args]
        if config:
            cmd.append("--config")
        cmd.append(f"docker://{self.host}/{repo}{ref}")
        result = subprocess.run(cmd, capture_output=True)
        if result.returncode != 0:
            sys.exit(f"record_fixtures.py: {' '.join(cmd)} failed: {result.stderr.decode().strip()}")
        return result.stdout


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def describe_manifest(registry, repo, manifest_bytes):
    manifest = json.loads(manifest_bytes)
    digest = sha256(manifest_bytes)
    config_bytes = registry.fetch(repo, "@" + digest, config=True)
    config = json.loads(config_bytes)
    config_digest = manifest["config"]["digest"]
    if sha256(config_bytes) != config_digest:
        sys.exit(f"record_fixtures.py: {registry.host}/{repo}@{digest}: config does not match its digest")
    return {
        "manifest_digest": digest,
        "media_type": manifest.get("mediaType"),
        "config_digest": config_digest,
        "image_id": config_digest.split(":", 1)[1],
        "layers": [layer["digest"] for layer in manifest["layers"]],
        "layer_media_types": [layer["mediaType"] for layer in manifest["layers"]],
        "diff_ids": config["rootfs"]["diff_ids"],
        "arch": config["architecture"],
        "os": config["os"],
        "variant": config.get("variant"),
    }


def describe(registry, name_tag, native_arch, tls):
    name, tag = name_tag.split(":", 1)
    repo = "engine-test/" + name
    top_bytes = registry.fetch(repo, ":" + tag)
    top = json.loads(top_bytes)
    image = {
        "registry": registry.host,
        "repo": repo,
        "tag": tag,
        "reference": f"{registry.host}/{repo}:{tag}",
        "tls": tls,
    }
    if top.get("mediaType") not in INDEX_TYPES:
        image.update(describe_manifest(registry, repo, top_bytes))
        return image
    instances = {}
    for entry in top["manifests"]:
        child = describe_manifest(registry, repo, registry.fetch(repo, "@" + entry["digest"]))
        instances[entry["platform"]["architecture"]] = child
    image.update(instances[native_arch])
    image.update(manifest_digest=sha256(top_bytes), media_type=top.get("mediaType"), instances=instances)
    return image


def main():
    out_json, build_json, plain, tls, creds, cert_dir = sys.argv[1:]
    with open(build_json) as f:
        build = json.load(f)
    native = build["native_arch"]
    plain_registry = Registry(plain, ["--tls-verify=false"])
    tls_registry = Registry(tls, ["--creds", creds, "--cert-dir", cert_dir])
    images = {key: describe(plain_registry, key, native, False) for key in PLAIN_IMAGES}
    for key in TLS_IMAGES:
        images["tls/" + key] = describe(tls_registry, key, native, True)
    fixtures = {"native_arch": native, "other_arch": build["other_arch"], "images": images}
    with open(out_json, "w") as f:
        json.dump(fixtures, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
