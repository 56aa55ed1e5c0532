//! Facts about this process read from /proc.

/// Whether this process is in a user namespace other than the initial one, whose
/// `/proc/self/uid_map` is the identity `0 0 4294967295` (e.g. inside `engine unshare`).
pub fn in_user_namespace() -> bool {
    std::fs::read_to_string("/proc/self/uid_map").is_ok_and(|map| !is_identity_uid_map(&map))
}

pub fn is_identity_uid_map(map: &str) -> bool {
    map.split_whitespace().eq(["0", "0", "4294967295"])
}

/// Whether file descriptor `fd` of this process is a terminal.
pub fn is_tty(fd: i32) -> bool {
    // SAFETY: isatty only inspects the descriptor.
    unsafe { libc::isatty(fd) == 1 }
}

/// The first executable file called `name` in `path_var` (a `$PATH`), else in /usr/bin.
/// Relative `$PATH` entries are skipped: the programs looked up this way (newuidmap, OCI
/// runtimes, fuse-overlayfs) must not depend on the working directory.
pub fn find_executable(
    name: &str,
    path_var: Option<&std::ffi::OsStr>,
) -> Option<std::path::PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let from_path = path_var.into_iter().flat_map(std::env::split_paths);
    from_path
        .filter(|dir| dir.is_absolute())
        .chain([std::path::PathBuf::from("/usr/bin")])
        .map(|dir| dir.join(name))
        .find(|candidate| {
            candidate
                .metadata()
                .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        })
}
