import { z } from 'zod';
import { UserError } from '../errors.js';
import { clip } from '../util/strings.js';
import { FIELDS, FIELD_SCHEMAS, SECTIONS, pathHint } from './fields.js';
import { autoGateBias, autoInit, configSchema, DEFAULT_CONV_BLOCKS, equalParamPlainUnits, type Config, type ResolvedConfig } from './schema.js';
import { fieldMessage, formatIssue } from './issues.js';
import { keyCatalog } from './key-catalog.js';
import { kindFor, kindOf, usesField, type ModelKind } from '../base/kinds.js';
import { equalParameterPlainWidth } from '../base/params.js';

type Json = unknown;

/** Check one value against its field's schema; returns the value or throws naming the path. */
export function checkField(path: string, v: Json): Json {
  const schema = FIELD_SCHEMAS[path];
  if (!schema) throw new UserError(`unknown config key "${clip(path)}"${pathHint(path)}`);
  // a value is never undefined here (JSON has none), so the field's default never stands in for it
  if (v === undefined || !schema.safeParse(v).success) throw new UserError(fieldMessage(path, v));
  return v;
}

/** A config file: the run's fields, the sweep section where one is allowed, and the editor's "$schema". */
export const configFileSchema = configSchema.extend({
  $schema: z.string().optional().describe('the JSON Schema this file follows, for editors (configs/highway.schema.json)'),
});
const catalog = keyCatalog(configFileSchema);

/** Validate a parsed config object against the schema; returns a flat map path → value of the keys it sets. */
export function flatten(raw: Json, where: string, extraTopLevel: readonly string[] = []): Map<string, Json> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UserError(`${where}: expected a JSON object with sections ${SECTIONS.join(', ')}`);
  }
  const extra = Object.fromEntries(extraTopLevel.map((k) => [k, z.unknown().optional()]));
  const result = configFileSchema.extend(extra).safeParse(raw, { reportInput: true });
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const section =
      issue.path.length === 1 && (SECTIONS as readonly string[]).includes(String(issue.path[0])) && issue.code === 'invalid_type' && issue.input !== undefined;
    throw new UserError(section ? `${where}: "${String(issue.path[0])}" must be an object` : formatIssue(result.error.issues, where, catalog));
  }
  const out = new Map<string, Json>();
  for (const [k, v] of Object.entries(raw)) {
    if (k === '$schema') continue;
    if ((SECTIONS as readonly string[]).includes(k)) for (const [k2, v2] of Object.entries(v as object)) out.set(`${k}.${k2}`, v2);
    else out.set(k, v);
  }
  return out;
}

/** A partial config as a library user writes it: `{ model: { type: 'highway', depth: 10 } }`. */
export type PartialConfig = { [S in 'dataset' | 'model' | 'train']?: Partial<Config[S]> } & { name?: string; backend?: Config['backend'] };

/**
 * Defaults, then each layer of overrides in order; validates every field and cross-field rule.
 * A layer is a map of dotted paths (`model.depth` → 50, what files and flags give) or a partial
 * config object (`{ model: { depth: 50 } }`, for library use).
 */
export function resolveConfig(...layers: Array<Map<string, Json> | PartialConfig>): ResolvedConfig {
  const flat = new Map<string, Json>();
  for (const [path, schema] of Object.entries(FIELD_SCHEMAS)) flat.set(path, schema.parse(undefined)); // the schema's default
  for (const given of layers) {
    const layer = given instanceof Map ? given : flatten(given, 'config');
    for (const [path, v] of layer) {
      if (!FIELDS[path]) continue; // extra top-level sections (e.g. sweep) are not fields
      flat.set(path, checkField(path, v));
    }
  }
  // every field was checked on the way in; the schema parse gives the typed object
  const cfg: Config = configSchema.parse(unflatten(flat));
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
  const init = m.init === 'auto' ? autoInit(m.activation) : m.init;
  let width = m.width ?? m.widths?.[0] ?? defaultWidth(kind, m);
  // the paper's pairing: a plain net as wide as makes its layer cost what a gated layer of model.width costs
  if (m.equalParameters && m.width !== null && kind.block === 'plain' && kind.family !== 'bilstm') {
    width = equalParameterPlainWidth(m.width, kind.family === 'conv' ? 3 : 1);
  }
  return { ...cfg, model: { ...m, width, gateBias, init } };
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
      out[sec] ??= {};
      const obj = out[sec] as Record<string, Json>;
      obj[path.slice(dot + 1)] = v;
    }
  }
  return out;
}
