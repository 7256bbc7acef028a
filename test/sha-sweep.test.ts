/**
 * Successive halving end to end with the real executable: 27 random trials at one grid point,
 * 9 epochs, minEpochs 1, η 3, minFinishers 4 (rungs at epochs 1 and 3: 27 → 9 → 4). The same
 * runs stop at the same rungs and every run writes the same metrics whatever the timing: one
 * job, two jobs, two queue workers, and a sweep killed in the middle of rung 1 and resumed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { highway, startHighway } from './helpers/cli.js';
import { redisUnavailable, startRedis, type TestRedis } from './helpers/redis.js';
import { tempDir } from './helpers/run-folder.js';

function shaConfig(dir: string): string {
  const f = join(dir, 'sha.json');
  writeFileSync(
    f,
    JSON.stringify({
      name: 'sha',
      dataset: { name: 'synthetic', trainSize: 192, testSize: 32 },
      model: { depth: 3, width: 8, inputDropout: 0.1 },
      train: { epochs: 9, batchSize: 32, optimizer: 'adam' },
      sweep: {
        random: { trials: 27, seed: 5, space: { 'train.lr': { logUniform: [0.0005, 0.5] } } },
        scheduler: { sha: { metric: 'train_loss', minEpochs: 1, reduction: 3, minFinishers: 4 } },
      },
    }),
  );
  return f;
}

interface Outcome {
  status: string;
  epochs: number;
  /** metrics.csv without its two timing columns. */
  values: string;
}

function outcomes(dir: string): Map<string, Outcome> {
  return new Map(
    readdirSync(join(dir, 'runs'))
      .sort()
      .map((id) => {
        const s = JSON.parse(readFileSync(join(dir, 'runs', id, 'summary.json'), 'utf8'));
        const lines = readFileSync(join(dir, 'runs', id, 'metrics.csv'), 'utf8')
          .trim()
          .split('\n');
        const rows = lines.slice(1).map((l) => l.split(','));
        // one row per epoch 0 … last, each once: no segment was trained twice into the folder
        expect(
          rows.map((r) => Number(r[0])),
          id,
        ).toEqual(Array.from({ length: s.epochs + 1 }, (_, e) => e));
        return [id, { status: s.status, epochs: s.epochs, values: rows.map((r) => r.slice(0, 6).join(',')).join('\n') }];
      }),
  );
}

/** 27 → 9 → 4, each stopped run's last epoch a rung, the finishers the best 4 of rung 3's 9. */
function expectHalving(dir: string): void {
  const o = [...outcomes(dir).values()];
  expect(o).toHaveLength(27);
  expect(o.filter((x) => x.status === 'completed' && x.epochs === 9)).toHaveLength(4);
  expect(o.filter((x) => x.status === 'stopped' && x.epochs === 1)).toHaveLength(18);
  expect(o.filter((x) => x.status === 'stopped' && x.epochs === 3)).toHaveLength(5);
  const decision = JSON.parse(readFileSync(join(dir, 'scheduler', 'all', 'decision-3.json'), 'utf8'));
  // second computation: rank rung 3's members by their own metrics.csv rows
  const atRung3 = [...outcomes(dir).entries()].filter(([, x]) => x.epochs >= 3);
  const loss3 = (id: string) => Number(outcomes(dir).get(id)!.values.split('\n')[3]!.split(',')[1]);
  const best4 = atRung3
    .map(([id]) => id)
    .sort((a, b) => loss3(a) - loss3(b) || a.localeCompare(b))
    .slice(0, 4);
  expect([...decision.promoted].sort()).toEqual([...best4].sort());
  expect(
    atRung3
      .filter(([, x]) => x.status === 'completed')
      .map(([id]) => id)
      .sort(),
  ).toEqual([...best4].sort());
}

const sameAs = (a: string, b: string) => expect(outcomes(b)).toEqual(outcomes(a));

let reference: string | undefined;
/** The --jobs 1 sweep every other way of running is compared with (made here if its test did not run). */
function ensureReference(): string {
  if (!reference) {
    const tmp = tempDir('sha-ref');
    reference = join(tmp, 'one');
    expect(highway(['sweep', shaConfig(tmp), '--jobs', '1', '--out', reference]).code).toBe(0);
  }
  return reference;
}

describe('successive halving, local sweeps', () => {
  it('--jobs 1 halves 27 → 9 → 4; --jobs 2 stops the same runs at the same rungs with the same metrics', () => {
    const tmp = tempDir('sha');
    const cfg = shaConfig(tmp);
    reference = join(tmp, 'one');
    const one = highway(['sweep', cfg, '--jobs', '1', '--out', reference]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/sweep done: 4 completed, 23 stopped early, 0 diverged, 0 failed/);
    expect(one.stderr).toMatch(/SHA: rungs at epochs 1, 3 of 9; .* 69 of 243 epochs, 28\.4%/);
    expectHalving(reference!);
    const two = join(tmp, 'two');
    expect(highway(['sweep', cfg, '--jobs', '2', '--out', two]).code).toBe(0);
    sameAs(ensureReference(), two);
  });

  it('a sweep killed in the middle of rung 1 and resumed ends as the sweep never killed', async () => {
    const tmp = tempDir('sha-kill');
    const cfg = shaConfig(tmp);
    const dir = join(tmp, 'killed');
    const sweep = startHighway(['sweep', cfg, '--jobs', '2', '--out', dir]);
    const rung1 = join(dir, 'scheduler', 'all', 'rung-1');
    for (let i = 0; i < 3000 && !(existsSync(rung1) && readdirSync(rung1).length >= 5); i++) await new Promise((r) => setTimeout(r, 10));
    sweep.child.kill('SIGKILL');
    await sweep.exit;
    expect(readdirSync(rung1).length).toBeLessThan(27); // the kill fell inside rung 1
    await new Promise((r) => setTimeout(r, 500)); // its workers see the parent gone and exit
    const resumed = highway(['sweep', cfg, '--jobs', '2', '--out', dir, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    sameAs(ensureReference(), dir);
  });
});

const noRedis = redisUnavailable();
describe.skipIf(noRedis !== null && process.env.HIGHWAY_REQUIRE_REDIS !== '1')('successive halving, queue mode', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it.each([1, 2])(
    '%i worker(s): each segment queued once its rung is decided, the same finishers and metrics, and every worker exits when no more work can appear',
    async (n) => {
      const tmp = tempDir('sha-queue');
      const cfg = shaConfig(tmp);
      const dir = join(tmp, 'queued');
      const q = `sha${process.pid}w${n}`;
      const queued = highway(['sweep', cfg, '--queue', redis.url, '--queue-name', q, '--out', dir]);
      expect(queued.code, queued.stderr).toBe(0);
      expect(queued.stdout).toMatch(/queued 27 runs/);
      const workers = Array.from({ length: n }, () => startHighway(['worker', '--queue', redis.url, '--queue-name', q, '--jobs', '1', '--exit-when-empty']));
      expect(await Promise.all(workers.map((w) => w.exit))).toEqual(new Array(n).fill(0));
      // 27 first segments + 9 to rung 3 + 4 to the end
      const starts = workers.flatMap((w) => [...w.out().matchAll(/start (t\d+)/g)].map((m) => m[1]!));
      expect(starts).toHaveLength(27 + 9 + 4);
      expect(workers.every((w) => /start t/.test(w.out()))).toBe(true);
      const waited = highway(['sweep', cfg, '--queue', redis.url, '--queue-name', q, '--out', dir, '--wait']);
      expect(waited.code, waited.stderr).toBe(0);
      // the runs successive halving stopped are counted as such, as a local sweep counts them
      expect(waited.stdout).toMatch(/sweep done: 4 completed, 23 stopped early, 0 diverged, 0 failed/);
      sameAs(ensureReference(), dir);
    },
  );
});
