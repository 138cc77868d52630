//! Azure built-in roles azfn assigns or warns about, by name and role-definition GUID
//! (research: next-anchors.md §A.5, from Azure's built-in roles reference), and the ARM IDs
//! of the resources a connection names.

/// A built-in role: its name and its role-definition GUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Role {
    pub name: &'static str,
    pub guid: &'static str,
}

macro_rules! roles {
    ($($constant:ident = $name:literal, $guid:literal;)*) => {
        $(pub const $constant: Role = Role { name: $name, guid: $guid };)*
        /// Every role this module knows.
        pub const ALL: &[Role] = &[$($constant),*];
    };
}

roles! {
    STORAGE_BLOB_DATA_OWNER = "Storage Blob Data Owner", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    STORAGE_BLOB_DATA_CONTRIBUTOR = "Storage Blob Data Contributor", "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    STORAGE_BLOB_DATA_READER = "Storage Blob Data Reader", "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";
    STORAGE_QUEUE_DATA_CONTRIBUTOR = "Storage Queue Data Contributor", "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    STORAGE_QUEUE_DATA_READER = "Storage Queue Data Reader", "19e7f393-937e-4f77-808e-94535e297925";
    STORAGE_QUEUE_DATA_MESSAGE_PROCESSOR = "Storage Queue Data Message Processor", "8a0f0c08-91a1-4084-bc3d-661d67233fed";
    STORAGE_QUEUE_DATA_MESSAGE_SENDER = "Storage Queue Data Message Sender", "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a";
    STORAGE_TABLE_DATA_CONTRIBUTOR = "Storage Table Data Contributor", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    STORAGE_ACCOUNT_CONTRIBUTOR = "Storage Account Contributor", "17d1049b-9a84-46fb-8f53-869881c3d3ab";
    SERVICE_BUS_DATA_RECEIVER = "Azure Service Bus Data Receiver", "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0";
    SERVICE_BUS_DATA_SENDER = "Azure Service Bus Data Sender", "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39";
    SERVICE_BUS_DATA_OWNER = "Azure Service Bus Data Owner", "090c5cfd-751d-490a-894a-3ce6f1109419";
    EVENT_HUBS_DATA_RECEIVER = "Azure Event Hubs Data Receiver", "a638d3c7-ab3a-418d-83e6-5f17a39d4fde";
    EVENT_HUBS_DATA_SENDER = "Azure Event Hubs Data Sender", "2b629674-e913-4c01-ae53-ef4638d8f975";
    EVENT_HUBS_DATA_OWNER = "Azure Event Hubs Data Owner", "f526a384-b230-433a-b45c-95f59c4a2dec";
    KEY_VAULT_SECRETS_USER = "Key Vault Secrets User", "4633458b-17de-408a-b874-0445c86b69e6";
    KEY_VAULT_SECRETS_OFFICER = "Key Vault Secrets Officer", "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
    MANAGED_IDENTITY_OPERATOR = "Managed Identity Operator", "f1a07417-d97a-45cb-824c-7a7467783830";
    READER = "Reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7";
    CONTRIBUTOR = "Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c";
    OWNER = "Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
    USER_ACCESS_ADMINISTRATOR = "User Access Administrator", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
}

/// The role a role-definition ARM ID (or bare GUID) names, if azfn knows it.
pub fn by_definition(id: &str) -> Option<Role> {
    let guid = id.rsplit('/').next()?.to_ascii_lowercase();
    ALL.iter().copied().find(|r| r.guid == guid)
}

/// Whether holding `held` on a scope already grants everything `needed` does there (data
/// roles of one service: an owner or contributor role includes the reader's actions).
pub fn covers(held: Role, needed: Role) -> bool {
    let by = |strong: Role, weak: &[Role]| held == strong && weak.contains(&needed);
    by(
        STORAGE_BLOB_DATA_OWNER,
        &[STORAGE_BLOB_DATA_CONTRIBUTOR, STORAGE_BLOB_DATA_READER],
    ) || by(STORAGE_BLOB_DATA_CONTRIBUTOR, &[STORAGE_BLOB_DATA_READER])
        || by(
            STORAGE_QUEUE_DATA_CONTRIBUTOR,
            &[
                STORAGE_QUEUE_DATA_READER,
                STORAGE_QUEUE_DATA_MESSAGE_PROCESSOR,
                STORAGE_QUEUE_DATA_MESSAGE_SENDER,
            ],
        )
        || by(
            SERVICE_BUS_DATA_OWNER,
            &[SERVICE_BUS_DATA_RECEIVER, SERVICE_BUS_DATA_SENDER],
        )
        || by(
            EVENT_HUBS_DATA_OWNER,
            &[EVENT_HUBS_DATA_RECEIVER, EVENT_HUBS_DATA_SENDER],
        )
}

/// `/subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<guid>`: the form
/// every ASO 2.x accepts (research §A.4).
pub fn definition_id(subscription: &str, role: Role) -> String {
    format!(
        "/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{}",
        role.guid
    )
}

/// The resource provider path of each kind of resource a connection names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    StorageAccount,
    ServiceBusNamespace,
    EventHubsNamespace,
    KeyVault,
}

impl Provider {
    /// `Microsoft.Storage/storageAccounts`, as in ARM IDs.
    pub fn path(self) -> &'static str {
        match self {
            Self::StorageAccount => "Microsoft.Storage/storageAccounts",
            Self::ServiceBusNamespace => "Microsoft.ServiceBus/namespaces",
            Self::EventHubsNamespace => "Microsoft.EventHub/namespaces",
            Self::KeyVault => "Microsoft.KeyVault/vaults",
        }
    }

    /// The Azure Service Operator kind of the resource.
    pub fn kind(self) -> &'static str {
        match self {
            Self::StorageAccount => "StorageAccount",
            Self::ServiceBusNamespace | Self::EventHubsNamespace => "Namespace",
            Self::KeyVault => "Vault",
        }
    }
}

/// Who needs a trigger's role: KEDA's scaler, or the Functions trigger it scales.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Keda,
    Trigger,
}

impl Who {
    /// As findings name it.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Keda => "KEDA's scaler",
            Self::Trigger => "the Functions trigger",
        }
    }
}

/// A role an identity-authenticated trigger needs on the resource its KEDA scaler names: one
/// table for what azfn renders and what AZF027 checks (docs/functionapp.md's role table gives
/// the source of each row).
#[derive(Debug, Clone, Copy)]
pub struct ScalerNeed {
    /// The KEDA scaler type.
    pub scaler: &'static str,
    /// The trigger metadata key that names the resource.
    pub key: &'static str,
    pub provider: Provider,
    pub role: Role,
    pub who: Who,
    /// Why, beyond the scaler itself (`: reads the checkpoints`), for the rendered description.
    pub note: &'static str,
}

/// Per scaler, the Functions trigger's needs first, then KEDA's, in the order azfn renders them.
pub const SCALER_NEEDS: &[ScalerNeed] = &[
    need(
        "azure-queue",
        "accountName",
        Provider::StorageAccount,
        STORAGE_QUEUE_DATA_READER,
        Who::Trigger,
        "",
    ),
    need(
        "azure-queue",
        "accountName",
        Provider::StorageAccount,
        STORAGE_QUEUE_DATA_MESSAGE_PROCESSOR,
        Who::Trigger,
        "",
    ),
    need(
        "azure-queue",
        "accountName",
        Provider::StorageAccount,
        STORAGE_QUEUE_DATA_READER,
        Who::Keda,
        "",
    ),
    need(
        "azure-blob",
        "accountName",
        Provider::StorageAccount,
        STORAGE_BLOB_DATA_OWNER,
        Who::Trigger,
        "",
    ),
    need(
        "azure-blob",
        "accountName",
        Provider::StorageAccount,
        STORAGE_BLOB_DATA_READER,
        Who::Keda,
        "",
    ),
    need(
        "azure-servicebus",
        "namespace",
        Provider::ServiceBusNamespace,
        SERVICE_BUS_DATA_RECEIVER,
        Who::Trigger,
        "",
    ),
    need(
        "azure-servicebus",
        "namespace",
        Provider::ServiceBusNamespace,
        SERVICE_BUS_DATA_OWNER,
        Who::Keda,
        ": reads message counts (AKS KEDA guidance)",
    ),
    need(
        "azure-eventhub",
        "eventHubNamespace",
        Provider::EventHubsNamespace,
        EVENT_HUBS_DATA_RECEIVER,
        Who::Trigger,
        "",
    ),
    need(
        "azure-eventhub",
        "eventHubNamespace",
        Provider::EventHubsNamespace,
        EVENT_HUBS_DATA_RECEIVER,
        Who::Keda,
        "",
    ),
    need(
        "azure-eventhub",
        "storageAccountName",
        Provider::StorageAccount,
        STORAGE_BLOB_DATA_READER,
        Who::Keda,
        ": reads the checkpoints",
    ),
];

const fn need(
    scaler: &'static str,
    key: &'static str,
    provider: Provider,
    role: Role,
    who: Who,
    note: &'static str,
) -> ScalerNeed {
    ScalerNeed {
        scaler,
        key,
        provider,
        role,
        who,
        note,
    }
}

/// The needs of one scaler type, of one party.
pub fn needs_of(scaler: &str, who: Who) -> impl Iterator<Item = &'static ScalerNeed> + '_ {
    SCALER_NEEDS
        .iter()
        .filter(move |n| n.scaler == scaler && n.who == who)
}

/// The ARM ID of resource `name` of `provider` in a subscription and resource group.
pub fn resource_id(subscription: &str, group: &str, provider: Provider, name: &str) -> String {
    format!(
        "/subscriptions/{subscription}/resourceGroups/{group}/providers/{}/{name}",
        provider.path()
    )
}

/// The resource name in an endpoint: `stacct` of `https://stacct.queue.core.windows.net`,
/// `sb-x` of `sb-x.servicebus.windows.net`.
pub fn endpoint_resource(endpoint: &str) -> Option<&str> {
    let host = endpoint
        .split_once("://")
        .map_or(endpoint, |(_, rest)| rest)
        .split(['/', ':'])
        .next()?;
    let first = host.split('.').next()?;
    (!first.is_empty() && host.contains('.')).then_some(first)
}

/// How broad a role-assignment scope is: a subscription or a resource group (and not a
/// resource inside one).
pub fn broad_scope(scope: &str) -> Option<&'static str> {
    let parts: Vec<&str> = scope.trim_end_matches('/').split('/').collect();
    match parts.as_slice() {
        ["", s, _] if s.eq_ignore_ascii_case("subscriptions") => Some("a subscription"),
        ["", s, _, g, _]
            if s.eq_ignore_ascii_case("subscriptions")
                && g.eq_ignore_ascii_case("resourceGroups") =>
        {
            Some("a resource group")
        }
        [""] | ["", ""] => Some("the tenant root"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_unique_and_lower_case() {
        for (i, a) in ALL.iter().enumerate() {
            assert_eq!(a.guid, a.guid.to_ascii_lowercase());
            assert_eq!(a.guid.len(), 36, "{}", a.name);
            for b in &ALL[i + 1..] {
                assert_ne!(a.guid, b.guid, "{} and {}", a.name, b.name);
            }
        }
    }

    #[test]
    fn ids_and_endpoints() {
        assert_eq!(
            by_definition(
                "/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/8E3AF657-A8FF-443C-A75C-2FE8C4BCB635"
            ),
            Some(OWNER)
        );
        assert_eq!(
            endpoint_resource("https://stacct.queue.core.windows.net"),
            Some("stacct")
        );
        assert_eq!(
            endpoint_resource("sb-x.servicebus.windows.net"),
            Some("sb-x")
        );
        assert_eq!(
            endpoint_resource("https://cosmos.documents.azure.com:443/"),
            Some("cosmos")
        );
        assert_eq!(endpoint_resource("nohost"), None);
        assert_eq!(broad_scope("/subscriptions/s"), Some("a subscription"));
        assert_eq!(
            broad_scope("/subscriptions/s/resourceGroups/rg/"),
            Some("a resource group")
        );
        assert_eq!(
            broad_scope(&resource_id("s", "rg", Provider::KeyVault, "kv")),
            None
        );
    }
}
