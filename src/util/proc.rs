//! Facts about this process read from /proc.

/// Whether this process is in a user namespace other than the initial one, whose
/// `/proc/self/uid_map` is the identity `0 0 4294967295` (e.g. inside `engine unshare`).
pub fn in_user_namespace() -> bool {
    std::fs::read_to_string("/proc/self/uid_map").is_ok_and(|map| !is_identity_uid_map(&map))
}

pub fn is_identity_uid_map(map: &str) -> bool {
    map.split_whitespace().eq(["0", "0", "4294967295"])
}
