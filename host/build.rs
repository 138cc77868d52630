//! Embeds the azfn KRM module (built for wasm32-wasip1) into the `azfn` binary, so the KRM
//! function is a single file, and the preview page (web/dist) for `azfn serve`. `make build`
//! builds both first (AZFN_GUEST_WASM and AZFN_WEB_DIST may point elsewhere).
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=AZFN_GUEST_WASM");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let guest = std::env::var_os("AZFN_GUEST_WASM").map_or_else(
        || manifest.join("../target/wasm32-wasip1/release/azfn-krm.wasm"),
        PathBuf::from,
    );
    println!("cargo:rerun-if-changed={}", guest.display());
    let bytes = std::fs::read(&guest).unwrap_or_else(|e| {
        panic!(
            "cannot read the azfn KRM module at {}: {e}\n\
             build it first: `make build` (or `cargo build -p azfn-krm --release --target wasm32-wasip1`)",
            guest.display()
        )
    });
    assert!(
        bytes.starts_with(b"\0asm"),
        "{} is not a WebAssembly module",
        guest.display()
    );
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    // The module cache's key, hashed here once rather than on every run (4 MB of SHA-256 was
    // a third of a warm start).
    std::fs::write(
        out_dir.join("azfn-krm.sha256"),
        <sha2::Sha256 as sha2::Digest>::digest(&bytes),
    )
    .expect("write OUT_DIR/azfn-krm.sha256");
    std::fs::write(out_dir.join("azfn-krm.wasm"), bytes).expect("write OUT_DIR/azfn-krm.wasm");
    embed_web(&manifest);
}

/// Writes `web_assets.rs`: a `&[(path, bytes)]` of every file in web/dist.
fn embed_web(manifest: &std::path::Path) {
    println!("cargo:rerun-if-env-changed=AZFN_WEB_DIST");
    let dist = std::env::var_os("AZFN_WEB_DIST")
        .map_or_else(|| manifest.join("../web/dist"), PathBuf::from);
    println!("cargo:rerun-if-changed={}", dist.display());
    assert!(
        dist.join("index.html").is_file(),
        "the preview page is not built at {}\nbuild it first: `make web` (or `make build`, which does)",
        dist.display()
    );
    let mut files = Vec::new();
    collect(&dist, &dist, &mut files);
    files.sort();
    let mut out = String::from("&[\n");
    for (relative, absolute) in files {
        let absolute = absolute.display().to_string();
        writeln!(
            out,
            "    ({relative:?}, include_bytes!({absolute:?}) as &[u8]),"
        )
        .expect("write to a String");
    }
    out.push_str("]\n");
    let target =
        PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("web_assets.rs");
    std::fs::write(target, out).expect("write OUT_DIR/web_assets.rs");
}

fn collect(root: &std::path::Path, dir: &std::path::Path, files: &mut Vec<(String, PathBuf)>) {
    for entry in std::fs::read_dir(dir).expect("read web/dist") {
        let path = entry.expect("read web/dist").path();
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let relative = path
                .strip_prefix(root)
                .expect("below web/dist")
                .to_string_lossy()
                .replace('\\', "/");
            let absolute = std::fs::canonicalize(&path).expect("canonical path");
            files.push((relative, absolute));
        }
    }
}
