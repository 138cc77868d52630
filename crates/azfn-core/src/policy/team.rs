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
        // Taken out while in use, so a nested check compiles its own. Found by comparing with
        // the config's files: a folder's texts are cloned only when it is compiled.
        let cached = COMPILED.with(|c| {
            let mut compiled = c.borrow_mut();
            let at = compiled
                .iter()
                .position(|((input, files), _)| *input == p.input && *files == p.files)?;
            Some(compiled.remove(at))
        });
        let (key, policies) = if let Some(entry) = cached {
            entry
        } else {
            let files: Vec<crate::rego::PolicyFile> = p
                .files
                .iter()
                .map(|(path, text)| crate::rego::PolicyFile {
                    path: path.clone(),
                    text: text.clone(),
                })
                .collect();
            let policies = crate::rego::Policies::compile(&files, p.input)?;
            ((p.input, p.files.clone()), policies)
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
