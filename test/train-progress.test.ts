/**
 * `highway train`'s per-epoch lines (what a log file of a long run holds): each ends with the ETA
 * of the rest of the run, at the mean pace of the epochs this process trained.
 */
import { describe, expect, it } from 'vitest';
import { ProgressPrinter } from '../src/cli/progress.js';
import type { EpochRow } from '../src/train/index.js';

/** A stream that is not a terminal and keeps what is written. */
function logStream(): { stream: NodeJS.WriteStream; lines: () => string[] } {
  let text = '';
  const write = (s: string) => {
    text += s;
    return true;
  };
  const stream = { isTTY: false, write } as unknown as NodeJS.WriteStream;
  return { stream, lines: () => text.trim().split('\n') };
}

const row = (epoch: number, seconds: number): EpochRow => ({
  epoch,
  trainLoss: 0.5,
  trainAcc: 0.9,
  testLoss: 0.5,
  testAcc: 0.9,
  devLoss: null,
  devAcc: null,
  lr: epoch === 0 ? null : 0.1,
  seconds,
  evalSeconds: 1,
});

describe('train progress lines', () => {
  it('a fresh run: no ETA before an epoch is trained, then (epochs left) × (mean seconds per epoch), none on the last', () => {
    const log = logStream();
    const p = new ProgressPrinter(log.stream, false);
    p.setEpochs(100);
    // epoch 0 (the untrained net's evaluation) at 4 s; epochs of 60, 70, 80 s
    for (const [e, s] of [
      [0, 4],
      [1, 64],
      [2, 134],
      [3, 214],
    ] as const)
      p.row(row(e, s));
    const lines = log.lines();
    expect(lines[0]).not.toMatch(/ETA/);
    // 99 epochs left at 60 s: 5,940 s = 1 h 39 min
    expect(lines[1]).toMatch(/64\.0s {2}ETA 1h39m$/);
    // 97 left at (214 - 4) / 3 = 70 s: 6,790 s = 1 h 53 min
    expect(lines[3]).toMatch(/214\.0s {2}ETA 1h53m$/);
    p.setEpochs(4);
    p.row(row(4, 300));
    expect(log.lines()[4]).toMatch(/300\.0s$/);
  });

  it('a resumed run: the pace counts only epochs trained in this process (its clock continues from the checkpoint)', () => {
    const log = logStream();
    const p = new ProgressPrinter(log.stream, false);
    p.setEpochs(10);
    // resumed after epoch 5 (1,000 s on the clock); epochs of 20 s now
    p.row(row(6, 1020));
    p.row(row(7, 1040));
    const [first, second] = log.lines();
    expect(first).not.toMatch(/ETA/);
    // 3 epochs left at 20 s: 1:00
    expect(second).toMatch(/ETA 1:00$/);
  });
});
