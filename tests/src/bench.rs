//! What the `make bench` harnesses share: medians of whole-process runs, and milliseconds.
use std::process::Command;
use std::time::{Duration, Instant};

/// The median of `samples`.
pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Runs `make()` `runs` times; each run must succeed. The median time and the last stdout.
pub fn timed(runs: usize, mut make: impl FnMut() -> Command) -> (Duration, Vec<u8>) {
    let mut samples = Vec::new();
    let mut stdout = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let out = make().output().expect("run");
        samples.push(start.elapsed());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout = out.stdout;
    }
    (median(samples), stdout)
}

/// Two commands timed alternately, `runs` times each (a, b, a, b, ...), so that a noisy
/// stretch of the machine hits both alike: the median of each, and each one's last stdout.
pub fn timed_pair(
    runs: usize,
    mut a: impl FnMut() -> Command,
    mut b: impl FnMut() -> Command,
) -> ((Duration, Vec<u8>), (Duration, Vec<u8>)) {
    let (mut first, mut second) = (Vec::new(), Vec::new());
    let (mut first_out, mut second_out) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let (time, out) = timed(1, &mut a);
        first.push(time);
        first_out = out;
        let (time, out) = timed(1, &mut b);
        second.push(time);
        second_out = out;
    }
    ((median(first), first_out), (median(second), second_out))
}

/// Runs a `web/bench/*.mjs` script with `args` (the browser module in V8); it must succeed.
/// Its stdout.
pub fn node(script: &std::path::Path, args: &[&std::ffi::OsStr]) -> String {
    let out = Command::new("node")
        .arg(script)
        .args(args)
        .output()
        .expect("node");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Instructions one run of `bin args` executes, counted by valgrind's callgrind: repeatable
/// where wall time is noisy. The run must succeed. `make bench` installs valgrind.
pub fn instructions(bin: &std::path::Path, args: &[&std::ffi::OsStr]) -> u64 {
    instructions_with_stdin(bin, args, &[])
}

/// [`instructions`] of a run that reads `stdin`.
pub fn instructions_with_stdin(
    bin: &std::path::Path,
    args: &[&std::ffi::OsStr],
    stdin: &[u8],
) -> u64 {
    let mut cmd = Command::new("valgrind");
    cmd.args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(bin)
        .args(args);
    let out = crate::run(&mut cmd, stdin);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    stderr
        .lines()
        .find_map(|l| {
            l.split_once("Collected :")
                .map(|(_, n)| n.trim().to_owned())
        })
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no instruction count in callgrind's output:\n{stderr}"))
}

/// `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `12.3 ms`.
pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Appends `section` to target/bench-report.md.
pub fn append_report(section: &str) {
    let out = crate::workspace().join("target/bench-report.md");
    let mut existing = std::fs::read_to_string(&out).unwrap_or_default();
    existing.push_str(section);
    std::fs::write(&out, existing).expect("write report");
}

/// One figure the issue sets a target for, kept in target/bench-figures.tsv for the table of
/// targets `scripts/bench.sh` ends the report with: what was measured, the target, whether it
/// was met, and the instructions counted for it (or why none could be).
pub fn figure(name: &str, measured: &str, target: &str, met: bool, instructions: &str) {
    use std::io::Write as _;
    let path = crate::workspace().join("target/bench-figures.tsv");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .expect("open target/bench-figures.tsv");
    writeln!(
        file,
        "{name}\t{measured}\t{target}\t{}\t{instructions}",
        if met { "met" } else { "MISSED" }
    )
    .expect("write target/bench-figures.tsv");
}

/// Starts a new target/bench-figures.tsv (the first harness of `make bench` calls it).
pub fn new_figures() {
    let _ = std::fs::remove_file(crate::workspace().join("target/bench-figures.tsv"));
}
