/**
 * A sweep's early-stopping scheduler checked against its plan before any run starts, and
 * described in one line for the sweep's header.
 */
import { UserError } from '../errors.js';
import { rungEpochs } from './asha.js';
import type { PlannedRun } from './expand.js';
import { shaBudget } from './sha.js';
import type { SweepSpec } from './spec.js';
import { counted } from '../util/strings.js';

type Scheduler = NonNullable<SweepSpec['scheduler']>;

const specOf = (s: Scheduler) => ('sha' in s ? s.sha : s.asha);
const nameOf = (s: Scheduler) => ('sha' in s ? 'sha' : 'asha');

export function checkScheduler(s: Scheduler, plan: PlannedRun[], file: string): void {
  const spec = specOf(s);
  const at = `${file}: sweep.scheduler.${nameOf(s)}`;
  // a first rung at or after a run's last epoch would decide nothing
  const none = plan.find((r) => rungEpochs(spec, r.config.train.epochs).length === 0);
  if (none) {
    throw new UserError(
      `${at}.minEpochs: ${spec.minEpochs} is not below train.epochs (${none.config.train.epochs}, run ${none.id}), so no rung would fall before its last epoch`,
    );
  }
  if (!('sha' in s)) return;
  // successive halving continues runs from their checkpoints, and ranks a grid point's runs at common rungs
  const noCheckpoint = plan.find((r) => r.config.train.checkpoint === 'none');
  if (noCheckpoint) throw new UserError(`${at}: needs checkpoints to continue promoted runs, but run ${noCheckpoint.id} has train.checkpoint "none"`);
  const epochsOf = new Map<string, number>();
  for (const r of plan) {
    const e = epochsOf.get(r.group);
    if (e !== undefined && e !== r.config.train.epochs) {
      throw new UserError(
        `${at}: the runs of grid point ${r.group} have different train.epochs (${e} and ${r.config.train.epochs}); successive halving ranks them at common rungs`,
      );
    }
    epochsOf.set(r.group, r.config.train.epochs);
  }
}

export function describeScheduler(s: Scheduler, plan: PlannedRun[]): string {
  const epochs = Math.max(...plan.map((r) => r.config.train.epochs));
  const groups = new Map<string, number>();
  for (const r of plan) groups.set(r.group, (groups.get(r.group) ?? 0) + 1);
  const points = counted(groups.size, 'grid point');
  if ('asha' in s) {
    const a = s.asha;
    return `ASHA: rungs at epochs ${rungEpochs(a, epochs).join(', ')} of ${epochs}; at each, a run continues if its ${a.metric} is in the top 1/${a.reduction} of its grid point's runs so far (${points})`;
  }
  const h = s.sha;
  const budget = plan.reduce(
    (n, r, _, all) => (all.findIndex((x) => x.group === r.group) === all.indexOf(r) ? n + shaBudget(groups.get(r.group)!, r.config.train.epochs, h) : n),
    0,
  );
  const full = plan.reduce((n, r) => n + r.config.train.epochs, 0);
  return `SHA: rungs at epochs ${rungEpochs(h, epochs).join(', ')} of ${epochs}; at each, once every run of its grid point is there, the best max(⌈n/${h.reduction}⌉, ${h.minFinishers}) by ${h.metric} continue (${points}; ${budget.toLocaleString('en-US')} of ${full.toLocaleString('en-US')} epochs, ${((100 * budget) / full).toFixed(1)}%)`;
}
