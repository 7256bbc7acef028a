/**
 * Run one resolved config into one run folder: data → model → trainer → files. Every file is
 * written as soon as it is known (config.json first, a metrics row per epoch, summary.json at
 * start as "running" and again at the end), atomically, so a crash never loses finished work.
 */
import { hostname } from 'node:os';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ResolvedConfig } from '../config/schema.js';
import { loadDataset, type Dataset } from '../data/index.js';
import { buildModel, countParams, logitsModel } from '../model/index.js';
import { trainModel, type EarlyStop, type EpochRow, type TrainHooks, type TrainStatus } from '../train/index.js';
import type { BackendInfo } from '../backend/index.js';
import { writeError, writeJsonAtomic } from '../util/atomic.js';
import { UserError, isUserError } from '../errors.js';
import { versions } from '../util/versions.js';
import { MetricsCsv } from './metrics-csv.js';
import { prepareRunFolder, runFile } from './folder.js';
import { saveModel } from './model-io.js';

export type RunStatus = TrainStatus | 'failed' | 'running';

export interface RunSummary {
  status: RunStatus;
  params: number;
  epochs: number;
  final: (Omit<EpochRow, 'lr' | 'seconds' | 'evalSeconds' | 'devLoss' | 'devAcc'> & { devAcc?: number | null }) | null;
  best: {
    trainLoss: number;
    trainLossEpoch: number;
    /**
     * Only without a validation split: the highest test accuracy over the epochs and its epoch —
     * chosen on test, so an optimistic number, named to say so.
     */
    testAccChosenOnTest?: number;
    testAccChosenOnTestEpoch?: number;
    /** Datasets with a validation split: the epoch chosen on dev, and its test accuracy (the number to report). */
    devAcc?: number;
    devAccEpoch?: number;
    testAccAtBestDev?: number;
  } | null;
  wallSeconds: number;
  trainSeconds: number;
  steps: number;
  stepsPerSecond: number;
  error?: string;
  /** Status `stopped`: the early-stopping scheduler's decision (rung, rank, …). */
  stopped?: EarlyStop;
}

export interface RunOptions {
  out: string;
  force: boolean;
  backend: BackendInfo;
  hooks?: TrainHooks;
  /** Extra fields for config.json's `run` section (a sweep records its run id and parameters). */
  extraMeta?: Record<string, unknown>;
  /** Called once the data and model exist, before training (for the CLI's header). */
  onStart?(info: { data: Dataset; params: number }): void;
}

function bestOf(rows: EpochRow[]): RunSummary['best'] {
  const finite = rows.filter((r) => Number.isFinite(r.trainLoss));
  if (finite.length === 0) return null;
  const byLoss = finite.reduce((a, b) => (b.trainLoss < a.trainLoss ? b : a));
  const best: NonNullable<RunSummary['best']> = { trainLoss: byLoss.trainLoss, trainLossEpoch: byLoss.epoch };
  const withDev = finite.filter((r) => r.devAcc !== null && Number.isFinite(r.devAcc));
  if (withDev.length > 0) {
    // model selection on dev, never on test: the first epoch with the highest dev accuracy
    const byDev = withDev.reduce((a, b) => (b.devAcc! > a.devAcc! ? b : a));
    Object.assign(best, { devAcc: byDev.devAcc!, devAccEpoch: byDev.epoch, testAccAtBestDev: byDev.testAcc });
  } else {
    const byAcc = finite.reduce((a, b) => (b.testAcc > a.testAcc ? b : a));
    Object.assign(best, { testAccChosenOnTest: byAcc.testAcc, testAccChosenOnTestEpoch: byAcc.epoch });
  }
  return best;
}

export async function executeRun(cfg: ResolvedConfig, opts: RunOptions): Promise<RunSummary> {
  const t0 = performance.now();
  prepareRunFolder(opts.out, opts.force);
  const meta: Record<string, unknown> = {
    backend: opts.backend.name,
    backendRequested: opts.backend.requested,
    versions: versions(),
    seed: cfg.train.seed,
    started: new Date().toISOString(),
    host: hostname(),
    argv: process.argv.slice(2),
    ...opts.extraMeta,
  };
  const writeConfig = () => writeJsonAtomic(runFile(opts.out, 'config'), { ...cfg, run: meta });
  // config.json first: even a run that fails while loading its data stays traceable
  writeConfig();
  let params = 0;
  const rows: EpochRow[] = [];
  const summary = (status: RunStatus, steps: number, trainSeconds: number, error?: string, stopped?: EarlyStop): RunSummary => {
    const last = rows[rows.length - 1];
    return {
      status,
      params,
      epochs: last ? last.epoch : 0,
      final: last
        ? {
            epoch: last.epoch,
            trainLoss: last.trainLoss,
            trainAcc: last.trainAcc,
            testLoss: last.testLoss,
            testAcc: last.testAcc,
            ...(last.devAcc !== null ? { devAcc: last.devAcc } : {}),
          }
        : null,
      best: bestOf(rows),
      wallSeconds: (performance.now() - t0) / 1000,
      trainSeconds,
      steps,
      stepsPerSecond: trainSeconds > 0 ? steps / trainSeconds : 0,
      ...(error ? { error } : {}),
      ...(stopped ? { stopped } : {}),
    };
  };
  writeJsonAtomic(runFile(opts.out, 'summary'), summary('running', 0, 0));
  let model: tfl.LayersModel | undefined;
  try {
    const data = loadDataset(cfg.dataset, cfg.train.seed);
    model = buildModel(cfg.model, data, cfg.train.seed);
    params = countParams(model);
    Object.assign(meta, {
      data: {
        description: data.description,
        inputShape: data.inputShape,
        numClasses: data.numClasses,
        train: data.train.n,
        test: data.test.n,
        ...(data.dev ? { dev: data.dev.n } : {}),
      },
      params,
    });
    writeConfig();
    opts.onStart?.({ data, params });

    const csv = new MetricsCsv(runFile(opts.out, 'metrics'), data.dev !== undefined);
    const hooks: TrainHooks = {
      ...opts.hooks,
      onRow: (r) => {
        rows.push(r);
        csv.row(r);
        opts.hooks?.onRow?.(r);
      },
    };
    const result = await trainModel(logitsModel(model), data, cfg.train, hooks);
    await saveModel(model, runFile(opts.out, 'model'));
    const s = summary(result.status, result.steps, result.stepSeconds, undefined, result.stopped);
    writeJsonAtomic(runFile(opts.out, 'summary'), s);
    return s;
  } catch (e) {
    const err = isUserError(e) ? e : writeError(e, opts.out);
    try {
      writeJsonAtomic(runFile(opts.out, 'summary'), summary('failed', 0, 0, err.message));
    } catch (e2) {
      // not even the summary could be written (disk full): say so, and what it still says
      throw new UserError(`${err.message}; the run's summary.json could not be updated either (${(e2 as Error).message}), so it may still say "running"`);
    }
    throw err;
  } finally {
    model?.dispose();
  }
}
