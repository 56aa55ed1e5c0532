//! Containers: creating their bundles from images, running them, removing them.

pub mod attach;
pub mod commit;
pub mod copy;
pub mod create;
pub mod diff;
pub mod disk_usage;
pub mod export;
mod freeze;
pub mod isolation;
pub mod lifecycle;
pub mod logs;
pub mod monitor;
pub mod names;
pub mod state;
pub mod top;
mod tree_diff;
mod tree_tar;
pub mod userns;
