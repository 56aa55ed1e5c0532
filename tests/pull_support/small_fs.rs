//! A tiny tmpfs owned by the test user, to run the engine out of disk space for real. Unmounted
//! on drop, also when the test panics, so no mount outlives the test (or its sandbox's removal).

use std::fs;
use std::path::{Path, PathBuf};

use nix::mount::{MntFlags, MsFlags, mount, umount2};

use crate::common::env;

pub struct SmallFs {
    dir: PathBuf,
}

impl SmallFs {
    /// Mounts a tmpfs of `size` (tmpfs syntax: "3m") on `dir`, created if missing, mode 0700,
    /// owned by the test user.
    pub fn mount(dir: &Path, size: &str) -> SmallFs {
        fs::create_dir_all(dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        let options = format!("size={size},uid={},gid={},mode=0700", env().uid, env().gid);
        mount(
            Some("tmpfs"),
            dir,
            Some("tmpfs"),
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
            Some(options.as_str()),
        )
        .unwrap_or_else(|e| panic!("mount -t tmpfs -o {options} tmpfs {}: {e}", dir.display()));
        SmallFs {
            dir: dir.to_path_buf(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        // Lazy: an engine the test left running must not keep the mount (and the home) alive.
        if let Err(e) = umount2(&self.dir, MntFlags::MNT_DETACH) {
            eprintln!("warning: could not unmount {}: {e}", self.dir.display());
        }
    }
}
