/**
 * Each config field as the rest of the program needs it, read off the zod schema (schema.ts):
 * its own zod schema (for checking one value), and a FieldSpec from its JSON Schema — the kind,
 * range, default and help text behind the messages, `--set` coercion, `--help` and the docs.
 */
import { z } from 'zod';
import { configSchema } from './schema.js';
import { didYouMean } from '../util/strings.js';

/** What a field accepts, read off the schema: for messages, `--set` coercion, help and the docs. */
export type FieldSpec =
  | { kind: 'int'; min: number; max: number; nullable?: boolean; default: number | null; help: string }
  | { kind: 'number'; min?: number; max?: number; exclusiveMin?: boolean; exclusiveMax?: boolean; auto?: boolean; default: number | 'auto'; help: string }
  | { kind: 'enum'; values: readonly string[]; default: string; help: string }
  | { kind: 'string'; default: string; help: string }
  | { kind: 'intList'; min: number; max: number; nullable: true; default: null; help: string }
  | { kind: 'nullableNumber'; min: number; default: null; help: string }
  | { kind: 'bool'; default: boolean; help: string };

export const SECTIONS = ['dataset', 'model', 'train'] as const;

/**
 * A lookup table keyed by text from a user: with no prototype, `FIELDS["constructor"]` and
 * `FIELDS["__proto__"]` are undefined (unknown keys), not Object's own members.
 */
function withoutPrototype<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, Object.fromEntries(entries));
}

/** The zod schema of every field, keyed by its dotted path. */
export const FIELD_SCHEMAS: Record<string, z.ZodType> = withoutPrototype(
  Object.entries(configSchema.shape).flatMap(([key, s]) =>
    (SECTIONS as readonly string[]).includes(key)
      ? Object.entries((s as unknown as { unwrap(): z.ZodObject }).unwrap().shape).map(([k, f]) => [`${key}.${k}`, f as z.ZodType])
      : [[key, s as z.ZodType]],
  ),
);

/** Every field's FieldSpec, from its JSON Schema (what editors see too). */
export const FIELDS: Record<string, FieldSpec> = withoutPrototype(Object.entries(FIELD_SCHEMAS).map(([path, s]) => [path, fieldSpec(s)]));

export const FIELD_PATHS = Object.keys(FIELDS);

export interface JsonSchema {
  type?: string;
  enum?: string[];
  const?: unknown;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: unknown;
  description?: string;
}

function fieldSpec(s: z.ZodType): FieldSpec {
  return specOfJsonSchema(z.toJSONSchema(s, { io: 'input' }) as JsonSchema)!;
}

/** The FieldSpec of a scalar (or list-of-integers) JSON Schema node; undefined for objects and the like. */
export function specOfJsonSchema(j: JsonSchema): FieldSpec | undefined {
  const help = j.description ?? '';
  const branches = j.anyOf ?? [j];
  const main = branches.find((b) => b.type !== 'null' && b.const === undefined) ?? branches[0]!;
  if (main.type === 'array' && main.items?.type !== 'integer') return undefined;
  const nullable = branches.some((b) => b.type === 'null');
  const d = j.default as never;
  if (main.enum) return { kind: 'enum', values: main.enum, default: d, help };
  switch (main.type) {
    case 'integer':
      return { kind: 'int', min: main.minimum!, max: main.maximum!, ...(nullable ? { nullable } : {}), default: d, help };
    case 'array':
      return { kind: 'intList', min: main.items!.minimum!, max: main.items!.maximum!, nullable: true, default: d, help };
    case 'boolean':
      return { kind: 'bool', default: d, help };
    case 'string':
      return { kind: 'string', default: d, help };
    case 'number': {
      if (nullable) return { kind: 'nullableNumber', min: main.exclusiveMinimum ?? main.minimum ?? 0, default: d, help };
      const lo = main.exclusiveMinimum ?? main.minimum;
      const hi = main.exclusiveMaximum ?? main.maximum;
      return {
        kind: 'number',
        ...(lo === undefined ? {} : { min: lo, exclusiveMin: main.exclusiveMinimum !== undefined }),
        ...(hi === undefined ? {} : { max: hi, exclusiveMax: main.exclusiveMaximum !== undefined }),
        ...(branches.some((b) => b.const === 'auto') ? { auto: true } : {}),
        default: d,
        help,
      };
    }
    default:
      return undefined;
  }
}

/**
 * " (did you mean …?)" for a path that is no config field: a close spelling, a field's own name
 * without its section (`depth` → `model.depth`), or a section given without a field.
 */
export function pathHint(path: string): string {
  if ((SECTIONS as readonly string[]).includes(path)) {
    const example = FIELD_PATHS.find((p) => p.startsWith(`${path}.`));
    return ` ("${path}" is a section: give one of its fields${example ? `, e.g. "${example}"` : ''})`;
  }
  // a field's name with no section or the wrong one (`depth`, `train.depth`), in any case
  const name = `.${path.split('.').pop()!.toLowerCase()}`;
  const bySuffix = FIELD_PATHS.filter((p) => p.toLowerCase().endsWith(name) && p !== path);
  if (bySuffix.length > 0) return ` (did you mean ${bySuffix.map((p) => `"${p}"`).join(' or ')}?)`;
  return didYouMean(path, FIELD_PATHS);
}
