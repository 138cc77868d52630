//! `azfn check --affected FILE...`: what a set of changed files (as pre-commit passes them)
//! affects. A patch or a fragment of an overlay is not a manifest on its own; the builds that
//! read it are. So every kustomization below the working directory is built, and each one
//! that reads a changed file is checked; a changed file no build reads is checked as it is.
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use azfn_core::source::{FileSource, SourceError};

use crate::build::{DiskSource, relative};

/// The disk, remembering every file a build read.
#[derive(Default)]
pub(crate) struct Recording {
    read: RefCell<BTreeSet<String>>,
    disk: DiskSource,
}

impl Recording {
    /// The files read so far, as the build names them.
    pub(crate) fn files_read(self) -> BTreeSet<String> {
        self.read.into_inner()
    }
}

impl FileSource for Recording {
    fn read(&self, path: &str) -> Result<Vec<u8>, SourceError> {
        self.read.borrow_mut().insert(path.to_owned());
        self.disk.read(path)
    }

    fn list(&self, dir: &str) -> Result<Vec<String>, SourceError> {
        self.disk.list(dir)
    }

    fn resolve(&self, path: &str) -> Result<String, SourceError> {
        self.disk.resolve(path)
    }
}

/// What to check for a set of changed files.
pub(crate) struct Affected {
    /// Kustomization folders whose build reads a changed file (a manifest, a patch, or a
    /// `.rego` file of the policies its config names).
    pub builds: Vec<AffectedBuild>,
    /// Changed manifests no build reads: checked as they are. (A changed `.rego` file no
    /// build's config names is left out: it is not a manifest.)
    pub files: Vec<PathBuf>,
}

/// One affected build.
pub(crate) struct AffectedBuild {
    /// The kustomization folder, as given below the working directory.
    pub dir: PathBuf,
    /// Its build, or the error that stopped it.
    pub built: Result<String>,
    /// The policies its own Azfn config runs (files read), to check its build with.
    pub policies: Vec<azfn_core::config::PolicyConfig>,
}

/// Builds every kustomization below `root` and sorts the `changed` files into the builds
/// that read them and the files no build reads. A build that fails is kept (with its error)
/// only when it had read a changed file before it stopped, or its folder holds one.
pub(crate) fn affected(root: &Path, changed: &[PathBuf]) -> Result<Affected> {
    let mut wanted = BTreeSet::new();
    for file in changed {
        if !file.is_file() {
            bail!("{}: no such file", file.display());
        }
        let real = std::fs::canonicalize(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        wanted.insert(relative(&real));
    }
    let mut dirs = Vec::new();
    kustomizations(root, &mut dirs)?;
    let (options, sink) = crate::inputs::consent().lenient_build_options();
    let mut builds = Vec::new();
    let mut reached = BTreeSet::new();
    for dir in dirs {
        let at = relative(
            &std::fs::canonicalize(&dir)
                .with_context(|| format!("cannot read {}", dir.display()))?,
        );
        let source = Recording::default();
        let (built, rego_read) = crate::policy_files::recording(|| {
            azfn_core::overlay::build_yaml(&source, &at, &options).map_err(|e| e.to_string())
        });
        let collected = sink.take();
        let built = match (built, crate::inputs::spec_errors_in(&collected)) {
            (Ok(_), Some(errors)) => Err(errors),
            (built, _) => built,
        };
        let mut files_read = source.files_read();
        files_read.extend(rego_read);
        let hits: Vec<&String> = wanted.intersection(&files_read).collect();
        let holds_one = wanted.iter().any(|w| w.starts_with(&format!("{at}/")));
        if hits.is_empty() && !(built.is_err() && holds_one) {
            continue;
        }
        reached.extend(hits.into_iter().cloned());
        let shown = match dir.strip_prefix(root) {
            Ok(below) if !below.as_os_str().is_empty() => below.to_path_buf(),
            _ => dir.clone(),
        };
        let built = built.map_err(|e| {
            anyhow::anyhow!("{}: cannot build the kustomization: {e}", shown.display())
        });
        builds.push(AffectedBuild {
            dir: shown,
            built,
            policies: collected.config.map(|c| c.policies).unwrap_or_default(),
        });
    }
    for file in changed.iter().filter(|f| is_rego(f)) {
        if std::fs::canonicalize(file).is_ok_and(|real| !reached.contains(&relative(&real))) {
            eprintln!(
                "azfn: {}: no build's Azfn config names this policy's folder (spec.policies); `azfn policy test` tests it",
                file.display()
            );
        }
    }
    let files = changed
        .iter()
        .filter(|file| {
            std::fs::canonicalize(file).is_ok_and(|real| !reached.contains(&relative(&real)))
                && !is_rego(file)
        })
        .cloned()
        .collect();
    Ok(Affected { builds, files })
}

/// Whether `file` is a Rego policy (`.rego`): a policy's source, never a manifest.
fn is_rego(file: &Path) -> bool {
    file.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("rego"))
}

/// Folders below `dir` holding a kustomization, sorted; hidden folders and symbolic links
/// are not followed.
pub(crate) fn kustomizations(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    if crate::check::is_kustomization(dir) {
        out.push(dir.to_path_buf());
    }
    let mut entries: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if !hidden && entry.file_type().is_ok_and(|t| t.is_dir()) {
            kustomizations(&entry.path(), out)?;
        }
    }
    Ok(())
}

/// The ParityPolicy files below `root` that `changed` files affect: a policy is affected when
/// it changed itself or a changed file lies in its folder (where its base and overlays live).
/// A changed folder stands for everything in it: `.` runs every policy.
pub(crate) fn parity_policies(root: &Path, changed: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut wanted = BTreeSet::new();
    for file in changed {
        let real = std::fs::canonicalize(file)
            .with_context(|| format!("{}: no such file", file.display()))?;
        wanted.insert(real);
    }
    let mut files = Vec::new();
    yaml_files(root, &mut files)?;
    let mut policies = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        if !is_parity_policy(&text) {
            continue;
        }
        let real = std::fs::canonicalize(&file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let folder = real.parent().unwrap_or(Path::new("/"));
        if wanted
            .iter()
            .any(|w| *w == real || w.starts_with(folder) || (w.is_dir() && real.starts_with(w)))
        {
            policies.push(file.strip_prefix(root).unwrap_or(&file).to_path_buf());
        }
    }
    Ok(policies)
}

/// Whether the first document's top-level `kind` is ParityPolicy (a cheap look, before the
/// policy is read in full).
pub(crate) fn is_parity_policy(text: &str) -> bool {
    text.split("\n---")
        .next()
        .unwrap_or_default()
        .lines()
        .any(|line| line.trim_end() == "kind: ParityPolicy")
}

/// YAML files below `dir`, sorted; hidden folders and symbolic links are not followed.
fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        if kind.is_dir() {
            yaml_files(&entry.path(), out)?;
        } else if kind.is_file()
            && Path::new(&name)
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
        {
            out.push(entry.path());
        }
    }
    Ok(())
}
