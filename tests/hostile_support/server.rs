//! A hostile HTTP/1.1 server on a fresh 127.0.0.1 port, written on raw sockets so a test can
//! make it lie in ways a real server library would not: a Content-Length that does not match
//! the body, headers followed by silence, no answer at all, an endless body. One request per
//! connection (`Connection: close`). Every request is logged with its Authorization header, so
//! a test can prove which credentials reached which server.

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// A request as received.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub authorization: Option<String>,
}

impl Request {
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(p, _)| p)
    }
}

/// What the server does with one request.
pub enum Answer {
    /// A status, headers and body. Content-Length is the body's length unless `headers` set
    /// one (then it is sent as given, lie or not).
    Send {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// The headers of a 200 answer announcing `content_length` bytes, then nothing: the
    /// connection stays open and silent.
    StallAfterHeaders { content_length: u64 },
    /// Reads the request and never answers.
    Silent,
    /// A 200 answer of `total` bytes of `byte` without Content-Length (it ends when the server
    /// closes), written as fast as the client reads.
    Endless { content_type: String, total: u64 },
}

impl Answer {
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Answer {
        Answer::Send {
            status: 200,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    pub fn status(status: u16, body: &str) -> Answer {
        Answer::Send {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// Adds a header to a `Send` answer.
    pub fn with(mut self, name: &str, value: &str) -> Answer {
        if let Answer::Send { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

type Handler = dyn Fn(&Request) -> Answer + Send + Sync;

/// Stalled and silent connections are held at most this long (past any engine timeout a test
/// sets), so a test that fails does not leave threads behind forever.
const HOLD_LIMIT: Duration = Duration::from_secs(120);

pub struct HostileServer {
    addr: String,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

struct Shared {
    handler: Box<Handler>,
    requests: Mutex<Vec<Request>>,
    stopping: AtomicBool,
}

impl HostileServer {
    pub fn start(handler: impl Fn(&Request) -> Answer + Send + Sync + 'static) -> HostileServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address").to_string();
        let shared = Arc::new(Shared {
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
        HostileServer {
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

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.requests.lock().expect("request log").clone()
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn serve(mut client: TcpStream, shared: &Shared) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(reader) = client.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(reader);
    // The engine tries HTTPS first on insecure registries: refuse TLS at once, as a plain-HTTP
    // server does, so the client goes on with plain HTTP.
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
    // Write errors mean the engine hung up (it gave up, as it should): no news.
    let _ = match (shared.handler)(&request) {
        Answer::Send {
            status,
            headers,
            body,
        } => send(&mut client, status, &headers, &body),
        Answer::StallAfterHeaders { content_length } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
                 Content-Length: {content_length}\r\nConnection: close\r\n\r\n"
            );
            let written = client.write_all(head.as_bytes());
            hold(shared);
            written
        }
        Answer::Silent => {
            hold(shared);
            Ok(())
        }
        Answer::Endless {
            content_type,
            total,
        } => endless(&mut client, &content_type, total),
    };
    let _ = client.shutdown(Shutdown::Both);
}

/// Keeps a connection open and silent until the server stops (or the hold limit).
fn hold(shared: &Shared) {
    let start = Instant::now();
    while !shared.stopping.load(Ordering::SeqCst) && start.elapsed() < HOLD_LIMIT {
        thread::sleep(Duration::from_millis(50));
    }
}

fn send(
    client: &mut TcpStream,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    let mut has_length = false;
    for (name, value) in headers {
        has_length |= name.eq_ignore_ascii_case("content-length");
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !has_length {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("Connection: close\r\n\r\n");
    client.write_all(head.as_bytes())?;
    client.write_all(body)?;
    client.flush()
}

fn endless(client: &mut TcpStream, content_type: &str, total: u64) -> std::io::Result<()> {
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

fn read_request(reader: &mut impl BufRead) -> Option<Request> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut authorization = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            return Some(Request {
                method,
                target,
                authorization,
            });
        }
        let (name, value) = line.split_once(':')?;
        if name.trim().eq_ignore_ascii_case("authorization") {
            authorization = Some(value.trim().to_string());
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        307 => "Temporary Redirect",
        401 => "Unauthorized",
        404 => "Not Found",
        _ => "Status",
    }
}
