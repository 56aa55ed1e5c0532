//! Tests of spec generation. Fixtures here; one file per concern.

mod build;
mod caps;
mod command_env;
mod etc_files;
mod keep_id;
mod mount_flags;
mod mounts;
mod recipe;
mod rlimits;
mod user;

use std::path::PathBuf;

use anyhow::Result;
use oci_spec::image::ImageConfiguration;
use oci_spec::runtime::{LinuxIdMapping, LinuxIdMappingBuilder, Mount, Spec};
use tempfile::TempDir;

use super::{
    Generated, HostContext, RootfsDriver, RootfsRecipe, RunOptions, SpecInputs, build_spec,
};

pub const PASSWD: &str = "\
root:x:0:0:root:/root:/bin/sh
# a comment line
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
app:x:1000:1000:App User:/home/app:/bin/sh
broken line without fields
nohome:x:1001:1001::
";

pub const GROUP: &str = "\
root:x:0:
wheel:x:10:app,other
staff:x:50:
audio:x:29:app
app:x:1000:
";

pub const CONTAINER_ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// A rootless host with typical limits and files.
pub fn host() -> HostContext {
    HostContext {
        rootless: true,
        uid: 1000,
        gid: 1000,
        hostname: "hosty".into(),
        env: vec![
            ("HOSTVAR".into(), "from-host".into()),
            ("PROXY_A".into(), "a".into()),
            ("PROXY_B".into(), "b".into()),
        ],
        nofile: (1024, 524_288),
        nproc: (62_000, 62_000),
        cap_last_cap: 40,
        hosts: "127.0.0.1 localhost\n192.168.1.5 nas\n".into(),
        resolv_conf: "nameserver 127.0.0.53\nsearch lan\n".into(),
        network: crate::network::HostNetwork {
            address: Some([192, 0, 2, 2].into()),
            gateway: Some([192, 0, 2, 1].into()),
        },
        account: super::host::HostAccount {
            name: "alice".into(),
            gecos: "Alice A".into(),
            home: "/home/alice".into(),
            group_name: "alice".into(),
        },
    }
}

pub fn id_map(container: u32, host: u32, size: u32) -> LinuxIdMapping {
    LinuxIdMappingBuilder::default()
        .container_id(container)
        .host_id(host)
        .size(size)
        .build()
        .unwrap()
}

/// podman's rootless layout: 0 = the user, 1..65536 = subordinate IDs.
pub fn rootless_maps() -> Vec<LinuxIdMapping> {
    vec![id_map(0, 1000, 1), id_map(1, 100_000, 65_536)]
}

/// An image config with `config` as its `config` object.
pub fn image(config: serde_json::Value) -> ImageConfiguration {
    let doc = serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": []},
        "config": config,
    });
    ImageConfiguration::from_reader(doc.to_string().as_bytes()).unwrap()
}

pub fn opts() -> RunOptions {
    RunOptions {
        container_id: CONTAINER_ID.into(),
        container_name: "happy_cat".into(),
        ..RunOptions::default()
    }
}

/// The pieces of a build; tests adjust fields and call [`Fixture::build`].
pub struct Fixture {
    pub bundle: TempDir,
    pub image: ImageConfiguration,
    pub host: HostContext,
    pub uids: Vec<LinuxIdMapping>,
    pub gids: Vec<LinuxIdMapping>,
    pub recipe: RootfsRecipe,
    pub passwd: Option<&'static str>,
}

impl Fixture {
    pub fn new() -> Fixture {
        Fixture {
            bundle: TempDir::new().unwrap(),
            image: image(serde_json::json!({"Cmd": ["/bin/sh"]})),
            host: host(),
            uids: rootless_maps(),
            gids: rootless_maps(),
            recipe: RootfsRecipe {
                driver: RootfsDriver::Overlay,
                lowerdirs: vec!["/store/layers/b/diff".into(), "/store/layers/a/diff".into()],
                upperdir: Some(PathBuf::from("/store/containers/x/upper")),
                workdir: Some(PathBuf::from("/store/containers/x/work")),
            },
            passwd: Some(PASSWD),
        }
    }

    /// A rootful host: no user namespace by default.
    pub fn rootful() -> Fixture {
        let mut fx = Fixture::new();
        fx.host.rootless = false;
        fx.uids.clear();
        fx.gids.clear();
        fx
    }

    pub fn build(&self, opts: &RunOptions) -> Result<Generated> {
        self.build_with_seccomp(opts, None)
    }

    pub fn build_with_seccomp(
        &self,
        opts: &RunOptions,
        seccomp: Option<oci_spec::runtime::LinuxSeccomp>,
    ) -> Result<Generated> {
        let passwd = self.passwd;
        let files = move |path: &str| -> Option<Vec<u8>> {
            match path {
                "/etc/passwd" => passwd.map(|p| p.as_bytes().to_vec()),
                "/etc/group" => passwd.map(|_| GROUP.as_bytes().to_vec()),
                _ => None,
            }
        };
        build_spec(&SpecInputs {
            image: &self.image,
            options: opts,
            image_files: &files,
            host: &self.host,
            uid_mappings: &self.uids,
            gid_mappings: &self.gids,
            seccomp,
            rootfs: &self.recipe,
            bundle: self.bundle.path(),
        })
    }

    pub fn spec(&self, opts: &RunOptions) -> Spec {
        self.build(opts).unwrap().spec
    }
}

pub fn args(spec: &Spec) -> Vec<String> {
    spec.process().as_ref().unwrap().args().clone().unwrap()
}

pub fn env(spec: &Spec) -> Vec<String> {
    spec.process().as_ref().unwrap().env().clone().unwrap()
}

pub fn mounts(spec: &Spec) -> Vec<Mount> {
    spec.mounts().clone().unwrap()
}

pub fn mount_at(spec: &Spec, dest: &str) -> Option<Mount> {
    mounts(spec)
        .into_iter()
        .find(|m| m.destination().to_str() == Some(dest))
}

pub fn options_of(m: &Mount) -> Vec<String> {
    m.options().clone().unwrap_or_default()
}

/// The error chain as one line, the way the top level prints it.
pub fn err_text<T: std::fmt::Debug>(result: Result<T>) -> String {
    format!("{:#}", result.unwrap_err())
}
