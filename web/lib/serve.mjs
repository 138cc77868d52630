// Starts the real `azfn serve` (the page embedded in the binary) on a free loopback port, and a
// headless Debian Chromium; what the Playwright tests and the keystroke benchmark share.
import { spawn } from "node:child_process";
import { chromium } from "playwright-core";

export async function serve() {
  const bin = process.env.AZFN_BIN;
  if (!bin) throw new Error("AZFN_BIN must point at the built azfn binary (make test sets it)");
  const child = spawn(bin, ["serve", "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = /azfn preview: (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`azfn serve exited with ${code}: ${out}`)));
  });
  return { url, stop: () => child.kill() };
}

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** A new page on `url`, ready and rendered (and, by default, compared). */
export async function openPage(browser, url, { parity = true, viewport = { width: 1600, height: 1000 } } = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(url);
  await page.waitForSelector(parity ? "body[data-parity]" : "body[data-rendered]", { timeout: 30000 });
  return { context, page, errors };
}
