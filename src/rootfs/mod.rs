//! Container root filesystems built from image layers.
//!
//! Every layer is unpacked once, at pull time, into its own directory of the store; those
//! directories later become the lower dirs of a native overlay mount (with `userxattr` when
//! rootless), so whiteouts are written in the kernel's overlay format.

pub mod driver;
pub mod image_files;
pub mod layer_tar;
pub mod shift;
pub mod unpack;
pub mod unpacker;
pub mod vfs;
