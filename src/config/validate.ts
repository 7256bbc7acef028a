import { UserError } from '../errors.js';
import { didYouMean } from '../util/strings.js';
import { FIELDS, FIELD_PATHS, SECTIONS, autoGateBias, DEFAULT_CONV_BLOCKS, equalParamPlainUnits, type Config, type FieldSpec, type ResolvedConfig } from './schema.js';
import { kindFor, kindOf, usesField, type ModelKind } from '../model/kinds.js';

type Json = unknown;

function describe(v: Json): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

function rangeText(spec: FieldSpec): string {
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

/** Check one value against its field spec; returns the value or throws naming the path. */
export function checkField(path: string, v: Json): Json {
  const spec = FIELDS[path];
  if (!spec) throw new UserError(`unknown config key "${path}"${didYouMean(path, FIELD_PATHS)}`);
  const bad = (): never => {
    throw new UserError(`${path}: expected ${rangeText(spec)}, got ${describe(v)}`);
  };
  switch (spec.kind) {
    case 'int':
      if (v === null && spec.nullable) return v;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < spec.min || v > spec.max) bad();
      return v;
    case 'number': {
      if (spec.auto && v === 'auto') return v;
      if (typeof v !== 'number' || !Number.isFinite(v)) bad();
      const n = v as number;
      if (spec.min !== undefined && (spec.exclusiveMin ? n <= spec.min : n < spec.min)) bad();
      if (spec.max !== undefined && (spec.exclusiveMax ? n >= spec.max : n > spec.max)) bad();
      return n;
    }
    case 'enum':
      if (typeof v !== 'string' || !spec.values.includes(v)) {
        const hint = typeof v === 'string' ? didYouMean(v, spec.values) : '';
        throw new UserError(`${path}: expected ${rangeText(spec)}, got ${describe(v)}${hint}`);
      }
      return v;
    case 'string':
      if (typeof v !== 'string' || v.length === 0) bad();
      return v;
    case 'bool':
      if (typeof v !== 'boolean') bad();
      return v;
    case 'nullableNumber':
      if (v === null) return v;
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= spec.min) bad();
      return v;
    case 'intList':
      if (v === null) return v;
      if (!Array.isArray(v) || v.length === 0) bad();
      for (const x of v as Json[]) {
        if (typeof x !== 'number' || !Number.isInteger(x) || x < spec.min || x > spec.max) bad();
      }
      return v;
  }
}

/** Walk a parsed config object, rejecting unknown keys; returns a flat map path → value. */
export function flatten(raw: Json, where: string, extraTopLevel: readonly string[] = []): Map<string, Json> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UserError(`${where}: expected a JSON object with sections ${SECTIONS.join(', ')}`);
  }
  const out = new Map<string, Json>();
  const topKeys = [...FIELD_PATHS.filter((p) => !p.includes('.')), ...SECTIONS, ...extraTopLevel];
  for (const [k, v] of Object.entries(raw)) {
    if (extraTopLevel.includes(k)) {
      out.set(k, v);
      continue;
    }
    if ((SECTIONS as readonly string[]).includes(k)) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        throw new UserError(`${where}: "${k}" must be an object`);
      }
      for (const [k2, v2] of Object.entries(v)) {
        const path = `${k}.${k2}`;
        if (!FIELDS[path]) {
          const sectionKeys = FIELD_PATHS.filter((p) => p.startsWith(`${k}.`));
          throw new UserError(`${where}: unknown key "${path}"${didYouMean(path, sectionKeys)}`);
        }
        out.set(path, v2);
      }
    } else if (FIELDS[k]) {
      out.set(k, v);
    } else {
      throw new UserError(`${where}: unknown key "${k}"${didYouMean(k, [...topKeys, ...FIELD_PATHS])}`);
    }
  }
  return out;
}

/** Defaults, then each layer of overrides in order; validates every field and cross-field rule. */
export function resolveConfig(...layers: Array<Map<string, Json>>): ResolvedConfig {
  const flat = new Map<string, Json>();
  for (const [path, spec] of Object.entries(FIELDS)) flat.set(path, spec.default);
  for (const layer of layers) {
    for (const [path, v] of layer) {
      if (!FIELDS[path]) continue; // extra top-level sections (e.g. sweep) are not fields
      flat.set(path, checkField(path, v));
    }
  }
  const cfg = unflatten(flat) as unknown as Config;
  let m = cfg.model;
  const kind = kindOf(m.type);
  if (kind.family === 'conv') {
    // conv nets: the depth follows from the stages (first plain conv + the 3×3 layers)
    const convBlocks = m.convBlocks ?? DEFAULT_CONV_BLOCKS;
    m = { ...m, convBlocks, depth: 1 + convBlocks.reduce((a, b) => a + b, 0) };
  }
  if (m.widths !== null && !usesField(m.type, 'widths')) {
    const why = kind.family === 'conv' ? 'all conv layers have model.width maps' : 'every layer has model.width units per direction';
    throw new UserError(`model.widths: not used by ${m.type} (${why})`);
  }
  if (m.widths !== null && m.widths.length !== m.depth) {
    throw new UserError(`model.widths: expected ${m.depth} widths (one per layer, model.depth = ${m.depth}), got ${m.widths.length}`);
  }
  if (usesField(m.type, 'gateBias') && !usesField(m.type, 'carry') && m.carry !== 'coupled') {
    throw new UserError(`model.carry: ${m.type} layers have the coupled carry C = 1 − T only, got "${m.carry}"`);
  }
  const gateBias = m.gateBias === 'auto' ? autoGateBias(m.depth) : m.gateBias;
  const width = m.width ?? m.widths?.[0] ?? defaultWidth(kind, m);
  return { ...cfg, model: { ...m, width, gateBias } };
}

/** The kind's default width; plain BiLSTM stacks: the units that give the highway stack's parameters. */
function defaultWidth(kind: ModelKind, m: Config['model']): number {
  if (kind.width !== 'equal-parameters') return kind.width;
  const highway = kindFor(kind.family, 'highway')!.width as number;
  return equalParamPlainUnits(m.depth, m.embedDim, highway);
}

export function unflatten(flat: Map<string, Json>): Record<string, Json> {
  const out: Record<string, Record<string, Json> | Json> = {};
  for (const [path, v] of flat) {
    const dot = path.indexOf('.');
    if (dot < 0) {
      out[path] = v;
    } else {
      const sec = path.slice(0, dot);
      const obj = (out[sec] ??= {}) as Record<string, Json>;
      obj[path.slice(dot + 1)] = v;
    }
  }
  return out;
}
