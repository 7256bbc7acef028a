/**
 * ASHA end to end with the real executable: 27 random trials at one grid point, 9 epochs,
 * minEpochs 1, η 3 (rungs at epochs 1 and 3). The bar: the best run trains all 9 epochs,
 * at least half the runs stop at rung 1, and at most half of 27 × 9 epochs are trained — locally
 * with two jobs, and through a Redis queue with two workers, each run trained once. A sweep
 * killed mid-rung and resumed makes exactly the decisions of a sweep never killed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { highway, startHighway } from './helpers/cli.js';
import { redisUnavailable, startRedis, type TestRedis } from './helpers/redis.js';

function ashaConfig(dir: string, trials = 27): string {
  const f = join(dir, 'asha.json');
  writeFileSync(
    f,
    JSON.stringify({
      name: 'asha',
      dataset: { name: 'synthetic', trainSize: 192, testSize: 32 },
      model: { depth: 3, width: 8 },
      train: { epochs: 9, batchSize: 32 },
      sweep: {
        random: { trials, seed: 5, space: { 'train.lr': { logUniform: [0.0005, 0.5] } } },
        scheduler: { asha: { metric: 'train_loss', minEpochs: 1, reduction: 3 } },
      },
    }),
  );
  return f;
}

const statusOf = (runDir: string): string => {
  try {
    return JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')).status;
  } catch {
    return 'none';
  }
};

interface Outcome {
  status: string;
  epochs: number;
  finalLoss: number;
  rung?: number;
}

function outcomes(dir: string): Map<string, Outcome> {
  const runs = readdirSync(join(dir, 'runs'));
  return new Map(
    runs.map((id) => {
      const s = JSON.parse(readFileSync(join(dir, 'runs', id, 'summary.json'), 'utf8'));
      const rows = readFileSync(join(dir, 'runs', id, 'metrics.csv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1);
      // one row per epoch 0 … last, each once: no run was trained twice into its folder
      expect(
        rows.map((r) => Number(r.split(',')[0])),
        id,
      ).toEqual(Array.from({ length: s.epochs + 1 }, (_, e) => e));
      return [id, { status: s.status, epochs: s.epochs, finalLoss: s.final.trainLoss, rung: s.stopped?.rung }];
    }),
  );
}

/** The bar, checked on the run folders. */
function expectAshaSavings(dir: string): void {
  const o = [...outcomes(dir).values()];
  expect(o).toHaveLength(27);
  const atRung1 = o.filter((x) => x.status === 'stopped' && x.epochs === 1 && x.rung === 1).length;
  const trained = o.reduce((n, x) => n + x.epochs, 0);
  expect(o.every((x) => ['completed', 'stopped'].includes(x.status) && (x.status === 'completed' ? x.epochs === 9 : [1, 3].includes(x.epochs)))).toBe(true);
  expect(atRung1).toBeGreaterThanOrEqual(14);
  expect(trained).toBeLessThanOrEqual((27 * 9) / 2);
  // the lowest final loss of all 27 belongs to a run that trained all 9 epochs
  const best = o.reduce((a, b) => (b.finalLoss < a.finalLoss ? b : a));
  expect(best.epochs).toBe(9);
  // the report counts them and states the budget
  const md = readFileSync(join(dir, 'report.md'), 'utf8');
  const stopped = o.filter((x) => x.status === 'stopped').length;
  expect(md).toContain(`${stopped} runs were stopped`);
  expect(md).toContain(`Budget: ${trained} epochs trained of 243 (every run to its last epoch), ${((100 * trained) / 243).toFixed(1)}%`);
  expect(
    readFileSync(join(dir, 'runs.csv'), 'utf8')
      .split('\n')
      .filter((l) => l.includes(',stopped,')),
  ).toHaveLength(stopped);
}

describe('ASHA early stopping, local sweeps', () => {
  it('27 trials, two jobs: most stop at rung 1, under half the epochs are trained, the best run trains to the end', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'asha-'));
    const dir = join(tmp, 'out');
    const r = highway(['sweep', ashaConfig(tmp), '--out', dir, '--jobs', '2']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/ASHA: rungs at epochs 1, 3 of 9; .*top 1\/3/);
    expect(r.stdout).toMatch(/sweep done: \d+ completed, \d+ stopped early, 0 diverged, 0 failed/);
    expectAshaSavings(dir);
    // --resume treats stopped runs as finished: nothing to run
    const again = highway(['sweep', ashaConfig(tmp), '--out', dir, '--resume']);
    expect(again.stderr).toMatch(/27 runs, 27 already finished \(skipped\), 0 to run/);
  });

  it('a sweep killed in the middle of a rung and resumed makes the decisions of a sweep never killed (one job: one arrival order)', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'asha-resume-'));
    const cfg = ashaConfig(tmp, 12);
    const whole = join(tmp, 'whole');
    expect(highway(['sweep', cfg, '--out', whole, '--jobs', '1', '--quiet']).code).toBe(0);

    const dir = join(tmp, 'killed');
    const first = startHighway(['sweep', cfg, '--out', dir, '--jobs', '1']);
    const finishedRuns = () =>
      existsSync(join(dir, 'runs')) ? readdirSync(join(dir, 'runs')).filter((id) => ['completed', 'stopped'].includes(statusOf(join(dir, 'runs', id)))) : [];
    while (finishedRuns().length < 5) await new Promise((r) => setTimeout(r, 20));
    first.child.kill('SIGKILL'); // no goodbye: the run in flight is left "running"
    await first.exit;
    // the orphaned worker may still finish the run it holds (runs take 0.1 s) before it notices
    // and exits: count what is finished once nothing has changed for 300 ms
    let finished = finishedRuns();
    for (;;) {
      await new Promise((r) => setTimeout(r, 300));
      const now = finishedRuns();
      if (now.length === finished.length) break;
      finished = now;
    }
    const mtimes = finished.map((id) => statSync(join(dir, 'runs', id, 'metrics.csv')).mtimeMs);

    const resumed = highway(['sweep', cfg, '--out', dir, '--jobs', '1', '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`12 runs, ${finished.length} already finished \\(skipped\\)`));
    expect(finished.map((id) => statSync(join(dir, 'runs', id, 'metrics.csv')).mtimeMs)).toEqual(mtimes);
    const a = outcomes(whole);
    const b = outcomes(dir);
    expect([...b.entries()].map(([id, x]) => [id, x.status, x.epochs]).sort()).toEqual([...a.entries()].map(([id, x]) => [id, x.status, x.epochs]).sort());
    expect(b.size).toBe(12);
  });

  it('refuses a scheduler that would never act, before any run', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'asha-bad-'));
    const r = highway(['sweep', ashaConfig(tmp), '--out', join(tmp, 'o'), '--set', 'train.epochs=1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/sweep\.scheduler\.asha\.minEpochs: 1 is not below train\.epochs \(1, run t000\)/);
    expect(existsSync(join(tmp, 'o'))).toBe(false);
  });
});

const noRedis = redisUnavailable();
describe.skipIf(noRedis !== null && process.env.HIGHWAY_REQUIRE_REDIS !== '1')('ASHA early stopping, queue mode', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('two workers share the rung records through the sweep folder; each run is trained once', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'asha-queue-'));
    const cfg = ashaConfig(tmp);
    const dir = join(tmp, 'out');
    const q = `asha${process.pid}`;
    expect(highway(['sweep', cfg, '--queue', redis.url, '--queue-name', q, '--out', dir]).code).toBe(0);
    const workers = [0, 1].map(() => startHighway(['worker', '--queue', redis.url, '--queue-name', q, '--jobs', '1', '--exit-when-empty']));
    expect(await Promise.all(workers.map((w) => w.exit))).toEqual([0, 0]);
    const starts = workers.flatMap((w) => [...w.out().matchAll(/start (t\d+)/g)].map((m) => m[1]!));
    expect(starts.sort()).toEqual(Array.from({ length: 27 }, (_, t) => `t${String(t).padStart(3, '0')}`));
    expect(workers.every((w) => /start t/.test(w.out()))).toBe(true);
    const waited = highway(['sweep', cfg, '--queue', redis.url, '--queue-name', q, '--out', dir, '--wait']);
    expect(waited.code).toBe(0);
    expectAshaSavings(dir);
  });
});
