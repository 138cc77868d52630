//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`, minimized by `cargo fuzz cmin`,
//! crashes found on the way included) through the same target bodies the fuzzers run: every
//! input that once found a bug, or new coverage, stays a regression test in `make test`.
use std::time::{Duration, Instant};

use azfn_tests::fuzz::TARGETS;
use azfn_tests::workspace;

#[test]
fn every_target_replays_its_corpus() {
    let root = workspace().join("fuzz/corpus");
    let mut counts = Vec::new();
    for (name, body) in TARGETS {
        let dir = root.join(name);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: the corpus of {name} is missing: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{}: an empty corpus", dir.display());
        for file in &files {
            let data = std::fs::read(file).unwrap();
            let started = Instant::now();
            let outcome = std::panic::catch_unwind(|| body(&data));
            assert!(outcome.is_ok(), "{name}: {} panics", file.display());
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{name}: {} took {:?}",
                file.display(),
                started.elapsed()
            );
        }
        counts.push(format!("{name}: {}", files.len()));
    }
    eprintln!("replayed {}", counts.join(", "));
}
