//! Compiled-module cache: compiling the module costs ~100 ms or more, loading a precompiled
//! artifact well under a millisecond. Entries are keyed by the engine's compatibility hash
//! (wasmtime version and configuration) and the module's SHA-256, written atomically, and a bad
//! entry falls back to compiling again.
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use wasmtime::{Engine, Module};

/// Where cached artifacts live: `$AZFN_CACHE_DIR`, else `$XDG_CACHE_HOME/azfn`, else
/// `~/.cache/azfn`. `None` disables caching.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("AZFN_CACHE_DIR") {
        return (!dir.is_empty()).then(|| PathBuf::from(dir));
    }
    if let Some(xdg) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(xdg).join("azfn"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache").join("azfn"))
}

/// The cache file for `wasm` under `engine`.
pub fn entry_path(engine: &Engine, sha256: &[u8; 32], dir: &Path) -> PathBuf {
    let mut compat = std::hash::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut compat);
    let hex = azfn_core::text::hex(&sha256[..16]);
    dir.join(format!("{:016x}-{hex}.cwasm", compat.finish()))
}

/// How the module was obtained (reported by `--verbose` and measured by the benchmarks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Loaded from the cache.
    Cached,
    /// Compiled (and stored, when the cache is writable).
    Compiled,
}

/// Loads `wasm` from the cache in `dir`, or compiles it and stores the artifact. Precompiled
/// code is native code: it is loaded only from a folder (and a file) owned by the current user
/// and writable by no one else, checked on every load; otherwise azfn warns in one line and
/// compiles without the cache.
/// `sha256` is the module's digest (the caller may know it without hashing).
pub fn load(
    engine: &Engine,
    wasm: &[u8],
    sha256: &[u8; 32],
    dir: Option<&Path>,
) -> Result<(Module, Source)> {
    let Some(dir) = dir else {
        return Ok((compile(engine, wasm)?, Source::Compiled));
    };
    let path = entry_path(engine, sha256, dir);
    let exists = std::fs::symlink_metadata(dir).is_ok();
    if exists && let Err(reason) = trusted(dir, &path) {
        eprintln!(
            "azfn: warning: module cache {}: {reason}; compiling instead of loading precompiled code from it",
            dir.display()
        );
        return Ok((compile(engine, wasm)?, Source::Compiled));
    }
    if path.is_file() {
        // SAFETY: the folder and the file belong to this user and no one else can write them
        // (checked just above), and only azfn writes there, only output of
        // `Engine::precompile_module` for this engine's compatibility hash; wasmtime checks the
        // artifact's header and version and rejects a foreign or truncated one with an error,
        // which falls through to compiling below.
        #[expect(unsafe_code, reason = "loading our own precompiled artifact")]
        let loaded = unsafe { Module::deserialize_file(engine, &path) };
        if let Ok(module) = loaded {
            return Ok((module, Source::Cached));
        }
    }
    let bytes = engine
        .precompile_module(wasm)
        .map_err(anyhow::Error::from)
        .context("compile the WebAssembly module")?;
    if let Err(e) = store(dir, &path, &bytes) {
        // A read-only home is no reason to fail: run uncached.
        if std::env::var_os("AZFN_DEBUG").is_some() {
            eprintln!("azfn: module cache disabled: {e:#}");
        }
    }
    // SAFETY: `bytes` was produced by `precompile_module` on this very engine just now.
    #[expect(unsafe_code, reason = "loading an artifact this engine just produced")]
    let module = unsafe { Module::deserialize(engine, &bytes) }?;
    Ok((module, Source::Compiled))
}

/// Why precompiled code in `dir` (and its entry `path`, if present) must not be trusted: a
/// folder or file that is a symbolic link, belongs to another user (other than root, who could
/// replace azfn itself: the image's read-only cache is root's), or is writable by group or
/// others.
#[cfg(unix)]
pub fn trusted(dir: &Path, path: &Path) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt as _;
    let me = current_uid();
    let check = |p: &Path, what: &str| -> Result<(), String> {
        let meta = match std::fs::symlink_metadata(p) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && what == "entry" => {
                return Ok(());
            }
            Err(e) => return Err(format!("cannot inspect the {what}: {e}")),
        };
        if meta.file_type().is_symlink() {
            return Err(format!("the {what} is a symbolic link"));
        }
        if meta.uid() != me && meta.uid() != 0 {
            return Err(format!(
                "the {what} belongs to uid {}, neither this user (uid {me}) nor root",
                meta.uid()
            ));
        }
        if meta.mode() & 0o022 != 0 {
            return Err(format!(
                "the {what} is writable by group or others (mode {:04o})",
                meta.mode() & 0o7777
            ));
        }
        Ok(())
    };
    check(dir, "folder")?;
    check(path, "entry")
}

/// Elsewhere the platform's own permissions are all there is.
#[cfg(not(unix))]
pub fn trusted(_dir: &Path, _path: &Path) -> Result<(), String> {
    Ok(())
}

#[cfg(unix)]
fn current_uid() -> u32 {
    #[expect(unsafe_code, reason = "geteuid is a plain system call")]
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe {
        libc::geteuid()
    }
}

fn compile(engine: &Engine, wasm: &[u8]) -> Result<Module> {
    Module::new(engine, wasm)
        .map_err(anyhow::Error::from)
        .context("compile the WebAssembly module")
}

fn store(dir: &Path, path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("make {} private", dir.display()))?;
    }
    // What is stored here is loaded later only if it is still ours alone.
    trusted(dir, path).map_err(|reason| anyhow::anyhow!("{}: {reason}", dir.display()))?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    write_private(&tmp, bytes).with_context(|| format!("write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("rename to {}", path.display()))?;
    Ok(())
}

/// Writes a new file readable and writable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let _ = std::fs::remove_file(path);
    options.open(path)?.write_all(bytes)
}
