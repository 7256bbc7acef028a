/**
 * The training loop, readable top to bottom: for each epoch, shuffle (seeded), one optimiser
 * step per minibatch, then evaluate the whole training and test sets (the paper's Figure 1
 * measures the full training set, not the running minibatch average) and report a row.
 * It never touches files: rows go to `hooks.onRow`, and the caller decides where they land.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { TrainConfig } from '../config/schema.js';
import { UserError } from '../errors.js';
import type { Dataset } from '../data/types.js';
import { trimBatch } from '../data/sequences.js';
import { Rng, deriveSeed } from '../util/random.js';
import type { StopLevel } from '../util/stop-signals.js';
import { evaluate } from './evaluate.js';
import { createTrainStep } from './step.js';
import type { OptimizerState } from './optimizers.js';
import { setStepCounts, stepCounts } from '../layers/stepwise.js';
import { lowerIsBetter, metricOf, type EpochRow, type MetricName } from '../base/metrics.js';

/**
 * train.patience: stop when the watched metric has not improved for `patience` epochs. Worked
 * out from the rows alone, so a run continued from a checkpoint stops where the uninterrupted
 * run would have.
 */
export function patienceStop(rows: EpochRow[], cfg: TrainConfig, hasDev: boolean): EarlyStop | null {
  if (cfg.patience === null) return null;
  const metric: MetricName = cfg.patienceMetric === 'auto' ? (hasDev ? 'dev_loss' : 'train_loss') : (cfg.patienceMetric as MetricName);
  const values = rows.map((r) => metricOf(r, metric));
  const last = rows.at(-1)!;
  if (values.at(-1) === null)
    throw new UserError(`train.patienceMetric: "${metric}" has no value at epoch ${last.epoch} (dev_loss and dev_acc need a dataset with a validation split)`);
  const better = lowerIsBetter(metric) ? (a: number, b: number) => a < b : (a: number, b: number) => a > b;
  let best = 0;
  values.forEach((v, i) => {
    if (v !== null && (values[best] === null || better(v, values[best]!))) best = i;
  });
  const since = last.epoch - rows[best]!.epoch;
  if (since < cfg.patience) return null;
  return {
    epoch: last.epoch,
    reason: `no better ${metric} for ${since} epochs (best ${values[best]!.toPrecision(4)} at epoch ${rows[best]!.epoch}; train.patience ${cfg.patience})`,
    metric,
    bestEpoch: rows[best]!.epoch,
  };
}

export type { EpochRow };

export interface Progress {
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  /** Minibatch loss of the latest step (read only when progress is reported). */
  loss: number;
  seconds: number;
}

/** 'after-epoch' finishes the epoch and its row; 'now' stops between steps. */
export type StopRequest = StopLevel;

/** Why an early-stopping scheduler ended a run after an epoch (recorded in the run's summary). */
export interface EarlyStop {
  epoch: number;
  reason: string;
  [detail: string]: unknown;
}

export interface TrainHooks {
  onRow?(row: EpochRow): void;
  /** Called about every `progressEvery` steps. */
  onProgress?(p: Progress): void;
  /** Polled between steps: 'after-epoch' finishes the epoch and its row, 'now' stops at once. */
  stopRequested?(): StopRequest;
  progressEvery?: number;
  /**
   * Asked after each epoch's row except the last: an answer stops training there with status
   * `stopped` (a sweep's early-stopping scheduler); null continues.
   */
  earlyStop?(row: EpochRow): EarlyStop | null;
  /** After each epoch's row (a finite one): the state to checkpoint alongside the weights. */
  onEpochEnd?(state: TrainState): void | Promise<void>;
}

/** `paused`: trained to `untilEpoch` (a rung of synchronous successive halving), to be continued from its checkpoint. */
export type TrainStatus = 'completed' | 'diverged' | 'interrupted' | 'stopped' | 'paused';

/**
 * Everything a run needs to continue exactly where it was after an epoch, but the weights (the
 * caller saves the model): written as a checkpoint after every epoch (runs/checkpoint.ts).
 */
export interface TrainState {
  /** Epochs completed; the next one trains with lr · decay^epoch. */
  epoch: number;
  steps: number;
  stepSeconds: number;
  /** Seconds since training started, at the end of this epoch's row (the next rows continue from it). */
  seconds: number;
  /** The shuffling generator's state after this epoch's permutation. */
  shuffle: number[];
  optimizer: OptimizerState;
  /** Stepwise layers (seeded dropout): training calls so far. */
  layerSteps: Record<string, number>;
  /** Every row so far, epoch 0 included. */
  rows: EpochRow[];
}

export interface TrainOptions {
  /** Continue from this checkpoint (the model's weights are already restored by the caller). */
  resume?: TrainState;
  /** Stop after this epoch with status `paused` (below cfg.epochs); the learning-rate schedule stays the full run's. */
  untilEpoch?: number;
}

export interface TrainResult {
  status: TrainStatus;
  rows: EpochRow[];
  steps: number;
  /** Seconds spent in optimiser steps only (for steps/second). */
  stepSeconds: number;
  seconds: number;
  /** Status `stopped`: what the scheduler said. */
  stopped?: EarlyStop;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function trainModel(
  logitsModel: tfl.LayersModel,
  data: Dataset,
  cfg: TrainConfig,
  hooks: TrainHooks = {},
  options: TrainOptions = {},
): Promise<TrainResult> {
  const { inputShape, numClasses, train } = data;
  const d = train.x.length / train.n;
  const trainStep = createTrainStep(logitsModel, cfg, inputShape, numClasses);
  const shuffle = new Rng(deriveSeed(cfg.seed, 'shuffle'));
  const stepsPerEpoch = Math.ceil(train.n / cfg.batchSize);
  const every = hooks.progressEvery ?? 10;
  const stop = hooks.stopRequested ?? (() => 'no' as const);
  const resume = options.resume;
  const lastEpoch = Math.min(cfg.epochs, options.untilEpoch ?? cfg.epochs);
  // a resumed run's clock continues from its checkpoint, so the seconds column keeps rising
  const t0 = performance.now() - (resume?.seconds ?? 0) * 1000;
  const elapsed = () => (performance.now() - t0) / 1000;
  const rows: EpochRow[] = resume ? [...resume.rows] : [];
  let steps = resume?.steps ?? 0;
  let stepSeconds = resume?.stepSeconds ?? 0;
  if (resume) {
    shuffle.setState(resume.shuffle);
    trainStep.setState(resume.optimizer);
    setStepCounts(logitsModel, resume.layerSteps);
  }

  // token data: every batch is cut to its longest sentence (see data/sequences.ts)
  const sequences = data.vocabSize !== undefined && inputShape.length === 1;
  const evaluateRow = (epoch: number, lr: number | null): EpochRow => {
    const e0 = performance.now();
    const ev = (split: Dataset['train']) => evaluate(logitsModel, split, inputShape, numClasses, cfg.evalBatchSize, { sequences });
    const tr = ev(train);
    const te = ev(data.test);
    const dev = data.dev ? ev(data.dev) : null;
    const row: EpochRow = {
      epoch,
      trainLoss: tr.loss,
      trainAcc: tr.accuracy,
      testLoss: te.loss,
      testAcc: te.accuracy,
      devLoss: dev ? dev.loss : null,
      devAcc: dev ? dev.accuracy : null,
      lr,
      seconds: elapsed(),
      evalSeconds: (performance.now() - e0) / 1000,
    };
    rows.push(row);
    hooks.onRow?.(row);
    return row;
  };
  const finish = (status: TrainStatus, stopped?: EarlyStop): TrainResult => {
    trainStep.dispose();
    return { status, rows, steps, stepSeconds, seconds: elapsed(), ...(stopped ? { stopped } : {}) };
  };

  if (!resume && !Number.isFinite(evaluateRow(0, null).trainLoss)) return finish('diverged');
  // a run continued with more epochs than it had is asked at its checkpoint what a run of that
  // length would have been asked there (its own last epoch skipped the question); for any other
  // continuation the answer was already no
  if (resume && resume.epoch > 0 && resume.epoch < cfg.epochs) {
    const early = patienceStop(rows, cfg, data.dev !== undefined);
    if (early) return finish('stopped', early);
  }
  const xBuf = new Float32Array(cfg.batchSize * d);
  for (let epoch = (resume?.epoch ?? 0) + 1; epoch <= lastEpoch; epoch++) {
    const lr = cfg.lr * cfg.decay ** (epoch - 1);
    const order = shuffle.permutation(train.n);
    for (let s = 0; s < stepsPerEpoch; s++) {
      const from = s * cfg.batchSize;
      const b = Math.min(cfg.batchSize, train.n - from);
      const labels = new Int32Array(b);
      for (let i = 0; i < b; i++) {
        const src = order[from + i]!;
        xBuf.set(train.x.subarray(src * d, (src + 1) * d), i * d);
        labels[i] = train.y[src]!;
      }
      const s0 = performance.now();
      const batch = sequences ? trimBatch(xBuf, b, d) : null;
      const loss = batch ? trainStep.step(batch.x, labels, lr, [batch.len]) : trainStep.step(xBuf.subarray(0, b * d), labels, lr);
      steps++;
      const report = hooks.onProgress !== undefined && (s % every === every - 1 || s === stepsPerEpoch - 1);
      const l = report ? loss.dataSync()[0]! : Number.NaN;
      stepSeconds += (performance.now() - s0) / 1000;
      if (report) hooks.onProgress!({ epoch, epochs: cfg.epochs, step: s + 1, steps: stepsPerEpoch, loss: l, seconds: elapsed() });
      loss.dispose();
      if (s % every === 0) await yieldToEventLoop();
      if (stop() === 'now') return finish('interrupted');
    }
    const row = evaluateRow(epoch, lr);
    if (!Number.isFinite(row.trainLoss) || !Number.isFinite(row.testLoss)) return finish('diverged');
    await hooks.onEpochEnd?.({
      epoch,
      steps,
      stepSeconds,
      seconds: row.seconds,
      shuffle: shuffle.getState(),
      optimizer: trainStep.getState(),
      layerSteps: stepCounts(logitsModel),
      rows: [...rows],
    });
    const early = epoch < cfg.epochs ? (patienceStop(rows, cfg, data.dev !== undefined) ?? hooks.earlyStop?.(row) ?? null) : null;
    if (early) return finish('stopped', early);
    if (stop() !== 'no' && epoch < lastEpoch) return finish('interrupted');
  }
  return finish(lastEpoch < cfg.epochs ? 'paused' : 'completed');
}
