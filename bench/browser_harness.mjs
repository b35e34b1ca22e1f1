// The web page under Chromium, for benchmarks: `vite build` of web/, `vite preview` (which sends
// the cross-origin isolation headers, so the threaded build runs), a static server (for web/dist
// without those headers: the single-threaded fallback; for the repository's own files), and
// Debian's Chromium headless through playwright-core. tests/browser/harness.mjs starts the page
// the same way for the tests; this module was written while that one was being rewritten, and
// adds what only the benchmark needs (a directory served with the isolation headers, the CPU
// time of Chromium's threads): the two should become one.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoDir = fileURLToPath(new URL('..', import.meta.url));
const webDir = join(repoDir, 'web');
export const distDir = join(webDir, 'dist');
const viteBin = join(webDir, 'node_modules', 'vite', 'bin', 'vite.js');
const { chromium } = createRequire(join(webDir, 'package.json'))('playwright-core');

const CHROMIUM = '/usr/bin/chromium';  // Debian's: a browser playwright downloads does not run here
// Without the networking flags Chromium floods this closed network with refused connections.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function buildWeb() {
  const build = spawnSync(process.execPath, [viteBin, 'build', '--logLevel', 'warn'], { cwd: webDir, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`vite build failed:\n${build.stdout}\n${build.stderr}`);
}

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
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/** `vite preview` of web/dist on a free port: {url, close()}. */
export async function startPreview() {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const child = spawn(process.execPath, [viteBin, 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: webDir,
    stdio: 'ignore',
  });
  await waitForHttp(url, child);
  return { url, close: () => child.kill() };
}

// What SharedArrayBuffer, and so the threaded wasm build, needs (web/vite.config.js sends them).
export const CROSS_ORIGIN_ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * `dir` served on a free port, with `headers` on every response: {url, close()}. A path ending
 * in / serves its index.html, or an empty page where there is none.
 */
export async function startStaticServer(dir, headers = {}) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.txt': 'text/plain; charset=utf-8' };
  const server = createHttpServer((req, res) => {
    const asked = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const path = asked.endsWith('/') ? `${asked}index.html` : asked;
    let body;
    try {
      body = readFileSync(join(dir, path));
    } catch {
      body = asked.endsWith('/') ? '<!doctype html><title>empty</title>' : null;
    }
    res.writeHead(body === null ? 404 : 200, { ...headers, 'Content-Type': types[extname(path)] ?? 'application/octet-stream' });
    res.end(body ?? undefined);
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(resolve)) };
}

const CLOCK_TICKS_PER_S = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

// /proc/<pid>/stat and /proc/<pid>/task/<tid>/stat: "pid (name) state ppid ... utime stime ...".
function readStat(path) {
  const text = readFileSync(path, 'utf8');
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  return { name: text.slice(text.indexOf('(') + 1, close), ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
}

/**
 * CPU time (ms, user + system) used so far by this process's Chromium: by its Web Workers
 * ("DedicatedWorker" threads: a page's worker and the wasm pthreads it starts) and by
 * everything else (page main threads, compositing, raster, GPU, IO). Linux only (/proc).
 */
export function chromiumCpuMs() {
  const processes = new Map();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      processes.set(pid, readStat(`/proc/${pid}/stat`));
    } catch {
      // gone meanwhile
    }
  }
  const ours = new Set([String(process.pid)]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, { ppid }] of processes) {
      if (!ours.has(pid) && ours.has(String(ppid))) { ours.add(pid); grew = true; }
    }
  }
  const ms = { workers: 0, rest: 0 };
  for (const pid of ours) {
    if (processes.get(pid)?.name !== 'chromium') continue;
    let tids = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;  // gone meanwhile
    }
    for (const tid of tids) {
      try {
        const { name, cpuTicks } = readStat(`/proc/${pid}/task/${tid}/stat`);
        ms[name === 'DedicatedWorker' ? 'workers' : 'rest'] += (cpuTicks * 1000) / CLOCK_TICKS_PER_S;
      } catch {
        // gone meanwhile
      }
    }
  }
  return ms;
}

export const chromiumVersion = () => spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).stdout.replace(/ built on .*/s, '').trim();

/** Chromium in a fresh, empty profile: {context, close()}. */
export async function launchChromium(viewport) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'kindling-bench-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    viewport,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
