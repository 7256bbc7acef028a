/**
 * Checkpoints: after every epoch a run writes `checkpoints/epoch-NNNN/` — the model (model.json +
 * weights.bin, loadable with `loadModel` like the final model/), the optimiser's slots
 * (optimizer.bin) and the trainer's state (state.json: epoch, steps, the shuffling generator, the
 * dropout mask counters, every row so far). The folder is written under a temporary name and
 * renamed into place, so a checkpoint folder that exists is complete. `train.checkpoint` "last"
 * keeps only the newest, "all" keeps every epoch's.
 */
import { existsSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { TrainState } from '../train/index.js';
import { writeError, writeFileAtomic, writeJsonAtomic } from '../util/atomic.js';
import { readJsonOrNull } from '../util/json.js';
import { UserError } from '../errors.js';
import { readModelWeights, writeModelFiles } from './model-io.js';
import { RUN_FILES } from '../base/run-files.js';

export const CHECKPOINTS_DIR = RUN_FILES.checkpoints;
export type CheckpointPolicy = 'last' | 'all' | 'none';

const STATE_FILE = 'state.json';
const OPTIMIZER_FILE = 'optimizer.bin';
const FORMAT = 'highway-checkpoint-1';

const folderName = (epoch: number) => `epoch-${String(epoch).padStart(4, '0')}`;
const EPOCH_FOLDER = /^epoch-(\d+)$/;

/** state.json: the trainer's state with the optimiser's slot values moved out to optimizer.bin. */
interface StateFile extends Omit<TrainState, 'optimizer'> {
  format: typeof FORMAT;
  optimizer: { steps: number; slotLengths: number[][] };
}

/** The complete checkpoint folders of a run, oldest first. */
export function listCheckpoints(runDir: string): Array<{ epoch: number; dir: string }> {
  const root = join(runDir, CHECKPOINTS_DIR);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .flatMap((name) => {
      const m = EPOCH_FOLDER.exec(name);
      return m && existsSync(join(root, name, STATE_FILE)) ? [{ epoch: Number(m[1]), dir: join(root, name) }] : [];
    })
    .sort((a, b) => a.epoch - b.epoch);
}

export const latestCheckpoint = (runDir: string) => listCheckpoints(runDir).at(-1) ?? null;

export async function writeCheckpoint(runDir: string, model: tfl.LayersModel, state: TrainState, policy: CheckpointPolicy): Promise<void> {
  if (policy === 'none') return;
  const root = join(runDir, CHECKPOINTS_DIR);
  const final = join(root, folderName(state.epoch));
  const tmp = join(root, `.${folderName(state.epoch)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    await writeModelFiles(model, tmp);
    const slots = state.optimizer.slots;
    const bytes = new Uint8Array(slots.reduce((n, s) => n + s.reduce((m, v) => m + v.byteLength, 0), 0));
    let at = 0;
    for (const v of slots.flat()) {
      bytes.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), at);
      at += v.byteLength;
    }
    writeFileAtomic(join(tmp, OPTIMIZER_FILE), bytes);
    const file: StateFile = { format: FORMAT, ...state, optimizer: { steps: state.optimizer.steps, slotLengths: slots.map((s) => s.map((v) => v.length)) } };
    writeJsonAtomic(join(tmp, STATE_FILE), file);
    // the same epoch written again (a run continued from an older checkpoint): replace it
    rmSync(final, { recursive: true, force: true });
    renameSync(tmp, final);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw writeError(e, final);
  }
  if (policy === 'last') for (const c of listCheckpoints(runDir)) if (c.dir !== final) rmSync(c.dir, { recursive: true, force: true });
}

/** Put a checkpoint's weights into `model` (built from the same config) and return the trainer's state. */
export async function readCheckpoint(dir: string, model: tfl.LayersModel): Promise<TrainState> {
  const file = readJsonOrNull<StateFile>(join(dir, STATE_FILE));
  if (!file || file.format !== FORMAT)
    throw new UserError(`${join(dir, STATE_FILE)}: not a checkpoint of this version (format ${JSON.stringify(file?.format)})`);
  await readModelWeights(dir, model);
  const bytes = readFileSync(join(dir, OPTIMIZER_FILE));
  const expected = file.optimizer.slotLengths.flat().reduce((a, b) => a + b, 0) * 4;
  if (bytes.byteLength !== expected)
    throw new UserError(`${join(dir, OPTIMIZER_FILE)}: ${bytes.byteLength} bytes, state.json expects ${expected} (truncated or corrupt)`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let at = 0;
  const slots = file.optimizer.slotLengths.map((lengths) =>
    lengths.map((n) => {
      const v = all.slice(at, at + n);
      at += n;
      return v;
    }),
  );
  const { format: _format, optimizer, ...rest } = file;
  return { ...rest, optimizer: { steps: optimizer.steps, slots } };
}
