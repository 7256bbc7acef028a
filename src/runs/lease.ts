/**
 * Ownership by lease file: a sweep folder has one owning `highway sweep` (or one per shard), and
 * a run has one runner at a time, across processes and machines that share the folder.
 *
 * A lease is a small file created atomically (O_EXCL) holding its owner (host, pid, what); the
 * owner refreshes its mtime while it works (heartbeat) and removes it when done. It is stale,
 * and may be taken over, when its owner is a dead process on this host, or when its heartbeat
 * is older than `staleMs` (owners on other machines, or a reused pid). A takeover renames the
 * stale file away first: a rename of one name succeeds once, so of two runners that both saw it
 * stale, only one goes on to create the new lease.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { makeDirs } from '../util/make-dirs.js';

export interface LeaseOwner {
  host: string;
  pid: number;
  /** What holds it, for messages: "highway sweep", "highway worker", … */
  what: string;
  since: string;
  /** Unique per lease, so a runner never removes a lease it no longer owns. */
  token: string;
}

export interface Held {
  /** null when the file could not be read (being written): treated as held. */
  owner: LeaseOwner | null;
  /** Milliseconds since the last heartbeat. */
  ageMs: number;
}

/** Heartbeat period and staleness: a lease not refreshed for STALE_MS is free to take. */
export const HEARTBEAT_MS = 5_000;
export const STALE_MS = 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Who holds the lease at `path` (null: nobody). */
export function readLease(path: string): Held | null {
  let mtime: number;
  try {
    mtime = statSync(path).mtimeMs;
  } catch {
    return null;
  }
  let owner: LeaseOwner | null = null;
  try {
    owner = JSON.parse(readFileSync(path, 'utf8')) as LeaseOwner;
  } catch {
    owner = null;
  }
  return { owner, ageMs: Date.now() - mtime };
}

export function isStale(h: Held, staleMs = STALE_MS): boolean {
  if (h.ageMs > staleMs) return true;
  return h.owner !== null && h.owner.host === hostname() && !alive(h.owner.pid);
}

export function describeHolder(h: Held): string {
  if (!h.owner) return 'another runner (its lease is being written)';
  const o = h.owner;
  return `${o.what} (pid ${o.pid} on ${o.host}, since ${o.since}, last heartbeat ${Math.round(h.ageMs / 1000)} s ago)`;
}

export interface Fence {
  path: string;
  token: string;
}

/** Is the lease at `fence.path` still the one with this token? */
export function stillHeld(fence: Fence): boolean {
  return readLease(fence.path)?.owner?.token === fence.token;
}

export class Lease {
  private timer: NodeJS.Timeout | null = null;

  private constructor(
    readonly path: string,
    readonly owner: LeaseOwner,
  ) {}

  /** Take the lease at `path`, or learn who holds it. */
  static acquire(path: string, what: string, staleMs = STALE_MS): Lease | { held: Held } {
    makeDirs(dirname(path));
    const owner: LeaseOwner = { host: hostname(), pid: process.pid, what, since: new Date().toISOString(), token: randomBytes(8).toString('hex') };
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        try {
          writeSync(fd, JSON.stringify(owner));
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        return new Lease(path, owner);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const held = readLease(path);
      if (held === null) continue; // released meanwhile: try again
      if (!isStale(held, staleMs)) return { held };
      try {
        const tomb = `${path}.stale-${owner.token}`;
        renameSync(path, tomb);
        unlinkSync(tomb);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    const held = readLease(path);
    return { held: held ?? { owner: null, ageMs: 0 } };
  }

  /**
   * The fencing token a process writing on this lease's behalf checks before each write
   * (`stillHeld`): a runner stalled long enough for its lease to be taken over finds another
   * token there and stops without writing.
   */
  fence(): Fence {
    return { path: this.path, token: this.owner.token };
  }

  /** Refresh the heartbeat every HEARTBEAT_MS until released. */
  keepAlive(): this {
    this.timer ??= setInterval(() => this.refresh(), HEARTBEAT_MS).unref();
    return this;
  }

  refresh(): void {
    try {
      const now = new Date();
      utimesSync(this.path, now, now);
    } catch {
      /* gone (taken over after a stall, or the folder removed): the next acquire tells */
    }
  }

  /** Remove the lease if it is still ours. */
  release(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const h = readLease(this.path);
    if (h?.owner?.token !== this.owner.token) return;
    try {
      unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }
}
