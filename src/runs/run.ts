/**
 * Run one resolved config into one run folder: data → model → trainer → files. Every file is
 * written as soon as it is known (config.json first, a metrics row and a checkpoint per epoch,
 * summary.json at start as "running" and again at the end), atomically, so a crash never loses
 * finished work, and `resume` continues a run from its last checkpoint as if nothing happened.
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ResolvedConfig } from '../config/schema.js';
import { loadDataset, type Dataset } from '../data/index.js';
import { buildModel, countParams, logitsModel } from '../model/index.js';
import { checkFits, memoryBudget } from '../model/memory-estimate.js';
import { trainModel, type EarlyStop, type EpochRow, type TrainHooks, type TrainStatus } from '../train/index.js';
import type { BackendInfo } from '../backend/index.js';
import { writeError, writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { LostLeaseError, UserError, isLostLease, isUserError } from '../errors.js';
import { versions } from '../util/versions.js';
import { MetricsCsv } from './metrics-csv.js';
import { bestOf, type BestEpoch } from './best-epoch.js';
import { prepareRunFolder, removeRunFolder, runFile } from './folder.js';
import { saveModel } from './model-io.js';
import { latestCheckpoint, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { checkResumable } from './resume-checks.js';

/** `paused`: waiting at a rung of a synchronous scheduler, to be continued from its checkpoint. */
export type RunStatus = TrainStatus | 'failed' | 'running';

export interface RunSummary {
  status: RunStatus;
  params: number;
  epochs: number;
  final: (Omit<EpochRow, 'lr' | 'seconds' | 'evalSeconds' | 'devLoss' | 'devAcc'> & { devAcc?: number | null }) | null;
  best: BestEpoch | null;
  wallSeconds: number;
  trainSeconds: number;
  steps: number;
  stepsPerSecond: number;
  error?: string;
  /** Status `stopped`: the early-stopping scheduler's decision (rung, rank, …). */
  stopped?: EarlyStop;
  /** The examples it used: which dataset, how many training, test (and dev) examples. */
  data?: { name: string; train: number; test: number; dev?: number };
}

export interface RunOptions {
  out: string;
  force: boolean;
  backend: BackendInfo;
  hooks?: TrainHooks;
  /** Extra fields for config.json's `run` section (a sweep records its run id and parameters). */
  extraMeta?: Record<string, unknown>;
  /** Called once the data and model exist, before training (for the CLI's header). */
  onStart?(info: { data: Dataset; params: number; resumedFrom: number | null }): void;
  /**
   * Continue the run in `out` from its latest checkpoint (from scratch if it has none); the
   * folder's config.json must hold `cfg`. Rows after the checkpoint are dropped and trained again.
   */
  resume?: boolean;
  /**
   * A user's mistake found before the first epoch (a data folder that does not exist, a net too
   * large) removes the folder this run made, as if nothing had started (`highway train`: fix it and
   * run the same command again); a resumed run's config.json and summary.json are put back as
   * they were (a finished run stays finished). A sweep keeps it, to list the run as failed.
   */
  discardOnUserError?: boolean;
  /** Resuming: `train.epochs` may differ from the folder's (checked by the caller against its checkpoint). */
  epochsMayChange?: boolean;
  /** Train to this epoch only, then end with status `paused` (a rung of synchronous successive halving). */
  untilEpoch?: number;
  /**
   * Fencing: asked before every write into the folder; false means another runner owns the run
   * now (this one stalled and its lease was taken over), and the run stops without writing.
   */
  owns?(): boolean;
}

export async function executeRun(cfg: ResolvedConfig, opts: RunOptions): Promise<RunSummary> {
  const t0 = performance.now();
  const here = {
    backend: opts.backend.name,
    backendRequested: opts.backend.requested,
    versions: versions(),
    started: new Date().toISOString(),
    host: hostname(),
    argv: process.argv.slice(2),
  };
  let meta: Record<string, unknown>;
  let madeFolder = false;
  // resuming: the files this run rewrites before training, as it found them
  let found: Array<{ file: string; text: string | null }> = [];
  if (opts.resume) {
    // the first session's record stays; each continuation adds where and how it ran
    const { run: previous, epochs } = checkResumable(opts.out, cfg, opts.epochsMayChange);
    found = (['config', 'summary'] as const).map((name) => {
      const file = runFile(opts.out, name);
      return { file, text: existsSync(file) ? readFileSync(file, 'utf8') : null };
    });
    const continued = Array.isArray(previous.continued) ? previous.continued : [];
    const longer = epochs !== cfg.train.epochs ? { epochs: { from: epochs, to: cfg.train.epochs } } : {};
    meta = { ...previous, ...opts.extraMeta, continued: [...continued, { ...here, ...longer }] };
  } else {
    madeFolder = !existsSync(opts.out);
    prepareRunFolder(opts.out, opts.force);
    meta = { ...here, seed: cfg.train.seed, ...opts.extraMeta };
  }
  const fenced = () => {
    if (opts.owns && !opts.owns()) throw new LostLeaseError(`${opts.out}: another runner has taken this run over (its lease); stopping without writing`);
  };
  const writeConfig = () => {
    fenced();
    writeJsonAtomic(runFile(opts.out, 'config'), { ...cfg, run: meta });
  };
  const writeSummary = (s: RunSummary) => {
    fenced();
    writeJsonAtomic(runFile(opts.out, 'summary'), s);
  };
  // config.json first: even a run that fails while loading its data stays traceable
  writeConfig();
  let params = 0;
  let rows: EpochRow[] = [];
  let data: RunSummary['data'];
  // a continued run counts the training clock of its earlier sessions (kills lose only what was not checkpointed)
  let earlierSeconds = 0;
  const summary = (status: RunStatus, steps: number, trainSeconds: number, error?: string, stopped?: EarlyStop): RunSummary => {
    const last = rows[rows.length - 1];
    return {
      status,
      ...(data ? { data } : {}),
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
      wallSeconds: earlierSeconds + (performance.now() - t0) / 1000,
      trainSeconds,
      steps,
      stepsPerSecond: trainSeconds > 0 ? steps / trainSeconds : 0,
      ...(error ? { error } : {}),
      ...(stopped ? { stopped } : {}),
    };
  };
  writeSummary(summary('running', 0, 0));
  let model: tfl.LayersModel | undefined;
  // the data and the net exist: a failure after this (a full disk, a bug) is the run's, recorded in it
  let setUp = false;
  try {
    const dataset = loadDataset(cfg.dataset, cfg.train.seed);
    checkFits(cfg, dataset, memoryBudget(opts.backend.name));
    data = { name: cfg.dataset.name, train: dataset.train.n, test: dataset.test.n, ...(dataset.dev ? { dev: dataset.dev.n } : {}) };
    const net = buildModel(cfg.model, dataset, cfg.train.seed);
    model = net;
    params = countParams(net);
    setUp = true;
    const checkpoint = opts.resume ? latestCheckpoint(opts.out) : null;
    const state = checkpoint ? await readCheckpoint(checkpoint.dir, net) : undefined;
    rows = state ? [...state.rows] : [];
    earlierSeconds = state?.seconds ?? 0;
    Object.assign(meta, {
      data: {
        description: dataset.description,
        inputShape: dataset.inputShape,
        numClasses: dataset.numClasses,
        train: dataset.train.n,
        test: dataset.test.n,
        ...(dataset.dev ? { dev: dataset.dev.n } : {}),
      },
      params,
    });
    writeConfig();
    opts.onStart?.({ data: dataset, params, resumedFrom: state ? state.epoch : null });

    // continuing: the file is rewritten with the checkpoint's rows (a row after it is trained again)
    const csv = new MetricsCsv(runFile(opts.out, 'metrics'), dataset.dev !== undefined, opts.resume ? rows : undefined);
    const hooks: TrainHooks = {
      ...opts.hooks,
      onRow: (r) => {
        rows.push(r);
        fenced();
        csv.row(r);
        opts.hooks?.onRow?.(r);
      },
      onEpochEnd: (s) => {
        fenced();
        return writeCheckpoint(opts.out, net, s, cfg.train.checkpoint);
      },
    };
    const result = await trainModel(logitsModel(net), dataset, cfg.train, hooks, {
      ...(state ? { resume: state } : {}),
      ...(opts.untilEpoch !== undefined ? { untilEpoch: opts.untilEpoch } : {}),
    });
    // a paused run's model is its checkpoint; the final model/ is written when the run ends
    fenced();
    if (result.status !== 'paused') await saveModel(net, runFile(opts.out, 'model'));
    const s = summary(result.status, result.steps, result.stepSeconds, undefined, result.stopped);
    writeSummary(s);
    return s;
  } catch (e) {
    if (isLostLease(e)) throw e; // the folder is someone else's now: not a word more into it
    const err = isUserError(e) ? e : writeError(e, opts.out);
    // a user's mistake before training leaves the folder as it was: gone if this run made it, its files put back if it resumed
    const restore = () => {
      for (const f of found) if (f.text !== null) writeFileAtomic(f.file, f.text);
    };
    const undo = !isUserError(e) || !opts.discardOnUserError || setUp ? null : madeFolder ? () => removeRunFolder(opts.out) : opts.resume ? restore : null;
    if (undo) {
      let undone = false;
      try {
        undo();
        undone = true;
      } catch {
        /* could not undo it: it says failed instead, below */
      }
      if (undone) throw err;
    }
    try {
      writeSummary(summary('failed', 0, 0, err.message));
    } catch (e2) {
      if (isLostLease(e2)) throw e2;
      // not even the summary could be written (disk full): say so, and what it still says
      throw new UserError(`${err.message}; the run's summary.json could not be updated either (${(e2 as Error).message}), so it may still say "running"`);
    }
    throw err;
  } finally {
    model?.dispose();
  }
}
