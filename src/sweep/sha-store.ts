/**
 * Successive halving's records in the sweep folder, shared by every runner (local slots, queue
 * workers on other machines, shards): `scheduler/<group>/rung-<epoch>/<run-id>.json` holds one
 * run's metric at a rung (each runner writes only its own file), and
 * `scheduler/<group>/decision-<epoch>.json` the rung's decision, written once all members are in.
 * A decision is a function of the records alone, so two runners that make it at once write the
 * same thing; once written it is final.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../util/atomic.js';
import { readJsonOrNull } from '../util/json.js';
import { SCHEDULER_DIR } from './rung-store.js';
import type { ShaDecision } from './sha.js';

interface RungValue {
  value: number;
  at: string;
}

export class ShaStore {
  constructor(private readonly sweepDir: string) {}

  private groupDir(group: string): string {
    return join(this.sweepDir, SCHEDULER_DIR, group);
  }

  private recordFile(group: string, epoch: number, runId: string): string {
    return join(this.groupDir(group), `rung-${epoch}`, `${runId}.json`);
  }

  /** A run's metric at a rung (written once; a second write of the same run keeps the first). */
  record(group: string, epoch: number, runId: string, value: number): void {
    const file = this.recordFile(group, epoch, runId);
    if (existsSync(file)) return;
    writeJsonAtomic(file, { value, at: new Date().toISOString() } satisfies RungValue);
  }

  /** The values recorded at a rung, by run id. */
  values(group: string, epoch: number): Map<string, number> {
    const dir = join(this.groupDir(group), `rung-${epoch}`);
    const out = new Map<string, number>();
    if (!existsSync(dir)) return out;
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.json') || f.startsWith('.')) continue;
      const r = readJsonOrNull<RungValue>(join(dir, f));
      if (r && typeof r.value === 'number') out.set(f.slice(0, -'.json'.length), r.value);
    }
    return out;
  }

  decision(group: string, epoch: number): ShaDecision | null {
    const d = readJsonOrNull<ShaDecision>(join(this.groupDir(group), `decision-${epoch}.json`));
    return d && Array.isArray(d.promoted) ? d : null;
  }

  writeDecision(group: string, d: ShaDecision): void {
    writeJsonAtomic(join(this.groupDir(group), `decision-${d.epoch}.json`), d);
  }
}
