//! `azfn serve`: the preview page (web/dist, embedded in this binary at build time) over HTTP on
//! loopback, so using it needs no Node.js. A static file server and nothing more: the page does
//! all its work in the browser, and the server receives nothing but file requests.
use std::io::{BufRead, BufReader, Read as _, Write as _};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context as _, Result};

/// (path, bytes) of every file of web/dist, from the build script.
static ASSETS: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

/// The page's own policy, also sent as a header: only this origin, no third party.
const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; \
                   style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; \
                   frame-ancestors 'none'";

/// The longest request line and header section read; more is answered 431 or 414 and closed.
pub(crate) const MAX_REQUEST_LINE: usize = 8 << 10;
/// The longest header section (all lines after the request line).
pub(crate) const MAX_HEADERS: usize = 16 << 10;
/// Connections served at once; more are answered 503 and closed.
pub(crate) const MAX_CONNECTIONS: usize = 32;
/// A client that sends nothing for this long is dropped.
const IDLE: Duration = Duration::from_secs(10);

pub(crate) fn run(host: IpAddr, port: u16) -> Result<ExitCode> {
    let listener = TcpListener::bind(SocketAddr::new(host, port))
        .with_context(|| format!("cannot listen on {host}:{port}"))?;
    let address = listener.local_addr()?;
    let shown = match address {
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
        SocketAddr::V4(a) => a.to_string(),
    };
    println!("azfn preview: http://{shown}/");
    if !host.is_loopback() {
        eprintln!(
            "azfn: serving on {host}, not loopback: anyone who can reach it can load the page"
        );
    }
    std::io::stdout().flush()?;
    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        if open.fetch_add(1, Ordering::AcqRel) >= MAX_CONNECTIONS {
            open.fetch_sub(1, Ordering::AcqRel);
            // Answered on the accepting thread, without reading: it costs no thread.
            let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
            let _ = write(
                &mut stream,
                &Response::text("503 Service Unavailable", "busy\n"),
                false,
            );
            continue;
        }
        let open = Arc::clone(&open);
        std::thread::spawn(move || {
            // A client that goes away mid-request is not the server's problem.
            let _ = respond(stream);
            open.fetch_sub(1, Ordering::AcqRel);
        });
    }
    Ok(ExitCode::SUCCESS)
}

/// What a request asks for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Request<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
}

/// Why a request is refused before it is looked at.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// 414: the request line is longer than [`MAX_REQUEST_LINE`].
    LineTooLong,
    /// 431: the headers are longer than [`MAX_HEADERS`].
    HeadersTooLarge,
    /// 400: not `METHOD TARGET HTTP/x.y`.
    BadRequest,
}

/// The request line's method and path (query and fragment cut off; `/` is `/index.html`).
/// Any bytes in, never a panic.
pub(crate) fn parse_request_line(line: &[u8]) -> Result<Request<'_>, Refused> {
    if line.len() > MAX_REQUEST_LINE {
        return Err(Refused::LineTooLong);
    }
    let line = std::str::from_utf8(line).map_err(|_| Refused::BadRequest)?;
    let line = line.trim_end_matches(['\r', '\n']);
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refused::BadRequest);
    };
    if method.is_empty()
        || !method.bytes().all(|b| b.is_ascii_uppercase())
        || !version.starts_with("HTTP/")
    {
        return Err(Refused::BadRequest);
    }
    let path = target.split(['?', '#']).next().unwrap_or("/");
    if !path.starts_with('/') {
        return Err(Refused::BadRequest);
    }
    let path = if path == "/" { "/index.html" } else { path };
    Ok(Request { method, path })
}

/// Reads one line of at most `max` bytes (its end included); `None` when it is longer.
fn read_line(reader: &mut impl BufRead, max: usize) -> std::io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let read = reader
        .by_ref()
        .take(max as u64 + 1)
        .read_until(b'\n', &mut line)?;
    Ok((read <= max).then_some(line))
}

struct Response<'a> {
    status: &'a str,
    mime: &'a str,
    body: &'a [u8],
}

impl<'a> Response<'a> {
    fn text(status: &'a str, body: &'a str) -> Self {
        Self {
            status,
            mime: "text/plain; charset=utf-8",
            body: body.as_bytes(),
        }
    }
}

fn respond(stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(IDLE))?;
    stream.set_write_timeout(Some(IDLE))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    let response = match read_request(&mut reader)? {
        Err(refused) => {
            let (status, body) = match refused {
                Refused::LineTooLong => ("414 URI Too Long", "request line too long\n"),
                Refused::HeadersTooLarge => {
                    ("431 Request Header Fields Too Large", "headers too large\n")
                }
                Refused::BadRequest => ("400 Bad Request", "bad request\n"),
            };
            write(&mut out, &Response::text(status, body), false)?;
            linger(&mut out);
            return Ok(());
        }
        Ok(line) => line,
    };
    let Ok(request) = parse_request_line(&response) else {
        return write(
            &mut out,
            &Response::text("400 Bad Request", "bad request\n"),
            false,
        );
    };
    let head = request.method == "HEAD";
    if request.method != "GET" && !head {
        return write(
            &mut out,
            &Response::text("405 Method Not Allowed", "GET only\n"),
            false,
        );
    }
    let wanted = request.path.strip_prefix('/').unwrap_or(request.path);
    match ASSETS.iter().find(|(p, _)| *p == wanted) {
        Some((p, body)) => write(
            &mut out,
            &Response {
                status: "200 OK",
                mime: mime(p),
                body,
            },
            head,
        ),
        None => write(
            &mut out,
            &Response::text("404 Not Found", "not found\n"),
            head,
        ),
    }
}

/// Closes after a refusal without resetting the connection: a close with unread bytes sends a
/// reset that can overtake the answer, so the rest of the request is read (and dropped) first,
/// a bounded amount for a bounded time.
fn linger(out: &mut TcpStream) {
    let _ = out.shutdown(std::net::Shutdown::Write);
    let _ = out.set_read_timeout(Some(Duration::from_secs(1)));
    let mut sink = [0u8; 8192];
    let mut left: usize = 1 << 20;
    while left > 0 {
        match out.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => left = left.saturating_sub(n),
        }
    }
}

/// The request line, after reading (and bounding) the headers, which nothing here uses.
fn read_request(reader: &mut impl BufRead) -> std::io::Result<Result<Vec<u8>, Refused>> {
    let Some(line) = read_line(reader, MAX_REQUEST_LINE)? else {
        return Ok(Err(Refused::LineTooLong));
    };
    let mut budget = MAX_HEADERS;
    loop {
        let Some(header) = read_line(reader, budget)? else {
            return Ok(Err(Refused::HeadersTooLarge));
        };
        budget -= header.len();
        if header.is_empty() || header == b"\r\n" || header == b"\n" {
            return Ok(Ok(line));
        }
    }
}

fn write(out: &mut TcpStream, response: &Response<'_>, head: bool) -> std::io::Result<()> {
    let header = format!(
        "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\
         Content-Security-Policy: {CSP}\r\nX-Content-Type-Options: nosniff\r\n\
         Referrer-Policy: no-referrer\r\nCross-Origin-Opener-Policy: same-origin\r\n\
         Cache-Control: no-cache\r\nConnection: close\r\n\r\n",
        response.status,
        response.mime,
        response.body.len()
    );
    out.write_all(header.as_bytes())?;
    if !head {
        out.write_all(response.body)?;
    }
    out.flush()
}

fn mime(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, e)| e) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines() {
        assert_eq!(
            parse_request_line(b"GET /?x=1#y HTTP/1.1\r\n"),
            Ok(Request {
                method: "GET",
                path: "/index.html"
            })
        );
        assert_eq!(
            parse_request_line(b"HEAD /assets/a.js HTTP/1.0\n").map(|r| r.path),
            Ok("/assets/a.js")
        );
        for bad in [
            &b"GET \xC3\xA9 HTTP/1.1"[..],
            "GET é HTTP/1.1".as_bytes(),
            b"GET",
            b"",
            b"GET / HTTP/1.1 extra",
            b"get / HTTP/1.1",
            b"GET /\xFF HTTP/1.1",
        ] {
            assert_eq!(parse_request_line(bad), Err(Refused::BadRequest), "{bad:?}");
        }
        assert_eq!(
            parse_request_line(&vec![b'a'; MAX_REQUEST_LINE + 1]),
            Err(Refused::LineTooLong)
        );
    }

    /// A property test over random and mutated request bytes: no input panics, and whatever
    /// parses names a path that starts with `/` and a method of capitals.
    #[test]
    fn no_request_bytes_panic() {
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let seeds: &[&[u8]] = &[
            b"GET / HTTP/1.1\r\n",
            b"HEAD /index.html?q HTTP/1.0\r\n",
            "GET /\u{e9}t\u{e9} HTTP/1.1\r\n".as_bytes(),
        ];
        for round in 0..200_000 {
            let mut bytes = seeds[round % seeds.len()].to_vec();
            for _ in 0..(next() % 6) {
                let at = usize::try_from(next() % (bytes.len() as u64 + 1)).unwrap_or(0);
                let byte = u8::try_from(next() % 256).unwrap_or(0);
                match next() % 3 {
                    0 if at < bytes.len() => bytes[at] = byte,
                    1 => bytes.insert(at, byte),
                    _ if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    _ => bytes.push(byte),
                }
            }
            if let Ok(request) = parse_request_line(&bytes) {
                assert!(request.path.starts_with('/'));
                assert!(request.method.bytes().all(|b| b.is_ascii_uppercase()));
            }
            let mut reader = std::io::Cursor::new(bytes);
            let _ = read_request(&mut reader);
        }
    }
}
