// The web page end to end: `vite build`, `vite preview` on a free port, Debian's Chromium
// headless through playwright-core, then the worker's results are checked.
// Run: node --test tests/browser/   (after `make build`, which fills web/public/wasm/)
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const webDir = join(root, 'web');
const shotDir = join(root, 'build', 'screenshots');
const viteBin = join(webDir, 'node_modules', 'vite', 'bin', 'vite.js');
const { chromium } = createRequire(join(webDir, 'package.json'))('playwright-core');

// Without the networking flags Chromium floods this closed network with refused connections.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

function freePort() {
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

// A plain static server for web/dist, without the isolation headers.
function servePlain(dir, port) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm' };
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
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

// Loads the page and returns what its worker posted.
async function workerResult(page, url, consoleLines) {
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 30000 });
  const data = await page.evaluate(() => window.kindlingResult);
  assert.equal(data.ok, true, `worker failed: ${data.error}\n${consoleLines.join('\n')}`);
  return data.result;
}

let preview;
let browser;  // a persistent context in a fresh, empty profile
let userDataDir;
let baseUrl;
let previewLog = '';

before(async () => {
  const build = spawnSync(process.execPath, [viteBin, 'build', '--logLevel', 'warn'], { cwd: webDir, encoding: 'utf8' });
  assert.equal(build.status, 0, `vite build failed:\n${build.stdout}\n${build.stderr}`);

  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}/`;
  preview = spawn(process.execPath, [viteBin, 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: webDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  preview.stdout.on('data', (d) => { previewLog += d; });
  preview.stderr.on('data', (d) => { previewLog += d; });
  await waitForHttp(baseUrl, preview);

  userDataDir = mkdtempSync(join(tmpdir(), 'kindling-chromium-'));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    viewport: { width: 1100, height: 720 },
  });
});

after(async () => {
  await browser?.close();
  preview?.kill();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

test('vite preview sends the cross-origin isolation headers', async () => {
  const response = await fetch(baseUrl);
  assert.equal(response.headers.get('cross-origin-opener-policy'), 'same-origin');
  assert.equal(response.headers.get('cross-origin-embedder-policy'), 'require-corp');
  const wasm = await fetch(new URL('wasm/kindling_mt.web.wasm', baseUrl));
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
});

test('the page runs the threaded module in a worker and shows real results', async () => {
  const page = await browser.newPage();
  const consoleLines = [];
  try {
    const { backend, matmul, softmax, error, afterErrorSum } = await workerResult(page, baseUrl, consoleLines);

    assert.equal(await page.evaluate(() => self.crossOriginIsolated), true);
    assert.equal(backend.crossOriginIsolated, true);
    assert.equal(backend.build, 'mt');
    assert.equal(backend.simd, true);
    assert.equal(backend.threads, true);
    assert.ok(backend.numThreads > 1, `numThreads ${backend.numThreads}`);

    assert.equal(matmul.entry, 256);
    assert.equal(matmul.allEqualN, true);
    assert.ok(matmul.medianMs > 0 && Number.isFinite(matmul.gflops));

    const expected = [0.09003057, 0.24472847, 0.66524096];  // torch.tensor([1., 2., 3.]).softmax(0)
    softmax.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `softmax[${i}] = ${v}`));

    assert.deepEqual(error && { isError: error.isError, name: error.name }, { isError: true, name: 'ShapeError' });
    assert.match(error.message, /mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)/);
    assert.equal(afterErrorSum, 6);

    const text = await page.textContent('main');
    assert.match(text, /threads\s*on: \d+ \(max 4\)/);
    assert.match(text, /GFLOPS/);

    mkdirSync(shotDir, { recursive: true });
    await page.screenshot({ path: join(shotDir, 'page.png'), fullPage: true });
    console.log(`# matmul 256x256 in the browser: ${matmul.medianMs.toFixed(2)} ms (${matmul.gflops.toFixed(2)} GFLOPS, ${backend.numThreads} threads)`);
  } catch (e) {
    e.message += `\n--- browser console ---\n${consoleLines.join('\n')}\n--- vite preview ---\n${previewLog}`;
    throw e;
  } finally {
    await page.close();
  }
});

test('without cross-origin isolation the page falls back to the single-threaded build', async () => {
  const server = await servePlain(join(webDir, 'dist'), await freePort());
  const page = await browser.newPage();
  const consoleLines = [];
  try {
    const { backend, matmul, softmax } = await workerResult(page, `http://127.0.0.1:${server.address().port}/`, consoleLines);
    assert.equal(backend.crossOriginIsolated, false);
    assert.equal(backend.build, 'st');
    assert.equal(backend.threads, false);
    assert.equal(backend.simd, true);
    assert.equal(matmul.allEqualN, true);
    assert.ok(Math.abs(softmax[2] - 0.66524096) < 1e-6);
  } finally {
    await page.close();
    server.close();
  }
});
