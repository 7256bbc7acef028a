/** Reading what a run or sweep leaves on disk, the way the tests check it. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh folder under the system's temp dir. */
export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), `${prefix}-`));

export const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

/** The epoch column of a run folder's metrics.csv, in file order. */
export const epochsOf = (runFolder: string) =>
  readFileSync(join(runFolder, 'metrics.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => Number(l.split(',')[0]));
