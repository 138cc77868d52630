//! The compiled-module cache: the first run compiles and stores, later runs load, a corrupt
//! entry is replaced, and an unusable cache directory only costs speed.
use azfn_tests::{azfn_bin, run, scratch, text};
use std::path::Path;
use std::process::Command;

const INPUT: &[u8] = b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n";

fn run_with_cache(dir: &Path) -> std::process::Output {
    let mut cmd = Command::new(azfn_bin());
    cmd.env("AZFN_CACHE_DIR", dir);
    let out = run(&mut cmd, INPUT);
    assert!(out.status.success(), "{}", text(&out).1);
    assert_eq!(
        out.stdout, INPUT,
        "a clean ResourceList comes back unchanged"
    );
    out
}

fn entries(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn first_run_stores_and_later_runs_reuse_the_compiled_module() {
    let dir = scratch("cache-reuse").join("cache");
    run_with_cache(&dir);
    let files = entries(&dir);
    assert_eq!(files.len(), 1, "one artifact: {files:?}");
    assert!(files[0].extension().is_some_and(|e| e == "cwasm"));
    let stored = std::fs::metadata(&files[0]).unwrap().modified().unwrap();
    run_with_cache(&dir);
    assert_eq!(entries(&dir), files, "no new entry, no temp files left");
    assert_eq!(
        std::fs::metadata(&files[0]).unwrap().modified().unwrap(),
        stored,
        "reused, not rewritten"
    );
}

#[test]
fn a_corrupt_entry_is_recompiled_and_replaced() {
    let dir = scratch("cache-corrupt").join("cache");
    run_with_cache(&dir);
    let entry = entries(&dir).remove(0);
    let good = std::fs::read(&entry).unwrap();
    std::fs::write(&entry, &good[..good.len() / 3]).unwrap();
    run_with_cache(&dir);
    assert_eq!(
        std::fs::read(&entry).unwrap(),
        good,
        "the entry was rebuilt"
    );
    std::fs::write(&entry, b"not an artifact").unwrap();
    run_with_cache(&dir);
    assert_eq!(std::fs::read(&entry).unwrap(), good);
}

#[test]
fn an_unwritable_cache_directory_still_runs() {
    let file = scratch("cache-unwritable").join("a-file");
    std::fs::write(&file, b"").unwrap();
    // A directory cannot be created below a regular file.
    run_with_cache(&file.join("cache"));
}
