// The preview page as a user gets it: served by the real `azfn serve`, driven in the real
// (Debian) Chromium. Every view is checked against the azfn binary, and a screenshot of each
// main view is kept in web/test-results/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdir, readFile, readdir, stat } from "node:fs/promises";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { serve, launch, openPage } from "../lib/serve.mjs";
import { readTree } from "../lib/tree.mjs";
import { zip } from "../lib/zip.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const example = join(here, "..", "..", "examples", "orders");
const artifacts = join(here, "..", "test-results");
const bin = process.env.AZFN_BIN;

let server, browser;
const external = [];

before(async () => {
  await mkdir(artifacts, { recursive: true });
  server = await serve();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

/** A fresh page; requests that leave the server are recorded. */
async function fresh(url = server.url, options) {
  const opened = await openPage(browser, url, options);
  opened.page.on("request", (r) => { if (!r.url().startsWith(server.url) && !r.url().startsWith("blob:") && !r.url().startsWith("data:")) external.push(r.url()); });
  return opened;
}

function azfnBuild(overlay) {
  const cli = spawnSync(bin, ["build", join(example, "overlays", overlay)], { encoding: "utf8" });
  assert.equal(cli.status, 0, cli.stderr);
  return cli.stdout;
}

const counter = (page, name) => page.evaluate((n) => Number(document.body.dataset[n] ?? 0), name);

/** Runs `action`, then waits for the page to render (and compare) again. */
async function rerendered(page, action, what = "parity") {
  const before = await counter(page, what);
  await action();
  await page.waitForFunction(([n, w]) => Number(document.body.dataset[w] ?? 0) > n, [before, what], { timeout: 20000 });
}

async function chooseExample(page, id) {
  await rerendered(page, () => page.selectOption("#example", id));
}

async function openFile(page, path) {
  await page.click(`#tree [data-path="${path}"]`);
  await page.waitForFunction((p) => document.getElementById("file-name").textContent === p, path);
}

/** Puts the cursor at the end of line `line` of the open file. */
async function endOfLine(page, line) {
  await page.click("#editor .cm-content");
  await page.keyboard.press("Control+Home");
  for (let i = 1; i < line; i++) await page.keyboard.press("ArrowDown");
  await page.keyboard.press("End");
}

async function tab(page, id) {
  await page.click(`#tabs [data-tab="${id}"]`);
}

/** Rests the pointer on `key` in the first editor line matching `line`. */
async function hoverKey(page, line, key) {
  const row = page.locator(".cm-line", { hasText: line }).first();
  await row.scrollIntoViewIfNeeded();
  const box = await row.locator("span", { hasText: new RegExp(`^${key}$`) }).first().boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 });
}

const files = (page) => page.evaluate(() => window.azfnPreview.files());

test("served by azfn serve: the example's environments render the bytes azfn build prints", async () => {
  const { page, context, errors } = await fresh();
  const names = await page.$$eval("#tabs [role=tab]", (tabs) => tabs.map((t) => t.textContent));
  assert.deepEqual(names.slice(0, 4), ["dev", "test", "prod", "prod-eu"]);
  assert.match(await page.textContent("#status"), /^4 environments · all build · in parity · rendered in \d+ ms$/);
  for (const env of ["dev", "test", "prod", "prod-eu"]) {
    await tab(page, `env:${env}`);
    const shown = await page.textContent(`pre[data-env="${env}"]`);
    assert.equal(shown, azfnBuild(env), `${env}: page and azfn build differ`);
    // The Azure half is shown too: the app's credential names the account as this environment renames it.
    const account = shown.match(/kind: ServiceAccount\nmetadata:\n(?:  .*\n|    .*\n)*?  name: (\S+)\n  namespace: (\S+)/);
    assert.ok(account, `${env}: a ServiceAccount`);
    assert.ok(shown.includes(`subject: system:serviceaccount:${account[2]}:${account[1]}\n`), `${env}: the subject follows the rename to ${account[2]}/${account[1]}`);
    assert.ok(shown.includes("subject: system:serviceaccount:keda:keda-operator\n"), `${env}: KEDA's credential`);
    assert.ok(shown.includes("kind: RoleAssignment\n"), `${env}: role assignments`);
  }
  await page.screenshot({ path: join(artifacts, "environment.png") });
  assert.deepEqual(errors, []);
  await context.close();
});

test("editing the prod overlay updates prod's output, the diff and the parity matrix live", async () => {
  const { page, context } = await fresh();
  await openFile(page, "overlays/prod/functionapp.yaml");
  const text = (await files(page))["overlays/prod/functionapp.yaml"];
  const line = text.split("\n").findIndex((l) => l.includes("AZURE_FUNCTIONS_ENVIRONMENT")) + 1;
  await tab(page, "env:prod");
  await rerendered(page, async () => {
    await endOfLine(page, line);
    await page.keyboard.press("Enter");
    await page.keyboard.type('FEATURE_FLAG: "on"');
  });
  await page.waitForFunction(() => document.querySelector('pre[data-env="prod"]')?.textContent.includes("FEATURE_FLAG"));
  assert.match((await files(page))["overlays/prod/functionapp.yaml"], /\n {4}FEATURE_FLAG: "on"\n/, "typed at the setting's indentation");
  // The same tree through the CLI: the page shows what azfn parity reports.
  await page.waitForSelector('#tabs [data-tab="parity"].fails');
  await tab(page, "parity");
  const drift = await page.$$eval(".matrix tr.drift", (rows) => rows.map((r) => r.textContent));
  assert.ok(drift.some((r) => r.includes("env[name=FEATURE_FLAG]") && r.includes("on") && r.includes("drift")), drift.join("\n"));
  // The differing value links to the line that set it: the setting just typed.
  const setAt = page.locator(".matrix tr.drift", { hasText: "env[name=FEATURE_FLAG]" }).locator("button.where").first();
  assert.equal(await setAt.getAttribute("data-file"), "overlays/prod/functionapp.yaml");
  assert.equal(await setAt.getAttribute("data-line"), String(line + 1));
  const allowed = await page.$$eval(".matrix tr.allowed:not(.group)", (rows) => rows.length);
  assert.ok(allowed > 10, "allowed differences are shown as allowed");
  assert.match(await page.textContent(".matrix tr.allowed:not(.group)"), /allowed.*allow\[\d+\]/s, "with the rule that allows them");
  assert.match(await page.textContent("#status"), /drift/);
  await page.screenshot({ path: join(artifacts, "parity.png") });
  await tab(page, "diff");
  await page.selectOption("#diff-0", "test");
  await page.selectOption("#diff-1", "prod");
  await page.waitForSelector(".merge .cm-changedLine");
  // The editors draw only what is in view: scroll down to the change.
  const added = page.locator(".merge .cm-merge-b .cm-changedLine", { hasText: "FEATURE_FLAG" });
  for (let i = 0; i < 80 && !(await added.count()); i++) {
    await page.evaluate(() => { const panel = document.getElementById("panel"); panel.scrollTop += panel.clientHeight * 0.7; });
    await page.waitForTimeout(30);
  }
  assert.equal(await added.count(), 1, "the diff marks the added setting");
  await added.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(artifacts, "diff.png") });
  await context.close();
});

test("an inline secret: the finding links to its line, no key is shown, and no share link is made", async () => {
  const { page, context } = await fresh();
  await chooseExample(page, "inline-secret");
  await tab(page, "findings");
  const item = page.locator(".finding.error", { hasText: "AZF001" });
  assert.match(await item.textContent(), /AZF001 inline-secret.*setting "LegacyStorage" holds an Azure Storage account key: lomL… \(88 characters, redacted\)/);
  assert.match(await item.textContent(), /in broken/);
  await item.locator("button.link").click();
  assert.equal(await page.textContent("#file-name"), "overlays/broken/inline-connection-string.yaml");
  const selected = await page.evaluate(() => window.getSelection().toString());
  assert.match(selected, /^ {4}LegacyStorage: /, "the editor selects the finding's line");
  await page.waitForSelector(".cm-lint-marker-error");
  const key = (await files(page))["overlays/broken/inline-connection-string.yaml"].split("AccountKey=")[1].split(";")[0];
  await page.screenshot({ path: join(artifacts, "findings.png") });
  await tab(page, "env:broken");
  assert.match(await page.textContent("#panel .error"), /azfn build fails in broken/);
  assert.equal(await page.locator('pre[data-env="broken"]').count(), 0, "no output of a failing build");
  const hash = await page.evaluate(() => location.hash);
  await rerendered(page, () => page.click("#share"), "shareRefused");
  assert.match(await page.textContent("#banner"), /^No share link: 1 line of this tree hold a secret/);
  assert.match(await page.textContent("#share-refused"), /overlays\/broken\/inline-connection-string\.yaml:7 .*lomL… \(88 characters, redacted\)/);
  assert.equal(await page.evaluate(() => location.hash), hash, "no link was made");
  assert.ok(await page.isHidden("#share-result"));
  // Everywhere but the editor, where the user typed it.
  const shown = await page.evaluate(() => {
    const copy = document.body.cloneNode(true);
    copy.querySelector("#editor").remove();
    return copy.textContent;
  });
  assert.ok(!shown.replace(/\s/g, "").includes(key.slice(8, 40)), "the key appears outside the editor");
  await page.screenshot({ path: join(artifacts, "share-refused.png") });
  await context.close();
});

test("a share link round-trips the tree, in a browser with nothing stored, offline", async () => {
  const { page, context } = await fresh();
  await openFile(page, "overlays/test/functionapp.yaml");
  await rerendered(page, async () => {
    await endOfLine(page, 1);
    await page.keyboard.type("  # shared édition ✓");
  });
  await rerendered(page, () => page.click("#file-add").then(() => page.fill("#file-form-input", "overlays/test/notes.yaml")).then(() => page.keyboard.press("Enter")));
  const tree = await files(page);
  assert.ok("overlays/test/notes.yaml" in tree);
  await page.click("#share");
  await page.waitForSelector("#share-result:not([hidden])");
  const link = await page.inputValue("#share-link");
  assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/#tree=[A-Za-z0-9_-]+$/);
  await context.close();
  const other = await fresh(link);
  await other.context.setOffline(true);
  assert.deepEqual(await files(other.page), tree, "the link reopens the same tree");
  assert.equal(await other.page.textContent("#file-name"), "overlays/test/notes.yaml");
  // Offline, everything still works: it all runs in the page.
  await rerendered(other.page, () => other.page.selectOption("#example", "orders"));
  await other.page.click("#share");
  await other.page.waitForSelector("#share-result:not([hidden])");
  await other.context.close();
});

test("the last tree is kept in local storage", async () => {
  const { page, context } = await fresh();
  await rerendered(page, () => page.selectOption("#example", "drift-in-prod"));
  await page.waitForTimeout(400);
  const tree = await files(page);
  await page.reload();
  await page.waitForSelector("body[data-parity]");
  assert.deepEqual(await files(page), tree);
  await context.close();
});

test("broken YAML: the error shows at its line in the editor, and the last good render stays", async () => {
  const { page, context } = await fresh();
  await openFile(page, "overlays/prod/functionapp.yaml");
  await tab(page, "env:prod");
  const good = await page.textContent('pre[data-env="prod"]');
  await rerendered(page, async () => {
    await endOfLine(page, 9);
    await page.keyboard.type(" [");
  }, "rendered");
  await page.waitForSelector("#panel .error");
  assert.match(await page.textContent("#panel .error"), /overlays\/prod\/functionapp\.yaml:\d+:\d+: not valid YAML/);
  assert.match(await page.textContent("#panel .error button.link"), /^overlays\/prod\/functionapp\.yaml:\d+$/);
  assert.equal(await page.textContent("pre.stale"), good, "the last good render stays visible");
  await page.waitForSelector(".cm-lint-marker-error");
  const marked = await page.$$eval(".cm-lintRange-error", (ranges) => ranges.map((r) => r.textContent));
  assert.ok(marked.length > 0, "the line is marked");
  await page.screenshot({ path: join(artifacts, "broken-yaml.png") });
  await context.close();
});

test("each failure example shows its failure", async () => {
  const { page, context } = await fresh();
  await chooseExample(page, "identity-mismatch");
  await tab(page, "findings");
  assert.match(await page.textContent(".findings"), /AZF008 workload-identity.*client IDs disagree.*in test.*overlays\/test\/reports\.yaml:\d+/s);
  await chooseExample(page, "http-scaled-to-zero");
  await tab(page, "findings");
  assert.match(await page.textContent(".findings"), /AZF010 http-scale-to-zero.*in prod.*overlays\/prod\/status-page\.yaml:\d+/s);
  await chooseExample(page, "stale-subject");
  await tab(page, "findings");
  const findings = await page.textContent(".findings");
  assert.match(findings, /AZF022 federated-subject.*system:serviceaccount:orders-prod:reports.*in prod.*overlays\/prod\/reports-identity\.yaml:\d+/s);
  assert.match(findings, /AZF023 missing-credential.*system:serviceaccount:orders-prod:prod-reports/s);
  await chooseExample(page, "drift-in-prod");
  await tab(page, "parity");
  assert.match(await page.textContent(".matrix"), /ORDERS_SKIP_FRAUD_CHECK/);
  assert.match(await page.textContent("#tabs [data-tab=parity]"), /^Parity \([1-9]\d*\)$/);
  await context.close();
});

test("files are added, renamed and deleted, and the render follows", async () => {
  const { page, context } = await fresh();
  await openFile(page, "overlays/prod/functionapp.yaml");
  await rerendered(page, async () => {
    await page.click("#file-rename");
    await page.fill("#file-form-input", "overlays/prod/app-patch.yaml");
    await page.keyboard.press("Enter");
  });
  let tree = await files(page);
  assert.ok(!("overlays/prod/functionapp.yaml" in tree) && "overlays/prod/app-patch.yaml" in tree);
  // The kustomization still names the old file: prod fails, at the kustomization's line.
  await tab(page, "env:prod");
  assert.match(await page.textContent("#panel .error"), /functionapp\.yaml: no such file/);
  assert.match(await page.textContent("#panel .error button.link"), /^overlays\/prod\/kustomization\.yaml:\d+$/);
  await rerendered(page, async () => {
    await page.click("#file-delete");
    await page.fill("#file-form-input", "app-patch.yaml");
    await page.keyboard.press("Enter");
  });
  tree = await files(page);
  assert.ok(!("overlays/prod/app-patch.yaml" in tree));
  await rerendered(page, async () => {
    await page.click("#file-add");
    await page.fill("#file-form-input", "overlays/prod/functionapp.yaml");
    await page.keyboard.press("Enter");
  });
  await page.click("#file-add");
  await page.fill("#file-form-input", "../escape.yaml");
  await page.keyboard.press("Enter");
  assert.match(await page.textContent(".form-error"), /relative path/);
  await context.close();
});

test("completion and hover docs come from the FunctionApp, ParityPolicy and Azfn schemas", async () => {
  const { page, context } = await fresh();
  await openFile(page, "overlays/prod/functionapp.yaml");
  // A new key under spec, on the file's last (empty) line.
  await page.click("#editor .cm-content");
  await page.keyboard.press("Control+End");
  await page.keyboard.type("  host");
  await page.waitForSelector(".cm-tooltip-autocomplete");
  const options = await page.$$eval(".cm-tooltip-autocomplete li", (lis) => lis.map((li) => li.textContent));
  assert.ok(options.some((o) => o.startsWith("hostId")), options.join(", "));
  await page.waitForSelector(".cm-completionInfo");
  assert.match(await page.textContent(".cm-completionInfo"), /AzureFunctionsWebHost__hostid/);
  await page.keyboard.press("Escape");
  await hoverKey(page, /^ {2}storage:$/, "storage");
  await page.waitForSelector(".schema-doc");
  assert.match(await page.textContent(".schema-doc"), /^FunctionApp spec\.storage/);
  await page.screenshot({ path: join(artifacts, "completion.png") });
  // The ParityPolicy's fields, inside a list item.
  await openFile(page, "parity.yaml");
  await page.mouse.move(0, 0);
  await hoverKey(page, /^ {4}field: spec\.storage\.accountName$/, "field");
  await page.waitForSelector(".schema-doc");
  assert.match(await page.textContent(".schema-doc"), /^ParityPolicy spec\.allow\.field string/);
  await page.click("#editor .cm-content");
  await page.keyboard.press("Control+End");
  await page.keyboard.type("  - res");
  await page.waitForSelector(".cm-tooltip-autocomplete");
  const keys = await page.$$eval(".cm-tooltip-autocomplete li", (lis) => lis.map((li) => li.textContent));
  assert.ok(keys.some((k) => k.startsWith("resource")), keys.join(", "));
  await page.keyboard.press("Escape");
  // The function config's fields, from the same table the core checks it against.
  await openFile(page, "overlays/prod/azfn.yaml");
  await page.mouse.move(0, 0);
  await hoverKey(page, /^ {4}required: false$/, "required");
  await page.waitForSelector(".schema-doc");
  assert.match(await page.textContent(".schema-doc"), /^Azfn spec\.inputs\.required boolean/);
  await context.close();
});

test("a zip of a repository opens as the tree", async () => {
  const { page, context } = await fresh();
  const tree = await readTree(example);
  const archive = zip(Object.fromEntries(Object.entries(tree).map(([p, t]) => [`orders-main/${p}`, t])));
  await rerendered(page, () => page.setInputFiles("#zip-input", { name: "orders-main.zip", mimeType: "application/zip", buffer: archive }));
  assert.deepEqual(await files(page), tree);
  const names = await page.$$eval("#tabs [role=tab]", (tabs) => tabs.map((t) => t.textContent));
  assert.deepEqual(names.slice(0, 5), ["dev", "test", "prod", "broken", "prod-eu"]);
  await context.close();
});

test("a tree without a kustomization says so, and a zip with nothing usable is refused", async () => {
  const { page, context } = await fresh();
  await rerendered(page, () => page.setInputFiles("#zip-input", { name: "docs.zip", mimeType: "application/zip", buffer: zip({ "repo/README.md": "# notes\n" }) }), "rendered");
  assert.deepEqual(await files(page), { "README.md": "# notes\n" });
  assert.match(await page.textContent("#panel"), /^No environment: the tree has no kustomization\.yaml/);
  await page.setInputFiles("#zip-input", { name: "image.zip", mimeType: "application/zip", buffer: zip({ "logo.png": "\u0000PNG" }) });
  await page.waitForSelector("#banner:not([hidden])");
  assert.equal(await page.textContent("#banner"), "Nothing a kustomize tree uses (YAML, JSON, .env and other text files) was found in what was opened.");
  await page.setInputFiles("#zip-input", { name: "broken.zip", mimeType: "application/zip", buffer: Buffer.from("not a zip") });
  await page.waitForFunction(() => document.getElementById("banner").textContent.startsWith("Cannot open it: not a zip file"));
  await context.close();
});

test("a zip dropped on the page, or a folder picked, opens as the tree", async () => {
  const { page, context } = await fresh();
  const tree = await readTree(example);
  const archive = zip(tree).toString("base64");
  await rerendered(page, () => page.evaluate((data) => {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], "orders.zip", { type: "application/zip" }));
    document.getElementById("drop").dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, archive));
  assert.deepEqual(await files(page), tree);
  await rerendered(page, () => page.selectOption("#example", "orders"));
  await rerendered(page, () => page.setInputFiles("#folder-input", example));
  assert.deepEqual(await files(page), tree, "the picked folder's own name is not part of the paths");
  await context.close();
});

test("a runaway render is stopped, the page says so, and the next render works", async () => {
  const { page, context } = await fresh();
  // 2,000 ConfigMaps each patched 200 times: tens of seconds of work.
  let configMaps = "";
  for (let i = 0; i < 2000; i++) configMaps += `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  k: v\n`;
  let overlay = "resources:\n- ../base\npatches:\n";
  for (let j = 0; j < 200; j++) overlay += `- target:\n    kind: ConfigMap\n  patch: |-\n    - op: add\n      path: /data/p${j}\n      value: "${j}"\n`;
  const archive = zip({ "base/kustomization.yaml": "resources:\n- configmaps.yaml\n", "base/configmaps.yaml": configMaps, "overlay/kustomization.yaml": overlay });
  const started = Date.now();
  await page.setInputFiles("#zip-input", { name: "big.zip", mimeType: "application/zip", buffer: archive });
  await page.waitForSelector("#banner:not([hidden])", { timeout: 20000 });
  assert.match(await page.textContent("#banner"), /The preview took longer than 5 s and was stopped; the worker was restarted\./);
  assert.ok(Date.now() - started < 15000);
  await page.screenshot({ path: join(artifacts, "runaway.png") });
  await chooseExample(page, "orders");
  assert.match(await page.textContent("#status"), /^4 environments · all build/);
  await context.close();
});

test("downloads: each environment's YAML, the findings as SARIF, the parity report as markdown", async () => {
  const { page, context } = await fresh();
  await tab(page, "env:prod");
  const save = async (button) => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.click(button)]);
    return { name: download.suggestedFilename(), text: await readFile(await download.path(), "utf8") };
  };
  const yaml = await save("#download-yaml");
  assert.equal(yaml.name, "prod.yaml");
  assert.equal(yaml.text, azfnBuild("prod"));
  await chooseExample(page, "inline-secret");
  const sarif = await save("#download-sarif");
  assert.equal(sarif.name, "azfn.sarif");
  const log = JSON.parse(sarif.text);
  assert.equal(log.version, "2.1.0");
  assert.equal(log.runs[0].results[0].ruleId, "AZF001");
  assert.equal(log.runs[0].results[0].locations[0].physicalLocation.region.startLine, 7);
  await chooseExample(page, "stale-subject");
  await tab(page, "findings");
  const findings = await page.textContent(".findings");
  assert.match(findings, /AZF022 federated-subject.*system:serviceaccount:orders-prod:reports.*in prod.*overlays\/prod\/reports-identity\.yaml:\d+/s);
  assert.match(findings, /AZF023 missing-credential.*system:serviceaccount:orders-prod:prod-reports/s);
  await chooseExample(page, "drift-in-prod");
  const markdown = await save("#download-markdown");
  assert.equal(markdown.name, "parity.md");
  assert.match(markdown.text, /ORDERS_SKIP_FRAUD_CHECK/);
  await context.close();
});

test("keyboard: every control is reachable, tabs follow the arrow keys, the editor lets focus go", async () => {
  const { page, context } = await fresh();
  await page.focus("#example");
  const order = [];
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press("Tab");
    order.push(await page.evaluate(() => document.activeElement.id || document.activeElement.dataset.path || document.activeElement.className));
  }
  assert.deepEqual(order.slice(0, 7), ["open-zip", "open-folder", "share", "download-yaml", "download-sarif", "download-markdown", "file-add"]);
  await page.focus("#tabs [aria-selected=true]");
  await page.keyboard.press("ArrowRight");
  assert.equal(await page.evaluate(() => document.activeElement.dataset.tab), "env:test");
  assert.equal(await page.getAttribute("#tabs [data-tab='env:test']", "aria-selected"), "true");
  await page.keyboard.press("End");
  assert.equal(await page.evaluate(() => document.activeElement.dataset.tab), "parity");
  await page.click("#editor .cm-content");
  await page.keyboard.press("Escape");
  await page.keyboard.press("Tab");
  assert.ok(!(await page.evaluate(() => document.activeElement.closest("#editor"))), "Escape, Tab leaves the editor");
  await context.close();
});

test("contrast: the main controls meet WCAG AA (4.5:1)", async () => {
  const { page, context } = await fresh();
  await chooseExample(page, "stale-subject");
  await tab(page, "findings");
  const findings = await page.textContent(".findings");
  assert.match(findings, /AZF022 federated-subject.*system:serviceaccount:orders-prod:reports.*in prod.*overlays\/prod\/reports-identity\.yaml:\d+/s);
  assert.match(findings, /AZF023 missing-credential.*system:serviceaccount:orders-prod:prod-reports/s);
  await chooseExample(page, "drift-in-prod");
  await tab(page, "parity");
  const measure = (selectors) => page.evaluate((selectors) => {
    const rgb = (c) => c.match(/[\d.]+/g).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length < 4 || c[3] > 0) return c;
      }
      return [255, 255, 255];
    };
    return selectors.map((s) => {
      const el = document.querySelector(s);
      if (!el) return [s, 0];
      const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
      return [s, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
    });
  }, selectors);
  const ratios = await measure(["#example", "#share", "#download-yaml", "#file-add", "#status", "#tree button",
    "#tree [aria-selected=true]", "#tabs [aria-selected=true]", "#tabs [aria-selected=false]", ".matrix tr.drift td.differs",
    ".matrix tr.allowed td", ".matrix tr.group.drift th", ".matrix .status", ".note", "#editor .cm-line"]);
  await tab(page, "findings");
  ratios.push(...await measure(["#tabs .fails[aria-selected=false]", "#tabs [aria-selected=true]"]));
  await chooseExample(page, "inline-secret");
  await tab(page, "findings");
  ratios.push(...await measure([".finding.error .severity", ".finding .message", ".finding .meta", ".finding button.link"]));
  for (const [selector, ratio] of ratios) assert.ok(ratio >= 4.5, `${selector}: contrast ${ratio.toFixed(2)}:1`);
  await context.close();
});

test("nothing leaves the page: every request went to azfn serve", async () => {
  assert.deepEqual(external, [], "the page requested third-party resources");
});

test("team rules in Rego: their findings show like built-in ones, and follow edits to the policy as you type", async () => {
  const { page, context } = await fresh();
  // The Rego engine is a second module, fetched only once a tree holds a policy.
  const modules = [];
  context.on("request", (r) => { if (new URL(r.url()).pathname.endsWith(".wasm")) modules.push(r.url()); });
  await chooseExample(page, "drift-in-prod");
  assert.deepEqual(modules, [], "a tree without policies fetched another module");
  await chooseExample(page, "team-policies");
  assert.equal(modules.length, 1, `one more module for the policies: ${modules}`);
  // Of the two modules azfn serve has (web/dist, embedded), it fetched the larger one.
  const assets = join(here, "..", "dist", "assets");
  const wasm = (await readdir(assets)).filter((f) => f.endsWith(".wasm"));
  assert.equal(wasm.length, 2, `two modules in web/dist: ${wasm}`);
  const sizes = await Promise.all(wasm.map(async (f) => (await stat(join(assets, f))).size));
  const larger = wasm[sizes.indexOf(Math.max(...sizes))];
  assert.equal(new URL(modules[0]).pathname.split("/").pop(), larger);
  await tab(page, "findings");
  const message = "Deployment prod-orders has no contoso.com/owner label: name the owning team";
  // The message the CLI, kustomize and kpt print for the same rule (tests/tests/policies.rs).
  assert.match(await page.textContent(".findings"), new RegExp(`ORG002 deny.*${message}.*in prod`, "s"));
  // Parity builds each environment as `azfn parity` does, with the tree's policy folder: prod's
  // build fails on the team rule (not for want of the folder's files).
  await page.waitForSelector('#tabs [data-tab="parity"].fails');
  await tab(page, "parity");
  const parity = await page.textContent("#panel");
  assert.match(parity, /ORG002 deny: Deployment prod-orders-http has no contoso.com\/owner label/, parity);
  assert.doesNotMatch(parity, /no \.rego files/);
  await openFile(page, "policies/labels.rego");
  // Highlighted as Rego: `package` is a keyword token, the message a string token.
  const keyword = await page.locator(".cm-line", { hasText: "package azfn.labels" }).locator("span", { hasText: /^package$/ }).first();
  const color = await keyword.evaluate((e) => getComputedStyle(e).color);
  const plain = await page.locator(".cm-line", { hasText: "package azfn.labels" }).evaluate((e) => getComputedStyle(e).color);
  assert.notEqual(color, plain, "keywords are highlighted");
  const text = (await files(page))["policies/labels.rego"];
  const line = text.split("\n").findIndex((l) => l.includes("name the owning team")) + 1;
  await rerendered(page, async () => {
    await endOfLine(page, line);
    for (let i = 0; i < 'the owning team", [input.kind, input.metadata.name]),'.length; i++) await page.keyboard.press("ArrowLeft");
    await page.keyboard.type("the team that owns it, ");
  }, "rendered");
  await tab(page, "findings");
  await page.waitForFunction(() => document.querySelector(".findings")?.textContent.includes("name the team that owns it, the owning team"));
  await page.screenshot({ path: join(artifacts, "team-policies.png") });
  await context.close();
});
