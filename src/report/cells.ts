/**
 * Which runs a report pools into one cell. A cell is a model type × depth × the study it belongs
 * to: its sweep folder, or, for runs outside a sweep, every setting in which they differ (a
 * 20-epoch run is never averaged with a 30-epoch one). `--group-by` names the keys instead
 * (`sweep`, or config paths); runs pooled despite differing settings are reported as such.
 */
import { FIELD_PATHS } from '../config/index.js';
import type { RunRecord } from './load.js';

/** Paths that name, replay or store a run, without changing the experiment: never a reason to split. */
const NOT_SETTINGS = new Set(['name', 'backend', 'train.seed', 'train.analyze', 'train.checkpoint', 'train.evalBatchSize']);
/** Resolved fields that follow others ("auto"): searched whenever what they follow is searched. */
const FOLLOWS: Record<string, string[]> = {
  'model.init': ['model.activation'],
  'model.gateBias': ['model.depth'],
  'model.width': ['model.type', 'model.equalParameters'],
};
const ALWAYS = new Set(['model.type', 'model.depth']);

export const SWEEP_KEY = 'sweep';

export interface Cells {
  /** The keys that split cells, beyond type and depth. */
  keys: string[];
  /** Run → its study: the values of `keys` ("" when there are no keys). */
  studyOf: Map<RunRecord, string>;
  /** Studies in first-seen order. */
  studies: string[];
  /** Cells that pool runs whose settings differ, one line each. */
  warnings: string[];
}

/** A run's value at `path` ("sweep": its sweep folder); undefined where the run searched it. */
function fixedValue(r: RunRecord, path: string): unknown {
  if (path === SWEEP_KEY) return r.sweep;
  if (path in r.params || (FOLLOWS[path] ?? []).some((p) => p in r.params)) return undefined;
  const [section, key] = path.includes('.') ? (path.split('.') as [string, string]) : [path, undefined];
  const top = (r.config as unknown as Record<string, unknown>)[section];
  return key === undefined ? top : (top as Record<string, unknown> | undefined)?.[key];
}

const show = (v: unknown) => (typeof v === 'string' ? v || '(none)' : JSON.stringify(v));

export function groupCells(runs: RunRecord[], groupBy?: string[]): Cells {
  const settings = FIELD_PATHS.filter((p) => !NOT_SETTINGS.has(p) && !ALWAYS.has(p));
  const differing = (rs: RunRecord[], paths: string[]) =>
    paths.filter((p) => new Set(rs.map((r) => JSON.stringify(fixedValue(r, p))).filter((v) => v !== undefined)).size > 1);
  let keys: string[];
  if (groupBy) keys = groupBy.filter((k) => !ALWAYS.has(k));
  else {
    // sweeps apart; outside sweeps, whatever differs between runs of one type and depth
    const loose = runs.filter((r) => r.sweep === '');
    const byCell = new Map<string, RunRecord[]>();
    for (const r of loose)
      byCell.set(`${r.config.model.type}|${r.config.model.depth}`, [...(byCell.get(`${r.config.model.type}|${r.config.model.depth}`) ?? []), r]);
    const fromLoose = new Set([...byCell.values()].flatMap((rs) => differing(rs, settings)));
    keys = [...(new Set(runs.map((r) => r.sweep)).size > 1 ? [SWEEP_KEY] : []), ...settings.filter((p) => fromLoose.has(p))];
  }
  const studyOf = new Map(runs.map((r) => [r, keys.map((k) => `${k === SWEEP_KEY ? 'sweep' : k} ${show(fixedValue(r, k))}`).join(', ')] as const));
  const studies = [...new Set(studyOf.values())];
  // what a cell pools in spite of differing settings (only with --group-by, or searched-vs-fixed mixes)
  const cells = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const k = `${r.config.model.type} d${r.config.model.depth}${studyOf.get(r) ? ` [${studyOf.get(r)}]` : ''}`;
    cells.set(k, [...(cells.get(k) ?? []), r]);
  }
  const warnings = [...cells.entries()].flatMap(([cell, rs]) =>
    differing(
      rs,
      settings.filter((p) => !keys.includes(p)),
    ).map(
      (p) =>
        `${cell} pools runs whose ${p} differs (${[
          ...new Set(
            rs
              .map((r) => fixedValue(r, p))
              .filter((v) => v !== undefined)
              .map(show),
          ),
        ].join(', ')})`,
    ),
  );
  return { keys, studyOf, studies, warnings };
}
