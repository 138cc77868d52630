//! Sandbox limits and the memory limiter that reports which limit tripped.
use std::time::Duration;

use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};

/// Bounds on one run of a function.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest linear memory, in bytes.
    pub memory_bytes: usize,
    /// Fuel (about one unit per wasm instruction): a deterministic CPU bound.
    pub fuel: u64,
    /// Wall-clock bound.
    pub timeout: Duration,
    /// Largest stdout the function may write, in bytes.
    pub max_stdout: usize,
    /// Largest stderr kept, in bytes.
    pub max_stderr: usize,
    /// Largest stdin accepted, in bytes.
    pub max_input: usize,
    /// Wasm stack, in bytes.
    pub max_wasm_stack: usize,
    /// Whether fuel and wall time grow with the input (the defaults) or were set by the caller.
    pub scale_fuel: bool,
    /// See [`Limits::scale_fuel`].
    pub scale_timeout: bool,
}

/// Fuel for an empty input: about four seconds of a tight loop on this machine kind.
pub const BASE_FUEL: u64 = 4_000_000_000;
/// Fuel per input byte. `make bench` ("Default budgets") measures what honest work uses: about
/// 1,200 per byte on the 32 MiB list of Function-app resources, so this leaves three times that;
/// at 32 MiB the whole budget burns in under 30 s, inside the wall-time bound.
pub const FUEL_PER_BYTE: u64 = 4_000;
/// Wall time for an empty input.
pub const BASE_TIMEOUT: Duration = Duration::from_secs(5);
/// Wall time per MiB of input.
pub const TIMEOUT_PER_MIB: Duration = Duration::from_secs(1);

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory_bytes: 1 << 30,
            fuel: BASE_FUEL,
            timeout: BASE_TIMEOUT,
            max_stdout: 256 << 20,
            max_stderr: 1 << 20,
            max_input: 32 << 20,
            max_wasm_stack: 2 << 20,
            scale_fuel: true,
            scale_timeout: true,
        }
    }
}

impl Limits {
    /// The limits of one run over `input` bytes: a runaway on a small input is stopped within
    /// seconds, while the largest input still has room for honest work (fuel and time grow
    /// with the input unless the caller fixed them).
    #[must_use]
    pub fn for_input(&self, input: usize) -> Self {
        let mut limits = *self;
        let bytes = input as u64;
        if self.scale_fuel {
            limits.fuel = self
                .fuel
                .saturating_add(bytes.saturating_mul(FUEL_PER_BYTE));
        }
        if self.scale_timeout {
            let extra = TIMEOUT_PER_MIB.as_nanos().saturating_mul(input as u128) >> 20;
            limits.timeout = self.timeout
                + std::time::Duration::from_nanos(u64::try_from(extra).unwrap_or(u64::MAX));
        }
        limits
    }
}

/// The guest tried to grow memory past the limit.
#[derive(Debug)]
pub struct MemoryLimitExceeded {
    /// Requested size in bytes.
    pub desired: usize,
    /// The limit in bytes.
    pub limit: usize,
}

impl std::fmt::Display for MemoryLimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the function tried to grow its memory to {} MiB, over the limit of {} MiB",
            self.desired.div_ceil(1 << 20),
            self.limit >> 20
        )
    }
}

impl std::error::Error for MemoryLimitExceeded {}

/// A limiter whose memory error is typed, so the host can name the limit: wasmtime's own
/// `trap_on_grow_failure` only gives a string.
pub struct Guarded {
    inner: StoreLimits,
    memory_limit: usize,
}

impl Guarded {
    /// Memory bounded by `memory_limit`, one instance, memory and table.
    pub fn new(memory_limit: usize) -> Self {
        let inner = StoreLimitsBuilder::new()
            .memory_size(memory_limit)
            .instances(1)
            .memories(1)
            .tables(4)
            .build();
        Self {
            inner,
            memory_limit,
        }
    }
}

impl ResourceLimiter for Guarded {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_limit {
            return Err(MemoryLimitExceeded {
                desired,
                limit: self.memory_limit,
            }
            .into());
        }
        self.inner.memory_growing(current, desired, maximum)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.inner.table_growing(current, desired, maximum)
    }

    fn instances(&self) -> usize {
        self.inner.instances()
    }

    fn tables(&self) -> usize {
        self.inner.tables()
    }

    fn memories(&self) -> usize {
        self.inner.memories()
    }
}
