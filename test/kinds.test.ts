/**
 * The registry of model kinds is the one place that knows them: every kind builds, every other
 * room asks the registry, and no code parses a type's name.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KINDS, KIND_FIELDS } from '../src/base/kinds.js';
import { blockLayer } from '../src/model/blocks.js';
import { buildModel } from '../src/model/index.js';
import { resolveConfig } from '../src/config/index.js';
import { applies, expandSweep } from '../src/sweep/expand.js';
import { parseSweepSpec } from '../src/sweep/spec.js';
import { highway } from './helpers/cli.js';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : n.endsWith('.ts') ? [join(dir, n)] : []));

const shapeFor = (family: string) =>
  family === 'conv'
    ? { inputShape: [12, 12, 1], numClasses: 3 }
    : family === 'dense'
      ? { inputShape: [8], numClasses: 3 }
      : { inputShape: [6], numClasses: 3, vocabSize: 20 };

describe('model kinds', () => {
  it('plain, highway and residual in every family the issue names; each kind builds with its block in its family', () => {
    expect(KINDS.map((k) => k.name)).toEqual(
      expect.arrayContaining([
        'plain',
        'highway',
        'residual',
        'plain-conv',
        'highway-conv',
        'residual-conv',
        'plain-pooled',
        'highway-pooled',
        'plain-bilstm',
        'highway-bilstm',
      ]),
    );
    for (const k of KINDS) {
      expect(() => blockLayer(k.block, k.family), k.name).not.toThrow();
      const m = resolveConfig(
        new Map<string, unknown>(
          [
            ['model.type', k.name],
            ['model.depth', 3],
            ['model.width', 4],
            ['model.embedDim', 4],
            ['model.convBlocks', [1, 1]],
          ].filter(([p]) => p !== 'model.convBlocks' || k.family === 'conv') as Array<[string, unknown]>,
        ),
      ).model;
      const net = buildModel(m, shapeFor(k.family), 1);
      const classes = net.layers.map((l) => l.getClassName());
      const expected = { plain: null, highway: /^Highway/, residual: /^Residual/ }[k.block];
      if (expected)
        expect(
          classes.some((c) => expected.test(c)),
          `${k.name}: ${classes.join(' ')}`,
        ).toBe(true);
      net.dispose();
    }
  });

  it('a field applies to a run exactly where the design says (a table written by hand, not read from the registry)', () => {
    // which kind-specific fields each model type reads: gates for highway blocks, residual settings
    // for residual ones, widths and transitions for the dense-shaped stacks, stages for conv nets
    const expected: Record<string, string[]> = {
      plain: ['widths'],
      highway: ['widths', 'transition', 'gateBias', 'carry', 'carryBias'],
      residual: ['widths', 'transition', 'residualInit', 'residualForm'],
      'plain-conv': ['convBlocks'],
      'highway-conv': ['convBlocks', 'gateBias', 'carry', 'carryBias'],
      'residual-conv': ['convBlocks', 'residualInit', 'residualForm'],
      'plain-pooled': ['embedDim', 'widths'],
      'highway-pooled': ['embedDim', 'widths', 'transition', 'gateBias', 'carry', 'carryBias'],
      'residual-pooled': ['embedDim', 'widths', 'transition', 'residualInit', 'residualForm'],
      'plain-bilstm': ['embedDim'],
      'highway-bilstm': ['embedDim', 'gateBias'],
    };
    expect(Object.keys(expected).sort()).toEqual(KINDS.map((k) => k.name).sort());
    for (const [type, fields] of Object.entries(expected)) {
      const over = new Map<string, unknown>([['model.type', type]]);
      if (fields.includes('carry')) over.set('model.carry', 'independent');
      const cfg = resolveConfig(over);
      for (const f of KIND_FIELDS) expect(applies(`model.${f}`, cfg), `${type} ${f}`).toBe(fields.includes(f));
      expect(applies('train.lr', cfg)).toBe(true);
      expect(applies('model.activation', cfg)).toBe(true);
    }
    // carryBias means something only with an independent carry gate
    expect(applies('model.carryBias', resolveConfig(new Map([['model.type', 'highway']])))).toBe(false);
  });

  it('a swept model.transition reaches a highway-pooled net (it used to be dropped)', () => {
    const spec = parseSweepSpec({ grid: { 'model.transition': ['pad', 'project'] } }, 't.json');
    const base = new Map<string, unknown>([
      ['model.type', 'highway-pooled'],
      ['model.depth', 3],
      ['model.widths', [8, 8, 12]],
      ['model.embedDim', 8],
    ]);
    const runs = expandSweep(spec, base);
    expect(runs.map((r) => [r.params['model.transition'], r.config.model.transition])).toEqual([
      ['pad', 'pad'],
      ['project', 'project'],
    ]);
    const classes = (i: number) => buildModel(runs[i]!.config.model, shapeFor('pooled'), 1).layers.map((l) => l.getClassName());
    expect(classes(0)).toContain('FeaturePad');
    expect(classes(1)).not.toContain('FeaturePad');
  });

  it('no code outside the registry parses a model type by its name', () => {
    const parsing =
      /(startsWith|endsWith)\('(plain|highway|residual|-conv|-pooled|-bilstm)|\^\((plain\|highway|highway\|plain)|type\s*===\s*'(plain|highway|residual)[-']/;
    const offenders = files(SRC)
      .filter((f) => !f.endsWith(join('model', 'kinds.ts')))
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .map((l, i) => [f, i + 1, l] as const)
          .filter(([, , l]) => parsing.test(l)),
      );
    expect(offenders.map(([f, n, l]) => `${f.slice(SRC.length)}:${n}: ${l.trim()}`)).toEqual([]);
  });

  it('the CLI help lists every kind (from the registry)', () => {
    const help = highway(['train', '--help']).stdout.replace(/\s+/g, ' ');
    for (const k of KINDS) expect(help).toContain(k.name);
  });
});
