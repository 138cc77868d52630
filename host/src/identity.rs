//! `azfn identity DIR`: the Azure half of workload identity in a build, as data for teams that
//! manage Azure with Terraform, Bicep or `az` (JSON, an `az` script, or Terraform resources).
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use azfn_core::functionapp::azure_facts;

use crate::build::DiskSource;

/// How `azfn identity` prints the facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    Json,
    Az,
    Terraform,
}

/// Runs `azfn identity`.
pub(crate) fn run(dir: &Path, format: Format) -> Result<ExitCode> {
    let Some(root) = crate::build::kustomization_root(dir) else {
        return Ok(ExitCode::from(1));
    };
    let options = crate::inputs::consent().build_options();
    let objects = match azfn_core::overlay::build(&DiskSource::default(), &root, &options) {
        Ok(objects) => objects,
        Err(e) => {
            eprintln!("Error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let facts = azure_facts::facts(&objects);
    if facts.credentials.is_empty() && facts.assignments.is_empty() && facts.identities.is_empty() {
        eprintln!(
            "Error: {}: the build has no Azure identity objects (set `identity.azure` in a FunctionApp)",
            dir.display()
        );
        return Ok(ExitCode::from(1));
    }
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&facts)? + "\n",
        Format::Az => azure_facts::az_script(&facts),
        Format::Terraform => azure_facts::terraform(&facts),
    };
    crate::native::output_begins();
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}
