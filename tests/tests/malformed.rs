//! Unusable input to the KRM function: a clear error naming the problem, a non-zero exit, and
//! nothing on stdout (under kpt an empty or partial ResourceList would delete files).
use azfn_tests::{azfn_bin, command, run, text};

fn krm(input: &[u8]) -> (Option<i32>, String, String) {
    let out = run(&mut command(azfn_bin()), input);
    let (stdout, stderr) = text(&out);
    (out.status.code(), stdout, stderr)
}

#[test]
fn not_yaml() {
    let (code, stdout, stderr) = krm(b"apiVersion: v1\nkind: [unclosed\n  items: {\n");
    assert_eq!(code, Some(2));
    assert!(stdout.is_empty());
    assert!(stderr.starts_with("azfn: <stdin>:"), "{stderr}");
    assert!(stderr.contains("not valid YAML"), "{stderr}");
}

#[test]
fn not_a_resource_list() {
    let (code, stdout, stderr) =
        krm(b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n");
    assert_eq!(code, Some(2));
    assert!(stdout.is_empty());
    assert_eq!(
        stderr,
        "azfn: <stdin>: kind: expected kind ResourceList, found kind \"Deployment\"\n"
    );
}

#[test]
fn an_item_that_is_not_an_object() {
    let (code, stdout, stderr) =
        krm(b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- just a string\n");
    assert_eq!(code, Some(2));
    assert!(stdout.is_empty());
    assert_eq!(
        stderr,
        "azfn: <stdin>: items[0]: expected a Kubernetes object, found a string\n"
    );
}

#[test]
fn empty_stdin() {
    let (code, stdout, stderr) = krm(b"");
    assert_eq!(code, Some(2));
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("empty input: expected a ResourceList"),
        "{stderr}"
    );
}

#[test]
fn input_over_the_size_limit() {
    let mut input = b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n".to_vec();
    let item = b"- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: padding\n  data:\n    blob: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n";
    while input.len() < 50 << 20 {
        input.extend_from_slice(item);
    }
    let (code, stdout, stderr) = krm(&input);
    assert_eq!(code, Some(2));
    assert!(stdout.is_empty());
    assert_eq!(
        stderr,
        "azfn: <stdin>: input is larger than the limit of 32 MiB (raise it with --max-input-mb)\n"
    );
}

#[test]
fn invalid_function_config_names_the_field() {
    let (code, stdout, stderr) = krm(b"apiVersion: config.kubernetes.io/v1
kind: ResourceList
items: []
functionConfig:
  apiVersion: azfn.dev/v1alpha1
  kind: Azfn
  metadata: {name: azfn}
  spec:
    rules:
      AZF001: loud
");
    assert_eq!(code, Some(2));
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("functionConfig.spec.rules.AZF001: invalid function config: unknown value `loud`; known: error, warning, info, off"),
        "{stderr}"
    );
}

#[test]
fn deeply_nested_flow_yaml_is_refused_before_parsing() {
    let input = format!(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: {}",
        "[".repeat(100_000)
    );
    let (code, stdout, stderr) = krm(input.as_bytes());
    assert_eq!(code, Some(2));
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("<stdin>:3: flow collections nested deeper than 128 levels"),
        "{stderr}"
    );
}
