/**
 * `mkdir -p`, one level at a time. Node's own `mkdirSync(dir, { recursive: true })` loops forever
 * at 100% CPU, deaf to SIGTERM, when a level cannot be made and the error is ENOENT (Node 20: an
 * `--out` under /proc, or any relative path once the working folder has been removed). Here each
 * missing level is made once, and the first failure is thrown as it is.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

const code = (e: unknown) => (e as NodeJS.ErrnoException).code;

export function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    try {
      statSync(d);
      break; // exists (a file in the way makes the mkdir below fail with ENOTDIR / EEXIST)
    } catch (e) {
      if (code(e) !== 'ENOENT') throw e;
    }
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      // made meanwhile by someone else (two runs of a sweep making runs/ at once)
      if (code(e) === 'EEXIST' && statSync(d).isDirectory()) continue;
      throw e;
    }
  }
}

/** Has the working folder been removed under us (relative paths then lead nowhere)? */
export function workingFolderGone(): boolean {
  try {
    process.cwd();
    return false;
  } catch {
    return true;
  }
}
