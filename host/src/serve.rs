//! `azfn serve`: the preview page (web/dist, embedded in this binary at build time) over HTTP on
//! loopback, so using it needs no Node.js. A static file server and nothing more: the page does
//! all its work in the browser, and the server receives nothing but file requests.
use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, Result};

/// (path, bytes) of every file of web/dist, from the build script.
static ASSETS: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

/// The page's own policy, also sent as a header: only this origin, no third party.
const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; \
                   style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; \
                   frame-ancestors 'none'";

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
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        std::thread::spawn(move || {
            // A client that goes away mid-request is not the server's problem.
            let _ = respond(stream);
        });
    }
    Ok(ExitCode::SUCCESS)
}

fn respond(stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    // Headers are read and ignored: nothing here depends on them.
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let mut parts = request.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    let mut out = stream;
    if method != "GET" && method != "HEAD" {
        return write(
            &mut out,
            "405 Method Not Allowed",
            "text/plain; charset=utf-8",
            b"GET only\n",
            method == "HEAD",
        );
    }
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let path = if path == "/" { "/index.html" } else { path };
    match ASSETS.iter().find(|(p, _)| *p == &path[1..]) {
        Some((p, body)) => write(&mut out, "200 OK", mime(p), body, method == "HEAD"),
        None => write(
            &mut out,
            "404 Not Found",
            "text/plain; charset=utf-8",
            b"not found\n",
            method == "HEAD",
        ),
    }
}

fn write(
    out: &mut TcpStream,
    status: &str,
    mime: &str,
    body: &[u8],
    head: bool,
) -> std::io::Result<()> {
    let header = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {mime}\r\nContent-Length: {}\r\n\
         Content-Security-Policy: {CSP}\r\nX-Content-Type-Options: nosniff\r\n\
         Referrer-Policy: no-referrer\r\nCross-Origin-Opener-Policy: same-origin\r\n\
         Cache-Control: no-cache\r\nConnection: close\r\n\r\n",
        body.len()
    );
    out.write_all(header.as_bytes())?;
    if !head {
        out.write_all(body)?;
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
