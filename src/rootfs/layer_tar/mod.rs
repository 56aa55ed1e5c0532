//! A stored layer's exact uncompressed tar, and new layers stored from a tar.
//!
//! Layers are kept unpacked only. To push or save an image without changing its ID (the config
//! names its layers by the digests of their uncompressed tars), the unpacker records a
//! tar-split while it unpacks: every byte of the stream that is not a regular file's payload
//! (headers, pax and GNU extension records, padding, end blocks, trailing data) verbatim, and
//! for each payload its length and the file holding it. Replaying the records, payloads read
//! from `diff/`, gives back the tar byte for byte; the stream is hashed as it flows and a
//! result that does not match the layer's diff_id is an error, never silently other bytes.

mod format;
pub(crate) mod record;
mod replay;
#[cfg(test)]
mod tests;

use std::io::{self, Read, Write};
use std::process::{Child, ChildStderr, ChildStdout, Stdio};

use anyhow::{Context, Result, anyhow, bail};
use sha2::{Digest as _, Sha256};

pub use replay::{LAYER_TAR_COMMAND, layer_tar_main};

use crate::rootfs::unpacker::LayerUnpacker;
use crate::runtime::userns::{UsernsCommand, rootless_mappings};
use crate::store::{LayerMeta, Store};
use crate::util::digest::Digest;
use crate::util::tar_hash::{TarChecksum, TarHasher, TarHashes};

/// Capacity asked for the pipe carrying the tar from the child.
const PIPE_SIZE: i32 = 1 << 20;

/// The uncompressed tar of a stored layer, produced by a child in the user namespace (it must
/// read files owned by subordinate ids). Read it to the end, then call [`finish`](Self::finish).
pub struct LayerTarStream {
    child: Option<Child>,
    stdout: ChildStdout,
    stderr: Option<ChildStderr>,
    check: RebuiltCheck,
    bytes: u64,
    meta: LayerMeta,
    /// Set once the end is reached: `Err` holds the one-line reason the stream is bad.
    verdict: Option<std::result::Result<(), String>>,
}

/// How the rebuilt tar is checked against the one stored.
enum RebuiltCheck {
    /// Against the XXH3-128 recorded when the layer was stored.
    Checksum(Box<TarChecksum>),
    /// Against the diff_id: layers stored by older engines recorded no checksum.
    DiffId(Sha256),
}

impl RebuiltCheck {
    fn for_layer(meta: &LayerMeta) -> RebuiltCheck {
        match meta.tar_checksum {
            Some(_) => RebuiltCheck::Checksum(Box::default()),
            None => RebuiltCheck::DiffId(Sha256::new()),
        }
    }

    fn update(&mut self, data: &[u8]) {
        match self {
            RebuiltCheck::Checksum(hasher) => hasher.update(data),
            RebuiltCheck::DiffId(hasher) => hasher.update(data),
        }
    }

    /// What the tar hashed to, and what the layer recorded.
    fn outcome(&mut self, meta: &LayerMeta) -> (String, String) {
        match self {
            RebuiltCheck::Checksum(hasher) => {
                let recorded = meta.tar_checksum.clone().unwrap_or_default();
                (hasher.value(), recorded)
            }
            RebuiltCheck::DiffId(hasher) => (
                Digest::from_hasher(std::mem::take(hasher)).to_string(),
                meta.diff_id.to_string(),
            ),
        }
    }
}

/// Opens the layer's tar: byte-exact (the tar its diff_id names, checked as it flows) when the
/// layer has a tar-split record; otherwise an error (the layer was stored by an older engine).
pub fn open_layer_tar(store: &Store, chain_id: &Digest) -> Result<LayerTarStream> {
    let meta = store.layer_meta(chain_id)?;
    let split = store.layer_tar_split(chain_id);
    if !meta.tar_split || !split.is_file() {
        bail!(
            "layer {chain_id} has no tar-split record (it was stored by an older engine or \
             replaces its own files), so its exact tar cannot be rebuilt: remove the image and \
             pull it again"
        );
    }
    let (mappings, _) = rootless_mappings()?;
    let diff = store.layer_diff(chain_id);
    let mut child = UsernsCommand::new(
        "/proc/self/exe",
        [
            LAYER_TAR_COMMAND.as_ref(),
            diff.as_os_str(),
            split.as_os_str(),
        ],
    )
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn(&mappings)
    .with_context(|| format!("starting the tar writer of layer {chain_id}"))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| anyhow!("the tar writer of layer {chain_id} has no output"))?;
    // 1 MiB (the unprivileged maximum) instead of 64 KiB: the child and the reader then trade
    // far fewer wake-ups per layer. Only a speed-up, so a refusal is ignored.
    let _ = nix::fcntl::fcntl(&stdout, nix::fcntl::FcntlArg::F_SETPIPE_SZ(PIPE_SIZE));
    let stderr = child.stderr.take();
    Ok(LayerTarStream {
        child: Some(child),
        stdout,
        stderr,
        check: RebuiltCheck::for_layer(&meta),
        bytes: 0,
        meta,
        verdict: None,
    })
}

impl Read for LayerTarStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(verdict) = &self.verdict {
            return match verdict {
                Ok(()) => Ok(0),
                Err(message) => Err(io::Error::other(message.clone())),
            };
        }
        let n = self.stdout.read(buf)?;
        if n > 0 {
            self.check.update(&buf[..n]);
            self.bytes += n as u64;
            return Ok(n);
        }
        let verdict = self.check_end();
        self.verdict = Some(verdict.clone());
        verdict.map(|()| 0).map_err(io::Error::other)
    }
}

impl LayerTarStream {
    /// Waits for the child; errors if it failed or the bytes did not hash to the diff_id.
    pub fn finish(mut self) -> Result<()> {
        if self.verdict.is_none() {
            // Whatever the caller left unread still counts.
            io::copy(&mut self, &mut io::sink()).map_err(|e| anyhow!("{e}"))?;
        }
        match self.verdict.take() {
            Some(Err(message)) => Err(anyhow!(message)),
            _ => Ok(()),
        }
    }

    /// The layer being read.
    pub fn meta(&self) -> &LayerMeta {
        &self.meta
    }

    /// At the end of the output: the child's status, then the digest and the size.
    fn check_end(&mut self) -> std::result::Result<(), String> {
        let chain = &self.meta.chain_id;
        let mut stderr = String::new();
        if let Some(mut err) = self.stderr.take() {
            let _ = err.read_to_string(&mut stderr);
        }
        let status = match self.child.take().map(|mut c| c.wait()) {
            Some(Ok(status)) => status,
            Some(Err(e)) => {
                return Err(format!("waiting for the tar writer of layer {chain}: {e}"));
            }
            None => return Err(format!("the tar writer of layer {chain} is gone")),
        };
        if !status.success() {
            let message = stderr.trim().trim_start_matches("Error: ");
            return Err(format!(
                "rebuilding the tar of layer {chain}: {message} ({status})"
            ));
        }
        let (got, recorded) = self.check.outcome(&self.meta);
        if got != recorded || self.bytes != self.meta.size {
            return Err(format!(
                "the rebuilt tar of layer {chain} hashes to {got} ({} bytes), not to {recorded} \
                 ({} bytes) as when it was stored: its files were changed on disk; remove the \
                 image and pull it again",
                self.bytes, self.meta.size
            ));
        }
        Ok(())
    }
}

impl Drop for LayerTarStream {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Stores a new layer from an uncompressed tar stream (unpacks it in the user namespace,
/// records its tar-split, computes diff_id and size, publishes it under its chain ID on top of
/// `parent`). Used by load, import and commit.
pub fn store_layer_from_tar(
    store: &Store,
    unpacker: &LayerUnpacker,
    parent: Option<&Digest>,
    tar: &mut dyn Read,
) -> Result<LayerMeta> {
    let staging = store.new_layer_staging()?;
    let mut process = unpacker.spawn(&staging)?;
    let mut hasher = TarHasher::default();
    let copied = process
        .stdin()
        .and_then(|stdin| copy_hashing(tar, stdin, &mut hasher).map_err(Into::into));
    if let Err(e) = copied {
        let broken_pipe = e
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe);
        if broken_pipe {
            // The unpacker stopped reading: its own error says why.
            process.finish()?;
        } else {
            process.abort();
        }
        return Err(e.context("reading the layer tar"));
    }
    for note in process.finish()? {
        crate::util::log::debug(&format!("new layer: skipped {note}"));
    }
    let TarHashes {
        diff_id,
        checksum,
        size,
    } = hasher.finish();
    let chain_id = match parent {
        Some(parent) => Digest::of(format!("{parent} {diff_id}").as_bytes()),
        None => diff_id.clone(),
    };
    let meta = LayerMeta {
        chain_id: chain_id.clone(),
        // Stored from an uncompressed tar: no compressed blob exists.
        compressed_digest: diff_id.clone(),
        diff_id,
        parent: parent.cloned(),
        size,
        tar_split: true,
        tar_checksum: Some(checksum),
    };
    staging.commit(&meta)?;
    store.layer_meta(&chain_id)
}

/// Copies `src` to `dst` whole, hashing it.
fn copy_hashing(src: &mut dyn Read, dst: &mut dyn Write, hasher: &mut TarHasher) -> io::Result<()> {
    let mut buffer = vec![0u8; 256 << 10];
    loop {
        let n = match src.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        dst.write_all(&buffer[..n])?;
        hasher.update(&buffer[..n]);
    }
    dst.flush()
}
