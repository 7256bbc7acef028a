/**
 * `highway train --resume --epochs N`: a run trained longer than it was planned is the run that was
 * planned longer (every metrics.csv value but the timing columns), since the schedule lr·decay^(e−1)
 * does not depend on the number of epochs and the checkpoint holds the rest. What cannot honour
 * that is refused, and the folder is left as it was.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STACK_LINE, highway } from './helpers/cli.js';
import { readJson, tempDir } from './helpers/run-folder.js';

const tmp = () => tempDir('train-longer');
const RUN = ['train', '--dataset', 'synthetic', '--depth', '3', '--width', '8', '--optimizer', 'nesterov', '-q'];

/** metrics.csv without the timing columns (seconds, eval_seconds), which no two runs share. */
function values(runDir: string): string[] {
  const lines = readFileSync(join(runDir, 'metrics.csv'), 'utf8').trim().split('\n');
  const header = lines[0]!.split(',');
  const keep = header.map((h, i) => (h === 'seconds' || h === 'eval_seconds' ? -1 : i)).filter((i) => i >= 0);
  return lines.map((l) => keep.map((i) => l.split(',')[i]).join(','));
}

describe('highway train --resume --epochs N', () => {
  it('a finished run trained longer writes the metrics.csv of the longer run, and records the change', () => {
    const dir = tmp();
    const long = join(dir, 'long');
    const short = join(dir, 'short');
    expect(highway([...RUN, '--epochs', '4', '--out', long]).code).toBe(0);
    expect(highway([...RUN, '--epochs', '2', '--out', short]).code).toBe(0);

    const same = highway(['train', '--resume', '--out', short]);
    expect(same.stdout).toMatch(/already ended \(completed\); nothing to continue \(to train it longer: --epochs N, N > 2\)/);

    const r = highway(['train', '--resume', '--out', short, '--epochs', '4']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/continuing .* after epoch 2, to epoch 4/);
    expect(values(short)).toHaveLength(6); // header + epochs 0..4
    expect(values(short)).toEqual(values(long));
    const cfg = readJson(join(short, 'config.json'));
    expect(cfg.train.epochs).toBe(4);
    expect(cfg.run.continued[0].epochs).toEqual({ from: 2, to: 4 });
    expect(readJson(join(short, 'summary.json'))).toMatchObject({ status: 'completed', epochs: 4 });
  });

  it('patience is asked at the old last epoch, as the longer run asked it there', () => {
    const dir = tmp();
    // an lr too small to move a float32 weight: the loss never improves, so patience 2 stops at epoch 2
    const args = [...RUN, '--lr', '1e-30', '--set', 'train.patience=2'];
    expect(highway([...args, '--epochs', '5', '--out', join(dir, 'long')]).code).toBe(0);
    expect(readJson(join(dir, 'long', 'summary.json'))).toMatchObject({ status: 'stopped', epochs: 2 });
    expect(highway([...args, '--epochs', '2', '--out', join(dir, 'short')]).code).toBe(0);
    expect(readJson(join(dir, 'short', 'summary.json'))).toMatchObject({ status: 'completed', epochs: 2 });

    expect(highway(['train', '--resume', '--out', join(dir, 'short'), '--epochs', '5']).code).toBe(0);
    expect(readJson(join(dir, 'short', 'summary.json'))).toMatchObject({ status: 'stopped', epochs: 2 });
    expect(values(join(dir, 'short'))).toEqual(values(join(dir, 'long')));
  });

  it('refuses fewer epochs than trained, no checkpoint, a run that ended on its own, and a sweep run; the folder is untouched', () => {
    const dir = tmp();
    const out = join(dir, 'run');
    expect(highway([...RUN, '--epochs', '2', '--out', out]).code).toBe(0);
    const before = readFileSync(join(out, 'metrics.csv'), 'utf8');
    const refused = (args: string[], message: RegExp) => {
      const r = highway(['train', '--resume', '--out', out, ...args]);
      expect(r.code, r.stdout).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(STACK_LINE);
      expect(readFileSync(join(out, 'metrics.csv'), 'utf8')).toBe(before);
      expect(readJson(join(out, 'summary.json')).status).not.toBe('failed');
    };
    refused(['--epochs', '1'], /train\.epochs 1 \(--epochs\): the run in .* has already trained 2 epochs; give more than that many/);
    // other settings are still refused beside a new length
    refused(['--epochs', '3', '--lr', '0.05'], /trained with other settings: train\.lr \(0\.1 → 0\.05\)/);

    const config = readJson(join(out, 'config.json'));
    writeFileSync(join(out, 'config.json'), JSON.stringify({ ...config, run: { ...config.run, sweep: 'study' } }));
    refused(['--epochs', '3'], /train\.epochs 3 \(--epochs\): .* is a run of a sweep, which sets its epochs/);
    // nor is it offered
    expect(highway(['train', '--resume', '--out', out]).stdout).not.toMatch(/to train it longer/);
    writeFileSync(join(out, 'config.json'), JSON.stringify(config));

    const summary = readJson(join(out, 'summary.json'));
    writeFileSync(join(out, 'summary.json'), JSON.stringify({ ...summary, status: 'diverged' }));
    refused(['--epochs', '3'], /has ended \(diverged\); it cannot be trained longer/);

    const none = join(dir, 'none');
    expect(highway([...RUN, '--epochs', '1', '--set', 'train.checkpoint=none', '--out', none]).code).toBe(0);
    const r = highway(['train', '--resume', '--out', none, '--epochs', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/has no checkpoint to continue from \(train\.checkpoint none\)/);
  });

  it('a lengthened run whose data has gone is left as it was: still completed, with its own config', () => {
    const dir = tmp();
    const data = join(dir, 'digits');
    mkdirSync(data);
    // an IDX folder of eight 2×2 training images and four test images, two classes
    const idx = (magic: number, dims: number[], bytes: number[]) => {
      const head = Buffer.alloc(4 + 4 * dims.length);
      head.writeUInt32BE(magic, 0);
      for (const [i, d] of dims.entries()) head.writeUInt32BE(d, 4 + 4 * i);
      return Buffer.concat([head, Buffer.from(bytes)]);
    };
    for (const [prefix, n] of [
      ['train', 8],
      ['t10k', 4],
    ] as const) {
      writeFileSync(
        join(data, `${prefix}-images-idx3-ubyte`),
        idx(
          0x803,
          [n, 2, 2],
          Array.from({ length: 4 * n }, (_, i) => (i * 37) % 256),
        ),
      );
      writeFileSync(
        join(data, `${prefix}-labels-idx1-ubyte`),
        idx(
          0x801,
          [n],
          Array.from({ length: n }, (_, i) => i % 2),
        ),
      );
    }
    const out = join(dir, 'run');
    expect(highway(['train', '--dataset', `idx:${data}`, '--depth', '2', '--width', '4', '--epochs', '1', '--out', out, '-q']).code).toBe(0);
    const config = readFileSync(join(out, 'config.json'), 'utf8');
    const summary = readFileSync(join(out, 'summary.json'), 'utf8');
    renameSync(data, join(dir, 'moved'));
    const r = highway(['train', '--resume', '--out', out, '--epochs', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/folder .*digits does not exist/);
    expect(readFileSync(join(out, 'config.json'), 'utf8')).toBe(config);
    expect(readFileSync(join(out, 'summary.json'), 'utf8')).toBe(summary);
  });
});
