//! Gzip on several cores, in the layout pigz writes: the input is cut into blocks that worker
//! threads deflate at once, each block primed with the 32 KiB before it as its dictionary (so
//! it finds the matches one serial stream would) and ended with a sync flush (so it ends on a
//! byte boundary). The pieces, written in order, form ONE deflate stream in ONE gzip member,
//! which every gzip reader accepts; the trailer's CRC-32 is the blocks' CRCs combined.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};

use flate2::{Compression, Crc};

pub use pool::GzipPool;
use pool::{Job, Piece, workers_gone};

mod incompressible;
mod pool;

/// Uncompressed bytes per block: the sync flush (5 bytes) and the dictionary priming of each
/// block cost well under 1% at this size (on the push benchmark's image, 512 KiB blocks come
/// out even 0.01% smaller than 1 MiB ones), and a few blocks per layer keep memory low.
const BLOCK: usize = 512 << 10;
/// Deflate's window: how far back a block's matches may reach into the previous one.
const WINDOW: usize = 32 << 10;
/// Gzip header: deflate, no name, mtime 0 (the digest must not depend on the clock), unknown OS.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// A gzip writer that deflates on the threads of a [`GzipPool`]; call
/// [`finish`](Self::finish).
pub struct ParallelGzEncoder<W: Write> {
    out: W,
    level: Compression,
    pool: Arc<GzipPool>,
    block: Vec<u8>,
    /// The last [`WINDOW`] bytes of the block sent before `block`.
    dictionary: Vec<u8>,
    /// Replies in stream order; at most one block per pool thread is in flight.
    pending: VecDeque<Receiver<io::Result<Piece>>>,
    /// Emptied buffers of finished pieces (input and output), reused for the next blocks.
    spare_blocks: Vec<Vec<u8>>,
    spare_outs: Vec<Vec<u8>>,
    crc: Crc,
    size: u64,
}

impl<W: Write> ParallelGzEncoder<W> {
    /// Starts a gzip member on `out`, to be compressed at `level` on `pool`.
    pub fn new(out: W, level: Compression, pool: Arc<GzipPool>) -> io::Result<Self> {
        let mut encoder = ParallelGzEncoder {
            out,
            level,
            pool,
            block: Vec::with_capacity(BLOCK),
            dictionary: Vec::new(),
            pending: VecDeque::new(),
            spare_blocks: Vec::new(),
            spare_outs: Vec::new(),
            crc: Crc::new(),
            size: 0,
        };
        encoder.out.write_all(&HEADER)?;
        Ok(encoder)
    }

    /// Compresses what is left, writes the trailer and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.send_block(true)?;
        while !self.pending.is_empty() {
            self.write_oldest()?;
        }
        let mut trailer = [0u8; 8];
        trailer[..4].copy_from_slice(&self.crc.sum().to_le_bytes());
        // ISIZE is the length modulo 2^32 (RFC 1952).
        trailer[4..].copy_from_slice(&(self.size as u32).to_le_bytes());
        self.out.write_all(&trailer)?;
        Ok(self.out)
    }

    fn send_block(&mut self, last: bool) -> io::Result<()> {
        let next = self
            .spare_blocks
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(BLOCK));
        let data = std::mem::replace(&mut self.block, next);
        let tail = data.len().saturating_sub(WINDOW);
        let dictionary = std::mem::replace(&mut self.dictionary, data[tail..].to_vec());
        let (reply, piece) = mpsc::sync_channel(1);
        self.pool.submit(Job {
            data,
            dictionary,
            out: self.spare_outs.pop().unwrap_or_default(),
            level: self.level,
            last,
            reply,
        })?;
        self.pending.push_back(piece);
        while self.pending.len() > self.pool.threads() {
            self.write_oldest()?;
        }
        Ok(())
    }

    fn write_oldest(&mut self) -> io::Result<()> {
        let Some(next) = self.pending.pop_front() else {
            return Ok(());
        };
        let mut piece = next.recv().map_err(|_| workers_gone())??;
        self.out.write_all(&piece.deflated)?;
        self.crc.combine(&piece.crc);
        piece.deflated.clear();
        piece.data.clear();
        self.spare_outs.push(piece.deflated);
        self.spare_blocks.push(piece.data);
        Ok(())
    }
}

impl<W: Write> Write for ParallelGzEncoder<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(BLOCK - self.block.len());
        self.block.extend_from_slice(&data[..n]);
        self.size += n as u64;
        if self.block.len() == BLOCK {
            self.send_block(false)?;
        }
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
