//! Differential tests: random kustomize trees (`azfn_tests::difftree`) built by `azfn build` and
//! by the real `kubectl kustomize --enable-alpha-plugins` with azfn installed as a plugin must
//! print the same bytes. `make test` runs a fixed set of seeds; `make fuzz-diff` runs many
//! (`AZFN_FUZZ_SEEDS=N`, `AZFN_FUZZ_START=S`).
use azfn_tests::{azfn_bin, command, run, scratch, text};

fn seeds() -> std::ops::Range<u64> {
    let var = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let start = var("AZFN_FUZZ_START", 1);
    start..start + var("AZFN_FUZZ_SEEDS", 12)
}

#[test]
fn random_trees_build_like_kubectl_kustomize() {
    let root = scratch("differential");
    let plugins = azfn_tests::install_plugin(&root);
    let mut failures = Vec::new();
    let mut builds = 0;
    for seed in seeds() {
        let tree = root.join(format!("seed-{seed}"));
        for overlay in azfn_tests::difftree::generate(&tree, seed) {
            let dir = tree.join(&overlay);
            let kubectl = run(
                command("kubectl")
                    .args(["kustomize", "--enable-alpha-plugins"])
                    .arg(&dir)
                    .env("KUSTOMIZE_PLUGIN_HOME", &plugins),
                b"",
            );
            let azfn = run(command(azfn_bin()).arg("build").arg(&dir), b"");
            builds += 1;
            let (want, want_err) = text(&kubectl);
            let (got, got_err) = text(&azfn);
            if kubectl.status.success() != azfn.status.success() {
                failures.push(format!(
                    "seed {seed} {overlay}: kubectl ok={} azfn ok={}\nkubectl: {want_err}\nazfn: {got_err}",
                    kubectl.status.success(),
                    azfn.status.success()
                ));
            } else if want != got {
                let line = want
                    .lines()
                    .zip(got.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or(0);
                failures.push(format!(
                    "seed {seed} {overlay}: line {}: kubectl {:?}, azfn {:?}",
                    line + 1,
                    want.lines().nth(line).unwrap_or("<end>"),
                    got.lines().nth(line).unwrap_or("<end>")
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {builds} builds differ (trees in {}):\n{}",
        failures.len(),
        root.display(),
        failures.join("\n")
    );
}
