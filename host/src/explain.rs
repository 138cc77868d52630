//! `azfn explain DIR 'Kind/name:field'`: builds DIR with azfn's renderer, recording which file
//! and line set each field, and prints the chain for the fields asked about.
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::build::DiskSource;

/// How `azfn explain` prints its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

/// Runs `azfn explain`.
pub(crate) fn run(dir: &Path, query: &str, format: Format) -> Result<ExitCode> {
    let absolute = std::fs::canonicalize(dir)
        .with_context(|| format!("cannot open the kustomization directory {}", dir.display()))?;
    let root = crate::build::relative(&absolute);
    // Findings do not stop the answer: explaining where a failing value comes from is the point.
    let options = azfn_core::overlay::BuildOptions::default().with_transformer(
        azfn_core::function::AzfnTransformer {
            findings: azfn_core::function::FindingSink::collecting(),
            ..crate::inputs::consent().transformer()
        },
    );
    let fields = match azfn_core::explain::explain(&DiskSource::default(), &root, &options, query) {
        Ok(fields) => fields,
        Err(e) => {
            eprintln!("Error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let shown = crate::build::from_cwd();
    crate::native::output_begins();
    match format {
        Format::Text => print!("{}", azfn_core::explain::text(&fields, &shown)),
        Format::Json => {
            let mut value = serde_json::to_value(&fields)?;
            relative_files(&mut value, &shown);
            println!("{}", serde_json::to_string_pretty(&value)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Every `file` in the JSON answer as the user would type it.
fn relative_files(value: &mut serde_json::Value, shown: &dyn Fn(&str) -> String) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match v {
                    serde_json::Value::String(s) if key == "file" => *s = shown(s),
                    other => relative_files(other, shown),
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                relative_files(item, shown);
            }
        }
        _ => {}
    }
}
