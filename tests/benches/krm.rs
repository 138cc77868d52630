//! `make bench`: the host's cold and warm start, one call over 10, 1,000 and 10,000 items in
//! the sandbox and natively, and azfn's cost under kpt next to kpt's own (`--exec cat`), all
//! measured in this run. Medians over whole process runs; ratios are what to compare.
use azfn_tests::bench::{figure, instructions_with_stdin, median, ms, new_figures, thousands};
use azfn_tests::{azfn_bin, native_krm_bin, run, scratch, workload};
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn time(runs: usize, mut make: impl FnMut(usize) -> Command, input: &[u8], ok: &[i32]) -> Duration {
    median(
        (0..runs)
            .map(|i| {
                let mut cmd = make(i);
                let started = Instant::now();
                let out = run(&mut cmd, input);
                let elapsed = started.elapsed();
                let code = out.status.code().unwrap_or(-1);
                assert!(
                    ok.contains(&code),
                    "{cmd:?} exited {code}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                elapsed
            })
            .collect(),
    )
}

/// Medians of `a` and `b` run in turn, `runs` times each: on this noisy machine a slow
/// minute then falls on both sides of a ratio instead of on one.
fn time_pair(
    runs: usize,
    mut a: impl FnMut() -> Command,
    mut b: impl FnMut() -> Command,
    input: &[u8],
) -> (Duration, Duration) {
    let (mut first, mut second) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        first.push(time(1, |_| a(), input, &[0]));
        second.push(time(1, |_| b(), input, &[0]));
    }
    (median(first), median(second))
}

fn azfn(cache: &Path) -> Command {
    let mut cmd = Command::new(azfn_bin());
    cmd.env("AZFN_CACHE_DIR", cache);
    cmd
}

fn main() {
    new_figures();
    let dir = scratch("bench");
    let warm_cache = dir.join("cache");
    let mut report = String::from("# azfn benchmarks\n\n");
    let small = workload::resource_list(10);

    // Cold start: every run compiles the module into an empty cache.
    let cold = time(
        5,
        |i| azfn(&dir.join(format!("cold-{i}"))),
        small.as_bytes(),
        &[0],
    );
    time(1, |_| azfn(&warm_cache), small.as_bytes(), &[0]);
    let warm = time(30, |_| azfn(&warm_cache), small.as_bytes(), &[0]);
    let native_small = time(
        30,
        |_| Command::new(native_krm_bin()),
        small.as_bytes(),
        &[0],
    );
    let _ = writeln!(report, "## Start-up (10 items, whole process)\n");
    let _ = writeln!(report, "| | median |\n|---|---|");
    let _ = writeln!(report, "| cold (compile + cache store) | {} |", ms(cold));
    let _ = writeln!(report, "| warm (cached module) | {} |", ms(warm));
    let _ = writeln!(report, "| native azfn-krm | {} |", ms(native_small));
    let _ = writeln!(
        report,
        "\ncold / warm = {:.1}x\n",
        cold.as_secs_f64() / warm.as_secs_f64()
    );
    figure(
        "warm start, cached module (10 items, whole process)",
        &ms(warm),
        "< 5 ms",
        warm < Duration::from_millis(5),
        &format!(
            "{} wasm instructions (fuel) in the sandbox; the host's are not counted: under valgrind, wasmtime sees another CPU and compiles the module instead of loading it",
            thousands(sandbox_fuel(&warm_cache, small.as_bytes()))
        ),
    );

    wasm_vs_native(&mut report, &warm_cache);
    under_kpt(&mut report, &warm_cache);
    budgets(&mut report, &warm_cache);

    print!("{report}");
    let out = azfn_tests::workspace().join("target/bench-report.md");
    std::fs::write(&out, &report).expect("write report");
    println!("\n(written to {})", out.display());
}

/// One call over 10, 1,000 and 10,000 items, sandboxed and native; records the ratio at 1,000
/// items and the native throughput at 10,000 as figures.
fn wasm_vs_native(report: &mut String, warm_cache: &Path) {
    let _ = writeln!(*report, "## One call, sandboxed wasm vs native\n");
    let _ = writeln!(
        *report,
        "Every call checks all rules over every item.\n\n| items | bytes | azfn (wasm, warm) | azfn-krm (native) | wasm / native | resources/s wasm | resources/s native |\n|---|---|---|---|---|---|---|"
    );
    for (n, runs) in [(10, 31), (1_000, 31), (10_000, 11)] {
        let input = workload::resource_list(n);
        let (sandboxed, native) = time_pair(
            runs,
            || azfn(warm_cache),
            || Command::new(native_krm_bin()),
            input.as_bytes(),
        );
        let count = f64::from(u32::try_from(n).expect("benchmark sizes fit u32"));
        let per_second = |d: Duration| format!("{:.0}", count / d.as_secs_f64());
        let ratio = sandboxed.as_secs_f64() / native.as_secs_f64();
        if n == 1_000 {
            let counted = instructions_with_stdin(&native_krm_bin(), &[], input.as_bytes());
            figure(
                "WASI module / native, one call over 1,000 items",
                &format!("{ratio:.2}x ({} / {})", ms(sandboxed), ms(native)),
                "<= 1.5x",
                ratio <= 1.5,
                &format!(
                    "native {} (callgrind); sandbox {} wasm instructions (fuel)",
                    thousands(counted),
                    thousands(sandbox_fuel(warm_cache, input.as_bytes()))
                ),
            );
        }
        if n == 10_000 {
            let rate = count / native.as_secs_f64();
            figure(
                "policy throughput, native, one call over 10,000 items",
                &format!("{rate:.0} resources/s ({})", ms(native)),
                ">= 50,000 resources/s",
                rate >= 50_000.0,
                &format!(
                    "{} per resource (callgrind, 1,000 items)",
                    thousands(
                        instructions_with_stdin(
                            &native_krm_bin(),
                            &[],
                            workload::resource_list(1_000).as_bytes()
                        ) / 1_000
                    )
                ),
            );
        }
        let _ = writeln!(
            *report,
            "| {n} | {} | {} | {} | {:.2}x | {} | {} |",
            input.len(),
            ms(sandboxed),
            ms(native),
            ratio,
            per_second(sandboxed),
            per_second(native)
        );
    }
}

/// The fuel (wasm instructions, as wasmtime meters them) one sandboxed run of `input` used.
fn sandbox_fuel(warm_cache: &Path, input: &[u8]) -> u64 {
    let mut cmd = azfn(warm_cache);
    cmd.env("AZFN_DEBUG", "1");
    let out = run(&mut cmd, input);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find(|l| l.starts_with("azfn: sandbox: ") && l.contains(" fuel used of "))
        .unwrap_or_else(|| panic!("no sandbox report: {stderr}"));
    line.split(" bytes in, ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected report: {line}"))
}

/// The same stdin through `kpt fn eval - --exec cat` and `--exec azfn`: azfn's share of a kpt run.
fn under_kpt(report: &mut String, warm_cache: &Path) {
    // Under kpt: the same stdin through `kpt fn eval - --exec cat` and `--exec azfn`.
    let _ = writeln!(
        *report,
        "\n## Under kpt (`kpt fn eval - --exec ...`, 1,000 items)\n"
    );
    let stream = {
        let list = workload::resource_list(1_000);
        // kpt's stdin mode takes a plain stream of resources.
        let items: serde_yaml::Value = serde_yaml::from_str(&list).expect("workload parses");
        items["items"]
            .as_sequence()
            .expect("items")
            .iter()
            .map(|i| serde_yaml::to_string(i).expect("serialize"))
            .collect::<Vec<_>>()
            .join("---\n")
    };
    let kpt = |exec: &'static str| {
        let cache = warm_cache.to_path_buf();
        move |_| {
            let mut cmd = Command::new("kpt");
            cmd.args(["fn", "eval", "-", "--exec", exec])
                .env("AZFN_CACHE_DIR", &cache);
            cmd.env(
                "PATH",
                format!(
                    "{}:{}",
                    azfn_bin().parent().unwrap().display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            );
            cmd
        }
    };
    let with_cat = time(3, kpt("cat"), stream.as_bytes(), &[0]);
    let with_azfn = time(3, kpt("azfn"), stream.as_bytes(), &[0]);
    let _ = writeln!(*report, "| function | median |\n|---|---|");
    let _ = writeln!(*report, "| cat (kpt's own overhead) | {} |", ms(with_cat));
    let _ = writeln!(*report, "| azfn | {} |", ms(with_azfn));
    let extra = with_azfn.as_secs_f64() - with_cat.as_secs_f64();
    let _ = writeln!(
        *report,
        "\nazfn's own time under kpt: {:.0} ms = {:.1}% of kpt's pass-through time (budget: 10%)",
        extra * 1e3,
        100.0 * extra / with_cat.as_secs_f64()
    );
}

/// The default budgets against hostile and honest work: how fast a runaway and a memory bomb
/// are stopped, and how much of its fuel and time the largest honest input uses.
fn budgets(report: &mut String, warm_cache: &Path) {
    let _ = writeln!(
        *report,
        "\n## Default budgets: hostile vs honest work\n\n| run | exit | wall time | fuel used / budget | time / budget |\n|---|---|---|---|---|"
    );
    let small = workload::resource_list(1);
    for module in ["infinite-loop", "memory-toucher"] {
        let wat = azfn_tests::fixture("hostile").join(format!("{module}.wat"));
        let mut samples = Vec::new();
        let mut code = 0;
        for _ in 0..3 {
            let mut cmd = azfn(warm_cache);
            cmd.arg("run").arg("--module").arg(&wat);
            let started = Instant::now();
            let out = run(&mut cmd, small.as_bytes());
            samples.push(started.elapsed());
            code = out.status.code().unwrap_or(-1);
        }
        let _ = writeln!(
            *report,
            "| {module} (hostile) | {code} | {} | | |",
            ms(median(samples))
        );
    }
    let ten = workload::resource_list(10_000);
    let huge = workload::resource_list(10_000 * (31 << 20) / ten.len());
    for (name, input) in [
        ("10,000 items (honest)".to_owned(), ten),
        (
            format!("{} KiB (honest, the largest accepted)", huge.len() >> 10),
            huge,
        ),
    ] {
        let mut cmd = azfn(warm_cache);
        cmd.env("AZFN_DEBUG", "1");
        let started = Instant::now();
        let out = run(&mut cmd, input.as_bytes());
        let took = started.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let line = stderr
            .lines()
            .find(|l| l.starts_with("azfn: sandbox: ") && l.contains(" fuel used of "))
            .unwrap_or_else(|| panic!("no sandbox report: {stderr}"));
        let numbers: Vec<f64> = line
            .split([' ', ','])
            .filter_map(|w| w.parse::<f64>().ok())
            .collect();
        // [bytes, fuel used, fuel budget, ms, s]
        let [_, used, budget, run_ms, limit_s] = numbers[..] else {
            panic!("unexpected report: {line}");
        };
        let _ = writeln!(
            *report,
            "| {name} | {} | {} | {:.2e} / {:.2e} = {:.1}% | {:.0} ms / {:.0} s = {:.1}% |",
            out.status.code().unwrap_or(-1),
            ms(took),
            used,
            budget,
            100.0 * used / budget,
            run_ms,
            limit_s,
            100.0 * run_ms / (limit_s * 1e3)
        );
    }
}
