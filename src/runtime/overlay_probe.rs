//! Can this process (as root of its user namespace) mount native overlayfs the way containers
//! need it? Checked by really mounting two lower dirs and an upper dir, deleting a lower file
//! through the mount (a whiteout) and reading the result back.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use rustix::mount::{MountFlags, UnmountFlags, mount, unmount};

/// Runs the probe in `dir` (an empty scratch directory); `Ok` when overlay works.
pub fn probe_overlay(dir: &Path, userxattr: bool) -> Result<()> {
    let [lower1, lower2, upper, work, merged] =
        ["lower1", "lower2", "upper", "work", "merged"].map(|d| dir.join(d));
    for d in [&lower1, &lower2, &upper, &work, &merged] {
        fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
    }
    fs::write(lower1.join("a"), b"1")?;
    fs::write(lower2.join("b"), b"2")?;
    let mut options = format!(
        "lowerdir={}:{},upperdir={},workdir={}",
        lower2.display(),
        lower1.display(),
        upper.display(),
        work.display()
    );
    if userxattr {
        options.push_str(",userxattr");
    }
    let data =
        std::ffi::CString::new(options.clone()).context("overlay options contain a NUL byte")?;
    mount(
        "overlay",
        &merged,
        "overlay",
        MountFlags::empty(),
        data.as_c_str(),
    )
    .with_context(|| format!("mounting overlay on {} ({options})", merged.display()))?;
    let checked = (|| {
        fs::remove_file(merged.join("a")).context("deleting a lower file through overlay")?;
        if merged.join("a").exists() || !merged.join("b").exists() {
            bail!("overlay shows the wrong files after a delete");
        }
        Ok(())
    })();
    unmount(&merged, UnmountFlags::DETACH)
        .with_context(|| format!("unmounting {}", merged.display()))?;
    checked
}
