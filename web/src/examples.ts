// Examples one click away: the repository's example app (examples/orders, bundled at build time)
// and variants that each show one kind of failure. A variant is the example plus a few files.
export type Tree = Record<string, string>;

/** An empty tree with no prototype: `__proto__`, `constructor` and `toString` are file names
 * like any other, never inherited members. */
export function emptyTree(): Tree {
  return Object.create(null) as Tree;
}

/** A copy of `tree` as an [`emptyTree`] holds it. */
export function copyTree(tree: Tree): Tree {
  const out = emptyTree();
  for (const [path, text] of Object.entries(tree)) out[path] = text;
  return out;
}

const bundled = import.meta.glob("../../examples/orders/**/*", {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

/** The example app as committed, minus its deliberately broken overlay (the first variant). */
function orders(withBroken = false): Tree {
  const tree: Tree = emptyTree();
  for (const [path, text] of Object.entries(bundled)) {
    const relative = path.replace(/^\.\.\/\.\.\/examples\/orders\//, "");
    if (!withBroken && relative.startsWith("overlays/broken/")) continue;
    tree[relative] = text;
  }
  return tree;
}

const policyFiles = import.meta.glob("../../examples/policies/*.rego", {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

/** Seven more team rules beside the three of docs/policies.md: the example with ten rules. */
const teamRules = `# More team rules, one rule set each (docs/policies.md explains the conventions).
package team

workload_kinds := {"Deployment", "StatefulSet", "DaemonSet"}

containers contains c if {
	workload_kinds[input.kind]
	some c in input.spec.template.spec.containers
}

deny_latest contains msg if {
	some c in containers
	endswith(c.image, ":latest")
	msg := sprintf("container %s runs a :latest image", [c.name])
}

deny_privileged contains msg if {
	some c in containers
	c.securityContext.privileged == true
	msg := sprintf("container %s is privileged", [c.name])
}

deny_host_network contains msg if {
	workload_kinds[input.kind]
	input.spec.template.spec.hostNetwork == true
	msg := sprintf("%s %s shares the node's network", [input.kind, input.metadata.name])
}

deny_default_namespace contains msg if {
	workload_kinds[input.kind]
	object.get(input.metadata, "namespace", "default") == "default"
	msg := sprintf("%s %s lands in the default namespace", [input.kind, input.metadata.name])
}

warn_memory_limit contains msg if {
	some c in containers
	not c.resources.limits.memory
	msg := sprintf("container %s has no memory limit", [c.name])
}

warn_replicas contains msg if {
	input.kind == "ScaledObject"
	object.get(input.spec, "maxReplicaCount", 100) > 50
	msg := sprintf("ScaledObject %s may scale past 50 replicas", [input.metadata.name])
}

warn_service_type contains msg if {
	input.kind == "Service"
	input.spec.type == "NodePort"
	msg := sprintf("Service %s opens a port on every node", [input.metadata.name])
}
`;

/** The example app with the team's own rules: the three of docs/policies.md and seven more,
 * named by the prod overlay's Azfn config. Prod fails on the owner label. */
function teamPolicies(): Tree {
  const tree = orders();
  for (const [path, text] of Object.entries(policyFiles)) {
    tree[path.replace(/^\.\.\/\.\.\/examples\//, "")] = text;
  }
  tree["policies/team.rego"] = teamRules;
  tree["overlays/prod/azfn.yaml"] += "  policies:\n  - path: ../../policies\n";
  return tree;
}

function addResource(tree: Tree, overlay: string, file: string) {
  const path = `overlays/${overlay}/kustomization.yaml`;
  tree[path] = tree[path].replace("resources:\n- ../../base\n", `resources:\n- ../../base\n- ${file}\n`);
}

const digest = "sha256:5f0c6c2d6b2a0f5e8e1d4c3b2a19080706050403020100f0e0d0c0b0a0908070";

/** Workload identity wired by hand, with the client IDs disagreeing. */
function identityMismatch(): Tree {
  const tree = orders();
  tree["overlays/test/reports.yaml"] = `# A worker wired for workload identity by hand: the service account names one identity,
# the Service Bus connection another. azfn compares every client ID a pod can use.
apiVersion: v1
kind: ServiceAccount
metadata:
  name: reports
  annotations:
    azure.workload.identity/client-id: 00000000-0000-0000-0000-00000000e001
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: reports
spec:
  selector:
    matchLabels: {app: reports}
  template:
    metadata:
      labels:
        app: reports
        azure.workload.identity/use: "true"
    spec:
      serviceAccountName: reports
      containers:
      - name: func
        image: contoso.azurecr.io/reports@${digest}
        resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}
        env:
        - name: ServiceBus__fullyQualifiedNamespace
          value: sb-orders-test.servicebus.windows.net
        - name: ServiceBus__credential
          value: managedidentity
        - name: ServiceBus__clientId
          value: 00000000-0000-0000-0000-00000000f002
---
# The Azure half of the worker's identity, federated with its account as the test overlay names it.
apiVersion: managedidentity.azure.com/v1api20230131
kind: FederatedIdentityCredential
metadata:
  name: reports
spec:
  owner: {armId: /subscriptions/0000000e-0000-0000-0000-000000000000/resourceGroups/rg-orders-test/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-orders-test}
  audiences: [api://AzureADTokenExchange]
  issuer: https://westeurope.oic.prod-aks.azure.com/72f988bf-0000-0000-0000-000000000000/0000000e-0000-0000-0000-00000000a001/
  subject: system:serviceaccount:orders-test:reports-test
`;
  addResource(tree, "test", "reports.yaml");
  return tree;
}

/** A setting added in prod only: a difference the ParityPolicy does not allow. */
function driftInProd(): Tree {
  const tree = orders();
  const path = "overlays/prod/functionapp.yaml";
  tree[path] = tree[path].replace(
    "    AZURE_FUNCTIONS_ENVIRONMENT: Production\n",
    "    AZURE_FUNCTIONS_ENVIRONMENT: Production\n    # Turned on during an incident and never turned off.\n    ORDERS_SKIP_FRAUD_CHECK: \"true\"\n",
  );
  return tree;
}

/** An HTTP app that KEDA can scale to zero: nothing wakes it again. */
function httpScaledToZero(): Tree {
  const tree = orders();
  tree["overlays/prod/status-page.yaml"] = `# A hand-written HTTP app scaled by a cron trigger. KEDA's default minReplicaCount is 0:
# outside office hours no pod runs, and no HTTP request can bring one back.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: status-page
spec:
  selector:
    matchLabels: {app: status-page}
  template:
    metadata:
      labels: {app: status-page}
    spec:
      containers:
      - name: func
        image: contoso.azurecr.io/status@${digest}
        resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}
---
apiVersion: v1
kind: Service
metadata:
  name: status-page
spec:
  selector: {app: status-page}
  ports:
  - port: 80
    targetPort: 80
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: status-page
spec:
  scaleTargetRef:
    # kustomize's namePrefix does not rename this field: the rendered name, written by hand.
    name: prod-status-page
  maxReplicaCount: 5
  triggers:
  - type: cron
    metadata:
      timezone: Europe/London
      start: 0 8 * * *
      end: 0 18 * * *
      desiredReplicas: "2"
`;
  addResource(tree, "prod", "status-page.yaml");
  return tree;
}

/** A second app federated by hand, with the subject written before prod's namePrefix renamed its account. */
function staleSubject(): Tree {
  const tree = orders();
  tree["overlays/prod/reports-identity.yaml"] = `# The reports worker's identity, federated by hand with the account name of the base.
# prod's namePrefix renames the ServiceAccount to prod-reports; nothing renames the subject.
apiVersion: v1
kind: ServiceAccount
metadata:
  name: reports
  annotations:
    azure.workload.identity/client-id: 00000000-0000-0000-0000-00000000f002
---
apiVersion: managedidentity.azure.com/v1api20230131
kind: FederatedIdentityCredential
metadata:
  name: reports
spec:
  owner:
    armId: /subscriptions/0000000f-0000-0000-0000-000000000000/resourceGroups/rg-orders-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-reports-prod
  audiences: [api://AzureADTokenExchange]
  issuer: https://westeurope.oic.prod-aks.azure.com/72f988bf-0000-0000-0000-000000000000/0000000f-0000-0000-0000-00000000a001/
  subject: system:serviceaccount:orders-prod:reports
`;
  addResource(tree, "prod", "reports-identity.yaml");
  return tree;
}

export const examples: Record<string, { title: string; tree: () => Tree }> = {
  orders: { title: "orders: the example app", tree: () => orders() },
  "inline-secret": { title: "Inline connection string", tree: () => orders(true) },
  "identity-mismatch": { title: "Identity mismatch", tree: identityMismatch },
  "drift-in-prod": { title: "Drift in prod", tree: driftInProd },
  "http-scaled-to-zero": { title: "HTTP scaled to zero", tree: httpScaledToZero },
  "stale-subject": { title: "Federated subject left behind", tree: staleSubject },
  "team-policies": { title: "Team rules in Rego (ten rules)", tree: teamPolicies },
};
