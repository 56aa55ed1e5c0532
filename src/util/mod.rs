//! Small helpers shared by every layer: atomic file writes and digests.

pub mod concurrent;
pub mod digest;
pub mod fs;
pub mod limits;
pub mod log;
pub mod proc;
pub mod signal;
pub mod tar_hash;
