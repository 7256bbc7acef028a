/**
 * Queue mode under faults (issue #13), against real redis-server processes: jobs are untrusted,
 * a run has one runner even after Redis loses its data, a refused sweep enqueues nothing, a
 * worker stopped from its terminal puts its jobs back, and a password, a silent server or a TLS
 * mismatch each give one line, never the password.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { STACK_LINE, highway, startHighway } from './helpers/cli.js';
import { epochsOf, readJson, tempDir } from './helpers/run-folder.js';
import { queueOf, redisUnavailable, startRedis, type TestRedis } from './helpers/redis.js';

const tmp = () => tempDir('qfaults');

function sweepConfig(dir: string, grid: Record<string, unknown[]>, train: Record<string, unknown>): string {
  const f = join(dir, 'cfg.json');
  writeFileSync(
    f,
    JSON.stringify({ name: 'qf', dataset: { name: 'synthetic', trainSize: 256, testSize: 16 }, model: { depth: 2, width: 8 }, train, sweep: { grid } }),
  );
  return f;
}

const noRedis = redisUnavailable();
if (noRedis) process.stderr.write(`queue fault tests skipped: ${noRedis}\n`);

describe.skipIf(noRedis !== null && process.env.HIGHWAY_REQUIRE_REDIS !== '1')('queue mode under faults', () => {
  let redis: TestRedis;
  let n = 0;
  const qname = () => `qf${process.pid}-${n++}`;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('injected jobs are refused and recorded without touching any folder; the worker goes on with real ones', async () => {
    const dir = tmp();
    const victim = join(dir, 'victim');
    mkdirSync(victim);
    writeFileSync(join(victim, 'precious.txt'), 'keep me');
    const cfg = sweepConfig(dir, { 'train.seed': [1] }, { epochs: 1, batchSize: 32 });
    const sw = join(dir, 'sw');
    const q = qname();
    expect(highway(['sweep', cfg, '--queue', redis.url, '--queue-name', q, '--out', sw]).code).toBe(0);
    const queue = queueOf(redis.url, q);
    const bad = [
      { id: '../../victim', sweepDir: sw, index: 0 },
      { id: 'seed1', sweepDir: join(sw, '..', 'victim'), index: 0 }, // not normalised
      { id: 'seed1', sweepDir: victim, index: 0 }, // no sweep.json there
      { id: 'seed9', sweepDir: sw, index: 0 }, // not in the sweep
      { id: 'seed1', sweepDir: 'relative/path', index: 0 },
    ];
    for (const [i, data] of bad.entries()) await queue.add('run', data, { jobId: `bad${i}` });
    const w = startHighway(['worker', '--queue', redis.url, '--queue-name', q, '--jobs', '1', '--exit-when-empty']);
    expect(await w.exit).toBe(0);
    expect(w.out().match(/rejected job bad\d: job refused: /g)).toHaveLength(5);
    expect(w.out()).toMatch(/completed seed1/);
    expect(readFileSync(join(victim, 'precious.txt'), 'utf8')).toBe('keep me');
    expect(existsSync(join(victim, 'runs'))).toBe(false);
    expect(readJson(join(sw, 'runs', 'seed1', 'summary.json')).status).toBe('completed');
    for (let i = 0; i < bad.length; i++) expect(await (await queue.getJob(`bad${i}`))!.getState()).toBe('failed');
    await queue.close();
  });

  it('a sweep refused for a conflict enqueues nothing', () => {
    const dir = tmp();
    const q = qname();
    const a = sweepConfig(dir, { 'train.seed': [1, 2] }, { epochs: 1, batchSize: 32 });
    expect(highway(['sweep', a, '--queue', redis.url, '--queue-name', q, '--out', join(dir, 'one')]).code).toBe(0);
    // a second sweep folder whose runs seed3, seed1 (id taken by the first, still waiting)
    const b = join(dir, 'b.json');
    writeFileSync(b, readFileSync(a, 'utf8').replace('[1,2]', '[3,1]'));
    const r = highway(['sweep', b, '--queue', redis.url, '--queue-name', q, '--out', join(dir, 'two')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already has run seed1 waiting for the sweep in .*one; .*nothing was queued/);
    const status = highway(['sweep', a, '--queue', redis.url, '--queue-name', q, '--out', join(dir, 'one'), '--status']);
    expect(status.stdout).toMatch(/2 waiting, 0 active, 0 completed, 0 failed \(of 2\)/);
    const seed3 = highway(['sweep', b, '--queue', redis.url, '--queue-name', q, '--out', join(dir, 'two'), '--status']);
    expect(seed3.stdout).toMatch(/0 waiting, 0 active, 0 completed, 0 failed, 2 not queued \(of 2\)/);
  });

  it('Ctrl-C on a worker in a terminal: the run finishes its epoch, its job goes back to the queue, another worker continues it from its checkpoint', async () => {
    const dir = tmp();
    const q = qname();
    const epochs = 12;
    const cfg = sweepConfig(dir, { 'train.seed': [1] }, { epochs, batchSize: 2 });
    const sw = join(dir, 'sw');
    expect(highway(['sweep', cfg, '--queue', redis.url, '--queue-name', q, '--out', sw]).code).toBe(0);
    const w = startHighway(['worker', '--queue', redis.url, '--queue-name', q, '--jobs', '1'], { detached: true });
    const run = join(sw, 'runs', 'seed1');
    while (!(existsSync(join(run, 'metrics.csv')) && epochsOf(run).length >= 3)) await new Promise((r) => setTimeout(r, 50));
    process.kill(-w.child.pid!, 'SIGINT'); // what a terminal does: the whole foreground process group
    expect(await w.exit).toBe(130);
    expect(w.out()).toMatch(/requeued seed1: interrupted by this worker's stop, back in the queue/);
    expect(readJson(join(run, 'summary.json')).status).toBe('interrupted');
    // one Ctrl-C, so the epoch in flight was finished: rows 0 … k, none cut
    const rows = epochsOf(run);
    expect(rows).toEqual(Array.from({ length: rows.length }, (_, e) => e));
    const queue = queueOf(redis.url, q);
    expect(await (await queue.getJob('seed1'))!.getState()).toBe('waiting');
    await queue.close();
    // the same job, now taken by a second worker, which continues the run from its last checkpoint
    const w2 = startHighway(['worker', '--queue', redis.url, '--queue-name', q, '--jobs', '1', '--exit-when-empty']);
    expect(await w2.exit).toBe(0);
    expect(readJson(join(run, 'summary.json')).status).toBe('completed');
    expect(epochsOf(run)).toEqual(Array.from({ length: epochs + 1 }, (_, e) => e));
    expect(readJson(join(run, 'config.json')).run.continued).toHaveLength(1);
  });
});

describe.skipIf(noRedis !== null && process.env.HIGHWAY_REQUIRE_REDIS !== '1')('queue mode on a Redis of its own', () => {
  it('Redis loses its data mid-run: the run queued again waits for its live first copy; each epoch once; --wait ends after it', async () => {
    const redis = await startRedis({});
    try {
      const dir = tmp();
      const q = 'loss';
      // long enough to be still training when Redis is flushed and the sweep queued again (≈1 s;
      // 150 epochs of this net took ≈1 s once dense steps ran without the engine)
      const epochs = 600;
      const cfg = sweepConfig(dir, { 'train.seed': [1] }, { epochs, batchSize: 8 });
      const sw = join(dir, 'sw');
      expect(highway(['sweep', cfg, '--queue', redis.url, '--queue-name', q, '--out', sw]).code).toBe(0);
      const a = startHighway(['worker', '--queue', redis.url, '--queue-name', q, '--jobs', '1']);
      const run = join(sw, 'runs', 'seed1');
      while (!(existsSync(join(run, 'metrics.csv')) && epochsOf(run).length >= 2)) await new Promise((r) => setTimeout(r, 50));
      // a restart without persistence: every job is gone, the run is still training on worker A
      const u = new URL(redis.url);
      expect(spawnSync('redis-cli', ['-p', u.port, 'FLUSHALL'], { encoding: 'utf8' }).stdout.trim()).toBe('OK');
      const again = highway(['sweep', cfg, '--queue', redis.url, '--queue-name', q, '--out', sw]);
      expect(again.stdout).toMatch(/queued 1 runs/);
      const b = startHighway(['worker', '--queue', redis.url, '--queue-name', q, '--jobs', '1', '--exit-when-empty']);
      const waited = startHighway(['sweep', cfg, '--queue', redis.url, '--queue-name', q, '--out', sw, '--wait']);
      while (!/wait seed1: being run by highway worker \(pid \d+/.test(b.out())) await new Promise((r) => setTimeout(r, 100));
      expect(await waited.exit).toBe(0);
      // --wait ended only once the first copy had finished
      expect(readJson(join(run, 'summary.json')).status).toBe('completed');
      expect(epochsOf(run)).toEqual(Array.from({ length: epochs + 1 }, (_, e) => e));
      expect(await b.exit).toBe(0);
      expect(b.out()).not.toMatch(/start seed1/);
      a.child.kill('SIGINT');
      await a.exit;
    } finally {
      await redis.stop();
    }
  });

  it('--wait through a Redis outage: one line when it goes, one when it is back; jobs it lost are reported, exit 4', async () => {
    const dir = tmp();
    const redis = await startRedis({});
    const port = new URL(redis.url).port;
    const cfg = sweepConfig(dir, { 'train.seed': [1] }, { epochs: 1, batchSize: 32 });
    const sw = join(dir, 'sw');
    expect(highway(['sweep', cfg, '--queue', redis.url, '--out', sw]).code).toBe(0);
    const waited = startHighway(['sweep', cfg, '--queue', redis.url, '--out', sw, '--wait']);
    while (!/1 waiting/.test(waited.out())) await new Promise((r) => setTimeout(r, 50));
    await redis.stop();
    while (!/waiting for it \(reconnecting\)/.test(waited.out())) await new Promise((r) => setTimeout(r, 50));
    // back, empty (no persistence)
    const again = spawnSync('redis-server', ['--port', port, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'yes'], {
      encoding: 'utf8',
    });
    expect(again.status).toBe(0);
    try {
      expect(await waited.exit).toBe(4);
      const out = waited.out();
      expect(out.match(/Redis at redis:\/\/127\.0\.0\.1:\d+: connection refused .*; waiting for it \(reconnecting\)/g)).toHaveLength(1);
      expect(out).toMatch(/Redis at .* answers again/);
      expect(out).toMatch(/1 runs are neither finished nor queued \(did Redis lose its data\?\): enqueue again to run them/);
      expect(out).not.toMatch(STACK_LINE);
      expect(out).not.toMatch(/ECONNREFUSED/);
    } finally {
      spawnSync('redis-cli', ['-p', port, 'shutdown', 'nosave']);
    }
  });

  it('a password in the URL works and is never printed; a wrong one is one line', async () => {
    const redis = await startRedis({ password: 's3cret-pw' });
    try {
      const dir = tmp();
      const cfg = sweepConfig(dir, { 'train.seed': [1] }, { epochs: 1, batchSize: 32 });
      const sw = join(dir, 'sw');
      const ok = highway(['sweep', cfg, '--queue', redis.url, '--out', sw]);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+/);
      const w = startHighway(['worker', '--queue', redis.url, '--exit-when-empty']);
      expect(await w.exit).toBe(0);
      expect(w.out()).toMatch(/completed seed1/);
      const wrong = redis.url.replace('s3cret-pw', 'guessed-pw');
      const bad = highway(['sweep', cfg, '--queue', wrong, '--out', sw, '--status']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: authentication failed/);
      for (const out of [ok.stdout + ok.stderr, w.out(), bad.stdout + bad.stderr]) expect(out).not.toMatch(/s3cret-pw|guessed-pw/);
    } finally {
      await redis.stop();
    }
  });
});

describe('servers that do not answer as Redis', () => {
  let silent: Server;
  let port = 0;
  beforeAll(async () => {
    // accepts connections, never says a word
    silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    port = (silent.address() as { port: number }).port;
  });
  afterAll(() => {
    silent.close();
  });

  it('a silent server: one line after the timeout, exit 2 (sweep and worker)', async () => {
    const dir = tmp();
    const cfg = sweepConfig(dir, { 'train.seed': [1] }, { epochs: 1, batchSize: 32 });
    const both = [
      ['sweep', cfg, '--queue', `redis://127.0.0.1:${port}`, '--out', join(dir, 'sw')],
      ['worker', '--queue', `redis://127.0.0.1:${port}`],
    ].map((args) => startHighway(args));
    for (const p of both) {
      expect(await p.exit).toBe(2);
      expect(p.out()).toMatch(
        new RegExp(`cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: the server accepted the connection but did not answer within 10 s`),
      );
      expect(p.out().trim().split('\n')).toHaveLength(1);
    }
  });

  it.skipIf(noRedis !== null && process.env.HIGHWAY_REQUIRE_REDIS !== '1')(
    'rediss:// against a plain Redis: one line, no stack, no "please report"',
    async () => {
      const redis = await startRedis();
      try {
        const r = highway(['worker', '--queue', redis.url.replace('redis://', 'rediss://')]);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(
          /cannot reach Redis at rediss:\/\/.*: (no TLS handshake within 5 s \(is the server plain Redis\? then use redis:\/\/\)|the server did not speak TLS|connection reset during the TLS handshake|TLS failed)/,
        );
        expect(r.stderr).not.toMatch(/[Pp]lease report|RESP/);
        expect(r.stderr).not.toMatch(STACK_LINE);
      } finally {
        await redis.stop();
      }
    },
  );
});
