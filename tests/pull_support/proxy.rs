//! A TCP proxy in front of a registry, on its own 127.0.0.1 port: it records the HTTP request
//! lines it forwards (so a test sees exactly which blobs *its* engine fetched, unlike the
//! registry log that every test shares) and can throttle responses (so a test can interrupt
//! a pull half way). Dropping it closes the port, which makes "the registry is gone" real.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

const METHODS: [&str; 6] = ["GET ", "HEAD ", "POST ", "PUT ", "PATCH ", "DELETE "];
const CHUNK: usize = 16 * 1024;

pub struct Proxy {
    addr: String,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

struct Shared {
    upstream: String,
    /// "GET /v2/..." without the HTTP version, in arrival order.
    requests: Mutex<Vec<String>>,
    /// Response bytes per second per connection; 0 = as fast as possible.
    rate: AtomicU64,
    stopping: AtomicBool,
    /// Both ends of every connection, to cut them when the proxy goes away.
    sockets: Mutex<Vec<TcpStream>>,
}

impl Proxy {
    /// Starts forwarding a fresh 127.0.0.1 port to `upstream` ("HOST:PORT").
    pub fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0 for the proxy");
        let addr = listener.local_addr().expect("proxy address").to_string();
        let shared = Arc::new(Shared {
            upstream: upstream.to_string(),
            requests: Mutex::new(Vec::new()),
            rate: AtomicU64::new(0),
            stopping: AtomicBool::new(false),
            sockets: Mutex::new(Vec::new()),
        });
        let for_thread = Arc::clone(&shared);
        let acceptor = thread::spawn(move || accept_loop(listener, for_thread));
        Proxy {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// "127.0.0.1:PORT", to use as a registry host.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// Limits every connection's responses to `bytes_per_second` from now on (0 = no limit).
    pub fn throttle(&self, bytes_per_second: u64) {
        self.shared.rate.store(bytes_per_second, Ordering::SeqCst);
    }

    /// The request lines forwarded so far, e.g. "GET /v2/engine-test/busybox/manifests/latest".
    pub fn requests(&self) -> Vec<String> {
        self.shared
            .requests
            .lock()
            .expect("proxy request log")
            .clone()
    }

    /// The GET requests for blob `digest` ("sha256:..."), in any repository.
    pub fn blob_fetches(&self, digest: &str) -> Vec<String> {
        let suffix = format!("/blobs/{digest}");
        self.requests()
            .into_iter()
            .filter(|r| r.starts_with("GET ") && r.ends_with(&suffix))
            .collect()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the blocked accept() so its thread sees `stopping` and drops the listener.
        let _ = TcpStream::connect(&self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        for socket in self.shared.sockets.lock().expect("proxy sockets").drain(..) {
            let _ = socket.shutdown(Shutdown::Both);
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for client in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok(client) = client else { continue };
        let Ok(server) = TcpStream::connect(&shared.upstream) else {
            // The upstream is down: the client sees its connection closed.
            continue;
        };
        let (Ok(client_read), Ok(server_read)) = (client.try_clone(), server.try_clone()) else {
            continue;
        };
        if let (Ok(c), Ok(s)) = (client.try_clone(), server.try_clone()) {
            shared.sockets.lock().expect("proxy sockets").extend([c, s]);
        }
        let up = Arc::clone(&shared);
        thread::spawn(move || forward_requests(client_read, server, &up));
        let down = Arc::clone(&shared);
        thread::spawn(move || forward_responses(server_read, client, &down));
    }
}

/// Client to registry, noting each request line. Requests the engine sends have no body, so
/// every line starting with a method is a request line.
fn forward_requests(mut from: TcpStream, mut to: TcpStream, shared: &Shared) {
    let mut buf = [0u8; CHUNK];
    let mut line = Vec::new();
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        for &byte in &buf[..n] {
            if byte == b'\n' {
                record_request_line(&line, shared);
                line.clear();
            } else {
                line.push(byte);
            }
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

fn record_request_line(line: &[u8], shared: &Shared) {
    let text = String::from_utf8_lossy(line);
    let text = text.trim_end_matches('\r');
    if METHODS.iter().any(|m| text.starts_with(m)) {
        let request = text.rsplit_once(" HTTP/").map_or(text, |(r, _)| r);
        shared
            .requests
            .lock()
            .expect("proxy request log")
            .push(request.to_string());
    }
}

/// Registry to client, at most `rate` bytes per second.
fn forward_responses(mut from: TcpStream, mut to: TcpStream, shared: &Shared) {
    let mut buf = [0u8; CHUNK];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
        let rate = shared.rate.load(Ordering::SeqCst);
        if rate > 0 {
            thread::sleep(Duration::from_secs_f64(n as f64 / rate as f64));
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}
