/**
 * What may stand at each place in a config, read off the JSON Schema of its zod schema: an
 * object's known keys (for "did you mean"), and a leaf's range (for "expected …"). Objects keyed
 * by config paths (a sweep's grid, space, when) answer FIELD_PATHS itself, so a message can say
 * "unknown config path".
 */
import { z } from 'zod';
import { FIELD_PATHS, specOfJsonSchema, type FieldSpec, type JsonSchema } from './fields.js';

interface Node extends JsonSchema {
  properties?: Record<string, Node>;
  additionalProperties?: Node | boolean;
  propertyNames?: { enum?: string[] };
  anyOf?: Node[];
  $ref?: string;
  $defs?: Record<string, Node>;
}

export interface SchemaCatalog {
  /** Known keys of the object at this path, if it has fixed keys (FIELD_PATHS: keyed by config paths). */
  keysAt(path: readonly PropertyKey[]): readonly string[] | undefined;
  /** The range of the scalar at this path, if it is one. */
  leafAt(path: readonly PropertyKey[]): FieldSpec | undefined;
}

/** Built on first use: the JSON Schema export is only needed to word an error, not at every start-up. */
export function keyCatalog(schema: z.ZodType): SchemaCatalog {
  let built: Node | undefined;
  const rootNode = (): Node => (built ??= z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Node);
  const resolve = (n: Node): Node => (n.$ref?.startsWith('#/$defs/') ? resolve(rootNode().$defs![n.$ref.slice(8)]!) : n);
  const objectOf = (n: Node): Node | undefined => {
    const r = resolve(n);
    if (r.properties || r.propertyNames || typeof r.additionalProperties === 'object') return r;
    return r.anyOf?.map(objectOf).find(Boolean);
  };
  const nodeAt = (path: readonly PropertyKey[]): Node | undefined => {
    let n: Node | undefined = resolve(rootNode());
    for (const seg of path) {
      const o: Node | undefined = n && objectOf(n);
      if (!o) return undefined;
      n = o.properties?.[String(seg)] ?? (typeof o.additionalProperties === 'object' ? o.additionalProperties : undefined);
      n = n && resolve(n);
    }
    return n;
  };
  return {
    keysAt(path) {
      const n = nodeAt(path);
      const o = n && objectOf(n);
      if (!o) return undefined;
      if (o.propertyNames?.enum) return o.propertyNames.enum.length === FIELD_PATHS.length ? FIELD_PATHS : o.propertyNames.enum;
      return o.properties ? Object.keys(o.properties) : undefined;
    },
    leafAt(path) {
      const n = nodeAt(path);
      return n && !objectOf(n) ? specOfJsonSchema(n) : undefined;
    },
  };
}
