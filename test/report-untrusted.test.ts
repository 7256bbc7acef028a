/**
 * `highway report` on run folders from someone else's machine (issue #25): every string from a
 * run or a path is escaped where it lands (report.md, report.html, runs.csv, curves.csv), the page
 * forbids inline script handlers, and one odd file never costs the whole report.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import { marked } from 'marked';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM } from './helpers/browser.js';
import { STACK_LINE, highway } from './helpers/cli.js';
import { readJson, tempDir } from './helpers/run-folder.js';

/** One real run (2 epochs), copied and then doctored by each test. */
let good = '';
beforeAll(() => {
  good = join(tempDir('untrusted'), 'good');
  const r = highway([
    'train',
    '--dataset',
    'synthetic',
    '--train-size',
    '64',
    '--test-size',
    '16',
    '--depth',
    '2',
    '--width',
    '8',
    '--epochs',
    '2',
    '--out',
    good,
  ]);
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

let copies = 0;
/**
 * A copy of the good run at `dir`, with its JSON files changed by `edit`. Each copy's losses are
 * the good run's times 3^k (k-th copy), so no two copies' points overlap in the charts.
 */
function copyRun(dir: string, edit: { config?: (c: Record<string, unknown>) => unknown; summary?: (s: Record<string, unknown>) => unknown } = {}): string {
  cpSync(good, dir, { recursive: true });
  const scale = 3 ** copies++;
  const [header, ...rows] = readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
  const losses = header!.split(',').map((c) => c.endsWith('_loss'));
  const scaled = rows.map((r) =>
    r
      .split(',')
      .map((v, i) => (losses[i] ? String(Number(v) * scale) : v))
      .join(','),
  );
  writeFileSync(join(dir, 'metrics.csv'), `${[header, ...scaled].join('\n')}\n`);
  for (const [file, f] of [
    ['config.json', edit.config],
    ['summary.json', edit.summary],
  ] as const)
    if (f) writeFileSync(join(dir, file), JSON.stringify(f(readJson(join(dir, file)))));
  return dir;
}

const sweepMeta = (c: Record<string, unknown>, sweep: Record<string, unknown>) => ({ ...c, run: { ...(c.run as object), sweep } });

// each handler, if it ever ran, would leave its number in window.__pwned
const XSS = (n: number) => `<img src=x onerror=window.__pwned=${n}>`;
const LINK_ID = '[click](javascript:window.__pwned=5)<svg onload=window.__pwned=6>';

describe('report.html and report.md: strings from runs and paths are text', () => {
  let browser: Browser | undefined;
  let root = '';
  let report: ReturnType<typeof highway>;
  beforeAll(async () => {
    // the results folder itself is named with markup
    root = join(tempDir('untrusted'), `study ${XSS(1)}`);
    mkdirSync(root);
    copyRun(join(root, 'plain-run'));
    copyRun(join(root, 'typed'), { config: (c) => ({ ...c, model: { ...(c.model as object), type: XSS(2) } }) });
    // unreadable for its summary: listed under its sweep id
    copyRun(join(root, 'linked'), { config: (c) => sweepMeta(c, { id: LINK_ID, index: 2, params: {} }), summary: (s) => ({ ...s, wallSeconds: 'x' }) });
    copyRun(join(root, 'status'), { summary: (s) => ({ ...s, status: XSS(3) }) });
    // a valid run in a folder named with markup: its name reaches the tooltips
    copyRun(join(root, `ok ${XSS(11)}`));
    copyRun(join(root, 'swept'), {
      config: (c) =>
        sweepMeta(c, {
          id: XSS(4),
          index: 1,
          // a key that is no config path is not a column (it would become a field name in the charts)
          params: { 'model.gateBias': -2, name: '<script>window.__pwned=7</script>', [XSS(8)]: 'x' },
        }),
    });
    copyRun(join(root, `[folder](javascript:window.__pwned=9) ${XSS(10)}`), { config: (c) => ({ ...c, model: 5 }) });
    // one report for both tests below (each may run alone)
    report = highway(['report', root]);
    if (CHROMIUM) browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('report.md escapes them: a Markdown renderer shows them as text, with no markup and no links', () => {
    expect(report.code, report.stderr).toBe(0);
    const md = readFileSync(join(root, 'report.md'), 'utf8');
    // every hostile string is in the file (as text), none as markup
    const html = marked.parse(md, { async: false });
    expect(html).not.toMatch(/<(img|svg|script)\b/i);
    expect(html).not.toMatch(/href="javascript:/i);
    for (const text of [XSS(1), XSS(2), XSS(3), LINK_ID, `[folder](javascript:window.__pwned=9) ${XSS(10)}`]) {
      expect(html, text).toContain(text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;'));
    }
  });

  it.skipIf(!CHROMIUM)(
    'report.html: no handler runs (escaped, and the page forbids inline handlers), the charts render with no console errors',
    async () => {
      expect(report.code, report.stderr).toBe(0);
      const page = await browser!.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pathToFileURL(join(root, 'report.html')).href);
      await page.waitForSelector('#curves-chart svg .mark-line path');
      await page.waitForSelector('#search-chart svg');
      // hover every point: the tooltip shows a run's folder, type and parameters, as text only
      const points = await page.locator('#curves-chart svg .mark-symbol.role-mark path').all();
      expect(points.length).toBeGreaterThan(0);
      const shown: string[] = [];
      for (const point of points) {
        // from outside the chart each time, so each hover is a fresh mouseover
        await page.mouse.move(0, 0);
        await page.waitForFunction(() => !document.querySelector('#vg-tooltip-element.visible'));
        await point.hover({ force: true });
        await page.waitForSelector('#vg-tooltip-element.visible');
        expect(await page.locator('#vg-tooltip-element :is(img, svg, script, a, iframe)').count()).toBe(0);
        shown.push((await page.locator('#vg-tooltip-element').textContent()) ?? '');
      }
      // and every hostile string the curves carry reached a tooltip, as the text it is
      const tooltips = shown.join('\n');
      for (const text of [`ok ${XSS(11)}`, '<script>window.__pwned=7</script>']) expect(tooltips, text).toContain(text);
      // a parameter a run was not swept on shows the value it used (its config's name), as runs.csv does
      const usedName = String(readJson(join(good, 'config.json')).name);
      const plainRunTips = shown.filter((t) => t.startsWith('run (folder)plain-run'));
      expect(plainRunTips.length).toBeGreaterThan(0);
      for (const t of plainRunTips) expect(t.endsWith(`name${usedName}`), t).toBe(true);
      expect(tooltips).not.toMatch(/undefined/);
      // every image on the page has loaded or failed: a handler on one would have run by now
      await page.waitForFunction(() => [...document.images].every((i) => i.complete));
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.locator('#report img, #report svg, #report script, #report a[href^="javascript"], h1 img').count()).toBe(0);
      expect(await page.locator('h1').first().textContent()).toContain(XSS(1));
      expect(await page.locator('#report').textContent()).toContain(XSS(2));
      expect(errors).toEqual([]);
      // and the page's policy forbids inline handlers whatever gets in: one added by hand does not
      // run. Its image fails to decode; a listener added after the handler hears the error after it
      await page.evaluate(
        () =>
          new Promise<void>((resolve) => {
            const w = window as unknown as { __violations: string[] };
            w.__violations = [];
            document.addEventListener('securitypolicyviolation', (e) => w.__violations.push(e.effectiveDirective));
            document.body.insertAdjacentHTML('beforeend', '<img id="by-hand" src="data:," onerror="window.__pwned = 99">');
            document.getElementById('by-hand')!.addEventListener('error', () => resolve());
          }),
      );
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      // refused by the policy (which reports it), not merely never called
      await page.waitForFunction(() => (window as unknown as { __violations: string[] }).__violations.includes('script-src-attr'));
      await expect.poll(() => errors.join('\n')).toMatch(/Content Security Policy/);
      await page.close();
    },
    60_000,
  );
});

describe('runs.csv and curves.csv: no formulas for a spreadsheet', () => {
  it("cells that begin with = + - @, a tab or a carriage return get a leading ' unless they are numbers", () => {
    const root = tempDir('untrusted');
    copyRun(join(root, '=folder'), {
      config: (c) =>
        sweepMeta(c, {
          id: '=1+1',
          index: 0,
          params: {
            name: '=HYPERLINK("http://evil.example","click")',
            'dataset.name': "@SUM(1+1)*cmd|' /C calc'!A0",
            'train.optimizer': "+cmd|' /C calc'!A0",
            'model.activation': '-2+3',
            'model.init': '\t=1',
            'train.clipNorm': '\r=1',
            'model.gateBias': -2,
            'train.momentum': '-0.5',
            'train.lr': '1e-3',
          },
        }),
      summary: (s) => ({ ...s, status: '@status' }),
    });
    const r = highway(['report', root]);
    expect(r.code, r.stderr).toBe(0);
    const [header, row] = parse(readFileSync(join(root, 'runs.csv'), 'utf8'), { relax_column_count: true }) as string[][];
    const cell = (col: string) => row![header!.indexOf(col)];
    expect(cell('id')).toBe("'=1+1");
    expect(cell('name')).toBe('\'=HYPERLINK("http://evil.example","click")');
    expect(cell('dataset.name')).toBe("'@SUM(1+1)*cmd|' /C calc'!A0");
    expect(cell('train.optimizer')).toBe("'+cmd|' /C calc'!A0");
    expect(cell('model.activation')).toBe("'-2+3");
    expect(cell('model.init')).toBe("'\t=1");
    expect(cell('train.clipNorm')).toBe("'\r=1");
    expect(cell('status')).toBe("'@status");
    expect(cell('folder')).toBe("'=folder");
    // numbers stay numbers, negative ones too
    expect(cell('model.gateBias')).toBe('-2');
    expect(cell('train.momentum')).toBe('-0.5');
    expect(cell('train.lr')).toBe('1e-3');
    expect(Number(cell('final_train_loss'))).toBeGreaterThan(0);
    const curves = parse(readFileSync(join(root, 'curves.csv'), 'utf8')) as string[][];
    // curves.csv names each run by its folder, the key that is unique across sweeps
    expect(curves[0]).toEqual(['epoch', "'=folder"]);
  });
});

describe('one odd file never costs the whole report', () => {
  it('each is listed as unreadable with its reason; the others are reported; exit 0', () => {
    const root = tempDir('untrusted');
    const edits: Record<string, Parameters<typeof copyRun>[1]> = {
      // alone first in the order: the CLI's claim lines used to ask the kind registry about it
      'a-unknown-type': { config: (c) => ({ ...c, model: { ...(c.model as object), type: 'quantum' } }) },
      'model-5': { config: (c) => ({ ...c, model: 5 }) },
      'depth-text': { config: (c) => ({ ...c, model: { ...(c.model as object), depth: 'deep' } }) },
      'no-train': { config: (c) => ({ ...c, train: undefined }) },
      'config-array': { config: () => [1, 2] },
      'params-text': { config: (c) => sweepMeta(c, { id: 'p', index: 0, params: 'model.depth' }) },
      'index-text': { config: (c) => sweepMeta(c, { id: 'i', index: 'first', params: {} }) },
      'id-number': { config: (c) => sweepMeta(c, { id: 7, index: 0, params: {} }) },
      'wall-fast': { summary: (s) => ({ ...s, wallSeconds: 'fast' }) },
      'status-number': { summary: (s) => ({ ...s, status: 5 }) },
    };
    for (const [name, edit] of Object.entries(edits)) copyRun(join(root, name), edit);
    copyRun(join(root, 'zz-good'));
    // a metrics row at epoch 30,000,000: the curve used to be made dense, out of memory
    const far = copyRun(join(root, 'far-epoch'));
    writeFileSync(join(far, 'metrics.csv'), `${readFileSync(join(far, 'metrics.csv'), 'utf8')}30000000,0.1,0.5,0.1,0.5,0.01,1,0\n`);
    const notJson = copyRun(join(root, 'config-not-json'));
    writeFileSync(join(notJson, 'config.json'), '{"model": ');
    const summaryNotJson = copyRun(join(root, 'summary-not-json'));
    writeFileSync(join(summaryNotJson, 'summary.json'), 'running');
    // metrics.csv cells that are no numbers (a diverged run's "NaN" and epoch 0's empty lr are fine)
    const wordLoss = copyRun(join(root, 'loss-word'));
    writeFileSync(join(wordLoss, 'metrics.csv'), readFileSync(join(wordLoss, 'metrics.csv'), 'utf8').replace(/\n1,[^,]+,/, '\n1,low,'));
    const wordEpoch = copyRun(join(root, 'epoch-word'));
    writeFileSync(join(wordEpoch, 'metrics.csv'), `${readFileSync(join(wordEpoch, 'metrics.csv'), 'utf8')}last,0.1,0.5,0.1,0.5,0.01,1,0\n`);

    const r = highway(['report', root]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(STACK_LINE);
    const reasons: Record<string, RegExp> = {
      'a-unknown-type': /unknown model\.type "quantum"/,
      'model-5': /"model" is not an object/,
      'depth-text': /model\.depth "deep" is not a positive integer/,
      'no-train': /"train" is not an object/,
      'config-array': /config\.json: not a JSON object/,
      'params-text': /run\.sweep\.params is not an object/,
      'index-text': /run\.sweep\.index "first" is not a number/,
      'id-number': /run\.sweep\.id 7 is not a string/,
      'wall-fast': /summary\.json: wallSeconds "fast" is not a number/,
      'status-number': /summary\.json: status 5 is not a string/,
      'far-epoch': /metrics\.csv:5: epoch 30000000 is beyond train\.epochs \(2\)/,
      'config-not-json': /config\.json: not valid JSON/,
      'summary-not-json': /summary\.json: not valid JSON/,
      'loss-word': /metrics\.csv:3: train_loss "low" is not a number/,
      'epoch-word': /metrics\.csv:5: epoch "last" is not an epoch number/,
    };
    for (const [name, reason] of Object.entries(reasons)) expect(r.stderr, name).toMatch(new RegExp(`unreadable run ${name}: .*${reason.source}`));
    expect(r.stdout).toMatch(/^16 runs → /m);
    const csv = readFileSync(join(root, 'runs.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(17);
    expect(csv.filter((l) => /,unreadable,/.test(l))).toHaveLength(15);
    expect(csv.find((l) => l.startsWith('zz-good,'))).toMatch(/,completed,/);
    expect(readFileSync(join(root, 'report.md'), 'utf8')).toMatch(/Unreadable \(left out of every statistic\): .*far-epoch/);
  });
});
