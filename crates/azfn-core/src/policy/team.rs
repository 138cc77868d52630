//! The team's Rego policy folders, compiled once and kept for the next check: one render runs
//! the same folder in every build that includes its config, and the page renders again on
//! every key press.
use crate::config::Config;

/// A team's policy folder as compiled: its input mode and files.
type TeamKey = (
    crate::config::InputMode,
    std::collections::BTreeMap<String, String>,
);

/// Policy folders kept compiled, with what they evaluated.
const COMPILED_KEPT: usize = 4;

thread_local! {
    static COMPILED: std::cell::RefCell<Vec<(TeamKey, crate::rego::Policies)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` with the compiled policies of `config`, compiling only folders not compiled lately.
pub(super) fn with_team<R>(
    config: &Config,
    f: impl FnOnce(&mut [crate::rego::Policies]) -> R,
) -> Result<R, crate::rego::RegoError> {
    if let Some((i, empty)) = config
        .policies
        .iter()
        .enumerate()
        .find(|(_, p)| p.files.is_empty())
    {
        return Err(crate::rego::RegoError::Empty(format!(
            "spec.policies[{i}]: no .rego files were passed in for {}: the azfn host reads the folder (run the function through `azfn`), and the folder must hold .rego files",
            empty.path
        )));
    }
    let mut keys = Vec::with_capacity(config.policies.len());
    let mut team = Vec::with_capacity(config.policies.len());
    for p in &config.policies {
        let key: TeamKey = (p.input, p.files.clone());
        // Taken out while in use, so a nested check compiles its own.
        let cached = COMPILED.with(|c| {
            let mut compiled = c.borrow_mut();
            let at = compiled.iter().position(|(k, _)| *k == key)?;
            Some(compiled.remove(at).1)
        });
        let policies = if let Some(policies) = cached {
            policies
        } else {
            let files: Vec<crate::rego::PolicyFile> = p
                .files
                .iter()
                .map(|(path, text)| crate::rego::PolicyFile {
                    path: path.clone(),
                    text: text.clone(),
                })
                .collect();
            crate::rego::Policies::compile(&files, p.input)?
        };
        keys.push(key);
        team.push(policies);
    }
    let result = f(&mut team);
    COMPILED.with(|c| {
        let mut compiled = c.borrow_mut();
        compiled.extend(keys.into_iter().zip(team));
        let excess = compiled.len().saturating_sub(COMPILED_KEPT);
        compiled.drain(..excess);
    });
    Ok(result)
}

#[cfg(all(test, feature = "rego"))]
mod tests;
