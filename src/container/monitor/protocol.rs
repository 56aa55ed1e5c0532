//! What the monitor and its clients say to each other.
//!
//! The sync pipe (monitor to the `engine` command that started it) carries text lines:
//! `listening` (attach socket ready; only when asked to wait for a client), then
//! `started <waiter pid>` or `failed <exit code> <message>`.
//!
//! The attach socket (`attach` in the container's directory, a stream socket) carries frames:
//! one kind byte, a big-endian u32 payload length, the payload.

use std::io::{self, Write};

use anyhow::{Result, bail};

/// The socket in the container's directory. Its full path is too long for a socket address
/// (108 bytes), so it is always reached through `/proc/self/fd/<dir fd>/attach`.
pub const ATTACH_SOCKET: &str = "attach";

/// A frame larger than this is a protocol error (chunks are at most 64 KiB).
const MAX_PAYLOAD: usize = 1 << 20;
const HEADER: usize = 5;

const STDIN: u8 = 0;
const STDOUT: u8 = 1;
const STDERR: u8 = 2;
const EXIT: u8 = 3;
const STDIN_EOF: u8 = 4;
const RESIZE: u8 = 5;
const SIGNAL: u8 = 6;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// Client to monitor: bytes for the container's stdin.
    Stdin(Vec<u8>),
    /// Client to monitor: no more input; the container's stdin is closed.
    StdinEof,
    /// Client to monitor: the client's terminal size, for the container's pty.
    Resize {
        rows: u16,
        cols: u16,
    },
    /// Client to monitor: a signal for the container (sig-proxy).
    Signal(i32),
    /// Monitor to client: container output.
    Stdout(Vec<u8>),
    Stderr(Vec<u8>),
    /// Monitor to client: the container exited with this code (after `--rm` removed it).
    Exit(i32),
}

impl Frame {
    pub fn encode(&self) -> Vec<u8> {
        let (kind, payload): (u8, Vec<u8>) = match self {
            Frame::Stdin(data) => (STDIN, data.clone()),
            Frame::StdinEof => (STDIN_EOF, Vec::new()),
            Frame::Resize { rows, cols } => {
                (RESIZE, [rows.to_be_bytes(), cols.to_be_bytes()].concat())
            }
            Frame::Signal(signal) => (SIGNAL, signal.to_be_bytes().to_vec()),
            Frame::Stdout(data) => (STDOUT, data.clone()),
            Frame::Stderr(data) => (STDERR, data.clone()),
            Frame::Exit(code) => (EXIT, code.to_be_bytes().to_vec()),
        };
        let mut out = Vec::with_capacity(HEADER + payload.len());
        out.push(kind);
        out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        out.extend_from_slice(&payload);
        out
    }

    pub fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        out.write_all(&self.encode())
    }
}

/// Reassembles frames from the bytes of a stream, however they were split.
#[derive(Default)]
pub struct FrameReader {
    buf: Vec<u8>,
}

impl FrameReader {
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next complete frame, `None` until one is complete; an error for a frame that is
    /// malformed (the peer is then dropped).
    pub fn next_frame(&mut self) -> Result<Option<Frame>> {
        if self.buf.len() < HEADER {
            return Ok(None);
        }
        let kind = self.buf[0];
        let len = u32::from_be_bytes([self.buf[1], self.buf[2], self.buf[3], self.buf[4]]) as usize;
        if len > MAX_PAYLOAD {
            bail!("attach protocol: a frame of {len} bytes is larger than {MAX_PAYLOAD}");
        }
        if self.buf.len() < HEADER + len {
            return Ok(None);
        }
        let payload: Vec<u8> = self.buf.drain(..HEADER + len).skip(HEADER).collect();
        let fixed = |n: usize| -> Result<&[u8]> {
            match payload.len() == n {
                true => Ok(&payload[..]),
                false => bail!("attach protocol: frame kind {kind} needs {n} bytes, got {len}"),
            }
        };
        let frame = match kind {
            STDIN => Frame::Stdin(payload.clone()),
            STDIN_EOF => Frame::StdinEof,
            RESIZE => {
                let p = fixed(4)?;
                Frame::Resize {
                    rows: u16::from_be_bytes([p[0], p[1]]),
                    cols: u16::from_be_bytes([p[2], p[3]]),
                }
            }
            SIGNAL => Frame::Signal(i32::from_be_bytes(fixed(4)?.try_into()?)),
            STDOUT => Frame::Stdout(payload.clone()),
            STDERR => Frame::Stderr(payload.clone()),
            EXIT => Frame::Exit(i32::from_be_bytes(fixed(4)?.try_into()?)),
            other => bail!("attach protocol: unknown frame kind {other}"),
        };
        Ok(Some(frame))
    }
}

/// A line of the sync pipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncMessage {
    Listening,
    Started { waiter: u32 },
    Failed { code: i32, message: String },
}

impl SyncMessage {
    pub fn to_line(&self) -> String {
        match self {
            SyncMessage::Listening => "listening\n".into(),
            SyncMessage::Started { waiter } => format!("started {waiter}\n"),
            SyncMessage::Failed { code, message } => {
                format!("failed {code} {}\n", message.replace('\n', " "))
            }
        }
    }

    pub fn parse(line: &str) -> Result<SyncMessage> {
        let line = line.trim_end_matches('\n');
        let mut parts = line.splitn(3, ' ');
        let message = match (parts.next(), parts.next(), parts.next()) {
            (Some("listening"), None, None) => SyncMessage::Listening,
            (Some("started"), Some(pid), None) => SyncMessage::Started {
                waiter: pid.parse()?,
            },
            (Some("failed"), Some(code), message) => SyncMessage::Failed {
                code: code.parse()?,
                message: message.unwrap_or_default().to_string(),
            },
            _ => bail!("unexpected message from the container monitor: {line:?}"),
        };
        Ok(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_survive_any_split() {
        let frames = vec![
            Frame::Stdin(b"hello".to_vec()),
            Frame::StdinEof,
            Frame::Resize { rows: 24, cols: 80 },
            Frame::Signal(15),
            Frame::Stdout(vec![0; 70_000]),
            Frame::Stderr(Vec::new()),
            Frame::Exit(-1),
        ];
        let bytes: Vec<u8> = frames.iter().flat_map(Frame::encode).collect();
        for chunk in [1, 3, 7, 4096, bytes.len()] {
            let mut reader = FrameReader::default();
            let mut got = Vec::new();
            for piece in bytes.chunks(chunk) {
                reader.push(piece);
                while let Some(frame) = reader.next_frame().unwrap() {
                    got.push(frame);
                }
            }
            assert_eq!(got, frames, "chunk size {chunk}");
        }
    }

    #[test]
    fn malformed_frames_are_errors() {
        for bad in [
            vec![9, 0, 0, 0, 0],
            vec![RESIZE, 0, 0, 0, 1, 0],
            vec![STDIN, 0xff, 0xff, 0xff, 0xff],
        ] {
            let mut reader = FrameReader::default();
            reader.push(&bad);
            assert!(reader.next_frame().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn sync_lines_round_trip() {
        for message in [
            SyncMessage::Listening,
            SyncMessage::Started { waiter: 42 },
            SyncMessage::Failed {
                code: 127,
                message: "exec nope: executable file not found in $PATH".into(),
            },
        ] {
            assert_eq!(SyncMessage::parse(&message.to_line()).unwrap(), message);
        }
        assert!(SyncMessage::parse("what").is_err());
    }
}
