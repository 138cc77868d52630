//! `azfn install-plugin`: the layout kustomize's legacy exec plugin loader looks up,
//! `<plugin home>/azfn.dev/v1alpha1/azfn/Azfn`.
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use azfn_core::config::{API_VERSION, CONFIG_KIND};

/// The plugin home kustomize searches, in its order.
fn default_home() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("KUSTOMIZE_PLUGIN_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("kustomize").join("plugin"));
    }
    match std::env::var_os("HOME") {
        Some(home) => Ok(PathBuf::from(home)
            .join(".config")
            .join("kustomize")
            .join("plugin")),
        None => bail!("no plugin home: pass --dir or set KUSTOMIZE_PLUGIN_HOME"),
    }
}

pub(crate) fn install(dir: Option<PathBuf>) -> Result<ExitCode> {
    let home = match dir {
        Some(dir) => dir,
        None => default_home()?,
    };
    let folder = home
        .join(API_VERSION)
        .join(CONFIG_KIND.to_ascii_lowercase());
    std::fs::create_dir_all(&folder).with_context(|| format!("create {}", folder.display()))?;
    let target = folder.join(CONFIG_KIND);
    let me = std::env::current_exe().context("locate the azfn binary")?;
    let tmp = folder.join(format!(".{CONFIG_KIND}.tmp{}", std::process::id()));
    std::fs::copy(&me, &tmp)
        .with_context(|| format!("copy {} to {}", me.display(), tmp.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))?;
    }
    std::fs::rename(&tmp, &target).with_context(|| format!("install {}", target.display()))?;
    println!("{}", target.display());
    eprintln!(
        "azfn: installed. List a config of kind {CONFIG_KIND} (apiVersion {API_VERSION}) under \
         `transformers:` and run: KUSTOMIZE_PLUGIN_HOME={} kubectl kustomize --enable-alpha-plugins DIR",
        home.display()
    );
    Ok(ExitCode::SUCCESS)
}
