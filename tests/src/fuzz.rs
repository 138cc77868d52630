//! The bodies of azfn's fuzz targets (`fuzz/`, cargo-fuzz), shared with the test that replays
//! the committed corpus in `make test` (`tests/tests/fuzz_corpus.rs`). Each takes any bytes and
//! must return: an error is a fine answer, a panic, a hang or unbounded memory is a bug. Where
//! a property is cheap to state, it is asserted too.
use azfn_core::function::{AzfnTransformer, FindingSink};
use azfn_core::overlay::{BuildOptions, Reorder};
use azfn_core::source::MemorySource;
use azfn_core::yaml::{self, Limits, Value};

/// A target's body.
pub type Target = fn(&[u8]);

/// Every target, by the name of its corpus folder.
pub const TARGETS: &[(&str, Target)] = &[
    ("text", text),
    ("yaml", yaml),
    ("resource_list", resource_list),
    ("rules", rules),
    ("functionapp", functionapp),
    ("overlay", overlay),
    ("patch", patch),
    ("parity", parity),
    ("rego", rego),
];

/// Inputs larger than this are cut: the size limits are tested on their own, and the fuzzers
/// should spend their time on shapes, not on length.
const MAX_INPUT: usize = 64 << 10;

fn text_of(data: &[u8]) -> Option<String> {
    let data = &data[..data.len().min(MAX_INPUT)];
    azfn_core::text::decode(data)
        .ok()
        .map(std::borrow::Cow::into_owned)
}

/// Decoding: UTF-8 (BOM or not) and UTF-16 with a BOM; a decoded text re-encodes to itself.
pub fn text(data: &[u8]) {
    if let Ok(decoded) = azfn_core::text::decode(data)
        && !data.starts_with(&[0xFF, 0xFE])
        && !data.starts_with(&[0xFE, 0xFF])
    {
        assert!(data.ends_with(decoded.as_bytes()));
    }
}

/// Parsing and both writers; what a writer writes parses again. The subset reader reads
/// what it accepts as serde_yaml does.
pub fn yaml(data: &[u8]) {
    let Some(text) = text_of(data) else { return };
    for lenient in [false, true] {
        if let (Some(subset), serde_yaml) = yaml::both_readers(&text, lenient) {
            assert_eq!(
                Some(subset),
                serde_yaml,
                "the subset reader differs from serde_yaml (lenient: {lenient})"
            );
        }
    }
    let Ok(docs) = yaml::parse_documents(&text, "fuzz.yaml", Limits::default()) else {
        return;
    };
    // The event-level line reader provenance uses: never a line past the end of the text,
    // counted as YAML counts lines (`\r\n`, `\r` and `\n` each end one).
    let last = text.replace("\r\n", "\n").split(['\r', '\n']).count();
    for lines in yaml::lines::index(&text).into_iter().flatten() {
        assert!(
            (1..=last + 1).contains(&lines.start),
            "a document starts at line {} of {last}",
            lines.start
        );
    }
    let plain = yaml::to_stream(docs.iter());
    yaml::parse_documents(&plain, "written", Limits::default())
        .unwrap_or_else(|e| panic!("azfn's writer wrote YAML it cannot read: {e}\n{plain}"));
    let mappings: Vec<Value> = docs.into_iter().filter(Value::is_mapping).collect();
    let kustomize = yaml::to_kustomize_stream(mappings.iter());
    yaml::parse_documents(&kustomize, "written", Limits::default()).unwrap_or_else(|e| {
        panic!("the kustomize writer wrote YAML it cannot read: {e}\n{kustomize}")
    });
}

/// The KRM function end to end: ResourceList parsing, config, FunctionApp rendering, rules.
pub fn resource_list(data: &[u8]) {
    let Some(text) = text_of(data) else { return };
    if let Ok(out) = azfn_core::process_resource_list(&text, "fuzz") {
        // Whatever it wrote is a ResourceList again.
        azfn_core::krm::ResourceList::parse(&out.yaml, "output", Limits::default())
            .unwrap_or_else(|e| panic!("the function wrote an unreadable ResourceList: {e}"));
    }
}

/// The policy rules over any stream of objects, with the default settings.
pub fn rules(data: &[u8]) {
    let Some(text) = text_of(data) else { return };
    let Ok(items) = azfn_core::krm::items_from_stream(&text, "fuzz", Limits::default()) else {
        return;
    };
    let codes = azfn_core::policy::codes();
    let Ok(config) = azfn_core::config::Config::from_function_config(None, "fuzz", &codes) else {
        return;
    };
    let _ = azfn_core::policy::check(&items, &config);
}

/// FunctionApp rendering: the input is one FunctionApp's YAML, wrapped in a ResourceList.
pub fn functionapp(data: &[u8]) {
    let Some(text) = text_of(data) else { return };
    let Ok(docs) = yaml::parse_documents(&text, "fuzz", Limits::default()) else {
        return;
    };
    let items: Vec<Value> = docs.into_iter().filter(Value::is_mapping).collect();
    let mut list = Value::Mapping(yaml::Mapping::new());
    list["apiVersion"] = "config.kubernetes.io/v1".into();
    list["kind"] = "ResourceList".into();
    list["items"] = Value::Sequence(items);
    let Ok(mut list) = azfn_core::krm::ResourceList::from_value(list, "fuzz") else {
        return;
    };
    let _ = azfn_core::functionapp::transform(&mut list, "fuzz");
}

/// Splits `text` into files at lines `=== path`; text before the first marker is
/// `kustomization.yaml`.
pub fn tree_of(text: &str) -> MemorySource {
    let mut source = MemorySource::new();
    let mut path = "kustomization.yaml".to_owned();
    let mut body = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(next) = line.strip_prefix("=== ") {
            source.insert(path.clone(), std::mem::take(&mut body).into_bytes());
            next.trim().clone_into(&mut path);
        } else {
            body.push_str(line);
        }
    }
    source.insert(path, body.into_bytes());
    source
}

/// The overlay build over an in-memory tree; what it writes parses again.
pub fn overlay(data: &[u8]) {
    let Some(text) = text_of(data) else { return };
    let source = tree_of(&text);
    let dirs: Vec<String> = source
        .paths()
        .filter_map(|p| p.strip_suffix("kustomization.yaml"))
        .map(|d| d.trim_end_matches('/').to_owned())
        .take(4)
        .collect();
    for dir in dirs {
        let options = BuildOptions {
            reorder: Reorder::Legacy,
            ..BuildOptions::default()
        }
        .with_transformer(AzfnTransformer {
            findings: FindingSink::collecting(),
            ..AzfnTransformer::default()
        });
        if let Ok(out) = azfn_core::overlay::build_yaml(&source, &dir, &options) {
            yaml::parse_documents(&out, "built", Limits::default())
                .unwrap_or_else(|e| panic!("the build wrote YAML it cannot read: {e}\n{out}"));
        }
    }
}

const PATCH_BASE: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
  labels: {app: orders}
spec:
  replicas: 1
  template:
    spec:
      containers:
      - name: func
        image: contoso.azurecr.io/orders:1.0.0
        env:
        - {name: A, value: a}
        - {name: B, value: b}
        ports:
        - containerPort: 80
      volumes:
      - name: secrets
        csi: {driver: secrets-store.csi.k8s.io}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  k: v
";

/// Strategic-merge and JSON 6902 patches, inline and from a file, on a fixed base. The first
/// byte picks the form; the rest is the patch.
pub fn patch(data: &[u8]) {
    let Some((&form, rest)) = data.split_first() else {
        return;
    };
    let Some(patch) = text_of(rest) else { return };
    let mut source = MemorySource::new();
    source.insert("base.yaml", PATCH_BASE);
    source.insert("patch.yaml", patch.clone());
    let indented = patch.lines().fold(String::new(), |mut out, l| {
        out.push_str("    ");
        out.push_str(l);
        out.push('\n');
        out
    });
    let kustomization = match form % 4 {
        0 => "resources: [base.yaml]\npatches:\n- path: patch.yaml\n".to_owned(),
        1 => format!(
            "resources: [base.yaml]\npatches:\n- target: {{kind: Deployment, name: orders}}\n  patch: |-\n{indented}"
        ),
        2 => "resources: [base.yaml]\npatchesStrategicMerge:\n- patch.yaml\n".to_owned(),
        _ => "resources: [base.yaml]\npatchesJson6902:\n- target: {group: apps, version: v1, kind: Deployment, name: orders}\n  path: patch.yaml\n".to_owned(),
    };
    source.insert("kustomization.yaml", kustomization);
    if let Ok(out) =
        azfn_core::overlay::build_yaml(&source, "", &azfn_core::function::build_options())
    {
        yaml::parse_documents(&out, "built", Limits::default())
            .unwrap_or_else(|e| panic!("the build wrote YAML it cannot read: {e}\n{out}"));
    }
}

/// The parity comparison: environments separated by `=== name` lines, the first section a
/// ParityPolicy (or anything).
pub fn parity(data: &[u8]) {
    let Some(text) = text_of(data) else { return };
    let mut sections = text.split("\n=== ");
    let policy_text = sections.next().unwrap_or_default();
    let policy = yaml::parse_documents(policy_text, "policy", Limits::default())
        .ok()
        .and_then(|docs| docs.into_iter().next())
        .and_then(|doc| azfn_core::parity::ParityPolicy::from_value(&doc, "policy").ok())
        .unwrap_or_default();
    let mut environments = Vec::new();
    for section in sections.take(4) {
        let (name, body) = section.split_once('\n').unwrap_or((section, ""));
        let Ok(docs) = yaml::parse_documents(body, name, Limits::default()) else {
            return;
        };
        let resources = docs
            .into_iter()
            .filter(Value::is_mapping)
            .map(|d| {
                let base = azfn_core::parity::guess_base_name(&d, name);
                (d, base)
            })
            .collect();
        environments.push(azfn_core::parity::Environment {
            traces: Vec::new(),
            name: name.trim().to_owned(),
            resources,
            function_apps: Vec::new(),
        });
    }
    let report = azfn_core::parity::compare(&environments, &policy);
    let _ = report.failures();
}

/// Team policies in Rego: the first byte picks conftest's per-document or combined input, the
/// rest is a policy, a line `=== `, and the manifests it checks. Every evaluation stops at a
/// step budget (smaller here, so that hostile loops end fast); a finding names its rule; the
/// policy's own tests run too.
pub fn rego(data: &[u8]) {
    use azfn_core::rego::{InputMode, Policies, PolicyFile};
    const STEPS: u64 = 200_000;
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Some(text) = text_of(rest) else { return };
    let (policy, manifests) = text.split_once("\n=== \n").unwrap_or((&text, ""));
    let mode = if mode & 1 == 0 {
        InputMode::Document
    } else {
        InputMode::Combined
    };
    let files = [PolicyFile {
        path: "fuzz/policy.rego".into(),
        text: policy.to_owned(),
    }];
    match Policies::compile(&files, mode) {
        Ok(policies) => {
            let items = azfn_core::krm::items_from_stream(manifests, "fuzz", Limits::default())
                .unwrap_or_default();
            if let Ok(findings) = policies.with_steps(STEPS).check(&items) {
                for finding in findings {
                    assert!(
                        !finding.code.is_empty() && !finding.rule.is_empty(),
                        "{finding:?}"
                    );
                }
            }
        }
        // The same text would fail the same way as a test file.
        Err(azfn_core::rego::RegoError::Syntax { line, column, .. }) => {
            assert!(
                line >= 1 && column >= 1,
                "a syntax error at {line}:{column}"
            );
            return;
        }
        Err(_) => {}
    }
    let tests = [PolicyFile {
        path: "fuzz/policy_test.rego".into(),
        text: policy.to_owned(),
    }];
    let _ = azfn_core::rego::test::run(&tests, STEPS);
}
