/**
 * A queue job is untrusted input: anyone who can write to the Redis database can add one. A job
 * only names a run — `{ sweepDir, id }` — and is accepted when the id is a plain run name and the
 * named sweep folder (or, with the worker's --out, the folder of that name under it) holds a
 * sweep.json written by `highway sweep` that lists the run. The worker then runs the config that
 * sweep.json holds, checked against the config schema; nothing else in the job is used.
 */
import { basename, isAbsolute, join, normalize } from 'node:path';
import { UserError } from '../errors.js';
import type { PlannedRun } from '../sweep/expand.js';
import { readPlannedRun } from '../sweep/plan-file.js';
import type { SweepSpec } from '../sweep/spec.js';
import { checkSafeName } from '../util/names.js';
import { clip } from '../util/strings.js';

export interface LocatedJob {
  /** The sweep folder as this machine sees it. */
  sweepDir: string;
  run: PlannedRun;
  scheduler: SweepSpec['scheduler'];
}

/** Where this machine finds the job's sweep folder: its own path, or --out/<that folder's name>. */
export function sweepFolderOf(data: unknown, out: string | undefined): string {
  const d = (typeof data === 'object' && data !== null ? data : {}) as { sweepDir?: unknown };
  const dir = d.sweepDir;
  if (typeof dir !== 'string' || !isAbsolute(dir) || normalize(dir) !== dir.replace(/\/+$/, '') || dir.includes('\0')) {
    throw new UserError(`job's sweep folder ${clip(String(JSON.stringify(dir)))} is not an absolute, normalised path`);
  }
  return out ? join(out, checkSafeName(basename(dir), "job's sweep folder name")) : dir;
}

/** The key of the stand-in data of a job whose data is not JSON (see queue/worker.ts): its parse error. */
export const NOT_JSON = '\u0000highway: not JSON';

/** Check a job and find its run; a UserError says why a job is refused. */
export function locateJob(data: unknown, out: string | undefined): LocatedJob {
  const notJson = (data as Record<string, unknown> | null)?.[NOT_JSON];
  if (typeof notJson === 'string') throw new UserError(`its data is not JSON (${clip(notJson)})`);
  const id = checkSafeName((data as { id?: unknown } | null)?.id, 'job id');
  const sweepDir = sweepFolderOf(data, out);
  const { run, scheduler } = readPlannedRun(sweepDir, id);
  return { sweepDir, run, scheduler };
}
