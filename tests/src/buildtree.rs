//! The benchmark tree of `research/performance-baselines.md`: a base of N resources cycling
//! Deployment (with env), Service, ConfigMap and KEDA ScaledObject, one file per app, a
//! `configurations:` name reference for `scaleTargetRef`; overlays dev, test and prod with
//! namespace, namePrefix, commonLabels, images, replicas, a strategic-merge patch on every
//! Deployment, a JSON 6902 patch on every ScaledObject and a configMapGenerator every
//! Deployment refers to. A build prints N + 1 resources.
use std::fmt::Write as _;
use std::path::Path;

/// Writes the tree for `resources` resources under `root`.
pub fn generate(root: &Path, resources: usize) {
    let write = |rel: &str, text: &str| crate::write_file(root, rel, text);
    let apps = resources.div_ceil(4);
    let mut kustomization = String::from("resources:\n");
    for i in 0..apps {
        let _ = writeln!(kustomization, "- app{i}.yaml");
        let mut docs = vec![
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app{i}\n  labels:\n    app: app{i}\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: app{i}\n  template:\n    metadata:\n      labels:\n        app: app{i}\n    spec:\n      containers:\n      - name: func\n        image: contoso.azurecr.io/app:1.0.0\n        env:\n        - name: FUNCTIONS_WORKER_RUNTIME\n          value: dotnet-isolated\n        - name: AzureWebJobsStorage__accountName\n          value: stapp{i}\n        envFrom:\n        - configMapRef:\n            name: settings\n"
            ),
            format!(
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: app{i}\nspec:\n  selector:\n    app: app{i}\n  ports:\n  - port: 80\n    targetPort: 8080\n"
            ),
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app{i}-config\ndata:\n  BATCH_SIZE: \"20\"\n  MODE: normal\n"
            ),
            format!(
                "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: app{i}\nspec:\n  scaleTargetRef:\n    name: app{i}\n  minReplicaCount: 0\n  maxReplicaCount: 10\n  triggers:\n  - type: azure-queue\n    metadata:\n      queueName: q{i}\n      queueLength: \"5\"\n      accountName: stapp{i}\n"
            ),
        ];
        let remaining = resources - i * 4;
        docs.truncate(remaining.min(4));
        write(&format!("base/app{i}.yaml"), &docs.join("---\n"));
    }
    kustomization.push_str("configurations:\n- keda.yaml\n");
    write("base/kustomization.yaml", &kustomization);
    write(
        "base/keda.yaml",
        "nameReference:\n- kind: Deployment\n  fieldSpecs:\n  - kind: ScaledObject\n    path: spec/scaleTargetRef/name\n",
    );
    for env in ["dev", "test", "prod"] {
        write(
            &format!("overlays/{env}/kustomization.yaml"),
            &format!(
                "resources:\n- ../../base\nnamespace: orders-{env}\nnamePrefix: {env}-\ncommonLabels:\n  env: {env}\nimages:\n- name: contoso.azurecr.io/app\n  newTag: 1.2.0\nreplicas:\n- name: app0\n  count: 3\npatches:\n- path: deployment.yaml\n  target:\n    kind: Deployment\n- target:\n    kind: ScaledObject\n  patch: |-\n    - op: replace\n      path: /spec/maxReplicaCount\n      value: 30\nconfigMapGenerator:\n- name: settings\n  literals:\n  - ENVIRONMENT={env}\n  - LOG_LEVEL=info\n"
            ),
        );
        write(
            &format!("overlays/{env}/deployment.yaml"),
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: any\nspec:\n  template:\n    spec:\n      containers:\n      - name: func\n        resources:\n          requests:\n            cpu: 250m\n            memory: 256Mi\n          limits:\n            memory: 512Mi\n",
        );
    }
}
