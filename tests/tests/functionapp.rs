//! The example app rendered through the real `kubectl kustomize --enable-alpha-plugins` with
//! azfn as the plugin, in overlays that rename (prefix, suffix, a second rename on top of prod):
//! every reference still points at an object of the build, the KEDA and CSI objects pass their
//! CRD schemas, host IDs differ per environment, and no secret value is anywhere.
use azfn_tests::openapi::{crd, crd_schema, validate};
use azfn_tests::{azfn_bin, command, copy_dir, run, scratch, text, workspace};
use serde_yaml::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

struct Example {
    plugins: PathBuf,
    root: PathBuf,
}

fn example(name: &str) -> Example {
    let dir = scratch(name);
    let plugins = azfn_tests::install_plugin(&dir);
    let root = dir.join("orders");
    copy_dir(&workspace().join("examples/orders"), &root);
    Example { plugins, root }
}

fn build(example: &Example, overlay: &str) -> Vec<Value> {
    let out = run(
        command("kubectl")
            .args(["kustomize", "--enable-alpha-plugins"])
            .arg(example.root.join("overlays").join(overlay))
            .env("KUSTOMIZE_PLUGIN_HOME", &example.plugins),
        b"",
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{overlay}: {stderr}");
    serde_yaml::Deserializer::from_str(&stdout)
        .map(|doc| serde::Deserialize::deserialize(doc).expect("kustomize prints YAML"))
        .collect()
}

fn kind(o: &Value) -> &str {
    o["kind"].as_str().unwrap_or_default()
}

fn name(o: &Value) -> &str {
    o["metadata"]["name"].as_str().unwrap_or_default()
}

fn names_of<'a>(objects: &'a [Value], of_kind: &str) -> BTreeSet<&'a str> {
    objects
        .iter()
        .filter(|o| kind(o) == of_kind)
        .map(name)
        .collect()
}

/// Every reference azfn renders, checked against the objects of the build.
fn check_links(overlay: &str, objects: &[Value]) {
    let deployments = names_of(objects, "Deployment");
    let accounts = names_of(objects, "ServiceAccount");
    let auths = names_of(objects, "TriggerAuthentication");
    let classes = names_of(objects, "SecretProviderClass");
    let synced: BTreeSet<&str> = objects
        .iter()
        .filter(|o| kind(o) == "SecretProviderClass")
        .flat_map(|o| {
            o["spec"]["secretObjects"]
                .as_sequence()
                .into_iter()
                .flatten()
        })
        .filter_map(|s| s["secretName"].as_str())
        .collect();
    assert!(!deployments.is_empty(), "{overlay}: nothing rendered");
    assert!(
        objects.iter().all(|o| kind(o) != "FunctionApp"),
        "{overlay}: the FunctionApp reached the build"
    );
    for o in objects {
        let at = format!("{overlay}: {}/{}", kind(o), name(o));
        match kind(o) {
            "ScaledObject" => {
                let target = o["spec"]["scaleTargetRef"]["name"].as_str().unwrap();
                assert!(
                    deployments.contains(target),
                    "{at}: scaleTargetRef {target} is not in the build"
                );
                for trigger in o["spec"]["triggers"].as_sequence().unwrap() {
                    if let Some(auth) = trigger["authenticationRef"]["name"].as_str() {
                        assert!(
                            auths.contains(auth),
                            "{at}: authenticationRef {auth} is not in the build"
                        );
                    }
                    for (key, value) in trigger["metadata"].as_mapping().unwrap() {
                        assert!(
                            value.is_string(),
                            "{at}: trigger metadata {key:?} is not a string"
                        );
                    }
                }
            }
            "HorizontalPodAutoscaler" => {
                let target = o["spec"]["scaleTargetRef"]["name"].as_str().unwrap();
                assert!(
                    deployments.contains(target),
                    "{at}: scaleTargetRef {target} is not in the build"
                );
            }
            "Service" => {
                let selector = o["spec"]["selector"].as_mapping().unwrap();
                let matched = objects.iter().filter(|d| kind(d) == "Deployment").any(|d| {
                    let labels = d["spec"]["template"]["metadata"]["labels"]
                        .as_mapping()
                        .unwrap();
                    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
                });
                assert!(matched, "{at}: the selector matches no pod template");
            }
            "Deployment" => {
                let pod = &o["spec"]["template"]["spec"];
                let account = pod["serviceAccountName"].as_str().unwrap();
                assert!(
                    accounts.contains(account),
                    "{at}: serviceAccountName {account} is not in the build"
                );
                assert_eq!(
                    o["spec"]["template"]["metadata"]["labels"]["azure.workload.identity/use"]
                        .as_str(),
                    Some("true"),
                    "{at}: pods are not labelled for workload identity"
                );
                for volume in pod["volumes"].as_sequence().into_iter().flatten() {
                    let class = volume["csi"]["volumeAttributes"]["secretProviderClass"]
                        .as_str()
                        .unwrap();
                    assert!(
                        classes.contains(class),
                        "{at}: secretProviderClass {class} is not in the build"
                    );
                }
                for env in pod["containers"][0]["env"].as_sequence().unwrap() {
                    if let Some(secret) = env["valueFrom"]["secretKeyRef"]["name"].as_str() {
                        assert!(
                            synced.contains(secret),
                            "{at}: secretKeyRef {secret} is synced by no SecretProviderClass"
                        );
                    }
                    let key = env["name"].as_str().unwrap();
                    assert!(
                        key != "POD_NAMESPACE" && key != "WEBSITE_INSTANCE_ID",
                        "{at}: sets {key}"
                    );
                }
            }
            _ => {}
        }
    }
}

fn host_ids(objects: &[Value]) -> Vec<String> {
    objects
        .iter()
        .filter(|o| kind(o) == "Deployment")
        .flat_map(|o| {
            o["spec"]["template"]["spec"]["containers"][0]["env"]
                .as_sequence()
                .unwrap()
                .clone()
        })
        .filter(|e| e["name"].as_str() == Some("AzureFunctionsWebHost__hostid"))
        .map(|e| e["value"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_overlay_renders_linked_objects_with_distinct_host_ids() {
    let example = example("functionapp-links");
    let mut all_ids = BTreeSet::new();
    for overlay in ["dev", "test", "prod", "prod-eu"] {
        let objects = build(&example, overlay);
        check_links(overlay, &objects);
        for id in host_ids(&objects) {
            assert!(
                id.len() <= 32
                    && id
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{overlay}: host ID {id}"
            );
            assert!(
                all_ids.insert(id.clone()),
                "{overlay}: host ID {id} is used twice"
            );
        }
    }
}

#[test]
fn the_prod_region_overlay_links_to_its_final_names() {
    let example = example("functionapp-rename");
    let objects = build(&example, "prod-eu");
    let scaled = objects.iter().find(|o| kind(o) == "ScaledObject").unwrap();
    assert_eq!(
        scaled["spec"]["scaleTargetRef"]["name"].as_str(),
        Some("prod-orders-eu")
    );
    assert_eq!(
        scaled["metadata"]["namespace"].as_str(),
        Some("orders-prod")
    );
    assert_eq!(
        scaled["metadata"]["labels"]["contoso.com/environment"].as_str(),
        Some("prod")
    );
}

fn check_against_crds(label: &str, objects: &[Value]) {
    let schemas = [
        ("ScaledObject", "keda.sh_scaledobjects.yaml", "v1alpha1"),
        (
            "TriggerAuthentication",
            "keda.sh_triggerauthentications.yaml",
            "v1alpha1",
        ),
        (
            "SecretProviderClass",
            "secrets-store.csi.x-k8s.io_secretproviderclasses.yaml",
            "v1",
        ),
    ];
    for (of_kind, file, version) in schemas {
        let crd = crd(file);
        let schema = crd_schema(&crd, version);
        let matching: Vec<&Value> = objects.iter().filter(|o| kind(o) == of_kind).collect();
        for object in matching {
            let mut problems = Vec::new();
            validate(object, &schema, of_kind, &mut problems);
            assert!(
                problems.is_empty(),
                "{label}: {of_kind}/{} fails its CRD:\n{}",
                name(object),
                problems.join("\n")
            );
        }
    }
}

#[test]
fn keda_and_csi_objects_pass_their_crd_schemas() {
    let example = example("functionapp-crds");
    for overlay in ["dev", "prod"] {
        let objects = build(&example, overlay);
        assert!(objects.iter().any(|o| kind(o) == "ScaledObject"));
        check_against_crds(overlay, &objects);
    }
    // Every trigger type and option, through the KRM function.
    let input =
        std::fs::read(workspace().join("tests/fixtures/functionapp/all-triggers.yaml")).unwrap();
    let out = run(&mut command(azfn_bin()), &input);
    assert!(out.status.success(), "{}", text(&out).1);
    let list: Value = serde_yaml::from_slice(&out.stdout).unwrap();
    let items = list["items"].as_sequence().unwrap();
    let kinds: BTreeSet<&str> = items.iter().map(kind).collect();
    for expected in [
        "ScaledObject",
        "TriggerAuthentication",
        "SecretProviderClass",
        "HTTPScaledObject",
    ] {
        assert!(
            kinds.contains(expected),
            "{expected} not rendered: {kinds:?}"
        );
    }
    check_against_crds("all-triggers", items);
}

#[test]
fn the_broken_overlay_fails_naming_the_setting_without_the_key() {
    let example = example("functionapp-broken");
    let out = run(
        command("kubectl")
            .args(["kustomize", "--enable-alpha-plugins"])
            .arg(example.root.join("overlays/broken"))
            .env("KUSTOMIZE_PLUGIN_HOME", &example.plugins),
        b"",
    );
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("[error] azfn.dev/v1alpha1/FunctionApp/orders-dev/broken-orders spec.settings.LegacyStorage: AZF001 inline-secret: setting \"LegacyStorage\" holds an Azure Storage account key"),
        "{stderr}"
    );
    assert!(
        stderr.contains("azfn: 1 error, 0 warnings"),
        "one finding, at the source: {stderr}"
    );
    let patch = std::fs::read_to_string(
        example
            .root
            .join("overlays/broken/inline-connection-string.yaml"),
    )
    .unwrap();
    let key = patch
        .split("AccountKey=")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap();
    assert!(!stderr.contains(&key[..12]));
}

fn build_with_env(example: &Example, overlay: &str, env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = command("kubectl");
    cmd.args(["kustomize", "--enable-alpha-plugins"])
        .arg(example.root.join("overlays").join(overlay))
        .env("KUSTOMIZE_PLUGIN_HOME", &example.plugins)
        // The pipeline's consent: only these names may be read.
        .env("AZFN_ALLOW_INPUTS", "IMAGE_TAG,PAYMENT_API_KEY_VERSION");
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(&mut cmd, b"")
}

#[test]
fn ci_inputs_set_the_image_and_secret_version_and_roll_the_pods() {
    let example = example("functionapp-inputs");
    let plain = text(&build_with_env(&example, "prod", &[])).0;
    let out = build_with_env(
        &example,
        "prod",
        &[
            ("IMAGE_TAG", "1.6.0"),
            ("PAYMENT_API_KEY_VERSION", "9e8d7c6b"),
            ("UNDECLARED", "x"),
        ],
    );
    let (released, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        released.contains("image: contoso.azurecr.io/orders:1.6.0\n"),
        "{released}"
    );
    assert!(
        released.contains("objectVersion: \"9e8d7c6b\""),
        "{released}"
    );
    let digest = |yaml: &str| {
        yaml.lines()
            .find(|l| l.contains("azfn.dev/secret-versions"))
            .map(str::to_owned)
            .unwrap()
    };
    assert_ne!(
        digest(&plain),
        digest(&released),
        "a new secret version must roll the pods"
    );
    let again = text(&build_with_env(
        &example,
        "prod",
        &[
            ("IMAGE_TAG", "1.6.0"),
            ("PAYMENT_API_KEY_VERSION", "9e8d7c6b"),
        ],
    ))
    .0;
    assert_eq!(again, released, "the same inputs give the same bytes");
}

#[test]
fn missing_required_and_secret_shaped_inputs_are_refused_by_name() {
    let example = example("functionapp-inputs-bad");
    let config = example.root.join("overlays/dev/azfn.yaml");
    std::fs::write(
        &config,
        "apiVersion: azfn.dev/v1alpha1\nkind: Azfn\nmetadata:\n  name: azfn\nspec:\n  inputs:\n  - name: IMAGE_TAG\n    field: image.tag\n",
    )
    .unwrap();
    let out = build_with_env(&example, "dev", &[]);
    let stderr = text(&out).1;
    assert!(!out.status.success());
    assert!(
        stderr.contains(
            "input IMAGE_TAG is required, but the environment variable IMAGE_TAG is not set"
        ),
        "{stderr}"
    );
    let key = azfn_tests::fake_storage_key();
    let out = build_with_env(
        &example,
        "dev",
        &[("IMAGE_TAG", &format!("AccountKey={key}"))],
    );
    let stderr = text(&out).1;
    assert!(!out.status.success());
    assert!(
        stderr.contains("input IMAGE_TAG holds what looks like an Azure Storage account key"),
        "{stderr}"
    );
    assert!(!stderr.contains(&key[..12]), "{stderr}");
}
