/**
 * One runner per run, whoever runs it (a local sweep, a shard, a queue worker on any machine):
 * before a run's folder is touched, its runner takes `<sweep>/.leases/<run-id>.lease` and keeps it
 * alive while the run trains. A runner that finds it held by a live owner leaves the run alone.
 */
import { join } from 'node:path';
import { Lease, describeHolder } from '../runs/lease.js';
import { checkSafeName } from '../util/names.js';
import { SWEEP_FILES } from '../base/run-files.js';

export const LEASES_DIR = SWEEP_FILES.leases;

export type RunLease = { lease: Lease } | { heldBy: string };

export function leaseRun(sweepDir: string, runId: string, what: string): RunLease {
  const l = Lease.acquire(join(sweepDir, LEASES_DIR, `${checkSafeName(runId, 'run id')}.lease`), what);
  return l instanceof Lease ? { lease: l.keepAlive() } : { heldBy: describeHolder(l.held) };
}
