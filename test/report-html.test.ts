import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { throttled } from '../src/util/throttle.js';
import { CHROMIUM } from './helpers/browser.js';
import { highway, startHighway } from './helpers/cli.js';

// report.html in a real browser (helpers/browser.ts)

/** A small sweep (2 types × 2 depths × 2 random trials = 8 runs, 4 epochs each) and its report. */
function makeStudy(): { dir: string; runIds: string[] } {
  const tmp = mkdtempSync(join(tmpdir(), 'report-html-'));
  const cfg = join(tmp, 'tiny.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      name: 'tiny',
      dataset: { name: 'synthetic', trainSize: 128, testSize: 32 },
      model: { width: 8 },
      // the highway runs analyse their gates at the end, so the page shows those figures
      train: { epochs: 4, batchSize: 32, analyze: true },
      sweep: {
        grid: { 'model.type': ['plain', 'highway'], 'model.depth': [2, 4] },
        random: { trials: 2, seed: 1, space: { 'train.lr': { logUniform: [0.01, 0.3] }, 'model.activation': { choice: ['relu', 'tanh'] } } },
      },
    }),
  );
  const dir = join(tmp, 'out');
  const r = highway(['sweep', cfg, '--out', dir, '--jobs', '2', '--quiet']);
  expect(r.code, r.stderr).toBe(0);
  const runIds = readFileSync(join(dir, 'runs.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(',')[0]!);
  return { dir, runIds };
}

describe('report.html', () => {
  let study: { dir: string; runIds: string[] };
  let browser: Browser | undefined;

  beforeAll(async () => {
    study = makeStudy();
    if (CHROMIUM) browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('a sweep writes it, self-contained: every script inline, no URL it would fetch', () => {
    const html = readFileSync(join(study.dir, 'report.html'), 'utf8');
    expect(study.runIds).toHaveLength(8);
    // the page's own markup, without the inlined libraries' code
    const markup = html.replace(/<script>[\s\S]*?<\/script>/g, '<script></script>');
    expect(/<script[^>]+src=/i.test(markup), 'a script from a URL').toBe(false);
    expect(/<link[^>]+href=/i.test(markup), 'a stylesheet from a URL').toBe(false);
    expect(/<img[^>]+src="(?!data:)/i.test(markup), 'an image from a URL').toBe(false);
    expect(markup.match(/<script><\/script>/g)?.length, 'vega, vega-lite, vega-embed and the page script').toBe(4);
    // the tables and claims of report.md are on the page
    expect(markup.includes('<table>')).toBe(true);
    // every run is drawn, keyed by its folder (unique across sweeps)
    for (const id of study.runIds) expect(html.includes(`"run":"runs/${id}"`), id).toBe(true);
    // the gate-analysis figures of the highway runs (gates, per class, lesion), embedded
    const highwayRuns = study.runIds.filter((id) => id.startsWith('highway-'));
    expect(highwayRuns).toHaveLength(4);
    expect(markup.match(/<img alt="[^"]+" src="data:image\/svg\+xml;base64,/g)?.length).toBe(highwayRuns.length * 3);
  });

  it.skipIf(!CHROMIUM)(
    'renders with no console errors and no network requests; one curve per run with a point per epoch; hovering shows the run; the metric selector shows test accuracy',
    async () => {
      const page = await browser!.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      const url = pathToFileURL(join(study.dir, 'report.html')).href;
      page.on('request', (r) => {
        if (r.url() !== url) requests.push(r.url());
      });
      await page.goto(url);
      await page.waitForSelector('#curves-chart svg .mark-line path');
      await page.waitForSelector('#search-chart svg');

      // one line mark per run: Vega keeps each mark's data on its element
      const lines = page.locator('#curves-chart svg .mark-line path');
      const lineRuns = await lines.evaluateAll((els) => els.map((e) => (e as unknown as { __data__?: { datum?: { run?: string } } }).__data__?.datum?.run));
      expect([...lineRuns].sort()).toEqual(study.runIds.map((id) => `runs/${id}`).sort());

      // a point per epoch and run: hover a few, the tooltip names a run (by its folder) and the value
      const tooltip = page.locator('#vg-tooltip-element');
      const points = page.locator('#curves-chart svg .mark-symbol.role-mark path');
      const epochsOf = (id: string) =>
        readFileSync(join(study.dir, 'runs', id, 'metrics.csv'), 'utf8')
          .trim()
          .split('\n').length - 1;
      const expectedPoints = study.runIds.reduce((n, id) => n + epochsOf(id), 0);
      expect(await points.count()).toBe(expectedPoints);
      for (const i of [0, 7, expectedPoints - 1]) {
        await points.nth(i).hover({ force: true });
        await tooltip.waitFor({ state: 'visible', timeout: 5000 });
        const text = (await tooltip.textContent()) ?? '';
        expect(
          study.runIds.some((id) => text.includes(`runs/${id}`)),
          text,
        ).toBe(true);
        await page.mouse.move(0, 0);
      }

      // the selector switches to test accuracy: the points then sit at each run's test_acc
      await page.selectOption('#curves-chart select', 'test accuracy');
      await page.waitForTimeout(200);
      await points.first().hover({ force: true });
      await tooltip.waitFor({ state: 'visible', timeout: 5000 });
      const shown = (await tooltip.textContent()) ?? '';
      const run = study.runIds.find((id) => shown.includes(`runs/${id}`))!;
      const epoch = Number(/epoch(\d+)/.exec(shown)![1]);
      const row = readFileSync(join(study.dir, 'runs', run, 'metrics.csv'), 'utf8')
        .trim()
        .split('\n')
        [1 + epoch]!.split(',');
      expect(Number(/value([\d.e-]+)/.exec(shown)![1])).toBeCloseTo(Number(row[4]), 3); // test_acc
      await page.mouse.move(0, 0);

      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      await page.close();
    },
    60_000,
  );
});

describe('report.html during a sweep', () => {
  it('is written as runs finish, before the sweep ends', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'report-live-'));
    const cfg = join(tmp, 'live.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        name: 'live',
        dataset: { name: 'synthetic', trainSize: 256, testSize: 32 },
        model: { width: 8, depth: 3 },
        train: { epochs: 40, batchSize: 16 },
        sweep: { grid: { 'train.seed': [1, 2, 3, 4, 5, 6] } },
      }),
    );
    const dir = join(tmp, 'out');
    const sweep = startHighway(['sweep', cfg, '--out', dir, '--jobs', '1']);
    let exited = false;
    void sweep.exit.then(() => (exited = true));
    while (!existsSync(join(dir, 'report.html')) && !exited) await new Promise((r) => setTimeout(r, 50));
    expect(exited, 'report.html appeared only after the sweep ended').toBe(false);
    expect(await sweep.exit).toBe(0);
    // and the final one lists every run
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    const ids = readFileSync(join(dir, 'runs.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',')[0]!);
    expect(ids).toHaveLength(6);
    for (const id of ids) expect(html.includes(`"run":"runs/${id}"`), id).toBe(true);
  }, 120_000);

  it('rewrites at most once per interval, and never drops the last request (on a fake clock)', async () => {
    vi.useFakeTimers();
    try {
      let runs = 0;
      const t = throttled(async () => {
        runs++;
      }, 300);
      t.call(); // runs at once (the next tick)
      await vi.advanceTimersByTimeAsync(1);
      expect(runs).toBe(1);
      for (let i = 0; i < 10; i++) t.call(); // a burst within the interval: one more run, at its end
      await vi.advanceTimersByTimeAsync(100);
      expect(runs).toBe(1);
      await vi.advanceTimersByTimeAsync(200);
      expect(runs).toBe(2);
      // nothing more is pending: the burst became one run
      await vi.advanceTimersByTimeAsync(1000);
      expect(runs).toBe(2);
      await t.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
