/**
 * Names that become folder names (experiment names, run ids, grid values in run ids), made safe
 * in one place: letters, digits and `_ . + -` only, never empty, never starting with a dot (no
 * hidden folders, no `.` or `..`), so a name can never point outside the folder it is put in.
 */
import { UserError } from '../errors.js';
import { clip } from './strings.js';

const UNSAFE = /[^\w.+-]+/g;

/** A safe folder name for any text: unsafe runs of characters become `_`, leading dots `_`. */
export function safeName(text: string): string {
  const s = text.replace(UNSAFE, '_').replace(/^\.+/, (dots) => '_'.repeat(dots.length));
  return s === '' ? '_' : s;
}

/** Longest name made into a folder name (filesystems allow 255 bytes, and ids get suffixes). */
export const MAX_NAME = 200;

/** The experiment's name as a folder name; a name too long for one is refused, naming the field. */
export function nameFolder(name: string): string {
  const s = safeName(name);
  if (s.length > MAX_NAME) {
    throw new UserError(`name: "${clip(name)}" is too long to name a folder (at most ${MAX_NAME} characters); shorten it or give --out`);
  }
  return s;
}

/** Is `name` already a plain, safe folder name (what safeName leaves unchanged)? */
export const isSafeName = (name: string): boolean => name.length > 0 && name.length <= MAX_NAME && safeName(name) === name;

/** The last line of defence where a name from elsewhere (a queue job, a file) becomes a folder. */
export function checkSafeName(name: unknown, what: string): string {
  if (typeof name !== 'string' || !isSafeName(name)) {
    throw new UserError(
      `${what} ${clip(String(JSON.stringify(name)))} is not a plain name (letters, digits, "_", ".", "+", "-"; not starting with "."), so it cannot name a folder`,
    );
  }
  return name;
}
