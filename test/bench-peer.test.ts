/**
 * `highway bench --vs-pytorch`: the PyTorch peer (bench/pytorch_reference.py) must build the same
 * network as ours for every dense kind bench accepts, or the ratio compares two different things.
 */
import { describe, expect, it } from 'vitest';
import { pytorchUnavailable } from '../src/bench/pytorch.js';
import { highway, STACK_LINE } from './helpers/cli.js';

const noTorch = pytorchUnavailable();
if (noTorch) console.warn(`bench --vs-pytorch tests skipped: ${noTorch}`);

// Hand-derived parameter counts at depth 3 (input 784, 10 classes): the first layer 784·w + w,
// two hidden layers, the softmax layer w·10 + 10. Plain (w 71) has one w×w layer per hidden
// layer; highway (w 50) two (H and T), and residual (w 50) two (W1 and W2).
const first = (w: number) => 784 * w + w;
const last = (w: number) => w * 10 + 10;
const EXPECTED: Record<string, number> = {
  'plain-d3': first(71) + 2 * (71 * 71 + 71) + last(71),
  'highway-d3': first(50) + 2 * 2 * (50 * 50 + 50) + last(50),
  'residual-d3': first(50) + 2 * 2 * (50 * 50 + 50) + last(50),
};

describe('bench against PyTorch', () => {
  it.skipIf(noTorch !== null)('times plain, highway and residual nets with the same parameter count on both sides', () => {
    const args = ['bench', '--depths', '3', '--models', 'plain,highway,residual', '--steps', '2', '--warmup', '1', '--rounds', '1', '--vs-pytorch', '--json'];
    const r = highway(args);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { net: string; params: number; leaked: number; torch?: { params: number; msPerStep: number; ratio: number } });
    expect(rows.map((x) => x.net)).toEqual(Object.keys(EXPECTED));
    for (const row of rows) {
      expect(row.params, row.net).toBe(EXPECTED[row.net]);
      expect(row.torch?.params, row.net).toBe(EXPECTED[row.net]);
      expect(row.torch!.msPerStep).toBeGreaterThan(0);
      expect(row.leaked).toBe(0);
    }
  });

  it.skipIf(noTorch !== null)('the fused peer (--torch-fused: H|T as one Linear(w, 2w)) has the same parameter count', () => {
    const r = highway(['bench', '--depths', '3', '--models', 'highway', ...'--steps 2 --warmup 1 --rounds 1 --vs-pytorch --torch-fused --json'.split(' ')]);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.code).toBe(0);
    const row = JSON.parse(r.stdout.trim()) as { params: number; torch: { params: number; fused: boolean } };
    expect(row.params).toBe(EXPECTED['highway-d3']);
    expect(row.torch.params).toBe(EXPECTED['highway-d3']);
    expect(row.torch.fused).toBe(true);
  });
});
