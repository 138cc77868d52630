// The wasm API behind the preview page, in V8, against the azfn binary: process() is the KRM
// function byte for byte, and preview() finds in each environment what `azfn check` finds in
// that environment's build.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFile, mkdtemp, mkdir, writeFile, rm } from "node:fs/promises";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { readTree } from "../lib/tree.mjs";
import { initSync, process as processList, preview, scanSecrets } from "../pkg/azfn_wasm.js";

const here = dirname(fileURLToPath(import.meta.url));
const example = join(here, "..", "..", "examples", "orders");
const bin = process.env.AZFN_BIN;

before(async () => {
  assert.ok(bin, "AZFN_BIN must point at the built azfn binary (make test sets it)");
  initSync({ module: await readFile(join(here, "..", "pkg", "azfn_wasm_bg.wasm")) });
});

test("process() writes the bytes the azfn binary writes, findings included", () => {
  // Shaped like a storage account key and nobody's key.
  const key = "ZXhhbXBsZSBvbmx5IG5vdCBhIHJlYWwga2V5".repeat(3).slice(0, 86) + "==";
  const input = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: orders
    annotations:
      internal.config.kubernetes.io/path: deployment.yaml
  spec:
    template:
      spec:
        containers:
        - name: func
          image: contoso.azurecr.io/orders:1.4.2
          env:
          - name: AzureWebJobsStorage
            value: DefaultEndpointsProtocol=https;AccountName=x;AccountKey=${key};EndpointSuffix=core.windows.net
`;
  const out = processList(input);
  const cli = spawnSync(bin, [], { input, encoding: "utf8" });
  assert.equal(cli.status, 1);
  assert.equal(out.output, cli.stdout);
  assert.ok(out.hasErrors);
  assert.ok(out.results.some((r) => r.tags.code === "AZF001"));
  assert.ok(!JSON.stringify(out.results).includes(key.slice(0, 20)));
});

test("preview() finds in each environment what azfn check finds in its build", async () => {
  const dir = await mkdtemp(join(tmpdir(), "azfn-preview-"));
  try {
    const files = await readTree(example, (name) => name.endsWith(".yaml"));
    delete files["overlays/broken/kustomization.yaml"];
    for (const p of Object.keys(files)) if (p.startsWith("overlays/broken/")) delete files[p];
    files["overlays/test/kustomization.yaml"] = files["overlays/test/kustomization.yaml"].replace("- ../../base\n", "- ../../base\n- reports.yaml\n");
    files["overlays/test/reports.yaml"] = `apiVersion: v1
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
  template:
    metadata:
      labels:
        azure.workload.identity/use: "true"
    spec:
      serviceAccountName: reports
      containers:
      - name: func
        image: contoso.azurecr.io/reports:2.0.1
        env:
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
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    const shown = preview(files);
    for (const env of shown.environments) {
      const cli = spawnSync(bin, ["check", join(dir, env.dir), "--format", "json"], { encoding: "utf8" });
      // The same diagnostics: code, rule, severity and message.
      const key = (f) => `${f.code} ${f.rule} ${f.severity}: ${f.message}`;
      const expected = JSON.parse(cli.stdout).findings.map(key).sort();
      const found = env.findings.map(key).sort();
      assert.deepEqual(found, expected, `${env.name}: preview and azfn check differ`);
    }
    const test = shown.environments.find((e) => e.name === "test");
    assert.equal(test.findings.length > 0, true, "the identity mismatch is found");
    assert.equal(test.findings.find((f) => f.code === "AZF008").file, "overlays/test/reports.yaml");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("scanSecrets() flags the broken overlay's key, by line, without the key", async () => {
  const files = await readTree(example, (name) => name.endsWith(".yaml"));
  const found = scanSecrets(files);
  assert.deepEqual(found.map((f) => [f.file, f.line]), [["overlays/broken/inline-connection-string.yaml", 7]]);
  const key = files["overlays/broken/inline-connection-string.yaml"].split("AccountKey=")[1].split(";")[0];
  assert.ok(!found[0].message.includes(key.slice(0, 12)));
});
