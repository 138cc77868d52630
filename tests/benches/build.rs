//! make bench, overlay rendering: `azfn build` (native) and the browser module's `build()` (wasm
//! in V8) against `kubectl kustomize` on the tree of research/performance-baselines.md, for
//! N = 100, 1,000 and 5,000 resources, prod overlay, outputs checked identical first. Ratios are
//! measured in the same run. Appends to target/bench-report.md.
use std::fmt::Write as _;
use std::process::Command;
use std::time::Duration;

use azfn_tests::bench::{ms, timed};

fn main() {
    let root = azfn_tests::workspace().join("target/bench-build");
    let _ = std::fs::remove_dir_all(&root);
    let bin = azfn_tests::azfn_bin();
    let node_bench = azfn_tests::workspace().join("web/bench/build.mjs");
    let mut report = String::from(
        "\n## Overlay rendering: azfn build vs kubectl kustomize (prod overlay)\n\n\
         The tree of performance-baselines.md (namespace, namePrefix, commonLabels, images, replicas, \
         a strategic-merge patch on every Deployment, a JSON 6902 patch on every ScaledObject, a \
         configMapGenerator every Deployment refers to). Outputs are checked byte-identical first. \
         kubectl and native azfn are whole processes; wasm is `build()` of the browser module in \
         V8 (Node), files already in memory.\n\n\
         | resources | kubectl kustomize | azfn build (native) | speed-up | wasm build() | speed-up | resources/s native |\n\
         |---|---|---|---|---|---|---|\n",
    );
    let sizes: Vec<usize> = std::env::var("AZFN_BENCH_SIZES").ok().map_or_else(
        || vec![100, 1000, 5000],
        |v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect(),
    );
    for n in sizes {
        let tree = root.join(format!("n{n}"));
        azfn_tests::buildtree::generate(&tree, n);
        let overlay = tree.join("overlays/prod");
        let runs = if n >= 5000 { 1 } else { 3 };
        let (kubectl, want) = timed(runs, || {
            let mut c = Command::new("kubectl");
            c.arg("kustomize").arg(&overlay);
            c
        });
        let (native, got) = timed(if n >= 5000 { 3 } else { 5 }, || {
            let mut c = Command::new(&bin);
            c.arg("build").arg(&overlay);
            c
        });
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&want),
            "N={n}: azfn build differs from kubectl kustomize"
        );
        let wasm_ms: f64 = azfn_tests::bench::node(
            &node_bench,
            &[tree.as_os_str(), "overlays/prod".as_ref(), "3".as_ref()],
        )
        .trim()
        .parse()
        .expect("ms");
        let wasm_output = std::fs::read(tree.join("wasm-output.yaml")).expect("wasm output");
        assert_eq!(
            wasm_output, want,
            "N={n}: wasm build() differs from kubectl kustomize"
        );
        let wasm = Duration::from_secs_f64(wasm_ms / 1000.0);
        let _ = writeln!(
            report,
            "| {n} | {} | {} | {:.1}x | {} | {:.1}x | {:.0} |",
            ms(kubectl),
            ms(native),
            kubectl.as_secs_f64() / native.as_secs_f64(),
            ms(wasm),
            kubectl.as_secs_f64() / wasm.as_secs_f64(),
            f64::from(u32::try_from(n + 1).unwrap_or(u32::MAX)) / native.as_secs_f64()
        );
        eprintln!(
            "N={n}: kubectl {} azfn {} wasm {}",
            ms(kubectl),
            ms(native),
            ms(wasm)
        );
    }
    print!("{report}");
    azfn_tests::bench::append_report(&report);
}
