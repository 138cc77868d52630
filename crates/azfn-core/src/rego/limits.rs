//! A step budget per rule evaluation, with no clock: regorus's cooperative timer reads a
//! time source every few work units, and azfn's source counts those reads. A runaway rule is
//! stopped after the same number of steps on every platform, so the outcome is deterministic.
//! (In the WASI sandbox, fuel and the memory cap stop what this cannot see, such as one
//! builtin building a huge value.)
use std::cell::Cell;
use std::num::NonZeroU32;
use std::sync::Once;
use std::time::Duration;

use regorus::utils::limits::{ExecutionTimerConfig, TimeSource};

use super::{RegoError, RuleSet};

/// Work units between two reads of the step counter.
const UNITS_PER_STEP: u32 = 16;

thread_local! {
    /// Reads of the time source on this thread: each is one step.
    static STEPS: Cell<u64> = const { Cell::new(0) };
}

/// The counter, as regorus's time source: one nanosecond per read.
struct StepCounter;

impl TimeSource for StepCounter {
    fn now(&self) -> Option<Duration> {
        Some(Duration::from_nanos(STEPS.with(|s| {
            let n = s.get() + 1;
            s.set(n);
            n
        })))
    }
}

static COUNTER: StepCounter = StepCounter;
static INSTALL: Once = Once::new();

/// Makes the step counter regorus's time source (once per process).
pub(super) fn install() {
    INSTALL.call_once(|| {
        // Only this module sets it; a second call cannot happen under the `Once`.
        let _ = regorus::utils::limits::set_time_source(&COUNTER);
    });
}

/// Evaluates `set` under a budget of `steps`.
pub(super) fn eval(
    engine: &mut regorus::Engine,
    set: &RuleSet,
    steps: u64,
) -> Result<regorus::Value, RegoError> {
    install();
    engine.set_execution_timer_config(ExecutionTimerConfig {
        limit: Duration::from_nanos(steps),
        check_interval: NonZeroU32::new(UNITS_PER_STEP).expect("non-zero"),
    });
    let path = format!("{}.{}", set.package, set.rule);
    engine.eval_rule(path).map_err(|e| {
        let message = e.to_string();
        if message.contains("exceeded time limit") {
            RegoError::Budget {
                file: set.file.clone(),
                rule: set.code(),
                steps,
            }
        } else {
            RegoError::Evaluation {
                file: set.file.clone(),
                rule: set.code(),
                message: first_line(&message),
            }
        }
    })
}

/// The first non-empty line of an error (regorus adds source excerpts below).
pub(super) fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("failed")
        .to_owned()
}
