//! Without the `rego` feature there is no engine: the page's lean module, loaded for every tree,
//! while the module with the engine is loaded only for trees holding `.rego` files. Every
//! policy is refused with [`RegoError::Unavailable`], never silently passed.
use super::{InputMode, PolicyFile, RegoError};
use crate::diagnostic::Diagnostic;
use crate::krm::Resource;

/// Compiled policies; none can exist in this build.
#[derive(Debug)]
pub struct Policies(std::convert::Infallible);

impl Policies {
    /// Refuses: this build has no engine.
    ///
    /// # Errors
    /// Always [`RegoError::Unavailable`].
    pub fn compile(_files: &[PolicyFile], _mode: InputMode) -> Result<Self, RegoError> {
        Err(RegoError::Unavailable)
    }

    /// The same policies with another step budget.
    #[must_use]
    pub fn with_steps(self, _steps: u64) -> Self {
        self
    }

    /// The rule sets found, as `package.rule` codes.
    pub fn codes(&self) -> Vec<String> {
        match self.0 {}
    }

    /// Runs every rule set over `resources`.
    ///
    /// # Errors
    /// None can happen: there are no policies to run.
    pub fn check(&mut self, _resources: &[Resource]) -> Result<Vec<Diagnostic>, RegoError> {
        match self.0 {}
    }
}
