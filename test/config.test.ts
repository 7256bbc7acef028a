import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIELDS, loadConfigFile, parseSet, resolveConfig } from '../src/config/index.js';
import { UserError } from '../src/errors.js';

const resolve = (over: Record<string, unknown>) => resolveConfig(new Map(Object.entries(over)));

describe('config', () => {
  it('the defaults resolve to what docs/configs.md promises, the "auto" and null ones decided as it says', async () => {
    const c = resolve({});
    expect(c.model.width).toBe(50);
    expect(resolve({ 'model.type': 'plain' }).model.width).toBe(71);
    expect(resolve({ 'model.type': 'plain', 'model.width': 30 }).model.width).toBe(30);
    // second source: the default column of the docs' field table, read as JSON where it is JSON
    const { readFileSync } = await import('node:fs');
    const rows = readFileSync('docs/configs.md', 'utf8')
      .split('\n')
      .map((l) => /^\| `([\w.]+)` \| `?([^`|]*?)`? \|/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null && m[1]! in FIELDS);
    expect(rows.length).toBe(Object.keys(FIELDS).length);
    // what "auto" and null resolve to at the defaults (depth 10, relu, highway): hand-derived from the docs
    const decided: Record<string, unknown> = { 'model.gateBias': -1, 'model.init': 'he_uniform', 'model.width': 50 };
    for (const [, path, shown] of rows) {
      const [sec, key] = path!.includes('.') ? path!.split('.') : [undefined, path!];
      const v = sec ? (c as unknown as Record<string, Record<string, unknown>>)[sec]![key!] : (c as unknown as Record<string, unknown>)[key!];
      let promised: unknown = shown!.trim().replace('−', '-');
      try {
        promised = JSON.parse(promised as string);
      } catch {
        /* a word: the value itself */
      }
      expect(v, path).toEqual(path! in decided ? decided[path!] : promised);
    }
  });

  it('gateBias "auto" (the default) resolves to −depth/10 clamped to [−10, −1]; a number is kept as given', () => {
    // hand-derived: depth 1 → −0.1 → −1; 15 → −1.5; 20 → −2; 50 → −5; 100 → −10; 250 → −25 → −10
    const table: Array<[number, number]> = [
      [1, -1],
      [10, -1],
      [15, -1.5],
      [20, -2],
      [37, -3.7],
      [50, -5],
      [100, -10],
      [250, -10],
    ];
    for (const [depth, b] of table) {
      expect(resolve({ 'model.depth': depth }).model.gateBias, `depth ${depth}`).toBeCloseTo(b, 12);
      expect(resolve({ 'model.depth': depth, 'model.gateBias': 'auto' }).model.gateBias).toBeCloseTo(b, 12);
    }
    expect(resolve({ 'model.depth': 100, 'model.gateBias': -2 }).model.gateBias).toBe(-2);
    // conv types: depth = 1 + the stages' layers (2 + 3 + 3 = 9 by default) → −0.9 → −1
    expect(resolve({ 'model.type': 'highway-conv' }).model.gateBias).toBe(-1);
    expect(resolve({ 'model.type': 'highway-conv', 'model.convBlocks': [10, 10, 10] }).model.gateBias).toBeCloseTo(-3.1, 12);
    expect(parseSet('model.gateBias=auto')).toEqual(['model.gateBias', 'auto']);
    expect(() => resolve({ 'model.gateBias': 'autoo' })).toThrow(/model\.gateBias: expected a finite number \(or "auto"\), got "autoo"/);
    expect(() => resolve({ 'model.depth': 'auto' })).toThrow(/model\.depth: expected an integer/);
  });

  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ 'model.depth': 0 }, /model\.depth: expected an integer from 1 to 1000, got 0/],
    [{ 'model.depth': 1001 }, /model\.depth: expected an integer from 1 to 1000, got 1001/],
    [{ 'model.depth': 2.5 }, /model\.depth/],
    [{ 'model.width': 0 }, /model\.width: expected an integer from 1/],
    [{ 'model.activation': 'relux' }, /model\.activation: expected one of relu, tanh.*got "relux" \(did you mean "relu"\?\)/],
    [{ 'model.gateBias': Number.POSITIVE_INFINITY }, /model\.gateBias: expected a finite number/],
    [{ 'train.lr': 0 }, /train\.lr: expected a finite number > 0/],
    [{ 'train.momentum': 1 }, /train\.momentum/],
  ];
  for (const [over, msg] of bad) {
    it(`rejects ${JSON.stringify(over)}`, () => {
      expect(() => resolve(over)).toThrow(UserError);
      expect(() => resolve(over)).toThrow(msg);
    });
  }

  it('--set coerces by field type and rejects unknown paths with a suggestion', () => {
    expect(parseSet('model.depth=50')).toEqual(['model.depth', 50]);
    expect(parseSet('model.widths=50,50,40')).toEqual(['model.widths', [50, 50, 40]]);
    expect(parseSet('dataset.trainSize=null')).toEqual(['dataset.trainSize', null]);
    expect(() => parseSet('model.gatebias=-3')).toThrow(/unknown config key "model.gatebias" \(did you mean "model.gateBias"\?\)/);
    expect(() => parseSet('depth')).toThrow(/expected <path>=<value>/);
    // a field's name without its section, and a section without a field
    expect(() => parseSet('depth=3')).toThrow(/unknown config key "depth" \(did you mean "model\.depth"\?\)/);
    expect(() => parseSet('lr=0.1')).toThrow(/unknown config key "lr" \(did you mean "train\.lr"\?\)/);
    expect(() => parseSet('train.depth=3')).toThrow(/unknown config key "train\.depth" \(did you mean "model\.depth"\?\)/);
    expect(() => parseSet('Depth=3')).toThrow(/unknown config key "Depth" \(did you mean "model\.depth"\?\)/);
    expect(() => parseSet('model=5')).toThrow(/unknown config key "model" \("model" is a section: give one of its fields, e\.g\. "model\.\w+"\)/);
    expect(() => resolveConfig(new Map([parseSet('model.gateBias=NaN')]))).toThrow(/model\.gateBias: expected a finite number \(or "auto"\), got "NaN"/);
    expect(() => resolveConfig(new Map([parseSet('model.depth=abc')]))).toThrow(/model\.depth: expected an integer/);
  });

  it('files: unknown keys suggest the closest, invalid JSON names line and column, missing files name the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'highway-cfg-'));
    const f = join(dir, 'c.json');
    writeFileSync(f, JSON.stringify({ model: { depht: 10 } }));
    expect(() => loadConfigFile(f)).toThrow(/unknown key "model.depht" \(did you mean "model.depth"\?\)/);
    writeFileSync(f, JSON.stringify({ modle: {} }));
    expect(() => loadConfigFile(f)).toThrow(/unknown key "modle" \(did you mean "model"\?\)/);
    writeFileSync(f, '{\n  "model": {\n    "depth": 10,\n  }\n}');
    expect(() => loadConfigFile(f)).toThrow(new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:3: invalid JSON`));
    expect(() => loadConfigFile(join(dir, 'nope.json'))).toThrow(/config file not found: .*nope\.json/);
    writeFileSync(f, JSON.stringify({ train: { epochs: 3 }, model: { type: 'plain' } }));
    const c = resolveConfig(loadConfigFile(f));
    expect([c.train.epochs, c.model.type, c.model.width]).toEqual([3, 'plain', 71]);
  });
});

describe('model.equalParameters', () => {
  it('gives a plain net the width whose layer costs what a two-layer block of model.width costs', async () => {
    const { equalParameterPlainWidth, weightLayerParams } = await import('../src/base/params.js');
    // second computation: search every width for the nearest parameter count
    const brute = (w: number, k: number) => {
      const target = 2 * (k * k * w * w + w);
      let best = 1;
      for (let u = 1; u < 4 * w + 10; u++) if (Math.abs(k * k * u * u + u - target) < Math.abs(k * k * best * best + best - target)) best = u;
      return best;
    };
    for (const w of [1, 2, 7, 16, 50, 64, 100, 333]) for (const k of [1, 3]) expect(equalParameterPlainWidth(w, k), `w ${w} k ${k}`).toBe(brute(w, k));
    expect(equalParameterPlainWidth(50)).toBe(71); // the paper's pairing
    expect(weightLayerParams(71)).toBe(5112);
    const width = (type: string, over: Record<string, unknown> = {}) =>
      resolveConfig(new Map<string, unknown>([['model.type', type], ['model.width', 100], ['model.equalParameters', true], ...Object.entries(over)])).model
        .width;
    expect([width('plain'), width('highway'), width('residual'), width('plain-pooled')]).toEqual([142, 100, 100, 142]);
    expect(width('plain-conv')).toBe(equalParameterPlainWidth(100, 3));
    // off (the default), a width is a width
    expect(
      resolveConfig(
        new Map<string, unknown>([
          ['model.type', 'plain'],
          ['model.width', 100],
        ]),
      ).model.width,
    ).toBe(100);
  });
});
