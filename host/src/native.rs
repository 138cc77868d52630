//! Bounds for the paths that run the core natively, outside the sandbox (`azfn build`, `check`,
//! `parity`): the same three the sandbox enforces, with the same exit codes.
//! - memory: a counting global allocator; past the limit the process says which limit tripped
//!   on stderr and ends with exit code 80, having written nothing on stdout;
//! - wall time: a watchdog thread ends the process with exit code 82 unless output has begun
//!   (the sandboxed runs use the same watchdog);
//! - input: every file the disk source reads counts against the input limit.
//!
//! Outside these paths (the sandboxed runs) no memory limit is set: the guest's memory is
//! bounded by wasmtime, and the host's own buffers by the input and output limits.
use std::alloc::{GlobalAlloc, Layout, System};
#[cfg(target_env = "gnu")]
use std::ffi::{c_char, c_int};

use mimalloc::MiMalloc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use crate::runner::{EXIT_MEMORY, EXIT_TIMEOUT};

static USED: AtomicUsize = AtomicUsize::new(0);
static LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);
static MEMORY_MESSAGE: OnceLock<String> = OnceLock::new();
static OUTPUT_BEGUN: AtomicBool = AtomicBool::new(false);
static READ: AtomicUsize = AtomicUsize::new(0);
static READ_LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);

/// The allocator of the `azfn` binary, counting live bytes: mimalloc for the commands that
/// render trees (a 1,000-resource build spent a fifth of its instructions in glibc's malloc and
/// free; with mimalloc, 17% fewer instructions in all), glibc's for a function call, whose host
/// allocates little and for which mimalloc's first arena and free lists were a cost of their
/// own (10 items: 665 → 537 page faults; median of 61 interleaved runs 7.1 → 6.4 ms, of 31 at
/// 1,000 items 27.9 → 27.0 ms). Chosen once, before anything is allocated
/// ([`no_huge_pages_yet`]); on musl, whose constructors cannot see the arguments, mimalloc.
pub struct Counting;

/// Whether this process allocates from the system's allocator; never changes once anything is
/// live.
static SYSTEM_HEAP: AtomicBool = AtomicBool::new(false);

fn system_heap() -> bool {
    SYSTEM_HEAP.load(Ordering::Relaxed)
}

fn reserve(bytes: usize) -> bool {
    let before = USED.fetch_add(bytes, Ordering::Relaxed);
    if before.saturating_add(bytes) > LIMIT.load(Ordering::Relaxed) {
        USED.fetch_sub(bytes, Ordering::Relaxed);
        return false;
    }
    true
}

/// Says which limit tripped and ends the process without unwinding, flushing or allocating.
fn over_memory() -> ! {
    let message = MEMORY_MESSAGE
        .get()
        .map_or("azfn: memory limit\n", String::as_str);
    end(message, EXIT_MEMORY)
}

fn end(message: &str, code: u8) -> ! {
    #[expect(
        unsafe_code,
        reason = "leave at once, without allocating or flushing stdout"
    )]
    // SAFETY: write(2) of a valid buffer to stderr, then _exit(2), which never returns and
    // skips the exit handlers that would flush a half-written stdout buffer.
    unsafe {
        libc::write(2, message.as_ptr().cast(), message.len());
        libc::_exit(i32::from(code))
    }
}

// SAFETY: every method forwards to `System` or `MiMalloc` with the caller's layout, the same one
// for the whole process (chosen while nothing was live, so every pointer freed or grown was made
// by the allocator it goes back to); the counting around it only decides whether to forward,
// and a refused allocation ends the process.
#[expect(unsafe_code, reason = "a global allocator is an unsafe trait")]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !reserve(layout.size()) {
            over_memory();
        }
        // SAFETY: forwarded as given.
        unsafe {
            if system_heap() {
                System.alloc(layout)
            } else {
                MiMalloc.alloc(layout)
            }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !reserve(layout.size()) {
            over_memory();
        }
        // SAFETY: forwarded as given.
        unsafe {
            if system_heap() {
                System.alloc_zeroed(layout)
            } else {
                MiMalloc.alloc_zeroed(layout)
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        USED.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded as given.
        unsafe {
            if system_heap() {
                System.dealloc(ptr, layout);
            } else {
                MiMalloc.dealloc(ptr, layout);
            }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            if !reserve(new_size - layout.size()) {
                over_memory();
            }
        } else {
            USED.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        // SAFETY: forwarded as given.
        unsafe {
            if system_heap() {
                System.realloc(ptr, layout, new_size)
            } else {
                MiMalloc.realloc(ptr, layout, new_size)
            }
        }
    }
}

/// Transparent huge pages suit the commands that render trees (megabytes of parsed YAML: 2 MB
/// pages take a fraction of the page faults; a 1,000-resource `azfn build` measured 28 ms
/// without them, 23 ms with), not a KRM function call, whose small heap would pay for zeroing
/// whole 2 MB pages (a fifth of a warm start). A function call gives them up before anything
/// allocates ([`no_huge_pages_yet`]); where that cannot see the arguments (musl), every process
/// gives them up and the commands that render trees take them back here, first thing in `main`
/// (with glibc there is nothing left to do here).
pub fn huge_pages_only_for_trees() {
    if cfg!(target_env = "gnu") {
        // The constructor saw the arguments and already left a tree command its huge pages.
        return;
    }
    let command = std::env::args_os().nth(1);
    if !is_function_call(command.as_deref().map(std::ffi::OsStr::as_encoded_bytes)) {
        set_huge_pages_disabled(false);
    }
}

/// Whether the first argument starts a function call: none (under kustomize or kpt), a flag,
/// or `run`.
fn is_function_call(first: Option<&[u8]>) -> bool {
    first.is_none_or(|c| c == b"run" || c.starts_with(b"-"))
}

/// The signature of [`no_huge_pages_yet`]: glibc passes constructors the process's arguments.
#[cfg(target_env = "gnu")]
pub type Constructor = unsafe extern "C" fn(c_int, *const *const c_char, *const *const c_char);
/// The signature of [`no_huge_pages_yet`]: musl passes constructors nothing.
#[cfg(not(target_env = "gnu"))]
pub type Constructor = extern "C" fn();

/// Run by the binary as a constructor that comes before mimalloc's own (priority 101); for a
/// function call it also picks the system's allocator ([`Counting`]). Giving huge pages up in
/// `main` was too late, as mimalloc had already set up its first arena with
/// two of them, 4 MB zeroed in a function call that needs a fraction of that (/proc/PID/smaps:
/// AnonHugePages 4096 kB before, 0 after; 0.3 ms of a 10-item call).
///
/// # Safety
///
/// `args` holds `count` pointers to NUL-terminated strings, as glibc passes constructors
/// `main`'s argc and argv.
#[cfg(target_env = "gnu")]
#[expect(unsafe_code, reason = "a constructor reads argv before main")]
pub unsafe extern "C" fn no_huge_pages_yet(
    count: c_int,
    args: *const *const c_char,
    _environment: *const *const c_char,
) {
    let first = (count > 1 && !args.is_null()).then(|| {
        // SAFETY: by the contract above, `count > 1` makes args[1] a NUL-terminated string.
        unsafe { std::ffi::CStr::from_ptr(*args.add(1)).to_bytes() }
    });
    if is_function_call(first) {
        set_huge_pages_disabled(true);
        // Nothing is live yet (std allocates nothing before `main`), so nothing allocated by
        // mimalloc can be handed to the system's allocator; checked rather than assumed.
        if USED.load(Ordering::Relaxed) == 0 {
            SYSTEM_HEAP.store(true, Ordering::Relaxed);
        }
    }
}

/// See the glibc version; musl passes no arguments, so every process gives huge pages up here.
#[cfg(not(target_env = "gnu"))]
pub extern "C" fn no_huge_pages_yet() {
    set_huge_pages_disabled(true);
}

fn set_huge_pages_disabled(disabled: bool) {
    #[cfg(target_os = "linux")]
    #[expect(unsafe_code, reason = "prctl(2) takes variadic C arguments")]
    // SAFETY: PR_SET_THP_DISABLE with 0 or 1 and zeroes only sets a flag on this process; a
    // kernel without it answers EINVAL, which leaves things as they were.
    unsafe {
        libc::prctl(
            libc::PR_SET_THP_DISABLE,
            libc::c_ulong::from(disabled),
            0,
            0,
            0,
        );
    }
    #[cfg(not(target_os = "linux"))]
    let _ = disabled;
}

/// Bounds this process: `memory` bytes of heap, `timeout` of wall time, `input` bytes read from
/// disk. `what` names the command in the messages.
pub(crate) fn bound(what: &str, memory: usize, timeout: Duration, input: usize) {
    let _ = MEMORY_MESSAGE.set(format!(
        "azfn: {what}: needed more than {} MiB of memory (raise it with --max-memory-mb); nothing was written\n",
        memory >> 20
    ));
    LIMIT.store(
        USED.load(Ordering::Relaxed).saturating_add(memory),
        Ordering::Relaxed,
    );
    READ_LIMIT.store(input, Ordering::Relaxed);
    watchdog(&format!("azfn: {what}:"), timeout, "nothing was written");
}

/// Ends the process with exit code 82 and "`who` ran longer than … s (raise it with
/// --timeout); `outcome`" once `timeout` has passed, unless output has begun
/// ([`output_begins`]): the wall-time limit of every command, the sandboxed runs included
/// (`runner`), whose module wasmtime then need not interrupt from inside.
pub(crate) fn watchdog(who: &str, timeout: Duration, outcome: &str) {
    let message = format!(
        "{who} ran longer than {:.1} s (raise it with --timeout); {outcome}\n",
        timeout.as_secs_f64()
    );
    std::thread::spawn(move || {
        std::thread::sleep(timeout);
        if !OUTPUT_BEGUN.load(Ordering::Acquire) {
            end(&message, EXIT_TIMEOUT);
        }
    });
}

/// Output is about to be written: from here the watchdog lets the process finish, so what
/// reaches stdout is whole.
pub(crate) fn output_begins() {
    OUTPUT_BEGUN.store(true, Ordering::Release);
    // Writing needs no more than the output itself; lift the heap limit so the last bytes
    // are never the ones refused.
    LIMIT.store(usize::MAX, Ordering::Relaxed);
}

/// The input limit in bytes.
pub(crate) fn input_limit() -> usize {
    READ_LIMIT.load(Ordering::Relaxed)
}

/// Counts `bytes` read from disk against the input limit; an error names the limit.
pub(crate) fn count_read(path: &str, bytes: usize) -> Result<(), String> {
    let total = READ
        .fetch_add(bytes, Ordering::Relaxed)
        .saturating_add(bytes);
    let limit = READ_LIMIT.load(Ordering::Relaxed);
    if total > limit {
        return Err(format!(
            "{path}: the files read exceed the input limit of {} MiB (raise it with --max-input-mb)",
            limit >> 20
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::is_function_call;

    #[test]
    fn a_function_call_is_no_command_a_flag_or_run() {
        for call in [None, Some(&b"run"[..]), Some(b"--fuel"), Some(b"-h")] {
            assert!(is_function_call(call), "{call:?}");
        }
        for tree in [&b"build"[..], b"check", b"parity", b"serve", b"runner", b""] {
            assert!(!is_function_call(Some(tree)), "{tree:?}");
        }
    }
}
