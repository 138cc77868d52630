//! One file per rule.
pub mod azf000_suppression;
pub mod azf001_inline_secret;
pub mod azf002_image_tag;
pub mod azf003_resources;
pub mod azf005_host_storage;
pub mod azf006_host_id;
pub mod azf007_worker_runtime;
pub mod azf008_workload_identity;
pub mod azf009_keda_api_version;
pub mod azf010_http_scale_to_zero;
pub mod azf011_keda_scaler_type;
pub mod azf012_keda_references;
pub mod azf013_keda_metadata;
pub mod azf014_public_load_balancer;
pub mod azf015_hosting_mode;
#[cfg(test)]
pub(crate) mod test_support;
