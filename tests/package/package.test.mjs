// The npm package as a user gets it: `npm pack` bindings/npm, install the tarball offline into a
// fresh project, then (a) run a node script that imports 'kindling' and trains, (b) type-check
// a TypeScript file using the API with `tsc --noEmit --strict` against the package's types,
// (c) `vite build` an app importing 'kindling' and run it in Chromium, served with and without
// the cross-origin isolation headers (threaded / single-threaded build), on the page and (d) in
// a module Web Worker created the Vite way (`new Worker(new URL('./worker.js', import.meta.url),
// { type: 'module' })`).
// Run: node --test tests/package/   (after `make build` and `make deps`)
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));
const pkgDir = join(root, 'bindings', 'npm');
const tools = join(here, 'node_modules');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let tmp;
let project;
let tarball;

function run(cmd, args, cwd, extra = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120000, ...extra });
  assert.equal(r.error, undefined, `${cmd} ${args.join(' ')}: ${r.error}`);
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'kindling-package-'));
  const packed = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', tmp], pkgDir));
  tarball = join(tmp, packed[0].filename);
  const files = packed[0].files.map((f) => f.path);
  console.log(`# tarball ${packed[0].filename}: ${statSync(tarball).size} bytes (unpacked ${packed[0].unpackedSize}), ${files.length} files`);
  for (const f of ['package.json', 'README.md', 'index.d.ts', 'index.cjs', 'types/tensor.d.ts', 'types/nn.d.ts', 'types/optim.d.ts', 'dist/node.mjs', 'dist/web.mjs', 'dist/package.json',
    'dist/api.mjs', 'dist/tensor.mjs', 'dist/kindling_mt.node.wasm', 'dist/kindling_st.web.wasm', 'dist/kindling_mt.web.worker.js']) {
    assert.ok(files.includes(f), `${f} is not in the tarball`);
  }

  project = join(tmp, 'app');
  cpSync(join(here, 'app'), project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'kindling-consumer', private: true, type: 'module' }, null, 2));
  run(npm, ['install', tarball, '--offline', '--no-audit', '--no-fund', '--loglevel=error'], project);
});

after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('(a) node: import kindling from the installed package and train', () => {
  const out = run(process.execPath, ['use.mjs'], project);
  const result = JSON.parse(out.trim().split('\n').pop());
  assert.ok(Math.abs(result.w - 2) < 1e-3);
  assert.ok(Math.abs(result.b + 1) < 1e-3);
  assert.match(result.repr, /^tensor\(\[\[2\.0+\]\], requires_grad=True\)$/);
  assert.equal(result.nn, 'object');
  assert.equal(result.optim, 'object');
});

test('(a2) node: require(\'kindling\') from CommonJS gives the same factory', () => {
  const out = run(process.execPath, ['use.cjs'], project);
  const result = JSON.parse(out.trim().split('\n').pop());
  assert.deepEqual(result, { build: 'st', value: 54 });
});

test('(b) types: tsc --noEmit --strict over a file using the API', () => {
  const tsc = join(tools, 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project, encoding: 'utf8', timeout: 120000 });
  assert.equal(r.status, 0, `tsc failed:\n${r.stdout}\n${r.stderr}`);
  // and a wrong use is caught
  writeFileSync(join(project, 'bad.ts'), "import kindling from 'kindling';\nconst kd = await kindling();\nkd.zeros(2).sum('x');\nexport {};\n");
  writeFileSync(join(project, 'tsconfig.bad.json'), JSON.stringify({ extends: './tsconfig.json', files: ['bad.ts'] }));
  const bad = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.bad.json'], { cwd: project, encoding: 'utf8', timeout: 120000 });
  assert.notEqual(bad.status, 0, 'tsc accepted a wrong call');
  assert.match(bad.stdout, /bad\.ts/);
});

// A static server for the built app, optionally with the cross-origin isolation headers.
function serve(dir, isolated) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    try {
      const body = readFileSync(join(dir, path.endsWith('/') ? `${path}index.html` : path));
      const headers = { 'Content-Type': types[extname(path)] ?? 'text/html' };
      if (isolated) Object.assign(headers, { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
      res.writeHead(200, headers);
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// `vite build` once, and one Chromium for the page and worker tests.
let built;
function viteBuild() {
  if (!built) {
    const vite = join(tools, 'vite', 'bin', 'vite.js');
    run(process.execPath, [vite, 'build'], project);
    built = join(project, 'dist');
  }
  return built;
}

let browser;
let userDataDir;
async function launch() {
  if (!browser) {
    const { chromium } = createRequire(join(root, 'web', 'package.json'))('playwright-core');
    userDataDir = mkdtempSync(join(tmpdir(), 'kindling-chromium-'));
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }
  return browser;
}

after(async () => {
  if (browser) await browser.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

// Serves the built app (with or without the isolation headers), opens it and returns what it
// reported: { page, worker, lines } (the console lines for failure messages).
async function openApp(isolated) {
  const dist = viteBuild();
  const server = await serve(dist, isolated);
  const page = await (await launch()).newPage();
  const lines = [];
  page.on('console', (m) => lines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`));
  try {
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 60000 });
    const [pageResult, workerResult] = await page.evaluate(() => [window.kindlingResult, window.kindlingWorkerResult]);
    return { page: pageResult, worker: workerResult, lines: lines.join('\n') };
  } finally {
    await page.close();
    server.close();
  }
}

const apps = new Map();
const app = (isolated) => {
  if (!apps.has(isolated)) apps.set(isolated, openApp(isolated));
  return apps.get(isolated);
};

test('(c) vite build of an app importing kindling; it runs in Chromium on the page (threaded and not)', async () => {
  const dist = viteBuild();
  const assets = execFileSync('ls', [join(dist, 'assets')], { encoding: 'utf8' });
  assert.match(assets, /kindling_mt\.web.*\.wasm/);
  assert.match(assets, /kindling_st\.web.*\.wasm/);
  for (const isolated of [true, false]) {
    const { page: data, lines } = await app(isolated);
    assert.equal(data?.ok, true, `isolated=${isolated}: ${data?.error}\n${lines}`);
    const { backend, crossOriginIsolated, softmax, grad, matmul, repr } = data.result;
    assert.equal(crossOriginIsolated, isolated);
    assert.equal(backend.build, isolated ? 'mt' : 'st');
    assert.equal(backend.simd, true);
    const want = [0.09003057, 0.24472847, 0.66524096];
    softmax.forEach((v, i) => assert.ok(Math.abs(v - want[i % 3]) < 1e-6, `softmax[${i}] ${v}`));
    assert.deepEqual(grad, [[2, 4, 6], [8, 10, 12]]);
    assert.equal(matmul, 64 * 64 * 64);
    assert.equal(repr, 'tensor([[1., 2., 3.],\n        [4., 5., 6.]], requires_grad=True)');
  }
});

test('(d) the same app runs kindling inside a module Web Worker (threaded and not)', async () => {
  const close = (got, want, what) => {
    assert.equal(got.length, want.length, what);
    got.forEach((v, i) => (Array.isArray(v) ? close(v, want[i], `${what}[${i}]`) : assert.ok(Math.abs(v - want[i]) < 1e-6, `${what}[${i}]: ${v} != ${want[i]}`)));
  };
  for (const isolated of [true, false]) {
    const { worker: data, lines } = await app(isolated);
    assert.equal(data?.ok, true, `isolated=${isolated}: ${data?.error}\n${lines}`);
    const { backend, crossOriginIsolated, matmul, bigMatmul, grad, loss, weight, bias } = data.result;
    assert.equal(crossOriginIsolated, isolated);
    assert.equal(backend.build, isolated ? 'mt' : 'st');
    assert.equal(backend.threads, isolated);
    assert.equal(backend.simd, true);
    assert.deepEqual(matmul, [[19, 22], [43, 50]]);
    assert.equal(bigMatmul, 256 ** 3);
    assert.deepEqual(grad, [3, 12, 27]);
    // nn.Linear(2, 1) from w = [[0.5, -0.5]], b = 0.25; MSE on x = [[1, 2], [3, 4]], y = [[1], [2]]; SGD lr 0.1
    assert.ok(Math.abs(loss - 3.3125) < 1e-6, `loss ${loss}`);
    close(weight, [[1.3, 0.65]], 'weight');
    close(bias, [0.6], 'bias');
  }
});
