/**
 * What each run of a successive-halving sweep does next, worked out from the sweep folder alone
 * (run summaries, checkpoints, rung records, decisions), so that any runner — a local sweep, a
 * queue worker on another machine, a shard, a sweep resumed after a kill — reaches the same answer.
 * On the way it does the bookkeeping that is due: a run paused at a rung gets its record, a rung
 * whose members are all in gets its decision, and the runs it leaves behind are marked stopped.
 */
import { join } from 'node:path';
import { RUN_FILES } from '../base/run-files.js';
import { latestCheckpoint } from '../runs/checkpoint.js';
import type { RunSummary } from '../runs/run.js';
import { writeJsonAtomic } from '../util/atomic.js';
import { readJsonOrNull } from '../util/json.js';
import type { EpochRow } from '../train/index.js';
import { metricOf } from './asha.js';
import type { PlannedRun } from './expand.js';
import { readSummary } from './pool.js';
import { decideRung, rungEpochs, type ShaDecision, type ShaSpec } from './sha.js';
import { ShaStore } from './sha-store.js';

export type NextStep =
  | { kind: 'done'; status: string }
  /** Train from its checkpoint (epoch `from`; 0: from scratch) to `until`, a rung or the last epoch. */
  | { kind: 'train'; from: number; until: number }
  /** Paused at a rung whose other members are not all in yet. */
  | { kind: 'wait'; rung: number }
  /** Being trained by this runner right now. */
  | { kind: 'running' };

export interface ShaContext {
  sweepDir: string;
  plan: PlannedRun[];
  spec: ShaSpec;
  /** Runs this runner is training now: their folders are in motion, so they are neither read nor judged. */
  inFlight?: ReadonlySet<string>;
  /** Does a failed run count as finished (it left its rung's ranking), or is it to be tried again? */
  failedIsFinal(id: string): boolean;
  runDir(id: string): string;
}

interface RunView {
  run: PlannedRun;
  summary: RunSummary | null;
  /** Epoch of its latest checkpoint (0: none). */
  at: number;
}

const FINISHED = new Set(['completed', 'diverged', 'stopped']);

export function shaNextSteps(ctx: ShaContext): Map<string, NextStep> {
  const store = new ShaStore(ctx.sweepDir);
  const inFlight = ctx.inFlight ?? new Set<string>();
  const steps = new Map<string, NextStep>();
  const groups = new Map<string, RunView[]>();
  for (const run of ctx.plan) {
    if (inFlight.has(run.id)) {
      steps.set(run.id, { kind: 'running' });
      groups.set(run.group, [...(groups.get(run.group) ?? []), { run, summary: null, at: -1 }]);
      continue;
    }
    const dir = ctx.runDir(run.id);
    const view = { run, summary: readSummary(dir), at: latestCheckpoint(dir)?.epoch ?? 0 };
    groups.set(run.group, [...(groups.get(run.group) ?? []), view]);
  }
  for (const [group, views] of groups) {
    const epochs = views[0]!.run.config.train.epochs;
    const rungs = rungEpochs(ctx.spec, epochs);
    // walk the rungs while they are decided; `members` are the runs that were to reach the rung
    let members = views;
    const lastPromoted = new Map<string, number>();
    const dropped = new Set<string>();
    for (const [k, r] of rungs.entries()) {
      let decision = store.decision(group, r);
      if (!decision) {
        const recorded = store.values(group, r);
        const entries = members.map((v) => arrival(ctx, store, group, r, v, recorded));
        if (!entries.every((e) => e !== undefined)) break;
        decision = decideRung(entries, ctx.spec, r);
        store.writeDecision(group, decision);
      }
      const promoted = new Set(decision.promoted);
      for (const v of members) {
        if (promoted.has(v.run.id)) lastPromoted.set(v.run.id, r);
        else {
          dropped.add(v.run.id);
          if (!inFlight.has(v.run.id)) markStopped(ctx, v, decision, k + 1, group);
        }
      }
      members = members.filter((v) => promoted.has(v.run.id));
    }
    for (const v of views) {
      if (steps.has(v.run.id)) continue;
      steps.set(v.run.id, nextStep(ctx, v, rungs, epochs, lastPromoted.get(v.run.id), dropped.has(v.run.id)));
    }
  }
  return steps;
}

/** A member's entry at rung r once it is in (a record, or a run that ended on the way); undefined while it is not. */
function arrival(
  ctx: ShaContext,
  store: ShaStore,
  group: string,
  r: number,
  v: RunView,
  recordedAtRung: Map<string, number>,
): { id: string; index: number; value: number | null } | undefined {
  const entry = (value: number | null) => ({ id: v.run.id, index: v.run.index, value });
  const status = v.summary?.status;
  if (status === 'diverged' || (status === 'failed' && ctx.failedIsFinal(v.run.id))) return entry(null);
  const recorded = recordedAtRung.get(v.run.id);
  if (recorded !== undefined) return entry(recorded);
  // paused at the rung (or killed after its checkpoint there, or past it when a re-plan cleared the
  // records): the record comes from the checkpoint's own row of that epoch
  if (v.at >= r) {
    const value = rowValue(ctx, v, r);
    if (value !== null) {
      store.record(group, r, v.run.id, value);
      return entry(value);
    }
  }
  return undefined;
}

function rowValue(ctx: ShaContext, v: RunView, r: number): number | null {
  const checkpoint = latestCheckpoint(ctx.runDir(v.run.id));
  const state = checkpoint ? readJsonOrNull<{ rows?: EpochRow[] }>(join(checkpoint.dir, 'state.json')) : null;
  const row = state?.rows?.find((x) => x.epoch === r);
  return row ? metricOf(row, ctx.spec.metric) : null;
}

/**
 * Not finished, not dropped at a decided rung: it heads for the rung after the last one that
 * promoted it (an undecided one, since a decided rung it reached would have promoted or dropped
 * it), or for the last epoch when it has passed every rung.
 */
function nextStep(ctx: ShaContext, v: RunView, rungs: number[], epochs: number, lastPromoted: number | undefined, dropped: boolean): NextStep {
  const status = v.summary?.status;
  if (status && FINISHED.has(status)) return { kind: 'done', status };
  if (status === 'failed' && ctx.failedIsFinal(v.run.id)) return { kind: 'done', status };
  if (dropped) return { kind: 'done', status: 'stopped' };
  const until = rungs.find((r) => lastPromoted === undefined || r > lastPromoted) ?? epochs;
  if (v.at >= until && until < epochs) return { kind: 'wait', rung: until };
  return { kind: 'train', from: v.at, until };
}

/** A member the rung did not promote: its summary says stopped, with the rung's reasons. Idempotent. */
function markStopped(ctx: ShaContext, v: RunView, d: ShaDecision, rung: number, group: string): void {
  const status = v.summary?.status;
  if (status === 'stopped' || status === 'diverged' || status === 'completed' || (status === 'failed' && ctx.failedIsFinal(v.run.id))) return;
  const place = d.ranking.find((x) => x.id === v.run.id);
  const value = place?.value ?? null;
  const reason =
    value === null
      ? `SHA rung ${rung} (epoch ${d.epoch}): decided without it (it had not reached the rung); the best ${d.keep} of ${d.members} in ${group} continue`
      : `SHA rung ${rung} (epoch ${d.epoch}): ${ctx.spec.metric} ${value.toPrecision(4)} ranked ${place?.rank} of ${d.members} in ${group}; the best ${d.keep} continue`;
  const stopped = { epoch: d.epoch, reason, rung, metric: ctx.spec.metric, value, rank: place?.rank ?? null, of: d.members, keep: d.keep };
  writeJsonAtomic(join(ctx.runDir(v.run.id), RUN_FILES.summary), { ...(v.summary ?? {}), status: 'stopped', stopped });
  v.summary = { ...(v.summary as RunSummary), status: 'stopped', stopped };
}
