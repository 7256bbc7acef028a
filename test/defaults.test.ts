/**
 * The defaults a newcomer gets (docs/defaults.md): with no flags but the depth, three epochs on
 * a tenth of MNIST bring the whole-training-set loss below 0.5 at depths 10, 20, 50 and 100 —
 * the paper's falling curve from epoch 1, which a fixed gate bias of −2 did not give.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { highway, startHighway } from './helpers/cli.js';
import { resolveConfig } from '../src/config/index.js';

describe('defaults', () => {
  it('highway train --depth D --epochs 3: loss < 0.5 at D = 10, 20, 50, 100, with b_T = −D/10 recorded', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'defaults-'));
    const depths = [100, 50, 20, 10];
    const losses = new Map<number, number[]>();
    // two at a time, the deepest first
    for (let i = 0; i < depths.length; i += 2) {
      await Promise.all(
        depths.slice(i, i + 2).map(async (d) => {
          const out = join(tmp, `d${d}`);
          // a tenth of MNIST keeps this test short; docs/defaults.md measures the full set
          const p = startHighway(['train', '--depth', String(d), '--epochs', '3', '--train-size', '6000', '--test-size', '1000', '--out', out, '--quiet']);
          expect(await p.exit, p.out()).toBe(0);
          const rows = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n').slice(1);
          losses.set(
            d,
            rows.map((r) => Number(r.split(',')[1])),
          );
          const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
          expect(cfg.model.gateBias).toBe(-Math.max(1, d / 10));
          expect(cfg.dataset.name).toBe('mnist');
        }),
      );
    }
    for (const d of depths) {
      const l = losses.get(d)!;
      expect(l, `depth ${d}`).toHaveLength(4);
      expect(l[3], `depth ${d}: ${l.join(' ')}`).toBeLessThan(0.5);
      // an epoch here is 47 steps, a tenth of MNIST's: the loss must move in the first one (a net
      // stuck at ln 10, as with b_T −2 at depth 100, stays within 1% of it) and halve by the second
      expect(l[1]!, `depth ${d} falls from epoch 1: ${l.join(' ')}`).toBeLessThan(l[0]! * 0.75);
      expect(l[2]!, `depth ${d} halves by epoch 2: ${l.join(' ')}`).toBeLessThan(l[0]! * 0.5);
    }
  });

  it('model.init "auto" resolves to he_uniform for relu and elu, glorot_uniform for tanh, sigmoid and linear', () => {
    // He et al. 2015 for the rectifiers, Glorot & Bengio 2010 for the rest (the paper's "normalized initialization")
    const expected = { relu: 'he_uniform', elu: 'he_uniform', tanh: 'glorot_uniform', sigmoid: 'glorot_uniform', linear: 'glorot_uniform' };
    for (const [activation, init] of Object.entries(expected)) {
      expect(resolveConfig(new Map([['model.activation', activation]])).model.init, activation).toBe(init);
    }
    expect(
      resolveConfig(
        new Map<string, unknown>([
          ['model.activation', 'relu'],
          ['model.init', 'glorot_normal'],
        ]),
      ).model.init,
    ).toBe('glorot_normal');
  });

  it('highway train --depth 2 --epochs 0 records the examples it used (60,000 / 10,000) and the init it resolved', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'defaults-')), 'run');
    const r = highway(['train', '--depth', '2', '--epochs', '0', '--out', out, '-q']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.data).toEqual({ name: 'mnist', train: 60000, test: 10000 });
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).model.init).toBe('he_uniform');
  });
});
