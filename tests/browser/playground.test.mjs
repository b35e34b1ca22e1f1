// The playground in Debian's headless Chromium, driven by roles and labels as a person would:
// threads when cross-origin isolated, learning, the transport controls, reproducibility, the
// URL, CSV errors, divergence, the single-threaded fallback, responsiveness, screenshots.
// Run: node --test tests/browser/   (after `make build`, which fills web/public/wasm/)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { newPage, noProblems, parameterNames, plainServer, shotDir, startPlayground, stepOf, untilStep } from './harness.mjs';

let playground, preview, browser;
before(async () => {
  playground = await startPlayground();
  ({ preview, browser } = playground);
  mkdirSync(shotDir, { recursive: true });
});
after(() => playground?.close());

const valueOf = async (page, testId) => Number(await page.getByTestId(testId).getAttribute('data-value'));

/** Opens the playground and waits until the first snapshot has the losses. */
async function open(url, { viewport, colorScheme } = {}) {
  const page = await newPage(browser.context);
  if (viewport) await page.setViewportSize(viewport);
  if (colorScheme) await page.emulateMedia({ colorScheme });
  await page.goto(url);
  await page.getByRole('button', { name: 'Play' }).and(page.locator(':enabled')).waitFor({ timeout: 30000 });
  await page.waitForFunction(() => document.querySelector('[data-testid=train-loss]')?.dataset.value !== undefined);
  return page;
}

/** Clicks Step n times and waits until the counter has moved by exactly n. */
async function stepTimes(page, n) {
  const start = await stepOf(page);
  for (let i = 0; i < n; i++) await page.getByRole('button', { name: 'Step', exact: true }).click();
  await untilStep(page, `step === ${start + n}`, 20000);
}

async function boundaryPixels(page) {
  return page.getByTestId('boundary').evaluate((c) => c.toDataURL());
}

describe('the playground, cross-origin isolated (vite preview)', () => {
  test('the server sends the isolation headers and a CSP; the page is isolated, uses threads, runs no inline script', async () => {
    const response = await fetch(preview.url);
    assert.equal(response.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(response.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.match(response.headers.get('content-security-policy'), /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    const page = await open(preview.url);
    // the policy holds: an injected inline script does not run (and Chromium says why)
    const ran = await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.injected = true';
      document.head.append(s);
      return window.injected === true;
    });
    assert.equal(ran, false, 'an inline script ran');
    assert.ok(page.problems.some((p) => /Content Security Policy/.test(p)), page.problems.join('\n'));
    page.problems = page.problems.filter((p) => !/Content Security Policy/.test(p));
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), true);
    const status = await page.getByRole('contentinfo', { name: 'Status' }).innerText();
    assert.match(status, /Build threaded/);
    assert.match(status, /SIMD on/);
    // the threaded build: a thread count to choose, up to the pool's size (one core is left to the page by default)
    const options = await page.getByLabel('Threads').locator('option').allInnerTexts();
    assert.ok(options.length > 1, `thread choices: ${options}`);
    await page.getByLabel('Threads').selectOption('2');
    await page.waitForFunction(() => document.querySelector('select[aria-label=Threads]').value === '2');
    noProblems(page);
    await page.close();
  });

  test('the loss falls on the default dataset and the boundary forms', async () => {
    const page = await open(preview.url);
    const loss0 = await valueOf(page, 'train-loss');
    const pixels0 = await boundaryPixels(page);
    await page.getByRole('button', { name: 'Play' }).click();
    await page.waitForFunction((l0) => Number(document.querySelector('[data-testid=train-loss]').dataset.value) < 0.3 * l0, loss0, { timeout: 90000 });
    await page.getByRole('button', { name: 'Pause' }).click();
    const accuracy = parseFloat(await page.getByTestId('test-accuracy').innerText());
    assert.ok(accuracy > 90, `test accuracy ${accuracy}%`);
    assert.notEqual(await boundaryPixels(page), pixels0, 'the boundary did not change');
    // the boundary is not one flat colour: both classes' colours appear
    const spread = await page.getByTestId('boundary').evaluate((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let blue = 0, orange = 0;
      for (let i = 0; i < d.length; i += 4) { if (d[i + 2] > d[i] + 60) blue++; else if (d[i] > d[i + 2] + 60) orange++; }
      return { blue, orange };
    });
    assert.ok(spread.blue > 1000 && spread.orange > 1000, JSON.stringify(spread));
    noProblems(page);
    await page.close();
  });

  test('pause stops the counter, Step advances it by exactly one, Reset returns to 0 and replays bit for bit', async () => {
    const page = await open(preview.url);
    await page.getByRole('button', { name: 'Play' }).click();
    await untilStep(page, 'step > 50');
    const speed = page.getByTestId('steps-per-second');
    const rate = async () => Number((await speed.innerText()).replace(/,/g, ''));
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="steps-per-second"]').textContent.replace(/,/g, '')) > 0);
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Play' }).waitFor();
    const paused = await stepOf(page);
    await page.waitForTimeout(600);
    assert.equal(await stepOf(page), paused, 'the counter moved while paused');
    // While paused the status bar keeps the last run's rate, and says so.
    assert.match(await page.getByRole('contentinfo', { name: 'Status' }).innerText(), /Last speed [\d,]+ steps\/s/);
    assert.ok(await rate() > 0, 'the last speed is kept while paused');
    await stepTimes(page, 1);
    assert.equal(await stepOf(page), paused + 1);

    await page.getByRole('button', { name: 'Reset' }).click();
    await untilStep(page, 'step === 0');
    await stepTimes(page, 25);
    const first = [await valueOf(page, 'train-loss'), await valueOf(page, 'test-loss')];
    await page.getByRole('button', { name: 'Reset' }).click();
    await untilStep(page, 'step === 0');
    await stepTimes(page, 25);
    const second = [await valueOf(page, 'train-loss'), await valueOf(page, 'test-loss')];
    assert.deepEqual(second, first);
    // and a fresh page with the same URL
    const again = await open(page.url());
    await stepTimes(again, 25);
    assert.deepEqual([await valueOf(again, 'train-loss'), await valueOf(again, 'test-loss')], first);
    noProblems(page);
    await Promise.all([page.close(), again.close()]);
  });

  test('a URL reproduces its configuration; changing a control changes the URL; _hide hides a control', async () => {
    const hash = '#preset=classify2d&dataset=xor&layers=6,3&activations=relu,gelu&optimizer=adam&lr=0.01&features=x1,x2,x1x2&seed=7&noise_hide=true';
    const page = await open(`${preview.url}${hash}`);
    assert.equal(await page.getByLabel('Dataset').inputValue(), 'xor');
    assert.equal(await page.getByLabel('Optimizer').inputValue(), 'adam');
    assert.equal(await page.getByLabel('Learning rate').inputValue(), '0.01');
    assert.equal(await page.getByLabel('Seed', { exact: true }).inputValue(), '7');
    assert.equal(await page.getByLabel('Activation of hidden layer 2').inputValue(), 'gelu');
    assert.equal(await page.getByRole('button', { name: 'Feature X₁·X₂' }).getAttribute('aria-pressed'), 'true');
    assert.equal(await page.getByRole('button', { name: 'Feature sin X₁' }).getAttribute('aria-pressed'), 'false');
    assert.equal(await page.getByRole('button', { name: /^Unit \d+ of hidden layer 1/ }).count(), 6);
    assert.equal(await page.getByLabel(/^Noise/).count(), 0, 'noise_hide=true did not hide the control');

    await page.getByLabel('Dataset').selectOption('spiral');
    await page.waitForFunction(() => location.hash.includes('dataset=spiral'));
    await page.getByRole('button', { name: 'Add a unit to hidden layer 2' }).click();
    await page.waitForFunction(() => location.hash.includes('layers=6%2C4') || location.hash.includes('layers=6,4'));
    assert.match(page.url(), /noise_hide=true/);
    noProblems(page);
    await page.close();
  });

  test('a bad CSV shows the line at fault while training goes on with the current data', async () => {
    const page = await open(preview.url);
    await page.getByRole('button', { name: 'Play' }).click();
    await untilStep(page, 'step > 20');
    await page.getByLabel('Load a CSV (x,y,label)').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('x,y,label\n1,2,0\n3,oops,1\n') });
    const message = page.getByTestId('csv-message');
    await message.waitFor();
    assert.match(await message.innerText(), /bad\.csv was not loaded\. Line 3: y is not a finite number: "oops"\. Your current data is kept\./);
    assert.equal(await message.getAttribute('role'), 'alert');
    assert.equal(await page.getByLabel('Dataset').inputValue(), 'circle');
    const s = await stepOf(page);
    await untilStep(page, `step > ${s + 20}`);
    assert.ok(await page.getByRole('button', { name: 'Pause' }).isVisible(), 'training stopped');

    // a good one replaces the data: three classes, a 3×3 confusion matrix
    const rows = ['x,y,label'];
    for (let i = 0; i < 90; i++) rows.push(`${(i % 3) * 3 - 3 + (i % 7) * 0.1},${(i % 5) * 0.2},${i % 3}`);
    await page.getByLabel('Load a CSV (x,y,label)').setInputFiles({ name: 'three.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n')) });
    await page.waitForFunction(() => /Loaded three\.csv: 90 points, 3 classes/.test(document.querySelector('[data-testid=csv-message]')?.textContent ?? ''));
    assert.equal(await page.getByLabel('Dataset').inputValue(), 'custom');
    await page.getByRole('table', { name: 'Confusion matrix on the test set' }).waitFor();
    assert.equal(await page.getByRole('table', { name: 'Confusion matrix on the test set' }).locator('tbody tr').count(), 3);
    noProblems(page);
    await page.close();
  });

  test('a learning rate of 100 pauses training with a message that says what blew up and what to try', async () => {
    const page = await open(`${preview.url}#preset=classify2d&dataset=plane&layers=8,8&activations=relu,relu`);
    await page.getByLabel('Learning rate').fill('100');
    await page.getByLabel('Learning rate').press('Enter');
    await page.waitForFunction(() => location.hash.includes('lr=100'));
    await page.getByRole('button', { name: 'Play' }).click();
    const alert = page.getByTestId('halted');
    await alert.waitFor({ timeout: 30000 });
    const text = await alert.innerText();
    assert.match(text, /Training diverged\./);
    assert.match(text, /the loss became (NaN|Infinity|-Infinity)/);
    assert.match(text, /\d+\.(weight|bias)/, 'the message names no parameter');
    assert.match(text, /Lower the learning rate/);
    assert.ok(await page.getByRole('button', { name: 'Play' }).isVisible(), 'still running');
    const s = await stepOf(page);
    await page.waitForTimeout(500);
    assert.equal(await stepOf(page), s);
    // Play does not go on from NaN weights; a lower rate and a reset recover
    await page.getByLabel('Learning rate').fill('0.01');
    await page.getByLabel('Learning rate').press('Enter');
    await page.getByTestId('halted').waitFor({ state: 'detached' });
    await stepTimes(page, 3);
    assert.ok(Number.isFinite(await valueOf(page, 'train-loss')));
    noProblems(page);
    await page.close();
  });

  test('clicks add points (shift: the other class); an edge shows its weight and takes a new value', async () => {
    const page = await open(preview.url);
    const canvas = page.getByTestId('boundary');
    const box = await canvas.boundingBox();
    await canvas.click({ position: { x: box.width * 0.1, y: box.height * 0.1 } });
    await page.waitForFunction(() => /501 points \(yours\)/.test(document.querySelector('[data-testid=data-note]')?.textContent ?? ''));
    await canvas.click({ position: { x: box.width * 0.9, y: box.height * 0.1 }, modifiers: ['Shift'] });
    await page.waitForFunction(() => /502 points/.test(document.querySelector('[data-testid=data-note]')?.textContent ?? ''));
    assert.equal(await page.getByLabel('Dataset').inputValue(), 'custom');

    await page.getByRole('button', { name: 'Unit 0 of hidden layer 1: show its bias' }).click();
    const input = page.getByLabel('New value of 0.bias[0]');
    await input.fill('1.5');
    await input.press('Enter');
    await page.waitForFunction(() => document.querySelector('[data-testid=live-param]')?.textContent === '1.5000');
    noProblems(page);
    await page.close();
  });

  test('a worker that dies is reported, and a restart brings back the last configuration', async () => {
    const page = await open(`${preview.url}#preset=classify2d&dataset=xor&lr=0.1`);
    await page.getByRole('button', { name: 'Play' }).click();
    await untilStep(page, 'step > 20');
    // an uncaught error inside the trainer's worker, as a wasm trap would throw
    const trainer = page.workers().find((w) => /trainer\.worker/.test(w.url()));
    assert.ok(trainer, `workers: ${page.workers().map((w) => w.url())}`);
    await trainer.evaluate(() => { setTimeout(() => { throw new Error('simulated crash'); }); });
    const banner = page.getByTestId('fatal');
    await banner.waitFor();
    assert.match(await banner.innerText(), /The trainer stopped working\..*simulated crash/s);
    await page.getByRole('button', { name: 'Restart with the last configuration' }).click();
    await banner.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Play' }).and(page.locator(':enabled')).waitFor();
    assert.equal(await stepOf(page), 0);
    assert.equal(await page.getByLabel('Dataset').inputValue(), 'xor');
    assert.equal(await page.getByLabel('Learning rate').inputValue(), '0.1');
    await page.getByRole('button', { name: 'Play' }).click();
    await untilStep(page, 'step > 20');
    page.problems = page.problems.filter((p) => !/simulated crash/.test(p));
    noProblems(page);
    await page.close();
  });

  // Responsiveness is by construction: the page never loads the wasm module, the worker does.
  // The longest main-thread task while training is printed (a figure, not a pass/fail on
  // wall-clock time: on a loaded 2-core machine it measures the machine); bench/ measures it too.
  test('the main thread never loads the wasm module; long tasks while training are reported', async () => {
    const page = await open(preview.url);
    await page.evaluate(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); }).observe({ type: 'longtask' });
    });
    await page.getByRole('button', { name: 'Play' }).click();
    await untilStep(page, 'step > 10');
    await page.waitForTimeout(3000);
    const { tasks, pageResources } = await page.evaluate(() => ({
      tasks: window.__longTasks,
      pageResources: performance.getEntriesByType('resource').map((r) => r.name),
    }));
    assert.deepEqual(pageResources.filter((n) => /\.wasm$|kindling_(mt|st)/.test(n)), [], 'the page itself fetched the wasm module');
    assert.equal(await page.evaluate(() => typeof globalThis.kindling), 'undefined');
    console.log(`# main-thread long tasks in 3 s of training: ${tasks.length}, longest ${Math.max(0, ...tasks).toFixed(0)} ms`);
    noProblems(page);
    await page.close();
  });

  for (const [w, h] of [[1366, 768], [1920, 1080]]) {
    for (const theme of ['light', 'dark']) {
      test(`screenshot ${w}×${h}, ${theme}`, async () => {
        const page = await open(`${preview.url}#preset=classify2d&dataset=spiral&layers=8,8,4&activations=tanh,tanh,tanh&optimizer=adam&lr=0.01&features=x1,x2,sinx1,sinx2&noise=10`, { viewport: { width: w, height: h }, colorScheme: theme });
        await page.getByRole('button', { name: 'Play' }).click();
        await untilStep(page, 'step > 1500');
        await page.getByRole('button', { name: 'Pause' }).click();
        await page.waitForTimeout(300);
        await page.screenshot({ path: join(shotDir, `playground-${w}x${h}-${theme}.png`) });
        noProblems(page);
        await page.close();
      });
    }
  }
});

describe('inside the model: the inspector', () => {
  const names = parameterNames;

  test('named_parameters() lists the default model by PyTorch\'s dotted names; BatchNorm adds buffers', async () => {
    const page = await open(preview.url);
    assert.deepEqual(await names(page), ['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias']);
    await page.getByLabel('BatchNorm1d').check();
    await page.waitForFunction(() => document.querySelectorAll('table[aria-label="named_buffers()"] tbody tr').length === 6);
    assert.deepEqual(await names(page), ['0.weight', '0.bias', '1.weight', '1.bias', '3.weight', '3.bias', '4.weight', '4.bias', '6.weight', '6.bias']);
    noProblems(page);
    await page.close();
  });

  test('each layer\'s activations and the gradient coming back into it, recorded by hooks during a step', async () => {
    const page = await open(preview.url);
    await stepTimes(page, 1);
    const table = page.getByRole('table', { name: 'Activations and gradients' });
    await table.locator('caption').filter({ hasText: 'during step 1 ' }).waitFor();
    const modules = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.module));
    assert.deepEqual(modules, ['0', '1', '2', '3', '4']);
    assert.match(await table.locator('tr[data-module="1"]').innerText(), /Tanh[\s\S]*saturated/);
    for (const m of modules) {
      const rms = Number(await page.getByTestId(`grad-rms-${m}`).innerText());
      assert.ok(Number.isFinite(rms) && rms > 0, `layer ${m}: RMS gradient ${rms}`);
    }
    mkdirSync(shotDir, { recursive: true });
    // The sticky top bar and status bar would be drawn over a region taller than the window.
    await page.getByRole('region', { name: 'Inside the model' }).screenshot({
      path: join(shotDir, 'inspector-activations.png'), style: '.topbar, .statusbar { visibility: hidden; }',
    });
    noProblems(page);
    await page.close();
  });

  test('a frozen parameter stays bit-identical while the others move', async () => {
    const page = await open(preview.url);
    const norm = (name) => page.locator(`tr[data-name="${name}"] td.num`).first().innerText();
    await page.getByLabel('requires_grad of 0.weight').uncheck();
    await page.getByTestId('frozen-0.weight').filter({ hasText: 'frozen: unchanged since step 0' }).waitFor();
    const frozen0 = await norm('0.weight'), other0 = await norm('2.weight');
    await page.getByRole('button', { name: 'Play' }).click();
    await untilStep(page, 'step > 300');
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.waitForTimeout(300);
    assert.equal(await page.getByTestId('frozen-0.weight').innerText(), 'frozen: unchanged since step 0');
    assert.equal(await norm('0.weight'), frozen0);
    assert.notEqual(await norm('2.weight'), other0, 'the trained parameter did not move');
    // a module's checkbox freezes its own parameters
    await page.getByLabel('requires_grad of module 4').uncheck();
    await page.getByTestId('frozen-4.bias').filter({ hasText: /unchanged since step \d+/ }).waitFor();
    noProblems(page);
    await page.close();
  });

  test('state_dict download → load restores the weights; a corrupt file is refused while training goes on', async () => {
    const page = await open(preview.url);
    await stepTimes(page, 30);
    const saved = await valueOf(page, 'train-loss');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download state_dict (.safetensors)' }).click()]);
    assert.equal(download.suggestedFilename(), 'model.safetensors');
    const dir = mkdtempSync(join(tmpdir(), 'kd-state-dict-'));
    const file = join(dir, 'model.safetensors');
    await download.saveAs(file);
    await stepTimes(page, 30);
    assert.notEqual(await valueOf(page, 'train-loss'), saved);
    await page.getByLabel('Load state_dict').setInputFiles(file);
    await page.getByTestId('inspector-message').filter({ hasText: 'Loaded model.safetensors' }).waitFor();
    await page.waitForFunction((v) => Number(document.querySelector('[data-testid=train-loss]').dataset.value) === v, saved);

    await page.getByRole('button', { name: 'Play' }).click();
    await untilStep(page, 'step > 100');
    await page.getByLabel('Load state_dict').setInputFiles({ name: 'broken.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from('not a safetensors file at all') });
    const message = page.getByTestId('inspector-message');
    await message.filter({ hasText: 'broken.safetensors was not loaded; the model is unchanged.' }).waitFor();
    assert.equal(await message.getAttribute('role'), 'alert');
    const s = await stepOf(page);
    await untilStep(page, `step > ${s + 50}`);
    rmSync(dir, { recursive: true, force: true });
    noProblems(page);
    await page.close();
  });

  test('Export to PyTorch downloads model.safetensors and a train.py that runs under torch', async () => {
    const page = await open(preview.url);
    await stepTimes(page, 20);
    const dir = mkdtempSync(join(tmpdir(), 'kd-export-'));
    const both = new Promise((resolve) => {
      const got = {};
      page.on('download', (d) => { got[d.suggestedFilename()] = d; if (Object.keys(got).length === 2) resolve(got); });
    });
    await page.getByRole('button', { name: 'Export to PyTorch' }).click();
    const files = await both;
    await page.getByTestId('inspector-message').filter({ hasText: 'Exported model.safetensors and train.py' }).waitFor();
    for (const name of ['model.safetensors', 'train.py']) {
      assert.ok(files[name], `no download of ${name}: ${Object.keys(files)}`);
      await files[name].saveAs(join(dir, name));
    }
    const run = spawnSync('/usr/bin/python3', [join(dir, 'train.py'), '--print-json'], { cwd: dir, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const { outputs } = JSON.parse(run.stdout);
    assert.ok(outputs.length > 0 && outputs.flat().every(Number.isFinite), run.stdout);
    rmSync(dir, { recursive: true, force: true });
    noProblems(page);
    await page.close();
  });

  test('the code view follows the model: adding a layer changes the PyTorch code', async () => {
    const page = await open(preview.url);
    await page.getByRole('button', { name: 'Show the PyTorch and Kindling code' }).click();
    const code = page.getByRole('tabpanel', { name: 'PyTorch code' });
    const before_ = await code.innerText();
    assert.match(before_, /nn\.Linear\(2, 4\),\n\s+nn\.Tanh\(\),\n\s+nn\.Linear\(4, 2\)/);
    await page.getByRole('button', { name: 'Add a hidden layer' }).click();
    await page.waitForFunction(() => /nn\.Linear\(2, 2\),\n\s+nn\.Tanh\(\),\n\s+nn\.Linear\(2, 1\)/.test(document.querySelector('[role=tabpanel]').innerText));
    await page.getByRole('tab', { name: 'Kindling JS' }).click();
    assert.match(await page.getByRole('tabpanel', { name: 'Kindling JS code' }).innerText(), /kd\.nn\.Linear\(2, 2\)/);
    noProblems(page);
    await page.close();
  });
});

describe('the playground without cross-origin isolation (a plain static server)', () => {
  test('falls back to the single-threaded build and trains', async () => {
    const server = await plainServer();
    try {
      const page = await open(server.url);
      assert.equal(await page.evaluate(() => self.crossOriginIsolated), false);
      const status = await page.getByRole('contentinfo', { name: 'Status' }).innerText();
      assert.match(status, /Build single-threaded \(page not cross-origin isolated\)/);
      assert.match(status, /Threads 1/);
      await page.getByRole('button', { name: 'Play' }).click();
      await untilStep(page, 'step > 200');
      noProblems(page);
      await page.close();
    } finally {
      server.close();
    }
  });
});
