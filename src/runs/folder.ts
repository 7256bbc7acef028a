import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { makeDirs, workingFolderGone } from '../util/make-dirs.js';
import { clip } from '../util/strings.js';

import { RUN_FILES, RUN_MARKER } from '../base/run-files.js';

export { RUN_FILES, RUN_MARKER };
export const runFile = (dir: string, name: keyof typeof RUN_FILES) => join(dir, RUN_FILES[name]);

/** A folder this tool made for a run (the marker; or, from before the marker, config.json and summary.json). */
export function isRunFolder(dir: string): boolean {
  return existsSync(join(dir, RUN_MARKER)) || (existsSync(runFile(dir, 'config')) && existsSync(runFile(dir, 'summary')));
}

/** What a filesystem error while making `dir` means to the user. */
export function folderError(e: unknown, dir: string, flag = '--out'): Error {
  const code = (e as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    EEXIST: 'a file of that name exists',
    ENOTDIR: 'part of the path is a file, not a folder',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'the filesystem is read-only',
    ENOSPC: 'the disk is full',
    ENAMETOOLONG: 'a name in the path is longer than the filesystem allows (255 bytes)',
    ENOENT: workingFolderGone() ? 'the working folder no longer exists (it was removed): cd to a folder that exists' : 'this place does not accept new folders',
  };
  return code && why[code] ? new UserError(`${flag} ${clip(dir)}: cannot create the folder: ${why[code]}`) : (e as Error);
}

/** Make `dir` a folder (with its parents); a user's mistake in the path is a UserError. */
export function makeFolder(dir: string, flag = '--out'): void {
  if (dir.trim() === '') throw new UserError(`${flag}: expected a folder, got an empty name`);
  try {
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UserError(`${flag} ${clip(dir)} is a file, not a folder`);
    makeDirs(dir);
  } catch (e) {
    throw folderError(e, dir, flag);
  }
}

/** Delete a run folder, and only a run folder: anything else is refused. */
export function removeRunFolder(dir: string): void {
  if (!isRunFolder(dir)) throw new UserError(`${dir} is not a run folder (no ${RUN_MARKER} marker), so it is not deleted`);
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Make an empty run folder with its marker. An existing non-empty folder is an error unless
 * `force`, and even then it is replaced only if it is a run folder.
 */
export function prepareRunFolder(dir: string, force: boolean): void {
  if (dir.trim() === '') throw new UserError('--out: expected a folder, got an empty name');
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UserError(`--out ${clip(dir)} is a file, not a folder`);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    // --force replaces only highway's own run folders: do not suggest it for anything else
    if (!isRunFolder(dir))
      throw new UserError(`${clip(dir)} is not a run folder (no ${RUN_MARKER} marker) and holds other files: it is not replaced; use another folder`);
    if (!force) throw new UserError(`run folder ${dir} already exists; pass --force to replace it, or --out for another folder`);
    removeRunFolder(dir);
  }
  makeFolder(dir);
  try {
    writeFileSync(join(dir, RUN_MARKER), 'A run folder of `highway`: `--force` and sweeps may replace it as a whole.\n');
  } catch (e) {
    throw folderError(e, dir);
  }
}
