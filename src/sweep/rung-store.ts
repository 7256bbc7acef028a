/**
 * ASHA's rung records, kept in the sweep folder so that every runner sees them: local worker
 * processes, queue workers on other machines (the sweep folder is on a shared filesystem) and
 * shards. One small file per run and rung, `scheduler/<group>/rung-<epoch>/<run-id>.json`:
 * writers never share a file, so concurrent runners need no lock (each writes its own record
 * atomically, then reads the others'). A run trained again from scratch (resume, a retried
 * queue job) finds its own record and keeps the decision made the first time.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../util/atomic.js';
import { readJsonOrNull } from '../util/json.js';
import { decide, type AshaSpec, type RungDecision } from './asha.js';
import { SWEEP_FILES } from '../base/run-files.js';

export const SCHEDULER_DIR = SWEEP_FILES.scheduler;

interface RungRecord {
  value: number;
  /** Absent while the decision is being made (or if the writer died before making it). */
  decision?: RungDecision;
  at: string;
}

export class RungStore {
  constructor(private readonly sweepDir: string) {}

  private rungDir(group: string, epoch: number): string {
    return join(this.sweepDir, SCHEDULER_DIR, group, `rung-${epoch}`);
  }

  /** Record `value` for `runId` at the rung at `epoch` of `group`, and decide whether it continues. */
  record(group: string, epoch: number, runId: string, value: number, spec: Pick<AshaSpec, 'metric' | 'reduction'>): RungDecision {
    const dir = this.rungDir(group, epoch);
    const own = join(dir, `${runId}.json`);
    const earlier = readJsonOrNull<RungRecord>(own);
    if (earlier?.decision) return earlier.decision;
    writeJsonAtomic(own, { value, at: new Date().toISOString() } satisfies RungRecord);
    const decision = decide(value, this.values(group, epoch, runId), spec);
    writeJsonAtomic(own, { value, decision, at: new Date().toISOString() } satisfies RungRecord);
    return decision;
  }

  /** The values recorded at a rung, except `exceptRunId`'s. */
  values(group: string, epoch: number, exceptRunId?: string): number[] {
    const dir = this.rungDir(group, epoch);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json') && !f.startsWith('.') && f !== `${exceptRunId}.json`)
      .flatMap((f) => {
        const r = readJsonOrNull<RungRecord>(join(dir, f));
        return r && typeof r.value === 'number' ? [r.value] : [];
      });
  }
}
