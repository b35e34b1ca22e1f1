// The word-embeddings preset in Chromium: it trains and the projector draws; neighbours follow
// topics; t-SNE runs and its coordinates export; a malformed vectors file is refused by line.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { noProblems, openPlayground, shotDir, startPlayground, stepOf, untilStep } from './harness.mjs';

let playground;
before(async () => {
  playground = await startPlayground();
  mkdirSync(shotDir, { recursive: true });
});
after(() => playground?.close());

const open = (hash = '') => openPlayground(playground.browser, `${playground.preview.url}#preset=words${hash}`);

describe('the word-embeddings preset', () => {
  test('it trains, the projector draws, and a word\'s neighbours come from its topic', async () => {
    const page = await open();
    assert.equal(await page.getByLabel('Preset').inputValue(), 'words');
    const blank = await page.getByTestId('projector-gl').evaluate((c) => c.toDataURL());
    await page.getByRole('button', { name: 'Play' }).click();
    await untilStep(page, 'step > 1500', 90000);
    await page.getByRole('button', { name: 'Pause' }).click();
    assert.notEqual(await page.getByTestId('projector-gl').evaluate((c) => c.toDataURL()), blank);
    await page.getByLabel('Search words').fill('tiger');
    await page.getByTestId('selected-word').filter({ hasText: 'tiger' }).waitFor();
    await page.getByTestId('neighbors').locator('li').nth(9).waitFor();
    const rows = await page.getByTestId('neighbors').locator('li').allInnerTexts();
    const animals = rows.filter((r) => /animals/.test(r)).length;
    assert.ok(animals >= 6, `neighbours of tiger: ${rows.join(' | ')}`);
    assert.match(await page.getByTestId('pca-variance').innerText(), /variance explained: \d+\.\d%, \d+\.\d%/);
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.screenshot({ path: join(shotDir, 'words-pca.png') });
    noProblems(page);
    await page.close();
  });

  test('t-SNE runs off the main thread and its coordinates export', async () => {
    const page = await open('&sentences=1000');
    await page.getByRole('button', { name: 'Play' }).click();
    await untilStep(page, 'step > 300', 90000);
    await page.getByRole('radio', { name: 't-SNE' }).check();
    await page.getByRole('button', { name: 'Run t-SNE' }).click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=tsne-iteration]')?.textContent) > 100, null, { timeout: 60000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Coordinates (TSV)' }).click()]);
    const lines = readFileSync(await download.path(), 'utf8').trim().split('\n');
    assert.equal(lines[0], 'word\tx\ty\ttopic');
    assert.ok(lines.length > 100, `${lines.length} lines`);
    assert.ok(lines.slice(1).every((l) => { const [, x, y] = l.split('\t'); return Number.isFinite(Number(x)) && Number.isFinite(Number(y)); }));
    await page.screenshot({ path: join(shotDir, 'words-tsne.png'), fullPage: false });
    noProblems(page);
    await page.close();
  });

  test('a malformed vectors file shows the line at fault and the current model stays', async () => {
    const page = await open('&sentences=1000');
    await page.getByRole('button', { name: 'Play' }).click();
    await untilStep(page, 'step > 50', 90000);
    await page.getByLabel('Load GloVe / word2vec vectors (.txt)').setInputFiles({ name: 'bad.txt', mimeType: 'text/plain', buffer: Buffer.from('cat 0.1 0.2 0.3\ndog 0.4 zero 0.6\n') });
    const message = page.getByTestId('words-message');
    await message.waitFor();
    const text = await message.innerText();
    assert.match(text, /bad\.txt was not loaded; the current model stays\./);
    assert.match(text, /line 2/i);
    const s = await stepOf(page);
    await untilStep(page, `step > ${s + 20}`, 90000);
    noProblems(page);
    await page.close();
  });

  test('a text that would make a model too large is refused with the estimate; the current model trains on', async () => {
    const page = await open('&sentences=1000&dim=64&minCount=1');
    await page.getByRole('button', { name: 'Play' }).click();
    await untilStep(page, 'step > 20', 90000);
    // 200,000 different words: 200,001 rows × 64 dimensions × 2 tables with Adam's state
    const word = (i) => { let w = ''; do { w += String.fromCharCode(97 + (i % 26)); i = Math.floor(i / 26); } while (i > 0); return w; };
    const lines = [];
    for (let i = 0; i < 100000; i++) lines.push(`${word(2 * i)} ${word(2 * i + 1)}.`);
    await page.getByLabel('Train on your text (.txt)').setInputFiles({ name: 'huge.txt', mimeType: 'text/plain', buffer: Buffer.from(lines.join('\n')) });
    const message = page.getByTestId('words-message');
    await message.waitFor();
    assert.match(await message.innerText(), /huge\.txt was not loaded; the current model stays\. This model would need about 391 MB \(200,001 words × 64 dimensions × 2 tables/);
    assert.equal(await page.getByLabel('Corpus', { exact: true }).inputValue(), 'topics');
    const s = await stepOf(page);
    await untilStep(page, `step > ${s + 20}`, 90000);
    noProblems(page);
    await page.close();
  });
});
