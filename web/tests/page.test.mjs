// The preview page in the real (Debian) Chromium, driven by playwright-core: the page loads
// the core in a Web Worker, checks a ResourceList, shows findings, and its output is the very
// bytes the azfn binary prints for the same input.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile, mkdtemp, mkdir, rm } from "node:fs/promises";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, extname, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "..", "dist");
const artifacts = join(here, "..", "test-results");
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm" };

let server, base, context, page, profile;
const external = [];

before(async () => {
  server = createServer(async (req, res) => {
    const path = new URL(req.url, "http://localhost").pathname;
    const file = join(dist, path === "/" ? "index.html" : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${server.address().port}/`;
  profile = await mkdtemp(join(tmpdir(), "azfn-chromium-"));
  await mkdir(artifacts, { recursive: true });
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  page = await context.newPage();
  page.on("request", (r) => { if (!r.url().startsWith(base)) external.push(r.url()); });
  page.on("pageerror", (e) => { throw e; });
  await page.goto(base);
  await page.waitForSelector("body[data-checked]");
});

after(async () => {
  await context?.close();
  server?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

async function checkedAfter(action) {
  const before = Number(await page.getAttribute("body", "data-checked"));
  await action();
  await page.waitForFunction((n) => Number(document.body.dataset.checked) > n, before);
}

test("the clean example shows no findings and the same bytes as the azfn binary", async () => {
  assert.equal(await page.textContent("#findings"), "No findings.");
  const input = await page.inputValue("#input");
  const output = await page.textContent("#output");
  assert.equal(output, input, "a clean ResourceList passes through unchanged");
  const bin = process.env.AZFN_BIN;
  assert.ok(bin, "AZFN_BIN must point at the built azfn binary (make test sets it)");
  const cli = spawnSync(bin, [], { input, encoding: "utf8" });
  assert.equal(cli.status, 0, cli.stderr);
  assert.equal(output, cli.stdout, "browser and CLI output differ");
  await page.screenshot({ path: join(artifacts, "clean.png"), fullPage: true });
});

test("an inline connection string is reported without showing the key", async () => {
  await checkedAfter(() => page.selectOption("#example", "inline-secret"));
  const items = await page.$$eval("#findings li", (lis) => lis.map((li) => li.textContent));
  assert.equal(items.length, 1);
  assert.match(items[0], /^error: AZF001 inline-secret: env var "AzureWebJobsStorage" of container "func" holds an Azure Storage account key: ZXhh… \(88 characters, redacted\)/);
  assert.match(items[0], /Deployment\/orders-prod\/orders spec\.template\.spec\.containers\[0\]\.env\[1\]\.value \(deployment\.yaml\)$/);
  assert.match(await page.textContent("#status"), /^1 error · checked in/);
  const input = await page.inputValue("#input");
  const key = input.split("AccountKey=")[1].split(";")[0];
  assert.ok(!(await page.textContent("#findings")).includes(key.slice(0, 12)), "the key is shown in findings");
  const cli = spawnSync(process.env.AZFN_BIN, [], { input, encoding: "utf8" });
  assert.equal(cli.status, 1);
  assert.equal(await page.textContent("#output"), cli.stdout, "browser and CLI output differ");
  await page.screenshot({ path: join(artifacts, "inline-secret.png"), fullPage: true });
});

test("an edit re-checks, and broken YAML shows its location while the last output stays", async () => {
  await checkedAfter(() => page.selectOption("#example", "clean"));
  const good = await page.textContent("#output");
  await page.fill("#input", (await page.inputValue("#input")).replace("replicas: 2", "replicas: 3"));
  await page.waitForFunction(() => document.querySelector("#output").textContent.includes("replicas: 3"));
  await page.selectOption("#example", "broken-yaml");
  await page.waitForSelector("#error:not([hidden])");
  assert.match(await page.textContent("#error"), /^ResourceList:\d+:\d+: not valid YAML: /);
  assert.notEqual(await page.textContent("#output"), "", "the last good output stays visible");
  assert.ok(good.length > 0);
  await page.screenshot({ path: join(artifacts, "broken-yaml.png"), fullPage: true });
});

test("the controls are reachable by keyboard and nothing leaves the page", async () => {
  await page.focus("#example");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "input");
  assert.deepEqual(external, [], "the page requested third-party resources");
});
