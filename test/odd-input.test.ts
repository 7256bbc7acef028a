/**
 * Odd input, second pass (issue #25): every odd value, path, file or flag a user can give is one
 * line naming what is wrong and exit 2 — never a stack trace, a spin, a crash or silence.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CliResult, STACK_LINE, highway, refusal } from './helpers/cli.js';
import { readJson, tempDir } from './helpers/run-folder.js';
import { analyzeRun } from '../src/analyze/run.js';
import { checkField, parseSet, resolveConfig } from '../src/config/index.js';
import { loadDataset } from '../src/data/index.js';
import { UserError } from '../src/errors.js';
import { makeFolder } from '../src/runs/folder.js';
import { expandSweep } from '../src/sweep/expand.js';
import { parseSweepSpec } from '../src/sweep/spec.js';

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

  it("--out '' is refused by every command that takes it", async () => {
    const dir = tmp();
    expectOneLine(highway(['train', ...TINY, '--out', '']), /--out: expected a folder, got an empty name/);
    const cfg = sweepFile(dir, { grid: { 'train.seed': [1] } });
    for (const args of [
      ['sweep', cfg, '--out', ''],
      ['report', dir, '--out', ''],
      ['analyze', dir, '--out', ' '],
      ['worker', '--queue', 'redis://127.0.0.1:1', '--out', ''],
    ])
      expect(await refusal(args), args[0]).toMatch(/--out: expected a folder, got an empty name/);
    expect(() => makeFolder('')).toThrow(/--out: expected a folder, got an empty name/);
  });

  it('a 300-character name or --out: one line, exit 2, the name cut short in it', () => {
    const dir = tmp();
    const long = 'a'.repeat(300);
    const line = expectOneLine(
      highway(['train', ...TINY, '--out', join(dir, long, 'run')]),
      /--out .*a…a.*: cannot create the folder: a name in the path is longer than the filesystem allows/,
    );
    expect(line).not.toContain('a'.repeat(100));
    // sweep and report make their --out the same way
    expect(() => makeFolder(join(dir, long))).toThrow(/cannot create the folder: a name in the path is longer than the filesystem allows/);
    // no --out: the name becomes the folder's
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

  it('a 2 MB value is echoed cut to about 80 characters, wherever it is', async () => {
    const dir = tmp();
    const huge = 'x'.repeat(2_000_000);
    const inFile = join(dir, 'huge.json');
    writeFileSync(inFile, JSON.stringify({ model: { activation: huge } }));
    // end to end: a field's value, a grid's key
    for (const [args, re] of [
      [['train', '--config', inFile], /model\.activation: expected one of .*, got "x+….*\(2,000,000 characters\)"/],
      [['sweep', sweepFile(dir, { grid: { [huge]: [1] } })], /unknown config path "x+….*\(2,000,000 characters\)"/],
    ] as Array<[string[], RegExp]>) {
      const line = expectOneLine(highway(args, dir), re, args[0]);
      expect(line.length, args[0]).toBeLessThan(400);
    }
    // commander's own message (one argument holds at most 128 kB)
    const option = highway(['train', `--${huge.slice(0, 100_000)}`]);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^highway: error: unknown option '--x+…x+' \(100,00\d characters\)\n$/);
    const v = huge.slice(0, 100_000);
    const cfg = sweepFile(dir, { grid: { 'train.seed': [1] } });
    for (const [args, re] of [
      [['sweep', sweepFile(dir, { grid: { 'model.activation': [huge] } })], /sweep\.grid\["model\.activation"\]: .*\(2,000,000 characters\)/],
      [['train', '--set', `model.activation=${v}`], /model\.activation: expected one of .*\(100,000 characters\)/],
      [['train', '--set', `${v}=1`], /--set x+….*: unknown config key/],
      [['sweep', cfg, '--emit', v], /--emit: expected "slurm", got "x+…/],
      [['worker', '--queue', 'redis://127.0.0.1:1', '--queue-name', `${v}!`], /--queue-name: "x+…/],
      [['sweep', cfg, '--shard', v], /--shard: expected i\/n/],
      [['sweep', cfg, '--jobs', v], /--jobs: expected an integer from 1 to 256, got "x+…/],
    ] as Array<[string[], RegExp]>) {
      const message = await refusal(args);
      expect(message, args[0]).toMatch(re);
      expect(message.length, args[0]).toBeLessThan(400);
    }
  });
});

describe('a plan too large to expand', () => {
  it('10^7 runs are refused at once, in one line naming the count and --max-runs; --max-runs moves the limit both ways', async () => {
    const dir = tmp();
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    // 100 depths × 100 widths × 1,000 trials: expanded, it ran out of memory after 9 s without a word
    const huge = sweepFile(dir, {
      grid: { 'model.depth': values, 'model.width': values },
      random: { trials: 1000, space: { 'train.lr': { uniform: [0.1, 1] } } },
    });
    const line = expectOneLine(
      highway(['sweep', huge, '--list'], dir),
      /the grid and trials make 10,000,000 runs, more than the limit of 100,000; .*--max-runs/,
    );
    expect(line.length).toBeLessThan(400);
    // the limit is the user's to move: 3 runs against 2, then against 3
    const three = sweepFile(dir, { grid: { 'train.seed': [1, 2, 3] } });
    expect(await refusal(['sweep', three, '--list', '--max-runs', '2'])).toMatch(/make 3 runs, more than the limit of 2;/);
    const listed = highway(['sweep', three, '--list', '--max-runs', '3']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.trim().split('\n')).toHaveLength(3);
    expect(existsSync(join(dir, 'results'))).toBe(false);
  });
});

describe('sweep "when" keys', () => {
  it('a key that is no value of a numeric path names the field', () => {
    const dir = tmp();
    const cfg = sweepFile(dir, { grid: { 'model.depth': [2, 3] }, when: { 'model.depth': { three: { 'train.lr': 0.1 } } } });
    expectOneLine(highway(['sweep', cfg, '--list']), /sweep\.when\["model\.depth"\]\["three"\]: model\.depth: expected an integer from 1 to 1000, got "three"/);
  });

  it('"__proto__" keys are refused, never dropped; "constructor" is an ordinary value', async () => {
    const dir = tmp();
    // a run named "__proto__" used to lose its "when" settings without a word
    const proto = JSON.parse(
      '{"grid": {"name": ["__proto__", "constructor", "x"]}, "when": {"name": {"__proto__": {"train.lr": 0.5}, "constructor": {"train.lr": 0.25}}}}',
    );
    expectOneLine(highway(['sweep', sweepFile(dir, proto), '--list']), /sweep\.when\.name: "__proto__" cannot be a key here/);
    const refused = (text: string) => () => parseSweepSpec(JSON.parse(text), 'f.json');
    expect(refused('{"grid": {"train.seed": [1]}, "when": {"__proto__": {"1": {"train.lr": 0.5}}}}')).toThrow(
      /f\.json: sweep\.when: "__proto__" cannot be a key here/,
    );
    expect(refused('{"grid": {"train.seed": [1], "__proto__": [2]}}')).toThrow(/sweep\.grid: "__proto__" cannot be a key here/);
    expect(refused('{"random": {"trials": 2, "space": {"__proto__": {"uniform": [0, 1]}}}}')).toThrow(/sweep\.random\.space: "__proto__" cannot be a key here/);
    expect(refused('{"grid": {"name": ["a", "b"]}, "when": {"name": {"a": {"__proto__": 1}}}}')).toThrow(
      /sweep\.when\.name\.a: "__proto__" cannot be a key here/,
    );
    // "constructor" as a value gets its settings
    const ctor = parseSweepSpec({ grid: { name: ['constructor', 'x'] }, when: { name: { constructor: { 'train.lr': 0.25 } } } }, 'f.json');
    const runs = expandSweep(ctor, new Map());
    expect(runs.map((r) => [r.id, r.config.train.lr])).toEqual([
      ['nameconstructor', 0.25],
      ['namex', resolveConfig().train.lr],
    ]);
    // and as a config path, in --set or a "when" setting, it is an unknown key
    for (const key of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(() => parseSet(`${key}=1`), key).toThrow(new RegExp(`--set ${key}=1: unknown config key "${key}"`));
      expect(() => checkField(key, 1), key).toThrow(new RegExp(`unknown config key "${key}"`));
    }
    expect(refused('{"grid": {"name": ["a", "b"]}, "when": {"name": {"a": {"constructor": 1}}}}')).toThrow(/unknown config (path|key) "constructor"/);
  });
});

describe('numeric flags have ranges', () => {
  it('every numeric flag of every command refuses values past its range, naming the flag and the range', async () => {
    const dir = tmp();
    const cfg = sweepFile(dir, { grid: { 'train.seed': [1] } });
    const q = ['--queue', 'redis://127.0.0.1:1'];
    // end to end: 10,000,000 s overflowed Node's timers (a TimeoutOverflowWarning per lock renewal)
    expectOneLine(highway(['worker', ...q, '--lock-seconds', '10000000']), /--lock-seconds: expected an integer from 1 to 86,400, got "10000000"/);
    const cases: Array<[string[], RegExp]> = [
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
      [['bench', '--depths', '10,99999999999'], /expected comma-separated depths from 1 to 1000/],
      // the config's flags: the schema's ranges
      [['train', '--epochs', '99999999999'], /--epochs: expected an integer from 0 to 1000000, got 99999999999/],
      [['train', '--width', '1e9'], /--width: expected an integer from 1 to 65536/],
      [['sweep', cfg, '--set', 'train.batchSize=1e12'], /train\.batchSize: expected an integer from 1 to 1000000/],
    ];
    for (const [args, re] of cases) expect(await refusal(args), args.join(' ')).toMatch(re);
  });

  it('no numeric flag is left without a range: every option of every command, found from the commands themselves', async () => {
    const { buildProgram } = await import('../src/cli/main.js');
    const { CONFIG_FLAGS, resolveFromOptions } = await import('../src/cli/options.js');
    const { FIELDS } = await import('../src/config/index.js');
    // the options whose value is no number (a new one must be named here, or it is checked as a number)
    const TEXT = new Set([
      'train --config',
      'train --set',
      'train --out',
      'sweep --out',
      'sweep --set',
      'sweep --queue',
      'sweep --queue-name',
      'sweep --emit',
      'worker --queue',
      'worker --queue-name',
      'worker --out',
      'report --out',
      'report --group-by',
      'analyze --out',
      'analyze --backend',
      'bench --models',
      'bench --backend',
    ]);
    const configFlag = new Map(CONFIG_FLAGS.map(([flag, path]) => [`--${flag}`, path]));
    const camel = (long: string) => long.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    // far past any sensible range, each in the option's own form
    const past = (placeholder: string) => (placeholder === 'i/n' ? '0/99999999999' : placeholder === 'list' ? '10,99999999999' : '99999999999');
    const checked: string[] = [];
    for (const cmd of buildProgram().commands) {
      const hasConfig = cmd.options.some((o) => o.long === '--config');
      for (const o of cmd.options) {
        const placeholder = /<(.+)>/.exec(o.flags)?.[1];
        const name = `${cmd.name()} ${o.long}`;
        if (!placeholder || TEXT.has(name)) continue;
        const path = hasConfig ? configFlag.get(o.long!) : undefined;
        if (path !== undefined) {
          // a config flag: checked against the schema's range when the config is resolved
          const kind = FIELDS[path]!.kind;
          if (kind !== 'int' && kind !== 'number' && kind !== 'nullableNumber') continue;
          for (const v of ['1e400', '-1e400', 'NaN', ...(kind === 'int' ? ['99999999999'] : [])])
            expect(() => resolveFromOptions({ [camel(o.long!)]: v }), `${name} ${v}`).toThrow(new RegExp(`^${o.long}: expected `));
          checked.push(name);
          continue;
        }
        // any other option: refused while the command line is parsed, before the command runs
        const program = buildProgram();
        const sub = program.commands.find((c) => c.name() === cmd.name())!;
        sub.configureOutput({ writeErr: () => {}, outputError: () => {} });
        let ran = false;
        sub.action(() => {
          ran = true;
        });
        const args = [...sub.registeredArguments.map(() => 'x'), ...(cmd.name() === 'worker' ? ['--queue', 'redis://127.0.0.1:1'] : [])];
        const value = past(placeholder);
        await expect(program.parseAsync(['node', 'highway', cmd.name(), ...args, o.long!, value]), `${name} ${value}`).rejects.toThrow(
          // ours, or commander's wording for an argument parser's refusal
          new RegExp(`^(${o.long}: expected|error: option '${o.long} <${placeholder}>' argument .* is invalid\\. expected)`),
        );
        expect(ran, name).toBe(false);
        checked.push(name);
      }
    }
    // the search found the flags this test was written for (it cannot pass by finding none)
    for (const name of [
      'worker --lock-seconds',
      'worker --jobs',
      'sweep --jobs',
      'sweep --max-runs',
      'sweep --tasks',
      'sweep --shard',
      'analyze --samples',
      'bench --depths',
      'bench --steps',
      'train --width',
      'train --lr',
    ])
      expect(checked, name).toContain(name);
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
  const dataset = (name: string, binary = false) =>
    resolveConfig(
      new Map<string, unknown>([
        ['dataset.name', name],
        ['dataset.binary', binary],
      ]),
    ).dataset;

  it('an empty training or test split names its file and exits 2 (it is not a diverged run)', () => {
    const dir = tmp();
    // end to end: the run fails (it used to "diverge" with a NaN loss, exit 3)
    const out = join(dir, 'run');
    expectOneLine(
      highway(['train', ...SMALL, '--dataset', `idx:${idxFolder(join(dir, 'no-train'), 0, 2)}`, '--out', out]),
      /no-train\/train-images-idx3-ubyte: holds 0 images; the training split needs at least one/,
    );
    // a mistake found before the first epoch leaves no folder behind: the same command runs once the data is fixed
    expect(existsSync(out)).toBe(false);
    const fixed = highway(['train', ...SMALL, '--dataset', `idx:${idxFolder(join(dir, 'fixed'), 2, 2)}`, '--out', out]);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(readJson(join(out, 'summary.json')).status).toBe('completed');
    const cases: Array<[string, boolean, RegExp]> = [
      [`idx:${idxFolder(join(dir, 'no-test'), 2, 0)}`, false, /no-test\/t10k-images-idx3-ubyte: holds 0 images; the test split needs at least one/],
      [`sst5:${sstFolder(join(dir, 'sst-train'), { 'train.txt': '' })}`, false, /sst-train\/train\.txt: no sentences; every split needs at least one/],
      [`sst5:${sstFolder(join(dir, 'sst-test'), { 'test.txt': '\n\n' })}`, false, /sst-test\/test\.txt: no sentences/],
      [
        `sst5:${sstFolder(join(dir, 'sst-neutral'), { 'dev.txt': 'a ||| 2\n' })}`,
        true,
        /sst-neutral\/dev\.txt: no sentences left once the neutral ones \(label 2\) are dropped/,
      ],
    ];
    for (const [name, binary, re] of cases) expect(() => loadDataset(dataset(name, binary), 1), name).toThrow(re);
    // and a split of one example is data
    expect(loadDataset(dataset(`idx:${idxFolder(join(dir, 'one'), 1, 1)}`), 1).train.n).toBe(1);
  });

  it('a data file that is a folder is named as the data file, not blamed on the run folder', () => {
    const dir = tmp();
    const idxDir = idxFolder(join(dir, 'idx'), 2, 2);
    const images = join(idxDir, 'train-images-idx3-ubyte');
    rmSync(images);
    mkdirSync(images);
    expectOneLine(
      highway(['train', ...SMALL, '--dataset', `idx:${idxDir}`, '--out', join(dir, 'r1')]),
      /cannot read data file .*idx\/train-images-idx3-ubyte: it is a folder, not a file/,
    );
    const sst = sstFolder(join(dir, 'sst'), { 'dev.txt': 'folder' });
    expect(() => loadDataset(dataset(`sst5:${sst}`), 1)).toThrow(/cannot read data file .*sst\/dev\.txt: it is a folder, not a file/);
  });
});

describe('highway analyze on a model file that parses but is wrong', () => {
  it('a topology that is no network, an empty one, or one that does not fit the data: exit 2 naming model.json', async () => {
    const dir = tmp();
    const run = join(dir, 'run');
    expect(highway(['train', ...TINY, '--out', run]).code).toBe(0);
    const file = join(run, 'model', 'model.json');
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    // end to end: the number 5 (a stack trace before)
    writeFileSync(file, JSON.stringify({ ...saved, modelTopology: 5 }));
    expectOneLine(highway(['analyze', run, '--out', join(dir, 'a')]), /model\.json: not a TF\.js layers model/);
    const variants: Array<[string, unknown, RegExp]> = [
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
      await expect(analyzeRun(run, { samples: 8, out: join(dir, 'a') }), what).rejects.toThrow(re);
      await expect(analyzeRun(run, { samples: 8, out: join(dir, 'a') }), what).rejects.toBeInstanceOf(UserError);
    }
    // a real network, but of other data: 16 features in, 4 classes out; the run's config now says 2×2 IDX images of 2 classes
    writeFileSync(file, JSON.stringify(saved));
    const cfg = readJson(join(run, 'config.json'));
    writeFileSync(
      join(run, 'config.json'),
      JSON.stringify({ ...cfg, dataset: { ...cfg.dataset, name: `idx:${idxFolder(join(dir, 'idx'), 4, 2)}`, trainSize: null, testSize: null } }),
    );
    await expect(analyzeRun(run, { samples: 8, out: join(dir, 'a') })).rejects.toThrow(
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
