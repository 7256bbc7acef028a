/**
 * Where the queue lives: a Redis URL (redis://[user:password@]host:port[/db], or rediss:// for
 * TLS), checked once up front so that an unreachable server is one clear message, not an
 * endless reconnect loop.
 */
import { Redis } from 'ioredis';
import { UserError } from '../errors.js';

/** Default queue name: one queue per Redis database unless --queue-name says otherwise. */
export const DEFAULT_QUEUE = 'highway';

/** Connection settings both ioredis and BullMQ accept. */
export type RedisSettings = {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls?: Record<string, never>;
  maxRetriesPerRequest: null;
};

export function parseRedisUrl(url: string): RedisSettings {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError(`--queue: "${url}" is not a URL; expected redis://host:port[/db]`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new UserError(`--queue: expected a redis:// or rediss:// URL, got "${url}"`);
  if (!u.hostname) throw new UserError(`--queue: "${url}" has no host; expected redis://host:port[/db]`);
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new UserError(`--queue: database "${dbText}" in "${url}" must be a non-negative integer`);
  const port = u.port === '' ? 6379 : Number(u.port);
  return {
    host: u.hostname,
    port,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    // BullMQ's workers block on Redis and need commands never to give up on their own
    maxRetriesPerRequest: null,
  };
}

export function checkQueueName(name: string): string {
  if (!/^[\w.-]+$/.test(name)) throw new UserError(`--queue-name: "${name}" may contain letters, digits, "_", "." and "-" only`);
  return name;
}

/** Connect once with no retries and a short timeout; UserError naming the URL if that fails. */
export async function checkReachable(url: string, options: RedisSettings): Promise<void> {
  const probe = new Redis({ ...options, lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let cause: Error | null = null;
  probe.on('error', (e: Error) => {
    cause ??= e; // the socket's error (ECONNREFUSED, ENOTFOUND…); connect() only says "closed"
  });
  try {
    await probe.connect();
    await probe.ping();
  } catch (e) {
    const why = (cause as Error | null)?.message ?? (e as Error).message ?? 'connection failed';
    throw new UserError(`cannot reach Redis at ${url}: ${why} (is redis-server running there?)`);
  } finally {
    probe.disconnect();
  }
}

/** The URL's settings, once a connection to them has succeeded (what every queue user needs first). */
export async function reachableRedis(url: string): Promise<RedisSettings> {
  const settings = parseRedisUrl(url);
  await checkReachable(url, settings);
  return settings;
}
