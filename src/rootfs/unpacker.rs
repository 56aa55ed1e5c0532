//! Runs [`unpack_layer`](super::unpack::unpack_layer) in a child process inside the rootless user
//! namespace, so unpacked files get their real owners (uid 1000 in the image becomes
//! subuid_start + 999 on disk). The engine feeds the uncompressed tar stream to the child's
//! stdin; the child reports what it skipped as JSON on stdout.

use std::io::Read;
use std::process::{Child, ChildStdin, Stdio};

use anyhow::{Context, Result, anyhow, bail};

use crate::runtime::userns::{self, IdMappings, UsernsCommand};
use crate::store::LayerStaging;

/// The hidden command the child runs:
/// `engine __unpack-layer [--ignore-chown-errors] --xattr-prefix P --tar-split FILE DIR`.
pub const UNPACK_COMMAND: &str = "__unpack-layer";

/// The unpack child's data segment (heap) ceiling. The tar crate reads a pax record or a GNU
/// long name whole into memory, however large the layer declares it, so a hostile layer could
/// otherwise make the child allocate until the host runs out; unpacking itself needs little
/// (a few hundred bytes per directory until the layer ends).
const CHILD_MEMORY_LIMIT: u64 = 2 << 30;

/// What the child says when an allocation failed: the tar crate's `try_reserve` error, or
/// what Rust prints before aborting on a failed allocation elsewhere.
const ALLOCATION_FAILED: [&str; 2] = ["out of memory", "memory allocation of"];

/// Caps the calling process's heap at [`CHILD_MEMORY_LIMIT`] (or keeps a lower limit).
pub fn cap_child_memory() -> Result<()> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_DATA).context("reading RLIMIT_DATA")?;
    let cap = CHILD_MEMORY_LIMIT.min(soft).min(hard);
    setrlimit(Resource::RLIMIT_DATA, cap, cap).context("setting RLIMIT_DATA")?;
    Ok(())
}

/// How layers of this engine process are unpacked.
pub struct LayerUnpacker {
    mappings: IdMappings,
    /// `user.overlay.` rootless (overlay mounted with `userxattr`), `trusted.overlay.` as root.
    xattr_prefix: &'static str,
    /// Only our own id is mapped: files of other owners keep ours (podman's ignore_chown_errors).
    ignore_chown_errors: bool,
}

/// Messages of the child may quote bytes of a hostile or binary stream (the tar crate shows
/// a bad header field as is): at most this many characters of them are shown.
const MAX_MESSAGE_CHARS: usize = 400;

/// A running unpack child.
pub struct UnpackProcess {
    child: Child,
    stdin: Option<ChildStdin>,
}

impl LayerUnpacker {
    /// Looks up the user's id mappings; returns the single-id warning to print, if any.
    pub fn new() -> Result<(LayerUnpacker, Option<String>)> {
        let (mappings, warning) = userns::rootless_mappings()?;
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        let unpacker = LayerUnpacker {
            ignore_chown_errors: mappings.is_single(),
            xattr_prefix: if root {
                "trusted.overlay."
            } else {
                "user.overlay."
            },
            mappings,
        };
        Ok((unpacker, warning))
    }

    /// Starts a child unpacking into `staging`'s diff dir and recording the layer's tar-split
    /// next to it; write the tar stream to [`UnpackProcess::stdin`].
    pub fn spawn(&self, staging: &LayerStaging<'_>) -> Result<UnpackProcess> {
        let mut args: Vec<std::ffi::OsString> = vec![UNPACK_COMMAND.into()];
        if self.ignore_chown_errors {
            args.push("--ignore-chown-errors".into());
        }
        args.push("--xattr-prefix".into());
        args.push(self.xattr_prefix.into());
        args.push("--tar-split".into());
        args.push(staging.tar_split_path().into());
        args.push(staging.diff_dir().into());
        let mut child = UsernsCommand::new("/proc/self/exe", args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn(&self.mappings)
            .context("starting the layer unpacker")?;
        let stdin = child.stdin.take();
        Ok(UnpackProcess { child, stdin })
    }
}

impl UnpackProcess {
    /// Where the uncompressed tar stream goes.
    pub fn stdin(&mut self) -> Result<&mut ChildStdin> {
        self.stdin
            .as_mut()
            .ok_or_else(|| anyhow!("the layer unpacker's input is closed"))
    }

    /// Ends the input and waits; returns what the child skipped (device nodes it may not
    /// create, and the like) or its error.
    pub fn finish(mut self) -> Result<Vec<String>> {
        drop(self.stdin.take());
        let mut stdout = String::new();
        let mut stderr = String::new();
        if let Some(mut out) = self.child.stdout.take() {
            out.read_to_string(&mut stdout)
                .context("reading the layer unpacker's report")?;
        }
        if let Some(mut err) = self.child.stderr.take() {
            err.read_to_string(&mut stderr)
                .context("reading the layer unpacker's errors")?;
        }
        let status = self
            .child
            .wait()
            .context("waiting for the layer unpacker")?;
        if !status.success() && ALLOCATION_FAILED.iter().any(|m| stderr.contains(m)) {
            bail!(
                "unpacking the layer needs more than {} GiB of memory (a tar header of absurd size?); refusing it",
                CHILD_MEMORY_LIMIT >> 30
            );
        }
        if !status.success() {
            let message = printable(stderr.trim().trim_start_matches("Error: "));
            let message = if message.is_empty() {
                format!("it exited with {status}")
            } else {
                message
            };
            bail!("{message}");
        }
        serde_json::from_str(&stdout)
            .map_err(|e| anyhow!("the layer unpacker sent a malformed report ({e})"))
    }

    /// Stops the child after a failure on our side (a bad digest, a network error).
    pub fn abort(mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `message` as one printable line: control characters and undecodable bytes dropped, long
/// messages cut.
fn printable(message: &str) -> String {
    let mut line: String = message
        .chars()
        .map(|c| if c == '\n' { ' ' } else { c })
        .filter(|c| !c.is_control() && *c != char::REPLACEMENT_CHARACTER)
        .take(MAX_MESSAGE_CHARS)
        .collect();
    if message.chars().count() > MAX_MESSAGE_CHARS {
        line.push_str("...");
    }
    line
}

#[cfg(test)]
mod tests {
    #[test]
    fn child_messages_become_one_printable_line() {
        let raw = "reading the tar stream: bad cksum for \u{fffd}\u{1}x\ny";
        assert_eq!(
            super::printable(raw),
            "reading the tar stream: bad cksum for x y"
        );
        assert_eq!(
            super::printable(&"a".repeat(1000)).len(),
            super::MAX_MESSAGE_CHARS + 3
        );
    }
}
