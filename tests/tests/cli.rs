//! The `azfn` command line: help, version, and the legacy kustomize plugin contract driven
//! directly (argv[1] = config file, KUSTOMIZE_PLUGIN_CONFIG_STRING set, YAML streams).
use azfn_tests::{azfn_bin, command, fake_storage_key, run, scratch, text};

#[test]
fn help_and_version() {
    let out = run(command(azfn_bin()).arg("--help"), b"");
    let (stdout, _) = text(&out);
    assert!(out.status.success());
    for word in [
        "run",
        "install-plugin",
        "--max-memory-mb",
        "--fuel",
        "--timeout",
        "ResourceList",
    ] {
        assert!(stdout.contains(word), "help lacks {word}:\n{stdout}");
    }
    let out = run(command(azfn_bin()).arg("--version"), b"");
    assert_eq!(
        text(&out).0,
        format!("azfn {}\n", env!("CARGO_PKG_VERSION"))
    );
}

fn legacy(config: &str, stdin: &str) -> std::process::Output {
    let dir = scratch("legacy");
    let path = dir.join("config.yaml");
    std::fs::write(&path, config).unwrap();
    let mut cmd = command(azfn_bin());
    cmd.arg(&path)
        .env("KUSTOMIZE_PLUGIN_CONFIG_STRING", config)
        .env("KUSTOMIZE_PLUGIN_CONFIG_ROOT", &dir);
    run(&mut cmd, stdin.as_bytes())
}

const CONFIG: &str = "apiVersion: azfn.dev/v1alpha1\nkind: Azfn\nmetadata:\n  name: azfn\n";

#[test]
fn legacy_plugin_mode_echoes_the_stream_with_annotations() {
    let stream = "apiVersion: v1
kind: ConfigMap
metadata:
  annotations:
    kustomize.config.k8s.io/id: |
      kind: ConfigMap
      name: generated
      version: v1
    internal.config.kubernetes.io/needsHashSuffix: enabled
  name: generated
data:
  k: v
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: 1
";
    let out = legacy(CONFIG, stream);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout, stream, "a clean stream comes back as it went in");
    assert!(stderr.is_empty());
}

#[test]
fn legacy_plugin_mode_with_no_resources_writes_none() {
    let out = legacy(CONFIG, "");
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(out.stdout.is_empty());
}

#[test]
fn legacy_plugin_mode_fails_on_a_secret_without_output() {
    let key = fake_storage_key();
    let stream = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  AzureWebJobsStorage: DefaultEndpointsProtocol=https;AccountName=st;AccountKey={key}\n"
    );
    let out = legacy(CONFIG, &stream);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.is_empty());
    assert!(stderr.contains("[error] v1/ConfigMap/settings data.AzureWebJobsStorage: AZF001 inline-secret: ConfigMap key \"AzureWebJobsStorage\" holds an Azure Storage account key"), "{stderr}");
    assert!(!stderr.contains(&key[..12]));
}

#[test]
fn legacy_plugin_mode_reports_bad_yaml_with_a_location() {
    let out = legacy(CONFIG, "apiVersion: v1\nkind: [\n");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout.is_empty());
    assert!(stderr.starts_with("azfn: <stdin>:"), "{stderr}");
}

#[test]
fn run_module_gives_the_same_bytes_as_the_embedded_module() {
    let module = azfn_tests::workspace().join("target/wasm32-wasip1/release/azfn-krm.wasm");
    let input = format!(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {{name: s}}\n  data:\n    conn: \"AccountKey={}\"\n",
        fake_storage_key()
    );
    let embedded = run(&mut command(azfn_bin()), input.as_bytes());
    let foreign = run(
        command(azfn_bin()).arg("run").arg("--module").arg(&module),
        input.as_bytes(),
    );
    assert_eq!(embedded.status.code(), Some(1));
    assert_eq!(foreign.status.code(), Some(1));
    assert_eq!(embedded.stdout, foreign.stdout);
    assert!(
        text(&foreign).1.starts_with("azfn: 1 error, 0 warnings\n"),
        "{}",
        text(&foreign).1
    );
}

#[test]
fn schema_prints_the_functionapp_json_schema() {
    let out = run(command(azfn_bin()).arg("schema"), b"");
    assert!(out.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(azfn_tests::workspace().join("docs/functionapp.schema.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(printed, committed);
}
