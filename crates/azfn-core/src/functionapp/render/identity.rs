//! Workload identity: the ServiceAccount the pods run as, and the `__credential` settings
//! that make the Functions host and its extensions use it.
use super::*;

pub(super) const WORKLOAD_IDENTITY: &str = "workloadidentity";

pub(super) fn service_account(app: &App) -> Mapping {
    let mut metadata = app.metadata(&app.service_account, None);
    let annotations = metadata["annotations"]
        .as_mapping_mut()
        .expect("metadata has annotations");
    annotations.insert(CLIENT_ID.into(), s(&app.spec.identity.client_id));
    if let Some(tenant) = &app.spec.identity.tenant_id {
        annotations.insert("azure.workload.identity/tenant-id".into(), s(tenant));
    }
    object("v1", "ServiceAccount", metadata, vec![])
}

pub(super) fn identity_env(out: &mut Vec<Value>, prefix: &str, client_id: &str) {
    out.push(env(&format!("{prefix}__credential"), WORKLOAD_IDENTITY));
    out.push(env(&format!("{prefix}__clientId"), client_id));
}
