/**
 * What the report needs from a run folder's config.json and summary.json, checked before any of it
 * is used: the folder may come from another version or another person's machine, and one odd file
 * (an unknown model type, `"wallSeconds": "fast"`, `"model": 5`) must cost that run only — it is
 * listed as unreadable, with the reason — never the whole report.
 */
import { FIELDS } from '../config/index.js';
import { MODEL_TYPES } from '../base/kinds.js';
import { clip } from '../util/strings.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const shown = (v: unknown) => clip(String(JSON.stringify(v)));

/** The sweep facts of config.json's `run.sweep`, once checked. */
export interface SweepFacts {
  id: string;
  index: number;
  /** Swept config paths → values; keys that are no config path are dropped (they would become chart fields). */
  params: Record<string, unknown>;
}

/** Why config.json cannot be used (null: it can), and its sweep facts if it has them. */
export function checkConfig(config: unknown): { problem: string | null; sweep?: SweepFacts } {
  if (!isObject(config)) return { problem: 'not a JSON object' };
  const { model, train } = config;
  if (!isObject(model)) return { problem: '"model" is not an object' };
  if (!(MODEL_TYPES as readonly unknown[]).includes(model.type)) return { problem: `unknown model.type ${shown(model.type)}` };
  if (!Number.isSafeInteger(model.depth) || (model.depth as number) < 1) return { problem: `model.depth ${shown(model.depth)} is not a positive integer` };
  if (!isObject(train)) return { problem: '"train" is not an object' };
  if (train.epochs !== undefined && (!Number.isSafeInteger(train.epochs) || (train.epochs as number) < 0))
    return { problem: `train.epochs ${shown(train.epochs)} is not a whole number` };
  const run = config.run;
  if (run === undefined || (isObject(run) && run.sweep === undefined)) return { problem: null };
  const sweep = isObject(run) ? run.sweep : undefined;
  if (!isObject(sweep)) return { problem: '"run.sweep" is not an object' };
  if (typeof sweep.id !== 'string' || sweep.id === '') return { problem: `run.sweep.id ${shown(sweep.id)} is not a string` };
  if (typeof sweep.index !== 'number' || !Number.isFinite(sweep.index)) return { problem: `run.sweep.index ${shown(sweep.index)} is not a number` };
  if (!isObject(sweep.params)) return { problem: 'run.sweep.params is not an object' };
  const params = Object.fromEntries(Object.entries(sweep.params).filter(([path]) => FIELDS[path] !== undefined));
  return { problem: null, sweep: { id: sweep.id, index: sweep.index, params } };
}

/** Why summary.json cannot be used (null: it can, or there is none yet). */
export function checkSummary(summary: unknown): string | null {
  if (summary === undefined) return null;
  if (!isObject(summary)) return 'not a JSON object';
  if (typeof summary.status !== 'string') return `status ${shown(summary.status)} is not a string`;
  if (summary.wallSeconds !== undefined && (typeof summary.wallSeconds !== 'number' || !Number.isFinite(summary.wallSeconds)))
    return `wallSeconds ${shown(summary.wallSeconds)} is not a number`;
  return null;
}
