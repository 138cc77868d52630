//! Key Vault secret delivery: the Secrets Store CSI driver's SecretProviderClass, or External
//! Secrets' SecretStore and ExternalSecret; and the digest that rolls pods when a version changes.
use super::*;

pub(super) const SECRETS_DIGEST: &str = "azfn.dev/secret-versions";

pub(super) fn secret_delivery(spec: &Spec, worker_min: u64, has_workers: bool) -> Delivery {
    let Some(secrets) = &spec.secrets else {
        return Delivery::Csi;
    };
    match secrets.delivery {
        Delivery::Auto => {
            let scaler_needs_secret = spec
                .functions
                .iter()
                .any(|f| matches!(f.trigger, Trigger::RabbitMq { .. }));
            if has_workers && worker_min == 0 && scaler_needs_secret {
                Delivery::ExternalSecrets
            } else {
                Delivery::Csi
            }
        }
        chosen => chosen,
    }
}

pub(super) fn secret_name(app: &App) -> String {
    format!("{}-kv", app.name)
}

pub(super) fn tenant(app: &App, secrets: &crate::functionapp::spec::Secrets) -> String {
    secrets
        .key_vault
        .tenant_id
        .clone()
        .or_else(|| app.spec.identity.tenant_id.clone())
        .unwrap_or_default()
}

pub(super) fn secret_provider_class(
    app: &App,
    secrets: &crate::functionapp::spec::Secrets,
) -> Mapping {
    use std::fmt::Write as _;
    let mut objects = String::from("array:\n");
    for item in &secrets.items {
        let _ = write!(
            objects,
            "  - |\n    objectName: {}\n    objectType: secret\n    objectAlias: {}\n    objectVersion: \"{}\"\n",
            item.secret,
            item.env,
            item.version.as_deref().unwrap_or_default()
        );
    }
    let parameters = map([
        ("usePodIdentity", s("false")),
        ("clientID", s(&app.spec.identity.client_id)),
        ("keyvaultName", s(&secrets.key_vault.name)),
        ("tenantID", s(tenant(app, secrets))),
        ("objects", s(objects)),
    ]);
    let data: Vec<Value> = secrets
        .items
        .iter()
        .map(|i| map([("objectName", s(&i.env)), ("key", s(&i.env))]))
        .collect();
    let spec = map([
        ("provider", s("azure")),
        ("parameters", parameters),
        (
            "secretObjects",
            Value::Sequence(vec![map([
                ("secretName", s(secret_name(app))),
                ("type", s("Opaque")),
                ("data", Value::Sequence(data)),
            ])]),
        ),
    ]);
    object(
        "secrets-store.csi.x-k8s.io/v1",
        "SecretProviderClass",
        app.metadata(&secret_name(app), None),
        vec![("spec", spec)],
    )
}

pub(super) fn secret_store(app: &App, secrets: &crate::functionapp::spec::Secrets) -> Mapping {
    let spec = map([(
        "provider",
        map([(
            "azurekv",
            map([
                ("authType", s("WorkloadIdentity")),
                (
                    "vaultUrl",
                    s(format!(
                        "https://{}.vault.azure.net",
                        secrets.key_vault.name
                    )),
                ),
                (
                    "tenantId",
                    opt_s(Some(tenant(app, secrets).as_str()).filter(|t| !t.is_empty())),
                ),
                (
                    "serviceAccountRef",
                    map([("name", s(&app.service_account))]),
                ),
            ]),
        )]),
    )]);
    object(
        "external-secrets.io/v1",
        "SecretStore",
        app.metadata(&secret_name(app), None),
        vec![("spec", spec)],
    )
}

pub(super) fn external_secret(app: &App, secrets: &crate::functionapp::spec::Secrets) -> Mapping {
    let data: Vec<Value> = secrets
        .items
        .iter()
        .map(|i| {
            map([
                ("secretKey", s(&i.env)),
                (
                    "remoteRef",
                    map([
                        ("key", s(&i.secret)),
                        (
                            "version",
                            opt_s(i.version.as_deref().filter(|v| !v.is_empty())),
                        ),
                    ]),
                ),
            ])
        })
        .collect();
    let spec = map([
        ("refreshInterval", s("1h")),
        (
            "secretStoreRef",
            map([("kind", s("SecretStore")), ("name", s(secret_name(app)))]),
        ),
        (
            "target",
            map([
                ("name", s(secret_name(app))),
                ("creationPolicy", s("Owner")),
            ]),
        ),
        ("data", Value::Sequence(data)),
    ]);
    object(
        "external-secrets.io/v1",
        "ExternalSecret",
        app.metadata(&secret_name(app), None),
        vec![("spec", spec)],
    )
}

pub(super) fn secrets_digest(app: &App) -> Option<String> {
    let secrets = app.spec.secrets.as_ref()?;
    let mut lines: Vec<String> = secrets
        .items
        .iter()
        .map(|i| {
            format!(
                "{}={}@{}",
                i.env,
                i.secret,
                i.version.as_deref().unwrap_or("latest")
            )
        })
        .collect();
    lines.sort();
    Some(hex(&Sha256::digest(lines.join("\n").as_bytes()))[..16].to_owned())
}
