//! The scenario crate's errors: each names the file or input, what is wrong and what to do.

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("deployment {source_name}: {problem}")]
    Deployment {
        source_name: String,
        problem: String,
    },
    #[error("calls {source_name} line {line}: {problem}")]
    Calls {
        source_name: String,
        line: u64,
        problem: String,
    },
    #[error("the {profile} graph has only {nodes} nodes, fewer than the {wanted} workstations asked for; use a larger extract or fewer workstations")]
    GraphTooSmall {
        profile: roadnet::Profile,
        nodes: usize,
        wanted: usize,
    },
    #[error("a deployment needs {what} between {min} and {max}, got {got}")]
    OutOfRange {
        what: &'static str,
        min: usize,
        max: usize,
        got: usize,
    },
    #[error("cannot build the jurisdiction tree of deployment '{deployment}': {problem}")]
    Jurisdictions { deployment: String, problem: String },
    #[error(transparent)]
    MissingProfile(#[from] roadnet::MissingProfile),
}
