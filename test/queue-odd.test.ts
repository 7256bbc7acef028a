/**
 * Queue mode, second pass (issue #25), against real redis-server processes: a URL whose password
 * holds special characters is read as a URL parser reads it (or refused, quoting no part of the
 * secret), a database index out of range is refused before anything is queued, a job whose data
 * is not JSON is refused like a forged one, SIGHUP stops a worker as SIGTERM does, and after Redis
 * restarts empty `--status` says which runs are not queued and which of them still run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRedisUrl, reachableRedis, redactUrl } from '../src/queue/connection.js';
import { STACK_LINE, highway, startHighway } from './helpers/cli.js';
import { epochsOf, readJson, tempDir } from './helpers/run-folder.js';
import { queueOf, redisUnavailable, startRedis } from './helpers/redis.js';

const tmp = () => tempDir('qodd');

function sweepConfig(dir: string, train: Record<string, unknown>, seeds = [1]): string {
  const f = join(dir, 'cfg.json');
  writeFileSync(
    f,
    JSON.stringify({
      name: 'qo',
      dataset: { name: 'synthetic', trainSize: 256, testSize: 16 },
      model: { depth: 2, width: 8 },
      train,
      sweep: { grid: { 'train.seed': seeds } },
    }),
  );
  return f;
}

const redisCli = (port: string, ...args: string[]) => spawnSync('redis-cli', ['-p', port, ...args], { encoding: 'utf8' }).stdout.trim();
const until = async (ok: () => boolean) => {
  while (!ok()) await new Promise((r) => setTimeout(r, 50));
};

describe('Redis URLs with special characters', () => {
  const secretParts = /p@ss|ss#|w0rdZ|#w0|50%off|pa\/ss|pa\?ss/;
  it('are read as a URL parser reads them; an ambiguous one is refused quoting no part of it, saying to percent-encode', () => {
    // the last "@" ends the user information: "@" in a password is unambiguous
    expect(parseRedisUrl('redis://:p@ss@127.0.0.1:6390/2')).toMatchObject({ host: '127.0.0.1', port: 6390, db: 2, password: 'p@ss' });
    expect(redactUrl('redis://:p@ss@127.0.0.1:6390/2')).toBe('redis://:***@127.0.0.1:6390/2');
    expect(parseRedisUrl('redis://me:p%40ss%23w0rdZ@h:1')).toMatchObject({ host: 'h', username: 'me', password: 'p@ss#w0rdZ' });
    for (const url of [
      'redis://:p@ss#w0rdZ@127.0.0.1:6390', // "#" starts a fragment: host "ss"
      'redis://:pa?ss@127.0.0.1:6390', // "?" starts a query
      'redis://:pa/ss@127.0.0.1:6390', // "/" ends the host
      'redis://user:1/pa/ss@h', // ... even where the rest still parses
      'redis://:50%off@127.0.0.1:6390', // "%" not followed by two hex digits
    ]) {
      let message = '';
      try {
        parseRedisUrl(url);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message, url).toMatch(/^--queue: the Redis URL cannot be read unambiguously .*percent-encode/);
      expect(message, url).not.toMatch(secretParts);
      expect(message).not.toContain('127.0.0.1'); // no part of the URL at all
    }
  });

  it.skipIf(redisUnavailable() !== null && process.env.HIGHWAY_REQUIRE_REDIS !== '1')(
    'end to end: the raw password is refused in one line that shows none of it; percent-encoded, it works and is never printed',
    async () => {
      const redis = await startRedis({ password: 'p@ss#w0rdZ' });
      try {
        const port = new URL(redis.url.replace('p@ss#w0rdZ', 'x')).port;
        const dir = tmp();
        const cfg = sweepConfig(dir, { epochs: 1, batchSize: 32 });
        const raw = `redis://:p@ss#w0rdZ@127.0.0.1:${port}`;
        for (const args of [
          ['sweep', cfg, '--queue', raw, '--out', join(dir, 'sw')],
          ['worker', '--queue', raw],
        ]) {
          const r = highway(args);
          expect(r.code).toBe(2);
          expect(r.stderr).toMatch(/percent-encode/);
          expect(r.stderr.trim().split('\n')).toHaveLength(1);
          expect(r.stdout + r.stderr).not.toMatch(secretParts);
        }
        const ok = highway(['sweep', cfg, '--queue', `redis://:p%40ss%23w0rdZ@127.0.0.1:${port}`, '--out', join(dir, 'sw')]);
        expect(ok.code, ok.stderr).toBe(0);
        expect(ok.stdout).toMatch(new RegExp(`queued 1 runs .* at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}`));
        expect(ok.stdout + ok.stderr).not.toMatch(secretParts);
      } finally {
        await redis.stop();
      }
    },
  );
});

describe.skipIf(redisUnavailable() !== null && process.env.HIGHWAY_REQUIRE_REDIS !== '1')('queue mode, second pass', () => {
  it('a database index out of range is refused in one line, and nothing lands in database 0', async () => {
    const redis = await startRedis({});
    try {
      const port = new URL(redis.url).port;
      const dir = tmp();
      const cfg = sweepConfig(dir, { epochs: 1, batchSize: 32 });
      const r = highway(['sweep', cfg, '--queue', `${redis.url}/99`, '--out', join(dir, 'sw')]);
      const refused =
        /--queue redis:\/\/127\.0\.0\.1:\d+\/99: database 99 does not exist on this server \(it has databases 0 to 15\); nothing was queued or taken/;
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(refused);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/ReplyError/);
      expect(r.stderr).not.toMatch(STACK_LINE);
      // --status, --wait and the worker connect the same way
      await expect(reachableRedis(`${redis.url}/99`)).rejects.toThrow(refused);
      expect(redisCli(port, '-n', '0', 'dbsize')).toBe('0');
      expect(existsSync(join(dir, 'sw'))).toBe(false);
      // a database that exists is used, and only it
      expect(highway(['sweep', cfg, '--queue', `${redis.url}/9`, '--out', join(dir, 'sw')]).code).toBe(0);
      expect(redisCli(port, '-n', '0', 'dbsize')).toBe('0');
      expect(Number(redisCli(port, '-n', '9', 'dbsize'))).toBeGreaterThan(0);
    } finally {
      await redis.stop();
    }
  });

  it('a job whose data is not JSON is refused and recorded as failed; the worker runs the real job and exits when the queue is empty', async () => {
    const redis = await startRedis({});
    try {
      const port = new URL(redis.url).port;
      const dir = tmp();
      const cfg = sweepConfig(dir, { epochs: 1, batchSize: 32 });
      const sw = join(dir, 'sw');
      expect(highway(['sweep', cfg, '--queue', redis.url, '--queue-name', 'nj', '--out', sw]).code).toBe(0);
      const queue = queueOf(redis.url, 'nj');
      await queue.add('run', { id: 'x', sweepDir: sw, index: 0 }, { jobId: 'junk\u001b[2J' });
      await queue.close();
      // as if written by another program: the data field is not JSON
      expect(redisCli(port, 'hset', 'bull:nj:junk\u001b[2J', 'data', '{not json')).toBe('0');
      const w = startHighway(['worker', '--queue', redis.url, '--queue-name', 'nj', '--jobs', '1', '--exit-when-empty']);
      expect(await w.exit).toBe(0);
      expect(w.out()).toMatch(/rejected job junk\\x1b\[2J: job refused: its data is not JSON \(/);
      expect(w.out()).not.toContain('\u001b'); // the job id's escape sequence is shown, not sent to the terminal
      expect(w.out()).toMatch(/completed seed1/);
      expect(w.out()).not.toMatch(/queue connection/);
      const again = queueOf(redis.url, 'nj');
      // (getJob would parse the data: ask for the state alone)
      expect(await again.getJobState('junk\u001b[2J')).toBe('failed');
      await again.close();
      expect(readJson(join(sw, 'runs', 'seed1', 'summary.json')).status).toBe('completed');
    } finally {
      await redis.stop();
    }
  });

  it('SIGHUP on a worker (its terminal closed): the run stops at once and says interrupted, its job goes back to the queue, exit 129', async () => {
    const redis = await startRedis({});
    try {
      const dir = tmp();
      const cfg = sweepConfig(dir, { epochs: 300, batchSize: 8 });
      const sw = join(dir, 'sw');
      expect(highway(['sweep', cfg, '--queue', redis.url, '--out', sw]).code).toBe(0);
      const w = startHighway(['worker', '--queue', redis.url, '--jobs', '1']);
      const run = join(sw, 'runs', 'seed1');
      await until(() => existsSync(join(run, 'metrics.csv')) && epochsOf(run).length >= 2);
      w.child.kill('SIGHUP');
      expect(await w.exit).toBe(129);
      expect(w.out()).toMatch(/stopping now \(SIGHUP\)/);
      expect(w.out()).toMatch(/requeued seed1/);
      expect(readJson(join(run, 'summary.json')).status).toBe('interrupted');
      const queue = queueOf(redis.url, 'highway');
      expect(await (await queue.getJob('seed1'))!.getState()).toBe('waiting');
      await queue.close();
    } finally {
      await redis.stop();
    }
  });

  it('Redis restarted empty mid-run: --status says the run is not queued yet still running; after enqueueing again, the same worker skips the copy as soon as its first copy ends; --wait ends', async () => {
    const redis = await startRedis({});
    try {
      const port = new URL(redis.url).port;
      const dir = tmp();
      const cfg = sweepConfig(dir, { epochs: 200, batchSize: 8 });
      const sw = join(dir, 'sw');
      const q = ['--queue', redis.url, '--out', sw];
      expect(highway(['sweep', cfg, ...q]).code).toBe(0);
      // two slots: the copy queued again is taken by this same worker while its first copy trains
      const a = startHighway(['worker', '--queue', redis.url, '--jobs', '2', '--exit-when-empty']);
      const run = join(sw, 'runs', 'seed1');
      await until(() => existsSync(join(run, 'metrics.csv')) && epochsOf(run).length >= 2);
      // a restart without persistence: every job is gone, the run still trains on worker A
      expect(redisCli(port, 'FLUSHALL')).toBe('OK');
      const status = highway(['sweep', cfg, ...q, '--status']);
      expect(status.stdout).toMatch(
        /0 waiting, 0 active, 0 completed, 0 failed, 1 not queued \(of 1\); not queued but still running \(run leases\): seed1 by highway worker \(pid \d+ on /,
      );
      expect(status.stdout).toMatch(
        /1 runs are neither finished nor queued \(did Redis lose its data\?\): enqueue again to run them; a copy of a run still running waits for it to end/,
      );
      // the README's recovery
      expect(highway(['sweep', cfg, ...q]).stdout).toMatch(/queued 1 runs/);
      const waited = startHighway(['sweep', cfg, ...q, '--wait']);
      const waitsForItself = /wait seed1: being run by this worker already \(a copy queued again\); looked at again as soon as that run ends/;
      // (if the first copy ended before the copy was taken, the test says so rather than hang)
      await until(() => waitsForItself.test(a.out()) || /completed seed1/.test(a.out()));
      expect(a.out()).toMatch(waitsForItself);
      expect(await a.exit).toBe(0);
      expect(await waited.exit).toBe(0);
      const log = a.out();
      expect(log).toMatch(/completed seed1/);
      expect(log).toMatch(/skip seed1: already finished/);
      expect(log.match(/start seed1/g)).toHaveLength(1);
      // the copy is looked at again when the first copy ends, not at its next 15 s retry
      const at = (re: RegExp) => {
        const [h, m, s] = re.exec(log)![1]!.split(':').map(Number);
        return h! * 3600 + m! * 60 + s!;
      };
      expect(at(/(\d\d:\d\d:\d\d) {2}skip seed1/) - at(/(\d\d:\d\d:\d\d) {2}completed seed1/)).toBeLessThanOrEqual(5);
      expect(epochsOf(run)).toEqual(Array.from({ length: 201 }, (_, e) => e));
      expect(readJson(join(run, 'summary.json')).status).toBe('completed');
    } finally {
      await redis.stop();
    }
  });
});
