//! What the built-in runtime's init says on the status socket (`runtime::builtin::status`):
//! PID 1's host PID, the master of the pty it made, or why it failed, up to its exec.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use anyhow::{Context, Result};
use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg};

/// What the init said on the status socket, read to its end.
#[derive(Default)]
pub(super) struct StatusReport {
    pub init_pid: Option<u32>,
    pub console: Option<OwnedFd>,
    pub failure: Option<(i32, String)>,
}

/// Reads the socket to its end (the exec closed the last copy of the other end).
pub(super) fn read_status(socket: &OwnedFd) -> Result<StatusReport> {
    let mut report = StatusReport::default();
    let mut text = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let mut cmsg = nix::cmsg_space!([std::os::fd::RawFd; 1]);
        let mut iov = [std::io::IoSliceMut::new(&mut buf)];
        let msg = match recvmsg::<()>(
            socket.as_raw_fd(),
            &mut iov,
            Some(&mut cmsg),
            MsgFlags::MSG_CMSG_CLOEXEC,
        ) {
            Err(nix::errno::Errno::EINTR) => continue,
            other => other.context("read the container's status")?,
        };
        let received = msg.bytes;
        for control in msg.cmsgs().context("read the container's status")? {
            if let ControlMessageOwned::ScmRights(fds) = control {
                for fd in fds {
                    // SAFETY: the kernel just installed this descriptor for us.
                    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
                    report.console.get_or_insert(fd);
                }
            }
        }
        if received == 0 {
            break;
        }
        text.extend_from_slice(&buf[..received]);
    }
    for line in String::from_utf8_lossy(&text).lines() {
        if let Some(pid) = line.strip_prefix("pid ") {
            report.init_pid = pid.parse().ok();
        } else if let Some(error) = line.strip_prefix("error ") {
            let (code, message) = error.split_once(' ').unwrap_or((error, ""));
            report.failure = Some((code.parse().unwrap_or(125), message.to_string()));
        }
    }
    Ok(report)
}
