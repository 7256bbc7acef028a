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
    // not a URL: everything up to the last "@" may be a secret
    return url.includes('@') ? url.replace(/\/\/.*@/s, '//***@') : url;
  }
}

const PERCENT_ENCODE =
  'percent-encode those characters in the user name and password ("@" as %40, ":" as %3A, "/" as %2F, "?" as %3F, "#" as %23, "%" as %25), e.g. redis://:p%40ss%23word@host:6379';

/**
 * A URL whose user name or password holds "#", "?" or "/" does not mean what it seems: a URL parser
 * ends the host there (`redis://:p@ss#word@host` is host "ss" and a fragment). Refused, quoting no
 * part of it — any part may be the secret.
 */
function ambiguous(why: string): UserError {
  return new UserError(`--queue: the Redis URL cannot be read unambiguously (${why}); ${PERCENT_ENCODE}`);
}

export function parseRedisUrl(url: string): RedisSettings {
  const hasUserInfo = url.includes('@');
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    if (hasUserInfo) throw ambiguous('it is not a URL as written: a user name or password with "/", "?", "#" or "%"?');
    throw new UserError(`--queue: "${clip(url)}" is not a URL; expected redis://host:port[/db]`);
  }
  if (u.hash !== '' || url.includes('#')) throw ambiguous('it holds "#", which would start a fragment: part of a password?');
  if (u.search !== '' || url.includes('?')) throw ambiguous('it holds "?", which would start a query: part of a password?');
  if (u.pathname.includes('@')) throw ambiguous('it holds an "@" after the host: a "/" in the password?');
  let username: string;
  let password: string;
  try {
    username = decodeURIComponent(u.username);
    password = decodeURIComponent(u.password);
  } catch {
    throw ambiguous('a "%" in the user name or password is not followed by two hex digits');
  }
  const shown = redactUrl(url);
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
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
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
  // database 0 first, then the one asked for, explicitly: ioredis's own SELECT at connect only
  // emits an error and stays in database 0 (where `/99`, a typo for `/9`, would have queued)
  const probe = new Redis({
    ...options,
    db: 0,
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
    probe.disconnect();
    const silent = /timed out/.test((e as Error).message) && (cause === null || /timed? ?out/i.test((cause as Error).message));
    const why =
      silent && connected
        ? `the server accepted the connection but did not answer within ${(CONNECT_TIMEOUT_MS * 2) / 1000} s`
        : describeRedisError(cause ?? e, tls);
    throw new UserError(`cannot reach Redis at ${redactUrl(url)}: ${why}`);
  }
  try {
    if (options.db !== 0) await withTimeout(probe.select(options.db), CONNECT_TIMEOUT_MS, 'SELECT');
  } catch (e) {
    if (!/DB index/i.test((e as Error).message)) throw new UserError(`cannot reach Redis at ${redactUrl(url)}: ${describeRedisError(e, tls)}`);
    const count = await withTimeout(probe.config('GET', 'databases'), CONNECT_TIMEOUT_MS, 'CONFIG').then(
      (r) => Number((r as string[])[1]),
      () => Number.NaN,
    );
    const have = Number.isInteger(count) ? `it has databases 0 to ${count - 1}` : 'see "databases" in its redis.conf';
    throw new UserError(`--queue ${redactUrl(url)}: database ${options.db} does not exist on this server (${have}); nothing was queued or taken`);
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
