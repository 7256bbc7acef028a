import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseSweepSpec } from '../src/sweep/spec.js';
import { expandSweep } from '../src/sweep/expand.js';
import { loadConfigFile } from '../src/config/index.js';

const base = new Map<string, unknown>([['dataset.name', 'synthetic']]);
const spec = (raw: unknown) => parseSweepSpec(raw, 'c.json');
const FIG1 = {
  grid: { 'model.type': ['plain', 'highway'], 'model.depth': [10, 20, 50, 100] },
  random: {
    trials: 100,
    seed: 7,
    space: {
      'train.lr': { logUniform: [0.0001, 1] },
      'train.momentum': { uniform: [0.5, 0.99] },
      'train.decay': { uniform: [0.9, 1.0] },
      'model.activation': { choice: ['relu', 'tanh'] },
      'model.gateBias': { uniform: [-10, -1] },
      'train.batchSize': { intUniform: [16, 20] },
    },
  },
};

/** A shipped config's runs, as `highway sweep` expands them. */
function expandShipped(f: string) {
  const flat = loadConfigFile(f, ['sweep']);
  const raw = JSON.parse(readFileSync(f, 'utf8'));
  flat.delete('sweep');
  return expandSweep(parseSweepSpec(raw.sweep, f), flat);
}

describe('sweep expansion', () => {
  it('runs = grid points × trials, in a stable order with readable unique ids', () => {
    const runs = expandSweep(spec(FIG1), base);
    expect(runs.length).toBe(2 * 4 * 100);
    expect(new Set(runs.map((r) => r.id)).size).toBe(800);
    expect(runs[0]!.id).toBe('plain-d10-t000');
    // highway (2nd type) × d50 (3rd depth) × trial 17
    expect(runs[1 * 400 + 2 * 100 + 17]!.id).toBe('highway-d50-t017');
    expect(runs.map((r) => r.index)).toEqual(runs.map((_, i) => i));
    expect(expandSweep(spec({ grid: FIG1.grid }), base).length).toBe(8);
    expect(expandSweep(spec({ random: { ...FIG1.random, trials: 5 } }), base).map((r) => r.id)).toEqual(['t000', 't001', 't002', 't003', 't004']);
  });

  it('expanding twice gives the same runs with the same sampled values', () => {
    const a = expandSweep(spec(FIG1), base);
    const b = expandSweep(spec(FIG1), base);
    expect(a.map((r) => [r.id, r.params])).toEqual(b.map((r) => [r.id, r.params]));
    const other = expandSweep(spec({ ...FIG1, random: { ...FIG1.random, seed: 8 } }), base);
    expect(other[0]!.params['train.lr']).not.toBe(a[0]!.params['train.lr']);
  });

  it('samples stay within their ranges; logUniform is uniform in log space', () => {
    const runs = expandSweep(spec({ random: { ...FIG1.random, trials: 2000 } }), base);
    const col = (p: string) => runs.map((r) => r.params[p] as number);
    const lr = col('train.lr');
    expect(Math.min(...lr)).toBeGreaterThanOrEqual(0.0001);
    expect(Math.max(...lr)).toBeLessThanOrEqual(1);
    // log10(lr) uniform on [-4, 0]: a quarter of the samples in each decade (± 4 sd of a binomial)
    const decade = lr.filter((v) => v < 0.001).length / 2000;
    expect(Math.abs(decade - 0.25)).toBeLessThan(4 * Math.sqrt((0.25 * 0.75) / 2000));
    const m = col('train.momentum');
    expect(Math.min(...m)).toBeGreaterThanOrEqual(0.5);
    expect(Math.max(...m)).toBeLessThanOrEqual(0.99);
    const bs = col('train.batchSize');
    expect(new Set(bs)).toEqual(new Set([16, 17, 18, 19, 20]));
    expect(new Set(runs.map((r) => r.params['model.activation']))).toEqual(new Set(['relu', 'tanh']));
    // the run's config really uses the sampled values
    expect(runs[3]!.config.train.lr).toBe(runs[3]!.params['train.lr']);
    expect(runs[3]!.config.model.gateBias).toBe(runs[3]!.params['model.gateBias']);
  });

  it('a parameter that does not apply (gateBias on a plain net) is recorded empty, not used', () => {
    const runs = expandSweep(spec(FIG1), base);
    const plain = runs.find((r) => r.config.model.type === 'plain')!;
    const highway = runs.find((r) => r.config.model.type === 'highway' && r.trial === plain.trial)!;
    expect(plain.params['model.gateBias']).toBeNull();
    expect(plain.config.model.gateBias).toBe(-1); // the default "auto" at depth 10 (−10/10), untouched by the sweep
    expect(highway.params['model.gateBias']).toBeTypeOf('number');
    // each grid point draws its own sample of the space: trial t differs between cells
    expect(highway.params['train.lr']).not.toBe(plain.params['train.lr']);
  });

  it('each random trial trains with its own seed (train.seed + t, the same at every grid point), unless the sweep sets the seed', () => {
    const runs = expandSweep(spec(FIG1), new Map([...base, ['train.seed', 40]]));
    const seeds = (rs: typeof runs) => rs.map((r) => r.config.train.seed);
    const cell = (type: string, depth: number) => runs.filter((r) => r.config.model.type === type && r.config.model.depth === depth);
    expect(seeds(cell('plain', 10))).toEqual(Array.from({ length: 100 }, (_, t) => 40 + t));
    expect(seeds(cell('highway', 100))).toEqual(seeds(cell('plain', 10)));
    expect(runs[5]!.params['train.seed']).toBe(45);
    // a seed in the space (or the grid) is the user's choice: no per-trial seeds on top
    const fixed = expandSweep(spec({ random: { trials: 3, space: { 'train.seed': { choice: [9] } } } }), base);
    expect(seeds(fixed)).toEqual([9, 9, 9]);
    // a grid alone has no trials: every run keeps the base seed
    expect(seeds(expandSweep(spec({ grid: FIG1.grid }), base))).toEqual(new Array(8).fill(1));
  });

  it('the scheduler section: ASHA spec parsed, runs grouped by grid point', () => {
    const s = spec({ ...FIG1, scheduler: { asha: { metric: 'train_loss', minEpochs: 2, reduction: 3 } } });
    expect(s.scheduler).toEqual({ asha: { metric: 'train_loss', minEpochs: 2, reduction: 3 } });
    const runs = expandSweep(s, base);
    expect(runs[1 * 400 + 2 * 100 + 17]!.group).toBe('highway-d50');
    expect(new Set(runs.map((r) => r.group)).size).toBe(8);
    expect(expandSweep(spec({ random: { trials: 2, space: FIG1.random.space } }), base).map((r) => r.group)).toEqual(['all', 'all']);
    expect(spec({ grid: FIG1.grid }).scheduler).toBeNull();
  });

  it('"when": settings that follow a swept value (a learning rate for the plain nets only), recorded as parameters', () => {
    const s = spec({
      grid: FIG1.grid,
      when: { 'model.type': { plain: { 'train.lr': 0.05, 'train.decay': 0.9 } }, 'model.depth': { '100': { 'train.epochs': 7 } } },
    });
    const runs = expandSweep(s, new Map([...base, ['train.lr', 0.1]]));
    const get = (id: string) => runs.find((r) => r.id === id)!;
    expect([get('plain-d20').config.train.lr, get('plain-d20').config.train.decay, get('plain-d20').params['train.lr']]).toEqual([0.05, 0.9, 0.05]);
    expect([get('highway-d20').config.train.lr, get('highway-d20').params['train.lr']]).toEqual([0.1, undefined]);
    expect([get('plain-d100').config.train.epochs, get('highway-d100').config.train.epochs, get('highway-d50').config.train.epochs]).toEqual([7, 7, 20]);
    expect(runs.map((r) => r.id)).toEqual(expandSweep(spec({ grid: FIG1.grid }), base).map((r) => r.id));
  });

  const bad: Array<[unknown, RegExp]> = [
    [{ grid: { 'model.depth': [1] }, when: { 'model.type': { plain: { 'train.lr': 0.05 } } } }, /when\["model\.type"\]: model\.type is not swept/],
    [
      { grid: { 'model.type': ['plain'] }, when: { 'model.type': { plane: { 'train.lr': 0.05 } } } },
      /when\["model\.type"\]\["plane"\]: model\.type: expected one of .*\(did you mean "plain"\?\)/,
    ],
    [
      { grid: { 'model.type': ['plain'] }, when: { 'model.type': { plain: { 'train.lr': -1 } } } },
      /when\["model\.type"\]\["plain"\]\["train\.lr"\]: train\.lr: expected a finite number > 0/,
    ],
    [
      { grid: { 'model.type': ['plain'], 'train.lr': [0.1] }, when: { 'model.type': { plain: { 'train.lr': 0.5 } } } },
      /train\.lr is swept; a "when" setting cannot also set it/,
    ],
    [
      { grid: { 'model.type': ['plain'] }, when: { 'model.type': { plain: { 'train.rl': 0.5 } } } },
      /unknown config path "train\.rl" \(did you mean "train\.lr"\?\)/,
    ],
    [{ grid: { 'model.depth': [1] }, scheduler: { hyperband: {} } }, /sweep\.scheduler: unknown key "hyperband"; expected "sha", "asha"/],
    [
      { grid: { 'model.depth': [1] }, scheduler: { asha: { metric: 'train_los', minEpochs: 1, reduction: 3 } } },
      /scheduler\.asha\.metric: expected one of train_loss.*\(did you mean "train_loss"\?\)/,
    ],
    [
      { grid: { 'model.depth': [1] }, scheduler: { asha: { minEpochs: 0, reduction: 3 } } },
      /scheduler\.asha\.minEpochs: expected an integer from 1 to 1000000, got 0/,
    ],
    [
      { grid: { 'model.depth': [1] }, scheduler: { asha: { minEpochs: 1, reduction: 1 } } },
      /scheduler\.asha\.reduction: expected an integer from 2 to 1000000, got 1/,
    ],
    [{ grid: { 'model.depth': [1] }, scheduler: { asha: { minEpochs: 1 } } }, /scheduler\.asha: needs "reduction"/],
    [
      { grid: { 'model.depth': [1] }, scheduler: { asha: { minEpoch: 1, reduction: 3 } } },
      /scheduler\.asha: unknown key "minEpoch" \(did you mean "minEpochs"\?\)/,
    ],
    [{ grid: { 'model.dept': [1] } }, /sweep\.grid\["model\.dept"\]: unknown config path "model\.dept" \(did you mean "model\.depth"\?\)/],
    [{ grid: { 'model.depth': [] } }, /grid\["model\.depth"\]: expected a non-empty list/],
    [{ grid: { 'model.depth': [10, 0] } }, /grid\["model\.depth"\]: model\.depth: expected an integer from 1 to 1000, got 0/],
    [{ random: { trials: 3, space: { 'train.lr': { uniform: [0.5, 0.1] } } } }, /inverted range \[0\.5, 0\.1\]/],
    [{ random: { trials: 3, space: { 'train.lr': { logUniform: [0, 0.1] } } } }, /logUniform: range must be positive/],
    [{ random: { trials: 3, space: { 'train.lr': { gaussian: [0, 1] } } } }, /unknown distribution "gaussian"/],
    [{ random: { trials: 3, space: { 'train.lr': 0.1 } } }, /expected one of \{"uniform"/],
    [{ random: { trials: 3, space: { 'model.depth': { uniform: [1, 5] } } } }, /model\.depth is an integer; use intUniform or choice/],
    [{ random: { trials: 3, space: { 'model.depth': { intUniform: [1.5, 5] } } } }, /intUniform: bounds must be integers/],
    [{ random: { trials: 3, space: { 'model.activation': { choice: [] } } } }, /choice: expected a non-empty list/],
    [{ random: { trials: 3, space: { 'model.activation': { choice: ['relu', 'gelu'] } } } }, /model\.activation: expected one of/],
    [{ random: { trials: 0, space: { 'train.lr': { uniform: [0, 1] } } } }, /random\.trials: expected an integer from 1/],
    [{ grid: { 'train.lr': [0.1] }, random: { trials: 2, space: { 'train.lr': { uniform: [0.1, 1] } } } }, /also in the grid/],
    [{ grid: { 'model.depth': [3, 10, 3] } }, /grid\["model\.depth"\]: 3 is listed twice/],
    [{ grid: { 'dataset.name': ['synthetic', 'synthetic'] } }, /grid\["dataset\.name"\]: "synthetic" is listed twice/],
    [{ gird: {} }, /unknown key "gird" \(did you mean "grid"\?\)/],
    [{}, /needs a non-empty "grid" or a "random" section/],
  ];
  for (const [raw, msg] of bad) {
    it(`rejects before any run: ${JSON.stringify(raw).slice(0, 70)}`, () => {
      expect(() => spec(raw)).toThrow(msg);
    });
  }

  it('the shipped sweep configs expand: paper-fig1 is 1,200 runs (800 for plain and highway), depth-quick 12', () => {
    for (const [f, n] of [
      ['configs/paper-fig1.json', 1200],
      ['configs/paper-fig1-plain-highway.json', 800],
      ['configs/depth-quick.json', 12],
      ['configs/paper-fig1-pilot.json', 30],
    ] as const) {
      expect(expandShipped(f).length).toBe(n);
    }
  });

  it("the pilot's 30 runs are the study's plain d20 trials 0-29, setting for setting, so the pilot shows what the study's scheduler did to them", () => {
    const study = new Map(expandShipped('configs/paper-fig1-plain-highway.json').map((r) => [r.id, r]));
    for (const run of expandShipped('configs/paper-fig1-pilot.json')) {
      const twin = study.get(run.id)!;
      expect(twin, run.id).toBeDefined();
      expect({ ...run.config, name: '' }).toEqual({ ...twin.config, name: '' });
    }
  });
});
