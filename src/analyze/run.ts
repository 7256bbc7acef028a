import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { flatten, parseJson, resolveConfig, type ResolvedConfig } from '../config/index.js';
import { hasGates, kindOf } from '../base/kinds.js';
import { UserError } from '../errors.js';
import { loadDataset, type Dataset } from '../data/index.js';
import { LOGITS_LAYER } from '../model/index.js';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { balancedSubset } from '../data/subset.js';
import { loadModel } from '../runs/model-io.js';
import { analyzeModel, type Analysis } from './gates.js';
import { writeAnalysis } from './write.js';
import { RUN_FILES } from '../base/run-files.js';

export interface AnalyzeOptions {
  /** Training examples for the gate statistics (class-balanced; lesioning uses the whole set). */
  samples: number;
  out?: string;
}

/** A run folder analyze can read (a highway net with a saved model): its config and model folder, or a user error naming what is missing. */
export function checkAnalyzable(runDir: string): { cfg: ResolvedConfig; modelDir: string } {
  const cfgFile = join(runDir, RUN_FILES.config);
  if (!existsSync(cfgFile)) throw new UserError(`${runDir} is not a run folder (no ${RUN_FILES.config})`);
  const raw = parseJson(readFileSync(cfgFile, 'utf8'), cfgFile);
  const cfg = resolveConfig(flatten(raw, cfgFile, ['run']));
  const kind = kindOf(cfg.model.type);
  if (kind.block !== 'highway') {
    throw new UserError(
      `${runDir} is a ${cfg.model.type} net: its ${kind.block} ${kind.block === 'plain' ? 'layers have' : 'blocks have'} no gates to analyze (analyze reads highway nets' transform gates)`,
    );
  }
  const modelDir = join(runDir, RUN_FILES.model);
  if (!existsSync(join(modelDir, 'model.json'))) throw new UserError(`${runDir} has no saved model (${join(modelDir, 'model.json')}); did the run finish?`);
  return { cfg, modelDir };
}

/** Analyze a run folder: its saved model on its own data (from config.json). */
export async function analyzeRun(runDir: string, opts: AnalyzeOptions): Promise<{ analysis: Analysis; files: string[] }> {
  const { cfg, modelDir } = checkAnalyzable(runDir);
  const model = await loadModel(modelDir);
  try {
    const data = loadDataset(cfg.dataset, cfg.train.seed);
    checkFitsData(model, data, join(modelDir, 'model.json'));
    const n = Math.min(opts.samples, data.train.n);
    const samples = balancedSubset(data.train, n, data.numClasses, '--samples');
    const analysis = analyzeModel(model, samples, data.train, data.inputShape, data.numClasses, 500, data.vocabSize !== undefined);
    const files = await writeAnalysis(analysis, opts.out ?? join(runDir, RUN_FILES.analysis));
    return { analysis, files };
  } finally {
    model.dispose();
  }
}

/**
 * A model.json that loads may still be no network of this run (edited, copied from another run):
 * it must end in the logits layer and take the data's examples and classes, or analysing it would
 * fail deep inside TF.js.
 */
function checkFitsData(model: LayersModel, data: Dataset, file: string): void {
  const names = model.layers.map((l) => l.name);
  if (!names.includes(LOGITS_LAYER)) throw new UserError(`${file}: the network has no "${LOGITS_LAYER}" layer, so it is not one written by highway`);
  const input = model.inputs[0]?.shape.slice(1) ?? [];
  const expected = data.vocabSize !== undefined ? [null] : data.inputShape;
  const units = model.getLayer(LOGITS_LAYER).outputShape;
  const classes = Array.isArray(units) ? units[units.length - 1] : undefined;
  if (model.inputs.length !== 1 || JSON.stringify(input) !== JSON.stringify(expected) || classes !== data.numClasses) {
    throw new UserError(
      `${file}: the network takes [${input.join(', ')}] and gives ${String(classes)} classes, but the run's data has examples [${expected.join(', ')}] and ${data.numClasses} classes`,
    );
  }
}

/** `train.analyze`: analyze a finished highway run (plain and residual nets have no gates); null otherwise. */
export async function analyzeIfAsked(cfg: ResolvedConfig, runDir: string): Promise<{ analysis: Analysis; files: string[] } | null> {
  return cfg.train.analyze && hasGates(cfg.model.type) ? analyzeRun(runDir, { samples: 1000 }) : null;
}
