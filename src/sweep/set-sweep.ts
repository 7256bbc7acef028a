/**
 * `--set sweep.<path>=<value>`: change the sweep section from the command line, as `--set` changes
 * any config field (`--set sweep.random.trials=2` shrinks the 800-run study without copying its
 * config). The value is JSON where it parses as JSON (numbers, lists, objects), text otherwise.
 * A grid or space key is a whole config path: `sweep.grid.model.depth=[10,20]` sets the grid's
 * "model.depth". The changed section is checked like one read from a file.
 */
import { UserError } from '../errors.js';

/** Keys under which the rest of the path is one key (a config path with dots). */
const WHOLE_KEY_UNDER = new Set(['grid', 'space', 'when']);

export function isSweepSet(assignment: string): boolean {
  return assignment.trimStart().startsWith('sweep.');
}

export function applySweepSet(sweep: unknown, assignment: string): Record<string, unknown> {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new UserError(`--set ${assignment}: expected <path>=<value>, for example --set sweep.random.trials=2`);
  const path = assignment.slice(0, eq).trim().split('.').slice(1);
  const text = assignment.slice(eq + 1).trim();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = text;
  }
  const keys: string[] = [];
  for (let i = 0; i < path.length; i++) {
    keys.push(path[i]!);
    if (WHOLE_KEY_UNDER.has(path[i]!) && i + 1 < path.length) {
      keys.push(path.slice(i + 1).join('.'));
      break;
    }
  }
  if (keys.length === 0 || keys.some((k) => k === '' || k === '__proto__' || k === 'constructor' || k === 'prototype')) {
    throw new UserError(`--set ${assignment}: "sweep.${path.join('.')}" is not a path in the sweep section`);
  }
  const root: Record<string, unknown> = structuredClone(typeof sweep === 'object' && sweep !== null ? (sweep as Record<string, unknown>) : {});
  let at: Record<string, unknown> = root;
  for (const k of keys.slice(0, -1)) {
    const next = at[k];
    if (next !== undefined && (typeof next !== 'object' || next === null || Array.isArray(next))) {
      throw new UserError(`--set ${assignment}: sweep.${keys.slice(0, keys.indexOf(k) + 1).join('.')} is not an object`);
    }
    at[k] = next ?? {};
    at = at[k] as Record<string, unknown>;
  }
  at[keys.at(-1)!] = value;
  return root;
}
