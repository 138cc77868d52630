//! Embeds the azfn KRM module (built for wasm32-wasip1) into the `azfn` binary, so the KRM
//! function is a single file. `make build` builds the module first and sets AZFN_GUEST_WASM.
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
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("azfn-krm.wasm");
    std::fs::write(&out, bytes).expect("write OUT_DIR/azfn-krm.wasm");
}
