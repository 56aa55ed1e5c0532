//! A small HTTP/1.1 server on a fresh 127.0.0.1 port that decides, request by request, what the
//! engine gets: the upstream registry's answer, a damaged version of it, or an answer of its own.
//! Unlike `proxy::Proxy` (a byte pipe) it parses requests, so a test can fault one blob or demand
//! a bearer token. One request per connection (`Connection: close` both ways) keeps relaying
//! trivial; the engine's HTTP client opens a new connection for each request then.
//!
//! It is written on raw sockets so a test can also make it lie in ways a server library would
//! not (tests/hostile.rs): a Content-Length that does not match the body, headers followed by
//! silence, no answer at all, an endless body.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

mod request;

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

pub use request::Request;
use request::read_request;

/// Stalled and silent connections are held at most this long (past any engine timeout a test
/// sets), so a test that fails does not leave threads behind forever.
const HOLD_LIMIT: Duration = Duration::from_secs(120);

/// An answer made up by the test.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// What to do with one request.
pub enum Reply {
    /// Relay the upstream's answer unchanged.
    Forward,
    /// Relay the upstream's status line, headers (Content-Length as declared) and the first half
    /// of the body, then close: a download cut off half way.
    ForwardTruncated,
    /// The test's answer. A Content-Length among its headers is sent as given, lie or not.
    Respond(Response),
    /// The headers of a 200 answer announcing `content_length` bytes, then nothing: the
    /// connection stays open and silent.
    StallAfterHeaders { content_length: u64 },
    /// Reads the request and never answers.
    Silent,
    /// A 200 answer of `total` bytes without Content-Length (it ends when the server closes),
    /// written as fast as the client reads.
    Endless { content_type: String, total: u64 },
}

impl Reply {
    /// 200 with `body`.
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply::Respond(Response::new(200, content_type, body))
    }

    /// `status` with a JSON `body`.
    pub fn status(status: u16, body: &str) -> Reply {
        Reply::Respond(Response::new(status, "application/json", body))
    }

    /// A `Respond` reply with header `name` set to `value` (replacing one of that name).
    pub fn with(self, name: &str, value: &str) -> Reply {
        match self {
            Reply::Respond(mut response) => {
                response
                    .headers
                    .retain(|(n, _)| !n.eq_ignore_ascii_case(name));
                Reply::Respond(response.with_header(name, value))
            }
            other => other,
        }
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

pub struct HttpFront {
    addr: String,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

struct Shared {
    upstream: Option<String>,
    handler: Box<Handler>,
    /// In arrival order.
    requests: Mutex<Vec<Request>>,
    stopping: AtomicBool,
}

impl HttpFront {
    /// Serves a fresh 127.0.0.1 port; `Reply::Forward*` go to `upstream` ("HOST:PORT").
    pub fn start(
        upstream: Option<&str>,
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> HttpFront {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address").to_string();
        let shared = Arc::new(Shared {
            upstream: upstream.map(str::to_string),
            handler: Box::new(handler),
            requests: Mutex::new(Vec::new()),
            stopping: AtomicBool::new(false),
        });
        let for_thread = Arc::clone(&shared);
        let acceptor = thread::spawn(move || {
            for client in listener.incoming() {
                if for_thread.stopping.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(client) = client else { continue };
                let shared = Arc::clone(&for_thread);
                thread::spawn(move || serve(client, &shared));
            }
        });
        HttpFront {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// "127.0.0.1:PORT"
    pub fn addr(&self) -> &str {
        &self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse().ok())
            .expect("a port")
    }

    /// Every request received so far, as "METHOD TARGET".
    pub fn requests(&self) -> Vec<String> {
        self.request_log()
            .iter()
            .map(|r| format!("{} {}", r.method, r.target))
            .collect()
    }

    /// Every request received so far, with its headers.
    pub fn request_log(&self) -> Vec<Request> {
        self.shared.requests.lock().expect("request log").clone()
    }
}

/// A front on a registry that spoils the requests `fault` picks (None: forward), until disarmed.
pub struct FaultyFront {
    front: HttpFront,
    armed: Arc<AtomicBool>,
}

impl FaultyFront {
    pub fn start(
        upstream: &str,
        fault: impl Fn(&Request) -> Option<Reply> + Send + Sync + 'static,
    ) -> FaultyFront {
        let armed = Arc::new(AtomicBool::new(true));
        let for_handler = Arc::clone(&armed);
        let front = HttpFront::start(Some(upstream), move |request| {
            match for_handler.load(Ordering::SeqCst) {
                true => fault(request).unwrap_or(Reply::Forward),
                false => Reply::Forward,
            }
        });
        FaultyFront { front, armed }
    }

    pub fn addr(&self) -> &str {
        self.front.addr()
    }

    /// Forwards everything from now on.
    pub fn disarm(&self) {
        self.armed.store(false, Ordering::SeqCst);
    }
}

impl Drop for HttpFront {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the blocked accept() so the acceptor sees `stopping` and closes the port.
        let _ = TcpStream::connect(&self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn serve(client: TcpStream, shared: &Shared) {
    // A client that stalls must not keep a thread forever.
    let _ = client.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(reader) = client.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(reader);
    let mut client = client;
    // A TLS ClientHello (the engine tries HTTPS first on insecure registries) starts with 0x16:
    // answer like a plain-HTTP server does, so the client gives up on TLS at once.
    match reader.fill_buf() {
        Ok(bytes) if bytes.first().is_some_and(u8::is_ascii_uppercase) => {}
        _ => {
            let _ = client.write_all(b"HTTP/1.0 400 Bad Request\r\n\r\n");
            let _ = client.shutdown(Shutdown::Both);
            return;
        }
    }
    let Some(request) = read_request(&mut reader) else {
        return;
    };
    shared
        .requests
        .lock()
        .expect("request log")
        .push(request.clone());
    let result = match (shared.handler)(&request) {
        Reply::Respond(response) => write_response(&mut client, &response),
        Reply::Forward => forward(&request, shared, &mut client, false),
        Reply::ForwardTruncated => forward(&request, shared, &mut client, true),
        Reply::StallAfterHeaders { content_length } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
                 Content-Length: {content_length}\r\nConnection: close\r\n\r\n"
            );
            let written = client.write_all(head.as_bytes());
            hold(shared);
            written
        }
        Reply::Silent => {
            hold(shared);
            Ok(())
        }
        Reply::Endless {
            content_type,
            total,
        } => endless(&mut client, &content_type, total),
    };
    // A client that hangs up early (the engine gave up on the pull) is no news.
    if let Err(e) = result
        && !matches!(
            e.kind(),
            io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
        )
    {
        eprintln!("http front: {} {}: {e}", request.method, request.target);
    }
    let _ = client.shutdown(Shutdown::Both);
}

fn write_response(client: &mut TcpStream, response: &Response) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    let mut has_length = false;
    for (name, value) in &response.headers {
        has_length |= name.eq_ignore_ascii_case("content-length");
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !has_length {
        head.push_str(&format!("Content-Length: {}\r\n", response.body.len()));
    }
    head.push_str("Connection: close\r\n\r\n");
    client.write_all(head.as_bytes())?;
    client.write_all(&response.body)?;
    client.flush()
}

/// Sends the request upstream with `Connection: close` (so the answer ends at EOF) and relays
/// the answer, whole or cut in the middle of its body.
fn forward(
    request: &Request,
    shared: &Shared,
    client: &mut TcpStream,
    truncate: bool,
) -> io::Result<()> {
    let upstream = shared
        .upstream
        .as_deref()
        .ok_or_else(|| io::Error::other("this front has no upstream to forward to"))?;
    let mut server = TcpStream::connect(upstream)?;
    let mut head = format!("{} {} HTTP/1.1\r\n", request.method, request.target);
    for (name, value) in &request.headers {
        if !name.eq_ignore_ascii_case("connection") {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str("Connection: close\r\n\r\n");
    server.write_all(head.as_bytes())?;
    if !truncate {
        io::copy(&mut server, client)?;
        return Ok(());
    }
    let mut answer = Vec::new();
    server.read_to_end(&mut answer)?;
    let body_start = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
        .ok_or_else(|| io::Error::other("upstream answer has no header end"))?;
    let body_len = answer.len() - body_start;
    client.write_all(&answer[..body_start + body_len / 2])?;
    client.flush()
}

/// Keeps a connection open and silent until the server stops (or the hold limit).
fn hold(shared: &Shared) {
    let start = Instant::now();
    while !shared.stopping.load(Ordering::SeqCst) && start.elapsed() < HOLD_LIMIT {
        thread::sleep(Duration::from_millis(50));
    }
}

fn endless(client: &mut TcpStream, content_type: &str, total: u64) -> io::Result<()> {
    let head =
        format!("HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nConnection: close\r\n\r\n");
    client.write_all(head.as_bytes())?;
    let chunk = vec![b'a'; 64 << 10];
    let mut sent = 0;
    while sent < total {
        client.write_all(&chunk)?;
        sent += chunk.len() as u64;
    }
    client.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Status",
    }
}
