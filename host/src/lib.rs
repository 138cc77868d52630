//! The `azfn` host: runs the azfn KRM function, compiled to WebAssembly, in a wasmtime sandbox.
//!
//! Modes:
//! - KRM (default): a ResourceList on stdin, a ResourceList on stdout (`kpt fn eval --exec azfn`,
//!   Kptfile `exec: azfn`, `kustomize build --enable-alpha-plugins --enable-exec`).
//! - Legacy kustomize exec plugin: argv[1] is the config file and `KUSTOMIZE_PLUGIN_CONFIG_STRING`
//!   is set (`kubectl kustomize --enable-alpha-plugins`); stdin and stdout are YAML streams.
//! - `azfn run --module X.wasm`: any WASI KRM function under the same sandbox.
//! - `azfn install-plugin`: lays out the legacy plugin for kustomize.
//! - `azfn serve`: the browser preview page, embedded, on loopback.
mod affected;
mod argocd;
mod build;
pub mod cache;
mod check;
pub mod cli;
mod explain;
mod identity;
mod inputs;
pub mod limits;
pub mod native;
mod parity;
mod parity_tree;
mod plugin;
mod policy_files;
mod policy_test;
mod render_out;
pub mod runner;
pub mod sandbox;
mod serve;
mod team_rules;
