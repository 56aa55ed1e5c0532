//! The threads that compress blocks, shared by every encoder of the process so that layers
//! compressed at once never run more deflate threads than there are cores.

use std::io;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;

use libdeflater::{CompressionLvl, Compressor, crc32};

use super::incompressible::looks_incompressible;

/// One block to compress, and where its [`Member`] goes.
pub(super) struct Job {
    /// The block's buffer, holding `len` bytes of input.
    pub data: Vec<u8>,
    pub len: usize,
    /// A buffer to compress into (recycled by the encoder, so memory stays flat).
    pub out: Vec<u8>,
    pub level: i32,
    pub reply: SyncSender<io::Result<Member>>,
}

/// One block as a whole gzip member (the first `len` bytes of `gzip`), and the input buffer
/// back for reuse.
pub(super) struct Member {
    pub gzip: Vec<u8>,
    pub len: usize,
    pub data: Vec<u8>,
}

/// Worker threads taking [`Job`]s from one queue. They stop once the pool is dropped and the
/// jobs already queued are done; the process-wide pool lives as long as the process.
pub struct GzipPool {
    jobs: Mutex<Sender<Job>>,
    threads: usize,
}

impl GzipPool {
    /// A pool of `threads` workers (at least one).
    pub fn new(threads: usize) -> io::Result<Arc<GzipPool>> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let threads = threads.max(1);
        for n in 0..threads {
            let queue = Arc::clone(&queue);
            thread::Builder::new()
                .name(format!("gzip-{n}"))
                .spawn(move || work(&queue))?;
        }
        Ok(Arc::new(GzipPool {
            jobs: Mutex::new(jobs),
            threads,
        }))
    }

    /// The process's pool: one worker per core.
    pub fn shared() -> io::Result<Arc<GzipPool>> {
        static SHARED: OnceLock<Arc<GzipPool>> = OnceLock::new();
        if let Some(pool) = SHARED.get() {
            return Ok(Arc::clone(pool));
        }
        let cores = thread::available_parallelism().map_or(1, |n| n.get());
        let pool = GzipPool::new(cores)?;
        Ok(Arc::clone(SHARED.get_or_init(|| pool)))
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    pub(super) fn submit(&self, job: Job) -> io::Result<()> {
        let jobs = self.jobs.lock().map_err(|_| workers_gone())?;
        jobs.send(job).map_err(|_| workers_gone())
    }
}

pub(super) fn workers_gone() -> io::Error {
    io::Error::other("the gzip worker threads stopped")
}

/// A worker: compresses jobs until the pool is gone, with one libdeflate compressor kept for
/// the level last asked for (its setup allocates about a megabyte; libdeflate starts every
/// call afresh, so the output still depends on the block alone). A reply nobody waits for any
/// more (the encoder was dropped mid-stream) is simply discarded.
fn work(queue: &Mutex<Receiver<Job>>) {
    let mut compressor: Option<(i32, Compressor)> = None;
    loop {
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        let input = &job.data[..job.len];
        let gzip = if looks_incompressible(input) {
            let mut out = job.out;
            out.clear();
            let out = stored_member(input, out);
            Ok((out.len(), out))
        } else {
            if compressor
                .as_ref()
                .is_none_or(|(level, _)| *level != job.level)
            {
                compressor = CompressionLvl::new(job.level)
                    .ok()
                    .map(|lvl| (job.level, Compressor::new(lvl)));
            }
            match compressor.as_mut() {
                Some((_, compressor)) => compress_member(compressor, input, job.out),
                None => Err(io::Error::other(format!(
                    "gzip level {} is invalid",
                    job.level
                ))),
            }
        };
        let data = job.data;
        let _ = job
            .reply
            .send(gzip.map(|(len, gzip)| Member { gzip, len, data }));
    }
}

/// `data` as one gzip member, by libdeflate (header with mtime 0 and OS "unknown", so the
/// bytes depend on the input alone): the member's length and the buffer holding it first.
/// The buffer keeps its length, so a recycled one is not zeroed again.
fn compress_member(
    compressor: &mut Compressor,
    data: &[u8],
    mut out: Vec<u8>,
) -> io::Result<(usize, Vec<u8>)> {
    let bound = compressor.gzip_compress_bound(data.len());
    if out.len() < bound {
        out.resize(bound, 0);
    }
    let written = compressor
        .gzip_compress(data, &mut out)
        .map_err(|e| io::Error::other(format!("gzip: {e}")))?;
    Ok((written, out))
}

/// Gzip header as libdeflate writes it at the middle levels: deflate, no name, mtime 0,
/// no extra flags, unknown OS.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// `data` as one gzip member of stored deflate blocks, for input deflate cannot shrink.
pub(super) fn stored_member(data: &[u8], mut out: Vec<u8>) -> Vec<u8> {
    out.extend_from_slice(&HEADER);
    let mut out = stored(data, out);
    out.extend_from_slice(&crc32(data).to_le_bytes());
    // ISIZE is the length modulo 2^32 (RFC 1952).
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// `data` as stored deflate blocks (RFC 1951 3.2.4), the last one final.
pub(super) fn stored(data: &[u8], mut out: Vec<u8>) -> Vec<u8> {
    const MAX: usize = u16::MAX as usize;
    out.reserve(data.len() + (data.len() / MAX + 1) * 5);
    let mut chunks: Vec<&[u8]> = data.chunks(MAX).collect();
    if chunks.is_empty() {
        chunks.push(&[]);
    }
    let count = chunks.len();
    for (i, chunk) in chunks.into_iter().enumerate() {
        // BFINAL in bit 0, BTYPE 00 in bits 1-2, the rest of the byte is padding.
        out.push(u8::from(i + 1 == count));
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out
}
