/**
 * ASHA's rule and its rung records. Expected decisions are derived by hand from the rule
 * "continue iff rank ≤ max(1, ⌊n/η⌋) among the n runs recorded at the rung, this one included".
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decide, rungEpochs } from '../src/sweep/asha.js';
import { RungStore } from '../src/sweep/rung-store.js';
import { earlyStopper } from '../src/sweep/scheduler.js';
import type { EpochRow } from '../src/train/index.js';

const LOSS = { metric: 'train_loss', reduction: 3 } as const;
const tmp = () => mkdtempSync(join(tmpdir(), 'asha-'));

describe('ASHA rule', () => {
  it('rungs fall at minEpochs·η^k below the last epoch', () => {
    expect(rungEpochs({ minEpochs: 1, reduction: 3 }, 9)).toEqual([1, 3]);
    expect(rungEpochs({ minEpochs: 2, reduction: 3 }, 54)).toEqual([2, 6, 18]);
    expect(rungEpochs({ minEpochs: 5, reduction: 3 }, 50)).toEqual([5, 15, 45]);
    expect(rungEpochs({ minEpochs: 1, reduction: 2 }, 2)).toEqual([1]);
    expect(rungEpochs({ minEpochs: 5, reduction: 3 }, 5)).toEqual([]);
  });

  it('a hand-made stream of losses at one rung (η = 3) gives the hand-derived promotions', () => {
    // arrival: value → (n, keep = max(1, ⌊n/3⌋), rank) → decision
    const stream: Array<[number, boolean]> = [
      [0.5, true], //   n 1, keep 1, rank 1
      [0.7, false], //  n 2, keep 1, rank 2
      [0.4, true], //   n 3, keep 1, rank 1
      [0.45, false], // n 4, keep 1, rank 2 (0.4 better)
      [0.3, true], //   n 5, keep 1, rank 1
      [0.42, false], // n 6, keep 2, rank 3 (0.3, 0.4 better)
      [0.35, true], //  n 7, keep 2, rank 2 (0.3 better)
      [0.3, true], //   n 8, keep 2, rank 1 (a tie is not better)
      [0.33, true], //  n 9, keep 3, rank 3 (0.3 and 0.3 better)
      [0.41, false], // n 10, keep 3, rank 6 (0.3, 0.3, 0.33, 0.35, 0.4 better)
    ];
    const seen: number[] = [];
    for (const [v, expected] of stream) {
      expect(decide(v, seen, LOSS).promote, `value ${v} after [${seen.join(', ')}]`).toBe(expected);
      seen.push(v);
    }
    expect(decide(0.33, [0.5, 0.7, 0.4, 0.45, 0.3, 0.42, 0.35, 0.3], LOSS)).toEqual({ promote: true, rank: 3, of: 9, keep: 3 });
  });

  it('accuracies rank the other way', () => {
    const acc = { metric: 'test_acc', reduction: 2 } as const;
    expect(decide(0.9, [0.8], acc).promote).toBe(true); // n 2, keep 1, rank 1
    expect(decide(0.7, [0.8], acc).promote).toBe(false);
    expect(decide(0.85, [0.8, 0.9, 0.7], acc)).toEqual({ promote: true, rank: 2, of: 4, keep: 2 });
  });
});

describe('rung records in the sweep folder', () => {
  it('decisions follow the arrival order, per group and rung; a rerun keeps its first decision', () => {
    const store = new RungStore(tmp());
    const arrivals: Array<[string, string, number, boolean]> = [
      ['g1', 'a', 0.5, true],
      ['g1', 'b', 0.7, false],
      ['g2', 'c', 0.9, true], // another group: ranked alone
      ['g1', 'd', 0.4, true],
      ['g1', 'e', 0.45, false],
    ];
    for (const [group, id, v, expected] of arrivals) expect(store.record(group, 1, id, v, LOSS).promote, id).toBe(expected);
    expect(store.values('g1', 1).sort()).toEqual([0.4, 0.45, 0.5, 0.7]);
    // run b trained again from scratch (resume, retried job): the decision made the first time stands,
    // although the records now present would rank it differently (0.7 against 0.5, 0.4, 0.45)
    expect(store.record('g1', 1, 'b', 0.7, LOSS)).toEqual({ promote: false, rank: 2, of: 2, keep: 1 });
    // another rung of the same group starts empty
    expect(store.record('g1', 3, 'd', 0.2, LOSS).promote).toBe(true);
  });

  it('two stores on one folder (two runners) see each other’s records', () => {
    const dir = tmp();
    const [s1, s2] = [new RungStore(dir), new RungStore(dir)];
    expect(s1.record('g', 2, 'x', 1.0, LOSS).promote).toBe(true);
    expect(s2.record('g', 2, 'y', 1.5, LOSS)).toEqual({ promote: false, rank: 2, of: 2, keep: 1 });
    expect(existsSync(join(dir, 'scheduler', 'g', 'rung-2', 'y.json'))).toBe(true);
  });

  it('the trainer hook stops at a rung only, and says why', () => {
    const dir = tmp();
    const row = (epoch: number, trainLoss: number): EpochRow => ({
      epoch,
      trainLoss,
      trainAcc: 0,
      testLoss: 1,
      testAcc: 0.5,
      devLoss: null,
      devAcc: null,
      lr: 0.1,
      seconds: 0,
      evalSeconds: 0,
    });
    const task = { asha: { metric: 'train_loss' as const, minEpochs: 1, reduction: 3 }, group: 'g', sweepDir: dir };
    const first = earlyStopper(task, 'r1', 9);
    expect([1, 2, 3, 4].map((e) => first(row(e, 1 / e)))).toEqual([null, null, null, null]);
    const second = earlyStopper(task, 'r2', 9);
    expect(second(row(2, 0.01))).toBeNull(); // epoch 2 is no rung
    const stop = second(row(3, 0.9));
    expect(stop).toMatchObject({ epoch: 3, rung: 2, metric: 'train_loss', value: 0.9, rank: 2, of: 2, keep: 1 });
    expect(stop!.reason).toMatch(/ASHA rung 2 \(epoch 3\): train_loss 0\.9000 ranked 2 of 2 in g/);
    const dev = earlyStopper({ ...task, asha: { ...task.asha, metric: 'dev_acc' } }, 'r3', 9);
    expect(() => dev(row(1, 0.5))).toThrow(/"dev_acc" has no value at epoch 1 .*dev split/);
  });
});
