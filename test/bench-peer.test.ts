/**
 * `highway bench --vs-pytorch`: the PyTorch peer (bench/pytorch_reference.py) must build the same
 * network as ours for every model type bench accepts, or the ratio compares two different things.
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

interface Row {
  net: string;
  params: number;
  batchSize: number;
  leaked: number;
  floorShare: number;
  torch?: { params: number; msPerStep: number; ratio: number };
}

/** `highway bench … --json`, which must succeed without a stack trace: one row per net. */
function benchRows(args: string[]): Row[] {
  const r = highway(['bench', ...args, '--json']);
  expect(r.stderr).not.toMatch(STACK_LINE);
  expect(r.code).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row);
}

describe('bench against PyTorch', () => {
  it.skipIf(noTorch !== null)('times plain, highway and residual nets with the same parameter count on both sides', () => {
    const rows = benchRows(['--depths', '3', '--models', 'plain,highway,residual', '--steps', '2', '--warmup', '1', '--rounds', '1', '--vs-pytorch']);
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

// The other families, hand-derived. Conv (the authors' net, width 16): a 5×5 conv 1→16 (25·16 + 16),
// 8 layers of 3×3 convs 16→16 (9·256 + 16 each: one per plain layer, two per highway layer or
// residual block, three with an independent carry), logits 4·4·16 → 10.
const conv = (convsPerLayer: number) => 25 * 16 + 16 + 8 * convsPerLayer * (9 * 256 + 16) + 256 * 10 + 10;
// Text (SST-5-shaped: 8,737 words, embeddings 64, 5 classes), depth 2. Pooled: the dense stack on
// the mean embedding (64 → w, then one block). BiLSTM: per direction 4h·(d + h + 1); a highway
// layer adds the projection 2h → d and the gate d → d; plain-bilstm's width is the one whose two
// layers (64 → 2h, 2h → 2h) come nearest the highway stack's 2·56,624: h = 52 (113,984; h = 51
// gives 110,160).
const words = 8737 * 64;
const lstm = (d: number, h: number) => 2 * 4 * h * (d + h + 1);
const OTHERS: Record<string, number> = {
  'plain-conv-d9': conv(1),
  'highway-conv-d9': conv(2),
  'residual-conv-d9': conv(2),
  'highway-conv:independent-d9': conv(3),
  'plain-pooled-d2': words + (64 * 71 + 71) + (71 * 71 + 71) + (71 * 5 + 5),
  'highway-pooled-d2': words + (64 * 50 + 50) + 2 * (50 * 50 + 50) + (50 * 5 + 5),
  'residual-pooled-d2': words + (64 * 50 + 50) + 2 * (50 * 50 + 50) + (50 * 5 + 5),
  'highway:independent-d2': first(50) + 3 * (50 * 50 + 50) + last(50),
  'plain-bilstm-d2': words + lstm(64, 52) + lstm(104, 52) + (104 * 5 + 5),
  'highway-bilstm-d2': words + 2 * (lstm(64, 50) + (100 * 64 + 64) + (64 * 64 + 64)) + (64 * 5 + 5),
};

describe('bench against PyTorch, every family', () => {
  // one bench per family: each stays within the CLI helper's time limit on a loaded machine
  const families: Array<[string, string[]]> = [
    ['conv nets', ['plain-conv', 'highway-conv', 'residual-conv', 'highway-conv:independent']],
    ['pooled nets and the dense independent carry', ['plain-pooled', 'highway-pooled', 'residual-pooled', 'highway:independent']],
    ['BiLSTM nets', ['plain-bilstm', 'highway-bilstm']],
  ];
  for (const [name, models] of families) {
    it.skipIf(noTorch !== null)(`${name}: the same parameter counts on both sides`, () => {
      const rows = benchRows([
        '--depths',
        '2',
        '--models',
        models.join(','),
        '--batch-size',
        '4',
        '--steps',
        '1',
        '--warmup',
        '1',
        '--rounds',
        '1',
        '--vs-pytorch',
      ]);
      expect(rows.map((x) => x.net)).toEqual(Object.keys(OTHERS).filter((net) => models.some((m) => net.startsWith(`${m}-d`))));
      for (const row of rows) {
        expect(row.params, row.net).toBe(OTHERS[row.net]);
        expect(row.torch?.params, row.net).toBe(OTHERS[row.net]);
        expect(row.batchSize).toBe(4);
        expect(row.floorShare).toBeGreaterThan(0);
        expect(row.leaked).toBe(0);
      }
    });
  }

  it('conv nets default to the authors’ batch of 100, text nets to 50; --models rejects what it cannot time, naming it', () => {
    const rows = benchRows(['--models', 'highway-conv,highway-pooled', '--depths', '1', '--steps', '1', '--warmup', '1', '--rounds', '1']);
    expect(rows.map((x) => x.batchSize)).toEqual([100, 50]);
    for (const bad of ['highway-lstm', 'highway-bilstm:independent', 'plain:independent']) {
      const b = highway(['bench', '--models', bad]);
      expect(b.code, bad).toBe(2);
      expect(b.stderr).toContain(bad.split(':')[0]!);
      expect(b.stderr).not.toMatch(STACK_LINE);
    }
  });
});
