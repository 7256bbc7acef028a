/**
 * Synchronous successive halving, the rule alone: which runs continue from a rung, checked on
 * hand-made rungs whose answers are counted by hand; and the budget formula against a count.
 */
import { describe, expect, it } from 'vitest';
import { decideRung, shaBudget } from '../src/sweep/sha.js';
import { distinctNames, expandSweep } from '../src/sweep/expand.js';
import { parseSweepSpec } from '../src/sweep/spec.js';

const spec = { metric: 'train_loss' as const, reduction: 3, minFinishers: 4 };
const entries = (values: Array<number | null>) => values.map((value, index) => ({ id: `r${index}`, index, value }));

describe('decideRung', () => {
  it('keeps max(⌈n/η⌉, minFinishers), best first, by the metric', () => {
    // 27 members: ⌈27/3⌉ = 9 > 4; the nine lowest losses are r0..r8 (values 0..8 in reverse order of id)
    const d = decideRung(entries(Array.from({ length: 27 }, (_, i) => 100 - i)), spec, 1);
    expect(d.keep).toBe(9);
    expect(d.promoted).toEqual(['r26', 'r25', 'r24', 'r23', 'r22', 'r21', 'r20', 'r19', 'r18']);
    // 9 members: ⌈9/3⌉ = 3 < minFinishers 4
    expect(decideRung(entries([5, 4, 3, 2, 1, 0, 6, 7, 8]), spec, 3).promoted).toEqual(['r5', 'r4', 'r3', 'r2']);
  });

  it('higher is better for accuracies; ties go to the earlier run in the plan, never to the earlier arrival', () => {
    const acc = decideRung(entries([0.5, 0.9, 0.7]), { ...spec, metric: 'test_acc', minFinishers: 1 }, 1);
    expect(acc.promoted).toEqual(['r1']);
    const tie = decideRung(
      [
        { id: 'late', index: 7, value: 0.1 },
        { id: 'early', index: 2, value: 0.1 },
        { id: 'worse', index: 0, value: 0.2 },
      ],
      { ...spec, minFinishers: 1 },
      1,
    );
    expect(tie.promoted).toEqual(['early']);
    expect(tie.ranking.map((r) => r.id)).toEqual(['early', 'late', 'worse']);
  });

  it('a diverged or failed member never continues, but counts among the members', () => {
    const d = decideRung(entries([null, 0.3, null, 0.1, 0.2, Number.NaN]), { ...spec, reduction: 2, minFinishers: 1 }, 2);
    // 6 members: ⌈6/2⌉ = 3 keep; only three have a finite value
    expect(d.members).toBe(6);
    expect(d.keep).toBe(3);
    expect(d.promoted).toEqual(['r3', 'r4', 'r1']);
    expect(d.ranking.slice(3).map((r) => [r.id, r.rank])).toEqual([
      ['r0', null],
      ['r2', null],
      ['r5', null],
    ]);
    // fewer finite values than minFinishers: all of them continue, no more
    expect(decideRung(entries([null, 0.5, null]), spec, 1).promoted).toEqual(['r1']);
  });
});

describe('shaBudget', () => {
  it('counts the epochs a group trains', () => {
    // 27 runs, 9 epochs, rungs 1 and 3: 27·1 + 9·2 + 4·6 = 69 (hand count), against 243 without stopping
    expect(shaBudget(27, 9, { minEpochs: 1, reduction: 3, minFinishers: 4 })).toBe(69);
    // 100 runs, 27 epochs, rungs 1, 3, 9, at least 10: 100 + 34·2 + 12·6 + 10·18 = 420
    expect(shaBudget(100, 27, { minEpochs: 1, reduction: 3, minFinishers: 10 })).toBe(420);
  });
});

describe('grid points and run ids never collide', () => {
  it('distinct keys keep distinct names, checked against all names', () => {
    const names = distinctNames(['a_b', 'a_b', 'a_b-1', 'x'], ['"a/b"', '"a_b"', '"a_b-1"', '"x"']);
    expect(new Set(names).size).toBe(4);
    expect(names[3]).toBe('x');
    expect(names[2]).toBe('a_b-1');
    // equal keys share a name
    expect(distinctNames(['p', 'p'], ['k', 'k'])).toEqual(['p', 'p']);
  });

  it('a grid of names that read alike gets one folder per configuration', () => {
    const spec = parseSweepSpec({ grid: { name: ['a/b', 'a_b', 'a_b-1'] } }, 't.json');
    const runs = expandSweep(spec, new Map([['dataset.name', 'synthetic']]));
    expect(runs).toHaveLength(3);
    expect(new Set(runs.map((r) => r.id)).size).toBe(3);
    expect(new Set(runs.map((r) => r.group)).size).toBe(3);
  });

  it('names that differ only in case get folders that differ in more than case (a case-insensitive filesystem would merge them)', () => {
    const spec = parseSweepSpec({ grid: { 'dataset.name': ['idx:/data/Digits', 'idx:/data/digits', 'idx:/data/other'] } }, 't.json');
    const ids = expandSweep(spec, new Map()).map((r) => r.id);
    expect(new Set(ids.map((id) => id.toLowerCase())).size).toBe(3);
    // the two twins get a digest each; a name without a twin keeps its readable label
    expect(ids.map((id) => /-[0-9a-f]{6}$/.test(id))).toEqual([true, true, false]);
  });

  it('two datasets whose names read alike are two scheduler groups', () => {
    const spec = parseSweepSpec(
      { grid: { 'dataset.name': ['idx:/data/a_b', 'idx:/data/a/b'] }, random: { trials: 2, space: { 'train.lr': { logUniform: [0.01, 0.1] } } } },
      't.json',
    );
    const runs = expandSweep(spec, new Map());
    expect(new Set(runs.map((r) => r.group)).size).toBe(2);
    expect(new Set(runs.map((r) => r.id)).size).toBe(4);
  });

  it('trials draw independently in each grid point', () => {
    const spec = parseSweepSpec({ grid: { 'model.depth': [2, 3] }, random: { trials: 3, space: { 'train.lr': { logUniform: [0.001, 1] } } } }, 't.json');
    const runs = expandSweep(spec, new Map([['dataset.name', 'synthetic']]));
    const lr = (d: number) => runs.filter((r) => r.config.model.depth === d).map((r) => r.config.train.lr);
    expect(lr(2)).not.toEqual(lr(3));
    expect(expandSweep(spec, new Map([['dataset.name', 'synthetic']])).map((r) => r.config.train.lr)).toEqual(runs.map((r) => r.config.train.lr));
  });

  it('a plan is counted before it is expanded: 10^7 runs are refused at once with a message', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    const spec = parseSweepSpec(
      { grid: { 'model.depth': values, 'model.width': values }, random: { trials: 1000, space: { 'train.lr': { uniform: [0.1, 1] } } } },
      't.json',
    );
    expect(() => expandSweep(spec, new Map())).toThrow(/10,000,000 runs, more than the limit of 100,000; .*--max-runs/);
  });
});

describe('early stopping checked against runs trained to the end', () => {
  it("Spearman's ρ: the textbook formula without ties, average ranks with them", async () => {
    const { ranks, spearman } = await import('../src/report/scheduler-check.js');
    // no ties: ρ = 1 − 6Σd²/(n(n²−1)); ranks of a (3,1,2,5,4) and b (1,2,3,4,5): d = 2,−1,−1,1,−1 → Σd² = 8 → 1 − 48/120 = 0.6
    expect(spearman([30, 10, 20, 50, 40], [1, 2, 3, 4, 5])).toBeCloseTo(0.6, 12);
    expect(spearman([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    // ties share their mean place; ∞ (a diverged run) ranks last
    expect(ranks([5, 1, 5, Number.POSITIVE_INFINITY])).toEqual([2.5, 1, 2.5, 4]);
  });

  it('replays the rule on a pilot cell: how many of the true top 10 survive each rung', async () => {
    const { checkEarlyStopping } = await import('../src/report/scheduler-check.js');
    const { groupStats } = await import('../src/report/stats.js');
    // 30 runs, 9 epochs (rungs 1 and 3). Final loss of run i: i (run 0 best). At epoch 1 the order
    // is the final one except that runs 0–4 look worst (they start slowly); at epoch 3 it is the final order.
    const runs = Array.from({ length: 30 }, (_, i) => {
      const at1 = i < 5 ? 100 + i : i;
      const curve = [200, at1, at1, i, i, i, i, i, i, i];
      return {
        id: `t${i}`,
        dir: '',
        config: { model: { type: 'plain', depth: 20 }, train: { epochs: 9 } },
        summary: { status: 'completed' },
        trainLoss: curve,
        testAcc: [],
        devAcc: [],
        params: {},
      };
    });
    const [check] = checkEarlyStopping(groupStats(runs as never));
    // rung 1: 30 members, keep max(10, 10) = 10: runs 5–14 (the slow starters 0–4 are dropped): of the true top 10 (0–9), 5 kept
    // rung 3: 10 members, keep 10: all continue; 5 of the true top 10 reach the end
    expect(check!.rungs.map((r) => [r.epoch, r.kept, r.topKept])).toEqual([
      [1, 10, 5],
      [3, 10, 5],
    ]);
    expect(check!.rungs[1]!.spearman).toBeCloseTo(1, 12);
    expect(check!.rungs[0]!.spearman).toBeLessThan(1);
  });
});
