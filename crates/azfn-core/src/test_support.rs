//! What the core's unit tests share: the example app, compiled in (the core reads no files).
use crate::source::MemorySource;

/// The repository's example app (`examples/orders`) as a tree.
pub(crate) fn example() -> MemorySource {
    macro_rules! files {
        ($($path:literal),* $(,)?) => {{
            let mut source = MemorySource::new();
            $(source.insert($path, include_str!(concat!("../../../examples/orders/", $path)));)*
            source
        }};
    }
    files!(
        "base/functionapp.yaml",
        "base/kustomization.yaml",
        "overlays/broken/azfn.yaml",
        "overlays/broken/inline-connection-string.yaml",
        "overlays/broken/kustomization.yaml",
        "overlays/dev/azfn.yaml",
        "overlays/dev/kustomization.yaml",
        "overlays/prod-eu/azfn.yaml",
        "overlays/prod-eu/kustomization.yaml",
        "overlays/prod/azfn.yaml",
        "overlays/prod/functionapp.yaml",
        "overlays/prod/kustomization.yaml",
        "overlays/test/azfn.yaml",
        "overlays/test/functionapp.yaml",
        "overlays/test/kustomization.yaml",
        "parity.yaml",
    )
}
