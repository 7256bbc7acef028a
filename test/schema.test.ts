import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { configJsonSchema } from '../src/sweep/schema.js';
import { FIELDS, configSchema } from '../src/config/index.js';
import { highway, STACK_LINE } from './helpers/cli.js';

const shipped = JSON.parse(readFileSync('configs/highway.schema.json', 'utf8')) as Record<string, unknown>;
const configs = readdirSync('configs').filter((f) => f.endsWith('.json') && f !== 'highway.schema.json');
const validate = new Ajv2020({ strict: false, allErrors: true }).compile(shipped);

describe('the JSON Schema for editors (configs/highway.schema.json)', () => {
  it('is what the zod schema exports today (the build regenerates it)', () => {
    expect(shipped).toEqual(configJsonSchema());
  });

  it('`highway schema` prints it', () => {
    const r = highway(['schema']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(shipped);
  });

  for (const f of configs) {
    it(`configs/${f} names it with "$schema" and validates against it`, () => {
      const raw = JSON.parse(readFileSync(join('configs', f), 'utf8')) as Record<string, unknown>;
      expect(raw.$schema).toBe('./highway.schema.json');
      expect(validate(raw), JSON.stringify(validate.errors)).toBe(true);
    });
  }

  it('rejects what the CLI rejects: a misspelt key, a value out of range, a grid on a path that does not exist', () => {
    const base = JSON.parse(readFileSync('configs/depth-quick.json', 'utf8')) as Record<string, Record<string, unknown>>;
    const bad = [
      { ...base, model: { ...base.model, depht: 50 } },
      { ...base, train: { ...base.train, epochs: -1 } },
      { ...base, sweep: { ...base.sweep, grid: { 'model.dept': [10] } } },
      { ...base, sweep: { ...base.sweep, random: { trails: 3, space: {} } } },
    ];
    for (const cfg of bad) expect(validate(cfg), JSON.stringify(cfg).slice(0, 80)).toBe(false);
  });

  it('carries every field with its default and help text', () => {
    const model = (shipped.properties as Record<string, { properties: Record<string, { default?: unknown; description?: string }> }>).model!.properties;
    expect(model.depth!.default).toBe(10);
    expect(model.gateBias!.default).toBe('auto');
    expect(model.depth!.description).toBe(FIELDS['model.depth']!.help);
    // and zod fills the same defaults
    expect(configSchema.parse({}).model.depth).toBe(10);
  });
});

describe('misspelt keys are still named with a suggestion (exit 2, no stack)', () => {
  const cases: Array<[object, RegExp]> = [
    [{ model: { depht: 20 } }, /unknown key "model\.depht" \(did you mean "model\.depth"\?\)/],
    [
      { sweep: { grid: { 'model.depth': [10] }, random: { trails: 3, space: { 'train.lr': { uniform: [0.01, 0.1] } } } } },
      /sweep\.random: unknown key "trails" \(did you mean "trials"\?\)/,
    ],
    [{ sweep: { grid: { 'model.dpth': [10] } } }, /sweep\.grid\["model\.dpth"\]: unknown config path "model\.dpth" \(did you mean "model\.depth"\?\)/],
  ];
  for (const [cfg, msg] of cases) {
    it(JSON.stringify(cfg).slice(0, 70), () => {
      const dir = mkdtempSync(join(tmpdir(), 'schema-'));
      const f = join(dir, 'c.json');
      writeFileSync(f, JSON.stringify({ $schema: './highway.schema.json', ...cfg }));
      const r = highway(['sweep' in cfg ? 'sweep' : 'train', ...('sweep' in cfg ? [f, '--list'] : ['--config', f])]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).not.toMatch(STACK_LINE);
    });
  }
});
