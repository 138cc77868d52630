//! The subset YAML reader (azfn_core::yaml, `subset.rs`) against serde_yaml on every YAML file
//! of kustomize's conformance cases, the examples and the test fixtures: where it reads a file,
//! it reads what serde_yaml reads; and it reads most of them, or it would save nothing.
use std::path::{Path, PathBuf};

use azfn_tests::workspace;

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: cannot list: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

#[test]
fn the_subset_reader_reads_what_serde_yaml_reads_and_most_files() {
    let roots = [
        workspace().join("../shared/conformance/kustomize"),
        workspace().join("examples"),
        workspace().join("tests/fixtures"),
    ];
    let mut files = Vec::new();
    for root in &roots {
        assert!(root.is_dir(), "{}: missing", root.display());
        yaml_files(root, &mut files);
    }
    assert!(files.len() > 1000, "only {} YAML files found", files.len());
    let (mut valid, mut read) = (0, 0);
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for lenient in [false, true] {
            let (subset, serde_yaml) = azfn_core::yaml::both_readers(&text, lenient);
            if !lenient && serde_yaml.is_some() {
                valid += 1;
                read += usize::from(subset.is_some());
            }
            if let Some(subset) = subset {
                assert_eq!(
                    Some(subset),
                    serde_yaml,
                    "{}: the subset reader differs from serde_yaml (lenient: {lenient})",
                    file.display()
                );
            }
        }
    }
    eprintln!("the subset reader read {read} of the {valid} files serde_yaml reads");
    assert!(
        read * 10 >= valid * 9,
        "the subset reader read only {read} of the {valid} files serde_yaml reads"
    );
    // The benchmark's resources are all in the subset.
    let list = azfn_tests::workload::resource_list(8);
    assert!(azfn_core::yaml::both_readers(&list, false).0.is_some());
}
