// The page's trust boundary, in the real Chromium over the real `azfn serve`: a share link
// carries exactly the tree that was scanned for secrets; a link from someone else cannot inflate
// without bound; a trapped engine is replaced; file names that are JavaScript's own member
// names are ordinary files.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { serve, launch, openPage } from "../lib/serve.mjs";
import { zip } from "../lib/zip.mjs";

let server, browser;

before(async () => {
  server = await serve();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

const counter = (page, name) => page.evaluate((n) => Number(document.body.dataset[n] ?? 0), name);

async function rerendered(page, action, what = "parity") {
  const before = await counter(page, what);
  await action();
  await page.waitForFunction(([n, w]) => Number(document.body.dataset[w] ?? 0) > n, [before, what], { timeout: 20000 });
}

const fakeKey = () => "Zm9v".repeat(21) + "YmE="; // 88 base64 characters, shaped like a storage key

function linkOf(state) {
  const json = JSON.stringify({ v: 1, ...state });
  return "#tree=" + deflateRawSync(Buffer.from(json)).toString("base64url");
}

function treeOfLink(href) {
  const fragment = new URL(href).hash.slice("#tree=".length);
  return JSON.parse(inflateRawSync(Buffer.from(fragment, "base64url")).toString("utf8"));
}

test("a share link encodes the tree that was scanned, not what was typed during the scan", async () => {
  const { page, context } = await openPage(browser, server.url);
  const scanned = await page.evaluate(() => window.azfnPreview.files());
  const open = await page.textContent("#file-name");
  const secret = `AccountKey=${fakeKey()}`;
  // The click takes its snapshot before its first await; the edit lands while the scan runs.
  await page.evaluate((text) => {
    document.getElementById("share").click();
    window.azfnPreview.replaceOpen(text);
  }, `# pasted: DefaultEndpointsProtocol=https;AccountName=x;${secret}\n`);
  await page.waitForSelector("#share-result:not([hidden])");
  const shared = treeOfLink(await page.inputValue("#share-link"));
  assert.deepEqual(shared.files, scanned, "the link holds the scanned snapshot");
  assert.equal(shared.open, open);
  assert.ok(!JSON.stringify(shared).includes(fakeKey()), "the secret typed during the scan is not in the link");
  await context.close();
});

test("a share link that inflates past the cap is refused with a message, and the page still works", async () => {
  // 64 MiB of one repeated line deflates to about 64 KiB: a decompression bomb in a URL.
  const bomb = linkOf({ files: { "base/kustomization.yaml": "a: b\n".repeat(64 << 18) } });
  assert.ok(bomb.length < 200_000, `the bomb link is ${bomb.length} characters`);
  const started = Date.now();
  const { page, context, errors } = await openPage(browser, server.url + bomb);
  await page.waitForSelector("#banner:not([hidden])");
  const banner = await page.textContent("#banner");
  assert.match(banner, /^This link was not opened: it holds more than 8 MiB, more than a link may carry$/);
  assert.ok(Date.now() - started < 15000, `refusing took ${Date.now() - started} ms`);
  // The page fell back to the example and renders it.
  assert.ok(Object.keys(await page.evaluate(() => window.azfnPreview.files())).some((p) => p.startsWith("overlays/prod/")));
  assert.deepEqual(errors, []);
  await context.close();
});

test("a trapped engine is replaced: the page says so and the next render works", async () => {
  const { page, context } = await openPage(browser, server.url);
  const reply = await page.evaluate(() => window.azfnPreview.trap());
  assert.equal(reply.ok, false);
  assert.equal(reply.trapped, true, JSON.stringify(reply));
  await page.waitForFunction(() => Number(document.body.dataset.workerRestarts ?? 0) === 1);
  assert.equal(await page.textContent("#status"), "restarted after the engine crashed");
  // An edit renders again, on the new worker.
  await rerendered(page, () => page.evaluate(() => {
    const files = window.azfnPreview.files();
    window.azfnPreview.replaceOpen(files[document.getElementById("file-name").textContent] + "\n# edited after the crash\n");
  }));
  const prod = await page.textContent("#panel");
  assert.match(prod, /kind: Deployment/);
  await context.close();
});

test("__proto__, constructor and toString are ordinary file names", async () => {
  const names = ["__proto__", "constructor", "toString", "overlays/prod/__proto__.yaml", "hasOwnProperty"];
  // Entries, not an object literal: in Node too `tree["__proto__"] = …` would set a prototype.
  const entries = [
    ["base/kustomization.yaml", "resources:\n- constructor\n"],
    ["base/constructor", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-constructor\ndata:\n  k: v\n"],
    ...names.map((name) => [name, `# ${name}\n`]),
  ];
  // JSON.parse makes "__proto__" an own key, as a link from someone else would.
  const json = `{"v":1,"files":{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}}`;
  const link = "#tree=" + deflateRawSync(Buffer.from(json)).toString("base64url");
  const { page, context } = await openPage(browser, server.url + link);
  const held = await page.evaluate(() => {
    const files = window.azfnPreview.files();
    return { keys: Object.keys(files).sort(), proto: Object.getPrototypeOf(files) === Object.prototype };
  });
  assert.deepEqual(held.keys, entries.map(([k]) => k).sort());
  assert.ok(held.proto, "the prototype of the copy is untouched");
  for (const name of names) assert.ok(await page.$(`#tree [data-path="${name}"]`), `${name} is listed`);
  // The file named constructor is read by the build like any other.
  assert.match(await page.textContent("#panel"), /name: from-constructor/);
  // A new file with a member's name can be added: it does not "exist" already.
  await page.click("#file-add");
  await page.fill("#file-form-input", "valueOf");
  await page.click("#file-form button[type=submit]");
  await page.waitForFunction(() => Object.keys(window.azfnPreview.files()).includes("valueOf"));
  await context.close();
});

const utf16le = (text) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);

test("a zip holding PowerShell's UTF-16 files opens as text, and an entry that inflates past its limit is refused", async () => {
  const { page, context } = await openPage(browser, server.url);
  const archive = zip({
    "repo/kustomization.yaml": utf16le("resources:\r\n- settings.yaml\r\n"),
    "repo/settings.yaml": utf16le("apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: caf\u00e9-settings\r\ndata:\r\n  k: v\r\n"),
  }, { deflate: true });
  await rerendered(page, () => page.setInputFiles("#zip-input", { name: "repo.zip", mimeType: "application/zip", buffer: archive }), "rendered");
  assert.match(await page.textContent("#panel"), /name: caf\u00e9-settings/);
  // 64 MiB of zeros deflate to 64 KiB, and the entry says it is 100 bytes.
  const bomb = zip({ "repo/kustomization.yaml": "resources: []\n", "repo/big.yaml": Buffer.alloc(64 << 20) }, { deflate: true, declaredSize: 100 });
  await page.setInputFiles("#zip-input", { name: "bomb.zip", mimeType: "application/zip", buffer: bomb });
  await page.waitForFunction(() => document.getElementById("banner").textContent.startsWith("Cannot open it:"));
  assert.equal(await page.textContent("#banner"), "Cannot open it: repo/big.yaml holds more than 1 MiB");
  await context.close();
});
