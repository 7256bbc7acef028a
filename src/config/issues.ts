/**
 * A zod issue as one line a user can act on: where (file, then the path in it), what was
 * expected (a config field's range, read off the schema), what was found, and for an unknown
 * key or name the closest valid one.
 */
import type { z } from 'zod';
import { clip, didYouMean } from '../util/strings.js';
import { FIELDS, FIELD_PATHS, type FieldSpec } from './fields.js';
import type { SchemaCatalog } from './key-catalog.js';

export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(clip(v));
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

export function rangeText(spec: FieldSpec): string {
  switch (spec.kind) {
    case 'int':
      return `an integer from ${spec.min} to ${spec.max}${spec.nullable ? ' (or null)' : ''}`;
    case 'number': {
      const lo = spec.min === undefined ? '' : `${spec.exclusiveMin ? '>' : '>='} ${spec.min}`;
      const hi = spec.max === undefined ? '' : `${spec.exclusiveMax ? '<' : '<='} ${spec.max}`;
      const r = [lo, hi].filter(Boolean).join(' and ');
      return `a finite number${r ? ` ${r}` : ''}${spec.auto ? ' (or "auto")' : ''}`;
    }
    case 'enum':
      return `one of ${spec.values.join(', ')}`;
    case 'string':
      return 'a string';
    case 'intList':
      return `a list of integers from ${spec.min} to ${spec.max} (or null)`;
    case 'nullableNumber':
      return `a finite number > ${spec.min} (or null)`;
    case 'bool':
      return 'true or false';
  }
}

/** `path: expected …, got …` for a value of a config field (with a suggestion for a misspelt name). */
export function fieldMessage(path: string, v: unknown): string {
  const spec = FIELDS[path]!;
  const hint = spec.kind === 'enum' && typeof v === 'string' ? didYouMean(v, spec.values) : '';
  return `${path}: expected ${rangeText(spec)}, got ${describeValue(v)}${hint}`;
}

/** `sweep.grid["model.depth"]`: plain segments dotted, keys with dots quoted. */
export function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : String(p).includes('.') ? `["${clip(String(p))}"]` : `${i ? '.' : ''}${clip(String(p))}`))
    .join('');
}

/** Unknown keys first (a misspelt key also makes its correct twin "missing"), then missing keys. */
function rank(issue: z.core.$ZodIssue): number {
  if (issue.code === 'unrecognized_keys') return 0;
  return (issue as { input?: unknown }).input === undefined ? 1 : 2;
}

/**
 * One line for the most telling of a parse's issues. `prefix` names where the schema was applied
 * in the file (["sweep"]); `catalog` is that schema's. A run config's own fields (prefix empty)
 * read as today: `file: unknown key "model.depht" (did you mean "model.depth"?)`,
 * `file: model.depth: expected an integer from 1 to 1000, got 0`.
 */
export function formatIssue(issues: readonly z.core.$ZodIssue[], where: string, catalog: SchemaCatalog, prefix: PropertyKey[] = []): string {
  const issue = [...issues].sort((a, b) => rank(a) - rank(b))[0]!;
  const inner = issue.path;
  const path = [...prefix, ...inner];
  const at = path.length ? `${where}: ${pathText(path)}` : where;
  const input = (issue as { input?: unknown }).input;
  if (issue.code === 'unrecognized_keys') return unknownKeyMessage(issue.keys[0]!, inner, where, catalog, prefix);
  if (prefix.length === 0 && FIELDS[inner.join('.')]) return `${where}: ${fieldMessage(inner.join('.'), input)}`;
  if (input === undefined && inner.length) return `${where}: ${pathText(path.slice(0, -1))}: needs "${String(path[path.length - 1])}"`;
  const leaf = catalog.leafAt(inner);
  if (leaf && (issue.code === 'too_small' || issue.code === 'too_big' || issue.code === 'invalid_type' || issue.code === 'invalid_value')) {
    const hint = leaf.kind === 'enum' && typeof input === 'string' ? didYouMean(input, leaf.values) : '';
    return `${at}: expected ${rangeText(leaf)}, got ${describeValue(input)}${hint}`;
  }
  if (issue.code === 'invalid_type' && issue.expected === 'object') return `${at}: expected an object, got ${describeValue(input)}`;
  if (issue.code === 'too_small' && issue.origin === 'array') return `${at}: expected a non-empty list`;
  return `${at}: ${issue.message.replace(/^Invalid input: /, '')}${input === undefined || typeof input === 'object' ? '' : `, got ${describeValue(input)}`}`;
}

/**
 * An unknown key, with the closest known one: in a run config named by its dotted path from the
 * top of the file; in an object keyed by config paths (a sweep's grid), as an unknown config path.
 */
function unknownKeyMessage(key: string, inner: PropertyKey[], where: string, catalog: SchemaCatalog, prefix: PropertyKey[]): string {
  const path = [...prefix, ...inner];
  const known = catalog.keysAt(inner) ?? [];
  if (known === FIELD_PATHS) return `${where}: ${pathText([...path, key])}: unknown config path "${clip(key)}"${didYouMean(key, FIELD_PATHS)}`;
  const dotted = prefix.length === 0;
  const name = (k: string) => (dotted && inner.length ? `${inner.join('.')}.${k}` : k);
  const candidates = known.map(name);
  // at the top of a run config, a bare field name ("depth") may be a section's field
  const hint = didYouMean(name(key), dotted && inner.length === 0 ? [...candidates, ...FIELD_PATHS] : candidates);
  const list = hint || candidates.length === 0 ? '' : `; expected ${candidates.map((c) => `"${c}"`).join(', ')}`;
  return `${dotted || path.length === 0 ? where : `${where}: ${pathText(path)}`}: unknown key "${clip(name(key))}"${hint}${list}`;
}
