//! The Azure half of workload identity (`identity.azure`), rendered by each build path: the
//! real `kubectl kustomize` with azfn as its plugin, kpt with azfn as an exec function, and
//! `azfn build`. The federated credentials' subjects equal the rendered ServiceAccount's
//! namespace and name (an overlay that renames moves them), and every Azure Service Operator
//! object passes its CRD schema from ../shared.
use std::path::Path;

use azfn_tests::openapi::{crd, crd_schema, validate};
use azfn_tests::{azfn_bin, command, copy_dir, run, scratch, text, workspace};
use serde_yaml::Value;

/// The example's prod issuer and subscription (examples/orders/overlays/prod/functionapp.yaml).
const PROD_ISSUER: &str = "https://westeurope.oic.prod-aks.azure.com/72f988bf-0000-0000-0000-000000000000/0000000f-0000-0000-0000-00000000a001/";
const PROD_GROUP: &str =
    "/subscriptions/0000000f-0000-0000-0000-000000000000/resourceGroups/rg-orders-prod/providers/";

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{}: no {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// A copy of the example app, which carries its Azure half in every overlay, and the plugin.
fn example(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = scratch(name);
    let plugins = azfn_tests::install_plugin(&dir);
    let root = dir.join("orders");
    copy_dir(&workspace().join("examples/orders"), &root);
    (root, plugins)
}

fn documents(stdout: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(stdout)
        .map(|doc| serde::Deserialize::deserialize(doc).expect("YAML"))
        .filter(|v: &Value| !v.is_null())
        .collect()
}

fn kustomize(root: &Path, plugins: &Path, overlay: &str) -> Vec<Value> {
    let out = run(
        command("kubectl")
            .args(["kustomize", "--enable-alpha-plugins"])
            .arg(root.join("overlays").join(overlay))
            .env("KUSTOMIZE_PLUGIN_HOME", plugins),
        b"",
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{overlay}: {stderr}");
    documents(&stdout)
}

fn azfn_build(root: &Path, overlay: &str) -> Vec<Value> {
    let out = run(
        command(azfn_bin())
            .arg("build")
            .arg(root.join("overlays").join(overlay)),
        b"",
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{overlay}: {stderr}");
    documents(&stdout)
}

fn kind(o: &Value) -> &str {
    o["kind"].as_str().unwrap_or_default()
}

fn of_kind<'a>(objects: &'a [Value], k: &str) -> Vec<&'a Value> {
    objects.iter().filter(|o| kind(o) == k).collect()
}

/// The subject of the app's credential, and `system:serviceaccount:<ns>:<name>` of the one
/// ServiceAccount of the build.
fn subjects(objects: &[Value]) -> (String, String, Vec<String>) {
    let accounts = of_kind(objects, "ServiceAccount");
    assert_eq!(accounts.len(), 1, "{accounts:?}");
    let sa = accounts[0];
    let expected = format!(
        "system:serviceaccount:{}:{}",
        sa["metadata"]["namespace"].as_str().unwrap_or("default"),
        sa["metadata"]["name"].as_str().unwrap()
    );
    let credentials: Vec<String> = of_kind(objects, "FederatedIdentityCredential")
        .iter()
        .map(|c| c["spec"]["subject"].as_str().unwrap().to_owned())
        .collect();
    let app = credentials
        .iter()
        .find(|s| !s.ends_with(":keda-operator"))
        .cloned()
        .unwrap_or_default();
    (app, expected, credentials)
}

fn check_aso_objects(label: &str, objects: &[Value]) {
    for (of, file, version) in [
        (
            "UserAssignedIdentity",
            "managedidentity.azure.com_userassignedidentities.yaml",
            "v1api20230131",
        ),
        (
            "FederatedIdentityCredential",
            "managedidentity.azure.com_federatedidentitycredentials.yaml",
            "v1api20230131",
        ),
        (
            "RoleAssignment",
            "authorization.azure.com_roleassignments.yaml",
            "v1api20220401",
        ),
    ] {
        let schema = crd_schema(&crd(&format!("aso/{file}")), version);
        let matching = of_kind(objects, of);
        assert!(!matching.is_empty(), "{label}: no {of}");
        for object in matching {
            assert_eq!(
                object["apiVersion"].as_str().unwrap().rsplit('/').next(),
                Some(version)
            );
            let mut problems = Vec::new();
            validate(object, &schema, of, &mut problems);
            assert!(
                problems.is_empty(),
                "{label}: {of}/{} fails its CRD:\n{}",
                object["metadata"]["name"].as_str().unwrap_or_default(),
                problems.join("\n")
            );
        }
    }
}

#[test]
fn kustomize_and_azfn_build_render_credentials_for_the_rendered_service_account() {
    let (root, plugins) = example("identity-paths");
    for overlay in ["dev", "test", "prod", "prod-eu"] {
        let objects = kustomize(&root, &plugins, overlay);
        let (app, expected, credentials) = subjects(&objects);
        assert_eq!(app, expected, "{overlay}");
        assert!(
            credentials.contains(&"system:serviceaccount:keda:keda-operator".to_owned()),
            "{overlay}: {credentials:?}"
        );
        check_aso_objects(overlay, &objects);
        // The same bytes from azfn's own renderer.
        assert_eq!(azfn_build(&root, overlay), objects, "{overlay}");
    }
    let prod = kustomize(&root, &plugins, "prod");
    let (app, ..) = subjects(&prod);
    assert_eq!(app, "system:serviceaccount:orders-prod:prod-orders");
    let issuers: Vec<&str> = of_kind(&prod, "FederatedIdentityCredential")
        .iter()
        .map(|c| c["spec"]["issuer"].as_str().unwrap())
        .collect();
    assert!(issuers.iter().all(|i| *i == PROD_ISSUER), "{issuers:?}");
    for assignment in of_kind(&prod, "RoleAssignment") {
        let scope = assignment["spec"]["owner"]["armId"].as_str().unwrap();
        assert!(scope.starts_with(PROD_GROUP), "{scope}");
    }
    // prod-eu stacks a suffix on prod and runs azfn again: the subject follows once more.
    let (app, ..) = subjects(&kustomize(&root, &plugins, "prod-eu"));
    assert_eq!(app, "system:serviceaccount:orders-prod:prod-orders-eu");
    // Prod inherits `create` from the base, under its own name.
    let created = of_kind(&prod, "UserAssignedIdentity");
    assert_eq!(created.len(), 1);
    assert_eq!(
        created[0]["spec"]["azureName"].as_str(),
        Some("id-orders-prod")
    );
}

#[test]
fn an_overlay_that_renames_the_service_account_moves_the_subject() {
    let (root, plugins) = example("identity-rename");
    edit(
        &root.join("overlays/prod/kustomization.yaml"),
        "namePrefix: prod-\n",
        "namePrefix: prod-\nnameSuffix: -eu\n",
    );
    edit(
        &root.join("overlays/prod/kustomization.yaml"),
        "namespace: orders-prod\n",
        "namespace: orders-weu\n",
    );
    let objects = kustomize(&root, &plugins, "prod");
    let (app, expected, _) = subjects(&objects);
    assert_eq!(app, "system:serviceaccount:orders-weu:prod-orders-eu");
    assert_eq!(app, expected);
    let (app, expected, _) = subjects(&azfn_build(&root, "prod"));
    assert_eq!(app, expected);
}

#[test]
fn kpt_renders_the_credential_for_the_function_apps_namespace_and_account() {
    let dir = scratch("identity-kpt");
    let package = dir.join("package");
    std::fs::create_dir_all(&package).unwrap();
    let base = std::fs::read_to_string(workspace().join("examples/orders/base/functionapp.yaml"))
        .unwrap()
        .replacen(
            "    tenantId: 72f988bf-0000-0000-0000-000000000000\n",
            "    tenantId: 72f988bf-0000-0000-0000-000000000000\n    serviceAccount: orders-runner\n",
            1,
        )
        .replacen("  name: orders\n", "  name: orders\n  namespace: orders-dev\n", 1);
    std::fs::write(package.join("functionapp.yaml"), base).unwrap();
    let out = run(
        command("kpt")
            .current_dir(&dir)
            .args(["fn", "eval", "--exec"])
            .arg(azfn_bin())
            .arg("package"),
        b"",
    );
    assert!(out.status.success(), "{}", text(&out).1);
    let mut objects = Vec::new();
    for entry in std::fs::read_dir(&package).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            objects.extend(documents(&std::fs::read_to_string(&path).unwrap()));
        }
    }
    let rendered: Vec<Value> = objects
        .into_iter()
        .filter(|o| kind(o) != "FunctionApp")
        .collect();
    let (app, expected, _) = subjects(&rendered);
    assert_eq!(app, "system:serviceaccount:orders-dev:orders-runner");
    assert_eq!(app, expected);
    check_aso_objects("kpt", &rendered);
}

/// For Terraform, Bicep and `az` users: the same facts as data, a script and resources.
#[test]
fn azfn_identity_prints_the_facts_as_json_an_az_script_and_terraform() {
    let (root, _) = example("identity-facts");
    let prod = root.join("overlays/prod");
    let out = run(command(azfn_bin()).arg("identity").arg(&prod), b"");
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let facts: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let subjects: Vec<&str> = facts["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        subjects,
        [
            "system:serviceaccount:orders-prod:prod-orders",
            "system:serviceaccount:keda:keda-operator"
        ]
    );
    let roles: Vec<&str> = facts["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["role"].as_str().unwrap())
        .collect();
    assert!(roles.contains(&"Azure Service Bus Data Owner"), "{roles:?}");
    assert!(roles.contains(&"Key Vault Secrets User"), "{roles:?}");
    assert!(
        !roles.iter().any(|r| *r == "Owner" || *r == "Contributor"),
        "{roles:?}"
    );

    let out = run(
        command(azfn_bin())
            .args(["identity", "--format", "az"])
            .arg(&prod),
        b"",
    );
    let (script, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        script.contains(&format!("az identity federated-credential create --identity-name 'id-orders-prod' --resource-group 'rg-orders-prod' --name 'prod-orders' --issuer '{PROD_ISSUER}' --subject 'system:serviceaccount:orders-prod:prod-orders' --audiences 'api://AzureADTokenExchange'")),
        "{script}"
    );
    let file = scratch("identity-facts-script").join("identity.sh");
    std::fs::write(&file, &script).unwrap();
    let syntax = run(command("sh").arg("-n").arg(&file), b"");
    assert!(syntax.status.success(), "{}", text(&syntax).1);

    let out = run(
        command(azfn_bin())
            .args(["identity", "--format", "terraform"])
            .arg(&prod),
        b"",
    );
    let (terraform, _) = text(&out);
    assert!(out.status.success());
    assert_eq!(
        terraform
            .matches("resource \"azurerm_federated_identity_credential\"")
            .count(),
        2,
        "{terraform}"
    );
    assert!(
        terraform.contains("audience            = [\"api://AzureADTokenExchange\"]"),
        "{terraform}"
    );
}

/// `azfn identity` fails with a message and prints nothing on a build without the Azure half,
/// and on trees that reach outside their root.
#[test]
fn azfn_identity_refuses_a_build_without_the_azure_half_and_hostile_trees() {
    let (plain_root, _) = example("identity-facts-plain");
    for file in ["base/functionapp.yaml", "overlays/prod/functionapp.yaml"] {
        let path = plain_root.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let start = text
            .find("    # The Azure half")
            .or_else(|| text.find("    azure:\n"));
        let start = start.unwrap_or_else(|| panic!("{file}: no identity.azure"));
        let end = start
            + text[start..]
                .find("\n  storage:\n")
                .expect("storage follows");
        std::fs::write(&path, format!("{}{}", &text[..start], &text[end + 1..])).unwrap();
    }
    let plain = run(
        command(azfn_bin())
            .arg("identity")
            .arg(plain_root.join("overlays/prod")),
        b"",
    );
    assert_eq!(plain.status.code(), Some(1));
    assert!(
        text(&plain).1.contains("no Azure identity objects"),
        "{}",
        text(&plain).1
    );

    // Hostile trees: it reads what `azfn build` reads and no more, and prints nothing on error.
    let hostile = scratch("identity-hostile");
    std::fs::write(
        hostile.join("kustomization.yaml"),
        "resources:\n- ../../../../../../etc/passwd\n",
    )
    .unwrap();
    for dir in [hostile.clone(), hostile.join("missing")] {
        let out = run(command(azfn_bin()).arg("identity").arg(&dir), b"");
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stdout.is_empty(), "{stdout}");
        assert!(stderr.starts_with("Error: "), "{stderr}");
        assert!(!stderr.contains("root:x:"), "{stderr}");
    }
}
