/**
 * What `--resume` may continue: the run folder's config against the one asked for, and whether a
 * run can be trained to another number of epochs. Read-only: checked before anything is written.
 */
import type { ResolvedConfig } from '../config/schema.js';
import { describeDifferences, differingPaths } from '../config/diff.js';
import { UserError } from '../errors.js';
import { readJsonOrNull } from '../util/json.js';
import { latestCheckpoint } from './checkpoint.js';
import { isRunFolder, runFile } from './folder.js';

/**
 * The run folder's own config (without its `run` record), checked against the config a resume
 * asks for. `train.epochs` may differ when `epochsMayChange` (a standalone run trained longer: the
 * schedule lr·decay^(e−1) does not depend on it, so the run stays the one a longer run would be).
 */
export function checkResumable(out: string, cfg: ResolvedConfig, epochsMayChange = false): { run: Record<string, unknown>; epochs: number } {
  const file = runFile(out, 'config');
  const saved = readJsonOrNull<ResolvedConfig & { run?: Record<string, unknown> }>(file);
  if (!isRunFolder(out) || !saved) throw new UserError(`--resume: ${out} is not a run folder (no readable ${file})`);
  const { run, ...savedCfg } = saved;
  const diff = differingPaths(savedCfg, cfg).filter((p) => !(epochsMayChange && p === 'train.epochs'));
  if (diff.length > 0) {
    throw new UserError(
      `--resume: the run in ${out} was trained with other settings: ${describeDifferences(diff, savedCfg, cfg)}; resume it as it was, or start a new run`,
    );
  }
  return { run: run ?? {}, epochs: savedCfg.train?.epochs };
}

/**
 * Why the run in `out` cannot be trained to `epochs` (a length other than its own), or null: only
 * a standalone run that stopped for no reason of its own (completed, or interrupted) and has a
 * checkpoint no later than `epochs` can. A sweep's runs get their epochs from the sweep.
 */
export function lengthRefusal(out: string, run: Record<string, unknown>, status: string | undefined, policy: string, epochs: number): string | null {
  if (run.sweep !== undefined) return `${out} is a run of a sweep, which sets its epochs; change the sweep's config instead`;
  if (status === 'diverged' || status === 'stopped') return `the run in ${out} has ended (${status}); it cannot be trained longer`;
  const last = latestCheckpoint(out);
  if (!last) return `the run in ${out} has no checkpoint to continue from (train.checkpoint ${policy})`;
  if (last.epoch > epochs)
    return `the run in ${out} has already trained ${last.epoch} epochs; give ${status === 'completed' ? 'more than' : 'at least'} that many`;
  return null;
}
