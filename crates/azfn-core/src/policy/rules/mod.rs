//! One file per rule.
pub mod azf000_suppression;
pub mod azf001_inline_secret;
pub mod azf002_image_tag;
pub mod azf003_resources;
pub mod azf004_probes;
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
pub mod azf016_keda_cron;
pub mod azf017_rbac;
pub mod azf018_csi_secret_at_zero;
pub mod azf019_keda_cloud;
pub mod azf020_null_setting;
pub mod azf021_host_version;
#[cfg(test)]
pub(crate) mod test_support;
