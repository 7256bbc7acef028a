import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { FIELDS, pathHint } from './fields.js';
import { clip } from '../util/strings.js';
import { flatten } from './validate.js';

/** Line and column (1-based) of a character offset. */
function lineCol(text: string, pos: number): { line: number; col: number } {
  const before = text.slice(0, pos).split('\n');
  return { line: before.length, col: before[before.length - 1]!.length + 1 };
}

/** Parse JSON text; a syntax error names the file, line and column. A leading byte order mark is skipped (RFC 8259 §8.1: Windows editors write one). */
export function parseJson(withBom: string, file: string): unknown {
  const text = withBom.startsWith('\uFEFF') ? withBom.slice(1) : withBom;
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    const where = m ? lineCol(text, Number(m[1])) : lineCol(text, text.length);
    const reason = msg.replace(/\s*in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
    throw new UserError(`${file}:${where.line}:${where.col}: invalid JSON: ${reason}`);
  }
}

/** Read a JSON config file into a flat path → value map (unknown keys rejected). */
export function loadConfigFile(file: string, extraTopLevel: readonly string[] = []): Map<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`config file not found: ${file}`);
    if (code === 'EISDIR') throw new UserError(`config file is a directory, expected a JSON file: ${file}`);
    throw new UserError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  return flatten(parseJson(text, file), file, extraTopLevel);
}

/** Coerce the text of `--set path=value` to the field's type. */
export function parseSet(assignment: string): [string, unknown] {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new UserError(`--set ${clip(assignment)}: expected <path>=<value>, for example --set model.gateBias=-3`);
  const path = assignment.slice(0, eq).trim();
  const text = assignment.slice(eq + 1).trim();
  const spec = FIELDS[path];
  if (!spec) throw new UserError(`--set ${clip(assignment)}: unknown config key "${clip(path)}"${pathHint(path)}`);
  if (text === 'null') return [path, null];
  switch (spec.kind) {
    case 'int':
    case 'number':
    case 'nullableNumber': {
      if (spec.kind === 'number' && spec.auto && text === 'auto') return [path, text];
      const n = text === '' ? NaN : Number(text);
      // Leave non-numbers as text so the validator names the path and the expected range.
      return [path, Number.isNaN(n) ? text : n];
    }
    case 'intList': {
      const parts = text
        .replace(/^\[|\]$/g, '')
        .split(',')
        .map((s) => s.trim());
      const nums = parts.map((s) => (s === '' ? NaN : Number(s)));
      return [path, nums.some(Number.isNaN) ? text : nums];
    }
    case 'bool':
      return [path, text === 'true' ? true : text === 'false' ? false : text];
    default:
      return [path, text];
  }
}
