//! make bench, parity: `azfn parity` over three environments (dev, test, prod) of the
//! performance-baselines.md tree, N = 1,000 and 5,000 resources each, with the policy `--init`
//! wrote (every difference allowed, so every field is compared and matched against rules), and
//! over the example app (FunctionApp rules: each environment rendered again). Compared, in the
//! same run, with what rendering the three environments alone costs with `kubectl kustomize`.
use std::fmt::Write as _;
use std::process::Command;
use std::time::Duration;

use azfn_tests::bench::{ms, timed};

fn main() {
    let root = azfn_tests::workspace().join("target/bench-parity");
    let _ = std::fs::remove_dir_all(&root);
    let bin = azfn_tests::azfn_bin();
    let node_bench = azfn_tests::workspace().join("web/bench/parity.mjs");
    let mut report = String::from(
        "\n## Parity: three environments compared (azfn parity --policy)\n\n\
         Whole `azfn parity` processes: render dev, test and prod with azfn's renderer, match and \
         compare every field, apply the policy. The kubectl column only renders the three \
         environments (`kubectl kustomize` three times), which any diff-based check must do \
         first. wasm is `parity()` of the browser module in V8 (Node), files already in memory.\n\n\
         | tree | resources per environment | kubectl kustomize x3 (render only) | azfn parity (native) | ratio | wasm parity() |\n\
         |---|---|---|---|---|---|\n",
    );
    let sizes: Vec<usize> = std::env::var("AZFN_BENCH_SIZES").ok().map_or_else(
        || vec![1000, 5000],
        |v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect(),
    );
    for n in sizes {
        let tree = root.join(format!("n{n}"));
        azfn_tests::buildtree::generate(&tree, n);
        let (_, policy) = timed(1, || {
            let mut c = Command::new(&bin);
            c.current_dir(&tree).args([
                "parity",
                "overlays/dev",
                "overlays/test",
                "overlays/prod",
                "--init",
            ]);
            c
        });
        std::fs::write(tree.join("parity.yaml"), policy).expect("write policy");
        let (native, _) = timed(5, || {
            let mut c = Command::new(&bin);
            c.current_dir(&tree)
                .args(["parity", "--policy", "parity.yaml", "--format", "json"]);
            c
        });
        // kubectl takes minutes at 5,000 (performance-baselines.md): only at 1,000.
        let kubectl = (n <= 1000).then(|| {
            timed(1, || {
                let mut c = Command::new("sh");
                c.current_dir(&tree).args([
                    "-c",
                    "kubectl kustomize overlays/dev >/dev/null && kubectl kustomize overlays/test >/dev/null && kubectl kustomize overlays/prod >/dev/null",
                ]);
                c
            })
            .0
        });
        let wasm = wasm_ms(&node_bench, &tree);
        let _ = writeln!(
            report,
            "| baseline tree | {} | {} | {} | {} | {} |",
            n + 1,
            kubectl.map_or_else(|| "not run".into(), ms),
            ms(native),
            kubectl.map_or_else(
                || "-".into(),
                |k| format!("{:.1}x faster", k.as_secs_f64() / native.as_secs_f64())
            ),
            ms(wasm)
        );
        eprintln!("N={n}: azfn parity {} wasm {}", ms(native), ms(wasm));
    }
    let example = azfn_tests::workspace().join("examples/orders");
    let (native, _) = timed(5, || {
        let mut c = Command::new(&bin);
        c.current_dir(&example)
            .args(["parity", "--policy", "parity.yaml"]);
        c
    });
    // kubectl runs azfn as its plugin here: the example's overlays need it.
    let plugins = azfn_tests::install_plugin(&root);
    let (kubectl, _) = timed(3, || {
        let mut c = Command::new("sh");
        c.current_dir(&example)
            .env("KUSTOMIZE_PLUGIN_HOME", &plugins)
            .args([
                "-c",
                "for e in dev test prod; do kubectl kustomize --enable-alpha-plugins overlays/$e >/dev/null || exit 1; done",
            ]);
        c
    });
    let wasm = wasm_ms(&node_bench, &example);
    let _ = writeln!(
        report,
        "| example app (FunctionApp rules; kubectl runs azfn as its plugin) | 8 | {} | {} | {:.1}x faster | {} |",
        ms(kubectl),
        ms(native),
        kubectl.as_secs_f64() / native.as_secs_f64(),
        ms(wasm)
    );
    print!("{report}");
    azfn_tests::bench::append_report(&report);
}

fn wasm_ms(node_bench: &std::path::Path, tree: &std::path::Path) -> Duration {
    let text = azfn_tests::bench::node(
        node_bench,
        &[tree.as_os_str(), "parity.yaml".as_ref(), "3".as_ref()],
    );
    let mut fields = text.split_whitespace();
    let ms: f64 = fields.next().and_then(|f| f.parse().ok()).expect("ms");
    assert_eq!(
        fields.next(),
        Some("0"),
        "parity() found drift the policy allows"
    );
    Duration::from_secs_f64(ms / 1000.0)
}
