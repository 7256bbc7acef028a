/**
 * `highway bench`'s arithmetic per training step (src/bench/flops.ts) against counts derived by
 * hand: 2 FLOPs per multiply-add; a weight layer costs F forward, F for its weight gradient and F
 * for its input gradient, except the first layer on data (the input needs none).
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/index.js';
import { trainingFlops } from '../src/bench/flops.js';

const model = (entries: Record<string, unknown>) => resolveConfig(new Map(Object.entries(entries))).model;
/** One product of `rows` rows with an n_in × n_out matrix, forward. */
const F = (rows: number, nIn: number, nOut: number) => 2 * rows * nIn * nOut;

describe('training FLOPs per step, by formula', () => {
  it('highway d3 at batch 128: 784→50 (no input gradient), two layers of H and T 50→50, 50→10', () => {
    const want = 2 * F(128, 784, 50) + 3 * 4 * F(128, 50, 50) + 3 * F(128, 50, 10);
    expect(want).toBe(28_134_400);
    expect(trainingFlops(model({ 'model.type': 'highway', 'model.depth': 3 }), 128, 10)).toBe(want);
  });

  it('plain d3 and residual d3 at batch 16: one and two weight layers per block', () => {
    expect(trainingFlops(model({ 'model.type': 'plain', 'model.depth': 3 }), 16, 10)).toBe(2 * F(16, 784, 71) + 3 * 2 * F(16, 71, 71) + 3 * F(16, 71, 10));
    expect(trainingFlops(model({ 'model.type': 'residual', 'model.depth': 3 }), 16, 10)).toBe(2 * F(16, 784, 50) + 3 * 4 * F(16, 50, 50) + 3 * F(16, 50, 10));
  });

  it('an independent carry adds a third weight layer per highway layer', () => {
    const m = model({ 'model.type': 'highway', 'model.depth': 3, 'model.carry': 'independent' });
    expect(trainingFlops(m, 8, 10)).toBe(2 * F(8, 784, 50) + 3 * 6 * F(8, 50, 50) + 3 * F(8, 50, 10));
  });

  it("the authors' highway conv net at batch 100: 6.494 GFLOP", () => {
    // a 5×5 conv 1→16 on 28×28 (no input gradient); 3×3 convs 16→16 (n_in = 9·16), two per highway
    // layer: 2 layers at 28×28, 3 at 14×14, 3 at 7×7; logits from 4·4·16
    const px = (side: number) => 100 * side * side;
    const want = 2 * F(px(28), 25, 16) + 3 * 2 * (2 * F(px(28), 144, 16) + 3 * F(px(14), 144, 16) + 3 * F(px(7), 144, 16)) + 3 * F(100, 256, 10);
    expect(want).toBe(6_494_310_400);
    expect(trainingFlops(model({ 'model.type': 'highway-conv', 'model.width': 16 }), 100, 10)).toBe(want);
  });

  it('plain-conv has one 3×3 conv per layer', () => {
    const px = (side: number) => 10 * side * side;
    const want = 2 * F(px(28), 25, 16) + 3 * (2 * F(px(28), 144, 16) + 3 * F(px(14), 144, 16) + 3 * F(px(7), 144, 16)) + 3 * F(10, 256, 10);
    expect(trainingFlops(model({ 'model.type': 'plain-conv', 'model.width': 16 }), 10, 10)).toBe(want);
  });

  it('highway-bilstm d1 at batch 50 over 20 tokens: two LSTM directions, the projection and the gate, all with input gradients', () => {
    const rows = 50 * 20;
    const perDirection = F(rows, 64, 200) + F(rows, 50, 200);
    const want = 3 * (2 * perDirection + F(rows, 100, 64) + F(rows, 64, 64) + F(50, 64, 5));
    expect(want).toBe(336_672_000);
    expect(trainingFlops(model({ 'model.type': 'highway-bilstm', 'model.depth': 1, 'model.embedDim': 64 }), 50, 5, 20)).toBe(want);
  });

  it('highway-pooled d2 at batch 50: the dense stack on the mean embedding (its first layer needs an input gradient)', () => {
    const want = 3 * (F(50, 64, 50) + 2 * F(50, 50, 50) + F(50, 50, 5));
    expect(want).toBe(2_535_000);
    expect(trainingFlops(model({ 'model.type': 'highway-pooled', 'model.depth': 2, 'model.embedDim': 64 }), 50, 5)).toBe(want);
  });
});
