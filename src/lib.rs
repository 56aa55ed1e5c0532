//! engine: a daemon-less, rootless container engine.
//!
//! Layers call only downwards: `cli` -> `image` -> `store`/`config` -> `util`.

pub mod cli;
pub mod config;
pub mod container;
#[doc(hidden)]
pub mod fuzz_api;
pub mod image;
pub mod network;
pub mod quadlet;
pub mod rootfs;
pub mod runtime;
pub mod spec;
pub mod store;
pub mod util;
