//! One file per rule, each listed once here: the list declares the module and registers the
//! rule, in code order.

/// Declares each rule's module and the registry of all of them.
macro_rules! rules {
    ($($module:ident :: $rule:ident),* $(,)?) => {
        $(pub mod $module;)*

        /// Every rule, in code order.
        pub(crate) static ALL: &[&dyn super::Rule] = &[$(&$module::$rule),*];

        /// Each rule's module, as `ALL` lists them.
        #[cfg(test)]
        static MODULES: &[&str] = &[$(stringify!($module)),*];
    };
}

rules! {
    azf000_suppression::Suppression,
    azf001_inline_secret::InlineSecret,
    azf002_image_tag::ImageTag,
    azf003_resources::Resources,
    azf004_probes::Probes,
    azf005_host_storage::HostStorage,
    azf006_host_id::HostId,
    azf007_worker_runtime::WorkerRuntime,
    azf008_workload_identity::WorkloadIdentity,
    azf009_keda_api_version::KedaApiVersion,
    azf010_http_scale_to_zero::HttpScaleToZero,
    azf011_keda_scaler_type::KedaScalerType,
    azf012_keda_references::KedaReferences,
    azf013_keda_metadata::KedaMetadata,
    azf014_public_load_balancer::PublicLoadBalancer,
    azf015_hosting_mode::HostingMode,
    azf016_keda_cron::KedaCron,
    azf017_rbac::Rbac,
    azf018_csi_secret_at_zero::CsiSecretAtZero,
    azf019_keda_cloud::KedaCloud,
    azf020_null_setting::NullSetting,
    azf021_host_version::HostVersion,
    azf022_federated_subject::FederatedSubject,
    azf023_missing_credential::MissingCredential,
    azf024_keda_credential::KedaCredential,
    azf025_credential_limit::CredentialLimit,
    azf026_broad_role::BroadRole,
    azf027_ungranted_trigger::UngrantedTrigger,
}

#[cfg(test)]
pub(crate) mod test_support;

#[cfg(test)]
mod tests {
    /// Codes are unique, in order, and match the module they live in.
    #[test]
    fn codes_are_unique_ordered_and_match_their_files() {
        let codes: Vec<&str> = super::ALL.iter().map(|r| r.code()).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(codes, sorted);
        for (code, module) in codes.iter().zip(super::MODULES) {
            assert!(
                module.starts_with(&format!("{}_", code.to_ascii_lowercase())),
                "{code} lives in {module}"
            );
        }
    }
}
