import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { UserError } from '../errors.js';
import { makeDirs } from './make-dirs.js';

/** Filesystem errors that are the machine's state, not a bug: reported as one line, exit 2. */
const ENVIRONMENT: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exceeded',
  EROFS: 'the filesystem is read-only',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
};

/** A write that failed because of the filesystem, as a UserError naming the file; anything else unchanged. */
export function writeError(e: unknown, path: string): Error {
  const code = (e as NodeJS.ErrnoException).code;
  // the code travels with the message, so an outer caller can name the whole it was writing
  return code && ENVIRONMENT[code] ? Object.assign(new UserError(`cannot write ${path}: ${ENVIRONMENT[code]}`), { code }) : (e as Error);
}

/**
 * Write a file so that readers see the old content or the new, never half: temp file, fsync,
 * rename. If anything fails the temp file is removed and the old content stays.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    makeDirs(dirname(path));
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw writeError(e, path);
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}
