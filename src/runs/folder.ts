import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';

export const RUN_FILES = {
  config: 'config.json',
  metrics: 'metrics.csv',
  summary: 'summary.json',
  model: 'model',
} as const;

/** Make an empty run folder; an existing non-empty one is an error unless `force`. */
export function prepareRunFolder(dir: string, force: boolean): void {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    if (!force) throw new UserError(`run folder ${dir} already exists; pass --force to replace it, or --out for another folder`);
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
}

export const runFile = (dir: string, name: keyof typeof RUN_FILES) => join(dir, RUN_FILES[name]);
