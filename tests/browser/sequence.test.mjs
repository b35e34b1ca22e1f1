// The sequence presets in Debian's headless Chromium, driven by roles and labels: the attention
// classifier (it trains, the strip gives padding exactly zero weight, a typed sentence gets a
// prediction, the mask is a plain attribute, export) and the char-RNN (it trains, samples
// change with training and with the temperature, the hidden-state heatmap draws, a bad text
// file is refused while the model trains on, freezing, state_dict), the preset picker, URL
// state, single steps, screenshots. Training runs a bounded number of steps.
// Run: node --test tests/browser/   (after `make build`)
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { newPage, noProblems, parameterNames, shotDir, startPlayground, stepOf, untilStep } from './harness.mjs';

let playground;
let preview;
let browser;

before(async () => {
  playground = await startPlayground();
  ({ preview, browser } = playground);
  mkdirSync(shotDir, { recursive: true });
});
after(async () => {
  await playground?.close();
});

const valueOf = async (page, testId) => Number(await page.getByTestId(testId).getAttribute('data-value'));

/** Opens a preset and waits until the worker has built the model and sent its first metrics. */
async function open(hash, { viewport, colorScheme } = {}) {
  const page = await newPage(browser.context);
  if (viewport) await page.setViewportSize(viewport);
  if (colorScheme) await page.emulateMedia({ colorScheme });
  await page.goto(`${preview.url}${hash}`);
  await page.getByRole('button', { name: 'Play' }).and(page.locator(':enabled')).waitFor({ timeout: 30000 });
  await page.waitForFunction(() => document.querySelector('[data-testid=test-loss]')?.dataset.value !== undefined);
  return page;
}

async function stepTimes(page, n) {
  const start = await stepOf(page);
  for (let i = 0; i < n; i++) await page.getByRole('button', { name: 'Step', exact: true }).click();
  await untilStep(page, `step === ${start + n}`, 30000);
}

/** The attention strip as [{token, weight}]. */
const strip = (page) => page.getByTestId('attention-strip').locator('li').evaluateAll((cells) => cells.map((c) => ({ token: c.dataset.token, weight: Number(c.dataset.weight) })));

describe('the attention text classifier preset', () => {
  test('it trains; padding gets exactly zero weight; a typed sentence gets a prediction', async () => {
    const page = await open('#preset=attention');
    assert.match(await page.getByLabel('Preset').locator('option:checked').innerText(), /Attention text classifier/);
    const loss0 = await valueOf(page, 'test-loss');
    await page.getByRole('button', { name: 'Play' }).click();
    await page.waitForFunction((l0) => Number(document.querySelector('[data-testid=test-loss]').dataset.value) < 0.5 * l0, loss0, { timeout: 90000 });
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Play' }).waitFor();
    assert.ok(await valueOf(page, 'test-accuracy') > 0.75, `held-out accuracy ${await valueOf(page, 'test-accuracy')}`);

    // a held-out sentence: the strip covers all 14 positions, padding at exactly 0
    const cells = await strip(page);
    assert.equal(cells.length, 14);
    const pads = cells.filter((c) => c.token === '<pad>');
    assert.ok(pads.length > 0 && pads.every((c) => c.weight === 0), JSON.stringify(cells));
    assert.ok(Math.abs(cells.reduce((a, c) => a + c.weight, 0) - 1) < 1e-4);

    // a typed sentence, with a word outside the vocabulary
    await page.getByLabel('Type a sentence').fill('Honestly, the music was truly superb, gadzooks');
    await page.waitForFunction(() => document.querySelector('[data-testid=attention-strip] li')?.dataset.token === 'honestly');
    const typed = await strip(page);
    assert.deepEqual(typed.slice(0, 7).map((c) => c.token), ['honestly', 'the', 'music', 'was', 'truly', 'superb', '<unk>']);
    assert.ok(typed.slice(7).every((c) => c.token === '<pad>' && c.weight === 0));
    const prediction = page.getByTestId('prediction');
    assert.equal(await prediction.getAttribute('data-class'), 'positive');
    const p = Number(await prediction.getAttribute('data-probability'));
    assert.ok(p > 0.5 && p <= 1, `probability ${p}`);
    assert.match(await prediction.innerText(), /Prediction: positive with probability \d+\.\d%/);
    await page.getByLabel('Type a sentence').fill('the plot was dull');
    await page.waitForFunction(() => document.querySelector('[data-testid=prediction]')?.dataset.class === 'negative');
    // each word on its own: the adjectives and negations draw attention, 'not' alone says little
    const top = await page.getByRole('table', { name: 'Words with the highest attention scores' }).locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.word));
    assert.equal(top.length, 12);
    assert.ok(top.filter((w) => ['good', 'great', 'wonderful', 'brilliant', 'charming', 'fun', 'moving', 'clever', 'superb', 'bad', 'boring', 'awful', 'dull', 'terrible', 'weak', 'clumsy', 'bland', 'painful', 'not', 'never', 'hardly'].includes(w)).length >= 8, top.join(' '));
    await page.getByLabel('Type a sentence').blur();
    await page.screenshot({ path: join(shotDir, 'attention-1366x768-light.png') });
    noProblems(page);
    await page.close();
  });

  test('the inspector lists W, b, q as parameters and the mask as a plain attribute; Step is one step; export gives train.py and the weights', async () => {
    const page = await open('#preset=attention');
    await stepTimes(page, 1);
    const names = await parameterNames(page);
    assert.deepEqual(names, ['embedding.weight', 'attention.W', 'attention.b', 'attention.q', 'out.weight', 'out.bias']);
    await page.getByText('attention.mask', { exact: false }).first().waitFor();
    assert.match(await page.getByRole('region', { name: 'Inside the model' }).innerText(), /AdditiveAttention\(dim=16, hidden=16\)/);

    const downloads = [];
    page.on('download', (d) => downloads.push(d));
    await page.getByRole('button', { name: 'Export to PyTorch' }).click();
    await page.getByTestId('inspector-message').filter({ hasText: 'Exported' }).waitFor();
    for (let i = 0; i < 50 && downloads.length < 2; i++) await page.waitForTimeout(100);
    assert.deepEqual(downloads.map((d) => d.suggestedFilename()).sort(), ['model.safetensors', 'train.py']);
    const dir = mkdtempSync(join(tmpdir(), 'kd-seq-dl-'));
    const py = downloads.find((d) => d.suggestedFilename() === 'train.py');
    await py.saveAs(join(dir, 'train.py'));
    assert.match(readFileSync(join(dir, 'train.py'), 'utf8'), /class AdditiveAttention\(nn\.Module\)[\s\S]*masked_fill\(mask, float\('-inf'\)\)/);
    rmSync(dir, { recursive: true, force: true });
    noProblems(page);
    await page.close();
  });

  test('a URL sets the configuration and a control changes the URL; the picker opens another preset', async () => {
    const page = await open('#preset=attention&embedDim=8&optimizer=sgd&lr=0.5&seed=3');
    assert.equal(await page.getByLabel('Embedding dim').inputValue(), '8');
    assert.equal(await page.getByLabel('Optimizer').inputValue(), 'sgd');
    assert.equal(await page.getByLabel('Learning rate').inputValue(), '0.5');
    await page.getByLabel('Attention hidden').fill('24');
    await page.getByLabel('Attention hidden').press('Enter');
    await page.waitForFunction(() => location.hash.includes('attnDim=24'));
    const options = await page.getByLabel('Preset').locator('option').allInnerTexts();
    assert.ok(options.includes('Attention text classifier') && options.includes('Character RNN'), options.join(', '));
    await page.getByLabel('Preset').selectOption('charrnn');
    await page.waitForFunction(() => location.hash === '#preset=charrnn');
    await page.getByLabel('Prime string').waitFor({ timeout: 30000 });
    noProblems(page);
    await page.close();
  });
});

describe('the character RNN preset', () => {
  const sampleOf = async (page) => ({
    text: await page.getByTestId('sample-text').innerText(),
    step: Number(await page.getByTestId('sample-text').getAttribute('data-step')),
    temperature: Number(await page.getByTestId('sample-text').getAttribute('data-temperature')),
  });

  test('it trains (bits per character fall); the sample changes as it trains and with the temperature; the heatmap draws', async () => {
    const page = await open('#preset=charrnn');
    await page.getByTestId('sample-text').waitFor();
    const first = await sampleOf(page);
    assert.equal(first.step, 0);
    const bits0 = await valueOf(page, 'test-loss');
    assert.ok(bits0 > 5.5, `an untrained model: ${bits0} bits per character`);
    await page.getByRole('button', { name: 'Play' }).click();
    await page.waitForFunction((b0) => Number(document.querySelector('[data-testid=test-loss]').dataset.value) < b0 - 2.5, bits0, { timeout: 120000 });
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Play' }).waitFor();
    const paused = await stepOf(page);
    await page.waitForFunction((s) => Number(document.querySelector('[data-testid=sample-text]').dataset.step) === s, paused);
    const trained = await sampleOf(page);
    assert.notEqual(trained.text, first.text, 'the sample did not change as the model trained');
    assert.ok(trained.text.startsWith('The '), 'the sample continues the prime');

    // a range input is moved as a person's drag moves it: its value changes, an input event follows
    await page.getByLabel(/^Temperature/).evaluate((el) => { el.value = '0.2'; el.dispatchEvent(new Event('input', { bubbles: true })); });
    await page.waitForFunction(() => document.querySelector('[data-testid=sample-text]').dataset.temperature === '0.2');
    const cold = await sampleOf(page);
    assert.equal(cold.step, paused, 'a new temperature resamples the same model');
    assert.notEqual(cold.text, trained.text, 'the temperature did not change the sample');

    const colours = await page.getByTestId('hidden-heatmap').evaluate((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let blue = 0, orange = 0;
      for (let i = 0; i < d.length; i += 4) { if (d[i + 2] > d[i] + 60) blue++; else if (d[i] > d[i + 2] + 60) orange++; }
      return { blue, orange, width: c.width, height: c.height };
    });
    assert.equal(colours.width, 60);
    assert.equal(colours.height, 96, 'one row per hidden unit');
    assert.ok(colours.blue > 100 && colours.orange > 100, JSON.stringify(colours));
    assert.match(await page.getByTestId('clipped-share').innerText(), /^\d+% of steps clipped to 0\.5$/);
    await page.screenshot({ path: join(shotDir, 'charrnn-1366x768-light.png') });
    noProblems(page);
    await page.close();
  });

  test('a bad text file shows a clear error and the current model keeps training; a good one replaces the text', async () => {
    const page = await open('#preset=charrnn&hidden=32');
    await page.getByRole('button', { name: 'Play' }).click();
    await untilStep(page, 'step > 10');
    await page.getByLabel('Load a text file (or drop one here)').setInputFiles({ name: 'photo.jpg', mimeType: 'text/plain', buffer: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46]) });
    const message = page.getByTestId('text-message');
    await message.waitFor();
    assert.equal(await message.innerText(), 'photo.jpg was not loaded: It is not UTF-8 text (is it a binary file, or another encoding?). The current model keeps training.');
    assert.equal(await message.getAttribute('role'), 'alert');
    assert.equal(await page.getByLabel('Text to learn').inputValue(), 'constitution');
    const s = await stepOf(page);
    await untilStep(page, `step > ${s + 10}`);
    assert.ok(await page.getByRole('button', { name: 'Pause' }).isVisible(), 'training stopped');

    await page.getByLabel('Load a text file (or drop one here)').setInputFiles({ name: 'short.txt', mimeType: 'text/plain', buffer: Buffer.from('too short') });
    await message.filter({ hasText: 'short.txt was not loaded: It has 9 characters; at least 500 are needed to learn from.' }).waitFor();

    const rhyme = 'Twinkle, twinkle, little star,\nHow I wonder what you are!\n'.repeat(20);
    await page.getByLabel('Load a text file (or drop one here)').setInputFiles({ name: 'rhyme.txt', mimeType: 'text/plain', buffer: Buffer.from(rhyme) });
    await message.filter({ hasText: /^Loaded rhyme\.txt: 1,160 characters, 22 different\.$/ }).waitFor();
    assert.equal(await page.getByLabel('Text to learn').inputValue(), 'custom');
    await untilStep(page, 'step === 0');
    await page.waitForFunction(() => location.hash.includes('text=custom'));
    noProblems(page);
    await page.close();
  });

  test('URL state, Step, freezing the embedding and a state_dict round trip', async () => {
    const page = await open('#preset=charrnn&cell=lstm&numLayers=2&hidden=24&seqLen=16&clip=0.25&optimizer=sgd&momentum=0.9&lr=0.5');
    assert.equal(await page.getByLabel('Recurrent layer').inputValue(), 'lstm');
    assert.equal(await page.getByLabel('Layers').inputValue(), '2');
    assert.equal(await page.getByLabel('Clip grad norm').inputValue(), '0.25');
    assert.equal(await page.getByLabel('Momentum').inputValue(), '0.9');
    const names = await parameterNames(page);
    assert.ok(names.includes('rnn.weight_hh_l1') && names.includes('head.bias'), names.join(', '));

    await page.getByLabel('requires_grad of embedding.weight').uncheck();
    await page.getByTestId('frozen-embedding.weight').filter({ hasText: 'frozen: unchanged since step 0' }).waitFor();
    await stepTimes(page, 1);
    await stepTimes(page, 2);
    assert.equal(await page.getByTestId('frozen-embedding.weight').innerText(), 'frozen: unchanged since step 0');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download state_dict (.safetensors)' }).click()]);
    const dir = mkdtempSync(join(tmpdir(), 'kd-seq-sd-'));
    const file = join(dir, 'model.safetensors');
    await download.saveAs(file);
    await page.getByLabel('Load state_dict').setInputFiles(file);
    await page.getByTestId('inspector-message').filter({ hasText: 'Loaded model.safetensors' }).waitFor();
    rmSync(dir, { recursive: true, force: true });

    await page.getByLabel('Hidden size').fill('40');
    await page.getByLabel('Hidden size').press('Enter');
    await page.waitForFunction(() => location.hash.includes('hidden=40'));
    await untilStep(page, 'step === 0');
    noProblems(page);
    await page.close();
  });
});

describe('screenshots of the sequence presets', () => {
  for (const [preset, steps] of [['attention', 300], ['charrnn', 200]]) {
    test(`${preset}, 1920×1080, dark`, async () => {
      const page = await open(`#preset=${preset}`, { viewport: { width: 1920, height: 1080 }, colorScheme: 'dark' });
      await page.getByRole('button', { name: 'Play' }).click();
      await untilStep(page, `step > ${steps}`);
      await page.getByRole('button', { name: 'Pause' }).click();
      await page.waitForTimeout(500);
      await page.screenshot({ path: join(shotDir, `${preset}-1920x1080-dark.png`) });
      noProblems(page);
      await page.close();
    });
  }
});
