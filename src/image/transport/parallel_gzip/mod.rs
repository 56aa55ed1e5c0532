//! Gzip on several cores: the input is cut into blocks that worker threads compress at once
//! with libdeflate, each into a gzip member of its own, written in input order. A gzip file is
//! a series of members (RFC 1952, 2.2), and the readers that matter read them all: Go's
//! compress/gzip and pgzip (docker, containerd, podman, the registries), GNU gzip, Python, our
//! own MultiGzDecoder. It is the layout of bgzip and `pigz --independent`.
//!
//! Why not one member, as pigz writes by default: that needs each block primed with the 32 KiB
//! before it and ended with a sync flush, which libdeflate cannot do, and libdeflate is what
//! makes push fast: at equal output size it deflates in about 60% of zlib's time. Independent
//! blocks cost about 0.2% of size at [`BLOCK`] (the first matches of each block are lost).

use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};

pub use pool::GzipPool;
use pool::{Job, Member, workers_gone};

mod incompressible;
mod pool;

/// Uncompressed bytes per member: on the push benchmark's image, 1 MiB members come out 0.15%
/// smaller than 512 KiB ones and 0.1% larger than 4 MiB ones, and a few blocks in flight per
/// layer keep memory low.
const BLOCK: usize = 1 << 20;

/// A gzip writer that compresses on the threads of a [`GzipPool`] at a libdeflate level
/// (1 fastest to 12 smallest); call [`finish`](Self::finish).
pub struct ParallelGzEncoder<W: Write> {
    out: W,
    level: i32,
    pool: Arc<GzipPool>,
    /// The block being filled: [`BLOCK`] bytes long (zeroed once per buffer, so input can be
    /// read straight into it), of which `filled` hold input.
    block: Vec<u8>,
    filled: usize,
    /// Whether a member was sent: an empty input still needs one (an empty file is no gzip).
    sent_any: bool,
    /// Replies in stream order; at most one block per pool thread is in flight.
    pending: VecDeque<Receiver<io::Result<Member>>>,
    /// Emptied buffers of finished members (input and output), reused for the next blocks.
    spare_blocks: Vec<Vec<u8>>,
    spare_outs: Vec<Vec<u8>>,
}

impl<W: Write> ParallelGzEncoder<W> {
    /// An encoder writing to `out`, compressing at `level` (1..=12) on `pool`.
    pub fn new(out: W, level: i32, pool: Arc<GzipPool>) -> io::Result<Self> {
        if !(1..=12).contains(&level) {
            return Err(io::Error::other(format!(
                "gzip level {level} is out of range (1 to 12)"
            )));
        }
        Ok(ParallelGzEncoder {
            out,
            level,
            pool,
            block: vec![0; BLOCK],
            filled: 0,
            sent_any: false,
            pending: VecDeque::new(),
            spare_blocks: Vec::new(),
            spare_outs: Vec::new(),
        })
    }

    /// Compresses what is left and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        if self.filled > 0 || !self.sent_any {
            self.send_block()?;
        }
        while !self.pending.is_empty() {
            self.write_oldest()?;
        }
        Ok(self.out)
    }

    fn send_block(&mut self) -> io::Result<()> {
        let next = self.spare_blocks.pop().unwrap_or_else(|| vec![0; BLOCK]);
        let data = std::mem::replace(&mut self.block, next);
        let len = std::mem::take(&mut self.filled);
        let (reply, member) = mpsc::sync_channel(1);
        self.pool.submit(Job {
            data,
            len,
            out: self.spare_outs.pop().unwrap_or_default(),
            level: self.level,
            reply,
        })?;
        self.sent_any = true;
        self.pending.push_back(member);
        while self.pending.len() > self.pool.threads() {
            self.write_oldest()?;
        }
        Ok(())
    }

    /// The free part of the block: input can be read straight into it (sparing the copy
    /// `write` makes), then announced with [`took`](Self::took).
    pub fn space(&mut self) -> &mut [u8] {
        &mut self.block[self.filled..]
    }

    /// Counts `n` bytes just put at the start of [`space`](Self::space).
    pub fn took(&mut self, n: usize) -> io::Result<()> {
        self.block_grew(n)
    }

    fn block_grew(&mut self, n: usize) -> io::Result<()> {
        self.filled += n;
        if self.filled == BLOCK {
            self.send_block()?;
        }
        Ok(())
    }

    fn write_oldest(&mut self) -> io::Result<()> {
        let Some(next) = self.pending.pop_front() else {
            return Ok(());
        };
        let member = next.recv().map_err(|_| workers_gone())??;
        self.out.write_all(&member.gzip[..member.len])?;
        self.spare_outs.push(member.gzip);
        self.spare_blocks.push(member.data);
        Ok(())
    }
}

impl<W: Write> Write for ParallelGzEncoder<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(BLOCK - self.filled);
        self.block[self.filled..self.filled + n].copy_from_slice(&data[..n]);
        self.block_grew(n)?;
        Ok(n)
    }

    /// Blocks are only cut at [`BLOCK`] boundaries, so the output does not depend on how the
    /// input was written; a flush therefore has nothing to push out.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
