/**
 * Sweeps beyond one machine, end to end with the real executable: a real Redis (started by
 * .ci/run, or here), BullMQ workers in separate processes, array-job shards, the Slurm script.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STACK_LINE, highway, startHighway } from './helpers/cli.js';
import { redisUnavailable, startRedis, type TestRedis } from './helpers/redis.js';

/** A sweep config on the synthetic data: sizes, net, training and the grid. */
function writeConfig(
  dir: string,
  name: string,
  sizes: [number, number],
  model: Record<string, number>,
  train: Record<string, number>,
  grid: Record<string, unknown[]>,
): string {
  const f = join(dir, 'cfg.json');
  writeFileSync(f, JSON.stringify({ name, dataset: { name: 'synthetic', trainSize: sizes[0], testSize: sizes[1] }, model, train, sweep: { grid } }));
  return f;
}

/** plain and highway × seeds: 2 × seeds.length runs. */
const config = (dir: string, seeds = [1, 2, 3]) =>
  writeConfig(dir, 'qtest', [400, 100], { depth: 3, width: 16 }, { epochs: 3, batchSize: 50 }, { 'model.type': ['plain', 'highway'], 'train.seed': seeds });

const start = startHighway;

/** runs.csv without the timing and folder columns (the last two) and the sweep column (each sweep's folder name). */
const stripTiming = (csv: string) =>
  csv
    .trim()
    .split('\n')
    .map((l) =>
      l
        .split(',')
        .filter((_, i) => i !== 1)
        .slice(0, -2)
        .join(','),
    )
    .join('\n');

const noRedis = redisUnavailable();
if (noRedis) process.stderr.write(`queue tests skipped: ${noRedis}\n`);
// CI must not skip them
const mustRun = process.env.HIGHWAY_REQUIRE_REDIS === '1';

describe.skipIf(noRedis !== null && !mustRun)('queue mode (BullMQ on a real Redis)', () => {
  let redis: TestRedis;
  let n = 0;
  const queueName = () => `t${process.pid}-${n++}`;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('two workers drain a 6-run sweep, each run once; enqueueing twice adds nothing; the report equals a local sweep', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'queue-'));
    const cfg = config(tmp);
    const q = queueName();
    const dir = join(tmp, 'queued');
    const first = highway(['sweep', cfg, '--queue', redis.url, '--queue-name', q, '--out', dir]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/queued 6 runs/);
    const again = highway(['sweep', cfg, '--queue', redis.url, '--queue-name', q, '--out', dir]);
    expect(again.stdout).toMatch(/queued 0 runs .*6 already queued/);
    expect(highway(['sweep', cfg, '--queue', redis.url, '--queue-name', q, '--out', dir, '--status']).stdout).toMatch(
      /6 waiting, 0 active, 0 completed, 0 failed \(of 6\)/,
    );

    const workers = [0, 1].map(() => start(['worker', '--queue', redis.url, '--queue-name', q, '--jobs', '1', '--exit-when-empty']));
    const codes = await Promise.all(workers.map((w) => w.exit));
    expect(codes).toEqual([0, 0]);
    const logs = workers.map((w) => w.out());
    const completed = logs.flatMap((l) => [...l.matchAll(/completed (\S+)/g)].map((m) => m[1]!));
    expect(completed.sort()).toEqual(['highway-seed1', 'highway-seed2', 'highway-seed3', 'plain-seed1', 'plain-seed2', 'plain-seed3']);
    // both workers took part, in their own processes
    expect(logs.every((l) => /completed /.test(l))).toBe(true);
    const pids = new Set(readdirSync(join(dir, 'runs')).map((id) => JSON.parse(readFileSync(join(dir, 'runs', id, 'config.json'), 'utf8')).run.pid));
    expect(pids.size).toBeGreaterThanOrEqual(2);

    const waited = highway(['sweep', cfg, '--queue', redis.url, '--queue-name', q, '--out', dir, '--wait']);
    expect(waited.code).toBe(0);
    expect(waited.stdout).toMatch(/sweep done: 6 completed, 0 diverged, 0 failed/);
    const local = join(tmp, 'local');
    expect(highway(['sweep', cfg, '--out', local, '--jobs', '2', '--quiet']).code).toBe(0);
    // same sampled values, same numbers: every column but the timing and the folder
    expect(stripTiming(readFileSync(join(dir, 'runs.csv'), 'utf8'))).toBe(stripTiming(readFileSync(join(local, 'runs.csv'), 'utf8')));
    expect(readFileSync(join(dir, 'curves.csv'), 'utf8')).toBe(readFileSync(join(local, 'curves.csv'), 'utf8'));
  });

  it('a folder planned otherwise is refused by --queue and --emit slurm, naming the difference; sweep.json and the queue are unchanged', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'queue-plan-'));
    const cfg = config(tmp);
    const q = queueName();
    const dir = join(tmp, 'sw');
    expect(highway(['sweep', cfg, '--queue', redis.url, '--queue-name', q, '--out', dir]).code).toBe(0);
    const recorded = readFileSync(join(dir, 'sweep.json'), 'utf8');
    for (const how of [
      ['--queue', redis.url, '--queue-name', q],
      ['--emit', 'slurm'],
    ]) {
      const r = highway(['sweep', cfg, ...how, '--out', dir, '--set', 'train.epochs=5']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /the sweep in .* was planned differently \(sweep\.json\): 6 run\(s\) with other settings, e\.g\. plain-seed1: train\.epochs \(3 → 5\)/,
      );
      expect(r.stderr).not.toMatch(STACK_LINE);
      expect(readFileSync(join(dir, 'sweep.json'), 'utf8')).toBe(recorded);
    }
    expect(existsSync(join(dir, 'sweep.sbatch'))).toBe(false);
    expect(highway(['sweep', cfg, '--queue', redis.url, '--queue-name', q, '--out', dir, '--status']).stdout).toMatch(/6 waiting, 0 active/);
  });

  it('SIGKILL of a worker mid-run: the job is retried by another worker and completes; finished runs are not rewritten', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'queue-kill-'));
    const f = writeConfig(tmp, 'qkill', [600, 50], { depth: 3, width: 16 }, { batchSize: 20 }, { 'train.epochs': [2, 40, 3] });
    const q = queueName();
    const dir = join(tmp, 'sw');
    expect(highway(['sweep', f, '--queue', redis.url, '--queue-name', q, '--out', dir]).code).toBe(0);
    const a = start(['worker', '--queue', redis.url, '--queue-name', q, '--jobs', '1', '--lock-seconds', '2']);
    const longRun = join(dir, 'runs', 'epochs40');
    // worker A takes the runs in order: epochs2 finishes, then epochs40 runs; kill A during it
    for (;;) {
      const rows = existsSync(join(longRun, 'metrics.csv')) ? readFileSync(join(longRun, 'metrics.csv'), 'utf8').trim().split('\n').length : 0;
      if (rows >= 4) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    a.child.kill('SIGKILL');
    await a.exit;
    const finished = join(dir, 'runs', 'epochs2');
    expect(JSON.parse(readFileSync(join(finished, 'summary.json'), 'utf8')).status).toBe('completed');
    const stamp = () => ['config.json', 'metrics.csv', 'summary.json', 'model/model.json'].map((p) => `${p}:${statSync(join(finished, p)).mtimeMs}`).join(' ');
    const before = stamp();
    const b = start(['worker', '--queue', redis.url, '--queue-name', q, '--jobs', '1', '--lock-seconds', '2', '--exit-when-empty']);
    expect(await b.exit).toBe(0);
    expect(b.out()).toMatch(/start epochs40/);
    expect(b.out()).toMatch(/completed epochs40/);
    expect(b.out()).not.toMatch(/start epochs2\b/);
    const s = JSON.parse(readFileSync(join(longRun, 'summary.json'), 'utf8'));
    expect(s.status).toBe('completed');
    expect(s.epochs).toBe(40);
    // the half-written folder was replaced: one row per epoch, 0 … 40
    expect(readFileSync(join(longRun, 'metrics.csv'), 'utf8').trim().split('\n')).toHaveLength(42);
    expect(JSON.parse(readFileSync(join(dir, 'runs', 'epochs3', 'summary.json'), 'utf8')).status).toBe('completed');
    expect(stamp()).toBe(before);
    expect(highway(['sweep', f, '--queue', redis.url, '--queue-name', q, '--out', dir, '--status']).stdout).toMatch(
      /0 waiting, 0 active, 3 completed, 0 failed/,
    );
  });

  it('a run that fails every attempt is recorded failed in its folder and in --status', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'queue-fail-'));
    const f = writeConfig(
      tmp,
      'qfail',
      [100, 20],
      { depth: 2, width: 8 },
      { epochs: 1, batchSize: 20 },
      { 'dataset.name': ['synthetic', `idx:${join(tmp, 'missing')}`] },
    );
    const q = queueName();
    const dir = join(tmp, 'sw');
    expect(highway(['sweep', f, '--queue', redis.url, '--queue-name', q, '--out', dir]).code).toBe(0);
    const w = start(['worker', '--queue', redis.url, '--queue-name', q, '--jobs', '1', '--exit-when-empty']);
    expect(await w.exit).toBe(0);
    const failedId = readdirSync(join(dir, 'runs')).find((id) => id.startsWith('idx'))!;
    const s = JSON.parse(readFileSync(join(dir, 'runs', failedId, 'summary.json'), 'utf8'));
    expect(s.status).toBe('failed');
    expect(s.error).toMatch(/missing/);
    const status = highway(['sweep', f, '--queue', redis.url, '--queue-name', q, '--out', dir, '--status']);
    expect(status.stdout).toMatch(/1 completed, 1 failed/);
    expect(status.stdout).toMatch(new RegExp(`failed: ${failedId}: .*missing`));
  });
});

describe('queue mode without a server, and array jobs', () => {
  it('Redis unreachable or a bad URL: one message naming it, exit 2, no stack trace', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'queue-bad-'));
    const cfg = config(tmp);
    for (const [args, msg] of [
      [['worker', '--queue', 'redis://127.0.0.1:1'], /cannot reach Redis at redis:\/\/127\.0\.0\.1:1: connection refused \(is redis-server running there\?\)/],
      [['sweep', cfg, '--queue', 'redis://127.0.0.1:1'], /cannot reach Redis at redis:\/\/127\.0\.0\.1:1/],
      [['sweep', cfg, '--queue', 'http://localhost'], /--queue: expected a redis:\/\/ or rediss:\/\/ URL/],
      [['sweep', cfg, '--queue', 'redis://localhost/x'], /database "x"/],
      [['sweep', cfg, '--status'], /--status needs --queue/],
      [['sweep', cfg, '--queue', 'redis://127.0.0.1:1', '--jobs', '2'], /--jobs is for sweeps run here; .*highway worker/],
      [['sweep', cfg, '--queue', 'redis://127.0.0.1:1', '--force'], /--force is for sweeps run here/],
      [['sweep', cfg, '--shard', '2/2'], /--shard: expected i\/n with 0 ≤ i < n/],
      [['sweep', cfg, '--shard', 'a'], /--shard: expected i\/n/],
      [['sweep', cfg, '--emit', 'pbs'], /--emit: expected "slurm"/],
      [['worker', '--queue', 'redis://127.0.0.1:1', '--queue-name', 'a b'], /--queue-name: "a b"/],
    ] as const) {
      const r = highway([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).not.toMatch(STACK_LINE);
    }
  });

  it('shards 0/3, 1/3, 2/3 cover every run exactly once, run side by side into one folder', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'shards-'));
    const cfg = config(tmp, [1, 2, 3, 4]); // 8 runs
    const all = highway(['sweep', cfg, '--list']).stdout.trim().split('\n');
    expect(all).toHaveLength(8);
    const lists = [0, 1, 2].map((i) =>
      highway(['sweep', cfg, '--list', '--shard', `${i}/3`])
        .stdout.trim()
        .split('\n'),
    );
    expect(lists.map((l) => l.length)).toEqual([3, 3, 2]);
    expect(lists.flat().sort()).toEqual([...all].sort());
    lists.forEach((l, i) => {
      for (const line of l) expect(Number(line.split('\t')[0]) % 3).toBe(i);
    });
    const dir = join(tmp, 'sw');
    const shards = [0, 1, 2].map((i) => start(['sweep', cfg, '--shard', `${i}/3`, '--out', dir, '--jobs', '1']));
    expect(await Promise.all(shards.map((s) => s.exit))).toEqual([0, 0, 0]);
    expect(shards[0]!.out()).toMatch(/when every shard has finished: highway report/);
    expect(highway(['report', dir]).code).toBe(0);
    const rows = readFileSync(join(dir, 'runs.csv'), 'utf8').trim().split('\n').slice(1);
    expect(rows).toHaveLength(8);
    expect(rows.every((r) => r.includes(',completed,'))).toBe(true);
    // sweep.json holds the whole expansion, whichever shard wrote it last
    expect(JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')).runs).toHaveLength(8);
  });

  it('--emit slurm writes an sbatch job array that bash accepts, one shard per task', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'slurm-'));
    const cfg = config(tmp); // 6 runs
    const dir = join(tmp, 'sw');
    for (const [extra, tasks] of [
      [[], 6],
      [['--tasks', '4'], 4],
      [['--tasks', '99'], 6],
    ] as const) {
      const r = highway(['sweep', cfg, '--emit', 'slurm', '--out', dir, '--set', 'train.epochs=2', ...extra]);
      expect(r.code).toBe(0);
      const script = readFileSync(join(dir, 'sweep.sbatch'), 'utf8');
      expect(script).toMatch(new RegExp(`^#SBATCH --array=0-${tasks - 1}$`, 'm'));
      // a run is single-threaded: one CPU per task, and the task runs as many runs at once as it gets CPUs
      expect(script).toMatch(/^#SBATCH --cpus-per-task=1$/m);
      expect(script).toContain(`--jobs "\${SLURM_CPUS_PER_TASK:-1}"`);
      expect(script).toContain(`--shard "\${SLURM_ARRAY_TASK_ID}/${tasks}"`);
      expect(script).toContain('--set train.epochs=2');
      expect(spawnSync('bash', ['-n', join(dir, 'sweep.sbatch')]).status).toBe(0);
      expect(existsSync(join(dir, 'slurm'))).toBe(true);
    }
    // the emitted command itself runs (as array task 1 of 6 would)
    const script = readFileSync(join(dir, 'sweep.sbatch'), 'utf8');
    const cmd = script.trim().split('\n').pop()!;
    const r = spawnSync('bash', ['-c', cmd], { env: { ...process.env, SLURM_ARRAY_TASK_ID: '1' }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(readdirSync(join(dir, 'runs'))).toEqual(['plain-seed2']);
  });
});
