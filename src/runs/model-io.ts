/**
 * Save and load a LayersModel as model.json + weights.bin in a folder, on every backend
 * (tf.io's file:// handler exists only with tfjs-node; `folderHandler` is the same for any
 * backend). Same format as tfjs-node writes.
 */
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UserError, isUserError } from '../errors.js';
import { parseJson } from '../config/load.js';
import { writeError, writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { clip } from '../util/strings.js';
import '../layers/index.js'; // registers the custom layers for deserialization

const WEIGHTS_FILE = 'weights.bin';

function concatWeightData(data: tf.io.WeightData): Uint8Array {
  const buffers = Array.isArray(data) ? data : [data];
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const b of buffers) {
    out.set(new Uint8Array(b), off);
    off += b.byteLength;
  }
  return out;
}

/** Write `dir/model.json` and `dir/weights.bin`; the folder is replaced as a whole. */
export async function saveModel(model: tfl.LayersModel, dir: string): Promise<void> {
  const tmpDir = `${dir}.tmp-${process.pid}`;
  try {
    await writeModelFiles(model, tmpDir);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmpDir, dir);
  } catch (e) {
    // a failed save (disk full) leaves the previous model, if any, and no half-written copy
    rmSync(tmpDir, { recursive: true, force: true });
    throw writeError(e, dir);
  }
}

/** Write model.json and weights.bin into `tmpDir` (not atomic as a whole: callers rename the folder into place). */
export async function writeModelFiles(model: tfl.LayersModel, tmpDir: string): Promise<void> {
  await model.save(folderHandler(tmpDir));
}

function writeArtifacts(artifacts: tf.io.ModelArtifacts, dir: string): void {
  const weights = artifacts.weightData ? concatWeightData(artifacts.weightData) : new Uint8Array(0);
  writeFileAtomic(join(dir, WEIGHTS_FILE), weights);
  writeJsonAtomic(join(dir, 'model.json'), {
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isShape = (v: unknown) => Array.isArray(v) && v.every((d) => Number.isSafeInteger(d) && d >= 0);

/** One group of a weights manifest as the loader below reads it: file names (plain, in the folder) and float32 weights with shapes. */
function isManifestGroup(g: unknown): boolean {
  return (
    isObject(g) &&
    Array.isArray(g.paths) &&
    g.paths.every((p) => typeof p === 'string' && p !== '' && !p.includes('/') && !p.startsWith('.')) &&
    Array.isArray(g.weights) &&
    g.weights.every((w) => isObject(w) && typeof w.name === 'string' && isShape(w.shape) && (w.dtype === undefined || w.dtype === 'float32'))
  );
}

/** model.json's manifest and the weights' bytes, checked against each other. */
function readWeightFiles(dir: string): { json: { modelTopology?: object }; specs: tf.io.WeightsManifestEntry[]; weightData: ArrayBuffer } {
  const jsonPath = join(dir, 'model.json');
  if (!existsSync(jsonPath)) throw new UserError(`no saved model: ${jsonPath} does not exist`);
  const json = parseJson(readFileSync(jsonPath, 'utf8'), jsonPath) as {
    modelTopology?: object;
    weightsManifest?: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  };
  if (!isObject(json) || !isObject(json.modelTopology) || !Array.isArray(json.weightsManifest) || !json.weightsManifest.every(isManifestGroup)) {
    throw new UserError(`${jsonPath}: not a TF.js layers model (expected a modelTopology object and a weightsManifest of {paths, weights})`);
  }
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const parts = json.weightsManifest
    .flatMap((g) => g.paths)
    .map((p) => {
      const f = join(dir, p);
      if (!existsSync(f)) throw new UserError(`${jsonPath} names weights file ${p}, which is missing`);
      return readFileSync(f);
    });
  const bytes = Buffer.concat(parts);
  const expected = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (bytes.byteLength !== expected) {
    throw new UserError(`${dir}: weights are ${bytes.byteLength} bytes, model.json expects ${expected} (truncated or corrupt)`);
  }
  return { json, specs, weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) };
}

/** Load a model written by `saveModel` (or by tfjs-node's file:// handler, single shard). */
export async function loadModel(dir: string): Promise<tfl.LayersModel> {
  try {
    return await tfl.loadLayersModel(folderHandler(dir));
  } catch (e) {
    if (isUserError(e)) throw e;
    // the files parsed, but the topology is no network TF.js can build (hand-edited, another tool's, damaged)
    throw new UserError(
      `${join(dir, 'model.json')}: its modelTopology is not a network this version can build (${clip((e as Error).message.split('\n')[0] ?? '', 160)})`,
    );
  }
}

/**
 * A TF.js IOHandler for a model folder (model.json + weights.bin), what `file://` is with
 * tfjs-node, on every backend: `model.save(folderHandler(dir))` writes one (the folder is
 * written in place; `saveModel` replaces it as a whole) and `tf.loadLayersModel(folderHandler(dir))`
 * reads one.
 */
export function folderHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const { json, specs, weightData } = readWeightFiles(dir);
      return { modelTopology: json.modelTopology, weightSpecs: specs, weightData, format: 'layers-model' };
    },
    save: async (artifacts) => {
      writeArtifacts(artifacts, dir);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
  };
}

/**
 * Set the weights saved in `dir` into `model`, a model built from the same config: by the names
 * model.save gave them. The decoded tensors are released, so each weight owns its memory (the
 * optimiser updates it in place).
 */
export async function readModelWeights(dir: string, model: tfl.LayersModel): Promise<void> {
  const { specs, weightData } = readWeightFiles(dir);
  const named = tf.io.decodeWeights(weightData, specs);
  try {
    const values = model.weights.map((w) => {
      const v = named[w.originalName];
      if (!v || v.shape.join() !== w.shape.join())
        throw new UserError(`${dir}: no saved weight ${w.originalName} of shape [${w.shape.join(', ')}]; the checkpoint is of another model`);
      return v;
    });
    model.setWeights(values);
  } finally {
    tf.dispose(Object.values(named));
  }
}
