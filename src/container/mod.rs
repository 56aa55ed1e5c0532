//! Containers: creating their bundles from images, running them, removing them.

pub mod create;
pub mod state;
pub mod names;
