//! Hostile modules (WAT) under `azfn run --module`: each is stopped or reported with its own
//! one-line message and exit code, nothing reaches stdout, and it happens quickly.
use azfn_tests::{azfn_bin, command, fixture, run, text};
use std::time::{Duration, Instant};

const INPUT: &[u8] = b"apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: settings
";

struct Case {
    module: &'static str,
    args: &'static [&'static str],
    code: i32,
    message: &'static str,
    /// A generous bound: these are correctness checks ("stopped, not hung"), not benchmarks.
    within: Duration,
}

fn check(case: &Case) {
    let module = fixture("hostile").join(format!("{}.wat", case.module));
    let started = Instant::now();
    let out = run(
        command(azfn_bin())
            .arg("run")
            .arg("--module")
            .arg(&module)
            .args(case.args),
        INPUT,
    );
    let elapsed = started.elapsed();
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(case.code),
        "{}: stderr: {stderr}",
        case.module
    );
    assert!(
        stderr.contains(case.message),
        "{}: stderr: {stderr}",
        case.module
    );
    assert!(
        stdout.is_empty(),
        "{}: partial output reached stdout: {stdout:.200}",
        case.module
    );
    assert!(elapsed < case.within, "{}: took {elapsed:?}", case.module);
}

#[test]
fn infinite_loop_runs_out_of_fuel() {
    check(&Case {
        module: "infinite-loop",
        args: &["--fuel", "100000000"],
        code: 81,
        message: "azfn: sandbox: the function used all its fuel (100000000 units; raise it with --fuel); its output was discarded",
        within: Duration::from_secs(20),
    });
}

#[test]
fn infinite_loop_with_plenty_of_fuel_hits_the_wall_time_limit() {
    check(&Case {
        module: "infinite-loop",
        args: &["--fuel", "18000000000000000000", "--timeout", "1"],
        code: 82,
        message: "azfn: sandbox: the function ran longer than 1.0 s (raise it with --timeout)",
        within: Duration::from_secs(20),
    });
}

#[test]
fn memory_bomb_hits_the_memory_limit() {
    check(&Case {
        module: "memory-bomb",
        args: &["--max-memory-mb", "64"],
        code: 80,
        message: "over the limit of 64 MiB (raise it with --max-memory-mb)",
        within: Duration::from_secs(20),
    });
}

#[test]
fn file_reads_find_nothing_to_open() {
    // errno 8 (EBADF): no preopened directory exists to open a path through.
    check(&Case {
        module: "read-file",
        args: &[],
        code: 8,
        message: "azfn: the function exited with code 8",
        within: Duration::from_secs(20),
    });
}

#[test]
fn the_environment_is_empty_and_args_are_only_the_name() {
    let mut cmd = command(azfn_bin());
    cmd.env("AZFN_TEST_LEAK", "must-not-reach-the-guest");
    let module = fixture("hostile/environment.wat");
    let out = run(cmd.arg("run").arg("--module").arg(module), INPUT);
    assert_eq!(out.status.code(), Some(10), "{}", text(&out).1);
}

#[test]
fn stdout_flood_hits_the_output_limit() {
    check(&Case {
        module: "stdout-flood",
        args: &["--max-output-mb", "1", "--timeout", "60"],
        code: 84,
        message: "azfn: sandbox: the function wrote more than 1 MiB to stdout (raise it with --max-output-mb); its output was discarded",
        within: Duration::from_secs(20),
    });
}

#[test]
fn unbounded_recursion_overflows_the_stack() {
    check(&Case {
        module: "recursion",
        args: &[],
        code: 83,
        message: "azfn: sandbox: the function overflowed its 2048 KiB stack",
        within: Duration::from_secs(20),
    });
}

#[test]
fn exit_code_and_stderr_are_passed_on() {
    check(&Case {
        module: "exit-3",
        args: &[],
        code: 3,
        message: "policy check failed!\nazfn: the function exited with code 3",
        within: Duration::from_secs(20),
    });
}

#[test]
fn output_that_is_not_a_resource_list_is_refused() {
    check(&Case {
        module: "not-a-resource-list",
        args: &[],
        code: 85,
        message: "its output is not a ResourceList",
        within: Duration::from_secs(20),
    });
}

#[test]
fn an_empty_item_list_is_never_passed_on() {
    check(&Case {
        module: "empty-items",
        args: &[],
        code: 85,
        message: "it returned no items for 1 input items (kpt would delete every file); nothing was written",
        within: Duration::from_secs(20),
    });
}

#[test]
fn a_module_that_does_not_exist_or_is_not_wasm_is_a_clear_error() {
    let out = run(
        command(azfn_bin()).args(["run", "--module", "/nonexistent.wasm"]),
        INPUT,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out)
            .1
            .contains("cannot read the module /nonexistent.wasm"),
        "{}",
        text(&out).1
    );
    let not_wasm = fixture("kpt/orders/azfn.yaml");
    let out = run(
        command(azfn_bin()).arg("run").arg("--module").arg(not_wasm),
        INPUT,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).1.contains("compile the WebAssembly module"),
        "{}",
        text(&out).1
    );
}
