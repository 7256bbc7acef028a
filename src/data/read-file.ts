/**
 * Reading a dataset's file: the data are the user's, so a file that cannot be read (a folder of
 * that name, no permission) is a UserError naming the data file — never blamed on the run folder
 * being written at the time.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';

const WHY: Record<string, string> = {
  EISDIR: 'it is a folder, not a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOENT: 'it does not exist',
  ELOOP: 'too many symbolic links (a link loop?)',
  EIO: 'an input/output error (a failing disk?)',
};

export function readDataFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code && WHY[code]) throw new UserError(`cannot read data file ${file}: ${WHY[code]}`);
    throw e;
  }
}
