//! The wasmtime sandbox: WASI preview 1 with no preopened directories, no environment and no
//! network; the arguments are the program name and, for azfn's own module, one
//! `--input NAME=VALUE` per declared input the caller allowed (`crate::inputs`); memory, fuel,
//! stack and stdout bounded here. Wall time is bounded by the process that runs it: the CLI's
//! watchdog ([`crate::native::watchdog`], armed by `runner`) ends the process. wasmtime's epoch
//! interruption, which stopped the module from inside instead, cost 8–12% of the module's time
//! (a check on every call and loop), for a guarantee the process-level watchdog gives too.
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use anyhow::{Context as _, Result};
use wasmtime::{Config, Engine, InstancePre, Linker, Module, Store, Trap};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p1::{self, WasiP1Ctx};
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError, StreamResult};
use wasmtime_wasi::{I32Exit, WasiCtxBuilder};

use crate::limits::{Guarded, Limits, MemoryLimitExceeded};

/// Per-run state of a store.
pub struct HostState {
    wasi: WasiP1Ctx,
    limits: Guarded,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `_start` returned or the guest called `proc_exit(0)`.
    Success,
    /// The guest exited with a non-zero code.
    Exit(i32),
    /// Memory limit.
    MemoryLimit(String),
    /// Fuel ran out.
    OutOfFuel,
    /// The wasm stack overflowed.
    StackOverflow,
    /// stdout reached its cap.
    OutputTooLarge,
    /// Any other trap.
    Trap(String),
}

/// What a run produced.
pub struct RunOutput {
    /// How it ended.
    pub outcome: Outcome,
    /// Everything the guest wrote to stdout (discard unless the outcome allows it).
    pub stdout: Vec<u8>,
    /// Everything the guest wrote to stderr, up to the cap.
    pub stderr: Vec<u8>,
    /// Fuel the run used (of `Limits::fuel`): what the budgets are measured against.
    pub fuel_used: u64,
}

/// The engine every run uses. Its configuration is part of the module cache key.
pub fn engine(limits: &Limits) -> Result<Engine> {
    let mut config = Config::new();
    config.consume_fuel(true);
    config.max_wasm_stack(limits.max_wasm_stack);
    Engine::new(&config)
        .map_err(anyhow::Error::from)
        .context("create the wasmtime engine")
}

/// Resolves the module's WASI imports once.
pub fn prepare(engine: &Engine, module: &Module) -> Result<InstancePre<HostState>> {
    let mut linker: Linker<HostState> = Linker::new(engine);
    p1::add_to_linker_sync(&mut linker, |s| &mut s.wasi)?;
    linker
        .instantiate_pre(module)
        .map_err(anyhow::Error::from)
        .context("the module is not a WASI preview 1 command (wasm32-wasip1)")
}

/// Runs the module once with `stdin` and `args` after the program name.
pub fn run(
    engine: &Engine,
    pre: &InstancePre<HostState>,
    stdin: Vec<u8>,
    args: &[String],
    limits: &Limits,
) -> Result<RunOutput> {
    // Output about as large as the input, plus results, is the common case.
    let stdout = CappedOutput::new(limits.max_stdout, stdin.len() + (64 << 10));
    let stderr = MemoryOutputPipe::new(limits.max_stderr);
    let mut builder = WasiCtxBuilder::new();
    builder
        .stdin(MemoryInputPipe::new(stdin))
        .stdout(stdout.clone())
        .stderr(stderr.clone());
    builder.arg("azfn-krm");
    for arg in args {
        builder.arg(arg);
    }
    let wasi = builder.build_p1();
    let state = HostState {
        wasi,
        limits: Guarded::new(limits.memory_bytes),
    };
    let mut store = Store::new(engine, state);
    store.limiter(|s| &mut s.limits);
    store.set_fuel(limits.fuel)?;

    let result = pre.instantiate(&mut store).and_then(|instance| {
        instance
            .get_typed_func::<(), ()>(&mut store, "_start")?
            .call(&mut store, ())
    });

    let stdout_full = stdout.full.load(Ordering::Relaxed);
    let outcome = match result {
        // A guest that ignores failed writes still must not hand on truncated output.
        Ok(()) if stdout_full => Outcome::OutputTooLarge,
        Ok(()) => Outcome::Success,
        Err(e) => classify(&e, stdout_full),
    };
    let fuel_used = limits.fuel.saturating_sub(store.get_fuel().unwrap_or(0));
    drop(store);
    Ok(RunOutput {
        outcome,
        stdout: stdout.take(),
        stderr: stderr.contents().to_vec(),
        fuel_used,
    })
}

fn classify(e: &wasmtime::Error, stdout_full: bool) -> Outcome {
    // Whatever came after a full stdout (a trap, a panic, an exit) is a consequence of it.
    if stdout_full {
        return Outcome::OutputTooLarge;
    }
    if let Some(exit) = e.downcast_ref::<I32Exit>() {
        return if exit.0 == 0 {
            Outcome::Success
        } else {
            Outcome::Exit(exit.0)
        };
    }
    if let Some(m) = e.downcast_ref::<MemoryLimitExceeded>() {
        return Outcome::MemoryLimit(m.to_string());
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => Outcome::OutOfFuel,
        Some(Trap::StackOverflow) => Outcome::StackOverflow,
        _ => Outcome::Trap(format!("{:#}", e.root_cause())),
    }
}

/// stdout with a cap that stops the guest at once: a full [`MemoryOutputPipe`] only returns an
/// error to the guest, which a guest that ignores errors answers by writing forever. Its buffer
/// is taken, not copied, at the end of a run, and sized for output about as large as the input,
/// so a large list is neither copied while it grows nor after.
#[derive(Clone)]
struct CappedOutput {
    buffer: Arc<Mutex<Vec<u8>>>,
    cap: usize,
    full: Arc<AtomicBool>,
}

impl CappedOutput {
    fn new(cap: usize, expected: usize) -> Self {
        Self {
            buffer: Arc::new(Mutex::new(Vec::with_capacity(expected.min(cap)))),
            cap,
            full: Arc::new(AtomicBool::new(false)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<u8>> {
        // A poisoned lock still holds whole writes: each is one extend.
        self.buffer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Everything written, leaving the buffer empty.
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.lock())
    }

    /// Appends `bytes` if they fit under the cap; else marks the output full.
    fn append(&self, bytes: &[u8]) -> Result<(), &'static str> {
        let mut buffer = self.lock();
        if bytes.len() > self.cap - buffer.len() {
            return Err(self.refuse());
        }
        buffer.extend_from_slice(bytes);
        Ok(())
    }

    /// Marks the output full, for the run's outcome, and says why the write failed.
    fn refuse(&self) -> &'static str {
        self.full.store(true, Ordering::Relaxed);
        "stdout limit reached"
    }
}

impl IsTerminal for CappedOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CappedOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl OutputStream for CappedOutput {
    fn write(&mut self, bytes: bytes::Bytes) -> StreamResult<()> {
        self.append(&bytes).map_err(StreamError::trap)
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        let used = self.lock().len();
        if used < self.cap {
            Ok(self.cap - used)
        } else {
            Err(StreamError::trap(self.refuse()))
        }
    }
}

impl tokio::io::AsyncWrite for CappedOutput {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(
            self.append(bytes)
                .map(|()| bytes.len())
                .map_err(std::io::Error::other),
        )
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for CappedOutput {
    async fn ready(&mut self) {}
}
