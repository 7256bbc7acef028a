/**
 * Where the queue lives: a Redis URL (redis://[user:password@]host:port[/db], or rediss:// for
 * TLS), checked once up front so that an unreachable, silent or misconfigured server is one clear
 * line, not an endless reconnect loop or a hang. A password in the URL is never printed: every
 * message names the URL through `redactUrl`.
 */
import { UserError } from '../errors.js';
import { clip } from '../util/strings.js';

/** Default queue name: one queue per Redis database unless --queue-name says otherwise. */
export const DEFAULT_QUEUE = 'highway';

/** How long a server may take to accept a connection, and to answer a command, before we say so. */
export const CONNECT_TIMEOUT_MS = 5_000;
export const COMMAND_TIMEOUT_MS = 10_000;

/** Connection settings both ioredis and BullMQ accept. */
export type RedisSettings = {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls?: Record<string, never>;
  connectTimeout: number;
  maxRetriesPerRequest: null;
};

/** The URL with any password replaced by ***, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '***';
    return u.toString().replace(/\/$/, url.endsWith('/') ? '/' : '');
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}

export function parseRedisUrl(url: string): RedisSettings {
  const shown = redactUrl(url);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError(`--queue: "${shown}" is not a URL; expected redis://host:port[/db]`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new UserError(`--queue: expected a redis:// or rediss:// URL, got "${shown}"`);
  if (!u.hostname) throw new UserError(`--queue: "${shown}" has no host; expected redis://host:port[/db]`);
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new UserError(`--queue: database "${dbText}" in "${shown}" must be a non-negative integer`);
  const port = u.port === '' ? 6379 : Number(u.port);
  return {
    host: u.hostname,
    port,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    connectTimeout: CONNECT_TIMEOUT_MS,
    // BullMQ's workers block on Redis and need commands never to give up on their own
    maxRetriesPerRequest: null,
  };
}

export function checkQueueName(name: string): string {
  if (!/^[\w.-]+$/.test(name)) throw new UserError(`--queue-name: "${clip(name)}" may contain letters, digits, "_", "." and "-" only`);
  return name;
}

/** One line for what went wrong talking to Redis (socket errors, TLS mismatches, auth, silence). */
export function describeRedisError(e: unknown, tls: boolean): string {
  const err = e as NodeJS.ErrnoException;
  const msg = err?.message ?? String(e);
  const code = err?.code ?? /\b(E[A-Z]+)\b/.exec(msg)?.[1];
  if (/Command timed out/i.test(msg)) return `a command got no answer within ${COMMAND_TIMEOUT_MS / 1000} s`;
  if (code === 'ECONNREFUSED') return 'connection refused (is redis-server running there?)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'host unreachable';
  if (code === 'ECONNRESET' || code === 'EPIPE')
    return tls ? 'connection reset during the TLS handshake (is the server plain Redis? then use redis://)' : 'connection reset by the server';
  if (code === 'ETIMEDOUT' || /timed? ?out/i.test(msg)) {
    return tls
      ? `no TLS handshake within ${CONNECT_TIMEOUT_MS / 1000} s (is the server plain Redis? then use redis://)`
      : `no connection within ${CONNECT_TIMEOUT_MS / 1000} s`;
  }
  if (/NOAUTH|WRONGPASS|invalid password|invalid username-password/i.test(msg))
    return 'authentication failed: the URL needs the right password (redis://:password@host:port)';
  if (/Unknown RESP type|Protocol error/i.test(msg))
    return tls
      ? 'the server did not speak TLS (is it plain Redis? then use redis://)'
      : 'the server did not speak the Redis protocol (a TLS server? then use rediss://)';
  if (/wrong version number|SSL|TLS|certificate/i.test(msg)) return `TLS failed: ${msg.split('\n')[0]}`;
  return msg.split('\n')[0]!;
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what}: timed out`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });

/** Connect once with no retries and short timeouts; a UserError naming the URL (redacted) if that fails. */
export async function checkReachable(url: string, options: RedisSettings): Promise<void> {
  const tls = options.tls !== undefined;
  // loaded here, not at the top: every `highway` command imports this file for its names, and
  // ioredis costs ≈0.3 s of start-up that only queue users should pay
  const { Redis } = await import('ioredis');
  const probe = new Redis({
    ...options,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    commandTimeout: COMMAND_TIMEOUT_MS,
  });
  let cause: Error | null = null;
  let connected = false;
  probe.on('error', (e: Error) => {
    cause ??= e; // the socket's error (ECONNREFUSED, ENOTFOUND…); connect() only says "closed"
  });
  // after the TCP (and TLS) handshake; then ioredis asks the server INFO before it is "ready"
  probe.on('connect', () => (connected = true));
  try {
    await withTimeout(probe.connect(), CONNECT_TIMEOUT_MS * 2, 'connect');
    await withTimeout(probe.ping(), CONNECT_TIMEOUT_MS, 'PING');
  } catch (e) {
    const silent = /timed out/.test((e as Error).message) && (cause === null || /timed? ?out/i.test((cause as Error).message));
    const why =
      silent && connected
        ? `the server accepted the connection but did not answer within ${(CONNECT_TIMEOUT_MS * 2) / 1000} s`
        : describeRedisError(cause ?? e, tls);
    throw new UserError(`cannot reach Redis at ${redactUrl(url)}: ${why}`);
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
