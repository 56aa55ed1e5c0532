//! A small HTTP/1.1 server on a fresh 127.0.0.1 port that decides, request by request, what the
//! engine gets: the upstream registry's answer, a damaged version of it, or an answer of its own.
//! Unlike `proxy::Proxy` (a byte pipe) it parses requests, so a test can fault one blob or demand
//! a bearer token. One request per connection (`Connection: close` both ways) keeps relaying
//! trivial; the engine's HTTP client opens a new connection for each request then.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// A parsed request head (the engine's requests have no body).
pub struct Request {
    pub method: String,
    /// Path and query, as sent: "/v2/engine-test/busybox/blobs/sha256:...".
    pub target: String,
    headers: Vec<(String, String)>,
}

impl Request {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The target without its query.
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(p, _)| p)
    }

    /// Query parameter `key`, percent-decoded; None when absent.
    pub fn query(&self, key: &str) -> Option<String> {
        let (_, query) = self.target.split_once('?')?;
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k) == key).then(|| percent_decode(v))
        })
    }

    /// True for a GET of blob `digest` in any repository.
    pub fn is_blob_get(&self, digest: &str) -> bool {
        self.method == "GET" && self.path().ends_with(&format!("/blobs/{digest}"))
    }
}

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
    Respond(Response),
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
    /// "GET /v2/..." (method and target), in arrival order.
    requests: Mutex<Vec<String>>,
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

    /// Every request received so far, as "METHOD TARGET".
    pub fn requests(&self) -> Vec<String> {
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
        .push(format!("{} {}", request.method, request.target));
    let result = match (shared.handler)(&request) {
        Reply::Respond(response) => write_response(&mut client, &response),
        Reply::Forward => forward(&request, shared, &mut client, false),
        Reply::ForwardTruncated => forward(&request, shared, &mut client, true),
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

fn read_request(reader: &mut impl BufRead) -> Option<Request> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut headers = Vec::new();
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
                headers,
            });
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
}

fn write_response(client: &mut TcpStream, response: &Response) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        response.body.len()
    ));
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

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Status",
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
