//! `azfn build DIR`: the overlay renderer of azfn-core over the disk, printing what
//! `kubectl kustomize DIR` prints.
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use azfn_core::overlay::{BuildOptions, LoadRestrictor, Reorder};
use azfn_core::source::{FileSource, SourceError};

/// The disk as a [`FileSource`] rooted at `/`: core paths are absolute paths without the
/// leading slash, so messages show real paths.
///
/// It remembers the real path of each folder it resolved a file in, for this build only: a
/// file that is not itself a symbolic link resolves to its folder's real path and its name,
/// one `lstat` instead of a `readlink` for every component of the path.
#[derive(Default)]
pub(crate) struct DiskSource {
    folders: std::sync::Mutex<
        std::collections::BTreeMap<std::path::PathBuf, Option<std::path::PathBuf>>,
    >,
}

impl DiskSource {
    /// `full` with every symbolic link resolved (`std::fs::canonicalize`), `None` when it
    /// does not exist.
    fn real_path(&self, path: &str, full: &Path) -> Option<std::path::PathBuf> {
        let plain = path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..");
        let (Some(folder), Some(name)) = (full.parent(), full.file_name()) else {
            return std::fs::canonicalize(full).ok();
        };
        if !plain
            || std::fs::symlink_metadata(full)
                .ok()?
                .file_type()
                .is_symlink()
        {
            return std::fs::canonicalize(full).ok();
        }
        let mut folders = self
            .folders
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let real = folders
            .entry(folder.to_path_buf())
            .or_insert_with(|| std::fs::canonicalize(folder).ok());
        Some(real.as_ref()?.join(name))
    }
}

fn disk_path(path: &str) -> std::path::PathBuf {
    Path::new("/").join(path)
}

/// A path as [`DiskSource`] names it (from `/`, without the leading slash).
pub(crate) fn relative(path: &Path) -> String {
    path.to_string_lossy().trim_start_matches('/').to_owned()
}

/// A file the core names (`/work/app/overlays/prod/x.yaml`) as the user would type it:
/// relative to where azfn runs, when it lies below.
pub(crate) fn from_cwd() -> impl Fn(&str) -> String {
    let cwd = format!("{}/", std::env::current_dir().unwrap_or_default().display());
    move |file: &str| file.strip_prefix(&cwd).unwrap_or(file).to_owned()
}

impl FileSource for DiskSource {
    fn read(&self, path: &str) -> Result<Vec<u8>, SourceError> {
        let full = disk_path(path);
        if full.is_dir() {
            return Err(SourceError::NotFound(path.to_owned()));
        }
        let bytes = std::fs::read(&full).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => SourceError::NotFound(path.to_owned()),
            _ => SourceError::Other {
                path: format!("/{path}"),
                message: e.to_string(),
            },
        })?;
        crate::native::count_read(&format!("/{path}"), bytes.len()).map_err(|message| {
            SourceError::Other {
                path: format!("/{path}"),
                message,
            }
        })?;
        Ok(bytes)
    }

    fn list(&self, dir: &str) -> Result<Vec<String>, SourceError> {
        list_dir(&disk_path(dir), dir, &format!("/{dir}"))
    }

    fn resolve(&self, path: &str) -> Result<String, SourceError> {
        // A file that does not exist yet resolves through its parent.
        let full = disk_path(path);
        match self.real_path(path, &full) {
            Some(real) => Ok(relative(&real)),
            None => Ok(path.to_owned()),
        }
    }
}

/// The sorted entry names of the folder `real`; errors name it as `shown` (`NotFound` as `dir`).
pub(crate) fn list_dir(real: &Path, dir: &str, shown: &str) -> Result<Vec<String>, SourceError> {
    let entries = std::fs::read_dir(real).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => SourceError::NotFound(dir.to_owned()),
        _ => SourceError::Other {
            path: shown.to_owned(),
            message: e.to_string(),
        },
    })?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

/// Runs `azfn build`.
/// The kustomization directory as the build names it (relative to the root), or `None` after
/// saying on stderr why it cannot be opened.
pub(crate) fn kustomization_root(dir: &Path) -> Option<String> {
    match std::fs::canonicalize(dir) {
        Ok(absolute) => Some(relative(&absolute)),
        Err(e) => {
            eprintln!(
                "Error: {}: cannot open the kustomization directory: {e}",
                dir.display()
            );
            None
        }
    }
}

pub(crate) fn run(
    dir: &Path,
    reorder: Reorder,
    load_restrictor: LoadRestrictor,
    policies: &[std::path::PathBuf],
) -> Result<ExitCode> {
    let team = crate::team_rules::config(policies, "--policy")?;
    let Some(root) = kustomization_root(dir) else {
        return Ok(ExitCode::from(1));
    };
    let options = BuildOptions {
        reorder,
        load_restrictor,
        ..crate::inputs::consent().build_options()
    };
    let values = match azfn_core::overlay::build(&DiskSource::default(), &root, &options) {
        Ok(values) => values,
        Err(e) => {
            eprintln!("Error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    if let Some(team) = &team {
        let verdict = crate::team_rules::check(&values, &root, &options, team)?;
        eprint!("{}", verdict.text);
        if verdict.errors > 0 {
            eprintln!(
                "Error: {}: the team's policies found {} error{}; nothing written",
                dir.display(),
                verdict.errors,
                if verdict.errors == 1 { "" } else { "s" }
            );
            return Ok(ExitCode::from(1));
        }
    }
    let yaml = azfn_core::yaml::to_kustomize_stream(&values);
    crate::native::output_begins();
    std::io::stdout().write_all(yaml.as_bytes())?;
    // The process ends next and the system takes the memory back at once: freeing a
    // thousand resources value by value first cost 6% of the build.
    std::mem::forget(values);
    std::mem::forget(yaml);
    Ok(ExitCode::SUCCESS)
}
