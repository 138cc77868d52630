//! Random kustomize trees for differential testing against `kubectl kustomize`: a base of
//! Functions-shaped apps (Deployment, Service, ConfigMap, KEDA ScaledObject taught to kustomize
//! through `configurations:`), a FunctionApp rendered by azfn's transformer, and overlays that
//! use a random mix of every supported field, with values chosen to stress the YAML writer.
use std::fmt::Write as _;
use std::path::Path;

/// A small deterministic generator (xorshift64*), so a seed always gives the same tree.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next_u64() % (n as u64)).unwrap_or(0)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Strings that make YAML writers choose between plain, quoted and block styles.
const AWKWARD: &[&str] = &[
    "yes",
    "no",
    "on",
    "true",
    "1.0",
    "0755",
    "0x1F",
    "2024-01-01",
    "1e3",
    "1:20",
    "a: b",
    "#hash",
    "x #y",
    "- item",
    "trailing ",
    " leading",
    "tab\\there",
    "ünïcode",
    "it's",
    "say \\\"hi\\\"",
    "",
    "~",
    "null",
    "@at",
    "%pct",
    "!bang",
    "&amp",
    "*star",
    "{brace}",
    "[bracket]",
    "line1\\nline2\\n",
    "line1\\nline2",
    "a long sentence with many words that goes on and on past the eighty column limit of go-yaml",
    "plain-value",
    "https://example.com/a?b=c&d=e",
    "Endpoint=sb://x.servicebus.windows.net/",
];

fn awkward(rng: &mut Rng) -> String {
    format!("\"{}\"", rng.pick(AWKWARD))
}

/// Writes a tree under `root`; returns the overlay folders to build.
pub fn generate(root: &Path, seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed);
    let write = |rel: &str, text: &str| crate::write_file(root, rel, text);
    let apps = 1 + rng.below(4);
    let mut base = String::from("resources:\n");
    for i in 0..apps {
        let _ = writeln!(base, "- app{i}.yaml");
        write(&format!("base/app{i}.yaml"), &app(&mut rng, i));
    }
    let with_function_app = rng.chance(50);
    if with_function_app {
        base.push_str("- functionapp.yaml\n");
        write("base/functionapp.yaml", FUNCTION_APP);
    }
    base.push_str("configurations:\n- keda.yaml\n");
    if rng.chance(60) {
        let _ = write!(
            base,
            "configMapGenerator:\n- name: shared\n  literals:\n  - MODE={}\n  - LEVEL=info\n",
            rng.pick(&["fast", "slow", "yes", "0755"])
        );
    }
    write("base/kustomization.yaml", &base);
    write("base/keda.yaml", KEDA_CONFIG);
    let mut overlays = Vec::new();
    let mut renames = Vec::new();
    for name in ["dev", "prod"] {
        let dir = format!("overlays/{name}");
        let (kustomization, extra) = overlay(&mut rng, name, apps, with_function_app);
        renames.push(rename_of(&kustomization));
        write(&format!("{dir}/kustomization.yaml"), &kustomization);
        for (file, text) in extra {
            write(&format!("{dir}/{file}"), &text);
        }
        overlays.push(dir);
    }
    // Overlays stacked on prod, each perhaps renaming again and selecting objects by a name
    // they had: the original, one an overlay in between gave, or the current one.
    let mut names: Vec<Vec<String>> = (0..apps)
        .map(|i| {
            let original = format!("app{i}");
            let (prefix, suffix) = &renames[1];
            vec![original.clone(), format!("{prefix}{original}{suffix}")]
        })
        .collect();
    let mut parent = "prod".to_owned();
    for name in ["prod-eu", "prod-eu-canary"] {
        if !rng.chance(if name == "prod-eu" { 80 } else { 60 }) {
            break;
        }
        let kustomization = stacked(&mut rng, &parent, &names);
        let (prefix, suffix) = rename_of(&kustomization);
        for history in &mut names {
            let current = history.last().cloned().unwrap_or_default();
            history.push(format!("{prefix}{current}{suffix}"));
        }
        let dir = format!("overlays/{name}");
        write(&format!("{dir}/kustomization.yaml"), &kustomization);
        overlays.push(dir);
        name.clone_into(&mut parent);
    }
    overlays
}

/// The `namePrefix` and `nameSuffix` a generated kustomization sets (empty when none).
fn rename_of(kustomization: &str) -> (String, String) {
    let value = |key: &str| {
        kustomization
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    (value("namePrefix:"), value("nameSuffix:"))
}

/// An overlay on `parent` that may rename its objects again, and selects Deployments by one of
/// the names each has had (`names[app]`, oldest first) in patches, replicas and replacements.
fn stacked(rng: &mut Rng, parent: &str, names: &[Vec<String>]) -> String {
    let mut k = format!("resources:\n- ../{parent}\n");
    if rng.chance(60) {
        let _ = writeln!(k, "namePrefix: {}-", rng.pick(&["eu", "c"]));
    }
    if rng.chance(40) {
        let _ = writeln!(k, "nameSuffix: -{}", rng.pick(&["r", "b"]));
    }
    let pick = |rng: &mut Rng| -> String {
        let history = rng.pick(names);
        rng.pick(history).clone()
    };
    let json = pick(rng);
    let merge = pick(rng);
    let _ = write!(
        k,
        "patches:\n- target:\n    kind: Deployment\n    name: {json}\n  patch: |-\n    - op: add\n      path: /metadata/annotations/stacked\n      value: \"{parent}\"\n- target:\n    kind: Deployment\n    name: {merge}\n  patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: any\n      labels:\n        stacked: \"yes\"\n"
    );
    if rng.chance(50) {
        let _ = writeln!(
            k,
            "replicas:\n- name: {}\n  count: {}",
            pick(rng),
            2 + rng.below(4)
        );
    }
    if rng.chance(40) {
        let _ = writeln!(
            k,
            "replacements:\n- source:\n    kind: Deployment\n    name: {}\n    fieldPath: metadata.name\n  targets:\n  - select:\n      kind: Deployment\n      name: {}\n    fieldPaths:\n    - metadata.annotations.source-name\n    options:\n      create: true",
            pick(rng),
            pick(rng)
        );
    }
    k
}

const KEDA_CONFIG: &str = "nameReference:\n- kind: Deployment\n  fieldSpecs:\n  - kind: ScaledObject\n    path: spec/scaleTargetRef/name\n- kind: ConfigMap\n  fieldSpecs:\n  - kind: ScaledObject\n    path: spec/triggers/metadata/configMapName\n";

const FUNCTION_APP: &str = "apiVersion: azfn.dev/v1alpha1
kind: FunctionApp
metadata:
  name: fa
  annotations:
    config.kubernetes.io/local-config: \"true\"
spec:
  image: contoso.azurecr.io/fa:1.0.0
  runtime: node
  identity:
    clientId: 00000000-0000-0000-0000-0000000000fa
    tenantId: 00000000-0000-0000-0000-0000000000fb
  storage:
    accountName: stfa
  connections:
    Queue:
      queueServiceUri: https://stfa.queue.core.windows.net
  functions:
  - name: Api
    trigger:
      type: http
  - name: Work
    trigger:
      type: queue
      connection: Queue
      queueName: work
";

fn app(rng: &mut Rng, i: usize) -> String {
    let replicas = rng.below(4);
    let image = rng.pick(&[
        "nginx",
        "nginx:1.25",
        "contoso.azurecr.io/app:1.0",
        "localhost:5000/app:2",
    ]);
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: app{i}
  labels:
    app: app{i}
  annotations:
    note: {note}
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: app{i}
  template:
    metadata:
      labels:
        app: app{i}
    spec:
      containers:
      - name: main
        image: {image}
        args: [\"--port=8080\", {arg}]
        env:
        - name: A
          value: {a}
        - name: B
          valueFrom:
            configMapKeyRef:
              name: settings{i}
              key: b
        envFrom:
        - configMapRef:
            name: settings{i}
        resources:
          requests: {{cpu: 100m, memory: 128Mi}}
      - name: side
        image: busybox:1.36
---
apiVersion: v1
kind: Service
metadata:
  name: app{i}
spec:
  selector:
    app: app{i}
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings{i}
data:
  b: {b}
  c: {c}
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: app{i}
spec:
  scaleTargetRef:
    name: app{i}
  minReplicaCount: {min}
  maxReplicaCount: 10
  triggers:
  - type: azure-queue
    metadata:
      queueName: q{i}
      queueLength: \"5\"
      accountName: stapp{i}
",
        note = awkward(rng),
        arg = awkward(rng),
        a = awkward(rng),
        b = awkward(rng),
        c = awkward(rng),
        min = rng.below(3),
    )
}

#[allow(
    clippy::too_many_lines,
    reason = "one block per optional kustomization field"
)]
fn overlay(
    rng: &mut Rng,
    env: &str,
    apps: usize,
    function_app: bool,
) -> (String, Vec<(String, String)>) {
    let mut k = String::from("resources:\n- ../../base\n");
    let mut files = Vec::new();
    if rng.chance(70) {
        let _ = writeln!(k, "namespace: {env}-ns");
    }
    if rng.chance(60) {
        let _ = writeln!(k, "namePrefix: {env}-");
    }
    if rng.chance(40) {
        let _ = writeln!(k, "nameSuffix: -{}", rng.pick(&["v2", "x", "eu"]));
    }
    if rng.chance(50) {
        let _ = writeln!(
            k,
            "commonLabels:\n  env: {env}\n  tier: {}",
            rng.pick(&["web", "yes", "1"])
        );
    }
    if rng.chance(40) {
        let _ = writeln!(
            k,
            "labels:\n- pairs:\n    team: {}\n  includeSelectors: {}\n  includeTemplates: {}",
            rng.pick(&["payments", "on", "0x1F"]),
            rng.chance(50),
            rng.chance(50)
        );
    }
    if rng.chance(50) {
        let _ = writeln!(k, "commonAnnotations:\n  owner: {}", awkward(rng));
    }
    if rng.chance(60) {
        let _ = writeln!(
            k,
            "images:\n- name: nginx\n  newTag: \"{}\"\n- name: contoso.azurecr.io/app\n  newName: contoso.azurecr.io/{env}/app\n  digest: sha256:{}",
            rng.pick(&["1.27", "stable", "1.0"]),
            "ab".repeat(32)
        );
    }
    let target = rng.below(apps);
    if rng.chance(50) {
        let _ = writeln!(
            k,
            "replicas:\n- name: app{target}\n  count: {}",
            1 + rng.below(5)
        );
    }
    let mut patches = String::new();
    if rng.chance(60) {
        files.push((
            "deployment-patch.yaml".to_owned(),
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app{target}\nspec:\n  template:\n    spec:\n      containers:\n      - name: side\n        image: busybox:1.37\n      - name: main\n        env:\n        - name: ENV\n          value: {env}\n        - name: A\n          value: {}\n",
                awkward(rng)
            ),
        ));
        patches.push_str("- path: deployment-patch.yaml\n");
    }
    if rng.chance(50) {
        let _ = write!(
            patches,
            "- target:\n    kind: ScaledObject\n  patch: |-\n    - op: replace\n      path: /spec/maxReplicaCount\n      value: {}\n",
            20 + rng.below(30)
        );
    }
    if function_app && rng.chance(70) {
        let _ = write!(
            patches,
            "- target:\n    kind: FunctionApp\n    name: fa\n  patch: |-\n    apiVersion: azfn.dev/v1alpha1\n    kind: FunctionApp\n    metadata:\n      name: fa\n    spec:\n      image: contoso.azurecr.io/fa:{}\n",
            rng.pick(&["2.0.0", "2.1.0"])
        );
    }
    if !patches.is_empty() {
        let _ = write!(k, "patches:\n{patches}");
    }
    if rng.chance(40) {
        let _ = writeln!(
            k,
            "patchesJson6902:\n- target:\n    group: apps\n    version: v1\n    kind: Deployment\n    name: app{target}\n  patch: |-\n    - op: add\n      path: /metadata/annotations/patched\n      value: \"{}\"",
            rng.pick(&["json6902", "yes", "1"])
        );
    }
    if rng.chance(60) {
        let _ = writeln!(
            k,
            "configMapGenerator:\n- name: {env}-extra\n  literals:\n  - KEY={}\n  - OTHER=\"quoted\"",
            rng.pick(&["value", "yes", "a b c", "0755"])
        );
    }
    if rng.chance(40) {
        let _ = writeln!(
            k,
            "secretGenerator:\n- name: {env}-creds\n  literals:\n  - token={}",
            rng.pick(&[
                "t0ken",
                "a-much-longer-token-value-that-exceeds-seventy-characters-when-base64-encoded-ok"
            ])
        );
    }
    if rng.chance(30) {
        let _ = writeln!(
            k,
            "generatorOptions:\n  disableNameSuffixHash: {}",
            rng.chance(50)
        );
    }
    if function_app {
        k.push_str("transformers:\n- azfn.yaml\n");
        files.push((
            "azfn.yaml".to_owned(),
            "apiVersion: azfn.dev/v1alpha1\nkind: Azfn\nmetadata:\n  name: azfn\nspec:\n  rules:\n    AZF002: \"off\"\n    AZF003: \"off\"\n    AZF004: \"off\"\n    AZF005: \"off\"\n    AZF006: \"off\"\n    AZF007: \"off\"\n    AZF008: \"off\"\n    AZF010: \"off\"\n    AZF012: \"off\"\n    AZF020: \"off\"\n".to_owned(),
        ));
    }
    (k, files)
}
