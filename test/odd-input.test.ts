/**
 * Odd input, second pass (issue #25): every odd value, path, file or flag a user can give is one
 * line naming what is wrong and exit 2 — never a stack trace, a spin, a crash or silence.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CliResult, STACK_LINE, highway } from './helpers/cli.js';
import { readJson, tempDir } from './helpers/run-folder.js';

const tmp = () => tempDir('odd');
const BIN = fileURLToPath(new URL('../bin/highway.js', import.meta.url));
const TINY = ['--dataset', 'synthetic', '--train-size', '64', '--test-size', '16', '--depth', '2', '--width', '8', '--batch-size', '16', '--epochs', '1'];

/** Exit 2 and one line, `highway: error: …`, matching `re`; no stack. */
function expectOneLine(r: CliResult, re: RegExp, what = ''): string {
  expect(r.code, `${what}\n${r.stderr}`).toBe(2);
  expect(r.stderr, what).not.toMatch(STACK_LINE);
  // (analyze and bench say which backend runs first)
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter((l) => !/^backend: |^$/.test(l));
  expect(lines, what).toHaveLength(1);
  expect(lines[0], what).toMatch(/^highway: error: /);
  expect(lines[0], what).toMatch(re);
  return lines[0]!;
}

function sweepFile(dir: string, sweep: unknown, extra: Record<string, unknown> = {}): string {
  const f = join(dir, `sweep-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    f,
    JSON.stringify({
      name: 'odd',
      dataset: { name: 'synthetic', trainSize: 64, testSize: 16 },
      model: { depth: 2, width: 8 },
      train: { epochs: 1, batchSize: 16 },
      sweep,
      ...extra,
    }),
  );
  return f;
}

describe('folders that cannot be made', () => {
  it('--out under /proc, or a working folder that was removed: one message, exit 2, no 100% CPU spin', () => {
    const r = spawnSync(process.execPath, [BIN, 'train', ...TINY, '--out', '/proc/highway-odd/run'], {
      encoding: 'utf8',
      timeout: 30_000,
      killSignal: 'SIGKILL',
    });
    expectOneLine(
      { code: r.status, stdout: r.stdout, stderr: r.stderr },
      /--out \/proc\/highway-odd\/run: cannot create the folder: this place does not accept new folders/,
    );
    // the default --out (results/…) is relative: in a removed working folder it leads nowhere
    const gone = join(tmp(), 'gone');
    mkdirSync(gone);
    const s = spawnSync('sh', ['-c', `cd "${gone}" && rmdir "${gone}" && exec "${process.execPath}" "${BIN}" train ${TINY.join(' ')}`], {
      encoding: 'utf8',
      timeout: 30_000,
      killSignal: 'SIGKILL',
    });
    expectOneLine({ code: s.status, stdout: s.stdout, stderr: s.stderr }, /--out results\/.*: cannot create the folder: the working folder no longer exists/);
  });

  it("--out '' is refused by every command that takes it", () => {
    const dir = tmp();
    const cfg = sweepFile(dir, { grid: { 'train.seed': [1] } });
    for (const args of [
      ['train', ...TINY, '--out', ''],
      ['sweep', cfg, '--out', ''],
      ['report', dir, '--out', ''],
      ['analyze', dir, '--out', ' '],
      ['worker', '--queue', 'redis://127.0.0.1:1', '--out', ''],
    ])
      expectOneLine(highway(args), /--out: expected a folder, got an empty name/, args[0]);
  });

  it('a 300-character name or --out: one line, exit 2, the name cut short in it', () => {
    const dir = tmp();
    // a run folder to report on, by hand
    mkdirSync(join(dir, 'run'));
    writeFileSync(join(dir, 'run', 'config.json'), JSON.stringify({ name: 'x', model: { type: 'highway', depth: 2 }, train: { epochs: 1 } }));
    writeFileSync(join(dir, 'run', 'metrics.csv'), 'epoch,train_loss\n0,1.5\n1,1.25\n');
    const long = 'a'.repeat(300);
    const cfg = sweepFile(dir, { grid: { 'train.seed': [1] } });
    for (const args of [
      ['train', ...TINY, '--out', join(dir, long, 'run')],
      ['sweep', cfg, '--out', join(dir, long)],
      ['report', dir, '--out', join(dir, long)],
    ]) {
      const line = expectOneLine(highway(args), /cannot create the folder: a name in the path is longer than the filesystem allows/, args[0]);
      expect(line).not.toContain('a'.repeat(100));
    }
    const named = expectOneLine(highway(['train', ...TINY, '--set', `name=${'n'.repeat(300)}`], dir), /name: "n+….*" is too long to name a folder/);
    expect(named).not.toContain('n'.repeat(100));
    const swept = expectOneLine(
      highway(['sweep', sweepFile(dir, { grid: { 'train.seed': [1] } }, { name: 'n'.repeat(300) })], dir),
      /too long to name a folder/,
    );
    expect(swept).not.toContain('n'.repeat(100));
    expect(existsSync(join(dir, 'results'))).toBe(false);
  });
});

describe('odd config text', () => {
  it('a config saved with a UTF-8 byte order mark is read', () => {
    const dir = tmp();
    const f = join(dir, 'bom.json');
    writeFileSync(
      f,
      `\uFEFF${JSON.stringify({ name: 'bom', dataset: { name: 'synthetic', trainSize: 32, testSize: 16 }, model: { depth: 2, width: 4 }, train: { epochs: 0 } })}`,
    );
    const r = highway(['train', '--config', f, '--out', join(dir, 'run')]);
    expect(r.code, r.stderr).toBe(0);
    expect(readJson(join(dir, 'run', 'config.json')).name).toBe('bom');
  });

  it('a 2 MB value is echoed cut to about 80 characters, wherever it is', () => {
    const dir = tmp();
    const huge = 'x'.repeat(2_000_000);
    const inFile = join(dir, 'huge.json');
    writeFileSync(inFile, JSON.stringify({ model: { activation: huge } }));
    const cases: Array<[string[], RegExp]> = [
      [['train', '--config', inFile], /model\.activation: expected one of .*, got "x+….*\(2,000,000 characters\)"/],
      [['sweep', sweepFile(dir, { grid: { 'model.activation': [huge] } })], /sweep\.grid\["model\.activation"\]: .*\(2,000,000 characters\)/],
      [['sweep', sweepFile(dir, { grid: { [huge]: [1] } })], /unknown config path "x+….*\(2,000,000 characters\)"/],
      // (one command-line argument holds at most 128 kB)
      [['train', '--set', `model.activation=${huge.slice(0, 100_000)}`], /model\.activation: expected one of .*\(100,000 characters\)/],
      [['train', '--set', `${huge.slice(0, 100_000)}=1`], /--set x+….*: unknown config key/],
      [['train', `--${huge.slice(0, 100_000)}`], /unknown option/],
      [['sweep', sweepFile(dir, { grid: { 'train.seed': [1] } }), '--emit', huge.slice(0, 100_000)], /--emit: expected "slurm", got "x+…/],
      [['worker', '--queue', 'redis://127.0.0.1:1', '--queue-name', `${huge.slice(0, 100_000)}!`], /--queue-name: "x+…/],
      [['sweep', sweepFile(dir, { grid: { 'train.seed': [1] } }), '--shard', huge.slice(0, 100_000)], /--shard: expected i\/n/],
    ];
    for (const [args, re] of cases) {
      const r = highway(args, dir);
      const what = `${args[0]} ${args[1]?.slice(0, 40)}`;
      expect(r.code, what).toBe(2);
      expect(r.stderr, what).toMatch(re);
      expect(r.stderr.length, what).toBeLessThan(600);
      expect(r.stderr, what).not.toMatch(STACK_LINE);
    }
  });
});

describe('sweep "when" keys', () => {
  it('a key that is no value of a numeric path names the field', () => {
    const dir = tmp();
    const cfg = sweepFile(dir, { grid: { 'model.depth': [2, 3] }, when: { 'model.depth': { three: { 'train.lr': 0.1 } } } });
    expectOneLine(highway(['sweep', cfg, '--list']), /sweep\.when\["model\.depth"\]\["three"\]: model\.depth: expected an integer from 1 to 1000, got "three"/);
  });

  it('"__proto__" keys are refused, never dropped; "constructor" is an ordinary value', () => {
    const dir = tmp();
    // a run named "__proto__" used to lose its "when" settings without a word
    const proto = JSON.parse(
      '{"grid": {"name": ["__proto__", "constructor", "x"]}, "when": {"name": {"__proto__": {"train.lr": 0.5}, "constructor": {"train.lr": 0.25}}}}',
    );
    expectOneLine(highway(['sweep', sweepFile(dir, proto), '--list']), /sweep\.when\.name: "__proto__" cannot be a key here/);
    const asPath = JSON.parse('{"grid": {"train.seed": [1]}, "when": {"__proto__": {"1": {"train.lr": 0.5}}}}');
    expectOneLine(highway(['sweep', sweepFile(dir, asPath), '--list']), /sweep\.when: "__proto__" cannot be a key here/);
    const inGrid = JSON.parse('{"grid": {"train.seed": [1], "__proto__": [2]}}');
    expectOneLine(highway(['sweep', sweepFile(dir, inGrid), '--list']), /sweep\.grid: "__proto__" cannot be a key here/);
    // "constructor" as a value gets its settings
    const ctor = highway(['sweep', sweepFile(dir, { grid: { name: ['constructor', 'x'] }, when: { name: { constructor: { 'train.lr': 0.25 } } } }), '--list']);
    expect(ctor.code).toBe(0);
    expect(ctor.stdout).toMatch(/^0\tnameconstructor\t\{"name":"constructor","train\.lr":0\.25\}$/m);
    expect(ctor.stdout).toMatch(/^1\tnamex\t\{"name":"x"\}$/m);
    // and as a config path, in --set or a "when" setting, it is an unknown key
    for (const key of ['constructor', '__proto__', 'toString'])
      expectOneLine(highway(['train', ...TINY, '--set', `${key}=1`]), new RegExp(`--set ${key}=1: unknown config key "${key}"`));
    const setting = highway(['sweep', sweepFile(dir, { grid: { name: ['a', 'b'] }, when: { name: { a: { constructor: 1 } } } }), '--list']);
    expectOneLine(setting, /unknown config path "constructor"|unknown config key "constructor"/);
  });
});

describe('numeric flags have ranges', () => {
  it('every numeric flag of every command refuses values past its range, naming the flag and the range', () => {
    const dir = tmp();
    const cfg = sweepFile(dir, { grid: { 'train.seed': [1] } });
    const q = ['--queue', 'redis://127.0.0.1:1'];
    const cases: Array<[string[], RegExp]> = [
      [['worker', ...q, '--lock-seconds', '10000000'], /--lock-seconds: expected an integer from 1 to 86,400, got "10000000"/],
      [['worker', ...q, '--lock-seconds', '0'], /--lock-seconds: expected an integer from 1 to 86,400, got "0"/],
      [['worker', ...q, '--jobs', '100000'], /--jobs: expected an integer from 1 to 256, got "100000"/],
      [['sweep', cfg, '--jobs', '1e3'], /--jobs: expected an integer from 1 to 256, got "1e3"/],
      [['sweep', cfg, '--emit', 'slurm', '--tasks', '99999999999'], /--tasks: expected an integer from 1 to 100,000/],
      [['sweep', cfg, '--shard', '0/99999999999'], /--shard: expected i\/n with 0 ≤ i < n ≤ 1,000,000/],
      [['analyze', dir, '--samples', '99999999999'], /--samples: expected an integer from 1 to 10,000,000/],
      [['bench', '--batch-size', '0x10'], /--batch-size: expected an integer from 1 to 1,000,000, got "0x10"/],
      [['bench', '--steps', '99999999999'], /--steps: expected an integer from 1 to 1,000,000/],
      [['bench', '--warmup', '99999999999'], /--warmup: expected an integer from 1 to 1,000,000/],
      [['bench', '--rounds', '99999999999'], /--rounds: expected an integer from 1 to 10,000/],
      [['bench', '--torch-threads', '99999999999'], /--torch-threads: expected an integer from 1 to 1,024/],
      [['train', '--epochs', '99999999999'], /--epochs: expected an integer from 0 to 1000000, got 99999999999/],
      [['train', '--width', '1e9'], /--width: expected an integer from 1 to 65536/],
    ];
    for (const [args, re] of cases) expectOneLine(highway(args), re, args.join(' '));
  });
});

/** IDX file bytes: magic (unsigned bytes, `dims.length` dimensions), the dimensions, the data. */
function idx(dims: number[], data: number[] = []): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(0x800 + dims.length, 0);
  for (const [i, d] of dims.entries()) head.writeUInt32BE(d, 4 + 4 * i);
  return Buffer.concat([head, Buffer.from(data)]);
}

/** An IDX folder of 2×2 images; `train` / `test` image counts. */
function idxFolder(dir: string, train: number, test: number): string {
  mkdirSync(dir, { recursive: true });
  const split = (prefix: string, n: number) => {
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), idx([n, 2, 2], new Array(4 * n).fill(9)));
    writeFileSync(
      join(dir, `${prefix}-labels-idx1-ubyte`),
      idx(
        [n],
        Array.from({ length: n }, (_, i) => i % 2),
      ),
    );
  };
  split('train', train);
  split('t10k', test);
  return dir;
}

function sstFolder(dir: string, files: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries({ 'train.txt': 'a b ||| 1\nc d ||| 3\n', 'dev.txt': 'a ||| 0\n', 'test.txt': 'b ||| 4\n', ...files }))
    if (text === 'folder') mkdirSync(join(dir, name));
    else writeFileSync(join(dir, name), text);
  return dir;
}

describe("the user's data files", () => {
  const SMALL = ['--depth', '2', '--width', '4', '--epochs', '1', '--batch-size', '2'];
  it('an empty training or test split names its file and exits 2 (it is not a diverged run)', () => {
    const dir = tmp();
    const text = ['--model', 'highway-pooled', '--set', 'model.embedDim=4'];
    const cases: Array<[string[], RegExp]> = [
      [
        ['--dataset', `idx:${idxFolder(join(dir, 'no-train'), 0, 2)}`],
        /no-train\/train-images-idx3-ubyte: holds 0 images; the training split needs at least one/,
      ],
      [['--dataset', `idx:${idxFolder(join(dir, 'no-test'), 2, 0)}`], /no-test\/t10k-images-idx3-ubyte: holds 0 images; the test split needs at least one/],
      [
        ['--dataset', `sst5:${sstFolder(join(dir, 'sst-train'), { 'train.txt': '' })}`, ...text],
        /sst-train\/train\.txt: no sentences; every split needs at least one/,
      ],
      [['--dataset', `sst5:${sstFolder(join(dir, 'sst-test'), { 'test.txt': '\n\n' })}`, ...text], /sst-test\/test\.txt: no sentences/],
      [
        ['--dataset', `sst5:${sstFolder(join(dir, 'sst-neutral'), { 'dev.txt': 'a ||| 2\n' })}`, ...text, '--set', 'dataset.binary=true'],
        /sst-neutral\/dev\.txt: no sentences left once the neutral ones \(label 2\) are dropped/,
      ],
    ];
    for (const [args, re] of cases) {
      const out = join(dir, `run-${Math.random().toString(36).slice(2)}`);
      expectOneLine(highway(['train', ...SMALL, ...args, '--out', out]), re, args[1]);
      expect(readJson(join(out, 'summary.json')).status, args[1]).toBe('failed');
    }
  });

  it('a data file that is a folder is named as the data file, not blamed on the run folder', () => {
    const dir = tmp();
    const idxDir = idxFolder(join(dir, 'idx'), 2, 2);
    const images = join(idxDir, 'train-images-idx3-ubyte');
    writeFileSync(images, ''); // replaced by a folder of that name
    spawnSync('sh', ['-c', `rm "${images}" && mkdir "${images}"`]);
    expectOneLine(
      highway(['train', ...SMALL, '--dataset', `idx:${idxDir}`, '--out', join(dir, 'r1')]),
      /cannot read data file .*idx\/train-images-idx3-ubyte: it is a folder, not a file/,
    );
    const sst = sstFolder(join(dir, 'sst'), { 'dev.txt': 'folder' });
    expectOneLine(
      highway(['train', ...SMALL, '--dataset', `sst5:${sst}`, '--model', 'highway-pooled', '--set', 'model.embedDim=4', '--out', join(dir, 'r2')]),
      /cannot read data file .*sst\/dev\.txt: it is a folder, not a file/,
    );
  });
});

describe('highway analyze on a model file that parses but is wrong', () => {
  it('a topology that is no network, an empty one, or one that does not fit the data: exit 2 naming model.json', () => {
    const dir = tmp();
    const run = join(dir, 'run');
    expect(highway(['train', ...TINY, '--out', run]).code).toBe(0);
    const file = join(run, 'model', 'model.json');
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    const variants: Array<[string, unknown, RegExp]> = [
      ['the number 5', { ...saved, modelTopology: 5 }, /model\.json: not a TF\.js layers model/],
      [
        'an empty Sequential',
        { ...saved, modelTopology: { class_name: 'Sequential', config: { name: 'empty', layers: [] } } },
        /model\.json: (its modelTopology is not a network|the network has no "logits" layer)/,
      ],
      [
        'an unknown layer class',
        { ...saved, modelTopology: { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'NoSuchLayer', config: {} }] } } },
        /model\.json: its modelTopology is not a network this version can build/,
      ],
      ['a weights manifest of numbers', { ...saved, weightsManifest: [{ paths: 5, weights: 7 }] }, /model\.json: not a TF\.js layers model/],
      [
        'weights named outside the folder',
        { ...saved, weightsManifest: [{ ...saved.weightsManifest[0], paths: ['../../etc/passwd'] }] },
        /model\.json: not a TF\.js layers model/,
      ],
    ];
    for (const [what, json, re] of variants) {
      writeFileSync(file, JSON.stringify(json));
      expectOneLine(highway(['analyze', run, '--out', join(dir, 'a')]), re, what);
    }
    // a real network, but of other data: 16 features in, 4 classes out; the run's config now says 2-feature IDX images
    writeFileSync(file, JSON.stringify(saved));
    const cfg = readJson(join(run, 'config.json'));
    writeFileSync(
      join(run, 'config.json'),
      JSON.stringify({ ...cfg, dataset: { ...cfg.dataset, name: `idx:${idxFolder(join(dir, 'idx'), 4, 2)}`, trainSize: null, testSize: null } }),
    );
    expectOneLine(
      highway(['analyze', run, '--out', join(dir, 'a')]),
      /model\.json: the network takes \[16\] and gives 4 classes, but the run's data has examples \[2, 2, 1\] and 2 classes/,
    );
  });
});

describe('a net too large to train', () => {
  it('is refused before it is built, with its parameters and the memory it would need', () => {
    // synthetic data: 16 features, 4 classes; highway, depth 2: a plain layer 16 → w, one highway layer (H and T: 2 w×w + 2 w), logits w → 4
    const w = 65536;
    const params = 16 * w + w + 2 * (w * w + w) + w * 4 + 4;
    const r = highway([
      'train',
      '--dataset',
      'synthetic',
      '--train-size',
      '16',
      '--test-size',
      '8',
      '--depth',
      '2',
      '--width',
      String(w),
      '--out',
      join(tmp(), 'big'),
    ]);
    const line = expectOneLine(
      r,
      new RegExp(`this highway net \\(depth 2, width 65536\\) has ${params.toLocaleString('en-US')} parameters and needs about (\\d+) GB to train`),
    );
    // at least the weights, their gradients and the optimiser's momentum: 12 bytes per parameter
    expect(Number(/about (\d+) GB/.exec(line)![1]) * 1e9).toBeGreaterThanOrEqual(12 * params * 0.999);
    expect(line).toMatch(/more than (the wasm backend's memory|this machine's memory)/);
  });
});
