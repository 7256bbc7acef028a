/**
 * Queue mode, second pass (issue #25), against real redis-server processes: a URL whose password
 * holds special characters is read as a URL parser reads it (or refused, quoting no part of the
 * secret), a database index out of range is refused before anything is queued, a job whose data
 * is not JSON is refused like a forged one, SIGHUP stops a worker as SIGTERM does, a worker
 * stopped (SIGSTOP) until its run was taken over writes nothing when it wakes (fencing), and after
 * Redis restarts empty `--status` says which runs are not queued and which of them still run.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
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
/** The token of the lease at `file` (undefined: none, or being written). */
const tokenOf = (file: string): string | undefined => {
  try {
    return JSON.parse(readFileSync(file, 'utf8')).token;
  } catch {
    return undefined;
  }
};
/** The processes `pid` started (a worker's run processes). */
const childrenOf = (pid: number) =>
  spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => n > 0);

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

  it('a worker stopped (SIGSTOP) past its lease, and the worker that took the run over: each epoch is trained once; woken (SIGCONT), the stopped one writes nothing more', async () => {
    const redis = await startRedis({});
    const q = 'fence';
    const dir = tmp();
    const epochs = 300;
    const cfg = sweepConfig(dir, { epochs, batchSize: 8 });
    const sw = join(dir, 'sw');
    const run = join(sw, 'runs', 'seed1');
    const lease = join(sw, '.leases', 'seed1.lease');
    const worker = () => startHighway(['worker', '--queue', redis.url, '--queue-name', q, '--jobs', '1', '--lock-seconds', '2', '--exit-when-empty']);
    expect(highway(['sweep', cfg, '--queue', redis.url, '--queue-name', q, '--out', sw]).code).toBe(0);
    const a = worker();
    let stopped: number[] = [];
    let b: ReturnType<typeof worker> | undefined;
    try {
      await until(() => existsSync(join(run, 'metrics.csv')) && epochsOf(run).length >= 3);
      // Ctrl-Z, a laptop lid, a frozen VM: the worker and its run process stop where they are
      const runProcesses = childrenOf(a.child.pid!);
      expect(runProcesses).toHaveLength(1);
      stopped = [a.child.pid!, ...runProcesses];
      for (const pid of stopped) process.kill(pid, 'SIGSTOP');
      const tokenA = readJson(lease).token;
      const rowsA = epochsOf(run).length;
      // what a minute of being stopped does to the lease: nobody renews it, its heartbeat (the
      // file's time) grows old
      const minuteAgo = new Date(Date.now() - 61_000);
      utimesSync(lease, minuteAgo, minuteAgo);
      // a second worker takes the job once A's 2 s lock has lapsed, and the stale lease with it
      b = worker();
      // (it says start only once it holds the run's lease)
      await until(() => /start seed1/.test(b!.out()));
      expect(tokenOf(lease)).not.toBe(tokenA);
      // it continues the run from its checkpoint: a row past the ones A wrote
      await until(() => epochsOf(run).length > rowsA);
      // A wakes while B still trains (or after B finished: either way the lease is no longer A's)
      for (const pid of stopped) process.kill(pid, 'SIGCONT');
      stopped = [];
      expect(await b.exit).toBe(0);
      expect(await a.exit).toBe(0);
      // every epoch once, in order: none trained twice into the one folder
      expect(epochsOf(run)).toEqual(Array.from({ length: epochs + 1 }, (_, e) => e));
      const summary = readJson(join(run, 'summary.json'));
      expect(summary.status).toBe('completed');
      expect(summary.epochs).toBe(epochs);
      expect(readJson(join(run, 'config.json')).run.continued).toHaveLength(1);
      expect(existsSync(lease)).toBe(false);
      expect(b.out()).toMatch(/completed seed1/);
      // A stopped at its first write after waking, and said why
      expect(a.out()).toMatch(/interrupted seed1 .*another runner has taken this run over \(its lease\); stopping without writing/);
      expect(a.out()).not.toMatch(/completed seed1|failed seed1/);
      // its run did not finish: it does not claim the folder holds the result
      expect(a.out()).not.toMatch(/could not mark job/);
    } finally {
      for (const pid of stopped) process.kill(pid, 'SIGCONT');
      for (const p of [a, b]) if (p && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await redis.stop();
    }
  });

  it("a job's lock taken from its worker mid-run: the worker says it lost the lock (not a Redis outage), the run trains each epoch once and completes, the job ends", async () => {
    const redis = await startRedis({});
    const port = new URL(redis.url).port;
    const q = 'lostlock';
    const epochs = 60;
    const dir = tmp();
    const cfg = sweepConfig(dir, { epochs, batchSize: 8 });
    const sw = join(dir, 'sw');
    const run = join(sw, 'runs', 'seed1');
    let w: ReturnType<typeof startHighway> | undefined;
    try {
      expect(highway(['sweep', cfg, '--queue', redis.url, '--queue-name', q, '--out', sw]).code).toBe(0);
      w = startHighway(['worker', '--queue', redis.url, '--queue-name', q, '--jobs', '1', '--lock-seconds', '2', '--exit-when-empty']);
      await until(() => existsSync(join(run, 'metrics.csv')) && epochsOf(run).length >= 2);
      // another token in the job's lock key (as if the lock had lapsed and been taken), for 1.5 s:
      // the worker's next renewal fails
      expect(redisCli(port, 'set', `bull:${q}:seed1:lock`, 'another-worker', 'px', '1500')).toBe('OK');
      await until(() => /lost the queue's lock on job seed1 \(run seed1\)/.test(w!.out()));
      expect(await w.exit).toBe(0);
      // said once, however many renewals failed; the job that could not be marked done is
      // taken again and skipped, not trained again
      expect(w.out().match(/lost the queue's lock/g)).toHaveLength(1);
      expect(w.out()).toMatch(/completed seed1/);
      expect(w.out().match(/could not mark job seed1 \(run seed1\) done in the queue \(its lock was lost\)/g)).toHaveLength(1);
      expect(w.out()).toMatch(/skip seed1: already finished/);
      expect(w.out()).not.toMatch(/queue connection|could not renew|Missing lock/);
      expect(w.out()).not.toMatch(STACK_LINE);
      expect(epochsOf(run)).toEqual(Array.from({ length: epochs + 1 }, (_, e) => e));
      expect(readJson(join(run, 'summary.json')).status).toBe('completed');
    } finally {
      if (w && w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
      await redis.stop();
    }
  });

  it('Redis killed and restarted empty mid-run: --status says the run is not queued yet still running; after enqueueing again, the same worker skips the copy as soon as its first copy ends; --wait ends', async () => {
    const redis = await startRedis({});
    const port = new URL(redis.url).port;
    let restarted: ChildProcess | undefined;
    try {
      const dir = tmp();
      const cfg = sweepConfig(dir, { epochs: 200, batchSize: 8 });
      const sw = join(dir, 'sw');
      const q = ['--queue', redis.url, '--out', sw];
      expect(highway(['sweep', cfg, ...q]).code).toBe(0);
      // two slots: the copy queued again is taken by this same worker while its first copy trains
      const a = startHighway(['worker', '--queue', redis.url, '--jobs', '2', '--exit-when-empty']);
      const run = join(sw, 'runs', 'seed1');
      await until(() => existsSync(join(run, 'metrics.csv')) && epochsOf(run).length >= 2);
      // Redis killed and started again without persistence, on its port: every job is gone, the
      // workers' connections drop and come back, the run still trains on worker A
      await redis.stop();
      restarted = spawn('redis-server', ['--port', port, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp()], { stdio: 'ignore' });
      await until(() => redisCli(port, 'ping') === 'PONG');
      expect(redisCli(port, 'dbsize')).toBe('0');
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
      if (restarted && restarted.exitCode === null && restarted.signalCode === null) {
        const gone = new Promise((r) => restarted!.once('exit', r));
        restarted.kill('SIGTERM');
        await gone;
      } else if (!restarted) await redis.stop();
    }
  });
});
