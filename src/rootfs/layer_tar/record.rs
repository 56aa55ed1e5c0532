//! Recording the tar-split while a layer is unpacked.
//!
//! The unpacker reads its tar stream through a [`RecordingReader`]: every byte read is kept
//! verbatim, except while the unpacker copies a regular file's payload into the layer
//! ([`SplitRecorder::begin_payload`] .. [`SplitRecorder::end_payload`]), when only the count
//! and the path are kept. Whatever the unpacker does not read itself (skipped entries,
//! padding, the end blocks, trailing data) is therefore recorded too.
//!
//! A payload can only be replayed from its file if nothing later in the layer replaced or
//! removed that file; [`SplitRecorder::entry_replaces`] tracks that, and a layer where it
//! happened gets no tar-split (rare: no build tool writes a path twice).

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, BufWriter, Read};
use std::rc::Rc;

use super::format::SplitWriter;

/// Raw bytes are gathered up to this size before a record is written.
const RAW_FLUSH: usize = 64 << 10;
/// Tar headers compress well; a fast level keeps the unpack fast.
const ZSTD_LEVEL: i32 = 3;

type Output = zstd::stream::write::Encoder<'static, BufWriter<File>>;

struct State {
    writer: SplitWriter<Output>,
    pending_raw: Vec<u8>,
    /// The layer path whose payload is being read, and its bytes so far.
    payload: Option<(Vec<u8>, u64)>,
    /// Every path whose payload the split refers to.
    payload_paths: BTreeSet<Vec<u8>>,
    /// A referenced file was replaced later in the layer: the split cannot be replayed.
    lost: bool,
    /// The first write error; the unpack fails with it.
    error: Option<io::Error>,
}

impl State {
    fn flush_raw(&mut self) -> io::Result<()> {
        let result = self.writer.raw(&self.pending_raw);
        self.pending_raw.clear();
        result
    }
}

/// The unpacker's handle on the recording.
pub struct SplitRecorder {
    state: Rc<RefCell<State>>,
}

/// The tar stream as the unpacker reads it, recorded on the way.
pub struct RecordingReader<R> {
    inner: R,
    state: Rc<RefCell<State>>,
}

/// Starts recording `input` into the (new, empty) tar-split file `out`.
pub fn record<R: Read>(input: R, out: File) -> io::Result<(SplitRecorder, RecordingReader<R>)> {
    let encoder = zstd::stream::write::Encoder::new(BufWriter::new(out), ZSTD_LEVEL)?;
    let state = Rc::new(RefCell::new(State {
        writer: SplitWriter::new(encoder)?,
        pending_raw: Vec::with_capacity(RAW_FLUSH),
        payload: None,
        payload_paths: BTreeSet::new(),
        lost: false,
        error: None,
    }));
    let reader = RecordingReader {
        inner: input,
        state: state.clone(),
    };
    Ok((SplitRecorder { state }, reader))
}

impl<R: Read> Read for RecordingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut state = self.state.borrow_mut();
        if let Some((_, count)) = state.payload.as_mut() {
            *count += n as u64;
            return Ok(n);
        }
        state.pending_raw.extend_from_slice(&buf[..n]);
        if state.pending_raw.len() >= RAW_FLUSH
            && let Err(e) = state.flush_raw()
        {
            let message = format!("writing the tar-split: {e}");
            state.error.get_or_insert(e);
            return Err(io::Error::other(message));
        }
        Ok(n)
    }
}

impl SplitRecorder {
    /// The next bytes read are the payload of the regular file `path` (layer-relative).
    pub fn begin_payload(&self, path: &[u8]) -> io::Result<()> {
        let mut state = self.state.borrow_mut();
        state.flush_raw()?;
        state.payload = Some((path.to_vec(), 0));
        Ok(())
    }

    /// The payload ended (the unpacker read it to its end).
    pub fn end_payload(&self) -> io::Result<()> {
        let mut state = self.state.borrow_mut();
        let Some((path, size)) = state.payload.take() else {
            return Ok(());
        };
        if size > 0 {
            state.writer.file(size, &path)?;
            state.payload_paths.insert(path);
        }
        Ok(())
    }

    /// An entry at `path` is about to be applied; `keeps_children` for a directory entry
    /// (which keeps an existing directory), false for anything that replaces or deletes what
    /// is at `path`, subtree included (a file, a link, a whiteout's target).
    pub fn entry_replaces(&self, path: &[u8], keeps_children: bool) {
        let mut state = self.state.borrow_mut();
        if state.lost || state.payload_paths.is_empty() {
            return;
        }
        let mut hit = state.payload_paths.contains(path);
        if !keeps_children {
            // Paths below `path/` sort between `path/` and `path0` ('0' follows '/').
            let mut low = path.to_vec();
            low.push(b'/');
            let mut high = path.to_vec();
            high.push(b'0');
            hit |= state.payload_paths.range(low..high).next().is_some();
        }
        state.lost |= hit;
    }

    /// Writes what is left; returns whether the split can reproduce the layer.
    pub fn finish(self) -> io::Result<bool> {
        let state = Rc::try_unwrap(self.state)
            .map_err(|_| io::Error::other("the tar-split recorder is still in use"))?
            .into_inner();
        let State {
            mut writer,
            pending_raw,
            lost,
            error,
            ..
        } = state;
        if let Some(e) = error {
            return Err(e);
        }
        writer.raw(&pending_raw)?;
        let file = writer.finish()?.finish()?;
        file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        Ok(!lost)
    }
}
