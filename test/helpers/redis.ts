/**
 * A real Redis for the queue tests: the one .ci/run started (HIGHWAY_TEST_REDIS), or a
 * redis-server this process starts on a free loopback port and stops afterwards.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { parseRedisUrl } from '../../src/queue/connection.js';

export interface TestRedis {
  url: string;
  stop(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/** Why no Redis can be had here, or null. */
export function redisUnavailable(): string | null {
  if (process.env.HIGHWAY_TEST_REDIS) return null;
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? null : 'no redis-server on PATH and HIGHWAY_TEST_REDIS unset (apt-get install redis-server; .ci/run does)';
}

/**
 * The shared test Redis, or (`own`, e.g. with a password, or to be flushed) a private
 * redis-server on a free port with these extra arguments.
 */
export async function startRedis(own?: { args?: string[]; password?: string }): Promise<TestRedis> {
  if (process.env.HIGHWAY_TEST_REDIS && !own) return { url: process.env.HIGHWAY_TEST_REDIS, stop: async () => {} };
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'redis-'));
  const auth = own?.password ? ['--requirepass', own.password] : [];
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...auth, ...(own?.args ?? [])],
    { stdio: 'ignore' },
  );
  const url = `redis://${own?.password ? `:${own.password}@` : ''}127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (
      spawnSync('redis-cli', ['-p', String(port), ...(own?.password ? ['-a', own.password, '--no-auth-warning'] : []), 'ping'], {
        encoding: 'utf8',
      }).stdout?.includes('PONG')
    )
      break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** A BullMQ handle on queue `name` at `url` (parsed as the CLI parses --queue), to look at or tamper with its jobs as a test. */
export const queueOf = (url: string, name: string) => new Queue(name, { connection: parseRedisUrl(url) });
