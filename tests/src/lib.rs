//! Helpers for azfn's end-to-end tests: they drive the built `azfn` binary and the real `kpt`
//! and `kubectl kustomize`.
pub mod bench;
pub mod buildtree;
pub mod conformance;
pub mod difftree;
pub mod fuzz;
pub mod openapi;
pub mod workload;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
        .to_path_buf()
}

/// The built `azfn` binary (`make build`); `AZFN_BIN` overrides.
pub fn azfn_bin() -> PathBuf {
    let path = std::env::var_os("AZFN_BIN")
        .map_or_else(|| workspace().join("target/release/azfn"), PathBuf::from);
    assert!(
        path.is_file(),
        "{} is missing: run `make build` first",
        path.display()
    );
    path
}

/// The native build of the KRM function (`cargo build --release -p azfn-krm`).
pub fn native_krm_bin() -> PathBuf {
    let path = workspace().join("target/release/azfn-krm");
    assert!(
        path.is_file(),
        "{} is missing: run `make build` first",
        path.display()
    );
    path
}

/// A directory of fixtures, `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> PathBuf {
    workspace().join("tests/fixtures").join(name)
}

/// A fresh, empty scratch directory under `target/e2e`.
pub fn scratch(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = workspace()
        .join("target/e2e")
        .join(format!("{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Writes `text` to `root/rel`, creating the folders on the way.
pub fn write_file(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// The module cache shared by the tests, so only the first run compiles.
pub fn cache_dir() -> PathBuf {
    workspace().join("target/e2e-cache")
}

/// A command with azfn's directory first on PATH and the shared module cache.
pub fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let bin_dir = azfn_bin()
        .parent()
        .expect("binary has a parent")
        .to_path_buf();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin_dir];
    paths.extend(std::env::split_paths(&path));
    let mut cmd = Command::new(program);
    cmd.env("PATH", std::env::join_paths(paths).expect("join PATH"));
    cmd.env("AZFN_CACHE_DIR", cache_dir());
    cmd.env_remove("KUSTOMIZE_PLUGIN_CONFIG_STRING");
    cmd
}

/// Runs `cmd` with `stdin`, capturing stdout and stderr.
pub fn run(cmd: &mut Command, stdin: &[u8]) -> Output {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // The child may exit before reading everything (input limits): ignore EPIPE.
        let _ = pipe.write_all(&input);
    });
    let output = child.wait_with_output().expect("wait for child");
    let _ = writer.join();
    output
}

/// stdout and stderr as text, for assertions and failure messages.
pub fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create target dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// Every file under `dir` with its bytes, sorted by relative path.
pub fn snapshot_tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .expect("under root")
                    .display()
                    .to_string();
                out.push((rel, std::fs::read(&path).expect("read file")));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// A fake Azure Storage account key of the real shape (88 base64 characters), built at run
/// time so no key-shaped literal sits in the repository outside the example.
pub fn fake_storage_key() -> String {
    let key: String = "dGVzdCBrZXkgZm9yIGF6Zm4gZTJlIHRlc3Rz"
        .chars()
        .cycle()
        .take(86)
        .collect();
    format!("{key}==")
}

/// Installs the azfn kustomize plugin under `dir/plugins` with `azfn install-plugin` and
/// returns the plugin home.
pub fn install_plugin(dir: &Path) -> PathBuf {
    let plugins = dir.join("plugins");
    let out = run(
        command(azfn_bin())
            .arg("install-plugin")
            .arg("--dir")
            .arg(&plugins),
        b"",
    );
    assert!(
        out.status.success(),
        "install-plugin failed: {}",
        text(&out).1
    );
    let installed = plugins.join("azfn.dev/v1alpha1/azfn/Azfn");
    assert_eq!(
        text(&out).0.trim(),
        installed.display().to_string(),
        "install-plugin prints where it installed"
    );
    plugins
}

/// A folder as an in-memory tree (paths relative to `root`), as the browser holds one.
pub fn load_tree(root: &Path) -> azfn_core::source::MemorySource {
    fn walk(source: &mut azfn_core::source::MemorySource, root: &Path, dir: &Path) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(source, root, &path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                let relative = path.strip_prefix(root).unwrap_or(&path);
                source.insert(relative.to_string_lossy().replace('\\', "/"), bytes);
            }
        }
    }
    let mut source = azfn_core::source::MemorySource::new();
    walk(&mut source, root, root);
    source
}

/// The SARIF 2.1.0 JSON Schema from ../shared; a missing one fails the test that asked (a test
/// that cannot see its fixture fails).
pub fn sarif_schema() -> serde_json::Value {
    let path = workspace().join("../shared/schemas/sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the SARIF schema is missing at {}: {e}", path.display()));
    serde_json::from_str(&text).expect("the SARIF schema is JSON")
}

/// The example app as a repository holds it: base, the dev, test and prod overlays and the
/// ParityPolicy, copied to `dir`, with every `orders` in its text replaced by `name` (so two
/// apps share no name, namespace or host ID).
pub fn orders_app(dir: &Path, name: &str) {
    let example = workspace().join("examples/orders");
    copy_dir(&example.join("base"), &dir.join("base"));
    for overlay in ["dev", "test", "prod"] {
        copy_dir(
            &example.join("overlays").join(overlay),
            &dir.join("overlays").join(overlay),
        );
    }
    std::fs::copy(example.join("parity.yaml"), dir.join("parity.yaml")).unwrap();
    rename_app(dir, name);
}

fn rename_app(dir: &Path, name: &str) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rename_app(&path, name);
        } else {
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, text.replace("orders", name)).unwrap();
        }
    }
}

/// Adds `legacy-worker.yaml` to the overlay in `overlay` (listed in its `resources:`): a
/// Functions Deployment with a storage connection string pasted into its environment. Returns
/// the key and the line of the file that holds it.
pub fn legacy_worker(overlay: &Path) -> (String, usize) {
    let key = fake_storage_key();
    let text = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: legacy-worker\nspec:\n  template:\n    spec:\n      containers:\n      - name: func\n        image: contoso.azurecr.io/legacy-worker:2.0.0\n        env:\n        - name: FUNCTIONS_WORKER_RUNTIME\n          value: dotnet-isolated\n        - name: AzureFunctionsWebHost__hostid\n          value: legacy-worker\n        - name: AzureWebJobsStorage\n          value: DefaultEndpointsProtocol=https;AccountName=stlegacy;AccountKey={key};EndpointSuffix=core.windows.net\n        resources: {{requests: {{cpu: 250m, memory: 256Mi}}, limits: {{memory: 512Mi}}}}\n        readinessProbe: {{httpGet: {{path: /admin/host/ping, port: 80}}}}\n        livenessProbe: {{httpGet: {{path: /admin/host/ping, port: 80}}}}\n"
    );
    let line = text
        .lines()
        .position(|l| l.contains("AccountKey="))
        .unwrap()
        + 1;
    std::fs::write(overlay.join("legacy-worker.yaml"), text).unwrap();
    let kustomization = overlay.join("kustomization.yaml");
    let old = std::fs::read_to_string(&kustomization).unwrap();
    let new = old.replacen("resources:\n", "resources:\n- legacy-worker.yaml\n", 1);
    assert_ne!(old, new, "{} has no resources:", kustomization.display());
    std::fs::write(kustomization, new).unwrap();
    (key, line)
}

/// A copy of the kpt package fixture (`tests/fixtures/kpt/orders`) in a fresh scratch folder.
pub fn kpt_package(name: &str) -> PathBuf {
    let dir = scratch(name).join("orders");
    copy_dir(&fixture("kpt/orders"), &dir);
    dir
}

/// Adds an env var holding a storage connection string to the kpt package's Deployment; returns
/// the key, so a test can check it is never echoed.
pub fn inline_secret(pkg: &Path) -> String {
    let key = fake_storage_key();
    let path = pkg.join("deployment.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replace(
        "            - name: ORDERS_BATCH_SIZE\n",
        &format!(
            "            - name: AzureWebJobsStorage\n              value: DefaultEndpointsProtocol=https;AccountName=stordersprod;AccountKey={key}\n            - name: ORDERS_BATCH_SIZE\n"
        ),
    );
    std::fs::write(&path, text).unwrap();
    key
}

/// Fails when the start of `secret` appears in any of the texts a user would see.
pub fn assert_not_echoed(secret: &str, shown: &[&str]) {
    for text in shown {
        assert!(
            !text.contains(&secret[..20]),
            "the secret was echoed:\n{text}"
        );
    }
}
