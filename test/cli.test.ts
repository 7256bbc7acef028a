import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STACK_LINE, highway } from './helpers/cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'highway-cli-'));
const SMALL = ['--dataset', 'synthetic', '--train-size', '64', '--test-size', '32', '--depth', '3', '--width', '8', '--batch-size', '16'];

describe('highway train (end to end)', () => {
  it('trains, prints the backend, writes the run folder and says where the CSV is', () => {
    const out = join(tmp(), 'run');
    const r = highway(['train', ...SMALL, '--epochs', '2', '--gate-bias', '-3', '--out', out, '--analyze']);
    expect(r.stderr).toMatch(/backend: (wasm|cpu|tensorflow)/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^completed: 2 epochs/m);
    expect(r.stdout).toContain(join(out, 'metrics.csv'));
    const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(cfg.model.gateBias).toBe(-3);
    expect(readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n').length).toBe(4);
    // --analyze: the gate analysis of the 2 highway layers
    expect(r.stdout).toMatch(/2 highway layers, \d+ samples/);
    expect(
      readFileSync(join(out, 'analysis', 'lesion.csv'), 'utf8')
        .trim()
        .split('\n').length,
    ).toBe(3);
    // non-terminal output: one plain line per epoch, no carriage returns
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr.match(/^epoch \d/gm)?.length).toBe(3);
  });

  it('--config then --set then flags; the saved config.json runs again as a config', () => {
    const dir = tmp();
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ name: 'mine', model: { depth: 5, activation: 'tanh' }, train: { epochs: 1 } }));
    const out = join(dir, 'a');
    const r = highway(['train', '--config', file, '--set', 'model.depth=4', '--depth', '3', ...SMALL.slice(0, 6), '--out', out, '--quiet']);
    expect(r.code).toBe(0);
    const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect([cfg.name, cfg.model.depth, cfg.model.activation, cfg.train.epochs]).toEqual(['mine', 3, 'tanh', 1]);
    const again = highway(['train', '--config', join(out, 'config.json'), '--out', join(dir, 'b'), '--quiet']);
    expect(again.code).toBe(0);
    expect(
      readFileSync(join(dir, 'b', 'metrics.csv'), 'utf8')
        .split('\n')
        .map((l) => l.split(',').slice(0, 5).join()),
    ).toEqual(
      readFileSync(join(out, 'metrics.csv'), 'utf8')
        .split('\n')
        .map((l) => l.split(',').slice(0, 5).join()),
    );
  });

  const dir = tmp();
  writeFileSync(join(dir, 'bad.json'), '{\n  "model": {\n    "depth": 10,\n  }\n}');
  writeFileSync(join(dir, 'unknown.json'), JSON.stringify({ model: { gatebias: -2 } }));
  const cases: Array<[string, string[], RegExp]> = [
    ['missing config file', ['--config', join(dir, 'nope.json')], /config file not found: .*nope\.json/],
    ['invalid JSON', ['--config', join(dir, 'bad.json')], /bad\.json:4:3: invalid JSON/],
    ['unknown key', ['--config', join(dir, 'unknown.json')], /unknown key "model\.gatebias" \(did you mean "model\.gateBias"\?\)/],
    ['bad --set', ['--set', 'model.dept=3'], /unknown config key "model\.dept" \(did you mean "model\.depth"\?\)/],
    ['--set without =', ['--set', 'depth'], /expected <path>=<value>/],
    ['--depth abc', ['--depth', 'abc'], /--depth: expected an integer from 1 to 1000, got "abc"/],
    ['--depth 0', ['--depth', '0'], /--depth: expected an integer from 1 to 1000, got 0/],
    ['unknown dataset', ['--dataset', 'cifar'], /dataset\.name: unknown dataset "cifar"/],
    ['unknown activation', ['--activation', 'relu6'], /--activation: expected one of relu, tanh, linear, sigmoid, elu, got "relu6"/],
    ['unknown option', ['--dpeth', '3'], /unknown option '--dpeth'/],
    ['--analyze on a plain net', ['--model', 'plain', '--analyze'], /--analyze: a plain net has no transform gates to analyze/],
    [
      'tensorflow backend without tfjs-node',
      ['--backend', 'tensorflow', ...SMALL],
      /backend "tensorflow" needs @tensorflow\/tfjs-node: tfjs-node is not installed; install it with/,
    ],
  ];
  for (const [name, args, msg] of cases) {
    it(`user error: ${name} → one message, exit 2, no stack trace`, () => {
      const r = highway(['train', ...args, '--out', join(tmp(), 'x'), '--epochs', '0']);
      if (name.startsWith('tensorflow') && r.code === 0) return; // tfjs-node is installed here: not an error
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
      // in a log (not a terminal) the message is not preceded by a blank line, and says who speaks
      expect(r.stderr).toMatch(/^highway: error: /m);
      expect(r.stderr.startsWith('\n')).toBe(false);
      expect(r.stderr).not.toMatch(STACK_LINE);
    });
  }

  it("a config's train.analyze on a plain net (as a sweep's plain runs carry it) trains, and skips the analysis; only the --analyze flag is refused", () => {
    const dir = tmp();
    const file = join(dir, 'plain-run.json');
    writeFileSync(file, JSON.stringify({ model: { type: 'plain', depth: 3, width: 8 }, train: { analyze: true } }));
    const r = highway(['train', '--config', file, ...SMALL, '--epochs', '0', '--out', join(dir, 'run')]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'run', 'analysis'))).toBe(false);
  });

  it('an existing run folder is refused without --force', () => {
    const out = join(tmp(), 'run');
    expect(highway(['train', ...SMALL, '--epochs', '0', '--out', out]).code).toBe(0);
    const r = highway(['train', ...SMALL, '--epochs', '0', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already exists; pass --force/);
    expect(highway(['train', ...SMALL, '--epochs', '0', '--out', out, '--force']).code).toBe(0);
    // a folder of someone else's files: --force would not replace it either, so it is not suggested
    const theirs = join(tmp(), 'theirs');
    mkdirSync(theirs);
    writeFileSync(join(theirs, 'notes.txt'), 'mine');
    for (const force of [[], ['--force']]) {
      const refused = highway(['train', ...SMALL, '--epochs', '0', '--out', theirs, ...force]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/theirs is not a run folder \(no \.highway-run marker\) and holds other files: it is not replaced; use another folder/);
    }
    expect(readFileSync(join(theirs, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('--help lists every flag with examples; --version prints the version', () => {
    const r = highway(['train', '--help']);
    expect(r.code).toBe(0);
    for (const flag of [
      '--config',
      '--set',
      '--model',
      '--depth',
      '--width',
      '--activation',
      '--gate-bias',
      '--carry',
      '--dataset',
      '--epochs',
      '--batch-size',
      '--optimizer',
      '--lr',
      '--momentum',
      '--decay',
      '--seed',
      '--backend',
      '--out',
      '--force',
      '--quiet',
    ]) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toContain('Examples:');
    expect(highway(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('Ctrl-C', () => {
  it('SIGINT finishes the current epoch, writes its row, exits 130 with status interrupted', async () => {
    const { spawn } = await import('node:child_process');
    const { existsSync } = await import('node:fs');
    const out = join(tmp(), 'run');
    const bin = new URL('../bin/highway.js', import.meta.url).pathname;
    const child = spawn(
      process.execPath,
      [bin, 'train', '--dataset', 'synthetic', '--train-size', '4000', '--depth', '8', '--width', '32', '--epochs', '500', '--out', out],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const rows = () => (existsSync(join(out, 'metrics.csv')) ? readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n').length - 1 : 0);
    while (rows() < 2) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(stderr).toContain('stopping after this epoch');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('interrupted');
    expect(summary.epochs).toBe(rows() - 1);
    expect(rows()).toBeLessThan(10);
    expect(existsSync(join(out, 'model', 'model.json'))).toBe(true);
  });
});

describe('backends', () => {
  it('--backend cpu runs without the "install our node backend" banner', () => {
    const r = highway(['train', ...SMALL, '--epochs', '1', '--backend', 'cpu', '--out', join(tmp(), 'run')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/backend: cpu/);
    expect(r.stderr + r.stdout).not.toMatch(/looks like you are running TensorFlow\.js in Node/);
  });
});

describe('highway sweep --set', () => {
  it('reaches the sweep section: --set sweep.random.trials=2 runs 2 trials per cell; a grid key is a whole config path; typos are named', () => {
    const list = (...sets: string[]) => highway(['sweep', 'configs/paper-fig1-plain-highway.json', ...sets.flatMap((s) => ['--set', s]), '--list']);
    const two = list('sweep.random.trials=2');
    expect(two.code, two.stderr).toBe(0);
    const ids = two.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t')[1]);
    // 2 types × 4 depths × 2 trials
    expect(ids).toHaveLength(16);
    expect(ids.filter((id) => id!.endsWith('-t000'))).toHaveLength(8);
    expect(ids.filter((id) => id!.endsWith('-t001'))).toHaveLength(8);
    const one = list('sweep.grid.model.depth=[10]', 'sweep.random.trials=1', 'train.epochs=3');
    expect(
      one.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('\t')[1]),
    ).toEqual(['plain-d10-t000', 'highway-d10-t000']);
    const typo = list('sweep.random.trails=1');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/sweep\.random: unknown key "trails" \(did you mean "trials"\?\)/);
    // the message names the --set, not only the file (whose own sweep section is fine)
    const notAList = list('sweep.grid.model.depth=10,20');
    expect(notAList.code).toBe(2);
    expect(notAList.stderr).toMatch(/paper-fig1-plain-highway\.json with --set sweep\.grid\.model\.depth=10,20: sweep\.grid\["model\.depth"\]: expected array/);
    expect(list('sweep.__proto__.x=1').code).toBe(2);
  });
});
