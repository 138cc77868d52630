//! The core's concern modules form layers: no module reaches one that reaches back, and the
//! overlay renderer knows no part of azfn (its transformers come in through a trait). Read from
//! the source, so a new `use` that breaks a layer fails here with the cycle spelled out.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn core_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/azfn-core/src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the core's sources are readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The concern module a file belongs to: `overlay/patch.rs` -> `overlay`, `text.rs` -> `text`.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("under src");
    let first = relative
        .components()
        .next()
        .expect("a path")
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

/// The modules each module names as `crate::x` (in `use` lists too), comments left out.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = core_src();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(
        files.len() > 50,
        "expected the core's sources at {}, found {} files",
        src.display(),
        files.len()
    );
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let module = module_of(&src, &file);
        if module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable source");
        let deps = graph.entry(module.clone()).or_default();
        for line in text.lines() {
            let code = line.split("//").next().unwrap_or_default();
            let mut rest = code;
            while let Some(at) = rest.find("crate::") {
                rest = &rest[at + "crate::".len()..];
                let names: Vec<&str> = if let Some(list) = rest.strip_prefix('{') {
                    let end = list.find('}').unwrap_or(list.len());
                    list[..end]
                        .split(',')
                        .map(|n| n.trim().split("::").next().unwrap_or_default())
                        .collect()
                } else {
                    vec![
                        rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                            .next()
                            .unwrap_or_default(),
                    ]
                };
                for name in names {
                    if !name.is_empty()
                        && name != module
                        && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    {
                        deps.insert(name.to_owned());
                    }
                }
            }
        }
    }
    graph
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, graph, &mut Vec::new(), &mut done) {
            return Some(cycle);
        }
    }
    None
}

#[test]
fn the_core_modules_have_no_import_cycle() {
    let graph = imports();
    for expected in [
        "overlay",
        "parity",
        "function",
        "functionapp",
        "policy",
        "report",
    ] {
        assert!(
            graph.contains_key(expected),
            "module {expected} not found: {graph:?}"
        );
    }
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "import cycle between the core's modules: {}",
            cycle.join(" -> ")
        );
    }
}

#[test]
fn the_overlay_renderer_knows_no_part_of_azfn() {
    let graph = imports();
    let overlay = &graph["overlay"];
    let allowed: BTreeSet<&str> = ["source", "text", "yaml", "error", "fieldpath"].into();
    let foreign: Vec<&String> = overlay
        .iter()
        .filter(|m| !allowed.contains(m.as_str()))
        .collect();
    assert!(
        foreign.is_empty(),
        "overlay imports {foreign:?}; it may use only {allowed:?} (azfn's transformer comes in through overlay::Transformer)"
    );
}

#[test]
fn the_checker_finds_a_cycle_when_there_is_one() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    graph.entry("a".into()).or_default().insert("b".into());
    graph.entry("b".into()).or_default().insert("c".into());
    graph.entry("c".into()).or_default().insert("a".into());
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    graph.get_mut("c").unwrap().clear();
    assert_eq!(find_cycle(&graph), None);
}
