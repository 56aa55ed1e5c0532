//! Containers: creating their bundles from images, running them, removing them.

pub mod attach;
pub mod create;
pub mod lifecycle;
pub mod logs;
pub mod monitor;
pub mod names;
pub mod state;
