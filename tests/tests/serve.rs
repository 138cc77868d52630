//! `azfn serve`: the built binary serves the preview page it embeds, byte for byte as `make web`
//! built it, on loopback, with the page's security headers; nothing else is answered.
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

struct Server {
    child: Child,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(args: &[&str]) -> Server {
    let mut child = Command::new(azfn_tests::azfn_bin())
        .args(["serve", "--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start azfn serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read the address");
    let address = line
        .trim()
        .strip_prefix("azfn preview: http://")
        .and_then(|a| a.strip_suffix('/'))
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    Server { child, address }
}

/// Status line, headers (lower-cased names) and body of one request.
fn request(address: &str, method: &str, path: &str) -> (String, Vec<(String, String)>, Vec<u8>) {
    let mut stream = TcpStream::connect(address).expect("connect");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\n\r\n"
    )
    .expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read");
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let head = String::from_utf8(response[..split].to_vec()).expect("ASCII headers");
    let mut lines = head.lines();
    let status = lines.next().expect("status line").to_owned();
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
        .collect();
    (status, headers, response[split + 4..].to_vec())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

#[test]
fn serves_the_embedded_page_as_built_on_loopback() {
    let server = serve(&[]);
    assert!(
        server.address.starts_with("127.0.0.1:"),
        "{}",
        server.address
    );
    let dist = azfn_tests::workspace().join("web/dist");
    let (status, headers, body) = request(&server.address, "GET", "/");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(header(&headers, "content-type"), "text/html; charset=utf-8");
    assert!(
        header(&headers, "content-security-policy")
            .starts_with("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'")
    );
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    assert_eq!(body, std::fs::read(dist.join("index.html")).unwrap());
    let mut assets = 0;
    for entry in std::fs::read_dir(dist.join("assets")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let (status, headers, body) =
            request(&server.address, "GET", &format!("/assets/{name}?v=1"));
        assert_eq!(status, "HTTP/1.1 200 OK", "{name}");
        assert_eq!(
            body,
            std::fs::read(&path).unwrap(),
            "{name} differs from web/dist"
        );
        let expected = match path.extension().and_then(|e| e.to_str()) {
            Some("wasm") => "application/wasm",
            Some("js") => "text/javascript; charset=utf-8",
            Some("css") => "text/css; charset=utf-8",
            _ => continue,
        };
        assert_eq!(header(&headers, "content-type"), expected, "{name}");
        assets += 1;
    }
    assert!(assets >= 3, "the page, its worker and the wasm module");
    let (status, headers, body) = request(&server.address, "HEAD", "/");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(body.is_empty());
    assert_ne!(header(&headers, "content-length"), "0");
    assert_eq!(
        request(&server.address, "GET", "/../Cargo.toml").0,
        "HTTP/1.1 404 Not Found"
    );
    assert_eq!(
        request(&server.address, "GET", "/nope.js").0,
        "HTTP/1.1 404 Not Found"
    );
    assert_eq!(
        request(&server.address, "POST", "/").0,
        "HTTP/1.1 405 Method Not Allowed"
    );
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let server = serve(&[]);
    let port = server.address.rsplit(':').next().unwrap();
    let out = Command::new(azfn_tests::azfn_bin())
        .args(["serve", "--port", port])
        .output()
        .expect("run azfn serve");
    assert_eq!(
        out.status.code(),
        Some(2),
        "as every azfn command fails on unusable input"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{stderr}"
    );
}

/// The raw status line the server answers `bytes` with.
fn raw(address: &str, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(address).expect("connect");
    // The server may answer and close before reading everything: a refused write is fine.
    let _ = stream.write_all(bytes);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    String::from_utf8_lossy(&response)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn oversized_and_malformed_requests_are_refused_and_the_server_lives_on() {
    let server = serve(&[]);
    let a = &server.address;
    let long_path = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(9000));
    assert_eq!(raw(a, long_path.as_bytes()), "HTTP/1.1 414 URI Too Long");
    let mut headers = b"GET / HTTP/1.1\r\n".to_vec();
    for i in 0..2000 {
        headers.extend_from_slice(format!("X-Padding-{i}: {}\r\n", "b".repeat(20)).as_bytes());
    }
    headers.extend_from_slice(b"\r\n");
    assert_eq!(
        raw(a, &headers),
        "HTTP/1.1 431 Request Header Fields Too Large"
    );
    // A path that starts with a multi-byte character once panicked the connection's thread.
    assert_eq!(
        raw(a, "GET é HTTP/1.1\r\n\r\n".as_bytes()),
        "HTTP/1.1 400 Bad Request"
    );
    assert_eq!(
        raw(a, b"\xFF\xFE garbage\r\n\r\n"),
        "HTTP/1.1 400 Bad Request"
    );
    assert_eq!(
        raw(a, "GET /é HTTP/1.1\r\n\r\n".as_bytes()),
        "HTTP/1.1 404 Not Found"
    );
    // A line that never ends is cut at the limit.
    assert_eq!(raw(a, &vec![b'G'; 20_000]), "HTTP/1.1 414 URI Too Long");
    let (status, _, _) = request(a, "GET", "/");
    assert_eq!(status, "HTTP/1.1 200 OK");
}

#[test]
fn connections_beyond_the_bound_are_answered_busy_and_served_again_once_freed() {
    let server = serve(&[]);
    let a = &server.address;
    // 32 clients that connect and say nothing hold every slot.
    let idle: Vec<TcpStream> = (0..32)
        .map(|_| TcpStream::connect(a).expect("connect"))
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(
        raw(a, b"GET / HTTP/1.1\r\n\r\n"),
        "HTTP/1.1 503 Service Unavailable"
    );
    drop(idle);
    // The slots are released as the idle connections close.
    let started = std::time::Instant::now();
    loop {
        let (status, _, _) = request(a, "GET", "/");
        if status == "HTTP/1.1 200 OK" {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "still busy: {status}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
