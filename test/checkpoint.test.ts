/**
 * Checkpoints and `highway train --resume`: a run killed at any moment and continued gives the
 * metrics.csv of the run that was never interrupted (every value but the two timing columns),
 * because a checkpoint holds everything the next epoch depends on: weights, optimiser slots and
 * step count, the shuffling generator, the dropout mask counter and the place in the schedule.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { STACK_LINE, highway, startHighway } from './helpers/cli.js';
import { readJson, tempDir } from './helpers/run-folder.js';
import { resolveConfig } from '../src/config/index.js';
import { executeRun } from '../src/runs/run.js';
import { initBackend } from '../src/backend/index.js';
import { listCheckpoints } from '../src/runs/checkpoint.js';
import { loadModel } from '../src/runs/model-io.js';

const tmp = () => tempDir('checkpoint');

/** metrics.csv without the timing columns (seconds, eval_seconds), which no two runs share. */
function values(runDir: string): string[] {
  const lines = readFileSync(join(runDir, 'metrics.csv'), 'utf8').trim().split('\n');
  const header = lines[0]!.split(',');
  const keep = header.map((h, i) => (h === 'seconds' || h === 'eval_seconds' ? -1 : i)).filter((i) => i >= 0);
  return lines.map((l) => keep.map((i) => l.split(',')[i]).join(','));
}

const epochsWritten = (runDir: string) => {
  const f = join(runDir, 'metrics.csv');
  return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').length - 1 : 0;
};

async function waitFor(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// MNIST digits, a small net, adam (two slots per weight), input dropout (a mask stream) and weight decay
const RUN = [
  'train',
  '--dataset',
  'mnist',
  '--train-size',
  '2000',
  '--test-size',
  '300',
  '--depth',
  '4',
  '--epochs',
  '4',
  '--optimizer',
  'adam',
  '--lr',
  '0.002',
  '--weight-decay',
  '0.0001',
  '--set',
  'model.inputDropout=0.2',
  '-q',
];

// the defaults (SGD, no dropout): on wasm the engine-free dense step (src/train/dense-step.ts)
const PLAIN_RUN = ['train', '--dataset', 'mnist', '--train-size', '20000', '--test-size', '300', '--depth', '6', '--epochs', '4', '-q'];

describe('highway train --resume', () => {
  it.each([
    ['adam, input dropout and weight decay (the engine step)', RUN],
    ['the defaults (the engine-free dense step on wasm)', PLAIN_RUN],
  ])('%s: a run SIGKILLed mid-epoch and resumed writes the metrics.csv of an uninterrupted run', async (_, args) => {
    const dir = tmp();
    const whole = join(dir, 'whole');
    const cut = join(dir, 'cut');
    expect(highway([...args, '--out', whole]).code).toBe(0);

    // kill the second run in its third epoch: two rows after epoch 0 are written, the third is not
    const run = startHighway([...args, '--out', cut]);
    await waitFor(() => epochsWritten(cut) >= 3, 'epoch 2 of the run to be killed');
    run.child.kill('SIGKILL');
    await run.exit;
    expect(epochsWritten(cut)).toBeLessThan(5);
    expect(readJson(join(cut, 'summary.json')).status).toBe('running');

    const r = highway(['train', '--resume', '--out', cut]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/resume: continuing .* after epoch \d/);
    expect(values(cut)).toEqual(values(whole));
    expect(values(cut)).toHaveLength(6); // header + epochs 0..4
    expect(readJson(join(cut, 'summary.json')).status).toBe('completed');
    // the seconds column keeps rising across the kill
    const seconds = readFileSync(join(cut, 'metrics.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',')[6]));
    for (let i = 1; i < seconds.length; i++) expect(seconds[i]!).toBeGreaterThan(seconds[i - 1]!);
    // every continuation is recorded with where it ran
    expect(readJson(join(cut, 'config.json')).run.continued).toHaveLength(1);
  });

  it('a run killed before its first checkpoint starts again from scratch in its folder', async () => {
    const dir = tmp();
    const whole = join(dir, 'whole');
    const cut = join(dir, 'cut');
    const args = ['train', '--dataset', 'synthetic', '--depth', '3', '--width', '8', '--epochs', '2', '-q'];
    expect(highway([...args, '--out', whole]).code).toBe(0);
    mkdirSync(cut);
    // what a kill during epoch 1 leaves: the config, a "running" summary, epoch 0's row, no checkpoint
    expect(highway([...args, '--out', cut, '--epochs', '2']).code).toBe(0);
    const { rmSync } = await import('node:fs');
    rmSync(join(cut, 'checkpoints'), { recursive: true });
    writeFileSync(join(cut, 'metrics.csv'), readFileSync(join(cut, 'metrics.csv'), 'utf8').split('\n').slice(0, 2).join('\n'));
    writeFileSync(join(cut, 'summary.json'), JSON.stringify({ status: 'running' }));
    const r = highway(['train', '--resume', '--out', cut]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/no checkpoint yet; training from the start/);
    expect(values(cut)).toEqual(values(whole));
  });

  it('refuses other settings, a folder that is not a run, and --force; a finished run is left alone', () => {
    const dir = tmp();
    const out = join(dir, 'run');
    expect(highway(['train', '--dataset', 'synthetic', '--depth', '2', '--width', '8', '--epochs', '1', '--out', out, '-q']).code).toBe(0);

    const other = highway(['train', '--resume', '--out', out, '--depth', '3', '--lr', '0.05']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/trained with other settings: model\.depth \(2 → 3\), train\.lr \(0\.1 → 0\.05\)/);
    expect(other.stderr).not.toMatch(STACK_LINE);

    const same = highway(['train', '--resume', '--out', out, '--depth', '2']);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/already ended \(completed\); nothing to continue/);

    mkdirSync(join(dir, 'plain-folder'));
    const notRun = highway(['train', '--resume', '--out', join(dir, 'plain-folder')]);
    expect(notRun.code).toBe(2);
    expect(notRun.stderr).toMatch(/is not a run folder/);
    expect(highway(['train', '--resume']).stderr).toMatch(/--resume needs --out/);
    expect(highway(['train', '--resume', '--force', '--out', out]).code).toBe(2);
  });
});

describe('checkpoints on disk', () => {
  const base = (epochs: number, checkpoint: 'last' | 'all' | 'none') =>
    resolveConfig(
      new Map<string, unknown>([
        ['dataset.name', 'synthetic'],
        ['model.depth', 3],
        ['model.width', 8],
        ['train.epochs', epochs],
        ['train.optimizer', 'nesterov'],
        ['train.checkpoint', checkpoint],
      ]),
    );

  it('"last" keeps one folder, "all" one per epoch, "none" none; a checkpoint is a model loadModel reads', async () => {
    const backend = await initBackend('auto');
    const dir = tmp();
    for (const [policy, expected] of [
      ['last', [3]],
      ['all', [1, 2, 3]],
      ['none', []],
    ] as const) {
      const out = join(dir, policy);
      await executeRun(base(3, policy), { out, force: false, backend });
      expect(listCheckpoints(out).map((c) => c.epoch)).toEqual(expected);
    }
    // the last checkpoint holds the final weights, as model/ does
    const fromCheckpoint = await loadModel(join(dir, 'last', 'checkpoints', 'epoch-0003'));
    const final = await loadModel(join(dir, 'last', 'model'));
    const a = fromCheckpoint.getWeights().map((w) => Array.from(w.dataSync()));
    const b = final.getWeights().map((w) => Array.from(w.dataSync()));
    expect(a).toEqual(b);
    fromCheckpoint.dispose();
    final.dispose();
  });

  it('pausing at an epoch and continuing equals one uninterrupted run, and no tensor is left behind', async () => {
    const backend = await initBackend('auto');
    const dir = tmp();
    await executeRun(base(4, 'last'), { out: join(dir, 'whole'), force: false, backend });
    const before = tf.memory().numTensors;
    const paused = await executeRun(base(4, 'last'), { out: join(dir, 'parts'), force: false, backend, untilEpoch: 2 });
    expect(paused.status).toBe('paused');
    expect(existsSync(join(dir, 'parts', 'model'))).toBe(false); // its model is the checkpoint until it ends
    const done = await executeRun(base(4, 'last'), { out: join(dir, 'parts'), force: false, backend, resume: true });
    expect(done.status).toBe('completed');
    expect(values(join(dir, 'parts'))).toEqual(values(join(dir, 'whole')));
    expect(done.steps).toBe(4 * Math.ceil(512 / 128));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a half-written checkpoint (killed while saving) is ignored: the previous one is used', async () => {
    const backend = await initBackend('auto');
    const dir = tmp();
    const out = join(dir, 'run');
    await executeRun(base(2, 'all'), { out, force: false, backend, untilEpoch: 1 });
    // what a kill during the epoch-2 save leaves: a temporary folder without its state
    mkdirSync(join(out, 'checkpoints', '.epoch-0002.tmp-999'));
    writeFileSync(join(out, 'checkpoints', '.epoch-0002.tmp-999', 'weights.bin'), 'half');
    expect(listCheckpoints(out).map((c) => c.epoch)).toEqual([1]);
    const done = await executeRun(base(2, 'all'), { out, force: false, backend, resume: true });
    expect(done.status).toBe('completed');
    expect(readdirSync(join(out, 'checkpoints')).filter((f) => !f.startsWith('.'))).toEqual(['epoch-0001', 'epoch-0002']);
  });
});
