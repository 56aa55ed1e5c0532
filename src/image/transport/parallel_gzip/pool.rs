//! The threads that deflate blocks, shared by every encoder of the process so that layers
//! compressed at once never run more deflate threads than there are cores.

use std::io;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;

use flate2::{Compress, Compression, Crc, FlushCompress, Status};

use super::incompressible::looks_incompressible;

/// One block to deflate, and where its [`Piece`] goes.
pub(super) struct Job {
    pub data: Vec<u8>,
    /// The 32 KiB before `data` in the stream (empty for the first block).
    pub dictionary: Vec<u8>,
    /// An empty buffer to deflate into (recycled by the encoder, so memory stays flat).
    pub out: Vec<u8>,
    pub level: Compression,
    pub last: bool,
    pub reply: SyncSender<io::Result<Piece>>,
}

/// One block, deflated: its bytes in the stream, the CRC-32 of its input, and the input
/// buffer back for reuse.
pub(super) struct Piece {
    pub deflated: Vec<u8>,
    pub crc: Crc,
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

/// A worker: deflates jobs until the pool is gone. A reply nobody waits for any more (the
/// encoder was dropped mid-stream) is simply discarded.
fn work(queue: &Mutex<Receiver<Job>>) {
    loop {
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        let mut crc = Crc::new();
        crc.update(&job.data);
        let deflated = if looks_incompressible(&job.data) {
            Ok(stored(&job.data, job.last, job.out))
        } else {
            deflate_block(job.level, &job.data, &job.dictionary, job.last, job.out)
        };
        let data = job.data;
        let _ = job.reply.send(deflated.map(|deflated| Piece {
            deflated,
            crc,
            data,
        }));
    }
}

/// Raw deflate of one block: ended with a sync flush, or, for the last, with the final block.
/// A fresh compressor per block (its setup is cheap next to a block's work): one reused after
/// `reset` chooses slightly different matches depending on the blocks it saw before, and the
/// output must depend on the input alone.
fn deflate_block(
    level: Compression,
    data: &[u8],
    dictionary: &[u8],
    last: bool,
    mut out: Vec<u8>,
) -> io::Result<Vec<u8>> {
    let mut deflate = Compress::new(level, false);
    if !dictionary.is_empty() {
        deflate
            .set_dictionary(dictionary)
            .map_err(io::Error::other)?;
    }
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    out.reserve(data.len() + data.len() / 64 + 64);
    let start = deflate.total_in();
    loop {
        if out.capacity() - out.len() < 64 {
            out.reserve(data.len() / 8 + 64);
        }
        let (consumed, written) = ((deflate.total_in() - start) as usize, out.len());
        let status = deflate
            .compress_vec(&data[consumed..], &mut out, flush)
            .map_err(io::Error::other)?;
        let now_consumed = (deflate.total_in() - start) as usize;
        // zlib's contract: a flush is complete once a call returns with output space left.
        let done = match status {
            Status::StreamEnd => true,
            Status::Ok | Status::BufError => {
                !last && now_consumed == data.len() && out.len() < out.capacity()
            }
        };
        if done {
            return Ok(out);
        }
        if now_consumed == consumed && out.len() == written {
            return Err(io::Error::other("deflate made no progress on a block"));
        }
    }
}

/// `data` as stored deflate blocks (RFC 1951 3.2.4), for input deflate cannot shrink: it starts
/// byte-aligned (the previous piece ended with a flush) and so ends byte-aligned too.
pub(super) fn stored(data: &[u8], last: bool, mut out: Vec<u8>) -> Vec<u8> {
    const MAX: usize = u16::MAX as usize;
    out.reserve(data.len() + (data.len() / MAX + 1) * 5);
    let mut chunks: Vec<&[u8]> = data.chunks(MAX).collect();
    if chunks.is_empty() {
        chunks.push(&[]);
    }
    let count = chunks.len();
    for (i, chunk) in chunks.into_iter().enumerate() {
        // BFINAL in bit 0, BTYPE 00 in bits 1-2, the rest of the byte is padding.
        out.push(u8::from(last && i + 1 == count));
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out
}
