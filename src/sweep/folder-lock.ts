/**
 * One owner per sweep folder: a local `highway sweep` holds `.highway-sweep.lock`, each shard
 * `i/n` its own `.highway-shard-i-of-n.lock` (shards of one sweep run side by side by design).
 * A second sweep on the folder, or a shard beside a whole sweep, is refused, naming the holder.
 * Per-run leases (run-lease.ts) keep each run to one runner whatever the locks.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { Lease, describeHolder, isStale, readLease, type Held } from '../runs/lease.js';
import type { Shard } from './shard.js';

const WHOLE = '.highway-sweep.lock';
const shardLock = (s: Shard) => `.highway-shard-${s.index}-of-${s.count}.lock`;

function heldLocks(dir: string, names: string[]): Array<[string, Held]> {
  return names.flatMap((n) => {
    const held = readLease(join(dir, n));
    return held && !isStale(held) ? [[n, held] as [string, Held]] : [];
  });
}

export function lockSweepFolder(dir: string, shard?: Shard): Lease {
  const mine = shard ? shardLock(shard) : WHOLE;
  const what = shard ? `highway sweep --shard ${shard.index}/${shard.count}` : 'highway sweep';
  const lease = Lease.acquire(join(dir, mine), what);
  if (!(lease instanceof Lease)) {
    throw new UserError(
      `sweep folder ${dir} is in use by ${describeHolder(lease.held)}; wait for it to finish, or stop it (the lock ${join(dir, mine)} is freed when its owner exits)`,
    );
  }
  // a whole sweep and shards exclude each other
  const others = shard ? [WHOLE] : existsSync(dir) ? readdirSync(dir).filter((n) => /^\.highway-shard-\d+-of-\d+\.lock$/.test(n)) : [];
  const busy = heldLocks(dir, others);
  if (busy.length > 0) {
    lease.release();
    const [name, held] = busy[0]!;
    throw new UserError(`sweep folder ${dir} is in use by ${describeHolder(held)} (${name}); a whole sweep and its shards cannot run on one folder at once`);
  }
  return lease.keepAlive();
}
