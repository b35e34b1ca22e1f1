// What the browser suites share: `vite build` of web/, `vite preview` (which sends the
// cross-origin isolation headers) and a plain static server (which does not), Debian's Chromium
// through playwright-core in a fresh profile, and a page wrapper that records console errors.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const webDir = join(root, 'web');
export const shotDir = join(root, 'build', 'screenshots');
const viteBin = join(webDir, 'node_modules', 'vite', 'bin', 'vite.js');
const { chromium } = createRequire(join(webDir, 'package.json'))('playwright-core');

// Without the networking flags Chromium floods this closed network with refused connections.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url, child, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`vite preview exited with ${child.exitCode}`);
    try {
      const response = await fetch(url);
      if (response.ok) return response;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

export function viteBuild() {
  const build = spawnSync(process.execPath, [viteBin, 'build', '--logLevel', 'warn'], { cwd: webDir, encoding: 'utf8' });
  assert.equal(build.status, 0, `vite build failed:\n${build.stdout}\n${build.stderr}`);
  return `${build.stdout}${build.stderr}`;
}

/** `vite preview` of web/dist on a free port: {url, log(), close()}. */
export async function vitePreview() {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  let log = '';
  const child = spawn(process.execPath, [viteBin, 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: webDir, stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  await waitForHttp(url, child);
  return { url, log: () => log, close: () => child.kill() };
}

/** web/dist on a plain static server, without the isolation headers: {url, close()}. */
export async function plainServer(dir = join(webDir, 'dist')) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.txt': 'text/plain; charset=utf-8' };
  const server = createHttpServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    try {
      const body = readFileSync(join(dir, path.endsWith('/') ? `${path}index.html` : path));
      res.writeHead(200, { 'Content-Type': types[extname(path)] ?? 'text/html' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}/`, close: () => server.close() };
}

/** A persistent Chromium context in a fresh, empty profile. */
export async function launchBrowser(options = {}) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'kindling-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, viewport: { width: 1366, height: 768 }, ...options,
  });
  return { context, close: async () => { await context.close(); rmSync(userDataDir, { recursive: true, force: true }); } };
}

/** A new page whose console errors and uncaught exceptions are collected in `page.problems`. */
export async function newPage(context) {
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') page.problems.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  return page;
}

/** Builds web/, serves it with `vite preview` and starts Chromium: {preview, browser, close()}. */
export async function startPlayground() {
  viteBuild();
  const preview = await vitePreview();
  const browser = await launchBrowser();
  return { preview, browser, close: async () => { await browser.close(); preview.close(); } };
}

/** The step counter of the transport bar. */
/** The inspector's named_parameters() names, once its table has filled in (with the first snapshot that asked for it). */
export async function parameterNames(page) {
  const buttons = page.getByRole('table', { name: 'named_parameters()' }).locator('tbody th[scope=row] button');
  await buttons.first().waitFor();
  return buttons.allInnerTexts();
}

export const stepOf = async (page) => Number(await page.getByLabel('Step count').getAttribute('data-step'));

/**
 * Waits until the step counter satisfies `condition`, e.g. 'step > 50' or 'step === 0' (parsed
 * here: the page's Content-Security-Policy forbids evaluating strings, in tests too).
 */
export async function untilStep(page, condition, timeout = 60000) {
  const m = /^step\s*(>|>=|===|<)\s*(\d+)$/.exec(condition);
  assert.ok(m, `untilStep: cannot read '${condition}'`);
  await page.waitForFunction(([op, n]) => {
    const step = Number(document.querySelector('output[aria-label="Step count"]')?.dataset.step);
    return op === '>' ? step > n : op === '>=' ? step >= n : op === '===' ? step === n : step < n;
  }, [m[1], Number(m[2])], { timeout });
}

/** Opens a page of the playground and waits until the worker has built the model. */
export async function openPlayground(browser, url) {
  const page = await newPage(browser.context);
  await page.goto(url);
  await page.getByRole('button', { name: 'Play' }).and(page.locator(':enabled')).waitFor({ timeout: 30000 });
  return page;
}

// Chromium's software GL says "GPU stall due to ReadPixels" when a test reads a WebGL canvas
// back (toDataURL): a note about the test's own read, not a problem of the page.
const TEST_ARTIFACTS = [/GL Driver Message .*GPU stall due to ReadPixels/];

export function noProblems(page) {
  const problems = page.problems.filter((p) => !TEST_ARTIFACTS.some((re) => re.test(p)));
  assert.deepEqual(problems, [], `console errors:\n${problems.join('\n')}`);
}
