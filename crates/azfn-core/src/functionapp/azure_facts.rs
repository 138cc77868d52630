//! The Azure half of a render as data, for teams that manage Azure with Terraform, Bicep or
//! `az` instead of Azure Service Operator: each identity, federated credential and role
//! assignment in the objects (azfn's or hand-written), and the same as an `az` script or
//! Terraform resources.
use std::fmt::Write as _;

use serde::Serialize;
use serde_yaml::Value;

use super::roles;

/// A federated identity credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Credential {
    /// The Kubernetes object (`namespace/name`).
    pub object: String,
    /// The credential's name in Azure (`azureName`, else the object's name).
    pub name: String,
    /// The identity's ARM ID, or its Kubernetes name when owned by name.
    pub identity: String,
    pub issuer: String,
    pub subject: String,
    pub audiences: Vec<String>,
}

/// A role assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Assignment {
    pub object: String,
    pub scope: String,
    /// The principal's object ID, or `configMap/key` when ASO reads it from a ConfigMap.
    pub principal: String,
    pub role: String,
    pub role_definition_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An identity Azure Service Operator creates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    pub object: String,
    pub name: String,
    pub location: String,
    /// The owner: a resource group's ARM ID, or its Kubernetes name.
    pub owner: String,
}

/// Everything Azure-side in a set of objects.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facts {
    pub identities: Vec<Identity>,
    pub credentials: Vec<Credential>,
    pub assignments: Vec<Assignment>,
}

fn text<'a>(object: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut at = object;
    for key in path {
        at = at.get(*key)?;
    }
    at.as_str()
}

fn object_name(object: &Value) -> String {
    let name = text(object, &["metadata", "name"]).unwrap_or_default();
    match text(object, &["metadata", "namespace"]) {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_owned(),
    }
}

fn owner(object: &Value) -> String {
    text(object, &["spec", "owner", "armId"])
        .or_else(|| text(object, &["spec", "owner", "name"]))
        .unwrap_or_default()
        .to_owned()
}

/// The facts of `objects`, in their order.
pub fn facts(objects: &[Value]) -> Facts {
    let mut out = Facts::default();
    for object in objects {
        let group = text(object, &["apiVersion"])
            .and_then(|a| a.split_once('/'))
            .map_or("", |(g, _)| g);
        let azure_name = text(object, &["spec", "azureName"])
            .or_else(|| text(object, &["metadata", "name"]))
            .unwrap_or_default()
            .to_owned();
        match (group, text(object, &["kind"]).unwrap_or_default()) {
            ("managedidentity.azure.com", "UserAssignedIdentity") => {
                out.identities.push(Identity {
                    object: object_name(object),
                    name: azure_name,
                    location: text(object, &["spec", "location"])
                        .unwrap_or_default()
                        .to_owned(),
                    owner: owner(object),
                });
            }
            ("managedidentity.azure.com", "FederatedIdentityCredential") => {
                out.credentials.push(Credential {
                    object: object_name(object),
                    name: azure_name,
                    identity: owner(object),
                    issuer: text(object, &["spec", "issuer"])
                        .unwrap_or_default()
                        .to_owned(),
                    subject: text(object, &["spec", "subject"])
                        .unwrap_or_default()
                        .to_owned(),
                    audiences: object
                        .get("spec")
                        .and_then(|s| s.get("audiences"))
                        .and_then(Value::as_sequence)
                        .map(|a| {
                            a.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default(),
                });
            }
            ("authorization.azure.com", "RoleAssignment") => {
                let definition = text(object, &["spec", "roleDefinitionReference", "armId"])
                    .unwrap_or_default()
                    .to_owned();
                let principal = text(object, &["spec", "principalId"]).map_or_else(
                    || {
                        format!(
                            "{}/{}",
                            text(object, &["spec", "principalIdFromConfig", "name"])
                                .unwrap_or_default(),
                            text(object, &["spec", "principalIdFromConfig", "key"])
                                .unwrap_or_default()
                        )
                    },
                    str::to_owned,
                );
                out.assignments.push(Assignment {
                    object: object_name(object),
                    scope: owner(object),
                    principal,
                    role: roles::by_definition(&definition)
                        .map_or_else(|| definition.clone(), |r| r.name.to_owned()),
                    role_definition_id: definition,
                    reason: text(object, &["spec", "description"]).map(str::to_owned),
                });
            }
            _ => {}
        }
    }
    out
}

/// Single-quoted for a POSIX shell.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// The identity name and resource group of a user-assigned identity's ARM ID.
fn identity_parts(id: &str) -> Option<(&str, &str)> {
    let parts: Vec<&str> = id.split('/').collect();
    let group = parts
        .iter()
        .position(|p| p.eq_ignore_ascii_case("resourceGroups"))
        .and_then(|i| parts.get(i + 1))?;
    Some((parts.last()?, group))
}

/// An `az` script that makes the same credentials and assignments.
pub fn az_script(facts: &Facts) -> String {
    let mut out = String::from("#!/bin/sh\n# Generated by `azfn identity --format az`.\nset -eu\n");
    for identity in &facts.identities {
        let group = identity.owner.rsplit('/').next().unwrap_or_default();
        let _ = writeln!(
            out,
            "az identity create --name {} --resource-group {} --location {}",
            quote(&identity.name),
            quote(group),
            quote(&identity.location)
        );
    }
    // Azure refuses concurrent credential writes under one identity: one after another.
    for credential in &facts.credentials {
        let Some((identity, group)) = identity_parts(&credential.identity) else {
            let _ = writeln!(
                out,
                "# {}: owned by Kubernetes name {:?}, not an ARM ID: skipped",
                credential.object, credential.identity
            );
            continue;
        };
        let _ = writeln!(
            out,
            "az identity federated-credential create --identity-name {} --resource-group {} --name {} --issuer {} --subject {} --audiences {}",
            quote(identity),
            quote(group),
            quote(&credential.name),
            quote(&credential.issuer),
            quote(&credential.subject),
            quote(&credential.audiences.join(" "))
        );
    }
    for assignment in &facts.assignments {
        let principal = if assignment.principal.contains('/') {
            "\"$PRINCIPAL_ID\"".to_owned()
        } else {
            quote(&assignment.principal)
        };
        let _ = writeln!(
            out,
            "az role assignment create --assignee-object-id {principal} --assignee-principal-type ServicePrincipal --role {} --scope {}",
            quote(
                assignment
                    .role_definition_id
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
            ),
            quote(&assignment.scope)
        );
    }
    out
}

fn tf_name(object: &str) -> String {
    object
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// Terraform (`azurerm`) resources for the same credentials and assignments.
pub fn terraform(facts: &Facts) -> String {
    let mut out =
        String::from("# Generated by `azfn identity --format terraform` (azurerm provider).\n");
    for credential in &facts.credentials {
        let Some((_, group)) = identity_parts(&credential.identity) else {
            continue;
        };
        let _ = write!(
            out,
            "\nresource \"azurerm_federated_identity_credential\" \"{}\" {{\n  name                = {:?}\n  resource_group_name = {:?}\n  parent_id           = {:?}\n  issuer              = {:?}\n  subject             = {:?}\n  audience            = {:?}\n}}\n",
            tf_name(&credential.object),
            credential.name,
            group,
            credential.identity,
            credential.issuer,
            credential.subject,
            credential.audiences
        );
    }
    for assignment in &facts.assignments {
        let principal = if assignment.principal.contains('/') {
            "var.principal_id".to_owned()
        } else {
            format!("{:?}", assignment.principal)
        };
        let _ = write!(
            out,
            "\nresource \"azurerm_role_assignment\" \"{}\" {{\n  scope              = {:?}\n  role_definition_id = {:?}\n  principal_id       = {principal}\n  principal_type     = \"ServicePrincipal\"\n}}\n",
            tf_name(&assignment.object),
            assignment.scope,
            assignment.role_definition_id,
        );
    }
    out
}
